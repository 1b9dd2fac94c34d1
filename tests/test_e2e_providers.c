/*
 * End-to-end tests of the providers: the real varseld against the fake
 * Twilio (tests/fakes/fake_twilio) and the fake 46elks, all on 127.0.0.1.
 * SMS through Twilio to delivered, forged status callbacks refused,
 * failover from a failing 46elks to Twilio with its circuit breaker open,
 * calls that speak Swedish TwiML, undelivered messages and unanswered
 * calls, and a 46elks call that plays the daemon's rendered speech and is
 * acknowledged with DTMF 1. Escalation is in test_e2e_escalation.c, the
 * rate and priority in test_e2e_rate.c.
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

#define WAIT_MS		30000

/*
 * The signature helper the other tests use agrees with Twilio's own
 * tests and the documented vectors (providers.md 2.4).
 */
static void
test_signature_vectors(void **state)
{
	static const struct {
		const char	*token;
		const char	*url;
		const char	*form;
		const char	*sig;
	} v[] = {
		{ "12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
		    "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&"
		    "Digits=1234&From=%2B14158675309&To=%2B18005551212",
		    "RSOYDt4T1cUTdK1PDd93/VVr8B8=" },
		{ "12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2",
		    "To=%2B18005551212&From=%2B14158675309&Digits=1234&"
		    "Caller=%2B14158675309&CallSid=CA1234567890ABCDE",
		    "kvajT1Ptam85bY51eRf/AJRuM3w=" },
		{ "12345", "http://mycompany.com:80/myapp.php?foo=1&bar=2",
		    "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&"
		    "Digits=1234&From=%2B14158675309&To=%2B18005551212",
		    "0ZXoZLH/DfblKGATFgpif+LLRf4=" },
		{ "12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
		    "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234",
		    "IK+Dwps556ElfBT0I3Rgjkr1wJU=" },
		{ "f3c1a9d0b7e24c5d8a6b1e2f3c4d5e6f",
		    "https://larm.nykvarn.example/twilio/sms?tenant=nykvarn",
		    "AccountSid=AC00000000000000000000000000000001&"
		    "MessageSid=SM00000000000000000000000000000002&"
		    "From=%2B46701234567&To=%2B46766860000&"
		    "Body=TRYGG+Centrum+%C3%A5%C3%A4%C3%B6&NumMedia=0",
		    "pGMZjcrh7Hpp/m9A/CIBhzlLvzU=" },
	};
	char	sig[64];
	size_t	i;

	for (i = 0; i < nitems(v); i++) {
		assert_int_equal(e2e_twilio_sign(v[i].token, v[i].url,
		    v[i].form, sig, sizeof(sig)), 0);
		if (strcmp(sig, v[i].sig) != 0)
			fail_msg("vector %zu: %s, not %s", i, sig, v[i].sig);
	}
}

/*
 * 1. Twilio as the only provider: 50 contacts, every SMS reported sent
 * and then delivered by signed status callbacks the daemon accepts.
 */
