/*
 * Personal data past its time in the store: store_purge strips numbers
 * and texts from old deliveries, replies and inbound SMS, the provider
 * errors that may quote a number, and sent events to source systems
 * (an ack names the number that answered). Counts stay.
 *
 * store_retention_batch does the same in small steps for the daily job
 * (retention.c): rows are walked in id order from a cursor kept in the
 * meta table, so each batch costs the same however large the tables,
 * and no index is needed beyond the primary key (ids grow with time).
 */
#include "store_priv.h"

/* The statements of this file, prepared by store_open. */
const struct store_sql store_purge_sql[] = {
	{ ST_PURGE_ALERTS,
	    "UPDATE deliveries SET phone = 'purged', body = '', "
	    "body_id = NULL, error = NULL "
	    "WHERE alert_id IN (SELECT id FROM alerts WHERE created_at < ?1) "
	    "AND phone <> 'purged'" },
	{ ST_PURGE_REPLIES,
	    "UPDATE deliveries SET phone = 'purged', body = '', "
	    "body_id = NULL, error = NULL "
	    "WHERE alert_id IS NULL AND created_at < ?1 AND phone <> 'purged'"
	},
	{ ST_PURGE_INBOUND,
	    "UPDATE inbound SET text = '', from_phone = 'purged' "
	    "WHERE received_at < ?1 AND from_phone <> 'purged'" },
	/*
	 * Provider error texts may quote the number: those of the
	 * deliveries just purged (by their alerts' age: no index leads
	 * with the number).
	 */
	{ ST_PURGE_ATTEMPTS,
	    "UPDATE attempts SET error = NULL WHERE error IS NOT NULL "
	    "AND delivery_id IN (SELECT d.id FROM alerts a CROSS JOIN "
	    "deliveries d INDEXED BY deliveries_alert WHERE a.created_at < ?1 "
	    "AND d.alert_id = a.id UNION ALL SELECT id FROM deliveries "
	    "INDEXED BY deliveries_alert WHERE alert_id IS NULL "
	    "AND created_at < ?1)" },
	/* An ack event names the number that answered. */
	{ ST_PURGE_CALLBACKS,
	    "DELETE FROM callbacks WHERE state = 1 AND created_at < ?1" },
	{ ST_META_GET,
	    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1" },
	{ ST_META_SET,
	    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value" },
	{ ST_RETAIN_DELIVERY_IDS,
	    "SELECT id, created_at FROM deliveries WHERE id > ?1 ORDER BY id "
	    "LIMIT ?2" },
	/* Not what may still be sent: queued, sending, ringing, held. */
	{ ST_RETAIN_DELIVERIES,
	    "UPDATE deliveries SET phone = 'purged', body = '', "
	    "body_id = NULL, error = NULL "
	    "WHERE id > ?1 AND id <= ?2 AND created_at < ?3 "
	    "AND state NOT IN (0, 1, 8, 12) "
	    "AND phone NOT IN ('purged', 'erased')" },
	{ ST_RETAIN_ATTEMPTS,
	    "UPDATE attempts SET error = NULL WHERE delivery_id > ?1 "
	    "AND delivery_id <= ?2 AND error IS NOT NULL" },
	{ ST_RETAIN_INBOUND_IDS,
	    "SELECT id, received_at FROM inbound WHERE id > ?1 ORDER BY id "
	    "LIMIT ?2" },
	{ ST_RETAIN_INBOUND,
	    "UPDATE inbound SET text = '', from_phone = 'purged' "
	    "WHERE id > ?1 AND id <= ?2 AND received_at < ?3 "
	    "AND from_phone NOT IN ('purged', 'erased')" },
	{ ST_NSTMTS, NULL }
};

/* The rows a batch looks at: how many lead, older than before. */
struct aged {
	int64_t	before;
	int64_t	upto;		/* the last id of that leading run */
	int	n;		/* its length */
	bool	stop;		/* a newer row ended it */
};

static int	aged_row(sqlite3_stmt *, void *);
static int	retain(struct store *, const char *, enum stmt_id,
		    enum stmt_id, enum stmt_id, int64_t, int, int64_t *,
		    bool *);

int
store_purge(struct store *s, int64_t before, int64_t *n)
{
	enum txn_kind	kind;
	bool		ok = false;
	int		count = 0, ignored = 0;

	*n = 0;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_PURGE_ALERTS], 1, before);
	sqlite3_bind_int64(s->st[ST_PURGE_REPLIES], 1, before);
	sqlite3_bind_int64(s->st[ST_PURGE_INBOUND], 1, before);
	sqlite3_bind_int64(s->st[ST_PURGE_ATTEMPTS], 1, before);
	sqlite3_bind_int64(s->st[ST_PURGE_CALLBACKS], 1, before);
	if (store_count_update(s, ST_PURGE_ALERTS, &count, __func__) == 0 &&
	    store_count_update(s, ST_PURGE_REPLIES, &count, __func__) == 0 &&
	    store_count_update(s, ST_PURGE_INBOUND, &ignored, __func__) == 0 &&
	    store_count_update(s, ST_PURGE_ATTEMPTS, &ignored, __func__) == 0 &&
	    store_count_update(s, ST_PURGE_CALLBACKS, &ignored, __func__) == 0)
		ok = true;
	/* Statements after a failed one keep their bindings otherwise. */
	stmt_done(s->st[ST_PURGE_REPLIES]);
	stmt_done(s->st[ST_PURGE_INBOUND]);
	stmt_done(s->st[ST_PURGE_ATTEMPTS]);
	stmt_done(s->st[ST_PURGE_CALLBACKS]);
	if (store_txn_leave(s, kind, ok, __func__) == -1)
		return -1;
	*n = count;
	return 0;
}

