/*
 * Tests of the SQLite store: schema and migrations, contacts and groups,
 * opt-outs, alerts, the delivery state machine, the queue and
 * transactions. Each test gets a fresh database in its own mkdtemp
 * folder; most run twice, on a file and on ":memory:".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

#define NOW	1700000000000LL

/* One test's database and its folder. */
struct tctx {
	bool		 memory;
	char		 dir[64];
	char		 path[128];
	struct store	*s;
};

static const bool	on_file = false;
static const bool	in_memory = true;

/* Open a fresh database; *state holds &on_file or &in_memory. */
static int
setup(void **state)
{
	struct tctx	*t = calloc(1, sizeof(*t));
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
static int
teardown(void **state)
{
	struct tctx	*t = *state;
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
static void
reopen(struct tctx *t)
{
	char	err[256];

	store_close(t->s);
	t->s = store_open(t->path, err, sizeof(err));
	if (t->s == NULL)
		fail_msg("reopen: %s", err);
}

/* Four bytes of the closed database file at off, big-endian. */
static uint32_t
file_u32(const char *path, long off)
{
	unsigned char	 b[4];
	FILE		*f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fread(b, 1, 4, f), 4);
	fclose(f);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* Overwrite the header's user_version (offset 60) of a closed file. */
static void
file_set_user_version(const char *path, uint32_t v)
{
	unsigned char	 b[4] = { v >> 24, v >> 16, v >> 8, v };
	FILE		*f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, 60, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, 4, f), 4);
	fclose(f);
}

/* Insert an alert with client "coord" and ref; returns its id. */
static int64_t
add_alert(struct store *s, const char *ref, int64_t expires_at)
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

/* Insert a delivery; returns its id. */
static int64_t
add_delivery(struct store *s, int64_t alert_id, const char *phone, int prio,
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
static int
state_of(struct store *s, int64_t id)
{
	struct delivery	d;
	int		st;

	assert_int_equal(store_delivery_get(s, id, &d), 0);
	st = d.state;
	delivery_clear(&d);
	return st;
}

/* Claimed rows, recorded by claim_cb. */
struct claims {
	int64_t		 ids[64];
	int		 attempts[64];
	int		 states[64];
	int		 n;
	int		 stop_after;	/* return -1 after this many; 0 never */
};

/* Record a claimed delivery. */
static int
claim_cb(const struct delivery *d, void *arg)
{
	struct claims	*c = arg;

	if (c->n < 64) {
		c->ids[c->n] = d->id;
		c->attempts[c->n] = d->attempts;
		c->states[c->n] = d->state;
	}
	c->n++;
	return c->stop_after > 0 && c->n >= c->stop_after ? -1 : 0;
}

/* ---- schema --------------------------------------------------------- */

/* A new file is in WAL mode at a schema version; reopening keeps it. */
static void
test_schema_create_reopen(void **state)
{
	struct tctx	*t = *state;
	struct stat	 sb;
	char		 wal[160];
	uint32_t	 v;

	snprintf(wal, sizeof(wal), "%s-wal", t->path);
	assert_int_equal(store_ping(t->s), 0);
	assert_int_equal(store_optout_add(t->s, "+46701234567", "sms", NOW),
	    0);
	assert_int_equal(stat(wal, &sb), 0);	/* the WAL is in use */

	store_close(t->s);
	t->s = NULL;
	/* Header: read/write versions 2 mean WAL; user_version at 60. */
	assert_int_equal(file_u32(t->path, 16) & 0xffff, 0x0202);
	v = file_u32(t->path, 60);
	assert_true(v >= 1);

	reopen(t);
	assert_int_equal(store_ping(t->s), 0);
	/* Same salt and data: the steps did not run again. */
	assert_true(store_optout_has(t->s, "+46701234567"));
	store_close(t->s);
	t->s = NULL;
	assert_int_equal(file_u32(t->path, 60), v);
	reopen(t);
}

/* A database from a newer program is refused, naming both versions. */
static void
test_schema_too_new(void **state)
{
	struct tctx	*t = *state;
	char		 err[256], known[16];
	uint32_t	 v;

	store_close(t->s);
	t->s = NULL;
	v = file_u32(t->path, 60);
	file_set_user_version(t->path, v + 41);
	assert_null(store_open(t->path, err, sizeof(err)));
	snprintf(known, sizeof(known), "%u", v + 41);
	assert_non_null(strstr(err, known));
	snprintf(known, sizeof(known), " %u ", v);
	assert_non_null(strstr(err, known));

	file_set_user_version(t->path, v);
	reopen(t);
}

/* A database that cannot be created is an error that says so. */
static void
test_schema_open_fails(void **state)
{
	struct tctx	*t = *state;
	char		 err[256], path[160];

	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", t->dir);
	err[0] = '\0';
	assert_null(store_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
}

/* ---- contacts and groups -------------------------------------------- */

/* Record groups_list output as "name=count," text. */
static void
group_cb(const char *name, int64_t members, void *arg)
{
	char	*buf = arg;
	size_t	 n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s=%lld,", name, (long long)members);
}

/* Record recipients as "phone/lang/channels," text. */
static int
recipient_cb(const struct recipient *r, void *arg)
{
	char	*buf = arg;
	size_t	 n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s/%s/%u%s,", r->phone, r->lang,
	    r->channels, r->sms_cap == SMS_CAP_YES ? "" :
	    r->sms_cap == SMS_CAP_NO ? "/fixed" : "/unknown");
	return 0;
}

/* Stop after the first recipient. */
static int
recipient_stop_cb(const struct recipient *r, void *arg)
{
	(*(int *)arg)++;
	return -1;
}

/* Upsert, update, get, group counts, members, delete. */
static void
test_contacts(void **state)
{
	struct tctx	*t = *state;
	struct store	*s = t->s;
	struct contact	 c, got;
	char		*g1[] = { "nattvandrare", "brandvakt" };
	char		*g2[] = { "skola" };
	char		 buf[256], lang[8];
	unsigned int	 ch;
	enum sms_cap	 cap;
	int		 calls = 0;
	int64_t		 did;

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46701234567", sizeof(c.phone));
	c.sms_cap = SMS_CAP_YES;
	c.name = "Anna";
	strlcpy(c.lang, "en", sizeof(c.lang));
	c.area = "15531";
	c.has_pos = true;
	c.lat = 59.18;
	c.lon = 17.43;
	c.channels = CH_SMS | CH_VOICE;
	c.groups = g1;
	c.ngroups = 2;
	c.created_at = NOW;
	assert_int_equal(store_contact_upsert(s, &c), 0);

	assert_int_equal(store_contact_get(s, "+46701234567", &got), 0);
	assert_string_equal(got.phone, "+46701234567");
	assert_string_equal(got.name, "Anna");
	assert_string_equal(got.lang, "en");
	assert_string_equal(got.area, "15531");
	assert_true(got.has_pos);
	assert_true(got.lat > 59.17 && got.lat < 59.19);
	assert_true(got.lon > 17.42 && got.lon < 17.44);
	assert_int_equal(got.channels, CH_SMS | CH_VOICE);
	assert_int_equal(got.sms_cap, SMS_CAP_YES);
	assert_int_equal(got.ngroups, 2);
	assert_string_equal(got.groups[0], "brandvakt");	/* by name */
	assert_string_equal(got.groups[1], "nattvandrare");
	assert_int_equal(got.created_at, NOW);
	contact_clear(&got);
	assert_null(got.name);

	/* Update: created_at stays, memberships are replaced. */
	c.name = NULL;
	c.area = NULL;
	c.has_pos = false;
	c.channels = CH_SMS;
	c.groups = g2;
	c.ngroups = 1;
	c.created_at = NOW + 5000;
	c.updated_at = NOW + 5000;
	assert_int_equal(store_contact_upsert(s, &c), 0);
	assert_int_equal(store_contact_get(s, "+46701234567", &got), 0);
	assert_null(got.name);
	assert_null(got.area);
	assert_false(got.has_pos);
	assert_int_equal(got.channels, CH_SMS);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.updated_at, NOW + 5000);
	assert_int_equal(got.ngroups, 1);
	assert_string_equal(got.groups[0], "skola");
	contact_clear(&got);

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46709876543", sizeof(c.phone));
	strlcpy(c.lang, "sv", sizeof(c.lang));
	c.area = "15531";
	c.channels = CH_VOICE;
	c.sms_cap = SMS_CAP_NO;
	c.groups = g2;
	c.ngroups = 1;
	assert_int_equal(store_contact_upsert(s, &c), 0);

	buf[0] = '\0';
	assert_int_equal(store_groups_list(s, group_cb, buf), 0);
	assert_string_equal(buf, "brandvakt=0,nattvandrare=0,skola=2,");
	assert_int_equal(store_group_exists(s, "brandvakt"), 0);
	assert_int_equal(store_group_exists(s, "okänd"), STORE_NOTFOUND);

	buf[0] = '\0';
	assert_int_equal(store_group_members(s, "skola", recipient_cb, buf), 0);
	assert_non_null(strstr(buf, "+46701234567/en/1,"));
	assert_non_null(strstr(buf, "+46709876543/sv/2/fixed,"));
	assert_int_equal(store_group_members(s, "skola", recipient_stop_cb,
	    &calls), -1);
	assert_int_equal(calls, 1);
	buf[0] = '\0';
	assert_int_equal(store_group_members(s, "brandvakt", recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "");
	buf[0] = '\0';
	assert_int_equal(store_area_members(s, "15531", recipient_cb, buf), 0);
	assert_string_equal(buf, "+46709876543/sv/2/fixed,");

	assert_int_equal(store_contact_recipient(s, "+46701234567", lang, &ch,
	    &cap), 0);
	assert_string_equal(lang, "en");
	assert_int_equal(ch, CH_SMS);
	assert_int_equal(cap, SMS_CAP_YES);
	assert_int_equal(store_contact_recipient(s, "+46709876543", lang, &ch,
	    &cap), 0);
	assert_int_equal(cap, SMS_CAP_NO);
	assert_int_equal(store_contact_recipient(s, "+46700000000", lang, &ch,
	    &cap), STORE_NOTFOUND);

	/* Delete: the person goes, and with them their number elsewhere. */
	did = add_delivery(s, add_alert(s, "a1", 0), "+46701234567", 1, NOW,
	    DS_SENT);
	assert_int_equal(store_contact_delete(s, "+46701234567"), 0);
	assert_int_equal(store_contact_get(s, "+46701234567", &got),
	    STORE_NOTFOUND);
	assert_int_equal(store_contact_delete(s, "+46701234567"),
	    STORE_NOTFOUND);
	buf[0] = '\0';
	assert_int_equal(store_groups_list(s, group_cb, buf), 0);
	assert_string_equal(buf, "brandvakt=0,nattvandrare=0,skola=1,");
	{
		struct delivery	d;

		assert_int_equal(store_delivery_get(s, did, &d), 0);
		assert_string_equal(d.phone, "erased");
		delivery_clear(&d);
	}
}

/* Opt-outs: add, has, remove, and the same number again. */
static void
test_optouts(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;

	assert_false(store_optout_has(s, "+46701234567"));
	assert_int_equal(store_optout_add(s, "+46701234567", "sms", NOW), 0);
	assert_true(store_optout_has(s, "+46701234567"));
	assert_false(store_optout_has(s, "+46701234568"));
	/* A second STOP is fine. */
	assert_int_equal(store_optout_add(s, "+46701234567", NULL, NOW + 1),
	    0);
	assert_true(store_optout_has(s, "+46701234567"));
	assert_int_equal(store_optout_remove(s, "+46701234567", NOW + 2), 0);
	assert_false(store_optout_has(s, "+46701234567"));
	assert_int_equal(store_optout_remove(s, "+46701234567", NOW + 3), 0);
	assert_false(store_optout_has(s, "+46701234567"));
}

/* ---- alerts --------------------------------------------------------- */

/* Record alert ids of alerts_list. */
static int
alert_list_cb(const struct alert_row *a, void *arg)
{
	struct claims	*c = arg;

	c->ids[c->n++] = a->id;
	return 0;
}

/* Insert, duplicate (client, source_ref), find_ref, get, list. */
static void
test_alerts(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct alert_row	 a, got;
	struct claims		 c;
	int64_t			 id1, id2, id3;

	id1 = add_alert(s, "coord-4711", NOW + 3600000);
	memset(&a, 0, sizeof(a));
	a.client = "coord";
	a.source_ref = "coord-4711";
	a.severity = SEV_MINOR;
	assert_int_equal(store_alert_insert(s, &a), -1);
	/* The same ref from another client is another alert. */
	a.client = "beacon";
	assert_int_equal(store_alert_insert(s, &a), 0);
	id2 = a.id;
	assert_true(id2 > id1);

	assert_int_equal(store_alert_find_ref(s, "coord", "coord-4711", &got),
	    0);
	assert_int_equal(got.id, id1);
	assert_string_equal(got.client, "coord");
	assert_string_equal(got.body_hash, "abc");
	assert_string_equal(got.type, "incident");
	assert_int_equal(got.severity, SEV_SEVERE);
	assert_null(got.template);
	assert_null(got.response);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.expires_at, NOW + 3600000);
	alert_row_clear(&got);
	assert_null(got.client);
	assert_int_equal(store_alert_find_ref(s, "coord", "nope", &got),
	    STORE_NOTFOUND);
	assert_int_equal(store_alert_find_ref(s, "other", "coord-4711", &got),
	    STORE_NOTFOUND);

	assert_int_equal(store_alert_set_response(s, id1, "{\"id\":1}"), 0);
	assert_int_equal(store_alert_set_summary(s, id1, 250, 3, 2, "UCS-2"),
	    0);
	assert_int_equal(store_alert_get(s, id1, &got), 0);
	assert_string_equal(got.response, "{\"id\":1}");
	assert_int_equal(got.recipients, 250);
	assert_int_equal(got.suppressed, 3);
	assert_int_equal(got.segments, 2);
	assert_string_equal(got.encoding, "UCS-2");
	alert_row_clear(&got);
	assert_int_equal(store_alert_get(s, 999, &got), STORE_NOTFOUND);

	id3 = add_alert(s, "coord-4712", 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_list(s, 2, alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], id3);	/* newest first */
	assert_int_equal(c.ids[1], id2);
}

