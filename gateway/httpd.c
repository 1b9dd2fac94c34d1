/*
 * The daemon's HTTP/1.1 server (see httpd.h): a listener that accepts
 * without ever spinning; one state machine per connection on a
 * bufferevent (plain or OpenSSL), changed only by httpd_conn_enter_state;
 * four eviction queues that keep the connections which may be closed to
 * make room in the order they should go; the timeouts; and the reading
 * of requests, whose lines are cut here and parsed in httpd_parse.c.
 * What handlers call to read a request and answer it is in httpd_req.c.
 *
 * A connection's life: READ_HEAD (from accept, or from the first byte of
 * a later request) -> READ_BODY -> HANDLER (the application has the
 * request) -> WRITE -> IDLE (keep-alive) or, when it must close with
 * input unread, LINGER (discard what comes for a moment, so the answer
 * is not lost to a reset) -> closed. STREAM replaces WRITE for
 * Server-Sent Events. A closed connection is freed by the reaper event,
 * never inside one of its own callbacks.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "httpd.h"
#include "httpd_priv.h"
#include "log.h"
#include "util.h"

#define ACCEPT_PAUSE_MS		50	/* listener rest after accept fails */
#define ACCEPT_BATCH		64	/* accepts per wakeup, for fairness */
#define LINGER_MS		2000	/* discarding input before closing */
#define LOG_EVERY_MS		1000	/* a repeated warning: once a second */
#define READ_CHUNK		16384	/* least read high-water mark */

static const char *const state_names[] = {
	"new", "read_head", "read_body", "handler", "write", "stream", "idle",
	"linger", "dead"
};

static const enum evq state_evq[] = {
	[CONN_NEW] = EVQ_NONE,
	[CONN_READ_HEAD] = EVQ_READ,
	[CONN_READ_BODY] = EVQ_READ,
	[CONN_HANDLER] = EVQ_NONE,
	[CONN_WRITE] = EVQ_WRITE,
	[CONN_STREAM] = EVQ_NONE,
	[CONN_IDLE] = EVQ_IDLE,
	[CONN_LINGER] = EVQ_LINGER,
	[CONN_DEAD] = EVQ_NONE
};

