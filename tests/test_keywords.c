/*
 * Tests of the keyword grammar: every keyword and alias, case, å ä ö
 * with and without diacritics (NFC and NFD), punctuation, each argument
 * form, the word-alone rule, and hostile input (emoji, 2 KB, empty,
 * invalid UTF-8, random bytes). Every input is parsed from a heap copy
 * of exactly its size, so ASan sees any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/keywords.h"

/* Parse a heap copy of exactly text's bytes. */
static void
parse_copy(const char *text, size_t len, struct kw_parse *kp)
{
	char	*copy;

	assert_non_null(copy = malloc(len + 1));
	memcpy(copy, text, len);
	copy[len] = '\0';
	/* Garbage where the parser must write, to see that it does. */
	memset(kp, 0x5a, sizeof(*kp));
	keyword_parse(copy, kp);
	free(copy);
}

/* One text and how it must parse. */
struct kw_case {
	const char	*text;
	enum keyword	 kw;
	enum kw_arg_kind arg_kind;
	const char	*arg;		/* KWA_PLACE */
	double		 lat, lon;	/* KWA_POSITION */
	int64_t		 number;	/* KWA_NUMBER */
};

#define NONE(t, k)	{ t, k, KWA_NONE, NULL, 0, 0, 0 }
#define PLACE(t, k, a)	{ t, k, KWA_PLACE, a, 0, 0, 0 }
#define POS(t, la, lo)	{ t, KW_TRYGG, KWA_POSITION, NULL, la, lo, 0 }
#define NUM(t, k, n)	{ t, k, KWA_NUMBER, NULL, 0, 0, n }

