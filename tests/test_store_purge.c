/*
 * Tests of store_purge.c: old numbers and texts go, counts stay.
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
#include "util.h"
#include "tests/store_test.h"

/* Purge strips numbers and texts of old alerts and keeps the counts. */
static void
test_purge(void **state)
{
	struct st_ctx		*t = *state;
	struct store		*s = t->s;
	struct alert_counts	 before, after;
	struct attempt		 at;
	struct delivery		 d;
	struct inbound_row	 in;
	struct st_cbs		 c;
	char			 buf[256];
	const int64_t		 day = 24 * 3600 * 1000LL;
	int64_t			 old, young, ids[4], n;
	int			 i;

	old = st_add_alert_v2(s, "old", true, 0, NOW - 100 * day, 0, NULL);
	young = st_add_alert_v2(s, "young", true, 0, NOW - day, 0, NULL);
	ids[0] = st_add_delivery_v2(s, old, "+46700000001", CH_SMS,
	    DS_DELIVERED, 1, NULL, 0, NOW - 100 * day);
	ids[1] = st_add_delivery_v2(s, old, "+46700000002", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW - 100 * day);
	assert_int_equal(store_delivery_finish(s, ids[1], DS_FAILED,
	    "invalid number +46700000002", NOW), 0);
	memset(&at, 0, sizeof(at));
	at.delivery_id = ids[1];
	at.at = NOW - 100 * day;
	at.provider = "elks";
	at.http_status = 400;
	at.result = "permfail";
	at.error = "Invalid 'to' +46700000002";
	assert_int_equal(store_attempt_log(s, &at), 0);
	ids[2] = st_add_delivery_v2(s, young, "+46700000001", CH_SMS, DS_SENT,
	    0, NULL, 0, NOW - day);
	ids[3] = st_add_delivery_v2(s, 0, "+46700000001", CH_SMS, DS_SENT, 0,
	    "reply-trygg", 0, NOW - 100 * day);
	st_add_delivery_v2(s, 0, "+46700000001", CH_SMS, DS_SENT, 0,
	    "reply-trygg", 0, NOW);
	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.from = "+46700000001";
	in.text = "TRYGG Lillhagen";
	in.keyword = "trygg";
	in.provider_id = "old";
	in.received_at = NOW - 100 * day;
	assert_int_equal(store_inbound_insert(s, &in), 0);
	in.provider_id = "new";
	in.received_at = NOW;
	assert_int_equal(store_inbound_insert(s, &in), 0);
	assert_int_equal(store_callback_enqueue(s, old, "coord",
	    "http://127.0.0.1:9/cb", "ack",
	    "{\"event\":\"ack\",\"phone\":\"+46700000001\"}", NOW - 100 * day),
	    0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW - 100 * day, 1000, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(store_callback_done(s, c.ids[0], NOW - 100 * day),
	    0);
	assert_int_equal(store_callback_enqueue(s, young, "coord",
	    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW), 0);

	assert_int_equal(store_alert_counts(s, old, &before), 0);
	assert_int_equal(store_purge(s, NOW - 90 * day, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_alert_counts(s, old, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(after.acks_yes, 1);
	assert_int_equal(after.state[DS_FAILED], 1);

	for (i = 0; i < 4; i++) {
		assert_int_equal(store_delivery_get(s, ids[i], &d), 0);
		if (i == 2) {
			assert_string_equal(d.phone, "+46700000001");
			assert_string_equal(d.body, "Brand vid skolan");
		} else {
			assert_string_equal(d.phone, "purged");
			assert_string_equal(d.body, "");
			assert_null(d.error);
		}
		delivery_clear(&d);
	}
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM attempts "
	    "WHERE error IS NOT NULL"), 0);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = 'purged' AND text = ''"), 1);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = '+46700000001'"), 1);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    1);
	buf[0] = '\0';
	assert_int_equal(store_inbound_totals(s, st_name_count_cb, buf), 0);
	assert_string_equal(buf, "trygg=2,");
	/* Twice is once. */
	assert_int_equal(store_purge(s, NOW - 90 * day, &n), 0);
	assert_int_equal(n, 0);
}

#define LONG_TEXT	"Utrymning: lämna området runt Nykvarns centrum " \
	"och gå till Kommunhuset, Centrumvägen 1. Vid fara ring 112."

/*
 * A text stored once for an alert's deliveries goes from them as a
 * text in the row does: purge and the daily erasure leave the purged
 * rows without it, and young rows keep theirs.
 */
