/*
 * The INI configuration of varseld (design/API.md). The file is read in
 * two steps: first into sections of key = value entries (config_ini.c),
 * then every entry is checked against an option table here and stored
 * in struct config.
 * All errors of the file are collected, one "file:line: key: what" per
 * line, so an operator fixes them in one go.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
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
	CONFIG_OPT_BOOL		/* yes or no */
};

/* A key a section takes: where it goes and what it may hold. */
struct config_opt {
	const char		*key;
	enum config_opt_type	 type;
	size_t			 off;	/* in struct config or the section's */
	double			 min;
	double			 max;
	bool			 required;
};

static const struct config_opt config_gateway_opts[] = {
	{ "listen", CONFIG_OPT_LISTEN, 0, 0, 0, false },
	{ "database", CONFIG_OPT_PATH, offsetof(struct config, database),
	    0, 0, false },
	{ "public_url", CONFIG_OPT_URL, offsetof(struct config, public_url),
	    0, 0, false },
	{ "default_region", CONFIG_OPT_REGION,
	    offsetof(struct config, default_region), 0, 0, false },
	{ "templates", CONFIG_OPT_PATH, offsetof(struct config, templates),
	    0, 0, false },
	{ "trygghetspunkter", CONFIG_OPT_PATH,
	    offsetof(struct config, trygghetspunkter), 0, 0, false },
	{ "areas", CONFIG_OPT_PATH, offsetof(struct config, areas),
	    0, 0, false },
	{ "emergency_number", CONFIG_OPT_STR,
	    offsetof(struct config, emergency_number), 0, 0, false },
	{ "max_body_bytes", CONFIG_OPT_SIZE,
	    offsetof(struct config, max_body_bytes), 1024, 67108864, false },
	{ "max_segments", CONFIG_OPT_INT,
	    offsetof(struct config, max_segments), 1, 10, false },
	{ "port_file", CONFIG_OPT_PATH, offsetof(struct config, port_file),
	    0, 0, false },
	{ "metrics_public", CONFIG_OPT_BOOL,
	    offsetof(struct config, metrics_public), 0, 0, false },
};

static const struct config_opt config_dispatch_opts[] = {
	{ "max_attempts", CONFIG_OPT_INT,
	    offsetof(struct config, max_attempts), 1, 100, false },
	{ "retry_base_ms", CONFIG_OPT_INT,
	    offsetof(struct config, retry_base_ms), 1, 3600000, false },
	{ "retry_max_ms", CONFIG_OPT_INT,
	    offsetof(struct config, retry_max_ms), 1, INT_MAX, false },
	{ "batch_max", CONFIG_OPT_INT,
	    offsetof(struct config, batch_max), 1, 10000, false },
	{ "shutdown_grace_ms", CONFIG_OPT_INT,
	    offsetof(struct config, shutdown_grace_ms), 0, 600000, false },
	{ "breaker_failures", CONFIG_OPT_INT,
	    offsetof(struct config, breaker_failures), 1, 1000, false },
	{ "breaker_cooldown_ms", CONFIG_OPT_INT,
	    offsetof(struct config, breaker_cooldown_ms), 100, 3600000, false },
	{ "default_expires_s", CONFIG_OPT_INT,
	    offsetof(struct config, default_expires_s), 0, 2592000, false },
	{ "voice_retries", CONFIG_OPT_INT,
	    offsetof(struct config, voice_retries), 0, 10, false },
	{ "voice_retry_ms", CONFIG_OPT_INT,
	    offsetof(struct config, voice_retry_ms), 1000, 3600000, false },
	{ "media_cache", CONFIG_OPT_PATH,
	    offsetof(struct config, media_cache), 0, 0, false },
};

static const struct config_opt config_provider_opts[] = {
	{ "type", CONFIG_OPT_TYPE, offsetof(struct provider_conf, type),
	    0, 0, true },
	{ "priority", CONFIG_OPT_INT,
	    offsetof(struct provider_conf, priority), 0, 1000, false },
	{ "rate", CONFIG_OPT_RATE, offsetof(struct provider_conf, rate),
	    0, 100000, false },
	{ "max_connections", CONFIG_OPT_INT,
	    offsetof(struct provider_conf, max_connections), 1, 1024, false },
	{ "from", CONFIG_OPT_FROM, offsetof(struct provider_conf, from),
	    0, 0, false },
	{ "base_url", CONFIG_OPT_URL,
	    offsetof(struct provider_conf, base_url), 0, 0, false },
	{ "timeout_ms", CONFIG_OPT_INT,
	    offsetof(struct provider_conf, timeout_ms), 100, 120000, false },
};

