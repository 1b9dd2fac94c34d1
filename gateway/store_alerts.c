/*
 * Alerts in the store (table alerts): one row per accepted alert with
 * what fan-out found and the 202 answer for idempotent replays; the
 * counts of its deliveries by state and answer, cancel and expiry of
 * what is still queued, and the marks of what was last reported to the
 * source system (alerts_watched: alert.progress and alert.done). The
 * gate of scheduled and held alerts and its release (store.h), the
 * steps of a call-out chain (table alert_steps) and the need of JA that
 * fills a call-out.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

#define ALERT_COLS \
	"id, client, source_ref, body_hash, type, severity, template, lang, " \
	"ack, callback_url, created_at, expires_at, recipients, suppressed, " \
	"segments, encoding, response, escalate_after_s, status, gate, " \
	"release_at, released_at, cancelled_at, expires_in_s, request, " \
	"people, need, filled_at, chain, chain_after_s, chain_next_at, step, " \
	"error, esc_done, by_user, text, uncallable"

static int	read_alert(sqlite3_stmt *, void *);
static int	alert_one(struct store *, enum stmt_id, struct alert_row *,
		    const char *);
static int	alert_row(sqlite3_stmt *, void *);
static int	alerts_each(struct store *, enum stmt_id, store_alert_cb,
		    void *, const char *);
static int	count_row(sqlite3_stmt *, void *);
static int	step_row(sqlite3_stmt *, void *);
static int	alerts_due(struct store *, enum stmt_id, int64_t, int,
		    store_alert_cb, void *, const char *);
static int	text_row(sqlite3_stmt *, void *);

/* The statements of this file, prepared by store_open. */
const struct store_sql store_alerts_sql[] = {
	{ ST_ALERT_INSERT,
	    "INSERT INTO alerts (client, source_ref, body_hash, type, "
	    "severity, template, lang, ack, callback_url, created_at, "
	    "expires_at, recipients, suppressed, segments, encoding, response, "
	    "escalate_after_s, status, gate, release_at, released_at, "
	    "expires_in_s, request, people, need, chain, chain_after_s, "
	    "chain_next_at, by_user, text) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, "
	    "?27, ?28, ?29, ?30)" },
	{ ST_ALERT_SET_RESPONSE,
	    "UPDATE alerts SET response = ?2 WHERE id = ?1" },
	{ ST_ALERT_SET_SUMMARY,
	    "UPDATE alerts SET recipients = ?2, suppressed = ?3, "
	    "segments = ?4, encoding = ?5, people = ?6 WHERE id = ?1" },
	{ ST_ALERT_SET_UNCALLABLE,
	    "UPDATE alerts SET uncallable = ?2 + "
	    "CASE WHEN ?3 THEN uncallable ELSE 0 END WHERE id = ?1" },
	{ ST_ALERT_GET, "SELECT " ALERT_COLS " FROM alerts WHERE id = ?1" },
	{ ST_ALERT_FIND_REF,
	    "SELECT " ALERT_COLS " FROM alerts "
	    "WHERE client = ?1 AND source_ref = ?2" },
	{ ST_ALERTS_LIST,
	    "SELECT " ALERT_COLS " FROM alerts ORDER BY id DESC LIMIT ?1" },
	{ ST_ALERT_COUNTS,
	    "SELECT what, n FROM alert_totals WHERE alert_id = ?1" },
	{ ST_ALERT_CANCEL,
	    COUNTED_UPDATE "state = 6, updated_at = ?2 "
	    "WHERE alert_id = ?1 AND state IN (0, 12) AND "
	    ALERT_STATE_INDEXED },
	/* A gated alert is never released; no chain step, no call more. */
	{ ST_ALERT_STOP,
	    "UPDATE alerts SET cancelled_at = CASE WHEN gate <> 0 THEN ?2 "
	    "ELSE cancelled_at END, gate = 0, release_at = 0, "
	    "chain_next_at = 0, esc_done = 1 WHERE id = ?1" },
	{ ST_ALERT_RELEASE,
	    "UPDATE alerts SET gate = 0, release_at = 0, released_at = ?2, "
	    "expires_at = CASE WHEN expires_in_s > 0 "
	    "THEN ?2 + expires_in_s * 1000 ELSE 0 END, "
	    "chain_next_at = CASE WHEN chain IS NOT NULL "
	    "THEN ?2 + chain_after_s * 1000 ELSE 0 END "
	    "WHERE id = ?1 AND gate <> 0 RETURNING expires_at" },
	{ ST_RELEASE_DELIVERIES,
	    COUNTED_UPDATE "state = 0, next_at = ?2, expires_at = ?3, "
	    "updated_at = ?2 WHERE alert_id = ?1 AND state = 12 AND "
	    ALERT_STATE_INDEXED },
	{ ST_RELEASE_STEP,
	    "UPDATE alert_steps SET started_at = ?2 "
	    "WHERE alert_id = ?1 AND step = 0" },
	{ ST_ALERTS_RELEASABLE,
	    "SELECT " ALERT_COLS " FROM alerts INDEXED BY alerts_gated "
	    "WHERE gate <> 0 AND release_at > 0 AND release_at <= ?1 "
	    "ORDER BY release_at, id LIMIT ?2" },
	{ ST_ALERTS_CHAIN_DUE,
	    "SELECT " ALERT_COLS " FROM alerts INDEXED BY alerts_chained "
	    "WHERE chain_next_at > 0 AND chain_next_at <= ?1 "
	    "ORDER BY chain_next_at, id LIMIT ?2" },
	{ ST_ALERT_STEP,
	    "UPDATE alerts SET step = ?2, chain = ?3, chain_next_at = ?4, "
	    "recipients = recipients + ?5, suppressed = suppressed + ?6, "
	    "people = people + ?7 WHERE id = ?1" },
	{ ST_ALERT_SET_ERROR, "UPDATE alerts SET error = ?2 WHERE id = ?1" },
	{ ST_ALERT_FILL,
	    "UPDATE alerts SET filled_at = ?2, chain_next_at = 0, esc_done = 1 "
	    "WHERE id = ?1 AND filled_at = 0" },
	{ ST_ALERT_FILL_CANCEL,
	    COUNTED_UPDATE "state = 6, error = 'enough said yes', "
	    "updated_at = ?2 WHERE alert_id = ?1 AND state IN (0, 12) AND "
	    ALERT_STATE_INDEXED },
	{ ST_ALERT_HAS_PHONE,
	    "SELECT 1 FROM deliveries WHERE phone = ?2 AND alert_id = ?1 "
	    "LIMIT 1" },
	{ ST_STEP_INSERT,
	    "INSERT INTO alert_steps (alert_id, step, started_at, recipients, "
	    "people, audience) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT DO UPDATE SET started_at = excluded.started_at, "
	    "recipients = excluded.recipients, people = excluded.people, "
	    "audience = excluded.audience" },
	{ ST_TEXT_PUT,
	    "INSERT INTO alert_texts (alert_id, lang, channel, text) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET "
	    "text = excluded.text" },
	{ ST_TEXT_GET,
	    "SELECT text FROM alert_texts WHERE alert_id = ?1 AND lang = ?2 "
	    "AND channel = ?3" },
	{ ST_STEPS_LIST,
	    "SELECT step, started_at, recipients, people, audience "
	    "FROM alert_steps WHERE alert_id = ?1 ORDER BY step" },
	{ ST_ALERT_HOLD,
	    "UPDATE alerts SET gate = ?2, release_at = 0, released_at = 0, "
	    "expires_at = 0, chain_next_at = 0 WHERE id = ?1" },
	{ ST_HOLD_DELIVERIES,
	    COUNTED_UPDATE "state = 12, expires_at = 0 "
	    "WHERE alert_id = ?1 AND state = 0 AND " ALERT_STATE_INDEXED },
	{ ST_HOLD_STEP,
	    "UPDATE alert_steps SET started_at = 0 "
	    "WHERE alert_id = ?1 AND step = 0" },
	{ ST_EXPIRE_ALERTS,
	    COUNTED_UPDATE "state = 5, "
	    "error = 'the alert expired before it was sent', updated_at = ?1 "
	    "WHERE state = 0 AND " ALERT_STATE_INDEXED " AND alert_id IN "
	    "(SELECT id FROM alerts WHERE expires_at > 0 AND "
	    "expires_at <= ?1)" },
	/*
	 * Rows of no alert (replies); an alert's expire with it, above.
	 * INDEXED BY: else the planner seeks alert_id IS NULL in
	 * deliveries_alert, every reply ever sent.
	 */
	{ ST_EXPIRE_SINGLE,
	    "UPDATE deliveries INDEXED BY deliveries_expiry "
	    "SET count_by_trigger = 1, state = 5, "
	    "error = 'expired before it was sent', updated_at = ?1 "
	    "WHERE state = 0 AND expires_at > 0 AND alert_id IS NULL "
	    "AND expires_at <= ?1" },
	{ ST_ALERTS_WATCHED,
	    "SELECT " ALERT_COLS " FROM alerts INDEXED BY alerts_watched "
	    "WHERE callback_url IS NOT NULL AND watch_done = 0" },
	{ ST_SET_WATCH,
	    "UPDATE alerts SET watch_progress_at = ?2, watch_digest = ?3, "
	    "watch_done = ?4 WHERE id = ?1" },
	{ ST_GET_WATCH,
	    "SELECT coalesce(watch_digest, ''), watch_progress_at FROM alerts "
	    "WHERE id = ?1" },
	{ ST_NSTMTS, NULL }
};

