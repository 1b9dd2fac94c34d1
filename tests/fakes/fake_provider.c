/*
 * A fake 46elks on 127.0.0.1 for the end-to-end tests and the benchmark.
 *
 * POST /a1/sms answers as 46elks does (providers.md section 1) and, after
 * --dlr-delay-ms, posts a delivery report to the request's whendelivered
 * URL, retrying a few times when that does not answer 2xx. Faults are
 * scriptable by flags and at run time through POST /_control; GET /_stats,
 * GET /_received and GET /_number tell a test what the fake saw. It logs
 * nothing per request unless -v is given, and it is quick enough to be the
 * sink of bench/fanout.
 *
 * It is also a receiver of Varsel's source callbacks: any POST under
 * /_hook/ is recorded with its X-Varsel-* headers and body (answered 200,
 * or 500 while --hook-fail-first lasts) and GET /_hooks lists them.
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "gateway/http_client.h"
#include "gateway/log.h"
#include "gateway/util.h"
#include "tests/fakes/fake_common.h"

#define DLR_TRIES_DEFAULT	5	/* 46elks tries at least five times */
#define DLR_RETRY_MS_DEFAULT	200
#define DLR_TIMEOUT_MS		5000
#define DLR_MAX_CONNECTIONS	32

/* The faults and behaviour a test can script. */
struct faults {
	struct fake_faults c;		/* first: the shared ones */
	char		 reject_suffix[32];
	bool		 dlr_failed;	/* report failed, not delivered */
	long		 dlr_tries;
	long		 dlr_retry_ms;
	long		 hook_fail_first; /* callbacks still to answer 500 */
};

/* What GET /_stats reports. */
struct stats {
	uint64_t	 requests;
	uint64_t	 accepted;
	uint64_t	 rejected;
	uint64_t	 tempfailed;
	uint64_t	 unique_to;
	uint64_t	 duplicates;
	uint64_t	 dlr_sent;
	uint64_t	 dlr_failed;
	uint64_t	 hooks;		/* source callbacks received */
};

/* One accepted message, kept for GET /_received. */
struct sent {
	struct sent	*next;
	char		*id;
	char		*from;
	char		*message;
	char		*whendelivered;	/* NULL if none was given */
	char		 created[32];
};

/* Everything the fake knows about one recipient number. */
struct number {
	struct fake_entry e;		/* first: e.to is the number */
	uint32_t	 requests;
	uint32_t	 accepted;
	uint32_t	 rejected;
	uint32_t	 tempfailed;
	struct sent	*first;		/* oldest first */
	struct sent	*last;
};

/* A source callback received under /_hook/, kept for GET /_hooks. */
struct hook {
	struct hook	*next;
	char		*path;
	char		*event;		/* X-Varsel-Event, or NULL */
	char		*timestamp;	/* X-Varsel-Timestamp, or NULL */
	char		*signature;	/* X-Varsel-Signature, or NULL */
	char		*content_type;
	char		*body;
	int		 status;	/* what the fake answered */
	char		 received[32];
};

struct fake;

/* A delivery report on its way to a whendelivered URL. */
struct dlr {
	TAILQ_ENTRY(dlr)	 entry;
	struct fake		*fake;
	struct event		*timer;
	char			*url;
	char			*id;
	bool			 failed;	/* status=failed */
	long			 tries;
	char			 delivered[32];
};

struct fake {
	struct fake_server	 srv;
	char			*auth;		/* base64 of user:pass */
	struct faults		 f;
	struct stats		 st;
	struct fake_table	 tab;
	TAILQ_HEAD(, dlr)	 dlrs;
	struct hook		*hooks;		/* oldest first */
	struct hook		*hooks_last;
};

static int	 fake_option(struct fake_faults *, const char *,
		    const char *);
static void	 fake_now(char *, size_t);
static void	 fake_number_clear(struct fake_entry *);
static bool	 fake_has_suffix(const char *, const char *);
static void	 fake_request_cb(struct evhttp_request *, void *);
static void	 fake_sms(struct fake *, struct evhttp_request *);
static void	 fake_dlr_begin(void *, void *);
static void	 fake_dlr_drop(void *);
static void	 fake_dlr_start(struct fake *, struct dlr *, long);
static void	 fake_dlr_timer_cb(evutil_socket_t, short, void *);
static void	 fake_dlr_done_cb(const struct http_response *, void *);
static void	 fake_dlr_free(struct dlr *);
static void	 fake_stats(struct fake *, struct evhttp_request *);
static void	 fake_received(struct fake *, struct evhttp_request *,
		    bool);
