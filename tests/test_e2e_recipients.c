/*
 * End-to-end tests of who an alert reaches: circles and polygons (by a
 * contact's own coordinates, or its area's centre), CAP 1.2 alerts in two
 * languages, CAP Test and Cancel, previews, opt-outs, contacts export,
 * erasure and purging. The real varseld against the fake 46elks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define WAIT_MS		20000

/* A contact at a known place. */
struct person {
	const char	*phone;
	const char	*lang;
	const char	*area;		/* may be NULL */
	double		 lat, lon;	/* 0: none */
	bool		 in_circle;	/* within 800 m of Nykvarns centrum */
};

/*
 * Nykvarns centrum is 59.1786, 17.4310. A degree of latitude is about
 * 111.2 km, so 0.0045 degrees is about 500 m and 0.009 about 1 km.
 */
static const struct person people[] = {
	{ "+46701740605", "sv", NULL, 59.1786, 17.4310, true },	/* centre */
	{ "+46701740606", "en", NULL, 59.1831, 17.4310, true },	/* 500 m N */
	{ "+46701740607", "sv", NULL, 59.1876, 17.4310, false },	/* 1 km N */
	{ "+46701740608", "sv", "15530", 0, 0, true },	/* area centre */
	{ "+46701740609", "sv", "15592", 0, 0, false },	/* Taxinge */
	{ "+46701740610", "en", "15592", 59.1790, 17.4300, true },
	/* Own coordinates win over the area's centre. */
};

/* Start the fake and the daemon with the example areas loaded. */
static void
start(struct e2e_world *w, const char *const fake_args[], const char *dispatch)
{
	struct e2e_conf	c = { 0 };
	char		gw[1024];

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, fake_args), 0);
	snprintf(gw, sizeof(gw), "areas = %s/conf/areas.csv\n"
	    "trygghetspunkter = %s/conf/trygghetspunkter.csv\n",
	    e2e_srcdir(), e2e_srcdir());
	c.fake_port = w->fake.port;
	c.gateway = gw;
	c.dispatch = dispatch;
	assert_int_equal(e2e_env_config(w->env, &c), 0);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
}

/* SIGTERM ends both cleanly (exit 0: no leaks under ASan). */
static void
finish(struct e2e_world *w)
{
	assert_int_equal(e2e_finish(w), 0);
}

/* A call that must answer want; the parsed answer (owned). */
static json_t *
call(struct e2e_world *w, const char *method, const char *path,
    const char *body, int want)
{
	int	 status;
	json_t	*res = e2e_api(&w->d, E2E_TOKEN, method, path, body, &status);

	if (status != want) {
		char	*s = json_dumps(res, JSON_COMPACT);

		fail_msg("%s %s: want %d, got %d %s", method, path, want,
		    status, s ? s : "");
	}
	return res;
}

/* Load people[] as contacts. */
static void
add_people(struct e2e_world *w)
{
	json_t	*arr = json_array(), *body, *res;
	char	*text;
	size_t	 i;

	for (i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		json_t	*c = json_pack("{ss ss s[s]}", "phone", people[i].phone,
		    "lang", people[i].lang, "groups", "invanare");

		if (people[i].area)
			json_object_set_new(c, "area",
			    json_string(people[i].area));
		if (people[i].lat != 0) {
			json_object_set_new(c, "lat", json_real(people[i].lat));
			json_object_set_new(c, "lon", json_real(people[i].lon));
		}
		json_array_append_new(arr, c);
	}
	body = json_pack("{so}", "contacts", arr);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	res = call(w, "POST", "/v1/contacts", text, 200);
	assert_int_equal(e2e_json_int(res, "upserted"), 6);
	json_decref(res);
	free(text);
}

/* The phones of an alert's deliveries, joined by spaces, sorted by id. */
static char *
delivered_to(struct e2e_world *w, long long id, const char *state)
{
	char	*out = xstrdup(""), *n;
	json_t	*list, *d;
	size_t	 i;

	assert_non_null(list = e2e_deliveries(&w->d, id, state));
	json_array_foreach(list, i, d) {
		n = str_printf("%s%s%s", out, *out ? " " : "",
		    e2e_json_str(d, "phone"));
		free(out);
		out = n;
	}
	json_decref(list);
	return out;
}

/* The people expected inside, in people[] order (ids follow it). */
static char *
expected_inside(void)
{
	char	*out = xstrdup("");
	size_t	 i;

	for (i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		char	*n;

		if (!people[i].in_circle)
			continue;
		n = str_printf("%s%s%s", out, *out ? " " : "", people[i].phone);
		free(out);
		out = n;
	}
	return out;
}

