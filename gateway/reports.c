/*
 * Delivery reports and call events (reports.h). The state changes join
 * the pass's transaction (batch.c): a report is acknowledged to its
 * provider only once that has committed.
 */
#include <string.h>

#include "answers.h"
#include "batch.h"
#include "config.h"
#include "dispatch.h"
#include "gateway.h"
#include "log.h"
#include "reports.h"
#include "store.h"
#include "types.h"

int
reports_delivery(struct gw *gw, const char *provider,
    const struct status_report *r)
{
	struct batch_op	op;
	char		ref[100];

	log_trace(TRACE_REPORTS, "provider=%s evt=report ref=%s state=%s",
	    provider, log_value(ref, sizeof(ref), r->ref),
	    dstate_name(r->state));
	/*
	 * Through the journal, after every state change before it: a
	 * report for an SMS whose "sent" is not written yet finds it.
	 */
	memset(&op, 0, sizeof(op));
	op.kind = BATCH_REPORT;
	op.at = gw_now(gw);
	op.state = r->state;
	strlcpy(op.provider, provider, sizeof(op.provider));
	strlcpy(op.ref, r->ref, sizeof(op.ref));
	return batch_put(gw->batch, &op, r->error[0] ? r->error : NULL) ?
	    0 : -1;
}

/* The word a call event has in the log. */
static const char *
call_event_name(enum voice_event_kind k)
{
	switch (k) {
	case VOICE_RINGING:
		return "ringing";
	case VOICE_ANSWERED:
	case VOICE_COMPLETED:
		return "answered";
	case VOICE_DTMF:
		return "dtmf";
	case VOICE_NO_ANSWER:
		return "no_answer";
	case VOICE_BUSY:
		return "busy";
	case VOICE_FAILED:
		break;
	}
	return "failed";
}

/*
 * No answer or busy: ring again after voice_retry_ms while tries and
 * the delivery's expiry allow, else end the call in that state.
 */
static int
call_unanswered(struct gw *gw, const struct delivery *del, enum dstate final,
    int64_t now)
{
	int64_t	retry_at = now + gw->cfg->voice_retry_ms;
	int	tries = 1 + gw->cfg->voice_retries, rc;

	if (del->attempts < tries && (del->expires_at == 0 ||
	    retry_at < del->expires_at)) {
		rc = store_delivery_retry(gw->store, del->id, retry_at,
		    dstate_name(final), now);
		if (gw->dispatch != NULL)
			dispatch_kick(gw->dispatch);
		return rc;
	}
	return store_delivery_finish(gw->store, del->id, final, NULL, now);
}

int
reports_call(struct gw *gw, const char *provider, int64_t id,
    const struct voice_event *ev)
{
	struct delivery	 del;
	char		 ref[100];
	int64_t		 now = gw_now(gw);
	int		 rc;

	log_trace(TRACE_REPORTS, "provider=%s evt=call_event ref=%s "
	    "delivery=%lld kind=%s digits=%zu", provider,
	    log_value(ref, sizeof(ref), ev->ref),
	    (long long)id, call_event_name(ev->kind), strlen(ev->digits));
	batch_join(gw->batch, false);
	if (id == 0 && (ev->ref[0] == '\0' || store_delivery_find_ref(
	    gw->store, provider, ev->ref, &id) != 0)) {
		log_info("provider=%s evt=call_unknown ref=%s", provider,
		    log_value(ref, sizeof(ref), ev->ref));
		return 0;
	}
	memset(&del, 0, sizeof(del));
	if ((rc = store_delivery_get(gw->store, id, &del)) != 0)
		return rc == STORE_NOTFOUND ? 0 : rc;
	if (del.channel != CH_VOICE || strcmp(del.provider, provider) != 0 ||
	    (ev->ref[0] != '\0' && del.provider_ref[0] != '\0' &&
	    strcmp(del.provider_ref, ev->ref) != 0)) {
		log_warnx("provider=%s evt=call_mismatch delivery=%lld: the "
		    "event does not belong to this call", provider,
		    (long long)id);
		delivery_clear(&del);
		return 0;
	}
	switch (ev->kind) {
	case VOICE_RINGING:
		rc = store_delivery_progress(gw->store, id, DS_RINGING, NULL,
		    now);
		break;
	case VOICE_ANSWERED:
	case VOICE_COMPLETED:
		rc = store_delivery_progress(gw->store, id, DS_ANSWERED, NULL,
		    now);
		break;
	case VOICE_DTMF:
		store_delivery_progress(gw->store, id, DS_ANSWERED, NULL, now);
		rc = 0;
		/* Key 1 is a JA, as "Tryck 1 för att bekräfta" says. */
		if (strcmp(ev->digits, "1") == 0 && del.alert_id != 0)
			rc = answers_record(gw, id, del.alert_id, 1, now,
			    NULL);
		break;
	case VOICE_NO_ANSWER:
	case VOICE_BUSY:
		rc = call_unanswered(gw, &del, ev->kind == VOICE_BUSY ?
		    DS_BUSY : DS_NO_ANSWER, now);
		break;
	case VOICE_FAILED:
	default:
		rc = store_delivery_finish(gw->store, id, DS_FAILED,
		    ev->error[0] ? ev->error : "the call failed", now);
		break;
	}
	log_info("delivery=%lld alert=%lld evt=call_%s provider=%s",
	    (long long)id, (long long)del.alert_id, call_event_name(ev->kind),
	    provider);
	delivery_clear(&del);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

void
reports_inproc_delivery(void *arg, const char *provider,
    const struct status_report *r)
{
	reports_delivery(arg, provider, r);
}

void
reports_inproc_call(void *arg, const char *provider,
    const struct voice_event *ev)
{
	reports_call(arg, provider, 0, ev);
}
