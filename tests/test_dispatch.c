/*
 * Tests of the dispatcher with the loop's clock frozen: a test queues
 * deliveries, scripts what the providers answer, moves time and runs a
 * round as the timer would. Backoff, Retry-After, breakers and failover,
 * expiry and escalation are each checked to the millisecond, without
 * waiting for any of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gateway/gateway.h"
#include "gateway/providers.h"
#include "gateway/store.h"
#include "gateway/types.h"
#include "tests/gw_test.h"

#define T0	GWT_T0
#define SEC	1000LL

static const char *const anna[] = { "+46701740605", NULL };
static const char *const three[] = {
	"+46701740605", "+46701740606", "+46701740607", NULL
};

/* One scripted provider and the given [dispatch] lines. */
static struct gwt *
one(const char *dispatch)
{
	char		 conf[512];
	struct gwt	*t;

	snprintf(conf, sizeof(conf), "[dispatch]\n%s\n"
	    "[provider first]\ntype = scripted\npriority = 1\nrate = 1000\n",
	    dispatch);
	assert_non_null(t = gwt_new(NULL, conf, T0));
	return t;
}

/* The delivery's row. */
static void
row(struct gwt *t, int64_t id, struct delivery *d)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(store_delivery_get(t->gw.store, id, d), 0);
}

/* Everything due is sent and recorded as sent, with the provider's ref. */
static void
test_sent(void **state)
{
	struct gwt	*t = one("");
	struct delivery	 d;
	int64_t		 a;

	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 0, false, three)) > 0);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, "first"), 3);
	row(t, gwt_delivery_of(t, a, CH_SMS), &d);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, "first");
	assert_string_equal(d.provider_ref, "first-1");
	assert_int_equal(d.attempts, 1);
	delivery_clear(&d);
	gwt_free(t);
}

/*
 * A passing failure waits base * 2^(n-1), half fixed and half jittered,
 * capped at retry_max_ms; nothing is sent before next_at, and the
 * delivery goes out at next_at.
 */
static void
test_backoff_bounds(void **state)
{
	struct gwt	*t = one("retry_base_ms = 1000\nretry_max_ms = 8000\n"
			    "max_attempts = 10\nbreaker_failures = 100");
	struct delivery	 d;
	int64_t		 a, id, want, wait;
	int		 n;

	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 0, false, anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	for (n = 1; n <= 5; n++) {
		gwt_script(t, NULL, SEND_TEMPFAIL, 503, 0, false);
		gwt_round(t);
		assert_int_equal(gwt_nsends(t, NULL), n);
		row(t, id, &d);
		assert_int_equal(d.state, DS_QUEUED);
		want = 1000LL << (n - 1);
		if (want > 8000)
			want = 8000;
		wait = d.next_at - gw_now(&t->gw);
		assert_in_range(wait, want / 2, want);
		delivery_clear(&d);
		/* Not a millisecond early. */
		gwt_advance(t, wait - 1);
		gwt_round(t);
		assert_int_equal(gwt_nsends(t, NULL), n);
		gwt_advance(t, 1);
	}
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 6);
	assert_int_equal(gwt_state(t, id), DS_SENT);
	gwt_free(t);
}

