/*
 * End-to-end tests of the providers: the real varseld against the fake
 * Twilio (tests/fakes/fake_twilio) and the fake 46elks, all on 127.0.0.1.
 * SMS through Twilio to delivered, forged status callbacks refused,
 * failover from a failing 46elks to Twilio with its circuit breaker open,
 * escalation from an unanswered SMS to a call acknowledged with DTMF 1,
 * the rate and connection limit measured at the fake, an extreme alert
 * overtaking a queue of minor ones, calls that speak Swedish TwiML, and
 * a 46elks call that plays the daemon's rendered speech and is
 * acknowledged with DTMF 1.
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
#define FAST_DISPATCH	"retry_base_ms = 50\nretry_max_ms = 200\n" \
			"max_attempts = 6"

/* Start the fake Twilio with args (NULL-ended, may be NULL). */
static void
start_twilio(struct e2e_world *w, const char *const args[])
{
	assert_int_equal(e2e_spawn_twilio(w->env, &w->tw, args), 0);
}

/* The Twilio section "tw" at the fake, priority 1. */
static char *
twilio_only(struct e2e_world *w, double rate, int max_connections)
{
	char	*s = e2e_twilio_section("tw", w->tw.port, 1, rate,
		    max_connections, NULL);

	assert_non_null(s);
	return s;
}

/* Write the config with providers (taken) and start the daemon. */
static void
start_daemon(struct e2e_world *w, char *providers, const char *dispatch)
{
	struct e2e_conf	c = { 0 };

	c.dispatch = dispatch != NULL ? dispatch : FAST_DISPATCH;
	assert_int_equal(e2e_env_config_providers(w->env, &c, providers), 0);
	free(providers);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
}

/* n contacts from number first into group (voice: calls too). */
static void
add_contacts(struct e2e_world *w, int first, int n, const char *group,
    bool voice)
{
	assert_int_equal(e2e_add_contacts(&w->d, first, n, group, voice), 0);
}

/* POST /v1/alerts with body for recipients; its id. */
static long long
post_alert(struct e2e_world *w, const char *body, long long recipients)
{
	long long	id = e2e_post_alert(&w->d, body, recipients);

	assert_true(id > 0);
	return id;
}

/* Wait until the alert's count at path reaches want; its last answer. */
static json_t *
wait_alert(struct e2e_world *w, long long id, const char *path,
    long long want, bool done, int timeout_ms)
{
	json_t	*a = e2e_wait_alert(w, id, path, want, done, timeout_ms);

	assert_non_null(a);
	return a;
}

/* Wait until the fake's counter name reaches want. */
static void
wait_fake(struct e2e_world *w, struct e2e_proc *fake, const char *name,
    long long want, int timeout_ms)
{
	assert_int_equal(e2e_wait_fake(w, fake, name, want, timeout_ms), 0);
}

/* Every delivery of an alert. */
static json_t *
deliveries(struct e2e_world *w, long long id)
{
	json_t	*arr = e2e_deliveries(&w->d, id, NULL);

	assert_non_null(arr);
	return arr;
}

/* The one delivery of phone on channel in a list; NULL if none. */
static json_t *
delivery_of(json_t *list, const char *num, const char *channel)
{
	json_t	*d, *found = NULL;
	size_t	 i;

	json_array_foreach(list, i, d) {
		if (strcmp(e2e_json_str(d, "phone") ? e2e_json_str(d,
		    "phone") : "", num) != 0 ||
		    strcmp(e2e_json_str(d, "channel") ? e2e_json_str(d,
		    "channel") : "", channel) != 0)
			continue;
		assert_null(found);	/* one per number and channel */
		found = d;
	}
	return found;
}

/* What the fake Twilio received for a number, oldest first. */
static json_t *
received(struct e2e_world *w, const char *num)
{
	json_t	*j = e2e_fake_received(&w->tw, num);

	assert_non_null(j);
	return j;
}

/* A counter of the fake, which must answer. */
static long long
counter(struct e2e_proc *fake, const char *name)
{
	long long	v = e2e_fake_stat(fake, name);

	if (v < 0)
		fail_msg("%s has no counter %s", fake->name, name);
	return v;
}

