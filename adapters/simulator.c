/*
 * The simulator: an in-process provider for demos, tests and the default
 * setup. Every SMS is accepted at once with a reference "sim-<start>-<n>"
 * and, delivered_after_ms later, reported delivered (or, for a share
 * fail_share of them, failed) through env->report from a one-shot timer.
 * Calls work the same way: a reference "simcall-<start>-<n>", then a
 * report with DS_ANSWERED (DS_FAILED for the fail_share) and, when the
 * key answer_digit is set, that digit pressed, as a VOICE_DTMF event
 * through env->voice (with env->report_arg).
 *
 * Its hooks take what a person (or varselctl sim inbound) posts to the
 * demo: /hooks/NAME/sms an inbound SMS (from, message; to and id are
 * optional), /hooks/NAME/status a report, /hooks/NAME/voice a digit for
 * a call (id, digits). Nothing leaves the process.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "adapters/adapter.h"
#include "gateway/log.h"
#include "gateway/provider_conf.h"
#include "gateway/util.h"

#define SIM_DELIVERED_AFTER_MS	300
#define SIM_DELIVERED_MAX_MS	3600000

struct simulator;

/* A message waiting for its delivery report. */
struct sim_msg {
	struct simulator	*sim;
	struct event		*ev;
	struct status_report	 rep;
	bool			 call;		/* also press the digit */
	struct sim_msg		*prev, *next;
};

/* The adapter's state. */
struct simulator {
	struct adapter		*a;
	struct event_base	*base;
	void			(*report)(void *, const char *,
				    const struct status_report *);
	void			(*voice)(void *, const char *,
				    const struct voice_event *);
	void			*report_arg;
	char			*from;		/* provider's from, or NULL */
	char			 answer_digit[2]; /* "" for none */
	long			 delivered_after_ms;
	double			 fail_share;
	int64_t			 start_ms;	/* keeps refs unique over runs */
	uint64_t		 counter;
	uint64_t		 inbound;	/* inbound ids made up */
	struct sim_msg		*pending;
};

static int	simulator_init(struct adapter *, const struct adapter_env *,
		    char *, size_t);
static void	simulator_free(struct adapter *);
static int	simulator_send(struct adapter *, const struct outmsg *,
		    struct http_request *, struct send_result *);
static void	simulator_parse_send(struct adapter *,
		    const struct http_response *, struct send_result *);
static int	simulator_verify_hook(struct adapter *,
		    const struct hook_request *);
static int	simulator_parse_status(struct adapter *,
		    const struct hook_request *, struct status_report *, char *,
		    size_t);
static int	simulator_parse_inbound(struct adapter *,
		    const struct hook_request *, struct inbound_sms *,
		    struct hook_answer *, char *, size_t);
static int	simulator_parse_voice(struct adapter *,
		    const struct hook_request *, struct voice_event *,
		    struct hook_answer *, char *, size_t);
static void	simulator_report_cb(evutil_socket_t, short, void *);
static void	simulator_msg_free(struct sim_msg *);
static int	simulator_share(const struct provider_conf *, const char *,
		    double, double *, char *, size_t);

static const char *const simulator_keys[] = {
	"delivered_after_ms",
	"fail_share",
	"answer_digit",
	NULL
};

const struct adapter_ops simulator_adapter_ops = {
	.type = "simulator",
	.caps = ADAPTER_CAP_SMS | ADAPTER_CAP_VOICE | ADAPTER_CAP_STATUS,
	.keys = simulator_keys,
	.init = simulator_init,
	.free = simulator_free,
	.send = simulator_send,
	.parse_send = simulator_parse_send,
	.verify_hook = simulator_verify_hook,
	.verify_head = simulator_verify_hook,	/* query and peer only */
	.parse_status = simulator_parse_status,
	.parse_inbound = simulator_parse_inbound,
	.parse_voice = simulator_parse_voice,
};

