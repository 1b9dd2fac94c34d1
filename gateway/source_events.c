/*
 * Events to source systems ("source callbacks" in API.md): "ack",
 * "alert.progress" and "alert.done" POSTed as JSON to an alert's
 * callback_url:
 *
 *   {"event": "ack", "alert_id": 12, "data": {...}, "sent_at": "..."}
 *
 * with Content-Type application/json, X-Varsel-Event, X-Varsel-Timestamp
 * and, when the alert's client has an hmac_secret, X-Varsel-Signature:
 * sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)> (the same
 * scheme as requests to Varsel). Events are rows in the store first:
 * claimed with a 60 s lease, at most SOURCE_EVENTS_MAX_INFLIGHT at a
 * time, done on a 2xx, else retried with backoff (1 s doubling to 5 min,
 * jittered) until a 2xx. An event older than 24 h is dropped with a
 * warning; that is the only way one is lost. A crash mid-request retries
 * it after the lease (at least once: receivers dedupe on alert_id, event,
 * data). Events go only to public addresses and to those the client's
 * callback_hosts lists, checked on the address the name resolves to.
 *
 * A 1 s timer watches alerts with a callback_url: while their counts
 * change, alert.progress at most every 5 s; once nothing is queued,
 * sending, ringing or held, the alert is released, its call-out chain
 * is over and no escalation may still place a call, alert.done. A chain
 * step posts alert.escalated (callouts.c).
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "auth.h"
#include "batch.h"
#include "config.h"
#include "gateway.h"
#include "http_client.h"
#include "log.h"
#include "ratelimit.h"
#include "source_events.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define CB_LEASE_MS		60000
#define CB_TIMEOUT_MS		10000
#define CB_RETRY_BASE_MS	1000
#define CB_RETRY_MAX_MS		(5 * 60 * 1000)
#define CB_MAX_AGE_MS		(24 * 60 * 60 * 1000LL)
#define CB_TICK_MS		1000
#define CB_PROGRESS_MS		5000

/* One callback being POSTed. */
struct cbjob {
	TAILQ_ENTRY(cbjob)	 entry;
	struct source_events	*cb;
	int64_t			 id;
	int64_t			 alert_id;
	int			 attempts;
	char			 event[32];
};

/* A claimed row, copied out of the store's statement. */
struct cbrow {
	int64_t		 id;
	int64_t		 alert_id;
	int		 attempts;
	char		*client;
	char		*url;
	char		*event;
	char		*body;
};

/* Claimed rows collected before any request starts. */
struct cbrows {
	struct cbrow	 v[SOURCE_EVENTS_MAX_INFLIGHT];
	size_t		 n;
};

/* An alert under watch, copied out of the store's statement. */
struct watched {
	int64_t		 id;
	int64_t		 escalate_after_s;
	int		 recipients;
	bool		 waits;		/* gated, a chain step or a call
					   may still come */
};

/* Watched alerts collected before any is looked at. */
struct watchlist {
	struct watched	*v;
	size_t		 n;
	size_t		 cap;
};

struct source_events {
	struct gw		*gw;
	struct event		*send_ev;	/* the next sending round */
	struct event		*tick_ev;	/* every CB_TICK_MS: watch */
	struct event		*done_ev;	/* drain finished */
	TAILQ_HEAD(, cbjob)	 jobs;
	size_t			 inflight;
	uint64_t		 rng;
	bool			 send_armed;
	int64_t			 send_at;	/* mono ms of the armed round */
	bool			 draining;
	void			(*done)(void *);
	void			*done_arg;
};

static void	 cb_schedule(struct source_events *, int64_t);
static void	 cb_send_cb(evutil_socket_t, short, void *);
static void	 cb_tick_cb(evutil_socket_t, short, void *);
static void	 cb_done_cb(evutil_socket_t, short, void *);
static int	 cb_claim_cb(const struct callback_row *, void *);
static void	 cb_start(struct source_events *, struct cbrow *, int64_t);
static void	 cb_http_cb(const struct http_response *, void *);
static void	 cb_failed(struct source_events *, int64_t, int, const char *,
		    int64_t);
