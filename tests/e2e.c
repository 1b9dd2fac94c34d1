/*
 * The end-to-end harness (see e2e.h): temp folders, the generated
 * varsel.conf, child processes with port files, blocking HTTP through
 * libcurl easy, JSON helpers, and the clean-up that runs at exit.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define E2E_MAX_CHILDREN	64
#define E2E_MAX_ENVS		32
#define E2E_SPAWN_MS		10000
#define E2E_HTTP_TIMEOUT_MS	30000
#define E2E_POLL_MS		20

/* A running child, for the clean-up at exit. */
struct child {
	pid_t		 pid;
	struct e2e_env	*env;
};

static struct child	 children[E2E_MAX_CHILDREN];
static struct e2e_env	*envs[E2E_MAX_ENVS];
static bool		 initialized;
static char		 builddir[PATH_MAX];
static char		 srcdir[PATH_MAX];

static void	 e2e_init(void);
static void	 e2e_atexit(void);
static bool	 e2e_keep(void);
static void	 e2e_rmtree(const char *);
static void	 e2e_child_add(pid_t, struct e2e_env *);
static void	 e2e_child_del(pid_t);
static void	 e2e_sleep_ms(long);
static void	 close_from(int);
static int	 e2e_read_port(const char *);
static int	 e2e_spawn(struct e2e_env *, struct e2e_proc *, const char *,
		    char *const [], const char *);
static int	 e2e_spawn_prog(struct e2e_env *, struct e2e_proc *,
		    const char *, const char *, const char *const [],
		    const char *const []);
static int	 e2e_status(int);
static int	 e2e_finish_one(struct e2e_proc *);
static long long e2e_json_sum(const json_t *, const char *);
static bool	 e2e_alert_reached(void *);
static void	 e2e_world_tails(struct e2e_world *);
static bool	 e2e_fake_reached(void *);

/* Once: curl's globals and the exit hook. */
static void
e2e_init(void)
{
	if (initialized)
		return;
	initialized = true;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	atexit(e2e_atexit);
}

/* At exit: stop every child still running and remove every folder. */
static void
e2e_atexit(void)
{
	size_t	i;

	for (i = 0; i < E2E_MAX_ENVS; i++)
		if (envs[i] != NULL)
			e2e_env_free(envs[i]);
	for (i = 0; i < E2E_MAX_CHILDREN; i++) {
		if (children[i].pid == 0)
			continue;
		kill(children[i].pid, SIGKILL);
		waitpid(children[i].pid, NULL, 0);
		children[i].pid = 0;
	}
	curl_global_cleanup();
}

/* Should temp folders stay for a look afterwards? */
static bool
e2e_keep(void)
{
	const char	*s = getenv("E2E_KEEP");

	return s != NULL && strcmp(s, "1") == 0;
}

/* nftw callback: remove one entry. */
static int
e2e_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (remove(path) == -1)
		fprintf(stderr, "e2e: remove %s: %s\n", path, strerror(errno));
	return 0;
}

