/*
 * 46elks (https://46elks.com), the primary Swedish provider, as in
 * shared/providers.md section 1: SMS by POST {base_url}/sms with Basic
 * auth and a form body; delivery reports are form POSTs to the
 * whendelivered URL we pass, which carries our callback_secret as the
 * query parameter s (46elks has no signature of its own). Every hook
 * needs s: the number's sms_url at 46elks must be configured as
 * {public_url}/hooks/NAME/sms?s=<callback_secret>.
 *
 * Calls (POST {base_url}/calls) play the alert rendered by Varsel
 * (outmsg.media_url; 46elks has no Swedish text-to-speech) and, with
 * ask_ack, ask for one digit with the ivr action. They go out from
 * voice_from (E.164): without it the provider makes no calls (the voice
 * capability is dropped at init), as an alphanumeric from cannot call.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "gateway/http_client.h"
#include "gateway/jsonscan.h"
#include "gateway/log.h"
#include "gateway/provider_conf.h"
#include "gateway/util.h"

#define ELKS46_SECRET_MIN	16
#define ELKS46_SNIPPET		64	/* bytes of an odd answer kept */
#define ELKS46_CALL_TIMEOUT	"30"	/* seconds a call rings */
#define ELKS46_IVR_TIMEOUT	10	/* seconds to wait for the digit */
#define ELKS46_IVR_REPEAT	2	/* times the prompt is played */

/*
 * What parse_send reads of an answer to a send. The status is cut to its
 * buffer: none it is compared with is that long, and no more of it is
 * ever shown.
 */
struct elks46_reply {
	char	id[SEND_REF_LEN];		/* "": none that fits */
	char	status[ELKS46_SNIPPET + 1];	/* an SMS's status, a call's
						   state */
	bool	has_status;
	bool	call;				/* status is a call's state */
};

/* The adapter's state, built once at init. */
struct elks46 {
	char	*url;		/* {base_url}/sms */
	char	*calls_url;	/* {base_url}/calls */
	char	*voice_hook;	/* {public_url}/hooks/{name}/voice?s=...&d= */
	char	*voice_from;	/* E.164, or NULL: no calls */
	char	*userpwd;	/* username:password */
	char	*secret;	/* callback_secret */
	char	*whendelivered;	/* {public_url}/hooks/{name}/status?s=... */
	char	*from;		/* the provider's default sender */
	bool	 dryrun;
	bool	 flashsms;
};

static int	elks46_init(struct adapter *, const struct adapter_env *,
		    char *, size_t);
static void	elks46_free(struct adapter *);
static int	elks46_send(struct adapter *, const struct outmsg *,
		    struct http_request *, struct send_result *);
static void	elks46_parse_send(struct adapter *,
		    const struct http_response *, struct send_result *);
static void	elks46_reply(const struct http_response *,
		    struct elks46_reply *);
static void	elks46_reply_jansson(const char *, size_t,
		    struct elks46_reply *);
static int	elks46_verify_hook(struct adapter *,
		    const struct hook_request *);
static int	elks46_parse_status(struct adapter *,
		    const struct hook_request *, struct status_report *, char *,
		    size_t);
static int	elks46_parse_inbound(struct adapter *,
		    const struct hook_request *, struct inbound_sms *,
		    struct hook_answer *, char *, size_t);
static int	elks46_parse_voice(struct adapter *,
		    const struct hook_request *, struct voice_event *,
		    struct hook_answer *, char *, size_t);
static int	elks46_hangup(const struct hook_request *,
		    struct voice_event *, char *, size_t);
static int	elks46_call_form(struct elks46 *, const struct outmsg *,
		    char **, size_t *, char *, size_t);
static const char *elks46_field(const struct hook_request *, const char *);
static char	*elks46_trim_slash(const char *);

static const char *const elks46_keys[] = {
	"username",
	"password",
	"callback_secret",
	"dryrun",
	"flashsms",
	"voice_from",
	NULL
};

const struct adapter_ops elks46_adapter_ops = {
	.type = "46elks",
	.caps = ADAPTER_CAP_SMS | ADAPTER_CAP_VOICE | ADAPTER_CAP_STATUS |
	    ADAPTER_CAP_AUDIO,
	.keys = elks46_keys,
	.init = elks46_init,
	.free = elks46_free,
	.send = elks46_send,
	.parse_send = elks46_parse_send,
	.verify_hook = elks46_verify_hook,
	.verify_head = elks46_verify_hook,	/* query and peer only */
	.parse_status = elks46_parse_status,
	.parse_inbound = elks46_parse_inbound,
	.parse_voice = elks46_parse_voice,
};

