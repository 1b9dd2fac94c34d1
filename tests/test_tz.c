/*
 * Tests of tz.c: offsets from the zoneinfo files checked against the C
 * library (TZ set in this test process only) over two centuries and
 * zones of both hemispheres, the POSIX rule past the file's table, wall
 * times in the spring gap and the autumn overlap, and quiet-hour
 * windows across midnight and across both DST changes of Stockholm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/tz.h"
#include "gateway/util.h"

#define H	3600LL
#define MS	1000LL

/* Stockholm, loaded once per test. */
static struct tz *
sthlm(void)
{
	struct tz	*z;
	char		 err[256];

	z = tz_load("Europe/Stockholm", err, sizeof(err));
	if (z == NULL)
		fail_msg("%s", err);
	return z;
}

/* tz_offset agrees with localtime_r's tm_gmtoff over 1900..2150. */
static void
test_against_libc(void **state)
{
	static const char *const zones[] = { "Europe/Stockholm",
	    "America/New_York", "Australia/Sydney", "Asia/Tehran", "UTC",
	    "America/Sao_Paulo", "Europe/Dublin" };
	struct tz	*z;
	struct tm	 tm;
	struct tz_local	 l;
	uint64_t	 rng = 4711;
	char		 err[256];
	size_t		 i, k;
	time_t		 t;

	for (i = 0; i < nitems(zones); i++) {
		if ((z = tz_load(zones[i], err, sizeof(err))) == NULL)
			fail_msg("%s", err);
		setenv("TZ", zones[i], 1);
		tzset();
		for (k = 0; k < 20000; k++) {
			rng = rng * 6364136223846793005ULL +
			    1442695040888963407ULL;
			/* 1902 .. 2150, with every 100th near a change. */
			t = (time_t)((int64_t)(rng >> 20) % (248LL * 365 *
			    86400)) - 68LL * 365 * 86400;
			assert_non_null(localtime_r(&t, &tm));
			tz_local(z, t, &l);
			if (l.offset != tm.tm_gmtoff || l.hour != tm.tm_hour ||
			    l.min != tm.tm_min || l.mday != tm.tm_mday ||
			    l.mon != tm.tm_mon + 1 ||
			    l.year != tm.tm_year + 1900 ||
			    l.wday != tm.tm_wday ||
			    l.dst != (tm.tm_isdst > 0))
				fail_msg("%s at %lld: tz %d %04d-%02d-%02d "
				    "%02d:%02d, libc %ld %04d-%02d-%02d "
				    "%02d:%02d", zones[i], (long long)t,
				    l.offset, l.year, l.mon, l.mday, l.hour,
				    l.min, (long)tm.tm_gmtoff,
				    tm.tm_year + 1900, tm.tm_mon + 1,
				    tm.tm_mday, tm.tm_hour, tm.tm_min);
		}
		tz_free(z);
	}
	unsetenv("TZ");
	tzset();
}

/* Stockholm's changes in 2026 from the table, in 2040 from the rule. */
static void
test_stockholm_changes(void **state)
{
	struct tz	*z = sthlm();
	bool		 dst;

	/* 2026-03-29 01:00Z: 02:00 CET becomes 03:00 CEST. */
	assert_int_equal(tz_offset(z, 1774746000 - 1, &dst), 3600);
	assert_false(dst);
	assert_int_equal(tz_offset(z, 1774746000, &dst), 7200);
	assert_true(dst);
	/* 2026-10-25 01:00Z: back to CET. */
	assert_int_equal(tz_offset(z, 1792890000 - 1, NULL), 7200);
	assert_int_equal(tz_offset(z, 1792890000, NULL), 3600);
	/* 2040-03-25 (its last Sunday of March), past the file's table. */
	assert_int_equal(tz_offset(z, 2216199600, NULL), 3600);
	assert_int_equal(tz_offset(z, 2216250000, NULL), 7200);
	assert_int_equal(tz_utc(z, 2040, 3, 25, 3, 0), 2216250000);
	tz_free(z);
}

