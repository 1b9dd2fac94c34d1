/*
 * /v1/contacts and /v1/groups: the people Varsel can reach. A batch of
 * contacts is taken entry by entry; each bad entry is reported with its
 * index and the rest are stored in one transaction, with an audit row
 * per contact added, changed or erased. A caller let in without
 * contacts:read (a console viewer) sees numbers masked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "api.h"
#include "batch.h"
#include "config.h"
#include "gateway.h"
#include "phone.h"
#include "store.h"
#include "types.h"

#define CONTACTS_MAX	10000	/* entries in one POST */
#define GROUPS_MAX	32	/* groups of one contact */

static const char *const contact_fields[] = {
	"phone", "name", "lang", "groups", "area", "lat", "lon", "channels",
	NULL
};

/* A group or area name: [A-Za-z0-9_-], 1..64. */
static bool
valid_name(const char *s)
{
	size_t	n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_'))
			return false;
	return n >= 1 && n <= 64;
}

/* Printable UTF-8 text of 1..max bytes. */
static bool
valid_label(const char *s, size_t max)
{
	size_t	n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Validate one entry into c; -1 with err (field relative to the entry). */
static int
parse_contact(const json_t *o, const char *region, struct contact *c,
    struct api_error *err)
{
	const char	*key, *s;
	json_t		*v, *lat, *lon;
	size_t		 i;
	char		 why[128];
	bool		 sms;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		return api_error_set(err, 400, "invalid_json", NULL,
		    "each contact must be an object");
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; contact_fields[i] != NULL; i++)
			if (strcmp(contact_fields[i], key) == 0)
				break;
		if (contact_fields[i] == NULL)
			return api_error_set(err, 422, "invalid_field", key,
			    "unknown field '%.64s'", key);
	}
	v = json_object_get(o, "phone");
	if (!json_is_string(v))
		return api_error_set(err, v ? 400 : 422, v ? "invalid_json" :
		    "invalid_phone", "phone", "phone is required as a string");
	if (phone_normalize_sms(json_string_value(v), region, c->phone,
	    sizeof(c->phone), &sms, why, sizeof(why)) == -1)
		return api_error_set(err, 422, "invalid_phone", "phone",
		    "%.64s: %s", json_string_value(v), why);
	c->sms_cap = sms ? SMS_CAP_YES : SMS_CAP_NO;

	if ((v = json_object_get(o, "name")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || !valid_label(json_string_value(v), 128))
			return api_error_set(err, 422, "invalid_field", "name",
			    "name must be 1 to 128 printable bytes");
		c->name = xstrdup(json_string_value(v));
	}
	strlcpy(c->lang, "sv", sizeof(c->lang));
	if ((v = json_object_get(o, "lang")) != NULL && !json_is_null(v)) {
		s = json_is_string(v) ? json_string_value(v) : "";
		for (i = 0; s[i] >= 'a' && s[i] <= 'z'; i++)
			;
		if (s[i] != '\0' || i < 2 || i > 3)
			return api_error_set(err, 422, "invalid_field", "lang",
			    "lang must be an ISO 639-1 code such as sv or en");
		strlcpy(c->lang, s, sizeof(c->lang));
	}
	if ((v = json_object_get(o, "area")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || !valid_label(json_string_value(v), 64))
			return api_error_set(err, 422, "invalid_field", "area",
			    "area must be a postnummer or area id");
		c->area = xstrdup(json_string_value(v));
	}
	lat = json_object_get(o, "lat");
	lon = json_object_get(o, "lon");
	if ((lat && !json_is_null(lat)) || (lon && !json_is_null(lon))) {
		if (!json_is_number(lat) || !json_is_number(lon))
			return api_error_set(err, 422, "invalid_field",
			    json_is_number(lat) ? "lon" : "lat",
			    "lat and lon must both be numbers");
		c->lat = json_number_value(lat);
		c->lon = json_number_value(lon);
		if (!isfinite(c->lat) || c->lat < -90 || c->lat > 90)
			return api_error_set(err, 422, "invalid_field", "lat",
			    "lat must be between -90 and 90");
		if (!isfinite(c->lon) || c->lon < -180 || c->lon > 180)
			return api_error_set(err, 422, "invalid_field", "lon",
			    "lon must be between -180 and 180");
		c->has_pos = true;
	}
	c->channels = CH_SMS;
	if ((v = json_object_get(o, "channels")) != NULL && !json_is_null(v)) {
		json_t	*e;
		int	 ch;

		if (!json_is_array(v) || json_array_size(v) == 0)
			return api_error_set(err, 422, "invalid_field",
			    "channels", "channels must list sms, voice or both");
		c->channels = 0;
		json_array_foreach(v, i, e) {
			if ((ch = channel_parse(json_string_value(e))) == -1)
				return api_error_set(err, 422, "invalid_field",
				    "channels", "channels must list sms, voice "
				    "or both");
			c->channels |= (unsigned int)ch;
		}
	}
	if ((v = json_object_get(o, "groups")) != NULL && !json_is_null(v)) {
		json_t	*e;

		if (!json_is_array(v) || json_array_size(v) > GROUPS_MAX)
			return api_error_set(err, 422, "invalid_field",
			    "groups", "groups must be an array of at most %d "
			    "names", GROUPS_MAX);
		c->groups = xcalloc(json_array_size(v) + 1, sizeof(char *));
		json_array_foreach(v, i, e) {
			if (!json_is_string(e) ||
			    !valid_name(json_string_value(e)))
				return api_error_set(err, 422, "invalid_field",
				    "groups", "a group name is 1 to 64 of "
				    "A-Z a-z 0-9 - _");
			c->groups[c->ngroups++] = xstrdup(json_string_value(e));
		}
	}
	return 0;
}