/* SIGTERM ends the daemon and the fakes cleanly. */
static void
finish(struct e2e_world *w)
{
	assert_int_equal(e2e_finish(w), 0);
}

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

	start_twilio(w, NULL);
	start_daemon(w, twilio_only(w, 500, 8), NULL);
	add_contacts(w, 0, 50, "tw50", false);
	id = post_alert(w, "{\"source_ref\": \"tw-1\", \"message\": "
	    "\"Vattenavstängning på Centrumvägen i natt kl 22-04.\", "
	    "\"audience\": {\"groups\": [\"tw50\"]}}", 50);
	a = wait_alert(w, id, "counts.delivered", 50, true, WAIT_MS);
	assert_int_equal(e2e_json_int(a, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(a, "in_doubt"), 0);
	json_decref(a);

	assert_int_equal(counter(&w->tw, "accepted"), 50);
	assert_int_equal(counter(&w->tw, "unique_to"), 50);
	assert_int_equal(counter(&w->tw, "duplicates"), 0);
	assert_int_equal(counter(&w->tw, "dlr_sent"), 50);
	assert_int_equal(counter(&w->tw, "callbacks_forbidden"), 0);

	list = deliveries(w, id);
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
	rx = received(w, num);
	assert_int_equal(json_array_size(rx), 1);
	snprintf(want, sizeof(want), "%s/hooks/tw/status", w->d.url);
	assert_string_equal(e2e_json_str(rx, "0.status_callback"), want);
	assert_string_equal(e2e_json_str(rx, "0.from"), E2E_TWILIO_FROM);
	assert_string_equal(e2e_json_str(rx, "0.type"), "sms");
	json_decref(rx);
	finish(w);
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

	start_twilio(w, args);
	start_daemon(w, twilio_only(w, 100, 4), NULL);
	add_contacts(w, 0, 1, "one", false);
	id = post_alert(w, "{\"source_ref\": \"forge\", \"message\": "
	    "\"Test av Varsel.\", \"audience\": {\"groups\": [\"one\"]}}", 1);
	json_decref(wait_alert(w, id, "counts.sent", 1, true, WAIT_MS));
	list = deliveries(w, id);
	e2e_phone(0, num, sizeof(num));
	assert_non_null(d = delivery_of(list, num, "sms"));
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
		a = wait_alert(w, id, "counts.sent", 1, true, 1000);
		if (e2e_json_int(a, "counts.delivered") != 0)
			fail_msg("%s: the delivery moved", cases[i].what);
		json_decref(a);
	}
	free(fnum);
	json_decref(list);

	json_decref(wait_alert(w, id, "counts.delivered", 1, true, WAIT_MS));
	list = deliveries(w, id);
	assert_string_equal(e2e_json_str(list, "0.state"), "delivered");
	json_decref(list);
	assert_true(e2e_log_contains(&w->d, "hook_forbidden"));
	finish(w);
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
 * 3. Failover: 46elks (priority 1) answers 503 to everything, Twilio
 * (priority 2) takes over. Every message is delivered, each through
 * Twilio exactly once, none in doubt, and the 46elks breaker is open.
 */
