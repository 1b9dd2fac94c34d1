/*
 * The accessors of a provider section's type-specific keys
 * (provider_conf.h), with the same checks and file:line errors as the
 * rest of the configuration.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "provider_conf.h"

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
