/*
 * Tests of the in-process simulator on a real event_base: references,
 * delivery reports after the delay, simulated failures, calls answered
 * (and a digit pressed), the demo hooks (inbound SMS, reports, digits),
 * bad keys, and freeing with reports still pending.
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

#include <event2/event.h>

#include "adapters/adapter.h"
#include "gateway/config.h"
#include "gateway/http_client.h"
#include "gateway/util.h"

#define WATCHDOG_S	10
#define NMSG		5

/* The reports the simulator made. */
struct reports {
	struct status_report	 rep[16];
	char			 provider[16][64];
	int			 n;
	int			 in_send;	/* >0 while send runs */
	struct voice_event	 ev[16];
	int			 nev;
	int			 ev_after[16];	/* reports before each event */
};

/* A [provider sim] section built by hand. */
struct section {
	struct provider_conf	pc;
	struct conf_opt		opts[4];
};

/* Add one key to a section. */
static void
section_add(struct section *s, const char *key, const char *value)
{
	assert_true(s->pc.nopts < 4);
	s->opts[s->pc.nopts].key = (char *)key;
	s->opts[s->pc.nopts].value = (char *)value;
	s->opts[s->pc.nopts].line = 45;
	s->pc.nopts++;
}

/* A simulator section with the given keys (NULL values are left out). */
static void
section_init(struct section *s, const char *after, const char *share)
{
	memset(s, 0, sizeof(*s));
	s->pc.name = "sim";
	s->pc.type = "simulator";
	s->pc.file = "varsel.conf";
	s->pc.line = 33;
	s->pc.from = "Nykvarn";
	s->pc.timeout_ms = 10000;
	s->pc.opts = s->opts;
	if (after != NULL) {
		s->opts[s->pc.nopts].key = "delivered_after_ms";
		s->opts[s->pc.nopts].value = (char *)after;
		s->opts[s->pc.nopts].line = 40;
		s->pc.nopts++;
	}
	if (share != NULL) {
		s->opts[s->pc.nopts].key = "fail_share";
		s->opts[s->pc.nopts].value = (char *)share;
		s->opts[s->pc.nopts].line = 41;
		s->pc.nopts++;
	}
}

/* env->report: record what arrived. */
static void
report_cb(void *arg, const char *provider, const struct status_report *rep)
{
	struct reports	*r = arg;

	assert_int_equal(r->in_send, 0);
	assert_true(r->n < 16);
	r->rep[r->n] = *rep;
	strlcpy(r->provider[r->n], provider, sizeof(r->provider[0]));
	r->n++;
}

/* env->voice: record the call event and how many reports preceded it. */
static void
voice_cb(void *arg, const char *provider, const struct voice_event *ev)
{
	struct reports	*r = arg;

	assert_int_equal(r->in_send, 0);
	assert_string_equal(provider, "sim");
	assert_true(r->nev < 16);
	r->ev[r->nev] = *ev;
	r->ev_after[r->nev] = r->n;
	r->nev++;
}

/* The watchdog: stop a loop that would otherwise hang. */
static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	bool	*fired = arg;

	*fired = true;
}

