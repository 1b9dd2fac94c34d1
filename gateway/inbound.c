/*
 * Inbound SMS: store each provider message once, parse its keyword, act
 * on it (TRYGG, STOPP, START, JA/NEJ, HJÄLP) and queue the reply as an
 * ordinary delivery pinned to the provider and number it came in on. The
 * inbound row, the action and the reply are one durable transaction.
 *
 * Replies are limited: none to senders that are not phone numbers
 * (alphanumeric names, short codes: no loops with other machines), none
 * to opted-out numbers except the STOPP confirmation, at most
 * REPLY_HOUR_MAX per number per hour, and the help text for unknown
 * words at most once per number per 10 minutes.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answers.h"
#include "batch.h"
#include "config.h"
#include "dispatch.h"
#include "gateway.h"
#include "inbound.h"
#include "keywords.h"
#include "log.h"
#include "phone.h"
#include "refdata.h"
#include "sms.h"
#include "store.h"
#include "template.h"
#include "types.h"
#include "util.h"

#define MIN_MS			(60 * 1000LL)
#define REPLY_HOUR_MAX		10		/* replies a number an hour */
#define REPLY_WINDOW_MS		(60 * MIN_MS)
#define HELP_WINDOW_MS		(10 * MIN_MS)	/* unknown words: one help */
#define REPLY_TTL_MS		(60 * MIN_MS)	/* a reply is stale after */
#define TRYGG_MAX_M		20000.0		/* farther is "none near" */
#define NUMBER_MIN_DIGITS	7		/* fewer: a short code */
#define PLACE_ECHO_MAX		40		/* code points of the place */
#define FIT_MIN_CHARS		12		/* shortest hours or address */
#define MAX_VARS		8

/* The reply template names (templates/<kind>.<lang>.sms). */
#define K_TRYGG			"reply-trygg"
#define K_TRYGG_UNKNOWN		"reply-trygg-unknown"
#define K_TRYGG_NONE		"reply-trygg-none"
#define K_TRYGG_ASK		"reply-trygg-ask"
#define K_STOPP			"reply-stopp"
#define K_START			"reply-start"
#define K_START_AREA		"reply-start-area"
#define K_ACK_YES		"reply-ack-yes"
#define K_ACK_NO		"reply-ack-no"
#define K_ACK_NONE		"reply-ack-none"
#define K_ACK_ENOUGH		"reply-ack-enough"
#define K_HJALP			"reply-hjalp"

/* Whether a reply may go out, and if not, why. */
enum gate {
	GATE_SEND,
	GATE_OPTED_OUT,		/* only the STOPP confirmation passes */
	GATE_HOURLY,		/* REPLY_HOUR_MAX in the last hour */
	GATE_HELP_RECENT	/* help for an unknown word within 10 min */
};

/* One inbound SMS being handled. */
struct inb {
	struct gw		*gw;
	const char		*provider;
	const struct inbound_sms *in;
	int64_t			 now;
	int64_t			 inbound_id;
	bool			 is_number;	/* from may be answered */
	char			 from[PHONE_MAX];	/* E.164 if is_number */
	char			 masked[40];
	char			 lang[8];	/* the contact's, else "sv" */
	struct kw_parse		 kp;
	const char		*action;	/* what was done, for the log */
	const char		*kind;		/* reply template, or NULL */
	struct tvar		 vars[MAX_VARS];
	size_t			 nvars;
	const char		*outcome;	/* what became of the reply */
	int64_t			 reply_id;
	/* Room for variable values. */
	char			 distance[32];
	char			 alert_id[24];
	char			 place[PLACE_ECHO_MAX * 4 + 1];
};

/* How a number that texts START is recorded in the consent record. */
static const struct consent_by inb_by_sms = { "sms", NULL, "START" };

static void	 inb_sender(struct inb *);
static void	 inb_var(struct inb *, const char *, const char *);
static void	 inb_reply(struct inb *, const char *);
static int	 inb_act(struct inb *);
static int	 inb_trygg(struct inb *);
static int	 inb_trygg_place(struct inb *, struct geo_point *);
static int	 inb_start(struct inb *);
static int	 inb_answer(struct inb *, int);
static int	 inb_send(struct inb *);
static enum gate inb_gate(const char *, bool, bool, int64_t, int64_t);
static const char *inb_gate_name(enum gate);
static char	*inb_render(struct inb *, const char *, struct sms_info *);
static char	*inb_render_fit(struct inb *, const char *, struct sms_info *);
static void	 inb_echo(const char *, char *, size_t);
static bool	 inb_decimal_comma(const char *);
static int	 inb_txn_begin(struct gw *);
static int	 inb_txn_end(struct gw *, bool);

