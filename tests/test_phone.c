/*
 * Tests of the phone number normalizer: the ways people write Swedish
 * numbers, international forms, and the errors for everything else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gateway/phone.h"

/* One input and what phone_normalize must make of it. */
struct phone_case {
	const char	*in;
	const char	*region;
	const char	*out;		/* NULL: must fail */
	const char	*err;		/* expected substring of the error */
	int		 mobile;	/* -1: not checked */
};

static const struct phone_case phone_cases[] = {
	/* Swedish mobiles as people write them. */
	{ "070-123 45 67", "SE", "+46701234567", NULL, 1 },
	{ "0701234567", "SE", "+46701234567", NULL, 1 },
	{ "+46 70 123 45 67", "SE", "+46701234567", NULL, 1 },
	{ "+46701234567", "SE", "+46701234567", NULL, 1 },
	{ "0046701234567", "SE", "+46701234567", NULL, 1 },
	{ "0046 70-123 45 67", "SE", "+46701234567", NULL, 1 },
	{ "+46 (0)70 1234567", "SE", "+46701234567", NULL, 1 },
	{ "0046 (0)70 123 45 67", "SE", "+46701234567", NULL, 1 },
	{ "(070) 123.45.67", "SE", "+46701234567", NULL, 1 },
	{ "070/123 45 67", "SE", "+46701234567", NULL, 1 },
	{ "  0721234567\t", "SE", "+46721234567", NULL, 1 },
	{ "073-123 45 67", "SE", "+46731234567", NULL, 1 },
	{ "076-123 45 67", "SE", "+46761234567", NULL, 1 },
	{ "079-123 45 67", "SE", "+46791234567", NULL, 1 },
	{ "0701234567", NULL, "+46701234567", NULL, 1 },
	/* Swedish fixed lines: valid, but no SMS. */
	{ "08-721 23 13", "SE", "+4687212313", NULL, 0 },
	{ "+46 8 721 23 13", "SE", "+4687212313", NULL, 0 },
	{ "0152-123 45", "SE", "+4615212345", NULL, 0 },
	{ "031-123 45 67", "SE", "+46311234567", NULL, 0 },
	{ "0771-123 456", "SE", "+46771123456", NULL, 0 },
	/* Other countries: only the length is checked. */
	{ "+4712345678", "SE", "+4712345678", NULL, 1 },
	{ "+47 123 45 678", "SE", "+4712345678", NULL, 1 },
	{ "0047 12345678", "SE", "+4712345678", NULL, 1 },
	{ "+358 40 123 4567", "SE", "+358401234567", NULL, 1 },
	{ "+1 (415) 555-0199", "SE", "+14155550199", NULL, 1 },
	{ "+44 (0)20 7946 0018", "SE", "+442079460018", NULL, 1 },
	{ "+123456789012345", "SE", "+123456789012345", NULL, 1 },
	/* National numbers of other regions. */
	{ "12345678", "NO", "+4712345678", NULL, 1 },
	{ "32 12 34 56", "DK", "+4532123456", NULL, 1 },
	{ "040 123 4567", "FI", "+358401234567", NULL, 1 },
	{ "030 1234567", "DE", "+49301234567", NULL, 1 },
	{ "020 7946 0018", "GB", "+442079460018", NULL, 1 },
	{ "(415) 555-0199", "US", "+14155550199", NULL, 1 },
	{ "1 415 555 0199", "US", "+14155550199", NULL, 1 },
	/* Not numbers at all. */
	{ "abc", "SE", NULL, "not a number", -1 },
	{ "070-123 45 6x", "SE", NULL, "not a number", -1 },
	{ "07O1234567", "SE", NULL, "not a number", -1 },
	{ "+46 70 123+45 67", "SE", NULL, "not a number", -1 },
	{ "070:1234567", "SE", NULL, "not a number", -1 },
	{ "+", "SE", NULL, "not a number", -1 },
	{ "", "SE", NULL, "no number", -1 },
	{ "  - ", "SE", NULL, "no number", -1 },
	/* Wrong lengths. */
	{ "07012", "SE", NULL, "too short", -1 },
	{ "+46 8 123", "SE", NULL, "too short", -1 },
	{ "0701234567890", "SE", NULL, "too long", -1 },
	{ "1234567890123456789012345678901234567890", "SE", NULL,
	    "too long", -1 },
	{ "+1234567890123456", "SE", NULL, "too long", -1 },
	{ "+4712345", "SE", NULL, "too short", -1 },
	{ "+1 555 01", "SE", NULL, "too short", -1 },
	/* Not valid in the Swedish plan. */
	{ "070-123 45 6", "SE", NULL, "not a valid number for SE", -1 },
	{ "+46 0701234567", "SE", NULL, "not a valid number for SE", -1 },
	{ "701234567", "SE", NULL, "not a valid number for SE", -1 },
	{ "+0701234567", "SE", NULL, "country code", -1 },
	{ "000701234567", "SE", NULL, "country code", -1 },
	/* Regions the table does not know. */
	{ "0701234567", "XX", NULL, "unknown region", -1 },
	{ "+46701234567", "se", NULL, "unknown region", -1 },
};