static void
test_twilio_delivered(void **state)
{
	struct e2e_world *w = *state;
	json_t		*a, *list, *d, *rx;
	char		 num[32], want[128];
	size_t		 i;
	long long	 id;

	assert_int_equal(e2e_start_twilio(w, NULL, 500, 8, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 50, "tw50", false), 0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"tw-1\", \"message\": "
	    "\"Vattenavstängning på Centrumvägen i natt kl 22-04.\", "
	    "\"audience\": {\"groups\": [\"tw50\"]}}", 50);
	assert_true(id > 0);
	a = e2e_wait_alert(w, id, "counts.delivered", 50, true, WAIT_MS);
	assert_non_null(a);
	assert_int_equal(e2e_json_int(a, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(a, "in_doubt"), 0);
	json_decref(a);

	assert_int_equal(e2e_fake_stat(&w->tw, "accepted"), 50);
	assert_int_equal(e2e_fake_stat(&w->tw, "unique_to"), 50);
	assert_int_equal(e2e_fake_stat(&w->tw, "duplicates"), 0);
	assert_int_equal(e2e_fake_stat(&w->tw, "dlr_sent"), 50);
	assert_int_equal(e2e_fake_stat(&w->tw, "callbacks_forbidden"), 0);

	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	assert_int_equal(json_array_size(list), 50);
	json_array_foreach(list, i, d) {
		assert_string_equal(e2e_json_str(d, "state"), "delivered");
		assert_string_equal(e2e_json_str(d, "provider"), "tw");
		assert_non_null(e2e_json_str(d, "provider_ref"));
		assert_memory_equal(e2e_json_str(d, "provider_ref"), "SM", 2);
	}
	json_decref(list);

	/* The request carried our status URL and our sender. */
	e2e_phone(7, num, sizeof(num));
	assert_non_null(rx = e2e_fake_received(&w->tw, num));
	assert_int_equal(json_array_size(rx), 1);
	snprintf(want, sizeof(want), "%s/hooks/tw/status", w->d.url);
	assert_string_equal(e2e_json_str(rx, "0.status_callback"), want);
	assert_string_equal(e2e_json_str(rx, "0.from"), E2E_TWILIO_FROM);
	assert_string_equal(e2e_json_str(rx, "0.type"), "sms");
	json_decref(rx);
	assert_int_equal(e2e_finish(w), 0);
}

/* How test_forged_status signs its callback. */
enum forge {
	FORGE_NONE,		/* no X-Twilio-Signature */
	FORGE_EMPTY,		/* an empty one */
	FORGE_GARBAGE,		/* base64 of the right length, wrong */
	FORGE_TOKEN,		/* another token */
	FORGE_STATUS,		/* signed for undelivered, says delivered */
	FORGE_URL,		/* signed for another of our URLs */
	FORGE_DROPPED,		/* a parameter left out of the signature */
	FORGE_VALID		/* genuine: the control */
};

/*
 * 2. Status callbacks with a missing or wrong X-Twilio-Signature are 403
 * and change nothing; the genuine one then moves the delivery.
 */
static void
test_forged_status(void **state)
{
	static const struct {
		enum forge	 how;
		const char	*what;
	} cases[] = {
		{ FORGE_NONE, "no signature" },
		{ FORGE_EMPTY, "empty signature" },
		{ FORGE_GARBAGE, "garbage signature" },
		{ FORGE_TOKEN, "signed with another token" },
		{ FORGE_STATUS, "signed for another status" },
		{ FORGE_URL, "signed for another URL" },
		{ FORGE_DROPPED, "a parameter not signed" },
		{ FORGE_VALID, "genuine" },
	};
	struct e2e_world *w = *state;
	const char	*const args[] = { "--no-dlr", NULL };
	const char	*ref, *h[3];
	char		 url[128], other[128], num[32], form[512], *fnum;
	char		 signed_form[512], sig[64], hdr[128], *resp;
	json_t		*a, *list, *d;
	long long	 id;
	size_t		 i;
	int		 status;

	assert_int_equal(e2e_start_twilio(w, args, 100, 4, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 1, "one", false), 0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"forge\", \"message\": "
	    "\"Test av Varsel.\", \"audience\": {\"groups\": [\"one\"]}}", 1);
	assert_true(id > 0);
	a = e2e_wait_alert(w, id, "counts.sent", 1, true, WAIT_MS);
	assert_non_null(a);
	json_decref(a);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	e2e_phone(0, num, sizeof(num));
	assert_non_null(d = e2e_delivery_of(list, num, "sms"));
	assert_non_null(ref = e2e_json_str(d, "provider_ref"));

	snprintf(url, sizeof(url), "%s/hooks/tw/status", w->d.url);
	snprintf(other, sizeof(other), "%s/hooks/tw/sms", w->d.url);
	fnum = url_encode(num);
	assert_non_null(fnum);
	for (i = 0; i < nitems(cases); i++) {
		const char	*st = cases[i].how == FORGE_STATUS ?
				    "undelivered" : "delivered";

		snprintf(form, sizeof(form), "AccountSid=%s&ApiVersion="
		    "2010-04-01&From=%%2B46766860000&MessageSid=%s&"
		    "MessageStatus=delivered&SmsSid=%s&SmsStatus=delivered&"
		    "To=%s", E2E_TWILIO_SID, ref, ref, fnum);
		snprintf(signed_form, sizeof(signed_form), "AccountSid=%s&"
		    "ApiVersion=2010-04-01&From=%%2B46766860000&MessageSid=%s&"
		    "MessageStatus=%s&SmsSid=%s&SmsStatus=%s%s%s",
		    E2E_TWILIO_SID, ref, st, ref, st,
		    cases[i].how == FORGE_DROPPED ? "" : "&To=",
		    cases[i].how == FORGE_DROPPED ? "" : fnum);
		assert_int_equal(e2e_twilio_sign(cases[i].how == FORGE_TOKEN ?
		    "not-the-auth-token" : E2E_TWILIO_TOKEN,
		    cases[i].how == FORGE_URL ? other : url, signed_form, sig,
		    sizeof(sig)), 0);
		if (cases[i].how == FORGE_GARBAGE)
			strlcpy(sig, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
			    sizeof(sig));
		snprintf(hdr, sizeof(hdr), "X-Twilio-Signature: %s",
		    cases[i].how == FORGE_EMPTY ? "" : sig);
		h[0] = "Content-Type: application/x-www-form-urlencoded";
		h[1] = cases[i].how == FORGE_NONE ? NULL : hdr;
		h[2] = NULL;
		assert_int_equal(e2e_http("POST", url, h, form, &status,
		    &resp), 0);
		free(resp);
		if (cases[i].how == FORGE_VALID) {
			if (status != 200)
				fail_msg("%s: %d, not 200", cases[i].what,
				    status);
			break;
		}
		if (status != 403)
			fail_msg("%s: %d, not 403", cases[i].what, status);
		a = e2e_wait_alert(w, id, "counts.sent", 1, true, 1000);
		assert_non_null(a);
		if (e2e_json_int(a, "counts.delivered") != 0)
			fail_msg("%s: the delivery moved", cases[i].what);
		json_decref(a);
	}
	free(fnum);
	json_decref(list);

	a = e2e_wait_alert(w, id, "counts.delivered", 1, true, WAIT_MS);
	assert_non_null(a);
	json_decref(a);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	assert_string_equal(e2e_json_str(list, "0.state"), "delivered");
	json_decref(list);
	assert_true(e2e_log_contains(&w->d, "hook_forbidden"));
	assert_int_equal(e2e_finish(w), 0);
}

/* Is the metric line (name, labels, space, value) in text? */
static bool
has_metric(const char *text, const char *line)
{
	size_t		 n = strlen(line);
	const char	*p;

	for (p = text; (p = strstr(p, line)) != NULL; p += n)
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * The fake 46elks (with eargs) as provider "elks", priority 1, at rate
 * and max_connections, with the lines more; the fake Twilio as "tw",
 * priority 2; a breaker that opens after five failures and stays open.
 */
static void
start_elks_then_twilio(struct e2e_world *w, const char *const eargs[],
    double rate, int max_connections, const char *more)
{
	char	*elks, *tw, *both;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, eargs), 0);
	assert_int_equal(e2e_spawn_twilio(w->env, &w->tw, NULL), 0);
	elks = e2e_elks_section("elks", w->fake.port, 1, rate,
	    max_connections, more);
	tw = e2e_twilio_section("tw", w->tw.port, 2, 500, 8, NULL);
	assert_non_null(elks);
	assert_non_null(tw);
	both = str_printf("%s\n%s", elks, tw);
	free(elks);
	free(tw);
	assert_non_null(both);
	assert_int_equal(e2e_start_providers(w, both, E2E_FAST_DISPATCH
	    "\nbreaker_failures = 5\nbreaker_cooldown_ms = 600000"), 0);
	free(both);
}

