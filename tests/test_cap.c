/*
 * Tests of the CAP 1.2 parser: the documents in tests/data/cap (circle,
 * polygon, two languages, Cancel, Test), table-driven edits of them
 * (each required element missing, wrong enumerations, bad circles,
 * polygons, dates, references), hostile XML (XXE, billion laughs) and
 * the limits. libxml2's allocator and input callbacks are hooked so the
 * attacks are measured by work done and files opened, not by a clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlIO.h>

#include "gateway/alert.h"
#include "gateway/cap.h"
#include "gateway/sms.h"
#include "gateway/types.h"
#include "gateway/util.h"
#include "tests/adapter_test.h"

/*
 * Bytes libxml2 may allocate for a hostile document. Stopped at the
 * DOCTYPE it takes about 15 KB (mostly the parser context); reading the
 * billion-laughs declarations alone, before libxml2's own guards stop
 * the expansion, already takes over 180 KB.
 */
#define WORK_BOUND	(64 * 1024)

static size_t	xml_alloc_bytes;	/* requested from libxml2's malloc */
static int	xml_opened;		/* URIs libxml2 asked to read */
static char	xml_last_uri[512];

/* libxml2's malloc, counting. */
static void *
count_malloc(size_t n)
{
	xml_alloc_bytes += n;
	return malloc(n);
}

/* libxml2's realloc, counting the new size. */
static void *
count_realloc(void *p, size_t n)
{
	xml_alloc_bytes += n;
	return realloc(p, n);
}

/* libxml2's strdup, counting. */
static char *
count_strdup(const char *s)
{
	xml_alloc_bytes += strlen(s) + 1;
	return strdup(s);
}

/* An input callback that matches nothing, but notes every URI. */
static int
spy_match(const char *uri)
{
	xml_opened++;
	snprintf(xml_last_uri, sizeof(xml_last_uri), "%s", uri);
	return 0;
}

/* Never called: spy_match declines. */
static void *
spy_open(const char *uri)
{
	(void)uri;
	return NULL;
}

/* Never called: spy_match declines. */
static int
spy_read(void *ctx, char *buf, int len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return -1;
}

/* Never called: spy_match declines. */
static int
spy_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* Parse a file of tests/data/cap; the result of cap_parse. */
static int
parse_file(const char *name, struct cap_alert *a, struct api_error *err)
{
	char	*xml;
	size_t	 len;
	int	 r;

	xml = at_load("cap", name, &len);
	memset(err, 0, sizeof(*err));
	r = cap_parse(xml, len, a, err);
	free(xml);
	return r;
}

/* s with its first from replaced by to (malloc'd); from must be there. */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char	*at;
	char		*out;
	size_t		 pre;

	if ((at = strstr(s, from)) == NULL)
		fail_msg("'%s' is not in the document", from);
	pre = (size_t)(at - s);
	out = malloc(strlen(s) - strlen(from) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, s, pre);
	strcpy(out + pre, to);
	strcat(out, at + strlen(from));
	return out;
}