static int	listen_open(struct httpd *, char *, size_t);
static void	listen_close(struct httpd *);
static void	accept_cb(evutil_socket_t, short, void *);
static void	accept_pressure(struct httpd *, int);
static void	accept_resume(evutil_socket_t, short, void *);
static void	warn_summarized(struct summary *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static bool	conn_new(struct httpd *, int, const struct sockaddr *);
static struct httpd_conn *evict_pick(struct httpd *);
static void	conn_arm(struct httpd_conn *, int);
static void	reaper_cb(evutil_socket_t, short, void *);
static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_timer_cb(evutil_socket_t, short, void *);
static int	conn_line(struct httpd_conn *, size_t, const char **,
		    size_t *, size_t *);
static int	conn_read_head(struct httpd_conn *);
static int	conn_head_done(struct httpd_conn *);
static int	conn_read_body(struct httpd_conn *);
static int	conn_read_chunked(struct httpd_conn *);
static size_t	conn_take_body(struct httpd_conn *, uint64_t);
static int	conn_dispatch(struct httpd_conn *);
static int	conn_fail(struct httpd_conn *, struct httpd_fail *);

/* Open the listening socket on conf host and port. */
static int
listen_open(struct httpd *h, char *err, size_t errlen)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 port[16];
	int			 rc, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", h->conf.port);
	if ((rc = getaddrinfo(h->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", h->host,
		    h->conf.port, gai_strerror(rc));
		return -1;
	}
	h->fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, res->ai_protocol);
	if (h->fd == -1 ||
	    setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 ||
	    bind(h->fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(h->fd, SOMAXCONN) == -1 ||
	    getsockname(h->fd, (struct sockaddr *)&ss, &sl) == -1) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", h->host,
		    h->conf.port, strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	if (ss.ss_family == AF_INET6)
		h->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		h->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	h->accept_ev = event_new(h->base, h->fd, EV_READ | EV_PERSIST,
	    accept_cb, h);
	if (h->accept_ev == NULL || event_add(h->accept_ev, NULL) == -1) {
		snprintf(err, errlen, "cannot watch the listening socket");
		return -1;
	}
	return 0;
}

/* Close the listener and forget a pause. */
static void
listen_close(struct httpd *h)
{
	if (h->accept_ev != NULL)
		event_free(h->accept_ev);
	h->accept_ev = NULL;
	if (h->resume_ev != NULL)
		event_del(h->resume_ev);
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
}

/* Log a repeated warning now, or count it for the next line. */
static void
warn_summarized(struct summary *s, const char *fmt, ...)
{
	int64_t	now = mono_ms();
	char	msg[256];
	va_list	ap;

	s->count++;
	if (s->last != 0 && now - s->last < LOG_EVERY_MS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s count=%llu", msg, (unsigned long long)s->count);
	s->count = 0;
	s->last = now;
}

/* The listener is readable: accept what waits, a batch at a time. */
static void
accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd		*h = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 i, s;

	for (i = 0; i < ACCEPT_BATCH && h->fd != -1; i++) {
		sl = sizeof(ss);
		s = accept4(h->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		/*
		 * After closing one to make room, let the loop run: libevent
		 * closes its descriptor only then.
		 */
		if (s != -1) {
			if (conn_new(h, s, (struct sockaddr *)&ss))
				return;
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;	/* that one connection failed */
		default:
			accept_pressure(h, errno);
			return;
		}
	}
}

/*
 * accept failed for want of descriptors or memory (or for a reason not
 * known to pass): close the most evictable connection and rest the
 * listener a moment instead of trying again at once, forever.
 */
static void
accept_pressure(struct httpd *h, int err)
{
	struct httpd_conn	*v;
	struct timeval		 tv = { 0, ACCEPT_PAUSE_MS * 1000 };

	h->stats.accept_failed++;
	warn_summarized(&h->accept_log, "httpd evt=accept_failed "
	    "error=\"%s\" open=%d pause_ms=%d", strerror(err), h->stats.open,
	    ACCEPT_PAUSE_MS);
	if ((err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM) && (v = evict_pick(h)) != NULL) {
		h->stats.evicted++;
		httpd_conn_close(v, "evicted: accept is out of descriptors");
	}
	event_del(h->accept_ev);
	evtimer_add(h->resume_ev, &tv);
}

/* The pause is over: listen again. */
static void
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct httpd	*h = arg;

	if (h->accept_ev != NULL)
		event_add(h->accept_ev, NULL);
}

/* The connection to close to make room, or NULL if none may go. */
static struct httpd_conn *
evict_pick(struct httpd *h)
{
	int	q;

	for (q = 0; q < EVQ_N; q++)
		if (!TAILQ_EMPTY(&h->evq[q]))
			return TAILQ_FIRST(&h->evq[q]);
	return NULL;
}

/*
 * Set up a connection accepted on fd, making room for it if needed;
 * true if another was closed for it.
 */
static bool
conn_new(struct httpd *h, int fd, const struct sockaddr *sa)
{
	struct httpd_conn	*c, *v;
	struct timeval		 tv;
	SSL			*ssl;
	int			 one = 1;
	bool			 evicted = false;

	if (h->stats.open >= h->conf.max_connections) {
		if ((v = evict_pick(h)) == NULL) {
			close(fd);
			h->stats.refused++;
			warn_summarized(&h->refuse_log, "httpd evt=refused "
			    "open=%d reason=\"max_connections, none may be "
			    "closed\"", h->stats.open);
			return false;
		}
		evicted = true;
		h->stats.evicted++;
		warn_summarized(&h->evict_log, "httpd evt=evicted open=%d "
		    "state=%s age_ms=%lld reason=max_connections",
		    h->stats.open, state_names[v->state],
		    (long long)(mono_ms() - v->since));
		httpd_conn_close(v, "evicted: max_connections");
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		h->stats.refused++;
		return evicted;
	}
	c->h = h;
	c->id = ++h->next_id;
	c->evq = EVQ_NONE;
	c->tls = h->conf.ssl_ctx != NULL;
	strlcpy(c->peer, "-", sizeof(c->peer));
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    c->peer, sizeof(c->peer));
	else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], c->peer,
			    sizeof(c->peer));
		else
			inet_ntop(AF_INET6, a, c->peer, sizeof(c->peer));
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->tls) {
		/* Without memory libevent may leave the SSL unfreed. */
		if ((ssl = SSL_new(h->conf.ssl_ctx)) != NULL) {
			c->bev = bufferevent_openssl_socket_new(h->base, fd,
			    ssl, BUFFEREVENT_SSL_ACCEPTING,
			    BEV_OPT_CLOSE_ON_FREE);
			if (c->bev != NULL)
				bufferevent_openssl_set_allow_dirty_shutdown(
				    c->bev, 1);
		}
	} else
		c->bev = bufferevent_socket_new(h->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL ||
	    (c->timer = evtimer_new(h->base, conn_timer_cb, c)) == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		free(c);
		h->stats.errors++;
		return evicted;
	}
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, h->read_high);
	tv.tv_sec = h->conf.request_timeout_ms / 1000;
	tv.tv_usec = (h->conf.request_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(c->bev, NULL, &tv);	/* a stalled write */
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&h->conns, c, entry);
	h->stats.open++;
	h->stats.accepted++;
	httpd_conn_enter_state(c, CONN_READ_HEAD);
	return evicted;
}

