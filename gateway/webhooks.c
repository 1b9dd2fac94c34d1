/*
 * Provider callbacks under /hooks/NAME/: the adapter of provider NAME
 * checks that the request is genuine (403 and nothing changes if not)
 * and parses it; delivery reports and call events then move the
 * delivery, inbound SMS go to inbound.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "adapters/adapter.h"
#include "api.h"
#include "config.h"
#include "gateway.h"
#include "httpd.h"
#include "inbound.h"
#include "log.h"
#include "providers.h"
#include "reports.h"

/* Header lookup for adapters. */
static const char *
hook_header(const struct hook_request *h, const char *name)
{
	return api_header(h->header_arg, name);
}

/*
 * Before the body is read: the provider must exist, and what its adapter
 * can check without the body (a 46elks secret in the URL, the simulator's
 * own machine) must hold; so no one who cannot prove that makes the
 * daemon read and hold a body. false after answering 404 or 403.
 */
bool
webhook_head(struct api_req *r)
{
	struct provider		*p = providers_find(r->gw->providers,
				    r->params[0]);
	struct hook_request	 h;

	if (p == NULL) {
		api_reply_errorf(r, 404, "not_found", NULL,
		    "no provider named %.64s", r->params[0]);
		return false;
	}
	if (p->adapter->ops->verify_head == NULL)
		return true;
	memset(&h, 0, sizeof(h));
	h.query = &r->query;
	h.peer = api_peer(r);
	h.header = hook_header;
	h.header_arg = r;
	if (p->adapter->ops->verify_head(p->adapter, &h) == 0) {
		/*
		 * When it is the whole check (46elks' secret, the
		 * simulator's peer), hook_open does not make it again.
		 */
		r->hook_proved = p->adapter->ops->verify_head ==
		    p->adapter->ops->verify_hook;
		return true;
	}
	log_warnx("provider=%s evt=hook_forbidden path=%s: the callback did "
	    "not prove it came from the provider", p->conf->name, r->path);
	api_reply_errorf(r, 403, "forbidden", NULL,
	    "the callback could not be verified");
	return false;
}

/*
 * The provider named in the path, its request verified; NULL after
 * answering 404 or 403. form must be freed by the caller.
 */
