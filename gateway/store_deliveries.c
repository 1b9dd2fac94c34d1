/*
 * Deliveries in the store (table deliveries, and its per-attempt log
 * attempts): one row per message to one number on one channel, for an
 * alert or a reply. The queue (claim what is due, by priority), the
 * state changes of enum dstate (sent, retry, final, delivery reports,
 * voice progress, doubt after a crash), answers, the escalation of
 * unanswered SMS to calls, and the totals for /metrics.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

/*
 * The escalation candidates of one scan (see store_escalation_due), of
 * the alert named A: an SMS without an answer, and without a delivery
 * report (or, for an alert that asks for an answer, delivered and still
 * silent), to a number with no call of this alert yet, that allows voice
 * (not a contact, or one with the voice bit) and has not opted out
 * (opt-outs are salted hashes: varsel_phone_hash, last as it costs
 * most).
 */
#define ESCALATION_WHERE(A) \
	"d.channel = 1 AND d.ack = 0 AND (d.state IN (0, 1, 2) " \
	"OR (d.state = 3 AND " A ".ack <> 0)) " \
	"AND NOT EXISTS (SELECT 1 FROM deliveries c " \
	"WHERE c.phone = d.phone AND c.alert_id = d.alert_id " \
	"AND c.channel = 2) " \
	"AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.phone = d.phone " \
	"AND (k.channels & 2) = 0) " \
	"AND NOT EXISTS (SELECT 1 FROM optouts o " \
	"WHERE o.phone_hash = varsel_phone_hash(d.phone))"

/* When the step of delivery d (of alert A) began asking. */
#define STEP_STARTED(A) \
	"coalesce((SELECT s.started_at FROM alert_steps s " \
	"WHERE s.alert_id = " A ".id AND s.step = d.step), " A ".created_at)"

static int	answer_row(sqlite3_stmt *, void *);
static int	read_delivery(sqlite3_stmt *, void *);
static int	delivery_row(sqlite3_stmt *, void *);
static int	claim_row(sqlite3_stmt *, void *);
static int	claim_rows(struct store *, struct delivery *, size_t, int64_t);
static int	update_one(struct store *, enum stmt_id, const char *);
static int	total_row(sqlite3_stmt *, void *);
static int	insert_tallied(struct store *, struct delivery *);
static int	insert_step(struct store *, struct delivery *);
static int	delivery_tally(struct store *, const struct delivery *, int);
static int	sent_tally(struct store *, int64_t, int, const char *);

/*
 * The columns a delivery is inserted with, in the order bind_delivery
 * binds them.
 */
#define INSERT_COLS \
	"alert_id, phone, channel, lang, body, state, reason, priority, " \
	"segments, attempts, next_at, expires_at, provider, provider_ref, " \
	"in_doubt, error, ack, created_at, updated_at, kind, parent_id, " \
	"sender, pin, inbound_id, step, body_id"
#define INSERT_NCOLS	26

/*
 * A fan-out's rows are written INSERT_ROWS to a statement
 * (store_delivery_add): one statement opens the table and its indexes
 * once for all its rows, where a statement a row cost 44k instructions
 * a row against 25k (each of 10,000 rows into the schema, callgrind).
 * Its last parameter, ?833, is how many of its rows are meant.
 */
#define INSERT_ROWS		32
#define INSERT_ROWS_LIMIT	"?833"
#define INSERT_ROWS_LIMIT_I	833
_Static_assert(INSERT_ROWS * INSERT_NCOLS + 1 == INSERT_ROWS_LIMIT_I,
    "INSERT_ROWS_LIMIT names the parameter after the rows'");
#define VALUES_1	"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define VALUES_4	VALUES_1 "," VALUES_1 "," VALUES_1 "," VALUES_1
#define VALUES_16	VALUES_4 "," VALUES_4 "," VALUES_4 "," VALUES_4
#define VALUES_32	VALUES_16 "," VALUES_16

/* The ids of ST_CLAIM_ROWS: ?2 to ?33. */
#define CLAIM_ROWS	32
#define IDS_4	"?,?,?,?"
#define IDS_32	IDS_4 "," IDS_4 "," IDS_4 "," IDS_4 "," \
		IDS_4 "," IDS_4 "," IDS_4 "," IDS_4

