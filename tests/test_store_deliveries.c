/*
 * Tests of store_deliveries.c: insert and get, the queue (claims by
 * priority, a callback that stops, requeue after a crash, depth), the
 * state machine (sent, retry, final, reports, voice progress), paging,
 * totals, 10,000 rows in one transaction, many rows to a statement
 * (store_delivery_add), the v2 fields and escalation.
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

/* Insert and get round-trip every field. */
static void
test_delivery_insert_get(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct delivery	 d, got;
	int64_t		 aid = st_add_alert(s, "r", 0);

	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46701234567", sizeof(d.phone));
	d.channel = CH_VOICE;
	strlcpy(d.lang, "en", sizeof(d.lang));
	d.body = "Fire";
	d.state = DS_SUPPRESSED;
	d.reason = "opted_out";
	d.priority = 3;
	d.segments = 2;
	d.next_at = NOW;
	d.expires_at = NOW + 60000;
	d.ack = -1;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	assert_int_equal(store_delivery_get(s, d.id, &got), 0);
	assert_int_equal(got.alert_id, aid);
	assert_string_equal(got.phone, "+46701234567");
	assert_int_equal(got.channel, CH_VOICE);
	assert_string_equal(got.lang, "en");
	assert_string_equal(got.body, "Fire");
	assert_int_equal(got.state, DS_SUPPRESSED);
	assert_string_equal(got.reason, "opted_out");
	assert_int_equal(got.priority, 3);
	assert_int_equal(got.segments, 2);
	assert_int_equal(got.attempts, 0);
	assert_int_equal(got.next_at, NOW);
	assert_int_equal(got.expires_at, NOW + 60000);
	assert_string_equal(got.provider, "");
	assert_string_equal(got.provider_ref, "");
	assert_false(got.in_doubt);
	assert_null(got.error);
	assert_int_equal(got.ack, -1);
	assert_true(got.created_at > 0);
	delivery_clear(&got);

	/* A reply not tied to an alert. */
	d.alert_id = 0;
	d.reason = NULL;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	assert_int_equal(store_delivery_get(s, d.id, &got), 0);
	assert_int_equal(got.alert_id, 0);
	delivery_clear(&got);
	assert_int_equal(store_delivery_get(s, d.id + 100, &got),
	    STORE_NOTFOUND);

	/* Foreign keys are enforced: no delivery of an unknown alert. */
	d.alert_id = aid + 1000;
	assert_int_equal(store_delivery_insert(s, &d), -1);
}

/* Claims go by priority then id; future rows wait; limit holds. */
static void
test_claim_order(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct st_claims	 c;
	struct delivery	 d;
	int64_t		 aid = st_add_alert(s, "r", 0), id[7], next;

	assert_int_equal(store_next_due(s, &next), STORE_NOTFOUND);
	id[0] = st_add_delivery(s, aid, "+46700000000", 2, NOW, DS_QUEUED);
	id[1] = st_add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	id[2] = st_add_delivery(s, aid, "+46700000002", 1, NOW - 5, DS_QUEUED);
	id[3] = st_add_delivery(s, aid, "+46700000003", 0, NOW - 10, DS_QUEUED);
	id[4] = st_add_delivery(s, aid, "+46700000004", 0, NOW + 1, DS_QUEUED);
	id[5] = st_add_delivery(s, aid, "+46700000005", 0, NOW, DS_SENT);
	id[6] = st_add_delivery(s, aid, "+46700000006", 0, NOW,
	    DS_SUPPRESSED);
	assert_int_equal(store_next_due(s, &next), 0);
	assert_int_equal(next, NOW - 10);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 3, st_claim_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], id[1]);
	assert_int_equal(c.ids[1], id[3]);
	assert_int_equal(c.ids[2], id[2]);
	assert_int_equal(c.attempts[0], 1);
	assert_int_equal(c.states[0], DS_SENDING);
	assert_int_equal(store_delivery_get(s, id[1], &d), 0);
	assert_int_equal(d.state, DS_SENDING);
	assert_int_equal(d.attempts, 1);
	assert_int_equal(d.updated_at, NOW);
	delivery_clear(&d);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 10, st_claim_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], id[0]);
	assert_int_equal(store_next_due(s, &next), 0);
	assert_int_equal(next, NOW + 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 10, st_claim_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_claim_due(s, NOW + 1, 10, st_claim_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], id[4]);
	assert_int_equal(st_state_of(s, id[5]), DS_SENT);
	assert_int_equal(st_state_of(s, id[6]), DS_SUPPRESSED);

	/* A retried row is claimed again with attempts 2. */
	assert_int_equal(store_delivery_retry(s, id[1], NOW + 100, "busy",
	    NOW), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW + 100, 10, st_claim_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.attempts[0], 2);
}