/* Arm the connection's timer for ms from now (0: disarm). */
static void
conn_arm(struct httpd_conn *c, int ms)
{
	struct timeval	tv;

	evtimer_del(c->timer);
	if (ms <= 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

/*
 * Move the connection to state new: its eviction queue, the start of
 * its phase and its timer follow. A request that goes on from its head
 * to its body keeps its place, its start and its deadline.
 */
void
httpd_conn_enter_state(struct httpd_conn *c, enum conn_state new)
{
	struct httpd	*h = c->h;
	enum evq	 q = state_evq[new];

	log_trace(TRACE_HTTP, "httpd conn=%llu peer=%s state %s -> %s",
	    (unsigned long long)c->id, c->peer, state_names[c->state],
	    state_names[new]);
	if (c->evq == EVQ_READ && q == EVQ_READ) {
		c->state = new;
		return;
	}
	if (c->evq != EVQ_NONE)
		TAILQ_REMOVE(&h->evq[c->evq], c, qentry);
	c->evq = q;
	if (q != EVQ_NONE)
		TAILQ_INSERT_TAIL(&h->evq[q], c, qentry);
	c->since = mono_ms();
	c->state = new;
	switch (new) {
	case CONN_READ_HEAD:
		conn_arm(c, h->conf.request_timeout_ms);
		break;
	case CONN_IDLE:
		conn_arm(c, h->conf.idle_timeout_ms);
		break;
	case CONN_LINGER:
		conn_arm(c, LINGER_MS);
		break;
	default:
		conn_arm(c, 0);
		break;
	}
}

/*
 * Close the connection now (its descriptor is freed at once) and leave
 * the memory to the reaper. A request the handler holds stays valid: it
 * learns through its close callback, which runs last.
 */
void
httpd_conn_close(struct httpd_conn *c, const char *why)
{
	struct httpd		*h = c->h;
	struct httpd_req	*r = c->req;

	if (c->state == CONN_DEAD)
		return;
	log_trace(TRACE_HTTP, "httpd conn=%llu peer=%s close: %s",
	    (unsigned long long)c->id, c->peer, why);
	httpd_conn_enter_state(c, CONN_DEAD);
	bufferevent_free(c->bev);
	c->bev = NULL;
	TAILQ_REMOVE(&h->conns, c, entry);
	TAILQ_INSERT_TAIL(&h->dead, c, entry);
	h->stats.open--;
	event_active(h->reaper, EV_TIMEOUT, 1);
	c->req = NULL;
	if (r == NULL)
		return;
	r->conn = NULL;
	if (!r->held) {
		httpd_req_free(r);
		return;
	}
	r->gone = true;
	if (r->on_close != NULL)
		r->on_close(r, r->on_close_arg);
}

/* Free the connections closed since the last pass. */
static void
reaper_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd		*h = arg;
	struct httpd_conn	*c;

	while ((c = TAILQ_FIRST(&h->dead)) != NULL) {
		TAILQ_REMOVE(&h->dead, c, entry);
		event_free(c->timer);
		free(c);
	}
}

/* Bytes came in. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	httpd_conn_process(arg);
}

/* The output buffer is empty. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct httpd_conn	*c = arg;

	if (c->state == CONN_WRITE)
		httpd_conn_flushed(c);
}

/* End of input, an error, or a write that made no progress in time. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct httpd_conn	*c = arg;

	if (what & BEV_EVENT_TIMEOUT) {
		c->h->stats.timed_out++;
		httpd_conn_close(c, "the client does not read");
	} else if (what & BEV_EVENT_ERROR) {
		if (c->state != CONN_IDLE && c->state != CONN_LINGER)
			c->h->stats.errors++;
		httpd_conn_close(c, c->tls ? "socket or TLS error" :
		    "socket error");
	} else if (what & BEV_EVENT_EOF) {
		/* A half-closed client still gets the answer being sent. */
		c->peer_eof = true;
		if (c->state != CONN_WRITE)
			httpd_conn_close(c, "the client closed");
	}
}

