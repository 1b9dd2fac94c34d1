/*
 * The fault suite (issue 11): varseld on a bad day. Each case starts the
 * real daemon against the fake 46elks (and the fake Twilio) on 127.0.0.1
 * and causes one fault: a provider outage of a while, a Retry-After of
 * an hour, the database locked by another process, a commit refused
 * while the provider is accepting, DNS that hangs, descriptors running
 * out under slow clients, big bodies without a token, the disk full,
 * callbacks pointed at this machine, malformed HTTP, a long outage with
 * thousands queued. Each asserts what the daemon must do and prints the
 * figure ("figure: ...") for the table.
 *
 * make check runs short versions; VARSEL_FAULTS=long (make check-faults)
 * runs them at the sizes: a 45 s outage, a 20 s lock, 2,000 slow
 * connections, 1,000 uploads, 100,000 queued for 10 minutes.
 * VARSEL_DAEMON=/path/to/an/older/varseld runs the same faults against
 * another build, to show what it did before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#ifndef FAULTS_GROUP
#define FAULTS_GROUP	1
#endif
/* A case of one group: the other group's program does not call it. */
#define FAULT_TEST	static void __attribute__((unused))

#define SEC	1000

/* The shipped [dispatch] retry settings (conf/varsel.conf). */
#define SHIPPED_DISPATCH \
	"max_attempts = 6\nretry_base_ms = 1000\nretry_max_ms = 300000\n" \
	"breaker_failures = 5\n"

static bool
long_run(void)
{
	const char	*v = getenv("VARSEL_FAULTS");

	return v != NULL && strcmp(v, "long") == 0;
}

/* A short run's size, or the issue's. */
static long
size(long quick, long full)
{
	return long_run() ? full : quick;
}

/* One line of the table, in the test's log. */
static void
figure(const char *fmt, ...)
{
	va_list	ap;

	printf("figure: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ---- the daemon seen from outside ------------------------------------ */

static long
file_size(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ms a GET of path took, or -1 when no 2xx came. */
static long
get_ms(const struct e2e_proc *d, const char *path, const char *token)
{
	char		 url[256], auth[128];
	const char	*h[] = { auth, NULL };
	long long	 t0 = e2e_now_ms();
	int		 status = 0;

	snprintf(url, sizeof(url), "%s%s", d->url, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    token != NULL ? token : "");
	if (e2e_http("GET", url, token != NULL ? h : NULL, NULL, &status,
	    NULL) == -1 || status < 200 || status > 299)
		return -1;
	return (long)(e2e_now_ms() - t0);
}

/* Latencies of requests, for a p99. */
struct lat {
	long	 v[4096];
	size_t	 n;
	size_t	 failed;
};

static void
lat_add(struct lat *l, long ms)
{
	if (ms < 0)
		l->failed++;
	else if (l->n < nitems(l->v))
		l->v[l->n++] = ms;
}

static int
long_cmp(const void *a, const void *b)
{
	long	x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (0-100) of what was measured. */
static long
lat_pct(struct lat *l, int p)
{
	size_t	i;

	if (l->n == 0)
		return -1;
	qsort(l->v, l->n, sizeof(l->v[0]), long_cmp);
	i = (l->n * (size_t)p + 99) / 100;
	return l->v[i == 0 ? 0 : i - 1];
}

/* Start the world: the fake 46elks, varseld with c (dispatch may be
 * NULL for the e2e default). */
static void
start(struct e2e_world *w, const char *const fake_args[],
    struct e2e_conf *c)
{
	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, fake_args), 0);
	c->fake_port = w->fake.port;
	assert_int_equal(e2e_env_config(w->env, c), 0);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
}

/* Post an alert of body (a %d for its source_ref's number). */
static long long
post(struct e2e_world *w, const char *group, int n, const char *severity,
    const char *more)
{
	char	body[512];
	static int seq;

	snprintf(body, sizeof(body), "{\"source_ref\": \"fault-%d\", "
	    "\"message\": \"Test av Varsel\", \"severity\": \"%s\", "
	    "\"audience\": {\"groups\": [\"%s\"]}%s}", ++seq, severity, group,
	    more != NULL ? more : "");
	return e2e_post_alert(&w->d, body, n);
}

/* ---- 1. a provider outage of minutes ---------------------------------- */

/*
 * The only provider answers 503 to everything for 45 s (5 s in a short
 * run, with backoff ten times faster), with the shipped retry settings:
 * nothing may fail, and everything is delivered soon after the provider
 * is back.
 */
FAULT_TEST
test_outage_delays_not_fails(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	char			 dispatch[256], ctl[64];
	long			 outage = size(5, 45) * SEC;
	long long		 id, t0, back;
	json_t			*a;

	/* Short: the backoff ten times faster, so the old limit of six
	 * attempts would be spent in 3 s of a 5 s outage. */
	snprintf(dispatch, sizeof(dispatch), "max_attempts = 6\n"
	    "retry_base_ms = %d\nretry_max_ms = 300000\n"
	    "breaker_failures = 5\nbreaker_cooldown_ms = %ld\n",
	    long_run() ? 1000 : 100, size(1000, 30000));
	c.dispatch = dispatch;
	start(w, NULL, &c);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 20, "nattvandrare",
	    false), 0);
	snprintf(ctl, sizeof(ctl), "outage-ms=%ld", outage);
	assert_int_equal(e2e_fake_control(&w->fake, ctl), 0);
	t0 = e2e_now_ms();
	id = post(w, "nattvandrare", 20, "severe", NULL);
	a = e2e_wait_alert(w, id, "counts.delivered", 20, true,
	    (int)(outage + size(20, 120) * SEC));
	back = e2e_now_ms() - t0 - outage;
	assert_int_equal(e2e_json_int(a, "counts.failed"), 0);
	assert_int_equal(e2e_json_int(a, "counts.expired"), 0);
	json_decref(a);
	figure("outage %lds of the only provider: 20 of 20 delivered %.1fs "
	    "after it came back, 0 failed; %lld requests to the provider",
	    outage / SEC, (double)back / SEC,
	    e2e_fake_stat(&w->fake, "requests"));
	assert_int_equal(e2e_finish(w), 0);
}

