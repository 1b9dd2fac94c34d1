/*
 * Tests of the curl-multi HTTP client against an evhttp server on
 * 127.0.0.1 running on the same event_base: what arrives, what comes
 * back, errors, timeouts, keep-alive reuse and freeing in flight.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "gateway/http_client.h"
#include "gateway/util.h"

#define WATCHDOG_S	10
#define MAXPORTS	128
#define BIG_BODY	(1536 * 1024)

/* What the test server saw, and the loop's state. */
struct fixture {
	struct event_base	*base;
	struct evhttp		*http;
	struct http_client	*hc;
	int			 port;
	struct event		*watchdog;
	bool			 fired;

	/* Last /echo request. */
	int			 method;
	char			*body;
	char			*auth;
	char			*ctype;
	char			*xtest;
	bool			 had_expect;

	char			*proxied;	/* an absolute URI: as a proxy */
	int			 nreq;		/* requests the server got */
	int			 hanging;	/* /hang requests left open */
	uint16_t		 ports[MAXPORTS];	/* distinct peer ports */
	int			 nports;
};

/* One request's outcome as the callback saw it. */
struct result {
	bool			 done;
	int			 calls;
	int			 curl_code;
	char			 error[256];
	long			 status;
	char			*body;
	size_t			 body_len;
	int			 retry_after_s;
	bool			 request_sent;
	double			 seconds;
};

static bool	in_send;	/* set around http_client_send */

/* Record a connection's peer port once. */
static void
note_peer(struct fixture *f, struct evhttp_request *req)
{
	struct evhttp_connection	*con;
	char				*addr;
	uint16_t			 port;
	int				 i;

	con = evhttp_request_get_connection(req);
	evhttp_connection_get_peer(con, &addr, &port);
	for (i = 0; i < f->nports; i++)
		if (f->ports[i] == port)
			return;
	if (f->nports < MAXPORTS)
		f->ports[f->nports++] = port;
}

/* Copy a header value, or NULL. */
static char *
header_dup(struct evhttp_request *req, const char *name)
{
	const char	*v;

	v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
	return v ? strdup(v) : NULL;
}

/* The test server: the path picks the behaviour. */
static void
server_cb(struct evhttp_request *req, void *arg)
{
	struct fixture		*f = arg;
	const char		*uri = evhttp_request_get_uri(req);
	struct evbuffer		*in, *out;
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(req);
	size_t			 n;

	f->nreq++;
	note_peer(f, req);
	out = evhttp_request_get_output_buffer(req);
	if (strcmp(uri, "/echo") == 0) {
		in = evhttp_request_get_input_buffer(req);
		n = evbuffer_get_length(in);
		free(f->body);
		f->body = calloc(1, n + 1);
		evbuffer_remove(in, f->body, n);
		f->method = evhttp_request_get_command(req);
		free(f->auth);
		free(f->ctype);
		free(f->xtest);
		f->auth = header_dup(req, "Authorization");
		f->ctype = header_dup(req, "Content-Type");
		f->xtest = header_dup(req, "X-Test");
		f->had_expect = evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Expect") != NULL;
		evbuffer_add_printf(out, "ok-body");
		evhttp_send_reply(req, 200, "OK", out);
	} else if (strcmp(uri, "/busy") == 0) {
		evhttp_add_header(oh, "Retry-After", "7");
		evbuffer_add_printf(out, "busy");
		evhttp_send_reply(req, 503, "Service Unavailable", out);
	} else if (strcmp(uri, "/busydate") == 0) {
		char		 date[64];
		time_t		 t = time(NULL) + 120;
		struct tm	 tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		evhttp_add_header(oh, "Retry-After", date);
		evhttp_send_reply(req, 429, "Too Many Requests", out);
	} else if (strcmp(uri, "/redirect") == 0) {
		evhttp_add_header(oh, "Location", "/echo");
		evhttp_send_reply(req, 302, "Found", out);
	} else if (strcmp(uri, "/big") == 0) {
		char	*big = malloc(64 * 1024);

		memset(big, 'x', 64 * 1024);
		for (n = 0; n < 20; n++)	/* 1.25 MiB */
			evbuffer_add(out, big, 64 * 1024);
		free(big);
		evhttp_send_reply(req, 200, "OK", out);
	} else if (strcmp(uri, "/hang") == 0) {
		/* Never answered; evhttp frees it when the client leaves. */
		f->hanging++;
	} else if (strncmp(uri, "http://", 7) == 0) {
		/* Asked as a proxy is: the whole URL in the request line. */
		free(f->proxied);
		f->proxied = strdup(uri);
		evbuffer_add_printf(out, "via-proxy");
		evhttp_send_reply(req, 200, "OK", out);
	} else if (strncmp(uri, "/n/", 3) == 0) {
		evbuffer_add_printf(out, "%s", uri + 3);
		evhttp_send_reply(req, 200, "OK", out);
	} else
		evhttp_send_reply(req, 404, "Not Found", out);
}

