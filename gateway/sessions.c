/*
 * Console sessions and login failures in two small arrays. A
 * municipality has tens of console users, so a linear walk per request
 * is cheaper than a hash table; the failure table is capped, and when it
 * is full the entry quiet the longest makes room.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sessions.h"
#include "util.h"

#define FAILS_MAX	4096		/* names and addresses remembered */

/* Consecutive failures of one name ("n:anna") or address ("a:1.2.3.4"). */
struct fail {
	char		 key[80];
	int		 count;
	int64_t		 last;		/* of the last failure */
	int		 checking;	/* its passwords being checked now */
};

struct sessions {
	struct session	*v;
	size_t		 n, cap;
	struct fail	*fails;
	size_t		 nfails;
	uint64_t	 next_serial;
};

static bool	ended(const struct session *, int64_t, int64_t);
static void	remove_at(struct sessions *, size_t);
static struct fail *fail_find(struct sessions *, const char *, bool,
		    int64_t);
static int64_t	fail_wait(const struct fail *, int64_t);
static int64_t	fail_wait_count(const struct fail *, int64_t);
static void	fail_each(struct sessions *, const char *, const char *, bool,
		    int64_t, void (*)(struct fail *, const int64_t *));
static void	fail_count(struct fail *, const int64_t *);
static void	checking_on(struct fail *, const int64_t *);
static void	checking_off(struct fail *, const int64_t *);

struct sessions *
sessions_new(void)
{
	struct sessions	*ss;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return NULL;
	ss->next_serial = 1;
	return ss;
}

void
sessions_free(struct sessions *ss)
{
	if (ss == NULL)
		return;
	if (ss->v != NULL)
		OPENSSL_cleanse(ss->v, ss->cap * sizeof(*ss->v));
	free(ss->v);
	free(ss->fails);
	free(ss);
}

/* Has s ended at now: idle too long, or older than a working day? */
static bool
ended(const struct session *s, int64_t now, int64_t idle_ms)
{
	return now - s->last_seen >= idle_ms ||
	    now - s->created >= SESSION_MAX_MS;
}

/* Remove the i-th session (the order does not matter). */
static void
remove_at(struct sessions *ss, size_t i)
{
	if (i + 1 < ss->n)
		ss->v[i] = ss->v[ss->n - 1];
	ss->n--;
	OPENSSL_cleanse(&ss->v[ss->n], sizeof(ss->v[ss->n]));
}

