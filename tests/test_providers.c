/*
 * Tests of providers.c: the circuit breaker's states and which provider
 * carries a message, with time given as numbers (no clock, no network).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gateway/gateway.h"
#include "gateway/provider_conf.h"
#include "gateway/providers.h"
#include "gateway/types.h"
#include "tests/gw_test.h"

#define T0	GWT_T0

/* Two scripted providers: a first by priority and a failover. */
static const char two[] =
    "[dispatch]\nbreaker_failures = 3\nbreaker_cooldown_ms = 10000\n"
    "[provider first]\ntype = scripted\npriority = 1\n"
    "[provider second]\ntype = scripted\npriority = 2\n";

static int
setup(void **state)
{
	return (*state = gwt_new(NULL, two, T0)) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	gwt_free(*state);
	return 0;
}

/* An outcome as an adapter reports it. */
static struct send_result
result(enum send_status st, int http, bool auth)
{
	struct send_result	r;

	memset(&r, 0, sizeof(r));
	r.status = st;
	r.http_status = http;
	r.auth_error = auth;
	return r;
}

/* The table is in priority order and found by name. */
static void
test_lookup(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;

	assert_int_equal(providers_count(ps), 2);
	assert_string_equal(providers_at(ps, 0)->conf->name, "first");
	assert_string_equal(providers_at(ps, 1)->conf->name, "second");
	assert_null(providers_at(ps, 2));
	assert_ptr_equal(providers_find(ps, "second"), providers_at(ps, 1));
	assert_null(providers_find(ps, "third"));
	assert_true(providers_can(ps, CH_SMS));
	assert_true(providers_can(ps, CH_VOICE));
	assert_true(providers_other_carrier(ps, providers_at(ps, 0), CH_SMS));
}

/*
 * closed -> open after breaker_failures 5xx in a row -> half-open when
 * the cooldown has passed -> closed on a success.
 */
static void
test_breaker_cycle(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct provider		*a = providers_at(ps, 0);
	struct send_result	 fail = result(SEND_TEMPFAIL, 503, false);
	struct send_result	 ok = result(SEND_OK, 201, false);

	assert_int_equal(providers_account(ps, a, &fail, 300000, T0), 0);
	assert_int_equal(providers_account(ps, a, &fail, 300000, T0), 0);
	assert_int_equal(a->breaker, BREAKER_CLOSED);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0), a);
	/* The third in a row opens it, for the cooldown. */
	assert_int_equal(providers_account(ps, a, &fail, 300000, T0 + 5), 10000);
	assert_int_equal(a->breaker, BREAKER_OPEN);
	assert_int_equal(a->open_until, T0 + 5 + 10000);
	/* Meanwhile the failover carries. */
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 10004),
	    providers_at(ps, 1));
	assert_int_equal(a->breaker, BREAKER_OPEN);
	/* Cooled down: one probe at a time. */
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 10005), a);
	assert_int_equal(a->breaker, BREAKER_HALF_OPEN);
	a->inflight = 1;
	assert_false(provider_breaker_allows(a, T0 + 10006));
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 10006),
	    providers_at(ps, 1));
	a->inflight = 0;
	/* The probe succeeds: closed, failures forgotten. */
	assert_int_equal(providers_account(ps, a, &ok, 300000, T0 + 10010), 0);
	assert_int_equal(a->breaker, BREAKER_CLOSED);
	assert_int_equal(a->failures, 0);
	assert_int_equal(a->results[SEND_OK], 1);
	assert_int_equal(a->results[SEND_TEMPFAIL], 3);
}

