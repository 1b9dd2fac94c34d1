/*
 * Tests of store_alerts.c: alerts by id and by (client, source_ref), the
 * counts of their deliveries, cancel, expiry, and the watch marks of
 * events to source systems.
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

/* Insert, duplicate (client, source_ref), find_ref, get, list. */
static void
test_alerts(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_row	 a, got;
	struct st_claims		 c;
	int64_t			 id1, id2, id3;

	id1 = st_add_alert(s, "coord-4711", NOW + 3600000);
	memset(&a, 0, sizeof(a));
	a.client = "coord";
	a.source_ref = "coord-4711";
	a.severity = SEV_MINOR;
	assert_int_equal(store_alert_insert(s, &a), -1);
	/* The same ref from another client is another alert. */
	a.client = "beacon";
	assert_int_equal(store_alert_insert(s, &a), 0);
	id2 = a.id;
	assert_true(id2 > id1);

	assert_int_equal(store_alert_find_ref(s, "coord", "coord-4711", &got),
	    0);
	assert_int_equal(got.id, id1);
	assert_string_equal(got.client, "coord");
	assert_string_equal(got.body_hash, "abc");
	assert_string_equal(got.type, "incident");
	assert_int_equal(got.severity, SEV_SEVERE);
	assert_null(got.template);
	assert_null(got.response);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.expires_at, NOW + 3600000);
	alert_row_clear(&got);
	assert_null(got.client);
	assert_int_equal(store_alert_find_ref(s, "coord", "nope", &got),
	    STORE_NOTFOUND);
	assert_int_equal(store_alert_find_ref(s, "other", "coord-4711", &got),
	    STORE_NOTFOUND);

	assert_int_equal(store_alert_set_response(s, id1, "{\"id\":1}"), 0);
	assert_int_equal(store_alert_set_summary(s, id1, 250, 3, 2, "UCS-2"),
	    0);
	assert_int_equal(store_alert_get(s, id1, &got), 0);
	assert_string_equal(got.response, "{\"id\":1}");
	assert_int_equal(got.recipients, 250);
	assert_int_equal(got.suppressed, 3);
	assert_int_equal(got.segments, 2);
	assert_string_equal(got.encoding, "UCS-2");
	alert_row_clear(&got);
	assert_int_equal(store_alert_get(s, 999, &got), STORE_NOTFOUND);

	id3 = st_add_alert(s, "coord-4712", 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_list(s, 2, st_alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], id3);	/* newest first */
	assert_int_equal(c.ids[1], id2);
}

/* Per-state counts, acks and cancel of one alert. */
static void
test_counts_cancel(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_counts	 ac;
	struct delivery		 d;
	int64_t			 aid = st_add_alert(s, "r", 0);
	int64_t			 other = st_add_alert(s, "r2", 0), ids[3];
	int			 n = -1;

	ids[0] = st_add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	ids[1] = st_add_delivery(s, aid, "+46700000002", 0, NOW + 99,
	    DS_QUEUED);
	ids[2] = st_add_delivery(s, aid, "+46700000003", 0, NOW, DS_SENDING);
	st_add_delivery(s, aid, "+46700000004", 0, NOW, DS_SUPPRESSED);
	st_add_delivery(s, other, "+46700000005", 0, NOW, DS_QUEUED);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46700000006", sizeof(d.phone));
	d.body = "x";
	d.state = DS_DELIVERED;
	d.ack = 1;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	d.ack = -1;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	d.ack = 1;
	d.state = DS_SENT;
	assert_int_equal(store_delivery_insert(s, &d), 0);

	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 2);
	assert_int_equal(ac.state[DS_SENDING], 1);
	assert_int_equal(ac.state[DS_SENT], 1);
	assert_int_equal(ac.state[DS_DELIVERED], 2);
	assert_int_equal(ac.state[DS_SUPPRESSED], 1);
	assert_int_equal(ac.state[DS_CANCELLED], 0);
	assert_int_equal(ac.acks_yes, 2);
	assert_int_equal(ac.acks_no, 1);
	assert_int_equal(ac.in_doubt, 0);

	assert_int_equal(store_alert_cancel(s, aid, NOW + 5, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st_state_of(s, ids[0]), DS_CANCELLED);
	assert_int_equal(st_state_of(s, ids[1]), DS_CANCELLED);
	assert_int_equal(st_state_of(s, ids[2]), DS_SENDING);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 0);
	assert_int_equal(ac.state[DS_CANCELLED], 2);
	assert_int_equal(store_alert_counts(s, other, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 1);
	assert_int_equal(store_alert_cancel(s, aid, NOW + 6, &n), 0);
	assert_int_equal(n, 0);
}

