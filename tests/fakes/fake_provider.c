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
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "gateway/http_client.h"
#include "gateway/log.h"
#include "gateway/util.h"

#define DLR_TRIES_DEFAULT	5	/* 46elks tries at least five times */
#define DLR_RETRY_MS_DEFAULT	200
#define DLR_TIMEOUT_MS		5000
#define DLR_MAX_CONNECTIONS	32
#define MAX_BODY		65536

/* The faults and behaviour a test can script. */
struct faults {
	long		 fail_first;	/* requests still to answer 503 */
	double		 fail_rate;	/* share of requests answered 503 */
	uint64_t	 seed;
	char		 reject_suffix[32];
	long		 latency_ms;
	bool		 hang;		/* never answer */
	bool		 dlr_failed;	/* report failed, not delivered */
	bool		 no_dlr;	/* send no delivery reports */
	long		 dlr_delay_ms;
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
	uint64_t	 concurrent;	/* requests not yet answered */
	uint64_t	 max_concurrent;
	uint64_t	 dlr_sent;
	uint64_t	 dlr_failed;
	uint64_t	 connections;
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
	char		*to;
	uint64_t	 hash;
	uint32_t	 requests;
	uint32_t	 accepted;
	uint32_t	 rejected;
	uint32_t	 tempfailed;
	struct sent	*first;		/* oldest first */
	struct sent	*last;
};

/* Open addressing hash table of numbers, keyed by the to number. */
struct table {
	struct number	**slots;
	size_t		  cap;		/* a power of two */
	size_t		  n;
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

/* A request whose answer waits for --latency-ms or --hang. */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	struct fake		*fake;
	struct evhttp_request	*req;
	struct event		*timer;		/* NULL while hanging */
	int			 status;
	const char		*reason;
	const char		*ctype;
	char			*body;
	struct dlr		*dlr;		/* started once answered */
};

struct fake {
	struct event_base	*base;
	struct evhttp		*http;
	struct http_client	*client;
	char			*auth;		/* "Basic <base64 user:pass>" */
	struct faults		 f;
	struct stats		 st;
	struct table		 tab;
	uint64_t		 rng;
	uint64_t		 idprefix;
	uint64_t		 idcount;
	TAILQ_HEAD(, pending)	 pending;
	TAILQ_HEAD(, dlr)	 dlrs;
	struct hook		*hooks;		/* oldest first */
	struct hook		*hooks_last;
};

static void	 usage(void) __attribute__((noreturn));
static int	 fake_option(struct faults *, const char *, const char *,
		    char *, size_t);
static uint64_t	 fake_random(struct fake *);
static void	 fake_now(char *, size_t);
static uint64_t	 fake_hash(const char *);
static struct number *fake_number(struct fake *, const char *, bool);
static void	 fake_table_free(struct table *);
static bool	 fake_is_e164(const char *);
static bool	 fake_has_suffix(const char *, const char *);
static struct bufferevent *fake_bev_cb(struct event_base *, void *);
static void	 fake_request_cb(struct evhttp_request *, void *);
static void	 fake_sms(struct fake *, struct evhttp_request *);
static void	 fake_answer(struct fake *, struct evhttp_request *, int,
		    const char *, const char *, char *, struct dlr *);
static void	 fake_send(struct evhttp_request *, int, const char *,
		    const char *, const char *);
static void	 fake_pending_cb(evutil_socket_t, short, void *);
static void	 fake_pending_release(struct fake *, struct pending *);
static void	 fake_pending_free(struct pending *);
static void	 fake_dlr_start(struct fake *, struct dlr *, long);
static void	 fake_dlr_timer_cb(evutil_socket_t, short, void *);
static void	 fake_dlr_done_cb(const struct http_response *, void *);
static void	 fake_dlr_free(struct dlr *);
static void	 fake_stats(struct fake *, struct evhttp_request *);
static void	 fake_received(struct fake *, struct evhttp_request *,
		    bool);
static void	 fake_control(struct fake *, struct evhttp_request *);
static void	 fake_reset(struct fake *);
static char	*fake_header_dup(struct evhttp_request *, const char *);
static void	 fake_hook(struct fake *, struct evhttp_request *,
		    const char *);