/* ---- deliveries ----------------------------------------------------- */

/* Insert and get round-trip every field. */
static void
test_delivery_insert_get(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct delivery	 d, got;
	int64_t		 aid = add_alert(s, "r", 0);

	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46701234567", sizeof(d.phone));
	d.channel = CH_VOICE;
	strlcpy(d.lang, "en", sizeof(d.lang));
	d.body = "Fire";
	d.state = DS_SUPPRESSED;
	d.reason = "opted_out";
	d.priority = 3;
	d.segments = 2;
	d.next_at = NOW;
	d.expires_at = NOW + 60000;
	d.ack = -1;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	assert_int_equal(store_delivery_get(s, d.id, &got), 0);
	assert_int_equal(got.alert_id, aid);
	assert_string_equal(got.phone, "+46701234567");
	assert_int_equal(got.channel, CH_VOICE);
	assert_string_equal(got.lang, "en");
	assert_string_equal(got.body, "Fire");
	assert_int_equal(got.state, DS_SUPPRESSED);
	assert_string_equal(got.reason, "opted_out");
	assert_int_equal(got.priority, 3);
	assert_int_equal(got.segments, 2);
	assert_int_equal(got.attempts, 0);
	assert_int_equal(got.next_at, NOW);
	assert_int_equal(got.expires_at, NOW + 60000);
	assert_string_equal(got.provider, "");
	assert_string_equal(got.provider_ref, "");
	assert_false(got.in_doubt);
	assert_null(got.error);
	assert_int_equal(got.ack, -1);
	assert_true(got.created_at > 0);
	delivery_clear(&got);

	/* A reply not tied to an alert. */
	d.alert_id = 0;
	d.reason = NULL;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	assert_int_equal(store_delivery_get(s, d.id, &got), 0);
	assert_int_equal(got.alert_id, 0);
	delivery_clear(&got);
	assert_int_equal(store_delivery_get(s, d.id + 100, &got),
	    STORE_NOTFOUND);

	/* Foreign keys are enforced: no delivery of an unknown alert. */
	d.alert_id = aid + 1000;
	assert_int_equal(store_delivery_insert(s, &d), -1);
}

/* Claims go by priority then id; future rows wait; limit holds. */
static void
test_claim_order(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct claims	 c;
	struct delivery	 d;
	int64_t		 aid = add_alert(s, "r", 0), id[7], next;

	assert_int_equal(store_next_due(s, &next), STORE_NOTFOUND);
	id[0] = add_delivery(s, aid, "+46700000000", 2, NOW, DS_QUEUED);
	id[1] = add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	id[2] = add_delivery(s, aid, "+46700000002", 1, NOW - 5, DS_QUEUED);
	id[3] = add_delivery(s, aid, "+46700000003", 0, NOW - 10, DS_QUEUED);
	id[4] = add_delivery(s, aid, "+46700000004", 0, NOW + 1, DS_QUEUED);
	id[5] = add_delivery(s, aid, "+46700000005", 0, NOW, DS_SENT);
	id[6] = add_delivery(s, aid, "+46700000006", 0, NOW,
	    DS_SUPPRESSED);
	assert_int_equal(store_next_due(s, &next), 0);
	assert_int_equal(next, NOW - 10);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 3, claim_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], id[1]);
	assert_int_equal(c.ids[1], id[3]);
	assert_int_equal(c.ids[2], id[2]);
	assert_int_equal(c.attempts[0], 1);
	assert_int_equal(c.states[0], DS_SENDING);
	assert_int_equal(store_delivery_get(s, id[1], &d), 0);
	assert_int_equal(d.state, DS_SENDING);
	assert_int_equal(d.attempts, 1);
	assert_int_equal(d.updated_at, NOW);
	delivery_clear(&d);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 10, claim_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], id[0]);
	assert_int_equal(store_next_due(s, &next), 0);
	assert_int_equal(next, NOW + 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 10, claim_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_claim_due(s, NOW + 1, 10, claim_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], id[4]);
	assert_int_equal(state_of(s, id[5]), DS_SENT);
	assert_int_equal(state_of(s, id[6]), DS_SUPPRESSED);

	/* A retried row is claimed again with attempts 2. */
	assert_int_equal(store_delivery_retry(s, id[1], NOW + 100, "busy",
	    NOW), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW + 100, 10, claim_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.attempts[0], 2);
}

/* A callback that stops leaves the rows before it claimed, no more. */
static void
test_claim_stop(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct claims	 c;
	int64_t		 aid = add_alert(s, "r", 0), a, b, x;

	a = add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	b = add_delivery(s, aid, "+46700000002", 0, NOW, DS_QUEUED);
	x = add_delivery(s, aid, "+46700000003", 0, NOW, DS_QUEUED);
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(store_claim_due(s, NOW, 10, claim_cb, &c), -1);
	assert_int_equal(c.n, 2);
	assert_int_equal(state_of(s, a), DS_SENDING);
	assert_int_equal(state_of(s, b), DS_SENDING);
	assert_int_equal(state_of(s, x), DS_QUEUED);
}

/* sent, retry, finish, and no way back out of a final state. */
static void
test_delivery_transitions(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct delivery	 d;
	int64_t		 aid = add_alert(s, "r", 0), id;

	id = add_delivery(s, aid, "+46700000001", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_retry(s, id, NOW + 500, "http 503",
	    NOW + 1), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_QUEUED);
	assert_int_equal(d.next_at, NOW + 500);
	assert_string_equal(d.error, "http 503");
	assert_int_equal(d.updated_at, NOW + 1);
	delivery_clear(&d);

	assert_int_equal(store_delivery_sent(s, id, "46elks", "s70df", NOW + 2),
	    0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_SENT);
	assert_string_equal(d.provider, "46elks");
	assert_string_equal(d.provider_ref, "s70df");
	assert_null(d.error);
	delivery_clear(&d);

	assert_int_equal(store_delivery_finish(s, id, DS_FAILED, "rejected",
	    NOW + 3), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_FAILED);
	assert_string_equal(d.error, "rejected");
	delivery_clear(&d);

	/* Final is final. */
	assert_int_equal(store_delivery_retry(s, id, NOW + 9, "x", NOW + 4), 0);
	assert_int_equal(store_delivery_sent(s, id, "p", "r", NOW + 4), 0);
	assert_int_equal(store_delivery_finish(s, id, DS_EXPIRED, "x",
	    NOW + 4), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_FAILED);
	assert_string_equal(d.error, "rejected");
	assert_string_equal(d.provider, "46elks");
	delivery_clear(&d);

	/* finish takes final states only. */
	id = add_delivery(s, aid, "+46700000002", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_finish(s, id, DS_QUEUED, NULL, NOW),
	    -1);
	assert_int_equal(state_of(s, id), DS_SENDING);

	assert_int_equal(store_attempt_log(s, &(struct attempt){ id, NOW,
	    "46elks", 503, "tempfail", "busy", 120 }), 0);
	/* The attempt log refers to real deliveries. */
	assert_int_equal(store_attempt_log(s, &(struct attempt){ id + 99, NOW,
	    "46elks", 200, "ok", NULL, 1 }), -1);
}

