/*
 * Helpers the adapter unit tests share (see adapter_test.h): one copy of
 * the section, adapter, file and hook set-up and of the table-driven
 * checks that test_elks46.c and test_twilio.c both run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/http_client.h"
#include "gateway/jsonscan.h"
#include "gateway/util.h"
#include "tests/adapter_test.h"

/* A valid section as conf describes it; tests then change what they need. */
void
at_section_init(struct at_section *s, const struct at_conf *conf)
{
	size_t	i;

	assert_true(conf->nkv <= nitems(s->opts));
	memset(s, 0, sizeof(*s));
	s->pc.name = (char *)conf->name;
	s->pc.type = (char *)conf->type;
	s->pc.file = "varsel.conf";
	s->pc.line = conf->line;
	s->pc.priority = conf->priority;
	s->pc.rate = conf->rate;
	s->pc.max_connections = conf->max_connections;
	s->pc.from = (char *)conf->from;
	s->pc.base_url = (char *)conf->base_url;
	s->pc.timeout_ms = conf->timeout_ms;
	for (i = 0; i < conf->nkv; i++) {
		s->opts[i].key = (char *)conf->kv[i][0];
		s->opts[i].value = (char *)conf->kv[i][1];
		s->opts[i].line = conf->line + 1 + (int)i;
	}
	s->pc.opts = s->opts;
	s->pc.nopts = conf->nkv;
}

/* Set (or add) one key of the section. */
void
at_section_set(struct at_section *s, const char *key, const char *value)
{
	size_t	i;

	for (i = 0; i < s->pc.nopts; i++)
		if (strcmp(s->opts[i].key, key) == 0) {
			s->opts[i].value = (char *)value;
			return;
		}
	assert_true(s->pc.nopts < nitems(s->opts));
	s->opts[s->pc.nopts].key = (char *)key;
	s->opts[s->pc.nopts].value = (char *)value;
	s->opts[s->pc.nopts].line = s->pc.line + 10 + (int)s->pc.nopts;
	s->pc.nopts++;
}

/* Remove one key of the section. */
void
at_section_del(struct at_section *s, const char *key)
{
	size_t	i;

	for (i = 0; i < s->pc.nopts; i++)
		if (strcmp(s->opts[i].key, key) == 0) {
			s->opts[i] = s->opts[--s->pc.nopts];
			return;
		}
}

/* The environment of the section's adapter: no event_base, our URL. */
void
at_env(const struct at_section *s, struct adapter_env *env)
{
	memset(env, 0, sizeof(*env));
	env->name = s->pc.name;
	env->public_url = AT_PUBLIC_URL;
}

/* Make the adapter; the test fails with init's error if it cannot. */
struct adapter *
at_make(const struct at_section *s)
{
	struct adapter_env	 env;
	struct adapter		*a;
	char			 err[256] = "";

	at_env(s, &env);
	a = adapter_new(&s->pc, &env, err, sizeof(err));
	if (a == NULL)
		fail_msg("adapter_new: %s", err);
	return a;
}

