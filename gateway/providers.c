/*
 * The providers at run time: adapters, buckets, breakers, histograms,
 * and which one carries a message now. See providers.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "providers.h"
#include "types.h"
#include "util.h"

struct providers {
	struct provider	*v;
	size_t		 n;
	int		 breaker_failures;	/* in a row, to open */
	int64_t		 cooldown_ms;		/* open, before a probe */
};

struct providers *
providers_new(const struct config *cfg, const struct adapter_env *tmpl,
    bool can_render, int64_t now, char *err, size_t errlen)
{
	struct providers	*ps;
	struct adapter_env	 env = *tmpl;
	size_t			 i;

	ps = xcalloc(1, sizeof(*ps));
	ps->breaker_failures = cfg->breaker_failures;
	ps->cooldown_ms = cfg->breaker_cooldown_ms;
	ps->v = xcalloc(cfg->nproviders, sizeof(*ps->v));
	for (i = 0; i < cfg->nproviders; i++) {
		struct provider	*p = &ps->v[i];

		p->conf = &cfg->providers[i];
		p->index = i;
		env.name = p->conf->name;
		if ((p->adapter = adapter_new(p->conf, &env, err,
		    errlen)) == NULL) {
			providers_free(ps);
			return NULL;
		}
		ps->n++;
		/* Without speech rendering it cannot call: others do. */
		if ((p->adapter->caps & ADAPTER_CAP_AUDIO) &&
		    (p->adapter->caps & ADAPTER_CAP_VOICE) && !can_render) {
			p->adapter->caps &= ~ADAPTER_CAP_VOICE;
			log_warnx("provider=%s evt=no_voice: speech cannot be "
			    "rendered, so calls go to other providers",
			    p->conf->name);
		}
		/* A burst of one second's worth (at least one message). */
		tbucket_init(&p->bucket, p->conf->rate,
		    p->conf->rate < 1 ? 1 : p->conf->rate, now);
	}
	return ps;
}

void
providers_free(struct providers *ps)
{
	size_t	i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++)
		adapter_free(ps->v[i].adapter);
	free(ps->v);
	free(ps);
}

size_t
providers_count(const struct providers *ps)
{
	return ps->n;
}

struct provider *
providers_at(struct providers *ps, size_t i)
{
	return i < ps->n ? &ps->v[i] : NULL;
}

struct provider *
providers_find(struct providers *ps, const char *name)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].conf->name, name) == 0)
			return &ps->v[i];
	return NULL;
}

bool
provider_carries(const struct provider *p, unsigned int channel)
{
	unsigned int	cap = channel == CH_VOICE ? ADAPTER_CAP_VOICE :
			    ADAPTER_CAP_SMS;

	return (p->adapter->caps & cap) != 0;
}

bool
providers_can(const struct providers *ps, unsigned int channel)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (provider_carries(&ps->v[i], channel))
			return true;
	return false;
}

bool
providers_other_carrier(const struct providers *ps, const struct provider *p,
    unsigned int channel)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (&ps->v[i] != p && provider_carries(&ps->v[i], channel))
			return true;
	return false;
}

double
providers_rate(const struct providers *ps, unsigned int channel)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (provider_carries(&ps->v[i], channel))
			return ps->v[i].conf->rate;
	return 0;
}

bool
send_result_passing(const struct send_result *r)
{
	return r->status == SEND_TEMPFAIL && (r->http_status == 0 ||
	    r->http_status == 408 || r->http_status == 429 ||
	    r->http_status >= 500);
}

bool
provider_usable(const struct provider *p, int64_t now)
{
	if (now < p->paused_until)
		return false;
	switch (p->breaker) {
	case BREAKER_CLOSED:
		return true;
	case BREAKER_OPEN:
		return now >= p->open_until;
	case BREAKER_HALF_OPEN:
		/* One probe at a time. */
		return p->inflight == 0 && p->nwaiting == 0;
	}
	return false;
}

bool
provider_breaker_allows(struct provider *p, int64_t now)
{
	if (!provider_usable(p, now))
		return false;
	if (p->breaker == BREAKER_OPEN) {
		p->breaker = BREAKER_HALF_OPEN;
		log_info("provider=%s evt=breaker_half_open: probing",
		    p->conf->name);
	}
	return true;
}

void
provider_request_begins(struct provider *p, int64_t now)
{
	if (p->inflight++ == 0) {
		p->busy_since = now;
		p->stall_noted = false;	/* a new spell */
	}
}

/* Since when p has said nothing while it had requests open. */
static int64_t
silent_since(const struct provider *p)
{
	return p->heard_at > p->busy_since ? p->heard_at : p->busy_since;
}