/* Delivery reports by (provider, ref): unknown, move, stay final. */
static void
test_delivery_report(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct delivery	 d;
	int64_t		 aid = add_alert(s, "r", 0), id, got = 0;

	id = add_delivery(s, aid, "+46700000001", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, "46elks", "ref-1", NOW),
	    0);
	assert_int_equal(store_delivery_report(s, "46elks", "ref-2",
	    DS_DELIVERED, NULL, NOW, &got), STORE_NOTFOUND);
	assert_int_equal(store_delivery_report(s, "twilio", "ref-1",
	    DS_DELIVERED, NULL, NOW, &got), STORE_NOTFOUND);
	assert_int_equal(store_delivery_report(s, "46elks", "",
	    DS_DELIVERED, NULL, NOW, &got), STORE_NOTFOUND);

	assert_int_equal(store_delivery_report(s, "46elks", "ref-1",
	    DS_DELIVERED, NULL, NOW + 7, &got), 0);
	assert_int_equal(got, id);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_DELIVERED);
	assert_int_equal(d.updated_at, NOW + 7);
	delivery_clear(&d);

	/* Retried and late reports change nothing. */
	got = 0;
	assert_int_equal(store_delivery_report(s, "46elks", "ref-1",
	    DS_SENT, NULL, NOW + 8, &got), 0);
	assert_int_equal(got, id);
	assert_int_equal(store_delivery_report(s, "46elks", "ref-1",
	    DS_FAILED, "late", NOW + 9, &got), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_DELIVERED);
	assert_null(d.error);
	assert_int_equal(d.updated_at, NOW + 7);
	delivery_clear(&d);

	/* A failure report keeps its reason. */
	id = add_delivery(s, aid, "+46700000002", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, "46elks", "ref-3", NOW),
	    0);
	assert_int_equal(store_delivery_report(s, "46elks", "ref-3",
	    DS_FAILED, "unreachable", NOW, &got), 0);
	assert_int_equal(store_delivery_get(s, id, &d), 0);
	assert_int_equal(d.state, DS_FAILED);
	assert_string_equal(d.error, "unreachable");
	delivery_clear(&d);
}

/* After a crash, sending rows go back to the queue, in doubt. */
static void
test_requeue_sending(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct claims		 c;
	struct alert_counts	 ac;
	struct delivery		 d;
	int64_t			 aid = add_alert(s, "r", 0), sent;
	int			 n = -1;

	add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	add_delivery(s, aid, "+46700000002", 0, NOW, DS_QUEUED);
	add_delivery(s, aid, "+46700000003", 0, NOW + 50, DS_QUEUED);
	sent = add_delivery(s, aid, "+46700000004", 0, NOW, DS_SENT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_claim_due(s, NOW, 10, claim_cb, &c), 0);
	assert_int_equal(c.n, 2);

	assert_int_equal(store_requeue_sending(s, NOW + 1000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_delivery_get(s, c.ids[0], &d), 0);
	assert_int_equal(d.state, DS_QUEUED);
	assert_true(d.in_doubt);
	assert_int_equal(d.next_at, NOW + 1000);
	assert_int_equal(d.attempts, 1);
	delivery_clear(&d);
	assert_int_equal(state_of(s, sent), DS_SENT);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.in_doubt, 2);
	assert_int_equal(ac.state[DS_QUEUED], 3);

	assert_int_equal(store_requeue_sending(s, NOW + 2000, &n), 0);
	assert_int_equal(n, 0);
}

/* Per-state counts, acks and cancel of one alert. */
static void
test_counts_cancel(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct alert_counts	 ac;
	struct delivery		 d;
	int64_t			 aid = add_alert(s, "r", 0);
	int64_t			 other = add_alert(s, "r2", 0), ids[3];
	int			 n = -1;

	ids[0] = add_delivery(s, aid, "+46700000001", 0, NOW, DS_QUEUED);
	ids[1] = add_delivery(s, aid, "+46700000002", 0, NOW + 99, DS_QUEUED);
	ids[2] = add_delivery(s, aid, "+46700000003", 0, NOW, DS_SENDING);
	add_delivery(s, aid, "+46700000004", 0, NOW, DS_SUPPRESSED);
	add_delivery(s, other, "+46700000005", 0, NOW, DS_QUEUED);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46700000006", sizeof(d.phone));
	d.body = "x";
	d.state = DS_DELIVERED;
	d.ack = 1;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	d.ack = -1;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	d.ack = 1;
	d.state = DS_SENT;
	assert_int_equal(store_delivery_insert(s, &d), 0);

	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 2);
	assert_int_equal(ac.state[DS_SENDING], 1);
	assert_int_equal(ac.state[DS_SENT], 1);
	assert_int_equal(ac.state[DS_DELIVERED], 2);
	assert_int_equal(ac.state[DS_SUPPRESSED], 1);
	assert_int_equal(ac.state[DS_CANCELLED], 0);
	assert_int_equal(ac.acks_yes, 2);
	assert_int_equal(ac.acks_no, 1);
	assert_int_equal(ac.in_doubt, 0);

	assert_int_equal(store_alert_cancel(s, aid, NOW + 5, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(state_of(s, ids[0]), DS_CANCELLED);
	assert_int_equal(state_of(s, ids[1]), DS_CANCELLED);
	assert_int_equal(state_of(s, ids[2]), DS_SENDING);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 0);
	assert_int_equal(ac.state[DS_CANCELLED], 2);
	assert_int_equal(store_alert_counts(s, other, &ac), 0);
	assert_int_equal(ac.state[DS_QUEUED], 1);
	assert_int_equal(store_alert_cancel(s, aid, NOW + 6, &n), 0);
	assert_int_equal(n, 0);
}

/* Alert expiry and a delivery's own expiry. */
static void
test_expire(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct delivery	 d;
	int64_t		 a1 = add_alert(s, "r1", NOW + 1000);
	int64_t		 a2 = add_alert(s, "r2", 0);
	int64_t		 q1, q2, busy, own, forever;
	int		 n = -1;

	q1 = add_delivery(s, a1, "+46700000001", 0, NOW, DS_QUEUED);
	q2 = add_delivery(s, a1, "+46700000002", 0, NOW + 5000, DS_QUEUED);
	busy = add_delivery(s, a1, "+46700000003", 0, NOW, DS_SENDING);
	memset(&d, 0, sizeof(d));
	d.alert_id = a2;
	strlcpy(d.phone, "+46700000004", sizeof(d.phone));
	d.body = "x";
	d.next_at = NOW;
	d.expires_at = NOW + 2000;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	own = d.id;
	forever = add_delivery(s, a2, "+46700000005", 0, NOW, DS_QUEUED);

	assert_int_equal(store_expire_due(s, NOW + 999, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_expire_due(s, NOW + 1000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(state_of(s, q1), DS_EXPIRED);
	assert_int_equal(state_of(s, q2), DS_EXPIRED);
	assert_int_equal(state_of(s, busy), DS_SENDING);
	assert_int_equal(state_of(s, own), DS_QUEUED);

	assert_int_equal(store_expire_due(s, NOW + 2000, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(state_of(s, own), DS_EXPIRED);
	assert_int_equal(state_of(s, forever), DS_QUEUED);
	assert_int_equal(store_delivery_get(s, q1, &d), 0);
	assert_non_null(d.error);
	delivery_clear(&d);

	/* Inside a caller's transaction too, and undone with it. */
	add_delivery(s, a1, "+46700000006", 0, NOW, DS_QUEUED);
	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_expire_due(s, NOW + 3000, &n), 0);
	assert_int_equal(n, 1);
	store_rollback(s);
	assert_int_equal(store_expire_due(s, NOW + 3000, &n), 0);
	assert_int_equal(n, 1);
}

/* Collect listed delivery ids. */
static int
list_cb(const struct delivery *d, void *arg)
{
	struct claims	*c = arg;

	c->ids[c->n] = d->id;
	c->states[c->n] = d->state;
	c->n++;
	return 0;
}

/* Paging by id with and without a state filter. */
static void
test_deliveries_list(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct claims	 c;
	int64_t		 aid = add_alert(s, "r", 0), other, ids[25];
	int		 i;

	other = add_alert(s, "r2", 0);
	for (i = 0; i < 25; i++) {
		ids[i] = add_delivery(s, aid, "+46700000001", 0, NOW,
		    i % 5 == 0 ? DS_FAILED : DS_SENT);
		add_delivery(s, other, "+46700000002", 0, NOW, DS_FAILED);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, -1, 0, 10, list_cb, &c),
	    0);
	assert_int_equal(c.n, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(c.ids[i], ids[i]);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, -1, ids[9], 10,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 10);
	assert_int_equal(c.ids[0], ids[10]);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, -1, ids[19], 10,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.ids[4], ids[24]);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_FAILED, 0, 3,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], ids[0]);
	assert_int_equal(c.ids[1], ids[5]);
	assert_int_equal(c.ids[2], ids[10]);
	assert_int_equal(c.states[2], DS_FAILED);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_deliveries_list(s, aid, DS_FAILED, ids[10], 10,
	    list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[1], ids[20]);
}

/* Queue depth by priority, and totals by provider/channel/state. */
struct total {
	char	provider[16];
	int	channel, state;
	int64_t	n;
};
struct totals {
	struct total	v[16];
	int		n;
};

/* Record one total row. */
static void
total_cb(const char *provider, int channel, int state, int64_t n, void *arg)
{
	struct totals	*t = arg;

	if (t->n < 16) {
		strlcpy(t->v[t->n].provider, provider,
		    sizeof(t->v[t->n].provider));
		t->v[t->n].channel = channel;
		t->v[t->n].state = state;
		t->v[t->n].n = n;
	}
	t->n++;
}

/* The count of (provider, state) in totals, -1 if absent. */
static int64_t
total_of(const struct totals *t, const char *provider, int state)
{
	int	i;

	for (i = 0; i < t->n && i < 16; i++)
		if (strcmp(t->v[i].provider, provider) == 0 &&
		    t->v[i].state == state)
			return t->v[i].n;
	return -1;
}

