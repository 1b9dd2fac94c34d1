/*
 * Tests of sessions.c: sessions found by their token only, kept alive by
 * requests, ended by idleness, by age, by logout and by their user
 * leaving; the brake on guessing that doubles per failure for a name
 * and for an address, stops at its cap, forgets after a quiet while,
 * and is lifted for the name (not the address) by a success.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sessions.h"

#define T0	1700000000000LL
#define IDLE	(30 * 60 * 1000LL)

static void
test_sessions_lifecycle(void **state)
{
	struct sessions	*ss;
	struct session	*s, *b;
	char		 tok[SESSION_TOKEN_LEN + 1];
	char		 tok2[SESSION_TOKEN_LEN + 1];
	char		 wrong[SESSION_TOKEN_LEN + 1];
	uint64_t	 serial;
	int64_t		 t;

	(void)state;
	assert_non_null(ss = sessions_new());
	assert_non_null(s = sessions_create(ss, "anna", "192.0.2.7", T0, tok));
	assert_true(sessions_token_ok(tok));
	assert_true(sessions_token_ok(s->csrf));
	assert_string_not_equal(tok, s->csrf);
	/* Only a hash of the token is kept. */
	assert_null(strstr(s->token_hash, tok));
	serial = s->serial;
	assert_non_null(b = sessions_create(ss, "bo", "192.0.2.8", T0, tok2));
	assert_string_not_equal(tok, tok2);

	assert_int_equal(sessions_find(ss, tok, T0 + 1000, IDLE, true)->serial,
	    serial);
	strcpy(wrong, tok);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	assert_null(sessions_find(ss, wrong, T0, IDLE, true));
	assert_null(sessions_find(ss, "ABCDEF", T0, IDLE, true));
	assert_null(sessions_find(ss, NULL, T0, IDLE, true));

	/* A request keeps it; without one it ends after IDLE. */
	assert_non_null(sessions_find(ss, tok, T0 + IDLE - 1, IDLE, true));
	assert_non_null(sessions_find(ss, tok, T0 + 2 * IDLE - 2, IDLE,
	    false));
	assert_true(sessions_online(ss, "anna", T0 + 2 * IDLE - 2, IDLE));
	assert_null(sessions_by_serial(ss, serial, T0 + 2 * IDLE, IDLE));
	assert_false(sessions_online(ss, "anna", T0 + 2 * IDLE, IDLE));
	assert_null(sessions_find(ss, tok, T0 + 2 * IDLE, IDLE, true));
	assert_int_equal(sessions_count(ss), 1);	/* bo, not swept */
	sessions_sweep(ss, T0 + 2 * IDLE, IDLE);
	assert_int_equal(sessions_count(ss), 0);

	/* However busy, a session ends after a working day. */
	assert_non_null(s = sessions_create(ss, "anna", "-", T0, tok));
	for (t = T0; t < T0 + SESSION_MAX_MS - IDLE; t += IDLE / 2)
		assert_non_null(sessions_find(ss, tok, t, IDLE, true));
	assert_null(sessions_find(ss, tok, T0 + SESSION_MAX_MS, IDLE, true));

	/* Logout, and a user who leaves the configuration. */
	assert_non_null(s = sessions_create(ss, "anna", "-", T0, tok));
	assert_non_null(sessions_create(ss, "bo", "-", T0, tok2));
	assert_non_null(sessions_create(ss, "bo", "-", T0, wrong));
	sessions_end(ss, sessions_find(ss, tok, T0, IDLE, true));
	assert_null(sessions_find(ss, tok, T0, IDLE, true));
	assert_int_equal(sessions_end_user(ss, "bo"), 2);
	assert_null(sessions_find(ss, tok2, T0, IDLE, true));
	assert_int_equal(sessions_count(ss), 0);
	sessions_free(ss);
}

