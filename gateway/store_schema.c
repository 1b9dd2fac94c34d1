/*
 * The store's connection: opening the SQLite file (WAL, pragmas), the
 * schema and its migrations (PRAGMA user_version), the opt-out salt,
 * preparing every statement of store*.c once (store_rows.c runs them),
 * and transactions with savepoints. One connection in WAL mode;
 * synchronous=NORMAL except for durable transactions, which wait for the
 * disk (synchronous=FULL) before they report success.
 *
 * Deliveries are indexed for the hot paths only: the due queue and the
 * expiry sweep use partial indexes over queued rows, delivery reports use
 * (provider, provider_ref), status pages use (alert_id, state).
 *
 * Schema v2 adds inbound SMS, replies (deliveries with a kind, indexed by
 * (phone, created_at) for the rate limits), answers ((phone, alert_id)),
 * escalation and the callback outbox. The per-second scans read partial
 * indexes only: alerts that may still escalate (esc_done = 0, set once
 * nothing is left to escalate), alerts watched for callbacks, pending
 * callbacks. Opt-outs are salted hashes, so SQL that must skip opted-out
 * numbers calls varsel_phone_hash(), registered at open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "store_priv.h"

/* The schema, one entry per version; never edit a released step. */
struct migration {
	const char	*sql;
	/* Extra work after the SQL, or NULL; err gets the reason. */
	int		(*fn)(sqlite3 *, char *, size_t);
};

static int	init_salt(sqlite3 *, char *, size_t);
static int	consent_backfill(sqlite3 *, char *, size_t);

/*
 * The triggers of schema 4: add a row's part to the counts (NEW), or
 * take it away (OLD). "INSERT ... SELECT ... WHERE" adds only when the
 * condition holds; the upsert adds to a count that is there.
 */
#define COUNT_STATE(row, sign) \
	"INSERT INTO delivery_totals VALUES (coalesce(" row ".provider, ''), " \
	"  " row ".channel, " row ".state, " sign "1) " \
	"  ON CONFLICT DO UPDATE SET n = n + excluded.n;" \
	"INSERT INTO alert_totals SELECT " row ".alert_id, " row ".state, " \
	"  " sign "1 WHERE " row ".alert_id IS NOT NULL " \
	"  ON CONFLICT DO UPDATE SET n = n + excluded.n;"
#define COUNT_ANSWERS(row, sign) \
	"INSERT INTO alert_totals SELECT " row ".alert_id, " \
	"  CASE " row ".ack WHEN 1 THEN 100 ELSE 101 END, " sign "1 " \
	"  WHERE " row ".alert_id IS NOT NULL AND " row ".ack <> 0 " \
	"  ON CONFLICT DO UPDATE SET n = n + excluded.n;" \
	"INSERT INTO alert_totals SELECT " row ".alert_id, 102, " sign "1 " \
	"  WHERE " row ".alert_id IS NOT NULL AND " row ".in_doubt <> 0 " \
	"  ON CONFLICT DO UPDATE SET n = n + excluded.n;"
#define COUNT_QUEUE(row, sign) \
	"INSERT INTO queue_totals SELECT " row ".priority, " \
	"  " sign row ".segments WHERE " row ".state = 0 " \
	"  ON CONFLICT DO UPDATE SET segments = segments + excluded.segments;"
#define COUNT_ADD(row, sign) \
	COUNT_STATE(row, sign) COUNT_ANSWERS(row, sign) COUNT_QUEUE(row, sign)
#define COUNT_TRIGGERS \
	"CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries " \
	"BEGIN " COUNT_ADD("new", "") " END;" \
	"CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries " \
	"BEGIN " COUNT_ADD("old", "-") " END;" \
	"CREATE TRIGGER deliveries_count_update AFTER UPDATE OF state, " \
	"  provider, channel, ack, in_doubt, segments, priority, alert_id " \
	"  ON deliveries WHEN old.state IS NOT new.state " \
	"  OR old.provider IS NOT new.provider OR old.ack IS NOT new.ack " \
	"  OR old.in_doubt IS NOT new.in_doubt " \
	"  OR old.channel IS NOT new.channel " \
	"  OR old.segments IS NOT new.segments " \
	"  OR old.priority IS NOT new.priority " \
	"  OR old.alert_id IS NOT new.alert_id " \
	"BEGIN " COUNT_ADD("old", "-") COUNT_ADD("new", "") " END;" \
	"CREATE TRIGGER inbound_count_insert AFTER INSERT ON inbound " \
	"BEGIN INSERT INTO inbound_totals VALUES " \
	"  (coalesce(new.keyword, ''), 1) " \
	"  ON CONFLICT DO UPDATE SET n = n + 1; END;"

/*
 * The update triggers of schemas 6 and 8: the counts, each kept only
 * when its part of a row changed, fired by an UPDATE naming one of the
 * columns of STATE, QUEUE or ANSWERS, and none for the rows a hot path
 * tallies itself (varsel_counting() is then false).
 */
#define COUNT_UPDATE_TRIGGERS(STATE, QUEUE, ANSWERS) \
	"CREATE TRIGGER deliveries_count_state AFTER UPDATE OF " STATE \
	"  ON deliveries WHEN varsel_counting() " \
	"  AND (old.state IS NOT new.state OR old.provider IS NOT " \
	"  new.provider OR old.channel IS NOT new.channel OR old.alert_id " \
	"  IS NOT new.alert_id) BEGIN " \
	COUNT_STATE("old", "-") COUNT_STATE("new", "") " END;" \
	"CREATE TRIGGER deliveries_count_queue AFTER UPDATE OF " QUEUE \
	"  ON deliveries WHEN varsel_counting() AND " \
	"  (old.state = 0 OR new.state = 0) AND (old.state IS NOT new.state " \
	"  OR old.segments IS NOT new.segments OR old.priority IS NOT " \
	"  new.priority) BEGIN " \
	COUNT_QUEUE("old", "-") COUNT_QUEUE("new", "") " END;" \
	"CREATE TRIGGER deliveries_count_answers AFTER UPDATE OF " ANSWERS \
	"  ON deliveries WHEN varsel_counting() AND " \
	"  (old.ack IS NOT new.ack OR old.in_doubt IS NOT new.in_doubt OR " \
	"  old.alert_id IS NOT new.alert_id) BEGIN " \
	COUNT_ANSWERS("old", "-") COUNT_ANSWERS("new", "") " END;"