/* A callback that stops leaves the rows before it claimed, no more. */
static void
test_claim_stop(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct st_claims	 c;
	int64_t		 aid = st_add_alert(s, "r", 0), a, b, x;

	a = st_add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	b = st_add_delivery(s, aid, "+46700000002", 0, NOW, DS_QUEUED);
	x = st_add_delivery(s, aid, "+46700000003", 0, NOW, DS_QUEUED);
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(store_claim_due(s, NOW, 10, st_claim_cb, &c), -1);
	assert_int_equal(c.n, 2);
	assert_int_equal(st_state_of(s, a), DS_SENDING);
	assert_int_equal(st_state_of(s, b), DS_SENDING);
	assert_int_equal(st_state_of(s, x), DS_QUEUED);
}

/* sent, retry, finish, and no way back out of a final state. */
static void
test_delivery_transitions(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct delivery	 d;
	int64_t		 aid = st_add_alert(s, "r", 0), id;

	id = st_add_delivery(s, aid, "+46700000001", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_retry(s, id, NOW + 500, "http 503",
	    NOW + 1), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_QUEUED);
	assert_int_equal(d.next_at, NOW + 500);
	assert_string_equal(d.error, "http 503");
	assert_int_equal(d.updated_at, NOW + 1);
	delivery_clear(&d);

	assert_int_equal(store_delivery_sent(s, id, 0, CH_SMS, "46elks",
	    "s70df", NOW + 2), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, "46elks");
	assert_string_equal(d.provider_ref, "s70df");
	assert_null(d.error);
	delivery_clear(&d);

	assert_int_equal(store_delivery_finish(s, id, DS_FAILED, "rejected",
	    NOW + 3), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_FAILED);
	assert_string_equal(d.error, "rejected");
	delivery_clear(&d);

	/* Final is final. */
	assert_int_equal(store_delivery_retry(s, id, NOW + 9, "x", NOW + 4), 0);
	assert_int_equal(store_delivery_sent(s, id, 0, CH_SMS, "p", "r",
	    NOW + 4), 0);
	assert_int_equal(store_delivery_finish(s, id, DS_EXPIRED, "x",
	    NOW + 4), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_FAILED);
	assert_string_equal(d.error, "rejected");
	assert_string_equal(d.provider, "46elks");
	delivery_clear(&d);

	/* finish takes final states only. */
	id = st_add_delivery(s, aid, "+46700000002", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_finish(s, id, DS_QUEUED, NULL, NOW),
	    -1);
	assert_int_equal(st_state_of(s, id), DS_SENDING);

	assert_int_equal(store_attempt_log(s, &(struct attempt){ id, NOW,
	    "46elks", 503, "tempfail", "busy", 120 }), 0);
	/* The attempt log refers to real deliveries. */
	assert_int_equal(store_attempt_log(s, &(struct attempt){ id + 99, NOW,
	    "46elks", 200, "ok", NULL, 1 }), -1);
}

/* Delivery reports by (provider, ref): unknown, move, stay final. */
static void
test_delivery_report(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct delivery	 d;
	int64_t		 aid = st_add_alert(s, "r", 0), id, got = 0;

	id = st_add_delivery(s, aid, "+46700000001", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, 0, CH_SMS, "46elks",
	    "ref-1", NOW), 0);
	assert_int_equal(store_delivery_report(s, "46elks", "ref-2",
	    DS_DELIVERED, NULL, NOW, &got), STORE_NOTFOUND);
	assert_int_equal(store_delivery_report(s, "twilio", "ref-1",
	    DS_DELIVERED, NULL, NOW, &got), STORE_NOTFOUND);
	assert_int_equal(store_delivery_report(s, "46elks", "",
	    DS_DELIVERED, NULL, NOW, &got), STORE_NOTFOUND);

	assert_int_equal(store_delivery_report(s, "46elks", "ref-1",
	    DS_DELIVERED, NULL, NOW + 7, &got), 0);
	assert_int_equal(got, id);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_DELIVERED);
	assert_int_equal(d.updated_at, NOW + 7);
	delivery_clear(&d);

	/* Retried and late reports change nothing. */
	got = 0;
	assert_int_equal(store_delivery_report(s, "46elks", "ref-1",
	    DS_SENT, NULL, NOW + 8, &got), 0);
	assert_int_equal(got, id);
	assert_int_equal(store_delivery_report(s, "46elks", "ref-1",
	    DS_FAILED, "late", NOW + 9, &got), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_DELIVERED);
	assert_null(d.error);
	assert_int_equal(d.updated_at, NOW + 7);
	delivery_clear(&d);

	/* A failure report keeps its reason. */
	id = st_add_delivery(s, aid, "+46700000002", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, 0, CH_SMS, "46elks",
	    "ref-3", NOW), 0);
	assert_int_equal(store_delivery_report(s, "46elks", "ref-3",
	    DS_FAILED, "unreachable", NOW, &got), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_FAILED);
	assert_string_equal(d.error, "unreachable");
	delivery_clear(&d);
}

