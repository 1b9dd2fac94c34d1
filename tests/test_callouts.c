/*
 * Call-outs in a whole gateway with the loop's clock frozen (gw_test.h):
 * need met by JA that arrive in one pass of the loop, later JA thanked;
 * the chain's state machine step by step (asked, skipped, ended by the
 * need, by expiry, by a cancel); silent volunteers called once;
 * quiet hours that hold minor alerts across midnight and across the
 * spring change of Stockholm; scheduled alerts fanned out at send_at
 * after a restart; the answer prompt and people beside recipients; the
 * daily erasure in batches. Every time is checked to the millisecond.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/batch.h"
#include "gateway/callouts.h"
#include "gateway/fanout.h"
#include "gateway/gateway.h"
#include "gateway/reports.h"
#include "gateway/retention.h"
#include "gateway/store.h"
#include "gateway/types.h"
#include "gateway/util.h"
#include "tests/e2e.h"
#include "tests/gw_test.h"

#define T0		GWT_T0		/* 08:06:40 in Stockholm */
#define SEC		1000LL
#define MIN		(60 * SEC)
#define T_2300		1795039200000LL	/* 2026-11-18 23:00 CET */
#define T_0800		1795071600000LL	/* 2026-11-19 08:00 CET */
#define T_SPRING_2300	1774735200000LL	/* 2026-03-28 23:00 CET */
#define T_SPRING_0800	1774764000000LL	/* 2026-03-29 08:00 CEST */
#define T_0200		1794963600000LL	/* 2026-11-18 02:00 CET */

/* A gateway with one scripted provider of rate, and [dispatch] lines. */
static struct gwt *
world(const char *dispatch, int rate, int64_t t0)
{
	char		 conf[512];
	struct gwt	*t;

	snprintf(conf, sizeof(conf), "[dispatch]\n%s\n"
	    "[provider first]\ntype = scripted\nrate = %d\n"
	    "max_connections = 1024\n",
	    dispatch != NULL ? dispatch : "", rate);
	assert_non_null(t = gwt_new("timezone = Europe/Stockholm", conf, t0));
	return t;
}

/* The n-th number of a test: +46701000000 and up. */
static void
num(int n, char *buf, size_t len)
{
	snprintf(buf, len, "+467010%05d", n);
}

/* Post body; it must be accepted (202). The answer, to json_decref. */
static json_t *
post(struct gwt *t, const char *body)
{
	struct api_error	 err;
	json_t			*a;

	if (gwt_post(t, body, &a, &err) != 0)
		fail_msg("%d %s %s: %s", err.status, err.code, err.field,
		    err.message);
	assert_non_null(a);
	return a;
}

/* The alert's row (to alert_row_clear) and counts. */
static void
alert(struct gwt *t, int64_t id, struct alert_row *a, struct alert_counts *c)
{
	assert_int_equal(store_alert_get(t->gw.store, id, a), 0);
	assert_int_equal(store_alert_counts(t->gw.store, id, c), 0);
}

/* The kind and text of the newest reply to phone. */
struct reply {
	char	kind[32];
	char	text[512];
};

static int
reply_cb(const struct delivery *d, void *arg)
{
	struct reply	*r = arg;

	if (r->kind[0] == '\0') {
		strlcpy(r->kind, d->kind, sizeof(r->kind));
		strlcpy(r->text, d->body, sizeof(r->text));
	}
	return 0;
}

static void
last_reply(struct gwt *t, const char *phone, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(store_replies_list(t->gw.store, phone, 1, reply_cb,
	    r), 0);
}

/* The sends to phone on channel since the start. */
static size_t
sends_to(const struct gwt *t, const char *phone, int channel)
{
	size_t	i, n = 0;

	for (i = 0; i < t->nsends; i++)
		if (strcmp(t->sends[i].to, phone) == 0 &&
		    t->sends[i].channel == channel)
			n++;
	return n;
}

/* The names of the callbacks queued for the alerts, in order. */
struct events {
	char	names[16][32];
	size_t	n;
};

static int
event_cb(const struct callback_row *r, void *arg)
{
	struct events	*e = arg;

	if (e->n < 16)
		strlcpy(e->names[e->n++], r->event, sizeof(e->names[0]));
	return 0;
}

