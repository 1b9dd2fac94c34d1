/*
 * Fan-out: audience resolution (explicit numbers and groups, each number
 * once), suppression (opt-outs, channels the contact refuses, fixed lines
 * for SMS), the texts per language (fanout_text.c), and the batched
 * insert of the alert and its deliveries in one durable transaction.
 *
 * An alert that must wait goes behind its gate (store.h): posted with a
 * future send_at it is scheduled and only counted now, its audience
 * resolved from the kept request when it is released (fanout_release);
 * posted in quiet hours (minor, moderate) its deliveries are made held.
 * A call-out chain's later steps fan out from the kept request too
 * (fanout_step), asking only numbers the alert has not asked yet.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "config.h"
#include "dispatch.h"
#include "fanout.h"
#include "fanout_priv.h"
#include "gateway.h"
#include "log.h"
#include "providers.h"
#include "refdata.h"
#include "sms.h"
#include "store.h"
#include "template.h"
#include "types.h"
#include "tz.h"
#include "util.h"

/*
 * Bytes of a text kept in each delivery row; longer texts are stored
 * once per fan-out (body_of). A row's other fields take about as much.
 */
#define BODY_INLINE_MAX	100

static int	phoneset_add(struct phoneset *, const char *);
static void	phoneset_free(struct phoneset *);
static int	add_recipient(const struct recipient *, void *);
static int	put_delivery(struct fanout *, struct delivery *);
static int	body_of(struct fanout *, struct rendered *,
		    struct delivery *);
static int	unavailable(struct fanout *, const char *);
static int	check_request(struct fanout *);
static char	*answer_json(struct fanout *);
static int	add_shape(struct fanout *, const struct alert_shape *);
static int	resolve(struct fanout *);
static int	gate_of(struct fanout *);
static int64_t	eta_of(struct fanout *);
static void	gate_time_json(struct fanout *, json_t *);
static int	first_step(struct fanout *);
static int	stored_request(struct gw *, const struct alert_row *,
		    struct alert_req *, char *, size_t);

/* FNV-1a, good enough for phone numbers. */
static uint64_t
phone_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Add a number; 1 if it was new, 0 if already there, -1 on no memory. */
static int
phoneset_add(struct phoneset *set, const char *phone)
{
	size_t	i;

	if (set->n * 2 >= set->cap) {
		struct phoneset	 bigger = { NULL, set->cap ? set->cap * 2 : 1024,
				    0 };

		if ((bigger.slot = calloc(bigger.cap, PHONE_MAX)) == NULL)
			return -1;
		for (i = 0; i < set->cap; i++)
			if (set->slot[i][0] != '\0')
				phoneset_add(&bigger, set->slot[i]);
		free(set->slot);
		*set = bigger;
	}
	for (i = phone_hash(phone) & (set->cap - 1); set->slot[i][0] != '\0';
	    i = (i + 1) & (set->cap - 1))
		if (strcmp(set->slot[i], phone) == 0)
			return 0;
	strlcpy(set->slot[i], phone, PHONE_MAX);
	set->n++;
	return 1;
}

static void
phoneset_free(struct phoneset *set)
{
	free(set->slot);
	memset(set, 0, sizeof(*set));
}

/* Can the recipient's number take SMS? Stored for contacts, else asked. */
static bool
takes_sms(const struct recipient *rc)
{
	if (rc->sms_cap != SMS_CAP_UNKNOWN)
		return rc->sms_cap == SMS_CAP_YES;
	return phone_is_mobile(rc->phone);
}

/* The fan-out fails for a passing reason (503): always -1. */
static int
unavailable(struct fanout *f, const char *why)
{
	api_error_set(f->err, 503, "unavailable", NULL, "%s", why);
	f->failed = true;
	return -1;
}

/*
 * Where d's text goes: a text longer than BODY_INLINE_MAX is stored once
 * for the fan-out (bodies, schema 9) and d points at it; a short one is
 * cheaper in the row than a lookup each time the row is read. 0 or -1.
 */
static int
body_of(struct fanout *f, struct rendered *r, struct delivery *d)
{
	if (r->body_id == 0) {
		if (strlen(r->text) <= BODY_INLINE_MAX)
			return 0;
		if (store_body_insert(f->gw->store, f->alert_id, r->text,
		    &r->body_id) == -1)
			return -1;
	}
	d->body_id = r->body_id;
	return 0;
}

/*
 * Write d: many rows to a statement (store_delivery_add), but for a
 * chain's later step, which reads the rows at each number and would
 * have them written one at a time anyway.
 */
static int
put_delivery(struct fanout *f, struct delivery *d)
{
	if (f->skip_known)
		return store_delivery_insert(f->gw->store, d);
	return store_delivery_add(f->gw->store, d);
}

