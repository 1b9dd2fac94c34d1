/*
 * Fan-out: an accepted alert request becomes an alert row and one
 * delivery per recipient and channel, all committed before the 202.
 */
#ifndef VARSEL_FANOUT_H
#define VARSEL_FANOUT_H

#include <stdbool.h>

#include "alert.h"

struct gw;
struct alert_row;
struct audit_entry;

/* Who writes an alert: the alert row's client, and its audit row. */
struct fanout_who {
	const char		*name;	/* the client's or user's name */
	bool			 user;	/* a console user */
	struct audit_entry	*audit;	/* appended in the alert's own
					   transaction (alert_id and detail
					   filled in), or NULL */
	int			 approval_over;	/* a console user's alert to
					   more (or to residents) waits for
					   approval; -1: never waits */
	bool			 extreme_goes;	/* an approver: an extreme
					   alert goes at once */
};

/* Does the alert reach residents (their group, or an area)? */
bool	fanout_to_residents(const struct alert_req *);

#define FANOUT_NEW		0
#define FANOUT_DUPLICATE	1

/*
 * Resolve req's audience for client and store the alert with its
 * deliveries. Returns FANOUT_NEW or FANOUT_DUPLICATE with *response set
 * to the answer's JSON body (caller frees), or -1 with err.
 */
int	fanout_alert(struct gw *, const struct alert_req *, const char *client,
	    char **response, struct api_error *err);
/* fanout_alert, with who wrote it and its audit row. */
int	fanout_alert_by(struct gw *, const struct alert_req *,
	    const struct fanout_who *, char **response, struct api_error *err);

/*
 * Render and count req without storing anything (POST /v1/preview):
 * *out is {"texts": [{lang, channel, text, encoding, segments,
 * recipients, suppressed}], "recipients", "suppressed", ...}. 0 or -1.
 */
int	fanout_preview(struct gw *, const struct alert_req *, json_t **out,
	    struct api_error *err);

/*
 * Release a scheduled alert a: its audience resolved now from the kept
 * request, its deliveries made queued and the gate opened, in one
 * transaction. A request that no longer fans out (a template or group
 * gone since) opens the gate with nobody asked and why in the alert's
 * error (and in why). *recipients: the deliveries made. -1 if the
 * database did not take it (the next try repeats it).
 */
int	fanout_release(struct gw *, const struct alert_row *a, char *why,
	    size_t whylen, int *recipients);

/* What a step of a call-out chain asked. */
struct fanout_step {
	int	step;
	int	recipients;
	int	people;
	int	suppressed;
	bool	last;		/* the chain is over */
};
/*
 * Ask the next audience of a's chain (escalate_to) now: the numbers the
 * alert has not asked yet, as step a->step + 1, and the step after it
 * due escalate_to_after_s later if there is one. An audience that no
 * longer resolves asks nobody (why says why). -1 on a database error.
 */
int	fanout_step(struct gw *, const struct alert_row *a,
	    struct fanout_step *out, char *why, size_t whylen);

/* Does a free text ask for JA/NEJ already (the prompt is not added)? */
bool	fanout_text_asks(const char *);

#endif