/* ---- alerts --------------------------------------------------------- */

void
alert_row_clear(struct alert_row *a)
{
	if (a == NULL)
		return;
	free(a->client);
	free(a->source_ref);
	free(a->body_hash);
	free(a->type);
	free(a->template);
	free(a->lang);
	free(a->callback_url);
	free(a->encoding);
	free(a->response);
	free(a->status);
	free(a->request);
	free(a->chain);
	free(a->error);
	free(a->text);
	memset(a, 0, sizeof(*a));
}

/* The alert_row at arg from an ALERT_COLS row; -1 (cleared) if no memory. */
static int
read_alert(sqlite3_stmt *st, void *arg)
{
	struct alert_row	*a = arg;
	bool			 oom = false;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	a->client = col_dup(st, 1, &oom);
	a->source_ref = col_dup(st, 2, &oom);
	a->body_hash = col_dup(st, 3, &oom);
	a->type = col_dup(st, 4, &oom);
	a->severity = sqlite3_column_int(st, 5);
	a->template = col_dup(st, 6, &oom);
	a->lang = col_dup(st, 7, &oom);
	a->ack = sqlite3_column_int(st, 8) != 0;
	a->callback_url = col_dup(st, 9, &oom);
	a->created_at = sqlite3_column_int64(st, 10);
	a->expires_at = sqlite3_column_int64(st, 11);
	a->recipients = sqlite3_column_int(st, 12);
	a->suppressed = sqlite3_column_int(st, 13);
	a->segments = sqlite3_column_int(st, 14);
	a->encoding = col_dup(st, 15, &oom);
	a->response = col_dup(st, 16, &oom);
	a->escalate_after_s = sqlite3_column_int64(st, 17);
	a->status = col_dup(st, 18, &oom);
	a->gate = sqlite3_column_int(st, 19);
	a->release_at = sqlite3_column_int64(st, 20);
	a->released_at = sqlite3_column_int64(st, 21);
	a->cancelled_at = sqlite3_column_int64(st, 22);
	a->expires_in_s = sqlite3_column_int64(st, 23);
	a->request = col_dup(st, 24, &oom);
	a->people = sqlite3_column_int(st, 25);
	a->need = sqlite3_column_int(st, 26);
	a->filled_at = sqlite3_column_int64(st, 27);
	a->chain = col_dup(st, 28, &oom);
	a->chain_after_s = sqlite3_column_int64(st, 29);
	a->chain_next_at = sqlite3_column_int64(st, 30);
	a->step = sqlite3_column_int(st, 31);
	a->error = col_dup(st, 32, &oom);
	a->esc_done = sqlite3_column_int(st, 33) != 0;
	a->by_user = sqlite3_column_int(st, 34) != 0;
	a->text = col_dup(st, 35, &oom);
	a->uncallable = sqlite3_column_int(st, 36);
	if (oom) {
		log_warnx("%s: out of memory", __func__);
		alert_row_clear(a);
		return -1;
	}
	return 0;
}

