/*
 * The JSON scanner of jsonscan.h: one pass over the text by the JSON
 * grammar (RFC 8259), at least as strict as jansson 2.14's json_loadb
 * with no flags, so that whatever it accepts jansson accepts with the
 * same members:
 *  - whitespace is space, tab, newline and carriage return only, and
 *    nothing but whitespace may follow the object;
 *  - strings hold no byte below 0x20 and only well-formed UTF-8 (no
 *    overlong form, no surrogate, nothing above U+10FFFF); the escapes
 *    are \" \\ \/ \b \f \n \r \t and \uXXXX, where a high surrogate must
 *    be followed by a \u low one, a lone low one is an error, and
 *    \u0000 is refused (jansson wants JSON_ALLOW_NUL for it);
 *  - numbers follow the grammar (no '+', no leading zero, digits on both
 *    sides of '.'); those jansson might refuse as out of range (more
 *    than 18 digits for an integer, an exponent or more than 15 digits
 *    for a real) are left to it;
 *  - objects and arrays nest at most JS_MAX_DEPTH deep (jansson: 2048).
 * jansson is more lenient in one place: a NUL byte right after a number
 * or a literal is skipped by its lexer. Here any NUL byte is an error.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "jsonscan.h"
#include "util.h"

#define JS_MAX_DEPTH	32	/* objects and arrays, one in another */
#define JS_INT_DIGITS	18	/* any such integer fits a long long */
#define JS_REAL_DIGITS	15	/* a real of more is left to jansson */

/* Bytes a string holds as they are: printable ASCII but '"' and '\\'. */
static const unsigned char js_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xb0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xd0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xf0 */
};

/* Where the scan stands in the text. */
struct js_cursor {
	const unsigned char	*p;	/* the next byte */
	const unsigned char	*end;	/* past the last byte */
};

static void	js_space(struct js_cursor *);
static bool	js_next_is(struct js_cursor *, unsigned char);
static int	js_object(struct js_cursor *, int, struct jsonscan_field *,
		    size_t);
static int	js_member(struct js_cursor *, int, struct jsonscan_field *,
		    size_t);
static int	js_array(struct js_cursor *, int);
static int	js_value(struct js_cursor *, int, enum jsonscan_type *,
		    bool *);
static int	js_string(struct js_cursor *, bool *);
static int	js_escape(struct js_cursor *);
static int	js_hex4(const struct js_cursor *, unsigned int *);
static int	js_number(struct js_cursor *, enum jsonscan_type *);
static int	js_word(struct js_cursor *, const char *);
static void	js_clear(struct jsonscan_field *, size_t);

int
jsonscan_object(const char *text, size_t len, struct jsonscan_field *f,
    size_t n)
{
	struct js_cursor	c;

	js_clear(f, n);
	if (text == NULL)
		return -1;
	c.p = (const unsigned char *)text;
	c.end = c.p + len;
	js_space(&c);
	if (c.p == c.end || *c.p != '{' || js_object(&c, 0, f, n) == -1)
		goto bad;
	js_space(&c);
	if (c.p != c.end)
		goto bad;
	return 0;
bad:
	js_clear(f, n);
	return -1;
}

long long
jsonscan_integer(const struct jsonscan_field *f)
{
	long long	v = 0;
	size_t		i;
	bool		neg;

	if (f->type != JS_INTEGER)
		return 0;
	neg = f->len > 0 && f->value[0] == '-';
	for (i = neg ? 1 : 0; i < f->len; i++)
		v = v * 10 + (f->value[i] - '0');
	return neg ? -v : v;
}

size_t
jsonscan_copy(const struct jsonscan_field *f, char *buf, size_t size)
{
	size_t	n = f->len < size ? f->len : size - 1;

	if (n > 0)
		memcpy(buf, f->value, n);
	buf[n] = '\0';
	return f->len;
}

/* Every field absent. */
static void
js_clear(struct jsonscan_field *f, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		f[i].type = JS_ABSENT;
		f[i].value = NULL;
		f[i].len = 0;
	}
}

/* Skip JSON's four whitespace bytes. */
static void
js_space(struct js_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' ||
	    *c->p == '\r' || *c->p == '\t'))
		c->p++;
}

