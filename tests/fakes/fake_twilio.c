/*
 * A fake Twilio (the 2010 REST API, shared/providers.md section 2) on
 * 127.0.0.1 for the end-to-end tests.
 *
 * POST /2010-04-01/Accounts/{sid}/Messages.json and .../Calls.json answer
 * as Twilio does: Basic auth with the account SID and auth token, the form
 * fields checked, 201 with the message or call resource, errors as JSON
 * {code, message, more_info, status}. Then, as Twilio would, it posts
 * callbacks signed with X-Twilio-Signature (base64 of HMAC-SHA1 keyed with
 * the auth token over the URL and the sorted parameters): a message's
 * status callbacks (sent, then delivered or undelivered), and a call's
 * progress events (initiated, ringing, in-progress as StatusCallbackEvent
 * asks, the final one always). An answered call whose TwiML has a
 * <Gather action="..."> gets --press DIGITS posted to that action.
 *
 * Faults are scriptable by flags and at run time through POST /_control;
 * GET /_stats, /_times, /_received and /_number tell a test what the fake
 * saw. It logs nothing per request unless -v is given.
 */
#include <sys/queue.h>

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
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "gateway/http_client.h"
#include "gateway/log.h"
#include "gateway/util.h"
#include "tests/e2e.h"
#include "tests/fakes/fake_common.h"

#define API_PREFIX		"/2010-04-01/Accounts/"
#define API_VERSION		"2010-04-01"
#define SID_HEX			32
#define BODY_MAX_CHARS		1600	/* Messages.json Body */
#define CB_TIMEOUT_MS		5000
#define CB_MAX_CONNECTIONS	32
#define CB_TRIES_DEFAULT	3
#define CB_RETRY_MS_DEFAULT	200
#define MAX_STEPS		8
#define POOL_FROM		"+15005550006"	/* a service's sender */

/* How a simulated call ends. */
enum outcome {
	OUTCOME_COMPLETED,	/* answered, then hung up */
	OUTCOME_NO_ANSWER,
	OUTCOME_BUSY,
	OUTCOME_FAILED
};

static const char *const outcome_names[] = {
	[OUTCOME_COMPLETED] = "completed",
	[OUTCOME_NO_ANSWER] = "no-answer",
	[OUTCOME_BUSY] = "busy",
	[OUTCOME_FAILED] = "failed",
};

/* The faults and behaviour a test can script. */
struct faults {
	struct fake_faults c;		/* first: the shared ones */
	long		 status_429;	/* requests still to answer 429 */
	bool		 undelivered;	/* messages end undelivered */
	enum outcome	 outcome;
	long		 cb_tries;
	long		 cb_retry_ms;
};

/* What GET /_stats reports after the shared counters. */
struct stats {
	uint64_t	 throttled;	/* 429 */
	uint64_t	 callbacks_sent; /* any callback answered 2xx */
	uint64_t	 callbacks_failed; /* given up after the tries */
	uint64_t	 callbacks_forbidden; /* answered 403 */
	uint64_t	 call_events;	/* call status callbacks taken */
	uint64_t	 digits_sent;	/* Gather actions taken */
	uint64_t	 twiml_errors;	/* TwiML that did not parse */
};

/* What a job posts next. */
enum step {
	STEP_SMS_SENT,
	STEP_SMS_FINAL,
	STEP_CALL_INITIATED,
	STEP_CALL_RINGING,
	STEP_CALL_ANSWERED,
	STEP_CALL_DIGITS,
	STEP_CALL_FINAL
};

struct fake;

/* The callbacks of one message or call, posted one after another. */
struct job {
	TAILQ_ENTRY(job)	 entry;
	struct fake		*fake;
	struct event		*timer;
	bool			 call;
	char			 sid[40];
	char			*to;
	char			*from;
	char			*mgsid;		/* MessagingServiceSid */
	char			*status_url;	/* StatusCallback */
	char			*action;	/* the Gather's action */
	bool			 action_get;	/* method="GET" */
	char			 digits[8];
	enum outcome		 outcome;
	bool			 undelivered;
	bool			 twiml_bad;
	enum step		 steps[MAX_STEPS];
	int			 nsteps;
	int			 step;
	int			 seq;		/* the next SequenceNumber */
	long			 tries;
	long long		 created_ms;
};

struct fake {
	struct fake_server	 srv;
	char			*sid;
	char			*token;
	char			*auth;		/* base64 of sid:token */
	struct faults		 f;
	struct stats		 st;
	long long		*times;		/* accept ms of messages */
	size_t			 ntimes;
	size_t			 times_cap;
	TAILQ_HEAD(, job)	 jobs;
};

static int	 fake_option(struct fake_faults *, const char *,
		    const char *);
static void	 fake_date(char *, size_t, bool);
static size_t	 fake_utf8_len(const char *);
static void	 fake_request_cb(struct evhttp_request *, void *);
static void	 fake_api(struct fake *, struct evhttp_request *,
		    const char *, bool);
static void	 fake_message(struct fake *, struct evhttp_request *,
		    const struct kvlist *, struct fake_number *);