/* GET /metrics (with a token that may read it) has both lines. */
static void
metrics_have(struct e2e_world *w, const char *one, const char *two)
{
	const char	*auth[] = {
		"Authorization: Bearer " E2E_TOKEN, NULL
	};
	char		 url[128], *metrics;
	int		 status;

	snprintf(url, sizeof(url), "%s/metrics", w->d.url);
	assert_int_equal(e2e_http("GET", url, auth, NULL, &status, &metrics),
	    0);
	assert_int_equal(status, 200);
	if (!has_metric(metrics, one) || !has_metric(metrics, two)) {
		print_error("metrics without \"%s\" or \"%s\":\n%s\n", one,
		    two, metrics);
		free(metrics);
		fail();
	}
	free(metrics);
}

/* GET /v1/providers, answered 200. */
static json_t *
providers_now(struct e2e_world *w)
{
	json_t	*st;
	int	 status;

	st = e2e_api(&w->d, E2E_TOKEN, "GET", "/v1/providers", NULL,
	    &status);
	assert_int_equal(status, 200);
	assert_non_null(st);
	return st;
}

/*
 * 3. Failover: 46elks (priority 1) answers 503 to everything, Twilio
 * (priority 2) takes over. Every message is delivered, each through
 * Twilio exactly once, none in doubt, and the 46elks breaker is open.
 */