/* Is s valid UTF-8? */
static int
utf8_ok(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 k;

	while (*p != '\0') {
		if (*p < 0x80)
			k = 0;
		else if ((*p & 0xe0) == 0xc0)
			k = 1;
		else if ((*p & 0xf0) == 0xe0)
			k = 2;
		else if ((*p & 0xf8) == 0xf0)
			k = 3;
		else
			return 0;
		p++;
		while (k-- > 0)
			if ((*p++ & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* An Actual alert for a circle, in Swedish. */
static void
test_cap_circle(void **state)
{
	struct cap_alert	a;
	struct api_error	err;

	(void)state;
	if (parse_file("circle.xml", &a, &err) != 0)
		fail_msg("%d %s: %s", err.status, err.field, err.message);
	assert_string_equal(a.identifier, "se.nykvarn.larm-2025-0043");
	assert_string_equal(a.sender, "larm@nykvarn.se");
	assert_int_equal(a.msgtype, CAP_ALERT);
	assert_int_equal(a.status, CAP_ACTUAL);
	assert_null(a.references);
	assert_int_equal(a.ninfo, 1);
	assert_string_equal(a.info[0].lang, "sv");
	assert_int_equal(a.info[0].severity, SEV_SEVERE);
	assert_string_equal(a.info[0].event, "Brand i industrilokal");
	assert_string_equal(a.info[0].headline,
	    "Rökutveckling vid Centrumvägen");
	assert_string_equal(a.info[0].description,
	    "Kraftig rök från en brand. Räddningstjänsten är på plats");
	assert_string_equal(a.info[0].instruction,
	    "Stäng fönster och ventilation.");
	/* Headline first; a "." where the description stops short. */
	assert_string_equal(a.info[0].text,
	    "Rökutveckling vid Centrumvägen: Kraftig rök från en brand. "
	    "Räddningstjänsten är på plats. Stäng fönster och ventilation.");
	assert_int_equal(a.nshapes, 1);
	assert_true(a.shapes[0].is_circle);
	assert_true(fabs(a.shapes[0].centre.lat - 59.1783) < 1e-9);
	assert_true(fabs(a.shapes[0].centre.lon - 17.4310) < 1e-9);
	assert_true(fabs(a.shapes[0].radius_m - 1500) < 1e-6);
	assert_null(a.shapes[0].vertices);
	assert_int_equal(a.npostnummer, 0);
	/* 2025-11-26T23:00:00+01:00 */
	assert_int_equal(a.expires_at_ms, 1764194400000LL);
	cap_alert_clear(&a);
	assert_null(a.identifier);
	assert_int_equal(a.ninfo, 0);
}

/* The providers.md example: an Exercise with a polygon and a circle. */
static void
test_cap_polygon(void **state)
{
	static const struct geo_point	want[] = {
		{ 59.1850, 17.4150 }, { 59.1850, 17.4450 },
		{ 59.1700, 17.4450 }, { 59.1700, 17.4150 },
		{ 59.1850, 17.4150 },
	};
	struct cap_alert		a;
	struct api_error		err;
	size_t				i;

	(void)state;
	if (parse_file("polygon.xml", &a, &err) != 0)
		fail_msg("%d %s: %s", err.status, err.field, err.message);
	assert_int_equal(a.status, CAP_EXERCISE);
	assert_int_equal(a.msgtype, CAP_ALERT);
	assert_int_equal(a.info[0].severity, SEV_MODERATE);
	assert_string_equal(a.info[0].text,
	    "Strömavbrott – trygghetspunkter öppna: Stora delar av centrala "
	    "Nykvarn saknar ström. Sms:a TRYGG till kommunens nummer för "
	    "närmaste trygghetspunkt.");
	assert_int_equal(a.nshapes, 2);
	assert_false(a.shapes[0].is_circle);
	assert_int_equal(a.shapes[0].nvertices, 5);
	for (i = 0; i < 5; i++) {
		assert_true(fabs(a.shapes[0].vertices[i].lat - want[i].lat) <
		    1e-9);
		assert_true(fabs(a.shapes[0].vertices[i].lon - want[i].lon) <
		    1e-9);
	}
	assert_true(a.shapes[1].is_circle);
	assert_true(fabs(a.shapes[1].radius_m - 1500) < 1e-6);
	/* 2025-11-27T06:00:00+01:00 */
	assert_int_equal(a.expires_at_ms, 1764219600000LL);
	cap_alert_clear(&a);
}

/*
 * sv and en infos under a cap: prefix: both texts, one shape for the
 * repeated circle, postnummer once each, the earlier expiry.
 */
static void
test_cap_two_languages(void **state)
{
	struct cap_alert	a;
	struct api_error	err;

	(void)state;
	if (parse_file("two_languages.xml", &a, &err) != 0)
		fail_msg("%d %s: %s", err.status, err.field, err.message);
	assert_int_equal(a.ninfo, 2);
	assert_string_equal(a.info[0].lang, "sv");
	assert_int_equal(a.info[0].severity, SEV_MINOR);
	assert_string_equal(a.info[0].text,
	    "Koka vattnet: Bakterier har hittats i vattenledningen. "
	    "Koka dricksvatten i minst en minut.");
	assert_string_equal(a.info[1].lang, "en");
	assert_int_equal(a.info[1].severity, SEV_MODERATE);
	assert_null(a.info[1].headline);
	assert_string_equal(a.info[1].text,
	    "Boil water advisory: Bacteria were found in the water mains. "
	    "Boil drinking water for at least one minute.");
	assert_int_equal(a.nshapes, 1);
	assert_true(fabs(a.shapes[0].radius_m - 2000) < 1e-6);
	assert_int_equal(a.npostnummer, 2);
	assert_string_equal(a.postnummer[0], "15531");
	assert_string_equal(a.postnummer[1], "15530");
	/* min(2025-11-30T12:00+01:00, 2025-11-30T10:00+00:00) */
	assert_int_equal(a.expires_at_ms, 1764496800000LL);
	cap_alert_clear(&a);
}

/* A Cancel names what it cancels and needs no info. */
static void
test_cap_cancel(void **state)
{
	struct cap_alert	a;
	struct api_error	err;

	(void)state;
	if (parse_file("cancel.xml", &a, &err) != 0)
		fail_msg("%d %s: %s", err.status, err.field, err.message);
	assert_int_equal(a.msgtype, CAP_CANCEL);
	assert_int_equal(a.status, CAP_ACTUAL);
	assert_string_equal(a.references, "larm@nykvarn.se,"
	    "se.nykvarn.larm-2025-0043,2025-11-26T21:15:00+01:00");
	assert_int_equal(a.ninfo, 0);
	assert_int_equal(a.nshapes, 0);
	assert_int_equal(a.expires_at_ms, 0);
	cap_alert_clear(&a);
}

/* status Test parses like any alert; CAP's default language is en-US. */
static void
test_cap_test_status(void **state)
{
	struct cap_alert	a;
	struct api_error	err;

	(void)state;
	if (parse_file("test_status.xml", &a, &err) != 0)
		fail_msg("%d %s: %s", err.status, err.field, err.message);
	assert_int_equal(a.status, CAP_TEST);
	assert_int_equal(a.ninfo, 1);
	assert_string_equal(a.info[0].lang, "en");
	assert_int_equal(a.info[0].severity, SEV_UNKNOWN);
	assert_string_equal(a.info[0].text, "Beacon self-test");
	assert_true(fabs(a.shapes[0].radius_m - 500) < 1e-6);
	assert_int_equal(a.expires_at_ms, 0);
	cap_alert_clear(&a);
}

/* Every status and msgType value comes through as its enum. */
static void
test_cap_enums(void **state)
{
	static const struct {
		const char	*from;
		const char	*to;
		int		 status;
		int		 msgtype;
	} rows[] = {
		{ "<status>Actual", "<status>Actual", CAP_ACTUAL, CAP_ALERT },
		{ "<status>Actual", "<status>Exercise", CAP_EXERCISE,
		    CAP_ALERT },
		{ "<status>Actual", "<status>System", CAP_SYSTEM, CAP_ALERT },
		{ "<status>Actual", "<status>Test", CAP_TEST, CAP_ALERT },
		{ "<status>Actual", "<status>Draft", CAP_DRAFT, CAP_ALERT },
		{ "<msgType>Alert", "<msgType>Ack", CAP_ACTUAL, CAP_ACK },
		{ "<msgType>Alert", "<msgType>Error", CAP_ACTUAL, CAP_ERROR },
	};
	struct cap_alert	a;
	struct api_error	err;
	char			*base, *xml;
	size_t			 len, i;

	(void)state;
	base = at_load("cap", "circle.xml", &len);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		xml = replace(base, rows[i].from, rows[i].to);
		if (cap_parse(xml, strlen(xml), &a, &err) != 0)
			fail_msg("row %zu: %s", i, err.message);
		assert_int_equal(a.status, rows[i].status);
		assert_int_equal(a.msgtype, rows[i].msgtype);
		cap_alert_clear(&a);
		free(xml);
	}
	free(base);
}

/* An edit of a good document and the error it must give. */
struct cap_bad {
	const char	*file;
	const char	*from;
	const char	*to;
	int		 status;
	const char	*field;
	const char	*msg;		/* substring of the message */
};

static const struct cap_bad cap_bad_rows[] = {
	/* Each element the XSD requires, missing. */
	{ "circle.xml", "<identifier>se.nykvarn.larm-2025-0043</identifier>",
	    "", 422, "alert/identifier", "alert/identifier is missing" },
	{ "circle.xml", "<sender>larm@nykvarn.se</sender>", "", 422,
	    "alert/sender", "missing" },
	{ "circle.xml", "<sent>2025-11-26T21:15:00+01:00</sent>", "", 422,
	    "alert/sent", "missing" },
	{ "circle.xml", "<status>Actual</status>", "", 422, "alert/status",
	    "missing" },
	{ "circle.xml", "<msgType>Alert</msgType>", "", 422,
	    "alert/msgType", "missing" },
	{ "circle.xml", "<scope>Public</scope>", "", 422, "alert/scope",
	    "missing" },
	{ "circle.xml", "<category>Fire</category>\n    "
	    "<category>Safety</category>", "", 422, "info/category",
	    "info[1]/category is missing" },
	{ "circle.xml", "<event>Brand i industrilokal</event>", "", 422,
	    "info/event", "info[1]/event is missing" },
	{ "circle.xml", "<urgency>Immediate</urgency>", "", 422,
	    "info/urgency", "missing" },
	{ "circle.xml", "<severity>Severe</severity>", "", 422,
	    "info/severity", "info[1]/severity is missing" },
	{ "circle.xml", "<certainty>Observed</certainty>", "", 422,
	    "info/certainty", "missing" },
	{ "circle.xml", "<areaDesc>Runt Centrumvägen</areaDesc>", "", 422,
	    "area/areaDesc", "info[1]/area[1]/areaDesc is missing" },
	{ "two_languages.xml", "<cap:severity>Moderate</cap:severity>", "",
	    422, "info/severity", "info[2]/severity is missing" },
	{ "two_languages.xml", "<cap:valueName>kommunkod</cap:valueName>",
	    "", 422, "area/geocode/valueName", "geocode[3]/valueName" },
	/* Present but empty, or in another namespace: missing too. */
	{ "circle.xml", "se.nykvarn.larm-2025-0043", " ", 422,
	    "alert/identifier", "alert/identifier is empty" },
	{ "circle.xml", "<severity>Severe</severity>",
	    "<severity xmlns=\"urn:example\">Severe</severity>", 422,
	    "info/severity", "missing" },
	/* Enumerations (case matters in CAP). */
	{ "circle.xml", "<status>Actual", "<status>actual", 422,
	    "alert/status", "'actual' is not one of Actual, Exercise" },
	{ "circle.xml", "<msgType>Alert", "<msgType>Alarm", 422,
	    "alert/msgType", "not one of" },
	{ "circle.xml", "<scope>Public", "<scope>Everyone", 422,
	    "alert/scope", "not one of" },
	{ "circle.xml", "<severity>Severe", "<severity>Catastrophic", 422,
	    "info/severity", "'Catastrophic' is not one of Extreme" },
	{ "circle.xml", "<urgency>Immediate", "<urgency>Now", 422,
	    "info/urgency", "not one of" },
	{ "circle.xml", "<certainty>Observed", "<certainty>Sure", 422,
	    "info/certainty", "not one of" },
	{ "circle.xml", "<category>Fire", "<category>Weather", 422,
	    "info/category", "'Weather'" },
	{ "circle.xml", "<language>sv-SE", "<language>svenska", 422,
	    "info/language", "not a language tag" },
	/* Identifiers and dates. */
	{ "circle.xml", "se.nykvarn.larm-2025-0043", "larm 43", 422,
	    "alert/identifier", "contains ' '" },
	{ "circle.xml", "se.nykvarn.larm-2025-0043", "larm,43", 422,
	    "alert/identifier", "contains ','" },
	{ "circle.xml", "se.nykvarn.larm-2025-0043", "larm&amp;43", 422,
	    "alert/identifier", "contains '&'" },
	{ "circle.xml", "se.nykvarn.larm-2025-0043",
	    "x123456789x123456789x123456789x123456789x123456789"
	    "x123456789x123456789x123456789x123456789x123456789"
	    "x123456789x123456789x123456789", 422, "alert/identifier",
	    "over 128 characters" },
	{ "circle.xml", "<sender>larm@nykvarn.se", "<sender>larm nykvarn",
	    422, "alert/sender", "contains ' '" },
	{ "circle.xml", "se.nykvarn.larm-2025-0043</identifier>",
	    "a</identifier><identifier>b</identifier>", 422,
	    "alert/identifier", "more than once" },
	{ "circle.xml", "<severity>", "<severity>Minor</severity><severity>",
	    422, "info/severity", "more than once" },
	{ "circle.xml", "2025-11-26T21:15:00+01:00</sent>",
	    "2025-11-26T20:15:00Z</sent>", 422, "alert/sent", "not Z" },
	{ "circle.xml", "2025-11-26T21:15:00+01:00</sent>",
	    "2025-11-26T21:15:00.5+01:00</sent>", 422, "alert/sent", "" },
	{ "circle.xml", "2025-11-26T21:15:00+01:00</sent>",
	    "2025-02-29T21:15:00+01:00</sent>", 422, "alert/sent", "" },
	{ "circle.xml", "2025-11-26T21:15:00+01:00</sent>",
	    "2025-11-26T24:00:00+01:00</sent>", 422, "alert/sent", "" },
	{ "circle.xml", "2025-11-26T21:15:00+01:00</sent>",
	    "2025-11-26T21:15:00+15:00</sent>", 422, "alert/sent", "" },
	{ "circle.xml", "<expires>2025-11-26T23:00:00+01:00",
	    "<expires>2025-11-26", 422, "info/expires", "not a CAP date" },
	/* References: required for Cancel and Update, and well formed. */
	{ "cancel.xml", "larm@nykvarn.se,se.nykvarn.larm-2025-0043,",
	    "se.nykvarn.larm-2025-0043,", 422, "alert/references",
	    "entry 1 is not sender,identifier,sent" },
	{ "cancel.xml", "2025-11-26T21:15:00+01:00</references>",
	    "2025-11-26T21:15:00+01:00 a,,b</references>", 422,
	    "alert/references", "entry 2" },
	{ "circle.xml", "<msgType>Alert", "<msgType>Update", 422,
	    "alert/references", "alert/references is missing" },
	/* Circles: "lat,lon radius_km", radius above 0. */
	{ "circle_bad_radius.xml", NULL, NULL, 422, "area/circle",
	    "radius -1.5 km: it must be above 0" },
	{ "circle.xml", "17.4310 1.5", "17.4310 0", 422, "area/circle",
	    "radius 0 km" },
	{ "circle.xml", "17.4310 1.5", "17.4310", 422, "area/circle",
	    "not \"lat,lon radius_km\"" },
	{ "circle.xml", "17.4310 1.5", "17.4310 nan", 422, "area/circle",
	    "not a number of km" },
	{ "circle.xml", "17.4310 1.5", "17.4310 1e3", 422, "area/circle",
	    "not a number of km" },
	{ "circle.xml", "17.4310 1.5", "17.4310 1.5 km", 422,
	    "area/circle", "not a number of km" },
	{ "circle.xml", "17.4310 1.5", "17.4310 20001", 422, "area/circle",
	    "at most" },
	{ "circle.xml", "59.1783,17.4310", "91,17.4310", 422, "area/circle",
	    "off the globe" },
	{ "circle.xml", "59.1783,17.4310", "59.1783 17.4310", 422,
	    "area/circle", "not \"lat,lon radius_km\"" },
	/* Polygons: >= 4 points, closed, then geo_polygon_check. */
	{ "polygon_3pairs.xml", NULL, NULL, 422, "area/polygon",
	    "has 3 points" },
	{ "polygon_unclosed.xml", NULL, NULL, 422, "area/polygon",
	    "not closed" },
	{ "polygon.xml", "59.1700,17.4450 59.1700", "59.1700,17.4450 95.17",
	    422, "area/polygon", "vertex" },
	{ "polygon.xml", "59.1850,17.4450 ", "59.1850;17.4450 ", 422,
	    "area/polygon", "point 2 is not \"lat,lon\"" },
	{ "polygon.xml", "<polygon>59.1850,17.4150 59.1850,17.4450 "
	    "59.1700,17.4450 59.1700,17.4150 59.1850,17.4150</polygon>",
	    "<polygon>1,1 1,1 1,1 1,1</polygon>", 422, "area/polygon", "" },
	/* Geocodes: a postnummer has five digits. */
	{ "two_languages.xml", "<cap:value>155 31</cap:value>",
	    "<cap:value>1553</cap:value>", 422, "area/geocode",
	    "not a postnummer" },
	{ "two_languages.xml", "<cap:value>155 31</cap:value>",
	    "<cap:value>155 31 1</cap:value>", 422, "area/geocode",
	    "not a postnummer" },
	/* Not CAP at all. */
	{ "wrong_namespace.xml", NULL, NULL, 422, "alert",
	    "namespace urn:oasis:names:tc:emergency:cap:1.2" },
	{ "circle.xml", "<alert xmlns", "<alarm xmlns", 400, "", "" },
	{ "polygon.xml",
	    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
	    "<alert>", 422, "alert", "namespace" },
	{ "not_well_formed.xml", NULL, NULL, 400, "",
	    "not well-formed XML: line" },
	{ "circle.xml", "Brand i industrilokal", "Brand &nbsp; lokal", 400,
	    "", "not well-formed XML" },
};

/* Each row of cap_bad_rows is refused with its status and field. */
static void
test_cap_bad(void **state)
{
	struct cap_alert	a;
	struct api_error	err;
	char			*base, *xml;
	size_t			 len, i;
	int			 r;

	(void)state;
	for (i = 0; i < sizeof(cap_bad_rows) / sizeof(cap_bad_rows[0]);
	    i++) {
		const struct cap_bad	*b = &cap_bad_rows[i];

		base = at_load("cap", b->file, &len);
		xml = b->from != NULL ? replace(base, b->from, b->to) :
		    strdup(base);
		assert_non_null(xml);
		memset(&err, 0, sizeof(err));
		r = cap_parse(xml, strlen(xml), &a, &err);
		if (r != -1)
			fail_msg("row %zu (%s '%s'): should fail", i, b->file,
			    b->to ? b->to : "");
		if (err.status != b->status ||
		    strcmp(err.field, b->field) != 0 ||
		    strstr(err.message, b->msg) == NULL)
			fail_msg("row %zu: got %d '%s' '%s', want %d '%s' '%s'",
			    i, err.status, err.field, err.message, b->status,
			    b->field, b->msg);
		assert_string_equal(err.code, b->status == 400 ?
		    "invalid_json" : "invalid_field");
		/* A failed parse leaves nothing behind to free. */
		assert_null(a.identifier);
		assert_int_equal(a.ninfo, 0);
		assert_int_equal(a.nshapes, 0);
		assert_null(a.postnummer);
		free(xml);
		free(base);
	}
}

/*
 * Whole blocks commented out: an Alert without info (the XSD allows
 * none, but it says nothing to send), a Cancel without references.
 */
static void
test_cap_missing_blocks(void **state)
{
	struct cap_alert	a;
	struct api_error	err;
	char			*base, *xml;
	size_t			 len;

	(void)state;
	base = at_load("cap", "test_status.xml", &len);
	xml = replace(base, "<info>", "<!--");
	free(base);
	base = xml;
	xml = replace(base, "</info>", "-->");
	assert_int_equal(cap_parse(xml, strlen(xml), &a, &err), -1);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.field, "alert/info");
	assert_non_null(strstr(err.message, "alert/info is missing"));
	free(base);
	free(xml);

	base = at_load("cap", "cancel.xml", &len);
	xml = replace(base, "<references>", "<!--");
	free(base);
	base = xml;
	xml = replace(base, "</references>", "-->");
	assert_int_equal(cap_parse(xml, strlen(xml), &a, &err), -1);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.field, "alert/references");
	assert_non_null(strstr(err.message, "alert/references is missing"));
	free(base);
	free(xml);
}

/* expires in several offsets, to ms since the epoch. */
static void
test_cap_expires(void **state)
{
	static const struct {
		const char	*when;
		int64_t		 ms;
	} rows[] = {
		{ "2025-11-26T23:00:00+01:00", 1764194400000LL },
		{ "2024-02-29T12:00:00-05:30", 1709227800000LL },
		{ "2000-03-01T00:00:00+00:00", 951868800000LL },
		{ "2100-12-31T23:59:59+14:00", 4133930399000LL },
		{ "1969-12-31T23:59:59-00:00", -1000 },
	};
	struct cap_alert	a;
	struct api_error	err;
	char			*base, *xml, to[64];
	size_t			 len, i;

	(void)state;
	base = at_load("cap", "circle.xml", &len);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(to, sizeof(to), "<expires>%s<", rows[i].when);
		xml = replace(base, "<expires>2025-11-26T23:00:00+01:00<", to);
		if (cap_parse(xml, strlen(xml), &a, &err) != 0)
			fail_msg("%s: %s", rows[i].when, err.message);
		assert_int_equal(a.expires_at_ms, rows[i].ms);
		cap_alert_clear(&a);
		free(xml);
	}
	free(base);
}

