/*
 * The INI configuration of varseld (design/API.md). The file is read in
 * two steps: first into sections of key = value entries (config_ini.c),
 * then every entry is checked against an option table here and stored
 * in struct config.
 * All errors of the file are collected, one "file:line: key: what" per
 * line, so an operator fixes them in one go.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapters/adapter.h"
#include "config.h"
#include "config_priv.h"
#include "log.h"
#include "password.h"
#include "phone.h"
#include "util.h"

enum config_opt_type {
	CONFIG_OPT_INT,		/* int within [min, max] */
	CONFIG_OPT_SIZE,	/* size_t within [min, max] */
	CONFIG_OPT_RATE,	/* double, > min and <= max */
	CONFIG_OPT_STR,		/* printable text */
	CONFIG_OPT_PATH,	/* a file or folder, resolved later */
	CONFIG_OPT_LISTEN,	/* host:port */
	CONFIG_OPT_URL,		/* http(s)://..., no trailing / */
	CONFIG_OPT_REGION,	/* "SE" */
	CONFIG_OPT_FROM,	/* sender id or E.164 */
	CONFIG_OPT_TYPE,	/* a registered adapter type */
	CONFIG_OPT_TOKEN,	/* 64 hex digits */
	CONFIG_OPT_SCOPES,	/* "alerts:write alerts:read" */
	CONFIG_OPT_SECRET,	/* at least 16 characters */
	CONFIG_OPT_BOOL,	/* yes or no */
	CONFIG_OPT_ADDRS,	/* numeric IP addresses, space-separated */
	CONFIG_OPT_ZONE,	/* a time zone name, loaded at the end */
	CONFIG_OPT_WINDOW,	/* "HH:MM-HH:MM", "" or none */
	CONFIG_OPT_HHMM,	/* "HH:MM": minutes of the day */
	CONFIG_OPT_PWHASH,	/* a password hash (password.h) */
	CONFIG_OPT_ROLE		/* viewer | sender | approver | admin */
};

/*
 * A key a section takes: where it goes, what it may hold, its value when
 * absent (as it would be written in the file) and one line of help.
 * varsel.conf(5) documents every row; tests/test_manpage.c checks that
 * the page and these tables agree.
 */
struct config_opt {
	const char		*key;
	enum config_opt_type	 type;
	size_t			 off;	/* in struct config or the section's */
	double			 min;
	double			 max;
	bool			 required;
	const char		*def;	/* NULL: none (or derived) */
	const char		*help;
};

#define GW(f)	offsetof(struct config, f)
#define PV(f)	offsetof(struct provider_conf, f)
#define CL(f)	offsetof(struct client_conf, f)
#define US(f)	offsetof(struct user_conf, f)

static const struct config_opt config_gateway_opts[] = {
	{ .key = "listen", .type = CONFIG_OPT_LISTEN,
	  .def = "127.0.0.1:8025",
	  .help = "host:port of the HTTP API and provider callbacks" },
	{ .key = "database", .type = CONFIG_OPT_PATH, .off = GW(database),
	  .def = "varsel.db", .help = "the SQLite file" },
	{ .key = "public_url", .type = CONFIG_OPT_URL, .off = GW(public_url),
	  .help = "base of the callback URLs given to providers" },
	{ .key = "default_region", .type = CONFIG_OPT_REGION,
	  .off = GW(default_region), .def = "SE",
	  .help = "region of numbers written without +country" },
	{ .key = "templates", .type = CONFIG_OPT_PATH, .off = GW(templates),
	  .def = "templates", .help = "folder of the message templates" },
	{ .key = "trygghetspunkter", .type = CONFIG_OPT_PATH,
	  .off = GW(trygghetspunkter),
	  .help = "CSV file of the trygghetspunkter" },
	{ .key = "areas", .type = CONFIG_OPT_PATH, .off = GW(areas),
	  .help = "CSV file of the areas and their centres" },
	{ .key = "emergency_number", .type = CONFIG_OPT_STR,
	  .off = GW(emergency_number), .def = "112",
	  .help = "the number to call in danger, in every alert and help "
	  "text" },
	{ .key = "duty_number", .type = CONFIG_OPT_STR,
	  .off = GW(duty_number), .def = "08-721 23 13",
	  .help = "Södertörns larmbord: urgent municipal matters when the "
	  "municipality is closed; help texts only, never for danger" },
	{ .key = "timezone", .type = CONFIG_OPT_ZONE, .off = GW(timezone),
	  .def = "Europe/Stockholm",
	  .help = "local time of quiet hours and daily jobs" },
	{ .key = "max_body_bytes", .type = CONFIG_OPT_SIZE,
	  .off = GW(max_body_bytes), .min = 1024, .max = 67108864,
	  .def = "1048576", .help = "largest request body accepted" },
	{ .key = "min_free_mb", .type = CONFIG_OPT_INT,
	  .off = GW(min_free_mb), .min = 0, .max = 1048576, .def = "64",
	  .help = "free disk space under the database, in MB, below which "
	  "/readyz says 503 (0: not checked)" },
	{ .key = "max_segments", .type = CONFIG_OPT_INT,
	  .off = GW(max_segments), .min = 1, .max = 10, .def = "4",
	  .help = "most SMS segments one message may take" },
	{ .key = "port_file", .type = CONFIG_OPT_PATH, .off = GW(port_file),
	  .help = "file the bound port is written to" },
	{ .key = "tls_cert", .type = CONFIG_OPT_PATH, .off = GW(tls_cert),
	  .help = "PEM certificate chain: serve HTTPS on listen" },
	{ .key = "tls_key", .type = CONFIG_OPT_PATH, .off = GW(tls_key),
	  .help = "PEM private key of tls_cert" },
	{ .key = "trusted_proxy", .type = CONFIG_OPT_ADDRS,
	  .off = GW(trusted_proxy),
	  .help = "addresses whose X-Forwarded-For is believed" },
	{ .key = "max_connections", .type = CONFIG_OPT_INT,
	  .off = GW(max_connections), .min = 16, .max = 1000000,
	  .def = "2000", .help = "open API connections at most; at the cap "
	  "the slowest incomplete request is closed to make room" },
	{ .key = "request_timeout_ms", .type = CONFIG_OPT_INT,
	  .off = GW(request_timeout_ms), .min = 100, .max = 600000,
	  .def = "10000", .help = "a request must arrive whole within "
	  "this, however it trickles" },
	{ .key = "metrics_public", .type = CONFIG_OPT_BOOL,
	  .off = GW(metrics_public), .def = "no",
	  .help = "GET /metrics without a token" },
	{ .key = "console", .type = CONFIG_OPT_PATH, .off = GW(console),
	  .help = "folder of the console's pages, served at /" },
	{ .key = "session_idle_s", .type = CONFIG_OPT_INT,
	  .off = GW(session_idle_s), .min = 60, .max = 86400, .def = "3600",
	  .help = "a console session ends after this long without a "
	  "request" },
};

