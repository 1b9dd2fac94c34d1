/*
 * Outgoing HTTP for the adapters: libcurl's multi interface driven by the
 * daemon's one libevent event_base (curl's hiperfifo / multi-event
 * pattern). curl tells us which sockets to watch (sock_cb) and when to
 * wake it (timer_cb); the event callbacks hand readiness back through
 * curl_multi_socket_action and then collect finished transfers.
 *
 * One multi handle, so one connection cache: HTTP/1.1 keep-alive
 * connections to a provider are reused across requests. Completion
 * callbacks always run from the event loop, never from inside
 * http_client_send, and never from a curl callback.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <openssl/evp.h>

#include "http_client.h"
#include "log.h"
#include "netcheck.h"
#include "util.h"

#define HTTP_BODY_MAX		(1024 * 1024)	/* bigger answers are errors */
#define HTTP_TIMEOUT_MS		10000L		/* when the request sets none */
#define HTTP_CONNECT_MAX_MS	5000L
#define HTTP_MAXCONNECTS	64L		/* idle connections kept */
#define HTTP_POOL		64		/* easy handles kept for reuse */
#define FORM_TYPE		"application/x-www-form-urlencoded"
#define HTTP_URLS		8		/* provider URLs kept parsed */

struct http_client;

/* One socket curl asked us to watch. */
struct hc_sock {
	struct http_client	*hc;
	curl_socket_t		 fd;
	struct event		 ev;
	struct hc_sock		*prev, *next;
};

/* One request in flight: the easy handle and everything it points at. */
struct hc_req {
	struct http_client	*hc;
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct http_request	 req;		/* owned strings curl points at */
	char			*buf;		/* response body, NUL-terminated */
	size_t			 len, cap;
	bool			 too_large;
	int			 retry_after_s;
	http_done_cb		 cb;
	void			*arg;
	struct event		*defer;		/* failure reported from the loop */
	CURLcode		 fail_code;
	char			 errbuf[CURL_ERROR_SIZE];
	struct hc_req		*prev, *next;
};

struct http_client {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct hc_req		*reqs;		/* in flight */
	size_t			 inflight;
	struct hc_sock		*socks;		/* watched sockets */
	int			 busy;		/* completion callbacks running */
	bool			 dying;		/* freed from inside a callback */
	/* Easy handles of finished requests, reset, for the next ones:
	 * making one costs kilobytes of allocation and clearing. */
	CURL			*pool[HTTP_POOL];
	int			 npool;
	/*
	 * The providers' URLs, parsed once (CURLOPT_CURLU): curl parses a
	 * URL given as text again for every request. An adapter sends to
	 * two fixed URLs (messages, calls), so eight hold four providers;
	 * past that (or after reloads that changed them) a URL goes as
	 * text, as before. None is freed before the client: a transfer
	 * in flight may read its own again (a retried connect).
	 */
	struct {
		char		*text;
		CURLU		*u;
	}			 urls[HTTP_URLS];
	int			 nurls;
	/* The proxy environment, read once (curl would read it for every
	 * request): for http and https URLs, and the hosts it skips. */
	char			*proxy_http, *proxy_https, *noproxy;
};

static int	 http_client_sock_cb(CURL *, curl_socket_t, int, void *,
		    void *);
static int	 http_client_timer_cb(CURLM *, long, void *);
static void	 http_client_event_cb(evutil_socket_t, short, void *);
static void	 http_client_timeout_cb(evutil_socket_t, short, void *);
static void	 http_client_defer_cb(evutil_socket_t, short, void *);
static void	 http_client_check_done(struct http_client *);
static void	 http_client_destroy(struct http_client *);
static size_t	 http_client_write_cb(char *, size_t, size_t, void *);
static size_t	 http_client_header_cb(char *, size_t, size_t, void *);
static int	 http_client_setup(struct hc_req *);
static void	 http_client_req_free(struct hc_req *);
static void	 http_client_unlink(struct hc_req *);
static int	 http_client_retry_after(const char *, size_t);
static struct curl_slist *basic_auth(struct curl_slist *, const char *);
static int	 http_client_debug_cb(CURL *, curl_infotype, char *, size_t,
		    void *);
static curl_socket_t http_client_opensocket_cb(void *, curlsocktype,
		    struct curl_sockaddr *);
