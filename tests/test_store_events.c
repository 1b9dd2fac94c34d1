/*
 * Tests of store_events.c: the outbox of events to source systems,
 * claimed with a lease, retried, done, and kept a day once done.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"
#include "tests/store_test.h"

/* The callback outbox: claim with a lease, retry, done. */
static void
test_callbacks(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct st_cbs	 c;
	int64_t		 aid = st_add_alert(s, "cb", 0), next, ids[3];
	const int64_t	 lease = 60000;
	int		 i;

	assert_int_equal(store_callback_next_due(s, &next), STORE_NOTFOUND);
	assert_int_equal(store_callback_enqueue(s, aid, "coord",
	    "http://127.0.0.1:9/cb", "alert.progress",
	    "{\"event\":\"alert.progress\"}", NOW + 20), 0);
	assert_int_equal(store_callback_enqueue(s, aid, "coord",
	    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW), 0);
	assert_int_equal(store_callback_enqueue(s, aid, "coord",
	    "http://127.0.0.1:9/cb", "alert.done",
	    "{\"event\":\"alert.done\"}", NOW + 10), 0);
	assert_int_equal(store_callback_next_due(s, &next), 0);
	assert_int_equal(next, NOW);

	/* Not due yet: nothing. Then the oldest two, leased. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW - 1, lease, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_callback_claim(s, NOW + 20, lease, 2,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.events[0], "ack");
	assert_string_equal(c.events[1], "alert.done");
	for (i = 0; i < 2; i++) {
		assert_int_equal(c.attempts[i], 1);
		assert_int_equal(c.next_at[i], NOW + 20 + lease);
		ids[i] = c.ids[i];
	}
	/* Leased rows are not claimed again; the third one is. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 30, lease, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.events[0], "alert.progress");
	ids[2] = c.ids[0];
	assert_int_equal(store_callback_next_due(s, &next), 0);
	assert_int_equal(next, NOW + 20 + lease);

	/* The first is answered 2xx, the second fails and is retried. */
	assert_int_equal(store_callback_done(s, ids[0], NOW + 40), 0);
	assert_int_equal(store_callback_retry(s, ids[1], NOW + 1000,
	    "HTTP 500"), 0);
	/* A done callback cannot come back by a late retry. */
	assert_int_equal(store_callback_retry(s, ids[0], NOW + 1000,
	    "HTTP 500"), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 1000, lease, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], ids[1]);
	assert_int_equal(c.attempts[0], 2);
	assert_string_equal(c.errors[0], "HTTP 500");

	/* A crash after the claim: the lease ends and it comes back. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 30 + lease, lease, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], ids[2]);
	assert_int_equal(c.attempts[0], 2);

	/* cb stops: -1, and what was claimed stays leased. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(store_callback_claim(s, NOW + 1000 + lease, lease, 8,
	    st_callback_cb, &c), -1);
	assert_int_equal(c.n, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 1000 + lease, lease, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 0);

	assert_int_equal(store_callback_done(s, ids[1], NOW + 2000), 0);
	assert_int_equal(store_callback_done(s, ids[2], NOW + 2000), 0);
	assert_int_equal(store_callback_next_due(s, &next), STORE_NOTFOUND);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 10 * lease, lease, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_callback_claim(s, NOW, lease, 0, st_callback_cb,
	    &c), 0);
}

/* Done callbacks stay a day, then go (they may name a number). */
static void
test_callbacks_kept(void **state)
{
	struct st_ctx	*t = *state;
	struct st_cbs	 c;
	int64_t		 aid = st_add_alert(t->s, "cb", 0), ids[2];
	const int64_t	 day = 24 * 3600 * 1000LL;

	assert_int_equal(store_callback_enqueue(t->s, aid, "coord",
	    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW), 0);
	assert_int_equal(store_callback_enqueue(t->s, aid, "coord",
	    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(t->s, NOW, 1000, 8,
	    st_callback_cb, &c), 0);
	assert_int_equal(c.n, 2);
	ids[0] = c.ids[0];
	ids[1] = c.ids[1];
	assert_int_equal(store_callback_done(t->s, ids[0], NOW), 0);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    2);
	assert_int_equal(store_callback_done(t->s, ids[1], NOW + day), 0);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    2);
	assert_int_equal(store_callback_done(t->s, ids[1], NOW + day + 1), 0);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_callbacks),
		FILE_ONLY(test_callbacks_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
