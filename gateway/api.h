/*
 * The HTTP API: routes, authentication (a client's bearer token, or a
 * console user's session cookie with its CSRF token), JSON in and out,
 * error bodies and the security headers of every answer. Handlers live
 * in api_alerts.c, api_contacts.c, api_replies.c, api_admin.c,
 * api_session.c (login, users), api_console.c (the pages, the map),
 * api_audit.c (audit, inbox), api_events.c (live streams) and
 * webhooks.c (provider callbacks).
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
struct sessions;
struct hasher;

/* One request being answered. */
struct api_req {
	struct httpd_req		*req;		/* NULL once answered */
	struct gw			*gw;
	const struct client_conf	*client;	/* a bearer token's, or
							   NULL */
	char				 user[40];	/* a session's user, or
							   "" */
	int				 role;		/* enum role of user */
	uint64_t			 session;	/* its serial, or 0 */
	unsigned int			 scopes;	/* the client's, role's */
	bool				 masked;	/* let in by the route's
							   alt scope: show
							   numbers masked */
	bool				 kept;		/* answered after the
							   handler returned */
	bool				 hook_proved;	/* webhook_head's proof
							   needs no body */
	const char			*via;		/* "api", "console",
							   "varselctl" */
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

/* The console's session cookie. */
#define API_COOKIE	"varsel_session"

struct session;
/*
 * The session of the request's cookie (last_seen moved when touch), or
 * NULL. Valid until the next session is made or ended.
 */
struct session	*api_session_lookup(struct api_req *, bool touch);
/*
 * Did a browser send this from one of our own pages? Origin, when sent,
 * names the Host asked for; Sec-Fetch-Site, when sent, is same-origin.
 */
bool		 api_same_origin(struct api_req *);
/* SIGHUP: read the [user] sections again, end removed users' sessions. */
void		 api_reload_users(struct api *);

/* Bind and start serving; NULL with err. Writes cfg->port_file if set. */
struct api	*api_new(struct gw *, char *err, size_t errlen);
/* Close the listening socket; requests in progress finish. */
void		 api_stop_accepting(struct api *);
void		 api_free(struct api *);
/* SIGHUP: load the TLS certificate and key again (kept if they fail). */
void		 api_reload(struct api *);
int		 api_port(const struct api *);

/*
 * Keep r after its handler returns (a login answered after the password
 * check, a stream): the handler's code answers it later and then calls
 * api_req_finish, which writes the access log line and frees r.
 */
void	api_req_keep(struct api_req *);
void	api_req_finish(struct api_req *);
/* Who made the request, as the audit names them: client or user name. */
const char *api_actor(const struct api_req *);
/* "client" or "user". */
const char *api_actor_kind(const struct api_req *);
/* The store's audit_entry of this request for action (see store.h). */
struct audit_entry;
void	api_audit_entry(const struct api_req *, const char *action,
	    int64_t alert_id, const char *contact, const char *detail,
	    struct audit_entry *);
/*
 * Append an audit row for this request to the open transaction (or in
 * its own); detail is a JSON object (stolen; may be NULL). 0 or -1.
 */
int	api_audit(struct api_req *, const char *action, int64_t alert_id,
	    const char *contact, json_t *detail);
/* The server's session table and password checker. */
struct sessions	*api_sessions(struct api *);
struct hasher	*api_hasher(struct api *);
/* Logins waiting on the brake (api_session.c counts them). */
size_t		*api_held_logins(struct api *);
/* A phone number as this request may see it: masked when r->masked. */
const char *api_phone(const struct api_req *, const char *e164,
	    char *buf, size_t len);

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

struct alert_row;
struct store;
/* The alert as GET /v1/alerts/{id} shows it, counts and all; NULL. */
json_t	*api_alert_json(struct store *, const struct alert_row *);

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
void	api_alert_report(struct api_req *);	/* report.csv */
void	api_alert_approve(struct api_req *);
void	api_alert_events(struct api_req *);	/* Server-Sent Events */
void	api_session_login(struct api_req *);
void	api_session_get(struct api_req *);
void	api_session_logout(struct api_req *);
void	api_users_list(struct api_req *);
void	api_user_logout(struct api_req *);
void	api_console_file(struct api_req *);
void	api_map(struct api_req *);
void	api_templates_list(struct api_req *);
void	api_providers_list(struct api_req *);	/* GET /v1/providers */
void	api_audit_list(struct api_req *);
void	api_inbox_list(struct api_req *);
void	api_inbox_reply(struct api_req *);

/*
 * The live streams of alerts (api_events.c): a registry the server
 * owns, fed by a timer that reads the store only when it was written.
 */
struct api_events;
struct api_events *api_events_new(struct gw *);
void	api_events_free(struct api_events *);
struct api_events *api_events(struct api *);

#endif