/* Queue depth and totals. */
static void
test_queue_depth_totals(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct delivery	 d;
	struct totals	 t;
	int64_t		 aid = add_alert(s, "r", 0), seg = -1, id;
	int		 prio[] = { 0, 1, 1, 3 }, segs[] = { 1, 2, 3, 4 };
	size_t		 i;

	assert_int_equal(store_queue_depth(s, SEV_UNKNOWN, &seg), 0);
	assert_int_equal(seg, 0);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46700000001", sizeof(d.phone));
	d.body = "x";
	for (i = 0; i < nitems(prio); i++) {
		d.priority = prio[i];
		d.segments = segs[i];
		assert_int_equal(store_delivery_insert(s, &d), 0);
	}
	d.state = DS_SENT;	/* not queued: not counted */
	d.priority = 0;
	assert_int_equal(store_delivery_insert(s, &d), 0);

	assert_int_equal(store_queue_depth(s, 0, &seg), 0);
	assert_int_equal(seg, 1);
	assert_int_equal(store_queue_depth(s, 1, &seg), 0);
	assert_int_equal(seg, 6);
	assert_int_equal(store_queue_depth(s, SEV_UNKNOWN, &seg), 0);
	assert_int_equal(seg, 10);

	id = add_delivery(s, aid, "+46700000002", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, "46elks", "r1", NOW), 0);
	id = add_delivery(s, aid, "+46700000003", 0, NOW, DS_SENDING);
	assert_int_equal(store_delivery_sent(s, id, "46elks", "r2", NOW), 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_delivery_totals(s, total_cb, &t), 0);
	assert_int_equal(total_of(&t, "", DS_QUEUED), 4);
	assert_int_equal(total_of(&t, "", DS_SENT), 1);
	assert_int_equal(total_of(&t, "46elks", DS_SENT), 2);
	assert_int_equal(total_of(&t, "46elks", DS_QUEUED), -1);
}

/* ---- transactions --------------------------------------------------- */

/* Durable begin and commit persist; rollback undoes. */
static void
test_transactions(void **state)
{
	struct tctx		*t = *state;
	struct alert_row	 a;
	int64_t			 kept;

	assert_int_equal(store_commit(t->s), -1);	/* none open */

	assert_int_equal(store_begin(t->s, true), 0);
	kept = add_alert(t->s, "kept", 0);
	assert_int_equal(store_ping(t->s), 0);		/* works inside */
	assert_int_equal(store_commit(t->s), 0);

	assert_int_equal(store_begin(t->s, true), 0);
	add_alert(t->s, "gone", 0);
	store_rollback(t->s);
	assert_int_equal(store_alert_find_ref(t->s, "coord", "gone", &a),
	    STORE_NOTFOUND);
	assert_int_equal(store_commit(t->s), -1);

	/* The store still works after a rollback. */
	assert_int_equal(store_begin(t->s, false), 0);
	add_alert(t->s, "after", 0);
	assert_int_equal(store_commit(t->s), 0);

	if (!t->memory)
		reopen(t);
	assert_int_equal(store_alert_find_ref(t->s, "coord", "kept", &a), 0);
	assert_int_equal(a.id, kept);
	alert_row_clear(&a);
	assert_int_equal(store_alert_find_ref(t->s, "coord", "after", &a), 0);
	alert_row_clear(&a);
	assert_int_equal(store_alert_find_ref(t->s, "coord", "gone", &a),
	    STORE_NOTFOUND);
}

/* Only the outermost commit commits; a rollback undoes all levels. */
static void
test_nested_transactions(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct alert_row	 a;
	struct contact		 c, got;
	char			*groups[] = { "g" };

	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_begin(s, true), 0);
	add_alert(s, "inner", 0);
	assert_int_equal(store_commit(s), 0);		/* inner */
	store_rollback(s);
	assert_int_equal(store_alert_find_ref(s, "coord", "inner", &a),
	    STORE_NOTFOUND);

	assert_int_equal(store_begin(s, true), 0);
	assert_int_equal(store_begin(s, false), 0);
	add_alert(s, "both", 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_commit(s), -1);		/* one too many */
	assert_int_equal(store_alert_find_ref(s, "coord", "both", &a), 0);
	alert_row_clear(&a);

	/* A multi-row change joins the caller's transaction. */
	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46701234567", sizeof(c.phone));
	c.channels = CH_SMS;
	c.groups = groups;
	c.ngroups = 1;
	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_contact_upsert(s, &c), 0);
	assert_int_equal(store_optout_add(s, "+46701234567", "sms", NOW), 0);
	store_rollback(s);
	assert_int_equal(store_contact_get(s, "+46701234567", &got),
	    STORE_NOTFOUND);
	assert_int_equal(store_group_exists(s, "g"), STORE_NOTFOUND);
	assert_false(store_optout_has(s, "+46701234567"));

	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_contact_upsert(s, &c), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_contact_get(s, "+46701234567", &got), 0);
	assert_string_equal(got.lang, "sv");		/* the default */
	contact_clear(&got);
}