static void	 fake_control(struct fake *, struct evhttp_request *);
static void	 fake_reset(void *);
static char	*fake_header_dup(struct evhttp_request *, const char *);
static void	 fake_hook(struct fake *, struct evhttp_request *,
		    const char *);
static void	 fake_hooks(struct fake *, struct evhttp_request *);
static void	 fake_hooks_free(struct fake *);

static const struct option longopts[] = {
	{ "port",		required_argument,	NULL, 'P' },
	{ "port-file",		required_argument,	NULL, 'F' },
	{ "user",		required_argument,	NULL, 'u' },
	{ "password",		required_argument,	NULL, 'p' },
	{ "dlr-delay-ms",	required_argument,	NULL, 'D' },
	{ "dlr-status",		required_argument,	NULL, 'S' },
	{ "dlr-tries",		required_argument,	NULL, 'T' },
	{ "dlr-retry-ms",	required_argument,	NULL, 'R' },
	{ "no-dlr",		no_argument,		NULL, 'N' },
	{ "fail-first",		required_argument,	NULL, 'f' },
	{ "fail-rate",		required_argument,	NULL, 'r' },
	{ "seed",		required_argument,	NULL, 's' },
	{ "reject-suffix",	required_argument,	NULL, 'x' },
	{ "latency-ms",		required_argument,	NULL, 'l' },
	{ "hook-fail-first",	required_argument,	NULL, 'k' },
	{ "hang",		no_argument,		NULL, 'H' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ NULL,			0,			NULL, 0 }
};

static const struct fake_kind kind = {
	.name = "fake_provider",
	.what = "sms",
	.usage = "usage: fake_provider [-v] [--port N] [--port-file F] "
	    "[--user U] [--password P]\n"
	    "\t[--dlr-delay-ms N] [--dlr-status delivered|failed] "
	    "[--dlr-tries N] [--dlr-retry-ms N] [--no-dlr]\n"
	    "\t[--fail-first N] [--fail-rate P] [--seed N] "
	    "[--reject-suffix S] [--latency-ms N] [--hang]\n"
	    "\t[--hook-fail-first N]\n",
	.option = fake_option,
	.start = fake_dlr_begin,
	.drop = fake_dlr_drop,
	.reset = fake_reset,
};


/*
 * Set one of fake_provider's own fault options by its key ("-" form): 0,
 * -1 for a bad value, 1 for a key it does not know.
 */
static int
fake_option(struct fake_faults *cf, const char *key, const char *value)
{
	struct faults	*f = (struct faults *)cf;

	if (strcmp(key, "reject-suffix") == 0) {
		if (strlen(value) >= sizeof(f->reject_suffix))
			return -1;
		strlcpy(f->reject_suffix, value, sizeof(f->reject_suffix));
	} else if (strcmp(key, "hook-fail-first") == 0) {
		if (fake_parse_long(value, 0, LONG_MAX,
		    &f->hook_fail_first) == -1)
			return -1;
	} else if (strcmp(key, "hang") == 0) {
		if (fake_parse_bool(value, &f->c.hang) == -1)
			return -1;
	} else if (strcmp(key, "dlr-status") == 0) {
		if (strcmp(value, "failed") == 0)
			f->dlr_failed = true;
		else if (strcmp(value, "delivered") == 0)
			f->dlr_failed = false;
		else
			return -1;
	} else if (strcmp(key, "dlr-tries") == 0) {
		if (fake_parse_long(value, 1, 1000, &f->dlr_tries) == -1)
			return -1;
	} else if (strcmp(key, "dlr-retry-ms") == 0) {
		if (fake_parse_long(value, 0, 3600000, &f->dlr_retry_ms) == -1)
			return -1;
	} else
		return 1;
	return 0;
}

