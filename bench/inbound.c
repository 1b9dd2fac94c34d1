/*
 * bench/inbound: how many inbound TRYGG SMS a second varseld takes.
 *
 * Each run starts a fresh varseld (and, for the 46elks provider, a fresh
 * fake 46elks it sends its replies to) with the shipped reference data
 * and a provider rate of 1 a second, so the replies stay queued and
 * dispatch does not compete. One process then posts N inbound SMS
 * "TRYGG <postnummer>" to POST /hooks/NAME/sms as the provider would,
 * with libcurl multi over C keep-alive connections, each with its own
 * message id and its own sender (+4670 1000000 upward: fiction numbers
 * on a fake or simulated provider, and no sender reaches the gateway's
 * 10 replies an hour). It measures requests per second and the latency
 * of the HTTP answer (p50, p90, p99, max), then checks through the API
 * that every SMS was stored (varsel_inbound_total in /metrics), that a
 * reply was queued for each (varsel_deliveries_total) and, for a sample
 * of senders, that GET /v1/replies shows their one TRYGG reply. It
 * prints figures and never judges the timing.
 */
#include <sys/resource.h>

#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench/bench.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define PHONE_BASE	1000000		/* senders +4670 1000000 upward */
#define OUR_NUMBER	"%%2B46766861000" /* the number texted, for printf */
#define RESP_MAX	256		/* bytes of an answer kept */
#define TIMEOUT_MS	30000L
#define REPLY_KIND	"reply-trygg"

/* The postnummer texted, in turn; "155 31" with the space. */
static const char *const places[] = {
	"15530", "15531", "155%2032", "15533", "15534", "155%2035"
};

/* What the options choose. */
struct opts {
	int	 n;		/* requests a run */
	int	 conns;		/* concurrent connections */
	int	 sample;	/* senders whose reply is looked up */
	bool	 sim;		/* the simulator, not the fake 46elks */
};

/* One connection's request in flight. */
struct slot {
	CURL	*easy;
	int	 idx;		/* the request's number, 0..n-1 */
	char	 body[384];
	char	 resp[RESP_MAX];
	size_t	 resp_len;
};

/* The figures of one run. */
struct run {
	double		rate;		/* answered requests a second */
	double		p50, p90, p99, max;	/* latency in ms */
	long long	errors;		/* transport errors and non-200s */
	long long	conns;		/* connections opened */
	double		cpu_daemon;	/* varseld's CPU time / wall, % */
	double		cpu_client;	/* ours, % */
	long long	stored;		/* varsel_inbound_total, summed */
	long long	replies;	/* varsel_deliveries_total, summed */
	int		sample_ok;	/* sampled senders with their reply */
	bool		verified;
};

static void	 usage(void) __attribute__((noreturn));
static size_t	 resp_cb(char *, size_t, size_t, void *);
static void	 slot_start(struct slot *, int, int, const struct opts *);
static double	 cpu_ms_self(void);
static int	 drive(const struct e2e_proc *, const struct opts *, int,
		    struct run *);
static int	 metrics_sum(const struct e2e_proc *, long long *,
		    long long *);
static int	 sample_check(struct e2e_proc *, const struct opts *);
static int	 bench_run(const struct opts *, int, struct run *);

/* Say how to call the program and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: inbound [-n requests] [--concurrency C] "
	    "[--runs R]\n"
	    "               [--provider 46elks|sim] [--sample S]\n"
	    "  run from the build folder after `make bench`; "
	    "VARSEL_BUILDDIR and\n  VARSEL_SRCDIR override where varseld "
	    "and the templates are found\n");
	exit(2);
}


/* Keep the start of an answer (for the first error's message). */
static size_t
resp_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct slot	*s = arg;
	size_t		 len = size * nmemb, room;

	room = sizeof(s->resp) - 1 - s->resp_len;
	if (len < room)
		room = len;
	memcpy(s->resp + s->resp_len, data, room);
	s->resp_len += room;
	s->resp[s->resp_len] = '\0';
	return len;
}

/* Set the slot's handle up for request idx of run run. */
static void
slot_start(struct slot *s, int idx, int run, const struct opts *o)
{
	const char	*place = places[idx % (int)nitems(places)];

	s->idx = idx;
	s->resp_len = 0;
	s->resp[0] = '\0';
	if (o->sim)
		snprintf(s->body, sizeof(s->body), "id=bench-in-%d-%d"
		    "&from=%%2B4670%07d&to=" OUR_NUMBER
		    "&message=TRYGG%%20%s", run, idx, PHONE_BASE + idx, place);
	else
		snprintf(s->body, sizeof(s->body), "id=bench-in-%d-%d"
		    "&direction=incoming&from=%%2B4670%07d&to=" OUR_NUMBER
		    "&message=TRYGG%%20%s&created=2026-11-26T21%%3A15%%3A00."
		    "000000", run, idx, PHONE_BASE + idx, place);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE,
	    (long)strlen(s->body));
}

