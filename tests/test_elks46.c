/*
 * Tests of the 46elks adapter without a network: the request it builds,
 * how it reads saved answers (tests/data/46elks), callback verification,
 * delivery reports, inbound SMS, calls and their events, and
 * configuration errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "adapters/adapter.h"
#include "gateway/config.h"
#include "gateway/http_client.h"
#include "gateway/util.h"
#include "tests/adapter_test.h"

#define SECRET		"abc+def/ghi=jkl&mno%xyz"	/* 23 chars */
#define SECRET_ENC	"abc%2Bdef%2Fghi%3Djkl%26mno%25xyz"
#define STATUS_URL	"https://larm.nykvarn.example/hooks/elks/status?s="
#define VOICE_URL	"https://larm.nykvarn.example/hooks/elks/voice?s="
#define VOICE_HOOK	"https://larm.nykvarn.example/hooks/elks/voice"
#define MEDIA		"https://larm.nykvarn.example/media/" \
			"0a1b2c3d4e5f60718293a4b5c6d7e8f9" \
			"0a1b2c3d4e5f60718293a4b5c6d7e8f9.wav"

/* The keys of a valid [provider elks] section. */
static const char *const elks_kv[][2] = {
	{ "username", "u0123456789abcdef0123456789abcdef" },
	{ "password", "P4SSW0RD0123456789ABCDEF" },
	{ "callback_secret", SECRET },
};

/* A valid [provider elks] section; tests then change what they need. */
static const struct at_conf elks = {
	.name = "elks",
	.type = "46elks",
	.line = 40,
	.priority = 1,
	.rate = 100,
	.max_connections = 16,
	.from = "Nykvarn",
	.base_url = "https://api.46elks.com/a1/",
	.timeout_ms = 7000,
	.kv = elks_kv,
	.nkv = nitems(elks_kv),
};

/* A fixed message; from NULL uses the provider's sender. */
static const char	text[] =
    "Brand vid Skolgatan & Torget: håll dörrar stängda! 1+1=2 åäö ÅÄÖ "
    "100% säkert? a=b";

/* The request for an SMS: URL, credentials, body fields, timeout. */
static void
test_build_send(void **state)
{
	struct at_section	 s;
	struct adapter		*a;
	struct outmsg		 m = { 0 };
	struct http_request	 req;
	struct send_result	 res;
	struct kvlist		 form = { 0 }, q = { 0 };
	const char		*wd;
	size_t			 i;

	at_section_init(&s, &elks);
	a = at_make(&s);
	m.delivery_id = 17;
	m.channel = CH_SMS;
	m.to = "+46701234567";
	m.text = text;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	assert_int_equal(a->ops->send(a, &m, &req, &res), ADAPTER_HTTP);

	assert_string_equal(req.url, "https://api.46elks.com/a1/sms");
	assert_true(req.method == NULL || strcmp(req.method, "POST") == 0);
	assert_string_equal(req.userpwd,
	    "u0123456789abcdef0123456789abcdef:P4SSW0RD0123456789ABCDEF");
	assert_true(req.content_type == NULL || strcmp(req.content_type,
	    "application/x-www-form-urlencoded") == 0);
	assert_int_equal(req.timeout_ms, 7000);
	assert_non_null(req.body);
	assert_int_equal(strlen(req.body), req.body_len);
	/* Only form-safe bytes on the wire: & and = are the separators. */
	for (i = 0; i < req.body_len; i++)
		assert_true((unsigned char)req.body[i] < 0x80 &&
		    req.body[i] != ' ');

	assert_int_equal(form_parse(req.body, req.body_len, &form), 0);
	assert_int_equal(form.n, 4);
	assert_string_equal(kvlist_get(&form, "from"), "Nykvarn");
	assert_string_equal(kvlist_get(&form, "to"), "+46701234567");
	assert_string_equal(kvlist_get(&form, "message"), text);
	wd = kvlist_get(&form, "whendelivered");
	assert_non_null(wd);
	/* The secret is percent-encoded inside the callback URL... */
	assert_string_equal(wd, STATUS_URL SECRET_ENC);
	/* ...and decodes back to itself from the query string. */
	assert_int_equal(form_parse(strchr(wd, '?') + 1,
	    strlen(strchr(wd, '?') + 1), &q), 0);
	assert_string_equal(kvlist_get(&q, "s"), SECRET);
	assert_null(kvlist_get(&form, "dryrun"));
	assert_null(kvlist_get(&form, "flashsms"));
	kvlist_free(&q);
	kvlist_free(&form);
	http_request_reset(&req);
	adapter_free(a);
}

