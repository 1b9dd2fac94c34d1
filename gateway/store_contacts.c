/*
 * Contacts in the store: the people alerts reach (table contacts), their
 * groups (groups, memberships), who is in a group, an area or a map box,
 * what a number allows (language, channels, SMS or not), and opt-outs
 * (optouts and its log optout_log), kept as salted hashes of the number.
 * Deleting a contact erases its number from old deliveries and inbound
 * SMS too. The consent record (table consent, and the opt-out log):
 * when and how a number was added, opted out and in, and erased, kept
 * by hash so it outlives the contact.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"

#define CONTACT_COLS \
	"id, phone, name, lang, area, lat, lon, channels, created_at, " \
	"updated_at, sms_cap"

static int	group_id(struct store *, const char *, bool, int64_t *,
		    const char *);
static int	membership_add(struct store *, const char *, int64_t,
		    const char *);
static int	read_contact(sqlite3_stmt *, struct contact *, int64_t *);
static int	contact_row(sqlite3_stmt *, void *);
static int	group_name_row(sqlite3_stmt *, void *);
static int	read_groups(struct store *, int64_t, struct contact *,
		    const char *);
static enum sms_cap col_sms_cap(sqlite3_stmt *, int);
static int	recipient_row(sqlite3_stmt *, void *);
static int	members(struct store *, enum stmt_id, const char *,
		    store_recipient_cb, void *, const char *);
static int	upserted_row(sqlite3_stmt *, void *);
static int	consent_row(sqlite3_stmt *, void *);

/* The statements of this file, prepared by store_open. */
const struct store_sql store_contacts_sql[] = {
	{ ST_CONTACT_UPSERT,
	    "INSERT INTO contacts (phone, name, lang, area, lat, lon, "
	    "channels, created_at, updated_at, sms_cap) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	    "ON CONFLICT (phone) DO UPDATE SET name = excluded.name, "
	    "lang = excluded.lang, area = excluded.area, lat = excluded.lat, "
	    "lon = excluded.lon, channels = excluded.channels, "
	    "updated_at = excluded.updated_at, sms_cap = excluded.sms_cap "
	    "RETURNING id" },
	{ ST_MEMBERSHIPS_CLEAR,
	    "DELETE FROM memberships WHERE contact_id = ?1" },
	{ ST_MEMBERSHIP_ADD,
	    "INSERT OR IGNORE INTO memberships (group_id, contact_id) "
	    "VALUES (?1, ?2)" },
	{ ST_GROUP_ID, "SELECT id FROM groups WHERE name = ?1" },
	{ ST_GROUP_ADD, "INSERT INTO groups (name) VALUES (?1)" },
	{ ST_CONTACT_GET,
	    "SELECT " CONTACT_COLS " FROM contacts WHERE phone = ?1" },
	{ ST_CONTACT_GROUPS,
	    "SELECT g.name FROM memberships m JOIN groups g "
	    "ON g.id = m.group_id WHERE m.contact_id = ?1 ORDER BY g.name" },
	{ ST_CONTACT_DELETE, "DELETE FROM contacts WHERE phone = ?1" },
	{ ST_DELIVERIES_ERASE,
	    "UPDATE deliveries SET phone = 'erased' WHERE id IN ("
	    /* Alert by alert: a seek each. */
	    "SELECT d.id FROM alerts a CROSS JOIN deliveries d "
	    "INDEXED BY deliveries_alert_phone "
	    "WHERE d.alert_id = a.id AND d.phone = ?1 "
	    /* And the replies, which belong to no alert. */
	    "UNION ALL SELECT id FROM deliveries INDEXED BY deliveries_alert "
	    "WHERE alert_id IS NULL AND phone = ?1)" },
	{ ST_INBOUND_ERASE,
	    "UPDATE inbound SET text = '', from_phone = 'erased' "
	    "WHERE from_phone = ?1" },
	{ ST_CONTACTS_LIST,
	    "SELECT " CONTACT_COLS " FROM contacts WHERE phone > ?1 "
	    "ORDER BY phone LIMIT ?2" },
	{ ST_CONTACTS_SEARCH,
	    "SELECT " CONTACT_COLS " FROM contacts WHERE phone > ?1 "
	    "AND (name LIKE ?3 ESCAPE '\\' OR phone LIKE ?3 ESCAPE '\\' "
	    "OR id IN (SELECT m.contact_id FROM memberships m "
	    "JOIN groups g ON g.id = m.group_id "
	    "WHERE g.name LIKE ?3 ESCAPE '\\')) "
	    "ORDER BY phone LIMIT ?2" },
	{ ST_SET_AREA,
	    "INSERT INTO contacts (phone, lang, area, channels, created_at, "
	    "updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?4) "
	    "ON CONFLICT (phone) DO UPDATE SET area = excluded.area, "
	    "updated_at = excluded.updated_at RETURNING id" },
	{ ST_GROUPS_LIST,
	    "SELECT g.name, (SELECT count(*) FROM memberships m "
	    "WHERE m.group_id = g.id) FROM groups g ORDER BY g.name" },
	{ ST_GROUP_MEMBERS,
	    "SELECT c.phone, c.lang, c.channels, c.sms_cap FROM groups g "
	    "JOIN memberships m ON m.group_id = g.id "
	    "JOIN contacts c ON c.id = m.contact_id WHERE g.name = ?1" },
	/*
	 * An area's and a box's contacts by number: a fan-out writes its
	 * deliveries in the order it reads them, and deliveries_alert_phone
	 * (alert_id, phone) then appends instead of landing at random
	 * (bench/rowcost --ordered: 5.5 against 7.9 µs a row; a circle of
	 * 100,000 in 1,000,000: about a fifth faster, sort included). A
	 * group's members come as they joined; a group of a million sorted
	 * first was slower.
	 */
	{ ST_AREA_MEMBERS,
	    "SELECT phone, lang, channels, sms_cap FROM contacts "
	    "WHERE area = ?1 ORDER BY phone" },
	{ ST_AREA_NOPOS,
	    "SELECT phone, lang, channels, sms_cap FROM contacts "
	    "WHERE area = ?1 "
	    "AND (lat IS NULL OR lon IS NULL) ORDER BY phone" },
	{ ST_IN_BOX,
	    "SELECT phone, lang, channels, sms_cap, lat, lon FROM contacts "
	    "WHERE lat BETWEEN ?1 AND ?2 AND lon BETWEEN ?3 AND ?4 "
	    "AND lon IS NOT NULL ORDER BY phone" },
	{ ST_CONTACT_RECIPIENT,
	    "SELECT lang, channels, sms_cap FROM contacts WHERE phone = ?1" },
	{ ST_OPTOUT_ADD,
	    "INSERT INTO optouts (phone_hash, channel, created_at) "
	    "VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (phone_hash) DO UPDATE SET channel = excluded.channel"
	},
	{ ST_OPTOUT_LOG,
	    "INSERT INTO optout_log (phone_hash, action, channel, at) "
	    "VALUES (?1, ?2, ?3, ?4)" },
	{ ST_OPTOUT_DEL, "DELETE FROM optouts WHERE phone_hash = ?1" },
	{ ST_OPTOUTS_ALL,
	    "SELECT phone_hash FROM optouts ORDER BY phone_hash" },
	{ ST_CONSENT_ADD,
	    "INSERT INTO consent (phone_hash, at, event, how, actor, detail) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)" },
	/* STOPP and START are in the opt-out log already. */
	{ ST_CONSENT_LIST,
	    "SELECT at, event, how, actor, detail FROM ("
	    "SELECT at, 0 AS o, id, event, how, actor, detail FROM consent "
	    "WHERE phone_hash = ?1 UNION ALL "
	    "SELECT at, 1, id, CASE action WHEN 'stop' THEN 'opted_out' "
	    "ELSE 'opted_in' END, 'sms', NULL, CASE action WHEN 'stop' "
	    "THEN 'STOPP' ELSE 'START' END FROM optout_log "
	    "WHERE phone_hash = ?1) ORDER BY at, o, id" },
	{ ST_NSTMTS, NULL }
};