/* Run a bound single-alert query into a. */
static int
alert_one(struct store *s, enum stmt_id id, struct alert_row *a,
    const char *func)
{
	memset(a, 0, sizeof(*a));
	return store_row_one(s, id, read_alert, a, func);
}

int
store_alert_insert(struct store *s, struct alert_row *a)
{
	sqlite3_stmt	*st = s->st[ST_ALERT_INSERT];
	int		 rc;

	rc = bind_text(st, 1, a->client);
	rc |= bind_text(st, 2, a->source_ref);
	rc |= bind_text(st, 3, a->body_hash);
	rc |= bind_text(st, 4, a->type);
	rc |= sqlite3_bind_int(st, 5, a->severity);
	rc |= bind_text(st, 6, a->template);
	rc |= bind_text(st, 7, a->lang);
	rc |= sqlite3_bind_int(st, 8, a->ack ? 1 : 0);
	rc |= bind_text(st, 9, a->callback_url);
	rc |= sqlite3_bind_int64(st, 10, a->created_at != 0 ? a->created_at :
	    now_ms());
	rc |= sqlite3_bind_int64(st, 11, a->expires_at);
	rc |= sqlite3_bind_int(st, 12, a->recipients);
	rc |= sqlite3_bind_int(st, 13, a->suppressed);
	rc |= sqlite3_bind_int(st, 14, a->segments);
	rc |= bind_text(st, 15, a->encoding);
	rc |= bind_text(st, 16, a->response);
	rc |= sqlite3_bind_int64(st, 17, a->escalate_after_s);
	rc |= bind_text(st, 18, a->status != NULL && a->status[0] != '\0' ?
	    a->status : "actual");
	rc |= sqlite3_bind_int(st, 19, a->gate);
	rc |= sqlite3_bind_int64(st, 20, a->release_at);
	/* An open alert is released as it is made. */
	rc |= sqlite3_bind_int64(st, 21, a->gate != GATE_OPEN ? 0 :
	    a->released_at != 0 ? a->released_at : a->created_at != 0 ?
	    a->created_at : now_ms());
	rc |= sqlite3_bind_int64(st, 22, a->expires_in_s);
	rc |= bind_text(st, 23, a->request);
	rc |= sqlite3_bind_int(st, 24, a->people);
	rc |= sqlite3_bind_int(st, 25, a->need);
	rc |= bind_text(st, 26, a->chain);
	rc |= sqlite3_bind_int64(st, 27, a->chain_after_s);
	rc |= sqlite3_bind_int64(st, 28, a->chain_next_at);
	rc |= sqlite3_bind_int(st, 29, a->by_user ? 1 : 0);
	rc |= bind_text(st, 30, a->text);
	if (rc != SQLITE_OK) {
		DBWARN(s);
		stmt_done(st);
		return -1;
	}
	if (store_step_done(s, ST_ALERT_INSERT, __func__) == -1)
		return -1;
	a->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_alert_set_response(struct store *s, int64_t id, const char *json)
{
	sqlite3_stmt	*st = s->st[ST_ALERT_SET_RESPONSE];

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, json);
	return store_step_done(s, ST_ALERT_SET_RESPONSE, __func__);
}