static void	 fake_call(struct fake *, struct evhttp_request *,
		    const struct kvlist *, struct fake_number *);
static int	 fake_twiml(struct fake *, const char *, struct job *);
static char	*fake_error(int, int, const char *);
static void	 fake_api_answer(struct fake *, struct evhttp_request *, int,
		    char *, struct job *);
static void	 fake_job_begin(void *, void *);
static void	 fake_job_drop(void *);
static struct job *fake_job_new(struct fake *, bool, const char *,
		    const char *, const char *, const char *);
static void	 fake_job_arm(struct job *, long);
static void	 fake_job_timer_cb(evutil_socket_t, short, void *);
static int	 fake_job_form(struct job *, enum step, char **, size_t *);
static void	 fake_job_done_cb(const struct http_response *, void *);
static void	 fake_job_next(struct job *);
static void	 fake_job_free(struct job *);
static int	 fake_stats(void *, json_t *);
static int	 fake_settings(void *, json_t *);
static void	 fake_times(struct fake *, struct evhttp_request *);
static void	 fake_received(struct fake *, struct evhttp_request *,
		    bool);
static void	 fake_reset(void *);

static const struct option longopts[] = {
	{ "port",		required_argument,	NULL, 'P' },
	{ "port-file",		required_argument,	NULL, 'F' },
	{ "account-sid",	required_argument,	NULL, 'a' },
	{ "auth-token",		required_argument,	NULL, 't' },
	{ "dlr-delay-ms",	required_argument,	NULL, 'D' },
	{ "dlr-status",		required_argument,	NULL, 'S' },
	{ "no-dlr",		no_argument,		NULL, 'N' },
	{ "press",		required_argument,	NULL, 'p' },
	{ "call-outcome",	required_argument,	NULL, 'o' },
	{ "call-step-ms",	required_argument,	NULL, 'c' },
	{ "fail-first",		required_argument,	NULL, 'f' },
	{ "fail-rate",		required_argument,	NULL, 'r' },
	{ "seed",		required_argument,	NULL, 's' },
	{ "status-429",		required_argument,	NULL, 'q' },
	{ "latency-ms",		required_argument,	NULL, 'l' },
	{ "cb-tries",		required_argument,	NULL, 'T' },
	{ "cb-retry-ms",	required_argument,	NULL, 'R' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ NULL,			0,			NULL, 0 }
};

static const struct fake_kind kind = {
	.name = "fake_twilio",
	.what = "api",
	.usage = "usage: fake_twilio [-v] [--port N] [--port-file F] "
	    "[--account-sid AC...] [--auth-token T]\n"
	    "\t[--dlr-delay-ms N] [--dlr-status delivered|undelivered] "
	    "[--no-dlr]\n"
	    "\t[--press DIGITS] [--call-outcome completed|no-answer|busy|"
	    "failed] [--call-step-ms N]\n"
	    "\t[--fail-first N] [--fail-rate P] [--seed N] [--status-429 N] "
	    "[--latency-ms N]\n"
	    "\t[--cb-tries N] [--cb-retry-ms N]\n",
	.typed_forms = true,
	.option = fake_option,
	.start = fake_job_begin,
	.drop = fake_job_drop,
	.reset = fake_reset,
	.stats = fake_stats,
	.settings = fake_settings,
};


/*
 * Set one of fake_twilio's own fault options by its key ("-" form): 0, -1
 * for a bad value, 1 for a key it does not know.
 */
static int
fake_option(struct fake_faults *cf, const char *key, const char *value)
{
	struct faults	*f = (struct faults *)cf;
	size_t		 i;

	if (strcmp(key, "status-429") == 0) {
		if (fake_parse_long(value, 0, LONG_MAX, &f->status_429) == -1)
			return -1;
	} else if (strcmp(key, "dlr-status") == 0) {
		if (strcmp(value, "undelivered") == 0)
			f->undelivered = true;
		else if (strcmp(value, "delivered") == 0)
			f->undelivered = false;
		else
			return -1;
	} else if (strcmp(key, "call-outcome") == 0) {
		for (i = 0; i < nitems(outcome_names); i++)
			if (strcmp(value, outcome_names[i]) == 0)
				break;
		if (i == nitems(outcome_names))
			return -1;
		f->outcome = (enum outcome)i;
	} else if (strcmp(key, "cb-tries") == 0) {
		if (fake_parse_long(value, 1, 1000, &f->cb_tries) == -1)
			return -1;
	} else if (strcmp(key, "cb-retry-ms") == 0) {
		if (fake_parse_long(value, 0, 3600000, &f->cb_retry_ms) == -1)
			return -1;
	} else
		return 1;
	return 0;
}

/*
 * Now as Twilio writes dates: RFC 2822 ("Tue, 14 Apr 2026 10:00:00
 * +0000"), or with raw set RawDlrDoneDate's "YYMMDDhhmm".
 */
