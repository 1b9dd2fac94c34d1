/*
 * Tests of fan-out in process: an alert request (parsed as the API
 * parses it) becomes an alert and one delivery per number, the union of
 * its audience each number once, opted-out and fixed-line numbers
 * recorded as suppressed, texts in each contact's language, times from
 * the loop's clock, the idempotent answer to the same source_ref, and
 * a long text stored once for all its deliveries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/alert.h"
#include "gateway/fanout.h"
#include "gateway/gateway.h"
#include "gateway/store.h"
#include "gateway/types.h"
#include "tests/gw_test.h"
#include "tests/store_test.h"

#define T0	(GWT_T0 + 12345)

static const char conf[] =
    "[provider first]\ntype = scripted\nrate = 10\n";

/* Numbers of the fiction-reserved range (conf/contacts-example.csv). */
#define ANNA	"+46701740605"	/* nattvandrare, sv */
#define BOB	"+46701740606"	/* nattvandrare, area 15531, en */
#define CARL	"+46701740607"	/* area 15531, opted out */
#define DORA	"+46701740608"	/* area 15532, only this alert's contact */
#define FIXED	"+4687212313"	/* a fixed line in nattvandrare */

/* A contact with a group, an area and a language. */
static void
contact(struct gwt *t, const char *phone, const char *lang,
    const char *group, const char *area, enum sms_cap cap)
{
	struct contact	c;
	char		*groups[1];

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, phone, sizeof(c.phone));
	strlcpy(c.lang, lang, sizeof(c.lang));
	c.area = (char *)area;
	c.channels = CH_SMS | CH_VOICE;
	c.sms_cap = cap;
	if (group != NULL) {
		groups[0] = (char *)group;
		c.groups = groups;
		c.ngroups = 1;
	}
	c.created_at = c.updated_at = gw_now(&t->gw);
	assert_int_equal(store_contact_upsert(t->gw.store, &c, NULL), 0);
}

