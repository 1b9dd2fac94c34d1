/*
 * What the files of the HTTP server share. httpd.c: the listener and
 * each connection's state machine, which reads requests; httpd_req.c:
 * what handlers read of a request and how they answer it; httpd_parse.c:
 * the parser of request lines, header lines and chunk size lines, one
 * line at a time (it never reads a socket; httpd.c cuts the lines and
 * enforces the byte limits). Include httpd.h first.
 */
#ifndef VARSEL_HTTPD_PRIV_H
#define VARSEL_HTTPD_PRIV_H

#include <sys/queue.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define HTTPD_MAX_HEADERS	100	/* more: 431 */
#define HTTPD_CHUNK_LINE_MAX	1024	/* chunk size and extensions */
#define HTTPD_NO_OFFSET		UINT32_MAX

struct bufferevent;
struct event;

/* Where the reader of a chunked body is. */
enum chunk_state {
	CHUNK_SIZE,		/* "1a;name=value" and a line end */
	CHUNK_DATA,		/* chunk_left bytes of data */
	CHUNK_DATA_END,		/* the line end after the data */
	CHUNK_TRAILER		/* trailer lines up to an empty one */
};

/* An answer the server makes itself (400, 405, 413, 431, 408). */
struct httpd_fail {
	int		 status;	/* 0: out of memory, just close */
	const char	*code;
	char		 msg[160];
};

/* One header: where its name and value start in the head. */
struct httpd_hdr {
	uint32_t	 name;
	uint32_t	 value;
};

/* A request, from its first byte until it is answered. */
struct httpd_req {
	struct httpd_conn	*conn;		/* NULL: the client is gone */

	/* The head: NUL-terminated strings back to back, and offsets. */
	char			*head;
	size_t			 head_len;
	size_t			 head_cap;
	size_t			 head_bytes;	/* raw bytes, for the limit */
	struct httpd_hdr	*hdr;
	size_t			 nhdr;
	uint32_t		 method;
	uint32_t		 path;
	uint32_t		 query;		/* HTTPD_NO_OFFSET: none */
	bool			 have_line;	/* the request line is in */
	int			 minor;		/* HTTP/1.minor */

	/* What the head says of the body and the connection. */
	bool			 keepalive;
	bool			 expect_continue;
	bool			 chunked;
	bool			 has_length;
	uint64_t		 content_length;	/* UINT64_MAX: huge */

	/* The body as it is read. */
	enum chunk_state	 chunk;
	uint64_t		 chunk_left;
	struct evbuffer		*body;		/* NULL until the hook said 0 */
	size_t			 body_len;

	/* The answer. */
	struct evbuffer		*out_headers;	/* "Name: value\r\n" lines */
	bool			 answered;
	bool			 held;		/* the handler has it */
	bool			 streaming;
	bool			 gone;
	httpd_close_cb		 on_close;
	void			*on_close_arg;
	void			*data;

	char			 peer[INET6_ADDRSTRLEN];
	bool			 tls;
};

/* A connection's state; only httpd_conn_enter_state changes it. */
enum conn_state {
	CONN_NEW,		/* accepted, not yet set up */
	CONN_READ_HEAD,		/* request line and headers, or nothing yet */
	CONN_READ_BODY,		/* a Content-Length or chunked body */
	CONN_HANDLER,		/* the whole request is with the application */
	CONN_WRITE,		/* an answer is going out */
	CONN_STREAM,		/* a stream is open */
	CONN_IDLE,		/* keep-alive, between requests */
	CONN_LINGER,		/* last answer out; discarding input */
	CONN_DEAD		/* closed; the reaper frees it */
};

/*
 * Eviction queues, most evictable first. Each is in the order its
 * connections entered it, which is the order of their `since`.
 */
enum evq {
	EVQ_LINGER,		/* done; only discarding */
	EVQ_IDLE,		/* keep-alive with no request */
	EVQ_READ,		/* a request incomplete since `since` */
	EVQ_WRITE,		/* an answer the client reads slowly */
	EVQ_N,
	EVQ_NONE = EVQ_N	/* not evictable: with the handler, streams */
};

/* One client connection. */
struct httpd_conn {
	struct httpd		*h;
	uint64_t		 id;		/* for traces */
	struct bufferevent	*bev;
	struct event		*timer;		/* request, idle, linger */
	enum conn_state		 state;
	enum evq		 evq;
	int64_t			 since;		/* ms: this phase began */
	struct httpd_req	*req;		/* being read, or handled */
	size_t			 scanned;	/* input searched for an EOL */
	bool			 in_hook;	/* the head hook is running */
	bool			 close_after;	/* close after the answer */
	bool			 unread;	/* request input left unread */
	bool			 peer_eof;	/* the client closed its side */
	bool			 tls;
	char			 peer[INET6_ADDRSTRLEN];
	TAILQ_ENTRY(httpd_conn)	 entry;		/* h->conns or h->dead */
	TAILQ_ENTRY(httpd_conn)	 qentry;	/* h->evq[evq] */
};
TAILQ_HEAD(conn_list, httpd_conn);

/* A warning that may repeat: one line a second at most, with a count. */
struct summary {
	int64_t		 last;
	uint64_t	 count;
};

struct httpd {
	struct event_base	*base;
	struct httpd_conf	 conf;
	char			*host;
	httpd_head_cb		 head_cb;
	httpd_req_cb		 req_cb;
	void			*arg;
	int			 fd;		/* listener, -1 once closed */
	int			 port;
	struct event		*accept_ev;
	struct event		*resume_ev;	/* ends a listener pause */
	struct event		*reaper;	/* frees closed connections */
	size_t			 read_high;	/* input bytes held at most */
	bool			 stopping;
	uint64_t		 next_id;
	struct conn_list	 conns;		/* open */
	struct conn_list	 evq[EVQ_N];
	struct conn_list	 dead;		/* closed, not yet freed */
	struct httpd_stats	 stats;
	struct summary		 accept_log;
	struct summary		 refuse_log;
	struct summary		 evict_log;
	time_t			 date_at;
	char			 date[40];
};

/* Move the connection to a state; the only place that changes it. */
void	httpd_conn_enter_state(struct httpd_conn *, enum conn_state);
/* Close now (the descriptor at once), free later; tells a held request. */
void	httpd_conn_close(struct httpd_conn *, const char *why);
/* Read what the connection's state allows from its input. */
void	httpd_conn_process(struct httpd_conn *);
/* The answer to c->req is queued: free the request, write it out. */
void	httpd_conn_answered(struct httpd_conn *);
/* The answer is out: close, linger, or the next request. */
void	httpd_conn_flushed(struct httpd_conn *);
/* A request starting on c; NULL without memory. */
struct httpd_req *httpd_req_new(struct httpd_conn *);
void	httpd_req_free(struct httpd_req *);

/*
 * One line of the head, without its line end: the request line, a header
 * or the empty line that ends the head. 0: more lines to come; 1: the
 * head is whole; -1 with fail set.
 */
int	httpd_parse_head_line(struct httpd_req *, const char *line, size_t len,
	    struct httpd_fail *);
/* A chunk size line: 0 with size, or -1 with fail (400, or 413 if huge). */
int	httpd_parse_chunk_size(const char *line, size_t len, uint64_t *size,
	    struct httpd_fail *);
/* Is name one of the methods the server knows? */
bool	httpd_method_known(const char *name);
/* Fill fail; returns -1. */
int	httpd_fail_set(struct httpd_fail *, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
