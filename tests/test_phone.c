/*
 * Tests of phone numbers through libphonenumber: the ways people write
 * Swedish numbers, international forms, the errors for everything else,
 * which numbers can take SMS, and the format shown to people.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
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
	/* The PTS fiction range (all of it: test_phone_pts_range). */
	{ "070-174 06 05", "SE", "+46701740605", NULL, 1 },
	{ "0701740699", "SE", "+46701740699", NULL, 1 },
	/*
	 * One reading only, so libphonenumber takes them: a trunk 0 after
	 * the country code, and a national number whose 0 a spreadsheet
	 * dropped. The old normalizer refused both.
	 */
	{ "+46 0701234567", "SE", "+46701234567", NULL, 1 },
	{ "701234567", "SE", "+46701234567", NULL, 1 },
	/* Swedish numbers that are valid but take no SMS. */
	{ "08-721 23 13", "SE", "+4687212313", NULL, 0 },
	{ "+46 8 721 23 13", "SE", "+4687212313", NULL, 0 },
	{ "0152-123 45", "SE", "+4615212345", NULL, 0 },
	{ "031-123 45 67", "SE", "+46311234567", NULL, 0 },
	{ "0771-123 456", "SE", "+46771123456", NULL, 0 },	/* shared */
	{ "020-123 456", "SE", "+4620123456", NULL, 0 },	/* free */
	{ "0900-123 456", "SE", "+46900123456", NULL, 0 },	/* premium */
	{ "075-123 45 67", "SE", "+46751234567", NULL, 0 },	/* personal */
	/* Other countries, checked against their own plans. */
	{ "+47 412 34 567", "SE", "+4741234567", NULL, 1 },
	{ "0047 41234567", "SE", "+4741234567", NULL, 1 },
	{ "+358 40 123 4567", "SE", "+358401234567", NULL, 1 },
	{ "+1 (415) 555-0199", "SE", "+14155550199", NULL, 1 },
	{ "+44 7911 123456", "SE", "+447911123456", NULL, 1 },
	{ "+44 (0)20 7946 0018", "SE", "+442079460018", NULL, 0 },
	{ "+49 151 23456789", "SE", "+4915123456789", NULL, 1 },
	/* National numbers of other regions. */
	{ "412 34 567", "NO", "+4741234567", NULL, 1 },
	{ "32 12 34 56", "DK", "+4532123456", NULL, 1 },	/* either */
	{ "040 123 4567", "FI", "+358401234567", NULL, 1 },
	{ "030 1234567", "DE", "+49301234567", NULL, 0 },
	{ "020 7946 0018", "GB", "+442079460018", NULL, 0 },
	{ "07911 123456", "GB", "+447911123456", NULL, 1 },
	{ "(415) 555-0199", "US", "+14155550199", NULL, 1 },
	{ "1 415 555 0199", "US", "+14155550199", NULL, 1 },
	/*
	 * Not in their country's plan (the old normalizer only counted
	 * digits abroad and took these).
	 */
	{ "+4712345678", "SE", NULL, "not a valid number for NO", -1 },
	{ "12345678", "NO", NULL, "not a valid number for NO", -1 },
	{ "+123456789012345", "SE", NULL, "too long", -1 },
	/* Not numbers at all: letters are not read as keypad digits. */
	{ "abc", "SE", NULL, "not a number", -1 },
	{ "070-123 45 6x", "SE", NULL, "not a number", -1 },
	{ "07O1234567", "SE", NULL, "not a number", -1 },
	{ "+46 70 123+45 67", "SE", NULL, "not a number", -1 },
	{ "070:1234567", "SE", NULL, "not a number", -1 },
	{ "+", "SE", NULL, "not a number", -1 },
	{ "1-800-FLOWERS", "US", NULL, "not a number", -1 },
	{ "070-174 06 05 ext 12", "SE", NULL, "not a number", -1 },
	{ "tel:+46701740605", "SE", NULL, "not a number", -1 },
	{ "", "SE", NULL, "no number", -1 },
	{ "  - ", "SE", NULL, "no number", -1 },
	/* Wrong lengths. */
	{ "07012", "SE", NULL, "too short", -1 },
	{ "+46 8 123", "SE", NULL, "too short", -1 },
	{ "0701234567890", "SE", NULL, "too long", -1 },
	{ "1234567890123456789012345678901234567890", "SE", NULL,
	    "too long", -1 },
	{ "+1234567890123456", "SE", NULL, "too long", -1 },
	/* Valid by the library's patterns, but over E.164's 15 digits. */
	{ "+4982-1027221021 184", "SE", NULL, "too long", -1 },
	{ "+4712345", "SE", NULL, "too short", -1 },
	{ "+1 555 01", "SE", NULL, "too short", -1 },
	/* Not valid in the Swedish plan. */
	{ "070-123 45 6", "SE", NULL, "not a valid number for SE", -1 },
	{ "071-123 45 67", "SE", NULL, "not a valid number for SE", -1 },
	{ "+0701234567", "SE", NULL, "invalid country code", -1 },
	{ "000701234567", "SE", NULL, "invalid country code", -1 },
	{ "+999 123 456 789", "SE", NULL, "invalid country code", -1 },
	/* Regions the table does not know. */
	{ "0701234567", "XX", NULL, "unknown region", -1 },
	{ "+46701234567", "se", NULL, "unknown region", -1 },
};