/* Check the section's keys and build the URLs and credentials once. */
static int
elks46_init(struct adapter *a, const struct adapter_env *env, char *err,
    size_t errlen)
{
	const struct provider_conf	*pc = a->conf;
	struct elks46			*e;
	const char			*user, *pass, *secret, *vfrom;
	char				*base = NULL, *pub = NULL;
	char				*ename = NULL, *esecret = NULL;
	bool				 dryrun, flashsms;

	if ((user = provider_conf_require(pc, "username", err, errlen)) ==
	    NULL ||
	    (pass = provider_conf_require(pc, "password", err, errlen)) ==
	    NULL ||
	    (secret = provider_conf_require(pc, "callback_secret", err,
	    errlen)) == NULL)
		return -1;
	if (strlen(secret) < ELKS46_SECRET_MIN) {
		/* Never print the secret itself. */
		snprintf(err, errlen, "%s:%d: callback_secret: must be at "
		    "least %d characters", pc->file,
		    provider_conf_line(pc, "callback_secret"),
		    ELKS46_SECRET_MIN);
		return -1;
	}
	if (strchr(user, ':') != NULL) {
		snprintf(err, errlen, "%s:%d: username: must not contain ':'",
		    pc->file, provider_conf_line(pc, "username"));
		return -1;
	}
	if (provider_conf_bool(pc, "dryrun", false, &dryrun, err,
	    errlen) == -1 || provider_conf_bool(pc, "flashsms", false,
	    &flashsms, err, errlen) == -1)
		return -1;
	vfrom = provider_conf_get(pc, "voice_from");
	if (vfrom != NULL && !is_e164(vfrom)) {
		snprintf(err, errlen, "%s:%d: voice_from: '%.32s' must be an "
		    "E.164 number of the account (+46...)", pc->file,
		    provider_conf_line(pc, "voice_from"), vfrom);
		return -1;
	}
	if (pc->base_url == NULL || pc->base_url[0] == '\0') {
		snprintf(err, errlen, "%s:%d: base_url: required for a 46elks "
		    "provider (https://api.46elks.com/a1)", pc->file, pc->line);
		return -1;
	}
	if (pc->from == NULL || pc->from[0] == '\0') {
		snprintf(err, errlen, "%s:%d: from: required for a 46elks "
		    "provider", pc->file, pc->line);
		return -1;
	}
	if (env->public_url == NULL || env->public_url[0] == '\0') {
		snprintf(err, errlen, "%s:%d: provider %s: public_url is needed "
		    "for 46elks delivery reports", pc->file, pc->line, a->name);
		return -1;
	}

	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto nomem;
	e->dryrun = dryrun;
	e->flashsms = flashsms;
	if ((base = elks46_trim_slash(pc->base_url)) == NULL ||
	    (pub = elks46_trim_slash(env->public_url)) == NULL ||
	    (ename = url_encode(a->name)) == NULL ||
	    (esecret = url_encode(secret)) == NULL ||
	    (e->url = str_printf("%s/sms", base)) == NULL ||
	    (e->calls_url = str_printf("%s/calls", base)) == NULL ||
	    (vfrom != NULL && (e->voice_from = strdup(vfrom)) == NULL) ||
	    (e->voice_hook = str_printf("%s/hooks/%s/voice?s=%s&d=", pub,
	    ename, esecret)) == NULL ||
	    (e->userpwd = str_printf("%s:%s", user, pass)) == NULL ||
	    (e->secret = strdup(secret)) == NULL ||
	    (e->from = strdup(pc->from)) == NULL ||
	    (e->whendelivered = str_printf("%s/hooks/%s/status?s=%s", pub,
	    ename, esecret)) == NULL)
		goto nomem;
	free(base);
	free(pub);
	free(ename);
	free_secret(esecret);
	a->priv = e;
	if (e->voice_from == NULL)
		a->caps &= ~ADAPTER_CAP_VOICE;
	return 0;
nomem:
	free(base);
	free(pub);
	free(ename);
	free_secret(esecret);
	a->priv = e;
	elks46_free(a);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Free the state; secrets are wiped first. */
static void
elks46_free(struct adapter *a)
{
	struct elks46	*e = a->priv;

	if (e == NULL)
		return;
	free(e->url);
	free(e->calls_url);
	free(e->voice_from);
	free_secret(e->voice_hook);
	free(e->from);
	free_secret(e->userpwd);
	free_secret(e->secret);
	free_secret(e->whendelivered);
	free(e);
	a->priv = NULL;
}

/* Build POST {base_url}/sms for an SMS, {base_url}/calls for a call. */
static int
elks46_send(struct adapter *a, const struct outmsg *m,
    struct http_request *req, struct send_result *res)
{
	struct elks46	*e = a->priv;
	char		*body = NULL;
	size_t		 len = 0;
	int		 rc;

	if (m->channel != CH_SMS && m->channel != CH_VOICE) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "46elks: unknown channel %d", (int)m->channel);
		return -1;
	}
	if (m->to == NULL || m->text == NULL) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "46elks: message without recipient or text");
		return -1;
	}
	if (m->channel == CH_VOICE) {
		rc = elks46_call_form(e, m, &body, &len, res->error,
		    sizeof(res->error));
		if (rc == -1) {
			free(body);
			res->status = SEND_PERMFAIL;
			return -1;
		}
		if (rc == -2)
			goto nomem;
	} else if (form_append(&body, &len, "from", m->from ? m->from :
	    e->from) ||
	    form_append(&body, &len, "to", m->to) ||
	    form_append(&body, &len, "message", m->text) ||
	    form_append(&body, &len, "whendelivered", e->whendelivered) ||
	    (e->dryrun && form_append(&body, &len, "dryrun", "yes")) ||
	    (e->flashsms && form_append(&body, &len, "flashsms", "yes")))
		goto nomem;
	memset(req, 0, sizeof(*req));
	req->body = body;
	req->body_len = len;
	if ((req->method = strdup("POST")) == NULL ||
	    (req->url = strdup(m->channel == CH_VOICE ? e->calls_url :
	    e->url)) == NULL ||
	    (req->userpwd = strdup(e->userpwd)) == NULL) {
		http_request_reset(req);
		body = NULL;	/* freed with req */
		goto nomem;
	}
	req->timeout_ms = a->conf->timeout_ms;
	return ADAPTER_HTTP;
