/*
 * Tests of the journal of batch.c against a real lock: a second SQLite
 * connection to the same file holds BEGIN EXCLUSIVE, as another process
 * would. State changes put meanwhile are kept in memory, in order, the
 * batch says why it cannot write, reads go on, and once the lock goes
 * the retry timer writes everything: a report put after the "sent" it
 * follows finds it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "batch.h"
#include "store.h"
#include "util.h"

struct t {
	struct event_base	*base;
	struct store		*s;
	struct batch		*b;
	sqlite3			*locker;	/* "another process" */
	char			 dir[256];
	char			 db[300];
	int64_t			 id;		/* the delivery */
};

static int
setup(void **state)
{
	struct t	*t = xcalloc(1, sizeof(*t));
	struct alert_row a;
	struct delivery	 d;
	char		 err[256];

	snprintf(t->dir, sizeof(t->dir), "%s/varsel-journal-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/varsel.db", t->dir);
	if ((t->base = event_base_new()) == NULL ||
	    (t->s = store_open(t->db, err, sizeof(err))) == NULL ||
	    (t->b = batch_new(t->base, t->s)) == NULL ||
	    sqlite3_open(t->db, &t->locker) != SQLITE_OK)
		return -1;
	memset(&a, 0, sizeof(a));
	a.client = "test";
	a.source_ref = "j1";
	a.severity = 1;
	a.created_at = 1;
	if (store_alert_insert(t->s, &a) == -1)
		return -1;
	memset(&d, 0, sizeof(d));
	d.alert_id = a.id;
	strlcpy(d.phone, "+46701740605", sizeof(d.phone));
	d.channel = 1;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Test";
	d.state = DS_SENDING;
	d.segments = 1;
	d.attempts = 1;
	d.created_at = 1;
	if (store_delivery_insert(t->s, &d) == -1)
		return -1;
	t->id = d.id;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t	*t = *state;
	char		 path[400];

	batch_free(t->b, 0);
	store_close(t->s);
	sqlite3_close(t->locker);
	event_base_free(t->base);
	snprintf(path, sizeof(path), "%s-wal", t->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", t->db);
	unlink(path);
	unlink(t->db);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void
lock(struct t *t)
{
	assert_int_equal(sqlite3_exec(t->locker, "BEGIN EXCLUSIVE", NULL,
	    NULL, NULL), SQLITE_OK);
}

static void
unlock(struct t *t)
{
	assert_int_equal(sqlite3_exec(t->locker, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
}

/* Put a change of the test's delivery (report: by its ref). */
static bool
put(struct t *t, enum batch_op_kind kind, int state, const char *ref,
    int64_t next_at)
{
	struct batch_op	op;

	memset(&op, 0, sizeof(op));
	op.kind = kind;
	op.delivery_id = t->id;
	op.at = 1000;
	op.state = state;
	op.next_at = next_at;
	strlcpy(op.provider, "elks", sizeof(op.provider));
	if (ref != NULL)
		strlcpy(op.ref, ref, sizeof(op.ref));
	return batch_put(t->b, &op, NULL);
}

static struct delivery
row(struct t *t)
{
	struct delivery	d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(store_delivery_get(t->s, t->id, &d), 0);
	return d;
}

/* Run the loop until the journal is empty (5 s at most). */
static void
drain(struct t *t)
{
	int	i;

	for (i = 0; i < 500 && batch_pending(t->b) > 0; i++) {
		event_base_loop(t->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(10000);
	}
	assert_int_equal(batch_pending(t->b), 0);
}

/*
 * The provider accepted the SMS and then reported it delivered while
 * another process held the database: both wait, reads go on, and once
 * the lock goes both are written, the report matched to the sent.
 */
static void
test_locked_then_written(void **state)
{
	struct t	*t = *state;
	struct delivery	 d;
	const char	*why = NULL;
	int64_t		 since = 0, t0 = mono_ms();

	lock(t);
	assert_false(put(t, BATCH_SENT, 0, "ref-1", 0));
	assert_false(put(t, BATCH_REPORT, DS_DELIVERED, "ref-1", 0));
	/* Neither waited on the lock for more than a few ms. */
	assert_in_range(mono_ms() - t0, 0, 200);
	assert_int_equal(batch_pending(t->b), 2);
	assert_false(batch_writable(t->b, &why, &since));
	assert_string_equal(why, "locked by another process");
	assert_true(since > 0);
	/* Reads go on under the lock. */
	d = row(t);
	assert_int_equal(d.state, DS_SENDING);
	delivery_clear(&d);
	/* The retries fail while the lock holds; nothing is lost. */
	event_base_loop(t->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	usleep(50000);
	event_base_loop(t->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(batch_pending(t->b), 2);
	unlock(t);
	drain(t);
	assert_true(batch_writable(t->b, NULL, NULL));
	d = row(t);
	assert_int_equal(d.state, DS_DELIVERED);
	assert_string_equal(d.provider_ref, "ref-1");
	delivery_clear(&d);
}

/* Changes are written in the order they were put. */
static void
test_order_kept(void **state)
{
	struct t	*t = *state;
	struct delivery	 d;

	lock(t);
	put(t, BATCH_RETRY, 0, NULL, 5000);
	put(t, BATCH_DOUBT, 0, NULL, 0);
	put(t, BATCH_FINISH, DS_EXPIRED, NULL, 0);
	assert_int_equal(batch_pending(t->b), 3);
	unlock(t);
	drain(t);
	d = row(t);
	assert_int_equal(d.state, DS_EXPIRED);	/* the last put wins */
	assert_int_equal(d.next_at, 5000);
	assert_true(d.in_doubt);
	delivery_clear(&d);
}

/* A commit that fails keeps the journal; the next one writes it. */
static void
test_commit_lost(void **state)
{
	struct t	*t = *state;
	struct delivery	 d;

	assert_int_equal(batch_join(t->b, false), 0);
	assert_true(put(t, BATCH_SENT, 0, "ref-2", 0));
	store_rollback(t->s);		/* as SQLite does on SQLITE_FULL */
	batch_flush(t->b);
	assert_int_equal(batch_pending(t->b), 1);
	d = row(t);
	assert_int_equal(d.state, DS_SENDING);
	delivery_clear(&d);
	drain(t);
	d = row(t);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider_ref, "ref-2");
	delivery_clear(&d);
}

/* Joining during a lock fails at once: intake can answer 503. */
static void
test_join_fails_fast(void **state)
{
	struct t	*t = *state;
	int64_t		 t0;

	lock(t);
	t0 = mono_ms();
	assert_int_equal(batch_join(t->b, true), -1);
	assert_in_range(mono_ms() - t0, 0, 200);
	assert_false(batch_open(t->b));
	unlock(t);
	assert_int_equal(batch_join(t->b, true), 0);
	batch_flush(t->b);
	assert_true(batch_writable(t->b, NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_locked_then_written,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_lost, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_join_fails_fast, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