static void
test_failover(void **state)
{
	struct e2e_world *w = *state;
	const char	*const eargs[] = { "--fail-rate", "1", NULL };
	char		 url[128];
	json_t		*a, *list, *d, *st;
	size_t		 i;
	long long	 id;
	int		 status;

	start_elks_then_twilio(w, eargs, 500, 8, NULL);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 100, "fo", false), 0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"failover\", "
	    "\"message\": \"Strömavbrott i Nykvarn, beräknat klart kl 18.\", "
	    "\"audience\": {\"groups\": [\"fo\"]}}", 100);
	assert_true(id > 0);
	a = e2e_wait_alert(w, id, "counts.delivered", 100, true, WAIT_MS);
	assert_non_null(a);
	assert_int_equal(e2e_json_int(a, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(a, "in_doubt"), 0);
	json_decref(a);

	/* 46elks was tried and took nothing; Twilio took each once. */
	assert_true(e2e_fake_stat(&w->fake, "tempfailed") >= 5);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 0);
	assert_int_equal(e2e_fake_stat(&w->tw, "accepted"), 100);
	assert_int_equal(e2e_fake_stat(&w->tw, "unique_to"), 100);
	assert_int_equal(e2e_fake_stat(&w->tw, "duplicates"), 0);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	assert_int_equal(json_array_size(list), 100);
	json_array_foreach(list, i, d)
		assert_string_equal(e2e_json_str(d, "provider"), "tw");
	json_decref(list);

	/* /metrics needs a token with metrics:read. */
	snprintf(url, sizeof(url), "%s/metrics", w->d.url);
	assert_int_equal(e2e_http("GET", url, NULL, NULL, &status, NULL), 0);
	assert_int_equal(status, 401);
	metrics_have(w, "varsel_provider_breaker_open{provider=\"elks\"} 1",
	    "varsel_provider_breaker_open{provider=\"tw\"} 0");

	/* What the console's banner reads: SMS go through Twilio. */
	st = providers_now(w);
	assert_string_equal(e2e_json_str(st, "sms"), "failover");
	assert_string_equal(e2e_json_str(st, "providers.0.name"), "elks");
	assert_string_equal(e2e_json_str(st, "providers.0.state"), "down");
	assert_non_null(e2e_json_str(st, "providers.0.until"));
	assert_string_equal(e2e_json_str(st, "providers.1.name"), "tw");
	assert_string_equal(e2e_json_str(st, "providers.1.state"), "up");
	assert_null(e2e_json_str(st, "providers.1.until"));
	json_decref(st);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 3b. A 46elks that hangs (takes the request, never answers) is found
 * by its silence (stall_ms) long before its requests time out: the
 * message waiting there for a token goes to Twilio, and so does every
 * one after it, while the one request already out is left open. When
 * it times out it is in doubt and goes to Twilio too: all delivered,
 * each through Twilio once.
 */
