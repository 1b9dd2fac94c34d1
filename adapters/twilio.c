/*
 * Twilio (https://www.twilio.com), as in shared/providers.md section 2:
 * SMS by POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json and
 * calls by POST .../Calls.json with inline TwiML that speaks the alert
 * (<Say>) and asks for one digit (<Gather>), both with Basic auth and a
 * form body. Every callback (delivery report, inbound SMS, call event)
 * must carry a valid X-Twilio-Signature: HMAC-SHA1, keyed with the auth
 * token, over the public URL and the sorted form parameters.
 *
 * Calls speak in the recipient's language (outmsg.lang, its primary
 * subtag), with these Twilio <Say> languages and voices:
 *
 *	sv	sv-SE	Polly.Astrid (the key voice replaces it)
 *	en	en-GB	Polly.Amy
 *	fi	fi-FI	Polly.Suvi
 *	ar	arb	Polly.Zeina
 *	other	en-GB	Polly.Amy	(no language given: Swedish)
 *
 * Twilio's Polly and Google voices have no Persian or Somali (UNVERIFIED
 * beyond Amazon's list of Polly voices: treated as so): for those, and
 * any language not above, the adapter says it does not speak them
 * (speaks), the core renders the speech with espeak-ng, and the call
 * <Play>s that file; without one it falls back to the English voice.
 *
 * A call needs an E.164 number to call from: with an alphanumeric from
 * the provider makes no calls (ADAPTER_CAP_VOICE is dropped at init).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "adapters/adapter.h"
#include "gateway/http_client.h"
#include "gateway/jsonscan.h"
#include "gateway/provider_conf.h"
#include "gateway/util.h"

#define TWILIO_SID_HEX		32	/* hex digits after AC / MG */
#define TWILIO_TWIML_MAX	4000	/* characters of inline TwiML */
#define TWILIO_CALL_TIMEOUT	"30"	/* seconds a call rings */
#define TWILIO_SNIPPET		64
#define TWILIO_TEXT		256	/* bytes kept of an answer's text */
#define TWILIO_XML_DECL		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
#define TWILIO_EMPTY_TWIML	TWILIO_XML_DECL "<Response/>"

/* What a call says in one language, and with which Twilio voice. */
struct twilio_lang {
	const char	*lang;		/* primary subtag; NULL: the default */
	const char	*say_lang;	/* <Say language=> */
	const char	*voice;		/* <Say voice=> */
	const char	*closing;	/* after a Gather that got no digit */
};

static const struct twilio_lang twilio_langs[] = {
	{ "sv", "sv-SE", "Polly.Astrid", "Vi fick inget svar. Hej då." },
	{ "en", "en-GB", "Polly.Amy", "We did not get an answer. Goodbye." },
	{ "fi", "fi-FI", "Polly.Suvi", "Emme saaneet vastausta. Näkemiin." },
	{ "ar", "arb", "Polly.Zeina",
	    "لم نتلق ردا. مع السلامة." },
	{ NULL, "en-GB", "Polly.Amy", "We did not get an answer. Goodbye." },
};

/* The answers to a pressed digit (Swedish, the municipality's voice). */
#define TWILIO_THANKS	"Tack, ditt svar är registrerat."
#define TWILIO_GOODBYE	"Hej då."

/*
 * What parse_send reads of Twilio's JSON: a resource's sid and status,
 * an error's code and message. The texts are cut to TWILIO_TEXT bytes,
 * no shorter than the error they go into: none compared is that long,
 * and no more of them is ever shown.
 */
struct twilio_reply {
	char		 sid[SEND_REF_LEN];	/* "": none that fits */
	bool		 has_status;
	char		 status[TWILIO_TEXT];
	bool		 has_code;		/* an integer */
	long long	 code;
	bool		 has_message;
	char		 message[TWILIO_TEXT];
};
_Static_assert(TWILIO_TEXT >= sizeof(((struct send_result *)NULL)->error),
    "an answer's text is cut shorter than the error it goes into");

/* The adapter's state, built once at init. */
struct twilio {
	char	*msg_url;	/* .../Accounts/{sid}/Messages.json */
	char	*call_url;	/* .../Accounts/{sid}/Calls.json */
	char	*userpwd;	/* sid:token */
	char	*token;		/* auth_token: the signature key */
	char	*from;		/* the provider's from, or NULL */
	char	*mgsid;		/* messaging_service_sid, or NULL */
	char	*status_url;	/* {public_url}/hooks/{name}/status or NULL */
	char	*voice_url;	/* {public_url}/hooks/{name}/voice?d= */
	char	*sv_voice;	/* the Swedish voice */
	long	 validity;	/* ValidityPeriod, 0: not sent */
};

/* A growing string. */
struct twilio_buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	bool	 failed;
};

static int	twilio_init(struct adapter *, const struct adapter_env *,
		    char *, size_t);
static void	twilio_free(struct adapter *);
static int	twilio_send(struct adapter *, const struct outmsg *,
		    struct http_request *, struct send_result *);
static void	twilio_parse_send(struct adapter *,
		    const struct http_response *, struct send_result *);
