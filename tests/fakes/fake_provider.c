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
 * POST /a1/calls answers as 46elks does (providers.md section 1.4, the
 * call object with state "ongoing") and then plays the call through:
 * after --call-step-ms it fetches the audio of the voice_start's ivr or
 * play action from the daemon (counted as media_ok when it is 200,
 * audio/wav and a RIFF/WAVE file longer than its 44-byte header, else
 * media_bad), posts callid and result=--press DIGITS to the ivr's "next"
 * URL (only with --press), and last posts the call's end (state success)
 * to whenhangup, retried as a delivery report is.
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
#include <strings.h>
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
#define CALL_STEP_MS_DEFAULT	50
#define CALL_DURATION_S		12	/* what a hang-up reports at least */
#define MEDIA_TIMEOUT_S		5
#define WAV_HEADER		44	/* a RIFF/WAVE file's PCM header */

/* The faults and behaviour a test can script. */
struct faults {
	struct fake_faults c;		/* first: the shared ones */
	char		 reject_suffix[32];
	bool		 dlr_failed;	/* report failed, not delivered */
	bool		 dlr_early;	/* report when the request comes, before
					   the answer (with --latency-ms) */
	bool		 no_id;		/* accept an SMS with an answer that
					   has no id (sends no report) */
	long		 dlr_tries;
	long		 dlr_retry_ms;
	long		 hook_fail_first; /* callbacks still to answer 500 */
};

