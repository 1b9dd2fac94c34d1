/*
 * The database as a file: lock, version check, online backup, restore.
 * Every function opens connections of its own on paths (the daemon's one
 * connection lives in store_schema.c and is not touched here). A backup is
 * SQLite's backup API in one step: one read transaction on the source,
 * so the copy is the database as of one instant while varseld, in WAL
 * mode, keeps writing. Files appear by rename(2) after an fsync, so a
 * crash leaves the old file or the whole new one.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_backup.h"
#include "util.h"

#define BACKUP_BUSY_MS	10000	/* wait for a writer's lock this long */

static int	sb_int(sqlite3 *, const char *, int64_t *);
static int	sb_integrity(sqlite3 *, char *, size_t);
static int	sb_open(const char *, int, sqlite3 **, char *, size_t);
static int	sb_copy(sqlite3 *, sqlite3 *, char *, size_t);
static int	sb_sync_path(const char *, bool);
static int	sb_sync_dir(const char *);
static void	sb_unlink_db(const char *);
static int	sb_counts(const char *, int, struct store_file_info *);
static int	sb_aside(const char *, char *, size_t, char *, size_t);
static int	sb_chown_like_dir(int, const char *);
static int	sb_check(const char *, bool, bool, int *, char *, size_t);
static int	sb_open_still(const char *, sqlite3 **, char *, size_t);

/* The one integer a query answers; -1 if it answers none. */
static int
sb_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* PRAGMA integrity_check says "ok"; else its first complaint in err. */
static int
sb_integrity(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	const char	*row;
	int		 rv = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "integrity_check: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		row = (const char *)sqlite3_column_text(st, 0);
		if (row != NULL && strcmp(row, "ok") == 0)
			rv = 0;
		else
			snprintf(err, errlen, "integrity_check: %.200s",
			    row != NULL ? row : "no answer");
	} else
		snprintf(err, errlen, "integrity_check: %s",
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rv;
}

/* Open path with flags (SQLITE_OPEN_*); -1 with err. */
static int
sb_open(const char *path, int flags, sqlite3 **db, char *err, size_t errlen)
{
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, *db != NULL ?
		    sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(*db, BACKUP_BUSY_MS);
	return 0;
}

/*
 * Open a restore's source read-only and write nothing beside it. A plain
 * copy of a WAL-mode database (cp after varseld stopped) has no -wal;
 * opened as usual, SQLite would make a -wal and -shm next to it, and on
 * a read-only medium it cannot, so it refuses the file. With no -wal,
 * no connection has it open in WAL mode and nothing is left to recover:
 * it is opened immutable. With a -wal beside it, that log holds part of
 * the database and the usual way is the only right one.
 */
