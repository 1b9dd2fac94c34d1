/*
 * Tests for gateway/alert.c: validation of POST /v1/alerts bodies.
 * Each bad body must be refused with the right status, code and field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/alert.h"
#include "gateway/types.h"

struct bad_case {
	const char	*body;
	int		 status;
	const char	*code;
	const char	*field;		/* NULL: not checked, "" none */
};

#define AUD	"\"audience\":{\"groups\":[\"nattvandrare\"]}"

static const struct bad_case bad_cases[] = {
	{ "[]", 400, "invalid_json", "" },
	{ "\"x\"", 400, "invalid_json", "" },
	{ "{\"message\":\"hej\"," AUD "}", 422, "invalid_field",
	    "source_ref" },
	{ "{\"source_ref\":\"\",\"message\":\"hej\"," AUD "}", 422,
	    "invalid_field", "source_ref" },
	{ "{\"source_ref\":12,\"message\":\"hej\"," AUD "}", 400,
	    "invalid_json", "source_ref" },
	{ "{\"source_ref\":\"a\"," AUD "}", 422, "invalid_field", "template" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"template\":\"incident\","
	    AUD "}", 422, "invalid_field", "message" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"colour\":1," AUD "}",
	    422, "invalid_field", "colour" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\"}", 422, "empty_audience",
	    "audience" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":{}}", 422,
	    "empty_audience", "audience" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"groups\":[]}}", 422, "empty_audience", "audience" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":[]}", 400,
	    "invalid_json", "audience" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"groups\":\"nattvandrare\"}}", 400, "invalid_json",
	    "audience.groups" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"groups\":[1]}}", 400, "invalid_json", "audience.groups[0]" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"teams\":[\"x\"]}}", 422, "invalid_field", "audience.teams" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"contacts\":[\"+46701740605\",\"hello\"]}}", 422,
	    "invalid_phone", "audience.contacts[1]" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"contacts\":[\"070-12\"]}}", 422, "invalid_phone",
	    "audience.contacts[0]" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"circle\":{\"lat\":59,\"lon\":17,\"radius_m\":0}}}", 422,
	    "invalid_field", "audience.circle.radius_m" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"circle\":{\"lat\":91,\"lon\":17,\"radius_m\":10}}}", 422,
	    "invalid_field", "audience.circle.lat" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"circle\":{\"lat\":59,\"lon\":17}}}", 422,
	    "invalid_field", "audience.circle.radius_m" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"circle\":{\"lat\":\"59\",\"lon\":17,\"radius_m\":9}}}",
	    400, "invalid_json", "audience.circle.lat" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"circle\":{\"lat\":59,\"lon\":17,\"radius_m\":9,"
	    "\"r\":1}}}", 422, "invalid_field", "audience.circle.r" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"polygon\":[[59.17,17.42],[59.19,17.42]]}}", 422,
	    "invalid_field", "audience.polygon" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"polygon\":[[59.17,17.42],[59.19,17.42],[59.19]]}}", 400,
	    "invalid_json", "audience.polygon[2]" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"polygon\":[[59.17,17.42],[99.19,17.42],[59.19,17.45]]}}",
	    422, "invalid_field", "audience.polygon" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"severity\":\"huge\","
	    AUD "}", 422, "invalid_field", "severity" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"severity\":3," AUD "}",
	    400, "invalid_json", "severity" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"expires_in_s\":\"60\","
	    AUD "}", 400, "invalid_json", "expires_in_s" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"expires_in_s\":0,"
	    AUD "}", 422, "invalid_field", "expires_in_s" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"expires_in_s\":1.5,"
	    AUD "}", 400, "invalid_json", "expires_in_s" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":\"yes\"," AUD "}",
	    400, "invalid_json", "ack" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"channels\":[\"fax\"],"
	    AUD "}", 422, "invalid_field", "channels" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"channels\":[]," AUD "}",
	    422, "invalid_field", "channels" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"channels\":\"sms\","
	    AUD "}", 400, "invalid_json", "channels" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"lang\":\"Svenska\","
	    AUD "}", 422, "invalid_field", "lang" },
	{ "{\"source_ref\":\"a\",\"template\":\"incident\",\"vars\":[1],"
	    AUD "}", 400, "invalid_json", "vars" },
	{ "{\"source_ref\":\"a\",\"template\":\"incident\",\"vars\":"
	    "{\"place\":{}}," AUD "}", 400, "invalid_json", "vars.place" },
	{ "{\"source_ref\":\"a\",\"template\":\"incident\",\"vars\":"
	    "{\"place\":\" \"}," AUD "}", 422, "invalid_field", "vars.place" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"vars\":{}," AUD "}",
	    422, "invalid_field", "vars" },
	/* The gateway's own numbers come from its configuration: an alert
	 * may not tell people in danger to call another number. */
	{ "{\"source_ref\":\"a\",\"template\":\"incident\",\"vars\":"
	    "{\"emergency_number\":\"999\"}," AUD "}", 422, "invalid_field",
	    "vars.emergency_number" },
	{ "{\"source_ref\":\"a\",\"template\":\"incident\",\"vars\":"
	    "{\"duty_number\":\"08-1\"}," AUD "}", 422, "invalid_field",
	    "vars.duty_number" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"callback_url\":"
	    "\"ftp://x\"," AUD "}", 422, "invalid_field", "callback_url" },
	{ "{\"source_ref\":\"a\",\"message\":\"\"," AUD "}", 422,
	    "invalid_field", "message" },
	{ "{\"source_ref\":\"a\\u0001b\",\"message\":\"hej\"," AUD "}", 422,
	    "invalid_field", "source_ref" },
	/* An empty or unparseable number anywhere is invalid_phone. */
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"contacts\":[\"\"]}}", 422, "invalid_phone",
	    "audience.contacts[0]" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"audience\":"
	    "{\"contacts\":[\"+46701740605\",\"   \"]}}", 422, "invalid_phone",
	    "audience.contacts[1]" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to\":{\"contacts\":[\"\"]},"
	    "\"escalate_to_after_s\":60," AUD "}", 422, "invalid_phone",
	    "escalate_to.contacts[0]" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to\":[{\"groups\":[\"b\"]},"
	    "{\"contacts\":[\"x12\"]}],\"escalate_to_after_s\":60," AUD "}",
	    422, "invalid_phone", "escalate_to[1].contacts[0]" },
	/* Call-outs. */
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"need\":3," AUD "}",
	    422, "invalid_field", "need" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":0," AUD "}", 422, "invalid_field", "need" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":\"3\"," AUD "}", 400, "invalid_json", "need" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"escalate_to\":{\"groups\":[\"b\"]},\"escalate_to_after_s\":60,"
	    AUD "}", 422, "invalid_field", "escalate_to" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to\":{\"groups\":[\"b\"]}," AUD "}", 422,
	    "invalid_field", "escalate_to_after_s" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to_after_s\":60," AUD "}", 422,
	    "invalid_field", "escalate_to_after_s" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to\":[{\"groups\":[\"b\"]},"
	    "{\"groups\":[\"c\"]},{\"groups\":[\"d\"]}],"
	    "\"escalate_to_after_s\":60," AUD "}", 422, "invalid_field",
	    "escalate_to" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to\":{},\"escalate_to_after_s\":60," AUD
	    "}", 422, "empty_audience", "escalate_to" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to\":{\"areas\":[\"15531\"]},"
	    "\"escalate_to_after_s\":60," AUD "}", 422, "invalid_field",
	    "escalate_to.areas" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"ack\":true,"
	    "\"need\":2,\"escalate_to\":\"reserv\",\"escalate_to_after_s\":60,"
	    AUD "}", 400, "invalid_json", "escalate_to" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"send_at\":"
	    "\"tomorrow\"," AUD "}", 422, "invalid_field", "send_at" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"send_at\":"
	    "\"2026-11-26 21:15\"," AUD "}", 422, "invalid_field", "send_at" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"send_at\":"
	    "\"2026-13-26T21:15:00Z\"," AUD "}", 422, "invalid_field",
	    "send_at" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"send_at\":"
	    "\"2026-11-26T21:15:00+1:00\"," AUD "}", 422, "invalid_field",
	    "send_at" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"send_at\":1764191700,"
	    AUD "}", 400, "invalid_json", "send_at" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"quiet_hours\":"
	    "\"skip\"," AUD "}", 422, "invalid_field", "quiet_hours" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"quiet_hours\":"
	    "false," AUD "}", 400, "invalid_json", "quiet_hours" },
};