/* rm -rf path. */
static void
e2e_rmtree(const char *path)
{
	nftw(path, e2e_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remember a child for the clean-up. */
static void
e2e_child_add(pid_t pid, struct e2e_env *env)
{
	size_t	i;

	for (i = 0; i < E2E_MAX_CHILDREN; i++)
		if (children[i].pid == 0) {
			children[i].pid = pid;
			children[i].env = env;
			return;
		}
	fprintf(stderr, "e2e: more than %d children\n", E2E_MAX_CHILDREN);
}

/* Forget a child that was reaped. */
static void
e2e_child_del(pid_t pid)
{
	size_t	i;

	for (i = 0; i < E2E_MAX_CHILDREN; i++)
		if (children[i].pid == pid)
			children[i].pid = 0;
}

/* Sleep ms milliseconds. */
static void
e2e_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Milliseconds of the monotonic clock. */
long long
e2e_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A fresh temp folder. */
struct e2e_env *
e2e_env_new(void)
{
	struct e2e_env	*env;
	const char	*tmp = getenv("TMPDIR");
	size_t		 i;

	e2e_init();
	if ((env = calloc(1, sizeof(*env))) == NULL)
		return NULL;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(env->dir, sizeof(env->dir), "%s/varsel-e2e.XXXXXX",
	    tmp) >= sizeof(env->dir) || mkdtemp(env->dir) == NULL) {
		fprintf(stderr, "e2e: mkdtemp %s: %s\n", env->dir,
		    strerror(errno));
		free(env);
		return NULL;
	}
	snprintf(env->conf, sizeof(env->conf), "%s/varsel.conf", env->dir);
	snprintf(env->db, sizeof(env->db), "%s/varsel.db", env->dir);
	for (i = 0; i < E2E_MAX_ENVS; i++)
		if (envs[i] == NULL) {
			envs[i] = env;
			break;
		}
	return env;
}

/* Stop the env's children and remove its folder. */
void
e2e_env_free(struct e2e_env *env)
{
	size_t	i;
	bool	any = false;

	if (env == NULL)
		return;
	/* TERM first so sanitizer reports land in the logs, then KILL. */
	for (i = 0; i < E2E_MAX_CHILDREN; i++)
		if (children[i].pid != 0 && children[i].env == env) {
			kill(children[i].pid, SIGTERM);
			any = true;
		}
	if (any) {
		long long	deadline = e2e_now_ms() + 3000;

		for (i = 0; i < E2E_MAX_CHILDREN; i++) {
			if (children[i].pid == 0 || children[i].env != env)
				continue;
			while (waitpid(children[i].pid, NULL, WNOHANG) == 0) {
				if (e2e_now_ms() > deadline) {
					kill(children[i].pid, SIGKILL);
					waitpid(children[i].pid, NULL, 0);
					break;
				}
				e2e_sleep_ms(5);
			}
			children[i].pid = 0;
		}
	}
	for (i = 0; i < E2E_MAX_ENVS; i++)
		if (envs[i] == env)
			envs[i] = NULL;
	if (e2e_keep())
		fprintf(stderr, "e2e: kept %s\n", env->dir);
	else
		e2e_rmtree(env->dir);
	free(env);
}

/* Write a file (mode 0600) into the env's folder. */
int
e2e_env_write(struct e2e_env *env, const char *name, const char *text)
{
	char	 path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE	*fp;
	size_t	 len = strlen(text);

	snprintf(path, sizeof(path), "%s/%s", env->dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "e2e: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	/* The config holds secrets: only we may read it. */
	if (fchmod(fileno(fp), 0600) == -1 ||
	    fwrite(text, 1, len, fp) != len || fclose(fp) != 0 ||
	    rename(tmp, path) == -1) {
		fprintf(stderr, "e2e: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Write the env's varsel.conf. */
int
e2e_env_config(struct e2e_env *env, const struct e2e_conf *c)
{
	char	 sha[65], *text = NULL;
	size_t	 len = 0;
	FILE	*fp;
	int	 rc;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return -1;
	fprintf(fp, "; written by the e2e harness\n"
	    "[gateway]\n"
	    "listen = 127.0.0.1:0\n"
	    "database = %s\n"
	    "port_file = %s/varseld.port\n"
	    "templates = %s/templates\n"
	    "default_region = SE\n"
	    "%s\n",
	    env->db, env->dir, e2e_srcdir(),
	    c->gateway != NULL ? c->gateway : "");
	fprintf(fp, "[dispatch]\n%s\n\n", c->dispatch != NULL ? c->dispatch :
	    E2E_FAST_DISPATCH "\nbreaker_cooldown_ms = 100");
	if (c->fake_port > 0)
		fprintf(fp, "[provider elks]\n"
		    "type = 46elks\n"
		    "base_url = http://127.0.0.1:%d/a1\n"
		    "username = %s\n"
		    "password = %s\n"
		    "callback_secret = %s\n",
		    c->fake_port, E2E_ELKS_USER, E2E_ELKS_PASSWORD,
		    E2E_CALLBACK_SECRET);
	else
		fprintf(fp, "[provider sim]\n"
		    "type = simulator\n"
		    "delivered_after_ms = 50\n");
	fprintf(fp, "from = Nykvarn\n"
	    "rate = %g\n"
	    "max_connections = %d\n"
	    "%s\n",
	    c->rate > 0 ? c->rate : 2000.0,
	    c->max_connections > 0 ? c->max_connections : 32,
	    c->provider != NULL ? c->provider : "");

	sha256_hex(E2E_TOKEN, strlen(E2E_TOKEN), sha);
	/* Test receivers of source events listen on this machine. */
	fprintf(fp, "[client e2e]\ntoken_sha256 = %s\nscopes = alerts:write "
	    "alerts:read contacts:write contacts:read%s\n%s\n", sha,
	    e2e_old() ? "" : " metrics:read",
	    e2e_old() ? "" : "callback_hosts = 127.0.0.1\n");
	sha256_hex(E2E_TOKEN_READER, strlen(E2E_TOKEN_READER), sha);
	fprintf(fp, "[client reader]\ntoken_sha256 = %s\nscopes = alerts:read "
	    "contacts:read\n\n", sha);
	if (c->hmac_secret != NULL) {
		sha256_hex(E2E_TOKEN_SIGNED, strlen(E2E_TOKEN_SIGNED), sha);
		fprintf(fp, "[client signed]\ntoken_sha256 = %s\nscopes = "
		    "alerts:write alerts:read contacts:write contacts:read\n"
		    "hmac_secret = %s\n%s\n", sha, c->hmac_secret,
		    e2e_old() ? "" : "callback_hosts = 127.0.0.1\n");
	}
	if (c->extra != NULL)
		fprintf(fp, "%s\n", c->extra);
	if (fclose(fp) != 0) {
		free(text);
		return -1;
	}
	rc = e2e_env_write(env, "varsel.conf", text);
	free(text);
	return rc;
}

bool
e2e_old(void)
{
	return getenv("VARSEL_DAEMON_OLD") != NULL;
}

bool
e2e_sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

long
e2e_proc_kb(pid_t pid, const char *key)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 kb = -1;
	size_t	 n = strlen(key);

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return kb;
}

double
e2e_proc_cpu_ms(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	FILE			*fp;
	unsigned long long	 ut, st;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	/* After the ")" that ends the name: state is field 3, utime 14. */
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

int
e2e_connect(int port, int flags)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | flags, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    !((flags & SOCK_NONBLOCK) && errno == EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Where varseld and the fake were built. */
const char *
e2e_builddir(void)
{
	const char	*s = getenv("VARSEL_BUILDDIR");
	char		 exe[PATH_MAX], *d;
	ssize_t		 n;

	if (builddir[0] != '\0')
		return builddir;
	if (s != NULL && *s != '\0') {
		strlcpy(builddir, s, sizeof(builddir));
		return builddir;
	}
	/* tests/test_e2e and bench/fanout sit one folder down. */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0) {
		strlcpy(builddir, ".", sizeof(builddir));
		return builddir;
	}
	exe[n] = '\0';
	d = dirname(exe);
	d = dirname(d);
	strlcpy(builddir, d, sizeof(builddir));
	return builddir;
}

/* Where the sources (and templates/) are. */
const char *
e2e_srcdir(void)
{
	const char	*s = getenv("VARSEL_SRCDIR");
	char		 path[PATH_MAX + 16], line[PATH_MAX + 64];
	FILE		*fp;

	if (srcdir[0] != '\0')
		return srcdir;
	if (s != NULL && *s != '\0') {
		strlcpy(srcdir, s, sizeof(srcdir));
		return srcdir;
	}
	strlcpy(srcdir, e2e_builddir(), sizeof(srcdir));
	snprintf(path, sizeof(path), "%s/Makefile", e2e_builddir());
	if ((fp = fopen(path, "r")) == NULL)
		return srcdir;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "abs_top_srcdir = ", 17) == 0) {
			line[strcspn(line, "\n")] = '\0';
			strlcpy(srcdir, line + 17, sizeof(srcdir));
			break;
		}
	}
	fclose(fp);
	return srcdir;
}

/* The port in a port file, or -1 if it is not (fully) there yet. */
static int
e2e_read_port(const char *path)
{
	char	 buf[32];
	FILE	*fp;
	long	 port;
	char	*end;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	port = strtol(buf, &end, 10);
	if (end == buf || (*end != '\0' && *end != '\n') || port <= 0 ||
	    port > 65535)
		return -1;
	return (int)port;
}

/* A wait status as e2e_wait_exit reports it. */
static int
e2e_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* In the daemon's child: its extra environment and open-file limit. */
static void
e2e_daemon_child(const struct e2e_env *env)
{
	struct rlimit	rl;
	size_t		i;

	for (i = 0; i < nitems(env->daemon_env) &&
	    env->daemon_env[i] != NULL; i++)
		putenv((char *)env->daemon_env[i]);
	if (env->nofile > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)env->nofile;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			fprintf(stderr, "e2e: setrlimit: %s\n", strerror(errno));
	}
}

/* Close every descriptor from lo up (in a child, before exec). */
static void
close_from(int lo)
{
	struct rlimit	rl;
	rlim_t		fd;

	if (syscall(SYS_close_range, (unsigned int)lo, ~0U, 0) == 0)
		return;
	/* Kernels before 5.9: one by one up to the limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur > 1 << 20)
		rl.rlim_cur = 1 << 20;
	for (fd = (rlim_t)lo; fd < rl.rlim_cur; fd++)
		close((int)fd);
}

/* Fork and exec argv with output to p->log; wait for port_file. */
static int
e2e_spawn(struct e2e_env *env, struct e2e_proc *p, const char *name,
    char *const argv[], const char *port_file)
{
	pid_t		 parent = getpid(), pid;
	long long	 deadline;
	int		 fd, st, port;

	memset(p, 0, sizeof(*p));
	p->env = env;
	strlcpy(p->name, name, sizeof(p->name));
	strlcpy(p->port_file, port_file, sizeof(p->port_file));
	snprintf(p->log, sizeof(p->log), "%s/%s.log", env->dir, name);
	unlink(port_file);
	fflush(NULL);

	if ((pid = fork()) == -1) {
		fprintf(stderr, "e2e: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The child dies with us, whatever way we go. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if ((fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND,
		    0644)) != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		signal(SIGPIPE, SIG_DFL);
		/*
		 * Nothing of ours leaks into the child: a test that failed
		 * with its sockets open would otherwise hand them to the
		 * next daemon, whose descriptor limit they would eat.
		 */
		close_from(3);
		if (strcmp(name, "varseld") == 0)
			e2e_daemon_child(env);
		execv(argv[0], argv);
		fprintf(stderr, "e2e: exec %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	p->pid = pid;
	e2e_child_add(pid, env);

	deadline = e2e_now_ms() + E2E_SPAWN_MS;
	for (;;) {
		if ((port = e2e_read_port(port_file)) > 0)
			break;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			e2e_child_del(pid);
			p->pid = 0;
			fprintf(stderr, "e2e: %s exited with %d before it "
			    "wrote %s\n", name, e2e_status(st), port_file);
			e2e_log_tail(p, 3000);
			return -1;
		}
		if (e2e_now_ms() > deadline) {
			fprintf(stderr, "e2e: %s wrote no port file in %d ms\n",
			    name, E2E_SPAWN_MS);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			e2e_child_del(pid);
			p->pid = 0;
			e2e_log_tail(p, 3000);
			return -1;
		}
		e2e_sleep_ms(10);
	}
	p->port = port;
	snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", port);
	return 0;
}

/* Start varseld on the env's config and wait until it listens. */
int
e2e_spawn_daemon(struct e2e_env *env, struct e2e_proc *p)
{
	char	 exe[PATH_MAX + 16], port_file[PATH_MAX];
	char	*argv[] = { exe, "-c", env->conf, NULL };

	if (getenv("VARSEL_DAEMON") != NULL)
		snprintf(exe, sizeof(exe), "%s", getenv("VARSEL_DAEMON"));
	else
		snprintf(exe, sizeof(exe), "%s/varseld", e2e_builddir());
	snprintf(port_file, sizeof(port_file), "%s/varseld.port", env->dir);
	return e2e_spawn(env, p, "varseld", argv, port_file);
}

/*
 * Start tests/fakes/prog with a port file name.port in the env's folder,
 * then the flags of fixed and of args (NULL-ended; args may be NULL), and
 * wait until it listens; its log is name.log.
 */
static int
e2e_spawn_prog(struct e2e_env *env, struct e2e_proc *p, const char *name,
    const char *prog, const char *const fixed[], const char *const args[])
{
	char	 exe[PATH_MAX + 32], port_file[PATH_MAX];
	char	*argv[64];
	size_t	 n = 0, i;

	snprintf(exe, sizeof(exe), "%s/tests/fakes/%s", e2e_builddir(), prog);
	snprintf(port_file, sizeof(port_file), "%s/%s.port", env->dir, name);
	argv[n++] = exe;
	argv[n++] = "--port-file";
	argv[n++] = port_file;
	for (i = 0; fixed[i] != NULL; i++)
		argv[n++] = (char *)fixed[i];
	for (i = 0; args != NULL && args[i] != NULL; i++) {
		if (n + 1 >= nitems(argv)) {
			fprintf(stderr, "e2e: too many %s arguments\n", prog);
			return -1;
		}
		argv[n++] = (char *)args[i];
	}
	argv[n] = NULL;
	return e2e_spawn(env, p, name, argv, port_file);
}

/* Start the fake 46elks and wait until it listens. */
int
e2e_spawn_fake(struct e2e_env *env, struct e2e_proc *p,
    const char *const args[])
{
	const char *const fixed[] = { "--user", E2E_ELKS_USER,
		"--password", E2E_ELKS_PASSWORD, NULL };

	return e2e_spawn_prog(env, p, "fake", "fake_provider", fixed, args);
}

/* Send a signal to a child. */
int
e2e_kill(struct e2e_proc *p, int sig)
{
	if (p->pid == 0)
		return -1;
	return kill(p->pid, sig);
}

/* Reap a child that ends within timeout_ms. */
int
e2e_wait_exit(struct e2e_proc *p, int timeout_ms)
{
	long long	deadline = e2e_now_ms() + timeout_ms;
	int		st;
	pid_t		r;

	if (p->pid == 0)
		return -1;
	for (;;) {
		r = waitpid(p->pid, &st, WNOHANG);
		if (r == p->pid)
			break;
		if (r == -1 && errno != EINTR) {
			fprintf(stderr, "e2e: waitpid %s: %s\n", p->name,
			    strerror(errno));
			e2e_child_del(p->pid);
			p->pid = 0;
			return -1;
		}
		if (e2e_now_ms() > deadline)
			return E2E_TIMEOUT;
		e2e_sleep_ms(5);
	}
	e2e_child_del(p->pid);
	p->pid = 0;
	return e2e_status(st);
}

/* Stop a child with SIGTERM, or SIGKILL if it lingers. */
int
e2e_stop(struct e2e_proc *p, int timeout_ms)
{
	int	rc;

	if (p->pid == 0)
		return -1;
	e2e_kill(p, SIGTERM);
	if ((rc = e2e_wait_exit(p, timeout_ms)) == E2E_TIMEOUT) {
		fprintf(stderr, "e2e: %s ignored SIGTERM for %d ms\n", p->name,
		    timeout_ms);
		e2e_kill(p, SIGKILL);
		e2e_wait_exit(p, 5000);
	}
	return rc;
}

/* Is the child running? Report it once if it died. */
bool
e2e_alive(struct e2e_proc *p)
{
	int	st;

	if (p->pid == 0)
		return false;
	if (waitpid(p->pid, &st, WNOHANG) != p->pid)
		return true;
	e2e_child_del(p->pid);
	p->pid = 0;
	fprintf(stderr, "e2e: %s died unexpectedly: %d\n", p->name,
	    e2e_status(st));
	e2e_log_tail(p, 6000);
	return false;
}

/* Print the end of a child's log to stderr. */
void
e2e_log_tail(const struct e2e_proc *p, size_t bytes)
{
	FILE	*fp;
	char	 buf[4096];
	long	 size;
	size_t	 n;

	if ((fp = fopen(p->log, "r")) == NULL) {
		fprintf(stderr, "e2e: no log %s\n", p->log);
		return;
	}
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	if (size > (long)bytes)
		fseek(fp, size - (long)bytes, SEEK_SET);
	else
		fseek(fp, 0, SEEK_SET);
	fprintf(stderr, "---- last lines of %s ----\n", p->log);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "---- end of %s ----\n", p->name);
	fclose(fp);
}

/* Does any line of the child's log hold text? */
bool
e2e_log_contains(const struct e2e_proc *p, const char *text)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0;
	bool	 found = false;

	if ((fp = fopen(p->log, "r")) == NULL)
		return false;
	while (!found && getline(&line, &cap, fp) != -1)
		found = strstr(line, text) != NULL;
	free(line);
	fclose(fp);
	return found;
}