static void
test_failover(void **state)
{
	struct e2e_world *w = *state;
	const char	*const eargs[] = { "--fail-rate", "1", NULL };
	char		*elks, *tw, *both, url[128], *metrics;
	const char	*auth[] = { "Authorization: Bearer " E2E_TOKEN, NULL };
	json_t		*a, *list, *d;
	size_t		 i;
	long long	 id;
	int		 status;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, eargs), 0);
	start_twilio(w, NULL);
	elks = e2e_elks_section("elks", w->fake.port, 1, 500, 8, NULL);
	tw = e2e_twilio_section("tw", w->tw.port, 2, 500, 8, NULL);
	assert_non_null(elks);
	assert_non_null(tw);
	both = str_printf("%s\n%s", elks, tw);
	free(elks);
	free(tw);
	assert_non_null(both);
	start_daemon(w, both, FAST_DISPATCH "\nbreaker_failures = 5\n"
	    "breaker_cooldown_ms = 600000");
	add_contacts(w, 0, 100, "fo", false);
	id = post_alert(w, "{\"source_ref\": \"failover\", \"message\": "
	    "\"Strömavbrott i Nykvarn, beräknat klart kl 18.\", "
	    "\"audience\": {\"groups\": [\"fo\"]}}", 100);
	a = wait_alert(w, id, "counts.delivered", 100, true, WAIT_MS);
	assert_int_equal(e2e_json_int(a, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(a, "in_doubt"), 0);
	json_decref(a);

	/* 46elks was tried and took nothing; Twilio took each once. */
	assert_true(counter(&w->fake, "tempfailed") >= 5);
	assert_int_equal(counter(&w->fake, "accepted"), 0);
	assert_int_equal(counter(&w->tw, "accepted"), 100);
	assert_int_equal(counter(&w->tw, "unique_to"), 100);
	assert_int_equal(counter(&w->tw, "duplicates"), 0);
	list = deliveries(w, id);
	assert_int_equal(json_array_size(list), 100);
	json_array_foreach(list, i, d)
		assert_string_equal(e2e_json_str(d, "provider"), "tw");
	json_decref(list);

	/* /metrics needs a token with metrics:read. */
	snprintf(url, sizeof(url), "%s/metrics", w->d.url);
	assert_int_equal(e2e_http("GET", url, NULL, NULL, &status, NULL), 0);
	assert_int_equal(status, 401);
	assert_int_equal(e2e_http("GET", url, auth, NULL, &status, &metrics),
	    0);
	assert_int_equal(status, 200);
	if (!has_metric(metrics,
	    "varsel_provider_breaker_open{provider=\"elks\"} 1") ||
	    !has_metric(metrics,
	    "varsel_provider_breaker_open{provider=\"tw\"} 0")) {
		print_error("breaker metrics wrong:\n%s\n", metrics);
		free(metrics);
		fail();
	}
	free(metrics);
	finish(w);
}

/*
 * 4. Escalation: SMS that get no delivery report (--no-dlr) within
 * escalate_after_s become calls; the listener presses 1, which counts as
 * a yes on the alert, and each call is a voice delivery of its own.
 */
static void
escalation_run(struct e2e_world *w, int n, int conns)
{
	const char	*const args[] = { "--no-dlr", "--press", "1", NULL };
	json_t		*a, *list, *sms, *call, *rx;
	char		 num[32];
	long long	 id;
	int		 i;

	start_twilio(w, args);
	start_daemon(w, twilio_only(w, 100, conns), NULL);
	add_contacts(w, 0, n, "esc", true);
	id = post_alert(w, "{\"source_ref\": \"escalate\", \"message\": "
	    "\"Brand vid Nykvarns station. Håll dig inomhus.\", "
	    "\"audience\": {\"groups\": [\"esc\"]}, \"ack\": true, "
	    "\"escalate_after_s\": 2}", n);
	a = wait_alert(w, id, "acks.yes", n, false, 20000);
	assert_int_equal(e2e_json_int(a, "acks.no"), 0);
	json_decref(a);

	assert_int_equal(counter(&w->tw, "accepted"), n);
	assert_int_equal(counter(&w->tw, "calls"), n);
	assert_int_equal(counter(&w->tw, "digits_sent"), n);
	assert_int_equal(counter(&w->tw, "callbacks_forbidden"), 0);
	assert_int_equal(counter(&w->tw, "twiml_errors"), 0);
	list = deliveries(w, id);
	assert_int_equal(json_array_size(list), 2 * n);
	for (i = 0; i < n; i++) {
		e2e_phone(i, num, sizeof(num));
		assert_non_null(sms = delivery_of(list, num, "sms"));
		assert_non_null(call = delivery_of(list, num, "voice"));
		assert_string_equal(e2e_json_str(sms, "state"), "sent");
		assert_string_equal(e2e_json_str(call, "provider"), "tw");
		assert_string_equal(e2e_json_str(call, "ack"), "yes");
		assert_memory_equal(e2e_json_str(call, "provider_ref"), "CA",
		    2);
		/* The SMS went first, then the call. */
		rx = received(w, num);
		assert_int_equal(json_array_size(rx), 2);
		assert_string_equal(e2e_json_str(rx, "0.type"), "sms");
		assert_string_equal(e2e_json_str(rx, "1.type"), "call");
		assert_non_null(strstr(e2e_json_str(rx, "1.twiml"),
		    "<Gather"));
		json_decref(rx);
	}
	json_decref(list);
	finish(w);
}

