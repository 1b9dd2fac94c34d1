/*
 * Tests of inbound.c without a network: distance texts, and whole
 * inbound SMS handled against a real store (":memory:"), the shipped
 * templates and conf/ reference data, with a fake clock. Each test looks
 * at the replies queued (kind, text, pin, sender) and what changed in
 * the store: opt-outs, areas, answers, the "ack" source callback.
 *
 * The source event sender (source_events.c) is tested here too, in process: a
 * receiver on 127.0.0.1 in the same event loop records what is POSTed
 * (signed or not, retried after a 500, old events dropped, progress and
 * done of a watched alert).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <netinet/in.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "gateway/auth.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/http_client.h"
#include "gateway/inbound.h"
#include "gateway/refdata.h"
#include "gateway/sms.h"
#include "gateway/source_events.h"
#include "gateway/store.h"
#include "gateway/template.h"
#include "gateway/util.h"
#include "tests/e2e.h"

#define T0		1795000000000LL		/* 2026-11-18, ms */
#define MIN		(60 * 1000LL)
#define OUR_NUMBER	"+46766861000"
#define ANNA		"+46701740605"
#define MAXREPLIES	64
#define SECRET		"unit-test-hmac-secret"
#define MAXPOSTS	16
#define WATCHDOG_MS	20000

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

/* One POST the callback receiver got. */
struct post {
	char	 path[64];
	char	 event[32];
	char	 timestamp[24];
	char	 signature[96];	/* "" if none */
	char	 ctype[64];
	char	*body;
};

/* A callback receiver on 127.0.0.1 in the test's event loop. */
struct receiver {
	struct evhttp	*http;
	int		 port;
	int		 fail_first;	/* answer 500 to this many first */
	struct post	 v[MAXPOSTS];
	size_t		 n;
};

/* One test's gateway: a store in memory, templates, refdata, a clock. */
struct t {
	struct gw	 gw;
	struct config	 cfg;
	struct client_conf clients[2];
	struct receiver	 rcv;
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
	t->cfg.emergency_number = "112";
	t->cfg.duty_number = "08-721 23 13";
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
	size_t		 j;
	int		 i;

	source_events_free(t->gw.events);
	http_client_free(t->gw.http);
	if (t->rcv.http != NULL)
		evhttp_free(t->rcv.http);
	for (j = 0; j < t->rcv.n; j++)
		free(t->rcv.v[j].body);
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
	assert_non_null(strstr(r.body, "ring 112."));
	assert_null(strstr(r.body, "08-721 23 13"));

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
	assert_int_equal(store_contact_upsert(t->gw.store, &c, NULL), 0);
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
	assert_int_equal(store_contact_upsert(t->gw.store, &c, NULL), 0);
	t->now += MIN;
	sms(t, ANNA, "trygg");
	assert_int_equal(nreplies(t, ANNA, &r), 7);
	assert_non_null(strstr(r.body, "Turinge kyrka"));
	assert_non_null(strstr(r.body, "4.4 km"));
}

/*
 * Reference data of one trygghetspunkt, the CSV row point (near ANNA's
 * 15531), then ANNA's "TRYGG 15531": its one reply into r, measured
 * into info.
 */
static void
trygg_at_one_point(struct t *t, const char *point, struct reply *r,
    struct sms_info *info)
{
	char		 err[1024], csv[1024], ar[PATH_MAX];
	const char	*tp;

	snprintf(csv, sizeof(csv), "id,name,address,lat,lon,hours\n%s\n",
	    point);
	tp = write_file(t, "tp.csv", csv);
	src_path(ar, sizeof(ar), "conf/areas.csv");
	refdata_free(t->gw.refdata);
	assert_non_null(t->gw.refdata = refdata_load(tp, ar, err,
	    sizeof(err)));
	sms(t, ANNA, "TRYGG 15531");
	assert_int_equal(nreplies(t, ANNA, r), 1);
	assert_int_equal(sms_measure(r->body, strlen(r->body), info, err,
	    sizeof(err)), 0);
}