/* The CPU time (user + system) this process has used, in ms. */
static double
cpu_ms_self(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/*
 * Post o->n inbound SMS to the daemon d over o->conns keep-alive
 * connections, always that many in flight; the rate, the latencies and
 * the CPU both sides used into r. 0 or -1.
 */
static int
drive(const struct e2e_proc *d, const struct opts *o, int run,
    struct run *r)
{
	struct curl_slist	*hl = NULL, *t;
	struct slot		*slots = NULL;
	CURLM			*multi = NULL;
	CURLMsg			*m;
	double			*lat = NULL, t0, wall, cpu_d, cpu_c;
	char			 url[160];
	int			 i, q, running, next = 0, done = 0, nlat = 0;
	int			 nslots = o->conns < o->n ? o->conns : o->n;
	int			 rc = -1;
	bool			 told = false;

	if (o->sim)
		snprintf(url, sizeof(url), "%s/hooks/sim/sms", d->url);
	else
		snprintf(url, sizeof(url), "%s/hooks/elks/sms?s=%s",
		    d->url, E2E_CALLBACK_SECRET);
	if ((t = curl_slist_append(hl, "Content-Type: "
	    "application/x-www-form-urlencoded")) == NULL)
		goto out;
	hl = t;
	if ((t = curl_slist_append(hl, "Expect:")) == NULL)
		goto out;
	hl = t;
	if ((multi = curl_multi_init()) == NULL ||
	    (slots = calloc((size_t)nslots, sizeof(*slots))) == NULL ||
	    (lat = calloc((size_t)o->n, sizeof(*lat))) == NULL) {
		fprintf(stderr, "inbound: out of memory\n");
		goto out;
	}
	/* Exactly conns connections, kept open between requests. */
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)o->conns);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)o->conns);
	for (i = 0; i < nslots; i++) {
		struct slot	*s = &slots[i];

		if ((s->easy = curl_easy_init()) == NULL) {
			fprintf(stderr, "inbound: curl_easy_init failed\n");
			goto out;
		}
		curl_easy_setopt(s->easy, CURLOPT_URL, url);
		curl_easy_setopt(s->easy, CURLOPT_NOPROXY, "*");
		curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->easy, CURLOPT_TCP_NODELAY, 1L);
		curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, resp_cb);
		curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	}

	cpu_d = bench_cpu_ms(d->pid);
	cpu_c = cpu_ms_self();
	t0 = bench_now_ms();
	for (i = 0; i < nslots; i++) {
		slot_start(&slots[i], next++, run, o);
		curl_multi_add_handle(multi, slots[i].easy);
	}
	while (done < o->n) {
		if (curl_multi_perform(multi, &running) != CURLM_OK) {
			fprintf(stderr, "inbound: curl_multi_perform failed\n");
			goto out;
		}
		while ((m = curl_multi_info_read(multi, &q)) != NULL) {
			struct slot	*s;
			char		*priv = NULL;
			curl_off_t	 us = 0;
			long		 code = 0, nconn = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    &priv);
			s = (struct slot *)priv;
			curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE,
			    &code);
			curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &us);
			curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS,
			    &nconn);
			r->conns += nconn;
			if (m->data.result == CURLE_OK && code == 200)
				lat[nlat++] = us / 1000.0;
			else {
				r->errors++;
				if (!told)
					fprintf(stderr, "inbound: request %d: "
					    "%s, HTTP %ld %s\n", s->idx,
					    curl_easy_strerror(m->data.result),
					    code, s->resp);
				told = true;
			}
			curl_multi_remove_handle(multi, s->easy);
			done++;
			if (next < o->n) {
				slot_start(s, next++, run, o);
				curl_multi_add_handle(multi, s->easy);
			}
		}
		if (done < o->n && curl_multi_poll(multi, NULL, 0, 1000,
		    NULL) != CURLM_OK) {
			fprintf(stderr, "inbound: curl_multi_poll failed\n");
			goto out;
		}
	}
	wall = bench_now_ms() - t0;
	if (wall > 0) {
		r->cpu_daemon = (bench_cpu_ms(d->pid) - cpu_d) * 100 / wall;
		r->cpu_client = (cpu_ms_self() - cpu_c) * 100 / wall;
	}
	r->rate = wall > 0 ? nlat * 1000.0 / wall : 0;
	if (nlat > 0) {
		bench_sort(lat, (size_t)nlat);
		r->p50 = bench_percentile(lat, nlat, 0.50);
		r->p90 = bench_percentile(lat, nlat, 0.90);
		r->p99 = bench_percentile(lat, nlat, 0.99);
		r->max = lat[nlat - 1];
	}
	rc = 0;