/* The time as 46elks writes it: UTC "YYYY-MM-DDTHH:MM:SS.ffffff". */
static void
fake_now(char *buf, size_t len)
{
	struct timeval	tv;
	struct tm	tm;
	char		s[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld", s, (long)tv.tv_usec);
}

/* Free what a number received. */
static void
fake_number_clear(struct fake_entry *e)
{
	struct number	*nb = (struct number *)e;
	struct sent	*s, *next;

	for (s = nb->first; s != NULL; s = next) {
		next = s->next;
		free(s->id);
		free(s->from);
		free(s->message);
		free(s->whendelivered);
		free(s);
	}
}

/* Does s end in suffix (an empty suffix matches nothing)? */
static bool
fake_has_suffix(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return lx != 0 && ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Route a request by path and method. */
static void
fake_request_cb(struct evhttp_request *req, void *arg)
{
	struct fake	*fk = arg;
	const char	*path;
	bool		 get, post;

	path = fake_path(req, &get, &post);
	if (strcmp(path, "/a1/sms") == 0 || strcmp(path, "/a1/SMS") == 0) {
		if (post)
			fake_sms(fk, req);
		else
			fake_send(req, 405, "text/plain",
			    "Method not allowed");
	} else if (strcmp(path, "/_stats") == 0 && get)
		fake_stats(fk, req);
	else if (strcmp(path, "/_received") == 0 && get)
		fake_received(fk, req, false);
	else if (strcmp(path, "/_number") == 0 && get)
		fake_received(fk, req, true);
	else if (strcmp(path, "/_control") == 0 && post)
		fake_control(fk, req);
	else if (strncmp(path, "/_hook/", 7) == 0 && post)
		fake_hook(fk, req, path);
	else if (strcmp(path, "/_hooks") == 0 && get)
		fake_hooks(fk, req);
	else if (strcmp(path, "/_stats") == 0 ||
	    strcmp(path, "/_received") == 0 ||
	    strcmp(path, "/_number") == 0 || strcmp(path, "/_control") == 0)
		fake_send(req, 405, "text/plain", "Method not allowed");
	else
		fake_send(req, 404, "text/plain", "Not found");
}

/* POST /a1/sms: check, count, answer (maybe later) and report. */
static void
fake_sms(struct fake *fk, struct evhttp_request *req)
{
	struct kvlist	 form = { 0 };
	struct number	*nb = NULL;
	struct sent	*s;
	struct dlr	*d = NULL;
	const char	*from, *to, *msg, *when, *missing = NULL;
	char		 id[40], created[32], *body;
	json_t		*o;

	fk->st.requests++;
	if (fake_body_form(&fk->srv, req, &form) == -1) {
		fk->st.rejected++;
		fake_answer(&fk->srv, req, 400, "text/plain",
		    xstrdup("Could not parse the request body"), NULL);
		return;
	}
	from = kvlist_get(&form, "from");
	to = kvlist_get(&form, "to");
	msg = kvlist_get(&form, "message");
	when = kvlist_get(&form, "whendelivered");
	if (to != NULL && fake_is_e164(to)) {
		nb = (struct number *)fake_table_get(&fk->tab, to,
		    sizeof(*nb));
		nb->requests++;
	}

	/* An outage comes before anything is looked at. */
	if (fake_outage(&fk->srv)) {
		fk->st.tempfailed++;
		if (nb != NULL)
			nb->tempfailed++;
		fake_answer(&fk->srv, req, 503, "text/plain",
		    xstrdup("Service Unavailable"), NULL);
		goto out;
	}

	if (!fake_basic_ok(req, fk->auth)) {
		fk->st.rejected++;
		if (nb != NULL)
			nb->rejected++;
		fake_answer(&fk->srv, req, 401, "text/plain",
		    xstrdup("API access requires Basic HTTP authentication. "
		    "Read the docs at https://46elks.com/docs"), NULL);
		goto out;
	}

	if (from == NULL)
		missing = "from";
	else if (to == NULL)
		missing = "to";
	else if (msg == NULL)
		missing = "message";
	if (missing != NULL) {
		fk->st.rejected++;
		if (nb != NULL)
			nb->rejected++;
		fake_answer(&fk->srv, req, 400, "text/plain",
		    str_printf("Missing key %s", missing), NULL);
		goto out;
	}
	if (nb == NULL || fake_has_suffix(to, fk->f.reject_suffix)) {
		fk->st.rejected++;
		if (nb != NULL)
			nb->rejected++;
		fake_answer(&fk->srv, req, 400, "text/plain",
		    xstrdup("Invalid to number"), NULL);
		goto out;
	}

	/* Accepted. */
	fake_id(&fk->srv, "s", id, sizeof(id));
	fake_now(created, sizeof(created));
	fk->st.accepted++;
	if (nb->accepted == 0)
		fk->st.unique_to++;
	else {
		for (s = nb->first; s != NULL; s = s->next)
			if (strcmp(s->message, msg) == 0) {
				fk->st.duplicates++;
				break;
			}
	}
	nb->accepted++;
	s = xcalloc(1, sizeof(*s));
	s->id = xstrdup(id);
	s->from = xstrdup(from);
	s->message = xstrdup(msg);
	s->whendelivered = when != NULL ? xstrdup(when) : NULL;
	strlcpy(s->created, created, sizeof(s->created));
	if (nb->last != NULL)
		nb->last->next = s;
	else
		nb->first = s;
	nb->last = s;

	if (when != NULL && *when != '\0' && !fk->f.c.no_dlr) {
		d = xcalloc(1, sizeof(*d));
		d->fake = fk;
		d->url = xstrdup(when);
		d->id = xstrdup(id);
		d->failed = fk->f.dlr_failed;
	}

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
	    "id", id, "status", "created", "direction", "outgoing",
	    "from", from, "to", to, "message", msg, "created", created,
	    "parts", 1, "cost", 3500);
	body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (body == NULL) {
		/* Not valid UTF-8, most likely: 46elks refuses it too. */
		fake_dlr_free(d);
		fake_answer(&fk->srv, req, 400, "text/plain",
		    xstrdup("Invalid message encoding"), NULL);
		goto out;
	}
	if (log_verbosity() >= LOG_LVL_INFO) {
		char	masked[32];

		mask_phone(to, masked, sizeof(masked));
		log_info("sms id=%s to=%s accepted", id, masked);
	}
	fake_answer(&fk->srv, req, 200, "application/json", body, d);
out:
	kvlist_free(&form);
}

/* An answer is out: its delivery report goes after --dlr-delay-ms. */
static void
fake_dlr_begin(void *arg, void *after)
{
	struct fake	*fk = arg;

	fake_dlr_start(fk, after, fk->f.c.dlr_delay_ms);
}

/* An answer never went out: free its delivery report. */
static void
fake_dlr_drop(void *after)
{
	fake_dlr_free(after);
}

/* Queue a delivery report to go out after delay_ms. */
static void
fake_dlr_start(struct fake *fk, struct dlr *d, long delay_ms)
{
	if (d->timer == NULL) {
		TAILQ_INSERT_TAIL(&fk->dlrs, d, entry);
		if ((d->timer = evtimer_new(fk->srv.base, fake_dlr_timer_cb,
		    d)) == NULL) {
			log_warnx("evtimer_new failed: report dropped");
			fk->st.dlr_failed++;
			TAILQ_REMOVE(&fk->dlrs, d, entry);
			fake_dlr_free(d);
			return;
		}
	}
	fake_timer_add(d->timer, delay_ms);
}

/* Post a delivery report (again). */
static void
fake_dlr_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dlr		*d = arg;
	struct fake		*fk = d->fake;
	struct http_request	 hr;
	char			*form = NULL;
	size_t			 len = 0;

	if (d->delivered[0] == '\0')
		fake_now(d->delivered, sizeof(d->delivered));
	d->tries++;
	memset(&hr, 0, sizeof(hr));
	if (form_append(&form, &len, "id", d->id) == -1 ||
	    form_append(&form, &len, "status",
	    d->failed ? "failed" : "delivered") == -1 ||
	    (!d->failed && form_append(&form, &len, "delivered",
	    d->delivered) == -1)) {
		free(form);
		goto fail;
	}
	hr.url = xstrdup(d->url);
	hr.body = form;
	hr.body_len = len;
	hr.timeout_ms = DLR_TIMEOUT_MS;
	if (http_client_send(fk->srv.client, &hr, fake_dlr_done_cb, d) == -1) {
		http_request_reset(&hr);
		goto fail;
	}
	return;
fail:
	log_warnx("dlr id=%s: could not post the report", d->id);
	fk->st.dlr_failed++;
	TAILQ_REMOVE(&fk->dlrs, d, entry);
	fake_dlr_free(d);
}

