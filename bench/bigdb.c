/*
 * bench/bigdb: the figures of a database far larger than a test's
 * (issue 15): reading an alert with 1,000,000 deliveries, and a circle
 * of 100,000 out of 1,000,000 contacts.
 *
 * It builds a database of N contacts scattered over the box around
 * Nykvarn (scatter.h), all in one group, through POST /v1/contacts, so
 * the database is exactly what the daemon writes; with --keep DIR the
 * database is built once into DIR and every later run starts from a copy
 * of it. Then one varseld on that database, with the simulator at
 * rate = 1 so that the deliveries stay queued, gets one alert to the
 * group (N deliveries; the time to its 202), G reads of that alert and
 * of its deliveries' first page over one keep-alive connection (median,
 * p99, max), and R alerts to a circle that holds about T contacts (the
 * time to each 202, and its recipients beside our own count). Last the
 * daemon's peak memory, the size of the database, and how long a stop
 * and a start take on it. It prints figures and never judges them; it
 * exits 1 when an answer was not what the database holds.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench/bench.h"
#include "bench/scatter.h"
#include "gateway/geo.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define GROUP		"bigdb"
#define TIMEOUT_MS	600000L		/* a 202 for a million may be slow */
#define STOP_MS		120000		/* a clean stop checkpoints the WAL */
#define MIB		(1024.0 * 1024.0)

/* One keep-alive connection to the daemon: a curl handle kept. */
struct client {
	CURL			*curl;
	struct curl_slist	*get_headers;
	struct curl_slist	*post_headers;
	char			 base[64];
	struct e2e_buf		 body;		/* the last answer's */
	long			 connects;	/* connections opened */
};

/* What G reads of one path gave (milliseconds). */
struct reads {
	double		median;
	double		p99;
	double		max;
	long long	rows;		/* on the last page; -1: no page */
};

/* The options. */
struct opts {
	int		 n;
	int		 target;
	int		 runs;
	int		 gets;
	int		 batch;
	unsigned long	 seed;
	const char	*keep;		/* NULL: build in the temp folder */
};

static void	usage(void) __attribute__((noreturn));
static void	opts_parse(struct opts *, int, char *[]);
static int	in_circle(const struct scatter *, struct geo_point, double);
static int	file_copy(const char *, const char *);
static int	db_copy(const char *, const char *);
static double	db_size_mb(const char *, const char *);
static int	db_build(struct e2e_env *, const struct scatter *, int);
static int	db_prepare(struct e2e_env *, const struct scatter *,
		    const struct opts *);
static int	client_open(struct client *, const char *);
static void	client_close(struct client *);
static int	client_call(struct client *, const char *, const char *,
		    const char *, double *, json_t **);
static long long alert_post(struct client *, const char *, long long,
		    double *);
static long long counts_sum(const json_t *);
static long long metrics_deliveries(const char *);
static int	reads_measure(struct client *, const char *, int, long long,
		    struct reads *);
static int	reads_all(struct client *, long long, const struct opts *);
static int	circles(struct client *, struct geo_point, double, int,
		    const struct opts *);
static int	restart(struct e2e_env *, struct e2e_proc *);