/* A failed probe opens the breaker again at once. */
static void
test_breaker_probe_fails(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct provider		*a = providers_at(ps, 0);
	struct send_result	 fail = result(SEND_TEMPFAIL, 0, false);
	int			 i;

	for (i = 0; i < 3; i++)
		providers_account(ps, a, &fail, 300000, T0);
	assert_int_equal(a->breaker, BREAKER_OPEN);
	assert_true(provider_breaker_allows(a, T0 + 10000));
	assert_int_equal(a->breaker, BREAKER_HALF_OPEN);
	assert_int_equal(providers_account(ps, a, &fail, 300000, T0 + 10001), 10000);
	assert_int_equal(a->breaker, BREAKER_OPEN);
	assert_int_equal(a->open_until, T0 + 20001);
}

/* A refused credential opens at once, for the long auth cooldown. */
static void
test_breaker_auth(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct provider		*a = providers_at(ps, 0);
	struct send_result	 denied = result(SEND_PERMFAIL, 401, true);

	assert_int_equal(providers_account(ps, a, &denied, 300000, T0),
	    PROVIDER_AUTH_COOLDOWN_MS);
	assert_int_equal(a->breaker, BREAKER_OPEN);
	assert_false(provider_breaker_allows(a, T0 +
	    PROVIDER_AUTH_COOLDOWN_MS - 1));
	assert_true(provider_breaker_allows(a, T0 +
	    PROVIDER_AUTH_COOLDOWN_MS));
}

/* 4xx refusals of one message say the provider is up. */
static void
test_breaker_permfail_is_up(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct provider		*a = providers_at(ps, 0);
	struct send_result	 fail = result(SEND_TEMPFAIL, 502, false);
	struct send_result	 refused = result(SEND_PERMFAIL, 400, false);

	providers_account(ps, a, &fail, 300000, T0);
	providers_account(ps, a, &fail, 300000, T0);
	providers_account(ps, a, &refused, 300000, T0);
	/* The answer broke the run of failures. */
	assert_int_equal(a->failures, 0);
	providers_account(ps, a, &fail, 300000, T0);
	providers_account(ps, a, &fail, 300000, T0);
	assert_int_equal(a->breaker, BREAKER_CLOSED);
	providers_account(ps, a, &fail, 300000, T0);
	assert_int_equal(a->breaker, BREAKER_OPEN);
	assert_true(provider_breaker_allows(a, T0 + 10000));
	providers_account(ps, a, &refused, 300000, T0 + 10000);
	assert_int_equal(a->breaker, BREAKER_CLOSED);
}

/*
 * With every breaker open no provider is picked (attempts are not spent
 * on a provider known to be down); providers_usable_at says when one
 * may be tried again.
 */
static void
test_all_open(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct send_result	 fail = result(SEND_TEMPFAIL, 500, false);
	size_t			 i;
	int			 k;

	for (i = 0; i < 2; i++)
		for (k = 0; k < 3; k++)
			providers_account(ps, providers_at(ps, i), &fail,
			    300000, T0 + (int64_t)i * 1000);
	assert_int_equal(providers_at(ps, 1)->breaker, BREAKER_OPEN);
	assert_null(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 1));
	assert_null(providers_pick(ps, CH_SMS, SEV_EXTREME, T0 + 1));
	assert_int_equal(providers_usable_at(ps, CH_SMS, T0 + 1), T0 + 10000);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 10000),
	    providers_at(ps, 0));
	assert_true(providers_rate(ps, CH_SMS) == 100.0);
}

/*
 * Severe and extreme fail over first: after one failure of the first
 * provider they go to the second, while moderate stays until the
 * breaker opens.
 */
static void
test_severe_fails_over_first(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct send_result	 fail = result(SEND_TEMPFAIL, 503, false);
	struct send_result	 ok = result(SEND_OK, 201, false);

	providers_account(ps, providers_at(ps, 0), &fail, 300000, T0);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_EXTREME, T0),
	    providers_at(ps, 1));
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_SEVERE, T0),
	    providers_at(ps, 1));
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0),
	    providers_at(ps, 0));
	/* Both failing: severe takes the first usable by priority. */
	providers_account(ps, providers_at(ps, 1), &fail, 300000, T0);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_EXTREME, T0),
	    providers_at(ps, 0));
	/* A success ends the run: the first is preferred again. */
	providers_account(ps, providers_at(ps, 0), &ok, 300000, T0);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_EXTREME, T0),
	    providers_at(ps, 0));
}