/*
 * 1. need: 4 of 10 volunteers sent to (rate 4), and all four say JA in
 * one pass of the loop. The third fills the call-out: the six not sent
 * are cancelled; the fourth is thanked with "Tack, vi har tillräckligt."
 * The free text did not ask, so each SMS ends with the prompt.
 */
static void
test_need_in_one_pass(void **state)
{
	struct gwt		*t = world(NULL, 4, T0);
	struct alert_row	 a;
	struct alert_counts	 c;
	struct reply		 r;
	json_t			*ans;
	char			 phone[24];
	int64_t			 id;
	size_t			 i;

	for (i = 0; i < 10; i++) {
		num((int)i, phone, sizeof(phone));
		gwt_contact(t, phone, "sv", "nv", CH_SMS);
	}
	ans = post(t, "{\"source_ref\": \"c1\", \"severity\": \"severe\", "
	    "\"message\": \"Nattvandrare behövs vid stationen kl 22. Kan du "
	    "komma?\", \"ack\": true, \"need\": 3, "
	    "\"audience\": {\"groups\": [\"nv\"]}}");
	id = e2e_json_int(ans, "id");
	assert_int_equal(e2e_json_int(ans, "need"), 3);
	assert_int_equal(e2e_json_int(ans, "people"), 10);
	json_decref(ans);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 4);
	assert_string_equal(t->sends[0].text, "Nattvandrare behövs vid "
	    "stationen kl 22. Kan du komma? Svara JA eller NEJ.");

	/* Four JA in one pass: nothing is committed between them. */
	for (i = 0; i < 4; i++)
		assert_int_equal(gwt_sms(t, t->sends[i].to, "JA"), 0);
	batch_flush(t->gw.batch);

	alert(t, id, &a, &c);
	assert_int_equal(c.acks_yes, 4);
	assert_int_equal(a.filled_at, T0);
	assert_int_equal(c.state[DS_CANCELLED], 6);
	assert_int_equal(c.state[DS_QUEUED], 0);
	alert_row_clear(&a);
	for (i = 0; i < 4; i++) {
		last_reply(t, t->sends[i].to, &r);
		assert_string_equal(r.kind, i < 3 ? "reply-ack-yes" :
		    "reply-ack-enough");
	}
	assert_non_null(strstr(r.text, "Tack, vi har tillräckligt."));
	/* Only the four replies go out now. */
	gwt_advance(t, SEC);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 8);
	gwt_free(t);
}

/* The steps of an alert: step number, when it began, recipients. */
struct steps {
	int	step[4];
	int64_t	at[4];
	int	recipients[4];
	size_t	n;
};

static int
steps_cb(const struct alert_step *p, void *arg)
{
	struct steps	*s = arg;

	if (s->n < 4) {
		s->step[s->n] = p->step;
		s->at[s->n] = p->started_at;
		s->recipients[s->n] = p->recipients;
		s->n++;
	}
	return 0;
}

/*
 * 2. The chain: need 2 from the night walkers; 600 s later, with one JA,
 * the reserve group is asked (whoever was asked already is not asked
 * again), the event alert.escalated queued; 600 s after that the last
 * contact; then the need is met and nothing more happens. Other alerts
 * end their chain by the need, by expiry and by a cancel.
 */