/* Count claimed rows. */
static int
count_cb(const struct delivery *d, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* 10,000 deliveries of one alert in one transaction, then one claim. */
static void
test_bulk_insert(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct alert_counts	 ac;
	struct delivery		 d;
	int64_t			 aid, seg;
	int			 i, n = 0;

	assert_int_equal(store_begin(s, true), 0);
	aid = add_alert(s, "big", 0);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Utrymning: lämna området runt Nykvarns centrum";
	d.priority = SEV_SEVERE;
	d.segments = 1;
	d.next_at = NOW;
	for (i = 0; i < 10000; i++) {
		snprintf(d.phone, sizeof(d.phone), "+467%08d", i);
		d.id = 0;
		if (store_delivery_insert(s, &d) != 0)
			fail_msg("insert %d failed", i);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_queue_depth(s, SEV_SEVERE, &seg), 0);
	assert_int_equal(seg, 10000);
	assert_int_equal(store_claim_due(s, NOW, 10000, count_cb, &n), 0);
	assert_int_equal(n, 10000);
	assert_int_equal(store_alert_counts(s, aid, &ac), 0);
	assert_int_equal(ac.state[DS_SENDING], 10000);
}

/* ---- schema v2 ------------------------------------------------------ */

/* An alert with the v2 knobs; returns its id. */
static int64_t
add_alert_v2(struct store *s, const char *ref, bool ack, int64_t esc_s,
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
static int64_t
add_delivery_v2(struct store *s, int64_t alert_id, const char *phone,
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
static void
add_contact(struct store *s, const char *phone, unsigned int channels,
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
	assert_int_equal(store_contact_upsert(s, &c), 0);
}

/* Deliveries with their v2 links, recorded by claim_v2_cb. */
struct rows {
	int64_t		 ids[8];
	int64_t		 parents[8];
	char		 kinds[8][32];
	int		 n;
};

/* Record a delivery's id, parent and kind. */
static int
claim_v2_cb(const struct delivery *d, void *arg)
{
	struct rows	*r = arg;

	if (r->n < 8) {
		r->ids[r->n] = d->id;
		r->parents[r->n] = d->parent_id;
		strlcpy(r->kinds[r->n], d->kind, sizeof(r->kinds[0]));
	}
	r->n++;
	return 0;
}

/* Record counts as "name=n," text. */
static void
name_count_cb(const char *name, int64_t n, void *arg)
{
	char	*buf = arg;
	size_t	 len = strlen(buf);

	snprintf(buf + len, 256 - len, "%s=%lld,", name, (long long)n);
}

/* One integer from sql on a second connection to the file; -1: no row. */
static int64_t
sql_int(const char *path, const char *sql)
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

/*
 * Schema step 1 exactly as released, with data as the old code wrote
 * it: the fixture of the upgrade test. Never change it.
 */
static const char v1_schema[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE contacts (id INTEGER PRIMARY KEY, phone TEXT NOT NULL "
	"UNIQUE, name TEXT, lang TEXT NOT NULL, area TEXT, lat REAL, lon REAL,"
	" channels INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at "
	"INTEGER NOT NULL);"
	"CREATE INDEX contacts_area ON contacts (area) WHERE area IS NOT NULL;"
	"CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
	"UNIQUE);"
	"CREATE TABLE memberships (group_id INTEGER NOT NULL REFERENCES "
	"groups (id) ON DELETE CASCADE, contact_id INTEGER NOT NULL REFERENCES"
	" contacts (id) ON DELETE CASCADE, PRIMARY KEY (group_id, contact_id))"
	" WITHOUT ROWID;"
	"CREATE INDEX memberships_contact ON memberships (contact_id);"
	"CREATE TABLE optouts (phone_hash TEXT PRIMARY KEY, channel TEXT, "
	"created_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE optout_log (id INTEGER PRIMARY KEY, phone_hash TEXT NOT "
	"NULL, action TEXT NOT NULL CHECK (action IN ('stop', 'start')), "
	"channel TEXT, at INTEGER NOT NULL);"
	"CREATE INDEX optout_log_hash ON optout_log (phone_hash, at);"
	"CREATE TABLE alerts (id INTEGER PRIMARY KEY, client TEXT NOT NULL, "
	"source_ref TEXT, body_hash TEXT, type TEXT, severity INTEGER NOT "
	"NULL, template TEXT, lang TEXT, ack INTEGER NOT NULL DEFAULT 0, "
	"callback_url TEXT, created_at INTEGER NOT NULL, expires_at INTEGER "
	"NOT NULL DEFAULT 0, recipients INTEGER NOT NULL DEFAULT 0, suppressed"
	" INTEGER NOT NULL DEFAULT 0, segments INTEGER NOT NULL DEFAULT 0, "
	"encoding TEXT, response TEXT, UNIQUE (client, source_ref));"
	"CREATE INDEX alerts_expiry ON alerts (expires_at) WHERE expires_at > "
	"0;"
	"CREATE TABLE deliveries (id INTEGER PRIMARY KEY, alert_id INTEGER "
	"REFERENCES alerts (id), phone TEXT NOT NULL, channel INTEGER NOT "
	"NULL, lang TEXT NOT NULL, body TEXT NOT NULL, state INTEGER NOT NULL,"
	" reason TEXT, priority INTEGER NOT NULL, segments INTEGER NOT NULL "
	"DEFAULT 1, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT "
	"NULL, expires_at INTEGER NOT NULL DEFAULT 0, provider TEXT, "
	"provider_ref TEXT, in_doubt INTEGER NOT NULL DEFAULT 0, error TEXT, "
	"ack INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, "
	"updated_at INTEGER NOT NULL);"
	"CREATE INDEX deliveries_due ON deliveries (priority, id, next_at) "
	"WHERE state = 0;"
	"CREATE INDEX deliveries_next ON deliveries (next_at) WHERE state = 0;"
	"CREATE INDEX deliveries_expiry ON deliveries (expires_at) WHERE "
	"state = 0 AND expires_at > 0;"
	"CREATE INDEX deliveries_ref ON deliveries (provider, provider_ref) "
	"WHERE provider_ref IS NOT NULL;"
	"CREATE INDEX deliveries_alert_state ON deliveries (alert_id, state);"
	"CREATE INDEX deliveries_alert ON deliveries (alert_id, id);"
	"CREATE TABLE attempts (id INTEGER PRIMARY KEY, delivery_id INTEGER "
	"NOT NULL REFERENCES deliveries (id), at INTEGER NOT NULL, provider "
	"TEXT, http_status INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL, "
	"error TEXT, duration_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX attempts_delivery ON attempts (delivery_id);";

/* The v1 fixture's salt, and its data. */
#define V1_SALT	"00112233445566778899aabbccddeeff" \
		"0123456789abcdeffedcba9876543210"
static const char v1_data[] =
	"INSERT INTO meta VALUES ('salt', '" V1_SALT "');"
	"INSERT INTO contacts VALUES (1, '+46701000001', 'Anna', 'en', "
	"'15531', 59.18, 17.43, 3, 1700000000000, 1700000000000);"
	"INSERT INTO groups VALUES (1, 'nattvandrare');"
	"INSERT INTO memberships VALUES (1, 1);"
	"INSERT INTO alerts (id, client, source_ref, severity, ack, "
	"callback_url, created_at, recipients) VALUES (1, 'coord', 'old-1', 1,"
	" 1, 'http://127.0.0.1:9/cb', 1700000000000, 2);"
	"INSERT INTO deliveries (id, alert_id, phone, channel, lang, body, "
	"state, priority, next_at, provider, provider_ref, ack, created_at, "
	"updated_at) VALUES "
	"(1, 1, '+46701000001', 1, 'en', 'Fire', 3, 1, 0, 'elks', 'r0', 1, "
	"1700000000000, 1700000000000),"
	"(2, 1, '+46701000002', 1, 'sv', 'Brand', 2, 1, 0, 'elks', 'r1', 0, "
	"1700000000000, 1700000000000);"
	"INSERT INTO attempts (delivery_id, at, provider, result) VALUES "
	"(2, 1700000000000, 'elks', 'ok');"
	"PRAGMA user_version = 1;";

/* A database made by the version-1 code opens as v2 with its data. */
static void
test_schema_upgrade_v1(void **state)
{
	struct tctx		*t = *state;
	struct alert_row	 a;
	struct delivery		 d;
	struct contact		 c;
	struct alert_counts	 ac;
	struct inbound_row	 in;
	struct claims		 cl;
	unsigned char		 buf[32 + 16];
	char			 hash[65], *msg = NULL, sql[256];
	sqlite3			*db;
	int64_t			 did, aid, id;
	int			 i, n = 0;

	/* Replace the fresh database by a v1 one with a standing opt-out. */
	store_close(t->s);
	t->s = NULL;
	unlink(t->path);
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, v1_schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, v1_data, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("v1 fixture: %s", msg);
	for (i = 0; i < 32; i++)
		sscanf(V1_SALT + 2 * i, "%2hhx", &buf[i]);
	memcpy(buf + 32, "+46701000009", 12);
	sha256_hex(buf, 44, hash);
	snprintf(sql, sizeof(sql), "INSERT INTO optouts VALUES ('%s', 'sms', "
	    "1700000000000)", hash);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(file_u32(t->path, 60), 1);

	reopen(t);
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"), 3);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM sqlite_master "
	    "WHERE name IN ('inbound', 'callbacks', 'alerts_escalating', "
	    "'deliveries_replies', 'contacts_geo')"), 5);

	/* The old rows, with the new columns at their defaults. */
	assert_int_equal(store_alert_get(t->s, 1, &a), 0);
	assert_string_equal(a.source_ref, "old-1");
	assert_true(a.ack);
	assert_int_equal(a.escalate_after_s, 0);
	assert_string_equal(a.status, "actual");
	alert_row_clear(&a);
	assert_int_equal(store_delivery_get(t->s, 1, &d), 0);
	assert_string_equal(d.phone, "+46701000001");
	assert_int_equal(d.state, DS_DELIVERED);
	assert_string_equal(d.kind, "");
	assert_int_equal(d.parent_id, 0);
	assert_string_equal(d.sender, "");
	assert_string_equal(d.pin, "");
	assert_int_equal(d.inbound_id, 0);
	delivery_clear(&d);
	assert_int_equal(store_alert_counts(t->s, 1, &ac), 0);
	assert_int_equal(ac.state[DS_DELIVERED], 1);
	assert_int_equal(ac.state[DS_SENT], 1);
	assert_int_equal(ac.acks_yes, 1);
	assert_int_equal(store_contact_get(t->s, "+46701000001", &c), 0);
	assert_string_equal(c.name, "Anna");
	assert_int_equal(c.ngroups, 1);
	assert_string_equal(c.groups[0], "nattvandrare");
	assert_int_equal(c.sms_cap, SMS_CAP_UNKNOWN);	/* classified later */
	contact_clear(&c);
	/* The salt came along: the opt-out still holds. */
	assert_true(store_optout_has(t->s, "+46701000009"));
	assert_false(store_optout_has(t->s, "+46701000001"));

	/* Old and new work together. */
	assert_int_equal(store_delivery_report(t->s, "elks", "r1",
	    DS_DELIVERED, NULL, NOW + 1, &did), 0);
	assert_int_equal(did, 2);
	assert_int_equal(store_ack_target(t->s, "+46701000002", 0, NOW + 2,
	    &did, &aid), 0);
	assert_int_equal(did, 2);
	assert_int_equal(aid, 1);
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_alerts_watched(t->s, alert_list_cb, &cl), 0);
	assert_int_equal(cl.n, 1);
	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.provider_id = "m1";
	in.from = "+46701000002";
	in.text = "JA";
	in.keyword = "ja";
	assert_int_equal(store_inbound_insert(t->s, &in), 0);
	id = add_alert_v2(t->s, "new-1", false, 60, NOW, 0, NULL);
	assert_true(id > 1);
	add_delivery_v2(t->s, id, "+46701000002", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);
	n = 0;
	assert_int_equal(store_escalation_due(t->s, NOW + 60000, 10, count_cb,
	    &n), 0);
	assert_int_equal(n, 1);

	/* Opening again migrates nothing. */
	reopen(t);
	assert_int_equal(sql_int(t->path, "PRAGMA user_version"), 3);
	assert_int_equal(store_delivery_get(t->s, 2, &d), 0);
	assert_int_equal(d.state, DS_DELIVERED);
	delivery_clear(&d);
}

/* The v2 columns of alerts and deliveries round-trip everywhere. */
static void
test_v2_fields(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct alert_row	 a, got;
	struct delivery		 d, g;
	struct claims		 c;
	struct rows		 r;
	int64_t			 aid, id;

	memset(&a, 0, sizeof(a));
	a.client = "beacon";
	a.source_ref = "cap-1";
	a.severity = SEV_EXTREME;
	a.created_at = NOW;
	a.escalate_after_s = 300;
	a.status = "exercise";
	assert_int_equal(store_alert_insert(s, &a), 0);
	aid = a.id;
	assert_int_equal(store_alert_find_ref(s, "beacon", "cap-1", &got), 0);
	assert_int_equal(got.escalate_after_s, 300);
	assert_string_equal(got.status, "exercise");
	alert_row_clear(&got);
	assert_null(got.status);
	/* No status is an actual alert. */
	id = add_alert(s, "plain", 0);
	assert_int_equal(store_alert_get(s, id, &got), 0);
	assert_string_equal(got.status, "actual");
	assert_int_equal(got.escalate_after_s, 0);
	alert_row_clear(&got);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_list(s, 10, alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);

	memset(&d, 0, sizeof(d));
	strlcpy(d.phone, "+46701740605", sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Närmaste trygghetspunkt: Biblioteket";
	d.priority = SEV_MINOR;
	d.next_at = NOW;
	strlcpy(d.kind, "reply-trygg", sizeof(d.kind));
	strlcpy(d.sender, "+46766861004", sizeof(d.sender));
	strlcpy(d.pin, "elks", sizeof(d.pin));
	d.inbound_id = 77;
	d.created_at = NOW;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	assert_int_equal(store_delivery_get(s, d.id, &g), 0);
	assert_int_equal(g.alert_id, 0);
	assert_string_equal(g.kind, "reply-trygg");
	assert_string_equal(g.sender, "+46766861004");
	assert_string_equal(g.pin, "elks");
	assert_int_equal(g.inbound_id, 77);
	assert_int_equal(g.parent_id, 0);
	delivery_clear(&g);

	/* A call escalating an SMS names it; claims carry the fields. */
	id = add_delivery_v2(s, aid, "+46701740605", CH_SMS, DS_SENT, 0, NULL,
	    0, NOW);
	memset(&d, 0, sizeof(d));
	d.alert_id = aid;
	strlcpy(d.phone, "+46701740605", sizeof(d.phone));
	d.channel = CH_VOICE;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Brand";
	d.priority = SEV_EXTREME;
	d.next_at = NOW;
	d.parent_id = id;
	assert_int_equal(store_delivery_insert(s, &d), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_claim_due(s, NOW, 10, claim_v2_cb, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[0], d.id);		/* priority first */
	assert_int_equal(r.parents[0], id);
	assert_string_equal(r.kinds[1], "reply-trygg");
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_deliveries_list(s, aid, DS_SENDING, 0, 10,
	    claim_v2_cb, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.parents[0], id);
	assert_string_equal(r.kinds[0], "");
}

/* Inbound SMS: stored once per provider id, counted by keyword. */
static void
test_inbound(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct inbound_row	 in;
	char			 buf[256];
	int64_t			 first;

	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.provider_id = "s7f2";
	in.from = "+46701740605";
	in.to = "+46766861004";
	in.text = "TRYGG 15531";
	in.keyword = "trygg";
	in.received_at = NOW;
	assert_int_equal(store_inbound_insert(s, &in), 0);
	first = in.id;
	assert_true(first > 0);
	/* The provider retries: the same id is a duplicate of the first. */
	in.id = 0;
	in.text = "TRYGG 15531 (retry)";
	assert_int_equal(store_inbound_insert(s, &in), STORE_DUPLICATE);
	assert_int_equal(in.id, first);
	/* The same id at another provider is another message. */
	in.provider = "twilio";
	assert_int_equal(store_inbound_insert(s, &in), 0);
	assert_true(in.id > first);
	/* Without an id nothing is a duplicate. */
	in.provider_id = "";
	in.keyword = "stopp";
	assert_int_equal(store_inbound_insert(s, &in), 0);
	assert_int_equal(store_inbound_insert(s, &in), 0);
	in.provider_id = NULL;
	in.keyword = NULL;
	assert_int_equal(store_inbound_insert(s, &in), 0);

	buf[0] = '\0';
	assert_int_equal(store_inbound_totals(s, name_count_cb, buf), 0);
	assert_string_equal(buf, "=1,stopp=2,trygg=2,");
}

/* Replies are deliveries with a kind; counted and listed per number. */
static void
test_replies(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct claims	 c;
	int64_t		 n, aid = add_alert(s, "a", 0), ids[4];

	ids[0] = add_delivery_v2(s, 0, "+46701740605", CH_SMS, DS_SENT, 0,
	    "reply-help", 0, NOW - 3600000);
	ids[1] = add_delivery_v2(s, 0, "+46701740605", CH_SMS, DS_QUEUED, 0,
	    "reply-trygg", 0, NOW - 600000);
	ids[2] = add_delivery_v2(s, 0, "+46701740605", CH_SMS, DS_FAILED, 0,
	    "reply-help", 0, NOW - 1000);
	ids[3] = add_delivery_v2(s, 0, "+46709999999", CH_SMS, DS_SENT, 0,
	    "reply-help", 0, NOW);
	/* An alert delivery is not a reply. */
	add_delivery_v2(s, aid, "+46701740605", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);

	assert_int_equal(store_replies_count(s, "+46701740605", NULL,
	    NOW - 3600000, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_replies_count(s, "+46701740605", NULL,
	    NOW - 3600000 + 1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_replies_count(s, "+46701740605", "reply-help",
	    NOW - 3600000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_replies_count(s, "+46701740605", "reply-stopp",
	    0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_replies_count(s, "+46700000000", NULL, 0, &n),
	    0);
	assert_int_equal(n, 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_replies_list(s, "+46701740605", 2, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], ids[2]);		/* newest first */
	assert_int_equal(c.ids[1], ids[1]);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_replies_list(s, "+46701740605", 10, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[2], ids[0]);
	(void)ids[3];
}

/* Which delivery an answer from a number belongs to. */
static void
test_ack_target(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct alert_counts	 ac;
	const char		*p = "+46701740605";
	int64_t			 a_old, a_new, a_noack, a_expired, a_queued;
	int64_t			 d_old, d_new, did, aid, call;
	size_t			 i;

	a_old = add_alert_v2(s, "old", true, 0, NOW - 7200000, 0, NULL);
	d_old = add_delivery_v2(s, a_old, p, CH_SMS, DS_DELIVERED, 0, NULL, 0,
	    NOW - 7200000);
	a_new = add_alert_v2(s, "new", true, 0, NOW - 600000, NOW + 600000,
	    NULL);
	d_new = add_delivery_v2(s, a_new, p, CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW - 600000);
	/* Newer alerts that must not be chosen. */
	a_noack = add_alert_v2(s, "noack", false, 0, NOW - 60000, 0, NULL);
	add_delivery_v2(s, a_noack, p, CH_SMS, DS_DELIVERED, 0, NULL, 0, NOW);
	a_expired = add_alert_v2(s, "expired", true, 0, NOW - 50000, NOW,
	    NULL);
	add_delivery_v2(s, a_expired, p, CH_SMS, DS_DELIVERED, 0, NULL, 0,
	    NOW);
	a_queued = add_alert_v2(s, "queued", true, 0, NOW - 40000, 0, NULL);
	add_delivery_v2(s, a_queued, p, CH_SMS, DS_QUEUED, 0, NULL, 0, NOW);
	add_delivery_v2(s, a_queued, p, CH_SMS, DS_FAILED, 0, NULL, 0, NOW);
	add_delivery_v2(s, a_queued, "+46709999999", CH_SMS, DS_DELIVERED, 0,
	    NULL, 0, NOW);

	{
		const struct {
			const char	*phone;
			int64_t		 alert_id;	/* asked for */
			int64_t		 now;
			int		 rc;
			int64_t		 delivery;	/* expected */
		} cases[] = {
			{ p, 0, NOW, 0, d_new },	/* the newest */
			{ p, a_old, NOW, 0, d_old },	/* by number */
			{ p, a_noack, NOW, STORE_NOTFOUND, 0 },
			{ p, a_expired, NOW, STORE_NOTFOUND, 0 },
			{ p, a_expired, NOW - 1, 0, 0 },	/* not yet */
			{ p, a_queued, NOW, STORE_NOTFOUND, 0 },
			{ p, 9999, NOW, STORE_NOTFOUND, 0 },
			{ "+46700000000", 0, NOW, STORE_NOTFOUND, 0 },
			/* After its expiry the newer one is out. */
			{ p, 0, NOW + 600000, 0, d_old },
		};

		for (i = 0; i < nitems(cases); i++) {
			did = aid = 0;
			assert_int_equal(store_ack_target(s, cases[i].phone,
			    cases[i].alert_id, cases[i].now, &did, &aid),
			    cases[i].rc);
			if (cases[i].rc != 0)
				continue;
			if (cases[i].delivery != 0)
				assert_int_equal(did, cases[i].delivery);
			else
				assert_int_equal(aid, cases[i].alert_id);
			if (cases[i].delivery == d_new)
				assert_int_equal(aid, a_new);
			if (cases[i].delivery == d_old)
				assert_int_equal(aid, a_old);
		}
	}

	/* A call of the same alert that rings is the newer delivery. */
	call = add_delivery_v2(s, a_new, p, CH_VOICE, DS_RINGING, 0, NULL,
	    d_new, NOW);
	assert_int_equal(store_ack_target(s, p, 0, NOW, &did, &aid), 0);
	assert_int_equal(did, call);
	assert_int_equal(aid, a_new);

	/* The answer is stored and counted; a second one replaces it. */
	assert_int_equal(store_delivery_set_ack(s, did, 1, NOW), 0);
	assert_int_equal(store_alert_counts(s, a_new, &ac), 0);
	assert_int_equal(ac.acks_yes, 1);
	assert_int_equal(ac.acks_no, 0);
	assert_int_equal(store_delivery_set_ack(s, did, -1, NOW + 1), 0);
	assert_int_equal(store_alert_counts(s, a_new, &ac), 0);
	assert_int_equal(ac.acks_yes, 0);
	assert_int_equal(ac.acks_no, 1);
	assert_int_equal(store_delivery_set_ack(s, did + 1000, 1, NOW),
	    STORE_NOTFOUND);
}

/* Insert a call for each SMS the scan finds, as dispatch does. */
struct escalator {
	struct store	*s;
	struct claims	 c;
};

/* Record the SMS and insert its call. */
static int
escalate_cb(const struct delivery *sms, void *arg)
{
	struct escalator	*e = arg;

	claim_cb(sms, &e->c);
	add_delivery_v2(e->s, sms->alert_id, sms->phone, CH_VOICE, DS_QUEUED,
	    0, NULL, sms->id, NOW);
	return 0;
}

/* True if id is among the first n of c. */
static bool
claimed(const struct claims *c, int64_t id)
{
	int	i;

	for (i = 0; i < c->n && i < 64; i++)
		if (c->ids[i] == id)
			return true;
	return false;
}

/* Escalation: which SMS get a call, when, and only once. */
static void
test_escalation(void **state)
{
	struct store		*s = ((struct tctx *)*state)->s;
	struct escalator	 e;
	struct claims		 c;
	int64_t			 a, due[4], sms, late;
	int			 i;

	add_contact(s, "+46700000007", CH_SMS, "", false, 0, 0);
	add_contact(s, "+46700000008", CH_SMS | CH_VOICE, "", false, 0, 0);
	assert_int_equal(store_optout_add(s, "+46700000009", "sms", NOW), 0);

	a = add_alert_v2(s, "esc", true, 60, NOW, 0, NULL);
	due[0] = add_delivery_v2(s, a, "+46700000001", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);		/* not a contact */
	due[1] = add_delivery_v2(s, a, "+46700000002", CH_SMS, DS_QUEUED, 0,
	    NULL, 0, NOW);
	due[2] = add_delivery_v2(s, a, "+46700000003", CH_SMS, DS_SENDING, 0,
	    NULL, 0, NOW);
	due[3] = add_delivery_v2(s, a, "+46700000008", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);		/* a contact with voice */
	/* Each excluded for one reason. */
	add_delivery_v2(s, a, "+46700000004", CH_SMS, DS_DELIVERED, 0, NULL,
	    0, NOW);
	add_delivery_v2(s, a, "+46700000005", CH_SMS, DS_SENT, 1, NULL, 0,
	    NOW);			/* answered JA */
	add_delivery_v2(s, a, "+46700000015", CH_SMS, DS_SENT, -1, NULL, 0,
	    NOW);			/* answered NEJ */
	sms = add_delivery_v2(s, a, "+46700000006", CH_SMS, DS_SENT, 0, NULL,
	    0, NOW);			/* escalated already */
	add_delivery_v2(s, a, "+46700000006", CH_VOICE, DS_QUEUED, 0, NULL,
	    sms, NOW);
	add_delivery_v2(s, a, "+46700000007", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);			/* contact without voice */
	add_delivery_v2(s, a, "+46700000009", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);			/* opted out */
	add_delivery_v2(s, a, "+46700000010", CH_VOICE, DS_SENT, 0, NULL, 0,
	    NOW);			/* a call itself */
	add_delivery_v2(s, a, "+46700000011", CH_SMS, DS_FAILED, 0, NULL, 0,
	    NOW);
	add_delivery_v2(s, a, "+46700000012", CH_SMS, DS_SUPPRESSED, 0, NULL,
	    0, NOW);
	/* Alerts that escalate nothing: none, later, expired. */
	add_delivery_v2(s, add_alert_v2(s, "none", true, 0, NOW, 0, NULL),
	    "+46700000020", CH_SMS, DS_SENT, 0, NULL, 0, NOW);
	late = add_alert_v2(s, "late", true, 600, NOW, 0, NULL);
	add_delivery_v2(s, late, "+46700000021", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);
	add_delivery_v2(s, add_alert_v2(s, "expired", true, 30, NOW,
	    NOW + 20000, NULL), "+46700000022", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);
	/* A reply (no alert) is never escalated. */
	add_delivery_v2(s, 0, "+46700000023", CH_SMS, DS_SENT, 0,
	    "reply-help", 0, NOW - 3600000);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 59999, 100, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 60000, 100, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 4);
	for (i = 0; i < 4; i++)
		assert_true(claimed(&c, due[i]));
	/* A scan that only looks changes nothing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 60000, 3, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 3);

	/* Calls made as they are found: each SMS once. */
	memset(&e, 0, sizeof(e));
	e.s = s;
	assert_int_equal(store_escalation_due(s, NOW + 61000, 3, escalate_cb,
	    &e), 0);
	assert_int_equal(e.c.n, 3);
	assert_int_equal(store_escalation_due(s, NOW + 62000, 3, escalate_cb,
	    &e), 0);
	assert_int_equal(e.c.n, 4);
	for (i = 0; i < 4; i++)
		assert_true(claimed(&e.c, due[i]));
	assert_int_equal(store_escalation_due(s, NOW + 63000, 3, escalate_cb,
	    &e), 0);
	assert_int_equal(e.c.n, 4);

	/*
	 * Nothing left: the alert is done and is not scanned again, even
	 * for a delivery that would qualify (written late, say).
	 */
	add_delivery_v2(s, a, "+46700000030", CH_SMS, DS_SENT, 0, NULL, 0,
	    NOW);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 64000, 100, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 0);
	/* The later alert's turn comes. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_escalation_due(s, NOW + 600000, 100, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(store_escalation_due(s, NOW + 600000, 0, claim_cb,
	    &c), 0);
	assert_int_equal(c.n, 1);
	(void)late;
}

/* Voice progress moves what is not final, and nothing else. */
static void
test_progress(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct delivery	 d;
	int64_t		 aid = add_alert(s, "call", 0), call, sms;
	size_t		 i;

	call = add_delivery_v2(s, aid, "+46700000001", CH_VOICE, DS_SENDING,
	    0, NULL, 0, NOW);
	sms = add_delivery_v2(s, aid, "+46700000002", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW);
	{
		const struct {
			int64_t		*id;
			int		 state;
			int		 rc;
			int		 after;
		} steps[] = {
			{ &call, DS_SENT, 0, DS_SENT },
			{ &call, DS_RINGING, 0, DS_RINGING },
			{ &call, DS_RINGING, 0, DS_RINGING },
			{ &call, DS_ANSWERED, 0, DS_ANSWERED },
			/* Final: a late event changes nothing. */
			{ &call, DS_NO_ANSWER, STORE_NOTFOUND, DS_ANSWERED },
			{ &call, DS_FAILED, STORE_NOTFOUND, DS_ANSWERED },
			{ &sms, DS_DELIVERED, 0, DS_DELIVERED },
			{ &sms, DS_BUSY, STORE_NOTFOUND, DS_DELIVERED },
			{ &sms, 99, -1, DS_DELIVERED },
		};

		for (i = 0; i < nitems(steps); i++) {
			assert_int_equal(store_delivery_progress(s,
			    *steps[i].id, steps[i].state, NULL, NOW + (int)i),
			    steps[i].rc);
			assert_int_equal(state_of(s, *steps[i].id),
			    steps[i].after);
		}
	}
	call = add_delivery_v2(s, aid, "+46700000003", CH_VOICE, DS_RINGING,
	    0, NULL, 0, NOW);
	assert_int_equal(store_delivery_progress(s, call, DS_BUSY, "busy",
	    NOW + 50), 0);
	assert_int_equal(store_delivery_get(s, call, &d), 0);
	assert_int_equal(d.state, DS_BUSY);
	assert_string_equal(d.error, "busy");
	assert_int_equal(d.updated_at, NOW + 50);
	delivery_clear(&d);
	assert_int_equal(store_delivery_progress(s, call + 100, DS_RINGING,
	    NULL, NOW), STORE_NOTFOUND);
}

/* Claimed callbacks, recorded by callback_cb. */
struct cbs {
	int64_t		 ids[16];
	int		 attempts[16];
	int64_t		 next_at[16];
	char		 events[16][32];
	char		 errors[16][32];
	int		 n;
	int		 stop_after;	/* return -1 after this many; 0 never */
};

/* Record a claimed callback. */
static int
callback_cb(const struct callback_row *r, void *arg)
{
	struct cbs	*c = arg;

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

/* The callback outbox: claim with a lease, retry, done. */
static void
test_callbacks(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct cbs	 c;
	int64_t		 aid = add_alert(s, "cb", 0), next, ids[3];
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
	    callback_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_callback_claim(s, NOW + 20, lease, 2,
	    callback_cb, &c), 0);
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
	    callback_cb, &c), 0);
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
	    callback_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], ids[1]);
	assert_int_equal(c.attempts[0], 2);
	assert_string_equal(c.errors[0], "HTTP 500");

	/* A crash after the claim: the lease ends and it comes back. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 30 + lease, lease, 8,
	    callback_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], ids[2]);
	assert_int_equal(c.attempts[0], 2);

	/* cb stops: -1, and what was claimed stays leased. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(store_callback_claim(s, NOW + 1000 + lease, lease, 8,
	    callback_cb, &c), -1);
	assert_int_equal(c.n, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 1000 + lease, lease, 8,
	    callback_cb, &c), 0);
	assert_int_equal(c.n, 0);

	assert_int_equal(store_callback_done(s, ids[1], NOW + 2000), 0);
	assert_int_equal(store_callback_done(s, ids[2], NOW + 2000), 0);
	assert_int_equal(store_callback_next_due(s, &next), STORE_NOTFOUND);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW + 10 * lease, lease, 8,
	    callback_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_callback_claim(s, NOW, lease, 0, callback_cb,
	    &c), 0);
}

/* Done callbacks stay a day, then go (they may name a number). */
static void
test_callbacks_kept(void **state)
{
	struct tctx	*t = *state;
	struct cbs	 c;
	int64_t		 aid = add_alert(t->s, "cb", 0), ids[2];
	const int64_t	 day = 24 * 3600 * 1000LL;

	assert_int_equal(store_callback_enqueue(t->s, aid, "coord",
	    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW), 0);
	assert_int_equal(store_callback_enqueue(t->s, aid, "coord",
	    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(t->s, NOW, 1000, 8, callback_cb,
	    &c), 0);
	assert_int_equal(c.n, 2);
	ids[0] = c.ids[0];
	ids[1] = c.ids[1];
	assert_int_equal(store_callback_done(t->s, ids[0], NOW), 0);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    2);
	assert_int_equal(store_callback_done(t->s, ids[1], NOW + day), 0);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    2);
	assert_int_equal(store_callback_done(t->s, ids[1], NOW + day + 1), 0);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    1);
}

/* Alerts watched for alert.progress and alert.done. */
static void
test_watch(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct claims	 c;
	char		 digest[65];
	int64_t		 w1, w2, at;

	w1 = add_alert_v2(s, "w1", false, 0, NOW, 0, "http://127.0.0.1:9/a");
	add_alert_v2(s, "plain", false, 0, NOW, 0, NULL);
	w2 = add_alert_v2(s, "w2", true, 0, NOW, 0, "http://127.0.0.1:9/b");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_watched(s, alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_true(claimed(&c, w1) && claimed(&c, w2));

	strlcpy(digest, "junk", sizeof(digest));
	at = 5;
	assert_int_equal(store_alert_get_watch(s, w1, digest, &at), 0);
	assert_string_equal(digest, "");
	assert_int_equal(at, 0);
	assert_int_equal(store_alert_set_watch(s, w1, NOW + 5000,
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	    false), 0);
	assert_int_equal(store_alert_get_watch(s, w1, digest, &at), 0);
	assert_string_equal(digest,
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_int_equal(at, NOW + 5000);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_watched(s, alert_list_cb, &c), 0);
	assert_int_equal(c.n, 2);

	/* alert.done queued: the alert leaves the watch. */
	assert_int_equal(store_alert_set_watch(s, w1, NOW + 9000, "d2", true),
	    0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_alerts_watched(s, alert_list_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], w2);
	assert_int_equal(store_alert_get_watch(s, w1, digest, &at), 0);
	assert_string_equal(digest, "d2");
	assert_int_equal(at, NOW + 9000);
	assert_int_equal(store_alert_get_watch(s, 999, digest, &at),
	    STORE_NOTFOUND);
	assert_string_equal(digest, "");
}

/* Contacts as pages: "phone/groups;" text. */
static int
contact_page_cb(const struct contact *c, void *arg)
{
	char	*buf = arg;
	size_t	 n = strlen(buf), i;

	n += (size_t)snprintf(buf + n, 256 - n, "%s/", c->phone);
	for (i = 0; i < c->ngroups && n < 256; i++)
		n += (size_t)snprintf(buf + n, 256 - n, "%s%s",
		    i > 0 ? "+" : "", c->groups[i]);
	if (n < 256)
		snprintf(buf + n, 256 - n, ";");
	return 0;
}

/* Record recipients in a box as "phone," text. */
static int
box_cb(const struct recipient *r, double lat, double lon, void *arg)
{
	char	*buf = arg;
	size_t	 n = strlen(buf);

	assert_true(lat != 0 && lon != 0);
	snprintf(buf + n, 256 - n, "%s,", r->phone);
	return 0;
}

/* Stop after the first contact. */
static int
box_stop_cb(const struct recipient *r, double lat, double lon, void *arg)
{
	(void)r;
	(void)lat;
	(void)lon;
	(*(int *)arg)++;
	return -1;
}

/* Contacts: pages, START with an area, the box, area without position. */
static void
test_contacts_v2(void **state)
{
	struct store	*s = ((struct tctx *)*state)->s;
	struct contact	 c, got;
	char		*g[] = { "nattvandrare" };
	char		 buf[256];
	int		 calls = 0;

	/* Nykvarn is at about 59.18 N, 17.43 E. */
	add_contact(s, "+46700000003", CH_SMS, "15531", true, 59.18, 17.43);
	add_contact(s, "+46700000001", CH_SMS, "15531", false, 0, 0);
	add_contact(s, "+46700000002", CH_SMS | CH_VOICE, "15532", true,
	    59.20, 17.40);
	add_contact(s, "+46700000004", CH_SMS, "", true, 59.30, 17.43);
	add_contact(s, "+46700000005", CH_SMS, "", true, 59.18, 17.60);
	add_contact(s, "+46700000006", CH_SMS, "15531", true, 59.10, 17.50);
	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46700000007", sizeof(c.phone));
	c.name = "Bo";
	strlcpy(c.lang, "fi", sizeof(c.lang));
	c.channels = CH_SMS | CH_VOICE;
	c.has_pos = true;
	c.lat = 59.15;
	c.lon = 17.45;
	c.groups = g;
	c.ngroups = 1;
	assert_int_equal(store_contact_upsert(s, &c), 0);

	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, "", 3, contact_page_cb, buf),
	    0);
	assert_string_equal(buf, "+46700000001/;+46700000002/;+46700000003/;");
	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, "+46700000003", 3,
	    contact_page_cb, buf), 0);
	assert_string_equal(buf, "+46700000004/;+46700000005/;+46700000006/;");
	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, "+46700000006", 3,
	    contact_page_cb, buf), 0);
	assert_string_equal(buf, "+46700000007/nattvandrare;");
	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, "+46700000007", 3,
	    contact_page_cb, buf), 0);
	assert_string_equal(buf, "");

	/* The box: edges count, each bound excludes, no position is out. */
	buf[0] = '\0';
	assert_int_equal(store_contacts_in_box(s, 59.15, 59.20, 17.40, 17.45,
	    box_cb, buf), 0);
	assert_non_null(strstr(buf, "+46700000002,"));
	assert_non_null(strstr(buf, "+46700000003,"));
	assert_non_null(strstr(buf, "+46700000007,"));
	assert_int_equal(strlen(buf), 3 * 13);
	assert_int_equal(store_contacts_in_box(s, 59.0, 60.0, 17.0, 18.0,
	    box_stop_cb, &calls), -1);
	assert_int_equal(calls, 1);

	buf[0] = '\0';
	assert_int_equal(store_area_members_nopos(s, "15531", recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "+46700000001/sv/1/unknown,");
	buf[0] = '\0';
	assert_int_equal(store_area_members_nopos(s, "15532", recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "");

	/* START 15532 from a stranger: a new resident. */
	assert_int_equal(store_contact_set_area(s, "+46700000099", "15532",
	    "invanare", "", NOW), 0);
	assert_int_equal(store_contact_get(s, "+46700000099", &got), 0);
	assert_string_equal(got.area, "15532");
	assert_string_equal(got.lang, "sv");
	assert_int_equal(got.channels, CH_SMS);
	assert_int_equal(got.ngroups, 1);
	assert_string_equal(got.groups[0], "invanare");
	contact_clear(&got);
	/* From a contact: area and group added, the rest kept. */
	assert_int_equal(store_contact_set_area(s, "+46700000007", "15532",
	    "invanare", "sv", NOW + 1), 0);
	assert_int_equal(store_contact_set_area(s, "+46700000007", "15532",
	    "invanare", "sv", NOW + 2), 0);
	assert_int_equal(store_contact_get(s, "+46700000007", &got), 0);
	assert_string_equal(got.area, "15532");
	assert_string_equal(got.name, "Bo");
	assert_string_equal(got.lang, "fi");
	assert_int_equal(got.channels, CH_SMS | CH_VOICE);
	assert_true(got.has_pos);
	assert_int_equal(got.updated_at, NOW + 2);
	assert_int_equal(got.ngroups, 2);
	assert_string_equal(got.groups[0], "invanare");
	assert_string_equal(got.groups[1], "nattvandrare");
	contact_clear(&got);
	/* No group: only the area. */
	assert_int_equal(store_contact_set_area(s, "+46700000001", "15532",
	    NULL, "sv", NOW), 0);
	buf[0] = '\0';
	assert_int_equal(store_area_members_nopos(s, "15532", recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "+46700000001/sv/1/unknown,"
	    "+46700000099/sv/1/unknown,");
}

/* Purge strips numbers and texts of old alerts and keeps the counts. */
static void
test_purge(void **state)
{
	struct tctx		*t = *state;
	struct store		*s = t->s;
	struct alert_counts	 before, after;
	struct attempt		 at;
	struct delivery		 d;
	struct inbound_row	 in;
	struct cbs		 c;
	char			 buf[256];
	const int64_t		 day = 24 * 3600 * 1000LL;
	int64_t			 old, young, ids[4], n;
	int			 i;

	old = add_alert_v2(s, "old", true, 0, NOW - 100 * day, 0, NULL);
	young = add_alert_v2(s, "young", true, 0, NOW - day, 0, NULL);
	ids[0] = add_delivery_v2(s, old, "+46700000001", CH_SMS, DS_DELIVERED,
	    1, NULL, 0, NOW - 100 * day);
	ids[1] = add_delivery_v2(s, old, "+46700000002", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW - 100 * day);
	assert_int_equal(store_delivery_finish(s, ids[1], DS_FAILED,
	    "invalid number +46700000002", NOW), 0);
	memset(&at, 0, sizeof(at));
	at.delivery_id = ids[1];
	at.at = NOW - 100 * day;
	at.provider = "elks";
	at.http_status = 400;
	at.result = "permfail";
	at.error = "Invalid 'to' +46700000002";
	assert_int_equal(store_attempt_log(s, &at), 0);
	ids[2] = add_delivery_v2(s, young, "+46700000001", CH_SMS, DS_SENT, 0,
	    NULL, 0, NOW - day);
	ids[3] = add_delivery_v2(s, 0, "+46700000001", CH_SMS, DS_SENT, 0,
	    "reply-trygg", 0, NOW - 100 * day);
	add_delivery_v2(s, 0, "+46700000001", CH_SMS, DS_SENT, 0,
	    "reply-trygg", 0, NOW);
	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.from = "+46700000001";
	in.text = "TRYGG Lillhagen";
	in.keyword = "trygg";
	in.provider_id = "old";
	in.received_at = NOW - 100 * day;
	assert_int_equal(store_inbound_insert(s, &in), 0);
	in.provider_id = "new";
	in.received_at = NOW;
	assert_int_equal(store_inbound_insert(s, &in), 0);
	assert_int_equal(store_callback_enqueue(s, old, "coord",
	    "http://127.0.0.1:9/cb", "ack",
	    "{\"event\":\"ack\",\"phone\":\"+46700000001\"}", NOW - 100 * day),
	    0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_callback_claim(s, NOW - 100 * day, 1000, 8,
	    callback_cb, &c), 0);
	assert_int_equal(store_callback_done(s, c.ids[0], NOW - 100 * day),
	    0);
	assert_int_equal(store_callback_enqueue(s, young, "coord",
	    "http://127.0.0.1:9/cb", "ack", "{\"event\":\"ack\"}", NOW), 0);

	assert_int_equal(store_alert_counts(s, old, &before), 0);
	assert_int_equal(store_purge(s, NOW - 90 * day, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_alert_counts(s, old, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(after.acks_yes, 1);
	assert_int_equal(after.state[DS_FAILED], 1);

	for (i = 0; i < 4; i++) {
		assert_int_equal(store_delivery_get(s, ids[i], &d), 0);
		if (i == 2) {
			assert_string_equal(d.phone, "+46700000001");
			assert_string_equal(d.body, "Brand vid skolan");
		} else {
			assert_string_equal(d.phone, "purged");
			assert_string_equal(d.body, "");
			assert_null(d.error);
		}
		delivery_clear(&d);
	}
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM attempts "
	    "WHERE error IS NOT NULL"), 0);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = 'purged' AND text = ''"), 1);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = '+46700000001'"), 1);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM callbacks"),
	    1);
	buf[0] = '\0';
	assert_int_equal(store_inbound_totals(s, name_count_cb, buf), 0);
	assert_string_equal(buf, "trygg=2,");
	/* Twice is once. */
	assert_int_equal(store_purge(s, NOW - 90 * day, &n), 0);
	assert_int_equal(n, 0);
}

