/*
 * Tests for gateway/batch.c: one transaction per event-loop pass. What
 * joins is committed at the end of the pass and not before; the waiting
 * callbacks run after the commit and learn whether it held; a durable
 * join commits an open ordinary transaction first; a savepoint undoes
 * one request's part alone; a callback may open the next transaction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"
#include "store.h"
#include "util.h"

struct t {
	struct event_base	*base;
	struct store		*s;
	struct batch		*b;
};

/* What a waiter saw. */
struct seen {
	int		 calls;
	bool		 committed;
	bool		 open_then;	/* was a transaction open in the cb */
	struct t	*t;
	bool		 rejoin;	/* join again from the callback */
};

static int
setup(void **state)
{
	struct t	*t = xcalloc(1, sizeof(*t));
	char		 err[256];

	if ((t->base = event_base_new()) == NULL ||
	    (t->s = store_open(":memory:", err, sizeof(err))) == NULL ||
	    (t->b = batch_new(t->base, t->s)) == NULL)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t	*t = *state;

	batch_free(t->b, 0);
	store_close(t->s);
	event_base_free(t->base);
	free(t);
	return 0;
}

static int	add(struct t *, const char *);

static void
seen_cb(bool committed, void *arg)
{
	struct seen	*sn = arg;

	sn->calls++;
	sn->committed = committed;
	sn->open_then = batch_open(sn->t->b);
	if (sn->rejoin) {
		sn->rejoin = false;
		assert_int_equal(batch_join(sn->t->b, true), 0);
		assert_int_equal(add(sn->t, "+46701740608"), 0);
	}
}

/* Add a contact (any change will do). */
static int
add(struct t *t, const char *phone)
{
	struct contact	c;

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, phone, sizeof(c.phone));
	strlcpy(c.lang, "sv", sizeof(c.lang));
	c.channels = 1;
	return store_contact_upsert(t->s, &c, NULL);
}

static bool
has(struct t *t, const char *phone)
{
	struct contact	c;

	if (store_contact_get(t->s, phone, &c) != 0)
		return false;
	contact_clear(&c);
	return true;
}