/* The message's own sender wins; dryrun and flashsms are passed on. */
static void
test_build_send_options(void **state)
{
	struct at_section	 s;
	struct adapter		*a;
	struct outmsg		 m = { 0 };
	struct http_request	 req;
	struct send_result	 res;
	struct kvlist		 form = { 0 };

	at_section_init(&s, &elks);
	at_section_set(&s, "dryrun", "yes");
	at_section_set(&s, "flashsms", "yes");
	s.pc.base_url = "http://127.0.0.1:9999/a1";
	a = at_make(&s);
	m.channel = CH_SMS;
	m.to = "+46701234567";
	m.from = "+46766860000";
	m.text = "x";
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	assert_int_equal(a->ops->send(a, &m, &req, &res), ADAPTER_HTTP);
	assert_string_equal(req.url, "http://127.0.0.1:9999/a1/sms");
	assert_int_equal(form_parse(req.body, req.body_len, &form), 0);
	assert_string_equal(kvlist_get(&form, "from"), "+46766860000");
	assert_string_equal(kvlist_get(&form, "dryrun"), "yes");
	assert_string_equal(kvlist_get(&form, "flashsms"), "yes");
	kvlist_free(&form);
	http_request_reset(&req);
	adapter_free(a);
}

/* A call with voice_from; the test fails unless send asks for HTTP. */
static void
build_call(struct adapter *a, const struct outmsg *m,
    struct http_request *req, struct kvlist *form, json_t **start)
{
	struct send_result	res;
	json_error_t		jerr;

	memset(req, 0, sizeof(*req));
	memset(&res, 0, sizeof(res));
	memset(form, 0, sizeof(*form));
	if (a->ops->send(a, m, req, &res) != ADAPTER_HTTP)
		fail_msg("send: %s", res.error);
	assert_string_equal(req->url, "https://api.46elks.com/a1/calls");
	assert_string_equal(req->userpwd,
	    "u0123456789abcdef0123456789abcdef:P4SSW0RD0123456789ABCDEF");
	assert_int_equal(form_parse(req->body, req->body_len, form), 0);
	*start = json_loads(kvlist_get(form, "voice_start"), 0, &jerr);
	if (*start == NULL)
		fail_msg("voice_start is not JSON: %s", jerr.text);
}

