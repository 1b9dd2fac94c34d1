/*
 * The loop's clock: libevent's cached time of the current pass, or a
 * frozen instant for tests. See clock.h.
 */
#include <stddef.h>

#include <event2/event.h>

#include "clock.h"
#include "util.h"

void
clock_init(struct clock *c, struct event_base *base)
{
	c->base = base;
	c->frozen = false;
	c->at = 0;
	c->offset = 0;
}

int64_t
clock_now(const struct clock *c)
{
	struct timeval	tv;

	if (c->frozen)
		return c->at;
	/* Outside a pass libevent reads the system clock itself. */
	if (c->base == NULL ||
	    event_base_gettimeofday_cached(c->base, &tv) == -1)
		return now_ms() + c->offset;
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000 + c->offset;
}

void
clock_set(struct clock *c, int64_t ms)
{
	c->frozen = true;
	c->at = ms;
}

void
clock_advance(struct clock *c, int64_t ms)
{
	if (!c->frozen)
		clock_set(c, clock_now(c));
	c->at += ms;
}

void
clock_shift(struct clock *c, int64_t ms)
{
	c->offset = 0;
	c->offset = ms - clock_now(c);
}
