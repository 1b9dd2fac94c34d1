/*
 * Local time without the process's TZ: a time zone read from the
 * system's zoneinfo (a TZif file, RFC 8536, with its POSIX rule for the
 * years after its table), so every decision in local time (quiet hours,
 * the daily retention job) is a pure function of the loop's clock and
 * the configured [gateway] timezone. Nothing here calls setenv or
 * localtime: tests and the daemon may use several zones at once.
 *
 * Times are seconds or milliseconds since the epoch (UTC), as named.
 */
#ifndef VARSEL_TZ_H
#define VARSEL_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tz;

/* A wall-clock time in a zone. */
struct tz_local {
	int	year;
	int	mon;		/* 1..12 */
	int	mday;		/* 1..31 */
	int	hour, min, sec;
	int	wday;		/* 0 Sunday .. 6 */
	int	offset;		/* seconds east of UTC then */
	bool	dst;
};

/*
 * The zone name ("Europe/Stockholm", "UTC") from $TZDIR or
 * /usr/share/zoneinfo; NULL with err if there is none or it is broken.
 */
struct tz	*tz_load(const char *name, char *err, size_t errlen);
/* The zone from a TZif image in memory (tests); NULL with err. */
struct tz	*tz_parse(const char *name, const unsigned char *, size_t,
		    char *err, size_t errlen);
void		 tz_free(struct tz *);
const char	*tz_name(const struct tz *);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12). */
int64_t		 tz_days(int64_t y, int m, int d);

/* Seconds east of UTC at the instant t (seconds). */
int		 tz_offset(const struct tz *, int64_t t, bool *dst);
/* The wall-clock time at the instant t (seconds). */
void		 tz_local(const struct tz *, int64_t t, struct tz_local *);
/*
 * The instant (seconds) the wall clock shows year-mon-mday hour:min:00.
 * Twice in the autumn: the first. Never in the spring gap: the instant
 * the gap ends (clocks jump from 02:00 to 03:00: 02:30 is 03:00).
 * mday may run past the month's end (day 32 of January is 1 February).
 */
int64_t		 tz_utc(const struct tz *, int year, int mon, int mday,
		    int hour, int min);

/* A daily window of wall-clock minutes, "21:00-08:00" (across midnight). */
struct tz_window {
	bool	set;		/* false: no window ("" or "none") */
	int	start;		/* minute of the day it begins, 0..1439 */
	int	end;		/* minute it ends (exclusive) */
};
/* Parse "HH:MM-HH:MM", "" or "none"; -1 with err. */
int		 tz_window_parse(const char *, struct tz_window *, char *err,
		    size_t errlen);
/*
 * If the instant now_ms is inside the window in zone tz, the instant
 * (ms) it ends; else 0.
 */
int64_t		 tz_window_end(const struct tz *, const struct tz_window *,
		    int64_t now_ms);
/* Parse "HH:MM" into minutes of the day; -1 if it is not one. */
int		 tz_hhmm(const char *);
/* The next instant (ms) after now_ms when the wall clock shows the
 * minute of the day min (tomorrow if today's has passed). */
int64_t		 tz_next_daily(const struct tz *, int min, int64_t now_ms);

#endif
