/*
 * The store: the only state of Varsel, in SQLite. This interface speaks
 * of contacts, alerts and deliveries, never of SQL: the SQL lives in
 * store_*.c only, one file per table (the sections below name them),
 * behind their private store_priv.h. WAL mode; the schema is migrated
 * through PRAGMA user_version; every statement is prepared once at open.
 *
 * Conventions: functions return 0 on success, -1 on a database error
 * (already logged), STORE_NOTFOUND (1) where "no such row" is a normal
 * answer. Times are milliseconds since the epoch. Strings in the structs
 * filled by the store are owned by the struct and released by its
 * _clear() function. Functions that change several rows run inside the
 * caller's transaction if one is open (store_begin), else in their own.
 * A list that passes rows to a callback stops, and returns -1, when the
 * callback returns -1.
 */
#ifndef VARSEL_STORE_H
#define VARSEL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types.h"

#define STORE_NOTFOUND	1
#define STORE_DUPLICATE	2	/* the row exists already (idempotent input) */

struct store;

/* ---- the database, transactions (store_schema.c) -------------------- */

/*
 * What the last failed statement met. A lock held by another process,
 * a full disk or an I/O error pass (store_fault_passing): what failed
 * may succeed later, so keep it and try again. A commit that succeeds
 * clears it.
 */
enum store_fault {
	STORE_FAULT_NONE,
	STORE_FAULT_BUSY,	/* another process holds the write lock */
	STORE_FAULT_FULL,	/* disk full */
	STORE_FAULT_IO,		/* I/O error */
	STORE_FAULT_READONLY,	/* the file or its folder became read-only */
	STORE_FAULT_CORRUPT,	/* the file is damaged */
	STORE_FAULT_OTHER	/* a bug, or a constraint */
};
enum store_fault store_last_fault(const struct store *);
/*
 * How long a write waits for a lock held by another process: a few ms
 * while the loop runs (0 sets that again), longer once at shutdown.
 */
void		 store_busy_timeout(struct store *, int ms);
/* Statements SQLite has run (a trigger's program counts as one more). */
uint64_t	 store_statements(const struct store *);
/*
 * Writes that met a full disk or an I/O error since the store opened,
 * and in last the kind of the latest (a commit does not clear these).
 */
uint64_t	 store_space_faults(const struct store *, enum store_fault *last);
/* Bytes free to varseld where the database is; -1 for ":memory:". */
int64_t		 store_free_bytes(const struct store *);
/* "locked by another process", "disk full", ... */
const char	*store_fault_text(enum store_fault);
bool		 store_fault_passing(enum store_fault);

/*
 * Large checkpoints off the loop (store_ckpt.c): SQLite copies the WAL
 * back into the database inside the commit that takes it past 1,000
 * pages; after this a WAL past 16 MiB (one large transaction) is copied
 * by a thread with a connection of its own instead. -1 with err if the
 * thread cannot start (SQLite's own checkpoints go on then).
 * store_close stops the thread.
 */
int		 store_defer_checkpoints(struct store *, char *err,
		    size_t errlen);
/* Checkpoints that thread has run. */
uint64_t	 store_checkpoints(const struct store *);

/* Open (creating and migrating) the database at path, or ":memory:". */
struct store	*store_open(const char *path, char *err, size_t errlen);
void		 store_close(struct store *);
/* The schema version store_open migrates to (PRAGMA user_version). */
int		 store_schema_version(void);
/*
 * 0 if the database answers and takes the write lock; after a full disk
 * or an I/O error it also writes a row, to see whether that has passed.
 */
int		 store_ping(struct store *);

/*
 * Transactions. store_begin(s, true) makes the commit wait for the disk
 * (synchronous=FULL): used for what is answered 2xx to a client.
 * Nested begins are counted; only the outermost commit commits.
 */
int		 store_begin(struct store *, bool durable);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
/*
 * A savepoint inside the open transaction: store_savepoint_end(s, false)
 * undoes what was done since, and only that; with keep it stays in the
 * transaction. -1 outside a transaction or on a database error.
 */