/* A message of 1,601 bytes is message_too_long before anything else. */
static void
test_message_too_long(void **state)
{
	struct alert_req	 req;
	struct api_error	 err;
	json_t			*root;
	char			 text[1602];

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* Wrong in other ways too: no source_ref, a control character,
	 * an unknown field, no audience. */
	text[10] = '\001';
	root = json_pack("{ss si}", "message", text, "colour", 1);
	assert_int_equal(alert_parse(root, "SE", &req, &err), -1);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.code, "message_too_long");
	assert_string_equal(err.field, "message");
	json_decref(root);
	/* 1,600 bytes are fine (two-byte characters counted as bytes). */
	memset(text, 'a', 1600);
	text[1600] = '\0';
	root = json_pack("{ss ss s{s[s]}}", "source_ref", "r", "message", text,
	    "audience", "contacts", "0701740605");
	assert_int_equal(alert_parse(root, "SE", &req, &err), 0);
	alert_req_clear(&req);
	json_decref(root);
	memcpy(text + 1599, "\xc3\xa5", 3);	/* 1,601 bytes */
	root = json_pack("{ss ss s{s[s]}}", "source_ref", "r", "message", text,
	    "audience", "contacts", "0701740605");
	assert_int_equal(alert_parse(root, "SE", &req, &err), -1);
	assert_string_equal(err.code, "message_too_long");
	json_decref(root);
}

