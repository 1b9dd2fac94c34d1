/*
 * Group commit and the journal of state changes. See batch.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"
#include "log.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define RETRY_FIRST_MS	10	/* the journal's first try again */
#define RETRY_MAX_MS	1000	/* and the longest wait between tries */
#define EARLY_MAX	256	/* reports kept for a "sent" not yet written */
#define EARLY_KEEP_MS	600000	/* and for how long */

struct waiter {
	batch_done_cb	 cb;
	void		*arg;
};

/* A state change in the journal, with its own copy of the error. */
struct entry {
	struct batch_op	 op;
	char		*error;
};

/*
 * A delivery report whose reference matched nothing: a provider may
 * report before its answer to the send has reached us (the "sent" that
 * carries the reference is written after the report). Kept a while, and
 * applied when a "sent" with that reference is.
 */
struct early {
	char		 provider[64];
	char		 ref[96];
	int		 state;
	char		*error;
	int64_t		 at;
};

struct batch {
	struct store	*store;
	struct event	*end_ev;	/* active while a transaction is open */
	struct event	*retry_ev;	/* the journal waits for the database */
	bool		 open;
	bool		 durable;
	bool		 doomed;	/* a change failed: roll back, retry */
	bool		 retry_armed;
	int64_t		 retry_ms;
	struct waiter	*w;		/* to call after the commit */
	size_t		 nw, capw;
	struct entry	*j;		/* the journal, oldest first */
	size_t		 nj, capj;
	size_t		 applied;	/* j[0..applied) are in the open txn */
	/* Can the database take writes, as the last attempt found? */
	bool		 unwritable;
	enum store_fault fault;
	int64_t		 since;		/* mono ms of the first failure */
	struct early	 early[EARLY_MAX];	/* a ring, oldest at next */
	size_t		 nearly, early_next;
};

static void	end_cb(evutil_socket_t, short, void *);
static void	retry_cb(evutil_socket_t, short, void *);
static void	run_waiters(struct batch *, bool);
static void	note_failure(struct batch *);
static void	arm_retry(struct batch *);
static void	early_keep(struct batch *, const struct entry *);
static int	early_apply(struct batch *, const struct batch_op *);

struct batch *
batch_new(struct event_base *base, struct store *store)
{
	struct batch	*b = xcalloc(1, sizeof(*b));

	b->store = store;
	b->retry_ms = RETRY_FIRST_MS;
	if ((b->end_ev = event_new(base, -1, 0, end_cb, b)) == NULL ||
	    (b->retry_ev = evtimer_new(base, retry_cb, b)) == NULL) {
		if (b->end_ev != NULL)
			event_free(b->end_ev);
		free(b);
		return NULL;
	}
	return b;
}

/* Drop the first n entries of the journal (committed, or poison). */
static void
journal_drop(struct batch *b, size_t at, size_t n)
{
	size_t	i;

	if (n == 0)
		return;		/* b->j may still be NULL */
	for (i = at; i < at + n; i++)
		free(b->j[i].error);
	memmove(&b->j[at], &b->j[at + n], (b->nj - at - n) * sizeof(*b->j));
	b->nj -= n;
}

void
batch_free(struct batch *b, int wait_ms)
{
	size_t	i;

	if (b == NULL)
		return;
	batch_flush(b);
	if (b->nj > 0) {
		/* One last, patient try: the process is going away. */
		store_busy_timeout(b->store, wait_ms);
		if (batch_join(b, false) == 0)
			batch_flush(b);
		if (b->nj > 0)
			log_warnx("batch: %zu state changes could not be "
			    "written (%s); their deliveries are sent again, "
			    "in doubt, at the next start", b->nj,
			    store_fault_text(b->fault));
	}
	journal_drop(b, 0, b->nj);
	for (i = 0; i < b->nearly; i++)
		free(b->early[i].error);
	event_free(b->end_ev);
	event_free(b->retry_ev);
	free(b->w);
	free(b->j);
	free(b);
}

bool
batch_open(const struct batch *b)
{
	return b != NULL && b->open;
}

size_t
batch_pending(const struct batch *b)
{
	return b != NULL ? b->nj : 0;
}

bool
batch_writable(const struct batch *b, const char **why, int64_t *since)
{
	if (b == NULL || !b->unwritable)
		return true;
	if (why != NULL)
		*why = store_fault_text(b->fault);
	if (since != NULL)
		*since = b->since;
	return false;
}

