/*
 * Console sessions and the brake on guessing passwords, in memory.
 *
 * A session is made at login: a random token (the cookie; only its
 * SHA-256 is kept, so a memory dump does not hand out sessions) and a
 * random CSRF token that every write must send back in X-CSRF-Token.
 * It ends at logout, after idle_ms without a request, after
 * SESSION_MAX_MS whatever happens, and when its user leaves the
 * configuration. Sessions live in varseld's memory: they survive
 * SIGHUP (the process stays), not a restart.
 *
 * Failed logins slow the next try for the same name and for the same
 * address: the n-th failure in a row makes the next try wait
 * SESSIONS_BACKOFF_MS * 2^(n-1), at most SESSIONS_BACKOFF_MAX_MS. The
 * caller delays its answer by that long (a timer, never a sleep). A
 * success clears the name's count (not the address's: one good
 * password does not license guessing others).
 *
 * Pure: time is given, nothing here does I/O but RAND_bytes.
 */
#ifndef VARSEL_SESSIONS_H
#define VARSEL_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_MAX_MS		(12LL * 3600 * 1000)	/* a working day */
#define SESSIONS_BACKOFF_MS	500
#define SESSIONS_BACKOFF_MAX_MS	30000
#define SESSIONS_FAIL_FORGET_MS	(15LL * 60 * 1000)	/* quiet this long:
							   the count restarts */
#define SESSIONS_MAX		4096	/* open sessions at most */
#define SESSION_TOKEN_LEN	64	/* hex characters */

struct sessions;

struct session {
	char		 token_hash[65];	/* SHA-256 hex of the token */
	char		 csrf[SESSION_TOKEN_LEN + 1];
	char		 user[40];
	char		 addr[46];		/* where the login came from */
	int64_t		 created;
	int64_t		 last_seen;
	uint64_t	 serial;		/* unique while varseld runs */
};

struct sessions	*sessions_new(void);
void		 sessions_free(struct sessions *);

/*
 * A new session for user from addr: its cookie token into token
 * (SESSION_TOKEN_LEN hex and a NUL). NULL when SESSIONS_MAX are open
 * or no random bytes came. The session is valid until the next call
 * that may end sessions (find, end, sweep, end_user).
 */
struct session	*sessions_create(struct sessions *, const char *user,
		    const char *addr, int64_t now,
		    char token[SESSION_TOKEN_LEN + 1]);
/*
 * The session of the cookie token, its last_seen moved to now when
 * touch; NULL if none, or if it has ended (it is then removed).
 */
struct session	*sessions_find(struct sessions *, const char *token,
		    int64_t now, int64_t idle_ms, bool touch);
/* The session with that serial if it is still open (for streams). */
struct session	*sessions_by_serial(struct sessions *, uint64_t serial,
		    int64_t now, int64_t idle_ms);
void		 sessions_end(struct sessions *, struct session *);
/* End every session of user; how many. */
int		 sessions_end_user(struct sessions *, const char *user);
/* Remove the sessions that have ended. */
void		 sessions_sweep(struct sessions *, int64_t now,
		    int64_t idle_ms);
/* Has user a session that has not ended? */
bool		 sessions_online(struct sessions *, const char *user,
		    int64_t now, int64_t idle_ms);
/* Open sessions (ended ones not yet swept count). */
size_t		 sessions_count(const struct sessions *);

/* Milliseconds a login for name from addr must wait before it is tried. */
int64_t		 sessions_login_wait(struct sessions *, const char *name,
		    const char *addr, int64_t now);
/* A wrong password (or unknown name) for name from addr at now. */
void		 sessions_login_failed(struct sessions *, const char *name,
		    const char *addr, int64_t now);
/*
 * A password for name from addr goes to be checked (on) or has been
 * (off). Meanwhile other logins for that name or from that address
 * wait: guesses sent all at once are braked one by one, not checked
 * side by side before the first failure is known.
 */
void		 sessions_login_checking(struct sessions *, const char *name,
		    const char *addr, bool on, int64_t now);
/* A right one: the name starts again from no failures. */
void		 sessions_login_succeeded(struct sessions *, const char *name);

/* Is a (hex) token well-formed: SESSION_TOKEN_LEN lowercase hex? */
bool		 sessions_token_ok(const char *);

#endif