/* The completion callback: copy what came back. */
static void
done_cb(const struct http_response *resp, void *arg)
{
	struct result	*r = arg;

	assert_false(in_send);
	r->calls++;
	r->done = true;
	r->curl_code = resp->curl_code;
	snprintf(r->error, sizeof(r->error), "%s",
	    resp->error ? resp->error : "");
	r->status = resp->status;
	assert_non_null(resp->body);
	assert_int_equal(resp->body[resp->body_len], '\0');
	free(r->body);
	r->body = strndup(resp->body, resp->body_len);
	r->body_len = resp->body_len;
	r->retry_after_s = resp->retry_after_s;
	r->request_sent = resp->request_sent;
	r->seconds = resp->seconds;
}

/* A callback that must never run. */
static void
never_cb(const struct http_response *resp, void *arg)
{
	fail_msg("callback ran for an aborted request");
}

/* The watchdog: stop a loop that would otherwise hang. */
static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fixture	*f = arg;

	f->fired = true;
	event_base_loopbreak(f->base);
}

/* Run the loop until *flag or n results are done, or the watchdog. */
static void
run_until(struct fixture *f, struct result *r, size_t n)
{
	struct timeval	tv = { WATCHDOG_S, 0 };
	size_t		i, ndone;

	f->fired = false;
	evtimer_add(f->watchdog, &tv);
	for (;;) {
		for (i = ndone = 0; i < n; i++)
			if (r[i].done)
				ndone++;
		if (ndone == n || f->fired)
			break;
		event_base_loop(f->base, EVLOOP_ONCE);
	}
	evtimer_del(f->watchdog);
	assert_false(f->fired);
}

/* Run the loop until the server has counted want hanging requests. */
static void
run_until_hanging(struct fixture *f, int want)
{
	struct timeval	tv = { WATCHDOG_S, 0 };

	f->fired = false;
	evtimer_add(f->watchdog, &tv);
	while (f->hanging < want && !f->fired)
		event_base_loop(f->base, EVLOOP_ONCE);
	evtimer_del(f->watchdog);
	assert_false(f->fired);
}

/* Build a request for path on the test server. */
static void
make_req(struct fixture *f, struct http_request *req, const char *method,
    const char *path, const char *body)
{
	memset(req, 0, sizeof(*req));
	req->method = method ? strdup(method) : NULL;
	req->url = str_printf("http://127.0.0.1:%d%s", f->port, path);
	if (body != NULL) {
		req->body = strdup(body);
		req->body_len = strlen(body);
	}
}

/* Send and check that the callback did not run inside the call. */
static int
send_req(struct fixture *f, struct http_request *req, http_done_cb cb,
    void *arg)
{
	int	rc;

	in_send = true;
	rc = http_client_send(f->hc, req, cb, arg);
	in_send = false;
	/* The client took the strings. */
	assert_null(req->url);
	assert_null(req->body);
	return rc;
}

/* Free a result's copied body. */
static void
result_free(struct result *r)
{
	free(r->body);
	r->body = NULL;
}