/* A call asking for 1: ivr on the rendered audio, next to our hook. */
static void
test_build_call(void **state)
{
	struct at_section	 s;
	struct adapter		*a;
	struct outmsg		 m = { 0 };
	struct http_request	 req;
	struct kvlist		 form, q = { 0 };
	json_t			*start;
	const char		*next;

	at_section_init(&s, &elks);
	at_section_set(&s, "voice_from", "+46766860000");
	a = at_make(&s);
	assert_int_equal(a->caps, ADAPTER_CAP_SMS | ADAPTER_CAP_VOICE |
	    ADAPTER_CAP_STATUS | ADAPTER_CAP_AUDIO);
	m.delivery_id = 42;
	m.channel = CH_VOICE;
	m.to = "+46701234567";
	m.text = "Viktigt meddelande. Tryck 1.";
	m.lang = "sv";
	m.media_url = MEDIA;
	m.ask_ack = true;
	build_call(a, &m, &req, &form, &start);
	assert_int_equal(form.n, 5);
	assert_string_equal(kvlist_get(&form, "from"), "+46766860000");
	assert_string_equal(kvlist_get(&form, "to"), "+46701234567");
	assert_string_equal(kvlist_get(&form, "timeout"), "30");
	assert_int_equal(json_object_size(start), 5);
	assert_string_equal(json_string_value(json_object_get(start, "ivr")),
	    MEDIA);
	assert_int_equal(json_integer_value(json_object_get(start, "digits")),
	    1);
	assert_int_equal(json_integer_value(json_object_get(start,
	    "timeout")), 10);
	assert_int_equal(json_integer_value(json_object_get(start, "repeat")),
	    2);
	next = json_string_value(json_object_get(start, "next"));
	assert_non_null(next);
	assert_string_equal(next, VOICE_URL SECRET_ENC "&d=42");
	/* The secret and the id come back out of the query as sent. */
	assert_int_equal(form_parse(strchr(next, '?') + 1,
	    strlen(strchr(next, '?') + 1), &q), 0);
	assert_string_equal(kvlist_get(&q, "s"), SECRET);
	assert_string_equal(kvlist_get(&q, "d"), "42");
	assert_string_equal(kvlist_get(&form, "whenhangup"),
	    VOICE_URL SECRET_ENC "&d=42&event=hangup");
	json_decref(start);
	kvlist_free(&q);
	kvlist_free(&form);
	http_request_reset(&req);

	/* Without ask_ack it only plays; the message's own number calls. */
	m.ask_ack = false;
	m.from = "+46766860001";
	build_call(a, &m, &req, &form, &start);
	assert_int_equal(json_object_size(start), 1);
	assert_string_equal(json_string_value(json_object_get(start, "play")),
	    MEDIA);
	assert_string_equal(kvlist_get(&form, "from"), "+46766860001");
	json_decref(start);
	kvlist_free(&form);
	http_request_reset(&req);

	/* A sender name cannot call: voice_from is used. */
	m.from = "Nykvarn";
	build_call(a, &m, &req, &form, &start);
	assert_string_equal(kvlist_get(&form, "from"), "+46766860000");
	json_decref(start);
	kvlist_free(&form);
	http_request_reset(&req);
	adapter_free(a);
}

/* No voice_from: no calls; no media_url: no call. */
static void
test_call_refused(void **state)
{
	struct at_section	 s;
	struct adapter		*a;
	struct outmsg		 m = { 0 };
	struct http_request	 req;
	struct send_result	 res;

	at_section_init(&s, &elks);
	a = at_make(&s);
	assert_int_equal(a->caps, ADAPTER_CAP_SMS | ADAPTER_CAP_STATUS |
	    ADAPTER_CAP_AUDIO);
	m.channel = CH_VOICE;
	m.to = "+46701234567";
	m.text = "x";
	m.media_url = MEDIA;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	assert_int_equal(a->ops->send(a, &m, &req, &res), -1);
	assert_int_equal(res.status, SEND_PERMFAIL);
	assert_non_null(strstr(res.error, "voice_from"));
	assert_null(req.url);
	assert_null(req.body);
	adapter_free(a);

	at_section_init(&s, &elks);
	at_section_set(&s, "voice_from", "+46766860000");
	a = at_make(&s);
	m.media_url = NULL;
	memset(&res, 0, sizeof(res));
	assert_int_equal(a->ops->send(a, &m, &req, &res), -1);
	assert_int_equal(res.status, SEND_PERMFAIL);
	assert_non_null(strstr(res.error, "media_url"));
	assert_null(req.url);
	assert_null(req.body);
	adapter_free(a);
}

