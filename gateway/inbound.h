/*
 * Inbound SMS: store once per provider message id, parse the keyword,
 * act on it (TRYGG, STOPP, START, JA/NEJ, HJÄLP) and queue the reply as
 * an ordinary delivery through the provider and number it came in on.
 */
#ifndef VARSEL_INBOUND_H
#define VARSEL_INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"

struct gw;

/*
 * Handle one inbound SMS that provider received (already verified and
 * parsed by its adapter). Returns 0 (also for a duplicate), or -1 if it
 * could not be stored (the caller answers 503 so the provider retries).
 * With gw->batch the work joins the pass's durable transaction: answer
 * the provider only once that has committed (batch_after).
 */
int	inbound_sms(struct gw *, const char *provider,
	    const struct inbound_sms *);
/* inbound_sms with the clock given (ms since the epoch): for tests. */
int	inbound_sms_at(struct gw *, const char *provider,
	    const struct inbound_sms *, int64_t now);
/*
 * A distance as a reply shows it: metres under 1 km rounded to 10 m
 * ("350 m"), else km with one decimal, a decimal comma for sv, fi and
 * the other languages that write one ("1,2 km"), a point for en and
 * the rest ("1.2 km").
 */
void	inbound_distance_text(double metres, const char *lang, char *buf,
	    size_t len);

#endif