/* circle.xml with its description replaced by desc (malloc'd). */
static char *
with_description(const char *base, const char *desc)
{
	char	*tag, *xml;
	size_t	 n = strlen(desc) + 64;

	tag = malloc(n);
	assert_non_null(tag);
	snprintf(tag, n, "<description>%s</description>", desc);
	xml = replace(base, "<description>\n      Kraftig rök från en "
	    "brand.\n      Räddningstjänsten är på plats\n    "
	    "</description>", tag);
	free(tag);
	return xml;
}

/*
 * The text stays within ALERT_MESSAGE_MAX: a long description is cut at
 * a word so the instruction survives; a long headline cuts it all.
 * Never inside a UTF-8 character.
 */
static void
test_cap_long_text(void **state)
{
	static const char	 head[] = "Rökutveckling vid Centrumvägen: ";
	static const char	 tail[] = "\xe2\x80\xa6 Stäng fönster och "
				    "ventilation.";
	struct cap_alert	 a;
	struct api_error	 err;
	char			*base, *xml, *tag, words[4000], runon[4000];
	size_t			 len, i, n;

	(void)state;
	base = at_load("cap", "circle.xml", &len);
	for (i = 0; i + 7 < sizeof(words); i += 7)
		memcpy(words + i, "åäö ", 7);	/* 3 x 2 bytes and a space */
	words[i] = '\0';
	for (i = 0; i + 2 < sizeof(runon); i += 2)
		memcpy(runon + i, "å", 2);	/* no space to cut at */
	runon[i] = '\0';

	/* Description cut at a word; the instruction is whole. */
	xml = with_description(base, words);
	if (cap_parse(xml, strlen(xml), &a, &err) != 0)
		fail_msg("%s", err.message);
	n = strlen(a.info[0].text);
	assert_true(n <= ALERT_MESSAGE_MAX && n > ALERT_MESSAGE_MAX - 50);
	assert_true(utf8_ok(a.info[0].text));
	assert_memory_equal(a.info[0].text, head, strlen(head));
	assert_string_equal(a.info[0].text + n - strlen(tail), tail);
	/* Whole words before the ellipsis. */
	assert_memory_equal(a.info[0].text + n - strlen(tail) - 6, "åäö", 6);
	cap_alert_clear(&a);
	free(xml);

	/* No spaces: cut between characters. */
	xml = with_description(base, runon);
	if (cap_parse(xml, strlen(xml), &a, &err) != 0)
		fail_msg("%s", err.message);
	n = strlen(a.info[0].text);
	assert_true(n <= ALERT_MESSAGE_MAX && n > ALERT_MESSAGE_MAX - 10);
	assert_true(utf8_ok(a.info[0].text));
	assert_string_equal(a.info[0].text + n - strlen(tail), tail);
	cap_alert_clear(&a);
	free(xml);

	/* The headline alone is too long: the whole text is cut. */
	n = strlen(words) + 64;
	tag = malloc(n);
	assert_non_null(tag);
	snprintf(tag, n, "<headline>%s</headline>", words);
	xml = replace(base, "<headline>Rökutveckling vid   "
	    "Centrumvägen</headline>", tag);
	free(tag);
	if (cap_parse(xml, strlen(xml), &a, &err) != 0)
		fail_msg("%s", err.message);
	n = strlen(a.info[0].text);
	assert_true(n <= ALERT_MESSAGE_MAX && n > ALERT_MESSAGE_MAX - 50);
	assert_true(utf8_ok(a.info[0].text));
	assert_memory_equal(a.info[0].text, "åäö åäö", 13);
	assert_string_equal(a.info[0].text + n - 3, "\xe2\x80\xa6");
	cap_alert_clear(&a);
	free(xml);

	/* Just short enough: untouched. */
	memset(words, 'a', 1000);
	words[1000] = '\0';
	xml = with_description(base, words);
	assert_int_equal(cap_parse(xml, strlen(xml), &a, &err), 0);
	assert_null(strstr(a.info[0].text, "\xe2\x80\xa6"));
	assert_int_equal(strlen(a.info[0].text), strlen(head) + 1000 + 1 +
	    strlen(tail) - 3);
	cap_alert_clear(&a);
	free(xml);
	free(base);
}

