/*
 * The dispatcher: the scheduler of deliveries. One scheduling round
 * claims due deliveries (priority, then age) up to what the current
 * provider can take, commits the claim, and queues each message on the
 * provider that will carry it: the one it is pinned to (replies), else
 * the one providers.c picks (by priority, as the circuit breakers
 * allow). A provider's queue is pumped as connections and tokens allow,
 * so max_connections is never exceeded. Each outcome becomes a state
 * change: sent, a retry with backoff, failed or expired. A sweep each
 * second expires what is too old and escalates SMS that went
 * unanswered to calls.
 *
 * State changes join the pass's transaction (batch.c), which commits at
 * the end of the event loop pass (group commit): 10,000 state changes
 * are a handful of transactions, yet each is on disk before the loop
 * waits again. Time is the loop's clock (gw_now), so tests move it.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"
#include "config.h"
#include "dispatch.h"
#include "gateway.h"
#include "http_client.h"
#include "log.h"
#include "media.h"
#include "providers.h"
#include "ratelimit.h"
#include "store.h"
#include "template.h"
#include "types.h"
#include "util.h"

#define SWEEP_INTERVAL_MS	1000	/* expiry and escalation sweeps */
#define MAX_CLAIM		4096
#define ESCALATE_BATCH		500
#define ATTEMPTS_LOGGED		20	/* rows of the attempt log a delivery
					   keeps for its passing failures */

/* One message on its way to a provider. */
struct job {
	TAILQ_ENTRY(job)	 entry;		/* in d->jobs */
	TAILQ_ENTRY(job)	 wentry;	/* in its provider's queue */
	struct dispatch		*d;
	struct provider		*p;
	int64_t			 delivery_id;
	int64_t			 alert_id;
	int			 channel;
	int			 attempts;
	int			 segments;
	int64_t			 expires_at;	/* 0: never */
	int64_t			 started;	/* ms, the loop's clock */
	int			 severity;	/* enum severity: its priority */
	bool			 pinned;	/* a reply: only its provider */
	char			 phone[24];
	char			 lang[8];
	char			 sender[64];
	char			*body;
	char			 masked[32];	/* the number, masked for logs */
};
TAILQ_HEAD(jobq, job);

/* Claimed rows, copied out of the store's callback. */
struct claim_buf {
	struct delivery	*v;
	size_t		 n;
	size_t		 cap;
};

struct dispatch {
	struct gw		*gw;
	struct providers	*ps;
	struct jobq		*queue;		/* per provider, by index */
	size_t			 nqueue;
	struct event		*round_ev;
	int64_t			 round_at;	/* when the armed round runs */
	bool			 round_armed;
	int64_t			 next_sweep;
	struct jobq		 jobs;		/* every job, queued or sent */
	size_t			 njobs;
	bool			 draining;
	void			(*drained)(void *);
	void			*drained_arg;
	uint64_t		 rng;
	int64_t			 note_at;	/* last sent_unconfirmed logged */
	unsigned long		 note_more;	/* and how many since, unsaid */
};

static void	round_cb(evutil_socket_t, short, void *);
static void	sweep(struct dispatch *, int64_t);
static void	schedule_round(struct dispatch *, int64_t);
static void	start_job(struct dispatch *, struct delivery *);
static void	pump(struct dispatch *, struct provider *);
static void	divert(struct dispatch *, struct provider *, int64_t);
static void	send_job(struct dispatch *, struct job *);
static void	job_done(struct job *, struct send_result *, bool);
static void	sent_note(const struct job *, const char *,
		    const struct send_result *, int64_t);
static void	job_http_cb(const struct http_response *, void *);
static void	check_drained(struct dispatch *);
static void	release_job(struct job *, int64_t);
static int64_t	earliest(int64_t, int64_t);

struct dispatch *
dispatch_new(struct gw *gw, char *err, size_t errlen)
{
	struct dispatch	*d;
	size_t		 i;

	d = xcalloc(1, sizeof(*d));
	d->gw = gw;
	d->ps = gw->providers;
	TAILQ_INIT(&d->jobs);
	d->rng = rand_seed();
	d->nqueue = providers_count(d->ps);
	d->queue = xcalloc(d->nqueue ? d->nqueue : 1, sizeof(*d->queue));
	for (i = 0; i < d->nqueue; i++)
		TAILQ_INIT(&d->queue[i]);
	if ((d->round_ev = evtimer_new(gw->base, round_cb, d)) == NULL) {
		snprintf(err, errlen, "cannot create dispatcher events");
		dispatch_free(d);
		return NULL;
	}
	return d;
}