/* Schema 6: inserts and deletes counted too, updates by what changed. */
#define COUNT_TRIGGERS_6 \
	"CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries " \
	"WHEN varsel_counting() BEGIN " COUNT_ADD("new", "") " END;" \
	"CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries " \
	"WHEN varsel_counting() BEGIN " COUNT_ADD("old", "-") " END;" \
	COUNT_UPDATE_TRIGGERS("state, provider, channel, alert_id", \
	    "state, segments, priority", "ack, in_doubt, alert_id")

/*
 * Schema 8: the same update triggers, fired only by a statement that
 * sets count_by_trigger (its value is never read); no insert trigger.
 */
#define COUNT_TRIGGERS_8 \
	COUNT_UPDATE_TRIGGERS("count_by_trigger", "count_by_trigger", \
	    "count_by_trigger")

static const struct migration migrations[] = {
	/* 1: the initial schema. */
	{
	"CREATE TABLE meta ("
	"  key		TEXT PRIMARY KEY,"
	"  value	TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE contacts ("
	"  id		INTEGER PRIMARY KEY,"
	"  phone	TEXT NOT NULL UNIQUE,"
	"  name		TEXT,"
	"  lang		TEXT NOT NULL,"
	"  area		TEXT,"
	"  lat		REAL,"
	"  lon		REAL,"
	"  channels	INTEGER NOT NULL,"
	"  created_at	INTEGER NOT NULL,"
	"  updated_at	INTEGER NOT NULL"
	");"
	"CREATE INDEX contacts_area ON contacts (area) WHERE area IS NOT NULL;"
	"CREATE TABLE groups ("
	"  id		INTEGER PRIMARY KEY,"
	"  name		TEXT NOT NULL UNIQUE"
	");"
	"CREATE TABLE memberships ("
	"  group_id	INTEGER NOT NULL"
	"		REFERENCES groups (id) ON DELETE CASCADE,"
	"  contact_id	INTEGER NOT NULL"
	"		REFERENCES contacts (id) ON DELETE CASCADE,"
	"  PRIMARY KEY (group_id, contact_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX memberships_contact ON memberships (contact_id);"
	"CREATE TABLE optouts ("
	"  phone_hash	TEXT PRIMARY KEY,"
	"  channel	TEXT,"
	"  created_at	INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE optout_log ("
	"  id		INTEGER PRIMARY KEY,"
	"  phone_hash	TEXT NOT NULL,"
	"  action	TEXT NOT NULL CHECK (action IN ('stop', 'start')),"
	"  channel	TEXT,"
	"  at		INTEGER NOT NULL"
	");"
	"CREATE INDEX optout_log_hash ON optout_log (phone_hash, at);"
	"CREATE TABLE alerts ("
	"  id		INTEGER PRIMARY KEY,"
	"  client	TEXT NOT NULL,"
	"  source_ref	TEXT,"
	"  body_hash	TEXT,"
	"  type		TEXT,"
	"  severity	INTEGER NOT NULL,"
	"  template	TEXT,"
	"  lang		TEXT,"
	"  ack		INTEGER NOT NULL DEFAULT 0,"
	"  callback_url	TEXT,"
	"  created_at	INTEGER NOT NULL,"
	"  expires_at	INTEGER NOT NULL DEFAULT 0,"
	"  recipients	INTEGER NOT NULL DEFAULT 0,"
	"  suppressed	INTEGER NOT NULL DEFAULT 0,"
	"  segments	INTEGER NOT NULL DEFAULT 0,"
	"  encoding	TEXT,"
	"  response	TEXT,"
	"  UNIQUE (client, source_ref)"
	");"
	"CREATE INDEX alerts_expiry ON alerts (expires_at)"
	"  WHERE expires_at > 0;"
	"CREATE TABLE deliveries ("
	"  id		INTEGER PRIMARY KEY,"
	"  alert_id	INTEGER REFERENCES alerts (id),"
	"  phone	TEXT NOT NULL,"
	"  channel	INTEGER NOT NULL,"
	"  lang		TEXT NOT NULL,"
	"  body		TEXT NOT NULL,"
	"  state	INTEGER NOT NULL,"
	"  reason	TEXT,"
	"  priority	INTEGER NOT NULL,"
	"  segments	INTEGER NOT NULL DEFAULT 1,"
	"  attempts	INTEGER NOT NULL DEFAULT 0,"
	"  next_at	INTEGER NOT NULL,"
	"  expires_at	INTEGER NOT NULL DEFAULT 0,"
	"  provider	TEXT,"
	"  provider_ref	TEXT,"
	"  in_doubt	INTEGER NOT NULL DEFAULT 0,"
	"  error	TEXT,"
	"  ack		INTEGER NOT NULL DEFAULT 0,"
	"  created_at	INTEGER NOT NULL,"
	"  updated_at	INTEGER NOT NULL"
	");"
	/* The due queue in claim order; next_at filters without the table. */
	"CREATE INDEX deliveries_due ON deliveries (priority, id, next_at)"
	"  WHERE state = 0;"
	"CREATE INDEX deliveries_next ON deliveries (next_at) WHERE state = 0;"
	"CREATE INDEX deliveries_expiry ON deliveries (expires_at)"
	"  WHERE state = 0 AND expires_at > 0;"
	"CREATE INDEX deliveries_ref ON deliveries (provider, provider_ref)"
	"  WHERE provider_ref IS NOT NULL;"
	"CREATE INDEX deliveries_alert_state ON deliveries (alert_id, state);"
	"CREATE INDEX deliveries_alert ON deliveries (alert_id, id);"
	"CREATE TABLE attempts ("
	"  id		INTEGER PRIMARY KEY,"
	"  delivery_id	INTEGER NOT NULL REFERENCES deliveries (id),"
	"  at		INTEGER NOT NULL,"
	"  provider	TEXT,"
	"  http_status	INTEGER NOT NULL DEFAULT 0,"
	"  result	TEXT NOT NULL,"
	"  error	TEXT,"
	"  duration_ms	INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX attempts_delivery ON attempts (delivery_id);",
	init_salt
	},
	/* 2: inbound SMS, replies, answers, escalation, source callbacks. */
	{
	"ALTER TABLE deliveries ADD COLUMN kind TEXT;"
	"ALTER TABLE deliveries ADD COLUMN parent_id INTEGER;"
	"ALTER TABLE deliveries ADD COLUMN sender TEXT;"
	"ALTER TABLE deliveries ADD COLUMN pin TEXT;"
	"ALTER TABLE deliveries ADD COLUMN inbound_id INTEGER;"
	"ALTER TABLE alerts ADD COLUMN escalate_after_s INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'actual';"
	"ALTER TABLE alerts ADD COLUMN watch_progress_at INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN watch_digest TEXT;"
	"ALTER TABLE alerts ADD COLUMN watch_done INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN esc_done INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE inbound ("
	"  id		INTEGER PRIMARY KEY,"
	"  provider	TEXT NOT NULL,"
	"  provider_id	TEXT,"		/* NULL: the provider gave none */
	"  from_phone	TEXT NOT NULL,"
	"  to_number	TEXT,"
	"  text		TEXT NOT NULL,"
	"  keyword	TEXT,"
	"  received_at	INTEGER NOT NULL,"
	"  UNIQUE (provider, provider_id)"
	");"
	"CREATE TABLE callbacks ("
	"  id		INTEGER PRIMARY KEY,"
	"  alert_id	INTEGER,"
	"  client	TEXT,"
	"  url		TEXT NOT NULL,"
	"  event	TEXT NOT NULL,"
	"  body		TEXT NOT NULL,"
	"  attempts	INTEGER NOT NULL DEFAULT 0,"
	"  next_at	INTEGER NOT NULL,"
	"  state	INTEGER NOT NULL DEFAULT 0,"	/* 0 pending, 1 done */
	"  error	TEXT,"
	"  created_at	INTEGER NOT NULL"
	");"
	"CREATE INDEX callbacks_due ON callbacks (next_at) WHERE state = 0;"
	/* Sent callbacks stay a day (next_at is when), then go. */
	"CREATE INDEX callbacks_done ON callbacks (next_at) WHERE state = 1;"
	"CREATE INDEX deliveries_replies ON deliveries (phone, created_at)"
	"  WHERE kind IS NOT NULL;"
	"CREATE INDEX deliveries_parent ON deliveries (parent_id)"
	"  WHERE parent_id IS NOT NULL;"
	"CREATE INDEX deliveries_phone_alert ON deliveries (phone, alert_id);"
	"CREATE INDEX contacts_lat ON contacts (lat) WHERE lat IS NOT NULL;"
	"CREATE INDEX alerts_watched ON alerts (id)"
	"  WHERE callback_url IS NOT NULL AND watch_done = 0;"
	"CREATE INDEX alerts_escalating ON alerts (id)"
	"  WHERE escalate_after_s > 0 AND esc_done = 0;",
	NULL
	},
	/*
	 * 3: whether a contact's number takes SMS (enum sms_cap); indexes
	 * that answer the geo box and the queue depth without the tables.
	 */
	{
	"ALTER TABLE contacts ADD COLUMN sms_cap INTEGER NOT NULL DEFAULT 0;"
	"DROP INDEX contacts_lat;"
	"CREATE INDEX contacts_geo ON contacts "
	"  (lat, lon, phone, lang, channels, sms_cap) WHERE lat IS NOT NULL;"
	"DROP INDEX deliveries_due;"
	"CREATE INDEX deliveries_due ON deliveries"
	"  (priority, id, next_at, segments, state) WHERE state = 0;",
	NULL
	},
	/*
	 * 4: counts kept as the rows change, so /metrics, an alert's
	 * counts and the queue ahead cost the same at a hundred deliveries
	 * or a million: per (provider, channel, state); per alert and state
	 * (and answers, 100 yes, 101 no, 102 in doubt); queued segments per
	 * priority; inbound SMS per keyword. Triggers keep them, whatever
	 * statement changes a row; the migration counts what is there.
	 */
	{
	"CREATE TABLE delivery_totals ("
	"  provider	TEXT NOT NULL,"
	"  channel	INTEGER NOT NULL,"
	"  state	INTEGER NOT NULL,"
	"  n		INTEGER NOT NULL,"
	"  PRIMARY KEY (provider, channel, state)"
	") WITHOUT ROWID;"
	"CREATE TABLE alert_totals ("
	"  alert_id	INTEGER NOT NULL,"
	"  what		INTEGER NOT NULL,"	/* a state, or 100 to 103 */
	"  n		INTEGER NOT NULL,"
	"  PRIMARY KEY (alert_id, what)"
	") WITHOUT ROWID;"
	"CREATE TABLE queue_totals ("
	"  priority	INTEGER PRIMARY KEY,"
	"  segments	INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE inbound_totals ("
	"  keyword	TEXT PRIMARY KEY,"
	"  n		INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO delivery_totals SELECT coalesce(provider, ''), channel, "
	"  state, count(*) FROM deliveries GROUP BY 1, 2, 3;"
	"INSERT INTO alert_totals SELECT alert_id, state, count(*) "
	"  FROM deliveries WHERE alert_id IS NOT NULL GROUP BY 1, 2;"
	"INSERT INTO alert_totals SELECT alert_id, 100, count(*) "
	"  FROM deliveries WHERE alert_id IS NOT NULL AND ack = 1 GROUP BY 1;"
	"INSERT INTO alert_totals SELECT alert_id, 101, count(*) "
	"  FROM deliveries WHERE alert_id IS NOT NULL AND ack = -1 GROUP BY 1;"
	"INSERT INTO alert_totals SELECT alert_id, 102, count(*) "
	"  FROM deliveries WHERE alert_id IS NOT NULL AND in_doubt <> 0 "
	"  GROUP BY 1;"
	"INSERT INTO queue_totals SELECT priority, sum(segments) "
	"  FROM deliveries WHERE state = 0 GROUP BY 1;"
	"INSERT INTO inbound_totals SELECT coalesce(keyword, ''), count(*) "
	"  FROM inbound GROUP BY 1;"
	COUNT_TRIGGERS,
	NULL
	},
	/*
	 * 5: call-outs (issue 12). The gate of scheduled and held alerts
	 * (types.h, store_alert_release) and what a scheduled one fans out
	 * at release; the need of JA and when it was met; a chain of
	 * audiences asked one after another (escalate_to) and each step in
	 * alert_steps; the text a call escalating an SMS speaks, per
	 * language (alert_texts); people (numbers reached) beside
	 * recipients; the
	 * consent record of each number, by its salted hash (it outlives
	 * the contact): the contacts there are count as added before it.
	 */
	{
	"ALTER TABLE alerts ADD COLUMN gate INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN release_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN released_at INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN cancelled_at INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN expires_in_s INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN request TEXT;"
	"ALTER TABLE alerts ADD COLUMN people INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN need INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN filled_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN chain TEXT;"
	"ALTER TABLE alerts ADD COLUMN chain_after_s INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN chain_next_at INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN step INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN error TEXT;"
	"ALTER TABLE deliveries ADD COLUMN step INTEGER NOT NULL DEFAULT 0;"
	"UPDATE alerts SET released_at = created_at, people = (SELECT "
	"  count(DISTINCT phone) FROM deliveries d WHERE d.alert_id = "
	"  alerts.id AND d.state <> 7);"
	"CREATE INDEX alerts_gated ON alerts (release_at) WHERE gate <> 0;"
	"CREATE INDEX alerts_chained ON alerts (chain_next_at)"
	"  WHERE chain_next_at > 0;"
	"CREATE TABLE alert_steps ("
	"  alert_id	INTEGER NOT NULL,"
	"  step		INTEGER NOT NULL,"
	"  started_at	INTEGER NOT NULL,"	/* 0: not yet (gated) */
	"  recipients	INTEGER NOT NULL DEFAULT 0,"
	"  people	INTEGER NOT NULL DEFAULT 0,"
	"  audience	TEXT,"			/* JSON; NULL: the alert's */
	"  PRIMARY KEY (alert_id, step)"
	") WITHOUT ROWID;"
	/* What a call says in each language when an SMS escalates. */
	"CREATE TABLE alert_texts ("
	"  alert_id	INTEGER NOT NULL,"
	"  lang		TEXT NOT NULL,"
	"  channel	INTEGER NOT NULL,"
	"  text		TEXT NOT NULL,"
	"  PRIMARY KEY (alert_id, lang, channel)"
	") WITHOUT ROWID;"
	"CREATE TABLE consent ("
	"  id		INTEGER PRIMARY KEY,"
	"  phone_hash	TEXT NOT NULL,"
	"  at		INTEGER NOT NULL,"
	"  event	TEXT NOT NULL,"		/* added, erased */
	"  how		TEXT NOT NULL,"		/* api, import, console, sms */
	"  actor	TEXT,"
	"  detail	TEXT"
	");"
	"CREATE INDEX consent_hash ON consent (phone_hash, at);",
	consent_backfill
	},
	/*
	 * 6: the counting triggers of schema 4, split by what changed and
	 * asking varsel_counting() first: the hot paths count their rows by
	 * tally instead (store_counts.c), a few statements per commit where
	 * the triggers took several per row.
	 */
	{
	"DROP TRIGGER deliveries_count_insert;"
	"DROP TRIGGER deliveries_count_delete;"
	"DROP TRIGGER deliveries_count_update;"
	COUNT_TRIGGERS_6,
	NULL
	},
	/*
	 * 7: the audit trail, append-only (triggers refuse UPDATE and
	 * DELETE whoever asks); whether an alert's client is a console
	 * user; its text as the request's language reads it (what a list
	 * of alerts shows); the answers of an alert in the order they
	 * came.
	 */
	{
	"CREATE TABLE audit ("
	"  id		INTEGER PRIMARY KEY,"
	"  at		INTEGER NOT NULL,"
	"  actor_kind	TEXT NOT NULL,"
	"  actor	TEXT NOT NULL,"
	"  addr		TEXT,"
	"  via		TEXT NOT NULL,"
	"  action	TEXT NOT NULL,"
	"  alert_id	INTEGER,"
	"  contact	TEXT,"		/* masked */
	"  contact_hash	TEXT,"		/* salted, as opt-outs */
	"  detail	TEXT"
	");"
	"CREATE INDEX audit_alert ON audit (alert_id, id)"
	"  WHERE alert_id IS NOT NULL;"
	"CREATE INDEX audit_contact ON audit (contact_hash, id)"
	"  WHERE contact_hash IS NOT NULL;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
	"BEGIN SELECT RAISE(ABORT, 'audit rows are never changed'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
	"BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;"
	"ALTER TABLE alerts ADD COLUMN by_user INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN text TEXT;"
	"CREATE INDEX deliveries_answers ON deliveries "
	"  (alert_id, updated_at, id) WHERE ack <> 0;"
	"CREATE INDEX inbound_unknown ON inbound (id)"
	"  WHERE keyword = 'UNKNOWN';",
	NULL
	},
	/*
	 * 8: less work per message. No trigger on the hot paths: a
	 * trigger, even one whose WHEN is false, makes every INSERT or
	 * UPDATE naming its columns run a sub-program and keep a statement
	 * journal (a copy of each page it touches), about a fifth of a
	 * message's cost. Inserts are always tallied now
	 * (store_delivery_insert); an update is counted by trigger only
	 * when it sets count_by_trigger, which every statement of the
	 * store that changes a counted column and is not tallied does
	 * (test_store_counts checks them all). An alert's rows by state
	 * are indexed only while they wait or once they ended undelivered
	 * (ALERT_STATE_INDEXED). The expiry sweep's index holds only rows
	 * without an alert (replies): an alert's expire with it, through
	 * alerts_expiry and deliveries_alert_state, and a row claimed
	 * after its own expiry is expired then (dispatch.c, start_job).
	 */
	{
	"DROP TRIGGER deliveries_count_insert;"
	"DROP TRIGGER deliveries_count_state;"
	"DROP TRIGGER deliveries_count_queue;"
	"DROP TRIGGER deliveries_count_answers;"
	"ALTER TABLE deliveries ADD COLUMN count_by_trigger INTEGER NOT NULL "
	"  DEFAULT 0;"
	COUNT_TRIGGERS_8
	/* ALERT_STATE_INDEXED (store_priv.h), as it was then. */
	"DROP INDEX deliveries_alert_state;"
	"CREATE INDEX deliveries_alert_state ON deliveries (alert_id, state)"
	"  WHERE state NOT BETWEEN 1 AND 3 AND state NOT BETWEEN 8 AND 9;"
	"DROP INDEX deliveries_expiry;"
	"CREATE INDEX deliveries_expiry ON deliveries (expires_at)"
	"  WHERE state = 0 AND expires_at > 0 AND alert_id IS NULL;",
	NULL
	},
	/*
	 * 9: an alert's text once, not in each of its deliveries. Every
	 * row carried its text: a 600-character alert to 10,000 people
	 * wrote 6 MB of the same words, which made its 202 two thirds
	 * slower than a one-segment one, and a page of deliveries held a
	 * sixth of the rows. A fan-out now stores each text longer than
	 * BODY_INLINE_MAX once, in bodies, and its deliveries point at it
	 * (their own body empty); shorter texts, replies and the calls an
	 * escalation makes stay in the row. A body lives as long as its alert, whose row keeps the
	 * request and its text anyway; a purged delivery lets go of it.
	 */
	{
	"CREATE TABLE bodies ("
	"  id		INTEGER PRIMARY KEY,"
	"  alert_id	INTEGER NOT NULL REFERENCES alerts (id),"
	"  body		TEXT NOT NULL"
	");"
	"ALTER TABLE deliveries ADD COLUMN body_id INTEGER "
	"  REFERENCES bodies (id);",
	NULL
	},
	/*
	 * 10: deliveries found by alert, then number. An index that led
	 * with the number put each new delivery at a random place among
	 * all the deliveries ever made: at a million, a fan-out dirtied
	 * nearly every page of it and its 202 waited on writing them all
	 * (a circle of 100,000 among 1,000,000 contacts: 3.1 s, 1.5 s with
	 * this order, bench/bigdb). What looked deliveries up by number
	 * alone goes through the alerts now: an answer through the call-
	 * outs still open (alerts_asking, a handful), a contact's erasure
	 * alert by alert and through the replies.
	 */
	{
	"DROP INDEX deliveries_phone_alert;"
	"CREATE INDEX deliveries_alert_phone ON deliveries (alert_id, phone);"
	"CREATE INDEX alerts_asking ON alerts (" ASKING_UNTIL("") ")"
	"  WHERE ack = 1;",
	NULL
	},
	/*
	 * 11: the people an alert reached (alert_totals' 103): numbers
	 * with a delivered SMS, an answered call or an answer. The counts
	 * of states are of deliveries, so a call that escalated a
	 * delivered SMS and was answered counted that person twice, and
	 * the console said "delivered to 5 of 4". Delivered, answered and
	 * an answer are final (NONFINAL), so a person is counted once, by
	 * the first of her deliveries that gets there; the seek for the
	 * others is on deliveries_alert_phone. Only the triggered updates
	 * can get there: a tallied path sets states 0 to 2.
	 */
	{
	"CREATE TRIGGER deliveries_count_reached AFTER UPDATE OF "
	"  count_by_trigger ON deliveries WHEN varsel_counting() "
	"  AND new.alert_id IS NOT NULL "
	"  AND " REACHED("new") " AND NOT " REACHED("old") " "
	"  AND NOT EXISTS (SELECT 1 FROM deliveries o "
	"  WHERE o.alert_id = new.alert_id AND o.phone = new.phone "
	"  AND o.id <> new.id AND " REACHED("o") ") BEGIN "
	"INSERT INTO alert_totals VALUES (new.alert_id, 103, 1) "
	"  ON CONFLICT DO UPDATE SET n = n + 1; END;"
	"INSERT INTO alert_totals SELECT alert_id, 103, count(DISTINCT phone) "
	"  FROM deliveries WHERE alert_id IS NOT NULL AND " REACHED("deliveries")
	"  GROUP BY 1;",
	NULL
	},
	/*
	 * 12: the replies (no alert) leave deliveries_alert_phone and
	 * deliveries_alert_state, which are only ever read for an alert
	 * (alert_id = ?, which implies the new condition): each reply to an
	 * inbound SMS put an entry at a random place in the first, by its
	 * number, and one in the second that its claim took out again.
	 * An inbound SMS: 234,000 -> 216,000 instructions (callgrind).
	 * And its count per keyword is tallied, not kept by a trigger.
	 * alerts.uncallable: the people an alert that escalates texts but
	 * cannot call.
	 */
	{
	"DROP INDEX deliveries_alert_phone;"
	"CREATE INDEX deliveries_alert_phone ON deliveries (alert_id, phone)"
	"  WHERE alert_id IS NOT NULL;"
	"DROP INDEX deliveries_alert_state;"
	"CREATE INDEX deliveries_alert_state ON deliveries (alert_id, state)"
	"  WHERE alert_id IS NOT NULL AND " ALERT_STATE_INDEXED ";"
	/* Inbound SMS are counted by tally (store_inbound_insert). */
	"DROP TRIGGER inbound_count_insert;"
	/* Those an escalation cannot call (fanout.c, uncallable). */
	"ALTER TABLE alerts ADD COLUMN uncallable INTEGER NOT NULL "
	"  DEFAULT 0;",
	NULL
	},
};

