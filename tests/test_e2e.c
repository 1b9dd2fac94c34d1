/*
 * End-to-end tests: the real varseld against the fake 46elks, both child
 * processes on 127.0.0.1, driven through the HTTP API of design/API.md.
 * Each test gets a fresh temp folder, database and pair of processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define GROUP		"nattvandrare"
#define WAIT_MS		30000
#define HMAC_SECRET	"e2e-shared-hmac-secret-0123456789"

/* Start the fake with args, write the config and start the daemon. */
static void
start(struct e2e_world *w, const char *const fake_args[],
    struct e2e_conf *c)
{
	struct e2e_conf	 def = { 0 };

	if (c == NULL)
		c = &def;
	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, fake_args), 0);
	c->fake_port = w->fake.port;
	assert_int_equal(e2e_env_config(w->env, c), 0);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
}

/*
 * SIGTERM ends both processes cleanly: exit status 0, which under ASan
 * also means no leaks and no errors on the way out.
 */
static void
finish(struct e2e_world *w)
{
	assert_int_equal(e2e_finish(w), 0);
}

/* POST /v1/contacts: numbers [first, first + n) into group. */
static void
add_contacts(struct e2e_world *w, int first, int n, const char *group)
{
	assert_int_equal(e2e_add_contacts(&w->d, first, n, group, false), 0);
}

/* POST /v1/alerts with a free-text message to a group; its id. */
static long long
post_group_alert(struct e2e_world *w, const char *source_ref,
    long long recipients)
{
	char		 body[512];
	long long	 id;

	snprintf(body, sizeof(body), "{\"source_ref\": \"%s\", "
	    "\"message\": \"Nattvandring i kväll: samling vid stationen "
	    "kl 21.\", \"audience\": {\"groups\": [\"" GROUP "\"]}}",
	    source_ref);
	id = e2e_post_alert(&w->d, body, recipients);
	assert_true(id > 0);
	return id;
}

/*
 * Wait for the alert to be done with at least delivered deliveries
 * delivered and final in a final state (sent, delivered or failed); its
 * last GET answer (owned). Neither count goes down, so waiting for one
 * and then the other finds both.
 */
static json_t *
wait_alert(struct e2e_world *w, long long id, long long delivered,
    long long final)
{
	json_t	*res;

	res = e2e_wait_alert(w, id, "counts.delivered", delivered, true,
	    WAIT_MS);
	assert_non_null(res);
	json_decref(res);
	res = e2e_wait_alert(w, id, "counts.sent+counts.delivered+"
	    "counts.failed", final, true, WAIT_MS);
	assert_non_null(res);
	return res;
}

/* Every delivery of an alert (state may be NULL), as one array. */
static json_t *
deliveries(struct e2e_world *w, long long id, const char *state)
{
	json_t	*all = e2e_deliveries(&w->d, id, state);

	assert_non_null(all);
	return all;
}

/* A JSON answer, serialized with sorted keys for comparison (owned). */
static char *
snapshot(struct e2e_world *w, const char *path)
{
	int	 status;
	json_t	*res = e2e_api(&w->d, E2E_TOKEN, "GET", path, NULL, &status);
	char	*s;

	assert_int_equal(status, 200);
	s = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(res);
	assert_non_null(s);
	return s;
}

