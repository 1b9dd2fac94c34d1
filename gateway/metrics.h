/*
 * GET /metrics in the Prometheus text format.
 */
#ifndef VARSEL_METRICS_H
#define VARSEL_METRICS_H

struct evbuffer;
struct gw;

/* Write every metric in the text format; 0 or -1. */
int	metrics_render(struct gw *, struct evbuffer *);

#endif