static void
test_escalation(void **state)
{
	escalation_run(*state, 4, 8);
}

/*
 * The same for one recipient over one connection: the claim that fills
 * the only connection asks for an immediate round, which used to replace
 * the once-a-second sweep's timer for good; the SMS then waited forever
 * for its call.
 */
static void
test_escalation_quiet(void **state)
{
	escalation_run(*state, 1, 1);
}

#define WINDOW_MS	10000	/* the span test_rate measures over */

/*
 * 5. Rate: rate 50 and max_connections 4 against a fake that takes 50 ms
 * per request. The bucket holds one second's burst, which 4 connections
 * of 50 ms (80/s) drain in about 1.7 s; from then on the rate is the
 * configured one. So: over the 10 s from 2 s after the first message the
 * average is within 5 % of 50/s, the whole run is no faster than rate
 * plus one burst allows, and the fake never sees more than 4 requests at
 * once.
 */
static void
test_rate(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--no-dlr", "--latency-ms", "50",
			    NULL };
	const int	 n = 700, rate = 50;
	json_t		*times;
	long long	 t0, last, from, to, in = 0, v;
	size_t		 i;

	start_twilio(w, args);
	start_daemon(w, twilio_only(w, rate, 4), NULL);
	add_contacts(w, 0, n, "rate", false);
	post_alert(w, "{\"source_ref\": \"rate\", \"message\": \"Prov av "
	    "varningssystemet.\", \"audience\": {\"groups\": [\"rate\"]}}", n);
	wait_fake(w, &w->tw, "accepted", n, 30000);

	times = e2e_fake_get(&w->tw, "/_times");
	assert_true(json_is_array(times));
	assert_int_equal(json_array_size(times), n);
	t0 = json_integer_value(json_array_get(times, 0));
	last = json_integer_value(json_array_get(times, n - 1));
	from = t0 + 2000;
	to = from + WINDOW_MS;
	for (i = 0; i < (size_t)n; i++) {
		v = json_integer_value(json_array_get(times, i));
		if (v >= from && v < to)
			in++;
	}
	json_decref(times);
	print_message("rate: %lld messages in [2 s, 12 s): %.1f/s; %d in "
	    "%lld ms; at most %lld at once\n", in, in * 1000.0 / WINDOW_MS,
	    n, last - t0,
	    counter(&w->tw, "max_concurrent"));
	/* The window must lie inside the run. */
	assert_true(last >= to);
	if (in < WINDOW_MS / 1000 * rate * 95 / 100 ||
	    in > WINDOW_MS / 1000 * rate * 105 / 100)
		fail_msg("%lld messages in 10 s: %.1f/s, not %d/s within 5 %%",
		    in, in * 1000.0 / WINDOW_MS, rate);
	if ((last - t0) * rate < (long long)(n - rate) * 1000 * 95 / 100)
		fail_msg("%d messages in %lld ms: faster than %d/s after a "
		    "burst of %d", n, last - t0, rate, rate);
	if (counter(&w->tw, "max_concurrent") > 4)
		fail_msg("%lld requests at once; max_connections is 4",
		    counter(&w->tw, "max_concurrent"));
	finish(w);
}

/* A number whose first SMS reached the fake Twilio. */
struct number_wait {
	struct e2e_world *w;
	const char	*num;
	long long	 seq;		/* its order among all accepted */
};

/* Has the number's first SMS reached the fake? */
static bool
arrived(void *arg)
{
	struct number_wait	*nw = arg;

	if (!e2e_alive(&nw->w->d))
		return true;
	nw->seq = e2e_fake_number(&nw->w->tw, nw->num, "first_seq");
	return nw->seq > 0;
}

