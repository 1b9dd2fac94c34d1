/*
 * Inside the store: what the store*.c files share and nothing else may
 * see. The connection (struct store), the id of every prepared
 * statement, the SQL tables each file hands to store_open, and the
 * helpers that bind, step, read rows and open transactions. Only
 * store*.c include this file, and only they include sqlite3.h.
 *
 * Each store_<table>.c owns the SQL it runs: a table of { ST_X, "SQL" }
 * (store_<table>_sql[], ended by { ST_NSTMTS, NULL }) that store_open
 * prepares once; every id gets exactly one text, checked at open.
 */
#ifndef VARSEL_STORE_PRIV_H
#define VARSEL_STORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "util.h"

#define SALT_LEN	32

/*
 * How a statement that changes a counted column of deliveries (state,
 * provider, channel, alert_id, ack, in_doubt, segments, priority) and
 * does not tally its rows itself begins: setting count_by_trigger is
 * what fires the counting triggers of schema 8 (store_schema.c).
 */
#define COUNTED_UPDATE	"UPDATE deliveries SET count_by_trigger = 1, "

/*
 * The condition of the partial index deliveries_alert_state (alert_id,
 * state), schema 8 (and, since 12, alert_id IS NOT NULL, which any
 * "alert_id = ?" implies): an alert's rows that wait (queued, held) or ended
 * other than delivered. A delivery on its way (sending, sent,
 * delivered; a call ringing, answered) leaves it once, at its claim,
 * where the full index took two writes at each step. SQLite uses a
 * partial index only for a statement that repeats its condition
 * (test_store_plans checks the statements that must). No IN list: one
 * of more than two values is built as a temporary b-tree at each run
 * of a statement that writes a row, the index's condition included.
 */
#define ALERT_STATE_INDEXED	\
	"state NOT BETWEEN 1 AND 3 AND state NOT BETWEEN 8 AND 9"
/*
 * The key of the partial index alerts_asking (schema 10): until when an
 * alert that asks for an answer takes one (expires_at, 0 for never).
 * A statement seeks it only when it writes this same expression.
 */
#define ASKING_UNTIL(A)	\
	"CASE WHEN " A "expires_at = 0 THEN 9223372036854775807 " \
	"ELSE " A "expires_at END"
/*
 * Has delivery R reached its person (schema 11, alert_totals' 103): a
 * delivered SMS, an answered call, or an answer. Written out, not as an
 * IN list (see NONFINAL).
 */
#define REACHED(R)	\
	"(" R ".state = 3 OR " R ".state = 9 OR " R ".ack <> 0)"
/* Rows of an alert read at most for one page of a state on the way. */
#define PASSING_READ		5000
#define ALERT_STATE_PASSING(st)	((st) == DS_SENDING || (st) == DS_SENT || \
	    (st) == DS_DELIVERED || (st) == DS_RINGING || (st) == DS_ANSWERED)

/*
 * The states a delivery can still leave (0, 1, 2, 8), as an SQL
 * condition: not an IN list, which SQLite builds as a temporary b-tree
 * at every run of the statement when it has more than two values.
 */
#define NONFINAL	"(state BETWEEN 0 AND 2 OR state = 8)"
_Static_assert(DS_QUEUED == 0 && DS_SENDING == 1 && DS_SENT == 2 &&
    DS_DELIVERED == 3 && DS_EXPIRED == 5 && DS_CANCELLED == 6 &&
    DS_RINGING == 8 && DS_ANSWERED == 9 && DS_HELD == 12 &&
    CH_SMS == 1 && CH_VOICE == 2 && GATE_OPEN == 0 &&
    GATE_APPROVAL == 3,
    "the SQL of store*.c hardcodes these state and channel numbers");

/*
 * The columns read_delivery reads, in its order; the body is the row's
 * own or the one its fan-out stored once (schema 9).
 */
#define DELIVERY_COLS \
	"id, alert_id, phone, channel, lang, CASE WHEN body_id IS NULL " \
	"THEN body ELSE (SELECT b.body FROM bodies b WHERE " \
	"b.id = deliveries.body_id) END, state, reason, priority, " \
	"segments, attempts, next_at, expires_at, provider, provider_ref, " \
	"in_doubt, error, ack, created_at, updated_at, kind, parent_id, " \
	"sender, pin, inbound_id, step"

/* Note and log the connection's last error, naming the function. */
#define DBWARN(s)	store_fail((s), __func__)

/* How long a write waits for another process's lock: the event loop
 * must never wait on the database for longer than this. */
#define STORE_BUSY_MS	5