/* Wall times: in the spring gap the instant it ends; twice: the first. */
static void
test_wall_times(void **state)
{
	struct tz	*z = sthlm();

	assert_int_equal(tz_utc(z, 2026, 3, 28, 23, 0), 1774735200);
	assert_int_equal(tz_utc(z, 2026, 3, 29, 8, 0), 1774764000);
	/* 02:30 on 29 March 2026 never happens: 03:00 CEST, 01:00Z. */
	assert_int_equal(tz_utc(z, 2026, 3, 29, 2, 30), 1774746000);
	assert_int_equal(tz_utc(z, 2026, 3, 29, 2, 0), 1774746000);
	assert_int_equal(tz_utc(z, 2026, 3, 29, 3, 0), 1774746000);
	/* 02:30 on 25 October 2026 happens twice: the first, 00:30Z. */
	assert_int_equal(tz_utc(z, 2026, 10, 25, 2, 30), 1792888200);
	/* Day 32 of October is 1 November. */
	assert_int_equal(tz_utc(z, 2026, 10, 32, 8, 0),
	    tz_utc(z, 2026, 11, 1, 8, 0));
	tz_free(z);
}

/* Window syntax: what is taken and what is refused. */
static void
test_window_parse(void **state)
{
	static const char *const bad[] = { "21-08", "21:00", "21:00-",
	    "25:00-08:00", "21:60-08:00", "21:00-21:00", "21:00 - 08:00",
	    "2100-0800", "21:00-08:00-09:00", "x" };
	struct tz_window	w;
	char			err[128];
	size_t			i;

	assert_int_equal(tz_window_parse("21:00-08:00", &w, err,
	    sizeof(err)), 0);
	assert_true(w.set);
	assert_int_equal(w.start, 21 * 60);
	assert_int_equal(w.end, 8 * 60);
	assert_int_equal(tz_window_parse("", &w, err, sizeof(err)), 0);
	assert_false(w.set);
	assert_int_equal(tz_window_parse("none", &w, err, sizeof(err)), 0);
	assert_false(w.set);
	for (i = 0; i < nitems(bad); i++)
		if (tz_window_parse(bad[i], &w, err, sizeof(err)) != -1)
			fail_msg("'%s' was taken", bad[i]);
}

/*
 * 21:00-08:00 in Stockholm: inside from 21:00:00.000 to 07:59:59.999
 * local, ending at the next 08:00; outside otherwise. Across midnight,
 * and across both changes of 2026: posted at 23:00, the wait is 9 hours
 * on a winter night, 8 on the spring night, 10 on the autumn night.
 */
static void
test_window_quiet_hours(void **state)
{
	struct tz		*z = sthlm();
	struct tz_window	 w;
	char			 err[128];
	int64_t			 at;

	assert_int_equal(tz_window_parse("21:00-08:00", &w, err,
	    sizeof(err)), 0);
	/* A winter night: 2026-01-14 23:00 CET. */
	at = tz_utc(z, 2026, 1, 14, 23, 0) * MS;
	assert_int_equal(tz_window_end(z, &w, at),
	    tz_utc(z, 2026, 1, 15, 8, 0) * MS);
	assert_int_equal(tz_window_end(z, &w, at) - at, 9 * H * MS);
	/* The edges, to the millisecond. */
	at = tz_utc(z, 2026, 1, 14, 21, 0) * MS;
	assert_int_equal(tz_window_end(z, &w, at - 1), 0);
	assert_int_equal(tz_window_end(z, &w, at), at + 11 * H * MS);
	at = tz_utc(z, 2026, 1, 15, 8, 0) * MS;
	assert_int_equal(tz_window_end(z, &w, at - 1), at);
	assert_int_equal(tz_window_end(z, &w, at), 0);
	/* After midnight it ends the same day. */
	at = tz_utc(z, 2026, 1, 15, 1, 5) * MS;
	assert_int_equal(tz_window_end(z, &w, at),
	    tz_utc(z, 2026, 1, 15, 8, 0) * MS);
	/* Noon: outside. */
	assert_int_equal(tz_window_end(z, &w,
	    tz_utc(z, 2026, 1, 15, 12, 0) * MS), 0);
	/* Spring: 23:00 CET to 08:00 CEST is 8 hours. */
	at = 1774735200LL * MS;
	assert_int_equal(tz_window_end(z, &w, at), 1774764000LL * MS);
	assert_int_equal(tz_window_end(z, &w, at) - at, 8 * H * MS);
	/* Autumn: 23:00 CEST to 08:00 CET is 10 hours. */
	at = 1792875600LL * MS;
	assert_int_equal(tz_window_end(z, &w, at), 1792911600LL * MS);
	assert_int_equal(tz_window_end(z, &w, at) - at, 10 * H * MS);
	/* Inside the repeated hour of that night, still until 08:00. */
	assert_int_equal(tz_window_end(z, &w, 1792890000LL * MS + 600 * MS),
	    1792911600LL * MS);
	/* A window within one day. */
	assert_int_equal(tz_window_parse("12:00-13:30", &w, err,
	    sizeof(err)), 0);
	at = tz_utc(z, 2026, 6, 1, 12, 45) * MS;
	assert_int_equal(tz_window_end(z, &w, at),
	    tz_utc(z, 2026, 6, 1, 13, 30) * MS);
	assert_int_equal(tz_window_end(z, &w,
	    tz_utc(z, 2026, 6, 1, 23, 0) * MS), 0);
	/* No window: never inside. */
	w.set = false;
	assert_int_equal(tz_window_end(z, &w, at), 0);
	tz_free(z);
}

