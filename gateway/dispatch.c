/*
 * The dispatcher. One scheduling round claims due deliveries (priority,
 * then age) up to the provider's free connections and tokens, commits the
 * claim, and hands each message to the adapter. Outcomes and delivery
 * reports are written in a batch that commits at the end of the event
 * loop pass (group commit), so 10,000 state changes are a handful of
 * transactions, yet each is on disk before the loop waits again.
 */
#include <sys/queue.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "dispatch.h"
#include "gateway.h"
#include "http_client.h"
#include "log.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define SWEEP_INTERVAL_MS	1000	/* expiry sweep */
#define MAX_CLAIM		4096

/* One message on its way to a provider. */
struct job {
	TAILQ_ENTRY(job)	 entry;
	struct dispatch		*d;
	struct provider		*p;
	int64_t			 delivery_id;
	int64_t			 alert_id;
	int			 attempts;
	int			 segments;
	int64_t			 expires_at;
	int64_t			 started;	/* mono ms */
	char			 masked[32];	/* the number, masked for logs */
};
TAILQ_HEAD(jobq, job);

/* A claimed row, copied out of the store's callback. */
struct claimed {
	int64_t		 id;
	int64_t		 alert_id;
	int		 channel;
	int		 attempts;
	int		 segments;
	int64_t		 expires_at;
	char		 phone[24];
	char		*body;
};

struct claim_buf {
	struct claimed	*v;
	size_t		 n;
	size_t		 cap;
};

struct dispatch {
	struct gw		*gw;
	struct provider		*prov;
	size_t			 nprov;
	struct event		*round_ev;
	int64_t			 round_at;	/* mono ms of the scheduled round */
	bool			 round_armed;
	struct event		*commit_ev;
	bool			 txn_open;
	int64_t			 next_sweep;
	struct jobq		 jobs;
	size_t			 njobs;
	bool			 draining;
	void			(*drained)(void *);
	void			*drained_arg;
	uint64_t		 rng;
};

static void	round_cb(evutil_socket_t, short, void *);
static void	commit_cb(evutil_socket_t, short, void *);
static void	schedule_round(struct dispatch *, int64_t);
static void	batch_begin(struct dispatch *);
static void	start_job(struct dispatch *, struct provider *,
		    struct claimed *);
static void	job_done(struct job *, struct send_result *);
static void	job_http_cb(const struct http_response *, void *);
static void	sim_report_cb(void *, const char *,
		    const struct status_report *);
static void	check_drained(struct dispatch *);

/* A uniform double in [0, 1) for jitter (xorshift64*). */
static double
rnd(struct dispatch *d)
{
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return (double)((d->rng * 2685821657736338717ULL) >> 11) /
	    (double)(1ULL << 53);
}

struct dispatch *
dispatch_new(struct gw *gw, char *err, size_t errlen)
{
	struct dispatch		*d;
	struct adapter_env	 env;
	size_t			 i;

	d = xcalloc(1, sizeof(*d));
	d->gw = gw;
	TAILQ_INIT(&d->jobs);
	d->rng = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32) ^
	    0x9e3779b97f4a7c15ULL;
	d->nprov = gw->cfg->nproviders;
	d->prov = xcalloc(d->nprov, sizeof(*d->prov));
	memset(&env, 0, sizeof(env));
	env.base = gw->base;
	env.public_url = gw->cfg->public_url;
	env.report = sim_report_cb;
	env.report_arg = d;
	for (i = 0; i < d->nprov; i++) {
		struct provider	*p = &d->prov[i];

		p->conf = &gw->cfg->providers[i];
		env.name = p->conf->name;
		if ((p->adapter = adapter_new(p->conf, &env, err,
		    errlen)) == NULL) {
			dispatch_free(d);
			return NULL;
		}
		/* A burst of one second's worth (at least one message). */
		tbucket_init(&p->bucket, p->conf->rate,
		    p->conf->rate < 1 ? 1 : p->conf->rate, mono_ms());
	}
	d->round_ev = evtimer_new(gw->base, round_cb, d);
	d->commit_ev = event_new(gw->base, -1, 0, commit_cb, d);
	if (d->round_ev == NULL || d->commit_ev == NULL) {
		snprintf(err, errlen, "cannot create dispatcher events");
		dispatch_free(d);
		return NULL;
	}
	return d;
}

void
dispatch_free(struct dispatch *d)
{
	struct job	*j;
	size_t		 i;

	if (d == NULL)
		return;
	dispatch_flush(d);
	/* Jobs left here were aborted with the HTTP client; they stay sending. */
	while ((j = TAILQ_FIRST(&d->jobs)) != NULL) {
		TAILQ_REMOVE(&d->jobs, j, entry);
		free(j);
	}
	for (i = 0; i < d->nprov; i++)
		adapter_free(d->prov[i].adapter);
	free(d->prov);
	if (d->round_ev != NULL)
		event_free(d->round_ev);
	if (d->commit_ev != NULL)
		event_free(d->commit_ev);
	free(d);
}