/* Saved answers to POST /sms and how each is classified. */
static void
test_parse_send(void **state)
{
	static const struct at_send_case cases[] = {
		{ "send_created.json", 200, 0, 0, SEND_OK,
		    "s17a6e09b1d2c3f4a5b6c7d8e9f0a1b2c", false, 0, "" },
		{ "send_failed.json", 200, 0, 0, SEND_PERMFAIL,
		    "s2b7f00aa11bb22cc33dd44ee55ff6677", false, 0,
		    "46elks: message s2b7f00aa11bb22cc33dd44ee55ff6677 failed" },
		{ "401.txt", 401, 0, 0, SEND_PERMFAIL, "", true, 0,
		    "API access denied" },
		{ "403_credits.txt", 403, 0, 0, SEND_PERMFAIL, "", false, 0,
		    "Not enough credits" },
		{ "400_invalid_to.txt", 400, 0, 0, SEND_PERMFAIL, "", false, 0,
		    "Invalid to number" },
		{ "400_error.json", 400, 0, 0, SEND_PERMFAIL, "", false, 0,
		    "{\"error\": \"Missing key message\"}" },
		{ "429.txt", 429, 30, 0, SEND_TEMPFAIL, "", false, 30,
		    "Too many requests" },
		{ "500.txt", 500, 0, 0, SEND_TEMPFAIL, "", false, 0,
		    "<html><head><title>500 Internal Server Error" },
		{ "503.txt", 503, 7, 0, SEND_TEMPFAIL, "", false, 7,
		    "Service temporarily unavailable" },
		{ NULL, 0, 0, CURLE_COULDNT_CONNECT, SEND_TEMPFAIL, "", false,
		    0, "transport: Failed to connect" },
		{ "200_html.txt", 200, 0, 0, SEND_OK, "", false, 0,
		    "2xx without id: <!DOCTYPE html> <html><body>OK" },
		{ "send_noid.json", 200, 0, 0, SEND_OK, "", false, 0,
		    "2xx without id: {\"status\": \"created\"" },
		{ "call_ongoing.json", 200, 0, 0, SEND_OK,
		    "c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b", false, 0, "" },
		{ "call_failed.json", 200, 0, 0, SEND_PERMFAIL,
		    "c0000000000000000000000000000000f", false, 0,
		    "46elks: call c0000000000000000000000000000000f failed" },
	};
	struct at_section	 s;
	struct adapter		*a;

	at_section_init(&s, &elks);
	a = at_make(&s);
	/* A connection refused: the request never went out. */
	at_parse_send(a, "46elks", cases, nitems(cases),
	    "Failed to connect to api.46elks.com port 443", false);
	adapter_free(a);
}

/* Ids of 95 characters (the longest ref) and of 96 (too long). */
#define ID95	"s0123456789abcdef0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef0123456789abcd"
#define ID96	ID95 "e"
/* A status longer than what is shown of it. */
#define LONG_STATUS \
		"queued-at-the-operator-and-then-passed-on-to-another-one-" \
		"and-then-to-a-third-one-in-a-long-chain"
/* Members of an SMS besides id and status, to make a body long enough. */
#define SMS_REST \
		"\"direction\":\"outgoing\",\"from\":\"Nykvarn\"," \
		"\"to\":\"+46700000001\",\"message\":\"Prov\",\"parts\":1," \
		"\"cost\":3500"

/* A body with a NUL byte in it. */
#define NUL_BODY	"{\"id\":\"s1\",\"parts\":1\0}"

/*
 * Answers read by jsonscan and answers it leaves to jansson (escapes in
 * what is read, numbers it does not size, odd shapes), each classified
 * as before; a scanned one alike when a member sends it to jansson.
 */
