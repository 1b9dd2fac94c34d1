/*
 * End-to-end tests of two-way SMS: the real varseld and the fake 46elks
 * as child processes on 127.0.0.1. The test posts inbound SMS to
 * /hooks/elks/sms?s=SECRET as 46elks does (form id, from, to, message)
 * and reads what the gateway answered from the fake (/_received), the
 * API (/v1/replies, /v1/alerts) and the fake's callback receiver
 * (/_hooks), checking the signature of each source callback itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "gateway/auth.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define WAIT_MS		30000
#define HMAC_SECRET	"e2e-inbound-hmac-secret-9876543210"
#define OUR_NUMBER	"+46766861000"
#define ANNA		"+46701740605"
#define BILAL		"+46701740606"

/* What a wait on the fake looks for. */
struct fake_wait {
	struct e2e_world *w;
	const char	*to;		/* messages to this number */
	const char	*event;		/* or callbacks with this event */
	size_t		 n;		/* at least this many */
	json_t		*last;		/* the last answer seen */
	bool		 dead;		/* the daemon died meanwhile */
};

/* The last inbound message id made up (ids never repeat in a run). */
static int	seq;

/*
 * Start the fake with args, then the daemon with the shipped reference
 * data, an emergency number and the signed client.
 */
static void
start(struct e2e_world *w, const char *const fake_args[])
{
	struct e2e_conf	 c = { 0 };
	char		*gw;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, fake_args), 0);
	gw = str_printf("trygghetspunkter = %s/conf/trygghetspunkter.csv\n"
	    "areas = %s/conf/areas.csv\n"
	    "emergency_number = 08-721 23 13\n", e2e_srcdir(), e2e_srcdir());
	assert_non_null(gw);
	c.fake_port = w->fake.port;
	c.gateway = gw;
	c.hmac_secret = HMAC_SECRET;
	assert_int_equal(e2e_env_config(w->env, &c), 0);
	free(gw);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
}

