/*
 * varselctl send, preview, status, purge and sim: an alert from flags
 * (POST /v1/alerts: groups, numbers, areas, a circle or polygon; need
 * and a chain to escalate to; send_at; calls too), the same rendered and
 * counted without sending (POST /v1/preview), its counts (once or every
 * second until it is done), stripping old deliveries of personal data,
 * and a resident's SMS through the simulator with the gateway's reply.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "util.h"

#define CTL_SIM_WAIT_MS		3000	/* for the reply to an inbound SMS */
#define CTL_SIM_POLL_MS		100
#define CTL_WATCH_MS		1000

/* The counts of GET /v1/alerts/{id}, in the order they are printed. */
static const char *const ctl_counts[] = {
	"queued", "sending", "sent", "delivered", "failed", "expired",
	"cancelled", "suppressed"
};

static void	ctl_alerts_sleep(int);
static int	ctl_alerts_add(struct ctl *, json_t *, const char *,
		    const char *, const char *);
static json_int_t ctl_alerts_int(json_t *, const char *);
static int	ctl_alerts_coords(const char *, double *, int);
static json_t	*ctl_alerts_polygon(const char *);
static json_t	*ctl_alerts_step(const char *);
static json_t	*ctl_alerts_when(struct ctl *, const char *);
static int	ctl_alerts_request(struct ctl *, int, char **, const char *,
		    json_t **);
static void	ctl_alerts_line(struct ctl *, json_t *, bool);
static json_int_t ctl_alerts_newest(json_t *, const char **);

