/*
 * The daemon's own HTTP/1.1 server on libevent bufferevents, built to
 * stay up under slow, big and broken clients: a cap on open connections
 * that evicts the connection whose request has been incomplete longest,
 * an accept loop that pauses instead of spinning when descriptors run
 * out, a timeout on the whole request (not reset by trickled bytes), a
 * hook that sees the headers before a byte of the body is read, JSON
 * error bodies (API.md) for everything it answers itself, Server-Sent
 * Events and optional TLS.
 *
 * Ownership. The server owns every struct httpd_req. A handler may keep
 * the request it was given (to answer after a database commit, or to
 * stream) until it answers it exactly once: httpd_reply, _reply_buffer,
 * _reply_error, or httpd_stream_end after httpd_stream_begin. Answering
 * frees the request; it must not be touched afterwards. If the client
 * goes away first the request stays valid, the close callback (if set)
 * runs, httpd_req_gone() turns true, and the answer, when it comes, is
 * dropped. A client that shuts its side down while its request is with
 * the handler counts as gone (an answer already being written still
 * goes out). httpd_free runs the close callbacks of requests handlers
 * still hold; answering those afterwards only frees them.
 *
 * Errors the server answers itself, always with
 * {"error":{"code":...,"message":...}} and Connection: close:
 *   400 invalid_request     a malformed request line, header or chunk,
 *                           an HTTP version other than 1.0 and 1.1, a
 *                           Transfer-Encoding other than chunked
 *   405 method_not_allowed  a method other than GET HEAD POST PUT
 *                           DELETE PATCH OPTIONS (TRACE, CONNECT, ...)
 *   408 request_timeout     the request did not arrive whole in time
 *   413 too_large           the body is over max_body_bytes (from
 *                           Content-Length before a byte is read, or as
 *                           chunks announce it)
 *   431 headers_too_large   request line and headers (or trailers) over
 *                           max_header_bytes, or more than 100 headers
 *
 * Connections. At max_connections a new connection closes one to make
 * room, the first of: one discarding input after its last answer, the
 * longest idle keep-alive one, the one whose request has been incomplete
 * longest, the one whose answer has waited longest for its reader.
 * Requests with the handler and streams are never closed for room: if
 * only those are open, the new connection is refused. The first request
 * must arrive whole within request_timeout_ms of accept. A connection
 * that closes with request input unread (a refused body, an error)
 * discards what arrives for up to 2 s first, so that a TCP reset does
 * not destroy its answer.
 *
 * Streams (Server-Sent Events) are sent without Content-Length and with
 * Connection: close: the end of the stream is the end of the connection.
 */
#ifndef VARSEL_HTTPD_H
#define VARSEL_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evbuffer;
struct httpd;
struct httpd_req;

/* What httpd_new needs; 0 (or NULL) picks the default named. */
struct httpd_conf {
	const char	*host;			/* "127.0.0.1", "::1", "::" */
	int		 port;			/* 0: any; see httpd_port */
	int		 max_connections;	/* open at most; 1024 */
	int		 request_timeout_ms;	/* whole request from its first
						   byte (from accept for the
						   first); 10000 */
	int		 idle_timeout_ms;	/* keep-alive idle; 15000 */
	size_t		 max_header_bytes;	/* line and headers; 16384 */
	size_t		 max_body_bytes;	/* 1 MiB */
	size_t		 stream_max_buffered;	/* unsent stream bytes before
						   it is dropped; 1 MiB */
	void		*ssl_ctx;		/* SSL_CTX * for HTTPS, or NULL;
						   borrowed, must outlive it */
};

/*
 * After the headers, before a byte of the body is read: return 0 to read
 * the body, or answer the request and return -1 (the body is then not
 * read, and the connection closes after the answer if one was
 * announced). Must answer synchronously; the body is NULL here.
 */
typedef int	(*httpd_head_cb)(struct httpd_req *, void *arg);
/* The whole request is in: answer now or later. */
typedef void	(*httpd_req_cb)(struct httpd_req *, void *arg);
/* The client went away before the answer ended. */
typedef void	(*httpd_close_cb)(struct httpd_req *, void *arg);

