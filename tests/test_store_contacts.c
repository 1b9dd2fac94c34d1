/*
 * Tests of store_contacts.c: contacts and their groups, members of a
 * group or an area, what a number allows, opt-outs, pages of contacts,
 * START with an area, the map box, and what deleting a contact erases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"
#include "tests/store_test.h"

/* Record groups_list output as "name=count," text. */
static void
group_cb(const char *name, int64_t members, void *arg)
{
	char	*buf = arg;
	size_t	 n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s=%lld,", name, (long long)members);
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
	struct st_ctx	*t = *state;
	struct store	*s = t->s;
	struct contact	 c, got;
	char		*g1[] = { "nattvandrare", "brandvakt" };
	char		*g2[] = { "skola" };
	char		 buf[256], lang[8];
	unsigned int	 ch;
	enum sms_cap	 cap;
	int		 calls = 0;
	int64_t		 did, a1, other, later, reply;
	size_t		 i;

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
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);

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
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);
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
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);

	buf[0] = '\0';
	assert_int_equal(store_groups_list(s, group_cb, buf), 0);
	assert_string_equal(buf, "brandvakt=0,nattvandrare=0,skola=2,");
	assert_int_equal(store_group_exists(s, "brandvakt"), 0);
	assert_int_equal(store_group_exists(s, "okänd"), STORE_NOTFOUND);

	buf[0] = '\0';
	assert_int_equal(store_group_members(s, "skola", st_recipient_cb,
	    buf), 0);
	assert_non_null(strstr(buf, "+46701234567/en/1,"));
	assert_non_null(strstr(buf, "+46709876543/sv/2/fixed,"));
	assert_int_equal(store_group_members(s, "skola", recipient_stop_cb,
	    &calls), -1);
	assert_int_equal(calls, 1);
	buf[0] = '\0';
	assert_int_equal(store_group_members(s, "brandvakt", st_recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "");
	buf[0] = '\0';
	assert_int_equal(store_area_members(s, "15531", st_recipient_cb,
	    buf), 0);
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

	/*
	 * Delete: the person goes, and with them their number elsewhere:
	 * in every alert's deliveries and in the replies sent them (which
	 * belong to no alert); another number's stays.
	 */
	a1 = st_add_alert(s, "a1", 0);
	did = st_add_delivery(s, a1, "+46701234567", 1, NOW, DS_SENT);
	other = st_add_delivery(s, a1, "+46709876543", 1, NOW, DS_SENT);
	later = st_add_delivery(s, st_add_alert(s, "a2", 0), "+46701234567",
	    1, NOW, DS_DELIVERED);
	reply = st_add_delivery(s, 0, "+46701234567", 1, NOW, DS_DELIVERED);
	assert_int_equal(store_contact_delete(s, "+46701234567", NULL), 0);
	assert_int_equal(store_contact_get(s, "+46701234567", &got),
	    STORE_NOTFOUND);
	assert_int_equal(store_contact_delete(s, "+46701234567", NULL),
	    STORE_NOTFOUND);
	buf[0] = '\0';
	assert_int_equal(store_groups_list(s, group_cb, buf), 0);
	assert_string_equal(buf, "brandvakt=0,nattvandrare=0,skola=1,");
	{
		struct delivery	d;

		int64_t		erased[] = { did, later, reply };

		for (i = 0; i < nitems(erased); i++) {
			assert_int_equal(store_delivery_get(s, erased[i], &d),
			    0);
			assert_string_equal(d.phone, "erased");
			delivery_clear(&d);
		}
		assert_int_equal(store_delivery_get(s, other, &d), 0);
		assert_string_equal(d.phone, "+46709876543");
		delivery_clear(&d);
	}
}

