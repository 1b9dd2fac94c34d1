/*
 * What the fake providers share (see fake_common.h): one copy of the HTTP
 * server scaffolding, the fault options, the numbers with what each
 * accepted and the counters, GET /_stats and POST /_control, and the
 * delayed answers that the fake 46elks and the fake Twilio both need.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/evp.h>

#include "gateway/http_client.h"
#include "gateway/log.h"
#include "gateway/util.h"
#include "tests/fakes/fake_common.h"

/* A request whose answer waits for latency_ms or for hang to end. */
struct fake_pending {
	TAILQ_ENTRY(fake_pending) entry;
	struct fake_server	*srv;
	struct evhttp_request	*req;
	struct event		*timer;		/* NULL while hanging */
	int			 status;
	const char		*ctype;
	char			*body;
	void			*after;		/* started once answered */
};

static int	 fake_common_option(struct fake_faults *, const char *,
		    const char *);
static void	 fake_usage(const struct fake_server *)
		    __attribute__((noreturn));
static uint64_t	 fake_hash(const char *);
static struct bufferevent *fake_bev_cb(struct event_base *, void *);
static void	 fake_pending_cb(evutil_socket_t, short, void *);
static void	 fake_pending_release(struct fake_server *,
		    struct fake_pending *);
static void	 fake_pending_free(struct fake_server *,
		    struct fake_pending *);
static void	 fake_release_hung(struct fake_server *);
static void	 fake_control(struct fake_server *, struct evhttp_request *,
		    size_t);
static void	 fake_stats(struct fake_server *, struct evhttp_request *);
static void	 fake_signal_cb(evutil_socket_t, short, void *);
static int	 fake_write_port(const char *, int);

/* Parse a long within [min, max]; 0 or -1. */
int
fake_parse_long(const char *s, long min, long max, long *out)
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
int
fake_parse_bool(const char *s, bool *out)
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

/* Set one of the faults both fakes have: 0, -1 (bad value), 1 (not one). */
static int
fake_common_option(struct fake_faults *f, const char *key, const char *value)
{
	long	l;

	if (strcmp(key, "fail-first") == 0) {
		if (fake_parse_long(value, 0, LONG_MAX, &f->fail_first) == -1)
			return -1;
	} else if (strcmp(key, "outage-ms") == 0) {
		/* From now: the fake's clock is known only to the server. */
		if (fake_parse_long(value, 0, 86400000, &l) == -1)
			return -1;
		f->fail_until = -l;	/* fake_outage makes it absolute */
	} else if (strcmp(key, "fail-status") == 0) {
		if (fake_parse_long(value, 400, 599, &f->fail_status) == -1)
			return -1;
	} else if (strcmp(key, "retry-after") == 0) {
		if (fake_parse_long(value, 0, 86400, &f->retry_after) == -1)
			return -1;
	} else if (strcmp(key, "fail-rate") == 0) {
		char	*end;
		double	 d;

		errno = 0;
		d = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' ||
		    !(d >= 0.0 && d <= 1.0))
			return -1;
		f->fail_rate = d;
	} else if (strcmp(key, "seed") == 0) {
		if (fake_parse_long(value, 0, LONG_MAX, &l) == -1)
			return -1;
		f->seed = (uint64_t)l;
	} else if (strcmp(key, "latency-ms") == 0) {
		if (fake_parse_long(value, 0, 3600000, &f->latency_ms) == -1)
			return -1;
	} else if (strcmp(key, "no-dlr") == 0) {
		if (fake_parse_bool(value, &f->no_dlr) == -1)
			return -1;
	} else if (strcmp(key, "dlr-delay-ms") == 0) {
		if (fake_parse_long(value, 0, 86400000, &f->dlr_delay_ms) ==
		    -1)
			return -1;
	} else if (strcmp(key, "press") == 0) {
		/* Keys of a phone; "" presses nothing. */
		if (strlen(value) >= sizeof(f->press) ||
		    strspn(value, "0123456789*#") != strlen(value))
			return -1;
		strlcpy(f->press, value, sizeof(f->press));
	} else if (strcmp(key, "call-step-ms") == 0) {
		if (fake_parse_long(value, 0, 86400000, &f->call_step_ms) ==
		    -1)
			return -1;
	} else
		return 1;
	return 0;
}