int		 store_savepoint(struct store *);
int		 store_savepoint_end(struct store *, bool keep);

/* ---- contacts, groups, opt-outs (store_contacts.c) ------------------ */

/*
 * Can the number take SMS? Decided with libphonenumber when the contact is
 * written, so a fan-out to 10,000 people does not classify 10,000 numbers
 * again; rows from before schema 3 (and numbers only ever seen in START)
 * are unknown and are classified when they are sent to.
 */
enum sms_cap {
	SMS_CAP_UNKNOWN = 0,
	SMS_CAP_YES,		/* mobile, or a type that may be mobile */
	SMS_CAP_NO		/* fixed line and the like */
};

struct contact {
	char		 phone[24];	/* E.164 */
	char		*name;		/* may be NULL */
	char		 lang[8];	/* "sv" */
	char		*area;		/* may be NULL */
	bool		 has_pos;
	double		 lat, lon;
	unsigned int	 channels;	/* enum channel bits */
	enum sms_cap	 sms_cap;
	char		**groups;	/* names */
	size_t		 ngroups;
	int64_t		 created_at, updated_at;
};
void	contact_clear(struct contact *);

/*
 * Who changed a contact, for the consent record (store_consent_list):
 * how ("api", "import", "console", "sms"), by whom (a client or user
 * name, or NULL) and a detail (an import file's name), or NULL.
 */
struct consent_by {
	const char	*how;
	const char	*actor;
	const char	*detail;
};

/*
 * Insert or replace by phone; memberships are replaced by c->groups. A
 * new number is recorded as added by by (NULL: not recorded).
 */
int	store_contact_upsert(struct store *, const struct contact *,
	    const struct consent_by *by);
int	store_contact_get(struct store *, const char *phone, struct contact *);
/* Erase the person (recorded as erased by by, unless NULL). */
int	store_contact_delete(struct store *, const char *phone,
	    const struct consent_by *by);

/*
 * Contacts with phone > after (by phone), for export and paging; with q
 * (not NULL), only those whose name, number or a group holds q (any case).
 */
typedef int (*store_contact_cb)(const struct contact *, void *);
int	store_contacts_list(struct store *, const char *q, const char *after,
	    int limit, store_contact_cb, void *);
/*
 * START with an area: make phone a resident of area (create the contact
 * with lang if missing, recorded as added by by; set its area, add it to
 * group). Keeps the rest.
 */
int	store_contact_set_area(struct store *, const char *phone,
	    const char *area, const char *group, const char *lang,
	    int64_t now, const struct consent_by *by);

typedef void (*store_group_cb)(const char *name, int64_t members, void *);
int	store_groups_list(struct store *, store_group_cb, void *);
/* 0 if the group has a row, STORE_NOTFOUND if not. */
int	store_group_exists(struct store *, const char *name);

/* A person an alert may reach. */
struct recipient {
	const char	*phone;		/* E.164 */
	const char	*lang;
	unsigned int	 channels;	/* enum channel bits it allows */
	enum sms_cap	 sms_cap;
};
typedef int (*store_recipient_cb)(const struct recipient *, void *);
/* Every contact in group; stops early if cb returns -1. */
int	store_group_members(struct store *, const char *group,
	    store_recipient_cb, void *);
/* Every contact whose area is area (a postnummer or area id). */
int	store_area_members(struct store *, const char *area,
	    store_recipient_cb, void *);
/* The contact's language and channels, if the number is a contact. */
int	store_contact_recipient(struct store *, const char *phone,
	    char lang[8], unsigned int *channels, enum sms_cap *);

/* Contacts with coordinates inside the box, with their position. */
typedef int (*store_geo_cb)(const struct recipient *, double lat, double lon,
	    void *);
int	store_contacts_in_box(struct store *, double lat_min, double lat_max,
	    double lon_min, double lon_max, store_geo_cb, void *);