/* Opt-outs: add, has, remove, and the same number again. */
static void
test_optouts(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;

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

/*
 * The opt-outs are asked of a copy in memory: an opt-out that a
 * rollback or a savepoint undoes must not stay in it (else a number is
 * suppressed that did not opt out), and many numbers are one sorted
 * lookup each.
 */
static void
test_optouts_undone(void **state)
{
	struct store	*s = ((struct st_ctx *)*state)->s;
	char		 phone[16];
	int		 i;

	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_optout_add(s, "+46701234567", "sms", NOW), 0);
	assert_true(store_optout_has(s, "+46701234567"));
	store_rollback(s);
	assert_false(store_optout_has(s, "+46701234567"));
	assert_int_equal(store_begin(s, false), 0);
	assert_int_equal(store_savepoint(s), 0);
	assert_int_equal(store_optout_add(s, "+46701234568", "sms", NOW), 0);
	assert_true(store_optout_has(s, "+46701234568"));
	assert_int_equal(store_savepoint_end(s, false), 0);
	assert_false(store_optout_has(s, "+46701234568"));
	assert_int_equal(store_commit(s), 0);
	for (i = 0; i < 300; i += 3) {
		snprintf(phone, sizeof(phone), "+46701000%03d", i);
		assert_int_equal(store_optout_add(s, phone, "sms", NOW), 0);
	}
	for (i = 0; i < 300; i++) {
		snprintf(phone, sizeof(phone), "+46701000%03d", i);
		assert_int_equal(store_optout_has(s, phone), i % 3 == 0);
	}
}

/* The consent record as "event/how/actor/detail@at;" text. */
static int
consent_cb(const struct consent_event *e, void *arg)
{
	char	*buf = arg;
	size_t	 n = strlen(buf);

	snprintf(buf + n, 512 - n, "%s/%s/%s/%s@%lld;", e->event, e->how,
	    e->actor ? e->actor : "-", e->detail ? e->detail : "-",
	    (long long)(e->at - NOW));
	return 0;
}

/*
 * The consent record: added once (by the import that brought it, not by
 * a later update), STOPP and START, erased; still there, by hash, when
 * the contact is gone; nothing for a number never seen.
 */
