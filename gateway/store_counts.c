/*
 * The counts kept as deliveries change (schema 4: delivery_totals,
 * alert_totals, queue_totals). Triggers kept them at first, whatever
 * statement changed a row; but a trigger costs several statements per
 * row, and even unfired it makes a statement keep a journal of its own.
 * So the hot paths (a fan-out's inserts, a claim, an SMS accepted) add
 * their rows' part to a tally in memory, written in a few statements
 * before anything can read the counts: before a commit, at a
 * savepoint's edges, before a read of the counts; a rollback throws the
 * tally away with the rows it counted. Every insert is tallied; the
 * other updates are counted by trigger, which fires only for a
 * statement that sets count_by_trigger (COUNTED_UPDATE, schema 8).
 * varsel_counting() in the triggers' WHEN is false while the store
 * tallies, so no row is ever counted twice.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

/* The statements of this file, prepared by store_open. */
const struct store_sql store_counts_sql[] = {
	{ ST_TALLY_TOTALS,
	    "INSERT INTO delivery_totals VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT DO UPDATE SET n = n + excluded.n" },
	{ ST_TALLY_ALERT,
	    "INSERT INTO alert_totals VALUES (?1, ?2, ?3) "
	    "ON CONFLICT DO UPDATE SET n = n + excluded.n" },
	{ ST_TALLY_QUEUE,
	    "INSERT INTO queue_totals VALUES (?1, ?2) "
	    "ON CONFLICT DO UPDATE "
	    "SET segments = segments + excluded.segments" },
	{ ST_TALLY_INBOUND,
	    "INSERT INTO inbound_totals VALUES (?1, ?2) "
	    "ON CONFLICT DO UPDATE SET n = n + excluded.n" },
	{ ST_NSTMTS, NULL }
};

static void	sql_counting(sqlite3_context *, int, sqlite3_value **);

/* varsel_counting(): do the counting triggers count this row? */
static void
sql_counting(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store	*s = sqlite3_user_data(ctx);

	(void)argc;
	(void)argv;
	sqlite3_result_int(ctx, s->tallying ? 0 : 1);
}