/*
 * POST /v1/contacts {"contacts": [...], "import": "FILE"}: "import"
 * (optional) names the file a batch comes from, for the consent record
 * of the numbers it adds (varselctl contacts import sends it).
 */
void
api_contacts_post(struct api_req *r)
{
	struct api_error	 err;
	struct store		*s = r->gw->store;
	struct consent_by	 by = { r->client ? "api" : "console",
				    api_actor(r), NULL };
	json_t			*root, *arr, *rejected, *e, *imp;
	size_t			 i;
	int			 upserted = 0, known;
	char			 lang[8];
	unsigned int		 channels;
	enum sms_cap		 cap;

	if ((root = api_body_json(r, &err)) == NULL) {
		api_reply_error(r, &err);
		return;
	}
	arr = json_object_get(root, "contacts");
	imp = json_object_get(root, "import");
	if (!json_is_object(root) || !json_is_array(arr) ||
	    (imp != NULL && !json_is_string(imp))) {
		json_decref(root);
		api_reply_errorf(r, 400, "invalid_json", "contacts",
		    "the body must be {\"contacts\": [...]}, with "
		    "\"import\": \"file name\" if it comes from one");
		return;
	}
	if (json_object_size(root) != 1 + (imp != NULL) ||
	    json_array_size(arr) > CONTACTS_MAX) {
		json_decref(root);
		api_reply_errorf(r, 422, "invalid_field", "contacts",
		    "the body holds only \"contacts\" (and \"import\"), at "
		    "most %d contacts", CONTACTS_MAX);
		return;
	}
	if (imp != NULL) {
		if (!valid_label(json_string_value(imp), 255)) {
			json_decref(root);
			api_reply_errorf(r, 422, "invalid_field", "import",
			    "import must be 1 to 255 printable bytes");
			return;
		}
		by.how = "import";
		by.detail = json_string_value(imp);
	}
	rejected = json_array();
	batch_flush(r->gw->batch);
	if (store_begin(s, true) == -1)
		goto unavailable;
	json_array_foreach(arr, i, e) {
		struct contact	c;

		if (parse_contact(e, r->gw->cfg->default_region, &c,
		    &err) == -1) {
			json_t	*rej = json_pack("{sI ss ss}", "index",
			    (json_int_t)i, "code", err.code, "message",
			    err.message);

			if (rej != NULL && err.field[0] != '\0')
				json_object_set_new(rej, "field",
				    json_string(err.field));
			json_array_append_new(rejected, rej);
			continue;
		}
		c.created_at = c.updated_at = gw_now(r->gw);
		if ((known = store_contact_recipient(s, c.phone, lang,
		    &channels, &cap)) == -1 ||
		    store_contact_upsert(s, &c, &by) == -1 ||
		    api_audit(r, known == 0 ? "contact.changed" :
		    "contact.added", 0, c.phone, NULL) == -1) {
			contact_clear(&c);
			store_rollback(s);
			goto unavailable;
		} else
			upserted++;
		contact_clear(&c);
	}
	if (store_commit(s) == -1)
		goto unavailable;
	json_decref(root);
	api_reply_json(r, 200, json_pack("{si so}", "upserted", upserted,
	    "rejected", rejected));
	return;
unavailable:
	json_decref(root);
	json_decref(rejected);
	api_reply_errorf(r, 503, "unavailable", NULL,
	    "the database did not take the contacts; nothing was stored");
}

/* A look-up by number did not find it (404, why) or did not answer. */
static void
not_found(struct api_req *r, int rc, const char *why)
{
	if (rc == STORE_NOTFOUND)
		api_reply_errorf(r, 404, "not_found", NULL, "%s", why);
	else
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
}

/* The number in the path, normalized; false after answering. */
static bool
path_phone(struct api_req *r, char *out, size_t len)
{
	char	*raw = path_decode(r->params[0]);
	char	 why[128];
	int	 rc;

	if (raw == NULL) {
		api_reply_errorf(r, 422, "invalid_phone", "phone",
		    "the number in the path is not well-formed");
		return false;
	}
	rc = phone_normalize(raw, r->gw->cfg->default_region, out, len, why,
	    sizeof(why));
	free(raw);
	if (rc == -1) {
		api_reply_errorf(r, 422, "invalid_phone", "phone", "%s", why);
		return false;
	}
	return true;
}

