/*
 * Tests for gateway/ratelimit.c on a fake clock: token bucket throughput,
 * waits, refill caps, clocks going backwards, requests above the burst,
 * and backoff growth, cap and jitter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "ratelimit.h"
#include "util.h"

/* A fake monotonic clock that does not start at 0. */
#define T0	((int64_t)1700000000000)

/* One throughput run: rate, burst, simulated ms, clock step. */
struct rate_case {
	double	rate;
	double	burst;
	int64_t	span_ms;
	int64_t	step_ms;
};

static const struct rate_case rate_cases[] = {
	{ 50, 10, 10000, 1 },
	{ 50, 10, 10000, 7 },
	{ 50, 50, 10000, 1 },
	{ 50, 2, 10000, 3 },
	{ 3, 1, 10000, 1 },		/* 1/3 token per second: float sums */
	{ 0.5, 1, 10000, 1 },
	{ 100, 100, 10000, 13 },
	{ 1000, 5, 10000, 1 },
	{ 7.3, 2, 60000, 11 },
};

/*
 * Polling every step_ms and taking all it can, a bucket lets through
 * rate * seconds + burst, within one token.
 */
static void
test_throughput_polling(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(rate_cases); i++) {
		const struct rate_case	*c = &rate_cases[i];
		struct tbucket		 b;
		int64_t			 t;
		double			 want, got = 0;

		tbucket_init(&b, c->rate, c->burst, T0);
		for (t = T0; t <= T0 + c->span_ms; t += c->step_ms)
			while (tbucket_take(&b, 1, t))
				got++;
		want = c->rate * (double)c->span_ms / 1000.0 + c->burst;
		if (fabs(got - want) > 1.0)
			fail_msg("rate %g burst %g step %lld: %g passed, want "
			    "%g", c->rate, c->burst, (long long)c->step_ms,
			    got, want);
	}
}

/*
 * Sleeping exactly tbucket_wait_ms between takes (as the dispatcher
 * does) gives the same count, and every take after a wait succeeds.
 */
static void
test_throughput_waiting(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(rate_cases); i++) {
		const struct rate_case	*c = &rate_cases[i];
		struct tbucket		 b;
		int64_t			 t = T0, w;
		double			 want, got = 0;

		tbucket_init(&b, c->rate, c->burst, T0);
		for (;;) {
			w = tbucket_wait_ms(&b, 1, t);
			assert_true(w >= 0);
			t += w;
			if (t > T0 + c->span_ms)
				break;
			if (!tbucket_take(&b, 1, t))
				fail_msg("rate %g: take failed after waiting "
				    "%lld ms", c->rate, (long long)w);
			got++;
		}
		want = c->rate * (double)c->span_ms / 1000.0 + c->burst;
		if (fabs(got - want) > 1.0)
			fail_msg("rate %g burst %g: %g passed, want %g",
			    c->rate, c->burst, got, want);
	}
}

/* One wait: rate, tokens wanted on an empty bucket, exact ms. */
struct wait_case {
	double	rate;
	double	n;
	int64_t	ms;
};

static const struct wait_case wait_cases[] = {
	{ 10, 1, 100 },
	{ 10, 2, 200 },
	{ 10, 0.5, 50 },
	{ 3, 1, 334 },		/* 333.33 rounds up */
	{ 3, 3, 1000 },
	{ 7, 1, 143 },		/* 142.86 */
	{ 1000, 1, 1 },
	{ 1500, 1, 1 },		/* 0.67 ms rounds up to 1 */
	{ 0.1, 1, 10000 },
	{ 50, 1, 20 },
	{ 100, 5, 50 },
};

/*
 * On an empty bucket the wait is the exact ceiling: a take one ms earlier
 * fails, a take at the wait succeeds.
 */
static void
test_wait_exact(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(wait_cases); i++) {
		const struct wait_case	*c = &wait_cases[i];
		struct tbucket		 b, early;
		int64_t			 w;

		tbucket_init(&b, c->rate, 5, T0);
		assert_true(tbucket_take(&b, 5, T0));
		w = tbucket_wait_ms(&b, c->n, T0);
		if (w != c->ms)
			fail_msg("rate %g n %g: wait %lld, want %lld", c->rate,
			    c->n, (long long)w, (long long)c->ms);
		/* Asking twice changes nothing. */
		assert_int_equal(tbucket_wait_ms(&b, c->n, T0), w);
		early = b;
		if (w > 0 && tbucket_take(&early, c->n, T0 + w - 1))
			fail_msg("rate %g n %g: taken at %lld ms, before the "
			    "wait", c->rate, c->n, (long long)w - 1);
		if (!tbucket_take(&b, c->n, T0 + w))
			fail_msg("rate %g n %g: not taken after %lld ms",
			    c->rate, c->n, (long long)w);
	}
}