static void
fake_date(char *buf, size_t len, bool raw)
{
	time_t		t = time(NULL);
	struct tm	tm;

	gmtime_r(&t, &tm);
	if (raw)
		strftime(buf, len, "%y%m%d%H%M", &tm);
	else
		strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* Characters (code points) of a UTF-8 string. */
static size_t
fake_utf8_len(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Route a request by path and method. */
static void
fake_request_cb(struct evhttp_request *req, void *arg)
{
	struct fake	*fk = arg;
	const char	*path, *rest, *slash;
	bool		 get, post;
	char		 sid[64];

	path = fake_path(req, &get, &post);
	if (fake_route(&fk->srv, req, path, get, post, sizeof(fk->f)))
		return;
	if (strncmp(path, API_PREFIX, strlen(API_PREFIX)) == 0) {
		rest = path + strlen(API_PREFIX);
		slash = strchr(rest, '/');
		if (slash != NULL && (size_t)(slash - rest) < sizeof(sid) &&
		    (strcmp(slash, "/Messages.json") == 0 ||
		    strcmp(slash, "/Calls.json") == 0)) {
			memcpy(sid, rest, (size_t)(slash - rest));
			sid[slash - rest] = '\0';
			if (post)
				fake_api(fk, req, sid,
				    strcmp(slash, "/Calls.json") == 0);
			else
				fake_send(req, 405, "application/json",
				    "{\"code\":20004,\"message\":\"Method not "
				    "allowed\",\"more_info\":\"https://www."
				    "twilio.com/docs/errors/20004\","
				    "\"status\":405}");
			return;
		}
	}
	if (strcmp(path, "/_times") == 0 && get)
		fake_times(fk, req);
	else if (strcmp(path, "/_received") == 0 && get)
		fake_received(fk, req, false);
	else if (strcmp(path, "/_number") == 0 && get)
		fake_received(fk, req, true);
	else if (path[0] == '/' && path[1] == '_')
		fake_send(req, 405, "text/plain", "Method not allowed");
	else
		fake_send(req, 404, "application/json", "{\"code\":20404,"
		    "\"message\":\"The requested resource was not found\","
		    "\"more_info\":\"https://www.twilio.com/docs/errors/"
		    "20404\",\"status\":404}");
}

/*
 * POST Messages.json or Calls.json: an outage (--fail-first, --fail-rate)
 * comes first, then throttling (--status-429), then the credentials (the
 * path's account too), then the fields.
 */
static void
fake_api(struct fake *fk, struct evhttp_request *req, const char *sid,
    bool call)
{
	struct kvlist		 form = { 0 };
	struct fake_number	*nb;

	fk->srv.st.requests++;
	if (fake_body_form(&fk->srv, req, &form) == -1) {
		fk->srv.st.rejected++;
		fake_api_answer(fk, req, 400, fake_error(400, 20001,
		    "Could not parse the request body"), NULL);
		return;
	}
	nb = fake_api_number(&fk->srv, kvlist_get(&form, "To"));
	if (fake_outage(&fk->srv)) {
		fk->srv.st.tempfailed++;
		fake_api_answer(fk, req, fake_outage_status(&fk->srv, req),
		    fake_error(503, 20500, "An internal server error has "
		    "occurred"), NULL);
		goto out;
	}
	if (fk->f.status_429 > 0) {
		fk->f.status_429--;
		fk->st.throttled++;
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
		fake_api_answer(fk, req, 429, fake_error(429, 20429,
		    "Too Many Requests"), NULL);
		goto out;
	}
	if (!fake_basic_ok(req, fk->auth) || strcmp(sid, fk->sid) != 0) {
		fk->srv.st.rejected++;
		fake_api_answer(fk, req, 401, fake_error(401, 20003,
		    "Authenticate"), NULL);
		goto out;
	}
	if (call)
		fake_call(fk, req, &form, nb);
	else
		fake_message(fk, req, &form, nb);
out:
	kvlist_free(&form);
}

/* Messages.json with good credentials: check the fields, accept. */
static void
fake_message(struct fake *fk, struct evhttp_request *req,
    const struct kvlist *form, struct fake_number *nb)
{
	const char	*to = kvlist_get(form, "To");
	const char	*from = kvlist_get(form, "From");
	const char	*mgsid = kvlist_get(form, "MessagingServiceSid");
	const char	*body = kvlist_get(form, "Body");
	const char	*cb = kvlist_get(form, "StatusCallback");
	const char	*vp = kvlist_get(form, "ValidityPeriod");
	struct fake_item *it;
	struct job	*j = NULL;
	char		 sid[40], date[40], uri[160], media[160], *msg = NULL;
	char		*out;
	long		 l;
	json_t		*o;

	if (to == NULL || *to == '\0')
		msg = fake_error(400, 21604, "A 'To' phone number is "
		    "required.");
	else if (nb == NULL)
		msg = fake_error(400, 21211, "The 'To' number is not a valid "
		    "phone number.");
	else if ((from == NULL || *from == '\0') &&
	    (mgsid == NULL || *mgsid == '\0'))
		msg = fake_error(400, 21603, "A 'From' phone number is "
		    "required.");
	else if (body == NULL || *body == '\0')
		msg = fake_error(400, 21602, "Message body is required.");
	else if (fake_utf8_len(body) > BODY_MAX_CHARS)
		msg = fake_error(400, 21617, "The concatenated message body "
		    "exceeds the 1600 character limit.");
	else if (cb != NULL && !fake_is_url(cb))
		msg = fake_error(400, 21609, "Invalid StatusCallback url.");
	else if (vp != NULL && fake_parse_long(vp, 1, 36000, &l) == -1)
		msg = fake_error(400, 21623, "ValidityPeriod must be between "
		    "1 and 36000 seconds.");
	if (msg != NULL) {
		fk->srv.st.rejected++;
		fake_api_answer(fk, req, 400, msg, NULL);
		return;
	}
	/* The service picks the sender when no From is given. */
	if (from == NULL || *from == '\0')
		from = NULL;

	fake_id(&fk->srv, "SM", sid, sizeof(sid));
	fake_date(date, sizeof(date), false);
	snprintf(uri, sizeof(uri), API_PREFIX "%s/Messages/%s.json", fk->sid,
	    sid);
	snprintf(media, sizeof(media), API_PREFIX "%s/Messages/%s/Media.json",
	    fk->sid, sid);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:s, s:n, s:n, s:s?, "
	    "s:s?, s:s, s:s, s:s, s:n, s:s, s:s, s:s, s:s, s:{s:s}}",
	    "account_sid", fk->sid, "api_version", API_VERSION,
	    "body", body, "date_created", date, "date_updated", date,
	    "date_sent", "direction", "outbound-api", "error_code",
	    "error_message", "from", from, "messaging_service_sid", mgsid,
	    "num_media", "0", "num_segments", mgsid && !from ? "0" : "1",
	    "price_unit", "USD", "price", "sid", sid,
	    "status", mgsid && !from ? "accepted" : "queued", "to", to,
	    "uri", uri, "subresource_uris", "media", media);
	out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (out == NULL) {
		fk->srv.st.rejected++;
		fake_api_answer(fk, req, 400, fake_error(400, 21610,
		    "The message body is not valid UTF-8."), NULL);
		return;
	}

	it = fake_item_add(&fk->srv, nb, false, sid, from ? from : POOL_FROM,
	    body, cb);
	if (fk->ntimes == fk->times_cap) {
		fk->times_cap = fk->times_cap ? fk->times_cap * 2 : 1024;
		fk->times = xrealloc(fk->times, fk->times_cap *
		    sizeof(*fk->times));
	}
	fk->times[fk->ntimes++] = it->at_ms;

	if (cb != NULL && !fk->f.c.no_dlr) {
		j = fake_job_new(fk, false, sid, to, it->from, cb);
		j->mgsid = mgsid ? xstrdup(mgsid) : NULL;
		j->undelivered = fk->f.undelivered;
		j->steps[j->nsteps++] = STEP_SMS_SENT;
		j->steps[j->nsteps++] = STEP_SMS_FINAL;
	}
	fake_log_accepted("message", sid, to);
	fake_api_answer(fk, req, 201, out, j);
}

/*
 * Calls.json with good credentials: check the fields, accept, and script
 * the call: the events StatusCallbackEvent asks for (the final one
 * always), and the digits pressed once it is answered.
 */
static void
fake_call(struct fake *fk, struct evhttp_request *req,
    const struct kvlist *form, struct fake_number *nb)
{
	const char	*to = kvlist_get(form, "To");
	const char	*from = kvlist_get(form, "From");
	const char	*url = kvlist_get(form, "Url");
	const char	*twiml = kvlist_get(form, "Twiml");
	const char	*cb = kvlist_get(form, "StatusCallback");
	bool		 ev_initiated = false, ev_ringing = false;
	bool		 ev_answered = false;
	struct job	*j;
	char		 sid[40], date[40], uri[160], *msg = NULL, *out;
	char		*words, *w, *save;
	size_t		 i;
	json_t		*o;

	if (to == NULL || *to == '\0')
		msg = fake_error(400, 21201, "No 'To' number is specified");
	else if (nb == NULL)
		msg = fake_error(400, 21211, "Invalid 'To' Phone Number");
	else if (from == NULL || *from == '\0')
		msg = fake_error(400, 21213, "No 'From' number is specified");
	else if (!fake_is_e164(from))
		msg = fake_error(400, 21212, "Invalid From Number (caller ID)");
	/* The code for a call without TwiML is not verified. */
	else if ((twiml == NULL || *twiml == '\0') &&
	    (url == NULL || *url == '\0'))
		msg = fake_error(400, 21205, "Url parameter is required.");
	else if (url != NULL && *url != '\0' && !fake_is_url(url))
		msg = fake_error(400, 21205, "Invalid url.");
	else if (cb != NULL && !fake_is_url(cb))
		msg = fake_error(400, 21609, "Invalid StatusCallback url.");
	if (msg != NULL) {
		fk->srv.st.rejected++;
		fake_api_answer(fk, req, 400, msg, NULL);
		return;
	}
	/* Twilio ignores Twiml when Url is given too. */
	if (url != NULL && *url != '\0')
		twiml = NULL;

	fake_id(&fk->srv, "CA", sid, sizeof(sid));
	fake_date(date, sizeof(date), false);
	snprintf(uri, sizeof(uri), API_PREFIX "%s/Calls/%s.json", fk->sid,
	    sid);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:n, s:n, s:s, "
	    "s:s, s:s, s:s, s:s, s:s, s:n, s:n, s:s}",
	    "sid", sid, "account_sid", fk->sid, "api_version", API_VERSION,
	    "date_created", date, "date_updated", date,
	    "direction", "outbound-api", "duration", "price", "start_time",
	    "from", from, "from_formatted", from, "to", to,
	    "to_formatted", to, "status", "queued", "price_unit", "USD",
	    "end_time", "parent_call_sid", "uri", uri);
	out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (out == NULL) {
		fk->srv.st.rejected++;
		fake_api_answer(fk, req, 400, fake_error(400, 20001,
		    "Not valid UTF-8"), NULL);
		return;
	}

	fake_item_add(&fk->srv, nb, true, sid, from, twiml ? twiml : url, cb);

	/* The events asked for: repeated fields or words in one field. */
	for (i = 0; i < form->n; i++) {
		if (strcmp(form->v[i].name, "StatusCallbackEvent") != 0)
			continue;
		words = xstrdup(form->v[i].value);
		for (w = strtok_r(words, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			ev_initiated |= strcmp(w, "initiated") == 0;
			ev_ringing |= strcmp(w, "ringing") == 0;
			ev_answered |= strcmp(w, "answered") == 0;
		}
		free(words);
	}
	j = fake_job_new(fk, true, sid, to, from, cb);
	j->outcome = fk->f.outcome;
	if (twiml != NULL && fake_twiml(fk, twiml, j) == -1) {
		j->outcome = OUTCOME_FAILED;
		j->twiml_bad = true;
	}
	if (cb != NULL && ev_initiated)
		j->steps[j->nsteps++] = STEP_CALL_INITIATED;
	if (cb != NULL && ev_ringing && (j->outcome == OUTCOME_COMPLETED ||
	    j->outcome == OUTCOME_NO_ANSWER))
		j->steps[j->nsteps++] = STEP_CALL_RINGING;
	if (cb != NULL && ev_answered && j->outcome == OUTCOME_COMPLETED)
		j->steps[j->nsteps++] = STEP_CALL_ANSWERED;
	if (j->outcome == OUTCOME_COMPLETED && j->action != NULL &&
	    fk->f.c.press[0] != '\0') {
		strlcpy(j->digits, fk->f.c.press, sizeof(j->digits));
		j->steps[j->nsteps++] = STEP_CALL_DIGITS;
	}
	if (cb != NULL)
		j->steps[j->nsteps++] = STEP_CALL_FINAL;
	if (j->nsteps == 0) {
		fake_job_free(j);
		j = NULL;
	}
	fake_log_accepted("call", sid, to);
	fake_api_answer(fk, req, 201, out, j);
}

/*
 * Read the call's TwiML as Twilio would: a <Response> document; the first
 * <Gather> gives the action (and method) the digits go to. -1 if it is
 * no well-formed TwiML (the call then fails with 12100).
 */
static int
fake_twiml(struct fake *fk, const char *twiml, struct job *j)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, n, next;
	xmlChar		*action, *method;
	int		 rc = -1;

	doc = xmlReadMemory(twiml, (int)strlen(twiml), "twiml.xml", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL ||
	    xmlStrcmp(root->name, (const xmlChar *)"Response") != 0) {
		fk->st.twiml_errors++;
		log_warnx("call sid=%s: the Twiml is not a <Response> "
		    "document", j->sid);
		goto out;
	}
	rc = 0;
	/* Depth first through the document, in document order. */
	for (n = root->children; n != NULL; n = next) {
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(n->name, (const xmlChar *)"Gather") == 0) {
			action = xmlGetProp(n, (const xmlChar *)"action");
			method = xmlGetProp(n, (const xmlChar *)"method");
			if (action != NULL && fake_is_url((char *)action))
				j->action = xstrdup((char *)action);
			else
				log_warnx("call sid=%s: a <Gather> without an "
				    "absolute action URL gets no digits",
				    j->sid);
			j->action_get = method != NULL &&
			    xmlStrcasecmp(method, (const xmlChar *)"GET") == 0;
			xmlFree(action);
			xmlFree(method);
			break;
		}
		if ((next = n->children) != NULL)
			continue;
		/* Up to the first ancestor with a next sibling. */
		while ((next = n->next) == NULL && (n = n->parent) != root)
			;
	}
