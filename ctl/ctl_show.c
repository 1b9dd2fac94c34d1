/*
 * varselctl's looks and small changes: alerts list, show, cancel and
 * deliveries (a table, or CSV); contacts show, delete and history (the
 * consent record); groups. Each is a call of the API and the columns
 * it is printed with (ctl_out.c), so a command of this kind is one row
 * in varselctl.c's table and one function here.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util.h"

#define CTL_PAGE	1000	/* deliveries per request */

static char	*ctl_phone_path(const char *, const char *);

int
ctl_id(struct ctl *c, const char *what, const char *s, long long *id)
{
	char	*end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || *id < 1) {
		fprintf(c->err, "varselctl: %s: '%s' is no alert id\n", what,
		    s);
		return CTL_USAGE;
	}
	return CTL_OK;
}

/* /v1/contacts/{phone}{tail}, the number encoded; NULL if no memory. */
static char *
ctl_phone_path(const char *phone, const char *tail)
{
	char	*enc, *path;

	if ((enc = url_encode(phone)) == NULL)
		return NULL;
	path = str_printf("/v1/contacts/%s%s", enc, tail);
	free(enc);
	return path;
}

int
ctl_alerts_list(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct ctl_col cols[] = {
		{ "ID", "id" }, { "STATE", "state" },
		{ "SEVERITY", "severity" }, { "TYPE", "type" },
		{ "CREATED", "created_at" }, { "PEOPLE", "people" },
		{ "SENT", "counts.sent" }, { "DELIVERED", "counts.delivered" },
		{ "FAILED", "counts.failed" }, { "YES", "acks.yes" },
		{ "NEED", "need" }, { "REF", "source_ref" },
	};
	json_t		*o;
	char		 path[64];
	long		 limit = 50;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'l' || (limit = strtol(optarg, NULL, 10)) < 1 ||
		    limit > 500)
			return CTL_USAGE;
	}
	if (optind != argc)
		return CTL_USAGE;
	snprintf(path, sizeof(path), "/v1/alerts?limit=%ld", limit);
	if ((o = ctl_get(c, path)) == NULL)
		return CTL_FAIL;
	ctl_print_table(c, cols, nitems(cols), c->json ? o :
	    json_object_get(o, "alerts"));
	json_decref(o);
	return CTL_OK;
}

int
ctl_alerts_show(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_col fields[] = {
		{ "id", "id" }, { "source_ref", "source_ref" },
		{ "type", "type" }, { "severity", "severity" },
		{ "state", "state" }, { "created_at", "created_at" },
		{ "send_at", "send_at" }, { "held_until", "held_until" },
		{ "released_at", "released_at" },
		{ "cancelled_at", "cancelled_at" },
		{ "expires_at", "expires_at" },
		{ "recipients", "recipients" }, { "people", "people" },
		{ "reached", "reached" }, { "suppressed", "suppressed" },
		{ "uncallable", "uncallable" },
		{ "queued", "counts.queued" }, { "held", "counts.held" },
		{ "sending", "counts.sending" }, { "sent", "counts.sent" },
		{ "delivered", "counts.delivered" },
		{ "answered", "counts.answered" },
		{ "failed", "counts.failed" }, { "expired", "counts.expired" },
		{ "cancelled", "counts.cancelled" },
		{ "acks yes", "acks.yes" }, { "acks no", "acks.no" },
		{ "need", "need" }, { "filled_at", "filled_at" },
		{ "next_step_at", "next_step_at" },
		{ "in_doubt", "in_doubt" }, { "error", "error" },
	};
	static const struct ctl_col step_cols[] = {
		{ "STEP", "step" }, { "STARTED", "started_at" },
		{ "RECIPIENTS", "recipients" }, { "PEOPLE", "people" },
		{ "AUDIENCE", "audience" },
	};
	json_t		*o, *steps;
	char		 path[64];
	long long	 id;
	int		 rv;

	if (argc != 2)
		return CTL_USAGE;
	if ((rv = ctl_id(c, "alerts show", argv[1], &id)) != CTL_OK)
		return rv;
	snprintf(path, sizeof(path), "/v1/alerts/%lld", id);
	if ((o = ctl_get(c, path)) == NULL)
		return CTL_FAIL;
	ctl_print_fields(c, fields, nitems(fields), o);
	if (!c->json && (steps = json_object_get(o, "steps")) != NULL) {
		fputc('\n', c->out);
		ctl_print_table(c, step_cols, nitems(step_cols), steps);
	}
	json_decref(o);
	return CTL_OK;
}

int
ctl_alerts_cancel(struct ctl *c, int argc, char **argv)
{
	json_t		*o;
	char		 path[64], n[32], state[32];
	long long	 id;
	int		 rv;

	if (argc != 2)
		return CTL_USAGE;
	if ((rv = ctl_id(c, "alerts cancel", argv[1], &id)) != CTL_OK)
		return rv;
	snprintf(path, sizeof(path), "/v1/alerts/%lld/cancel", id);
	if ((o = ctl_call(c, "POST", path, 200)) == NULL)
		return CTL_FAIL;
	if (c->json)
		ctl_print_json(c, o);
	else {
		ctl_value_text(o, "cancelled", n, sizeof(n));
		ctl_value_text(o, "state", state, sizeof(state));
		fprintf(c->out, "alert %lld: %s deliveries cancelled, now "
		    "%s\n", id, n, state);
	}
	json_decref(o);
	return CTL_OK;
}