/* A row that must be refused: -1 and the reason in err. */
static void
expect_refused(const struct phone_case *c, int r, const char *err,
    const char *what)
{
	if (r != -1)
		fail_msg("%s: should fail", what);
	if (strstr(err, c->err) == NULL)
		fail_msg("%s: error should say '%s'", what, c->err);
}

/* Every row of phone_cases. */
static void
test_phone_table(void **state)
{
	char	out[PHONE_MAX], out2[PHONE_MAX], err[128], what[256];
	size_t	i;
	int	r;
	bool	sms;

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
		} else
			expect_refused(c, r, err, what);

		/* In one pass: the same answer, and the same SMS verdict. */
		err[0] = '\0';
		sms = !phone_is_mobile(out);
		r = phone_normalize_sms(c->in, c->region, out2, sizeof(out2),
		    &sms, err, sizeof(err));
		if (c->out != NULL) {
			if (r != 0)
				fail_msg("%s (sms)", what);
			assert_string_equal(out2, c->out);
			if (sms != phone_is_mobile(out2))
				fail_msg("%s: can_sms %d, phone_is_mobile %d",
				    what, sms, phone_is_mobile(out2));
		} else
			expect_refused(c, r, err, what);
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
		{ "+46701740605", true },
		{ "+46751234567", false },	/* personal number */
		{ "+46771234567", false },	/* shared cost */
		{ "+4620123456", false },	/* toll free */
		{ "+46900123456", false },	/* premium rate */
		{ "+4687212313", false },	/* fixed line */
		{ "+46311234567", false },
		{ "+442079460018", false },
		{ "+447911123456", true },
		{ "+4741234567", true },
		{ "+4532123456", true },	/* fixed line or mobile */
		{ "+14155550199", true },
		/*
		 * Not in 8.12's tables (type unknown) but a mobile's length:
		 * newer ranges look like this, so let the provider decide.
		 * The old normalizer said no to 071 (machine-to-machine).
		 */
		{ "+46711234567", true },
		{ "+46741234567", true },
		{ "+4712345678", true },
		{ "+4670123456", false },	/* too short for a mobile */
		{ "+467012345678", false },	/* too long for one */
		{ "0701234567", false },	/* not E.164 */
		{ "+46 70 174 06 05", false },
		{ "+", false },
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

/*
 * 070-1740605 to 070-1740699, which PTS keeps for fiction and tests (the
 * example contacts use them): every one valid, a mobile, and shown as
 * people write it.
 */