/* What GET /_stats reports after the shared counters. */
struct stats {
	uint64_t	 dlr_failed;
	uint64_t	 hooks;		/* source callbacks received */
	uint64_t	 media_ok;	/* audio fetched: 200 audio/wav RIFF */
	uint64_t	 media_bad;	/* audio fetched otherwise, or not */
	uint64_t	 ivr_sent;	/* digits posted, answered 2xx */
	uint64_t	 ivr_failed;
	uint64_t	 hangup_sent;	/* whenhangup posted, answered 2xx */
	uint64_t	 hangup_failed;	/* given up after the tries */
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

/* What an answer starts once it is out (the first member of each). */
enum after_kind {
	AFTER_DLR,
	AFTER_CALL
};

/* A delivery report on its way to a whendelivered URL. */
struct dlr {
	enum after_kind		 kind;		/* first: AFTER_DLR */
	TAILQ_ENTRY(dlr)	 entry;
	struct fake		*fake;
	struct event		*timer;
	char			*url;
	char			*id;
	bool			 failed;	/* status=failed */
	long			 tries;
	char			 delivered[32];
};

/* Where a call is in its script. */
enum call_step {
	CALL_MEDIA,		/* fetch the audio */
	CALL_IVR,		/* post the digits to next */
	CALL_HANGUP,		/* post the end to whenhangup */
	CALL_DONE
};

/* An accepted call played through, one request after another. */
struct call {
	enum after_kind		  kind;		/* first: AFTER_CALL */
	TAILQ_ENTRY(call)	  entry;
	struct fake		 *fake;
	struct event		 *timer;
	struct evhttp_connection *conn;		/* of the audio GET */
	enum call_step		  step;
	char			 *id;
	char			 *from;
	char			 *to;
	char			 *audio;	/* ivr or play URL, or NULL */
	char			 *next;		/* the ivr's next URL or NULL */
	char			 *whenhangup;	/* or NULL */
	long			  tries;	/* of the hang-up */
	long long		  start_ms;
	char			  created[32];
	char			  start[32];
};

struct fake {
	struct fake_server	 srv;
	char			*auth;		/* base64 of user:pass */
	struct faults		 f;
	struct stats		 st;
	TAILQ_HEAD(, dlr)	 dlrs;
	TAILQ_HEAD(, call)	 calls;
	struct hook		*hooks;		/* oldest first */
	struct hook		*hooks_last;
};

static int	 fake_option(struct fake_faults *, const char *,
		    const char *);
static void	 fake_now(char *, size_t);
static bool	 fake_has_suffix(const char *, const char *);
static void	 fake_request_cb(struct evhttp_request *, void *);
static bool	 fake_api_refused(struct fake *, struct evhttp_request *,
		    struct fake_number *);
static int	 fake_api_begin(struct fake *, struct evhttp_request *,
		    struct kvlist *, const char *, struct fake_number **);
static void	 fake_api_reject(struct fake *, struct evhttp_request *,
		    struct fake_number *, char *);
static void	 fake_sms(struct fake *, struct evhttp_request *);
static void	 fake_after_begin(void *, void *);
static void	 fake_after_drop(void *);
static void	 fake_calls(struct fake *, struct evhttp_request *);
static int	 fake_call_action(const char *, json_t **, char **, char **);
static void	 fake_call_arm(struct call *, long);
static void	 fake_call_timer_cb(evutil_socket_t, short, void *);
static int	 fake_call_get(struct call *);
static void	 fake_call_media_cb(struct evhttp_request *, void *);
static int	 fake_call_post(struct call *, const char *, char *, size_t);
static void	 fake_call_done_cb(const struct http_response *, void *);
static void	 fake_call_end(struct call *);
static void	 fake_call_free(struct call *);
static void	 fake_dlr_start(struct fake *, struct dlr *, long);
static void	 fake_dlr_timer_cb(evutil_socket_t, short, void *);
static void	 fake_dlr_done_cb(const struct http_response *, void *);
static void	 fake_dlr_free(struct dlr *);
static int	 fake_stats(void *, json_t *);
static int	 fake_settings(void *, json_t *);
static void	 fake_received(struct fake *, struct evhttp_request *,
		    bool);
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
	{ "dlr-early",		no_argument,		NULL, 'E' },
	{ "no-id",		no_argument,		NULL, 'I' },
	{ "fail-first",		required_argument,	NULL, 'f' },
	{ "fail-rate",		required_argument,	NULL, 'r' },
	{ "seed",		required_argument,	NULL, 's' },
	{ "reject-suffix",	required_argument,	NULL, 'x' },
	{ "latency-ms",		required_argument,	NULL, 'l' },
	{ "hook-fail-first",	required_argument,	NULL, 'k' },
	{ "press",		required_argument,	NULL, 'd' },
	{ "call-step-ms",	required_argument,	NULL, 'c' },
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
	    "[--dlr-tries N] [--dlr-retry-ms N] [--no-dlr] [--dlr-early]\n"
	    "\t[--no-id]\n"
	    "\t[--fail-first N] [--fail-rate P] [--seed N] "
	    "[--reject-suffix S] [--latency-ms N] [--hang]\n"
	    "\t[--hook-fail-first N] [--press DIGITS] [--call-step-ms N]\n",
	.option = fake_option,
	.start = fake_after_begin,
	.drop = fake_after_drop,
	.reset = fake_reset,
	.stats = fake_stats,
	.settings = fake_settings,
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
	} else if (strcmp(key, "no-id") == 0) {
		if (fake_parse_bool(value, &f->no_id) == -1)
			return -1;
	} else if (strcmp(key, "dlr-early") == 0) {
		if (fake_parse_bool(value, &f->dlr_early) == -1)
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
	if (fake_route(&fk->srv, req, path, get, post, sizeof(fk->f)))
		return;
	if (strcmp(path, "/a1/sms") == 0 || strcmp(path, "/a1/SMS") == 0) {
		if (post)
			fake_sms(fk, req);
		else
			fake_send(req, 405, "text/plain",
			    "Method not allowed");
	} else if (strcmp(path, "/a1/calls") == 0 ||
	    strcmp(path, "/a1/Calls") == 0) {
		if (post)
			fake_calls(fk, req);
		else
			fake_send(req, 405, "text/plain",
			    "Method not allowed");
	} else if (strcmp(path, "/_received") == 0 && get)
		fake_received(fk, req, false);
	else if (strcmp(path, "/_number") == 0 && get)
		fake_received(fk, req, true);
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

/*
 * Answer a request to the API 503 in an outage or 401 without good
 * credentials, and count it; false if it may go on.
 */
static bool
fake_api_refused(struct fake *fk, struct evhttp_request *req,
    struct fake_number *nb)
{
	/* An outage comes before anything is looked at. */
	if (fake_outage(&fk->srv)) {
		fk->srv.st.tempfailed++;
		if (nb != NULL)
			nb->tempfailed++;
		fake_answer(&fk->srv, req, fake_outage_status(&fk->srv, req),
		    "text/plain", xstrdup("Service Unavailable"), NULL);
		return true;
	}
	if (!fake_basic_ok(req, fk->auth)) {
		fk->srv.st.rejected++;
		if (nb != NULL)
			nb->rejected++;
		fake_answer(&fk->srv, req, 401, "text/plain",
		    xstrdup("API access requires Basic HTTP authentication. "
		    "Read the docs at https://46elks.com/docs"), NULL);
		return true;
	}
	return false;
}

/* Answer a request to the API 400 with msg (taken), and count it. */
static void
fake_api_reject(struct fake *fk, struct evhttp_request *req,
    struct fake_number *nb, char *msg)
{
	fk->srv.st.rejected++;
	if (nb != NULL)
		nb->rejected++;
	fake_answer(&fk->srv, req, 400, "text/plain", msg, NULL);
}

/*
 * The start of POST /a1/sms and /a1/calls: the form, the number it is
 * to, an outage or bad credentials, and from, to and key present. -1
 * once it has answered (form may hold keys: the caller frees it).
 */
static int
fake_api_begin(struct fake *fk, struct evhttp_request *req,
    struct kvlist *form, const char *key, struct fake_number **nb)
{
	const char	*missing = NULL;

	*nb = NULL;
	fk->srv.st.requests++;
	if (fake_body_form(&fk->srv, req, form) == -1) {
		fk->srv.st.rejected++;
		fake_answer(&fk->srv, req, 400, "text/plain",
		    xstrdup("Could not parse the request body"), NULL);
		return -1;
	}
	*nb = fake_api_number(&fk->srv, kvlist_get(form, "to"));
	if (fake_api_refused(fk, req, *nb))
		return -1;
	if (kvlist_get(form, "from") == NULL)
		missing = "from";
	else if (kvlist_get(form, "to") == NULL)
		missing = "to";
	else if (kvlist_get(form, key) == NULL)
		missing = key;
	if (missing != NULL) {
		fake_api_reject(fk, req, *nb, str_printf("Missing key %s",
		    missing));
		return -1;
	}
	return 0;
}

/* POST /a1/sms: check, count, answer (maybe later) and report. */
static void
fake_sms(struct fake *fk, struct evhttp_request *req)
{
	struct kvlist		 form = { 0 };
	struct fake_number	*nb = NULL;
	struct fake_item	*it;
	struct dlr		*d = NULL;
	const char		*from, *to, *msg, *when;
	char			 id[40], created[32], *body;
	json_t			*o;

	if (fake_api_begin(fk, req, &form, "message", &nb) == -1)
		goto out;
	from = kvlist_get(&form, "from");
	to = kvlist_get(&form, "to");
	msg = kvlist_get(&form, "message");
	when = kvlist_get(&form, "whendelivered");
	if (nb == NULL || fake_has_suffix(to, fk->f.reject_suffix)) {
		fake_api_reject(fk, req, nb, xstrdup("Invalid to number"));
		goto out;
	}

	fake_id(&fk->srv, "s", id, sizeof(id));
	fake_now(created, sizeof(created));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
	    "id", id, "status", "created", "direction", "outgoing",
	    "from", from, "to", to, "message", msg, "created", created,
	    "parts", 1, "cost", 3500);
	if (o != NULL && fk->f.no_id)
		json_object_del(o, "id");
	body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (body == NULL) {
		/* Not valid UTF-8, most likely: 46elks refuses it too. */
		fake_api_reject(fk, req, nb,
		    xstrdup("Invalid message encoding"));
		goto out;
	}

	/* Accepted. */
	it = fake_item_add(&fk->srv, nb, false, id, from, msg, when);
	strlcpy(it->created, created, sizeof(it->created));
	if (when != NULL && *when != '\0' && !fk->f.c.no_dlr &&
	    !fk->f.no_id) {
		d = xcalloc(1, sizeof(*d));
		d->kind = AFTER_DLR;
		d->fake = fk;
		d->url = xstrdup(when);
		d->id = xstrdup(id);
		d->failed = fk->f.dlr_failed;
		if (fk->f.dlr_early) {
			fake_after_begin(fk, d);
			d = NULL;
		}
	}
	fake_log_accepted("sms", id, to);
	fake_answer(&fk->srv, req, 200, "application/json", body, d);
out:
	kvlist_free(&form);
}