/* The statements of this file, prepared by store_open. */
const struct store_sql store_deliveries_sql[] = {
	{ ST_DELIVERY_INSERT,
	    "INSERT INTO deliveries (" INSERT_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
	    "?25, ?26)" },
	/* The first ?last of up to INSERT_ROWS rows, in their order. */
	{ ST_DELIVERY_INSERT_ROWS,
	    "INSERT INTO deliveries (" INSERT_COLS ") "
	    "SELECT * FROM (VALUES " VALUES_32 ") LIMIT " INSERT_ROWS_LIMIT },
	{ ST_BODY_INSERT,
	    "INSERT INTO bodies (alert_id, body) VALUES (?1, ?2)" },
	{ ST_DELIVERY_GET,
	    "SELECT " DELIVERY_COLS " FROM deliveries WHERE id = ?1" },
	{ ST_DELIVERIES_ALL,
	    "SELECT " DELIVERY_COLS " FROM deliveries "
	    "WHERE alert_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3" },
	/* A state of the partial index deliveries_alert_state: a seek. */
	{ ST_DELIVERIES_STATE,
	    "SELECT " DELIVERY_COLS " FROM deliveries "
	    "WHERE alert_id = ?1 AND state = ?4 AND " ALERT_STATE_INDEXED
	    " AND id > ?2 ORDER BY id LIMIT ?3" },
	/*
	 * The due queue's first limit rows, read in claim order, then
	 * claimed one by one by rowid: cheaper than one UPDATE ... WHERE
	 * id IN (...) RETURNING, which copies the ids and the rows into
	 * two temporary b-trees and keeps a statement journal.
	 */
	{ ST_CLAIM,
	    "SELECT " DELIVERY_COLS " FROM deliveries "
	    "INDEXED BY deliveries_due WHERE state = 0 AND next_at <= ?1 "
	    "ORDER BY priority, id LIMIT ?2" },
	/*
	 * Up to CLAIM_ROWS of the rows ST_CLAIM read, in one statement
	 * (the ids a claim has not are NULL, which no id equals): a
	 * statement a row cost 28k instructions a row against 21k.
	 */
	{ ST_CLAIM_ROWS,
	    "UPDATE deliveries SET state = 1, attempts = attempts + 1, "
	    "updated_at = ?1 WHERE state = 0 AND id IN (" IDS_32 ")" },
	{ ST_NEXT_DUE, "SELECT min(next_at) FROM deliveries WHERE state = 0" },
	{ ST_QUEUE_DEPTH,
	    "SELECT coalesce(sum(segments), 0) FROM queue_totals "
	    "WHERE priority <= ?1" },
	{ ST_REQUEUE,
	    COUNTED_UPDATE "state = 0, in_doubt = 1, next_at = ?1, "
	    "updated_at = ?1 WHERE state = 1" },
	{ ST_DELIVERY_SENT,
	    COUNTED_UPDATE "state = 2, provider = ?2, "
	    "provider_ref = ?3, error = NULL, updated_at = ?4 "
	    "WHERE id = ?1 AND " NONFINAL },
	/*
	 * The common case of the above, tallied: a claimed row no provider
	 * had before, of the alert and channel the caller says, so the old
	 * row's part in the counts is known (no RETURNING: its temporary
	 * table cost more than the triggers it spares).
	 */
	{ ST_DELIVERY_SENT_CLAIMED,
	    "UPDATE deliveries SET state = 2, provider = ?2, "
	    "provider_ref = ?3, error = NULL, updated_at = ?4 "
	    "WHERE id = ?1 AND state = 1 AND provider IS NULL "
	    "AND alert_id IS ?5 AND channel = ?6" },
	{ ST_DELIVERY_RETRY,
	    COUNTED_UPDATE "state = 0, next_at = ?2, error = ?3, "
	    "updated_at = ?4 WHERE id = ?1 AND " NONFINAL },
	/* A claim given back unused: not an attempt. */
	{ ST_DELIVERY_RELEASE,
	    COUNTED_UPDATE "state = 0, next_at = ?2, "
	    "attempts = max(attempts - 1, 0), updated_at = ?3 "
	    "WHERE id = ?1 AND state = 1" },
	{ ST_DELIVERY_FINISH,
	    COUNTED_UPDATE "state = ?2, error = ?3, updated_at = ?4 "
	    "WHERE id = ?1 AND " NONFINAL },
	{ ST_PROGRESS,
	    COUNTED_UPDATE "state = ?2, error = coalesce(?3, error), "
	    "updated_at = ?4 WHERE id = ?1 AND " NONFINAL },
	{ ST_REPORT_FIND,
	    "SELECT id, state FROM deliveries "
	    "WHERE provider = ?1 AND provider_ref = ?2 "
	    "ORDER BY id DESC LIMIT 1" },
	{ ST_MARK_DOUBT,
	    COUNTED_UPDATE "in_doubt = 1, updated_at = ?2 WHERE id = ?1"
	},
	{ ST_SET_ACK,
	    COUNTED_UPDATE "ack = ?2, updated_at = ?3 WHERE id = ?1" },
	{ ST_ATTEMPT_LOG,
	    "INSERT INTO attempts (delivery_id, at, provider, http_status, "
	    "result, error, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
	/*
	 * Open alerts whose chain is over and that expired, were filled or
	 * have no candidate left are done.
	 */
	{ ST_ESCALATION_DONE,
	    "UPDATE alerts SET esc_done = 1 WHERE escalate_after_s > 0 "
	    "AND esc_done = 0 AND gate = 0 AND chain_next_at = 0 "
	    "AND released_at + escalate_after_s * 1000 <= ?1 "
	    "AND ((expires_at > 0 AND expires_at <= ?1) OR filled_at > 0 "
	    "OR NOT EXISTS (SELECT 1 FROM deliveries d "
	    "WHERE d.alert_id = alerts.id AND " ESCALATION_WHERE("alerts")
	    "))" },
	/*
	 * CROSS JOIN keeps the few escalating alerts outside (else the
	 * planner may scan every delivery); the ids are read before cb
	 * runs, so cb may insert the calls.
	 */
	{ ST_ESCALATION_DUE,
	    "SELECT " DELIVERY_COLS " FROM deliveries WHERE id IN ("
	    "SELECT d.id FROM alerts a INDEXED BY alerts_escalating "
	    "CROSS JOIN deliveries d ON d.alert_id = a.id "
	    "WHERE a.escalate_after_s > 0 AND a.esc_done = 0 AND a.gate = 0 "
	    "AND a.filled_at = 0 AND a.released_at + a.escalate_after_s * 1000 "
	    "<= ?1 AND (a.expires_at = 0 OR a.expires_at > ?1) AND "
	    STEP_STARTED("a") " + a.escalate_after_s * 1000 <= ?1 AND "
	    ESCALATION_WHERE("a") " LIMIT ?2)" },
	/* An answer: the calls not placed yet are not needed. */
	{ ST_ESCALATION_CANCEL,
	    COUNTED_UPDATE "state = 6, error = 'answered before the "
	    "call', updated_at = ?3 WHERE phone = ?2 AND alert_id = ?1 "
	    "AND channel = 2 AND parent_id IS NOT NULL AND state IN (0, 12)" },
	{ ST_TOTALS,
	    "SELECT provider, channel, state, n FROM delivery_totals" },
	{ ST_ALERT_ANSWERS,
	    "SELECT d.id, d.phone, c.name, d.ack, d.channel, d.updated_at "
	    "FROM deliveries d INDEXED BY deliveries_answers "
	    "LEFT JOIN contacts c ON c.phone = d.phone "
	    "WHERE d.alert_id = ?1 AND d.ack <> 0 "
	    "AND (d.updated_at, d.id) > (?2, ?3) "
	    "ORDER BY d.updated_at, d.id LIMIT ?4" },
	{ ST_NSTMTS, NULL }
};

/* ---- deliveries ----------------------------------------------------- */

void
delivery_clear(struct delivery *d)
{
	if (d == NULL)
		return;
	free(d->body);
	free(d->reason);
	free(d->error);
	memset(d, 0, sizeof(*d));
}

/* The delivery at arg from a DELIVERY_COLS row; -1 (cleared) if no memory. */
static int
read_delivery(sqlite3_stmt *st, void *arg)
{
	struct delivery	*d = arg;
	bool		 oom = false;

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->alert_id = sqlite3_column_int64(st, 1);	/* NULL reads as 0 */
	col_copy(st, 2, d->phone, sizeof(d->phone));
	d->channel = sqlite3_column_int(st, 3);
	col_copy(st, 4, d->lang, sizeof(d->lang));
	d->body = col_dup(st, 5, &oom);
	d->state = sqlite3_column_int(st, 6);
	d->reason = col_dup(st, 7, &oom);
	d->priority = sqlite3_column_int(st, 8);
	d->segments = sqlite3_column_int(st, 9);
	d->attempts = sqlite3_column_int(st, 10);
	d->next_at = sqlite3_column_int64(st, 11);
	d->expires_at = sqlite3_column_int64(st, 12);
	col_copy(st, 13, d->provider, sizeof(d->provider));
	col_copy(st, 14, d->provider_ref, sizeof(d->provider_ref));
	d->in_doubt = sqlite3_column_int(st, 15) != 0;
	d->error = col_dup(st, 16, &oom);
	d->ack = sqlite3_column_int(st, 17);
	d->created_at = sqlite3_column_int64(st, 18);
	d->updated_at = sqlite3_column_int64(st, 19);
	col_copy(st, 20, d->kind, sizeof(d->kind));
	d->parent_id = sqlite3_column_int64(st, 21);
	col_copy(st, 22, d->sender, sizeof(d->sender));
	col_copy(st, 23, d->pin, sizeof(d->pin));
	d->inbound_id = sqlite3_column_int64(st, 24);
	d->step = sqlite3_column_int(st, 25);
	if (d->body == NULL && !oom && (d->body = strdup("")) == NULL)
		oom = true;
	if (oom) {
		log_warnx("%s: out of memory", __func__);
		delivery_clear(d);
		return -1;
	}
	return 0;
}

/* A string or NULL, copied or not as how says. */
static int
bind_str(sqlite3_stmt *st, int i, const char *v, sqlite3_destructor_type how)
{
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, how);
}

