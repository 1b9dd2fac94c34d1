/*
 * GET /metrics in the Prometheus text format (version 0.0.4).
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "batch.h"
#include "config.h"
#include "dispatch.h"
#include "gateway.h"
#include "httpd.h"
#include "metrics.h"
#include "providers.h"
#include "retention.h"
#include "store.h"
#include "types.h"

/* One line of varsel_deliveries_total. */
static void
total_cb(const char *provider, int channel, int state, int64_t n, void *arg)
{
	evbuffer_add_printf(arg, "varsel_deliveries_total{provider=\"%s\","
	    "channel=\"%s\",state=\"%s\"} %lld\n", provider,
	    channel_name((enum channel)channel), dstate_name((enum dstate)state),
	    (long long)n);
}

/* The latency histogram and counters of one provider. */
static void
render_provider(struct evbuffer *out, const struct provider *p, int64_t now)
{
	static const char *const results[] = { "ok", "tempfail", "permfail" };
	const char	*name = p->conf->name;
	uint64_t	 cum = 0;
	int		 i;

	for (i = 0; i < HIST_NBOUNDS; i++) {
		cum += p->latency.counts[i];
		evbuffer_add_printf(out, "varsel_provider_request_seconds_bucket"
		    "{provider=\"%s\",le=\"%g\"} %llu\n", name,
		    histogram_bound(i), (unsigned long long)cum);
	}
	cum += p->latency.counts[HIST_NBOUNDS];
	evbuffer_add_printf(out, "varsel_provider_request_seconds_bucket"
	    "{provider=\"%s\",le=\"+Inf\"} %llu\n", name,
	    (unsigned long long)cum);
	evbuffer_add_printf(out, "varsel_provider_request_seconds_sum"
	    "{provider=\"%s\"} %.6f\n", name, p->latency.sum);
	evbuffer_add_printf(out, "varsel_provider_request_seconds_count"
	    "{provider=\"%s\"} %llu\n", name,
	    (unsigned long long)p->latency.count);
	for (i = 0; i < 3; i++)
		evbuffer_add_printf(out, "varsel_provider_results_total"
		    "{provider=\"%s\",result=\"%s\"} %llu\n", name, results[i],
		    (unsigned long long)p->results[i]);
	evbuffer_add_printf(out, "varsel_provider_inflight{provider=\"%s\"} "
	    "%d\n", name, p->inflight);
	evbuffer_add_printf(out, "varsel_provider_breaker_open{provider=\"%s\"}"
	    " %d\n", name, p->breaker == BREAKER_OPEN ? 1 : 0);
	evbuffer_add_printf(out, "varsel_provider_stalled{provider=\"%s\"} "
	    "%d\n", name, provider_stalled(p, now) ? 1 : 0);
	evbuffer_add_printf(out, "varsel_provider_breaker_state{provider=\"%s\","
	    "state=\"%s\"} 1\n", name, p->breaker == BREAKER_OPEN ? "open" :
	    p->breaker == BREAKER_HALF_OPEN ? "half_open" : "closed");
}

/* One line of varsel_inbound_total. */
static void
inbound_cb(const char *keyword, int64_t n, void *arg)
{
	evbuffer_add_printf(arg, "varsel_inbound_total{keyword=\"%s\"} %lld\n",
	    keyword ? keyword : "", (long long)n);
}

int
metrics_render(struct gw *gw, const struct httpd_stats *hs,
    struct evbuffer *out)
{
	struct retention_stats	rs;
	int64_t			segments = 0;
	size_t			i, n = providers_count(gw->providers);

