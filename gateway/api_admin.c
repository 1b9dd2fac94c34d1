/*
 * The rest of the API: contacts export, alert previews, purging old
 * personal data, and the rendered speech that providers fetch.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "alert.h"
#include "api.h"
#include "batch.h"
#include "config.h"
#include "fanout.h"
#include "gateway.h"
#include "media.h"
#include "store.h"
#include "types.h"

#define PURGE_MIN_S	86400		/* never purge the last day */
#define PURGE_MAX_S	(100LL * 365 * 86400)
#define MEDIA_MAX	(16 * 1024 * 1024)

struct contacts_page {
	struct api_req	*r;
	json_t		*arr;
	int		 n;
	int		 limit;
	char		 last[32];
};

/* One contact of the export page (the row past the limit marks "next"). */
static int
contact_cb(const struct contact *c, void *arg)
{
	struct contacts_page	*p = arg;
	json_t			*o, *groups, *channels;
	char			 masked[32];
	size_t			 i;

	if (p->n++ >= p->limit)
		return -1;
	strlcpy(p->last, c->phone, sizeof(p->last));
	groups = json_array();
	for (i = 0; i < c->ngroups; i++)
		json_array_append_new(groups, json_string(c->groups[i]));
	channels = json_array();
	if (c->channels & CH_SMS)
		json_array_append_new(channels, json_string("sms"));
	if (c->channels & CH_VOICE)
		json_array_append_new(channels, json_string("voice"));
	o = json_pack("{ss ss so so}", "phone", api_phone(p->r, c->phone,
	    masked, sizeof(masked)), "lang", c->lang, "groups", groups,
	    "channels", channels);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "name", c->name ? json_string(c->name) :
	    json_null());
	json_object_set_new(o, "area", c->area ? json_string(c->area) :
	    json_null());
	json_object_set_new(o, "lat", c->has_pos ? json_real(c->lat) :
	    json_null());
	json_object_set_new(o, "lon", c->has_pos ? json_real(c->lon) :
	    json_null());
	json_array_append_new(p->arr, o);
	return 0;
}

/*
 * GET /v1/contacts?limit=&after=&q=: q finds contacts by name, number or
 * group. A caller who sees numbers masked gets "more" instead of the
 * next page's number.
 */
void
api_contacts_list(struct api_req *r)
{
	struct contacts_page	 p;
	const char		*after = kvlist_get(&r->query, "after");
	const char		*q = kvlist_get(&r->query, "q");
	int64_t			 limit;
	json_t			*o;

	if (api_query_int(r, "limit", 500, 1, 5000, &limit) == -1)
		return;
	if (q != NULL && (*q == '\0' || strlen(q) > 64)) {
		api_reply_errorf(r, 422, "invalid_field", "q",
		    "q must be 1 to 64 bytes");
		return;
	}
	if (r->masked)
		after = NULL;	/* masked callers never saw a number */
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.arr = json_array();
	p.limit = (int)limit;
	batch_flush(r->gw->batch);
	if (store_contacts_list(r->gw->store, q, after ? after : "",
	    (int)limit + 1, contact_cb, &p) == -1 && p.n <= p.limit) {
		json_decref(p.arr);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not answer");
		return;
	}
	o = json_pack("{so}", "contacts", p.arr);
	if (o != NULL && p.n > p.limit)
		json_object_set_new(o, r->masked ? "more" : "next", r->masked ?
		    json_true() : json_string(p.last));
	api_reply_json(r, 200, o);
}

/* POST /v1/preview: an alert rendered, counted, not stored or sent. */
void
api_preview(struct api_req *r)
{
	struct api_error	 err;
	struct alert_req	 req;
	json_t			*root, *out = NULL;
	int			 rc;

	if ((root = api_body_json(r, &err)) == NULL) {
		api_reply_error(r, &err);
		return;
	}
	/* A preview needs no idempotency key. */
	if (json_is_object(root) && json_object_get(root, "source_ref") == NULL)
		json_object_set_new(root, "source_ref", json_string("preview"));
	rc = alert_parse(root, r->gw->cfg->default_region, &req, &err);
	json_decref(root);
	if (rc == -1) {
		api_reply_error(r, &err);
		return;
	}
	rc = fanout_preview(r->gw, &req, &out, &err);
	alert_req_clear(&req);
	if (rc == -1)
		api_reply_error(r, &err);
	else
		api_reply_json(r, 200, out);
}

/* POST /v1/admin/purge {"older_than_s": N} */
void
api_purge(struct api_req *r)
{
	struct api_error	 err;
	json_t			*root, *v;
	int64_t			 n = 0, older;

	if ((root = api_body_json(r, &err)) == NULL) {
		api_reply_error(r, &err);
		return;
	}
	v = json_object_get(root, "older_than_s");
	if (!json_is_object(root) || !json_is_integer(v) ||
	    json_object_size(root) != 1) {
		json_decref(root);
		api_reply_errorf(r, 400, "invalid_json", "older_than_s",
		    "the body must be {\"older_than_s\": seconds}");
		return;
	}
	older = json_integer_value(v);
	json_decref(root);
	if (older < PURGE_MIN_S || older > PURGE_MAX_S) {
		api_reply_errorf(r, 422, "invalid_field", "older_than_s",
		    "older_than_s must be from %d (a day) to %lld (a century)",
		    PURGE_MIN_S, PURGE_MAX_S);
		return;
	}
	batch_flush(r->gw->batch);
	if (store_begin(r->gw->store, true) == -1 ||
	    store_purge(r->gw->store, gw_now(r->gw) - older * 1000, &n) == -1 ||
	    api_audit(r, "data.purged", 0, NULL, json_pack("{sI sI}",
	    "older_than_s", (json_int_t)older, "deliveries",
	    (json_int_t)n)) == -1 || store_commit(r->gw->store) == -1) {
		store_rollback(r->gw->store);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the database did not take the purge");
		return;
	}
	api_reply_json(r, 200, json_pack("{sI sI}", "deliveries",
	    (json_int_t)n, "older_than_s", (json_int_t)older));
}

/* GET /media/<id>.wav: speech rendered for a call. */
void
api_media(struct api_req *r)
{
	struct evbuffer			*buf;
	struct evbuffer_file_segment	*seg;
	struct stat			 st;
	char				 path[4096];
	int				 fd, rc;

	if (r->gw->media == NULL ||
	    media_path(r->gw->media, r->params[0], path, sizeof(path)) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		api_reply_errorf(r, 404, "not_found", NULL, "no such media");
		return;
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0 || st.st_size > MEDIA_MAX ||
	    (buf = evbuffer_new()) == NULL) {
		close(fd);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the media file cannot be read");
		return;
	}
	/*
	 * The segment owns the descriptor from here (closes it when freed);
	 * if it cannot be made, the descriptor is still ours.
	 */
	if ((seg = evbuffer_file_segment_new(fd, 0, st.st_size,
	    EVBUF_FS_CLOSE_ON_FREE)) == NULL)
		close(fd);
	rc = seg != NULL ? evbuffer_add_file_segment(buf, seg, 0, -1) : -1;
	if (seg != NULL)
		evbuffer_file_segment_free(seg);	/* buf holds a ref */
	if (rc == -1) {
		evbuffer_free(buf);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the media file cannot be read");
		return;
	}
	api_add_header(r, "Cache-Control", "public, max-age=86400, immutable");
	api_reply_buffer(r, 200, "audio/wav", buf);
	evbuffer_free(buf);
}
