/*
 * The INI configuration of varseld (design/API.md) in one struct.
 * Every error names the file, the line and the key.
 */
#ifndef VARSEL_CONFIG_H
#define VARSEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "provider_conf.h"
#include "tz.h"

/* API client scopes (bits). */
enum scope {
	SCOPE_ALERTS_WRITE = 1 << 0,
	SCOPE_ALERTS_READ = 1 << 1,
	SCOPE_CONTACTS_WRITE = 1 << 2,
	SCOPE_CONTACTS_READ = 1 << 3,
	SCOPE_METRICS_READ = 1 << 4,
	SCOPE_ALERTS_APPROVE = 1 << 5,	/* release an alert awaiting approval */
	SCOPE_AUDIT_READ = 1 << 6,
	SCOPE_USERS_WRITE = 1 << 7	/* end other users' sessions */
};

/* The roles of console users; each is a set of scopes (role_scopes). */
enum role {
	ROLE_VIEWER,		/* reads: alerts, audit, contacts masked */
	ROLE_SENDER,		/* also writes alerts and contacts */
	ROLE_APPROVER,		/* also approves others' alerts */
	ROLE_ADMIN		/* also ends users' sessions, metrics */
};

/* A [user NAME] section: a person who uses the console. */
struct user_conf {
	char		*name;
	char		*password_hash;	/* password.h's format */
	enum role	 role;
	int		 line;
};

/* A [client NAME] section. */
struct client_conf {
	char		*name;
	char		 token_sha256[65];	/* lowercase hex */
	unsigned int	 scopes;		/* enum scope bits */
	char		*hmac_secret;		/* NULL: no signature needed */
	char		*callback_hosts;	/* hosts callback_url may name,
						   space separated; NULL: none */
	int		 line;
};

struct config {
	char		*path;		/* the file as given */
	char		*dir;		/* its folder: base of relative paths */

	/* [gateway] */
	char		*listen_host;	/* "127.0.0.1" */
	int		 listen_port;	/* 8025; 0 = any free port */
	char		*database;	/* absolute or relative to dir, resolved */
	char		*public_url;	/* no trailing slash */
	char		 default_region[3];
	char		*templates;	/* resolved folder */
	char		*trygghetspunkter; /* resolved file or NULL */
	char		*areas;		/* resolved file or NULL */
	char		*emergency_number;	/* "in danger, call": 112 */
	char		*duty_number;	/* Södertörns larmbord: urgent
					   municipal matters, help texts */
	char		*timezone;	/* "Europe/Stockholm" */
	struct tz	*tz;		/* loaded from it */
	size_t		 max_body_bytes;
	int		 max_segments;
	int		 min_free_mb;	/* /readyz: 503 under it; 0: off */
	char		*port_file;	/* resolved; the bound port is written here */
	bool		 metrics_public; /* GET /metrics without a token (no) */
	int		 max_connections;	/* API connections (2000) */
	int		 request_timeout_ms;	/* whole request (10000) */
	char		*tls_cert;	/* resolved PEM chain, or NULL: plain HTTP */
	char		*tls_key;	/* resolved PEM key (set with tls_cert) */
	char		*trusted_proxy;	/* addresses whose X-Forwarded-For
					   counts, blank-separated; or NULL */
	char		*console;	/* resolved folder of the console's
					   pages, or NULL: no console */
	int		 session_idle_s; /* a console session ends after
					   this long without a request */

	/* [dispatch] */
	int		 max_attempts;
	int		 retry_base_ms;
	int		 retry_max_ms;
	int		 batch_max;	/* deliveries claimed per round */
	int		 shutdown_grace_ms;
	int		 breaker_failures;	/* consecutive, to open (5) */
	int		 breaker_cooldown_ms;	/* before a probe (30000) */
	int		 default_expires_s;	/* of an alert without
						   expires_in_s (86400);
						   0: never */
	int		 voice_retries;		/* more calls after no answer (2) */
	int		 voice_retry_ms;	/* between them (120000) */
	char		*media_cache;		/* rendered speech; default
						   beside the database */
	struct tz_window quiet_hours;		/* minor and moderate alerts
						   wait; unset: none */
	int		 retention_days;	/* numbers erased after (90);
						   0: kept */
	int		 retention_at;		/* minute of the day (local)
						   the job starts (03:00) */
	int		 approval_over;		/* console alerts to more
						   recipients wait for a
						   second person (500) */

	struct provider_conf *providers;	/* sorted by priority, then name */
	size_t		 nproviders;
	struct client_conf *clients;
	size_t		 nclients;
	struct user_conf *users;
	size_t		 nusers;
};

/*
 * Read and validate path. On failure returns NULL and writes every error
 * found, one "file:line: key: what" per line, into err.
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
void		 config_free(struct config *);

/* One key of the option tables, as varsel.conf(5) documents it. */
struct config_doc {
	const char	*section;	/* "gateway", "dispatch", "provider",
					   "user",
					   "client" */
	const char	*key;
	const char	*def;		/* the default as written, or NULL */
	const char	*help;		/* one line */
	bool		 required;
	char		 range[64];	/* "1..10", or "" for non-numbers */
};
/* The i-th key of all sections; -1 past the last. */
int		 config_doc_nth(size_t i, struct config_doc *);

/* "alerts:write" -> SCOPE_ALERTS_WRITE; 0 if unknown. */
unsigned int	 scope_parse(const char *);
/* "alerts:write alerts:read" into buf (the names of the bits set). */
void		 scope_text(unsigned int, char *buf, size_t len);
/* "sender" -> ROLE_SENDER; -1 if unknown. */
int		 role_parse(const char *);
const char	*role_name(enum role);
/* What a role may do. */
unsigned int	 role_scopes(enum role);
/* The [user NAME] of cfg, or NULL. */
const struct user_conf *config_user(const struct config *, const char *name);
/*
 * The [user] sections of the file cfg was loaded from, read again
 * (SIGHUP: a user added by varselctl user add can log in without a
 * restart; nothing else is taken). Replaces cfg's users and returns 0,
 * or -1 with every error of the file in err (cfg keeps its users).
 */
int		 config_reload_users(struct config *, char *err, size_t errlen);

#endif