/* A deadline passed: the request's, keep-alive's or lingering's. */
static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_conn	*c = arg;
	struct httpd_fail	 f;

	switch (c->state) {
	case CONN_READ_HEAD:
	case CONN_READ_BODY:
		c->h->stats.timed_out++;
		if (c->req == NULL) {
			httpd_conn_close(c, "no request in time");
			return;
		}
		httpd_fail_set(&f, 408, "request_timeout", "the request did "
		    "not arrive whole within %d ms",
		    c->h->conf.request_timeout_ms);
		conn_fail(c, &f);
		break;
	case CONN_IDLE:
		httpd_conn_close(c, "idle");
		break;
	case CONN_LINGER:
		httpd_conn_close(c, "lingered long enough");
		break;
	default:
		break;
	}
}

/* Read what the state allows from the input. */
void
httpd_conn_process(struct httpd_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	int		 rc = 1;

	while (rc == 1) {
		switch (c->state) {
		case CONN_IDLE:
			if (evbuffer_get_length(in) == 0)
				return;
			httpd_conn_enter_state(c, CONN_READ_HEAD);
			break;
		case CONN_READ_HEAD:
			rc = conn_read_head(c);
			break;
		case CONN_READ_BODY:
			rc = conn_read_body(c);
			break;
		case CONN_STREAM:
		case CONN_LINGER:
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		default:
			return;		/* a next request waits its turn */
		}
	}
}

/*
 * The next line of the input, at most max bytes with its end: 1 with
 * the line (valid until drained), its length and its raw length; 0 if
 * it is not whole yet; -1 if it is longer than max.
 */
