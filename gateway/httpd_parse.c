/*
 * The HTTP/1.1 request parser of httpd.c (RFC 9112), one line at a time:
 * the request line, header lines, the framing the head announces
 * (Content-Length, chunked, Connection, Expect) and chunk size lines.
 * Strict where leniency lets one request be read two ways (request
 * smuggling): a space before a header's colon, folded lines, both
 * Content-Length and Transfer-Encoding, Content-Lengths that differ,
 * control characters; all of that is 400.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"
#include "httpd_priv.h"

static bool	is_tchar(unsigned char);
static int	head_store(struct httpd_req *, const char *, size_t,
		    uint32_t *, struct httpd_fail *);
static int	parse_request_line(struct httpd_req *, const char *, size_t,
		    struct httpd_fail *);
static int	parse_target(struct httpd_req *, const char *, size_t,
		    struct httpd_fail *);
static int	parse_header(struct httpd_req *, const char *, size_t,
		    struct httpd_fail *);
static int	parse_content_length(struct httpd_req *, const char *,
		    struct httpd_fail *);
static bool	list_has(const char *, const char *);
static int	head_finish(struct httpd_req *, struct httpd_fail *);

/* The methods the server passes on; anything else is 405. */
static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"
};

int
httpd_fail_set(struct httpd_fail *f, int status, const char *code,
    const char *fmt, ...)
{
	va_list	ap;

	f->status = status;
	f->code = code;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return -1;
}

bool
httpd_method_known(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(name, methods[i]) == 0)
			return true;
	return false;
}

/* A token character of RFC 9110 (method and header names). */
static bool
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Append s (len bytes) and a NUL to the head; its offset in *off. */
static int
head_store(struct httpd_req *r, const char *s, size_t len, uint32_t *off,
    struct httpd_fail *f)
{
	size_t	need = r->head_len + len + 1;
	char	*p;

	if (need > r->head_cap) {
		size_t	cap = r->head_cap ? r->head_cap : 256;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(r->head, cap)) == NULL) {
			f->status = 0;
			return -1;
		}
		r->head = p;
		r->head_cap = cap;
	}
	memcpy(r->head + r->head_len, s, len);
	r->head[r->head_len + len] = '\0';
	*off = (uint32_t)r->head_len;
	r->head_len = need;
	return 0;
}

/* The request target: origin-form, "*", or absolute-form. */
static int
parse_target(struct httpd_req *r, const char *t, size_t len,
    struct httpd_fail *f)
{
	const char	*q;
	size_t		 i, plen;

	if (len == 0)
		return httpd_fail_set(f, 400, "invalid_request",
		    "the request target is empty");
	for (i = 0; i < len; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return httpd_fail_set(f, 400, "invalid_request",
			    "the request target has a byte that is not "
			    "printable ASCII");
	if (len == 1 && t[0] == '*' &&
	    strcmp(r->head + r->method, "OPTIONS") == 0) {
		/* asterisk-form: the path is "*" */
	} else if (t[0] != '/') {
		/* absolute-form: the path starts after the authority. */
		if (len > 7 && strncasecmp(t, "http://", 7) == 0)
			i = 7;
		else if (len > 8 && strncasecmp(t, "https://", 8) == 0)
			i = 8;
		else
			return httpd_fail_set(f, 400, "invalid_request",
			    "the request target must start with '/'");
		while (i < len && t[i] != '/' && t[i] != '?')
			i++;
		t += i;
		len -= i;
	}
	q = memchr(t, '?', len);
	plen = q ? (size_t)(q - t) : len;
	if (head_store(r, plen ? t : "/", plen ? plen : 1, &r->path, f) == -1)
		return -1;
	r->query = HTTPD_NO_OFFSET;
	if (q != NULL)
		return head_store(r, q + 1, len - plen - 1, &r->query, f);
	return 0;
}

/* "METHOD SP target SP HTTP/1.x". */
static int
parse_request_line(struct httpd_req *r, const char *line, size_t len,
    struct httpd_fail *f)
{
	const char	*sp1, *sp2, *v;
	size_t		 i, mlen, vlen;

	sp1 = memchr(line, ' ', len);
	if (sp1 == NULL || sp1 == line)
		return httpd_fail_set(f, 400, "invalid_request",
		    "the request line is not METHOD TARGET HTTP/1.1");
	mlen = (size_t)(sp1 - line);
	for (i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)line[i]))
			return httpd_fail_set(f, 400, "invalid_request",
			    "the method is not a token");
	sp2 = memchr(sp1 + 1, ' ', len - mlen - 1);
	if (sp2 == NULL)
		return httpd_fail_set(f, 400, "invalid_request",
		    "the request line is not METHOD TARGET HTTP/1.1");
	v = sp2 + 1;
	vlen = len - (size_t)(v - line);
	if (vlen != 8 || strncmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return httpd_fail_set(f, 400, "invalid_request",
		    "the request line must end with HTTP/1.1 or HTTP/1.0");
	if (v[5] != '1')
		return httpd_fail_set(f, 400, "invalid_request",
		    "HTTP/%c.%c is not served here; use HTTP/1.1", v[5], v[7]);
	r->minor = v[7] - '0';
	r->keepalive = r->minor >= 1;
	if (head_store(r, line, mlen, &r->method, f) == -1)
		return -1;
	/* Before the target: CONNECT's is not a path. */
	if (!httpd_method_known(r->head + r->method))
		return httpd_fail_set(f, 405, "method_not_allowed",
		    "the method %.32s is not allowed here",
		    r->head + r->method);
	if (parse_target(r, sp1 + 1, (size_t)(sp2 - sp1 - 1), f) == -1)
		return -1;
	r->have_line = true;
	return 0;
}