/* need, a chain of two more audiences, send_at and quiet_hours. */
static void
test_callout_fields(void **state)
{
	const char	*body = "{\"source_ref\":\"utrop-1\",\"message\":"
	    "\"Kan du komma?\",\"ack\":true,\"need\":4,"
	    "\"audience\":{\"groups\":[\"nattvandrare\"]},"
	    "\"escalate_to\":[{\"groups\":[\"reserv\"]},{\"contacts\":"
	    "[\"070-174 06 05\"],\"groups\":[]}],\"escalate_to_after_s\":600,"
	    "\"send_at\":\"2026-11-26T22:15:00.250+01:00\",\"quiet_hours\":"
	    "\"ignore\"}";
	struct alert_req	 req;
	struct api_error	 err;
	json_t			*root = json_loads(body, 0, NULL), *chain;
	char			*text;

	assert_non_null(root);
	if (alert_parse(root, "SE", &req, &err) != 0)
		fail_msg("%s: %s", err.field, err.message);
	json_decref(root);
	assert_int_equal(req.need, 4);
	assert_int_equal(req.nchain, 2);
	assert_int_equal(req.chain_after_s, 600);
	assert_string_equal(req.chain[0].groups[0], "reserv");
	assert_string_equal(req.chain[1].contacts[0], "+46701740605");
	/* 21:15:00.250Z on 26 November 2026. */
	assert_int_equal(req.send_at, 1795727700250LL);
	assert_true(req.quiet_ignore);
	assert_non_null(req.canon);
	chain = alert_chain_json(&req, 1);
	text = json_dumps(chain, JSON_COMPACT);
	assert_string_equal(text, "[{\"groups\":[],\"contacts\":"
	    "[\"+46701740605\"]}]");
	free(text);
	json_decref(chain);
	assert_null(alert_chain_json(&req, 2));
	/* The second step's audience replaces the first's. */
	alert_req_use_step(&req, 0);
	assert_int_equal(req.ngroups, 1);
	assert_string_equal(req.groups[0], "reserv");
	assert_int_equal(req.ncontacts, 0);
	alert_req_clear(&req);
	assert_int_equal(alert_parse_time("2026-11-26T21:15:00Z"),
	    1795727700000LL);
	assert_int_equal(alert_parse_time("2026-11-26t21:15:00z"),
	    1795727700000LL);
	assert_int_equal(alert_parse_time("2026-11-26T16:15:00-05:00"),
	    1795727700000LL);
	assert_int_equal(alert_parse_time("2026-11-26T21:15:00"), -1);
	assert_int_equal(alert_parse_time("2026-11-26T21:15:00Zx"), -1);
	/* No rolling over into the next month, no signs or spaces. */
	assert_int_equal(alert_parse_time("2026-02-30T21:15:00Z"), -1);
	assert_int_equal(alert_parse_time("2026-04-31T21:15:00Z"), -1);
	assert_true(alert_parse_time("2028-02-29T21:15:00Z") > 0);
	assert_int_equal(alert_parse_time("2027-02-29T21:15:00Z"), -1);
	assert_true(alert_parse_time("2026-12-31T23:59:59Z") > 0);
	assert_int_equal(alert_parse_time("2026-+1-26T21:15:00Z"), -1);
	assert_int_equal(alert_parse_time("2026-11- 6T21:15:00Z"), -1);
	assert_int_equal(alert_parse_time("2026-11-26T 1:15:00Z"), -1);
}


