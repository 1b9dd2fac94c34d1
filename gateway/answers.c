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

static int	answers_need(struct gw *, int64_t, int64_t, bool *);

/*
 * A new JA on alert_id: if the alert has a need, count its JA (the
 * alert_totals its triggers keep, this answer included) and fill it
 * when they are enough. *enough: it was filled before this JA.
 */
static int
answers_need(struct gw *gw, int64_t alert_id, int64_t now, bool *enough)
{
	struct alert_row	a;
	struct alert_counts	c;
	int			n = 0, rc = -1;

	if (store_alert_get(gw->store, alert_id, &a) != 0)
		return -1;
	if (a.need <= 0) {
		rc = 0;
		goto out;
	}
	if (a.filled_at != 0) {
		*enough = true;
		rc = 0;
		goto out;
	}
	if (store_alert_counts(gw->store, alert_id, &c) == -1)
		goto out;
	if (c.acks_yes < a.need) {
		rc = 0;
		goto out;
	}
	if (store_alert_fill(gw->store, alert_id, now, &n) == -1)
		goto out;
	log_info("alert=%" PRId64 " evt=filled need=%d yes=%" PRId64
	    " cancelled=%d", alert_id, a.need, c.acks_yes, n);
	rc = 0;
out:
	alert_row_clear(&a);
	return rc;
}

int
answers_record(struct gw *gw, int64_t delivery_id, int64_t alert_id,
    int ack, int64_t now, bool *enough)
{
	struct store	*s = gw->store;
	struct delivery	 d;
	json_t		*data;
	char		 at[32];
	int		 rc = -1, prev, n = 0;
	bool		 full = false;

	if (enough != NULL)
		*enough = false;
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
	/* An answer, any: the call that would ask again is not needed. */
	if (store_escalation_cancel(s, alert_id, d.phone, now, &n) == -1)
		goto out;
	if (prev == (ack > 0 ? 1 : -1)) {
		rc = 0;
		goto out;
	}
	if (ack > 0 && answers_need(gw, alert_id, now, &full) == -1)
		goto out;
	if (enough != NULL)
		*enough = full;
	rc = 0;
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