static CURLU	*http_client_url(struct http_client *, const char *);
static int	 http_client_proxy_env(struct http_client *);

/*
 * Append "Authorization: Basic ..." for user:password to l. Made here
 * rather than by curl (CURLOPT_USERPWD), whose printf engine made it at
 * several times the cost for every request. NULL: out of memory, or a
 * credential too long for any provider (1 KiB).
 */
static struct curl_slist *
basic_auth(struct curl_slist *l, const char *userpwd)
{
	static const char	 pfx[] = "Authorization: Basic ";
	char			 h[sizeof(pfx) + 4 * (1024 / 3 + 1)];
	size_t			 n = strlen(userpwd);

	if (n > 1024)
		return NULL;
	memcpy(h, pfx, sizeof(pfx) - 1);
	EVP_EncodeBlock((unsigned char *)h + sizeof(pfx) - 1,
	    (const unsigned char *)userpwd, (int)n);
	l = curl_slist_append(l, h);
	explicit_bzero(h, sizeof(h));
	return l;
}

/*
 * url parsed, from the client's few kept, parsed and kept if there is
 * room; NULL: give curl the text (no room, or curl cannot parse it and
 * will say why itself).
 */
static CURLU *
http_client_url(struct http_client *hc, const char *url)
{
	CURLU	*u;
	char	*text;
	int	 i;

	for (i = 0; i < hc->nurls; i++)
		if (strcmp(hc->urls[i].text, url) == 0)
			return hc->urls[i].u;
	if (hc->nurls == HTTP_URLS || (u = curl_url()) == NULL)
		return NULL;
	/* As curl parses a URL set as text (CURLU_NON_SUPPORT_SCHEME: a
	 * scheme not allowed is refused by CURLOPT_PROTOCOLS_STR). */
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK || (text = strdup(url)) == NULL) {
		curl_url_cleanup(u);
		return NULL;
	}
	hc->urls[hc->nurls].text = text;
	hc->urls[hc->nurls++].u = u;
	return u;
}

/* The first of names set in the environment, copied; "" if none. */
static char *
env_first(const char *const *names)
{
	const char	*v;

	for (; *names != NULL; names++)
		if ((v = getenv(*names)) != NULL)
			return strdup(v);
	return strdup("");
}

/*
 * The proxy settings of the environment, as curl reads them for each
 * request (url.c, detect_proxy): <scheme>_proxy, its upper case except
 * HTTP_PROXY (which a CGI client can set), then all_proxy; no_proxy
 * lists the hosts reached directly. Read here once and given to every
 * request (CURLOPT_PROXY, CURLOPT_NOPROXY), which spares curl five
 * getenv calls a request. -1: out of memory.
 */
static int
http_client_proxy_env(struct http_client *hc)
{
	static const char *const http[] = { "http_proxy", "all_proxy",
	    "ALL_PROXY", NULL };
	static const char *const https[] = { "https_proxy", "HTTPS_PROXY",
	    "all_proxy", "ALL_PROXY", NULL };
	static const char *const no[] = { "no_proxy", "NO_PROXY", NULL };

	hc->proxy_http = env_first(http);
	hc->proxy_https = env_first(https);
	hc->noproxy = env_first(no);
	if (hc->proxy_http == NULL || hc->proxy_https == NULL ||
	    hc->noproxy == NULL)
		return -1;
	if (hc->proxy_http[0] != '\0' || hc->proxy_https[0] != '\0')
		log_info("http: through the proxy of the environment%s%s%s%s"
		    "%s%s", hc->proxy_http[0] ? " http=" : "",
		    hc->proxy_http[0] ? "(set)" : "",
		    hc->proxy_https[0] ? " https=" : "",
		    hc->proxy_https[0] ? "(set)" : "",
		    hc->noproxy[0] ? " except no_proxy=" : "", hc->noproxy);
	return 0;
}

/* Free a request's strings and clear it for reuse. */
void
http_request_reset(struct http_request *req)
{
	int	i;

	if (req == NULL)
		return;
	free(req->method);
	free(req->url);
	free(req->content_type);
	free(req->body);
	free_secret(req->userpwd);
	free(req->allow);
	for (i = 0; i < req->nheaders && i < HTTP_MAX_HEADERS; i++)
		free(req->headers[i]);
	memset(req, 0, sizeof(*req));
}