/* After a crash, sending rows go back to the queue, in doubt. */
static void
test_requeue_sending(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct st_claims		 c;
	struct alert_counts	 ac;
	struct delivery		 d;
	int64_t			 aid = st_add_alert(s, "r", 0), sent;
	int			 n = -1;

	st_add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	st_add_delivery(s, aid, "+46700000002", 0, NOW, DS_QUEUED);
	st_add_delivery(s, aid, "+46700000003", 0, NOW + 50, DS_QUEUED);
	sent = st_add_delivery(s, aid, "+46700000004", 0, NOW, DS_SENT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 10, st_claim_cb, &c), 0);
	assert_int_equal(c.n, 2);

	assert_int_equal(store_requeue_sending(s, NOW + 1000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_delivery_get(s, c.ids[0], &d), 0);
	assert_int_equal(d.state, DS_QUEUED);
	assert_true(d.in_doubt);
	assert_int_equal(d.next_at, NOW + 1000);
	assert_int_equal(d.attempts, 1);
	delivery_clear(&d);
	assert_int_equal(st_state_of(s, sent), DS_SENT);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.in_doubt, 2);
	assert_int_equal(ac.state[DS_QUEUED], 3);

	assert_int_equal(store_requeue_sending(s, NOW + 2000, &n), 0);
	assert_int_equal(n, 0);
}

/* Collect listed delivery ids. */
static int
list_cb(const struct delivery *d, void *arg)
{
	struct st_claims	*c = arg;

	c->ids[c->n] = d->id;
	c->states[c->n] = d->state;
	c->n++;
	return 0;
}

/* Paging by id with and without a state filter, indexed or not. */
static void
test_deliveries_list(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct st_claims	 c;
	int64_t		 aid = st_add_alert(s, "r", 0), other, ids[25];
	int		 i;

	other = st_add_alert(s, "r2", 0);
	for (i = 0; i < 25; i++) {
		ids[i] = st_add_delivery(s, aid, "+46700000001", 0, NOW,
		    i % 5 == 0 ? DS_FAILED : DS_SENT);
		st_add_delivery(s, other, "+46700000002", 0, NOW, DS_FAILED);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, -1, 0, 10, NULL,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(c.ids[i], ids[i]);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, -1, ids[9], 10, NULL,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 10);
	assert_int_equal(c.ids[0], ids[10]);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, -1, ids[19], 10, NULL,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.ids[4], ids[24]);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_FAILED, 0, 3, NULL,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], ids[0]);
	assert_int_equal(c.ids[1], ids[5]);
	assert_int_equal(c.ids[2], ids[10]);
	assert_int_equal(c.states[2], DS_FAILED);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_FAILED, ids[10], 10,
	    NULL, list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[1], ids[20]);

	/* A state on the way (not in deliveries_alert_state): the same. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_SENT, ids[5], 5, NULL,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.ids[0], ids[6]);
	assert_int_equal(c.ids[3], ids[9]);
	assert_int_equal(c.ids[4], ids[11]);
	assert_int_equal(c.states[4], DS_SENT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, other, DS_SENT, 0, 5, NULL,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 0);
}

/*
 * A page of a state on the way reads at most PASSING_READ rows of the
 * alert: short of them, it says where the next page goes on.
 */
static void
test_deliveries_list_bounded(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct st_claims	 c;
	int64_t			 aid = st_add_alert(s, "big", 0), last = 0;
	int64_t			 sent[3], resume = -1;
	int			 i;

	assert_int_equal(store_begin(s, false), 0);
	for (i = 0; i < PASSING_READ; i++)
		last = st_add_delivery(s, aid, "+46700000001", 0, NOW,
		    DS_QUEUED);
	for (i = 0; i < 3; i++)
		sent[i] = st_add_delivery(s, aid, "+46700000002", 0, NOW,
		    DS_SENT);
	assert_int_equal(store_commit(s), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_SENT, 0, 10,
	    &resume, list_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(resume, last);	/* read up to there, found none */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_SENT, resume, 10,
	    &resume, list_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], sent[0]);
	assert_int_equal(c.ids[2], sent[2]);
	assert_int_equal(resume, 0);	/* the alert's rows are all read */
	/* Enough found before the bound: no resume either. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_SENT, last, 2,
	    &resume, list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(resume, 0);
	/* An indexed state seeks: no bound, no resume. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_QUEUED, last - 5, 10,
	    &resume, list_cb, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(resume, 0);
}

/* Queue depth by priority, and totals by provider/channel/state. */
struct total {
	char	provider[16];
	int	channel, state;
	int64_t	n;
};
struct totals {
	struct total	v[16];
	int		n;
};