static int
sb_open_still(const char *path, sqlite3 **db, char *err, size_t errlen)
{
	unsigned char	 hdr[20];
	char		 uri[3 * 4096 + 32], wal[4096 + 8], *u;
	const char	*p;
	int		 fd;
	bool		 walmode = false;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		/* Bytes 18 and 19 of the header: 2 for WAL. */
		walmode = read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) &&
		    hdr[18] == 2 && hdr[19] == 2;
		close(fd);
	}
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (!walmode || access(wal, F_OK) == 0 || strlen(path) >= 4096)
		return sb_open(path, SQLITE_OPEN_READONLY, db, err, errlen);
	/* A URI: what could end or bend the path is escaped. */
	u = uri + snprintf(uri, sizeof(uri), "file:");
	for (p = path; *p != '\0'; p++) {
		if (*p == '?' || *p == '#' || *p == '%')
			u += sprintf(u, "%%%02X", (unsigned char)*p);
		else
			*u++ = *p;
	}
	snprintf(u, sizeof(uri) - (size_t)(u - uri), "?immutable=1");
	if (sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, *db != NULL ?
		    sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

/* Copy all of src into dst in one step (one read transaction). */
static int
sb_copy(sqlite3 *src, sqlite3 *dst, char *err, size_t errlen)
{
	sqlite3_backup	*b;
	int		 rc, tries = 0;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	/* -1: every page at once; BUSY only while a writer checkpoints. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED) {
		if (++tries > BACKUP_BUSY_MS / 50)
			break;
		sqlite3_sleep(50);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* fsync a file (or a folder with dir). */
static int
sb_sync_path(const char *path, bool dir)
{
	int	fd, rv;

	if ((fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) |
	    O_CLOEXEC)) == -1)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

/* fsync the folder holding path, so a rename in it is on disk. */
static int
sb_sync_dir(const char *path)
{
	char	*copy = xstrdup(path);
	int	 rv;

	rv = sb_sync_path(dirname(copy), true);
	free(copy);
	return rv;
}

/* Remove a database file and what SQLite may have left beside it. */
static void
sb_unlink_db(const char *path)
{
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };
	char	p[4096];
	size_t	i;

	for (i = 0; i < nitems(sfx); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

/* The version, size and row counts of a finished file. */
static int
sb_counts(const char *path, int flags, struct store_file_info *info)
{
	sqlite3		*db = NULL;
	struct stat	 st;
	int64_t		 v;
	char		 err[256];
	int		 rv = -1;

	if (sb_open(path, flags, &db, err, sizeof(err)) == -1)
		return -1;
	if (sb_int(db, "PRAGMA user_version", &v) == 0 &&
	    sb_int(db, "SELECT count(*) FROM alerts", &info->alerts) == 0 &&
	    sb_int(db, "SELECT count(*) FROM deliveries",
	    &info->deliveries) == 0 && stat(path, &st) == 0) {
		info->version = (int)v;
		info->bytes = (int64_t)st.st_size;
		rv = 0;
	}
	sqlite3_close(db);
	return rv;
}

/*
 * As root (varselctl run by hand), give the file fd the owner of the
 * folder of path, where varseld's own user keeps the database.
 */
static int
sb_chown_like_dir(int fd, const char *path)
{
	struct stat	 st;
	char		*copy;
	int		 rv = 0;

	if (geteuid() != 0)
		return 0;
	copy = xstrdup(path);
	if (stat(dirname(copy), &st) == 0 && (st.st_uid != 0 ||
	    st.st_gid != 0))
		rv = fchown(fd, st.st_uid, st.st_gid);
	free(copy);
	return rv;
}

int
store_lock(const char *path, int *fd, char *err, size_t errlen)
{
	char	 lock[4096], pid[32];
	ssize_t	 n;

	*fd = -1;
	if (strcmp(path, ":memory:") == 0)
		return 0;
	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >=
	    sizeof(lock)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((*fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1 &&
	    errno == EACCES)
		*fd = open(lock, O_RDONLY | O_CLOEXEC);	/* made by root */
	if (*fd == -1) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		return -1;
	}
	sb_chown_like_dir(*fd, path);
	if (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		int	saved = errno;

		n = pread(*fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (saved == EWOULDBLOCK)
			snprintf(err, errlen, "the database is in use: %s%s "
			    "holds %s (is varseld running?)",
			    pid[0] ? "pid " : "another process",
			    pid[0] ? pid : "", lock);
		else
			snprintf(err, errlen, "flock %s: %s", lock,
			    strerror(saved));
		close(*fd);
		*fd = -1;
		return -1;
	}
	/* The pid, for the message of whoever is refused next. */
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(*fd, 0) == 0 && pwrite(*fd, pid, (size_t)n, 0) != n)
		log_debug("%s: cannot write the pid into %s", __func__, lock);
	return 0;
}

void
store_unlock(int fd)
{
	if (fd < 0)
		return;
	/* Empty it first: a stale pid would mislead. */
	if (ftruncate(fd, 0) == -1)
		log_debug("%s: ftruncate: %s", __func__, strerror(errno));
	close(fd);
}

int
store_check_file(const char *path, int *version, char *err, size_t errlen)
{
	return sb_check(path, false, false, version, err, errlen);
}

/*
 * store_check_file; with fresh, a file with no tables yet (what a first
 * start that died before its first migration leaves) is fine too; with
 * still, path is a restore's source, opened by sb_open_still.
 */
static int
sb_check(const char *path, bool fresh, bool still, int *version, char *err,
    size_t errlen)
{
	sqlite3		*db = NULL;
	struct stat	 st;
	int64_t		 v, n;
	int		 known = store_schema_version(), rv = -1;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if ((still ? sb_open_still(path, &db, err, errlen) :
	    sb_open(path, SQLITE_OPEN_READONLY, &db, err, errlen)) == -1)
		return -1;
	if (sb_int(db, "PRAGMA user_version", &v) == -1 ||
	    sb_int(db, "SELECT count(*) FROM sqlite_master", &n) == -1) {
		snprintf(err, errlen, "%s: not an SQLite database (%s)", path,
		    sqlite3_errmsg(db));
		goto out;
	}
	if (v > known) {
		snprintf(err, errlen, "%s has schema version %lld, newer than "
		    "the %d this Varsel knows: it was written by a newer "
		    "Varsel; use that one (the file is left as it is)", path,
		    (long long)v, known);
		goto out;
	}
	if (fresh && v == 0 && n == 0) {
		*version = 0;
		rv = 0;
		goto out;
	}
	if (v < 1 || sb_int(db, "SELECT count(*) FROM meta WHERE key = "
	    "'salt'", &n) == -1 || n != 1) {
		snprintf(err, errlen, "%s is not a Varsel database (schema "
		    "version %lld, no opt-out salt)", path, (long long)v);
		goto out;
	}
	*version = (int)v;
	rv = 0;
out:
	sqlite3_close(db);
	return rv;
}

int
store_claim(const char *path, int *fd, char *err, size_t errlen)
{
	int	version;

	if (store_lock(path, fd, err, errlen) == -1)
		return -1;
	if (*fd == -1 || access(path, F_OK) == -1)
		return 0;	/* :memory:, or a new file store_open makes */
	if (sb_check(path, true, false, &version, err, errlen) == -1) {
		store_unlock(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

int
store_backup(const char *path, const char *dst, struct store_file_info *info,
    char *err, size_t errlen)
{
	sqlite3		*src = NULL, *out = NULL;
	char		 tmp[4096], why[512];
	int		 fd, version;

	memset(info, 0, sizeof(*info));
	if (store_check_file(path, &version, err, errlen) == -1)
		return -1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dst,
	    (int)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dst);
		return -1;
	}
	sb_unlink_db(tmp);
	/* Phone numbers inside: only the owner reads the copy. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	close(fd);
	if (sb_open(path, SQLITE_OPEN_READONLY, &src, err, errlen) == -1 ||
	    sb_open(tmp, SQLITE_OPEN_READWRITE, &out, err, errlen) == -1)
		goto fail;
	if (sb_copy(src, out, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	sqlite3_close(src);
	src = NULL;
	/* One self-contained file that even a read-only medium can open. */
	if (sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: journal_mode: %s", tmp,
		    sqlite3_errmsg(out));
		goto fail;
	}
	if (sb_integrity(out, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "the copy %s is damaged: %s", tmp, why);
		goto fail;
	}
	if (sqlite3_close(out) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(out));
		out = NULL;
		goto fail;
	}
	out = NULL;
	if (sb_sync_path(tmp, false) == -1 || rename(tmp, dst) == -1 ||
	    sb_sync_dir(dst) == -1) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto fail;
	}
	if (sb_counts(dst, SQLITE_OPEN_READONLY, info) == -1) {
		snprintf(err, errlen, "%s: cannot read the copy back", dst);
		return -1;
	}
	return 0;
fail:
	sqlite3_close(src);
	sqlite3_close(out);
	sb_unlink_db(tmp);
	return -1;
}