/* 1. 200 group members all get exactly one SMS, and it is delivered. */
static void
test_group_alert_delivered(void **state)
{
	struct e2e_world *w = *state;
	json_t		*res, *got;
	char		 num[32], prefix[128];
	long long	 id;

	start(w, NULL, NULL);
	add_contacts(w, 0, 200, GROUP);
	id = post_group_alert(w, "e2e-group-200", 200);
	res = wait_alert(w, id, 200, 200);
	assert_int_equal(e2e_json_int(res, "counts.delivered"), 200);
	assert_int_equal(e2e_json_int(res, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(res, "recipients"), 200);
	json_decref(res);

	assert_int_equal(e2e_fake_stat(&w->fake, "unique_to"), 200);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 200);
	assert_int_equal(e2e_fake_stat(&w->fake, "duplicates"), 0);

	/* What the provider got: our sender, the text, our callback. */
	e2e_phone(123, num, sizeof(num));
	assert_non_null(got = e2e_fake_received(&w->fake, num));
	assert_int_equal(json_array_size(got), 1);
	assert_string_equal(e2e_json_str(got, "0.from"), "Nykvarn");
	assert_string_equal(e2e_json_str(got, "0.message"),
	    "Nattvandring i kväll: samling vid stationen kl 21.");
	snprintf(prefix, sizeof(prefix), "%s/hooks/elks/status", w->d.url);
	assert_non_null(e2e_json_str(got, "0.whendelivered"));
	assert_memory_equal(e2e_json_str(got, "0.whendelivered"), prefix,
	    strlen(prefix));
	assert_non_null(strstr(e2e_json_str(got, "0.whendelivered"),
	    "s=" E2E_CALLBACK_SECRET));
	json_decref(got);
	finish(w);
}

/* 2. A burst of 503s is retried until everyone has the message. */
static void
test_tempfail_burst_retried(void **state)
{
	struct e2e_world *w = *state;
	const char	*args[] = { "--fail-first", "50", NULL };
	json_t		*res, *list, *d;
	size_t		 i;
	int		 retried = 0;
	long long	 id;

	start(w, args, NULL);
	add_contacts(w, 0, 100, GROUP);
	id = post_group_alert(w, "e2e-burst", 100);
	res = wait_alert(w, id, 100, 100);
	assert_int_equal(e2e_json_int(res, "counts.delivered"), 100);
	assert_int_equal(e2e_json_int(res, "counts.failed"), 0);
	json_decref(res);

	list = deliveries(w, id, NULL);
	assert_int_equal(json_array_size(list), 100);
	json_array_foreach(list, i, d) {
		long long	a = e2e_json_int(d, "attempts");

		assert_true(a >= 1);
		if (a > 1)
			retried++;
	}
	json_decref(list);
	assert_true(retried > 0);

	assert_int_equal(e2e_fake_stat(&w->fake, "tempfailed"), 50);
	assert_int_equal(e2e_fake_stat(&w->fake, "unique_to"), 100);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 100);
	assert_int_equal(e2e_fake_stat(&w->fake, "duplicates"), 0);
	finish(w);
}

/* 3. A number the provider refuses fails at once with its reason. */
static void
test_permanent_reject_not_retried(void **state)
{
	struct e2e_world *w = *state;
	const char	*args[] = { "--reject-suffix", "7", NULL };
	json_t		*res, *list, *d;
	const char	*ph, *err;
	size_t		 i;
	long long	 id;

	start(w, args, NULL);
	add_contacts(w, 0, 100, GROUP);		/* 10 of them end in 7 */
	id = post_group_alert(w, "e2e-reject", 100);
	res = wait_alert(w, id, 90, 100);
	assert_int_equal(e2e_json_int(res, "counts.delivered"), 90);
	assert_int_equal(e2e_json_int(res, "counts.failed"), 10);
	json_decref(res);

	list = deliveries(w, id, "failed");
	assert_int_equal(json_array_size(list), 10);
	json_array_foreach(list, i, d) {
		ph = e2e_json_str(d, "phone");
		err = e2e_json_str(d, "error");
		assert_non_null(ph);
		assert_int_equal(ph[strlen(ph) - 1], '7');
		assert_non_null(err);
		assert_non_null(strstr(err, "Invalid to number"));
		assert_int_equal(e2e_json_int(d, "attempts"), 1);
		assert_int_equal(e2e_fake_number(&w->fake, ph, "requests"), 1);
	}
	json_decref(list);

	list = deliveries(w, id, "delivered");
	assert_int_equal(json_array_size(list), 90);
	json_array_foreach(list, i, d) {
		ph = e2e_json_str(d, "phone");
		assert_true(ph[strlen(ph) - 1] != '7');
	}
	json_decref(list);

	assert_int_equal(e2e_fake_stat(&w->fake, "rejected"), 10);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 90);
	assert_int_equal(e2e_fake_stat(&w->fake, "requests"), 100);
	finish(w);
}