static const struct kw_case kw_cases[] = {
	/* TRYGG, HITTA, SAFE without an argument. */
	NONE("TRYGG", KW_TRYGG),
	NONE("trygg", KW_TRYGG),
	NONE("Trygg.", KW_TRYGG),
	NONE("HITTA", KW_TRYGG),
	NONE("hitta?", KW_TRYGG),
	NONE("safe", KW_TRYGG),
	NONE("SAFE!", KW_TRYGG),
	/* ... with a place. */
	PLACE("trygg 155 31", KW_TRYGG, "155 31"),
	PLACE("TRYGG 15531", KW_TRYGG, "15531"),
	PLACE("trygg15531", KW_TRYGG, "15531"),
	PLACE("Trygg: Lillhagen", KW_TRYGG, "Lillhagen"),
	PLACE("hitta   Nykvarns \t  centrum !!", KW_TRYGG,
	    "Nykvarns centrum"),
	PLACE("SAFE Ströpsta.", KW_TRYGG, "Ströpsta"),
	PLACE("Safe stro\xcc\x88psta", KW_TRYGG, "stro\xcc\x88psta"),
	PLACE("TRYGG\tLill\nhagen\r\n", KW_TRYGG, "Lill hagen"),
	PLACE("TRYGG \xc2\xa0Turinge\xe2\x80\xa6", KW_TRYGG, "Turinge"),
	/* A postnummer in Arabic-Indic and in Persian digits. */
	PLACE("TRYGG \xd9\xa1\xd9\xa5\xd9\xa5\xd9\xa3\xd9\xa1", KW_TRYGG,
	    "15531"),
	PLACE("trygg \xdb\xb1\xdb\xb5\xdb\xb5 \xdb\xb3\xdb\xb1", KW_TRYGG,
	    "155 31"),
	PLACE("TRYGG Lill\xffhagen", KW_TRYGG, "Lill?hagen"),
	PLACE("TRYGG Lillhagen\xff", KW_TRYGG, "Lillhagen"),
	PLACE("TRYGG a\xe0\x80\xaf" "b", KW_TRYGG, "a???b"),	/* overlong */
	PLACE("TRYGG 🙂", KW_TRYGG, "🙂"),
	PLACE("TRYGG Lillhagen (skolan)", KW_TRYGG, "Lillhagen (skolan)"),
	/* ... with a position. */
	POS("TRYGG 59.18,17.43", 59.18, 17.43),
	POS("TRYGG 59.18, 17.43", 59.18, 17.43),
	POS("trygg 59.18 17.43", 59.18, 17.43),
	POS("TRYGG 59.18;17.43", 59.18, 17.43),
	POS("hitta: 59.1786,17.4310.", 59.1786, 17.4310),
	POS("TRYGG 59,1786 17,4310", 59.1786, 17.4310),
	POS("SAFE -33.9249, 18.4241", -33.9249, 18.4241),
	POS("TRYGG +59.18 , +17.43", 59.18, 17.43),
	/* ... with what is not a position: a place. */
	PLACE("TRYGG 91.0,17.43", KW_TRYGG, "91.0,17.43"),
	PLACE("TRYGG 59.18,180.5", KW_TRYGG, "59.18,180.5"),
	PLACE("TRYGG 59,17", KW_TRYGG, "59,17"),
	PLACE("TRYGG 59.18,17.43 vid skolan", KW_TRYGG,
	    "59.18,17.43 vid skolan"),
	PLACE("TRYGG 59.18,17.43,12.5", KW_TRYGG, "59.18,17.43,12.5"),
	PLACE("TRYGG 1e1,17.43", KW_TRYGG, "1e1,17.43"),
	PLACE("TRYGG 59.18", KW_TRYGG, "59.18"),
	PLACE("TRYGG 59. 17.", KW_TRYGG, "59. 17"),
	PLACE("TRYGG 59.18-17.43", KW_TRYGG, "59.18-17.43"),
	NONE("Trygghet", KW_UNKNOWN),

	/* STOPP, STOP, AVSLUTA: alone, punctuation aside. */
	NONE("STOPP", KW_STOP),
	NONE("stopp!", KW_STOP),
	NONE("STOPP.", KW_STOP),
	NONE("Stop", KW_STOP),
	NONE("avsluta", KW_STOP),
	NONE("AVSLUTA!!!", KW_STOP),
	NONE("  Stopp  \r\n", KW_STOP),
	NONE("\xc2\xabStopp\xc2\xbb", KW_STOP),
	NONE("\xef\xbb\xbfSTOPP", KW_STOP),
	/* Bidi marks an Arabic or Persian keyboard puts around Latin text,
	 * and Arabic punctuation: invisible or punctuation, so aside. */
	NONE("\xe2\x80\x8fSTOPP\xe2\x80\x8e", KW_STOP),
	NONE("\xe2\x80\xabStopp\xe2\x80\xac", KW_STOP),
	NONE("\xe2\x81\xa7STOP\xe2\x81\xa9", KW_STOP),
	NONE("\xd8\x9cSTOPP\xd8\x9f", KW_STOP),
	NONE("Stopp\xd8\x8c det brinner", KW_UNKNOWN),
	NONE("sToPp :)", KW_STOP),
	/* ... and not with anything more. */
	NONE("Stopp, det brinner vid skolan!", KW_UNKNOWN),
	NONE("STOPPA", KW_UNKNOWN),
	NONE("stopp 12", KW_UNKNOWN),
	NONE("Stopp 🙏", KW_UNKNOWN),
	NONE("Stopp🙏", KW_UNKNOWN),
	NONE("STOP\xc3", KW_UNKNOWN),
	NONE("stoppen", KW_UNKNOWN),

	/* START with an optional area. */
	NONE("START", KW_START),
	NONE("start.", KW_START),
	PLACE("START 15531", KW_START, "15531"),
	PLACE("Start: Lillhagen!", KW_START, "Lillhagen"),
	PLACE("start 155 31", KW_START, "155 31"),
	PLACE("START 59.18,17.43", KW_START, "59.18,17.43"),
	NONE("Startar", KW_UNKNOWN),

	/* JA, J, YES, NEJ, N, NO with an optional alert number. */
	NONE(" Ja ", KW_YES),
	NONE("JA", KW_YES),
	NONE("j", KW_YES),
	NONE("YES!", KW_YES),
	NONE("ja\xe2\x80\xa6", KW_YES),
	NUM("ja 12", KW_YES, 12),
	NUM("JA #12", KW_YES, 12),
	NUM("Ja, #4711.", KW_YES, 4711),
	NUM("JA \xd9\xa4\xd9\xa7", KW_YES, 47),
	NUM("nej \xdb\xb1\xdb\xb2", KW_NO, 12),
	NUM("j12", KW_YES, 12),
	NUM("YES 123456789012345678", KW_YES, 123456789012345678LL),
	NONE("nej", KW_NO),
	NONE("N", KW_NO),
	NONE("no.", KW_NO),
	NONE("NEJ\xc2\xa0", KW_NO),
	NUM("NEJ #7", KW_NO, 7),
	NUM("\xe2\x80\x8fNEJ 7\xe2\x80\x8f", KW_NO, 7),
	NUM("n 7!", KW_NO, 7),
	NONE("ja men jag kan inte", KW_UNKNOWN),
	NONE("Nej tack", KW_UNKNOWN),
	NONE("JA 12 13", KW_UNKNOWN),
	NONE("JA 12b", KW_UNKNOWN),
	NONE("JA 1.5", KW_UNKNOWN),
	NONE("JA 1234567890123456789", KW_UNKNOWN),
	NONE("Ja 👍", KW_UNKNOWN),
	NONE("JAG", KW_UNKNOWN),
	NONE("Nja", KW_UNKNOWN),
	NONE("Jo", KW_UNKNOWN),

	/* HJÄLP, HJALP, HELP, INFO, with or without more words. */
	NONE("HJÄLP", KW_HELP),			/* NFC, upper case */
	NONE("hjälp", KW_HELP),			/* NFC, lower case */
	NONE("HJALP", KW_HELP),
	NONE("hjalp", KW_HELP),
	NONE("HJA\xcc\x88LP", KW_HELP),		/* NFD: A + U+0308 */
	NONE("hja\xcc\x88lp", KW_HELP),
	NONE("Hjälp!", KW_HELP),
	NONE("\xc2\xbfhj\xc3\xa4lp?", KW_HELP),
	NONE("Help me", KW_HELP),
	NONE("help", KW_HELP),
	NONE("INFO om larmet", KW_HELP),
	NONE("info", KW_HELP),
	NONE("HJO\xcc\x88LP", KW_UNKNOWN),	/* HJÖLP is no keyword */
	NONE("HJ\xcc\x88LP", KW_UNKNOWN),	/* a lone mark on J */

	/* Anything else. */
	NONE("", KW_UNKNOWN),
	NONE("   ", KW_UNKNOWN),
	NONE("\t\r\n", KW_UNKNOWN),
	NONE("?!.", KW_UNKNOWN),
	NONE("👍", KW_UNKNOWN),
	NONE("Hej", KW_UNKNOWN),
	NONE("Det brinner! STOPP", KW_UNKNOWN),
	NONE("12 ja", KW_UNKNOWN),
	NONE("\xff\xfe", KW_UNKNOWN),
	NONE("\xc3\xa5", KW_UNKNOWN),
};