static void
test_phone_pts_range(void **state)
{
	char	in[32], want[PHONE_MAX], out[PHONE_MAX], err[128], fmt[32];
	int	i;

	(void)state;
	for (i = 5; i <= 99; i++) {
		snprintf(in, sizeof(in), "070-17406%02d", i);
		snprintf(want, sizeof(want), "+467017406%02d", i);
		if (phone_normalize(in, "SE", out, sizeof(out), err,
		    sizeof(err)) != 0)
			fail_msg("%s: %s", in, err);
		assert_string_equal(out, want);
		assert_true(phone_is_mobile(out));
		assert_int_equal(phone_format(out, fmt, sizeof(fmt)), 0);
		snprintf(in, sizeof(in), "070-174 06 %02d", i);
		assert_string_equal(fmt, in);
	}
}

/*
 * One Swedish number through the E.164 shortcut ("+46NSN") and through
 * Parse() ("+46 NSN": a separator sends it the whole way): the same
 * verdict, E.164, SMS capability and error, and phone_is_mobile (also
 * shortcut) agreeing with the long way.
 */
static void
home_fast_agrees(const char *nsn)
{
	char	fast[32], slow[32], o1[PHONE_MAX], o2[PHONE_MAX];
	char	e1[128], e2[128];
	bool	s1 = false, s2 = false;
	int	r1, r2;

	snprintf(fast, sizeof(fast), "+46%s", nsn);
	snprintf(slow, sizeof(slow), "+46 %s", nsn);
	e1[0] = e2[0] = '\0';
	r1 = phone_normalize_sms(fast, "SE", o1, sizeof(o1), &s1, e1,
	    sizeof(e1));
	r2 = phone_normalize_sms(slow, "SE", o2, sizeof(o2), &s2, e2,
	    sizeof(e2));
	if (r1 != r2 || strcmp(o1, o2) != 0 || s1 != s2 ||
	    strcmp(e1, e2) != 0)
		fail_msg("%s: shortcut %d '%s' sms %d '%s', Parse %d '%s' "
		    "sms %d '%s'", fast, r1, o1, s1, e1, r2, o2, s2, e2);
	if (r1 == 0 && phone_is_mobile(o1) != s2)
		fail_msg("%s: phone_is_mobile %d, Parse says %d", fast,
		    phone_is_mobile(o1), s2);
}

/*
 * The shortcut for Swedish E.164 (phone.c: phone_parse_home) reads every
 * number as Parse() does: each area and mobile prefix of two and three
 * digits at the lengths Swedish numbers have, random national numbers
 * of every length the shortcut takes (2 to 13 digits) and one digit
 * over, and the national numbers it must leave to Parse().
 */
static void
test_phone_home_fast(void **state)
{
	static const int	 lens[] = { 5, 6, 7, 8, 9, 10 };
	static const char *const odd[] = { "0701234567", "00701234567",
	    "1", "12", "70123456789012", "7012345678901234567" };
	char			 nsn[32], o1[PHONE_MAX], o2[PHONE_MAX];
	char			 e1[128], e2[128];
	unsigned int		 seed = 46;
	size_t			 i, k;
	int			 p, len;

	(void)state;
	for (p = 10; p <= 999; p++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			len = snprintf(nsn, sizeof(nsn), "%d", p);
			for (; len < lens[i]; len++)
				nsn[len] = (char)('0' + rand_r(&seed) % 10);
			nsn[len] = '\0';
			home_fast_agrees(nsn);
		}
	for (i = 0; i < 3000; i++) {
		len = 2 + (int)(i % 13);
		nsn[0] = (char)('1' + rand_r(&seed) % 9);
		for (k = 1; k < (size_t)len; k++)
			nsn[k] = (char)('0' + rand_r(&seed) % 10);
		nsn[len] = '\0';
		home_fast_agrees(nsn);
	}
	/* Left to Parse(), with its answers: the same as written apart. */
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char	fast[40], slow[40];
		int	r1, r2;

		snprintf(fast, sizeof(fast), "+46%s", odd[i]);
		snprintf(slow, sizeof(slow), "+46 %s", odd[i]);
		e1[0] = e2[0] = '\0';
		r1 = phone_normalize(fast, "SE", o1, sizeof(o1), e1,
		    sizeof(e1));
		r2 = phone_normalize(slow, "SE", o2, sizeof(o2), e2,
		    sizeof(e2));
		if (r1 != r2 || strcmp(o1, o2) != 0 || strcmp(e1, e2) != 0)
			fail_msg("%s: %d '%s' '%s' / %d '%s' '%s'", fast, r1,
			    o1, e1, r2, o2, e2);
	}
	/* A trunk 0 after the country code is Parse()'s to drop. */
	assert_int_equal(phone_normalize("+460701234567", "SE", o1,
	    sizeof(o1), e1, sizeof(e1)), 0);
	assert_string_equal(o1, "+46701234567");
}