static int
conn_line(struct httpd_conn *c, size_t max, const char **line, size_t *len,
    size_t *raw)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 start, eol;
	size_t			 eol_len = 0, have = evbuffer_get_length(in);

	/* Search only what was not searched (and a '\r' before it). */
	if (c->scanned > have)
		c->scanned = 0;
	evbuffer_ptr_set(in, &start, c->scanned > 0 ? c->scanned - 1 : 0,
	    EVBUFFER_PTR_SET);
	eol = evbuffer_search_eol(in, &start, &eol_len, EVBUFFER_EOL_CRLF);
	if (eol.pos == -1) {
		c->scanned = have;
		return have > max ? -1 : 0;
	}
	c->scanned = 0;
	*len = (size_t)eol.pos;
	*raw = *len + eol_len;
	if (*raw > max)
		return -1;
	*line = (const char *)evbuffer_pullup(in, (ev_ssize_t)*raw);
	return 1;
}

/* Lines of the head until it is whole: 1 go on, 0 wait, -1 stop. */
static int
conn_read_head(struct httpd_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct httpd_req	*r = c->req;
	struct httpd_fail	 f;
	const char		*line;
	size_t			 len, raw, max = c->h->conf.max_header_bytes;
	int			 rc;

	if (r == NULL) {
		if (evbuffer_get_length(in) == 0)
			return 0;
		if ((r = c->req = httpd_req_new(c)) == NULL) {
			httpd_conn_close(c, "out of memory");
			return -1;
		}
	}
	for (;;) {
		rc = conn_line(c, max - r->head_bytes, &line, &len, &raw);
		if (rc == 0)
			return 0;
		if (rc == -1) {
			httpd_fail_set(&f, 431, "headers_too_large", "the "
			    "request line and headers are over %zu bytes", max);
			return conn_fail(c, &f);
		}
		r->head_bytes += raw;
		rc = httpd_parse_head_line(r, line, len, &f);
		evbuffer_drain(in, raw);
		if (rc == -1)
			return conn_fail(c, &f);
		if (rc == 1)
			return conn_head_done(c);
	}
}

/*
 * The head is whole: refuse a body that is too large, ask the head hook,
 * then read the body or hand the request over.
 */
static int
conn_head_done(struct httpd_conn *c)
{
	struct httpd		*h = c->h;
	struct httpd_req	*r = c->req;
	struct httpd_fail	 f;
	bool			 body = r->chunked ||
			    (r->has_length && r->content_length > 0);
	int			 rc = 0;

	if (r->has_length && r->content_length > h->conf.max_body_bytes) {
		httpd_fail_set(&f, 413, "too_large", "the body is %llu "
		    "bytes; at most %zu are accepted",
		    (unsigned long long)r->content_length,
		    h->conf.max_body_bytes);
		return conn_fail(c, &f);
	}
	if (h->head_cb != NULL) {
		/* If it answers, the body stays unread: close after. */
		c->in_hook = true;
		c->unread = c->close_after = body;
		rc = h->head_cb(r, h->arg);
		c->in_hook = false;
		if (r->answered) {
			httpd_conn_answered(c);
			return 0;
		}
		c->unread = c->close_after = false;
		if (rc != 0) {
			log_warnx("%s: the head hook refused without an "
			    "answer", __func__);
			httpd_conn_close(c, "head hook refused");
			return -1;
		}
	}
	if (!body)
		return conn_dispatch(c);
	if ((r->body = evbuffer_new()) == NULL) {
		httpd_conn_close(c, "out of memory");
		return -1;
	}
	if (r->expect_continue &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	r->chunk = CHUNK_SIZE;
	httpd_conn_enter_state(c, CONN_READ_BODY);
	return 1;
}

/* Move up to max bytes of body from the input to the request. */
static size_t
conn_take_body(struct httpd_conn *c, uint64_t max)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct httpd_req	*r = c->req;
	size_t			 n = evbuffer_get_length(in);

	if (n > max)
		n = (size_t)max;
	evbuffer_remove_buffer(in, r->body, n);
	r->body_len += n;
	c->h->stats.body_bytes += n;
	return n;
}

/* The body so far: 1 go on, 0 wait, -1 stop. */
static int
conn_read_body(struct httpd_conn *c)
{
	struct httpd_req	*r = c->req;

	if (r->chunked)
		return conn_read_chunked(c);
	conn_take_body(c, r->content_length - r->body_len);
	if (r->body_len < r->content_length)
		return 0;
	return conn_dispatch(c);
}