/*
 * An answer is out: its delivery report goes after --dlr-delay-ms, its
 * call's first request after --call-step-ms.
 */
static void
fake_after_begin(void *arg, void *after)
{
	struct fake	*fk = arg;
	struct call	*c = after;

	if (*(enum after_kind *)after == AFTER_DLR) {
		fake_dlr_start(fk, after, fk->f.c.dlr_delay_ms);
		return;
	}
	TAILQ_INSERT_TAIL(&fk->calls, c, entry);
	if ((c->timer = evtimer_new(fk->srv.base, fake_call_timer_cb,
	    c)) == NULL) {
		log_warnx("call id=%s: evtimer_new failed: call dropped",
		    c->id);
		fake_call_end(c);
		return;
	}
	fake_call_arm(c, fk->f.c.call_step_ms);
}

/* An answer never went out: free its delivery report or call. */
static void
fake_after_drop(void *after)
{
	if (*(enum after_kind *)after == AFTER_DLR)
		fake_dlr_free(after);
	else
		fake_call_free(after);
}

/*
 * POST /a1/calls: check and count as for an SMS, answer the call object
 * (state ongoing) and, once that is out, play the call through.
 */
static void
fake_calls(struct fake *fk, struct evhttp_request *req)
{
	struct kvlist		 form = { 0 };
	struct fake_number	*nb;
	struct fake_item	*it;
	struct call		*c;
	const char		*from, *to, *start, *hangup, *tmo;
	char			 id[40], created[32], *audio = NULL;
	char			*next = NULL, *body;
	json_t			*act = NULL, *acts, *o;
	long			 timeout;

	if (fake_api_begin(fk, req, &form, "voice_start", &nb) == -1)
		goto out;
	from = kvlist_get(&form, "from");
	to = kvlist_get(&form, "to");
	start = kvlist_get(&form, "voice_start");
	hangup = kvlist_get(&form, "whenhangup");
	tmo = kvlist_get(&form, "timeout");
	/* A call comes from a number of the account, never a name. */
	if (!fake_is_e164(from)) {
		fake_api_reject(fk, req, nb, xstrdup("Invalid from number"));
		goto out;
	}
	if (nb == NULL || fake_has_suffix(to, fk->f.reject_suffix)) {
		fake_api_reject(fk, req, nb, xstrdup("Invalid to number"));
		goto out;
	}
	if (fake_call_action(start, &act, &audio, &next) == -1) {
		fake_api_reject(fk, req, nb, xstrdup("Invalid voice_start"));
		goto out;
	}
	if (hangup != NULL && !fake_is_url(hangup)) {
		fake_api_reject(fk, req, nb, xstrdup("Invalid whenhangup"));
		goto out;
	}
	timeout = 60;
	if (tmo != NULL && fake_parse_long(tmo, 1, 600, &timeout) == -1) {
		fake_api_reject(fk, req, nb, xstrdup("Invalid timeout"));
		goto out;
	}

	fake_id(&fk->srv, "c", id, sizeof(id));
	fake_now(created, sizeof(created));

	/* As call_ongoing.json: the actions so far, none for a URL. */
	acts = json_array();
	if (acts != NULL && act != NULL)
		json_array_append(acts, act);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o}",
	    "direction", "outgoing", "from", from, "to", to,
	    "created", created, "state", "ongoing", "timeout", (int)timeout,
	    "id", id, "actions", acts);
	body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (body == NULL) {
		fake_answer(&fk->srv, req, 500, "text/plain",
		    xstrdup("Out of memory"), NULL);
		goto out;
	}

	/* Accepted. */
	it = fake_item_add(&fk->srv, nb, true, id, from, start, hangup);
	strlcpy(it->created, created, sizeof(it->created));
	c = xcalloc(1, sizeof(*c));
	c->kind = AFTER_CALL;
	c->fake = fk;
	c->step = CALL_MEDIA;
	c->id = xstrdup(id);
	c->from = xstrdup(from);
	c->to = xstrdup(to);
	c->audio = audio;
	c->next = next;
	audio = next = NULL;
	c->whenhangup = hangup != NULL && *hangup != '\0' ?
	    xstrdup(hangup) : NULL;
	strlcpy(c->created, created, sizeof(c->created));
	fake_log_accepted("call", id, to);
	fake_answer(&fk->srv, req, 200, "application/json", body, c);