/* ---- contacts ------------------------------------------------------- */

void
contact_clear(struct contact *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->name);
	free(c->area);
	for (i = 0; i < c->ngroups; i++)
		free(c->groups[i]);
	free(c->groups);
	memset(c, 0, sizeof(*c));
}

/* The id of a group, creating it if create; STORE_NOTFOUND otherwise. */
static int
group_id(struct store *s, const char *name, bool create, int64_t *id,
    const char *func)
{
	int	rc;

	bind_text(s->st[ST_GROUP_ID], 1, name);
	if ((rc = store_scalar(s, ST_GROUP_ID, id, func)) != STORE_NOTFOUND ||
	    !create)
		return rc;
	bind_text(s->st[ST_GROUP_ADD], 1, name);
	if (store_step_done(s, ST_GROUP_ADD, func) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Make the contact cid a member of group, creating the group if new. */
static int
membership_add(struct store *s, const char *group, int64_t cid,
    const char *func)
{
	int64_t	gid;

	if (group_id(s, group, true, &gid, func) != 0)
		return -1;
	sqlite3_bind_int64(s->st[ST_MEMBERSHIP_ADD], 1, gid);
	sqlite3_bind_int64(s->st[ST_MEMBERSHIP_ADD], 2, cid);
	return store_step_done(s, ST_MEMBERSHIP_ADD, func);
}

int
store_contact_upsert(struct store *s, const struct contact *c,
    const struct consent_by *by)
{
	sqlite3_stmt	*st = s->st[ST_CONTACT_UPSERT];
	enum txn_kind	 kind;
	int64_t		 created, updated, cid = 0;
	size_t		 i;
	bool		 ok = false, added;
	int		 rc;

	created = c->created_at != 0 ? c->created_at : now_ms();
	updated = c->updated_at != 0 ? c->updated_at : created;
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	rc = bind_text(st, 1, c->phone);
	rc |= bind_text(st, 2, c->name);
	rc |= bind_text(st, 3, c->lang[0] != '\0' ? c->lang : "sv");
	rc |= bind_text(st, 4, c->area);
	if (c->has_pos) {
		rc |= sqlite3_bind_double(st, 5, c->lat);
		rc |= sqlite3_bind_double(st, 6, c->lon);
	}
	rc |= sqlite3_bind_int64(st, 7, c->channels);
	rc |= sqlite3_bind_int64(st, 8, created);
	rc |= sqlite3_bind_int64(st, 9, updated);
	rc |= sqlite3_bind_int(st, 10, (int)c->sms_cap);
	/* An upsert that updates leaves the last insert rowid alone. */
	sqlite3_set_last_insert_rowid(s->db, 0);
	if (rc != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW) {
		DBWARN(s);
		stmt_done(st);
		goto out;
	}
	cid = sqlite3_column_int64(st, 0);
	added = sqlite3_last_insert_rowid(s->db) == cid;
	/* Run the RETURNING statement to its end so the row is written. */
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		DBWARN(s);
		stmt_done(st);
		goto out;
	}
	stmt_done(st);

	sqlite3_bind_int64(s->st[ST_MEMBERSHIPS_CLEAR], 1, cid);
	if (store_step_done(s, ST_MEMBERSHIPS_CLEAR, __func__) == -1)
		goto out;
	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] != NULL && c->groups[i][0] != '\0' &&
		    membership_add(s, c->groups[i], cid, __func__) == -1)
			goto out;
	if (added && by != NULL && store_consent_add(s, c->phone, "added", by,
	    created) == -1)
		goto out;
	ok = true;
