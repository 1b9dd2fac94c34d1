/*
 * sd_notify(3) by hand: one AF_UNIX datagram per message to the socket
 * named by NOTIFY_SOCKET (a path, or an abstract name written with a
 * leading '@'), and a watchdog timer on the event loop. The protocol is
 * the stable one of sd_notify(3) and systemd.service(5).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "sdnotify.h"
#include "util.h"

struct sdnotify {
	struct event	*watchdog;	/* NULL: systemd wants no pings */
	uint64_t	 usec;		/* between pings */
};

static int	sdnotify_addr(const char *, struct sockaddr_un *,
		    socklen_t *);
static uint64_t	sdnotify_env_u64(const char *);
static void	sdnotify_watchdog_cb(evutil_socket_t, short, void *);

/* NOTIFY_SOCKET as an address; -1 if it names none we can use. */
static int
sdnotify_addr(const char *name, struct sockaddr_un *sun, socklen_t *len)
{
	size_t	n = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if ((name[0] != '/' && name[0] != '@') || n < 2 ||
	    n > sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, name, n);
	if (name[0] == '@')
		sun->sun_path[0] = '\0';	/* abstract namespace */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

/* A decimal environment variable; 0 if unset or not a number. */
static uint64_t
sdnotify_env_u64(const char *name)
{
	const char		*s = getenv(name);
	char			*end;
	unsigned long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return (uint64_t)v;
}

int
sdnotify_send(const char *state)
{
	static int		 warned;
	struct sockaddr_un	 sun;
	socklen_t		 len;
	const char		*name = getenv("NOTIFY_SOCKET");
	ssize_t			 n;
	int			 fd;

	if (name == NULL || *name == '\0')
		return 1;
	if (sdnotify_addr(name, &sun, &len) == -1) {
		if (!warned++)
			log_warnx("%s: NOTIFY_SOCKET '%.40s' is not a socket "
			    "path or @name; systemd is not told", __func__,
			    name);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	if (n == -1 && !warned++)
		log_warn("%s: sendto %s", __func__, name);
	close(fd);
	return n == (ssize_t)strlen(state) ? 0 : -1;
}

int
sdnotify_status(const char *state, const char *fmt, ...)
{
	va_list	 ap;
	char	 status[256], *msg;
	int	 rv;

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	if ((msg = str_printf("%s\nSTATUS=%s", state, status)) == NULL)
		return -1;
	rv = sdnotify_send(msg);
	free(msg);
	return rv;
}

/* The loop is alive: tell systemd. */
static void
sdnotify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	sdnotify_send("WATCHDOG=1");
}

struct sdnotify *
sdnotify_new(struct event_base *base)
{
	struct sdnotify	*sn;
	struct timeval	 tv;
	uint64_t	 usec, pid;

	if ((sn = calloc(1, sizeof(*sn))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	usec = sdnotify_env_u64("WATCHDOG_USEC");
	pid = sdnotify_env_u64("WATCHDOG_PID");
	/* WATCHDOG_PID, when set, says which process systemd watches. */
	if (usec == 0 || (pid != 0 && pid != (uint64_t)getpid()) ||
	    getenv("NOTIFY_SOCKET") == NULL)
		return sn;
	sn->usec = usec / 2 > 0 ? usec / 2 : 1;
	tv.tv_sec = (time_t)(sn->usec / 1000000);
	tv.tv_usec = (suseconds_t)(sn->usec % 1000000);
	if ((sn->watchdog = event_new(base, -1, EV_PERSIST,
	    sdnotify_watchdog_cb, sn)) == NULL ||
	    event_add(sn->watchdog, &tv) == -1) {
		log_warnx("%s: cannot start the watchdog timer; systemd will "
		    "think the service hangs", __func__);
		if (sn->watchdog != NULL)
			event_free(sn->watchdog);
		sn->watchdog = NULL;
		sn->usec = 0;
		return sn;
	}
	log_info("evt=watchdog every_ms=%" PRIu64, sn->usec / 1000);
	return sn;
}

uint64_t
sdnotify_watchdog_usec(const struct sdnotify *sn)
{
	return sn != NULL ? sn->usec : 0;
}

void
sdnotify_free(struct sdnotify *sn)
{
	if (sn == NULL)
		return;
	if (sn->watchdog != NULL)
		event_free(sn->watchdog);
	free(sn);
}