out:
	json_decref(act);
	free(audio);
	free(next);
	kvlist_free(&form);
}

/*
 * Read voice_start: a URL (46elks fetches the first action from it; the
 * fake leaves it there) or an inline JSON action. Of an ivr or a play
 * action with a URL, *audio gets the URL and *next the ivr's next URL
 * (NULL when there is none); *act gets the action (NULL for a URL).
 * 0, or -1 if voice_start is neither.
 */
static int
fake_call_action(const char *start, json_t **act, char **audio,
    char **next)
{
	json_t		*o, *v;
	const char	*url = NULL;

	*act = NULL;
	*audio = *next = NULL;
	if (fake_is_url(start))
		return 0;
	if ((o = json_loads(start, 0, NULL)) == NULL || !json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	if ((v = json_object_get(o, "ivr")) != NULL && json_is_string(v)) {
		url = json_string_value(v);
		v = json_object_get(o, "next");
		if (json_is_string(v) && fake_is_url(json_string_value(v)))
			*next = xstrdup(json_string_value(v));
	} else if ((v = json_object_get(o, "play")) != NULL &&
	    json_is_string(v))
		url = json_string_value(v);
	/* "sound/beep" and the like are 46elks' own sounds. */
	if (url != NULL && fake_is_url(url))
		*audio = xstrdup(url);
	*act = o;
	return 0;
}

/* Take the call's next step after delay_ms. */
static void
fake_call_arm(struct call *c, long delay_ms)
{
	fake_timer_add(c->timer, delay_ms);
}

/*
 * The call's step is due: start its request, or skip the steps it has
 * nothing for. The audio GET's connection is freed here, out of its own
 * callback.
 */
static void
fake_call_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct call	*c = arg;
	struct fake	*fk = c->fake;
	char		*form = NULL, ms[24];
	size_t		 len = 0;
	long long	 dur;

	if (c->conn != NULL) {
		evhttp_connection_free(c->conn);
		c->conn = NULL;
	}
	if (c->step == CALL_MEDIA) {
		/* The callee answers: the call starts. */
		fake_now(c->start, sizeof(c->start));
		c->start_ms = fake_ms(&fk->srv);
		if (c->audio != NULL) {
			if (fake_call_get(c) == 0)
				return;
			fk->st.media_bad++;
		}
		c->step = CALL_IVR;
	}
	if (c->step == CALL_IVR) {
		if (fk->f.c.press[0] != '\0' && c->next != NULL) {
			if (form_append(&form, &len, "callid", c->id) == -1 ||
			    form_append(&form, &len, "from", c->from) == -1 ||
			    form_append(&form, &len, "to", c->to) == -1 ||
			    form_append(&form, &len, "result",
			    fk->f.c.press) == -1) {
				free(form);
				form = NULL;
			}
			if (fake_call_post(c, c->next, form, len) == 0)
				return;
			fk->st.ivr_failed++;
		}
		c->step = CALL_HANGUP;
	}
	if (c->step == CALL_HANGUP && c->whenhangup != NULL) {
		c->tries++;
		dur = (fake_ms(&fk->srv) - c->start_ms) / 1000;
		snprintf(ms, sizeof(ms), "%lld", dur > CALL_DURATION_S ? dur :
		    (long long)CALL_DURATION_S);
		form = NULL;
		len = 0;
		if (form_append(&form, &len, "direction", "outgoing") == -1 ||
		    form_append(&form, &len, "id", c->id) == -1 ||
		    form_append(&form, &len, "from", c->from) == -1 ||
		    form_append(&form, &len, "to", c->to) == -1 ||
		    form_append(&form, &len, "created", c->created) == -1 ||
		    form_append(&form, &len, "start", c->start) == -1 ||
		    form_append(&form, &len, "state", "success") == -1 ||
		    form_append(&form, &len, "duration", ms) == -1 ||
		    form_append(&form, &len, "cost", "5000") == -1) {
			free(form);
			form = NULL;
		}
		if (fake_call_post(c, c->whenhangup, form, len) == 0)
			return;
		fk->st.hangup_failed++;
	}
	fake_call_end(c);
}

