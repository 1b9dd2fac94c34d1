/*
 * The HTTP API (evhttp): routes, authentication, JSON in and out, and
 * error bodies. Handlers live in api_alerts.c, api_contacts.c,
 * api_replies.c, api_admin.c and webhooks.c (provider callbacks).
 */
#ifndef VARSEL_API_H
#define VARSEL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "apierr.h"
#include "util.h"

struct httpd_req;
struct httpd_stats;
struct evbuffer;
struct route;
struct gw;
struct api;
struct client_conf;

/* One request being answered. */
struct api_req {
	struct httpd_req		*req;		/* NULL once answered */
	struct gw			*gw;
	const struct client_conf	*client;	/* NULL on open routes */
	const struct route		*route;
	char				*path;		/* as sent, not decoded */
	char				 method[16];	/* "GET" */
	int64_t				 started;	/* mono ms, for the log */
	char				*params[2];	/* the {...} path parts */
	struct kvlist			 query;
	char				*body;		/* NUL-terminated copy */
	size_t				 body_len;
	int				 status;	/* for the access log */
	char				 addr[46];	/* the client's (peer.h) */
};

typedef void (*api_handler)(struct api_req *);

/* Bind and start serving; NULL with err. Writes cfg->port_file if set. */
struct api	*api_new(struct gw *, char *err, size_t errlen);
/* Close the listening socket; requests in progress finish. */
void		 api_stop_accepting(struct api *);
void		 api_free(struct api *);
/* SIGHUP: load the TLS certificate and key again (kept if they fail). */
void		 api_reload(struct api *);
int		 api_port(const struct api *);
/* The server's counters, for /metrics. */
void		 api_stats(const struct api *, struct httpd_stats *);

/* Answer with obj (stolen) as JSON. */
void	api_reply_json(struct api_req *, int status, json_t *obj);
/* Answer with a buffer's contents (file segments too); it stays ours. */
void	api_reply_buffer(struct api_req *, int status,
	    const char *content_type, struct evbuffer *body);
/* A header for the answer (before it); -1 if refused. */
int	api_add_header(struct api_req *, const char *name, const char *value);
/* Answer with an already serialized body. */
void	api_reply_raw(struct api_req *, int status, const char *content_type,
	    const char *body, size_t len);
/*
 * Answer once the pass's transaction has committed (group commit, see
 * batch.h), or 503 if that commit fails; at once when none is open.
 */
void	api_reply_after_commit(struct api_req *, int status,
	    const char *content_type, const char *body, size_t len);
void	api_reply_error(struct api_req *, const struct api_error *);
void	api_reply_errorf(struct api_req *, int status, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* The body as a JSON value (checks Content-Type); NULL with err. */
json_t	*api_body_json(struct api_req *, struct api_error *);
/* A positive decimal id (a path part, "d=" of a hook); 0 if it is none. */
int64_t	api_parse_id(const char *);
/*
 * The integer query parameter name within [min, max], def when absent;
 * -1 after answering 422 naming it.
 */
int	api_query_int(struct api_req *, const char *name, int64_t def,
	    int64_t min, int64_t max, int64_t *out);
/* A request header, or NULL. */
const char *api_header(struct api_req *, const char *name);
/*
 * The address the request came from ("127.0.0.1", "::1"), or "-": behind
 * a trusted_proxy, the one it names in X-Forwarded-For (peer.h).
 */
const char *api_peer(struct api_req *);

/* Handlers. */
void	api_alerts_post(struct api_req *);
void	api_alerts_list(struct api_req *);
void	api_alert_get(struct api_req *);
void	api_alert_deliveries(struct api_req *);
void	api_alert_cancel(struct api_req *);
void	api_contacts_post(struct api_req *);
void	api_contact_get(struct api_req *);
void	api_contact_delete(struct api_req *);
void	api_contact_history(struct api_req *);
void	api_groups_list(struct api_req *);
void	api_contacts_list(struct api_req *);
void	api_preview(struct api_req *);
void	api_purge(struct api_req *);
void	api_media(struct api_req *);
void	webhook_status(struct api_req *);
void	webhook_sms(struct api_req *);		/* inbound SMS */
/* What a provider callback can prove before its body is read. */
bool	webhook_head(struct api_req *);
void	webhook_voice(struct api_req *);		/* call events */
void	api_replies_list(struct api_req *);	/* GET /v1/replies?phone= */

#endif
