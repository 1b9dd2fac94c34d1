/*
 * The keyword grammar of inbound SMS (design/API.md, "Keywords"). Pure:
 * text in, struct kw_parse out.
 *
 * A message is: separators, a word, the rest. Separators are ASCII
 * spaces, controls and punctuation, and a few Unicode ones phones
 * produce (no-break space, ¡ ¿ « » – — ‘ ’ “ ” …, zero-width space, BOM,
 * Arabic punctuation and the invisible bidi marks and isolates that
 * Arabic and Persian keyboards put around Latin words).
 * The word runs over ASCII letters and any other non-separator UTF-8; it
 * is folded (ASCII lower case; å ä Å Ä -> a, ö Ö -> o, é É -> e, in NFC
 * or NFD) and must then be one of the table's keywords, else the message
 * is KW_UNKNOWN. Emoji are not separators: "Ja 👍" is not a plain JA.
 *
 * What the rest may be depends on the keyword: nothing but separators
 * (STOPP), an optional area (START), an optional alert number with or
 * without '#' (JA, NEJ), anything (HJÄLP), or a place or a position
 * (TRYGG). A rest that does not fit makes the whole message KW_UNKNOWN,
 * so "Stopp, det brinner vid skolan!" is not an opt-out.
 *
 * Only the NUL-terminated text is read, byte by byte, and a multibyte
 * sequence is followed only while its continuation bytes are there.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keywords.h"

/* The longest keyword, folded, is "avsluta". */
#define KW_WORD_MAX	16

/* A keyword as folded text and what it means. */
struct kw_word {
	const char	*word;
	enum keyword	 kw;
};

static const struct kw_word kw_words[] = {
	{ "trygg", KW_TRYGG },
	{ "hitta", KW_TRYGG },
	{ "safe", KW_TRYGG },
	{ "stopp", KW_STOP },
	{ "stop", KW_STOP },
	{ "avsluta", KW_STOP },
	{ "start", KW_START },
	{ "ja", KW_YES },
	{ "j", KW_YES },
	{ "yes", KW_YES },
	{ "nej", KW_NO },
	{ "n", KW_NO },
	{ "no", KW_NO },
	{ "hjalp", KW_HELP },
	{ "help", KW_HELP },
	{ "info", KW_HELP },
};

/* Unicode characters that count as separators, in UTF-8. */
static const char *const kw_uni_seps[] = {
	"\xc2\xa0",		/* U+00A0 no-break space */
	"\xc2\xa1",		/* U+00A1 ¡ */
	"\xc2\xab",		/* U+00AB « */
	"\xc2\xbb",		/* U+00BB » */
	"\xc2\xbf",		/* U+00BF ¿ */
	"\xd8\x8c",		/* U+060C Arabic comma */
	"\xd8\x9b",		/* U+061B Arabic semicolon */
	"\xd8\x9c",		/* U+061C Arabic letter mark */
	"\xd8\x9f",		/* U+061F Arabic question mark */
	"\xe2\x80\x8b",		/* U+200B zero-width space */
	"\xe2\x80\x8e",		/* U+200E left-to-right mark */
	"\xe2\x80\x8f",		/* U+200F right-to-left mark */
	"\xe2\x80\x93",		/* U+2013 – */
	"\xe2\x80\x94",		/* U+2014 — */
	"\xe2\x80\x98",		/* U+2018 ‘ */
	"\xe2\x80\x99",		/* U+2019 ’ */
	"\xe2\x80\x9c",		/* U+201C “ */
	"\xe2\x80\x9d",		/* U+201D ” */
	"\xe2\x80\xa6",		/* U+2026 … */
	"\xe2\x80\xaa",		/* U+202A..U+202E bidi embeddings, */
	"\xe2\x80\xab",		/* overrides and their end */
	"\xe2\x80\xac",
	"\xe2\x80\xad",
	"\xe2\x80\xae",
	"\xe2\x81\xa6",		/* U+2066..U+2069 bidi isolates */
	"\xe2\x81\xa7",
	"\xe2\x81\xa8",
	"\xe2\x81\xa9",
	"\xef\xbb\xbf",		/* U+FEFF byte order mark */
};

