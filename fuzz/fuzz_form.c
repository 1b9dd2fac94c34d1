/*
 * Fuzz application/x-www-form-urlencoded and query strings (every
 * request's query, every provider callback's body): form_parse into a
 * kvlist, kvlist_get, and the way back through url_encode and
 * form_append, which must give the same pairs when parsed again.
 */
#include "fuzz.h"
#include "gateway/util.h"

/* No logs on stderr. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

/* Are two lists the same pairs in the same order? */
static bool
formf_equal(const struct kvlist *a, const struct kvlist *b)
{
	size_t	i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) != 0 ||
		    strcmp(a->v[i].value, b->v[i].value) != 0)
			return false;
	return true;
}

/* Parse, look up, encode again and parse that. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct kvlist	 l, back;
	const char	*v;
	char		*form = NULL, *enc;
	size_t		 flen = 0, i, k;

	memset(&l, 0, sizeof(l));
	memset(&back, 0, sizeof(back));
	/* Parsed from the bytes as given: no NUL is added after them. */
	FUZZ_ASSERT(form_parse((const char *)data, len, &l) == 0);
	FUZZ_ASSERT(l.n <= len);

	for (i = 0; i < l.n; i++) {
		FUZZ_ASSERT(l.v[i].name != NULL && l.v[i].value != NULL);
		/* kvlist_get gives the first pair of a name. */
		v = kvlist_get(&l, l.v[i].name);
		for (k = 0; strcmp(l.v[k].name, l.v[i].name) != 0; k++)
			;
		FUZZ_ASSERT(v == l.v[k].value);
		/* Encoded text is unreserved characters and %XX only. */
		enc = url_encode(l.v[i].value);
		FUZZ_ASSERT(enc != NULL);
		FUZZ_ASSERT(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_.~%") ==
		    strlen(enc));
		free(enc);
		FUZZ_ASSERT(form_append(&form, &flen, l.v[i].name,
		    l.v[i].value) == 0);
	}
	FUZZ_ASSERT(flen == (form != NULL ? strlen(form) : 0));
	FUZZ_ASSERT(form_parse(form != NULL ? form : "", flen, &back) == 0);
	FUZZ_ASSERT(formf_equal(&l, &back));
	kvlist_free(&back);
	kvlist_free(&l);
	FUZZ_ASSERT(l.v == NULL && l.n == 0);
	free(form);
	return 0;
}
