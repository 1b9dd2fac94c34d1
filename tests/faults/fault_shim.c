/*
 * Faults on command for the fault suite, preloaded into varseld
 * (LD_PRELOAD): what a bad day looks like from inside the process.
 *
 *   VARSEL_SLOW_DNS_HOST=name VARSEL_SLOW_DNS_MS=30000
 *	getaddrinfo() of that name sleeps that long first (a resolver
 *	that hangs), on whatever thread calls it.
 *   VARSEL_DISK_FULL_FLAG=/path
 *	while that file exists, writes to files whose name ends in
 *	".db-wal" or ".db" fail with ENOSPC (a full disk under SQLite).
 *
 * Built as a shared object by make check; never linked into Varsel.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
    struct addrinfo **);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);

int	getaddrinfo(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **);
ssize_t	pwrite64(int, const void *, size_t, off_t);
ssize_t	pwrite(int, const void *, size_t, off_t);
ssize_t	write(int, const void *, size_t);

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	static gai_fn	 real;
	const char	*host = getenv("VARSEL_SLOW_DNS_HOST");
	const char	*ms = getenv("VARSEL_SLOW_DNS_MS");

	if (real == NULL)
		real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	if (host != NULL && node != NULL && strcmp(node, host) == 0) {
		long		 n = ms != NULL ? strtol(ms, NULL, 10) : 30000;
		struct timespec	 ts = { n / 1000, (n % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		return EAI_AGAIN;
	}
	return real(node, service, hints, res);
}

/* Is fd a database file while the disk-full flag is up? */
static int
full(int fd)
{
	const char	*flag = getenv("VARSEL_DISK_FULL_FLAG");
	char		 link[64], path[PATH_MAX];
	ssize_t		 n;
	size_t		 len;

	if (flag == NULL || access(flag, F_OK) != 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 0)
		return 0;
	path[n] = '\0';
	len = (size_t)n;
	return (len > 7 && strcmp(path + len - 7, ".db-wal") == 0) ||
	    (len > 3 && strcmp(path + len - 3, ".db") == 0);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	static pwrite_fn	real;

	if (real == NULL)
		real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite64");
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len, off);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	static pwrite_fn	real;

	if (real == NULL)
		real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len, off);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	static write_fn	real;

	if (real == NULL)
		real = (write_fn)dlsym(RTLD_NEXT, "write");
	if (full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len);
}