/* source_ref is up to 128 characters, whatever their bytes (API.md). */
static void
test_source_ref_chars(void **state)
{
	struct alert_req	 req;
	struct api_error	 err;
	json_t			*root;
	char			 ref[2 * 129 + 1];
	int			 n;

	(void)state;
	for (n = 128; n <= 129; n++) {
		memset(ref, 0, sizeof(ref));
		while (strlen(ref) < (size_t)n * 2)
			strcat(ref, "\xc3\xa5");	/* å */
		root = json_pack("{s:s, s:s, s:{s:[s]}}", "source_ref", ref,
		    "message", "hej", "audience", "groups", "nattvandrare");
		assert_non_null(root);
		memset(&err, 0, sizeof(err));
		if (n == 128) {
			assert_int_equal(alert_parse(root, "SE", &req, &err),
			    0);
			assert_string_equal(req.source_ref, ref);
			alert_req_clear(&req);
		} else {
			assert_int_equal(alert_parse(root, "SE", &req, &err),
			    -1);
			assert_string_equal(err.field, "source_ref");
		}
		json_decref(root);
	}
}

static void
test_bad_bodies(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case	*c = &bad_cases[i];
		struct alert_req	 req;
		struct api_error	 err;
		json_error_t		 je;
		json_t			*root;
		int			 rc;

		root = json_loads(c->body, JSON_DECODE_ANY, &je);
		if (root == NULL)
			fail_msg("case %zu does not parse: %s", i, je.text);
		memset(&err, 0, sizeof(err));
		rc = alert_parse(root, "SE", &req, &err);
		json_decref(root);
		if (rc != -1)
			fail_msg("case %zu accepted: %s", i, c->body);
		if (err.status != c->status || strcmp(err.code, c->code) != 0 ||
		    (c->field != NULL && strcmp(err.field, c->field) != 0))
			fail_msg("case %zu: want %d %s field '%s', got %d %s "
			    "field '%s' (%s)", i, c->status, c->code,
			    c->field ? c->field : "", err.status, err.code,
			    err.field, err.message);
		assert_true(err.message[0] != '\0');
		assert_null(req.source_ref);	/* cleared on failure */
	}
}