/* ---- 2. Retry-After: 3600 --------------------------------------------- */

/*
 * The first provider answers 429 with Retry-After: 3600; a healthy
 * second provider carries the channel. An extreme alert must not wait
 * an hour (nor retry_max_ms): it goes out through the second at once.
 */
FAULT_TEST
test_retry_after_fails_over(void **state)
{
	struct e2e_world	*w = *state;
	char			*elks, *tw, *both;
	long long		 id, t0, first;
	json_t			*a;

	assert_int_equal(e2e_spawn_fake(w->env, &w->fake, NULL), 0);
	assert_int_equal(e2e_spawn_twilio(w->env, &w->tw, NULL), 0);
	assert_non_null(elks = e2e_elks_section("elks", w->fake.port, 1, 1000,
	    8, NULL));
	assert_non_null(tw = e2e_twilio_section("tw", w->tw.port, 2, 1000, 8,
	    NULL));
	assert_non_null(both = str_printf("%s\n%s", elks, tw));
	assert_int_equal(e2e_start_providers(w, both, SHIPPED_DISPATCH
	    "breaker_cooldown_ms = 30000\n"), 0);
	free(elks);
	free(tw);
	free(both);
	assert_int_equal(e2e_fake_control(&w->fake, "outage-ms=3600000&"
	    "fail-status=429&retry-after=3600"), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 10, "nattvandrare",
	    false), 0);
	t0 = e2e_now_ms();
	id = post(w, "nattvandrare", 10, "extreme", NULL);
	a = e2e_wait_alert(w, id, "counts.sent+counts.delivered", 10, true,
	    10 * SEC);
	json_decref(a);
	figure("Retry-After 3600 from the first provider: the extreme alert "
	    "to 10 was with the second after %lldms; the first got %lld "
	    "requests", e2e_now_ms() - t0,
	    e2e_fake_stat(&w->fake, "requests"));
	/* The first answer paused it: at most the requests already on
	 * their way (its 8 connections), none after. */
	first = e2e_fake_stat(&w->fake, "requests");
	assert_in_range(first, 1, 8);
	assert_int_equal(e2e_fake_stat(&w->tw, "accepted"), 10);
	/* A moderate one, posted while the first is paused, too. */
	id = post(w, "nattvandrare", 10, "moderate", NULL);
	a = e2e_wait_alert(w, id, "counts.sent+counts.delivered", 10, true,
	    10 * SEC);
	json_decref(a);
	assert_int_equal(e2e_fake_stat(&w->fake, "requests"), first);
	assert_int_equal(e2e_finish(w), 0);
}

/* ---- 3 and 4. the database locked by another process ------------------ */

static sqlite3 *
lock_db(const char *path)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);
	return db;
}

static void
unlock_db(sqlite3 *db)
{
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
}