/* Alert expiry and a delivery's own expiry. */
static void
test_expire(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct delivery	 d;
	int64_t		 a1 = st_add_alert(s, "r1", NOW + 1000);
	int64_t		 a2 = st_add_alert(s, "r2", 0);
	int64_t		 q1, q2, busy, own, forever;
	int		 n = -1;

	q1 = st_add_delivery(s, a1, "+46700000001", 0, NOW, DS_QUEUED);
	q2 = st_add_delivery(s, a1, "+46700000002", 0, NOW + 5000, DS_QUEUED);
	busy = st_add_delivery(s, a1, "+46700000003", 0, NOW, DS_SENDING);
	memset(&d, 0, sizeof(d));
	d.alert_id = a2;
	strlcpy(d.phone, "+46700000004", sizeof(d.phone));
	d.body = "x";
	d.next_at = NOW;
	d.expires_at = NOW + 2000;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	own = d.id;
	forever = st_add_delivery(s, a2, "+46700000005", 0, NOW, DS_QUEUED);

	assert_int_equal(store_expire_due(s, NOW + 999, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_expire_due(s, NOW + 1000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st_state_of(s, q1), DS_EXPIRED);
	assert_int_equal(st_state_of(s, q2), DS_EXPIRED);
	assert_int_equal(st_state_of(s, busy), DS_SENDING);
	assert_int_equal(st_state_of(s, own), DS_QUEUED);

	assert_int_equal(store_expire_due(s, NOW + 2000, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(st_state_of(s, own), DS_EXPIRED);
	assert_int_equal(st_state_of(s, forever), DS_QUEUED);
	assert_int_equal(store_delivery_get(s, q1, &d), 0);
	assert_non_null(d.error);
	delivery_clear(&d);

	/* Inside a caller's transaction too, and undone with it. */
	st_add_delivery(s, a1, "+46700000006", 0, NOW, DS_QUEUED);
	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_expire_due(s, NOW + 3000, &n), 0);
	assert_int_equal(n, 1);
	store_rollback(s);
	assert_int_equal(store_expire_due(s, NOW + 3000, &n), 0);
	assert_int_equal(n, 1);
}

/* Alerts watched for alert.progress and alert.done. */
static void
test_watch(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct st_claims	 c;
	char		 digest[65];
	int64_t		 w1, w2, at;

	w1 = st_add_alert_v2(s, "w1", false, 0, NOW, 0, "http://127.0.0.1:9/a");
	st_add_alert_v2(s, "plain", false, 0, NOW, 0, NULL);
	w2 = st_add_alert_v2(s, "w2", true, 0, NOW, 0, "http://127.0.0.1:9/b");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_watched(s, st_alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_true(st_claimed(&c, w1) && st_claimed(&c, w2));

	strlcpy(digest, "junk", sizeof(digest));
	at = 5;
	assert_int_equal(store_alert_get_watch(s, w1, digest, &at), 0);
	assert_string_equal(digest, "");
	assert_int_equal(at, 0);
	assert_int_equal(store_alert_set_watch(s, w1, NOW + 5000,
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	    false), 0);
	assert_int_equal(store_alert_get_watch(s, w1, digest, &at), 0);
	assert_string_equal(digest,
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_int_equal(at, NOW + 5000);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_watched(s, st_alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);

	/* alert.done queued: the alert leaves the watch. */
	assert_int_equal(store_alert_set_watch(s, w1, NOW + 9000, "d2", true),
	    0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_watched(s, st_alert_list_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], w2);
	assert_int_equal(store_alert_get_watch(s, w1, digest, &at), 0);
	assert_string_equal(digest, "d2");
	assert_int_equal(at, NOW + 9000);
	assert_int_equal(store_alert_get_watch(s, 999, digest, &at),
	    STORE_NOTFOUND);
	assert_string_equal(digest, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_alerts),
		BOTH(test_counts_cancel),
		BOTH(test_expire),
		BOTH(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