static void
test_full_request(void **state)
{
	const char	*body = "{\"source_ref\":\"coord-4711\","
	    "\"type\":\"incident\",\"severity\":\"severe\","
	    "\"template\":\"incident\",\"vars\":{\"place\":\"Nykvarns "
	    "centrum\",\"time\":\"22:15\",\"n\":3},\"lang\":\"en\","
	    "\"audience\":{\"groups\":[\"nattvandrare\"],\"contacts\":"
	    "[\"+46701234567\",\"070-765 43 21\"]},\"channels\":[\"sms\"],"
	    "\"ack\":true,\"expires_in_s\":3600,\"callback_url\":"
	    "\"https://coordination.example/hooks/varsel\"}";
	struct alert_req	 req;
	struct api_error	 err;
	json_t			*root = json_loads(body, 0, NULL);
	size_t			 i;
	int			 seen = 0;

	assert_non_null(root);
	assert_int_equal(alert_parse(root, "SE", &req, &err), 0);
	json_decref(root);
	assert_string_equal(req.source_ref, "coord-4711");
	assert_int_equal(req.severity, SEV_SEVERE);
	assert_string_equal(req.template, "incident");
	assert_null(req.message);
	assert_string_equal(req.lang, "en");
	assert_int_equal(req.ngroups, 1);
	assert_string_equal(req.groups[0], "nattvandrare");
	assert_int_equal(req.ncontacts, 2);
	assert_string_equal(req.contacts[0], "+46701234567");
	assert_string_equal(req.contacts[1], "+46707654321");
	assert_int_equal(req.channels, CH_SMS);
	assert_true(req.ack);
	assert_int_equal(req.expires_in_s, 3600);
	assert_int_equal(req.nvars, 3);
	for (i = 0; i < req.nvars; i++) {
		if (strcmp(req.vars[i].name, "n") == 0) {
			assert_string_equal(req.vars[i].value, "3");
			seen++;
		}
		if (strcmp(req.vars[i].name, "place") == 0) {
			assert_string_equal(req.vars[i].value,
			    "Nykvarns centrum");
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	assert_int_equal(strlen(req.body_hash), 64);
	alert_req_clear(&req);
}

static void
test_defaults_and_hash(void **state)
{
	struct alert_req	 a, b;
	struct api_error	 err;
	json_t			*ra, *rb;

	/* Key order and whitespace do not change the idempotency hash. */
	ra = json_loads("{\"source_ref\":\"r1\",\"message\":\"Hej\","
	    "\"audience\":{\"contacts\":[\"0701740605\"]}}", 0, NULL);
	rb = json_loads("{ \"audience\" : {\"contacts\":[\"0701740605\"]},"
	    "\"message\":\"Hej\", \"source_ref\":\"r1\" }", 0, NULL);
	assert_int_equal(alert_parse(ra, "SE", &a, &err), 0);
	assert_int_equal(alert_parse(rb, "SE", &b, &err), 0);
	assert_string_equal(a.body_hash, b.body_hash);
	assert_int_equal(a.severity, SEV_MODERATE);
	assert_string_equal(a.lang, "sv");
	assert_int_equal(a.channels, CH_SMS);
	assert_string_equal(a.type, "message");
	assert_false(a.ack);
	assert_int_equal(a.expires_in_s, 0);
	alert_req_clear(&b);
	json_decref(rb);

	/* A different text is a different hash. */
	rb = json_loads("{\"source_ref\":\"r1\",\"message\":\"Hej!\","
	    "\"audience\":{\"contacts\":[\"0701740605\"]}}", 0, NULL);
	assert_int_equal(alert_parse(rb, "SE", &b, &err), 0);
	assert_string_not_equal(a.body_hash, b.body_hash);
	alert_req_clear(&a);
	alert_req_clear(&b);
	json_decref(ra);
	json_decref(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_source_ref_chars),
		cmocka_unit_test(test_full_request),
		cmocka_unit_test(test_defaults_and_hash),
		cmocka_unit_test(test_message_too_long),
		cmocka_unit_test(test_callout_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
