/*
 * HTTPS for the API listener: an OpenSSL server context (TLS 1.2 and
 * up, the system's default ciphers) from tls_cert and tls_key, which the
 * server (httpd.c) wraps each new connection in. SIGHUP loads the pair
 * again; a pair that does not load keeps the one in use.
 */
#ifndef VARSEL_TLS_H
#define VARSEL_TLS_H

#include <stddef.h>

struct tls;

/* Load cert (PEM chain) and key (PEM); NULL with err. */
struct tls	*tls_new(const char *cert, const char *key, char *err,
		    size_t errlen);
/* The SSL_CTX * in use now (new connections take it; a reload
 * replaces it, connections open keep theirs). */
void		*tls_ctx(const struct tls *);
/*
 * Load the files again: 0 when the new pair is in use, -1 with err when
 * it is not (the old one keeps serving).
 */
int		 tls_reload(struct tls *, char *err, size_t errlen);
void		 tls_free(struct tls *);

#endif