/* phone_format: national for Swedish numbers, international otherwise. */
static void
test_phone_format(void **state)
{
	static const struct {
		const char	*e164;
		const char	*out;	/* NULL: must fail */
	} rows[] = {
		{ "+46701740605", "070-174 06 05" },
		{ "+4687212313", "08-721 23 13" },
		{ "+46311234567", "031-123 45 67" },
		{ "+4741234567", "+47 412 34 567" },
		{ "+358401234567", "+358 40 1234567" },
		{ "+14155550199", "+1 415-555-0199" },
		{ "+447911123456", "+44 7911 123456" },
		{ "0701740605", NULL },		/* not E.164 */
		{ "+46 70 174 06 05", NULL },
		{ "+46701740605x", NULL },
		{ "+", NULL },
		{ "", NULL },
		{ NULL, NULL },
	};
	char	out[32];
	size_t	i;
	int	r;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = phone_format(rows[i].e164, out, sizeof(out));
		if (rows[i].out == NULL) {
			if (r != -1 || out[0] != '\0')
				fail_msg("%s: should fail, got '%s'",
				    rows[i].e164 ? rows[i].e164 : "NULL", out);
			continue;
		}
		if (r != 0)
			fail_msg("%s: failed", rows[i].e164);
		assert_string_equal(out, rows[i].out);
	}
}

/* phone_format into a buffer too small fails and leaves "". */
static void
test_phone_format_small_buffer(void **state)
{
	char	small[13], exact[14];

	(void)state;
	assert_int_equal(phone_format("+46701740605", small, sizeof(small)),
	    -1);
	assert_string_equal(small, "");
	assert_int_equal(phone_format("+46701740605", exact, sizeof(exact)),
	    0);
	assert_string_equal(exact, "070-174 06 05");
}

/*
 * A sender's number: held to its country's possible lengths, not to the
 * table of ranges, so a range opened after the table (here +46 99, not
 * in it) still gets its reply; what no number can be is still refused.
 */
static void
test_phone_sender(void **state)
{
	const struct {
		const char	*in;
		const char	*out;	/* NULL: refused */
		int		 valid;	/* phone_normalize's answer */
	} rows[] = {
		{ "+46701740605", "+46701740605", 0 },
		{ "0701740605", "+46701740605", 0 },
		{ "+46999999999", "+46999999999", -1 },
		{ "+447700900123", "+447700900123", -1 },
		{ "+4612", NULL, -1 },
		{ "+461234567890123", NULL, -1 },
		{ "+46 70 ABC", NULL, -1 },
		{ "", NULL, -1 },
	};
	char	out[PHONE_MAX], err[128];
	size_t	i;
	int	r;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = phone_normalize_sender(rows[i].in, "SE", out, sizeof(out),
		    err, sizeof(err));
		if (rows[i].out == NULL) {
			if (r != -1 || out[0] != '\0' || err[0] == '\0')
				fail_msg("%s: taken as %s", rows[i].in, out);
		} else {
			if (r != 0)
				fail_msg("%s: refused: %s", rows[i].in, err);
			assert_string_equal(out, rows[i].out);
		}
		assert_int_equal(phone_normalize(rows[i].in, "SE", out,
		    sizeof(out), err, sizeof(err)), rows[i].valid);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_sender),
		cmocka_unit_test(test_phone_table),
		cmocka_unit_test(test_phone_is_mobile),
		cmocka_unit_test(test_phone_small_buffer),
		cmocka_unit_test(test_phone_pts_range),
		cmocka_unit_test(test_phone_home_fast),
		cmocka_unit_test(test_phone_format),
		cmocka_unit_test(test_phone_format_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
