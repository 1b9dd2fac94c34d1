/*
 * The dispatcher: claims due deliveries in priority order, holds each
 * provider to its rate and connection limit, hands messages to adapters,
 * and turns each outcome into a state change (sent, retry with backoff,
 * failed, expired). Reports from providers come back through it too.
 */
#ifndef VARSEL_DISPATCH_H
#define VARSEL_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "metrics.h"
#include "ratelimit.h"

struct gw;
struct dispatch;
struct jobq;

/* Circuit breaker states of a provider. */
enum breaker {
	BREAKER_CLOSED,		/* in use */
	BREAKER_OPEN,		/* failing: not used until open_until */
	BREAKER_HALF_OPEN	/* cooled down: one probe request at a time */
};

/* A configured provider at run time. */
struct provider {
	const struct provider_conf *conf;
	struct adapter	*adapter;
	struct tbucket	 bucket;	/* rate in segments (or calls) per s */
	int		 inflight;	/* requests now open */
	int		 nwaiting;	/* jobs queued for a connection/token */
	uint64_t	 results[3];	/* by enum send_status */
	struct histogram latency;	/* HTTP request seconds */
	enum breaker	 breaker;
	int		 failures;	/* consecutive transport/5xx failures */
	int64_t		 open_until;	/* mono ms */
	struct jobq	*waiting;	/* private to dispatch.c */
};

/* Build providers and their adapters; NULL with err on a bad section. */
struct dispatch	*dispatch_new(struct gw *, char *err, size_t errlen);
void		 dispatch_free(struct dispatch *);

/* New work may be due: run a scheduling round soon. */
void		 dispatch_kick(struct dispatch *);
/* Stop claiming; call done once nothing is in flight. */
void		 dispatch_drain(struct dispatch *, void (*done)(void *), void *);
size_t		 dispatch_inflight(const struct dispatch *);

/*
 * A delivery report from provider: moves the delivery. Returns 0,
 * STORE_NOTFOUND for an unknown reference, or -1.
 */
int		 dispatch_report(struct dispatch *, const char *provider,
		    const struct status_report *);

/*
 * A call event for delivery_id (0: find it by ev->ref) from provider:
 * moves the voice delivery (ringing, answered, no answer and busy with
 * retries, failed) and turns DTMF 1 into an acknowledgement. Returns 0,
 * STORE_NOTFOUND, or -1.
 */
int		 dispatch_voice_event(struct dispatch *, const char *provider,
		    int64_t delivery_id, const struct voice_event *);

/* The provider named name, or NULL. */
struct provider	*dispatch_provider(struct dispatch *, const char *name);
size_t		 dispatch_nproviders(const struct dispatch *);
struct provider	*dispatch_provider_at(struct dispatch *, size_t);
/* Can some provider carry this channel? */
bool		 dispatch_can(const struct dispatch *, unsigned int channel);
/* Rate of the first provider (by priority) that carries channel, for ETAs. */
double		 dispatch_rate(const struct dispatch *, unsigned int channel);

#endif