bool
sessions_token_ok(const char *t)
{
	size_t	i;

	if (t == NULL)
		return false;
	for (i = 0; i < SESSION_TOKEN_LEN; i++)
		if (!((t[i] >= '0' && t[i] <= '9') ||
		    (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return t[i] == '\0';
}

struct session *
sessions_create(struct sessions *ss, const char *user, const char *addr,
    int64_t now, char token[SESSION_TOKEN_LEN + 1])
{
	unsigned char	 raw[SESSION_TOKEN_LEN];
	struct session	*s, *nv;
	size_t		 cap;

	if (ss->n >= SESSIONS_MAX)
		return NULL;
	if (ss->n == ss->cap) {
		cap = ss->cap ? ss->cap * 2 : 16;
		if ((nv = realloc(ss->v, cap * sizeof(*nv))) == NULL)
			return NULL;
		ss->v = nv;
		ss->cap = cap;
	}
	/* The cookie token and the CSRF token: 32 random bytes each. */
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return NULL;
	s = &ss->v[ss->n];
	memset(s, 0, sizeof(*s));
	hex_encode(raw, SESSION_TOKEN_LEN / 2, token);
	hex_encode(raw + SESSION_TOKEN_LEN / 2, SESSION_TOKEN_LEN / 2,
	    s->csrf);
	OPENSSL_cleanse(raw, sizeof(raw));
	sha256_hex(token, SESSION_TOKEN_LEN, s->token_hash);
	strlcpy(s->user, user, sizeof(s->user));
	strlcpy(s->addr, addr != NULL ? addr : "-", sizeof(s->addr));
	s->created = s->last_seen = now;
	s->serial = ss->next_serial++;
	ss->n++;
	return s;
}

struct session *
sessions_find(struct sessions *ss, const char *token, int64_t now,
    int64_t idle_ms, bool touch)
{
	char	hash[65];
	size_t	i;

	if (!sessions_token_ok(token))
		return NULL;
	sha256_hex(token, SESSION_TOKEN_LEN, hash);
	for (i = 0; i < ss->n; i++) {
		if (CRYPTO_memcmp(ss->v[i].token_hash, hash, 64) != 0)
			continue;
		if (ended(&ss->v[i], now, idle_ms)) {
			remove_at(ss, i);
			return NULL;
		}
		if (touch)
			ss->v[i].last_seen = now;
		return &ss->v[i];
	}
	return NULL;
}

struct session *
sessions_by_serial(struct sessions *ss, uint64_t serial, int64_t now,
    int64_t idle_ms)
{
	size_t	i;

	for (i = 0; i < ss->n; i++)
		if (ss->v[i].serial == serial)
			return ended(&ss->v[i], now, idle_ms) ? NULL :
			    &ss->v[i];
	return NULL;
}

void
sessions_end(struct sessions *ss, struct session *s)
{
	if (s != NULL && s >= ss->v && s < ss->v + ss->n)
		remove_at(ss, (size_t)(s - ss->v));
}

int
sessions_end_user(struct sessions *ss, const char *user)
{
	size_t	i = 0;
	int	n = 0;

	while (i < ss->n)
		if (strcmp(ss->v[i].user, user) == 0) {
			remove_at(ss, i);
			n++;
		} else
			i++;
	return n;
}

void
sessions_sweep(struct sessions *ss, int64_t now, int64_t idle_ms)
{
	size_t	i = 0;

	while (i < ss->n)
		if (ended(&ss->v[i], now, idle_ms))
			remove_at(ss, i);
		else
			i++;
	/* Failures long quiet are forgotten (not while checked). */
	for (i = 0; i < ss->nfails; )
		if (now - ss->fails[i].last >= SESSIONS_FAIL_FORGET_MS &&
		    ss->fails[i].checking == 0)
			ss->fails[i] = ss->fails[--ss->nfails];
		else
			i++;
}

bool
sessions_online(struct sessions *ss, const char *user, int64_t now,
    int64_t idle_ms)
{
	size_t	i;

	for (i = 0; i < ss->n; i++)
		if (strcmp(ss->v[i].user, user) == 0 &&
		    !ended(&ss->v[i], now, idle_ms))
			return true;
	return false;
}

size_t
sessions_count(const struct sessions *ss)
{
	return ss->n;
}

/* ---- the brake on guessing ------------------------------------------ */

/*
 * The failure record of key, or NULL; with add, made if missing (the
 * record quiet the longest gives way when the table is full).
 */
static struct fail *
fail_find(struct sessions *ss, const char *key, bool add, int64_t now)
{
	struct fail	*f;
	size_t		 i, oldest = 0;

	for (i = 0; i < ss->nfails; i++) {
		if (strcmp(ss->fails[i].key, key) == 0)
			return &ss->fails[i];
		if (ss->fails[i].last < ss->fails[oldest].last)
			oldest = i;
	}
	if (!add)
		return NULL;
	if (ss->fails == NULL &&
	    (ss->fails = calloc(FAILS_MAX, sizeof(*ss->fails))) == NULL)
		return NULL;
	f = ss->nfails < FAILS_MAX ? &ss->fails[ss->nfails++] :
	    &ss->fails[oldest];
	memset(f, 0, sizeof(*f));
	strlcpy(f->key, key, sizeof(f->key));
	f->last = now;
	return f;
}

/*
 * How long the next try of a record must wait at now. While a password
 * of it is being checked, at least a step: then it looks again, and if
 * that one was wrong, the brake holds it.
 */
static int64_t
fail_wait(const struct fail *f, int64_t now)
{
	int64_t	delay;

	if (f != NULL && f->checking > 0) {
		delay = fail_wait_count(f, now);
		return delay > SESSIONS_BACKOFF_MS ? delay :
		    SESSIONS_BACKOFF_MS;
	}
	return fail_wait_count(f, now);
}

/* How long the record's failures make the next try wait at now. */
static int64_t
fail_wait_count(const struct fail *f, int64_t now)
{
	int64_t	delay;

	if (f == NULL || f->count == 0 ||
	    now - f->last >= SESSIONS_FAIL_FORGET_MS)
		return 0;
	delay = f->count >= 8 ? SESSIONS_BACKOFF_MAX_MS :
	    (int64_t)SESSIONS_BACKOFF_MS << (f->count - 1);
	if (delay > SESSIONS_BACKOFF_MAX_MS)
		delay = SESSIONS_BACKOFF_MAX_MS;
	return f->last + delay > now ? f->last + delay - now : 0;
}

int64_t
sessions_login_wait(struct sessions *ss, const char *name, const char *addr,
    int64_t now)
{
	char	key[80];
	int64_t	a, b;

	snprintf(key, sizeof(key), "n:%s", name);
	a = fail_wait(fail_find(ss, key, false, now), now);
	snprintf(key, sizeof(key), "a:%s", addr);
	b = fail_wait(fail_find(ss, key, false, now), now);
	return a > b ? a : b;
}

/* Count a failure in record f at *now. */
static void
fail_count(struct fail *f, const int64_t *now)
{
	if (*now - f->last >= SESSIONS_FAIL_FORGET_MS)
		f->count = 0;
	if (f->count < 1000)
		f->count++;
	f->last = *now;
}

/*
 * fn on the record of name, then on that of addr, each made if add (one
 * at a time: making the second may reuse the first's place).
 */
static void
fail_each(struct sessions *ss, const char *name, const char *addr,
    bool add, int64_t now, void (*fn)(struct fail *, const int64_t *))
{
	const char	*keys[2] = { name, addr };
	struct fail	*f;
	char		 key[80];
	int		 i;

	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%c:%s", i == 0 ? 'n' : 'a',
		    keys[i]);
		if ((f = fail_find(ss, key, add, now)) != NULL)
			fn(f, &now);
	}
}

void
sessions_login_failed(struct sessions *ss, const char *name,
    const char *addr, int64_t now)
{
	fail_each(ss, name, addr, true, now, fail_count);
}

/* A password of record f goes to be checked. */
static void
checking_on(struct fail *f, const int64_t *now)
{
	(void)now;
	f->checking++;
}

/* A password of record f has been checked. */
static void
checking_off(struct fail *f, const int64_t *now)
{
	(void)now;
	if (f->checking > 0)
		f->checking--;
}

void
sessions_login_checking(struct sessions *ss, const char *name,
    const char *addr, bool on, int64_t now)
{
	fail_each(ss, name, addr, on, now, on ? checking_on : checking_off);
}

void
sessions_login_succeeded(struct sessions *ss, const char *name)
{
	struct fail	*f;
	char		 key[80];

	snprintf(key, sizeof(key), "n:%s", name);
	if ((f = fail_find(ss, key, false, 0)) != NULL)
		f->count = 0;
}