size_t
e2e_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct e2e_buf	*b = arg;
	size_t		 len = size * n;
	char		*s;

	if ((s = realloc(b->s, b->len + len + 1)) == NULL)
		return 0;
	memcpy(s + b->len, data, len);
	b->len += len;
	s[b->len] = '\0';
	b->s = s;
	return len;
}

/* One blocking HTTP request with libcurl easy. */
int
e2e_http(const char *method, const char *url, const char *const headers[],
    const char *body, int *status, char **resp)
{
	return e2e_http_headers(method, url, headers, body, status, resp, NULL);
}

/* e2e_http, the answer's header lines into *hdrs too (if not NULL). */
int
e2e_http_headers(const char *method, const char *url,
    const char *const headers[], const char *body, int *status, char **resp,
    char **hdrs)
{
	CURL			*c;
	struct curl_slist	*hl = NULL, *t;
	struct e2e_buf		 b = { NULL, 0 }, hb = { NULL, 0 };
	CURLcode		 rc;
	long			 code = 0;
	size_t			 i;

	e2e_init();
	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if ((c = curl_easy_init()) == NULL)
		return -1;
	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		if ((t = curl_slist_append(hl, headers[i])) == NULL)
			goto fail;
		hl = t;
	}
	/* No "Expect: 100-continue" round trip for big bodies. */
	if ((t = curl_slist_append(hl, "Expect:")) == NULL)
		goto fail;
	hl = t;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)E2E_HTTP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (hdrs != NULL) {
		*hdrs = NULL;
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, e2e_write_cb);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	}
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(body));
	}
	if (strcmp(method, "GET") == 0 && body == NULL)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") == 0 && body == NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		fprintf(stderr, "e2e: %s %s: %s\n", method, url,
		    curl_easy_strerror(rc));
		goto fail;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	*status = (int)code;
	if (resp != NULL)
		*resp = b.s != NULL ? b.s : strdup("");
	else
		free(b.s);
	if (hdrs != NULL)
		*hdrs = hb.s != NULL ? hb.s : strdup("");
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return 0;
fail:
	free(hb.s);
	free(b.s);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return -1;
}

