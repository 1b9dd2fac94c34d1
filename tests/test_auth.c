/*
 * Tests for gateway/auth.c: bearer tokens, scopes, HMAC signatures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gateway/auth.h"
#include "gateway/config.h"
#include "gateway/util.h"

static struct client_conf	clients[2];
static struct config		cfg;

static int
setup(void **state)
{
	memset(clients, 0, sizeof(clients));
	memset(&cfg, 0, sizeof(cfg));
	clients[0].name = "coordination";
	sha256_hex("token-one", 9, clients[0].token_sha256);
	clients[0].scopes = SCOPE_ALERTS_WRITE | SCOPE_ALERTS_READ;
	clients[1].name = "beacons";
	sha256_hex("token-two", 9, clients[1].token_sha256);
	clients[1].scopes = SCOPE_ALERTS_WRITE;
	clients[1].hmac_secret = "0123456789abcdef-secret";
	cfg.clients = clients;
	cfg.nclients = 2;
	return 0;
}

static void
test_bearer(void **state)
{
	assert_ptr_equal(auth_bearer(&cfg, "Bearer token-one"), &clients[0]);
	assert_ptr_equal(auth_bearer(&cfg, "bearer token-two"), &clients[1]);
	assert_ptr_equal(auth_bearer(&cfg, "Bearer   token-one"), &clients[0]);
	assert_null(auth_bearer(&cfg, NULL));
	assert_null(auth_bearer(&cfg, ""));
	assert_null(auth_bearer(&cfg, "Bearer "));
	assert_null(auth_bearer(&cfg, "Bearer token-on"));
	assert_null(auth_bearer(&cfg, "Bearer token-one "));
	assert_null(auth_bearer(&cfg, "Basic dG9rZW4tb25lOg=="));
	assert_null(auth_bearer(&cfg, "token-one"));
	/* The hash itself is not a token. */
	assert_null(auth_bearer(&cfg, "Bearer 0"));
}

static void
test_signature(void **state)
{
	const char	*body = "{\"source_ref\":\"x\"}";
	char		 sig[80], err[160];
	int64_t		 now = 1764190000;

	/* A client without a secret needs no signature. */
	assert_int_equal(auth_signature(&clients[0], NULL, NULL, body,
	    strlen(body), now, err, sizeof(err)), 0);

	auth_sign(clients[1].hmac_secret, "1764190000", body, strlen(body),
	    sig, sizeof(sig));
	assert_int_equal(strncmp(sig, "sha256=", 7), 0);
	assert_int_equal(strlen(sig), 7 + 64);
	assert_int_equal(auth_signature(&clients[1], "1764190000", sig, body,
	    strlen(body), now, err, sizeof(err)), 0);
	/* 299 s of skew is fine, 301 s is not. */
	assert_int_equal(auth_signature(&clients[1], "1764190000", sig, body,
	    strlen(body), now + 299, err, sizeof(err)), 0);
	assert_int_equal(auth_signature(&clients[1], "1764190000", sig, body,
	    strlen(body), now + 301, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Timestamp"));
	assert_int_equal(auth_signature(&clients[1], "1764190000", sig, body,
	    strlen(body), now - 301, err, sizeof(err)), -1);
	/* A changed body, timestamp or signature fails. */
	assert_int_equal(auth_signature(&clients[1], "1764190000", sig,
	    "{\"source_ref\":\"y\"}", strlen(body), now, err, sizeof(err)), -1);
	assert_int_equal(auth_signature(&clients[1], "1764190001", sig, body,
	    strlen(body), now, err, sizeof(err)), -1);
	sig[10] = sig[10] == 'a' ? 'b' : 'a';
	assert_int_equal(auth_signature(&clients[1], "1764190000", sig, body,
	    strlen(body), now, err, sizeof(err)), -1);
	/* Missing or malformed headers. */
	assert_int_equal(auth_signature(&clients[1], NULL, sig, body,
	    strlen(body), now, err, sizeof(err)), -1);
	assert_int_equal(auth_signature(&clients[1], "1764190000", NULL, body,
	    strlen(body), now, err, sizeof(err)), -1);
	assert_int_equal(auth_signature(&clients[1], "17641900x0", sig, body,
	    strlen(body), now, err, sizeof(err)), -1);
	assert_int_equal(auth_signature(&clients[1], "", sig, body,
	    strlen(body), now, err, sizeof(err)), -1);
}

static void
test_sign_known_vector(void **state)
{
	char	sig[80];

	/*
	 * printf '1.{}' | openssl dgst -sha256 -hmac key: the signature a
	 * client computes with any other HMAC implementation.
	 */
	auth_sign("key", "1", "{}", 2, sig, sizeof(sig));
	assert_string_equal(sig, "sha256="
	    "1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bearer, setup),
		cmocka_unit_test_setup(test_signature, setup),
		cmocka_unit_test_setup(test_sign_known_vector, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
