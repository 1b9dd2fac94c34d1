/*
 * Tests of the HTTP server (gateway/httpd.c) over real sockets on
 * 127.0.0.1: the server runs on the test's event_base in the main
 * thread, clients do blocking I/O in a second thread (or, for the
 * descriptor-exhaustion test, the server runs in a forked child). A
 * client records the first check that failed; the main thread asserts
 * after joining it. A watchdog fails a test that would hang.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "gateway/httpd.h"
#include "gateway/log.h"
#include "gateway/util.h"

#define WATCHDOG_S	15
#define CLIENT_TIMEOUT_MS 3000	/* a blocking read or write at most */
#define MAX_HELD	16

/* What the handler does with a whole request. */
enum mode {
	MODE_ECHO,		/* 200 with "METHOD path?query" and the body */
	MODE_LATE,		/* the same, late_ms later */
	MODE_STREAM,		/* a stream: one event now, more on a timer */
	MODE_FLOOD,		/* a stream written as fast as it takes it */
	MODE_FILE		/* a file through httpd_reply_buffer */
};

/* The server, what its callbacks saw, and the client thread. */
struct fx {
	struct event_base	*base;
	struct httpd		*h;
	struct httpd_conf	 conf;
	int			 port;
	struct event		*tick;
	struct event		*watchdog;
	bool			 fired;

	enum mode		 mode;
	int			 late_ms;
	bool			 refuse_unauthorized;	/* head hook: 401 */
	int			 hooks;
	uint64_t		 body_bytes_at_hook[4];	/* per hook */
	bool			 hook_saw_body;
	int			 requests;
	int			 in_progress;
	int			 max_in_progress;
	int			 closes;		/* close callbacks */
	int			 late_answers_gone;	/* answered, gone */
	bool			 saw_tls;
	bool			 bad_headers_refused;
	char			 last_peer[64];
	char			 last_header[64];
	struct httpd_req	*held[MAX_HELD];
	struct event		*timers[MAX_HELD];
	int			 nheld;
	int			 stream_step;
	int			 stream_write_after_close;	/* its result */
	size_t			 flood_written;
	bool			 flood_refused;
	char			 file_path[256];

	pthread_t		 thread;
	void			(*client)(struct fx *);
	atomic_bool		 client_done;
	char			 failed[256];	/* the first failed check */
};

/* A client connection with its read buffer. */
struct cl {
	int	 fd;
	int	 rcvbuf;	/* SO_RCVBUF if not 0 */
	char	 buf[1 << 16];
	size_t	 len;
};

/* A response as a client read it. */
struct resp {
	int	 status;
	char	 head[8192];
	char	*body;
	size_t	 body_len;
};

/* In a client thread: record a failed check and return. */
#define CHECK(f, x) do {						\
	if (!(x)) {							\
		client_failed((f), __LINE__, #x);			\
		return;							\
	}								\
} while (0)

static void
client_failed(struct fx *f, int line, const char *what)
{
	if (f->failed[0] == '\0')
		snprintf(f->failed, sizeof(f->failed), "client check at line "
		    "%d: %s", line, what);
}

/* ---- server side -------------------------------------------------- */

/* Answer r as MODE_ECHO does. */
static void
echo(struct fx *f, struct httpd_req *r)
{
	static const char block[] = "X-Block-A: 1\r\nX-Block-B: two\r\n";
	const char	*q = httpd_query(r), *b;
	size_t		 blen;
	char		*s;

	b = httpd_body(r, &blen);
	s = str_printf("%s %s%s%s|%.*s", httpd_method(r), httpd_path(r),
	    q ? "?" : "", q ? q : "", (int)blen, b);
	httpd_add_header(r, "X-Test", "yes");
	httpd_add_header_block(r, block, sizeof(block) - 1);
	/* Headers that would break the answer's framing are refused. */
	f->bad_headers_refused = httpd_add_header(r, "content-length",
	    "1") == -1 && httpd_add_header(r, "Connection", "close") == -1 &&
	    httpd_add_header(r, "X-A", "a\r\nX-B: b") == -1 &&
	    httpd_add_header(r, "X:A", "b") == -1;
	httpd_reply(r, 200, "text/plain", s, strlen(s));
	free(s);
	f->in_progress--;
}

/* A held request's client went away. */
static void
on_close(struct httpd_req *r, void *arg)
{
	struct fx	*f = arg;

	f->closes++;
	if (f->mode == MODE_STREAM && f->stream_step >= 2) {
		/* A write after the client is gone must fail. */
		f->stream_write_after_close = httpd_stream_write(r, "x", 1);
	}
}

/* A held request's time has come (late answer, or next stream event). */
static void
held_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fx		*f = arg;
	struct timeval		 tv = { 0, 100 * 1000 };
	struct httpd_req	*r;
	int			 i;

	for (i = 0; i < f->nheld; i++)
		if (f->timers[i] != NULL &&
		    !evtimer_pending(f->timers[i], NULL))
			break;
	if (i == f->nheld)
		return;
	r = f->held[i];
	if (f->mode == MODE_STREAM && f->stream_step == 1) {
		f->stream_step = 2;
		httpd_stream_write(r, "data: 2\n\n", 9);
		evtimer_add(f->timers[i], &tv);
		return;
	}
	event_free(f->timers[i]);
	f->timers[i] = NULL;
	f->held[i] = NULL;
	if (f->mode == MODE_STREAM) {
		httpd_stream_end(r);
		return;
	}
	if (httpd_req_gone(r))
		f->late_answers_gone++;
	echo(f, r);
}

/* Keep r and answer it from a timer ms from now. */
static void
hold(struct fx *f, struct httpd_req *r, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };
	int		i = f->nheld;

	assert_true(i < MAX_HELD);
	f->held[i] = r;
	f->timers[i] = evtimer_new(f->base, held_timer, f);
	f->nheld++;
	httpd_req_on_close(r, on_close, f);
	evtimer_add(f->timers[i], &tv);
}

/* MODE_FLOOD: write 64 KiB at a time until the server refuses. */
static void
flood_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fx		*f = arg;
	struct httpd_req	*r = f->held[0];
	struct timeval		 tv = { 0, 1000 };
	static char		 chunk[65536];
	int			 i;

	for (i = 0; i < 16; i++) {
		if (httpd_stream_write(r, chunk, sizeof(chunk)) == -1) {
			f->flood_refused = true;
			break;
		}
		f->flood_written += sizeof(chunk);
	}
	if (f->flood_refused || f->flood_written > (64u << 20)) {
		httpd_stream_end(r);
		f->held[0] = NULL;
		return;
	}
	evtimer_add(f->timers[0], &tv);
}

