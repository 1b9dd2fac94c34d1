/*
 * GET /v1/providers: how sending stands now, for the console's banner
 * and for whoever watches. Per channel: "ok" (its first provider takes
 * messages), "failover" (another does), "down" (none does: messages
 * wait in the queue) or "none" (no provider carries it); per provider,
 * by priority: its state (up, failing, silent, paused, down), until
 * when a pause or an open breaker lasts, and its requests open. Nothing
 * here is secret: names and types are the configuration's.
 */
#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "gateway.h"
#include "provider_conf.h"
#include "providers.h"
#include "types.h"
#include "util.h"

/* One provider as the answer lists it; NULL without memory. */
static json_t *
provider_json(const struct provider *p, int64_t now)
{
	enum provider_state	 st;
	json_t			*o, *ch;
	int64_t			 until;
	char			 at[32];

	st = provider_state(p, now, &until);
	if ((ch = json_array()) == NULL)
		return NULL;
	if (provider_carries(p, CH_SMS))
		json_array_append_new(ch, json_string("sms"));
	if (provider_carries(p, CH_VOICE))
		json_array_append_new(ch, json_string("voice"));
	o = json_pack("{ss ss si so ss si}", "name", p->conf->name,
	    "type", p->conf->type, "priority", p->conf->priority,
	    "channels", ch, "state", provider_state_name(st),
	    "inflight", p->inflight);
	if (o != NULL && until > 0) {
		time_to_text(until, at, sizeof(at));
		json_object_set_new(o, "until", json_string(at));
	}
	return o;
}

void
api_providers_list(struct api_req *r)
{
	struct providers	*ps = r->gw->providers;
	json_t			*list, *o;
	int64_t			 now = gw_now(r->gw);
	size_t			 i;

	if ((list = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < providers_count(ps); i++) {
		if ((o = provider_json(providers_at(ps, i), now)) == NULL ||
		    json_array_append_new(list, o) == -1) {
			json_decref(list);
			goto nomem;
		}
	}
	api_reply_json(r, 200, json_pack("{ss ss so}",
	    "sms", channel_state_name(providers_channel_state(ps, CH_SMS,
	    now)),
	    "voice", channel_state_name(providers_channel_state(ps, CH_VOICE,
	    now)),
	    "providers", list));
	return;
nomem:
	api_reply_errorf(r, 503, "unavailable", NULL, "out of memory");
}
