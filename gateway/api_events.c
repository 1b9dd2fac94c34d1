/*
 * GET /v1/alerts/{id}/events: an alert's counts and answers as they
 * change, as Server-Sent Events (what the console's live view reads).
 *
 *	event: counts	the alert as GET /v1/alerts/{id} shows it
 *	event: answer	{"delivery_id", "phone", "name", "answer", "at"}:
 *			a JA or NEJ (sent again if it changes; keyed by
 *			delivery_id)
 *	event: ended	the session behind the stream ended (logout, idle)
 *
 * One timer feeds every stream, every TICK_MS while any is open, and
 * reads the store only when something was written since its last read
 * (store_change_count): a quiet system costs no query, and a busy one a
 * read of each watched alert's kept counts (alert_totals) per tick,
 * however many streams watch it. A reader that falls behind is dropped
 * by the server (httpd.h); the browser then reconnects.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "api.h"
#include "batch.h"
#include "config.h"
#include "gateway.h"
#include "httpd.h"
#include "log.h"
#include "sessions.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define TICK_MS		250		/* how often counts may move */
#define PING_MS		15000		/* a comment, to find dead readers */
#define ANSWERS_MAX	2000		/* answers sent at a stream's start */
#define ANSWERS_TICK	500		/* new answers read per tick */
#define STREAMS_MAX	4096		/* open streams at most */

struct watched;

/* One open stream. */
struct stream {
	TAILQ_ENTRY(stream)	 entry;
	struct api_events	*ev;
	struct api_req		*r;
	struct watched		*w;
	uint64_t		 session;	/* 0: a client's stream */
	bool			 masked;	/* numbers masked */
};
TAILQ_HEAD(stream_list, stream);

/* An alert with streams: what they were last sent. */
struct watched {
	TAILQ_ENTRY(watched)	 entry;
	int64_t			 alert_id;
	char			*counts;	/* the last counts sent */
	int64_t			 ans_at, ans_id; /* the last answer sent */
	int			 nstreams;
};
TAILQ_HEAD(watched_list, watched);

struct api_events {
	struct gw		*gw;
	struct stream_list	 streams;
	struct watched_list	 watched;
	size_t			 nstreams;
	struct event		*tick;
	int64_t			 changes;	/* store_change_count read */
	int64_t			 pinged;	/* mono ms of the last ping */
};

static void	tick_cb(evutil_socket_t, short, void *);
static void	stream_close_cb(struct httpd_req *, void *);
static void	stream_free(struct stream *, bool);
static int	stream_send(struct stream *, const char *, const char *);
static char	*counts_data(struct api_events *, int64_t);
static void	broadcast(struct api_events *, struct watched *, const char *,
		    const char *, const char *);
static int	answers_send(struct api_events *, struct watched *,
		    struct stream *, int);
static void	tick_arm(struct api_events *);
static void	watched_release(struct api_events *, struct watched *);

struct api_events *
api_events_new(struct gw *gw)
{
	struct api_events	*ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->gw = gw;
	TAILQ_INIT(&ev->streams);
	TAILQ_INIT(&ev->watched);
	if ((ev->tick = evtimer_new(gw->base, tick_cb, ev)) == NULL) {
		free(ev);
		return NULL;
	}
	ev->changes = -1;
	return ev;
}

void
api_events_free(struct api_events *ev)
{
	struct stream	*s;

	if (ev == NULL)
		return;
	while ((s = TAILQ_FIRST(&ev->streams)) != NULL)
		stream_free(s, true);
	event_free(ev->tick);
	free(ev);
}

/* Run the timer while a stream is open. */
static void
tick_arm(struct api_events *ev)
{
	struct timeval	tv = { 0, TICK_MS * 1000 };

	if (ev->nstreams > 0 && !evtimer_pending(ev->tick, NULL))
		evtimer_add(ev->tick, &tv);
}

/* The counts event's data for an alert, or NULL (logged). */
static char *
counts_data(struct api_events *ev, int64_t alert_id)
{
	struct alert_row	 a;
	json_t			*o;
	char			*s = NULL;

	if (store_alert_get(ev->gw->store, alert_id, &a) != 0)
		return NULL;
	if ((o = api_alert_json(ev->gw->store, &a)) != NULL)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	alert_row_clear(&a);
	return s;
}

/*
 * Write one event (event NULL: data is the whole text); -1 if the stream
 * is gone (it is freed then, by its close callback: the caller must not
 * touch it).
 */
