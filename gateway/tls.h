/*
 * HTTPS for the API listener: an OpenSSL server context (TLS 1.2 and
 * up, the system's default ciphers) from tls_cert and tls_key, handed to
 * evhttp as a bufferevent_openssl per connection. SIGHUP loads the pair
 * again; a pair that does not load keeps the one in use.
 */
#ifndef VARSEL_TLS_H
#define VARSEL_TLS_H

#include <stddef.h>

struct evhttp;
struct tls;

/* Load cert (PEM chain) and key (PEM); NULL with err. */
struct tls	*tls_new(const char *cert, const char *key, char *err,
		    size_t errlen);
/* Make http serve every new connection over TLS with tls. */
void		 tls_attach(struct tls *, struct evhttp *);
/*
 * Load the files again: 0 when the new pair is in use, -1 with err when
 * it is not (the old one keeps serving).
 */
int		 tls_reload(struct tls *, char *err, size_t errlen);
void		 tls_free(struct tls *);

#endif
