/*
 * The one context of varseld, passed explicitly to every module that
 * needs more than its own state. There are no globals.
 */
#ifndef VARSEL_GATEWAY_H
#define VARSEL_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct event;
struct config;
struct store;
struct templates;
struct http_client;
struct dispatch;
struct api;
struct metrics;
struct refdata;
struct media;
struct source_events;
struct batch;

struct gw {
	struct event_base	*base;
	struct config		*cfg;
	struct store		*store;
	struct batch		*batch;		/* the pass's transaction */
	struct templates	*templates;
	struct http_client	*http;
	struct dispatch		*dispatch;
	struct api		*api;
	struct metrics		*metrics;
	struct refdata		*refdata;	/* trygghetspunkter, areas */
	struct media		*media;		/* rendered speech, or NULL */
	struct source_events	*events;	/* events to source systems */
	struct event		*grace;		/* shutdown deadline, or NULL */
	bool			 stopping;	/* SIGTERM seen: drain and exit */
};

#endif
