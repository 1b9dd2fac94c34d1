/*
 * The HTTP API on the daemon's own server (httpd.c): a route table,
 * authentication from the headers before the body is read (a client's
 * bearer token, or a console user's session cookie, whose writes must
 * also carry the session's CSRF token and come from our own origin),
 * scopes (a user's are its role's), the HMAC signature once the body is
 * in, JSON helpers, the error body of API.md, the security headers of
 * every answer, and the audit rows handlers append. It never talks to a
 * provider.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api.h"
#include "auth.h"
#include "batch.h"
#include "config.h"
#include "gateway.h"
#include "hasher.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "providers.h"
#include "sessions.h"
#include "source_events.h"
#include "store.h"
#include "tls.h"

#define API_SWEEP_S		60	/* ended sessions are dropped */
#define API_HASHER_QUEUE	16	/* password checks waiting at most */
#define READY_FAULT_HOLD_MS	30000	/* /readyz 503 after a full disk */

/* Headers of every answer: one origin, no framing, no referrer. */
#define API_CSP	"default-src 'none'; script-src 'self'; style-src 'self'; " \
		"img-src 'self'; connect-src 'self'; form-action 'self'; " \
		"frame-ancestors 'none'; base-uri 'none'"

struct api {
	struct gw		*gw;
	struct httpd		*httpd;
	struct tls		*tls;		/* NULL: plain HTTP */
	int			 port;
	struct sessions		*sessions;	/* console users logged in */
	struct hasher		*hasher;	/* password checks */
	struct api_events	*events;	/* live streams */
	struct event		*sweep;		/* drops ended sessions */
	size_t			 held_logins;	/* waiting on the brake */
	/* The store's write faults /readyz has seen, and when it saw more. */
	uint64_t		 space_faults;
	int64_t			 space_fault_at;
};

/* The methods routes take; HEAD is GET without the body. */
enum api_method {
	M_GET,
	M_POST,
	M_PUT,
	M_DELETE,
	M_PATCH,
	M_OPTIONS,
	M_OTHER
};

struct route {
	enum api_method	 method;
	const char	*pattern;	/* '*' matches one path part */
	unsigned int	 scope;		/* 0: no bearer token needed */
	unsigned int	 alt;		/* lets in too, numbers masked */
	api_handler	 fn;
	/* What may be checked from the headers (NULL: nothing more);
	 * false after answering. */
	bool		(*head)(struct api_req *);
};

static void	allow_header(struct api_req *);
static void	healthz(struct api_req *);
static void	security_headers(struct api_req *);
static void	readyz(struct api_req *);
static void	ready_space(struct gw *, json_t *, int64_t);
static void	metrics(struct api_req *);

/* A route: its method, path pattern, the scope its token needs (0: no
 * token) and its handler; a provider callback is checked before its
 * body is read (webhook_head). */
#define ROUTE(m, path, sc, f) \
	{ .method = (m), .pattern = (path), .scope = (sc), .fn = (f) }
#define HOOK(path, f) \
	{ .method = M_POST, .pattern = (path), .fn = (f), .head = webhook_head }
/* Also for the scope alt, with numbers masked (a viewer's reads). */
#define MASKED(m, path, sc, a, f) \
	{ .method = (m), .pattern = (path), .scope = (sc), .alt = (a), \
	  .fn = (f) }