static void
test_chain(void **state)
{
	struct gwt		*t = world(NULL, 1000, T0);
	struct alert_row	 a;
	struct alert_counts	 c;
	struct gwt_rows		 rs;
	struct steps		 st;
	struct events		 ev;
	json_t			*ans;
	int64_t			 id, full, old, gone;
	const char		*A1 = "+46701000001", *A2 = "+46701000002";
	const char		*B1 = "+46701000011", *X = "+46701740699";

	gwt_contact(t, A1, "sv", "nv", CH_SMS);
	gwt_contact(t, A2, "sv", "nv,reserv", CH_SMS);
	gwt_contact(t, B1, "en", "reserv", CH_SMS);
	ans = post(t, "{\"source_ref\": \"chain\", \"severity\": \"severe\", "
	    "\"message\": \"Kan du komma? Svara JA eller NEJ.\", \"ack\": true, "
	    "\"need\": 2, \"audience\": {\"groups\": [\"nv\"]}, "
	    "\"escalate_to\": [{\"groups\": [\"reserv\"]}, {\"contacts\": "
	    "[\"" "+46701740699" "\"]}], \"escalate_to_after_s\": 600, "
	    "\"callback_url\": \"https://coord.example/hook\"}");
	id = e2e_json_int(ans, "id");
	assert_string_equal(e2e_json_str(ans, "state"), "dispatching");
	json_decref(ans);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 2);
	/* It asked already: the text is sent as written. */
	assert_string_equal(t->sends[0].text,
	    "Kan du komma? Svara JA eller NEJ.");
	assert_int_equal(gwt_sms(t, A1, "JA"), 0);
	gwt_round(t);

	/* Not a millisecond early. */
	gwt_advance(t, 600 * SEC - 1);
	callouts_run(t->gw.callouts);
	gwt_rows(t, id, &rs);
	assert_int_equal(rs.n, 2);
	gwt_rows_free(&rs);
	gwt_advance(t, 1);
	callouts_run(t->gw.callouts);
	gwt_rows(t, id, &rs);
	assert_int_equal(rs.n, 3);
	assert_non_null(gwt_row(&rs, B1, CH_SMS));
	assert_int_equal(gwt_row(&rs, B1, CH_SMS)->step, 1);
	assert_int_equal(gwt_row(&rs, B1, CH_SMS)->next_at, T0 + 600 * SEC);
	gwt_rows_free(&rs);
	alert(t, id, &a, &c);
	assert_int_equal(a.step, 1);
	assert_int_equal(a.chain_next_at, T0 + 1200 * SEC);
	assert_int_equal(a.recipients, 3);
	assert_int_equal(a.people, 3);
	alert_row_clear(&a);
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(store_callback_claim(t->gw.store, T0 + 3600 * SEC,
	    1000, 16, event_cb, &ev), 0);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.names[0], "ack");
	assert_string_equal(ev.names[1], "alert.escalated");
	gwt_round(t);
	assert_int_equal(sends_to(t, B1, CH_SMS), 1);

	/* Still one JA at 1200 s: the last step asks X. */
	gwt_advance(t, 600 * SEC);
	callouts_run(t->gw.callouts);
	gwt_rows(t, id, &rs);
	assert_int_equal(rs.n, 4);
	assert_int_equal(gwt_row(&rs, X, CH_SMS)->step, 2);
	gwt_rows_free(&rs);
	alert(t, id, &a, &c);
	assert_int_equal(a.step, 2);
	assert_int_equal(a.chain_next_at, 0);
	assert_null(a.chain);
	alert_row_clear(&a);
	memset(&st, 0, sizeof(st));
	assert_int_equal(store_alert_steps(t->gw.store, id, steps_cb, &st),
	    0);
	assert_int_equal(st.n, 3);
	assert_int_equal(st.at[0], T0);
	assert_int_equal(st.at[1], T0 + 600 * SEC);
	assert_int_equal(st.at[2], T0 + 1200 * SEC);
	assert_int_equal(st.recipients[1], 1);
	gwt_round(t);
	assert_int_equal(gwt_sms(t, X, "JA"), 0);
	batch_flush(t->gw.batch);
	alert(t, id, &a, &c);
	assert_int_equal(a.filled_at, T0 + 1200 * SEC);
	alert_row_clear(&a);

	/* Ended by the need: the JA comes before the step is due. */
	ans = post(t, "{\"source_ref\": \"full\", \"message\": \"Kom?\", "
	    "\"severity\": \"severe\", \"ack\": true, \"need\": 1, "
	    "\"audience\": {\"contacts\": [\"" "+46701000001" "\"]}, "
	    "\"escalate_to\": {\"groups\": [\"reserv\"]}, "
	    "\"escalate_to_after_s\": 60}");
	full = e2e_json_int(ans, "id");
	json_decref(ans);
	/* Ended by expiry, and by a cancel. */
	ans = post(t, "{\"source_ref\": \"old\", \"message\": \"Kom?\", "
	    "\"severity\": \"severe\", \"ack\": true, \"need\": 1, "
	    "\"expires_in_s\": 30, "
	    "\"audience\": {\"contacts\": [\"" "+46701000002" "\"]}, "
	    "\"escalate_to\": {\"groups\": [\"reserv\"]}, "
	    "\"escalate_to_after_s\": 60}");
	old = e2e_json_int(ans, "id");
	json_decref(ans);
	ans = post(t, "{\"source_ref\": \"gone\", \"message\": \"Kom?\", "
	    "\"severity\": \"severe\", \"ack\": true, \"need\": 1, "
	    "\"audience\": {\"contacts\": [\"" "+46701000003" "\"]}, "
	    "\"escalate_to\": {\"groups\": [\"reserv\"]}, "
	    "\"escalate_to_after_s\": 60}");
	gone = e2e_json_int(ans, "id");
	json_decref(ans);
	gwt_round(t);
	assert_int_equal(gwt_sms(t, A1, "JA"), 0);
	assert_int_equal(store_alert_cancel(t->gw.store, gone,
	    gw_now(&t->gw), (int[]){ 0 }), 0);
	gwt_advance(t, 60 * SEC);
	callouts_run(t->gw.callouts);
	gwt_rows(t, full, &rs);
	assert_int_equal(rs.n, 1);
	gwt_rows_free(&rs);
	gwt_rows(t, old, &rs);
	assert_int_equal(rs.n, 1);
	gwt_rows_free(&rs);
	gwt_rows(t, gone, &rs);
	assert_int_equal(rs.n, 1);
	gwt_rows_free(&rs);
	alert(t, old, &a, &c);
	assert_int_equal(a.chain_next_at, 0);	/* the chain ended */
	alert_row_clear(&a);
	gwt_free(t);
}