/* "Name: value" with optional white space around the value. */
static int
parse_header(struct httpd_req *r, const char *line, size_t len,
    struct httpd_fail *f)
{
	struct httpd_hdr	*h;
	const char		*colon, *v, *end;
	size_t			 i, nlen;

	if (line[0] == ' ' || line[0] == '\t')
		return httpd_fail_set(f, 400, "invalid_request",
		    "folded header lines are not accepted");
	colon = memchr(line, ':', len);
	if (colon == NULL || colon == line)
		return httpd_fail_set(f, 400, "invalid_request",
		    "a header line has no name and colon");
	nlen = (size_t)(colon - line);
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)line[i]))
			return httpd_fail_set(f, 400, "invalid_request",
			    "a header name has a byte that is not a token "
			    "character");
	v = colon + 1;
	end = line + len;
	for (; v < end; v++) {
		unsigned char	c = (unsigned char)*v;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return httpd_fail_set(f, 400, "invalid_request",
			    "header %.*s has a control character",
			    (int)(nlen > 40 ? 40 : nlen), line);
	}
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (r->nhdr == HTTPD_MAX_HEADERS)
		return httpd_fail_set(f, 431, "headers_too_large",
		    "more than %d headers", HTTPD_MAX_HEADERS);
	if (r->hdr == NULL &&
	    (r->hdr = calloc(HTTPD_MAX_HEADERS, sizeof(*r->hdr))) == NULL) {
		f->status = 0;
		return -1;
	}
	h = &r->hdr[r->nhdr];
	if (head_store(r, line, nlen, &h->name, f) == -1 ||
	    head_store(r, v, (size_t)(end - v), &h->value, f) == -1)
		return -1;
	r->nhdr++;
	return 0;
}

/* One Content-Length value ("12", or "12, 12"); all must agree. */
static int
parse_content_length(struct httpd_req *r, const char *s,
    struct httpd_fail *f)
{
	uint64_t	v;

	for (;;) {
		if (*s < '0' || *s > '9')
			return httpd_fail_set(f, 400, "invalid_request",
			    "Content-Length is not a number");
		for (v = 0; *s >= '0' && *s <= '9'; s++)
			v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX :
			    v * 10 + (uint64_t)(*s - '0');
		if (r->has_length && r->content_length != v)
			return httpd_fail_set(f, 400, "invalid_request",
			    "Content-Length values differ");
		r->has_length = true;
		r->content_length = v;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return httpd_fail_set(f, 400, "invalid_request",
			    "Content-Length is not a number");
		while (*s == ' ' || *s == '\t')
			s++;
	}
}

/* Does the comma-separated list s hold token (any case)? */
static bool
list_has(const char *s, const char *token)
{
	size_t	n = strlen(token);

	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (strncasecmp(s, token, n) == 0 &&
		    (s[n] == '\0' || s[n] == ',' || s[n] == ' ' ||
		    s[n] == '\t'))
			return true;
		while (*s != '\0' && *s != ',')
			s++;
	}
	return false;
}

/* The head is whole: what it says of the body and the connection. */
static int
head_finish(struct httpd_req *r, struct httpd_fail *f)
{
	size_t		 i;
	int		 nte = 0;

	for (i = 0; i < r->nhdr; i++) {
		const char	*name = r->head + r->hdr[i].name;
		const char	*value = r->head + r->hdr[i].value;

		if (strcasecmp(name, "Content-Length") == 0) {
			if (parse_content_length(r, value, f) == -1)
				return -1;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			if (nte++ > 0 || strcasecmp(value, "chunked") != 0)
				return httpd_fail_set(f, 400,
				    "invalid_request", "the only "
				    "Transfer-Encoding accepted is chunked");
			r->chunked = true;
		} else if (strcasecmp(name, "Connection") == 0) {
			if (list_has(value, "close"))
				r->keepalive = false;
			else if (r->minor == 0 && list_has(value, "keep-alive"))
				r->keepalive = true;
		} else if (strcasecmp(name, "Expect") == 0)
			r->expect_continue = r->minor >= 1 &&
			    strcasecmp(value, "100-continue") == 0;
	}
	if (r->chunked && r->minor == 0)
		return httpd_fail_set(f, 400, "invalid_request",
		    "chunked bodies need HTTP/1.1");
	if (r->chunked && r->has_length)
		return httpd_fail_set(f, 400, "invalid_request",
		    "Content-Length and Transfer-Encoding together");
	return 1;
}

int
httpd_parse_head_line(struct httpd_req *r, const char *line, size_t len,
    struct httpd_fail *f)
{
	if (!r->have_line) {
		if (len == 0)
			return 0;	/* empty lines before it are allowed */
		return parse_request_line(r, line, len, f);
	}
	if (len == 0)
		return head_finish(r, f);
	return parse_header(r, line, len, f);
}

int
httpd_parse_chunk_size(const char *line, size_t len, uint64_t *size,
    struct httpd_fail *f)
{
	uint64_t	v = 0;
	size_t		i;
	bool		huge = false;

	for (i = 0; i < len; i++) {
		char	c = line[i];
		int	d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX >> 4))
			huge = true;
		v = (v << 4) | (uint64_t)d;
	}
	if (i == 0)
		return httpd_fail_set(f, 400, "invalid_request",
		    "a chunk size is not hexadecimal");
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] != ';')
		return httpd_fail_set(f, 400, "invalid_request",
		    "a chunk size is not hexadecimal");
	for (; i < len; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f)
			return httpd_fail_set(f, 400, "invalid_request",
			    "a chunk extension has a control character");
	if (huge)
		return httpd_fail_set(f, 413, "too_large",
		    "a chunk is larger than any body accepted here");
	*size = v;
	return 0;
}
