/*
 * What providers tell us after a send: delivery reports move an SMS to
 * delivered or failed; call events move a call through ringing,
 * answered, no answer (retried), busy and failed, and a key 1 pressed
 * on it is an answer (answers.c), as an SMS "JA" is. Webhooks
 * (webhooks.c) and in-process providers (the simulator) both report
 * here.
 */
#ifndef VARSEL_REPORTS_H
#define VARSEL_REPORTS_H

#include <stdint.h>

#include "adapters/adapter.h"

struct gw;

/*
 * A delivery report from provider: moves the delivery unless it is
 * final, through the journal (batch.h), so it is matched even when the
 * "sent" before it is still waiting to be written. An unknown reference
 * is logged when the journal reaches it, and acknowledged all the same
 * (so the provider stops). Returns 0 when it is in the pass's
 * transaction (answer once that commits), -1 when the database cannot
 * take it now (answer 503: it is kept, and the provider's retry is
 * harmless).
 */
int	reports_delivery(struct gw *, const char *provider,
	    const struct status_report *);
/*
 * A call event for delivery_id (0: find it by ev->ref) from provider.
 * Returns 0 (also for an event of an unknown call, logged), or -1.
 */
int	reports_call(struct gw *, const char *provider, int64_t delivery_id,
	    const struct voice_event *);

/* The adapter_env sinks of in-process providers; arg is the gw. */
void	reports_inproc_delivery(void *gw, const char *provider,
	    const struct status_report *);
void	reports_inproc_call(void *gw, const char *provider,
	    const struct voice_event *);

#endif