static int	twilio_verify_hook(struct adapter *,
		    const struct hook_request *);
static int	twilio_parse_status(struct adapter *,
		    const struct hook_request *, struct status_report *, char *,
		    size_t);
static int	twilio_parse_inbound(struct adapter *,
		    const struct hook_request *, struct inbound_sms *,
		    struct hook_answer *, char *, size_t);
static bool	twilio_speaks(struct adapter *, const char *);
static int	twilio_parse_voice(struct adapter *,
		    const struct hook_request *, struct voice_event *,
		    struct hook_answer *, char *, size_t);
static int	twilio_sms_form(struct twilio *, const struct outmsg *,
		    char **, size_t *);
static int	twilio_call_form(struct twilio *, const struct outmsg *,
		    char **, size_t *, char *, size_t);
static char	*twilio_twiml(struct twilio *, const struct outmsg *);
static const struct twilio_lang *twilio_lang_of(const char *);
static const char *twilio_voice_of(struct twilio *,
		    const struct twilio_lang *);
static void	twilio_buf_add(struct twilio_buf *, const char *);
static void	twilio_buf_xml(struct twilio_buf *, const char *);
static size_t	twilio_utf8_len(const char *);
static void	twilio_reply(const struct http_response *, const char *,
		    const char *, struct twilio_reply *);
static void	twilio_reply_jansson(const char *, size_t, const char *,
		    const char *, struct twilio_reply *);
static void	twilio_api_error(const struct http_response *,
		    struct send_result *);
static int	twilio_signature(const char *, const char *,
		    const struct kvlist *, char *, size_t);
static int	twilio_sig_check(struct twilio *, const char *,
		    const struct kvlist *, const char *);
static char	*twilio_url_port(const char *, bool);
static int	twilio_kv_cmp(const void *, const void *);
static int	twilio_answer(struct hook_answer *, const char *);
static const char *twilio_field(const struct hook_request *, const char *);
static bool	twilio_sid_ok(const char *, const char *);
static char	*twilio_trim_slash(const char *);

static const char *const twilio_keys[] = {
	"account_sid",
	"auth_token",
	"messaging_service_sid",
	"status_callback",
	"voice",
	"validity_period_s",
	NULL
};

const struct adapter_ops twilio_adapter_ops = {
	.type = "twilio",
	.caps = ADAPTER_CAP_SMS | ADAPTER_CAP_VOICE | ADAPTER_CAP_STATUS,
	.keys = twilio_keys,
	.init = twilio_init,
	.free = twilio_free,
	.send = twilio_send,
	.parse_send = twilio_parse_send,
	.verify_hook = twilio_verify_hook,
	.parse_status = twilio_parse_status,
	.parse_inbound = twilio_parse_inbound,
	.parse_voice = twilio_parse_voice,
	.speaks = twilio_speaks,
};