/* With tokens there, no wait; waiting takes nothing. */
static void
test_wait_zero(void **state)
{
	struct tbucket	b;
	int		i;

	(void)state;
	tbucket_init(&b, 10, 3, T0);
	assert_int_equal(tbucket_wait_ms(&b, 1, T0), 0);
	assert_int_equal(tbucket_wait_ms(&b, 3, T0), 0);
	assert_int_equal(tbucket_wait_ms(&b, 0, T0), 0);
	for (i = 0; i < 3; i++)
		assert_true(tbucket_take(&b, 1, T0));
	assert_false(tbucket_take(&b, 1, T0));
	assert_int_equal(tbucket_wait_ms(&b, 1, T0 + 40), 60);
}

/* A long idle time refills to burst, not beyond. */
static void
test_refill_capped(void **state)
{
	struct tbucket	b;
	int		i;

	(void)state;
	tbucket_init(&b, 10, 5, T0);
	assert_true(tbucket_take(&b, 5, T0));
	/* An hour idle would be 36000 tokens uncapped. */
	for (i = 0; i < 5; i++)
		assert_true(tbucket_take(&b, 1, T0 + 3600000));
	assert_false(tbucket_take(&b, 1, T0 + 3600000));
	/* Idle polling adds nothing past the cap either. */
	tbucket_init(&b, 10, 2, T0);
	for (i = 1; i <= 1000; i++)
		assert_true(tbucket_take(&b, 0, T0 + i * 1000));
	assert_true(tbucket_take(&b, 2, T0 + 1000000));
	assert_false(tbucket_take(&b, 1, T0 + 1000000));
	assert_true(b.tokens <= b.burst);
}

/* Taking 0 only brings the bucket up to now. */
static void
test_take_zero_refills(void **state)
{
	struct tbucket	b;

	(void)state;
	tbucket_init(&b, 10, 10, T0);
	assert_true(tbucket_take(&b, 10, T0));
	assert_true(tbucket_take(&b, 0, T0 + 500));
	assert_true(fabs(b.tokens - 5) < 1e-6);
	assert_int_equal(b.last_ms, T0 + 500);
}

/*
 * The clock going backwards adds no tokens and does not crash; the
 * bucket goes on from the new time rather than stalling.
 */
static void
test_clock_backwards(void **state)
{
	struct tbucket	b;
	int64_t		w;

	(void)state;
	tbucket_init(&b, 10, 5, T0 + 10000);
	assert_true(tbucket_take(&b, 5, T0 + 10000));
	assert_false(tbucket_take(&b, 1, T0));
	assert_true(b.tokens <= 1e-9);
	w = tbucket_wait_ms(&b, 1, T0);
	assert_int_equal(w, 100);
	assert_false(tbucket_take(&b, 1, T0 + 99));
	assert_true(tbucket_take(&b, 1, T0 + 100));
	assert_false(tbucket_take(&b, 1, T0 + 100));

	/* Wild jumps, even across the whole int64 range. */
	tbucket_init(&b, 10, 5, INT64_MAX);
	assert_true(tbucket_take(&b, 5, INT64_MAX));
	assert_false(tbucket_take(&b, 1, INT64_MIN));
	assert_true(tbucket_wait_ms(&b, 1, INT64_MIN) > 0);
	assert_true(tbucket_take(&b, 5, INT64_MAX));
	assert_false(tbucket_take(&b, 1, INT64_MAX));
	assert_true(b.tokens >= -1e-9 && b.tokens <= 1e-9);
}

/*
 * n above burst is taken only from a full bucket, which goes negative;
 * the debt delays what follows, so the long-run rate holds.
 */
static void
test_above_burst(void **state)
{
	struct tbucket	b;
	int64_t		t;
	int		got = 0;

	(void)state;
	tbucket_init(&b, 10, 5, T0);
	assert_true(tbucket_take(&b, 8, T0));
	assert_true(fabs(b.tokens + 3) < 1e-9);
	assert_false(tbucket_take(&b, 1, T0));
	/* From -3 to 1 token: 400 ms. */
	assert_int_equal(tbucket_wait_ms(&b, 1, T0), 400);
	assert_false(tbucket_take(&b, 1, T0 + 399));
	assert_true(tbucket_take(&b, 1, T0 + 400));

	/* Not full: a big take waits for a full bucket, not for n tokens. */
	tbucket_init(&b, 10, 5, T0);
	assert_true(tbucket_take(&b, 1, T0));
	assert_false(tbucket_take(&b, 8, T0));
	assert_int_equal(tbucket_wait_ms(&b, 8, T0), 100);
	assert_false(tbucket_take(&b, 8, T0 + 99));
	assert_true(tbucket_take(&b, 8, T0 + 100));

	/* Repeated big takes do not starve and do not beat the rate. */
	tbucket_init(&b, 10, 5, T0);
	for (t = T0; t <= T0 + 10000; t++)
		if (tbucket_take(&b, 8, t))
			got++;
	/* 10 s * 10/s + 5 = 105 tokens: 13 takes of 8 (one ahead). */
	assert_in_range(got, 12, 14);
}