/* Sleep ms milliseconds. */
static void
ctl_alerts_sleep(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Append value to the array o[key] (made if needed); -1 if not UTF-8. */
static int
ctl_alerts_add(struct ctl *c, json_t *o, const char *key, const char *value,
    const char *what)
{
	json_t	*arr, *v;

	if ((v = json_string(value)) == NULL) {
		fprintf(c->err, "varselctl: %s: not valid UTF-8\n", what);
		return -1;
	}
	if ((arr = json_object_get(o, key)) == NULL) {
		arr = json_array();
		json_object_set_new(o, key, arr);
	}
	json_array_append_new(arr, v);
	return 0;
}

/* The numbers "LAT,LON[,R]" or "LAT,LON": n of them; -1 if not. */
static int
ctl_alerts_coords(const char *s, double *v, int n)
{
	char	*end;
	int	 i;

	for (i = 0; i < n; i++) {
		errno = 0;
		v[i] = strtod(s, &end);
		if (end == s || errno != 0)
			return -1;
		s = end;
		if (i + 1 < n && *s++ != ',')
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/* --polygon "LAT,LON LAT,LON ..." (blanks or ; between corners). */
static json_t *
ctl_alerts_polygon(const char *s)
{
	json_t	*arr = json_array();
	char	*copy = xstrdup(s), *p, *save = NULL;
	double	 v[2];

	for (p = strtok_r(copy, " ;", &save); p != NULL;
	    p = strtok_r(NULL, " ;", &save)) {
		if (ctl_alerts_coords(p, v, 2) == -1) {
			json_decref(arr);
			arr = NULL;
			break;
		}
		json_array_append_new(arr, json_pack("[ff]", v[0], v[1]));
	}
	free(copy);
	return arr;
}

/*
 * --escalate-to "reserv,+46701234567": groups and numbers (a name that
 * starts with + or a digit is a number) as one audience of the chain.
 */
static json_t *
ctl_alerts_step(const char *s)
{
	json_t	*o = json_object(), *v;
	char	*copy = xstrdup(s), *p, *save = NULL;
	bool	 number;

	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		number = *p == '+' || (*p >= '0' && *p <= '9');
		if ((v = json_string(p)) == NULL) {
			json_decref(o);
			o = NULL;
			break;
		}
		if (json_object_get(o, number ? "contacts" : "groups") == NULL)
			json_object_set_new(o, number ? "contacts" : "groups",
			    json_array());
		json_array_append_new(json_object_get(o, number ? "contacts" :
		    "groups"), v);
	}
	free(copy);
	return o;
}

/*
 * --send-at: an RFC 3339 time as it is, or "+DURATION" from now, made
 * one; NULL (printed) if it is neither.
 */
static json_t *
ctl_alerts_when(struct ctl *c, const char *s)
{
	char		 buf[32];
	struct tm	 tm;
	time_t		 t;
	int64_t		 d;

	if (*s != '+')
		return json_string(s);
	if ((d = ctl_duration(s + 1)) <= 0) {
		fprintf(c->err, "varselctl: --send-at %s: an RFC 3339 time "
		    "or +DURATION (+2h)\n", s);
		return NULL;
	}
	t = time(NULL) + (time_t)d;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/*
 * The alert of send and preview from their flags into *out (a new
 * object). CTL_OK, CTL_USAGE or CTL_FAIL (printed).
 */
static int
ctl_alerts_request(struct ctl *c, int argc, char **argv, const char *what,
    json_t **out)
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "contact", required_argument, NULL, 'n' },
		{ "area", required_argument, NULL, 'a' },
		{ "circle", required_argument, NULL, 'O' },
		{ "polygon", required_argument, NULL, 'P' },
		{ "message", required_argument, NULL, 'm' },
		{ "template", required_argument, NULL, 'T' },
		{ "var", required_argument, NULL, 'v' },
		{ "severity", required_argument, NULL, 'S' },
		{ "ack", no_argument, NULL, 'A' },
		{ "need", required_argument, NULL, 'N' },
		{ "escalate", required_argument, NULL, 'E' },
		{ "escalate-to", required_argument, NULL, 't' },
		{ "escalate-after", required_argument, NULL, 'W' },
		{ "send-at", required_argument, NULL, 'w' },
		{ "quiet-hours", required_argument, NULL, 'q' },
		{ "expires", required_argument, NULL, 'e' },
		{ "channel", required_argument, NULL, 'C' },
		{ "voice", no_argument, NULL, 'V' },
		{ "lang", required_argument, NULL, 'L' },
		{ "ref", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*body, *aud, *vars, *chain, *v;
	const char	*message = NULL, *tmpl = NULL, *ref = NULL;
	char		*eq, defref[64], *name;
	double		 circle[3];
	int64_t		 dur;
	long		 need;
	int		 ch, rv = CTL_USAGE;
	bool		 voice = false;

	*out = NULL;
	body = json_object();
	aud = json_object();
	vars = json_object();
	chain = json_array();
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'g':
			if (ctl_alerts_add(c, aud, "groups", optarg,
			    "--group") == -1)
				goto out;
			break;
		case 'n':
			if (ctl_alerts_add(c, aud, "contacts", optarg,
			    "--contact") == -1)
				goto out;
			break;
		case 'a':
			if (ctl_alerts_add(c, aud, "areas", optarg,
			    "--area") == -1)
				goto out;
			break;
		case 'O':
			if (ctl_alerts_coords(optarg, circle, 3) == -1) {
				fprintf(c->err, "varselctl: --circle %s: write "
				    "LAT,LON,RADIUS_M\n", optarg);
				goto out;
			}
			json_object_set_new(aud, "circle", json_pack("{sf sf "
			    "sf}", "lat", circle[0], "lon", circle[1],
			    "radius_m", circle[2]));
			break;
		case 'P':
			if ((v = ctl_alerts_polygon(optarg)) == NULL) {
				fprintf(c->err, "varselctl: --polygon %s: write "
				    "\"LAT,LON LAT,LON LAT,LON ...\"\n",
				    optarg);
				goto out;
			}
			json_object_set_new(aud, "polygon", v);
			break;
		case 'C':
			if (ctl_alerts_add(c, body, "channels", optarg,
			    "--channel") == -1)
				goto out;
			break;
		case 'V':
			voice = true;
			break;
		case 'm':
			message = optarg;
			break;
		case 'T':
			tmpl = optarg;
			break;
		case 'v':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    eq == optarg) {
				fprintf(c->err, "varselctl: --var %s: write "
				    "name=value\n", optarg);
				goto out;
			}
			name = xstrndup(optarg, (size_t)(eq - optarg));
			if ((v = json_string(eq + 1)) == NULL) {
				fprintf(c->err, "varselctl: --var %s: not "
				    "valid UTF-8\n", name);
				free(name);
				goto out;
			}
			json_object_set_new(vars, name, v);
			free(name);
			break;
		case 'S':
		case 'L':
		case 'q':
			json_object_set_new(body, ch == 'S' ? "severity" :
			    ch == 'L' ? "lang" : "quiet_hours",
			    json_string(optarg));
			break;
		case 'A':
			json_object_set_new(body, "ack", json_true());
			break;
		case 'N':
			if ((need = strtol(optarg, &eq, 10)) < 1 || *eq != '\0') {
				fprintf(c->err, "varselctl: --need %s: how many "
				    "JA are enough, 1 or more\n", optarg);
				goto out;
			}
			json_object_set_new(body, "need", json_integer(need));
			json_object_set_new(body, "ack", json_true());
			break;
		case 't':
			if ((v = ctl_alerts_step(optarg)) == NULL)
				goto out;
			json_array_append_new(chain, v);
			break;
		case 'E':
		case 'W':
		case 'e':
			if ((dur = ctl_duration(optarg)) <= 0) {
				fprintf(c->err, "varselctl: %s: a time like "
				    "90s, 15m, 1h or 2d\n", optarg);
				goto out;
			}
			json_object_set_new(body, ch == 'E' ? "escalate_after_s" :
			    ch == 'W' ? "escalate_to_after_s" :
			    "expires_in_s", json_integer((json_int_t)dur));
			break;
		case 'w':
			if ((v = ctl_alerts_when(c, optarg)) == NULL)
				goto out;
			json_object_set_new(body, "send_at", v);
			break;
		case 'r':
			ref = optarg;
			break;
		default:
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(c->err, "varselctl: %s: unexpected '%s'\n", what,
		    argv[optind]);
		goto out;
	}
	if ((message == NULL) == (tmpl == NULL)) {
		fprintf(c->err, "varselctl: %s: give --message or "
		    "--template\n", what);
		goto out;
	}
	if (message != NULL && json_object_size(vars) > 0) {
		fprintf(c->err, "varselctl: %s: --var goes with "
		    "--template\n", what);
		goto out;
	}
	if (json_object_size(aud) == 0) {
		fprintf(c->err, "varselctl: %s: no audience: give --group, "
		    "--contact, --area, --circle or --polygon\n", what);
		goto out;
	}
	if (ref == NULL) {
		snprintf(defref, sizeof(defref), "varselctl-%lld-%ld",
		    (long long)time(NULL), (long)getpid());
		ref = defref;
	}
	rv = CTL_FAIL;
	if ((v = json_string(ref)) == NULL ||
	    json_object_set_new(body, "source_ref", v) == -1 ||
	    (message != NULL && (v = json_string(message)) == NULL) ||
	    (tmpl != NULL && (v = json_string(tmpl)) == NULL)) {
		fprintf(c->err, "varselctl: %s: the text is not valid "
		    "UTF-8\n", what);
		goto out;
	}
	json_object_set_new(body, message ? "message" : "template", v);
	if (tmpl != NULL)
		json_object_set(body, "vars", vars);
	json_object_set(body, "audience", aud);
	if (json_array_size(chain) > 0)
		json_object_set(body, "escalate_to", json_array_size(chain) ==
		    1 ? json_array_get(chain, 0) : chain);
	/* --voice: a call too (with SMS unless --channel said otherwise). */
	if (voice) {
		if (json_object_get(body, "channels") == NULL)
			ctl_alerts_add(c, body, "channels", "sms", "--voice");
		ctl_alerts_add(c, body, "channels", "voice", "--voice");
	}
	*out = json_incref(body);
	rv = CTL_OK;
out:
	json_decref(body);
	json_decref(aud);
	json_decref(vars);
	json_decref(chain);
	return rv;
}