/* Rename path (and its -wal, -shm) to path.before-restore-STAMP. */
static int
sb_aside(const char *path, char *aside, size_t len, char *err,
    size_t errlen)
{
	static const char *const sfx[] = { "-wal", "-shm", "" };
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 stamp[32], from[4096], to[4096];
	size_t		 i;
	int		 n;

	aside[0] = '\0';
	if (access(path, F_OK) == -1)
		return 0;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* A second restore in the same second: STAMP-2, -3 and on. */
	for (n = 1; n <= 99; n++) {
		if (n == 1)
			snprintf(aside, len, "%s.before-restore-%s", path,
			    stamp);
		else
			snprintf(aside, len, "%s.before-restore-%s-%d", path,
			    stamp, n);
		for (i = 0; i < nitems(sfx); i++) {
			snprintf(to, sizeof(to), "%s%s", aside, sfx[i]);
			if (access(to, F_OK) == 0)
				break;
		}
		if (i == nitems(sfx))
			break;
	}
	/* The WAL first: it holds what the main file may still lack. */
	for (i = 0; i < nitems(sfx); i++) {
		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s%s", aside, sfx[i]);
		if (access(from, F_OK) == -1)
			continue;
		if (access(to, F_OK) == 0)
			errno = EEXIST;
		else if (rename(from, to) == 0)
			continue;
		snprintf(err, errlen, "cannot move %s aside to %s: %s", from,
		    to, strerror(errno));
		return -1;
	}
	return 0;
}

