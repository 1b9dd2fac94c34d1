/*
 * The one context of varseld, passed explicitly to every module that
 * needs more than its own state. There are no globals.
 */
#ifndef VARSEL_GATEWAY_H
#define VARSEL_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"

struct event_base;
struct event;
struct config;
struct store;
struct templates;
struct http_client;
struct providers;
struct dispatch;
struct api;
struct refdata;
struct media;
struct source_events;
struct batch;
struct callouts;
struct retention;

struct gw {
	struct event_base	*base;
	struct clock		 clock;		/* the loop's: read gw_now() */
	struct config		*cfg;
	struct store		*store;
	struct batch		*batch;		/* the pass's transaction */
	struct templates	*templates;
	struct http_client	*http;
	struct providers	*providers;	/* adapters, breakers */
	struct dispatch		*dispatch;	/* the scheduler */
	struct api		*api;
	struct refdata		*refdata;	/* trygghetspunkter, areas */
	struct media		*media;		/* rendered speech, or NULL */
	struct source_events	*events;	/* events to source systems */
	struct callouts		*callouts;	/* gates, chain steps */
	struct retention	*retention;	/* the daily erasure */
	struct event		*grace;		/* shutdown deadline, or NULL */
	long			 nofile;	/* descriptors we may hold */
	bool			 stopping;	/* SIGTERM seen: drain and exit */
};

/* Now, as the loop's clock has it (ms since the epoch). */
static inline int64_t
gw_now(const struct gw *gw)
{
	return clock_now(&gw->clock);
}

#endif
