/*
 * A provider callback built from fuzz input the way gateway/webhooks.c
 * builds it from a request, for the adapter harnesses: the input's
 * first byte picks the content type, the public URL and the HTTP status
 * a parse_send sees; the rest splits at NUL bytes into the query
 * string, the body and the value of the provider's signature header.
 */
#ifndef VARSEL_FUZZ_HOOK_H
#define VARSEL_FUZZ_HOOK_H

#include <strings.h>

#include "adapters/adapter.h"
#include "gateway/config.h"
#include "gateway/http_client.h"
#include "gateway/util.h"
#include "fuzz.h"

/* What webhooks.c would have made of one request. */
struct fuzz_hook {
	struct hook_request	 h;
	struct kvlist		 query;
	struct kvlist		 form;
	char			*url;	/* public URL, path, query */
	const char		*qs;	/* the raw query string */
	const char		*public_url;
	const char		*sig;	/* the signature header */
	const char		*sig_name;	/* its name */
	long			 http_status;	/* for parse_send */
	int			 curl_code;
	bool			 json;	/* a JSON body, not a form */
	char			*buf;	/* the split input */
};

/* Public URLs as configured: ports, IPv6, a path prefix. */
static const char *const fuzz_hook_public[] = {
	"https://larm.nykvarn.example",
	"https://larm.nykvarn.example/",
	"https://larm.nykvarn.example:443/varsel",
	"http://10.0.0.5:8025",
	"https://[2001:db8::5]",
	"https://user:pw@larm.nykvarn.example:8443",
};

/* HTTP statuses a provider answers a send with. */
static const long fuzz_hook_status[] = {
	200, 201, 202, 204, 400, 401, 403, 404, 408, 429, 500, 503, 0, 302,
	422, 299,
};

/* The header lookup of struct hook_request (case-insensitive). */
static inline const char *
fuzz_hook_header(const struct hook_request *h, const char *name)
{
	const struct fuzz_hook	*fh = h->header_arg;

	if (fh->sig_name != NULL && strcasecmp(name, fh->sig_name) == 0)
		return fh->sig;
	if (strcasecmp(name, "Content-Type") == 0)
		return h->content_type;
	return NULL;
}

/*
 * Build the callback for /hooks/name/kind from data; sig_name is the
 * header the provider signs with (NULL: none). Free with
 * fuzz_hook_free.
 */
static inline void
fuzz_hook_make(struct fuzz_hook *fh, const uint8_t *data, size_t len,
    const char *name, const char *kind, const char *sig_name)
{
	char	*f[3] = { NULL, NULL, NULL };
	size_t	 n;
	uint8_t	 op = len > 0 ? data[0] : 0;

	memset(fh, 0, sizeof(*fh));
	n = fuzz_split(len > 0 ? data + 1 : data, len > 0 ? len - 1 : 0,
	    '\0', f, 3, &fh->buf);
	fh->qs = f[0];
	fh->json = (op & 0x80) != 0;
	fh->public_url = fuzz_hook_public[(op >> 4) % 6];
	fh->http_status = fuzz_hook_status[op & 0x0f];
	fh->curl_code = (op & 0x70) == 0x70 ? 28 : 0;	/* a timeout */
	fh->sig_name = sig_name;
	fh->sig = n > 2 ? f[2] : NULL;
	fh->url = str_printf("%s/hooks/%s/%s%s%s", fh->public_url, name,
	    kind, fh->qs[0] != '\0' ? "?" : "", fh->qs);
	FUZZ_ASSERT(fh->url != NULL);
	FUZZ_ASSERT(form_parse(fh->qs, strlen(fh->qs), &fh->query) == 0);
	fh->h.body = n > 1 ? f[1] : "";
	fh->h.body_len = strlen(fh->h.body);
	if (!fh->json)
		FUZZ_ASSERT(form_parse(fh->h.body, fh->h.body_len,
		    &fh->form) == 0);
	fh->h.url = fh->url;
	fh->h.query = &fh->query;
	fh->h.form = &fh->form;
	fh->h.content_type = fh->json ? "application/json" :
	    "application/x-www-form-urlencoded";
	fh->h.header = fuzz_hook_header;
	fh->h.header_arg = fh;
}

/* Free what fuzz_hook_make made. */
static inline void
fuzz_hook_free(struct fuzz_hook *fh)
{
	kvlist_free(&fh->query);
	kvlist_free(&fh->form);
	free(fh->url);
	free(fh->buf);
}

/*
 * Run every parser of the adapter on the callback and hold the results
 * to adapter.h: strings in bounds, enums in range, an error text on
 * failure, answers owned and freed.
 */