static void
test_silent_provider(void **state)
{
	struct e2e_world *w = *state;
	const char	*const eargs[] = { "--hang", NULL };
	json_t		*a, *st;
	long long	 id, t0;

	/* Two tokens: two of these two-part texts are claimed for 46elks,
	 * the first takes both, the second waits there half a second. */
	start_elks_then_twilio(w, eargs, 2, 16,
	    "timeout_ms = 4000\nstall_ms = 300");
	assert_int_equal(e2e_add_contacts(&w->d, 0, 20, "hang", false), 0);
	t0 = e2e_now_ms();
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"silent\", "
	    "\"message\": \"Nattvandrarna i Nykvarn samlas i kväll kl 21 vid "
	    "Lillhagaskolan för genomgång av kvällens rutter. Ta med "
	    "reflexväst och laddad telefon. Svara JA om du kommer eller NEJ "
	    "om du inte kan vara med i kväll.\", "
	    "\"audience\": {\"groups\": [\"hang\"]}}", 20);
	assert_true(id > 0);

	/* All but the hanging one at Twilio before that one times out. */
	assert_int_equal(e2e_wait_fake(w, &w->tw, "accepted", 19, 3000), 0);
	assert_true(e2e_now_ms() - t0 < 4000);
	/* One request reached 46elks (it counts, then holds the answer). */
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 1);
	assert_true(e2e_log_contains(&w->d, "provider=elks evt=stalled "
	    "inflight=1"));
	assert_true(e2e_log_contains(&w->d, "provider=elks evt=diverted "
	    "jobs=1"));
	metrics_have(w, "varsel_provider_stalled{provider=\"elks\"} 1",
	    "varsel_provider_stalled{provider=\"tw\"} 0");
	st = providers_now(w);
	assert_string_equal(e2e_json_str(st, "sms"), "failover");
	assert_string_equal(e2e_json_str(st, "providers.0.state"), "silent");
	assert_int_equal(e2e_json_int(st, "providers.0.inflight"), 1);
	assert_string_equal(e2e_json_str(st, "providers.1.state"), "up");
	json_decref(st);

	a = e2e_wait_alert(w, id, "counts.delivered", 20, true, WAIT_MS);
	assert_non_null(a);
	assert_int_equal(e2e_json_int(a, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(a, "in_doubt"), 1);
	json_decref(a);
	assert_int_equal(e2e_fake_stat(&w->tw, "accepted"), 20);
	assert_int_equal(e2e_fake_stat(&w->tw, "unique_to"), 20);
	assert_int_equal(e2e_fake_stat(&w->tw, "duplicates"), 0);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 4. The voice channel: calls through Twilio whose TwiML speaks the text
 * in Swedish (XML-escaped) and asks for one digit.
 */
static void
test_voice(void **state)
{
	struct e2e_world *w = *state;
	const int	 n = 3;
	json_t		*a, *list, *call, *rx;
	const char	*twiml, *g, *end;
	char		 num[32], gather[256];
	long long	 id;
	int		 i;

	assert_int_equal(e2e_start_twilio(w, NULL, 100, 8, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, n, "voice", true), 0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"voice\", \"channels\": "
	    "[\"voice\"], \"message\": \"Vattenläcka på Storgatan & "
	    "Centrumvägen: koka vattnet.\", "
	    "\"audience\": {\"groups\": [\"voice\"]}}", n);
	assert_true(id > 0);
	assert_int_equal(e2e_wait_fake(w, &w->tw, "calls", n, WAIT_MS), 0);
	a = e2e_wait_alert(w, id, "counts.answered", n, false, WAIT_MS);
	assert_non_null(a);
	json_decref(a);

	assert_int_equal(e2e_fake_stat(&w->tw, "accepted"), 0);
	assert_int_equal(e2e_fake_stat(&w->tw, "twiml_errors"), 0);
	assert_int_equal(e2e_fake_stat(&w->tw, "callbacks_forbidden"), 0);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	assert_int_equal(json_array_size(list), n);
	for (i = 0; i < n; i++) {
		e2e_phone(i, num, sizeof(num));
		assert_non_null(call = e2e_delivery_of(list, num, "voice"));
		assert_string_equal(e2e_json_str(call, "provider"), "tw");
		assert_non_null(rx = e2e_fake_received(&w->tw, num));
		assert_int_equal(json_array_size(rx), 1);
		assert_string_equal(e2e_json_str(rx, "0.type"), "call");
		assert_non_null(twiml = e2e_json_str(rx, "0.twiml"));
		assert_non_null(strstr(twiml, "<Say language=\"sv-SE\""));
		assert_non_null(strstr(twiml, "Vattenläcka på Storgatan "
		    "&amp; Centrumvägen: koka vattnet."));
		assert_non_null(g = strstr(twiml, "<Gather"));
		assert_non_null(end = strchr(g, '>'));
		snprintf(gather, sizeof(gather), "%.*s", (int)(end - g), g);
		assert_non_null(strstr(gather, " numDigits=\"1\""));
		json_decref(rx);
	}
	json_decref(list);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 5. Messages Twilio reports undelivered (ErrorCode 30003) end failed,
 * with Twilio's code in the delivery's error.
 */
static void
test_undelivered(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--dlr-status", "undelivered", NULL };
	const char	*err;
	json_t		*a, *list, *d;
	long long	 id;
	size_t		 i;

	assert_int_equal(e2e_start_twilio(w, args, 100, 4, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 2, "undelivered", false),
	    0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"undelivered\", "
	    "\"message\": \"Test av Varsel.\", \"audience\": {\"groups\": "
	    "[\"undelivered\"]}}", 2);
	assert_true(id > 0);
	a = e2e_wait_alert(w, id, "counts.failed", 2, true, WAIT_MS);
	assert_non_null(a);
	assert_int_equal(e2e_json_int(a, "counts.delivered"), 0);
	json_decref(a);
	assert_int_equal(e2e_fake_stat(&w->tw, "dlr_sent"), 2);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	json_array_foreach(list, i, d) {
		assert_string_equal(e2e_json_str(d, "state"), "failed");
		assert_non_null(err = e2e_json_str(d, "error"));
		if (strstr(err, "30003") == NULL)
			fail_msg("error \"%s\" does not name 30003", err);
	}
	json_decref(list);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 6. A call nobody answers is tried again (voice_retries more times,
 * voice_retry_ms apart) and then ends no_answer.
 */
static void
test_no_answer(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--call-outcome", "no-answer", NULL };
	json_t		*a, *list;
	char		 num[32];
	long long	 id;

	assert_int_equal(e2e_start_twilio(w, args, 100, 4, E2E_FAST_DISPATCH
	    "\nvoice_retries = 1\nvoice_retry_ms = 1000"), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 1, "noanswer", true), 0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"noanswer\", "
	    "\"channels\": [\"voice\"], \"message\": \"Test av Varsel.\", "
	    "\"audience\": {\"groups\": [\"noanswer\"]}}", 1);
	assert_true(id > 0);
	a = e2e_wait_alert(w, id, "counts.no_answer", 1, true, WAIT_MS);
	assert_non_null(a);
	json_decref(a);
	e2e_phone(0, num, sizeof(num));
	assert_int_equal(e2e_fake_number(&w->tw, num, "calls"), 2);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(e2e_json_str(list, "0.state"), "no_answer");
	assert_int_equal(e2e_json_int(list, "0.attempts"), 2);
	json_decref(list);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 7. A 46elks call end to end: the fake 46elks takes the call, fetches
 * the speech the daemon rendered (espeak-ng, the media cache beside the
 * database) from its voice_start's ivr action, presses 1 and hangs up.
 * The press acknowledges the alert; the call's id is the delivery's.
 */
static void
test_elks46_call(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--press", "1", NULL };
	const char	*vs, *ref;
	json_t		*a, *list, *call, *rx, *act;
	char		 num[32], *elks, want[160];
	long long	 id;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, args), 0);
	elks = e2e_elks_section("elks", w->fake.port, 1, 100, 4,
	    "voice_from = +46766861000");
	assert_non_null(elks);
	assert_int_equal(e2e_start_providers(w, elks, NULL), 0);
	free(elks);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 1, "elkscall", true), 0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"elks-call\", "
	    "\"channels\": [\"voice\"], \"ack\": true, \"message\": "
	    "\"Brand vid Nykvarns station. Håll dig inomhus.\", "
	    "\"audience\": {\"groups\": [\"elkscall\"]}}", 1);
	assert_true(id > 0);
	a = e2e_wait_alert(w, id, "acks.yes", 1, false, WAIT_MS);
	assert_non_null(a);
	assert_int_equal(e2e_json_int(a, "acks.no"), 0);
	json_decref(a);
	/* The hang-up comes after the press: wait for it too. */
	assert_int_equal(e2e_wait_fake(w, &w->fake, "hangup_sent", 1,
	    WAIT_MS), 0);

	/* One call, no SMS; the speech was a WAV file served as such. */
	assert_int_equal(e2e_fake_stat(&w->fake, "calls"), 1);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 0);
	assert_int_equal(e2e_fake_stat(&w->fake, "rejected"), 0);
	assert_int_equal(e2e_fake_stat(&w->fake, "media_ok"), 1);
	assert_int_equal(e2e_fake_stat(&w->fake, "media_bad"), 0);
	assert_int_equal(e2e_fake_stat(&w->fake, "ivr_sent"), 1);
	assert_int_equal(e2e_fake_stat(&w->fake, "ivr_failed"), 0);
	assert_int_equal(e2e_fake_stat(&w->fake, "hangup_failed"), 0);

	/* The call came from voice_from and asked the daemon for a digit. */
	e2e_phone(0, num, sizeof(num));
	assert_non_null(rx = e2e_fake_received(&w->fake, num));
	assert_int_equal(json_array_size(rx), 1);
	assert_string_equal(e2e_json_str(rx, "0.type"), "call");
	assert_string_equal(e2e_json_str(rx, "0.to"), num);
	assert_string_equal(e2e_json_str(rx, "0.from"), "+46766861000");
	assert_non_null(vs = e2e_json_str(rx, "0.voice_start"));
	assert_non_null(act = e2e_json_parse(vs));
	snprintf(want, sizeof(want), "%s/media/", w->d.url);
	assert_non_null(e2e_json_str(act, "ivr"));
	assert_memory_equal(e2e_json_str(act, "ivr"), want, strlen(want));
	assert_int_equal(e2e_json_int(act, "digits"), 1);
	snprintf(want, sizeof(want), "%s/hooks/elks/voice?", w->d.url);
	assert_non_null(e2e_json_str(act, "next"));
	assert_memory_equal(e2e_json_str(act, "next"), want, strlen(want));
	json_decref(act);
	assert_non_null(e2e_json_str(rx, "0.whenhangup"));
	assert_memory_equal(e2e_json_str(rx, "0.whenhangup"), want,
	    strlen(want));
	json_decref(rx);

	/* The voice delivery carries 46elks' call id and the yes. */
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	assert_int_equal(json_array_size(list), 1);
	assert_non_null(call = e2e_delivery_of(list, num, "voice"));
	assert_string_equal(e2e_json_str(call, "provider"), "elks");
	assert_string_equal(e2e_json_str(call, "ack"), "yes");
	assert_non_null(ref = e2e_json_str(call, "provider_ref"));
	assert_int_equal(ref[0], 'c');
	assert_true(strlen(ref) > 1);
	json_decref(list);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * A fake 46elks started with args, a daemon on it, n contacts in group
 * and an alert to them (its source_ref the group's name): its id.
 */
static long long
alert_via_fake(struct e2e_world *w, const char *const args[],
    const char *group, int n)
{
	struct e2e_conf	 c = { 0 };
	char		 body[256];
	long long	 id;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, args), 0);
	c.fake_port = w->fake.port;
	assert_int_equal(e2e_env_config(w->env, &c), 0);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, n, group, false), 0);
	snprintf(body, sizeof(body), "{\"source_ref\": \"%s\", "
	    "\"message\": \"Test av Varsel.\", \"audience\": "
	    "{\"groups\": [\"%s\"]}}", group, group);
	id = e2e_post_alert(&w->d, body, n);
	assert_true(id > 0);
	return id;
}

