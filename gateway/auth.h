/*
 * Who is calling: bearer tokens against token_sha256 of the configured
 * clients (constant time), scopes, and the optional HMAC signature.
 */
#ifndef VARSEL_AUTH_H
#define VARSEL_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct client_conf;

/* Allowed clock skew of X-Varsel-Timestamp, in seconds. */
#define AUTH_MAX_SKEW_S	300

/*
 * The client whose token is in the Authorization header value
 * ("Bearer <token>"), or NULL. Every client is compared, in constant time.
 */
const struct client_conf *auth_bearer(const struct config *,
	    const char *authorization);
/*
 * Check X-Varsel-Timestamp and X-Varsel-Signature ("sha256=<hex>") over
 * body for a client with hmac_secret (a client without one passes).
 * Returns 0, or -1 with the reason in err.
 */
int	auth_signature(const struct client_conf *, const char *timestamp,
	    const char *signature, const void *body, size_t len, int64_t now_s,
	    char *err, size_t errlen);
/* The signature header value for body at timestamp: "sha256=<hex>". */
void	auth_sign(const char *secret, const char *timestamp, const void *body,
	    size_t len, char *out, size_t outlen);

#endif