out:
	for (i = 0; slots != NULL && i < nslots; i++)
		if (slots[i].easy != NULL) {
			curl_multi_remove_handle(multi, slots[i].easy);
			curl_easy_cleanup(slots[i].easy);
		}
	curl_multi_cleanup(multi);
	curl_slist_free_all(hl);
	free(slots);
	free(lat);
	return rc;
}

/*
 * From GET /metrics: the inbound SMS stored (varsel_inbound_total over
 * every keyword) and the deliveries (varsel_deliveries_total over every
 * provider, channel and state: here only replies). 0 or -1.
 */
static int
metrics_sum(const struct e2e_proc *d, long long *stored,
    long long *replies)
{
	const char	*auth[] = { "Authorization: Bearer " E2E_TOKEN, NULL };
	char		 url[96], *text = NULL, *line, *save = NULL, *sp;
	int		 status;

	*stored = *replies = 0;
	/* The e2e client's token has metrics:read. */
	snprintf(url, sizeof(url), "%s/metrics", d->url);
	if (e2e_http("GET", url, auth, NULL, &status, &text) == -1)
		return -1;
	if (status != 200) {
		fprintf(stderr, "inbound: GET /metrics: %d\n", status);
		free(text);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((sp = strrchr(line, ' ')) == NULL)
			continue;
		if (strncmp(line, "varsel_inbound_total{", 21) == 0)
			*stored += strtoll(sp + 1, NULL, 10);
		else if (strncmp(line, "varsel_deliveries_total{", 24) == 0)
			*replies += strtoll(sp + 1, NULL, 10);
	}
	free(text);
	return 0;
}

/*
 * GET /v1/replies for o->sample senders spread over the run: how many
 * have exactly one reply, a TRYGG answer with text.
 */
static int
sample_check(struct e2e_proc *d, const struct opts *o)
{
	int	k, ok = 0, nsample = o->sample < o->n ? o->sample : o->n;

	for (k = 0; k < nsample; k++) {
		int		 idx = (int)((long long)k * o->n / nsample);
		int		 status;
		char		 path[96];
		const char	*kind, *text;
		json_t		*res, *arr, *one;

		snprintf(path, sizeof(path), "/v1/replies?phone=%%2B4670%07d"
		    "&limit=5", PHONE_BASE + idx);
		res = e2e_api(d, E2E_TOKEN, "GET", path, NULL, &status);
		arr = json_object_get(res, "replies");
		one = json_array_get(arr, 0);
		kind = json_string_value(json_object_get(one, "kind"));
		text = json_string_value(json_object_get(one, "text"));
		if (status == 200 && json_array_size(arr) == 1 &&
		    kind != NULL && strcmp(kind, REPLY_KIND) == 0 &&
		    text != NULL && text[0] != '\0')
			ok++;
		else if (ok == k)
			fprintf(stderr, "inbound: GET %s: %d, %zu replies, "
			    "kind %s\n", path, status, json_array_size(arr),
			    kind != NULL ? kind : "(none)");
		json_decref(res);
	}
	return ok;
}

/* One run with fresh processes; 0 or -1. */
static int
bench_run(const struct opts *o, int run, struct run *r)
{
	const char	*fake_args[] = { "--no-dlr", NULL };
	struct e2e_env	*env;
	struct e2e_proc	 fake, d;
	struct e2e_conf	 c;
	char		*gw = NULL;
	int		 rc = -1;

	memset(r, 0, sizeof(*r));
	if ((env = e2e_env_new()) == NULL)
		return -1;
	memset(&c, 0, sizeof(c));
	if (!o->sim) {
		if (e2e_spawn_fake(env, &fake, fake_args) == -1)
			goto out;
		c.fake_port = fake.port;
	}
	gw = str_printf("trygghetspunkter = %s/conf/trygghetspunkter.csv\n"
	    "areas = %s/conf/areas.csv\n"
	    "emergency_number = 08-721 23 13\n", e2e_srcdir(), e2e_srcdir());
	if (gw == NULL)
		goto out;
	/* Replies stay queued: dispatch does not compete. */
	c.rate = 1;
	c.gateway = gw;
	if (e2e_env_config(env, &c) == -1 || e2e_spawn_daemon(env, &d) == -1)
		goto out;

	if (drive(&d, o, run, r) == -1)
		goto out;
	if (!e2e_alive(&d)) {
		fprintf(stderr, "inbound: varseld died during the run\n");
		goto out;
	}
	if (metrics_sum(&d, &r->stored, &r->replies) == -1)
		goto out;
	r->sample_ok = sample_check(&d, o);
	r->verified = r->errors == 0 && r->stored == o->n &&
	    r->replies == o->n &&
	    r->sample_ok == (o->sample < o->n ? o->sample : o->n);
	rc = 0;
out:
	free(gw);
	e2e_env_free(env);
	return rc;
}

