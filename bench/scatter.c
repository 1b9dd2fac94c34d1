/*
 * Contacts scattered over the box around Nykvarn (scatter.h): a seeded
 * splitmix64, so every machine gets the same coordinates, and the
 * POST /v1/contacts requests that load them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "bench/scatter.h"
#include "tests/e2e.h"

static uint64_t	 rng_next(uint64_t *);
static char	*scatter_body(const struct scatter *, int, int,
		    const char *);

/* splitmix64: a small seeded generator, the same on every machine. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
scatter_make(struct scatter *c, int n, uint64_t seed)
{
	uint64_t	s = seed;
	int		i;

	c->n = n;
	c->lat_u = calloc((size_t)n, sizeof(*c->lat_u));
	c->lon_u = calloc((size_t)n, sizeof(*c->lon_u));
	if (c->lat_u == NULL || c->lon_u == NULL) {
		fprintf(stderr, "%s: out of memory for %d contacts\n",
		    __func__, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		c->lat_u[i] = SCATTER_LAT0_U + (int32_t)(rng_next(&s) %
		    (SCATTER_LAT1_U - SCATTER_LAT0_U + 1));
		c->lon_u[i] = SCATTER_LON0_U + (int32_t)(rng_next(&s) %
		    (SCATTER_LON1_U - SCATTER_LON0_U + 1));
	}
	return 0;
}

void
scatter_free(struct scatter *c)
{
	free(c->lat_u);
	free(c->lon_u);
	c->lat_u = c->lon_u = NULL;
	c->n = 0;
}

double
scatter_radius_m(const struct scatter *c, int target)
{
	const double	rad = M_PI / 180, r = SCATTER_EARTH_R_M;
	double		area;

	/* The box's area on the sphere, then contacts per square metre. */
	area = r * r * (SCATTER_LON1_U - SCATTER_LON0_U) / 1e6 * rad *
	    (sin(SCATTER_LAT1_U / 1e6 * rad) -
	    sin(SCATTER_LAT0_U / 1e6 * rad));
	return sqrt(target / (M_PI * (c->n / area)));
}

/* The POST /v1/contacts body for contacts [from, from + count). */
static char *
scatter_body(const struct scatter *c, int from, int count, const char *group)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp;
	int	 i;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	fputs("{\"contacts\":[", fp);
	for (i = from; i < from + count; i++) {
		fprintf(fp, "%s{\"phone\":\"+4670%07d\",\"lat\":%d.%06d,"
		    "\"lon\":%d.%06d", i > from ? "," : "",
		    SCATTER_PHONE_BASE + i,
		    c->lat_u[i] / 1000000, c->lat_u[i] % 1000000,
		    c->lon_u[i] / 1000000, c->lon_u[i] % 1000000);
		if (group != NULL)
			fprintf(fp, ",\"groups\":[\"%s\"]", group);
		fputc('}', fp);
	}
	fputs("]}", fp);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int
scatter_load(const struct e2e_proc *d, const struct scatter *c, int from,
    int count, int batch, const char *group, double *ms)
{
	int	done = from, end = from + count;

	*ms = 0;
	while (done < end) {
		int		 k = end - done > batch ? batch : end - done;
		int		 status;
		char		*text;
		json_t		*res;
		const char	*msg;
		double		 t0;

		if ((text = scatter_body(c, done, k, group)) == NULL) {
			fprintf(stderr, "%s: out of memory\n", __func__);
			return -1;
		}
		t0 = bench_now_ms();
		res = e2e_api(d, E2E_TOKEN, "POST", "/v1/contacts", text,
		    &status);
		*ms += bench_now_ms() - t0;
		free(text);
		if (status != 200 || e2e_json_int(res, "upserted") != k) {
			msg = e2e_json_str(res, "error.message");
			fprintf(stderr, "%s: POST /v1/contacts: %d, "
			    "upserted %lld of %d%s%s\n", __func__, status,
			    e2e_json_int(res, "upserted"), k,
			    msg != NULL ? ": " : "", msg != NULL ? msg : "");
			json_decref(res);
			return -1;
		}
		json_decref(res);
		done += k;
	}
	return 0;
}