/*
 * Keep port bound on 127.0.0.1 (not listening) so that a daemon started
 * again cannot get it back; the socket, or -1.
 */
static int
hold_port(int port)
{
	struct sockaddr_in	sin;
	int			s, on = 1;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* The killed daemon's connections linger in TIME_WAIT. */
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(s);
		return -1;
	}
	return s;
}

/*
 * 4. SIGKILL mid-fanout, restart on the same database: nobody is missed.
 * The daemon comes back on another port (the old one is held), and the
 * fake, which takes the report URL from each request, reports what it
 * gets after the restart to the new port.
 */
static void
test_sigkill_restart_loses_nothing(void **state)
{
	struct e2e_world *w = *state;
	const char	*args[] = { "--latency-ms", "10", NULL };
	json_t		*res;
	long long	 id, at_kill, in_doubt, after;
	int		 old_port, held;

	start(w, args, NULL);
	add_contacts(w, 0, 5000, GROUP);
	id = post_group_alert(w, "e2e-sigkill", 5000);
	assert_int_equal(e2e_wait_fake(w, &w->fake, "accepted", 300, WAIT_MS),
	    0);
	assert_int_equal(e2e_kill(&w->d, SIGKILL), 0);
	assert_int_equal(e2e_wait_exit(&w->d, 5000), 128 + SIGKILL);
	at_kill = e2e_fake_stat(&w->fake, "accepted");
	assert_true(at_kill >= 300);
	assert_true(at_kill < 5000);	/* or the kill proved nothing */
	/* With 10 ms answers the connection limit is what holds it back. */
	assert_true(e2e_fake_stat(&w->fake, "max_concurrent") > 1);
	assert_true(e2e_fake_stat(&w->fake, "max_concurrent") <= 32);

	old_port = w->d.port;
	assert_true((held = hold_port(old_port)) != -1);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
	close(held);
	assert_int_not_equal(w->d.port, old_port);
	res = wait_alert(w, id, 0, 5000);
	assert_string_equal(e2e_json_str(res, "state"), "done");
	assert_int_equal(e2e_json_int(res, "recipients"), 5000);
	assert_int_equal(e2e_json_int(res, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(res, "counts.queued"), 0);
	assert_int_equal(e2e_json_int(res, "counts.sending"), 0);
	in_doubt = e2e_json_int(res, "in_doubt");
	assert_true(in_doubt >= 0);
	json_decref(res);

	/* Everyone got at least one SMS; every extra one was in doubt. */
	assert_int_equal(e2e_fake_stat(&w->fake, "unique_to"), 5000);
	assert_true(e2e_fake_stat(&w->fake, "duplicates") <= in_doubt);

	/*
	 * Each SMS sent after the restart is reported delivered: its report
	 * went to the new port. (Reports of what went before the kill go
	 * to the old one and are lost, as with a real provider.)
	 */
	after = e2e_fake_stat(&w->fake, "accepted") - at_kill;
	assert_true(after > 0);
	res = wait_alert(w, id, after, 5000);
	assert_true(e2e_json_int(res, "counts.delivered") >= after);
	json_decref(res);
	finish(w);
}

/* A request that must be refused, and how. */
struct bad_case {
	const char	*name;
	const char	*method;
	const char	*path;
	const char	*token;		/* NULL: none */
	const char	*ctype;		/* NULL: application/json */
	const char	*body;
	int		 status;
	const char	*code;
	const char	*field;		/* NULL: not checked */
	const char	*mentions;	/* in field or message; NULL: none */
};

#define AUD	"\"audience\": {\"groups\": [\"" GROUP "\"]}"
#define MSG	"\"message\": \"Test\""

static const struct bad_case bad_cases[] = {
	{ "malformed JSON", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-1\", " MSG ", ", 400, "invalid_json",
	    NULL, NULL },
	{ "not an object", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "[1, 2, 3]", 400, "invalid_json", NULL, NULL },
	/* API.md: 400 is "not the expected shape", 422 "wrong meaning". */
	{ "string for a number", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-2\", " MSG ", " AUD ", "
	    "\"expires_in_s\": \"soon\"}", 400, "invalid_json",
	    "expires_in_s", NULL },
	{ "number for a string", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": 4711, " MSG ", " AUD "}", 400, "invalid_json",
	    "source_ref", NULL },
	{ "missing source_ref", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{" MSG ", " AUD "}", 422, "invalid_field", "source_ref", NULL },
	{ "unknown field", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-3\", " MSG ", " AUD ", \"colour\": 1}",
	    422, "invalid_field", "colour", NULL },
	{ "message and template", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-4\", " MSG ", \"template\": \"incident\", "
	    "\"vars\": {\"place\": \"X\", \"time\": \"1\", \"description\": "
	    "\"Y\"}, " AUD "}", 422, "invalid_field", NULL, NULL },
	{ "neither message nor template", "POST", "/v1/alerts", E2E_TOKEN,
	    NULL, "{\"source_ref\": \"bad-5\", " AUD "}", 422, "invalid_field",
	    NULL, NULL },
	{ "unknown group", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-6\", " MSG ", \"audience\": {\"groups\": "
	    "[\"finns-inte\"]}}", 422, NULL, NULL, "finns-inte" },
	{ "empty audience", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-7\", " MSG ", \"audience\": {}}", 422,
	    "empty_audience", NULL, NULL },
	{ "empty group list", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-8\", " MSG ", \"audience\": {\"groups\": "
	    "[]}}", 422, "empty_audience", NULL, NULL },
	{ "text/plain", "POST", "/v1/alerts", E2E_TOKEN, "text/plain",
	    "{\"source_ref\": \"bad-9\", " MSG ", " AUD "}", 415,
	    "unsupported_media_type", NULL, NULL },
	{ "no token", "POST", "/v1/alerts", NULL, NULL,
	    "{\"source_ref\": \"bad-10\", " MSG ", " AUD "}", 401,
	    "unauthorized", NULL, NULL },
	{ "wrong token", "POST", "/v1/alerts", "not-a-known-token", NULL,
	    "{\"source_ref\": \"bad-11\", " MSG ", " AUD "}", 401,
	    "unauthorized", NULL, NULL },
	{ "token without alerts:write", "POST", "/v1/alerts",
	    E2E_TOKEN_READER, NULL,
	    "{\"source_ref\": \"bad-12\", " MSG ", " AUD "}", 403,
	    "forbidden", NULL, NULL },
	{ "token without contacts:write", "POST", "/v1/contacts",
	    E2E_TOKEN_READER, NULL,
	    "{\"contacts\": [{\"phone\": \"+46701999999\", \"groups\": "
	    "[\"" GROUP "\"]}]}", 403, "forbidden", NULL, NULL },
	{ "invalid phone", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-13\", " MSG ", \"audience\": "
	    "{\"contacts\": [\"+46701000001\", \"12\"]}}", 422,
	    "invalid_phone", NULL, NULL },
	{ "unknown template", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-14\", \"template\": \"finns-inte\", "
	    AUD "}", 422, "unknown_template", NULL, NULL },
	{ "template variable missing", "POST", "/v1/alerts", E2E_TOKEN, NULL,
	    "{\"source_ref\": \"bad-15\", \"template\": \"incident\", "
	    "\"vars\": {\"place\": \"Centrum\", \"time\": \"22:15\"}, " AUD
	    "}", 422, "invalid_field", "vars.description", NULL },
	{ "unknown route", "GET", "/v1/nope", E2E_TOKEN, NULL, NULL, 404,
	    "not_found", NULL, NULL },
	{ "unknown alert", "GET", "/v1/alerts/999999", E2E_TOKEN, NULL, NULL,
	    404, "not_found", NULL, NULL },
	{ "wrong method", "DELETE", "/v1/alerts", E2E_TOKEN, NULL, NULL, 405,
	    "method_not_allowed", NULL, NULL },
	{ "wrong method on healthz", "POST", "/healthz", NULL, NULL, "{}",
	    405, "method_not_allowed", NULL, NULL },
	/* A query number is digits within its range, not what strtoll
	 * makes of it (saturated, or after spaces and a sign). */
	{ "after past int64", "GET", "/v1/alerts/1/deliveries?after="
	    "9223372036854775808", E2E_TOKEN, NULL, NULL, 422, "invalid_field",
	    "after", NULL },
	{ "after far past int64", "GET", "/v1/alerts/1/deliveries?after="
	    "99999999999999999999999", E2E_TOKEN, NULL, NULL, 422,
	    "invalid_field", "after", NULL },
	{ "limit after a space", "GET", "/v1/alerts?limit=%2010", E2E_TOKEN,
	    NULL, NULL, 422, "invalid_field", "limit", NULL },
};

/* Send one bad request and check the answer; the answer's JSON (owned). */
static void
check_bad(struct e2e_world *w, const struct bad_case *c)
{
	char		 url[256], auth[128], ctype[128], *resp;
	const char	*h[4], *code, *field, *msg;
	size_t		 n = 0;
	int		 status;
	json_t		*res;

	snprintf(url, sizeof(url), "%s%s", w->d.url, c->path);
	if (c->token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    c->token);
		h[n++] = auth;
	}
	if (c->body != NULL) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		    c->ctype ? c->ctype : "application/json");
		h[n++] = ctype;
	}
	h[n] = NULL;
	assert_int_equal(e2e_http(c->method, url, h, c->body, &status, &resp),
	    0);
	res = e2e_json_parse(resp);
	code = e2e_json_str(res, "error.code");
	field = e2e_json_str(res, "error.field");
	msg = e2e_json_str(res, "error.message");
	if (status != c->status || code == NULL || msg == NULL ||
	    (c->code != NULL && strcmp(code, c->code) != 0) ||
	    (c->field != NULL && (field == NULL ||
	    strcmp(field, c->field) != 0)) ||
	    (c->mentions != NULL && strstr(msg, c->mentions) == NULL &&
	    (field == NULL || strstr(field, c->mentions) == NULL))) {
		fprintf(stderr, "%s: %s %s\n  expected %d %s field=%s "
		    "mentioning %s\n  got %d %s\n", c->name, c->method, c->path,
		    c->status, c->code ? c->code : "*",
		    c->field ? c->field : "*",
		    c->mentions ? c->mentions : "-", status, resp);
		free(resp);
		json_decref(res);
		fail_msg("%s: wrong answer", c->name);
	}
	free(resp);
	json_decref(res);
}

