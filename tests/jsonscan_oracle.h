/*
 * What jansson says of a member jsonscan_object found: the oracle that
 * tests/test_jsonscan.c and fuzz/fuzz_jsonscan.c both hold the scanner
 * to. Header-only (static inline), as the fuzz targets link nothing but
 * libvarsel.a.
 */
#ifndef VARSEL_JSONSCAN_ORACLE_H
#define VARSEL_JSONSCAN_ORACLE_H

#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "gateway/jsonscan.h"

/* The scanner's type of a jansson value. */
static inline enum jsonscan_type
oracle_type(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_STRING:
		return JS_STRING;
	case JSON_INTEGER:
		return JS_INTEGER;
	case JSON_REAL:
		return JS_REAL;
	case JSON_TRUE:
		return JS_TRUE;
	case JSON_FALSE:
		return JS_FALSE;
	case JSON_NULL:
		return JS_NULL;
	case JSON_OBJECT:
		return JS_OBJECT;
	case JSON_ARRAY:
		return JS_ARRAY;
	}
	return JS_ABSENT;
}

/*
 * Is jansson's member m (NULL: none) what the scanner found? A string
 * must have the same bytes, an integer the same value, anything else
 * must be equal to what jansson makes of the text the scanner points at.
 */
static inline bool
oracle_agrees(json_t *m, const struct jsonscan_field *f)
{
	json_error_t	 err;
	json_t		*v;
	bool		 same;

	if (m == NULL || f->type == JS_ABSENT)
		return m == NULL && f->type == JS_ABSENT;
	if (oracle_type(m) != f->type)
		return false;
	if (f->type == JS_STRING)
		return json_string_length(m) == f->len &&
		    memcmp(json_string_value(m), f->value, f->len) == 0;
	if (f->type == JS_INTEGER)
		return json_integer_value(m) == jsonscan_integer(f);
	v = json_loadb(f->value, f->len, JSON_DECODE_ANY, &err);
	same = v != NULL && json_equal(m, v);
	json_decref(v);
	return same;
}

#endif
