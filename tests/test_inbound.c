/*
 * Tests of inbound.c without a network: distance texts, and whole
 * inbound SMS handled against a real store (":memory:"), the shipped
 * templates and conf/ reference data, with a fake clock. Each test looks
 * at the replies queued (kind, text, pin, sender) and what changed in
 * the store: opt-outs, areas, answers, the "ack" source callback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "gateway/callbacks.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/http_client.h"
#include "gateway/inbound.h"
#include "gateway/refdata.h"
#include "gateway/sms.h"
#include "gateway/store.h"
#include "gateway/template.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define T0		1795000000000LL		/* 2026-11-18, ms */
#define MIN		(60 * 1000LL)
#define OUR_NUMBER	"+46766861000"
#define ANNA		"+46701740605"
#define MAXREPLIES	64

/* One reply as the store has it. */
struct reply {
	int64_t	 id;
	char	 kind[32];
	char	 body[512];
	char	 pin[64];
	char	 sender[64];
	int	 state;
	int	 priority;
	int	 segments;
	int64_t	 next_at;
	int64_t	 expires_at;
	int64_t	 inbound_id;
};

/* The replies to a number, newest first. */
struct replies {
	struct reply	v[MAXREPLIES];
	size_t		n;
};

/* One test's gateway: a store in memory, templates, refdata, a clock. */
struct t {
	struct gw	 gw;
	struct config	 cfg;
	int64_t		 now;
	int		 seq;		/* provider message ids */
	char		 dir[256];	/* mkdtemp, for own data files */
	char		 files[4][PATH_MAX];
	int		 nfiles;
};

/* A distance and the text expected for it in lang. */
struct dcase {
	double		 m;
	const char	*lang;
	const char	*want;
};

/* The source tree's path of rel. */
static void
src_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", e2e_srcdir(), rel);
}