/*
 * XXE: an external entity, an external DTD, a parameter entity. All 400
 * at the DOCTYPE; libxml2 is never asked to open the file.
 */
static void
test_cap_xxe(void **state)
{
	static const char *const files[] = {
		"xxe.xml", "xxe_external_dtd.xml", "xxe_parameter.xml",
	};
	struct cap_alert	a;
	struct api_error	err;
	char			 dir[] = "/tmp/test_cap.XXXXXX", path[64];
	xmlDocPtr		 doc;
	FILE			*fp;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		xml_opened = 0;
		xml_alloc_bytes = 0;
		assert_int_equal(parse_file(files[i], &a, &err), -1);
		if (xml_opened != 0)
			fail_msg("%s: libxml2 was asked to read %s", files[i],
			    xml_last_uri);
		assert_int_equal(err.status, 400);
		assert_string_equal(err.code, "invalid_json");
		assert_non_null(strstr(err.message, "DOCTYPE"));
		assert_true(xml_alloc_bytes < WORK_BOUND);
	}

	/* The spy works: reading a real file goes through it. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/doc.xml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("<a/>\n", fp);
	fclose(fp);
	xml_opened = 0;
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	assert_true(xml_opened > 0);
	unlink(path);
	rmdir(dir);
}

/*
 * Billion laughs (3 GB of "lol" if expanded): refused at the DOCTYPE,
 * so the work, in bytes libxml2 allocates, stays under WORK_BOUND. A
 * plain parse of a real alert is measured too, so the counter counts.
 */
