/*
 * Tests of store_inbound.c: inbound SMS stored once per provider id and
 * counted by keyword, replies counted and listed per number, and which
 * delivery an answer belongs to.
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

/* Inbound SMS: stored once per provider id, counted by keyword. */
static void
test_inbound(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct inbound_row	 in;
	char			 buf[256];
	int64_t			 first;

	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.provider_id = "s7f2";
	in.from = "+46701740605";
	in.to = "+46766861004";
	in.text = "TRYGG 15531";
	in.keyword = "trygg";
	in.received_at = NOW;
	assert_int_equal(store_inbound_insert(s, &in), 0);
	first = in.id;
	assert_true(first > 0);
	/* The provider retries: the same id is a duplicate of the first. */
	in.id = 0;
	in.text = "TRYGG 15531 (retry)";
	assert_int_equal(store_inbound_insert(s, &in), STORE_DUPLICATE);
	assert_int_equal(in.id, first);
	/* The same id at another provider is another message. */
	in.provider = "twilio";
	assert_int_equal(store_inbound_insert(s, &in), 0);
	assert_true(in.id > first);
	/* Without an id nothing is a duplicate. */
	in.provider_id = "";
	in.keyword = "stopp";
	assert_int_equal(store_inbound_insert(s, &in), 0);
	assert_int_equal(store_inbound_insert(s, &in), 0);
	in.provider_id = NULL;
	in.keyword = NULL;
	assert_int_equal(store_inbound_insert(s, &in), 0);

	buf[0] = '\0';
	assert_int_equal(store_inbound_totals(s, st_name_count_cb, buf), 0);
	assert_string_equal(buf, "=1,stopp=2,trygg=2,");
}