static void	 cb_check_drained(struct source_events *);
static const struct client_conf *cb_client(struct source_events *,
		    const char *);
static int	 cb_watch_cb(const struct alert_row *, void *);
static void	 cb_watch(struct source_events *, const struct watched *, int64_t);
static json_t	*cb_counts_json(const struct alert_counts *, int, bool);
static int	 cb_enqueue(struct source_events *, int64_t, const char *,
		    const char *, const char *, json_t *, int64_t);

/* Make the sender and start its timers; NULL with err. */
struct source_events *
source_events_new(struct gw *gw, char *err, size_t errlen)
{
	struct source_events	*cb;
	struct timeval		 tv = { CB_TICK_MS / 1000,
				    (CB_TICK_MS % 1000) * 1000 };

	if ((cb = calloc(1, sizeof(*cb))) == NULL) {
		snprintf(err, errlen, "callbacks: out of memory");
		return NULL;
	}
	cb->gw = gw;
	TAILQ_INIT(&cb->jobs);
	cb->rng = rand_seed();
	cb->send_ev = evtimer_new(gw->base, cb_send_cb, cb);
	cb->tick_ev = event_new(gw->base, -1, EV_PERSIST, cb_tick_cb, cb);
	if (cb->send_ev == NULL || cb->tick_ev == NULL ||
	    event_add(cb->tick_ev, &tv) == -1) {
		snprintf(err, errlen, "callbacks: cannot create timers");
		source_events_free(cb);
		return NULL;
	}
	/* Events left from the last run go out at once. */
	cb_schedule(cb, 0);
	return cb;
}

/*
 * Free the sender after the event loop has ended. Requests still in
 * flight are the HTTP client's to abort; their rows are leased and are
 * sent again after the next start.
 */
void
source_events_free(struct source_events *cb)
{
	struct cbjob	*j;

	if (cb == NULL)
		return;
	while ((j = TAILQ_FIRST(&cb->jobs)) != NULL) {
		TAILQ_REMOVE(&cb->jobs, j, entry);
		free(j);
	}
	if (cb->send_ev != NULL)
		event_free(cb->send_ev);
	if (cb->tick_ev != NULL)
		event_free(cb->tick_ev);
	if (cb->done_ev != NULL)
		event_free(cb->done_ev);
	free(cb);
}

/* Queue event for alert_id if the alert has a callback_url. */
int
source_events_post(struct source_events *cb, int64_t alert_id,
    const char *event, json_t *data)
{
	struct alert_row	 a;
	int			 rc;

	if ((rc = store_alert_get(cb->gw->store, alert_id, &a)) != 0) {
		json_decref(data);
		if (rc == STORE_NOTFOUND)
			log_warnx("callbacks: %s for alert %" PRId64 ": no "
			    "such alert", event, alert_id);
		return rc == STORE_NOTFOUND ? 0 : -1;
	}
	if (a.callback_url == NULL || a.callback_url[0] == '\0') {
		json_decref(data);
		alert_row_clear(&a);
		return 0;
	}
	rc = cb_enqueue(cb, alert_id, a.client, a.callback_url, event, data,
	    gw_now(cb->gw));
	alert_row_clear(&a);
	return rc;
}

/* Stop claiming and watching; done runs once nothing is in flight. */
void
source_events_drain(struct source_events *cb, void (*done)(void *), void *arg)
{
	struct timeval	tv = { 0, 0 };

	cb->draining = true;
	cb->done = done;
	cb->done_arg = arg;
	evtimer_del(cb->send_ev);
	event_del(cb->tick_ev);
	cb->send_armed = false;
	/* Called back from the loop, never from inside this call. */
	if (cb->done_ev == NULL &&
	    (cb->done_ev = evtimer_new(cb->gw->base, cb_done_cb, cb)) == NULL) {
		log_warnx("callbacks: cannot create the drain timer");
		return;
	}
	if (cb->inflight == 0)
		evtimer_add(cb->done_ev, &tv);
}