/* One person: a delivery per requested channel (or one suppressed row). */
static int
add_recipient(const struct recipient *rc, void *arg)
{
	struct fanout		*f = arg;
	const struct rendered	*text;
	struct delivery		 d;
	unsigned int		 ch;
	int			 added, known;
	bool			 reached = false, texted = false;

	if ((added = phoneset_add(&f->seen, rc->phone)) <= 0)
		return added == -1 ? unavailable(f, "out of memory") : 0;
	/* A later step of a chain asks only those not asked before. */
	if (f->skip_known && (known = store_alert_has_phone(f->gw->store,
	    f->alert_id, rc->phone)) != STORE_NOTFOUND)
		return known == -1 ? unavailable(f, "the database did not "
		    "answer") : 0;
	for (ch = CH_SMS; ch <= CH_VOICE; ch <<= 1) {
		if (!(f->req->channels & ch))
			continue;
		if ((text = fanout_text_for(f, rc->lang, ch)) == NULL) {
			f->failed = true;
			return -1;
		}
		memset(&d, 0, sizeof(d));
		d.alert_id = f->alert_id;
		strlcpy(d.phone, rc->phone, sizeof(d.phone));
		d.channel = (int)ch;
		strlcpy(d.lang, rc->lang, sizeof(d.lang));
		d.body = text->text;
		d.state = DS_QUEUED;
		d.priority = f->req->severity;
		d.segments = (int)text->info.segments;
		d.next_at = f->now;
		d.created_at = f->now;
		d.expires_at = f->expires_at;
		d.step = f->step;
		if (strcmp(f->req->status, "actual") != 0)
			d.reason = (char *)f->req->status; /* test, exercise */
		else if (store_optout_has(f->gw->store, rc->phone))
			d.reason = "opted_out";
		else if (!(rc->channels & ch))
			d.reason = "channel_not_allowed";
		else if (ch == CH_SMS && !takes_sms(rc))
			d.reason = "not_mobile";
		if (d.reason != NULL) {
			d.state = DS_SUPPRESSED;
			f->suppressed++;
		} else {
			reached = true;
			texted |= ch == CH_SMS;
			f->own_segments += d.segments;
			/* Behind the gate until the alert is released. */
			if (f->gate == GATE_HELD) {
				d.state = DS_HELD;
				d.expires_at = 0;
			}
		}
		if (f->dry_run) {
			f->per_text[text - f->texts]++;
			if (d.reason != NULL)
				f->per_text_suppressed[text - f->texts]++;
		} else if (body_of(f, &f->texts[text - f->texts], &d) == -1 ||
		    put_delivery(f, &d) == -1)
			return unavailable(f, "the database did not take the "
			    "deliveries");
		f->recipients++;
	}
	if (reached)
		f->people++;
	/* An SMS that goes unanswered is called: not if calls are refused
	 * (ESCALATION_WHERE, store_deliveries.c). Said before it is sent. */
	if (texted && f->req->escalate_after_s > 0 &&
	    !(rc->channels & CH_VOICE))
		f->uncallable++;
	return 0;
}

/*
 * For an alert that calls those who do not answer its SMS: how many of
 * its people refuse calls, so the escalation will not reach them
 * ("uncallable", in the 202 and the preview).
 */
static void
uncallable_json(const struct fanout *f, json_t *o)
{
	if (f->req->escalate_after_s > 0)
		json_object_set_new(o, "uncallable",
		    json_integer(f->uncallable));
}

/* Is p inside the shape? */
static bool
in_shape(const struct alert_shape *sh, struct geo_point p)
{
	if (sh->is_circle)
		return geo_in_circle(p, sh->centre, sh->radius_m);
	return geo_in_polygon(sh->vertices, sh->nvertices, p);
}

struct shape_ctx {
	struct fanout			*f;
	const struct alert_shape	*sh;
};

/* A contact with coordinates in the box: in the shape itself? */
static int
shape_contact_cb(const struct recipient *rc, double lat, double lon,
    void *arg)
{
	struct shape_ctx	*c = arg;
	struct geo_point	 p = { lat, lon };

	if (!in_shape(c->sh, p))
		return 0;
	return add_recipient(rc, c->f);
}

/*
 * Everyone in a circle or polygon: contacts by their own coordinates,
 * and contacts without coordinates by the centre of their area.
 */