nomem:
	free(body);
	res->status = SEND_TEMPFAIL;
	snprintf(res->error, sizeof(res->error), "46elks: out of memory");
	return -1;
}

/*
 * The form of a call (providers.md 1.4): voice_start is an inline action
 * that plays the rendered alert, or with ask_ack asks for one digit and
 * posts it to our voice hook; whenhangup reports how the call ended.
 * 0; -1 with err if the call cannot be made; -2 without memory.
 */
static int
elks46_call_form(struct elks46 *e, const struct outmsg *m, char **body,
    size_t *len, char *err, size_t errlen)
{
	json_t		*act = NULL;
	char		*next = NULL, *hangup = NULL, *start = NULL;
	const char	*from;
	int		 rc = -2;

	from = is_e164(m->from) ? m->from : e->voice_from;
	if (from == NULL) {
		snprintf(err, errlen, "46elks: calls need voice_from (an "
		    "E.164 number)");
		return -1;
	}
	if (m->media_url == NULL || m->media_url[0] == '\0') {
		snprintf(err, errlen, "46elks: a call needs the text rendered "
		    "as audio (no media_url)");
		return -1;
	}
	if ((next = str_printf("%s%lld", e->voice_hook,
	    (long long)m->delivery_id)) == NULL ||
	    (hangup = str_printf("%s&event=hangup", next)) == NULL)
		goto out;
	if (m->ask_ack)
		act = json_pack("{s:s, s:i, s:i, s:i, s:s}", "ivr",
		    m->media_url, "digits", 1, "timeout", ELKS46_IVR_TIMEOUT,
		    "repeat", ELKS46_IVR_REPEAT, "next", next);
	else
		act = json_pack("{s:s}", "play", m->media_url);
	if (act == NULL ||
	    (start = json_dumps(act, JSON_COMPACT)) == NULL)
		goto out;
	if (form_append(body, len, "from", from) ||
	    form_append(body, len, "to", m->to) ||
	    form_append(body, len, "voice_start", start) ||
	    form_append(body, len, "whenhangup", hangup) ||
	    form_append(body, len, "timeout", ELKS46_CALL_TIMEOUT))
		goto out;
	rc = 0;
out:
	json_decref(act);
	free(start);
	free_secret(next);
	free_secret(hangup);
	return rc;
}

