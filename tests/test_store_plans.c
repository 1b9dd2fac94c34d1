/*
 * Tests of the store's query plans: no statement reads a whole table
 * where an index should answer it. A million deliveries make a scan on
 * the event loop a stall of seconds, and the planner's choice changes
 * quietly with an index or a WHERE term: SQLite uses a partial index
 * only when the statement repeats the index's own condition. Each
 * statement of store*.c is asked EXPLAIN QUERY PLAN on a fresh schema;
 * a full scan (of a table, or of a whole index) fails the test unless
 * the statement is one of the few that read everything by design.
 * VARSEL_PLANS=1 prints every plan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_priv.h"
#include "util.h"
#include "tests/store_test.h"

/* Statements that read a whole table or index on purpose, and why. */
static const struct {
	enum stmt_id	 id;
	const char	*why;
} scans_allowed[] = {
	{ ST_PING, "counts the one row of meta" },
	{ ST_TOTALS, "every (provider, channel, state) count: a few rows" },
	{ ST_QUEUE_DEPTH, "queue_totals: one row per priority" },
	{ ST_INBOUND_TOTALS, "one row per keyword" },
	{ ST_GROUPS_LIST, "every group, a few dozen" },
	{ ST_OPTOUTS_ALL, "read once into memory (store_optout_has)" },
	{ ST_CONTACTS_SEARCH, "LIKE '%...%' has no index; by phone, paged" },
	{ ST_ALERTS_LIST, "the newest, backwards by rowid with a LIMIT" },
	{ ST_AUDIT_LIST, "the newest, backwards by rowid with a LIMIT" },
	{ ST_INBOX_LIST, "a partial index of unknown texts, with a LIMIT" },
	{ ST_ALERTS_WATCHED, "a partial index: alerts still watched" },
	{ ST_ESCALATION_DONE, "a partial index: alerts still escalating" },
	{ ST_ESCALATION_DUE, "a partial index: alerts still escalating" },
	{ ST_CLAIM, "the due queue in order, a partial index, a LIMIT" },
	{ ST_REQUEUE, "once, at start: what a crash left sending" },
	{ ST_INBOUND_ERASE, "a contact erased: rare, its SMS anywhere" },
	{ ST_DELIVERIES_ERASE, "a contact erased: rare; every alert, a seek "
	    "in each" },
	{ ST_PURGE_ATTEMPTS, "the nightly purge" },
	{ ST_PURGE_ALERTS, "the nightly purge" },
	{ ST_PURGE_INBOUND, "the nightly purge" },
	{ ST_PURGE_CALLBACKS, "the nightly purge, a partial index" },
};

/* Is step a full read of a table or index (not a constant row)? */
static bool
is_scan(const char *step)
{
	if (strncmp(step, "SCAN ", 5) != 0)
		return false;
	/* A subquery's or a CTE's own rows, or a constant: not a table. */
	return strncmp(step, "SCAN CONSTANT ROW", 17) != 0 &&
	    strstr(step, " CONSTANT ROWS") == NULL &&	/* VALUES (..), (..) */
	    strncmp(step, "SCAN (subquery", 14) != 0 &&
	    strstr(step, "VIRTUAL TABLE") == NULL;
}

/* The EXPLAIN QUERY PLAN of sql as one text, steps joined by "; ". */
static void
plan_of(sqlite3 *db, const char *sql, char *out, size_t outlen,
    bool *scans)
{
	sqlite3_stmt	*st;
	char		*q;
	const char	*step;
	size_t		 n;

	out[0] = '\0';
	*scans = false;
	assert_non_null(q = str_printf("EXPLAIN QUERY PLAN %s", sql));
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sqlite3_errmsg(db), sql);
	free(q);
	while (sqlite3_step(st) == SQLITE_ROW) {
		step = (const char *)sqlite3_column_text(st, 3);
		if (step == NULL)
			continue;
		if (is_scan(step))
			*scans = true;
		n = strlen(out);
		snprintf(out + n, outlen - n, "%s%s", n > 0 ? "; " : "",
		    step);
	}
	sqlite3_finalize(st);
}

