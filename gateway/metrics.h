/*
 * GET /metrics in the Prometheus text format.
 */
#ifndef VARSEL_METRICS_H
#define VARSEL_METRICS_H

struct evbuffer;
struct gw;
struct httpd_stats;

/* Write every metric in the text format, the API server's counters
 * given; 0 or -1. */
int	metrics_render(struct gw *, const struct httpd_stats *,
	    struct evbuffer *);

#endif
