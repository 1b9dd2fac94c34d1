/*
 * bench/fanout: how fast one alert to a big group reaches the provider.
 *
 * Each run starts a fresh fake 46elks (no delivery reports) and a fresh
 * varseld pointed at it, loads N contacts into one group through
 * POST /v1/contacts, posts one alert to the group and measures the time to
 * the 202, the time until the fake has accepted all N requests, the rate,
 * the time until varseld reports all N sent, and varseld's peak RSS.
 * With --numbers the alert names the N numbers in audience.contacts
 * instead (none stored as a contact), as a coordination system that
 * keeps its own lists sends them. It prints figures and never judges
 * them.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define POLL_MS		5
#define DEADLINE_MS	300000
#define GROUP		"bench"

/* The median of field f over the ok runs. */
#define RUN_MEDIAN(f) \
	bench_median(runs, sizeof(*runs), ok, offsetof(struct run, f))

/* The figures of one run. */
struct run {
	double	contacts_ms;	/* loading the contacts */
	double	accept_ms;	/* POST /v1/alerts until its 202 */
	double	provider_ms;	/* POST until the fake accepted all N */
	double	rate;		/* messages per second, POST to last accept */
	double	sent_ms;	/* POST until varseld counts all N sent */
	double	rss_mb;		/* varseld's VmHWM */
	double	cpu_us;		/* varseld's CPU per message, POST to sent */
	double	stmts;		/* SQL statements per message, likewise */
	long long dup;		/* duplicates the fake saw */
	long long tempfail;	/* 503s the fake gave (should be 0) */
};

static void	usage(void) __attribute__((noreturn));
static void	bench_sleep(void);
static int	bench_run(int, int, int, bool, int, struct run *);
static char	*alert_body(int, bool, int);

/* Say how to call the program and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: fanout [-n contacts] [--runs R] "
	    "[--batch-max B] [--connections C] [--numbers]\n"
	    "       [--length L]\n"
	    "  run from the build folder after `make bench`; "
	    "VARSEL_BUILDDIR and\n  VARSEL_SRCDIR override where varseld "
	    "and the templates are found\n");
	exit(2);
}

/* Wait one polling interval. */
static void
bench_sleep(void)
{
	struct timespec	ts = { 0, POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The alert: to the group of the n contacts, or (numbers) to the same n
 * numbers named in its audience; its text length characters of GSM-7
 * (0: a short one). NULL if out of memory.
 */
static char *
alert_body(int n, bool numbers, int length)
{
	static const char	 words[] = "Prov: larm till alla i gruppen. ";
	json_t			*aud, *arr, *body;
	char			 num[32], *text, *msg;
	int			 i;

	if (length <= 0)
		msg = strdup("Prov: larm till alla i gruppen.");
	else if ((msg = malloc((size_t)length + 1)) != NULL) {
		for (i = 0; i < length; i++)
			msg[i] = words[i % (int)(sizeof(words) - 1)];
		msg[length] = '\0';
	}
	if (msg == NULL)
		return NULL;

	if (numbers) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			e2e_phone(i, num, sizeof(num));
			json_array_append_new(arr, json_string(num));
		}
		aud = json_pack("{so}", "contacts", arr);
	} else
		aud = json_pack("{s[s]}", "groups", GROUP);
	body = json_pack("{ss ss so}", "source_ref", "bench-fanout",
	    "message", msg, "audience", aud);
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	free(msg);
	return text;
}

