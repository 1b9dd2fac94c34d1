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
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"vars\":{}," AUD "}",
	    422, "invalid_field", "vars" },
	{ "{\"source_ref\":\"a\",\"message\":\"hej\",\"callback_url\":"
	    "\"ftp://x\"," AUD "}", 422, "invalid_field", "callback_url" },
	{ "{\"source_ref\":\"a\",\"message\":\"\"," AUD "}", 422,
	    "invalid_field", "message" },
	{ "{\"source_ref\":\"a\\u0001b\",\"message\":\"hej\"," AUD "}", 422,
	    "invalid_field", "source_ref" },
};

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
		cmocka_unit_test(test_full_request),
		cmocka_unit_test(test_defaults_and_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
