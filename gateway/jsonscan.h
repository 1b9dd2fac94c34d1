/*
 * A scanner that reads a few top-level members of one JSON object in
 * place, without building a tree or allocating: the fast path for a
 * provider's answer to a send, where jansson's json_loadb costs more
 * than the rest of reading the answer. It answers only when it can
 * answer exactly as json_loadb(text, len, 0, ...) of jansson 2.14 would;
 * otherwise it says so and the caller parses with jansson.
 */
#ifndef VARSEL_JSONSCAN_H
#define VARSEL_JSONSCAN_H

#include <stddef.h>

enum jsonscan_type {
	JS_ABSENT,
	JS_STRING,
	JS_INTEGER,
	JS_REAL,
	JS_TRUE,
	JS_FALSE,
	JS_NULL,
	JS_OBJECT,
	JS_ARRAY
};

/* A member asked for, and what the scan found. */
struct jsonscan_field {
	const char		*key;	/* in: the member's name */
	enum jsonscan_type	 type;	/* out: JS_ABSENT if not there */
	const char		*value;	/* out: into the text; a string's
					   bytes between its quotes (it has
					   no escape), else the value's text */
	size_t			 len;	/* out: bytes at value */
};

/*
 * Scan len bytes of text (not NUL-terminated; NUL bytes make it invalid)
 * that must be one JSON object, and fill the n fields with its top-level
 * members of those names (of a name given twice, the last, as jansson).
 * Returns 0 when json_loadb with no flags would return an object whose
 * members of those names have the types found and, for strings, the
 * same bytes. Returns -1, every field JS_ABSENT, for anything else,
 * including what is valid but not answered here: a wanted string with an
 * escape in it, a top-level key with an escape, a number jansson might
 * refuse as too big (an integer of more than 18 digits, a real with an
 * exponent or more than 15 digits), nesting deeper than 32.
 */
int		 jsonscan_object(const char *text, size_t len,
		    struct jsonscan_field *fields, size_t n);
/* The value of a JS_INTEGER field (18 digits at most: no overflow). */
long long	 jsonscan_integer(const struct jsonscan_field *);
/*
 * A field's bytes as a string in buf (size > 0), cut to fit as strlcpy
 * would; "" for an absent field. Returns the field's length.
 */
size_t		 jsonscan_copy(const struct jsonscan_field *, char *buf,
		    size_t size);

#endif