/*
 * Read the answer to POST /sms. A 2xx carries the SMS object as JSON.
 * Error answers are UNVERIFIED (providers.md 1.5): the status codes and
 * whether the body is plain text or JSON are not documented, so the body
 * is kept as opaque text either way (adapter_classify_http).
 */
static void
elks46_parse_send(struct adapter *a, const struct http_response *r,
    struct send_result *res)
{
	struct elks46_reply	 ans;
	const char		*status;
	char			 snip[ELKS46_SNIPPET + 1];

	memset(res, 0, sizeof(*res));
	if (!adapter_classify_http(r, res)) {
		/*
		 * 401 is bad credentials. 46elks is reported to use 403 for
		 * per-message validation and for "not enough credits", so a
		 * 403 is a permanent failure but not a credentials problem.
		 */
		if (r->status == 403)
			res->auth_error = false;
		return;
	}

	elks46_reply(r, &ans);
	if (ans.id[0] == '\0') {
		/*
		 * Probably accepted: sending again could send twice. Keep
		 * it as sent without a reference (no delivery report will
		 * match it) and say why.
		 */
		res->status = SEND_OK;
		adapter_snippet(r->body ? r->body : "", r->body_len, snip,
		    sizeof(snip));
		snprintf(res->error, sizeof(res->error), "2xx without id: %s",
		    snip);
		return;
	}
	strlcpy(res->ref, ans.id, sizeof(res->ref));
	status = ans.has_status ? ans.status : NULL;
	if (status == NULL || strcmp(status, "created") == 0 ||
	    strcmp(status, "sent") == 0 || strcmp(status, "delivered") == 0 ||
	    strcmp(status, "ongoing") == 0 || strcmp(status, "success") == 0)
		res->status = SEND_OK;
	else if (strcmp(status, "failed") == 0) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "46elks: %s %s failed", ans.call ? "call" : "message",
		    ans.id);
	} else {
		/* An id means 46elks has it; note the unknown status. */
		res->status = SEND_OK;
		adapter_snippet(status, strlen(status), snip, sizeof(snip));
		snprintf(res->error, sizeof(res->error),
		    "46elks: unknown status '%s'", snip);
	}
}

/*
 * Read an answer's id, and status (an SMS) or state (a call), if they
 * are strings: in place with jsonscan, which reads an SMS's flat answer
 * for a fraction of what jansson costs, or with jansson when the scanner
 * cannot answer exactly (an escape in them, an odd shape, not JSON).
 */
static void
elks46_reply(const struct http_response *r, struct elks46_reply *ans)
{
	struct jsonscan_field	 f[3] = {
		{ .key = "id" }, { .key = "status" }, { .key = "state" }
	};
	const char		*body = r->body ? r->body : "";

	memset(ans, 0, sizeof(*ans));
	if (jsonscan_object(body, r->body_len, f, nitems(f)) == -1) {
		elks46_reply_jansson(body, r->body_len, ans);
		return;
	}
	if (f[0].type == JS_STRING && f[0].len > 0 &&
	    f[0].len < sizeof(ans->id))
		jsonscan_copy(&f[0], ans->id, sizeof(ans->id));
	/* An SMS has status, a call (POST /calls) state. */
	if (f[1].type == JS_STRING)
		jsonscan_copy(&f[1], ans->status, sizeof(ans->status));
	else if (f[2].type == JS_STRING) {
		jsonscan_copy(&f[2], ans->status, sizeof(ans->status));
		ans->call = true;
	}
	ans->has_status = f[1].type == JS_STRING || f[2].type == JS_STRING;
}

/* The same with jansson, as every answer was read before jsonscan. */
static void
elks46_reply_jansson(const char *body, size_t len,
    struct elks46_reply *ans)
{
	json_t		*root, *jid, *jstatus, *jstate;
	json_error_t	 jerr;
	const char	*status = NULL;