int
ctl_alerts_send(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_col fields[] = {
		{ "id", "id" }, { "source_ref", "source_ref" },
		{ "state", "state" }, { "send_at", "send_at" },
		{ "held_until", "held_until" }, { "recipients", "recipients" },
		{ "people", "people" }, { "suppressed", "suppressed" },
		{ "need", "need" }, { "eta_s", "eta_s" },
		{ "segments", "segments" }, { "encoding", "encoding" },
		{ "duplicate", "duplicate" },
	};
	struct ctl_reply	 r;
	json_t			*body;
	int			 rv;

	if ((rv = ctl_alerts_request(c, argc, argv, "send", &body)) != CTL_OK)
		return rv;
	rv = CTL_FAIL;
	if (ctl_http_json(c, "/v1/alerts", body, &r) == -1)
		goto out;
	if ((r.status != 202 && r.status != 200) || !json_is_object(r.json)) {
		ctl_api_error(c, "POST /v1/alerts", &r);
		ctl_reply_free(&r);
		goto out;
	}
	ctl_print_fields(c, fields, nitems(fields), r.json);
	if (!c->json && json_is_true(json_object_get(r.json, "duplicate")))
		fprintf(c->out, "(this source_ref was sent before; nothing new "
		    "went out)\n");
	ctl_reply_free(&r);
	rv = CTL_OK;
out:
	json_decref(body);
	return rv;
}