/* Counters for /metrics. */
struct httpd_stats {
	uint64_t	accepted;	/* connections accepted */
	uint64_t	evicted;	/* closed to make room */
	uint64_t	timed_out;	/* request timeout, stalled write */
	uint64_t	refused;	/* at the cap, nothing evictable */
	uint64_t	errors;		/* 400/405/413/431 made here; TLS and
					   socket errors */
	uint64_t	accept_failed;	/* accept() out of descriptors/memory */
	uint64_t	requests;	/* requests given to the handler */
	uint64_t	body_bytes;	/* request body bytes read */
	uint64_t	streams_dropped; /* streams whose reader fell behind */
	int		open;		/* connections open now */
};

/*
 * Bind and listen on conf->host:port; head_cb may be NULL. conf is
 * copied (host too); NULL with err.
 */
struct httpd	*httpd_new(struct event_base *, const struct httpd_conf *,
		    httpd_head_cb, httpd_req_cb, void *arg, char *err,
		    size_t errlen);
/*
 * The TLS context for connections accepted from now on (a certificate
 * reloaded); those open keep theirs. NULL turns TLS off.
 */
void		 httpd_set_ssl_ctx(struct httpd *, void *ssl_ctx);
/* The port bound (the real one when conf->port was 0). */
int		 httpd_port(const struct httpd *);
/*
 * SIGTERM: close the listener and idle connections; requests in progress
 * finish and their connections close after the answer.
 */
void		 httpd_stop_accepting(struct httpd *);
void		 httpd_free(struct httpd *);
void		 httpd_stats(const struct httpd *, struct httpd_stats *);

/* The request. Strings live as long as the request. */
const char	*httpd_method(const struct httpd_req *);	/* "GET" */
/* The target without the query, not decoded ("*" for OPTIONS *). */
const char	*httpd_path(const struct httpd_req *);
/* What follows '?' (maybe ""), or NULL. */
const char	*httpd_query(const struct httpd_req *);
/* The first header of that name (any case), trimmed; or NULL. */
const char	*httpd_header(const struct httpd_req *, const char *name);
/* The client's address: "127.0.0.1", "::1". */
const char	*httpd_peer(const struct httpd_req *);
bool		 httpd_tls(const struct httpd_req *);
/* The body, NUL-terminated ("" when none); NULL in the head hook. */
const char	*httpd_body(const struct httpd_req *, size_t *len);
/* Anything the application wants to keep with the request. */
void		 httpd_req_set_data(struct httpd_req *, void *);
void		*httpd_req_data(const struct httpd_req *);

/*
 * The answer. Headers added before it go out with it: -1 if name or
 * value would break the header block (CR, LF, ':' in the name), or for
 * the headers the server writes itself (Content-Length,
 * Transfer-Encoding, Connection, Date; Content-Type is an argument).
 */
int	httpd_add_header(struct httpd_req *, const char *name,
	    const char *value);
/*
 * Headers the program writes itself, whole ("Name: value\r\n" each),
 * added as they are: for constant ones, checked by their tests.
 */
int	httpd_add_header_block(struct httpd_req *, const char *block,
	    size_t len);
void	httpd_reply(struct httpd_req *, int status, const char *content_type,
	    const void *body, size_t len);
/* Moves body's contents, file segments included; body stays the caller's. */
void	httpd_reply_buffer(struct httpd_req *, int status,
	    const char *content_type, struct evbuffer *body);
/* {"error":{"code":code,"message":...}} as application/json. */
void	httpd_reply_error(struct httpd_req *, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A stream (Server-Sent Events): the status and headers now
 * (Cache-Control: no-store, Connection: close, no Content-Length), then
 * writes as they come, then httpd_stream_end, which frees the request.
 * A write returns -1 once the client is gone or has fallen more than
 * stream_max_buffered bytes behind (the stream is then dropped and the
 * close callback runs); the handler must still call httpd_stream_end.
 */
int	httpd_stream_begin(struct httpd_req *, int status,
	    const char *content_type);
int	httpd_stream_write(struct httpd_req *, const void *, size_t);
void	httpd_stream_end(struct httpd_req *);

/* Call cb if the client goes away before the answer has ended. */
void	httpd_req_on_close(struct httpd_req *, httpd_close_cb, void *arg);
bool	httpd_req_gone(const struct httpd_req *);

#endif