static const struct config_opt config_dispatch_opts[] = {
	{ .key = "max_attempts", .type = CONFIG_OPT_INT,
	  .off = GW(max_attempts), .min = 1, .max = 100, .def = "6",
	  .help = "refusals by a provider before a delivery fails" },
	{ .key = "retry_base_ms", .type = CONFIG_OPT_INT,
	  .off = GW(retry_base_ms), .min = 1, .max = 3600000, .def = "1000",
	  .help = "first retry delay; it grows exponentially" },
	{ .key = "retry_max_ms", .type = CONFIG_OPT_INT,
	  .off = GW(retry_max_ms), .min = 1, .max = INT_MAX, .def = "300000",
	  .help = "longest retry delay, also caps Retry-After" },
	{ .key = "batch_max", .type = CONFIG_OPT_INT, .off = GW(batch_max),
	  .min = 1, .max = 10000, .def = "256",
	  .help = "deliveries claimed per dispatch round" },
	{ .key = "shutdown_grace_ms", .type = CONFIG_OPT_INT,
	  .off = GW(shutdown_grace_ms), .min = 0, .max = 600000,
	  .def = "10000",
	  .help = "wait for requests in flight at SIGTERM" },
	{ .key = "breaker_failures", .type = CONFIG_OPT_INT,
	  .off = GW(breaker_failures), .min = 1, .max = 1000, .def = "5",
	  .help = "consecutive failures that open a breaker" },
	{ .key = "breaker_cooldown_ms", .type = CONFIG_OPT_INT,
	  .off = GW(breaker_cooldown_ms), .min = 100, .max = 3600000,
	  .def = "30000", .help = "time an open breaker waits to probe" },
	{ .key = "default_expires_s", .type = CONFIG_OPT_INT,
	  .off = GW(default_expires_s), .min = 0, .max = 2592000,
	  .def = "86400", .help = "expires_in_s of an alert that gives none" },
	{ .key = "voice_retries", .type = CONFIG_OPT_INT,
	  .off = GW(voice_retries), .min = 0, .max = 10, .def = "2",
	  .help = "more calls after no answer or busy" },
	{ .key = "voice_retry_ms", .type = CONFIG_OPT_INT,
	  .off = GW(voice_retry_ms), .min = 1000, .max = 3600000,
	  .def = "120000", .help = "time between those calls" },
	{ .key = "media_cache", .type = CONFIG_OPT_PATH,
	  .off = GW(media_cache),
	  .help = "folder of rendered speech (beside the database)" },
	{ .key = "quiet_hours", .type = CONFIG_OPT_WINDOW,
	  .off = GW(quiet_hours), .def = "none",
	  .help = "local HH:MM-HH:MM when minor and moderate alerts wait "
	  "for its end" },
	{ .key = "retention_days", .type = CONFIG_OPT_INT,
	  .off = GW(retention_days), .min = 0, .max = 3650, .def = "90",
	  .help = "numbers in deliveries and inbound SMS older than this "
	  "are erased daily; 0 keeps them" },
	{ .key = "retention_at", .type = CONFIG_OPT_HHMM,
	  .off = GW(retention_at), .def = "03:00",
	  .help = "local time of day the daily erasure starts" },
	{ .key = "approval_over", .type = CONFIG_OPT_INT,
	  .off = GW(approval_over), .min = 0, .max = 10000000, .def = "500",
	  .help = "console alerts to more recipients wait for a second "
	  "person's approval" },
};