int
store_counts_register(struct store *s, char *err, size_t errlen)
{
	if (sqlite3_create_function_v2(s->db, "varsel_counting", 0,
	    SQLITE_UTF8 | SQLITE_INNOCUOUS, s, sql_counting, NULL, NULL,
	    NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "cannot register varsel_counting: %s",
	    sqlite3_errmsg(s->db));
	return -1;
}

/* The tally's entry for one (provider, channel, state), made if new. */
static struct tally_total *
total_at(struct tally *t, const char *provider, int channel, int state)
{
	struct tally_total	*v;
	size_t			 i;

	if (provider == NULL)
		provider = "";
	for (i = 0; i < t->ntotals; i++)
		if (t->totals[i].channel == channel &&
		    t->totals[i].state == state &&
		    strcmp(t->totals[i].provider, provider) == 0)
			return &t->totals[i];
	if ((v = reallocarray(t->totals, t->ntotals + 1, sizeof(*v))) == NULL)
		return NULL;
	t->totals = v;
	v = &t->totals[t->ntotals++];
	memset(v, 0, sizeof(*v));
	strlcpy(v->provider, provider, sizeof(v->provider));
	v->channel = channel;
	v->state = state;
	return v;
}

/* The tally's entry for one (alert, state or answer). */
static struct tally_alert *
alert_at(struct tally *t, int64_t alert_id, int what)
{
	struct tally_alert	*v;
	size_t			 i;

	/* A fan-out's rows come in a run of one alert: look last first. */
	for (i = t->nalerts; i > 0; i--)
		if (t->alerts[i - 1].alert_id == alert_id &&
		    t->alerts[i - 1].what == what)
			return &t->alerts[i - 1];
	if ((v = reallocarray(t->alerts, t->nalerts + 1, sizeof(*v))) == NULL)
		return NULL;
	t->alerts = v;
	v = &t->alerts[t->nalerts++];
	v->alert_id = alert_id;
	v->what = what;
	v->n = 0;
	return v;
}

/* The tally's queued segments of one priority. */
static struct tally_queue *
queue_at(struct tally *t, int priority)
{
	struct tally_queue	*v;
	size_t			 i;

	for (i = 0; i < t->nqueue; i++)
		if (t->queue[i].priority == priority)
			return &t->queue[i];
	if ((v = reallocarray(t->queue, t->nqueue + 1, sizeof(*v))) == NULL)
		return NULL;
	t->queue = v;
	v = &t->queue[t->nqueue++];
	v->priority = priority;
	v->segments = 0;
	return v;
}

int
store_tally_inbound(struct store *s, const char *keyword)
{
	struct tally		*t = &s->tally;
	struct tally_keyword	*v;
	size_t			 i;

	if (keyword == NULL)
		keyword = "";
	t->dirty = true;
	for (i = 0; i < t->nkeywords; i++)
		if (strcmp(t->keywords[i].keyword, keyword) == 0) {
			t->keywords[i].n++;
			return 0;
		}
	if (strlen(keyword) >= sizeof(v->keyword) || (v = reallocarray(
	    t->keywords, t->nkeywords + 1, sizeof(*v))) == NULL) {
		t->broken = true;
		log_warnx("%s: out of memory, or a keyword too long", __func__);
		return -1;
	}
	t->keywords = v;
	v = &t->keywords[t->nkeywords++];
	strlcpy(v->keyword, keyword, sizeof(v->keyword));
	v->n = 1;
	return 0;
}

int
store_tally_row(struct store *s, const struct tally_row *r, int sign)
{
	struct tally		*t = &s->tally;
	struct tally_total	*tt;
	struct tally_alert	*ta;
	struct tally_queue	*tq;

	t->dirty = true;
	if ((tt = total_at(t, r->provider, r->channel, r->state)) == NULL)
		goto nomem;
	tt->n += sign;
	if (r->alert_id != 0) {
		if ((ta = alert_at(t, r->alert_id, r->state)) == NULL)
			goto nomem;
		ta->n += sign;
		if (r->ack != 0) {
			if ((ta = alert_at(t, r->alert_id, r->ack > 0 ? 100 :
			    101)) == NULL)
				goto nomem;
			ta->n += sign;
		}
		if (r->in_doubt) {
			if ((ta = alert_at(t, r->alert_id, 102)) == NULL)
				goto nomem;
			ta->n += sign;
		}
	}
	if (r->state == DS_QUEUED) {
		if ((tq = queue_at(t, r->priority)) == NULL)
			goto nomem;
		tq->segments += sign * r->segments;
	}
	return 0;
nomem:
	/* The counts would be wrong: fail the change, so it is redone. */
	t->broken = true;
	log_warnx("%s: out of memory", __func__);
	return -1;
}

void
store_tally_discard(struct store *s)
{
	struct tally	*t = &s->tally;

	t->ntotals = t->nalerts = t->nqueue = t->nkeywords = 0;
	t->dirty = t->broken = false;
}

int
store_tally_flush(struct store *s)
{
	struct tally	*t = &s->tally;
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc = 0;

	if (t->broken)
		return -1;
	if (!t->dirty)
		return 0;
	for (i = 0; i < t->ntotals && rc == 0; i++) {
		if (t->totals[i].n == 0)
			continue;
		st = s->st[ST_TALLY_TOTALS];
		sqlite3_bind_text(st, 1, t->totals[i].provider, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(st, 2, t->totals[i].channel);
		sqlite3_bind_int(st, 3, t->totals[i].state);
		sqlite3_bind_int64(st, 4, t->totals[i].n);
		rc = store_step_done(s, ST_TALLY_TOTALS, __func__);
	}
	for (i = 0; i < t->nalerts && rc == 0; i++) {
		if (t->alerts[i].n == 0)
			continue;
		st = s->st[ST_TALLY_ALERT];
		sqlite3_bind_int64(st, 1, t->alerts[i].alert_id);
		sqlite3_bind_int(st, 2, t->alerts[i].what);
		sqlite3_bind_int64(st, 3, t->alerts[i].n);
		rc = store_step_done(s, ST_TALLY_ALERT, __func__);
	}
	for (i = 0; i < t->nqueue && rc == 0; i++) {
		if (t->queue[i].segments == 0)
			continue;
		st = s->st[ST_TALLY_QUEUE];
		sqlite3_bind_int(st, 1, t->queue[i].priority);
		sqlite3_bind_int64(st, 2, t->queue[i].segments);
		rc = store_step_done(s, ST_TALLY_QUEUE, __func__);
	}
	for (i = 0; i < t->nkeywords && rc == 0; i++) {
		st = s->st[ST_TALLY_INBOUND];
		sqlite3_bind_text(st, 1, t->keywords[i].keyword, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, t->keywords[i].n);
		rc = store_step_done(s, ST_TALLY_INBOUND, __func__);
	}
	/*
	 * Written, or written in part: a second flush would count again
	 * what was written. Broken, the transaction can only be undone.
	 */
	store_tally_discard(s);
	if (rc == -1)
		t->broken = true;
	return rc;
}

bool
store_tallied(struct store *s)
{
	return s->depth > 0;
}

/* Free a tally's arrays and clear it. */
static void
tally_clear(struct tally *t)
{
	free(t->totals);
	free(t->alerts);
	free(t->queue);
	free(t->keywords);
	memset(t, 0, sizeof(*t));
}

void
store_tally_free(struct store *s)
{
	store_tally_unmark_all(s);
	free(s->marks);
	s->marks = NULL;
	s->capmarks = 0;
	tally_clear(&s->tally);
}

/* n elements of size from src, copied; NULL for none (or no memory). */
static void *
copy_of(const void *src, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || (p = reallocarray(NULL, n, size)) == NULL)
		return NULL;
	return memcpy(p, src, n * size);
}

/*
 * A savepoint's copy of the tally. The tally of a pass's inbound SMS
 * is an entry or two; writing it out at each savepoint instead (as
 * before) was three upserts, 11,700 instructions an inbound SMS.
 */
int
store_tally_mark(struct store *s)
{
	struct tally	*t = &s->tally, *m, *v;
	size_t		 cap;

	if (s->nmarks == s->capmarks) {
		cap = s->capmarks ? s->capmarks * 2 : 4;
		if ((v = reallocarray(s->marks, cap, sizeof(*v))) == NULL)
			return -1;
		s->marks = v;
		s->capmarks = cap;
	}
	m = &s->marks[s->nmarks];
	*m = *t;
	m->totals = copy_of(t->totals, t->ntotals, sizeof(*t->totals));
	m->alerts = copy_of(t->alerts, t->nalerts, sizeof(*t->alerts));
	m->queue = copy_of(t->queue, t->nqueue, sizeof(*t->queue));
	m->keywords = copy_of(t->keywords, t->nkeywords,
	    sizeof(*t->keywords));
	if ((t->ntotals > 0 && m->totals == NULL) ||
	    (t->nalerts > 0 && m->alerts == NULL) ||
	    (t->nqueue > 0 && m->queue == NULL) ||
	    (t->nkeywords > 0 && m->keywords == NULL)) {
		tally_clear(m);
		/* No copy: write the tally out, as there is then none. */
		if (store_tally_flush(s) == -1)
			return -1;
	}
	s->nmarks++;
	return 0;
}

void
store_tally_unmark(struct store *s, bool rolled_back)
{
	struct tally	*m;

	if (s->nmarks == 0)
		return;
	m = &s->marks[--s->nmarks];
	if (rolled_back) {
		tally_clear(&s->tally);
		s->tally = *m;
	} else
		tally_clear(m);
	memset(m, 0, sizeof(*m));
}

void
store_tally_unmark_all(struct store *s)
{
	while (s->nmarks > 0)
		store_tally_unmark(s, false);
}
