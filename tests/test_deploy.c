/*
 * What running under systemd and behind a proxy needs: the sd_notify
 * messages arrive on NOTIFY_SOCKET (a path and an abstract name), the
 * watchdog pings at half of WATCHDOG_USEC from the event loop, log lines
 * carry <N> priorities when stderr is the journal, the client address
 * comes from X-Forwarded-For only for a trusted proxy, secret files are
 * judged by who can read them, and the TLS keys of the configuration
 * come both or neither.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gateway/config.h"
#include "gateway/log.h"
#include "gateway/peer.h"
#include "gateway/sdnotify.h"
#include "gateway/tls.h"
#include "gateway/util.h"

/* A datagram socket standing in for systemd's notify socket. */
struct notify_sock {
	int	fd;
	char	name[108];	/* as NOTIFY_SOCKET says it */
	char	path[108];	/* "" for an abstract name */
};

/* Bind a notify socket: abstract ("@...") or a path in /tmp. */
static void
notify_bind(struct notify_sock *ns, int abstract)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	struct timeval		tv = { 5, 0 };

	memset(ns, 0, sizeof(*ns));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true((ns->fd = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	if (abstract) {
		snprintf(ns->name, sizeof(ns->name), "@varsel-test-%d-%ld",
		    (int)getpid(), (long)random());
		memcpy(sun.sun_path + 1, ns->name + 1, strlen(ns->name) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(ns->name));
	} else {
		snprintf(ns->path, sizeof(ns->path), "/tmp/varsel-notify-%d",
		    (int)getpid());
		unlink(ns->path);
		snprintf(ns->name, sizeof(ns->name), "%s", ns->path);
		memcpy(sun.sun_path, ns->path, strlen(ns->path));
		len = sizeof(sun);
	}
	assert_int_equal(bind(ns->fd, (struct sockaddr *)&sun, len), 0);
	assert_int_equal(setsockopt(ns->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", ns->name, 1), 0);
}

/* The next datagram as text; "" after the timeout. */
static void
notify_recv(struct notify_sock *ns, char *buf, size_t len)
{
	ssize_t	n = recv(ns->fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

static void
notify_close(struct notify_sock *ns)
{
	close(ns->fd);
	if (ns->path[0] != '\0')
		unlink(ns->path);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* READY, STOPPING and a STATUS line reach a path and an abstract name. */
static void
test_sdnotify_messages(void **state)
{
	struct notify_sock	ns;
	char			buf[512];
	int			abstract;

	for (abstract = 0; abstract <= 1; abstract++) {
		notify_bind(&ns, abstract);
		assert_int_equal(sdnotify_send("READY=1"), 0);
		notify_recv(&ns, buf, sizeof(buf));
		assert_string_equal(buf, "READY=1");
		assert_int_equal(sdnotify_status("READY=1", "serving on %s:%d",
		    "127.0.0.1", 8025), 0);
		notify_recv(&ns, buf, sizeof(buf));
		assert_string_equal(buf,
		    "READY=1\nSTATUS=serving on 127.0.0.1:8025");
		assert_int_equal(sdnotify_send("STOPPING=1"), 0);
		notify_recv(&ns, buf, sizeof(buf));
		assert_string_equal(buf, "STOPPING=1");
		notify_close(&ns);
	}
	/* Outside systemd: nothing to do, and no error. */
	assert_int_equal(sdnotify_send("READY=1"), 1);
	/* A name that is neither a path nor @name is an error. */
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	assert_int_equal(sdnotify_send("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}

/* Stop the loop once the test has seen enough pings. */
struct ping_wait {
	struct event_base	*base;
	struct notify_sock	*ns;
	int			 pings;
};

static void
ping_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ping_wait	*w = arg;
	char			 buf[64];
	ssize_t			 n;

	if ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) <= 0)
		return;
	buf[n] = '\0';
	assert_string_equal(buf, "WATCHDOG=1");
	if (++w->pings == 3)
		event_base_loopbreak(w->base);
}

/* The test's deadline ran out: stop the loop. */
static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* WATCHDOG=1 comes from the loop at half of WATCHDOG_USEC. */
static void
test_sdnotify_watchdog(void **state)
{
	struct notify_sock	 ns;
	struct ping_wait	 w;
	struct event_base	*base;
	struct event		*rd, *limit;
	struct sdnotify		*sn;
	struct timeval		 tv = { 10, 0 };
	char			 pid[32];

	assert_non_null(base = event_base_new());
	notify_bind(&ns, 1);
	/* Not this process's watchdog: no timer. */
	setenv("WATCHDOG_USEC", "100000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	assert_non_null(sn = sdnotify_new(base));
	assert_int_equal(sdnotify_watchdog_usec(sn), 0);
	sdnotify_free(sn);
	/* No WATCHDOG_USEC: no timer either. */
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_non_null(sn = sdnotify_new(base));
	assert_int_equal(sdnotify_watchdog_usec(sn), 0);
	sdnotify_free(sn);

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "100000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_non_null(sn = sdnotify_new(base));
	assert_int_equal(sdnotify_watchdog_usec(sn), 50000);
	memset(&w, 0, sizeof(w));
	w.base = base;
	w.ns = &ns;
	rd = event_new(base, ns.fd, EV_READ | EV_PERSIST, ping_read_cb, &w);
	assert_non_null(rd);
	event_add(rd, NULL);
	/* A deadline, so a broken timer fails instead of hanging. */
	assert_non_null(limit = evtimer_new(base, deadline_cb, base));
	evtimer_add(limit, &tv);
	event_base_dispatch(base);
	assert_int_equal(w.pings, 3);

	/* A loop that does not run sends nothing. */
	sdnotify_free(sn);
	usleep(150000);
	assert_int_equal(recv(ns.fd, pid, sizeof(pid), MSG_DONTWAIT), -1);
	event_free(rd);
	event_free(limit);
	event_base_free(base);
	notify_close(&ns);
}

/* Log to a file standing in for stderr; its text into out. */
static void
log_capture(const char *journal_stream, int use_real, char *out,
    size_t len)
{
	char		 path[] = "/tmp/varsel-log-XXXXXX", js[64];
	struct stat	 st;
	ssize_t		 n;
	int		 fd, saved;

	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	if (use_real) {
		snprintf(js, sizeof(js), "%llu:%llu",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", js, 1);
	} else if (journal_stream != NULL)
		setenv("JOURNAL_STREAM", journal_stream, 1);
	else
		unsetenv("JOURNAL_STREAM");
	log_init(LOG_LVL_DEBUG, "varseld");
	errno = ENOENT;
	log_warn("open %s", "x");
	log_warnx("evt=warned");
	log_info("evt=started");
	log_debug("evt=debug");
	log_errtext("a.conf:3: x: bad\nvarseld: a.conf is not valid");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_LVL_INFO, "varseld");
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

/* Under the journal, <3>/<4>/<6>/<7> and no time; elsewhere as ever. */
static void
test_log_journal(void **state)
{
	char	out[2048];

	log_capture(NULL, 1, out, sizeof(out));
	assert_string_equal(out,
	    "<4>warn: open x: No such file or directory\n"
	    "<4>warn: evt=warned\n"
	    "<6>info: evt=started\n"
	    "<7>debug: evt=debug\n"
	    "<3>a.conf:3: x: bad\n"
	    "<3>varseld: a.conf is not valid\n");
	/* Another stream's device:inode (stderr piped elsewhere): plain. */
	log_capture("1:2", 0, out, sizeof(out));
	assert_null(strchr(out, '<'));
	assert_non_null(strstr(out, "Z varseld info: evt=started\n"));
	log_capture(NULL, 0, out, sizeof(out));
	assert_null(strchr(out, '<'));
	assert_non_null(strstr(out, "Z varseld warn: evt=warned\n"));
	/* Why it cannot start: the lines as config_load gave them. */
	assert_non_null(strstr(out, "\na.conf:3: x: bad\n"
	    "varseld: a.conf is not valid\n"));
}

/* X-Forwarded-For counts only from a trusted proxy, and only its entry. */
static void
test_peer_trusted_proxy(void **state)
{
	char	buf[PEER_ADDR_MAX];

	/* Off by default: the header is never read. */
	peer_client("127.0.0.1", "203.0.113.9", NULL, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1");
	/* From the proxy: the last entry, the one the proxy added. */
	peer_client("127.0.0.1", "10.9.9.9, 203.0.113.9", "127.0.0.1 ::1",
	    buf, sizeof(buf));
	assert_string_equal(buf, "203.0.113.9");
	peer_client("::1", " 2001:db8::7 ", "127.0.0.1 0:0::1", buf,
	    sizeof(buf));
	assert_string_equal(buf, "2001:db8::7");
	/* From anyone else: the connection's own address. */
	peer_client("192.0.2.4", "203.0.113.9", "127.0.0.1", buf,
	    sizeof(buf));
	assert_string_equal(buf, "192.0.2.4");
	/* A header that is no address is not believed. */
	peer_client("127.0.0.1", "evil\n2026 forged", "127.0.0.1", buf,
	    sizeof(buf));
	assert_string_equal(buf, "127.0.0.1");
	peer_client("127.0.0.1", NULL, "127.0.0.1", buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1");
	peer_client(NULL, NULL, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	assert_true(peer_in_list("::ffff:127.0.0.1", "127.0.0.1"));
	assert_false(peer_in_list("127.0.0.2", "127.0.0.1 ::1"));
}

/*
 * Readable by others, or by a group this process is not in (unless it
 * is root, for whom the group is the daemon's): exposed.
 */
static void
test_file_exposed(void **state)
{
	struct stat	st;

	memset(&st, 0, sizeof(st));
	st.st_gid = getegid();
	st.st_mode = S_IFREG | 0600;
	assert_false(file_exposed(&st));
	st.st_mode = S_IFREG | 0640;
	assert_false(file_exposed(&st));	/* root:varsel for varsel */
	st.st_mode = S_IFREG | 0604;
	assert_true(file_exposed(&st));
	st.st_mode = S_IFREG | 0640;
	st.st_gid = 65431;		/* a group we are not in */
	if (geteuid() == 0)		/* root: the daemon's group */
		assert_false(file_exposed(&st));
	else
		assert_true(file_exposed(&st));
	st.st_mode = S_IFREG | 0644;
	assert_true(file_exposed(&st));
}

/*
 * db_files_writable(db) in a child, as nobody when we are root (root may
 * write anything): 0 when it failed naming want, else 1.
 */
static int
writable_child(const char *db, const char *want)
{
	char	err[512];
	pid_t	pid;
	int	st;

	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) == -1 ||
		    setuid(65534) == -1))
			_exit(2);
		if (db_files_writable(db, err, sizeof(err)) == 0)
			_exit(3);
		fprintf(stderr, "%s\n", err);
		_exit(strstr(err, want) != NULL &&
		    strstr(err, "Permission denied") != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* A database its user cannot write is named, with the reason. */
static void
test_db_files_writable(void **state)
{
	char	dir[] = "/tmp/varsel-dbw-XXXXXX", db[64], want[80], err[512];
	int	fd;
	bool	root = geteuid() == 0;

	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/varsel.db", dir);
	assert_int_equal(db_files_writable(db, err, sizeof(err)), 0);
	assert_int_equal(db_files_writable(":memory:", err, sizeof(err)), 0);
	assert_true((fd = open(db, O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	assert_int_equal(db_files_writable(db, err, sizeof(err)), 0);

	/* The folder: no new -wal, -shm or lock could be made in it. */
	assert_int_equal(chmod(dir, 0555), 0);
	snprintf(want, sizeof(want), "folder %s: ", dir);
	assert_int_equal(writable_child(db, want), 0);

	/* The file itself (root's, or read-only). */
	assert_int_equal(chmod(dir, 0755), 0);
	if (root)
		assert_int_equal(chown(dir, 65534, 65534), 0);
	else
		assert_int_equal(chmod(db, 0444), 0);
	snprintf(want, sizeof(want), "%s: ", db);
	assert_int_equal(writable_child(db, want), 0);

	assert_int_equal(unlink(db), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* A certificate or key that is missing says so, not "system lib". */
static void
test_tls_missing_file(void **state)
{
	char	 err[512];

	assert_null(tls_new("/nonexistent/tls.crt", "/nonexistent/tls.key",
	    err, sizeof(err)));
	assert_string_equal(err, "tls_cert /nonexistent/tls.crt: No such "
	    "file or directory");
}

/* Load text as a config in dir; the error text into err. */
static struct config *
load(const char *dir, const char *text, char *err, size_t len)
{
	char	path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/varsel.conf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0600);
	return config_load(path, err, len);
}

/* tls_cert and tls_key: both or neither; https public_url by default. */
static void
test_config_tls_keys(void **state)
{
	struct config	*cfg;
	char		 dir[] = "/tmp/varsel-conf-XXXXXX", err[1024];
	char		 want[512], path[256];

	assert_non_null(mkdtemp(dir));
	assert_null(load(dir, "[gateway]\ntls_cert = tls.crt\n"
	    "[provider s]\ntype = simulator\n", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/varsel.conf:2: tls_cert: needs "
	    "tls_key as well", dir);
	assert_non_null(strstr(err, want));
	assert_null(load(dir, "[gateway]\n\ntls_key = k.pem\n"
	    "[provider s]\ntype = simulator\n", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/varsel.conf:3: tls_key: needs "
	    "tls_cert", dir);
	assert_non_null(strstr(err, want));
	assert_null(load(dir, "[gateway]\ntrusted_proxy = 127.0.0.1 "
	    "proxy.example\n[provider s]\ntype = simulator\n", err,
	    sizeof(err)));
	assert_non_null(strstr(err, ":2: trusted_proxy: 'proxy.example' is "
	    "not an IP address"));

	cfg = load(dir, "[gateway]\nlisten = 127.0.0.1:8443\n"
	    "tls_cert = tls.crt\ntls_key = /etc/varsel/tls.key\n"
	    "trusted_proxy = 127.0.0.1 ::1\n"
	    "[provider s]\ntype = simulator\n", err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->public_url, "https://127.0.0.1:8443");
	snprintf(path, sizeof(path), "%s/tls.crt", cfg->dir);
	assert_string_equal(cfg->tls_cert, path);
	assert_string_equal(cfg->tls_key, "/etc/varsel/tls.key");
	assert_string_equal(cfg->trusted_proxy, "127.0.0.1 ::1");
	config_free(cfg);
	cfg = load(dir, "[provider s]\ntype = simulator\n", err, sizeof(err));
	assert_non_null(cfg);
	assert_null(cfg->tls_cert);
	assert_null(cfg->trusted_proxy);
	assert_string_equal(cfg->public_url, "http://127.0.0.1:8025");
	config_free(cfg);
	snprintf(path, sizeof(path), "%s/varsel.conf", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdnotify_messages),
		cmocka_unit_test(test_sdnotify_watchdog),
		cmocka_unit_test(test_log_journal),
		cmocka_unit_test(test_peer_trusted_proxy),
		cmocka_unit_test(test_file_exposed),
		cmocka_unit_test(test_db_files_writable),
		cmocka_unit_test(test_tls_missing_file),
		cmocka_unit_test(test_config_tls_keys),
	};

	srandom((unsigned int)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
