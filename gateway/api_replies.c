/*
 * GET /v1/replies?phone=&limit=: the replies Varsel queued to a number
 * (answers to its inbound SMS), newest first. varselctl sim inbound shows
 * the gateway's answer with it. The inbound SMS webhook itself is in
 * webhooks.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "config.h"
#include "gateway.h"
#include "phone.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define REPLIES_DEFAULT	20
#define REPLIES_MAX	200

/* One reply as JSON, appended to the array. */
static int
reply_cb(const struct delivery *d, void *arg)
{
	json_t	*arr = arg, *o;
	char	 created[32];

	time_to_text(d->created_at, created, sizeof(created));
	o = json_pack("{sI ss ss ss ss}",
	    "id", (json_int_t)d->id,
	    "kind", d->kind,
	    "text", d->body != NULL ? d->body : "",
	    "state", dstate_name((enum dstate)d->state),
	    "created_at", created);
	if (o == NULL || json_array_append_new(arr, o) == -1)
		return -1;
	return 0;
}

/* GET /v1/replies?phone=+46...&limit=20 */
void
api_replies_list(struct api_req *r)
{
	const char	*phone = kvlist_get(&r->query, "phone");
	char		 e164[PHONE_MAX], why[128], given[64];
	int64_t		 limit;
	json_t		*arr;

	if (phone == NULL || *phone == '\0') {
		api_reply_errorf(r, 422, "invalid_field", "phone",
		    "phone is required");
		return;
	}
	/* An unencoded "+" arrives as a space. */
	if (strlcpy(given, phone, sizeof(given)) >= sizeof(given)) {
		api_reply_errorf(r, 422, "invalid_phone", "phone",
		    "too long");
		return;
	}
	if (given[0] == ' ')
		given[0] = '+';
	if (phone_normalize(given, r->gw->cfg->default_region, e164,
	    sizeof(e164), why, sizeof(why)) == -1) {
		api_reply_errorf(r, 422, "invalid_phone", "phone", "%s", why);
		return;
	}
	if (api_query_int(r, "limit", REPLIES_DEFAULT, 1, REPLIES_MAX,
	    &limit) == -1)
		return;
	if ((arr = json_array()) == NULL ||
	    store_replies_list(r->gw->store, e164, (int)limit, reply_cb,
	    arr) == -1) {
		json_decref(arr);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the replies could not be read");
		return;
	}
	api_reply_json(r, 200, json_pack("{so}", "replies", arr));
}
