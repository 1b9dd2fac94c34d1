/*
 * Tests of store_audit.c and of the store's other reads for the console:
 * audit rows appended and listed (newest first, by alert, by number,
 * paged both ways), numbers kept masked and hashed, and UPDATE and
 * DELETE refused on the table even through plain SQL; an alert's
 * answers with names in the order they came; the inbox of texts that
 * were no keyword; contacts found by name, number or group.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "types.h"
#include "util.h"
#include "tests/store_test.h"

/* What a list passed: "id:action:alert:contact," per row. */
struct seen {
	char	text[1024];
	int	n;
};

/* Record one audit row. */
static int
audit_cb(const struct audit_entry *e, void *arg)
{
	struct seen	*v = arg;
	size_t		 len = strlen(v->text);

	snprintf(v->text + len, sizeof(v->text) - len, "%lld:%s:%lld:%s,",
	    (long long)e->id, e->action, (long long)e->alert_id,
	    e->contact != NULL ? e->contact : "-");
	v->n++;
	return 0;
}

/* Append one row the short way. */
static int64_t
append(struct store *s, const char *action, int64_t alert_id,
    const char *contact)
{
	struct audit_entry	e;

	memset(&e, 0, sizeof(e));
	e.at = NOW;
	e.actor_kind = "user";
	e.actor = "anna";
	e.addr = "192.0.2.7";
	e.via = "console";
	e.action = action;
	e.alert_id = alert_id;
	e.contact = contact;
	e.detail = "{\"recipients\":600}";
	assert_int_equal(store_audit_append(s, &e), 0);
	assert_true(e.id > 0);
	return e.id;
}

/* Rows go in, come out newest first, filtered and paged. */
static void
test_audit_list(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct audit_query	 q;
	struct seen		 v;
	int64_t			 a1, a2, c1;

	a1 = append(s, "alert.posted", 12, NULL);
	c1 = append(s, "contact.added", 0, "+46701740605");
	a2 = append(s, "alert.approved", 12, NULL);
	append(s, "contact.erased", 0, "+46701740606");

	memset(&q, 0, sizeof(q));
	q.limit = 10;
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_audit_list(s, &q, audit_cb, &v), 0);
	assert_int_equal(v.n, 4);
	/* Newest first; numbers only masked. */
	assert_non_null(strstr(v.text, "4:contact.erased:0:+4670*****606,"));
	assert_null(strstr(v.text, "+46701740605"));
	assert_true(strstr(v.text, "3:alert.approved") < strstr(v.text,
	    "1:alert.posted"));

	q.alert_id = 12;
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_audit_list(s, &q, audit_cb, &v), 0);
	assert_int_equal(v.n, 2);

	q.alert_id = 0;
	q.contact = "+46701740605";
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_audit_list(s, &q, audit_cb, &v), 0);
	assert_int_equal(v.n, 1);
	assert_int_equal(atoi(v.text), (int)c1);

	/* Paging back (before) and following new rows (after). */
	q.contact = NULL;
	q.before = a2;
	q.limit = 1;
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_audit_list(s, &q, audit_cb, &v), 0);
	assert_int_equal(v.n, 1);
	assert_int_equal(atoi(v.text), (int)c1);
	q.before = 0;
	q.after = a1;
	q.limit = 10;
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_audit_list(s, &q, audit_cb, &v), 0);
	assert_int_equal(v.n, 3);
}

/* Nothing, not even plain SQL on the file, changes or deletes a row. */
static void
test_audit_append_only(void **state)
{
	struct st_ctx	*t = *state;
	sqlite3		*db;
	char		*msg = NULL;
	int64_t		 id;

	id = append(t->s, "alert.posted", 3, NULL);
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = "
	    "'mallory'", NULL, NULL, &msg), SQLITE_OK);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "never changed"));
	sqlite3_free(msg);
	msg = NULL;
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL,
	    NULL, &msg), SQLITE_OK);
	assert_non_null(strstr(msg, "never deleted"));
	sqlite3_free(msg);
	sqlite3_close(db);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM audit "
	    "WHERE actor = 'anna'"), 1);
	assert_int_equal(id, 1);
	/* The number is in no column in the clear. */
	append(t->s, "contact.added", 0, "+46701740605");
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM audit "
	    "WHERE contact_hash IS NOT NULL AND length(contact_hash) = 64 "
	    "AND contact NOT LIKE '%1740605%'"), 1);
}