/* The request callback. */
static void
on_request(struct httpd_req *r, void *arg)
{
	struct fx		*f = arg;
	struct evbuffer		*buf;
	struct timeval		 tv = { 0, 1000 };
	const char		*v;
	int			 fd;

	f->requests++;
	if (++f->in_progress > f->max_in_progress)
		f->max_in_progress = f->in_progress;
	f->saw_tls = httpd_tls(r);
	strlcpy(f->last_peer, httpd_peer(r), sizeof(f->last_peer));
	if ((v = httpd_header(r, "x-CASE-test")) != NULL)
		strlcpy(f->last_header, v, sizeof(f->last_header));
	if (strncmp(httpd_path(r), "/late", 5) == 0) {
		hold(f, r, f->late_ms);
		return;
	}
	/* A handler that holds the loop (a big fan-out), then answers. */
	if (strncmp(httpd_path(r), "/busy", 5) == 0) {
		usleep((useconds_t)f->late_ms * 1000);
		echo(f, r);
		return;
	}
	switch (f->mode) {
	case MODE_ECHO:
		echo(f, r);
		break;
	case MODE_LATE:
		hold(f, r, f->late_ms);
		break;
	case MODE_STREAM:
		f->in_progress--;
		httpd_stream_begin(r, 200, "text/event-stream");
		httpd_stream_write(r, "data: 1\n\n", 9);
		f->stream_step = 1;
		hold(f, r, 150);
		break;
	case MODE_FLOOD:
		f->in_progress--;
		httpd_stream_begin(r, 200, "text/event-stream");
		f->held[0] = r;
		f->nheld = 1;
		httpd_req_on_close(r, on_close, f);
		f->timers[0] = evtimer_new(f->base, flood_timer, f);
		evtimer_add(f->timers[0], &tv);
		break;
	case MODE_FILE:
		f->in_progress--;
		buf = evbuffer_new();
		fd = open(f->file_path, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(evbuffer_add_file(buf, fd, 0, -1), 0);
		httpd_reply_buffer(r, 200, "application/octet-stream", buf);
		evbuffer_free(buf);
		break;
	}
}

/* The head hook: optionally refuse requests without a token. */
static int
on_head(struct httpd_req *r, void *arg)
{
	struct fx		*f = arg;
	struct httpd_stats	 st;

	httpd_stats(f->h, &st);
	if (f->hooks < 4)
		f->body_bytes_at_hook[f->hooks] = st.body_bytes;
	f->hooks++;
	f->hook_saw_body = httpd_body(r, NULL) != NULL;
	if (f->refuse_unauthorized &&
	    httpd_header(r, "Authorization") == NULL) {
		httpd_reply_error(r, 401, "unauthorized", "a token is needed");
		return -1;
	}
	return 0;
}

/* Wake the loop now and then to see whether the client is done. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx	*f = arg;

	if (atomic_load(&f->client_done))
		event_base_loopbreak(f->base);
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx	*f = arg;

	f->fired = true;
	event_base_loopbreak(f->base);
}

/* Start a server with the configuration in f->conf. */
static void
fx_start(struct fx *f)
{
	struct timeval	tv = { 0, 2000 }, wd = { WATCHDOG_S, 0 };
	char		err[256];

	f->h = httpd_new(f->base, &f->conf, on_head, on_request, f, err,
	    sizeof(err));
	if (f->h == NULL)
		fail_msg("httpd_new: %s", err);
	f->port = httpd_port(f->h);
	assert_true(f->port > 0);
	f->tick = event_new(f->base, -1, EV_PERSIST, tick_cb, f);
	event_add(f->tick, &tv);
	f->watchdog = evtimer_new(f->base, watchdog_cb, f);
	evtimer_add(f->watchdog, &wd);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	f->base = event_base_new();
	f->conf.host = "127.0.0.1";
	f->conf.max_connections = 64;
	f->conf.request_timeout_ms = 3000;
	f->conf.idle_timeout_ms = 3000;
	f->conf.max_header_bytes = 4096;
	f->conf.max_body_bytes = 65536;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	int		 i;

	httpd_free(f->h);
	for (i = 0; i < MAX_HELD; i++)
		if (f->timers[i] != NULL)
			event_free(f->timers[i]);
	if (f->tick != NULL)
		event_free(f->tick);
	if (f->watchdog != NULL)
		event_free(f->watchdog);
	event_base_free(f->base);
	if (f->file_path[0] != '\0')
		unlink(f->file_path);
	free(f);
	return 0;
}

static void *
client_main(void *arg)
{
	struct fx	*f = arg;

	f->client(f);
	atomic_store(&f->client_done, true);
	return NULL;
}

/* Run fn in a client thread while the loop serves; fail on its checks. */
static void
run_client(struct fx *f, void (*fn)(struct fx *))
{
	f->client = fn;
	atomic_store(&f->client_done, false);
	assert_int_equal(pthread_create(&f->thread, NULL, client_main, f), 0);
	while (!atomic_load(&f->client_done) && !f->fired)
		event_base_loop(f->base, EVLOOP_ONCE);
	if (f->fired)
		fail_msg("watchdog: the test did not end in %d s", WATCHDOG_S);
	pthread_join(f->thread, NULL);
	if (f->failed[0] != '\0')
		fail_msg("%s", f->failed);
}

/* Serve until done(f) holds (closes, late answers); false after ms. */
static bool
run_until(struct fx *f, bool (*done)(struct fx *), int ms)
{
	int64_t	end = mono_ms() + ms;

	while (!done(f)) {
		if (mono_ms() >= end || f->fired)
			return false;
		event_base_loop(f->base, EVLOOP_ONCE);
	}
	return true;
}

/* No connection is open. */
static bool
all_closed(struct fx *f)
{
	struct httpd_stats	st;

	httpd_stats(f->h, &st);
	return st.open == 0;
}

/* A close callback ran. */
static bool
closed_once(struct fx *f)
{
	return f->closes > 0;
}

/* The handler holds no request any more. */
static bool
none_held(struct fx *f)
{
	int	i;

	for (i = 0; i < f->nheld; i++)
		if (f->held[i] != NULL)
			return false;
	return true;
}

/* ---- client side -------------------------------------------------- */

/* A blocking connection to the server, with time limits. */
static int
cl_open(struct fx *f, struct cl *c)
{
	struct sockaddr_in	sin;
	struct timeval		tv = { CLIENT_TIMEOUT_MS / 1000,
	    (CLIENT_TIMEOUT_MS % 1000) * 1000 };

	c->len = 0;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (c->rcvbuf != 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &c->rcvbuf,
		    sizeof(c->rcvbuf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect(c->fd, (struct sockaddr *)&sin, sizeof(sin));
}

static void
cl_close(struct cl *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

/* Send len bytes; -1 if the server stopped taking them. */
static int
cl_sendn(struct cl *c, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(c->fd, s, len, MSG_NOSIGNAL)) <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
cl_send(struct cl *c, const char *s)
{
	return cl_sendn(c, s, strlen(s));
}

/* Read more into the buffer: bytes read, 0 at end, -1 on error/time. */
static ssize_t
cl_fill(struct cl *c)
{
	ssize_t	n;

	if (c->len == sizeof(c->buf))
		return -1;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n > 0)
		c->len += (size_t)n;
	return n;
}

/* Drop n bytes from the front of the buffer. */
static void
cl_consume(struct cl *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* A header's value in a response head, or NULL (static copy). */
static const char *
resp_header(const struct resp *r, const char *name)
{
	static __thread char	 value[512];
	const char		*p = r->head;
	size_t			 n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char	*v = p + n + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(value, sizeof(value), "%.*s",
			    (int)(e ? e - v : (ptrdiff_t)strlen(v)), v);
			return value;
		}
	}
	return NULL;
}

/* Does the response have header name with exactly this value? */
static bool
header_is(const struct resp *r, const char *name, const char *value)
{
	const char	*v = resp_header(r, name);

	return v != NULL && strcmp(v, value) == 0;
}

/*
 * Read one response: its head, then a Content-Length body (none for
 * HEAD or 1xx/204/304 when head_only), or up to the end of the
 * connection when there is no length. 0, or -1.
 */
static int
cl_read_resp(struct cl *c, struct resp *r, bool head_only)
{
	const char	*cl;
	char		*end;
	size_t		 hlen, want;

	free(r->body);
	memset(r, 0, sizeof(*r));
	for (;;) {
		end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		if (end != NULL)
			break;
		if (cl_fill(c) <= 0)
			return -1;
	}
	hlen = (size_t)(end - c->buf) + 4;
	if (hlen >= sizeof(r->head))
		return -1;
	memcpy(r->head, c->buf, hlen);
	r->head[hlen] = '\0';
	cl_consume(c, hlen);
	if (sscanf(r->head, "HTTP/1.1 %d", &r->status) != 1)
		return -1;
	if (head_only || r->status < 200 || r->status == 204 ||
	    r->status == 304) {
		r->body = calloc(1, 1);
		return 0;
	}
	if ((cl = resp_header(r, "Content-Length")) != NULL) {
		want = strtoul(cl, NULL, 10);
		while (c->len < want)
			if (cl_fill(c) <= 0)
				return -1;
	} else {
		while (cl_fill(c) > 0)
			;
		want = c->len;
	}
	r->body = malloc(want + 1);
	memcpy(r->body, c->buf, want);
	r->body[want] = '\0';
	r->body_len = want;
	cl_consume(c, want);
	return 0;
}

/* Does the server close the connection (and send nothing more)? */
static bool
cl_sees_eof(struct cl *c)
{
	char	b[256];
	ssize_t	n;

	while ((n = recv(c->fd, b, sizeof(b), 0)) > 0)
		;
	return n == 0 || (n == -1 && errno == ECONNRESET);
}

/* The "error.code" of a JSON error body, or "" (static copy). */
static const char *
error_code(const struct resp *r)
{
	static __thread char	 code[64];
	json_t			*j;
	const char		*s = NULL;

	code[0] = '\0';
	if ((j = json_loads(r->body, 0, NULL)) != NULL &&
	    json_unpack(j, "{s:{s:s}}", "error", "code", &s) == 0)
		strlcpy(code, s, sizeof(code));
	json_decref(j);
	return code;
}

/* One request on a new connection; its response in r. */
static int
cl_request(struct fx *f, const char *req, struct resp *r)
{
	struct cl	*c = calloc(1, sizeof(*c));
	int		 rc = -1;

	if (cl_open(f, c) == 0 && cl_send(c, req) == 0)
		rc = cl_read_resp(c, r, false);
	cl_close(c);
	free(c);
	return rc;
}

/* ---- HTTP/1.1 basics ---------------------------------------------- */

static void
client_keepalive(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };

	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "GET /a?x=1 HTTP/1.1\r\nHost: t\r\n"
	    "X-Case-Test:  v1 \r\n\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, strcmp(r.body, "GET /a?x=1|") == 0);
	CHECK(f, resp_header(&r, "Date") != NULL);
	CHECK(f, strstr(resp_header(&r, "Date"), " GMT") != NULL);
	CHECK(f, header_is(&r, "Content-Length", "11"));
	CHECK(f, header_is(&r, "Content-Type", "text/plain"));
	CHECK(f, header_is(&r, "X-Test", "yes"));
	CHECK(f, header_is(&r, "X-Block-A", "1"));
	CHECK(f, header_is(&r, "X-Block-B", "two"));
	CHECK(f, resp_header(&r, "Connection") == NULL);
	/* The same connection serves the next request. */
	CHECK(f, cl_send(c, "POST /b HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 5\r\n\r\nhello") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, strcmp(r.body, "POST /b|hello") == 0);
	/* Connection: close is honoured. */
	CHECK(f, cl_send(c, "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n") ==
	    0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, header_is(&r, "Connection", "close"));
	CHECK(f, cl_sees_eof(c));
	cl_close(c);
	free(c);
	free(r.body);
}

/* Keep-alive by default, Connection: close honoured, Date and length. */
static void
test_keepalive(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	fx_start(f);
	run_client(f, client_keepalive);
	assert_int_equal(f->requests, 3);
	assert_string_equal(f->last_header, "v1");
	assert_string_equal(f->last_peer, "127.0.0.1");
	assert_true(f->bad_headers_refused);
	httpd_stats(f->h, &st);
	assert_int_equal(st.accepted, 1);
}

static void
client_http10(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };

	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "GET /old HTTP/1.0\r\nX-Case-Test: v2\r\n\r\n") ==
	    0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, header_is(&r, "Connection", "close"));
	CHECK(f, cl_sees_eof(c));
	cl_close(c);
	/* HTTP/1.0 with keep-alive asked for. */
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	    == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, header_is(&r, "Connection", "keep-alive"));
	CHECK(f, cl_send(c, "GET /2 HTTP/1.0\r\n\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, strcmp(r.body, "GET /2|") == 0);
	CHECK(f, cl_sees_eof(c));
	cl_close(c);
	free(c);
	free(r.body);
}

/* HTTP/1.0 closes unless keep-alive is asked for. */
static void
test_http10(void **state)
{
	struct fx	*f = *state;

	fx_start(f);
	run_client(f, client_http10);
	assert_int_equal(f->requests, 3);
	assert_string_equal(f->last_header, "v2");
}

static void
client_head_pipelined(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };

	CHECK(f, cl_open(f, c) == 0);
	/* Three requests in one write; the first is a HEAD. */
	CHECK(f, cl_send(c, "HEAD /h HTTP/1.1\r\n\r\n"
	    "GET /one HTTP/1.1\r\n\r\n"
	    "POST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc") == 0);
	CHECK(f, cl_read_resp(c, &r, true) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, header_is(&r, "Content-Length", "8"));
	/* No body after a HEAD's head: the next response follows. */
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, strcmp(r.body, "GET /one|") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, strcmp(r.body, "POST /two|abc") == 0);
	cl_close(c);
	free(c);
	free(r.body);
}

