/*
 * The client address of a request, behind a trusted reverse proxy or
 * not. Addresses are compared as bytes (inet_pton), so "::1" and
 * "0:0::1" are one address; an IPv4 address mapped into IPv6 counts as
 * the IPv4 one.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "peer.h"
#include "util.h"

static int	peer_parse(const char *, size_t, unsigned char[16]);

/* Numeric address s (len bytes) as 16 bytes, IPv4 mapped; -1 if none. */
static int
peer_parse(const char *s, size_t len, unsigned char out[16])
{
	struct in_addr	v4;
	char		buf[PEER_ADDR_MAX];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

bool
peer_in_list(const char *addr, const char *list)
{
	unsigned char	 a[16], b[16];
	const char	*p;
	size_t		 n;

	if (list == NULL || addr == NULL ||
	    peer_parse(addr, strlen(addr), a) == -1)
		return false;
	for (p = list; *p != '\0'; p += n) {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n > 0 && peer_parse(p, n, b) == 0 &&
		    memcmp(a, b, sizeof(a)) == 0)
			return true;
	}
	return false;
}

void
peer_client(const char *peer, const char *forwarded, const char *trusted,
    char *buf, size_t len)
{
	unsigned char	 a[16];
	const char	*last;
	size_t		 n;

	snprintf(buf, len, "%s", peer != NULL && *peer ? peer : "-");
	if (forwarded == NULL || !peer_in_list(peer, trusted))
		return;
	/* The proxy appends the address it saw: the last entry is its. */
	last = strrchr(forwarded, ',');
	last = last != NULL ? last + 1 : forwarded;
	last += strspn(last, " \t");
	for (n = strlen(last); n > 0 && isspace((unsigned char)last[n - 1]);
	    n--)
		;
	if (peer_parse(last, n, a) == 0)
		snprintf(buf, len, "%.*s", (int)n, last);
}

void
peer_addr(struct httpd_req *req, const char *trusted, char *buf, size_t len)
{
	peer_client(httpd_peer(req), trusted != NULL ?
	    httpd_header(req, "X-Forwarded-For") : NULL, trusted, buf, len);
}
