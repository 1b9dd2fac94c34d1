/*
 * End-to-end tests of call-outs (issue 12): the real varseld against the
 * fake 46elks and the fake Twilio on 127.0.0.1, and varselctl against
 * the daemon. A call-out of 10 that needs 3 (the rest cancelled, a
 * fourth JA thanked); a chain to the reserve group after silence; a
 * silent volunteer called; a minor alert held at 23:00 and sent at 08:00
 * by the daemon's test clock (VARSEL_TEST_CLOCK); a scheduled alert
 * through a restart; calls in Arabic through both providers and in
 * Persian through Twilio; the consent record and the contract's checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define WAIT_MS		30000
#define OUR_NUMBER	"+46766861000"	/* 46elks' number for calls */
#define T_2300		1795039200000LL	/* 2026-11-18 23:00 Stockholm */
#define T_0800		1795071600000LL	/* 2026-11-19 08:00 Stockholm */

/* The daemon's clock file, and its NAME=value for the environment. */
static char	clock_path[PATH_MAX], clock_env[PATH_MAX + 32];

/* Let the daemon's clock show ms now (before its start, or at once). */
static void
set_clock(struct e2e_world *w, long long ms)
{
	char	text[32];

	snprintf(text, sizeof(text), "%lld\n", ms);
	assert_int_equal(e2e_env_write(w->env, "clock", text), 0);
	snprintf(clock_path, sizeof(clock_path), "%s/clock", w->env->dir);
	snprintf(clock_env, sizeof(clock_env), "VARSEL_TEST_CLOCK=%s",
	    clock_path);
	w->env->daemon_env[0] = clock_env;
	w->env->daemon_env[1] = NULL;
	if (w->d.pid != 0)
		assert_int_equal(e2e_kill(&w->d, SIGUSR2), 0);
}

/*
 * The fake 46elks with args, then the daemon with it as provider "elks"
 * (calls from OUR_NUMBER) at rate, with more [dispatch] lines.
 */
static void
start_elks(struct e2e_world *w, const char *const args[], double rate,
    const char *dispatch)
{
	struct e2e_conf	 c = { 0 };
	char		*disp;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, args), 0);
	disp = str_printf("%s\n%s", E2E_FAST_DISPATCH,
	    dispatch != NULL ? dispatch : "");
	assert_non_null(disp);
	c.fake_port = w->fake.port;
	c.rate = rate;
	c.dispatch = disp;
	c.provider = "voice_from = " OUR_NUMBER;
	c.gateway = "timezone = Europe/Stockholm";
	assert_int_equal(e2e_env_config(w->env, &c), 0);
	free(disp);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
}

/* A contact of lang in group; with voice it takes calls too. */
static void
contact(struct e2e_world *w, const char *phone, const char *lang,
    const char *group, bool voice)
{
	json_t	*o;
	char	*body;
	int	 status;

	body = str_printf("{\"contacts\": [{\"phone\": \"%s\", \"lang\": "
	    "\"%s\", \"groups\": [\"%s\"], \"channels\": [\"sms\"%s]}]}",
	    phone, lang, group, voice ? ", \"voice\"" : "");
	o = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/contacts", body, &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(o, "upserted"), 1);
	json_decref(o);
	free(body);
}

/* Post an alert that must be answered 202; its answer (to free). */
static json_t *
post(struct e2e_world *w, const char *body)
{
	json_t	*o;
	int	 status;

	o = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	if (status != 202) {
		e2e_log_tail(&w->d, 2000);
		fail_msg("POST /v1/alerts: %d", status);
	}
	return o;
}

