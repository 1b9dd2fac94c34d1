/*
 * varselctl: talks to varseld's HTTP API for people and scripts. This
 * file holds main, the table of subcommands, the usage text, and the
 * helpers every subcommand shares: one blocking libcurl call per
 * request (signed when the client has an hmac_secret), error printing
 * and durations.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "autoconf.h"
#include "ctl/ctl.h"
#include "util.h"

#define CTL_DEFAULT_URL		"http://127.0.0.1:8025"
#define CTL_MAX_BODY		(64 * 1024 * 1024)	/* of an answer */
#define CTL_CONNECT_MS		5000L
#define CTL_TIMEOUT_MS		60000L

/* A subcommand: one or two words, its arguments and what it does. */
struct ctl_cmd {
	const char	*word;
	const char	*word2;		/* NULL: a one-word command */
	const char	*args;
	const char	*help;
	int		(*fn)(struct ctl *, int, char **);
};

/* An answer body as it arrives. */
struct ctl_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 too_big;
};

#define CTL_SEND_ARGS \
	"--group G | --contact N | --area A | --circle LAT,LON,M |\n" \
	"\t--polygon \"LAT,LON LAT,LON LAT,LON\" ...\n" \
	"\t(--message TEXT | --template T [--var k=v ...]) [--lang L]\n" \
	"\t[--severity S] [--ack] [--need N [--escalate-to G,N ...\n" \
	"\t--escalate-after 10m]] [--escalate 5m] [--send-at TIME|+2h]\n" \
	"\t[--quiet-hours ignore] [--expires 1h] [--voice]\n" \
	"\t[--channel sms|voice] [--ref REF]"

/*
 * Every command: its words, arguments, help and function. A command is
 * one row here and one function (ctl_show.c holds the simple ones);
 * --json anywhere makes its output the API's JSON, for scripts.
 */
static const struct ctl_cmd ctl_cmds[] = {
	{ "send", NULL, CTL_SEND_ARGS,
	    "send an alert; prints its id, state, recipients, people and eta.\n"
	    "\t--need N: a call-out enough at N JA; --escalate-to asks the\n"
	    "\tnext audience (groups and numbers, up to twice) when fewer\n"
	    "\tsaid JA after --escalate-after; --escalate calls who stays\n"
	    "\tsilent; --send-at schedules it (RFC 3339, or +DURATION)",
	    ctl_alerts_send },
	{ "preview", NULL, "(the arguments of send)",
	    "each language's text, encoding, segments and recipients of an\n"
	    "\talert, without sending it", ctl_alerts_preview },
	{ "alerts", "list", "[--limit 50]",
	    "the newest alerts with their state and counts", ctl_alerts_list },
	{ "alerts", "show", "ID",
	    "one alert: state, times, counts, answers, need and its chain's\n"
	    "\tsteps", ctl_alerts_show },
	{ "alerts", "cancel", "ID",
	    "cancel what is not sent yet; a scheduled or held alert is never\n"
	    "\tsent", ctl_alerts_cancel },
	{ "alerts", "deliveries", "ID [--state S] [--limit N] [--csv]",
	    "an alert's deliveries (every page), as a table or CSV",
	    ctl_alerts_deliveries },
	{ "status", NULL, "ID [--watch]",
	    "the counts of an alert; --watch prints them every second until\n"
	    "\tit is done and no delivery report is outstanding",
	    ctl_alerts_status },
	{ "contacts", "import", "FILE.csv [--batch N]",
	    "upsert the contacts of a CSV file in batches of N (500); the\n"
	    "\tfirst line names the columns: phone,name,lang,groups,area,lat,"
	    "lon,\n\tchannels (groups and channels split by |); prints each "
	    "rejected\n\trow with its line number; exit 1 if any was rejected",
	    ctl_contacts_import },
	{ "contacts", "export", "",
	    "all contacts as CSV on stdout, in the format import reads",
	    ctl_contacts_export },
	{ "contacts", "show", "PHONE", "one contact", ctl_contacts_show },
	{ "contacts", "delete", "PHONE",
	    "erase the person (an opt-out and the consent record stay)",
	    ctl_contacts_delete },
	{ "contacts", "history", "PHONE",
	    "the consent record: when and how the number was added, its\n"
	    "\tSTOPP and START, its erasure", ctl_contacts_history },
	{ "groups", NULL, "", "the groups and how many are in each",
	    ctl_groups },
	{ "approve", NULL, "ID",
	    "release an alert that waits for a second person's approval",
	    ctl_alerts_approve },
	{ "report", NULL, "ID [-o FILE.csv]",
	    "an alert's report, one row per delivery, as CSV (numbers\n"
	    "\tmasked unless the token has contacts:read)",
	    ctl_alerts_report },
	{ "inbox", NULL, "[--after ID] [--before ID] [--limit N]",
	    "texts from residents that were no keyword, newest first",
	    ctl_inbox },
	{ "audit", NULL, "[--alert ID] [--contact NUMBER] [--before ID]\n"
	    "\t[--after ID] [--limit N]",
	    "the audit trail, newest first: who changed what, from where",
	    ctl_audit },
	{ "user", "add", "NAME --role viewer|sender|approver|admin\n"
	    "\t[--config FILE] [--password-stdin]",
	    "a console user: asks the password twice (no echo) and prints\n"
	    "\tthe [user NAME] section with its scrypt hash, or appends it\n"
	    "\tto FILE under a lock, keeping FILE.bak, and records it in\n"
	    "\tthe audit; reload varseld to let the user in",
	    ctl_user_add },
	{ "purge", NULL, "--older-than 90d",
	    "strip numbers and texts from the deliveries of alerts older\n"
	    "\tthan that (s, m, h, d, w); their counts stay",
	    ctl_alerts_purge },
	{ "sim", "inbound", "FROM TEXT [--provider sim] [--to NUMBER]",
	    "post TEXT as an SMS from FROM to a simulator provider and\n"
	    "\tprint the reply the gateway queued",
	    ctl_alerts_sim },
	{ "templates", "check", "[-c varsel.conf] [--langs sv,en,...]",
	    "render every template of the configured folder with sample\n"
	    "\tvalues; prints unknown variables, missing languages and calls,\n"
	    "\tSMS texts over max_segments and misplaced numbers; exit 1 if\n"
	    "\tany", ctl_templates_check },
	{ "backup", NULL, "[-c varsel.conf | --database DB] FILE",
	    "copy the database to FILE while varseld runs (a consistent\n"
	    "\tsnapshot), check the copy's integrity, then give it its name",
	    ctl_backup },
	{ "restore", NULL, "[-c varsel.conf | --database DB] FILE",
	    "put the backup FILE in place of the database; varseld must be\n"
	    "\tstopped; an older schema is migrated, a newer one refused;\n"
	    "\tthe old database is renamed aside, not deleted",
	    ctl_restore },
};

