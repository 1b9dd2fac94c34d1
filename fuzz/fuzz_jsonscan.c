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
#include "tests/jsonscan_oracle.h"

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
		FUZZ_ASSERT(oracle_agrees(json_object_get(root, f[i].key),
		    &f[i]));
	json_decref(root);
	return 0;
}