/* Write one journal entry in the open transaction; 0 or -1. */
static int
apply_one(struct batch *b, const struct entry *e)
{
	const struct batch_op	*op = &e->op;
	struct store		*s = b->store;
	struct attempt		 at;
	char			 ref[100];
	int64_t			 id = 0;
	int			 rc;

	switch (op->kind) {
	case BATCH_SENT:
		if (store_delivery_sent(s, op->delivery_id, op->alert_id,
		    op->channel, op->provider, op->ref, op->at) == -1)
			return -1;
		return b->nearly > 0 ? early_apply(b, op) : 0;
	case BATCH_RETRY:
		return store_delivery_retry(s, op->delivery_id, op->next_at,
		    e->error, op->at);
	case BATCH_FINISH:
		return store_delivery_finish(s, op->delivery_id,
		    (enum dstate)op->state, e->error, op->at);
	case BATCH_RELEASE:
		return store_delivery_release(s, op->delivery_id, op->next_at,
		    op->at);
	case BATCH_DOUBT:
		return store_delivery_mark_doubt(s, op->delivery_id, op->at);
	case BATCH_ATTEMPT:
		memset(&at, 0, sizeof(at));
		at.delivery_id = op->delivery_id;
		at.at = op->at;
		at.provider = op->provider;
		at.http_status = op->http_status;
		at.result = op->result;
		at.error = e->error;
		at.duration_ms = op->duration_ms;
		return store_attempt_log(s, &at);
	case BATCH_REPORT:
		rc = store_delivery_report(s, op->provider, op->ref,
		    (enum dstate)op->state, e->error, op->at, &id);
		if (rc == STORE_NOTFOUND) {
			log_info("provider=%s evt=report_unknown ref=%s "
			    "state=%s", op->provider,
			    log_value(ref, sizeof(ref), op->ref),
			    dstate_name((enum dstate)op->state));
			early_keep(b, e);
		} else if (rc == 0)
			log_debug("delivery=%lld evt=%s provider=%s ref=%s",
			    (long long)id, dstate_name((enum dstate)op->state),
			    op->provider, log_value(ref, sizeof(ref), op->ref));
		return rc == -1 ? -1 : 0;
	}
	return -1;
}

/*
 * Write the journal's entries not yet in the open transaction, in
 * order. A fault that may pass (a lock, a full disk) dooms the
 * transaction: it is rolled back and everything tried again later. Any
 * other failure is a change that can never be written: it is logged and
 * dropped, so it cannot block the rest.
 */
static void
apply(struct batch *b)
{
	while (!b->doomed && b->applied < b->nj) {
		if (apply_one(b, &b->j[b->applied]) == 0) {
			b->applied++;
			continue;
		}
		if (store_fault_passing(store_last_fault(b->store))) {
			b->doomed = true;
			break;
		}
		log_warnx("batch: delivery=%lld kind=%d cannot be written; "
		    "dropped", (long long)b->j[b->applied].op.delivery_id,
		    (int)b->j[b->applied].op.kind);
		journal_drop(b, b->applied, 1);
	}
}

/* Keep a report that matched nothing, in case its "sent" comes later. */
static void
early_keep(struct batch *b, const struct entry *e)
{
	struct early	*k;

	if (e->op.ref[0] == '\0')
		return;
	k = &b->early[b->early_next];
	if (b->nearly < EARLY_MAX)
		b->nearly++;
	else
		free(k->error);
	b->early_next = (b->early_next + 1) % EARLY_MAX;
	strlcpy(k->provider, e->op.provider, sizeof(k->provider));
	strlcpy(k->ref, e->op.ref, sizeof(k->ref));
	k->state = e->op.state;
	k->error = e->error != NULL ? xstrdup(e->error) : NULL;
	k->at = e->op.at;
}

/*
 * A "sent" was written: apply the reports that came for its reference
 * before it, oldest first. They stay kept (until pushed out or too old):
 * if this transaction is rolled back, the "sent" is written again and
 * finds them again; applied twice, a report changes nothing more.
 */
static int
early_apply(struct batch *b, const struct batch_op *op)
{
	size_t		 i, n, start;
	struct early	*k;
	char		 ref[100];
	int64_t		 id;
	int		 rc;

	if (op->ref[0] == '\0')
		return 0;
	/* The newest too old: all are, and no "sent" need look again. */
	k = &b->early[(b->early_next + EARLY_MAX - 1) % EARLY_MAX];
	if (op->at - k->at > EARLY_KEEP_MS) {
		for (i = 0; i < b->nearly; i++) {
			free(b->early[i].error);
			b->early[i].error = NULL;
		}
		b->nearly = b->early_next = 0;
		return 0;
	}
	start = b->nearly < EARLY_MAX ? 0 : b->early_next;
	for (n = 0; n < b->nearly; n++) {
		i = (start + n) % EARLY_MAX;
		k = &b->early[i];
		if (op->at - k->at > EARLY_KEEP_MS ||
		    strcmp(k->ref, op->ref) != 0 ||
		    strcmp(k->provider, op->provider) != 0)
			continue;
		rc = store_delivery_report(b->store, k->provider, k->ref,
		    (enum dstate)k->state, k->error, k->at, &id);
		if (rc == -1)
			return -1;
		log_info("delivery=%lld evt=report_early provider=%s ref=%s "
		    "state=%s: it came before the answer to the send",
		    (long long)op->delivery_id, k->provider,
		    log_value(ref, sizeof(ref), k->ref),
		    dstate_name((enum dstate)k->state));
	}
	return 0;
}

