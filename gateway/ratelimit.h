/*
 * Pure rate and retry arithmetic: token buckets and backoff. No clocks
 * inside: callers pass now, so tests control time.
 */
#ifndef VARSEL_RATELIMIT_H
#define VARSEL_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct tbucket {
	double	rate;		/* tokens per second */
	double	burst;		/* capacity */
	double	tokens;
	int64_t	last_ms;
};

/* A bucket with rate per second and the given burst, full at now. */
void	tbucket_init(struct tbucket *, double rate, double burst, int64_t now);
/* Take n tokens if there are n; true if taken. */
bool	tbucket_take(struct tbucket *, double n, int64_t now);
/* Milliseconds until n tokens are there (0 if now). */
int64_t	tbucket_wait_ms(struct tbucket *, double n, int64_t now);

/*
 * Delay before retry number attempt (1 = first retry): base * 2^(attempt-1),
 * capped at max, then "equal jitter": half fixed, half random from rnd
 * (a value in [0, 1)).
 */
int64_t	backoff_ms(int attempt, int64_t base, int64_t max, double rnd);

#endif