static void	 fake_hooks(struct fake *, struct evhttp_request *);
static void	 fake_hooks_free(struct fake *);
static void	 fake_json(struct evhttp_request *, int, json_t *);
static int	 fake_body_form(struct evhttp_request *, struct kvlist *);
static int	 fake_query(struct evhttp_request *, struct kvlist *);
static void	 fake_signal_cb(evutil_socket_t, short, void *);
static int	 fake_write_port(const char *, int);

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

/* Say how to call the program and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: fake_provider [-v] [--port N] [--port-file F] "
	    "[--user U] [--password P]\n"
	    "\t[--dlr-delay-ms N] [--dlr-status delivered|failed] "
	    "[--dlr-tries N] [--dlr-retry-ms N] [--no-dlr]\n"
	    "\t[--fail-first N] [--fail-rate P] [--seed N] "
	    "[--reject-suffix S] [--latency-ms N] [--hang]\n"
	    "\t[--hook-fail-first N]\n");
	exit(2);
}

/* Parse a long within [min, max]; 0 or -1. */
static int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Parse a yes/no value; 0 or -1. */
static int
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0 ||
	    *s == '\0')
		*out = true;
	else if (strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/*
 * Set one fault option by its flag name (without "--"; "_" works for "-").
 * 0, or -1 with the reason in err.
 */
static int
fake_option(struct faults *f, const char *name, const char *value,
    char *err, size_t errlen)
{
	char	 key[32];
	size_t	 i;
	long	 l;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(key); i++)
		key[i] = name[i] == '_' ? '-' : name[i];
	key[i] = '\0';

	if (strcmp(key, "fail-first") == 0) {
		if (parse_long(value, 0, LONG_MAX, &f->fail_first) == -1)
			goto bad;
	} else if (strcmp(key, "fail-rate") == 0) {
		char	*end;
		double	 d;

		errno = 0;
		d = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' ||
		    !(d >= 0.0 && d <= 1.0))
			goto bad;
		f->fail_rate = d;
	} else if (strcmp(key, "seed") == 0) {
		if (parse_long(value, 0, LONG_MAX, &l) == -1)
			goto bad;
		f->seed = (uint64_t)l;
	} else if (strcmp(key, "reject-suffix") == 0) {
		if (strlen(value) >= sizeof(f->reject_suffix))
			goto bad;
		strlcpy(f->reject_suffix, value, sizeof(f->reject_suffix));
	} else if (strcmp(key, "hook-fail-first") == 0) {
		if (parse_long(value, 0, LONG_MAX, &f->hook_fail_first) == -1)
			goto bad;
	} else if (strcmp(key, "latency-ms") == 0) {
		if (parse_long(value, 0, 3600000, &f->latency_ms) == -1)
			goto bad;
	} else if (strcmp(key, "hang") == 0) {
		if (parse_bool(value, &f->hang) == -1)
			goto bad;
	} else if (strcmp(key, "no-dlr") == 0) {
		if (parse_bool(value, &f->no_dlr) == -1)
			goto bad;
	} else if (strcmp(key, "dlr-status") == 0) {
		if (strcmp(value, "failed") == 0)
			f->dlr_failed = true;
		else if (strcmp(value, "delivered") == 0)
			f->dlr_failed = false;
		else
			goto bad;
	} else if (strcmp(key, "dlr-delay-ms") == 0) {
		if (parse_long(value, 0, 86400000, &f->dlr_delay_ms) == -1)
			goto bad;
	} else if (strcmp(key, "dlr-tries") == 0) {
		if (parse_long(value, 1, 1000, &f->dlr_tries) == -1)
			goto bad;
	} else if (strcmp(key, "dlr-retry-ms") == 0) {
		if (parse_long(value, 0, 3600000, &f->dlr_retry_ms) == -1)
			goto bad;
	} else {
		snprintf(err, errlen, "unknown option \"%s\"", name);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: bad value \"%s\"", name, value);
	return -1;
}

