/*
 * The values of varsel.conf that are more than a number or a text:
 * listen addresses, URLs, sender ids, provider types, address lists,
 * and the scopes and roles of [client] and [user] sections (with the
 * names the API and varselctl show them by). Each check records its
 * error in the loader and returns -1; config.c applies what passes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "config.h"
#include "config_priv.h"
#include "util.h"

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
	{ "alerts:approve", SCOPE_ALERTS_APPROVE },
	{ "audit:read", SCOPE_AUDIT_READ },
	{ "users:write", SCOPE_USERS_WRITE },
};

/* Role names, in the order of enum role. */
static const char *const config_roles[] = {
	"viewer", "sender", "approver", "admin"
};

/* listen = host:port (IPv6 as [::1]:8025). */
int
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
int
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
int
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
int
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
int
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
			char	known[256];

			scope_text(~0U, known, sizeof(known));
			config_error(ld, e->line, e->key, "unknown scope '%s' "
			    "(known: %s)", show, known);
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

/* Numeric IPv4 or IPv6 addresses separated by blanks. */
int
config_check_addrs(struct config_loader *ld, const struct config_ent *e)
{
	unsigned char	 a[sizeof(struct in6_addr)];
	char		*copy, *word, *save = NULL;
	char		 show[CONFIG_SHOW_MAX + 8];
	int		 rv = 0;

	copy = xstrdup(e->value);
	for (word = strtok_r(copy, " \t", &save); word != NULL;
	    word = strtok_r(NULL, " \t", &save))
		if (inet_pton(AF_INET, word, a) != 1 &&
		    inet_pton(AF_INET6, word, a) != 1) {
			config_show(word, show, sizeof(show));
			config_error(ld, e->line, e->key, "'%s' is not an IP "
			    "address (names are not looked up)", show);
			rv = -1;
		}
	free(copy);
	return rv;
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

void
scope_text(unsigned int bits, char *buf, size_t len)
{
	size_t	i, used = 0;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < nitems(config_scopes) && used < len; i++)
		if (bits & config_scopes[i].bit)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    used > 0 ? " " : "", config_scopes[i].name);
}

int
role_parse(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < nitems(config_roles); i++)
		if (strcmp(config_roles[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
role_name(enum role r)
{
	if ((size_t)r < nitems(config_roles))
		return config_roles[r];
	return "unknown";
}

unsigned int
role_scopes(enum role r)
{
	unsigned int	s = SCOPE_ALERTS_READ | SCOPE_AUDIT_READ;

	switch (r) {
	case ROLE_ADMIN:
		s |= SCOPE_USERS_WRITE | SCOPE_METRICS_READ;
		/* FALLTHROUGH */
	case ROLE_APPROVER:
		s |= SCOPE_ALERTS_APPROVE;
		/* FALLTHROUGH */
	case ROLE_SENDER:
		s |= SCOPE_ALERTS_WRITE | SCOPE_CONTACTS_WRITE |
		    SCOPE_CONTACTS_READ;
		/* FALLTHROUGH */
	case ROLE_VIEWER:
		break;
	}
	return s;
}
