/*
 * The database as a file (store_backup.c): the lock a running varseld
 * holds, the backup (a checked, private, single-file copy given its name
 * by rename) and the restore (refused while the lock is held, for a
 * damaged file and for a newer schema; an older one migrated; the old
 * database with its WAL kept aside; a plain copy of a WAL-mode file read
 * without writing beside it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gateway/store.h"
#include "gateway/store_backup.h"
#include "gateway/util.h"

/* One test's folder and its files. */
struct t {
	char	dir[64];
	char	db[128];	/* the live database */
	char	bak[128];	/* a backup */
};

static int
setup(void **state)
{
	struct t	*t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	strcpy(t->dir, "/tmp/test_store_backup.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/varsel.db", t->dir);
	snprintf(t->bak, sizeof(t->bak), "%s/backup.db", t->dir);
	*state = t;
	return 0;
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
teardown(void **state)
{
	struct t	*t = *state;

	nftw(t->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* The file src copied to dst. */
static void
copy_path(const char *src, const char *dst)
{
	char		 buf[65536];
	ssize_t		 n;
	int		 in, out;

	assert_true((in = open(src, O_RDONLY)) >= 0);
	assert_true((out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0640)) >=
	    0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* tests/data/upgrade/name copied to dst. */
static void
copy_fixture(const char *name, const char *dst)
{
	const char	*src = getenv("VARSEL_SRCDIR");
	char		 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/tests/data/upgrade/%s",
	    src != NULL ? src : "..", name);
	copy_path(path, dst);
}

/* One integer from sql on path. */
static long long
query(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Write sql into path. */
static void
change(const char *path, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Write sql into path and leave it in the WAL, as after a crash. */
static void
change_in_wal(const char *path, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
	    1, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 0",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A file of dir whose name starts with prefix? */
static bool
has_file(const char *dir, const char *prefix)
{
	DIR		*d;
	struct dirent	*e;
	bool		 found = false;

	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			found = true;
	closedir(d);
	return found;
}

/* One holder at a time; the refusal names the holder's pid. */
static void
test_lock(void **state)
{
	struct t	*t = *state;
	char		 err[512], want[64];
	int		 a, b;

	assert_int_equal(store_lock(t->db, &a, err, sizeof(err)), 0);
	assert_true(a >= 0);
	/* flock is per open file: a second open in this process conflicts. */
	assert_int_equal(store_lock(t->db, &b, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "pid %d holds", (int)getpid());
	assert_non_null(strstr(err, want));
	assert_int_equal(b, -1);
	store_unlock(a);
	assert_int_equal(store_lock(t->db, &b, err, sizeof(err)), 0);
	store_unlock(b);
	assert_int_equal(store_lock(":memory:", &b, err, sizeof(err)), 0);
	assert_int_equal(b, -1);
}

/* A backup is whole, checked, private, one file; dst appears by rename. */
static void
test_backup(void **state)
{
	struct t		*t = *state;
	struct store_file_info	 info;
	struct store		*s;
	struct stat		 st;
	char			 err[512], wal[160];
	int			 fd;

	copy_fixture("v3.db", t->db);
	/* A database as varseld leaves it: migrated to this schema. */
	assert_non_null(s = store_open(t->db, err, sizeof(err)));
	store_close(s);
	/* The live side holds the lock. */
	assert_int_equal(store_lock(t->db, &fd, err, sizeof(err)), 0);
	assert_int_equal(store_backup(t->db, t->bak, &info, err, sizeof(err)),
	    0);
	store_unlock(fd);
	assert_int_equal(info.version, store_schema_version());
	assert_int_equal(info.alerts, 1);
	assert_int_equal(info.deliveries, 5);
	assert_int_equal(stat(t->bak, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(info.bytes, st.st_size);
	snprintf(wal, sizeof(wal), "%s-wal", t->bak);
	assert_int_equal(access(wal, F_OK), -1);
	assert_int_equal(query(t->bak, "SELECT count(*) FROM contacts"), 6);
	assert_int_equal(query(t->bak, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	/* Rollback journal: a single file even a read-only medium opens. */
	assert_int_equal(query(t->bak, "SELECT count(*) FROM "
	    "pragma_journal_mode WHERE journal_mode = 'delete'"), 1);
	assert_false(has_file(t->dir, "backup.db.tmp"));

	/* A failed backup leaves the earlier one as it was. */
	assert_int_equal(store_backup("/nonexistent/varsel.db", t->bak, &info,
	    err, sizeof(err)), -1);
	assert_int_equal(query(t->bak, "SELECT count(*) FROM contacts"), 6);
	snprintf(wal, sizeof(wal), "%s/nowhere/backup.db", t->dir);
	assert_int_equal(store_backup(t->db, wal, &info, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "nowhere"));
}

/* Restore: refused while locked, for a newer schema and for damage. */
static void
test_restore_refusals(void **state)
{
	struct t		*t = *state;
	struct store_file_info	 info;
	struct stat		 before, after;
	char			 err[512], sql[64];
	int			 fd;

	copy_fixture("v3.db", t->db);
	copy_fixture("v2.db", t->bak);
	assert_int_equal(stat(t->db, &before), 0);
	assert_int_equal(store_lock(t->db, &fd, err, sizeof(err)), 0);
	assert_int_equal(store_restore(t->bak, t->db, &info, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "is varseld running?"));
	store_unlock(fd);

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    store_schema_version() + 1);
	change(t->bak, sql);
	assert_int_equal(store_restore(t->bak, t->db, &info, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "newer than"));

	/* Not a database at all. */
	assert_true((fd = open(t->bak, O_WRONLY | O_TRUNC)) >= 0);
	assert_int_equal(write(fd, "not sqlite, just text\n", 22), 22);
	close(fd);
	assert_int_equal(store_restore(t->bak, t->db, &info, err,
	    sizeof(err)), -1);
	/* An SQLite file that is not Varsel's. */
	unlink(t->bak);
	change(t->bak, "CREATE TABLE other (x); PRAGMA user_version = 2");
	assert_int_equal(store_restore(t->bak, t->db, &info, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a Varsel database"));

	/* Nothing of the database was touched, nothing was left behind. */
	assert_int_equal(stat(t->db, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_size, after.st_size);
	assert_false(has_file(t->dir, "varsel.db.restore"));
	assert_false(has_file(t->dir, "varsel.db.before-restore"));
}

/* Restore: an older backup is migrated, the old database kept aside. */
static void
test_restore(void **state)
{
	struct t		*t = *state;
	struct store_file_info	 info;
	struct store		*s;
	char			 err[512], path[4200];

	/* The live database, with a WAL that holds a committed change. */
	copy_fixture("v3.db", t->db);
	assert_non_null(s = store_open(t->db, err, sizeof(err)));
	store_close(s);
	change_in_wal(t->db, "UPDATE contacts SET name = 'in the WAL' "
	    "WHERE id = 1");
	snprintf(path, sizeof(path), "%s-wal", t->db);
	assert_int_equal(access(path, F_OK), 0);
	copy_fixture("v1.db", t->bak);

	assert_int_equal(store_restore(t->bak, t->db, &info, err,
	    sizeof(err)), 0);
	/* No WAL of the old file beside the new one. */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(info.version, store_schema_version());
	assert_int_equal(info.alerts, 1);
	assert_int_equal(info.deliveries, 2);
	assert_int_equal(query(t->db, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(query(t->db, "SELECT count(*) FROM contacts WHERE "
	    "name = 'in the WAL'"), 0);
	/* The old one, with what only its WAL held, is aside. */
	assert_non_null(strstr(info.aside, "varsel.db.before-restore-"));
	assert_int_equal(query(info.aside, "SELECT count(*) FROM contacts "
	    "WHERE name = 'in the WAL'"), 1);
	assert_false(has_file(t->dir, "varsel.db.restore"));
	/* And the store opens it like any other. */
	assert_non_null(s = store_open(t->db, err, sizeof(err)));
	store_close(s);

	/* Into a folder with no database yet: nothing to put aside. */
	unlink(t->db);
	assert_int_equal(store_restore(t->bak, t->db, &info, err,
	    sizeof(err)), 0);
	assert_string_equal(info.aside, "");
}

/*
 * Restore from a plain copy of a WAL-mode database (cp of varsel.db after
 * varseld stopped), as from a medium nobody may write: nothing appears
 * beside the source, even where a file name holds what a URI would read
 * as its query. A copy with its -wal beside it is read with that WAL.
 */
static void
test_restore_raw_copy(void **state)
{
	struct t		*t = *state;
	struct store_file_info	 info;
	struct store		*s;
	char			 err[512], media[128], src[200], path[260];
	char			 wal[260];

	/* A database in WAL mode, closed cleanly: one file, no -wal. */
	copy_fixture("v3.db", t->db);
	assert_non_null(s = store_open(t->db, err, sizeof(err)));
	store_close(s);
	change(t->db, "UPDATE contacts SET name = 'copied' WHERE id = 1");
	snprintf(media, sizeof(media), "%s/media", t->dir);
	assert_int_equal(mkdir(media, 0755), 0);
	snprintf(src, sizeof(src), "%s/raw?x=1#%%41.db", media);
	copy_path(t->db, src);
	assert_false(has_file(media, "raw?x=1#%41.db-"));

	assert_int_equal(store_restore(src, t->db, &info, err,
	    sizeof(err)), 0);
	assert_int_equal(query(t->db, "SELECT count(*) FROM contacts WHERE "
	    "name = 'copied'"), 1);
	assert_int_equal(info.version, store_schema_version());
	/* The medium holds the one file it held. */
	assert_false(has_file(media, "raw?x=1#%41.db-"));

	/* The file and its -wal, copied while a change was in the WAL. */
	change_in_wal(t->db, "UPDATE contacts SET name = 'walled' "
	    "WHERE id = 1");
	copy_path(t->db, src);
	snprintf(path, sizeof(path), "%s-wal", t->db);
	snprintf(wal, sizeof(wal), "%s-wal", src);
	copy_path(path, wal);
	assert_int_equal(store_restore(src, t->db, &info, err,
	    sizeof(err)), 0);
	assert_int_equal(query(t->db, "SELECT count(*) FROM contacts WHERE "
	    "name = 'walled'"), 1);
	/* Two restores in one second: the second aside has its own name. */
	assert_non_null(strstr(info.aside, "varsel.db.before-restore-"));
	assert_true(access(info.aside, F_OK) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restore, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restore_raw_copy, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