/*
 * 3. Escalation on silence: SMS delivered to three volunteers of an ack
 * alert; the one who answered is not called, the one without voice is
 * not called, the silent one is called once, at the sweep's first look
 * after escalate_after_s, in her language. A JA cancels a call not placed yet. An
 * alert that asks for no answer calls only those without a report.
 */
static void
test_silent_called(void **state)
{
	struct gwt		*t = world(NULL, 1000, T0);
	struct status_report	 rep;
	struct gwt_rows		 rs;
	json_t			*ans;
	int64_t			 id, id2;
	size_t			 i;
	const char		*A = "+46701000001", *B = "+46701000002";
	const char		*C = "+46701000003", *D = "+46701000004";

	gwt_contact(t, A, "ar", "nv", CH_SMS | CH_VOICE);
	gwt_contact(t, B, "sv", "nv", CH_SMS | CH_VOICE);
	gwt_contact(t, C, "sv", "nv", CH_SMS);
	gwt_contact(t, D, "sv", "lugn", CH_SMS | CH_VOICE);
	ans = post(t, "{\"source_ref\": \"tyst\", \"severity\": \"severe\", "
	    "\"template\": \"nattvandrare-utrop\", \"vars\": {\"place\": "
	    "\"Stationen\", \"time\": \"22:00\"}, \"ack\": true, "
	    "\"escalate_after_s\": 300, \"audience\": {\"groups\": [\"nv\"]}}");
	id = e2e_json_int(ans, "id");
	json_decref(ans);
	ans = post(t, "{\"source_ref\": \"lugn\", \"severity\": \"severe\", "
	    "\"message\": \"Info.\", \"escalate_after_s\": 300, "
	    "\"audience\": {\"groups\": [\"lugn\"]}}");
	id2 = e2e_json_int(ans, "id");
	json_decref(ans);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 4);
	/* Every SMS is delivered. */
	for (i = 0; i < 4; i++) {
		memset(&rep, 0, sizeof(rep));
		snprintf(rep.ref, sizeof(rep.ref), "first-%zu", i + 1);
		rep.state = DS_DELIVERED;
		reports_delivery(&t->gw, "first", &rep);
	}
	batch_flush(t->gw.batch);
	gwt_advance(t, 100 * SEC);
	assert_int_equal(gwt_sms(t, B, "JA"), 0);
	gwt_round(t);

	/* The sweep looks once a second: at 299.999 s no call, at the
	 * next look (300.999 s) the call. */
	gwt_advance(t, 200 * SEC - 1);
	gwt_round(t);
	assert_int_equal(sends_to(t, A, CH_VOICE), 0);
	gwt_advance(t, SEC);
	gwt_round(t);
	assert_int_equal(sends_to(t, A, CH_VOICE), 1);
	assert_int_equal(sends_to(t, B, CH_VOICE), 0);
	assert_int_equal(sends_to(t, C, CH_VOICE), 0);
	assert_int_equal(sends_to(t, D, CH_VOICE), 0);
	/* The call speaks Arabic, and asks for key 1 in Arabic. */
	for (i = 0; i < t->nsends; i++)
		if (t->sends[i].channel == CH_VOICE)
			break;
	assert_non_null(strstr(t->sends[i].text, "واحد واحد اثنان"));
	assert_non_null(strstr(t->sends[i].text, "اضغط 1 للتأكيد."));
	assert_int_equal(t->sends[i].at, T0 + 301 * SEC - 1);
	/* Once per recipient, however long. */
	gwt_advance(t, 600 * SEC);
	gwt_round(t);
	assert_int_equal(sends_to(t, A, CH_VOICE), 1);
	gwt_rows(t, id, &rs);
	assert_int_equal(rs.n, 4);
	assert_int_equal(gwt_row(&rs, A, CH_VOICE)->parent_id,
	    gwt_row(&rs, A, CH_SMS)->id);
	gwt_rows_free(&rs);
	gwt_rows(t, id2, &rs);
	assert_int_equal(rs.n, 1);
	gwt_rows_free(&rs);

	/* A call that failed for a passing reason waits; a JA cancels it. */
	ans = post(t, "{\"source_ref\": \"tyst2\", \"severity\": \"severe\", "
	    "\"message\": \"Kom? Svara JA eller NEJ.\", \"ack\": true, "
	    "\"escalate_after_s\": 60, \"audience\": {\"contacts\": "
	    "[\"" "+46701000004" "\"]}}");
	id = e2e_json_int(ans, "id");
	json_decref(ans);
	gwt_round(t);
	gwt_advance(t, 60 * SEC);
	gwt_script(t, NULL, SEND_TEMPFAIL, 503, 0, false);
	gwt_round(t);
	assert_int_equal(sends_to(t, D, CH_VOICE), 1);
	gwt_rows(t, id, &rs);
	assert_int_equal(gwt_row(&rs, D, CH_VOICE)->state, DS_QUEUED);
	gwt_rows_free(&rs);
	assert_int_equal(gwt_sms(t, D, "JA"), 0);
	gwt_round(t);
	gwt_rows(t, id, &rs);
	assert_int_equal(gwt_row(&rs, D, CH_VOICE)->state, DS_CANCELLED);
	gwt_rows_free(&rs);
	gwt_advance(t, 600 * SEC);
	gwt_round(t);
	assert_int_equal(sends_to(t, D, CH_VOICE), 1);
	gwt_free(t);
}

