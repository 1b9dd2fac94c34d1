/*
 * A request as handlers see it (see httpd.h): what it says, and its
 * answer, whole or as a stream. The answer's status line and headers are
 * made here; httpd.c writes them out and decides what the connection
 * does next.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "httpd.h"
#include "httpd_priv.h"
#include "util.h"

static bool	header_ok(const char *, const char *);
static bool	answer_has_body(const struct httpd_req *, int);
static void	answer_head(struct httpd_req *, int, const char *, int64_t);
static int	reply_begin(struct httpd_req *);
static void	reply_end(struct httpd_req *);
static const char *date_now(struct httpd *);
static const char *status_text(int);

/* A request starting on c, its peer copied. */
struct httpd_req *
httpd_req_new(struct httpd_conn *c)
{
	struct httpd_req	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->conn = c;
	r->method = r->path = r->query = HTTPD_NO_OFFSET;
	r->tls = c->tls;
	strlcpy(r->peer, c->peer, sizeof(r->peer));
	return r;
}

/* Free a request and what it holds. */
void
httpd_req_free(struct httpd_req *r)
{
	if (r == NULL)
		return;
	if (r->body != NULL)
		evbuffer_free(r->body);
	if (r->out_headers != NULL)
		evbuffer_free(r->out_headers);
	free(r->hdr);
	free(r->head);
	free(r);
}

/* Would name and value make a sound header line? */
static bool
header_ok(const char *name, const char *value)
{
	const char	*p;

	if (*name == '\0')
		return false;
	for (p = name; *p != '\0'; p++)
		if (*p <= ' ' || *p == ':' || *p == 0x7f)
			return false;
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			return false;
	return true;
}

/* May an answer with this status to this request carry a body? */
static bool
answer_has_body(const struct httpd_req *r, int status)
{
	return status != 204 && status != 304 &&
	    strcmp(httpd_method(r), "HEAD") != 0;
}

/*
 * An answer's head, gathered here and added to the connection's output
 * in one piece: a printf into the evbuffer a line cost more than the
 * rest of answering a small request together.
 */
struct head {
	struct evbuffer	*out;
	size_t		 len;
	char		 buf[512];
};

/* Add what is gathered to the output. */
static void
head_flush(struct head *h)
{
	if (h->len > 0)
		evbuffer_add(h->out, h->buf, h->len);
	h->len = 0;
}

/* Gather n bytes of s (a longer piece goes out on its own). */
static void
head_put(struct head *h, const char *s, size_t n)
{
	if (n > sizeof(h->buf) - h->len) {
		head_flush(h);
		if (n > sizeof(h->buf)) {
			evbuffer_add(h->out, s, n);
			return;
		}
	}
	memcpy(h->buf + h->len, s, n);
	h->len += n;
}

#define HEAD_PUT(h, lit)	head_put((h), (lit), sizeof(lit) - 1)

/* Gather the decimal digits of v (not negative). */
static void
head_put_num(struct head *h, unsigned long long v)
{
	char	d[24];
	size_t	i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	head_put(h, d + i, sizeof(d) - i);
}