/* A string, NULL for NULL or "". */
static int
bind_str_none(sqlite3_stmt *st, int i, const char *v,
    sqlite3_destructor_type how)
{
	return bind_str(st, i, v != NULL && v[0] != '\0' ? v : NULL, how);
}

/* A row id, NULL for 0. */
static int
bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	return id != 0 ? sqlite3_bind_int64(st, i, id) :
	    sqlite3_bind_null(st, i);
}

/*
 * Bind d to the INSERT_NCOLS parameters of st after b, its strings as
 * how says (SQLITE_STATIC: they outlive the step; SQLITE_TRANSIENT:
 * copied now). Gives d its times when it has none.
 */
static int
bind_delivery(sqlite3_stmt *st, int b, struct delivery *d,
    sqlite3_destructor_type how)
{
	int	rc;

	if (d->created_at == 0)
		d->created_at = now_ms();
	if (d->updated_at == 0)
		d->updated_at = d->created_at;
	rc = bind_id(st, b + 1, d->alert_id);
	rc |= bind_str(st, b + 2, d->phone, how);
	rc |= sqlite3_bind_int(st, b + 3, d->channel);
	rc |= bind_str(st, b + 4, d->lang, how);
	rc |= bind_str(st, b + 5, d->body != NULL && d->body_id == 0 ?
	    d->body : "", how);
	rc |= sqlite3_bind_int(st, b + 6, d->state);
	rc |= bind_str(st, b + 7, d->reason, how);
	rc |= sqlite3_bind_int(st, b + 8, d->priority);
	rc |= sqlite3_bind_int(st, b + 9, d->segments);
	rc |= sqlite3_bind_int(st, b + 10, d->attempts);
	rc |= sqlite3_bind_int64(st, b + 11, d->next_at);
	rc |= sqlite3_bind_int64(st, b + 12, d->expires_at);
	rc |= bind_str_none(st, b + 13, d->provider, how);
	rc |= bind_str_none(st, b + 14, d->provider_ref, how);
	rc |= sqlite3_bind_int(st, b + 15, d->in_doubt ? 1 : 0);
	rc |= bind_str(st, b + 16, d->error, how);
	rc |= sqlite3_bind_int(st, b + 17, d->ack);
	rc |= sqlite3_bind_int64(st, b + 18, d->created_at);
	rc |= sqlite3_bind_int64(st, b + 19, d->updated_at);
	rc |= bind_str_none(st, b + 20, d->kind, how);
	rc |= bind_id(st, b + 21, d->parent_id);
	rc |= bind_str_none(st, b + 22, d->sender, how);
	rc |= bind_str_none(st, b + 23, d->pin, how);
	rc |= bind_id(st, b + 24, d->inbound_id);
	rc |= sqlite3_bind_int(st, b + 25, d->step);
	rc |= bind_id(st, b + 26, d->body_id);
	return rc;
}

