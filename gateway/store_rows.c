/*
 * How the store runs its prepared statements: step one that returns no
 * rows, count what an UPDATE changed, and read rows. store_rows_each is
 * the one loop over a query's rows: each row goes to a read function
 * (it fills a struct and hands it on, or stops), a database error is
 * logged once with the caller's name, and the statement is reset for
 * its next use whatever happened. store_row_one and store_scalar read
 * the first row only, where "no row" is an answer, not an error.
 */
#include <sys/statvfs.h>

#include "store_priv.h"

static int	scalar_row(sqlite3_stmt *, void *);
static int	name_count_row(sqlite3_stmt *, void *);

/* The kind of fault an extended SQLite result code is. */
static enum store_fault
fault_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_FAULT_BUSY;
	case SQLITE_FULL:
		return STORE_FAULT_FULL;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return STORE_FAULT_IO;
	case SQLITE_READONLY:
		return STORE_FAULT_READONLY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return STORE_FAULT_CORRUPT;
	default:
		return STORE_FAULT_OTHER;
	}
}

void
store_fail(struct store *s, const char *func)
{
	int64_t	now;

	s->fault = fault_of(sqlite3_extended_errcode(s->db));
	if (s->fault == STORE_FAULT_FULL || s->fault == STORE_FAULT_IO) {
		s->space_faults++;
		s->space_fault = s->fault;
	}
	if (s->fault != STORE_FAULT_BUSY && s->fault != STORE_FAULT_FULL) {
		log_warnx("%s: %s", func, sqlite3_errmsg(s->db));
		return;
	}
	now = mono_ms();
	if (s->quiet_at != 0 && now - s->quiet_at < 10000) {
		s->quieted++;
		return;
	}
	if (s->quieted > 0)
		log_warnx("%s: %s (and %lu more such failures in %llds)",
		    func, sqlite3_errmsg(s->db), s->quieted,
		    (long long)((now - s->quiet_at) / 1000));
	else
		log_warnx("%s: %s", func, sqlite3_errmsg(s->db));
	s->quiet_at = now;
	s->quieted = 0;
}

enum store_fault
store_last_fault(const struct store *s)
{
	return s->fault;
}

uint64_t
store_space_faults(const struct store *s, enum store_fault *last)
{
	if (last != NULL)
		*last = s->space_fault;
	return s->space_faults;
}

int64_t
store_free_bytes(const struct store *s)
{
	struct statvfs	 sv;
	const char	*fn;

	if (!s->is_file || (fn = sqlite3_db_filename(s->db, "main")) == NULL ||
	    *fn == '\0' || statvfs(fn, &sv) == -1)
		return -1;
	return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

const char *
store_fault_text(enum store_fault f)
{
	switch (f) {
	case STORE_FAULT_NONE:
		return "ok";
	case STORE_FAULT_BUSY:
		return "locked by another process";
	case STORE_FAULT_FULL:
		return "disk full";
	case STORE_FAULT_IO:
		return "I/O error";
	case STORE_FAULT_READONLY:
		return "read-only";
	case STORE_FAULT_CORRUPT:
		return "damaged";
	case STORE_FAULT_OTHER:
		break;
	}
	return "error";
}

bool
store_fault_passing(enum store_fault f)
{
	return f == STORE_FAULT_BUSY || f == STORE_FAULT_FULL ||
	    f == STORE_FAULT_IO || f == STORE_FAULT_READONLY;
}

/*
 * Before statement id runs: the deliveries store_delivery_add holds are
 * written first, so that every statement sees them and they keep their
 * order; an undo forgets them instead.
 */
int
store_before_step(struct store *s, enum stmt_id id)
{
	if (s->unwritten == 0)
		return 0;
	if (id == ST_ROLLBACK || id == ST_ROLLBACK_TO) {
		s->unwritten = 0;
		return 0;
	}
	return store_delivery_write(s);
}

/* Step a statement that returns no rows; reset it either way. */
int
store_step_done(struct store *s, enum stmt_id id, const char *func)
{
	sqlite3_stmt	*st = s->st[id];
	int		 rc;

	if (store_before_step(s, id) == -1) {
		stmt_done(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		store_fail(s, func);
	stmt_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* Run a bound UPDATE; *n gets how many rows it changed. */
int
store_count_update(struct store *s, enum stmt_id id, int *n, const char *func)
{
	if (store_step_done(s, id, func) == -1)
		return -1;
	if (n != NULL)
		*n += sqlite3_changes(s->db);
	return 0;
}

/* Step a bound statement through its rows, cb on each; reset it. */
int
store_rows_each(struct store *s, enum stmt_id id, store_row_cb cb, void *arg,
    const char *func)
{
	sqlite3_stmt	*st = s->st[id];
	int		 rc;

	if (store_before_step(s, id) == -1) {
		stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(st, arg) == -1)
			break;		/* cb logged what it had to */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(s, func);
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The first row of a bound statement to cb, if there is one; reset it. */
int
store_row_one(struct store *s, enum stmt_id id, store_row_cb cb, void *arg,
    const char *func)
{
	sqlite3_stmt	*st = s->st[id];
	int		 rc, ret;

	if (store_before_step(s, id) == -1) {
		stmt_done(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = cb != NULL && cb(st, arg) == -1 ? -1 : 0;
	else if (rc == SQLITE_DONE)
		ret = STORE_NOTFOUND;
	else {
		store_fail(s, func);
		ret = -1;
	}
	stmt_done(st);
	return ret;
}

/* An integer column 0, and whether it was NULL. */
struct scalar {
	int64_t		 v;
	bool		 null;
};

/* Read the integer of a row into the struct scalar at arg. */
static int
scalar_row(sqlite3_stmt *st, void *arg)
{
	struct scalar	*x = arg;

	x->null = sqlite3_column_type(st, 0) == SQLITE_NULL;
	x->v = sqlite3_column_int64(st, 0);
	return 0;
}

/* The integer of the first row; STORE_NOTFOUND for no row or NULL. */
int
store_scalar(struct store *s, enum stmt_id id, int64_t *out, const char *func)
{
	struct scalar	x = { 0, false };
	int		rc;

	if ((rc = store_row_one(s, id, scalar_row, &x, func)) != 0)
		return rc;
	if (x.null)
		return STORE_NOTFOUND;
	*out = x.v;
	return 0;
}

/* Where store_name_counts sends its rows. */
struct name_counts {
	store_count_cb	 cb;
	void		*arg;
};

/* Pass a row of (name, count) on. */
static int
name_count_row(sqlite3_stmt *st, void *arg)
{
	struct name_counts	*to = arg;

	to->cb(col_text(st, 0), sqlite3_column_int64(st, 1), to->arg);
	return 0;
}

/* Every (name, count) row of a bound query to cb. */
int
store_name_counts(struct store *s, enum stmt_id id, store_count_cb cb,
    void *arg, const char *func)
{
	struct name_counts	to = { cb, arg };

	return store_rows_each(s, id, name_count_row, &to, func);
}