/* GET the call's audio over evhttp (curl gives no headers); 0 or -1. */
static int
fake_call_get(struct call *c)
{
	struct evhttp_uri	*u;
	struct evhttp_request	*req;
	const char		*host, *path, *query;
	char			*target;
	int			 port, rc = -1;

	if ((u = evhttp_uri_parse(c->audio)) == NULL ||
	    evhttp_uri_get_scheme(u) == NULL ||
	    strcmp(evhttp_uri_get_scheme(u), "http") != 0 ||
	    (host = evhttp_uri_get_host(u)) == NULL) {
		log_warnx("call id=%s: cannot fetch the audio %s: only "
		    "http:// URLs", c->id, c->audio);
		goto out;
	}
	if ((port = evhttp_uri_get_port(u)) == -1)
		port = 80;
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	if ((c->conn = evhttp_connection_base_new(c->fake->srv.base, NULL,
	    host, (ev_uint16_t)port)) == NULL ||
	    (req = evhttp_request_new(fake_call_media_cb, c)) == NULL) {
		log_warnx("call id=%s: cannot make the audio request", c->id);
		goto out;
	}
	evhttp_connection_set_timeout(c->conn, MEDIA_TIMEOUT_S);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    host);
	target = str_printf("%s%s%s", path != NULL && *path != '\0' ? path :
	    "/", query != NULL ? "?" : "", query != NULL ? query : "");
	/* On failure the connection has freed the request. */
	rc = evhttp_make_request(c->conn, req, EVHTTP_REQ_GET, target);
	free(target);
	if (rc == -1)
		log_warnx("call id=%s: cannot send the audio request", c->id);
