/*
 * Personal data past its time in the store: store_purge strips numbers
 * and texts from old deliveries, replies and inbound SMS, the provider
 * errors that may quote a number, and sent events to source systems
 * (an ack names the number that answered). Counts stay.
 */
#include "store_priv.h"

/* The statements of this file, prepared by store_open. */
const struct store_sql store_purge_sql[] = {
	{ ST_PURGE_ALERTS,
	    "UPDATE deliveries SET phone = 'purged', body = '', error = NULL "
	    "WHERE alert_id IN (SELECT id FROM alerts WHERE created_at < ?1) "
	    "AND phone <> 'purged'" },
	{ ST_PURGE_REPLIES,
	    "UPDATE deliveries SET phone = 'purged', body = '', error = NULL "
	    "WHERE alert_id IS NULL AND created_at < ?1 AND phone <> 'purged'"
	},
	{ ST_PURGE_INBOUND,
	    "UPDATE inbound SET text = '', from_phone = 'purged' "
	    "WHERE received_at < ?1 AND from_phone <> 'purged'" },
	/* Provider error texts may quote the number. */
	{ ST_PURGE_ATTEMPTS,
	    "UPDATE attempts SET error = NULL WHERE error IS NOT NULL "
	    "AND delivery_id IN (SELECT id FROM deliveries "
	    "WHERE phone = 'purged')" },
	/* An ack event names the number that answered. */
	{ ST_PURGE_CALLBACKS,
	    "DELETE FROM callbacks WHERE state = 1 AND created_at < ?1" },
	{ ST_NSTMTS, NULL }
};

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
	stmt_done(s->st[ST_PURGE_CALLBACKS]);
	if (store_txn_leave(s, kind, ok, __func__) == -1)
		return -1;
	*n = count;
	return 0;
}
