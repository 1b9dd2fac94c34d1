/*
 * HTTPS on the API listener: the server (httpd.c) wraps each accepted
 * connection in a fresh SSL of the current context with libevent's
 * bufferevent_openssl. A reload makes a whole new
 * context and swaps it in only when the certificate and key load and
 * match; connections already open keep the context they started with
 * (each SSL holds a reference to it).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "tls.h"
#include "util.h"

#define TLS_EXPIRY_WARN_DAYS	14

struct tls {
	SSL_CTX	*ctx;
	char	*cert;
	char	*key;
};

static int	tls_no_passphrase_cb(char *, int, int, void *);
static void	tls_openssl_error(const char *, const char *, char *, size_t);
static SSL_CTX	*tls_ctx_new(const char *, const char *, char *, size_t);
static void	tls_describe(SSL_CTX *, const char *);

/* An encrypted key would make OpenSSL ask on the terminal: refuse it. */
static int
tls_no_passphrase_cb(char *buf, int size, int rwflag, void *arg)
{
	return 0;
}

/* "what file: the first OpenSSL error" into err; clears the queue. */
static void
tls_openssl_error(const char *what, const char *file, char *err,
    size_t errlen)
{
	unsigned long	e = ERR_peek_last_error();
	char		buf[256];

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "unknown error");
	ERR_clear_error();
	snprintf(err, errlen, "%s %s: %s", what, file, buf);
}

/* A server context of cert and key; NULL with err. */
static SSL_CTX *
tls_ctx_new(const char *cert, const char *key, char *err, size_t errlen)
{
	struct stat	 st;
	SSL_CTX		*ctx;

	ERR_clear_error();
	if (stat(key, &st) == 0 && file_exposed(&st))
		log_warnx("%s: the TLS key is readable by others: chmod 600 "
		    "%s (or 640 with a group of varseld's own)", key, key);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_openssl_error("SSL_CTX_new", "", err, errlen);
		return NULL;
	}
	/* TLS 1.2 and 1.3; ciphers and groups as the system's OpenSSL. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase_cb);
	/* OpenSSL says "system lib" for a file missing or not ours. */
	if (access(cert, R_OK) == -1) {
		snprintf(err, errlen, "tls_cert %s: %s", cert, strerror(errno));
		goto fail;
	}
	if (access(key, R_OK) == -1) {
		snprintf(err, errlen, "tls_key %s: %s", key, strerror(errno));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_openssl_error("tls_cert", cert, err, errlen);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_openssl_error("tls_key", key, err, errlen);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_openssl_error("tls_key", key, err, errlen);
		snprintf(err + strlen(err), errlen - strlen(err),
		    " (the key is not the one of %s)", cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Log the certificate's subject and end; warn when it ends soon. */
static void
tls_describe(SSL_CTX *ctx, const char *cert)
{
	X509		*x = SSL_CTX_get0_certificate(ctx);
	const ASN1_TIME	*end;
	char		 subject[256];
	struct tm	 tm;
	int		 days = 0, secs = 0;

	if (x == NULL)
		return;
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	end = X509_get0_notAfter(x);
	memset(&tm, 0, sizeof(tm));
	if (end == NULL || ASN1_TIME_to_tm(end, &tm) != 1 ||
	    ASN1_TIME_diff(&days, &secs, NULL, end) != 1) {
		log_info("evt=tls cert=%s subject=%s", cert, subject);
		return;
	}
	log_info("evt=tls cert=%s subject=%s not_after=%04d-%02d-%02dT"
	    "%02d:%02d:%02dZ", cert, subject, tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (days < 0 || secs < 0)
		log_warnx("%s: the certificate has expired: clients will "
		    "refuse it", cert);
	else if (days < TLS_EXPIRY_WARN_DAYS)
		log_warnx("%s: the certificate expires in %d days", cert,
		    days);
}

struct tls *
tls_new(const char *cert, const char *key, char *err, size_t errlen)
{
	struct tls	*tls;
	SSL_CTX		*ctx;

	if ((ctx = tls_ctx_new(cert, key, err, errlen)) == NULL)
		return NULL;
	tls = xcalloc(1, sizeof(*tls));
	tls->ctx = ctx;
	tls->cert = xstrdup(cert);
	tls->key = xstrdup(key);
	tls_describe(ctx, cert);
	return tls;
}

void *
tls_ctx(const struct tls *tls)
{
	return tls->ctx;
}

int
tls_reload(struct tls *tls, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = tls_ctx_new(tls->cert, tls->key, err, errlen)) == NULL)
		return -1;
	SSL_CTX_free(tls->ctx);		/* open connections hold their own */
	tls->ctx = ctx;
	tls_describe(ctx, tls->cert);
	return 0;
}

void
tls_free(struct tls *tls)
{
	if (tls == NULL)
		return;
	SSL_CTX_free(tls->ctx);
	free(tls->cert);
	free(tls->key);
	free(tls);
}