size_t
dispatch_nproviders(const struct dispatch *d)
{
	return d->nprov;
}

struct provider *
dispatch_provider_at(struct dispatch *d, size_t i)
{
	return i < d->nprov ? &d->prov[i] : NULL;
}

struct provider *
dispatch_provider(struct dispatch *d, const char *name)
{
	size_t	i;

	for (i = 0; i < d->nprov; i++)
		if (strcmp(d->prov[i].conf->name, name) == 0)
			return &d->prov[i];
	return NULL;
}

/* Adapter capability bit for a channel. */
static unsigned int
channel_cap(unsigned int channel)
{
	return channel == CH_VOICE ? ADAPTER_CAP_VOICE : ADAPTER_CAP_SMS;
}

bool
dispatch_can(const struct dispatch *d, unsigned int channel)
{
	size_t	i;

	for (i = 0; i < d->nprov; i++)
		if (d->prov[i].adapter->ops->caps & channel_cap(channel))
			return true;
	return false;
}

double
dispatch_rate(const struct dispatch *d, unsigned int channel)
{
	size_t	i;

	for (i = 0; i < d->nprov; i++)
		if (d->prov[i].adapter->ops->caps & channel_cap(channel))
			return d->prov[i].conf->rate;
	return 0;
}

size_t
dispatch_inflight(const struct dispatch *d)
{
	return d->njobs;
}

/* The provider that carries channel now: the first by priority. */
static struct provider *
pick_provider(struct dispatch *d, unsigned int channel)
{
	size_t	i;

	for (i = 0; i < d->nprov; i++)
		if (d->prov[i].adapter->ops->caps & channel_cap(channel))
			return &d->prov[i];
	return NULL;
}

/* Open the batch transaction if needed; it commits at the end of the pass. */
static void
batch_begin(struct dispatch *d)
{
	if (d->txn_open)
		return;
	if (store_begin(d->gw->store, false) == -1)
		return;
	d->txn_open = true;
	event_active(d->commit_ev, EV_TIMEOUT, 0);
}

void
dispatch_flush(struct dispatch *d)
{
	if (!d->txn_open)
		return;
	d->txn_open = false;
	if (store_commit(d->gw->store) == -1)
		log_warnx("dispatch: batch commit failed; state changes of "
		    "this pass are lost and will be redone");
}

/* End of the loop pass: commit what the pass changed. */
static void
commit_cb(evutil_socket_t fd, short what, void *arg)
{
	dispatch_flush(arg);
}

/* Run a round in ms milliseconds unless one is due sooner. */
static void
schedule_round(struct dispatch *d, int64_t ms)
{
	int64_t		at = mono_ms() + (ms < 0 ? 0 : ms);
	struct timeval	tv;

	if (d->draining || (d->round_armed && d->round_at <= at))
		return;
	d->round_at = at;
	d->round_armed = true;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(d->round_ev, &tv);
}

void
dispatch_kick(struct dispatch *d)
{
	schedule_round(d, 0);
}

/* Collect a claimed row; the store frees its copy after we return. */
static int
claim_cb(const struct delivery *row, void *arg)
{
	struct claim_buf	*b = arg;
	struct claimed		*c;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	c = &b->v[b->n++];
	c->id = row->id;
	c->alert_id = row->alert_id;
	c->channel = row->channel;
	c->attempts = row->attempts;
	c->segments = row->segments > 0 ? row->segments : 1;
	c->expires_at = row->expires_at;
	strlcpy(c->phone, row->phone, sizeof(c->phone));
	c->body = xstrdup(row->body ? row->body : "");
	return 0;
}

/* Queued deliveries whose alert or own expiry passed become expired. */
static void
sweep_expired(struct dispatch *d, int64_t now)
{
	int	n = 0;

	if (now < d->next_sweep)
		return;
	d->next_sweep = now + SWEEP_INTERVAL_MS;
	batch_begin(d);
	if (store_expire_due(d->gw->store, now, &n) == 0 && n > 0)
		log_info("evt=expired deliveries=%d", n);
}