int
store_delivery_insert(struct store *s, struct delivery *d)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERY_INSERT];
	enum txn_kind	 kind;
	int		 rc;

	if (bind_delivery(st, 0, d, SQLITE_STATIC) != SQLITE_OK) {
		DBWARN(s);
		stmt_done(st);
		return -1;
	}
	if (store_tallied(s))
		return insert_tallied(s, d);
	/* Alone: a transaction of its own, whose commit writes the tally. */
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	rc = insert_tallied(s, d);
	if (store_txn_leave(s, kind, rc == 0, __func__) == -1)
		return -1;
	return 0;
}

int
store_delivery_add(struct store *s, struct delivery *d)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERY_INSERT_ROWS];

	if (!store_tallied(s))
		return store_delivery_insert(s, d);
	if (bind_delivery(st, s->unwritten * INSERT_NCOLS, d,
	    SQLITE_TRANSIENT) != SQLITE_OK) {
		DBWARN(s);
		return -1;	/* the caller undoes the transaction */
	}
	d->id = 0;
	if (delivery_tally(s, d, 1) == -1)
		return -1;
	if (++s->unwritten == INSERT_ROWS)
		return store_delivery_write(s);
	return 0;
}

int
store_delivery_write(struct store *s)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERY_INSERT_ROWS];
	int		 n = s->unwritten, rc;

	if (n == 0)
		return 0;
	/* Cleared first: store_step_done would write them again. */
	s->unwritten = 0;
	if (sqlite3_bind_int(st, INSERT_ROWS_LIMIT_I, n) != SQLITE_OK) {
		DBWARN(s);
		stmt_done(st);
		return -1;
	}
	TALLY_BEGIN(s);
	rc = store_step_done(s, ST_DELIVERY_INSERT_ROWS, __func__);
	TALLY_END(s);
	return rc;
}