static int
stream_send(struct stream *s, const char *event, const char *data)
{
	char	*text;
	int	 rc;

	if (data == NULL)
		return 0;	/* out of memory: this time only */
	if (event == NULL)
		return httpd_stream_write(s->r->req, data, strlen(data));
	if ((text = str_printf("event: %s\ndata: %s\n\n", event, data)) ==
	    NULL)
		return 0;
	rc = httpd_stream_write(s->r->req, text, strlen(text));
	free(text);
	return rc;
}

/*
 * Send an event to every stream of w (the masked ones get mdata), the
 * text made once for all of them.
 */
static void
broadcast(struct api_events *ev, struct watched *w, const char *event,
    const char *data, const char *mdata)
{
	struct stream	*s, *next;
	char		*full, *hidden = NULL;

	full = str_printf("event: %s\ndata: %s\n\n", event, data);
	if (mdata != NULL)
		hidden = str_printf("event: %s\ndata: %s\n\n", event, mdata);
	for (s = TAILQ_FIRST(&ev->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->w == w)
			stream_send(s, NULL, s->masked && hidden != NULL ?
			    hidden : full);
	}
	free(full);
	free(hidden);
}

/* Where the answers of a read go: one stream, or all of the alert's. */
struct answers_to {
	struct api_events	*ev;
	struct watched		*w;
	struct stream		*only;
	int			 n;
	bool			 gone;
};

/* One answer, as an answer event. */
static int
answer_cb(const struct answer_row *a, void *arg)
{
	struct answers_to	*to = arg;
	char			 at[32], masked[32], *full, *hidden;
	json_t			*o;

	time_to_text(a->at, at, sizeof(at));
	mask_phone(a->phone, masked, sizeof(masked));
	o = json_pack("{sI ss ss ss ss}", "delivery_id",
	    (json_int_t)a->delivery_id, "phone", a->phone, "answer",
	    a->ack > 0 ? "yes" : "no", "channel",
	    channel_name((enum channel)a->channel), "at", at);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "name", a->name ? json_string(a->name) :
	    json_null());
	full = json_dumps(o, JSON_COMPACT);
	json_object_set_new(o, "phone", json_string(masked));
	hidden = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (full != NULL && hidden != NULL) {
		if (to->only != NULL) {
			if (stream_send(to->only, "answer", to->only->masked ?
			    hidden : full) == -1)
				to->gone = true;
		} else
			broadcast(to->ev, to->w, "answer", full, hidden);
	}
	free(full);
	free(hidden);
	to->n++;
	if (to->only == NULL) {
		to->w->ans_at = a->at;
		to->w->ans_id = a->delivery_id;
	}
	return to->gone ? -1 : 0;
}

/*
 * Send the answers after w's mark: to one stream from the start (only
 * not NULL), or to all of w's streams, moving the mark. -1 if the one
 * stream went away.
 */
static int
answers_send(struct api_events *ev, struct watched *w, struct stream *only,
    int limit)
{
	struct answers_to	to = { ev, w, only, 0, false };

	if (only != NULL)
		store_alert_answers(ev->gw->store, w->alert_id, 0, 0, limit,
		    answer_cb, &to);
	else
		store_alert_answers(ev->gw->store, w->alert_id, w->ans_at,
		    w->ans_id, limit, answer_cb, &to);
	return to.gone ? -1 : 0;
}

/* Let go of w; the last to let go frees it. */
static void
watched_release(struct api_events *ev, struct watched *w)
{
	if (--w->nstreams > 0)
		return;
	TAILQ_REMOVE(&ev->watched, w, entry);
	free(w->counts);
	free(w);
}

/* Take a stream out of the registry; end its answer unless gone. */
static void
stream_free(struct stream *s, bool end)
{
	struct api_events	*ev = s->ev;
	struct watched		*w = s->w;
	struct api_req		*r = s->r;

	TAILQ_REMOVE(&ev->streams, s, entry);
	ev->nstreams--;
	watched_release(ev, w);
	free(s);
	if (end && r->req != NULL) {
		httpd_req_on_close(r->req, NULL, NULL);
		httpd_stream_end(r->req);
	}
	r->req = NULL;
	api_req_finish(r);
}

/* The reader went away or fell behind. */
static void
stream_close_cb(struct httpd_req *req, void *arg)
{
	struct stream	*s = arg;

	/* The request is still ours to end: that frees it. */
	httpd_stream_end(req);
	s->r->req = NULL;
	stream_free(s, false);
}