/* Check the section's keys and build the URLs and credentials once. */
static int
twilio_init(struct adapter *a, const struct adapter_env *env, char *err,
    size_t errlen)
{
	const struct provider_conf	*pc = a->conf;
	struct twilio			*t;
	const char			*sid, *token, *mgsid, *voice, *p;
	char				*base = NULL, *pub = NULL;
	char				*ename = NULL;
	long				 validity;
	bool				 status_cb = true;

	if ((sid = provider_conf_require(pc, "account_sid", err, errlen)) ==
	    NULL ||
	    (token = provider_conf_require(pc, "auth_token", err, errlen)) ==
	    NULL)
		return -1;
	if (!twilio_sid_ok(sid, "AC")) {
		snprintf(err, errlen, "%s:%d: account_sid: must be AC and 32 "
		    "hex digits", pc->file,
		    provider_conf_line(pc, "account_sid"));
		return -1;
	}
	if (token[0] == '\0' || strchr(token, ':') != NULL) {
		/* Never print the token itself. */
		snprintf(err, errlen, "%s:%d: auth_token: must be the "
		    "account's auth token (not empty, no ':')", pc->file,
		    provider_conf_line(pc, "auth_token"));
		return -1;
	}
	mgsid = provider_conf_get(pc, "messaging_service_sid");
	if (mgsid != NULL && !twilio_sid_ok(mgsid, "MG")) {
		snprintf(err, errlen, "%s:%d: messaging_service_sid: must be "
		    "MG and 32 hex digits", pc->file,
		    provider_conf_line(pc, "messaging_service_sid"));
		return -1;
	}
	if (provider_conf_bool(pc, "status_callback", true, &status_cb, err,
	    errlen) == -1)
		return -1;
	if ((voice = provider_conf_get(pc, "voice")) != NULL) {
		for (p = voice; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				break;
		if (voice[0] == '\0' || *p != '\0' || p - voice > 64) {
			snprintf(err, errlen, "%s:%d: voice: '%.32s' is not a "
			    "Twilio voice name (like Polly.Astrid)", pc->file,
			    provider_conf_line(pc, "voice"), voice);
			return -1;
		}
	}
	if (provider_conf_int(pc, "validity_period_s", 0, 1, 36000, &validity,
	    err, errlen) == -1)
		return -1;
	if (pc->base_url == NULL || pc->base_url[0] == '\0') {
		snprintf(err, errlen, "%s:%d: base_url: required for a twilio "
		    "provider (https://api.twilio.com)", pc->file, pc->line);
		return -1;
	}
	if ((pc->from == NULL || pc->from[0] == '\0') && mgsid == NULL) {
		snprintf(err, errlen, "%s:%d: from: required for a twilio "
		    "provider without messaging_service_sid", pc->file,
		    pc->line);
		return -1;
	}
	if (env->public_url == NULL || env->public_url[0] == '\0') {
		snprintf(err, errlen, "%s:%d: provider %s: public_url is "
		    "needed for Twilio callbacks", pc->file, pc->line, a->name);
		return -1;
	}

	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto nomem;
	t->validity = validity;
	if ((base = twilio_trim_slash(pc->base_url)) == NULL ||
	    (pub = twilio_trim_slash(env->public_url)) == NULL ||
	    (ename = url_encode(a->name)) == NULL ||
	    (t->msg_url = str_printf("%s/2010-04-01/Accounts/%s/Messages.json",
	    base, sid)) == NULL ||
	    (t->call_url = str_printf("%s/2010-04-01/Accounts/%s/Calls.json",
	    base, sid)) == NULL ||
	    (t->userpwd = str_printf("%s:%s", sid, token)) == NULL ||
	    (t->token = strdup(token)) == NULL ||
	    (pc->from != NULL && pc->from[0] != '\0' &&
	    (t->from = strdup(pc->from)) == NULL) ||
	    (mgsid != NULL && (t->mgsid = strdup(mgsid)) == NULL) ||
	    (status_cb && (t->status_url = str_printf("%s/hooks/%s/status",
	    pub, ename)) == NULL) ||
	    (t->voice_url = str_printf("%s/hooks/%s/voice?d=", pub, ename)) ==
	    NULL ||
	    (t->sv_voice = strdup(voice ? voice : twilio_langs[0].voice)) ==
	    NULL)
		goto nomem;
	free(base);
	free(pub);
	free(ename);
	a->priv = t;
	/* A call goes out from a number; a sender name cannot call. */
	if (!is_e164(t->from))
		a->caps &= ~ADAPTER_CAP_VOICE;
	return 0;
nomem:
	free(base);
	free(pub);
	free(ename);
	a->priv = t;
	twilio_free(a);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Free the state; secrets are wiped first. */
static void
twilio_free(struct adapter *a)
{
	struct twilio	*t = a->priv;

	if (t == NULL)
		return;
	free(t->msg_url);
	free(t->call_url);
	free_secret(t->userpwd);
	free_secret(t->token);
	free(t->from);
	free(t->mgsid);
	free(t->status_url);
	free(t->voice_url);
	free(t->sv_voice);
	free(t);
	a->priv = NULL;
}

/* Build POST Messages.json for an SMS, or Calls.json for a call. */
static int
twilio_send(struct adapter *a, const struct outmsg *m,
    struct http_request *req, struct send_result *res)
{
	struct twilio	*t = a->priv;
	char		*body = NULL;
	size_t		 len = 0;
	int		 rc;

	memset(req, 0, sizeof(*req));
	if (m->to == NULL || m->text == NULL) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "twilio: message without recipient or text");
		return -1;
	}
	if (m->channel == CH_VOICE)
		rc = twilio_call_form(t, m, &body, &len, res->error,
		    sizeof(res->error));
	else if (m->channel == CH_SMS)
		rc = twilio_sms_form(t, m, &body, &len);
	else {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "twilio: unknown channel %d", (int)m->channel);
		return -1;
	}
	if (rc == -1) {
		free(body);
		res->status = SEND_PERMFAIL;
		return -1;
	}
	if (rc == -2)
		goto nomem;
	req->body = body;
	req->body_len = len;
	if ((req->method = strdup("POST")) == NULL ||
	    (req->url = strdup(m->channel == CH_VOICE ? t->call_url :
	    t->msg_url)) == NULL ||
	    (req->userpwd = strdup(t->userpwd)) == NULL) {
		http_request_reset(req);
		body = NULL;	/* freed with req */
		goto nomem;
	}
	req->timeout_ms = a->conf->timeout_ms;
	return ADAPTER_HTTP;
nomem:
	free(body);
	res->status = SEND_TEMPFAIL;
	snprintf(res->error, sizeof(res->error), "twilio: out of memory");
	return -1;
}

/*
 * The form of an SMS. The message's own sender (a reply from the number
 * an SMS came in on) wins over the messaging service and the provider's
 * from. 0, or -2 without memory.
 */
static int
twilio_sms_form(struct twilio *t, const struct outmsg *m, char **body,
    size_t *len)
{
	char	vp[24];

	if (form_append(body, len, "To", m->to))
		return -2;
	if (m->from != NULL) {
		if (form_append(body, len, "From", m->from))
			return -2;
	} else if (t->mgsid != NULL) {
		if (form_append(body, len, "MessagingServiceSid", t->mgsid))
			return -2;
	} else if (form_append(body, len, "From", t->from))
		return -2;
	if (form_append(body, len, "Body", m->text) ||
	    (t->status_url != NULL &&
	    form_append(body, len, "StatusCallback", t->status_url)))
		return -2;
	if (t->validity > 0) {
		snprintf(vp, sizeof(vp), "%ld", t->validity);
		if (form_append(body, len, "ValidityPeriod", vp))
			return -2;
	}
	return 0;
}