/* One pass of the loop (what is active runs, nothing waits). */
static void
pass(struct t *t)
{
	event_base_loop(t->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}

/* Several joins in a pass: one commit at its end, then every waiter. */
static void
test_group_commit(void **state)
{
	struct t	*t = *state;
	struct seen	 a = { .t = t }, b = { .t = t };

	assert_false(batch_open(t->b));
	assert_int_equal(batch_join(t->b, true), 0);
	assert_int_equal(add(t, "+46701740601"), 0);
	assert_int_equal(batch_after(t->b, seen_cb, &a), 0);
	assert_int_equal(batch_join(t->b, true), 0);
	assert_int_equal(add(t, "+46701740602"), 0);
	assert_int_equal(batch_after(t->b, seen_cb, &b), 0);
	assert_true(batch_open(t->b));
	assert_int_equal(a.calls + b.calls, 0);	/* not before the commit */

	pass(t);
	assert_false(batch_open(t->b));
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_true(a.committed && b.committed);
	assert_false(a.open_then);		/* after the commit */
	assert_true(has(t, "+46701740601"));
	assert_true(has(t, "+46701740602"));
	/* A transaction of one's own works again: nothing is left open. */
	assert_int_equal(store_begin(t->s, true), 0);
	assert_int_equal(store_commit(t->s), 0);
	pass(t);
	assert_int_equal(a.calls, 1);
}

/* Without an open transaction a waiter is answered at once. */
static void
test_after_without_txn(void **state)
{
	struct t	*t = *state;
	struct seen	 a = { .t = t };

	assert_int_equal(batch_after(t->b, seen_cb, &a), 0);
	assert_int_equal(a.calls, 1);
	assert_true(a.committed);
	batch_flush(t->b);			/* nothing open: nothing done */
	batch_flush(NULL);
	assert_int_equal(a.calls, 1);
}

/* A durable join commits an open ordinary transaction first. */
static void
test_durable_after_ordinary(void **state)
{
	struct t	*t = *state;
	struct seen	 a = { .t = t }, b = { .t = t };

	assert_int_equal(batch_join(t->b, false), 0);
	assert_int_equal(add(t, "+46701740603"), 0);
	assert_int_equal(batch_after(t->b, seen_cb, &a), 0);
	assert_int_equal(batch_join(t->b, true), 0);
	assert_int_equal(a.calls, 1);		/* its commit is done */
	assert_true(a.committed);
	assert_true(batch_open(t->b));
	assert_int_equal(batch_after(t->b, seen_cb, &b), 0);
	/* An ordinary join of the durable one changes nothing. */
	assert_int_equal(batch_join(t->b, false), 0);
	batch_flush(t->b);
	assert_int_equal(b.calls, 1);
	assert_true(b.committed);
	assert_true(has(t, "+46701740603"));
}

/* A savepoint undoes one part; the rest of the pass commits. */
static void
test_savepoint(void **state)
{
	struct t	*t = *state;

	assert_int_equal(store_savepoint(t->s), -1);	/* no transaction */
	assert_int_equal(batch_join(t->b, true), 0);
	assert_int_equal(store_savepoint(t->s), 0);
	assert_int_equal(add(t, "+46701740604"), 0);
	assert_int_equal(store_savepoint_end(t->s, true), 0);
	assert_int_equal(store_savepoint(t->s), 0);
	assert_int_equal(add(t, "+46701740605"), 0);
	assert_int_equal(store_savepoint_end(t->s, false), 0);
	pass(t);
	assert_true(has(t, "+46701740604"));
	assert_false(has(t, "+46701740605"));
}

/* A transaction lost under the batch: every waiter hears it failed. */
static void
test_commit_fails(void **state)
{
	struct t	*t = *state;
	struct seen	 a = { .t = t };

	assert_int_equal(batch_join(t->b, true), 0);
	assert_int_equal(add(t, "+46701740606"), 0);
	assert_int_equal(batch_after(t->b, seen_cb, &a), 0);
	store_rollback(t->s);		/* as SQLite does on SQLITE_FULL */
	pass(t);
	assert_int_equal(a.calls, 1);
	assert_false(a.committed);
	assert_false(has(t, "+46701740606"));
	/* The next pass works. */
	assert_int_equal(batch_join(t->b, true), 0);
	assert_int_equal(add(t, "+46701740607"), 0);
	pass(t);
	assert_true(has(t, "+46701740607"));
}

/* A waiter may open the next transaction, and it commits too. */
static void
test_rejoin_from_callback(void **state)
{
	struct t	*t = *state;
	struct seen	 a = { .t = t, .rejoin = true };

	assert_int_equal(batch_join(t->b, true), 0);
	assert_int_equal(batch_after(t->b, seen_cb, &a), 0);
	pass(t);
	assert_int_equal(a.calls, 1);
	assert_true(a.committed);
	/* The callback's own transaction ends with its pass. */
	pass(t);
	assert_false(batch_open(t->b));
	assert_true(has(t, "+46701740608"));
	assert_int_equal(a.calls, 1);
}

/* Freeing commits what is open and answers the waiters. */
static void
test_free_commits(void **state)
{
	struct t	*t = *state;
	struct seen	 a = { .t = t };

	assert_int_equal(batch_join(t->b, false), 0);
	assert_int_equal(add(t, "+46701740609"), 0);
	assert_int_equal(batch_after(t->b, seen_cb, &a), 0);
	batch_free(t->b, 0);
	t->b = NULL;
	assert_int_equal(a.calls, 1);
	assert_true(a.committed);
	assert_true(has(t, "+46701740609"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_after_without_txn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_durable_after_ordinary,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_savepoint, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rejoin_from_callback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_commits, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
