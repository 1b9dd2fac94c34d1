/*
 * SMS text encoding: decide between the GSM 03.38 default alphabet (with
 * its extension table) and UCS-2, count septets or UTF-16 units and the
 * segments a text takes, and replace typographic look-alikes that would
 * otherwise force the whole text into UCS-2.
 *
 * Segments are counted by walking characters, never by dividing: an
 * escape pair (GSM-7) or a surrogate pair (UCS-2) is never split, so a
 * part that would end with half of one holds one unit less.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

#define SMS_GSM7_SINGLE	160	/* septets in a lone SMS */
#define SMS_GSM7_PART	153	/* septets per part of a concatenated SMS */
#define SMS_UCS2_SINGLE	70	/* UTF-16 units in a lone SMS */
#define SMS_UCS2_PART	67	/* UTF-16 units per part */

/* A running count of units and parts for one encoding. */
struct sms_count {
	size_t	units;	/* all units so far */
	size_t	parts;	/* parts if the text is concatenated */
	size_t	fill;	/* units in the last part */
};

static int	sms_utf8_next(const unsigned char *, size_t, size_t *,
		    uint32_t *);
static int	sms_gsm7_cost(uint32_t);
static void	sms_count_add(struct sms_count *, size_t, size_t);
static int	sms_count_text(const unsigned char *, size_t, bool,
		    struct sms_count *, size_t *, size_t *);
static int	sms_translit(uint32_t, const char **);

/*
 * Septets per character for U+0000..U+00FF: 1 in the default alphabet,
 * 2 in the extension table (ESC + code), 0 if not in GSM 03.38 at all.
 * U+001B (ESC) is no character of its own; U+00A0 is not mapped either
 * (sms_transliterate turns it into a space).
 */