/* Deleting a contact erases the number from the SMS it sent too. */
static void
test_erase_inbound(void **state)
{
	struct tctx		*t = *state;
	struct inbound_row	 in;

	add_contact(t->s, "+46700000001", CH_SMS, "15531", false, 0, 0);
	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.provider_id = "m1";
	in.from = "+46700000001";
	in.text = "START 15531";
	in.keyword = "start";
	assert_int_equal(store_inbound_insert(t->s, &in), 0);
	in.provider_id = "m2";
	in.from = "+46700000002";
	assert_int_equal(store_inbound_insert(t->s, &in), 0);
	assert_int_equal(store_contact_delete(t->s, "+46700000001"), 0);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = 'erased' AND text = ''"), 1);
	assert_int_equal(sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = '+46700000002'"), 1);
}

#define BOTH(f) \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, \
	    (void *)&on_file), \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, \
	    (void *)&in_memory)
#define FILE_ONLY(f) \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, \
	    (void *)&on_file)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FILE_ONLY(test_schema_create_reopen),
		FILE_ONLY(test_schema_too_new),
		FILE_ONLY(test_schema_open_fails),
		BOTH(test_contacts),
		BOTH(test_optouts),
		BOTH(test_alerts),
		BOTH(test_delivery_insert_get),
		BOTH(test_claim_order),
		BOTH(test_claim_stop),
		BOTH(test_delivery_transitions),
		BOTH(test_delivery_report),
		BOTH(test_requeue_sending),
		BOTH(test_counts_cancel),
		BOTH(test_expire),
		BOTH(test_deliveries_list),
		BOTH(test_queue_depth_totals),
		BOTH(test_transactions),
		BOTH(test_nested_transactions),
		BOTH(test_bulk_insert),
		FILE_ONLY(test_schema_upgrade_v1),
		BOTH(test_v2_fields),
		BOTH(test_inbound),
		BOTH(test_replies),
		BOTH(test_ack_target),
		BOTH(test_escalation),
		BOTH(test_progress),
		BOTH(test_callbacks),
		FILE_ONLY(test_callbacks_kept),
		BOTH(test_watch),
		BOTH(test_contacts_v2),
		FILE_ONLY(test_purge),
		FILE_ONLY(test_erase_inbound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
