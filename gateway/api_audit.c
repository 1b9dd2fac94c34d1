/*
 * /v1/audit and /v1/inbox: the audit trail read newest first (by alert
 * or by number too), the inbox of residents' texts that were no keyword,
 * and a person's reply to one of them, sent back through the provider
 * and number the text came in on, recorded in the audit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "batch.h"
#include "config.h"
#include "dispatch.h"
#include "gateway.h"
#include "log.h"
#include "phone.h"
#include "sms.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define AUDIT_DEFAULT		50
#define AUDIT_MAX		500
#define INBOX_DEFAULT		50
#define INBOX_MAX		500
#define REPLY_MAX_BYTES		1600
#define REPLY_TTL_MS		(60 * 60 * 1000LL)
#define REPLY_KIND		"reply-console"

/* A page of a newest-first list: its rows and the last id seen. */
struct page {
	struct api_req	*r;
	json_t		*arr;
	int64_t		 last;
	int		 n;
	int		 limit;
};

static int	audit_cb(const struct audit_entry *, void *);
static int	inbox_cb(const struct inbox_row *, void *);
static int	inbound_cb(const struct inbox_row *, void *);
static json_t	*page_answer(struct page *, const char *);

/* {"<name>": rows, "next": id} with next while older rows remain. */
static json_t *
page_answer(struct page *p, const char *name)
{
	json_t	*o = json_pack("{so}", name, p->arr);

	if (o != NULL && p->n > p->limit)
		json_object_set_new(o, "next", json_integer(p->last));
	return o;
}

/* One audit row as JSON (the row past the limit only marks "next"). */
static int
audit_cb(const struct audit_entry *e, void *arg)
{
	struct page	*p = arg;
	json_t		*o, *detail = NULL;
	char		 at[32];

	if (p->n++ >= p->limit)
		return -1;
	p->last = e->id;
	time_to_text(e->at, at, sizeof(at));
	if (e->detail != NULL)
		detail = json_loads(e->detail, 0, NULL);
	o = json_pack("{sI ss ss ss ss ss}", "id", (json_int_t)e->id,
	    "at", at, "actor_kind", e->actor_kind, "actor", e->actor,
	    "via", e->via, "action", e->action);
	if (o == NULL) {
		json_decref(detail);
		return -1;
	}
	json_object_set_new(o, "addr", e->addr ? json_string(e->addr) :
	    json_null());
	json_object_set_new(o, "alert_id", e->alert_id > 0 ?
	    json_integer(e->alert_id) : json_null());
	json_object_set_new(o, "contact", e->contact ? json_string(e->contact) :
	    json_null());
	json_object_set_new(o, "detail", detail != NULL ? detail :
	    json_object());
	json_array_append_new(p->arr, o);
	return 0;
}

/* GET /v1/audit?limit=&after=&before=&alert_id=&contact= */
void
api_audit_list(struct api_req *r)
{
	struct audit_query	 q;
	struct page		 p;
	const char		*contact = kvlist_get(&r->query, "contact");
	char			 e164[PHONE_MAX], why[128], given[64];
	int64_t			 limit, alert_id;

	memset(&q, 0, sizeof(q));
	if (api_query_int(r, "limit", AUDIT_DEFAULT, 1, AUDIT_MAX,
	    &limit) == -1 ||
	    api_query_int(r, "after", 0, 0, INT64_MAX, &q.after) == -1 ||
	    api_query_int(r, "before", 0, 0, INT64_MAX, &q.before) == -1 ||
	    api_query_int(r, "alert_id", 0, 0, INT64_MAX, &alert_id) == -1)
		return;
	q.alert_id = alert_id;
	if (contact != NULL) {
		/* An unencoded "+" arrives as a space. */
		strlcpy(given, contact, sizeof(given));
		if (given[0] == ' ')
			given[0] = '+';
		if (phone_normalize(given, r->gw->cfg->default_region, e164,
		    sizeof(e164), why, sizeof(why)) == -1) {
			api_reply_errorf(r, 422, "invalid_phone", "contact",
			    "%s", why);
			return;
		}
		q.contact = e164;
	}
	q.limit = (int)limit + 1;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.arr = json_array();
	p.limit = (int)limit;
	batch_flush(r->gw->batch);
	if (store_audit_list(r->gw->store, &q, audit_cb, &p) == -1 &&
	    p.n <= p.limit) {
		json_decref(p.arr);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return;
	}
	api_reply_json(r, 200, page_answer(&p, "audit"));
}

/* One inbox row as JSON (the row past the limit only marks "next"). */
static int
inbox_cb(const struct inbox_row *row, void *arg)
{
	struct page	*p = arg;
	json_t		*o;
	char		 at[32], masked[32];

	if (p->n++ >= p->limit)
		return -1;
	p->last = row->id;
	time_to_text(row->received_at, at, sizeof(at));
	o = json_pack("{sI ss ss ss sI}", "id", (json_int_t)row->id,
	    "from", api_phone(p->r, row->from, masked, sizeof(masked)),
	    "text", row->text, "received_at", at,
	    "replies", (json_int_t)row->replies);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "name", row->name ? json_string(row->name) :
	    json_null());
	json_array_append_new(p->arr, o);
	return 0;
}