/*
 * HEAD gets the length and no body; pipelined requests are answered in
 * order, one at a time, even when the handler answers late.
 */
static void
test_head_and_pipelining(void **state)
{
	struct fx	*f = *state;

	f->mode = MODE_LATE;
	f->late_ms = 30;
	fx_start(f);
	run_client(f, client_head_pipelined);
	assert_int_equal(f->requests, 3);
	assert_int_equal(f->max_in_progress, 1);
}

static void
client_expect(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };
	char		 body[2000];

	memset(body, 'b', sizeof(body));
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "POST /up HTTP/1.1\r\nAuthorization: x\r\n"
	    "Expect: 100-continue\r\nContent-Length: 2000\r\n\r\n") == 0);
	/* The body is sent only after the 100. */
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 100);
	CHECK(f, cl_sendn(c, body, sizeof(body)) == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, r.body_len == 9 + sizeof(body));
	cl_close(c);
	/* Refused by the head hook: the final answer, no 100, then close. */
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "POST /up HTTP/1.1\r\nExpect: 100-continue\r\n"
	    "Content-Length: 2000\r\n\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 401);
	CHECK(f, strcmp(error_code(&r), "unauthorized") == 0);
	CHECK(f, header_is(&r, "Connection", "close"));
	CHECK(f, cl_sees_eof(c));
	cl_close(c);
	free(c);
	free(r.body);
}