/*
 * A 429 with Retry-After pauses the provider for that long, capped at
 * the most we wait (retry_max_ms), and counts towards its breaker.
 */
static void
test_retry_after_pauses(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct provider		*a = providers_at(ps, 0);
	struct send_result	 busy = result(SEND_TEMPFAIL, 429, false);

	busy.retry_after_s = 3600;
	assert_int_equal(providers_account(ps, a, &busy, 300000, T0),
	    300000);
	assert_int_equal(a->paused_until, T0 + 300000);
	assert_int_equal(a->failures, 1);
	assert_false(provider_usable(a, T0 + 299999));
	assert_true(provider_usable(a, T0 + 300000));
	/* Meanwhile the other carries, whatever the severity. */
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MINOR, T0 + 1),
	    providers_at(ps, 1));
	assert_true(providers_other_usable(ps, a, CH_SMS, T0 + 1));
	assert_false(providers_other_usable(ps, providers_at(ps, 1), CH_SMS,
	    T0 + 1));
	/* Two more 429s open the breaker: 429 is a failure like a 5xx. */
	busy.retry_after_s = 0;
	providers_account(ps, a, &busy, 300000, T0 + 2);
	providers_account(ps, a, &busy, 300000, T0 + 3);
	assert_int_equal(a->breaker, BREAKER_OPEN);
}

/*
 * A provider that hangs is found by its silence: requests open and no
 * answer for stall_ms (3000 by default). New messages then go to the
 * failover, severe ones too; when every carrier is silent the first is
 * still used; any answer, a refusal too, ends the silence, and so does
 * the last request ending. stall_ms = 0 never counts silence.
 */
static void
test_stalled(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct provider		*a = providers_at(ps, 0);
	struct provider		*b = providers_at(ps, 1);
	struct send_result	 refused = result(SEND_PERMFAIL, 400, false);
	struct send_result	 timeout = result(SEND_TEMPFAIL, 0, false);

	assert_int_equal(a->conf->stall_ms, 3000);
	/* Idle for long: the first request starts the count. */
	provider_request_begins(a, T0 + 60000);
	provider_request_begins(a, T0 + 61000);
	assert_int_equal(a->inflight, 2);
	assert_int_equal(provider_stall_at(a), T0 + 63000);
	assert_false(provider_stalled(a, T0 + 62999));
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 62999),
	    a);
	assert_true(provider_stalled(a, T0 + 63000));
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 63000),
	    b);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_EXTREME, T0 + 63000),
	    b);
	assert_int_equal(providers_silent(ps, CH_SMS, T0 + 63000), 0);
	/* Silent too: the first by priority is the last resort. */
	provider_request_begins(b, T0 + 63000);
	assert_int_equal(providers_silent(ps, CH_SMS, T0 + 65999), 0);
	assert_int_equal(providers_silent(ps, CH_SMS, T0 + 66000), 3000);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 66000),
	    a);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_EXTREME, T0 + 66000),
	    a);
	/* A timeout is no answer; a refusal is one. */
	providers_account(ps, a, &timeout, 300000, T0 + 66000);
	assert_true(provider_stalled(a, T0 + 66000));
	providers_account(ps, a, &refused, 300000, T0 + 66001);
	assert_false(provider_stalled(a, T0 + 66001));
	assert_int_equal(providers_silent(ps, CH_SMS, T0 + 66001), 0);
	assert_int_equal(provider_stall_at(a), T0 + 69001);
	assert_ptr_equal(providers_pick(ps, CH_SMS, SEV_MODERATE, T0 + 66001),
	    a);
	assert_true(provider_stalled(a, T0 + 69001));
	/* Nothing open, nothing to wait for. */
	b->inflight = 0;
	assert_false(provider_stalled(b, T0 + 99000));
	a->inflight = 0;
	assert_false(provider_stalled(a, T0 + 99000));
	assert_int_equal(provider_stall_at(a), 0);
}