static const struct config_opt config_client_opts[] = {
	{ "token_sha256", CONFIG_OPT_TOKEN,
	    offsetof(struct client_conf, token_sha256), 0, 0, true },
	{ "scopes", CONFIG_OPT_SCOPES, offsetof(struct client_conf, scopes),
	    0, 0, true },
	{ "hmac_secret", CONFIG_OPT_SECRET,
	    offsetof(struct client_conf, hmac_secret), 0, 0, false },
	{ "callback_hosts", CONFIG_OPT_STR,
	    offsetof(struct client_conf, callback_hosts), 0, 0, false },
};

/* Scope names, in the order of enum scope. */
static const struct {
	const char	*name;
	unsigned int	 bit;
} config_scopes[] = {
	{ "alerts:write", SCOPE_ALERTS_WRITE },
	{ "alerts:read", SCOPE_ALERTS_READ },
	{ "contacts:write", SCOPE_CONTACTS_WRITE },
	{ "contacts:read", SCOPE_CONTACTS_READ },
	{ "metrics:read", SCOPE_METRICS_READ },
};

static int	config_check_listen(struct config_loader *,
		    const struct config_ent *, struct config *);
static int	config_check_url(struct config_loader *,
		    const struct config_ent *, char **);
static int	config_check_from(struct config_loader *,
		    const struct config_ent *);
static int	config_check_type(struct config_loader *,
		    const struct config_ent *);
static int	config_check_scopes(struct config_loader *,
		    const struct config_ent *, unsigned int *);
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
static char	*config_resolve(const struct config *, const char *);
static void	config_finish(struct config_loader *, struct config *);
static int	config_provider_cmp(const void *, const void *);
static void	config_free_fields(struct config *);
static void	config_provider_clear(struct provider_conf *);
static void	config_client_clear(struct client_conf *);

/* listen = host:port (IPv6 as [::1]:8025). */
static int
config_check_listen(struct config_loader *ld, const struct config_ent *e,
    struct config *cfg)
{
	const char	*v = e->value, *colon, *hs, *he;
	char		 show[CONFIG_SHOW_MAX + 8];
	long		 port;

	config_show(v, show, sizeof(show));
	if (*v == '[') {
		hs = v + 1;
		if ((he = strchr(hs, ']')) == NULL || he[1] != ':') {
			config_error(ld, e->line, e->key, "'%s' is not "
			    "host:port ([addr]:port for IPv6)", show);
			return -1;
		}
		colon = he + 1;
	} else {
		hs = v;
		if ((colon = strrchr(v, ':')) == NULL ||
		    memchr(v, ':', (size_t)(colon - v)) != NULL) {
			config_error(ld, e->line, e->key, "'%s' is not "
			    "host:port ([addr]:port for IPv6)", show);
			return -1;
		}
		he = colon;
	}
	if (he == hs || strpbrk(v, " \t") != NULL) {
		config_error(ld, e->line, e->key, "'%s': no host", show);
		return -1;
	}
	if (config_parse_long(colon + 1, &port) == -1 || colon[1] == '-' ||
	    colon[1] == '+' || port < 0 || port > 65535) {
		config_error(ld, e->line, e->key, "'%s': the port must be "
		    "0..65535 (0: any free port)", show);
		return -1;
	}
	free(cfg->listen_host);
	cfg->listen_host = xstrndup(hs, (size_t)(he - hs));
	cfg->listen_port = (int)port;
	return 0;
}

