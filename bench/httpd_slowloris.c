/*
 * Slowloris against the HTTP server (gateway/httpd.c, issue 11): N
 * connections that each trickle a never-ending header, one byte every T
 * ms, and reconnect as soon as the server closes them; meanwhile a
 * normal request every 100 ms on a fresh connection, timed from
 * connect to the end of the answer. Prints the normal requests'
 * latency, how many failed, and the server's memory.
 *
 * Without -p it forks its own server: httpd on 127.0.0.1, an answer of
 * "ok" for any request, with the descriptor limit and max_connections
 * given (so its RSS is httpd's own cost). With -p PORT it attacks a
 * running server (varseld) and reads its memory through --pid.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench/bench.h"
#include "gateway/httpd.h"
#include "gateway/log.h"
#include "tests/e2e.h"

#define PROBE_EVERY_MS	100
#define PROBE_MAX	100000

/* What the options choose. */
struct opts {
	int	 n;		/* trickling connections */
	int	 trickle_ms;	/* a byte every this, per connection */
	int	 seconds;
	int	 port;		/* 0: fork a server */
	int	 pid;		/* the server, for its memory */
	int	 nofile;	/* the forked server's descriptor limit */
	int	 max_conn;	/* the forked server's max_connections */
	int	 timeout_ms;	/* the forked server's request_timeout_ms */
};

/* One trickling connection. */
struct loris {
	int	 fd;
	size_t	 sent;
	double	 next;		/* ms: its next byte */
};

/* What the run measured. */
struct figures {
	double	 lat[PROBE_MAX];
	int	 nlat;
	int	 failed;
	long	 reconnects;
	long	 rss_kb_max;
	long	 hwm_kb;
	int	 fds_max;
	long	 rss_kb_idle;
};

static void	usage(void);
static int	serve(const struct opts *, int *, int);
static void	serve_answer(struct httpd_req *, void *);
static void	serve_stop(evutil_socket_t, short, void *);
static void	loris_open(struct loris *, int, double, int);
static void	loris_tick(struct loris *, int, int, double, int,
		    struct figures *);
static double	probe(int);
static int	proc_fds(int);
static void	report(struct figures *, const struct httpd_stats *);

static void
usage(void)
{
	fprintf(stderr, "usage: httpd_slowloris [-n N] [--trickle-ms T] "
	    "[--seconds S]\n"
	    "           [--nofile L] [--max-connections M] "
	    "[--timeout-ms MS]    (a forked server)\n"
	    "           [-p PORT --pid PID]                 "
	    "(a running server)\n");
	exit(2);
}

/* The forked server: answer "ok"; a SIGTERM ends it. */
static void
serve_answer(struct httpd_req *r, void *arg)
{
	httpd_reply(r, 200, "text/plain", "ok\n", 3);
}

