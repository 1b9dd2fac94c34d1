/*
 * The HTTP server: evhttp on the daemon's event_base, a route table,
 * authentication (bearer token, scope, optional HMAC signature), JSON
 * helpers and the error body of API.md. It never talks to a provider.
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
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "auth.h"
#include "batch.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "metrics.h"
#include "providers.h"
#include "peer.h"
#include "store.h"
#include "tls.h"

struct api {
	struct gw			*gw;
	struct evhttp			*http;
	struct tls			*tls;		/* NULL: plain HTTP */
	struct evhttp_bound_socket	*sock;
	int				 port;
};

struct route {
	enum evhttp_cmd_type	 method;
	const char		*pattern;	/* '*' matches one path part */
	unsigned int		 scope;		/* 0: no bearer token needed */
	api_handler		 fn;
};

static void	healthz(struct api_req *);
static void	readyz(struct api_req *);
static void	metrics(struct api_req *);

static const struct route routes[] = {
	{ EVHTTP_REQ_POST, "/v1/alerts", SCOPE_ALERTS_WRITE, api_alerts_post },
	{ EVHTTP_REQ_GET, "/v1/alerts", SCOPE_ALERTS_READ, api_alerts_list },
	{ EVHTTP_REQ_GET, "/v1/alerts/*", SCOPE_ALERTS_READ, api_alert_get },
	{ EVHTTP_REQ_GET, "/v1/alerts/*/deliveries", SCOPE_ALERTS_READ,
	    api_alert_deliveries },
	{ EVHTTP_REQ_POST, "/v1/alerts/*/cancel", SCOPE_ALERTS_WRITE,
	    api_alert_cancel },
	{ EVHTTP_REQ_POST, "/v1/contacts", SCOPE_CONTACTS_WRITE,
	    api_contacts_post },
	{ EVHTTP_REQ_GET, "/v1/contacts/*", SCOPE_CONTACTS_READ,
	    api_contact_get },
	{ EVHTTP_REQ_DELETE, "/v1/contacts/*", SCOPE_CONTACTS_WRITE,
	    api_contact_delete },
	{ EVHTTP_REQ_GET, "/v1/groups", SCOPE_CONTACTS_READ, api_groups_list },
	{ EVHTTP_REQ_POST, "/hooks/*/status", 0, webhook_status },
	{ EVHTTP_REQ_POST, "/hooks/*/sms", 0, webhook_sms },
	{ EVHTTP_REQ_POST, "/hooks/*/voice", 0, webhook_voice },
	{ EVHTTP_REQ_GET, "/v1/replies", SCOPE_ALERTS_READ, api_replies_list },
	{ EVHTTP_REQ_GET, "/v1/contacts", SCOPE_CONTACTS_READ,
	    api_contacts_list },
	{ EVHTTP_REQ_POST, "/v1/preview", SCOPE_ALERTS_WRITE, api_preview },
	{ EVHTTP_REQ_POST, "/v1/admin/purge", SCOPE_CONTACTS_WRITE,
	    api_purge },
	{ EVHTTP_REQ_GET, "/media/*", 0, api_media },
	{ EVHTTP_REQ_GET, "/healthz", 0, healthz },
	{ EVHTTP_REQ_GET, "/readyz", 0, readyz },
	{ EVHTTP_REQ_GET, "/metrics", 0, metrics },
};

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	default:
		return "OTHER";
	}
}

const char *
api_header(struct api_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    name);
}

void
api_reply_raw(struct api_req *r, int status, const char *content_type,
    const char *body, size_t len)
{
	struct evbuffer		*buf = evbuffer_new();
	struct evkeyvalq	*h = evhttp_request_get_output_headers(r->req);

	r->status = status;
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (buf == NULL) {
		evhttp_send_error(r->req, 503, NULL);
		return;
	}
	if (len > 0)
		evbuffer_add(buf, body, len);
	evhttp_send_reply(r->req, status, NULL, buf);
	evbuffer_free(buf);
}

/* A reply built now and sent once the pass's transaction is on disk. */
struct held_reply {
	struct evhttp_request	*req;
	struct evbuffer		*buf;
	int			 status;
};

