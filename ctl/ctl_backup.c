/*
 * varselctl backup and restore: the database named by varseld's
 * configuration (or --database), copied online while varseld runs, and
 * put back while it is stopped. The work is store_backup.c's; this file
 * reads the arguments and says what was done.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl/ctl.h"
#include "store_backup.h"
#include "util.h"

static int	ctl_backup_args(struct ctl *, int, char **, const char **,
		    char **, struct config **);
static int	ctl_backup_run(struct ctl *, int, char **, bool);

/*
 * [-c FILE] [--database PATH] FILE: the database path (new string, or
 * taken from the configuration, kept in *cfg) and the FILE argument.
 */
static int
ctl_backup_args(struct ctl *c, int argc, char **argv, const char **file,
    char **db, struct config **cfg)
{
	static const struct option opts[] = {
		{ "database", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*conf;
	char		 err[4096];
	int		 ch;

	*db = NULL;
	*cfg = NULL;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c->conf = optarg;
			break;
		case 'd':
			free(*db);
			*db = xstrdup(optarg);
			break;
		default:
			free(*db);
			return CTL_USAGE;
		}
	}
	if (optind + 1 != argc) {
		free(*db);
		return CTL_USAGE;
	}
	*file = argv[optind];
	if (*db != NULL)
		return CTL_OK;
	conf = c->conf != NULL ? c->conf : CTL_DEFAULT_CONF;
	if ((*cfg = config_load(conf, err, sizeof(err))) == NULL) {
		fprintf(c->err, "varselctl: configuration %s is not valid:\n"
		    "%s\n", conf, err);
		return CTL_FAIL;
	}
	if (strcmp((*cfg)->database, ":memory:") == 0) {
		fprintf(c->err, "varselctl: %s keeps its database in memory: "
		    "nothing to back up or restore\n", conf);
		config_free(*cfg);
		*cfg = NULL;
		return CTL_FAIL;
	}
	*db = xstrdup((*cfg)->database);
	return CTL_OK;
}

/* backup or restore (restore true): the arguments, the work, the report. */
static int
ctl_backup_run(struct ctl *c, int argc, char **argv, bool restore)
{
	struct store_file_info	 info;
	struct config		*cfg;
	const char		*file;
	char			*db, err[4096];
	int			 rv, done;

	if ((rv = ctl_backup_args(c, argc, argv, &file, &db, &cfg)) !=
	    CTL_OK)
		return rv;
	done = restore ? store_restore(file, db, &info, err, sizeof(err)) :
	    store_backup(db, file, &info, err, sizeof(err));
	if (done == -1) {
		fprintf(c->err, "varselctl: %s %s failed: %s\n", restore ?
		    "restore into" : "backup of", db, err);
		rv = CTL_FAIL;
	} else if (!restore)
		fprintf(c->out, "backup: %s: %" PRId64 " bytes, schema %d, "
		    "%" PRId64 " alerts, %" PRId64 " deliveries, integrity "
		    "ok\n", file, info.bytes, info.version, info.alerts,
		    info.deliveries);
	else {
		fprintf(c->out, "restore: %s is now %s: schema %d, %" PRId64
		    " alerts, %" PRId64 " deliveries, integrity ok\n", db,
		    file, info.version, info.alerts, info.deliveries);
		if (info.aside[0] != '\0')
			fprintf(c->out, "restore: the old database is kept as "
			    "%s\n", info.aside);
	}
	free(db);
	config_free(cfg);
	return rv;
}

int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	return ctl_backup_run(c, argc, argv, false);
}

int
ctl_restore(struct ctl *c, int argc, char **argv)
{
	return ctl_backup_run(c, argc, argv, true);
}
