/*
 * Fuzz jsonscan_object (every answer to a send) against jansson, the
 * parser it stands in for: whatever the scanner accepts, json_loadb with
 * no flags must read as an object whose asked-for members have the same
 * types, a string the same bytes, an integer the same value, anything
 * else a value equal to what jansson makes of the text the scanner
 * points at. What the scanner refuses leaves every field absent.
 *
 * Input: the first byte picks the names asked for (its value modulo 4:
 * none but "a", "b" and the empty name; 46elks's; Twilio's for a
 * resource; Twilio's for an error), the rest is the text, NUL bytes
 * and all.
 */
#include <jansson.h>

#include "fuzz.h"
#include "gateway/jsonscan.h"

#define JSF_NAMES	4

static const char *const jsf_names[4][JSF_NAMES] = {
	{ "a", "b", "", NULL },
	{ "id", "status", "state", NULL },
	{ "sid", "status", "error_code", "error_message" },
	{ "sid", "status", "code", "message" },
};

/* No logs on stderr. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

/* The scanner's type of a jansson value. */
static enum jsonscan_type
jsf_type(const json_t *j)
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

/* Is jansson's member m (NULL: none) what the scanner found? */
static bool
jsf_same(json_t *m, const struct jsonscan_field *f)
{
	json_error_t	 err;
	json_t		*v;
	bool		 same;

	if (m == NULL || f->type == JS_ABSENT)
		return m == NULL && f->type == JS_ABSENT;
	if (jsf_type(m) != f->type)
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

/* Scan the text, then hold the answer to jansson's. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonscan_field	 f[JSF_NAMES];
	const char *const	*names;
	const char		*text;
	json_error_t		 err;
	json_t			*root;
	size_t			 i, n, len;

	if (size == 0)
		return 0;
	names = jsf_names[data[0] % 4];
	for (n = 0; n < JSF_NAMES && names[n] != NULL; n++)
		f[n].key = names[n];
	text = (const char *)data + 1;
	len = size - 1;
	if (jsonscan_object(text, len, f, n) == -1) {
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(f[i].type == JS_ABSENT &&
			    f[i].value == NULL);
		return 0;
	}
	root = json_loadb(text, len, 0, &err);
	FUZZ_ASSERT(json_is_object(root));
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(jsf_same(json_object_get(root, f[i].key), &f[i]));
	json_decref(root);
	return 0;
}