/* Expect: 100-continue is answered 100 only once the head hook agrees. */
static void
test_expect_continue(void **state)
{
	struct fx	*f = *state;

	f->refuse_unauthorized = true;
	fx_start(f);
	run_client(f, client_expect);
	assert_int_equal(f->hooks, 2);
	assert_int_equal(f->requests, 1);
}

static void
client_chunked(struct fx *f)
{
	struct resp	 r = { 0 };

	CHECK(f, cl_request(f, "POST /c HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "5;name=value\r\nhello\r\n"
	    "7\r\n, world\r\n"
	    "0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n", &r) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, strcmp(r.body, "POST /c|hello, world") == 0);
	/* A chunk that would take the body over max_body_bytes: 413 at once. */
	CHECK(f, cl_request(f, "POST /c HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "4\r\nabcd\r\n10000\r\n", &r) == 0);
	CHECK(f, r.status == 413);
	CHECK(f, strcmp(error_code(&r), "too_large") == 0);
	/* Trailers count against the header limit. */
	free(r.body);
}

/* Chunked bodies with extensions and trailers; sizes checked. */
static void
test_chunked(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	fx_start(f);
	run_client(f, client_chunked);
	assert_int_equal(f->requests, 1);
	httpd_stats(f->h, &st);
	/* Only the first body and the 4 bytes before the huge chunk. */
	assert_int_equal(st.body_bytes, 12 + 4);
}

/* ---- errors the server makes itself ------------------------------- */

/* A raw request and what the server must answer. */
static const struct {
	const char	*req;
	int		 status;
	const char	*code;
} bad[] = {
	{ "GET\r\n\r\n", 400, "invalid_request" },
	{ "GET / HTTP/1.1 x\r\n\r\n", 400, "invalid_request" },
	{ "GET / HTTP/2.0\r\n\r\n", 400, "invalid_request" },
	{ "GET /a\x01 HTTP/1.1\r\n\r\n", 400, "invalid_request" },
	{ "GET noslash HTTP/1.1\r\n\r\n", 400, "invalid_request" },
	{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "invalid_request" },
	{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "invalid_request" },
	{ "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", 400, "invalid_request" },
	{ "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400,
	    "invalid_request" },
	{ "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	    400, "invalid_request" },
	{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400,
	    "invalid_request" },
	{ "POST / HTTP/1.1\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400, "invalid_request" },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
	    "invalid_request" },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
	    "invalid_request" },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
	    "invalid_request" },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n",
	    400, "invalid_request" },
	{ "TRACE / HTTP/1.1\r\n\r\n", 405, "method_not_allowed" },
	{ "CONNECT example.com:443 HTTP/1.1\r\n\r\n", 405,
	    "method_not_allowed" },
	{ "FOO / HTTP/1.1\r\n\r\n", 405, "method_not_allowed" },
	{ "get / HTTP/1.1\r\n\r\n", 405, "method_not_allowed" },
	{ "POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n", 413,
	    "too_large" },
	{ "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	    413, "too_large" },
};

static void
client_errors(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };
	char		*big;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		CHECK(f, cl_open(f, c) == 0);
		CHECK(f, cl_send(c, bad[i].req) == 0);
		if (cl_read_resp(c, &r, false) == -1 ||
		    r.status != bad[i].status ||
		    strcmp(error_code(&r), bad[i].code) != 0 ||
		    !header_is(&r, "Content-Type", "application/json") ||
		    !header_is(&r, "Connection", "close") ||
		    (r.status == 405 && resp_header(&r, "Allow") == NULL)) {
			snprintf(f->failed, sizeof(f->failed), "case %zu "
			    "(%.30s): got %d \"%s\"", i, bad[i].req, r.status,
			    r.body ? r.body : "");
			return;
		}
		CHECK(f, cl_sees_eof(c));
		cl_close(c);
	}
	/*
	 * A header line that never ends: 431 as soon as it passes the
	 * limit, while the client still waits (nothing closed, nothing
	 * more sent).
	 */
	big = malloc(6000);
	memset(big, 'a', 6000);
	memcpy(big, "GET / HTTP/1.1\r\nX-Big: ", 24);
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_sendn(c, big, 6000) == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 431);
	CHECK(f, strcmp(error_code(&r), "headers_too_large") == 0);
	cl_close(c);
	free(big);
	/* Many small headers. */
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "GET / HTTP/1.1\r\n") == 0);
	for (i = 0; i < 101; i++)
		CHECK(f, cl_send(c, "A: b\r\n") == 0);
	CHECK(f, cl_send(c, "\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 431);
	cl_close(c);
	free(c);
	free(r.body);
}

/*
 * Every malformed request gets its JSON error with the right status and
 * code, and Connection: close; never a 5xx; the handler sees none.
 */
static void
test_errors(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	fx_start(f);
	run_client(f, client_errors);
	assert_int_equal(f->requests, 0);
	httpd_stats(f->h, &st);
	assert_int_equal(st.errors, nitems(bad) + 2);
}

/* ---- timeouts ------------------------------------------------------ */

static void
client_slowloris(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };
	int64_t		 t0;
	int		 i;

	CHECK(f, cl_open(f, c) == 0);
	t0 = mono_ms();
	CHECK(f, cl_send(c, "GET / HTTP/1.1\r\n") == 0);
	/* A byte every 40 ms: each would restart an idle timer. */
	for (i = 0; i < 20; i++) {
		usleep(40 * 1000);
		if (cl_send(c, "X") == -1)
			break;
		if (recv(c->fd, c->buf, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
			break;
	}
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 408);
	CHECK(f, strcmp(error_code(&r), "request_timeout") == 0);
	CHECK(f, mono_ms() - t0 < 600);
	CHECK(f, cl_sees_eof(c));
	cl_close(c);
	/* A connection that sends nothing is closed after the timeout. */
	CHECK(f, cl_open(f, c) == 0);
	t0 = mono_ms();
	CHECK(f, cl_sees_eof(c));
	CHECK(f, c->len == 0);
	CHECK(f, mono_ms() - t0 >= 250 && mono_ms() - t0 < 600);
	cl_close(c);
	free(c);
	free(r.body);
}

/* request_timeout_ms counts from the first byte; trickling does not help. */
static void
test_request_timeout(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	f->conf.request_timeout_ms = 300;
	fx_start(f);
	run_client(f, client_slowloris);
	httpd_stats(f->h, &st);
	assert_int_equal(st.timed_out, 2);
}

static void
client_busy_handler(struct fx *f)
{
	struct resp	r = { 0 };

	CHECK(f, cl_request(f, "GET /busy HTTP/1.1\r\nHost: x\r\n\r\n",
	    &r) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, strcmp(r.body, "GET /busy|") == 0);
	free(r.body);
}

/*
 * A handler that held the loop past request_timeout_ms still gets its
 * answer out: the write's deadline counts from when it is queued, not
 * from the time the loop cached before the handler ran.
 */
static void
test_answer_after_busy_handler(void **state)
{
	struct fx	*f = *state;

	f->conf.request_timeout_ms = 200;
	f->late_ms = 600;
	fx_start(f);
	run_client(f, client_busy_handler);
	assert_int_equal(f->requests, 1);
}

static void
client_idle(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };
	int64_t		 t0;

	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "GET /1 HTTP/1.1\r\n\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	t0 = mono_ms();
	CHECK(f, cl_sees_eof(c));
	CHECK(f, mono_ms() - t0 >= 100 && mono_ms() - t0 < 450);
	cl_close(c);
	/* A request answered late is not cut by the request timeout. */
	CHECK(f, cl_open(f, c) == 0);
	t0 = mono_ms();
	CHECK(f, cl_send(c, "GET /late HTTP/1.1\r\n\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, mono_ms() - t0 >= 380);
	cl_close(c);
	free(c);
	free(r.body);
}

/* idle_timeout_ms closes a quiet keep-alive connection. */
static void
test_idle_timeout(void **state)
{
	struct fx	*f = *state;

	f->conf.idle_timeout_ms = 150;
	f->conf.request_timeout_ms = 250;
	f->late_ms = 400;
	fx_start(f);
	run_client(f, client_idle);
	assert_int_equal(f->requests, 2);
}

/* ---- the head hook ------------------------------------------------ */

static void
client_big_refused(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };
	char		*body = calloc(1, 2 << 20);
	size_t		 sent = 0;
	ssize_t		 n;

	/* Head and a small body in one write: the hook still comes first. */
	CHECK(f, cl_request(f, "POST /small HTTP/1.1\r\nAuthorization: t\r\n"
	    "Content-Length: 4\r\n\r\nbody", &r) == 0);
	CHECK(f, r.status == 200);
	/* 2 MB announced, no Expect: the answer comes before the body. */
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "POST /big HTTP/1.1\r\n"
	    "Content-Length: 2097152\r\n\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 401);
	CHECK(f, header_is(&r, "Connection", "close"));
	/* Sending it anyway gets nowhere: the server closes. */
	while (sent < (2u << 20)) {
		n = send(c->fd, body + sent, (2u << 20) - sent, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	CHECK(f, cl_sees_eof(c));
	cl_close(c);
	/*
	 * A client that sends its whole body before it reads still gets the
	 * answer: the server discards input for a moment before it closes,
	 * instead of resetting the connection under the answer.
	 */
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "POST /big HTTP/1.1\r\n"
	    "Content-Length: 4194304\r\n\r\n") == 0);
	CHECK(f, cl_sendn(c, body, 2u << 20) == 0);
	CHECK(f, cl_sendn(c, body, 2u << 20) == 0);
	usleep(50 * 1000);
	CHECK(f, cl_read_resp(c, &r, false) == 0);
	CHECK(f, r.status == 401);
	CHECK(f, cl_sees_eof(c));
	cl_close(c);
	free(c);
	free(body);
	free(r.body);
}

/*
 * The head hook runs before a byte of the body is read; when it answers,
 * the body is never read (no 2 MB buffer) and the connection closes.
 */
static void
test_head_hook(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	f->refuse_unauthorized = true;
	f->conf.max_body_bytes = 4 << 20;
	fx_start(f);
	run_client(f, client_big_refused);
	assert_true(run_until(f, all_closed, 3000));
	assert_int_equal(f->hooks, 3);
	assert_int_equal(f->requests, 1);
	assert_false(f->hook_saw_body);
	httpd_stats(f->h, &st);
	/* Each hook ran before its own body was read. */
	assert_int_equal(f->body_bytes_at_hook[0], 0);
	assert_int_equal(f->body_bytes_at_hook[1], 4);
	assert_int_equal(f->body_bytes_at_hook[2], 4);
	assert_int_equal(st.body_bytes, 4);
	assert_int_equal(st.open, 0);
}

/* ---- answers after the client left --------------------------------- */

static void
client_leaves(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));

	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "POST /slow HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
	    "ab") == 0);
	usleep(50 * 1000);
	cl_close(c);
	free(c);
}