static void
held_send(bool committed, void *arg)
{
	static const char	 lost[] = "{\"error\":{\"code\":\"unavailable\","
	    "\"message\":\"the database did not take it; try again\"}}";
	struct held_reply	*h = arg;
	struct evkeyvalq	*hd = evhttp_request_get_output_headers(h->req);

	if (!committed) {
		/* The access log said status already; this corrects it. */
		log_warnx("http evt=held_reply status=503 was=%d: the pass's "
		    "commit failed", h->status);
		evhttp_remove_header(hd, "Content-Type");
		evhttp_add_header(hd, "Content-Type", "application/json");
		evbuffer_drain(h->buf, evbuffer_get_length(h->buf));
		evbuffer_add(h->buf, lost, sizeof(lost) - 1);
		h->status = 503;
	}
	/* A client that went away meanwhile: libevent frees the request. */
	evhttp_send_reply(h->req, h->status, NULL, h->buf);
	evbuffer_free(h->buf);
	free(h);
}

void
api_reply_after_commit(struct api_req *r, int status,
    const char *content_type, const char *body, size_t len)
{
	struct evkeyvalq	*hd = evhttp_request_get_output_headers(r->req);
	struct held_reply	*h;

	if (!batch_open(r->gw->batch)) {
		api_reply_raw(r, status, content_type, body, len);
		return;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->buf = evbuffer_new()) == NULL ||
	    (len > 0 && evbuffer_add(h->buf, body, len) == -1) ||
	    batch_after(r->gw->batch, held_send, h) == -1) {
		if (h != NULL && h->buf != NULL)
			evbuffer_free(h->buf);
		free(h);
		/* The sender retries; what did commit is handled once. */
		api_reply_errorf(r, 503, "unavailable", NULL, "out of memory");
		return;
	}
	r->status = status;
	h->req = r->req;
	h->status = status;
	evhttp_add_header(hd, "Content-Type", content_type);
	evhttp_add_header(hd, "Cache-Control", "no-store");
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
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "WWW-Authenticate", "Bearer realm=\"varsel\"");
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

