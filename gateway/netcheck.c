/*
 * Checks of callback addresses (netcheck.h).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netcheck.h"

/* An IPv4 address (host order) in a range a private callback may not hit. */
static bool
private4(uint32_t a)
{
	return (a >> 24) == 0 ||			/* 0.0.0.0/8 */
	    (a >> 24) == 10 ||				/* 10/8 */
	    (a >> 24) == 127 ||				/* loopback */
	    (a >> 22) == ((100u << 2) | 1) ||		/* 100.64/10 */
	    (a >> 16) == ((169u << 8) | 254) ||		/* link-local */
	    (a >> 20) == ((172u << 4) | 1) ||		/* 172.16/12 */
	    (a >> 16) == ((192u << 8) | 168) ||		/* 192.168/16 */
	    (a >> 8) == ((192u << 16) | 0) ||		/* 192.0.0/24 */
	    (a >> 15) == ((198u << 9) | (18u << 1)) ||	/* 198.18/15 */
	    (a >> 28) >= 14;				/* multicast, 240/4 */
}

/* The same for IPv6, with IPv4 inside mapped or compatible forms. */
static bool
private6(const struct in6_addr *a)
{
	const uint8_t	*b = a->s6_addr;
	static const uint8_t zero[10];

	if (memcmp(b, zero, 10) == 0 && ((b[10] == 0xff && b[11] == 0xff) ||
	    (b[10] == 0 && b[11] == 0)))
		/* ::ffff:a.b.c.d and ::a.b.c.d (:: and ::1 among them) */
		return private4(((uint32_t)b[12] << 24) |
		    ((uint32_t)b[13] << 16) | ((uint32_t)b[14] << 8) | b[15]);
	return (b[0] & 0xfe) == 0xfc ||			/* fc00::/7 */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||	/* fec0::/10 */
	    b[0] == 0xff ||				/* multicast */
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b);
							/* 64:ff9b::/96 NAT64 */
}

bool
netcheck_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return private4(ntohl(((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6)
		return private6(&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr);
	return true;	/* AF_UNIX and the rest: never */
}

bool
netcheck_private_text(const char *s)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (inet_pton(AF_INET, s, &a4) == 1)
		return private4(ntohl(a4.s_addr));
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return private6(&a6);
	return false;
}

void
netcheck_addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	const void	*a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, buf, (socklen_t)len) ==
	    NULL)
		snprintf(buf, len, "%s", "");
}

int
netcheck_url_host(const char *url, char *buf, size_t len)
{
	const char	*p, *end, *at;
	size_t		 n, i;

	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return -1;
	end = p + strcspn(p, "/?#");
	/* user:password@ is no part of the host. */
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (*p == '[') {
		const char	*close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL)
			return -1;
		p++;
		end = close;
	} else {
		const char	*colon = memchr(p, ':', (size_t)(end - p));

		if (colon != NULL)
			end = colon;
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)p[i]);
	buf[n] = '\0';
	/* A trailing dot names the same host. */
	if (n > 1 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return 0;
}

bool
netcheck_listed(const char *list, const char *host)
{
	const char	*p = list;
	size_t		 n, hl = strlen(host);

	if (list == NULL || hl == 0)
		return false;
	while (*p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == hl && strncasecmp(p, host, n) == 0)
			return true;
		p += n;
	}
	return false;
}

int
netcheck_callback_url(const char *list, const char *url, char *why,
    size_t len)
{
	char	host[256];

	if (netcheck_url_host(url, host, sizeof(host)) == -1) {
		snprintf(why, len, "callback_url must be an http or https URL "
		    "with a host");
		return -1;
	}
	if (netcheck_listed(list, host))
		return 0;
	if (netcheck_private_text(host)) {
		snprintf(why, len, "callback_url may not name a loopback, "
		    "link-local or private address (%.64s) unless the "
		    "client's callback_hosts lists it", host);
		return -1;
	}
	snprintf(why, len, "callback_url host %.64s is not in this client's "
	    "callback_hosts", host);
	return -1;
}