/*
 * The client leaves before the late answer: the request stays valid, the
 * close callback runs, the answer is dropped (ASan checks the rest).
 */
static void
test_answer_after_client_left(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	f->mode = MODE_LATE;
	f->late_ms = 200;
	fx_start(f);
	run_client(f, client_leaves);
	assert_true(run_until(f, closed_once, 3000));
	assert_int_equal(f->closes, 1);
	assert_false(none_held(f));	/* not answered yet */
	httpd_stats(f->h, &st);
	assert_int_equal(st.open, 0);
	assert_true(run_until(f, none_held, 3000));
	assert_int_equal(f->late_answers_gone, 1);
	assert_int_equal(f->nheld, 1);
	assert_null(f->held[0]);
}

/* ---- streams ------------------------------------------------------- */

static void
client_stream(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));
	struct resp	 r = { 0 };
	int64_t		 t0;

	CHECK(f, cl_open(f, c) == 0);
	t0 = mono_ms();
	CHECK(f, cl_send(c, "GET /events HTTP/1.1\r\n\r\n") == 0);
	CHECK(f, cl_read_resp(c, &r, true) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, resp_header(&r, "Content-Length") == NULL);
	CHECK(f, header_is(&r, "Cache-Control", "no-store"));
	CHECK(f, header_is(&r, "Connection", "close"));
	CHECK(f, header_is(&r, "Content-Type", "text/event-stream"));
	/* The first event comes at once, before the second is written. */
	while (memmem(c->buf, c->len, "data: 1\n\n", 9) == NULL)
		CHECK(f, cl_fill(c) > 0);
	CHECK(f, mono_ms() - t0 < 120);
	while (memmem(c->buf, c->len, "data: 2\n\n", 9) == NULL)
		CHECK(f, cl_fill(c) > 0);
	cl_close(c);
	free(c);
	free(r.body);
}