/* The whendelivered URL answered: done, or try again later. */
static void
fake_dlr_done_cb(const struct http_response *res, void *arg)
{
	struct dlr	*d = arg;
	struct fake	*fk = d->fake;

	if (res->curl_code == 0 && res->status >= 200 && res->status <= 204) {
		fk->st.dlr_sent++;
		TAILQ_REMOVE(&fk->dlrs, d, entry);
		fake_dlr_free(d);
		return;
	}
	if (log_verbosity() >= LOG_LVL_INFO)
		log_info("dlr id=%s try=%ld: %s %ld", d->id, d->tries,
		    res->curl_code != 0 && res->error != NULL ? res->error :
		    "http", res->status);
	if (d->tries >= fk->f.dlr_tries) {
		fk->st.dlr_failed++;
		TAILQ_REMOVE(&fk->dlrs, d, entry);
		fake_dlr_free(d);
		return;
	}
	fake_dlr_start(fk, d, fk->f.dlr_retry_ms * d->tries);
}

/* Free a delivery report; NULL is fine. */
static void
fake_dlr_free(struct dlr *d)
{
	if (d == NULL)
		return;
	if (d->timer != NULL)
		event_free(d->timer);
	free(d->url);
	free(d->id);
	free(d);
}

/* GET /_stats. */
static void
fake_stats(struct fake *fk, struct evhttp_request *req)
{
	const struct stats	*st = &fk->st;
	struct dlr		*d;
	json_int_t		 pending = 0;

	TAILQ_FOREACH(d, &fk->dlrs, entry)
		pending++;
	fake_json(req, 200, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I}",
	    "requests", (json_int_t)st->requests,
	    "accepted", (json_int_t)st->accepted,
	    "rejected", (json_int_t)st->rejected,
	    "tempfailed", (json_int_t)st->tempfailed,
	    "unique_to", (json_int_t)st->unique_to,
	    "duplicates", (json_int_t)st->duplicates,
	    "concurrent", (json_int_t)fk->srv.concurrent,
	    "max_concurrent", (json_int_t)fk->srv.max_concurrent,
	    "dlr_sent", (json_int_t)st->dlr_sent,
	    "dlr_failed", (json_int_t)st->dlr_failed,
	    "dlr_pending", pending,
	    "connections", (json_int_t)fk->srv.connections,
	    "hooks", (json_int_t)st->hooks));
}