int
store_restore(const char *src, const char *path, struct store_file_info *info,
    char *err, size_t errlen)
{
	struct store	*s;
	sqlite3		*in = NULL, *out = NULL;
	char		 tmp[4096], shm[4096 + 8], why[512];
	int		 fd, lock, version, rv = -1;

	memset(info, 0, sizeof(*info));
	if (store_lock(path, &lock, err, errlen) == -1)
		return -1;
	if (sb_check(src, false, true, &version, err, errlen) == -1 ||
	    sb_open_still(src, &in, err, errlen) == -1)
		goto out;
	if (sb_integrity(in, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s is damaged: %s", src, why);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.restore-%d", path, (int)getpid());
	sb_unlink_db(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	if (sb_open(tmp, SQLITE_OPEN_READWRITE, &out, err, errlen) == -1 ||
	    sb_copy(in, out, why, sizeof(why)) == -1) {
		if (out != NULL)
			snprintf(err, errlen, "%s: %s", tmp, why);
		goto fail;
	}
	sqlite3_close(out);
	out = NULL;
	/* Bring an older schema up to date now, before it takes the name. */
	if ((s = store_open(tmp, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", src, why);
		goto fail;
	}
	store_close(s);
	/* Read-write, so that closing it leaves no -wal behind. */
	if (sb_counts(tmp, SQLITE_OPEN_READWRITE, info) == -1) {
		snprintf(err, errlen, "%s: cannot read it back", tmp);
		goto fail;
	}
	snprintf(shm, sizeof(shm), "%s-wal", tmp);
	if (access(shm, F_OK) == 0) {
		snprintf(err, errlen, "%s: SQLite left its WAL behind", tmp);
		goto fail;
	}
	snprintf(shm, sizeof(shm), "%s-shm", tmp);
	unlink(shm);
	if ((fd = open(tmp, O_RDWR | O_CLOEXEC)) == -1 ||
	    sb_chown_like_dir(fd, path) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		goto fail;
	}
	close(fd);
	if (sb_aside(path, info->aside, sizeof(info->aside), err,
	    errlen) == -1)
		goto fail;
	if (rename(tmp, path) == -1 || sb_sync_dir(path) == -1) {
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto fail;
	}
	rv = 0;
	goto out;
fail:
	sqlite3_close(out);
	sb_unlink_db(tmp);
out:
	sqlite3_close(in);
	store_unlock(lock);
	return rv;
}
