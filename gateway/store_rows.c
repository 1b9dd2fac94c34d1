/*
 * How the store runs its prepared statements: step one that returns no
 * rows, count what an UPDATE changed, and read rows. store_rows_each is
 * the one loop over a query's rows: each row goes to a read function
 * (it fills a struct and hands it on, or stops), a database error is
 * logged once with the caller's name, and the statement is reset for
 * its next use whatever happened. store_row_one and store_scalar read
 * the first row only, where "no row" is an answer, not an error.
 */
#include "store_priv.h"

static int	scalar_row(sqlite3_stmt *, void *);
static int	name_count_row(sqlite3_stmt *, void *);

/* Step a statement that returns no rows; reset it either way. */
int
store_step_done(struct store *s, enum stmt_id id, const char *func)
{
	sqlite3_stmt	*st = s->st[id];
	int		 rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_warnx("%s: %s", func, sqlite3_errmsg(s->db));
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

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(st, arg) == -1)
			break;		/* cb logged what it had to */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		log_warnx("%s: %s", func, sqlite3_errmsg(s->db));
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

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = cb != NULL && cb(st, arg) == -1 ? -1 : 0;
	else if (rc == SQLITE_DONE)
		ret = STORE_NOTFOUND;
	else {
		log_warnx("%s: %s", func, sqlite3_errmsg(s->db));
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
