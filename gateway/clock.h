/*
 * The loop's clock. Decisions that depend on time (backoff, circuit
 * breakers, expiry, escalation, rate limits, signature windows) read it
 * through gw_now(): the instant libevent cached when the current pass of
 * the event loop began, so one pass sees one instant and reading it
 * costs no system call (memcached's current_time). Tests freeze it with
 * clock_set and move it with clock_advance, so a breaker's cooldown or a
 * retry's backoff is tested in milliseconds, not waited for.
 *
 * Measuring how long something took (an access log's ms) is not a
 * decision: that uses mono_ms() (util.h) directly.
 */
#ifndef VARSEL_CLOCK_H
#define VARSEL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;

struct clock {
	struct event_base	*base;		/* NULL: the system clock */
	bool			 frozen;	/* set by a test */
	int64_t			 at;		/* frozen: ms since the epoch */
	int64_t			 offset;	/* added to the running clock
						   (clock_shift) */
};

/* Read the time of base's loop (NULL: the system clock). */
void	clock_init(struct clock *, struct event_base *);
/* Milliseconds since the epoch, as this pass of the loop sees it. */
int64_t	clock_now(const struct clock *);
/* Freeze the clock at ms (tests). */
void	clock_set(struct clock *, int64_t ms);
/* Move a frozen clock by ms (it is frozen first at the present). */
void	clock_advance(struct clock *, int64_t ms);
/*
 * Let the running clock show ms now, and go on from there (a whole-daemon
 * test sets its clock this way: VARSEL_TEST_CLOCK, main.c).
 */
void	clock_shift(struct clock *, int64_t ms);

#endif