static const struct route routes[] = {
	ROUTE(M_POST, "/v1/alerts", SCOPE_ALERTS_WRITE, api_alerts_post),
	ROUTE(M_GET, "/v1/alerts", SCOPE_ALERTS_READ, api_alerts_list),
	ROUTE(M_GET, "/v1/alerts/*", SCOPE_ALERTS_READ, api_alert_get),
	ROUTE(M_GET, "/v1/alerts/*/deliveries", SCOPE_ALERTS_READ,
	    api_alert_deliveries),
	ROUTE(M_POST, "/v1/alerts/*/cancel", SCOPE_ALERTS_WRITE,
	    api_alert_cancel),
	ROUTE(M_POST, "/v1/alerts/*/approve", SCOPE_ALERTS_APPROVE,
	    api_alert_approve),
	ROUTE(M_GET, "/v1/alerts/*/events", SCOPE_ALERTS_READ,
	    api_alert_events),
	ROUTE(M_GET, "/v1/alerts/*/report.csv", SCOPE_ALERTS_READ,
	    api_alert_report),
	ROUTE(M_POST, "/v1/contacts", SCOPE_CONTACTS_WRITE, api_contacts_post),
	MASKED(M_GET, "/v1/contacts/*", SCOPE_CONTACTS_READ, SCOPE_ALERTS_READ,
	    api_contact_get),
	ROUTE(M_DELETE, "/v1/contacts/*", SCOPE_CONTACTS_WRITE,
	    api_contact_delete),
	ROUTE(M_GET, "/v1/contacts/*/history", SCOPE_CONTACTS_READ,
	    api_contact_history),
	ROUTE(M_GET, "/v1/groups", SCOPE_CONTACTS_READ, api_groups_list),
	HOOK("/hooks/*/status", webhook_status),
	HOOK("/hooks/*/sms", webhook_sms),
	HOOK("/hooks/*/voice", webhook_voice),
	ROUTE(M_GET, "/v1/replies", SCOPE_ALERTS_READ, api_replies_list),
	MASKED(M_GET, "/v1/contacts", SCOPE_CONTACTS_READ, SCOPE_ALERTS_READ,
	    api_contacts_list),
	ROUTE(M_POST, "/v1/preview", SCOPE_ALERTS_WRITE, api_preview),
	ROUTE(M_POST, "/v1/admin/purge", SCOPE_CONTACTS_WRITE, api_purge),
	ROUTE(M_GET, "/media/*", 0, api_media),
	ROUTE(M_GET, "/v1/audit", SCOPE_AUDIT_READ, api_audit_list),
	MASKED(M_GET, "/v1/inbox", SCOPE_CONTACTS_READ, SCOPE_ALERTS_READ,
	    api_inbox_list),
	ROUTE(M_POST, "/v1/inbox/*/reply", SCOPE_ALERTS_WRITE,
	    api_inbox_reply),
	ROUTE(M_GET, "/v1/map", SCOPE_ALERTS_READ, api_map),
	ROUTE(M_GET, "/v1/templates", SCOPE_ALERTS_READ, api_templates_list),
	ROUTE(M_GET, "/v1/providers", SCOPE_ALERTS_READ, api_providers_list),
	ROUTE(M_GET, "/v1/users", SCOPE_ALERTS_READ, api_users_list),
	ROUTE(M_POST, "/v1/users/*/logout", SCOPE_USERS_WRITE,
	    api_user_logout),
	/* The session checks its own cookie: logged in or not. */
	ROUTE(M_POST, "/v1/session", 0, api_session_login),
	ROUTE(M_GET, "/v1/session", 0, api_session_get),
	ROUTE(M_DELETE, "/v1/session", 0, api_session_logout),
	ROUTE(M_GET, "/", 0, api_console_file),
	ROUTE(M_GET, "/console/*", 0, api_console_file),
	ROUTE(M_GET, "/healthz", 0, healthz),
	ROUTE(M_GET, "/readyz", 0, readyz),
	ROUTE(M_GET, "/metrics", 0, metrics),
};