/*
 * The transaction of one inbound SMS: a savepoint in the pass's durable
 * transaction (group commit), or a durable one of its own without a batch.
 */
static int
inb_txn_begin(struct gw *gw)
{
	if (gw->batch == NULL)
		return store_begin(gw->store, true);
	if (batch_join(gw->batch, true) == -1)
		return -1;
	return store_savepoint(gw->store);
}

/* Keep (commit) or undo what inb_txn_begin opened. */
static int
inb_txn_end(struct gw *gw, bool keep)
{
	if (gw->batch != NULL)
		return store_savepoint_end(gw->store, keep);
	if (keep)
		return store_commit(gw->store);
	store_rollback(gw->store);
	return 0;
}

/* Handle one inbound SMS now. */
int
inbound_sms(struct gw *gw, const char *provider, const struct inbound_sms *in)
{
	return inbound_sms_at(gw, provider, in, gw_now(gw));
}

/* Handle one inbound SMS at time now (ms since the epoch). */
int
inbound_sms_at(struct gw *gw, const char *provider,
    const struct inbound_sms *in, int64_t now)
{
	struct store		*s = gw->store;
	struct inbound_row	 row;
	struct inb		 b;
	char			 id[100];
	int			 rc;

	memset(&b, 0, sizeof(b));
	b.gw = gw;
	b.provider = provider;
	b.in = in;
	b.now = now;
	b.outcome = "none";
	strlcpy(b.lang, "sv", sizeof(b.lang));
	inb_sender(&b);
	keyword_parse(in->text != NULL ? in->text : "", &b.kp);
	log_trace(TRACE_INBOUND, "provider=%s evt=parsed from=%s id=%s "
	    "keyword=%s arg_kind=%d chars=%zu", provider, b.masked,
	    log_value(id, sizeof(id), in->id),
	    keyword_name(b.kp.kw), (int)b.kp.arg_kind,
	    in->text != NULL ? strlen(in->text) : 0);

	if (inb_txn_begin(gw) == -1)
		return -1;
	memset(&row, 0, sizeof(row));
	row.provider = provider;
	row.provider_id = in->id;
	row.from = b.is_number ? b.from : in->from;
	row.to = in->to;
	row.text = in->text != NULL ? in->text : "";
	row.keyword = keyword_name(b.kp.kw);
	row.received_at = now;
	if ((rc = store_inbound_insert(s, &row)) == STORE_DUPLICATE) {
		inb_txn_end(gw, false);
		log_info("evt=inbound provider=%s from=%s keyword=%s "
		    "action=duplicate inbound=%" PRId64, provider, b.masked,
		    row.keyword, row.id);
		return 0;
	}
	if (rc != 0)
		goto fail;
	b.inbound_id = row.id;

	if (!b.is_number)
		b.action = "ignored_sender";
	else {
		char		lang[8];
		unsigned int	ch;
		enum sms_cap	cap;

		/* The language only: not the whole contact and its groups. */
		if (store_contact_recipient(s, b.from, lang, &ch, &cap) == 0 &&
		    lang[0] != '\0')
			strlcpy(b.lang, lang, sizeof(b.lang));
		if (inb_act(&b) == -1 || (b.kind != NULL && inb_send(&b) == -1))
			goto fail;
	}
	if (inb_txn_end(gw, true) == -1)
		return -1;
	log_info("evt=inbound provider=%s from=%s keyword=%s action=%s "
	    "reply=%s%s%s inbound=%" PRId64, provider, b.masked, row.keyword,
	    b.action != NULL ? b.action : "none",
	    b.kind != NULL ? b.kind : "none",
	    b.kind != NULL ? ":" : "", b.kind != NULL ? b.outcome : "",
	    b.inbound_id);
	if (b.reply_id != 0 && gw->dispatch != NULL)
		dispatch_kick(gw->dispatch);
	return 0;
fail:
	inb_txn_end(gw, false);
	log_warnx("evt=inbound_failed provider=%s from=%s keyword=%s: not "
	    "stored; the provider will post it again", provider, b.masked,
	    row.keyword);
	return -1;
}

