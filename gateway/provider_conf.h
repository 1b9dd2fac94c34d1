/*
 * A [provider NAME] section as adapters see it: the keys every provider
 * takes, and the type's own keys with the accessors that check them
 * with file:line errors. The narrow view of the configuration that
 * adapters include (config.h includes it too; the accessors live in
 * config.c beside the parser they share their checks with).
 */
#ifndef VARSEL_PROVIDER_CONF_H
#define VARSEL_PROVIDER_CONF_H

#include <stdbool.h>
#include <stddef.h>

/* One key of a provider section that only its adapter type knows. */
struct conf_opt {
	char	*key;
	char	*value;
	int	 line;
};

/* A [provider NAME] section. */
struct provider_conf {
	char		*name;		/* section name, used in /hooks/NAME */
	char		*type;		/* adapter type: simulator, 46elks, ... */
	const char	*file;		/* config file, for error messages */
	int		 line;		/* line of the section header */
	int		 priority;	/* lower is tried first (default 1) */
	double		 rate;		/* segments or calls per second (100) */
	int		 max_connections; /* concurrent requests (16) */
	char		*from;		/* sender id or E.164 (may be NULL) */
	char		*base_url;	/* NULL for in-process providers */
	int		 timeout_ms;	/* per request (10000) */
	int		 stall_ms;	/* silent this long with requests
					   open: others are preferred (3000;
					   0: never) */
	struct conf_opt	*opts;		/* type-specific keys */
	size_t		 nopts;
};

/* A type-specific key of a provider section, or NULL. */
const char	*provider_conf_get(const struct provider_conf *, const char *key);
/*
 * A type-specific integer key within [min, max]; def when absent.
 * On a bad value returns -1 with "file:line: key: ..." in err.
 */
int		 provider_conf_int(const struct provider_conf *, const char *key,
		    long def, long min, long max, long *out, char *err,
		    size_t errlen);
/* The line of a type-specific key, or the section's line without it. */
int		 provider_conf_line(const struct provider_conf *,
		    const char *key);
/* A yes/no key; def when absent. -1 with "file:line: key: ..." in err. */
int		 provider_conf_bool(const struct provider_conf *, const char *key,
		    bool def, bool *out, char *err, size_t errlen);
/* A type-specific key that must be present: its value, or NULL with err. */
const char	*provider_conf_require(const struct provider_conf *,
		    const char *key, char *err, size_t errlen);

#endif