/* A stream: headers, events as written, the client's leaving noticed. */
static void
test_stream(void **state)
{
	struct fx	*f = *state;

	f->mode = MODE_STREAM;
	f->stream_write_after_close = 99;
	fx_start(f);
	run_client(f, client_stream);
	assert_true(run_until(f, closed_once, 3000));
	assert_int_equal(f->closes, 1);
	assert_int_equal(f->stream_write_after_close, -1);
	assert_true(run_until(f, none_held, 3000));	/* stream_end */
}

static void
client_never_reads(struct fx *f)
{
	struct cl	*c = calloc(1, sizeof(*c));

	c->rcvbuf = 4096;
	CHECK(f, cl_open(f, c) == 0);
	CHECK(f, cl_send(c, "GET /flood HTTP/1.1\r\n\r\n") == 0);
	/* Read nothing; wait for the server to give up on us. */
	usleep(250 * 1000);
	cl_close(c);
	free(c);
}

/* A stream whose reader falls behind is dropped, not buffered forever. */
static void
test_stream_slow_reader(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	f->mode = MODE_FLOOD;
	f->conf.stream_max_buffered = 256 * 1024;
	fx_start(f);
	run_client(f, client_never_reads);
	assert_true(run_until(f, none_held, 3000));
	assert_true(f->flood_refused);
	/* The kernel's buffers and the cap, far from the 64 MB tried. */
	assert_true(f->flood_written < (32u << 20));
	assert_int_equal(f->closes, 1);
	httpd_stats(f->h, &st);
	assert_int_equal(st.streams_dropped, 1);
}

/* ---- the connection cap ------------------------------------------- */

static void
client_cap(struct fx *f)
{
	struct cl	*slow = calloc(48, sizeof(*slow));
	struct resp	 r = { 0 };
	int64_t		 t0;
	int		 i;

	/* max_connections partial requests, then as many again. */
	for (i = 0; i < 48; i++) {
		CHECK(f, cl_open(f, &slow[i]) == 0);
		CHECK(f, cl_send(&slow[i], "GET /slow HTTP/1.1\r\nX-A: ") == 0);
		usleep(1000);
	}
	usleep(50 * 1000);
	/* A normal request answers at once. */
	t0 = mono_ms();
	CHECK(f, cl_request(f, "GET /fast HTTP/1.1\r\n\r\n", &r) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, mono_ms() - t0 < 500);
	/* The oldest slow ones were closed, the newest are still open. */
	CHECK(f, cl_sees_eof(&slow[0]));
	CHECK(f, cl_send(&slow[47], "b\r\n\r\n") == 0);
	CHECK(f, cl_read_resp(&slow[47], &r, false) == 0);
	CHECK(f, strcmp(r.body, "GET /slow|") == 0);
	for (i = 0; i < 48; i++)
		cl_close(&slow[i]);
	free(slow);
	free(r.body);
}

/* At the cap, the longest-incomplete request makes room for a new one. */
static void
test_cap_evicts_slowest(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	f->conf.max_connections = 16;
	fx_start(f);
	run_client(f, client_cap);
	httpd_stats(f->h, &st);
	assert_int_equal(st.accepted, 49);
	assert_int_equal(st.evicted, 49 - 16);
	assert_int_equal(st.refused, 0);
	assert_true(st.open <= 16);
}

static void
client_busy(struct fx *f)
{
	struct cl	*c = calloc(5, sizeof(*c));
	struct resp	 r = { 0 };
	int		 i;

	for (i = 0; i < 4; i++) {
		CHECK(f, cl_open(f, &c[i]) == 0);
		CHECK(f, cl_send(&c[i], "GET /held HTTP/1.1\r\n\r\n") == 0);
	}
	usleep(50 * 1000);
	/* Every connection is with the handler: the fifth is refused. */
	CHECK(f, cl_open(f, &c[4]) == 0);
	CHECK(f, cl_sees_eof(&c[4]));
	for (i = 0; i < 4; i++) {
		CHECK(f, cl_read_resp(&c[i], &r, false) == 0);
		CHECK(f, strcmp(r.body, "GET /held|") == 0);
	}
	for (i = 0; i < 5; i++)
		cl_close(&c[i]);
	free(c);
	free(r.body);
}

/* Requests with the handler are never evicted; past the cap, refusal. */
static void
test_cap_keeps_handled(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;

	f->conf.max_connections = 4;
	f->mode = MODE_LATE;
	f->late_ms = 200;
	fx_start(f);
	run_client(f, client_busy);
	httpd_stats(f->h, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(f->closes, 0);
}

/* ---- descriptors running out --------------------------------------- */

/* How many descriptors this process has open. */
static int
open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*e;
	int		 n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	if (d != NULL)
		closedir(d);
	return n - 1;
}