out:
	xmlFreeDoc(doc);
	return rc;
}

/* Twilio's error body {code, message, more_info, status}; never NULL. */
static char *
fake_error(int status, int code, const char *message)
{
	char	*s;

	s = str_printf("{\"code\":%d,\"message\":\"%s\",\"more_info\":"
	    "\"https://www.twilio.com/docs/errors/%d\",\"status\":%d}", code,
	    message, code, status);
	if (s == NULL)
		fatalx("out of memory");
	return s;
}

/*
 * Answer with JSON now or after --latency-ms. Takes body (malloc'd) and
 * j, the callbacks to start once the answer is out (or NULL).
 */
static void
fake_api_answer(struct fake *fk, struct evhttp_request *req, int status,
    char *body, struct job *j)
{
	fake_answer(&fk->srv, req, status, "application/json", body, j);
}

/* An answer is out: post the first of its job's callbacks in a while. */
static void
fake_job_begin(void *arg, void *after)
{
	struct fake	*fk = arg;
	struct job	*j = after;

	fake_job_arm(j, j->call ? fk->f.c.call_step_ms : fk->f.c.dlr_delay_ms);
}

/* An answer never went out: free its job. */
static void
fake_job_drop(void *after)
{
	fake_job_free(after);
}

/* A job for the callbacks of one message or call; cb may be NULL. */
static struct job *
fake_job_new(struct fake *fk, bool call, const char *sid, const char *to,
    const char *from, const char *cb)
{
	struct job	*j = xcalloc(1, sizeof(*j));

	j->fake = fk;
	j->call = call;
	strlcpy(j->sid, sid, sizeof(j->sid));
	j->to = xstrdup(to);
	j->from = xstrdup(from);
	j->status_url = cb ? xstrdup(cb) : NULL;
	j->created_ms = fake_ms(&fk->srv);
	return j;
}