static struct provider *
hook_open(struct api_req *r, struct hook_request *h, struct kvlist *form,
    char **url)
{
	struct provider	*p = providers_find(r->gw->providers, r->params[0]);
	const char	*q = httpd_query(r->req);
	const char	*ct = api_header(r, "Content-Type");
	int		 rc;

	*url = NULL;
	memset(form, 0, sizeof(*form));
	if (p == NULL) {
		api_reply_errorf(r, 404, "not_found", NULL,
		    "no provider named %.64s", r->params[0]);
		return NULL;
	}
	/* The URL as the provider called it: public_url + path + query. */
	*url = str_printf("%s%s%s%s", r->gw->cfg->public_url, r->path,
	    q ? "?" : "", q ? q : "");
	if (*url == NULL) {
		api_reply_errorf(r, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	if (ct != NULL && strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0 &&
	    (rc = form_parse_strict(r->body, r->body_len, form)) != 0) {
		/* A 5xx would be retried, and the same bytes fail again. */
		if (rc == FORM_BAD)
			api_reply_errorf(r, 400, "invalid_request", NULL,
			    "the form is not well-formed: a bad %%-escape, a "
			    "NUL or text that is not UTF-8");
		else
			api_reply_errorf(r, 503, "unavailable", NULL,
			    "out of memory");
		return NULL;
	}
	memset(h, 0, sizeof(*h));
	h->url = *url;
	h->query = &r->query;
	h->form = form;
	h->body = r->body;
	h->body_len = r->body_len;
	h->content_type = ct;
	h->peer = api_peer(r);
	h->header = hook_header;
	h->header_arg = r;
	if (!r->hook_proved && (p->adapter->ops->verify_hook == NULL ||
	    p->adapter->ops->verify_hook(p->adapter, h) == -1)) {
		log_warnx("provider=%s evt=hook_forbidden path=%s: the "
		    "callback did not prove it came from the provider",
		    p->conf->name, r->path);
		api_reply_errorf(r, 403, "forbidden", NULL,
		    "the callback could not be verified");
		return NULL;
	}
	return p;
}

/* POST /hooks/NAME/status: a delivery report. */
void
webhook_status(struct api_req *r)
{
	struct hook_request	 h;
	struct status_report	 rep;
	struct kvlist		 form;
	struct provider		*p;
	char			*url, why[256];
	int			 rc;

	if ((p = hook_open(r, &h, &form, &url)) == NULL)
		goto out;
	memset(&rep, 0, sizeof(rep));
	if (p->adapter->ops->parse_status == NULL) {
		api_reply_errorf(r, 404, "not_found", NULL,
		    "provider %s sends no delivery reports", p->conf->name);
		goto out;
	}
	if (p->adapter->ops->parse_status(p->adapter, &h, &rep, why,
	    sizeof(why)) == -1) {
		log_warnx("provider=%s evt=bad_report: %s", p->conf->name, why);
		api_reply_errorf(r, 400, "invalid_field", NULL, "%s", why);
		goto out;
	}
	rc = reports_delivery(r->gw, p->conf->name, &rep);
	if (rc == -1) {
		/* The provider retries; nothing is lost. */
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the report could not be stored; try again");
		goto out;
	}
	/*
	 * Unknown references are logged and acknowledged so retries stop;
	 * a known one is acknowledged once its state change is committed.
	 */
	api_reply_after_commit(r, 200, "text/plain; charset=utf-8", "", 0);
out:
	kvlist_free(&form);
	free(url);
}

/*
 * Answer a callback with the adapter's answer, or an empty 200, once what
 * it changed is committed: inbound SMS join the pass's durable
 * transaction (group commit), so one fsync covers all of a pass.
 */
static void
hook_answer_send(struct api_req *r, struct hook_answer *ans)
{
	const char	*body = ans->body != NULL ? ans->body : "";

	api_reply_after_commit(r, 200, ans->body != NULL &&
	    ans->content_type[0] != '\0' ? ans->content_type :
	    "text/plain; charset=utf-8", body, strlen(body));
}

/*
 * POST /hooks/NAME/sms: an inbound SMS. Stored and acted on before the
 * answer; 503 if it could not be stored, so the provider posts it again
 * (the same message id is handled once).
 */
void
webhook_sms(struct api_req *r)
{
	struct hook_request	 h;
	struct inbound_sms	 in;
	struct hook_answer	 ans;
	struct kvlist		 form;
	struct provider		*p;
	char			*url, why[256];

	memset(&in, 0, sizeof(in));
	memset(&ans, 0, sizeof(ans));
	if ((p = hook_open(r, &h, &form, &url)) == NULL)
		goto out;
	if (p->adapter->ops->parse_inbound == NULL) {
		api_reply_errorf(r, 404, "not_found", NULL,
		    "provider %s takes no inbound SMS", p->conf->name);
		goto out;
	}
	if (p->adapter->ops->parse_inbound(p->adapter, &h, &in, &ans, why,
	    sizeof(why)) == -1) {
		log_warnx("provider=%s evt=bad_inbound: %s", p->conf->name,
		    why);
		api_reply_errorf(r, 400, "invalid_field", NULL, "%s", why);
		goto out;
	}
	if (inbound_sms(r->gw, p->conf->name, &in) == -1) {
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the message could not be stored; try again");
		goto out;
	}
	hook_answer_send(r, &ans);
out:
	free(in.text);
	free(ans.body);
	kvlist_free(&form);
	free(url);
}


/*
 * POST /hooks/NAME/voice: a call event (ringing, answered, DTMF, hung
 * up). The dispatcher moves the call; the answer is the provider's next
 * call action, if its adapter has one.
 */
void
webhook_voice(struct api_req *r)
{
	struct hook_request	 h;
	struct voice_event	 ev;
	struct hook_answer	 ans;
	struct kvlist		 form;
	struct provider		*p;
	char			*url, why[256];
	int64_t			 id;
	int			 rc;

	memset(&ans, 0, sizeof(ans));
	if ((p = hook_open(r, &h, &form, &url)) == NULL)
		goto out;
	if (p->adapter->ops->parse_voice == NULL) {
		api_reply_errorf(r, 404, "not_found", NULL,
		    "provider %s makes no calls", p->conf->name);
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	if (p->adapter->ops->parse_voice(p->adapter, &h, &ev, &ans, why,
	    sizeof(why)) == -1) {
		log_warnx("provider=%s evt=bad_call_event: %s", p->conf->name,
		    why);
		api_reply_errorf(r, 400, "invalid_field", NULL, "%s", why);
		goto out;
	}
	id = api_parse_id(kvlist_get(&r->query, "d"));
	rc = reports_call(r->gw, p->conf->name, id, &ev);
	if (rc == -1) {
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the call event could not be stored; try again");
		goto out;
	}
	/* An unknown call is logged by reports.c and acknowledged. */
	hook_answer_send(r, &ans);
out:
	free(ans.body);
	kvlist_free(&form);
	free(url);
}
