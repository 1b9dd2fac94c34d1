/*
 * The outbox of events to source systems in the store (table callbacks):
 * "ack", "alert.progress" and "alert.done" for an alert's callback_url.
 * source_events.c queues and sends them: each is claimed with a lease,
 * so a crash retries it, and retried until it is done (sent or given
 * up); a done one stays a day.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

#define CB_KEEP_MS	(24 * 3600 * 1000LL)	/* done callbacks kept */

static int	callback_row(sqlite3_stmt *, void *);

/* The statements of this file, prepared by store_open. */
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
	{ ST_CB_CLEAN,
	    "DELETE FROM callbacks WHERE state = 1 AND next_at < ?1" },
	{ ST_CB_RETRY,
	    "UPDATE callbacks SET next_at = ?2, error = ?3 WHERE id = ?1 "
	    "AND state = 0" },
	{ ST_CB_NEXT, "SELECT min(next_at) FROM callbacks WHERE state = 0" },
	{ ST_NSTMTS, NULL }
};

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

/* Callbacks read by a claim before they are leased. */
struct cb_claim {
	struct callback_row	*v;
	int			 n, max;
	int64_t			 next_at;	/* the end of the lease */
};

/* Read a callback row into the struct cb_claim at arg. */
static int
callback_row(sqlite3_stmt *st, void *arg)
{
	struct cb_claim		*k = arg;
	struct callback_row	*c;
	bool			 oom = false;

	if (k->n == k->max)		/* cannot be: the SQL has the LIMIT */
		return -1;
	c = &k->v[k->n++];
	c->id = sqlite3_column_int64(st, 0);
	c->alert_id = sqlite3_column_int64(st, 1);
	c->client = col_dup(st, 2, &oom);
	c->url = col_dup(st, 3, &oom);
	c->event = col_dup(st, 4, &oom);
	c->body = col_dup(st, 5, &oom);
	c->attempts = sqlite3_column_int(st, 6) + 1;
	c->next_at = k->next_at;
	c->error = col_dup(st, 8, &oom);
	if (oom) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	return 0;
}

int
store_callback_claim(struct store *s, int64_t now, int64_t lease_ms,
    int limit, store_callback_cb cb, void *arg)
{
	struct cb_claim	 k = { NULL, 0, limit, now + lease_ms };
	enum txn_kind	 kind;
	bool		 ok = false;
	int		 i;

	if (limit <= 0)
		return 0;
	if ((k.v = calloc((size_t)limit, sizeof(*k.v))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	if (store_txn_enter(s, &kind, __func__) == -1) {
		free(k.v);
		return -1;
	}
	sqlite3_bind_int64(s->st[ST_CB_SELECT], 1, now);
	sqlite3_bind_int(s->st[ST_CB_SELECT], 2, limit);
	if (store_rows_each(s, ST_CB_SELECT, callback_row, &k, __func__) == -1)
		goto out;
	for (i = 0; i < k.n; i++) {
		sqlite3_bind_int64(s->st[ST_CB_LEASE], 1, k.v[i].id);
		sqlite3_bind_int64(s->st[ST_CB_LEASE], 2, k.next_at);
		if (store_step_done(s, ST_CB_LEASE, __func__) == -1)
			goto out;
	}
	ok = true;
out:
	if (store_txn_leave(s, kind, ok, __func__) == -1)
		ok = false;
	for (i = 0; i < k.n; i++) {
		if (ok && cb(&k.v[i], arg) == -1)
			ok = false;
		callback_row_clear(&k.v[i]);
	}
	free(k.v);
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
	return store_scalar(s, ST_CB_NEXT, next_at, __func__);
}