/* Record one total row. */
static void
total_cb(const char *provider, int channel, int state, int64_t n, void *arg)
{
	struct totals	*t = arg;

	if (t->n < 16) {
		strlcpy(t->v[t->n].provider, provider,
		    sizeof(t->v[t->n].provider));
		t->v[t->n].channel = channel;
		t->v[t->n].state = state;
		t->v[t->n].n = n;
	}
	t->n++;
}

/* The count of (provider, state) in totals, -1 if absent. */
static int64_t
total_of(const struct totals *t, const char *provider, int state)
{
	int	i;

	for (i = 0; i < t->n && i < 16; i++)
		if (strcmp(t->v[i].provider, provider) == 0 &&
		    t->v[i].state == state)
			return t->v[i].n;
	return -1;
}

/* Queue depth and totals. */
static void
test_queue_depth_totals(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct delivery	 d;
	struct totals	 t;
	int64_t		 aid = st_add_alert(s, "r", 0), seg = -1, id;
	int		 prio[] = { 0, 1, 1, 3 }, segs[] = { 1, 2, 3, 4 };
	size_t		 i;

	assert_int_equal(store_queue_depth(s, SEV_UNKNOWN, &seg), 0);
	assert_int_equal(seg, 0);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46700000001", sizeof(d.phone));
	d.body = "x";
	for (i = 0; i < nitems(prio); i++) {
		d.priority = prio[i];
		d.segments = segs[i];
		assert_int_equal(store_delivery_insert(s, &d), 0);
	}
	d.state = DS_SENT;	/* not queued: not counted */
	d.priority = 0;
	assert_int_equal(store_delivery_insert(s, &d), 0);

	assert_int_equal(store_queue_depth(s, 0, &seg), 0);
	assert_int_equal(seg, 1);
	assert_int_equal(store_queue_depth(s, 1, &seg), 0);
	assert_int_equal(seg, 6);
	assert_int_equal(store_queue_depth(s, SEV_UNKNOWN, &seg), 0);
	assert_int_equal(seg, 10);

	id = st_add_delivery(s, aid, "+46700000002", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, 0, CH_SMS, "46elks",
	    "r1", NOW), 0);
	id = st_add_delivery(s, aid, "+46700000003", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, 0, CH_SMS, "46elks",
	    "r2", NOW), 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_delivery_totals(s, total_cb, &t), 0);
	assert_int_equal(total_of(&t, "", DS_QUEUED), 4);
	assert_int_equal(total_of(&t, "", DS_SENT), 1);
	assert_int_equal(total_of(&t, "46elks", DS_SENT), 2);
	assert_int_equal(total_of(&t, "46elks", DS_QUEUED), -1);
}

/* 10,000 deliveries of one alert in one transaction, then one claim. */
static void
test_bulk_insert(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_counts	 ac;
	struct delivery		 d;
	int64_t			 aid, seg;
	int			 i, n = 0;

	assert_int_equal(store_begin(s, true), 0);
	aid = st_add_alert(s, "big", 0);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Utrymning: lämna området runt Nykvarns centrum";
	d.priority = SEV_SEVERE;
	d.segments = 1;
	d.next_at = NOW;
	for (i = 0; i < 10000; i++) {
		snprintf(d.phone, sizeof(d.phone), "+467%08d", i);
		d.id = 0;
		if (store_delivery_insert(s, &d) != 0)
			fail_msg("insert %d failed", i);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_queue_depth(s, SEV_SEVERE, &seg), 0);
	assert_int_equal(seg, 10000);
	assert_int_equal(store_claim_due(s, NOW, 10000, st_count_cb, &n), 0);
	assert_int_equal(n, 10000);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_SENDING], 10000);
}