/* Post the job's next callback after delay_ms. */
static void
fake_job_arm(struct job *j, long delay_ms)
{
	struct fake	*fk = j->fake;

	if (j->timer == NULL) {
		TAILQ_INSERT_TAIL(&fk->jobs, j, entry);
		if ((j->timer = evtimer_new(fk->srv.base, fake_job_timer_cb,
		    j)) == NULL) {
			log_warnx("sid=%s: evtimer_new failed: callbacks "
			    "dropped", j->sid);
			fk->st.callbacks_failed++;
			TAILQ_REMOVE(&fk->jobs, j, entry);
			fake_job_free(j);
			return;
		}
	}
	fake_timer_add(j->timer, delay_ms);
}

/*
 * Post the current step's callback (again), signed as Twilio signs
 * (providers.md 2.4) by the e2e harness's e2e_twilio_sign.
 */
static void
fake_job_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job		*j = arg;
	struct fake		*fk = j->fake;
	enum step		 s = j->steps[j->step];
	struct http_request	 hr;
	char			 sig[EVP_MAX_MD_SIZE * 2], *form = NULL;
	const char		*url;
	size_t			 len = 0;

	j->tries++;
	memset(&hr, 0, sizeof(hr));
	url = s == STEP_CALL_DIGITS ? j->action : j->status_url;
	if (fake_job_form(j, s, &form, &len) == -1)
		goto fail;
	if (s == STEP_CALL_DIGITS && j->action_get) {
		/* A GET carries the parameters in the URL, which is signed
		 * alone. */
		hr.url = str_printf("%s%c%s", url, strchr(url, '?') ? '&' :
		    '?', form);
		hr.method = xstrdup("GET");
		free(form);
		form = NULL;
		if (hr.url == NULL || e2e_twilio_sign(fk->token, hr.url, NULL,
		    sig, sizeof(sig)) == -1)
			goto fail;
	} else {
		if (e2e_twilio_sign(fk->token, url, form, sig,
		    sizeof(sig)) == -1)
			goto fail;
		hr.url = xstrdup(url);
		hr.body = form;
		hr.body_len = len;
		form = NULL;
	}
	if (http_request_header(&hr, "X-Twilio-Signature: %s", sig) == -1 ||
	    http_request_header(&hr, "I-Twilio-Idempotency-Token: %s-%d",
	    j->sid, j->step) == -1)
		goto fail;
	hr.timeout_ms = CB_TIMEOUT_MS;
	if (http_client_send(fk->srv.client, &hr, fake_job_done_cb, j) ==
	    -1)
		goto fail;
	return;