/* Contacts of area that have no coordinates of their own. */
int	store_area_members_nopos(struct store *, const char *area,
	    store_recipient_cb, void *);

/* Opt-outs are kept as a salted hash of the number. */
int	store_optout_add(struct store *, const char *phone, const char *channel,
	    int64_t at);
int	store_optout_remove(struct store *, const char *phone, int64_t at);
/* true if the number has opted out. */
bool	store_optout_has(struct store *, const char *phone);

/*
 * The consent record of a number, kept as the salted hash of the number
 * so it outlives the contact: added (how, by whom), opted out (STOPP),
 * opted in (START), erased. Oldest first.
 */
struct consent_event {
	int64_t		 at;
	const char	*event;		/* added, opted_out, opted_in, erased */
	const char	*how;
	const char	*actor;		/* may be NULL */
	const char	*detail;	/* may be NULL */
};
typedef int (*store_consent_cb)(const struct consent_event *, void *);
int	store_consent_add(struct store *, const char *phone, const char *event,
	    const struct consent_by *, int64_t at);
/* Every event of phone; STORE_NOTFOUND if there is none. */
int	store_consent_list(struct store *, const char *phone, store_consent_cb,
	    void *);

/* ---- alerts (store_alerts.c) ---------------------------------------- */

struct alert_row {
	int64_t		 id;
	char		*client;
	char		*source_ref;
	char		*body_hash;	/* sha256 hex of the request body */
	char		*type;
	int		 severity;	/* enum severity */
	char		*template;	/* NULL for free text */
	char		*lang;
	bool		 ack;
	char		*callback_url;
	int64_t		 created_at;
	int64_t		 expires_at;	/* 0: never */
	int		 recipients;
	int		 suppressed;
	int		 segments;
	char		*encoding;
	char		*response;	/* the 202 body, for replays */
	/* Schema v2. */
	int64_t		 escalate_after_s; /* 0: no escalation to a call */
	char		*status;	/* "actual", "test", "exercise" */
	/* Schema v5: the gate (types.h), call-outs and chains. */
	int		 gate;		/* enum alert_gate */
	int64_t		 release_at;	/* the gate opens by itself (0: by
					   hand only) */
	int64_t		 released_at;	/* it opened (created_at if never
					   gated); 0 while gated */
	int64_t		 cancelled_at;	/* cancelled before its release */
	int64_t		 expires_in_s;	/* the life from release (0: none) */
	char		*request;	/* scheduled: the request as posted,
					   fanned out at release */
	int		 people;	/* numbers reached */
	int		 uncallable;	/* of them, refusing the calls of an
					   escalation (schema 12) */
	int		 need;		/* JA that are enough (0: no limit) */
	int64_t		 filled_at;	/* when need was reached */
	char		*chain;		/* JSON array of the audiences still
					   to ask, or NULL */
	int64_t		 chain_after_s;	/* between the steps of the chain */
	int64_t		 chain_next_at;	/* the next step is due (0: none) */
	int		 step;		/* the step asked last (0: first) */
	char		*error;		/* why a release or step failed */
	bool		 esc_done;	/* nothing is left to escalate (read
					   only: the escalation sweep sets it) */
	/* Schema v6. */
	bool		 by_user;	/* client names a console user */
	char		*text;		/* in the request's language, or NULL */
};
void	alert_row_clear(struct alert_row *);

struct alert_counts {
	int64_t		 state[DS_NSTATES];
	int64_t		 acks_yes, acks_no;
	int64_t		 in_doubt;
	int64_t		 reached;	/* people: delivered, answered, or
					   an answer from them */
};

/* Insert; sets a->id. Fails with -1 on a duplicate (client, source_ref). */
int	store_alert_insert(struct store *, struct alert_row *);
int	store_alert_set_response(struct store *, int64_t id, const char *json);
/*
 * Record what fan-out found: recipients (deliveries), suppressed, worst
 * segments, people (numbers reached).
 */