static void
test_cap_billion_laughs(void **state)
{
	struct cap_alert	a;
	struct api_error	err;
	size_t			plain;

	(void)state;
	xml_alloc_bytes = 0;
	assert_int_equal(parse_file("polygon.xml", &a, &err), 0);
	cap_alert_clear(&a);
	plain = xml_alloc_bytes;
	assert_true(plain > 1000);

	xml_alloc_bytes = 0;
	assert_int_equal(parse_file("billion_laughs.xml", &a, &err), -1);
	assert_int_equal(err.status, 400);
	assert_non_null(strstr(err.message, "DOCTYPE"));
	if (xml_alloc_bytes >= WORK_BOUND)
		fail_msg("libxml2 allocated %zu bytes", xml_alloc_bytes);
	assert_null(a.identifier);
}

/* Empty, oversized, not XML; too many infos, shapes and elements. */
static void
test_cap_limits(void **state)
{
	struct cap_alert	a;
	struct api_error	err;
	char			*base, *xml, *many, *big;
	size_t			 len, i, n;

	(void)state;
	assert_int_equal(cap_parse("", 0, &a, &err), -1);
	assert_int_equal(err.status, 400);
	assert_int_equal(cap_parse(NULL, 0, &a, &err), -1);
	assert_int_equal(err.status, 400);
	assert_int_equal(cap_parse("{\"alert\": 1}", 12, &a, &err), -1);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.code, "invalid_json");

	big = calloc(1, 1024 * 1024 + 2);
	assert_non_null(big);
	memset(big, ' ', 1024 * 1024 + 1);
	assert_int_equal(cap_parse(big, 1024 * 1024 + 1, &a, &err), -1);
	assert_int_equal(err.status, 413);
	assert_string_equal(err.code, "too_large");
	free(big);

	base = at_load("cap", "test_status.xml", &len);
	/* CAP_MAX_INFO + 1 infos. */
	{
		const char	*s = strstr(base, "<info>");
		const char	*e = strstr(base, "</info>") + 7;
		size_t		 il = (size_t)(e - s);

		n = len + il * CAP_MAX_INFO + 1;
		many = malloc(n);
		assert_non_null(many);
		memcpy(many, base, (size_t)(e - base));
		many[e - base] = '\0';
		for (i = 0; i < CAP_MAX_INFO; i++)
			strncat(many, s, il);
		strcat(many, e);
		assert_int_equal(cap_parse(many, strlen(many), &a, &err), -1);
		assert_int_equal(err.status, 422);
		assert_string_equal(err.field, "alert/info");
		free(many);
	}
	/* CAP_MAX_AREAS + 1 different circles; as many equal ones pass. */
	{
		static const char	 one[] =
		    "<circle>59.1783,17.4310 0.5</circle>";
		char			 circles[CAP_MAX_AREAS + 1][64];
		char			*all, *p;

		all = calloc(CAP_MAX_AREAS + 1, 64);
		assert_non_null(all);
		p = all;
		for (i = 0; i <= CAP_MAX_AREAS; i++) {
			snprintf(circles[i], sizeof(circles[i]),
			    "<circle>59.1783,17.4310 %zu</circle>", i + 1);
			p += sprintf(p, "%s", circles[i]);
		}
		xml = replace(base, one, all);
		assert_int_equal(cap_parse(xml, strlen(xml), &a, &err), -1);
		assert_int_equal(err.status, 422);
		assert_string_equal(err.field, "area/circle");
		assert_non_null(strstr(err.message, "more than 16"));
		free(xml);
		p = all;
		for (i = 0; i <= CAP_MAX_AREAS; i++)
			p += sprintf(p, "<circle>59.1783,17.4310 1</circle>");
		xml = replace(base, one, all);
		assert_int_equal(cap_parse(xml, strlen(xml), &a, &err), 0);
		assert_int_equal(a.nshapes, 1);
		cap_alert_clear(&a);
		free(xml);
		free(all);
	}
	/* More elements than anyone needs: 400 before the tree is big. */
	{
		n = 10001 * 8 + 1;
		many = malloc(n);
		assert_non_null(many);
		many[0] = '\0';
		for (i = 0; i < 10001; i++)
			memcpy(many + i * 7, "<code/>", 8);
		xml = replace(base, "<scope>Public</scope>", many);
		free(many);
		assert_int_equal(cap_parse(xml, strlen(xml), &a, &err), -1);
		assert_int_equal(err.status, 400);
		assert_non_null(strstr(err.message, "elements"));
		free(xml);
	}
	free(base);
	/* cap_alert_clear on a cleared (or never filled) alert is fine. */
	memset(&a, 0, sizeof(a));
	cap_alert_clear(&a);
	cap_alert_clear(NULL);
}