/* A provider's Retry-After longer than the backoff is waited for. */
static void
test_retry_after(void **state)
{
	struct gwt	*t = one("retry_base_ms = 1000\nretry_max_ms = 300000");
	struct delivery	 d;
	int64_t		 a, id;

	assert_true((a = gwt_alert(t, SEV_MODERATE, 0, 0, false, anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	gwt_script(t, NULL, SEND_TEMPFAIL, 429, 30, false);
	gwt_round(t);
	row(t, id, &d);
	assert_int_equal(d.next_at, T0 + 30 * SEC);
	delivery_clear(&d);
	gwt_advance(t, 30 * SEC - 1);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 1);
	gwt_advance(t, 1);
	gwt_round(t);
	assert_int_equal(gwt_state(t, id), DS_SENT);
	gwt_free(t);
}

/*
 * A moderate alert: three 503s in a row open the first provider's
 * breaker, and the retry goes to the failover at once. After the
 * cooldown the first gets one probe, which closes its breaker again.
 */
static void
test_breaker_failover(void **state)
{
	struct gwt	*t;
	struct provider	*first;
	struct delivery	 d;
	int64_t		 a, id, b;
	int		 n;

	assert_non_null(t = gwt_new(NULL, "[dispatch]\nretry_base_ms = 100\n"
	    "retry_max_ms = 100\nbreaker_failures = 3\n"
	    "breaker_cooldown_ms = 20000\n"
	    "[provider first]\ntype = scripted\npriority = 1\n"
	    "[provider second]\ntype = scripted\npriority = 2\n", T0));
	first = providers_find(t->gw.providers, "first");
	assert_true((a = gwt_alert(t, SEV_MODERATE, 0, 0, false, anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	for (n = 0; n < 3; n++) {
		gwt_script(t, "first", SEND_TEMPFAIL, 503, 0, false);
		gwt_round(t);
		if (n < 2)
			assert_int_equal(gwt_state(t, id), DS_QUEUED);
		gwt_advance(t, 100);
	}
	assert_int_equal(gwt_nsends(t, "first"), 3);
	assert_int_equal(first->breaker, BREAKER_OPEN);
	/* No backoff: the next round, whatever the time, fails over. */
	row(t, id, &d);
	assert_int_equal(d.next_at, T0 + 200);
	delivery_clear(&d);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, "second"), 1);
	assert_int_equal(gwt_nsends(t, "second"), 1);
	row(t, id, &d);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, "second");
	delivery_clear(&d);

	/* A new alert while the breaker is open: the failover. */
	gwt_advance(t, 1000);
	assert_true((b = gwt_alert(t, SEV_MODERATE, 0, 0, false, three)) > 0);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, "second"), 4);
	/* Cooled down: one probe goes to first, and closes the breaker. */
	gwt_advance(t, 20 * SEC);
	assert_true((b = gwt_alert(t, SEV_MODERATE, 0, 0, false, three)) > 0);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, "first"), 4);
	assert_int_equal(first->breaker, BREAKER_CLOSED);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, "first"), 6);
	gwt_free(t);
}

/*
 * An extreme alert does not wait for the breaker: after one failure the
 * message goes to the other provider in the same pass, and so do the
 * next extreme ones while the first is in a run of failures.
 */
static void
test_extreme_fails_over_first(void **state)
{
	struct gwt	*t;
	struct delivery	 d;
	int64_t		 a, id;

	assert_non_null(t = gwt_new(NULL, "[dispatch]\nretry_base_ms = 5000\n"
	    "retry_max_ms = 5000\nbreaker_failures = 5\n"
	    "[provider first]\ntype = scripted\npriority = 1\n"
	    "[provider second]\ntype = scripted\npriority = 2\n", T0));
	assert_true((a = gwt_alert(t, SEV_EXTREME, 0, 0, false, anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	gwt_script(t, "first", SEND_TEMPFAIL, 502, 0, false);
	gwt_round(t);
	row(t, id, &d);
	assert_int_equal(d.state, DS_QUEUED);
	assert_int_equal(d.next_at, T0);	/* no backoff */
	delivery_clear(&d);
	gwt_round(t);
	row(t, id, &d);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, "second");
	delivery_clear(&d);
	assert_true((a = gwt_alert(t, SEV_EXTREME, 0, 0, false, three)) > 0);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, "first"), 1);
	assert_int_equal(gwt_nsends(t, "second"), 4);
	gwt_free(t);
}

/* After ms, a severe alert to anna: it is sent, by provider want. */
static void
severe_sent_by(struct gwt *t, int64_t ms, const char *want)
{
	struct delivery	 d;
	int64_t		 a;

	gwt_advance(t, ms);
	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 0, false, anna)) > 0);
	gwt_round(t);
	row(t, gwt_delivery_of(t, a, CH_SMS), &d);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, want);
	delivery_clear(&d);
}

/*
 * Failing over is for a while, not for ever: after one 429 (Retry-After
 * 1 s) severe messages go to the second provider, and once the first's
 * breaker cooldown is over the next severe message is offered to the
 * first again, although no message has succeeded there since.
 */