/* Bearer token, scope and signature; false after answering 401/403. */
static bool
authenticate(struct api_req *r, unsigned int scope)
{
	struct gw	*gw = r->gw;
	char		 why[160];

	r->client = auth_bearer(gw->cfg, api_header(r, "Authorization"));
	if (r->client == NULL) {
		api_reply_errorf(r, 401, "unauthorized", NULL,
		    "a valid Authorization: Bearer token is required");
		return false;
	}
	if (auth_signature(r->client, api_header(r, "X-Varsel-Timestamp"),
	    api_header(r, "X-Varsel-Signature"), r->body, r->body_len,
	    gw_now(r->gw) / 1000, why, sizeof(why)) == -1) {
		api_reply_errorf(r, 401, "unauthorized", NULL, "%s", why);
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

/* Copy the body out of evhttp; false after answering 413. */
static bool
read_body(struct api_req *r)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->req);
	size_t		 len = evbuffer_get_length(in);

	if (len > r->gw->cfg->max_body_bytes) {
		api_reply_errorf(r, 413, "too_large", NULL,
		    "the body is %zu bytes; at most %zu are accepted", len,
		    r->gw->cfg->max_body_bytes);
		return false;
	}
	r->body = xmalloc(len + 1);
	if (len > 0)
		evbuffer_remove(in, r->body, len);
	r->body[len] = '\0';
	r->body_len = len;
	return true;
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

/* Every request starts here: find its route, read its body, check its
 * token, run its handler, and log it. */
static void
api_route(struct evhttp_request *req, void *arg)
{
	struct api		*api = arg;
	struct api_req		 r;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const struct route	*rt = NULL;
	enum evhttp_cmd_type	 m = evhttp_request_get_command(req);
	const char		*path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char		*query = uri ? evhttp_uri_get_query(uri) : NULL;
	bool			 path_known = false;
	int64_t			 t0 = mono_ms();
	char			 shown[128];
	size_t			 i;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.gw = api->gw;
	r.path = path ? path : "/";
	peer_addr(req, api->gw->cfg->trusted_proxy, r.addr, sizeof(r.addr));
	if (query != NULL &&
	    (rc = form_parse_strict(query, strlen(query), &r.query)) != 0) {
		if (rc == FORM_BAD)
			api_reply_errorf(&r, 400, "invalid_request", NULL,
			    "the query is not well-formed: a bad %%-escape, a "
			    "NUL or text that is not UTF-8");
		else
			api_reply_errorf(&r, 503, "unavailable", NULL,
			    "out of memory");
		goto done;
	}
	for (i = 0; i < nitems(routes); i++) {
		if (!route_match(routes[i].pattern, r.path, r.params))
			continue;
		path_known = true;
		if (routes[i].method == m) {
			rt = &routes[i];
			break;
		}
		free(r.params[0]);
		free(r.params[1]);
		r.params[0] = r.params[1] = NULL;
	}
	if (rt == NULL) {
		if (path_known)
			api_reply_errorf(&r, 405, "method_not_allowed", NULL,
			    "%s is not allowed on %s", method_name(m), r.path);
		else
			api_reply_errorf(&r, 404, "not_found", NULL,
			    "no such route: %s", r.path);
		goto done;
	}
	if (!read_body(&r))
		goto done;
	if (log_tracing & TRACE_HTTP) {
		log_path(r.path, shown, sizeof(shown));
		log_trace(TRACE_HTTP, "evt=request method=%s path=%s bytes=%zu "
		    "content_type=\"%.64s\" peer=%s", method_name(m), shown,
		    r.body_len, api_header(&r, "Content-Type") ?
		    api_header(&r, "Content-Type") : "", api_peer(&r));
	}
	if (rt->scope != 0 && !authenticate(&r, rt->scope))
		goto done;
	rt->fn(&r);
done:
	log_path(r.path, shown, sizeof(shown));
	if (strncmp(r.path, "/v1/", 4) == 0 || r.status >= 400)
		log_info("http method=%s path=%s status=%d client=%s addr=%s "
		    "ms=%lld", method_name(m), shown, r.status,
		    r.client ? r.client->name : "-", r.addr,
		    (long long)(mono_ms() - t0));
	else
		log_debug("http method=%s path=%s status=%d ms=%lld",
		    method_name(m), shown, r.status,
		    (long long)(mono_ms() - t0));
	free(r.params[0]);
	free(r.params[1]);
	free(r.body);
	kvlist_free(&r.query);
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
	    (!batch_open(gw->batch) && store_ping(gw->store) == -1)) {
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
	struct evbuffer	*buf = evbuffer_new();
	size_t		 len;
	char		*s;

	if (!r->gw->cfg->metrics_public && !authenticate(r,
	    SCOPE_METRICS_READ)) {
		if (buf != NULL)
			evbuffer_free(buf);
		return;
	}
	if (buf == NULL || metrics_render(r->gw, buf) == -1) {
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

struct api *
api_new(struct gw *gw, char *err, size_t errlen)
{
	struct api		*api = xcalloc(1, sizeof(*api));
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	size_t			 max = gw->cfg->max_body_bytes;

	api->gw = gw;
	if ((api->http = evhttp_new(gw->base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		goto fail;
	}
	/* evhttp refuses far larger bodies itself; we answer the rest. */
	evhttp_set_max_body_size(api->http, (ev_ssize_t)(max * 2 + 65536));
	evhttp_set_max_headers_size(api->http, 16384);
	evhttp_set_timeout(api->http, 30);
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(api->http, api_route, api);
	if (gw->cfg->tls_cert != NULL) {
		if ((api->tls = tls_new(gw->cfg->tls_cert, gw->cfg->tls_key,
		    err, errlen)) == NULL)
			goto fail;
		tls_attach(api->tls, api->http);
	}
	api->sock = evhttp_bind_socket_with_handle(api->http,
	    gw->cfg->listen_host, (ev_uint16_t)gw->cfg->listen_port);
	if (api->sock == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s",
		    gw->cfg->listen_host, gw->cfg->listen_port,
		    strerror(errno));
		goto fail;
	}
	if (getsockname(evhttp_bound_socket_get_fd(api->sock),
	    (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			api->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			api->port = ntohs(
			    ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
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
	else
		log_info("evt=reloaded tls_cert=%s", api->gw->cfg->tls_cert);
}

void
api_stop_accepting(struct api *api)
{
	if (api != NULL && api->sock != NULL) {
		evhttp_del_accept_socket(api->http, api->sock);
		api->sock = NULL;
	}
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	if (api->http != NULL)
		evhttp_free(api->http);
	tls_free(api->tls);
	free(api);
}