/* How many more descriptors this process may open (at most 256). */
static int
free_fds(void)
{
	int	fds[256], n = 0, i;

	while (n < 256 && (fds[n] = dup(0)) != -1)
		n++;
	for (i = 0; i < n; i++)
		close(fds[i]);
	return n;
}

/* The parent closed its end: the child is done. */
static void
quit_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* A server in a forked child, with few descriptors. */
struct child {
	pid_t		 pid;
	int		 ctl;		/* closing it ends the child */
	int		 statfd;	/* its stats when it ends */
	int		 logfd;		/* its stderr */
	char		 logpath[32];
	struct httpd_stats st;
	int64_t		 cpu_ms;	/* the CPU time it used */
	int		 log_lines;	/* lines of its log naming what */
};

/*
 * The child: a server with max_connections and room for exactly room
 * more descriptors; its port out on pfd, its stats out on sfd once ctl
 * closes.
 */
static void
child_main(int max_connections, int room, int pfd, int sfd, int ctl,
    int logfd)
{
	struct event_base	*base;
	struct httpd_conf	 conf = { .host = "127.0.0.1",
	    .max_connections = max_connections, .request_timeout_ms = 5000 };
	struct httpd_stats	 st;
	struct httpd		*h;
	struct rlimit		 rl;
	struct fx		 f;
	struct event		*quit;
	char			 err[128];
	int			 port;

	dup2(logfd, 2);
	memset(&f, 0, sizeof(f));
	f.late_ms = 400;
	base = event_base_new();
	h = httpd_new(base, &conf, NULL, on_request, &f, err, sizeof(err));
	if (h == NULL)
		_exit(2);
	f.h = h;
	f.base = base;
	quit = event_new(base, ctl, EV_READ, quit_cb, base);
	event_add(quit, NULL);
	/* The limit counts descriptor numbers: holes are room too. */
	rl.rlim_cur = rl.rlim_max = (rlim_t)(open_fds() + room);
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(3);
	rl.rlim_cur -= (rlim_t)(free_fds() - room);
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || free_fds() != room)
		_exit(3);
	port = httpd_port(h);
	if (write(pfd, &port, sizeof(port)) != sizeof(port))
		_exit(4);
	event_base_dispatch(base);
	httpd_stats(h, &st);
	if (write(sfd, &st, sizeof(st)) != sizeof(st))
		_exit(5);
	_exit(0);
}

/* Fork the child server; f->port is its port. */
static void
child_start(struct fx *f, struct child *ch, int max_connections, int room)
{
	int	pp[2], sp[2], ctl[2];

	assert_int_equal(pipe(pp), 0);
	assert_int_equal(pipe(sp), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, ctl), 0);
	strlcpy(ch->logpath, "/tmp/test_httpd.XXXXXX", sizeof(ch->logpath));
	assert_true((ch->logfd = mkstemp(ch->logpath)) >= 0);
	if ((ch->pid = fork()) == 0) {
		close(ctl[0]);
		close(pp[0]);
		close(sp[0]);
		child_main(max_connections, room, pp[1], sp[1], ctl[1],
		    ch->logfd);
	}
	assert_true(ch->pid > 0);
	close(ctl[1]);
	close(pp[1]);
	close(sp[1]);
	ch->ctl = ctl[0];
	ch->statfd = sp[0];
	assert_int_equal(read(pp[0], &f->port, sizeof(f->port)),
	    sizeof(f->port));
	close(pp[0]);
}

/* End the child: its stats, CPU time and log lines naming what. */
static void
child_stop(struct child *ch, const char *what)
{
	struct rusage	 ru;
	char		 line[512];
	int		 status;
	FILE		*lf;

	close(ch->ctl);
	assert_int_equal(wait4(ch->pid, &status, 0, &ru), ch->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read(ch->statfd, &ch->st, sizeof(ch->st)),
	    sizeof(ch->st));
	close(ch->statfd);
	ch->cpu_ms = (int64_t)ru.ru_utime.tv_sec * 1000 +
	    ru.ru_utime.tv_usec / 1000 + (int64_t)ru.ru_stime.tv_sec * 1000 +
	    ru.ru_stime.tv_usec / 1000;
	lf = fdopen(ch->logfd, "r");
	rewind(lf);
	ch->log_lines = 0;
	while (fgets(line, sizeof(line), lf) != NULL)
		if (strstr(line, what) != NULL)
			ch->log_lines++;
	fclose(lf);
	unlink(ch->logpath);
}

/*
 * With descriptors exhausted, accept neither spins nor floods the log.
 * The child has room for 12 connections; 12 requests the handler holds
 * for 400 ms fill it (nothing may be evicted: accept must rest), then
 * they turn idle (accept closes one to make room), then the client lets
 * go of everything and a request is answered at once.
 */