/* Each case parses to its keyword and argument. */
static void
test_table(void **state)
{
	struct kw_parse	 kp;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(kw_cases) / sizeof(kw_cases[0]); i++) {
		const struct kw_case *c = &kw_cases[i];

		parse_copy(c->text, strlen(c->text), &kp);
		if (kp.kw != c->kw || kp.arg_kind != c->arg_kind)
			fail_msg("\"%s\": %s/%d, expected %s/%d", c->text,
			    keyword_name(kp.kw), kp.arg_kind,
			    keyword_name(c->kw), c->arg_kind);
		switch (c->arg_kind) {
		case KWA_PLACE:
			if (strcmp(kp.arg, c->arg) != 0)
				fail_msg("\"%s\": place \"%s\", expected "
				    "\"%s\"", c->text, kp.arg, c->arg);
			break;
		case KWA_POSITION:
			if (fabs(kp.pos.lat - c->lat) > 1e-12 ||
			    fabs(kp.pos.lon - c->lon) > 1e-12)
				fail_msg("\"%s\": %f,%f", c->text, kp.pos.lat,
				    kp.pos.lon);
			break;
		case KWA_NUMBER:
			if (kp.number != c->number)
				fail_msg("\"%s\": number %lld", c->text,
				    (long long)kp.number);
			break;
		case KWA_NONE:
			if (kp.arg[0] != '\0')
				fail_msg("\"%s\": arg \"%s\"", c->text,
				    kp.arg);
			break;
		}
	}
}

