/*
 * End-to-end tests of the send rate: the real varseld against the fake
 * Twilio (tests/fakes/fake_twilio) on 127.0.0.1. The configured rate and
 * connection limit as the fake measures them, and an extreme alert
 * overtaking a queue of minor ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define WAIT_MS		30000

#define FROM_MS		2000	/* test_rate's window starts then */
#define WINDOW_MS	4000	/* and is this long */

/*
 * 1. Rate: rate 100 and max_connections 4 against a fake that takes
 * 10 ms per request. The bucket holds one second's burst, which 4
 * connections of 10 ms (400/s, and still some 200/s on a busy machine)
 * drain within a second; from then on the rate is the configured one.
 * So: over the 4 s from 2 s after the first message the average is
 * within 5 % of 100/s, the whole run is no faster than rate plus one
 * burst allows, and the fake never sees more than 4 requests at once.
 */
static void
test_rate(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--no-dlr", "--latency-ms", "10",
			    NULL };
	const int	 n = 800, rate = 100;
	json_t		*times;
	long long	 t0, last, from, to, in = 0, v, want, most;
	size_t		 i;

	assert_int_equal(e2e_start_twilio(w, args, rate, 4, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, n, "rate", false), 0);
	assert_true(e2e_post_alert(&w->d, "{\"source_ref\": \"rate\", "
	    "\"message\": \"Prov av varningssystemet.\", \"audience\": "
	    "{\"groups\": [\"rate\"]}}", n) > 0);
	assert_int_equal(e2e_wait_fake(w, &w->tw, "accepted", n, WAIT_MS), 0);

	times = e2e_fake_get(&w->tw, "/_times");
	assert_true(json_is_array(times));
	assert_int_equal(json_array_size(times), n);
	t0 = json_integer_value(json_array_get(times, 0));
	last = json_integer_value(json_array_get(times, n - 1));
	from = t0 + FROM_MS;
	to = from + WINDOW_MS;
	for (i = 0; i < (size_t)n; i++) {
		v = json_integer_value(json_array_get(times, i));
		if (v >= from && v < to)
			in++;
	}
	json_decref(times);
	most = e2e_fake_stat(&w->tw, "max_concurrent");
	print_message("rate: %lld messages in [%d s, %d s): %.1f/s; %d in "
	    "%lld ms; at most %lld at once\n", in, FROM_MS / 1000,
	    (FROM_MS + WINDOW_MS) / 1000, in * 1000.0 / WINDOW_MS, n,
	    last - t0, most);
	/* The window must lie inside the run. */
	assert_true(last >= to);
	want = (long long)WINDOW_MS * rate / 1000;
	if (in < want * 95 / 100 || in > want * 105 / 100)
		fail_msg("%lld messages in %d s: %.1f/s, not %d/s within 5 %%",
		    in, WINDOW_MS / 1000, in * 1000.0 / WINDOW_MS, rate);
	if ((last - t0) * rate < (long long)(n - rate) * 1000 * 95 / 100)
		fail_msg("%d messages in %lld ms: faster than %d/s after a "
		    "burst of %d", n, last - t0, rate, rate);
	if (most > 4)
		fail_msg("%lld requests at once; max_connections is 4", most);
	assert_int_equal(e2e_finish(w), 0);
}

/* A number whose first SMS reached the fake Twilio. */
struct number_wait {
	struct e2e_world *w;
	const char	*num;
	long long	 seq;		/* its order among all accepted */
};

/* Has the number's first SMS reached the fake? */
static bool
arrived(void *arg)
{
	struct number_wait	*nw = arg;

	if (!e2e_alive(&nw->w->d))
		return true;
	nw->seq = e2e_fake_number(&nw->w->tw, nw->num, "first_seq");
	return nw->seq > 0;
}

/*
 * 2. Priority: with 5,000 minor messages queued at rate 200, an extreme
 * alert to one number is sent within about one scheduling round: fewer
 * than 400 minor messages reach the fake after it was posted and before
 * it.
 */
static void
test_priority(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--no-dlr", NULL };
	struct number_wait nw = { w, "+46709999999", 0 };
	long long	 before, seq;

	assert_int_equal(e2e_start_twilio(w, args, 200, 16, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 5000, "minor", false), 0);
	assert_true(e2e_post_alert(&w->d, "{\"source_ref\": \"minor\", "
	    "\"severity\": \"minor\", \"message\": \"Gatusopning på "
	    "måndag.\", \"audience\": {\"groups\": [\"minor\"]}}",
	    5000) > 0);
	assert_int_equal(e2e_wait_fake(w, &w->tw, "accepted", 200, WAIT_MS),
	    0);
	before = e2e_fake_stat(&w->tw, "accepted");
	assert_true(e2e_post_alert(&w->d, "{\"source_ref\": \"extreme\", "
	    "\"severity\": \"extreme\", \"message\": \"Gå inomhus, stäng "
	    "fönster och ventilation.\", \"audience\": {\"contacts\": "
	    "[\"+46709999999\"]}}", 1) > 0);
	if (e2e_wait_until(arrived, &nw, 10000) == -1 || nw.seq <= 0 ||
	    !e2e_alive(&w->d))
		fail_msg("the extreme alert never reached the fake");
	seq = nw.seq;
	print_message("priority: posted after %lld minor messages, sent as "
	    "number %lld\n", before, seq);
	if (seq - 1 - before >= 400)
		fail_msg("%lld minor messages went out after the extreme "
		    "alert was posted and before it", seq - 1 - before);
	assert_int_equal(e2e_finish(w), 0);
}

/* Run every test; each starts its own daemon and fakes. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		E2E_TEST(test_rate),
		E2E_TEST(test_priority),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