/* The route method of a request's method ("HEAD" is GET's). */
static enum api_method
method_of(const char *m)
{
	static const struct {
		const char	*name;
		enum api_method	 m;
	} t[] = {
		{ "GET", M_GET }, { "HEAD", M_GET }, { "POST", M_POST },
		{ "PUT", M_PUT }, { "DELETE", M_DELETE }, { "PATCH", M_PATCH },
		{ "OPTIONS", M_OPTIONS },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		if (strcmp(t[i].name, m) == 0)
			return t[i].m;
	return M_OTHER;
}

const char *
api_header(struct api_req *r, const char *name)
{
	return r->req != NULL ? httpd_header(r->req, name) : NULL;
}

/* The request, which an answer uses up; NULL (logged) if it is gone. */
static struct httpd_req *
answering(struct api_req *r, int status)
{
	struct httpd_req	*req = r->req;

	if (req == NULL) {
		log_warnx("%s: a second answer (status %d) to %s; dropped",
		    __func__, status, r->path);
		return NULL;
	}
	r->req = NULL;
	r->status = status;
	return req;
}

void
api_reply_raw(struct api_req *r, int status, const char *content_type,
    const char *body, size_t len)
{
	struct httpd_req	*req;

	if ((req = answering(r, status)) == NULL)
		return;
	httpd_add_header(req, "Cache-Control", "no-store");
	httpd_reply(req, status, content_type, body, len);
}

void
api_reply_buffer(struct api_req *r, int status, const char *content_type,
    struct evbuffer *body)
{
	struct httpd_req	*req;

	if ((req = answering(r, status)) == NULL)
		return;
	httpd_reply_buffer(req, status, content_type, body);
}

int
api_add_header(struct api_req *r, const char *name, const char *value)
{
	return r->req != NULL ? httpd_add_header(r->req, name, value) : -1;
}

/* A reply built now and sent once the pass's transaction is on disk. */
struct held_reply {
	struct httpd_req	*req;
	int			 status;
	char			*content_type;
	char			*body;
	size_t			 len;
};

static void
held_send(bool committed, void *arg)
{
	struct held_reply	*h = arg;

	if (committed)
		httpd_reply(h->req, h->status, h->content_type, h->body,
		    h->len);
	else {
		/* The access log said the status already; this corrects it. */
		log_warnx("http evt=held_reply status=503 was=%d: the pass's "
		    "commit failed", h->status);
		httpd_reply_error(h->req, 503, "unavailable", "the database "
		    "did not take it; try again");
	}
	free(h->content_type);
	free(h->body);
	free(h);
}

void
api_reply_after_commit(struct api_req *r, int status,
    const char *content_type, const char *body, size_t len)
{
	struct held_reply	*h;
	struct httpd_req	*req;

	if (!batch_open(r->gw->batch)) {
		api_reply_raw(r, status, content_type, body, len);
		return;
	}
	/* The server keeps the request, even if its client goes away. */
	if ((req = answering(r, status)) == NULL)
		return;
	if ((h = calloc(1, sizeof(*h))) != NULL &&
	    (h->content_type = strdup(content_type)) != NULL &&
	    (h->body = malloc(len + 1)) != NULL) {
		memcpy(h->body, body, len);
		h->len = len;
		h->status = status;
		h->req = req;
		httpd_add_header(req, "Cache-Control", "no-store");
		if (batch_after(r->gw->batch, held_send, h) == 0)
			return;
	}
	if (h != NULL) {
		free(h->content_type);
		free(h->body);
	}
	free(h);
	/* The sender retries; what did commit is handled once. */
	r->status = 503;
	httpd_reply_error(req, 503, "unavailable", "out of memory");
}

int64_t
api_parse_id(const char *s)
{
	int64_t	v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
api_query_int(struct api_req *r, const char *name, int64_t def, int64_t min,
    int64_t max, int64_t *out)
{
	const char	*s = kvlist_get(&r->query, name);
	char		*end;
	long long	 v;

	*out = def;
	if (s == NULL)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* Digits, after a minus at most: strtoll also takes spaces and a
	 * '+', and saturates a number past its range. */
	if (((*s < '0' || *s > '9') && *s != '-') || end == s ||
	    *end != '\0' || errno == ERANGE || v < min || v > max) {
		api_reply_errorf(r, 422, "invalid_field", name,
		    "%s must be an integer from %lld to %lld", name,
		    (long long)min, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

void
api_reply_json(struct api_req *r, int status, json_t *obj)
{
	char	*s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (s == NULL) {
		static const char oom[] = "{\"error\":{\"code\":\"unavailable\","
		    "\"message\":\"out of memory\"}}";
		api_reply_raw(r, 503, "application/json", oom, sizeof(oom) - 1);
		return;
	}
	api_reply_raw(r, status, "application/json", s, strlen(s));
	free(s);
}

void
api_reply_error(struct api_req *r, const struct api_error *e)
{
	json_t	*inner;

	inner = json_pack("{ss ss}", "code", e->code, "message", e->message);
	if (inner != NULL && e->field[0] != '\0')
		json_object_set_new(inner, "field", json_string(e->field));
	if (e->status == 401)
		api_add_header(r, "WWW-Authenticate", "Bearer realm=\"varsel\"");
	api_reply_json(r, e->status, json_pack("{so}", "error", inner));
}

void
api_reply_errorf(struct api_req *r, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	struct api_error	e;
	va_list			ap;

	e.status = status;
	strlcpy(e.code, code, sizeof(e.code));
	strlcpy(e.field, field ? field : "", sizeof(e.field));
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	api_reply_error(r, &e);
}

json_t *
api_body_json(struct api_req *r, struct api_error *err)
{
	const char	*ct = api_header(r, "Content-Type");
	json_error_t	 je;
	json_t		*root;

	if (ct == NULL || (strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))) {
		api_error_set(err, 415, "unsupported_media_type", NULL,
		    "send the body as application/json");
		return NULL;
	}
	root = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		api_error_set(err, 400, "invalid_json", NULL,
		    "the body is not JSON: %s at line %d column %d", je.text,
		    je.line, je.column);
	return root;
}

/* Does path match pattern? Fills params with copies of '*' parts. */
static bool
route_match(const char *pattern, const char *path, char *params[2])
{
	const char	*p = pattern, *s = path;
	int		 n = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p == '*') {
			const char	*end = strchr(s, '/');
			size_t		 len = end ? (size_t)(end - s) : strlen(s);

			if (len == 0 || n == 2)
				goto fail;
			params[n++] = xstrndup(s, len);
			s += len;
			p++;
		} else if (*p++ != *s++)
			goto fail;
	}
	if (*p == '\0' && *s == '\0')
		return true;
fail:
	while (n > 0)
		free(params[--n]);
	params[0] = params[1] = NULL;
	return false;
}

/* A 405's Allow header: the methods of the routes that take r's path. */
static void
allow_header(struct api_req *r)
{
	static const char *const names[] = {
		[M_GET] = "GET, HEAD", [M_POST] = "POST", [M_PUT] = "PUT",
		[M_DELETE] = "DELETE", [M_PATCH] = "PATCH",
		[M_OPTIONS] = "OPTIONS",
	};
	char		*params[2] = { NULL, NULL };
	char		 buf[128] = "";
	size_t		 i, n = 0;

	for (i = 0; i < nitems(routes); i++) {
		if (!route_match(routes[i].pattern, r->path, params))
			continue;
		free(params[0]);
		free(params[1]);
		params[0] = params[1] = NULL;
		if (routes[i].method >= nitems(names) ||
		    names[routes[i].method] == NULL ||
		    strstr(buf, names[routes[i].method]) != NULL)
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n > 0 ? ", " : "", names[routes[i].method]);
		if (n >= sizeof(buf))
			return;
	}
	if (n > 0)
		api_add_header(r, "Allow", buf);
}

/* Does the method change something (a write needs the CSRF token)? */
static bool
is_write(const struct api_req *r)
{
	return strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
}

/* The value of cookie name in the Cookie header into buf; false if none. */
static bool
cookie_value(struct api_req *r, const char *name, char *buf, size_t len)
{
	const char	*h = api_header(r, "Cookie"), *p, *end;
	size_t		 n = strlen(name), vlen;

	for (p = h; p != NULL && *p != '\0'; p = end) {
		while (*p == ' ' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=') {
			vlen = (size_t)(end - p) - n - 1;
			if (vlen >= len)
				return false;
			memcpy(buf, p + n + 1, vlen);
			buf[vlen] = '\0';
			return true;
		}
	}
	return false;
}

bool
api_same_origin(struct api_req *r)
{
	const char	*origin = api_header(r, "Origin");
	const char	*site = api_header(r, "Sec-Fetch-Site");
	const char	*host = api_header(r, "Host"), *o;

	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return false;
	if (origin == NULL)
		return true;	/* not a browser's cross-site request */
	if (host == NULL)
		return false;
	if ((o = strstr(origin, "://")) == NULL)
		return false;	/* "null": a sandboxed or file page */
	return strcasecmp(o + 3, host) == 0;
}

struct session *
api_session_lookup(struct api_req *r, bool touch)
{
	struct api	*api = r->gw->api;
	char		 token[SESSION_TOKEN_LEN + 2];

	if (!cookie_value(r, API_COOKIE, token, sizeof(token)))
		return NULL;
	return sessions_find(api->sessions, token, gw_now(r->gw),
	    (int64_t)r->gw->cfg->session_idle_s * 1000, touch);
}

/*
 * A console user's session from the cookie: its user's scopes, and for
 * a write its CSRF token and our own origin; false after answering.
 */
static bool
authenticate_session(struct api_req *r)
{
	const struct user_conf	*u;
	struct session		*s;
	const char		*csrf;

	if ((s = api_session_lookup(r, true)) == NULL) {
		api_reply_errorf(r, 401, "unauthorized", NULL,
		    "log in first (the session has ended or never began)");
		return false;
	}
	if ((u = config_user(r->gw->cfg, s->user)) == NULL) {
		/* Removed from the configuration since the login. */
		sessions_end(r->gw->api->sessions, s);
		api_reply_errorf(r, 401, "unauthorized", NULL,
		    "the user is no longer configured");
		return false;
	}
	strlcpy(r->user, u->name, sizeof(r->user));
	r->role = (int)u->role;
	r->scopes = role_scopes(u->role);
	r->session = s->serial;
	r->via = "console";
	if (is_write(r)) {
		csrf = api_header(r, "X-CSRF-Token");
		if (csrf == NULL || !ct_streq(csrf, s->csrf) ||
		    !api_same_origin(r)) {
			api_reply_errorf(r, 403, "forbidden", NULL,
			    "a write from the console needs the session's "
			    "X-CSRF-Token and our own origin");
			return false;
		}
	}
	return true;
}

/*
 * Who calls and may they: a bearer token, else a session cookie; then
 * the route's scope (or its alt, which masks numbers). From the headers
 * alone, before the body is read: no one unknown makes us hold a body.
 * False after answering 401 or 403.
 */
static bool
authenticate(struct api_req *r, unsigned int scope, unsigned int alt)
{
	const char	*authz = api_header(r, "Authorization");
	const char	*ua = api_header(r, "User-Agent");
	char		 token[SESSION_TOKEN_LEN + 2];

	if (authz == NULL && cookie_value(r, API_COOKIE, token,
	    sizeof(token))) {
		if (!authenticate_session(r))
			return false;
	} else {
		r->client = auth_bearer(r->gw->cfg, authz);
		if (r->client == NULL) {
			api_reply_errorf(r, 401, "unauthorized", NULL,
			    "a valid Authorization: Bearer token is "
			    "required");
			return false;
		}
		r->scopes = r->client->scopes;
		r->via = ua != NULL && strncmp(ua, "varselctl/", 10) == 0 ?
		    "varselctl" : "api";
	}
	if ((r->scopes & scope) == scope)
		return true;
	if (alt != 0 && (r->scopes & alt) == alt) {
		r->masked = true;
		return true;
	}
	if (r->client != NULL)
		api_reply_errorf(r, 403, "forbidden", NULL,
		    "client '%s' lacks the scope this call needs",
		    r->client->name);
	else
		api_reply_errorf(r, 403, "forbidden", NULL,
		    "user '%s' (%s) may not do this", r->user,
		    role_name((enum role)r->role));
	return false;
}

/* The signature over the body, for clients with an hmac_secret. */
static bool
check_signature(struct api_req *r)
{
	char	why[160];

	if (r->client == NULL || auth_signature(r->client,
	    api_header(r, "X-Varsel-Timestamp"),
	    api_header(r, "X-Varsel-Signature"), r->body, r->body_len,
	    gw_now(r->gw) / 1000, why, sizeof(why)) == 0)
		return true;
	api_reply_errorf(r, 401, "unauthorized", NULL, "%s", why);
	return false;
}

/* The path as the access log shows it: a number in it masked. */
static void
log_path(const char *path, char *buf, size_t len)
{
	static const char	prefix[] = "/v1/contacts/";
	char			masked[32];

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
	    path[sizeof(prefix) - 1] == '\0') {
		snprintf(buf, len, "%s", path);
		return;
	}
	mask_phone(path + sizeof(prefix) - 1, masked, sizeof(masked));
	snprintf(buf, len, "%s%s", prefix, masked);
}

