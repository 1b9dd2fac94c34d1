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
	assert_int_equal(store_alert_set_summary(s, id1, 250, 3, 2, "UCS-2",
	    240), 0);
	assert_int_equal(store_alert_get(s, id1, &got), 0);
	assert_string_equal(got.response, "{\"id\":1}");
	assert_int_equal(got.recipients, 250);
	assert_int_equal(got.people, 240);
	assert_int_equal(got.suppressed, 3);
	assert_int_equal(got.segments, 2);
	assert_string_equal(got.encoding, "UCS-2");
	assert_int_equal(got.uncallable, 0);
	alert_row_clear(&got);
	/* Set at the first step, added at a later one. */
	assert_int_equal(store_alert_set_uncallable(s, id1, 3, false), 0);
	assert_int_equal(store_alert_set_uncallable(s, id1, 2, true), 0);
	assert_int_equal(store_alert_get(s, id1, &got), 0);
	assert_int_equal(got.uncallable, 5);
	alert_row_clear(&got);
	assert_int_equal(store_alert_set_uncallable(s, id1, 1, false), 0);
	assert_int_equal(store_alert_get(s, id1, &got), 0);
	assert_int_equal(got.uncallable, 1);
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

/*
 * Alert expiry, and the own expiry of a delivery of no alert (a reply).
 * A delivery of an alert expires with it (a claim past its own expiry
 * expires it in dispatch.c).
 */
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
	strlcpy(d.phone, "+46700000004", sizeof(d.phone));
	strlcpy(d.kind, "reply", sizeof(d.kind));
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


/* A gated alert with n held deliveries, releasing itself at release_at. */
static int64_t
gated(struct store *s, const char *ref, int gate, int64_t release_at,
    int64_t expires_in_s, int n)
{
	struct alert_row	a;
	struct alert_step	p;
	char			phone[24];
	int			i;

	memset(&a, 0, sizeof(a));
	a.client = "coord";
	a.source_ref = (char *)ref;
	a.severity = SEV_MINOR;
	a.created_at = NOW;
	a.gate = gate;
	a.release_at = release_at;
	a.expires_in_s = expires_in_s;
	assert_int_equal(store_alert_insert(s, &a), 0);
	for (i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+4670000%04d", i);
		st_add_delivery_v2(s, a.id, phone, CH_SMS, DS_HELD, 0, NULL, 0,
		    NOW);
	}
	memset(&p, 0, sizeof(p));
	p.recipients = p.people = n;
	assert_int_equal(store_alert_step_insert(s, a.id, &p), 0);
	return a.id;
}

