/*
 * Tests of netcheck.c: which addresses a source event may not reach
 * unless listed, the host of a callback_url, and the callback_hosts
 * rules a posted alert is held to.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "gateway/netcheck.h"

/* Private, loopback, link-local, shared and special addresses. */
static void
test_private(void **state)
{
	static const char *const inside[] = {
		"127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "169.254.169.254",
		"100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
		"64:ff9b::a9fe:a9fe",
	};
	static const char *const outside[] = {
		"8.8.8.8", "193.10.1.1", "172.32.0.1", "172.15.255.255",
		"100.128.0.1", "192.169.0.1", "2001:4860:4860::8888",
		"::ffff:8.8.8.8", "2a00:1450:4001::1",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
		if (!netcheck_private_text(inside[i]))
			fail_msg("%s should be refused", inside[i]);
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		if (netcheck_private_text(outside[i]))
			fail_msg("%s should be allowed", outside[i]);
	assert_false(netcheck_private_text("coord.nykvarn.se"));
}

/* The socket address form agrees with the text form, and prints. */
static void
test_sockaddr(void **state)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	char			buf[64];

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "169.254.169.254", &sin.sin_addr);
	assert_true(netcheck_private((struct sockaddr *)&sin));
	netcheck_addr_text((struct sockaddr *)&sin, buf, sizeof(buf));
	assert_string_equal(buf, "169.254.169.254");
	inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr);
	/* 198.51.100/24 is documentation space, but routable here. */
	assert_false(netcheck_private((struct sockaddr *)&sin));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
	assert_true(netcheck_private((struct sockaddr *)&sin6));
	netcheck_addr_text((struct sockaddr *)&sin6, buf, sizeof(buf));
	assert_string_equal(buf, "::ffff:127.0.0.1");
}

/* The host of a URL: lowercased, no port, user or brackets. */
static void
test_url_host(void **state)
{
	static const struct {
		const char	*url;
		const char	*host;
	} cases[] = {
		{ "https://Coord.Nykvarn.se/hooks/varsel", "coord.nykvarn.se" },
		{ "http://coord.nykvarn.se:8443/x?y=1", "coord.nykvarn.se" },
		{ "https://user:pw@10.0.0.5:8080/", "10.0.0.5" },
		{ "http://[::1]:9000/cb", "::1" },
		{ "http://127.0.0.1", "127.0.0.1" },
		{ "https://example.org./x", "example.org" },
		{ "HTTPS://example.org#frag", "example.org" },
	};
	char	buf[256];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(netcheck_url_host(cases[i].url, buf,
		    sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].host);
	}
	assert_int_equal(netcheck_url_host("ftp://example.org/", buf,
	    sizeof(buf)), -1);
	assert_int_equal(netcheck_url_host("http:///path", buf, sizeof(buf)),
	    -1);
	assert_int_equal(netcheck_url_host("http://[::1/x", buf, sizeof(buf)),
	    -1);
	assert_int_equal(netcheck_url_host("http://example.org", buf, 5), -1);
}

/* callback_hosts: space or comma separated, any case, whole words. */
static void
test_listed(void **state)
{
	(void)state;
	assert_true(netcheck_listed("coord.nykvarn.se", "coord.nykvarn.se"));
	assert_true(netcheck_listed("a.se, COORD.nykvarn.se 10.0.0.5",
	    "coord.nykvarn.se"));
	assert_true(netcheck_listed("a.se,10.0.0.5", "10.0.0.5"));
	assert_false(netcheck_listed("nykvarn.se", "coord.nykvarn.se"));
	assert_false(netcheck_listed("coord.nykvarn.se.evil", "coord.nykvarn.se"));
	assert_false(netcheck_listed(NULL, "coord.nykvarn.se"));
	assert_false(netcheck_listed("a.se", ""));
}

/* What a posted alert may give as its callback_url. */
static void
test_callback_url(void **state)
{
	char	why[256];

	(void)state;
	assert_int_equal(netcheck_callback_url("coord.nykvarn.se",
	    "https://coord.nykvarn.se/hooks", why, sizeof(why)), 0);
	/* A host not listed, or no list at all. */
	assert_int_equal(netcheck_callback_url("coord.nykvarn.se",
	    "https://evil.example/hooks", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not in this client's callback_hosts"));
	assert_int_equal(netcheck_callback_url(NULL,
	    "https://coord.nykvarn.se/hooks", why, sizeof(why)), -1);
	/* Cloud metadata and loopback, unless listed. */
	assert_int_equal(netcheck_callback_url("coord.nykvarn.se",
	    "http://169.254.169.254/latest/meta-data", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "private"));
	assert_int_equal(netcheck_callback_url(NULL, "http://[::1]:8025/",
	    why, sizeof(why)), -1);
	assert_int_equal(netcheck_callback_url("127.0.0.1",
	    "http://127.0.0.1:9000/cb", why, sizeof(why)), 0);
	assert_int_equal(netcheck_callback_url("127.0.0.1",
	    "gopher://127.0.0.1/", why, sizeof(why)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_url_host),
		cmocka_unit_test(test_listed),
		cmocka_unit_test(test_callback_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