/* The base alert of test 5, posted again for the idempotency checks. */
#define BASE_ALERT	"{\"source_ref\": \"e2e-base\", \"message\": " \
	"\"Prov av varningssystemet.\", \"audience\": {\"groups\": [\"" \
	GROUP "\"]}}"

/* A PUT to url is 405, and its Allow names the methods allow. */
static void
assert_put_allows(const char *url, const char *allow)
{
	const char	*auth_h[] = { "Authorization: Bearer " E2E_TOKEN, NULL };
	char		*resp, *hdrs, want[96];
	int		 status;

	assert_int_equal(e2e_http_headers("PUT", url, auth_h, NULL, &status,
	    &resp, &hdrs), 0);
	free(resp);
	assert_int_equal(status, 405);
	snprintf(want, sizeof(want), "Allow: %s\r\n", allow);
	if (strstr(hdrs, want) == NULL)
		fail_msg("PUT %s: no \"%s\" in\n%s", url, allow, hdrs);
	free(hdrs);
}

/* 5. Bad input gets the right status and code and changes nothing. */
static void
test_bad_input_refused(void **state)
{
	struct e2e_world *w = *state;
	char		*alerts_before, *groups_before, *after, *big, *resp;
	char		 url[256], ref[128];
	const char	*form_h[] = { "Content-Type: "
			    "application/x-www-form-urlencoded", NULL };
	json_t		*res, *list;
	long long	 id;
	size_t		 i, len;
	int		 status;

	start(w, NULL, NULL);
	add_contacts(w, 0, 3, GROUP);
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", BASE_ALERT,
	    &status);
	assert_int_equal(status, 202);
	id = e2e_json_int(res, "id");
	json_decref(res);
	json_decref(wait_alert(w, id, 3, 3));

	alerts_before = snapshot(w, "/v1/alerts");
	groups_before = snapshot(w, "/v1/groups");

	for (i = 0; i < nitems(bad_cases); i++)
		check_bad(w, &bad_cases[i]);

	/* One byte over max_body_bytes (API.md default: 1 MiB). */
	len = 1048576 + 1;
	big = malloc(len + 1);
	assert_non_null(big);
	memset(big, ' ', len);
	memcpy(big, BASE_ALERT, strlen(BASE_ALERT));
	big[len] = '\0';
	{
		struct bad_case	c = { "body too large", "POST", "/v1/alerts",
		    E2E_TOKEN, NULL, big, 413, "too_large", NULL, NULL };

		check_bad(w, &c);
	}
	free(big);

	/* Idempotency: the same body again, then another body. */
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", BASE_ALERT,
	    &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(res, "id"), id);
	assert_true(json_is_true(json_object_get(res, "duplicate")));
	json_decref(res);
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts",
	    "{\"source_ref\": \"e2e-base\", \"message\": \"Ett annat "
	    "meddelande.\", \"audience\": {\"groups\": [\"" GROUP "\"]}}",
	    &status);
	assert_int_equal(status, 409);
	assert_string_equal(e2e_json_str(res, "error.code"), "conflict");
	json_decref(res);

	/* Delivery reports: a wrong secret is refused and changes nothing. */
	list = deliveries(w, id, NULL);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(e2e_json_str(list, "0.state"), "delivered");
	assert_non_null(e2e_json_str(list, "0.provider_ref"));
	snprintf(ref, sizeof(ref), "id=%s&status=failed",
	    e2e_json_str(list, "0.provider_ref"));
	json_decref(list);
	snprintf(url, sizeof(url), "%s/hooks/elks/status?s=wrong", w->d.url);
	assert_int_equal(e2e_http("POST", url, form_h, ref, &status, &resp),
	    0);
	free(resp);
	assert_int_equal(status, 403);
	snprintf(url, sizeof(url), "%s/hooks/elks/status", w->d.url);
	assert_int_equal(e2e_http("POST", url, form_h, ref, &status, &resp),
	    0);
	free(resp);
	assert_int_equal(status, 403);
	list = deliveries(w, id, "delivered");
	assert_int_equal(json_array_size(list), 3);
	json_decref(list);

	/* A report for an id nobody knows: 200, so the provider stops. */
	snprintf(url, sizeof(url), "%s/hooks/elks/status?s=%s", w->d.url,
	    E2E_CALLBACK_SECRET);
	assert_int_equal(e2e_http("POST", url, form_h,
	    "id=s0000000000000000000000000000dead&status=delivered&"
	    "delivered=2026-11-26T21%3A15%3A00.000000", &status, &resp), 0);
	free(resp);
	assert_int_equal(status, 200);

	/* A 405 says which methods the path takes (RFC 9110 15.5.6). */
	snprintf(url, sizeof(url), "%s/v1/alerts/%lld", w->d.url, id);
	assert_put_allows(url, "GET, HEAD");
	snprintf(url, sizeof(url), "%s/v1/contacts/%s", w->d.url,
	    "%2B46701000001");
	assert_put_allows(url, "GET, HEAD, DELETE");

	/* Health is open and fine. */
	snprintf(url, sizeof(url), "%s/healthz", w->d.url);
	assert_int_equal(e2e_http("GET", url, NULL, NULL, &status, &resp), 0);
	assert_int_equal(status, 200);
	res = e2e_json_parse(resp);
	free(resp);
	assert_string_equal(e2e_json_str(res, "status"), "ok");
	json_decref(res);

	/* Nothing of the above changed an alert or a group. */
	after = snapshot(w, "/v1/alerts");
	assert_string_equal(after, alerts_before);
	free(after);
	after = snapshot(w, "/v1/groups");
	assert_string_equal(after, groups_before);
	free(after);
	free(alerts_before);
	free(groups_before);
	assert_int_equal(e2e_fake_stat(&w->fake, "requests"), 3);
	finish(w);
}

