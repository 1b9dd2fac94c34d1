/*
 * Tests of password.c and hasher.c: scrypt hashes that verify the right
 * password and nothing else, that carry their cost, that a tampered
 * string fails; passwords too short or with control characters refused;
 * checks in the worker thread answered on the loop, in order, with the
 * loop free meanwhile, and the checks left at free cancelled.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "hasher.h"
#include "password.h"
#include "util.h"

/* What Python's hashlib.scrypt gives for these (another implementation). */
#define KNOWN	"$scrypt$ln=10,r=8,p=1$Zm9vYmFyYmF6cXV4cXV1eA" \
		"$giPl5EtHEOW19sodafF8G3taYH/ujamLtFwK1z1dn6U"

static void
test_password_hash_verify(void **state)
{
	char	h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX], why[160];

	(void)state;
	assert_int_equal(password_hash("correct horse battery", 10, h1,
	    sizeof(h1), why, sizeof(why)), 0);
	assert_int_equal(strncmp(h1, "$scrypt$ln=10,r=8,p=1$", 22), 0);
	assert_int_equal(password_check_format(h1, why, sizeof(why)), 0);
	assert_true(password_verify(h1, "correct horse battery"));
	assert_false(password_verify(h1, "correct horse batterY"));
	assert_false(password_verify(h1, ""));
	/* A new salt each time: the same password, another string. */
	assert_int_equal(password_hash("correct horse battery", 10, h2,
	    sizeof(h2), why, sizeof(why)), 0);
	assert_string_not_equal(h1, h2);
	assert_true(password_verify(h2, "correct horse battery"));
	/* Interoperable: a hash made elsewhere verifies here. */
	assert_true(password_verify(KNOWN, "correct horse battery"));
	assert_false(password_verify(KNOWN, "correct horse battery "));
	assert_int_equal(password_hash("x", 30, h1, sizeof(h1), why,
	    sizeof(why)), -1);
}

static void
test_password_formats(void **state)
{
	char	why[160], bad[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_check_format(KNOWN, why, sizeof(why)), 0);
	assert_int_equal(password_check_format("hunter2", why, sizeof(why)),
	    -1);
	assert_int_equal(password_check_format(NULL, why, sizeof(why)), -1);
	assert_int_equal(password_check_format("$scrypt$ln=10,r=8$abc$def",
	    why, sizeof(why)), -1);
	/* A cost that would take gigabytes is refused, not tried. */
	assert_int_equal(password_check_format("$scrypt$ln=20,r=32,p=1"
	    "$Zm9vYmFyYmF6cXV4cXV1eA$giPl5EtHEOW19sodafF8G3taYH/ujamLtFwK1z1d"
	    "n6U", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cost"));
	assert_int_equal(password_check_format("$scrypt$ln=10,r=8,p=1"
	    "$Zm9v*mFy$giPl5EtHEOW19sodafF8G3taYH", why, sizeof(why)), -1);
	/* One changed character of the key: verify fails. */
	strlcpy(bad, KNOWN, sizeof(bad));
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	assert_false(password_verify(bad, "correct horse battery"));
	assert_false(password_verify("nonsense", "correct horse battery"));
}

static void
test_password_acceptable(void **state)
{
	char	why[160];

	(void)state;
	assert_int_equal(password_acceptable("fyra ord är bra", why,
	    sizeof(why)), 0);
	assert_int_equal(password_acceptable("kort", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "shorter than 10"));
	/* Characters, not bytes: nine Swedish letters are too few. */
	assert_int_equal(password_acceptable("åäöåäöåäö", why, sizeof(why)),
	    -1);
	assert_int_equal(password_acceptable("tab\there-is-long", why,
	    sizeof(why)), -1);
	assert_int_equal(password_acceptable("\xff\xfe-not-utf8-at-all", why,
	    sizeof(why)), -1);
}

/* What the callbacks saw. */
struct results {
	char			 order[16];
	int			 n;
	int			 cancelled;
	struct event_base	*base;
	int			 want;
};

static void
done_cb(bool match, bool cancelled, void *arg)
{
	struct results	*r = arg;

	if (cancelled)
		r->cancelled++;
	else
		r->order[r->n++] = match ? 'y' : 'n';
	if (r->n == r->want)
		event_base_loopbreak(r->base);
}

/* A timer that counts loop passes while the thread works. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

static void
test_hasher(void **state)
{
	struct event_base	*base;
	struct hasher		*h;
	struct event		*tick;
	struct results		 r;
	struct timeval		 ms = { 0, 1000 };
	char			 slow[PASSWORD_HASH_MAX], why[160];
	int			 ticks = 0;

	(void)state;
	/* A cost of some 50 ms a check, so the loop has time to turn. */
	assert_int_equal(password_hash("correct horse battery", 13, slow,
	    sizeof(slow), why, sizeof(why)), 0);
	assert_non_null(base = event_base_new());
	assert_non_null(h = hasher_new(base, 3));
	memset(&r, 0, sizeof(r));
	r.base = base;
	r.want = 3;
	assert_int_equal(hasher_verify(h, slow, "correct horse battery",
	    done_cb, &r), 0);
	assert_int_equal(hasher_verify(h, slow, "wrong", done_cb, &r), 0);
	assert_int_equal(hasher_verify(h, KNOWN, "correct horse battery",
	    done_cb, &r), 0);
	/* A fourth waits for none: the queue is full. */
	assert_int_equal(hasher_verify(h, KNOWN, "x", done_cb, &r), -1);
	assert_int_equal(hasher_pending(h), 3);
	/* Nothing is answered before the loop runs. */
	assert_int_equal(r.n, 0);
	assert_non_null(tick = event_new(base, -1, EV_PERSIST, tick_cb,
	    &ticks));
	event_add(tick, &ms);
	event_base_dispatch(base);
	assert_string_equal(r.order, "yny");
	assert_int_equal(hasher_pending(h), 0);
	/* The loop went on while the thread checked. */
	assert_true(ticks > 0);

	/* Checks not answered at free are cancelled, each once. */
	r.want = 100;
	assert_int_equal(hasher_verify(h, KNOWN, "a", done_cb, &r), 0);
	assert_int_equal(hasher_verify(h, KNOWN, "b", done_cb, &r), 0);
	hasher_free(h);
	assert_int_equal(r.cancelled, 2);
	assert_int_equal(r.n, 3);
	event_free(tick);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_hash_verify),
		cmocka_unit_test(test_password_formats),
		cmocka_unit_test(test_password_acceptable),
		cmocka_unit_test(test_hasher),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