/* A rate of 0 or less does not limit. */
static void
test_unlimited(void **state)
{
	struct tbucket	b;
	int		i;

	(void)state;
	tbucket_init(&b, 0, 1, T0);
	for (i = 0; i < 1000; i++)
		assert_true(tbucket_take(&b, 1, T0));
	assert_int_equal(tbucket_wait_ms(&b, 100, T0), 0);
	tbucket_init(&b, -5, 1, T0);
	assert_true(tbucket_take(&b, 50, T0));
}

/* One backoff: attempt, base, max, rnd, exact delay. */
struct backoff_case {
	int	attempt;
	int64_t	base;
	int64_t	max;
	double	rnd;
	int64_t	want;
};

static const struct backoff_case backoff_cases[] = {
	{ 1, 1000, 60000, 0, 500 },
	{ 1, 1000, 60000, 0.5, 750 },
	{ 1, 1000, 60000, 0.999, 999 },
	{ 2, 1000, 60000, 0, 1000 },
	{ 2, 1000, 60000, 0.999, 1999 },
	{ 3, 1000, 60000, 0, 2000 },
	{ 4, 1000, 60000, 0, 4000 },
	{ 6, 1000, 60000, 0, 16000 },
	{ 6, 1000, 60000, 0.999, 31984 },
	{ 7, 1000, 60000, 0, 30000 },		/* 64000 capped */
	{ 7, 1000, 60000, 0.999, 59970 },
	{ 100, 1000, 60000, 0, 30000 },
	{ 100, 1000, 60000, 0.999, 59970 },
	{ 100, 1, INT64_MAX, 0, INT64_MAX / 2 },
	{ 1000000, 30000, 3600000, 0, 1800000 },
	{ 0, 1000, 60000, 0, 500 },		/* below 1 counts as 1 */
	{ -3, 1000, 60000, 0, 500 },
	{ 1, 5000, 1000, 0, 500 },		/* base above max */
	{ 1, 1000, 60000, -0.5, 500 },		/* rnd out of range */
	{ 1, 1000, 60000, 1.0, 999 },
	{ 1, 1000, 60000, 7.0, 999 },
	{ 1, 1000, 60000, NAN, 500 },
	{ 1, 0, 60000, 0.5, 0 },
	{ 1, 1, 60000, 0.999, 0 },		/* d = 1: [0, 1) */
};

/* Every row of backoff_cases. */
static void
test_backoff_table(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(backoff_cases); i++) {
		const struct backoff_case	*c = &backoff_cases[i];
		int64_t				 got;

		got = backoff_ms(c->attempt, c->base, c->max, c->rnd);
		if (got != c->want)
			fail_msg("attempt %d base %lld max %lld rnd %g: %lld, "
			    "want %lld", c->attempt, (long long)c->base,
			    (long long)c->max, c->rnd, (long long)got,
			    (long long)c->want);
	}
}

/*
 * For every attempt up to 100 and rnd in [0, 1), the delay lies in
 * [d/2, d) for d = min(base * 2^(attempt-1), max), and never shrinks
 * as attempts grow.
 */
static void
test_backoff_bounds(void **state)
{
	static const double	rnds[] = { 0, 0.001, 0.25, 0.5, 0.75, 0.999,
				    0.9999999999999999 };
	static const int64_t	bases[] = { 1, 250, 1000, 7 };
	static const int64_t	maxes[] = { 1000, 60000, 3600000,
				    INT64_MAX };
	size_t			r, bi, mi;
	int			a;

	(void)state;
	for (bi = 0; bi < nitems(bases); bi++)
	for (mi = 0; mi < nitems(maxes); mi++)
	for (r = 0; r < nitems(rnds); r++) {
		int64_t	prev = 0;

		for (a = 1; a <= 100; a++) {
			long double	ld = (long double)bases[bi] *
			    powl(2.0L, a - 1);
			int64_t		d, got;

			d = ld >= (long double)maxes[mi] ? maxes[mi] :
			    (int64_t)ld;
			if (bases[bi] > maxes[mi])
				d = maxes[mi];
			got = backoff_ms(a, bases[bi], maxes[mi], rnds[r]);
			if (got < d / 2 || got >= d || got < prev)
				fail_msg("attempt %d base %lld max %lld rnd "
				    "%.17g: %lld, d %lld, previous %lld", a,
				    (long long)bases[bi],
				    (long long)maxes[mi], rnds[r],
				    (long long)got, (long long)d,
				    (long long)prev);
			prev = got;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_throughput_polling),
		cmocka_unit_test(test_throughput_waiting),
		cmocka_unit_test(test_wait_exact),
		cmocka_unit_test(test_wait_zero),
		cmocka_unit_test(test_refill_capped),
		cmocka_unit_test(test_take_zero_refills),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_above_burst),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_backoff_table),
		cmocka_unit_test(test_backoff_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