/* GET /v1/inbox?after=&before=&limit= */
void
api_inbox_list(struct api_req *r)
{
	struct page	p;
	int64_t		limit, after, before;

	if (api_query_int(r, "limit", INBOX_DEFAULT, 1, INBOX_MAX,
	    &limit) == -1 ||
	    api_query_int(r, "after", 0, 0, INT64_MAX, &after) == -1 ||
	    api_query_int(r, "before", 0, 0, INT64_MAX, &before) == -1)
		return;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.arr = json_array();
	p.limit = (int)limit;
	batch_flush(r->gw->batch);
	if (store_inbox_list(r->gw->store, after, before, (int)limit + 1,
	    inbox_cb, &p) == -1 && p.n <= p.limit) {
		json_decref(p.arr);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return;
	}
	api_reply_json(r, 200, page_answer(&p, "inbox"));
}

/* The inbound SMS a reply answers. */
struct inbound_copy {
	bool	found;
	char	provider[64];
	char	from[32];
	char	to[32];
};

static int
inbound_cb(const struct inbox_row *row, void *arg)
{
	struct inbound_copy	*c = arg;

	c->found = true;
	strlcpy(c->provider, row->provider, sizeof(c->provider));
	strlcpy(c->from, row->from, sizeof(c->from));
	strlcpy(c->to, row->to != NULL ? row->to : "", sizeof(c->to));
	return 0;
}

/* POST /v1/inbox/{id}/reply {"message": "..."} */
void
api_inbox_reply(struct api_req *r)
{
	struct api_error	 err;
	struct inbound_copy	 in;
	struct sms_info		 info;
	struct delivery		 d;
	struct store		*s = r->gw->store;
	json_t			*root;
	const char		*msg;
	char			*text = NULL, why[160];
	int64_t			 id = api_parse_id(r->params[0]), now;
	bool			 changed = false;
	int			 rc;

	if ((root = api_body_json(r, &err)) == NULL) {
		api_reply_error(r, &err);
		return;
	}
	msg = json_string_value(json_object_get(root, "message"));
	if (!json_is_object(root) || msg == NULL) {
		json_decref(root);
		api_reply_errorf(r, 400, "invalid_json", "message",
		    "the body must be {\"message\": \"...\"}");
		return;
	}
	if (strlen(msg) > REPLY_MAX_BYTES) {
		json_decref(root);
		api_reply_errorf(r, 422, "message_too_long", "message",
		    "at most %d bytes", REPLY_MAX_BYTES);
		return;
	}
	if (*msg == '\0' || (text = sms_transliterate(msg, &changed)) ==
	    NULL || sms_measure(text, strlen(text), &info, why,
	    sizeof(why)) == -1) {
		json_decref(root);
		free(text);
		api_reply_errorf(r, 422, "invalid_field", "message",
		    "the message is empty or not valid UTF-8");
		return;
	}
	json_decref(root);
	if ((int)info.segments > r->gw->cfg->max_segments) {
		free(text);
		api_reply_errorf(r, 422, "message_too_long", "message",
		    "the reply takes %zu SMS segments; at most %d are allowed",
		    info.segments, r->gw->cfg->max_segments);
		return;
	}
	memset(&in, 0, sizeof(in));
	batch_flush(r->gw->batch);
	if (id == 0 || (rc = store_inbound_get(s, id, inbound_cb, &in)) ==
	    STORE_NOTFOUND) {
		free(text);
		api_reply_errorf(r, 404, "not_found", NULL, "no inbound SMS "
		    "%.32s", r->params[0]);
		return;
	}
	if (rc == -1) {
		free(text);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return;
	}
	if (!is_e164(in.from)) {
		free(text);
		api_reply_errorf(r, 422, "invalid_phone", NULL, "the sender "
		    "cannot be answered (erased, or not a number)");
		return;
	}
	if (store_optout_has(s, in.from)) {
		free(text);
		api_reply_errorf(r, 422, "invalid_field", NULL, "the sender "
		    "has opted out (STOPP): no reply is sent");
		return;
	}
	now = gw_now(r->gw);
	memset(&d, 0, sizeof(d));
	strlcpy(d.phone, in.from, sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = text;
	d.state = DS_QUEUED;
	d.priority = SEV_SEVERE;
	d.segments = (int)info.segments;
	d.next_at = d.created_at = d.updated_at = now;
	d.expires_at = now + REPLY_TTL_MS;
	strlcpy(d.kind, REPLY_KIND, sizeof(d.kind));
	strlcpy(d.pin, in.provider, sizeof(d.pin));
	if (is_e164(in.to))
		strlcpy(d.sender, in.to, sizeof(d.sender));
	d.inbound_id = id;
	if (store_begin(s, true) == -1)
		goto unavailable;
	if (store_delivery_insert(s, &d) == -1 ||
	    api_audit(r, "inbox.replied", 0, in.from, json_pack(
	    "{sI sI si}", "inbound_id", (json_int_t)id, "delivery_id",
	    (json_int_t)d.id, "segments", (int)info.segments)) == -1) {
		store_rollback(s);
		goto unavailable;
	}
	if (store_commit(s) == -1)
		goto unavailable;
	free(text);
	log_info("evt=inbox_reply inbound=%lld delivery=%lld by=%s",
	    (long long)id, (long long)d.id, api_actor(r));
	dispatch_kick(r->gw->dispatch);
	api_reply_json(r, 202, json_pack("{sI sI ss si ss}", "id",
	    (json_int_t)d.id, "inbound_id", (json_int_t)id, "state", "queued",
	    "segments", (int)info.segments, "encoding",
	    sms_encoding_name(info.encoding)));
	return;
unavailable:
	free(text);
	api_reply_errorf(r, 503, "unavailable", NULL,
	    "the database did not take the reply");
}
