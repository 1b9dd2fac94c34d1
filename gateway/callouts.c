/*
 * Gates that open by themselves and call-out chain steps, once a second.
 * See callouts.h.
 *
 * A scheduled alert is fanned out from its kept request when it is
 * released (fanout_release: the contacts of that moment); a held one
 * has its deliveries already and only opens (store_alert_release). A
 * chain step asks the next audience of escalate_to (fanout_step) unless
 * the alert has its need, expired or was cancelled (those end the chain:
 * chain_next_at is cleared by the fill and the cancel), and tells the
 * source system with alert.escalated.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "batch.h"
#include "callouts.h"
#include "dispatch.h"
#include "fanout.h"
#include "gateway.h"
#include "log.h"
#include "source_events.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define CALLOUTS_TICK_MS	1000
#define CALLOUTS_BATCH		16	/* alerts per kind and run */

struct callouts {
	struct gw	*gw;
	struct event	*tick_ev;	/* every CALLOUTS_TICK_MS */
	struct event	*more_ev;	/* a run that left work: at once */
	bool		 stopped;
};

/* Ids collected before any is acted on (the statement must end first). */
struct idlist {
	int64_t	ids[CALLOUTS_BATCH];
	size_t	n;
};

static void	callouts_tick_cb(evutil_socket_t, short, void *);
static int	collect_cb(const struct alert_row *, void *);
static void	release(struct callouts *, int64_t, int64_t);
static void	step(struct callouts *, int64_t, int64_t);

struct callouts *
callouts_new(struct gw *gw, char *err, size_t errlen)
{
	struct callouts	*c = xcalloc(1, sizeof(*c));
	struct timeval	 tv = { CALLOUTS_TICK_MS / 1000,
			    (CALLOUTS_TICK_MS % 1000) * 1000 };

	c->gw = gw;
	c->tick_ev = event_new(gw->base, -1, EV_PERSIST, callouts_tick_cb, c);
	c->more_ev = evtimer_new(gw->base, callouts_tick_cb, c);
	if (c->tick_ev == NULL || c->more_ev == NULL ||
	    event_add(c->tick_ev, &tv) == -1) {
		snprintf(err, errlen, "callouts: cannot create timers");
		callouts_free(c);
		return NULL;
	}
	return c;
}

void
callouts_free(struct callouts *c)
{
	if (c == NULL)
		return;
	if (c->tick_ev != NULL)
		event_free(c->tick_ev);
	if (c->more_ev != NULL)
		event_free(c->more_ev);
	free(c);
}

void
callouts_stop(struct callouts *c)
{
	c->stopped = true;
	event_del(c->tick_ev);
	event_del(c->more_ev);
}

/* The timer. */
static void
callouts_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	callouts_run(arg);
}

/* Keep the id of an alert a list passed. */
static int
collect_cb(const struct alert_row *a, void *arg)
{
	struct idlist	*l = arg;

	if (l->n < nitems(l->ids))
		l->ids[l->n++] = a->id;
	return 0;
}

void
callouts_run(struct callouts *c)
{
	struct store	*s = c->gw->store;
	struct idlist	 due;
	struct timeval	 now_tv = { 0, 0 };
	int64_t		 now = gw_now(c->gw);
	size_t		 i;
	bool		 more = false;

	if (c->stopped)
		return;
	memset(&due, 0, sizeof(due));
	if (store_alerts_releasable(s, now, CALLOUTS_BATCH, collect_cb,
	    &due) == 0) {
		for (i = 0; i < due.n; i++)
			release(c, due.ids[i], now);
		more |= due.n == CALLOUTS_BATCH;
	}
	memset(&due, 0, sizeof(due));
	if (store_alerts_chain_due(s, now, CALLOUTS_BATCH, collect_cb,
	    &due) == 0) {
		for (i = 0; i < due.n; i++)
			step(c, due.ids[i], now);
		more |= due.n == CALLOUTS_BATCH;
	}
	if (more)
		evtimer_add(c->more_ev, &now_tv);
}

/* Open the gate of alert id, whose time has come. */
static void
release(struct callouts *c, int64_t id, int64_t now)
{
	struct gw		*gw = c->gw;
	struct alert_row	 a;
	char			 why[320];
	const char		*gate;
	int			 n = 0, rc;

	if (store_alert_get(gw->store, id, &a) != 0)
		return;
	gate = alert_gate_name((enum alert_gate)a.gate);
	if (gate == NULL) {
		alert_row_clear(&a);
		return;
	}
	why[0] = '\0';
	if (a.gate == GATE_SCHEDULED)
		rc = fanout_release(gw, &a, why, sizeof(why), &n);
	else {
		batch_flush(gw->batch);
		rc = store_alert_release(gw->store, id, now, &n);
	}
	if (rc == -1)
		/* The database did not take it: the next tick tries again. */
		log_warnx("alert=%" PRId64 " evt=release_failed gate=%s: "
		    "tried again", id, gate);
	else if (rc == 0) {
		log_info("alert=%" PRId64 " evt=released gate=%s late=%" PRId64
		    "ms deliveries=%d%s%s", id, gate, now - a.release_at, n,
		    why[0] ? " error=" : "", why);
		if (gw->dispatch != NULL)
			dispatch_kick(gw->dispatch);
	}
	alert_row_clear(&a);
}

/*
 * The chain step of alert id is due: ask the next audience if fewer than
 * need said JA and the alert may still send; else end the chain.
 */
static void
step(struct callouts *c, int64_t id, int64_t now)
{
	struct gw		*gw = c->gw;
	struct alert_row	 a;
	struct alert_counts	 cnt;
	struct fanout_step	 st;
	char			 why[320];
	json_t			*data;

	if (store_alert_get(gw->store, id, &a) != 0)
		return;
	if (store_alert_counts(gw->store, id, &cnt) == -1)
		goto out;
	if ((a.expires_at != 0 && now >= a.expires_at) ||
	    (a.need > 0 && cnt.acks_yes >= a.need)) {
		/* Nothing more to ask: the chain ends where it is. */
		batch_flush(gw->batch);
		if (store_alert_step(gw->store, id, a.step, NULL, 0, 0, 0,
		    0) == 0)
			log_info("alert=%" PRId64 " evt=chain_ended step=%d "
			    "yes=%" PRId64 " need=%d%s", id, a.step,
			    cnt.acks_yes, a.need, a.expires_at != 0 &&
			    now >= a.expires_at ? " expired=1" : "");
		goto out;
	}
	if (fanout_step(gw, &a, &st, why, sizeof(why)) == -1) {
		log_warnx("alert=%" PRId64 " evt=step_failed step=%d: tried "
		    "again", id, a.step + 1);
		goto out;
	}
	log_info("alert=%" PRId64 " evt=escalated step=%d yes=%" PRId64
	    " need=%d recipients=%d people=%d%s%s%s", id, st.step,
	    cnt.acks_yes, a.need, st.recipients, st.people,
	    st.last ? " last=1" : "", why[0] ? " error=" : "", why);
	data = json_pack("{si sI si si si sb}", "step", st.step,
	    "yes", (json_int_t)cnt.acks_yes, "need", a.need,
	    "recipients", st.recipients, "people", st.people,
	    "last", st.last);
	if (gw->events != NULL && data != NULL)
		source_events_post(gw->events, id, "alert.escalated", data);
	else
		json_decref(data);
	if (gw->dispatch != NULL)
		dispatch_kick(gw->dispatch);
out:
	alert_row_clear(&a);
}