/* Queue the status line and headers; len < 0: a stream. */
static void
answer_head(struct httpd_req *r, int status, const char *ctype, int64_t len)
{
	struct httpd_conn	*c = r->conn;
	struct head		 h;
	const char		*text = status_text(status);
	const char		*date;

	/*
	 * The write's deadline (request_timeout_ms) is reckoned from the
	 * loop's cached time: after a handler that held the loop longer
	 * than that (a fan-out to a million), it would already have passed
	 * and the answer be dropped with the connection.
	 */
	event_base_update_cache_time(c->h->base);
	if (!r->keepalive || c->h->stopping || len < 0)
		c->close_after = true;
	h.out = bufferevent_get_output(c->bev);
	h.len = 0;
	HEAD_PUT(&h, "HTTP/1.1 ");
	head_put_num(&h, status >= 100 && status <= 999 ? (unsigned)status :
	    500);
	HEAD_PUT(&h, " ");
	head_put(&h, text, strlen(text));
	HEAD_PUT(&h, "\r\nDate: ");
	date = date_now(c->h);
	head_put(&h, date, strlen(date));
	HEAD_PUT(&h, "\r\n");
	if (ctype != NULL && header_ok("Content-Type", ctype)) {
		HEAD_PUT(&h, "Content-Type: ");
		head_put(&h, ctype, strlen(ctype));
		HEAD_PUT(&h, "\r\n");
	}
	if (len < 0)
		HEAD_PUT(&h, "Cache-Control: no-store\r\n");
	else if (status != 204 && status != 304) {
		HEAD_PUT(&h, "Content-Length: ");
		head_put_num(&h, (unsigned long long)len);
		HEAD_PUT(&h, "\r\n");
	}
	if (r->out_headers != NULL) {
		head_flush(&h);
		evbuffer_add_buffer(h.out, r->out_headers);
	}
	if (c->close_after)
		HEAD_PUT(&h, "Connection: close\r\n");
	else if (r->minor == 0)
		HEAD_PUT(&h, "Connection: keep-alive\r\n");
	HEAD_PUT(&h, "\r\n");
	head_flush(&h);
}

/* Before an answer: 0 to answer, -1 if the client is gone (r is freed). */
static int
reply_begin(struct httpd_req *r)
{
	if (r->conn != NULL)
		return 0;
	httpd_req_free(r);
	return -1;
}

/* After an answer: on to writing it, unless the head hook is answering. */
static void
reply_end(struct httpd_req *r)
{
	struct httpd_conn	*c = r->conn;

	r->answered = true;
	if (!c->in_hook)
		httpd_conn_answered(c);
}

/* The Date header's value, made once a second. */
static const char *
date_now(struct httpd *h)
{
	static const char	days[7][4] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char	months[12][4] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t			now = time(NULL);
	struct tm		tm;

	if (now != h->date_at && gmtime_r(&now, &tm) != NULL) {
		snprintf(h->date, sizeof(h->date),
		    "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
		    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
		h->date_at = now;
	}
	return h->date;
}

/* The reason phrase of a status. */
static const char *
status_text(int status)
{
	static const struct {
		int		 status;
		const char	*text;
	} texts[] = {
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 301, "Moved Permanently" },
		{ 302, "Found" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 503, "Service Unavailable" },
	};
	size_t	i;

	for (i = 0; i < nitems(texts); i++)
		if (texts[i].status == status)
			return texts[i].text;
	return status < 400 ? "OK" : status < 500 ? "Client Error" :
	    "Server Error";
}

const char *
httpd_method(const struct httpd_req *r)
{
	return r->method == HTTPD_NO_OFFSET ? "" : r->head + r->method;
}

const char *
httpd_path(const struct httpd_req *r)
{
	return r->path == HTTPD_NO_OFFSET ? "" : r->head + r->path;
}

const char *
httpd_query(const struct httpd_req *r)
{
	return r->query == HTTPD_NO_OFFSET ? NULL : r->head + r->query;
}

const char *
httpd_header(const struct httpd_req *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->head + r->hdr[i].name, name) == 0)
			return r->head + r->hdr[i].value;
	return NULL;
}

const char *
httpd_peer(const struct httpd_req *r)
{
	return r->peer;
}

bool
httpd_tls(const struct httpd_req *r)
{
	return r->tls;
}

const char *
httpd_body(const struct httpd_req *r, size_t *len)
{
	if (len != NULL)
		*len = r->held ? r->body_len : 0;
	if (!r->held)
		return NULL;
	if (r->body == NULL)
		return "";
	return (const char *)evbuffer_pullup(r->body, -1);
}

void
httpd_req_set_data(struct httpd_req *r, void *data)
{
	r->data = data;
}

void *
httpd_req_data(const struct httpd_req *r)
{
	return r->data;
}

/* The answer's own headers, made if none yet; NULL: out of memory. */
static struct evbuffer *
out_headers(struct httpd_req *r)
{
	if (r->out_headers == NULL)
		r->out_headers = evbuffer_new();
	return r->out_headers;
}