const char *
api_peer(struct api_req *r)
{
	return r->addr[0] != '\0' ? r->addr : "-";
}

/* The access log line of a request, once it is answered. */
static void
log_request(struct api_req *r)
{
	char	shown[128];

	log_path(r->path, shown, sizeof(shown));
	if (strncmp(r->path, "/v1/", 4) == 0 || r->status >= 400)
		log_info("http method=%s path=%s status=%d client=%s addr=%s "
		    "ms=%lld", r->method, shown, r->status,
		    r->client ? r->client->name : "-", r->addr,
		    (long long)(mono_ms() - r->started));
	else
		log_debug("http method=%s path=%s status=%d ms=%lld",
		    r->method, shown, r->status,
		    (long long)(mono_ms() - r->started));
}

/* Free what api_head made (the request itself is the server's). */
static void
api_req_free(struct api_req *r)
{
	if (r == NULL)
		return;
	free(r->params[0]);
	free(r->params[1]);
	free(r->body);
	free(r->path);
	kvlist_free(&r->query);
	free(r);
}

/*
 * Every request starts here, its headers in and its body not yet read:
 * find its route, parse its query, check its token and scope (or, for
 * a provider's callback, what can be checked without the body). A
 * request refused here costs no body. Returns 0 to read the body.
 */