/* A circle reaches exactly the contacts inside it. */
static void
test_circle(void **state)
{
	struct e2e_world *w = *state;
	json_t		*res;
	char		*got, *want = expected_inside();

	start(w, NULL, NULL);
	add_people(w);
	res = call(w, "POST", "/v1/alerts", "{\"source_ref\": \"circle-1\", "
	    "\"message\": \"Vattenläcka vid centrum\", \"audience\": {\"circle\":"
	    " {\"lat\": 59.1786, \"lon\": 17.4310, \"radius_m\": 800}}}", 202);
	assert_int_equal(e2e_json_int(res, "recipients"), 4);
	got = delivered_to(w, e2e_json_int(res, "id"), NULL);
	json_decref(res);
	/* Order may differ: compare as sets of the same size. */
	assert_int_equal(strlen(got), strlen(want));
	for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++)
		assert_int_equal(strstr(got, people[i].phone) != NULL,
		    people[i].in_circle);
	free(got);
	free(want);
	finish(w);
}

/* A polygon around the northern half reaches only those in it. */
static void
test_polygon(void **state)
{
	struct e2e_world *w = *state;
	json_t		*res;
	char		*got;

	start(w, NULL, NULL);
	add_people(w);
	/* 59.181..59.19 N, 17.42..17.44 E: only the 500 m and 1 km N people. */
	res = call(w, "POST", "/v1/alerts", "{\"source_ref\": \"poly-1\", "
	    "\"message\": \"Strömavbrott\", \"audience\": {\"polygon\": "
	    "[[59.181, 17.42], [59.19, 17.42], [59.19, 17.44], "
	    "[59.181, 17.44]]}}", 202);
	assert_int_equal(e2e_json_int(res, "recipients"), 2);
	got = delivered_to(w, e2e_json_int(res, "id"), NULL);
	assert_non_null(strstr(got, "+46701740606"));
	assert_non_null(strstr(got, "+46701740607"));
	free(got);
	json_decref(res);
	finish(w);
}