int	store_alert_set_summary(struct store *, int64_t id, int recipients,
	    int suppressed, int segments, const char *encoding, int people);
/*
 * The people an alert that escalates texts but cannot call (contacts
 * without voice): set (step 0), or added (a later step).
 */
int	store_alert_set_uncallable(struct store *, int64_t id, int n,
	    bool add);
int	store_alert_get(struct store *, int64_t id, struct alert_row *);
int	store_alert_find_ref(struct store *, const char *client,
	    const char *source_ref, struct alert_row *);
int	store_alert_counts(struct store *, int64_t id, struct alert_counts *);
typedef int (*store_alert_cb)(const struct alert_row *, void *);
/* Newest first. */
int	store_alerts_list(struct store *, int limit, store_alert_cb, void *);
/*
 * Cancel the alert: its queued and held deliveries become cancelled (*n
 * is how many), its chain and escalation stop, and a gated alert is
 * never released (cancelled_at).
 */
int	store_alert_cancel(struct store *, int64_t id, int64_t now, int *n);

/*
 * The gate (enum alert_gate, types.h). An alert inserted with a gate
 * other than GATE_OPEN is held behind it: its deliveries are inserted
 * DS_HELD (or, scheduled, not made yet) and the dispatcher never claims
 * them. store_alert_release opens the gate: the alert becomes open
 * (released_at = now), its expiry counts from now (expires_in_s), its
 * held deliveries become queued and due now, its step 0 starts now.
 * *n is how many deliveries it queued. STORE_NOTFOUND if the alert is
 * not gated (released already, or cancelled). Gates with a release_at
 * open by themselves (callouts.c, store_alerts_releasable); one without
 * (a console's "awaiting approval") only when someone releases it.
 *
 * Adding a gate is: its number and name in types.h, its insert (gate,
 * release_at 0) in fan-out, and a call of store_alert_release where it
 * opens.
 */
int	store_alert_release(struct store *, int64_t id, int64_t now, int *n);
/*
 * Put an alert that was fanned out open (or held for quiet hours)
 * behind gate after all (the console's approval, decided once its
 * recipients are counted): its queued deliveries become DS_HELD, its
 * expiry and step 0 wait for the release like those of an alert
 * inserted gated.
 */
int	store_alert_hold(struct store *, int64_t id, int gate);
/* Gated alerts whose release_at has come, oldest first, up to limit. */
int	store_alerts_releasable(struct store *, int64_t now, int limit,
	    store_alert_cb, void *);
/* Alerts whose next chain step is due (chain_next_at <= now). */
int	store_alerts_chain_due(struct store *, int64_t now, int limit,
	    store_alert_cb, void *);
/*
 * A step of an alert's call-out chain was asked: step is now step, the
 * audiences still to ask are chain (JSON, NULL: none), the next is due
 * at next_at (0: none); the counts grow by what the step added.
 */
int	store_alert_step(struct store *, int64_t id, int step,
	    const char *chain, int64_t next_at, int recipients, int suppressed,
	    int people);
/* Record why an alert's release or step failed (it goes on without). */
int	store_alert_set_error(struct store *, int64_t id, const char *error);
/*
 * The alert has enough JA (its need): filled_at = now, its queued and
 * held deliveries are cancelled (*n), its chain and escalations stop.
 * STORE_NOTFOUND if it was filled already.
 */
int	store_alert_fill(struct store *, int64_t id, int64_t now, int *n);
/* 0 if the alert has a delivery to phone, STORE_NOTFOUND if not. */
int	store_alert_has_phone(struct store *, int64_t id, const char *phone);

/* One step of an alert: who was asked, and when. */
struct alert_step {
	int		 step;
	int64_t		 started_at;	/* 0: not yet (a gated alert) */
	int		 recipients;
	int		 people;
	const char	*audience;	/* JSON, or NULL (the alert's own) */
};
int	store_alert_step_insert(struct store *, int64_t alert_id,
	    const struct alert_step *);