static int
setup(void **state)
{
	struct gwt	*t;

	if ((t = gwt_new(NULL, conf, T0)) == NULL)
		return -1;
	contact(t, ANNA, "sv", "nattvandrare", NULL, SMS_CAP_YES);
	contact(t, BOB, "en", "nattvandrare", "15531", SMS_CAP_YES);
	contact(t, CARL, "sv", NULL, "15531", SMS_CAP_YES);
	contact(t, FIXED, "sv", "nattvandrare", NULL, SMS_CAP_NO);
	assert_int_equal(store_optout_add(t->gw.store, CARL, "sms", T0), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	gwt_free(*state);
	return 0;
}

/* Parse body as POST /v1/alerts would and fan it out as client. */
static int
post(struct gwt *t, const char *body, json_t **answer, struct api_error *err)
{
	return gwt_post(t, body, answer, err);
}

/*
 * Groups, areas and explicit numbers: each number once; the opted-out
 * and the fixed line are suppressed with their reason; times and
 * expiry from the loop's clock.
 */
static void
test_union(void **state)
{
	struct gwt		*t = *state;
	struct api_error	 err;
	struct gwt_rows		 rs;
	const struct delivery	*d;
	json_t			*ans;

	assert_int_equal(post(t, "{\"source_ref\": \"u1\", \"message\": "
	    "\"Samling vid skolan\", \"severity\": \"severe\", "
	    "\"expires_in_s\": 600, \"audience\": {\"groups\": "
	    "[\"nattvandrare\"], \"areas\": [\"15531\"], \"contacts\": "
	    "[\"" ANNA "\", \"070-174 06 08\"]}}", &ans, &err), FANOUT_NEW);
	assert_int_equal(json_integer_value(json_object_get(ans,
	    "recipients")), 5);
	assert_int_equal(json_integer_value(json_object_get(ans,
	    "suppressed")), 2);
	assert_string_equal(json_string_value(json_object_get(ans, "state")),
	    "dispatching");
	gwt_rows(t, json_integer_value(json_object_get(ans, "id")), &rs);
	assert_int_equal(rs.n, 5);
	assert_non_null(d = gwt_row(&rs, ANNA, 0));
	assert_int_equal(d->state, DS_QUEUED);
	assert_int_equal(d->next_at, T0);
	assert_int_equal(d->created_at, T0);
	assert_int_equal(d->expires_at, T0 + 600000);
	assert_int_equal(d->priority, SEV_SEVERE);
	assert_non_null(d = gwt_row(&rs, DORA, 0));
	assert_int_equal(d->state, DS_QUEUED);
	assert_non_null(d = gwt_row(&rs, CARL, 0));
	assert_int_equal(d->state, DS_SUPPRESSED);
	assert_non_null(strstr(d->reason, "opt"));
	assert_non_null(d = gwt_row(&rs, FIXED, 0));
	assert_int_equal(d->state, DS_SUPPRESSED);
	assert_non_null(d = gwt_row(&rs, BOB, 0));
	assert_int_equal(d->state, DS_QUEUED);
	gwt_rows_free(&rs);
	json_decref(ans);
}

/* A template is rendered in each contact's own language. */
static void
test_languages(void **state)
{
	struct gwt		*t = *state;
	struct api_error	 err;
	struct gwt_rows		 rs;
	json_t			*ans;

	assert_int_equal(post(t, "{\"source_ref\": \"l1\", \"template\": "
	    "\"incident\", \"vars\": {\"place\": \"Nykvarns centrum\", "
	    "\"time\": \"22:15\", \"description\": \"Brand\"}, "
	    "\"audience\": {\"contacts\": [\"" ANNA "\", \"" BOB "\"]}}",
	    &ans, &err), FANOUT_NEW);
	gwt_rows(t, json_integer_value(json_object_get(ans, "id")), &rs);
	assert_int_equal(rs.n, 2);
	/* No expires_in_s: [dispatch] default_expires_s, a day. */
	assert_int_equal(gwt_row(&rs, ANNA, 0)->expires_at, T0 + 86400000LL);
	assert_string_equal(gwt_row(&rs, ANNA, 0)->lang, "sv");
	assert_string_equal(gwt_row(&rs, BOB, 0)->lang, "en");
	assert_string_not_equal(gwt_row(&rs, ANNA, 0)->body,
	    gwt_row(&rs, BOB, 0)->body);
	assert_non_null(strstr(gwt_row(&rs, ANNA, 0)->body, "Nykvarns centrum"));
	assert_non_null(strstr(gwt_row(&rs, BOB, 0)->body, "Nykvarns centrum"));
	gwt_rows_free(&rs);
	json_decref(ans);
}

/* How many bodies alert_id has stored (schema 9), read from the file. */
static int64_t
bodies_of(struct gwt *t, int64_t alert_id)
{
	char	path[300], sql[96];

	snprintf(path, sizeof(path), "%s/varsel.db", t->dir);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM bodies WHERE "
	    "alert_id = %lld", (long long)alert_id);
	return st_sql_int(path, sql);
}

/*
 * A text longer than a row's other fields is stored once for the alert
 * and every delivery reads it back whole, the suppressed one too; a
 * short text stays in the rows.
 */