/*
 * Set one fault option by its flag name (without "--"; "_" works for "-"),
 * shared or the fake's own. 0, or -1 with the reason in err.
 */
int
fake_set_option(struct fake_server *srv, struct fake_faults *f,
    const char *name, const char *value, char *err, size_t errlen)
{
	char	key[32];
	size_t	i;
	int	rc;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(key); i++)
		key[i] = name[i] == '_' ? '-' : name[i];
	key[i] = '\0';

	if ((rc = fake_common_option(f, key, value)) == 1)
		rc = srv->kind->option(f, key, value);
	if (rc == 1) {
		snprintf(err, errlen, "unknown option \"%s\"", name);
		return -1;
	}
	if (rc == -1) {
		snprintf(err, errlen, "%s: bad value \"%s\"", name, value);
		return -1;
	}
	return 0;
}

/* Say how to call the fake and exit. */
static void
fake_usage(const struct fake_server *srv)
{
	fputs(srv->kind->usage, stderr);
	exit(2);
}

/*
 * Parse the flags and start the log (-v: more). --port ('P'),
 * --port-file ('F') and --verbose ('v') are the same in every fake, own
 * lists the fake's flags that take a value (ended by a 0 ch), and every
 * other flag of longopts is a fault option (without a value: yes). Says
 * how to call the fake and exits 2 on a bad flag.
 */
void
fake_args(struct fake_server *srv, int argc, char *argv[],
    const struct option *longopts, const struct fake_flag *own)
{
	char	err[128];
	size_t	i;
	int	ch, verbose = LOG_LVL_WARN;

	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		for (i = 0; own[i].ch != 0 && own[i].ch != ch; i++)
			;
		if (own[i].ch != 0) {
			*own[i].value = optarg;
			continue;
		}
		if (ch == 'P') {
			if (fake_parse_long(optarg, 0, 65535, &srv->port) ==
			    -1) {
				fprintf(stderr, "%s: --port: bad value "
				    "\"%s\"\n", srv->kind->name, optarg);
				exit(2);
			}
		} else if (ch == 'F')
			srv->port_file = optarg;
		else if (ch == 'v')
			verbose++;
		else {
			for (i = 0; longopts[i].name != NULL &&
			    longopts[i].val != ch; i++)
				;
			if (longopts[i].name == NULL)
				fake_usage(srv);
			if (fake_set_option(srv, srv->f, longopts[i].name,
			    optarg != NULL ? optarg : "", err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "%s: --%s\n", srv->kind->name,
				    err);
				exit(2);
			}
		}
	}
	if (optind != argc)
		fake_usage(srv);
	log_init(verbose, srv->kind->name);
}