/* Extend the leading run of rows older than before. */
static int
aged_row(sqlite3_stmt *st, void *arg)
{
	struct aged	*a = arg;

	if (a->stop || sqlite3_column_int64(st, 1) >= a->before) {
		a->stop = true;
		return 0;
	}
	a->upto = sqlite3_column_int64(st, 0);
	a->n++;
	return 0;
}

/*
 * One table's batch: the rows after the cursor key (ids), up to limit,
 * older than before, erased by upd (and attempts by extra, if not
 * ST_NSTMTS); the cursor moves past them. *n erased, *more if a whole
 * batch was old.
 */
static int
retain(struct store *s, const char *key, enum stmt_id ids, enum stmt_id upd,
    enum stmt_id extra, int64_t before, int limit, int64_t *n, bool *more)
{
	struct aged	a = { before, 0, 0, false };
	int64_t		cursor = 0;
	int		changed = 0;

	bind_text(s->st[ST_META_GET], 1, key);
	if (store_scalar(s, ST_META_GET, &cursor, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ids], 1, cursor);
	sqlite3_bind_int(s->st[ids], 2, limit);
	if (store_rows_each(s, ids, aged_row, &a, __func__) == -1)
		return -1;
	if (a.n == 0)
		return 0;
	*more |= a.n == limit;
	sqlite3_bind_int64(s->st[upd], 1, cursor);
	sqlite3_bind_int64(s->st[upd], 2, a.upto);
	sqlite3_bind_int64(s->st[upd], 3, before);
	if (store_count_update(s, upd, &changed, __func__) == -1)
		return -1;
	*n += changed;
	if (extra != ST_NSTMTS) {
		sqlite3_bind_int64(s->st[extra], 1, cursor);
		sqlite3_bind_int64(s->st[extra], 2, a.upto);
		if (store_step_done(s, extra, __func__) == -1)
			return -1;
	}
	bind_text(s->st[ST_META_SET], 1, key);
	sqlite3_bind_int64(s->st[ST_META_SET], 2, a.upto);
	return store_step_done(s, ST_META_SET, __func__);
}

int
store_retention_batch(struct store *s, int64_t before, int limit,
    int64_t *deliveries, int64_t *inbound, bool *more)
{
	enum txn_kind	kind;
	bool		ok;
	int		ignored = 0;

	*deliveries = *inbound = 0;
	*more = false;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_PURGE_CALLBACKS], 1, before);
	ok = retain(s, "retention_delivery_id", ST_RETAIN_DELIVERY_IDS,
	    ST_RETAIN_DELIVERIES, ST_RETAIN_ATTEMPTS, before, limit,
	    deliveries, more) == 0 &&
	    retain(s, "retention_inbound_id", ST_RETAIN_INBOUND_IDS,
	    ST_RETAIN_INBOUND, ST_NSTMTS, before, limit, inbound, more) == 0 &&
	    store_count_update(s, ST_PURGE_CALLBACKS, &ignored, __func__) == 0;
	stmt_done(s->st[ST_PURGE_CALLBACKS]);
	if (store_txn_leave(s, kind, ok, __func__) == -1) {
		*deliveries = *inbound = 0;
		*more = false;
		return -1;
	}
	return 0;
}