static void
test_long_text(void **state)
{
	struct gwt		*t = *state;
	struct api_error	 err;
	struct gwt_rows		 rs;
	json_t			*ans;
	char			 msg[400], body[600];
	int64_t			 id;
	size_t			 i;

	snprintf(msg, sizeof(msg), "Utrymning av Nykvarns centrum: gå lugnt "
	    "till Kommunhuset, Centrumvägen 1, eller till biblioteket. "
	    "Följ anvisningar från polis och räddningstjänst. Stäng "
	    "fönster och dörrar om du inte kan lämna bostaden. Lyssna på "
	    "Sveriges Radio P4 Stockholm. Vid fara ring 112.");
	assert_true(strlen(msg) > 200);
	snprintf(body, sizeof(body), "{\"source_ref\": \"long\", "
	    "\"message\": \"%s\", \"audience\": {\"groups\": "
	    "[\"nattvandrare\"], \"contacts\": [\"" DORA "\"]}}", msg);
	assert_int_equal(post(t, body, &ans, &err), FANOUT_NEW);
	id = json_integer_value(json_object_get(ans, "id"));
	json_decref(ans);
	gwt_rows(t, id, &rs);
	assert_int_equal(rs.n, 4);
	for (i = 0; i < rs.n; i++)
		assert_string_equal(rs.v[i].body, msg);
	assert_int_equal(gwt_row(&rs, FIXED, 0)->state, DS_SUPPRESSED);
	gwt_rows_free(&rs);
	assert_int_equal(bodies_of(t, id), 1);

	assert_int_equal(post(t, "{\"source_ref\": \"short\", \"message\": "
	    "\"Samling vid skolan\", \"audience\": {\"contacts\": [\""
	    ANNA "\"]}}", &ans, &err), FANOUT_NEW);
	id = json_integer_value(json_object_get(ans, "id"));
	json_decref(ans);
	gwt_rows(t, id, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].body, "Samling vid skolan");
	gwt_rows_free(&rs);
	assert_int_equal(bodies_of(t, id), 0);
}

/* eta_s: the queue ahead at the provider's rate (10 a second). */
static void
test_eta(void **state)
{
	struct gwt		*t = *state;
	struct api_error	 err;
	json_t			*ans;
	char			 body[4096];
	size_t			 len;
	int			 i;

	len = (size_t)snprintf(body, sizeof(body), "{\"source_ref\": \"e1\", "
	    "\"message\": \"Test\", \"audience\": {\"contacts\": [");
	for (i = 0; i < 45; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len,
		    "%s\"+467017406%02d\"", i ? ", " : "", 20 + i);
	snprintf(body + len, sizeof(body) - len, "]}}");
	assert_int_equal(post(t, body, &ans, &err), FANOUT_NEW);
	assert_int_equal(json_integer_value(json_object_get(ans,
	    "recipients")), 45);
	assert_int_equal(json_integer_value(json_object_get(ans, "eta_s")),
	    5);
	json_decref(ans);
}

/* The same source_ref: the first answer again, or 409 for another body. */
static void
test_idempotent(void **state)
{
	struct gwt		*t = *state;
	struct api_error	 err;
	json_t			*first, *again;
	const char		*body = "{\"source_ref\": \"d1\", \"message\": "
				    "\"Test\", \"audience\": {\"contacts\": "
				    "[\"" ANNA "\"]}}";

	assert_int_equal(post(t, body, &first, &err), FANOUT_NEW);
	gwt_advance(t, 5000);
	assert_int_equal(post(t, body, &again, &err), FANOUT_DUPLICATE);
	assert_true(json_is_true(json_object_get(again, "duplicate")));
	assert_int_equal(json_integer_value(json_object_get(again, "id")),
	    json_integer_value(json_object_get(first, "id")));
	json_decref(first);
	json_decref(again);
	assert_int_equal(post(t, "{\"source_ref\": \"d1\", \"message\": "
	    "\"Annat\", \"audience\": {\"contacts\": [\"" ANNA "\"]}}",
	    &again, &err), -1);
	assert_int_equal(err.status, 409);
	assert_string_equal(err.code, "conflict");
	assert_null(again);
}

/* Nothing stored for an audience with no one in it, or a bad group. */
static void
test_refused(void **state)
{
	struct gwt		*t = *state;
	struct api_error	 err;
	struct alert_row	 a;
	json_t			*ans;

	assert_int_equal(post(t, "{\"source_ref\": \"r1\", \"message\": "
	    "\"Test\", \"audience\": {\"areas\": [\"99999\"]}}", &ans, &err),
	    -1);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.code, "empty_audience");
	assert_int_equal(post(t, "{\"source_ref\": \"r2\", \"message\": "
	    "\"Test\", \"audience\": {\"groups\": [\"okand\"]}}", &ans, &err),
	    -1);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.field, "audience.groups[0]");
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_alert_find_ref(t->gw.store, "test", "r1", &a),
	    STORE_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_union, setup, teardown),
		cmocka_unit_test_setup_teardown(test_languages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_eta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
