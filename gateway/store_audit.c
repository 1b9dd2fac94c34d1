/*
 * The audit trail in the store (table audit): one row per change made
 * through the API, the console or varselctl, appended and never changed.
 * This file has an INSERT and a SELECT and nothing else; the triggers of
 * schema 5 refuse UPDATE and DELETE on the table from anyone, so even a
 * bug elsewhere in the store cannot rewrite history. Numbers are kept
 * masked and as the salted hash opt-outs use, never in the clear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

static int	audit_row(sqlite3_stmt *, void *);

/* The statements of this file, prepared by store_open. */
const struct store_sql store_audit_sql[] = {
	{ ST_AUDIT_APPEND,
	    "INSERT INTO audit (at, actor_kind, actor, addr, via, action, "
	    "alert_id, contact, contact_hash, detail) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" },
	{ ST_AUDIT_LIST,
	    "SELECT id, at, actor_kind, actor, addr, via, action, "
	    "coalesce(alert_id, 0), contact, detail FROM audit "
	    "WHERE (?1 = 0 OR id > ?1) AND (?2 = 0 OR id < ?2) "
	    "AND (?3 = 0 OR alert_id = ?3) "
	    "AND (?4 IS NULL OR contact_hash = ?4) "
	    "ORDER BY id DESC LIMIT ?5" },
	{ ST_NSTMTS, NULL }
};

int
store_audit_append(struct store *s, struct audit_entry *e)
{
	sqlite3_stmt	*st = s->st[ST_AUDIT_APPEND];
	char		 masked[32], hash[65];

	sqlite3_bind_int64(st, 1, e->at != 0 ? e->at : now_ms());
	bind_text(st, 2, e->actor_kind);
	bind_text(st, 3, e->actor);
	bind_text_empty_null(st, 4, e->addr);
	bind_text(st, 5, e->via);
	bind_text(st, 6, e->action);
	if (e->alert_id > 0)
		sqlite3_bind_int64(st, 7, e->alert_id);
	else
		sqlite3_bind_null(st, 7);
	if (e->contact != NULL && e->contact[0] != '\0') {
		mask_phone(e->contact, masked, sizeof(masked));
		store_phone_hash(s, e->contact, hash);
		bind_text(st, 8, masked);
		bind_text(st, 9, hash);
	}
	bind_text(st, 10, e->detail);
	if (store_step_done(s, ST_AUDIT_APPEND, __func__) == -1)
		return -1;
	e->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Where audit rows go. */
struct audit_rows {
	store_audit_cb	 cb;
	void		*arg;
};

/* One row of ST_AUDIT_LIST to the callback. */
static int
audit_row(sqlite3_stmt *st, void *arg)
{
	struct audit_rows	*to = arg;
	struct audit_entry	 e;

	memset(&e, 0, sizeof(e));
	e.id = sqlite3_column_int64(st, 0);
	e.at = sqlite3_column_int64(st, 1);
	e.actor_kind = col_text(st, 2);
	e.actor = col_text(st, 3);
	e.addr = (const char *)sqlite3_column_text(st, 4);
	e.via = col_text(st, 5);
	e.action = col_text(st, 6);
	e.alert_id = sqlite3_column_int64(st, 7);
	e.contact = (const char *)sqlite3_column_text(st, 8);
	e.detail = (const char *)sqlite3_column_text(st, 9);
	return to->cb(&e, to->arg) == -1 ? -1 : 0;
}

int
store_audit_list(struct store *s, const struct audit_query *q,
    store_audit_cb cb, void *arg)
{
	sqlite3_stmt		*st = s->st[ST_AUDIT_LIST];
	struct audit_rows	 to = { cb, arg };
	char			 hash[65];

	sqlite3_bind_int64(st, 1, q->after);
	sqlite3_bind_int64(st, 2, q->before);
	sqlite3_bind_int64(st, 3, q->alert_id);
	if (q->contact != NULL) {
		store_phone_hash(s, q->contact, hash);
		bind_text(st, 4, hash);
	} else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int(st, 5, q->limit);
	return store_rows_each(s, ST_AUDIT_LIST, audit_row, &to, __func__);
}
