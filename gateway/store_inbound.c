/*
 * Inbound SMS in the store (table inbound): each stored once per
 * provider message id, counted by keyword for /metrics; the replies
 * Varsel sent to a number (deliveries with a kind), counted for the
 * reply rate limits and listed for GET /v1/replies; and the delivery an
 * answer (JA, NEJ, a key press) belongs to.
 */
#include "store_priv.h"

static int	inbox_row(sqlite3_stmt *, void *);
static int	inbound_insert(struct store *, struct inbound_row *);

/* The statements of this file, prepared by store_open. */
const struct store_sql store_inbound_sql[] = {
	{ ST_INBOUND_INSERT,
	    "INSERT INTO inbound (provider, provider_id, from_phone, "
	    "to_number, text, keyword, received_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (provider, provider_id) DO NOTHING" },
	{ ST_INBOUND_FIND,
	    "SELECT id FROM inbound WHERE provider = ?1 AND provider_id = ?2" },
	{ ST_INBOUND_TOTALS, "SELECT keyword, n FROM inbound_totals" },
	{ ST_REPLIES_COUNT,
	    "SELECT count(*) FROM deliveries INDEXED BY deliveries_replies "
	    "WHERE kind IS NOT NULL AND phone = ?1 AND created_at >= ?2 "
	    "AND (?3 IS NULL OR kind = ?3)" },
	{ ST_REPLIES_LIST,
	    "SELECT " DELIVERY_COLS " FROM deliveries "
	    "INDEXED BY deliveries_replies WHERE kind IS NOT NULL "
	    "AND phone = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2" },
	/*
	 * The alerts still taking answers (a handful), then the number's
	 * deliveries in each: the newest alert's newest that went out.
	 */
	{ ST_ACK_TARGET,
	    "SELECT d.id, d.alert_id FROM alerts a INDEXED BY alerts_asking "
	    "CROSS JOIN deliveries d INDEXED BY deliveries_alert_phone "
	    "WHERE a.ack = 1 AND (" ASKING_UNTIL("a.") ") > ?2 "
	    "AND d.alert_id = a.id AND d.phone = ?1 "
	    "AND (d.state BETWEEN 2 AND 3 OR d.state BETWEEN 8 AND 9) "
	    "AND (?3 = 0 OR a.id = ?3) "
	    "ORDER BY a.id DESC, d.id DESC LIMIT 1" },
	{ ST_INBOX_LIST,
	    "SELECT i.id, i.provider, i.from_phone, i.to_number, i.text, "
	    "c.name, i.received_at, (SELECT count(*) FROM deliveries d "
	    "INDEXED BY deliveries_replies WHERE d.kind = 'reply-console' "
	    "AND d.phone = i.from_phone AND d.inbound_id = i.id) "
	    "FROM inbound i INDEXED BY inbound_unknown "
	    "LEFT JOIN contacts c ON c.phone = i.from_phone "
	    "WHERE i.keyword = 'UNKNOWN' AND (?1 = 0 OR i.id > ?1) "
	    "AND (?2 = 0 OR i.id < ?2) ORDER BY i.id DESC LIMIT ?3" },
	{ ST_INBOUND_GET,
	    "SELECT i.id, i.provider, i.from_phone, i.to_number, i.text, "
	    "c.name, i.received_at, 0 FROM inbound i "
	    "LEFT JOIN contacts c ON c.phone = i.from_phone WHERE i.id = ?1" },
	{ ST_NSTMTS, NULL }
};

/* ---- inbound SMS ---------------------------------------------------- */

int
store_inbound_insert(struct store *s, struct inbound_row *in)
{
	enum txn_kind	kind;
	int		rc;

	if (store_tallied(s))
		return inbound_insert(s, in);
	/* Alone: a transaction of its own, whose commit writes the tally. */
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	rc = inbound_insert(s, in);
	if (store_txn_leave(s, kind, rc != -1, __func__) == -1)
		return -1;
	return rc;
}