/* Read tests/data/dir/name under $VARSEL_SRCDIR (or ..), NUL-terminated. */
char *
at_load(const char *dir, const char *name, size_t *len)
{
	const char	*src = getenv("VARSEL_SRCDIR");
	char		 path[1024];
	char		*buf;
	FILE		*fp;
	long		 n;

	snprintf(path, sizeof(path), "%s/tests/data/%s/%s",
	    src ? src : "..", dir, name);
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/*
 * A hook request to url with a form body and, unless query is NULL, a
 * query string (parsed into q). No signature: parsing only.
 */
void
at_hook_form(struct hook_request *h, struct kvlist *form, struct kvlist *q,
    const char *url, const char *body, const char *query)
{
	memset(h, 0, sizeof(*h));
	memset(form, 0, sizeof(*form));
	assert_int_equal(form_parse(body, strlen(body), form), 0);
	if (query != NULL) {
		memset(q, 0, sizeof(*q));
		assert_int_equal(form_parse(query, strlen(query), q), 0);
		h->query = q;
	}
	h->url = url;
	h->form = form;
	h->body = body;
	h->body_len = strlen(body);
	h->content_type = "application/x-www-form-urlencoded";
}

/*
 * Each saved answer of tests/data/dir classified by parse_send. A case
 * without a file is a transport failure: curl_error, and curl_sent says
 * whether the request had gone out.
 */
void
at_parse_send(struct adapter *a, const char *dir,
    const struct at_send_case *cases, size_t n, const char *curl_error,
    bool curl_sent)
{
	const struct at_send_case	*c;
	struct http_response		 r;
	struct send_result		 res;
	char				*body;
	size_t				 i, len;

	for (i = 0; i < n; i++) {
		c = &cases[i];
		memset(&r, 0, sizeof(r));
		body = c->file ? at_load(dir, c->file, &len) : strdup("");
		if (c->file == NULL)
			len = 0;
		r.curl_code = c->curl_code;
		r.error = c->curl_code ? curl_error : NULL;
		r.status = c->status;
		r.body = body;
		r.body_len = len;
		r.retry_after_s = c->retry_after;
		r.request_sent = c->status != 0 || curl_sent;
		/* The core hands over a dirty result on purpose. */
		memset(&res, 0x5a, sizeof(res));
		a->ops->parse_send(a, &r, &res);
		if (res.status != c->want)
			fail_msg("%s: status %d, want %d", c->file, res.status,
			    c->want);
		assert_string_equal(res.ref, c->ref);
		assert_int_equal(res.auth_error, c->auth_error);
		assert_int_equal(res.retry_after_s, c->want_retry);
		assert_int_equal(res.http_status, c->status);
		if (strncmp(res.error, c->error, strlen(c->error)) != 0)
			fail_msg("%s: error '%s', want '%s...'", c->file,
			    res.error, c->error);
		if (c->error[0] == '\0')
			assert_string_equal(res.error, "");
		free(body);
	}
}

/* parse_send of len bytes of body with HTTP status; res is dirty first. */
static void
at_send_body(struct adapter *a, long status, const char *body, size_t len,
    struct send_result *res)
{
	struct http_response	r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.body_len = len;
	r.request_sent = true;
	memset(res, 0x5a, sizeof(*res));
	a->ops->parse_send(a, &r, res);
}

/*
 * Each body answering with status: read by the reader the case says (the
 * scanner asked for the adapter's keys), classified as it says, and, with
 * twin, alike when a member with an exponent before its last '}' sends
 * it to jansson.
 */
void
at_parse_bodies(struct adapter *a, long status,
    const struct at_body_case *cases, size_t n, const char *const *keys,
    size_t nkeys)
{
	static const char	 more[] = ",\"zz\":1e0";
	struct jsonscan_field	 f[8];
	struct send_result	 res, twin;
	const struct at_body_case *c;
	char			 buf[1024];
	const char		*end;
	size_t			 i, k, len;

	assert_true(nkeys <= nitems(f));
	for (i = 0; i < n; i++) {
		c = &cases[i];
		len = c->len ? c->len : strlen(c->body);
		for (k = 0; k < nkeys; k++)
			f[k].key = keys[k];
		if ((jsonscan_object(c->body, len, f, nkeys) == 0) !=
		    c->scanned)
			fail_msg("case %zu: scanned is not %d", i, c->scanned);
		at_send_body(a, status, c->body, len, &res);
		if (res.status != c->want)
			fail_msg("case %zu: status %d, want %d", i, res.status,
			    c->want);
		if (strcmp(res.ref, c->ref) != 0)
			fail_msg("case %zu: ref '%s', want '%s'", i, res.ref,
			    c->ref);
		if (strncmp(res.error, c->error, strlen(c->error)) != 0 ||
		    (c->error[0] == '\0' && res.error[0] != '\0'))
			fail_msg("case %zu: error '%s', want '%s...'", i,
			    res.error, c->error);
		if (!c->twin)
			continue;
		end = memrchr(c->body, '}', len);
		assert_non_null(end);
		assert_true(len + sizeof(more) < sizeof(buf));
		k = (size_t)(end - c->body);
		memcpy(buf, c->body, k);
		memcpy(buf + k, more, sizeof(more) - 1);
		memcpy(buf + k + sizeof(more) - 1, end, len - k);
		k = len + sizeof(more) - 1;
		assert_int_equal(jsonscan_object(buf, k, f, nkeys), -1);
		at_send_body(a, status, buf, k, &twin);
		if (res.status != twin.status ||
		    res.http_status != twin.http_status ||
		    res.retry_after_s != twin.retry_after_s ||
		    res.auth_error != twin.auth_error ||
		    strcmp(res.ref, twin.ref) != 0 ||
		    strcmp(res.error, twin.error) != 0)
			fail_msg("case %zu: the twin is read as %d '%s' '%s'",
			    i, twin.status, twin.ref, twin.error);
	}
}

/* Each status callback to url read by parse_status; ref is the id in all. */
void
at_parse_status(struct adapter *a, const struct at_status_case *cases,
    size_t n, const char *url, const char *ref)
{
	struct hook_request	h;
	struct kvlist		form;
	struct status_report	rep;
	char			err[256];
	size_t			i;
	int			rc;

	for (i = 0; i < n; i++) {
		at_hook_form(&h, &form, NULL, url, cases[i].form, NULL);
		err[0] = '\0';
		rc = a->ops->parse_status(a, &h, &rep, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d (%s)", cases[i].form, rc, err);
		if (rc == 0) {
			assert_string_equal(rep.ref, ref);
			assert_int_equal(rep.state, cases[i].state);
			assert_string_equal(rep.error, cases[i].error);
		} else if (strstr(err, cases[i].error) == NULL)
			fail_msg("'%s': error '%s' does not name '%s'",
			    cases[i].form, err, cases[i].error);
		kvlist_free(&form);
	}
}

/*
 * Each inbound SMS to url read by parse_inbound. With a query, the hook
 * must pass verify_hook first. An accepted SMS is answered with ans_body
 * of type ans_type, or nothing if ans_body is NULL; a refused one never.
 */
void
at_parse_inbound(struct adapter *a, const struct at_inbound_case *cases,
    size_t n, const char *url, const char *query, const char *ans_type,
    const char *ans_body)
{
	const struct at_inbound_case	*c;
	struct hook_request		 h;
	struct kvlist			 form, q;
	struct inbound_sms		 in;
	struct hook_answer		 ans;
	char				 err[256];
	size_t				 i;
	int				 rc;

	for (i = 0; i < n; i++) {
		c = &cases[i];
		at_hook_form(&h, &form, &q, url, c->form, query);
		if (query != NULL)
			assert_int_equal(a->ops->verify_hook(a, &h), 0);
		memset(&ans, 0x5a, sizeof(ans));
		err[0] = '\0';
		rc = a->ops->parse_inbound(a, &h, &in, &ans, err, sizeof(err));
		if (rc != c->rc)
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (rc == 0) {
			assert_string_equal(in.id, c->id);
			assert_string_equal(in.from, c->from);
			assert_string_equal(in.to, c->to);
			assert_string_equal(in.text, c->text);
			free(in.text);
		} else {
			assert_null(in.text);
			if (strstr(err, c->text) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, err,
				    c->text);
		}
		if (rc == 0 && ans_body != NULL) {
			assert_string_equal(ans.content_type, ans_type);
			assert_string_equal(ans.body, ans_body);
			free(ans.body);
		} else
			assert_null(ans.body);
		kvlist_free(&form);
		if (query != NULL)
			kvlist_free(&q);
	}
}

/*
 * Each case is conf's section made bad: init fails with an error that
 * starts with file:line, names what is wrong, and never shows secret.
 */
void
at_init_errors(const struct at_conf *conf, const struct at_init_case *cases,
    size_t n, const char *secret)
{
	struct at_section	 s;
	struct adapter_env	 e;
	struct adapter		*a;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < n; i++) {
		at_section_init(&s, conf);
		at_env(&s, &e);
		if (cases[i].del != NULL)
			at_section_del(&s, cases[i].del);
		if (cases[i].key != NULL)
			at_section_set(&s, cases[i].key, cases[i].value);
		if (cases[i].field == 1)
			s.pc.base_url = NULL;
		else if (cases[i].field == 2)
			s.pc.from = NULL;
		else if (cases[i].field == 3)
			e.public_url = NULL;
		err[0] = '\0';
		a = adapter_new(&s.pc, &e, err, sizeof(err));
		if (a != NULL)
			fail_msg("case %zu: init succeeded", i);
		if (strstr(err, cases[i].want) == NULL ||
		    strncmp(err, "varsel.conf:", 12) != 0)
			fail_msg("case %zu: error '%s' lacks '%s'", i, err,
			    cases[i].want);
		assert_null(strstr(err, secret));
	}
}