static void
test_parse_send_readers(void **state)
{
	static const char *const keys[] = { "id", "status", "state" };
	static const struct at_body_case cases[] = {
		{ "{\"id\":\"s1a2b3\",\"status\":\"created\"," SMS_REST "}", 0,
		    true, SEND_OK, "s1a2b3", "", true },
		{ "{\"id\":\"s1\",\"status\":\"delivered\"}", 0, true,
		    SEND_OK, "s1", "", true },
		{ "{\"id\":\"s1\",\"status\":\"failed\"," SMS_REST "}", 0,
		    true, SEND_PERMFAIL, "s1",
		    "46elks: message s1 failed", true },
		{ "{\"id\":\"c1\",\"state\":\"failed\"}", 0, true,
		    SEND_PERMFAIL, "c1", "46elks: call c1 failed", true },
		{ "{\"id\":\"c1\",\"state\":\"ongoing\",\"actions\":"
		    "[{\"play\":\"https://larm.nykvarn.example/m.wav\"}]}", 0,
		    true, SEND_OK, "c1", "", true },
		/* status not a string: state counts. */
		{ "{\"id\":\"c1\",\"status\":null,\"state\":\"failed\"}", 0,
		    true, SEND_PERMFAIL, "c1", "46elks: call c1 failed",
		    true },
		{ "{\"id\":\"s1\",\"status\":\"queued\"}", 0, true, SEND_OK,
		    "s1", "46elks: unknown status 'queued'", true },
		{ "{\"id\":\"s1\",\"status\":\"" LONG_STATUS "\"}", 0, true,
		    SEND_OK, "s1", "46elks: unknown status 'queued-at-the-"
		    "operator-and-then-passed-on-to-another-one-and-the'",
		    true },
		{ "{\"id\":\"" ID95 "\",\"status\":\"sent\"}", 0, true,
		    SEND_OK, ID95, "", true },
		{ "{\"id\":\"" ID96 "\",\"status\":\"sent\"}", 0, true,
		    SEND_OK, "", "2xx without id: {\"id\":\"s0123456789abcdef",
		    true },
		{ "{\"id\":\"\",\"status\":\"created\"," SMS_REST "}", 0, true,
		    SEND_OK, "", "2xx without id: {\"id\":\"\",", true },
		{ "{\"id\":12345,\"status\":\"created\"," SMS_REST "}", 0, true,
		    SEND_OK, "", "2xx without id: {\"id\":12345,", true },
		{ "{\"sms\":{\"id\":\"s1\"},\"status\":\"created\"," SMS_REST
		    "}", 0, true, SEND_OK, "", "2xx without id: {\"sms\":",
		    true },
		{ "{\"id\":\"s1\",\"status\":\"failed\",\"id\":\"s2\"}", 0,
		    true, SEND_PERMFAIL, "s2", "46elks: message s2 failed",
		    true },
		/* An escape in the message only: still scanned. */
		{ "{\"id\":\"s1\",\"status\":\"created\",\"message\":\"Str"
		    "\\u00f6mavbrott\\n\\u00e5\\u00e4\\u00f6\"}", 0, true,
		    SEND_OK, "s1", "", true },
		/* Left to jansson. */
		{ "{\"id\":\"s\\u0031\",\"status\":\"created\"}", 0, false,
		    SEND_OK, "s1", "", false },
		{ "{\"id\":\"a\\/b\",\"status\":\"created\"}", 0, false,
		    SEND_OK, "a/b", "", false },
		{ "{\"id\":\"s1\",\"status\":\"fail\\u0065d\"}", 0, false,
		    SEND_PERMFAIL, "s1", "46elks: message s1 failed", false },
		{ "{\"id\":\"s1\",\"status\":\"created\",\"cost\":3.5e3}", 0,
		    false, SEND_OK, "s1", "", false },
		/* jansson skips a NUL after a number; the scanner does not. */
		{ NUL_BODY, sizeof(NUL_BODY) - 1, false, SEND_OK, "s1", "",
		    false },
		{ "[{\"id\":\"s1\",\"status\":\"created\"}]", 0, false, SEND_OK,
		    "", "2xx without id: [{\"id\":\"s1\"", false },
		{ "{\"id\":\"s1\",\"status\":\"created\"} x", 0, false, SEND_OK,
		    "", "2xx without id: {\"id\":\"s1\"", false },
	};
	struct at_section	 s;
	struct adapter		*a;

	(void)state;
	assert_int_equal(strlen(ID95), 95);
	at_section_init(&s, &elks);
	a = at_make(&s);
	at_parse_bodies(a, 200, cases, nitems(cases), keys, nitems(keys));
	adapter_free(a);
}

