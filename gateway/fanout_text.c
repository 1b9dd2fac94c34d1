/*
 * What each recipient of a fan-out reads or hears: the alert's text in
 * their language for their channel (a template, a free text with the
 * answer prompt in their words, or a CAP info of theirs), cleaned for
 * SMS and measured in segments once per language and channel; and the
 * calls' texts an alert keeps for the escalation of unanswered SMS.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apierr.h"
#include "config.h"
#include "fanout.h"
#include "fanout_priv.h"
#include "gateway.h"
#include "sms.h"
#include "store.h"
#include "template.h"
#include "types.h"
#include "util.h"

static bool	has_word(const char *, const char *);
static const struct alert_text *cap_text(const struct alert_req *,
		    const char *);
static char	*with_prompt(struct fanout *, const char *);
static char	*raw_text(struct fanout *, const char *, unsigned int);

/* Is the word w (upper case ASCII) in text, as a whole word, any case? */
static bool
has_word(const char *text, const char *w)
{
	size_t		 n = strlen(w);
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if (strncasecmp(p, w, n) != 0)
			continue;
		/* Letters and digits, and any non-ASCII byte, join words. */
		if ((p == text || !(isalnum((unsigned char)p[-1]) ||
		    (p[-1] & 0x80))) && !(isalnum((unsigned char)p[n]) ||
		    (p[n] & 0x80)))
			return true;
	}
	return false;
}

/*
 * Does a free text already ask for the answer, naming both words people
 * reply with (JA or YES, and NEJ or NO)?
 */
bool
fanout_text_asks(const char *text)
{
	return (has_word(text, "JA") || has_word(text, "YES")) &&
	    (has_word(text, "NEJ") || has_word(text, "NO"));
}

/* The request's own text for lang (CAP: one per language); "" key. */
static const struct alert_text *
cap_text(const struct alert_req *req, const char *lang)
{
	size_t	i;

	for (i = 0; i < req->ntexts; i++)
		if (strcmp(req->texts[i].lang, lang) == 0)
			return &req->texts[i];
	for (i = 0; i < req->ntexts; i++)
		if (strcmp(req->texts[i].lang, "sv") == 0)
			return &req->texts[i];
	return req->ntexts > 0 ? &req->texts[0] : NULL;
}

/*
 * A free text that asks for an answer without saying how: the text, then
 * "Svara JA eller NEJ." in lang. NULL with f->err.
 */
static char *
with_prompt(struct fanout *f, const char *lang)
{
	char	*prompt, *text, why[256];

	if ((prompt = template_render(f->gw->templates, ANSWER_PROMPT, "sms",
	    lang, f->vars, f->nvars, NULL, 0, why, sizeof(why))) == NULL) {
		api_error_set(f->err, 422, "unknown_template", "message",
		    "the answer prompt: %s", why);
		return NULL;
	}
	text = str_printf("%s %s", f->req->message, prompt);
	free(prompt);
	return text;
}

/* Render the text before cleaning; NULL with f->err. */
static char *
raw_text(struct fanout *f, const char *use, unsigned int channel)
{
	const struct alert_req	*req = f->req;
	const struct templates	*t = f->gw->templates;
	char			*text, why[256], missing[64], field[96];

	if (req->ntexts > 0)
		text = xstrdup(cap_text(req, use)->text);
	else if (req->message != NULL && channel == CH_SMS && f->prompt)
		text = with_prompt(f, use);
	else if (req->message != NULL)
		text = xstrdup(req->message);
	else if (channel == CH_VOICE &&
	    templates_has(t, req->template, "voice"))
		text = template_render(t, req->template, "voice", use,
		    f->vars, f->nvars, missing, sizeof(missing), why,
		    sizeof(why));
	else
		text = template_render(t, req->template, "sms", use,
		    f->vars, f->nvars, missing, sizeof(missing), why,
		    sizeof(why));
	if (text == NULL) {
		snprintf(field, sizeof(field), "vars.%s", missing);
		api_error_set(f->err, 422, missing[0] ? "invalid_field" :
		    "unknown_template", missing[0] ? field : "template",
		    "%s", why);
		return NULL;
	}
	/* A call without its own template speaks the SMS and asks for 1. */
	if (channel == CH_VOICE && (req->template == NULL ||
	    !templates_has(t, req->template, "voice"))) {
		char	*spoken = str_printf("%s %s", text,
			    template_press_one(use));

		free(text);
		text = spoken;
	}
	return text;
}