/*
 * GET /_received?to=+46...: the accepted messages for that number, oldest
 * first. GET /_number?to=...: its counters (summary is set).
 */
static void
fake_received(struct fake *fk, struct evhttp_request *req, bool summary)
{
	struct number	*nb;
	struct sent	*s;
	char		*to;
	json_t		*o;

	if ((to = fake_query_to(req)) == NULL)
		return;
	nb = (struct number *)fake_table_get(&fk->tab, to, 0);
	if (summary) {
		o = json_pack("{s:s, s:i, s:i, s:i, s:i}", "to", to,
		    "requests", nb ? (int)nb->requests : 0,
		    "accepted", nb ? (int)nb->accepted : 0,
		    "rejected", nb ? (int)nb->rejected : 0,
		    "tempfailed", nb ? (int)nb->tempfailed : 0);
	} else {
		o = json_array();
		for (s = nb ? nb->first : NULL; o != NULL && s != NULL;
		    s = s->next)
			json_array_append_new(o, json_pack(
			    "{s:s, s:s, s:s, s:s, s:s?, s:s}",
			    "id", s->id, "from", s->from, "to", nb->e.to,
			    "message", s->message,
			    "whendelivered", s->whendelivered,
			    "created", s->created));
	}
	free(to);
	fake_json(req, 200, o);
}

/* POST /_control: change faults at run time; answers the settings. */
static void
fake_control(struct fake *fk, struct evhttp_request *req)
{
	if (fake_control_form(&fk->srv, req, sizeof(fk->f)) == -1)
		return;
	fake_json(req, 200, json_pack("{s:I, s:f, s:s, s:I, s:b, s:s, s:I, "
	    "s:b}",
	    "fail_first", (json_int_t)fk->f.c.fail_first,
	    "fail_rate", fk->f.c.fail_rate,
	    "reject_suffix", fk->f.reject_suffix,
	    "latency_ms", (json_int_t)fk->f.c.latency_ms,
	    "hang", fk->f.c.hang,
	    "dlr_status", fk->f.dlr_failed ? "failed" : "delivered",
	    "dlr_delay_ms", (json_int_t)fk->f.c.dlr_delay_ms,
	    "no_dlr", fk->f.c.no_dlr));
}

/*
 * Forget every number and counter (the connection count and the requests
 * still unanswered stay).
 */