/*
 * A port on 127.0.0.1 that nothing listens on: bound but never listened,
 * so connect is refused, and kept bound in *fd until the test closes it,
 * so that no other test can take the port meanwhile.
 */
static int
closed_port(int *fd)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* A client with max_total connections against a fresh server. */
static struct fixture *
fixture_new(long max_total)
{
	struct fixture			*f;
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof(sin);

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	f->http = evhttp_new(f->base);
	assert_non_null(f->http);
	evhttp_set_allowed_methods(f->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT);
	evhttp_set_gencb(f->http, server_cb, f);
	bs = evhttp_bind_socket_with_handle(f->http, "127.0.0.1", 0);
	assert_non_null(bs);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
	f->watchdog = evtimer_new(f->base, watchdog_cb, f);
	f->hc = http_client_new(f->base, max_total);
	assert_non_null(f->hc);
	return f;
}

/* Fresh server and client (curl's default connection cap). */
static int
setup(void **state)
{
	*state = fixture_new(0);
	return 0;
}

/* Free client, server and base; leaks show under ASan. */
static int
teardown(void **state)
{
	struct fixture	*f = *state;

	http_client_free(f->hc);
	evhttp_free(f->http);
	event_free(f->watchdog);
	/* Let closed connections' pending events drain. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	event_base_free(f->base);
	free(f->body);
	free(f->auth);
	free(f->ctype);
	free(f->xtest);
	free(f->proxied);
	free(f);
	return 0;
}

/* A POST with a body, Basic auth and a header arrives intact. */
static void
test_post_intact(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r = { 0 };
	const char		*body = "a=1&b=%C3%A5%26&c=x+y";

	make_req(f, &req, NULL, "/echo", body);
	req.userpwd = strdup("u123:p&ss:w");
	assert_int_equal(http_request_header(&req, "X-Test: %d", 42), 0);
	assert_int_equal(send_req(f, &req, done_cb, &r), 0);
	assert_int_equal(http_client_inflight(f->hc), 1);
	assert_false(r.done);
	run_until(f, &r, 1);

	assert_int_equal(r.calls, 1);
	assert_int_equal(http_client_inflight(f->hc), 0);
	assert_int_equal(r.curl_code, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok-body");
	assert_int_equal(r.retry_after_s, 0);
	assert_true(r.request_sent);
	assert_true(r.seconds > 0);

	assert_int_equal(f->method, EVHTTP_REQ_POST);
	assert_string_equal(f->body, body);
	/* base64("u123:p&ss:w") */
	assert_non_null(f->auth);
	assert_string_equal(f->auth, "Basic dTEyMzpwJnNzOnc=");
	assert_non_null(f->ctype);
	assert_string_equal(f->ctype, "application/x-www-form-urlencoded");
	assert_non_null(f->xtest);
	assert_string_equal(f->xtest, "42");
	assert_false(f->had_expect);
	result_free(&r);
}

/* A large body does not trigger "Expect: 100-continue"; type is kept. */
static void
test_put_large_body(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r = { 0 };
	char			*big;

	/* curl adds "Expect: 100-continue" above 1 MiB on its own. */
	big = malloc(BIG_BODY + 1);
	assert_non_null(big);
	memset(big, 'q', BIG_BODY);
	big[BIG_BODY] = '\0';
	make_req(f, &req, "PUT", "/echo", big);
	req.content_type = strdup("text/plain; charset=utf-8");
	assert_int_equal(send_req(f, &req, done_cb, &r), 0);
	run_until(f, &r, 1);
	assert_int_equal(r.curl_code, 0);
	assert_int_equal(r.status, 200);
	assert_true(r.request_sent);
	assert_int_equal(f->method, EVHTTP_REQ_PUT);
	assert_string_equal(f->body, big);
	assert_string_equal(f->ctype, "text/plain; charset=utf-8");
	assert_false(f->had_expect);
	assert_null(f->auth);
	free(big);
	result_free(&r);
}

/* Status codes and Retry-After come back as sent; no redirects. */
static void
test_status_and_retry_after(void **state)
{
	static const struct {
		const char	*path;
		long		 status;
		int		 ra_min, ra_max;
	} cases[] = {
		{ "/busy", 503, 7, 7 },
		{ "/busydate", 429, 100, 121 },
		{ "/redirect", 302, 0, 0 },
		{ "/nothing", 404, 0, 0 },
	};
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r;
	size_t			 i;

	for (i = 0; i < nitems(cases); i++) {
		memset(&r, 0, sizeof(r));
		make_req(f, &req, "GET", cases[i].path, NULL);
		assert_int_equal(send_req(f, &req, done_cb, &r), 0);
		run_until(f, &r, 1);
		assert_int_equal(r.curl_code, 0);
		assert_int_equal(r.status, cases[i].status);
		assert_in_range(r.retry_after_s, cases[i].ra_min,
		    cases[i].ra_max);
		assert_true(r.request_sent);
		result_free(&r);
	}
	/* The redirect was not followed: /echo never saw a request. */
	assert_null(f->body);
}

/* Nothing listening: a transport error, and nothing was sent. */
static void
test_closed_port(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r = { 0 };
	int			 fd;

	memset(&req, 0, sizeof(req));
	req.url = str_printf("http://127.0.0.1:%d/x", closed_port(&fd));
	req.body = strdup("a=b");
	req.body_len = 3;
	assert_int_equal(send_req(f, &req, done_cb, &r), 0);
	run_until(f, &r, 1);
	assert_int_equal(r.calls, 1);
	assert_int_not_equal(r.curl_code, 0);
	assert_int_equal(r.curl_code, CURLE_COULDNT_CONNECT);
	assert_true(r.error[0] != '\0');
	assert_int_equal(r.status, 0);
	assert_false(r.request_sent);
	result_free(&r);
	close(fd);
}

/* Only http and https: another scheme fails from the loop, not inside. */
static void
test_other_scheme_refused(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r = { 0 };

	memset(&req, 0, sizeof(req));
	req.url = str_printf("file:///etc/passwd");
	assert_int_equal(send_req(f, &req, done_cb, &r), 0);
	assert_false(r.done);
	run_until(f, &r, 1);
	assert_int_equal(r.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	assert_false(r.request_sent);
	assert_string_equal(r.body, "");
	result_free(&r);
}

/* A request curl refuses to set up still completes from the loop. */
static void
test_setup_failure_deferred(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r = { 0 };
	size_t			 n = 8 * 1000 * 1000 + 16;	/* > curl's max */

	memset(&req, 0, sizeof(req));
	req.url = malloc(n + 1);
	assert_non_null(req.url);
	memcpy(req.url, "http://127.0.0.1/", 17);
	memset(req.url + 17, 'a', n - 17);
	req.url[n] = '\0';
	assert_int_equal(send_req(f, &req, done_cb, &r), 0);
	assert_false(r.done);
	assert_int_equal(http_client_inflight(f->hc), 1);
	run_until(f, &r, 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.curl_code, CURLE_BAD_FUNCTION_ARGUMENT);
	assert_true(r.error[0] != '\0');
	assert_false(r.request_sent);
	assert_int_equal(http_client_inflight(f->hc), 0);
	assert_int_equal(f->nreq, 0);
	result_free(&r);
}

/* A server that never answers runs into the request's timeout. */
static void
test_timeout(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r = { 0 };

	make_req(f, &req, NULL, "/hang", "x=1");
	req.timeout_ms = 300;
	assert_int_equal(send_req(f, &req, done_cb, &r), 0);
	run_until(f, &r, 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r.status, 0);
	assert_int_equal(f->hanging, 1);
	/* The server had the whole request: it may have acted on it. */
	assert_true(r.request_sent);
	result_free(&r);
}

/* An answer over 1 MiB is an error, not a truncated body. */
static void
test_too_large(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r = { 0 };

	make_req(f, &req, "GET", "/big", NULL);
	assert_int_equal(send_req(f, &req, done_cb, &r), 0);
	run_until(f, &r, 1);
	assert_int_not_equal(r.curl_code, 0);
	assert_string_equal(r.error, "response too large");
	result_free(&r);
}

/* 50 concurrent requests all complete over a few reused connections. */
static void
test_keepalive_reuse(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct result		 r[50];
	char			 path[32], want[16];
	size_t			 i;

	http_client_free(f->hc);
	f->hc = http_client_new(f->base, 4);
	assert_non_null(f->hc);
	memset(r, 0, sizeof(r));
	for (i = 0; i < nitems(r); i++) {
		snprintf(path, sizeof(path), "/n/%zu", i);
		make_req(f, &req, NULL, path, "k=v");
		assert_int_equal(send_req(f, &req, done_cb, &r[i]), 0);
	}
	assert_int_equal(http_client_inflight(f->hc), nitems(r));
	run_until(f, r, nitems(r));
	for (i = 0; i < nitems(r); i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].curl_code, 0);
		assert_int_equal(r[i].status, 200);
		snprintf(want, sizeof(want), "%zu", i);
		assert_string_equal(r[i].body, want);
		result_free(&r[i]);
	}
	assert_int_equal(http_client_inflight(f->hc), 0);
	assert_int_equal(f->nreq, 50);
	/* Never more than max_total connections, all kept alive. */
	assert_in_range(f->nports, 1, 4);
}

/* Freeing the client with requests in flight calls no callback. */
static void
test_free_in_flight(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	int			 i;

	http_client_free(f->hc);
	f->hc = http_client_new(f->base, 2);
	assert_non_null(f->hc);
	for (i = 0; i < 5; i++) {
		make_req(f, &req, NULL, "/hang", "x=1");
		assert_int_equal(send_req(f, &req, never_cb, NULL), 0);
	}
	/* Two on the wire (max_total), three waiting inside curl. */
	run_until_hanging(f, 2);
	assert_int_equal(http_client_inflight(f->hc), 5);
	http_client_free(f->hc);
	f->hc = NULL;
	/* The server notices the closed connections; nothing else runs. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
}

/* Free from inside a completion callback is deferred until it returns. */
static void
free_cb(const struct http_response *resp, void *arg)
{
	struct fixture	*f = arg;

	assert_false(in_send);
	http_client_free(f->hc);
	f->hc = NULL;
	f->nreq += 1000;	/* mark: this ran */
}

/* A callback may free the client; the other request is dropped. */
static void
test_free_inside_callback(void **state)
{
	struct fixture		*f = *state;
	struct http_request	 req;
	struct timeval		 tv = { WATCHDOG_S, 0 };

	make_req(f, &req, "GET", "/n/1", NULL);
	assert_int_equal(send_req(f, &req, free_cb, f), 0);
	make_req(f, &req, NULL, "/hang", "x=1");
	assert_int_equal(send_req(f, &req, never_cb, NULL), 0);
	evtimer_add(f->watchdog, &tv);
	while (f->hc != NULL && !f->fired)
		event_base_loop(f->base, EVLOOP_ONCE);
	evtimer_del(f->watchdog);
	assert_false(f->fired);
	assert_true(f->nreq >= 1000);
}

/* Set the proxy variables (NULL: unset) and make a client that reads them. */
static struct http_client *
client_with_env(struct fixture *f, const char *http_proxy,
    const char *HTTP_PROXY, const char *no_proxy)
{
	struct http_client	*hc;
	const char		*names[] = { "http_proxy", "HTTP_PROXY",
	    "no_proxy" };
	const char		*values[] = { http_proxy, HTTP_PROXY, no_proxy };
	size_t			 i;

	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	unsetenv("NO_PROXY");
	for (i = 0; i < nitems(names); i++) {
		if (values[i] != NULL)
			assert_int_equal(setenv(names[i], values[i], 1), 0);
		else
			unsetenv(names[i]);
	}
	assert_non_null(hc = http_client_new(f->base, 0));
	/* Read at the start: what changes after is not seen. */
	for (i = 0; i < nitems(names); i++)
		unsetenv(names[i]);
	return hc;
}

/* One GET of url by a client made with these proxy variables. */
static void
get_with_env(struct fixture *f, const char *http_proxy,
    const char *HTTP_PROXY, const char *no_proxy, const char *url,
    struct result *r)
{
	struct http_client	*hc;
	struct http_request	 req;

	hc = client_with_env(f, http_proxy, HTTP_PROXY, no_proxy);
	memset(&req, 0, sizeof(req));
	memset(r, 0, sizeof(*r));
	req.method = strdup("GET");
	req.url = strdup(url);
	req.timeout_ms = 3000;
	in_send = true;
	assert_int_equal(http_client_send(hc, &req, done_cb, r), 0);
	in_send = false;
	run_until(f, r, 1);
	http_client_free(hc);
}

/*
 * The proxy of the environment, read once when the client is made:
 * http_proxy is used for an http URL (the request line carries the
 * whole URL); a host in no_proxy is reached directly; HTTP_PROXY in
 * capitals is not used, as curl does not (a CGI client can set it).
 */
static void
test_proxy_environment(void **state)
{
	struct fixture		*f = *state;
	struct result		 r;
	char			 proxy[64], dead[64], url[64];
	int			 fd, closed = closed_port(&fd);

	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", f->port);
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", closed);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", f->port);

	/* Through the proxy: a TEST-NET address never reached itself. */
	get_with_env(f, proxy, NULL, NULL, "http://192.0.2.7:81/echo", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "via-proxy");
	assert_non_null(f->proxied);
	assert_string_equal(f->proxied, "http://192.0.2.7:81/echo");
	result_free(&r);

	/* no_proxy: straight to the server, not to the dead proxy. */
	get_with_env(f, dead, NULL, "127.0.0.1", url, &r);
	assert_int_equal(r.curl_code, 0);
	assert_string_equal(r.body, "ok-body");
	result_free(&r);

	/* Only HTTP_PROXY: not a proxy for http. */
	get_with_env(f, NULL, dead, NULL, url, &r);
	assert_int_equal(r.curl_code, 0);
	assert_string_equal(r.body, "ok-body");
	result_free(&r);

	/* And the dead proxy in http_proxy is used: the request fails. */
	get_with_env(f, dead, NULL, NULL, url, &r);
	assert_int_equal(r.curl_code, CURLE_COULDNT_CONNECT);
	assert_int_equal(r.status, 0);
	result_free(&r);
	close(fd);
}

/* Requests own their strings; header slots are limited. */
static void
test_request_helpers(void **state)
{
	struct http_request	req;
	int			i;

	memset(&req, 0, sizeof(req));
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		assert_int_equal(http_request_header(&req, "X-N%d: %d", i, i),
		    0);
	assert_int_equal(http_request_header(&req, "X-Over: 1"), -1);
	assert_int_equal(req.nheaders, HTTP_MAX_HEADERS);
	assert_string_equal(req.headers[3], "X-N3: 3");
	http_request_reset(&req);
	assert_int_equal(req.nheaders, 0);
	/* Header injection and a line without a name are refused. */
	assert_int_equal(http_request_header(&req, "X-A: 1\r\nX-B: 2"), -1);
	assert_int_equal(http_request_header(&req, "no colon"), -1);
	assert_int_equal(req.nheaders, 0);
	req.url = strdup("http://127.0.0.1/");
	req.userpwd = strdup("a:b");
	http_request_reset(&req);
	assert_null(req.url);
	assert_null(req.userpwd);
	http_request_reset(&req);	/* twice is harmless */
	/* No URL: refused at once, and the strings are still released. */
	req.body = strdup("x");
	assert_int_equal(http_client_send(NULL, &req, done_cb, NULL), -1);
	assert_null(req.body);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_request_helpers),
		cmocka_unit_test_setup_teardown(test_post_intact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_large_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_and_retry_after,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_port, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_scheme_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_failure_deferred,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_proxy_environment, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_reuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_in_flight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_callback,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