out:
	return store_txn_leave(s, kind, ok, __func__);
}

/* c and *cid from a CONTACT_COLS row; -1 (c cleared) when out of memory. */
static int
read_contact(sqlite3_stmt *st, struct contact *c, int64_t *cid)
{
	bool	oom = false;

	memset(c, 0, sizeof(*c));
	*cid = sqlite3_column_int64(st, 0);
	col_copy(st, 1, c->phone, sizeof(c->phone));
	c->name = col_dup(st, 2, &oom);
	col_copy(st, 3, c->lang, sizeof(c->lang));
	c->area = col_dup(st, 4, &oom);
	c->has_pos = sqlite3_column_type(st, 5) != SQLITE_NULL &&
	    sqlite3_column_type(st, 6) != SQLITE_NULL;
	if (c->has_pos) {
		c->lat = sqlite3_column_double(st, 5);
		c->lon = sqlite3_column_double(st, 6);
	}
	c->channels = (unsigned int)sqlite3_column_int64(st, 7);
	c->created_at = sqlite3_column_int64(st, 8);
	c->updated_at = sqlite3_column_int64(st, 9);
	c->sms_cap = col_sms_cap(st, 10);
	if (oom) {
		log_warnx("%s: out of memory", __func__);
		contact_clear(c);
		return -1;
	}
	return 0;
}

