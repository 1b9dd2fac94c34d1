/*
 * A whole gateway in a unit test, with a frozen clock and scripted
 * providers. See gw_test.h.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "adapters/adapter.h"
#include "gateway/batch.h"
#include "gateway/clock.h"
#include "gateway/config.h"
#include "gateway/dispatch.h"
#include "gateway/http_client.h"
#include "gateway/providers.h"
#include "gateway/refdata.h"
#include "gateway/reports.h"
#include "gateway/source_events.h"
#include "gateway/store.h"
#include "gateway/template.h"
#include "gateway/util.h"
#include "tests/e2e.h"
#include "tests/gw_test.h"

/* The test whose scripted providers are answering (one at a time). */
static struct gwt	*current;

/* A scripted provider answers from the test's script, in process. */
static int
scripted_send(struct adapter *a, const struct outmsg *m,
    struct http_request *req, struct send_result *res)
{
	struct gwt	*t = current;
	struct gwt_send	*s;
	size_t		 i;

	if (t == NULL)
		return -1;
	if (t->nsends < GWT_MAXSENDS) {
		s = &t->sends[t->nsends++];
		strlcpy(s->provider, a->name, sizeof(s->provider));
		s->delivery_id = m->delivery_id;
		s->channel = m->channel;
		strlcpy(s->to, m->to, sizeof(s->to));
		strlcpy(s->text, m->text != NULL ? m->text : "",
		    sizeof(s->text));
		s->at = gw_now(&t->gw);
	}
	memset(res, 0, sizeof(*res));
	res->status = SEND_OK;
	res->http_status = 201;
	for (i = 0; i < t->nscript; i++) {
		struct gwt_result	*r = &t->script[i];

		if (r->provider[0] != '\0' &&
		    strcmp(r->provider, a->name) != 0)
			continue;
		res->status = r->status;
		res->http_status = r->http_status;
		res->retry_after_s = r->retry_after_s;
		res->auth_error = r->auth_error;
		if (r->status != SEND_OK)
			snprintf(res->error, sizeof(res->error),
			    "scripted %d", r->http_status);
		memmove(r, r + 1, (t->nscript - i - 1) * sizeof(*r));
		t->nscript--;
		break;
	}
	if (res->status == SEND_OK)
		snprintf(res->ref, sizeof(res->ref), "%s-%d", a->name,
		    ++t->refs);
	return ADAPTER_DONE;
}

static const struct adapter_ops scripted_ops = {
	.type = "scripted",
	.caps = ADAPTER_CAP_SMS | ADAPTER_CAP_VOICE | ADAPTER_CAP_STATUS,
	.send = scripted_send,
};

struct gwt *
gwt_new(const char *gateway, const char *sections, int64_t t0)
{
	struct gwt		*t;
	struct gw		*gw;
	struct adapter_env	 env;
	FILE			*fp;
	char			 err[4096];
	const char		*src = e2e_srcdir();

	adapter_register(&scripted_ops);	/* once; later calls fail */
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	gw = &t->gw;
	snprintf(t->dir, sizeof(t->dir), "%s/varsel-gwt-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return NULL;
	}
	snprintf(t->conf, sizeof(t->conf), "%s/varsel.conf", t->dir);
	if ((fp = fopen(t->conf, "w")) == NULL)
		goto fail;
	fprintf(fp, "[gateway]\nlisten = 127.0.0.1:0\n"
	    "database = %s/varsel.db\npublic_url = http://127.0.0.1:9\n"
	    "templates = %s/templates\n"
	    "trygghetspunkter = %s/conf/trygghetspunkter.csv\n"
	    "areas = %s/conf/areas.csv\n%s\n%s", t->dir, src, src, src,
	    gateway != NULL ? gateway : "", sections);
	if (fclose(fp) != 0)
		goto fail;
	chmod(t->conf, 0600);
	if ((gw->base = event_base_new()) == NULL)
		goto fail;
	clock_init(&gw->clock, gw->base);
	clock_set(&gw->clock, t0);
	if ((gw->cfg = config_load(t->conf, err, sizeof(err))) == NULL)
		goto failerr;
	if ((gw->store = store_open(gw->cfg->database, err,
	    sizeof(err))) == NULL ||
	    (gw->templates = templates_load(gw->cfg->templates, err,
	    sizeof(err))) == NULL ||
	    (gw->refdata = refdata_load(gw->cfg->trygghetspunkter,
	    gw->cfg->areas, err, sizeof(err))) == NULL)
		goto failerr;
	if ((gw->batch = batch_new(gw->base, gw->store)) == NULL ||
	    (gw->http = http_client_new(gw->base, 16)) == NULL)
		goto fail;
	memset(&env, 0, sizeof(env));
	env.base = gw->base;
	env.public_url = gw->cfg->public_url;
	env.report = reports_inproc_delivery;
	env.voice = reports_inproc_call;
	env.report_arg = gw;
	if ((gw->providers = providers_new(gw->cfg, &env, false, t0, err,
	    sizeof(err))) == NULL ||
	    (gw->dispatch = dispatch_new(gw, err, sizeof(err))) == NULL ||
	    (gw->events = source_events_new(gw, err, sizeof(err))) == NULL)
		goto failerr;
	current = t;
	return t;
failerr:
	fprintf(stderr, "gwt_new: %s\n", err);
fail:
	gwt_free(t);
	return NULL;
}