static int
api_head(struct httpd_req *req, void *arg)
{
	struct api		*api = arg;
	struct api_req		*r = xcalloc(1, sizeof(*r));
	const struct route	*rt = NULL;
	const char		*query = httpd_query(req);
	enum api_method		 m = method_of(httpd_method(req));
	bool			 path_known = false;
	size_t			 i;
	int			 rc;

	r->req = req;
	r->gw = api->gw;
	r->started = mono_ms();
	r->path = xstrdup(httpd_path(req));
	strlcpy(r->method, httpd_method(req), sizeof(r->method));
	peer_addr(req, api->gw->cfg->trusted_proxy, r->addr, sizeof(r->addr));
	httpd_req_set_data(req, r);
	security_headers(r);
	if (query != NULL &&
	    (rc = form_parse_strict(query, strlen(query), &r->query)) != 0) {
		if (rc == FORM_BAD)
			api_reply_errorf(r, 400, "invalid_request", NULL,
			    "the query is not well-formed: a bad %%-escape, a "
			    "NUL or text that is not UTF-8");
		else
			api_reply_errorf(r, 503, "unavailable", NULL,
			    "out of memory");
		goto refused;
	}
	for (i = 0; i < nitems(routes); i++) {
		if (!route_match(routes[i].pattern, r->path, r->params))
			continue;
		path_known = true;
		if (routes[i].method == m) {
			rt = &routes[i];
			break;
		}
		free(r->params[0]);
		free(r->params[1]);
		r->params[0] = r->params[1] = NULL;
	}
	if (rt == NULL) {
		if (path_known) {
			allow_header(r);
			api_reply_errorf(r, 405, "method_not_allowed", NULL,
			    "%s is not allowed on %s", r->method, r->path);
		} else
			api_reply_errorf(r, 404, "not_found", NULL,
			    "no such route: %s", r->path);
		goto refused;
	}
	r->route = rt;
	r->via = "api";
	if (rt->scope != 0 && !authenticate(r, rt->scope, rt->alt))
		goto refused;
	if (rt->head != NULL && !rt->head(r))
		goto refused;
	return 0;
refused:
	log_request(r);
	api_req_free(r);
	return -1;
}

/* The whole request is in: check its signature, run its handler. */
static void
api_request(struct httpd_req *req, void *arg)
{
	struct api_req		*r = httpd_req_data(req);
	const char		*body;
	size_t			 len;
	char			 shown[128];

	body = httpd_body(req, &len);
	r->body = xmalloc(len + 1);
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->body_len = len;
	if (log_tracing & TRACE_HTTP) {
		log_path(r->path, shown, sizeof(shown));
		log_trace(TRACE_HTTP, "evt=request method=%s path=%s bytes=%zu "
		    "content_type=\"%.64s\" peer=%s", r->method, shown,
		    r->body_len, api_header(r, "Content-Type") ?
		    api_header(r, "Content-Type") : "", api_peer(r));
	}
	if (r->route->scope != 0 && !check_signature(r))
		goto done;
	r->route->fn(r);
	if (r->kept)
		return;		/* api_req_finish does the rest */
	if (r->req != NULL) {
		log_warnx("http: %s %s left unanswered; 500", r->method,
		    r->path);
		api_reply_errorf(r, 500, "internal", NULL, "no answer");
	}
done:
	log_request(r);
	api_req_free(r);
}