	root = json_loadb(body, len, 0, &jerr);
	if (json_is_object(root)) {
		jid = json_object_get(root, "id");
		jstatus = json_object_get(root, "status");
		if (json_is_string(jid) && json_string_value(jid)[0] != '\0' &&
		    strlen(json_string_value(jid)) < sizeof(ans->id))
			strlcpy(ans->id, json_string_value(jid),
			    sizeof(ans->id));
		jstate = json_object_get(root, "state");
		if (json_is_string(jstatus))
			status = json_string_value(jstatus);
		else if (json_is_string(jstate)) {
			status = json_string_value(jstate);
			ans->call = true;
		}
	}
	if (status != NULL) {
		strlcpy(ans->status, status, sizeof(ans->status));
		ans->has_status = true;
	}
	json_decref(root);
}

/* The callback URL's s must be our callback_secret (constant time). */
static int
elks46_verify_hook(struct adapter *a, const struct hook_request *h)
{
	struct elks46	*e = a->priv;
	const char	*s;

	if (h->query == NULL || (s = kvlist_get(h->query, "s")) == NULL)
		return -1;
	return ct_streq(s, e->secret) ? 0 : -1;
}

/* A delivery report: form fields id and status (sent|delivered|failed). */
static int
elks46_parse_status(struct adapter *a, const struct hook_request *h,
    struct status_report *rep, char *err, size_t errlen)
{
	const char	*id, *status;
	char		 snip[33];

	memset(rep, 0, sizeof(*rep));
	id = h->form ? kvlist_get(h->form, "id") : NULL;
	status = h->form ? kvlist_get(h->form, "status") : NULL;
	if (id == NULL || id[0] == '\0') {
		snprintf(err, errlen, "46elks report without id");
		return -1;
	}
	if (strlen(id) >= sizeof(rep->ref)) {
		snprintf(err, errlen, "46elks report id too long");
		return -1;
	}
	if (status == NULL) {
		snprintf(err, errlen, "46elks report without status");
		return -1;
	}
	if (strcmp(status, "sent") == 0)
		rep->state = DS_SENT;
	else if (strcmp(status, "delivered") == 0)
		rep->state = DS_DELIVERED;
	else if (strcmp(status, "failed") == 0) {
		rep->state = DS_FAILED;
		strlcpy(rep->error, "failed", sizeof(rep->error));
	} else {
		adapter_snippet(status, strlen(status), snip, sizeof(snip));
		snprintf(err, errlen, "46elks report with unknown status '%s'",
		    snip);
		return -1;
	}
	strlcpy(rep->ref, id, sizeof(rep->ref));
	return 0;
}

/*
 * An inbound SMS on the number's sms_url (providers.md 1.3): id, from,
 * to, message. Answered with an empty 200: a text body would be sent
 * back as a reply, and replies go out later as deliveries.
 */
static int
elks46_parse_inbound(struct adapter *a, const struct hook_request *h,
    struct inbound_sms *in, struct hook_answer *ans, char *err,
    size_t errlen)
{
	static const char *const elks46_inbound_names[3] = {
		"id", "from", "to"
	};
	const char	*id, *from, *to, *msg;

	memset(in, 0, sizeof(*in));
	memset(ans, 0, sizeof(*ans));
	id = elks46_field(h, "id");
	from = elks46_field(h, "from");
	to = elks46_field(h, "to");
	msg = elks46_field(h, "message");
	return adapter_inbound_set(in, "46elks", elks46_inbound_names, id,
	    from, to, msg, err, errlen);
}

/*
 * A call event on /hooks/NAME/voice?s=..&d=ID: the ivr action's result
 * (callid, result = the digits) or, with event=hangup, the whenhangup
 * POST. The ivr result is answered with the next action: a beep for 1
 * (the call then ends), else a hangup.
 */