/*
 * 4. Quiet hours 21:00-08:00 in Stockholm: a minor alert posted at 23:00
 * is held until 08:00 the next day, to the millisecond, its eta counted
 * from then; a severe one and one that says "ignore" go at once, and so
 * does the reply to a keyword. Across the spring change the wait is an
 * hour shorter and still ends at 08:00 local.
 */
static void
test_quiet_hours(void **state)
{
	static const int64_t	starts[] = { T_2300, T_SPRING_2300 };
	static const int64_t	ends[] = { T_0800, T_SPRING_0800 };
	static const char *const	until[] = { "2026-11-19T07:00:00Z",
					    "2026-03-29T06:00:00Z" };
	struct gwt		*t;
	struct alert_row	 a;
	struct alert_counts	 c;
	json_t			*ans;
	char			 phone[24];
	int64_t			 id;
	size_t			 k, i, before;

	for (k = 0; k < 2; k++) {
		t = world("quiet_hours = 21:00-08:00", 1, starts[k]);
		for (i = 0; i < 3; i++) {
			num((int)i, phone, sizeof(phone));
			gwt_contact(t, phone, "sv", "boende", CH_SMS);
		}
		ans = post(t, "{\"source_ref\": \"q\", \"severity\": "
		    "\"minor\", \"message\": \"Vattnet stängs av i morgon "
		    "09-12.\", \"audience\": {\"groups\": [\"boende\"]}}");
		id = e2e_json_int(ans, "id");
		assert_string_equal(e2e_json_str(ans, "state"), "held");
		assert_string_equal(e2e_json_str(ans, "held_until"), until[k]);
		/* Three segments at one a second, from 08:00. */
		assert_int_equal(e2e_json_int(ans, "eta_s"), 3);
		json_decref(ans);
		alert(t, id, &a, &c);
		assert_int_equal(a.gate, GATE_HELD);
		assert_int_equal(a.release_at, ends[k]);
		assert_int_equal(a.expires_at, 0);
		assert_int_equal(c.state[DS_HELD], 3);
		alert_row_clear(&a);
		gwt_round(t);
		assert_int_equal(gwt_nsends(t, NULL), 0);

		/* A keyword's reply is never held. */
		assert_int_equal(gwt_sms(t, "+46701000000", "HJÄLP"), 0);
		gwt_advance(t, SEC);
		gwt_round(t);
		assert_int_equal(gwt_nsends(t, NULL), 1);
		/* Severe, and "ignore", are not held. */
		ans = post(t, "{\"source_ref\": \"s\", \"severity\": "
		    "\"severe\", \"message\": \"Brand.\", \"audience\": "
		    "{\"contacts\": [\"" "+46701000001" "\"]}}");
		assert_string_equal(e2e_json_str(ans, "state"),
		    "dispatching");
		json_decref(ans);
		ans = post(t, "{\"source_ref\": \"i\", \"severity\": "
		    "\"moderate\", \"quiet_hours\": \"ignore\", \"message\": "
		    "\"Info.\", \"audience\": {\"contacts\": "
		    "[\"" "+46701000002" "\"]}}");
		assert_string_equal(e2e_json_str(ans, "state"),
		    "dispatching");
		json_decref(ans);
		gwt_advance(t, 2 * SEC);
		gwt_round(t);
		gwt_advance(t, 2 * SEC);
		gwt_round(t);
		assert_int_equal(gwt_nsends(t, NULL), 3);
		before = gwt_nsends(t, NULL);

		/* Nothing of it goes before 08:00; all of it at 08:00. */
		clock_set(&t->gw.clock, ends[k] - 1);
		callouts_run(t->gw.callouts);
		gwt_round(t);
		assert_int_equal(gwt_nsends(t, NULL), before);
		gwt_advance(t, 1);
		callouts_run(t->gw.callouts);
		alert(t, id, &a, &c);
		assert_int_equal(a.gate, GATE_OPEN);
		assert_int_equal(a.released_at, ends[k]);
		/* The day of default_expires_s counts from 08:00. */
		assert_int_equal(a.expires_at, ends[k] + 86400 * SEC);
		assert_int_equal(c.state[DS_QUEUED], 3);
		alert_row_clear(&a);
		for (i = 0; i < 3; i++) {
			gwt_round(t);
			gwt_advance(t, SEC);
		}
		assert_int_equal(gwt_nsends(t, NULL), before + 3);
		assert_int_equal(t->sends[before].at, ends[k]);
		gwt_free(t);
	}
}