fail:
	log_warnx("sid=%s: could not post a callback", j->sid);
	http_request_reset(&hr);
	free(form);
	fk->st.callbacks_failed++;
	fake_job_next(j);
}

/* The form of one callback, encoded (form, len). 0 or -1. */
static int
fake_job_form(struct job *j, enum step s, char **form, size_t *len)
{
	struct fake	*fk = j->fake;
	const char	*st = NULL;
	char		 date[40], raw[24], num[24];
	struct kv	 v[24];
	size_t		 n = 0, i;

#define ADD(k, val)	do { v[n].name = (char *)(k);			\
			     v[n].value = (char *)(val); n++; } while (0)
	ADD("AccountSid", fk->sid);
	ADD("ApiVersion", API_VERSION);
	ADD("From", j->from);
	ADD("To", j->to);
	if (!j->call) {
		st = s == STEP_SMS_SENT ? "sent" : j->undelivered ?
		    "undelivered" : "delivered";
		ADD("MessageSid", j->sid);
		ADD("MessageStatus", st);
		ADD("SmsSid", j->sid);
		ADD("SmsStatus", st);
		if (j->mgsid != NULL)
			ADD("MessagingServiceSid", j->mgsid);
		if (s == STEP_SMS_FINAL) {
			fake_date(raw, sizeof(raw), true);
			ADD("RawDlrDoneDate", raw);
			if (j->undelivered)
				ADD("ErrorCode", "30003");
		}
	} else {
		switch (s) {
		case STEP_CALL_INITIATED:
			st = "initiated";
			break;
		case STEP_CALL_RINGING:
			st = "ringing";
			break;
		case STEP_CALL_ANSWERED:
		case STEP_CALL_DIGITS:
			st = "in-progress";
			break;
		default:
			st = outcome_names[j->outcome];
			break;
		}
		ADD("CallSid", j->sid);
		ADD("CallStatus", st);
		ADD("Called", j->to);
		ADD("Caller", j->from);
		ADD("Direction", "outbound-api");
		if (s == STEP_CALL_DIGITS) {
			ADD("Digits", j->digits);
			ADD("FinishedOnKey", "");
		} else {
			fake_date(date, sizeof(date), false);
			snprintf(num, sizeof(num), "%d", j->seq++);
			ADD("CallbackSource", "call-progress-events");
			ADD("SequenceNumber", num);
			ADD("Timestamp", date);
		}
		if (s == STEP_CALL_FINAL) {
			/* Whole seconds, at least one once answered. */
			snprintf(raw, sizeof(raw), "%lld",
			    j->outcome == OUTCOME_COMPLETED ?
			    (fake_ms(&fk->srv) - j->created_ms) / 1000 + 1 : 0);
			ADD("CallDuration", raw);
			if (j->outcome == OUTCOME_FAILED)
				ADD("ErrorCode", j->twiml_bad ? "12100" :
				    "13227");
		}
	}
