/*
 * Passwords of console users: scrypt (RFC 7914, from libcrypto) with a
 * random salt per password, kept as one string that names its cost so
 * a later cost can be chosen without breaking the older hashes:
 *
 *	$scrypt$ln=15,r=8,p=1$<salt, base64>$<key, base64>
 *
 * (the PHC string format, base64 without padding). A check takes about
 * 0.2 s of CPU and 32 MiB at the default cost: never on the event loop
 * (hasher.h runs it in a thread).
 */
#ifndef VARSEL_PASSWORD_H
#define VARSEL_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX	160	/* the stored string with its NUL */
#define PASSWORD_MIN_LEN	10	/* characters a new password needs */
#define PASSWORD_MAX_LEN	1024	/* bytes a password may have */
#define PASSWORD_LN_DEFAULT	15	/* N = 2^15, r = 8: 32 MiB */

/*
 * Hash password at cost ln (log2 N; r = 8, p = 1) with a new salt into
 * out (PASSWORD_HASH_MAX bytes). 0, or -1 with why.
 */
int	password_hash(const char *password, int ln, char *out, size_t outlen,
	    char *why, size_t whylen);
/*
 * Is stored a hash this module can check, at a cost it accepts (N up to
 * 2^18, at most 256 MiB)? 0, or -1 with why.
 */
int	password_check_format(const char *stored, char *why, size_t whylen);
/* Does password match stored (constant time)? false for a bad stored. */
bool	password_verify(const char *stored, const char *password);
/*
 * Is password good enough for a new user: at least PASSWORD_MIN_LEN
 * characters, valid UTF-8, no control characters? 0, or -1 with why.
 */
int	password_acceptable(const char *password, char *why, size_t whylen);

#endif