/* Append one formatted "Name: value" header. */
int
http_request_header(struct http_request *req, const char *fmt, ...)
{
	va_list	 ap;
	char	*h;
	int	 rc;

	if (req->nheaders >= HTTP_MAX_HEADERS)
		return -1;
	va_start(ap, fmt);
	rc = vasprintf(&h, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return -1;
	/* A CR or LF would let a value smuggle in another header. */
	if (strpbrk(h, "\r\n") != NULL || strchr(h, ':') == NULL) {
		free(h);
		return -1;
	}
	req->headers[req->nheaders++] = h;
	return 0;
}

/* A client on base: one multi handle, one evtimer, one connection cache. */
struct http_client *
http_client_new(struct event_base *base, long max_total)
{
	struct http_client	*hc;
	long			 maxconn;

	if (base == NULL)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("%s: curl_global_init failed", __func__);
		return NULL;
	}
	if ((hc = calloc(1, sizeof(*hc))) == NULL) {
		log_warn("%s: calloc", __func__);
		curl_global_cleanup();
		return NULL;
	}
	hc->base = base;
	if (http_client_proxy_env(hc) == -1) {
		log_warn("%s: proxy environment", __func__);
		goto fail;
	}
	if ((hc->multi = curl_multi_init()) == NULL) {
		log_warnx("%s: curl_multi_init failed", __func__);
		goto fail;
	}
	if ((hc->timer = evtimer_new(base, http_client_timeout_cb, hc)) ==
	    NULL) {
		log_warnx("%s: evtimer_new failed", __func__);
		goto fail;
	}
	maxconn = max_total > HTTP_MAXCONNECTS ? max_total : HTTP_MAXCONNECTS;
	if (curl_multi_setopt(hc->multi, CURLMOPT_SOCKETFUNCTION,
	    http_client_sock_cb) != CURLM_OK ||
	    curl_multi_setopt(hc->multi, CURLMOPT_SOCKETDATA, hc) != CURLM_OK ||
	    curl_multi_setopt(hc->multi, CURLMOPT_TIMERFUNCTION,
	    http_client_timer_cb) != CURLM_OK ||
	    curl_multi_setopt(hc->multi, CURLMOPT_TIMERDATA, hc) != CURLM_OK ||
	    curl_multi_setopt(hc->multi, CURLMOPT_MAXCONNECTS, maxconn) !=
	    CURLM_OK) {
		log_warnx("%s: curl_multi_setopt failed", __func__);
		goto fail;
	}
	if (max_total > 0 && curl_multi_setopt(hc->multi,
	    CURLMOPT_MAX_TOTAL_CONNECTIONS, max_total) != CURLM_OK) {
		log_warnx("%s: CURLMOPT_MAX_TOTAL_CONNECTIONS failed",
		    __func__);
		goto fail;
	}
	return hc;
fail:
	http_client_destroy(hc);
	return NULL;
}

/* Start a request; its callback runs later from the loop. */
int
http_client_send(struct http_client *hc, struct http_request *req,
    http_done_cb cb, void *arg)
{
	struct hc_req	*r;
	CURLMcode	 mc;

	if (hc == NULL || hc->dying || req == NULL || req->url == NULL ||
	    cb == NULL) {
		log_warnx("%s: %s", __func__, hc == NULL ? "no client" :
		    hc->dying ? "client is being freed" :
		    "no request, url or callback");
		http_request_reset(req);
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("%s: calloc", __func__);
		http_request_reset(req);
		return -1;
	}
	/* Take the strings: curl keeps pointers to them until cleanup. */
	r->req = *req;
	memset(req, 0, sizeof(*req));
	r->hc = hc;
	r->cb = cb;
	r->arg = arg;

	/* Linked in first, so a deferred failure is in flight like others. */
	r->next = hc->reqs;
	if (hc->reqs != NULL)
		hc->reqs->prev = r;
	hc->reqs = r;
	hc->inflight++;

	if (http_client_setup(r) == -1)
		goto defer;
	if ((mc = curl_multi_add_handle(hc->multi, r->easy)) != CURLM_OK) {
		snprintf(r->errbuf, sizeof(r->errbuf),
		    "curl_multi_add_handle: %s", curl_multi_strerror(mc));
		r->fail_code = CURLE_FAILED_INIT;
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		goto defer;
	}
	return 0;
defer:
	{
		/* Zero delay: the callback runs on the next loop pass. */
		struct timeval	tv = { 0, 0 };

		log_warnx("%s: cannot start request: %s", __func__, r->errbuf);
		if ((r->defer = evtimer_new(hc->base, http_client_defer_cb,
		    r)) == NULL) {
			/* Not even that: say so now, as the caller can. */
			http_client_unlink(r);
			http_client_req_free(r);
			return -1;
		}
		evtimer_add(r->defer, &tv);
	}
	return 0;
}

