/*
 * Answers (JA, NEJ, key 1) recorded on their delivery. See answers.h.
 */
#include <inttypes.h>
#include <stdbool.h>

#include <jansson.h>

#include "answers.h"
#include "gateway.h"
#include "log.h"
#include "source_events.h"
#include "store.h"
#include "util.h"

int
answers_record(struct gw *gw, int64_t delivery_id, int64_t alert_id,
    int ack, int64_t now)
{
	struct store	*s = gw->store;
	struct delivery	 d;
	json_t		*data;
	char		 at[32];
	int		 rc = -1, prev;

	/* Durable, and all or nothing inside the caller's transaction. */
	if (store_begin(s, true) == -1)
		return -1;
	if (store_savepoint(s) == -1) {
		store_commit(s);
		return -1;
	}
	if (store_delivery_get(s, delivery_id, &d) != 0) {
		log_warnx("%s: delivery %" PRId64 " not found", __func__,
		    delivery_id);
		goto out;
	}
	prev = d.ack;
	if (store_delivery_set_ack(s, delivery_id, ack > 0 ? 1 : -1, now) ==
	    -1)
		goto out;
	rc = 0;
	if (prev == (ack > 0 ? 1 : -1))
		goto out;
	if (gw->events == NULL) {
		log_debug("%s: no event sender; ack of alert %" PRId64
		    " not reported", __func__, alert_id);
		goto out;
	}
	time_to_text(now, at, sizeof(at));
	data = json_pack("{ss ss sI ss}", "phone", d.phone,
	    "answer", ack > 0 ? "yes" : "no",
	    "delivery_id", (json_int_t)delivery_id, "at", at);
	if (data == NULL ||
	    source_events_post(gw->events, alert_id, "ack", data) == -1)
		rc = -1;
out:
	delivery_clear(&d);
	if (store_savepoint_end(s, rc == 0) == -1)
		rc = -1;
	if (store_commit(s) == -1)
		rc = -1;
	return rc;
}