#undef ADD
	for (i = 0; i < n; i++)
		if (form_append(form, len, v[i].name, v[i].value) == -1)
			return -1;
	return 0;
}

/* A callback was answered (or not): the next one, or try again. */
static void
fake_job_done_cb(const struct http_response *res, void *arg)
{
	struct job	*j = arg;
	struct fake	*fk = j->fake;
	enum step	 s = j->steps[j->step];

	if (res->curl_code == 0 && res->status >= 200 && res->status <= 299) {
		fk->st.callbacks_sent++;
		if (s == STEP_SMS_FINAL)
			fk->srv.st.dlr_sent++;
		else if (s == STEP_CALL_DIGITS)
			fk->st.digits_sent++;
		else if (j->call)
			fk->st.call_events++;
		fake_job_next(j);
		return;
	}
	if (res->curl_code == 0 && res->status == 403) {
		/* Our signature was refused: trying again changes nothing. */
		fk->st.callbacks_forbidden++;
		log_warnx("sid=%s step=%d: the callback was refused (403)",
		    j->sid, (int)s);
		fake_job_next(j);
		return;
	}
	if (log_verbosity() >= LOG_LVL_INFO)
		log_info("sid=%s step=%d try=%ld: %s %ld", j->sid, (int)s,
		    j->tries, res->curl_code != 0 && res->error != NULL ?
		    res->error : "http", res->status);
	if (j->tries >= fk->f.cb_tries) {
		fk->st.callbacks_failed++;
		fake_job_next(j);
		return;
	}
	fake_job_arm(j, fk->f.cb_retry_ms * j->tries);
}

/* On to the job's next step, or free it after the last. */
static void
fake_job_next(struct job *j)
{
	struct fake	*fk = j->fake;

	j->tries = 0;
	if (++j->step >= j->nsteps) {
		TAILQ_REMOVE(&fk->jobs, j, entry);
		fake_job_free(j);
		return;
	}
	fake_job_arm(j, j->steps[j->step] == STEP_SMS_FINAL ? 0 :
	    fk->f.c.call_step_ms);
}

/* Free a job; NULL is fine. It must be off the list. */
static void
fake_job_free(struct job *j)
{
	if (j == NULL)
		return;
	if (j->timer != NULL)
		event_free(j->timer);
	free(j->to);
	free(j->from);
	free(j->mgsid);
	free(j->status_url);
	free(j->action);
	free(j);
}

/* GET /_stats: the Twilio fake's own counters. */
static int
fake_stats(void *arg, json_t *o)
{
	struct fake		*fk = arg;
	const struct stats	*st = &fk->st;
	struct job		*j;
	json_int_t		 pending = 0;

	TAILQ_FOREACH(j, &fk->jobs, entry)
		pending++;
	return json_object_update_new(o, json_pack("{s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I}",
	    "throttled", (json_int_t)st->throttled,
	    "callbacks_sent", (json_int_t)st->callbacks_sent,
	    "callbacks_failed", (json_int_t)st->callbacks_failed,
	    "callbacks_forbidden", (json_int_t)st->callbacks_forbidden,
	    "call_events", (json_int_t)st->call_events,
	    "digits_sent", (json_int_t)st->digits_sent,
	    "twiml_errors", (json_int_t)st->twiml_errors,
	    "callbacks_pending", pending));
}