out:
	if (rc == -1 && c->conn != NULL) {
		evhttp_connection_free(c->conn);
		c->conn = NULL;
	}
	if (u != NULL)
		evhttp_uri_free(u);
	return rc;
}

/*
 * The audio came (req NULL: it did not): count it as media_ok when it is
 * 200, audio/wav and a RIFF/WAVE file with more than its header, then go
 * on to the digits.
 */
static void
fake_call_media_cb(struct evhttp_request *req, void *arg)
{
	struct call	*c = arg;
	struct fake	*fk = c->fake;
	struct evbuffer	*in;
	const char	*ctype = NULL;
	unsigned char	 head[12];
	size_t		 len = 0;
	int		 status = 0;
	bool		 riff = false;

	if (req != NULL) {
		status = evhttp_request_get_response_code(req);
		ctype = evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Content-Type");
		in = evhttp_request_get_input_buffer(req);
		len = evbuffer_get_length(in);
		riff = len > WAV_HEADER &&
		    evbuffer_copyout(in, head, sizeof(head)) ==
		    (ev_ssize_t)sizeof(head) &&
		    memcmp(head, "RIFF", 4) == 0 &&
		    memcmp(head + 8, "WAVE", 4) == 0;
	}
	if (status == 200 && ctype != NULL &&
	    strncasecmp(ctype, "audio/wav", 9) == 0 &&
	    (ctype[9] == '\0' || ctype[9] == ';') && riff)
		fk->st.media_ok++;
	else {
		fk->st.media_bad++;
		log_warnx("call id=%s: audio %s: status %d, type %s, %zu "
		    "bytes%s", c->id, c->audio, status,
		    ctype != NULL ? ctype : "none", len,
		    riff ? "" : ", no RIFF/WAVE");
	}
	/* The connection is freed by the timer, not in its own callback. */
	c->step = CALL_IVR;
	fake_call_arm(c, fk->f.c.call_step_ms);
}