/* Every prefix of every case: truncated UTF-8 never reads past the end. */
static void
test_prefixes(void **state)
{
	struct kw_parse	 kp;
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(kw_cases) / sizeof(kw_cases[0]); i++)
		for (n = 0; n <= strlen(kw_cases[i].text); n++) {
			parse_copy(kw_cases[i].text, n, &kp);
			assert_true(strlen(kp.arg) < sizeof(kp.arg));
		}
}

/* Is s well-formed UTF-8? (for checking the parser's output) */
static int
valid_utf8(const unsigned char *s)
{
	size_t	 n, i;

	while (*s != '\0') {
		if (*s < 0x80)
			n = 1;
		else if (*s >= 0xc2 && *s <= 0xdf)
			n = 2;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 3;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 4;
		else
			return 0;
		for (i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		s += n;
	}
	return 1;
}

/* Long texts: 2 KB places are cut to 127 bytes on a character boundary. */
static void
test_long(void **state)
{
	struct kw_parse	 kp;
	char		 buf[2100];
	size_t		 n, i, k, p;

	(void)state;
	/* TRYGG and 2 KB of ASCII: the place is the first 127 bytes. */
	n = (size_t)snprintf(buf, sizeof(buf), "TRYGG ");
	for (i = 0; n < 2048; i++)
		buf[n++] = 'a' + i % 26;
	parse_copy(buf, n, &kp);
	assert_int_equal(kp.kw, KW_TRYGG);
	assert_int_equal(kp.arg_kind, KWA_PLACE);
	assert_int_equal(strlen(kp.arg), 127);
	assert_memory_equal(kp.arg, buf + 6, 127);

	/* TRYGG and 2 KB of ö (2 bytes each): 63 whole letters. */
	n = (size_t)snprintf(buf, sizeof(buf), "TRYGG ");
	while (n < 2048) {
		memcpy(buf + n, "\xc3\xb6", 2);
		n += 2;
	}
	parse_copy(buf, n, &kp);
	assert_int_equal(kp.arg_kind, KWA_PLACE);
	assert_int_equal(strlen(kp.arg), 126);
	assert_true(valid_utf8((const unsigned char *)kp.arg));

	/* 2 KB of emoji (4 bytes each) after TRYGG: 31 whole ones. */
	n = (size_t)snprintf(buf, sizeof(buf), "trygg ");
	while (n + 4 <= 2048) {
		memcpy(buf + n, "\xf0\x9f\x99\x82", 4);
		n += 4;
	}
	parse_copy(buf, n, &kp);
	assert_int_equal(strlen(kp.arg), 124);
	assert_true(valid_utf8((const unsigned char *)kp.arg));

	/* Words and spaces: the cut never leaves 128 bytes or a space. */
	for (k = 1; k <= 4; k++)
		for (p = 1; p <= 5; p++) {
			/* A first word of p letters, then words of k. */
			n = (size_t)snprintf(buf, sizeof(buf), "TRYGG ");
			memset(buf + n, 'y', p);
			n += p;
			for (i = 0; n < 2048; i++)
				buf[n++] = i % (k + 1) == 0 ? ' ' : 'x';
			parse_copy(buf, n, &kp);
			assert_true(strlen(kp.arg) <= 127);
			assert_true(strlen(kp.arg) >= 126);
			assert_true(kp.arg[strlen(kp.arg) - 1] != ' ');
		}

	/* STOPP after 2 KB of spaces still counts; before 2 KB of text not. */
	memset(buf, ' ', 2048);
	memcpy(buf + 2048, "STOPP", 5);
	parse_copy(buf, 2053, &kp);
	assert_int_equal(kp.kw, KW_STOP);
	memcpy(buf, "STOPP ", 6);
	memset(buf + 6, 'x', 2042);
	parse_copy(buf, 2048, &kp);
	assert_int_equal(kp.kw, KW_UNKNOWN);

	/* 2 KB of emoji alone. */
	for (n = 0; n + 4 <= 2048; n += 4)
		memcpy(buf + n, "\xf0\x9f\x98\x80", 4);
	parse_copy(buf, n, &kp);
	assert_int_equal(kp.kw, KW_UNKNOWN);

	/* A keyword word longer than any keyword. */
	memset(buf, 'j', 2048);
	parse_copy(buf, 2048, &kp);
	assert_int_equal(kp.kw, KW_UNKNOWN);
}

/* A small deterministic generator (xorshift64). */
static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random texts, built from keyword pieces, digits, punctuation, UTF-8
 * fragments and raw bytes: the result is always consistent (a valid
 * keyword and kind, a NUL-terminated valid UTF-8 place under 128 bytes).
 */
static void
test_random(void **state)
{
	static const char *const pieces[] = {
		"TRYGG", "ja", "NEJ", "stopp", "START", "hj", "\xc3\xa4",
		"\xc3", "\xcc\x88", "lp", " ", ",", ".", "#", "59.18", "17,43",
		"-", "\xf0\x9f\x99\x82", "\xe2\x80\xa6", "\xc2\xa0", "\xff",
		"\x01", "\xed\xa0\x80", "Lillhagen", "155 31", "\t",
	};
	struct kw_parse	 kp;
	uint64_t	 seed = 0x4b57u;
	char		 buf[512];
	size_t		 n, len, k, j;
	int		 i, seen[KW_HELP + 1] = { 0 };

	(void)state;
	for (i = 0; i < 20000; i++) {
		len = xorshift(&seed) % 24;
		n = 0;
		for (j = 0; j < len; j++) {
			if (xorshift(&seed) % 4 == 0) {
				buf[n++] = (char)(xorshift(&seed) % 255 + 1);
				continue;
			}
			k = xorshift(&seed) % (sizeof(pieces) /
			    sizeof(pieces[0]));
			memcpy(buf + n, pieces[k], strlen(pieces[k]));
			n += strlen(pieces[k]);
		}
		parse_copy(buf, n, &kp);
		assert_true(kp.kw >= KW_UNKNOWN && kp.kw <= KW_HELP);
		seen[kp.kw]++;
		assert_true(strlen(kp.arg) < sizeof(kp.arg));
		assert_true(valid_utf8((const unsigned char *)kp.arg));
		switch (kp.arg_kind) {
		case KWA_NONE:
			assert_int_equal(kp.arg[0], '\0');
			break;
		case KWA_PLACE:
			assert_true(kp.kw == KW_TRYGG || kp.kw == KW_START);
			assert_true(kp.arg[0] != '\0' && kp.arg[0] != ' ');
			break;
		case KWA_POSITION:
			assert_int_equal(kp.kw, KW_TRYGG);
			assert_true(fabs(kp.pos.lat) <= 90);
			assert_true(fabs(kp.pos.lon) <= 180);
			break;
		case KWA_NUMBER:
			assert_true(kp.kw == KW_YES || kp.kw == KW_NO);
			assert_true(kp.number >= 0);
			break;
		default:
			fail_msg("arg_kind %d", kp.arg_kind);
		}
	}
	/* The generator reaches the keywords, not only UNKNOWN. */
	assert_true(seen[KW_TRYGG] > 0 && seen[KW_YES] > 0 &&
	    seen[KW_STOP] > 0 && seen[KW_UNKNOWN] > 0);
}

/* NULL is UNKNOWN; every keyword has its name. */
static void
test_null_and_names(void **state)
{
	struct kw_parse	 kp;

	(void)state;
	memset(&kp, 0x5a, sizeof(kp));
	keyword_parse(NULL, &kp);
	assert_int_equal(kp.kw, KW_UNKNOWN);
	assert_int_equal(kp.arg_kind, KWA_NONE);
	assert_string_equal(keyword_name(KW_TRYGG), "TRYGG");
	assert_string_equal(keyword_name(KW_STOP), "STOPP");
	assert_string_equal(keyword_name(KW_START), "START");
	assert_string_equal(keyword_name(KW_YES), "JA");
	assert_string_equal(keyword_name(KW_NO), "NEJ");
	assert_string_equal(keyword_name(KW_HELP), "HJALP");
	assert_string_equal(keyword_name(KW_UNKNOWN), "UNKNOWN");
	assert_string_equal(keyword_name((enum keyword)99), "UNKNOWN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_null_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