/* Callback requests started and not yet answered. */
size_t
source_events_inflight(const struct source_events *cb)
{
	return cb != NULL ? cb->inflight : 0;
}

/* The drain is over: tell whoever waits. */
static void
cb_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct source_events	*cb = arg;
	void			(*done)(void *) = cb->done;

	cb->done = NULL;
	if (done != NULL)
		done(cb->done_arg);
}

/* Draining and the last request answered: finish the drain. */
static void
cb_check_drained(struct source_events *cb)
{
	struct timeval	tv = { 0, 0 };

	if (cb->draining && cb->inflight == 0 && cb->done_ev != NULL)
		evtimer_add(cb->done_ev, &tv);
}

/*
 * Store one event: the envelope without sent_at (added when sent) and
 * with created_at (for the 24 h limit; removed when sent). Steals data.
 */
static int
cb_enqueue(struct source_events *cb, int64_t alert_id, const char *client,
    const char *url, const char *event, json_t *data, int64_t now)
{
	json_t	*env;
	char	*body;
	int	 rc;

	env = json_pack("{ss sI so sI}", "event", event,
	    "alert_id", (json_int_t)alert_id, "data",
	    data != NULL ? data : json_object(),
	    "created_at", (json_int_t)now);
	if (env == NULL || (body = json_dumps(env, JSON_COMPACT)) == NULL) {
		json_decref(env);
		log_warnx("callbacks: %s for alert %" PRId64 ": out of memory",
		    event, alert_id);
		return -1;
	}
	json_decref(env);
	rc = store_callback_enqueue(cb->gw->store, alert_id,
	    client != NULL ? client : "", url, event, body, now);
	free(body);
	if (rc != 0)
		return -1;
	cb_schedule(cb, 0);
	return 0;
}

/* Run a sending round in ms milliseconds unless one comes sooner. */
static void
cb_schedule(struct source_events *cb, int64_t ms)
{
	int64_t		at;
	struct timeval	tv;

	if (cb->draining)
		return;
	if (ms < 0)
		ms = 0;
	at = gw_now(cb->gw) + ms;
	if (cb->send_armed && cb->send_at <= at)
		return;
	cb->send_armed = true;
	cb->send_at = at;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(cb->send_ev, &tv);
}

/* Copy one claimed row (the store frees its own after we return). */
static int
cb_claim_cb(const struct callback_row *row, void *arg)
{
	struct cbrows	*rs = arg;
	struct cbrow	*r;

	if (rs->n == nitems(rs->v))
		return -1;
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->id = row->id;
	r->alert_id = row->alert_id;
	r->attempts = row->attempts;
	r->client = strdup(row->client != NULL ? row->client : "");
	r->url = strdup(row->url != NULL ? row->url : "");
	r->event = strdup(row->event != NULL ? row->event : "");
	r->body = strdup(row->body != NULL ? row->body : "{}");
	rs->n++;
	return 0;
}

/* A sending round: claim what is due and start it. */
static void
cb_send_cb(evutil_socket_t fd, short what, void *arg)
{
	struct source_events	*cb = arg;
	struct cbrows		 rs;
	int64_t			 now = gw_now(cb->gw), next;
	size_t			 i;
	int			 limit, rc;

	cb->send_armed = false;
	if (cb->draining)
		return;
	limit = SOURCE_EVENTS_MAX_INFLIGHT - (int)cb->inflight;
	if (limit <= 0)
		return;		/* an answer schedules the next round */
	rs.n = 0;
	if (store_callback_claim(cb->gw->store, now, CB_LEASE_MS, limit,
	    cb_claim_cb, &rs) == -1) {
		cb_schedule(cb, CB_TICK_MS);
		goto out;
	}
	for (i = 0; i < rs.n; i++)
		cb_start(cb, &rs.v[i], now);
	if ((int)rs.n == limit)
		return;		/* full: answers schedule more */
	rc = store_callback_next_due(cb->gw->store, &next);
	if (rc == 0)
		cb_schedule(cb, next - now);
	return;
out:
	for (i = 0; i < rs.n; i++) {
		free(rs.v[i].client);
		free(rs.v[i].url);
		free(rs.v[i].event);
		free(rs.v[i].body);
	}
}