/* The next number of the seeded generator (splitmix64). */
uint64_t
fake_random(struct fake_server *srv)
{
	uint64_t	z;

	z = (srv->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Is this request in a scripted outage (outage-ms, fail_first,
 * fail_rate)? It is answered fail_status (503), with retry_after.
 */
bool
fake_outage(struct fake_server *srv)
{
	struct fake_faults	*f = srv->f;

	if (f->fail_until < 0)		/* just set: from now on */
		f->fail_until = fake_ms(srv) - f->fail_until;
	if (f->fail_until > 0 && fake_ms(srv) < f->fail_until)
		return true;
	if (f->fail_first > 0) {
		f->fail_first--;
		return true;
	}
	return f->fail_rate > 0.0 &&
	    (double)(fake_random(srv) >> 11) / 9007199254740992.0 <
	    f->fail_rate;
}

/* The status of a request in an outage, with its Retry-After set. */
int
fake_outage_status(struct fake_server *srv, struct evhttp_request *req)
{
	char	ra[24];

	if (srv->f->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%ld", srv->f->retry_after);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", ra);
	}
	return srv->f->fail_status > 0 ? (int)srv->f->fail_status : 503;
}

/* A new id: prefix and 32 hex digits, unique across runs. */
void
fake_id(struct fake_server *srv, const char *prefix, char *buf, size_t len)
{
	snprintf(buf, len, "%s%016llx%016llx", prefix,
	    (unsigned long long)srv->idprefix,
	    (unsigned long long)++srv->idcount);
}

/* Does s look like an E.164 number ("+" and 7 to 15 digits)? */
bool
fake_is_e164(const char *s)
{
	size_t	n = 0;

	if (s == NULL || *s++ != '+' || *s == '0')
		return false;
	for (; *s != '\0'; s++, n++)
		if (!isdigit((unsigned char)*s))
			return false;
	return n >= 7 && n <= 15;
}

/* Is s an absolute http(s) URL with a host? */
bool
fake_is_url(const char *s)
{
	const char	*h;

	if (strncasecmp(s, "http://", 7) == 0)
		h = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		h = s + 8;
	else
		return false;
	return *h != '\0' && *h != '/';
}

/* Milliseconds since the fake started (monotonic). */
long long
fake_ms(const struct fake_server *srv)
{
	return (long long)mono_ms() - srv->start_ms;
}

/* With -v: "WHAT id=ID to=+4670*****605 accepted". */
void
fake_log_accepted(const char *what, const char *id, const char *to)
{
	char	masked[32];

	if (log_verbosity() < LOG_LVL_INFO)
		return;
	mask_phone(to, masked, sizeof(masked));
	log_info("%s id=%s to=%s accepted", what, id, masked);
}

/* Base64 of "user:password" (malloc'd); NULL if it is too long. */
char *
fake_basic(const char *user, const char *password)
{
	unsigned char	 b64[512];
	char		*up;

	up = str_printf("%s:%s", user, password);
	if (up == NULL || strlen(up) > 3 * (sizeof(b64) / 4) - 4) {
		free(up);
		return NULL;
	}
	EVP_EncodeBlock(b64, (const unsigned char *)up, (int)strlen(up));
	free(up);
	return xstrdup((char *)b64);
}

/* Does the request carry Basic credentials whose base64 is b64? */
bool
fake_basic_ok(struct evhttp_request *req, const char *b64)
{
	const char	*auth;

	auth = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	return auth != NULL && strncasecmp(auth, "Basic ", 6) == 0 &&
	    strcmp(auth + 6, b64) == 0;
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

/* The number to, or NULL if it never came to the API. */
struct fake_number *
fake_number_find(struct fake_server *srv, const char *to)
{
	struct fake_table	*t = &srv->numbers;
	struct fake_number	*nb;
	uint64_t		 h = fake_hash(to);
	size_t			 i;

	if (t->cap == 0)
		return NULL;
	for (i = h & (t->cap - 1); (nb = t->slots[i]) != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (nb->hash == h && strcmp(nb->to, to) == 0)
			return nb;
	return NULL;
}

/*
 * A request to the API for to: its number (made if new) with the request
 * counted, or NULL when to is no E.164 number.
 */
struct fake_number *
fake_api_number(struct fake_server *srv, const char *to)
{
	struct fake_table	*t = &srv->numbers;
	struct fake_number	*nb, *e, **ns;
	size_t			 i, j, ncap;

	if (to == NULL || !fake_is_e164(to))
		return NULL;
	if ((nb = fake_number_find(srv, to)) != NULL) {
		nb->requests++;
		return nb;
	}
	if ((t->n + 1) * 2 > t->cap) {
		ncap = t->cap ? t->cap * 2 : 1024;
		ns = xcalloc(ncap, sizeof(*ns));
		for (j = 0; j < t->cap; j++) {
			if ((e = t->slots[j]) == NULL)
				continue;
			for (i = e->hash & (ncap - 1); ns[i] != NULL;
			    i = (i + 1) & (ncap - 1))
				;
			ns[i] = e;
		}
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	nb = xcalloc(1, sizeof(*nb));
	nb->to = xstrdup(to);
	nb->hash = fake_hash(to);
	nb->requests = 1;
	for (i = nb->hash & (t->cap - 1); t->slots[i] != NULL;
	    i = (i + 1) & (t->cap - 1))
		;
	t->slots[i] = nb;
	t->n++;
	return nb;
}

/*
 * Record an accepted message (or call) to nb and count it: a message as
 * accepted, to a number new (unique_to) or with the same text again
 * (duplicates). The item, for the fake to add its own.
 */
struct fake_item *
fake_item_add(struct fake_server *srv, struct fake_number *nb, bool call,
    const char *id, const char *from, const char *text, const char *callback)
{
	struct fake_item	*it;

	if (call) {
		srv->st.calls++;
		nb->calls++;
	} else {
		srv->st.accepted++;
		if (nb->accepted == 0)
			srv->st.unique_to++;
		else
			for (it = nb->first; it != NULL; it = it->next)
				if (!it->call && strcmp(it->text, text) == 0) {
					srv->st.duplicates++;
					break;
				}
		nb->accepted++;
	}
	it = xcalloc(1, sizeof(*it));
	it->call = call;
	it->id = xstrdup(id);
	it->from = xstrdup(from);
	it->text = xstrdup(text);
	it->callback = callback != NULL ? xstrdup(callback) : NULL;
	it->at_ms = fake_ms(srv);
	it->seq = call ? 0 : srv->st.accepted;
	if (nb->last != NULL)
		nb->last->next = it;
	else
		nb->first = it;
	nb->last = it;
	return it;
}

/* Forget every number and what it received. */
void
fake_numbers_free(struct fake_server *srv)
{
	struct fake_table	*t = &srv->numbers;
	struct fake_number	*nb;
	struct fake_item	*it, *next;
	size_t			 i;

	for (i = 0; i < t->cap; i++) {
		if ((nb = t->slots[i]) == NULL)
			continue;
		for (it = nb->first; it != NULL; it = next) {
			next = it->next;
			free(it->id);
			free(it->from);
			free(it->text);
			free(it->callback);
			free(it);
		}
		free(nb->to);
		free(nb);
	}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/*
 * The request body as a form; 0 or -1. With typed_forms (Twilio), a body
 * of another type is no form: its fields are simply missing.
 */
int
fake_body_form(const struct fake_server *srv, struct evhttp_request *req,
    struct kvlist *form)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);
	const char	*ct, *s;

	if (len == 0)
		return 0;
	if (srv->kind->typed_forms) {
		ct = evhttp_find_header(evhttp_request_get_input_headers(req),
		    "Content-Type");
		if (ct == NULL || strncasecmp(ct,
		    "application/x-www-form-urlencoded", 33) != 0)
			return 0;
	}
	if ((s = (const char *)evbuffer_pullup(in, -1)) == NULL)
		return -1;
	return form_parse(s, len, form);
}

/* The request's query string as a list; 0 or -1. */
int
fake_query(struct evhttp_request *req, struct kvlist *q)
{
	const char	*s;

	s = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (s == NULL)
		return 0;
	return form_parse(s, strlen(s), q);
}

/*
 * The request's path ("/" if none), logged with -vv; get and post say
 * which method it came with.
 */
const char *
fake_path(struct evhttp_request *req, bool *get, bool *post)
{
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	const char		*path;

	*get = cmd == EVHTTP_REQ_GET;
	*post = cmd == EVHTTP_REQ_POST;
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL)
		path = "/";
	if (log_verbosity() >= LOG_LVL_DEBUG)
		log_debug("%s %s", *post ? "POST" : *get ? "GET" : "other",
		    path);
	return path;
}

/*
 * The number in the query's to (malloc'd) for GET /_received and
 * /_number; NULL once answered 400 when there is none.
 */
char *
fake_query_to(struct evhttp_request *req)
{
	struct kvlist	 q = { 0 };
	const char	*qto;
	char		*to;

	if (fake_query(req, &q) == -1 ||
	    (qto = kvlist_get(&q, "to")) == NULL) {
		kvlist_free(&q);
		fake_send(req, 400, "text/plain", "Missing key to");
		return NULL;
	}
	/* An unencoded "+" arrives as a space. */
	to = xstrdup(qto);
	if (to[0] == ' ')
		to[0] = '+';
	kvlist_free(&q);
	return to;
}

/* Send a complete answer. */
void
fake_send(struct evhttp_request *req, int status, const char *ctype,
    const char *body)
{
	static const struct {
		int		 status;
		const char	*reason;
	} reasons[] = {
		{ 200, "OK" }, { 201, "Created" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" },
		{ 503, "Service Unavailable" },
	};
	const char	*reason = "Error";
	size_t		 i;

	for (i = 0; i < nitems(reasons); i++)
		if (reasons[i].status == status)
			reason = reasons[i].reason;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	evbuffer_add(evhttp_request_get_output_buffer(req), body,
	    strlen(body));
	evhttp_send_reply(req, status, reason, NULL);
}

/* Answer with o (stolen) as JSON; 500 if o is NULL. */
void
fake_json(struct evhttp_request *req, int status, json_t *o)
{
	char	*s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (s == NULL) {
		fake_send(req, 500, "text/plain", "Out of memory");
		return;
	}
	fake_send(req, status, "application/json", s);
	free(s);
}

/*
 * Answer now, after latency_ms, or never (hang). Takes body (malloc'd)
 * and after, what srv->start starts once the answer is out (or NULL).
 */
void
fake_answer(struct fake_server *srv, struct evhttp_request *req,
    int status, const char *ctype, char *body, void *after)
{
	struct fake_pending	*p;

	if (status >= 300 && log_verbosity() >= LOG_LVL_INFO)
		log_info("%s status=%d %s", srv->kind->what, status, body);
	srv->concurrent++;
	if (srv->concurrent > srv->max_concurrent)
		srv->max_concurrent = srv->concurrent;
	if (!srv->f->hang && srv->f->latency_ms == 0) {
		fake_send(req, status, ctype, body);
		free(body);
		srv->concurrent--;
		if (after != NULL)
			srv->kind->start(srv->arg, after);
		return;
	}

	p = xcalloc(1, sizeof(*p));
	p->srv = srv;
	p->req = req;
	p->status = status;
	p->ctype = ctype;
	p->body = body;
	p->after = after;
	TAILQ_INSERT_TAIL(&srv->pending, p, entry);
	if (srv->f->hang)
		return;
	if ((p->timer = evtimer_new(srv->base, fake_pending_cb, p)) == NULL) {
		log_warnx("evtimer_new failed: answering at once");
		fake_pending_release(srv, p);
		return;
	}
	fake_timer_add(p->timer, srv->f->latency_ms);
}

/* The latency of a delayed answer is over. */
static void
fake_pending_cb(evutil_socket_t fd, short events, void *arg)
{
	struct fake_pending	*p = arg;

	fake_pending_release(p->srv, p);
}

/*
 * Send a waiting answer and start what waited for it. If the client went
 * away meanwhile, evhttp frees the orphaned request in evhttp_send_reply.
 */
static void
fake_pending_release(struct fake_server *srv, struct fake_pending *p)
{
	TAILQ_REMOVE(&srv->pending, p, entry);
	fake_send(p->req, p->status, p->ctype, p->body);
	srv->concurrent--;
	if (p->after != NULL) {
		srv->kind->start(srv->arg, p->after);
		p->after = NULL;
	}
	fake_pending_free(srv, p);
}

/* Free a waiting answer (not its request). */
static void
fake_pending_free(struct fake_server *srv, struct fake_pending *p)
{
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->after != NULL)
		srv->kind->drop(p->after);
	free(p->body);
	free(p);
}

/* No longer hanging: answer whoever waits. */
static void
fake_release_hung(struct fake_server *srv)
{
	struct fake_pending	*p, *next;

	if (srv->f->hang)
		return;
	for (p = TAILQ_FIRST(&srv->pending); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->timer == NULL)
			fake_pending_release(srv, p);
	}
}

/* Let the timer ev fire in ms milliseconds. */
void
fake_timer_add(struct event *ev, long ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/*
 * POST /_control: set the form's options in the fake's faults (size
 * bytes), all or none; a seed restarts the generator at once. Then forget
 * what was counted if the form says reset, answer whoever waits if no
 * longer hanging, and answer the settings (400 for a bad form).
 */
static void
fake_control(struct fake_server *srv, struct evhttp_request *req,
    size_t size)
{
	struct kvlist		 form = { 0 };
	struct fake_faults	*f;
	char			 err[128];
	size_t			 i;
	bool			 reset = false;
	json_t			*o;

	if (fake_body_form(srv, req, &form) == -1) {
		fake_send(req, 400, "text/plain", "Could not parse the form");
		return;
	}
	f = xmalloc(size);
	memcpy(f, srv->f, size);
	for (i = 0; i < form.n; i++) {
		if (strcmp(form.v[i].name, "reset") == 0) {
			reset = true;
			continue;
		}
		if (fake_set_option(srv, f, form.v[i].name, form.v[i].value,
		    err, sizeof(err)) == -1) {
			kvlist_free(&form);
			free(f);
			fake_send(req, 400, "text/plain", err);
			return;
		}
		if (strcmp(form.v[i].name, "seed") == 0)
			srv->rng = f->seed;
	}
	kvlist_free(&form);
	memcpy(srv->f, f, size);
	free(f);
	if (reset) {
		/* The connection count and the unanswered requests stay. */
		fake_numbers_free(srv);
		memset(&srv->st, 0, sizeof(srv->st));
		srv->max_concurrent = 0;
		srv->kind->reset(srv->arg);
	}
	fake_release_hung(srv);
	f = srv->f;
	o = json_pack("{s:I, s:I, s:I, s:f, s:I, s:b, s:I, s:s, s:I}",
	    "fail_status", (json_int_t)(f->fail_status ? f->fail_status : 503),
	    "retry_after", (json_int_t)f->retry_after,
	    "fail_first", (json_int_t)f->fail_first,
	    "fail_rate", f->fail_rate,
	    "latency_ms", (json_int_t)f->latency_ms,
	    "no_dlr", f->no_dlr,
	    "dlr_delay_ms", (json_int_t)f->dlr_delay_ms,
	    "press", f->press,
	    "call_step_ms", (json_int_t)f->call_step_ms);
	if (o != NULL && srv->kind->settings(srv->arg, o) == -1) {
		json_decref(o);
		o = NULL;
	}
	fake_json(req, 200, o);
}

/* GET /_stats: the shared counters, then the fake's own. */
static void
fake_stats(struct fake_server *srv, struct evhttp_request *req)
{
	const struct fake_counts	*st = &srv->st;
	json_t				*o;

	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I}",
	    "requests", (json_int_t)st->requests,
	    "accepted", (json_int_t)st->accepted,
	    "calls", (json_int_t)st->calls,
	    "rejected", (json_int_t)st->rejected,
	    "tempfailed", (json_int_t)st->tempfailed,
	    "unique_to", (json_int_t)st->unique_to,
	    "duplicates", (json_int_t)st->duplicates,
	    "dlr_sent", (json_int_t)st->dlr_sent,
	    "concurrent", (json_int_t)srv->concurrent,
	    "max_concurrent", (json_int_t)srv->max_concurrent,
	    "connections", (json_int_t)srv->connections);
	if (o != NULL && srv->kind->stats(srv->arg, o) == -1) {
		json_decref(o);
		o = NULL;
	}
	fake_json(req, 200, o);
}