/* A JSON request with a bearer token; the answer parsed. */
json_t *
e2e_api(const struct e2e_proc *p, const char *token, const char *method,
    const char *path, const char *body, int *status)
{
	char		 url[PATH_MAX], auth[256], *resp = NULL;
	const char	*h[3];
	size_t		 n = 0;
	json_t		*j;

	snprintf(url, sizeof(url), "%s%s", p->url, path);
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h[n++] = auth;
	}
	if (body != NULL)
		h[n++] = "Content-Type: application/json";
	h[n] = NULL;
	if (e2e_http(method, url, h, body, status, &resp) == -1)
		return NULL;
	j = e2e_json_parse(resp);
	free(resp);
	return j;
}

/* The X-Varsel-Signature value for ts and body. */
void
e2e_sign(const char *secret, const char *ts, const char *body, char *out,
    size_t len)
{
	char	*msg, hex[65];

	if ((msg = str_printf("%s.%s", ts, body != NULL ? body : "")) ==
	    NULL) {
		strlcpy(out, "", len);
		return;
	}
	hmac_sha256_hex(secret, strlen(secret), msg, strlen(msg), hex);
	free(msg);
	snprintf(out, len, "sha256=%s", hex);
}

/* Parse JSON text; NULL if it is none. */
json_t *
e2e_json_parse(const char *text)
{
	json_error_t	e;

	if (text == NULL)
		return NULL;
	return json_loads(text, JSON_DECODE_ANY, &e);
}