/* How many requests have not completed yet. */
size_t
http_client_inflight(const struct http_client *hc)
{
	return hc != NULL ? hc->inflight : 0;
}

/* Abort what is in flight (no callbacks) and free the client. */
void
http_client_free(struct http_client *hc)
{
	if (hc == NULL)
		return;
	if (hc->busy > 0) {
		/* Inside a completion callback: finish after it returns. */
		hc->dying = true;
		return;
	}
	http_client_destroy(hc);
}

/* Free a client and everything in flight, without calling callbacks. */
static void
http_client_destroy(struct http_client *hc)
{
	struct hc_req	*r;
	struct hc_sock	*s;

	while ((r = hc->reqs) != NULL) {
		http_client_unlink(r);
		if (r->easy != NULL)
			curl_multi_remove_handle(hc->multi, r->easy);
		http_client_req_free(r);
	}
	while (hc->npool > 0)
		curl_easy_cleanup(hc->pool[--hc->npool]);
	if (hc->multi != NULL)
		curl_multi_cleanup(hc->multi);
	free(hc->proxy_http);
	free(hc->proxy_https);
	free(hc->noproxy);
	while (hc->nurls > 0) {
		hc->nurls--;
		curl_url_cleanup(hc->urls[hc->nurls].u);
		free(hc->urls[hc->nurls].text);
	}
	/* Sockets curl did not hand back with CURL_POLL_REMOVE. */
	while ((s = hc->socks) != NULL) {
		hc->socks = s->next;
		event_del(&s->ev);
		free(s);
	}
	if (hc->timer != NULL)
		event_free(hc->timer);
	free(hc);
	curl_global_cleanup();
}

/* Configure the easy handle of r; -1 with r->errbuf and r->fail_code. */
static int
http_client_setup(struct hc_req *r)
{
	struct http_request	*q = &r->req;
	struct curl_slist	*l;
	CURLU			*u;
	const char		*method = q->method ? q->method : "POST";
	long			 timeout, connect;
	bool			 post, get;
	char			*ct;
	int			 i;
	CURLcode		 c = CURLE_OK;

	if (r->hc->npool > 0)
		r->easy = r->hc->pool[--r->hc->npool];
	else if ((r->easy = curl_easy_init()) == NULL) {
		snprintf(r->errbuf, sizeof(r->errbuf), "curl_easy_init failed");
		r->fail_code = CURLE_FAILED_INIT;
		return -1;
	}
	post = strcmp(method, "POST") == 0;
	get = strcmp(method, "GET") == 0;

	/*
	 * Headers: no "Expect: 100-continue" round trip, a content type.
	 * A form posted is left to curl, which writes that same header as
	 * a constant; written by us it goes through curl's printf engine a
	 * character at a time (some 5,000 instructions a request).
	 */
	if ((l = curl_slist_append(NULL, "Expect:")) == NULL)
		goto nomem;
	r->hdrs = l;
	if ((!get || q->body != NULL) && !(post && (q->content_type == NULL ||
	    strcasecmp(q->content_type, FORM_TYPE) == 0))) {
		ct = str_printf("Content-Type: %s", q->content_type ?
		    q->content_type : FORM_TYPE);
		if (ct == NULL)
			goto nomem;
		l = curl_slist_append(r->hdrs, ct);
		free(ct);
		if (l == NULL)
			goto nomem;
		r->hdrs = l;
	}
	for (i = 0; i < q->nheaders && i < HTTP_MAX_HEADERS; i++) {
		if ((l = curl_slist_append(r->hdrs, q->headers[i])) == NULL)
			goto nomem;
		r->hdrs = l;
	}
	if (q->userpwd != NULL) {
		if ((l = basic_auth(r->hdrs, q->userpwd)) == NULL)
			goto nomem;
		r->hdrs = l;
	}

	timeout = q->timeout_ms > 0 ? q->timeout_ms : HTTP_TIMEOUT_MS;
	connect = timeout < HTTP_CONNECT_MAX_MS ? timeout :
	    HTTP_CONNECT_MAX_MS;

#define SET(opt, val)	do {						\
	if (c == CURLE_OK)						\
		c = curl_easy_setopt(r->easy, (opt), (val));		\
} while (0)
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_PRIVATE, r);
	/*
	 * A callback URL (public_only) is a source system's, one of many:
	 * only the providers' are kept parsed. The text is set too, though
	 * the parsed URL overrides it (CURLOPT_CURLU(3)): given only the
	 * parsed one, curl makes the text of it again for every request.
	 */
	SET(CURLOPT_URL, q->url);
	if (!q->public_only && (u = http_client_url(r->hc, q->url)) != NULL)
		SET(CURLOPT_CURLU, u);
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85.0 */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/* "" is no proxy, and no look at the environment. */
	SET(CURLOPT_PROXY, strncasecmp(q->url, "https:", 6) == 0 ?
	    r->hc->proxy_https : r->hc->proxy_http);
	SET(CURLOPT_NOPROXY, r->hc->noproxy);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700	/* 7.87.0 */
	/*
	 * A lookup still running when its request ends (a timeout, a
	 * shutdown) is left to finish on its own thread: without this curl
	 * joins that thread, and one getaddrinfo stuck for 30 s holds the
	 * whole event loop that long.
	 */
	SET(CURLOPT_QUICK_EXIT, 1L);