int
store_body_insert(struct store *s, int64_t alert_id, const char *body,
    int64_t *id)
{
	sqlite3_stmt	*st = s->st[ST_BODY_INSERT];

	*id = 0;
	if (sqlite3_bind_int64(st, 1, alert_id) != SQLITE_OK ||
	    bind_text(st, 2, body) != SQLITE_OK) {
		DBWARN(s);
		stmt_done(st);
		return -1;
	}
	if (store_step_done(s, ST_BODY_INSERT, __func__) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Run the bound insert of d and count it (no trigger counts inserts). */
static int
insert_tallied(struct store *s, struct delivery *d)
{
	int	rc;

	TALLY_BEGIN(s);
	rc = insert_step(s, d);
	TALLY_END(s);
	if (rc == -1)
		return -1;
	return delivery_tally(s, d, 1);
}

/* Run the bound insert of d; sets d->id. */
static int
insert_step(struct store *s, struct delivery *d)
{
	if (store_step_done(s, ST_DELIVERY_INSERT, __func__) == -1)
		return -1;
	d->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Add (sign 1) or take away (-1) the part of row d in the counts. */
static int
delivery_tally(struct store *s, const struct delivery *d, int sign)
{
	struct tally_row	r;

	r.provider = d->provider;
	r.channel = d->channel;
	r.state = d->state;
	r.alert_id = d->alert_id;
	r.priority = d->priority;
	r.segments = d->segments;
	r.ack = d->ack;
	r.in_doubt = d->in_doubt;
	return store_tally_row(s, &r, sign);
}

int
store_delivery_get(struct store *s, int64_t id, struct delivery *d)
{
	memset(d, 0, sizeof(*d));
	sqlite3_bind_int64(s->st[ST_DELIVERY_GET], 1, id);
	return store_row_one(s, ST_DELIVERY_GET, read_delivery, d, __func__);
}

/* Where delivery rows go. */
struct delivery_rows {
	store_delivery_cb	 cb;
	void			*arg;
};

/* Read a delivery row and pass it on. */
static int
delivery_row(sqlite3_stmt *st, void *arg)
{
	struct delivery_rows	*to = arg;
	struct delivery		 d;
	int			 rc;

	if (read_delivery(st, &d) == -1)
		return -1;
	rc = to->cb(&d, to->arg);
	delivery_clear(&d);
	return rc == -1 ? -1 : 0;
}

/* Every delivery row of a bound query to cb; -1 if cb stopped. */
int
store_deliveries_each(struct store *s, enum stmt_id id, store_delivery_cb cb,
    void *arg, const char *func)
{
	struct delivery_rows	to = { cb, arg };

	return store_rows_each(s, id, delivery_row, &to, func);
}

/* A page of a state no index has by alert: the rows read, filtered. */
struct passing {
	store_delivery_cb	 cb;
	void			*arg;
	int			 state;
	int			 want;		/* rows of the state to pass on */
	int			 found;
	int			 read;		/* rows read */
	int64_t			 last;		/* the id of the last read */
	bool			 full;		/* stopped: want rows found */
};

/* Pass the row on if it is in the state asked for; stop when full. */
static int
passing_row(const struct delivery *d, void *arg)
{
	struct passing	*p = arg;

	p->read++;
	p->last = d->id;
	if (d->state != p->state)
		return 0;
	if (p->cb(d, p->arg) == -1)
		return -1;
	if (++p->found < p->want)
		return 0;
	p->full = true;
	return -1;
}

/*
 * A page of a state no index holds by alert (ALERT_STATE_PASSING): at
 * most PASSING_READ of the alert's rows are read, so the loop never
 * waits long; a page short of them says where the next goes on.
 */
static int
list_passing(struct store *s, int64_t alert_id, int state, int64_t after,
    int limit, int64_t *resume, store_delivery_cb cb, void *arg)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERIES_ALL];
	struct passing	 p;
	int		 rc;

	memset(&p, 0, sizeof(p));
	p.cb = cb;
	p.arg = arg;
	p.state = state;
	p.want = limit;
	sqlite3_bind_int64(st, 1, alert_id);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, PASSING_READ);
	rc = store_deliveries_each(s, ST_DELIVERIES_ALL, passing_row, &p,
	    __func__);
	if (p.full)
		return 0;
	if (rc == 0 && resume != NULL && p.read == PASSING_READ)
		*resume = p.last;
	return rc;
}

