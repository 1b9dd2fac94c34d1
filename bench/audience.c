/*
 * bench/audience: how fast a geo audience is resolved and written.
 *
 * One varseld with the simulator provider at a low rate (so dispatch does
 * not compete) gets N contacts with coordinates scattered over a box
 * around Nykvarn (seeded, reproducible), loaded through POST /v1/contacts.
 * Then, R times each, it posts an alert to a circle sized from the density
 * to hold about T contacts and one to a concave polygon of the same area,
 * and measures the time from the POST to its 202: validation, resolving
 * the audience and writing every delivery durably. The recipients the 202
 * counts are printed next to the number of contacts that lie inside the
 * shape by our own count. It prints figures and never judges them.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "bench/scatter.h"
#include "gateway/geo.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define INNER_SHARE	0.7		/* inner / outer radius of the star */

/* The two audiences, rounded as they are sent. */
struct shapes {
	struct geo_point	 centre;
	double			 radius_m;
	struct geo_point	*poly;
	int			 nvertices;
	int			 in_circle;	/* contacts inside, our count */
	int			 in_polygon;
};

/* The median of field f over the ok runs. */
#define RUN_MEDIAN(f) \
	bench_median(runs, sizeof(*runs), ok, offsetof(struct run, f))

/* The figures of one alert pair. */
struct run {
	double		circle_ms;
	long long	circle_n;
	double		polygon_ms;
	long long	polygon_n;
};

static void	 usage(void) __attribute__((noreturn));
static void	 shapes_make(struct shapes *, const struct scatter *, int,
		    int);
static double	 round_to(double, double);
static char	*alert_body(const struct shapes *, bool, int);
static int	 alert_post(struct e2e_proc *, const char *, double *,
		    long long *);

/* Say how to call the program and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: audience [-n contacts] [--runs R] "
	    "[--target T] [--vertices V]\n"
	    "                [--batch B] [--seed S]\n"
	    "  run from the build folder after `make bench`; "
	    "VARSEL_BUILDDIR and\n  VARSEL_SRCDIR override where varseld "
	    "and the templates are found\n");
	exit(2);
}

/* x rounded to a multiple of step. */
static double
round_to(double x, double step)
{
	return round(x / step) * step;
}

/*
 * The circle that holds about target contacts at the box's density, a
 * star polygon of nvertices corners (inner radius INNER_SHARE of the
 * outer) with the same area, and how many contacts lie in each.
 */
static void
shapes_make(struct shapes *sh, const struct scatter *c, int target,
    int nvertices)
{
	const double	rad = M_PI / 180;
	double		r, outer, m_lat, m_lon, a, k;
	int		i;

	r = scatter_radius_m(c, target);
	sh->centre.lat = SCATTER_CENTRE_LAT;
	sh->centre.lon = SCATTER_CENTRE_LON;
	sh->radius_m = fmax(1, round_to(r, 1));

	/* Star of V corners: V triangles of 1/2 R k R sin(2 pi / V). */
	k = INNER_SHARE;
	outer = sqrt(M_PI * r * r / (nvertices / 2.0 * k *
	    sin(2 * M_PI / nvertices)));
	m_lat = SCATTER_EARTH_R_M * rad;
	m_lon = m_lat * cos(sh->centre.lat * rad);
	sh->nvertices = nvertices;
	for (i = 0; i < nvertices; i++) {
		double	rr = i % 2 ? outer * k : outer;

		a = 2 * M_PI * i / nvertices;
		sh->poly[i].lat = round_to(sh->centre.lat +
		    rr * cos(a) / m_lat, 1e-6);
		sh->poly[i].lon = round_to(sh->centre.lon +
		    rr * sin(a) / m_lon, 1e-6);
	}

	sh->in_circle = sh->in_polygon = 0;
	for (i = 0; i < c->n; i++) {
		struct geo_point	p = { c->lat_u[i] / 1e6,
					      c->lon_u[i] / 1e6 };

		if (geo_in_circle(p, sh->centre, sh->radius_m))
			sh->in_circle++;
		if (geo_in_polygon(sh->poly, (size_t)nvertices, p))
			sh->in_polygon++;
	}
}

/* The POST /v1/alerts body: the circle or the polygon, run i. */
static char *
alert_body(const struct shapes *sh, bool circle, int i)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp;
	int	 v;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	fprintf(fp, "{\"source_ref\":\"bench-audience-%s-%d\","
	    "\"message\":\"Prov: bench av geografiskt urval.\","
	    "\"audience\":{", circle ? "circle" : "polygon", i);
	if (circle)
		fprintf(fp, "\"circle\":{\"lat\":%.6f,\"lon\":%.6f,"
		    "\"radius_m\":%.0f}", sh->centre.lat, sh->centre.lon,
		    sh->radius_m);
	else {
		fputs("\"polygon\":[", fp);
		for (v = 0; v < sh->nvertices; v++)
			fprintf(fp, "%s[%.6f,%.6f]", v > 0 ? "," : "",
			    sh->poly[v].lat, sh->poly[v].lon);
		fputs("]", fp);
	}
	fputs("}}", fp);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* POST one alert; *ms until the 202, *recipients from it. 0 or -1. */
