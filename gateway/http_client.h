/*
 * Outgoing HTTP: libcurl's multi interface driven by the daemon's one
 * libevent event_base (the hiperfifo pattern). No threads, no polling:
 * curl tells us which sockets and which timeout to watch.
 */
#ifndef VARSEL_HTTP_CLIENT_H
#define VARSEL_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct http_client;

#define HTTP_MAX_HEADERS	8

/*
 * A request as an adapter builds it. All strings are owned by the request
 * and released by http_request_reset(); the adapter allocates them.
 */
struct http_request {
	char	*method;		/* "POST" (NULL means POST) */
	char	*url;
	char	*content_type;		/* NULL: application/x-www-form-urlencoded */
	char	*body;
	size_t	 body_len;
	char	*userpwd;		/* "user:password" for Basic auth, or NULL */
	char	*headers[HTTP_MAX_HEADERS];	/* "Name: value" */
	int	 nheaders;
	long	 timeout_ms;		/* 0: the client's default */
	bool	 public_only;		/* refuse to connect to loopback,
					   link-local or private addresses */
	char	*allow;			/* ... but these (netcheck_listed) */
};
void	http_request_reset(struct http_request *);
/* Add a "Name: value" header; 0 or -1 when full. */
int	http_request_header(struct http_request *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* What came back. Valid only during the completion callback. */
struct http_response {
	int		 curl_code;	/* CURLE_OK (0) or the transport error */
	const char	*error;		/* curl's text when curl_code != 0 */
	long		 status;	/* HTTP status, 0 if none */
	const char	*body;		/* NUL-terminated */
	size_t		 body_len;
	int		 retry_after_s;	/* Retry-After in seconds, 0 if absent */
	double		 seconds;	/* total time of the request */
	bool		 request_sent;	/* the request went out in full */
};

typedef void (*http_done_cb)(const struct http_response *, void *arg);

/* max_total caps open connections across hosts (0: curl's default). */
struct http_client *http_client_new(struct event_base *, long max_total);
/*
 * Start req; cb runs exactly once, from the event loop, never from inside
 * this call. The client takes the request's strings (req is reset).
 * Returns 0, or -1 if the request could not even be started.
 */
int	http_client_send(struct http_client *, struct http_request *req,
	    http_done_cb cb, void *arg);
/* Requests started and not yet completed. */
size_t	http_client_inflight(const struct http_client *);
/* Abort everything in flight (callbacks do not run) and free. */
void	http_client_free(struct http_client *);

#endif