/* POST form (taken; NULL: none could be made) to url; 0 or -1. */
static int
fake_call_post(struct call *c, const char *url, char *form, size_t len)
{
	struct http_request	hr;

	if (form == NULL) {
		log_warnx("call id=%s: out of memory", c->id);
		return -1;
	}
	memset(&hr, 0, sizeof(hr));
	hr.url = xstrdup(url);
	hr.body = form;
	hr.body_len = len;
	hr.timeout_ms = DLR_TIMEOUT_MS;
	if (http_client_send(c->fake->srv.client, &hr, fake_call_done_cb,
	    c) == -1) {
		http_request_reset(&hr);
		log_warnx("call id=%s: could not post to the daemon", c->id);
		return -1;
	}
	return 0;
}

/*
 * The daemon answered the digits (next: the hang-up) or the hang-up
 * (done, or tried again as a delivery report is).
 */
static void
fake_call_done_cb(const struct http_response *res, void *arg)
{
	struct call	*c = arg;
	struct fake	*fk = c->fake;
	bool		 ok;

	ok = res->curl_code == 0 && res->status >= 200 && res->status <= 204;
	if (!ok)
		log_warnx("call id=%s: %s answered %s %ld", c->id,
		    c->step == CALL_IVR ? "next" : "whenhangup",
		    res->curl_code != 0 && res->error != NULL ? res->error :
		    "http", res->status);
	if (c->step == CALL_IVR) {
		if (ok)
			fk->st.ivr_sent++;
		else
			fk->st.ivr_failed++;
		c->step = CALL_HANGUP;
		fake_call_arm(c, fk->f.c.call_step_ms);
		return;
	}
	if (ok) {
		fk->st.hangup_sent++;
		fake_call_end(c);
		return;
	}
	if (c->tries >= fk->f.dlr_tries) {
		fk->st.hangup_failed++;
		fake_call_end(c);
		return;
	}
	fake_call_arm(c, fk->f.dlr_retry_ms * c->tries);
}

/* The call is over: take it off the list and free it. */
static void
fake_call_end(struct call *c)
{
	TAILQ_REMOVE(&c->fake->calls, c, entry);
	fake_call_free(c);
}

/* Free a call (not on the list); NULL is fine. */
static void
fake_call_free(struct call *c)
{
	if (c == NULL)
		return;
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->conn != NULL)
		evhttp_connection_free(c->conn);
	free(c->id);
	free(c->from);
	free(c->to);
	free(c->audio);
	free(c->next);
	free(c->whenhangup);
	free(c);
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
		fk->srv.st.dlr_sent++;
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

/* GET /_stats: the 46elks fake's own counters. */
static int
fake_stats(void *arg, json_t *o)
{
	struct fake		*fk = arg;
	const struct stats	*st = &fk->st;
	struct dlr		*d;
	struct call		*c;
	json_int_t		 pending = 0, calls_pending = 0;

	TAILQ_FOREACH(d, &fk->dlrs, entry)
		pending++;
	TAILQ_FOREACH(c, &fk->calls, entry)
		calls_pending++;
	return json_object_update_new(o, json_pack("{s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I}",
	    "dlr_failed", (json_int_t)st->dlr_failed,
	    "dlr_pending", pending,
	    "hooks", (json_int_t)st->hooks,
	    "calls_pending", calls_pending,
	    "media_ok", (json_int_t)st->media_ok,
	    "media_bad", (json_int_t)st->media_bad,
	    "ivr_sent", (json_int_t)st->ivr_sent,
	    "ivr_failed", (json_int_t)st->ivr_failed,
	    "hangup_sent", (json_int_t)st->hangup_sent,
	    "hangup_failed", (json_int_t)st->hangup_failed));
}