/* A hook request with only a query string. */
static int
verify(struct adapter *a, const char *query)
{
	struct hook_request	h = { 0 };
	struct kvlist		q = { 0 };
	int			rc;

	if (query != NULL)
		assert_int_equal(form_parse(query, strlen(query), &q), 0);
	h.url = "https://larm.nykvarn.example/hooks/elks/status";
	h.query = query ? &q : NULL;
	rc = a->ops->verify_hook(a, &h);
	kvlist_free(&q);
	return rc;
}

/* Only the right secret in s passes. */
static void
test_verify_hook(void **state)
{
	static const struct {
		const char	*query;
		int		 want;
	} cases[] = {
		{ "s=" SECRET_ENC, 0 },
		{ "x=1&s=" SECRET_ENC "&y=2", 0 },
		{ "s=" SECRET_ENC "x", -1 },		/* longer */
		{ "s=abc%2Bdef", -1 },			/* a prefix */
		{ "s=" SECRET, -1 },			/* not decoded right */
		{ "s=", -1 },
		{ "S=" SECRET_ENC, -1 },		/* wrong name */
		{ "", -1 },
		{ NULL, -1 },
	};
	struct at_section s;
	struct adapter	*a;
	size_t		 i;

	at_section_init(&s, &elks);
	a = at_make(&s);
	for (i = 0; i < nitems(cases); i++)
		if (verify(a, cases[i].query) != cases[i].want)
			fail_msg("query '%s': want %d", cases[i].query ?
			    cases[i].query : "(none)", cases[i].want);
	adapter_free(a);
}

/* Delivery reports: the three states, and what is refused. */
static void
test_parse_status(void **state)
{
	static const struct at_status_case cases[] = {
		{ "id=s17a6&status=sent", 0, DS_SENT, "" },
		{ "id=s17a6&status=delivered&delivered=2025-11-26T18%3A30%3A09."
		    "1", 0, DS_DELIVERED, "" },
		{ "status=failed&id=s17a6", 0, DS_FAILED, "failed" },
		{ "id=s17a6&status=queued", -1, 0, "queued" },
		{ "id=s17a6&status=", -1, 0, "unknown status" },
		{ "id=s17a6", -1, 0, "status" },
		{ "status=delivered", -1, 0, "id" },
		{ "id=&status=delivered", -1, 0, "id" },
	};
	struct at_section	 s;
	struct adapter		*a;

	at_section_init(&s, &elks);
	a = at_make(&s);
	at_parse_status(a, cases, nitems(cases),
	    "https://larm.nykvarn.example/hooks/elks/status", "s17a6");
	adapter_free(a);
}

