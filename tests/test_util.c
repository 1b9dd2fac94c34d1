/*
 * Tests for gateway/util.c: form parsing and encoding, hashing against
 * published vectors, constant-time comparison, phone masking and time
 * text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* One form body and the pairs it must parse to (at most 4). */
struct form_case {
	const char	*in;
	size_t		 n;
	const char	*pairs[4][2];
};

static const struct form_case form_cases[] = {
	{ "", 0, { { NULL, NULL } } },
	{ "a=1&b=2", 2, { { "a", "1" }, { "b", "2" } } },
	{ "q=hello+world", 1, { { "q", "hello world" } } },
	{ "x=%41%42%43", 1, { { "x", "ABC" } } },
	{ "x=%c3%a5%C3%A4", 1, { { "x", "åä" } } },
	{ "msg=Brand+i+N%C3%A4rheten%21", 1,
	    { { "msg", "Brand i Närheten!" } } },
	{ "msg=åäö+ÅÄÖ", 1, { { "msg", "åäö ÅÄÖ" } } },
	{ "flag", 1, { { "flag", "" } } },
	{ "flag&a=1", 2, { { "flag", "" }, { "a", "1" } } },
	{ "a=", 1, { { "a", "" } } },
	{ "=v", 1, { { "", "v" } } },
	{ "a=1&&b=2", 2, { { "a", "1" }, { "b", "2" } } },
	{ "&a=1&", 1, { { "a", "1" } } },
	{ "&&&", 0, { { NULL, NULL } } },
	{ "a=100%", 1, { { "a", "100%" } } },
	{ "a=%4", 1, { { "a", "%4" } } },
	{ "a=%", 1, { { "a", "%" } } },
	{ "a=%zz", 1, { { "a", "%zz" } } },
	{ "a=%4z&b=%z4", 2, { { "a", "%4z" }, { "b", "%z4" } } },
	{ "a=%%41", 1, { { "a", "%A" } } },
	{ "a=b=c", 1, { { "a", "b=c" } } },
	{ "na%6De=v", 1, { { "name", "v" } } },
	{ "a+b=c+d", 1, { { "a b", "c d" } } },
	{ "a=%2B&b=%26c%3Dd", 2, { { "a", "+" }, { "b", "&c=d" } } },
	{ "To=%2B46701234567&From=Nykvarn&Body=Larm", 3,
	    { { "To", "+46701234567" }, { "From", "Nykvarn" },
	    { "Body", "Larm" } } },
	{ "a=1&a=2", 2, { { "a", "1" }, { "a", "2" } } },
};

/* Every row of form_cases, in order. */
static void
test_form_parse_table(void **state)
{
	size_t	i, j;

	(void)state;
	for (i = 0; i < nitems(form_cases); i++) {
		const struct form_case	*c = &form_cases[i];
		struct kvlist		 l = { NULL, 0, 0 };

		assert_int_equal(form_parse(c->in, strlen(c->in), &l), 0);
		if (l.n != c->n)
			fail_msg("\"%s\": %zu pairs, want %zu", c->in, l.n,
			    c->n);
		for (j = 0; j < c->n; j++)
			if (strcmp(l.v[j].name, c->pairs[j][0]) != 0 ||
			    strcmp(l.v[j].value, c->pairs[j][1]) != 0)
				fail_msg("\"%s\" pair %zu: \"%s\"=\"%s\", want "
				    "\"%s\"=\"%s\"", c->in, j, l.v[j].name,
				    l.v[j].value, c->pairs[j][0],
				    c->pairs[j][1]);
		kvlist_free(&l);
	}
}