/* The client named name, or NULL (no longer configured). */
static const struct client_conf *
cb_client(struct source_events *cb, const char *name)
{
	const struct config	*cfg = cb->gw->cfg;
	size_t			 i;

	for (i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].name, name) == 0)
			return &cfg->clients[i];
	return NULL;
}

/* POST one claimed row; frees the row's strings. */
static void
cb_start(struct source_events *cb, struct cbrow *r, int64_t now)
{
	struct http_request	 req;
	struct cbjob		*j = NULL;
	const struct client_conf *client;
	json_t			*env = NULL, *created;
	const char		*secret;
	char			 ts[24], sent[32], sig[80], *body = NULL;
	int64_t			 created_at = 0;

	memset(&req, 0, sizeof(req));
	if (r->client == NULL || r->url == NULL || r->event == NULL ||
	    r->body == NULL) {
		cb_failed(cb, r->id, r->attempts, "out of memory", now);
		goto out;
	}
	if ((env = json_loads(r->body, 0, NULL)) == NULL ||
	    !json_is_object(env)) {
		/* Our own row is broken: nothing will ever fix it. */
		log_warnx("callbacks: id=%" PRId64 " alert=%" PRId64 " "
		    "event=%s: the stored body is not a JSON object; dropped",
		    r->id, r->alert_id, r->event);
		store_callback_done(cb->gw->store, r->id, now);
		goto out;
	}
	if ((created = json_object_get(env, "created_at")) != NULL)
		created_at = json_integer_value(created);
	if (created_at > 0 && now - created_at > CB_MAX_AGE_MS) {
		/* Not the URL: callback URLs often carry a token. */
		log_warnx("callbacks: id=%" PRId64 " alert=%" PRId64 " "
		    "event=%s: dropped after %d attempts in 24 h without a "
		    "2xx answer", r->id, r->alert_id, r->event,
		    r->attempts - 1);
		store_callback_done(cb->gw->store, r->id, now);
		goto out;
	}
	json_object_del(env, "created_at");
	time_to_text(now, sent, sizeof(sent));
	json_object_set_new(env, "sent_at", json_string(sent));
	if ((body = json_dumps(env, JSON_COMPACT)) == NULL) {
		cb_failed(cb, r->id, r->attempts, "out of memory", now);
		goto out;
	}
	snprintf(ts, sizeof(ts), "%" PRId64, now / 1000);

	req.method = strdup("POST");
	req.url = strdup(r->url);
	req.content_type = strdup("application/json");
	req.body = body;
	req.body_len = strlen(body);
	body = NULL;
	req.timeout_ms = CB_TIMEOUT_MS;
	if (req.method == NULL || req.url == NULL || req.content_type == NULL ||
	    http_request_header(&req, "X-Varsel-Event: %s", r->event) == -1 ||
	    http_request_header(&req, "X-Varsel-Timestamp: %s", ts) == -1) {
		cb_failed(cb, r->id, r->attempts, "out of memory", now);
		goto out;
	}
	/* Only public addresses, but those the client lists. */
	client = cb_client(cb, r->client);
	req.public_only = true;
	if (client != NULL && client->callback_hosts != NULL &&
	    (req.allow = strdup(client->callback_hosts)) == NULL) {
		cb_failed(cb, r->id, r->attempts, "out of memory", now);
		goto out;
	}
	secret = client != NULL ? client->hmac_secret : NULL;
	if (secret != NULL && *secret != '\0') {
		auth_sign(secret, ts, req.body, req.body_len, sig, sizeof(sig));
		if (http_request_header(&req, "X-Varsel-Signature: %s", sig) ==
		    -1) {
			cb_failed(cb, r->id, r->attempts, "out of memory", now);
			goto out;
		}
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		cb_failed(cb, r->id, r->attempts, "out of memory", now);
		goto out;
	}
	j->cb = cb;
	j->id = r->id;
	j->alert_id = r->alert_id;
	j->attempts = r->attempts;
	strlcpy(j->event, r->event, sizeof(j->event));
	log_trace(TRACE_EVENTS, "id=%" PRId64 " alert=%" PRId64 " evt=post "
	    "event=%s attempt=%d bytes=%zu signed=%d", r->id, r->alert_id,
	    r->event, r->attempts, strlen(r->body), req.nheaders > 2);
	if (http_client_send(cb->gw->http, &req, cb_http_cb, j) == -1) {
		free(j);
		cb_failed(cb, r->id, r->attempts,
		    "could not start the HTTP request", now);
		goto out;
	}
	TAILQ_INSERT_TAIL(&cb->jobs, j, entry);
	cb->inflight++;
out:
	http_request_reset(&req);
	free(body);
	json_decref(env);
	free(r->client);
	free(r->url);
	free(r->event);
	free(r->body);
}

