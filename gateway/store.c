/*
 * The tables of the store, until they move to a file each: inbound SMS,
 * the source event outbox and purge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

#define CB_KEEP_MS	(24 * 3600 * 1000LL)	/* done callbacks kept */


/* The statements of store_inbound.c. */
const struct store_sql store_inbound_sql[] = {
	{ ST_INBOUND_INSERT,
	    "INSERT INTO inbound (provider, provider_id, from_phone, "
	    "to_number, text, keyword, received_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (provider, provider_id) DO NOTHING" },
	{ ST_INBOUND_FIND,
	    "SELECT id FROM inbound WHERE provider = ?1 AND provider_id = ?2" },
	{ ST_REPLIES_COUNT,
	    "SELECT count(*) FROM deliveries INDEXED BY deliveries_replies "
	    "WHERE kind IS NOT NULL AND phone = ?1 AND created_at >= ?2 "
	    "AND (?3 IS NULL OR kind = ?3)" },
	{ ST_REPLIES_LIST,
	    "SELECT " DELIVERY_COLS " FROM deliveries "
	    "INDEXED BY deliveries_replies WHERE kind IS NOT NULL "
	    "AND phone = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2" },
	{ ST_INBOUND_TOTALS,
	    "SELECT coalesce(keyword, ''), count(*) FROM inbound GROUP BY 1" },
	{ ST_ACK_TARGET,
	    "SELECT d.id, d.alert_id FROM deliveries d "
	    "JOIN alerts a ON a.id = d.alert_id "
	    "WHERE d.phone = ?1 AND a.ack = 1 "
	    "AND (a.expires_at = 0 OR a.expires_at > ?2) "
	    "AND d.state IN (2, 3, 8, 9) AND (?3 = 0 OR d.alert_id = ?3) "
	    "ORDER BY d.alert_id DESC, d.id DESC LIMIT 1" },
	{ ST_NSTMTS, NULL }
};

/* The statements of store_events.c. */
const struct store_sql store_events_sql[] = {
	{ ST_CB_ENQUEUE,
	    "INSERT INTO callbacks (alert_id, client, url, event, body, "
	    "next_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)" },
	{ ST_CB_SELECT,
	    "SELECT id, alert_id, client, url, event, body, attempts, next_at, "
	    "error FROM callbacks WHERE state = 0 AND next_at <= ?1 "
	    "ORDER BY next_at, id LIMIT ?2" },
	{ ST_CB_LEASE,
	    "UPDATE callbacks SET attempts = attempts + 1, next_at = ?2 "
	    "WHERE id = ?1" },
	{ ST_CB_DONE,
	    "UPDATE callbacks SET state = 1, next_at = ?2, error = NULL "
	    "WHERE id = ?1" },
	{ ST_CB_RETRY,
	    "UPDATE callbacks SET next_at = ?2, error = ?3 WHERE id = ?1 "
	    "AND state = 0" },
	{ ST_CB_NEXT, "SELECT min(next_at) FROM callbacks WHERE state = 0" },
	{ ST_CB_CLEAN,
	    "DELETE FROM callbacks WHERE state = 1 AND next_at < ?1" },
	{ ST_NSTMTS, NULL }
};

/* The statements of store_purge.c. */
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


/* ---- schema v2: voice progress, doubt, inbound, replies ------------- */