int64_t
provider_stall_at(const struct provider *p)
{
	if (p->conf->stall_ms == 0 || p->inflight == 0)
		return 0;
	return silent_since(p) + p->conf->stall_ms;
}

bool
provider_stalled(const struct provider *p, int64_t now)
{
	int64_t	at = provider_stall_at(p);

	return at != 0 && now >= at;
}

struct provider *
providers_pick(struct providers *ps, unsigned int channel, int severity,
    int64_t now)
{
	struct provider	*p;
	size_t		 i;
	int		 pass;

	/*
	 * Life first: severe and extreme avoid a provider that is failing,
	 * until its cooldown (or pause) after the last failure is over,
	 * and one that is silent.
	 */
	if (severity <= SEV_SEVERE)
		for (i = 0; i < ps->n; i++) {
			p = &ps->v[i];
			if (provider_carries(p, channel) &&
			    p->breaker == BREAKER_CLOSED &&
			    (p->failures == 0 || now >= p->avoid_until) &&
			    now >= p->paused_until &&
			    !provider_stalled(p, now))
				return p;
		}
	/* The silent are the last resort: they may answer yet. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ps->n; i++) {
			p = &ps->v[i];
			if (provider_carries(p, channel) &&
			    provider_stalled(p, now) == (pass == 1) &&
			    provider_breaker_allows(p, now))
				return p;
		}
	return NULL;
}

bool
providers_other_usable(const struct providers *ps, const struct provider *p,
    unsigned int channel, int64_t now)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (&ps->v[i] != p && provider_carries(&ps->v[i], channel) &&
		    provider_usable(&ps->v[i], now))
			return true;
	return false;
}

int64_t
provider_usable_at(const struct provider *p, int64_t now)
{
	int64_t	at;

	if (provider_usable(p, now))
		return now;
	at = p->paused_until > now ? p->paused_until : now;
	if (p->breaker == BREAKER_OPEN && p->open_until > at)
		at = p->open_until;
	if (p->breaker == BREAKER_HALF_OPEN && at == now)
		at = now + 100;		/* a guess: when the probe is back */
	return at;
}

int64_t
providers_usable_at(const struct providers *ps, unsigned int channel,
    int64_t now)
{
	int64_t	at, best = 0;
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		if (!provider_carries(&ps->v[i], channel))
			continue;
		at = provider_usable_at(&ps->v[i], now);
		if (best == 0 || at < best)
			best = at;
	}
	return best;
}

/* Write the minute's failures of p, if any, and start a new minute. */
static void
window_flush(struct provider *p, int64_t now)
{
	if (p->window_fails > 0)
		log_info("provider=%s evt=failures n=%llu in=%llds last=\"%s\"",
		    p->conf->name, (unsigned long long)p->window_fails,
		    (long long)((now - p->window_at + 999) / 1000),
		    p->window_error);
	p->window_fails = 0;
	p->window_at = now;
}

void
providers_tick(struct providers *ps, int64_t now)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (ps->v[i].window_fails > 0 &&
		    now - ps->v[i].window_at >= 60000)
			window_flush(&ps->v[i], now);
}

int64_t
providers_silent(const struct providers *ps, unsigned int channel,
    int64_t now)
{
	int64_t	least = 0;
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		if (!provider_carries(&ps->v[i], channel))
			continue;
		if (!provider_stalled(&ps->v[i], now))
			return 0;
		if (least == 0 || now - silent_since(&ps->v[i]) < least)
			least = now - silent_since(&ps->v[i]);
	}
	return least;
}

enum provider_state
provider_state(const struct provider *p, int64_t now, int64_t *until)
{
	*until = 0;
	if (now < p->paused_until) {
		*until = p->paused_until;
		return PROVIDER_PAUSED;
	}
	if (p->breaker != BREAKER_CLOSED) {
		if (p->open_until > now)
			*until = p->open_until;
		return PROVIDER_DOWN;
	}
	if (provider_stalled(p, now))
		return PROVIDER_SILENT;
	return p->failures > 0 ? PROVIDER_FAILING : PROVIDER_UP;
}

const char *
provider_state_name(enum provider_state st)
{
	static const char *const names[] = {
		[PROVIDER_UP] = "up",
		[PROVIDER_FAILING] = "failing",
		[PROVIDER_SILENT] = "silent",
		[PROVIDER_PAUSED] = "paused",
		[PROVIDER_DOWN] = "down",
	};

	return (size_t)st < nitems(names) ? names[st] : "unknown";
}