int
httpd_add_header(struct httpd_req *r, const char *name, const char *value)
{
	static const char *const framing[] = { "Content-Length",
	    "Transfer-Encoding", "Connection", "Date", "Content-Type" };
	struct evbuffer		*h;
	size_t			 i;

	if (!header_ok(name, value))
		return -1;
	for (i = 0; i < nitems(framing); i++)
		if (strcasecmp(name, framing[i]) == 0)
			return -1;	/* the server writes these */
	if ((h = out_headers(r)) == NULL)
		return -1;
	/* Four copies, not a printf: there are a handful an answer. */
	if (evbuffer_add(h, name, strlen(name)) == -1 ||
	    evbuffer_add(h, ": ", 2) == -1 ||
	    evbuffer_add(h, value, strlen(value)) == -1 ||
	    evbuffer_add(h, "\r\n", 2) == -1)
		return -1;
	return 0;
}

int
httpd_add_header_block(struct httpd_req *r, const char *block, size_t len)
{
	struct evbuffer	*h;

	if ((h = out_headers(r)) == NULL)
		return -1;
	return evbuffer_add(h, block, len);
}

void
httpd_reply(struct httpd_req *r, int status, const char *content_type,
    const void *body, size_t len)
{
	if (reply_begin(r) == -1)
		return;
	answer_head(r, status, content_type, (int64_t)len);
	if (len > 0 && answer_has_body(r, status))
		bufferevent_write(r->conn->bev, body, len);
	reply_end(r);
}

void
httpd_reply_buffer(struct httpd_req *r, int status, const char *content_type,
    struct evbuffer *body)
{
	size_t	len = evbuffer_get_length(body);

	if (reply_begin(r) == -1) {
		evbuffer_drain(body, len);
		return;
	}
	answer_head(r, status, content_type, (int64_t)len);
	if (answer_has_body(r, status))
		bufferevent_write_buffer(r->conn->bev, body);
	else
		evbuffer_drain(body, len);
	reply_end(r);
}

void
httpd_reply_error(struct httpd_req *r, int status, const char *code,
    const char *fmt, ...)
{
	static const char	 fallback[] = "{\"error\":{\"code\":"
	    "\"unknown\",\"message\":\"the error could not be written\"}}";
	char			 msg[512], *s;
	json_t			*j;
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j = json_pack("{s{ssss}}", "error", "code", code, "message", msg);
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		httpd_reply(r, status, "application/json", fallback,
		    sizeof(fallback) - 1);
	else
		httpd_reply(r, status, "application/json", s, strlen(s));
	free(s);
}

int
httpd_stream_begin(struct httpd_req *r, int status, const char *content_type)
{
	struct httpd_conn	*c = r->conn;

	if (c == NULL || r->streaming || c->in_hook)
		return -1;
	answer_head(r, status, content_type, -1);
	r->streaming = true;
	httpd_conn_enter_state(c, CONN_STREAM);
	httpd_conn_process(c);	/* discard input, so EOF can be seen */
	return 0;
}

int
httpd_stream_write(struct httpd_req *r, const void *data, size_t len)
{
	struct httpd_conn	*c = r->conn;
	struct evbuffer		*out;

	if (c == NULL || !r->streaming)
		return -1;
	if (!answer_has_body(r, 200))
		return 0;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) + len > c->h->conf.stream_max_buffered) {
		c->h->stats.streams_dropped++;
		httpd_conn_close(c, "the stream's reader fell behind");
		return -1;	/* r may be freed by its close callback */
	}
	return evbuffer_add(out, data, len);
}

void
httpd_stream_end(struct httpd_req *r)
{
	struct httpd_conn	*c = r->conn;

	if (c == NULL || !r->streaming) {
		if (c != NULL)
			c->req = NULL;
		httpd_req_free(r);
		if (c != NULL)
			httpd_conn_close(c, "stream ended before it began");
		return;
	}
	httpd_conn_answered(c);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		httpd_conn_flushed(c);
}

void
httpd_req_on_close(struct httpd_req *r, httpd_close_cb cb, void *arg)
{
	r->on_close = cb;
	r->on_close_arg = arg;
}

bool
httpd_req_gone(const struct httpd_req *r)
{
	return r->gone;
}