static const struct config_opt config_provider_opts[] = {
	{ .key = "type", .type = CONFIG_OPT_TYPE, .off = PV(type),
	  .required = true, .help = "the adapter" },
	{ .key = "priority", .type = CONFIG_OPT_INT, .off = PV(priority),
	  .min = 0, .max = 1000, .def = "1",
	  .help = "lower is tried first; others are failover" },
	{ .key = "rate", .type = CONFIG_OPT_RATE, .off = PV(rate), .min = 0,
	  .max = 100000, .def = "100",
	  .help = "SMS segments or calls per second" },
	{ .key = "max_connections", .type = CONFIG_OPT_INT,
	  .off = PV(max_connections), .min = 1, .max = 1024, .def = "16",
	  .help = "concurrent requests to the provider" },
	{ .key = "from", .type = CONFIG_OPT_FROM, .off = PV(from),
	  .help = "sender name or number" },
	{ .key = "base_url", .type = CONFIG_OPT_URL, .off = PV(base_url),
	  .help = "URL the adapter appends its paths to" },
	{ .key = "timeout_ms", .type = CONFIG_OPT_INT, .off = PV(timeout_ms),
	  .min = 100, .max = 120000, .def = "10000",
	  .help = "time one request to the provider may take" },
	{ .key = "stall_ms", .type = CONFIG_OPT_INT, .off = PV(stall_ms),
	  .min = 0, .max = 120000, .def = "3000",
	  .help = "no answer this long with requests open: new messages "
	  "go to another provider (0: never)" },
};

static const struct config_opt config_client_opts[] = {
	{ .key = "token_sha256", .type = CONFIG_OPT_TOKEN,
	  .off = CL(token_sha256), .required = true,
	  .help = "hex SHA-256 of the client's bearer token" },
	{ .key = "scopes", .type = CONFIG_OPT_SCOPES, .off = CL(scopes),
	  .required = true, .help = "what the client may do" },
	{ .key = "hmac_secret", .type = CONFIG_OPT_SECRET,
	  .off = CL(hmac_secret),
	  .help = "shared secret: requests must be signed" },
	{ .key = "callback_hosts", .type = CONFIG_OPT_STR,
	  .off = CL(callback_hosts),
	  .help = "hosts a callback_url may name" },
};

static const struct config_opt config_user_opts[] = {
	{ .key = "password_hash", .type = CONFIG_OPT_PWHASH,
	  .off = US(password_hash), .required = true,
	  .help = "scrypt hash of the password (varselctl user add)" },
	{ .key = "role", .type = CONFIG_OPT_ROLE, .off = US(role),
	  .required = true, .help = "viewer, sender, approver or admin" },
};

#undef GW
#undef PV
#undef CL
#undef US

/* The tables by section, in the order of varsel.conf(5). */
static const struct {
	const char		*section;
	const struct config_opt	*opts;
	size_t			 n;
} config_tables[] = {
	{ "gateway", config_gateway_opts, nitems(config_gateway_opts) },
	{ "dispatch", config_dispatch_opts, nitems(config_dispatch_opts) },
	{ "provider", config_provider_opts, nitems(config_provider_opts) },
	{ "client", config_client_opts, nitems(config_client_opts) },
	{ "user", config_user_opts, nitems(config_user_opts) },
};

static void	config_defaults(struct config_loader *,
		    const struct config_opt *, size_t, void *, struct config *);
static void	config_range(const struct config_opt *, char *, size_t);
static int	config_apply(struct config_loader *, const struct config_ent *,
		    const struct config_opt *, void *, struct config *);
static const struct config_opt *config_opt_find(const struct config_opt *,
		    size_t, const char *);
static void	config_unknown_key(struct config_loader *,
		    const struct config_sec *, const struct config_ent *,
		    const struct config_opt *, size_t);
static void	config_check_required(struct config_loader *,
		    const struct config_sec *, const struct config_opt *,
		    size_t);
static const struct config_ent *config_sec_get(const struct config_sec *,
		    const char *);
static void	config_do_gateway(struct config_loader *,
		    const struct config_sec *, const struct config_opt *,
		    size_t, struct config *);
static void	config_do_provider(struct config_loader *,
		    const struct config_sec *, struct config *);
static void	config_do_client(struct config_loader *,
		    const struct config_sec *, struct config *);
static void	config_do_user(struct config_loader *,
		    const struct config_sec *, struct config *);
static bool	config_apply_section(struct config_loader *,
		    const struct config_sec *, const struct config_opt *,
		    size_t, void *, struct config *);
static char	*config_resolve(const struct config *, const char *);
static const struct config_ent *config_key(struct config_loader *,
		    enum config_sec_kind,
		    const char *);
static void	config_check_pair(struct config_loader *, const char *,
		    const char *);
static void	config_finish(struct config_loader *, struct config *);
static int	config_provider_cmp(const void *, const void *);
static void	config_free_fields(struct config *);
static void	config_provider_clear(struct provider_conf *);
static void	config_client_clear(struct client_conf *);
static void	config_user_clear(struct user_conf *);

/* The range of a number option as docs and errors show it, or "". */
static void
config_range(const struct config_opt *opt, char *buf, size_t len)
{
	switch (opt->type) {
	case CONFIG_OPT_INT:
	case CONFIG_OPT_SIZE:
		snprintf(buf, len, "%ld..%ld", (long)opt->min, (long)opt->max);
		break;
	case CONFIG_OPT_RATE:
		snprintf(buf, len, "more than %g, at most %g", opt->min,
		    opt->max);
		break;
	default:
		snprintf(buf, len, "%s", "");
		break;
	}
}

