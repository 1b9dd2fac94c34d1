/*
 * Password checks off the event loop. An scrypt check costs a fifth of
 * a second of CPU: on the loop, every login would stall the dispatcher
 * and every other request for that long, and a burst of logins would
 * stall them for seconds. One worker thread runs the checks in order;
 * the answers come back to the loop through a pipe, and the callback
 * runs there. The thread touches nothing but its own queue and copies
 * of the strings it is given.
 */
#ifndef VARSEL_HASHER_H
#define VARSEL_HASHER_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct hasher;

/* On the loop: did the password match? cancelled: freed before it ran. */
typedef void (*hasher_cb)(bool match, bool cancelled, void *arg);

/* A worker thread and its pipe on base; NULL (logged) on failure. */
struct hasher	*hasher_new(struct event_base *, size_t max_queued);
/*
 * Check password against stored (password_verify) in the thread; cb
 * runs on the loop, never before this returns. -1 when max_queued
 * checks wait already, or out of memory (cb will not run).
 */
int		 hasher_verify(struct hasher *, const char *stored,
		    const char *password, hasher_cb, void *arg);
/* Checks waiting or running. */
size_t		 hasher_pending(const struct hasher *);
/*
 * Stop the thread (after the check it is running) and free it; the
 * callbacks of checks not answered yet run with cancelled set.
 */
void		 hasher_free(struct hasher *);

#endif