/*
 * Insert in, counted by the tally (schema 12: the trigger that counted
 * it cost 10,000 instructions an inbound SMS); a retry of the provider
 * is STORE_DUPLICATE with in->id the first one's.
 */
static int
inbound_insert(struct store *s, struct inbound_row *in)
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
		return store_tally_inbound(s, in->keyword);
	}
	/* Seen before: the provider retried its callback. */
	bind_text(s->st[ST_INBOUND_FIND], 1, in->provider);
	bind_text(s->st[ST_INBOUND_FIND], 2, in->provider_id);
	if ((rc = store_scalar(s, ST_INBOUND_FIND, &in->id, __func__)) == 0)
		return STORE_DUPLICATE;
	if (rc == STORE_NOTFOUND)
		log_warnx("%s: ignored as a duplicate, yet not found",
		    __func__);
	return -1;
}

int
store_inbound_totals(struct store *s, store_count_cb cb, void *arg)
{
	/* Inside the pass's transaction: the tally counts too. */
	if (store_tally_flush(s) == -1)
		return -1;
	return store_name_counts(s, ST_INBOUND_TOTALS, cb, arg, __func__);
}

/* ---- replies to a number -------------------------------------------- */

int
store_replies_count(struct store *s, const char *phone, const char *kind,
    int64_t since, int64_t *n)
{
	sqlite3_stmt	*st = s->st[ST_REPLIES_COUNT];

	*n = 0;
	bind_text(st, 1, phone);
	sqlite3_bind_int64(st, 2, since);
	bind_text(st, 3, kind);
	return store_scalar(s, ST_REPLIES_COUNT, n, __func__) == -1 ? -1 : 0;
}

int
store_replies_list(struct store *s, const char *phone, int limit,
    store_delivery_cb cb, void *arg)
{
	bind_text(s->st[ST_REPLIES_LIST], 1, phone);
	sqlite3_bind_int(s->st[ST_REPLIES_LIST], 2, limit);
	return store_deliveries_each(s, ST_REPLIES_LIST, cb, arg, __func__);
}

/* ---- answers -------------------------------------------------------- */

int
store_ack_target(struct store *s, const char *phone, int64_t alert_id,
    int64_t now, int64_t *delivery_id, int64_t *alert_out)
{
	sqlite3_stmt	*st = s->st[ST_ACK_TARGET];
	int		 rc;

	if (store_before_step(s, ST_ACK_TARGET) == -1)
		return -1;
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

/* ---- the inbox -------------------------------------------------------- */

/* Where inbox rows go. */
struct inbox_rows {
	store_inbox_cb	 cb;
	void		*arg;
};

/* One row of ST_INBOX_LIST or ST_INBOUND_GET to the callback. */
static int
inbox_row(sqlite3_stmt *st, void *arg)
{
	struct inbox_rows	*to = arg;
	struct inbox_row	 r;

	r.id = sqlite3_column_int64(st, 0);
	r.provider = col_text(st, 1);
	r.from = col_text(st, 2);
	r.to = (const char *)sqlite3_column_text(st, 3);
	r.text = col_text(st, 4);
	r.name = (const char *)sqlite3_column_text(st, 5);
	r.received_at = sqlite3_column_int64(st, 6);
	r.replies = sqlite3_column_int64(st, 7);
	return to->cb(&r, to->arg) == -1 ? -1 : 0;
}

int
store_inbox_list(struct store *s, int64_t after, int64_t before, int limit,
    store_inbox_cb cb, void *arg)
{
	sqlite3_stmt		*st = s->st[ST_INBOX_LIST];
	struct inbox_rows	 to = { cb, arg };

	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int(st, 3, limit);
	return store_rows_each(s, ST_INBOX_LIST, inbox_row, &to, __func__);
}

int
store_inbound_get(struct store *s, int64_t id, store_inbox_cb cb, void *arg)
{
	struct inbox_rows	to = { cb, arg };

	sqlite3_bind_int64(s->st[ST_INBOUND_GET], 1, id);
	return store_row_one(s, ST_INBOUND_GET, inbox_row, &to, __func__);
}