/* Only len bytes are read; a % cut off by len stays literal. */
static void
test_form_parse_len(void **state)
{
	struct kvlist	l = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(form_parse("a=1&b=2", 3, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(kvlist_get(&l, "a"), "1");
	assert_null(kvlist_get(&l, "b"));
	kvlist_free(&l);
	assert_int_equal(form_parse("a=%41", 4, &l), 0);
	assert_string_equal(kvlist_get(&l, "a"), "%4");
	kvlist_free(&l);
	/* Parsing appends to what is there. */
	assert_int_equal(form_parse("a=1", 3, &l), 0);
	assert_int_equal(form_parse("b=2", 3, &l), 0);
	assert_int_equal(l.n, 2);
	kvlist_free(&l);
}

/*
 * The strict parse of callbacks and queries: what no sender of good
 * faith sends is FORM_BAD, everything else as form_parse reads it.
 */
static void
test_form_parse_strict(void **state)
{
	static const char *const bad[] = {
		"a=%", "a=1%2", "a=%zz", "a=%00", "%00=1", "a=%ff%fe",
		"a=%c3", "a=%ed%a0%80", "a=%c0%af", "m=ok&n=%e2%82",
	};
	struct kvlist	l = { NULL, 0, 0 };
	size_t		i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		if (form_parse_strict(bad[i], strlen(bad[i]), &l) != FORM_BAD)
			fail_msg("\"%s\" is not refused", bad[i]);
		kvlist_free(&l);
	}
	assert_int_equal(form_parse_strict("m=Hej+d%C3%A5%21&to=%2B46",
	    25, &l), 0);
	assert_string_equal(kvlist_get(&l, "m"), "Hej då!");
	assert_string_equal(kvlist_get(&l, "to"), "+46");
	kvlist_free(&l);
	/* The lenient parse keeps what the strict one refuses. */
	assert_int_equal(form_parse("a=1%2", 5, &l), 0);
	assert_string_equal(kvlist_get(&l, "a"), "1%2");
	kvlist_free(&l);
	assert_true(utf8_valid("Nykvarn \xc3\xa5\xc3\xa4\xc3\xb6"));
	assert_false(utf8_valid("\xed\xa0\x80"));	/* a surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80"));	/* > U+10FFFF */
	assert_int_equal(utf8_chars(""), 0);
	assert_int_equal(utf8_chars("Nykvarn \xc3\xa5\xc3\xa4\xc3\xb6"), 11);
	assert_int_equal(utf8_chars("\xf0\x9f\x9a\x92 x"), 3);	/* 🚒 x */
}

/* kvlist_get finds the first value; free empties; adds grow the list. */
static void
test_kvlist(void **state)
{
	struct kvlist	l = { NULL, 0, 0 };
	char		name[16], value[16];
	int		i;

	(void)state;
	assert_null(kvlist_get(&l, "a"));
	assert_int_equal(form_parse("a=1&a=2&B=3", 11, &l), 0);
	assert_string_equal(kvlist_get(&l, "a"), "1");
	assert_null(kvlist_get(&l, "b"));		/* names are exact */
	assert_string_equal(kvlist_get(&l, "B"), "3");
	kvlist_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	kvlist_free(&l);				/* twice is fine */

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		snprintf(value, sizeof(value), "v%d", i);
		assert_int_equal(kvlist_add(&l, name, value), 0);
	}
	assert_int_equal(l.n, 100);
	assert_string_equal(kvlist_get(&l, "k0"), "v0");
	assert_string_equal(kvlist_get(&l, "k99"), "v99");
	kvlist_free(&l);
}

/* Exact encodings: unreserved kept, everything else %XX, space %20. */
static void
test_url_encode(void **state)
{
	static const char *const	cases[][2] = {
		{ "", "" },
		{ "abcXYZ019-_.~", "abcXYZ019-_.~" },
		{ "a b", "a%20b" },
		{ "+46701234567", "%2B46701234567" },
		{ "a&b=c/d?e#f%", "a%26b%3Dc%2Fd%3Fe%23f%25" },
		{ "Närheten", "N%C3%A4rheten" },
		{ "😀", "%F0%9F%98%80" },
		{ "\n\t\x7f", "%0A%09%7F" },
	};
	size_t				i;
	char				*e;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		e = url_encode(cases[i][0]);
		assert_non_null(e);
		if (strcmp(e, cases[i][1]) != 0)
			fail_msg("\"%s\": \"%s\", want \"%s\"", cases[i][0], e,
			    cases[i][1]);
		free(e);
	}
}

/* Every byte value survives url_encode then form_parse. */
static void
test_url_encode_round_trip(void **state)
{
	static const char *const	texts[] = {
		"hello world", "a+b", "100%", "%41", "a=b&c=d",
		"Brand på Turingegatan – håll er inomhus", "😀🚨", "+&=%",
	};
	char				all[256], *e, *body;
	struct kvlist			l = { NULL, 0, 0 };
	size_t				i;

	(void)state;
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	for (i = 0; i <= nitems(texts); i++) {
		const char	*t = i < nitems(texts) ? texts[i] : all;

		e = url_encode(t);
		assert_non_null(e);
		body = str_printf("k=%s&x=1", e);
		assert_non_null(body);
		assert_int_equal(form_parse(body, strlen(body), &l), 0);
		assert_int_equal(l.n, 2);
		assert_string_equal(kvlist_get(&l, "k"), t);
		assert_string_equal(kvlist_get(&l, "x"), "1");
		kvlist_free(&l);
		free(body);
		free(e);
	}
}