/*
 * 5. Scheduled: stored at once with no deliveries, counted now; sent at
 * send_at to the contacts of that moment, across a restart; cancelled
 * before, never sent. send_at too far ahead or too long ago is refused;
 * a little in the past is now.
 */
static void
test_scheduled(void **state)
{
	struct gwt		*t = world(NULL, 1000, T0);
	struct api_error	 err;
	struct alert_row	 a;
	struct alert_counts	 c;
	struct gwt_rows		 rs;
	json_t			*ans;
	int64_t			 id, gone;
	char			 body[512], at[32];

	gwt_contact(t, "+46701000001", "sv", "boende", CH_SMS);
	time_to_text(T0 + 3600 * SEC, at, sizeof(at));
	snprintf(body, sizeof(body), "{\"source_ref\": \"later\", "
	    "\"message\": \"Möte i kväll.\", \"send_at\": \"%s\", "
	    "\"audience\": {\"groups\": [\"boende\"]}}", at);
	ans = post(t, body);
	id = e2e_json_int(ans, "id");
	assert_string_equal(e2e_json_str(ans, "state"), "scheduled");
	assert_string_equal(e2e_json_str(ans, "send_at"), at);
	assert_int_equal(e2e_json_int(ans, "recipients"), 1);
	json_decref(ans);
	snprintf(body, sizeof(body), "{\"source_ref\": \"gone\", "
	    "\"message\": \"Möte i kväll.\", \"send_at\": \"%s\", "
	    "\"audience\": {\"groups\": [\"boende\"]}}", at);
	ans = post(t, body);
	gone = e2e_json_int(ans, "id");
	json_decref(ans);
	gwt_rows(t, id, &rs);
	assert_int_equal(rs.n, 0);
	gwt_rows_free(&rs);
	assert_int_equal(store_alert_cancel(t->gw.store, gone, gw_now(&t->gw),
	    (int[]){ 0 }), 0);

	/* Someone joins; then varseld stops and starts again. */
	gwt_contact(t, "+46701000002", "en", "boende", CH_SMS);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 0);
	gwt_restart(t);
	gwt_advance(t, 3600 * SEC - 1);
	callouts_run(t->gw.callouts);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 0);
	gwt_advance(t, 1);
	callouts_run(t->gw.callouts);
	alert(t, id, &a, &c);
	assert_int_equal(a.gate, GATE_OPEN);
	assert_int_equal(a.released_at, T0 + 3600 * SEC);
	assert_int_equal(a.recipients, 2);
	assert_int_equal(a.people, 2);
	alert_row_clear(&a);
	gwt_round(t);
	assert_int_equal(gwt_nsends(t, NULL), 2);
	assert_int_equal(t->sends[0].at, T0 + 3600 * SEC);
	gwt_rows(t, gone, &rs);
	assert_int_equal(rs.n, 0);
	gwt_rows_free(&rs);
	alert(t, gone, &a, &c);
	assert_int_equal(a.cancelled_at, T0);
	alert_row_clear(&a);

	/* 31 days ahead, 11 minutes ago: refused; 5 minutes ago: now. */
	time_to_text(gw_now(&t->gw) + 31 * 86400 * SEC, at, sizeof(at));
	snprintf(body, sizeof(body), "{\"source_ref\": \"far\", \"message\": "
	    "\"x\", \"send_at\": \"%s\", \"audience\": {\"groups\": "
	    "[\"boende\"]}}", at);
	assert_int_equal(gwt_post(t, body, &ans, &err), -1);
	assert_string_equal(err.field, "send_at");
	time_to_text(gw_now(&t->gw) - 11 * MIN, at, sizeof(at));
	snprintf(body, sizeof(body), "{\"source_ref\": \"past\", \"message\": "
	    "\"x\", \"send_at\": \"%s\", \"audience\": {\"groups\": "
	    "[\"boende\"]}}", at);
	assert_int_equal(gwt_post(t, body, &ans, &err), -1);
	assert_string_equal(err.field, "send_at");
	time_to_text(gw_now(&t->gw) - 5 * MIN, at, sizeof(at));
	snprintf(body, sizeof(body), "{\"source_ref\": \"now\", \"message\": "
	    "\"x\", \"send_at\": \"%s\", \"audience\": {\"groups\": "
	    "[\"boende\"]}}", at);
	ans = post(t, body);
	assert_string_equal(e2e_json_str(ans, "state"), "dispatching");
	json_decref(ans);
	gwt_free(t);
}