/* Rows of alert aid in the table now, asked past the store. */
static int64_t
rows_of(struct store *s, int64_t aid)
{
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM "
	    "deliveries WHERE alert_id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, aid);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The i-th number of add_n; the same i gives the same number. */
static void
nth_phone(char *buf, size_t len, int i)
{
	snprintf(buf, len, "+4670%07d", (i * 7919) % 10000000);
}

/* Add deliveries first .. first + n - 1 of alert aid, text "text i". */
static void
add_n(struct store *s, int64_t aid, int first, int n)
{
	struct delivery	 d;
	char		 body[32];
	int		 i;

	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = body;
	d.priority = SEV_SEVERE;
	d.segments = 1;
	d.next_at = NOW;
	for (i = first; i < first + n; i++) {
		nth_phone(d.phone, sizeof(d.phone), i);
		snprintf(body, sizeof(body), "text %d", i);
		if (store_delivery_add(s, &d) != 0)
			fail_msg("add %d failed", i);
		/* The store has its own copy of what d pointed at. */
		strlcpy(body, "changed", sizeof(body));
		memset(d.phone, 'x', sizeof(d.phone) - 1);
	}
}

/*
 * store_delivery_add: many rows to a statement, each row as it was given
 * and in the order given; a read through the store sees the rows still
 * held, and the counts count them all.
 */
static void
test_add_rows(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_counts	 ac;
	sqlite3_stmt		*st;
	char			 phone[24], want[32];
	int64_t			 aid;
	int			 i = 0;

	assert_int_equal(store_begin(s, true), 0);
	aid = st_add_alert(s, "rows", 0);
	add_n(s, aid, 0, 70);
	/* Two statements of 32 are written, six rows wait. */
	assert_int_equal(rows_of(s, aid), 64);
	nth_phone(phone, sizeof(phone), 69);
	assert_int_equal(store_alert_has_phone(s, aid, phone), 0);
	assert_int_equal(rows_of(s, aid), 70);
	add_n(s, aid, 70, 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(rows_of(s, aid), 71);

	assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT phone, body "
	    "FROM deliveries WHERE alert_id = ?1 ORDER BY id", -1, &st,
	    NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, aid);
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
		nth_phone(phone, sizeof(phone), i);
		snprintf(want, sizeof(want), "text %d", i);
		assert_string_equal(sqlite3_column_text(st, 0), phone);
		assert_string_equal(sqlite3_column_text(st, 1), want);
	}
	sqlite3_finalize(st);
	assert_int_equal(i, 71);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 71);
}

/*
 * Rows held by store_delivery_add go with an undone transaction or
 * savepoint, and never reach a later one; outside a transaction a row
 * is written at once.
 */
static void
test_add_undone(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_counts	 ac;
	struct delivery		 d;
	int64_t			 aid, kept;

	kept = st_add_alert(s, "kept", 0);
	assert_int_equal(store_begin(s, true), 0);
	aid = st_add_alert(s, "undone", 0);
	add_n(s, kept, 0, 40);		/* 32 written, 8 held */
	store_rollback(s);
	assert_int_equal(rows_of(s, kept), 0);
	assert_int_equal(rows_of(s, aid), 0);

	/* A savepoint writes what is held before it; its own rows go. */
	assert_int_equal(store_begin(s, true), 0);
	add_n(s, kept, 100, 2);
	assert_int_equal(store_savepoint(s), 0);
	assert_int_equal(rows_of(s, kept), 2);
	add_n(s, kept, 200, 3);
	assert_int_equal(store_savepoint_end(s, false), 0);
	add_n(s, kept, 300, 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(rows_of(s, kept), 3);
	assert_int_equal(store_alert_counts(s, kept, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 3);

	/* A held row that cannot be written fails the commit: all undone. */
	assert_int_equal(store_begin(s, true), 0);
	aid = st_add_alert(s, "bad", 0);
	add_n(s, aid, 400, 1);
	add_n(s, kept + 1000, 500, 1);	/* no such alert */
	assert_int_equal(store_commit(s), -1);
	assert_int_equal(rows_of(s, aid), 0);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 0);

	/* Alone: written now, with its id. */
	memset(&d, 0, sizeof(d));
	d.alert_id = kept;
	strlcpy(d.phone, "+46701234567", sizeof(d.phone));
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Alone";
	d.channel = CH_SMS;
	d.segments = 1;
	assert_int_equal(store_delivery_add(s, &d), 0);
	assert_true(d.id > 0);
	assert_int_equal(rows_of(s, kept), 4);
	assert_int_equal(store_alert_counts(s, kept, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 4);
}

/* The body claim_body_cb saw last. */
static int
claim_body_cb(const struct delivery *d, void *arg)
{
	strlcpy(arg, d->body, 512);
	return 0;
}

/*
 * A text stored once (schema 9): the rows point at it and keep no copy,
 * and every way of reading a delivery (get, claim, a page) gives it back.
 */
static void
test_body_stored_once(void **state)
{
	struct st_ctx	*t = *state;
	struct store	*s = t->s;
	struct delivery	 got;
	char		 text[512], seen[512], phone[24];
	int64_t		 aid = st_add_alert(s, "long", 0), bid, ids[3];
	int64_t		 inline_id;
	int		 i;

	memset(text, 'x', 300);
	memcpy(text, "Utrymning: ", 11);
	text[300] = '\0';
	assert_int_equal(store_begin(s, true), 0);
	bid = 0;
	for (i = 0; i < 3; i++) {
		snprintf(phone, sizeof(phone), "+4670000000%d", i);
		ids[i] = st_add_stored_body(s, aid, phone, text, DS_QUEUED, NOW,
		    &bid);
	}
	assert_true(bid > 0);
	/* A short text in the row, beside them. */
	inline_id = st_add_delivery(s, aid, "+46700000009", 0, NOW, DS_QUEUED);
	assert_int_equal(store_commit(s), 0);

	if (!t->memory) {
		assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM "
		    "deliveries WHERE body = '' AND body_id IS NOT NULL"), 3);
		assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM "
		    "bodies"), 1);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_delivery_get(s, ids[i], &got), 0);
		assert_string_equal(got.body, text);
		delivery_clear(&got);
	}
	assert_int_equal(store_delivery_get(s, inline_id, &got), 0);
	assert_string_equal(got.body, "Brand vid skolan");
	delivery_clear(&got);
	seen[0] = '\0';
	assert_int_equal(store_claim_due(s, NOW, 1, claim_body_cb, seen), 0);
	assert_string_equal(seen, text);
	/* A body belongs to an alert that exists. */
	assert_int_equal(store_body_insert(s, aid + 1000, text, &bid), -1);
}