/* An http:// or https:// URL with a host; trailing slashes dropped. */
static int
config_check_url(struct config_loader *ld, const struct config_ent *e,
    char **out)
{
	const char	*v = e->value, *host;
	char		 show[CONFIG_SHOW_MAX + 8];
	size_t		 len;

	config_show(v, show, sizeof(show));
	if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else {
		config_error(ld, e->line, e->key, "'%s' must start with "
		    "http:// or https://", show);
		return -1;
	}
	if (*host == '\0' || *host == '/' || strpbrk(v, " \t") != NULL) {
		config_error(ld, e->line, e->key, "'%s' is not a URL with a "
		    "host", show);
		return -1;
	}
	len = strlen(v);
	while (len > (size_t)(host - v) && v[len - 1] == '/')
		len--;
	*out = xstrndup(v, len);
	return 0;
}

/* from = an alphanumeric sender (<= 11, a letter) or +E.164. */
static int
config_check_from(struct config_loader *ld, const struct config_ent *e)
{
	const char	*v = e->value, *p;
	char		 show[CONFIG_SHOW_MAX + 8];
	size_t		 n;
	bool		 letter = false, ok = true;

	if (*v == '+') {
		for (p = v + 1; *p != '\0'; p++)
			if (!isdigit((unsigned char)*p))
				ok = false;
		n = strlen(v + 1);
		if (ok && n >= 7 && n <= 15 && v[1] != '0')
			return 0;
	} else {
		for (p = v; *p != '\0'; p++) {
			if (isalpha((unsigned char)*p))
				letter = true;
			else if (!isdigit((unsigned char)*p) && *p != ' ')
				ok = false;
		}
		n = strlen(v);
		if (ok && letter && n <= 11)
			return 0;
	}
	config_show(v, show, sizeof(show));
	config_error(ld, e->line, e->key, "'%s' is neither a sender name "
	    "(at most 11 letters, digits or spaces, one letter at least) nor "
	    "a number like +46701234567", show);
	return -1;
}

/* type = a registered adapter type. */
static int
config_check_type(struct config_loader *ld, const struct config_ent *e)
{
	const struct adapter_ops	*ops;
	char				 known[256], show[CONFIG_SHOW_MAX + 8];
	size_t				 i, used = 0;

	if (adapter_lookup(e->value) != NULL)
		return 0;
	known[0] = '\0';
	for (i = 0; (ops = adapter_nth(i)) != NULL && used < sizeof(known);
	    i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used,
		    "%s%s", i > 0 ? ", " : "", ops->type);
	config_show(e->value, show, sizeof(show));
	config_error(ld, e->line, e->key, "unknown provider type '%s' "
	    "(known: %s)", show, known);
	return -1;
}

/* scopes = space-separated scope names. */
static int
config_check_scopes(struct config_loader *ld, const struct config_ent *e,
    unsigned int *out)
{
	char		*copy, *word, *save = NULL;
	char		 show[CONFIG_SHOW_MAX + 8];
	unsigned int	 bits = 0, bit;
	int		 rv = 0;

	copy = xstrdup(e->value);
	for (word = strtok_r(copy, " \t", &save); word != NULL;
	    word = strtok_r(NULL, " \t", &save)) {
		if ((bit = scope_parse(word)) == 0) {
			config_show(word, show, sizeof(show));
			config_error(ld, e->line, e->key, "unknown scope '%s' "
			    "(known: alerts:write alerts:read contacts:write "
			    "contacts:read)", show);
			rv = -1;
		}
		bits |= bit;
	}
	free(copy);
	if (rv == 0 && bits == 0) {
		config_error(ld, e->line, e->key, "no scope given");
		rv = -1;
	}
	*out = bits;
	return rv;
}