/* Every row of phone_cases. */
static void
test_phone_table(void **state)
{
	char	out[PHONE_MAX], err[128], what[256];
	size_t	i;
	int	r;

	(void)state;
	for (i = 0; i < sizeof(phone_cases) / sizeof(phone_cases[0]); i++) {
		const struct phone_case	*c = &phone_cases[i];

		err[0] = '\0';
		r = phone_normalize(c->in, c->region, out, sizeof(out), err,
		    sizeof(err));
		snprintf(what, sizeof(what), "row %zu: '%s' (%s) -> %s / %s",
		    i, c->in, c->region ? c->region : "NULL",
		    r == 0 ? out : "fail", err);
		if (c->out != NULL) {
			if (r != 0)
				fail_msg("%s", what);
			assert_string_equal(out, c->out);
			if (c->mobile != -1 &&
			    phone_is_mobile(out) != (c->mobile == 1))
				fail_msg("%s: mobile should be %d", what,
				    c->mobile);
		} else {
			if (r != -1)
				fail_msg("%s: should fail", what);
			if (strstr(err, c->err) == NULL)
				fail_msg("%s: error should say '%s'", what,
				    c->err);
		}
	}
}

/* phone_is_mobile on E.164 directly. */
static void
test_phone_is_mobile(void **state)
{
	static const struct {
		const char	*e164;
		bool		 mobile;
	} rows[] = {
		{ "+46701234567", true },
		{ "+46721234567", true },
		{ "+46731234567", true },
		{ "+46761234567", true },
		{ "+46791234567", true },
		{ "+46711234567", false },	/* machine-to-machine */
		{ "+46741234567", false },
		{ "+46751234567", false },
		{ "+46771234567", false },
		{ "+4670123456", false },	/* too short for a mobile */
		{ "+4687212313", false },
		{ "+46311234567", false },
		{ "+4712345678", true },	/* unknown: let it try */
		{ "+14155550199", true },
		{ "0701234567", false },	/* not E.164 */
		{ "", false },
		{ NULL, false },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (phone_is_mobile(rows[i].e164) != rows[i].mobile)
			fail_msg("%s: mobile should be %d",
			    rows[i].e164 ? rows[i].e164 : "NULL",
			    rows[i].mobile);
}

/* A buffer too small fails instead of cutting the number. */
static void
test_phone_small_buffer(void **state)
{
	char	small[12], exact[13], err[64];

	(void)state;
	assert_int_equal(phone_normalize("0701234567", "SE", small,
	    sizeof(small), err, sizeof(err)), -1);
	assert_string_equal(small, "");
	assert_int_equal(phone_normalize("0701234567", "SE", exact,
	    sizeof(exact), err, sizeof(err)), 0);
	assert_string_equal(exact, "+46701234567");
	assert_int_equal(phone_normalize(NULL, "SE", exact, sizeof(exact),
	    err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_table),
		cmocka_unit_test(test_phone_is_mobile),
		cmocka_unit_test(test_phone_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