int
store_deliveries_list(struct store *s, int64_t alert_id, int state,
    int64_t after, int limit, int64_t *resume, store_delivery_cb cb,
    void *arg)
{
	enum stmt_id	 id = state < 0 ? ST_DELIVERIES_ALL :
			    ST_DELIVERIES_STATE;
	sqlite3_stmt	*st = s->st[id];

	if (resume != NULL)
		*resume = 0;
	if (state >= 0 && ALERT_STATE_PASSING(state))
		return list_passing(s, alert_id, state, after, limit, resume,
		    cb, arg);
	sqlite3_bind_int64(st, 1, alert_id);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, limit);
	if (state >= 0)
		sqlite3_bind_int(st, 4, state);
	return store_deliveries_each(s, id, cb, arg, __func__);
}

/* ---- the queue ------------------------------------------------------ */

/* Rows read by a claim before they are updated. */
struct claimed {
	struct store	*s;
	struct delivery	*v;
	size_t		 n, cap;
};

/* Append a due delivery row to the struct claimed at arg. */
static int
claim_row(sqlite3_stmt *st, void *arg)
{
	struct claimed	*c = arg;
	struct delivery	*nv;
	size_t		 cap;

	if (c->n == c->cap) {
		cap = c->cap > 0 ? c->cap * 2 : 64;
		if ((nv = reallocarray(c->v, cap, sizeof(*nv))) == NULL) {
			log_warnx("%s: out of memory", __func__);
			return -1;
		}
		c->v = nv;
		c->cap = cap;
	}
	if (read_delivery(st, &c->v[c->n]) == -1)
		return -1;
	c->n++;
	return 0;
}

/* Claim the n queued rows v, read by ST_CLAIM: they are sending now. */
static int
claim_rows(struct store *s, struct delivery *v, size_t n, int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_CLAIM_ROWS];
	size_t		 i;
	int		 rc;

	sqlite3_bind_int64(st, 1, now);
	for (i = 0; i < n; i++)
		sqlite3_bind_int64(st, (int)i + 2, v[i].id);
	TALLY_BEGIN(s);
	rc = store_step_done(s, ST_CLAIM_ROWS, __func__);
	TALLY_END(s);
	if (rc == -1)
		return -1;
	if ((size_t)sqlite3_changes(s->db) != n) {
		/* Read as queued in this transaction: cannot happen. */
		log_warnx("%s: %d of %zu deliveries were queued", __func__,
		    sqlite3_changes(s->db), n);
		return -1;
	}
	/* Queued, now sending: only the state changed, in the counts. */
	for (i = 0; i < n; i++) {
		if (delivery_tally(s, &v[i], -1) == -1)
			return -1;
		v[i].state = DS_SENDING;
		v[i].attempts++;
		v[i].updated_at = now;
		if (delivery_tally(s, &v[i], 1) == -1)
			return -1;
	}
	return 0;
}

int
store_claim_due(struct store *s, int64_t now, int limit,
    store_delivery_cb cb, void *arg)
{
	struct claimed	 c = { s, NULL, 0, 0 };
	enum txn_kind	 kind;
	size_t		 i;
	bool		 ok = false, stopped = false;

	if (limit <= 0)
		return 0;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_CLAIM], 1, now);
	sqlite3_bind_int(s->st[ST_CLAIM], 2, limit);
	/* All read first: no cursor open on the queue while it changes. */
	if (store_rows_each(s, ST_CLAIM, claim_row, &c, __func__) == -1)
		goto out;	/* the transaction is undone: nothing claimed */
	for (i = 0; i < c.n; i += CLAIM_ROWS)
		if (claim_rows(s, &c.v[i], c.n - i < CLAIM_ROWS ? c.n - i :
		    CLAIM_ROWS, now) == -1)
			goto out;
	ok = true;
	for (i = 0; i < c.n; i++)
		if (!stopped && cb(&c.v[i], arg) == -1)
			stopped = true;
		else if (stopped)
			/* Claimed, but the caller does not have it: back. */
			store_delivery_release(s, c.v[i].id, now, now);
out:
	for (i = 0; i < c.n; i++)
		delivery_clear(&c.v[i]);
	free(c.v);
	if (store_txn_leave(s, kind, ok, __func__) == -1)
		return -1;
	return stopped ? -1 : 0;
}

int
store_next_due(struct store *s, int64_t *next_at)
{
	return store_scalar(s, ST_NEXT_DUE, next_at, __func__);
}

int
store_queue_depth(struct store *s, int prio, int64_t *segments)
{
	*segments = 0;
	if (store_tally_flush(s) == -1)
		return -1;
	sqlite3_bind_int(s->st[ST_QUEUE_DEPTH], 1, prio);
	return store_scalar(s, ST_QUEUE_DEPTH, segments, __func__) == 0 ? 0 :
	    -1;
}

int
store_requeue_sending(struct store *s, int64_t now, int *n)
{
	*n = 0;
	sqlite3_bind_int64(s->st[ST_REQUEUE], 1, now);
	return store_count_update(s, ST_REQUEUE, n, __func__);
}