/* One scheduling round. */
static void
round_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dispatch		*d = arg;
	struct gw		*gw = d->gw;
	struct provider		*p;
	struct claim_buf	 b = { NULL, 0, 0 };
	int64_t			 now = now_ms(), mono = mono_ms(), next;
	int			 free_conn, limit;
	size_t			 i;

	d->round_armed = false;
	if (d->draining)
		return;
	sweep_expired(d, now);
	if ((p = pick_provider(d, CH_SMS)) == NULL)
		return;
	free_conn = p->conf->max_connections - p->inflight;
	/* Wait for a few connections to free up: claims come in batches. */
	if (free_conn <= 0 || (p->inflight > 0 &&
	    free_conn < p->conf->max_connections / 4 &&
	    free_conn < gw->cfg->batch_max))
		return;		/* a completing request kicks us */
	if ((next = tbucket_wait_ms(&p->bucket, 1, mono)) > 0) {
		schedule_round(d, next);
		return;
	}
	tbucket_take(&p->bucket, 0, mono);	/* refill to now */
	limit = free_conn;
	if (limit > gw->cfg->batch_max)
		limit = gw->cfg->batch_max;
	if (limit > (int)p->bucket.tokens)
		limit = (int)p->bucket.tokens;
	if (limit < 1)
		limit = 1;
	if (limit > MAX_CLAIM)
		limit = MAX_CLAIM;

	/* The claim is committed before any request leaves. */
	dispatch_flush(d);
	if (store_claim_due(gw->store, now, limit, claim_cb, &b) == -1) {
		schedule_round(d, 1000);
		goto out;
	}
	for (i = 0; i < b.n; i++)
		start_job(d, p, &b.v[i]);
	if ((int)b.n == limit)
		schedule_round(d, 0);
	else if (store_next_due(gw->store, &next) == 0)
		schedule_round(d, next - now);
out:
	for (i = 0; i < b.n; i++)
		free(b.v[i].body);
	free(b.v);
}