static void
fake_reset(void *arg)
{
	struct fake	*fk = arg;

	fake_table_free(&fk->tab, fake_number_clear);
	fake_hooks_free(fk);
	memset(&fk->st, 0, sizeof(fk->st));
	fk->srv.max_concurrent = 0;
}

/* A header's value copied, or NULL if absent. */
static char *
fake_header_dup(struct evhttp_request *req, const char *name)
{
	const char	*v;

	v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
	return v != NULL ? xstrdup(v) : NULL;
}

/* POST /_hook/...: record a source callback and answer it. */
static void
fake_hook(struct fake *fk, struct evhttp_request *req, const char *path)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);
	struct hook	*h;

	h = xcalloc(1, sizeof(*h));
	h->path = xstrdup(path);
	h->event = fake_header_dup(req, "X-Varsel-Event");
	h->timestamp = fake_header_dup(req, "X-Varsel-Timestamp");
	h->signature = fake_header_dup(req, "X-Varsel-Signature");
	h->content_type = fake_header_dup(req, "Content-Type");
	h->body = xmalloc(len + 1);
	evbuffer_copyout(in, h->body, len);
	h->body[len] = '\0';
	fake_now(h->received, sizeof(h->received));
	h->status = 200;
	if (fk->f.hook_fail_first > 0) {
		fk->f.hook_fail_first--;
		h->status = 500;
	}
	fk->st.hooks++;
	if (fk->hooks_last != NULL)
		fk->hooks_last->next = h;
	else
		fk->hooks = h;
	fk->hooks_last = h;
	if (log_verbosity() >= LOG_LVL_INFO)
		log_info("hook %s event=%s status=%d", path,
		    h->event != NULL ? h->event : "-", h->status);
	if (h->status == 200)
		fake_send(req, 200, "text/plain", "");
	else
		fake_send(req, 500, "text/plain", "scripted failure");
}

/*
 * GET /_hooks: every callback received, oldest first, with its headers,
 * raw body and the status it was answered with.
 */
static void
fake_hooks(struct fake *fk, struct evhttp_request *req)
{
	struct hook	*h;
	json_t		*o = json_array();

	for (h = fk->hooks; o != NULL && h != NULL; h = h->next)
		json_array_append_new(o, json_pack("{s:s, s:s?, s:s?, s:s?, "
		    "s:s?, s:s, s:i, s:s}",
		    "path", h->path, "event", h->event,
		    "timestamp", h->timestamp, "signature", h->signature,
		    "content_type", h->content_type, "body", h->body,
		    "status", h->status, "received", h->received));
	fake_json(req, 200, o);
}

/* Forget every recorded callback. */
static void
fake_hooks_free(struct fake *fk)
{
	struct hook	*h, *next;

	for (h = fk->hooks; h != NULL; h = next) {
		next = h->next;
		free(h->path);
		free(h->event);
		free(h->timestamp);
		free(h->signature);
		free(h->content_type);
		free(h->body);
		free(h);
	}
	fk->hooks = fk->hooks_last = NULL;
}

/* Parse the flags, listen, serve until SIGTERM, clean up. */
int
main(int argc, char *argv[])
{
	struct fake		 fk;
	struct dlr		*d;
	const char		*user = "u", *password = "p";
	const struct fake_flag	 own[] = {
		{ 'u', &user }, { 'p', &password }, { 0, NULL }
	};

	memset(&fk, 0, sizeof(fk));
	fake_server_init(&fk.srv, &kind, &fk.f.c, &fk);
	fk.f.c.dlr_delay_ms = 50;
	fk.f.dlr_tries = DLR_TRIES_DEFAULT;
	fk.f.dlr_retry_ms = DLR_RETRY_MS_DEFAULT;
	fk.f.c.seed = 1;
	TAILQ_INIT(&fk.dlrs);
	fake_args(&fk.srv, argc, argv, longopts, own);
	if ((fk.auth = fake_basic(user, password)) == NULL)
		fatalx("user and password too long");

	fake_server_open(&fk.srv, DLR_MAX_CONNECTIONS, fake_request_cb);
	fake_server_run(&fk.srv);

	while ((d = TAILQ_FIRST(&fk.dlrs)) != NULL) {
		TAILQ_REMOVE(&fk.dlrs, d, entry);
		fake_dlr_free(d);
	}
	fake_server_close(&fk.srv);
	fake_table_free(&fk.tab, fake_number_clear);
	fake_hooks_free(&fk);
	free(fk.auth);
	return 0;
}