/* Give every option of table its default, as if written on line 0. */
static void
config_defaults(struct config_loader *ld, const struct config_opt *table,
    size_t n, void *base, struct config *cfg)
{
	struct config_ent	e;
	size_t			i;

	for (i = 0; i < n; i++) {
		if (table[i].def == NULL)
			continue;
		e.key = (char *)table[i].key;
		e.value = (char *)table[i].def;
		e.line = 0;
		if (config_apply(ld, &e, &table[i], base, cfg) == -1)
			fatalx("%s: the default of %s is not valid", __func__,
			    table[i].key);
	}
}

/* Check e against opt and store it at base + opt->off. */
static int
config_apply(struct config_loader *ld, const struct config_ent *e,
    const struct config_opt *opt, void *base, struct config *cfg)
{
	char		*field = (char *)base + opt->off;
	char		 show[CONFIG_SHOW_MAX + 8], range[64], why[128], *end;
	char		*s;
	const char	*p;
	double		 d;
	long		 l;
	size_t		 i;

	config_show(e->value, show, sizeof(show));
	switch (opt->type) {
	case CONFIG_OPT_INT:
	case CONFIG_OPT_SIZE:
		if (config_parse_long(e->value, &l) == -1) {
			config_error(ld, e->line, e->key, "'%s' is not a "
			    "whole number", show);
			return -1;
		}
		if (l < (long)opt->min || l > (long)opt->max) {
			config_range(opt, range, sizeof(range));
			config_error(ld, e->line, e->key, "%ld is out of range "
			    "(%s)", l, range);
			return -1;
		}
		if (opt->type == CONFIG_OPT_INT)
			*(int *)(void *)field = (int)l;
		else
			*(size_t *)(void *)field = (size_t)l;
		return 0;
	case CONFIG_OPT_RATE:
		errno = 0;
		d = strtod(e->value, &end);
		if (errno != 0 || *end != '\0' || isspace((unsigned char)
		    e->value[0]) || !isfinite(d)) {
			config_error(ld, e->line, e->key, "'%s' is not a "
			    "number", show);
			return -1;
		}
		if (d <= opt->min || d > opt->max) {
			config_range(opt, range, sizeof(range));
			config_error(ld, e->line, e->key, "%s is out of range "
			    "(%s)", show, range);
			return -1;
		}
		*(double *)(void *)field = d;
		return 0;
	case CONFIG_OPT_STR:
	case CONFIG_OPT_PATH:
		if (*e->value == '\0') {
			config_error(ld, e->line, e->key, "empty value");
			return -1;
		}
		s = xstrdup(e->value);
		free(*(char **)(void *)field);
		*(char **)(void *)field = s;
		return 0;
	case CONFIG_OPT_LISTEN:
		return config_check_listen(ld, e, cfg);
	case CONFIG_OPT_URL:
		if (config_check_url(ld, e, &s) == -1)
			return -1;
		free(*(char **)(void *)field);
		*(char **)(void *)field = s;
		return 0;
	case CONFIG_OPT_REGION:
		p = e->value;
		if (strlen(p) != 2 || p[0] < 'A' || p[0] > 'Z' ||
		    p[1] < 'A' || p[1] > 'Z') {
			config_error(ld, e->line, e->key, "'%s' is not a "
			    "region (two capital letters, like SE)", show);
			return -1;
		} else {
			char	tmp[PHONE_MAX];

			/* The phone module must be able to use it. */
			if (phone_normalize("+46701234567", p, tmp,
			    sizeof(tmp), why, sizeof(why)) == -1) {
				config_error(ld, e->line, e->key, "%s", why);
				return -1;
			}
		}
		memcpy(field, p, 3);
		return 0;
	case CONFIG_OPT_FROM:
		if (config_check_from(ld, e) == -1)
			return -1;
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(e->value);
		return 0;
	case CONFIG_OPT_TYPE:
		if (config_check_type(ld, e) == -1)
			return -1;
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(e->value);
		return 0;
	case CONFIG_OPT_TOKEN:
		for (i = 0; isxdigit((unsigned char)e->value[i]); i++)
			;
		if (i != 64 || e->value[i] != '\0') {
			config_error(ld, e->line, e->key, "must be 64 hex "
			    "digits (the SHA-256 of the bearer token)");
			return -1;
		}
		for (i = 0; i < 64; i++)
			field[i] = (char)tolower((unsigned char)e->value[i]);
		field[64] = '\0';
		return 0;
	case CONFIG_OPT_SCOPES:
		return config_check_scopes(ld, e,
		    (unsigned int *)(void *)field);
	case CONFIG_OPT_BOOL:
		if (strcasecmp(e->value, "yes") != 0 &&
		    strcasecmp(e->value, "no") != 0) {
			config_error(ld, e->line, e->key, "'%s' must be yes or "
			    "no", show);
			return -1;
		}
		*(bool *)(void *)field = strcasecmp(e->value, "yes") == 0;
		return 0;
	case CONFIG_OPT_SECRET:
		if (strlen(e->value) < 16) {
			config_error(ld, e->line, e->key, "too short (16 "
			    "characters at least)");
			return -1;
		}
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(e->value);
		return 0;
	case CONFIG_OPT_ADDRS:
		if (config_check_addrs(ld, e) == -1)
			return -1;
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(e->value);
		return 0;
	case CONFIG_OPT_ZONE:
		/* Loaded once the file is read (config_finish). */
		if (*e->value == '\0' || *e->value == '/' ||
		    strstr(e->value, "..") != NULL) {
			config_error(ld, e->line, e->key, "'%s' is not a time "
			    "zone name (like Europe/Stockholm)", show);
			return -1;
		}
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(e->value);
		return 0;
	case CONFIG_OPT_WINDOW:
		if (tz_window_parse(e->value, (struct tz_window *)(void *)field,
		    why, sizeof(why)) == -1) {
			config_error(ld, e->line, e->key, "%s", why);
			return -1;
		}
		return 0;
	case CONFIG_OPT_HHMM:
		if ((*(int *)(void *)field = tz_hhmm(e->value)) == -1) {
			config_error(ld, e->line, e->key, "'%s' is not a time "
			    "of day HH:MM", show);
			return -1;
		}
		return 0;
	case CONFIG_OPT_PWHASH:
		if (password_check_format(e->value, why, sizeof(why)) == -1) {
			config_error(ld, e->line, e->key, "%s", why);
			return -1;
		}
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(e->value);
		return 0;
	case CONFIG_OPT_ROLE:
		if ((l = role_parse(e->value)) == -1) {
			config_error(ld, e->line, e->key, "'%s' is not a role "
			    "(viewer, sender, approver, admin)", show);
			return -1;
		}
		*(enum role *)(void *)field = (enum role)l;
		return 0;
	}
	return -1;
}