/* Say how to call the program and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: bigdb [-n contacts] [--target T] "
	    "[--runs R] [--gets G]\n"
	    "             [--batch B] [--seed S] [--keep DIR]\n"
	    "  run from the build folder after `make bench`; "
	    "VARSEL_BUILDDIR and\n  VARSEL_SRCDIR override where varseld "
	    "and the templates are found\n");
	exit(2);
}

/* Read the options into o, or exit through usage. */
static void
opts_parse(struct opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "target",	required_argument,	NULL, 't' },
		{ "runs",	required_argument,	NULL, 'r' },
		{ "gets",	required_argument,	NULL, 'g' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "seed",	required_argument,	NULL, 's' },
		{ "keep",	required_argument,	NULL, 'k' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	int	ch;

	o->n = 1000000;
	o->target = 100000;
	o->runs = 5;
	o->gets = 200;
	o->batch = 10000;
	o->seed = 1;
	o->keep = NULL;
	while ((ch = getopt_long(argc, argv, "n:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->n = atoi(optarg);
			break;
		case 't':
			o->target = atoi(optarg);
			break;
		case 'r':
			o->runs = atoi(optarg);
			break;
		case 'g':
			o->gets = atoi(optarg);
			break;
		case 'b':
			o->batch = atoi(optarg);
			break;
		case 's':
			o->seed = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			o->keep = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->n < 1 || o->n > SCATTER_MAX ||
	    o->target < 1 || o->target > o->n || o->runs < 1 ||
	    o->runs > 100 || o->gets < 1 || o->gets > 100000 ||
	    o->batch < 1 || o->batch > 10000)
		usage();
}

/* How many contacts lie in the circle, by geo.c on the sent values. */
static int
in_circle(const struct scatter *c, struct geo_point centre, double radius_m)
{
	int	i, k = 0;

	for (i = 0; i < c->n; i++) {
		struct geo_point	p = { c->lat_u[i] / 1e6,
					      c->lon_u[i] / 1e6 };

		if (geo_in_circle(p, centre, radius_m))
			k++;
	}
	return k;
}

/* Copy the file from to to (made or truncated); 0 or -1 (printed). */
static int
file_copy(const char *from, const char *to)
{
	static char	 buf[1 << 20];
	ssize_t		 n = 0;
	int		 in, out;

	if ((in = open(from, O_RDONLY)) == -1) {
		fprintf(stderr, "bigdb: %s: %s\n", from, strerror(errno));
		return -1;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		fprintf(stderr, "bigdb: %s: %s\n", to, strerror(errno));
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0 || close(out) == -1) {
		fprintf(stderr, "bigdb: copy %s to %s: %s\n", from, to,
		    strerror(errno));
		close(in);
		return -1;
	}
	close(in);
	return 0;
}

/*
 * Copy a database no process has open. A clean stop checkpoints the
 * write-ahead log into the file and removes it; one that is still there
 * means the file alone is not the database. 0 or -1 (printed).
 */
static int
db_copy(const char *from, const char *to)
{
	char		wal[PATH_MAX + 8];
	struct stat	sb;

	snprintf(wal, sizeof(wal), "%s-wal", from);
	if (stat(wal, &sb) == 0 && sb.st_size > 0) {
		fprintf(stderr, "bigdb: %s is there: %s was not closed "
		    "cleanly\n", wal, from);
		return -1;
	}
	return file_copy(from, to);
}

/* The size of path with the suffix ("", "-wal") in MiB; 0 if none. */
static double
db_size_mb(const char *path, const char *suffix)
{
	char		name[PATH_MAX + 8];
	struct stat	sb;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	return stat(name, &sb) == 0 ? sb.st_size / MIB : 0;
}

/*
 * Build the env's database: a varseld loads every contact into GROUP,
 * batch a request, a tenth at a time (each tenth's rate shows how the
 * loading slows as the database grows), and is stopped, so that the
 * file is whole and closed.
 */
static int
db_build(struct e2e_env *env, const struct scatter *c, int batch)
{
	struct e2e_proc	d;
	double		ms, total = 0;
	int		from, step, rc;

	if (e2e_spawn_daemon(env, &d) == -1)
		return -1;
	/* Whole requests in each tenth. */
	step = ((c->n + 9) / 10 + batch - 1) / batch * batch;
	printf("contacts/s by tenth:");
	for (from = 0; from < c->n; from += step) {
		int	k = c->n - from > step ? step : c->n - from;

		if (scatter_load(&d, c, from, k, batch, GROUP, &ms) == -1) {
			printf("\n");
			e2e_stop(&d, STOP_MS);
			return -1;
		}
		total += ms;
		printf(" %.0f", ms > 0 ? k * 1000.0 / ms : 0);
		fflush(stdout);
	}
	printf("\ncontacts: %d in %d POST%s of up to %d: %.0f ms "
	    "(%.0f contacts/s), peak RSS %.1f MiB\n", c->n,
	    (c->n + batch - 1) / batch, c->n > batch ? "s" : "", batch,
	    total, total > 0 ? c->n * 1000.0 / total : 0,
	    bench_peak_rss_mb(d.pid));
	fflush(stdout);
	if ((rc = e2e_stop(&d, STOP_MS)) != 0) {
		fprintf(stderr, "bigdb: varseld stopped with %d\n", rc);
		return -1;
	}
	return 0;
}

/*
 * Put the contacts' database at env->db: a copy of the one kept in
 * o->keep for these options, else built (and kept when o->keep is set).
 */
static int
db_prepare(struct e2e_env *env, const struct scatter *c,
    const struct opts *o)
{
	char		kept[PATH_MAX], tmp[PATH_MAX + 8];
	struct stat	sb;
	double		t0;

	if (o->keep != NULL) {
		if (mkdir(o->keep, 0755) == -1 && errno != EEXIST) {
			fprintf(stderr, "bigdb: %s: %s\n", o->keep,
			    strerror(errno));
			return -1;
		}
		snprintf(kept, sizeof(kept), "%s/bigdb-n%d-seed%lu.db",
		    o->keep, o->n, o->seed);
		if (stat(kept, &sb) == 0) {
			t0 = bench_now_ms();
			if (db_copy(kept, env->db) == -1)
				return -1;
			printf("database: %s (%.0f MiB) copied in %.0f ms\n",
			    kept, sb.st_size / MIB, bench_now_ms() - t0);
			return 0;
		}
	}
	if (db_build(env, c, o->batch) == -1)
		return -1;
	if (o->keep == NULL)
		return 0;
	/* Under another name until whole: a kept file is a built one. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", kept);
	if (db_copy(env->db, tmp) == -1)
		return -1;
	if (rename(tmp, kept) == -1) {
		fprintf(stderr, "bigdb: %s: %s\n", kept, strerror(errno));
		return -1;
	}
	printf("database: kept as %s for the next runs\n", kept);
	return 0;
}

/* A client of the daemon at url with the e2e token; 0 or -1. */
static int
client_open(struct client *cl, const char *url)
{
	const char	*auth = "Authorization: Bearer " E2E_TOKEN;

	memset(cl, 0, sizeof(*cl));
	strlcpy(cl->base, url, sizeof(cl->base));
	if ((cl->curl = curl_easy_init()) == NULL ||
	    (cl->get_headers = curl_slist_append(NULL, auth)) == NULL ||
	    (cl->post_headers = curl_slist_append(NULL, auth)) == NULL ||
	    curl_slist_append(cl->post_headers,
	    "Content-Type: application/json") == NULL ||
	    /* No "Expect: 100-continue" round trip before a body. */
	    curl_slist_append(cl->post_headers, "Expect:") == NULL) {
		fprintf(stderr, "bigdb: out of memory\n");
		return -1;
	}
	curl_easy_setopt(cl->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(cl->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cl->curl, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	curl_easy_setopt(cl->curl, CURLOPT_WRITEFUNCTION, e2e_write_cb);
	curl_easy_setopt(cl->curl, CURLOPT_WRITEDATA, &cl->body);
	return 0;
}

/* Close the connection and free the client. */
static void
client_close(struct client *cl)
{
	curl_easy_cleanup(cl->curl);
	curl_slist_free_all(cl->get_headers);
	curl_slist_free_all(cl->post_headers);
	free(cl->body.s);
	memset(cl, 0, sizeof(*cl));
}

/*
 * GET path, or POST body to it, on the kept connection. *ms is the time
 * from sending to the whole answer, which *res gets parsed (to free; may
 * be NULL). The HTTP status, or -1 on a transport error (printed).
 */
static int
client_call(struct client *cl, const char *method, const char *path,
    const char *body, double *ms, json_t **res)
{
	char		url[PATH_MAX];
	long		code = 0, conns = 0;
	double		t0;
	CURLcode	rc;

	snprintf(url, sizeof(url), "%s%s", cl->base, path);
	cl->body.len = 0;
	if (cl->body.s != NULL)
		cl->body.s[0] = '\0';
	curl_easy_setopt(cl->curl, CURLOPT_URL, url);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(cl->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(cl->curl, CURLOPT_HTTPHEADER, cl->get_headers);
	} else {
		curl_easy_setopt(cl->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(cl->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(body));
		curl_easy_setopt(cl->curl, CURLOPT_HTTPHEADER,
		    cl->post_headers);
	}
	t0 = bench_now_ms();
	rc = curl_easy_perform(cl->curl);
	*ms = bench_now_ms() - t0;
	if (rc != CURLE_OK) {
		fprintf(stderr, "bigdb: %s %s: %s\n", method, path,
		    curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(cl->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(cl->curl, CURLINFO_NUM_CONNECTS, &conns);
	cl->connects += conns;
	if (res != NULL)
		*res = e2e_json_parse(cl->body.s);
	return (int)code;
}

/*
 * POST the alert body; *ms until its 202. The alert's id if it was
 * answered 202 with want recipients, else -1 (printed).
 */
static long long
alert_post(struct client *cl, const char *body, long long want, double *ms)
{
	json_t		*res = NULL;
	const char	*msg;
	long long	 id, got;
	int		 status;

	status = client_call(cl, "POST", "/v1/alerts", body, ms, &res);
	id = e2e_json_int(res, "id");
	got = e2e_json_int(res, "recipients");
	if (status != 202 || got != want) {
		msg = e2e_json_str(res, "error.message");
		fprintf(stderr, "bigdb: POST /v1/alerts: %d, recipients %lld "
		    "of %lld%s%s\n", status, got, want,
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
		id = -1;
	}
	json_decref(res);
	return id;
}

/* The sum of an alert's counts over every state; -1 if it has none. */
static long long
counts_sum(const json_t *alert)
{
	const json_t	*counts = json_object_get(alert, "counts"), *v;
	const char	*k;
	long long	 sum = 0;

	if (!json_is_object(counts))
		return -1;
	json_object_foreach((json_t *)counts, k, v)
		sum += json_integer_value(v);
	return sum;
}

/*
 * The deliveries of varsel_deliveries_total in a /metrics text, summed
 * over providers, channels and states (before the circles, the big
 * alert's); -1 without one.
 */
static long long
metrics_deliveries(const char *text)
{
	static const char	 name[] = "varsel_deliveries_total{";
	const char		*p, *end, *close;
	long long		 sum = -1;

	for (p = text; p != NULL && (p = strstr(p, name)) != NULL; p = end) {
		if ((end = strchr(p, '\n')) == NULL)
			end = p + strlen(p);
		if ((close = memchr(p, '}', (size_t)(end - p))) == NULL)
			continue;
		sum = (sum < 0 ? 0 : sum) + strtoll(close + 1, NULL, 10);
	}
	return sum;
}

/*
 * GET path g times on the kept connection: the times into r. An answer
 * is right when it is a 200 and an alert's counts add up to n, or a
 * page of deliveries (its length into r->rows), or /metrics counts n
 * deliveries. 0, or -1 (printed) at the first wrong answer.
 */
static int
reads_measure(struct client *cl, const char *path, int g, long long n,
    struct reads *r)
{
	const json_t	*page;
	double		*ms;
	json_t		*res = NULL;
	int		 i, status, rc = -1;

	if ((ms = calloc((size_t)g, sizeof(*ms))) == NULL)
		return -1;
	r->rows = -1;
	for (i = 0; i < g; i++) {
		if (strcmp(path, "/metrics") == 0) {
			status = client_call(cl, "GET", path, NULL, &ms[i],
			    NULL);
			if (status != 200 ||
			    metrics_deliveries(cl->body.s) != n) {
				fprintf(stderr, "bigdb: GET /metrics: %d, "
				    "%lld deliveries of %lld\n", status,
				    metrics_deliveries(cl->body.s), n);
				goto out;
			}
			continue;
		}
		status = client_call(cl, "GET", path, NULL, &ms[i], &res);
		page = json_object_get(res, "deliveries");
		if (json_is_array(page))
			r->rows = (long long)json_array_size(page);
		if (status != 200 || (page == NULL && counts_sum(res) != n)) {
			fprintf(stderr, "bigdb: GET %s: %d, counts add up "
			    "to %lld of %lld\n", path, status,
			    counts_sum(res), n);
			goto out;
		}
		json_decref(res);
		res = NULL;
	}
	bench_sort(ms, (size_t)g);
	r->median = bench_median(ms, sizeof(*ms), g, 0);
	r->p99 = bench_percentile(ms, g, 0.99);
	r->max = ms[g - 1];
	rc = 0;
out:
	json_decref(res);
	free(ms);
	return rc;
}

/* The reads of the alert with o->n deliveries and of its pages. */
static int
reads_all(struct client *cl, long long id, const struct opts *o)
{
	static const char *const suffixes[] = { "", "/deliveries",
		"/deliveries?state=queued", "/deliveries?state=failed" };
	struct reads	r;
	char		path[128], rows[24];
	size_t		i;

	printf("%-44s %9s %8s %8s %6s\n", "request", "median_ms", "p99_ms",
	    "max_ms", "rows");
	for (i = 0; i <= nitems(suffixes); i++) {
		/* Last, /metrics: its counts must not scan either. */
		if (i == nitems(suffixes))
			strlcpy(path, "/metrics", sizeof(path));
		else
			snprintf(path, sizeof(path), "/v1/alerts/%lld%s", id,
			    suffixes[i]);
		if (reads_measure(cl, path, o->gets, o->n, &r) == -1)
			return -1;
		if (r.rows < 0)
			strlcpy(rows, "-", sizeof(rows));
		else
			snprintf(rows, sizeof(rows), "%lld", r.rows);
		printf("GET %-40s %9.2f %8.2f %8.2f %6s\n", path, r.median,
		    r.p99, r.max, rows);
		fflush(stdout);
	}
	/* Keep-alive held when the client has opened one connection. */
	printf("(%d requests of each; %ld connection%s opened in all)\n",
	    o->gets, cl->connects, cl->connects == 1 ? "" : "s");
	return 0;
}

/*
 * o->runs alerts to the circle, each its own source_ref: each 202's
 * time beside its recipients, want by our count; then the median.
 */
static int
circles(struct client *cl, struct geo_point centre, double radius_m,
    int want, const struct opts *o)
{
	double	*ms;
	char	 body[512];
	int	 i, ok = 0;

	if ((ms = calloc((size_t)o->runs, sizeof(*ms))) == NULL)
		return -1;
	printf("%-6s %10s %10s\n", "run", "circle_ms", "recipients");
	for (i = 0; i < o->runs; i++) {
		snprintf(body, sizeof(body), "{\"source_ref\":"
		    "\"bench-bigdb-circle-%d\",\"message\":\"Prov: bench av "
		    "geografiskt urval.\",\"audience\":{\"circle\":"
		    "{\"lat\":%.6f,\"lon\":%.6f,\"radius_m\":%.0f}}}", i + 1,
		    centre.lat, centre.lon, radius_m);
		if (alert_post(cl, body, want, &ms[ok]) == -1) {
			printf("%-6d failed (see above)\n", i + 1);
			continue;
		}
		printf("%-6d %10.1f %10d\n", i + 1, ms[ok], want);
		fflush(stdout);
		ok++;
	}
	if (ok > 0)
		printf("%-6s %10.1f\n", "median",
		    bench_median(ms, sizeof(*ms), ok, 0));
	free(ms);
	return ok == o->runs ? 0 : -1;
}

/*
 * Stop varseld and start it again on the database it leaves: how long a
 * clean stop (which checkpoints the WAL) and a start take with every
 * delivery of the run stored. 0 or -1 (printed).
 */
static int
restart(struct e2e_env *env, struct e2e_proc *d)
{
	double	t0, stop_ms, db_mb, wal_mb;
	int	rc;

	t0 = bench_now_ms();
	if ((rc = e2e_stop(d, STOP_MS)) != 0) {
		fprintf(stderr, "bigdb: varseld stopped with %d\n", rc);
		return -1;
	}
	stop_ms = bench_now_ms() - t0;
	db_mb = db_size_mb(env->db, "");
	wal_mb = db_size_mb(env->db, "-wal");
	printf("varseld: stopped in %.0f ms; database %.1f MiB, WAL %.1f MiB\n",
	    stop_ms, db_mb, wal_mb);
	fflush(stdout);
	t0 = bench_now_ms();
	if (e2e_spawn_daemon(env, d) == -1)
		return -1;
	printf("varseld: listening again %.0f ms after its start\n",
	    bench_now_ms() - t0);
	return 0;
}

/* Build or copy the database, start varseld on it, measure, print. */
int
main(int argc, char *argv[])
{
	struct opts		 o;
	struct scatter		 c = { NULL, NULL, 0 };
	struct e2e_env		*env = NULL;
	struct e2e_proc		 d;
	struct e2e_conf		 conf;
	struct client		 cl;
	struct geo_point	 centre = { SCATTER_CENTRE_LAT,
				    SCATTER_CENTRE_LON };
	char			 gwlines[128], body[256];
	double			 radius_m, t0, ms;
	long long		 id;
	int			 inside, rc = 1;

	opts_parse(&o, argc, argv);
	memset(&cl, 0, sizeof(cl));
	memset(&d, 0, sizeof(d));
	if (scatter_make(&c, o.n, o.seed) == -1)
		goto out;
	radius_m = fmax(1, round(scatter_radius_m(&c, o.target)));
	inside = in_circle(&c, centre, radius_m);
	printf("bigdb: %d contacts in %.2f..%.2f N, %.2f..%.2f E (seed %lu), "
	    "all in group " GROUP "\n", o.n, SCATTER_LAT0_U / 1e6,
	    SCATTER_LAT1_U / 1e6, SCATTER_LON0_U / 1e6, SCATTER_LON1_U / 1e6,
	    o.seed);
	printf("varseld: simulator at rate=1\n");
	printf("circle: %.4f,%.4f radius %.0f m for about %d "
	    "(%d inside by our count)\n", centre.lat, centre.lon, radius_m,
	    o.target, inside);
	fflush(stdout);

	if ((env = e2e_env_new()) == NULL)
		goto out;
	/*
	 * A batch of 10,000 contacts in a group is about 800 KB of JSON.
	 * request_timeout_ms stays at its default: a 202 that takes longer
	 * must still reach the client (README.md: bigdb).
	 */
	snprintf(gwlines, sizeof(gwlines), "max_body_bytes = %zu",
	    (size_t)16 * 1024 * 1024);
	memset(&conf, 0, sizeof(conf));
	conf.rate = 1;
	conf.gateway = gwlines;
	if (e2e_env_config(env, &conf) == -1 ||
	    db_prepare(env, &c, &o) == -1)
		goto out;

	t0 = bench_now_ms();
	if (e2e_spawn_daemon(env, &d) == -1 || client_open(&cl, d.url) == -1)
		goto out;
	printf("varseld: listening %.0f ms after its start on the database\n",
	    bench_now_ms() - t0);
	fflush(stdout);

	snprintf(body, sizeof(body), "{\"source_ref\":\"bench-bigdb-all\","
	    "\"message\":\"Prov: larm till alla i en stor databas.\","
	    "\"audience\":{\"groups\":[\"" GROUP "\"]}}");
	if ((id = alert_post(&cl, body, o.n, &ms)) == -1)
		goto out;
	printf("alert %lld to all: 202 in %.0f ms for %d recipients\n", id,
	    ms, o.n);
	fflush(stdout);
	if (reads_all(&cl, id, &o) == -1 ||
	    circles(&cl, centre, radius_m, inside, &o) == -1)
		goto out;
	printf("varseld: peak RSS %.1f MiB; database %.1f MiB, WAL %.1f MiB\n",
	    bench_peak_rss_mb(d.pid), db_size_mb(env->db, ""),
	    db_size_mb(env->db, "-wal"));
	fflush(stdout);
	client_close(&cl);
	if (restart(env, &d) == -1)
		goto out;
	rc = 0;
out:
	if (rc != 0 && d.pid != 0)
		e2e_alive(&d);	/* if it died: how, and its log */
	client_close(&cl);
	e2e_env_free(env);
	scatter_free(&c);
	return rc;
}