#define SCHEMA_VERSION	((int)nitems(migrations))

/* The statements of this file. */
static const struct store_sql schema_sql[] = {
	{ ST_BEGIN, "BEGIN IMMEDIATE" },
	{ ST_COMMIT, "COMMIT" },
	{ ST_ROLLBACK, "ROLLBACK" },
	{ ST_SAVEPOINT, "SAVEPOINT store" },
	{ ST_RELEASE, "RELEASE store" },
	{ ST_ROLLBACK_TO, "ROLLBACK TO store" },
	{ ST_PING, "SELECT count(*) FROM meta" },
	{ ST_PROBE, "INSERT INTO meta (key, value) VALUES ('probe', ?1) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value" },
	{ ST_NSTMTS, NULL }
};

/* Every file's statements, prepared at open. */
static const struct store_sql *const sql_tables[] = {
	schema_sql,
	store_contacts_sql,
	store_alerts_sql,
	store_deliveries_sql,
	store_inbound_sql,
	store_events_sql,
	store_purge_sql,
	store_counts_sql,
	store_audit_sql,
};

static int	exec_sql(sqlite3 *, const char *, char *, size_t);
static int	hex_decode(const char *, unsigned char *, size_t);
static int	user_version(sqlite3 *, int *, char *, size_t);
static int	migrate(sqlite3 *, char *, size_t);
static int	load_salt(struct store *, char *, size_t);
static void	sql_phone_hash(sqlite3_context *, int, sqlite3_value **);
static int	prepare_all(struct store *, char *, size_t);
static void	sync_normal(struct store *);
static int	sync_wal(struct store *);

