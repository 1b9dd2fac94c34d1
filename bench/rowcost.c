/*
 * bench/rowcost: what one delivery row costs the store, and each of the
 * indexes that come with it.
 *
 * The 202 of an alert waits for every delivery row to be written (API.md:
 * "the alert and all its deliveries are in the database before the
 * answer is sent"). This program writes N rows with store_delivery_add,
 * as a fan-out does (32 rows to a statement), in one durable
 * transaction, into a fresh database made by store_open: once with the
 * schema as it is, once a statement a row (store_delivery_insert), then
 * once without each index a fresh alert delivery writes an entry in,
 * then without all of them. Each
 * variant runs R times; it prints the median microseconds a row (the
 * inserts, then with the commit). It only prints figures.
 */
#include <getopt.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench/bench.h"
#include "gateway/store.h"
#include "gateway/types.h"
#include "gateway/util.h"

#define MAX_RUNS	50

/* The indexes on deliveries that a queued alert delivery writes. */
static const char *const row_indexes[] = {
	"deliveries_due", "deliveries_next", "deliveries_alert",
	"deliveries_alert_state", "deliveries_alert_phone"
};
#define NINDEXES	(sizeof(row_indexes) / sizeof(row_indexes[0]))

/* One variant: the indexes it drops (a bit per row_indexes entry). */
struct variant {
	const char	*name;
	unsigned int	 drop;
	bool		 one;	/* store_delivery_insert, a row at a time */
};

static void	usage(void) __attribute__((noreturn));

static bool	ordered;	/* --ordered: numbers ascending */
static int	drop_indexes(const char *, unsigned int);
static int	one_run(const char *, const struct variant *, int, int,
		    double *, double *);

static void
usage(void)
{
	fprintf(stderr, "usage: rowcost [-n rows] [--runs R] "
	    "[--length L] [--ordered]\n");
	exit(2);
}

/*
 * Drop the indexes of drop from the database at path, through a
 * connection of its own: the store, already open on it, has statements
 * that name some of them (INDEXED BY), which it could not prepare
 * without them; the insert it prepares again when it sees the schema
 * changed.
 */
static int
drop_indexes(const char *path, unsigned int drop)
{
	sqlite3	*db;
	char	 sql[128];
	size_t	 i;
	int	 rc = 0;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "rowcost: %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	for (i = 0; rc == 0 && i < NINDEXES; i++) {
		if (!(drop & (1u << i)))
			continue;
		snprintf(sql, sizeof(sql), "DROP INDEX %s", row_indexes[i]);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "rowcost: %s: %s\n", sql,
			    sqlite3_errmsg(db));
			rc = -1;
		}
	}
	sqlite3_close(db);
	return rc;
}

/*
 * n rows of one alert to n numbers, text of length characters, in one
 * durable transaction: ms for the inserts and for all with the commit.
 */
static int
one_run(const char *dir, const struct variant *v, int n, int length,
    double *insert_ms, double *total_ms)
{
	struct store		*s;
	struct alert_row	 a;
	struct delivery		 d;
	char			 path[PATH_MAX], err[256], *text;
	double			 t0, t1;
	int			 i, rc = -1;

	if (snprintf(path, sizeof(path), "%s/rowcost.db", dir) >=
	    (int)sizeof(path))
		return -1;
	unlink(path);
	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rowcost: %s: %s\n", path, err);
		return -1;
	}
	if (drop_indexes(path, v->drop) == -1) {
		store_close(s);
		return -1;
	}
	text = xmalloc((size_t)length + 1);
	memset(text, 'x', (size_t)length);
	text[length] = '\0';
	memset(&a, 0, sizeof(a));
	a.client = "bench";
	a.source_ref = "rowcost";
	a.body_hash = "-";
	a.type = "incident";
	a.severity = SEV_SEVERE;
	a.lang = "sv";
	a.created_at = now_ms();
	memset(&d, 0, sizeof(d));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = text;
	d.state = DS_QUEUED;
	d.priority = SEV_SEVERE;
	d.segments = 1;
	d.next_at = d.created_at = a.created_at;
	if (store_begin(s, true) == -1 || store_alert_insert(s, &a) == -1)
		goto out;
	d.alert_id = a.id;
	t0 = bench_now_ms();
	for (i = 0; i < n; i++) {
		/*
		 * Scattered numbers, as a group's are; or in order, as
		 * an area's or a circle's come (ORDER BY phone).
		 */
		snprintf(d.phone, sizeof(d.phone), "+4670%07u",
		    ordered ? (unsigned int)i :
		    (unsigned int)((i * 2654435761u) % 10000000u));
		d.id = 0;
		if ((v->one ? store_delivery_insert(s, &d) :
		    store_delivery_add(s, &d)) == -1)
			goto out;
	}
	if (store_delivery_write(s) == -1)
		goto out;
	t1 = bench_now_ms();
	if (store_commit(s) == -1)
		goto out;
	*insert_ms = t1 - t0;
	*total_ms = bench_now_ms() - t0;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "rowcost: the store refused a write\n");
	store_close(s);
	free(text);
	unlink(path);
	return rc;
}

/* Parse the options, run each variant, print the figures. */
int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "runs",	required_argument,	NULL, 'r' },
		{ "length",	required_argument,	NULL, 'L' },
		{ "ordered",	no_argument,		NULL, 'o' },
		{ NULL,		0,			NULL, 0 }
	};
	struct variant	 v[NINDEXES + 3];
	const char	*tmp = getenv("TMPDIR");
	char		 dir[PATH_MAX];
	double		 ins[MAX_RUNS], tot[MAX_RUNS], base = 0;
	int		 n = 10000, runs = 5, length = 31, ch, r;
	size_t		 i, nv = 0;

	while ((ch = getopt_long(argc, argv, "n:r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'o':
			ordered = true;
			break;
		case 'L':
			length = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n < 1 || n > 10000000 || runs < 1 ||
	    runs > MAX_RUNS || length < 1 || length > 1600)
		usage();
	snprintf(dir, sizeof(dir), "%s/varsel-rowcost.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("rowcost: mkdtemp");
		return 1;
	}

	memset(v, 0, sizeof(v));
	v[nv++].name = "(nothing)";
	v[nv].name = "(nothing), a row a stmt";
	v[nv++].one = true;
	for (i = 0; i < NINDEXES; i++) {
		v[nv].name = row_indexes[i];
		v[nv++].drop = 1u << i;
	}
	v[nv].name = "none of them";
	v[nv++].drop = (1u << NINDEXES) - 1;

	printf("rowcost: %d delivery rows of one alert, to %s numbers, a text "
	    "of %d characters, one durable transaction, median of %d runs\n",
	    n, ordered ? "ascending" : "scattered", length, runs);
	printf("%-24s %14s %14s %12s\n", "without", "insert_us/row",
	    "commit_us/row", "vs_all");
	for (i = 0; i < nv; i++) {
		double	mi, mt;

		for (r = 0; r < runs; r++)
			if (one_run(dir, &v[i], n, length, &ins[r], &tot[r]) ==
			    -1) {
				rmdir(dir);
				return 1;
			}
		bench_sort(ins, (size_t)runs);
		bench_sort(tot, (size_t)runs);
		mi = bench_percentile(ins, runs, 0.5) * 1000.0 / n;
		mt = bench_percentile(tot, runs, 0.5) * 1000.0 / n;
		if (i == 0)
			base = mi;
		printf("%-24s %14.2f %14.2f %11.0f%%\n", v[i].name, mi,
		    mt - mi, base > 0 ? 100.0 * mi / base : 0);
		fflush(stdout);
	}
	rmdir(dir);
	return 0;
}