/* The option key in table, or NULL. */
static const struct config_opt *
config_opt_find(const struct config_opt *table, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i].key, key) == 0)
			return &table[i];
	return NULL;
}

/* Report a key the section does not take (hinting at lowercase). */
static void
config_unknown_key(struct config_loader *ld, const struct config_sec *sec,
    const struct config_ent *e, const struct config_opt *table, size_t n)
{
	char	lower[64];
	size_t	i;

	for (i = 0; e->key[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)e->key[i]);
	lower[i] = '\0';
	if (strcmp(lower, e->key) != 0 &&
	    config_opt_find(table, n, lower) != NULL)
		config_error(ld, e->line, e->key, "unknown key in [%s] "
		    "(keys are lowercase: %s)", sec->label, lower);
	else
		config_error(ld, e->line, e->key, "unknown key in [%s]",
		    sec->label);
}

/* Report the required keys of table that sec lacks. */
static void
config_check_required(struct config_loader *ld, const struct config_sec *sec,
    const struct config_opt *table, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (table[i].required &&
		    config_sec_get(sec, table[i].key) == NULL)
			config_error(ld, sec->line, table[i].key, "missing; "
			    "[%s] needs it", sec->label);
}

/* The entry key of sec, or NULL. */
static const struct config_ent *
config_sec_get(const struct config_sec *sec, const char *key)
{
	size_t	i;

	for (i = 0; i < sec->nents; i++)
		if (strcmp(sec->ents[i].key, key) == 0)
			return &sec->ents[i];
	return NULL;
}

/* Apply a [gateway] or [dispatch] section to cfg. */
static void
config_do_gateway(struct config_loader *ld, const struct config_sec *sec,
    const struct config_opt *table, size_t n, struct config *cfg)
{
	const struct config_opt	*opt;
	size_t			 i;

	for (i = 0; i < sec->nents; i++) {
		if ((opt = config_opt_find(table, n, sec->ents[i].key)) == NULL)
			config_unknown_key(ld, sec, &sec->ents[i], table, n);
		else
			config_apply(ld, &sec->ents[i], opt, cfg, cfg);
	}
}

/*
 * The keys a provider of ops takes, for an error: every provider's
 * (config_provider_opts), then its type's own, ", " between.
 */
static void
provider_keys(const struct adapter_ops *ops, char *buf, size_t len)
{
	size_t	i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < nitems(config_provider_opts) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    i > 0 ? ", " : "", config_provider_opts[i].key);
	for (i = 0; ops->keys != NULL && ops->keys[i] != NULL && used < len;
	    i++)
		used += (size_t)snprintf(buf + used, len - used, ", %s",
		    ops->keys[i]);
}

/* Apply a [provider NAME] section: a new entry in cfg->providers. */
static void
config_do_provider(struct config_loader *ld, const struct config_sec *sec,
    struct config *cfg)
{
	const struct adapter_ops	*ops = NULL;
	const struct config_opt		*opt;
	const struct config_ent		*e, *te;
	struct provider_conf		 pc;
	char				 keys[256];
	size_t				 i, k;
	bool				 ok = true;

	memset(&pc, 0, sizeof(pc));
	pc.name = xstrdup(sec->name);
	pc.file = cfg->path;
	pc.line = sec->line;
	config_defaults(ld, config_provider_opts,
	    nitems(config_provider_opts), &pc, cfg);
	for (i = 0; i < sec->nents; i++) {
		e = &sec->ents[i];
		if ((opt = config_opt_find(config_provider_opts,
		    nitems(config_provider_opts), e->key)) != NULL &&
		    config_apply(ld, e, opt, &pc, cfg) == -1)
			ok = false;
	}
	config_check_required(ld, sec, config_provider_opts,
	    nitems(config_provider_opts));
	if ((te = config_sec_get(sec, "type")) != NULL)
		ops = adapter_lookup(te->value);
	if (ops == NULL)
		ok = false;