/* Record answers: "phone:name:ack," per row, and the last (at, id). */
struct answers {
	char	text[512];
	int64_t	at, id;
	int	n;
};

static int
answer_cb(const struct answer_row *a, void *arg)
{
	struct answers	*v = arg;
	size_t		 len = strlen(v->text);

	snprintf(v->text + len, sizeof(v->text) - len, "%s:%s:%d,", a->phone,
	    a->name != NULL ? a->name : "-", a->ack);
	v->at = a->at;
	v->id = a->delivery_id;
	v->n++;
	return 0;
}

/* Answers in the order they came, with names, from a point on. */
static void
test_alert_answers(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct contact	 c;
	struct answers	 v;
	int64_t		 alert, d1, d2, d3;

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46701740605", sizeof(c.phone));
	c.name = "Anna Nattvandrare";
	strlcpy(c.lang, "sv", sizeof(c.lang));
	c.channels = CH_SMS;
	c.created_at = NOW;
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);
	alert = st_add_alert(s, "a1", 0);
	d1 = st_add_delivery_v2(s, alert, "+46701740605", CH_SMS, DS_DELIVERED,
	    0, NULL, 0, NOW);
	d2 = st_add_delivery_v2(s, alert, "+46701740606", CH_SMS, DS_DELIVERED,
	    0, NULL, 0, NOW);
	d3 = st_add_delivery_v2(s, alert, "+46701740607", CH_SMS, DS_DELIVERED,
	    0, NULL, 0, NOW);
	assert_int_equal(store_delivery_set_ack(s, d2, -1, NOW + 10), 0);
	assert_int_equal(store_delivery_set_ack(s, d1, 1, NOW + 20), 0);

	memset(&v, 0, sizeof(v));
	assert_int_equal(store_alert_answers(s, alert, 0, 0, 10, answer_cb,
	    &v), 0);
	assert_string_equal(v.text, "+46701740606:-:-1,"
	    "+46701740605:Anna Nattvandrare:1,");
	/* Only what came after the last one seen. */
	assert_int_equal(store_delivery_set_ack(s, d3, 1, NOW + 30), 0);
	memset(v.text, 0, sizeof(v.text));
	assert_int_equal(store_alert_answers(s, alert, v.at, v.id, 10,
	    answer_cb, &v), 0);
	assert_string_equal(v.text, "+46701740607:-:1,");
	assert_int_equal(v.id, d3);
}

/* Record inbox rows: "id:from:name:text:replies,". */
static int
inbox_cb(const struct inbox_row *r, void *arg)
{
	struct seen	*v = arg;
	size_t		 len = strlen(v->text);

	snprintf(v->text + len, sizeof(v->text) - len, "%lld:%s:%s:%s:%lld,",
	    (long long)r->id, r->from, r->name != NULL ? r->name : "-",
	    r->text, (long long)r->replies);
	v->n++;
	return 0;
}