void
api_req_keep(struct api_req *r)
{
	r->kept = true;
}

void
api_req_finish(struct api_req *r)
{
	if (r->req != NULL) {
		log_warnx("http: %s %s finished unanswered; 500", r->method,
		    r->path);
		api_reply_errorf(r, 500, "internal", NULL, "no answer");
	}
	log_request(r);
	api_req_free(r);
}

/*
 * The headers of every answer of this request: one origin, no framing,
 * no referrer leaving, no sniffing; HTTPS remembered under TLS.
 */
static void
security_headers(struct api_req *r)
{
	static const char	block[] =
	    "Content-Security-Policy: " API_CSP "\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n";
	static const char	hsts[] =
	    "Strict-Transport-Security: max-age=31536000\r\n";

	/* One block: added a header at a time, they cost 14,000
	 * instructions a request, a twentieth of an inbound SMS. */
	if (r->req == NULL)
		return;
	httpd_add_header_block(r->req, block, sizeof(block) - 1);
	if (httpd_tls(r->req))
		httpd_add_header_block(r->req, hsts, sizeof(hsts) - 1);
}

const char *
api_actor(const struct api_req *r)
{
	if (r->client != NULL)
		return r->client->name;
	return r->user[0] != '\0' ? r->user : "-";
}

const char *
api_actor_kind(const struct api_req *r)
{
	return r->client != NULL ? "client" : "user";
}

void
api_audit_entry(const struct api_req *r, const char *action,
    int64_t alert_id, const char *contact, const char *detail,
    struct audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->at = gw_now(r->gw);
	e->actor_kind = api_actor_kind(r);
	e->actor = api_actor(r);
	e->addr = api_peer((struct api_req *)r);
	e->via = r->via != NULL ? r->via : "api";
	e->action = action;
	e->alert_id = alert_id;
	e->contact = contact;
	e->detail = detail;
}

int
api_audit(struct api_req *r, const char *action, int64_t alert_id,
    const char *contact, json_t *detail)
{
	struct audit_entry	 e;
	char			*text = NULL;
	int			 rc;

	if (detail != NULL) {
		text = json_dumps(detail, JSON_COMPACT);
		json_decref(detail);
	}
	api_audit_entry(r, action, alert_id, contact, text, &e);
	if ((rc = store_audit_append(r->gw->store, &e)) == -1)
		log_warnx("audit: %s by %s not recorded", action,
		    api_actor(r));
	free(text);
	return rc;
}

const char *
api_phone(const struct api_req *r, const char *e164, char *buf, size_t len)
{
	if (!r->masked)
		return e164;
	mask_phone(e164, buf, len);
	return buf;
}

struct sessions *
api_sessions(struct api *api)
{
	return api->sessions;
}

struct hasher *
api_hasher(struct api *api)
{
	return api->hasher;
}

size_t *
api_held_logins(struct api *api)
{
	return &api->held_logins;
}

struct api_events *
api_events(struct api *api)
{
	return api->events;
}

/* Drop the sessions that have ended, once a minute. */
static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api	*api = arg;

	sessions_sweep(api->sessions, gw_now(api->gw),
	    (int64_t)api->gw->cfg->session_idle_s * 1000);
}

