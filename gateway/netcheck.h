/*
 * Where events to source systems may go (API.md callback_hosts): the
 * host of a callback_url must be one the client's callback_hosts lists,
 * and an address that leads into this machine or its private networks
 * (loopback, link-local with the cloud metadata service, RFC 1918 and
 * the like) is refused unless the list names it: the check runs when
 * the alert is posted, and again on the address the name resolves to
 * when the event is sent, so DNS cannot smuggle one in later.
 */
#ifndef VARSEL_NETCHECK_H
#define VARSEL_NETCHECK_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/* Is sa loopback, link-local, private, shared, unspecified or multicast? */
bool	netcheck_private(const struct sockaddr *sa);
/* The same for an address in text ("10.1.2.3", "::1"); false if s is
 * no address. */
bool	netcheck_private_text(const char *s);
/* sa's address as text into buf ("192.0.2.1", "2001:db8::1"); "" if none. */
void	netcheck_addr_text(const struct sockaddr *sa, char *buf, size_t len);
/*
 * The host of an http or https URL, lowercased, without brackets, port,
 * user or path, into buf; -1 if there is none.
 */
int	netcheck_url_host(const char *url, char *buf, size_t len);
/* Is host one of list's words (space or comma separated), any case? */
bool	netcheck_listed(const char *list, const char *host);
/*
 * May a client whose callback_hosts is list (NULL: none) give url as an
 * alert's callback_url? 0, or -1 with the reason in why.
 */
int	netcheck_callback_url(const char *list, const char *url, char *why,
	    size_t len);

#endif