/* Deliveries with their v2 links, recorded by claim_v2_cb. */
struct rows {
	int64_t		 ids[8];
	int64_t		 parents[8];
	char		 kinds[8][32];
	int		 n;
};

/* Record a delivery's id, parent and kind. */
static int
claim_v2_cb(const struct delivery *d, void *arg)
{
	struct rows	*r = arg;

	if (r->n < 8) {
		r->ids[r->n] = d->id;
		r->parents[r->n] = d->parent_id;
		strlcpy(r->kinds[r->n], d->kind, sizeof(r->kinds[0]));
	}
	r->n++;
	return 0;
}

/* The v2 columns of alerts and deliveries round-trip everywhere. */
static void
test_v2_fields(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_row	 a, got;
	struct delivery		 d, g;
	struct st_claims		 c;
	struct rows		 r;
	int64_t			 aid, id;

	memset(&a, 0, sizeof(a));
	a.client = "beacon";
	a.source_ref = "cap-1";
	a.severity = SEV_EXTREME;
	a.created_at = NOW;
	a.escalate_after_s = 300;
	a.status = "exercise";
	assert_int_equal(store_alert_insert(s, &a), 0);
	aid = a.id;
	assert_int_equal(store_alert_find_ref(s, "beacon", "cap-1", &got), 0);
	assert_int_equal(got.escalate_after_s, 300);
	assert_string_equal(got.status, "exercise");
	alert_row_clear(&got);
	assert_null(got.status);
	/* No status is an actual alert. */
	id = st_add_alert(s, "plain", 0);
	assert_int_equal(store_alert_get(s, id, &got), 0);
	assert_string_equal(got.status, "actual");
	assert_int_equal(got.escalate_after_s, 0);
	alert_row_clear(&got);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_list(s, 10, st_alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);

	memset(&d, 0, sizeof(d));
	strlcpy(d.phone, "+46701740605", sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Närmaste trygghetspunkt: Biblioteket";
	d.priority = SEV_MINOR;
	d.next_at = NOW;
	strlcpy(d.kind, "reply-trygg", sizeof(d.kind));
	strlcpy(d.sender, "+46766861004", sizeof(d.sender));
	strlcpy(d.pin, "elks", sizeof(d.pin));
	d.inbound_id = 77;
	d.created_at = NOW;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	assert_int_equal(store_delivery_get(s, d.id, &g), 0);
	assert_int_equal(g.alert_id, 0);
	assert_string_equal(g.kind, "reply-trygg");
	assert_string_equal(g.sender, "+46766861004");
	assert_string_equal(g.pin, "elks");
	assert_int_equal(g.inbound_id, 77);
	assert_int_equal(g.parent_id, 0);
	delivery_clear(&g);

	/* A call escalating an SMS names it; claims carry the fields. */
	id = st_add_delivery_v2(s, aid, "+46701740605", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46701740605", sizeof(d.phone));
	d.channel = CH_VOICE;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Brand";
	d.priority = SEV_EXTREME;
	d.next_at = NOW;
	d.parent_id = id;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_claim_due(s, NOW, 10, claim_v2_cb, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[0], d.id);		/* priority first */
	assert_int_equal(r.parents[0], id);
	assert_string_equal(r.kinds[1], "reply-trygg");
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_deliveries_list(s, aid, DS_SENDING, 0, 10, NULL,
	    claim_v2_cb, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.parents[0], id);
	assert_string_equal(r.kinds[0], "");
}

/* Insert a call for each SMS the scan finds, as dispatch does. */
struct escalator {
	struct store	*s;
	struct st_claims	 c;
};

/* Record the SMS and insert its call. */
static int
escalate_cb(const struct delivery *sms, void *arg)
{
	struct escalator	*e = arg;

	st_claim_cb(sms, &e->c);
	st_add_delivery_v2(e->s, sms->alert_id, sms->phone, CH_VOICE, DS_QUEUED,
	    0, NULL, sms->id, NOW);
	return 0;
}

/*
 * Escalation: which SMS get a call, when, and only once. An alert that
 * asks for an answer calls the silent too (delivered, no answer); one
 * that does not, only those without a delivery report.
 */
static void
test_escalation(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct escalator	 e;
	struct st_claims		 c;
	int64_t			 a, b, due[6], sms, late;
	int			 i;

	st_add_contact(s, "+46700000007", CH_SMS, "", false, 0, 0);
	st_add_contact(s, "+46700000008", CH_SMS | CH_VOICE, "", false, 0, 0);
	assert_int_equal(store_optout_add(s, "+46700000009", "sms", NOW), 0);

	a = st_add_alert_v2(s, "esc", true, 60, NOW, 0, NULL);
	due[0] = st_add_delivery_v2(s, a, "+46700000001", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);		/* not a contact */
	due[1] = st_add_delivery_v2(s, a, "+46700000002", CH_SMS, DS_QUEUED, 0,
	    NULL, 0, NOW);
	due[2] = st_add_delivery_v2(s, a, "+46700000003", CH_SMS, DS_SENDING,
	    0, NULL, 0, NOW);
	due[3] = st_add_delivery_v2(s, a, "+46700000008", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);		/* a contact with voice */
	due[4] = st_add_delivery_v2(s, a, "+46700000004", CH_SMS, DS_DELIVERED,
	    0, NULL, 0, NOW);		/* delivered, and silent */
	/* Each excluded for one reason. */
	st_add_delivery_v2(s, a, "+46700000005", CH_SMS, DS_SENT, 1, NULL, 0,
	    NOW);			/* answered JA */
	st_add_delivery_v2(s, a, "+46700000015", CH_SMS, DS_SENT, -1, NULL, 0,
	    NOW);			/* answered NEJ */
	sms = st_add_delivery_v2(s, a, "+46700000006", CH_SMS, DS_SENT, 0, NULL,
	    0, NOW);			/* escalated already */
	st_add_delivery_v2(s, a, "+46700000006", CH_VOICE, DS_QUEUED, 0, NULL,
	    sms, NOW);
	st_add_delivery_v2(s, a, "+46700000031", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);			/* called by the alert itself */
	st_add_delivery_v2(s, a, "+46700000031", CH_VOICE, DS_ANSWERED, 0,
	    NULL, 0, NOW);
	st_add_delivery_v2(s, a, "+46700000007", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);			/* contact without voice */
	st_add_delivery_v2(s, a, "+46700000009", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);			/* opted out */
	st_add_delivery_v2(s, a, "+46700000010", CH_VOICE, DS_SENT, 0, NULL, 0,
	    NOW);			/* a call itself */
	st_add_delivery_v2(s, a, "+46700000011", CH_SMS, DS_FAILED, 0, NULL, 0,
	    NOW);
	st_add_delivery_v2(s, a, "+46700000012", CH_SMS, DS_SUPPRESSED, 0, NULL,
	    0, NOW);
	/* No answer asked: a delivery report is enough. */
	b = st_add_alert_v2(s, "noack", false, 60, NOW, 0, NULL);
	due[5] = st_add_delivery_v2(s, b, "+46700000040", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);
	st_add_delivery_v2(s, b, "+46700000041", CH_SMS, DS_DELIVERED, 0, NULL,
	    0, NOW);
	/* Alerts that escalate nothing: none, later, expired. */
	st_add_delivery_v2(s, st_add_alert_v2(s, "none", true, 0, NOW, 0, NULL),
	    "+46700000020", CH_SMS, DS_SENT, 0, NULL, 0, NOW);
	late = st_add_alert_v2(s, "late", true, 600, NOW, 0, NULL);
	st_add_delivery_v2(s, late, "+46700000021", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);
	st_add_delivery_v2(s, st_add_alert_v2(s, "expired", true, 30, NOW,
	    NOW + 20000, NULL), "+46700000022", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);
	/* A reply (no alert) is never escalated. */
	st_add_delivery_v2(s, 0, "+46700000023", CH_SMS, DS_SENT, 0,
	    "reply-help", 0, NOW - 3600000);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 59999, 100, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 60000, 100, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 6);
	for (i = 0; i < 6; i++)
		assert_true(st_claimed(&c, due[i]));
	/* A scan that only looks changes nothing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 60000, 3, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 3);

	/* Calls made as they are found: each SMS once. */
	memset(&e, 0, sizeof(e));
	e.s = s;
	assert_int_equal(store_escalation_due(s, NOW + 61000, 3, escalate_cb,
	    &e), 0);
	assert_int_equal(e.c.n, 3);
	assert_int_equal(store_escalation_due(s, NOW + 62000, 3, escalate_cb,
	    &e), 0);
	assert_int_equal(e.c.n, 6);
	for (i = 0; i < 6; i++)
		assert_true(st_claimed(&e.c, due[i]));
	assert_int_equal(store_escalation_due(s, NOW + 63000, 3, escalate_cb,
	    &e), 0);
	assert_int_equal(e.c.n, 6);

	/*
	 * Nothing left: the alert is done and is not scanned again, even
	 * for a delivery that would qualify (written late, say).
	 */
	st_add_delivery_v2(s, a, "+46700000030", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 64000, 100, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 0);
	/* The later alert's turn comes. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 600000, 100, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(store_escalation_due(s, NOW + 600000, 0, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 1);
	(void)late;
}

/* Voice progress moves what is not final, and nothing else. */
static void
test_progress(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct delivery	 d;
	int64_t		 aid = st_add_alert(s, "call", 0), call, sms;
	size_t		 i;

	call = st_add_delivery_v2(s, aid, "+46700000001", CH_VOICE, DS_SENDING,
	    0, NULL, 0, NOW);
	sms = st_add_delivery_v2(s, aid, "+46700000002", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);
	{
		const struct {
			int64_t		*id;
			int		 state;
			int		 rc;
			int		 after;
		} steps[] = {
			{ &call, DS_SENT, 0, DS_SENT },
			{ &call, DS_RINGING, 0, DS_RINGING },
			{ &call, DS_RINGING, 0, DS_RINGING },
			{ &call, DS_ANSWERED, 0, DS_ANSWERED },
			/* Final: a late event changes nothing. */
			{ &call, DS_NO_ANSWER, STORE_NOTFOUND, DS_ANSWERED },
			{ &call, DS_FAILED, STORE_NOTFOUND, DS_ANSWERED },
			{ &sms, DS_DELIVERED, 0, DS_DELIVERED },
			{ &sms, DS_BUSY, STORE_NOTFOUND, DS_DELIVERED },
			{ &sms, 99, -1, DS_DELIVERED },
		};

		for (i = 0; i < nitems(steps); i++) {
			assert_int_equal(store_delivery_progress(s,
			    *steps[i].id, steps[i].state, NULL, NOW + (int)i),
			    steps[i].rc);
			assert_int_equal(st_state_of(s, *steps[i].id),
			    steps[i].after);
		}
	}
	call = st_add_delivery_v2(s, aid, "+46700000003", CH_VOICE, DS_RINGING,
	    0, NULL, 0, NOW);
	assert_int_equal(store_delivery_progress(s, call, DS_BUSY, "busy",
	    NOW + 50), 0);
	assert_int_equal(store_delivery_get(s, call, &d), 0);
	assert_int_equal(d.state, DS_BUSY);
	assert_string_equal(d.error, "busy");
	assert_int_equal(d.updated_at, NOW + 50);
	delivery_clear(&d);
	assert_int_equal(store_delivery_progress(s, call + 100, DS_RINGING,
	    NULL, NOW), STORE_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_delivery_insert_get),
		BOTH(test_claim_order),
		BOTH(test_claim_stop),
		BOTH(test_delivery_transitions),
		BOTH(test_delivery_report),
		BOTH(test_requeue_sending),
		BOTH(test_deliveries_list),
		BOTH(test_deliveries_list_bounded),
		BOTH(test_queue_depth_totals),
		BOTH(test_bulk_insert),
		BOTH(test_add_rows),
		BOTH(test_add_undone),
		BOTH(test_body_stored_once),
		BOTH(test_v2_fields),
		BOTH(test_escalation),
		BOTH(test_progress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