static void
test_severe_back_after_cooldown(void **state)
{
	struct gwt	*t;
	struct delivery	 d;
	int64_t		 a;

	assert_non_null(t = gwt_new(NULL, "[dispatch]\nretry_base_ms = 5000\n"
	    "retry_max_ms = 5000\nbreaker_failures = 5\n"
	    "breaker_cooldown_ms = 10000\n"
	    "[provider first]\ntype = scripted\npriority = 1\n"
	    "[provider second]\ntype = scripted\npriority = 2\n", T0));
	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 0, false, anna)) > 0);
	gwt_script(t, "first", SEND_TEMPFAIL, 429, 1, false);
	gwt_round(t);
	gwt_advance(t, 1 * SEC);
	gwt_round(t);
	row(t, gwt_delivery_of(t, a, CH_SMS), &d);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, "second");
	delivery_clear(&d);
	/* Paused no more, but within the cooldown: still the second. */
	severe_sent_by(t, 2 * SEC, "second");
	/* After it: the first again. */
	severe_sent_by(t, 10 * SEC, "first");
	assert_int_equal(gwt_nsends(t, "first"), 2);
	assert_int_equal(gwt_nsends(t, "second"), 2);
	gwt_free(t);
}

/*
 * A 45-second outage of the only provider (503 to everything) with the
 * shipped retry settings: nothing fails, the breaker stops attempts
 * being spent on a provider known to be down (a probe per cooldown),
 * and everything is sent when it comes back.
 */
static void
test_outage_does_not_fail(void **state)
{
	struct gwt	*t = one("max_attempts = 6\nretry_base_ms = 1000\n"
			    "retry_max_ms = 300000\nbreaker_failures = 5\n"
			    "breaker_cooldown_ms = 10000");
	struct delivery	 d;
	int64_t		 a, id;
	int		 i, n;

	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 0, false, three)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	for (i = 0; i < 60; i++)
		gwt_script(t, NULL, SEND_TEMPFAIL, 503, 0, false);
	for (n = 0; n < 450; n++) {	/* 45 s in 100 ms steps */
		gwt_round(t);
		gwt_advance(t, 100);
	}
	/* 5 to open, then a probe each 10 s cooldown: far from 60. */
	assert_in_range(gwt_nsends(t, NULL), 5, 12);
	row(t, id, &d);
	assert_int_equal(d.state, DS_QUEUED);
	assert_in_range(d.attempts, 1, 8);
	delivery_clear(&d);
	t->nscript = 0;			/* the provider is back */
	for (n = 0; n < 3000 && gwt_nsends(t, NULL) < 60; n++) {
		gwt_round(t);
		gwt_advance(t, 100);
		if (gwt_state(t, id) == DS_SENT &&
		    gwt_state(t, id + 1) == DS_SENT &&
		    gwt_state(t, id + 2) == DS_SENT)
			break;
	}
	/* Right after the first probe that finds it back (a cooldown). */
	assert_in_range(n, 0, 101);
	for (i = 0; i < 3; i++)
		assert_int_equal(gwt_state(t, id + i), DS_SENT);
	gwt_free(t);
}

/* A refused credential sends the message to the other provider. */
static void
test_auth_failover(void **state)
{
	struct gwt	*t;
	struct delivery	 d;
	int64_t		 a, id;

	assert_non_null(t = gwt_new(NULL, "[dispatch]\nretry_base_ms = 100\n"
	    "retry_max_ms = 100\n"
	    "[provider first]\ntype = scripted\npriority = 1\n"
	    "[provider second]\ntype = scripted\npriority = 2\n", T0));
	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 0, false, anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	gwt_script(t, "first", SEND_PERMFAIL, 401, 0, true);
	gwt_round(t);
	assert_int_equal(gwt_state(t, id), DS_QUEUED);
	gwt_advance(t, 100);
	gwt_round(t);
	row(t, id, &d);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, "second");
	delivery_clear(&d);
	assert_int_equal(providers_find(t->gw.providers, "first")->breaker,
	    BREAKER_OPEN);
	gwt_free(t);
}

/* A refusal of the message itself fails it at once. */
static void
test_permfail(void **state)
{
	struct gwt	*t = one("");
	struct delivery	 d;
	int64_t		 a, id;

	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 0, false, anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	gwt_script(t, NULL, SEND_PERMFAIL, 400, 0, false);
	gwt_round(t);
	row(t, id, &d);
	assert_int_equal(d.state, DS_FAILED);
	assert_string_equal(d.error, "scripted 400");
	delivery_clear(&d);
	gwt_advance(t, 3600 * SEC);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 1);
	gwt_free(t);
}

