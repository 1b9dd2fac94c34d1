/*
 * Passwords of console users: scrypt hashes in the PHC string format,
 * made with a random salt, checked in constant time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "password.h"
#include "util.h"

#define SALT_BYTES	16
#define KEY_BYTES	32
#define LN_MIN		10
#define LN_MAX		18
#define R_MAX		32
#define P_MAX		16
#define MEM_MAX		(256ULL * 1024 * 1024)	/* bytes scrypt may use */

/* A stored hash taken apart. */
struct pwhash {
	int		 ln, r, p;
	unsigned char	 salt[64];
	size_t		 saltlen;
	unsigned char	 key[64];
	size_t		 keylen;
};

static int	b64_encode(const unsigned char *, size_t, char *, size_t);
static int	b64_decode(const char *, size_t, unsigned char *, size_t,
		    size_t *);
static int	pwhash_parse(const char *, struct pwhash *, char *, size_t);
static int	derive(const char *, size_t, const struct pwhash *,
		    unsigned char *, size_t);

/* Base64 without padding into out; -1 if it does not fit. */
static int
b64_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	size_t	n = 4 * ((len + 2) / 3);

	if (n + 1 > outlen)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		out[--n] = '\0';
	return 0;
}

/* Base64 without padding (len characters) into out; -1 if malformed. */
static int
b64_decode(const char *in, size_t len, unsigned char *out, size_t outlen,
    size_t *got)
{
	unsigned char	 buf[128];
	char		 padded[128];
	size_t		 i, n;
	int		 k;

	if (len == 0 || len % 4 == 1 || len + 3 >= sizeof(padded))
		return -1;
	for (i = 0; i < len; i++)
		if (!((in[i] >= 'A' && in[i] <= 'Z') ||
		    (in[i] >= 'a' && in[i] <= 'z') ||
		    (in[i] >= '0' && in[i] <= '9') || in[i] == '+' ||
		    in[i] == '/'))
			return -1;
	memcpy(padded, in, len);
	n = len;
	while (n % 4 != 0)
		padded[n++] = '=';
	if ((k = EVP_DecodeBlock(buf, (const unsigned char *)padded,
	    (int)n)) < 0)
		return -1;
	k -= (int)(n - len);	/* the padding decoded as zero bytes */
	if (k <= 0 || (size_t)k > outlen)
		return -1;
	memcpy(out, buf, (size_t)k);
	*got = (size_t)k;
	return 0;
}

/* "$scrypt$ln=N,r=N,p=N$salt$key" into h; -1 with why. */
static int
pwhash_parse(const char *s, struct pwhash *h, char *why, size_t whylen)
{
	const char	*salt, *key;
	int		 used = 0;

	memset(h, 0, sizeof(*h));
	if (s == NULL || strncmp(s, "$scrypt$", 8) != 0) {
		snprintf(why, whylen, "not an scrypt hash (it starts with "
		    "$scrypt$; make one with varselctl user add)");
		return -1;
	}
	if (sscanf(s + 8, "ln=%d,r=%d,p=%d$%n", &h->ln, &h->r, &h->p,
	    &used) != 3 || used == 0) {
		snprintf(why, whylen, "the scrypt parameters are not "
		    "ln=N,r=N,p=N");
		return -1;
	}
	if (h->ln < LN_MIN || h->ln > LN_MAX || h->r < 1 || h->r > R_MAX ||
	    h->p < 1 || h->p > P_MAX ||
	    128ULL * (unsigned long long)h->r * (1ULL << h->ln) > MEM_MAX) {
		snprintf(why, whylen, "scrypt cost out of range (ln %d..%d, "
		    "r 1..%d, p 1..%d, at most %llu MiB)", LN_MIN, LN_MAX,
		    R_MAX, P_MAX, MEM_MAX >> 20);
		return -1;
	}
	salt = s + 8 + used;
	if ((key = strchr(salt, '$')) == NULL ||
	    b64_decode(salt, (size_t)(key - salt), h->salt, sizeof(h->salt),
	    &h->saltlen) == -1 || h->saltlen < 8 ||
	    b64_decode(key + 1, strlen(key + 1), h->key, sizeof(h->key),
	    &h->keylen) == -1 || h->keylen < 16) {
		snprintf(why, whylen, "the salt or the key is not base64 of "
		    "the right length");
		return -1;
	}
	return 0;
}