int
ctl_alerts_deliveries(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct ctl_col cols[] = {
		{ "ID", "id" }, { "PHONE", "phone" }, { "CHANNEL", "channel" },
		{ "LANG", "lang" }, { "STATE", "state" },
		{ "PROVIDER", "provider" }, { "ATTEMPTS", "attempts" },
		{ "ANSWER", "ack" }, { "STEP", "step" },
		{ "UPDATED", "updated_at" }, { "ERROR", "error" },
	};
	json_t		*all, *o, *page, *d;
	const char	*state = NULL;
	char		 path[160], cell[256], *enc = NULL;
	long long	 id, after = 0, limit = -1;
	size_t		 i, k;
	bool		 csv = false;
	int		 ch, rv;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			state = optarg;
			break;
		case 'l':
			if ((limit = strtoll(optarg, NULL, 10)) < 1)
				return CTL_USAGE;
			break;
		case 'c':
			csv = true;
			break;
		default:
			return CTL_USAGE;
		}
	}
	if (optind + 1 != argc)
		return CTL_USAGE;
	if ((rv = ctl_id(c, "alerts deliveries", argv[optind], &id)) !=
	    CTL_OK)
		return rv;
	if (state != NULL && (enc = url_encode(state)) == NULL)
		return CTL_FAIL;
	/* Every page, following "next", up to the limit. */
	all = json_array();
	for (;;) {
		snprintf(path, sizeof(path), "/v1/alerts/%lld/deliveries?"
		    "limit=%d&after=%lld%s%s", id, CTL_PAGE, after,
		    enc ? "&state=" : "", enc ? enc : "");
		if ((o = ctl_get(c, path)) == NULL) {
			json_decref(all);
			free(enc);
			return CTL_FAIL;
		}
		page = json_object_get(o, "deliveries");
		json_array_foreach(page, i, d)
			if (limit < 0 || (long long)json_array_size(all) <
			    limit)
				json_array_append(all, d);
		after = json_integer_value(json_object_get(o, "next"));
		json_decref(o);
		if (after == 0 || (limit >= 0 &&
		    (long long)json_array_size(all) >= limit))
			break;
	}
	free(enc);
	if (csv && !c->json) {
		for (k = 0; k < nitems(cols); k++) {
			fputs(k > 0 ? "," : "", c->out);
			ctl_csv_put(c->out, cols[k].path);
		}
		fputc('\n', c->out);
		json_array_foreach(all, i, d) {
			for (k = 0; k < nitems(cols); k++) {
				ctl_value_text(d, cols[k].path, cell,
				    sizeof(cell));
				fputs(k > 0 ? "," : "", c->out);
				ctl_csv_put(c->out, strcmp(cell, "-") == 0 ?
				    "" : cell);
			}
			fputc('\n', c->out);
		}
	} else
		ctl_print_table(c, cols, nitems(cols), all);
	json_decref(all);
	return CTL_OK;
}

int
ctl_contacts_show(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_col fields[] = {
		{ "phone", "phone" }, { "name", "name" }, { "lang", "lang" },
		{ "groups", "groups" }, { "channels", "channels" },
		{ "area", "area" }, { "lat", "lat" }, { "lon", "lon" },
		{ "created_at", "created_at" }, { "updated_at", "updated_at" },
	};
	json_t	*o;
	char	*path;

	if (argc != 2)
		return CTL_USAGE;
	if ((path = ctl_phone_path(argv[1], "")) == NULL)
		return CTL_FAIL;
	o = ctl_get(c, path);
	free(path);
	if (o == NULL)
		return CTL_FAIL;
	ctl_print_fields(c, fields, nitems(fields), o);
	json_decref(o);
	return CTL_OK;
}

int
ctl_contacts_delete(struct ctl *c, int argc, char **argv)
{
	json_t	*o;
	char	*path, phone[64];

	if (argc != 2)
		return CTL_USAGE;
	if ((path = ctl_phone_path(argv[1], "")) == NULL)
		return CTL_FAIL;
	o = ctl_call(c, "DELETE", path, 200);
	free(path);
	if (o == NULL)
		return CTL_FAIL;
	if (c->json)
		ctl_print_json(c, o);
	else {
		ctl_value_text(o, "phone", phone, sizeof(phone));
		fprintf(c->out, "%s erased (its consent record stays: "
		    "varselctl contacts history %s)\n", phone, phone);
	}
	json_decref(o);
	return CTL_OK;
}

int
ctl_contacts_history(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_col cols[] = {
		{ "AT", "at" }, { "EVENT", "event" }, { "HOW", "how" },
		{ "BY", "by" }, { "DETAIL", "detail" },
	};
	json_t	*o;
	char	*path;

	if (argc != 2)
		return CTL_USAGE;
	if ((path = ctl_phone_path(argv[1], "/history")) == NULL)
		return CTL_FAIL;
	o = ctl_get(c, path);
	free(path);
	if (o == NULL)
		return CTL_FAIL;
	ctl_print_table(c, cols, nitems(cols), c->json ? o :
	    json_object_get(o, "events"));
	json_decref(o);
	return CTL_OK;
}

int
ctl_groups(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_col cols[] = {
		{ "GROUP", "name" }, { "MEMBERS", "members" },
	};
	json_t	*o;

	if (argc != 1)
		return CTL_USAGE;
	if ((o = ctl_get(c, "/v1/groups")) == NULL)
		return CTL_FAIL;
	ctl_print_table(c, cols, nitems(cols), c->json ? o :
	    json_object_get(o, "groups"));
	json_decref(o);
	return CTL_OK;
}