	evbuffer_add_printf(out, "# HELP varsel_deliveries_total Deliveries "
	    "now in each state, by provider and channel.\n"
	    "# TYPE varsel_deliveries_total gauge\n");
	if (store_delivery_totals(gw->store, total_cb, out) == -1)
		return -1;
	if (store_queue_depth(gw->store, SEV_UNKNOWN, &segments) == -1)
		return -1;
	evbuffer_add_printf(out, "# HELP varsel_queue_depth Segments waiting "
	    "to be dispatched.\n# TYPE varsel_queue_depth gauge\n"
	    "varsel_queue_depth %lld\n", (long long)segments);
	evbuffer_add_printf(out, "# HELP varsel_provider_request_seconds "
	    "Time of provider HTTP requests.\n"
	    "# TYPE varsel_provider_request_seconds histogram\n");
	for (i = 0; i < n; i++)
		render_provider(out, providers_at(gw->providers, i),
		    gw_now(gw));
	evbuffer_add_printf(out, "# HELP varsel_inbound_total Inbound SMS by "
	    "keyword.\n# TYPE varsel_inbound_total counter\n");
	if (store_inbound_totals(gw->store, inbound_cb, out) == -1)
		return -1;
	evbuffer_add_printf(out, "# HELP varsel_http_connections API "
	    "connections open.\n# TYPE varsel_http_connections gauge\n"
	    "varsel_http_connections %d\n"
	    "# HELP varsel_http_connections_total API connections by how "
	    "they ended early.\n# TYPE varsel_http_connections_total counter\n"
	    "varsel_http_connections_total{event=\"accepted\"} %llu\n"
	    "varsel_http_connections_total{event=\"evicted\"} %llu\n"
	    "varsel_http_connections_total{event=\"timed_out\"} %llu\n"
	    "varsel_http_connections_total{event=\"refused\"} %llu\n"
	    "varsel_http_connections_total{event=\"accept_failed\"} %llu\n",
	    hs->open, (unsigned long long)hs->accepted,
	    (unsigned long long)hs->evicted, (unsigned long long)hs->timed_out,
	    (unsigned long long)hs->refused,
	    (unsigned long long)hs->accept_failed);
	evbuffer_add_printf(out, "# HELP varsel_sql_statements_total SQL "
	    "statements run, trigger programs included.\n"
	    "# TYPE varsel_sql_statements_total counter\n"
	    "varsel_sql_statements_total %llu\n",
	    (unsigned long long)store_statements(gw->store));
	evbuffer_add_printf(out, "# HELP varsel_journal_pending State changes "
	    "waiting to be written to the database.\n"
	    "# TYPE varsel_journal_pending gauge\nvarsel_journal_pending %zu\n"
	    "# HELP varsel_database_writable 1 while the database takes "
	    "writes.\n# TYPE varsel_database_writable gauge\n"
	    "varsel_database_writable %d\n", batch_pending(gw->batch),
	    batch_writable(gw->batch, NULL, NULL) ? 1 : 0);
	evbuffer_add_printf(out, "# HELP varsel_dispatch_inflight Provider "
	    "requests in flight.\n# TYPE varsel_dispatch_inflight gauge\n"
	    "varsel_dispatch_inflight %zu\n", dispatch_inflight(gw->dispatch));
	retention_stats(gw->retention, &rs);
	evbuffer_add_printf(out, "# HELP varsel_retention_erased_total Rows "
	    "whose numbers and texts the daily erasure took, since the start."
	    "\n# TYPE varsel_retention_erased_total counter\n"
	    "varsel_retention_erased_total{table=\"deliveries\"} %llu\n"
	    "varsel_retention_erased_total{table=\"inbound\"} %llu\n"
	    "# HELP varsel_retention_runs_total Daily erasures finished since "
	    "the start.\n# TYPE varsel_retention_runs_total counter\n"
	    "varsel_retention_runs_total %llu\n"
	    "# HELP varsel_retention_last_run_seconds When the last erasure "
	    "finished (0: none since the start).\n"
	    "# TYPE varsel_retention_last_run_seconds gauge\n"
	    "varsel_retention_last_run_seconds %lld\n",
	    (unsigned long long)rs.deliveries, (unsigned long long)rs.inbound,
	    (unsigned long long)rs.runs, (long long)(rs.last_at / 1000));
	return 0;
}