/* The next 03:00: later today, else tomorrow; across a change too. */
static void
test_next_daily(void **state)
{
	struct tz	*z = sthlm();
	int64_t		 at;

	at = tz_utc(z, 2026, 1, 15, 2, 0) * MS;
	assert_int_equal(tz_next_daily(z, 180, at),
	    tz_utc(z, 2026, 1, 15, 3, 0) * MS);
	at = tz_utc(z, 2026, 1, 15, 3, 0) * MS;
	assert_int_equal(tz_next_daily(z, 180, at),
	    tz_utc(z, 2026, 1, 16, 3, 0) * MS);
	/* The night clocks skip 02:00-03:00, 02:30 is at 03:00 CEST. */
	at = tz_utc(z, 2026, 3, 28, 12, 0) * MS;
	assert_int_equal(tz_next_daily(z, 150, at), 1774746000LL * MS);
	assert_int_equal(tz_hhmm("03:15"), 195);
	assert_int_equal(tz_hhmm("24:00"), -1);
	assert_int_equal(tz_hhmm("3:15"), -1);
	tz_free(z);
}

/* Names that are paths, files that are no zones, rules we cannot read. */
static void
test_bad_zones(void **state)
{
	static const unsigned char junk[] = "TZif2 and then nothing";
	char		 err[256];
	unsigned char	*buf;
	FILE		*fp;
	size_t		 len;
	struct tz	*z;

	assert_null(tz_load("../etc/passwd", err, sizeof(err)));
	assert_null(tz_load("/etc/passwd", err, sizeof(err)));
	assert_null(tz_load("Europe/Nykvarn", err, sizeof(err)));
	assert_non_null(strstr(err, "Europe/Nykvarn"));
	assert_null(tz_parse("x", junk, sizeof(junk), err, sizeof(err)));
	/* The real file, cut short at every length, is refused or read,
	 * never read past its end (ASan watches). */
	assert_non_null(fp = fopen("/usr/share/zoneinfo/Europe/Stockholm",
	    "rb"));
	buf = malloc(8192);
	len = fread(buf, 1, 8192, fp);
	fclose(fp);
	for (size_t n = 0; n < len; n += 7) {
		unsigned char	*cut = malloc(n + 1);

		memcpy(cut, buf, n);
		tz_free(tz_parse("cut", cut, n, err, sizeof(err)));
		free(cut);
	}
	/* A footer rule with a broken date is refused. */
	memcpy(buf + len - 8, "M13.5.0\n", 8);
	assert_null(z = tz_parse("bad", buf, len, err, sizeof(err)));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_libc),
		cmocka_unit_test(test_stockholm_changes),
		cmocka_unit_test(test_wall_times),
		cmocka_unit_test(test_window_parse),
		cmocka_unit_test(test_window_quiet_hours),
		cmocka_unit_test(test_next_daily),
		cmocka_unit_test(test_bad_zones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