/* Hand one claimed delivery to the provider. */
static void
start_job(struct dispatch *d, struct provider *p, struct claimed *c)
{
	struct http_request	 req;
	struct send_result	 res;
	struct outmsg		 m;
	struct job		*j;
	int			 rc;

	if (c->expires_at != 0 && now_ms() >= c->expires_at) {
		batch_begin(d);
		store_delivery_finish(d->gw->store, c->id, DS_EXPIRED,
		    "expired before it could be sent", now_ms());
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	j->p = p;
	j->delivery_id = c->id;
	j->alert_id = c->alert_id;
	j->attempts = c->attempts;
	j->segments = c->segments;
	j->expires_at = c->expires_at;
	j->started = mono_ms();
	mask_phone(c->phone, j->masked, sizeof(j->masked));
	TAILQ_INSERT_TAIL(&d->jobs, j, entry);
	d->njobs++;

	/* A message of several segments costs several tokens, as carriers
	 * count; the bucket may go into debt, which delays the next round. */
	p->bucket.tokens -= c->segments;

	memset(&m, 0, sizeof(m));
	m.delivery_id = c->id;
	m.channel = (enum channel)c->channel;
	m.to = c->phone;
	m.text = c->body;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	rc = p->adapter->ops->send(p->adapter, &m, &req, &res);
	if (rc == ADAPTER_HTTP) {
		if (req.timeout_ms == 0)
			req.timeout_ms = p->conf->timeout_ms;
		p->inflight++;
		if (http_client_send(d->gw->http, &req, job_http_cb, j) == 0)
			return;
		p->inflight--;
		http_request_reset(&req);
		res.status = SEND_TEMPFAIL;
		strlcpy(res.error, "could not start the HTTP request",
		    sizeof(res.error));
	} else if (rc != ADAPTER_DONE) {
		http_request_reset(&req);
		res.status = SEND_PERMFAIL;
		if (res.error[0] == '\0')
			strlcpy(res.error, "the adapter could not build the "
			    "request", sizeof(res.error));
	}
	job_done(j, &res);
}

/* The provider answered (or the request failed). */
static void
job_http_cb(const struct http_response *r, void *arg)
{
	struct job		*j = arg;
	struct provider		*p = j->p;
	struct dispatch		*d = j->d;
	struct send_result	 res;

	p->inflight--;
	histogram_observe(&p->latency, r->seconds);
	memset(&res, 0, sizeof(res));
	p->adapter->ops->parse_send(p->adapter, r, &res);
	if (res.http_status == 0)
		res.http_status = (int)r->status;
	job_done(j, &res);	/* frees j */
	schedule_round(d, 0);
}

/* Record the outcome of an attempt and free the job. */
static void
job_done(struct job *j, struct send_result *res)
{
	struct dispatch		*d = j->d;
	struct gw		*gw = d->gw;
	struct provider		*p = j->p;
	struct attempt		 at;
	int64_t			 now = now_ms(), delay, next;
	static const char *const result_names[] = {
		[SEND_OK] = "ok",
		[SEND_TEMPFAIL] = "tempfail",
		[SEND_PERMFAIL] = "permfail",
	};

	batch_begin(d);
	p->results[res->status]++;
	memset(&at, 0, sizeof(at));
	at.delivery_id = j->delivery_id;
	at.at = now;
	at.provider = p->conf->name;
	at.http_status = res->http_status;
	at.result = result_names[res->status];
	at.error = res->error[0] ? res->error : NULL;
	at.duration_ms = (int)(mono_ms() - j->started);
	store_attempt_log(gw->store, &at);

	switch (res->status) {
	case SEND_OK:
		store_delivery_sent(gw->store, j->delivery_id, p->conf->name,
		    res->ref, now);
		log_debug("delivery=%lld alert=%lld evt=sent provider=%s "
		    "to=%s ref=%s attempt=%d", (long long)j->delivery_id,
		    (long long)j->alert_id, p->conf->name, j->masked, res->ref,
		    j->attempts);
		break;
	case SEND_TEMPFAIL:
		delay = backoff_ms(j->attempts, gw->cfg->retry_base_ms,
		    gw->cfg->retry_max_ms, rnd(d));
		if (res->retry_after_s > 0 &&
		    (int64_t)res->retry_after_s * 1000 > delay)
			delay = (int64_t)res->retry_after_s * 1000;
		next = now + delay;
		if (j->attempts >= gw->cfg->max_attempts) {
			char	why[300];

			snprintf(why, sizeof(why), "gave up after %d attempts: "
			    "%s", j->attempts, res->error);
			store_delivery_finish(gw->store, j->delivery_id,
			    DS_FAILED, why, now);
			log_info("delivery=%lld alert=%lld evt=failed "
			    "provider=%s to=%s attempts=%d http=%d",
			    (long long)j->delivery_id, (long long)j->alert_id,
			    p->conf->name, j->masked, j->attempts,
			    res->http_status);
		} else if (j->expires_at != 0 && next >= j->expires_at) {
			store_delivery_finish(gw->store, j->delivery_id,
			    DS_EXPIRED, res->error, now);
		} else {
			store_delivery_retry(gw->store, j->delivery_id, next,
			    res->error, now);
			log_info("delivery=%lld alert=%lld evt=tempfail "
			    "provider=%s to=%s attempt=%d next=%lldms http=%d",
			    (long long)j->delivery_id, (long long)j->alert_id,
			    p->conf->name, j->masked, j->attempts,
			    (long long)delay, res->http_status);
			schedule_round(d, delay);
		}
		break;
	case SEND_PERMFAIL:
		store_delivery_finish(gw->store, j->delivery_id, DS_FAILED,
		    res->error, now);
		if (res->auth_error)
			log_warnx("provider=%s evt=auth_error http=%d: the "
			    "provider refused our credentials; check its "
			    "section in the configuration", p->conf->name,
			    res->http_status);
		log_info("delivery=%lld alert=%lld evt=failed provider=%s "
		    "to=%s http=%d", (long long)j->delivery_id,
		    (long long)j->alert_id, p->conf->name, j->masked,
		    res->http_status);
		break;
	}
	TAILQ_REMOVE(&d->jobs, j, entry);
	d->njobs--;
	free(j);
	check_drained(d);
}

int
dispatch_report(struct dispatch *d, const char *provider,
    const struct status_report *r)
{
	int64_t	id = 0;
	int	rc;

	batch_begin(d);
	rc = store_delivery_report(d->gw->store, provider, r->ref, r->state,
	    r->error[0] ? r->error : NULL, now_ms(), &id);
	if (rc == STORE_NOTFOUND)
		log_info("provider=%s evt=report_unknown ref=%.96s state=%s",
		    provider, r->ref, dstate_name(r->state));
	else if (rc == 0)
		log_debug("delivery=%lld evt=%s provider=%s ref=%s",
		    (long long)id, dstate_name(r->state), provider, r->ref);
	return rc;
}

/* In-process providers (the simulator) report here. */
static void
sim_report_cb(void *arg, const char *provider, const struct status_report *r)
{
	dispatch_report(arg, provider, r);
}

/* Tell the drain waiter once the last job is done. */
static void
check_drained(struct dispatch *d)
{
	void	(*cb)(void *);

	if (!d->draining || d->njobs > 0 || d->drained == NULL)
		return;
	cb = d->drained;
	d->drained = NULL;
	dispatch_flush(d);
	cb(d->drained_arg);
}

void
dispatch_drain(struct dispatch *d, void (*done)(void *), void *arg)
{
	d->draining = true;
	d->drained = done;
	d->drained_arg = arg;
	if (d->round_ev != NULL)
		evtimer_del(d->round_ev);
	d->round_armed = false;
	check_drained(d);
}