/* Replies are deliveries with a kind; counted and listed per number. */
static void
test_replies(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct st_claims	 c;
	int64_t		 n, aid = st_add_alert(s, "a", 0), ids[4];

	ids[0] = st_add_delivery_v2(s, 0, "+46701740605", CH_SMS, DS_SENT, 0,
	    "reply-help", 0, NOW - 3600000);
	ids[1] = st_add_delivery_v2(s, 0, "+46701740605", CH_SMS, DS_QUEUED, 0,
	    "reply-trygg", 0, NOW - 600000);
	ids[2] = st_add_delivery_v2(s, 0, "+46701740605", CH_SMS, DS_FAILED, 0,
	    "reply-help", 0, NOW - 1000);
	ids[3] = st_add_delivery_v2(s, 0, "+46709999999", CH_SMS, DS_SENT, 0,
	    "reply-help", 0, NOW);
	/* An alert delivery is not a reply. */
	st_add_delivery_v2(s, aid, "+46701740605", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);

	assert_int_equal(store_replies_count(s, "+46701740605", NULL,
	    NOW - 3600000, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_replies_count(s, "+46701740605", NULL,
	    NOW - 3600000 + 1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_replies_count(s, "+46701740605", "reply-help",
	    NOW - 3600000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_replies_count(s, "+46701740605", "reply-stopp",
	    0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_replies_count(s, "+46700000000", NULL, 0, &n),
	    0);
	assert_int_equal(n, 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_replies_list(s, "+46701740605", 2, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], ids[2]);		/* newest first */
	assert_int_equal(c.ids[1], ids[1]);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_replies_list(s, "+46701740605", 10, st_claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[2], ids[0]);
	(void)ids[3];
}

/* Which delivery an answer from a number belongs to. */
static void
test_ack_target(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_counts	 ac;
	const char		*p = "+46701740605";
	int64_t			 a_old, a_new, a_noack, a_expired, a_queued;
	int64_t			 d_old, d_new, did, aid, call;
	size_t			 i;

	a_old = st_add_alert_v2(s, "old", true, 0, NOW - 7200000, 0, NULL);
	d_old = st_add_delivery_v2(s, a_old, p, CH_SMS, DS_DELIVERED, 0, NULL,
	    0, NOW - 7200000);
	a_new = st_add_alert_v2(s, "new", true, 0, NOW - 600000, NOW + 600000,
	    NULL);
	d_new = st_add_delivery_v2(s, a_new, p, CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW - 600000);
	/* Newer alerts that must not be chosen. */
	a_noack = st_add_alert_v2(s, "noack", false, 0, NOW - 60000, 0, NULL);
	st_add_delivery_v2(s, a_noack, p, CH_SMS, DS_DELIVERED, 0, NULL, 0,
	    NOW);
	a_expired = st_add_alert_v2(s, "expired", true, 0, NOW - 50000, NOW,
	    NULL);
	st_add_delivery_v2(s, a_expired, p, CH_SMS, DS_DELIVERED, 0, NULL, 0,
	    NOW);
	a_queued = st_add_alert_v2(s, "queued", true, 0, NOW - 40000, 0, NULL);
	st_add_delivery_v2(s, a_queued, p, CH_SMS, DS_QUEUED, 0, NULL, 0, NOW);
	st_add_delivery_v2(s, a_queued, p, CH_SMS, DS_FAILED, 0, NULL, 0, NOW);
	st_add_delivery_v2(s, a_queued, "+46709999999", CH_SMS, DS_DELIVERED, 0,
	    NULL, 0, NOW);

	{
		const struct {
			const char	*phone;
			int64_t		 alert_id;	/* asked for */
			int64_t		 now;
			int		 rc;
			int64_t		 delivery;	/* expected */
		} cases[] = {
			{ p, 0, NOW, 0, d_new },	/* the newest */
			{ p, a_old, NOW, 0, d_old },	/* by number */
			{ p, a_noack, NOW, STORE_NOTFOUND, 0 },
			{ p, a_expired, NOW, STORE_NOTFOUND, 0 },
			{ p, a_expired, NOW - 1, 0, 0 },	/* not yet */
			{ p, a_queued, NOW, STORE_NOTFOUND, 0 },
			{ p, 9999, NOW, STORE_NOTFOUND, 0 },
			{ "+46700000000", 0, NOW, STORE_NOTFOUND, 0 },
			/* After its expiry the newer one is out. */
			{ p, 0, NOW + 600000, 0, d_old },
		};

		for (i = 0; i < nitems(cases); i++) {
			did = aid = 0;
			assert_int_equal(store_ack_target(s, cases[i].phone,
			    cases[i].alert_id, cases[i].now, &did, &aid),
			    cases[i].rc);
			if (cases[i].rc != 0)
				continue;
			if (cases[i].delivery != 0)
				assert_int_equal(did, cases[i].delivery);
			else
				assert_int_equal(aid, cases[i].alert_id);
			if (cases[i].delivery == d_new)
				assert_int_equal(aid, a_new);
			if (cases[i].delivery == d_old)
				assert_int_equal(aid, a_old);
		}
	}

	/* A call of the same alert that rings is the newer delivery. */
	call = st_add_delivery_v2(s, a_new, p, CH_VOICE, DS_RINGING, 0, NULL,
	    d_new, NOW);
	assert_int_equal(store_ack_target(s, p, 0, NOW, &did, &aid), 0);
	assert_int_equal(did, call);
	assert_int_equal(aid, a_new);

	/* The answer is stored and counted; a second one replaces it. */
	assert_int_equal(store_delivery_set_ack(s, did, 1, NOW), 0);
	assert_int_equal(store_alert_counts(s, a_new, &ac), 0);
	assert_int_equal(ac.acks_yes, 1);
	assert_int_equal(ac.acks_no, 0);
	assert_int_equal(store_delivery_set_ack(s, did, -1, NOW + 1), 0);
	assert_int_equal(store_alert_counts(s, a_new, &ac), 0);
	assert_int_equal(ac.acks_yes, 0);
	assert_int_equal(ac.acks_no, 1);
	assert_int_equal(store_delivery_set_ack(s, did + 1000, 1, NOW),
	    STORE_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_inbound),
		BOTH(test_replies),
		BOTH(test_ack_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
