/*
 * varselctl approve, report, inbox and audit: what the console shows,
 * for a terminal (a table, ctl_out.c) and for scripts (--json, the API's
 * answer as it is). approve releases an alert that waits for a second
 * person; report writes an alert's CSV report.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util.h"

static int	ctl_console_page(struct ctl *, int, char **, const char *,
		    const struct option *, const struct ctl_col *, size_t);

int
ctl_alerts_approve(struct ctl *c, int argc, char **argv)
{
	long long	 id;
	char		 path[64];
	json_t		*o;
	int		 rv;

	if (argc != 2)
		return CTL_USAGE;
	if ((rv = ctl_id(c, "approve", argv[1], &id)) != CTL_OK)
		return rv;
	snprintf(path, sizeof(path), "/v1/alerts/%lld/approve", id);
	if ((o = ctl_call(c, "POST", path, 200)) == NULL)
		return CTL_FAIL;
	if (c->json)
		ctl_print_json(c, o);
	else
		fprintf(c->out, "alert %lld approved: %" JSON_INTEGER_FORMAT
		    " deliveries go out now\n", id, json_integer_value(
		    json_object_get(o, "released")));
	json_decref(o);
	return CTL_OK;
}

int
ctl_alerts_report(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_reply	 r;
	const char		*out = NULL;
	long long		 id;
	char			 path[64];
	FILE			*fp;
	int			 ch, rv;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (ch != 'o')
			return CTL_USAGE;
		out = optarg;
	}
	if (optind + 1 != argc)
		return CTL_USAGE;
	if ((rv = ctl_id(c, "report", argv[optind], &id)) != CTL_OK)
		return rv;
	snprintf(path, sizeof(path), "/v1/alerts/%lld/report.csv", id);
	if (ctl_http(c, "GET", path, NULL, NULL, 0, &r) == -1)
		return CTL_FAIL;
	if (r.status != 200) {
		ctl_api_error(c, "report", &r);
		ctl_reply_free(&r);
		return CTL_FAIL;
	}
	fp = out != NULL ? fopen(out, "w") : c->out;
	if (fp == NULL || fwrite(r.body, 1, r.len, fp) != r.len ||
	    (out != NULL && fclose(fp) != 0)) {
		fprintf(c->err, "varselctl: report: %s: %s\n",
		    out != NULL ? out : "stdout", strerror(errno));
		ctl_reply_free(&r);
		return CTL_FAIL;
	}
	ctl_reply_free(&r);
	return CTL_OK;
}

/*
 * A list command: each of its options --name VALUE is name=VALUE of the
 * query of GET /v1/<what> (--alert is alert_id); the rows are printed
 * as a table of cols, with where the older ones start.
 */
static int
ctl_console_page(struct ctl *c, int argc, char **argv, const char *what,
    const struct option *opts, const struct ctl_col *cols, size_t ncols)
{
	char	 q[512], path[600], *enc;
	size_t	 used = 0;
	json_t	*o;
	int	 ch, idx;

	q[0] = '\0';
	while ((ch = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (ch != 'q' || (enc = url_encode(optarg)) == NULL)
			return CTL_USAGE;
		used += (size_t)snprintf(q + used, used < sizeof(q) ?
		    sizeof(q) - used : 0, "%c%s=%s", used == 0 ? '?' : '&',
		    strcmp(opts[idx].name, "alert") == 0 ? "alert_id" :
		    opts[idx].name, enc);
		free(enc);
	}
	if (optind != argc || used >= sizeof(q))
		return CTL_USAGE;
	snprintf(path, sizeof(path), "/v1/%s%s", what, q);
	if ((o = ctl_get(c, path)) == NULL)
		return CTL_FAIL;
	if (c->json)
		ctl_print_json(c, o);
	else {
		ctl_print_table(c, cols, ncols, json_object_get(o, what));
		if (json_is_integer(json_object_get(o, "next")))
			fprintf(c->out, "(older: --before %" JSON_INTEGER_FORMAT
			    ")\n", json_integer_value(json_object_get(o,
			    "next")));
	}
	json_decref(o);
	return CTL_OK;
}

int
ctl_inbox(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "after", required_argument, NULL, 'q' },
		{ "before", required_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct ctl_col cols[] = {
		{ "ID", "id" }, { "RECEIVED", "received_at" },
		{ "FROM", "from" }, { "NAME", "name" },
		{ "REPLIES", "replies" }, { "TEXT", "text" },
	};

	return ctl_console_page(c, argc, argv, "inbox", opts, cols,
	    nitems(cols));
}

int
ctl_audit(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "alert", required_argument, NULL, 'q' },
		{ "contact", required_argument, NULL, 'q' },
		{ "after", required_argument, NULL, 'q' },
		{ "before", required_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct ctl_col cols[] = {
		{ "ID", "id" }, { "AT", "at" }, { "WHO", "actor" },
		{ "KIND", "actor_kind" }, { "VIA", "via" }, { "FROM", "addr" },
		{ "WHAT", "action" }, { "ALERT", "alert_id" },
		{ "CONTACT", "contact" },
	};

	return ctl_console_page(c, argc, argv, "audit", opts, cols,
	    nitems(cols));
}