/* The next number of the seeded generator (splitmix64). */
static uint64_t
fake_random(struct fake *fk)
{
	uint64_t	z;

	z = (fk->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
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

/* FNV-1a of a string. */
static uint64_t
fake_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The entry of a number, made if create is set; NULL if absent. */
static struct number *
fake_number(struct fake *fk, const char *to, bool create)
{
	struct table	*t = &fk->tab;
	struct number	*nb;
	uint64_t	 h = fake_hash(to);
	size_t		 i;

	if (t->cap != 0) {
		for (i = h & (t->cap - 1); (nb = t->slots[i]) != NULL;
		    i = (i + 1) & (t->cap - 1))
			if (nb->hash == h && strcmp(nb->to, to) == 0)
				return nb;
	}
	if (!create)
		return NULL;

	if ((t->n + 1) * 2 > t->cap) {
		size_t		  ncap = t->cap ? t->cap * 2 : 1024, j;
		struct number	**ns = xcalloc(ncap, sizeof(*ns));

		for (j = 0; j < t->cap; j++) {
			if ((nb = t->slots[j]) == NULL)
				continue;
			for (i = nb->hash & (ncap - 1); ns[i] != NULL;
			    i = (i + 1) & (ncap - 1))
				;
			ns[i] = nb;
		}
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	nb = xcalloc(1, sizeof(*nb));
	nb->to = xstrdup(to);
	nb->hash = h;
	for (i = h & (t->cap - 1); t->slots[i] != NULL;
	    i = (i + 1) & (t->cap - 1))
		;
	t->slots[i] = nb;
	t->n++;
	return nb;
}

/* Free every number and what it received. */
static void
fake_table_free(struct table *t)
{
	struct number	*nb;
	struct sent	*s, *next;
	size_t		 i;

	for (i = 0; i < t->cap; i++) {
		if ((nb = t->slots[i]) == NULL)
			continue;
		for (s = nb->first; s != NULL; s = next) {
			next = s->next;
			free(s->id);
			free(s->from);
			free(s->message);
			free(s->whendelivered);
			free(s);
		}
		free(nb->to);
		free(nb);
	}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* Does s look like an E.164 number ("+" and 7 to 15 digits)? */
static bool
fake_is_e164(const char *s)
{
	size_t	n = 0;

	if (*s++ != '+' || *s == '0')
		return false;
	for (; *s != '\0'; s++, n++)
		if (!isdigit((unsigned char)*s))
			return false;
	return n >= 7 && n <= 15;
}

/* Does s end in suffix (an empty suffix matches nothing)? */
static bool
fake_has_suffix(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return lx != 0 && ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* A new TCP connection: count it and give evhttp its bufferevent. */
static struct bufferevent *
fake_bev_cb(struct event_base *base, void *arg)
{
	struct fake	*fk = arg;

	fk->st.connections++;
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

/* Route a request by path and method. */
static void
fake_request_cb(struct evhttp_request *req, void *arg)
{
	struct fake			*fk = arg;
	const struct evhttp_uri		*uri;
	const char			*path;
	enum evhttp_cmd_type		 cmd = evhttp_request_get_command(req);
	bool				 get = cmd == EVHTTP_REQ_GET;
	bool				 post = cmd == EVHTTP_REQ_POST;

	uri = evhttp_request_get_evhttp_uri(req);
	path = evhttp_uri_get_path(uri);
	if (path == NULL)
		path = "/";
	if (log_verbosity() >= LOG_LVL_DEBUG)
		log_debug("%s %s", post ? "POST" : get ? "GET" : "other",
		    path);
	if (strcmp(path, "/a1/sms") == 0 || strcmp(path, "/a1/SMS") == 0) {
		if (post)
			fake_sms(fk, req);
		else
			fake_send(req, 405, "Method Not Allowed", "text/plain",
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
		fake_send(req, 405, "Method Not Allowed", "text/plain",
		    "Method not allowed");
	else
		fake_send(req, 404, "Not Found", "text/plain", "Not found");
}

/* POST /a1/sms: check, count, answer (maybe later) and report. */
static void
fake_sms(struct fake *fk, struct evhttp_request *req)
{
	struct kvlist	 form = { 0 };
	struct number	*nb = NULL;
	struct sent	*s;
	struct dlr	*d = NULL;
	const char	*auth, *from, *to, *msg, *when, *missing = NULL;
	char		 id[40], created[32], *body;
	json_t		*o;
	bool		 tempfail = false;

	fk->st.requests++;
	if (fake_body_form(req, &form) == -1) {
		fk->st.rejected++;
		fake_answer(fk, req, 400, "Bad Request", "text/plain",
		    xstrdup("Could not parse the request body"), NULL);
		return;
	}
	from = kvlist_get(&form, "from");
	to = kvlist_get(&form, "to");
	msg = kvlist_get(&form, "message");
	when = kvlist_get(&form, "whendelivered");
	if (to != NULL && fake_is_e164(to)) {
		nb = fake_number(fk, to, true);
		nb->requests++;
	}

	/* An outage comes before anything is looked at. */
	if (fk->f.fail_first > 0) {
		fk->f.fail_first--;
		tempfail = true;
	} else if (fk->f.fail_rate > 0.0 &&
	    (double)(fake_random(fk) >> 11) / 9007199254740992.0 <
	    fk->f.fail_rate)
		tempfail = true;
	if (tempfail) {
		fk->st.tempfailed++;
		if (nb != NULL)
			nb->tempfailed++;
		fake_answer(fk, req, 503, "Service Unavailable", "text/plain",
		    xstrdup("Service Unavailable"), NULL);
		goto out;
	}

	auth = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0 ||
	    strcmp(auth + 6, fk->auth + 6) != 0) {
		fk->st.rejected++;
		if (nb != NULL)
			nb->rejected++;
		fake_answer(fk, req, 401, "Unauthorized", "text/plain",
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
		fake_answer(fk, req, 400, "Bad Request", "text/plain",
		    str_printf("Missing key %s", missing), NULL);
		goto out;
	}
	if (nb == NULL || fake_has_suffix(to, fk->f.reject_suffix)) {
		fk->st.rejected++;
		if (nb != NULL)
			nb->rejected++;
		fake_answer(fk, req, 400, "Bad Request", "text/plain",
		    xstrdup("Invalid to number"), NULL);
		goto out;
	}

	/* Accepted. */
	snprintf(id, sizeof(id), "s%016llx%016llx",
	    (unsigned long long)fk->idprefix,
	    (unsigned long long)++fk->idcount);
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

	if (when != NULL && *when != '\0' && !fk->f.no_dlr) {
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
		fake_answer(fk, req, 400, "Bad Request", "text/plain",
		    xstrdup("Invalid message encoding"), NULL);
		goto out;
	}
	if (log_verbosity() >= LOG_LVL_INFO) {
		char	masked[32];

		mask_phone(to, masked, sizeof(masked));
		log_info("sms id=%s to=%s accepted", id, masked);
	}
	fake_answer(fk, req, 200, "OK", "application/json", body, d);
out:
	kvlist_free(&form);
}

/*
 * Answer now, after --latency-ms, or never (--hang). Takes body (malloc'd)
 * and d, the delivery report to start once the answer is out (or NULL).
 */
static void
fake_answer(struct fake *fk, struct evhttp_request *req, int status,
    const char *reason, const char *ctype, char *body, struct dlr *d)
{
	struct pending	*p;
	struct timeval	 tv;

	if (status != 200 && log_verbosity() >= LOG_LVL_INFO)
		log_info("sms status=%d %s", status, body);
	fk->st.concurrent++;
	if (fk->st.concurrent > fk->st.max_concurrent)
		fk->st.max_concurrent = fk->st.concurrent;
	if (!fk->f.hang && fk->f.latency_ms == 0) {
		fake_send(req, status, reason, ctype, body);
		free(body);
		fk->st.concurrent--;
		if (d != NULL)
			fake_dlr_start(fk, d, fk->f.dlr_delay_ms);
		return;
	}

	p = xcalloc(1, sizeof(*p));
	p->fake = fk;
	p->req = req;
	p->status = status;
	p->reason = reason;
	p->ctype = ctype;
	p->body = body;
	p->dlr = d;
	TAILQ_INSERT_TAIL(&fk->pending, p, entry);
	if (fk->f.hang)
		return;
	if ((p->timer = evtimer_new(fk->base, fake_pending_cb, p)) == NULL) {
		log_warnx("evtimer_new failed: answering at once");
		fake_pending_release(fk, p);
		return;
	}
	tv.tv_sec = fk->f.latency_ms / 1000;
	tv.tv_usec = (fk->f.latency_ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

/* Send a complete answer. */
static void
fake_send(struct evhttp_request *req, int status, const char *reason,
    const char *ctype, const char *body)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	evbuffer_add(out, body, strlen(body));
	evhttp_send_reply(req, status, reason, NULL);
}

/* The latency of a delayed answer is over. */
static void
fake_pending_cb(evutil_socket_t fd, short events, void *arg)
{
	struct pending	*p = arg;

	fake_pending_release(p->fake, p);
}

/*
 * Send a waiting answer and start its delivery report. If the client went
 * away meanwhile, evhttp frees the orphaned request in evhttp_send_reply.
 */
static void
fake_pending_release(struct fake *fk, struct pending *p)
{
	TAILQ_REMOVE(&fk->pending, p, entry);
	fake_send(p->req, p->status, p->reason, p->ctype, p->body);
	fk->st.concurrent--;
	if (p->dlr != NULL) {
		fake_dlr_start(fk, p->dlr, fk->f.dlr_delay_ms);
		p->dlr = NULL;
	}
	fake_pending_free(p);
}

/* Free a waiting answer (not its request). */
static void
fake_pending_free(struct pending *p)
{
	if (p->timer != NULL)
		event_free(p->timer);
	fake_dlr_free(p->dlr);
	free(p->body);
	free(p);
}

/* Queue a delivery report to go out after delay_ms. */
static void
fake_dlr_start(struct fake *fk, struct dlr *d, long delay_ms)
{
	struct timeval	tv;

	if (d->timer == NULL) {
		TAILQ_INSERT_TAIL(&fk->dlrs, d, entry);
		if ((d->timer = evtimer_new(fk->base, fake_dlr_timer_cb,
		    d)) == NULL) {
			log_warnx("evtimer_new failed: report dropped");
			fk->st.dlr_failed++;
			TAILQ_REMOVE(&fk->dlrs, d, entry);
			fake_dlr_free(d);
			return;
		}
	}
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(d->timer, &tv);
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
	if (http_client_send(fk->client, &hr, fake_dlr_done_cb, d) == -1) {
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
	    "concurrent", (json_int_t)st->concurrent,
	    "max_concurrent", (json_int_t)st->max_concurrent,
	    "dlr_sent", (json_int_t)st->dlr_sent,
	    "dlr_failed", (json_int_t)st->dlr_failed,
	    "dlr_pending", pending,
	    "connections", (json_int_t)st->connections,
	    "hooks", (json_int_t)st->hooks));
}

/*
 * GET /_received?to=+46...: the accepted messages for that number, oldest
 * first. GET /_number?to=...: its counters (summary is set).
 */
static void
fake_received(struct fake *fk, struct evhttp_request *req, bool summary)
{
	struct kvlist	 q = { 0 };
	struct number	*nb;
	struct sent	*s;
	const char	*qto;
	char		*to;
	json_t		*o;

	if (fake_query(req, &q) == -1 ||
	    (qto = kvlist_get(&q, "to")) == NULL) {
		kvlist_free(&q);
		fake_send(req, 400, "Bad Request", "text/plain",
		    "Missing key to");
		return;
	}
	/* An unencoded "+" arrives as a space. */
	to = xstrdup(qto);
	if (to[0] == ' ')
		to[0] = '+';
	kvlist_free(&q);
	nb = fake_number(fk, to, false);
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
			    "id", s->id, "from", s->from, "to", nb->to,
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
	struct faults	 f = fk->f;
	struct kvlist	 form = { 0 };
	struct pending	*p, *next;
	char		 err[128];
	size_t		 i;
	bool		 reset = false;

	if (fake_body_form(req, &form) == -1) {
		fake_send(req, 400, "Bad Request", "text/plain",
		    "Could not parse the form");
		return;
	}
	for (i = 0; i < form.n; i++) {
		if (strcmp(form.v[i].name, "reset") == 0) {
			reset = true;
			continue;
		}
		if (fake_option(&f, form.v[i].name, form.v[i].value, err,
		    sizeof(err)) == -1) {
			kvlist_free(&form);
			fake_send(req, 400, "Bad Request", "text/plain", err);
			return;
		}
		if (strcmp(form.v[i].name, "seed") == 0)
			fk->rng = f.seed;
	}
	kvlist_free(&form);
	fk->f = f;
	if (reset)
		fake_reset(fk);
	/* No longer hanging: answer whoever waits. */
	if (!fk->f.hang) {
		for (p = TAILQ_FIRST(&fk->pending); p != NULL; p = next) {
			next = TAILQ_NEXT(p, entry);
			if (p->timer == NULL)
				fake_pending_release(fk, p);
		}
	}
	fake_json(req, 200, json_pack("{s:I, s:f, s:s, s:I, s:b, s:s, s:I, "
	    "s:b}",
	    "fail_first", (json_int_t)fk->f.fail_first,
	    "fail_rate", fk->f.fail_rate,
	    "reject_suffix", fk->f.reject_suffix,
	    "latency_ms", (json_int_t)fk->f.latency_ms,
	    "hang", fk->f.hang,
	    "dlr_status", fk->f.dlr_failed ? "failed" : "delivered",
	    "dlr_delay_ms", (json_int_t)fk->f.dlr_delay_ms,
	    "no_dlr", fk->f.no_dlr));
}

/* Forget every number and counter (the connection count stays). */
static void
fake_reset(struct fake *fk)
{
	uint64_t	connections = fk->st.connections;
	uint64_t	concurrent = fk->st.concurrent;

	fake_table_free(&fk->tab);
	fake_hooks_free(fk);
	memset(&fk->st, 0, sizeof(fk->st));
	fk->st.connections = connections;
	fk->st.concurrent = concurrent;
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
		fake_send(req, 200, "OK", "text/plain", "");
	else
		fake_send(req, 500, "Internal Server Error", "text/plain",
		    "scripted failure");
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

/* Answer with o (stolen) as JSON; 500 if o is NULL. */
static void
fake_json(struct evhttp_request *req, int status, json_t *o)
{
	char	*s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (s == NULL) {
		fake_send(req, 500, "Internal Server Error", "text/plain",
		    "Out of memory");
		return;
	}
	fake_send(req, status, status == 200 ? "OK" : "Error",
	    "application/json", s);
	free(s);
}

/* The request body as a form; 0 or -1. */
static int
fake_body_form(struct evhttp_request *req, struct kvlist *form)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);
	const char	*s;

	if (len == 0)
		return 0;
	if ((s = (const char *)evbuffer_pullup(in, -1)) == NULL)
		return -1;
	return form_parse(s, len, form);
}

/* The request's query string as a list; 0 or -1. */
static int
fake_query(struct evhttp_request *req, struct kvlist *q)
{
	const char	*s;

	s = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (s == NULL)
		return 0;
	return form_parse(s, strlen(s), q);
}

/* SIGTERM or SIGINT: leave the loop. */
static void
fake_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct fake	*fk = arg;

	event_base_loopbreak(fk->base);
}

/* Write the port to path through a temp file and rename; 0 or -1. */
static int
fake_write_port(const char *path, int port)
{
	char	 tmp[PATH_MAX];
	FILE	*fp;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return -1;
	}
	fprintf(fp, "%d\n", port);
	if (fclose(fp) != 0 || rename(tmp, path) == -1) {
		log_warn("%s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Parse the flags, listen, serve until SIGTERM, clean up. */
int
main(int argc, char *argv[])
{
	struct fake			 fk;
	struct evhttp_bound_socket	*bound;
	struct event			*sigterm, *sigint;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	struct pending			*p;
	struct dlr			*d;
	const char			*port_file = NULL, *user = "u";
	const char			*password = "p";
	char				 err[128], *up;
	unsigned char			 b64[512];
	long				 port = 0;
	int				 ch, verbose = LOG_LVL_WARN, bport;

	memset(&fk, 0, sizeof(fk));
	fk.f.dlr_delay_ms = 50;
	fk.f.dlr_tries = DLR_TRIES_DEFAULT;
	fk.f.dlr_retry_ms = DLR_RETRY_MS_DEFAULT;
	fk.f.seed = 1;
	TAILQ_INIT(&fk.pending);
	TAILQ_INIT(&fk.dlrs);

	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		size_t	i;

		switch (ch) {
		case 'P':
			if (parse_long(optarg, 0, 65535, &port) == -1) {
				fprintf(stderr, "fake_provider: --port: bad "
				    "value \"%s\"\n", optarg);
				exit(2);
			}
			break;
		case 'F':
			port_file = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'p':
			password = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'N':
			fk.f.no_dlr = true;
			break;
		case 'H':
			fk.f.hang = true;
			break;
		case 'D': case 'S': case 'T': case 'R': case 'f': case 'r':
		case 's': case 'x': case 'l': case 'k':
			for (i = 0; longopts[i].val != ch; i++)
				;
			if (fake_option(&fk.f, longopts[i].name, optarg, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "fake_provider: --%s\n", err);
				exit(2);
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(verbose, "fake_provider");
	fk.rng = fk.f.seed;
	fk.idprefix = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();

	up = str_printf("%s:%s", user, password);
	if (up == NULL || strlen(up) > 3 * (sizeof(b64) / 4) - 4)
		fatalx("user and password too long");
	EVP_EncodeBlock(b64, (const unsigned char *)up, (int)strlen(up));
	fk.auth = str_printf("Basic %s", b64);
	free(up);

	signal(SIGPIPE, SIG_IGN);
	if ((fk.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((fk.http = evhttp_new(fk.base)) == NULL)
		fatalx("evhttp_new failed");
	if ((fk.client = http_client_new(fk.base, DLR_MAX_CONNECTIONS)) == NULL)
		fatalx("http_client_new failed");
	evhttp_set_allowed_methods(fk.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(fk.http, MAX_BODY);
	evhttp_set_bevcb(fk.http, fake_bev_cb, &fk);
	evhttp_set_gencb(fk.http, fake_request_cb, &fk);
	if ((bound = evhttp_bind_socket_with_handle(fk.http, "127.0.0.1",
	    (ev_uint16_t)port)) == NULL)
		fatal("cannot listen on 127.0.0.1:%ld", port);
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&ss, &sslen) == -1)
		fatal("getsockname");
	bport = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (port_file != NULL && fake_write_port(port_file, bport) == -1)
		exit(1);
	log_info("listening on 127.0.0.1:%d", bport);

	sigterm = evsignal_new(fk.base, SIGTERM, fake_signal_cb, &fk);
	sigint = evsignal_new(fk.base, SIGINT, fake_signal_cb, &fk);
	if (sigterm == NULL || sigint == NULL ||
	    evsignal_add(sigterm, NULL) == -1 ||
	    evsignal_add(sigint, NULL) == -1)
		fatalx("cannot watch signals");

	event_base_dispatch(fk.base);

	/*
	 * Requests still waiting belong to their connection (freed with
	 * evhttp) unless the client left, which orphans them.
	 */
	while ((p = TAILQ_FIRST(&fk.pending)) != NULL) {
		TAILQ_REMOVE(&fk.pending, p, entry);
		if (evhttp_request_get_connection(p->req) == NULL)
			evhttp_request_free(p->req);
		fake_pending_free(p);
	}
	http_client_free(fk.client);
	while ((d = TAILQ_FIRST(&fk.dlrs)) != NULL) {
		TAILQ_REMOVE(&fk.dlrs, d, entry);
		fake_dlr_free(d);
	}
	evhttp_free(fk.http);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(fk.base);
	fake_table_free(&fk.tab);
	fake_hooks_free(&fk);
	free(fk.auth);
	if (port_file != NULL)
		unlink(port_file);
	return 0;
}
