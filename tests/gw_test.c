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
#include "gateway/alert.h"
#include "gateway/batch.h"
#include "gateway/callouts.h"
#include "gateway/clock.h"
#include "gateway/config.h"
#include "gateway/dispatch.h"
#include "gateway/fanout.h"
#include "gateway/http_client.h"
#include "gateway/inbound.h"
#include "gateway/providers.h"
#include "gateway/refdata.h"
#include "gateway/reports.h"
#include "gateway/retention.h"
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

/* Open the store and start the parts of the gateway; -1 printed. */
static int
gwt_start(struct gwt *t, int64_t t0)
{
	struct gw		*gw = &t->gw;
	struct adapter_env	 env;
	char			 err[4096];

	if ((gw->base = event_base_new()) == NULL)
		return -1;
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
		return -1;
	memset(&env, 0, sizeof(env));
	env.base = gw->base;
	env.public_url = gw->cfg->public_url;
	env.report = reports_inproc_delivery;
	env.voice = reports_inproc_call;
	env.report_arg = gw;
	if ((gw->providers = providers_new(gw->cfg, &env, false, t0, err,
	    sizeof(err))) == NULL ||
	    (gw->dispatch = dispatch_new(gw, err, sizeof(err))) == NULL ||
	    (gw->events = source_events_new(gw, err, sizeof(err))) == NULL ||
	    (gw->callouts = callouts_new(gw, err, sizeof(err))) == NULL ||
	    (gw->retention = retention_new(gw, err, sizeof(err))) == NULL)
		goto failerr;
	current = t;
	return 0;
failerr:
	fprintf(stderr, "gwt_new: %s\n", err);
	return -1;
}

/* Stop the parts gwt_start started, as varseld does at exit. */
static void
gwt_stop(struct gwt *t)
{
	struct gw	*gw = &t->gw;
	int		 n = 0;

	if (current == t)
		current = NULL;
	retention_free(gw->retention);
	callouts_free(gw->callouts);
	source_events_free(gw->events);
	dispatch_free(gw->dispatch);
	providers_free(gw->providers);
	http_client_free(gw->http);
	batch_free(gw->batch, 0);
	if (gw->store != NULL)
		store_requeue_sending(gw->store, gw_now(gw), &n);
	store_close(gw->store);
	refdata_free(gw->refdata);
	templates_free(gw->templates);
	config_free(gw->cfg);
	if (gw->base != NULL)
		event_base_free(gw->base);
	memset(gw, 0, sizeof(*gw));
}

struct gwt *
gwt_new(const char *gateway, const char *sections, int64_t t0)
{
	struct gwt		*t;
	FILE			*fp;
	const char		*src = e2e_srcdir();

	adapter_register(&scripted_ops);	/* once; later calls fail */
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
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
	if (gwt_start(t, t0) == -1)
		goto fail;
	return t;
fail:
	gwt_free(t);
	return NULL;
}

void
gwt_restart(struct gwt *t)
{
	int64_t	now = gw_now(&t->gw);

	gwt_stop(t);
	if (gwt_start(t, now) == -1)
		abort();
}

void
gwt_free(struct gwt *t)
{
	char	 path[PATH_MAX + 32];

	if (t == NULL)
		return;
	gwt_stop(t);
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

	if (store_deliveries_list(t->gw.store, alert_id, -1, 0, 1000, NULL,
	    first_cb, &f) == -1)
		return 0;
	return f.id;
}

int
gwt_post(struct gwt *t, const char *body, json_t **answer,
    struct api_error *err)
{
	struct alert_req	 req;
	json_t			*root;
	char			*resp = NULL;
	int			 rc;

	*answer = NULL;
	memset(err, 0, sizeof(*err));
	if ((root = json_loads(body, 0, NULL)) == NULL)
		abort();
	rc = alert_parse(root, "SE", &req, err);
	json_decref(root);
	if (rc == -1)
		return -1;
	rc = fanout_alert(&t->gw, &req, "test", &resp, err);
	alert_req_clear(&req);
	*answer = resp != NULL ? json_loads(resp, 0, NULL) : NULL;
	free(resp);
	return rc;
}

void
gwt_contact(struct gwt *t, const char *phone, const char *lang,
    const char *groups, unsigned int channels)
{
	struct contact	 c;
	char		*list = NULL, *g[8], *p, *save;

	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, phone, sizeof(c.phone));
	strlcpy(c.lang, lang, sizeof(c.lang));
	c.channels = channels;
	c.sms_cap = SMS_CAP_YES;
	if (groups != NULL) {
		list = xstrdup(groups);
		for (p = strtok_r(list, ",", &save); p != NULL && c.ngroups < 8;
		    p = strtok_r(NULL, ",", &save))
			g[c.ngroups++] = p;
		c.groups = g;
	}
	c.created_at = c.updated_at = gw_now(&t->gw);
	if (store_contact_upsert(t->gw.store, &c, NULL) != 0)
		abort();
	free(list);
}

int
gwt_sms(struct gwt *t, const char *from, const char *text)
{
	struct inbound_sms	in;
	int			rc;

	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), "gwt-in-%d", ++t->inbound);
	strlcpy(in.from, from, sizeof(in.from));
	strlcpy(in.to, "+46766860000", sizeof(in.to));
	in.text = xstrdup(text);
	current = t;
	rc = inbound_sms_at(&t->gw, "first", &in, gw_now(&t->gw));
	free(in.text);
	return rc;
}

/* Copy a delivery into the struct gwt_rows at arg. */
static int
gwt_rows_cb(const struct delivery *d, void *arg)
{
	struct gwt_rows	*rs = arg;
	struct delivery	*c;

	if (rs->n == GWT_MAXROWS)
		return -1;
	c = &rs->v[rs->n++];
	*c = *d;
	c->body = xstrdup(d->body != NULL ? d->body : "");
	c->reason = d->reason != NULL ? xstrdup(d->reason) : NULL;
	c->error = NULL;
	return 0;
}

void
gwt_rows(struct gwt *t, int64_t alert_id, struct gwt_rows *rs)
{
	memset(rs, 0, sizeof(*rs));
	if (store_deliveries_list(t->gw.store, alert_id, -1, 0, GWT_MAXROWS,
	    NULL, gwt_rows_cb, rs) == -1)
		abort();
}

void
gwt_rows_free(struct gwt_rows *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		delivery_clear(&rs->v[i]);
	rs->n = 0;
}

const struct delivery *
gwt_row(const struct gwt_rows *rs, const char *phone, int channel)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].phone, phone) == 0 &&
		    (channel == 0 || rs->v[i].channel == channel))
			return &rs->v[i];
	return NULL;
}