static void	ctl_usage(FILE *);
static size_t	ctl_write_cb(char *, size_t, size_t, void *);
static void	ctl_print_safe(FILE *, const char *, size_t);

/* The whole usage text. */
static void
ctl_usage(FILE *fp)
{
	size_t	i;

	fprintf(fp,
	    "usage: varselctl [-u URL] [-t TOKEN] [-s SECRET] [-c FILE] "
	    "[-C CAFILE] command ...\n"
	    "  -u URL     the API (default $VARSEL_URL, else %s)\n"
	    "  -t TOKEN   bearer token of an API client (default "
	    "$VARSEL_TOKEN)\n"
	    "  -s SECRET  the client's hmac_secret, if it has one\n"
	    "             (default $VARSEL_HMAC_SECRET)\n"
	    "  -c FILE    varseld's configuration, for templates check,\n"
	    "             backup and restore (default $VARSEL_CONF, else\n"
	    "             %s)\n"
	    "  -C CAFILE  trust the certificates in CAFILE (PEM) for an\n"
	    "             https URL, e.g. varseld's own self-signed\n"
	    "             tls_cert (default $VARSEL_CACERT, else the\n"
	    "             system's CAs)\n"
	    "  --json     print the API's answers as JSON (anywhere on the "
	    "line)\n"
	    "  -h         this help\n\ncommands:\n", CTL_DEFAULT_URL,
	    CTL_DEFAULT_CONF);
	for (i = 0; i < nitems(ctl_cmds); i++)
		fprintf(fp, "  %s%s%s%s%s\n\t%s\n", ctl_cmds[i].word,
		    ctl_cmds[i].word2 ? " " : "",
		    ctl_cmds[i].word2 ? ctl_cmds[i].word2 : "",
		    *ctl_cmds[i].args ? " " : "", ctl_cmds[i].args,
		    ctl_cmds[i].help);
	fprintf(fp, "\nexit status: 0 done, 1 refused or failed, 2 bad "
	    "arguments\n");
}

