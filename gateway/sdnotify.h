/*
 * The systemd notify protocol without libsystemd: READY=1 once the
 * database and the listener are up, RELOADING=1 around SIGHUP, STOPPING=1
 * at SIGTERM, and WATCHDOG=1 from a timer on the event loop at half of
 * WATCHDOG_USEC, so that a loop that is stuck stops the pings and systemd
 * restarts the service. Outside systemd (no NOTIFY_SOCKET) all of it does
 * nothing.
 */
#ifndef VARSEL_SDNOTIFY_H
#define VARSEL_SDNOTIFY_H

#include <stdint.h>

struct event_base;
struct sdnotify;

/*
 * Read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID and start the
 * watchdog timer on base if systemd asks for one. Never NULL for lack of
 * systemd; NULL only when out of memory (logged).
 */
struct sdnotify	*sdnotify_new(struct event_base *);
void		 sdnotify_free(struct sdnotify *);
/* The watchdog interval in microseconds (half of WATCHDOG_USEC), or 0. */
uint64_t	 sdnotify_watchdog_usec(const struct sdnotify *);

/*
 * Send state ("READY=1\nSTATUS=...") to NOTIFY_SOCKET. 0 when sent, 1
 * when there is no socket to send to, -1 on an error (logged once).
 */
int		 sdnotify_send(const char *state);
/* sdnotify_send with a formatted STATUS= line after state. */
int		 sdnotify_status(const char *state, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