/* POST a signed alert; the status. ts NULL: no timestamp header. */
static int
post_signed(struct e2e_world *w, const char *body, const char *ts,
    const char *sig)
{
	char		 url[128], tsh[64], sigh[128], *resp;
	const char	*h[5];
	size_t		 n = 0;
	int		 status;

	snprintf(url, sizeof(url), "%s/v1/alerts", w->d.url);
	h[n++] = "Authorization: Bearer " E2E_TOKEN_SIGNED;
	h[n++] = "Content-Type: application/json";
	if (ts != NULL) {
		snprintf(tsh, sizeof(tsh), "X-Varsel-Timestamp: %s", ts);
		h[n++] = tsh;
	}
	if (sig != NULL) {
		snprintf(sigh, sizeof(sigh), "X-Varsel-Signature: %s", sig);
		h[n++] = sigh;
	}
	h[n] = NULL;
	assert_int_equal(e2e_http("POST", url, h, body, &status, &resp), 0);
	if (status != 202) {
		json_t	*res = e2e_json_parse(resp);

		if (status != 401 || e2e_json_str(res, "error.code") == NULL ||
		    strcmp(e2e_json_str(res, "error.code"),
		    "unauthorized") != 0)
			fprintf(stderr, "signed post: %d %s\n", status, resp);
		json_decref(res);
	}
	free(resp);
	return status;
}