/* Run base until want reports arrived (or the watchdog fires). */
static void
run_until(struct event_base *base, struct reports *r, int want)
{
	struct event	*wd;
	struct timeval	 tv = { WATCHDOG_S, 0 };
	bool		 fired = false;

	wd = evtimer_new(base, watchdog_cb, &fired);
	evtimer_add(wd, &tv);
	while (r->n < want && !fired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(wd);
	assert_false(fired);
}

/* Make a simulator reporting into r. */
static struct adapter *
make(struct event_base *base, const struct section *s, struct reports *r)
{
	struct adapter_env	 env = { 0 };
	struct adapter		*a;
	char			 err[256] = "";

	env.base = base;
	env.name = "sim";
	env.public_url = "http://127.0.0.1:8025";
	env.report = report_cb;
	env.voice = voice_cb;
	env.report_arg = r;
	a = adapter_new(&s->pc, &env, err, sizeof(err));
	if (a == NULL)
		fail_msg("adapter_new: %s", err);
	return a;
}

/* Send one SMS; the adapter handles it in process. */
static void
send_one(struct adapter *a, struct reports *r, const char *to,
    struct send_result *res)
{
	struct outmsg		m = { 0 };
	struct http_request	req;

	m.channel = CH_SMS;
	m.to = to;
	m.text = "Test";
	memset(&req, 0, sizeof(req));
	memset(res, 0, sizeof(*res));
	r->in_send++;
	assert_int_equal(a->ops->send(a, &m, &req, res), ADAPTER_DONE);
	r->in_send--;
	assert_null(req.url);
	assert_int_equal(res->status, SEND_OK);
}

/* Each SMS gets a unique ref now and a delivered report later. */
static void
run_batch(const char *share, enum dstate want_state, const char *want_err)
{
	struct event_base	*base;
	struct section		 s;
	struct reports		 r = { 0 };
	struct adapter		*a;
	struct send_result	 res[NMSG];
	int			 i, j, found;

	base = event_base_new();
	assert_non_null(base);
	section_init(&s, "20", share);
	a = make(base, &s, &r);
	for (i = 0; i < NMSG; i++) {
		send_one(a, &r, "+46701234567", &res[i]);
		assert_true(strncmp(res[i].ref, "sim-", 4) == 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(res[i].ref, res[j].ref);
	}
	/* Nothing is reported from inside send. */
	assert_int_equal(r.n, 0);
	run_until(base, &r, NMSG);
	assert_int_equal(r.n, NMSG);
	for (i = 0; i < NMSG; i++) {
		assert_string_equal(r.provider[i], "sim");
		assert_int_equal(r.rep[i].state, want_state);
		assert_string_equal(r.rep[i].error, want_err);
		/* Every report belongs to exactly one sent message. */
		for (j = found = 0; j < NMSG; j++)
			if (strcmp(r.rep[i].ref, res[j].ref) == 0)
				found++;
		assert_int_equal(found, 1);
	}
	adapter_free(a);
	event_base_free(base);
}

/* Without fail_share (or 0) everything is delivered. */
static void
test_delivered(void **state)
{
	run_batch(NULL, DS_DELIVERED, "");
	run_batch("0", DS_DELIVERED, "");
}

/* fail_share = 1 fails every message. */
static void
test_fail_share_all(void **state)
{
	run_batch("1", DS_FAILED, "simulated failure");
	run_batch("1.0", DS_FAILED, "simulated failure");
}

/* A share in between fails some and delivers others. */
static void
test_fail_share_half(void **state)
{
	struct event_base	*base;
	struct section		 s;
	struct reports		 r = { 0 };
	struct adapter		*a;
	struct send_result	 res;
	int			 i, failed = 0;

	base = event_base_new();
	section_init(&s, "0", "0.5");
	a = make(base, &s, &r);
	srandom(4711);
	for (i = 0; i < 16; i++)
		send_one(a, &r, "+46701234567", &res);
	run_until(base, &r, 16);
	for (i = 0; i < 16; i++)
		if (r.rep[i].state == DS_FAILED)
			failed++;
	/* 16 draws at 0.5: all-or-nothing has odds 2^-15 (seed fixed). */
	assert_in_range(failed, 1, 15);
	adapter_free(a);
	event_base_free(base);
}

/* Refs are sim-<start ms>-<n>: a restart does not repeat them. */
static void
test_ref_format(void **state)
{
	struct event_base	*base;
	struct section		 s;
	struct reports		 r = { 0 };
	struct adapter		*a;
	struct send_result	 res;
	char			 first[96];
	long long		 start;
	unsigned long long	 n;

	base = event_base_new();
	section_init(&s, "0", NULL);
	a = make(base, &s, &r);
	send_one(a, &r, "+46701234567", &res);
	strlcpy(first, res.ref, sizeof(first));
	assert_int_equal(sscanf(first, "sim-%lld-%llu", &start, &n), 2);
	assert_int_equal(n, 1);
	/* Within a few seconds of now (it is a wall-clock start time). */
	assert_true(start > now_ms() - 60000 && start <= now_ms());
	adapter_free(a);
	event_base_free(base);
}

/* Freeing with timers pending drops them (ASan checks the leaks). */
static void
test_free_pending(void **state)
{
	struct event_base	*base;
	struct section		 s;
	struct reports		 r = { 0 };
	struct adapter		*a;
	struct send_result	 res;
	int			 i;

	base = event_base_new();
	section_init(&s, "3600000", NULL);
	a = make(base, &s, &r);
	for (i = 0; i < 3; i++)
		send_one(a, &r, "+46701234567", &res);
	adapter_free(a);
	/* No timer is left on the base to fire into freed memory. */
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	assert_int_equal(r.n, 0);
	event_base_free(base);
}

/* Place one call; the adapter handles it in process. */
static void
call_one(struct adapter *a, struct reports *r, struct send_result *res)
{
	struct outmsg		m = { 0 };
	struct http_request	req;

	m.delivery_id = 9;
	m.channel = CH_VOICE;
	m.to = "+46701234567";
	m.text = "Viktigt meddelande. Tryck 1.";
	m.lang = "sv";
	m.ask_ack = true;
	memset(&req, 0, sizeof(req));
	memset(res, 0, sizeof(*res));
	r->in_send++;
	assert_int_equal(a->ops->send(a, &m, &req, res), ADAPTER_DONE);
	r->in_send--;
	assert_null(req.url);
	assert_int_equal(res->status, SEND_OK);
	assert_true(strncmp(res->ref, "simcall-", 8) == 0);
}

/* Calls are answered; answer_digit then presses its digit, after. */
static void
test_calls(void **state)
{
	static const struct {
		const char	*digit;		/* answer_digit */
		const char	*share;		/* fail_share */
		enum dstate	 want;
		int		 nev;		/* DTMF events per call */
	} cases[] = {
		{ NULL, NULL, DS_ANSWERED, 0 },
		{ "1", NULL, DS_ANSWERED, 1 },
		{ "#", "0", DS_ANSWERED, 1 },
		{ "1", "1", DS_FAILED, 0 },	/* failed calls press nothing */
	};
	struct event_base	*base;
	struct section		 s;
	struct reports		 r;
	struct adapter		*a;
	struct send_result	 res[2];
	size_t			 i;
	int			 j;

	for (i = 0; i < nitems(cases); i++) {
		base = event_base_new();
		memset(&r, 0, sizeof(r));
		section_init(&s, "10", cases[i].share);
		if (cases[i].digit != NULL)
			section_add(&s, "answer_digit", cases[i].digit);
		a = make(base, &s, &r);
		assert_true(a->caps & ADAPTER_CAP_VOICE);
		call_one(a, &r, &res[0]);
		call_one(a, &r, &res[1]);
		assert_string_not_equal(res[0].ref, res[1].ref);
		assert_int_equal(r.n + r.nev, 0);
		run_until(base, &r, 2);
		/* Let any event after the last report arrive too. */
		event_base_loop(base, EVLOOP_NONBLOCK);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.nev, 2 * cases[i].nev);
		for (j = 0; j < 2; j++) {
			assert_int_equal(r.rep[j].state, cases[i].want);
			assert_string_equal(r.rep[j].ref, res[j].ref);
		}
		for (j = 0; j < r.nev; j++) {
			assert_int_equal(r.ev[j].kind, VOICE_DTMF);
			assert_string_equal(r.ev[j].digits, cases[i].digit);
			assert_string_equal(r.ev[j].ref, r.rep[j].ref);
			/* The call was answered before the digit. */
			assert_int_equal(r.ev_after[j], j + 1);
		}
		adapter_free(a);
		event_base_free(base);
	}
}

/* A hook request with a form body. */
static void
hook_form(struct hook_request *h, struct kvlist *form, const char *body)
{
	memset(h, 0, sizeof(*h));
	memset(form, 0, sizeof(*form));
	assert_int_equal(form_parse(body, strlen(body), form), 0);
	h->form = form;
	h->body = body;
	h->body_len = strlen(body);
	h->peer = "127.0.0.1";
}

/* A posted report is read like 46elks'; only simulator refs. */
static void
test_hook_status(void **state)
{
	static const struct {
		const char	*form;
		int		 rc;
		enum dstate	 st;
	} cases[] = {
		{ "id=sim-1-1&status=delivered", 0, DS_DELIVERED },
		{ "id=sim-1-1&status=failed", 0, DS_FAILED },
		{ "id=sim-1-1&status=sent", 0, DS_SENT },
		{ "id=simcall-1-1&status=delivered", 0, DS_DELIVERED },
		{ "id=sim-1-1&status=lost", -1, 0 },
		{ "id=s17a6&status=delivered", -1, 0 },	/* not ours */
		{ "status=delivered", -1, 0 },
	};
	static const struct {
		const char	*addr;
		int		 rc;
	} peers[] = {
		{ "127.0.0.1", 0 }, { "127.1.2.3", 0 }, { "::1", 0 },
		{ "::ffff:127.0.0.1", 0 }, { "192.0.2.7", -1 },
		{ "::ffff:192.0.2.7", -1 }, { "2001:db8::1", -1 },
		{ "1127.0.0.1", -1 }, { NULL, -1 },
	};
	struct event_base	*base;
	struct section		 s;
	struct reports		 r = { 0 };
	struct adapter		*a;
	struct hook_request	 h;
	struct kvlist		 form;
	struct status_report	 rep;
	char			 err[128];
	size_t			 i;

	base = event_base_new();
	section_init(&s, NULL, NULL);
	a = make(base, &s, &r);
	for (i = 0; i < nitems(cases); i++) {
		hook_form(&h, &form, cases[i].form);
		assert_int_equal(a->ops->verify_hook(a, &h), 0);
		if (a->ops->parse_status(a, &h, &rep, err, sizeof(err)) !=
		    cases[i].rc)
			fail_msg("'%s': want %d", cases[i].form, cases[i].rc);
		if (cases[i].rc == 0) {
			assert_true(strncmp(rep.ref, "sim", 3) == 0);
			assert_int_equal(rep.state, cases[i].st);
		}
		kvlist_free(&form);
	}
	/* Only from this machine: anything else could act on contacts. */
	hook_form(&h, &form, "id=sim-1-1&status=delivered");
	for (i = 0; i < nitems(peers); i++) {
		h.peer = peers[i].addr;
		if (a->ops->verify_hook(a, &h) != peers[i].rc)
			fail_msg("peer %s: want %d", peers[i].addr ?
			    peers[i].addr : "NULL", peers[i].rc);
	}
	kvlist_free(&form);
	adapter_free(a);
	event_base_free(base);
}

/* What varselctl sim inbound posts becomes an inbound SMS. */
static void
test_hook_inbound(void **state)
{
	static const struct {
		const char	*form;
		int		 rc;
		const char	*id;	/* NULL: made up; err on -1 */
		const char	*from, *to, *text;
	} cases[] = {
		{ "from=%2B46701740605&message=TRYGG+15531", 0, NULL,
		    "+46701740605", "Nykvarn", "TRYGG 15531" },
		{ "id=demo-1&from=%2B46701740605&to=%2B46766860000&message="
		    "Stopp", 0, "demo-1", "+46701740605", "+46766860000",
		    "Stopp" },
		{ "from=%2B46701740605&message=", 0, NULL, "+46701740605",
		    "Nykvarn", "" },
		{ "message=TRYGG", -1, "from", NULL, NULL, NULL },
		{ "from=%2B46701740605", -1, "message", NULL, NULL, NULL },
		{ "id=&from=%2B46701740605&message=x", -1, "id", NULL, NULL,
		    NULL },
	};
	struct event_base	*base;
	struct section		 s;
	struct reports		 r = { 0 };
	struct adapter		*a;
	struct hook_request	 h;
	struct kvlist		 form;
	struct inbound_sms	 in;
	struct hook_answer	 ans;
	char			 err[128], first[96] = "";
	size_t			 i;
	int			 rc;

	base = event_base_new();
	section_init(&s, NULL, NULL);
	a = make(base, &s, &r);
	for (i = 0; i < nitems(cases); i++) {
		hook_form(&h, &form, cases[i].form);
		assert_int_equal(a->ops->verify_hook(a, &h), 0);
		err[0] = '\0';
		memset(&ans, 0x5a, sizeof(ans));
		rc = a->ops->parse_inbound(a, &h, &in, &ans, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d (%s)", cases[i].form, rc, err);
		assert_null(ans.body);
		if (rc == -1) {
			if (strstr(err, cases[i].id) == NULL)
				fail_msg("'%s': '%s' lacks '%s'",
				    cases[i].form, err, cases[i].id);
			assert_null(in.text);
			kvlist_free(&form);
			continue;
		}
		if (cases[i].id != NULL)
			assert_string_equal(in.id, cases[i].id);
		else {
			/* Made-up ids are new each time. */
			assert_true(strncmp(in.id, "simin-", 6) == 0);
			assert_string_not_equal(in.id, first);
			strlcpy(first, in.id, sizeof(first));
		}
		assert_string_equal(in.from, cases[i].from);
		assert_string_equal(in.to, cases[i].to);
		assert_string_equal(in.text, cases[i].text);
		free(in.text);
		kvlist_free(&form);
	}
	adapter_free(a);
	event_base_free(base);
}

/* A digit (or a call status) posted for a simulated call. */
static void
test_hook_voice(void **state)
{
	static const struct {
		const char		*form;
		int			 rc;
		enum voice_event_kind	 kind;
		const char		*digits;
	} cases[] = {
		{ "id=simcall-1-2&digits=1", 0, VOICE_DTMF, "1" },
		{ "id=simcall-1-2&digits=2%23", 0, VOICE_DTMF, "2#" },
		{ "id=simcall-1-2&status=no-answer", 0, VOICE_NO_ANSWER, "" },
		{ "id=simcall-1-2&status=busy", 0, VOICE_BUSY, "" },
		{ "id=simcall-1-2&status=completed", 0, VOICE_COMPLETED, "" },
		{ "id=simcall-1-2&digits=x", -1, 0, NULL },
		{ "id=simcall-1-2&digits=", -1, 0, NULL },
		{ "id=simcall-1-2&status=gone", -1, 0, NULL },
		{ "id=simcall-1-2", -1, 0, NULL },
		{ "id=sim-1-2&digits=1", -1, 0, NULL },
	};
	struct event_base	*base;
	struct section		 s;
	struct reports		 r = { 0 };
	struct adapter		*a;
	struct hook_request	 h;
	struct kvlist		 form;
	struct voice_event	 ev;
	struct hook_answer	 ans;
	char			 err[128];
	size_t			 i;
	int			 rc;

	base = event_base_new();
	section_init(&s, NULL, NULL);
	a = make(base, &s, &r);
	for (i = 0; i < nitems(cases); i++) {
		hook_form(&h, &form, cases[i].form);
		memset(&ans, 0x5a, sizeof(ans));
		rc = a->ops->parse_voice(a, &h, &ev, &ans, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d", cases[i].form, rc);
		assert_null(ans.body);
		if (rc == 0) {
			assert_string_equal(ev.ref, "simcall-1-2");
			assert_int_equal(ev.kind, cases[i].kind);
			assert_string_equal(ev.digits, cases[i].digits);
		}
		kvlist_free(&form);
	}
	adapter_free(a);
	event_base_free(base);
}

/* Bad values of its keys fail at init with file:line: key:. */
static void
test_init_errors(void **state)
{
	static const struct {
		const char	*after, *share, *want;
	} cases[] = {
		/* Integer keys: config.c's message names the key. */
		{ "-1", NULL, "delivered_after_ms" },
		{ "3600001", NULL, "delivered_after_ms" },
		{ "soon", NULL, "delivered_after_ms" },
		{ NULL, "1.5", "varsel.conf:41: fail_share" },
		{ NULL, "-0.1", "varsel.conf:41: fail_share" },
		{ NULL, "half", "varsel.conf:41: fail_share" },
		{ NULL, "nan", "varsel.conf:41: fail_share" },
		{ NULL, "", "varsel.conf:41: fail_share" },
	};
	static const char *const digits[] = { "12", "x", "", "11" };
	struct event_base	*base;
	struct adapter_env	 env = { 0 };
	struct section		 s;
	struct adapter		*a;
	char			 err[256];
	size_t			 i;

	base = event_base_new();
	env.base = base;
	env.name = "sim";
	for (i = 0; i < nitems(cases); i++) {
		section_init(&s, cases[i].after, cases[i].share);
		err[0] = '\0';
		a = adapter_new(&s.pc, &env, err, sizeof(err));
		if (a != NULL)
			fail_msg("case %zu: init succeeded", i);
		if (strstr(err, cases[i].want) == NULL ||
		    strncmp(err, "varsel.conf:", 12) != 0)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    cases[i].want);
	}
	for (i = 0; i < nitems(digits); i++) {
		section_init(&s, NULL, NULL);
		section_add(&s, "answer_digit", digits[i]);
		err[0] = '\0';
		assert_null(adapter_new(&s.pc, &env, err, sizeof(err)));
		if (strstr(err, "varsel.conf:45: answer_digit:") == NULL)
			fail_msg("answer_digit '%s': '%s'", digits[i], err);
	}
	event_base_free(base);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_delivered),
		cmocka_unit_test(test_fail_share_all),
		cmocka_unit_test(test_fail_share_half),
		cmocka_unit_test(test_ref_format),
		cmocka_unit_test(test_free_pending),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_hook_status),
		cmocka_unit_test(test_hook_inbound),
		cmocka_unit_test(test_hook_voice),
		cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