int
ctl_alerts_preview(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_col cols[] = {
		{ "LANG", "lang" }, { "CHANNEL", "channel" },
		{ "ENCODING", "encoding" }, { "SEGMENTS", "segments" },
		{ "RECIPIENTS", "recipients" }, { "SUPPRESSED", "suppressed" },
	};
	struct ctl_reply	 r;
	json_t			*body, *texts, *t;
	char			 lang[16], channel[16], text[2048];
	size_t			 i;
	int			 rv;

	if ((rv = ctl_alerts_request(c, argc, argv, "preview", &body)) !=
	    CTL_OK)
		return rv;
	rv = CTL_FAIL;
	if (ctl_http_json(c, "/v1/preview", body, &r) == -1)
		goto out;
	if (r.status != 200 || !json_is_object(r.json)) {
		ctl_api_error(c, "POST /v1/preview", &r);
		ctl_reply_free(&r);
		goto out;
	}
	texts = json_object_get(r.json, "texts");
	ctl_print_table(c, cols, nitems(cols), c->json ? r.json : texts);
	if (!c->json) {
		json_array_foreach(texts, i, t) {
			ctl_value_text(t, "lang", lang, sizeof(lang));
			ctl_value_text(t, "channel", channel, sizeof(channel));
			ctl_value_text(t, "text", text, sizeof(text));
			fprintf(c->out, "\n[%s %s] %s\n", lang, channel, text);
		}
	}
	ctl_reply_free(&r);
	rv = CTL_OK;
out:
	json_decref(body);
	return rv;
}

/* An integer member of o, 0 if absent. */
static json_int_t
ctl_alerts_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Print an alert's counts: a block, or one timestamped line. */
static void
ctl_alerts_line(struct ctl *c, json_t *a, bool oneline)
{
	json_t		*counts = json_object_get(a, "counts");
	json_t		*acks = json_object_get(a, "acks");
	const char	*state, *type, *sev;
	char		 now[16];
	struct tm	 tm;
	time_t		 t;
	size_t		 i;

	state = json_string_value(json_object_get(a, "state"));
	type = json_string_value(json_object_get(a, "type"));
	sev = json_string_value(json_object_get(a, "severity"));
	if (oneline) {
		t = time(NULL);
		localtime_r(&t, &tm);
		strftime(now, sizeof(now), "%H:%M:%S", &tm);
		fprintf(c->out, "%s %s", now, state ? state : "?");
	} else {
		fprintf(c->out, "alert %" JSON_INTEGER_FORMAT " (%s, %s) "
		    "%s, %" JSON_INTEGER_FORMAT " recipients\n",
		    ctl_alerts_int(a, "id"), type ? type : "?",
		    sev ? sev : "?", state ? state : "?",
		    ctl_alerts_int(a, "recipients"));
	}
	for (i = 0; i < nitems(ctl_counts); i++)
		fprintf(c->out, "%s%s %" JSON_INTEGER_FORMAT,
		    i == 0 && !oneline ? "" : "  ", ctl_counts[i],
		    ctl_alerts_int(counts, ctl_counts[i]));
	fprintf(c->out, "%sacks yes %" JSON_INTEGER_FORMAT
	    "  no %" JSON_INTEGER_FORMAT "  in_doubt %" JSON_INTEGER_FORMAT
	    "\n", oneline ? "  " : "\n", ctl_alerts_int(acks, "yes"),
	    ctl_alerts_int(acks, "no"), ctl_alerts_int(a, "in_doubt"));
	fflush(c->out);
}

int
ctl_alerts_status(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "watch", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*a;
	const char	*state;
	char		 path[64], *end;
	long long	 id;
	bool		 watch = false, first = true;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "w", opts, NULL)) != -1) {
		if (ch != 'w')
			return CTL_USAGE;
		watch = true;
	}
	if (optind + 1 != argc)
		return CTL_USAGE;
	errno = 0;
	id = strtoll(argv[optind], &end, 10);
	if (*end != '\0' || errno != 0 || id < 1) {
		fprintf(c->err, "varselctl: status: '%s' is no alert id\n",
		    argv[optind]);
		return CTL_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/alerts/%lld", id);
	for (;;) {
		if ((a = ctl_get(c, path)) == NULL)
			return CTL_FAIL;
		if (c->json) {
			ctl_print_json(c, a);
			json_decref(a);
			return CTL_OK;
		}
		ctl_alerts_line(c, a, watch && !first);
		state = json_string_value(json_object_get(a, "state"));
		/* Done, and no delivery report outstanding. */
		if (!watch || (state != NULL && strcmp(state, "done") == 0 &&
		    ctl_alerts_int(json_object_get(a, "counts"),
		    "sent") == 0)) {
			json_decref(a);
			return CTL_OK;
		}
		json_decref(a);
		first = false;
		ctl_alerts_sleep(CTL_WATCH_MS);
	}
}

