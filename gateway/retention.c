/*
 * The daily erasure, a batch per pass. See retention.h.
 *
 * The timer looks at the loop's clock at most every minute (so a clock
 * that jumps, in a test, is seen), starts a run when retention_at has
 * come, and then erases one batch per pass, re-armed at once, until
 * nothing older than retention_days is left. What is erased "before" is
 * fixed when the run starts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "retention.h"
#include "store.h"
#include "tz.h"
#include "util.h"

#define RETENTION_BATCH		2000	/* rows of each table per pass */
#define RETENTION_LOOK_MS	60000	/* the clock is looked at at least */
#define DAY_MS			(24 * 3600 * 1000LL)

struct retention {
	struct gw		*gw;
	struct event		*ev;
	bool			 running;
	int64_t			 before;	/* of the run going on */
	int64_t			 started;	/* mono ms, for the log */
	int64_t			 run_deliveries;
	int64_t			 run_inbound;
	int			 batches;
	struct retention_stats	 st;
};

static void	retention_cb(evutil_socket_t, short, void *);
static void	retention_arm(struct retention *);

struct retention *
retention_new(struct gw *gw, char *err, size_t errlen)
{
	struct retention	*r = xcalloc(1, sizeof(*r));

	r->gw = gw;
	if ((r->ev = evtimer_new(gw->base, retention_cb, r)) == NULL) {
		snprintf(err, errlen, "retention: cannot create its timer");
		free(r);
		return NULL;
	}
	if (gw->cfg->retention_days > 0 && gw->cfg->tz != NULL)
		r->st.next_at = tz_next_daily(gw->cfg->tz,
		    gw->cfg->retention_at, gw_now(gw));
	retention_arm(r);
	return r;
}

void
retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	event_free(r->ev);
	free(r);
}

void
retention_stats(const struct retention *r, struct retention_stats *st)
{
	if (r == NULL)
		memset(st, 0, sizeof(*st));
	else
		*st = r->st;
}

/* Come back at once while a run goes on, else at its time (or a look). */
static void
retention_arm(struct retention *r)
{
	struct timeval	tv = { 0, 0 };
	int64_t		wait;

	if (r->st.next_at == 0 && !r->running)
		return;		/* off */
	if (!r->running) {
		wait = r->st.next_at - gw_now(r->gw);
		if (wait < 0)
			wait = 0;
		if (wait > RETENTION_LOOK_MS)
			wait = RETENTION_LOOK_MS;
		tv.tv_sec = wait / 1000;
		tv.tv_usec = (wait % 1000) * 1000;
	}
	evtimer_add(r->ev, &tv);
}

/* The timer. */
static void
retention_cb(evutil_socket_t fd, short what, void *arg)
{
	struct retention	*r = arg;

	retention_run(r);
	retention_arm(r);
}

bool
retention_run(struct retention *r)
{
	struct gw	*gw = r->gw;
	int64_t		 now = gw_now(gw), nd = 0, ni = 0;
	bool		 more = false;

	if (!r->running) {
		if (r->st.next_at == 0 || now < r->st.next_at)
			return false;
		r->running = true;
		r->before = now - (int64_t)gw->cfg->retention_days * DAY_MS;
		r->started = mono_ms();
		r->run_deliveries = r->run_inbound = 0;
		r->batches = 0;
	}
	/* Its own transaction, apart from the pass's. */
	batch_flush(gw->batch);
	if (store_retention_batch(gw->store, r->before, RETENTION_BATCH, &nd,
	    &ni, &more) == -1) {
		/* The database did not take it: the next look tries again. */
		r->running = false;
		return false;
	}
	r->batches++;
	r->run_deliveries += nd;
	r->run_inbound += ni;
	r->st.deliveries += (uint64_t)nd;
	r->st.inbound += (uint64_t)ni;
	if (more)
		return true;
	r->running = false;
	r->st.runs++;
	r->st.last_at = now;
	r->st.next_at = tz_next_daily(gw->cfg->tz, gw->cfg->retention_at, now);
	log_info("evt=retention days=%d deliveries=%" PRId64 " inbound=%"
	    PRId64 " batches=%d ms=%" PRId64, gw->cfg->retention_days,
	    r->run_deliveries, r->run_inbound, r->batches,
	    mono_ms() - r->started);
	return false;
}
