/*
 * Tests of store_rows.c, how the store reads rows (store_rows_each,
 * store_row_one, store_scalar), through the lists and lookups that
 * use them: a callback that stops ends the list with -1 and the next
 * call starts afresh; a step that fails midway (sqlite3_step is wrapped
 * here, -Wl,--wrap=sqlite3_step, to fail as a disk would) gives -1, not
 * a short list or "not found", hands nothing half-read on, undoes what a
 * claim began, and leaves the statement ready for the next call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"
#include "tests/store_test.h"

/* Rows the next SELECT may return before its next step fails; -1: off. */
static int	fail_after = -1;

int	__real_sqlite3_step(sqlite3_stmt *);
int	__wrap_sqlite3_step(sqlite3_stmt *);

/*
 * sqlite3_step; a statement that reads rows fails with SQLITE_IOERR once
 * fail_after rows are used.
 */
int
__wrap_sqlite3_step(sqlite3_stmt *st)
{
	int	rc;

	/* Statements that read rows: SELECTs and claims (RETURNING). */
	if (fail_after < 0 || (strncmp(sqlite3_sql(st), "SELECT", 6) != 0 &&
	    strstr(sqlite3_sql(st), "RETURNING") == NULL))
		return __real_sqlite3_step(st);
	if (fail_after == 0) {
		fail_after = -1;
		return SQLITE_IOERR;
	}
	if ((rc = __real_sqlite3_step(st)) == SQLITE_ROW)
		fail_after--;
	return rc;
}

/* Make the next SELECT fail after rows rows. */
static void
fail_select_after(int rows)
{
	fail_after = rows;
}

/* The armed failure happened (else the test proves nothing). */
static void
assert_failed(void)
{
	assert_int_equal(fail_after, -1);
}

/* Count what a list passes on; stop (-1) at stop_after if not 0. */
struct seen {
	int	n;
	int	stop_after;
};

/* Count a delivery. */
static int
delivery_seen(const struct delivery *d, void *arg)
{
	struct seen	*v = arg;

	(void)d;
	return ++v->n == v->stop_after ? -1 : 0;
}

/* Count an alert. */
static int
alert_seen(const struct alert_row *a, void *arg)
{
	struct seen	*v = arg;

	(void)a;
	return ++v->n == v->stop_after ? -1 : 0;
}

/* Count a recipient. */
static int
recipient_seen(const struct recipient *r, void *arg)
{
	struct seen	*v = arg;

	(void)r;
	return ++v->n == v->stop_after ? -1 : 0;
}

/* Count a recipient in the box. */
static int
geo_seen(const struct recipient *r, double lat, double lon, void *arg)
{
	struct seen	*v = arg;

	(void)r;
	(void)lat;
	(void)lon;
	return ++v->n == v->stop_after ? -1 : 0;
}

/* Count a contact. */
static int
contact_seen(const struct contact *c, void *arg)
{
	struct seen	*v = arg;

	(void)c;
	return ++v->n == v->stop_after ? -1 : 0;
}

/* Count a callback. */
static int
callback_seen(const struct callback_row *c, void *arg)
{
	struct seen	*v = arg;

	(void)c;
	return ++v->n == v->stop_after ? -1 : 0;
}

/* Count a (name, count) row. */
static void
name_seen(const char *name, int64_t n, void *arg)
{
	(void)name;
	(void)n;
	((struct seen *)arg)->n++;
}

/* Five queued deliveries of one alert, five contacts in group "g". */
static int64_t
add_five(struct store *s)
{
	char		*groups[] = { "g" };
	struct contact	 c;
	char		 phone[16];
	int64_t		 aid = st_add_alert(s, "five", 0);
	int		 i;

	for (i = 0; i < 5; i++) {
		snprintf(phone, sizeof(phone), "+4670000000%d", i);
		st_add_delivery(s, aid, phone, 0, NOW, DS_QUEUED);
		memset(&c, 0, sizeof(c));
		strlcpy(c.phone, phone, sizeof(c.phone));
		c.channels = CH_SMS;
		c.has_pos = true;
		c.lat = 59.18;
		c.lon = 17.43;
		c.groups = groups;
		c.ngroups = 1;
		assert_int_equal(store_contact_upsert(s, &c, NULL), 0);
	}
	return aid;
}