int
store_alert_set_summary(struct store *s, int64_t id, int recipients,
    int suppressed, int segments, const char *encoding, int people)
{
	sqlite3_stmt	*st = s->st[ST_ALERT_SET_SUMMARY];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, recipients);
	sqlite3_bind_int(st, 3, suppressed);
	sqlite3_bind_int(st, 4, segments);
	bind_text(st, 5, encoding);
	sqlite3_bind_int(st, 6, people);
	return store_step_done(s, ST_ALERT_SET_SUMMARY, __func__);
}

int
store_alert_set_uncallable(struct store *s, int64_t id, int n, bool add)
{
	sqlite3_stmt	*st = s->st[ST_ALERT_SET_UNCALLABLE];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, n);
	sqlite3_bind_int(st, 3, add);
	return store_step_done(s, ST_ALERT_SET_UNCALLABLE, __func__);
}

int
store_alert_get(struct store *s, int64_t id, struct alert_row *a)
{
	sqlite3_bind_int64(s->st[ST_ALERT_GET], 1, id);
	return alert_one(s, ST_ALERT_GET, a, __func__);
}

int
store_alert_find_ref(struct store *s, const char *client,
    const char *source_ref, struct alert_row *a)
{
	sqlite3_stmt	*st = s->st[ST_ALERT_FIND_REF];

	bind_text(st, 1, client);
	bind_text(st, 2, source_ref);
	return alert_one(s, ST_ALERT_FIND_REF, a, __func__);
}