#endif
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TIMEOUT_MS, timeout);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect);
	SET(CURLOPT_USERAGENT, "varsel");
	SET(CURLOPT_HTTPHEADER, r->hdrs);
	SET(CURLOPT_WRITEFUNCTION, http_client_write_cb);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_HEADERFUNCTION, http_client_header_cb);
	SET(CURLOPT_HEADERDATA, r);
	if (q->public_only) {
		SET(CURLOPT_OPENSOCKETFUNCTION, http_client_opensocket_cb);
		SET(CURLOPT_OPENSOCKETDATA, r);
	}
	if (log_tracing & TRACE_CURL) {
		SET(CURLOPT_DEBUGFUNCTION, http_client_debug_cb);
		SET(CURLOPT_VERBOSE, 1L);
	}
	if (strcmp(method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else if (get)
		SET(CURLOPT_HTTPGET, 1L);
	else {
		if (!post)
			SET(CURLOPT_CUSTOMREQUEST, method);
		if (post || q->body != NULL) {
			/* An empty body is still a body of length 0. */
			SET(CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)(q->body ? q->body_len : 0));
			SET(CURLOPT_POSTFIELDS, q->body ? q->body : "");
		}
	}
#undef SET
	if (c != CURLE_OK) {
		if (r->errbuf[0] == '\0')
			snprintf(r->errbuf, sizeof(r->errbuf), "%s",
			    curl_easy_strerror(c));
		r->fail_code = c;
		return -1;
	}
	return 0;
nomem:
	snprintf(r->errbuf, sizeof(r->errbuf), "out of memory");
	r->fail_code = CURLE_OUT_OF_MEMORY;
	return -1;
}

/* Take r out of the client's list of requests in flight. */
static void
http_client_unlink(struct hc_req *r)
{
	struct http_client	*hc = r->hc;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		hc->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	hc->inflight--;
}

/* Free a request that is no longer in the multi handle. */
static void
http_client_req_free(struct hc_req *r)
{
	struct http_client	*hc = r->hc;
	struct curl_slist	*l;

	if (r->easy != NULL && !hc->dying && hc->npool < HTTP_POOL) {
		/* Options back to their defaults; connections stay with the
		 * multi handle either way. */
		curl_easy_reset(r->easy);
		hc->pool[hc->npool++] = r->easy;
	} else if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	/* One of them holds the credentials. */
	for (l = r->hdrs; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(r->hdrs);
	if (r->defer != NULL)
		event_free(r->defer);
	http_request_reset(&r->req);
	free(r->buf);
	free(r);
}

/* curl: watch fd for what (or stop watching it). */
static int
http_client_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct http_client	*hc = userp;
	struct hc_sock		*s = socketp;
	short			 kind;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_del(&s->ev);
			if (s->prev != NULL)
				s->prev->next = s->next;
			else
				hc->socks = s->next;
			if (s->next != NULL)
				s->next->prev = s->prev;
			free(s);
		}
		return 0;
	}
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			log_warn("%s: calloc", __func__);
			return -1;
		}
		s->hc = hc;
		s->fd = fd;
		s->next = hc->socks;
		if (hc->socks != NULL)
			hc->socks->prev = s;
		hc->socks = s;
		curl_multi_assign(hc->multi, fd, s);
	} else
		event_del(&s->ev);
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	s->fd = fd;
	if (event_assign(&s->ev, hc->base, fd, kind, http_client_event_cb,
	    hc) == -1 || event_add(&s->ev, NULL) == -1) {
		log_warnx("%s: cannot watch fd %d", __func__, (int)fd);
		return -1;
	}
	return 0;
}

