/*
 * Fuzz the Twilio adapter on what reaches it from outside: callbacks on
 * /hooks/NAME/{status,sms,voice} with their X-Twilio-Signature
 * (verify_hook, parse_status, parse_inbound, parse_voice) and the API's
 * answers to a send (parse_send), built from the input as fuzz_hook.h
 * describes.
 *
 * verify_hook is also checked against a signature computed here from
 * providers.md 2.4 (HMAC-SHA1 over the URL and the sorted, deduplicated
 * form pairs; the URL alone plus bodySHA256 for a JSON body): that
 * signature must pass, for the URL as called and with the https
 * default port added, and one changed character must not.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "fuzz_hook.h"

#define TWF_SID		"AC0123456789abcdef0123456789abcdef"
#define TWF_TOKEN	"0f1e2d3c4b5a69788796a5b4c3d2e1f0"

static struct provider_conf	 twf_pc;
static struct conf_opt		 twf_opts[2];
static struct adapter		*twf_adapter;

/* A [provider tw] section as config.c would make it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct adapter_env	env = {
		.name = "tw",
		.public_url = "https://larm.nykvarn.example/",
	};
	char				err[256];

	fuzz_quiet_logs();
	twf_opts[0].key = (char *)"account_sid";
	twf_opts[0].value = (char *)TWF_SID;
	twf_opts[0].line = 61;
	twf_opts[1].key = (char *)"auth_token";
	twf_opts[1].value = (char *)TWF_TOKEN;
	twf_opts[1].line = 62;
	twf_pc.name = "tw";
	twf_pc.type = "twilio";
	twf_pc.file = "varsel.conf";
	twf_pc.line = 60;
	twf_pc.priority = 2;
	twf_pc.rate = 10;
	twf_pc.max_connections = 8;
	twf_pc.from = "+46766860000";
	twf_pc.base_url = "https://api.twilio.com/";
	twf_pc.timeout_ms = 9000;
	twf_pc.opts = twf_opts;
	twf_pc.nopts = 2;
	if ((twf_adapter = adapter_new(&twf_pc, &env, err,
	    sizeof(err))) == NULL) {
		fprintf(fuzz_stderr(), "fuzz_twilio: %s\n", err);
		abort();
	}
	return 0;
}

/* qsort order of the signed pairs: name, then value, as strcmp. */
static int
twf_cmp(const void *pa, const void *pb)
{
	const struct kv	*a = *(const struct kv *const *)pa;
	const struct kv	*b = *(const struct kv *const *)pb;
	int		 c = strcmp(a->name, b->name);

	return c != 0 ? c : strcmp(a->value, b->value);
}

/* Grow *s by len bytes of p. */
static void
twf_add(char **s, size_t *n, const char *p, size_t len)
{
	*s = realloc(*s, *n + len + 1);
	FUZZ_ASSERT(*s != NULL);
	memcpy(*s + *n, p, len);
	*n += len;
	(*s)[*n] = '\0';
}

/* providers.md 2.4: base64(HMAC-SHA1(token, url + pairs)) into out. */
static void
twf_sign(const char *url, const struct kvlist *pairs, char out[64])
{
	const struct kv	**v = NULL;
	unsigned char	  mac[EVP_MAX_MD_SIZE];
	unsigned int	  maclen = 0;
	char		 *s = NULL;
	size_t		  n = 0, i, np = pairs != NULL ? pairs->n : 0;

	twf_add(&s, &n, url, strlen(url));
	if (np > 0) {
		v = calloc(np, sizeof(*v));
		FUZZ_ASSERT(v != NULL);
		for (i = 0; i < np; i++)
			v[i] = &pairs->v[i];
		qsort(v, np, sizeof(*v), twf_cmp);
	}
	for (i = 0; i < np; i++) {
		if (i > 0 && twf_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		twf_add(&s, &n, v[i]->name, strlen(v[i]->name));
		twf_add(&s, &n, v[i]->value, strlen(v[i]->value));
	}
	FUZZ_ASSERT(HMAC(EVP_sha1(), TWF_TOKEN, (int)strlen(TWF_TOKEN),
	    (unsigned char *)s, n, mac, &maclen) != NULL);
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	free(v);
	free(s);
}

/* Does verify_hook take sig on fh's request? */
static bool
twf_passes(struct fuzz_hook *fh, const char *sig)
{
	fh->sig = sig;
	return twilio_adapter_ops.verify_hook(twf_adapter, &fh->h) == 0;
}

/* Sign a form callback as Twilio would; verify_hook must agree. */
static void
twf_signed(struct fuzz_hook *fh)
{
	static const char	 host[] = "https://larm.nykvarn.example";
	const char		*saved = fh->sig;
	char			 sig[64], *url443;

	/* A bodySHA256 in the query makes it a JSON callback: below. */
	if (kvlist_get(&fh->query, "bodySHA256") != NULL)
		return;
	twf_sign(fh->url, &fh->form, sig);
	FUZZ_ASSERT(twf_passes(fh, sig));
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	FUZZ_ASSERT(!twf_passes(fh, sig));
	/* The SDKs also sign the URL with the default port. */
	if (strncmp(fh->url, host, sizeof(host) - 1) == 0 &&
	    fh->url[sizeof(host) - 1] == '/') {
		url443 = str_printf("%s:443%s", host,
		    fh->url + sizeof(host) - 1);
		FUZZ_ASSERT(url443 != NULL);
		twf_sign(url443, &fh->form, sig);
		FUZZ_ASSERT(twf_passes(fh, sig));
		free(url443);
	}
	fh->sig = saved;
}

/* A JSON body: the query gets bodySHA256, the URL alone is signed. */
static void
twf_signed_json(const uint8_t *data, size_t len)
{
	struct fuzz_hook	 fh;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	char			 hex[65], sig[64], *qs, *url;

	fuzz_hook_make(&fh, data, len, "tw", "voice", "X-Twilio-Signature");
	SHA256((const unsigned char *)fh.h.body, fh.h.body_len, md);
	hex_encode(md, sizeof(md), hex);
	qs = str_printf("%s%sbodySHA256=%s", fh.qs, fh.qs[0] ? "&" : "", hex);
	url = str_printf("%s/hooks/tw/voice?%s", fh.public_url, qs);
	FUZZ_ASSERT(qs != NULL && url != NULL);
	kvlist_free(&fh.query);
	FUZZ_ASSERT(form_parse(qs, strlen(qs), &fh.query) == 0);
	fh.h.url = url;
	twf_sign(url, NULL, sig);
	/* Only when ours is the first bodySHA256 of the query. */
	if (strcmp(kvlist_get(&fh.query, "bodySHA256"), hex) == 0) {
		FUZZ_ASSERT(twf_passes(&fh, sig));
		/* The same signature over another body does not pass. */
		if (fh.h.body_len > 0) {
			fh.h.body_len--;
			FUZZ_ASSERT(!twf_passes(&fh, sig));
		}
	}
	fh.h.url = fh.url;
	free(url);
	free(qs);
	fuzz_hook_free(&fh);
}

/* One callback, signed as it came, then signed as Twilio would. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fuzz_hook	fh;

	fuzz_hook_make(&fh, data, len, "tw", "sms", "X-Twilio-Signature");
	fuzz_hook_parse(twf_adapter, &fh);
	if (!fh.json)
		twf_signed(&fh);
	fuzz_hook_free(&fh);
	if (len > 0 && (data[0] & 0x80) != 0)
		twf_signed_json(data, len);
	return 0;
}