/* Every statement, prepared once at open; by the file that runs it. */
enum stmt_id {
	/* store_schema.c */
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_PING,
	ST_PROBE,
	/* store_contacts.c */
	ST_CONTACT_UPSERT,
	ST_CONTACT_GET,
	ST_CONTACT_GROUPS,
	ST_CONTACT_DELETE,
	ST_CONTACT_RECIPIENT,
	ST_DELIVERIES_ERASE,
	ST_INBOUND_ERASE,
	ST_MEMBERSHIPS_CLEAR,
	ST_MEMBERSHIP_ADD,
	ST_GROUP_ID,
	ST_GROUP_ADD,
	ST_GROUPS_LIST,
	ST_GROUP_MEMBERS,
	ST_AREA_MEMBERS,
	ST_AREA_NOPOS,
	ST_IN_BOX,
	ST_CONTACTS_LIST,
	ST_SET_AREA,
	ST_OPTOUT_ADD,
	ST_OPTOUT_DEL,
	ST_OPTOUTS_ALL,
	ST_OPTOUT_LOG,
	ST_CONSENT_ADD,
	ST_CONSENT_LIST,
	/* store_alerts.c */
	ST_ALERT_INSERT,
	ST_ALERT_SET_RESPONSE,
	ST_ALERT_SET_SUMMARY,
	ST_ALERT_SET_UNCALLABLE,
	ST_ALERT_GET,
	ST_ALERT_FIND_REF,
	ST_ALERT_COUNTS,
	ST_ALERTS_LIST,
	ST_ALERT_CANCEL,
	ST_EXPIRE_ALERTS,
	ST_EXPIRE_SINGLE,
	ST_ALERTS_WATCHED,
	ST_SET_WATCH,
	ST_GET_WATCH,
	ST_ALERT_STOP,
	ST_ALERT_RELEASE,
	ST_RELEASE_DELIVERIES,
	ST_RELEASE_STEP,
	ST_ALERTS_RELEASABLE,
	ST_ALERTS_CHAIN_DUE,
	ST_ALERT_STEP,
	ST_ALERT_SET_ERROR,
	ST_ALERT_FILL,
	ST_ALERT_FILL_CANCEL,
	ST_ALERT_HAS_PHONE,
	ST_STEP_INSERT,
	ST_STEPS_LIST,
	ST_TEXT_PUT,
	ST_TEXT_GET,
	/* store_deliveries.c */
	ST_DELIVERY_INSERT,
	ST_DELIVERY_INSERT_ROWS,
	ST_BODY_INSERT,
	ST_DELIVERY_GET,
	ST_CLAIM,
	ST_CLAIM_ROWS,
	ST_NEXT_DUE,
	ST_QUEUE_DEPTH,
	ST_DELIVERY_SENT,
	ST_DELIVERY_SENT_CLAIMED,
	ST_DELIVERY_RETRY,
	ST_DELIVERY_RELEASE,
	ST_DELIVERY_FINISH,
	ST_REPORT_FIND,
	ST_PROGRESS,
	ST_REQUEUE,
	ST_ATTEMPT_LOG,
	ST_DELIVERIES_ALL,
	ST_DELIVERIES_STATE,
	ST_TOTALS,
	ST_MARK_DOUBT,
	ST_SET_ACK,
	ST_ESCALATION_DUE,
	ST_ESCALATION_DONE,
	ST_ESCALATION_CANCEL,
	/* store_inbound.c */
	ST_INBOUND_INSERT,
	ST_INBOUND_FIND,
	ST_REPLIES_COUNT,
	ST_REPLIES_LIST,
	ST_INBOUND_TOTALS,
	ST_ACK_TARGET,
	/* store_events.c */
	ST_CB_ENQUEUE,
	ST_CB_SELECT,
	ST_CB_LEASE,
	ST_CB_DONE,
	ST_CB_RETRY,
	ST_CB_NEXT,
	ST_CB_CLEAN,
	/* store_purge.c */
	ST_PURGE_ALERTS,
	ST_PURGE_REPLIES,
	ST_PURGE_INBOUND,
	ST_PURGE_ATTEMPTS,
	ST_PURGE_CALLBACKS,
	ST_META_GET,
	ST_META_SET,
	ST_RETAIN_DELIVERY_IDS,
	ST_RETAIN_DELIVERIES,
	ST_RETAIN_ATTEMPTS,
	ST_RETAIN_INBOUND_IDS,
	ST_RETAIN_INBOUND,
	/* store_counts.c */
	ST_TALLY_TOTALS,
	ST_TALLY_ALERT,
	ST_TALLY_QUEUE,
	ST_TALLY_INBOUND,
	/* store_audit.c */
	ST_AUDIT_APPEND,
	ST_AUDIT_LIST,
	/* added later, by table */
	ST_ALERT_ANSWERS,
	ST_INBOX_LIST,
	ST_INBOUND_GET,
	ST_CONTACTS_SEARCH,
	ST_ALERT_HOLD,
	ST_HOLD_DELIVERIES,
	ST_HOLD_STEP,
	ST_NSTMTS
};

