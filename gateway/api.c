/*
 * The HTTP API on the daemon's own server (httpd.c): a route table,
 * authentication (bearer token and scope from the headers, before the
 * body is read; the HMAC signature once it is), JSON helpers and the
 * error body of API.md. It never talks to a provider.
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

#include "api.h"
#include "auth.h"
#include "batch.h"
#include "config.h"
#include "gateway.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "providers.h"
#include "source_events.h"
#include "store.h"
#include "tls.h"

struct api {
	struct gw	*gw;
	struct httpd	*httpd;
	struct tls	*tls;		/* NULL: plain HTTP */
	int		 port;
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
	api_handler	 fn;
	/* What may be checked from the headers (NULL: nothing more);
	 * false after answering. */
	bool		(*head)(struct api_req *);
};

static void	healthz(struct api_req *);
static void	readyz(struct api_req *);
static void	metrics(struct api_req *);

/* A route: its method, path pattern, the scope its token needs (0: no
 * token) and its handler; a provider callback is checked before its
 * body is read (webhook_head). */
#define ROUTE(m, path, sc, f) \
	{ .method = (m), .pattern = (path), .scope = (sc), .fn = (f) }
#define HOOK(path, f) \
	{ .method = M_POST, .pattern = (path), .fn = (f), .head = webhook_head }

static const struct route routes[] = {
	ROUTE(M_POST, "/v1/alerts", SCOPE_ALERTS_WRITE, api_alerts_post),
	ROUTE(M_GET, "/v1/alerts", SCOPE_ALERTS_READ, api_alerts_list),
	ROUTE(M_GET, "/v1/alerts/*", SCOPE_ALERTS_READ, api_alert_get),
	ROUTE(M_GET, "/v1/alerts/*/deliveries", SCOPE_ALERTS_READ,
	    api_alert_deliveries),
	ROUTE(M_POST, "/v1/alerts/*/cancel", SCOPE_ALERTS_WRITE,
	    api_alert_cancel),
	ROUTE(M_POST, "/v1/contacts", SCOPE_CONTACTS_WRITE, api_contacts_post),
	ROUTE(M_GET, "/v1/contacts/*", SCOPE_CONTACTS_READ, api_contact_get),
	ROUTE(M_DELETE, "/v1/contacts/*", SCOPE_CONTACTS_WRITE,
	    api_contact_delete),
	ROUTE(M_GET, "/v1/contacts/*/history", SCOPE_CONTACTS_READ,
	    api_contact_history),
	ROUTE(M_GET, "/v1/groups", SCOPE_CONTACTS_READ, api_groups_list),
	HOOK("/hooks/*/status", webhook_status),
	HOOK("/hooks/*/sms", webhook_sms),
	HOOK("/hooks/*/voice", webhook_voice),
	ROUTE(M_GET, "/v1/replies", SCOPE_ALERTS_READ, api_replies_list),
	ROUTE(M_GET, "/v1/contacts", SCOPE_CONTACTS_READ, api_contacts_list),
	ROUTE(M_POST, "/v1/preview", SCOPE_ALERTS_WRITE, api_preview),
	ROUTE(M_POST, "/v1/admin/purge", SCOPE_CONTACTS_WRITE, api_purge),
	ROUTE(M_GET, "/media/*", 0, api_media),
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
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max) {
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

/*
 * Bearer token and scope, from the headers alone (before the body is
 * read: no one without a token makes us hold a body); false after
 * answering 401 or 403.
 */
static bool
authenticate(struct api_req *r, unsigned int scope)
{
	r->client = auth_bearer(r->gw->cfg, api_header(r, "Authorization"));
	if (r->client == NULL) {
		api_reply_errorf(r, 401, "unauthorized", NULL,
		    "a valid Authorization: Bearer token is required");
		return false;
	}
	if ((r->client->scopes & scope) != scope) {
		api_reply_errorf(r, 403, "forbidden", NULL,
		    "client '%s' lacks the scope this call needs",
		    r->client->name);
		return false;
	}
	return true;
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
		if (path_known)
			api_reply_errorf(r, 405, "method_not_allowed", NULL,
			    "%s is not allowed on %s", r->method, r->path);
		else
			api_reply_errorf(r, 404, "not_found", NULL,
			    "no such route: %s", r->path);
		goto refused;
	}
	r->route = rt;
	if (rt->scope != 0 && !authenticate(r, rt->scope))
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
	if (r->req != NULL) {
		log_warnx("http: %s %s left unanswered; 500", r->method,
		    r->path);
		api_reply_errorf(r, 500, "internal", NULL, "no answer");
	}
done:
	log_request(r);
	api_req_free(r);
}

/* GET /healthz: liveness; the loop answers, nothing else is asked. */
static void
healthz(struct api_req *r)
{
	api_reply_json(r, 200, json_pack("{ss}", "status", "ok"));
}

/*
 * GET /readyz: 200 only while the database takes writes and some
 * provider can send SMS now; 503 with the reasons otherwise (a load
 * balancer or an operator's check sends traffic elsewhere).
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
	    SCOPE_METRICS_READ)) {
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
api_stats(const struct api *api, struct httpd_stats *st)
{
	httpd_stats(api->httpd, st);
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	httpd_free(api->httpd);
	tls_free(api->tls);
	free(api);
}
