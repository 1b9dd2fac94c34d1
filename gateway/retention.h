/*
 * The daily erasure of personal data past retention_days: numbers and
 * texts of deliveries and inbound SMS, from a timer of the loop at
 * retention_at in the configured timezone, in small batches spread over
 * passes of the loop so it never holds the loop (store_retention_batch).
 * Counted in the log and in /metrics. varselctl purge stays for doing it
 * by hand.
 */
#ifndef VARSEL_RETENTION_H
#define VARSEL_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw;
struct retention;

/* What the job did since the start, for /metrics. */
struct retention_stats {
	uint64_t	runs;		/* runs finished */
	uint64_t	deliveries;	/* erased */
	uint64_t	inbound;
	int64_t		last_at;	/* ms: the last run finished; 0 none */
	int64_t		next_at;	/* ms: the next starts; 0 none */
};

/* Start the timer (off when retention_days is 0); NULL with err. */
struct retention *retention_new(struct gw *, char *err, size_t errlen);
void		 retention_free(struct retention *);
/*
 * What the timer does (tests call it after moving the clock): start a
 * run when its time has come, or do the next batch of the one running.
 * Returns true while a run has batches left.
 */
bool		 retention_run(struct retention *);
void		 retention_stats(const struct retention *,
		    struct retention_stats *);

#endif
