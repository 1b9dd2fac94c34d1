/*
 * /v1/alerts: post an alert, read it with its counts, page through its
 * deliveries, cancel what has not been sent, approve what waits for a
 * second person, the CSV report of every delivery. Writes are recorded
 * in the audit trail in the same transaction as the change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "alert.h"
#include "api.h"
#include "batch.h"
#include "cap.h"
#include "config.h"
#include "dispatch.h"
#include "fanout.h"
#include "netcheck.h"
#include "gateway.h"
#include "log.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define LIST_MAX	1000

/* One step of a call-out chain, into the array at arg. */
static int
step_json(const struct alert_step *p, void *arg)
{
	json_t	*o, *aud;
	char	 at[32];

	o = json_pack("{si si si}", "step", p->step, "recipients",
	    p->recipients, "people", p->people);
	if (o == NULL)
		return -1;
	if (p->started_at != 0) {
		time_to_text(p->started_at, at, sizeof(at));
		json_object_set_new(o, "started_at", json_string(at));
	}
	if (p->audience != NULL &&
	    (aud = json_loads(p->audience, 0, NULL)) != NULL)
		json_object_set_new(o, "audience", aud);
	json_array_append_new(arg, o);
	return 0;
}

/*
 * The alert's state: "cancelled" before its release, "scheduled" or
 * "held" behind its gate, "dispatching" while anything is queued or
 * being sent or a chain step may still ask more, then "done".
 */
static const char *
alert_state(const struct alert_row *a, const struct alert_counts *c)
{
	if (a->cancelled_at != 0)
		return "cancelled";
	if (a->gate != GATE_OPEN)
		return alert_gate_name((enum alert_gate)a->gate);
	return c->state[DS_QUEUED] + c->state[DS_SENDING] +
	    c->state[DS_HELD] > 0 || a->chain_next_at != 0 ? "dispatching" :
	    "done";
}

/* Set key to the time ms as RFC 3339, if ms is not 0. */
static void
set_time(json_t *o, const char *key, int64_t ms)
{
	char	at[32];

	if (ms == 0)
		return;
	time_to_text(ms, at, sizeof(at));
	json_object_set_new(o, key, json_string(at));
}

/* The alert as GET /v1/alerts/{id} shows it. */
json_t *
api_alert_json(struct store *s, const struct alert_row *a)
{
	struct alert_counts	 c;
	json_t			*counts, *o, *steps;
	char			 created[32];
	int			 i;

	if (store_alert_counts(s, a->id, &c) == -1)
		return NULL;
	counts = json_object();
	for (i = 0; i < DS_NSTATES; i++)
		json_object_set_new(counts, dstate_name((enum dstate)i),
		    json_integer(c.state[i]));
	time_to_text(a->created_at, created, sizeof(created));
	o = json_pack("{sI ss ss ss ss ss si si sI si so s{sI sI} sI}",
	    "id", (json_int_t)a->id,
	    "source_ref", a->source_ref ? a->source_ref : "",
	    "type", a->type ? a->type : "",
	    "severity", severity_name((enum severity)a->severity),
	    "created_at", created,
	    "state", alert_state(a, &c),
	    "recipients", a->recipients,
	    "people", a->people,
	    "reached", (json_int_t)c.reached,
	    "suppressed", a->suppressed,
	    "counts", counts,
	    "acks", "yes", (json_int_t)c.acks_yes, "no", (json_int_t)c.acks_no,
	    "in_doubt", (json_int_t)c.in_doubt);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "author", json_pack("{ss ss}", "name",
	    a->client ? a->client : "", "kind", a->by_user ? "user" :
	    "client"));
	json_object_set_new(o, "ack", json_boolean(a->ack));
	/* Those the escalation of unanswered SMS cannot call. */
	if (a->escalate_after_s > 0)
		json_object_set_new(o, "uncallable",
		    json_integer(a->uncallable));
	if (a->text != NULL)
		json_object_set_new(o, "text", json_string(a->text));
	set_time(o, "expires_at", a->expires_at);
	if (a->gate != GATE_OPEN)
		set_time(o, a->gate == GATE_SCHEDULED ? "send_at" :
		    "held_until", a->release_at);
	else if (a->released_at != a->created_at)
		set_time(o, "released_at", a->released_at);
	set_time(o, "cancelled_at", a->cancelled_at);
	if (a->need > 0) {
		json_object_set_new(o, "need", json_integer(a->need));
		json_object_set_new(o, "filled_at", json_null());
		set_time(o, "filled_at", a->filled_at);
	}
	if (a->chain != NULL || a->step > 0) {
		steps = json_array();
		if (store_alert_steps(s, a->id, step_json, steps) == -1) {
			json_decref(steps);
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "steps", steps);
		set_time(o, "next_step_at", a->chain_next_at);
	}
	if (a->error != NULL)
		json_object_set_new(o, "error", json_string(a->error));
	return o;
}

