/*
 * /v1/session and /v1/users: a console user logs in with a name and a
 * password, gets a session cookie (HttpOnly, SameSite=Strict, Secure
 * under TLS or behind a trusted proxy that says https) and a CSRF token
 * to send with every write, and logs out; who is configured and who is
 * online (the writer of an alert that waits sees who can approve it);
 * an admin ends another user's sessions.
 *
 * A login is answered late on purpose. After failures for the same name
 * or from the same address it waits (sessions.h's brake) on a timer,
 * never a sleep; the password is then checked in the hasher's thread,
 * an unknown name against a dummy hash of the same cost so that the
 * answer's time does not tell which names exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "api.h"
#include "config.h"
#include "gateway.h"
#include "hasher.h"
#include "httpd.h"
#include "log.h"
#include "password.h"
#include "peer.h"
#include "sessions.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define LOGIN_HELD_MAX	64		/* logins waiting on the brake */
#define NAME_MAX_LEN	32

/*
 * What an unknown name is checked against: a hash at the default cost
 * of a password nobody has, so that a wrong name costs what a wrong
 * password does.
 */
static const char dummy_hash[] = "$scrypt$ln=15,r=8,p=1"
    "$q2Jd9Vw0ZpN1xYf7Lh3ReA$Pj8yZ0fX2cW6bQ1nK4tV9sH3dL7mR5aE0gU2iO8wYzM";

/* A login on its way: waiting on the brake, then in the hasher. */
struct login {
	struct api_req	*r;
	char		 name[NAME_MAX_LEN + 1];
	char		*password;
	struct event	*timer;		/* while waiting on the brake */
	bool		 checking;	/* in the hasher */
	bool		 gone;		/* the client left meanwhile */
};

static void	login_try(struct login *);
static void	login_timer_cb(evutil_socket_t, short, void *);
static void	login_checked_cb(bool, bool, void *);
static void	login_close_cb(struct httpd_req *, void *);
static void	login_free(struct login *);
static json_t	*session_json(struct api_req *, const struct user_conf *,
		    const struct session *);
static bool	secure_cookie(struct api_req *);
static void	set_cookie(struct api_req *, const char *, int);

/* Free a login and finish its request (answered before). */
static void
login_free(struct login *l)
{
	if (l->timer != NULL) {
		event_free(l->timer);
		(*api_held_logins(l->r->gw->api))--;
	}
	free_secret(l->password);
	api_req_finish(l->r);
	free(l);
}

/* The client went away: stop waiting, or forget the answer to come. */
static void
login_close_cb(struct httpd_req *req, void *arg)
{
	struct login	*l = arg;

	if (l->checking) {
		l->gone = true;		/* login_checked_cb frees it */
		return;
	}
	login_free(l);
}

/* Should the cookie say Secure: HTTPS here or at a trusted proxy? */
static bool
secure_cookie(struct api_req *r)
{
	const char	*proto = api_header(r, "X-Forwarded-Proto");

	if (r->req != NULL && httpd_tls(r->req))
		return true;
	return proto != NULL && strcasecmp(proto, "https") == 0 &&
	    r->req != NULL && peer_in_list(httpd_peer(r->req),
	    r->gw->cfg->trusted_proxy);
}

/* Set (or with max_age 0, clear) the session cookie on the answer. */
static void
set_cookie(struct api_req *r, const char *token, int max_age)
{
	char	*v;

	v = str_printf("%s=%s; Path=/; Max-Age=%d; HttpOnly; "
	    "SameSite=Strict%s", API_COOKIE, token, max_age,
	    secure_cookie(r) ? "; Secure" : "");
	if (v != NULL)
		api_add_header(r, "Set-Cookie", v);
	free(v);
}