/*
 * Another process holds BEGIN EXCLUSIVE for 20 s (3 s short): /healthz
 * and GET /v1/alerts/{id} keep answering within 50 ms (p99), a new alert
 * is refused 503 at once (nothing half-accepted), /readyz says why, and
 * the first POST after the lock is accepted.
 */
FAULT_TEST
test_db_lock(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	struct lat		 health = { .n = 0 }, alert = { .n = 0 };
	sqlite3			*db;
	long long		 id, t0, end;
	long			 post_ms;
	json_t			*res;
	char			 path[64], body[256], *reasons;
	int			 status;

	start(w, NULL, &c);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 5, "nattvandrare", false),
	    0);
	id = post(w, "nattvandrare", 5, "severe", NULL);
	json_decref(e2e_wait_alert(w, id, "counts.delivered", 5, true,
	    10 * SEC));
	snprintf(path, sizeof(path), "/v1/alerts/%lld", id);

	db = lock_db(w->env->db);
	end = e2e_now_ms() + size(2, 20) * SEC;
	t0 = e2e_now_ms();
	snprintf(body, sizeof(body), "{\"source_ref\": \"locked\", \"message\": "
	    "\"Test\", \"audience\": {\"groups\": [\"nattvandrare\"]}}");
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	post_ms = (long)(e2e_now_ms() - t0);
	assert_int_equal(status, 503);
	assert_string_equal(e2e_json_str(res, "error.code"), "unavailable");
	json_decref(res);
	res = e2e_api(&w->d, NULL, "GET", "/readyz", NULL, &status);
	assert_int_equal(status, 503);
	reasons = json_dumps(json_object_get(res, "reasons"), 0);
	assert_non_null(reasons);
	assert_non_null(strstr(reasons, "database"));
	free(reasons);
	json_decref(res);
	while (e2e_now_ms() < end) {
		lat_add(&health, get_ms(&w->d, "/healthz", NULL));
		lat_add(&alert, get_ms(&w->d, path, E2E_TOKEN));
		usleep(20000);
	}
	unlock_db(db);
	figure("database locked %lds by another process: GET /healthz p99 "
	    "%ldms, GET /v1/alerts/{id} p99 %ldms (%zu samples, %zu failed), "
	    "POST /v1/alerts answered 503 in %ldms", size(2, 20),
	    lat_pct(&health, 99), lat_pct(&alert, 99), health.n + alert.n,
	    health.failed + alert.failed, post_ms);
	assert_int_equal(health.failed + alert.failed, 0);
	assert_in_range(lat_pct(&health, 99), 0, 50);
	assert_in_range(lat_pct(&alert, 99), 0, 50);
	assert_in_range(post_ms, 0, 200);
	/* Accepted again as soon as it can. */
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", body, &status);
	assert_int_equal(status, 202);
	json_decref(res);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * The provider accepts every SMS and reports them delivered while the
 * database refuses the commits for 6 s: the "sent" and the reports wait
 * in memory, nothing stays sending, the alert is done once the lock
 * goes, and after a SIGKILL and restart nothing is sent twice.
 */
FAULT_TEST
test_commit_refused_nothing_forgotten(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	const char		*args[] = { "--latency-ms", "300", NULL };
	sqlite3			*db;
	long long		 id;
	json_t			*a;

	c.max_connections = 64;		/* all 50 in flight at once */
	start(w, args, &c);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 50, "nattvandrare", false),
	    0);
	id = post(w, "nattvandrare", 50, "severe", NULL);
	/* The requests are with the provider when the lock comes. */
	usleep(100000);
	db = lock_db(w->env->db);
	assert_int_equal(e2e_wait_fake(w, &w->fake, "accepted", 50,
	    10 * SEC), 0);
	/* Reports come and are refused meanwhile; longer than the 5 s a
	 * write used to wait for a lock, so no waiting hides the fault. */
	sleep((unsigned int)size(6, 20));
	unlock_db(db);
	a = e2e_wait_alert(w, id, "counts.delivered", 50, true, 15 * SEC);
	assert_int_equal(e2e_json_int(a, "counts.sending"), 0);
	json_decref(a);
	/* Killed and started again: nothing is in doubt, nothing resent. */
	assert_int_equal(e2e_kill(&w->d, SIGKILL), 0);
	assert_int_equal(e2e_wait_exit(&w->d, 5000), 128 + SIGKILL);
	assert_int_equal(e2e_spawn_daemon(w->env, &w->d), 0);
	sleep(1);
	figure("commits refused %lds while the provider accepted 50 and "
	    "reported them: all 50 delivered once the lock went, 0 left "
	    "sending, %lld sent twice after a SIGKILL and restart",
	    size(6, 20), e2e_fake_stat(&w->fake, "duplicates"));
	assert_int_equal(e2e_fake_stat(&w->fake, "accepted"), 50);
	assert_int_equal(e2e_fake_stat(&w->fake, "duplicates"), 0);
	assert_int_equal(e2e_finish(w), 0);
}