/* Every statement of the store seeks, but for those allowed to scan. */
static void
test_no_scans(void **state)
{
	struct st_ctx		*t = *state;
	const struct store_sql	*const tables[] = {
		store_contacts_sql, store_alerts_sql, store_deliveries_sql,
		store_inbound_sql, store_events_sql, store_purge_sql,
		store_counts_sql, store_audit_sql,
	};
	const struct store_sql	*q;
	const char		*verbose = getenv("VARSEL_PLANS");
	char			 plan[4096];
	size_t			 i, k, seen = 0, bad = 0;
	bool			 scans, allowed;

	for (i = 0; i < nitems(tables); i++)
		for (q = tables[i]; q->sql != NULL; q++) {
			plan_of(t->s->db, q->sql, plan, sizeof(plan), &scans);
			seen++;
			allowed = false;
			for (k = 0; k < nitems(scans_allowed); k++)
				if (scans_allowed[k].id == q->id)
					allowed = true;
			if (verbose != NULL && *verbose != '\0')
				printf("%d%s: %s\n    %s\n", (int)q->id,
				    scans ? (allowed ? " (scan allowed)" :
				    " SCAN") : "", q->sql, plan);
			if (scans && !allowed) {
				printf("statement %d scans: %s\n    plan: %s\n",
				    (int)q->id, q->sql, plan);
				bad++;
			}
		}
	assert_true(seen > 100);
	assert_int_equal(bad, 0);
}

/* The index a statement must seek, where a wrong choice is slow. */
static const struct {
	enum stmt_id	 id;
	const char	*index;
} seeks[] = {
	{ ST_DELIVERIES_ALL, "deliveries_alert (alert_id=? AND id>?)" },
	{ ST_DELIVERIES_STATE, "deliveries_alert_state (alert_id=? AND "
	    "state=?" },
	{ ST_ALERT_CANCEL, "deliveries_alert_state (alert_id=? AND state=?)" },
	{ ST_ALERT_FILL_CANCEL, "deliveries_alert_state (alert_id=? AND "
	    "state=?)" },
	{ ST_HOLD_DELIVERIES, "deliveries_alert_state (alert_id=? AND "
	    "state=?)" },
	{ ST_RELEASE_DELIVERIES, "deliveries_alert_state (alert_id=? AND "
	    "state=?)" },
	{ ST_EXPIRE_ALERTS, "deliveries_alert_state (alert_id=? AND "
	    "state=?)" },
	{ ST_EXPIRE_SINGLE, "deliveries_expiry (expires_at>? AND "
	    "expires_at<?)" },
	{ ST_NEXT_DUE, "deliveries_next" },
	{ ST_REPORT_FIND, "deliveries_ref (provider=? AND provider_ref=?)" },
	{ ST_ALERT_HAS_PHONE, "deliveries_alert_phone (alert_id=? AND "
	    "phone=?)" },
	/* An answer: the call-outs still open, then a seek in each. */
	{ ST_ACK_TARGET, "alerts_asking (<expr>>?)" },
	{ ST_ACK_TARGET, "deliveries_alert_phone (alert_id=? AND phone=?)" },
	{ ST_DELIVERIES_ERASE, "deliveries_alert_phone (alert_id=? AND "
	    "phone=?)" },
	{ ST_ALERT_COUNTS, "alert_totals" },
};

/* The statement's SQL text, from the store's tables. */
static const char *
sql_of(enum stmt_id id)
{
	const struct store_sql	*const tables[] = {
		store_alerts_sql, store_deliveries_sql, store_inbound_sql,
		store_contacts_sql,
	};
	const struct store_sql	*q;
	size_t			 i;

	for (i = 0; i < nitems(tables); i++)
		for (q = tables[i]; q->sql != NULL; q++)
			if (q->id == id)
				return q->sql;
	fail_msg("statement %d not found", (int)id);
	return NULL;
}

