/*
 * A large WAL copied back into the database on a thread of its own.
 *
 * SQLite checkpoints inside the commit that takes the WAL past 1,000
 * pages. For the WAL of everyday commits (a pass of the loop, an
 * inbound SMS) that is the cheapest way, and it stays: the store's WAL
 * hook does what SQLite's own would. But one large transaction (a
 * fan-out of 100,000 writes 30 MB, one of a million 200 MB) made the
 * event loop stand still while it copied: the 202 waited for it, and
 * after an alert to a million the loop answered nothing for two seconds.
 * A WAL past CKPT_BIG pages wakes this thread instead, which runs a
 * passive checkpoint through a second connection of its own. A passive
 * checkpoint takes no lock a writer needs: the loop goes on committing
 * while older frames are copied. (Every checkpoint on the thread cost a
 * tenth of the inbound SMS a second: its syncs queue with the commits'.)
 *
 * The thread touches nothing but its connection and the fields under
 * mu; it does not log (the loop reports what it left in last_rc).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "store_priv.h"

#define CKPT_FRAMES	1000	/* pages in the WAL: a checkpoint */
#define CKPT_BIG	4096	/* and one for the thread (16 MiB) */

struct store_ckpt {
	sqlite3		*db;		/* the thread's own connection */
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 due;		/* under mu: checkpoint once more */
	bool		 stop;		/* under mu: end the thread */
	bool		 running;	/* under mu: a checkpoint is on */
	int		 last_rc;	/* under mu: of the last checkpoint */
	int		 told_rc;	/* the loop's: last_rc it logged */
	int		 wake_at;	/* the loop's: WAL length to wake at */
	int		 last_frames;	/* the loop's: the WAL's length then */
	uint64_t	 runs;		/* under mu: checkpoints run */
};

static void	*ckpt_main(void *);
static int	 ckpt_wal_hook(void *, sqlite3 *, const char *, int);

/* The thread: wait to be woken, checkpoint, again until told to stop. */
static void *
ckpt_main(void *arg)
{
	struct store_ckpt	*c = arg;
	int			 rc, log, done;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->due = false;
		c->running = true;
		pthread_mutex_unlock(&c->mu);
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		pthread_mutex_lock(&c->mu);
		c->running = false;
		c->last_rc = rc;
		c->runs++;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* The store's WAL hook, on the loop after each commit. */
static int
ckpt_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store		*s = arg;
	struct store_ckpt	*c = s->ckpt;
	bool			 running;
	int			 rc;

	if (frames < CKPT_FRAMES)
		return SQLITE_OK;
	/*
	 * The thread: once a CKPT_BIG pages. One that runs while the loop
	 * has a transaction open cannot copy what that transaction may
	 * read, the WAL does not start over, and waking it at every
	 * commit made a checkpoint (two syncs) of each.
	 */
	if (frames < c->last_frames)
		c->wake_at = CKPT_BIG;		/* it started over */
	c->last_frames = frames;
	pthread_mutex_lock(&c->mu);
	running = c->running || c->due;
	if (frames >= c->wake_at) {
		c->wake_at = frames + CKPT_BIG;
		c->due = running = true;
		pthread_cond_signal(&c->cv);
	}
	rc = c->last_rc;
	pthread_mutex_unlock(&c->mu);
	/* As SQLite's own hook: the commit is done, no transaction open. */
	if (!running && (rc = sqlite3_wal_checkpoint_v2(db, name,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)) == SQLITE_OK)
		return SQLITE_OK;
	/* BUSY: another process held a lock; the next wake tries again. */
	if (rc != c->told_rc && (rc & 0xff) != SQLITE_BUSY) {
		if (rc != SQLITE_OK)
			log_warnx("store: checkpoint: %s", sqlite3_errstr(rc));
		c->told_rc = rc;
	}
	return SQLITE_OK;
}

int
store_defer_checkpoints(struct store *s, char *err, size_t errlen)
{
	struct store_ckpt	*c;
	const char		*fn;

	if (!s->is_file || s->ckpt != NULL)
		return 0;
	fn = sqlite3_db_filename(s->db, "main");
	c = xcalloc(1, sizeof(*c));
	c->wake_at = CKPT_BIG;
	if (sqlite3_open_v2(fn, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "checkpoint connection: %s",
		    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	/* It never writes; what it copies is synced before and after. */
	sqlite3_wal_autocheckpoint(c->db, 0);
	sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if ((errno = pthread_create(&c->thread, NULL, ckpt_main, c)) != 0) {
		snprintf(err, errlen, "checkpoint thread: %s",
		    strerror(errno));
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	s->ckpt = c;
	/* Replaces SQLite's own hook, the one that checkpoints in a commit. */
	sqlite3_wal_hook(s->db, ckpt_wal_hook, s);
	return 0;
}

uint64_t
store_checkpoints(const struct store *s)
{
	struct store_ckpt	*c = s->ckpt;
	uint64_t		 n;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	n = c->runs;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void
store_ckpt_stop(struct store *s)
{
	struct store_ckpt	*c = s->ckpt;

	if (c == NULL)
		return;
	/* SQLite's own hook again: the close checkpoints as it always did. */
	sqlite3_wal_autocheckpoint(s->db, 1000);
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	sqlite3_close(c->db);
	free(c);
	s->ckpt = NULL;
}