int
ctl_alerts_purge(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_reply	 r;
	json_t			*body;
	int64_t			 age = -1;
	int			 ch, rv = CTL_FAIL;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'o')
			return CTL_USAGE;
		if ((age = ctl_duration(optarg)) <= 0) {
			fprintf(c->err, "varselctl: --older-than %s: a time "
			    "like 90d, 12w or 36h, more than 0\n", optarg);
			return CTL_USAGE;
		}
	}
	if (age <= 0 || optind != argc)
		return CTL_USAGE;
	body = json_pack("{sI}", "older_than_s", (json_int_t)age);
	if (body == NULL || ctl_http_json(c, "/v1/admin/purge", body,
	    &r) == -1) {
		json_decref(body);
		return CTL_FAIL;
	}
	json_decref(body);
	if (r.status != 200 || !json_is_object(r.json))
		ctl_api_error(c, "POST /v1/admin/purge", &r);
	else {
		fprintf(c->out, "purged %" JSON_INTEGER_FORMAT " deliveries "
		    "of alerts older than %" PRId64 " s\n",
		    ctl_alerts_int(r.json, "deliveries"), age);
		rv = CTL_OK;
	}
	ctl_reply_free(&r);
	return rv;
}

/* The highest reply id in a /v1/replies answer, and its text. */
static json_int_t
ctl_alerts_newest(json_t *o, const char **text)
{
	json_t		*e;
	json_int_t	 best = 0, id;
	size_t		 i;

	*text = NULL;
	json_array_foreach(json_object_get(o, "replies"), i, e) {
		if ((id = ctl_alerts_int(e, "id")) > best) {
			best = id;
			*text = json_string_value(json_object_get(e, "text"));
		}
	}
	return best;
}

int
ctl_alerts_sim(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_reply	 r;
	json_t			*o = NULL;
	const char		*provider = "sim", *to = "+46701740699";
	const char		*from, *text, *reply;
	char			*form = NULL, *enc = NULL, *path = NULL, id[64];
	size_t			 len = 0;
	json_int_t		 before;
	int			 ch, waited, rv = CTL_FAIL;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'p')
			provider = optarg;
		else if (ch == 't')
			to = optarg;
		else
			return CTL_USAGE;
	}
	if (optind + 2 != argc || strpbrk(provider, "/?#%") != NULL)
		return CTL_USAGE;
	from = argv[optind];
	text = argv[optind + 1];

	/* The replies there already, so the new one is known. */
	if ((enc = url_encode(from)) == NULL ||
	    (path = str_printf("/v1/replies?phone=%s", enc)) == NULL)
		goto out;
	if ((o = ctl_get(c, path)) == NULL)
		goto out;
	before = ctl_alerts_newest(o, &reply);
	json_decref(o);
	o = NULL;

	snprintf(id, sizeof(id), "varselctl-%lld-%ld", (long long)time(NULL),
	    (long)getpid());
	if (form_append(&form, &len, "from", from) == -1 ||
	    form_append(&form, &len, "to", to) == -1 ||
	    form_append(&form, &len, "message", text) == -1 ||
	    form_append(&form, &len, "id", id) == -1)
		goto out;
	free(path);
	if ((path = str_printf("/hooks/%s/sms", provider)) == NULL ||
	    ctl_http(c, "POST", path, "application/x-www-form-urlencoded",
	    form, len, &r) == -1)
		goto out;
	if (r.status < 200 || r.status > 299) {
		ctl_api_error(c, path, &r);
		ctl_reply_free(&r);
		goto out;
	}
	ctl_reply_free(&r);
	fprintf(c->out, "%s -> %s: %s\n", from, to, text);

	free(path);
	path = str_printf("/v1/replies?phone=%s", enc);
	for (waited = 0; path != NULL && waited <= CTL_SIM_WAIT_MS;
	    waited += CTL_SIM_POLL_MS) {
		if ((o = ctl_get(c, path)) == NULL)
			goto out;
		if (ctl_alerts_newest(o, &reply) > before) {
			fprintf(c->out, "%s -> %s: %s\n", to, from,
			    reply ? reply : "");
			rv = CTL_OK;
			goto out;
		}
		json_decref(o);
		o = NULL;
		ctl_alerts_sleep(CTL_SIM_POLL_MS);
	}
	fprintf(c->err, "varselctl: no reply to %s within %d s (a rate "
	    "limit, or a text that needs none)\n", from,
	    CTL_SIM_WAIT_MS / 1000);
out:
	json_decref(o);
	free(enc);
	free(form);
	free(path);
	return rv;
}
