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

	snprintf(buf + n, 256 - n, "%s/%s/%u,", r->phone, r->lang,
	    r->channels);
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
	int		 calls = 0;
	int64_t		 did;

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46701234567", sizeof(c.phone));
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
	assert_non_null(strstr(buf, "+46709876543/sv/2,"));
	assert_int_equal(store_group_members(s, "skola", recipient_stop_cb,
	    &calls), -1);
	assert_int_equal(calls, 1);
	buf[0] = '\0';
	assert_int_equal(store_group_members(s, "brandvakt", recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "");
	buf[0] = '\0';
	assert_int_equal(store_area_members(s, "15531", recipient_cb, buf), 0);
	assert_string_equal(buf, "+46709876543/sv/2,");

	assert_int_equal(store_contact_recipient(s, "+46701234567", lang, &ch),
	    0);
	assert_string_equal(lang, "en");
	assert_int_equal(ch, CH_SMS);
	assert_int_equal(store_contact_recipient(s, "+46700000000", lang, &ch),
	    STORE_NOTFOUND);

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