int
batch_join(struct batch *b, bool durable)
{
	if (b->open && (b->durable || !durable))
		return b->doomed ? -1 : 0;
	/* synchronous cannot change inside a transaction. */
	if (b->open)
		batch_flush(b);
	if (store_begin(b->store, durable) == -1) {
		note_failure(b);
		run_waiters(b, false);
		return -1;
	}
	b->open = true;
	b->durable = durable;
	b->doomed = false;
	/* Runs after the callbacks already active in this pass. */
	event_active(b->end_ev, EV_TIMEOUT, 0);
	/* What waits in the journal goes first, in order. */
	apply(b);
	return b->doomed ? -1 : 0;
}

bool
batch_put(struct batch *b, const struct batch_op *op, const char *error)
{
	struct entry	*e;

	if (b->nj == b->capj) {
		b->capj = b->capj ? b->capj * 2 : 64;
		b->j = xrealloc(b->j, b->capj * sizeof(*b->j));
	}
	e = &b->j[b->nj++];
	e->op = *op;
	e->error = error != NULL ? xstrdup(error) : NULL;
	if (b->open)
		apply(b);
	else if (!b->retry_armed)
		(void)batch_join(b, false);
	return b->open && !b->doomed && b->applied == b->nj;
}

int
batch_after(struct batch *b, batch_done_cb cb, void *arg)
{
	if (!b->open) {
		cb(true, arg);
		return 0;
	}
	if (b->nw == b->capw) {
		size_t		 cap = b->capw ? b->capw * 2 : 32;
		struct waiter	*w = realloc(b->w, cap * sizeof(*w));

		if (w == NULL)
			return -1;
		b->w = w;
		b->capw = cap;
	}
	b->w[b->nw].cb = cb;
	b->w[b->nw].arg = arg;
	b->nw++;
	return 0;
}

/* Tell the waiters how the transaction ended; they may open the next. */
static void
run_waiters(struct batch *b, bool ok)
{
	struct waiter	*w = b->w;
	size_t		 i, n = b->nw;

	b->w = NULL;
	b->nw = b->capw = 0;
	for (i = 0; i < n; i++)
		w[i].cb(ok, w[i].arg);
	free(w);
}

/* The database did not take a write: note why, and try again later. */
static void
note_failure(struct batch *b)
{
	if ((b->fault = store_last_fault(b->store)) == STORE_FAULT_NONE)
		b->fault = STORE_FAULT_OTHER;
	if (!b->unwritable) {
		b->unwritable = true;
		b->since = mono_ms();
		log_warnx("batch: the database cannot take writes (%s); %zu "
		    "state changes wait in memory", store_fault_text(b->fault),
		    b->nj);
	}
	arm_retry(b);
}

/* Try the journal again after a while, longer each time it fails. */
static void
arm_retry(struct batch *b)
{
	struct timeval	tv;

	if (b->nj == 0 || b->retry_armed)
		return;
	tv.tv_sec = b->retry_ms / 1000;
	tv.tv_usec = (b->retry_ms % 1000) * 1000;
	evtimer_add(b->retry_ev, &tv);
	b->retry_armed = true;
	b->retry_ms *= 2;
	if (b->retry_ms > RETRY_MAX_MS)
		b->retry_ms = RETRY_MAX_MS;
}

void
batch_flush(struct batch *b)
{
	bool	ok;

	if (b == NULL || !b->open)
		return;
	b->open = false;
	event_del(b->end_ev);
	if (b->doomed) {
		store_rollback(b->store);
		ok = false;
	} else
		ok = store_commit(b->store) == 0;
	if (ok) {
		journal_drop(b, 0, b->applied);
		if (b->unwritable)
			log_info("batch: the database takes writes again after "
			    "%llds", (long long)((mono_ms() - b->since) /
			    1000));
		b->unwritable = false;
		b->retry_ms = RETRY_FIRST_MS;
	} else
		note_failure(b);
	b->applied = 0;
	b->doomed = false;
	run_waiters(b, ok);
	/* Anything left waits for the next transaction. */
	arm_retry(b);
}

/* The end of the pass. */
static void
end_cb(evutil_socket_t fd, short what, void *arg)
{
	batch_flush(arg);
}

/* The journal's next try. */
static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct batch	*b = arg;

	b->retry_armed = false;
	if (b->open)
		return;		/* the pass's commit will carry it */
	if (batch_join(b, false) == 0)
		batch_flush(b);
}