void
gwt_free(struct gwt *t)
{
	struct gw	*gw;
	char		 path[PATH_MAX + 32];

	if (t == NULL)
		return;
	gw = &t->gw;
	if (current == t)
		current = NULL;
	source_events_free(gw->events);
	dispatch_free(gw->dispatch);
	providers_free(gw->providers);
	http_client_free(gw->http);
	batch_free(gw->batch, 0);
	store_close(gw->store);
	refdata_free(gw->refdata);
	templates_free(gw->templates);
	config_free(gw->cfg);
	if (gw->base != NULL)
		event_base_free(gw->base);
	if (getenv("E2E_KEEP") == NULL) {
		static const char *const files[] = {
			"varsel.conf", "varsel.db", "varsel.db-wal",
			"varsel.db-shm"
		};
		size_t	i;

		for (i = 0; i < nitems(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", t->dir,
			    files[i]);
			unlink(path);
		}
		rmdir(t->dir);
	}
	free(t);
}

void
gwt_script(struct gwt *t, const char *provider, enum send_status st,
    int http_status, int retry_after_s, bool auth_error)
{
	struct gwt_result	*r;

	if (t->nscript == GWT_MAXSCRIPT)
		abort();
	r = &t->script[t->nscript++];
	memset(r, 0, sizeof(*r));
	strlcpy(r->provider, provider != NULL ? provider : "",
	    sizeof(r->provider));
	r->status = st;
	r->http_status = http_status;
	r->retry_after_s = retry_after_s;
	r->auth_error = auth_error;
}

void
gwt_advance(struct gwt *t, int64_t ms)
{
	clock_advance(&t->gw.clock, ms);
}

void
gwt_round(struct gwt *t)
{
	current = t;
	dispatch_run(t->gw.dispatch);
	batch_flush(t->gw.batch);
}

size_t
gwt_nsends(const struct gwt *t, const char *provider)
{
	size_t	i, n = 0;

	for (i = 0; i < t->nsends; i++)
		if (provider == NULL ||
		    strcmp(t->sends[i].provider, provider) == 0)
			n++;
	return n;
}

int64_t
gwt_alert(struct gwt *t, int severity, int64_t expires_at,
    int64_t escalate_after_s, bool ack, const char *const phones[])
{
	struct alert_row	 a;
	struct delivery		 d;
	int64_t			 now = gw_now(&t->gw);
	char			 ref[32];
	size_t			 i;

	memset(&a, 0, sizeof(a));
	snprintf(ref, sizeof(ref), "gwt-%d", ++t->alerts);
	a.client = "test";
	a.source_ref = ref;
	a.severity = severity;
	a.ack = ack;
	a.created_at = now;
	a.expires_at = expires_at;
	a.escalate_after_s = escalate_after_s;
	a.callback_url = (char *)t->callback_url;
	if (store_alert_insert(t->gw.store, &a) == -1)
		return -1;
	for (i = 0; phones[i] != NULL; i++) {
		memset(&d, 0, sizeof(d));
		d.alert_id = a.id;
		strlcpy(d.phone, phones[i], sizeof(d.phone));
		d.channel = CH_SMS;
		strlcpy(d.lang, "sv", sizeof(d.lang));
		d.body = "Test";
		d.state = DS_QUEUED;
		d.priority = severity;
		d.segments = 1;
		d.next_at = now;
		d.expires_at = expires_at;
		d.created_at = now;
		if (store_delivery_insert(t->gw.store, &d) == -1)
			return -1;
	}
	return a.id;
}

int
gwt_state(struct gwt *t, int64_t id)
{
	struct delivery	d;
	int		state;

	memset(&d, 0, sizeof(d));
	if (store_delivery_get(t->gw.store, id, &d) != 0)
		return -1;
	state = d.state;
	delivery_clear(&d);
	return state;
}

/* Keep the first delivery on the wanted channel. */
struct first {
	int	 channel;
	int64_t	 id;
};

static int
first_cb(const struct delivery *d, void *arg)
{
	struct first	*f = arg;

	if (f->id == 0 && d->channel == f->channel)
		f->id = d->id;
	return 0;
}

int64_t
gwt_delivery_of(struct gwt *t, int64_t alert_id, int channel)
{
	struct first	f = { channel, 0 };

	if (store_deliveries_list(t->gw.store, alert_id, -1, 0, 1000,
	    first_cb, &f) == -1)
		return 0;
	return f.id;
}