/* curl: wake me in timeout_ms (-1: never). Must not call curl. */
static int
http_client_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client	*hc = userp;
	struct timeval		 tv;

	if (timeout_ms < 0) {
		evtimer_del(hc->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (evtimer_add(hc->timer, &tv) == -1) {
		log_warnx("%s: evtimer_add failed", __func__);
		return -1;
	}
	return 0;
}

/* libevent: a socket curl watches is ready. */
static void
http_client_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http_client	*hc = arg;
	int			 flags = 0, running;

	if (kind & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(hc->multi, fd, flags, &running);
	http_client_check_done(hc);
}

/* libevent: the timeout curl asked for has passed. */
static void
http_client_timeout_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http_client	*hc = arg;
	int			 running;

	curl_multi_socket_action(hc->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_client_check_done(hc);
}

/* libevent: report a request that curl could not even start. */
static void
http_client_defer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct hc_req		*r = arg;
	struct http_client	*hc = r->hc;
	struct http_response	 resp;

	memset(&resp, 0, sizeof(resp));
	resp.curl_code = r->fail_code != CURLE_OK ? (int)r->fail_code :
	    (int)CURLE_FAILED_INIT;
	resp.error = r->errbuf;
	resp.body = "";
	http_client_unlink(r);
	hc->busy++;
	r->cb(&resp, r->arg);
	hc->busy--;
	http_client_req_free(r);
	if (hc->busy == 0 && hc->dying)
		http_client_destroy(hc);
}

/* Hand every finished transfer to its callback, then free it. */
static void
http_client_check_done(struct http_client *hc)
{
	struct http_response	 resp;
	struct hc_req		*r;
	CURLMsg			*msg;
	CURL			*easy;
	CURLcode		 result;
	curl_off_t		 up = 0;
	long			 status = 0, reqsize = 0;
	double			 total = 0;
	char			*priv;
	int			 left;

	while (!hc->dying &&
	    (msg = curl_multi_info_read(hc->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		result = msg->data.result;
		/* msg is not used past this point. */
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		r = (struct hc_req *)(void *)priv;
		if (r == NULL) {
			curl_multi_remove_handle(hc->multi, easy);
			curl_easy_cleanup(easy);
			continue;
		}
		status = reqsize = 0;
		up = 0;
		total = 0;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &reqsize);
		curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &up);
		curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &total);

		memset(&resp, 0, sizeof(resp));
		resp.curl_code = (int)result;
		if (r->too_large) {
			resp.curl_code = result != CURLE_OK ? (int)result :
			    (int)CURLE_WRITE_ERROR;
			resp.error = "response too large";
		} else if (result != CURLE_OK)
			resp.error = r->errbuf[0] != '\0' ? r->errbuf :
			    curl_easy_strerror(result);
		resp.status = status;
		resp.body = r->buf != NULL ? r->buf : "";
		resp.body_len = r->len;
		resp.retry_after_s = r->retry_after_s;
		resp.seconds = total;
		/*
		 * In full: an answer came back, or all the headers and the
		 * whole body were written to the socket.
		 */
		resp.request_sent = status > 0 || (reqsize > 0 &&
		    (r->req.body == NULL || up == (curl_off_t)r->req.body_len));

		http_client_unlink(r);
		hc->busy++;
		r->cb(&resp, r->arg);
		hc->busy--;
		curl_multi_remove_handle(hc->multi, easy);
		http_client_req_free(r);
	}
	if (hc->busy == 0 && hc->dying)
		http_client_destroy(hc);
}