/* ---- state changes -------------------------------------------------- */

int
store_delivery_sent(struct store *s, int64_t id, int64_t alert_id,
    int channel, const char *provider, const char *ref, int64_t now)
{
	enum stmt_id	 ids[2] = {
		ST_DELIVERY_SENT_CLAIMED, ST_DELIVERY_SENT
	};
	sqlite3_stmt	*st;
	int		 i, rc;

	/* Outside a transaction no tally: the general, counted statement. */
	for (i = store_tallied(s) ? 0 : 1; i < 2; i++) {
		st = s->st[ids[i]];
		sqlite3_bind_int64(st, 1, id);
		bind_text_empty_null(st, 2, provider);
		bind_text_empty_null(st, 3, ref);
		sqlite3_bind_int64(st, 4, now);
		if (ids[i] == ST_DELIVERY_SENT)
			return store_step_done(s, ST_DELIVERY_SENT, __func__);
		if (alert_id != 0)
			sqlite3_bind_int64(st, 5, alert_id);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int(st, 6, channel);
		TALLY_BEGIN(s);
		rc = store_step_done(s, ST_DELIVERY_SENT_CLAIMED, __func__);
		TALLY_END(s);
		if (rc == -1)
			return -1;
		if (sqlite3_changes(s->db) == 1)
			return sent_tally(s, alert_id, channel, provider);
		/* Not as claimed: the general statement, counted by trigger. */
	}
	return -1;
}

/* Count a claimed row of alert_id and channel sent by provider. */
static int
sent_tally(struct store *s, int64_t alert_id, int channel,
    const char *provider)
{
	struct tally_row	 r;

	memset(&r, 0, sizeof(r));
	r.alert_id = alert_id;
	r.channel = channel;
	r.state = DS_SENDING;
	if (store_tally_row(s, &r, -1) == -1)
		return -1;
	r.provider = provider;
	r.state = DS_SENT;
	return store_tally_row(s, &r, 1);
}

int
store_delivery_retry(struct store *s, int64_t id, int64_t next_at,
    const char *error, int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERY_RETRY];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, next_at);
	bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, now);
	return store_step_done(s, ST_DELIVERY_RETRY, __func__);
}

int
store_delivery_release(struct store *s, int64_t id, int64_t next_at,
    int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERY_RELEASE];

	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, next_at) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK) {
		DBWARN(s);
		stmt_done(st);
		return -1;
	}
	return store_step_done(s, ST_DELIVERY_RELEASE, __func__);
}

int
store_delivery_finish(struct store *s, int64_t id, enum dstate state,
    const char *error, int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_DELIVERY_FINISH];

	if (!dstate_is_final(state)) {
		log_warnx("%s: delivery %lld: %s is not a final state",
		    __func__, (long long)id, dstate_name(state));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, state);
	bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, now);
	return store_step_done(s, ST_DELIVERY_FINISH, __func__);
}

/* Run a bound update; STORE_NOTFOUND if it changed no row. */
static int
update_one(struct store *s, enum stmt_id id, const char *func)
{
	if (store_step_done(s, id, func) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 0 : STORE_NOTFOUND;
}

int
store_delivery_progress(struct store *s, int64_t id, enum dstate state,
    const char *error, int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_PROGRESS];

	if ((int)state < 0 || state >= DS_NSTATES) {
		log_warnx("%s: delivery %lld: no such state %d", __func__,
		    (long long)id, (int)state);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, (int)state);
	bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, now);
	return update_one(s, ST_PROGRESS, __func__);
}

int
store_delivery_report(struct store *s, const char *provider, const char *ref,
    enum dstate state, const char *error, int64_t now, int64_t *id)
{
	sqlite3_stmt	*st = s->st[ST_REPORT_FIND];
	int		 rc, cur = 0;

	if (state != DS_SENT && !dstate_is_final(state)) {
		log_warnx("%s: a report cannot set state %s", __func__,
		    dstate_name(state));
		return -1;
	}
	if (ref == NULL || ref[0] == '\0')
		return STORE_NOTFOUND;
	if (store_before_step(s, ST_REPORT_FIND) == -1)
		return -1;
	bind_text(st, 1, provider);
	bind_text(st, 2, ref);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		cur = sqlite3_column_int(st, 1);
	} else if (rc != SQLITE_DONE)
		DBWARN(s);
	stmt_done(st);
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	if (rc != SQLITE_ROW)
		return -1;
	/* Providers retry callbacks: a final state never changes again. */
	if (dstate_is_final(cur))
		return 0;
	st = s->st[ST_PROGRESS];
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_int(st, 2, state);
	bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, now);
	return store_step_done(s, ST_PROGRESS, __func__);
}