static void
test_purge_stored_body(void **state)
{
	struct st_ctx		*t = *state;
	struct store		*s = t->s;
	struct delivery		 d;
	const int64_t		 day = 24 * 3600 * 1000LL;
	int64_t			 old, older, young, a, b, c, n, m;
	bool			 more;

	old = st_add_alert_v2(s, "old", false, 0, NOW - 100 * day, 0, NULL);
	older = st_add_alert_v2(s, "older", false, 0, NOW - 200 * day, 0,
	    NULL);
	young = st_add_alert_v2(s, "young", false, 0, NOW - day, 0, NULL);
	/* In the order of time, as ids grow (retention walks them so). */
	c = st_add_stored_body(s, older, "+46700000003",
	    LONG_TEXT, DS_DELIVERED, NOW - 200 * day, NULL);
	a = st_add_stored_body(s, old, "+46700000001",
	    LONG_TEXT, DS_DELIVERED, NOW - 100 * day, NULL);
	b = st_add_stored_body(s, young, "+46700000002",
	    LONG_TEXT, DS_DELIVERED, NOW - day, NULL);

	assert_int_equal(store_retention_batch(s, NOW - 150 * day, 10, &n, &m,
	    &more), 0);
	assert_int_equal(store_delivery_get(s, c, &d), 0);
	assert_string_equal(d.phone, "purged");
	assert_string_equal(d.body, "");
	delivery_clear(&d);
	assert_int_equal(store_delivery_get(s, a, &d), 0);
	assert_non_null(strstr(d.body, "Kommunhuset"));
	delivery_clear(&d);

	assert_int_equal(store_purge(s, NOW - 90 * day, &n), 0);
	assert_int_equal(store_delivery_get(s, a, &d), 0);
	assert_string_equal(d.phone, "purged");
	assert_string_equal(d.body, "");
	delivery_clear(&d);
	assert_int_equal(store_delivery_get(s, b, &d), 0);
	assert_string_equal(d.phone, "+46700000002");
	assert_non_null(strstr(d.body, "Kommunhuset"));
	delivery_clear(&d);
	if (!t->memory)
		assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM "
		    "deliveries WHERE body_id IS NOT NULL"), 1);
}

/*
 * The daily erasure in batches: each batch erases at most limit rows of
 * each table, the cursor moves on, young rows and deliveries that may
 * still be sent are kept, and once nothing old is left a batch costs one
 * look and erases nothing.
 */
static void
test_retention_batches(void **state)
{
	struct st_ctx		*t = *state;
	struct store		*s = t->s;
	struct alert_counts	 before, after;
	struct inbound_row	 in;
	const int64_t		 day = 24 * 3600 * 1000LL;
	int64_t			 old, young, held, n, m, total = 0;
	char			 phone[24], pid[16];
	bool			 more;
	int			 i, batches = 0;

	old = st_add_alert_v2(s, "old", true, 0, NOW - 100 * day, 0, NULL);
	young = st_add_alert_v2(s, "young", false, 0, NOW - day, 0, NULL);
	for (i = 0; i < 25; i++) {
		snprintf(phone, sizeof(phone), "+467000%05d", i);
		st_add_delivery_v2(s, old, phone, CH_SMS, i % 2 ? DS_DELIVERED :
		    DS_FAILED, i % 3 == 0, NULL, 0, NOW - 100 * day + i);
	}
	/* Old, but still queued: never erased while it may be sent. */
	held = st_add_delivery_v2(s, old, "+46700099999", CH_SMS, DS_QUEUED,
	    0, NULL, 0, NOW - 99 * day);
	for (i = 0; i < 5; i++) {
		snprintf(phone, sizeof(phone), "+467001%05d", i);
		st_add_delivery_v2(s, young, phone, CH_SMS, DS_DELIVERED, 0,
		    NULL, 0, NOW - day);
	}
	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.from = "+46700000001";
	in.text = "TRYGG 15531";
	in.keyword = "trygg";
	for (i = 0; i < 12; i++) {
		snprintf(pid, sizeof(pid), "m%d", i);
		in.provider_id = pid;
		in.received_at = i < 8 ? NOW - 95 * day : NOW;
		assert_int_equal(store_inbound_insert(s, &in), 0);
	}
	assert_int_equal(store_alert_counts(s, old, &before), 0);
	do {
		assert_int_equal(store_retention_batch(s, NOW - 90 * day, 10,
		    &n, &m, &more), 0);
		assert_true(n <= 10 && m <= 10);
		total += n;
		if (batches == 0)
			assert_int_equal(m, 8);
		batches++;
	} while (more);
	assert_int_equal(total, 25);
	assert_int_equal(batches, 3);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM "
	    "deliveries WHERE phone = 'purged'"), 25);
	assert_int_equal(st_state_of(s, held), DS_QUEUED);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM "
	    "deliveries WHERE phone = '+46700099999'"), 1);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = 'purged'"), 8);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM "
	    "deliveries WHERE alert_id = 2 AND phone LIKE '+46%'"), 5);
	/* The counts stay. */
	assert_int_equal(store_alert_counts(s, old, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
	/* Nothing old left: nothing erased, nothing more. */
	assert_int_equal(store_retention_batch(s, NOW - 90 * day, 10, &n, &m,
	    &more), 0);
	assert_int_equal(n + m, 0);
	assert_false(more);
	/* A day later the young ones are old too. */
	assert_int_equal(store_retention_batch(s, NOW + 1, 10, &n, &m, &more),
	    0);
	assert_int_equal(n, 5);
	assert_int_equal(m, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FILE_ONLY(test_purge),
		FILE_ONLY(test_purge_stored_body),
		FILE_ONLY(test_retention_batches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