/* A chunked body: sizes, data, line ends, trailers. */
static int
conn_read_chunked(struct httpd_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct httpd_req	*r = c->req;
	struct httpd_fail	 f;
	const char		*line;
	size_t			 len, raw, max = c->h->conf.max_body_bytes;
	size_t			 hmax = c->h->conf.max_header_bytes;
	uint64_t		 size;
	int			 rc;

	for (;;) {
		if (r->chunk == CHUNK_DATA) {
			r->chunk_left -= conn_take_body(c, r->chunk_left);
			if (r->chunk_left > 0)
				return 0;
			r->chunk = CHUNK_DATA_END;
		}
		rc = conn_line(c, r->chunk == CHUNK_TRAILER ?
		    hmax - r->head_bytes : HTTPD_CHUNK_LINE_MAX, &line, &len,
		    &raw);
		if (rc == 0)
			return 0;
		if (rc == -1 && r->chunk == CHUNK_TRAILER) {
			httpd_fail_set(&f, 431, "headers_too_large", "the "
			    "headers and trailers are over %zu bytes", hmax);
			return conn_fail(c, &f);
		}
		if (rc == -1) {
			httpd_fail_set(&f, 400, "invalid_request", "a chunk "
			    "size line is over %d bytes", HTTPD_CHUNK_LINE_MAX);
			return conn_fail(c, &f);
		}
		switch (r->chunk) {
		case CHUNK_SIZE:
			if (httpd_parse_chunk_size(line, len, &size, &f) == -1)
				return conn_fail(c, &f);
			if (size > max - r->body_len) {
				httpd_fail_set(&f, 413, "too_large", "the body "
				    "is over %zu bytes", max);
				return conn_fail(c, &f);
			}
			r->chunk_left = size;
			r->chunk = size > 0 ? CHUNK_DATA : CHUNK_TRAILER;
			break;
		case CHUNK_DATA_END:
			if (len != 0) {
				httpd_fail_set(&f, 400, "invalid_request",
				    "a chunk's data is longer than its size");
				return conn_fail(c, &f);
			}
			r->chunk = CHUNK_SIZE;
			break;
		default:
			/* Trailers are tolerated and not kept. */
			r->head_bytes += raw;
			if (len == 0) {
				evbuffer_drain(in, raw);
				return conn_dispatch(c);
			}
			break;
		}
		evbuffer_drain(in, raw);
	}
}

/* The request is whole: give it to the handler. */
static int
conn_dispatch(struct httpd_conn *c)
{
	struct httpd		*h = c->h;
	struct httpd_req	*r = c->req;

	if (r->body != NULL && evbuffer_add(r->body, "", 1) == -1) {
		httpd_conn_close(c, "out of memory");
		return -1;
	}
	r->held = true;
	h->stats.requests++;
	httpd_conn_enter_state(c, CONN_HANDLER);
	h->req_cb(r, h->arg);
	return 0;
}