/*
 * The text of the alert for channel in lang, kept for later (what a call
 * that escalates an SMS says). _get: *text is a new string; 0,
 * STORE_NOTFOUND or -1.
 */
int	store_alert_text_put(struct store *, int64_t alert_id,
	    const char *lang, int channel, const char *text);
int	store_alert_text_get(struct store *, int64_t alert_id,
	    const char *lang, int channel, char **text);
typedef int (*store_step_cb)(const struct alert_step *, void *);
int	store_alert_steps(struct store *, int64_t alert_id, store_step_cb,
	    void *);
/* Queued deliveries of alerts past their expiry become expired. */
int	store_expire_due(struct store *, int64_t now, int *n);

/* Alerts with a callback_url whose alert.done was not sent yet. */
int	store_alerts_watched(struct store *, store_alert_cb, void *);
/*
 * Remember what was last reported for an alert: the time and a digest
 * of the counts of the last alert.progress, and done once alert.done is
 * queued (the alert then leaves store_alerts_watched).
 */
int	store_alert_set_watch(struct store *, int64_t id, int64_t progress_at,
	    const char *digest, bool done);
/* The digest and time last set; "" and 0 if none. */
int	store_alert_get_watch(struct store *, int64_t id, char digest[65],
	    int64_t *progress_at);

/* ---- deliveries (store_deliveries.c) -------------------------------- */

struct delivery {
	int64_t		 id;
	int64_t		 alert_id;	/* 0 for replies not tied to an alert */
	char		 phone[24];
	int		 channel;	/* enum channel */
	char		 lang[8];
	char		*body;		/* the text to send */
	int		 state;		/* enum dstate */
	char		*reason;	/* why suppressed, or NULL */
	int		 priority;
	int		 segments;
	int		 attempts;
	int64_t		 next_at;
	int64_t		 expires_at;	/* 0: never */
	char		 provider[64];	/* last provider used, or "" */
	char		 provider_ref[96];
	bool		 in_doubt;
	char		*error;
	int		 ack;		/* 0 none, 1 yes, -1 no */
	int64_t		 created_at, updated_at;
	/* Schema v2. */
	char		 kind[32];	/* replies: "reply-trygg", ...; "" for
					   alert deliveries */
	int64_t		 parent_id;	/* the SMS this call escalates */
	char		 sender[64];	/* send from this number ("" = the
					   provider's from): replies */
	char		 pin[64];	/* only this provider ("" = any):
					   replies go out where the SMS
					   came in */
	int64_t		 inbound_id;	/* the inbound SMS a reply answers */
	/* Schema v5. */
	int		 step;		/* of the alert's chain (0: first) */
	/* Schema v9. */
	int64_t		 body_id;	/* insert: body is the alert's text
					   stored as this (store_body_insert);
					   0: body goes in the row */
};
void	delivery_clear(struct delivery *);

/* Insert d (state, phone, body, ...); sets d->id. */
int	store_delivery_insert(struct store *, struct delivery *);
/*
 * Insert d with the next ones, many rows to a statement (a fan-out's):
 * d's strings are copied, d->id is not set. Inside a transaction the
 * rows reach the table when enough have come, before the store runs any
 * other statement, or at store_delivery_write; an undone transaction
 * forgets them with the rest. Outside one, store_delivery_insert.
 */
int	store_delivery_add(struct store *, struct delivery *);
/* Write what store_delivery_add holds now. */
int	store_delivery_write(struct store *);
/*
 * Store the text body of an alert once, for its deliveries' body_id;
 * sets *id. Inside the transaction that inserts them.
 */
int	store_body_insert(struct store *, int64_t alert_id, const char *body,
	    int64_t *id);
int	store_delivery_get(struct store *, int64_t id, struct delivery *);

typedef int (*store_delivery_cb)(const struct delivery *, void *);
/*
 * Claim up to limit queued deliveries with next_at <= now, by priority
 * then id: each becomes sending with attempts + 1 and is passed to cb.
 */