/* Check e against opt and store it at base + opt->off. */
static int
config_apply(struct config_loader *ld, const struct config_ent *e,
    const struct config_opt *opt, void *base, struct config *cfg)
{
	char		*field = (char *)base + opt->off;
	char		 show[CONFIG_SHOW_MAX + 8], *end, *s;
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
			config_error(ld, e->line, e->key, "%ld is out of range "
			    "(%ld..%ld)", l, (long)opt->min, (long)opt->max);
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
			config_error(ld, e->line, e->key, "%s is out of range "
			    "(more than %g, at most %g)", show, opt->min,
			    opt->max);
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
			char	tmp[PHONE_MAX], why[128];

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
	size_t				 i, k, used;
	bool				 ok = true;

	memset(&pc, 0, sizeof(pc));
	pc.name = xstrdup(sec->name);
	pc.file = cfg->path;
	pc.line = sec->line;
	pc.priority = 1;
	pc.rate = 100;
	pc.max_connections = 16;
	pc.timeout_ms = 10000;
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
			keys[0] = '\0';
			for (k = 0, used = 0; ops->keys != NULL &&
			    ops->keys[k] != NULL && used < sizeof(keys); k++)
				used += (size_t)snprintf(keys + used,
				    sizeof(keys) - used, "%s%s",
				    k > 0 ? ", " : "", ops->keys[k]);
			config_error(ld, e->line, e->key, "unknown key for "
			    "type %s (it takes type, priority, rate, "
			    "max_connections, from, base_url, timeout_ms%s%s)",
			    ops->type, keys[0] ? ", " : "", keys);
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

/* Apply a [client NAME] section: a new entry in cfg->clients. */
static void
config_do_client(struct config_loader *ld, const struct config_sec *sec,
    struct config *cfg)
{
	const struct config_opt	*opt;
	const struct config_ent	*e;
	struct client_conf	 cc;
	size_t			 i;
	bool			 ok = true;

	memset(&cc, 0, sizeof(cc));
	cc.name = xstrdup(sec->name);
	cc.line = sec->line;
	for (i = 0; i < sec->nents; i++) {
		e = &sec->ents[i];
		if ((opt = config_opt_find(config_client_opts,
		    nitems(config_client_opts), e->key)) == NULL) {
			config_unknown_key(ld, sec, e, config_client_opts,
			    nitems(config_client_opts));
			ok = false;
		} else if (config_apply(ld, e, opt, &cc, cfg) == -1)
			ok = false;
	}
	if (config_sec_get(sec, "token_sha256") == NULL ||
	    config_sec_get(sec, "scopes") == NULL)
		ok = false;
	config_check_required(ld, sec, config_client_opts,
	    nitems(config_client_opts));
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

/* Defaults, resolved paths and the checks across keys. */
static void
config_finish(struct config_loader *ld, struct config *cfg)
{
	char			**paths[] = { &cfg->database, &cfg->templates,
				    &cfg->trygghetspunkter, &cfg->areas,
				    &cfg->port_file };
	const struct config_sec	*sec;
	const struct config_ent	*e;
	char			*s;
	size_t			 i, j;

	if (cfg->listen_host == NULL) {
		cfg->listen_host = xstrdup("127.0.0.1");
		cfg->listen_port = 8025;
	}
	if (cfg->public_url == NULL) {
		s = strchr(cfg->listen_host, ':') != NULL ?
		    str_printf("http://[%s]:%d", cfg->listen_host,
		    cfg->listen_port) :
		    str_printf("http://%s:%d", cfg->listen_host,
		    cfg->listen_port);
		if (s == NULL)
			fatalx("%s: out of memory", __func__);
		cfg->public_url = s;
	}
	if (cfg->default_region[0] == '\0')
		memcpy(cfg->default_region, "SE", 3);
	if (cfg->database == NULL)
		cfg->database = xstrdup("varsel.db");
	if (cfg->templates == NULL)
		cfg->templates = xstrdup("templates");
	if (cfg->emergency_number == NULL)
		cfg->emergency_number = xstrdup("112");
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
	cfg->max_body_bytes = 1048576;
	cfg->max_segments = 4;
	cfg->max_attempts = 6;
	cfg->retry_base_ms = 1000;
	cfg->retry_max_ms = 300000;
	cfg->batch_max = 256;
	cfg->shutdown_grace_ms = 10000;
	cfg->breaker_failures = 5;
	cfg->breaker_cooldown_ms = 30000;
	cfg->default_expires_s = 86400;
	cfg->voice_retries = 2;
	cfg->voice_retry_ms = 120000;

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
		}
	}
	config_finish(&ld, cfg);
	if (exposed && ld.secrets)
		log_warnx("%s holds secrets but others can read it: "
		    "chmod 600 %s", path, path);
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
	free(cfg->port_file);
	free(cfg->media_cache);
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

unsigned int
scope_parse(const char *s)
{
	size_t	i;

	if (s == NULL)
		return 0;
	for (i = 0; i < nitems(config_scopes); i++)
		if (strcmp(config_scopes[i].name, s) == 0)
			return config_scopes[i].bit;
	return 0;
}