/* Parse the options, run the runs, print the figures. */
int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "concurrency",	required_argument,	NULL, 'c' },
		{ "runs",		required_argument,	NULL, 'r' },
		{ "provider",		required_argument,	NULL, 'p' },
		{ "sample",		required_argument,	NULL, 's' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL,			0,			NULL, 0 }
	};
	struct opts	 o = { 20000, 16, 100, false };
	struct run	*runs;
	int		 nruns = 3, ch, i, ok = 0, verified = 0;

	while ((ch = getopt_long(argc, argv, "n:c:r:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'n':
			o.n = atoi(optarg);
			break;
		case 'c':
			o.conns = atoi(optarg);
			break;
		case 'r':
			nruns = atoi(optarg);
			break;
		case 'p':
			if (strcmp(optarg, "sim") == 0)
				o.sim = true;
			else if (strcmp(optarg, "46elks") == 0)
				o.sim = false;
			else
				usage();
			break;
		case 's':
			o.sample = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.n < 1 || o.n > 8999999 || o.conns < 1 ||
	    o.conns > 1000 || nruns < 1 || nruns > 100 || o.sample < 0)
		usage();
	if ((runs = calloc((size_t)nruns, sizeof(*runs))) == NULL)
		return 1;

	printf("inbound: %d TRYGG SMS a run, each from its own sender, over "
	    "%d keep-alive connections\n", o.n, o.conns);
	printf("POST /hooks/%s/sms as %s; provider rate=1 (replies stay "
	    "queued); %d senders' replies checked\n", o.sim ? "sim" : "elks",
	    o.sim ? "the simulator's form" : "46elks posts it (fake 46elks)",
	    o.sample < o.n ? o.sample : o.n);
	printf("%-6s %7s %6s %6s %6s %6s %5s %5s %6s %5s %7s %7s %6s\n",
	    "run", "req/s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "cpu_d",
	    "cpu_c", "errors", "conns", "stored", "replies", "sample");
	fflush(stdout);
	for (i = 0; i < nruns; i++) {
		struct run	*r = &runs[ok];

		if (bench_run(&o, i + 1, r) == -1) {
			printf("%-6d failed (see above)\n", i + 1);
			continue;
		}
		printf("%-6d %7.0f %6.2f %6.2f %6.2f %6.1f %4.0f%% %4.0f%% "
		    "%6lld %5lld %7lld %7lld %6d%s\n", i + 1, r->rate, r->p50,
		    r->p90, r->p99, r->max, r->cpu_daemon, r->cpu_client,
		    r->errors, r->conns, r->stored, r->replies, r->sample_ok,
		    r->verified ? "" : "  NOT VERIFIED");
		fflush(stdout);
		if (r->verified)
			verified++;
		ok++;
	}
	if (ok > 0)
		printf("%-6s %7.0f %6.2f %6.2f %6.2f %6.1f %4.0f%% %4.0f%%\n",
		    "median", bench_median(runs, sizeof(*runs), ok, offsetof(struct run, rate)),
		    bench_median(runs, sizeof(*runs), ok, offsetof(struct run, p50)),
		    bench_median(runs, sizeof(*runs), ok, offsetof(struct run, p90)),
		    bench_median(runs, sizeof(*runs), ok, offsetof(struct run, p99)),
		    bench_median(runs, sizeof(*runs), ok, offsetof(struct run, max)),
		    bench_median(runs, sizeof(*runs), ok, offsetof(struct run, cpu_daemon)),
		    bench_median(runs, sizeof(*runs), ok, offsetof(struct run, cpu_client)));
	free(runs);
	return verified == nruns ? 0 : 1;
}
