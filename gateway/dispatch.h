/*
 * The dispatcher: the scheduler of deliveries. It claims due deliveries
 * in priority order, holds each provider to its rate and connection
 * limit, hands messages to adapters, and turns each outcome into a
 * state change (sent, retry with backoff, failed, expired). Which
 * provider carries a message is providers.c's choice; what providers
 * report afterwards is reports.c's.
 */
#ifndef VARSEL_DISPATCH_H
#define VARSEL_DISPATCH_H

#include <stddef.h>

struct gw;
struct dispatch;

/* A dispatcher for gw->providers; NULL with err. */
struct dispatch	*dispatch_new(struct gw *, char *err, size_t errlen);
/* Jobs still open stay sending: the next start sends them in doubt. */
void		 dispatch_free(struct dispatch *);

/* New work may be due: run a scheduling round soon. */
void		 dispatch_kick(struct dispatch *);
/*
 * Run one scheduling round now (what the round timer does): pump the
 * providers' queues, sweep expiry and escalation, claim what is due at
 * the loop's clock. Tests call it after moving the clock.
 */
void		 dispatch_run(struct dispatch *);
/* Stop claiming; call done once nothing is in flight. */
void		 dispatch_drain(struct dispatch *, void (*done)(void *), void *);
/* Jobs claimed and not finished (queued at a provider or in flight). */
size_t		 dispatch_inflight(const struct dispatch *);

#endif