static int
add_shape(struct fanout *f, const struct alert_shape *sh)
{
	struct shape_ctx	 c = { f, sh };
	const struct refdata	*rd = f->gw->refdata;
	double			 lat0, lat1, lon0, lon1, dlat, dlon;
	size_t			 i;

	if (sh->is_circle) {
		/* Metres per degree; the box is a little larger than the
		 * circle, the exact test follows. */
		dlat = sh->radius_m / 111000.0 * 1.01;
		dlon = dlat / fmax(cos(sh->centre.lat * M_PI / 180), 0.01);
		lat0 = sh->centre.lat - dlat;
		lat1 = sh->centre.lat + dlat;
		lon0 = sh->centre.lon - dlon;
		lon1 = sh->centre.lon + dlon;
	} else {
		lat0 = lat1 = sh->vertices[0].lat;
		lon0 = lon1 = sh->vertices[0].lon;
		for (i = 1; i < sh->nvertices; i++) {
			lat0 = fmin(lat0, sh->vertices[i].lat);
			lat1 = fmax(lat1, sh->vertices[i].lat);
			lon0 = fmin(lon0, sh->vertices[i].lon);
			lon1 = fmax(lon1, sh->vertices[i].lon);
		}
	}
	if (store_contacts_in_box(f->gw->store, lat0, lat1, lon0, lon1,
	    shape_contact_cb, &c) == -1)
		return -1;
	for (i = 0; rd != NULL && i < rd->nareas && !f->failed; i++)
		if (in_shape(sh, rd->areas[i].pos) &&
		    store_area_members_nopos(f->gw->store, rd->areas[i].code,
		    add_recipient, f) == -1)
			return -1;
	return 0;
}

/* Everything that can be refused before a row is written. */
static int
check_request(struct fanout *f)
{
	const struct alert_req	*req = f->req;
	struct gw		*gw = f->gw;
	size_t			 i;
	char			 field[64];

	if (req->template != NULL &&
	    !templates_has(gw->templates, req->template, "sms"))
		return api_error_set(f->err, 422, "unknown_template",
		    "template", "no template '%.64s'", req->template);
	if ((req->channels & CH_VOICE) &&
	    !providers_can(gw->providers, CH_VOICE))
		return api_error_set(f->err, 422, "invalid_field", "channels",
		    "no configured provider can place voice calls");
	if (req->escalate_after_s > 0 && !providers_can(gw->providers, CH_VOICE))
		return api_error_set(f->err, 422, "invalid_field",
		    "escalate_after_s",
		    "escalation needs a provider that can place voice calls");
	for (i = 0; i < req->ngroups; i++) {
		int	rc = store_group_exists(gw->store, req->groups[i]);

		snprintf(field, sizeof(field), "audience.groups[%zu]", i);
		if (rc == STORE_NOTFOUND)
			return api_error_set(f->err, 422, "invalid_field",
			    field, "unknown group '%.64s'", req->groups[i]);
		if (rc == -1)
			return api_error_set(f->err, 503, "unavailable", NULL,
			    "the database did not answer");
	}
	/* Render in the request's language now: a missing variable fails here. */
	if ((req->channels & CH_SMS) && fanout_text_for(f, req->lang, CH_SMS) == NULL)
		return -1;
	if ((req->channels & CH_VOICE) &&
	    fanout_text_for(f, req->lang, CH_VOICE) == NULL)
		return -1;
	return 0;
}

/*
 * Seconds until the last of the alert's messages is handed to a
 * provider: the queue ahead of it at the providers' rate (gated: its own
 * part, counted from the release). f->own_segments must be counted.
 */
static int64_t
eta_of(struct fanout *f)
{
	double	rate = providers_rate(f->gw->providers, CH_SMS);
	int64_t	segments = 0;

	if (f->gate != GATE_OPEN)
		segments = f->own_segments;
	else if (store_queue_depth(f->gw->store, f->req->severity,
	    &segments) == -1)
		segments = 0;
	else if (f->dry_run)
		segments += f->own_segments;	/* not in the queue yet */
	return rate > 0 ? (int64_t)ceil((double)segments / rate) : 0;
}

/* When a gated alert opens by itself: send_at or held_until. */
static void
gate_time_json(struct fanout *f, json_t *o)
{
	char	at[32];

	if (f->gate == GATE_OPEN || f->release_at == 0)
		return;		/* approval: when someone approves */
	time_to_text(f->release_at, at, sizeof(at));
	json_object_set_new(o, f->gate == GATE_SCHEDULED ? "send_at" :
	    "held_until", json_string(at));
}