/* One statement's SQL; a file's table ends with { ST_NSTMTS, NULL }. */
struct store_sql {
	enum stmt_id	 id;
	const char	*sql;
};

extern const struct store_sql store_contacts_sql[];
extern const struct store_sql store_alerts_sql[];
extern const struct store_sql store_deliveries_sql[];
extern const struct store_sql store_inbound_sql[];
extern const struct store_sql store_events_sql[];
extern const struct store_sql store_purge_sql[];
extern const struct store_sql store_counts_sql[];

/* The counts of store_counts.c, waiting to be written. */
struct tally_total {
	char		 provider[64];
	int		 channel;
	int		 state;
	int64_t		 n;
};
struct tally_alert {
	int64_t		 alert_id;
	int		 what;		/* a state, or 100, 101, 102 */
	int64_t		 n;
};
struct tally_queue {
	int		 priority;
	int64_t		 segments;
};
struct tally_keyword {
	char		 keyword[16];	/* keyword_name(): "TRYGG", "" */
	int64_t		 n;
};
struct tally {
	struct tally_total *totals;
	size_t		 ntotals;
	struct tally_keyword *keywords;	/* inbound SMS (schema 12) */
	size_t		 nkeywords;
	struct tally_alert *alerts;
	size_t		 nalerts;
	struct tally_queue *queue;
	size_t		 nqueue;
	bool		 dirty;		/* something to write */
	bool		 broken;	/* out of memory: the counts are lost */
};

/* A delivery row's part in the counts. */
struct tally_row {
	const char	*provider;	/* NULL: none */
	int		 channel;
	int		 state;
	int64_t		 alert_id;	/* 0: none */
	int		 priority;
	int		 segments;
	int		 ack;
	bool		 in_doubt;
};
extern const struct store_sql store_audit_sql[];

/* The open database. */
struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_NSTMTS];
	int		 depth;		/* nested store_begin count */
	bool		 sync_full;	/* synchronous=FULL for this txn */
	bool		 want_sync;	/* a nested begin asked for the disk */
	bool		 is_file;	/* not ":memory:" */
	unsigned char	 salt[SALT_LEN];
	enum store_fault fault;		/* of the last failure; cleared by
					   a commit */
	/* A lock held elsewhere fails every write: logged once a while. */
	int64_t		 quiet_at;	/* mono ms of the last such line */
	unsigned long	 quieted;	/* lines not written since */
	/* Writes that met a full disk or an I/O error, and the last kind. */
	uint64_t	 space_faults;
	enum store_fault space_fault;
	/* The checkpoint thread (store_ckpt.c), or NULL. */
	struct store_ckpt *ckpt;
	uint64_t	 statements;	/* run, triggers' programs included */
	/* Counting by tally (store_counts.c) instead of the triggers. */
	bool		 tallying;
	struct tally	 tally;
	/* One copy of the tally (its own arrays) for each savepoint open,
	 * innermost last (store_tally_mark). */
	struct tally	*marks;
	size_t		 nmarks, capmarks;
	/*
	 * Deliveries bound by store_delivery_add and not yet written:
	 * written before any other statement runs through store_rows.c
	 * (store_before_step), forgotten with the transaction.
	 */
	int		 unwritten;
	/*
	 * The opt-outs' hashes, sorted, so a fan-out asks memory and not
	 * SQL for each number. Read from the table when stale: after any
	 * change of it and after any rollback (which may undo one).
	 */
	char		(*optouts)[65];
	size_t		 noptouts;
	bool		 optouts_stale;
};

/* How an internal multi-row change was opened. */
enum txn_kind {
	TXN_OWN,		/* BEGIN IMMEDIATE: no transaction was open */
	TXN_SAVEPOINT		/* inside the caller's transaction */
};

/* ---- store_counts.c: the counts, kept by tally on the hot paths --- */

/* Register varsel_counting(), which the counting triggers ask. */
int	store_counts_register(struct store *, char *err, size_t errlen);
/*
 * Around one statement whose rows the caller tallies itself: the
 * triggers do not count them (varsel_counting() is false).
 */
#define TALLY_BEGIN(s)	((s)->tallying = true)
#define TALLY_END(s)	((s)->tallying = false)
/* Add (sign 1) or take away (-1) a row's part; -1 out of memory. */
int	store_tally_row(struct store *, const struct tally_row *, int sign);
/* Count an inbound SMS of keyword (NULL: none); -1 out of memory. */
int	store_tally_inbound(struct store *, const char *keyword);
/*
 * Write the tally into the counts' tables (inside the transaction); -1
 * when that failed or the tally is broken: the transaction must then be
 * undone, and until it is every flush fails.
 */