static void
serve_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* Fork a server; its port in *port; its stats later on the pipe. */
static int
serve(const struct opts *o, int *port, int statfd)
{
	struct event_base	*base;
	struct event		*sig;
	struct httpd		*h;
	struct httpd_conf	 conf;
	struct httpd_stats	 st;
	struct rlimit		 rl;
	char			 err[256];
	int			 pp[2];
	pid_t			 pid;

	if (pipe(pp) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		close(pp[1]);
		if (read(pp[0], port, sizeof(*port)) != sizeof(*port))
			return -1;
		close(pp[0]);
		return pid;
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)o->nofile;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(3);
	memset(&conf, 0, sizeof(conf));
	conf.host = "127.0.0.1";
	conf.max_connections = o->max_conn;
	conf.request_timeout_ms = o->timeout_ms;
	base = event_base_new();
	if ((h = httpd_new(base, &conf, NULL, serve_answer, NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "httpd_new: %s\n", err);
		_exit(3);
	}
	sig = evsignal_new(base, SIGTERM, serve_stop, base);
	event_add(sig, NULL);
	*port = httpd_port(h);
	if (write(pp[1], port, sizeof(*port)) != sizeof(*port))
		_exit(3);
	event_base_dispatch(base);
	httpd_stats(h, &st);
	if (write(statfd, &st, sizeof(st)) != sizeof(st))
		_exit(3);
	_exit(0);
}

/* (Re)open a trickling connection; its first byte within a period. */
static void
loris_open(struct loris *l, int port, double now, int trickle_ms)
{
	l->fd = e2e_connect(port, SOCK_NONBLOCK);
	l->sent = 0;
	l->next = now + (double)(rand() % (trickle_ms + 1));
}

/*
 * Send each due connection its next byte; reopen those the server
 * closed (poll said so, or a send failed).
 */
static void
loris_tick(struct loris *l, int n, int port, double now, int trickle_ms,
    struct figures *fig)
{
	static const char	head[] = "GET / HTTP/1.1\r\nHost: bench\r\n"
	    "X-Slow: ";
	struct pollfd		*pfd = calloc((size_t)n, sizeof(*pfd));
	char			 b[512];
	int			 i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = l[i].fd;
		pfd[i].events = POLLIN;
	}
	poll(pfd, (nfds_t)n, 0);
	for (i = 0; i < n; i++) {
		bool	dead = l[i].fd == -1;

		if (!dead && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			dead = recv(l[i].fd, b, sizeof(b), MSG_DONTWAIT) <= 0 &&
			    errno != EAGAIN;
		if (!dead && l[i].next <= now) {
			char	c = l[i].sent < sizeof(head) - 1 ?
			    head[l[i].sent] : 'x';

			if (send(l[i].fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT)
			    == 1) {
				l[i].sent++;
				l[i].next = now + trickle_ms;
			} else if (errno != EAGAIN && errno != ENOTCONN)
				dead = true;
		}
		if (dead) {
			if (l[i].fd != -1)
				close(l[i].fd);
			fig->reconnects++;
			loris_open(&l[i], port, now, trickle_ms);
		}
	}
	free(pfd);
}

/* One normal request: ms from connect to the end of the answer, or -1. */
static double
probe(int port)
{
	static const char	req[] = "GET /ping HTTP/1.1\r\nHost: bench\r\n"
	    "Connection: close\r\n\r\n";
	struct sockaddr_in	sin;
	struct timeval		tv = { 2, 0 };
	double			t0 = bench_now_ms();
	char			buf[1024];
	size_t			got = 0;
	ssize_t			n;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(req) - 1) {
		close(fd);
		return -1;
	}
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	if (n < 0 || strncmp(buf, "HTTP/1.1 200", 12) != 0)
		return -1;
	return bench_now_ms() - t0;
}