void
api_reload_users(struct api *api)
{
	struct config		*cfg = api->gw->cfg;
	struct user_conf	*old;
	struct audit_entry	 e;
	const struct user_conf	*now;
	size_t			 nold, i;
	char			 err[4096], detail[96];
	int			 ended;

	/* Keep a copy of the names and roles to tell what changed. */
	nold = cfg->nusers;
	old = xcalloc(nold + 1, sizeof(*old));
	for (i = 0; i < nold; i++) {
		old[i].name = xstrdup(cfg->users[i].name);
		old[i].role = cfg->users[i].role;
	}
	if (config_reload_users(cfg, err, sizeof(err)) == -1) {
		log_warnx("reload: users not reloaded, keeping the old: %s",
		    err);
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.actor_kind = "operator";
	e.actor = "configuration";
	e.via = "config";
	e.detail = detail;
	for (i = 0; i < nold; i++) {
		e.at = gw_now(api->gw);
		now = config_user(cfg, old[i].name);
		if (now != NULL && now->role == old[i].role)
			continue;
		ended = sessions_end_user(api->sessions, old[i].name);
		snprintf(detail, sizeof(detail), "{\"user\":\"%s\","
		    "\"role\":\"%s\",\"sessions_ended\":%d}", old[i].name,
		    role_name(now != NULL ? now->role : old[i].role), ended);
		e.action = now != NULL ? "user.role_changed" : "user.removed";
		store_audit_append(api->gw->store, &e);
		log_info("evt=user_%s user=%s sessions_ended=%d",
		    now != NULL ? "role_changed" : "removed", old[i].name,
		    ended);
	}
	for (i = 0; i < cfg->nusers; i++) {
		size_t	k;

		for (k = 0; k < nold; k++)
			if (strcmp(old[k].name, cfg->users[i].name) == 0)
				break;
		if (k < nold)
			continue;
		e.at = gw_now(api->gw);
		snprintf(detail, sizeof(detail), "{\"user\":\"%s\","
		    "\"role\":\"%s\"}", cfg->users[i].name,
		    role_name(cfg->users[i].role));
		e.action = "user.added";
		store_audit_append(api->gw->store, &e);
		log_info("evt=user_added user=%s role=%s", cfg->users[i].name,
		    role_name(cfg->users[i].role));
	}
	log_info("evt=reloaded users=%zu", cfg->nusers);
out:
	for (i = 0; i < nold; i++)
		free(old[i].name);
	free(old);
}

/* GET /healthz: liveness; the loop answers, nothing else is asked. */
static void
healthz(struct api_req *r)
{
	api_reply_json(r, 200, json_pack("{ss}", "status", "ok"));
}

/* /readyz's reasons about the disk under the database, into reasons. */
static void
ready_space(struct gw *gw, json_t *reasons, int64_t now)
{
	struct api		*api = gw->api;
	enum store_fault	 kind;
	uint64_t		 n;
	int64_t			 free_b, min_b;
	char			 text[160];

	if ((n = store_space_faults(gw->store, &kind)) != api->space_faults) {
		api->space_faults = n;
		api->space_fault_at = now;
	}
	if (n > 0 && now - api->space_fault_at < READY_FAULT_HOLD_MS &&
	    store_last_fault(gw->store) != kind) {
		snprintf(text, sizeof(text), "database: a write met %s %llds "
		    "ago", kind == STORE_FAULT_FULL ? "a full disk" :
		    "an I/O error",
		    (long long)((now - api->space_fault_at) / 1000));
		json_array_append_new(reasons, json_string(text));
	}
	min_b = (int64_t)gw->cfg->min_free_mb * 1024 * 1024;
	if (min_b > 0 && (free_b = store_free_bytes(gw->store)) >= 0 &&
	    free_b < min_b) {
		snprintf(text, sizeof(text), "database: %lld MB free on its "
		    "disk, under min_free_mb = %d",
		    (long long)(free_b / (1024 * 1024)),
		    gw->cfg->min_free_mb);
		json_array_append_new(reasons, json_string(text));
	}
}

/*
 * GET /readyz: 200 only while the database takes writes and some
 * provider can send SMS now; 503 with the reasons otherwise (a load
 * balancer or an operator's check sends traffic elsewhere).
 *
 * A nearly full disk takes the small writes and fails the large ones
 * (a fan-out), so a probe that passes does not mean the disk has room:
 * after a write met a full disk or an I/O error /readyz stays 503 for
 * READY_FAULT_HOLD_MS, and while less than min_free_mb is free where
 * the database is.
 */
static void
readyz(struct api_req *r)
{
	struct gw	*gw = r->gw;
	json_t		*reasons = json_array();
	const char	*why = NULL;
	int64_t		 now = gw_now(gw), since = 0, at;
	char		 text[160];

	if (reasons == NULL) {
		api_reply_errorf(r, 503, "unavailable", NULL, "out of memory");
		return;
	}
	if (gw->stopping)
		json_array_append_new(reasons, json_string("stopping"));
	if (!batch_writable(gw->batch, &why, &since) ||
	    (!batch_open(gw->batch) && store_ping(gw->store) == -1) ||
	    store_fault_passing(store_last_fault(gw->store))) {
		if (why == NULL)
			why = store_fault_text(store_last_fault(gw->store));
		snprintf(text, sizeof(text), "database: %s", why);
		json_array_append_new(reasons, json_string(text));
	}
	ready_space(gw, reasons, now);
	if (batch_pending(gw->batch) > 0) {
		snprintf(text, sizeof(text), "database: %zu state changes "
		    "wait to be written", batch_pending(gw->batch));
		json_array_append_new(reasons, json_string(text));
	}
	if ((at = providers_usable_at(gw->providers, CH_SMS, now)) != now) {
		if (at == 0)
			snprintf(text, sizeof(text), "providers: none carries "
			    "SMS");
		else
			snprintf(text, sizeof(text), "providers: none can send "
			    "SMS for %llds (breakers open or asked to wait)",
			    (long long)((at - now + 999) / 1000));
		json_array_append_new(reasons, json_string(text));
	} else if ((at = providers_silent(gw->providers, CH_SMS, now)) > 0) {
		snprintf(text, sizeof(text), "providers: none that carries "
		    "SMS has answered for %llds", (long long)(at / 1000));
		json_array_append_new(reasons, json_string(text));
	}
	if (json_array_size(reasons) == 0) {
		json_decref(reasons);
		api_reply_json(r, 200, json_pack("{ss}", "status", "ready"));
		return;
	}
	api_reply_json(r, 503, json_pack("{ss so}", "status", "unready",
	    "reasons", reasons));
}

static void
metrics(struct api_req *r)
{
	struct httpd_stats hs;
	struct evbuffer	*buf = evbuffer_new();
	size_t		 len;
	char		*s;

	if (!r->gw->cfg->metrics_public && !authenticate(r,
	    SCOPE_METRICS_READ, 0)) {
		if (buf != NULL)
			evbuffer_free(buf);
		return;
	}
	httpd_stats(r->gw->api->httpd, &hs);
	if (buf == NULL || metrics_render(r->gw, &hs, buf) == -1) {
		if (buf != NULL)
			evbuffer_free(buf);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "metrics are not available");
		return;
	}
	len = evbuffer_get_length(buf);
	s = xmalloc(len + 1);
	evbuffer_remove(buf, s, len);
	evbuffer_free(buf);
	api_reply_raw(r, 200, "text/plain; version=0.0.4", s, len);
	free(s);
}