/* Where alert rows go. */
struct alert_rows {
	store_alert_cb	 cb;
	void		*arg;
};

/* Read an alert row and pass it on. */
static int
alert_row(sqlite3_stmt *st, void *arg)
{
	struct alert_rows	*to = arg;
	struct alert_row	 a;
	int			 rc;

	if (read_alert(st, &a) == -1)
		return -1;
	rc = to->cb(&a, to->arg);
	alert_row_clear(&a);
	return rc == -1 ? -1 : 0;
}

/* Every alert row of a bound query to cb; -1 if cb stopped. */
static int
alerts_each(struct store *s, enum stmt_id id, store_alert_cb cb, void *arg,
    const char *func)
{
	struct alert_rows	to = { cb, arg };

	return store_rows_each(s, id, alert_row, &to, func);
}

int
store_alerts_list(struct store *s, int limit, store_alert_cb cb, void *arg)
{
	sqlite3_bind_int(s->st[ST_ALERTS_LIST], 1, limit);
	return alerts_each(s, ST_ALERTS_LIST, cb, arg, __func__);
}

/* ---- their deliveries: counts, cancel, expiry ----------------------- */

/* Add a row of (state, count, yes, no, in doubt) to the alert_counts. */
static int
count_row(sqlite3_stmt *st, void *arg)
{
	struct alert_counts	*c = arg;
	int			 what = sqlite3_column_int(st, 0);
	int64_t			 n = sqlite3_column_int64(st, 1);

	/* A row of alert_totals: a state, or 100 yes, 101 no, 102 doubt,
	 * 103 people reached. */
	if (what >= 0 && what < DS_NSTATES)
		c->state[what] = n;
	else if (what == 100)
		c->acks_yes = n;
	else if (what == 101)
		c->acks_no = n;
	else if (what == 102)
		c->in_doubt = n;
	else if (what == 103)
		c->reached = n;
	return 0;
}

int
store_alert_counts(struct store *s, int64_t id, struct alert_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (store_tally_flush(s) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_ALERT_COUNTS], 1, id);
	return store_rows_each(s, ST_ALERT_COUNTS, count_row, c, __func__);
}

/*
 * The end of a transaction that counted rows into *n: rc (-1 rolls back),
 * or -1 with *n 0 when the commit fails.
 */
static int
txn_leave_counted(struct store *s, enum txn_kind kind, int rc, int *n,
    const char *func)
{
	if (store_txn_leave(s, kind, rc != -1, func) == -1) {
		*n = 0;
		return -1;
	}
	return rc;
}

int
store_alert_cancel(struct store *s, int64_t id, int64_t now, int *n)
{
	enum txn_kind	kind;
	bool		ok;

	*n = 0;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_ALERT_CANCEL], 1, id);
	sqlite3_bind_int64(s->st[ST_ALERT_CANCEL], 2, now);
	sqlite3_bind_int64(s->st[ST_ALERT_STOP], 1, id);
	sqlite3_bind_int64(s->st[ST_ALERT_STOP], 2, now);
	ok = store_count_update(s, ST_ALERT_CANCEL, n, __func__) == 0 &&
	    store_step_done(s, ST_ALERT_STOP, __func__) == 0;
	stmt_done(s->st[ST_ALERT_STOP]);
	return txn_leave_counted(s, kind, ok ? 0 : -1, n, __func__);
}

int
store_alert_hold(struct store *s, int64_t id, int gate)
{
	enum txn_kind	kind;
	bool		ok;

	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_ALERT_HOLD], 1, id);
	sqlite3_bind_int(s->st[ST_ALERT_HOLD], 2, gate);
	sqlite3_bind_int64(s->st[ST_HOLD_DELIVERIES], 1, id);
	sqlite3_bind_int64(s->st[ST_HOLD_STEP], 1, id);
	ok = store_step_done(s, ST_ALERT_HOLD, __func__) == 0 &&
	    store_step_done(s, ST_HOLD_DELIVERIES, __func__) == 0 &&
	    store_step_done(s, ST_HOLD_STEP, __func__) == 0;
	stmt_done(s->st[ST_HOLD_DELIVERIES]);
	stmt_done(s->st[ST_HOLD_STEP]);
	return store_txn_leave(s, kind, ok, __func__);
}