/* SIGTERM ends both processes cleanly (exit 0: no leaks under ASan). */
static void
finish(struct e2e_world *w)
{
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * POST an inbound SMS as 46elks does, with secret in the URL (NULL: no
 * s at all) and the message id id (NULL: a fresh one). Its status.
 */
static int
post_sms_id(struct e2e_world *w, const char *secret, const char *id,
    const char *from, const char *text)
{
	const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	char		*form = NULL, *url, *enc, fresh[32];
	size_t		 len = 0;
	int		 status = 0;

	if (id == NULL) {
		snprintf(fresh, sizeof(fresh), "e2e-in-%d", ++seq);
		id = fresh;
	}
	assert_int_equal(form_append(&form, &len, "id", id), 0);
	assert_int_equal(form_append(&form, &len, "direction", "incoming"), 0);
	assert_int_equal(form_append(&form, &len, "from", from), 0);
	assert_int_equal(form_append(&form, &len, "to", OUR_NUMBER), 0);
	assert_int_equal(form_append(&form, &len, "message", text), 0);
	assert_int_equal(form_append(&form, &len, "created",
	    "2026-11-26T21:15:00.000000"), 0);
	if (secret != NULL) {
		assert_non_null(enc = url_encode(secret));
		url = str_printf("%s/hooks/elks/sms?s=%s", w->d.url, enc);
		free(enc);
	} else
		url = str_printf("%s/hooks/elks/sms", w->d.url);
	assert_non_null(url);
	assert_int_equal(e2e_http("POST", url, h, form, &status, NULL), 0);
	free(url);
	free(form);
	return status;
}

/* An inbound SMS with the right secret and a fresh id: 200 expected. */
static void
post_sms(struct e2e_world *w, const char *from, const char *text)
{
	int	status = post_sms_id(w, E2E_CALLBACK_SECRET, NULL, from, text);

	if (status != 200) {
		e2e_log_tail(&w->d, 2000);
		fail_msg("inbound \"%s\" from %s: HTTP %d", text, from,
		    status);
	}
}

/* GET /v1/replies?phone=: the replies queued to phone (owned). */
static json_t *
get_replies(struct e2e_world *w, const char *phone)
{
	char	*path, *enc;
	json_t	*res;
	int	 status;

	assert_non_null(enc = url_encode(phone));
	assert_non_null(path = str_printf("/v1/replies?phone=%s&limit=100",
	    enc));
	free(enc);
	res = e2e_api(&w->d, E2E_TOKEN, "GET", path, NULL, &status);
	free(path);
	assert_int_equal(status, 200);
	assert_true(json_is_array(json_object_get(res, "replies")));
	return res;
}

/* How many replies are queued (or sent) to phone. */
static size_t
nreplies(struct e2e_world *w, const char *phone)
{
	json_t	*res = get_replies(w, phone);
	size_t	 n = json_array_size(json_object_get(res, "replies"));

	json_decref(res);
	return n;
}

/* The fake's view: messages to w->to, or callbacks with w->event. */
static bool
fake_has(void *arg)
{
	struct fake_wait	*fw = arg;
	json_t			*all, *e, *kept;
	size_t			 i;

	if (!e2e_alive(&fw->w->d)) {
		fw->dead = true;
		return true;
	}
	all = fw->to != NULL ? e2e_fake_received(&fw->w->fake, fw->to) :
	    e2e_fake_get(&fw->w->fake, "/_hooks");
	if (all == NULL)
		return false;
	if (fw->event != NULL) {
		kept = json_array();
		json_array_foreach(all, i, e) {
			const char	*ev = e2e_json_str(e, "event");

			if (ev != NULL && strcmp(ev, fw->event) == 0)
				json_array_append(kept, e);
		}
		json_decref(all);
		all = kept;
	}
	json_decref(fw->last);
	fw->last = all;
	return json_array_size(all) >= fw->n;
}

/*
 * Wait until the fake has n messages to `to` (or n callbacks with event
 * when to is NULL); the list (owned), oldest first.
 */
static json_t *
wait_fake(struct e2e_world *w, const char *to, const char *event, size_t n)
{
	struct fake_wait	fw = { w, to, event, n, NULL, false };

	if (e2e_wait_until(fake_has, &fw, WAIT_MS) == -1 || fw.dead) {
		char	*s = json_dumps(fw.last, JSON_COMPACT);

		e2e_log_tail(&w->d, 3000);
		fail_msg("waited for %zu %s %s; last seen: %s", n,
		    to != NULL ? "messages to" : "callbacks", to != NULL ? to :
		    event, s != NULL ? s : "nothing");
	}
	return fw.last;
}

/* The fake's counter name. */
static long long
fake_stat(struct e2e_world *w, const char *name)
{
	long long	v = e2e_fake_stat(&w->fake, name);

	assert_true(v >= 0);
	return v;
}

/*
 * TRYGG 15531: the answer names Lillhagaskolan with its distance and
 * hours and goes out through the fake from the number it came in on;
 * the same message id posted again is answered once.
 */
static void
test_trygg_reply(void **state)
{
	struct e2e_world *w = *state;
	json_t		*got, *res;
	const char	*msg;

	start(w, NULL);
	assert_int_equal(post_sms_id(w, E2E_CALLBACK_SECRET, "elks-m1", ANNA,
	    "TRYGG 15531"), 200);
	got = wait_fake(w, ANNA, NULL, 1);
	msg = e2e_json_str(json_array_get(got, 0), "message");
	assert_non_null(msg);
	assert_non_null(strstr(msg, "Lillhagaskolan"));
	assert_non_null(strstr(msg, "30 m"));
	assert_non_null(strstr(msg, "vid kris dygnet runt"));
	assert_string_equal(e2e_json_str(json_array_get(got, 0), "from"),
	    OUR_NUMBER);
	json_decref(got);

	res = get_replies(w, ANNA);
	assert_int_equal(json_array_size(json_object_get(res, "replies")), 1);
	assert_string_equal(e2e_json_str(res, "replies.0.kind"),
	    "reply-trygg");
	assert_non_null(strstr(e2e_json_str(res, "replies.0.text"),
	    "Lillhagaskolan"));
	json_decref(res);

	/* 46elks retries: the same id again is not answered again. */
	assert_int_equal(post_sms_id(w, E2E_CALLBACK_SECRET, "elks-m1", ANNA,
	    "TRYGG 15531"), 200);
	assert_int_equal(nreplies(w, ANNA), 1);
	/* A later message's answer arrives; nothing came in between. */
	post_sms(w, ANNA, "HJÄLP");
	got = wait_fake(w, ANNA, NULL, 2);
	assert_int_equal(json_array_size(got), 2);
	assert_non_null(strstr(e2e_json_str(json_array_get(got, 1),
	    "message"), "08-721 23 13"));
	json_decref(got);
	assert_int_equal(fake_stat(w, "accepted"), 2);
	finish(w);
}

/* STOPP is confirmed, and the next alert to the number is suppressed. */
static void
test_stop_suppresses(void **state)
{
	struct e2e_world *w = *state;
	json_t		*got, *res, *e;
	char		 path[96];
	long long	 id;
	size_t		 i;
	int		 status, seen = 0;

	start(w, NULL);
	post_sms(w, ANNA, "STOPP");
	got = wait_fake(w, ANNA, NULL, 1);
	assert_non_null(strstr(e2e_json_str(json_array_get(got, 0),
	    "message"), "START"));
	json_decref(got);

	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", "{\"source_ref\":"
	    " \"e2e-after-stop\", \"message\": \"Brand vid Lillhagaskolan.\", "
	    "\"audience\": {\"contacts\": [\"" ANNA "\", \"" BILAL "\"]}}",
	    &status);
	assert_int_equal(status, 202);
	assert_int_equal(e2e_json_int(res, "suppressed"), 1);
	id = e2e_json_int(res, "id");
	json_decref(res);

	snprintf(path, sizeof(path), "/v1/alerts/%lld/deliveries", id);
	res = e2e_api(&w->d, E2E_TOKEN, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	json_array_foreach(json_object_get(res, "deliveries"), i, e) {
		const char	*st = e2e_json_str(e, "state");

		if (strcmp(e2e_json_str(e, "phone"), ANNA) == 0) {
			assert_string_equal(st, "suppressed");
			seen++;
		} else
			assert_string_not_equal(st, "suppressed");
	}
	assert_int_equal(seen, 1);
	json_decref(res);

	/* Bilal gets the alert; Anna still has only the confirmation. */
	json_decref(wait_fake(w, BILAL, NULL, 1));
	got = wait_fake(w, ANNA, NULL, 1);
	assert_int_equal(json_array_size(got), 1);
	json_decref(got);
	finish(w);
}

/* Does the callback's signature match auth_sign over its body? */
static void
check_signed(const json_t *cb, const char *event)
{
	const char	*body = e2e_json_str(cb, "body");
	const char	*ts = e2e_json_str(cb, "timestamp");
	const char	*sig = e2e_json_str(cb, "signature");
	char		 want[96];
	long long	 t;

	assert_non_null(body);
	assert_non_null(ts);
	assert_non_null(sig);
	assert_string_equal(e2e_json_str(cb, "event"), event);
	assert_string_equal(e2e_json_str(cb, "content_type"),
	    "application/json");
	auth_sign(HMAC_SECRET, ts, body, strlen(body), want, sizeof(want));
	assert_string_equal(sig, want);
	t = strtoll(ts, NULL, 10);
	assert_true(llabs(t - (long long)time(NULL)) < 600);
}

/*
 * JA to an ack alert: counted in acks.yes, confirmed by SMS, and sent
 * to the alert's callback_url as a signed "ack" event (after one 500,
 * retried); the alert ends with a signed alert.done.
 */
static void
test_ack_callback(void **state)
{
	static const char *const args[] = { "--hook-fail-first", "1", NULL };
	struct e2e_world *w = *state;
	json_t		*got, *res, *body;
	char		*req, path[64], ts[32], sig[96], tsh[64], sigh[128];
	const char	*h[5];
	char		*resp = NULL, *url;
	long long	 id;
	int		 status;

	start(w, args);
	req = str_printf("{\"source_ref\": \"e2e-ack\", \"message\": "
	    "\"Nattvandrare: kan du gå i kväll? Svara JA eller NEJ.\", "
	    "\"audience\": {\"contacts\": [\"" ANNA "\"]}, \"ack\": true, "
	    "\"callback_url\": \"%s/_hook/varsel\"}", w->fake.url);
	assert_non_null(req);
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	e2e_sign(HMAC_SECRET, ts, req, sig, sizeof(sig));
	snprintf(tsh, sizeof(tsh), "X-Varsel-Timestamp: %s", ts);
	snprintf(sigh, sizeof(sigh), "X-Varsel-Signature: %s", sig);
	h[0] = "Authorization: Bearer " E2E_TOKEN_SIGNED;
	h[1] = "Content-Type: application/json";
	h[2] = tsh;
	h[3] = sigh;
	h[4] = NULL;
	assert_non_null(url = str_printf("%s/v1/alerts", w->d.url));
	assert_int_equal(e2e_http("POST", url, h, req, &status, &resp), 0);
	free(url);
	free(req);
	assert_int_equal(status, 202);
	res = e2e_json_parse(resp);
	free(resp);
	id = e2e_json_int(res, "id");
	assert_true(id > 0);
	json_decref(res);

	/* The call-out reaches Anna; she answers JA. */
	json_decref(wait_fake(w, ANNA, NULL, 1));
	post_sms(w, ANNA, "Ja");
	got = wait_fake(w, ANNA, NULL, 2);
	snprintf(path, sizeof(path), "nr %lld", id);
	assert_non_null(strstr(e2e_json_str(json_array_get(got, 1),
	    "message"), path));
	json_decref(got);

	snprintf(path, sizeof(path), "/v1/alerts/%lld", id);
	res = e2e_api(&w->d, E2E_TOKEN, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(res, "acks.yes"), 1);
	assert_int_equal(e2e_json_int(res, "acks.no"), 0);
	json_decref(res);

	/* Two tries of the ack: a 500 first, then the same event, 200. */
	got = wait_fake(w, NULL, "ack", 2);
	assert_int_equal(e2e_json_int(json_array_get(got, 0), "status"), 500);
	assert_int_equal(e2e_json_int(json_array_get(got, 1), "status"), 200);
	check_signed(json_array_get(got, 1), "ack");
	body = e2e_json_parse(e2e_json_str(json_array_get(got, 1), "body"));
	assert_non_null(body);
	assert_string_equal(e2e_json_str(body, "event"), "ack");
	assert_int_equal(e2e_json_int(body, "alert_id"), id);
	assert_string_equal(e2e_json_str(body, "data.phone"), ANNA);
	assert_string_equal(e2e_json_str(body, "data.answer"), "yes");
	assert_true(e2e_json_int(body, "data.delivery_id") > 0);
	assert_non_null(e2e_json_str(body, "data.at"));
	assert_non_null(e2e_json_str(body, "sent_at"));
	assert_null(json_object_get(body, "created_at"));
	json_decref(body);
	json_decref(got);

	/* Nothing is queued or sending any more: alert.done, signed. */
	got = wait_fake(w, NULL, "alert.done", 1);
	check_signed(json_array_get(got, 0), "alert.done");
	body = e2e_json_parse(e2e_json_str(json_array_get(got, 0), "body"));
	assert_non_null(body);
	assert_int_equal(e2e_json_int(body, "alert_id"), id);
	assert_string_equal(e2e_json_str(body, "data.state"), "done");
	assert_int_equal(e2e_json_int(body, "data.recipients"), 1);
	assert_int_equal(e2e_json_int(body, "data.counts.queued"), 0);
	assert_int_equal(e2e_json_int(body, "data.counts.sending"), 0);
	/* Answers may come after done: acks.yes is 0 or 1 here. */
	assert_true(e2e_json_int(body, "data.acks.yes") >= 0);
	json_decref(body);
	json_decref(got);
	finish(w);
}

/*
 * A flood: 30 unknown texts get one help reply (10-minute rule), and
 * nothing gets a number more than 10 replies in an hour.
 */
static void
test_flood_capped(void **state)
{
	struct e2e_world *w = *state;
	json_t		*got;
	char		 text[64];
	int		 i;

	start(w, NULL);
	for (i = 0; i < 30; i++) {
		snprintf(text, sizeof(text), "vad händer %d?", i);
		post_sms(w, ANNA, text);
	}
	assert_int_equal(nreplies(w, ANNA), 1);
	for (i = 0; i < 12; i++)
		post_sms(w, ANNA, "HJÄLP");
	post_sms(w, ANNA, "TRYGG 15531");
	assert_int_equal(nreplies(w, ANNA), 10);

	/* All ten go out, and the first is the help text. */
	got = wait_fake(w, ANNA, NULL, 10);
	assert_int_equal(json_array_size(got), 10);
	assert_non_null(strstr(e2e_json_str(json_array_get(got, 0),
	    "message"), "TRYGG"));
	json_decref(got);
	/* Another number is not held back by Anna's flood. */
	post_sms(w, BILAL, "HJÄLP");
	json_decref(wait_fake(w, BILAL, NULL, 1));
	assert_int_equal(fake_stat(w, "accepted"), 11);
	finish(w);
}

/*
 * A wrong or missing secret is 403 and stores nothing: the same id with
 * the right secret is then handled as new.
 */
static void
test_wrong_secret(void **state)
{
	struct e2e_world *w = *state;

	start(w, NULL);
	assert_int_equal(post_sms_id(w, "not-the-secret", "elks-x1", ANNA,
	    "STOPP"), 403);
	assert_int_equal(post_sms_id(w, NULL, "elks-x1", ANNA, "STOPP"), 403);
	assert_int_equal(post_sms_id(w, "", "elks-x1", ANNA, "STOPP"), 403);
	assert_int_equal(nreplies(w, ANNA), 0);
	assert_true(e2e_log_contains(&w->d, "evt=hook_forbidden"));

	assert_int_equal(post_sms_id(w, E2E_CALLBACK_SECRET, "elks-x1", ANNA,
	    "HJÄLP"), 200);
	assert_int_equal(nreplies(w, ANNA), 1);
	json_decref(wait_fake(w, ANNA, NULL, 1));
	finish(w);
}

/* Names and short codes are never answered (no loops with machines). */
static void
test_no_reply_to_machines(void **state)
{
	struct e2e_world *w = *state;

	start(w, NULL);
	post_sms(w, "Nykvarn", "HJÄLP");
	post_sms(w, "Telia", "Ditt saldo är 0 kr. Svara STOPP.");
	post_sms(w, "72400", "TRYGG 15531");
	post_sms(w, "46elks", "JA");
	/* A person's answer comes after them, and is the only one sent. */
	post_sms(w, ANNA, "HJÄLP");
	json_decref(wait_fake(w, ANNA, NULL, 1));
	assert_int_equal(fake_stat(w, "requests"), 1);
	assert_int_equal(fake_stat(w, "accepted"), 1);
	assert_true(e2e_log_contains(&w->d, "action=ignored_sender"));
	finish(w);
}

/* Drop an answer's body. */
static size_t
discard_cb(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* The crash test: senders, messages each, parallel connections. */
#define KILL_SENDERS	90		/* +46701740605 upward, fiction */
#define KILL_EACH	3		/* under the 10 replies an hour */
#define KILL_CONNS	16
#define KILL_AFTER	120		/* answers before the SIGKILL */

/* One inbound SMS in flight over curl multi. */
struct kill_msg {
	CURL	*easy;
	char	*form;
	int	 sender;
	bool	 answered;		/* 200 came back */
};

/* Start message i of the crash test on multi. */
static void
kill_add(CURLM *multi, struct kill_msg *m, int i, const char *url)
{
	char	from[16], id[32];
	size_t	len = 0;

	m->sender = i % KILL_SENDERS;
	snprintf(from, sizeof(from), "+467017406%02d", 5 + m->sender);
	snprintf(id, sizeof(id), "kill-%d", i);
	m->form = NULL;
	assert_int_equal(form_append(&m->form, &len, "id", id), 0);
	assert_int_equal(form_append(&m->form, &len, "from", from), 0);
	assert_int_equal(form_append(&m->form, &len, "to", OUR_NUMBER), 0);
	assert_int_equal(form_append(&m->form, &len, "message",
	    "TRYGG 15531"), 0);
	assert_non_null(m->easy = curl_easy_init());
	curl_easy_setopt(m->easy, CURLOPT_URL, url);
	curl_easy_setopt(m->easy, CURLOPT_POSTFIELDS, m->form);
	curl_easy_setopt(m->easy, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(m->easy, CURLOPT_PRIVATE, m);
	curl_easy_setopt(m->easy, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_multi_add_handle(multi, m->easy);
}

/*
 * SIGKILL in the middle of a stream of inbound SMS on parallel
 * connections (group commit at work): after a restart every message that
 * was answered 200 is there, with its reply queued.
 */
static void
test_kill_keeps_answered(void **state)
{
	struct e2e_world *w = *state;
	struct kill_msg	*msgs;
	CURLM		*multi;
	CURLMsg		*cm;
	char		*url, *enc, from[16];
	int		 total = KILL_SENDERS * KILL_EACH, next = 0, running;
	int		 answered = 0, per[KILL_SENDERS] = { 0 }, left, i;
	int		 inflight;
	bool		 killed = false;

	start(w, NULL);
	assert_non_null(enc = url_encode(E2E_CALLBACK_SECRET));
	assert_non_null(url = str_printf("%s/hooks/elks/sms?s=%s", w->d.url,
	    enc));
	free(enc);
	assert_non_null(msgs = calloc(total, sizeof(*msgs)));
	assert_non_null(multi = curl_multi_init());
	for (; next < KILL_CONNS; next++)
		kill_add(multi, &msgs[next], next, url);
	inflight = next;
	do {
		assert_int_equal(curl_multi_perform(multi, &running),
		    CURLM_OK);
		while ((cm = curl_multi_info_read(multi, &left)) != NULL) {
			struct kill_msg	*m;
			long		 code = 0;

			if (cm->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE,
			    (char **)&m);
			curl_easy_getinfo(cm->easy_handle,
			    CURLINFO_RESPONSE_CODE, &code);
			if (cm->data.result == CURLE_OK && code == 200) {
				m->answered = true;
				per[m->sender]++;
				answered++;
			}
			curl_multi_remove_handle(multi, m->easy);
			curl_easy_cleanup(m->easy);
			m->easy = NULL;
			inflight--;
			if (!killed && answered >= KILL_AFTER) {
				assert_int_equal(e2e_kill(&w->d, SIGKILL), 0);
				killed = true;
			}
			if (!killed && next < total) {
				kill_add(multi, &msgs[next], next, url);
				next++;
				inflight++;
			}
		}
		if (inflight > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	} while (inflight > 0);
	curl_multi_cleanup(multi);
	if (!killed) {
		e2e_log_tail(&w->d, 3000);
		fail_msg("only %d of %d inbound SMS were answered 200",
		    answered, next);
	}
	assert_int_equal(e2e_wait_exit(&w->d, 5000), 128 + SIGKILL);
	/* Some were in flight at the kill, or it proved nothing. */
	assert_true(next > answered);

	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
	for (i = 0; i < KILL_SENDERS; i++) {
		size_t	n;

		snprintf(from, sizeof(from), "+467017406%02d", 5 + i);
		n = nreplies(w, from);
		if (n < (size_t)per[i])
			fail_msg("%s: %d answered 200, %zu stored", from,
			    per[i], n);
		assert_true(n <= KILL_EACH);
	}
	for (i = 0; i < total; i++)
		free(msgs[i].form);
	free(msgs);
	free(url);
	finish(w);
}

/* Run every test, each with its own store or folder. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		E2E_TEST(test_trygg_reply),
		E2E_TEST(test_stop_suppresses),
		E2E_TEST(test_ack_callback),
		E2E_TEST(test_flood_capped),
		E2E_TEST(test_wrong_secret),
		E2E_TEST(test_no_reply_to_machines),
		E2E_TEST(test_kill_keeps_answered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