/* The value at a dotted path ("a.b.0.c"); NULL if missing. */
static const json_t *
e2e_json_at(const json_t *j, const char *path)
{
	char	 copy[256], *tok, *save = NULL, *end;
	long	 idx;

	if (j == NULL || strlcpy(copy, path, sizeof(copy)) >= sizeof(copy))
		return NULL;
	for (tok = strtok_r(copy, ".", &save); tok != NULL && j != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(j)) {
			idx = strtol(tok, &end, 10);
			if (*end != '\0' || idx < 0)
				return NULL;
			j = json_array_get(j, (size_t)idx);
		} else
			j = json_object_get(j, tok);
	}
	return j;
}

/* The integer at a dotted path. */
long long
e2e_json_int(const json_t *j, const char *path)
{
	const json_t	*v = e2e_json_at(j, path);

	if (v == NULL || !json_is_integer(v))
		return LLONG_MIN;
	return (long long)json_integer_value(v);
}

/* The string at a dotted path. */
const char *
e2e_json_str(const json_t *j, const char *path)
{
	const json_t	*v = e2e_json_at(j, path);

	if (v == NULL || !json_is_string(v))
		return NULL;
	return json_string_value(v);
}

/* The fake's counters. */
json_t *
e2e_fake_stats(const struct e2e_proc *fake)
{
	return e2e_fake_get(fake, "/_stats");
}

/* One of the fake's counters. */
long long
e2e_fake_stat(const struct e2e_proc *fake, const char *name)
{
	json_t		*j = e2e_fake_stats(fake);
	long long	 v = e2e_json_int(j, name);

	json_decref(j);
	return v == LLONG_MIN ? -1 : v;
}

/* Change the fake's faults at run time. */
int
e2e_fake_control(const struct e2e_proc *fake, const char *form)
{
	char	 url[128], *resp;
	int	 status;

	snprintf(url, sizeof(url), "%s/_control", fake->url);
	if (e2e_http("POST", url, NULL, form, &status, &resp) == -1)
		return -1;
	if (status != 200)
		fprintf(stderr, "e2e: fake /_control %s: %d %s\n", form, status,
		    resp);
	free(resp);
	return status == 200 ? 0 : -1;
}