	/* The rest must be keys of the adapter type. */
	for (i = 0; i < sec->nents; i++) {
		e = &sec->ents[i];
		if (config_opt_find(config_provider_opts,
		    nitems(config_provider_opts), e->key) != NULL)
			continue;
		if (ops == NULL)
			continue;	/* the type error says it all */
		for (k = 0; ops->keys != NULL && ops->keys[k] != NULL; k++)
			if (strcmp(ops->keys[k], e->key) == 0)
				break;
		if (ops->keys == NULL || ops->keys[k] == NULL) {
			provider_keys(ops, keys, sizeof(keys));
			config_error(ld, e->line, e->key, "unknown key for "
			    "type %s (it takes %s)", ops->type, keys);
			ok = false;
			continue;
		}
		pc.opts = xrealloc(pc.opts, (pc.nopts + 1) * sizeof(*pc.opts));
		pc.opts[pc.nopts].key = xstrdup(e->key);
		pc.opts[pc.nopts].value = xstrdup(e->value);
		pc.opts[pc.nopts].line = e->line;
		pc.nopts++;
	}
	if (!ok || sec->dup) {
		config_provider_clear(&pc);
		return;
	}
	cfg->providers = xrealloc(cfg->providers,
	    (cfg->nproviders + 1) * sizeof(*cfg->providers));
	cfg->providers[cfg->nproviders++] = pc;
}

/*
 * Apply every key of a named section (client, user) to base against
 * table; false if a key is unknown or wrong, or a required one missing.
 */
static bool
config_apply_section(struct config_loader *ld, const struct config_sec *sec,
    const struct config_opt *table, size_t n, void *base, struct config *cfg)
{
	const struct config_opt	*opt;
	const struct config_ent	*e;
	size_t			 i;
	bool			 ok = true;

	for (i = 0; i < sec->nents; i++) {
		e = &sec->ents[i];
		if ((opt = config_opt_find(table, n, e->key)) == NULL) {
			config_unknown_key(ld, sec, e, table, n);
			ok = false;
		} else if (config_apply(ld, e, opt, base, cfg) == -1)
			ok = false;
	}
	for (i = 0; i < n; i++)
		if (table[i].required && config_sec_get(sec,
		    table[i].key) == NULL)
			ok = false;
	config_check_required(ld, sec, table, n);
	return ok;
}

/* Apply a [client NAME] section: a new entry in cfg->clients. */
static void
config_do_client(struct config_loader *ld, const struct config_sec *sec,
    struct config *cfg)
{
	const struct config_ent	*e;
	struct client_conf	 cc;
	size_t			 i;
	bool			 ok;

	memset(&cc, 0, sizeof(cc));
	cc.name = xstrdup(sec->name);
	cc.line = sec->line;
	ok = config_apply_section(ld, sec, config_client_opts,
	    nitems(config_client_opts), &cc, cfg);
	if (ok && !sec->dup)
		for (i = 0; i < cfg->nclients; i++)
			if (strcmp(cfg->clients[i].token_sha256,
			    cc.token_sha256) == 0) {
				e = config_sec_get(sec, "token_sha256");
				config_error(ld, e->line, e->key, "the same "
				    "token as [client %s]",
				    cfg->clients[i].name);
				ok = false;
			}
	if (!ok || sec->dup) {
		config_client_clear(&cc);
		return;
	}
	cfg->clients = xrealloc(cfg->clients,
	    (cfg->nclients + 1) * sizeof(*cfg->clients));
	cfg->clients[cfg->nclients++] = cc;
}

/* Apply a [user NAME] section: a new entry in cfg->users. */
static void
config_do_user(struct config_loader *ld, const struct config_sec *sec,
    struct config *cfg)
{
	struct user_conf	 uc;

	memset(&uc, 0, sizeof(uc));
	uc.name = xstrdup(sec->name);
	uc.line = sec->line;
	if (!config_apply_section(ld, sec, config_user_opts,
	    nitems(config_user_opts), &uc, cfg) || sec->dup) {
		config_user_clear(&uc);
		return;
	}
	cfg->users = xrealloc(cfg->users,
	    (cfg->nusers + 1) * sizeof(*cfg->users));
	cfg->users[cfg->nusers++] = uc;
}

/* p made absolute against cfg->dir (":memory:" and /abs kept). */
static char *
config_resolve(const struct config *cfg, const char *p)
{
	char	*s;

	if (p[0] == '/' || strcmp(p, ":memory:") == 0)
		return xstrdup(p);
	if ((s = str_printf("%s/%s", cfg->dir, p)) == NULL)
		fatalx("%s: out of memory", __func__);
	return s;
}

/* The last entry key of the sections of kind, or NULL (a default). */
static const struct config_ent *
config_key(struct config_loader *ld, enum config_sec_kind kind,
    const char *key)
{
	const struct config_ent	*e, *last = NULL;
	size_t			 i;

	for (i = 0; i < ld->nsecs; i++)
		if (ld->secs[i].kind == kind && !ld->secs[i].ignore &&
		    !ld->secs[i].dup &&
		    (e = config_sec_get(&ld->secs[i], key)) != NULL)
			last = e;
	return last;
}