/* ---- 5. DNS that hangs ------------------------------------------------- */

/* The fault shim built beside the tests (LD_PRELOAD). */
static const char *
shim(void)
{
	static char	path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/tests/faults/fault_shim.so",
	    e2e_builddir());
	return path;
}

/*
 * getaddrinfo of the provider's host hangs for 30 s (5 s short): the
 * loop keeps answering within 50 ms and SIGTERM ends the daemon in
 * about its grace time, not after the lookup.
 */
FAULT_TEST
test_slow_dns(void **state)
{
	struct e2e_world	*w = *state;
	struct lat		 health = { .n = 0 };
	static char		 preload[PATH_MAX + 64], ms[64];
	long long		 end, t0;
	long			 stop_ms;
	char			 extra[512];
	int			 rc;

	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", shim());
	snprintf(ms, sizeof(ms), "VARSEL_SLOW_DNS_MS=%ld",
	    size(3, 30) * SEC);
	w->env->daemon_env[0] = preload;
	w->env->daemon_env[1] = "VARSEL_SLOW_DNS_HOST=slow.invalid";
	w->env->daemon_env[2] = ms;
	w->env->daemon_env[3] = "ASAN_OPTIONS=verify_asan_link_order=0:"
	    "detect_leaks=0";
	/* The one provider, at a host whose lookup hangs. */
	snprintf(extra, sizeof(extra), "[provider slow]\ntype = 46elks\n"
	    "base_url = http://slow.invalid:9/a1\nusername = u\n"
	    "password = p\nfrom = Nykvarn\ncallback_secret = %s\n"
	    "timeout_ms = 1000\npriority = 1\n", E2E_CALLBACK_SECRET);
	assert_int_equal(e2e_start_providers(w, extra, NULL), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 5, "nattvandrare", false),
	    0);
	post(w, "nattvandrare", 5, "severe", NULL);
	end = e2e_now_ms() + size(2, 20) * SEC;
	while (e2e_now_ms() < end) {
		lat_add(&health, get_ms(&w->d, "/healthz", NULL));
		usleep(50000);
	}
	t0 = e2e_now_ms();
	rc = e2e_stop(&w->d, 15000);
	stop_ms = (long)(e2e_now_ms() - t0);
	figure("getaddrinfo hanging %lds: GET /healthz p99 %ldms (%zu samples, "
	    "%zu failed); SIGTERM to exit %ldms", size(3, 30),
	    lat_pct(&health, 99), health.n, health.failed, stop_ms);
	assert_int_equal(rc, 0);
	assert_int_equal(health.failed, 0);
	assert_in_range(lat_pct(&health, 99), 0, 50);
	assert_in_range(stop_ms, 0, 3000);
}

/* ---- 6 and 7. descriptors and memory under hostile clients ------------- */