int	store_claim_due(struct store *, int64_t now, int limit,
	    store_delivery_cb, void *);
/* Earliest next_at of a queued delivery; STORE_NOTFOUND if none. */
int	store_next_due(struct store *, int64_t *next_at);
/* Queued deliveries with priority <= prio (the queue ahead of an alert). */
int	store_queue_depth(struct store *, int prio, int64_t *segments);

/*
 * State changes; each a single UPDATE. The SMS or call was accepted by
 * provider as ref: alert_id (0 none) and channel are the claimed row's,
 * which spare the triggers when they are right, and cost nothing more
 * when they are not.
 */
int	store_delivery_sent(struct store *, int64_t id, int64_t alert_id,
	    int channel, const char *provider, const char *ref, int64_t now);
int	store_delivery_retry(struct store *, int64_t id, int64_t next_at,
	    const char *error, int64_t now);
int	store_delivery_finish(struct store *, int64_t id, enum dstate,
	    const char *error, int64_t now);
/* A claimed delivery that was not tried goes back to queued at next_at,
 * its attempt not counted. */
int	store_delivery_release(struct store *, int64_t id, int64_t next_at,
	    int64_t now);
/*
 * A delivery report: find the delivery by (provider, ref) and move it
 * to state unless it is already final. *id gets the delivery id.
 * STORE_NOTFOUND for an unknown reference.
 */
int	store_delivery_report(struct store *, const char *provider,
	    const char *ref, enum dstate, const char *error, int64_t now,
	    int64_t *id);
/* After a crash: sending -> queued with in_doubt = 1; *n is how many. */
int	store_requeue_sending(struct store *, int64_t now, int *n);

/* One row of the per-attempt log. */
struct attempt {
	int64_t		 delivery_id;
	int64_t		 at;
	const char	*provider;
	int		 http_status;	/* 0: no HTTP answer */
	const char	*result;	/* "ok", "tempfail", "permfail" */
	const char	*error;		/* may be NULL */
	int		 duration_ms;
};
int	store_attempt_log(struct store *, const struct attempt *);

/*
 * Deliveries of an alert with id > after, by id, at most limit; state -1
 * for all. A state on the way to delivered (sending, sent, delivered,
 * ringing, answered) has no index by alert: at most 5,000 rows of the
 * alert are read (PASSING_READ), and when that ends the page early
 * *resume (if not NULL) is the id to go on after; else it is 0.
 */
int	store_deliveries_list(struct store *, int64_t alert_id, int state,
	    int64_t after, int limit, int64_t *resume, store_delivery_cb,
	    void *);

/*
 * Move a delivery that is not final to state (voice: ringing, answered,
 * no_answer, busy; or any final state). STORE_NOTFOUND if it is already
 * final or unknown.
 */
int	store_delivery_progress(struct store *, int64_t id, enum dstate,
	    const char *error, int64_t now);

/* The delivery with the provider's reference; STORE_NOTFOUND if none. */
int	store_delivery_find_ref(struct store *, const char *provider,
	    const char *ref, int64_t *id);
/* Mark a delivery in doubt (an attempt's outcome is unknown). */
int	store_delivery_mark_doubt(struct store *, int64_t id, int64_t now);

/*
 * The answers to an alert after (at, id) in the order they came (by the
 * time their delivery last changed), with the contact's name when the
 * number is a contact (else NULL), up to limit.
 */
struct answer_row {
	int64_t		 delivery_id;
	const char	*phone;
	const char	*name;		/* NULL: not a contact */
	int		 ack;		/* 1 yes, -1 no */
	int		 channel;
	int64_t		 at;
};
typedef int (*store_answer_cb)(const struct answer_row *, void *);
int	store_alert_answers(struct store *, int64_t alert_id, int64_t after_at,
	    int64_t after_id, int limit, store_answer_cb, void *);

/* Record the answer (1 yes, -1 no) on the delivery; STORE_NOTFOUND if
 * there is no such delivery. */