int
store_expire_due(struct store *s, int64_t now, int *n)
{
	enum txn_kind	kind;
	bool		ok;

	*n = 0;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_EXPIRE_ALERTS], 1, now);
	sqlite3_bind_int64(s->st[ST_EXPIRE_SINGLE], 1, now);
	ok = store_count_update(s, ST_EXPIRE_ALERTS, n, __func__) == 0 &&
	    store_count_update(s, ST_EXPIRE_SINGLE, n, __func__) == 0;
	/* The second statement is not run after a failed first one. */
	stmt_done(s->st[ST_EXPIRE_SINGLE]);
	return txn_leave_counted(s, kind, ok ? 0 : -1, n, __func__);
}

/* ---- the gate, the chain, the need ---------------------------------- */

int
store_alert_release(struct store *s, int64_t id, int64_t now, int *n)
{
	sqlite3_stmt	*st = s->st[ST_ALERT_RELEASE];
	enum txn_kind	 kind;
	int64_t		 expires_at = 0;
	int		 rc = -1;

	*n = 0;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	/* RETURNING: the row is written by the first step. */
	if ((rc = store_scalar(s, ST_ALERT_RELEASE, &expires_at,
	    __func__)) != 0)
		goto out;
	rc = -1;
	st = s->st[ST_RELEASE_DELIVERIES];
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, expires_at);
	if (store_count_update(s, ST_RELEASE_DELIVERIES, n, __func__) == -1)
		goto out;
	st = s->st[ST_RELEASE_STEP];
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (store_step_done(s, ST_RELEASE_STEP, __func__) == -1)
		goto out;
	rc = 0;
out:
	return txn_leave_counted(s, kind, rc, n, __func__);
}

/* The alerts of a query of (now, limit) to cb. */
static int
alerts_due(struct store *s, enum stmt_id id, int64_t now, int limit,
    store_alert_cb cb, void *arg, const char *func)
{
	sqlite3_bind_int64(s->st[id], 1, now);
	sqlite3_bind_int(s->st[id], 2, limit);
	return alerts_each(s, id, cb, arg, func);
}

int
store_alerts_releasable(struct store *s, int64_t now, int limit,
    store_alert_cb cb, void *arg)
{
	return alerts_due(s, ST_ALERTS_RELEASABLE, now, limit, cb, arg,
	    __func__);
}

int
store_alerts_chain_due(struct store *s, int64_t now, int limit,
    store_alert_cb cb, void *arg)
{
	return alerts_due(s, ST_ALERTS_CHAIN_DUE, now, limit, cb, arg,
	    __func__);
}

int
store_alert_step(struct store *s, int64_t id, int step, const char *chain,
    int64_t next_at, int recipients, int suppressed, int people)
{
	sqlite3_stmt	*st = s->st[ST_ALERT_STEP];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, step);
	bind_text(st, 3, chain);
	sqlite3_bind_int64(st, 4, next_at);
	sqlite3_bind_int(st, 5, recipients);
	sqlite3_bind_int(st, 6, suppressed);
	sqlite3_bind_int(st, 7, people);
	return store_step_done(s, ST_ALERT_STEP, __func__);
}

int
store_alert_set_error(struct store *s, int64_t id, const char *error)
{
	sqlite3_bind_int64(s->st[ST_ALERT_SET_ERROR], 1, id);
	bind_text(s->st[ST_ALERT_SET_ERROR], 2, error);
	return store_step_done(s, ST_ALERT_SET_ERROR, __func__);
}

int
store_alert_fill(struct store *s, int64_t id, int64_t now, int *n)
{
	enum txn_kind	kind;
	int		rc = -1, filled = 0;

	*n = 0;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_ALERT_FILL], 1, id);
	sqlite3_bind_int64(s->st[ST_ALERT_FILL], 2, now);
	if (store_count_update(s, ST_ALERT_FILL, &filled, __func__) == -1)
		goto out;
	if (filled == 0) {
		rc = STORE_NOTFOUND;
		goto out;
	}
	sqlite3_bind_int64(s->st[ST_ALERT_FILL_CANCEL], 1, id);
	sqlite3_bind_int64(s->st[ST_ALERT_FILL_CANCEL], 2, now);
	if (store_count_update(s, ST_ALERT_FILL_CANCEL, n, __func__) == -1)
		goto out;
	rc = 0;
