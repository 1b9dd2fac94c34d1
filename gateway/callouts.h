/*
 * The life of an alert after its 202, on a timer of the loop: gates that
 * open by themselves (a scheduled alert at send_at, a held one when
 * quiet hours end: store.h, "the gate") and the steps of call-out
 * chains (escalate_to: the next audience is asked when fewer than need
 * said JA by escalate_to_after_s). All it acts on is in the store, so a
 * restart carries on where it was; time is the loop's clock.
 */
#ifndef VARSEL_CALLOUTS_H
#define VARSEL_CALLOUTS_H

#include <stddef.h>

struct gw;
struct callouts;

/* Start the timer (every second); NULL with err. */
struct callouts	*callouts_new(struct gw *, char *err, size_t errlen);
void		 callouts_free(struct callouts *);
/*
 * What the timer does (tests call it after moving the clock): release
 * the gated alerts whose time has come, ask the chain steps that are
 * due. At most a few of each per call; the rest on the next.
 */
void		 callouts_run(struct callouts *);
/* Stop acting (SIGTERM). */
void		 callouts_stop(struct callouts *);

#endif