/*
 * Typographic dashes in the data would make the answer UCS-2 and three
 * SMS: they become hyphens, and the answer fits one GSM-7 SMS whole
 * (nothing is cut: the hours would be, were the dashes kept).
 */
static void
test_trygg_transliterated(void **state)
{
	struct t	*t = *state;
	struct reply	 r;
	struct sms_info	 info;

	trygg_at_one_point(t, "tp-y,Lillhagaskolan,Lillhagsvägen 12\u201314,"
	    "59.18290,17.42350,\"mån\u2013fre 08\u201320, lör\u2013sön "
	    "10\u201316\"", &r, &info);
	assert_int_equal(info.encoding, SMS_GSM7);
	assert_int_equal(info.segments, 1);
	assert_non_null(strstr(r.body, "Lillhagsvägen 12-14"));
	assert_non_null(strstr(r.body, "Öppet: mån-fre 08-20, lör-sön 10-16."));
	assert_null(strstr(r.body, "..."));
}

/* A point with long hours still fits one SMS: the hours are cut. */
static void
test_trygg_fits_one_sms(void **state)
{
	struct t	*t = *state;
	struct contact	 c;
	struct reply	 r;
	struct sms_info	 info;

	trygg_at_one_point(t, "tp-x,Lillhagaskolan,Lillhagsvägen 12 ingång B,"
	    "59.18290,17.42350,\"måndag till fredag 07.30-21.00, lördag och "
	    "söndag 10.00-16.00, vid kris dygnet runt enligt kommunens "
	    "beslut\"", &r, &info);
	assert_int_equal(info.segments, 1);
	assert_int_equal(r.segments, 1);
	assert_non_null(strstr(r.body, "Lillhagaskolan"));
	assert_non_null(strstr(r.body, "30 m"));
	assert_non_null(strstr(r.body, "måndag till fredag"));
	assert_non_null(strstr(r.body, "..."));

	/*
	 * In Arabic (UCS-2, 70 units) the fixed words alone pass one SMS:
	 * the hours are cut to their minimum and the reply goes out in two
	 * segments (this used to cut the same value again forever).
	 */
	memset(&c, 0, sizeof(c));
	strlcpy(c.phone, "+46701740607", sizeof(c.phone));
	strlcpy(c.lang, "ar", sizeof(c.lang));
	c.channels = CH_SMS;
	assert_int_equal(store_contact_upsert(t->gw.store, &c, NULL), 0);
	sms(t, "+46701740607", "TRYGG 15531");
	assert_int_equal(nreplies(t, "+46701740607", &r), 1);
	assert_non_null(strstr(r.body, "Lillhagaskolan"));
	assert_true(r.segments >= 2);
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
	/* The help text, with 112 and the larmbord, takes two segments. */
	assert_int_equal(queued(t), 2);
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

/*
 * Store alert a (a ref-N source_ref, Swedish, GSM-7, one recipient) with
 * one Swedish one-segment SMS d to it; the caller set the rest.
 */
static void
store_one(struct t *t, struct alert_row *a, struct delivery *d)
{
	char	ref[32];

	snprintf(ref, sizeof(ref), "ref-%d", ++t->seq);
	a->source_ref = ref;
	a->body_hash = "0";
	a->lang = "sv";
	a->recipients = 1;
	a->encoding = "GSM-7";
	a->status = "actual";
	assert_int_equal(store_alert_insert(t->gw.store, a), 0);
	a->source_ref = NULL;
	d->alert_id = a->id;
	d->channel = CH_SMS;
	strlcpy(d->lang, "sv", sizeof(d->lang));
	d->segments = 1;
	assert_int_equal(store_delivery_insert(t->gw.store, d), 0);
}

/* Make an alert asking for answers, sent to phone; its delivery id. */
static int64_t
ack_alert(struct t *t, const char *phone, const char *callback_url,
    int64_t *alert_id)
{
	struct alert_row	a;
	struct delivery		d;

	memset(&a, 0, sizeof(a));
	a.client = "e2e";
	a.type = "call-out";
	a.severity = 1;
	a.ack = true;
	a.callback_url = (char *)callback_url;
	a.created_at = t->now;
	a.expires_at = t->now + 60 * MIN;
	memset(&d, 0, sizeof(d));
	strlcpy(d.phone, phone, sizeof(d.phone));
	d.body = "Utrop: kan du komma?";
	d.state = DS_SENT;
	d.priority = 1;
	d.created_at = t->now;
	store_one(t, &a, &d);
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
	assert_non_null(t->gw.events = source_events_new(&t->gw, err,
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

/* Record one POST and answer it: 500 while fail_first lasts, else 200. */
static void
receiver_cb(struct evhttp_request *req, void *arg)
{
	struct receiver		*rc = arg;
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct post		*p;
	const char		*v;
	size_t			 len = evbuffer_get_length(in);

	if (rc->n == MAXPOSTS) {
		evhttp_send_reply(req, 507, "Full", NULL);
		return;
	}
	p = &rc->v[rc->n++];
	memset(p, 0, sizeof(*p));
	strlcpy(p->path, evhttp_request_get_uri(req), sizeof(p->path));
	if ((v = evhttp_find_header(h, "X-Varsel-Event")) != NULL)
		strlcpy(p->event, v, sizeof(p->event));
	if ((v = evhttp_find_header(h, "X-Varsel-Timestamp")) != NULL)
		strlcpy(p->timestamp, v, sizeof(p->timestamp));
	if ((v = evhttp_find_header(h, "X-Varsel-Signature")) != NULL)
		strlcpy(p->signature, v, sizeof(p->signature));
	if ((v = evhttp_find_header(h, "Content-Type")) != NULL)
		strlcpy(p->ctype, v, sizeof(p->ctype));
	p->body = calloc(1, len + 1);
	assert_non_null(p->body);
	evbuffer_copyout(in, p->body, len);
	if (rc->fail_first > 0) {
		rc->fail_first--;
		evhttp_send_reply(req, 500, "Scripted", NULL);
	} else
		evhttp_send_reply(req, 200, "OK", NULL);
}

/*
 * Give the test an event loop, an HTTP client, the callback sender, two
 * clients (one with an hmac_secret) and the receiver.
 */
static void
start_callbacks(struct t *t)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof(ss);
	char				 err[256];

	t->clients[0].name = "signed";
	t->clients[0].hmac_secret = SECRET;
	t->clients[0].callback_hosts = "127.0.0.1";
	t->clients[1].name = "plain";
	t->clients[1].callback_hosts = "localhost, 127.0.0.1";
	t->cfg.clients = t->clients;
	t->cfg.nclients = 2;
	assert_non_null(t->gw.base = event_base_new());
	assert_non_null(t->gw.http = http_client_new(t->gw.base, 8));
	assert_non_null(t->rcv.http = evhttp_new(t->gw.base));
	evhttp_set_gencb(t->rcv.http, receiver_cb, &t->rcv);
	assert_non_null(bs = evhttp_bind_socket_with_handle(t->rcv.http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &sl), 0);
	t->rcv.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	assert_non_null(t->gw.events = source_events_new(&t->gw, err,
	    sizeof(err)));
}

/* The receiver's URL with path, into buf. */
static const char *
rcv_url(struct t *t, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "http://127.0.0.1:%d%s", t->rcv.port, path);
	return buf;
}

/* Watchdog of run_until: fail instead of hanging. */
static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

/* Run the loop until done(t) holds; fail after WATCHDOG_MS. */
static void
run_until(struct t *t, bool (*done)(struct t *), const char *what)
{
	struct timeval	 tv = { WATCHDOG_MS / 1000, 0 };
	struct event	*wd;
	bool		 fired = false;

	assert_non_null(wd = evtimer_new(t->gw.base, watchdog_cb, &fired));
	evtimer_add(wd, &tv);
	while (!done(t) && !fired)
		event_base_loop(t->gw.base, EVLOOP_ONCE);
	event_free(wd);
	if (fired)
		fail_msg("watchdog: still waiting for %s after %d ms (%zu "
		    "posts)", what, WATCHDOG_MS, t->rcv.n);
}

/*
 * The i-th POST of event (the watch also sends alert.progress and
 * alert.done for the test alerts); NULL if there are fewer.
 */
static struct post *
post_of(struct t *t, const char *event, size_t i)
{
	size_t	j;

	for (j = 0; j < t->rcv.n; j++)
		if (strcmp(t->rcv.v[j].event, event) == 0 && i-- == 0)
			return &t->rcv.v[j];
	return NULL;
}

/* How many POSTs of event came. */
static size_t
nposts(struct t *t, const char *event)
{
	size_t	n = 0;

	while (post_of(t, event, n) != NULL)
		n++;
	return n;
}

/* No callback is pending any more. */
static bool
outbox_empty(struct t *t)
{
	int64_t	next;

	return store_callback_next_due(t->gw.store, &next) == STORE_NOTFOUND &&
	    source_events_inflight(t->gw.events) == 0;
}

/* An alert of client with callback_url and one delivery in state. */
static int64_t
cb_alert(struct t *t, const char *client, const char *url, int state,
    int64_t *delivery_id)
{
	struct alert_row	a;
	struct delivery		d;

	memset(&a, 0, sizeof(a));
	a.client = (char *)client;
	a.type = "incident";
	a.severity = 2;
	a.callback_url = (char *)url;
	a.created_at = now_ms();
	memset(&d, 0, sizeof(d));
	strlcpy(d.phone, ANNA, sizeof(d.phone));
	d.body = "Brand i centrum.";
	d.state = state;
	d.priority = 2;
	d.next_at = now_ms() + 3600000;	/* no dispatcher here */
	store_one(t, &a, &d);
	if (delivery_id != NULL)
		*delivery_id = d.id;
	return a.id;
}

/*
 * An event of a client with an hmac_secret is signed over the exact
 * body; one of a client without is sent unsigned. Both are JSON with
 * the envelope of API.md.
 */
static void
test_callbacks_signed(void **state)
{
	struct t	*t = *state;
	struct post	*p;
	json_t		*body;
	char		 url[96], want[96];
	int64_t		 a1, a2;
	size_t		 i;

	start_callbacks(t);
	a1 = cb_alert(t, "signed", rcv_url(t, "/hook/a", url, sizeof(url)),
	    DS_SENT, NULL);
	a2 = cb_alert(t, "plain", rcv_url(t, "/hook/b", url, sizeof(url)),
	    DS_SENT, NULL);
	assert_int_equal(source_events_post(t->gw.events, a1, "ack",
	    json_pack("{ss}", "answer", "yes")), 0);
	assert_int_equal(source_events_post(t->gw.events, a2, "ack",
	    json_pack("{ss}", "answer", "no")), 0);
	run_until(t, outbox_empty, "two callbacks");
	assert_int_equal(nposts(t, "ack"), 2);
	for (i = 0; i < 2; i++) {
		p = post_of(t, "ack", i);
		assert_string_equal(p->ctype, "application/json");
		assert_true(strtoll(p->timestamp, NULL, 10) > 1700000000LL);
		assert_non_null(body = json_loads(p->body, 0, NULL));
		assert_string_equal(e2e_json_str(body, "event"), "ack");
		assert_non_null(e2e_json_str(body, "sent_at"));
		assert_null(json_object_get(body, "created_at"));
		if (strcmp(p->path, "/hook/a") == 0) {
			assert_int_equal(e2e_json_int(body, "alert_id"), a1);
			assert_string_equal(e2e_json_str(body, "data.answer"),
			    "yes");
			auth_sign(SECRET, p->timestamp, p->body,
			    strlen(p->body), want, sizeof(want));
			assert_string_equal(p->signature, want);
		} else {
			assert_string_equal(p->path, "/hook/b");
			assert_int_equal(e2e_json_int(body, "alert_id"), a2);
			assert_string_equal(p->signature, "");
		}
		json_decref(body);
	}
	/* An alert without a callback_url has no events at all. */
	a1 = cb_alert(t, "signed", NULL, DS_SENT, NULL);
	assert_int_equal(source_events_post(t->gw.events, a1, "ack",
	    json_object()), 0);
	assert_true(outbox_empty(t));
}

/* Non-2xx answers are retried with the same event until a 2xx. */
static void
test_callbacks_retry(void **state)
{
	struct t	*t = *state;
	char		 url[96];
	int64_t		 a;

	start_callbacks(t);
	t->rcv.fail_first = 2;
	a = cb_alert(t, "signed", rcv_url(t, "/retry", url, sizeof(url)),
	    DS_SENT, NULL);
	assert_int_equal(source_events_post(t->gw.events, a, "ack",
	    json_pack("{ss}", "answer", "yes")), 0);
	run_until(t, outbox_empty, "the third try");
	assert_int_equal(nposts(t, "ack"), 3);
	/* The same event each time, sent_at aside. */
	assert_non_null(strstr(post_of(t, "ack", 0)->body,
	    "\"answer\":\"yes\""));
	assert_non_null(strstr(post_of(t, "ack", 2)->body,
	    "\"answer\":\"yes\""));
}

/* An event older than 24 h is dropped without a request. */
static void
test_callbacks_drop_old(void **state)
{
	struct t	*t = *state;
	char		 url[96], *body;
	int64_t		 a, old = now_ms() - 25 * 3600 * 1000LL;

	start_callbacks(t);
	a = cb_alert(t, "signed", rcv_url(t, "/old", url, sizeof(url)),
	    DS_SENT, NULL);
	assert_non_null(body = str_printf("{\"event\":\"ack\",\"alert_id\":"
	    "%lld,\"data\":{},\"created_at\":%lld}", (long long)a,
	    (long long)old));
	assert_int_equal(store_callback_enqueue(t->gw.store, a, "signed", url,
	    "ack", body, old), 0);
	free(body);
	run_until(t, outbox_empty, "the old event to be dropped");
	assert_int_equal(nposts(t, "ack"), 0);
}

/* Is the newest POST an alert.done? */
static bool
got_done(struct t *t)
{
	return t->rcv.n > 0 &&
	    strcmp(t->rcv.v[t->rcv.n - 1].event, "alert.done") == 0;
}

/* Has the receiver got anything? */
static bool
got_any(struct t *t)
{
	return t->rcv.n > 0;
}

/*
 * A watched alert: alert.progress while a delivery is queued, then
 * alert.done once nothing is queued or sending (done is not held back
 * by the 5 s between progress events).
 */
static void
test_callbacks_watch(void **state)
{
	struct t	*t = *state;
	json_t		*body;
	char		 url[96];
	int64_t		 a, d;

	start_callbacks(t);
	a = cb_alert(t, "signed", rcv_url(t, "/watch", url, sizeof(url)),
	    DS_QUEUED, &d);
	run_until(t, got_any, "alert.progress");
	assert_string_equal(t->rcv.v[0].event, "alert.progress");
	assert_non_null(body = json_loads(t->rcv.v[0].body, 0, NULL));
	assert_int_equal(e2e_json_int(body, "alert_id"), a);
	assert_string_equal(e2e_json_str(body, "data.state"), "dispatching");
	assert_int_equal(e2e_json_int(body, "data.counts.queued"), 1);
	json_decref(body);

	assert_int_equal(store_delivery_finish(t->gw.store, d, DS_DELIVERED,
	    NULL, now_ms()), 0);
	run_until(t, got_done, "alert.done");
	assert_int_equal(t->rcv.n, 2);
	assert_non_null(body = json_loads(t->rcv.v[1].body, 0, NULL));
	assert_string_equal(e2e_json_str(body, "data.state"), "done");
	assert_int_equal(e2e_json_int(body, "data.counts.delivered"), 1);
	assert_int_equal(e2e_json_int(body, "data.counts.queued"), 0);
	json_decref(body);
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
		cmocka_unit_test_setup_teardown(test_trygg_transliterated,
		    setup, teardown),
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
		cmocka_unit_test_setup_teardown(test_callbacks_signed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callbacks_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callbacks_drop_old, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callbacks_watch, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