/* Every TICK_MS while streams are open: end, ping, feed. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api_events	*ev = arg;
	struct gw		*gw = ev->gw;
	struct stream		*s, *next;
	struct watched		*w, *wnext;
	int64_t			 now = gw_now(gw), changes;
	int64_t			 idle = (int64_t)gw->cfg->session_idle_s * 1000;
	char			*data;

	/* Streams of sessions that ended (logout, idle, user removed). */
	for (s = TAILQ_FIRST(&ev->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->session != 0 && sessions_by_serial(
		    api_sessions(gw->api), s->session, now, idle) == NULL) {
			if (stream_send(s, "ended", "{}") == 0)
				stream_free(s, true);
		}
	}
	if (mono_ms() - ev->pinged >= PING_MS) {
		ev->pinged = mono_ms();
		for (s = TAILQ_FIRST(&ev->streams); s != NULL; s = next) {
			next = TAILQ_NEXT(s, entry);
			stream_send(s, NULL, ": ping\n\n");
		}
	}
	changes = store_change_count(gw->store);
	if (changes != ev->changes) {
		ev->changes = changes;
		for (w = TAILQ_FIRST(&ev->watched); w != NULL; w = wnext) {
			/* Streams may go while this alert is fed. */
			w->nstreams++;
			if ((data = counts_data(ev, w->alert_id)) != NULL &&
			    (w->counts == NULL || strcmp(data,
			    w->counts) != 0)) {
				free(w->counts);
				w->counts = data;
				data = NULL;
				broadcast(ev, w, "counts", w->counts, NULL);
			}
			free(data);
			answers_send(ev, w, NULL, ANSWERS_TICK);
			wnext = TAILQ_NEXT(w, entry);
			watched_release(ev, w);
		}
	}
	tick_arm(ev);
}

/* GET /v1/alerts/{id}/events */
void
api_alert_events(struct api_req *r)
{
	struct api_events	*ev = api_events(r->gw->api);
	struct stream		*s;
	struct watched		*w;
	int64_t			 id = api_parse_id(r->params[0]);
	char			*data;
	int			 rc;

	if (ev->nstreams >= STREAMS_MAX) {
		api_add_header(r, "Retry-After", "10");
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "too many live streams are open");
		return;
	}
	batch_flush(r->gw->batch);
	if (id == 0 || (data = counts_data(ev, id)) == NULL) {
		struct alert_row	a;

		rc = id == 0 ? STORE_NOTFOUND : store_alert_get(r->gw->store,
		    id, &a);
		if (rc == 0)
			alert_row_clear(&a);
		if (rc == -1 || rc == 0)
			api_reply_errorf(r, 503, "unavailable", NULL,
			    "the database did not answer");
		else
			api_reply_errorf(r, 404, "not_found", NULL,
			    "no alert %.32s", r->params[0]);
		return;
	}
	TAILQ_FOREACH(w, &ev->watched, entry)
		if (w->alert_id == id)
			break;
	if (w == NULL) {
		w = xcalloc(1, sizeof(*w));
		w->alert_id = id;
		TAILQ_INSERT_TAIL(&ev->watched, w, entry);
	}
	free(w->counts);
	w->counts = data;
	w->nstreams++;
	s = xcalloc(1, sizeof(*s));
	s->ev = ev;
	s->r = r;
	s->w = w;
	s->session = r->session;
	s->masked = (r->scopes & SCOPE_CONTACTS_READ) == 0;
	TAILQ_INSERT_TAIL(&ev->streams, s, entry);
	ev->nstreams++;
	api_req_keep(r);
	r->status = 200;
	/* Proxies must pass events on as they come. */
	api_add_header(r, "X-Accel-Buffering", "no");
	if (httpd_stream_begin(r->req, 200, "text/event-stream") == -1) {
		httpd_stream_end(r->req);	/* gone: this frees it */
		r->req = NULL;
		stream_free(s, false);
		return;
	}
	httpd_req_on_close(r->req, stream_close_cb, s);
	if (stream_send(s, NULL, "retry: 2000\n\n") == -1 ||
	    stream_send(s, "counts", w->counts) == -1)
		return;
	if (w->nstreams == 1) {
		/* The first stream sets the mark the others follow. */
		w->nstreams++;
		answers_send(ev, w, NULL, ANSWERS_MAX);
		watched_release(ev, w);
	} else if (answers_send(ev, w, s, ANSWERS_MAX) == -1)
		return;
	tick_arm(ev);
}
