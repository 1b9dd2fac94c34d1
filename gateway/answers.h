/*
 * Answers to alerts that asked for one (ack): a JA or NEJ by SMS
 * (inbound.c) and a key 1 pressed on a call (reports.c) take this one
 * route, so an answer is counted, reported to the source system and
 * acted on the same way whichever way it came: any answer ends the
 * escalation of its number (the call not placed yet is cancelled), and
 * the JA that brings an alert to its need fills it (store_alert_fill:
 * what was not sent is cancelled, the chain and the calls stop). JA that
 * come after it are told so ("Tack, vi har tillräckligt.").
 */
#ifndef VARSEL_ANSWERS_H
#define VARSEL_ANSWERS_H

#include <stdbool.h>
#include <stdint.h>

struct gw;

/*
 * Record the answer ack (1 yes, -1 no) on delivery_id of alert_id at now
 * and queue the alert's "ack" event when the answer is new (the same JA
 * twice is one event). Several in one transaction count one after the
 * other: the JA that reaches the need fills the alert, the next ones
 * find it full. *enough (may be NULL): this new JA came after the alert
 * had enough. Durable, inside the caller's transaction if one is open,
 * all or nothing. Returns 0 or -1.
 */
int	answers_record(struct gw *, int64_t delivery_id, int64_t alert_id,
	    int ack, int64_t now, bool *enough);

#endif