/*
 * The form of a call: inline TwiML, and every call event to our voice
 * hook. 0; -1 with err if the call cannot be made; -2 without memory.
 */
static int
twilio_call_form(struct twilio *t, const struct outmsg *m, char **body,
    size_t *len, char *err, size_t errlen)
{
	static const char *const events[] = {
		"initiated", "ringing", "answered", "completed"
	};
	const char	*from;
	char		*twiml, *cb;
	size_t		 i, n;

	from = is_e164(m->from) ? m->from : t->from;
	if (!is_e164(from)) {
		snprintf(err, errlen, "twilio: a call needs an E.164 number "
		    "in from");
		return -1;
	}
	if ((twiml = twilio_twiml(t, m)) == NULL)
		return -2;
	if ((n = twilio_utf8_len(twiml)) >= TWILIO_TWIML_MAX) {
		free(twiml);
		snprintf(err, errlen, "twilio: the call's TwiML is %zu "
		    "characters (Twilio takes fewer than %d): shorten the "
		    "text", n, TWILIO_TWIML_MAX);
		return -1;
	}
	if ((cb = str_printf("%s%lld", t->voice_url,
	    (long long)m->delivery_id)) == NULL) {
		free(twiml);
		return -2;
	}
	if (form_append(body, len, "To", m->to) ||
	    form_append(body, len, "From", from) ||
	    form_append(body, len, "Twiml", twiml) ||
	    form_append(body, len, "StatusCallback", cb) ||
	    form_append(body, len, "StatusCallbackMethod", "POST"))
		goto nomem;
	for (i = 0; i < nitems(events); i++)
		if (form_append(body, len, "StatusCallbackEvent", events[i]))
			goto nomem;
	if (form_append(body, len, "Timeout", TWILIO_CALL_TIMEOUT))
		goto nomem;
	free(twiml);
	free(cb);
	return 0;
nomem:
	free(twiml);
	free(cb);
	return -2;
}

/*
 * The TwiML a call runs: the text, and with ask_ack a Gather for one
 * digit that posts to our voice hook, then closing words if none came.
 * The core supplies the whole text, "press 1" sentence included.
 */