/* GET /v1/alerts/ID (to free). */
static json_t *
get_alert(struct e2e_world *w, long long id)
{
	json_t	*o;
	char	 path[64];
	int	 status;

	snprintf(path, sizeof(path), "/v1/alerts/%lld", id);
	o = e2e_api(&w->d, E2E_TOKEN, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	return o;
}

/* An SMS from phone to the daemon, as 46elks posts it; 200 expected. */
static void
sms_in(struct e2e_world *w, const char *from, const char *text)
{
	static int	 seq;
	const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	char		*form = NULL, *url, id[32];
	size_t		 len = 0;
	int		 status = 0;

	snprintf(id, sizeof(id), "callouts-in-%d", ++seq);
	assert_int_equal(form_append(&form, &len, "id", id), 0);
	assert_int_equal(form_append(&form, &len, "from", from), 0);
	assert_int_equal(form_append(&form, &len, "to", OUR_NUMBER), 0);
	assert_int_equal(form_append(&form, &len, "message", text), 0);
	assert_non_null(url = str_printf("%s/hooks/elks/sms?s=%s", w->d.url,
	    E2E_CALLBACK_SECRET));
	assert_int_equal(e2e_http("POST", url, h, form, &status, NULL), 0);
	assert_int_equal(status, 200);
	free(url);
	free(form);
}

/* The newest reply queued to phone: its text (to free), or NULL. */
static char *
last_reply(struct e2e_world *w, const char *phone)
{
	json_t	*o;
	char	*enc, *path, *text = NULL;
	int	 status;

	assert_non_null(enc = url_encode(phone));
	assert_non_null(path = str_printf("/v1/replies?phone=%s", enc));
	o = e2e_api(&w->d, E2E_TOKEN, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	if (e2e_json_str(o, "replies.0.text") != NULL)
		text = strdup(e2e_json_str(o, "replies.0.text"));
	json_decref(o);
	free(path);
	free(enc);
	return text;
}

/*
 * 1. A call-out of 10 that needs 3, sent at 2 a second: once four are
 * out, four JA come; the third fills it, every SMS not yet sent is
 * cancelled and never reaches the fake, and the fourth is thanked with
 * "Tack, vi har tillräckligt."
 */
static void
test_callout_need(void **state)
{
	struct e2e_world	*w = *state;
	json_t			*a, *list, *d;
	char			 phones[4][32], *reply;
	long long		 id, sent;
	size_t			 i, k;

	start_elks(w, NULL, 2, NULL);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 10, "nv", false), 0);
	a = post(w, "{\"source_ref\": \"utrop\", \"severity\": \"severe\", "
	    "\"template\": \"nattvandrare-utrop\", \"vars\": {\"place\": "
	    "\"Stationen\", \"time\": \"22:00\"}, \"ack\": true, \"need\": 3, "
	    "\"audience\": {\"groups\": [\"nv\"]}}");
	id = e2e_json_int(a, "id");
	assert_int_equal(e2e_json_int(a, "need"), 3);
	assert_int_equal(e2e_json_int(a, "people"), 10);
	json_decref(a);
	assert_int_equal(e2e_wait_fake(w, &w->fake, "accepted", 4, WAIT_MS),
	    0);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	k = 0;
	json_array_foreach(list, i, d)
		if (k < 4 && (strcmp(e2e_json_str(d, "state"), "sent") == 0 ||
		    strcmp(e2e_json_str(d, "state"), "delivered") == 0))
			strlcpy(phones[k++], e2e_json_str(d, "phone"),
			    sizeof(phones[0]));
	json_decref(list);
	assert_int_equal(k, 4);
	for (i = 0; i < 4; i++)
		sms_in(w, phones[i], "JA");

	assert_non_null(a = e2e_wait_alert(w, id, "acks.yes", 4, true,
	    WAIT_MS));
	assert_non_null(e2e_json_str(a, "filled_at"));
	assert_int_equal(e2e_json_int(a, "counts.queued"), 0);
	sent = e2e_json_int(a, "counts.sent") + e2e_json_int(a,
	    "counts.delivered");
	assert_true(sent >= 4 && sent < 10);
	assert_int_equal(e2e_json_int(a, "counts.cancelled"), 10 - sent);
	json_decref(a);
	/* What was cancelled never went out: only the four replies. */
	assert_int_equal(e2e_wait_fake(w, &w->fake, "accepted", sent + 4,
	    WAIT_MS), 0);
	usleep(1000 * 1000);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), sent + 4);
	for (i = 0; i < 4; i++) {
		assert_non_null(reply = last_reply(w, phones[i]));
		if ((i < 3) != (strstr(reply, "Tack, vi har tillräckligt.") ==
		    NULL))
			fail_msg("JA %zu was answered: %s", i, reply);
		free(reply);
	}
	assert_true(e2e_log_contains(&w->d, "evt=filled need=3 "));
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 2. A chain: the night walkers stay silent for escalate_to_after_s, so
 * the reserve group is asked as step 1 of the same alert; two of them
 * say JA and the call-out is full.
 */
