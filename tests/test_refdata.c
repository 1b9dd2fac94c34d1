/*
 * Tests of refdata.c: the shipped conf CSVs load, every kind of bad row
 * is refused with its file, line and column, the CSV dialect (quotes, ""
 * escapes, CRLF, BOM, quoted line breaks), area lookups by postnummer,
 * code and folded name, and the nearest trygghetspunkt against brute
 * force. Fixtures are in tests/data/refdata; other bad files are written
 * to a mkdtemp folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/refdata.h"

/* A private folder for the files one test writes. */
struct tdir {
	char	 path[256];
	char	 files[8][PATH_MAX];
	int	 nfiles;
};

/* The source tree, where conf/ and tests/data are. */
static const char *
srcdir(void)
{
	const char	*s = getenv("VARSEL_SRCDIR");

	return s != NULL && *s != '\0' ? s : "..";
}

/* The path of rel in the source tree, into buf. */
static void
src_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", srcdir(), rel);
}

/* Make the private folder. */
static int
setup(void **state)
{
	struct tdir	*t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/varsel-refdata-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(t->path) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

/* Remove the files and the folder. */
static int
teardown(void **state)
{
	struct tdir	*t = *state;
	int		 i;

	for (i = 0; i < t->nfiles; i++)
		unlink(t->files[i]);
	rmdir(t->path);
	free(t);
	return 0;
}

/* Write len bytes to name in the private folder; its path. */
static const char *
write_file(struct tdir *t, const char *name, const char *text, size_t len)
{
	char	 buf[PATH_MAX], *path;
	FILE	*fp;
	int	 i;

	snprintf(buf, sizeof(buf), "%s/%s", t->path, name);
	for (i = 0; i < t->nfiles; i++)
		if (strcmp(t->files[i], buf) == 0)
			break;
	assert_true(i < 8);
	path = t->files[i];
	memcpy(path, buf, sizeof(buf));
	if (i == t->nfiles)
		t->nfiles++;
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* Load the shipped conf/ files. */
static struct refdata *
load_shipped(void)
{
	char		 tp[PATH_MAX], ar[PATH_MAX], err[256];
	struct refdata	*rd;

	src_path(tp, sizeof(tp), "conf/trygghetspunkter.csv");
	src_path(ar, sizeof(ar), "conf/areas.csv");
	rd = refdata_load(tp, ar, err, sizeof(err));
	if (rd == NULL)
		fail_msg("shipped refdata: %s", err);
	return rd;
}

/* Find a trygghetspunkt by id. */
static const struct tpunkt *
point_by_id(const struct refdata *rd, const char *id)
{
	size_t	 i;

	for (i = 0; i < rd->npoints; i++)
		if (strcmp(rd->points[i].id, id) == 0)
			return &rd->points[i];
	return NULL;
}

/* The shipped files load whole, with quoted hours and UTF-8 names. */
static void
test_load_shipped(void **state)
{
	struct refdata		*rd;
	const struct tpunkt	*tp;
	size_t			 i;
	int			 found = 0;

	(void)state;
	rd = load_shipped();
	assert_int_equal(rd->npoints, 7);
	assert_int_equal(rd->nareas, 9);
	assert_non_null(tp = point_by_id(rd, "tp-kommunhuset"));
	assert_string_equal(tp->name, "Kommunhuset");
	assert_string_equal(tp->address, "Centrumvägen 24 A");
	assert_string_equal(tp->hours, "mån-fre 08-16, vid kris dygnet runt");
	assert_true(tp->pos.lat == 59.17835 && tp->pos.lon == 17.43180);
	assert_non_null(tp = point_by_id(rd, "tp-bibliotek"));
	assert_string_equal(tp->hours,
	    "enligt bibliotekets öppettider, vid kris dygnet runt");
	assert_non_null(tp = point_by_id(rd, "tp-lillhagaskolan"));
	assert_string_equal(tp->hours, "vid kris dygnet runt");
	for (i = 0; i < rd->nareas; i++)
		if (strcmp(rd->areas[i].code, "15535") == 0) {
			assert_string_equal(rd->areas[i].name, "Ströpsta");
			assert_true(rd->areas[i].pos.lat == 59.167);
			found = 1;
		}
	assert_true(found);
	refdata_free(rd);
}

/* No files: empty data; a missing file: its path and the reason. */
static void
test_load_none_and_missing(void **state)
{
	struct tdir	*t = *state;
	struct refdata	*rd;
	struct geo_point p = { 59.18, 17.43 };
	char		 err[PATH_MAX + 256], path[PATH_MAX + 32];
	char		 missing[PATH_MAX + 32];

	assert_non_null(rd = refdata_load(NULL, NULL, err, sizeof(err)));
	assert_int_equal(rd->npoints + rd->nareas, 0);
	assert_null(refdata_nearest(rd, p, NULL));
	assert_null(refdata_area(rd, "15531"));
	refdata_free(rd);
	refdata_free(NULL);

	snprintf(path, sizeof(path), "%s/nonexistent.csv", t->path);
	assert_null(refdata_load(path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
	/* A good first file and a missing second one: nothing. */
	src_path(path, sizeof(path), "conf/trygghetspunkter.csv");
	snprintf(missing, sizeof(missing), "%s/none.csv", t->path);
	assert_null(refdata_load(path, missing, err, sizeof(err)));
	assert_non_null(strstr(err, "none.csv: No such file"));
}

/* One bad file and the error it must give after "PATH". */
struct bad_case {
	int		 areas;		/* 1: the areas file, 0: tpunkter */
	const char	*text;
	const char	*err;		/* what follows the path */
};

#define TPH	"id,name,address,lat,lon,hours\n"
#define TPROW	"tp-a,Kommunhuset,Centrumvägen 24 A,59.17835,17.43180,kris\n"
#define ARH	"code,name,lat,lon\n"
#define ARROW	"15530,Nykvarns centrum,59.17860,17.43100\n"

static const struct bad_case bad_cases[] = {
	/* The header, always line 1. */
	{ 0, "", ":1: no header, expected \"id,name,address,lat,lon,hours\"" },
	{ 1, "\n" ARH ARROW, ":1: no header" },
	{ 0, "id,name,adress,lat,lon,hours\n" TPROW,
	    ":1: header column 3 is \"adress\", expected \"address\"" },
	{ 0, "id;name;address;lat;lon;hours\n",
	    ":1: header column 1 is \"id;name;address;lat;lon;hours\"" },
	{ 0, "id,name,address,lat,lon\n" TPROW,
	    ":1: header has no column \"hours\"" },
	{ 1, "code,name,lat,lon,extra\n" ARROW,
	    ":1: header has 5 columns, expected \"code,name,lat,lon\"" },
	{ 1, "code,name,lon,lat\n" ARROW,
	    ":1: header column 3 is \"lon\", expected \"lat\"" },
	{ 1, "code,n\xe4me,lat,lon\n" ARROW,
	    ":1: header column 2 is not UTF-8" },
	/* A missing column, named. */
	{ 0, TPH TPROW "tp-b,Biblioteket,Centrum,59.1787,17.4306,\n"
	    "tp-c,Kyrkan,Turinge,59.201,17.447\n",
	    ":4: hours: missing column" },
	{ 1, ARH ARROW "15531,Lillhagen\n", ":3: lat: missing column" },
	{ 1, ARH "15531\n", ":2: name: missing column" },
	/* An unquoted comma makes one column too many. */
	{ 0, TPH "tp-a,Kommunhuset,Centrumvägen 24 A,59.17835,17.43180,"
	    "mån-fre 08-16, vid kris\n", ":2: 7 columns, expected 6" },
	/* Empty id, name or code. */
	{ 0, TPH TPROW "tp-b,Biblioteket,,59.1787,17.4306,\n"
	    ",Kyrkan,Turinge,59.201,17.447,vid kris\n", ":4: id: empty" },
	{ 0, TPH "tp-b,  ,Centrum,59.1787,17.4306,\n", ":2: name: empty" },
	{ 1, ARH ARROW "15531,Lillhagen,59.183,17.424\n"
	    "\"\",Nowhere,59.1,17.4\n", ":4: code: empty" },
	{ 1, ARH ",Nowhere,59.1,17.4\n", ":2: code: empty" },
	{ 1, ARH "15539,,59.1,17.4\n", ":2: name: empty" },
	/* Coordinates that are not numbers, or out of range. */
	{ 0, TPH "tp-b,Biblioteket,Centrum,59.1787x,17.4306,\n",
	    ":2: lat: not a number" },
	{ 0, TPH TPROW "tp-b,Biblioteket,Centrum,59.1787,,\n",
	    ":3: lon: empty" },
	{ 0, TPH "tp-b,Biblioteket,Centrum,nan,17.4306,\n",
	    ":2: lat: not a number" },
	{ 0, TPH "tp-b,Biblioteket,Centrum,59.1787,inf,\n",
	    ":2: lon: not a number" },
	{ 0, TPH "tp-b,Biblioteket,Centrum,5.9e1,17.4306,\n",
	    ":2: lat: not a number" },
	{ 0, TPH "tp-b,Biblioteket,Centrum,0x3b,17.4306,\n",
	    ":2: lat: not a number" },
	{ 0, TPH "tp-b,Biblioteket,Centrum,\"59,1787\",17.4306,\n",
	    ":2: lat: not a number" },
	{ 1, ARH "15539,Norr,.,17.4\n", ":2: lat: not a number" },
	{ 1, ARH ARROW "15539,Norr,91,17.4\n",
	    ":3: lat: 91 out of range (-90 to 90)" },
	{ 1, ARH "15539,Norr,-90.0001,17.4\n",
	    ":2: lat: -90.0001 out of range (-90 to 90)" },
	{ 1, ARH "15539,Norr,59.1,180.5\n",
	    ":2: lon: 180.5 out of range (-180 to 180)" },
	/* Duplicates, named with the first line. */
	{ 0, TPH TPROW "tp-b,Biblioteket,Centrum,59.1787,17.4306,\n" TPROW,
	    ":4: id: duplicate \"tp-a\" (first on line 2)" },
	{ 1, ARH ARROW "15531,Lillhagen,59.183,17.424\n" ARROW,
	    ":4: code: duplicate \"15530\" (first on line 2)" },
	{ 1, ARH ARROW "155 30,Centrum igen,59.183,17.424\n",
	    ":3: code: duplicate \"15530\" (first on line 2)" },
	/* Invalid UTF-8: Latin-1, overlong, surrogate, truncated, NUL. */
	{ 1, ARH ARROW "15535,Str\xf6psta,59.167,17.452\n",
	    ":3: name: invalid UTF-8" },
	{ 0, TPH "tp-b,Biblioteket,Centrum,59.1787,17.4306,kv\xc3\n",
	    ":2: hours: invalid UTF-8" },
	{ 0, TPH "tp-\xc0\xaf,Biblioteket,Centrum,59.1787,17.4306,\n",
	    ":2: id: invalid UTF-8" },
	{ 0, TPH "tp-\xe0\x80\xaf,Biblioteket,Centrum,59.1787,17.4306,\n",
	    ":2: id: invalid UTF-8" },
	{ 0, TPH "tp-b,Biblioteket,\xed\xa0\x80,59.1787,17.4306,\n",
	    ":2: address: invalid UTF-8" },
	{ 0, TPH "tp-b,Biblioteket,\xf4\x90\x80\x80,59.1787,17.4306,\n",
	    ":2: address: invalid UTF-8" },
	/* Broken quoting. */
	{ 0, TPH TPROW "tp-b,Biblioteket,Centrum,59.1787,17.4306,\"kvällar\n"
	    "och helger\n", ":3: hours: quoted field has no closing quote" },
	{ 0, TPH "tp-b,\"Biblio\"teket,Centrum,59.1787,17.4306,\n",
	    ":2: name: text after the closing quote" },
	/* A quoted line break moves the line count of the rows after it. */
	{ 0, TPH "tp-a,Kommunhuset,Centrum,59.17835,17.43180,\"a\nb\r\nc\"\n"
	    "tp-b,Biblioteket,Centrum,59.1787,17.4306,\n"
	    "tp-c,Kyrkan,Turinge,59.201,-,\n", ":6: lon: not a number" },
	/* CRLF and blank lines count as lines. */
	{ 1, ARH ARROW "\r\n\r\n15531,Lillhagen,59.183,17.424,x\r\n",
	    ":5: 5 columns, expected 4" },
};

/* Each bad file is refused with the right file, line, column and reason. */
static void
test_load_bad(void **state)
{
	struct tdir		*t = *state;
	struct refdata		*rd;
	const char		*path;
	char			 err[256], want[PATH_MAX + 256];
	size_t			 i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		path = write_file(t, c->areas ? "areas.csv" : "tp.csv",
		    c->text, strlen(c->text));
		strcpy(err, "untouched");
		rd = c->areas ? refdata_load(NULL, path, err, sizeof(err)) :
		    refdata_load(path, NULL, err, sizeof(err));
		if (rd != NULL) {
			refdata_free(rd);
			fail_msg("case %zu: accepted, expected \"%s\"", i,
			    c->err);
		}
		snprintf(want, sizeof(want), "%s%s", path, c->err);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu:\n got  \"%s\"\n want \"%s...\"", i,
			    err, want);
	}
}

/* A NUL byte inside a field is refused, not cut short. */
static void
test_load_nul(void **state)
{
	struct tdir	*t = *state;
	static const char text[] = ARH "15539,Norr\0Syd,59.1,17.4\n";
	const char	*path;
	char		 err[256];

	path = write_file(t, "areas.csv", text, sizeof(text) - 1);
	assert_null(refdata_load(NULL, path, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: name: contains a NUL byte"));
}

/* The fixtures: CRLF with a BOM, Latin-1, and quoted line breaks. */
static void
test_load_fixtures(void **state)
{
	struct refdata		*rd;
	const struct tpunkt	*tp;
	char			 path[PATH_MAX], err[PATH_MAX + 256];

	(void)state;
	src_path(path, sizeof(path),
	    "tests/data/refdata/tpunkter-crlf-bom.csv");
	rd = refdata_load(path, NULL, err, sizeof(err));
	if (rd == NULL)
		fail_msg("%s", err);
	assert_int_equal(rd->npoints, 3);
	assert_non_null(tp = point_by_id(rd, "tp-a"));
	assert_string_equal(tp->name, "Skolan \"Norr\"");
	assert_string_equal(tp->address, "Skolvägen 1");
	assert_string_equal(tp->hours, "mån-fre 08-16, vid kris dygnet runt");
	assert_non_null(tp = point_by_id(rd, "tp-b"));
	assert_string_equal(tp->address, "Centrum, plan 2");
	assert_string_equal(tp->hours, "kvällar\r\noch helger");
	assert_true(tp->pos.lat == 59.1787 && tp->pos.lon == 17.4306);
	assert_non_null(tp = point_by_id(rd, "tp-c"));
	assert_string_equal(tp->address, "");
	assert_string_equal(tp->hours, "");
	refdata_free(rd);

	src_path(path, sizeof(path), "tests/data/refdata/areas-latin1.csv");
	assert_null(refdata_load(NULL, path, err, sizeof(err)));
	assert_non_null(strstr(err, "areas-latin1.csv:4: name: invalid UTF-8"));

	src_path(path, sizeof(path),
	    "tests/data/refdata/tpunkter-multiline.csv");
	assert_null(refdata_load(path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err,
	    "tpunkter-multiline.csv:6: lat: not a number"));
}

/* One lookup and the area code it must find (NULL: none). */
struct area_case {
	const char	*query;
	const char	*code;
};

/* Areas by postnummer, code and name, folded; unknown ones are NULL. */
static void
test_area_lookup(void **state)
{
	static const struct area_case cases[] = {
		{ "15531", "15531" },
		{ "155 31", "15531" },
		{ " 155 31 ", "15531" },
		{ "lillhagen", "15531" },
		{ "LILLHAGEN", "15531" },
		{ "Lillhagen", "15531" },
		{ "STROPSTA", "15535" },
		{ "Ströpsta", "15535" },
		{ "STRÖPSTA", "15535" },
		{ "StrOpsta", "15535" },
		{ "stro\xcc\x88psta", "15535" },	/* NFD ö */
		{ "  Turinge ", "15591" },
		{ "\tTuringe", "15591" },
		{ "nykvarns centrum", "15530" },
		{ "Nykvarns   centrum", "15530" },
		{ "NYKVARNS CENTRUM", "15530" },
		{ "centrum", "centrum" },
		{ "Centrum", "centrum" },
		{ "15592", "15592" },
		{ "taxinge", "15592" },
		{ "15599", NULL },
		{ "155 99", NULL },
		{ "1553", NULL },
		{ "155311", NULL },
		{ "15 531", NULL },
		{ "155  31", NULL },
		{ "Lillhagen2", NULL },
		{ "Lillhage", NULL },
		{ "Strüpsta", NULL },
		{ "Stropsta x", NULL },
		{ "Södertälje", NULL },
		{ "", NULL },
		{ "   ", NULL },
		{ "\xc3", NULL },
		{ "Str\xc3", NULL },
	};
	struct refdata		*rd;
	const struct area	*a;
	size_t			 i;

	(void)state;
	rd = load_shipped();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = refdata_area(rd, cases[i].query);
		if (cases[i].code == NULL && a != NULL)
			fail_msg("\"%s\": found %s, expected none",
			    cases[i].query, a->code);
		if (cases[i].code != NULL && (a == NULL ||
		    strcmp(a->code, cases[i].code) != 0))
			fail_msg("\"%s\": found %s, expected %s",
			    cases[i].query, a ? a->code : "none",
			    cases[i].code);
	}
	assert_null(refdata_area(rd, NULL));
	assert_null(refdata_area(NULL, "15531"));
	refdata_free(rd);
}

/* A file's "155 31" code is kept as "15531" and found both ways. */
static void
test_area_code_spaced(void **state)
{
	struct tdir		*t = *state;
	static const char	 text[] = ARH "155 31,Lillhagen,59.183,17.424\n"
	    "Ö1,Övre Östby,59.2,17.4\n";
	struct refdata		*rd;
	const struct area	*a;
	const char		*path;
	char			 err[256];

	path = write_file(t, "areas.csv", text, sizeof(text) - 1);
	assert_non_null(rd = refdata_load(NULL, path, err, sizeof(err)));
	assert_string_equal(rd->areas[0].code, "15531");
	assert_non_null(a = refdata_area(rd, "15531"));
	assert_ptr_equal(a, &rd->areas[0]);
	assert_ptr_equal(refdata_area(rd, "155 31"), &rd->areas[0]);
	assert_ptr_equal(refdata_area(rd, "Ö1"), &rd->areas[1]);
	assert_ptr_equal(refdata_area(rd, "ovre ostby"), &rd->areas[1]);
	assert_ptr_equal(refdata_area(rd, "ÖVRE ÖSTBY"), &rd->areas[1]);
	refdata_free(rd);
}

/* A small deterministic generator (xorshift64), seeded per test. */
static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A uniform double in [lo, hi). */
static double
uniform(uint64_t *s, double lo, double hi)
{
	/* The top 53 bits, over 2^53. */
	return lo + (hi - lo) * (double)(xorshift(s) >> 11) /
	    9007199254740992.0;
}

/* The nearest point over 1,000 random places agrees with brute force. */
static void
test_nearest_brute_force(void **state)
{
	struct refdata		*rd;
	const struct tpunkt	*tp;
	struct geo_point	 p;
	uint64_t		 seed = 0x5eed15531ULL;
	double			 d, best, dj;
	size_t			 i, j, bestj;
	int			 seen[7] = { 0 }, distinct = 0;

	(void)state;
	rd = load_shipped();
	for (i = 0; i < 1000; i++) {
		/* Nykvarn and some kilometres around it. */
		p.lat = uniform(&seed, 59.10, 59.30);
		p.lon = uniform(&seed, 17.25, 17.60);
		d = -1;
		assert_non_null(tp = refdata_nearest(rd, p, &d));
		bestj = 0;
		best = INFINITY;
		for (j = 0; j < rd->npoints; j++) {
			dj = geo_distance_m(p, rd->points[j].pos);
			if (dj < best) {
				best = dj;
				bestj = j;
			}
		}
		if (tp != &rd->points[bestj] &&
		    geo_distance_m(p, tp->pos) != best)
			fail_msg("(%f, %f): got %s at %f m, nearest is %s at "
			    "%f m", p.lat, p.lon, tp->id, d,
			    rd->points[bestj].id, best);
		assert_true(d == best);
		if (!seen[bestj]++)
			distinct++;
	}
	/* The sample reaches most points, so the check is not one-sided. */
	assert_true(distinct >= 5);
	refdata_free(rd);
}

/* The centre of 15531 (Lillhagen) is nearest to Lillhagaskolan. */
static void
test_nearest_lillhagen(void **state)
{
	struct refdata		*rd;
	const struct area	*a;
	const struct tpunkt	*tp;
	struct geo_point	 nan_pt = { NAN, 17.4 };
	double			 d = -1;

	(void)state;
	rd = load_shipped();
	assert_non_null(a = refdata_area(rd, "15531"));
	assert_non_null(tp = refdata_nearest(rd, a->pos, &d));
	assert_string_equal(tp->id, "tp-lillhagaskolan");
	assert_string_equal(tp->name, "Lillhagaskolan");
	/* About 31 m apart (0.0001 deg lat, 0.0005 deg lon). */
	assert_true(d > 25 && d < 40);
	/* Taxinge is far out and has its own point. */
	assert_non_null(a = refdata_area(rd, "Taxinge"));
	assert_string_equal(refdata_nearest(rd, a->pos, NULL)->id,
	    "tp-taxinge");
	assert_null(refdata_nearest(rd, nan_pt, &d));
	assert_null(refdata_nearest(NULL, a->pos, &d));
	refdata_free(rd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_shipped),
		cmocka_unit_test_setup_teardown(test_load_none_and_missing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_nul, setup,
		    teardown),
		cmocka_unit_test(test_load_fixtures),
		cmocka_unit_test(test_area_lookup),
		cmocka_unit_test_setup_teardown(test_area_code_spaced, setup,
		    teardown),
		cmocka_unit_test(test_nearest_brute_force),
		cmocka_unit_test(test_nearest_lillhagen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
