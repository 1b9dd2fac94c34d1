/*
 * Tests of store_schema.c: a new database and its WAL file, a database
 * from a newer program, one that cannot be made, the upgrade of a
 * version-1 database with its data, and transactions: durable, nested,
 * rolled back, joined by a change of several rows.
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
#include "tests/store_test.h"

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

/* A new file is in WAL mode at a schema version; reopening keeps it. */
static void
test_schema_create_reopen(void **state)
{
	struct st_ctx	*t = *state;
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

	st_reopen(t);
	assert_int_equal(store_ping(t->s), 0);
	/* Same salt and data: the steps did not run again. */
	assert_true(store_optout_has(t->s, "+46701234567"));
	store_close(t->s);
	t->s = NULL;
	assert_int_equal(file_u32(t->path, 60), v);
	st_reopen(t);
}

/* A database from a newer program is refused, naming both versions. */
static void
test_schema_too_new(void **state)
{
	struct st_ctx	*t = *state;
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
	st_reopen(t);
}

/* A database that cannot be created is an error that says so. */
static void
test_schema_open_fails(void **state)
{
	struct st_ctx	*t = *state;
	char		 err[256], path[160];

	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", t->dir);
	err[0] = '\0';
	assert_null(store_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
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

/* Count a consent event into the struct st_claims at arg. */
static int
st_consent_cb(const struct consent_event *e, void *arg)
{
	struct st_claims	*c = arg;

	assert_string_equal(e->event, "added");
	assert_string_equal(e->how, "before records");
	assert_int_equal(e->at, 1700000000000LL);
	c->n++;
	return 0;
}

/* A database made by the version-1 code opens as the latest with its
 * data. */
static void
test_schema_upgrade_v1(void **state)
{
	struct st_ctx		*t = *state;
	struct alert_row	 a;
	struct delivery		 d;
	struct contact		 c;
	struct alert_counts	 ac;
	struct inbound_row	 in;
	struct st_claims		 cl;
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

	st_reopen(t);
	assert_int_equal(st_sql_int(t->path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) "
	    "FROM sqlite_master WHERE name IN ('inbound', 'callbacks', "
	    "'alerts_escalating', 'deliveries_replies', 'contacts_geo', "
	    "'alert_steps', 'consent', 'alerts_gated')"), 8);

	/* The old rows, with the new columns at their defaults. */
	assert_int_equal(store_alert_get(t->s, 1, &a), 0);
	assert_string_equal(a.source_ref, "old-1");
	assert_true(a.ack);
	assert_int_equal(a.escalate_after_s, 0);
	assert_string_equal(a.status, "actual");
	/* Released when it was made, two numbers reached. */
	assert_int_equal(a.gate, GATE_OPEN);
	assert_int_equal(a.released_at, 1700000000000LL);
	assert_int_equal(a.people, 2);
	assert_int_equal(a.need, 0);
	assert_null(a.chain);
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
	/* The contact there is on the consent record, as added before. */
	memset(&cl, 0, sizeof(cl));
	assert_int_equal(store_consent_list(t->s, "+46701000001",
	    st_consent_cb, &cl), 0);
	assert_int_equal(cl.n, 1);
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
	assert_int_equal(store_alerts_watched(t->s, st_alert_list_cb, &cl), 0);
	assert_int_equal(cl.n, 1);
	memset(&in, 0, sizeof(in));
	in.provider = "elks";
	in.provider_id = "m1";
	in.from = "+46701000002";
	in.text = "JA";
	in.keyword = "ja";
	assert_int_equal(store_inbound_insert(t->s, &in), 0);
	id = st_add_alert_v2(t->s, "new-1", false, 60, NOW, 0, NULL);
	assert_true(id > 1);
	st_add_delivery_v2(t->s, id, "+46701000002", CH_SMS, DS_SENT, 0, NULL,
	    0, NOW);
	n = 0;
	assert_int_equal(store_escalation_due(t->s, NOW + 60000, 10,
	    st_count_cb, &n), 0);
	assert_int_equal(n, 1);

	/* The kept counts follow every change, old rows and new. */
	assert_int_equal(store_alert_counts(t->s, 1, &ac), 0);
	assert_int_equal(ac.state[DS_DELIVERED], 2);
	assert_int_equal(ac.state[DS_SENT], 0);
	assert_int_equal(st_sql_int(t->path, COUNTS_DIFFER), 0);

	/* Opening again migrates nothing. */
	st_reopen(t);
	assert_int_equal(st_sql_int(t->path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(store_delivery_get(t->s, 2, &d), 0);
	assert_int_equal(d.state, DS_DELIVERED);
	delivery_clear(&d);
}

/* Durable begin and commit persist; rollback undoes. */
static void
test_transactions(void **state)
{
	struct st_ctx		*t = *state;
	struct alert_row	 a;
	int64_t			 kept;

	assert_int_equal(store_commit(t->s), -1);	/* none open */

	assert_int_equal(store_begin(t->s, true), 0);
	kept = st_add_alert(t->s, "kept", 0);
	assert_int_equal(store_ping(t->s), 0);		/* works inside */
	assert_int_equal(store_commit(t->s), 0);

	assert_int_equal(store_begin(t->s, true), 0);
	st_add_alert(t->s, "gone", 0);
	store_rollback(t->s);
	assert_int_equal(store_alert_find_ref(t->s, "coord", "gone", &a),
	    STORE_NOTFOUND);
	assert_int_equal(store_commit(t->s), -1);

	/* The store still works after a rollback. */
	assert_int_equal(store_begin(t->s, false), 0);
	st_add_alert(t->s, "after", 0);
	assert_int_equal(store_commit(t->s), 0);

	if (!t->memory)
		st_reopen(t);
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
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct alert_row	 a;
	struct contact		 c, got;
	char			*groups[] = { "g" };

	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_begin(s, true), 0);
	st_add_alert(s, "inner", 0);
	assert_int_equal(store_commit(s), 0);		/* inner */
	store_rollback(s);
	assert_int_equal(store_alert_find_ref(s, "coord", "inner", &a),
	    STORE_NOTFOUND);

	assert_int_equal(store_begin(s, true), 0);
	assert_int_equal(store_begin(s, false), 0);
	st_add_alert(s, "both", 0);
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
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);
	assert_int_equal(store_optout_add(s, "+46701234567", "sms", NOW), 0);
	store_rollback(s);
	assert_int_equal(store_contact_get(s, "+46701234567", &got),
	    STORE_NOTFOUND);
	assert_int_equal(store_group_exists(s, "g"), STORE_NOTFOUND);
	assert_false(store_optout_has(s, "+46701234567"));

	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_contact_get(s, "+46701234567", &got), 0);
	assert_string_equal(got.lang, "sv");		/* the default */
	contact_clear(&got);
}

