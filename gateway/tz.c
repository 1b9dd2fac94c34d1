/*
 * Time zones read from TZif files (RFC 8536): the table of transitions
 * (64-bit data of version 2 and later, else version 1), and the POSIX
 * rule of its footer ("CET-1CEST,M3.5.0,M10.5.0/3") for the instants
 * after the table. Days are counted with Howard Hinnant's civil-date
 * algorithms, so no libc time function (and no TZ) is involved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"
#include "util.h"

#define TZ_MAX_FILE	(256 * 1024)
#define TZ_MAX_TIMES	4000
#define TZ_MAX_TYPES	256
#define TZ_DAY		86400LL
#define TZ_DIR		"/usr/share/zoneinfo"

/* One local time type of the file: its offset and DST flag. */
struct tz_type {
	int32_t	off;
	bool	dst;
};

/* A date of a POSIX rule: Jn, n or Mm.w.d, and the time of day. */
struct tz_rdate {
	char	kind;		/* 'J', 'n' or 'M' */
	int	a, b, c;	/* n; or month, week, weekday */
	int32_t	secs;		/* local time of day of the change */
};

/* The footer's rule: standard time, and DST between two dates. */
struct tz_rule {
	bool		has;
	bool		has_dst;
	int32_t		std_off;	/* seconds east of UTC */
	int32_t		dst_off;
	struct tz_rdate	start, end;
};

struct tz {
	char		 name[64];
	int64_t		*times;		/* transitions, ascending */
	uint8_t		*idx;		/* the type after each */
	size_t		 ntimes;
	struct tz_type	*types;
	size_t		 ntypes;
	struct tz_rule	 rule;
};

/* A reader of the file's bytes. */
struct tz_in {
	const unsigned char	*p;
	size_t			 left;
};

static void	tz_civil(int64_t, int *, int *, int *);
static bool	tz_leap(int64_t);
static int	tz_mdays(int64_t, int);
static int	tz_take(struct tz_in *, const unsigned char **, size_t);
static uint32_t	tz_u32(const unsigned char *);
static int	tz_block(struct tz *, struct tz_in *, int, char *, size_t);
static const char *tz_rule_name(const char *);
static const char *tz_rule_offset(const char *, int32_t *, bool);
static const char *tz_rule_date(const char *, struct tz_rdate *);
static int	tz_rule_parse(const char *, struct tz_rule *);
static int64_t	tz_rdate_local(const struct tz_rdate *, int64_t);
static int32_t	tz_rule_at(const struct tz_rule *, int64_t, bool *);
static bool	tz_name_ok(const char *);