/* scrypt of the password with h's salt and cost into key. */
static int
derive(const char *pw, size_t pwlen, const struct pwhash *h,
    unsigned char *key, size_t keylen)
{
	uint64_t	N = 1ULL << h->ln;
	uint64_t	mem = 128ULL * (uint64_t)h->r * N * 2 +
			    128ULL * (uint64_t)h->r * (uint64_t)h->p;

	if (EVP_PBE_scrypt(pw, pwlen, h->salt, h->saltlen, N,
	    (uint64_t)h->r, (uint64_t)h->p, mem, key, keylen) != 1)
		return -1;
	return 0;
}

int
password_hash(const char *password, int ln, char *out, size_t outlen,
    char *why, size_t whylen)
{
	struct pwhash	h;
	char		salt64[64], key64[64];

	memset(&h, 0, sizeof(h));
	h.ln = ln;
	h.r = 8;
	h.p = 1;
	h.saltlen = SALT_BYTES;
	h.keylen = KEY_BYTES;
	if (ln < LN_MIN || ln > LN_MAX) {
		snprintf(why, whylen, "cost %d out of range (%d..%d)", ln,
		    LN_MIN, LN_MAX);
		return -1;
	}
	if (RAND_bytes(h.salt, SALT_BYTES) != 1) {
		snprintf(why, whylen, "no random bytes for the salt");
		return -1;
	}
	if (derive(password, strlen(password), &h, h.key, KEY_BYTES) == -1) {
		snprintf(why, whylen, "scrypt failed (out of memory?)");
		return -1;
	}
	b64_encode(h.salt, SALT_BYTES, salt64, sizeof(salt64));
	b64_encode(h.key, KEY_BYTES, key64, sizeof(key64));
	OPENSSL_cleanse(h.key, sizeof(h.key));
	if ((size_t)snprintf(out, outlen, "$scrypt$ln=%d,r=%d,p=%d$%s$%s",
	    h.ln, h.r, h.p, salt64, key64) >= outlen) {
		snprintf(why, whylen, "the hash does not fit");
		return -1;
	}
	return 0;
}

int
password_check_format(const char *stored, char *why, size_t whylen)
{
	struct pwhash	h;

	if (stored != NULL && strlen(stored) >= PASSWORD_HASH_MAX) {
		snprintf(why, whylen, "too long for a password hash");
		return -1;
	}
	return pwhash_parse(stored, &h, why, whylen);
}

bool
password_verify(const char *stored, const char *password)
{
	struct pwhash	h;
	unsigned char	key[64];
	char		why[128];
	bool		ok;

	if (pwhash_parse(stored, &h, why, sizeof(why)) == -1 ||
	    strlen(password) > PASSWORD_MAX_LEN ||
	    derive(password, strlen(password), &h, key, h.keylen) == -1)
		return false;
	ok = CRYPTO_memcmp(key, h.key, h.keylen) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

int
password_acceptable(const char *password, char *why, size_t whylen)
{
	const unsigned char	*p;
	size_t			 chars = 0;

	if (strlen(password) > PASSWORD_MAX_LEN) {
		snprintf(why, whylen, "longer than %d bytes", PASSWORD_MAX_LEN);
		return -1;
	}
	if (!utf8_valid(password)) {
		snprintf(why, whylen, "not valid UTF-8");
		return -1;
	}
	for (p = (const unsigned char *)password; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen, "it holds a control character");
			return -1;
		}
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars < PASSWORD_MIN_LEN) {
		snprintf(why, whylen, "shorter than %d characters",
		    PASSWORD_MIN_LEN);
		return -1;
	}
	return 0;
}