/*
 * 6. The answer prompt in each reader's language, counted in segments;
 * people beside recipients (SMS and a call to one person are two).
 */
static void
test_prompt_and_people(void **state)
{
	struct gwt		*t = world(NULL, 1000, T0);
	struct gwt_rows		 rs;
	json_t			*ans;
	char			 body[1024], text[200];
	int64_t			 id;

	gwt_contact(t, "+46701000001", "sv", "nv", CH_SMS | CH_VOICE);
	gwt_contact(t, "+46701000002", "en", "nv", CH_SMS | CH_VOICE);
	gwt_contact(t, "+46701000003", "so", "nv", CH_SMS | CH_VOICE);
	/* 150 characters: one segment, two with the prompt. */
	memset(text, 'x', 150);
	text[150] = '\0';
	snprintf(body, sizeof(body), "{\"source_ref\": \"p\", \"message\": "
	    "\"%s\", \"ack\": true, \"channels\": [\"sms\", \"voice\"], "
	    "\"severity\": \"severe\", \"audience\": {\"groups\": [\"nv\"]}}",
	    text);
	ans = post(t, body);
	id = e2e_json_int(ans, "id");
	assert_int_equal(e2e_json_int(ans, "recipients"), 6);
	assert_int_equal(e2e_json_int(ans, "people"), 3);
	assert_int_equal(e2e_json_int(ans, "segments"), 2);
	json_decref(ans);
	gwt_rows(t, id, &rs);
	snprintf(body, sizeof(body), "%s Svara JA eller NEJ.", text);
	assert_string_equal(gwt_row(&rs, "+46701000001", CH_SMS)->body, body);
	snprintf(body, sizeof(body), "%s Reply JA (yes) or NEJ (no).", text);
	assert_string_equal(gwt_row(&rs, "+46701000002", CH_SMS)->body, body);
	snprintf(body, sizeof(body), "%s Ku jawaab JA (haa) ama NEJ (maya).",
	    text);
	assert_string_equal(gwt_row(&rs, "+46701000003", CH_SMS)->body, body);
	gwt_rows_free(&rs);
	/* Without ack, no prompt: one segment. */
	snprintf(body, sizeof(body), "{\"source_ref\": \"q\", \"message\": "
	    "\"%s\", \"audience\": {\"groups\": [\"nv\"]}}", text);
	ans = post(t, body);
	assert_int_equal(e2e_json_int(ans, "segments"), 1);
	assert_int_equal(e2e_json_int(ans, "people"), 3);
	json_decref(ans);
	assert_true(fanout_text_asks("Kan du? Svara ja eller nej"));
	assert_true(fanout_text_asks("Reply YES or NO."));
	assert_false(fanout_text_asks("Jagar du? Nejlikor."));
	assert_false(fanout_text_asks("Svara JA."));
	gwt_free(t);
}