/* The receiver answered (or did not): done, or retry with backoff. */
static void
cb_http_cb(const struct http_response *res, void *arg)
{
	struct cbjob		*j = arg;
	struct source_events	*cb = j->cb;
	int64_t			 now = gw_now(cb->gw);
	char			 why[160];

	TAILQ_REMOVE(&cb->jobs, j, entry);
	cb->inflight--;
	if (res->curl_code == 0 && res->status >= 200 && res->status <= 299) {
		if (store_callback_done(cb->gw->store, j->id, now) == -1)
			log_warnx("callbacks: id=%" PRId64 " sent, but not "
			    "marked done; it will be sent again", j->id);
		else
			log_info("evt=callback_sent id=%" PRId64 " alert=%"
			    PRId64 " event=%s attempt=%d http=%ld", j->id,
			    j->alert_id, j->event, j->attempts, res->status);
	} else {
		if (res->curl_code != 0)
			snprintf(why, sizeof(why), "%s", res->error != NULL ?
			    res->error : "transport error");
		else
			snprintf(why, sizeof(why), "HTTP %ld", res->status);
		cb_failed(cb, j->id, j->attempts, why, now);
	}
	free(j);
	cb_check_drained(cb);
	cb_schedule(cb, 0);
}

/* Retry a callback later: backoff from its attempts, jittered. */
static void
cb_failed(struct source_events *cb, int64_t id, int attempts, const char *why,
    int64_t now)
{
	int64_t	delay;

	delay = backoff_ms(attempts > 0 ? attempts : 1, CB_RETRY_BASE_MS,
	    CB_RETRY_MAX_MS, rand_unit(&cb->rng));
	log_info("evt=callback_retry id=%" PRId64 " attempt=%d next=%" PRId64
	    "ms error=\"%s\"", id, attempts, delay, why);
	if (store_callback_retry(cb->gw->store, id, now + delay, why) == -1)
		log_warnx("callbacks: id=%" PRId64 ": retry not stored; the "
		    "lease brings it back", id);
}


/* Collect one watched alert. */
static int
cb_watch_cb(const struct alert_row *a, void *arg)
{
	struct watchlist	*wl = arg;
	struct watched		*w;

	if (wl->n == wl->cap) {
		size_t	 cap = wl->cap ? wl->cap * 2 : 16;
		void	*v = realloc(wl->v, cap * sizeof(*wl->v));

		if (v == NULL)
			return -1;
		wl->v = v;
		wl->cap = cap;
	}
	w = &wl->v[wl->n++];
	w->id = a->id;
	w->escalate_after_s = a->escalate_after_s;
	w->recipients = a->recipients;
	/* Behind its gate, before a chain's next step, or while the
	 * escalation sweep may still call someone, it is not done. */
	w->waits = a->gate != GATE_OPEN || a->chain_next_at != 0 ||
	    (a->escalate_after_s > 0 && !a->esc_done);
	return 0;
}

