/*
 * The INI configuration of varseld (design/API.md). The file is read in
 * two steps: first into sections of key = value entries, then every
 * entry is checked against an option table and stored in struct config.
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
#include "log.h"
#include "phone.h"
#include "util.h"

#define CONFIG_MAX_BYTES	(1024 * 1024)
#define CONFIG_NAME_MAX		32	/* provider and client names */
#define CONFIG_SHOW_MAX		40	/* bytes of a bad value in errors */

enum config_sec_kind {
	CONFIG_SEC_GATEWAY,
	CONFIG_SEC_DISPATCH,
	CONFIG_SEC_PROVIDER,
	CONFIG_SEC_CLIENT
};

/* One key = value line. */
struct config_ent {
	char	*key;
	char	*value;
	int	 line;
};

/* One [section] with its entries, as written. */
struct config_sec {
	enum config_sec_kind	 kind;
	char			*name;		/* of a provider/client */
	char			*label;		/* "gateway", "provider sim" */
	int			 line;
	bool			 ignore;	/* bad header: no entries */
	bool			 dup;		/* checked, then thrown away */
	struct config_ent	*ents;
	size_t			 nents;
};

/* One error, kept until all are sorted by line. */
struct config_err {
	int	 line;		/* 0: about the whole file */
	size_t	 seq;
	char	*text;		/* "key: what" */
};

/* The state of one config_load. */
struct config_loader {
	const char		*file;
	struct config_sec	*secs;
	size_t			 nsecs;
	struct config_err	*errs;
	size_t			 nerrs;
	bool			 secrets;	/* has a password or such */
};

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
	CONFIG_OPT_SECRET	/* at least 16 characters */
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
};

/* Keys whose values make the file worth protecting. */
static const char *const config_secret_keys[] = {
	"password", "auth_token", "callback_secret", "hmac_secret"
};

static void	config_error(struct config_loader *, int, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static void	config_show(const char *, char *, size_t);
static int	config_err_cmp(const void *, const void *);
static void	config_errors_out(struct config_loader *, char *, size_t);
static bool	config_is_blank(int);
static char	*config_trim(char *);
static bool	config_name_ok(const char *);
static bool	config_rest_ok(const char *);
static void	config_parse_header(struct config_loader *, char *, int);
static void	config_parse_entry(struct config_loader *, char *, int);
static void	config_parse_line(struct config_loader *, char *, int);
static int	config_read(struct config_loader *, const char *, bool *);
static int	config_parse_long(const char *, long *);
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
static void	config_loader_clear(struct config_loader *);

/* Record an error "key: what" (key NULL: "what") at line (0: no line). */
static void
config_error(struct config_loader *ld, int line, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 what[512];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ld->errs = xrealloc(ld->errs, (ld->nerrs + 1) * sizeof(*ld->errs));
	ld->errs[ld->nerrs].line = line;
	ld->errs[ld->nerrs].seq = ld->nerrs;
	ld->errs[ld->nerrs].text = key != NULL ?
	    str_printf("%s: %s", key, what) : xstrdup(what);
	if (ld->errs[ld->nerrs].text == NULL)
		ld->errs[ld->nerrs].text = xstrdup("out of memory");
	ld->nerrs++;
}

/* A bad value as shown in an error: cut short, control chars escaped. */
static void
config_show(const char *s, char *buf, size_t len)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 4 < len; s++) {
		if (o >= CONFIG_SHOW_MAX) {
			buf[o++] = '.';
			buf[o++] = '.';
			buf[o++] = '.';
			break;
		}
		buf[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	}
	buf[o] = '\0';
}