/*
 * 7. The daily erasure: 4,500 deliveries of 100 days ago are erased when
 * 03:00 comes, not before, in batches of 2,000 rows, one per pass; the
 * counts for /metrics add up, and the next run is tomorrow at 03:00.
 */
static void
test_retention(void **state)
{
	struct gwt		*t = world("retention_days = 90\n"
				    "retention_at = 03:00\nbatch_max = 5000",
				    100000, T_0200 - 100 * 86400 * SEC);
	struct retention_stats	 st;
	struct alert_row	 a;
	struct alert_counts	 c;
	struct delivery		 d;
	const char		**phones;
	char			 (*buf)[24], err[128];
	int64_t			 id;
	int			 i, n = 4500, passes = 1;

	phones = calloc((size_t)n + 1, sizeof(*phones));
	buf = calloc((size_t)n, sizeof(*buf));
	for (i = 0; i < n; i++) {
		num(i, buf[i], sizeof(buf[i]));
		phones[i] = buf[i];
	}
	assert_true((id = gwt_alert(t, SEV_SEVERE, 0, 0, false, phones)) > 0);
	for (i = 0; i < 8; i++)
		gwt_round(t);
	alert(t, id, &a, &c);
	assert_int_equal(c.state[DS_SENT], n);
	alert_row_clear(&a);
	/* A hundred days later, at 02:00, the job waits for 03:00. */
	clock_set(&t->gw.clock, T_0200);
	retention_free(t->gw.retention);
	assert_non_null(t->gw.retention = retention_new(&t->gw, err,
	    sizeof(err)));
	retention_stats(t->gw.retention, &st);
	assert_int_equal(st.next_at, T_0200 + 3600 * SEC);
	assert_false(retention_run(t->gw.retention));
	gwt_advance(t, 3600 * SEC - 1);
	assert_false(retention_run(t->gw.retention));
	retention_stats(t->gw.retention, &st);
	assert_int_equal(st.deliveries, 0);
	gwt_advance(t, 1);
	while (retention_run(t->gw.retention))
		passes++;
	assert_int_equal(passes, 3);
	retention_stats(t->gw.retention, &st);
	assert_int_equal(st.deliveries, n);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.last_at, T_0200 + 3600 * SEC);
	assert_int_equal(st.next_at, T_0200 + 3600 * SEC + 86400 * SEC);
	assert_int_equal(store_delivery_get(t->gw.store,
	    gwt_delivery_of(t, id, CH_SMS), &d), 0);
	assert_string_equal(d.phone, "purged");
	delivery_clear(&d);
	/* The counts stay. */
	alert(t, id, &a, &c);
	assert_int_equal(c.state[DS_SENT], n);
	alert_row_clear(&a);
	/* Nothing more to do the same day. */
	assert_false(retention_run(t->gw.retention));
	free(phones);
	free(buf);
	gwt_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_need_in_one_pass),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_silent_called),
		cmocka_unit_test(test_quiet_hours),
		cmocka_unit_test(test_scheduled),
		cmocka_unit_test(test_prompt_and_people),
		cmocka_unit_test(test_retention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