/* Count the alerts passed to it (an int at arg). */
static int
count_alerts(const struct alert_row *a, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/*
 * The gate: held deliveries are never claimed; the release queues them
 * due now with the expiry counted from now, once; a cancelled gated
 * alert is never released; releasable lists what is due by release_at.
 */
static void
test_gate(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_row	 a;
	struct alert_counts	 c;
	struct st_claims	 cl;
	struct delivery		 d;
	int64_t			 held, never, id;
	int			 n, found;

	held = gated(s, "held", GATE_HELD, NOW + 3600000, 600, 3);
	never = gated(s, "never", GATE_HELD, NOW + 1000, 0, 2);
	/* Not claimed, not expired, not counted in the queue. */
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_claim_due(s, NOW + 86400000LL, 100,
	    st_claim_cb, &cl), 0);
	assert_int_equal(cl.n, 0);
	assert_int_equal(store_expire_due(s, NOW + 86400000LL, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_queue_depth(s, SEV_UNKNOWN, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(store_alert_counts(s, held, &c), 0);
	assert_int_equal(c.state[DS_HELD], 3);

	/* Due by release_at: the second first, then both. */
	found = 0;
	assert_int_equal(store_alerts_releasable(s, NOW + 999, 10,
	    count_alerts, &found), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_alerts_releasable(s, NOW + 1000, 10,
	    count_alerts, &found), 0);
	assert_int_equal(found, 1);
	found = 0;
	assert_int_equal(store_alerts_releasable(s, NOW + 3600000, 10,
	    count_alerts, &found), 0);
	assert_int_equal(found, 2);

	/* Cancelled while gated: never released, its deliveries cancelled. */
	assert_int_equal(store_alert_cancel(s, never, NOW + 500, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_alert_release(s, never, NOW + 1000, &n),
	    STORE_NOTFOUND);
	assert_int_equal(store_alert_get(s, never, &a), 0);
	assert_int_equal(a.cancelled_at, NOW + 500);
	assert_int_equal(a.gate, GATE_OPEN);
	assert_int_equal(a.released_at, 0);
	alert_row_clear(&a);
	found = 0;
	assert_int_equal(store_alerts_releasable(s, NOW + 3600000, 10,
	    count_alerts, &found), 0);
	assert_int_equal(found, 1);

	/* Released: queued, due now, expiring 600 s from now; once. */
	assert_int_equal(store_alert_release(s, held, NOW + 3600000, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_alert_release(s, held, NOW + 3600001, &n),
	    STORE_NOTFOUND);
	assert_int_equal(store_alert_get(s, held, &a), 0);
	assert_int_equal(a.gate, GATE_OPEN);
	assert_int_equal(a.released_at, NOW + 3600000);
	assert_int_equal(a.expires_at, NOW + 3600000 + 600000);
	alert_row_clear(&a);
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_claim_due(s, NOW + 3600000, 100, st_claim_cb,
	    &cl), 0);
	assert_int_equal(cl.n, 3);
	assert_int_equal(store_delivery_get(s, cl.ids[0], &d), 0);
	assert_int_equal(d.expires_at, NOW + 3600000 + 600000);
	delivery_clear(&d);
	assert_int_equal(store_alert_counts(s, held, &c), 0);
	assert_int_equal(c.state[DS_HELD], 0);
	assert_int_equal(c.state[DS_SENDING], 3);
	found = 0;
	assert_int_equal(store_alerts_releasable(s, NOW + 86400000LL, 10,
	    count_alerts, &found), 0);
	assert_int_equal(found, 0);
}

/* Record the steps passed to it. */
static int
step_cb(const struct alert_step *p, void *arg)
{
	struct st_claims	*c = arg;

	c->ids[c->n] = p->started_at;
	c->attempts[c->n] = p->recipients;
	c->states[c->n] = p->step;
	c->n++;
	return 0;
}

/*
 * A call-out: enough JA fill it once (queued and held cancelled, chain
 * and escalation stopped); steps are recorded and the counts grow; the
 * chain's next step comes due at its time.
 */
static void
test_callout(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_row	 a;
	struct alert_step	 p;
	struct st_claims	 c;
	int64_t			 id, q, sent;
	int			 n, found;

	memset(&a, 0, sizeof(a));
	a.client = "coord";
	a.source_ref = "callout";
	a.severity = SEV_SEVERE;
	a.ack = true;
	a.need = 2;
	a.created_at = NOW;
	a.escalate_after_s = 60;
	a.chain = "[{\"groups\":[\"reserv\"]}]";
	a.chain_after_s = 600;
	a.chain_next_at = NOW + 600000;
	assert_int_equal(store_alert_insert(s, &a), 0);
	id = a.id;
	memset(&p, 0, sizeof(p));
	p.started_at = NOW;
	p.recipients = p.people = 3;
	assert_int_equal(store_alert_step_insert(s, id, &p), 0);
	sent = st_add_delivery_v2(s, id, "+46700000001", CH_SMS, DS_SENT, 1,
	    NULL, 0, NOW);
	q = st_add_delivery_v2(s, id, "+46700000002", CH_SMS, DS_QUEUED, 0,
	    NULL, 0, NOW);
	st_add_delivery_v2(s, id, "+46700000003", CH_SMS, DS_HELD, 0, NULL, 0,
	    NOW);
	assert_int_equal(store_alert_has_phone(s, id, "+46700000002"), 0);
	assert_int_equal(store_alert_has_phone(s, id, "+46700000009"),
	    STORE_NOTFOUND);

	/* The chain's step comes due at chain_next_at. */
	found = 0;
	assert_int_equal(store_alerts_chain_due(s, NOW + 599999, 10,
	    count_alerts, &found), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_alerts_chain_due(s, NOW + 600000, 10,
	    count_alerts, &found), 0);
	assert_int_equal(found, 1);
	/* Step 1 asked: the counts grow, the chain is over. */
	p.step = 1;
	p.started_at = NOW + 600000;
	p.recipients = 2;
	p.people = 2;
	p.audience = "{\"groups\":[\"reserv\"]}";
	assert_int_equal(store_alert_step_insert(s, id, &p), 0);
	assert_int_equal(store_alert_step(s, id, 1, NULL, 0, 2, 1, 2), 0);
	assert_int_equal(store_alert_get(s, id, &a), 0);
	assert_int_equal(a.step, 1);
	assert_null(a.chain);
	assert_int_equal(a.chain_next_at, 0);
	alert_row_clear(&a);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alert_steps(s, id, step_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.states[1], 1);
	assert_int_equal(c.ids[1], NOW + 600000);
	assert_int_equal(c.attempts[1], 2);

	/* Filled: once; what was not sent is cancelled. */
	assert_int_equal(store_alert_fill(s, id, NOW + 700000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st_state_of(s, q), DS_CANCELLED);
	assert_int_equal(st_state_of(s, sent), DS_SENT);
	assert_int_equal(store_alert_fill(s, id, NOW + 800000, &n),
	    STORE_NOTFOUND);
	assert_int_equal(store_alert_get(s, id, &a), 0);
	assert_int_equal(a.filled_at, NOW + 700000);
	alert_row_clear(&a);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 900000, 10,
	    st_claim_cb, &c), 0);
	assert_int_equal(c.n, 0);

	/* An answer cancels the escalation call not placed yet. */
	st_add_delivery_v2(s, id, "+46700000001", CH_VOICE, DS_QUEUED, 0,
	    NULL, sent, NOW);
	assert_int_equal(store_escalation_cancel(s, id, "+46700000001",
	    NOW + 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_alert_set_error(s, id, "group gone"), 0);
	assert_int_equal(store_alert_get(s, id, &a), 0);
	assert_string_equal(a.error, "group gone");
	alert_row_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_alerts),
		BOTH(test_counts_cancel),
		BOTH(test_expire),
		BOTH(test_watch),
		BOTH(test_gate),
		BOTH(test_callout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
