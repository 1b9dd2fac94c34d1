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
 *
 * Beside the breaker, a provider that hangs (takes the request, never
 * answers) is found by its silence: requests open and no answer for its
 * stall_ms. It fails nothing, so the breaker only hears of it when its
 * requests time out; meanwhile new messages go to another provider.
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
	int64_t		 paused_until;	/* it asked us to wait (Retry-After) */
	int64_t		 avoid_until;	/* severe and extreme go elsewhere
					   until then after a failure (its
					   cooldown) */
	int64_t		 busy_since;	/* ms: the first request of those now
					   open left */
	int64_t		 heard_at;	/* ms: its last answer of any kind */
	bool		 stall_noted;	/* its silence was logged */
	/* Failures are logged one line a minute, not one line each. */
	int64_t		 window_at;	/* start of the minute being counted */
	uint64_t	 window_fails;
	char		 window_error[128];	/* the last one's text */
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
 * The provider to carry a message of channel and severity (enum
 * severity) at now: the first by priority that is usable (its breaker
 * lets it, it did not ask us to wait) and not silent (provider_stalled),
 * else the first usable one. Severe and extreme messages fail over
 * first: they go to the first provider with no failure in its current
 * run and not silent, if there is one. NULL when no provider can take it now
 * (providers_usable_at says when one may), or carries the channel at all.
 */
struct provider	*providers_pick(struct providers *, unsigned int channel,
		    int severity, int64_t now);
/*
 * Could p take a message at now? Its breaker is closed, or open and
 * cooled down, or half-open without a probe out; and it did not ask us
 * to wait. Changes nothing (providers_pick turns breakers half-open).
 */
bool		 provider_usable(const struct provider *, int64_t now);
/* When p may be usable again, from now on (now if it is). */
int64_t		 provider_usable_at(const struct provider *, int64_t now);
/* Is a provider other than p usable for channel at now? */
bool		 providers_other_usable(const struct providers *,
		    const struct provider *, unsigned int channel, int64_t now);
/*
 * The earliest time from now on at which some provider that carries
 * channel may be usable (now if one is); 0 if none carries it.
 */
int64_t		 providers_usable_at(const struct providers *,
		    unsigned int channel, int64_t now);
/* Once a second: log each provider's failures of the past minute, once a
 * minute. */
void		 providers_tick(struct providers *, int64_t now);
/* A request to p leaves at now (p->inflight counts it). */
void		 provider_request_begins(struct provider *, int64_t now);
/*
 * Is p silent: requests open and no answer from it for its stall_ms,
 * none since the first of them left? A provider that hangs is found in
 * stall_ms rather than timeout_ms; providers_pick then prefers any other
 * usable provider, and the dispatcher moves what waits for p's
 * connections. p's requests stay open: cut short they would be in doubt.
 */
bool		 provider_stalled(const struct provider *, int64_t now);
/* When p will be silent if it stays so; 0 if it has nothing open. */
int64_t		 provider_stall_at(const struct provider *);
/*
 * Is every provider that carries channel silent (provider_stalled)? 0
 * when one is not (or none carries it), else the ms the one silent
 * for the least time has been.
 */
int64_t		 providers_silent(const struct providers *,
		    unsigned int channel, int64_t now);
/* What a provider is doing, as people are told (GET /v1/providers). */
enum provider_state {
	PROVIDER_UP,		/* takes messages */
	PROVIDER_FAILING,	/* takes them, but its last ones failed */
	PROVIDER_SILENT,	/* requests open, no answer (stall_ms) */
	PROVIDER_PAUSED,	/* it asked us to wait */
	PROVIDER_DOWN		/* its breaker is open (or probing) */
};
/* p's state at now; *until, when set, is when a pause or an open
 * breaker ends (0: not known). */
enum provider_state provider_state(const struct provider *, int64_t now,
		    int64_t *until);
const char	*provider_state_name(enum provider_state);
/* How a channel fares. */
enum channel_state {
	CHANNEL_OK,		/* its first provider takes messages */
	CHANNEL_FAILOVER,	/* the first does not, another does */
	CHANNEL_DOWN,		/* none does now: messages wait */
	CHANNEL_ABSENT		/* no provider carries it */
};
enum channel_state providers_channel_state(const struct providers *,
		    unsigned int channel, int64_t now);
const char	*channel_state_name(enum channel_state);
/* provider_stalled, logged once a spell of silence. */
bool		 provider_note_stall(struct provider *, int64_t now);
/*
 * May p take a new message at now? An open breaker whose cooldown has
 * passed turns half-open here and lets one probe through at a time.
 */
bool		 provider_breaker_allows(struct provider *, int64_t now);
/*
 * Count one outcome of a request to p at now: its result, its breaker
 * (a success, or any refusal of one message, shows the provider is up
 * and closes it; a transport error, timeout, 5xx or 429 counts towards
 * breaker_failures; a refused credential opens it at once for
 * PROVIDER_AUTH_COOLDOWN_MS), and a Retry-After (capped at max_wait_ms)
 * pauses the provider. Returns the ms until p may be used again when
 * this outcome opened its breaker or paused it, else 0.
 */
int64_t		 providers_account(struct providers *, struct provider *,
		    const struct send_result *, int64_t max_wait_ms,
		    int64_t now);
/* Does res say nothing about the message: the provider is down, busy,
 * slow or out of reach (transport, 408, 429, 5xx)? */
bool		 send_result_passing(const struct send_result *);

#endif