/* Inbound SMS (providers.md 1.3): the fields, and an empty answer. */
static void
test_parse_inbound(void **state)
{
	static const struct at_inbound_case cases[] = {
		{ "id=sf8425555e5d8db61dda7a7b3f1b91bdb&from=%2B46701740605&to="
		    "%2B46766860000&message=TRYGG+155+31&direction=incoming&"
		    "created=2026-11-26T19%3A30%3A00.000000", 0,
		    "sf8425555e5d8db61dda7a7b3f1b91bdb", "+46701740605",
		    "+46766860000", "TRYGG 155 31" },
		{ "id=s1&from=%2B46701740605&to=%2B46766860000&message=%C3%85"
		    "terv%C3%A4ndo+%F0%9F%98%80", 0, "s1", "+46701740605",
		    "+46766860000", "Återvändo 😀" },
		{ "id=s1&from=Bank&message=", 0, "s1", "Bank", "", "" },
		{ "from=%2B46701740605&message=x", -1, NULL, NULL, NULL, "id" },
		{ "id=s1&message=x", -1, NULL, NULL, NULL, "from" },
		{ "id=&from=%2B46701740605", -1, NULL, NULL, NULL, "id" },
		{ "id=s1&from=%2B46701740605&message=x&to="
		    "1234567890123456789012345678901234567890123456789012345678"
		    "901234", -1, NULL, NULL, NULL, "to too long" },
	};
	struct at_section	 s;
	struct adapter		*a;

	at_section_init(&s, &elks);
	a = at_make(&s);
	/* Never a reply in-band: an empty 200. */
	at_parse_inbound(a, cases, nitems(cases), VOICE_HOOK, "s=" SECRET_ENC,
	    NULL, NULL);
	adapter_free(a);
}