static void
test_consent(void **state)
{
	struct store		*s = ((struct st_ctx *)*state)->s;
	struct consent_by	 imp = { "import", "coordination",
				    "kontakter.csv" };
	struct consent_by	 api = { "api", "coordination", NULL };
	struct consent_by	 sms = { "sms", NULL, "START" };
	struct contact		 c;
	char			 buf[512];

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46701234567", sizeof(c.phone));
	strlcpy(c.lang, "sv", sizeof(c.lang));
	c.channels = CH_SMS;
	c.created_at = c.updated_at = NOW;
	assert_int_equal(store_contact_upsert(s, &c, &imp), 0);
	/* Again at the same instant (one loop pass): not added twice. */
	assert_int_equal(store_contact_upsert(s, &c, &api), 0);
	assert_int_equal(store_optout_add(s, "+46701234567", "sms", NOW + 20),
	    0);
	assert_int_equal(store_optout_remove(s, "+46701234567", NOW + 30), 0);
	assert_int_equal(store_contact_delete(s, "+46701234567", &api), 0);
	/* A stranger's START with an area adds the number. */
	assert_int_equal(store_contact_set_area(s, "+46701234599", "15531",
	    "invanare", "sv", NOW + 40, &sms), 0);
	assert_int_equal(store_contact_set_area(s, "+46701234599", "15532",
	    "invanare", "sv", NOW + 40, &sms), 0);

	buf[0] = '\0';
	assert_int_equal(store_consent_list(s, "+46701234567", consent_cb,
	    buf), 0);
	/* The erasure's time is the system clock's: cut it off. */
	*strrchr(buf, '@') = '\0';
	assert_string_equal(buf, "added/import/coordination/kontakter.csv@0;"
	    "opted_out/sms/-/STOPP@20;opted_in/sms/-/START@30;"
	    "erased/api/coordination/-");
	buf[0] = '\0';
	assert_int_equal(store_consent_list(s, "+46701234599", consent_cb,
	    buf), 0);
	assert_string_equal(buf, "added/sms/-/START@40;");
	assert_int_equal(store_consent_list(s, "+46700000000", consent_cb,
	    buf), STORE_NOTFOUND);
	/* No number in the clear: only hashes. */
	assert_int_equal(store_consent_add(s, "+46701234567", "added", NULL,
	    NOW), 0);
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
	struct store	*s = ((struct st_ctx *)*state)->s;
	struct contact	 c, got;
	char		*g[] = { "nattvandrare" };
	char		 buf[256];
	int		 calls = 0;

	/* Nykvarn is at about 59.18 N, 17.43 E. */
	st_add_contact(s, "+46700000003", CH_SMS, "15531", true, 59.18, 17.43);
	st_add_contact(s, "+46700000001", CH_SMS, "15531", false, 0, 0);
	st_add_contact(s, "+46700000002", CH_SMS | CH_VOICE, "15532", true,
	    59.20, 17.40);
	st_add_contact(s, "+46700000004", CH_SMS, "", true, 59.30, 17.43);
	st_add_contact(s, "+46700000005", CH_SMS, "", true, 59.18, 17.60);
	st_add_contact(s, "+46700000006", CH_SMS, "15531", true, 59.10, 17.50);
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
	assert_int_equal(store_contact_upsert(s, &c, NULL), 0);

	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, NULL, "", 3, contact_page_cb,
	    buf),
	    0);
	assert_string_equal(buf, "+46700000001/;+46700000002/;+46700000003/;");
	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, NULL, "+46700000003", 3,
	    contact_page_cb, buf), 0);
	assert_string_equal(buf, "+46700000004/;+46700000005/;+46700000006/;");
	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, NULL, "+46700000006", 3,
	    contact_page_cb, buf), 0);
	assert_string_equal(buf, "+46700000007/nattvandrare;");
	buf[0] = '\0';
	assert_int_equal(store_contacts_list(s, NULL, "+46700000007", 3,
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
	assert_int_equal(store_area_members_nopos(s, "15531", st_recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "+46700000001/sv/1/unknown,");
	buf[0] = '\0';
	assert_int_equal(store_area_members_nopos(s, "15532", st_recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "");

	/* START 15532 from a stranger: a new resident. */
	assert_int_equal(store_contact_set_area(s, "+46700000099", "15532",
	    "invanare", "", NOW, NULL), 0);
	assert_int_equal(store_contact_get(s, "+46700000099", &got), 0);
	assert_string_equal(got.area, "15532");
	assert_string_equal(got.lang, "sv");
	assert_int_equal(got.channels, CH_SMS);
	assert_int_equal(got.ngroups, 1);
	assert_string_equal(got.groups[0], "invanare");
	contact_clear(&got);
	/* From a contact: area and group added, the rest kept. */
	assert_int_equal(store_contact_set_area(s, "+46700000007", "15532",
	    "invanare", "sv", NOW + 1, NULL), 0);
	assert_int_equal(store_contact_set_area(s, "+46700000007", "15532",
	    "invanare", "sv", NOW + 2, NULL), 0);
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
	    NULL, "sv", NOW, NULL), 0);
	buf[0] = '\0';
	assert_int_equal(store_area_members_nopos(s, "15532", st_recipient_cb,
	    buf), 0);
	assert_string_equal(buf, "+46700000001/sv/1/unknown,"
	    "+46700000099/sv/1/unknown,");
}

/* Deleting a contact erases the number from the SMS it sent too. */
static void
test_erase_inbound(void **state)
{
	struct st_ctx		*t = *state;
	struct inbound_row	 in;

	st_add_contact(t->s, "+46700000001", CH_SMS, "15531", false, 0, 0);
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
	assert_int_equal(store_contact_delete(t->s, "+46700000001", NULL), 0);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = 'erased' AND text = ''"), 1);
	assert_int_equal(st_sql_int(t->path, "SELECT count(*) FROM inbound "
	    "WHERE from_phone = '+46700000002'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_contacts),
		BOTH(test_optouts),
		BOTH(test_optouts_undone),
		BOTH(test_consent),
		BOTH(test_contacts_v2),
		FILE_ONLY(test_erase_inbound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
