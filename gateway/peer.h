/*
 * Who a request came from, as logs (and later the audit trail) name it:
 * the connection's peer address, or, for a connection from an address
 * listed in [gateway] trusted_proxy, the address that proxy put last in
 * X-Forwarded-For. Without trusted_proxy the header is never read, so a
 * client cannot choose the address it is logged under.
 */
#ifndef VARSEL_PEER_H
#define VARSEL_PEER_H

#include <stdbool.h>
#include <stddef.h>

#define PEER_ADDR_MAX	46	/* INET6_ADDRSTRLEN */

struct httpd_req;

/* Is addr (numeric) one of the blank-separated list (may be NULL)? */
bool	peer_in_list(const char *addr, const char *list);
/*
 * The client address of req into buf ("-" if unknown). forwarded is the
 * X-Forwarded-For value (may be NULL), trusted the trusted_proxy list.
 */
void	peer_client(const char *peer, const char *forwarded,
	    const char *trusted, char *buf, size_t len);
/* peer_client for a request of the API's server. */
void	peer_addr(struct httpd_req *, const char *trusted, char *buf,
	    size_t len);

#endif