/*
 * Serve what every fake serves alike: GET /_stats and POST /_control
 * (the fake's faults are size bytes). False if path is another.
 */
bool
fake_route(struct fake_server *srv, struct evhttp_request *req,
    const char *path, bool get, bool post, size_t size)
{
	if (strcmp(path, "/_stats") == 0 && get)
		fake_stats(srv, req);
	else if (strcmp(path, "/_control") == 0 && post)
		fake_control(srv, req, size);
	else
		return false;
	return true;
}

/*
 * Before the flags: what kind of fake srv serves, its faults (the first
 * member of its own, given their shared defaults: reports after 50 ms,
 * seed 1) and the fake itself, handed to kind's calls.
 */
void
fake_server_init(struct fake_server *srv, const struct fake_kind *kind,
    struct fake_faults *f, void *arg)
{
	memset(srv, 0, sizeof(*srv));
	srv->kind = kind;
	srv->f = f;
	srv->arg = arg;
	TAILQ_INIT(&srv->pending);
	f->dlr_delay_ms = 50;
	f->seed = 1;
}

/* A new TCP connection: count it and give evhttp its bufferevent. */
static struct bufferevent *
fake_bev_cb(struct event_base *base, void *arg)
{
	struct fake_server	*srv = arg;

	srv->connections++;
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

/*
 * After the flags: seed the generator, listen on 127.0.0.1:--port with cb
 * serving every request (its argument is srv->arg), write the port to
 * --port-file (if given) and leave the loop on SIGTERM or SIGINT. The
 * fake's callbacks go out over at most max_connections. Exits on failure.
 */
void
fake_server_open(struct fake_server *srv, int max_connections,
    void (*cb)(struct evhttp_request *, void *))
{
	struct evhttp_bound_socket	*bound;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	int				 bport;

	srv->rng = srv->f->seed;
	srv->start_ms = (long long)mono_ms();
	srv->idprefix = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	signal(SIGPIPE, SIG_IGN);
	if ((srv->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((srv->http = evhttp_new(srv->base)) == NULL)
		fatalx("evhttp_new failed");
	if ((srv->client = http_client_new(srv->base, max_connections)) ==
	    NULL)
		fatalx("http_client_new failed");
	evhttp_set_allowed_methods(srv->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(srv->http, FAKE_MAX_BODY);
	evhttp_set_bevcb(srv->http, fake_bev_cb, srv);
	evhttp_set_gencb(srv->http, cb, srv->arg);
	if ((bound = evhttp_bind_socket_with_handle(srv->http, "127.0.0.1",
	    (ev_uint16_t)srv->port)) == NULL)
		fatal("cannot listen on 127.0.0.1:%ld", srv->port);
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&ss, &sslen) == -1)
		fatal("getsockname");
	bport = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (srv->port_file != NULL &&
	    fake_write_port(srv->port_file, bport) == -1)
		exit(1);
	log_info("listening on 127.0.0.1:%d", bport);

	srv->sigterm = evsignal_new(srv->base, SIGTERM, fake_signal_cb, srv);
	srv->sigint = evsignal_new(srv->base, SIGINT, fake_signal_cb, srv);
	if (srv->sigterm == NULL || srv->sigint == NULL ||
	    evsignal_add(srv->sigterm, NULL) == -1 ||
	    evsignal_add(srv->sigint, NULL) == -1)
		fatalx("cannot watch signals");
}

/* Serve until SIGTERM or SIGINT. */
void
fake_server_run(struct fake_server *srv)
{
	event_base_dispatch(srv->base);
}

/*
 * Free the server, the answers still waiting and the numbers, and
 * remove the port file. The fake frees its own timers on srv->base
 * before.
 */
void
fake_server_close(struct fake_server *srv)
{
	struct fake_pending	*p;

	/*
	 * Requests still waiting belong to their connection (freed with
	 * evhttp) unless the client left, which orphans them.
	 */
	while ((p = TAILQ_FIRST(&srv->pending)) != NULL) {
		TAILQ_REMOVE(&srv->pending, p, entry);
		if (evhttp_request_get_connection(p->req) == NULL)
			evhttp_request_free(p->req);
		fake_pending_free(srv, p);
	}
	http_client_free(srv->client);
	evhttp_free(srv->http);
	event_free(srv->sigterm);
	event_free(srv->sigint);
	event_base_free(srv->base);
	fake_numbers_free(srv);
	if (srv->port_file != NULL)
		unlink(srv->port_file);
}

/* SIGTERM or SIGINT: leave the loop. */
static void
fake_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct fake_server	*srv = arg;

	event_base_loopbreak(srv->base);
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