/* The statements whose speed depends on one index use that index. */
static void
test_seeks(void **state)
{
	struct st_ctx	*t = *state;
	char		 plan[4096];
	size_t		 i;
	bool		 scans;

	for (i = 0; i < nitems(seeks); i++) {
		plan_of(t->s->db, sql_of(seeks[i].id), plan, sizeof(plan),
		    &scans);
		if (strstr(plan, seeks[i].index) == NULL)
			fail_msg("statement %d does not use %s: %s",
			    (int)seeks[i].id, seeks[i].index, plan);
	}
}

/*
 * The statements run once or more for every message build no temporary
 * b-tree: an IN list of more than two values, in the statement or in
 * the condition of a partial index it writes, costs one at every run.
 * (ST_CLAIM_ROWS builds one for its list of ids, once for up to 32
 * rows: cheaper than a statement a row, see store_deliveries.c;
 * ST_ACK_TARGET sorts the few call-outs still open, once an answer.)
 */
static void
test_hot_no_temp_tables(void **state)
{
	struct st_ctx		*t = *state;
	const enum stmt_id	 hot[] = {
		ST_DELIVERY_INSERT, ST_DELIVERY_SENT,
		ST_DELIVERY_SENT_CLAIMED, ST_DELIVERY_RETRY,
		ST_DELIVERY_FINISH, ST_PROGRESS,
		ST_MARK_DOUBT, ST_SET_ACK, ST_REPORT_FIND, ST_ATTEMPT_LOG,
	};
	const struct store_sql	*const tables[] = {
		store_deliveries_sql, store_inbound_sql,
	};
	const struct store_sql	*q;
	sqlite3_stmt		*st;
	char			*sql;
	const char		*op;
	size_t			 i, k, found = 0;
	bool			 temp;

	for (i = 0; i < nitems(tables); i++)
		for (q = tables[i]; q->sql != NULL; q++) {
			for (k = 0; k < nitems(hot); k++)
				if (hot[k] == q->id)
					break;
			if (k == nitems(hot))
				continue;
			found++;
			assert_non_null(sql = str_printf("EXPLAIN %s", q->sql));
			assert_int_equal(sqlite3_prepare_v2(t->s->db, sql, -1,
			    &st, NULL), SQLITE_OK);
			free(sql);
			temp = false;
			while (sqlite3_step(st) == SQLITE_ROW) {
				op = (const char *)sqlite3_column_text(st, 1);
				temp |= op != NULL && strcmp(op,
				    "OpenEphemeral") == 0;
			}
			sqlite3_finalize(st);
			if (temp)
				fail_msg("statement %d builds a temporary "
				    "b-tree: %s", (int)q->id, q->sql);
		}
	assert_int_equal(found, nitems(hot));
}

/*
 * ALERT_STATE_PASSING (C) and ALERT_STATE_INDEXED (SQL, the partial
 * index's condition) name the same states from two sides.
 */
static void
test_passing_states(void **state)
{
	struct st_ctx	*t = *state;
	sqlite3_stmt	*st;
	int		 s;

	assert_int_equal(sqlite3_prepare_v2(t->s->db, "SELECT "
	    ALERT_STATE_INDEXED " FROM (SELECT ?1 AS state)", -1, &st, NULL),
	    SQLITE_OK);
	for (s = 0; s < DS_NSTATES; s++) {
		sqlite3_bind_int(st, 1, s);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if ((sqlite3_column_int(st, 0) == 0) != ALERT_STATE_PASSING(s))
			fail_msg("state %d: indexed and passing disagree", s);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FILE_ONLY(test_no_scans),
		FILE_ONLY(test_seeks),
		FILE_ONLY(test_hot_no_temp_tables),
		FILE_ONLY(test_passing_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