/* What could not be sent before the alert expired ends expired. */
static void
test_expiry(void **state)
{
	struct gwt	*t = one("retry_base_ms = 10000\nretry_max_ms = 10000");
	int64_t		 a, id;

	assert_true((a = gwt_alert(t, SEV_MODERATE, T0 + 5 * SEC, 0, false,
	    anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	gwt_script(t, NULL, SEND_TEMPFAIL, 503, 0, false);
	gwt_round(t);
	/* The next try would come after the expiry: expired at once. */
	assert_int_equal(gwt_state(t, id), DS_EXPIRED);
	gwt_free(t);

	t = one("retry_base_ms = 1000\nretry_max_ms = 1000");
	assert_true((a = gwt_alert(t, SEV_MODERATE, T0 + 5 * SEC, 0, false,
	    anna)) > 0);
	id = gwt_delivery_of(t, a, CH_SMS);
	gwt_script(t, NULL, SEND_TEMPFAIL, 503, 0, false);
	gwt_round(t);
	assert_int_equal(gwt_state(t, id), DS_QUEUED);
	/* Queued past the expiry: the sweep expires it, nothing is sent. */
	gwt_advance(t, 5 * SEC);
	gwt_round(t);
	assert_int_equal(gwt_state(t, id), DS_EXPIRED);
	assert_int_equal(gwt_nsends(t, NULL), 1);
	gwt_free(t);
}

/*
 * escalate_after_s: an SMS without a report or an answer gets a call at
 * created_at + escalate_after_s, not a second before, and only one.
 */
static void
test_escalation_timing(void **state)
{
	struct gwt	*t = one("");
	int64_t		 a, sms;

	assert_true((a = gwt_alert(t, SEV_SEVERE, 0, 300, true, anna)) > 0);
	sms = gwt_delivery_of(t, a, CH_SMS);
	gwt_round(t);
	assert_int_equal(gwt_state(t, sms), DS_SENT);
	gwt_advance(t, 299 * SEC);
	gwt_round(t);
	assert_int_equal(gwt_delivery_of(t, a, CH_VOICE), 0);
	gwt_advance(t, SEC);
	gwt_round(t);
	assert_true(gwt_delivery_of(t, a, CH_VOICE) > 0);
	/* The call went out in the same pass and asks for key 1. */
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 2);
	assert_int_equal(t->sends[1].channel, CH_VOICE);
	assert_string_equal(t->sends[1].text,
	    "Test Tryck 1 för att bekräfta.");
	gwt_advance(t, 600 * SEC);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 2);
	gwt_free(t);
}

/* A reply pinned to a provider that is no longer configured fails. */
static void
test_pinned_gone(void **state)
{
	struct gwt	*t = one("");
	struct delivery	 d;

	memset(&d, 0, sizeof(d));
	strlcpy(d.phone, anna[0], sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Svar";
	d.state = DS_QUEUED;
	d.segments = 1;
	d.next_at = T0;
	d.created_at = T0;
	strlcpy(d.kind, "reply-help", sizeof(d.kind));
	strlcpy(d.pin, "gone", sizeof(d.pin));
	assert_int_equal(store_delivery_insert(t->gw.store, &d), 0);
	gwt_round(t);
	assert_int_equal(gwt_state(t, d.id), DS_FAILED);
	assert_int_equal(gwt_nsends(t, NULL), 0);
	gwt_free(t);
}

/* Extreme goes before minor, whatever the order they came in. */
static void
test_severity_order(void **state)
{
	struct gwt	*t = one("batch_max = 1");
	int64_t		 minor, extreme;

	assert_true((minor = gwt_alert(t, SEV_MINOR, 0, 0, false, anna)) > 0);
	gwt_advance(t, 1);
	assert_true((extreme = gwt_alert(t, SEV_EXTREME, 0, 0, false,
	    anna)) > 0);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 1);
	assert_int_equal(t->sends[0].delivery_id,
	    gwt_delivery_of(t, extreme, CH_SMS));
	gwt_round(t);
	assert_int_equal(t->sends[1].delivery_id,
	    gwt_delivery_of(t, minor, CH_SMS));
	gwt_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sent),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_breaker_failover),
		cmocka_unit_test(test_extreme_fails_over_first),
		cmocka_unit_test(test_severe_back_after_cooldown),
		cmocka_unit_test(test_outage_does_not_fail),
		cmocka_unit_test(test_auth_failover),
		cmocka_unit_test(test_permfail),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_escalation_timing),
		cmocka_unit_test(test_pinned_gone),
		cmocka_unit_test(test_severity_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