static int
elks46_parse_voice(struct adapter *a, const struct hook_request *h,
    struct voice_event *ev, struct hook_answer *ans, char *err,
    size_t errlen)
{
	const char	*event, *id, *result;
	const char	*next;

	memset(ev, 0, sizeof(*ev));
	memset(ans, 0, sizeof(*ans));
	event = h->query != NULL ? kvlist_get(h->query, "event") : NULL;
	result = elks46_field(h, "result");
	if ((event != NULL && strcmp(event, "hangup") == 0) ||
	    (result == NULL && (elks46_field(h, "state") != NULL ||
	    elks46_field(h, "status") != NULL)))
		return elks46_hangup(h, ev, err, errlen);
	if (result == NULL) {
		snprintf(err, errlen, "46elks call event without result or "
		    "state");
		return -1;
	}
	if ((id = elks46_field(h, "callid")) == NULL)
		id = elks46_field(h, "id");
	if (id == NULL || id[0] == '\0' || strlen(id) >= sizeof(ev->ref)) {
		snprintf(err, errlen, "46elks call event without a valid "
		    "callid");
		return -1;
	}
	strlcpy(ev->ref, id, sizeof(ev->ref));
	if (result[0] != '\0' && strlen(result) < sizeof(ev->digits) &&
	    strspn(result, "0123456789*#") == strlen(result)) {
		ev->kind = VOICE_DTMF;
		strlcpy(ev->digits, result, sizeof(ev->digits));
	} else {
		/* No digit (timeout, "failed"): heard, not confirmed. */
		ev->kind = VOICE_ANSWERED;
	}
	next = strcmp(ev->digits, "1") == 0 ? "{\"play\":\"sound/beep\"}" :
	    "{\"hangup\":\"reject\"}";
	strlcpy(ans->content_type, "application/json",
	    sizeof(ans->content_type));
	if ((ans->body = strdup(next)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * The whenhangup POST. Its field list is UNVERIFIED (providers.md 1.4:
 * "carries the call data"), so it is read leniently: the call's id in id
 * or callid, its end in state or status; what does not fit is logged.
 * 46elks documents the states success, busy and failed only. success is
 * an answered call unless it says it never started (duration 0, no
 * start); failed without a start time is read as no answer, which is
 * retried (a call that rings out must end in one of those states); an
 * explicit noanswer/no-answer/timeout is no answer too.
 */
static int
elks46_hangup(const struct hook_request *h, struct voice_event *ev,
    char *err, size_t errlen)
{
	const char	*id, *st, *start, *dur;
	char		 snip[33];
	bool		 started;

	if ((id = elks46_field(h, "id")) == NULL)
		id = elks46_field(h, "callid");
	if ((st = elks46_field(h, "state")) == NULL)
		st = elks46_field(h, "status");
	if (id == NULL || id[0] == '\0' || strlen(id) >= sizeof(ev->ref)) {
		snprintf(err, errlen, "46elks hangup without a valid id");
		return -1;
	}
	strlcpy(ev->ref, id, sizeof(ev->ref));
	start = elks46_field(h, "start");
	dur = elks46_field(h, "duration");
	started = (start != NULL && start[0] != '\0') ||
	    (dur != NULL && dur[0] != '\0' && strcmp(dur, "0") != 0);
	if (st == NULL) {
		log_warnx("%s: 46elks hangup of %.96s without state; read as "
		    "%s", __func__, id, started ? "answered" : "no answer");
		ev->kind = started ? VOICE_COMPLETED : VOICE_NO_ANSWER;
		return 0;
	}
	if (strcmp(st, "success") == 0)
		ev->kind = started || dur == NULL ? VOICE_COMPLETED :
		    VOICE_NO_ANSWER;
	else if (strcmp(st, "busy") == 0)
		ev->kind = VOICE_BUSY;
	else if (strcmp(st, "failed") == 0) {
		ev->kind = started ? VOICE_FAILED : VOICE_NO_ANSWER;
		strlcpy(ev->error, "46elks: call failed", sizeof(ev->error));
	} else if (strcmp(st, "noanswer") == 0 ||
	    strcmp(st, "no-answer") == 0 || strcmp(st, "timeout") == 0)
		ev->kind = VOICE_NO_ANSWER;
	else {
		adapter_snippet(st, strlen(st), snip, sizeof(snip));
		log_warnx("%s: 46elks hangup of %.96s in unknown state '%s'",
		    __func__, id, snip);
		ev->kind = VOICE_FAILED;
		snprintf(ev->error, sizeof(ev->error), "46elks: call ended in "
		    "state '%s'", snip);
	}
	return 0;
}

/* A form field of a callback (the query for a GET), or NULL. */
static const char *
elks46_field(const struct hook_request *h, const char *name)
{
	const char	*v = NULL;

	if (h->form != NULL)
		v = kvlist_get(h->form, name);
	if (v == NULL && h->query != NULL && strcmp(name, "s") != 0)
		v = kvlist_get(h->query, name);
	return v;
}




/* A copy of a URL without trailing slashes. */
static char *
elks46_trim_slash(const char *url)
{
	size_t	n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}


