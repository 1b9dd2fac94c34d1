/*
 * Fuzz POST /v1/contacts: the body as api_contacts_post reads it
 * ({"contacts": [...]}, at most CONTACTS_MAX), each entry through
 * parse_contact, which is static in gateway/api_contacts.c: the file is
 * compiled into this harness (its handlers then come from here, not
 * from libvarsel.a) so the validator is fuzzed as the daemon runs it,
 * without a store.
 *
 * Checked: an accepted contact is E.164, a 2-3 letter language, valid
 * group names, sms and/or voice, a position on the globe; every entry,
 * accepted or not, is freed by contact_clear (LeakSanitizer).
 */
#include "fuzz.h"
#include "gateway/api_contacts.c"

/* No logs on stderr. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

/* The promises of an accepted contact. */
static void
ctf_check(const struct contact *c)
{
	size_t	i, n;

	FUZZ_ASSERT(fuzz_terminated(c->phone, sizeof(c->phone)));
	FUZZ_ASSERT(fuzz_e164(c->phone));
	FUZZ_ASSERT(c->sms_cap == SMS_CAP_YES || c->sms_cap == SMS_CAP_NO);
	FUZZ_ASSERT(fuzz_terminated(c->lang, sizeof(c->lang)));
	n = strspn(c->lang, "abcdefghijklmnopqrstuvwxyz");
	FUZZ_ASSERT(n >= 2 && n <= 3 && c->lang[n] == '\0');
	FUZZ_ASSERT(c->name == NULL || valid_label(c->name, 128));
	FUZZ_ASSERT(c->area == NULL || valid_label(c->area, 64));
	FUZZ_ASSERT(c->channels != 0 &&
	    (c->channels & ~(unsigned int)(CH_SMS | CH_VOICE)) == 0);
	FUZZ_ASSERT(c->ngroups <= GROUPS_MAX);
	for (i = 0; i < c->ngroups; i++)
		FUZZ_ASSERT(valid_name(c->groups[i]));
	if (c->has_pos)
		FUZZ_ASSERT(c->lat >= -90 && c->lat <= 90 &&
		    c->lon >= -180 && c->lon <= 180);
}

/* Parse the input as a contacts body, entry by entry. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct api_error	 err;
	struct contact		 c;
	json_error_t		 je;
	json_t			*root, *arr, *e;
	size_t			 i;

	root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	    &je);
	if (root == NULL)
		return 0;
	arr = json_object_get(root, "contacts");
	if (!json_is_array(arr) || json_array_size(arr) > CONTACTS_MAX) {
		json_decref(root);
		return 0;
	}
	json_array_foreach(arr, i, e) {
		memset(&err, 0, sizeof(err));
		if (parse_contact(e, "SE", &c, &err) == 0)
			ctf_check(&c);
		else {
			FUZZ_ASSERT(err.status == 400 || err.status == 422);
			FUZZ_ASSERT(err.message[0] != '\0');
		}
		contact_clear(&c);
	}
	json_decref(root);
	return 0;
}
