/*
 * Events to source systems (API.md "Source callbacks"): "ack",
 * "alert.progress" (at most every 5 s while the counts change) and
 * "alert.done" POSTed to an alert's callback_url, signed like requests
 * to Varsel with the client's hmac_secret, persisted in the store (the
 * callbacks table) and retried with backoff until 2xx.
 */
#ifndef VARSEL_SOURCE_EVENTS_H
#define VARSEL_SOURCE_EVENTS_H

/* Events in flight at most (connections they may hold). */
#define SOURCE_EVENTS_MAX_INFLIGHT	8

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct gw;
struct source_events;

struct source_events *source_events_new(struct gw *, char *err,
		    size_t errlen);
void		 source_events_free(struct source_events *);
/*
 * Queue event for alert_id (if the alert has a callback_url) with data
 * (stolen) as its "data" member; sent from the event loop. 0 or -1.
 */
int		 source_events_post(struct source_events *, int64_t alert_id,
		    const char *event, json_t *data);
/* Stop sending; call done once nothing is in flight. */
void		 source_events_drain(struct source_events *,
		    void (*done)(void *), void *);
size_t		 source_events_inflight(const struct source_events *);
/*
 * Look at the watched alerts now (what the 1 s tick does): queue
 * alert.progress where the counts changed and the last one is 5 s old,
 * alert.done where nothing is left to send. Tests call it after moving
 * the clock.
 */
void		 source_events_watch(struct source_events *);

#endif