static void
test_accept_out_of_descriptors(void **state)
{
	struct fx	*f = *state;
	struct child	 ch;
	struct cl	*slow = calloc(40, sizeof(*slow));
	struct resp	 r = { 0 };
	int64_t		 t0;
	int		 i;

	child_start(f, &ch, 1000, 12);
	for (i = 0; i < 12; i++) {
		assert_int_equal(cl_open(f, &slow[i]), 0);
		assert_int_equal(cl_send(&slow[i],
		    "GET /late HTTP/1.1\r\n\r\n"), 0);
	}
	usleep(50 * 1000);
	for (; i < 40; i++) {
		assert_int_equal(cl_open(f, &slow[i]), 0);
		assert_int_equal(cl_send(&slow[i], "GET / HTTP/1.1\r\n"), 0);
	}
	usleep(500 * 1000);
	for (i = 0; i < 40; i++)
		cl_close(&slow[i]);
	t0 = mono_ms();
	assert_int_equal(cl_request(f, "GET /after HTTP/1.1\r\n\r\n", &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(mono_ms() - t0 < 1000);
	child_stop(&ch, "accept_failed");
	print_message("out of descriptors: %llu failed accepts, %d log "
	    "lines, %lld ms CPU, %llu evicted\n",
	    (unsigned long long)ch.st.accept_failed, ch.log_lines,
	    (long long)ch.cpu_ms, (unsigned long long)ch.st.evicted);
	assert_true(ch.st.accept_failed >= 1);
	/* ~650 ms / 50 ms, not millions. */
	assert_true(ch.st.accept_failed <= 40);
	assert_true(ch.st.evicted >= 1);
	assert_true(ch.log_lines >= 1 && ch.log_lines <= 2);
	assert_true(ch.cpu_ms < 300);
	free(slow);
	free(r.body);
}

/*
 * At max_connections with only 2 descriptors to spare, a burst of 60
 * new connections is taken without accept ever failing: each evicted
 * connection's descriptor is let go before the next accept.
 */
static void
test_cap_within_descriptors(void **state)
{
	struct fx	*f = *state;
	struct child	 ch;
	struct cl	*slow = calloc(60, sizeof(*slow));
	struct resp	 r = { 0 };
	int64_t		 t0;
	int		 i;

	child_start(f, &ch, 12, 14);
	for (i = 0; i < 60; i++) {
		assert_int_equal(cl_open(f, &slow[i]), 0);
		assert_int_equal(cl_send(&slow[i], "GET / HTTP/1.1\r\n"), 0);
	}
	t0 = mono_ms();
	assert_int_equal(cl_request(f, "GET /fast HTTP/1.1\r\n\r\n", &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(mono_ms() - t0 < 500);
	for (i = 0; i < 60; i++)
		cl_close(&slow[i]);
	child_stop(&ch, "accept_failed");
	assert_int_equal(ch.st.accept_failed, 0);
	assert_int_equal(ch.st.accepted, 61);
	assert_int_equal(ch.st.evicted, 61 - 12);
	free(slow);
	free(r.body);
}

/* ---- answers from files -------------------------------------------- */

static void
client_file(struct fx *f)
{
	struct resp	r = { 0 };

	CHECK(f, cl_request(f, "GET /file HTTP/1.1\r\n\r\n", &r) == 0);
	CHECK(f, r.status == 200);
	CHECK(f, r.body_len == 50000);
	CHECK(f, r.body[0] == 'f' && r.body[49999] == 'f');
	free(r.body);
}

/* httpd_reply_buffer moves file segments too. */
static void
test_reply_file(void **state)
{
	struct fx	*f = *state;
	char		 data[50000];
	int		 fd;

	strlcpy(f->file_path, "/tmp/test_httpd_file.XXXXXX",
	    sizeof(f->file_path));
	fd = mkstemp(f->file_path);
	memset(data, 'f', sizeof(data));
	assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	close(fd);
	f->mode = MODE_FILE;
	fx_start(f);
	run_client(f, client_file);
}

/* ---- stopping ------------------------------------------------------ */

static void
client_stop(struct fx *f)
{
	struct cl	*c = calloc(2, sizeof(*c));
	struct resp	 r = { 0 };

	CHECK(f, cl_open(f, &c[0]) == 0);
	CHECK(f, cl_open(f, &c[1]) == 0);
	CHECK(f, cl_send(&c[0], "GET /late HTTP/1.1\r\n\r\n") == 0);
	usleep(100 * 1000);		/* the main thread stops accepting */
	/* The request in progress is answered, then the connection closes. */
	CHECK(f, cl_read_resp(&c[0], &r, false) == 0);
	CHECK(f, strcmp(r.body, "GET /late|") == 0);
	CHECK(f, header_is(&r, "Connection", "close"));
	CHECK(f, cl_sees_eof(&c[0]));
	/* The idle one was closed; new connections are refused. */
	CHECK(f, cl_sees_eof(&c[1]));
	cl_close(&c[0]);
	cl_close(&c[1]);
	CHECK(f, cl_open(f, &c[0]) == -1);
	free(c);
	free(r.body);
}

/* A timer that stops the server accepting. */
static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx	*f = arg;

	httpd_stop_accepting(f->h);
}

/* SIGTERM: the listener closes, requests in progress finish. */
static void
test_stop_accepting(void **state)
{
	struct fx	*f = *state;
	struct timeval	 tv = { 0, 50 * 1000 };

	f->mode = MODE_LATE;
	f->late_ms = 200;
	fx_start(f);
	event_base_once(f->base, -1, EV_TIMEOUT, stop_cb, f, &tv);
	run_client(f, client_stop);
}

/* ---- TLS ----------------------------------------------------------- */

/* A throwaway key and self-signed certificate for 127.0.0.1. */
static SSL_CTX *
tls_ctx(const char *pem_path)
{
	EVP_PKEY		*key = EVP_EC_gen("P-256");
	X509			*x = X509_new();
	X509_NAME		*name;
	X509_EXTENSION		*ext;
	X509V3_CTX		 v3;
	SSL_CTX			*ctx = SSL_CTX_new(TLS_server_method());
	FILE			*fp;

	assert_non_null(key);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "IP:127.0.0.1");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	fp = fopen(pem_path, "w");
	PEM_write_X509(fp, x);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

/* libcurl's answer to GET url, its body in buf. */
static size_t
curl_sink(char *p, size_t size, size_t n, void *arg)
{
	strncat(arg, p, size * n < 200 ? size * n : 200);
	return size * n;
}

static char	tls_pem[64];

static void
client_tls(struct fx *f)
{
	CURL		*curl = curl_easy_init();
	struct resp	 r = { 0 };
	char		 url[64], got[256] = "";
	long		 code = 0;

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/secure?q", f->port);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, tls_pem);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, curl_sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, got);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
	CHECK(f, curl_easy_perform(curl) == CURLE_OK);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	CHECK(f, code == 200);
	CHECK(f, strcmp(got, "GET /secure?q|") == 0);
	/* Plain HTTP to the TLS port fails, and harms nothing. */
	CHECK(f, cl_request(f, "GET / HTTP/1.1\r\n\r\n", &r) == -1);
	got[0] = '\0';
	CHECK(f, curl_easy_perform(curl) == CURLE_OK);
	CHECK(f, strcmp(got, "GET /secure?q|") == 0);
	curl_easy_cleanup(curl);
	free(r.body);
}

/* HTTPS through bufferevent_openssl with a certificate made here. */
static void
test_tls(void **state)
{
	struct fx		*f = *state;
	struct httpd_stats	 st;
	SSL_CTX			*ctx;
	int			 fd;

	strlcpy(tls_pem, "/tmp/test_httpd_pem.XXXXXX", sizeof(tls_pem));
	fd = mkstemp(tls_pem);
	close(fd);
	ctx = tls_ctx(tls_pem);
	f->conf.ssl_ctx = ctx;
	fx_start(f);
	run_client(f, client_tls);
	assert_true(f->saw_tls);
	assert_int_equal(f->requests, 2);
	httpd_stats(f->h, &st);
	assert_true(st.errors >= 1);
	httpd_free(f->h);
	f->h = NULL;
	SSL_CTX_free(ctx);
	unlink(tls_pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keepalive, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http10, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_and_pipelining,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect_continue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_after_busy_handler,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_head_hook, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_answer_after_client_left,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_slow_reader, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap_evicts_slowest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap_keeps_handled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_accept_out_of_descriptors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_within_descriptors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop_accepting, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tls, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_LVL_INFO, "test_httpd");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