/*
 * 6. Priority: with 5,000 minor messages queued at rate 200, an extreme
 * alert to one number is sent within about one scheduling round: fewer
 * than 400 minor messages reach the fake after it was posted and before
 * it.
 */
static void
test_priority(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--no-dlr", NULL };
	struct number_wait nw = { w, "+46709999999", 0 };
	long long	 before, seq;

	start_twilio(w, args);
	start_daemon(w, twilio_only(w, 200, 16), NULL);
	add_contacts(w, 0, 5000, "minor", false);
	post_alert(w, "{\"source_ref\": \"minor\", \"severity\": \"minor\", "
	    "\"message\": \"Gatusopning på måndag.\", "
	    "\"audience\": {\"groups\": [\"minor\"]}}", 5000);
	wait_fake(w, &w->tw, "accepted", 200, 20000);
	before = counter(&w->tw, "accepted");
	post_alert(w, "{\"source_ref\": \"extreme\", \"severity\": "
	    "\"extreme\", \"message\": \"Gå inomhus, stäng fönster och "
	    "ventilation.\", \"audience\": {\"contacts\": "
	    "[\"+46709999999\"]}}", 1);
	if (e2e_wait_until(arrived, &nw, 10000) == -1 || nw.seq <= 0 ||
	    !e2e_alive(&w->d))
		fail_msg("the extreme alert never reached the fake");
	seq = nw.seq;
	print_message("priority: posted after %lld minor messages, sent as "
	    "number %lld\n", before, seq);
	if (seq - 1 - before >= 400)
		fail_msg("%lld minor messages went out after the extreme "
		    "alert was posted and before it", seq - 1 - before);
	finish(w);
}

/*
 * 7. The voice channel: calls through Twilio whose TwiML speaks the text
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

	start_twilio(w, NULL);
	start_daemon(w, twilio_only(w, 100, 8), NULL);
	add_contacts(w, 0, n, "voice", true);
	id = post_alert(w, "{\"source_ref\": \"voice\", \"channels\": "
	    "[\"voice\"], \"message\": \"Vattenläcka på Storgatan & "
	    "Centrumvägen: koka vattnet.\", "
	    "\"audience\": {\"groups\": [\"voice\"]}}", n);
	wait_fake(w, &w->tw, "calls", n, WAIT_MS);
	a = wait_alert(w, id, "counts.answered", n, false, WAIT_MS);
	json_decref(a);

	assert_int_equal(counter(&w->tw, "accepted"), 0);
	assert_int_equal(counter(&w->tw, "twiml_errors"), 0);
	assert_int_equal(counter(&w->tw, "callbacks_forbidden"), 0);
	list = deliveries(w, id);
	assert_int_equal(json_array_size(list), n);
	for (i = 0; i < n; i++) {
		e2e_phone(i, num, sizeof(num));
		assert_non_null(call = delivery_of(list, num, "voice"));
		assert_string_equal(e2e_json_str(call, "provider"), "tw");
		rx = received(w, num);
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
	finish(w);
}

/*
 * 8. Messages Twilio reports undelivered (ErrorCode 30003) end failed,
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

	start_twilio(w, args);
	start_daemon(w, twilio_only(w, 100, 4), NULL);
	add_contacts(w, 0, 2, "undelivered", false);
	id = post_alert(w, "{\"source_ref\": \"undelivered\", \"message\": "
	    "\"Test av Varsel.\", \"audience\": {\"groups\": "
	    "[\"undelivered\"]}}", 2);
	a = wait_alert(w, id, "counts.failed", 2, true, WAIT_MS);
	assert_int_equal(e2e_json_int(a, "counts.delivered"), 0);
	json_decref(a);
	assert_int_equal(counter(&w->tw, "dlr_sent"), 2);
	list = deliveries(w, id);
	json_array_foreach(list, i, d) {
		assert_string_equal(e2e_json_str(d, "state"), "failed");
		assert_non_null(err = e2e_json_str(d, "error"));
		if (strstr(err, "30003") == NULL)
			fail_msg("error \"%s\" does not name 30003", err);
	}
	json_decref(list);
	finish(w);
}

/*
 * 9. A call nobody answers is tried again (voice_retries more times,
 * voice_retry_ms apart) and then ends no_answer.
 */
