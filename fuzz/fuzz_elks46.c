/*
 * Fuzz the 46elks adapter on what reaches it from outside: callbacks on
 * /hooks/NAME/{status,sms,voice} (verify_hook, parse_status,
 * parse_inbound, parse_voice, the hangup POST whose fields are
 * unverified) and the API's answers to a send (parse_send), built from
 * the input as fuzz_hook.h describes.
 *
 * verify_hook is held to its rule: a callback is genuine exactly when
 * the first s of its query is the callback_secret, so putting the
 * secret first always passes and putting it last passes only if the
 * query had no other s of its own.
 */
#include "fuzz_hook.h"

#define ELF_SECRET	"n6Zq-hook-secret-4711-Nykvarn"

static struct provider_conf	 elf_pc;
static struct conf_opt		 elf_opts[4];
static struct adapter		*elf_adapter;

/* A [provider elks] section as config.c would make it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct adapter_env	env = {
		.name = "elks",
		.public_url = "https://larm.nykvarn.example/",
	};
	static const char *const	kv[][2] = {
		{ "username", "u0123456789abcdef0123456789abcdef" },
		{ "password", "P4SSW0RD0123456789ABCDEF" },
		{ "callback_secret", ELF_SECRET },
		{ "voice_from", "+46766860000" },
	};
	char				err[256];
	size_t				i;

	fuzz_quiet_logs();
	for (i = 0; i < nitems(kv); i++) {
		elf_opts[i].key = (char *)kv[i][0];
		elf_opts[i].value = (char *)kv[i][1];
		elf_opts[i].line = 41 + (int)i;
	}
	elf_pc.name = "elks";
	elf_pc.type = "46elks";
	elf_pc.file = "varsel.conf";
	elf_pc.line = 40;
	elf_pc.priority = 1;
	elf_pc.rate = 100;
	elf_pc.max_connections = 16;
	elf_pc.from = "Nykvarn";
	elf_pc.base_url = "https://api.46elks.com/a1/";
	elf_pc.timeout_ms = 7000;
	elf_pc.opts = elf_opts;
	elf_pc.nopts = nitems(kv);
	if ((elf_adapter = adapter_new(&elf_pc, &env, err,
	    sizeof(err))) == NULL) {
		fprintf(fuzz_stderr(), "fuzz_elks46: %s\n", err);
		abort();
	}
	return 0;
}

/* verify_hook with the query given, as it must answer. */
static void
elf_verify(const struct fuzz_hook *fh)
{
	const char	*s = kvlist_get(&fh->query, "s");
	int		 want;

	want = s != NULL && strcmp(s, ELF_SECRET) == 0 ? 0 : -1;

	FUZZ_ASSERT(elf_adapter->ops->verify_hook(elf_adapter, &fh->h) ==
	    want);
}

/* The callback with "s=<secret>" put first or last in its query. */
static void
elf_with_secret(const uint8_t *data, size_t len, bool first)
{
	struct fuzz_hook	 fh;
	struct kvlist		 q;
	const char		*own;
	char			*qs;
	bool			 pass;

	fuzz_hook_make(&fh, data, len, "elks", "status", NULL);
	/* Passes if the first s is the secret: ours, or one given. */
	own = kvlist_get(&fh.query, "s");
	pass = first || own == NULL || strcmp(own, ELF_SECRET) == 0;
	qs = first ? str_printf("s=%s&%s", ELF_SECRET, fh.qs) :
	    str_printf("%s&s=%s", fh.qs, ELF_SECRET);
	FUZZ_ASSERT(qs != NULL);
	memset(&q, 0, sizeof(q));
	FUZZ_ASSERT(form_parse(qs, strlen(qs), &q) == 0);
	fh.h.query = &q;
	FUZZ_ASSERT(elf_adapter->ops->verify_hook(elf_adapter, &fh.h) ==
	    (pass ? 0 : -1));
	kvlist_free(&q);
	free(qs);
	fuzz_hook_free(&fh);
}

/* One callback, then the same with the secret added. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fuzz_hook	fh;

	fuzz_hook_make(&fh, data, len, "elks", "sms", NULL);
	elf_verify(&fh);
	fuzz_hook_parse(elf_adapter, &fh);
	fuzz_hook_free(&fh);
	elf_with_secret(data, len, true);
	elf_with_secret(data, len, false);
	return 0;
}
