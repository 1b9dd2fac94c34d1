/*
 * Tests for gateway/sms.c: GSM-7 / UCS-2 detection, unit and segment
 * counts (including escape and surrogate pairs at part boundaries),
 * invalid UTF-8 and transliteration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"
#include "util.h"

/*
 * One measured text: head + rep * nrep + tail. rc -1 means invalid
 * UTF-8 at byte bad.
 */
struct measure_case {
	const char		*what;
	const char		*head;
	const char		*rep;
	size_t			 nrep;
	const char		*tail;
	int			 rc;
	enum sms_encoding	 enc;
	size_t			 units;
	size_t			 segments;
	size_t			 chars;
	size_t			 bad;
};

#define GSM(w, h, r, n, t, u, s, c) \
	{ w, h, r, n, t, 0, SMS_GSM7, u, s, c, 0 }
#define UCS(w, h, r, n, t, u, s, c) \
	{ w, h, r, n, t, 0, SMS_UCS2, u, s, c, 0 }
#define BAD(w, text, at) \
	{ w, text, NULL, 0, NULL, -1, SMS_GSM7, 0, 0, 0, at }

static const struct measure_case measure_cases[] = {
	/* GSM-7 basics and Swedish text. */
	GSM("empty", "", NULL, 0, NULL, 0, 1, 0),
	GSM("one letter", "a", NULL, 0, NULL, 1, 1, 1),
	GSM("ascii", "Hello, world!", NULL, 0, NULL, 13, 1, 13),
	GSM("swedish 1",
	    "Brand i Nykvarn. Stäng fönster och dörrar, lyssna på P4.",
	    NULL, 0, NULL, 56, 1, 56),
	GSM("swedish 2",
	    "Vattenläcka på Östra Järnvägsgatan: undvik området till kl 18.",
	    NULL, 0, NULL, 62, 1, 62),
	GSM("swedish 3",
	    "Räddningstjänsten Södertörn informerar: gasutsläpp vid "
	    "Måsvägen.", NULL, 0, NULL, 64, 1, 64),
	GSM("swedish symbols",
	    "Ärende #12 (§ 4): kostnad 100 kr, ¤ 5 £ 3 ¥ 2 $ 1",
	    NULL, 0, NULL, 49, 1, 49),
	GSM("at and digits",
	    "Övning kl 10:00 @ Kommunhuset; ring 08-555 000 00!",
	    NULL, 0, NULL, 50, 1, 50),
	GSM("braces cost 2",
	    "Strömavbrott i Nykvarn: beräknad åtgärd 18:30 {ref:A-7}",
	    NULL, 0, NULL, 57, 1, 55),
	GSM("capital C cedilla", "Ça va", NULL, 0, NULL, 5, 1, 5),
	GSM("greek capitals", "ΔΦΓΛΩΠΨΣΘΞ", NULL, 0, NULL, 10, 1, 10),
	GSM("newlines", "Rad 1\nRad 2\r\n", NULL, 0, NULL, 13, 1, 13),
	GSM("form feed is an escape", "a\fb", NULL, 0, NULL, 4, 1, 3),
	GSM("euro", "Bot: 500 €", NULL, 0, NULL, 11, 1, 10),

	/* GSM-7 lengths. */
	GSM("153 a", NULL, "a", 153, NULL, 153, 1, 153),
	GSM("160 a", NULL, "a", 160, NULL, 160, 1, 160),
	GSM("161 a", NULL, "a", 161, NULL, 161, 2, 161),
	GSM("161 Å", NULL, "Å", 161, NULL, 161, 2, 161),
	GSM("306 a", NULL, "a", 306, NULL, 306, 2, 306),
	GSM("307 a", NULL, "a", 307, NULL, 307, 3, 307),
	GSM("459 a", NULL, "a", 459, NULL, 459, 3, 459),
	GSM("460 a", NULL, "a", 460, NULL, 460, 4, 460),
	GSM("159 a + €", NULL, "a", 159, "€", 161, 2, 160),
	GSM("158 a + €", NULL, "a", 158, "€", 160, 1, 159),
	GSM("80 €", NULL, "€", 80, NULL, 160, 1, 80),
	GSM("81 €", NULL, "€", 81, NULL, 162, 2, 81),
	/* 76 escape pairs fill 152 of 153 septets: 153 € need 3 parts. */
	GSM("153 €", NULL, "€", 153, NULL, 306, 3, 153),
	GSM("152 € fits 2 parts", NULL, "€", 152, NULL, 304, 2, 152),
	/* The € at septets 153-154 moves to part 2, pushing a into part 3. */
	GSM("escape at boundary", NULL, "a", 152,
	    "€aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaa", 306, 3, 305),
	/* One septet earlier, the pair ends the part exactly: 2 parts. */
	GSM("escape before boundary", NULL, "a", 151,
	    "€aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaa", 306, 2, 305),
	GSM("bracket at boundary", NULL, "a", 152,
	    "[aaaaaaaaaa", 164, 2, 163),

	/* Characters that force UCS-2. */
	UCS("emoji", "😀", NULL, 0, NULL, 2, 1, 1),
	UCS("siren", "Larm 🚨 Nykvarn", NULL, 0, NULL, 15, 1, 14),
	UCS("mask", "Öppna fönster 😷 nu", NULL, 0, NULL, 19, 1, 18),
	UCS("combining acute", "e\xcc\x81", NULL, 0, NULL, 2, 1, 2),
	UCS("combining ring", "A\xcc\x8a" "ngby", NULL, 0, NULL, 6, 1, 6),
	UCS("backtick", "`", NULL, 0, NULL, 1, 1, 1),
	UCS("backtick in text", "run `make`", NULL, 0, NULL, 10, 1, 10),
	UCS("a acute", "á", NULL, 0, NULL, 1, 1, 1),
	UCS("c cedilla", "ça va", NULL, 0, NULL, 5, 1, 5),
	UCS("i acute", "í", NULL, 0, NULL, 1, 1, 1),
	UCS("o acute", "ó", NULL, 0, NULL, 1, 1, 1),
	UCS("u acute", "ú", NULL, 0, NULL, 1, 1, 1),
	UCS("e circumflex", "ê", NULL, 0, NULL, 1, 1, 1),
	UCS("E grave", "È", NULL, 0, NULL, 1, 1, 1),
	UCS("A grave", "À", NULL, 0, NULL, 1, 1, 1),
	UCS("en dash", "Brand på Turingegatan – håll er inomhus", NULL, 0,
	    NULL, 39, 1, 39),
	UCS("curly quote", "Det är ’viktigt’", NULL, 0, NULL, 16, 1, 16),
	UCS("ellipsis", "Vänta…", NULL, 0, NULL, 6, 1, 6),
	UCS("no-break space", "a\xc2\xa0" "b", NULL, 0, NULL, 3, 1, 3),
	UCS("tab", "a\tb", NULL, 0, NULL, 3, 1, 3),
	UCS("escape control", "a\x1b" "b", NULL, 0, NULL, 3, 1, 3),
	UCS("greek small", "Ελλάδα", NULL, 0, NULL, 6, 1, 6),
	UCS("greek capital alpha", "\xce\x91", NULL, 0, NULL, 1, 1, 1),
	UCS("cyrillic", "Пожар", NULL, 0, NULL, 5, 1, 5),
	UCS("cjk", "火災警報", NULL, 0, NULL, 4, 1, 4),
	UCS("euro is 1 unit in UCS-2", "€á", NULL, 0, NULL, 2, 1, 2),
	UCS("braces are 1 unit in UCS-2", "{á}", NULL, 0, NULL, 3, 1, 3),
	UCS("last BMP", "\xef\xbf\xbf", NULL, 0, NULL, 1, 1, 1),
	UCS("first astral", "\xf0\x90\x80\x80", NULL, 0, NULL, 2, 1, 1),
	UCS("last code point", "\xf4\x8f\xbf\xbf", NULL, 0, NULL, 2, 1, 1),
	UCS("late non-GSM", NULL, "a", 200, "á", 201, 3, 201),
	UCS("late non-GSM, 202", NULL, "a", 201, "á", 202, 4, 202),

	/* UCS-2 lengths. */
	UCS("70 units", "á", "a", 69, NULL, 70, 1, 70),
	UCS("71 units", "á", "a", 70, NULL, 71, 2, 71),
	UCS("134 units", "á", "a", 133, NULL, 134, 2, 134),
	UCS("135 units", "á", "a", 134, NULL, 135, 3, 135),
	UCS("70 ö + emoji", NULL, "ö", 70, "😀", 72, 2, 71),
	UCS("35 emoji", NULL, "😀", 35, NULL, 70, 1, 35),
	UCS("36 emoji", NULL, "😀", 36, NULL, 72, 2, 36),
	/* 33 pairs fill 66 of 67 units: 67 emoji need 3 parts. */
	UCS("67 emoji", NULL, "😀", 67, NULL, 134, 3, 67),
	UCS("66 emoji", NULL, "😀", 66, NULL, 132, 2, 66),
	/* 66 units then an emoji: the pair moves to part 2. */
	UCS("surrogate at boundary", "á", "a", 65,
	    "😀aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 134, 3, 133),
	UCS("surrogate before boundary", "á", "a", 64,
	    "😀aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 134, 2, 133),
	UCS("66 + emoji fits one", "á", "a", 65, "😀", 68, 1, 67),

	/* Invalid UTF-8: the byte where the bad sequence starts. */
	BAD("overlong 2-byte slash", "\xc0\xaf", 0),
	BAD("overlong c1", "ab\xc1\xbf", 2),
	BAD("overlong 3-byte", "\xe0\x80\xaf", 0),
	BAD("overlong 3-byte edge", "\xe0\x9f\xbf", 0),
	BAD("overlong 4-byte", "\xf0\x80\x80\xaf", 0),
	BAD("overlong 4-byte edge", "\xf0\x8f\xbf\xbf", 0),
	BAD("high surrogate", "\xed\xa0\x80", 0),
	BAD("low surrogate", "x\xed\xbf\xbf", 1),
	BAD("surrogate pair as CESU", "\xed\xa0\xbd\xed\xb8\x80", 0),
	BAD("above U+10FFFF", "\xf4\x90\x80\x80", 0),
	BAD("f5 lead", "\xf5\x80\x80\x80", 0),
	BAD("ff byte", "ok\xff", 2),
	BAD("fe byte", "\xfe", 0),
	BAD("truncated 2 at end", "abc\xc3", 3),
	BAD("truncated 3", "\xe2\x82", 0),
	BAD("truncated 4", "\xf0\x9f\x98", 0),
	BAD("truncated then ascii", "\xe2\x82" "a", 0),
	BAD("stray continuation", "a\x80" "b", 1),
	BAD("stray continuation after char", "å\xa5", 2),
	BAD("bad second byte", "\xc3\x28", 0),
	BAD("bad third byte", "ok \xe2\x28\xa1", 3),
	BAD("bad fourth byte", "\xf0\x9f\x98\x28", 0),
};

/* Build head + rep * nrep + tail into a new string. */
static char *
build_text(const struct measure_case *c)
{
	size_t	 hl = c->head ? strlen(c->head) : 0;
	size_t	 rl = c->rep ? strlen(c->rep) : 0;
	size_t	 tl = c->tail ? strlen(c->tail) : 0;
	char	*s, *p;
	size_t	 i;

	s = malloc(hl + rl * c->nrep + tl + 1);
	assert_non_null(s);
	p = s;
	if (hl) {
		memcpy(p, c->head, hl);
		p += hl;
	}
	for (i = 0; i < c->nrep; i++) {
		memcpy(p, c->rep, rl);
		p += rl;
	}
	if (tl) {
		memcpy(p, c->tail, tl);
		p += tl;
	}
	*p = '\0';
	return s;
}

/* Every row of measure_cases. */
static void
test_measure_table(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(measure_cases); i++) {
		const struct measure_case	*c = &measure_cases[i];
		struct sms_info			 info;
		char				 err[128] = "", want[64];
		char				*s = build_text(c);
		int				 rc;

		memset(&info, 0xa5, sizeof(info));
		rc = sms_measure(s, strlen(s), &info, err, sizeof(err));
		free(s);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->what, rc, c->rc,
			    err);
		if (c->rc == -1) {
			snprintf(want, sizeof(want),
			    "invalid UTF-8 at byte %zu", c->bad);
			if (strcmp(err, want) != 0)
				fail_msg("%s: error \"%s\", want \"%s\"",
				    c->what, err, want);
			continue;
		}
		if (info.encoding != c->enc || info.units != c->units ||
		    info.segments != c->segments || info.chars != c->chars)
			fail_msg("%s: %s units %zu segments %zu chars %zu, "
			    "want %s %zu %zu %zu", c->what,
			    sms_encoding_name(info.encoding), info.units,
			    info.segments, info.chars,
			    sms_encoding_name(c->enc), c->units, c->segments,
			    c->chars);
	}
}