/* ---- opening and migrating ------------------------------------------ */

/* Run SQL without results (pragmas, schema); err gets the reason. */
static int
exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg != NULL ? msg :
		    sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Hex text of exactly 2*len digits into len bytes. */
static int
hex_decode(const char *hex, unsigned char *out, size_t len)
{
	size_t		i;
	unsigned int	b;

	if (hex == NULL || strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

/* The database's PRAGMA user_version. */
static int
user_version(sqlite3 *db, int *v, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	else
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Migration 1: the random salt of opt-out hashes. */
static int
init_salt(sqlite3 *db, char *err, size_t errlen)
{
	unsigned char	 salt[SALT_LEN];
	char		 hex[2 * SALT_LEN + 1];
	sqlite3_stmt	*st;
	int		 rc;

	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		snprintf(err, errlen, "RAND_bytes could not make a salt");
		return -1;
	}
	hex_encode(salt, sizeof(salt), hex);
	explicit_bzero(salt, sizeof(salt));
	if (sqlite3_prepare_v2(db, "INSERT INTO meta (key, value) "
	    "VALUES ('salt', ?1)", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Migration 5: each contact there is counted as added when it was made,
 * by a Varsel that kept no consent record ("before records").
 */
static int
consent_backfill(sqlite3 *db, char *err, size_t errlen)
{
	struct store	 s;
	sqlite3_stmt	*rd = NULL, *wr = NULL;
	char		 hash[65];
	int		 rc = -1, step;

	memset(&s, 0, sizeof(s));
	s.db = db;
	if (load_salt(&s, err, errlen) == -1)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT phone, created_at FROM contacts",
	    -1, &rd, NULL) != SQLITE_OK || sqlite3_prepare_v2(db, "INSERT "
	    "INTO consent (phone_hash, at, event, how) VALUES (?1, ?2, "
	    "'added', 'before records')", -1, &wr, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		goto out;
	}
	while ((step = sqlite3_step(rd)) == SQLITE_ROW) {
		store_phone_hash(&s, (const char *)sqlite3_column_text(rd, 0),
		    hash);
		sqlite3_bind_text(wr, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(wr, 2, sqlite3_column_int64(rd, 1));
		if (sqlite3_step(wr) != SQLITE_DONE) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(wr);
	}
	if (step != SQLITE_DONE)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	else
		rc = 0;
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
	explicit_bzero(s.salt, sizeof(s.salt));
	return rc;
}

/* Apply the migration steps the database has not seen, one txn each. */
static int
migrate(sqlite3 *db, char *err, size_t errlen)
{
	char	why[200], sql[64];
	int	v, step, from = -1;
	int64_t	t0 = mono_ms();

	for (;;) {
		if (exec_sql(db, "BEGIN IMMEDIATE", why, sizeof(why)) == -1) {
			snprintf(err, errlen, "cannot start the schema "
			    "migration: %s", why);
			return -1;
		}
		/* Read inside the lock: another process may have migrated. */
		if (user_version(db, &v, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "cannot read the schema "
			    "version: %s", why);
			goto fail;
		}
		if (v > SCHEMA_VERSION) {
			snprintf(err, errlen, "the database has schema version "
			    "%d, newer than the %d this program knows; use a "
			    "newer varseld", v, SCHEMA_VERSION);
			goto fail;
		}
		if (v < 0) {
			snprintf(err, errlen, "the database has an invalid "
			    "schema version %d", v);
			goto fail;
		}
		if (from == -1)
			from = v;
		if (v == SCHEMA_VERSION) {
			if (exec_sql(db, "COMMIT", err, errlen) == -1)
				return -1;
			/*
			 * An upgrade is worth a line: it cannot be undone
			 * and takes a while on a big file. A new file is
			 * not news (tests and benches make hundreds).
			 */
			if (from > 0 && from < v)
				log_info("evt=schema_migrated from=%d to=%d "
				    "ms=%lld", from, v,
				    (long long)(mono_ms() - t0));
			else if (from == 0)
				log_debug("evt=schema_created version=%d", v);
			return 0;
		}
		if (v == from && from > 0)
			log_info("evt=schema_migrate from=%d to=%d: upgrading "
			    "the database", v, SCHEMA_VERSION);
		step = v + 1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", step);
		if (exec_sql(db, migrations[v].sql, why, sizeof(why)) == -1 ||
		    (migrations[v].fn != NULL &&
		    migrations[v].fn(db, why, sizeof(why)) == -1) ||
		    exec_sql(db, sql, why, sizeof(why)) == -1 ||
		    exec_sql(db, "COMMIT", why, sizeof(why)) == -1) {
			snprintf(err, errlen, "schema migration to version %d "
			    "failed: %s", step, why);
			goto fail;
		}
	}
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Read the opt-out salt from meta. */
static int
load_salt(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta "
	    "WHERE key = 'salt'", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW &&
	    hex_decode((const char *)sqlite3_column_text(st, 0), s->salt,
	    sizeof(s->salt)) == 0)
		rc = 0;
	else
		snprintf(err, errlen, "the database has no valid opt-out "
		    "salt in its meta table");
	sqlite3_finalize(st);
	return rc;
}

/* sha256 hex of salt || phone. */
void
store_phone_hash(struct store *s, const char *phone, char out[65])
{
	unsigned char	buf[SALT_LEN + 64];
	size_t		n = strnlen(phone, 64);

	memcpy(buf, s->salt, SALT_LEN);
	memcpy(buf + SALT_LEN, phone, n);
	sha256_hex(buf, SALT_LEN + n, out);
	explicit_bzero(buf, sizeof(buf));
}

/* SQL varsel_phone_hash(phone): store_phone_hash of a text; NULL for NULL. */
static void
sql_phone_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store		*s = sqlite3_user_data(ctx);
	const unsigned char	*phone;
	char			 hash[65];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if ((phone = sqlite3_value_text(argv[0])) == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	store_phone_hash(s, (const char *)phone, hash);
	sqlite3_result_text(ctx, hash, -1, SQLITE_TRANSIENT);
}

/* Prepare the statements of every file, each id exactly once. */
static int
prepare_all(struct store *s, char *err, size_t errlen)
{
	const struct store_sql	*q;
	size_t			 i;
	int			 id;

	for (i = 0; i < nitems(sql_tables); i++)
		for (q = sql_tables[i]; q->sql != NULL; q++) {
			if ((int)q->id < 0 || q->id >= ST_NSTMTS ||
			    s->st[q->id] != NULL) {
				snprintf(err, errlen, "statement %d: a second "
				    "SQL text", (int)q->id);
				return -1;
			}
			if (sqlite3_prepare_v3(s->db, q->sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &s->st[q->id],
			    NULL) != SQLITE_OK) {
				snprintf(err, errlen, "preparing statement %d: "
				    "%s", (int)q->id, sqlite3_errmsg(s->db));
				return -1;
			}
		}
	for (id = 0; id < ST_NSTMTS; id++)
		if (s->st[id] == NULL) {
			snprintf(err, errlen, "statement %d has no SQL text",
			    id);
			return -1;
		}
	return 0;
}

/*
 * Count each statement SQLite runs (and each trigger program it starts),
 * and with -T sql log each as written (never its values: numbers and
 * texts of people) with how long it ran, in whole ms as SQLite times it.
 */
static int
trace_sql_cb(unsigned int what, void *arg, void *p, void *x)
{
	struct store	*s = arg;
	sqlite3_stmt	*st = p;
	const char	*sql;

	/* Every statement run, triggers' included: for /metrics. */
	if (what == SQLITE_TRACE_STMT) {
		s->statements++;
		return 0;
	}
	sql = sqlite3_sql(st);
	if (what == SQLITE_TRACE_PROFILE)
		/* SQLite measures in whole ms. */
		log_trace(TRACE_SQL, "ms=%lld sql=\"%.160s\"",
		    (long long)(*(sqlite3_int64 *)x / 1000000),
		    sql != NULL ? sql : "");
	return 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store	*s;
	sqlite3_stmt	*st;
	const char	*fn, *mode;
	char		 why[512];

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/*
	 * Nothing here reads SQLite's memory statistics, and keeping them
	 * takes a mutex in every one of its mallocs (about 180 a message).
	 * Only possible before SQLite's first use: later it is refused
	 * (SQLITE_MISUSE), harmlessly.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open: %s", s->db != NULL ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* At start a lock held elsewhere is waited for (a backup, say). */
	sqlite3_busy_timeout(s->db, 10000);
	fn = sqlite3_db_filename(s->db, "main");
	s->is_file = fn != NULL && fn[0] != '\0';

	/* journal_mode answers with the mode now in force. */
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "cannot set WAL mode: %s",
		    sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		goto fail;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (s->is_file && (mode == NULL || strcmp(mode, "wal") != 0)) {
		snprintf(err, errlen, "journal mode is '%s', not wal (a file "
		    "system without shared memory?)", mode != NULL ? mode :
		    "unknown");
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	/*
	 * A fan-out reads contacts and writes deliveries with six indexes:
	 * the default 2 MiB page cache makes every one of those a pread.
	 * 16 MiB, not more: each commit scans the whole cache's hash table
	 * once a b-tree balance has renumbered a page through the pending-
	 * byte page (SQLite 3.40's pcache1Truncate), which at 64 MiB was a
	 * tenth of the daemon's CPU in a fan-out of 100,000, and the cache
	 * is most of what stays resident while deliveries wait. No mmap:
	 * an I/O error on a mapped page is a SIGBUS, not an error code, and
	 * the mapped file counted in RSS (bench/README.md, "page cache").
	 */
	if (exec_sql(s->db, "PRAGMA foreign_keys = ON; "
	    "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384; "
	    "PRAGMA mmap_size = 0; PRAGMA temp_store = MEMORY",
	    why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	/* The counting triggers of schema 6 ask it, migrations too. */
	if (store_counts_register(s, err, errlen) == -1)
		goto fail;
	if (migrate(s->db, why, sizeof(why)) == -1 ||
	    load_salt(s, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	/* Lets SQL match numbers against opt-outs (escalation). */
	if (sqlite3_create_function_v2(s->db, "varsel_phone_hash", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, s,
	    sql_phone_hash, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot register varsel_phone_hash: %s",
		    sqlite3_errmsg(s->db));
		goto fail;
	}
	if (prepare_all(s, err, errlen) == -1)
		goto fail;
	OPTOUTS_STALE(s);
	/* From now on a write waits a few ms at most for another process's
	 * lock; what then fails is kept and tried again (batch.c). */
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT | ((log_tracing &
	    TRACE_SQL) ? SQLITE_TRACE_PROFILE : 0), trace_sql_cb, s);
	return s;
fail:
	store_close(s);
	return NULL;
}

uint64_t
store_statements(const struct store *s)
{
	return s->statements;
}

void
store_busy_timeout(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms > 0 ? ms : STORE_BUSY_MS);
}

int
store_schema_version(void)
{
	return SCHEMA_VERSION;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	store_ckpt_stop(s);
	if (s->db != NULL && !sqlite3_get_autocommit(s->db)) {
		log_warnx("%s: a transaction was still open; rolled back",
		    __func__);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (i = 0; i < ST_NSTMTS; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("%s: %s", __func__, sqlite3_errmsg(s->db));
	explicit_bzero(s->salt, sizeof(s->salt));
	store_tally_free(s);
	free(s->optouts);
	free(s);
}

int64_t
store_change_count(struct store *s)
{
	return (int64_t)sqlite3_total_changes64(s->db);
}

int
store_ping(struct store *s)
{
	int64_t	n;

	if (sqlite3_db_readonly(s->db, "main") == 1) {
		log_warnx("%s: the database is read-only", __func__);
		return -1;
	}
	if (store_scalar(s, ST_PING, &n, __func__) != 0)
		return -1;
	if (s->depth > 0)
		return 0;
	/* Take and drop the write lock: the database is writable. */
	if (store_step_done(s, ST_BEGIN, __func__) == -1)
		return -1;
	if (!store_fault_passing(s->fault))
		return store_step_done(s, ST_ROLLBACK, __func__);
	/*
	 * The last write met a full disk or an I/O error: only a write
	 * tells whether it has passed (a commit that succeeds clears it).
	 */
	sqlite3_bind_int64(s->st[ST_PROBE], 1, now_ms());
	if (store_step_done(s, ST_PROBE, __func__) == -1) {
		store_rollback(s);
		return -1;
	}
	s->depth = 1;
	return store_commit(s);
}

/* ---- transactions --------------------------------------------------- */

/* Put synchronous back to NORMAL after a durable transaction. */
static void
sync_normal(struct store *s)
{
	char	why[256];

	if (!s->sync_full)
		return;
	s->sync_full = false;
	if (exec_sql(s->db, "PRAGMA synchronous = NORMAL", why,
	    sizeof(why)) == -1)
		log_warnx("%s: %s", __func__, why);
}

int
store_begin(struct store *s, bool durable)
{
	char	why[256];

	if (s->depth > 0) {
		if (durable && !s->sync_full)
			s->want_sync = true;
		s->depth++;
		return 0;
	}
	/* synchronous cannot change inside a transaction. */
	if (durable) {
		if (exec_sql(s->db, "PRAGMA synchronous = FULL", why,
		    sizeof(why)) == -1) {
			log_warnx("%s: %s", __func__, why);
			return -1;
		}
		s->sync_full = true;
	}
	if (store_step_done(s, ST_BEGIN, __func__) == -1) {
		sync_normal(s);
		return -1;
	}
	s->depth = 1;
	s->want_sync = false;
	return 0;
}

int
store_commit(struct store *s)
{
	if (s->depth == 0) {
		log_warnx("%s: no transaction is open (rolled back earlier?)",
		    __func__);
		return -1;
	}
	if (--s->depth > 0)
		return 0;
	store_tally_unmark_all(s);
	if (store_tally_flush(s) == -1 ||
	    store_step_done(s, ST_COMMIT, __func__) == -1) {
		OPTOUTS_STALE(s);
		STORE_UNWRITTEN_DISCARD(s);
		if (!sqlite3_get_autocommit(s->db))
			store_step_done(s, ST_ROLLBACK, __func__);
		sync_normal(s);
		s->want_sync = false;
		return -1;
	}
	sync_normal(s);
	s->fault = STORE_FAULT_NONE;
	/*
	 * A durable begin nested in an ordinary transaction: the commit
	 * did not sync the WAL; sync it now. (A checkpoint did before, but
	 * one that can copy nothing, as while the checkpoint thread holds
	 * its lock, syncs nothing either.)
	 */
	if (s->want_sync && s->is_file && sync_wal(s) == -1)
		log_warnx("%s: the WAL could not be synced: the last "
		    "transaction may be lost in a power cut", __func__);
	s->want_sync = false;
	return 0;
}

/* fdatasync the WAL file of the store's connection; 0 or -1. */
static int
sync_wal(struct store *s)
{
	sqlite3_file	*f = NULL;

	if (sqlite3_file_control(s->db, "main",
	    SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK || f == NULL ||
	    f->pMethods == NULL)
		return -1;
	return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) == SQLITE_OK ? 0 :
	    -1;
}

void
store_rollback(struct store *s)
{
	OPTOUTS_STALE(s);
	store_tally_unmark_all(s);
	STORE_UNWRITTEN_DISCARD(s);
	if (!sqlite3_get_autocommit(s->db))
		store_step_done(s, ST_ROLLBACK, __func__);
	s->depth = 0;
	s->want_sync = false;
	sync_normal(s);
}

int
store_savepoint(struct store *s)
{
	enum txn_kind	kind;

	if (s->depth == 0) {
		log_warnx("%s: no transaction is open", __func__);
		return -1;
	}
	return store_txn_enter(s, &kind, __func__);
}

int
store_savepoint_end(struct store *s, bool keep)
{
	int	rc = 0;

	if (s->depth > 0)
		s->depth--;
	if (!keep) {
		OPTOUTS_STALE(s);
		/* Unwritten rows are the savepoint's; the tally goes back
		 * to its copy from the savepoint's start. */
		s->unwritten = 0;
		if (store_step_done(s, ST_ROLLBACK_TO, __func__) == -1)
			rc = -1;
	}
	store_tally_unmark(s, !keep);
	if (store_step_done(s, ST_RELEASE, __func__) == -1)
		rc = -1;
	return rc;
}

/* Open a transaction for a change of several rows, or a savepoint. */
int
store_txn_enter(struct store *s, enum txn_kind *kind, const char *func)
{
	if (s->depth == 0) {
		if (store_step_done(s, ST_BEGIN, func) == -1)
			return -1;
		*kind = TXN_OWN;
	} else {
		/*
		 * What was tallied before must outlive a ROLLBACK TO: a copy
		 * of the tally is kept, or (no memory for one) the tally is
		 * written out, before the savepoint begins.
		 */
		if (store_tally_mark(s) == -1) {
			log_warnx("%s: out of memory", func);
			return -1;
		}
		if (store_step_done(s, ST_SAVEPOINT, func) == -1) {
			store_tally_unmark(s, false);
			return -1;
		}
		*kind = TXN_SAVEPOINT;
	}
	s->depth++;
	return 0;
}

/* Close what store_txn_enter opened: keep the changes if ok, else undo. */
int
store_txn_leave(struct store *s, enum txn_kind kind, bool ok,
    const char *func)
{
	int	rc = ok ? 0 : -1;

	if (kind == TXN_SAVEPOINT)
		return store_savepoint_end(s, ok) == -1 ? -1 : rc;
	if (s->depth > 0)
		s->depth--;
	if (ok && (store_tally_flush(s) == -1 ||
	    store_step_done(s, ST_COMMIT, func) == -1))
		rc = -1;
	if (!sqlite3_get_autocommit(s->db)) {
		OPTOUTS_STALE(s);
		store_step_done(s, ST_ROLLBACK, func);
	}
	store_tally_unmark_all(s);
	if (rc == -1)
		STORE_UNWRITTEN_DISCARD(s);
	return rc;
}