/* Store a validated request and answer 202 (200 for a duplicate). */
static void
accept_alert(struct api_req *r, struct alert_req *req)
{
	struct api_error	 err;
	struct audit_entry	 audit;
	struct fanout_who	 who;
	char			*answer = NULL;
	int			 rc;

	api_audit_entry(r, "alert.posted", 0, NULL, NULL, &audit);
	who.name = api_actor(r);
	who.user = r->client == NULL;
	who.audit = &audit;
	/* Four eyes for the console's big alerts, not for machines. */
	who.approval_over = who.user ? r->gw->cfg->approval_over : -1;
	who.extreme_goes = who.user && (r->scopes & SCOPE_ALERTS_APPROVE);
	rc = fanout_alert_by(r->gw, req, &who, &answer, &err);
	alert_req_clear(req);
	if (rc == -1)
		api_reply_error(r, &err);
	else
		api_reply_raw(r, rc == FANOUT_NEW ? 202 : 200,
		    "application/json", answer, strlen(answer));
	free(answer);
}

/*
 * Cancel what of alert id is not sent yet, and record who did it, in
 * one transaction; *n is how many deliveries. 0 or -1.
 */
static int
cancel(struct api_req *r, int64_t id, int *n)
{
	struct store	*s = r->gw->store;

	*n = 0;
	if (store_begin(s, true) == -1)
		return -1;
	if (store_alert_cancel(s, id, gw_now(r->gw), n) == -1 ||
	    api_audit(r, "alert.cancelled", id, NULL, json_pack("{si}",
	    "cancelled", *n)) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

/* Cancel the alerts a CAP Cancel references ("sender,identifier,sent" ...). */
static void
cap_cancel(struct api_req *r, const struct cap_alert *cap)
{
	struct alert_row	 a;
	json_t			*ids = json_array();
	char			*refs, *tok, *save = NULL;
	int			 total = 0, n, rc;
	bool			 dberr = false;

	refs = xstrdup(cap->references ? cap->references : "");
	batch_flush(r->gw->batch);
	for (tok = strtok_r(refs, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		char	*ident = strchr(tok, ','), *end;

		if (ident == NULL)
			continue;
		ident++;
		if ((end = strchr(ident, ',')) != NULL)
			*end = '\0';
		memset(&a, 0, sizeof(a));
		if ((rc = store_alert_find_ref(r->gw->store, api_actor(r),
		    ident, &a)) != 0) {
			dberr |= rc == -1;
			continue;
		}
		n = 0;
		if (cancel(r, a.id, &n) == 0) {
			total += n;
			json_array_append_new(ids, json_integer(a.id));
		} else
			dberr = true;
		alert_row_clear(&a);
	}
	free(refs);
	/* Not "not found" when the database did not answer: try again. */
	if (dberr) {
		json_decref(ids);
		api_reply_errorf(r, 503, "unavailable", NULL, "the database "
		    "did not take the cancel; post it again");
		return;
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		api_reply_errorf(r, 404, "not_found", "references",
		    "no alert of this client matches the references");
		return;
	}
	api_reply_json(r, 200, json_pack("{so si}", "alerts", ids,
	    "cancelled", total));
}

/* A CAP message as an alert request; -1 with err. */
static int
cap_request(struct api_req *r, const struct cap_alert *cap,
    struct alert_req *req, struct api_error *err)
{
	size_t	i, j;
	int64_t	now = gw_now(r->gw);

	memset(req, 0, sizeof(*req));
	if (cap->status == CAP_DRAFT || cap->status == CAP_SYSTEM)
		return api_error_set(err, 422, "invalid_field", "alert/status",
		    "Draft and System messages are not acted on");
	if (cap->ninfo == 0)
		return api_error_set(err, 422, "invalid_field", "alert/info",
		    "a CAP alert needs at least one info block");
	req->source_ref = xstrdup(cap->identifier);
	req->type = xstrdup(cap->info[0].event ? cap->info[0].event : "cap");
	req->severity = SEV_UNKNOWN;
	strlcpy(req->lang, cap->info[0].lang, sizeof(req->lang));
	req->channels = CH_SMS;
	strlcpy(req->status, cap->status == CAP_TEST ? "test" :
	    cap->status == CAP_EXERCISE ? "exercise" : "actual",
	    sizeof(req->status));
	req->texts = xcalloc(cap->ninfo, sizeof(*req->texts));
	for (i = 0; i < cap->ninfo; i++) {
		const struct cap_info	*in = &cap->info[i];

		if (in->severity < req->severity)
			req->severity = in->severity;
		for (j = 0; j < req->ntexts; j++)
			if (strcmp(req->texts[j].lang, in->lang) == 0)
				break;
		if (j < req->ntexts || in->text == NULL)
			continue;	/* the first info of a language wins */
		strlcpy(req->texts[j].lang, in->lang,
		    sizeof(req->texts[j].lang));
		req->texts[j].text = xstrdup(in->text);
		req->ntexts++;
	}
	for (i = 0; i < cap->nshapes && i < ALERT_MAX_SHAPES; i++) {
		const struct cap_shape	*cs = &cap->shapes[i];
		struct alert_shape	*sh = &req->shapes[req->nshapes++];

		/* The limits of a JSON alert hold for CAP too. */
		if (cs->is_circle && cs->radius_m > ALERT_MAX_RADIUS_M)
			return api_error_set(err, 422, "invalid_field",
			    "area/circle", "a circle of %.0f km reaches too "
			    "far: at most %d km", cs->radius_m / 1000,
			    ALERT_MAX_RADIUS_M / 1000);
		sh->is_circle = cs->is_circle != 0;
		sh->centre = cs->centre;
		sh->radius_m = cs->radius_m;
		if (cs->nvertices > 0) {
			sh->vertices = xcalloc(cs->nvertices,
			    sizeof(*sh->vertices));
			memcpy(sh->vertices, cs->vertices,
			    cs->nvertices * sizeof(*sh->vertices));
			sh->nvertices = cs->nvertices;
		}
	}
	req->areas = xcalloc(cap->npostnummer + 1, sizeof(char *));
	for (i = 0; i < cap->npostnummer; i++)	/* five digits, by cap.c */
		req->areas[req->nareas++] = xstrdup(cap->postnummer[i]);
	if (req->nshapes + req->nareas == 0)
		return api_error_set(err, 422, "empty_audience", "info/area",
		    "the CAP alert has no circle, polygon or postnummer "
		    "geocode to reach");
	if (cap->expires_at_ms != 0) {
		if (cap->expires_at_ms <= now)
			return api_error_set(err, 422, "invalid_field",
			    "info/expires", "the alert has already expired");
		req->expires_in_s = (cap->expires_at_ms - now + 999) / 1000;
		/* A far expires (CAP senders write 2099) ends after a week. */
		if (req->expires_in_s > ALERT_MAX_EXPIRES_S)
			req->expires_in_s = ALERT_MAX_EXPIRES_S;
	}
	sha256_hex(r->body, r->body_len, req->body_hash);
	return 0;
}

/* POST /v1/alerts as application/cap+xml. */
static void
cap_post(struct api_req *r)
{
	struct cap_alert	 cap;
	struct alert_req	 req;
	struct api_error	 err;
	int			 rc;

	memset(&cap, 0, sizeof(cap));
	if (cap_parse(r->body, r->body_len, &cap, &err) == -1) {
		api_reply_error(r, &err);
		return;
	}
	if (cap.msgtype == CAP_CANCEL) {
		cap_cancel(r, &cap);
		cap_alert_clear(&cap);
		return;
	}
	if (cap.msgtype == CAP_ACK || cap.msgtype == CAP_ERROR) {
		cap_alert_clear(&cap);
		api_reply_errorf(r, 422, "invalid_field", "alert/msgType",
		    "only Alert, Update and Cancel messages are acted on");
		return;
	}
	rc = cap_request(r, &cap, &req, &err);
	cap_alert_clear(&cap);
	if (rc == -1) {
		alert_req_clear(&req);
		api_reply_error(r, &err);
		return;
	}
	accept_alert(r, &req);
}

/* POST /v1/alerts */
void
api_alerts_post(struct api_req *r)
{
	struct api_error	 err;
	struct alert_req	 req;
	const char		*ct = api_header(r, "Content-Type");
	json_t			*root;
	int			 rc;
	char			 why[256];

	if (ct != NULL && strncasecmp(ct, "application/cap+xml", 19) == 0) {
		cap_post(r);
		return;
	}
	if ((root = api_body_json(r, &err)) == NULL) {
		api_reply_error(r, &err);
		return;
	}
	rc = alert_parse(root, r->gw->cfg->default_region, &req, &err);
	json_decref(root);
	if (rc == -1) {
		api_reply_error(r, &err);
		return;
	}
	if (req.callback_url != NULL && r->client == NULL) {
		alert_req_clear(&req);
		api_reply_errorf(r, 422, "invalid_field", "callback_url",
		    "callbacks are for API clients; a console user has none");
		return;
	}
	if (req.callback_url != NULL && netcheck_callback_url(
	    r->client->callback_hosts, req.callback_url, why,
	    sizeof(why)) == -1) {
		alert_req_clear(&req);
		api_reply_errorf(r, 422, "invalid_field", "callback_url", "%s",
		    why);
		return;
	}
	accept_alert(r, &req);
}

struct list_ctx {
	struct store	*store;
	json_t		*arr;
	int		 failed;
};

/* One alert of GET /v1/alerts. */
static int
list_cb(const struct alert_row *a, void *arg)
{
	struct list_ctx	*l = arg;
	json_t		*o = api_alert_json(l->store, a);

	if (o == NULL) {
		l->failed = 1;
		return -1;
	}
	json_array_append_new(l->arr, o);
	return 0;
}

/* GET /v1/alerts?limit=50 */
void
api_alerts_list(struct api_req *r)
{
	struct list_ctx	l = { r->gw->store, json_array(), 0 };
	int64_t		limit;

	if (api_query_int(r, "limit", 50, 1, 500, &limit) == -1) {
		json_decref(l.arr);
		return;
	}
	batch_flush(r->gw->batch);
	if (store_alerts_list(r->gw->store, (int)limit, list_cb, &l) == -1 ||
	    l.failed) {
		json_decref(l.arr);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return;
	}
	api_reply_json(r, 200, json_pack("{so}", "alerts", l.arr));
}

/* Load the alert named in the path; false after answering 404/503. */
static bool
load_alert(struct api_req *r, struct alert_row *a)
{
	int64_t	id = api_parse_id(r->params[0]);
	int	rc;

	memset(a, 0, sizeof(*a));
	batch_flush(r->gw->batch);
	if (id == 0 || (rc = store_alert_get(r->gw->store, id, a)) ==
	    STORE_NOTFOUND) {
		api_reply_errorf(r, 404, "not_found", NULL, "no alert %.32s",
		    r->params[0]);
		return false;
	}
	if (rc == -1) {
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return false;
	}
	return true;
}

/* GET /v1/alerts/{id} */
void
api_alert_get(struct api_req *r)
{
	struct alert_row	 a;
	json_t			*o;

	if (!load_alert(r, &a))
		return;
	if ((o = api_alert_json(r->gw->store, &a)) == NULL)
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
	else
		api_reply_json(r, 200, o);
	alert_row_clear(&a);
}

struct page_ctx {
	struct api_req	*r;
	json_t		*arr;
	int64_t		 last;
	int		 n;
	int		 limit;
};

/* One delivery of the page (the row past the limit only marks "next"). */
static int
page_cb(const struct delivery *d, void *arg)
{
	struct page_ctx	*p = arg;
	json_t		*o;
	char		 updated[32], masked[32];

	if (p->n++ >= p->limit)
		return -1;
	p->last = d->id;
	time_to_text(d->updated_at, updated, sizeof(updated));
	o = json_pack("{sI ss ss ss ss si ss}",
	    "id", (json_int_t)d->id,
	    "phone", (p->r->scopes & SCOPE_CONTACTS_READ) ? d->phone :
	    (mask_phone(d->phone, masked, sizeof(masked)), masked),
	    "channel", channel_name((enum channel)d->channel),
	    "lang", d->lang,
	    "state", dstate_name((enum dstate)d->state),
	    "attempts", d->attempts,
	    "updated_at", updated);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "provider", d->provider[0] ?
	    json_string(d->provider) : json_null());
	json_object_set_new(o, "provider_ref", d->provider_ref[0] ?
	    json_string(d->provider_ref) : json_null());
	json_object_set_new(o, "error", d->error ? json_string(d->error) :
	    json_null());
	json_object_set_new(o, "ack", d->ack > 0 ? json_string("yes") :
	    d->ack < 0 ? json_string("no") : json_null());
	if (d->reason != NULL)
		json_object_set_new(o, "reason", json_string(d->reason));
	if (d->in_doubt)
		json_object_set_new(o, "in_doubt", json_true());
	if (d->step > 0)
		json_object_set_new(o, "step", json_integer(d->step));
	json_array_append_new(p->arr, o);
	return 0;
}

/* GET /v1/alerts/{id}/deliveries?state=&limit=&after= */
void
api_alert_deliveries(struct api_req *r)
{
	struct alert_row	 a;
	struct page_ctx		 p;
	const char		*st = kvlist_get(&r->query, "state");
	int64_t			 limit, after, resume;
	int			 state = -1;
	json_t			*o;

	if (api_query_int(r, "limit", 100, 1, LIST_MAX, &limit) == -1 ||
	    api_query_int(r, "after", 0, 0, INT64_MAX, &after) == -1)
		return;
	if (st != NULL && (state = dstate_parse(st)) == -1) {
		api_reply_errorf(r, 422, "invalid_field", "state",
		    "unknown state '%.32s'", st);
		return;
	}
	if (!load_alert(r, &a))
		return;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.arr = json_array();
	p.limit = (int)limit;
	if (store_deliveries_list(r->gw->store, a.id, state, after,
	    (int)limit + 1, &resume, page_cb, &p) == -1 && p.n <= p.limit) {
		json_decref(p.arr);
		alert_row_clear(&a);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return;
	}
	o = json_pack("{sI so}", "alert_id", (json_int_t)a.id,
	    "deliveries", p.arr);
	if (o != NULL && p.n > p.limit)
		json_object_set_new(o, "next", json_integer(p.last));
	else if (o != NULL && resume != 0)
		/* A short page of a state read row by row: more to read. */
		json_object_set_new(o, "next", json_integer(resume));
	alert_row_clear(&a);
	api_reply_json(r, 200, o);
}

/*
 * POST /v1/alerts/{id}/approve: release an alert awaiting approval. A
 * console user may not approve what they wrote; an API client with
 * alerts:approve may approve any.
 */
void
api_alert_approve(struct api_req *r)
{
	struct store		*s = r->gw->store;
	struct alert_row	 a;
	int			 n = 0, rc;

	if (!load_alert(r, &a))
		return;
	if (a.gate != GATE_APPROVAL) {
		api_reply_errorf(r, 409, "conflict", NULL, "alert %lld is not "
		    "awaiting approval", (long long)a.id);
		alert_row_clear(&a);
		return;
	}
	if (r->client == NULL && a.by_user && a.client != NULL &&
	    strcmp(a.client, r->user) == 0) {
		api_reply_errorf(r, 403, "forbidden", NULL, "you wrote alert "
		    "%lld: another person must approve it", (long long)a.id);
		alert_row_clear(&a);
		return;
	}
	if (store_begin(s, true) == -1) {
		alert_row_clear(&a);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database is not writable");
		return;
	}
	if ((rc = store_alert_release(s, a.id, gw_now(r->gw), &n)) != 0 ||
	    api_audit(r, "alert.approved", a.id, NULL, json_pack("{si ss}",
	    "released", n, "writer", a.client ? a.client : "")) == -1 ||
	    store_commit(s) == -1) {
		store_rollback(s);
		if (rc == STORE_NOTFOUND)
			api_reply_errorf(r, 409, "conflict", NULL, "alert %lld "
			    "is not awaiting approval", (long long)a.id);
		else
			api_reply_errorf(r, 503, "unavailable", NULL,
			    "the database did not take the approval");
		alert_row_clear(&a);
		return;
	}
	log_info("alert=%lld evt=approved by=%s released=%d",
	    (long long)a.id, api_actor(r), n);
	dispatch_kick(r->gw->dispatch);
	api_reply_json(r, 200, json_pack("{sI ss si}", "id", (json_int_t)a.id,
	    "state", "dispatching", "released", n));
	alert_row_clear(&a);
}

/*
 * POST /v1/alerts/{id}/cancel: what is not sent yet is cancelled, and a
 * scheduled or held alert is never released ("state": "cancelled").
 */
void
api_alert_cancel(struct api_req *r)
{
	struct alert_row	a, after;
	struct alert_counts	c;
	int			n = 0;

	if (!load_alert(r, &a))
		return;
	if (cancel(r, a.id, &n) == -1 ||
	    store_alert_get(r->gw->store, a.id, &after) != 0)
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not take the cancellation");
	else {
		if (store_alert_counts(r->gw->store, a.id, &c) == -1)
			memset(&c, 0, sizeof(c));
		api_reply_json(r, 200, json_pack("{sI si ss}", "id",
		    (json_int_t)a.id, "cancelled", n, "state",
		    alert_state(&after, &c)));
		alert_row_clear(&after);
	}
	alert_row_clear(&a);
}

/*
 * One CSV field, quoted when it must be. A text from outside (a
 * provider's error) that a spreadsheet would run as a formula gets a
 * leading apostrophe.
 */
static void
csv_field(struct evbuffer *b, const char *v, bool last, bool outside)
{
	const char	*p;

	if (v == NULL)
		v = "";
	if (outside && (*v == '=' || *v == '+' || *v == '-' || *v == '@' ||
	    *v == '\t' || *v == '\r'))
		evbuffer_add(b, "'", 1);
	if (strpbrk(v, ",\"\r\n") == NULL)
		evbuffer_add(b, v, strlen(v));
	else {
		evbuffer_add(b, "\"", 1);
		for (p = v; *p != '\0'; p++) {
			if (*p == '"')
				evbuffer_add(b, "\"", 1);
			evbuffer_add(b, p, 1);
		}
		evbuffer_add(b, "\"", 1);
	}
	evbuffer_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* The report being written: where, and how to show numbers. */
struct report_ctx {
	struct evbuffer	*buf;
	bool		 masked;
	int64_t		 last;
	int		 n;
};

/* One delivery as a CSV row. */
static int
report_cb(const struct delivery *d, void *arg)
{
	struct report_ctx	*rc = arg;
	char			 num[32], masked[32], created[32], updated[32];

	rc->last = d->id;
	rc->n++;
	snprintf(num, sizeof(num), "%lld", (long long)d->id);
	csv_field(rc->buf, num, false, false);
	if (rc->masked) {
		mask_phone(d->phone, masked, sizeof(masked));
		csv_field(rc->buf, masked, false, false);
	} else
		csv_field(rc->buf, d->phone, false, false);
	csv_field(rc->buf, channel_name((enum channel)d->channel), false,
	    false);
	csv_field(rc->buf, dstate_name((enum dstate)d->state), false, false);
	csv_field(rc->buf, d->provider, false, true);
	snprintf(num, sizeof(num), "%d", d->attempts);
	csv_field(rc->buf, num, false, false);
	csv_field(rc->buf, d->ack > 0 ? "yes" : d->ack < 0 ? "no" : "", false,
	    false);
	csv_field(rc->buf, d->error != NULL ? d->error : d->reason, false,
	    true);
	time_to_text(d->created_at, created, sizeof(created));
	time_to_text(d->updated_at, updated, sizeof(updated));
	csv_field(rc->buf, created, false, false);
	csv_field(rc->buf, updated, true, false);
	return 0;
}

/*
 * GET /v1/alerts/{id}/report.csv: one row per delivery, numbers masked
 * unless the caller has contacts:read.
 */
void
api_alert_report(struct api_req *r)
{
	struct alert_row	 a;
	struct report_ctx	 rc;
	char			 disp[96];

	if (!load_alert(r, &a))
		return;
	memset(&rc, 0, sizeof(rc));
	rc.masked = (r->scopes & SCOPE_CONTACTS_READ) == 0;
	if ((rc.buf = evbuffer_new()) == NULL) {
		alert_row_clear(&a);
		api_reply_errorf(r, 503, "unavailable", NULL, "out of memory");
		return;
	}
	evbuffer_add_printf(rc.buf, "delivery_id,phone,channel,state,provider,"
	    "attempts,answer,error,created_at,updated_at\r\n");
	do {
		rc.n = 0;
		if (store_deliveries_list(r->gw->store, a.id, -1, rc.last,
		    LIST_MAX, NULL, report_cb, &rc) == -1) {
			evbuffer_free(rc.buf);
			alert_row_clear(&a);
			api_reply_errorf(r, 503, "unavailable", NULL,
			    "the database did not answer");
			return;
		}
	} while (rc.n == LIST_MAX);
	snprintf(disp, sizeof(disp), "attachment; filename=\"varsel-alert-"
	    "%lld.csv\"", (long long)a.id);
	alert_row_clear(&a);
	api_add_header(r, "Content-Disposition", disp);
	api_add_header(r, "Cache-Control", "no-store");
	api_reply_buffer(r, 200, "text/csv; charset=utf-8", rc.buf);
	evbuffer_free(rc.buf);
}