/* stall_ms = 0: a provider is never taken for silent. */
static void
test_stall_off(void **state)
{
	struct gwt	*t;
	struct provider	*a;

	(void)state;
	t = gwt_new(NULL, "[provider first]\ntype = scripted\nstall_ms = 0\n"
	    "[provider second]\ntype = scripted\npriority = 2\n", T0);
	assert_non_null(t);
	a = providers_at(t->gw.providers, 0);
	provider_request_begins(a, T0);
	assert_false(provider_stalled(a, T0 + 3600000));
	assert_ptr_equal(providers_pick(t->gw.providers, CH_SMS, SEV_EXTREME,
	    T0 + 3600000), a);
	a->inflight = 0;
	gwt_free(t);
}

/* The states people are told of, and how the SMS channel fares. */
static void
test_states(void **state)
{
	struct gwt		*t = *state;
	struct providers	*ps = t->gw.providers;
	struct provider		*a = providers_at(ps, 0);
	struct provider		*b = providers_at(ps, 1);
	struct send_result	 fail = result(SEND_TEMPFAIL, 503, false);
	struct send_result	 busy = result(SEND_TEMPFAIL, 429, false);
	int64_t			 until;

	assert_int_equal(provider_state(a, T0, &until), PROVIDER_UP);
	assert_int_equal(until, 0);
	assert_int_equal(providers_channel_state(ps, CH_SMS, T0), CHANNEL_OK);
	providers_account(ps, a, &fail, 300000, T0);
	assert_int_equal(provider_state(a, T0, &until), PROVIDER_FAILING);
	assert_int_equal(providers_channel_state(ps, CH_SMS, T0), CHANNEL_OK);
	providers_account(ps, a, &fail, 300000, T0);
	providers_account(ps, a, &fail, 300000, T0);
	assert_int_equal(provider_state(a, T0, &until), PROVIDER_DOWN);
	assert_int_equal(until, T0 + 10000);
	assert_int_equal(providers_channel_state(ps, CH_SMS, T0),
	    CHANNEL_FAILOVER);
	busy.retry_after_s = 60;
	providers_account(ps, b, &busy, 300000, T0);
	assert_int_equal(provider_state(b, T0, &until), PROVIDER_PAUSED);
	assert_int_equal(until, T0 + 60000);
	assert_int_equal(providers_channel_state(ps, CH_SMS, T0),
	    CHANNEL_DOWN);
	/* Cooled down, a is still down until a probe answers; b's pause
	 * is over and it failed once. */
	assert_int_equal(provider_state(a, T0 + 60000, &until), PROVIDER_DOWN);
	assert_int_equal(until, 0);
	assert_int_equal(provider_state(b, T0 + 60000, &until),
	    PROVIDER_FAILING);
	assert_int_equal(providers_channel_state(ps, CH_SMS, T0 + 60000),
	    CHANNEL_FAILOVER);
	/* Silent: requests open and nothing heard for stall_ms. */
	provider_request_begins(b, T0 + 60000);
	assert_int_equal(provider_state(b, T0 + 63000, &until),
	    PROVIDER_SILENT);
	assert_int_equal(providers_channel_state(ps, CH_SMS, T0 + 63000),
	    CHANNEL_DOWN);
	b->inflight = 0;
	assert_string_equal(provider_state_name(PROVIDER_SILENT), "silent");
	assert_string_equal(channel_state_name(CHANNEL_FAILOVER), "failover");
	assert_string_equal(channel_state_name(CHANNEL_ABSENT), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_breaker_cycle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_breaker_probe_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_breaker_auth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_breaker_permfail_is_up,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_open, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_severe_fails_over_first,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_pauses,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled, setup, teardown),
		cmocka_unit_test(test_stall_off),
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