static const unsigned char sms_latin1_cost[256] = {
	/* Controls: only LF and CR are in the table, form feed is ESC 0x0A. */
	['\n'] = 1, ['\r'] = 1, ['\f'] = 2,
	/* ASCII printables: all but the backtick; ^{}\[~]| are escapes. */
	[' '] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1,
	['&'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1,
	[','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	[':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1,
	['@'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['['] = 2, ['\\'] = 2, [']'] = 2, ['^'] = 2, ['_'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
	['{'] = 2, ['|'] = 2, ['}'] = 2, ['~'] = 2,
	/* Latin-1: ¡ £ ¤ ¥ § ¿ Ä Å Æ Ç É Ñ Ö Ø Ü ß à ä å æ è é ì ñ ò ö ø ù ü */
	[0xa1] = 1, [0xa3] = 1, [0xa4] = 1, [0xa5] = 1, [0xa7] = 1,
	[0xbf] = 1, [0xc4] = 1, [0xc5] = 1, [0xc6] = 1, [0xc7] = 1,
	[0xc9] = 1, [0xd1] = 1, [0xd6] = 1, [0xd8] = 1, [0xdc] = 1,
	[0xdf] = 1, [0xe0] = 1, [0xe4] = 1, [0xe5] = 1, [0xe6] = 1,
	[0xe8] = 1, [0xe9] = 1, [0xec] = 1, [0xf1] = 1, [0xf2] = 1,
	[0xf6] = 1, [0xf8] = 1, [0xf9] = 1, [0xfc] = 1,
};

/*
 * Decode one code point of s[0..len) at *i, advance *i. Returns 0, or -1
 * on an overlong form, a surrogate, a value above U+10FFFF, a truncated
 * sequence or a stray continuation byte (*i is then left at its start).
 */
static int
sms_utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	size_t		at = *i, need, k;
	unsigned char	c = s[at], lo = 0x80, hi = 0xbf;
	uint32_t	v;

	if (c < 0x80) {
		*cp = c;
		*i = at + 1;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;	/* U+D800..U+DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return -1;	/* continuation byte, 0xc0, 0xc1, 0xf5.. */
	if (len - at - 1 < need)
		return -1;
	for (k = 1; k <= need; k++) {
		unsigned char	cc = s[at + k];

		if (cc < lo || cc > hi)
			return -1;
		lo = 0x80;
		hi = 0xbf;
		v = (v << 6) | (cc & 0x3f);
	}
	*cp = v;
	*i = at + 1 + need;
	return 0;
}

/* Septets for one code point: 1, 2 (escape pair) or 0 (not GSM-7). */
static int
sms_gsm7_cost(uint32_t cp)
{
	if (cp < 0x100)
		return sms_latin1_cost[cp];
	switch (cp) {
	case 0x0393:	/* Γ */
	case 0x0394:	/* Δ */
	case 0x0398:	/* Θ */
	case 0x039b:	/* Λ */
	case 0x039e:	/* Ξ */
	case 0x03a0:	/* Π */
	case 0x03a3:	/* Σ */
	case 0x03a6:	/* Φ */
	case 0x03a8:	/* Ψ */
	case 0x03a9:	/* Ω */
		return 1;
	case 0x20ac:	/* € */
		return 2;
	default:
		return 0;
	}
}

/*
 * Add one character of cost units to a count whose parts hold at most
 * per units; a character that does not fit whole starts the next part.
 */
static void
sms_count_add(struct sms_count *c, size_t cost, size_t per)
{
	if (c->fill + cost > per) {
		c->parts++;
		c->fill = 0;
	}
	c->fill += cost;
	c->units += cost;
}

/*
 * Count the text s[0..len) into c and *chars, as GSM-7 septets (gsm) or
 * UTF-16 units: 0 when all is counted; 1 when a GSM-7 count meets a
 * code point outside GSM-7 (it stops there); -1 on invalid UTF-8, with
 * *at the byte where it starts.
 */
static int
sms_count_text(const unsigned char *s, size_t len, bool gsm,
    struct sms_count *c, size_t *chars, size_t *at)
{
	size_t		i = 0, n = 0;
	uint32_t	cp;
	int		cost;

	while (i < len) {
		if (s[i] < 0x80)
			cp = s[i++];		/* the ASCII fast path */
		else if (sms_utf8_next(s, len, &i, &cp) == -1) {
			*at = i;
			return -1;
		}
		n++;
		if (!gsm)
			sms_count_add(c, cp > 0xffff ? 2 : 1, SMS_UCS2_PART);
		else if ((cost = sms_gsm7_cost(cp)) != 0)
			sms_count_add(c, (size_t)cost, SMS_GSM7_PART);
		else
			return 1;
	}
	*chars = n;
	return 0;
}

/*
 * Measure a UTF-8 text: encoding, units, segments and code points. Most
 * texts are GSM-7 and are read once; one that is not is read again from
 * its start, as UTF-16.
 */
int
sms_measure(const char *utf8, size_t len, struct sms_info *info, char *err,
    size_t errlen)
{
	const unsigned char	*s = (const unsigned char *)utf8;
	struct sms_count	 gsm = { 0, 1, 0 }, ucs = { 0, 1, 0 };
	size_t			 chars = 0, at = 0;
	int			 rc;

	if (s == NULL && len > 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no text");
		return -1;
	}
	if ((rc = sms_count_text(s, len, true, &gsm, &chars, &at)) == 0) {
		info->chars = chars;
		info->encoding = SMS_GSM7;
		info->units = gsm.units;
		info->segments = gsm.units <= SMS_GSM7_SINGLE ? 1 : gsm.parts;
		return 0;
	}
	if (rc == 1)
		rc = sms_count_text(s, len, false, &ucs, &chars, &at);
	if (rc == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "invalid UTF-8 at byte %zu", at);
		return -1;
	}
	info->chars = chars;
	info->encoding = SMS_UCS2;
	info->units = ucs.units;
	info->segments = ucs.units <= SMS_UCS2_SINGLE ? 1 : ucs.parts;
	return 0;
}

/* The name of an encoding, as shown in API replies and logs. */
const char *
sms_encoding_name(enum sms_encoding e)
{
	switch (e) {
	case SMS_GSM7:
		return "GSM-7";
	case SMS_UCS2:
		return "UCS-2";
	}
	return "unknown";
}

/*
 * The GSM-7 replacement for a look-alike code point: sets *to (the empty
 * string for a character that is dropped) and returns 1, or returns 0 if
 * cp is kept as it is.
 */
static int
sms_translit(uint32_t cp, const char **to)
{
	switch (cp) {
	case 0x2018:	/* ‘ */
	case 0x2019:	/* ’ */
	case 0x201a:	/* ‚ */
	case 0x201b:	/* ‛ */
	case 0x2032:	/* ′ */
		*to = "'";
		return 1;
	case 0x201c:	/* “ */
	case 0x201d:	/* ” */
	case 0x201e:	/* „ */
	case 0x2033:	/* ″ */
	case 0x00ab:	/* « */
	case 0x00bb:	/* » */
		*to = "\"";
		return 1;
	case 0x2012:	/* ‒ figure dash */
	case 0x2013:	/* – en dash */
	case 0x2014:	/* — em dash */
	case 0x2212:	/* − minus */
		*to = "-";
		return 1;
	case 0x2026:	/* … */
		*to = "...";
		return 1;
	case 0x00a0:	/* no-break space */
	case 0x2000: case 0x2001: case 0x2002: case 0x2003: case 0x2004:
	case 0x2005: case 0x2006: case 0x2007: case 0x2008: case 0x2009:
	case 0x200a:	/* en quad .. hair space */
	case 0x202f:	/* narrow no-break space */
		*to = " ";
		return 1;
	case 0x200b:	/* zero-width space */
		*to = "";
		return 1;
	default:
		return 0;
	}
}

/* A copy of utf8 with GSM-7 look-alikes replaced; NULL if invalid. */
char *
sms_transliterate(const char *utf8, bool *changed)
{
	const unsigned char	*s = (const unsigned char *)utf8;
	const char		*to;
	size_t			 len, i = 0, start, n;
	char			*out, *o;
	uint32_t		 cp;
	bool			 did = false;

	if (changed != NULL)
		*changed = false;
	if (s == NULL)
		return NULL;
	len = strlen(utf8);
	/* No replacement is longer than what it replaces (… is 3 bytes). */
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	o = out;
	while (i < len) {
		if (s[i] < 0x80) {
			*o++ = (char)s[i++];
			continue;
		}
		start = i;
		if (sms_utf8_next(s, len, &i, &cp) == -1) {
			free(out);
			return NULL;
		}
		if (sms_translit(cp, &to)) {
			n = strlen(to);
			memcpy(o, to, n);
			o += n;
			did = true;
		} else {
			memcpy(o, s + start, i - start);
			o += i - start;
		}
	}
	*o = '\0';
	if (changed != NULL)
		*changed = did;
	return out;
}