out:
	return txn_leave_counted(s, kind, rc, n, __func__);
}

int
store_alert_has_phone(struct store *s, int64_t id, const char *phone)
{
	sqlite3_bind_int64(s->st[ST_ALERT_HAS_PHONE], 1, id);
	bind_text(s->st[ST_ALERT_HAS_PHONE], 2, phone);
	return store_row_one(s, ST_ALERT_HAS_PHONE, NULL, NULL, __func__);
}

int
store_alert_step_insert(struct store *s, int64_t alert_id,
    const struct alert_step *p)
{
	sqlite3_stmt	*st = s->st[ST_STEP_INSERT];

	sqlite3_bind_int64(st, 1, alert_id);
	sqlite3_bind_int(st, 2, p->step);
	sqlite3_bind_int64(st, 3, p->started_at);
	sqlite3_bind_int(st, 4, p->recipients);
	sqlite3_bind_int(st, 5, p->people);
	bind_text(st, 6, p->audience);
	return store_step_done(s, ST_STEP_INSERT, __func__);
}

int
store_alert_text_put(struct store *s, int64_t alert_id, const char *lang,
    int channel, const char *text)
{
	sqlite3_stmt	*st = s->st[ST_TEXT_PUT];

	sqlite3_bind_int64(st, 1, alert_id);
	bind_text(st, 2, lang);
	sqlite3_bind_int(st, 3, channel);
	bind_text(st, 4, text);
	return store_step_done(s, ST_TEXT_PUT, __func__);
}

/* A copy of column 0 into the char * at arg. */
static int
text_row(sqlite3_stmt *st, void *arg)
{
	bool	oom = false;

	if ((*(char **)arg = col_dup(st, 0, &oom)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	return 0;
}

int
store_alert_text_get(struct store *s, int64_t alert_id, const char *lang,
    int channel, char **text)
{
	sqlite3_stmt	*st = s->st[ST_TEXT_GET];

	*text = NULL;
	sqlite3_bind_int64(st, 1, alert_id);
	bind_text(st, 2, lang);
	sqlite3_bind_int(st, 3, channel);
	return store_row_one(s, ST_TEXT_GET, text_row, text, __func__);
}

/* Where step rows go. */
struct step_rows {
	store_step_cb	 cb;
	void		*arg;
};

/* Pass a row of alert_steps on. */
static int
step_row(sqlite3_stmt *st, void *arg)
{
	struct step_rows	*to = arg;
	struct alert_step	 p;

	p.step = sqlite3_column_int(st, 0);
	p.started_at = sqlite3_column_int64(st, 1);
	p.recipients = sqlite3_column_int(st, 2);
	p.people = sqlite3_column_int(st, 3);
	p.audience = (const char *)sqlite3_column_text(st, 4);
	return to->cb(&p, to->arg) == -1 ? -1 : 0;
}

int
store_alert_steps(struct store *s, int64_t alert_id, store_step_cb cb,
    void *arg)
{
	struct step_rows	to = { cb, arg };

	sqlite3_bind_int64(s->st[ST_STEPS_LIST], 1, alert_id);
	return store_rows_each(s, ST_STEPS_LIST, step_row, &to, __func__);
}

/* ---- what the source system was told -------------------------------- */

int
store_alerts_watched(struct store *s, store_alert_cb cb, void *arg)
{
	return alerts_each(s, ST_ALERTS_WATCHED, cb, arg, __func__);
}

int
store_alert_set_watch(struct store *s, int64_t id, int64_t progress_at,
    const char *digest, bool done)
{
	sqlite3_stmt	*st = s->st[ST_SET_WATCH];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, progress_at);
	bind_text(st, 3, digest);
	sqlite3_bind_int(st, 4, done ? 1 : 0);
	return store_step_done(s, ST_SET_WATCH, __func__);
}

int
store_alert_get_watch(struct store *s, int64_t id, char digest[65],
    int64_t *progress_at)
{
	sqlite3_stmt	*st = s->st[ST_GET_WATCH];
	int		 rc;

	digest[0] = '\0';
	*progress_at = 0;
	if (store_before_step(s, ST_GET_WATCH) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, digest, 65);
		*progress_at = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE)
		DBWARN(s);
	stmt_done(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
}