/* Every second: watch alerts, and send what is due. */
static void
cb_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	source_events_watch(arg);
}

void
source_events_watch(struct source_events *cb)
{
	struct watchlist	 wl = { NULL, 0, 0 };
	int64_t			 now = gw_now(cb->gw);
	size_t			 i;

	if (cb->draining)
		return;
	if (store_alerts_watched(cb->gw->store, cb_watch_cb, &wl) == 0)
		for (i = 0; i < wl.n; i++)
			cb_watch(cb, &wl.v[i], now);
	free(wl.v);
	cb_schedule(cb, 0);
}

/* The counts and answers as the events carry them (the GET shape). */
static json_t *
cb_counts_json(const struct alert_counts *c, int recipients, bool done)
{
	json_t	*counts = json_object();
	int	 i;

	for (i = 0; i < DS_NSTATES; i++)
		json_object_set_new(counts, dstate_name((enum dstate)i),
		    json_integer(c->state[i]));
	return json_pack("{ss si sI so s{sI sI} sI}",
	    "state", done ? "done" : "dispatching",
	    "recipients", recipients,
	    "reached", (json_int_t)c->reached,
	    "counts", counts,
	    "acks", "yes", (json_int_t)c->acks_yes,
	    "no", (json_int_t)c->acks_no,
	    "in_doubt", (json_int_t)c->in_doubt);
}

/*
 * One watched alert: alert.done once nothing is queued, sending or
 * ringing and no escalation may still start a call; else alert.progress
 * when its counts changed and 5 s passed since the last one.
 */
static void
cb_watch(struct source_events *cb, const struct watched *w, int64_t now)
{
	struct store		*s = cb->gw->store;
	struct alert_counts	 c;
	struct alert_row	 a;
	char			 text[512], digest[65], last[65];
	int64_t			 progress_at = 0, busy;
	size_t			 len = 0;
	bool			 done;
	int			 i;

	if (store_alert_counts(s, w->id, &c) == -1 ||
	    store_alert_get_watch(s, w->id, last, &progress_at) == -1)
		return;
	for (i = 0; i < DS_NSTATES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%" PRId64 ",", c.state[i]);
	snprintf(text + len, sizeof(text) - len, "%" PRId64 ",%" PRId64 ",%"
	    PRId64, c.acks_yes, c.acks_no, c.in_doubt);
	sha256_hex(text, strlen(text), digest);

	busy = c.state[DS_QUEUED] + c.state[DS_SENDING] + c.state[DS_RINGING] +
	    c.state[DS_HELD];
	done = busy == 0 && !w->waits;
	if (!done && (strcmp(digest, last) == 0 ||
	    now - progress_at < CB_PROGRESS_MS))
		return;

	if (store_alert_get(s, w->id, &a) != 0)
		return;
	/* The event and the watch mark together, or neither. */
	batch_flush(cb->gw->batch);
	if (store_begin(s, false) == -1) {
		alert_row_clear(&a);
		return;
	}
	if (cb_enqueue(cb, w->id, a.client, a.callback_url,
	    done ? "alert.done" : "alert.progress",
	    cb_counts_json(&c, w->recipients, done), now) == -1 ||
	    store_alert_set_watch(s, w->id, now, digest, done) == -1) {
		log_warnx("callbacks: alert %" PRId64 ": %s not queued; the "
		    "next tick tries again", w->id, done ? "alert.done" :
		    "alert.progress");
		store_rollback(s);
	} else
		store_commit(s);
	alert_row_clear(&a);
}