/* The inbox holds texts that were no keyword, newest first. */
static void
test_inbox(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct inbound_row	 in;
	struct delivery		 d;
	struct seen		 v;
	int64_t			 fire;

	st_add_contact(s, "+46701740610", CH_SMS, "15530", false, 0, 0);
	memset(&in, 0, sizeof(in));
	in.provider = "sim";
	in.from = "+46701740610";
	in.to = "+46766861004";
	in.received_at = NOW;
	in.text = "det brinner vid skolan";
	in.keyword = "UNKNOWN";
	in.provider_id = "m1";
	assert_int_equal(store_inbound_insert(s, &in), 0);
	fire = in.id;
	in.text = "JA";
	in.keyword = "JA";
	in.provider_id = "m2";
	assert_int_equal(store_inbound_insert(s, &in), 0);
	in.from = "+46701740611";
	in.text = "vem ringer jag?";
	in.keyword = "UNKNOWN";
	in.provider_id = "m3";
	assert_int_equal(store_inbound_insert(s, &in), 0);

	/* A reply from the console to the first. */
	memset(&d, 0, sizeof(d));
	strlcpy(d.phone, "+46701740610", sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Räddningstjänsten är på väg.";
	d.priority = SEV_SEVERE;
	d.segments = 1;
	d.next_at = d.created_at = NOW;
	strlcpy(d.kind, "reply-console", sizeof(d.kind));
	d.inbound_id = fire;
	assert_int_equal(store_delivery_insert(s, &d), 0);

	memset(&v, 0, sizeof(v));
	assert_int_equal(store_inbox_list(s, 0, 0, 10, inbox_cb, &v), 0);
	assert_int_equal(v.n, 2);
	assert_non_null(strstr(v.text, "3:+46701740611:-:vem ringer jag?:0,"
	    "1:+46701740610:"));
	assert_non_null(strstr(v.text, ":det brinner vid skolan:1,"));
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_inbox_list(s, fire, 0, 10, inbox_cb, &v), 0);
	assert_int_equal(v.n, 1);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_inbox_list(s, 0, 3, 10, inbox_cb, &v), 0);
	assert_int_equal(v.n, 1);
	assert_int_equal(atoi(v.text), (int)fire);

	memset(&v, 0, sizeof(v));
	assert_int_equal(store_inbound_get(s, 2, inbox_cb, &v), 0);
	assert_non_null(strstr(v.text, ":JA:"));
	assert_int_equal(store_inbound_get(s, 99, inbox_cb, &v),
	    STORE_NOTFOUND);
}

/* Record contact numbers. */
static int
contact_cb(const struct contact *c, void *arg)
{
	struct seen	*v = arg;
	size_t		 len = strlen(v->text);

	snprintf(v->text + len, sizeof(v->text) - len, "%s,", c->phone);
	v->n++;
	return 0;
}

/* Search by name, number or group; LIKE's characters are literal. */
static void
test_contacts_search(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct contact	 c;
	struct seen	 v;
	char		*groups[] = { "nattvandrare" };

	memset(&c, 0, sizeof(c));
	strlcpy(c.lang, "sv", sizeof(c.lang));
	c.channels = CH_SMS;
	c.created_at = NOW;
	strlcpy(c.phone, "+46701740605", sizeof(c.phone));
	c.name = "Anna Lind";
	c.groups = groups;
	c.ngroups = 1;
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);
	strlcpy(c.phone, "+46701740606", sizeof(c.phone));
	c.name = "Bo 100% Ek";
	c.ngroups = 0;
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);

	memset(&v, 0, sizeof(v));
	assert_int_equal(store_contacts_list(s, "anna", "", 10, contact_cb,
	    &v), 0);
	assert_string_equal(v.text, "+46701740605,");
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_contacts_list(s, "NATTVAND", "", 10,
	    contact_cb, &v), 0);
	assert_string_equal(v.text, "+46701740605,");
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_contacts_list(s, "174060", "", 10, contact_cb,
	    &v), 0);
	assert_int_equal(v.n, 2);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_contacts_list(s, "0%", "", 10, contact_cb,
	    &v), 0);
	assert_string_equal(v.text, "+46701740606,");
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_contacts_list(s, "_", "", 10, contact_cb, &v),
	    0);
	assert_int_equal(v.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_audit_list),
		FILE_ONLY(test_audit_append_only),
		BOTH(test_alert_answers),
		BOTH(test_inbox),
		BOTH(test_contacts_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