/* [gateway] keys a and b come both or neither: the error names the one. */
static void
config_check_pair(struct config_loader *ld, const char *a, const char *b)
{
	const struct config_ent	*ea = NULL, *eb = NULL;
	size_t			 i;

	for (i = 0; i < ld->nsecs; i++) {
		if (ld->secs[i].kind != CONFIG_SEC_GATEWAY ||
		    ld->secs[i].ignore || ld->secs[i].dup)
			continue;
		ea = config_sec_get(&ld->secs[i], a);
		eb = config_sec_get(&ld->secs[i], b);
	}
	if (ea != NULL && eb == NULL)
		config_error(ld, ea->line, a, "needs %s as well (both or "
		    "neither)", b);
	else if (eb != NULL && ea == NULL)
		config_error(ld, eb->line, b, "needs %s as well (both or "
		    "neither)", a);
}

/* Defaults, resolved paths and the checks across keys. */
static void
config_finish(struct config_loader *ld, struct config *cfg)
{
	char			**paths[] = { &cfg->database, &cfg->templates,
				    &cfg->trygghetspunkter, &cfg->areas,
				    &cfg->port_file, &cfg->tls_cert,
				    &cfg->tls_key, &cfg->console };
	const struct config_sec	*sec;
	const struct config_ent	*e;
	const char		*scheme;
	char			*s, why[256];
	size_t			 i, j;

	if (cfg->public_url == NULL) {
		scheme = cfg->tls_cert != NULL ? "https" : "http";
		s = strchr(cfg->listen_host, ':') != NULL ?
		    str_printf("%s://[%s]:%d", scheme, cfg->listen_host,
		    cfg->listen_port) :
		    str_printf("%s://%s:%d", scheme, cfg->listen_host,
		    cfg->listen_port);
		if (s == NULL)
			fatalx("%s: out of memory", __func__);
		cfg->public_url = s;
	}
	config_check_pair(ld, "tls_cert", "tls_key");
	tz_free(cfg->tz);
	if ((cfg->tz = tz_load(cfg->timezone, why, sizeof(why))) == NULL) {
		e = config_key(ld, CONFIG_SEC_GATEWAY, "timezone");
		config_error(ld, e != NULL ? e->line : 0, "timezone", "%s",
		    why);
	}
	for (i = 0; i < nitems(paths); i++)
		if (*paths[i] != NULL) {
			s = config_resolve(cfg, *paths[i]);
			free(*paths[i]);
			*paths[i] = s;
		}

	if (cfg->retry_max_ms < cfg->retry_base_ms) {
		/* Point at retry_max_ms, or at retry_base_ms if defaulted. */
		e = NULL;
		for (i = 0; i < ld->nsecs; i++) {
			sec = &ld->secs[i];
			if (sec->kind != CONFIG_SEC_DISPATCH || sec->ignore ||
			    sec->dup)
				continue;
			if ((e = config_sec_get(sec, "retry_max_ms")) == NULL)
				e = config_sec_get(sec, "retry_base_ms");
		}
		if (e != NULL && strcmp(e->key, "retry_base_ms") == 0)
			config_error(ld, e->line, e->key, "%d is above "
			    "retry_max_ms (%d)", cfg->retry_base_ms,
			    cfg->retry_max_ms);
		else
			config_error(ld, e ? e->line : 0, "retry_max_ms", "%d "
			    "is below retry_base_ms (%d)", cfg->retry_max_ms,
			    cfg->retry_base_ms);
	}

	/*
	 * Alerts and the audit name their writer by name alone: a person
	 * and a machine may not share one.
	 */
	for (i = 0; i < cfg->nusers; i++)
		for (j = 0; j < cfg->nclients; j++)
			if (strcmp(cfg->users[i].name,
			    cfg->clients[j].name) == 0)
				config_error(ld, cfg->users[i].line, "user",
				    "[user %s] has the name of [client %s] "
				    "(line %d): alerts and the audit name "
				    "both by name", cfg->users[i].name,
				    cfg->clients[j].name, cfg->clients[j].line);

	/* A name is also a URL part: /hooks/NAME; sections keep it unique. */
	for (i = 0, j = 0; i < ld->nsecs; i++)
		if (ld->secs[i].kind == CONFIG_SEC_PROVIDER &&
		    !ld->secs[i].ignore)
			j++;
	if (j == 0)
		config_error(ld, 0, "provider", "no [provider NAME] section; "
		    "at least one is needed");
	if (cfg->nproviders > 1)
		qsort(cfg->providers, cfg->nproviders,
		    sizeof(*cfg->providers), config_provider_cmp);
}