/* The ivr result and the whenhangup POST, in the shapes we may get. */
static void
test_parse_voice(void **state)
{
	static const struct {
		const char		*form, *query;
		int			 rc;
		const char		*ref;
		enum voice_event_kind	 kind;
		const char		*digits;
		const char		*answer;	/* NULL: none; err */
	} cases[] = {
		/* The ivr action's next (callid, from, result). */
		{ "callid=c1&from=%2B46766860000&result=1", "d=42", 0, "c1",
		    VOICE_DTMF, "1", "{\"play\":\"sound/beep\"}" },
		{ "callid=c1&result=2", "d=42", 0, "c1", VOICE_DTMF, "2",
		    "{\"hangup\":\"reject\"}" },
		{ "callid=c1&result=failed", "d=42", 0, "c1", VOICE_ANSWERED,
		    "", "{\"hangup\":\"reject\"}" },
		{ "callid=c1&result=", "d=42", 0, "c1", VOICE_ANSWERED, "",
		    "{\"hangup\":\"reject\"}" },
		{ "id=c1&result=1", "d=42", 0, "c1", VOICE_DTMF, "1",
		    "{\"play\":\"sound/beep\"}" },
		{ "result=1", "d=42", -1, NULL, 0, NULL, "callid" },
		{ "callid=c1", "d=42", -1, NULL, 0, NULL, "result" },
		/* whenhangup: the call object, leniently. */
		{ "id=c1&state=success&duration=31&start=2026-11-26T19%3A30%3A"
		    "05.000000", "d=42&event=hangup", 0, "c1", VOICE_COMPLETED,
		    "", NULL },
		{ "callid=c1&status=success", "d=42&event=hangup", 0, "c1",
		    VOICE_COMPLETED, "", NULL },
		{ "id=c1&state=success&duration=0", "d=42&event=hangup", 0,
		    "c1", VOICE_NO_ANSWER, "", NULL },
		{ "id=c1&state=busy", "d=42&event=hangup", 0, "c1", VOICE_BUSY,
		    "", NULL },
		{ "id=c1&state=failed&duration=0", "d=42&event=hangup", 0,
		    "c1", VOICE_NO_ANSWER, "", NULL },
		{ "id=c1&state=failed&start=2026-11-26T19%3A30%3A05.000000",
		    "d=42&event=hangup", 0, "c1", VOICE_FAILED, "", NULL },
		{ "id=c1&state=no-answer", "d=42&event=hangup", 0, "c1",
		    VOICE_NO_ANSWER, "", NULL },
		{ "id=c1&state=exploded", "d=42&event=hangup", 0, "c1",
		    VOICE_FAILED, "", NULL },
		{ "id=c1&duration=12", "d=42&event=hangup", 0, "c1",
		    VOICE_COMPLETED, "", NULL },
		{ "id=c1", "d=42&event=hangup", 0, "c1", VOICE_NO_ANSWER, "",
		    NULL },
		/* A hangup without event=hangup is still known by its state. */
		{ "id=c1&state=busy", "d=42", 0, "c1", VOICE_BUSY, "", NULL },
		{ "state=busy", "d=42&event=hangup", -1, NULL, 0, NULL, "id" },
	};
	struct at_section	 s;
	struct adapter		*a;
	struct hook_request	 h;
	struct kvlist		 form, q;
	struct voice_event	 ev;
	struct hook_answer	 ans;
	char			 err[256], query[256];
	size_t			 i;
	int			 rc;

	at_section_init(&s, &elks);
	at_section_set(&s, "voice_from", "+46766860000");
	a = at_make(&s);
	for (i = 0; i < nitems(cases); i++) {
		snprintf(query, sizeof(query), "s=%s&%s", SECRET_ENC,
		    cases[i].query);
		at_hook_form(&h, &form, &q, VOICE_HOOK, cases[i].form, query);
		assert_int_equal(a->ops->verify_hook(a, &h), 0);
		memset(&ans, 0x5a, sizeof(ans));
		err[0] = '\0';
		rc = a->ops->parse_voice(a, &h, &ev, &ans, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (rc == -1) {
			if (strstr(err, cases[i].answer) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, err,
				    cases[i].answer);
			assert_null(ans.body);
		} else {
			assert_string_equal(ev.ref, cases[i].ref);
			if (ev.kind != cases[i].kind)
				fail_msg("case %zu: kind %d, want %d", i,
				    ev.kind, cases[i].kind);
			assert_string_equal(ev.digits, cases[i].digits);
			if (cases[i].answer == NULL)
				assert_null(ans.body);
			else {
				assert_string_equal(ans.content_type,
				    "application/json");
				assert_string_equal(ans.body,
				    cases[i].answer);
			}
			free(ans.body);
		}
		kvlist_free(&form);
		kvlist_free(&q);
	}
	adapter_free(a);
}

/* Bad sections fail at init with file:line: key: and no secret. */
static void
test_init_errors(void **state)
{
	static const struct at_init_case cases[] = {
		/* Missing keys: config.c's message names the key. */
		{ "username", NULL, NULL, 0, "username" },
		{ "password", NULL, NULL, 0, "password" },
		{ "callback_secret", NULL, NULL, 0, "callback_secret" },
		{ NULL, "callback_secret", "tooshort-15char", 0,
		    "varsel.conf:43: callback_secret: must be at least 16" },
		{ NULL, "dryrun", "maybe", 0, "varsel.conf:53: dryrun:" },
		{ NULL, "flashsms", "1", 0, "varsel.conf:53: flashsms:" },
		{ NULL, NULL, NULL, 1, "varsel.conf:40: base_url:" },
		{ NULL, NULL, NULL, 2, "varsel.conf:40: from:" },
		{ NULL, NULL, NULL, 3, "public_url" },
		{ NULL, "voice_from", "Nykvarn", 0,
		    "varsel.conf:53: voice_from: 'Nykvarn' must be an E.164" },
		{ NULL, "voice_from", "0766860000", 0,
		    "varsel.conf:53: voice_from:" },
	};
	struct at_section	 s;
	struct adapter		*a;

	at_init_errors(&elks, cases, nitems(cases), "tooshort");
	/* yes/no in any case is fine. */
	at_section_init(&s, &elks);
	at_section_set(&s, "dryrun", "No");
	a = at_make(&s);
	adapter_free(a);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_build_send),
		cmocka_unit_test(test_build_send_options),
		cmocka_unit_test(test_build_call),
		cmocka_unit_test(test_call_refused),
		cmocka_unit_test(test_parse_send),
		cmocka_unit_test(test_parse_send_readers),
		cmocka_unit_test(test_verify_hook),
		cmocka_unit_test(test_parse_status),
		cmocka_unit_test(test_parse_inbound),
		cmocka_unit_test(test_parse_voice),
		cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
