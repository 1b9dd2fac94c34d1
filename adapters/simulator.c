/*
 * The simulator: an in-process provider for demos, tests and the default
 * setup. Every SMS is accepted at once with a reference "sim-<start>-<n>"
 * and, delivered_after_ms later, reported delivered (or, for a share
 * fail_share of them, failed) through env->report from a one-shot timer.
 * Nothing leaves the process.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "adapters/adapter.h"
#include "gateway/config.h"
#include "gateway/log.h"
#include "gateway/util.h"

#define SIM_DELIVERED_AFTER_MS	300
#define SIM_DELIVERED_MAX_MS	3600000

struct simulator;

/* A message waiting for its delivery report. */
struct sim_msg {
	struct simulator	*sim;
	struct event		*ev;
	struct status_report	 rep;
	struct sim_msg		*prev, *next;
};

/* The adapter's state. */
struct simulator {
	struct adapter		*a;
	struct event_base	*base;
	void			(*report)(void *, const char *,
				    const struct status_report *);
	void			*report_arg;
	long			 delivered_after_ms;
	double			 fail_share;
	int64_t			 start_ms;	/* keeps refs unique over runs */
	uint64_t		 counter;
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
static void	simulator_report_cb(evutil_socket_t, short, void *);
static void	simulator_msg_free(struct sim_msg *);
static int	simulator_share(const struct provider_conf *, const char *,
		    double, double *, char *, size_t);

static const char *const simulator_keys[] = {
	"delivered_after_ms",
	"fail_share",
	NULL
};

const struct adapter_ops simulator_adapter_ops = {
	.type = "simulator",
	.caps = ADAPTER_CAP_SMS | ADAPTER_CAP_STATUS,
	.keys = simulator_keys,
	.init = simulator_init,
	.free = simulator_free,
	.send = simulator_send,
	.parse_send = simulator_parse_send,
	.verify_hook = simulator_verify_hook,
	.parse_status = simulator_parse_status,
};

/* Read the provider section's keys; the event base is needed for reports. */
static int
simulator_init(struct adapter *a, const struct adapter_env *env, char *err,
    size_t errlen)
{
	const struct provider_conf	*pc = a->conf;
	struct simulator		*sim;
	long				 after;
	double				 share;

	if (provider_conf_int(pc, "delivered_after_ms", SIM_DELIVERED_AFTER_MS,
	    0, SIM_DELIVERED_MAX_MS, &after, err, errlen) == -1)
		return -1;
	if (simulator_share(pc, "fail_share", 0.0, &share, err, errlen) == -1)
		return -1;
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
	sim->report_arg = env->report_arg;
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
	free(sim);
	a->priv = NULL;
}

/* Accept the message at once and schedule its delivery report. */
static int
simulator_send(struct adapter *a, const struct outmsg *m,
    struct http_request *req, struct send_result *res)
{
	struct simulator	*sim = a->priv;
	struct sim_msg		*sm;
	struct timeval		 tv;
	bool			 fail;

	memset(res, 0, sizeof(*res));
	if (m->channel != CH_SMS) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "simulator: only SMS is simulated");
		return -1;
	}
	sim->counter++;
	snprintf(res->ref, sizeof(res->ref), "sim-%" PRId64 "-%" PRIu64,
	    sim->start_ms, sim->counter);
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
 * A human may post a report by hand (id, status as for 46elks) to the
 * demo; it can only name simulator references (see parse_status).
 */
static int
simulator_verify_hook(struct adapter *a, const struct hook_request *h)
{
	return 0;
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
	if (id == NULL || strncmp(id, "sim-", 4) != 0 ||
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

/* A message's delay is over: report it and forget it. */
static void
simulator_report_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_msg		*sm = arg;
	struct simulator	*sim = sm->sim;
	struct status_report	 rep = sm->rep;

	/* Freed first: the report callback may free the adapter. */
	simulator_msg_free(sm);
	sim->report(sim->report_arg, sim->a->name, &rep);
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
	int		 line = pc->line;
	size_t		 i;

	*out = def;
	if ((v = provider_conf_get(pc, key)) == NULL)
		return 0;
	for (i = 0; i < pc->nopts; i++)
		if (strcmp(pc->opts[i].key, key) == 0) {
			line = pc->opts[i].line;
			break;
		}
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || isnan(d) ||
	    d < 0.0 || d > 1.0) {
		snprintf(err, errlen, "%s:%d: %s: '%s' is not a number from "
		    "0 to 1", pc->file, line, key, v);
		return -1;
	}
	*out = d;
	return 0;
}