/* Free a job's memory (it must be off every list). */
static void
job_free(struct job *j)
{
	free(j->body);
	free(j);
}

void
dispatch_free(struct dispatch *d)
{
	struct job	*j;

	if (d == NULL)
		return;
	/* Jobs left here were aborted or never started; they stay sending
	 * and the next start queues them again in doubt. */
	while ((j = TAILQ_FIRST(&d->jobs)) != NULL) {
		TAILQ_REMOVE(&d->jobs, j, entry);
		job_free(j);
	}
	free(d->queue);
	if (d->round_ev != NULL)
		event_free(d->round_ev);
	free(d);
}

size_t
dispatch_inflight(const struct dispatch *d)
{
	return d->njobs;
}

/*
 * A delivery's state change, into the journal of the pass (batch.c):
 * written with the pass's commit, or kept until the database takes it.
 */
static void
put(struct dispatch *d, enum batch_op_kind kind, int64_t id, int state,
    int64_t next_at, const char *error)
{
	struct batch_op	op;

	memset(&op, 0, sizeof(op));
	op.kind = kind;
	op.delivery_id = id;
	op.at = gw_now(d->gw);
	op.state = state;
	op.next_at = next_at;
	batch_put(d->gw->batch, &op, error);
}

/* Run a round in ms milliseconds unless one is due sooner. */
static void
schedule_round(struct dispatch *d, int64_t ms)
{
	int64_t		at;
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	at = gw_now(d->gw) + ms;
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

/* Keep a claimed row; the store frees its own copy after we return. */
static int
claim_cb(const struct delivery *row, void *arg)
{
	struct claim_buf	*b = arg;
	struct delivery		*c;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	c = &b->v[b->n++];
	*c = *row;
	c->body = xstrdup(row->body ? row->body : "");
	c->reason = NULL;
	c->error = NULL;
	return 0;
}

/*
 * An escalation: an SMS without a report or, when the alert asks for an
 * answer, without the answer, gets a call in the recipient's language.
 */
static int
escalate_cb(const struct delivery *sms, void *arg)
{
	struct dispatch	*d = arg;
	struct delivery	 call;
	char		*text = NULL;
	const char	*lang = sms->lang;
	int64_t		 now = gw_now(d->gw);

	/* What the alert's call says in her language (else in Swedish),
	 * or the SMS with "press 1" after it. */
	if (store_alert_text_get(d->gw->store, sms->alert_id, lang, CH_VOICE,
	    &text) != 0 && store_alert_text_get(d->gw->store, sms->alert_id,
	    "sv", CH_VOICE, &text) == 0)
		lang = "sv";
	if (text == NULL && (text = str_printf("%s %s", sms->body ?
	    sms->body : "", template_press_one(sms->lang))) == NULL)
		return -1;
	memset(&call, 0, sizeof(call));
	call.alert_id = sms->alert_id;
	strlcpy(call.phone, sms->phone, sizeof(call.phone));
	call.channel = CH_VOICE;
	strlcpy(call.lang, lang, sizeof(call.lang));
	call.body = text;
	call.state = DS_QUEUED;
	call.priority = sms->priority;
	call.segments = 1;
	call.next_at = now;
	call.created_at = now;
	call.expires_at = sms->expires_at;
	call.parent_id = sms->id;
	call.step = sms->step;
	if (store_delivery_insert(d->gw->store, &call) == 0) {
		char	masked[32];

		mask_phone(sms->phone, masked, sizeof(masked));
		log_info("delivery=%lld alert=%lld evt=escalated call=%lld "
		    "to=%s lang=%s", (long long)sms->id,
		    (long long)sms->alert_id, (long long)call.id, masked,
		    lang);
	}
	free(text);
	return 0;
}

/* Every second: expire what is too old, escalate what went unanswered. */
static void
sweep(struct dispatch *d, int64_t now)
{
	int	n = 0;

	if (now < d->next_sweep) {
		/* A sooner round may have replaced the sweep's timer. */
		schedule_round(d, d->next_sweep - now);
		return;
	}
	d->next_sweep = now + SWEEP_INTERVAL_MS;
	providers_tick(d->ps, now);
	/* Nothing is lost when the database cannot take it: the next. */
	if (batch_join(d->gw->batch, false) == -1) {
		schedule_round(d, SWEEP_INTERVAL_MS);
		return;
	}
	if (store_expire_due(d->gw->store, now, &n) == 0 && n > 0)
		log_info("evt=expired deliveries=%d", n);
	if (providers_can(d->ps, CH_VOICE))
		store_escalation_due(d->gw->store, now, ESCALATE_BATCH,
		    escalate_cb, d);
	schedule_round(d, SWEEP_INTERVAL_MS);
}

/* Free connections p can still fill, counting its queue. */
static int
free_slots(const struct provider *p)
{
	return p->conf->max_connections - p->inflight - p->nwaiting;
}

/* The round timer. */
static void
round_cb(evutil_socket_t fd, short what, void *arg)
{
	dispatch_run(arg);
}

void
dispatch_run(struct dispatch *d)
{
	struct gw		*gw = d->gw;
	struct provider		*p;
	struct claim_buf	 b = { NULL, 0, 0 };
	int64_t			 now = gw_now(gw), next;
	int			 free_conn, limit;
	size_t			 i;

	d->round_armed = false;
	if (d->draining)
		return;
	for (i = 0; i < providers_count(d->ps); i++) {
		p = providers_at(d->ps, i);
		if (provider_note_stall(p, now) && p->nwaiting > 0)
			divert(d, p, now);
	}
	for (i = 0; i < providers_count(d->ps); i++)
		pump(d, providers_at(d->ps, i));
	sweep(d, now);
	if ((p = providers_pick(d->ps, CH_SMS, SEV_UNKNOWN, now)) == NULL &&
	    (p = providers_pick(d->ps, CH_VOICE, SEV_UNKNOWN, now)) == NULL) {
		/* None can take a message now: come back when one may. */
		next = earliest(providers_usable_at(d->ps, CH_SMS, now),
		    providers_usable_at(d->ps, CH_VOICE, now));
		if (next > 0)
			schedule_round(d, next - now);
		return;
	}
	free_conn = free_slots(p);
	/* Wait for a few connections to free up: claims come in batches. */
	if (free_conn <= 0 || (p->inflight > 0 &&
	    free_conn < p->conf->max_connections / 4 &&
	    free_conn < gw->cfg->batch_max)) {
		/* A completing request kicks us; silence, a timer. */
		if ((next = provider_stall_at(p)) > now &&
		    providers_count(d->ps) > 1)
			schedule_round(d, next - now);
		return;
	}
	if ((next = tbucket_wait_ms(&p->bucket, 1, now)) > 0) {
		schedule_round(d, next);
		return;
	}
	tbucket_take(&p->bucket, 0, now);	/* refill to now */
	limit = free_conn;
	if (limit > gw->cfg->batch_max)
		limit = gw->cfg->batch_max;
	if (limit > (int)p->bucket.tokens)
		limit = (int)p->bucket.tokens;
	if (p->breaker == BREAKER_HALF_OPEN)
		limit = 1;
	if (limit < 1)
		limit = 1;
	if (limit > MAX_CLAIM)
		limit = MAX_CLAIM;

	/* The claim is committed before any request leaves. */
	batch_flush(gw->batch);
	if (store_claim_due(gw->store, now, limit, claim_cb, &b) == -1) {
		schedule_round(d, 1000);
		goto out;
	}
	log_trace(TRACE_DISPATCH, "evt=round provider=%s free=%d tokens=%.1f "
	    "limit=%d claimed=%zu", p->conf->name, free_conn,
	    p->bucket.tokens, limit, b.n);
	for (i = 0; i < b.n; i++)
		start_job(d, &b.v[i]);
	if ((int)b.n == limit)
		schedule_round(d, 0);
	else if (store_next_due(gw->store, &next) == 0)
		schedule_round(d, next - now);
out:
	for (i = 0; i < b.n; i++)
		free(b.v[i].body);
	free(b.v);
}

/* A result for a job that never reached a provider. */
static void
fail_job(struct job *j, enum send_status st, const char *why)
{
	struct send_result	res;

	memset(&res, 0, sizeof(res));
	res.status = st;
	strlcpy(res.error, why, sizeof(res.error));
	job_done(j, &res, false);
}

/* Queue one claimed delivery on the provider that will carry it. */
static void
start_job(struct dispatch *d, struct delivery *c)
{
	struct provider	*p;
	struct job	*j;
	int64_t		 now = gw_now(d->gw);

	if (c->expires_at != 0 && now >= c->expires_at) {
		put(d, BATCH_FINISH, c->id, DS_EXPIRED, 0,
		    "expired before it could be sent");
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	j->delivery_id = c->id;
	j->alert_id = c->alert_id;
	j->channel = c->channel;
	j->attempts = c->attempts;
	j->segments = c->segments > 0 ? c->segments : 1;
	j->expires_at = c->expires_at;
	j->severity = c->priority;
	j->started = now;
	strlcpy(j->phone, c->phone, sizeof(j->phone));
	strlcpy(j->lang, c->lang, sizeof(j->lang));
	strlcpy(j->sender, c->sender, sizeof(j->sender));
	j->body = c->body;
	c->body = NULL;
	mask_phone(c->phone, j->masked, sizeof(j->masked));
	TAILQ_INSERT_TAIL(&d->jobs, j, entry);
	d->njobs++;

	if (c->pin[0] != '\0') {
		/* A reply goes out where its question came in. */
		j->pinned = true;
		if ((p = providers_find(d->ps, c->pin)) == NULL) {
			fail_job(j, SEND_PERMFAIL, "the provider it is pinned "
			    "to is no longer configured");
			return;
		}
		if (!provider_carries(p, (unsigned int)c->channel)) {
			fail_job(j, SEND_PERMFAIL, "the pinned provider cannot "
			    "carry this channel");
			return;
		}
	} else if ((p = providers_pick(d->ps, (unsigned int)c->channel,
	    c->priority, now)) == NULL) {
		if (!providers_can(d->ps, (unsigned int)c->channel))
			/* Nothing changes that before a restart. */
			fail_job(j, SEND_PERMFAIL,
			    "no provider carries this channel");
		else
			/* Every carrier is down or asked us to wait. */
			release_job(j, providers_usable_at(d->ps,
			    (unsigned int)c->channel, now));
		return;
	}
	j->p = p;
	log_trace(TRACE_DISPATCH, "delivery=%lld evt=queued provider=%s "
	    "channel=%s attempt=%d waiting=%d", (long long)j->delivery_id,
	    p->conf->name, channel_name((enum channel)j->channel),
	    j->attempts, p->nwaiting + 1);
	TAILQ_INSERT_TAIL(&d->queue[p->index], j, wentry);
	p->nwaiting++;
	pump(d, p);
}

/* Start queued jobs of p while connections and tokens allow. */
static void
pump(struct dispatch *d, struct provider *p)
{
	struct job	*j;
	int64_t		 wait;

	while ((j = TAILQ_FIRST(&d->queue[p->index])) != NULL) {
		if (p->inflight >= p->conf->max_connections)
			return;		/* a completion pumps again */
		if ((wait = tbucket_wait_ms(&p->bucket, 1,
		    gw_now(d->gw))) > 0) {
			schedule_round(d, wait);
			return;
		}
		TAILQ_REMOVE(&d->queue[p->index], j, wentry);
		p->nwaiting--;
		send_job(d, j);
	}
}

/*
 * p is silent: what waits for its connections goes to the provider a
 * pick chooses now, unless that is p again (none other is usable) or
 * the job is a reply, which goes out only where its question came in.
 */
static void
divert(struct dispatch *d, struct provider *p, int64_t now)
{
	struct job	*j, *next;
	struct provider	*q;
	int		 n = 0;

	for (j = TAILQ_FIRST(&d->queue[p->index]); j != NULL; j = next) {
		next = TAILQ_NEXT(j, wentry);
		if (j->pinned || (q = providers_pick(d->ps,
		    (unsigned int)j->channel, j->severity, now)) == NULL ||
		    q == p)
			continue;
		TAILQ_REMOVE(&d->queue[p->index], j, wentry);
		p->nwaiting--;
		j->p = q;
		TAILQ_INSERT_TAIL(&d->queue[q->index], j, wentry);
		q->nwaiting++;
		n++;
	}
	if (n > 0)
		log_info("provider=%s evt=diverted jobs=%d: it is silent",
		    p->conf->name, n);
}

/* Speech for a call, rendered once per text: its public URL, or NULL. */
static char *
media_url(struct dispatch *d, struct job *j)
{
	char	id[96], err[256];

	if (d->gw->media == NULL)
		return NULL;
	if (media_render(d->gw->media, j->lang, j->body, id, sizeof(id), err,
	    sizeof(err)) == -1) {
		log_warnx("delivery=%lld evt=media_failed: %s",
		    (long long)j->delivery_id, err);
		return NULL;
	}
	return str_printf("%s/media/%s", d->gw->cfg->public_url, id);
}

/* Hand a job to its provider's adapter. */
static void
send_job(struct dispatch *d, struct job *j)
{
	struct provider		*p = j->p;
	struct http_request	 req;
	struct send_result	 res;
	struct outmsg		 m;
	char			*media = NULL;
	int			 rc;

	/* Carriers count segments; the bucket may go into debt for a long
	 * message, which delays the next one. */
	tbucket_take(&p->bucket, 0, gw_now(d->gw));
	p->bucket.tokens -= j->segments;
	j->started = gw_now(d->gw);

	memset(&m, 0, sizeof(m));
	m.delivery_id = j->delivery_id;
	m.channel = (enum channel)j->channel;
	m.to = j->phone;
	m.from = j->sender[0] ? j->sender : NULL;
	m.text = j->body;
	m.lang = j->lang;
	if (j->channel == CH_VOICE) {
		if ((p->adapter->caps & ADAPTER_CAP_AUDIO) &&
		    (media = media_url(d, j)) == NULL) {
			/* A render that failed may work next time. */
			memset(&res, 0, sizeof(res));
			res.status = SEND_TEMPFAIL;
			strlcpy(res.error, "the speech could not be rendered",
			    sizeof(res.error));
			job_done(j, &res, false);
			return;
		}
		/* A language the provider cannot say: our speech to play
		 * (without it, the provider says it as best it can). */
		if (media == NULL && p->adapter->ops->speaks != NULL &&
		    !p->adapter->ops->speaks(p->adapter, j->lang))
			media = media_url(d, j);
		m.media_url = media;
		m.ask_ack = true;
	}
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	rc = p->adapter->ops->send(p->adapter, &m, &req, &res);
	log_trace(TRACE_DISPATCH, "delivery=%lld evt=send provider=%s to=%s "
	    "segments=%d inflight=%d%s", (long long)j->delivery_id,
	    p->conf->name, j->masked, j->segments, p->inflight,
	    rc == ADAPTER_DONE ? " in_process=1" : "");
	free(media);
	if (rc == ADAPTER_HTTP) {
		if (req.timeout_ms == 0)
			req.timeout_ms = p->conf->timeout_ms;
		provider_request_begins(p, gw_now(d->gw));
		if (http_client_send(d->gw->http, &req, job_http_cb, j) == 0)
			return;
		p->inflight--;
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
	job_done(j, &res, false);
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
	/* A transport failure after the request went out: maybe sent. */
	job_done(j, &res, r->curl_code != 0 && r->request_sent);
	pump(d, p);
	schedule_round(d, 0);
}

/* The earlier of two times, 0 meaning none. */
static int64_t
earliest(int64_t a, int64_t b)
{
	if (a == 0)
		return b;
	return b == 0 || a < b ? a : b;
}

/* Take a job off the books (it is on no provider's queue). */
static void
job_end(struct job *j)
{
	struct dispatch	*d = j->d;

	TAILQ_REMOVE(&d->jobs, j, entry);
	d->njobs--;
	job_free(j);
	check_drained(d);
}

/*
 * No provider can take the job now: back to the queue until at, without
 * counting it as an attempt (the breaker's probe will tell when the
 * provider is back).
 */
static void
release_job(struct job *j, int64_t at)
{
	struct dispatch	*d = j->d;
	int64_t		 now = gw_now(d->gw);

	if (j->expires_at != 0 && at >= j->expires_at)
		put(d, BATCH_FINISH, j->delivery_id, DS_EXPIRED, 0,
		    "no provider could take it before it expired");
	else {
		put(d, BATCH_RELEASE, j->delivery_id, 0, at, NULL);
		schedule_round(d, at - now);
	}
	log_trace(TRACE_DISPATCH, "delivery=%lld evt=released until=+%lldms",
	    (long long)j->delivery_id, (long long)(at - now));
	job_end(j);
}

/*
 * A failure that may pass: try again, here or elsewhere, until the
 * delivery expires. A passing failure (the provider down, busy, slow or
 * out of reach) never fails a delivery: only its expiry ends it. Any
 * other temporary refusal counts towards max_attempts. The wait is the
 * backoff, or the provider's Retry-After if longer, never more than
 * retry_max_ms; it is nothing when another provider can take the message
 * now and this one is out of use, or the alert is severe or extreme; and
 * while the provider is out of use (its breaker open, or it asked us to
 * wait) it is until the provider takes messages again, so everything
 * waiting goes out right after the probe that finds it back.
 */
static void
job_retry(struct job *j, const struct send_result *res, bool unknown,
    int64_t now)
{
	struct dispatch	*d = j->d;
	struct gw	*gw = d->gw;
	const char	*pname = j->p != NULL ? j->p->conf->name : "-";
	int64_t		 delay, next;
	char		 why[320];

	if (!send_result_passing(res) && j->attempts >= gw->cfg->max_attempts) {
		snprintf(why, sizeof(why), "gave up after %d attempts: %s",
		    j->attempts, res->error);
		put(d, BATCH_FINISH, j->delivery_id, DS_FAILED, 0, why);
		log_info("delivery=%lld alert=%lld evt=failed provider=%s "
		    "to=%s attempts=%d http=%d", (long long)j->delivery_id,
		    (long long)j->alert_id, pname, j->masked, j->attempts,
		    res->http_status);
		return;
	}
	delay = backoff_ms(j->attempts, gw->cfg->retry_base_ms,
	    gw->cfg->retry_max_ms, rand_unit(&d->rng));
	if ((int64_t)res->retry_after_s * 1000 > delay)
		delay = (int64_t)res->retry_after_s * 1000;
	if (delay > gw->cfg->retry_max_ms)
		delay = gw->cfg->retry_max_ms;
	if (!j->pinned && j->p != NULL && (j->severity <= SEV_SEVERE ||
	    !provider_usable(j->p, now)) && providers_other_usable(d->ps,
	    j->p, (unsigned int)j->channel, now))
		delay = 0;	/* fail over now */
	else if (j->p != NULL && !provider_usable(j->p, now))
		/* Its breaker or its Retry-After spares the provider now: try
		 * again as soon as it takes messages, not a backoff later. */
		delay = (j->pinned ? provider_usable_at(j->p, now) :
		    providers_usable_at(d->ps, (unsigned int)j->channel,
		    now)) - now;
	next = now + delay;
	if (j->expires_at != 0 && next >= j->expires_at) {
		snprintf(why, sizeof(why), "not sent before it expired: %s",
		    res->error);
		put(d, BATCH_FINISH, j->delivery_id, DS_EXPIRED, 0, why);
		log_info("delivery=%lld alert=%lld evt=expired provider=%s "
		    "to=%s attempts=%d http=%d", (long long)j->delivery_id,
		    (long long)j->alert_id, pname, j->masked, j->attempts,
		    res->http_status);
		return;
	}
	put(d, BATCH_RETRY, j->delivery_id, 0, next, res->error);
	log_debug("delivery=%lld alert=%lld evt=tempfail provider=%s to=%s "
	    "attempt=%d next=%lldms http=%d%s", (long long)j->delivery_id,
	    (long long)j->alert_id, pname, j->masked, j->attempts,
	    (long long)delay, res->http_status, unknown ? " in_doubt=1" : "");
	schedule_round(d, delay);
}

/*
 * Accepted with a note: a 2xx without the provider's id (no delivery
 * report can ever match it, so it stays "sent") or with a status we do
 * not know. Said at info, once a minute at most with how many more.
 */
static void
sent_note(const struct job *j, const char *pname,
    const struct send_result *res, int64_t now)
{
	struct dispatch	*d = j->d;
	char		 ref[100];

	if (d->note_at != 0 && now - d->note_at < 60000) {
		d->note_more++;
		return;
	}
	log_info("delivery=%lld alert=%lld evt=sent_unconfirmed provider=%s "
	    "to=%s ref=%s more=%lu: %s", (long long)j->delivery_id,
	    (long long)j->alert_id, pname, j->masked,
	    res->ref[0] ? log_value(ref, sizeof(ref), res->ref) : "-",
	    d->note_more, res->error);
	d->note_at = now;
	d->note_more = 0;
}

/* Record the outcome of an attempt and free the job. */
static void
job_done(struct job *j, struct send_result *res, bool unknown)
{
	struct dispatch		*d = j->d;
	struct gw		*gw = d->gw;
	struct provider		*p = j->p;
	const char		*pname = p ? p->conf->name : "-";
	struct batch_op		 op;
	char			 ref[100];
	int64_t			 now = gw_now(gw), cool;
	static const char *const result_names[] = {
		[SEND_OK] = "ok",
		[SEND_TEMPFAIL] = "tempfail",
		[SEND_PERMFAIL] = "permfail",
	};

	log_trace(TRACE_DISPATCH, "delivery=%lld evt=outcome provider=%s "
	    "result=%s http=%d retry_after=%d unknown=%d error=\"%.80s\"",
	    (long long)j->delivery_id, pname, result_names[res->status],
	    res->http_status, res->retry_after_s, unknown, res->error);
	if (p != NULL) {
		if ((cool = providers_account(d->ps, p, res,
		    gw->cfg->retry_max_ms, now)) > 0)
			schedule_round(d, cool);
		/*
		 * The attempt log is the story of what did not go at once:
		 * a first try that is accepted says nothing the delivery
		 * row does not (provider, reference, time), and the log
		 * stays bounded however long an outage.
		 */
		if (!(res->status == SEND_OK && j->attempts <= 1 &&
		    res->error[0] == '\0') &&
		    (j->attempts <= ATTEMPTS_LOGGED ||
		    res->status != SEND_TEMPFAIL)) {
			memset(&op, 0, sizeof(op));
			op.kind = BATCH_ATTEMPT;
			op.delivery_id = j->delivery_id;
			op.at = now;
			strlcpy(op.provider, pname, sizeof(op.provider));
			op.http_status = res->http_status;
			op.result = result_names[res->status];
			op.duration_ms = (int)(now - j->started);
			batch_put(gw->batch, &op, res->error[0] ? res->error :
			    NULL);
		}
	}
	if (unknown)
		put(d, BATCH_DOUBT, j->delivery_id, 0, 0, NULL);
	/* A provider that refused our credentials is no reason to give up
	 * on the message when another provider may take it. */
	if (res->status == SEND_PERMFAIL && res->auth_error && !j->pinned &&
	    providers_other_carrier(d->ps, p, (unsigned int)j->channel))
		res->status = SEND_TEMPFAIL;

	switch (res->status) {
	case SEND_OK:
		memset(&op, 0, sizeof(op));
		op.kind = BATCH_SENT;
		op.delivery_id = j->delivery_id;
		op.alert_id = j->alert_id;
		op.channel = j->channel;
		op.at = now;
		strlcpy(op.provider, pname, sizeof(op.provider));
		strlcpy(op.ref, res->ref, sizeof(op.ref));
		batch_put(gw->batch, &op, NULL);
		log_debug("delivery=%lld alert=%lld evt=sent provider=%s "
		    "to=%s ref=%s attempt=%d", (long long)j->delivery_id,
		    (long long)j->alert_id, pname, j->masked,
		    log_value(ref, sizeof(ref), res->ref), j->attempts);
		if (res->error[0] != '\0')
			sent_note(j, pname, res, now);
		break;
	case SEND_TEMPFAIL:
		job_retry(j, res, unknown, now);
		break;
	case SEND_PERMFAIL:
		put(d, BATCH_FINISH, j->delivery_id, DS_FAILED, 0, res->error);
		log_info("delivery=%lld alert=%lld evt=failed provider=%s "
		    "to=%s http=%d", (long long)j->delivery_id,
		    (long long)j->alert_id, pname, j->masked,
		    res->http_status);
		break;
	}
	job_end(j);
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
	batch_flush(d->gw->batch);
	cb(d->drained_arg);
}

void
dispatch_drain(struct dispatch *d, void (*done)(void *), void *arg)
{
	struct job	*j;
	size_t		 i;

	d->draining = true;
	d->drained = done;
	d->drained_arg = arg;
	if (d->round_ev != NULL)
		evtimer_del(d->round_ev);
	d->round_armed = false;
	/* Queued jobs have not left: give them back, not as an attempt. */
	for (i = 0; i < providers_count(d->ps); i++) {
		struct provider	*p = providers_at(d->ps, i);

		while ((j = TAILQ_FIRST(&d->queue[i])) != NULL) {
			TAILQ_REMOVE(&d->queue[i], j, wentry);
			p->nwaiting--;
			put(d, BATCH_RELEASE, j->delivery_id, 0, gw_now(d->gw),
			    NULL);
			TAILQ_REMOVE(&d->jobs, j, entry);
			d->njobs--;
			job_free(j);
		}
	}
	check_drained(d);
}