/* What the console learns of its session. */
static json_t *
session_json(struct api_req *r, const struct user_conf *u,
    const struct session *s)
{
	json_t	*scopes = json_array();
	char	 text[256], *w, *save = NULL;

	scope_text(role_scopes(u->role), text, sizeof(text));
	for (w = strtok_r(text, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		json_array_append_new(scopes, json_string(w));
	return json_pack("{ss ss so ss si si ss}", "name", u->name,
	    "role", role_name(u->role), "scopes", scopes, "csrf", s->csrf,
	    "idle_s", r->gw->cfg->session_idle_s,
	    "approval_over", r->gw->cfg->approval_over,
	    "residents_group", RESIDENTS_GROUP);
}

/* The brake is off: check the password in the hasher's thread. */
static void
login_try(struct login *l)
{
	struct api_req		*r = l->r;
	const struct user_conf	*u = config_user(r->gw->cfg, l->name);
	int64_t			 wait;
	struct timeval		 tv;

	wait = sessions_login_wait(api_sessions(r->gw->api), l->name,
	    api_peer(r), gw_now(r->gw));
	if (wait > 0) {
		if (l->timer == NULL) {
			if (*api_held_logins(r->gw->api) >= LOGIN_HELD_MAX ||
			    (l->timer = evtimer_new(r->gw->base,
			    login_timer_cb, l)) == NULL) {
				api_add_header(r, "Retry-After", "30");
				api_reply_errorf(r, 429, "rate_limited", NULL,
				    "too many logins wait already; try again "
				    "in a while");
				login_free(l);
				return;
			}
			(*api_held_logins(r->gw->api))++;
		}
		tv.tv_sec = wait / 1000;
		tv.tv_usec = (wait % 1000) * 1000;
		evtimer_add(l->timer, &tv);
		return;
	}
	if (l->timer != NULL) {
		event_free(l->timer);
		l->timer = NULL;
		(*api_held_logins(r->gw->api))--;
	}
	if (hasher_verify(api_hasher(r->gw->api), u != NULL ?
	    u->password_hash : dummy_hash, l->password, login_checked_cb,
	    l) == -1) {
		api_add_header(r, "Retry-After", "5");
		api_reply_errorf(r, 429, "rate_limited", NULL, "too many "
		    "logins at once; try again in a few seconds");
		login_free(l);
		return;
	}
	l->checking = true;
	sessions_login_checking(api_sessions(r->gw->api), l->name,
	    api_peer(r), true, gw_now(r->gw));
}

static void
login_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	login_try(arg);
}

/* The hasher's answer, on the loop. */
static void
login_checked_cb(bool match, bool cancelled, void *arg)
{
	struct login		*l = arg;
	struct api_req		*r = l->r;
	struct sessions		*ss;
	const struct user_conf	*u;
	struct session		*s;
	char			 token[SESSION_TOKEN_LEN + 1];
	int64_t			 now;

	l->checking = false;
	if (!cancelled)
		sessions_login_checking(api_sessions(r->gw->api), l->name,
		    api_peer(r), false, gw_now(r->gw));
	if (l->gone || cancelled) {
		if (r->req != NULL)
			api_reply_errorf(r, 503, "unavailable", NULL,
			    "varseld is stopping");
		login_free(l);
		return;
	}
	ss = api_sessions(r->gw->api);
	now = gw_now(r->gw);
	u = config_user(r->gw->cfg, l->name);
	if (!match || u == NULL) {
		sessions_login_failed(ss, l->name, api_peer(r), now);
		log_warnx("evt=login_failed user=%.32s addr=%s wait_next_ms="
		    "%lld", l->name, api_peer(r),
		    (long long)sessions_login_wait(ss, l->name, api_peer(r),
		    now));
		api_reply_errorf(r, 401, "unauthorized", NULL,
		    "wrong name or password");
		login_free(l);
		return;
	}
	sessions_login_succeeded(ss, l->name);
	if ((s = sessions_create(ss, u->name, api_peer(r), now, token)) ==
	    NULL) {
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "no session could be made; try again");
		login_free(l);
		return;
	}
	strlcpy(r->user, u->name, sizeof(r->user));
	r->role = (int)u->role;
	r->via = "console";
	api_audit(r, "session.login", 0, NULL, NULL);
	set_cookie(r, token, (int)(SESSION_MAX_MS / 1000));
	OPENSSL_cleanse(token, sizeof(token));
	log_info("evt=login user=%s addr=%s", u->name, api_peer(r));
	api_reply_json(r, 200, session_json(r, u, s));
	login_free(l);
}

