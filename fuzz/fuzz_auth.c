/*
 * Fuzz what a request meets before anyone knows who sent it: the
 * Authorization header (auth_bearer against the configured clients),
 * X-Varsel-Timestamp and X-Varsel-Signature over the body
 * (auth_signature), and the unauthenticated GET /media/<id> (media_path
 * on a cache folder made for the run).
 *
 * The input splits at NUL bytes into the header values, the body and
 * the media id. Each answer is held to a reference computed here: a
 * bearer token matches exactly one client's token; a signature passes
 * exactly when the timestamp is unix seconds within AUTH_MAX_SKEW_S and
 * the signature is sha256=HMAC-SHA256(secret, timestamp "." body); a
 * media id opens only a file of 64 lowercase hex digits and ".wav"
 * inside the cache folder.
 */
#include <sys/stat.h>

#include <unistd.h>

#include <openssl/hmac.h>

#include "fuzz.h"
#include "gateway/auth.h"
#include "gateway/config.h"
#include "gateway/media.h"
#include "gateway/util.h"

#define AUF_NOW		1764190800LL	/* 2025-11-26T21:00:00Z */
#define AUF_SECRET	"c2VjcmV0LWZvci1yZWdpb24tc3RvY2tob2xt"
#define AUF_MEDIA_ID	"0123456789abcdef0123456789abcdef" \
			"0123456789abcdef0123456789abcdef.wav"

static const char *const auf_tokens[] = {
	"vs_live_6f9a1c0e7d2b4a58b3e1c9d7f0a2b4c6",
	"vs_live_0000000000000000000000000000beef",
};
static struct client_conf	 auf_clients[2];
static struct config		 auf_cfg;
static struct media		*auf_media;
static char			 auf_dir[64], auf_file[192], auf_key[96];

/* Remove the cache folder at exit. */
static void
auf_cleanup(void)
{
	media_free(auf_media);
	unlink(auf_file);
	unlink(auf_key);
	rmdir(auf_dir);
}

/* Two clients (one signs its requests) and a media cache. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");
	char		 err[256];
	FILE		*fp;
	size_t		 i;

	fuzz_quiet_logs();
	for (i = 0; i < nitems(auf_clients); i++) {
		auf_clients[i].name = (char *)(i == 0 ? "larmcentral" :
		    "kommun");
		sha256_hex(auf_tokens[i], strlen(auf_tokens[i]),
		    auf_clients[i].token_sha256);
		auf_clients[i].scopes = 0xff;
	}
	auf_clients[0].hmac_secret = (char *)AUF_SECRET;
	auf_cfg.clients = auf_clients;
	auf_cfg.nclients = nitems(auf_clients);

	snprintf(auf_dir, sizeof(auf_dir), "%s/fuzz_auth.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(auf_dir) == NULL) {
		fprintf(fuzz_stderr(), "fuzz_auth: no temporary folder\n");
		abort();
	}
	snprintf(auf_file, sizeof(auf_file), "%s/%s", auf_dir, AUF_MEDIA_ID);
	snprintf(auf_key, sizeof(auf_key), "%s/.key", auf_dir);
	atexit(auf_cleanup);
	if ((fp = fopen(auf_file, "w")) == NULL || fputs("RIFF", fp) < 0 ||
	    fclose(fp) != 0 ||
	    (auf_media = media_new(auf_dir, err, sizeof(err))) == NULL) {
		fprintf(fuzz_stderr(), "fuzz_auth: %s\n", err);
		abort();
	}
	return 0;
}

/* The client whose token the header carries, by the rule above. */
static const struct client_conf *
auf_bearer_ref(const char *h)
{
	size_t	i;

	if (strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	for (h += 7; *h == ' '; h++)
		;
	for (i = 0; i < nitems(auf_tokens); i++)
		if (strcmp(h, auf_tokens[i]) == 0)
			return &auf_clients[i];
	return NULL;
}

/* "sha256=" and the hex HMAC of timestamp "." body, computed here. */
static void
auf_sign_ref(const char *ts, const char *body, size_t len, char out[80])
{
	unsigned char	 mac[32];
	unsigned int	 maclen = 0;
	char		*msg;
	size_t		 tlen = strlen(ts);

	msg = malloc(tlen + 1 + len + 1);
	FUZZ_ASSERT(msg != NULL);
	memcpy(msg, ts, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, body, len);
	FUZZ_ASSERT(HMAC(EVP_sha256(), AUF_SECRET, strlen(AUF_SECRET),
	    (unsigned char *)msg, tlen + 1 + len, mac, &maclen) != NULL);
	memcpy(out, "sha256=", 7);
	hex_encode(mac, maclen, out + 7);
	free(msg);
}

/* Is ts 1..12 digits within the allowed skew of AUF_NOW? */
static bool
auf_ts_ok(const char *ts)
{
	size_t	n = strlen(ts);

	if (n == 0 || n > 12 || strspn(ts, "0123456789") != n)
		return false;
	return llabs(atoll(ts) - AUF_NOW) <= AUTH_MAX_SKEW_S;
}

/* auth_signature for the signing client, against the reference. */
static void
auf_signature(const char *ts, const char *sig, const char *body,
    size_t len)
{
	char	ref[80], err[160];
	int	want;

	auf_sign_ref(ts, body, len, ref);
	want = auf_ts_ok(ts) && strcmp(sig, ref) == 0 ? 0 : -1;
	err[0] = '\0';
	FUZZ_ASSERT(auth_signature(&auf_clients[0], ts, sig, body, len,
	    AUF_NOW, err, sizeof(err)) == want);
	FUZZ_ASSERT(want == 0 || err[0] != '\0');
	/* A client without a secret needs no signature. */
	FUZZ_ASSERT(auth_signature(&auf_clients[1], ts, sig, body, len,
	    AUF_NOW, err, sizeof(err)) == 0);
}

/* Split the input: authorization, timestamp, signature, media id, body. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*f[5] = { "", "", "", "", "" }, *buf, ts[24], ref[80];
	char	 path[256], want[256];
	size_t	 n, blen;
	long	 off;
	int	 rc;

	n = fuzz_split(data, len, '\0', f, 5, &buf);
	FUZZ_ASSERT(auth_bearer(&auf_cfg, f[0]) == auf_bearer_ref(f[0]));
	FUZZ_ASSERT(auth_bearer(&auf_cfg, NULL) == NULL);

	/* The body is the last field, NULs and all. */
	blen = n == 5 ? (size_t)(buf + len - f[4]) : 0;
	auf_signature(f[1], f[2], f[4], blen);
	FUZZ_ASSERT(auth_signature(&auf_clients[0], NULL, f[2], f[4], blen,
	    AUF_NOW, ref, sizeof(ref)) == -1);

	/* A timestamp near now and the right signature: the accept path. */
	off = len > 0 ? (long)(data[0] * 3) - 380 : 0;
	snprintf(ts, sizeof(ts), "%lld", AUF_NOW + off);
	auf_sign_ref(ts, f[4], blen, ref);
	auf_signature(ts, ref, f[4], blen);

	/* GET /media/<id>: the one file, or nothing. */
	rc = media_path(auf_media, f[3], path, sizeof(path));
	FUZZ_ASSERT((rc == 0) == (strcmp(f[3], AUF_MEDIA_ID) == 0));
	if (rc == 0) {
		snprintf(want, sizeof(want), "%s/%s", auf_dir, f[3]);
		FUZZ_ASSERT(strcmp(path, want) == 0);
	}
	FUZZ_ASSERT(media_path(auf_media, f[3], path, 8) == -1);
	free(buf);
	return 0;
}
