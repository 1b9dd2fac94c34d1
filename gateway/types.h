/*
 * Shared vocabulary of Varsel: delivery states, channels, severities.
 * Each enum has a _name() for JSON and logs and a _parse() for input.
 */
#ifndef VARSEL_TYPES_H
#define VARSEL_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery states; the numbers are stored in SQLite, never renumber. */
enum dstate {
	DS_QUEUED = 0,		/* waiting for dispatch (maybe after a retry) */
	DS_SENDING = 1,		/* handed to a provider, answer pending */
	DS_SENT = 2,		/* provider accepted it */
	DS_DELIVERED = 3,	/* delivery report: on the handset */
	DS_FAILED = 4,		/* permanent error or attempts used up */
	DS_EXPIRED = 5,		/* not sent before the alert expired */
	DS_CANCELLED = 6,	/* alert cancelled before dispatch */
	DS_SUPPRESSED = 7,	/* never sent: opted out, invalid, not mobile */
	/* Voice calls after sending. */
	DS_RINGING = 8,		/* the phone rings */
	DS_ANSWERED = 9,	/* picked up (final: the message was heard) */
	DS_NO_ANSWER = 10,	/* rang out; retried, final when tries end */
	DS_BUSY = 11,		/* busy; retried like no answer */
	/* An alert behind its gate (alert_gate): not claimed until the
	   alert is released, then queued. */
	DS_HELD = 12,
	DS_NSTATES
};

/*
 * Why an alert's deliveries wait (alerts.gate; stored, never
 * renumber). An open alert is dispatched; any other is held behind its
 * gate until it is released (store_alert_release): its deliveries are
 * DS_HELD, or not made yet (scheduled: the audience is resolved at
 * release). A gate with a release time opens by itself (callouts.c).
 */
enum alert_gate {
	GATE_OPEN = 0,		/* released, or never held */
	GATE_SCHEDULED = 1,	/* send_at: fanned out at release */
	GATE_HELD = 2,		/* quiet hours: released when they end */
	GATE_APPROVAL = 3,	/* a console alert waiting for a second
				   person (approval_over, residents):
				   released by its approval */
	GATE_NGATES
};

/* The group START puts residents in: alerts to it need approval. */
#define RESIDENTS_GROUP	"invanare"

/* Channels are bits so a contact can allow several. */
enum channel {
	CH_SMS = 1,
	CH_VOICE = 2
};
#define CH_ALL	(CH_SMS | CH_VOICE)

/* CAP severities; the value is the dispatch priority (lower goes first). */
enum severity {
	SEV_EXTREME = 0,
	SEV_SEVERE = 1,
	SEV_MODERATE = 2,
	SEV_MINOR = 3,
	SEV_UNKNOWN = 4
};

const char	*dstate_name(enum dstate);
int		 dstate_parse(const char *);	/* -1 if unknown */
bool		 dstate_is_final(enum dstate);
const char	*channel_name(enum channel);
int		 channel_parse(const char *);	/* -1 if unknown */
const char	*severity_name(enum severity);
/* The alert's "state" while gated: "scheduled", "held",
   "awaiting_approval"; NULL if open. */
const char	*alert_gate_name(enum alert_gate);
int		 severity_parse(const char *);	/* -1 if unknown */

#endif
