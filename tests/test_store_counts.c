/*
 * Tests of store_counts.c: the counts kept by tally on the hot paths (a
 * fan-out's inserts, a claim, an SMS accepted) agree with the rows after
 * every commit, whatever mixes of tallied and triggered changes came
 * before; a rollback or a savepoint undone takes its part of the counts
 * with it; a read of the counts inside a transaction sees the tally;
 * every statement that changes a counted column is counted one way or
 * the other (schema 8 fires the triggers only when asked).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "store.h"
#include "store_priv.h"
#include "util.h"
#include "tests/store_test.h"

/* The counts and the rows agree (on the file, as committed). */
static void
assert_counts_agree(const struct st_ctx *t)
{
	assert_int_equal(st_sql_int(t->path, COUNTS_DIFFER), 0);
}

/* The queued segments of priorities up to 9. */
static int64_t
queued(struct store *s)
{
	int64_t	n;

	assert_int_equal(store_queue_depth(s, 9, &n), 0);
	return n;
}

/* A fan-out, a claim and sends in transactions; answers outside. */
static void
test_counts_hot_paths(void **state)
{
	struct st_ctx		*t = *state;
	struct st_claims	 cl;
	struct alert_counts	 ac;
	int64_t			 a, b, d[4], lone, rid;
	int			 i;

	a = st_add_alert(t->s, "a", 0);
	b = st_add_alert(t->s, "b", 0);
	assert_int_equal(store_begin(t->s, false), 0);
	d[0] = st_add_delivery(t->s, a, "+46701000001", 1, NOW, DS_QUEUED);
	d[1] = st_add_delivery(t->s, a, "+46701000002", 2, NOW, DS_QUEUED);
	d[2] = st_add_delivery(t->s, a, "+46701000003", 2, NOW, DS_QUEUED);
	d[3] = st_add_delivery(t->s, b, "+46701000004", 1, NOW, DS_SENT);
	/* Read inside the transaction: the tally is in the counts. */
	assert_int_equal(store_alert_counts(t->s, a, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 3);
	assert_int_equal(queued(t->s), 3);
	assert_int_equal(store_commit(t->s), 0);
	assert_counts_agree(t);

	/* Outside a transaction the triggers count (autocommit). */
	lone = st_add_delivery(t->s, b, "+46701000005", 3, NOW, DS_QUEUED);
	assert_counts_agree(t);

	/* A claim and sends, one tallied, one a retry's general path. */
	assert_int_equal(store_begin(t->s, false), 0);
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_claim_due(t->s, NOW, 2, st_claim_cb, &cl), 0);
	assert_int_equal(cl.n, 2);
	assert_int_equal(cl.ids[0], d[0]);
	assert_int_equal(store_delivery_sent(t->s, d[0], a, CH_SMS, "elks",
	    "r0", NOW), 0);
	assert_int_equal(store_delivery_retry(t->s, cl.ids[1], NOW, "busy",
	    NOW), 0);
	assert_int_equal(queued(t->s), 3);
	assert_int_equal(store_commit(t->s), 0);
	assert_counts_agree(t);

	/* Sent again after a provider had it: the general statement. */
	assert_int_equal(store_begin(t->s, false), 0);
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_claim_due(t->s, NOW, 10, st_claim_cb, &cl), 0);
	assert_int_equal(cl.n, 3);
	for (i = 0; i < cl.n; i++)
		assert_int_equal(store_delivery_sent(t->s, cl.ids[i],
		    cl.ids[i] == lone ? b : a, CH_SMS, "twilio", "r", NOW), 0);
	/* Sent twice: the second is no change, and counts none. */
	assert_int_equal(store_delivery_sent(t->s, d[0], a, CH_SMS, "elks",
	    "r0", NOW), 0);
	assert_int_equal(store_delivery_report(t->s, "elks", "r0",
	    DS_DELIVERED, NULL, NOW, &rid), 0);
	assert_int_equal(store_commit(t->s), 0);
	assert_counts_agree(t);
	assert_int_equal(queued(t->s), 0);
	assert_int_equal(st_state_of(t->s, lone), DS_SENT);

	/* Answers and doubt, kept by their trigger. */
	assert_int_equal(store_delivery_set_ack(t->s, d[1], 1, NOW), 0);
	assert_int_equal(store_delivery_set_ack(t->s, d[2], -1, NOW), 0);
	assert_int_equal(store_delivery_mark_doubt(t->s, d[3], NOW), 0);
	assert_counts_agree(t);
	assert_int_equal(store_alert_counts(t->s, a, &ac), 0);
	assert_int_equal(ac.acks_yes, 1);
	assert_int_equal(ac.acks_no, 1);
	assert_int_equal(ac.state[DS_SENT], 2);
	assert_int_equal(ac.state[DS_DELIVERED], 1);
	assert_int_equal(ac.state[DS_SENDING], 0);

	/* Reopened, the counts are what was written. */
	st_reopen(t);
	assert_int_equal(store_alert_counts(t->s, b, &ac), 0);
	assert_int_equal(ac.state[DS_SENT], 2);
	assert_int_equal(ac.in_doubt, 1);
	assert_counts_agree(t);
}