static inline void
fuzz_hook_parse(struct adapter *a, const struct fuzz_hook *fh)
{
	struct status_report	 rep;
	struct inbound_sms	 in;
	struct voice_event	 ev;
	struct hook_answer	 ans;
	struct http_response	 res;
	struct send_result	 sr;
	char			 err[256];

	(void)a->ops->verify_hook(a, &fh->h);

	err[0] = '\0';
	if (a->ops->parse_status(a, &fh->h, &rep, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(fuzz_terminated(rep.ref, sizeof(rep.ref)));
		FUZZ_ASSERT(rep.ref[0] != '\0');
		FUZZ_ASSERT(fuzz_terminated(rep.error, sizeof(rep.error)));
		FUZZ_ASSERT(rep.state == DS_SENT ||
		    rep.state == DS_DELIVERED || rep.state == DS_FAILED);
	} else
		FUZZ_ASSERT(err[0] != '\0');

	err[0] = '\0';
	if (a->ops->parse_inbound(a, &fh->h, &in, &ans, err,
	    sizeof(err)) == 0) {
		FUZZ_ASSERT(fuzz_terminated(in.id, sizeof(in.id)));
		FUZZ_ASSERT(in.id[0] != '\0');
		FUZZ_ASSERT(fuzz_terminated(in.from, sizeof(in.from)));
		FUZZ_ASSERT(in.from[0] != '\0');
		FUZZ_ASSERT(fuzz_terminated(in.to, sizeof(in.to)));
		FUZZ_ASSERT(in.text != NULL);
		FUZZ_ASSERT(fuzz_terminated(ans.content_type,
		    sizeof(ans.content_type)));
	} else {
		FUZZ_ASSERT(err[0] != '\0');
		FUZZ_ASSERT(in.text == NULL);
	}
	free(in.text);
	free(ans.body);

	err[0] = '\0';
	if (a->ops->parse_voice(a, &fh->h, &ev, &ans, err,
	    sizeof(err)) == 0) {
		FUZZ_ASSERT(fuzz_terminated(ev.ref, sizeof(ev.ref)));
		FUZZ_ASSERT(ev.ref[0] != '\0');
		FUZZ_ASSERT(ev.kind >= VOICE_RINGING &&
		    ev.kind <= VOICE_FAILED);
		FUZZ_ASSERT(fuzz_terminated(ev.digits, sizeof(ev.digits)));
		FUZZ_ASSERT(strspn(ev.digits, "0123456789*#") ==
		    strlen(ev.digits));
		FUZZ_ASSERT(ev.kind == VOICE_DTMF || ev.digits[0] == '\0');
		/* Finding 2 (fuzz/README.md): Twilio's empty Digits. */
		if (fuzz_strict())
			FUZZ_ASSERT(ev.kind != VOICE_DTMF ||
			    ev.digits[0] != '\0');
		FUZZ_ASSERT(fuzz_terminated(ev.error, sizeof(ev.error)));
	} else
		FUZZ_ASSERT(err[0] != '\0');
	free(ans.body);

	/* The body as the provider's answer to a send. */
	memset(&res, 0, sizeof(res));
	res.curl_code = fh->curl_code;
	res.error = fh->curl_code != 0 ? "Timeout was reached" : NULL;
	res.status = fh->curl_code != 0 ? 0 : fh->http_status;
	res.body = fh->h.body;
	res.body_len = fh->h.body_len;
	res.request_sent = true;
	a->ops->parse_send(a, &res, &sr);
	FUZZ_ASSERT(sr.status == SEND_OK || sr.status == SEND_TEMPFAIL ||
	    sr.status == SEND_PERMFAIL);
	FUZZ_ASSERT(fuzz_terminated(sr.ref, sizeof(sr.ref)));
	FUZZ_ASSERT(fuzz_terminated(sr.error, sizeof(sr.error)));
	FUZZ_ASSERT(sr.retry_after_s >= 0);
	if (res.status >= 200 && res.status <= 299 && res.curl_code == 0)
		FUZZ_ASSERT(sr.status != SEND_TEMPFAIL);
	if (res.status == 429 || res.status >= 500 || res.curl_code != 0)
		FUZZ_ASSERT(sr.status == SEND_TEMPFAIL);
	if (res.status == 408 && res.curl_code == 0)
		FUZZ_ASSERT(sr.status == SEND_TEMPFAIL);
	/* 46elks answers 403 for credits and bad messages too. */
	if (res.status == 401 && res.curl_code == 0)
		FUZZ_ASSERT(sr.status == SEND_PERMFAIL && sr.auth_error);
	if (res.status == 403 && res.curl_code == 0)
		FUZZ_ASSERT(sr.status == SEND_PERMFAIL);
}

#endif