static int
alert_post(struct e2e_proc *d, const char *body, double *ms,
    long long *recipients)
{
	json_t		*res;
	const char	*msg;
	double		 t0;
	int		 status;

	t0 = bench_now_ms();
	res = e2e_api(d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	*ms = bench_now_ms() - t0;
	*recipients = e2e_json_int(res, "recipients");
	if (status != 202) {
		msg = e2e_json_str(res, "error.message");
		fprintf(stderr, "audience: POST /v1/alerts: %d%s%s\n", status,
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
		json_decref(res);
		return -1;
	}
	json_decref(res);
	return 0;
}

/* Parse the options, load the contacts, post the alerts, print. */
int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "runs",	required_argument,	NULL, 'r' },
		{ "target",	required_argument,	NULL, 't' },
		{ "vertices",	required_argument,	NULL, 'v' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "seed",	required_argument,	NULL, 's' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct scatter	 c = { NULL, NULL, 0 };
	struct shapes	 sh;
	struct e2e_env	*env = NULL;
	struct e2e_proc	 d;
	struct e2e_conf	 conf;
	struct run	*runs = NULL;
	char		 gwlines[128], *body;
	double		 load_ms;
	unsigned long	 seed = 1;
	int		 n = 100000, nruns = 5, target = 10000, nvert = 24;
	int		 batch = 5000, ch, i, ok = 0, rc = 1;

	while ((ch = getopt_long(argc, argv, "n:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			nruns = atoi(optarg);
			break;
		case 't':
			target = atoi(optarg);
			break;
		case 'v':
			nvert = atoi(optarg);
			break;
		case 'b':
			batch = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n < 1 || n > SCATTER_MAX || nruns < 1 ||
	    nruns > 100 || target < 1 || target > n || nvert < 6 ||
	    nvert > 1000 || nvert % 2 != 0 || batch < 1 || batch > 10000)
		usage();

	memset(&sh, 0, sizeof(sh));
	if ((sh.poly = calloc((size_t)nvert, sizeof(*sh.poly))) == NULL ||
	    (runs = calloc((size_t)nruns, sizeof(*runs))) == NULL ||
	    scatter_make(&c, n, seed) == -1)
		goto out;
	shapes_make(&sh, &c, target, nvert);

	printf("audience: %d contacts in %.2f..%.2f N, %.2f..%.2f E "
	    "(seed %lu), simulator at rate=1\n", n, SCATTER_LAT0_U / 1e6,
	    SCATTER_LAT1_U / 1e6, SCATTER_LON0_U / 1e6, SCATTER_LON1_U / 1e6,
	    seed);
	printf("circle: %.4f,%.4f radius %.0f m for about %d "
	    "(%d inside by our count)\n", sh.centre.lat, sh.centre.lon,
	    sh.radius_m, target, sh.in_circle);
	printf("polygon: %d-corner star of the same area "
	    "(%d inside by our count)\n", nvert, sh.in_polygon);
	fflush(stdout);

	if ((env = e2e_env_new()) == NULL)
		goto out;
	/* A batch of 10,000 contacts is about 600 KB of JSON. */
	snprintf(gwlines, sizeof(gwlines), "max_body_bytes = %zu",
	    (size_t)16 * 1024 * 1024);
	memset(&conf, 0, sizeof(conf));
	conf.fake_port = 0;
	conf.rate = 1;
	conf.gateway = gwlines;
	if (e2e_env_config(env, &conf) == -1 ||
	    e2e_spawn_daemon(env, &d) == -1)
		goto out;

	if (scatter_load(&d, &c, 0, n, batch, NULL, &load_ms) == -1)
		goto out;
	printf("contacts: %d in %d POST%s of up to %d: %.0f ms "
	    "(%.0f contacts/s)\n", n, (n + batch - 1) / batch,
	    n > batch ? "s" : "", batch, load_ms,
	    load_ms > 0 ? n * 1000.0 / load_ms : 0);
	printf("%-6s %10s %10s %10s %10s\n", "run", "circle_ms", "recipients",
	    "polygon_ms", "recipients");
	fflush(stdout);

	for (i = 0; i < nruns; i++) {
		struct run	*r = &runs[ok];
		int		 failed;

		if ((body = alert_body(&sh, true, i + 1)) == NULL)
			goto out;
		failed = alert_post(&d, body, &r->circle_ms, &r->circle_n);
		free(body);
		if (!failed) {
			if ((body = alert_body(&sh, false, i + 1)) == NULL)
				goto out;
			failed = alert_post(&d, body, &r->polygon_ms,
			    &r->polygon_n);
			free(body);
		}
		if (failed) {
			printf("%-6d failed (see above)\n", i + 1);
			if (!e2e_alive(&d))
				break;
			continue;
		}
		printf("%-6d %10.1f %10lld %10.1f %10lld\n", i + 1,
		    r->circle_ms, r->circle_n, r->polygon_ms, r->polygon_n);
		fflush(stdout);
		ok++;
	}
	if (ok > 0)
		printf("%-6s %10.1f %10s %10.1f\n", "median",
		    RUN_MEDIAN(circle_ms), "",
		    RUN_MEDIAN(polygon_ms));
	rc = ok == nruns ? 0 : 1;
out:
	e2e_env_free(env);
	scatter_free(&c);
	free(sh.poly);
	free(runs);
	return rc;
}
