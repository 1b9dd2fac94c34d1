/*
 * The adapter registry and what every adapter shares: lookup by type,
 * construction from a provider section, HTTP answer classification, and
 * filling an inbound SMS from a callback.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "gateway/http_client.h"
#include "gateway/provider_conf.h"

#define ADAPTER_MAX_EXTRA	4

static const struct adapter_ops *const adapters[] = {
	&simulator_adapter_ops,
	&elks46_adapter_ops,
	&twilio_adapter_ops,
};

/* Types registered at run time (tests' scripted providers). */
static const struct adapter_ops	*extra[ADAPTER_MAX_EXTRA];
static size_t			 nextra;

int
adapter_register(const struct adapter_ops *ops)
{
	if (adapter_lookup(ops->type) != NULL || nextra == ADAPTER_MAX_EXTRA)
		return -1;
	extra[nextra++] = ops;
	return 0;
}

const struct adapter_ops *
adapter_lookup(const char *type)
{
	const struct adapter_ops	*ops;
	size_t				 i;

	if (type == NULL)
		return NULL;
	for (i = 0; (ops = adapter_nth(i)) != NULL; i++)
		if (strcmp(ops->type, type) == 0)
			return ops;
	return NULL;
}

/* The i-th entry of the registry, for listing the known types. */
const struct adapter_ops *
adapter_nth(size_t i)
{
	if (i < nitems(adapters))
		return adapters[i];
	i -= nitems(adapters);
	return i < nextra ? extra[i] : NULL;
}

struct adapter *
adapter_new(const struct provider_conf *pc, const struct adapter_env *env,
    char *err, size_t errlen)
{
	const struct adapter_ops	*ops;
	struct adapter			*a;

	if ((ops = adapter_lookup(pc->type)) == NULL) {
		snprintf(err, errlen, "%s:%d: type: unknown provider type '%s'",
		    pc->file, pc->line, pc->type ? pc->type : "");
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->ops = ops;
	a->conf = pc;
	a->caps = ops->caps;
	strlcpy(a->name, pc->name, sizeof(a->name));
	if (ops->init != NULL && ops->init(a, env, err, errlen) == -1) {
		free(a);
		return NULL;
	}
	return a;
}

void
adapter_free(struct adapter *a)
{
	if (a == NULL)
		return;
	if (a->ops->free != NULL)
		a->ops->free(a);
	free(a);
}

/* Copy a provider's body into err as one printable line of text. */
static void
body_to_error(const char *body, size_t len, char *err, size_t errlen)
{
	size_t	o;

	adapter_snippet(body, len, err, errlen);
	/* Trim trailing blanks. */
	for (o = strlen(err); o > 0 && err[o - 1] == ' '; o--)
		err[o - 1] = '\0';
}

void
adapter_snippet(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char	c = (unsigned char)s[i];

		out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[o] = '\0';
}

bool
adapter_classify_http(const struct http_response *r, struct send_result *res)
{
	res->http_status = (int)r->status;
	if (r->curl_code != 0) {
		res->status = SEND_TEMPFAIL;
		snprintf(res->error, sizeof(res->error), "transport: %s",
		    r->error ? r->error : "unknown error");
		return false;
	}
	if (r->status >= 200 && r->status < 300)
		return true;
	if (r->status == 408 || r->status == 429 || r->status >= 500) {
		res->status = SEND_TEMPFAIL;
		if (r->status == 429 || r->status == 503)
			res->retry_after_s = r->retry_after_s;
	} else {
		res->status = SEND_PERMFAIL;
		res->auth_error = (r->status == 401 || r->status == 403);
	}
	body_to_error(r->body ? r->body : "", r->body_len, res->error,
	    sizeof(res->error));
	if (res->error[0] == '\0')
		snprintf(res->error, sizeof(res->error), "HTTP %ld", r->status);
	return false;
}

int
adapter_inbound_set(struct inbound_sms *in, const char *provider,
    const char *const names[3], const char *id, const char *from,
    const char *to, const char *text, char *err, size_t errlen)
{
	if (id == NULL || id[0] == '\0' || strlen(id) >= sizeof(in->id)) {
		snprintf(err, errlen, "%s inbound SMS without a valid %s",
		    provider, names[0]);
		return -1;
	}
	if (from == NULL || from[0] == '\0' ||
	    strlen(from) >= sizeof(in->from)) {
		snprintf(err, errlen, "%s inbound SMS without a valid %s",
		    provider, names[1]);
		return -1;
	}
	if (to != NULL && strlen(to) >= sizeof(in->to)) {
		snprintf(err, errlen, "%s inbound SMS %s too long", provider,
		    names[2]);
		return -1;
	}
	strlcpy(in->id, id, sizeof(in->id));
	strlcpy(in->from, from, sizeof(in->from));
	strlcpy(in->to, to != NULL ? to : "", sizeof(in->to));
	if ((in->text = strdup(text != NULL ? text : "")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
