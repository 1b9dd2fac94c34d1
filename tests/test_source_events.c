/*
 * Tests of the events to source systems with the loop's clock frozen:
 * alert.progress at most every 5 s while counts change, alert.done once
 * nothing is left to send (and not before a pending escalation), and
 * the backoff of an event whose receiver does not answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gateway/gateway.h"
#include "gateway/source_events.h"
#include "gateway/store.h"
#include "gateway/types.h"
#include "tests/gw_test.h"

#define T0	GWT_T0
#define SEC	1000LL
#define FAR	(T0 + 365 * 24 * 3600 * SEC)

static const char conf[] =
    "[provider first]\ntype = scripted\n"
    "[client test]\n"
    "token_sha256 = 0000000000000000000000000000000000000000000000000000"
    "000000000000\nscopes = alerts:read\n";

/* Names of the events queued, collected by claiming them. */
struct seen {
	char	 names[16][32];
	int64_t	 next_at[16];
	size_t	 n;
};

static int
seen_cb(const struct callback_row *r, void *arg)
{
	struct seen	*s = arg;

	if (s->n < 16)
		strlcpy(s->names[s->n++], r->event, sizeof(s->names[0]));
	return 0;
}

/*
 * The events queued since the last call: they are claimed far in the
 * future with a lease that never ends, so each shows up once.
 */
static size_t
news(struct gwt *t, struct seen *s)
{
	static int64_t	k;

	memset(s, 0, sizeof(*s));
	assert_int_equal(store_callback_claim(t->gw.store, FAR + ++k,
	    FAR, 16, seen_cb, s), 0);
	return s->n;
}

/* An alert of n deliveries with a callback_url; its id. */
static int64_t
watched(struct gwt *t, int64_t escalate_after_s, const char *url)
{
	static const char *const phones[] = {
		"+46701740605", "+46701740606", NULL
	};
	int64_t			id;

	t->callback_url = url;
	assert_true((id = gwt_alert(t, SEV_SEVERE, 0, escalate_after_s,
	    false, phones)) > 0);
	return id;
}

/*
 * Progress at most every 5 s while counts change; done as soon as
 * nothing is queued or being sent (reports may still come), and once.
 */
static void
test_progress_and_done(void **state)
{
	struct gwt	*t;
	struct seen	 s;
	char		 sections[512];

	snprintf(sections, sizeof(sections), "[dispatch]\nretry_base_ms = "
	    "20000\nretry_max_ms = 20000\n%s", conf);
	assert_non_null(t = gwt_new(NULL, sections, T0));
	watched(t, 0, "https://coord.example/hook");
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 1);
	assert_string_equal(s.names[0], "alert.progress");
	/* A second later one is sent, one waits: changed, but too soon. */
	gwt_advance(t, SEC);
	gwt_script(t, NULL, SEND_TEMPFAIL, 503, 0, false);
	gwt_round(t);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 0);
	gwt_advance(t, 4 * SEC - 1);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 0);
	gwt_advance(t, 1);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 1);
	assert_string_equal(s.names[0], "alert.progress");
	/* No change: no progress, however long. */
	gwt_advance(t, 10 * SEC);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 0);
	/* The retry is sent: nothing is left to send, done at once. */
	gwt_advance(t, 10 * SEC);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 3);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 1);
	assert_string_equal(s.names[0], "alert.done");
	gwt_advance(t, 10 * SEC);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 0);
	gwt_free(t);
}

/*
 * Sent SMS of an alert that escalates may still become calls: done
 * waits until the escalation sweep has made them and found nothing more
 * to escalate.
 */
static void
test_done_waits_for_escalation(void **state)
{
	struct gwt	*t;
	struct seen	 s;

	assert_non_null(t = gwt_new(NULL, conf, T0));
	watched(t, 60, "https://coord.example/hook");
	gwt_round(t);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 1);
	assert_string_equal(s.names[0], "alert.progress");
	/* Nothing changes before the escalation time; nor is it done. */
	gwt_advance(t, 59 * SEC);
	gwt_round(t);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 0);
	/* The sweep calls both: progress, still not done. */
	gwt_advance(t, 2 * SEC);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 4);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 1);
	assert_string_equal(s.names[0], "alert.progress");
	/* The next sweep finds nobody left to call: done. */
	gwt_advance(t, SEC);
	gwt_round(t);
	source_events_watch(t->gw.events);
	assert_int_equal(news(t, &s), 1);
	assert_string_equal(s.names[0], "alert.done");
	gwt_free(t);
}

/* The row of the one event, by claiming it at when. */
static int64_t
claim_next(struct gwt *t, int64_t when)
{
	struct seen	s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_callback_claim(t->gw.store, when, 0, 16,
	    seen_cb, &s), 0);
	return (int64_t)s.n;
}

/* Run the loop until no event is in flight (10 s at most). */
static void
settle(struct gwt *t)
{
	int	i;

	for (i = 0; i < 1000; i++) {
		event_base_loop(t->gw.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (source_events_inflight(t->gw.events) == 0 && i > 0)
			return;
		usleep(10000);
	}
	fail_msg("the event request did not end");
}

/*
 * A receiver that refuses connections: the event waits 0.5-1 s, then
 * 1-2 s, and is due again exactly then, not before.
 */
static void
test_retry_backoff(void **state)
{
	struct gwt	*t;

	assert_non_null(t = gwt_new(NULL, conf, T0));
	watched(t, 0, "http://127.0.0.1:9/refused");
	source_events_watch(t->gw.events);	/* queues and starts it */
	settle(t);
	/* Not due before 500 ms, due by 1 s. */
	assert_int_equal(claim_next(t, T0 + 499), 0);
	assert_int_equal(claim_next(t, T0 + 1000), 1);
	gwt_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_and_done),
		cmocka_unit_test(test_done_waits_for_escalation),
		cmocka_unit_test(test_retry_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