static void
test_chain_after_silence(void **state)
{
	struct e2e_world	*w = *state;
	json_t			*a, *list, *d;
	char			 r0[32], r1[32];
	long long		 id;
	size_t			 i, step1 = 0;

	start_elks(w, NULL, 100, NULL);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 2, "nv", false), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 10, 2, "reserv", false), 0);
	a = post(w, "{\"source_ref\": \"kedja\", \"severity\": \"severe\", "
	    "\"message\": \"Kan du komma till stationen kl 22?\", \"ack\": "
	    "true, \"need\": 2, \"audience\": {\"groups\": [\"nv\"]}, "
	    "\"escalate_to\": {\"groups\": [\"reserv\"]}, "
	    "\"escalate_to_after_s\": 1}");
	id = e2e_json_int(a, "id");
	json_decref(a);
	assert_non_null(a = e2e_wait_alert(w, id, "recipients", 4, false,
	    WAIT_MS));
	assert_int_equal(e2e_json_int(a, "steps.1.step"), 1);
	assert_int_equal(e2e_json_int(a, "steps.1.recipients"), 2);
	assert_string_equal(e2e_json_str(a, "steps.1.audience.groups.0"),
	    "reserv");
	json_decref(a);
	assert_int_equal(e2e_wait_fake(w, &w->fake, "accepted", 4, WAIT_MS),
	    0);
	assert_non_null(list = e2e_deliveries(&w->d, id, NULL));
	json_array_foreach(list, i, d)
		if (e2e_json_int(d, "step") == 1)
			step1++;
	json_decref(list);
	assert_int_equal(step1, 2);
	e2e_phone(10, r0, sizeof(r0));
	e2e_phone(11, r1, sizeof(r1));
	sms_in(w, r0, "JA");
	sms_in(w, r1, "ja!");
	assert_non_null(a = e2e_wait_alert(w, id, "acks.yes", 2, true,
	    WAIT_MS));
	assert_non_null(e2e_json_str(a, "filled_at"));
	json_decref(a);
	assert_true(e2e_log_contains(&w->d, "evt=escalated step=1"));
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 3. Escalation on silence: both volunteers get the SMS (delivered); one
 * says JA, the other stays silent and is called once, after
 * escalate_after_s, and presses 1.
 */
static void
test_silent_called(void **state)
{
	struct e2e_world	*w = *state;
	const char *const	 args[] = { "--press", "1", NULL };
	json_t			*a, *rx;
	char			 talk[32], quiet[32];
	long long		 id;

	start_elks(w, args, 100, NULL);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 2, "nv", true), 0);
	e2e_phone(0, talk, sizeof(talk));
	e2e_phone(1, quiet, sizeof(quiet));
	a = post(w, "{\"source_ref\": \"tyst\", \"severity\": \"severe\", "
	    "\"template\": \"nattvandrare-utrop\", \"vars\": {\"place\": "
	    "\"Stationen\", \"time\": \"22:00\"}, \"ack\": true, "
	    "\"escalate_after_s\": 2, \"audience\": {\"groups\": [\"nv\"]}}");
	id = e2e_json_int(a, "id");
	json_decref(a);
	assert_non_null(a = e2e_wait_alert(w, id, "counts.delivered", 2,
	    false, WAIT_MS));
	json_decref(a);
	sms_in(w, talk, "JA");
	assert_non_null(a = e2e_wait_alert(w, id, "acks.yes", 2, true,
	    WAIT_MS));
	json_decref(a);
	assert_int_equal(e2e_fake_stat(&w->fake, "calls"), 1);
	assert_non_null(rx = e2e_fake_received(&w->fake, quiet));
	assert_int_equal(json_array_size(rx), 2);
	assert_string_equal(e2e_json_str(rx, "1.type"), "call");
	json_decref(rx);
	assert_non_null(rx = e2e_fake_received(&w->fake, talk));
	/* The SMS and the reply to JA, no call. */
	assert_int_equal(json_array_size(rx), 2);
	assert_null(e2e_json_str(rx, "1.type"));
	assert_non_null(strstr(e2e_json_str(rx, "1.message"), "JA"));
	json_decref(rx);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 4. Quiet hours: at 23:00 (the daemon's clock) a minor alert is held
 * until 08:00; nothing goes out; at 08:00 it is released and sent.
 */
static void
test_held_at_night(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	json_t			*a;
	long long		 id;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, NULL), 0);
	set_clock(w, T_2300);
	c.fake_port = w->fake.port;
	c.dispatch = E2E_FAST_DISPATCH "\nquiet_hours = 21:00-08:00";
	assert_int_equal(e2e_env_config(w->env, &c), 0);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 3, "boende", false), 0);
	a = post(w, "{\"source_ref\": \"natt\", \"severity\": \"minor\", "
	    "\"message\": \"Vattnet stängs av i morgon 09-12.\", "
	    "\"audience\": {\"groups\": [\"boende\"]}}");
	id = e2e_json_int(a, "id");
	assert_string_equal(e2e_json_str(a, "state"), "held");
	assert_string_equal(e2e_json_str(a, "held_until"),
	    "2026-11-19T07:00:00Z");
	json_decref(a);
	usleep(1500 * 1000);
	a = get_alert(w, id);
	assert_string_equal(e2e_json_str(a, "state"), "held");
	assert_int_equal(e2e_json_int(a, "counts.held"), 3);
	json_decref(a);
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 0);

	set_clock(w, T_0800);
	assert_int_equal(e2e_wait_fake(w, &w->fake, "accepted", 3, WAIT_MS),
	    0);
	a = get_alert(w, id);
	assert_string_equal(e2e_json_str(a, "released_at"),
	    "2026-11-19T07:00:00Z");
	json_decref(a);
	assert_true(e2e_log_contains(&w->d, "evt=released gate=held"));
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 5. Scheduled: posted for an hour later, the daemon stops and starts
 * again when the hour has passed; the alert goes out then, to the
 * contacts there are then (one joined after it was posted).
 */
