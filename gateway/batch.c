/*
 * Group commit: one transaction per event-loop pass. See batch.h.
 */
#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>

#include "batch.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct waiter {
	batch_done_cb	 cb;
	void		*arg;
};

struct batch {
	struct store	*store;
	struct event	*end_ev;	/* active while a transaction is open */
	bool		 open;
	bool		 durable;
	struct waiter	*w;		/* to call after the commit */
	size_t		 nw, capw;
};

static void	end_cb(evutil_socket_t, short, void *);

struct batch *
batch_new(struct event_base *base, struct store *store)
{
	struct batch	*b = xcalloc(1, sizeof(*b));

	b->store = store;
	if ((b->end_ev = event_new(base, -1, 0, end_cb, b)) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_flush(b);
	event_free(b->end_ev);
	free(b->w);
	free(b);
}

bool
batch_open(const struct batch *b)
{
	return b != NULL && b->open;
}

int
batch_join(struct batch *b, bool durable)
{
	if (b->open && (b->durable || !durable))
		return 0;
	/* synchronous cannot change inside a transaction. */
	if (b->open)
		batch_flush(b);
	if (store_begin(b->store, durable) == -1)
		return -1;
	b->open = true;
	b->durable = durable;
	/* Runs after the callbacks already active in this pass. */
	event_active(b->end_ev, EV_TIMEOUT, 0);
	return 0;
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

void
batch_flush(struct batch *b)
{
	struct waiter	*w;
	size_t		 i, n;
	bool		 ok;

	if (b == NULL || !b->open)
		return;
	w = b->w;
	n = b->nw;
	b->open = false;
	event_del(b->end_ev);
	ok = store_commit(b->store) == 0;
	if (!ok)
		log_warnx("batch: commit failed; the changes of this pass are "
		    "lost: %zu waiting answers fail and the dispatcher redoes "
		    "its part", b->nw);
	/* A callback may open the next transaction and wait on it. */
	b->w = NULL;
	b->nw = b->capw = 0;
	for (i = 0; i < n; i++)
		w[i].cb(ok, w[i].arg);
	free(w);
}

/* The end of the pass. */
static void
end_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	batch_flush(arg);
}
