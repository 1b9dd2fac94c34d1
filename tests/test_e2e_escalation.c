/*
 * End-to-end tests of escalation: the real varseld against the fake
 * Twilio (tests/fakes/fake_twilio) on 127.0.0.1. An SMS that gets no
 * delivery report within escalate_after_s becomes a call, the listener
 * presses 1, and that acknowledges the alert; with many recipients over
 * several connections, and with one over a single connection.
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
#include <time.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define WAIT_MS		30000

/*
 * Escalation: SMS that get no delivery report (--no-dlr) within
 * escalate_after_s (1, the least an alert may ask for) become calls; the
 * listener presses 1, which counts as a yes on the alert, and each call
 * is a voice delivery of its own. n recipients, conns connections.
 */
static void
escalation_run(struct e2e_world *w, int n, int conns, bool dlr)
{
	const char	*const silent[] = { "--no-dlr", "--press", "1", NULL };
	const char	*const *args = dlr ? silent + 1 : silent;
	json_t		*a, *list, *sms, *call, *rx;
	char		 num[32];
	long long	 id;
	int		 i;

	assert_int_equal(e2e_start_twilio(w, args, 100, conns, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, n, "esc", true), 0);
	id = e2e_post_alert(&w->d, "{\"source_ref\": \"escalate\", "
	    "\"message\": \"Brand vid Nykvarns station. Håll dig inomhus.\", "
	    "\"audience\": {\"groups\": [\"esc\"]}, \"ack\": true, "
	    "\"escalate_after_s\": 1}", n);
	assert_true(id > 0);
	assert_non_null(a = e2e_wait_alert(w, id, "acks.yes", n, false,
	    WAIT_MS));
	assert_int_equal(e2e_json_int(a, "acks.no"), 0);
	/*
	 * People, once each: with reports, a delivered SMS and the
	 * answered call that followed it are one person reached.
	 */
	assert_int_equal(e2e_json_int(a, "people"), n);
	assert_int_equal(e2e_json_int(a, "reached"), n);
	assert_int_equal(e2e_json_int(a, "counts.delivered"), dlr ? n : 0);
	assert_int_equal(e2e_json_int(a, "counts.answered"), n);
	json_decref(a);

	assert_int_equal(e2e_fake_stat(&w->tw, "accepted"), n);
	assert_int_equal(e2e_fake_stat(&w->tw, "calls"), n);
	assert_int_equal(e2e_fake_stat(&w->tw, "digits_sent"), n);
	assert_int_equal(e2e_fake_stat(&w->tw, "callbacks_forbidden"), 0);
	assert_int_equal(e2e_fake_stat(&w->tw, "twiml_errors"), 0);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	assert_int_equal(json_array_size(list), 2 * n);
	for (i = 0; i < n; i++) {
		e2e_phone(i, num, sizeof(num));
		assert_non_null(sms = e2e_delivery_of(list, num, "sms"));
		assert_non_null(call = e2e_delivery_of(list, num, "voice"));
		assert_string_equal(e2e_json_str(sms, "state"), dlr ?
		    "delivered" : "sent");
		assert_string_equal(e2e_json_str(call, "provider"), "tw");
		assert_string_equal(e2e_json_str(call, "ack"), "yes");
		assert_memory_equal(e2e_json_str(call, "provider_ref"), "CA",
		    2);
		/* The SMS went first, then the call. */
		assert_non_null(rx = e2e_fake_received(&w->tw, num));
		assert_int_equal(json_array_size(rx), 2);
		assert_string_equal(e2e_json_str(rx, "0.type"), "sms");
		assert_string_equal(e2e_json_str(rx, "1.type"), "call");
		assert_non_null(strstr(e2e_json_str(rx, "1.twiml"),
		    "<Gather"));
		json_decref(rx);
	}
	json_decref(list);
	assert_int_equal(e2e_finish(w), 0);
}

/* Four recipients over eight connections. */
static void
test_escalation(void **state)
{
	escalation_run(*state, 4, 8, false);
}

/*
 * Delivered and silent: an alert that asks for an answer calls those
 * whose SMS was delivered but who did not answer.
 */
static void
test_escalation_delivered(void **state)
{
	escalation_run(*state, 3, 4, true);
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
	escalation_run(*state, 1, 1, false);
}

/*
 * A contact who takes no calls: the preview and the 202 say how many
 * the escalation will not call ("uncallable"), and it calls only the
 * others. Two of three take calls; the third gets the SMS only.
 */
static void
test_escalation_uncallable(void **state)
{
	struct e2e_world	*w = *state;
	const char		*const args[] = { "--no-dlr", "--press", "1",
	    NULL };
	const char		*body = "{\"source_ref\": \"uncallable\", "
	    "\"message\": \"Brand vid Nykvarns station.\", "
	    "\"audience\": {\"groups\": [\"esc\"]}, \"ack\": true, "
	    "\"escalate_after_s\": 1}";
	json_t			*res, *a;
	char			 num[32];
	long long		 id;
	int			 status;

	assert_int_equal(e2e_start_twilio(w, args, 100, 4, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 2, "esc", true), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 2, 1, "esc", false), 0);

	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/preview", body, &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(res, "people"), 3);
	assert_int_equal(e2e_json_int(res, "uncallable"), 1);
	json_decref(res);

	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	assert_int_equal(status, 202);
	assert_int_equal(e2e_json_int(res, "uncallable"), 1);
	id = e2e_json_int(res, "id");
	json_decref(res);
	assert_non_null(a = e2e_wait_alert(w, id, "acks.yes", 2, false,
	    WAIT_MS));
	/* Kept with the alert: what it says later too. */
	assert_int_equal(e2e_json_int(a, "uncallable"), 1);
	json_decref(a);
	/* Given the time another escalation would take, still two calls. */
	nanosleep(&(struct timespec){ 2, 500000000 }, NULL);
	assert_int_equal(e2e_fake_stat(&w->tw, "accepted"), 3);
	assert_int_equal(e2e_fake_stat(&w->tw, "calls"), 2);
	e2e_phone(2, num, sizeof(num));
	assert_non_null(res = e2e_fake_received(&w->tw, num));
	assert_int_equal(json_array_size(res), 1);
	assert_string_equal(e2e_json_str(res, "0.type"), "sms");
	json_decref(res);

	/* Without escalation the figure is not there at all: not in the
	 * preview, the 202 or the alert. */
	body = "{\"source_ref\": \"plain\", \"message\": \"Prov\", "
	    "\"audience\": {\"groups\": [\"esc\"]}}";
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/preview", body, &status);
	assert_int_equal(status, 200);
	assert_null(json_object_get(res, "uncallable"));
	json_decref(res);
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	assert_int_equal(status, 202);
	assert_null(json_object_get(res, "uncallable"));
	id = e2e_json_int(res, "id");
	json_decref(res);
	snprintf(num, sizeof(num), "/v1/alerts/%lld", id);
	res = e2e_api(&w->d, E2E_TOKEN, "GET", num, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(res, "people"), 3);
	assert_null(json_object_get(res, "uncallable"));
	json_decref(res);
	assert_int_equal(e2e_finish(w), 0);
}

/* Run every test; each starts its own daemon and fakes. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		E2E_TEST(test_escalation),
		E2E_TEST(test_escalation_delivered),
		E2E_TEST(test_escalation_uncallable),
		E2E_TEST(test_escalation_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