/* A rollback takes the tally with the rows; a savepoint undone, its own. */
static void
test_counts_undone(void **state)
{
	struct st_ctx		*t = *state;
	struct alert_counts	 ac;
	struct st_claims	 cl;
	int64_t			 a, kept, gone;

	a = st_add_alert(t->s, "a", 0);
	assert_int_equal(store_begin(t->s, false), 0);
	st_add_delivery(t->s, a, "+46701000001", 1, NOW, DS_QUEUED);
	st_add_delivery(t->s, a, "+46701000002", 1, NOW, DS_QUEUED);
	store_rollback(t->s);
	assert_int_equal(store_alert_counts(t->s, a, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 0);
	assert_int_equal(queued(t->s), 0);
	assert_counts_agree(t);

	/* Tallied before a savepoint survives the savepoint's undoing. */
	assert_int_equal(store_begin(t->s, false), 0);
	kept = st_add_delivery(t->s, a, "+46701000003", 1, NOW, DS_QUEUED);
	assert_int_equal(store_savepoint(t->s), 0);
	gone = st_add_delivery(t->s, a, "+46701000004", 1, NOW, DS_QUEUED);
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_claim_due(t->s, NOW, 10, st_claim_cb, &cl), 0);
	assert_int_equal(cl.n, 2);
	assert_int_equal(store_savepoint_end(t->s, false), 0);
	assert_int_equal(store_commit(t->s), 0);
	assert_int_equal(st_state_of(t->s, kept), DS_QUEUED);
	assert_int_equal(store_delivery_get(t->s, gone, &(struct delivery){0}),
	    STORE_NOTFOUND);
	assert_int_equal(store_alert_counts(t->s, a, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 1);
	assert_int_equal(ac.state[DS_SENDING], 0);
	assert_int_equal(queued(t->s), 1);
	assert_counts_agree(t);

	/* A savepoint kept: its tally is the transaction's. */
	assert_int_equal(store_begin(t->s, false), 0);
	assert_int_equal(store_savepoint(t->s), 0);
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_claim_due(t->s, NOW, 10, st_claim_cb, &cl), 0);
	assert_int_equal(cl.n, 1);
	assert_int_equal(store_savepoint_end(t->s, true), 0);
	/* The caller wrong about the row: counted by the triggers. */
	assert_int_equal(store_delivery_sent(t->s, kept, a + 1, CH_VOICE,
	    "elks", "r", NOW), 0);
	assert_int_equal(store_commit(t->s), 0);
	assert_int_equal(queued(t->s), 0);
	assert_counts_agree(t);

	/*
	 * A read of the counts inside a savepoint writes the tally out
	 * there; undone, the savepoint takes that with it and the tally
	 * is as the savepoint found it. Nested: the inner one undone, the
	 * outer kept.
	 */
	assert_int_equal(store_begin(t->s, false), 0);
	st_add_delivery(t->s, a, "+46701000005", 1, NOW, DS_QUEUED);
	assert_int_equal(store_savepoint(t->s), 0);
	st_add_delivery(t->s, a, "+46701000006", 1, NOW, DS_QUEUED);
	assert_int_equal(queued(t->s), 2);
	assert_int_equal(store_savepoint(t->s), 0);
	st_add_delivery(t->s, a, "+46701000007", 1, NOW, DS_QUEUED);
	assert_int_equal(store_savepoint_end(t->s, false), 0);
	assert_int_equal(store_savepoint_end(t->s, true), 0);
	assert_int_equal(queued(t->s), 2);
	assert_int_equal(store_savepoint(t->s), 0);
	st_add_delivery(t->s, a, "+46701000008", 1, NOW, DS_QUEUED);
	assert_int_equal(queued(t->s), 3);
	assert_int_equal(store_savepoint_end(t->s, false), 0);
	assert_int_equal(store_commit(t->s), 0);
	assert_int_equal(queued(t->s), 2);
	assert_int_equal(store_alert_counts(t->s, a, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 2);
	assert_counts_agree(t);
}

/* A claim in its own transaction (none open) commits its tally. */
static void
test_counts_claim_alone(void **state)
{
	struct st_ctx		*t = *state;
	struct st_claims	 cl;
	struct alert_counts	 ac;
	int64_t			 a;
	int			 i;

	a = st_add_alert(t->s, "a", 0);
	for (i = 0; i < 20; i++)
		st_add_delivery(t->s, a, "+46701000001", i % 3, NOW, DS_QUEUED);
	memset(&cl, 0, sizeof(cl));
	cl.stop_after = 5;
	/* The callback stops: the rest go back, not an attempt. */
	assert_int_equal(store_claim_due(t->s, NOW, 8, st_claim_cb, &cl), -1);
	assert_int_equal(cl.n, 5);
	assert_int_equal(store_alert_counts(t->s, a, &ac), 0);
	assert_int_equal(ac.state[DS_SENDING], 5);
	assert_int_equal(ac.state[DS_QUEUED], 15);
	assert_int_equal(queued(t->s), 15);
	assert_counts_agree(t);
}

/* The people alert a reached, as its counts say. */
static int64_t
reached(struct store *s, int64_t a)
{
	struct alert_counts	ac;

	assert_int_equal(store_alert_counts(s, a, &ac), 0);
	return ac.reached;
}

/*
 * The people reached (schema 11): a person with a delivered SMS and an
 * answered call is one, not two; an answer without a report reaches;
 * a failure does not; an update undone takes its count with it.
 */
static void
test_counts_reached(void **state)
{
	struct st_ctx		*t = *state;
	struct alert_counts	 ac;
	int64_t			 a, b, sms[4], other, call;

	a = st_add_alert(t->s, "a", 0);
	b = st_add_alert(t->s, "b", 0);
	sms[0] = st_add_delivery(t->s, a, "+46701000001", 1, NOW, DS_SENT);
	sms[1] = st_add_delivery(t->s, a, "+46701000002", 1, NOW, DS_SENT);
	sms[2] = st_add_delivery(t->s, a, "+46701000003", 1, NOW, DS_SENT);
	sms[3] = st_add_delivery(t->s, a, "+46701000004", 1, NOW, DS_SENT);
	/* The same number in another alert is another count. */
	other = st_add_delivery(t->s, b, "+46701000001", 1, NOW, DS_SENT);
	assert_int_equal(reached(t->s, a), 0);

	/* Delivered, then silent: the escalation's call is answered. */
	assert_int_equal(store_delivery_finish(t->s, sms[0], DS_DELIVERED,
	    NULL, NOW), 0);
	call = st_add_delivery_v2(t->s, a, "+46701000001", CH_VOICE, DS_SENT,
	    0, NULL, sms[0], NOW);
	assert_int_equal(store_delivery_progress(t->s, call, DS_RINGING,
	    NULL, NOW), 0);
	assert_int_equal(store_delivery_progress(t->s, call, DS_ANSWERED,
	    NULL, NOW), 0);
	assert_int_equal(store_delivery_set_ack(t->s, call, 1, NOW), 0);
	assert_int_equal(store_alert_counts(t->s, a, &ac), 0);
	assert_int_equal(ac.state[DS_DELIVERED] + ac.state[DS_ANSWERED], 2);
	assert_int_equal(ac.reached, 1);

	/* An answer with no report yet; then the report: still one. */
	assert_int_equal(store_delivery_set_ack(t->s, sms[1], 1, NOW), 0);
	assert_int_equal(reached(t->s, a), 2);
	assert_int_equal(store_delivery_finish(t->s, sms[1], DS_DELIVERED,
	    NULL, NOW), 0);
	assert_int_equal(reached(t->s, a), 2);

	/* Failed: not reached. Delivered inside a rollback: not either. */
	assert_int_equal(store_delivery_finish(t->s, sms[2], DS_FAILED,
	    "unknown number", NOW), 0);
	assert_int_equal(store_begin(t->s, false), 0);
	assert_int_equal(store_delivery_finish(t->s, sms[3], DS_DELIVERED,
	    NULL, NOW), 0);
	assert_int_equal(reached(t->s, a), 3);
	store_rollback(t->s);
	assert_int_equal(reached(t->s, a), 2);
	assert_int_equal(reached(t->s, b), 0);
	assert_int_equal(store_delivery_finish(t->s, other, DS_DELIVERED,
	    NULL, NOW), 0);
	assert_int_equal(reached(t->s, b), 1);
	assert_int_equal(reached(t->s, a), 2);
	assert_counts_agree(t);

	/* Kept on the file: reopened, the same. */
	st_reopen(t);
	assert_int_equal(reached(t->s, a), 2);
	assert_counts_agree(t);
}

/* Insert an inbound SMS of keyword with the provider's id. */
static int
add_inbound(struct store *s, const char *id, const char *keyword)
{
	struct inbound_row	in;

	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.provider_id = id;
	in.from = "+46701000009";
	in.to = "+46766861004";
	in.text = "TRYGG 15531";
	in.keyword = keyword;
	in.received_at = NOW;
	return store_inbound_insert(s, &in);
}

/*
 * Inbound SMS are counted by keyword by tally (schema 12): alone, in a
 * transaction, in a savepoint undone; a provider's retry is not
 * counted again.
 */
static void
test_counts_inbound(void **state)
{
	struct st_ctx	*t = *state;

	assert_int_equal(add_inbound(t->s, "m1", "TRYGG"), 0);
	assert_int_equal(add_inbound(t->s, "m1", "TRYGG"), STORE_DUPLICATE);
	assert_int_equal(add_inbound(t->s, "m2", NULL), 0);
	assert_counts_agree(t);
	assert_int_equal(st_sql_int(t->path, "SELECT n FROM inbound_totals "
	    "WHERE keyword = 'TRYGG'"), 1);

	assert_int_equal(store_begin(t->s, false), 0);
	assert_int_equal(add_inbound(t->s, "m3", "TRYGG"), 0);
	assert_int_equal(store_savepoint(t->s), 0);
	assert_int_equal(add_inbound(t->s, "m4", "STOPP"), 0);
	assert_int_equal(store_savepoint_end(t->s, false), 0);
	assert_int_equal(store_savepoint(t->s), 0);
	assert_int_equal(add_inbound(t->s, "m5", "JA"), 0);
	assert_int_equal(store_savepoint_end(t->s, true), 0);
	assert_int_equal(store_commit(t->s), 0);
	assert_counts_agree(t);
	assert_int_equal(st_sql_int(t->path, "SELECT n FROM inbound_totals "
	    "WHERE keyword = 'TRYGG'"), 2);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM "
	    "inbound_totals WHERE keyword = 'STOPP' AND n <> 0"), 0);

	/* A transaction rolled back counts none of its SMS. */
	assert_int_equal(store_begin(t->s, false), 0);
	assert_int_equal(add_inbound(t->s, "m6", "NEJ"), 0);
	store_rollback(t->s);
	assert_counts_agree(t);
}