/* curl: more of the response body. */
static size_t
http_client_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hc_req	*r = arg;
	size_t		 n = size * nmemb, cap;
	char		*nb;

	if (n > HTTP_BODY_MAX || r->len + n > HTTP_BODY_MAX) {
		r->too_large = true;
		return 0;	/* curl aborts with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > r->cap) {
		cap = r->cap ? r->cap : 1024;
		while (cap < r->len + n + 1)
			cap *= 2;
		if ((nb = realloc(r->buf, cap)) == NULL) {
			log_warn("%s: realloc", __func__);
			return 0;
		}
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

/* curl: one response header line; we only want Retry-After. */
static size_t
http_client_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hc_req	*r = arg;
	size_t		 n = size * nmemb;
	static const char name[] = "retry-after:";

	/* A new status line: headers of an earlier response do not count. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		r->retry_after_s = 0;
	else if (n > sizeof(name) - 1 &&
	    strncasecmp(data, name, sizeof(name) - 1) == 0)
		r->retry_after_s = http_client_retry_after(
		    data + sizeof(name) - 1, n - (sizeof(name) - 1));
	return n;
}

/*
 * A Retry-After value: delta-seconds, or an HTTP date turned into
 * seconds from now. 0 when it cannot be read or lies in the past.
 */
static int
http_client_retry_after(const char *v, size_t len)
{
	char		 buf[128];
	char		*p, *end;
	long long	 secs;
	time_t		 t, now;

	while (len > 0 && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	p = buf;
	if (isdigit((unsigned char)*p)) {
		errno = 0;
		secs = strtoll(p, &end, 10);
		if (*end != '\0')
			return 0;
		if (errno == ERANGE || secs > INT_MAX)
			return INT_MAX;
		return (int)secs;
	}
	if ((t = curl_getdate(p, NULL)) == -1)
		return 0;
	now = time(NULL);
	if (t <= now)
		return 0;
	if ((long long)(t - now) > INT_MAX)
		return INT_MAX;
	return (int)(t - now);
}

/*
 * -T curl: curl's own account of a request, a line each: what it did
 * (connecting, reusing, TLS) and the header lines both ways. Bodies are
 * never traced (numbers, texts), nor credentials: Authorization and
 * Cookie lines show only their name.
 */
static int
http_client_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size,
    void *arg)
{
	const char	*dir;
	size_t		 n;

	switch (type) {
	case CURLINFO_TEXT:
		dir = "*";
		break;
	case CURLINFO_HEADER_OUT:
		dir = ">";
		break;
	case CURLINFO_HEADER_IN:
		dir = "<";
		break;
	default:
		return 0;
	}
	while (size > 0) {
		for (n = 0; n < size && data[n] != '\n'; n++)
			;
		if (n > 0 && data[n - 1] == '\r')
			n--;
		if (n > 0) {
			if (n >= 14 && strncasecmp(data, "authorization:",
			    14) == 0)
				log_trace(TRACE_CURL, "%s Authorization: (hidden)",
				    dir);
			else if (n >= 7 && strncasecmp(data, "cookie:", 7) == 0)
				log_trace(TRACE_CURL, "%s Cookie: (hidden)", dir);
			else
				log_trace(TRACE_CURL, "%s %.*s", dir,
				    (int)(n > 512 ? 512 : n), data);
		}
		while (n < size && (data[n] == '\r' || data[n] == '\n'))
			n++;
		data += n;
		size -= n;
	}
	return 0;
}

/*
 * A request that may reach only public addresses (events to source
 * systems): the address a name resolved to is checked here, as the
 * connection is made, so a name cannot be pointed at this machine or its
 * private networks after the URL was accepted. Refused: no socket, and
 * curl reports that it could not connect.
 */
static curl_socket_t
http_client_opensocket_cb(void *arg, curlsocktype purpose,
    struct curl_sockaddr *a)
{
	struct hc_req	*r = arg;
	char		 addr[64];

	netcheck_addr_text(&a->addr, addr, sizeof(addr));
	if (netcheck_private(&a->addr) && !netcheck_listed(r->req.allow,
	    addr)) {
		snprintf(r->errbuf, sizeof(r->errbuf), "refused to connect "
		    "to %s: a loopback, link-local or private address not in "
		    "callback_hosts", addr);
		log_warnx("http: %s", r->errbuf);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}