int	store_delivery_set_ack(struct store *, int64_t delivery_id, int ack,
	    int64_t now);

/*
 * SMS deliveries due for a call: their alert has escalate_after_s, is
 * open, not filled and not expired, and their step began (alert_steps;
 * before schema 5: the alert's created_at) escalate_after_s ago or
 * more; they have no answer and no delivery report (queued, sending or
 * sent) or, when the alert asks for an answer (ack), a report of
 * delivered too (the volunteer got the SMS and stayed silent); their
 * number has no call of this alert yet (one call per recipient and
 * alert), allows voice (a contact with the voice channel, or not a
 * contact) and has not opted out. Up to limit, to cb, which may insert
 * the calls. Alerts with nothing left to escalate leave the scan.
 */
int	store_escalation_due(struct store *, int64_t now, int limit,
	    store_delivery_cb, void *);
/*
 * The number answered the alert: its escalation calls not placed yet
 * are cancelled (*n). 0 or -1.
 */
int	store_escalation_cancel(struct store *, int64_t alert_id,
	    const char *phone, int64_t now, int *n);

/* Totals by provider, channel and state, for /metrics. */
typedef void (*store_total_cb)(const char *provider, int channel, int state,
	    int64_t n, void *);
int	store_delivery_totals(struct store *, store_total_cb, void *);

/* ---- inbound SMS, replies, answers (store_inbound.c) ---------------- */

struct inbound_row {
	int64_t		 id;		/* set by insert */
	const char	*provider;
	const char	*provider_id;	/* the provider's message id */
	const char	*from;		/* E.164, or as given if not one */
	const char	*to;		/* our number */
	const char	*text;
	const char	*keyword;	/* keyword_name() it parsed as */
	int64_t		 received_at;
};
/*
 * Store an inbound SMS; sets in->id. STORE_DUPLICATE if (provider,
 * provider_id) was stored before (providers retry callbacks); in->id is
 * then the first one's id. A NULL or "" provider_id is never a duplicate.
 */
int	store_inbound_insert(struct store *, struct inbound_row *);
/* Replies (deliveries with a kind) to phone created since since; kind
 * NULL counts every kind. */
int	store_replies_count(struct store *, const char *phone, const char *kind,
	    int64_t since, int64_t *n);
/* The newest replies to phone, newest first. */
int	store_replies_list(struct store *, const char *phone, int limit,
	    store_delivery_cb, void *);
/* Inbound SMS by keyword since the start, for /metrics. */
typedef void (*store_count_cb)(const char *name, int64_t n, void *);
int	store_inbound_totals(struct store *, store_count_cb, void *);

/*
 * The inbox: inbound SMS that were no keyword (a resident writing "det
 * brinner vid skolan"), newest first: id > after (0: any) and id <
 * before (0: any), up to limit, with the sender's name if a contact and
 * how many replies were sent to it from the console.
 */
struct inbox_row {
	int64_t		 id;
	const char	*provider;
	const char	*from;		/* E.164, or "erased" */
	const char	*to;		/* our number, or NULL */
	const char	*text;
	const char	*name;		/* NULL: not a contact */
	int64_t		 received_at;
	int64_t		 replies;
};
typedef int (*store_inbox_cb)(const struct inbox_row *, void *);
int	store_inbox_list(struct store *, int64_t after, int64_t before,
	    int limit, store_inbox_cb, void *);
/* One inbound SMS by id (any keyword) to cb; STORE_NOTFOUND if none. */
int	store_inbound_get(struct store *, int64_t id, store_inbox_cb, void *);

/*
 * The delivery an answer from phone belongs to: of alerts with ack = 1
 * not expired at now, the newest (or alert_id if not 0) that was sent to
 * phone (state sent, delivered, answered or ringing). Sets *delivery_id
 * and *alert_out; STORE_NOTFOUND if there is none.
 */
int	store_ack_target(struct store *, const char *phone, int64_t alert_id,
	    int64_t now, int64_t *delivery_id, int64_t *alert_out);