int
store_delivery_find_ref(struct store *s, const char *provider,
    const char *ref, int64_t *id)
{
	bind_text(s->st[ST_REPORT_FIND], 1, provider);
	bind_text(s->st[ST_REPORT_FIND], 2, ref);
	return store_scalar(s, ST_REPORT_FIND, id, __func__);
}

int
store_delivery_mark_doubt(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_MARK_DOUBT];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return store_step_done(s, ST_MARK_DOUBT, __func__);
}

int
store_delivery_set_ack(struct store *s, int64_t id, int ack, int64_t now)
{
	sqlite3_stmt	*st = s->st[ST_SET_ACK];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, ack > 0 ? 1 : ack < 0 ? -1 : 0);
	sqlite3_bind_int64(st, 3, now);
	return update_one(s, ST_SET_ACK, __func__);
}

int
store_attempt_log(struct store *s, const struct attempt *a)
{
	sqlite3_stmt	*st = s->st[ST_ATTEMPT_LOG];

	sqlite3_bind_int64(st, 1, a->delivery_id);
	sqlite3_bind_int64(st, 2, a->at);
	bind_text(st, 3, a->provider);
	sqlite3_bind_int(st, 4, a->http_status);
	bind_text(st, 5, a->result != NULL ? a->result : "");
	bind_text(st, 6, a->error);
	sqlite3_bind_int(st, 7, a->duration_ms);
	return store_step_done(s, ST_ATTEMPT_LOG, __func__);
}

/* ---- escalation: unanswered SMS become calls ------------------------ */

int
store_escalation_due(struct store *s, int64_t now, int limit,
    store_delivery_cb cb, void *arg)
{
	sqlite3_stmt	*st = s->st[ST_ESCALATION_DONE];

	/* Alerts with nothing left to escalate leave the scan for good. */
	sqlite3_bind_int64(st, 1, now);
	if (store_step_done(s, ST_ESCALATION_DONE, __func__) == -1)
		return -1;
	sqlite3_bind_int64(s->st[ST_ESCALATION_DUE], 1, now);
	sqlite3_bind_int(s->st[ST_ESCALATION_DUE], 2, limit);
	return store_deliveries_each(s, ST_ESCALATION_DUE, cb, arg, __func__);
}

int
store_escalation_cancel(struct store *s, int64_t alert_id, const char *phone,
    int64_t now, int *n)
{
	sqlite3_stmt	*st = s->st[ST_ESCALATION_CANCEL];

	*n = 0;
	sqlite3_bind_int64(st, 1, alert_id);
	bind_text(st, 2, phone);
	sqlite3_bind_int64(st, 3, now);
	return store_count_update(s, ST_ESCALATION_CANCEL, n, __func__);
}

/* ---- totals for /metrics -------------------------------------------- */

/* Where rows of totals go. */
struct totals {
	store_total_cb	 cb;
	void		*arg;
};

/* Pass a row of (provider, channel, state, count) on. */
static int
total_row(sqlite3_stmt *st, void *arg)
{
	struct totals	*to = arg;

	to->cb(col_text(st, 0), sqlite3_column_int(st, 1),
	    sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3), to->arg);
	return 0;
}

int
store_delivery_totals(struct store *s, store_total_cb cb, void *arg)
{
	struct totals	to = { cb, arg };

	if (store_tally_flush(s) == -1)
		return -1;
	return store_rows_each(s, ST_TOTALS, total_row, &to, __func__);
}

/* Where answer rows go. */
struct answer_rows {
	store_answer_cb	 cb;
	void		*arg;
};

/* One row of ST_ALERT_ANSWERS to the callback. */
static int
answer_row(sqlite3_stmt *st, void *arg)
{
	struct answer_rows	*to = arg;
	struct answer_row	 a;

	a.delivery_id = sqlite3_column_int64(st, 0);
	a.phone = col_text(st, 1);
	a.name = (const char *)sqlite3_column_text(st, 2);
	a.ack = sqlite3_column_int(st, 3);
	a.channel = sqlite3_column_int(st, 4);
	a.at = sqlite3_column_int64(st, 5);
	return to->cb(&a, to->arg) == -1 ? -1 : 0;
}

int
store_alert_answers(struct store *s, int64_t alert_id, int64_t after_at,
    int64_t after_id, int limit, store_answer_cb cb, void *arg)
{
	sqlite3_stmt		*st = s->st[ST_ALERT_ANSWERS];
	struct answer_rows	 to = { cb, arg };

	sqlite3_bind_int64(st, 1, alert_id);
	sqlite3_bind_int64(st, 2, after_at);
	sqlite3_bind_int64(st, 3, after_id);
	sqlite3_bind_int(st, 4, limit);
	return store_rows_each(s, ST_ALERT_ANSWERS, answer_row, &to,
	    __func__);
}