/* Raise our own descriptor limit for the clients we open. */
static void
own_nofile(long n)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && (long)rl.rlim_cur < n) {
		rl.rlim_cur = (rlim_t)n < rl.rlim_max ? (rlim_t)n :
		    rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * 2,000 slow connections (1,100 short) trickling a request under a
 * 1,024 descriptor limit: accept never spins (a handful of log lines,
 * little CPU), and a normal request answers within 100 ms.
 */
FAULT_TEST
test_slowloris(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	struct lat		 normal = { .n = 0 };
	static const char	 part[] = "POST /v1/alerts HTTP/1.1\r\nHost: x\r\n";
	long			 n = size(1100, 2000), opened = 0, i;
	long			 cpu0, cpu1, log0, log1;
	long long		 end;
	int			*fds;

	w->env->nofile = 1024;
	own_nofile(n + 256);
	start(w, NULL, &c);
	fds = calloc((size_t)n, sizeof(*fds));
	assert_non_null(fds);
	cpu0 = (long)e2e_proc_cpu_ms(w->d.pid);
	log0 = file_size(w->d.log);
	for (i = 0; i < n; i++) {
		if ((fds[i] = e2e_connect(w->d.port, SOCK_NONBLOCK)) == -1)
			continue;
		opened++;
		(void)write(fds[i], part, 5);	/* "POST " and no more */
	}
	end = e2e_now_ms() + size(3, 30) * SEC;
	while (e2e_now_ms() < end) {
		/* A byte now and then: the request never ends. */
		for (i = 0; i < n; i++)
			if (fds[i] != -1)
				(void)write(fds[i], part + 5, 1);
		lat_add(&normal, get_ms(&w->d, "/healthz", NULL));
		usleep(200000);
	}
	cpu1 = (long)e2e_proc_cpu_ms(w->d.pid);
	log1 = file_size(w->d.log);
	figure("%ld slow connections under a 1024 descriptor limit for %lds: "
	    "a normal request p50 %ldms p99 %ldms (%zu, %zu failed); daemon "
	    "CPU %ldms, log +%ld bytes", opened, size(3, 30),
	    lat_pct(&normal, 50), lat_pct(&normal, 99), normal.n,
	    normal.failed, cpu1 - cpu0, log1 - log0);
	assert_int_equal(normal.failed, 0);
	assert_in_range(lat_pct(&normal, 99), 0, 100);
	/* No spinning: far from a core's worth, and a quiet log. */
	assert_in_range(cpu1 - cpu0, 0, size(3, 30) * SEC / 4);
	assert_in_range(log1 - log0, 0, 200000);
	for (i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * 1,000 connections (200 short) each announce a 2 MB body with a bad
 * token and start sending it: each is refused from its headers, no
 * body is held, and the daemon's RSS stays under 100 MB.
 */
FAULT_TEST
test_bad_token_uploads(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	static char		 chunk[65536];
	static const char	 head[] = "POST /v1/alerts HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Bearer not-a-token\r\nContent-Type: "
	    "application/json\r\nContent-Length: 2097152\r\n\r\n";
	long			 n = size(200, 1000), i, k, peak = 0, rss, rss0;
	int			*fds;

	own_nofile(n + 256);
	c.gateway = "max_body_bytes = 4194304";
	/* ASan would keep what the daemon frees (its quarantine) in RSS. */
	if (e2e_sanitized())
		w->env->daemon_env[0] = "ASAN_OPTIONS=abort_on_error=1:"
		    "detect_leaks=1:quarantine_size_mb=0";
	start(w, NULL, &c);
	rss0 = e2e_proc_kb(w->d.pid, "VmRSS");
	memset(chunk, '{', sizeof(chunk));
	fds = calloc((size_t)n, sizeof(*fds));
	assert_non_null(fds);
	for (i = 0; i < n; i++)
		if ((fds[i] = e2e_connect(w->d.port, SOCK_NONBLOCK)) != -1)
			(void)write(fds[i], head, sizeof(head) - 1);
	/* Push the bodies for a while, as fast as the daemon lets us. */
	for (k = 0; k < 32; k++) {
		for (i = 0; i < n; i++)
			if (fds[i] != -1)
				(void)write(fds[i], chunk, sizeof(chunk));
		if ((rss = e2e_proc_kb(w->d.pid, "VmRSS")) > peak)
			peak = rss;
	}
	figure("%ld uploads of 2 MB with a bad token: daemon RSS peak %ld MB "
	    "(%ld MB at start)", n, peak / 1024, rss0 / 1024);
	if (e2e_sanitized())
		assert_in_range(peak - rss0, 0, 64 * 1024);
	else
		assert_in_range(peak, 1, 100 * 1024);
	assert_in_range(get_ms(&w->d, "/healthz", NULL), 0, 1000);
	for (i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
	assert_int_equal(e2e_finish(w), 0);
}

/* ---- 8. honest health ---------------------------------------------------- */

/* The daemon's clock file (VARSEL_TEST_CLOCK) says ms. */
static void
write_clock(struct e2e_world *w, long long ms)
{
	char	text[32];

	snprintf(text, sizeof(text), "%lld\n", ms);
	assert_int_equal(e2e_env_write(w->env, "clock", text), 0);
}

/* /readyz answers 200. */
static bool
ready_cb(void *arg)
{
	struct e2e_world	*w = arg;
	json_t			*res;
	int			 status;

	res = e2e_api(&w->d, NULL, "GET", "/readyz", NULL, &status);
	json_decref(res);
	return status == 200;
}

/* /readyz's reasons as one JSON text (to free), and its status. */
static char *
ready_reasons(struct e2e_world *w, int *status)
{
	json_t	*res;
	char	*reasons;

	res = e2e_api(&w->d, NULL, "GET", "/readyz", NULL, status);
	reasons = json_dumps(json_object_get(res, "reasons"),
	    JSON_ENCODE_ANY);
	json_decref(res);
	return reasons != NULL ? reasons : strdup("null");
}

/*
 * The disk fills up (writes to the database fail with ENOSPC): /healthz
 * stays 200 (the loop lives), /readyz is 503 "database: disk full",
 * /metrics needs a token, and alerts are taken again once there is room.
 * A nearly full disk takes small writes and fails large ones, so /readyz
 * stays 503 for 30 s after the last failed write (moved on by the
 * daemon's test clock here) before it says ready again.
 */
FAULT_TEST
test_disk_full(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	static char		 preload[PATH_MAX + 64], flag_env[PATH_MAX + 64];
	static char		 clock_env[PATH_MAX + 64];
	char			 flag[PATH_MAX];
	json_t			*res;
	char			*reasons;
	long long		 t0 = e2e_now_ms();
	int			 status, fd;

	snprintf(flag, sizeof(flag), "%s/disk-full", w->env->dir);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", shim());
	snprintf(flag_env, sizeof(flag_env), "VARSEL_DISK_FULL_FLAG=%s", flag);
	snprintf(clock_env, sizeof(clock_env), "VARSEL_TEST_CLOCK=%s/clock",
	    w->env->dir);
	write_clock(w, t0);
	w->env->daemon_env[0] = preload;
	w->env->daemon_env[1] = flag_env;
	w->env->daemon_env[2] = "ASAN_OPTIONS=verify_asan_link_order=0:"
	    "detect_leaks=0";
	w->env->daemon_env[3] = clock_env;
	start(w, NULL, &c);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 5, "nattvandrare", false),
	    0);
	assert_true((fd = open(flag, O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", "{\"source_ref\": "
	    "\"full\", \"message\": \"Test\", \"audience\": {\"groups\": "
	    "[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 503);
	json_decref(res);
	res = e2e_api(&w->d, NULL, "GET", "/healthz", NULL, &status);
	assert_int_equal(status, 200);
	json_decref(res);
	reasons = ready_reasons(w, &status);
	assert_int_equal(status, 503);
	figure("disk full: /healthz 200, /readyz 503 %s, POST /v1/alerts 503",
	    reasons);
	assert_non_null(strstr(reasons, "database: disk full"));
	free(reasons);
	unlink(flag);
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", "{\"source_ref\": "
	    "\"room\", \"message\": \"Test\", \"audience\": {\"groups\": "
	    "[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 202);
	json_decref(res);
	/* Writes pass again; /readyz holds back for a while yet. */
	reasons = ready_reasons(w, &status);
	assert_int_equal(status, 503);
	assert_non_null(strstr(reasons, "database: a write met a full disk"));
	free(reasons);
	write_clock(w, e2e_now_ms() + 31 * SEC);
	assert_int_equal(e2e_kill(&w->d, SIGUSR2), 0);
	assert_int_equal(e2e_wait_until(ready_cb, w, 10 * SEC), 0);
	res = e2e_api(&w->d, NULL, "GET", "/metrics", NULL, &status);
	assert_int_equal(status, 401);
	json_decref(res);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * Less room under the database than min_free_mb: /readyz is 503 and
 * says how much is free; alerts are still taken (the disk is not full).
 */
FAULT_TEST
test_low_space(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	json_t			*res;
	char			*reasons;
	int			 status;

	c.gateway = "min_free_mb = 1048576";	/* a terabyte */
	start(w, NULL, &c);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 2, "nattvandrare", false),
	    0);
	reasons = ready_reasons(w, &status);
	figure("less free than min_free_mb: /readyz %d %s", status, reasons);
	assert_int_equal(status, 503);
	assert_non_null(strstr(reasons, "MB free on its disk, under "
	    "min_free_mb = 1048576"));
	free(reasons);
	res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", "{\"source_ref\": "
	    "\"low\", \"message\": \"Test\", \"audience\": {\"groups\": "
	    "[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 202);
	json_decref(res);
	assert_int_equal(e2e_finish(w), 0);
}

/* ---- 9. callbacks that point inside ------------------------------------- */

/*
 * callback_url at the cloud metadata service or loopback is 422 naming
 * callback_url; a listed name that resolves to loopback is refused when
 * the event is sent (checked on the resolved address).
 */
FAULT_TEST
test_callback_inside(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	static const char *const bad[] = {
		"http://169.254.169.254/latest/meta-data/",
		"http://[::1]:8080/x", "http://10.0.0.5/hook",
		"http://evil.example/hook",
	};
	char			 body[512], extra[512], sha[65];
	json_t			*res;
	size_t			 i;
	int			 status;

	sha256_hex("named-token-0123456789", 22, sha);
	snprintf(extra, sizeof(extra), "[client named]\ntoken_sha256 = %s\n"
	    "scopes = alerts:write alerts:read\n%s", sha,
	    e2e_old() ? "" : "callback_hosts = localhost\n");
	c.extra = extra;
	start(w, NULL, &c);
	assert_int_equal(e2e_add_contacts(&w->d, 0, 2, "nattvandrare", false),
	    0);
	for (i = 0; i < nitems(bad); i++) {
		snprintf(body, sizeof(body), "{\"source_ref\": \"cb-%zu\", "
		    "\"message\": \"Test\", \"callback_url\": \"%s\", "
		    "\"audience\": {\"groups\": [\"nattvandrare\"]}}", i,
		    bad[i]);
		res = e2e_api(&w->d, E2E_TOKEN, "POST", "/v1/alerts", body,
		    &status);
		assert_int_equal(status, 422);
		assert_string_equal(e2e_json_str(res, "error.field"),
		    "callback_url");
		json_decref(res);
	}
	/* localhost is listed by name; it resolves to 127.0.0.1, which is
	 * not: the event is refused on the address. */
	snprintf(body, sizeof(body), "{\"source_ref\": \"cb-named\", "
	    "\"message\": \"Test\", \"callback_url\": \"http://localhost:%d/"
	    "_hook/x\", \"audience\": {\"groups\": [\"nattvandrare\"]}}",
	    w->fake.port);
	res = e2e_api(&w->d, "named-token-0123456789", "POST", "/v1/alerts",
	    body, &status);
	assert_int_equal(status, 202);
	json_decref(res);
	sleep(3);
	figure("callback_url at metadata, loopback, private or unlisted "
	    "hosts: 422; a listed name resolving to 127.0.0.1: refused at "
	    "connect (%s)", e2e_log_contains(&w->d, "refused to connect to "
	    "127.0.0.1") ? "logged" : "NOT logged");
	assert_true(e2e_log_contains(&w->d, "refused to connect to "
	    "127.0.0.1"));
	assert_int_equal(e2e_fake_stat(&w->fake, "hooks"), 0);
	assert_int_equal(e2e_finish(w), 0);
}

/* ---- 10. errors of the HTTP layer ------------------------------------ */

/* Send raw bytes on a new connection and read the answer (blocking). */
static char *
raw(const struct e2e_proc *d, const char *req, size_t len)
{
	char		*out = calloc(1, 65536);
	size_t		 n = 0;
	ssize_t		 r;
	struct pollfd	 pfd;
	int		 fd = e2e_connect(d->port, SOCK_NONBLOCK);

	assert_true(fd != -1);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	poll(&pfd, 1, 2000);
	while (len > 0 && (r = write(fd, req, len)) > 0) {
		req += r;
		len -= (size_t)r;
	}
	pfd.events = POLLIN;
	while (n < 65535 && poll(&pfd, 1, 3000) > 0 &&
	    (r = read(fd, out + n, 65535 - n)) > 0)
		n += (size_t)r;
	close(fd);
	return out;
}

/* The HTTP layer's own errors are the JSON error body, never 5xx. */
FAULT_TEST
test_http_errors(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	static const struct {
		const char	*req;
		const char	*status;
		const char	*code;
	} cases[] = {
		{ "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", "405",
		    "method_not_allowed" },
		{ "FOO /v1/alerts HTTP/1.1\r\nHost: x\r\n\r\n", "405",
		    "method_not_allowed" },
		{ "POST /v1/alerts HTTP/1.1\r\nHost: x\r\nContent-Length: "
		    "99999999\r\n\r\n", "413", "too_large" },
		{ "GET / HTTP/9.9\r\n\r\n", "400", "invalid_request" },
		{ "POST /hooks/elks/sms?s=" E2E_CALLBACK_SECRET " HTTP/1.1\r\n"
		    "Host: x\r\nContent-Type: application/x-www-form-urlencoded"
		    "\r\nContent-Length: 25\r\n\r\nfrom=%2B4670&message=%ff%",
		    "400", "invalid_request" },
	};
	char	*big, *out;
	size_t	 i;

	start(w, NULL, &c);
	for (i = 0; i < nitems(cases); i++) {
		out = raw(&w->d, cases[i].req, strlen(cases[i].req));
		if (strncmp(out + 9, cases[i].status, 3) != 0 ||
		    strstr(out, cases[i].code) == NULL ||
		    strstr(out, "application/json") == NULL)
			fail_msg("%s: %.200s", cases[i].req, out);
		free(out);
	}
	/* Headers over the limit. */
	assert_non_null(big = calloc(1, 70000));
	strcpy(big, "GET /healthz HTTP/1.1\r\nX-Big: ");
	memset(big + strlen(big), 'a', 65000);
	strcat(big, "\r\n\r\n");
	out = raw(&w->d, big, strlen(big));
	assert_memory_equal(out + 9, "431", 3);
	assert_non_null(strstr(out, "headers_too_large"));
	free(out);
	free(big);
	figure("HTTP layer errors: TRACE and FOO 405, a 99 MB body 413, a 65 "
	    "kB header 431, HTTP/9.9 400, a malformed webhook form 400: all "
	    "JSON error bodies");
	assert_int_equal(e2e_finish(w), 0);
}

/* ---- 11. a long outage with thousands queued ----------------------------- */

/*
 * The provider is down while 2,000 (100,000 long) deliveries wait for
 * 20 s (10 min long): the log grows by a few lines a minute, the
 * attempt log stays bounded and the daemon's RSS stays flat.
 */
FAULT_TEST
test_quiet_outage(void **state)
{
	struct e2e_world	*w = *state;
	struct e2e_conf		 c = { 0 };
	long			 n = size(1000, 100000);
	long			 secs = size(8, 600);
	long			 log0, log1, rss0, rss1, peak = 0, rss;
	long long		 end;
	sqlite3			*db;
	sqlite3_stmt		*st;
	long			 attempts = -1;

	c.dispatch = SHIPPED_DISPATCH "breaker_cooldown_ms = 30000\n";
	start(w, NULL, &c);
	assert_int_equal(e2e_fake_control(&w->fake, "outage-ms=86400000"), 0);
	assert_int_equal(e2e_add_contacts(&w->d, 0, (int)n, "residents",
	    false), 0);
	post(w, "residents", (int)n, "minor", NULL);
	sleep(3);
	log0 = file_size(w->d.log);
	rss0 = e2e_proc_kb(w->d.pid, "VmRSS");
	end = e2e_now_ms() + secs * SEC;
	while (e2e_now_ms() < end) {
		if ((rss = e2e_proc_kb(w->d.pid, "VmRSS")) > peak)
			peak = rss;
		sleep(1);
	}
	log1 = file_size(w->d.log);
	rss1 = e2e_proc_kb(w->d.pid, "VmRSS");
	/* A connection of our own, as another process would read it. */
	assert_int_equal(sqlite3_open(w->env->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM attempts", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		attempts = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	figure("provider down %lds with %ld queued: log %ld bytes/min, "
	    "attempt rows %ld, RSS %ld -> %ld MB (peak %ld MB)", secs, n,
	    (log1 - log0) * 60 / secs, attempts, rss0 / 1024, rss1 / 1024,
	    peak / 1024);
	assert_in_range((log1 - log0) * 60 / secs, 0, 20000);
	assert_in_range(attempts, 0, 200);
	if (e2e_sanitized())
		assert_in_range(peak - rss0, 0, 64 * 1024);
	else
		assert_in_range(peak, 0, 64 * 1024);
	assert_int_equal(e2e_finish(w), 0);
}

/*
 * Two groups, built as two programs from this file so make -j check
 * runs them side by side: what faults the database and the HTTP layer
 * (FAULTS_GROUP 1), and what loads the daemon for seconds (2).
 */
int
main(void)
{
	const struct CMUnitTest tests[] = {
#if FAULTS_GROUP == 1
		E2E_TEST(test_http_errors),
		E2E_TEST(test_callback_inside),
		E2E_TEST(test_retry_after_fails_over),
		E2E_TEST(test_db_lock),
		E2E_TEST(test_commit_refused_nothing_forgotten),
		E2E_TEST(test_disk_full),
		E2E_TEST(test_low_space),
#else
		E2E_TEST(test_slow_dns),
		E2E_TEST(test_bad_token_uploads),
		E2E_TEST(test_slowloris),
		E2E_TEST(test_outage_delays_not_fails),
		E2E_TEST(test_quiet_outage),
#endif
	};

	/* One case by name (a glob): VARSEL_FAULTS_ONLY=test_quiet_outage. */
	if (getenv("VARSEL_FAULTS_ONLY") != NULL)
		cmocka_set_test_filter(getenv("VARSEL_FAULTS_ONLY"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