/* One run with fresh processes; 0 or -1. */
static int
bench_run(int n, int batch_max, int connections, bool numbers,
    int length, struct run *r)
{
	const char	*fake_args[] = { "--no-dlr", NULL };
	struct e2e_env	*env;
	struct e2e_proc	 fake, d;
	struct e2e_conf	 c;
	char		 dispatch[256], path[64], *body = NULL;
	long long	 t0, t, id;
	double		 cpu0, stmt0;
	pid_t		 perf;
	json_t		*res;
	int		 status, rc = -1;

	memset(r, 0, sizeof(*r));
	if ((env = e2e_env_new()) == NULL)
		return -1;
	if (e2e_spawn_fake(env, &fake, fake_args) == -1)
		goto out;
	snprintf(dispatch, sizeof(dispatch), "retry_base_ms = 50\n"
	    "retry_max_ms = 200\nmax_attempts = 6");
	if (batch_max > 0)
		snprintf(dispatch + strlen(dispatch), sizeof(dispatch) -
		    strlen(dispatch), "\nbatch_max = %d", batch_max);
	memset(&c, 0, sizeof(c));
	c.fake_port = fake.port;
	c.rate = 100000;
	c.max_connections = connections;
	c.dispatch = dispatch;
	c.gateway = "max_body_bytes = 16777216"; /* 100,000 numbers: 1.6 MB */
	if (e2e_env_config(env, &c) == -1 || e2e_spawn_daemon(env, &d) == -1)
		goto out;

	t0 = e2e_now_ms();
	if (!numbers && e2e_add_contacts(&d, 0, n, GROUP, false) == -1)
		goto out;
	r->contacts_ms = (double)(e2e_now_ms() - t0);

	if ((body = alert_body(n, numbers, length)) == NULL)
		goto out;
	stmt0 = bench_metric(&d, "varsel_sql_statements_total");
	perf = bench_perf_start(d.pid);
	cpu0 = bench_cpu_ms(d.pid);
	t0 = e2e_now_ms();
	res = e2e_api(&d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	r->accept_ms = (double)(e2e_now_ms() - t0);
	id = e2e_json_int(res, "id");
	if (status != 202 || e2e_json_int(res, "recipients") != n) {
		fprintf(stderr, "fanout: POST /v1/alerts: %d, recipients "
		    "%lld of %d\n", status, e2e_json_int(res, "recipients"), n);
		json_decref(res);
		goto out;
	}
	json_decref(res);

	/* The provider's view: every request accepted. */
	for (;;) {
		long long	acc = e2e_fake_stat(&fake, "accepted");

		t = e2e_now_ms();
		if (acc >= n)
			break;
		if (t - t0 > DEADLINE_MS || !e2e_alive(&d)) {
			fprintf(stderr, "fanout: the fake accepted %lld of "
			    "%d\n", acc, n);
			goto out;
		}
		bench_sleep();
	}
	r->provider_ms = (double)(t - t0);
	r->rate = r->provider_ms > 0 ? n * 1000.0 / r->provider_ms : 0;

	/* The daemon's view: every delivery recorded as sent. */
	snprintf(path, sizeof(path), "/v1/alerts/%lld", id);
	for (;;) {
		long long	sent;

		res = e2e_api(&d, E2E_TOKEN, "GET", path, NULL, &status);
		sent = e2e_json_int(res, "counts.sent") +
		    e2e_json_int(res, "counts.delivered");
		json_decref(res);
		t = e2e_now_ms();
		if (status == 200 && sent >= n)
			break;
		if (t - t0 > DEADLINE_MS || !e2e_alive(&d)) {
			fprintf(stderr, "fanout: varseld counts %lld of %d "
			    "sent\n", sent, n);
			goto out;
		}
		bench_sleep();
	}
	r->sent_ms = (double)(t - t0);
	r->cpu_us = (bench_cpu_ms(d.pid) - cpu0) * 1000.0 / n;
	bench_perf_stop(perf);
	r->stmts = (bench_metric(&d, "varsel_sql_statements_total") - stmt0) /
	    n;
	r->rss_mb = bench_peak_rss_mb(d.pid);
	r->dup = e2e_fake_stat(&fake, "duplicates");
	r->tempfail = e2e_fake_stat(&fake, "tempfailed");
	rc = 0;
out:
	free(body);
	e2e_env_free(env);
	return rc;
}

/* Parse the options, run the runs, print the figures. */
int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "runs",		required_argument,	NULL, 'r' },
		{ "batch-max",		required_argument,	NULL, 'b' },
		{ "connections",	required_argument,	NULL, 'c' },
		{ "numbers",		no_argument,		NULL, 'N' },
		{ "length",		required_argument,	NULL, 'L' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL,			0,			NULL, 0 }
	};
	struct run	*runs;
	int		 n = 10000, nruns = 3, batch_max = 0, conns = 64;
	int		 ch, i, ok = 0;
	bool		 numbers = false;
	int		 length = 0;

	while ((ch = getopt_long(argc, argv, "n:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			nruns = atoi(optarg);
			break;
		case 'b':
			batch_max = atoi(optarg);
			break;
		case 'c':
			conns = atoi(optarg);
			break;
		case 'N':
			numbers = true;
			break;
		case 'L':
			length = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n < 1 || n > 8999999 || nruns < 1 ||
	    nruns > 100 || batch_max < 0 || conns < 1 || length < 0 ||
	    length > 1500)
		usage();
	if ((runs = calloc((size_t)nruns, sizeof(*runs))) == NULL)
		return 1;

	printf("fanout: %d recipients %s, a text of %d characters, fake "
	    "46elks on loopback, rate=100000, max_connections=%d, ", n,
	    numbers ? "named in the audience" : "in a group",
	    length > 0 ? length : 31, conns);
	if (batch_max > 0)
		printf("batch_max=%d\n", batch_max);
	else
		printf("batch_max as configured by default\n");
	printf("%-6s %11s %9s %12s %10s %10s %9s %7s %6s %5s %5s\n", "run",
	    "contacts_ms", "202_ms", "provider_ms", "msg/s", "sent_ms",
	    "rss_MiB", "cpu_us", "stmts", "dup", "503");
	for (i = 0; i < nruns; i++) {
		struct run	*r = &runs[ok];

		if (bench_run(n, batch_max, conns, numbers, length, r) == -1) {
			printf("%-6d failed (see above)\n", i + 1);
			continue;
		}
		printf("%-6d %11.0f %9.0f %12.0f %10.0f %10.0f %9.1f %7.1f "
		    "%6.1f %5lld %5lld\n", i + 1, r->contacts_ms, r->accept_ms,
		    r->provider_ms, r->rate, r->sent_ms, r->rss_mb, r->cpu_us,
		    r->stmts, r->dup, r->tempfail);
		fflush(stdout);
		ok++;
	}
	if (ok > 0)
		printf("%-6s %11.0f %9.0f %12.0f %10.0f %10.0f %9.1f %7.1f "
		    "%6.1f\n", "median",
		    RUN_MEDIAN(contacts_ms),
		    RUN_MEDIAN(accept_ms),
		    RUN_MEDIAN(provider_ms),
		    RUN_MEDIAN(rate),
		    RUN_MEDIAN(sent_ms),
		    RUN_MEDIAN(rss_mb),
		    RUN_MEDIAN(cpu_us),
		    RUN_MEDIAN(stmts));
	free(runs);
	return ok == nruns ? 0 : 1;
}