/* 6. A client with an hmac_secret must sign, freshly and correctly. */
static void
test_hmac_client(void **state)
{
	struct e2e_world *w = *state;
	struct e2e_conf	 c = { .hmac_secret = HMAC_SECRET };
	const char	*body = "{\"source_ref\": \"e2e-signed\", \"message\": "
			    "\"Signerat prov.\", \"audience\": {\"contacts\": "
			    "[\"+46701000001\"]}}";
	char		 now[32], stale[32], sig[96], other[96];
	json_t		*res;
	int		 status;

	start(w, NULL, &c);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	snprintf(stale, sizeof(stale), "%lld", (long long)time(NULL) - 3600);

	/* No signature at all, a timestamp alone, a signature alone. */
	assert_int_equal(post_signed(w, body, NULL, NULL), 401);
	assert_int_equal(post_signed(w, body, now, NULL), 401);
	e2e_sign(HMAC_SECRET, now, body, sig, sizeof(sig));
	assert_int_equal(post_signed(w, body, NULL, sig), 401);
	/* Wrong secret; right secret over another body. */
	e2e_sign("not-the-secret", now, body, other, sizeof(other));
	assert_int_equal(post_signed(w, body, now, other), 401);
	e2e_sign(HMAC_SECRET, now, "{}", other, sizeof(other));
	assert_int_equal(post_signed(w, body, now, other), 401);
	/* Correctly signed, but an hour old. */
	e2e_sign(HMAC_SECRET, stale, body, other, sizeof(other));
	assert_int_equal(post_signed(w, body, stale, other), 401);
	/* The one that is right. */
	assert_int_equal(post_signed(w, body, now, sig), 202);

	/* Nothing but the signed one was taken. */
	res = e2e_api(&w->d, E2E_TOKEN, "GET", "/v1/alerts", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(res, "alerts")), 1);
	assert_string_equal(e2e_json_str(res, "alerts.0.source_ref"),
	    "e2e-signed");
	json_decref(res);
	finish(w);
}

/* Run every scenario, each in its own folder. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		E2E_TEST(test_group_alert_delivered),
		E2E_TEST(test_tempfail_burst_retried),
		E2E_TEST(test_permanent_reject_not_retried),
		E2E_TEST(test_sigkill_restart_loses_nothing),
		E2E_TEST(test_bad_input_refused),
		E2E_TEST(test_hmac_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