/* The distance as people read it: "350 m", "1,2 km" (sv), "1.2 km" (en). */
void
inbound_distance_text(double m, const char *lang, char *buf, size_t len)
{
	long	r, tenths;

	if (!(m >= 0.0))
		m = 0.0;
	if (m > 1e8)
		m = 1e8;
	r = lround(m / 10.0) * 10;
	if (r < 1000) {
		snprintf(buf, len, "%ld m", r);
		return;
	}
	tenths = lround(m / 100.0);
	snprintf(buf, len, "%ld%c%ld km", tenths / 10,
	    inb_decimal_comma(lang) ? ',' : '.', tenths % 10);
}

/*
 * Languages that write a decimal comma. English, Somali, Arabic and
 * Persian (Latin digits in our texts) and any other get a point.
 */
static bool
inb_decimal_comma(const char *lang)
{
	static const char *const comma[] = { "sv", "fi", "da", "nb", "nn",
	    "no", "de", "fr", "es", "it", "nl", "pl", "pt", "ru", "tr" };
	size_t	i;

	if (lang == NULL)
		return true;
	for (i = 0; i < nitems(comma); i++)
		if (strncmp(lang, comma[i], 2) == 0 &&
		    (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_'))
			return true;
	return false;
}

/*
 * Is the sender a number we may answer? Alphanumeric names, short codes
 * and anything libphonenumber refuses are stored but never answered.
 */
static void
inb_sender(struct inb *b)
{
	const char	*p, *region = b->gw->cfg->default_region;
	char		 why[128];
	size_t		 digits = 0;
	bool		 letters = false;

	for (p = b->in->from; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (isalpha((unsigned char)*p) || (*p & 0x80))
			letters = true;
	}
	b->is_number = !letters && digits >= NUMBER_MIN_DIGITS &&
	    phone_normalize_sender(b->in->from, region[0] ? region : "SE",
	    b->from, sizeof(b->from), why, sizeof(why)) == 0;
	if (b->is_number)
		mask_phone(b->from, b->masked, sizeof(b->masked));
	else {
		/* Not a number: show its length only, it may be a name. */
		b->from[0] = '\0';
		snprintf(b->masked, sizeof(b->masked), "not-a-number(%zu)",
		    strlen(b->in->from));
	}
}

/* Add a template variable (values must outlive the reply). */
static void
inb_var(struct inb *b, const char *name, const char *value)
{
	if (b->nvars < MAX_VARS) {
		b->vars[b->nvars].name = name;
		b->vars[b->nvars].value = value != NULL ? value : "";
		b->nvars++;
	}
}

/*
 * Choose the reply template; every reply gets emergency_number (112, in
 * danger) and duty_number (the larmbord: the help text names it).
 */
static void
inb_reply(struct inb *b, const char *kind)
{
	const char	*en = b->gw->cfg->emergency_number;
	const char	*duty = b->gw->cfg->duty_number;

	b->kind = kind;
	inb_var(b, "emergency_number", en != NULL && *en ? en : "112");
	inb_var(b, "duty_number", duty != NULL ? duty : "");
}

/* Act on the keyword of a text from a number: 0, or -1 (store error). */
static int
inb_act(struct inb *b)
{
	struct store	*s = b->gw->store;

	switch (b->kp.kw) {
	case KW_TRYGG:
		return inb_trygg(b);
	case KW_STOP:
		if (store_optout_add(s, b->from, "sms", b->now) == -1)
			return -1;
		b->action = "opted_out";
		inb_reply(b, K_STOPP);
		return 0;
	case KW_START:
		return inb_start(b);
	case KW_YES:
		return inb_answer(b, 1);
	case KW_NO:
		return inb_answer(b, -1);
	case KW_HELP:
		b->action = "help";
		inb_reply(b, K_HJALP);
		return 0;
	case KW_UNKNOWN:
	default:
		b->action = "unknown_word";
		inb_reply(b, K_HJALP);
		return 0;
	}
}

/* TRYGG [place]: the nearest trygghetspunkt. */
static int
inb_trygg(struct inb *b)
{
	const struct tpunkt	*tp;
	struct geo_point	 pos;
	double			 dist = 0.0;
	int			 rc;

	if ((rc = inb_trygg_place(b, &pos)) == -1)
		return -1;
	if (rc == STORE_NOTFOUND)
		return 0;	/* the reply is chosen */
	tp = b->gw->refdata != NULL ?
	    refdata_nearest(b->gw->refdata, pos, &dist) : NULL;
	if (tp == NULL || dist > TRYGG_MAX_M) {
		b->action = "trygg_none_near";
		inb_reply(b, K_TRYGG_NONE);
		return 0;
	}
	b->action = "trygg";
	inbound_distance_text(dist, b->lang, b->distance, sizeof(b->distance));
	inb_reply(b, K_TRYGG);
	inb_var(b, "name", tp->name);
	inb_var(b, "address", tp->address);
	inb_var(b, "distance", b->distance);
	inb_var(b, "hours", tp->hours);
	return 0;
}

/*
 * Where TRYGG asks about: the argument (a postnummer, an area name or
 * lat,lon), else the sender's own coordinates or area. 0 with pos set;
 * STORE_NOTFOUND with the reply chosen (unknown place, or ask for one);
 * -1 on a store error.
 */
static int
inb_trygg_place(struct inb *b, struct geo_point *pos)
{
	const struct refdata	*rd = b->gw->refdata;
	const struct area	*a;
	struct contact		 c;
	int			 rc;

	if (b->kp.arg_kind == KWA_POSITION) {
		*pos = b->kp.pos;
		return 0;
	}
	if (b->kp.arg_kind == KWA_PLACE || b->kp.arg_kind == KWA_NUMBER) {
		if (b->kp.arg_kind == KWA_NUMBER && b->kp.arg[0] == '\0')
			snprintf(b->kp.arg, sizeof(b->kp.arg), "%" PRId64,
			    b->kp.number);
		if (rd != NULL && (a = refdata_area(rd, b->kp.arg)) != NULL) {
			*pos = a->pos;
			return 0;
		}
		b->action = "trygg_unknown_place";
		inb_echo(b->kp.arg, b->place, sizeof(b->place));
		inb_reply(b, K_TRYGG_UNKNOWN);
		inb_var(b, "place", b->place);
		return STORE_NOTFOUND;
	}
	if ((rc = store_contact_get(b->gw->store, b->from, &c)) == -1)
		return -1;
	if (rc == 0 && c.has_pos) {
		pos->lat = c.lat;
		pos->lon = c.lon;
		contact_clear(&c);
		return 0;
	}
	if (rc == 0 && c.area != NULL && rd != NULL &&
	    (a = refdata_area(rd, c.area)) != NULL) {
		*pos = a->pos;
		contact_clear(&c);
		return 0;
	}
	if (rc == 0)
		contact_clear(&c);
	b->action = "trygg_ask_place";
	inb_reply(b, K_TRYGG_ASK);
	return STORE_NOTFOUND;
}

/*
 * START [area]: opt in again; with an area that resolves, the number
 * becomes a resident of it. An unknown area still opts in (the word's
 * first meaning) and the reply says the place was not found.
 */
static int
inb_start(struct inb *b)
{
	const struct area	*a = NULL;

	if (store_optout_remove(b->gw->store, b->from, b->now) == -1)
		return -1;
	if (b->kp.arg_kind == KWA_NONE) {
		b->action = "opted_in";
		inb_reply(b, K_START);
		return 0;
	}
	if (b->kp.arg_kind == KWA_NUMBER && b->kp.arg[0] == '\0')
		snprintf(b->kp.arg, sizeof(b->kp.arg), "%" PRId64,
		    b->kp.number);
	if (b->kp.arg_kind != KWA_POSITION && b->gw->refdata != NULL)
		a = refdata_area(b->gw->refdata, b->kp.arg);
	if (a == NULL) {
		b->action = "opted_in_unknown_area";
		inb_echo(b->kp.arg, b->place, sizeof(b->place));
		inb_reply(b, K_TRYGG_UNKNOWN);
		inb_var(b, "place", b->place);
		return 0;
	}
	if (store_contact_set_area(b->gw->store, b->from, a->code,
	    RESIDENTS_GROUP, "sv", b->now, &inb_by_sms) == -1)
		return -1;
	b->action = "opted_in_area";
	inb_reply(b, K_START_AREA);
	inb_var(b, "area", a->name);
	return 0;
}

/* JA (1) or NEJ (-1) [alert number]. */
static int
inb_answer(struct inb *b, int ack)
{
	int64_t	 delivery_id = 0, alert_id = 0;
	int	 rc;
	bool	 enough = false;

	rc = store_ack_target(b->gw->store, b->from,
	    b->kp.arg_kind == KWA_NUMBER ? b->kp.number : 0, b->now,
	    &delivery_id, &alert_id);
	if (rc == -1)
		return -1;
	if (rc == STORE_NOTFOUND) {
		b->action = "answer_nothing_open";
		inb_reply(b, K_ACK_NONE);
		return 0;
	}
	if (answers_record(b->gw, delivery_id, alert_id, ack, b->now,
	    &enough) == -1)
		return -1;
	b->action = ack < 0 ? "answer_no" : enough ? "answer_yes_enough" :
	    "answer_yes";
	snprintf(b->alert_id, sizeof(b->alert_id), "%" PRId64, alert_id);
	inb_reply(b, ack < 0 ? K_ACK_NO : enough ? K_ACK_ENOUGH : K_ACK_YES);
	inb_var(b, "alert_id", b->alert_id);
	return 0;
}

/*
 * The reply policy, pure: kind is the reply, unknown_word whether the
 * text was no keyword, sent_hour the replies to the number in the last
 * hour, help_recent the help replies in the last 10 minutes.
 */
static enum gate
inb_gate(const char *kind, bool unknown_word, bool opted_out,
    int64_t sent_hour, int64_t help_recent)
{
	if (opted_out && strcmp(kind, K_STOPP) != 0)
		return GATE_OPTED_OUT;
	if (sent_hour >= REPLY_HOUR_MAX)
		return GATE_HOURLY;
	if (unknown_word && help_recent >= 1)
		return GATE_HELP_RECENT;
	return GATE_SEND;
}

/* A gate as the log and the tests name it. */
static const char *
inb_gate_name(enum gate g)
{
	switch (g) {
	case GATE_SEND:
		return "queued";
	case GATE_OPTED_OUT:
		return "opted_out";
	case GATE_HOURLY:
		return "hourly_limit";
	case GATE_HELP_RECENT:
		return "help_sent_recently";
	}
	return "?";
}

/*
 * Queue the chosen reply if the policy lets it out: a delivery pinned to
 * the provider it came in on, from the number it was sent to. 0, or -1
 * on a store error. A missing template is logged; nothing is sent.
 */
static int
inb_send(struct inb *b)
{
	struct store	*s = b->gw->store;
	struct delivery	 d;
	struct sms_info	 info;
	enum gate	 g;
	int64_t		 hour = 0, help = 0;
	bool		 unknown = b->kp.kw == KW_UNKNOWN;
	char		*text;
	const char	*lang;

	/* Windows of (now - length, now]: a reply exactly an hour old no
	 * longer counts. */
	if (store_replies_count(s, b->from, NULL, b->now - REPLY_WINDOW_MS + 1,
	    &hour) == -1)
		return -1;
	if (unknown && store_replies_count(s, b->from, K_HJALP,
	    b->now - HELP_WINDOW_MS + 1, &help) == -1)
		return -1;
	g = inb_gate(b->kind, unknown, store_optout_has(s, b->from), hour,
	    help);
	b->outcome = inb_gate_name(g);
	if (g == GATE_HOURLY)
		log_warnx("evt=reply_limited from=%s kind=%s: %d replies in "
		    "the last hour already", b->masked, b->kind,
		    REPLY_HOUR_MAX);
	if (g != GATE_SEND)
		return 0;

	lang = templates_lang(b->gw->templates, b->kind, "sms", b->lang);
	if (lang == NULL || (text = inb_render_fit(b, lang, &info)) == NULL) {
		b->outcome = "no_template";
		log_warnx("evt=reply_skipped kind=%s lang=%s: the template is "
		    "missing or cannot be rendered", b->kind, b->lang);
		return 0;
	}
	memset(&d, 0, sizeof(d));
	d.alert_id = 0;
	strlcpy(d.phone, b->from, sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, lang, sizeof(d.lang));
	d.body = text;
	d.state = DS_QUEUED;
	d.priority = SEV_SEVERE;
	d.segments = (int)info.segments;
	d.next_at = b->now;
	d.expires_at = b->now + REPLY_TTL_MS;
	d.created_at = b->now;
	d.updated_at = b->now;
	strlcpy(d.kind, b->kind, sizeof(d.kind));
	strlcpy(d.pin, b->provider, sizeof(d.pin));
	if (is_e164(b->in->to))
		strlcpy(d.sender, b->in->to, sizeof(d.sender));
	d.inbound_id = b->inbound_id;
	if (store_delivery_insert(s, &d) == -1) {
		free(text);
		return -1;
	}
	free(text);
	b->reply_id = d.id;
	return 0;
}

/* Render the reply in lang; NULL (logged) if that fails. */
static char *
inb_render(struct inb *b, const char *lang, struct sms_info *info)
{
	char	*text, missing[64], err[256];

	text = template_render(b->gw->templates, b->kind, "sms", lang,
	    b->vars, b->nvars, missing, sizeof(missing), err, sizeof(err));
	if (text == NULL) {
		log_warnx("evt=reply_render_failed kind=%s lang=%s: %s",
		    b->kind, lang, err);
		return NULL;
	}
	if (sms_measure(text, strlen(text), info, err, sizeof(err)) == -1) {
		memset(info, 0, sizeof(*info));
		info->segments = 1;
	}
	return text;
}

/*
 * Render, and make a TRYGG answer fit one SMS where the data allows:
 * first typographic look-alikes in the data become GSM-7 characters,
 * then the opening hours and the address are shortened (never below
 * FIT_MIN_CHARS, ending in "..."). The name and distance stay whole.
 */
static char *
inb_render_fit(struct inb *b, const char *lang, struct sms_info *info)
{
	static const char *const cut[] = { "hours", "address" };
	char	*text, *own[MAX_VARS] = { NULL };
	size_t	 i, j, k, n, keep;
	bool	 changed, any = false;

	if ((text = inb_render(b, lang, info)) == NULL ||
	    strcmp(b->kind, K_TRYGG) != 0 || info->segments <= 1)
		return text;
	for (i = 0; i < b->nvars; i++) {
		own[i] = sms_transliterate(b->vars[i].value, &changed);
		if (own[i] != NULL) {
			b->vars[i].value = own[i];
			any = any || changed;
		}
	}
	for (k = 0; k < nitems(cut) + 1; k++) {
		/* Nothing changed: the text is the one already made. */
		if (k > 0 || any) {
			free(text);
			if ((text = inb_render(b, lang, info)) == NULL)
				break;
		}
		if (info->segments <= 1 || k == nitems(cut))
			break;
		for (j = 0; j < b->nvars; j++)
			if (strcmp(b->vars[j].name, cut[k]) == 0)
				break;
		if (j == b->nvars)
			continue;
		/* Cut by the excess, a code point at least, and re-measure. */
		while (info->segments > 1) {
			const char	*v = b->vars[j].value;
			char		*shorter;
			size_t		 over, limit, cps = 0;

			limit = info->encoding == SMS_GSM7 ? 160 : 70;
			over = info->units > limit ? info->units - limit : 1;
			for (n = 0; v[n] != '\0'; n++)
				if (((unsigned char)v[n] & 0xc0) != 0x80)
					cps++;
			if (cps <= FIT_MIN_CHARS)
				break;
			keep = cps > over + 3 + FIT_MIN_CHARS ?
			    cps - over - 3 : FIT_MIN_CHARS;
			/* Cut to the minimum already: shorter it will not get. */
			if (keep + 3 >= cps)
				break;
			/* Byte offset of code point keep, then trim spaces. */
			for (n = 0, cps = 0; v[n] != '\0'; n++)
				if (((unsigned char)v[n] & 0xc0) != 0x80 &&
				    cps++ == keep)
					break;
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == ','))
				n--;
			if ((shorter = str_printf("%.*s...", (int)n, v)) ==
			    NULL)
				break;
			free(own[j]);
			own[j] = shorter;
			b->vars[j].value = shorter;
			free(text);
			if ((text = inb_render(b, lang, info)) == NULL)
				goto out;
		}
	}
out:
	for (i = 0; i < b->nvars; i++)
		free(own[i]);
	/* The values pointed into own: do not use them again. */
	b->nvars = 0;
	return text;
}

/*
 * The place as written, safe to echo: control characters become
 * spaces, at most PLACE_ECHO_MAX code points.
 */
static void
inb_echo(const char *in, char *out, size_t len)
{
	size_t	i = 0, cps = 0;

	for (; *in != '\0' && i + 4 < len; in++) {
		unsigned char	ch = (unsigned char)*in;

		if ((ch & 0xc0) != 0x80 && cps++ == PLACE_ECHO_MAX)
			break;
		out[i++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	/* Do not end inside a UTF-8 sequence. */
	while (i > 0 && ((unsigned char)out[i - 1] & 0x80)) {
		size_t	 start = i - 1, need;
		unsigned char lead;

		while (start > 0 && ((unsigned char)out[start] & 0xc0) == 0x80)
			start--;
		lead = (unsigned char)out[start];
		need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 :
		    1;
		if (i - start >= need)
			break;
		i = start;
	}
	out[i] = '\0';
}