/*
 * 8. 46elks reports an SMS delivered before its answer to the send has
 * reached us (the fake reports at once and answers 300 ms later): the
 * report is kept and applied when the "sent" with that id is written,
 * so the delivery ends delivered, not sent for ever.
 */
static void
test_report_before_answer(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--dlr-early", "--dlr-delay-ms", "0",
			    "--latency-ms", "300", NULL };
	json_t		*a;
	long long	 id;

	id = alert_via_fake(w, args, "early", 3);
	a = e2e_wait_alert(w, id, "counts.delivered", 3, true, WAIT_MS);
	assert_non_null(a);
	assert_int_equal(e2e_json_int(a, "counts.sent"), 0);
	json_decref(a);
	assert_int_equal(e2e_fake_stat(&w->fake, "dlr_sent"), 3);
	assert_true(e2e_log_contains(&w->d, "evt=report_early"));
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 9. 46elks answers 200 without an id: the SMS is kept as sent (sending
 * again could send twice), and the log says why at info, where a
 * crisis lead's operator sees it, not only in a trace.
 */
static void
test_accepted_without_id(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--no-id", NULL };
	json_t		*a;
	long long	 id;

	id = alert_via_fake(w, args, "noid", 2);
	a = e2e_wait_alert(w, id, "counts.sent", 2, true, WAIT_MS);
	assert_non_null(a);
	json_decref(a);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 2);
	assert_true(e2e_log_contains(&w->d, "evt=sent_unconfirmed "
	    "provider=elks"));
	assert_true(e2e_log_contains(&w->d, "2xx without id"));
	assert_int_equal(e2e_finish(w), 0);
}

/* Run every test; each starts its own daemon and fakes. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_vectors),
		E2E_TEST(test_twilio_delivered),
		E2E_TEST(test_forged_status),
		E2E_TEST(test_failover),
		E2E_TEST(test_silent_provider),
		E2E_TEST(test_voice),
		E2E_TEST(test_undelivered),
		E2E_TEST(test_no_answer),
		E2E_TEST(test_elks46_call),
		E2E_TEST(test_report_before_answer),
		E2E_TEST(test_accepted_without_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