/* A callback that stops ends the list; the next call reads it all. */
static void
test_rows_stop(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct seen	 v;
	int64_t		 aid = add_five(s);

	st_add_alert(s, "six", 0);
	v = (struct seen){ 0, 2 };
	assert_int_equal(store_deliveries_list(s, aid, -1, 0, 10, NULL,
	    delivery_seen, &v), -1);
	assert_int_equal(v.n, 2);
	v = (struct seen){ 0, 0 };
	assert_int_equal(store_deliveries_list(s, aid, -1, 0, 10, NULL,
	    delivery_seen, &v), 0);
	assert_int_equal(v.n, 5);

	v = (struct seen){ 0, 1 };
	assert_int_equal(store_alerts_list(s, 10, alert_seen, &v), -1);
	assert_int_equal(v.n, 1);
	v = (struct seen){ 0, 0 };
	assert_int_equal(store_alerts_list(s, 10, alert_seen, &v), 0);
	assert_int_equal(v.n, 2);

	v = (struct seen){ 0, 3 };
	assert_int_equal(store_group_members(s, "g", recipient_seen, &v), -1);
	assert_int_equal(v.n, 3);
	v = (struct seen){ 0, 0 };
	assert_int_equal(store_group_members(s, "g", recipient_seen, &v), 0);
	assert_int_equal(v.n, 5);

	v = (struct seen){ 0, 4 };
	assert_int_equal(store_contacts_in_box(s, 59, 60, 17, 18, geo_seen,
	    &v), -1);
	assert_int_equal(v.n, 4);
	v = (struct seen){ 0, 0 };
	assert_int_equal(store_contacts_in_box(s, 59, 60, 17, 18, geo_seen,
	    &v), 0);
	assert_int_equal(v.n, 5);

	v = (struct seen){ 0, 1 };
	assert_int_equal(store_contacts_list(s, NULL, "", 10, contact_seen,
	    &v), -1);
	assert_int_equal(v.n, 1);
	v = (struct seen){ 0, 0 };
	assert_int_equal(store_contacts_list(s, NULL, "", 10, contact_seen,
	    &v), 0);
	assert_int_equal(v.n, 5);
}

/* A step that fails midway: -1, and the next call reads it all. */
static void
test_rows_error(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_counts	 ac;
	struct seen		 v;
	int64_t			 aid = add_five(s);

	v = (struct seen){ 0, 0 };
	fail_select_after(2);
	assert_int_equal(store_deliveries_list(s, aid, -1, 0, 10, NULL,
	    delivery_seen, &v), -1);
	assert_failed();
	assert_int_equal(v.n, 2);	/* what came before the error */
	v = (struct seen){ 0, 0 };
	assert_int_equal(store_deliveries_list(s, aid, -1, 0, 10, NULL,
	    delivery_seen, &v), 0);
	assert_int_equal(v.n, 5);

	v = (struct seen){ 0, 0 };
	fail_select_after(3);
	assert_int_equal(store_group_members(s, "g", recipient_seen, &v), -1);
	assert_failed();
	assert_int_equal(v.n, 3);

	/* Read whole before they are passed on: nothing is. */
	v = (struct seen){ 0, 0 };
	fail_select_after(1);
	assert_int_equal(store_contacts_list(s, NULL, "", 10, contact_seen,
	    &v), -1);
	assert_failed();
	assert_int_equal(v.n, 0);
	assert_int_equal(store_contacts_list(s, NULL, "", 10, contact_seen,
	    &v), 0);
	assert_int_equal(v.n, 5);

	v = (struct seen){ 0, 0 };
	fail_select_after(0);
	assert_int_equal(store_groups_list(s, name_seen, &v), -1);
	assert_failed();
	assert_int_equal(store_groups_list(s, name_seen, &v), 0);
	assert_int_equal(v.n, 1);

	fail_select_after(0);
	assert_int_equal(store_alert_counts(s, aid, &ac), -1);
	assert_failed();
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 5);
}