static void
test_scheduled_restart(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	json_t			*a;
	long long		 id;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, NULL), 0);
	set_clock(w, T_0800);
	c.fake_port = w->fake.port;
	assert_int_equal(e2e_env_config(w->env, &c), 0);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 1, "boende", false), 0);
	a = post(w, "{\"source_ref\": \"senare\", \"message\": \"Möte i "
	    "kväll kl 19 i biblioteket.\", \"send_at\": "
	    "\"2026-11-19T09:00:00+01:00\", \"audience\": {\"groups\": "
	    "[\"boende\"]}}");
	id = e2e_json_int(a, "id");
	assert_string_equal(e2e_json_str(a, "state"), "scheduled");
	assert_string_equal(e2e_json_str(a, "send_at"),
	    "2026-11-19T08:00:00Z");
	json_decref(a);
	assert_int_equal(e2e_add_contacts(&w->d, 1, 1, "boende", false), 0);
	assert_int_equal(e2e_stop(&w->d, 10000), 0);

	set_clock(w, T_0800 + 3600 * 1000LL + 500);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
	assert_int_equal(e2e_wait_fake(w, &w->fake, "accepted", 2, WAIT_MS),
	    0);
	a = get_alert(w, id);
	assert_int_equal(e2e_json_int(a, "recipients"), 2);
	assert_int_equal(e2e_json_int(a, "people"), 2);
	json_decref(a);
	assert_int_equal(e2e_finish(w), 0);
}

/* A contact in Arabic (and one in Persian) that takes calls. */
static void
speakers(struct e2e_world *w, char *ar, char *fa, size_t len)
{
	e2e_phone(0, ar, len);
	e2e_phone(1, fa, len);
	contact(w, ar, "ar", "rost", true);
	contact(w, fa, "fa", "rost", true);
}

/*
 * 6a. Calls through Twilio: the Arabic call says the Arabic voice text
 * with the Arabic voice; the Persian one, which Twilio cannot say,
 * plays the speech the daemon rendered.
 */