/* Answer a request the server itself refuses, then close. */
static int
conn_fail(struct httpd_conn *c, struct httpd_fail *f)
{
	struct httpd_req	*r = c->req;

	if (f->status == 0) {
		httpd_conn_close(c, "out of memory");
		return -1;
	}
	if (f->status != 408)
		c->h->stats.errors++;
	log_trace(TRACE_HTTP, "httpd conn=%llu peer=%s status=%d %s",
	    (unsigned long long)c->id, c->peer, f->status, f->msg);
	c->close_after = c->unread = true;
	if (f->status == 405)
		httpd_add_header(r, "Allow",
		    "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
	httpd_reply_error(r, f->status, f->code, "%s", f->msg);
	return -1;
}

/* The answer is queued: the request is done with; send it out. */
void
httpd_conn_answered(struct httpd_conn *c)
{
	httpd_req_free(c->req);
	c->req = NULL;
	httpd_conn_enter_state(c, CONN_WRITE);
}

/* The answer is out: close, linger, or on to the next request. */
void
httpd_conn_flushed(struct httpd_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	if (c->peer_eof) {
		httpd_conn_close(c, "answered a client that closed");
		return;
	}
	if (c->close_after) {
		if (!c->unread && evbuffer_get_length(in) == 0) {
			httpd_conn_close(c, "answered, Connection: close");
			return;
		}
		/* Closing with input unread would reset the answer away. */
		shutdown(bufferevent_getfd(c->bev), SHUT_WR);
		httpd_conn_enter_state(c, CONN_LINGER);
		httpd_conn_process(c);
		return;
	}
	if (evbuffer_get_length(in) == 0) {
		httpd_conn_enter_state(c, CONN_IDLE);
		return;
	}
	httpd_conn_enter_state(c, CONN_READ_HEAD);	/* pipelined */
	httpd_conn_process(c);
}

struct httpd *
httpd_new(struct event_base *base, const struct httpd_conf *conf,
    httpd_head_cb head_cb, httpd_req_cb req_cb, void *arg, char *err,
    size_t errlen)
{
	struct httpd	*h;
	int		 q;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->base = base;
	h->conf = *conf;
	h->fd = -1;
	h->head_cb = head_cb;
	h->req_cb = req_cb;
	h->arg = arg;
	TAILQ_INIT(&h->conns);
	TAILQ_INIT(&h->dead);
	for (q = 0; q < EVQ_N; q++)
		TAILQ_INIT(&h->evq[q]);
	if (h->conf.max_connections <= 0)
		h->conf.max_connections = 1024;
	if (h->conf.request_timeout_ms <= 0)
		h->conf.request_timeout_ms = 10000;
	if (h->conf.idle_timeout_ms <= 0)
		h->conf.idle_timeout_ms = 15000;
	if (h->conf.max_header_bytes == 0)
		h->conf.max_header_bytes = 16384;
	if (h->conf.max_body_bytes == 0)
		h->conf.max_body_bytes = 1024 * 1024;
	if (h->conf.stream_max_buffered == 0)
		h->conf.stream_max_buffered = 1024 * 1024;
	h->read_high = h->conf.max_header_bytes + 1 > READ_CHUNK ?
	    h->conf.max_header_bytes + 1 : READ_CHUNK;
	h->host = strdup(conf->host != NULL ? conf->host : "127.0.0.1");
	h->reaper = event_new(base, -1, 0, reaper_cb, h);
	h->resume_ev = evtimer_new(base, accept_resume, h);
	if (h->host == NULL || h->reaper == NULL || h->resume_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		httpd_free(h);
		return NULL;
	}
	h->conf.host = h->host;
	if (listen_open(h, err, errlen) == -1) {
		httpd_free(h);
		return NULL;
	}
	return h;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_set_ssl_ctx(struct httpd *h, void *ssl_ctx)
{
	h->conf.ssl_ctx = ssl_ctx;
}

void
httpd_stop_accepting(struct httpd *h)
{
	struct httpd_conn	*c, *next;

	if (h == NULL)
		return;
	listen_close(h);
	h->stopping = true;
	for (c = TAILQ_FIRST(&h->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CONN_IDLE ||
		    (c->state == CONN_READ_HEAD && c->req == NULL))
			httpd_conn_close(c, "the server is stopping");
	}
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	listen_close(h);
	while (!TAILQ_EMPTY(&h->conns))
		httpd_conn_close(TAILQ_FIRST(&h->conns),
		    "the server is stopping");
	reaper_cb(-1, 0, h);
	if (h->reaper != NULL)
		event_free(h->reaper);
	if (h->resume_ev != NULL)
		event_free(h->resume_ev);
	free(h->host);
	free(h);
}

void
httpd_stats(const struct httpd *h, struct httpd_stats *st)
{
	*st = h->stats;
}