int
store_inbound_insert(struct store *s, struct inbound_row *in)
{
	sqlite3_stmt	*st = s->st[ST_INBOUND_INSERT];
	int		 rc;

	bind_text(st, 1, in->provider);
	/* Without an id there is nothing to recognise a retry by. */
	bind_text_empty_null(st, 2, in->provider_id);
	bind_text(st, 3, in->from != NULL ? in->from : "");
	bind_text(st, 4, in->to);
	bind_text(st, 5, in->text != NULL ? in->text : "");
	bind_text(st, 6, in->keyword);
	sqlite3_bind_int64(st, 7, in->received_at != 0 ? in->received_at :
	    now_ms());
	if (store_step_done(s, ST_INBOUND_INSERT, __func__) == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0) {
		in->id = sqlite3_last_insert_rowid(s->db);
		return 0;
	}
	/* Seen before: the provider retried its callback. */
	st = s->st[ST_INBOUND_FIND];
	bind_text(st, 1, in->provider);
	bind_text(st, 2, in->provider_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		in->id = sqlite3_column_int64(st, 0);
	else
		DBWARN(s);
	stmt_done(st);
	return rc == SQLITE_ROW ? STORE_DUPLICATE : -1;
}

/* A single integer from a bound query (0 when the result is NULL). */
static int
scalar(struct store *s, enum stmt_id id, int64_t *out, const char *func)
{
	sqlite3_stmt	*st = s->st[id];
	int		 rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		log_warnx("%s: %s", func, sqlite3_errmsg(s->db));
	stmt_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_replies_count(struct store *s, const char *phone, const char *kind,
    int64_t since, int64_t *n)
{
	sqlite3_stmt	*st = s->st[ST_REPLIES_COUNT];

	bind_text(st, 1, phone);
	sqlite3_bind_int64(st, 2, since);
	bind_text(st, 3, kind);
	return scalar(s, ST_REPLIES_COUNT, n, __func__);
}

int
store_replies_list(struct store *s, const char *phone, int limit,
    store_delivery_cb cb, void *arg)
{
	bind_text(s->st[ST_REPLIES_LIST], 1, phone);
	sqlite3_bind_int(s->st[ST_REPLIES_LIST], 2, limit);
	return store_deliveries_each(s, ST_REPLIES_LIST, cb, arg, __func__);
}

int
store_inbound_totals(struct store *s, store_count_cb cb, void *arg)
{
	sqlite3_stmt	*st = s->st[ST_INBOUND_TOTALS];
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), arg);
	if (rc != SQLITE_DONE)
		DBWARN(s);
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- schema v2: answers and escalation ------------------------------ */

int
store_ack_target(struct store *s, const char *phone, int64_t alert_id,
    int64_t now, int64_t *delivery_id, int64_t *alert_out)
{
	sqlite3_stmt	*st = s->st[ST_ACK_TARGET];
	int		 rc;

	bind_text(st, 1, phone);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, alert_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*delivery_id = sqlite3_column_int64(st, 0);
		*alert_out = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE)
		DBWARN(s);
	stmt_done(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
}

/* ---- schema v2: source callbacks ------------------------------------ */

void
callback_row_clear(struct callback_row *c)
{
	if (c == NULL)
		return;
	free(c->client);
	free(c->url);
	free(c->event);
	free(c->body);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

int
store_callback_enqueue(struct store *s, int64_t alert_id, const char *client,
    const char *url, const char *event, const char *body, int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_CB_ENQUEUE];

	sqlite3_bind_int64(st, 1, alert_id);
	bind_text(st, 2, client);
	bind_text(st, 3, url);
	bind_text(st, 4, event);
	bind_text(st, 5, body);
	sqlite3_bind_int64(st, 6, now);
	return store_step_done(s, ST_CB_ENQUEUE, __func__);
}

int
store_callback_claim(struct store *s, int64_t now, int64_t lease_ms,
    int limit, store_callback_cb cb, void *arg)
{
	sqlite3_stmt		*st = s->st[ST_CB_SELECT];
	struct callback_row	*rows = NULL;
	enum txn_kind		 kind;
	bool			 oom = false, ok = false;
	int			 n = 0, i, rc;

	if (limit <= 0)
		return 0;
	if ((rows = calloc((size_t)limit, sizeof(*rows))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	if (store_txn_enter(s, &kind, __func__) == -1) {
		free(rows);
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, limit);
	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct callback_row	*c = &rows[n++];

		c->id = sqlite3_column_int64(st, 0);
		c->alert_id = sqlite3_column_int64(st, 1);
		c->client = col_dup(st, 2, &oom);
		c->url = col_dup(st, 3, &oom);
		c->event = col_dup(st, 4, &oom);
		c->body = col_dup(st, 5, &oom);
		c->attempts = sqlite3_column_int(st, 6) + 1;
		c->next_at = now + lease_ms;
		c->error = col_dup(st, 8, &oom);
	}
	if (n < limit && rc != SQLITE_DONE) {
		DBWARN(s);
		stmt_done(st);
		goto out;
	}
	stmt_done(st);
	if (oom) {
		log_warnx("%s: out of memory", __func__);
		goto out;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(s->st[ST_CB_LEASE], 1, rows[i].id);
		sqlite3_bind_int64(s->st[ST_CB_LEASE], 2, now + lease_ms);
		if (store_step_done(s, ST_CB_LEASE, __func__) == -1)
			goto out;
	}
	ok = true;
out:
	if (store_txn_leave(s, kind, ok, __func__) == -1)
		ok = false;
	for (i = 0; i < n; i++) {
		if (ok && cb(&rows[i], arg) == -1)
			ok = false;
		callback_row_clear(&rows[i]);
	}
	free(rows);
	return ok ? 0 : -1;
}

/*
 * A sent (or given up) callback stays a day as state 1, for anyone
 * asking whether it went out; then it goes with the next one done.
 */
int
store_callback_done(struct store *s, int64_t id, int64_t now)
{
	sqlite3_bind_int64(s->st[ST_CB_DONE], 1, id);
	sqlite3_bind_int64(s->st[ST_CB_DONE], 2, now);
	if (store_step_done(s, ST_CB_DONE, __func__) == -1)
		return -1;
	/* The row is done either way: a failed cleanup waits for the next. */
	sqlite3_bind_int64(s->st[ST_CB_CLEAN], 1, now - CB_KEEP_MS);
	store_step_done(s, ST_CB_CLEAN, __func__);
	return 0;
}

int
store_callback_retry(struct store *s, int64_t id, int64_t next_at,
    const char *error)
{
	sqlite3_stmt	*st = s->st[ST_CB_RETRY];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, next_at);
	bind_text(st, 3, error);
	return store_step_done(s, ST_CB_RETRY, __func__);
}

int
store_callback_next_due(struct store *s, int64_t *next_at)
{
	sqlite3_stmt	*st = s->st[ST_CB_NEXT];
	int		 rc, ret = -1;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			ret = STORE_NOTFOUND;
		else {
			*next_at = sqlite3_column_int64(st, 0);
			ret = 0;
		}
	} else
		DBWARN(s);
	stmt_done(st);
	return ret;
}

/* ---- schema v2: contacts, geography, personal data ------------------- */

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
