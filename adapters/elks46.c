/*
 * 46elks (https://46elks.com), the primary Swedish provider, as in
 * shared/providers.md section 1: SMS by POST {base_url}/sms with Basic
 * auth and a form body; delivery reports are form POSTs to the
 * whendelivered URL we pass, which carries our callback_secret as the
 * query parameter s (46elks has no signature of its own).
 * Voice (POST /calls) is not done yet.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "gateway/config.h"
#include "gateway/http_client.h"
#include "gateway/util.h"

#define ELKS46_SECRET_MIN	16
#define ELKS46_SNIPPET		64	/* bytes of an odd answer kept */

/* The adapter's state, built once at init. */
struct elks46 {
	char	*url;		/* {base_url}/sms */
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
static int	elks46_verify_hook(struct adapter *,
		    const struct hook_request *);
static int	elks46_parse_status(struct adapter *,
		    const struct hook_request *, struct status_report *, char *,
		    size_t);
static int	elks46_line(const struct provider_conf *, const char *);
static int	elks46_yesno(const struct provider_conf *, const char *,
		    bool *, char *, size_t);
static char	*elks46_trim_slash(const char *);
static void	elks46_snippet(const char *, size_t, char *, size_t);
static void	elks46_scrub(char *);

static const char *const elks46_keys[] = {
	"username",
	"password",
	"callback_secret",
	"dryrun",
	"flashsms",
	NULL
};

const struct adapter_ops elks46_adapter_ops = {
	.type = "46elks",
	.caps = ADAPTER_CAP_SMS | ADAPTER_CAP_STATUS,
	.keys = elks46_keys,
	.init = elks46_init,
	.free = elks46_free,
	.send = elks46_send,
	.parse_send = elks46_parse_send,
	.verify_hook = elks46_verify_hook,
	.parse_status = elks46_parse_status,
};

/* Check the section's keys and build the URLs and credentials once. */
static int
elks46_init(struct adapter *a, const struct adapter_env *env, char *err,
    size_t errlen)
{
	const struct provider_conf	*pc = a->conf;
	struct elks46			*e;
	const char			*user, *pass, *secret;
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
		    elks46_line(pc, "callback_secret"), ELKS46_SECRET_MIN);
		return -1;
	}
	if (strchr(user, ':') != NULL) {
		snprintf(err, errlen, "%s:%d: username: must not contain ':'",
		    pc->file, elks46_line(pc, "username"));
		return -1;
	}
	if (elks46_yesno(pc, "dryrun", &dryrun, err, errlen) == -1 ||
	    elks46_yesno(pc, "flashsms", &flashsms, err, errlen) == -1)
		return -1;
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
	    (e->userpwd = str_printf("%s:%s", user, pass)) == NULL ||
	    (e->secret = strdup(secret)) == NULL ||
	    (e->from = strdup(pc->from)) == NULL ||
	    (e->whendelivered = str_printf("%s/hooks/%s/status?s=%s", pub,
	    ename, esecret)) == NULL)
		goto nomem;
	free(base);
	free(pub);
	free(ename);
	elks46_scrub(esecret);
	a->priv = e;
	return 0;
nomem:
	free(base);
	free(pub);
	free(ename);
	elks46_scrub(esecret);
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
	free(e->from);
	elks46_scrub(e->userpwd);
	elks46_scrub(e->secret);
	elks46_scrub(e->whendelivered);
	free(e);
	a->priv = NULL;
}

/* Build POST {base_url}/sms for an SMS. */
static int
elks46_send(struct adapter *a, const struct outmsg *m,
    struct http_request *req, struct send_result *res)
{
	struct elks46	*e = a->priv;
	char		*body = NULL;
	size_t		 len = 0;

	if (m->channel != CH_SMS) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "46elks: voice calls are not supported yet");
		return -1;
	}
	if (m->to == NULL || m->text == NULL) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "46elks: message without recipient or text");
		return -1;
	}
	if (form_append(&body, &len, "from", m->from ? m->from : e->from) ||
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
	    (req->url = strdup(e->url)) == NULL ||
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
 * Read the answer to POST /sms. A 2xx carries the SMS object as JSON.
 * Error answers are UNVERIFIED (providers.md 1.5): the status codes and
 * whether the body is plain text or JSON are not documented, so the body
 * is kept as opaque text either way (adapter_classify_http).
 */
static void
elks46_parse_send(struct adapter *a, const struct http_response *r,
    struct send_result *res)
{
	json_t		*root, *jid, *jstatus;
	json_error_t	 jerr;
	const char	*id = NULL, *status = NULL;
	char		 snip[ELKS46_SNIPPET + 1];

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

	root = json_loadb(r->body ? r->body : "", r->body_len, 0, &jerr);
	if (json_is_object(root)) {
		jid = json_object_get(root, "id");
		jstatus = json_object_get(root, "status");
		if (json_is_string(jid) && json_string_value(jid)[0] != '\0' &&
		    strlen(json_string_value(jid)) < sizeof(res->ref))
			id = json_string_value(jid);
		if (json_is_string(jstatus))
			status = json_string_value(jstatus);
	}
	if (id == NULL) {
		/*
		 * Probably accepted: sending again could send twice. Keep
		 * it as sent without a reference (no delivery report will
		 * match it) and say why.
		 */
		res->status = SEND_OK;
		elks46_snippet(r->body ? r->body : "", r->body_len, snip,
		    sizeof(snip));
		snprintf(res->error, sizeof(res->error), "2xx without id: %s",
		    snip);
		json_decref(root);
		return;
	}
	strlcpy(res->ref, id, sizeof(res->ref));
	if (status == NULL || strcmp(status, "created") == 0 ||
	    strcmp(status, "sent") == 0 || strcmp(status, "delivered") == 0)
		res->status = SEND_OK;
	else if (strcmp(status, "failed") == 0) {
		res->status = SEND_PERMFAIL;
		snprintf(res->error, sizeof(res->error),
		    "46elks: message %s failed", id);
	} else {
		/* An id means 46elks has it; note the unknown status. */
		res->status = SEND_OK;
		elks46_snippet(status, strlen(status), snip, sizeof(snip));
		snprintf(res->error, sizeof(res->error),
		    "46elks: unknown status '%s'", snip);
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
		elks46_snippet(status, strlen(status), snip, sizeof(snip));
		snprintf(err, errlen, "46elks report with unknown status '%s'",
		    snip);
		return -1;
	}
	strlcpy(rep->ref, id, sizeof(rep->ref));
	return 0;
}

/* The line of a type-specific key, or the section's line. */
static int
elks46_line(const struct provider_conf *pc, const char *key)
{
	size_t	i;

	for (i = 0; i < pc->nopts; i++)
		if (strcmp(pc->opts[i].key, key) == 0)
			return pc->opts[i].line;
	return pc->line;
}

/* A yes/no key, no when absent. */
static int
elks46_yesno(const struct provider_conf *pc, const char *key, bool *out,
    char *err, size_t errlen)
{
	const char	*v = provider_conf_get(pc, key);

	*out = false;
	if (v == NULL || strcasecmp(v, "no") == 0)
		return 0;
	if (strcasecmp(v, "yes") == 0) {
		*out = true;
		return 0;
	}
	snprintf(err, errlen, "%s:%d: %s: '%.32s' must be yes or no",
	    pc->file, elks46_line(pc, key), key, v);
	return -1;
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

/* The first bytes of s as one printable line. */
static void
elks46_snippet(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;

	for (i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char	c = (unsigned char)s[i];

		out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[o] = '\0';
}

/* Wipe and free a string that holds a secret. */
static void
elks46_scrub(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
