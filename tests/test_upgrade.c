/*
 * Upgrades: the databases that the Varsel of each earlier schema
 * version wrote (tests/data/upgrade, made by that version's own code)
 * migrate forward on open with every old row of every old table still
 * there and unchanged, and the daemon serves them; a database from a
 * newer Varsel is refused with a clear message and left byte for byte
 * as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gateway/store.h"
#include "gateway/store_backup.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define MAX_ROWS	4096

/* The rows of one table, each as one text, in a stable order. */
struct table_dump {
	char	 name[64];
	char	*cols;		/* "a, b, c": the old columns */
	char	*rows[MAX_ROWS];
	size_t	 n;
};

/* Every table of a database. */
struct db_dump {
	struct table_dump	 t[32];
	size_t			 n;
};

/* One test's folder. */
struct t {
	struct e2e_env	*env;
	char		 path[PATH_MAX + 32];	/* the copy under test */
};

static int
setup(void **state)
{
	struct t	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->env = e2e_env_new()) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t	*t = *state;

	e2e_env_free(t->env);
	free(t);
	return 0;
}

/* The whole of a file; *len its size. */
static char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	int		 fd;

	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* SHA-256 of a file's bytes. */
static void
file_sha(const char *path, char out[65])
{
	size_t	 len;
	char	*buf = slurp(path, &len);

	sha256_hex(buf, len, out);
	free(buf);
}

/* Copy tests/data/upgrade/NAME to dst. */
static void
copy_fixture(const char *name, const char *dst)
{
	char	 src[PATH_MAX];
	size_t	 len;
	char	*buf;
	int	 fd;

	snprintf(src, sizeof(src), "%s/tests/data/upgrade/%s", e2e_srcdir(),
	    name);
	buf = slurp(src, &len);
	assert_true((fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
}

/* Run sql that answers no rows. */
static void
exec_ok(sqlite3 *db, const char *sql)
{
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* One integer answer. */
static long long
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The rows of table t->name (columns t->cols) into t->rows. */
static void
dump_rows(sqlite3 *db, struct table_dump *t, int ncols)
{
	sqlite3_stmt	*st;
	char		 sql[2048], order[256];
	char		*row;
	size_t		 len, o;
	int		 i;

	order[0] = '\0';
	for (i = 1, o = 0; i <= ncols; i++)
		o += (size_t)snprintf(order + o, sizeof(order) - o, "%s%d",
		    i > 1 ? ", " : "", i);
	/* Old rows only: schema 11 adds the people reached to the counts,
	 * checked after the upgrade. */
	snprintf(sql, sizeof(sql), "SELECT %s FROM \"%s\" %s ORDER BY %s",
	    t->cols, t->name, strcmp(t->name, "alert_totals") == 0 ?
	    "WHERE what <> 103" : "", order);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	t->n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(t->n < MAX_ROWS);
		len = 1;
		for (i = 0; i < ncols; i++)
			len += (size_t)sqlite3_column_bytes(st, i) + 64;
		row = malloc(len);
		assert_non_null(row);
		for (i = 0, o = 0; i < ncols; i++) {
			/* The type too: 1 and '1' differ. */
			o += (size_t)snprintf(row + o, len - o, "%d:",
			    sqlite3_column_type(st, i));
			if (sqlite3_column_type(st, i) == SQLITE_BLOB) {
				o += (size_t)snprintf(row + o, len - o,
				    "blob%d", sqlite3_column_bytes(st, i));
			} else if (sqlite3_column_type(st, i) != SQLITE_NULL) {
				memcpy(row + o, sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
				o += (size_t)sqlite3_column_bytes(st, i);
			}
			row[o++] = '|';
		}
		row[o] = '\0';
		t->rows[t->n++] = row;
	}
	sqlite3_finalize(st);
}

/*
 * Dump every table of path. With like (not NULL), dump the tables and
 * columns of like instead, from this database.
 */
static void
dump_db(const char *path, const struct db_dump *like, struct db_dump *d)
{
	sqlite3		*db;
	sqlite3_stmt	*st, *ci;
	char		 sql[256], cols[1024];
	size_t		 i, o;
	int		 n;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	memset(d, 0, sizeof(*d));
	if (like != NULL) {
		for (i = 0; i < like->n; i++) {
			snprintf(d->t[i].name, sizeof(d->t[i].name), "%s",
			    like->t[i].name);
			d->t[i].cols = strdup(like->t[i].cols);
			for (n = 1, o = 0; like->t[i].cols[o] != '\0'; o++)
				n += like->t[i].cols[o] == ',';
			dump_rows(db, &d->t[i], n);
		}
		d->n = like->n;
		sqlite3_close(db);
		return;
	}
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
	    "ORDER BY name", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct table_dump	*t = &d->t[d->n++];

		assert_true(d->n < nitems(d->t));
		snprintf(t->name, sizeof(t->name), "%s",
		    sqlite3_column_text(st, 0));
		snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")",
		    t->name);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ci, NULL),
		    SQLITE_OK);
		cols[0] = '\0';
		for (n = 0, o = 0; sqlite3_step(ci) == SQLITE_ROW; n++)
			o += (size_t)snprintf(cols + o, sizeof(cols) - o,
			    "%s\"%s\"", n > 0 ? ", " : "",
			    sqlite3_column_text(ci, 1));
		sqlite3_finalize(ci);
		t->cols = strdup(cols);
		dump_rows(db, t, n);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
dump_free(struct db_dump *d)
{
	size_t	i, j;

	for (i = 0; i < d->n; i++) {
		for (j = 0; j < d->t[i].n; j++)
			free(d->t[i].rows[j]);
		free(d->t[i].cols);
	}
}

/* Rows in table name of d. */
static size_t
dump_count(const struct db_dump *d, const char *name)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->t[i].name, name) == 0)
			return d->t[i].n;
	fail_msg("no table %s", name);
	return 0;
}