/* Contacts read before their groups: up to max, ids beside them. */
struct contact_rows {
	struct contact	*v;
	int64_t		*ids;
	int		 n, max;
};

/* Read a contact row into the struct contact_rows at arg. */
static int
contact_row(sqlite3_stmt *st, void *arg)
{
	struct contact_rows	*r = arg;

	if (r->n == r->max)		/* cannot be: the SQL has the LIMIT */
		return -1;
	if (read_contact(st, &r->v[r->n], &r->ids[r->n]) == -1)
		return -1;
	r->n++;
	return 0;
}

/* Add a group name row to the struct contact at arg. */
static int
group_name_row(sqlite3_stmt *st, void *arg)
{
	struct contact	*c = arg;
	bool		 oom = false;
	char		**g;

	if ((g = reallocarray(c->groups, c->ngroups + 1,
	    sizeof(*g))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	c->groups = g;
	if ((g[c->ngroups] = col_dup(st, 0, &oom)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	c->ngroups++;
	return 0;
}

/* Add the contact's group names to c; 0 or -1 (c is then cleared). */
static int
read_groups(struct store *s, int64_t cid, struct contact *c, const char *func)
{
	sqlite3_bind_int64(s->st[ST_CONTACT_GROUPS], 1, cid);
	if (store_rows_each(s, ST_CONTACT_GROUPS, group_name_row, c,
	    func) == -1) {
		contact_clear(c);
		return -1;
	}
	return 0;
}

int
store_contact_get(struct store *s, const char *phone, struct contact *c)
{
	int64_t			cid;
	struct contact_rows	r = { c, &cid, 0, 1 };
	int			rc;

	memset(c, 0, sizeof(*c));
	bind_text(s->st[ST_CONTACT_GET], 1, phone);
	if ((rc = store_row_one(s, ST_CONTACT_GET, contact_row, &r,
	    __func__)) != 0)
		return rc;
	return read_groups(s, cid, c, __func__);
}

int
store_contact_delete(struct store *s, const char *phone,
    const struct consent_by *by)
{
	enum txn_kind	kind;
	bool		ok = false;
	int		rc = 0;

	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	bind_text(s->st[ST_CONTACT_DELETE], 1, phone);
	if (store_step_done(s, ST_CONTACT_DELETE, __func__) == -1)
		goto out;
	if (sqlite3_changes(s->db) == 0) {
		rc = STORE_NOTFOUND;
		goto out;
	}
	/* Memberships go by cascade; the number goes from old deliveries. */
	bind_text(s->st[ST_DELIVERIES_ERASE], 1, phone);
	if (store_step_done(s, ST_DELIVERIES_ERASE, __func__) == -1)
		goto out;
	/* And from the SMS the person sent (a rare scan of inbound). */
	bind_text(s->st[ST_INBOUND_ERASE], 1, phone);
	if (store_step_done(s, ST_INBOUND_ERASE, __func__) == -1)
		goto out;
	if (by != NULL && store_consent_add(s, phone, "erased", by,
	    now_ms()) == -1)
		goto out;
	ok = true;
out:
	if (store_txn_leave(s, kind, ok, __func__) == -1 && rc == 0)
		return -1;
	return rc;
}

/* "%q%" with LIKE's own characters escaped; NULL if no memory. */
static char *
like_pattern(const char *q)
{
	char	*p, *o;

	if ((p = malloc(2 * strlen(q) + 3)) == NULL)
		return NULL;
	o = p;
	*o++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

int
store_contacts_list(struct store *s, const char *q, const char *after,
    int limit, store_contact_cb cb, void *arg)
{
	struct contact_rows	r = { NULL, NULL, 0, limit };
	enum stmt_id		id = q != NULL ? ST_CONTACTS_SEARCH :
				    ST_CONTACTS_LIST;
	char			*pattern = NULL;
	int			i, ret;

	if (limit <= 0)
		return 0;
	r.v = calloc((size_t)limit, sizeof(*r.v));
	r.ids = calloc((size_t)limit, sizeof(*r.ids));
	if (r.v == NULL || r.ids == NULL ||
	    (q != NULL && (pattern = like_pattern(q)) == NULL)) {
		log_warnx("%s: out of memory", __func__);
		free(r.v);
		free(r.ids);
		return -1;
	}
	/* Read the page first: groups need the same connection's cursor. */
	bind_text(s->st[id], 1, after != NULL ? after : "");
	sqlite3_bind_int(s->st[id], 2, limit);
	if (pattern != NULL)
		bind_text(s->st[id], 3, pattern);
	ret = store_rows_each(s, id, contact_row, &r, __func__);
	free(pattern);
	for (i = 0; i < r.n; i++) {
		if (ret == 0 && read_groups(s, r.ids[i], &r.v[i],
		    __func__) == -1)
			ret = -1;
		if (ret == 0 && cb(&r.v[i], arg) == -1)
			ret = -1;
		contact_clear(&r.v[i]);
	}
	free(r.v);
	free(r.ids);
	return ret;
}

/* The id of an upsert's RETURNING. */
static int
upserted_row(sqlite3_stmt *st, void *arg)
{
	*(int64_t *)arg = sqlite3_column_int64(st, 0);
	return 0;
}

int
store_contact_set_area(struct store *s, const char *phone, const char *area,
    const char *group, const char *lang, int64_t now,
    const struct consent_by *by)
{
	sqlite3_stmt	*st = s->st[ST_SET_AREA];
	enum txn_kind	 kind;
	int64_t		 cid = 0;
	bool		 ok = false, added;

	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	bind_text(st, 1, phone);
	bind_text(st, 2, lang != NULL && lang[0] != '\0' ? lang : "sv");
	bind_text(st, 3, area);
	sqlite3_bind_int64(st, 4, now);
	/*
	 * RETURNING: the row is written by the first step. An upsert that
	 * updates leaves the last insert rowid alone.
	 */
	sqlite3_set_last_insert_rowid(s->db, 0);
	if (store_row_one(s, ST_SET_AREA, upserted_row, &cid, __func__) != 0)
		goto out;
	added = sqlite3_last_insert_rowid(s->db) == cid;
	if (added && by != NULL && store_consent_add(s, phone, "added", by,
	    now) == -1)
		goto out;
	if (group != NULL && group[0] != '\0' &&
	    membership_add(s, group, cid, __func__) == -1)
		goto out;
	ok = true;
out:
	return store_txn_leave(s, kind, ok, __func__);
}

/* ---- groups, areas and the map: who an alert reaches ---------------- */

int
store_groups_list(struct store *s, store_group_cb cb, void *arg)
{
	return store_name_counts(s, ST_GROUPS_LIST, cb, arg, __func__);
}

int
store_group_exists(struct store *s, const char *name)
{
	int64_t	id;

	return group_id(s, name, false, &id, __func__);
}

/* What a stored sms_cap says; anything else is unknown. */
static enum sms_cap
col_sms_cap(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_int(st, col)) {
	case SMS_CAP_YES:
		return SMS_CAP_YES;
	case SMS_CAP_NO:
		return SMS_CAP_NO;
	default:
		return SMS_CAP_UNKNOWN;
	}
}

/* Where recipient rows go: to cb, or with their position to geo_cb. */
struct recipients {
	store_recipient_cb	 cb;
	store_geo_cb		 geo_cb;
	void			*arg;
};

/* Pass a row of phone, lang, channels, sms_cap (, lat, lon) on. */
static int
recipient_row(sqlite3_stmt *st, void *arg)
{
	struct recipients	*to = arg;
	struct recipient	 r;

	r.phone = col_text(st, 0);
	r.lang = col_text(st, 1);
	r.channels = (unsigned int)sqlite3_column_int64(st, 2);
	r.sms_cap = col_sms_cap(st, 3);
	if (to->geo_cb != NULL)
		return to->geo_cb(&r, sqlite3_column_double(st, 4),
		    sqlite3_column_double(st, 5), to->arg) == -1 ? -1 : 0;
	return to->cb(&r, to->arg) == -1 ? -1 : 0;
}

/* Call cb for each recipient of the query id with key; -1 if cb stopped. */
static int
members(struct store *s, enum stmt_id id, const char *key,
    store_recipient_cb cb, void *arg, const char *func)
{
	struct recipients	to = { cb, NULL, arg };

	bind_text(s->st[id], 1, key);
	return store_rows_each(s, id, recipient_row, &to, func);
}

int
store_group_members(struct store *s, const char *group, store_recipient_cb cb,
    void *arg)
{
	return members(s, ST_GROUP_MEMBERS, group, cb, arg, __func__);
}

int
store_area_members(struct store *s, const char *area, store_recipient_cb cb,
    void *arg)
{
	return members(s, ST_AREA_MEMBERS, area, cb, arg, __func__);
}

int
store_area_members_nopos(struct store *s, const char *area,
    store_recipient_cb cb, void *arg)
{
	return members(s, ST_AREA_NOPOS, area, cb, arg, __func__);
}

int
store_contacts_in_box(struct store *s, double lat_min, double lat_max,
    double lon_min, double lon_max, store_geo_cb cb, void *arg)
{
	sqlite3_stmt		*st = s->st[ST_IN_BOX];
	struct recipients	 to = { NULL, cb, arg };

	sqlite3_bind_double(st, 1, lat_min);
	sqlite3_bind_double(st, 2, lat_max);
	sqlite3_bind_double(st, 3, lon_min);
	sqlite3_bind_double(st, 4, lon_max);
	return store_rows_each(s, ST_IN_BOX, recipient_row, &to, __func__);
}

int
store_contact_recipient(struct store *s, const char *phone, char lang[8],
    unsigned int *channels, enum sms_cap *cap)
{
	sqlite3_stmt	*st = s->st[ST_CONTACT_RECIPIENT];
	int		 rc;

	bind_text(st, 1, phone);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, lang, 8);
		*channels = (unsigned int)sqlite3_column_int64(st, 1);
		*cap = col_sms_cap(st, 2);
	} else if (rc != SQLITE_DONE)
		DBWARN(s);
	stmt_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
}

/* ---- opt-outs ------------------------------------------------------- */

int
store_optout_add(struct store *s, const char *phone, const char *channel,
    int64_t at)
{
	sqlite3_stmt	*st;
	enum txn_kind	 kind;
	char		 hash[65];
	bool		 ok = false;

	OPTOUTS_STALE(s);
	store_phone_hash(s, phone, hash);
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	st = s->st[ST_OPTOUT_ADD];
	bind_text(st, 1, hash);
	bind_text(st, 2, channel);
	sqlite3_bind_int64(st, 3, at);
	if (store_step_done(s, ST_OPTOUT_ADD, __func__) == -1)
		goto out;
	st = s->st[ST_OPTOUT_LOG];
	bind_text(st, 1, hash);
	bind_text(st, 2, "stop");
	bind_text(st, 3, channel);
	sqlite3_bind_int64(st, 4, at);
	if (store_step_done(s, ST_OPTOUT_LOG, __func__) == -1)
		goto out;
	ok = true;
out:
	return store_txn_leave(s, kind, ok, __func__);
}

int
store_optout_remove(struct store *s, const char *phone, int64_t at)
{
	sqlite3_stmt	*st;
	enum txn_kind	 kind;
	char		 hash[65];
	bool		 ok = false;

	OPTOUTS_STALE(s);
	store_phone_hash(s, phone, hash);
	if (store_txn_enter(s, &kind, __func__) == -1)
		return -1;
	bind_text(s->st[ST_OPTOUT_DEL], 1, hash);
	if (store_step_done(s, ST_OPTOUT_DEL, __func__) == -1)
		goto out;
	st = s->st[ST_OPTOUT_LOG];
	bind_text(st, 1, hash);
	bind_text(st, 2, "start");
	sqlite3_bind_int64(st, 4, at);
	if (store_step_done(s, ST_OPTOUT_LOG, __func__) == -1)
		goto out;
	ok = true;
out:
	return store_txn_leave(s, kind, ok, __func__);
}

int
store_consent_add(struct store *s, const char *phone, const char *event,
    const struct consent_by *by, int64_t at)
{
	sqlite3_stmt	*st = s->st[ST_CONSENT_ADD];
	char		 hash[65];

	store_phone_hash(s, phone, hash);
	bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, at);
	bind_text(st, 3, event);
	bind_text(st, 4, by != NULL && by->how != NULL ? by->how : "unknown");
	bind_text(st, 5, by != NULL ? by->actor : NULL);
	bind_text(st, 6, by != NULL ? by->detail : NULL);
	return store_step_done(s, ST_CONSENT_ADD, __func__);
}

/* Where consent rows go, and whether there was one. */
struct consent_rows {
	store_consent_cb	 cb;
	void			*arg;
	bool			 any;
};

static int
consent_row(sqlite3_stmt *st, void *arg)
{
	struct consent_rows	*to = arg;
	struct consent_event	 e;

	to->any = true;
	e.at = sqlite3_column_int64(st, 0);
	e.event = col_text(st, 1);
	e.how = col_text(st, 2);
	e.actor = (const char *)sqlite3_column_text(st, 3);
	e.detail = (const char *)sqlite3_column_text(st, 4);
	return to->cb(&e, to->arg) == -1 ? -1 : 0;
}

int
store_consent_list(struct store *s, const char *phone, store_consent_cb cb,
    void *arg)
{
	struct consent_rows	to = { cb, arg, false };
	char			hash[65];
	int			rc;

	store_phone_hash(s, phone, hash);
	/* ?1 twice: SQLite binds a numbered parameter once for both. */
	sqlite3_bind_text(s->st[ST_CONSENT_LIST], 1, hash, -1,
	    SQLITE_TRANSIENT);
	if ((rc = store_rows_each(s, ST_CONSENT_LIST, consent_row, &to,
	    __func__)) != 0)
		return rc;
	return to.any ? 0 : STORE_NOTFOUND;
}

/* One opt-out hash into the memory copy. */
static int
optout_row(sqlite3_stmt *st, void *arg)
{
	struct store	*s = arg;
	const char	*h = (const char *)sqlite3_column_text(st, 0);
	char		(*v)[65];

	if (h == NULL || strlen(h) != 64)
		return 0;
	if ((v = realloc(s->optouts, (s->noptouts + 1) * sizeof(*v))) ==
	    NULL)
		return -1;
	s->optouts = v;
	strlcpy(s->optouts[s->noptouts++], h, 65);
	return 0;
}

/* Read the opt-outs' hashes into memory, sorted; 0 or -1. */
static int
optouts_load(struct store *s)
{
	free(s->optouts);
	s->optouts = NULL;
	s->noptouts = 0;
	if (store_rows_each(s, ST_OPTOUTS_ALL, optout_row, s, __func__) ==
	    -1) {
		free(s->optouts);
		s->optouts = NULL;
		s->noptouts = 0;
		return -1;
	}
	s->optouts_stale = false;
	return 0;
}

static int
hash_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

bool
store_optout_has(struct store *s, const char *phone)
{
	char	hash[65];

	/* On a database error we send: a missed alert is the worse fault. */
	if (s->optouts_stale && optouts_load(s) == -1)
		OPTOUTS_STALE(s);
	if (s->noptouts == 0)
		return false;
	store_phone_hash(s, phone, hash);
	return bsearch(hash, s->optouts, s->noptouts, sizeof(s->optouts[0]),
	    hash_cmp) != NULL;
}