static void
test_voice_twilio(void **state)
{
	struct e2e_world	*w = *state;
	json_t			*a, *rx;
	const char		*twiml;
	char			 ar[32], fa[32];

	assert_int_equal(e2e_start_twilio(w, NULL, 100, 4, NULL), 0);
	speakers(w, ar, fa, sizeof(ar));
	a = post(w, "{\"source_ref\": \"rost\", \"severity\": \"severe\", "
	    "\"template\": \"incident\", \"vars\": {\"description\": \"Brand\","
	    " \"place\": \"Stationen\", \"time\": \"22:15\"}, \"channels\": "
	    "[\"voice\"], \"audience\": {\"groups\": [\"rost\"]}}");
	json_decref(a);
	assert_int_equal(e2e_wait_fake(w, &w->tw, "calls", 2, WAIT_MS), 0);
	assert_non_null(rx = e2e_fake_received(&w->tw, ar));
	assert_non_null(twiml = e2e_json_str(rx, "0.twiml"));
	assert_non_null(strstr(twiml, "<Say language=\"arb\" "
	    "voice=\"Polly.Zeina\">هذه رسالة مهمة من بلدية نيكفارن."));
	assert_non_null(strstr(twiml, "واحد واحد اثنان"));
	json_decref(rx);
	assert_non_null(rx = e2e_fake_received(&w->tw, fa));
	assert_non_null(twiml = e2e_json_str(rx, "0.twiml"));
	assert_non_null(strstr(twiml, "<Play>"));
	assert_non_null(strstr(twiml, "/media/"));
	assert_null(strstr(twiml, "<Say"));
	json_decref(rx);
	assert_true(e2e_log_contains(&w->d, "evt=speech_rendered lang=fa "
	    "voice=fa"));
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 6b. The Arabic call through 46elks: the daemon renders the Arabic
 * text with the Arabic voice, the fake fetches it as the call's audio.
 */
static void
test_voice_elks(void **state)
{
	struct e2e_world	*w = *state;
	const char *const	 args[] = { "--press", "1", NULL };
	json_t			*a, *rx;
	char			 ar[32], fa[32];
	long long		 id;

	start_elks(w, args, 100, NULL);
	speakers(w, ar, fa, sizeof(ar));
	a = post(w, "{\"source_ref\": \"rost\", \"severity\": \"severe\", "
	    "\"template\": \"incident\", \"vars\": {\"description\": \"Brand\","
	    " \"place\": \"Stationen\", \"time\": \"22:15\"}, \"channels\": "
	    "[\"voice\"], \"ack\": true, \"audience\": {\"contacts\": "
	    "[\"+46701000000\"]}}");
	id = e2e_json_int(a, "id");
	json_decref(a);
	json_decref(e2e_wait_alert(w, id, "acks.yes", 1, false, WAIT_MS));
	assert_int_equal(e2e_wait_fake(w, &w->fake, "media_ok", 1, WAIT_MS),
	    0);
	assert_int_equal(e2e_fake_stat(&w->fake, "media_bad"), 0);
	assert_non_null(rx = e2e_fake_received(&w->fake, ar));
	assert_string_equal(e2e_json_str(rx, "0.type"), "call");
	json_decref(rx);
	assert_true(e2e_log_contains(&w->d, "evt=speech_rendered lang=ar "
	    "voice=ar"));
	assert_int_equal(e2e_finish(w), 0);
}

/* Run varselctl with args against the world's daemon; its output. */
static char *
ctl(struct e2e_world *w, const char *args, int *status)
{
	char	*cmd, *out = NULL;
	size_t	 len = 0;
	FILE	*p, *m;
	int	 ch;

	cmd = str_printf("VARSEL_URL=%s VARSEL_TOKEN=%s %s/varselctl %s "
	    "2>&1", w->d.url, E2E_TOKEN, e2e_builddir(), args);
	assert_non_null(cmd);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(m = open_memstream(&out, &len));
	while ((ch = fgetc(p)) != EOF)
		fputc(ch, m);
	fclose(m);
	*status = WEXITSTATUS(pclose(p));
	free(cmd);
	return out;
}

/*
 * 7. The consent record through varselctl (import, STOPP, START,
 * delete: kept after erasure), people beside recipients, the answer
 * prompt counted, the contract's 422s, and the erasure in /metrics.
 */
static void
test_consent_and_contract(void **state)
{
	struct e2e_world	*w = *state;
	json_t			*o, *ev;
	char			 csv[PATH_MAX], *out, big[1700], *body;
	int			 status;

	start_elks(w, NULL, 100, NULL);
	assert_int_equal(e2e_env_write(w->env, "kontakter.csv",
	    "phone,lang,groups,channels\n070-100 00 07,sv,nv,sms|voice\n"), 0);
	snprintf(csv, sizeof(csv), "%s/kontakter.csv", w->env->dir);
	body = str_printf("contacts import %s", csv);
	out = ctl(w, body, &status);
	free(body);
	assert_int_equal(status, 0);
	free(out);
	sms_in(w, "+46701000007", "STOPP");
	sms_in(w, "+46701000007", "START");
	out = ctl(w, "contacts delete 070-1000007", &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "+46701000007 erased"));
	free(out);
	out = ctl(w, "--json contacts history +46701000007", &status);
	assert_int_equal(status, 0);
	assert_non_null(o = e2e_json_parse(out));
	ev = json_object_get(o, "events");
	assert_int_equal(json_array_size(ev), 4);
	assert_string_equal(e2e_json_str(ev, "0.event"), "added");
	assert_string_equal(e2e_json_str(ev, "0.how"), "import");
	assert_string_equal(e2e_json_str(ev, "0.detail"), "kontakter.csv");
	assert_string_equal(e2e_json_str(ev, "0.by"), "e2e");
	assert_string_equal(e2e_json_str(ev, "1.event"), "opted_out");
	assert_string_equal(e2e_json_str(ev, "2.event"), "opted_in");
	assert_string_equal(e2e_json_str(ev, "3.event"), "erased");
	json_decref(o);
	free(out);
	out = ctl(w, "contacts history +46709999999", &status);
	assert_int_equal(status, 1);
	assert_non_null(strstr(out, "404 not_found"));
	free(out);

	/* People beside recipients; the prompt in the segments. */
	contact(w, "+46701000008", "sv", "nv", true);
	o = post(w, "{\"source_ref\": \"folk\", \"severity\": \"severe\", "
	    "\"message\": \"Kan du komma till stationen?\", \"ack\": true, "
	    "\"channels\": [\"sms\", \"voice\"], \"audience\": {\"groups\": "
	    "[\"nv\"]}}");
	assert_int_equal(e2e_json_int(o, "recipients"), 2);
	assert_int_equal(e2e_json_int(o, "people"), 1);
	json_decref(o);
	out = ctl(w, "alerts show 1", &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "people:"));
	assert_non_null(strstr(out, "reached:"));
	/* Only an alert that escalates says whom it cannot call. */
	assert_null(strstr(out, "uncallable:"));
	free(out);
	out = ctl(w, "alerts deliveries 1 --csv", &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "id,phone,channel,lang,state,"));
	assert_non_null(strstr(out, ",+46701000008,sms,sv,"));
	assert_non_null(strstr(out, ",+46701000008,voice,sv,"));
	free(out);

	/* 1,601 bytes: message_too_long; an empty number: invalid_phone. */
	memset(big, 'a', 1601);
	big[1601] = '\0';
	body = str_printf("{\"source_ref\": \"lang\", \"message\": \"%s\", "
	    "\"audience\": {\"contacts\": [\"\"]}}", big);
	o = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	assert_int_equal(status, 422);
	assert_string_equal(e2e_json_str(o, "error.code"), "message_too_long");
	json_decref(o);
	free(body);
	o = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", "{\"source_ref\": "
	    "\"tom\", \"message\": \"x\", \"audience\": {\"contacts\": "
	    "[\"\"]}}", &status);
	assert_int_equal(status, 422);
	assert_string_equal(e2e_json_str(o, "error.code"), "invalid_phone");
	assert_string_equal(e2e_json_str(o, "error.field"),
	    "audience.contacts[0]");
	json_decref(o);

	/* The daily erasure is on /metrics (it has not run yet). */
	{
		const char *const h[] = { "Authorization: Bearer " E2E_TOKEN,
			NULL };
		char	*url = str_printf("%s/metrics", w->d.url);

		assert_int_equal(e2e_http("GET", url, h, NULL, &status, &out),
		    0);
		assert_int_equal(status, 200);
		assert_non_null(strstr(out, "varsel_retention_erased_total"
		    "{table=\"deliveries\"} 0"));
		assert_non_null(strstr(out, "varsel_retention_runs_total 0"));
		free(out);
		free(url);
	}
	assert_int_equal(e2e_finish(w), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		E2E_TEST(test_callout_need),
		E2E_TEST(test_chain_after_silence),
		E2E_TEST(test_silent_called),
		E2E_TEST(test_held_at_night),
		E2E_TEST(test_scheduled_restart),
		E2E_TEST(test_voice_twilio),
		E2E_TEST(test_voice_elks),
		E2E_TEST(test_consent_and_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