/* A claim whose read fails claims nothing, and leaves no transaction. */
static void
test_rows_error_claims(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct seen		 v = { 0, 0 };
	struct st_claims	 c;
	int64_t			 aid = add_five(s), next;
	int			 i;

	fail_select_after(2);
	assert_int_equal(store_claim_due(s, NOW, 10, delivery_seen, &v), -1);
	assert_failed();
	assert_int_equal(v.n, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 10, st_claim_cb, &c), 0);
	assert_int_equal(c.n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(c.attempts[i], 1);	/* claimed once */

	for (i = 0; i < 3; i++)
		assert_int_equal(store_callback_enqueue(s, aid, "coord",
		    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW),
		    0);
	fail_select_after(1);
	assert_int_equal(store_callback_claim(s, NOW, 1000, 8, callback_seen,
	    &v), -1);
	assert_failed();
	assert_int_equal(v.n, 0);
	/* Not leased: all three are due now, at their first attempt. */
	assert_int_equal(store_callback_next_due(s, &next), 0);
	assert_int_equal(next, NOW);
	{
		struct st_cbs	cb;

		memset(&cb, 0, sizeof(cb));
		assert_int_equal(store_callback_claim(s, NOW, 1000, 8,
		    st_callback_cb, &cb), 0);
		assert_int_equal(cb.n, 3);
		for (i = 0; i < 3; i++)
			assert_int_equal(cb.attempts[i], 1);
	}
	/* No transaction was left open by the failures. */
	assert_int_equal(store_commit(s), -1);
	assert_int_equal(store_begin(s, true), 0);
	assert_int_equal(store_commit(s), 0);
}

/* A lookup whose step fails is an error, never "not found". */
static void
test_row_one_error(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct delivery		 d;
	struct alert_row	 a;
	struct contact		 c;
	int64_t			 aid = add_five(s), next, depth, n;

	fail_select_after(0);
	assert_int_equal(store_delivery_get(s, 1, &d), -1);
	assert_failed();
	assert_int_equal(store_delivery_get(s, 1, &d), 0);
	delivery_clear(&d);

	fail_select_after(0);
	assert_int_equal(store_alert_get(s, aid, &a), -1);
	assert_failed();
	assert_int_equal(store_alert_get(s, aid, &a), 0);
	alert_row_clear(&a);

	fail_select_after(0);
	assert_int_equal(store_contact_get(s, "+46700000001", &c), -1);
	assert_failed();
	assert_null(c.groups);
	/* The groups of the contact, read after the contact, fail too. */
	fail_select_after(1);
	assert_int_equal(store_contact_get(s, "+46700000001", &c), -1);
	assert_failed();
	assert_null(c.groups);
	assert_int_equal(store_contact_get(s, "+46700000001", &c), 0);
	assert_int_equal(c.ngroups, 1);
	contact_clear(&c);

	fail_select_after(0);
	assert_int_equal(store_group_exists(s, "g"), -1);
	assert_failed();
	assert_int_equal(store_group_exists(s, "g"), 0);

	fail_select_after(0);
	assert_int_equal(store_next_due(s, &next), -1);
	assert_failed();
	assert_int_equal(store_next_due(s, &next), 0);
	assert_int_equal(next, NOW);

	fail_select_after(0);
	assert_int_equal(store_queue_depth(s, SEV_UNKNOWN, &depth), -1);
	assert_failed();
	assert_int_equal(store_queue_depth(s, SEV_UNKNOWN, &depth), 0);
	assert_int_equal(depth, 5);

	fail_select_after(0);
	assert_int_equal(store_replies_count(s, "+46700000001", NULL, 0, &n),
	    -1);
	assert_failed();

	/* An opt-out that cannot be read does not stop an alert. */
	assert_int_equal(store_optout_add(s, "+46700000001", "sms", NOW), 0);
	fail_select_after(0);
	assert_false(store_optout_has(s, "+46700000001"));
	assert_failed();
	assert_true(store_optout_has(s, "+46700000001"));

	fail_select_after(0);
	assert_int_equal(store_ping(s), -1);
	assert_failed();
	assert_int_equal(store_ping(s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_rows_stop),
		BOTH(test_rows_error),
		BOTH(test_rows_error_claims),
		BOTH(test_row_one_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