int64_t
tz_days(int64_t y, int m, int d)
{
	int64_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day z after 1970-01-01. */
static void
tz_civil(int64_t z, int *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static bool
tz_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m of year y. */
static int
tz_mdays(int64_t y, int m)
{
	static const int	n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	return m == 2 && tz_leap(y) ? 29 : n[m - 1];
}

/* The next n bytes of the file; -1 if it ends first. */
static int
tz_take(struct tz_in *in, const unsigned char **p, size_t n)
{
	if (n > in->left)
		return -1;
	*p = in->p;
	in->p += n;
	in->left -= n;
	return 0;
}

static uint32_t
tz_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * One header and data block; size 4 (version 1) or 8. Only a block of
 * the wanted size is kept in z.
 */
static int
tz_block(struct tz *z, struct tz_in *in, int size, char *err, size_t errlen)
{
	const unsigned char	*h, *p;
	uint32_t		 isut, isstd, leap, timecnt, typecnt, charcnt;
	size_t			 i, need;

	if (tz_take(in, &h, 44) == -1 || memcmp(h, "TZif", 4) != 0) {
		snprintf(err, errlen, "not a TZif file");
		return -1;
	}
	isut = tz_u32(h + 20);
	isstd = tz_u32(h + 24);
	leap = tz_u32(h + 28);
	timecnt = tz_u32(h + 32);
	typecnt = tz_u32(h + 36);
	charcnt = tz_u32(h + 40);
	if (timecnt > TZ_MAX_TIMES || typecnt == 0 ||
	    typecnt > TZ_MAX_TYPES || leap > 1000 || charcnt > 1000 ||
	    isut > typecnt || isstd > typecnt) {
		snprintf(err, errlen, "a TZif header out of bounds");
		return -1;
	}
	need = (size_t)timecnt * (size_t)size + timecnt + typecnt * 6 +
	    charcnt + (size_t)leap * (size_t)(size + 4) + isstd + isut;
	if (tz_take(in, &p, need) == -1) {
		snprintf(err, errlen, "a truncated TZif file");
		return -1;
	}
	free(z->times);
	free(z->idx);
	free(z->types);
	z->times = xcalloc(timecnt + 1, sizeof(*z->times));
	z->idx = xcalloc(timecnt + 1, sizeof(*z->idx));
	z->types = xcalloc(typecnt, sizeof(*z->types));
	z->ntimes = timecnt;
	z->ntypes = typecnt;
	for (i = 0; i < timecnt; i++, p += size)
		z->times[i] = size == 8 ? (int64_t)((uint64_t)tz_u32(p) << 32 |
		    tz_u32(p + 4)) : (int64_t)(int32_t)tz_u32(p);
	for (i = 0; i < timecnt; i++, p++) {
		if (*p >= typecnt || (i > 0 && z->times[i] <= z->times[i - 1])) {
			snprintf(err, errlen, "a TZif transition out of order "
			    "or of no type");
			return -1;
		}
		z->idx[i] = *p;
	}
	for (i = 0; i < typecnt; i++, p += 6) {
		z->types[i].off = (int32_t)tz_u32(p);
		z->types[i].dst = p[4] != 0;
		if (z->types[i].off < -25 * 3600 || z->types[i].off > 26 * 3600) {
			snprintf(err, errlen, "a TZif offset out of bounds");
			return -1;
		}
	}
	return 0;
}

/* Skip a zone abbreviation ("CET", "<+03>"); NULL if there is none. */
static const char *
tz_rule_name(const char *s)
{
	const char	*p = s;

	if (*p == '<') {
		while (*++p != '>')
			if (*p == '\0')
				return NULL;
		return p - s >= 4 ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

/*
 * A POSIX offset "[+-]hh[:mm[:ss]]" (west of UTC is positive) into
 * seconds east of UTC; times (a rule's time of day) keep the sign.
 */
static const char *
tz_rule_offset(const char *s, int32_t *out, bool is_time)
{
	int32_t	v = 0, part, sign = 1;
	int	i, n;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (*s != ':')
				break;
			s++;
		}
		for (n = 0, part = 0; *s >= '0' && *s <= '9' && n < 3; n++)
			part = part * 10 + (*s++ - '0');
		if (n == 0 || (i == 0 ? part > 167 : part > 59))
			return NULL;
		v += part * (i == 0 ? 3600 : i == 1 ? 60 : 1);
	}
	*out = is_time ? sign * v : -sign * v;
	return s;
}

/* A rule date ",Jn", ",n" or ",Mm.w.d" with its optional "/time". */
static const char *
tz_rule_date(const char *s, struct tz_rdate *d)
{
	int	*f[3] = { &d->a, &d->b, &d->c }, i;

	if (*s++ != ',')
		return NULL;
	memset(d, 0, sizeof(*d));
	d->secs = 2 * 3600;
	d->kind = *s == 'J' || *s == 'M' ? *s++ : 'n';
	for (i = 0; i < (d->kind == 'M' ? 3 : 1); i++) {
		if (i > 0 && *s++ != '.')
			return NULL;
		if (*s < '0' || *s > '9')
			return NULL;
		for (*f[i] = 0; *s >= '0' && *s <= '9' && *f[i] < 1000; s++)
			*f[i] = *f[i] * 10 + (*s - '0');
	}
	if ((d->kind == 'J' && (d->a < 1 || d->a > 365)) ||
	    (d->kind == 'n' && d->a > 365) ||
	    (d->kind == 'M' && (d->a < 1 || d->a > 12 || d->b < 1 ||
	    d->b > 5 || d->c > 6)))
		return NULL;
	if (*s == '/')
		s = tz_rule_offset(s + 1, &d->secs, true);
	return s;
}

/* The footer's POSIX TZ string; 0, or -1 if it is none we know. */
static int
tz_rule_parse(const char *s, struct tz_rule *r)
{
	memset(r, 0, sizeof(*r));
	if ((s = tz_rule_name(s)) == NULL ||
	    (s = tz_rule_offset(s, &r->std_off, false)) == NULL)
		return -1;
	r->has = true;
	if (*s == '\0')
		return 0;
	if ((s = tz_rule_name(s)) == NULL)
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*s != ',' && *s != '\0' &&
	    (s = tz_rule_offset(s, &r->dst_off, false)) == NULL)
		return -1;
	if (*s == '\0') {
		/* No dates: the POSIX default (the US rule of 2007). */
		r->start = (struct tz_rdate){ 'M', 3, 2, 0, 7200 };
		r->end = (struct tz_rdate){ 'M', 11, 1, 0, 7200 };
		return 0;
	}
	if ((s = tz_rule_date(s, &r->start)) == NULL ||
	    (s = tz_rule_date(s, &r->end)) == NULL || *s != '\0')
		return -1;
	return 0;
}

/* The local second (from the epoch, as if UTC) a rule date means in y. */
static int64_t
tz_rdate_local(const struct tz_rdate *d, int64_t y)
{
	int64_t	day;
	int	first, wd;

	switch (d->kind) {
	case 'J':	/* 1..365, 29 February never counted */
		day = tz_days(y, 1, 1) + d->a - 1 +
		    (tz_leap(y) && d->a >= 60 ? 1 : 0);
		break;
	case 'n':
		day = tz_days(y, 1, 1) + d->a;
		break;
	default:	/* weekday c of week b (5: the last) of month a */
		day = tz_days(y, d->a, 1);
		first = (int)(((day + 4) % 7 + 7) % 7);
		wd = (d->c - first + 7) % 7 + 1 + (d->b - 1) * 7;
		while (wd > tz_mdays(y, d->a))
			wd -= 7;
		day += wd - 1;
		break;
	}
	return day * TZ_DAY + d->secs;
}

/* The rule's offset at t, and whether it is DST. */
static int32_t
tz_rule_at(const struct tz_rule *r, int64_t t, bool *dst)
{
	int64_t	start, end;
	int	y, m, d;

	*dst = false;
	if (!r->has_dst)
		return r->std_off;
	tz_civil((t + r->std_off) / TZ_DAY - ((t + r->std_off) % TZ_DAY < 0),
	    &y, &m, &d);
	start = tz_rdate_local(&r->start, y) - r->std_off;
	end = tz_rdate_local(&r->end, y) - r->dst_off;
	if (start < end)
		*dst = t >= start && t < end;
	else
		*dst = !(t >= end && t < start);
	return *dst ? r->dst_off : r->std_off;
}

struct tz *
tz_parse(const char *name, const unsigned char *buf, size_t len, char *err,
    size_t errlen)
{
	struct tz	*z = xcalloc(1, sizeof(*z));
	struct tz_in	 in = { buf, len };
	const char	*nl;
	char		*footer;

	strlcpy(z->name, name, sizeof(z->name));
	if (tz_block(z, &in, 4, err, errlen) == -1)
		goto fail;
	if (len > 4 && buf[4] >= '2') {
		if (tz_block(z, &in, 8, err, errlen) == -1)
			goto fail;
		if (in.left >= 2 && in.p[0] == '\n' &&
		    (nl = memchr(in.p + 1, '\n', in.left - 1)) != NULL &&
		    nl > (const char *)in.p + 1) {
			footer = xstrndup((const char *)in.p + 1,
			    (size_t)(nl - (const char *)in.p - 1));
			if (tz_rule_parse(footer, &z->rule) == -1) {
				snprintf(err, errlen, "a TZ rule we cannot "
				    "read: %.40s", footer);
				free(footer);
				goto fail;
			}
			free(footer);
		}
	}
	return z;
fail:
	tz_free(z);
	return NULL;
}

/* A zone name is a relative path of letters, digits, _ + - and /. */
static bool
tz_name_ok(const char *s)
{
	const char	*p;

	if (*s == '\0' || *s == '/' || strstr(s, "..") != NULL ||
	    strlen(s) >= 64)
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' ||
		    *p == '-' || *p == '/'))
			return false;
	return true;
}

struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	const char	*dir = getenv("TZDIR");
	unsigned char	*buf;
	struct tz	*z;
	FILE		*fp;
	char		 path[512];
	size_t		 len;

	if (!tz_name_ok(name)) {
		snprintf(err, errlen, "'%.64s' is not a time zone name (like "
		    "Europe/Stockholm)", name);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir != NULL && *dir != '\0' ?
	    dir : TZ_DIR, name);
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "time zone %s: %s (is tzdata installed?)",
		    path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(TZ_MAX_FILE);
	len = fread(buf, 1, TZ_MAX_FILE, fp);
	fclose(fp);
	z = tz_parse(name, buf, len, err, errlen);
	free(buf);
	return z;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->times);
	free(z->idx);
	free(z->types);
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z->name;
}

int
tz_offset(const struct tz *z, int64_t t, bool *dst)
{
	size_t	lo, hi, mid;
	bool	d;

	if (dst == NULL)
		dst = &d;
	if (z->ntimes == 0 || t >= z->times[z->ntimes - 1]) {
		if (z->rule.has)
			return tz_rule_at(&z->rule, t, dst);
		if (z->ntimes == 0) {
			*dst = z->types[0].dst;
			return z->types[0].off;
		}
		*dst = z->types[z->idx[z->ntimes - 1]].dst;
		return z->types[z->idx[z->ntimes - 1]].off;
	}
	if (t < z->times[0]) {
		*dst = z->types[0].dst;
		return z->types[0].off;
	}
	/* The last transition at or before t. */
	lo = 0;
	hi = z->ntimes - 1;
	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	*dst = z->types[z->idx[lo]].dst;
	return z->types[z->idx[lo]].off;
}