/* n bytes of text: "å" (2 bytes) and "x" in turn, one "x" to even up. */
static char *
filler(size_t n)
{
	char	*s = xmalloc(n + 1);
	size_t	 i = 0;

	while (i + 3 <= n) {
		memcpy(s + i, "\xc3\xa5x", 3);
		i += 3;
	}
	while (i < n)
		s[i++] = 'x';
	s[n] = '\0';
	return s;
}

/*
 * The SMS text of an info whose headline, description and instruction
 * lie around the 1,600-byte limit: never longer, always whole UTF-8, the
 * headline first when it fits. A description with no room for its 20
 * bytes used to send the cut past its end (found by fuzz/fuzz_cap).
 */
static void
test_cap_text_lengths(void **state)
{
	static const size_t	heads[] = { 10, 1500, 1550, 1560, 1570, 1575,
				    1577, 1578, 1580, 1590, 1598, 1600, 1700 };
	static const size_t	descs[] = { 1, 5, 19, 20, 21, 60, 3000 };
	static const size_t	instrs[] = { 1, 12, 30 };
	struct cap_alert	a;
	struct api_error	err;
	struct sms_info		info;
	char			*base, *x1, *x2, *xml, *h, *d, *in, *el;
	size_t			 len, ih, id, ii, n = 0;

	(void)state;
	base = at_load("cap", "circle.xml", &len);
	for (ih = 0; ih < nitems(heads); ih++)
	for (id = 0; id < nitems(descs); id++)
	for (ii = 0; ii < nitems(instrs); ii++) {
		h = filler(heads[ih]);
		d = filler(descs[id]);
		in = filler(instrs[ii]);
		el = str_printf("<headline>%s</headline>", h);
		x1 = replace(base, "<headline>Rökutveckling vid   "
		    "Centrumvägen</headline>", el);
		free(el);
		el = str_printf("<description>%s</description>", d);
		x2 = replace(x1, "<description>\n      Kraftig rök från en "
		    "brand.\n      Räddningstjänsten är på plats\n    "
		    "</description>", el);
		free(el);
		el = str_printf("<instruction>%s</instruction>", in);
		xml = replace(x2, "<instruction>Stäng fönster och "
		    "ventilation.</instruction>", el);
		free(el);
		if (cap_parse(xml, strlen(xml), &a, &err) != 0)
			fail_msg("%zu/%zu/%zu: %s", heads[ih], descs[id],
			    instrs[ii], err.message);
		len = strlen(a.info[0].text);
		if (len > ALERT_MESSAGE_MAX)
			fail_msg("%zu/%zu/%zu: %zu bytes", heads[ih],
			    descs[id], instrs[ii], len);
		if (sms_measure(a.info[0].text, len, &info, NULL, 0) != 0)
			fail_msg("%zu/%zu/%zu: not UTF-8", heads[ih],
			    descs[id], instrs[ii]);
		if (heads[ih] + 2 + instrs[ii] <= ALERT_MESSAGE_MAX)
			assert_memory_equal(a.info[0].text, h, heads[ih]);
		cap_alert_clear(&a);
		free(xml);
		free(x2);
		free(x1);
		free(h);
		free(d);
		free(in);
		n++;
	}
	assert_int_equal(n, nitems(heads) * nitems(descs) * nitems(instrs));
	free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_circle),
		cmocka_unit_test(test_cap_polygon),
		cmocka_unit_test(test_cap_two_languages),
		cmocka_unit_test(test_cap_cancel),
		cmocka_unit_test(test_cap_test_status),
		cmocka_unit_test(test_cap_enums),
		cmocka_unit_test(test_cap_bad),
		cmocka_unit_test(test_cap_missing_blocks),
		cmocka_unit_test(test_cap_expires),
		cmocka_unit_test(test_cap_long_text),
		cmocka_unit_test(test_cap_xxe),
		cmocka_unit_test(test_cap_billion_laughs),
		cmocka_unit_test(test_cap_limits),
		cmocka_unit_test(test_cap_text_lengths),
	};
	int	rc;

	/* Before libxml2 starts: count what it allocates. */
	if (xmlMemSetup(free, count_malloc, count_realloc, count_strdup) != 0)
		return 1;
	xmlInitParser();
	/* After its own callbacks, so the spy is asked first. */
	if (xmlRegisterInputCallbacks(spy_match, spy_open, spy_read,
	    spy_close) < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
