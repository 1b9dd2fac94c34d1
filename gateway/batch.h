/*
 * One SQLite transaction per pass of the event loop (group commit), and
 * the journal of delivery state changes that must reach it.
 *
 * What a pass changes joins the pass's transaction, which commits once,
 * when the pass's other callbacks have run. An inbound SMS joins it
 * durably (synchronous=FULL) and is answered only after that commit, so
 * sixteen SMS arriving in one pass cost one fsync instead of sixteen, and
 * none is answered 200 before it is on disk.
 *
 * The dispatcher's outcomes and the providers' delivery reports are not
 * written directly: they are put in the journal (batch_put), an ordered
 * list in memory that is applied inside the pass's transaction and let
 * go only once that transaction has committed. When the database cannot
 * take writes (another process holds its lock, the disk is full, an I/O
 * error), the journal keeps them and a timer tries again, after 10 ms and
 * then up to every second, in the same order: a report that comes while
 * the "sent" it follows is still waiting is applied after it, and
 * matched. Nothing a provider accepted is forgotten, and the loop never
 * waits on the database longer than its busy timeout (a few ms).
 *
 * Code that runs its own transaction (store_begin) calls batch_flush
 * first, so the pass's work is never nested in, or rolled back with,
 * someone else's.
 */
#ifndef VARSEL_BATCH_H
#define VARSEL_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct store;
struct batch;

/* Called once the transaction the caller joined has ended. */
typedef void (*batch_done_cb)(bool committed, void *arg);

/* A delivery's state change, as the journal keeps it. */
enum batch_op_kind {
	BATCH_SENT,		/* provider, ref */
	BATCH_RETRY,		/* next_at, error */
	BATCH_FINISH,		/* state, error */
	BATCH_RELEASE,		/* next_at: a claim given back unused */
	BATCH_DOUBT,		/* its last attempt's outcome is unknown */
	BATCH_ATTEMPT,		/* provider, http_status, result, error,
				   duration_ms: a row of the attempt log */
	BATCH_REPORT		/* provider, ref, state, error: a delivery
				   report, matched by (provider, ref) */
};

struct batch_op {
	enum batch_op_kind	 kind;
	int64_t			 delivery_id;	/* all but REPORT */
	int64_t			 alert_id;	/* SENT: of the claimed row */
	int			 channel;	/* SENT: of the claimed row */
	int64_t			 at;		/* when it happened */
	int64_t			 next_at;
	int			 state;		/* enum dstate */
	int			 http_status;
	int			 duration_ms;
	const char		*result;	/* a string constant */
	char			 provider[64];
	char			 ref[96];
};

struct batch	*batch_new(struct event_base *, struct store *);
/*
 * Commit what is open and what the journal holds (waiting up to
 * wait_ms for a lock held elsewhere), run the waiting callbacks, free.
 * What still cannot be written is logged: the next start sends those
 * deliveries again, in doubt.
 */
void		 batch_free(struct batch *, int wait_ms);
/*
 * Join the pass's transaction, opening it if needed (and applying the
 * journal in it first). durable: its commit waits for the disk (an open
 * ordinary one is committed first and a durable one opened). Returns 0,
 * or -1 if no transaction could start (the database cannot take writes).
 */
int		 batch_join(struct batch *, bool durable);
/*
 * Put a state change in the journal (error may be NULL; it is copied).
 * It is applied now if a transaction is open or can be opened, else
 * kept for the next that can. Returns true if it is in the open
 * transaction, false if it waits (the caller may answer 503; it is not
 * lost either way).
 */
bool		 batch_put(struct batch *, const struct batch_op *,
		    const char *error);
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
/* State changes put and not yet committed. */
size_t		 batch_pending(const struct batch *);
/*
 * Can the database take writes, as the last attempt found? If not, why
 * ("locked by another process", "disk full", ...) and since when.
 */
bool		 batch_writable(const struct batch *, const char **why,
		    int64_t *since_mono_ms);

#endif
