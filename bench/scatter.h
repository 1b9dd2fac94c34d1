/*
 * Contacts scattered evenly over a box around Nykvarn, the same on every
 * machine for a seed, and loaded through POST /v1/contacts: what
 * bench/audience and bench/bigdb resolve their geo audiences against.
 */
#ifndef VARSEL_BENCH_SCATTER_H
#define VARSEL_BENCH_SCATTER_H

#include <stdint.h>

/* The box the contacts are scattered over, in micro-degrees. */
#define SCATTER_LAT0_U		59100000
#define SCATTER_LAT1_U		59260000
#define SCATTER_LON0_U		17300000
#define SCATTER_LON1_U		17560000
/* The centre of the benchmarks' shapes: Nykvarn. */
#define SCATTER_CENTRE_LAT	59.18
#define SCATTER_CENTRE_LON	17.43
#define SCATTER_EARTH_R_M	6371008.8	/* mean radius, as geo.c */
/* Contact i has the number +4670 (SCATTER_PHONE_BASE + i). */
#define SCATTER_PHONE_BASE	1000000
/* Numbers +46701000000..+46709999999: at most this many contacts. */
#define SCATTER_MAX		8999999

struct e2e_proc;

/* The contacts' coordinates in micro-degrees. */
struct scatter {
	int32_t		*lat_u;
	int32_t		*lon_u;
	int		 n;
};

/* n contacts spread evenly over the box from seed; 0 or -1 (printed). */
int	scatter_make(struct scatter *, int n, uint64_t seed);
/* Free what scatter_make allocated. */
void	scatter_free(struct scatter *);
/*
 * The radius in metres of the circle around the centre that holds about
 * target contacts at the box's density (not rounded).
 */
double	scatter_radius_m(const struct scatter *, int target);
/*
 * Load contacts [from, from + count), batch a request (at most 10,000),
 * each in group (NULL: none). *ms gets the time spent in the requests,
 * not in building their bodies. 0, or -1 (printed) unless all were
 * upserted.
 */
int	scatter_load(const struct e2e_proc *, const struct scatter *,
	    int from, int count, int batch, const char *group, double *ms);

#endif
