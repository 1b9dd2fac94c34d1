/*
 * Helpers the store tests share (see store_test.h): a fresh database per
 * test in its own mkdtemp folder, rows added the short way, callbacks
 * that record what a list passed them, and a second connection's look
 * at the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"
#include "tests/store_test.h"

/* What *state holds before st_setup: the folder's file, or ":memory:". */
const bool	st_on_file = false;
const bool	st_in_memory = true;

/* Open a fresh database; *state holds &st_on_file or &st_in_memory. */
int
st_setup(void **state)
{
	struct st_ctx	*t = calloc(1, sizeof(*t));
	char		 err[256];

	if (t == NULL)
		return -1;
	t->memory = *state != NULL && *(const bool *)*state;
	strlcpy(t->dir, "/tmp/test_store.XXXXXX", sizeof(t->dir));
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/varsel.db", t->dir);
	t->s = store_open(t->memory ? ":memory:" : t->path, err, sizeof(err));
	if (t->s == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		rmdir(t->dir);
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

/* Close the database and remove its folder. */
int
st_teardown(void **state)
{
	struct st_ctx	*t = *state;
	char		 p[160];

	store_close(t->s);
	unlink(t->path);
	snprintf(p, sizeof(p), "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", t->path);
	unlink(p);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Reopen the file database of t. */
void
st_reopen(struct st_ctx *t)
{
	char	err[256];

	store_close(t->s);
	t->s = store_open(t->path, err, sizeof(err));
	if (t->s == NULL)
		fail_msg("reopen: %s", err);
}

/* Insert an alert with client "coord" and ref; returns its id. */
int64_t
st_add_alert(struct store *s, const char *ref, int64_t expires_at)
{
	struct alert_row	a;

	memset(&a, 0, sizeof(a));
	a.client = "coord";
	a.source_ref = (char *)ref;
	a.body_hash = "abc";
	a.type = "incident";
	a.severity = SEV_SEVERE;
	a.lang = "sv";
	a.created_at = NOW;
	a.expires_at = expires_at;
	assert_int_equal(store_alert_insert(s, &a), 0);
	assert_true(a.id > 0);
	return a.id;
}

int64_t
st_add_stored_body(struct store *s, int64_t alert, const char *phone,
    const char *text, int state, int64_t created, int64_t *body_id)
{
	struct delivery	d;
	int64_t		bid = body_id != NULL ? *body_id : 0;

	if (bid <= 0)
		assert_int_equal(store_body_insert(s, alert, text, &bid), 0);
	if (body_id != NULL)
		*body_id = bid;
	memset(&d, 0, sizeof(d));
	d.alert_id = alert;
	strlcpy(d.phone, phone, sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = (char *)text;
	d.body_id = bid;
	d.state = state;
	d.segments = 2;
	d.next_at = d.created_at = d.updated_at = created;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	return d.id;
}

/* Insert a delivery; returns its id. */
int64_t
st_add_delivery(struct store *s, int64_t alert_id, const char *phone, int prio,
    int64_t next_at, int state)
{
	struct delivery	d;

	memset(&d, 0, sizeof(d));
	d.alert_id = alert_id;
	strlcpy(d.phone, phone, sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Brand vid skolan";
	d.state = state;
	d.priority = prio;
	d.segments = 1;
	d.next_at = next_at;
	d.created_at = NOW;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	assert_true(d.id > 0);
	return d.id;
}

/* The stored state of delivery id. */
int
st_state_of(struct store *s, int64_t id)
{
	struct delivery	d;
	int		st;

	assert_int_equal(store_delivery_get(s, id, &d), 0);
	st = d.state;
	delivery_clear(&d);
	return st;
}

/* Record a claimed delivery. */
int
st_claim_cb(const struct delivery *d, void *arg)
{
	struct st_claims	*c = arg;

	if (c->n < 64) {
		c->ids[c->n] = d->id;
		c->attempts[c->n] = d->attempts;
		c->states[c->n] = d->state;
	}
	c->n++;
	return c->stop_after > 0 && c->n >= c->stop_after ? -1 : 0;
}

/* True if id is among the first n of c. */
bool
st_claimed(const struct st_claims *c, int64_t id)
{
	int	i;

	for (i = 0; i < c->n && i < 64; i++)
		if (c->ids[i] == id)
			return true;
	return false;
}

/* An alert with the v2 knobs; returns its id. */
int64_t
st_add_alert_v2(struct store *s, const char *ref, bool ack, int64_t esc_s,
    int64_t created_at, int64_t expires_at, const char *callback_url)
{
	struct alert_row	a;

	memset(&a, 0, sizeof(a));
	a.client = "coord";
	a.source_ref = (char *)ref;
	a.type = "incident";
	a.severity = SEV_SEVERE;
	a.lang = "sv";
	a.ack = ack;
	a.callback_url = (char *)callback_url;
	a.created_at = created_at;
	a.expires_at = expires_at;
	a.escalate_after_s = esc_s;
	assert_int_equal(store_alert_insert(s, &a), 0);
	return a.id;
}

/* A delivery on channel with ack, or a reply (alert_id 0) of kind. */
int64_t
st_add_delivery_v2(struct store *s, int64_t alert_id, const char *phone,
    int channel, int state, int ack, const char *kind, int64_t parent_id,
    int64_t created_at)
{
	struct delivery	d;

	memset(&d, 0, sizeof(d));
	d.alert_id = alert_id;
	strlcpy(d.phone, phone, sizeof(d.phone));
	d.channel = channel;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Brand vid skolan";
	d.state = state;
	d.priority = SEV_SEVERE;
	d.segments = 1;
	d.next_at = created_at;
	d.ack = ack;
	d.parent_id = parent_id;
	if (kind != NULL)
		strlcpy(d.kind, kind, sizeof(d.kind));
	d.created_at = created_at;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	return d.id;
}

/* A contact with channels and maybe a position; "" area for none. */
void
st_add_contact(struct store *s, const char *phone, unsigned int channels,
    const char *area, bool has_pos, double lat, double lon)
{
	struct contact	c;

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, phone, sizeof(c.phone));
	strlcpy(c.lang, "sv", sizeof(c.lang));
	c.area = area[0] != '\0' ? (char *)area : NULL;
	c.has_pos = has_pos;
	c.lat = lat;
	c.lon = lon;
	c.channels = channels;
	c.created_at = NOW;
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);
}

/* Record alert ids of alerts_list. */
int
st_alert_list_cb(const struct alert_row *a, void *arg)
{
	struct st_claims	*c = arg;

	c->ids[c->n++] = a->id;
	return 0;
}

/* Count claimed rows. */
int
st_count_cb(const struct delivery *d, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* Record recipients as "phone/lang/channels," text. */
int
st_recipient_cb(const struct recipient *r, void *arg)
{
	char	*buf = arg;
	size_t	 n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s/%s/%u%s,", r->phone, r->lang,
	    r->channels, r->sms_cap == SMS_CAP_YES ? "" :
	    r->sms_cap == SMS_CAP_NO ? "/fixed" : "/unknown");
	return 0;
}

/* Record counts as "name=n," text. */
void
st_name_count_cb(const char *name, int64_t n, void *arg)
{
	char	*buf = arg;
	size_t	 len = strlen(buf);

	snprintf(buf + len, 256 - len, "%s=%lld,", name, (long long)n);
}

/* Record a claimed callback. */
int
st_callback_cb(const struct callback_row *r, void *arg)
{
	struct st_cbs	*c = arg;

	if (c->n < 16) {
		c->ids[c->n] = r->id;
		c->attempts[c->n] = r->attempts;
		c->next_at[c->n] = r->next_at;
		strlcpy(c->events[c->n], r->event, sizeof(c->events[0]));
		strlcpy(c->errors[c->n], r->error != NULL ? r->error : "",
		    sizeof(c->errors[0]));
		assert_string_equal(r->client, "coord");
		assert_string_equal(r->url, "http://127.0.0.1:9/cb");
		assert_non_null(strstr(r->body, r->event));
	}
	c->n++;
	return c->stop_after > 0 && c->n >= c->stop_after ? -1 : 0;
}

/* One integer from sql on a second connection to the file; -1: no row. */
int64_t
st_sql_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}
