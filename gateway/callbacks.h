/*
 * Source callbacks: "ack", "alert.progress" (at most every 5 s while the
 * counts change) and "alert.done" events POSTed to an alert's
 * callback_url, signed like requests to Varsel with the client's
 * hmac_secret, persisted in the store and retried with backoff until 2xx.
 */
#ifndef VARSEL_CALLBACKS_H
#define VARSEL_CALLBACKS_H

/* Source callbacks in flight at most (connections they may hold). */
#define CALLBACKS_MAX_INFLIGHT	8

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct gw;
struct callbacks;

struct callbacks *callbacks_new(struct gw *, char *err, size_t errlen);
void		 callbacks_free(struct callbacks *);
/*
 * Queue event for alert_id (if the alert has a callback_url) with data
 * (stolen) as its "data" member; sent from the event loop. 0 or -1.
 */
int		 callbacks_event(struct callbacks *, int64_t alert_id,
		    const char *event, json_t *data);
/* Stop sending; call done once nothing is in flight. */
void		 callbacks_drain(struct callbacks *, void (*done)(void *),
		    void *);
size_t		 callbacks_inflight(const struct callbacks *);

#endif