/* GET /v1/contacts/{phone} */
void
api_contact_get(struct api_req *r)
{
	struct contact	 c;
	char		 phone[PHONE_MAX], ts[32], masked[32];
	json_t		*o, *groups, *channels;
	size_t		 i;
	int		 rc;

	if (!path_phone(r, phone, sizeof(phone)))
		return;
	memset(&c, 0, sizeof(c));
	batch_flush(r->gw->batch);
	if ((rc = store_contact_get(r->gw->store, phone, &c)) != 0) {
		not_found(r, rc, "no contact with that number");
		return;
	}
	groups = json_array();
	for (i = 0; i < c.ngroups; i++)
		json_array_append_new(groups, json_string(c.groups[i]));
	channels = json_array();
	if (c.channels & CH_SMS)
		json_array_append_new(channels, json_string("sms"));
	if (c.channels & CH_VOICE)
		json_array_append_new(channels, json_string("voice"));
	o = json_pack("{ss ss so so}", "phone", api_phone(r, c.phone, masked,
	    sizeof(masked)), "lang", c.lang, "groups", groups, "channels",
	    channels);
	if (o != NULL) {
		json_object_set_new(o, "name", c.name ? json_string(c.name) :
		    json_null());
		json_object_set_new(o, "area", c.area ? json_string(c.area) :
		    json_null());
		json_object_set_new(o, "lat", c.has_pos ? json_real(c.lat) :
		    json_null());
		json_object_set_new(o, "lon", c.has_pos ? json_real(c.lon) :
		    json_null());
		time_to_text(c.created_at, ts, sizeof(ts));
		json_object_set_new(o, "created_at", json_string(ts));
		time_to_text(c.updated_at, ts, sizeof(ts));
		json_object_set_new(o, "updated_at", json_string(ts));
	}
	contact_clear(&c);
	api_reply_json(r, 200, o);
}

/* DELETE /v1/contacts/{phone} */
void
api_contact_delete(struct api_req *r)
{
	struct consent_by	 by = { r->client ? "api" : "console",
				    api_actor(r), NULL };
	struct store		*s = r->gw->store;
	char			 phone[PHONE_MAX];
	int			 rc = -1;

	if (!path_phone(r, phone, sizeof(phone)))
		return;
	batch_flush(r->gw->batch);
	if (store_begin(s, true) == 0) {
		if ((rc = store_contact_delete(s, phone, &by)) == 0 &&
		    api_audit(r, "contact.erased", 0, phone, NULL) == -1)
			rc = -1;
		if (rc == 0 && store_commit(s) == -1)
			rc = -1;
		else if (rc != 0)
			store_rollback(s);
	}
	if (rc == STORE_NOTFOUND)
		api_reply_errorf(r, 404, "not_found", NULL,
		    "no contact with that number");
	else if (rc == -1)
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not take the deletion");
	else
		api_reply_json(r, 200, json_pack("{ss sb}", "phone", phone,
		    "deleted", 1));
}

/* One row of GET /v1/groups. */
static void
group_cb(const char *name, int64_t members, void *arg)
{
	json_array_append_new(arg, json_pack("{ss sI}", "name", name,
	    "members", (json_int_t)members));
}

/* GET /v1/groups */
void
api_groups_list(struct api_req *r)
{
	json_t	*arr = json_array();

	batch_flush(r->gw->batch);
	if (store_groups_list(r->gw->store, group_cb, arr) == -1) {
		json_decref(arr);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return;
	}
	api_reply_json(r, 200, json_pack("{so}", "groups", arr));
}

/* One event of the consent record, into the array at arg. */
static int
consent_json(const struct consent_event *e, void *arg)
{
	json_t	*o;
	char	 at[32];

	time_to_text(e->at, at, sizeof(at));
	o = json_pack("{ss ss ss}", "at", at, "event", e->event, "how",
	    e->how);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "by", e->actor != NULL ?
	    json_string(e->actor) : json_null());
	if (e->detail != NULL)
		json_object_set_new(o, "detail", json_string(e->detail));
	json_array_append_new(arg, o);
	return 0;
}

/*
 * GET /v1/contacts/{phone}/history: the consent record, kept by the
 * number's hash, so it is there after the person was erased.
 */
void
api_contact_history(struct api_req *r)
{
	json_t	*events;
	char	 phone[PHONE_MAX];
	int	 rc;

	if (!path_phone(r, phone, sizeof(phone)))
		return;
	events = json_array();
	batch_flush(r->gw->batch);
	if ((rc = store_consent_list(r->gw->store, phone, consent_json,
	    events)) != 0) {
		json_decref(events);
		not_found(r, rc, "nothing is on record for that number");
		return;
	}
	api_reply_json(r, 200, json_pack("{ss so}", "phone", phone, "events",
	    events));
}