/* The descriptors PID has open, or -1. */
static int
proc_fds(int pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Print the figures. */
static void
report(struct figures *fig, const struct httpd_stats *st)
{
	double	p50 = 0, p99 = 0, max = 0;

	if (fig->nlat > 0) {
		bench_sort(fig->lat, (size_t)fig->nlat);
		p50 = fig->lat[(fig->nlat - 1) / 2];
		p99 = fig->lat[(fig->nlat * 99 + 99) / 100 - 1];
		max = fig->lat[fig->nlat - 1];
	}
	printf("normal requests: %d answered, %d failed; p50 %.2f ms, "
	    "p99 %.2f ms, max %.2f ms\n", fig->nlat, fig->failed, p50, p99,
	    max);
	printf("slow side: %ld reconnects after the server closed\n",
	    fig->reconnects);
	if (fig->rss_kb_max >= 0)
		printf("server: RSS %.1f MiB before, %.1f MiB at most during "
		    "(VmHWM %.1f MiB); open descriptors at most %d\n",
		    fig->rss_kb_idle / 1024.0, fig->rss_kb_max / 1024.0,
		    fig->hwm_kb / 1024.0, fig->fds_max);
	if (fig->rss_kb_max >= 0 && fig->fds_max > 0)
		printf("server: %.1f KiB more per open descriptor\n",
		    (double)(fig->rss_kb_max - fig->rss_kb_idle) /
		    fig->fds_max);
	if (st != NULL)
		printf("server stats: accepted %llu, evicted %llu, timed out "
		    "%llu, refused %llu, accept failed %llu, requests %llu\n",
		    (unsigned long long)st->accepted,
		    (unsigned long long)st->evicted,
		    (unsigned long long)st->timed_out,
		    (unsigned long long)st->refused,
		    (unsigned long long)st->accept_failed,
		    (unsigned long long)st->requests);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trickle-ms", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "pid", required_argument, NULL, 'P' },
		{ "nofile", required_argument, NULL, 'L' },
		{ "max-connections", required_argument, NULL, 'M' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts		 o = { .n = 2000, .trickle_ms = 1000,
	    .seconds = 10, .nofile = 1024, .timeout_ms = 10000 };
	struct figures		*fig = calloc(1, sizeof(*fig));
	struct httpd_stats	 st;
	struct loris		*l;
	struct rlimit		 rl;
	double			 start, now, next_probe, next_mem, lat;
	int			 ch, i, sp[2] = { -1, -1 }, status;
	bool			 forked = false;

	while ((ch = getopt_long(argc, argv, "n:p:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'n':
			o.n = atoi(optarg);
			break;
		case 't':
			o.trickle_ms = atoi(optarg);
			break;
		case 's':
			o.seconds = atoi(optarg);
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'P':
			o.pid = atoi(optarg);
			break;
		case 'L':
			o.nofile = atoi(optarg);
			break;
		case 'M':
			o.max_conn = atoi(optarg);
			break;
		case 'T':
			o.timeout_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.n <= 0 || o.trickle_ms <= 0 || o.seconds <= 0 ||
	    o.nofile < 64)
		usage();
	if (o.max_conn == 0)
		o.max_conn = o.nofile - 24;	/* a reserve, as varseld */
	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_LVL_WARN, "httpd_slowloris");
	/* The slow side needs a descriptor for each connection. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((rlim_t)o.n + 64 > rl.rlim_cur) {
		fprintf(stderr, "httpd_slowloris: -n %d needs a descriptor "
		    "limit over %d (hard limit %llu)\n", o.n, o.n + 64,
		    (unsigned long long)rl.rlim_max);
		return 1;
	}
	if (o.port == 0) {
		if (pipe(sp) == -1 ||
		    (o.pid = serve(&o, &o.port, sp[1])) <= 0) {
			fprintf(stderr, "httpd_slowloris: no server\n");
			return 1;
		}
		close(sp[1]);
		forked = true;
		printf("httpd_slowloris: %d connections, a byte every %d ms "
		    "each, %d s; forked httpd: RLIMIT_NOFILE %d, "
		    "max_connections %d, request_timeout_ms %d\n", o.n,
		    o.trickle_ms, o.seconds, o.nofile, o.max_conn,
		    o.timeout_ms);
	} else
		printf("httpd_slowloris: %d connections, a byte every %d ms "
		    "each, %d s, against 127.0.0.1:%d\n", o.n, o.trickle_ms,
		    o.seconds, o.port);
	fig->rss_kb_idle = o.pid > 0 ? e2e_proc_kb(o.pid, "VmRSS") : -1;
	fig->rss_kb_max = fig->rss_kb_idle;
	l = calloc((size_t)o.n, sizeof(*l));
	start = bench_now_ms();
	for (i = 0; i < o.n; i++)
		loris_open(&l[i], o.port, start, o.trickle_ms);
	next_probe = start + 1000;	/* the first once all are open */
	next_mem = start + 1000;
	while ((now = bench_now_ms()) < start + o.seconds * 1000.0) {
		loris_tick(l, o.n, o.port, now, o.trickle_ms, fig);
		if (now >= next_probe && fig->nlat + fig->failed < PROBE_MAX) {
			if ((lat = probe(o.port)) < 0)
				fig->failed++;
			else
				fig->lat[fig->nlat++] = lat;
			next_probe = now + PROBE_EVERY_MS;
		}
		if (o.pid > 0 && now >= next_mem) {
			long	kb = e2e_proc_kb(o.pid, "VmRSS");
			int	fds = proc_fds(o.pid);

			if (kb > fig->rss_kb_max)
				fig->rss_kb_max = kb;
			if (fds > fig->fds_max)
				fig->fds_max = fds;
			next_mem = now + 500;
		}
		usleep(5000);
	}
	fig->hwm_kb = o.pid > 0 ? e2e_proc_kb(o.pid, "VmHWM") : -1;
	for (i = 0; i < o.n; i++)
		if (l[i].fd != -1)
			close(l[i].fd);
	if (forked) {
		kill(o.pid, SIGTERM);
		waitpid(o.pid, &status, 0);
		if (read(sp[0], &st, sizeof(st)) != sizeof(st))
			forked = false;
	}
	report(fig, forked ? &st : NULL);
	free(l);
	free(fig);
	return 0;
}
