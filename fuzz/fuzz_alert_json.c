/*
 * Fuzz POST /v1/alerts as JSON: jansson with the API's flags, then
 * alert_parse (every field, the audience with its phone numbers and
 * shapes), then what fan-out does with an accepted request's text: the
 * template rendered with the request's vars in a few languages, or the
 * message, transliterated and measured as an SMS.
 *
 * Checked: rejections carry a 400/422 and name no field longer than the
 * struct holds; an accepted request has exactly one of message and
 * template, E.164 contacts, shapes on the globe, a body hash of 64 hex
 * digits, and an alert_req_clear that leaves nothing (LeakSanitizer).
 */
#include <math.h>

#include <jansson.h>

#include "fuzz.h"
#include "gateway/alert.h"
#include "gateway/sms.h"
#include "gateway/template.h"

static struct templates	*ajf_templates;

/* Load the project's templates/ once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[512];

	fuzz_quiet_logs();
	ajf_templates = templates_load(VARSEL_SRCDIR "/templates", err,
	    sizeof(err));
	if (ajf_templates == NULL) {
		fprintf(fuzz_stderr(), "fuzz_alert_json: %s\n", err);
		abort();
	}
	return 0;
}

/* The promises of an accepted request. */
static void
ajf_check(const struct alert_req *req)
{
	const struct alert_shape	*sh;
	size_t				 i, k;

	FUZZ_ASSERT(req->source_ref != NULL && req->type != NULL);
	FUZZ_ASSERT(strlen(req->source_ref) <= ALERT_SOURCE_REF_MAX);
	FUZZ_ASSERT((req->template == NULL) != (req->message == NULL));
	if (req->message != NULL)
		FUZZ_ASSERT(strlen(req->message) <= ALERT_MESSAGE_MAX &&
		    req->nvars == 0);
	FUZZ_ASSERT(strlen(req->body_hash) == 64);
	FUZZ_ASSERT(strspn(req->body_hash, "0123456789abcdef") == 64);
	FUZZ_ASSERT(fuzz_terminated(req->lang, sizeof(req->lang)));
	FUZZ_ASSERT(strcmp(req->status, "actual") == 0);
	FUZZ_ASSERT(req->channels != 0);
	FUZZ_ASSERT(req->ngroups + req->ncontacts + req->nareas +
	    req->nshapes > 0);
	FUZZ_ASSERT(req->nshapes <= ALERT_MAX_SHAPES);
	for (i = 0; i < req->ncontacts; i++) {
		FUZZ_ASSERT(fuzz_terminated(req->contacts[i], PHONE_MAX));
		FUZZ_ASSERT(fuzz_e164(req->contacts[i]));
	}
	for (i = 0; i < req->nvars; i++)
		FUZZ_ASSERT(req->vars[i].name != NULL &&
		    req->vars[i].value != NULL);
	for (i = 0; i < req->nshapes; i++) {
		sh = &req->shapes[i];
		if (sh->is_circle) {
			FUZZ_ASSERT(sh->centre.lat >= -90 &&
			    sh->centre.lat <= 90);
			FUZZ_ASSERT(sh->centre.lon >= -180 &&
			    sh->centre.lon <= 180);
			FUZZ_ASSERT(sh->radius_m >= 1 &&
			    sh->radius_m <= ALERT_MAX_RADIUS_M);
			continue;
		}
		FUZZ_ASSERT(sh->nvertices >= 3 &&
		    sh->nvertices <= ALERT_MAX_VERTICES);
		for (k = 0; k < sh->nvertices; k++)
			FUZZ_ASSERT(isfinite(sh->vertices[k].lat) &&
			    isfinite(sh->vertices[k].lon));
	}
}

/* Fan-out's SMS text: rendered (or the message), cleaned, measured. */
static void
ajf_text(const struct alert_req *req, const char *lang)
{
	struct sms_info	 info;
	char		*text, *clean, missing[64], err[256];
	bool		 changed;

	if (req->message != NULL)
		text = strdup(req->message);
	else
		text = template_render(ajf_templates, req->template, "sms",
		    lang, req->vars, req->nvars, missing, sizeof(missing),
		    err, sizeof(err));
	if (text == NULL) {
		FUZZ_ASSERT(fuzz_terminated(missing, sizeof(missing)));
		return;
	}
	/* jansson and the template loader both insist on UTF-8. */
	clean = sms_transliterate(text, &changed);
	free(text);
	FUZZ_ASSERT(clean != NULL);
	FUZZ_ASSERT(sms_measure(clean, strlen(clean), &info, err,
	    sizeof(err)) == 0);
	FUZZ_ASSERT(info.segments >= 1);
	free(clean);
}

/* Parse the input as an alert body. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct alert_req	 req;
	struct api_error	 err;
	json_error_t		 je;
	json_t			*root;

	root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	    &je);
	if (root == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	if (alert_parse(root, "SE", &req, &err) == -1) {
		FUZZ_ASSERT(err.status == 400 || err.status == 422);
		FUZZ_ASSERT(err.message[0] != '\0');
		FUZZ_ASSERT(fuzz_terminated(err.field, sizeof(err.field)));
		/* Cleared on failure: nothing left to free. */
		FUZZ_ASSERT(req.source_ref == NULL && req.vars == NULL &&
		    req.nshapes == 0 && req.contacts == NULL);
	} else {
		ajf_check(&req);
		ajf_text(&req, req.lang);
		ajf_text(&req, "en");
		ajf_text(&req, "ar");
		alert_req_clear(&req);
	}
	json_decref(root);
	return 0;
}