/*
 * The text in lang for channel, rendered once per language; NULL on
 * failure (err set).
 */
const struct rendered *
fanout_text_for(struct fanout *f, const char *lang, unsigned int channel)
{
	const struct alert_req	*req = f->req;
	const struct templates	*t = f->gw->templates;
	struct rendered		*r;
	const char		*use = lang;
	const char		*field = req->message ? "message" : "template";
	char			*text, *clean, why[256];
	bool			 changed = false;
	size_t			 i;

	if (req->ntexts > 0)
		use = cap_text(req, lang)->lang;
	else if (req->message != NULL && channel == CH_SMS && f->prompt &&
	    (use = templates_lang(t, ANSWER_PROMPT, "sms", lang)) != NULL)
		;	/* one free text, and the prompt in the reader's words */
	else if (req->message != NULL && channel == CH_SMS)
		use = req->lang;	/* one free text, whoever reads it */
	else if (req->template != NULL &&
	    (use = templates_lang(t, req->template,
	    channel == CH_VOICE && templates_has(t, req->template, "voice") ?
	    "voice" : "sms", lang)) == NULL)
		use = lang;
	for (i = 0; i < f->ntexts; i++)
		if (f->texts[i].channel == channel &&
		    strcmp(f->texts[i].lang, use) == 0)
			return &f->texts[i];
	if (f->ntexts == MAX_LANGS) {
		api_error_set(f->err, 422, "invalid_field", "audience",
		    "the recipients' languages and channels need more than "
		    "%d texts", MAX_LANGS);
		return NULL;
	}
	if ((text = raw_text(f, use, channel)) == NULL)
		return NULL;
	if (channel == CH_VOICE) {
		clean = text;	/* spoken, never segmented */
	} else {
		clean = sms_transliterate(text, &changed);
		free(text);
	}
	if (clean == NULL) {
		api_error_set(f->err, 422, "invalid_field", field,
		    "the text is not valid UTF-8");
		return NULL;
	}
	r = &f->texts[f->ntexts];
	memset(r, 0, sizeof(*r));
	if (sms_measure(clean, strlen(clean), &r->info, why,
	    sizeof(why)) == -1) {
		free(clean);
		api_error_set(f->err, 422, "invalid_field", field, "%s", why);
		return NULL;
	}
	if (channel == CH_SMS &&
	    (int)r->info.segments > f->gw->cfg->max_segments) {
		api_error_set(f->err, 422, "message_too_long", field,
		    "the %s text takes %zu SMS segments (%s); at most %d are "
		    "allowed", use, r->info.segments,
		    sms_encoding_name(r->info.encoding),
		    f->gw->cfg->max_segments);
		free(clean);
		return NULL;
	}
	strlcpy(r->lang, use, sizeof(r->lang));
	r->channel = channel;
	r->text = clean;
	f->ntexts++;
	if (channel == CH_VOICE)
		r->info.segments = 1;	/* one call */
	else {
		f->transliterated |= changed;
		if ((int)r->info.segments > f->worst_segments)
			f->worst_segments = (int)r->info.segments;
		if (r->info.encoding == SMS_UCS2)
			f->worst_encoding = SMS_UCS2;
	}
	return r;
}

/*
 * An alert whose unanswered SMS may become calls keeps what the calls
 * say: its voice template in each language its SMS went out in. 0 or -1
 * with f->err.
 */
int
fanout_keep_voice_texts(struct fanout *f)
{
	const struct alert_req	*req = f->req;
	const struct rendered	*r;
	char			 langs[MAX_LANGS][8];
	size_t			 i, n = 0;

	if (f->dry_run || req->escalate_after_s == 0 || req->template == NULL ||
	    !templates_has(f->gw->templates, req->template, "voice"))
		return 0;
	for (i = 0; i < f->ntexts; i++)
		if (f->texts[i].channel == CH_SMS)
			strlcpy(langs[n++], f->texts[i].lang, sizeof(langs[0]));
	for (i = 0; i < n; i++) {
		if ((r = fanout_text_for(f, langs[i], CH_VOICE)) == NULL)
			return -1;
		if (store_alert_text_put(f->gw->store, f->alert_id, langs[i],
		    CH_VOICE, r->text) == -1)
			return api_error_set(f->err, 503, "unavailable", NULL,
			    "the database did not take the alert");
	}
	return 0;
}