/* curl write callback: keep the answer, up to CTL_MAX_BODY bytes. */
static size_t
ctl_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct ctl_buf	*b = arg;
	size_t		 add = size * n, cap;
	char		*np;

	if (b->len + add + 1 > CTL_MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	if (b->len + add + 1 > b->cap) {
		cap = (b->len + add + 1) * 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return 0;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

int
ctl_http(const struct ctl *c, const char *method, const char *path,
    const char *content_type, const char *body, size_t len,
    struct ctl_reply *r)
{
	struct curl_slist	*h = NULL, *nh;
	struct ctl_buf		 b = { NULL, 0, 0, false };
	CURL			*e;
	CURLcode		 rc;
	char			 errbuf[CURL_ERROR_SIZE], *url, *hdr, *data;
	char			 sig[65], ts[32];
	bool			 oom = false;

	memset(r, 0, sizeof(*r));
	errbuf[0] = '\0';
	if ((url = str_printf("%s%s", c->url, path)) == NULL ||
	    (e = curl_easy_init()) == NULL) {
		fprintf(c->err, "varselctl: out of memory\n");
		free(url);
		return -1;
	}
#define ADD(s) do {							\
	if ((nh = curl_slist_append(h, (s))) == NULL)			\
		oom = true;						\
	else								\
		h = nh;							\
} while (0)
	if (c->token != NULL) {
		if ((hdr = str_printf("Authorization: Bearer %s",
		    c->token)) == NULL)
			oom = true;
		else
			ADD(hdr);
		free(hdr);
	}
	if (body != NULL && content_type != NULL) {
		if ((hdr = str_printf("Content-Type: %s", content_type)) ==
		    NULL)
			oom = true;
		else
			ADD(hdr);
		free(hdr);
	}
	ADD("Accept: application/json");
	ADD("Expect:");
	if (c->secret != NULL) {
		/* timestamp "." raw body, as API.md says. */
		snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
		if ((data = malloc(strlen(ts) + 1 + len + 1)) == NULL)
			oom = true;
		else {
			memcpy(data, ts, strlen(ts));
			data[strlen(ts)] = '.';
			if (len > 0)
				memcpy(data + strlen(ts) + 1, body, len);
			hmac_sha256_hex(c->secret, strlen(c->secret), data,
			    strlen(ts) + 1 + len, sig);
			free(data);
			if ((hdr = str_printf("X-Varsel-Timestamp: %s",
			    ts)) == NULL)
				oom = true;
			else
				ADD(hdr);
			free(hdr);
			if ((hdr = str_printf("X-Varsel-Signature: "
			    "sha256=%s", sig)) == NULL)
				oom = true;
			else
				ADD(hdr);
			free(hdr);
		}
	}
#undef ADD
	if (oom) {
		fprintf(c->err, "varselctl: out of memory\n");
		curl_slist_free_all(h);
		curl_easy_cleanup(e);
		free(url);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CTL_CONNECT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, CTL_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "varselctl/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	if (c->cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->cacert);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ctl_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (body != NULL || strcmp(method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body ? len : 0));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);

	rc = curl_easy_perform(e);
	if (rc != CURLE_OK) {
		if (b.too_big)
			fprintf(c->err, "varselctl: %s %s: the answer is "
			    "larger than %d bytes\n", method, url,
			    CTL_MAX_BODY);
		else
			fprintf(c->err, "varselctl: %s %s: %s\n", method, url,
			    errbuf[0] ? errbuf : curl_easy_strerror(rc));
		free(b.p);
		curl_slist_free_all(h);
		curl_easy_cleanup(e);
		free(url);
		return -1;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	free(url);
	r->body = b.p != NULL ? b.p : xstrdup("");
	r->len = b.len;
	if (r->len > 0)
		r->json = json_loadb(r->body, r->len, 0, NULL);
	return 0;
}

int
ctl_http_json(const struct ctl *c, const char *path, const json_t *v,
    struct ctl_reply *r)
{
	char	*body;
	int	 rv;

	if ((body = json_dumps(v, JSON_COMPACT)) == NULL) {
		memset(r, 0, sizeof(*r));
		fprintf(c->err, "varselctl: out of memory\n");
		return -1;
	}
	rv = ctl_http(c, "POST", path, "application/json", body,
	    strlen(body), r);
	free(body);
	return rv;
}

void
ctl_reply_free(struct ctl_reply *r)
{
	if (r == NULL)
		return;
	json_decref(r->json);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* Print at most len bytes of s with control characters as '?'. */
static void
ctl_print_safe(FILE *fp, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && s[i] != '\0'; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i],
		    fp);
}

void
ctl_api_error(const struct ctl *c, const char *what,
    const struct ctl_reply *r)
{
	json_t		*e = NULL;
	const char	*code = NULL, *msg = NULL, *field = NULL;

	if (r->json != NULL && (e = json_object_get(r->json, "error")) !=
	    NULL) {
		code = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
		field = json_string_value(json_object_get(e, "field"));
	}
	if (code != NULL) {
		fprintf(c->err, "varselctl: %s: %ld %s", what, r->status,
		    code);
		if (field != NULL)
			fprintf(c->err, " (%s)", field);
		fprintf(c->err, ": %s\n", msg ? msg : "");
		return;
	}
	fprintf(c->err, "varselctl: %s: HTTP %ld", what, r->status);
	if (r->len > 0) {
		fputs(": ", c->err);
		ctl_print_safe(c->err, r->body, 200);
	}
	fputc('\n', c->err);
}

int64_t
ctl_duration(const char *s)
{
	char		*end;
	long long	 n;
	int64_t		 mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (n > INT64_MAX / mul)
		return -1;
	return (int64_t)n * mul;
}

int
main(int argc, char *argv[])
{
	struct ctl		 c;
	const struct ctl_cmd	*cmd = NULL;
	char			*url;
	size_t			 i, n;
	int			 ch, rv, skip;

	memset(&c, 0, sizeof(c));
	c.out = stdout;
	c.err = stderr;
	c.url = getenv("VARSEL_URL");
	c.token = getenv("VARSEL_TOKEN");
	c.secret = getenv("VARSEL_HMAC_SECRET");
	c.conf = getenv("VARSEL_CONF");
	c.cacert = getenv("VARSEL_CACERT");
	/* --json anywhere before "--": taken out, for every command. */
	for (i = 1, n = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < (size_t)argc)
				argv[n++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0)
			c.json = true;
		else
			argv[n++] = argv[i];
	}
	argc = (int)n;
	argv[argc] = NULL;
	while ((ch = getopt(argc, argv, "+u:t:s:c:C:h")) != -1) {
		switch (ch) {
		case 'u':
			c.url = optarg;
			break;
		case 't':
			c.token = optarg;
			break;
		case 's':
			c.secret = optarg;
			break;
		case 'c':
			c.conf = optarg;
			break;
		case 'C':
			c.cacert = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return CTL_OK;
		default:
			ctl_usage(stderr);
			return CTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (c.url == NULL || *c.url == '\0')
		c.url = CTL_DEFAULT_URL;
	if (c.token != NULL && *c.token == '\0')
		c.token = NULL;
	if (c.secret != NULL && *c.secret == '\0')
		c.secret = NULL;
	if (c.cacert != NULL && *c.cacert == '\0')
		c.cacert = NULL;
	for (i = 0; argc > 0 && i < nitems(ctl_cmds); i++) {
		if (strcmp(argv[0], ctl_cmds[i].word) != 0)
			continue;
		if (ctl_cmds[i].word2 == NULL || (argc > 1 &&
		    strcmp(argv[1], ctl_cmds[i].word2) == 0)) {
			cmd = &ctl_cmds[i];
			break;
		}
	}
	if (cmd == NULL) {
		if (argc == 0) {
			ctl_usage(stderr);
			return CTL_USAGE;
		}
		for (i = 0; i < nitems(ctl_cmds); i++)
			if (strcmp(argv[0], ctl_cmds[i].word) == 0)
				break;
		if (i < nitems(ctl_cmds)) {
			fprintf(stderr, "varselctl: %s: say which:", argv[0]);
			for (; i < nitems(ctl_cmds); i++)
				if (strcmp(argv[0], ctl_cmds[i].word) == 0)
					fprintf(stderr, " %s",
					    ctl_cmds[i].word2);
			fputc('\n', stderr);
		} else
			fprintf(stderr, "varselctl: unknown command '%s' "
			    "(varselctl -h lists them)\n", argv[0]);
		return CTL_USAGE;
	}
	skip = cmd->word2 != NULL ? 1 : 0;
	for (n = (size_t)skip + 1; n < (size_t)argc &&
	    strcmp(argv[n], "--") != 0; n++)
		if (strcmp(argv[n], "-h") == 0 ||
		    strcmp(argv[n], "--help") == 0) {
			printf("usage: varselctl %s%s%s %s\n\t%s\n",
			    cmd->word, cmd->word2 ? " " : "",
			    cmd->word2 ? cmd->word2 : "", cmd->args,
			    cmd->help);
			return CTL_OK;
		}
	/* The URL without a trailing slash: paths start with one. */
	url = xstrdup(c.url);
	for (n = strlen(url); n > 0 && url[n - 1] == '/'; n--)
		url[n - 1] = '\0';
	c.url = url;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "varselctl: curl_global_init failed\n");
		free(url);
		return CTL_FAIL;
	}
	optind = 0;		/* glibc: start afresh on the new argv */
	rv = cmd->fn(&c, argc - skip, argv + skip);
	if (rv == CTL_USAGE)
		fprintf(stderr, "usage: varselctl %s%s%s %s\n", cmd->word,
		    cmd->word2 ? " " : "", cmd->word2 ? cmd->word2 : "",
		    cmd->args);
	curl_global_cleanup();
	free(url);
	return rv;
}