static size_t	 kw_utf8_len(const unsigned char *);
static size_t	 kw_uni_sep_len(const unsigned char *);
static size_t	 kw_sep_len(const unsigned char *);
static bool	 kw_only_seps(const unsigned char *);
static const unsigned char *kw_skip_lead(const unsigned char *);
static bool	 kw_fold_word(const unsigned char *, size_t, char *, size_t);
static bool	 kw_number(const unsigned char *, int64_t *);
static bool	 kw_decimal(const unsigned char **, char, double *);
static bool	 kw_position(const unsigned char *, char, struct geo_point *);
static bool	 kw_trailing_drop(const char *, size_t, size_t *);
static void	 kw_place(const unsigned char *, char *, size_t);

/*
 * The length of the well-formed UTF-8 sequence at s (1 to 4), or 0 if s
 * starts an invalid one. Stops at a NUL: it is not a continuation byte.
 */
static size_t
kw_utf8_len(const unsigned char *s)
{
	unsigned int	 cp, min;
	size_t		 n, i;

	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf) {
		n = 2;
		cp = *s & 0x1f;
		min = 0x80;
	} else if (*s >= 0xe0 && *s <= 0xef) {
		n = 3;
		cp = *s & 0x0f;
		min = 0x800;
	} else if (*s >= 0xf0 && *s <= 0xf4) {
		n = 4;
		cp = *s & 0x07;
		min = 0x10000;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The length of a Unicode separator at s, or 0. */
static size_t
kw_uni_sep_len(const unsigned char *s)
{
	size_t	 i, n;

	if (*s < 0x80)
		return 0;
	for (i = 0; i < sizeof(kw_uni_seps) / sizeof(kw_uni_seps[0]); i++) {
		n = strlen(kw_uni_seps[i]);
		if (strncmp((const char *)s, kw_uni_seps[i], n) == 0)
			return n;
	}
	return 0;
}

/* The length of the separator at s (ASCII or Unicode), or 0. */
static size_t
kw_sep_len(const unsigned char *s)
{
	if (*s == '\0')
		return 0;
	if (*s < 0x80) {
		if (*s <= ' ' || *s == 0x7f)
			return 1;
		if ((*s >= '!' && *s <= '/') || (*s >= ':' && *s <= '@') ||
		    (*s >= '[' && *s <= '`') || (*s >= '{' && *s <= '~'))
			return 1;
		return 0;
	}
	return kw_uni_sep_len(s);
}

/* Is everything from s on a separator? */
static bool
kw_only_seps(const unsigned char *s)
{
	size_t	 n;

	while (*s != '\0') {
		if ((n = kw_sep_len(s)) == 0)
			return false;
		s += n;
	}
	return true;
}

/*
 * Skip the separators before an argument, but not a sign: "-33.9,18.4"
 * keeps its minus.
 */
static const unsigned char *
kw_skip_lead(const unsigned char *s)
{
	size_t	 n;

	while (*s != '-' && *s != '+' && (n = kw_sep_len(s)) > 0)
		s += n;
	return s;
}

/*
 * Fold the len bytes of a word at s into out: ASCII lower case, å ä ->
 * a, ö -> o, é -> e (upper case too, and their NFD forms). False if the
 * word has anything else or is too long to be a keyword.
 */
static bool
kw_fold_word(const unsigned char *s, size_t len, char *out, size_t outlen)
{
	const unsigned char	*end = s + len;
	size_t			 n = 0;
	char			 ch;

	while (s < end) {
		if (s[0] < 0x80) {
			ch = (char)s[0];
			if (ch >= 'A' && ch <= 'Z')
				ch += 'a' - 'A';
			s++;
		} else if (end - s >= 2 && s[0] == 0xc3 &&
		    (s[1] == 0xa5 || s[1] == 0xa4 || s[1] == 0x85 ||
		    s[1] == 0x84)) {
			ch = 'a';
			s += 2;
		} else if (end - s >= 2 && s[0] == 0xc3 &&
		    (s[1] == 0xb6 || s[1] == 0x96)) {
			ch = 'o';
			s += 2;
		} else if (end - s >= 2 && s[0] == 0xc3 &&
		    (s[1] == 0xa9 || s[1] == 0x89)) {
			ch = 'e';
			s += 2;
		} else if (end - s >= 2 && s[0] == 0xcc && n > 0 &&
		    (((s[1] == 0x88 || s[1] == 0x8a) && out[n - 1] == 'a') ||
		    (s[1] == 0x88 && out[n - 1] == 'o') ||
		    (s[1] == 0x81 && out[n - 1] == 'e'))) {
			/* U+0308, U+030A or U+0301 on the letter before. */
			s += 2;
			continue;
		} else
			return false;
		if (n + 1 >= outlen)
			return false;
		out[n++] = ch;
	}
	out[n] = '\0';
	return n > 0;
}

/*
 * The value of an Arabic-Indic (U+0660..U+0669) or Eastern Arabic-Indic
 * (U+06F0..U+06F9, Persian) digit at s, two bytes, or -1: an Arabic or
 * Persian keyboard writes a postnummer or an alert number with them.
 */
static int
kw_arabic_digit(const unsigned char *s)
{
	if (s[0] == 0xd9 && s[1] >= 0xa0 && s[1] <= 0xa9)
		return s[1] - 0xa0;
	if (s[0] == 0xdb && s[1] >= 0xb0 && s[1] <= 0xb9)
		return s[1] - 0xb0;
	return -1;
}

/* The value of the digit at s (ASCII or kw_arabic_digit), its length. */
static int
kw_digit(const unsigned char *s, size_t *len)
{
	int	d;

	if (*s >= '0' && *s <= '9') {
		*len = 1;
		return *s - '0';
	}
	*len = 2;
	return (d = kw_arabic_digit(s)) >= 0 ? d : -1;
}

/*
 * An alert number: separators (a '#' among them), digits, and nothing
 * after but separators. At most 18 digits.
 */
static bool
kw_number(const unsigned char *s, int64_t *out)
{
	int64_t	 v = 0;
	int	 digits = 0, dv;
	size_t	 n;

	while (kw_digit(s, &n) < 0 && (n = kw_sep_len(s)) > 0)
		s += n;
	for (; (dv = kw_digit(s, &n)) >= 0; s += n) {
		if (++digits > 18)
			return false;
		v = v * 10 + dv;
	}
	if (digits == 0 || !kw_only_seps(s))
		return false;
	*out = v;
	return true;
}

/*
 * A decimal number with a fraction ("59.1786", "-17.43"; with dec ','
 * "59,1786"), advancing *sp past it. No exponent, no bare integers.
 */
static bool
kw_decimal(const unsigned char **sp, char dec, double *out)
{
	const unsigned char	*s = *sp;
	char			 buf[40];
	size_t			 n = 0;
	int			 idig = 0, fdig = 0;

	if (*s == '-' || *s == '+')
		buf[n++] = (char)*s++;
	for (; *s >= '0' && *s <= '9'; s++, idig++)
		if (n < sizeof(buf) - 2)
			buf[n++] = (char)*s;
	if (*s != (unsigned char)dec)
		return false;
	buf[n++] = '.';
	for (s++; *s >= '0' && *s <= '9'; s++, fdig++)
		if (n < sizeof(buf) - 1)
			buf[n++] = (char)*s;
	if (idig == 0 || idig > 3 || fdig == 0 || fdig > 20)
		return false;
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	*sp = s;
	return true;
}

/*
 * "lat,lon" with a decimal point, separated by a comma, a semicolon or
 * blanks ("59.18,17.43", "59.18, 17.43", "59.18 17.43"); or with dec ','
 * the Swedish "59,18 17,43", separated by blanks or a semicolon. Nothing
 * may follow but separators, and both must be in range.
 */
static bool
kw_position(const unsigned char *s, char dec, struct geo_point *pos)
{
	double	 lat, lon;
	bool	 blanks = false, mark = false;

	if (!kw_decimal(&s, dec, &lat))
		return false;
	for (; *s == ' ' || *s == '\t'; s++)
		blanks = true;
	if ((dec == '.' && *s == ',') || *s == ';') {
		mark = true;
		for (s++; *s == ' ' || *s == '\t'; s++)
			;
	}
	if (!blanks && !mark)
		return false;
	if (!kw_decimal(&s, dec, &lon) || !kw_only_seps(s))
		return false;
	if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
		return false;
	pos->lat = lat;
	pos->lon = lon;
	return true;
}

/*
 * Does the text of len bytes end in punctuation or a blank to drop?
 * *n gets the byte count of it.
 */
static bool
kw_trailing_drop(const char *t, size_t len, size_t *n)
{
	size_t	 i, k;

	if (len == 0)
		return false;
	if (strchr(" .,;:!?\"'`", t[len - 1]) != NULL) {
		*n = 1;
		return true;
	}
	for (i = 0; i < sizeof(kw_uni_seps) / sizeof(kw_uni_seps[0]); i++) {
		k = strlen(kw_uni_seps[i]);
		if (len >= k && memcmp(t + len - k, kw_uni_seps[i], k) == 0) {
			*n = k;
			return true;
		}
	}
	return false;
}

/*
 * Copy a place into out (outlen bytes): blanks, controls and Unicode
 * spaces collapse to one space, Arabic-Indic digits become ASCII ones
 * (a postnummer), an invalid byte becomes '?', trailing punctuation
 * goes, and the text is cut at a character boundary.
 */
static void
kw_place(const unsigned char *s, char *out, size_t outlen)
{
	size_t	 n = 0, k, drop;
	bool	 space = false, valid;

	while (*s != '\0') {
		if (*s <= ' ' || *s == 0x7f || (s[0] == 0xc2 && s[1] == 0xa0) ||
		    (s[0] == 0xe2 && s[1] == 0x80 && s[2] == 0x8b) ||
		    (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)) {
			space = true;
			s += *s < 0x80 ? 1 : s[0] == 0xc2 ? 2 : 3;
			continue;
		}
		valid = (k = kw_utf8_len(s)) > 0;
		if (!valid)
			k = 1;	/* an invalid byte: '?' in its place */
		if (n + (space && n > 0) + k >= outlen)
			break;
		if (space && n > 0)
			out[n++] = ' ';
		space = false;
		if (valid && kw_arabic_digit(s) >= 0) {
			out[n++] = (char)('0' + kw_arabic_digit(s));
			s += k;
			continue;
		}
		if (valid)
			memcpy(out + n, s, k);
		else
			out[n] = '?';
		n += k;
		s += k;
	}
	while (kw_trailing_drop(out, n, &drop))
		n -= drop;
	out[n] = '\0';
}

/* Parse an inbound text into the keyword and its argument. */
void
keyword_parse(const char *text, struct kw_parse *kp)
{
	const unsigned char	*s, *w, *rest;
	char			 word[KW_WORD_MAX];
	size_t			 i, k;
	enum keyword		 kw = KW_UNKNOWN;

	memset(kp, 0, sizeof(*kp));
	kp->kw = KW_UNKNOWN;
	kp->arg_kind = KWA_NONE;
	if (text == NULL)
		return;
	s = (const unsigned char *)text;
	while ((k = kw_sep_len(s)) > 0)
		s += k;
	/* The word: letters, and any UTF-8 that is not a separator. */
	for (w = s; *s != '\0';) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			s++;
		else if (*s >= 0x80 && kw_uni_sep_len(s) == 0)
			s += (k = kw_utf8_len(s)) > 0 ? k : 1;
		else
			break;
	}
	rest = s;
	if (!kw_fold_word(w, (size_t)(rest - w), word, sizeof(word)))
		return;
	for (i = 0; i < sizeof(kw_words) / sizeof(kw_words[0]); i++)
		if (strcmp(word, kw_words[i].word) == 0) {
			kw = kw_words[i].kw;
			break;
		}
	switch (kw) {
	case KW_UNKNOWN:
		return;
	case KW_HELP:
		break;
	case KW_STOP:
		if (!kw_only_seps(rest))
			return;
		break;
	case KW_YES:
	case KW_NO:
		if (kw_only_seps(rest))
			break;
		if (!kw_number(rest, &kp->number))
			return;
		kp->arg_kind = KWA_NUMBER;
		break;
	case KW_TRYGG:
	case KW_START:
		if (kw_only_seps(rest))
			break;
		rest = kw_skip_lead(rest);
		if (kw == KW_TRYGG && (kw_position(rest, '.', &kp->pos) ||
		    kw_position(rest, ',', &kp->pos))) {
			kp->arg_kind = KWA_POSITION;
			break;
		}
		kw_place(rest, kp->arg, sizeof(kp->arg));
		if (kp->arg[0] != '\0')
			kp->arg_kind = KWA_PLACE;
		break;
	}
	kp->kw = kw;
}

/* The name of a keyword for logs and metrics: "TRYGG", ..., "UNKNOWN". */
const char *
keyword_name(enum keyword kw)
{
	switch (kw) {
	case KW_TRYGG:
		return "TRYGG";
	case KW_STOP:
		return "STOPP";
	case KW_START:
		return "START";
	case KW_YES:
		return "JA";
	case KW_NO:
		return "NEJ";
	case KW_HELP:
		return "HJALP";
	case KW_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}