/* n deliveries of alert with a text of 1,500 bytes, in one transaction. */
static void
write_big(struct store *s, int64_t alert, int first, int n)
{
	struct delivery	 d;
	char		*body;
	int		 i;

	body = xmalloc(1501);
	memset(body, 'x', 1500);
	body[1500] = '\0';
	assert_int_equal(store_begin(s, true), 0);
	for (i = first; i < first + n; i++) {
		memset(&d, 0, sizeof(d));
		d.alert_id = alert;
		snprintf(d.phone, sizeof(d.phone), "+4670%07d", i);
		d.channel = 1;
		strlcpy(d.lang, "sv", sizeof(d.lang));
		d.body = body;
		d.priority = 1;
		d.segments = 1;
		d.next_at = NOW;
		d.created_at = NOW;
		assert_int_equal(store_delivery_insert(s, &d), 0);
	}
	assert_int_equal(store_commit(s), 0);
	free(body);
}

/*
 * With the checkpoint thread started, a WAL of everyday size is copied
 * back in the commit, as SQLite does; one transaction that takes it past
 * 16 MiB wakes the thread, and its pages reach the database file without
 * the store's connection; store_close ends the thread.
 */
static void
test_checkpoint_thread(void **state)
{
	struct st_ctx	*t = *state;
	struct stat	 sb;
	char		 err[256];
	int64_t		 alert;
	int		 waited;

	assert_int_equal(store_defer_checkpoints(t->s, err, sizeof(err)), 0);
	assert_int_equal(store_checkpoints(t->s), 0);
	alert = st_add_alert(t->s, "big", 0);
	/* Six MB: past 1,000 pages, under the thread's mark. */
	write_big(t->s, alert, 0, 4000);
	assert_int_equal(store_checkpoints(t->s), 0);
	assert_int_equal(stat(t->path, &sb), 0);
	assert_true(sb.st_size > 4 * 1024 * 1024);
	/* Eighteen MB in one go: the thread's. */
	write_big(t->s, alert, 4000, 12000);
	for (waited = 0; store_checkpoints(t->s) == 0 && waited < 10000;
	    waited += 10)
		usleep(10000);
	assert_true(store_checkpoints(t->s) >= 1);
	for (waited = 0; stat(t->path, &sb) == 0 &&
	    sb.st_size < 20 * 1024 * 1024 && waited < 10000; waited += 10)
		usleep(10000);
	assert_true(sb.st_size >= 20 * 1024 * 1024);
	store_close(t->s);
	t->s = NULL;
	st_reopen(t);
	assert_int_equal(store_ping(t->s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FILE_ONLY(test_schema_create_reopen),
		FILE_ONLY(test_schema_too_new),
		FILE_ONLY(test_schema_open_fails),
		BOTH(test_transactions),
		BOTH(test_nested_transactions),
		FILE_ONLY(test_schema_upgrade_v1),
		FILE_ONLY(test_checkpoint_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