/* One counter of one number at the fake. */
long long
e2e_fake_number(const struct e2e_proc *fake, const char *to,
    const char *name)
{
	char		 path[256], *enc;
	json_t		*j;
	long long	 v;

	if ((enc = url_encode(to)) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/_number?to=%s", enc);
	free(enc);
	j = e2e_fake_get(fake, path);
	v = e2e_json_int(j, name);
	json_decref(j);
	return v == LLONG_MIN ? -1 : v;
}

/* GET a fake's path as JSON. */
json_t *
e2e_fake_get(const struct e2e_proc *fake, const char *path)
{
	char	 url[PATH_MAX], *resp;
	int	 status;
	json_t	*j;

	snprintf(url, sizeof(url), "%s%s", fake->url, path);
	if (e2e_http("GET", url, NULL, NULL, &status, &resp) == -1)
		return NULL;
	if (status != 200)
		fprintf(stderr, "e2e: GET %s: %d %s\n", url, status, resp);
	j = status == 200 ? e2e_json_parse(resp) : NULL;
	free(resp);
	return j;
}

/* Poll fn every 20 ms until it holds or time runs out. */
int
e2e_wait_until(bool (*fn)(void *), void *arg, int timeout_ms)
{
	long long	deadline = e2e_now_ms() + timeout_ms;

	for (;;) {
		if (fn(arg))
			return 0;
		if (e2e_now_ms() > deadline)
			return -1;
		e2e_sleep_ms(E2E_POLL_MS);
	}
}

/* ---- what the end-to-end tests share ---------------------------------- */

/* A world with a fresh folder. */
int
e2e_setup(void **state)
{
	struct e2e_world	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	if ((w->env = e2e_env_new()) == NULL) {
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

/* Stop the world's children and remove its folder. */
int
e2e_teardown(void **state)
{
	struct e2e_world	*w = *state;

	e2e_env_free(w->env);
	free(w);
	return 0;
}

/* SIGTERM one child that runs; 0 if it exited 0. */
static int
e2e_finish_one(struct e2e_proc *p)
{
	int	rc;

	if (p->pid == 0)
		return 0;
	if ((rc = e2e_stop(p, 10000)) == 0)
		return 0;
	fprintf(stderr, "e2e: %s exited with %d after SIGTERM\n", p->name,
	    rc);
	e2e_log_tail(p, 4000);
	return -1;
}

/* Stop the daemon, then the fakes; each must exit 0. */
int
e2e_finish(struct e2e_world *w)
{
	int	rc = 0;

	if (e2e_finish_one(&w->d) == -1)
		rc = -1;
	if (e2e_finish_one(&w->fake) == -1)
		rc = -1;
	if (e2e_finish_one(&w->tw) == -1)
		rc = -1;
	return rc;
}

/* The n-th test number. */
void
e2e_phone(int n, char *buf, size_t len)
{
	/* 070-100 00 00 and up: Swedish mobile numbers, all of them. */
	snprintf(buf, len, "+4670%07d", 1000000 + n);
}

/* Load numbered contacts, 1000 a request. */
int
e2e_add_contacts(const struct e2e_proc *d, int first, int n,
    const char *group, bool voice)
{
	int	done = 0;

	while (done < n) {
		int	 batch = n - done > 1000 ? 1000 : n - done, i, status;
		json_t	*arr = json_array(), *body, *res, *c;
		char	*text, num[32];

		for (i = 0; i < batch; i++) {
			e2e_phone(first + done + i, num, sizeof(num));
			c = json_pack("{ss ss ss s[s]}", "phone", num,
			    "name", "E2E", "lang", "sv", "groups", group);
			if (c != NULL && voice)
				json_object_set_new(c, "channels",
				    json_pack("[ss]", "sms", "voice"));
			json_array_append_new(arr, c);
		}
		body = json_pack("{so}", "contacts", arr);
		text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (text == NULL)
			return -1;
		res = e2e_api(d, E2E_TOKEN, "POST", "/v1/contacts", text,
		    &status);
		free(text);
		if (status != 200 || e2e_json_int(res, "upserted") != batch ||
		    json_array_size(json_object_get(res, "rejected")) != 0) {
			text = json_dumps(res, JSON_COMPACT);
			fprintf(stderr, "e2e: POST /v1/contacts (%d from %d): "
			    "%d %s\n", batch, first + done, status,
			    text != NULL ? text : "(no JSON)");
			free(text);
			json_decref(res);
			return -1;
		}
		json_decref(res);
		done += batch;
	}
	return 0;
}

/* Post an alert that must be accepted for recipients. */
long long
e2e_post_alert(const struct e2e_proc *d, const char *body,
    long long recipients)
{
	int		 status;
	json_t		*res;
	long long	 id;
	char		*s;

	res = e2e_api(d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	id = e2e_json_int(res, "id");
	if (status != 202 || e2e_json_int(res, "recipients") != recipients ||
	    id <= 0) {
		s = json_dumps(res, JSON_COMPACT);
		fprintf(stderr, "e2e: POST /v1/alerts answered %d, not 202 "
		    "for %lld recipients: %s\n", status, recipients,
		    s != NULL ? s : "(no JSON)");
		free(s);
		id = -1;
	}
	json_decref(res);
	return id;
}

/* What e2e_wait_alert looks for. */
struct e2e_alert_wait {
	struct e2e_world	*w;
	long long		 id;
	const char		*path;
	long long		 want;
	bool			 done;
	json_t			*last;		/* the last answer */
	bool			 dead;		/* the daemon died */
};

/* The sum of the integers at the "+"-joined paths; LLONG_MIN if one lacks. */
static long long
e2e_json_sum(const json_t *j, const char *paths)
{
	char		 copy[256], *tok, *save = NULL;
	long long	 sum = 0, v;

	if (strlcpy(copy, paths, sizeof(copy)) >= sizeof(copy))
		return LLONG_MIN;
	for (tok = strtok_r(copy, "+", &save); tok != NULL;
	    tok = strtok_r(NULL, "+", &save)) {
		if ((v = e2e_json_int(j, tok)) == LLONG_MIN)
			return LLONG_MIN;
		sum += v;
	}
	return sum;
}

/* Has the alert got there (or did the daemon die)? */
static bool
e2e_alert_reached(void *arg)
{
	struct e2e_alert_wait	*aw = arg;
	char			 path[64];
	const char		*state;
	int			 status;
	json_t			*res;

	if (!e2e_alive(&aw->w->d)) {
		aw->dead = true;
		return true;
	}
	snprintf(path, sizeof(path), "/v1/alerts/%lld", aw->id);
	res = e2e_api(&aw->w->d, E2E_TOKEN, "GET", path, NULL, &status);
	if (status != 200) {
		json_decref(res);
		return false;
	}
	json_decref(aw->last);
	aw->last = res;
	state = e2e_json_str(res, "state");
	return e2e_json_sum(res, aw->path) >= aw->want && (!aw->done ||
	    (state != NULL && strcmp(state, "done") == 0));
}

/* Print the end of the logs of the world's children that run. */
static void
e2e_world_tails(struct e2e_world *w)
{
	if (w->d.pid != 0)
		e2e_log_tail(&w->d, 3000);
	if (w->fake.pid != 0)
		e2e_log_tail(&w->fake, 2000);
	if (w->tw.pid != 0)
		e2e_log_tail(&w->tw, 2000);
}

/* Wait for an alert's count. */
json_t *
e2e_wait_alert(struct e2e_world *w, long long id, const char *path,
    long long want, bool done, int timeout_ms)
{
	struct e2e_alert_wait	aw = { w, id, path, want, done, NULL, false };
	char			*s;

	if (e2e_wait_until(e2e_alert_reached, &aw, timeout_ms) == 0 &&
	    !aw.dead)
		return aw.last;
	s = json_dumps(aw.last, JSON_COMPACT);
	e2e_world_tails(w);
	fprintf(stderr, "e2e: alert %lld: %s did not reach %lld%s in %d ms%s; "
	    "last: %s\n", id, path, want, done ? " (done)" : "", timeout_ms,
	    aw.dead ? " (varseld died)" : "", s != NULL ? s : "(none)");
	free(s);
	json_decref(aw.last);
	return NULL;
}

/* Every delivery of an alert, page after page. */
json_t *
e2e_deliveries(const struct e2e_proc *d, long long id, const char *state)
{
	json_t		*all = json_array(), *res, *arr;
	long long	 after = 0;
	char		 path[128];
	int		 status;

	for (;;) {
		snprintf(path, sizeof(path),
		    "/v1/alerts/%lld/deliveries?limit=1000&after=%lld%s%s",
		    id, after, state ? "&state=" : "", state ? state : "");
		res = e2e_api(d, E2E_TOKEN, "GET", path, NULL, &status);
		arr = json_object_get(res, "deliveries");
		if (status != 200 || !json_is_array(arr)) {
			fprintf(stderr, "e2e: GET %s: %d\n", path, status);
			json_decref(res);
			json_decref(all);
			return NULL;
		}
		json_array_extend(all, arr);
		after = e2e_json_int(res, "next");
		json_decref(res);
		if (after == LLONG_MIN)
			return all;
	}
}

/* What e2e_wait_fake looks for. */
struct e2e_fake_wait {
	struct e2e_world	*w;
	const struct e2e_proc	*fake;
	const char		*name;
	long long		 want;
	long long		 last;
};

/* Has the fake's counter got there (or did the daemon die)? */
static bool
e2e_fake_reached(void *arg)
{
	struct e2e_fake_wait	*fw = arg;

	if (!e2e_alive(&fw->w->d))
		return true;
	fw->last = e2e_fake_stat(fw->fake, fw->name);
	return fw->last >= fw->want;
}

/* Wait for a fake's counter. */
int
e2e_wait_fake(struct e2e_world *w, const struct e2e_proc *fake,
    const char *name, long long want, int timeout_ms)
{
	struct e2e_fake_wait	fw = { w, fake, name, want, -1 };

	if (e2e_wait_until(e2e_fake_reached, &fw, timeout_ms) == 0 &&
	    w->d.pid != 0)
		return 0;
	e2e_world_tails(w);
	fprintf(stderr, "e2e: %s: %s is %lld, not %lld, after %d ms%s\n",
	    fake->name, name, fw.last, want, timeout_ms,
	    w->d.pid == 0 ? " (varseld died)" : "");
	return -1;
}

/* What a fake accepted for one number. */
json_t *
e2e_fake_received(const struct e2e_proc *fake, const char *to)
{
	char	 path[128], *enc;
	json_t	*j;

	if ((enc = url_encode(to)) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "/_received?to=%s", enc);
	free(enc);
	if ((j = e2e_fake_get(fake, path)) != NULL && !json_is_array(j)) {
		fprintf(stderr, "e2e: %s%s: not an array\n", fake->url, path);
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* The one delivery to phone on channel. */
json_t *
e2e_delivery_of(json_t *list, const char *phone, const char *channel)
{
	json_t		*d, *found = NULL;
	const char	*p, *ch;
	size_t		 i;

	json_array_foreach(list, i, d) {
		p = e2e_json_str(d, "phone");
		ch = e2e_json_str(d, "channel");
		if (p == NULL || ch == NULL || strcmp(p, phone) != 0 ||
		    strcmp(ch, channel) != 0)
			continue;
		if (found != NULL) {
			fprintf(stderr, "e2e: %s has two %s deliveries\n",
			    phone, channel);
			return NULL;
		}
		found = d;
	}
	return found;
}

/* ---- Twilio and several providers ------------------------------------ */

/* A whole file as a string; NULL on failure (printed). */
static char *
e2e_slurp(const char *path)
{
	FILE	*fp;
	char	*text = NULL;
	long	 size;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "e2e: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)size + 1)) != NULL) {
		if (fread(text, 1, (size_t)size, fp) == (size_t)size)
			text[size] = '\0';
		else {
			free(text);
			text = NULL;
		}
	}
	if (text == NULL)
		fprintf(stderr, "e2e: could not read %s\n", path);
	fclose(fp);
	return text;
}

/*
 * The generated config with its [provider sim] section (up to the first
 * client) replaced by providers: everything else stays as e2e_env_config
 * writes it.
 */
int
e2e_env_config_providers(struct e2e_env *env, const struct e2e_conf *c,
    const char *providers)
{
	struct e2e_conf	 base;
	char		*text, *sec, *end, *out;
	int		 rc;

	memset(&base, 0, sizeof(base));
	if (c != NULL)
		base = *c;
	base.fake_port = 0;
	base.rate = 0;
	base.max_connections = 0;
	base.provider = NULL;
	if (e2e_env_config(env, &base) == -1 ||
	    (text = e2e_slurp(env->conf)) == NULL)
		return -1;
	if ((sec = strstr(text, "[provider sim]\n")) == NULL ||
	    (end = strstr(sec, "[client ")) == NULL) {
		fprintf(stderr, "e2e: %s: no [provider sim] section to "
		    "replace\n", env->conf);
		free(text);
		return -1;
	}
	out = str_printf("%.*s%s\n\n%s", (int)(sec - text), text, providers,
	    end);
	free(text);
	if (out == NULL)
		return -1;
	rc = e2e_env_write(env, "varsel.conf", out);
	free(out);
	return rc;
}

/* A twilio section at the fake Twilio. */
char *
e2e_twilio_section(const char *name, int port, int priority, double rate,
    int max_connections, const char *more)
{
	return str_printf("[provider %s]\n"
	    "type = twilio\n"
	    "priority = %d\n"
	    "base_url = http://127.0.0.1:%d\n"
	    "account_sid = %s\n"
	    "auth_token = %s\n"
	    "from = %s\n"
	    "rate = %g\n"
	    "max_connections = %d\n"
	    "%s\n",
	    name, priority, port, E2E_TWILIO_SID, E2E_TWILIO_TOKEN,
	    E2E_TWILIO_FROM, rate, max_connections, more ? more : "");
}

/* A 46elks section at the fake 46elks. */
char *
e2e_elks_section(const char *name, int port, int priority, double rate,
    int max_connections, const char *more)
{
	return str_printf("[provider %s]\n"
	    "type = 46elks\n"
	    "priority = %d\n"
	    "base_url = http://127.0.0.1:%d/a1\n"
	    "username = %s\n"
	    "password = %s\n"
	    "callback_secret = %s\n"
	    "from = Nykvarn\n"
	    "rate = %g\n"
	    "max_connections = %d\n"
	    "%s\n",
	    name, priority, port, E2E_ELKS_USER, E2E_ELKS_PASSWORD,
	    E2E_CALLBACK_SECRET, rate, max_connections, more ? more : "");
}

/* Start the fake Twilio and wait until it listens. */
int
e2e_spawn_twilio(struct e2e_env *env, struct e2e_proc *p,
    const char *const args[])
{
	const char *const fixed[] = { "--account-sid", E2E_TWILIO_SID,
		"--auth-token", E2E_TWILIO_TOKEN, NULL };

	return e2e_spawn_prog(env, p, "twilio", "fake_twilio", fixed, args);
}

/* Write the config with providers and start the daemon. */
int
e2e_start_providers(struct e2e_world *w, const char *providers,
    const char *dispatch)
{
	struct e2e_conf	c;

	memset(&c, 0, sizeof(c));
	c.dispatch = dispatch;
	if (e2e_env_config_providers(w->env, &c, providers) == -1)
		return -1;
	return e2e_spawn_daemon(w->env, &w->d);
}

/* Start the fake Twilio and the daemon with it as its one provider. */
int
e2e_start_twilio(struct e2e_world *w, const char *const args[], double rate,
    int max_connections, const char *dispatch)
{
	char	*tw;
	int	 rc;

	if (e2e_spawn_twilio(w->env, &w->tw, args) == -1 ||
	    (tw = e2e_twilio_section("tw", w->tw.port, 1, rate,
	    max_connections, NULL)) == NULL)
		return -1;
	rc = e2e_start_providers(w, tw, dispatch);
	free(tw);
	return rc;
}

/* Parameters in Twilio's signing order: by name, then by value. */
static int
e2e_kv_cmp(const void *pa, const void *pb)
{
	const struct kv	*a = *(const struct kv *const *)pa;
	const struct kv	*b = *(const struct kv *const *)pb;
	int		 c;

	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return strcmp(a->value, b->value);
}

/* X-Twilio-Signature of url and a form body. */
int
e2e_twilio_sign(const char *token, const char *url, const char *form,
    char *out, size_t len)
{
	struct kvlist	  l = { 0 };
	const struct kv	**v = NULL;
	unsigned char	  mac[EVP_MAX_MD_SIZE];
	unsigned int	  maclen = 0;
	char		 *msg = NULL;
	size_t		  msglen = 0, i;
	FILE		 *fp;
	int		  rc = -1;

	if (len < 29 || (form != NULL && form_parse(form, strlen(form),
	    &l) == -1))
		goto out;
	if (l.n > 0 && (v = calloc(l.n, sizeof(*v))) == NULL)
		goto out;
	for (i = 0; i < l.n; i++)
		v[i] = &l.v[i];
	if (l.n > 0)
		qsort(v, l.n, sizeof(*v), e2e_kv_cmp);
	if ((fp = open_memstream(&msg, &msglen)) == NULL)
		goto out;
	fputs(url, fp);
	for (i = 0; i < l.n; i++) {
		fputs(v[i]->name, fp);
		fputs(v[i]->value, fp);
	}
	if (fclose(fp) == 0 && HMAC(EVP_sha1(), token, (int)strlen(token),
	    (const unsigned char *)msg, msglen, mac, &maclen) != NULL &&
	    maclen == 20) {
		EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
		rc = 0;
	}
out:
	free(msg);
	free(v);
	kvlist_free(&l);
	return rc;
}