/* Fresh store, the shipped templates and reference data. */
static int
setup(void **state)
{
	struct t	*t = calloc(1, sizeof(*t));
	char		 err[1024], tpl[PATH_MAX], tp[PATH_MAX], ar[PATH_MAX];

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/varsel-inbound-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	t->cfg.default_region[0] = 'S';
	t->cfg.default_region[1] = 'E';
	t->cfg.emergency_number = "08-721 23 13";
	t->gw.cfg = &t->cfg;
	t->now = T0;
	src_path(tpl, sizeof(tpl), "templates");
	src_path(tp, sizeof(tp), "conf/trygghetspunkter.csv");
	src_path(ar, sizeof(ar), "conf/areas.csv");
	if ((t->gw.store = store_open(":memory:", err, sizeof(err))) == NULL ||
	    (t->gw.templates = templates_load(tpl, err, sizeof(err))) == NULL ||
	    (t->gw.refdata = refdata_load(tp, ar, err, sizeof(err))) == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	*state = t;
	return 0;
}

/* Free everything and remove the folder. */
static int
teardown(void **state)
{
	struct t	*t = *state;
	int		 i;

	callbacks_free(t->gw.callbacks);
	http_client_free(t->gw.http);
	if (t->gw.base != NULL)
		event_base_free(t->gw.base);
	refdata_free(t->gw.refdata);
	templates_free(t->gw.templates);
	store_close(t->gw.store);
	for (i = 0; i < t->nfiles; i++)
		unlink(t->files[i]);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Write a file into the test's folder; its path stays in t->files. */
static const char *
write_file(struct t *t, const char *name, const char *text)
{
	FILE	*fp;
	char	*path;

	assert_true(t->nfiles < 4);
	path = t->files[t->nfiles++];
	snprintf(path, PATH_MAX, "%s/%s", t->dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* An SMS from from reaches us through "elks" at the test's clock. */
static int
sms_id(struct t *t, const char *id, const char *from, const char *text)
{
	struct inbound_sms	in;
	int			rc;

	memset(&in, 0, sizeof(in));
	strlcpy(in.id, id, sizeof(in.id));
	strlcpy(in.from, from, sizeof(in.from));
	strlcpy(in.to, OUR_NUMBER, sizeof(in.to));
	in.text = strdup(text);
	rc = inbound_sms_at(&t->gw, "elks", &in, t->now);
	free(in.text);
	return rc;
}

/* As sms_id with a fresh provider id; asserts it was handled. */
static void
sms(struct t *t, const char *from, const char *text)
{
	char	id[32];

	snprintf(id, sizeof(id), "in-%d", ++t->seq);
	assert_int_equal(sms_id(t, id, from, text), 0);
}

/* Collect one reply. */
static int
reply_cb(const struct delivery *d, void *arg)
{
	struct replies	*rs = arg;
	struct reply	*r;

	if (rs->n == MAXREPLIES)
		return -1;
	r = &rs->v[rs->n++];
	r->id = d->id;
	strlcpy(r->kind, d->kind, sizeof(r->kind));
	strlcpy(r->body, d->body != NULL ? d->body : "", sizeof(r->body));
	strlcpy(r->pin, d->pin, sizeof(r->pin));
	strlcpy(r->sender, d->sender, sizeof(r->sender));
	r->state = d->state;
	r->priority = d->priority;
	r->segments = d->segments;
	r->next_at = d->next_at;
	r->expires_at = d->expires_at;
	r->inbound_id = d->inbound_id;
	return 0;
}

/* The replies to phone, newest first. */
static void
replies(struct t *t, const char *phone, struct replies *rs)
{
	memset(rs, 0, sizeof(*rs));
	assert_int_equal(store_replies_list(t->gw.store, phone, MAXREPLIES,
	    reply_cb, rs), 0);
}

/* How many replies phone has; the newest into last if not NULL. */
static size_t
nreplies(struct t *t, const char *phone, struct reply *last)
{
	struct replies	rs;

	replies(t, phone, &rs);
	if (last != NULL && rs.n > 0)
		*last = rs.v[0];
	return rs.n;
}

/* Deliveries queued in all (replies included). */
static int64_t
queued(struct t *t)
{
	int64_t	segments = 0;

	assert_int_equal(store_queue_depth(t->gw.store, 4, &segments), 0);
	return segments;
}

/* Distances in metres and kilometres, decimal comma or point. */
static void
test_distance_text(void **state)
{
	static const struct dcase cases[] = {
		{ 0.0, "sv", "0 m" },
		{ 4.9, "sv", "0 m" },
		{ 5.0, "sv", "10 m" },
		{ 30.6, "sv", "30 m" },
		{ 349.0, "sv", "350 m" },
		{ 994.9, "sv", "990 m" },
		{ 995.0, "sv", "1,0 km" },	/* 1000 m is written in km */
		{ 1000.0, "sv", "1,0 km" },
		{ 1234.0, "sv", "1,2 km" },
		{ 1260.0, "sv", "1,3 km" },
		{ 1234.0, "en", "1.2 km" },
		{ 1234.0, "fi", "1,2 km" },
		{ 1234.0, "so", "1.2 km" },
		{ 1234.0, "ar", "1.2 km" },
		{ 1234.0, "fa", "1.2 km" },
		{ 1234.0, "sv-FI", "1,2 km" },
		{ 4359.7, "sv", "4,4 km" },
		{ 19960.0, "sv", "20,0 km" },
		{ 123456.0, "en", "123.5 km" },
		{ -5.0, "sv", "0 m" },
	};
	char	buf[32];
	size_t	i;

	for (i = 0; i < nitems(cases); i++) {
		inbound_distance_text(cases[i].m, cases[i].lang, buf,
		    sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("%g m in %s: \"%s\", want \"%s\"", cases[i].m,
			    cases[i].lang, buf, cases[i].want);
	}
	inbound_distance_text(NAN, "sv", buf, sizeof(buf));
	assert_string_equal(buf, "0 m");
	inbound_distance_text(1e12, "sv", buf, sizeof(buf));
	assert_string_equal(buf, "100000,0 km");
	/* A short buffer is cut, never overrun. */
	inbound_distance_text(1234.0, "sv", buf, 4);
	assert_string_equal(buf, "1,2");
}

/*
 * TRYGG 15531: the nearest point with name, address, distance and
 * hours, in one GSM-7 SMS, pinned to the provider and sent from the
 * number it came in on, at severe priority, stale after an hour.
 */
static void
test_trygg_postnummer(void **state)
{
	struct t	*t = *state;
	struct reply	 r;
	struct sms_info	 info;
	char		 err[64];

	sms(t, ANNA, "TRYGG 155 31");
	assert_int_equal(nreplies(t, ANNA, &r), 1);
	assert_string_equal(r.kind, "reply-trygg");
	assert_non_null(strstr(r.body, "Lillhagaskolan"));
	assert_non_null(strstr(r.body, "Lillhagen"));
	assert_non_null(strstr(r.body, " 30 m "));
	assert_non_null(strstr(r.body, "vid kris dygnet runt"));
	assert_string_equal(r.pin, "elks");
	assert_string_equal(r.sender, OUR_NUMBER);
	assert_int_equal(r.state, DS_QUEUED);
	assert_int_equal(r.priority, 1);
	assert_int_equal(r.next_at, T0);
	assert_int_equal(r.expires_at, T0 + 60 * MIN);
	assert_true(r.inbound_id > 0);
	assert_int_equal(sms_measure(r.body, strlen(r.body), &info, err,
	    sizeof(err)), 0);
	assert_int_equal(info.encoding, SMS_GSM7);
	assert_int_equal(info.segments, 1);
	assert_int_equal(r.segments, 1);
}

/* Area names, lat,lon, the sender's own area; unknown, far, none. */
static void
test_trygg_places(void **state)
{
	struct t	*t = *state;
	struct contact	 c;
	struct reply	 r;

	sms(t, ANNA, "hitta: lillhagen");
	assert_int_equal(nreplies(t, ANNA, &r), 1);
	assert_non_null(strstr(r.body, "Lillhagaskolan"));

	t->now += MIN;
	sms(t, ANNA, "TRYGG 59.22,17.38");
	assert_int_equal(nreplies(t, ANNA, &r), 2);
	assert_non_null(strstr(r.body, "Turinge kyrka"));
	assert_non_null(strstr(r.body, "4,4 km"));

	t->now += MIN;
	sms(t, ANNA, "TRYGG Atlantis");
	assert_int_equal(nreplies(t, ANNA, &r), 3);
	assert_string_equal(r.kind, "reply-trygg-unknown");
	assert_non_null(strstr(r.body, "Atlantis"));
	assert_non_null(strstr(r.body, "15531"));	/* the example */

	t->now += MIN;
	sms(t, ANNA, "TRYGG 59.0,17.0");		/* 31 km away */
	assert_int_equal(nreplies(t, ANNA, &r), 4);
	assert_string_equal(r.kind, "reply-trygg-none");
	assert_non_null(strstr(r.body, "08-721 23 13"));

	/* No argument, not a contact: ask for a postnummer. */
	t->now += MIN;
	sms(t, ANNA, "TRYGG");
	assert_int_equal(nreplies(t, ANNA, &r), 5);
	assert_string_equal(r.kind, "reply-trygg-ask");

	/* A contact in English with an area: that area, in English. */
	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, ANNA, sizeof(c.phone));
	strlcpy(c.lang, "en", sizeof(c.lang));
	c.area = "15592";
	c.channels = CH_SMS;
	assert_int_equal(store_contact_upsert(t->gw.store, &c), 0);
	t->now += MIN;
	sms(t, ANNA, "SAFE");
	assert_int_equal(nreplies(t, ANNA, &r), 6);
	assert_string_equal(r.kind, "reply-trygg");
	assert_non_null(strstr(r.body, "The nearest safe point is Taxinge "
	    "bygdeg"));

	/* Its own coordinates come before its area; km with a point. */
	c.has_pos = true;
	c.lat = 59.22;
	c.lon = 17.38;
	assert_int_equal(store_contact_upsert(t->gw.store, &c), 0);
	t->now += MIN;
	sms(t, ANNA, "trygg");
	assert_int_equal(nreplies(t, ANNA, &r), 7);
	assert_non_null(strstr(r.body, "Turinge kyrka"));
	assert_non_null(strstr(r.body, "4.4 km"));
}

/* A point with long hours still fits one SMS: the hours are cut. */
static void
test_trygg_fits_one_sms(void **state)
{
	struct t	*t = *state;
	struct reply	 r;
	struct sms_info	 info;
	char		 err[1024], text[1024];
	const char	*tp, *ar;

	snprintf(text, sizeof(text), "id,name,address,lat,lon,hours\n"
	    "tp-x,Lillhagaskolan,Lillhagsvägen 12 ingång B,59.18290,"
	    "17.42350,\"måndag till fredag 07.30-21.00, lördag och söndag "
	    "10.00-16.00, vid kris dygnet runt enligt kommunens beslut\"\n");
	tp = write_file(t, "tp.csv", text);
	src_path(text, sizeof(text), "conf/areas.csv");
	ar = text;
	refdata_free(t->gw.refdata);
	assert_non_null(t->gw.refdata = refdata_load(tp, ar, err,
	    sizeof(err)));

	sms(t, ANNA, "TRYGG 15531");
	assert_int_equal(nreplies(t, ANNA, &r), 1);
	assert_int_equal(sms_measure(r.body, strlen(r.body), &info, err,
	    sizeof(err)), 0);
	assert_int_equal(info.segments, 1);
	assert_int_equal(r.segments, 1);
	assert_non_null(strstr(r.body, "Lillhagaskolan"));
	assert_non_null(strstr(r.body, "30 m"));
	assert_non_null(strstr(r.body, "måndag till fredag"));
	assert_non_null(strstr(r.body, "..."));
}

/* The same provider message id twice: handled once. */
static void
test_duplicate_once(void **state)
{
	struct t	*t = *state;

	assert_int_equal(sms_id(t, "elks-abc", ANNA, "TRYGG 15531"), 0);
	t->now += 5000;
	assert_int_equal(sms_id(t, "elks-abc", ANNA, "TRYGG 15531"), 0);
	assert_int_equal(nreplies(t, ANNA, NULL), 1);
	/* Another id with the same text is another message. */
	assert_int_equal(sms_id(t, "elks-abd", ANNA, "TRYGG 15531"), 0);
	assert_int_equal(nreplies(t, ANNA, NULL), 2);
}

/* Names, short codes and junk are stored but never answered. */
static void
test_no_reply_to_machines(void **state)
{
	static const char *const senders[] = { "Nykvarn", "72400", "46elks",
	    "INFO-SMS", "+4670AB", "", "Ströpsta1234567" };
	struct t	*t = *state;
	size_t		 i;

	for (i = 0; i < nitems(senders); i++) {
		sms(t, senders[i], "HJÄLP");
		sms(t, senders[i], "TRYGG 15531");
		sms(t, senders[i], "STOPP");
		sms(t, senders[i], "JA");
	}
	assert_int_equal(queued(t), 0);
	/* A national number is a number. */
	sms(t, "070-174 06 05", "HJÄLP");
	assert_int_equal(nreplies(t, ANNA, NULL), 1);
	assert_int_equal(queued(t), 1);
}

/*
 * Unknown words: the help text at most once per 10 minutes, and never
 * more than 10 replies an hour, whatever is sent (fake clock).
 */
static void
test_rate_limits(void **state)
{
	struct t	*t = *state;
	struct reply	 r;
	int		 i;

	for (i = 0; i < 30; i++) {
		sms(t, ANNA, "Hej, när går bussen?");
		t->now += 1000;
	}
	assert_int_equal(nreplies(t, ANNA, &r), 1);
	assert_string_equal(r.kind, "reply-hjalp");
	assert_non_null(strstr(r.body, "08-721 23 13"));

	/* 10 minutes after the first help: one more. */
	t->now = T0 + 10 * MIN;
	sms(t, ANNA, "hallå?");
	assert_int_equal(nreplies(t, ANNA, NULL), 2);
	t->now += MIN;
	sms(t, ANNA, "hallå??");
	assert_int_equal(nreplies(t, ANNA, NULL), 2);

	/* HJÄLP asks for help: answered, up to 10 replies in the hour. */
	for (i = 0; i < 12; i++) {
		t->now += 1000;
		sms(t, ANNA, "HJÄLP");
	}
	assert_int_equal(nreplies(t, ANNA, NULL), 10);
	t->now += MIN;
	sms(t, ANNA, "TRYGG 15531");
	assert_int_equal(nreplies(t, ANNA, NULL), 10);

	/* The window slides: an hour after the first reply, one more. */
	t->now = T0 + 60 * MIN;
	sms(t, ANNA, "TRYGG 15531");
	assert_int_equal(nreplies(t, ANNA, &r), 11);
	assert_string_equal(r.kind, "reply-trygg");
	t->now += 1000;
	sms(t, ANNA, "TRYGG 15531");
	assert_int_equal(nreplies(t, ANNA, NULL), 11);

	/* Another number has its own limits. */
	sms(t, "+46701740606", "HJÄLP");
	assert_int_equal(nreplies(t, "+46701740606", NULL), 1);
}

/*
 * STOPP opts out and is confirmed; then nothing is answered until
 * START, which opts in again and is confirmed.
 */
static void
test_stop_start(void **state)
{
	struct t	*t = *state;
	struct reply	 r;

	sms(t, ANNA, "Stopp");
	assert_true(store_optout_has(t->gw.store, ANNA));
	assert_int_equal(nreplies(t, ANNA, &r), 1);
	assert_string_equal(r.kind, "reply-stopp");

	t->now += MIN;
	sms(t, ANNA, "HJÄLP");
	sms(t, ANNA, "TRYGG 15531");
	sms(t, ANNA, "vad?");
	assert_int_equal(nreplies(t, ANNA, NULL), 1);

	/* A sentence starting with the word is no opt-out. */
	sms(t, "+46701740606", "Stopp, det brinner vid skolan!");
	assert_false(store_optout_has(t->gw.store, "+46701740606"));

	t->now += MIN;
	sms(t, ANNA, "start");
	assert_false(store_optout_has(t->gw.store, ANNA));
	assert_int_equal(nreplies(t, ANNA, &r), 2);
	assert_string_equal(r.kind, "reply-start");
	t->now += MIN;
	sms(t, ANNA, "HJÄLP");
	assert_int_equal(nreplies(t, ANNA, NULL), 3);
}

/* START with an area makes a resident of it; an unknown one says so. */
static void
test_start_area(void **state)
{
	struct t	*t = *state;
	struct contact	 c;
	struct reply	 r;
	size_t		 i;
	bool		 member = false;

	sms(t, ANNA, "STOPP");
	t->now += MIN;
	sms(t, ANNA, "START 155 31");
	assert_false(store_optout_has(t->gw.store, ANNA));
	assert_int_equal(nreplies(t, ANNA, &r), 2);
	assert_string_equal(r.kind, "reply-start-area");
	assert_non_null(strstr(r.body, "Lillhagen"));
	assert_int_equal(store_contact_get(t->gw.store, ANNA, &c), 0);
	assert_non_null(c.area);
	assert_string_equal(c.area, "15531");
	assert_string_equal(c.lang, "sv");
	for (i = 0; i < c.ngroups; i++)
		if (strcmp(c.groups[i], "invanare") == 0)
			member = true;
	assert_true(member);
	contact_clear(&c);

	t->now += MIN;
	sms(t, "+46701740606", "START Atlantis");
	assert_int_equal(nreplies(t, "+46701740606", &r), 1);
	assert_string_equal(r.kind, "reply-trygg-unknown");
	assert_non_null(strstr(r.body, "Atlantis"));
	assert_int_equal(store_contact_get(t->gw.store, "+46701740606", &c),
	    STORE_NOTFOUND);
}

/* Make an alert asking for answers, sent to phone; its delivery id. */
static int64_t
ack_alert(struct t *t, const char *phone, const char *callback_url,
    int64_t *alert_id)
{
	struct alert_row	a;
	struct delivery		d;
	char			ref[32];

	memset(&a, 0, sizeof(a));
	snprintf(ref, sizeof(ref), "ref-%d", ++t->seq);
	a.client = "e2e";
	a.source_ref = ref;
	a.body_hash = "0";
	a.type = "call-out";
	a.severity = 1;
	a.lang = "sv";
	a.ack = true;
	a.callback_url = (char *)callback_url;
	a.created_at = t->now;
	a.expires_at = t->now + 60 * MIN;
	a.recipients = 1;
	a.encoding = "GSM-7";
	a.status = "actual";
	assert_int_equal(store_alert_insert(t->gw.store, &a), 0);
	memset(&d, 0, sizeof(d));
	d.alert_id = a.id;
	strlcpy(d.phone, phone, sizeof(d.phone));
	d.channel = CH_SMS;
	strlcpy(d.lang, "sv", sizeof(d.lang));
	d.body = "Utrop: kan du komma?";
	d.state = DS_SENT;
	d.priority = 1;
	d.segments = 1;
	d.created_at = t->now;
	assert_int_equal(store_delivery_insert(t->gw.store, &d), 0);
	*alert_id = a.id;
	return d.id;
}

/* Collect the claimed callbacks' events and bodies. */
static int
claim_cb(const struct callback_row *row, void *arg)
{
	json_t	*arr = arg;

	json_array_append_new(arr, json_pack("{ss ss ss ss}", "event",
	    row->event, "body", row->body, "url", row->url, "client",
	    row->client));
	return 0;
}

/*
 * JA is recorded on the newest ack alert sent to the number and sent to
 * its callback_url as an "ack" event; NEJ with an alert number picks
 * that alert; nothing open: reply-ack-none.
 */
static void
test_answers(void **state)
{
	struct t	*t = *state;
	struct delivery	 d;
	struct reply	 r;
	json_t		*arr, *body;
	char		 err[256], want[32];
	int64_t		 a1, a2, d1, d2;

	sms(t, ANNA, "JA");
	assert_int_equal(nreplies(t, ANNA, &r), 1);
	assert_string_equal(r.kind, "reply-ack-none");

	assert_non_null(t->gw.base = event_base_new());
	assert_non_null(t->gw.http = http_client_new(t->gw.base, 4));
	assert_non_null(t->gw.callbacks = callbacks_new(&t->gw, err,
	    sizeof(err)));
	t->now += MIN;
	d1 = ack_alert(t, ANNA, "http://127.0.0.1:9/hook", &a1);
	t->now += MIN;
	d2 = ack_alert(t, ANNA, NULL, &a2);

	t->now += MIN;
	sms(t, ANNA, "ja");
	assert_int_equal(nreplies(t, ANNA, &r), 2);
	assert_string_equal(r.kind, "reply-ack-yes");
	snprintf(want, sizeof(want), "nr %lld", (long long)a2);
	assert_non_null(strstr(r.body, want));
	assert_int_equal(store_delivery_get(t->gw.store, d2, &d), 0);
	assert_int_equal(d.ack, 1);
	delivery_clear(&d);

	snprintf(want, sizeof(want), "NEJ %lld", (long long)a1);
	t->now += MIN;
	sms(t, ANNA, want);
	assert_int_equal(nreplies(t, ANNA, &r), 3);
	assert_string_equal(r.kind, "reply-ack-no");
	assert_int_equal(store_delivery_get(t->gw.store, d1, &d), 0);
	assert_int_equal(d.ack, -1);
	delivery_clear(&d);

	/* Only the alert with a callback_url has an event, once. */
	t->now += MIN;
	sms(t, ANNA, want);
	arr = json_array();
	assert_int_equal(store_callback_claim(t->gw.store, now_ms() +
	    3600000, 60000, 10, claim_cb, arr), 0);
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 0), "event")), "ack");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 0), "client")), "e2e");
	body = json_loads(json_string_value(json_object_get(
	    json_array_get(arr, 0), "body")), 0, NULL);
	assert_non_null(body);
	assert_string_equal(e2e_json_str(body, "event"), "ack");
	assert_int_equal(e2e_json_int(body, "alert_id"), a1);
	assert_string_equal(e2e_json_str(body, "data.phone"), ANNA);
	assert_string_equal(e2e_json_str(body, "data.answer"), "no");
	assert_int_equal(e2e_json_int(body, "data.delivery_id"), d1);
	assert_non_null(e2e_json_str(body, "data.at"));
	json_decref(body);
	json_decref(arr);
}

/* A missing reply template: logged, nothing sent, the SMS stored. */
static void
test_missing_template(void **state)
{
	struct t	*t = *state;
	char		 err[512];

	write_file(t, "reply-stopp.sv.sms", "Nykvarns kommun: inga fler SMS.");
	templates_free(t->gw.templates);
	assert_non_null(t->gw.templates = templates_load(t->dir, err,
	    sizeof(err)));
	sms(t, ANNA, "TRYGG 15531");
	sms(t, ANNA, "HJÄLP");
	assert_int_equal(nreplies(t, ANNA, NULL), 0);
	assert_int_equal(sms_id(t, "in-1", ANNA, "TRYGG 15531"), 0);
	assert_int_equal(nreplies(t, ANNA, NULL), 0);
	sms(t, ANNA, "STOPP");
	assert_int_equal(nreplies(t, ANNA, NULL), 1);
	assert_true(store_optout_has(t->gw.store, ANNA));
}

/* Run every test, each with its own store or folder. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance_text),
		cmocka_unit_test_setup_teardown(test_trygg_postnummer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trygg_places, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trygg_fits_one_sms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_reply_to_machines,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_start_area, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_template, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