/* Read the provider section's keys; the event base is needed for reports. */
static int
simulator_init(struct adapter *a, const struct adapter_env *env, char *err,
    size_t errlen)
{
	const struct provider_conf	*pc = a->conf;
	struct simulator		*sim;
	const char			*digit;
	long				 after;
	double				 share;

	if (provider_conf_int(pc, "delivered_after_ms", SIM_DELIVERED_AFTER_MS,
	    0, SIM_DELIVERED_MAX_MS, &after, err, errlen) == -1)
		return -1;
	if (simulator_share(pc, "fail_share", 0.0, &share, err, errlen) == -1)
		return -1;
	digit = provider_conf_get(pc, "answer_digit");
	if (digit != NULL && (strlen(digit) != 1 ||
	    strchr("0123456789*#", digit[0]) == NULL)) {
		snprintf(err, errlen, "%s:%d: answer_digit: '%.16s' is not "
		    "one keypad digit (0-9, * or #)", pc->file,
		    provider_conf_line(pc, "answer_digit"), digit);
		return -1;
	}
	if (env->report != NULL && env->base == NULL) {
		snprintf(err, errlen, "%s:%d: provider %s: the simulator needs "
		    "an event base to report deliveries", pc->file, pc->line,
		    a->name);
		return -1;
	}
	if ((sim = calloc(1, sizeof(*sim))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sim->a = a;
	sim->base = env->base;
	sim->report = env->report;
	sim->voice = env->voice;
	sim->report_arg = env->report_arg;
	if (digit != NULL)
		strlcpy(sim->answer_digit, digit, sizeof(sim->answer_digit));
	if (pc->from != NULL && (sim->from = strdup(pc->from)) == NULL) {
		free(sim);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sim->delivered_after_ms = after;
	sim->fail_share = share;
	sim->start_ms = now_ms();
	a->priv = sim;
	return 0;
}

/* Drop pending reports: their timers never fire. */
static void
simulator_free(struct adapter *a)
{
	struct simulator	*sim = a->priv;

	if (sim == NULL)
		return;
	while (sim->pending != NULL)
		simulator_msg_free(sim->pending);
	free(sim->from);
	free(sim);
	a->priv = NULL;
}

/* Accept the message or call at once and schedule its report. */
static int
simulator_send(struct adapter *a, const struct outmsg *m,
    struct http_request *req, struct send_result *res)
{
	struct simulator	*sim = a->priv;
	struct sim_msg		*sm;
	struct timeval		 tv;
	bool			 fail;

	memset(res, 0, sizeof(*res));
	if (m->channel != CH_SMS && m->channel != CH_VOICE) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "simulator: unknown channel %d", (int)m->channel);
		return -1;
	}
	sim->counter++;
	snprintf(res->ref, sizeof(res->ref), "%s-%" PRId64 "-%" PRIu64,
	    m->channel == CH_VOICE ? "simcall" : "sim", sim->start_ms,
	    sim->counter);
	res->status = SEND_OK;
	if (sim->report == NULL)
		return ADAPTER_DONE;

	if ((sm = calloc(1, sizeof(*sm))) == NULL ||
	    (sm->ev = evtimer_new(sim->base, simulator_report_cb, sm)) ==
	    NULL) {
		/* Accepted all the same; only the report is lost. */
		log_warnx("%s: %s: no memory for the delivery report of %s",
		    __func__, a->name, res->ref);
		free(sm);
		return ADAPTER_DONE;
	}
	sm->sim = sim;
	strlcpy(sm->rep.ref, res->ref, sizeof(sm->rep.ref));
	/* random() is in [0, RAND_MAX]: share 1 fails all, 0 none. */
	fail = (double)random() / ((double)RAND_MAX + 1.0) < sim->fail_share;
	if (fail) {
		sm->rep.state = DS_FAILED;
		strlcpy(sm->rep.error, "simulated failure",
		    sizeof(sm->rep.error));
	} else if (m->channel == CH_VOICE) {
		sm->rep.state = DS_ANSWERED;
		sm->call = sim->answer_digit[0] != '\0' && sim->voice != NULL;
	} else
		sm->rep.state = DS_DELIVERED;
	sm->next = sim->pending;
	if (sim->pending != NULL)
		sim->pending->prev = sm;
	sim->pending = sm;
	tv.tv_sec = sim->delivered_after_ms / 1000;
	tv.tv_usec = (sim->delivered_after_ms % 1000) * 1000;
	evtimer_add(sm->ev, &tv);
	return ADAPTER_DONE;
}

/* Never called: the simulator makes no HTTP requests. */
static void
simulator_parse_send(struct adapter *a, const struct http_response *r,
    struct send_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = SEND_PERMFAIL;
	snprintf(res->error, sizeof(res->error),
	    "simulator: no HTTP answer expected");
}

/*
 * A human (varselctl sim) may post a report, an inbound SMS or a key
 * press by hand, from this machine only: a simulated STOPP or "1" from
 * elsewhere would act on real contacts.
 */
static int
simulator_verify_hook(struct adapter *a, const struct hook_request *h)
{
	const char	*p = h->peer;

	if (p == NULL)
		return -1;
	if (strncmp(p, "::ffff:", 7) == 0)
		p += 7;
	return strncmp(p, "127.", 4) == 0 || strcmp(p, "::1") == 0 ? 0 : -1;
}

/* A hand-made report: form fields id (a sim- ref) and status. */
static int
simulator_parse_status(struct adapter *a, const struct hook_request *h,
    struct status_report *rep, char *err, size_t errlen)
{
	const char	*id, *status;

	memset(rep, 0, sizeof(*rep));
	id = h->form ? kvlist_get(h->form, "id") : NULL;
	status = h->form ? kvlist_get(h->form, "status") : NULL;
	if (id == NULL || (strncmp(id, "sim-", 4) != 0 &&
	    strncmp(id, "simcall-", 8) != 0) ||
	    strlen(id) >= sizeof(rep->ref)) {
		snprintf(err, errlen, "missing or foreign id");
		return -1;
	}
	if (status == NULL) {
		snprintf(err, errlen, "missing status");
		return -1;
	}
	if (strcmp(status, "sent") == 0)
		rep->state = DS_SENT;
	else if (strcmp(status, "delivered") == 0)
		rep->state = DS_DELIVERED;
	else if (strcmp(status, "failed") == 0) {
		rep->state = DS_FAILED;
		strlcpy(rep->error, "failed", sizeof(rep->error));
	} else {
		snprintf(err, errlen, "unknown status '%.32s'", status);
		return -1;
	}
	strlcpy(rep->ref, id, sizeof(rep->ref));
	return 0;
}

/*
 * A hand-made inbound SMS (varselctl sim inbound): form fields from and
 * message; to defaults to the provider's from, id to a new "simin-" one
 * (a posted id makes a retry of the same message count once).
 */
static int
simulator_parse_inbound(struct adapter *a, const struct hook_request *h,
    struct inbound_sms *in, struct hook_answer *ans, char *err,
    size_t errlen)
{
	static const char *const names[3] = { "id", "from", "to" };
	struct simulator	*sim = a->priv;
	const char		*id, *from, *to, *msg;
	char			 made[sizeof(in->id)];

	memset(in, 0, sizeof(*in));
	memset(ans, 0, sizeof(*ans));
	id = h->form ? kvlist_get(h->form, "id") : NULL;
	from = h->form ? kvlist_get(h->form, "from") : NULL;
	to = h->form ? kvlist_get(h->form, "to") : NULL;
	msg = h->form ? kvlist_get(h->form, "message") : NULL;
	if (msg == NULL) {
		snprintf(err, errlen, "simulator inbound SMS without message");
		return -1;
	}
	/* Without an id (varselctl sim inbound), one of our own. */
	if (id == NULL) {
		snprintf(made, sizeof(made), "simin-%" PRId64 "-%" PRIu64,
		    sim->start_ms, ++sim->inbound);
		id = made;
	}
	if (to == NULL)
		to = sim->from;
	return adapter_inbound_set(in, "simulator", names, id, from, to, msg,
	    err, errlen);
}

/*
 * A hand-made call event: id (a simcall- ref) and digits pressed, or
 * status answered|completed|no-answer|busy|failed.
 */
static int
simulator_parse_voice(struct adapter *a, const struct hook_request *h,
    struct voice_event *ev, struct hook_answer *ans, char *err,
    size_t errlen)
{
	static const struct {
		const char		*status;
		enum voice_event_kind	 kind;
	} map[] = {
		{ "ringing", VOICE_RINGING },
		{ "answered", VOICE_ANSWERED },
		{ "completed", VOICE_COMPLETED },
		{ "no-answer", VOICE_NO_ANSWER },
		{ "busy", VOICE_BUSY },
		{ "failed", VOICE_FAILED },
	};
	const char	*id, *digits, *status;
	size_t		 i;

	memset(ev, 0, sizeof(*ev));
	memset(ans, 0, sizeof(*ans));
	id = h->form ? kvlist_get(h->form, "id") : NULL;
	digits = h->form ? kvlist_get(h->form, "digits") : NULL;
	status = h->form ? kvlist_get(h->form, "status") : NULL;
	if (id == NULL || strncmp(id, "simcall-", 8) != 0 ||
	    strlen(id) >= sizeof(ev->ref)) {
		snprintf(err, errlen, "missing or foreign id");
		return -1;
	}
	strlcpy(ev->ref, id, sizeof(ev->ref));
	if (digits != NULL) {
		if (digits[0] == '\0' || strlen(digits) >= sizeof(ev->digits) ||
		    strspn(digits, "0123456789*#") != strlen(digits)) {
			snprintf(err, errlen, "digits '%.16s' are not keypad "
			    "digits", digits);
			return -1;
		}
		ev->kind = VOICE_DTMF;
		strlcpy(ev->digits, digits, sizeof(ev->digits));
		return 0;
	}
	for (i = 0; status != NULL && i < nitems(map); i++)
		if (strcmp(map[i].status, status) == 0) {
			ev->kind = map[i].kind;
			if (ev->kind == VOICE_FAILED)
				strlcpy(ev->error, "simulated failure",
				    sizeof(ev->error));
			return 0;
		}
	snprintf(err, errlen, "missing digits, or unknown status '%.32s'",
	    status ? status : "");
	return -1;
}

/*
 * A message's delay is over: report it and forget it. An answered call
 * with answer_digit then has that digit pressed.
 */
static void
simulator_report_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_msg		*sm = arg;
	struct simulator	*sim = sm->sim;
	struct status_report	 rep = sm->rep;
	struct voice_event	 ev;
	void			(*voice)(void *, const char *,
				    const struct voice_event *) = NULL;
	void			*varg = sim->report_arg;
	char			 name[sizeof(sim->a->name)];

	if (sm->call) {
		memset(&ev, 0, sizeof(ev));
		strlcpy(ev.ref, rep.ref, sizeof(ev.ref));
		ev.kind = VOICE_DTMF;
		strlcpy(ev.digits, sim->answer_digit, sizeof(ev.digits));
		voice = sim->voice;
	}
	strlcpy(name, sim->a->name, sizeof(name));
	/* Freed first: the callbacks may free the adapter. */
	simulator_msg_free(sm);
	sim->report(varg, name, &rep);
	if (voice != NULL)
		voice(varg, name, &ev);
}

/* Unlink and free one pending message. */
static void
simulator_msg_free(struct sim_msg *sm)
{
	struct simulator	*sim = sm->sim;

	if (sm->prev != NULL)
		sm->prev->next = sm->next;
	else
		sim->pending = sm->next;
	if (sm->next != NULL)
		sm->next->prev = sm->prev;
	event_free(sm->ev);
	free(sm);
}

/* A share key in [0, 1]; def when absent. */
static int
simulator_share(const struct provider_conf *pc, const char *key, double def,
    double *out, char *err, size_t errlen)
{
	const char	*v;
	char		*end;
	double		 d;

	*out = def;
	if ((v = provider_conf_get(pc, key)) == NULL)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || isnan(d) ||
	    d < 0.0 || d > 1.0) {
		snprintf(err, errlen, "%s:%d: %s: '%s' is not a number from "
		    "0 to 1", pc->file, provider_conf_line(pc, key), key, v);
		return -1;
	}
	*out = d;
	return 0;
}