int	store_tally_flush(struct store *);
/* May a change now be tallied? Only inside a transaction. */
bool	store_tallied(struct store *);
/* Forget the tally: what it counted was rolled back. */
void	store_tally_discard(struct store *);
void	store_tally_free(struct store *);
/*
 * A savepoint begins: keep a copy of the tally, which its ROLLBACK TO
 * gives back (store_tally_unmark), instead of writing the tally out at
 * every savepoint. -1: out of memory.
 */
int	store_tally_mark(struct store *);
/* The savepoint ends: rolled back, the tally is as it began; else the
 * copy goes. */
void	store_tally_unmark(struct store *, bool rolled_back);
/* The whole transaction ends: no savepoint is open any more. */
void	store_tally_unmark_all(struct store *);

/*
 * Forget what a transaction being undone holds in memory: its tally and
 * the deliveries store_delivery_add has not written yet.
 */
#define STORE_UNWRITTEN_DISCARD(s) \
	do { store_tally_discard(s); (s)->unwritten = 0; } while (0)

/* Something may have undone or changed the opt-outs: read them again. */
#define OPTOUTS_STALE(s)	((s)->optouts_stale = true)

/* ---- store_rows.c: running statements ------------------------------- */

/* Write what store_delivery_add holds before statement id runs. */
int	store_before_step(struct store *, enum stmt_id);

/*
 * The connection's last error: remember what kind of fault it was and
 * log it once (a lock or a full disk, which fail every write until they
 * pass, at most a line every 10 s with the count of the others).
 */
void	store_fail(struct store *, const char *func);

/*
 * Read one row of a running statement (its columns are valid until the
 * next step): 0 to go on, -1 to stop (having logged why, if an error).
 */
typedef int (*store_row_cb)(sqlite3_stmt *, void *);

/* Step a statement that returns no rows; reset it either way. */
int	store_step_done(struct store *, enum stmt_id, const char *func);
/* store_step_done, then add the rows it changed to *n (if not NULL). */
int	store_count_update(struct store *, enum stmt_id, int *n,
	    const char *func);
/*
 * Step a bound statement through its rows, cb on each; reset it either
 * way. 0 when every row was read; -1 on a database error (logged with
 * func) or when cb stopped.
 */
int	store_rows_each(struct store *, enum stmt_id, store_row_cb, void *,
	    const char *func);
/* The first row only, to cb (NULL: just look): 0, STORE_NOTFOUND, -1. */
int	store_row_one(struct store *, enum stmt_id, store_row_cb, void *,
	    const char *func);
/*
 * The integer in the first column of the first row: 0, STORE_NOTFOUND
 * when there is no row or it is NULL (*out is then left alone), or -1.
 */
int	store_scalar(struct store *, enum stmt_id, int64_t *out,
	    const char *func);
/* Rows of (text, integer), a name and its count, to cb. */
int	store_name_counts(struct store *, enum stmt_id, store_count_cb,
	    void *, const char *func);

/* ---- store_schema.c: transactions, the salt ------------------------- */

/* Open a transaction for a change of several rows, or a savepoint. */
int	store_txn_enter(struct store *, enum txn_kind *, const char *func);
/* Close what store_txn_enter opened: keep the changes if ok, else undo. */
int	store_txn_leave(struct store *, enum txn_kind, bool ok,
	    const char *func);

/* sha256 hex of the salt and phone: how opt-outs are kept. */
void	store_phone_hash(struct store *, const char *phone, char out[65]);

/* ---- store_deliveries.c: what store_inbound.c reads too ------------- */

/* Every delivery row (DELIVERY_COLS) of a bound query to cb. */
int	store_deliveries_each(struct store *, enum stmt_id, store_delivery_cb,
	    void *, const char *func);

/* ---- small column and binding helpers ------------------------------- */

/* Make a statement ready for its next use. */
static inline void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Bind a string, or NULL. The string must outlive the step. */
static inline int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Bind a string, NULL for NULL or "". */
static inline int
bind_text_empty_null(sqlite3_stmt *st, int i, const char *v)
{
	return bind_text(st, i, v != NULL && v[0] != '\0' ? v : NULL);
}

/* A text column, "" for NULL; valid until the next step. */
static inline const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return v != NULL ? (const char *)v : "";
}

/* A copy of a text column, NULL for SQL NULL; *oom set on failure. */
static inline char *
col_dup(sqlite3_stmt *st, int i, bool *oom)
{
	const unsigned char	*v = sqlite3_column_text(st, i);
	char			*p;

	if (v == NULL)
		return NULL;
	if ((p = strdup((const char *)v)) == NULL)
		*oom = true;
	return p;
}

/* A text column into a fixed buffer, "" for NULL. */
static inline void
col_copy(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	strlcpy(buf, col_text(st, i), len);
}

/* store_ckpt.c: end the checkpoint thread, if any (store_close). */
void	store_ckpt_stop(struct store *);

#endif