/* GSM 03.38 default alphabet by code; NULL at 0x1B (ESC). */
static const char *const gsm_basic[128] = {
	"@", "£", "$", "¥", "è", "é", "ù", "ì",
	"ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
	"Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ",
	"Σ", "Θ", "Ξ", NULL, "Æ", "æ", "ß", "É",
	" ", "!", "\"", "#", "¤", "%", "&", "'",
	"(", ")", "*", "+", ",", "-", ".", "/",
	"0", "1", "2", "3", "4", "5", "6", "7",
	"8", "9", ":", ";", "<", "=", ">", "?",
	"¡", "A", "B", "C", "D", "E", "F", "G",
	"H", "I", "J", "K", "L", "M", "N", "O",
	"P", "Q", "R", "S", "T", "U", "V", "W",
	"X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§",
	"¿", "a", "b", "c", "d", "e", "f", "g",
	"h", "i", "j", "k", "l", "m", "n", "o",
	"p", "q", "r", "s", "t", "u", "v", "w",
	"x", "y", "z", "ä", "ö", "ñ", "ü", "à",
};

/* The extension table: ESC + code, 2 septets each. */
static const char *const gsm_ext[] = {
	"\f", "^", "{", "}", "\\", "[", "~", "]", "|", "€",
};

/* Each default-alphabet character alone, then all 127 in one text. */
static void
test_gsm_basic_alphabet(void **state)
{
	struct sms_info	 info;
	char		 all[512] = "", err[64];
	size_t		 i, n = 0;

	(void)state;
	for (i = 0; i < nitems(gsm_basic); i++) {
		if (gsm_basic[i] == NULL)
			continue;
		assert_int_equal(sms_measure(gsm_basic[i],
		    strlen(gsm_basic[i]), &info, err, sizeof(err)), 0);
		if (info.encoding != SMS_GSM7 || info.units != 1 ||
		    info.chars != 1 || info.segments != 1)
			fail_msg("GSM 0x%02zx \"%s\": %s %zu units", i,
			    gsm_basic[i], sms_encoding_name(info.encoding),
			    info.units);
		strcat(all, gsm_basic[i]);
		n++;
	}
	assert_int_equal(n, 127);
	assert_int_equal(sms_measure(all, strlen(all), &info, err,
	    sizeof(err)), 0);
	assert_int_equal(info.encoding, SMS_GSM7);
	assert_int_equal(info.units, 127);
	assert_int_equal(info.chars, 127);
	assert_int_equal(info.segments, 1);
}