/* The 202 body. */
static char *
answer_json(struct fanout *f)
{
	json_t		*o;
	char		*s, url[64];
	int64_t		 eta = eta_of(f);

	snprintf(url, sizeof(url), "/v1/alerts/%lld", (long long)f->alert_id);
	o = json_pack("{sI ss ss si si si si ss sI ss}",
	    "id", (json_int_t)f->alert_id,
	    "source_ref", f->req->source_ref,
	    "state", f->gate != GATE_OPEN ? alert_gate_name(f->gate) :
	    f->recipients > f->suppressed ? "dispatching" : "done",
	    "recipients", f->recipients,
	    "people", f->people,
	    "suppressed", f->suppressed,
	    "segments", f->worst_segments,
	    "encoding", sms_encoding_name(f->worst_encoding),
	    "eta_s", (json_int_t)eta,
	    "status_url", url);
	if (o == NULL)
		return NULL;
	uncallable_json(f, o);
	gate_time_json(f, o);
	if (f->req->need > 0)
		json_object_set_new(o, "need", json_integer(f->req->need));
	if (f->transliterated)
		json_object_set_new(o, "transliterated", json_true());
	if (strcmp(f->req->status, "actual") != 0)
		json_object_set_new(o, "status", json_string(f->req->status));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* A fan-out of req: its variables with the emergency number added. */
static void
fanout_init(struct fanout *f, struct gw *gw, const struct alert_req *req,
    struct api_error *err)
{
	size_t	i;

	memset(f, 0, sizeof(*f));
	f->gw = gw;
	f->req = req;
	f->err = err;
	f->now = gw_now(gw);
	/* Nothing waits for ever: a provider outage of a day is no passing
	 * failure any more. */
	if (req->expires_in_s > 0)
		f->expires_in_s = req->expires_in_s;
	else if (gw->cfg->default_expires_s > 0)
		f->expires_in_s = gw->cfg->default_expires_s;
	if (f->expires_in_s > 0)
		f->expires_at = f->now + f->expires_in_s * 1000;
	f->worst_encoding = SMS_GSM7;
	f->prompt = req->ack && req->message != NULL &&
	    !fanout_text_asks(req->message) &&
	    templates_has(gw->templates, ANSWER_PROMPT, "sms");
	/* The duty number is for help texts only: no alert may name it. */
	f->vars = xcalloc(req->nvars + 1, sizeof(*f->vars));
	for (i = 0; i < req->nvars; i++)
		f->vars[i] = req->vars[i];
	f->vars[req->nvars].name = "emergency_number";
	f->vars[req->nvars].value = gw->cfg->emergency_number;
	f->nvars = req->nvars + 1;
}

/* What fanout_init and the rendering allocated. */
static void
fanout_clear(struct fanout *f)
{
	size_t	i;

	for (i = 0; i < f->ntexts; i++)
		free(f->texts[i].text);
	free(f->vars);
	phoneset_free(&f->seen);
}

/* Add the stored answer's "duplicate": true. */
static char *
duplicate_answer(const char *stored)
{
	json_t	*o = json_loads(stored, 0, NULL);
	char	*s;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "duplicate", json_true());
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/*
 * Where the alert waits: scheduled until send_at (at most 30 days ahead;
 * a little in the past is now), held until quiet hours end (minor and
 * moderate, unless the request says "ignore"), else open. -1 with err.
 */
static int
gate_of(struct fanout *f)
{
	const struct alert_req	*req = f->req;
	const struct config	*cfg = f->gw->cfg;
	int64_t			 end;

	f->gate = GATE_OPEN;
	if (req->send_at != 0) {
		if (req->send_at < f->now - ALERT_SEND_AT_PAST_S * 1000LL)
			return api_error_set(f->err, 422, "invalid_field",
			    "send_at", "send_at is more than %d minutes in the "
			    "past", ALERT_SEND_AT_PAST_S / 60);
		if (req->send_at > f->now + ALERT_MAX_SEND_AHEAD_S * 1000LL)
			return api_error_set(f->err, 422, "invalid_field",
			    "send_at", "send_at is at most %d days ahead",
			    ALERT_MAX_SEND_AHEAD_S / 86400);
		if (req->send_at > f->now) {
			/* The time was chosen: quiet hours do not move it. */
			f->gate = GATE_SCHEDULED;
			f->release_at = req->send_at;
			return 0;
		}
	}
	if (!req->quiet_ignore && (req->severity == SEV_MODERATE ||
	    req->severity == SEV_MINOR) && strcmp(req->status, "actual") == 0 &&
	    cfg->tz != NULL && (end = tz_window_end(cfg->tz,
	    &cfg->quiet_hours, f->now)) > 0) {
		f->gate = GATE_HELD;
		f->release_at = end;
	}
	return 0;
}

/* Step 0 of the alert (who was asked first, and when: 0 while gated). */
static int
first_step(struct fanout *f)
{
	struct alert_step	p;

	memset(&p, 0, sizeof(p));
	p.started_at = f->gate == GATE_OPEN ? f->now : 0;
	p.recipients = f->recipients;
	p.people = f->people;
	return store_alert_step_insert(f->gw->store, f->alert_id, &p);
}

int
fanout_alert(struct gw *gw, const struct alert_req *req, const char *client,
    char **response, struct api_error *err)
{
	struct fanout_who	who = { client, false, NULL, -1, false };

	return fanout_alert_by(gw, req, &who, response, err);
}

/* What the audit row of a new alert says of it. */
static char *
audit_detail(const struct fanout *f)
{
	const struct alert_req	*req = f->req;
	json_t			*o, *groups = json_array();
	json_t			*areas = json_array();
	char			*s;
	size_t			 i;

	for (i = 0; i < req->ngroups; i++)
		json_array_append_new(groups, json_string(req->groups[i]));
	for (i = 0; i < req->nareas; i++)
		json_array_append_new(areas, json_string(req->areas[i]));
	o = json_pack("{ss ss si si si so so si}",
	    "source_ref", req->source_ref,
	    "severity", severity_name((enum severity)req->severity),
	    "recipients", f->recipients, "suppressed", f->suppressed,
	    "contacts", (int)req->ncontacts, "groups", groups,
	    "areas", areas, "shapes", (int)req->nshapes);
	if (o != NULL && req->template != NULL)
		json_object_set_new(o, "template", json_string(req->template));
	if (o != NULL && req->message != NULL)
		json_object_set_new(o, "message", json_string(req->message));
	if (o != NULL && f->approval != NULL)
		json_object_set_new(o, "approval", json_string(f->approval));
	/* The text as the request's language reads it (rendered first). */
	if (o != NULL && f->ntexts > 0)
		json_object_set_new(o, "text", json_string(f->texts[0].text));
	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

int
fanout_alert_by(struct gw *gw, const struct alert_req *req,
    const struct fanout_who *who, char **response, struct api_error *err)
{
	const char		*client = who->name;
	struct fanout		 f;
	struct alert_row	 a, prev;
	json_t			*chain;
	char			*chain_text = NULL;
	char			*detail = NULL, ref[300];
	int			 rc = -1, found;

	*response = NULL;
	batch_flush(gw->batch);
	memset(&prev, 0, sizeof(prev));
	found = store_alert_find_ref(gw->store, client, req->source_ref, &prev);
	if (found == 0) {
		if (strcmp(prev.body_hash, req->body_hash) != 0)
			rc = api_error_set(err, 409, "conflict", "source_ref",
			    "source_ref '%.64s' was used for another alert "
			    "(id %lld)", req->source_ref, (long long)prev.id);
		else if ((*response = duplicate_answer(prev.response ?
		    prev.response : "{}")) != NULL)
			rc = FANOUT_DUPLICATE;
		alert_row_clear(&prev);
		return rc;
	}
	if (found == -1)
		return api_error_set(err, 503, "unavailable", NULL,
		    "the database did not answer");

	fanout_init(&f, gw, req, err);
	if (check_request(&f) == -1 || gate_of(&f) == -1)
		goto out;
	/* Scheduled: counted now, fanned out from the request at send_at. */
	f.dry_run = f.gate == GATE_SCHEDULED;
	if ((chain = alert_chain_json(req, 0)) != NULL) {
		chain_text = json_dumps(chain, JSON_COMPACT);
		json_decref(chain);
	}

	memset(&a, 0, sizeof(a));
	a.client = (char *)client;
	a.source_ref = req->source_ref;
	a.body_hash = (char *)req->body_hash;
	a.type = req->type;
	a.severity = req->severity;
	a.template = req->template;
	a.lang = (char *)req->lang;
	a.ack = req->ack;
	a.callback_url = req->callback_url;
	a.created_at = f.now;
	a.escalate_after_s = req->escalate_after_s;
	a.status = (char *)req->status;
	a.gate = f.gate;
	a.release_at = f.release_at;
	a.expires_in_s = f.expires_in_s;
	a.expires_at = f.gate == GATE_OPEN ? f.expires_at : 0;
	a.need = req->need;
	a.chain = chain_text;
	a.chain_after_s = req->chain_after_s;
	a.chain_next_at = f.gate == GATE_OPEN && chain_text != NULL ?
	    f.now + req->chain_after_s * 1000 : 0;
	/* What fans out later comes from the request as posted. */
	if (f.gate == GATE_SCHEDULED || chain_text != NULL)
		a.request = req->canon;
	a.by_user = who->user;
	/* Rendered by check_request: the request's own language first. */
	a.text = f.ntexts > 0 ? f.texts[0].text : NULL;

	if (store_begin(gw->store, true) == -1) {
		api_error_set(err, 503, "unavailable", NULL,
		    "the database is not writable");
		goto out;
	}
	if (store_alert_insert(gw->store, &a) == -1) {
		api_error_set(err, 503, "unavailable", NULL,
		    "the database did not take the alert");
		goto rollback;
	}
	f.alert_id = a.id;

	if (resolve(&f) == -1) {
		if (!f.failed)
			api_error_set(err, 503, "unavailable", NULL,
			    "the database did not answer");
		goto rollback;
	}
	if (f.recipients == 0) {
		api_error_set(err, 422, "empty_audience", "audience",
		    "the audience has no members");
		goto rollback;
	}
	if (fanout_keep_voice_texts(&f) == -1)
		goto rollback;
	if (!f.dry_run && first_step(&f) == -1) {
		api_error_set(err, 503, "unavailable", NULL,
		    "the database did not take the alert");
		goto rollback;
	}
	/*
	 * Four eyes: a console user's alert to many, or to residents,
	 * waits behind the approval gate, decided now that its recipients
	 * are counted (an extreme one from an approver goes: life first).
	 */
	if (who->approval_over >= 0 && f.recipients > f.suppressed &&
	    (f.recipients - f.suppressed > who->approval_over ||
	    fanout_to_residents(req))) {
		if (req->severity == SEV_EXTREME && who->extreme_goes)
			f.approval = "skipped_extreme";
		else if (f.gate == GATE_SCHEDULED) {
			api_error_set(err, 422, "invalid_field", "send_at",
			    "an alert that needs a second person's approval "
			    "cannot be scheduled from the console; send it "
			    "now, for approval");
			goto rollback;
		} else {
			f.approval = "awaiting";
			f.gate = GATE_APPROVAL;
			if (store_alert_hold(gw->store, f.alert_id,
			    f.gate) == -1) {
				api_error_set(err, 503, "unavailable", NULL,
				    "the database did not take the alert");
				goto rollback;
			}
		}
	}
	if ((*response = answer_json(&f)) == NULL ||
	    store_alert_set_response(gw->store, f.alert_id, *response) == -1 ||
	    store_alert_set_summary(gw->store, f.alert_id, f.recipients,
	    f.suppressed, f.worst_segments,
	    sms_encoding_name(f.worst_encoding), f.people) == -1 ||
	    store_alert_set_uncallable(gw->store, f.alert_id, f.uncallable,
	    false) == -1) {
		api_error_set(err, 503, "unavailable", NULL,
		    "the database did not take the alert");
		goto rollback;
	}
	if (who->audit != NULL) {
		who->audit->alert_id = f.alert_id;
		who->audit->detail = detail = audit_detail(&f);
		if (store_audit_append(gw->store, who->audit) == -1) {
			api_error_set(err, 503, "unavailable", NULL,
			    "the database did not take the alert's audit row");
			goto rollback;
		}
	}
	if (store_commit(gw->store) == -1) {
		api_error_set(err, 503, "unavailable", NULL,
		    "the database could not commit the alert");
		goto out;
	}
	log_info("alert=%lld evt=accepted client=%s source_ref=%s "
	    "severity=%s recipients=%d people=%d suppressed=%d segments=%d"
	    "%s%s uncallable=%d",
	    (long long)f.alert_id, client,
	    log_value(ref, sizeof(ref), req->source_ref),
	    severity_name(req->severity), f.recipients, f.people, f.suppressed,
	    f.worst_segments, f.gate != GATE_OPEN ? " gate=" : "",
	    f.gate != GATE_OPEN ? alert_gate_name(f.gate) : "", f.uncallable);
	if (f.gate == GATE_OPEN)
		dispatch_kick(gw->dispatch);
	rc = FANOUT_NEW;
	goto out;
rollback:
	store_rollback(gw->store);
out:
	if (rc == -1) {
		free(*response);
		*response = NULL;
	}
	free(chain_text);
	if (who->audit != NULL)
		who->audit->detail = NULL;
	free(detail);
	fanout_clear(&f);
	return rc;
}

/*
 * The request an alert keeps (scheduled, chained) parsed again; -1 with
 * why (it was valid when posted: a changed default_region could break
 * a number, say).
 */
static int
stored_request(struct gw *gw, const struct alert_row *a,
    struct alert_req *req, char *why, size_t whylen)
{
	struct api_error	 err;
	json_t			*root;

	memset(req, 0, sizeof(*req));
	if (a->request == NULL ||
	    (root = json_loads(a->request, 0, NULL)) == NULL) {
		snprintf(why, whylen, "the alert kept no request");
		return -1;
	}
	if (alert_parse(root, gw->cfg->default_region, req, &err) == -1) {
		snprintf(why, whylen, "%s: %s", err.code, err.message);
		json_decref(root);
		return -1;
	}
	json_decref(root);
	return 0;
}

int
fanout_release(struct gw *gw, const struct alert_row *a, char *why,
    size_t whylen, int *recipients)
{
	struct fanout		 f;
	struct api_error	 err;
	struct alert_req	 req;
	int			 n = 0, rc = -1;
	bool			 broken;

	*recipients = 0;
	why[0] = '\0';
	memset(&err, 0, sizeof(err));
	broken = stored_request(gw, a, &req, why, whylen) == -1;
	fanout_init(&f, gw, &req, &err);
	f.alert_id = a->id;
	f.expires_in_s = a->expires_in_s;
	f.expires_at = a->expires_in_s > 0 ? f.now + a->expires_in_s * 1000 :
	    0;
	batch_flush(gw->batch);
	if (store_begin(gw->store, false) == -1)
		goto out;
	/* The audience of this moment: the contacts there are now. */
	if (!broken && (check_request(&f) == -1 || resolve(&f) == -1 ||
	    fanout_keep_voice_texts(&f) == -1)) {
		if (err.status == 0 || err.status == 503)
			goto rollback;		/* the database: next time */
		snprintf(why, whylen, "%s: %s", err.code, err.message);
		store_rollback(gw->store);
		if (store_begin(gw->store, false) == -1)
			goto out;
		broken = true;
		f.recipients = f.suppressed = f.people = 0;
	}
	if (!broken && f.recipients == 0)
		snprintf(why, whylen, "the audience had no members at send_at");
	if (first_step(&f) == -1 ||
	    store_alert_set_summary(gw->store, a->id, f.recipients,
	    f.suppressed, f.worst_segments, sms_encoding_name(
	    f.worst_encoding), f.people) == -1 ||
	    store_alert_set_uncallable(gw->store, a->id, f.uncallable,
	    false) == -1 ||
	    (why[0] != '\0' && store_alert_set_error(gw->store, a->id,
	    why) == -1))
		goto rollback;
	switch (store_alert_release(gw->store, a->id, f.now, &n)) {
	case 0:
		break;
	case STORE_NOTFOUND:	/* cancelled meanwhile: nothing goes */
		rc = 0;
		goto rollback;
	default:
		goto rollback;
	}
	if (store_commit(gw->store) == 0) {
		*recipients = f.recipients;
		rc = 0;
	}
	goto out;
rollback:
	store_rollback(gw->store);
out:
	alert_req_clear(&req);
	fanout_clear(&f);
	return rc;
}

int
fanout_step(struct gw *gw, const struct alert_row *a, struct fanout_step *out,
    char *why, size_t whylen)
{
	struct fanout		 f;
	struct api_error	 err;
	struct alert_req	 req;
	struct alert_step	 p;
	json_t			*rest = NULL, *aud = NULL;
	char			*rest_text = NULL, *aud_text = NULL;
	size_t			 k = (size_t)a->step;	/* chain[k] is next */
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (stored_request(gw, a, &req, why, whylen) == -1) {
		/* Never asked again: the chain ends here. */
		fanout_init(&f, gw, &req, &err);
		if (store_alert_step(gw->store, a->id, a->step, NULL, 0, 0, 0,
		    0) == 0 && store_alert_set_error(gw->store, a->id,
		    why) == 0)
			rc = 0;
		goto out;
	}
	if ((aud = alert_chain_json(&req, k)) != NULL) {
		aud_text = json_dumps(json_array_get(aud, 0), JSON_COMPACT);
		rest = alert_chain_json(&req, k + 1);
		rest_text = rest != NULL ? json_dumps(rest, JSON_COMPACT) :
		    NULL;
	}
	alert_req_use_step(&req, k);
	memset(&err, 0, sizeof(err));
	fanout_init(&f, gw, &req, &err);
	f.alert_id = a->id;
	f.step = (int)k + 1;
	f.skip_known = true;
	f.expires_at = a->expires_at;	/* the alert's, not a new one */
	batch_flush(gw->batch);
	if (store_begin(gw->store, false) == -1)
		goto out;
	if (aud != NULL && (check_request(&f) == -1 || resolve(&f) == -1 ||
	    fanout_keep_voice_texts(&f) == -1)) {
		if (err.status == 0 || err.status == 503)
			goto rollback;
		/* A group gone since: this step asks nobody, the next may. */
		snprintf(why, whylen, "step %d: %s: %s", f.step, err.code,
		    err.message);
		store_rollback(gw->store);
		if (store_begin(gw->store, false) == -1)
			goto out;
		f.recipients = f.suppressed = f.people = 0;
	}
	memset(&p, 0, sizeof(p));
	p.step = f.step;
	p.started_at = f.now;
	p.recipients = f.recipients;
	p.people = f.people;
	p.audience = aud_text;
	if (store_alert_step_insert(gw->store, a->id, &p) == -1 ||
	    store_alert_step(gw->store, a->id, f.step, rest_text,
	    rest_text != NULL ? f.now + a->chain_after_s * 1000 : 0,
	    f.recipients, f.suppressed, f.people) == -1 ||
	    (f.uncallable > 0 && store_alert_set_uncallable(gw->store, a->id,
	    f.uncallable, true) == -1) ||
	    (why[0] != '\0' && store_alert_set_error(gw->store, a->id,
	    why) == -1))
		goto rollback;
	if (store_commit(gw->store) == -1)
		goto out;
	out->step = f.step;
	out->recipients = f.recipients;
	out->people = f.people;
	out->suppressed = f.suppressed;
	out->last = rest_text == NULL;
	rc = 0;
	goto out;
rollback:
	store_rollback(gw->store);
out:
	fanout_clear(&f);
	alert_req_clear(&req);
	json_decref(aud);
	json_decref(rest);
	free(aud_text);
	free(rest_text);
	return rc;
}

bool
fanout_to_residents(const struct alert_req *req)
{
	size_t	i;

	if (req->nareas > 0)
		return true;
	for (i = 0; i < req->ngroups; i++)
		if (strcmp(req->groups[i], RESIDENTS_GROUP) == 0)
			return true;
	return false;
}

/* Resolve the audience of req into f without writing (f->dry_run). */
static int
resolve(struct fanout *f)
{
	const struct alert_req	*req = f->req;
	struct gw		*gw = f->gw;
	size_t			 i;

	for (i = 0; i < req->ncontacts && !f->failed; i++) {
		struct recipient	r = { req->contacts[i], NULL, CH_ALL,
						    SMS_CAP_UNKNOWN };
		char			lang[8];
		unsigned int		channels;
		enum sms_cap		cap;
		int			c;

		if ((c = store_contact_recipient(gw->store, req->contacts[i],
		    lang, &channels, &cap)) == -1)
			return -1;
		if (c == 0) {
			r.lang = lang;
			r.channels = channels;
			r.sms_cap = cap;
		} else {
			/* No contact: as parse_contacts found the number. */
			r.lang = req->lang;
			r.channels = CH_ALL;
			if (req->contacts_sms != NULL)
				r.sms_cap = req->contacts_sms[i] ?
				    SMS_CAP_YES : SMS_CAP_NO;
		}
		add_recipient(&r, f);
	}
	for (i = 0; i < req->ngroups && !f->failed; i++)
		if (store_group_members(gw->store, req->groups[i],
		    add_recipient, f) == -1 && !f->failed)
			return -1;
	for (i = 0; i < req->nareas && !f->failed; i++)
		if (store_area_members(gw->store, req->areas[i],
		    add_recipient, f) == -1 && !f->failed)
			return -1;
	for (i = 0; i < req->nshapes && !f->failed; i++)
		if (add_shape(f, &req->shapes[i]) == -1 && !f->failed)
			return -1;
	return f->failed ? -1 : 0;
}

int
fanout_preview(struct gw *gw, const struct alert_req *req, json_t **out,
    struct api_error *err)
{
	struct fanout	 f;
	json_t		*langs;
	size_t		 i;
	int		 rc = -1;

	*out = NULL;
	fanout_init(&f, gw, req, err);
	f.dry_run = true;
	if (check_request(&f) == -1 || gate_of(&f) == -1)
		goto out;
	if (resolve(&f) == -1) {
		if (!f.failed)
			api_error_set(err, 503, "unavailable", NULL,
			    "the database did not answer");
		goto out;
	}
	langs = json_array();
	for (i = 0; i < f.ntexts; i++) {
		const struct rendered	*t = &f.texts[i];

		json_array_append_new(langs, json_pack(
		    "{ss ss ss ss si si si}",
		    "lang", t->lang,
		    "channel", channel_name((enum channel)t->channel),
		    "text", t->text,
		    "encoding", t->channel == CH_VOICE ? "speech" :
		    sms_encoding_name(t->info.encoding),
		    "segments", (int)t->info.segments,
		    "recipients", f.per_text[i],
		    "suppressed", f.per_text_suppressed[i]));
	}
	/* As the 202 would say: people, the gate, the time to send. */
	*out = json_pack("{so si si si si ss sI ss}", "texts", langs,
	    "recipients", f.recipients, "people", f.people,
	    "suppressed", f.suppressed, "segments", f.worst_segments,
	    "encoding", sms_encoding_name(f.worst_encoding),
	    "eta_s", (json_int_t)eta_of(&f),
	    "state", f.gate != GATE_OPEN ? alert_gate_name(f.gate) :
	    "dispatching");
	if (*out != NULL) {
		gate_time_json(&f, *out);
		uncallable_json(&f, *out);
	}
	if (*out != NULL && f.transliterated)
		json_object_set_new(*out, "transliterated", json_true());
	rc = *out ? 0 : api_error_set(err, 503, "unavailable", NULL,
	    "out of memory");
out:
	fanout_clear(&f);
	return rc;
}