static const char cap_two_languages[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
    "<identifier>se.nykvarn.e2e-%s</identifier>\n"
    "<sender>larm@nykvarn.se</sender>\n"
    "<sent>2026-11-26T19:30:00+01:00</sent>\n"
    "<status>%s</status><msgType>Alert</msgType><scope>Public</scope>\n"
    "<info><language>sv-SE</language><category>Safety</category>\n"
    "<event>Strömavbrott</event><urgency>Immediate</urgency>\n"
    "<severity>Severe</severity><certainty>Observed</certainty>\n"
    "<headline>Strömavbrott i centrum</headline>\n"
    "<description>Trygghetspunkterna är öppna.</description>\n"
    "<area><areaDesc>Centrum</areaDesc>"
    "<circle>59.1786,17.4310 0.8</circle></area></info>\n"
    "<info><language>en-GB</language><category>Safety</category>\n"
    "<event>Power cut</event><urgency>Immediate</urgency>\n"
    "<severity>Severe</severity><certainty>Observed</certainty>\n"
    "<headline>Power cut in the centre</headline>\n"
    "<description>The safety points are open.</description>\n"
    "<area><areaDesc>Centre</areaDesc>"
    "<circle>59.1786,17.4310 0.8</circle></area></info>\n"
    "</alert>\n";

/* POST a CAP document; the parsed answer and its status. */
static json_t *
post_cap(struct e2e_world *w, const char *xml, int *status)
{
	const char *const headers[] = {
		"Authorization: Bearer " E2E_TOKEN,
		"Content-Type: application/cap+xml",
		NULL
	};
	char	url[128], *resp = NULL;
	json_t	*res;

	snprintf(url, sizeof(url), "%s/v1/alerts", w->d.url);
	assert_int_equal(e2e_http("POST", url, headers, xml, status, &resp), 0);
	res = e2e_json_parse(resp ? resp : "");
	free(resp);
	return res;
}

/* Did the fake accept a message for to whose text holds text? */
static bool
fake_got(struct e2e_world *w, const char *to, const char *text)
{
	json_t		*got = e2e_fake_received(&w->fake, to), *m;
	const char	*msg;
	size_t		 i;
	bool		 found = false;

	json_array_foreach(got, i, m)
		if ((msg = e2e_json_str(m, "message")) != NULL &&
		    strstr(msg, text) != NULL)
			found = true;
	json_decref(got);
	return found;
}

/* What got_cb waits for: a message to a number that holds text. */
struct got_wait {
	struct e2e_world *w;
	const char	*to;
	const char	*text;
};

/* Has the fake got the message? */
static bool
got_cb(void *arg)
{
	struct got_wait	*gw = arg;

	return fake_got(gw->w, gw->to, gw->text);
}

/* A CAP alert in two languages: each recipient reads their own. */
static void
test_cap_languages(void **state)
{
	struct e2e_world *w = *state;
	struct got_wait	 sv = { w, "+46701740605", "Strömavbrott" };
	struct got_wait	 en = { w, "+46701740606", "Power cut" };
	char		 xml[4096];
	int		 status;
	json_t		*res;

	start(w, NULL, NULL);
	add_people(w);
	snprintf(xml, sizeof(xml), cap_two_languages, "lang", "Actual");
	res = post_cap(w, xml, &status);
	assert_int_equal(status, 202);
	assert_int_equal(e2e_json_int(res, "recipients"), 4);
	json_decref(res);
	assert_int_equal(e2e_wait_until(got_cb, &sv, WAIT_MS), 0);
	assert_int_equal(e2e_wait_until(got_cb, &en, WAIT_MS), 0);
	assert_false(fake_got(w, "+46701740606", "Strömavbrott"));
	/* The same identifier again is a duplicate, not a second alert. */
	res = post_cap(w, xml, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_true(json_object_get(res, "duplicate")));
	json_decref(res);
	finish(w);
}

/* CAP Test is accepted and counted, never sent; Cancel cancels. */
static void
test_cap_test_and_cancel(void **state)
{
	struct e2e_world *w = *state;
	char		 xml[4096], *at;
	int		 status;
	json_t		*res;
	long long	 id;

	/* One SMS a second: most of a big alert stays queued. */
	start(w, NULL, NULL);
	add_people(w);
	snprintf(xml, sizeof(xml), cap_two_languages, "test", "Test");
	res = post_cap(w, xml, &status);
	assert_int_equal(status, 202);
	assert_int_equal(e2e_json_int(res, "recipients"), 4);
	assert_int_equal(e2e_json_int(res, "suppressed"), 4);
	assert_string_equal(e2e_json_str(res, "status"), "test");
	json_decref(res);
	assert_int_equal(e2e_fake_stat(&w->fake, "requests"), 0);

	/* A circle beyond the 100 km of a JSON alert: refused, not sent. */
	snprintf(xml, sizeof(xml), cap_two_languages, "far", "Actual");
	at = strstr(xml, " 0.8</circle>");
	assert_non_null(at);
	memcpy(at, " 150", 4);		/* " 150</circle>": 150 km */
	res = post_cap(w, xml, &status);
	assert_int_equal(status, 422);
	assert_string_equal(e2e_json_str(res, "error.field"), "area/circle");
	json_decref(res);

	/* XXE is refused before anything is read. */
	res = post_cap(w, "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x "
	    "SYSTEM \"file:///etc/passwd\">]><alert xmlns=\"urn:oasis:names:"
	    "tc:emergency:cap:1.2\">&x;</alert>", &status);
	assert_int_equal(status, 400);
	json_decref(res);

	/* Cancel: an alert with expires far ahead, then its Cancel. */
	res = call(w, "POST", "/v1/alerts", "{\"source_ref\": \"se.nykvarn.c1\","
	    " \"message\": \"Övning\", \"audience\": {\"areas\": [\"15592\"]}}",
	    202);
	id = e2e_json_int(res, "id");
	json_decref(res);
	res = post_cap(w, "<?xml version=\"1.0\"?><alert xmlns=\"urn:oasis:"
	    "names:tc:emergency:cap:1.2\"><identifier>se.nykvarn.c2"
	    "</identifier><sender>larm@nykvarn.se</sender><sent>2026-11-26T"
	    "19:31:00+01:00</sent><status>Actual</status><msgType>Cancel"
	    "</msgType><scope>Public</scope><references>larm@nykvarn.se,"
	    "se.nykvarn.c1,2026-11-26T19:30:00+01:00</references></alert>",
	    &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(res,
	    "alerts"), 0)), id);
	json_decref(res);
	finish(w);
}

/* A preview renders per language and counts, and stores nothing. */
static void
test_preview(void **state)
{
	struct e2e_world *w = *state;
	json_t		*res, *texts, *x;
	size_t		 i;
	int		 sv = 0, en = 0;

	start(w, NULL, NULL);
	add_people(w);
	res = call(w, "POST", "/v1/preview", "{\"template\": \"incident\", "
	    "\"vars\": {\"place\": \"Centrum\", \"time\": \"22:15\", "
	    "\"description\": \"Brand i soprum\"}, \"audience\": {\"groups\": "
	    "[\"invanare\"]}}", 200);
	assert_int_equal(e2e_json_int(res, "recipients"), 6);
	texts = json_object_get(res, "texts");
	json_array_foreach(texts, i, x) {
		const char	*lang = e2e_json_str(x, "lang");

		assert_string_equal(e2e_json_str(x, "encoding"), "GSM-7");
		assert_int_equal(e2e_json_int(x, "segments"), 1);
		if (strcmp(lang, "sv") == 0)
			sv = (int)e2e_json_int(x, "recipients");
		if (strcmp(lang, "en") == 0)
			en = (int)e2e_json_int(x, "recipients");
	}
	assert_int_equal(sv, 4);
	assert_int_equal(en, 2);
	json_decref(res);
	/* A free text is one text for everyone, whatever they speak. */
	res = call(w, "POST", "/v1/preview", "{\"message\": \"Vattnet är "
	    "avstängt i centrum.\", \"audience\": {\"groups\": "
	    "[\"invanare\"]}}", 200);
	texts = json_object_get(res, "texts");
	assert_int_equal(json_array_size(texts), 1);
	assert_int_equal(e2e_json_int(json_array_get(texts, 0), "recipients"),
	    6);
	json_decref(res);
	res = call(w, "GET", "/v1/alerts", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(res, "alerts")), 0);
	json_decref(res);
	finish(w);
}

