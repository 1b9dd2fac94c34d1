/*
 * Prometheus text exposition for GET /metrics, and the latency
 * histogram type the dispatcher keeps per provider.
 */
#ifndef VARSEL_METRICS_H
#define VARSEL_METRICS_H

#include <stdint.h>

struct evbuffer;
struct gw;

#define HIST_NBOUNDS	11

/* Request latency in seconds, cumulative buckets as Prometheus wants. */
struct histogram {
	uint64_t	counts[HIST_NBOUNDS + 1];	/* last: +Inf */
	uint64_t	count;
	double		sum;
};

void	histogram_observe(struct histogram *, double seconds);
/* Write every metric in the text format; 0 or -1. */
int	metrics_render(struct gw *, struct evbuffer *);

#endif