/* POST /v1/session {"name": "anna", "password": "..."} */
void
api_session_login(struct api_req *r)
{
	struct api_error	 err;
	struct login		*l;
	json_t			*root;
	const char		*name, *pw;

	if (!api_same_origin(r)) {
		api_reply_errorf(r, 403, "forbidden", NULL,
		    "a login must come from the console's own page");
		return;
	}
	if ((root = api_body_json(r, &err)) == NULL) {
		api_reply_error(r, &err);
		return;
	}
	name = json_string_value(json_object_get(root, "name"));
	pw = json_string_value(json_object_get(root, "password"));
	if (!json_is_object(root) || name == NULL || pw == NULL) {
		json_decref(root);
		api_reply_errorf(r, 400, "invalid_json", NULL, "the body must "
		    "be {\"name\": ..., \"password\": ...}");
		return;
	}
	if (*name == '\0' || strlen(name) > NAME_MAX_LEN ||
	    strlen(pw) > PASSWORD_MAX_LEN || !utf8_valid(name)) {
		json_decref(root);
		api_reply_errorf(r, 422, "invalid_field", "name",
		    "no such name and password");
		return;
	}
	l = xcalloc(1, sizeof(*l));
	l->r = r;
	strlcpy(l->name, name, sizeof(l->name));
	l->password = xstrdup(pw);
	json_decref(root);
	api_req_keep(r);
	httpd_req_on_close(r->req, login_close_cb, l);
	login_try(l);
}

/* GET /v1/session: who is logged in here (the console asks at load). */
void
api_session_get(struct api_req *r)
{
	const struct user_conf	*u;
	struct session		*s;

	if ((s = api_session_lookup(r, true)) == NULL ||
	    (u = config_user(r->gw->cfg, s->user)) == NULL) {
		api_reply_errorf(r, 401, "unauthorized", NULL,
		    "not logged in");
		return;
	}
	api_reply_json(r, 200, session_json(r, u, s));
}

/* DELETE /v1/session: log out (needs the CSRF token like any write). */
void
api_session_logout(struct api_req *r)
{
	struct session	*s = api_session_lookup(r, false);
	const char	*csrf = api_header(r, "X-CSRF-Token");

	if (s == NULL) {
		set_cookie(r, "", 0);
		api_reply_errorf(r, 401, "unauthorized", NULL,
		    "not logged in");
		return;
	}
	if (csrf == NULL || !ct_streq(csrf, s->csrf) || !api_same_origin(r)) {
		api_reply_errorf(r, 403, "forbidden", NULL, "logging out "
		    "needs the session's X-CSRF-Token");
		return;
	}
	strlcpy(r->user, s->user, sizeof(r->user));
	r->via = "console";
	sessions_end(api_sessions(r->gw->api), s);
	api_audit(r, "session.logout", 0, NULL, NULL);
	log_info("evt=logout user=%s addr=%s", r->user, api_peer(r));
	set_cookie(r, "", 0);
	api_reply_json(r, 200, json_pack("{sb}", "logged_out", 1));
}

/* GET /v1/users: who may log in, their roles, who is online now. */
void
api_users_list(struct api_req *r)
{
	const struct config	*cfg = r->gw->cfg;
	struct sessions		*ss = api_sessions(r->gw->api);
	json_t			*arr = json_array();
	int64_t			 now = gw_now(r->gw);
	int64_t			 idle = (int64_t)cfg->session_idle_s * 1000;
	size_t			 i;

	for (i = 0; i < cfg->nusers; i++)
		json_array_append_new(arr, json_pack("{ss ss sb sb}",
		    "name", cfg->users[i].name,
		    "role", role_name(cfg->users[i].role),
		    "online", sessions_online(ss, cfg->users[i].name, now,
		    idle),
		    "approves", (role_scopes(cfg->users[i].role) &
		    SCOPE_ALERTS_APPROVE) != 0));
	api_reply_json(r, 200, json_pack("{so}", "users", arr));
}

/* POST /v1/users/{name}/logout: an admin ends someone's sessions. */
void
api_user_logout(struct api_req *r)
{
	const char	*name = r->params[0];
	int		 n;

	if (config_user(r->gw->cfg, name) == NULL) {
		api_reply_errorf(r, 404, "not_found", NULL, "no user %.32s",
		    name);
		return;
	}
	n = sessions_end_user(api_sessions(r->gw->api), name);
	api_audit(r, "user.sessions_ended", 0, NULL, json_pack("{ss si}",
	    "user", name, "sessions", n));
	api_reply_json(r, 200, json_pack("{ss si}", "user", name,
	    "sessions_ended", n));
}