/*
 * GET /_received?to=+46...: the accepted messages and calls for that
 * number, oldest first; a call has type "call" and its voice_start and
 * whenhangup, a message is as it always was. GET /_number?to=...: its
 * counters (summary is set).
 */
static void
fake_received(struct fake *fk, struct evhttp_request *req, bool summary)
{
	struct fake_number	*nb;
	struct fake_item	*it;
	char			*to;
	json_t			*o;

	if ((to = fake_query_to(req)) == NULL)
		return;
	nb = fake_number_find(&fk->srv, to);
	if (summary) {
		o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i}", "to", to,
		    "requests", nb ? (int)nb->requests : 0,
		    "accepted", nb ? (int)nb->accepted : 0,
		    "rejected", nb ? (int)nb->rejected : 0,
		    "tempfailed", nb ? (int)nb->tempfailed : 0,
		    "calls", nb ? (int)nb->calls : 0);
	} else {
		o = json_array();
		for (it = nb ? nb->first : NULL; o != NULL && it != NULL;
		    it = it->next)
			json_array_append_new(o, it->call ? json_pack(
			    "{s:s, s:s, s:s, s:s, s:s, s:s?, s:s}",
			    "type", "call", "id", it->id, "from", it->from,
			    "to", nb->to, "voice_start", it->text,
			    "whenhangup", it->callback,
			    "created", it->created) : json_pack(
			    "{s:s, s:s, s:s, s:s, s:s?, s:s}",
			    "id", it->id, "from", it->from, "to", nb->to,
			    "message", it->text,
			    "whendelivered", it->callback,
			    "created", it->created));
	}
	free(to);
	fake_json(req, 200, o);
}

/* POST /_control's answer: the 46elks fake's own settings. */
static int
fake_settings(void *arg, json_t *o)
{
	struct fake	*fk = arg;

	return json_object_update_new(o, json_pack("{s:s, s:b, s:s}",
	    "reject_suffix", fk->f.reject_suffix,
	    "hang", fk->f.c.hang,
	    "dlr_status", fk->f.dlr_failed ? "failed" : "delivered"));
}

/* Forget the callbacks received and the 46elks fake's own counters. */
static void
fake_reset(void *arg)
{
	struct fake	*fk = arg;

	fake_hooks_free(fk);
	memset(&fk->st, 0, sizeof(fk->st));
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
	struct call		*c;
	const char		*user = "u", *password = "p";
	const struct fake_flag	 own[] = {
		{ 'u', &user }, { 'p', &password }, { 0, NULL }
	};

	memset(&fk, 0, sizeof(fk));
	fake_server_init(&fk.srv, &kind, &fk.f.c, &fk);
	fk.f.dlr_tries = DLR_TRIES_DEFAULT;
	fk.f.dlr_retry_ms = DLR_RETRY_MS_DEFAULT;
	fk.f.c.call_step_ms = CALL_STEP_MS_DEFAULT;
	TAILQ_INIT(&fk.dlrs);
	TAILQ_INIT(&fk.calls);
	fake_args(&fk.srv, argc, argv, longopts, own);
	if ((fk.auth = fake_basic(user, password)) == NULL)
		fatalx("user and password too long");

	fake_server_open(&fk.srv, DLR_MAX_CONNECTIONS, fake_request_cb);
	fake_server_run(&fk.srv);

	while ((d = TAILQ_FIRST(&fk.dlrs)) != NULL) {
		TAILQ_REMOVE(&fk.dlrs, d, entry);
		fake_dlr_free(d);
	}
	while ((c = TAILQ_FIRST(&fk.calls)) != NULL)
		fake_call_end(c);
	fake_server_close(&fk.srv);
	fake_hooks_free(&fk);
	free(fk.auth);
	return 0;
}