/* Export, erase and purge: personal data can be seen and removed. */
static void
test_personal_data(void **state)
{
	struct e2e_world *w = *state;
	json_t		*res;
	long long	 id;
	char		*got;

	start(w, NULL, NULL);
	add_people(w);
	res = call(w, "GET", "/v1/contacts?limit=4", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(res, "contacts")), 4);
	assert_string_equal(e2e_json_str(res, "next"), "+46701740608");
	json_decref(res);
	res = call(w, "POST", "/v1/alerts", "{\"source_ref\": \"pd-1\", "
	    "\"message\": \"Hej\", \"audience\": {\"contacts\": "
	    "[\"+46701740605\"]}}", 202);
	id = e2e_json_int(res, "id");
	json_decref(res);
	json_decref(call(w, "DELETE", "/v1/contacts/%2B46701740605", NULL,
	    200));
	json_decref(call(w, "GET", "/v1/contacts/+46701740605", NULL, 404));
	got = delivered_to(w, id, NULL);
	assert_null(strstr(got, "+46701740605"));
	free(got);
	/* The access log named the person only masked. */
	assert_true(e2e_log_contains(&w->d, "path=/v1/contacts/+4670*****605"));
	assert_false(e2e_log_contains(&w->d, "+46701740605"));
	/* Purge refuses less than a day and takes a year. */
	json_decref(call(w, "POST", "/v1/admin/purge", "{\"older_than_s\": 60}",
	    422));
	res = call(w, "POST", "/v1/admin/purge",
	    "{\"older_than_s\": 31536000}", 200);
	assert_int_equal(e2e_json_int(res, "deliveries"), 0);
	json_decref(res);
	finish(w);
}

/*
 * SMS only to numbers that take it: a fixed-line contact (classified when
 * stored) and a fixed-line number named in the audience (classified as
 * the request is read) are suppressed as not_mobile on sms.
 */
static void
test_not_mobile(void **state)
{
	struct e2e_world *w = *state;
	json_t		*res, *d;
	size_t		 i;
	long long	 id;
	int		 n = 0;

	start(w, NULL, NULL);
	res = call(w, "POST", "/v1/contacts", "{\"contacts\": ["
	    "{\"phone\": \"08-465 004 00\", \"groups\": [\"jour\"], "
	    "\"channels\": [\"sms\", \"voice\"]},"
	    "{\"phone\": \"070-174 06 50\", \"groups\": [\"jour\"], "
	    "\"channels\": [\"sms\", \"voice\"]}]}", 200);
	assert_int_equal(e2e_json_int(res, "upserted"), 2);
	json_decref(res);

	res = call(w, "POST", "/v1/alerts", "{\"source_ref\": \"fixed-1\", "
	    "\"message\": \"Provlarm\", \"audience\": {\"groups\": "
	    "[\"jour\"], \"contacts\": [\"031-390 06 00\"]}}", 202);
	assert_int_equal(e2e_json_int(res, "recipients"), 3);
	assert_int_equal(e2e_json_int(res, "suppressed"), 2);
	id = e2e_json_int(res, "id");
	json_decref(res);
	res = call(w, "GET", "/v1/alerts/1/deliveries?state=suppressed",
	    NULL, 200);
	assert_int_equal(id, 1);
	json_array_foreach(json_object_get(res, "deliveries"), i, d) {
		const char	*phone = e2e_json_str(d, "phone");

		assert_true(strcmp(phone, "+46846500400") == 0 ||
		    strcmp(phone, "+46313900600") == 0);
		assert_string_equal(e2e_json_str(d, "reason"), "not_mobile");
		n++;
	}
	assert_int_equal(n, 2);
	json_decref(res);

	finish(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		E2E_TEST(test_circle),
		E2E_TEST(test_not_mobile),
		E2E_TEST(test_polygon),
		E2E_TEST(test_cap_languages),
		E2E_TEST(test_cap_test_and_cancel),
		E2E_TEST(test_preview),
		E2E_TEST(test_personal_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