static void
test_sessions_backoff(void **state)
{
	struct sessions	*ss;
	int64_t		 now = T0;
	int		 i;

	(void)state;
	assert_non_null(ss = sessions_new());
	assert_int_equal(sessions_login_wait(ss, "anna", "192.0.2.7", now), 0);
	sessions_login_failed(ss, "anna", "192.0.2.7", now);
	assert_int_equal(sessions_login_wait(ss, "anna", "192.0.2.7", now),
	    SESSIONS_BACKOFF_MS);
	/* The same name from elsewhere, another name from here: both wait. */
	assert_int_equal(sessions_login_wait(ss, "anna", "198.51.100.1", now),
	    SESSIONS_BACKOFF_MS);
	assert_int_equal(sessions_login_wait(ss, "bo", "192.0.2.7", now),
	    SESSIONS_BACKOFF_MS);
	assert_int_equal(sessions_login_wait(ss, "bo", "198.51.100.1", now),
	    0);
	assert_int_equal(sessions_login_wait(ss, "anna", "192.0.2.7",
	    now + 200), SESSIONS_BACKOFF_MS - 200);
	/* Doubling, then capped. */
	sessions_login_failed(ss, "anna", "192.0.2.7", now);
	assert_int_equal(sessions_login_wait(ss, "anna", "192.0.2.7", now),
	    2 * SESSIONS_BACKOFF_MS);
	for (i = 0; i < 20; i++)
		sessions_login_failed(ss, "anna", "192.0.2.7", now);
	assert_int_equal(sessions_login_wait(ss, "anna", "192.0.2.7", now),
	    SESSIONS_BACKOFF_MAX_MS);
	/* A success frees the name, not the address that guessed. */
	sessions_login_succeeded(ss, "anna");
	assert_int_equal(sessions_login_wait(ss, "anna", "198.51.100.1", now),
	    0);
	assert_int_equal(sessions_login_wait(ss, "anna", "192.0.2.7", now),
	    SESSIONS_BACKOFF_MAX_MS);
	/* Quiet for a while: forgotten. */
	now += SESSIONS_FAIL_FORGET_MS;
	assert_int_equal(sessions_login_wait(ss, "x", "192.0.2.7", now), 0);
	sessions_login_failed(ss, "x", "192.0.2.7", now);
	assert_int_equal(sessions_login_wait(ss, "y", "192.0.2.7", now),
	    SESSIONS_BACKOFF_MS);
	sessions_sweep(ss, now + SESSIONS_FAIL_FORGET_MS, IDLE);
	assert_int_equal(sessions_login_wait(ss, "x", "192.0.2.7", now), 0);
	sessions_free(ss);
}

/* Guesses sent at once: while one is checked, the others wait. */
static void
test_sessions_backoff_concurrent(void **state)
{
	struct sessions	*ss;
	int64_t		 now = T0;

	(void)state;
	assert_non_null(ss = sessions_new());
	sessions_login_checking(ss, "anna", "192.0.2.7", true, now);
	/* The same name or the same address waits; others do not. */
	assert_true(sessions_login_wait(ss, "anna", "198.51.100.1", now) > 0);
	assert_true(sessions_login_wait(ss, "bo", "192.0.2.7", now) > 0);
	assert_int_equal(sessions_login_wait(ss, "bo", "198.51.100.1", now),
	    0);
	/* It was wrong: the next waits the brake, counted once. */
	sessions_login_checking(ss, "anna", "192.0.2.7", false, now);
	sessions_login_failed(ss, "anna", "192.0.2.7", now);
	assert_int_equal(sessions_login_wait(ss, "anna", "192.0.2.7", now),
	    SESSIONS_BACKOFF_MS);
	/* A check that ended right leaves nothing waiting. */
	sessions_login_checking(ss, "bo", "198.51.100.1", true, now);
	sessions_login_checking(ss, "bo", "198.51.100.1", false, now);
	sessions_login_succeeded(ss, "bo");
	assert_int_equal(sessions_login_wait(ss, "bo", "198.51.100.1", now),
	    0);
	/* An end without a beginning does not go below none. */
	sessions_login_checking(ss, "bo", "198.51.100.1", false, now);
	sessions_login_checking(ss, "bo", "198.51.100.1", true, now);
	assert_true(sessions_login_wait(ss, "bo", "198.51.100.1", now) > 0);
	sessions_login_checking(ss, "bo", "198.51.100.1", false, now);
	assert_int_equal(sessions_login_wait(ss, "bo", "198.51.100.1", now),
	    0);
	/* A check still running is not swept away. */
	sessions_login_checking(ss, "carl", "203.0.113.9", true, now);
	now += SESSIONS_FAIL_FORGET_MS;
	sessions_sweep(ss, now, IDLE);
	assert_true(sessions_login_wait(ss, "carl", "203.0.113.1", now) > 0);
	sessions_free(ss);
}

/* Many names from many addresses: the table stays bounded and working. */
static void
test_sessions_backoff_full(void **state)
{
	struct sessions	*ss;
	char		 name[32], addr[32];
	int		 i;

	(void)state;
	assert_non_null(ss = sessions_new());
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 256, i % 256);
		sessions_login_failed(ss, name, addr, T0 + i);
	}
	assert_int_equal(sessions_login_wait(ss, "user9999", "10.0.39.15",
	    T0 + 9999), SESSIONS_BACKOFF_MS);
	sessions_free(ss);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions_lifecycle),
		cmocka_unit_test(test_sessions_backoff),
		cmocka_unit_test(test_sessions_backoff_concurrent),
		cmocka_unit_test(test_sessions_backoff_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