void
tz_local(const struct tz *z, int64_t t, struct tz_local *l)
{
	int64_t	lt, days, sod;

	memset(l, 0, sizeof(*l));
	l->offset = tz_offset(z, t, &l->dst);
	lt = t + l->offset;
	days = lt / TZ_DAY - (lt % TZ_DAY < 0);
	sod = lt - days * TZ_DAY;
	tz_civil(days, &l->year, &l->mon, &l->mday);
	l->hour = (int)(sod / 3600);
	l->min = (int)(sod / 60 % 60);
	l->sec = (int)(sod % 60);
	l->wday = (int)(((days + 4) % 7 + 7) % 7);
}

int64_t
tz_utc(const struct tz *z, int year, int mon, int mday, int hour, int min)
{
	int64_t	wall, a, b, lo, hi, mid;
	int	off_a, off_b;

	wall = tz_days(year, mon, 1) * TZ_DAY + (int64_t)(mday - 1) * TZ_DAY +
	    hour * 3600 + min * 60;
	off_a = tz_offset(z, wall - TZ_DAY, NULL);	/* the offset before */
	off_b = tz_offset(z, wall + TZ_DAY, NULL);	/* and after */
	a = wall - off_a;
	b = wall - off_b;
	if (tz_offset(z, a, NULL) == off_a) {
		/* Twice (autumn): the earlier of the two. */
		if (b < a && tz_offset(z, b, NULL) == off_b)
			return b;
		return a;
	}
	if (tz_offset(z, b, NULL) == off_b)
		return b;
	/* In the spring gap: the instant the later offset begins. */
	lo = b < a ? b : a;
	hi = b < a ? a : b;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tz_offset(z, mid, NULL) == off_b)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
tz_hhmm(const char *s)
{
	int	h, m;

	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' ||
	    s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 ? -1 : h * 60 + m;
}

int
tz_window_parse(const char *s, struct tz_window *w, char *err, size_t errlen)
{
	char	a[8], b[8];
	const char *dash;

	memset(w, 0, sizeof(*w));
	if (*s == '\0' || strcmp(s, "none") == 0)
		return 0;
	if ((dash = strchr(s, '-')) == NULL || dash - s > 5 ||
	    strlen(dash + 1) > 5) {
		snprintf(err, errlen, "'%.32s' is not HH:MM-HH:MM (like "
		    "21:00-08:00), empty or none", s);
		return -1;
	}
	snprintf(a, sizeof(a), "%.*s", (int)(dash - s), s);
	snprintf(b, sizeof(b), "%s", dash + 1);
	if ((w->start = tz_hhmm(a)) == -1 || (w->end = tz_hhmm(b)) == -1) {
		snprintf(err, errlen, "'%.32s' is not HH:MM-HH:MM (like "
		    "21:00-08:00), empty or none", s);
		return -1;
	}
	if (w->start == w->end) {
		snprintf(err, errlen, "'%.32s' begins where it ends", s);
		return -1;
	}
	w->set = true;
	return 0;
}

int64_t
tz_window_end(const struct tz *z, const struct tz_window *w, int64_t now_ms)
{
	struct tz_local	l;
	int64_t		t = now_ms / 1000 - (now_ms % 1000 < 0), end;
	int		s, start_s, end_s, add;

	if (!w->set)
		return 0;
	tz_local(z, t, &l);
	s = l.hour * 3600 + l.min * 60 + l.sec;
	start_s = w->start * 60;
	end_s = w->end * 60;
	if (w->start > w->end) {		/* across midnight */
		if (s >= start_s)
			add = 1;
		else if (s < end_s)
			add = 0;
		else
			return 0;
	} else if (s >= start_s && s < end_s)
		add = 0;
	else
		return 0;
	end = tz_utc(z, l.year, l.mon, l.mday + add, w->end / 60,
	    w->end % 60) * 1000;
	/* The end's wall time twice (autumn), now between the two: the
	 * window ended at the first. */
	return end > now_ms ? end : 0;
}

int64_t
tz_next_daily(const struct tz *z, int min, int64_t now_ms)
{
	struct tz_local	l;
	int64_t		at;

	tz_local(z, now_ms / 1000 - (now_ms % 1000 < 0), &l);
	at = tz_utc(z, l.year, l.mon, l.mday, min / 60, min % 60) * 1000;
	if (at <= now_ms)
		at = tz_utc(z, l.year, l.mon, l.mday + 1, min / 60,
		    min % 60) * 1000;
	return at;
}