/* Each extension character costs 2 septets; all 10 cost 20. */
static void
test_gsm_extension_table(void **state)
{
	struct sms_info	 info;
	char		 all[64] = "", err[64];
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(gsm_ext); i++) {
		assert_int_equal(sms_measure(gsm_ext[i], strlen(gsm_ext[i]),
		    &info, err, sizeof(err)), 0);
		if (info.encoding != SMS_GSM7 || info.units != 2 ||
		    info.chars != 1)
			fail_msg("extension \"%s\": %s %zu units", gsm_ext[i],
			    sms_encoding_name(info.encoding), info.units);
		strcat(all, gsm_ext[i]);
	}
	assert_int_equal(sms_measure(all, strlen(all), &info, err,
	    sizeof(err)), 0);
	assert_int_equal(info.encoding, SMS_GSM7);
	assert_int_equal(info.units, 2 * nitems(gsm_ext));
	assert_int_equal(info.chars, nitems(gsm_ext));
}

/* Only len bytes count; a NUL inside len is a (non-GSM) character. */
static void
test_measure_len(void **state)
{
	struct sms_info	 info;
	char		 err[64];

	(void)state;
	assert_int_equal(sms_measure("abc\xc3\xa5", 3, &info, err,
	    sizeof(err)), 0);
	assert_int_equal(info.units, 3);
	assert_int_equal(info.encoding, SMS_GSM7);
	/* Cut inside å: truncated. */
	assert_int_equal(sms_measure("ab\xc3\xa5", 3, &info, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "invalid UTF-8 at byte 2");
	assert_int_equal(sms_measure("a\0b", 3, &info, err, sizeof(err)), 0);
	assert_int_equal(info.chars, 3);
	assert_int_equal(info.encoding, SMS_UCS2);
	assert_int_equal(sms_measure(NULL, 0, &info, err, sizeof(err)), 0);
	assert_int_equal(info.segments, 1);
	assert_int_equal(info.units, 0);
}

/* A short or missing error buffer is never overrun. */
static void
test_measure_err_buffer(void **state)
{
	struct sms_info	 info;
	char		 err[8];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(sms_measure("\xff", 1, &info, err, 5), -1);
	assert_string_equal(err, "inva");
	assert_int_equal(err[5], 'x');
	assert_int_equal(sms_measure("\xff", 1, &info, NULL, 0), -1);
}

/* Encoding names as the API shows them. */
static void
test_encoding_name(void **state)
{
	(void)state;
	assert_string_equal(sms_encoding_name(SMS_GSM7), "GSM-7");
	assert_string_equal(sms_encoding_name(SMS_UCS2), "UCS-2");
}

/*
 * One transliteration: in -> out (NULL if rejected); gsm: out must then
 * measure as GSM-7.
 */
struct translit_case {
	const char	*in;
	const char	*out;
	bool		 changed;
	bool		 gsm;
};

static const struct translit_case translit_cases[] = {
	{ "‘citat’", "'citat'", true, true },
	{ "‚x‛", "'x'", true, true },
	{ "5′ 6″", "5' 6\"", true, true },
	{ "“Brand”", "\"Brand\"", true, true },
	{ "„Hej“", "\"Hej\"", true, true },
	{ "«Larm»", "\"Larm\"", true, true },
	{ "kl 10–12", "kl 10-12", true, true },
	{ "a—b", "a-b", true, true },
	{ "a‒b", "a-b", true, true },
	{ "−5 °C", "-5 °C", true, false },
	{ "Vänta…", "Vänta...", true, true },
	{ "……", "......", true, true },
	{ "a\xc2\xa0" "b", "a b", true, true },
	{ "a\xe2\x80\x80" "b", "a b", true, true },		/* U+2000 */
	{ "a\xe2\x80\x81" "b", "a b", true, true },		/* U+2001 */
	{ "a\xe2\x80\x82" "b", "a b", true, true },		/* U+2002 */
	{ "a\xe2\x80\x83" "b", "a b", true, true },		/* U+2003 */
	{ "a\xe2\x80\x84" "b", "a b", true, true },		/* U+2004 */
	{ "a\xe2\x80\x85" "b", "a b", true, true },		/* U+2005 */
	{ "a\xe2\x80\x86" "b", "a b", true, true },		/* U+2006 */
	{ "a\xe2\x80\x87" "b", "a b", true, true },		/* U+2007 */
	{ "a\xe2\x80\x88" "b", "a b", true, true },		/* U+2008 */
	{ "a\xe2\x80\x89" "b", "a b", true, true },		/* U+2009 */
	{ "a\xe2\x80\x8a" "b", "a b", true, true },		/* U+200A */
	{ "a\xe2\x80\xaf" "b", "a b", true, true },		/* U+202F */
	{ "a\xe2\x80\x8b" "b", "ab", true, true },		/* U+200B */
	{ "\xe2\x80\x8b", "", true, true },
	{ "Det är ’viktigt’ – kom…", "Det är 'viktigt' - kom...", true, true },
	{ "Hej då, ÅÄÖ åäö", "Hej då, ÅÄÖ åäö", false, true },
	{ "", "", false, true },
	{ "😀 á ç `", "😀 á ç `", false, false },
	/* U+2010 hyphen and U+201F are not on the list: kept. */
	{ "a\xe2\x80\x90" "b", "a\xe2\x80\x90" "b", false, false },
	{ "\xe2\x80\x9f", "\xe2\x80\x9f", false, false },
	{ "e\xcc\x81", "e\xcc\x81", false, false },
	{ "ok\xc3", NULL, false, false },
	{ "\xed\xa0\x80", NULL, false, false },
	{ "“x”\x80", NULL, false, false },
};

/* Every row of translit_cases; texts that change become GSM-7. */
static void
test_transliterate_table(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(translit_cases); i++) {
		const struct translit_case	*c = &translit_cases[i];
		bool				 changed = !c->changed;
		char				*out;

		out = sms_transliterate(c->in, &changed);
		if (c->out == NULL) {
			if (out != NULL)
				fail_msg("\"%s\": accepted as \"%s\"", c->in,
				    out);
			continue;
		}
		if (out == NULL)
			fail_msg("\"%s\": rejected", c->in);
		if (strcmp(out, c->out) != 0 || changed != c->changed)
			fail_msg("\"%s\": \"%s\" changed=%d, want \"%s\" %d",
			    c->in, out, changed, c->out, c->changed);
		if (c->gsm) {
			struct sms_info	info;
			char		err[64];

			assert_int_equal(sms_measure(out, strlen(out), &info,
			    err, sizeof(err)), 0);
			if (info.encoding != SMS_GSM7)
				fail_msg("\"%s\" -> \"%s\" is still UCS-2",
				    c->in, out);
		}
		free(out);
	}
}

/* changed may be NULL; a long text with many replacements fits. */
static void
test_transliterate_long(void **state)
{
	char	*in, *out;
	size_t	 i, n = 1000;

	(void)state;
	in = malloc(n * 3 + 1);
	assert_non_null(in);
	for (i = 0; i < n; i++)
		memcpy(in + 3 * i, "…", 3);
	in[n * 3] = '\0';
	out = sms_transliterate(in, NULL);
	assert_non_null(out);
	assert_int_equal(strlen(out), n * 3);
	assert_int_equal(strspn(out, "."), n * 3);
	free(out);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_measure_table),
		cmocka_unit_test(test_gsm_basic_alphabet),
		cmocka_unit_test(test_gsm_extension_table),
		cmocka_unit_test(test_measure_len),
		cmocka_unit_test(test_measure_err_buffer),
		cmocka_unit_test(test_encoding_name),
		cmocka_unit_test(test_transliterate_table),
		cmocka_unit_test(test_transliterate_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
