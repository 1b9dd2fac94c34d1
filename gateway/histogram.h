/*
 * A latency histogram with fixed bounds in seconds, cumulative as
 * Prometheus wants it when rendered (metrics.c).
 */
#ifndef VARSEL_HISTOGRAM_H
#define VARSEL_HISTOGRAM_H

#include <stdint.h>

#define HIST_NBOUNDS	11

struct histogram {
	uint64_t	counts[HIST_NBOUNDS + 1];	/* last: +Inf */
	uint64_t	count;
	double		sum;
};

/* The upper bound of bucket i (i < HIST_NBOUNDS), in seconds. */
double	histogram_bound(int i);
void	histogram_observe(struct histogram *, double seconds);

#endif