enum channel_state
providers_channel_state(const struct providers *ps, unsigned int channel,
    int64_t now)
{
	enum provider_state	st;
	int64_t			until;
	bool			first = true;
	size_t			i;

	for (i = 0; i < ps->n; i++) {
		if (!provider_carries(&ps->v[i], channel))
			continue;
		st = provider_state(&ps->v[i], now, &until);
		if (st == PROVIDER_UP || st == PROVIDER_FAILING)
			return first ? CHANNEL_OK : CHANNEL_FAILOVER;
		first = false;
	}
	return first ? CHANNEL_ABSENT : CHANNEL_DOWN;
}

const char *
channel_state_name(enum channel_state st)
{
	static const char *const names[] = {
		[CHANNEL_OK] = "ok",
		[CHANNEL_FAILOVER] = "failover",
		[CHANNEL_DOWN] = "down",
		[CHANNEL_ABSENT] = "none",
	};

	return (size_t)st < nitems(names) ? names[st] : "unknown";
}

bool
provider_note_stall(struct provider *p, int64_t now)
{
	if (!provider_stalled(p, now))
		return false;
	if (!p->stall_noted) {
		p->stall_noted = true;
		log_warnx("provider=%s evt=stalled inflight=%d silent=%lldms: "
		    "no answer; new messages go to another provider if one "
		    "is usable", p->conf->name, p->inflight,
		    (long long)(now - silent_since(p)));
	}
	return true;
}

/* Count a failure in p's minute; the first of a quiet spell is logged. */
static void
window_note(struct provider *p, const struct send_result *res, int64_t now)
{
	if (now - p->window_at >= 60000)
		window_flush(p, now);
	if (p->window_fails == 0)
		log_info("provider=%s evt=failing http=%d: %s", p->conf->name,
		    res->http_status, res->error);
	p->window_fails++;
	strlcpy(p->window_error, res->error, sizeof(p->window_error));
}

/* A failure of p: open its breaker when it has failed often enough. */
static int64_t
breaker_failure(struct providers *ps, struct provider *p, bool auth,
    int64_t now)
{
	int64_t	cool = auth ? PROVIDER_AUTH_COOLDOWN_MS : ps->cooldown_ms;

	p->failures++;
	if (!auth && p->breaker == BREAKER_CLOSED &&
	    p->failures < ps->breaker_failures)
		return 0;
	if (p->breaker != BREAKER_OPEN)
		log_warnx("provider=%s evt=breaker_open failures=%d "
		    "cooldown=%lldms%s", p->conf->name, p->failures,
		    (long long)cool, auth ? " reason=auth" : "");
	p->breaker = BREAKER_OPEN;
	p->open_until = now + cool;
	return cool;
}

/* A success from p closes its breaker. */
static void
breaker_success(struct provider *p)
{
	if (p->breaker != BREAKER_CLOSED)
		log_info("provider=%s evt=breaker_closed", p->conf->name);
	p->breaker = BREAKER_CLOSED;
	p->failures = 0;
}

int64_t
providers_account(struct providers *ps, struct provider *p,
    const struct send_result *res, int64_t max_wait_ms, int64_t now)
{
	int64_t	wait = 0, cool = 0;

	p->results[res->status]++;
	/* Any answer, a refusal included, shows it is not hanging. */
	if (res->status != SEND_TEMPFAIL || res->http_status != 0) {
		if (p->stall_noted)
			log_info("provider=%s evt=answering silent=%lldms",
			    p->conf->name, (long long)(now - silent_since(p)));
		p->heard_at = now;
		p->stall_noted = false;
	}
	if (res->status == SEND_OK) {
		breaker_success(p);
		return 0;
	}
	if (res->status == SEND_PERMFAIL && !res->auth_error) {
		breaker_success(p);	/* it answered: it is up */
		return 0;
	}
	window_note(p, res, now);
	if (res->retry_after_s > 0) {
		wait = (int64_t)res->retry_after_s * 1000;
		if (wait > max_wait_ms)
			wait = max_wait_ms;
		if (now + wait > p->paused_until) {
			p->paused_until = now + wait;
			log_info("provider=%s evt=paused for=%llds http=%d: it "
			    "asked us to wait", p->conf->name,
			    (long long)(wait / 1000), res->http_status);
		}
	}
	if (res->auth_error || send_result_passing(res))
		cool = breaker_failure(ps, p, res->auth_error, now);
	/*
	 * Life first avoids p for a while, not for ever: a failure that
	 * no later message clears (when severe ones are all there is)
	 * must not keep them off p once its cooldown is over (a pause is
	 * waited for by paused_until itself).
	 */
	p->avoid_until = now + ps->cooldown_ms;
	return cool > wait ? cool : wait;
}