/* Is the next byte after whitespace ch? If so, step over it. */
static bool
js_next_is(struct js_cursor *c, unsigned char ch)
{
	js_space(c);
	if (c->p == c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/*
 * The object at c->p ('{'), depth levels deep. Its members named in f
 * (n of them, the top level's only) are filled in. 0 or -1.
 */
static int
js_object(struct js_cursor *c, int depth, struct jsonscan_field *f,
    size_t n)
{
	if (++depth > JS_MAX_DEPTH)
		return -1;
	c->p++;
	if (js_next_is(c, '}'))
		return 0;
	do {
		if (js_member(c, depth, f, n) == -1)
			return -1;
	} while (js_next_is(c, ','));
	return js_next_is(c, '}') ? 0 : -1;
}

/* One "key": value of an object, kept in f if the key is wanted there. */
static int
js_member(struct js_cursor *c, int depth, struct jsonscan_field *f,
    size_t n)
{
	const unsigned char	*key, *value;
	enum jsonscan_type	 type;
	size_t			 i, keylen;
	bool			 esc;

	js_space(c);
	if (c->p == c->end || *c->p != '"')
		return -1;
	key = c->p + 1;
	if (js_string(c, &esc) == -1 || (esc && n > 0))
		return -1;	/* an escaped name might be a wanted one */
	keylen = (size_t)(c->p - 1 - key);
	if (!js_next_is(c, ':'))
		return -1;
	js_space(c);
	value = c->p;
	if (js_value(c, depth, &type, &esc) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		/* Most names differ in their first byte: compare it first. */
		if ((keylen > 0 && (unsigned char)f[i].key[0] != key[0]) ||
		    strncmp(f[i].key, (const char *)key, keylen) != 0 ||
		    f[i].key[keylen] != '\0')
			continue;
		if (esc)
			return -1;	/* a wanted string with an escape */
		f[i].type = type;
		f[i].value = (const char *)value;
		f[i].len = (size_t)(c->p - value);
		if (type == JS_STRING) {
			f[i].value++;
			f[i].len -= 2;
		}
	}
	return 0;
}

/* The array at c->p ('['), depth levels deep. 0 or -1. */
static int
js_array(struct js_cursor *c, int depth)
{
	enum jsonscan_type	type;
	bool			esc;

	if (++depth > JS_MAX_DEPTH)
		return -1;
	c->p++;
	if (js_next_is(c, ']'))
		return 0;
	do {
		js_space(c);
		if (js_value(c, depth, &type, &esc) == -1)
			return -1;
	} while (js_next_is(c, ','));
	return js_next_is(c, ']') ? 0 : -1;
}

/* Any value at c->p; its type, and whether a string had an escape. */
static int
js_value(struct js_cursor *c, int depth, enum jsonscan_type *type,
    bool *esc)
{
	*esc = false;
	if (c->p == c->end)
		return -1;
	switch (*c->p) {
	case '"':
		*type = JS_STRING;
		return js_string(c, esc);
	case '{':
		*type = JS_OBJECT;
		return js_object(c, depth, NULL, 0);
	case '[':
		*type = JS_ARRAY;
		return js_array(c, depth);
	case 't':
		*type = JS_TRUE;
		return js_word(c, "true");
	case 'f':
		*type = JS_FALSE;
		return js_word(c, "false");
	case 'n':
		*type = JS_NULL;
		return js_word(c, "null");
	default:
		return js_number(c, type);
	}
}

/*
 * The string at c->p ('"'); c->p ends past its closing quote. The bytes
 * between escapes are checked as UTF-8 in one piece each: '"', '\\' and
 * control bytes are ASCII, so no valid sequence spans them.
 */
static int
js_string(struct js_cursor *c, bool *esc)
{
	const unsigned char	*p = c->p + 1, *run = p;
	bool			 high = false;

	*esc = false;
	for (;;) {
		while (p < c->end && js_plain[*p])
			p++;
		if (p == c->end || *p < 0x20)
			return -1;
		if (*p >= 0x80) {
			high = true;
			p++;
			continue;
		}
		if (high && !utf8_valid_n((const char *)run,
		    (size_t)(p - run)))
			return -1;
		high = false;
		if (*p == '"')
			break;
		*esc = true;
		c->p = p;
		if (js_escape(c) == -1)
			return -1;
		p = run = c->p;
	}
	c->p = p + 1;
	return 0;
}

/* The escape at c->p ('\\'), as jansson decodes it; c->p ends past it. */
static int
js_escape(struct js_cursor *c)
{
	unsigned int	u, low;

	if (c->end - c->p < 2)
		return -1;
	if (memchr("\"\\/bfnrt", c->p[1], 8) != NULL) {
		c->p += 2;
		return 0;
	}
	if (c->p[1] != 'u' || js_hex4(c, &u) == -1)
		return -1;
	c->p += 6;
	if (u == 0 || (u >= 0xdc00 && u <= 0xdfff))
		return -1;	/* U+0000; a low surrogate alone */
	if (u < 0xd800 || u > 0xdbff)
		return 0;
	/* A high surrogate: a \u low one must follow. */
	if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u' ||
	    js_hex4(c, &low) == -1 || low < 0xdc00 || low > 0xdfff)
		return -1;
	c->p += 6;
	return 0;
}

/* The four hex digits of the \u at c->p, upper or lower case. */
static int
js_hex4(const struct js_cursor *c, unsigned int *u)
{
	const unsigned char	*p = c->p + 2;
	int			 i;

	if (c->end - c->p < 6)
		return -1;
	*u = 0;
	for (i = 0; i < 4; i++, p++) {
		*u <<= 4;
		if (*p >= '0' && *p <= '9')
			*u |= *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			*u |= *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			*u |= *p - 'A' + 10;
		else
			return -1;
	}
	return 0;
}

/*
 * The number at c->p: -?(0|[1-9][0-9]*)(\.[0-9]+)? here, as an exponent
 * could put a real out of jansson's range. What follows it is the
 * caller's to check (",", "}", "]" or whitespace), as jansson's parser
 * does after its lexer.
 */
static int
js_number(struct js_cursor *c, enum jsonscan_type *type)
{
	const unsigned char	*p = c->p, *start;
	size_t			 digits;

	if (p < c->end && *p == '-')
		p++;
	start = p;
	if (p < c->end && *p == '0')
		p++;
	else
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
	if (p == start)
		return -1;
	digits = (size_t)(p - start);
	*type = JS_INTEGER;
	if (p < c->end && *p == '.') {
		start = ++p;
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return -1;
		digits += (size_t)(p - start);
		*type = JS_REAL;
	}
	if (p < c->end && (*p == 'e' || *p == 'E'))
		return -1;
	if (digits > (*type == JS_INTEGER ? JS_INT_DIGITS : JS_REAL_DIGITS))
		return -1;
	c->p = p;
	return 0;
}

/* The literal word at c->p (true, false, null). */
static int
js_word(struct js_cursor *c, const char *word)
{
	size_t	len = strlen(word);

	if ((size_t)(c->end - c->p) < len || memcmp(c->p, word, len) != 0)
		return -1;
	c->p += len;
	return 0;
}
