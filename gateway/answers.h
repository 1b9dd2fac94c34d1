/*
 * Answers to alerts that asked for one (ack): a JA or NEJ by SMS
 * (inbound.c) and a key 1 pressed on a call (reports.c) take this one
 * route, so an answer is counted, reported to the source system and
 * later acted on (enough JA) the same way whichever way it came.
 */
#ifndef VARSEL_ANSWERS_H
#define VARSEL_ANSWERS_H

#include <stdint.h>

struct gw;

/*
 * Record the answer ack (1 yes, -1 no) on delivery_id of alert_id at now
 * and queue the alert's "ack" event when the answer is new (the same JA
 * twice is one event). Durable, inside the caller's transaction if one
 * is open, all or nothing. Returns 0 or -1.
 */
int	answers_record(struct gw *, int64_t delivery_id, int64_t alert_id,
	    int ack, int64_t now);

#endif
