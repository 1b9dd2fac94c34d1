/*
 * Pure rate and retry arithmetic: token buckets and exponential backoff
 * with equal jitter. No clocks inside: callers pass now in milliseconds.
 *
 * Bucket rules:
 * - Tokens refill by the time elapsed since the last call, capped at burst.
 * - Time going backwards adds nothing; the bucket re-anchors at the new
 *   time so a clock step back does not stall it for as long as the step.
 * - A request for more than burst tokens could never be met by waiting.
 *   It is allowed when the bucket is full and takes the bucket below zero;
 *   the debt is paid back by refill before anything else passes, so the
 *   long-run rate holds and big messages do not starve.
 * - A rate <= 0 (or not a number) means no limit: everything passes.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "ratelimit.h"

/* Slack for floating-point refill sums (1e-9 of a token). */
#define TBUCKET_EPS	1e-9
/* The longest wait tbucket_wait_ms reports (about 292 million years). */
#define TBUCKET_MAX_WAIT	((int64_t)1 << 53)

static bool	tbucket_unlimited(const struct tbucket *);
static void	tbucket_refill(struct tbucket *, int64_t);
static double	tbucket_need(const struct tbucket *, double);

/* True if the bucket does not limit at all. */
static bool
tbucket_unlimited(const struct tbucket *b)
{
	return !(b->rate > 0);
}

/* Add the tokens earned since last_ms, capped at burst. */
static void
tbucket_refill(struct tbucket *b, int64_t now)
{
	if (now > b->last_ms) {
		/* In double: now - last_ms may not fit in an int64_t. */
		b->tokens += ((double)now - (double)b->last_ms) * b->rate /
		    1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	/* Going backwards only moves the anchor. */
	b->last_ms = now;
}

/* Tokens that must be there before n can be taken (burst at most). */
static double
tbucket_need(const struct tbucket *b, double n)
{
	return n > b->burst ? b->burst : n;
}

void
tbucket_init(struct tbucket *b, double rate, double burst, int64_t now)
{
	b->rate = rate;
	b->burst = burst > 0 ? burst : 0;
	b->tokens = b->burst;
	b->last_ms = now;
}

/* Take n tokens (n > burst: when full, going negative); true if taken. */
bool
tbucket_take(struct tbucket *b, double n, int64_t now)
{
	if (tbucket_unlimited(b))
		return true;
	tbucket_refill(b, now);
	if (!(n > 0))
		return true;	/* taking nothing just refills */
	if (b->tokens + TBUCKET_EPS < tbucket_need(b, n))
		return false;
	b->tokens -= n;
	return true;
}

/* Milliseconds until tbucket_take(b, n) succeeds, rounded up; 0 if now. */
int64_t
tbucket_wait_ms(struct tbucket *b, double n, int64_t now)
{
	double	ms;

	if (tbucket_unlimited(b) || !(n > 0))
		return 0;
	tbucket_refill(b, now);
	ms = (tbucket_need(b, n) - b->tokens) * 1000.0 / b->rate;
	/*
	 * Round up, but not when float noise is all that is left; half the
	 * slack of tbucket_take, so a take after the wait always succeeds.
	 */
	ms = ceil(ms - TBUCKET_EPS * 500.0 / b->rate);
	if (!(ms > 0))
		return 0;
	if (ms >= (double)TBUCKET_MAX_WAIT)
		return TBUCKET_MAX_WAIT;
	return (int64_t)ms;
}

/* Retry delay: base * 2^(attempt-1) capped at max, then equal jitter. */
int64_t
backoff_ms(int attempt, int64_t base, int64_t max, double rnd)
{
	int64_t	d, half, r;
	int	i;

	if (base <= 0 || max <= 0)
		return 0;
	d = base < max ? base : max;
	/* Double until the cap; stops early so it never overflows. */
	for (i = 1; i < attempt && d < max; i++)
		d = d > max / 2 ? max : d * 2;
	half = d / 2;
	if (!(rnd > 0))
		rnd = 0;	/* also NaN */
	else if (rnd >= 1)
		rnd = 1;
	r = (int64_t)(rnd * (double)(d - half));
	if (r >= d - half && d - half > 0)
		r = d - half - 1;	/* rnd is below 1: stay below d */
	return half + r;
}