/* form_append builds a body that parses back to the same pairs. */
static void
test_form_append(void **state)
{
	char		*form = NULL;
	size_t		 len = 0;
	struct kvlist	 l = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(form_append(&form, &len, "to", "+46701234567"), 0);
	assert_string_equal(form, "to=%2B46701234567");
	assert_int_equal(len, strlen(form));
	assert_int_equal(form_append(&form, &len, "message",
	    "Hej på dig & välkommen"), 0);
	assert_int_equal(form_append(&form, &len, "empty", ""), 0);
	assert_int_equal(form_append(&form, &len, "a b", "="), 0);
	assert_string_equal(form, "to=%2B46701234567"
	    "&message=Hej%20p%C3%A5%20dig%20%26%20v%C3%A4lkommen"
	    "&empty=&a%20b=%3D");
	assert_int_equal(len, strlen(form));
	assert_int_equal(form_parse(form, len, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(kvlist_get(&l, "to"), "+46701234567");
	assert_string_equal(kvlist_get(&l, "message"),
	    "Hej på dig & välkommen");
	assert_string_equal(kvlist_get(&l, "empty"), "");
	assert_string_equal(kvlist_get(&l, "a b"), "=");
	kvlist_free(&l);
	free(form);
}

/* hex_encode and SHA-256 against the FIPS 180-2 vectors. */
static void
test_sha256(void **state)
{
	static const unsigned char	bytes[] = { 0x00, 0xff, 0x10, 0xa5 };
	static const char *const	cases[][2] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
	};
	char				out[65];
	size_t				i;

	(void)state;
	hex_encode(bytes, sizeof(bytes), out);
	assert_string_equal(out, "00ff10a5");
	hex_encode(bytes, 0, out);
	assert_string_equal(out, "");
	for (i = 0; i < nitems(cases); i++) {
		memset(out, 'x', sizeof(out));
		sha256_hex(cases[i][0], strlen(cases[i][0]), out);
		assert_string_equal(out, cases[i][1]);
	}
}

/* HMAC-SHA256 against RFC 4231 test cases 1, 2 and 6. */
static void
test_hmac_sha256(void **state)
{
	unsigned char	key1[20], key6[131];
	char		out[65];
	const char	*d6 = "Test Using Larger Than Block-Size Key - Hash "
			    "Key First";

	(void)state;
	hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(out, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	memset(key1, 0x0b, sizeof(key1));
	hmac_sha256_hex(key1, sizeof(key1), "Hi There", 8, out);
	assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	memset(key6, 0xaa, sizeof(key6));
	hmac_sha256_hex(key6, sizeof(key6), d6, strlen(d6), out);
	assert_string_equal(out, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
}

/* ct_streq: equal only for the same bytes; NULL is never equal. */
static void
test_ct_streq(void **state)
{
	static const struct {
		const char	*a, *b;
		bool		 eq;
	} cases[] = {
		{ "secret", "secret", true },
		{ "", "", true },
		{ "secret", "secreT", false },
		{ "secret", "Secret", false },
		{ "secret", "secret2", false },
		{ "secret2", "secret", false },
		{ "secret", "", false },
		{ "", "x", false },
		{ "åäö", "åäö", true },
		{ NULL, "x", false },
		{ "x", NULL, false },
		{ NULL, NULL, false },
	};
	char	long_a[300], long_b[300];
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(cases); i++)
		if (ct_streq(cases[i].a, cases[i].b) != cases[i].eq)
			fail_msg("ct_streq(%s, %s) != %d",
			    cases[i].a ? cases[i].a : "NULL",
			    cases[i].b ? cases[i].b : "NULL", cases[i].eq);
	/* Long ones: a difference in the last byte, or in the first. */
	memset(long_a, 'k', sizeof(long_a) - 1);
	long_a[sizeof(long_a) - 1] = '\0';
	memcpy(long_b, long_a, sizeof(long_b));
	assert_true(ct_streq(long_a, long_b));
	long_b[sizeof(long_b) - 2] = 'K';
	assert_false(ct_streq(long_a, long_b));
	long_b[sizeof(long_b) - 2] = 'k';
	long_b[0] = 'K';
	assert_false(ct_streq(long_a, long_b));
	/* The same bytes but one shorter. */
	long_b[0] = 'k';
	long_b[sizeof(long_b) - 2] = '\0';
	assert_false(ct_streq(long_a, long_b));
	assert_false(ct_streq(long_b, long_a));
}

/* mask_phone: head and last 3 of long numbers, at most 3 of short ones. */
static void
test_mask_phone(void **state)
{
	static const char *const	cases[][2] = {
		{ "+46701234567", "+4670*****567" },
		{ "+14155550199", "+1415*****199" },
		{ "+4685551234", "*****234" },	/* would hide only 3 */
		{ "+461234567890123", "+4612*****123" },
		{ "07012345678", "0701*****678" },
		{ "0701234567", "*****567" },
		/* Too short to hide 4 between head and tail. */
		{ "+46701234", "*****234" },
		{ "+4670123", "*****123" },
		{ "72456", "*****56" },
		{ "112", "*****2" },
		{ "12", "*****2" },
		{ "7", "*****" },
		{ "", "*****" },
		/* Control characters never reach a log line. */
		{ "+46\n01234567", "+46?0*****567" },
	};
	char				buf[32], small[6], longer[40];
	size_t				i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		mask_phone(cases[i][0], buf, sizeof(buf));
		if (strcmp(buf, cases[i][1]) != 0)
			fail_msg("\"%s\": \"%s\", want \"%s\"", cases[i][0],
			    buf, cases[i][1]);
	}
	mask_phone(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	/* A short buffer truncates and stays terminated. */
	memset(small, 'x', sizeof(small));
	mask_phone("+46701234567", small, sizeof(small));
	assert_string_equal(small, "+4670");
	mask_phone("+46701234567", small, 0);	/* len 0 writes nothing */
	assert_string_equal(small, "+4670");
	/* A very long input is still a short mask. */
	memset(longer, '9', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	mask_phone(longer, buf, sizeof(buf));
	assert_string_equal(buf, "9999*****999");
}

/* time_to_text: RFC 3339 UTC, flooring negative times. */
static void
test_time_to_text(void **state)
{
	static const struct {
		int64_t		 ms;
		const char	*want;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 999, "1970-01-01T00:00:00Z" },
		{ 1000, "1970-01-01T00:00:01Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ -1000, "1969-12-31T23:59:59Z" },
		{ -1001, "1969-12-31T23:59:58Z" },
		{ 1795727700000, "2026-11-26T21:15:00Z" },
		{ 1795727700999, "2026-11-26T21:15:00Z" },
		{ 951782400000, "2000-02-29T00:00:00Z" },
	};
	char	buf[64], small[8];
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		time_to_text(cases[i].ms, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("%lld: \"%s\", want \"%s\"",
			    (long long)cases[i].ms, buf, cases[i].want);
	}
	/* Too small a buffer gives "-", never a cut date. */
	time_to_text(0, small, sizeof(small));
	assert_string_equal(small, "-");
	/* Extremes give some terminated text, not a crash. */
	time_to_text(INT64_MAX, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	time_to_text(INT64_MIN, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
}

/* strlcpy truncates, terminates and returns the source length. */
static void
test_strlcpy(void **state)
{
	char	buf[4];

	(void)state;
	assert_int_equal(strlcpy(buf, "ab", sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(strlcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	buf[0] = 'x';
	assert_int_equal(strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'x');
}

/* str_printf formats into a new string. */
static void
test_str_printf(void **state)
{
	char	*s;

	(void)state;
	s = str_printf("%s=%d", "n", 42);
	assert_non_null(s);
	assert_string_equal(s, "n=42");
	free(s);
}

/* Jitter: in [0, 1), the same from the same seed, spread out. */
static void
test_rand_unit(void **state)
{
	uint64_t	a = 42, b = 42;
	double		v, sum = 0, lo = 1, hi = 0;
	int		i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		v = rand_unit(&a);
		assert_true(v >= 0.0 && v < 1.0);
		assert_true(v == rand_unit(&b));
		sum += v;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	assert_true(sum / 10000 > 0.45 && sum / 10000 < 0.55);
	assert_true(lo < 0.01 && hi > 0.99);
}

/* E.164 as it is stored: "+", 7 to 15 digits, no leading 0. */
static void
test_is_e164(void **state)
{
	static const struct {
		const char	*s;
		bool		 ok;
	} cases[] = {
		{ "+46701740605", true }, { "+1234567", true },
		{ "+123456789012345", true }, { "+1234567890123456", false },
		{ "+123456", false }, { "+046701740605", false },
		{ "46701740605", false }, { "+4670174060x", false },
		{ "+46 701740605", false }, { "+", false }, { "", false },
		{ NULL, false },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (is_e164(cases[i].s) != cases[i].ok)
			fail_msg("'%s': want %d", cases[i].s ? cases[i].s :
			    "NULL", cases[i].ok);
}

/* utf8_valid_n: only its len bytes, NULs among them, cut sequences. */
static void
test_utf8_valid_n(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		bool		 ok;
	} cases[] = {
		{ "", 0, true },
		{ "abc", 3, true },
		{ "a\0b", 3, true },		/* U+0000 is a character */
		{ "\xc3\xa5", 2, true },	/* å */
		{ "\xc3\xa5", 1, false },	/* cut after 1 of 2 */
		{ "\xe2\x82\xac", 3, true },	/* € */
		{ "\xe2\x82\xac", 2, false },
		{ "\xf0\x9f\x98\x80", 4, true }, /* U+1F600 */
		{ "\xf0\x9f\x98\x80", 3, false },
		{ "\xf4\x8f\xbf\xbf", 4, true }, /* U+10FFFF */
		{ "\xf4\x90\x80\x80", 4, false }, /* above U+10FFFF */
		{ "\xed\x9f\xbf", 3, true },	/* U+D7FF */
		{ "\xed\xa0\x80", 3, false },	/* U+D800, a surrogate */
		{ "\xed\xbf\xbf", 3, false },	/* U+DFFF */
		{ "\xee\x80\x80", 3, true },	/* U+E000 */
		{ "\xc0\x80", 2, false },	/* overlong NUL */
		{ "\xc1\xbf", 2, false },	/* overlong */
		{ "\xe0\x9f\xbf", 3, false },	/* overlong */
		{ "\xf0\x8f\xbf\xbf", 4, false }, /* overlong */
		{ "\x80", 1, false },		/* a lone continuation */
		{ "\xc3\x00", 2, false },	/* NUL as continuation */
		{ "\xc3\xa5\xff", 2, true },	/* the byte after len */
		{ "\xf5\x80\x80\x80", 4, false },
		{ "\xff", 1, false },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (utf8_valid_n(cases[i].s, cases[i].len) != cases[i].ok)
			fail_msg("case %zu: want %d", i, cases[i].ok);
	assert_true(utf8_valid(""));
	assert_false(utf8_valid("\xc3"));		/* cut by the NUL */
}

/* A text from outside cannot add pairs to a key=value log line. */
static void
test_log_value(void **state)
{
	char	buf[16];

	(void)state;
	assert_string_equal(log_value(buf, sizeof(buf), "s3a1b2"), "s3a1b2");
	assert_string_equal(log_value(buf, sizeof(buf), "x evt=forged"),
	    "\"x evt=forged\"");
	assert_string_equal(log_value(buf, sizeof(buf), "a\"b\\"),
	    "\"a\\\"b\\\\\"");
	assert_string_equal(log_value(buf, sizeof(buf), ""), "\"\"");
	/* Cut to fit, the quotes kept. */
	assert_string_equal(log_value(buf, sizeof(buf),
	    "a b c d e f g h i j"), "\"a b c d e f g\"");
	assert_string_equal(log_value(buf, 3, "a b"), "\"\"");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_form_parse_table),
		cmocka_unit_test(test_log_value),
		cmocka_unit_test(test_form_parse_len),
		cmocka_unit_test(test_form_parse_strict),
		cmocka_unit_test(test_kvlist),
		cmocka_unit_test(test_url_encode),
		cmocka_unit_test(test_url_encode_round_trip),
		cmocka_unit_test(test_form_append),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_sha256),
		cmocka_unit_test(test_ct_streq),
		cmocka_unit_test(test_mask_phone),
		cmocka_unit_test(test_time_to_text),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_str_printf),
		cmocka_unit_test(test_rand_unit),
		cmocka_unit_test(test_is_e164),
		cmocka_unit_test(test_utf8_valid_n),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