static void
test_no_answer(void **state)
{
	struct e2e_world *w = *state;
	const char	*const args[] = { "--call-outcome", "no-answer", NULL };
	json_t		*list;
	char		 num[32];
	long long	 id;

	start_twilio(w, args);
	start_daemon(w, twilio_only(w, 100, 4), FAST_DISPATCH
	    "\nvoice_retries = 1\nvoice_retry_ms = 1000");
	add_contacts(w, 0, 1, "noanswer", true);
	id = post_alert(w, "{\"source_ref\": \"noanswer\", \"channels\": "
	    "[\"voice\"], \"message\": \"Test av Varsel.\", "
	    "\"audience\": {\"groups\": [\"noanswer\"]}}", 1);
	json_decref(wait_alert(w, id, "counts.no_answer", 1, true, WAIT_MS));
	e2e_phone(0, num, sizeof(num));
	assert_int_equal(e2e_fake_number(&w->tw, num, "calls"), 2);
	list = deliveries(w, id);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(e2e_json_str(list, "0.state"), "no_answer");
	assert_int_equal(e2e_json_int(list, "0.attempts"), 2);
	json_decref(list);
	finish(w);
}

/*
 * 10. A 46elks call end to end: the fake 46elks takes the call, fetches
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
	start_daemon(w, elks, NULL);
	add_contacts(w, 0, 1, "elkscall", true);
	id = post_alert(w, "{\"source_ref\": \"elks-call\", \"channels\": "
	    "[\"voice\"], \"ack\": true, \"message\": \"Brand vid "
	    "Nykvarns station. Håll dig inomhus.\", "
	    "\"audience\": {\"groups\": [\"elkscall\"]}}", 1);
	a = wait_alert(w, id, "acks.yes", 1, false, WAIT_MS);
	assert_int_equal(e2e_json_int(a, "acks.no"), 0);
	json_decref(a);
	/* The hang-up comes after the press: wait for it too. */
	wait_fake(w, &w->fake, "hangup_sent", 1, WAIT_MS);

	/* One call, no SMS; the speech was a WAV file served as such. */
	assert_int_equal(counter(&w->fake, "calls"), 1);
	assert_int_equal(counter(&w->fake, "accepted"), 0);
	assert_int_equal(counter(&w->fake, "rejected"), 0);
	assert_int_equal(counter(&w->fake, "media_ok"), 1);
	assert_int_equal(counter(&w->fake, "media_bad"), 0);
	assert_int_equal(counter(&w->fake, "ivr_sent"), 1);
	assert_int_equal(counter(&w->fake, "ivr_failed"), 0);
	assert_int_equal(counter(&w->fake, "hangup_failed"), 0);

	/* The call came from voice_from and asked the daemon for a digit. */
	e2e_phone(0, num, sizeof(num));
	rx = e2e_fake_get(&w->fake, "/_received?to=%2B46701000000");
	assert_true(json_is_array(rx));
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
	list = deliveries(w, id);
	assert_int_equal(json_array_size(list), 1);
	assert_non_null(call = delivery_of(list, num, "voice"));
	assert_string_equal(e2e_json_str(call, "provider"), "elks");
	assert_string_equal(e2e_json_str(call, "ack"), "yes");
	assert_non_null(ref = e2e_json_str(call, "provider_ref"));
	assert_int_equal(ref[0], 'c');
	assert_true(strlen(ref) > 1);
	json_decref(list);
	finish(w);
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
		E2E_TEST(test_escalation_quiet),
		E2E_TEST(test_escalation),
		E2E_TEST(test_rate),
		E2E_TEST(test_priority),
		E2E_TEST(test_voice),
		E2E_TEST(test_undelivered),
		E2E_TEST(test_no_answer),
		E2E_TEST(test_elks46_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