/* GET /_times: when each message was accepted, in ms since the start. */
static void
fake_times(struct fake *fk, struct evhttp_request *req)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	size_t		 i;

	evbuffer_add(out, "[", 1);
	for (i = 0; i < fk->ntimes; i++)
		evbuffer_add_printf(out, "%s%lld", i ? "," : "", fk->times[i]);
	evbuffer_add(out, "]", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", NULL);
}

/*
 * GET /_received?to=+46...: the messages and calls accepted for that
 * number, oldest first. GET /_number?to=...: its counters, and the order
 * (seq, from 1) and time of its first accepted message (0 if none).
 */
static void
fake_received(struct fake *fk, struct evhttp_request *req, bool summary)
{
	struct fake_number	*nb;
	struct fake_item	*it, *first = NULL;
	char			*to;
	json_t			*o;

	if ((to = fake_query_to(req)) == NULL)
		return;
	nb = fake_number_find(&fk->srv, to);
	if (summary) {
		for (it = nb ? nb->first : NULL; it != NULL; it = it->next)
			if (!it->call) {
				first = it;
				break;
			}
		o = json_pack("{s:s, s:i, s:i, s:i, s:I, s:I}", "to", to,
		    "requests", nb ? (int)nb->requests : 0,
		    "accepted", nb ? (int)nb->accepted : 0,
		    "calls", nb ? (int)nb->calls : 0,
		    "first_seq", first ? (json_int_t)first->seq : 0,
		    "first_ms", first ? (json_int_t)first->at_ms : 0);
	} else {
		o = json_array();
		for (it = nb ? nb->first : NULL; o != NULL && it != NULL;
		    it = it->next)
			json_array_append_new(o, json_pack(
			    "{s:s, s:s, s:s, s:s, s:s, s:s?, s:I}",
			    "type", it->call ? "call" : "sms", "sid", it->id,
			    "from", it->from, "to", nb->to,
			    it->call ? "twiml" : "body", it->text,
			    "status_callback", it->callback,
			    "at_ms", (json_int_t)it->at_ms));
	}
	free(to);
	fake_json(req, 200, o);
}

/* POST /_control's answer: the Twilio fake's own settings. */
static int
fake_settings(void *arg, json_t *o)
{
	struct fake	*fk = arg;

	return json_object_update_new(o, json_pack("{s:I, s:s, s:s}",
	    "status_429", (json_int_t)fk->f.status_429,
	    "dlr_status", fk->f.undelivered ? "undelivered" : "delivered",
	    "call_outcome", outcome_names[fk->f.outcome]));
}

/* Forget the times and the Twilio fake's own counters. */
static void
fake_reset(void *arg)
{
	struct fake	*fk = arg;

	fk->ntimes = 0;
	memset(&fk->st, 0, sizeof(fk->st));
}

/* Parse the flags, listen, serve until SIGTERM, clean up. */
int
main(int argc, char *argv[])
{
	struct fake		 fk;
	struct job		*j;
	const char		*sid = "AC00000000000000000000000000000000";
	const char		*token = "fake-auth-token";
	const struct fake_flag	 own[] = {
		{ 'a', &sid }, { 't', &token }, { 0, NULL }
	};

	memset(&fk, 0, sizeof(fk));
	fake_server_init(&fk.srv, &kind, &fk.f.c, &fk);
	fk.f.c.call_step_ms = 20;
	fk.f.cb_tries = CB_TRIES_DEFAULT;
	fk.f.cb_retry_ms = CB_RETRY_MS_DEFAULT;
	TAILQ_INIT(&fk.jobs);
	fake_args(&fk.srv, argc, argv, longopts, own);
	if (strncmp(sid, "AC", 2) != 0 || strlen(sid) != 2 + SID_HEX ||
	    strspn(sid + 2, "0123456789abcdefABCDEF") != SID_HEX) {
		fprintf(stderr, "fake_twilio: --account-sid: must be AC and "
		    "32 hex digits\n");
		exit(2);
	}
	if (*token == '\0') {
		fprintf(stderr, "fake_twilio: --auth-token: empty\n");
		exit(2);
	}
	fk.sid = xstrdup(sid);
	fk.token = xstrdup(token);
	if ((fk.auth = fake_basic(sid, token)) == NULL)
		fatalx("account SID and auth token too long");

	LIBXML_TEST_VERSION
	fake_server_open(&fk.srv, CB_MAX_CONNECTIONS, fake_request_cb);
	fake_server_run(&fk.srv);

	while ((j = TAILQ_FIRST(&fk.jobs)) != NULL) {
		TAILQ_REMOVE(&fk.jobs, j, entry);
		fake_job_free(j);
	}
	fake_server_close(&fk.srv);
	free(fk.times);
	free(fk.sid);
	explicit_bzero(fk.token, strlen(fk.token));
	free(fk.token);
	free(fk.auth);
	xmlCleanupParser();
	return 0;
}
