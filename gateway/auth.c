/*
 * Who is calling: bearer tokens, scopes and request signatures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "config.h"
#include "util.h"

const struct client_conf *
auth_bearer(const struct config *cfg, const char *authorization)
{
	const struct client_conf	*found = NULL;
	const char			*token;
	char				 hash[65];
	size_t				 i;

	if (authorization == NULL ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	token = authorization + 7;
	while (*token == ' ')
		token++;
	if (*token == '\0')
		return NULL;
	sha256_hex(token, strlen(token), hash);
	/* No early exit: the time taken does not depend on which matched. */
	for (i = 0; i < cfg->nclients; i++)
		if (CRYPTO_memcmp(hash, cfg->clients[i].token_sha256, 64) == 0)
			found = &cfg->clients[i];
	return found;
}

void
auth_sign(const char *secret, const char *timestamp, const void *body,
    size_t len, char *out, size_t outlen)
{
	size_t	 tlen = strlen(timestamp);
	char	*msg, hex[65];

	if ((msg = malloc(tlen + 1 + len + 1)) == NULL) {
		strlcpy(out, "", outlen);
		return;
	}
	memcpy(msg, timestamp, tlen);
	msg[tlen] = '.';
	if (len > 0)
		memcpy(msg + tlen + 1, body, len);
	hmac_sha256_hex(secret, strlen(secret), msg, tlen + 1 + len, hex);
	free(msg);
	snprintf(out, outlen, "sha256=%s", hex);
}

int
auth_signature(const struct client_conf *c, const char *timestamp,
    const char *signature, const void *body, size_t len, int64_t now_s,
    char *err, size_t errlen)
{
	char		 expect[80];
	char		*end;
	long long	 ts;
	size_t		 i;

	if (c->hmac_secret == NULL)
		return 0;
	if (timestamp == NULL || signature == NULL) {
		snprintf(err, errlen, "X-Varsel-Timestamp and "
		    "X-Varsel-Signature are required for this client");
		return -1;
	}
	for (i = 0; timestamp[i] != '\0'; i++)
		if (timestamp[i] < '0' || timestamp[i] > '9')
			break;
	ts = strtoll(timestamp, &end, 10);
	if (i == 0 || timestamp[i] != '\0' || *end != '\0' || i > 12) {
		snprintf(err, errlen, "X-Varsel-Timestamp is not unix seconds");
		return -1;
	}
	if (ts < now_s - AUTH_MAX_SKEW_S || ts > now_s + AUTH_MAX_SKEW_S) {
		snprintf(err, errlen, "X-Varsel-Timestamp is more than %d s "
		    "from now", AUTH_MAX_SKEW_S);
		return -1;
	}
	auth_sign(c->hmac_secret, timestamp, body, len, expect, sizeof(expect));
	if (!ct_streq(expect, signature)) {
		snprintf(err, errlen, "X-Varsel-Signature does not match");
		return -1;
	}
	return 0;
}