static char *
twilio_twiml(struct twilio *t, const struct outmsg *m)
{
	const struct twilio_lang	*l = twilio_lang_of(m->lang);
	struct twilio_buf		 b = { 0 };
	char				 say[160], id[24];
	bool				 play = m->media_url != NULL &&
					    !twilio_speaks(NULL, m->lang);

	snprintf(say, sizeof(say), "<Say language=\"%s\" voice=\"%s\">",
	    l->say_lang, twilio_voice_of(t, l));
	snprintf(id, sizeof(id), "%lld", (long long)m->delivery_id);
	twilio_buf_add(&b, "<Response>");
	if (m->ask_ack) {
		twilio_buf_add(&b, "<Gather input=\"dtmf\" numDigits=\"1\" "
		    "timeout=\"8\" action=\"");
		twilio_buf_xml(&b, t->voice_url);
		twilio_buf_add(&b, id);
		twilio_buf_add(&b, "\" method=\"POST\">");
	}
	if (play) {
		/* Speech rendered in a language Twilio does not speak. */
		twilio_buf_add(&b, "<Play>");
		twilio_buf_xml(&b, m->media_url);
		twilio_buf_add(&b, "</Play>");
	} else {
		twilio_buf_add(&b, say);
		twilio_buf_xml(&b, m->text);
		twilio_buf_add(&b, "</Say>");
	}
	if (m->ask_ack) {
		twilio_buf_add(&b, "</Gather>");
		/* No closing words in a language it cannot say. */
		if (!play) {
			twilio_buf_add(&b, say);
			twilio_buf_xml(&b, l->closing);
			twilio_buf_add(&b, "</Say>");
		}
	}
	twilio_buf_add(&b, "</Response>");
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* Does Twilio speak lang with a voice of its own (a row of the table)? */
static bool
twilio_speaks(struct adapter *a, const char *lang)
{
	(void)a;
	return lang == NULL || lang[0] == '\0' ||
	    twilio_lang_of(lang) != &twilio_langs[nitems(twilio_langs) - 1];
}

/*
 * The table row of a language tag ("sv", "sv-SE", "EN_gb"); Swedish when
 * none is given, English for one not in the table.
 */
static const struct twilio_lang *
twilio_lang_of(const char *lang)
{
	size_t	i, n;

	if (lang == NULL || lang[0] == '\0')
		return &twilio_langs[0];
	n = strcspn(lang, "-_");
	for (i = 0; twilio_langs[i].lang != NULL; i++)
		if (strlen(twilio_langs[i].lang) == n &&
		    strncasecmp(twilio_langs[i].lang, lang, n) == 0)
			return &twilio_langs[i];
	return &twilio_langs[nitems(twilio_langs) - 1];
}

/* The voice of a language row: the configured one for Swedish. */
static const char *
twilio_voice_of(struct twilio *t, const struct twilio_lang *l)
{
	return l == &twilio_langs[0] ? t->sv_voice : l->voice;
}

/* Append s; on failure the buffer is marked failed. */
static void
twilio_buf_add(struct twilio_buf *b, const char *s)
{
	size_t	 n = strlen(s), cap;
	char	*ns;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((ns = realloc(b->s, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/*
 * Append s escaped for XML text and attributes: & < > " ' as entities;
 * control characters XML 1.0 does not allow become spaces.
 */
static void
twilio_buf_xml(struct twilio_buf *b, const char *s)
{
	char	one[2] = { 0, 0 };

	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		switch (c) {
		case '&':
			twilio_buf_add(b, "&amp;");
			break;
		case '<':
			twilio_buf_add(b, "&lt;");
			break;
		case '>':
			twilio_buf_add(b, "&gt;");
			break;
		case '"':
			twilio_buf_add(b, "&quot;");
			break;
		case '\'':
			twilio_buf_add(b, "&apos;");
			break;
		default:
			one[0] = (c < 0x20 && c != '\t' && c != '\n' &&
			    c != '\r') || c == 0x7f ? ' ' : (char)c;
			twilio_buf_add(b, one);
		}
	}
}

/* Characters (code points) of a UTF-8 string. */
static size_t
twilio_utf8_len(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Read the answer to a request built by send. 201 carries the message or
 * call resource; errors carry {code, message, more_info}, recorded as
 * "twilio <code>: <message>". 429 (20429) is TEMPFAIL with Retry-After,
 * 401/403 an auth error, other 4xx PERMFAIL, 5xx TEMPFAIL.
 */
static void
twilio_parse_send(struct adapter *a, const struct http_response *r,
    struct send_result *res)
{
	struct twilio_reply	ans;
	char			snip[TWILIO_SNIPPET + 1], code[24] = "";
	int			n;

	memset(res, 0, sizeof(*res));
	if (!adapter_classify_http(r, res)) {
		if (r->curl_code == 0)
			twilio_api_error(r, res);
		return;
	}
	twilio_reply(r, "error_code", "error_message", &ans);
	if (ans.sid[0] == '\0') {
		/*
		 * Probably accepted: sending again could send twice. Keep it
		 * as sent without a reference and say why.
		 */
		res->status = SEND_OK;
		adapter_snippet(r->body ? r->body : "", r->body_len, snip,
		    sizeof(snip));
		snprintf(res->error, sizeof(res->error), "2xx without sid: %s",
		    snip);
		return;
	}
	strlcpy(res->ref, ans.sid, sizeof(res->ref));
	res->status = SEND_OK;
	if (ans.has_status && (strcmp(ans.status, "failed") == 0 ||
	    strcmp(ans.status, "undelivered") == 0 ||
	    strcmp(ans.status, "canceled") == 0)) {
		res->status = SEND_PERMFAIL;
		if (ans.has_code)
			snprintf(code, sizeof(code), " %lld", ans.code);
		/* "twilio <code>: <sid> <text>", the text cut to fit. */
		n = snprintf(res->error, sizeof(res->error), "twilio%s: %s ",
		    code, ans.sid);
		strlcpy(res->error + n, ans.has_message ? ans.message :
		    ans.status, sizeof(res->error) - (size_t)n);
	}
}

/* An error answer's JSON {code, message} as "twilio <code>: <message>". */
static void
twilio_api_error(const struct http_response *r, struct send_result *res)
{
	struct twilio_reply	ans;
	char			msg[200];

	twilio_reply(r, "code", "message", &ans);
	if (!ans.has_code && !ans.has_message)
		return;	/* not Twilio's JSON (a proxy's page): keep the text */
	adapter_snippet(ans.message, strlen(ans.message), msg, sizeof(msg));
	if (ans.has_code)
		snprintf(res->error, sizeof(res->error), "twilio %lld: %s",
		    ans.code, msg);
	else
		snprintf(res->error, sizeof(res->error), "twilio: %s", msg);
}

/*
 * Read sid and status, and the error's code and message under the names
 * given (error_code and error_message in a resource, code and message in
 * an error answer): in place with jsonscan, or with jansson when the
 * scanner cannot answer exactly (an escape in them, an odd shape, not
 * JSON).
 */
static void
twilio_reply(const struct http_response *r, const char *codekey,
    const char *msgkey, struct twilio_reply *ans)
{
	struct jsonscan_field	 f[4] = {
		{ .key = "sid" }, { .key = "status" }, { .key = codekey },
		{ .key = msgkey }
	};
	const char		*body = r->body ? r->body : "";

	memset(ans, 0, sizeof(*ans));
	if (jsonscan_object(body, r->body_len, f, nitems(f)) == -1) {
		twilio_reply_jansson(body, r->body_len, codekey, msgkey, ans);
		return;
	}
	if (f[0].type == JS_STRING && f[0].len > 0 &&
	    f[0].len < sizeof(ans->sid))
		jsonscan_copy(&f[0], ans->sid, sizeof(ans->sid));
	ans->has_status = f[1].type == JS_STRING;
	if (ans->has_status)
		jsonscan_copy(&f[1], ans->status, sizeof(ans->status));
	ans->has_code = f[2].type == JS_INTEGER;
	if (ans->has_code)
		ans->code = jsonscan_integer(&f[2]);
	ans->has_message = f[3].type == JS_STRING;
	if (ans->has_message)
		jsonscan_copy(&f[3], ans->message, sizeof(ans->message));
}

/* The same with jansson, as every answer was read before jsonscan. */
static void
twilio_reply_jansson(const char *body, size_t len, const char *codekey,
    const char *msgkey, struct twilio_reply *ans)
{
	json_t		*root, *jsid, *jst, *jcode, *jmsg;
	json_error_t	 jerr;

	root = json_loadb(body, len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	jsid = json_object_get(root, "sid");
	jst = json_object_get(root, "status");
	jcode = json_object_get(root, codekey);
	jmsg = json_object_get(root, msgkey);
	if (json_is_string(jsid) && json_string_value(jsid)[0] != '\0' &&
	    strlen(json_string_value(jsid)) < sizeof(ans->sid))
		strlcpy(ans->sid, json_string_value(jsid), sizeof(ans->sid));
	ans->has_status = json_is_string(jst);
	if (ans->has_status)
		strlcpy(ans->status, json_string_value(jst),
		    sizeof(ans->status));
	ans->has_code = json_is_integer(jcode);
	if (ans->has_code)
		ans->code = (long long)json_integer_value(jcode);
	ans->has_message = json_is_string(jmsg);
	if (ans->has_message)
		strlcpy(ans->message, json_string_value(jmsg),
		    sizeof(ans->message));
	json_decref(root);
}

/*
 * X-Twilio-Signature (providers.md 2.4). A JSON body is signed by the URL
 * alone, whose bodySHA256 must be the body's hash; a form body by the URL
 * and its sorted parameters. 0 if genuine, -1 if missing or wrong.
 */
static int
twilio_verify_hook(struct adapter *a, const struct hook_request *h)
{
	struct twilio	*t = a->priv;
	const char	*sig, *bodyhash;
	char		 hex[65];
	bool		 body_ok;

	if (h->header == NULL || h->url == NULL ||
	    (sig = h->header(h, "X-Twilio-Signature")) == NULL ||
	    sig[0] == '\0')
		return -1;
	bodyhash = h->query != NULL ? kvlist_get(h->query, "bodySHA256") :
	    NULL;
	if (bodyhash != NULL) {
		sha256_hex(h->body ? h->body : "", h->body ? h->body_len : 0,
		    hex);
		body_ok = ct_streq(bodyhash, hex);
		/* Check the signature either way: same time for both. */
		if (twilio_sig_check(t, h->url, NULL, sig) == -1 || !body_ok)
			return -1;
		return 0;
	}
	return twilio_sig_check(t, h->url, h->form, sig);
}

/*
 * Compare sig with the signature of url and params, url also with the
 * scheme's default port added or its port removed, as both SDKs do.
 */
static int
twilio_sig_check(struct twilio *t, const char *url,
    const struct kvlist *params, const char *sig)
{
	char	*alt[2];
	char	 mine[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	bool	 ok = false;
	size_t	 i;

	if (twilio_signature(t->token, url, params, mine, sizeof(mine)) == 0 &&
	    ct_streq(mine, sig))
		ok = true;
	alt[0] = twilio_url_port(url, true);
	alt[1] = twilio_url_port(url, false);
	for (i = 0; i < nitems(alt); i++) {
		if (alt[i] != NULL && strcmp(alt[i], url) != 0 &&
		    twilio_signature(t->token, alt[i], params, mine,
		    sizeof(mine)) == 0 && ct_streq(mine, sig))
			ok = true;
		free(alt[i]);
	}
	explicit_bzero(mine, sizeof(mine));
	return ok ? 0 : -1;
}

/*
 * base64(HMAC-SHA1(token, url + name1 value1 + ...)) into out: names in
 * strcmp order, a repeated name's values sorted, exact duplicate pairs
 * once (twilio-node and twilio-python). 0, or -1 without memory.
 */
static int
twilio_signature(const char *token, const char *url,
    const struct kvlist *params, char *out, size_t outlen)
{
	const struct kv	**v = NULL;
	struct twilio_buf  b = { 0 };
	unsigned char	   mac[EVP_MAX_MD_SIZE];
	unsigned int	   maclen = 0;
	size_t		   i, n = params != NULL ? params->n : 0;
	int		   rc = -1;

	if (outlen < 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1)
		return -1;
	if (n > 0) {
		if ((v = calloc(n, sizeof(*v))) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			v[i] = &params->v[i];
		qsort(v, n, sizeof(*v), twilio_kv_cmp);
	}
	twilio_buf_add(&b, url);
	for (i = 0; i < n; i++) {
		if (i > 0 && twilio_kv_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		twilio_buf_add(&b, v[i]->name);
		twilio_buf_add(&b, v[i]->value);
	}
	if (!b.failed && HMAC(EVP_sha1(), token, (int)strlen(token),
	    (const unsigned char *)b.s, b.len, mac, &maclen) != NULL) {
		EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
		rc = 0;
	}
	free(b.s);
	free(v);
	return rc;
}

/* Order of parameters in the signed string: by name, then by value. */
static int
twilio_kv_cmp(const void *pa, const void *pb)
{
	const struct kv	*a = *(const struct kv *const *)pa;
	const struct kv	*b = *(const struct kv *const *)pb;
	int		 c;

	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return strcmp(a->value, b->value);
}

/*
 * url with the scheme's default port added (add, when it has no port)
 * or with its port removed; NULL if that changes nothing or fails.
 */
static char *
twilio_url_port(const char *url, bool add)
{
	const char	*hs, *he, *at, *colon, *p;
	const char	*port;

	if (strncasecmp(url, "https://", 8) == 0) {
		hs = url + 8;
		port = ":443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		hs = url + 7;
		port = ":80";
	} else
		return NULL;
	he = hs + strcspn(hs, "/?#");
	/* Skip user:password@ (its ':' is not a port). */
	for (at = NULL, p = hs; p < he; p++)
		if (*p == '@')
			at = p;
	if (at != NULL)
		hs = at + 1;
	/* The port's ':' comes after an IPv6 literal's ']'. */
	p = hs;
	if (*p == '[')
		while (p < he && *p != ']')
			p++;
	for (colon = NULL; p < he; p++)
		if (*p == ':')
			colon = p;
	if (add)
		return colon != NULL ? NULL : str_printf("%.*s%s%s",
		    (int)(he - url), url, port, he);
	return colon == NULL ? NULL : str_printf("%.*s%s",
	    (int)(colon - url), url, he);
}

/*
 * A message status callback: MessageSid and MessageStatus (the legacy
 * SmsSid/SmsStatus also do). Twilio adds parameters without notice, so
 * others are never refused.
 */
static int
twilio_parse_status(struct adapter *a, const struct hook_request *h,
    struct status_report *rep, char *err, size_t errlen)
{
	static const struct {
		const char	*status;
		enum dstate	 state;
	} map[] = {
		{ "accepted", DS_SENT },	/* still on its way */
		{ "scheduled", DS_SENT },
		{ "queued", DS_SENT },
		{ "sending", DS_SENT },
		{ "sent", DS_SENT },
		{ "delivered", DS_DELIVERED },
		{ "read", DS_DELIVERED },
		{ "undelivered", DS_FAILED },
		{ "failed", DS_FAILED },
		{ "canceled", DS_FAILED },
	};
	const char	*sid, *st, *code;
	char		 snip[33];
	size_t		 i;

	memset(rep, 0, sizeof(*rep));
	if ((sid = twilio_field(h, "MessageSid")) == NULL)
		sid = twilio_field(h, "SmsSid");
	if ((st = twilio_field(h, "MessageStatus")) == NULL)
		st = twilio_field(h, "SmsStatus");
	if (sid == NULL || sid[0] == '\0') {
		snprintf(err, errlen, "twilio report without MessageSid");
		return -1;
	}
	if (strlen(sid) >= sizeof(rep->ref)) {
		snprintf(err, errlen, "twilio report MessageSid too long");
		return -1;
	}
	if (st == NULL) {
		snprintf(err, errlen, "twilio report without MessageStatus");
		return -1;
	}
	for (i = 0; i < nitems(map); i++)
		if (strcmp(map[i].status, st) == 0)
			break;
	if (i == nitems(map)) {
		adapter_snippet(st, strlen(st), snip, sizeof(snip));
		snprintf(err, errlen, "twilio report with unknown "
		    "MessageStatus '%s'", snip);
		return -1;
	}
	rep->state = map[i].state;
	if (rep->state == DS_FAILED) {
		code = twilio_field(h, "ErrorCode");
		if (code != NULL && code[0] != '\0') {
			adapter_snippet(code, strlen(code), snip, sizeof(snip));
			snprintf(rep->error, sizeof(rep->error), "twilio %s",
			    snip);
		} else
			snprintf(rep->error, sizeof(rep->error), "twilio %s",
			    map[i].status);
	}
	strlcpy(rep->ref, sid, sizeof(rep->ref));
	return 0;
}

/*
 * An inbound SMS: MessageSid, From, To, Body. It is answered with empty
 * TwiML: replies go out later through the API, as deliveries.
 */
static int
twilio_parse_inbound(struct adapter *a, const struct hook_request *h,
    struct inbound_sms *in, struct hook_answer *ans, char *err,
    size_t errlen)
{
	static const char *const twilio_inbound_names[3] = {
		"MessageSid", "From", "To"
	};
	const char	*sid, *from, *to, *body;

	memset(in, 0, sizeof(*in));
	memset(ans, 0, sizeof(*ans));
	if ((sid = twilio_field(h, "MessageSid")) == NULL &&
	    (sid = twilio_field(h, "SmsMessageSid")) == NULL)
		sid = twilio_field(h, "SmsSid");
	from = twilio_field(h, "From");
	to = twilio_field(h, "To");
	body = twilio_field(h, "Body");
	/* No Body: a picture message (NumMedia > 0); its text is empty. */
	if (adapter_inbound_set(in, "twilio", twilio_inbound_names, sid, from,
	    to, body, err, errlen) == -1)
		return -1;
	if (twilio_answer(ans, TWILIO_EMPTY_TWIML) == -1) {
		free(in->text);
		in->text = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * A call event on /hooks/NAME/voice?d=ID: the Gather action (Digits) or
 * a status callback (CallStatus). Twilio's initiated event (CallStatus
 * queued or initiated) has no kind of its own and counts as ringing.
 * The Gather action is answered with what the call says next; status
 * callbacks with empty TwiML.
 */
static int
twilio_parse_voice(struct adapter *a, const struct hook_request *h,
    struct voice_event *ev, struct hook_answer *ans, char *err,
    size_t errlen)
{
	static const struct {
		const char		*status;
		enum voice_event_kind	 kind;
	} map[] = {
		{ "queued", VOICE_RINGING },
		{ "initiated", VOICE_RINGING },
		{ "ringing", VOICE_RINGING },
		{ "in-progress", VOICE_ANSWERED },
		{ "answered", VOICE_ANSWERED },
		{ "completed", VOICE_COMPLETED },
		{ "no-answer", VOICE_NO_ANSWER },
		{ "busy", VOICE_BUSY },
		{ "failed", VOICE_FAILED },
		{ "canceled", VOICE_FAILED },
	};
	struct twilio	*t = a->priv;
	const char	*sid, *st, *digits, *code;
	char		 snip[33], *twiml;
	size_t		 i;
	int		 rc;

	memset(ev, 0, sizeof(*ev));
	memset(ans, 0, sizeof(*ans));
	sid = twilio_field(h, "CallSid");
	st = twilio_field(h, "CallStatus");
	digits = twilio_field(h, "Digits");
	if (sid == NULL || sid[0] == '\0' || strlen(sid) >= sizeof(ev->ref)) {
		snprintf(err, errlen, "twilio call event without a valid "
		    "CallSid");
		return -1;
	}
	strlcpy(ev->ref, sid, sizeof(ev->ref));
	if (digits != NULL) {
		if (strlen(digits) >= sizeof(ev->digits) ||
		    strspn(digits, "0123456789*#") != strlen(digits)) {
			adapter_snippet(digits, strlen(digits), snip,
			    sizeof(snip));
			snprintf(err, errlen, "twilio Digits '%s' are not "
			    "keypad digits", snip);
			return -1;
		}
		ev->kind = VOICE_DTMF;
		strlcpy(ev->digits, digits, sizeof(ev->digits));
		twiml = str_printf("%s<Response><Say language=\"%s\" "
		    "voice=\"%s\">%s</Say><Hangup/></Response>",
		    TWILIO_XML_DECL, twilio_langs[0].say_lang, t->sv_voice,
		    strcmp(digits, "1") == 0 ? TWILIO_THANKS : TWILIO_GOODBYE);
		rc = twiml != NULL ? twilio_answer(ans, twiml) : -1;
		free(twiml);
		if (rc == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	if (st == NULL) {
		snprintf(err, errlen, "twilio call event without CallStatus "
		    "or Digits");
		return -1;
	}
	for (i = 0; i < nitems(map); i++)
		if (strcmp(map[i].status, st) == 0)
			break;
	if (i == nitems(map)) {
		adapter_snippet(st, strlen(st), snip, sizeof(snip));
		snprintf(err, errlen, "twilio call event with unknown "
		    "CallStatus '%s'", snip);
		return -1;
	}
	ev->kind = map[i].kind;
	if (ev->kind == VOICE_FAILED) {
		code = twilio_field(h, "ErrorCode");
		adapter_snippet(code ? code : "", code ? strlen(code) : 0, snip,
		    sizeof(snip));
		snprintf(ev->error, sizeof(ev->error), "twilio call %s%s%s",
		    st, snip[0] ? " " : "", snip);
	}
	if (twilio_answer(ans, TWILIO_EMPTY_TWIML) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Fill ans with TwiML; 0 or -1. */
static int
twilio_answer(struct hook_answer *ans, const char *twiml)
{
	strlcpy(ans->content_type, "text/xml", sizeof(ans->content_type));
	if ((ans->body = strdup(twiml)) == NULL)
		return -1;
	return 0;
}

/* A form field of a callback (the query for a GET), or NULL. */
static const char *
twilio_field(const struct hook_request *h, const char *name)
{
	const char	*v = NULL;

	if (h->form != NULL)
		v = kvlist_get(h->form, name);
	if (v == NULL && h->query != NULL)
		v = kvlist_get(h->query, name);
	return v;
}

/* Is s prefix and 32 hex digits (a Twilio SID)? */
static bool
twilio_sid_ok(const char *s, const char *prefix)
{
	size_t	i;

	if (strncmp(s, prefix, 2) != 0 || strlen(s) != 2 + TWILIO_SID_HEX)
		return false;
	for (i = 2; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}



/* A copy of a URL without trailing slashes. */
static char *
twilio_trim_slash(const char *url)
{
	size_t	n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}