/* Providers by priority, then name. */
static int
config_provider_cmp(const void *a, const void *b)
{
	const struct provider_conf	*x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config_loader	 ld;
	struct config		*cfg, scratch;
	const struct config_sec	*sec;
	char			*slash, *dir, *real;
	size_t			 i;
	bool			 exposed;

	if (errlen > 0)
		err[0] = '\0';
	memset(&ld, 0, sizeof(ld));
	ld.file = path;
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(path);
	if ((slash = strrchr(path, '/')) == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	/* Absolute, so that a daemon changing folder still finds files. */
	if ((real = realpath(dir, NULL)) != NULL) {
		free(dir);
		dir = xstrdup(real);
		free(real);
	}
	cfg->dir = dir;
	config_defaults(&ld, config_gateway_opts, nitems(config_gateway_opts),
	    cfg, cfg);
	config_defaults(&ld, config_dispatch_opts,
	    nitems(config_dispatch_opts), cfg, cfg);

	if (config_read(&ld, path, &exposed) == -1)
		goto fail;
	for (i = 0; i < ld.nsecs; i++) {
		sec = &ld.secs[i];
		if (sec->ignore)
			continue;
		switch (sec->kind) {
		case CONFIG_SEC_GATEWAY:
		case CONFIG_SEC_DISPATCH:
			/* A duplicate is still checked, into a scratch copy. */
			memset(&scratch, 0, sizeof(scratch));
			scratch.path = cfg->path;
			config_do_gateway(&ld, sec,
			    sec->kind == CONFIG_SEC_GATEWAY ?
			    config_gateway_opts : config_dispatch_opts,
			    sec->kind == CONFIG_SEC_GATEWAY ?
			    nitems(config_gateway_opts) :
			    nitems(config_dispatch_opts),
			    sec->dup ? &scratch : cfg);
			scratch.path = NULL;
			config_free_fields(&scratch);
			break;
		case CONFIG_SEC_PROVIDER:
			config_do_provider(&ld, sec, cfg);
			break;
		case CONFIG_SEC_CLIENT:
			config_do_client(&ld, sec, cfg);
			break;
		case CONFIG_SEC_USER:
			config_do_user(&ld, sec, cfg);
			break;
		}
	}
	config_finish(&ld, cfg);
	if (exposed && ld.secrets)
		log_warnx("%s holds secrets but others can read it: "
		    "chmod 600 %s (or 640 with a group of varseld's own)",
		    path, path);
	if (ld.nerrs > 0)
		goto fail;
	config_loader_clear(&ld);
	return cfg;
fail:
	config_errors_out(&ld, err, errlen);
	config_loader_clear(&ld);
	config_free(cfg);
	return NULL;
}

/* Free a provider section's strings. */
static void
config_provider_clear(struct provider_conf *pc)
{
	size_t	i;

	free(pc->name);
	free(pc->type);
	free(pc->from);
	free(pc->base_url);
	for (i = 0; i < pc->nopts; i++) {
		free(pc->opts[i].key);
		free(pc->opts[i].value);
	}
	free(pc->opts);
}

/* Free a client section's strings. */
static void
config_client_clear(struct client_conf *cc)
{
	free(cc->name);
	free(cc->hmac_secret);
	free(cc->callback_hosts);
}

/* Free a user section's strings. */
static void
config_user_clear(struct user_conf *uc)
{
	free(uc->name);
	free_secret(uc->password_hash);
}

/* Free what cfg points to, not cfg itself. */
static void
config_free_fields(struct config *cfg)
{
	size_t	i;

	free(cfg->path);
	free(cfg->dir);
	free(cfg->listen_host);
	free(cfg->database);
	free(cfg->public_url);
	free(cfg->templates);
	free(cfg->trygghetspunkter);
	free(cfg->areas);
	free(cfg->emergency_number);
	free(cfg->duty_number);
	free(cfg->timezone);
	tz_free(cfg->tz);
	free(cfg->port_file);
	free(cfg->media_cache);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->trusted_proxy);
	free(cfg->console);
	for (i = 0; i < cfg->nusers; i++)
		config_user_clear(&cfg->users[i]);
	free(cfg->users);
	for (i = 0; i < cfg->nproviders; i++)
		config_provider_clear(&cfg->providers[i]);
	free(cfg->providers);
	for (i = 0; i < cfg->nclients; i++)
		config_client_clear(&cfg->clients[i]);
	free(cfg->clients);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	config_free_fields(cfg);
	free(cfg);
}

const struct user_conf *
config_user(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < cfg->nusers; i++)
		if (strcmp(cfg->users[i].name, name) == 0)
			return &cfg->users[i];
	return NULL;
}

int
config_reload_users(struct config *cfg, char *err, size_t errlen)
{
	struct config	*fresh;
	size_t		 i;

	if ((fresh = config_load(cfg->path, err, errlen)) == NULL)
		return -1;
	for (i = 0; i < cfg->nusers; i++)
		config_user_clear(&cfg->users[i]);
	free(cfg->users);
	cfg->users = fresh->users;
	cfg->nusers = fresh->nusers;
	fresh->users = NULL;
	fresh->nusers = 0;
	config_free(fresh);
	return 0;
}

int
config_doc_nth(size_t i, struct config_doc *d)
{
	const struct config_opt	*opt;
	size_t			 t;

	for (t = 0; t < nitems(config_tables); t++) {
		if (i >= config_tables[t].n) {
			i -= config_tables[t].n;
			continue;
		}
		opt = &config_tables[t].opts[i];
		d->section = config_tables[t].section;
		d->key = opt->key;
		d->def = opt->def;
		d->help = opt->help;
		d->required = opt->required;
		config_range(opt, d->range, sizeof(d->range));
		return 0;
	}
	return -1;
}