/* Fixture name of schema version want: migrate, compare, serve. */
static void
upgrade_one(struct t *t, const char *name, int want)
{
	struct e2e_conf	 conf = { 0 };
	struct db_dump	 before, after;
	struct store	*s;
	struct e2e_proc	 d;
	sqlite3		*db;
	json_t		*a;
	char		 err[512];
	size_t		 i, j, total = 0;
	int		 st, version;

	snprintf(t->path, sizeof(t->path), "%s/%s", t->env->dir, name);
	copy_fixture(name, t->path);
	assert_int_equal(store_check_file(t->path, &version, err,
	    sizeof(err)), 0);
	assert_int_equal(version, want);
	dump_db(t->path, NULL, &before);
	assert_int_equal(dump_count(&before, "contacts"), 6);
	assert_int_equal(dump_count(&before, "alerts"), 1);
	assert_true(dump_count(&before, "deliveries") >= 2);

	assert_non_null(s = store_open(t->path, err, sizeof(err)));
	store_close(s);
	assert_int_equal(sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(query_int(db, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(query_int(db, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	sqlite3_close(db);

	/* Every old row of every old table, column for column. */
	dump_db(t->path, &before, &after);
	for (i = 0; i < before.n; i++) {
		assert_int_equal(after.t[i].n, before.t[i].n);
		for (j = 0; j < before.t[i].n; j++) {
			if (strcmp(before.t[i].rows[j], after.t[i].rows[j]))
				fail_msg("%s row %zu changed:\n%s\n%s",
				    before.t[i].name, j, before.t[i].rows[j],
				    after.t[i].rows[j]);
			total++;
		}
	}
	assert_true(total > 20);
	dump_free(&before);
	dump_free(&after);

	/*
	 * And varseld migrates it itself, says so in its log, and serves
	 * it: the alert with its counts and answers.
	 */
	assert_int_equal(e2e_env_config(t->env, &conf), 0);
	unlink(t->env->db);
	copy_fixture(name, t->env->db);
	assert_int_equal(e2e_spawn_daemon(t->env, &d), 0);
	snprintf(err, sizeof(err), "evt=schema_migrated from=%d to=%d ms=",
	    want, store_schema_version());
	assert_true(e2e_log_contains(&d, err) == (want <
	    store_schema_version()));
	a = e2e_api(&d, E2E_TOKEN, "GET", "/v1/alerts/1", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(e2e_json_str(a, "state"), "done");
	assert_int_equal(e2e_json_int(a, "recipients"), 2);
	assert_int_equal(e2e_json_int(a, "counts.delivered"), 2);
	/* Counted in the upgrade: two people, each with a delivered SMS. */
	assert_int_equal(e2e_json_int(a, "reached"), 2);
	if (want >= 2)
		assert_int_equal(e2e_json_int(a, "acks.yes"), 1);
	json_decref(a);
	a = e2e_api(&d, E2E_TOKEN, "GET", "/v1/contacts/+46701740605", NULL,
	    &st);
	assert_int_equal(st, 200);
	assert_string_equal(e2e_json_str(a, "name"), "Anna Nattvandrare");
	json_decref(a);
	assert_int_equal(e2e_stop(&d, 10000), 0);
}

static void
test_upgrade_v1(void **state)
{
	upgrade_one(*state, "v1.db", 1);
}

static void
test_upgrade_v2(void **state)
{
	upgrade_one(*state, "v2.db", 2);
}

static void
test_upgrade_v3(void **state)
{
	upgrade_one(*state, "v3.db", 3);
}

static void
test_upgrade_v4(void **state)
{
	upgrade_one(*state, "v4.db", 4);
}

static void
test_upgrade_v5(void **state)
{
	upgrade_one(*state, "v5.db", 5);
}

static void
test_upgrade_v6(void **state)
{
	upgrade_one(*state, "v6.db", 6);
}

static void
test_upgrade_v7(void **state)
{
	upgrade_one(*state, "v7.db", 7);
}

static void
test_upgrade_v8(void **state)
{
	upgrade_one(*state, "v8.db", 8);
}

static void
test_upgrade_v9(void **state)
{
	upgrade_one(*state, "v9.db", 9);
}

static void
test_upgrade_v10(void **state)
{
	upgrade_one(*state, "v10.db", 10);
}

/*
 * A database of a newer Varsel (here: the newest fixture with a higher
 * user_version, in WAL mode as varseld leaves it, and in rollback mode
 * as a backup is): refused with a message that says so, left as it was.
 */
static void
test_upgrade_newer_refused(void **state)
{
	struct t	*t = *state;
	struct e2e_conf	 conf = { 0 };
	struct e2e_proc	 d;
	struct store	*s;
	sqlite3		*db;
	char		 sql[64], before[65], after[65], err[512];
	char		 wal[PATH_MAX + 40];
	int		 fd, version, newer = store_schema_version() + 1;

	/* WAL mode: store_open itself refuses it without a change. */
	snprintf(t->path, sizeof(t->path), "%s/newer.db", t->env->dir);
	copy_fixture("v10.db", t->path);
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", newer);
	exec_ok(db, sql);
	sqlite3_close(db);
	file_sha(t->path, before);
	assert_null(s = store_open(t->path, err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));
	file_sha(t->path, after);
	assert_string_equal(before, after);
	assert_int_equal(store_check_file(t->path, &version, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "newer than"));
	assert_int_equal(store_claim(t->path, &fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "written by a newer Varsel"));

	/* Rollback mode, through the daemon: refused before any write. */
	assert_int_equal(e2e_env_config(t->env, &conf), 0);
	copy_fixture("v10.db", t->env->db);
	assert_int_equal(sqlite3_open(t->env->db, &db), SQLITE_OK);
	exec_ok(db, "PRAGMA journal_mode = DELETE");
	exec_ok(db, sql);
	sqlite3_close(db);
	file_sha(t->env->db, before);
	assert_int_equal(e2e_spawn_daemon(t->env, &d), -1);	/* it exited */
	assert_true(e2e_log_contains(&d, "written by a newer Varsel"));
	file_sha(t->env->db, after);
	assert_string_equal(before, after);
	snprintf(wal, sizeof(wal), "%s-wal", t->env->db);
	assert_int_equal(access(wal, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upgrade_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v2, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v3, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v4, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v5, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v6, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v7, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v8, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v9, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v10, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_newer_refused,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