/* Write the port to path through a temporary file and a rename. */
static int
write_port_file(const char *path, int port, char *err, size_t errlen)
{
	char	 tmp[4096];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * How many API connections may be open: max_connections, but never so
 * many that the descriptors the database, the providers and the events
 * to source systems need would run out.
 */
static int
api_max_connections(struct gw *gw)
{
	long	reserve = 64 + SOURCE_EVENTS_MAX_INFLIGHT, room;
	size_t	i;

	for (i = 0; i < gw->cfg->nproviders; i++)
		reserve += gw->cfg->providers[i].max_connections;
	room = (gw->nofile > 0 ? gw->nofile : 1024) - reserve;
	if (room < 16)
		room = 16;
	if (gw->cfg->max_connections > room) {
		log_warnx("evt=max_connections_clamped want=%d can=%ld: the "
		    "open-file limit is %ld and %ld descriptors are kept for "
		    "the database and the providers", gw->cfg->max_connections,
		    room, gw->nofile, reserve);
		return (int)room;
	}
	return gw->cfg->max_connections;
}

struct api *
api_new(struct gw *gw, char *err, size_t errlen)
{
	struct api		*api = xcalloc(1, sizeof(*api));
	struct httpd_conf	 hc;

	api->gw = gw;
	if (gw->cfg->tls_cert != NULL && (api->tls = tls_new(gw->cfg->tls_cert,
	    gw->cfg->tls_key, err, errlen)) == NULL)
		goto fail;
	memset(&hc, 0, sizeof(hc));
	hc.host = gw->cfg->listen_host;
	hc.port = gw->cfg->listen_port;
	hc.max_connections = api_max_connections(gw);
	hc.request_timeout_ms = gw->cfg->request_timeout_ms;
	hc.max_body_bytes = gw->cfg->max_body_bytes;
	hc.ssl_ctx = api->tls != NULL ? tls_ctx(api->tls) : NULL;
	if ((api->sessions = sessions_new()) == NULL ||
	    (api->hasher = hasher_new(gw->base, API_HASHER_QUEUE)) == NULL ||
	    (api->events = api_events_new(gw)) == NULL ||
	    (api->sweep = event_new(gw->base, -1, EV_PERSIST, sweep_cb,
	    api)) == NULL) {
		snprintf(err, errlen, "cannot set up console sessions");
		goto fail;
	}
	{
		struct timeval	tv = { API_SWEEP_S, 0 };

		event_add(api->sweep, &tv);
	}
	if ((api->httpd = httpd_new(gw->base, &hc, api_head, api_request, api,
	    err, errlen)) == NULL)
		goto fail;
	api->port = httpd_port(api->httpd);
	/* With listen port 0 the default public_url names the real port. */
	if (gw->cfg->listen_port == 0 && api->port != 0) {
		size_t	n = strlen(gw->cfg->public_url);

		if (n > 2 && strcmp(gw->cfg->public_url + n - 2, ":0") == 0) {
			char	*url = str_printf("%.*s:%d", (int)(n - 2),
			    gw->cfg->public_url, api->port);

			if (url != NULL) {
				free(gw->cfg->public_url);
				gw->cfg->public_url = url;
			}
		}
	}
	if (gw->cfg->port_file != NULL &&
	    write_port_file(gw->cfg->port_file, api->port, err, errlen) == -1)
		goto fail;
	return api;
fail:
	api_free(api);
	return NULL;
}

int
api_port(const struct api *api)
{
	return api->port;
}

void
api_reload(struct api *api)
{
	char	err[512];

	if (api->tls == NULL)
		return;
	if (tls_reload(api->tls, err, sizeof(err)) == -1)
		log_warnx("reload: TLS certificate not reloaded, keeping the "
		    "old one: %s", err);
	else {
		httpd_set_ssl_ctx(api->httpd, tls_ctx(api->tls));
		log_info("evt=reloaded tls_cert=%s", api->gw->cfg->tls_cert);
	}
}

void
api_stop_accepting(struct api *api)
{
	if (api != NULL && api->httpd != NULL)
		httpd_stop_accepting(api->httpd);
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	/* Streams and held logins end first: they point into the rest. */
	httpd_free(api->httpd);
	api_events_free(api->events);
	hasher_free(api->hasher);
	sessions_free(api->sessions);
	if (api->sweep != NULL)
		event_free(api->sweep);
	tls_free(api->tls);
	free(api);
}
