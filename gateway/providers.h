/*
 * The configured providers at run time: each one's adapter, token
 * bucket, connection count, circuit breaker and latency histogram, and
 * the choice of which provider carries a message now. The dispatcher
 * decides when to send; this file decides where, and keeps score.
 *
 * The circuit breaker of a provider (OpenSMTPD's mta_route_disable):
 *
 *   closed ──(breaker_failures in a row, or a refused credential)──> open
 *   open ──(cooldown over: the next pick)──> half_open: one probe at a time
 *   half_open ──(success)──> closed;  half_open ──(failure)──> open again
 */
#ifndef VARSEL_PROVIDERS_H
#define VARSEL_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "histogram.h"
#include "ratelimit.h"

struct config;

/* A provider that refused our credentials rests this long. */
#define PROVIDER_AUTH_COOLDOWN_MS	600000

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
	size_t		 index;		/* in providers_at order */
	struct tbucket	 bucket;	/* rate in segments (or calls) per s */
	int		 inflight;	/* requests now open */
	int		 nwaiting;	/* messages queued for a connection or
					   a token (the dispatcher's queue) */
	uint64_t	 results[3];	/* by enum send_status */
	struct histogram latency;	/* HTTP request seconds */
	enum breaker	 breaker;
	int		 failures;	/* consecutive transport/5xx failures */
	int64_t		 open_until;	/* ms since the epoch */
};

struct providers;

/*
 * Make every provider of cfg with its adapter; env is the template of
 * what adapters get (its name is set per provider). Without speech
 * rendering (can_render false) a provider that plays rendered audio
 * takes no calls. NULL with err on a bad provider section.
 */
struct providers *providers_new(const struct config *,
		    const struct adapter_env *env, bool can_render,
		    int64_t now, char *err, size_t errlen);
void		 providers_free(struct providers *);

size_t		 providers_count(const struct providers *);
/* The i-th provider by priority, or NULL past the end. */
struct provider	*providers_at(struct providers *, size_t i);
/* The provider named name, or NULL. */
struct provider	*providers_find(struct providers *, const char *name);

/* Can p carry channel (enum channel) at all? */
bool		 provider_carries(const struct provider *, unsigned int);
/* Can some provider carry channel? */
bool		 providers_can(const struct providers *, unsigned int channel);
/* Does a provider other than p carry channel? */
bool		 providers_other_carrier(const struct providers *,
		    const struct provider *, unsigned int channel);
/* Rate of the first provider (by priority) that carries channel: ETAs. */
double		 providers_rate(const struct providers *, unsigned int channel);

/*
 * The provider that carries channel at now: the first by priority whose
 * breaker lets it take a message. When every breaker is open, the first
 * that carries the channel at all; NULL when none carries it.
 */
struct provider	*providers_pick(struct providers *, unsigned int channel,
		    int64_t now);
/*
 * May p take a new message at now? An open breaker whose cooldown has
 * passed turns half-open here and lets one probe through at a time.
 */
bool		 provider_breaker_allows(struct provider *, int64_t now);
/*
 * Count one outcome of a request to p at now: its result, its breaker
 * (a success, or any refusal of one message, shows the provider is up
 * and closes it; a transport error or 5xx counts towards
 * breaker_failures; a refused credential opens it at once for
 * PROVIDER_AUTH_COOLDOWN_MS). Returns the ms until p may be probed when
 * this outcome opened the breaker, else 0.
 */
int64_t		 providers_account(struct providers *, struct provider *,
		    const struct send_result *, int64_t now);

#endif
