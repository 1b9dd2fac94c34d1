/*
 * One SQLite transaction per pass of the event loop (group commit).
 *
 * What a pass changes joins the pass's transaction, which commits once,
 * when the pass's other callbacks have run. The dispatcher's state
 * changes join it as they come; an inbound SMS joins it durably
 * (synchronous=FULL) and is answered only after that commit, so sixteen
 * SMS arriving in one pass cost one fsync instead of sixteen, and none
 * is answered 200 before it is on disk.
 *
 * Code that runs its own transaction (store_begin) calls batch_flush
 * first, so the pass's work is never nested in, or rolled back with,
 * someone else's.
 */
#ifndef VARSEL_BATCH_H
#define VARSEL_BATCH_H

#include <stdbool.h>

struct event_base;
struct store;
struct batch;

/* Called once the transaction the caller joined has ended. */
typedef void (*batch_done_cb)(bool committed, void *arg);

struct batch	*batch_new(struct event_base *, struct store *);
/* Commits what is open (running the waiting callbacks) and frees. */
void		 batch_free(struct batch *);
/*
 * Join the pass's transaction, opening it if needed. durable: its commit
 * waits for the disk (an open ordinary one is committed first and a
 * durable one opened). Returns 0, or -1 if no transaction could start.
 */
int		 batch_join(struct batch *, bool durable);
/*
 * Call cb when the joined transaction has committed (or failed to).
 * Without an open transaction cb runs at once, committed. Returns 0, or
 * -1 (out of memory: nothing registered).
 */
int		 batch_after(struct batch *, batch_done_cb, void *);
/* Commit now and run the waiting callbacks (nothing to do for NULL). */
void		 batch_flush(struct batch *);
/* Is a transaction open? */
bool		 batch_open(const struct batch *);

#endif