/* Does the SET list of an UPDATE (from set to where) assign column? */
static bool
sets_column(const char *set, const char *where, const char *column)
{
	const char	*p;
	size_t		 n = strlen(column);

	for (p = set; (p = strstr(p, column)) != NULL && p < where; p += n)
		if ((p[-1] == ' ' || p[-1] == ',') && strncmp(p + n, " = ",
		    3) == 0)
			return true;
	return false;
}

/*
 * Every statement of the store that writes deliveries keeps the counts:
 * the two inserts and the two hot updates tally (store_counts.c), every
 * other update that changes a counted column sets count_by_trigger, so
 * the triggers of schema 8 count its rows. A statement added without
 * either fails here, before its counts can drift.
 */
static void
test_counted_statements(void **state)
{
	const struct store_sql	*const tables[] = {
		store_contacts_sql, store_alerts_sql, store_deliveries_sql,
		store_inbound_sql, store_events_sql, store_purge_sql,
		store_counts_sql, store_audit_sql,
	};
	const char		*counted[] = {
		"state", "provider", "channel", "alert_id", "ack",
		"in_doubt", "segments", "priority",
	};
	const struct store_sql	*q;
	const char		*set, *where;
	size_t			 i, c, updates = 0;
	bool			 changes;

	(void)state;
	for (i = 0; i < nitems(tables); i++)
		for (q = tables[i]; q->sql != NULL; q++) {
			assert_null(strstr(q->sql, "DELETE FROM deliveries"));
			if (strstr(q->sql, "INSERT INTO deliveries") != NULL)
				assert_true(q->id == ST_DELIVERY_INSERT ||
				    q->id == ST_DELIVERY_INSERT_ROWS);
			/* UPDATE deliveries [INDEXED BY x] SET ... */
			if ((set = strstr(q->sql, "UPDATE deliveries ")) ==
			    NULL || (set = strstr(set, " SET ")) == NULL)
				continue;
			set += strlen(" SET");
			if ((where = strstr(set, " WHERE ")) == NULL)
				where = set + strlen(set);
			changes = false;
			for (c = 0; c < nitems(counted); c++)
				changes |= sets_column(set, where, counted[c]);
			if (!changes)
				continue;	/* a number or a text erased */
			updates++;
			if (q->id == ST_CLAIM_ROWS ||
			    q->id == ST_DELIVERY_SENT_CLAIMED)
				assert_false(sets_column(set, where,
				    "count_by_trigger"));
			else if (!sets_column(set, where, "count_by_trigger"))
				fail_msg("statement %d changes a counted "
				    "column uncounted: %s", (int)q->id, q->sql);
		}
	/* The check saw the statements it is about. */
	assert_true(updates >= 15);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FILE_ONLY(test_counts_hot_paths),
		FILE_ONLY(test_counts_undone),
		FILE_ONLY(test_counts_claim_alone),
		FILE_ONLY(test_counts_reached),
		FILE_ONLY(test_counts_inbound),
		cmocka_unit_test(test_counted_statements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
