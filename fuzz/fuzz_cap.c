/*
 * Fuzz CAP 1.2 (POST /v1/alerts as application/cap+xml): cap_parse on
 * any bytes, then, for an Alert or Update, cap_request, which turns it
 * into the alert request that is stored (static in
 * gateway/api_alerts.c: the file is compiled into this harness, whose
 * handlers then come from here, not from libvarsel.a), then
 * cap_alert_clear and alert_req_clear. LeakSanitizer checks that the
 * accepting and every rejecting path free libxml2's tree and our copies.
 *
 * Checked besides memory safety: a rejection has a 400/413/422 status
 * and a message; an accepted alert has at most CAP_MAX_INFO infos and
 * CAP_MAX_AREAS shapes, each info an SMS text of valid UTF-8 of at most
 * ALERT_MESSAGE_MAX bytes, circles and polygons on the globe; the
 * request made of it has one text per language, the same shapes, the
 * postnummer codes as areas and a status that says whether to send.
 */
#include <math.h>

#include <libxml/parser.h>

#include "fuzz.h"
#include "gateway/api_alerts.c"

/* libxml2 once, and no logs on stderr. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	xmlInitParser();
	return 0;
}

/* Is p a point on the globe? */
static bool
capf_point_ok(struct geo_point p)
{
	return isfinite(p.lat) && isfinite(p.lon) && p.lat >= -90 &&
	    p.lat <= 90 && p.lon >= -180 && p.lon <= 180;
}

/* The promises of an accepted struct cap_alert. */
static void
capf_check(const struct cap_alert *a)
{
	const struct cap_info	*in;
	const struct cap_shape	*sh;
	size_t			 i, k;

	FUZZ_ASSERT(a->identifier != NULL && a->identifier[0] != '\0');
	FUZZ_ASSERT(strlen(a->identifier) <= ALERT_SOURCE_REF_MAX);
	FUZZ_ASSERT(a->sender != NULL && a->sender[0] != '\0');
	FUZZ_ASSERT(a->msgtype >= CAP_ALERT && a->msgtype <= CAP_ERROR);
	FUZZ_ASSERT(a->status >= CAP_ACTUAL && a->status <= CAP_DRAFT);
	FUZZ_ASSERT(a->ninfo <= CAP_MAX_INFO);
	FUZZ_ASSERT(a->nshapes <= CAP_MAX_AREAS);
	if (a->msgtype == CAP_UPDATE || a->msgtype == CAP_CANCEL)
		FUZZ_ASSERT(a->references != NULL);
	if (a->msgtype == CAP_ALERT || a->msgtype == CAP_UPDATE)
		FUZZ_ASSERT(a->ninfo > 0);
	for (i = 0; i < a->ninfo; i++) {
		in = &a->info[i];
		FUZZ_ASSERT(fuzz_terminated(in->lang, sizeof(in->lang)));
		FUZZ_ASSERT(strlen(in->lang) >= 2 && strlen(in->lang) <= 3);
		FUZZ_ASSERT(in->event != NULL && in->event[0] != '\0');
		FUZZ_ASSERT(in->text != NULL && in->text[0] != '\0');
		FUZZ_ASSERT(strlen(in->text) <= ALERT_MESSAGE_MAX);
		FUZZ_ASSERT(fuzz_utf8_ok((const unsigned char *)in->text,
		    strlen(in->text)));
	}
	for (i = 0; i < a->nshapes; i++) {
		sh = &a->shapes[i];
		if (sh->is_circle) {
			FUZZ_ASSERT(capf_point_ok(sh->centre));
			FUZZ_ASSERT(sh->radius_m > 0 &&
			    sh->radius_m <= 20000000.0);
			FUZZ_ASSERT(sh->vertices == NULL);
			continue;
		}
		FUZZ_ASSERT(sh->nvertices >= 4 && sh->vertices != NULL);
		for (k = 0; k < sh->nvertices; k++)
			FUZZ_ASSERT(capf_point_ok(sh->vertices[k]));
	}
	for (i = 0; i < a->npostnummer; i++) {
		FUZZ_ASSERT(strlen(a->postnummer[i]) == 5);
		FUZZ_ASSERT(strspn(a->postnummer[i], "0123456789") == 5);
	}
}

/* The alert request cap_post would store for a; its promises. */
static void
capf_request(const struct cap_alert *a, const uint8_t *data, size_t len)
{
	struct api_req		 r;
	struct alert_req	 req;
	struct api_error	 err;
	size_t			 i, j;

	memset(&r, 0, sizeof(r));
	r.body = (char *)data;
	r.body_len = len;
	memset(&err, 0, sizeof(err));
	if (cap_request(&r, a, &req, &err) == -1) {
		FUZZ_ASSERT(err.status == 422 && err.message[0] != '\0');
		alert_req_clear(&req);
		return;
	}
	FUZZ_ASSERT(strcmp(req.source_ref, a->identifier) == 0);
	FUZZ_ASSERT(req.message == NULL && req.template == NULL);
	FUZZ_ASSERT(req.ntexts >= 1 && req.ntexts <= a->ninfo);
	for (i = 0; i < req.ntexts; i++) {
		FUZZ_ASSERT(req.texts[i].text != NULL);
		FUZZ_ASSERT(strlen(req.texts[i].text) <= ALERT_MESSAGE_MAX);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(req.texts[i].lang,
			    req.texts[j].lang) != 0);
	}
	FUZZ_ASSERT(req.nshapes == a->nshapes && req.nareas ==
	    a->npostnummer && req.nshapes + req.nareas > 0);
	for (i = 0; i < req.nareas; i++)
		FUZZ_ASSERT(strlen(req.areas[i]) == 5);
	FUZZ_ASSERT(strcmp(req.status, "actual") == 0 ||
	    strcmp(req.status, "test") == 0 ||
	    strcmp(req.status, "exercise") == 0);
	FUZZ_ASSERT(req.severity >= SEV_EXTREME && req.severity <=
	    SEV_UNKNOWN);
	FUZZ_ASSERT(req.expires_in_s >= 0);
	FUZZ_ASSERT(strlen(req.body_hash) == 64);
	alert_req_clear(&req);
}

/* Parse the input as a CAP document. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cap_alert	a;
	struct api_error	err;

	memset(&err, 0, sizeof(err));
	if (cap_parse((const char *)data, len, &a, &err) == 0) {
		capf_check(&a);
		if (a.msgtype == CAP_ALERT || a.msgtype == CAP_UPDATE)
			capf_request(&a, data, len);
		cap_alert_clear(&a);
		return 0;
	}
	FUZZ_ASSERT(err.status == 400 || err.status == 413 ||
	    err.status == 422);
	FUZZ_ASSERT(fuzz_terminated(err.message, sizeof(err.message)));
	FUZZ_ASSERT(err.message[0] != '\0');
	/* A rejected alert holds nothing: clearing it again is a no-op. */
	FUZZ_ASSERT(a.identifier == NULL && a.ninfo == 0 && a.nshapes == 0);
	cap_alert_clear(&a);
	return 0;
}