/* Order errors by line, file-wide ones last. */
static int
config_err_cmp(const void *a, const void *b)
{
	const struct config_err	*x = a, *y = b;
	long			 lx, ly;

	lx = x->line > 0 ? x->line : LONG_MAX;
	ly = y->line > 0 ? y->line : LONG_MAX;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Write all errors, one per line, into err. */
static void
config_errors_out(struct config_loader *ld, char *err, size_t errlen)
{
	size_t	i, used = 0;
	int	n;

	if (errlen == 0)
		return;
	err[0] = '\0';
	qsort(ld->errs, ld->nerrs, sizeof(*ld->errs), config_err_cmp);
	for (i = 0; i < ld->nerrs && used + 1 < errlen; i++) {
		if (ld->errs[i].line > 0)
			n = snprintf(err + used, errlen - used, "%s%s:%d: %s",
			    i > 0 ? "\n" : "", ld->file, ld->errs[i].line,
			    ld->errs[i].text);
		else
			n = snprintf(err + used, errlen - used, "%s%s: %s",
			    i > 0 ? "\n" : "", ld->file, ld->errs[i].text);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* A space or a tab. */
static bool
config_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Strip blanks at both ends, in place. */
static char *
config_trim(char *s)
{
	char	*e;

	while (config_is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && config_is_blank(e[-1]))
		e--;
	*e = '\0';
	return s;
}

/* Is s a valid provider or client name ([A-Za-z0-9_-]{1,32})? */
static bool
config_name_ok(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '-')
			return false;
	return n >= 1 && n <= CONFIG_NAME_MAX;
}

/* Is s only blanks, maybe followed by a comment? */
static bool
config_rest_ok(const char *s)
{
	while (config_is_blank(*s))
		s++;
	return *s == '\0' || *s == ';' || *s == '#';
}

/* Start a new section from a "[...]" line. */
static void
config_parse_header(struct config_loader *ld, char *s, int line)
{
	struct config_sec	*sec;
	char			*end, *inner, *name, *label;
	size_t			 i, n;
	bool			 known = true;

	ld->secs = xrealloc(ld->secs, (ld->nsecs + 1) * sizeof(*ld->secs));
	sec = &ld->secs[ld->nsecs++];
	memset(sec, 0, sizeof(*sec));
	sec->line = line;
	sec->ignore = true;	/* until the header proves good */

	if ((end = strchr(s, ']')) == NULL) {
		sec->label = xstrdup("section");
		config_error(ld, line, "section", "missing ']'");
		return;
	}
	*end = '\0';
	if (!config_rest_ok(end + 1)) {
		sec->label = xstrdup(config_trim(s + 1));
		config_error(ld, line, sec->label, "text after ']'");
		return;
	}
	inner = config_trim(s + 1);
	for (n = 0; inner[n] != '\0' && !config_is_blank(inner[n]); n++)
		;
	name = config_trim(inner + n);
	label = *name ? str_printf("%.*s %s", (int)n, inner, name) :
	    xstrndup(inner, n);
	sec->label = label ? label : xstrdup("section");
	if (n == 7 && strncmp(inner, "gateway", n) == 0 && *name == '\0')
		sec->kind = CONFIG_SEC_GATEWAY;
	else if (n == 8 && strncmp(inner, "dispatch", n) == 0 &&
	    *name == '\0')
		sec->kind = CONFIG_SEC_DISPATCH;
	else if (n == 8 && strncmp(inner, "provider", n) == 0)
		sec->kind = CONFIG_SEC_PROVIDER;
	else if (n == 6 && strncmp(inner, "client", n) == 0)
		sec->kind = CONFIG_SEC_CLIENT;
	else
		known = false;
	if (!known) {
		if (*inner == '\0')
			config_error(ld, line, "section", "empty section name");
		else
			config_error(ld, line, sec->label, "unknown section "
			    "(known: gateway, dispatch, provider NAME, "
			    "client NAME; names are lowercase)");
		return;
	}
	if (sec->kind == CONFIG_SEC_PROVIDER ||
	    sec->kind == CONFIG_SEC_CLIENT) {
		if (*name == '\0') {
			config_error(ld, line, sec->label, "a name is needed: "
			    "[%s NAME]", sec->label);
			return;
		}
		if (!config_name_ok(name)) {
			config_error(ld, line, sec->label, "bad name (letters, "
			    "digits, '_' and '-', at most %d)",
			    CONFIG_NAME_MAX);
			return;
		}
		sec->name = xstrdup(name);
	}
	sec->ignore = false;
	for (i = 0; i + 1 < ld->nsecs; i++)
		if (!ld->secs[i].ignore && !ld->secs[i].dup &&
		    ld->secs[i].kind == sec->kind &&
		    (sec->name == NULL ||
		    strcmp(ld->secs[i].name, sec->name) == 0)) {
			config_error(ld, line, sec->label, "duplicate section "
			    "(first on line %d)", ld->secs[i].line);
			sec->dup = true;
			break;
		}
}

/* Add a "key = value" line to the current section. */
static void
config_parse_entry(struct config_loader *ld, char *s, int line)
{
	struct config_sec	*sec;
	struct config_ent	*e;
	char			*eq, *key, *v, *o, *r;
	char			 word[CONFIG_SHOW_MAX + 1];
	size_t			 i;

	if ((eq = strchr(s, '=')) == NULL) {
		for (i = 0; i < CONFIG_SHOW_MAX && (isalnum((unsigned char)
		    s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'); i++)
			word[i] = s[i];
		word[i] = '\0';
		/* Never echo the rest: it may be a secret. */
		config_error(ld, line, i > 0 ? word : "line",
		    "expected 'key = value'");
		return;
	}
	*eq = '\0';
	key = config_trim(s);
	if (*key == '\0') {
		config_error(ld, line, "line", "no key before '='");
		return;
	}
	v = eq + 1;
	while (config_is_blank(*v))
		v++;
	if (*v == '"') {
		/* Quoted: keeps ; # and blanks; \" and \\ are escapes. */
		for (o = v, r = v + 1; *r != '\0' && *r != '"'; r++) {
			if (r[0] == '\\' && (r[1] == '"' || r[1] == '\\'))
				r++;
			*o++ = *r;
		}
		if (*r != '"') {
			config_error(ld, line, key, "no closing '\"'");
			return;
		}
		*o = '\0';
		if (!config_rest_ok(r + 1)) {
			config_error(ld, line, key, "text after the closing "
			    "'\"'");
			return;
		}
	} else {
		/* ; and # start a comment at the start or after a blank. */
		for (r = v; *r != '\0'; r++)
			if ((*r == ';' || *r == '#') &&
			    (r == v || config_is_blank(r[-1]))) {
				*r = '\0';
				break;
			}
		v = config_trim(v);
		if (*v == '\0') {
			config_error(ld, line, key, "no value (write \"\" "
			    "for an empty one)");
			return;
		}
	}
	for (i = 0; i < nitems(config_secret_keys); i++)
		if (strcmp(key, config_secret_keys[i]) == 0 && *v != '\0')
			ld->secrets = true;

	if (ld->nsecs == 0) {
		config_error(ld, line, key, "outside of any section");
		return;
	}
	sec = &ld->secs[ld->nsecs - 1];
	if (sec->ignore)
		return;
	for (i = 0; i < sec->nents; i++)
		if (strcmp(sec->ents[i].key, key) == 0) {
			config_error(ld, line, key, "duplicate key (first on "
			    "line %d)", sec->ents[i].line);
			return;
		}
	sec->ents = xrealloc(sec->ents, (sec->nents + 1) * sizeof(*sec->ents));
	e = &sec->ents[sec->nents++];
	e->key = xstrdup(key);
	e->value = xstrdup(v);
	e->line = line;
}

/* Parse one line (NUL-terminated, no newline). */
static void
config_parse_line(struct config_loader *ld, char *s, int line)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			config_error(ld, line, "line", "control character "
			    "0x%02x", (unsigned char)*p);
			return;
		}
	while (config_is_blank(*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[')
		config_parse_header(ld, s, line);
	else
		config_parse_entry(ld, s, line);
}

/* Read path into sections; -1 if it cannot be read (error recorded). */
static int
config_read(struct config_loader *ld, const char *path, bool *exposed)
{
	struct stat	 st;
	FILE		*fp;
	char		*buf, *p, *nl, *end;
	size_t		 len;
	int		 line = 0;

	*exposed = false;
	if ((fp = fopen(path, "r")) == NULL) {
		config_error(ld, 0, NULL, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1) {
		config_error(ld, 0, NULL, "%s", strerror(errno));
		fclose(fp);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		config_error(ld, 0, NULL, "%s", S_ISDIR(st.st_mode) ?
		    "is a folder" : "not a regular file");
		fclose(fp);
		return -1;
	}
	*exposed = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	buf = xmalloc(CONFIG_MAX_BYTES + 1);
	len = fread(buf, 1, CONFIG_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		config_error(ld, 0, NULL, "%s", strerror(errno));
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	if (len > CONFIG_MAX_BYTES) {
		config_error(ld, 0, NULL, "larger than %d bytes",
		    CONFIG_MAX_BYTES);
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	p = buf;
	end = buf + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* a UTF-8 byte order mark */
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			config_error(ld, line, "line", "contains a NUL byte");
		else {
			*nl = '\0';
			if (nl > p && nl[-1] == '\r')
				nl[-1] = '\0';
			config_parse_line(ld, p, line);
		}
		p = nl + 1;
	}
	free(buf);
	return 0;
}

/* Strict decimal integer; 0 or -1. */
static int
config_parse_long(const char *s, long *out)
{
	char	*end;
	long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

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

/* Free the sections and errors of a load. */
static void
config_loader_clear(struct config_loader *ld)
{
	size_t	i, j;

	for (i = 0; i < ld->nsecs; i++) {
		for (j = 0; j < ld->secs[i].nents; j++) {
			free(ld->secs[i].ents[j].key);
			free(ld->secs[i].ents[j].value);
		}
		free(ld->secs[i].ents);
		free(ld->secs[i].name);
		free(ld->secs[i].label);
	}
	free(ld->secs);
	for (i = 0; i < ld->nerrs; i++)
		free(ld->errs[i].text);
	free(ld->errs);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	config_free_fields(cfg);
	free(cfg);
}

const char *
provider_conf_get(const struct provider_conf *pc, const char *key)
{
	size_t	i;

	for (i = 0; i < pc->nopts; i++)
		if (strcmp(pc->opts[i].key, key) == 0)
			return pc->opts[i].value;
	return NULL;
}

int
provider_conf_int(const struct provider_conf *pc, const char *key, long def,
    long min, long max, long *out, char *err, size_t errlen)
{
	char	show[CONFIG_SHOW_MAX + 8];
	size_t	i;
	long	v;

	for (i = 0; i < pc->nopts; i++)
		if (strcmp(pc->opts[i].key, key) == 0)
			break;
	if (i == pc->nopts) {
		*out = def;
		return 0;
	}
	config_show(pc->opts[i].value, show, sizeof(show));
	if (config_parse_long(pc->opts[i].value, &v) == -1) {
		snprintf(err, errlen, "%s:%d: %s: '%s' is not a whole number",
		    pc->file ? pc->file : "config", pc->opts[i].line, key,
		    show);
		return -1;
	}
	if (v < min || v > max) {
		snprintf(err, errlen, "%s:%d: %s: %ld is out of range "
		    "(%ld..%ld)", pc->file ? pc->file : "config",
		    pc->opts[i].line, key, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
provider_conf_line(const struct provider_conf *pc, const char *key)
{
	size_t	i;

	for (i = 0; i < pc->nopts; i++)
		if (strcmp(pc->opts[i].key, key) == 0)
			return pc->opts[i].line;
	return pc->line;
}

int
provider_conf_bool(const struct provider_conf *pc, const char *key, bool def,
    bool *out, char *err, size_t errlen)
{
	const char	*v = provider_conf_get(pc, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "no") == 0) {
		*out = strcasecmp(v, "yes") == 0;
		return 0;
	}
	snprintf(err, errlen, "%s:%d: %s: '%.32s' must be yes or no",
	    pc->file ? pc->file : "config", provider_conf_line(pc, key), key,
	    v);
	return -1;
}

const char *
provider_conf_require(const struct provider_conf *pc, const char *key,
    char *err, size_t errlen)
{
	const char	*v;

	if ((v = provider_conf_get(pc, key)) != NULL)
		return v;
	snprintf(err, errlen, "%s:%d: %s: missing; [provider %s] of type %s "
	    "needs it", pc->file ? pc->file : "config", pc->line, key,
	    pc->name ? pc->name : "", pc->type ? pc->type : "?");
	return NULL;
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