/* ---- events to source systems (store_events.c) ---------------------- */

struct callback_row {
	int64_t		 id;
	int64_t		 alert_id;
	char		*client;	/* whose hmac_secret signs it */
	char		*url;
	char		*event;		/* ack, alert.progress, alert.done */
	char		*body;		/* JSON */
	int		 attempts;
	int64_t		 next_at;
	char		*error;
};
void	callback_row_clear(struct callback_row *);
int	store_callback_enqueue(struct store *, int64_t alert_id,
	    const char *client, const char *url, const char *event,
	    const char *body, int64_t now);
typedef int (*store_callback_cb)(const struct callback_row *, void *);
/*
 * Claim up to limit due callbacks: each gets attempts + 1 and next_at =
 * now + lease_ms (so a crash retries it) before cb sees it.
 */
int	store_callback_claim(struct store *, int64_t now, int64_t lease_ms,
	    int limit, store_callback_cb, void *);
/* Sent or given up: never claimed again; the row is deleted a day later. */
int	store_callback_done(struct store *, int64_t id, int64_t now);
int	store_callback_retry(struct store *, int64_t id, int64_t next_at,
	    const char *error);
/* Earliest next_at of a pending callback; STORE_NOTFOUND if none. */
int	store_callback_next_due(struct store *, int64_t *next_at);

/* ---- the audit trail (store_audit.c) --------------------------------- */

/*
 * One change, who made it and from where. Rows are only ever added: no
 * function changes or deletes one, and triggers refuse UPDATE and
 * DELETE on the table whoever asks. A number is kept masked and as a
 * salted hash (to find a contact's rows), never in the clear, so an
 * erased person leaves no number behind.
 */
struct audit_entry {
	int64_t		 id;		/* set by append */
	int64_t		 at;
	const char	*actor_kind;	/* "client", "user", "operator",
					   "system" */
	const char	*actor;		/* the client's or user's name */
	const char	*addr;		/* the client address, or NULL */
	const char	*via;		/* "api", "console", "varselctl",
					   "config" */
	const char	*action;	/* "alert.posted", "contact.erased" */
	int64_t		 alert_id;	/* 0: none */
	const char	*contact;	/* append: E.164 or NULL; list: the
					   masked number or NULL */
	const char	*detail;	/* JSON object text, or NULL */
};
int	store_audit_append(struct store *, struct audit_entry *);

/* What store_audit_list reads: 0 means "any" for the numbers. */
struct audit_query {
	int64_t		 after;		/* id > after */
	int64_t		 before;	/* id < before */
	int64_t		 alert_id;
	const char	*contact;	/* E.164: that number's rows */
	int		 limit;
};
typedef int (*store_audit_cb)(const struct audit_entry *, void *);
/* Matching rows, newest first. */
int	store_audit_list(struct store *, const struct audit_query *,
	    store_audit_cb, void *);

/*
 * Changes this connection has written since it was opened (SQLite's
 * total_changes): a number that moves whenever anything was written,
 * so a watcher can skip reading when nothing did.
 */
int64_t	store_change_count(struct store *);

/* ---- personal data (store_purge.c) ---------------------------------- */

/*
 * Strip numbers and texts from deliveries (and inbound SMS) of alerts
 * created before before; counts stay. *n is the deliveries purged.
 * Replies and inbound SMS go by their own time; attempt errors of
 * purged deliveries and sent callbacks from before go too.
 */
int	store_purge(struct store *, int64_t before, int64_t *n);
/*
 * One batch of the daily erasure: numbers and texts of up to limit
 * deliveries (and as many inbound SMS) created before before, past the
 * last batch (a cursor kept in the database), that are no longer being
 * sent. *deliveries and *inbound get how many were erased, *more
 * whether older rows remain.
 */
int	store_retention_batch(struct store *, int64_t before, int limit,
	    int64_t *deliveries, int64_t *inbound, bool *more);

#endif
