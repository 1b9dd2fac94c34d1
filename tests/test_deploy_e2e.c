/*
 * The deployed daemon end to end: varseld serving HTTPS with a
 * throwaway self-signed certificate (made here with libcrypto), the
 * 46elks callback URLs under an https public_url, plain HTTP on the TLS
 * port refused without harm, the certificate replaced on SIGHUP (a bad
 * pair keeps the old one); and the systemd notify protocol as a real
 * varseld speaks it: READY=1 once it listens, WATCHDOG=1 from its loop
 * (and none while the process is stopped), STOPPING=1 at SIGTERM.
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

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define WAIT_MS		20000
#define PHONE		"+46701740605"

/* One test's world. */
struct t {
	struct e2e_env	*env;
	struct e2e_proc	 fake;
	struct e2e_proc	 d;
	char		 base[96];	/* "https://127.0.0.1:PORT" once the
					   daemon listens */
};

/* What an HTTPS call answered. */
struct answer {
	CURLcode	 rc;
	long		 status;
	char		*body;
	size_t		 len;
	char		 headers[4096];	/* the first 4 KiB of them */
};

/* Run argv[0] with argv, its output appended to log; its exit code. */
static int
run_logged(const char *log, char *const argv[])
{
	pid_t	pid;
	int	st, fd;

	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND,
		    0644)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		unsetenv("VARSEL_CACERT");
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/*
 * varselctl -u base [-C ca] groups, its output to dir/ctl.log; its exit
 * code.
 */
static int
ctl_groups(const struct t *t, const char *ca)
{
	char	 exe[PATH_MAX], log[PATH_MAX];
	char	*argv[] = { exe, "-u", (char *)t->base, "-t", E2E_TOKEN,
		    "groups", NULL, NULL, NULL };

	snprintf(exe, sizeof(exe), "%s/varselctl", e2e_builddir());
	snprintf(log, sizeof(log), "%s/ctl.log", t->env->dir);
	if (ca != NULL) {
		argv[5] = "-C";
		argv[6] = (char *)ca;
		argv[7] = "groups";
	}
	return run_logged(log, argv);
}

/* varseld -n -c dir/varsel.conf, its output to dir/check.log; its exit. */
static int
check_conf(const struct t *t)
{
	char	 exe[PATH_MAX], conf[PATH_MAX], log[PATH_MAX];
	char	*argv[] = { exe, "-n", "-c", conf, NULL };

	snprintf(exe, sizeof(exe), "%s/varseld", e2e_builddir());
	snprintf(conf, sizeof(conf), "%s/varsel.conf", t->env->dir);
	snprintf(log, sizeof(log), "%s/check.log", t->env->dir);
	return run_logged(log, argv);
}

static int
setup(void **state)
{
	struct t	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->env = e2e_env_new()) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t	*t = *state;

	e2e_env_free(t->env);
	free(t);
	return 0;
}

/*
 * A self-signed certificate for 127.0.0.1 (CN cn) and its key, as
 * dir/name.crt and dir/name.key (0600).
 */
static void
make_cert(const char *dir, const char *name, const char *cn, long serial)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;
	X509_NAME	*subj;
	EVP_PKEY	*key;
	X509		*x;
	FILE		*fp;
	char		 path[512];

	assert_non_null(key = EVP_EC_gen("P-256"));
	assert_non_null(x = X509_new());
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 90 * 86400L);
	X509_set_pubkey(x, key);
	subj = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, subj);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	assert_non_null(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_subject_alt_name, "IP:127.0.0.1"));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);

	snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(PEM_write_X509(fp, x), 1);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* Copy dir/from to dir/to. */
static void
copy_file(const char *dir, const char *from, const char *to)
{
	char	 a[512], b[512], buf[8192];
	FILE	*in, *out;
	size_t	 n;

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s.tmp", dir, to);
	assert_non_null(in = fopen(a, "r"));
	assert_non_null(out = fopen(b, "w"));
	chmod(b, 0600);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	snprintf(a, sizeof(a), "%s/%s", dir, to);
	assert_int_equal(rename(b, a), 0);
}

static size_t
answer_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	char		*np;

	if ((np = realloc(a->body, a->len + size * n + 1)) == NULL)
		return 0;
	a->body = np;
	memcpy(a->body + a->len, p, size * n);
	a->len += size * n;
	a->body[a->len] = '\0';
	return size * n;
}

/* Keep the answer's header lines, as many as fit. */
static size_t
answer_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	size_t		 have = strlen(a->headers);

	if (have + size * n < sizeof(a->headers)) {
		memcpy(a->headers + have, p, size * n);
		a->headers[have + size * n] = '\0';
	}
	return size * n;
}

/*
 * One call to url. ca: the file to trust (NULL: the system's store);
 * tls11: offer TLS 1.0 and 1.1 only (the client's security level
 * lowered so that it may); token adds the bearer; body is posted as
 * content_type.
 */
static void
call(const char *method, const char *url, const char *ca, bool tls11,
    const char *token, const char *content_type, const char *body,
    struct answer *a)
{
	struct curl_slist	*h = NULL;
	char			 line[256];
	CURL			*c;

	memset(a, 0, sizeof(*a));
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, answer_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, answer_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	if (ca != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (tls11) {
		curl_easy_setopt(c, CURLOPT_SSLVERSION,
		    (long)(CURL_SSLVERSION_TLSv1 | CURL_SSLVERSION_MAX_TLSv1_1));
		curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST,
		    "DEFAULT:@SECLEVEL=0");
	}
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, line);
	}
	if (content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		h = curl_slist_append(h, line);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	a->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* Does GET /healthz over HTTPS, trusting only dir/ca, answer 200? */
static bool
healthy_with(struct t *t, const char *ca)
{
	struct answer	a;
	char		url[160], path[512];
	bool		ok;

	snprintf(url, sizeof(url), "%s/healthz", t->base);
	snprintf(path, sizeof(path), "%s/%s", t->env->dir, ca);
	call("GET", url, path, false, NULL, NULL, NULL, &a);
	ok = a.rc == CURLE_OK && a.status == 200;
	free(a.body);
	return ok;
}

/* Arguments of the wait for a served certificate. */
struct serve_wait {
	struct t	*t;
	const char	*ca;
};

static bool
serves_cb(void *arg)
{
	struct serve_wait	*w = arg;

	return healthy_with(w->t, w->ca);
}

/* The delivered count of alert id reached want? */
struct dlr_wait {
	struct t	*t;
	long long	 id;
	long long	 want;
	char		 ca[512];
};

static bool
delivered_cb(void *arg)
{
	struct dlr_wait	*w = arg;
	struct answer	 a;
	json_t		*j;
	char		 url[160];
	bool		 ok;

	snprintf(url, sizeof(url), "%s/v1/alerts/%lld", w->t->base, w->id);
	call("GET", url, w->ca, false, E2E_TOKEN, NULL, NULL, &a);
	j = a.body != NULL ? e2e_json_parse(a.body) : NULL;
	ok = j != NULL && e2e_json_int(j, "counts.delivered") >= w->want;
	json_decref(j);
	free(a.body);
	return ok;
}

/* The whendelivered URL the fake got for PHONE, or NULL. */
static char *
whendelivered(struct t *t)
{
	json_t	*j;
	char	 path[128];
	char	*url = NULL;

	snprintf(path, sizeof(path), "/_received?to=%%2B%s", PHONE + 1);
	if ((j = e2e_fake_get(&t->fake, path)) == NULL)
		return NULL;
	if (json_array_size(j) > 0 && e2e_json_str(json_array_get(j, 0),
	    "whendelivered") != NULL)
		url = strdup(e2e_json_str(json_array_get(j, 0),
		    "whendelivered"));
	json_decref(j);
	return url;
}

static bool
whendelivered_cb(void *arg)
{
	char	*url = whendelivered(arg);

	free(url);
	return url != NULL;
}

/* Has the daemon said that it kept its old certificate? */
static bool
reload_refused_cb(void *arg)
{
	return e2e_log_contains(arg, "TLS certificate not reloaded, keeping "
	    "the old one");
}

/*
 * The configuration: HTTPS on a port the daemon gets (public_url follows
 * it, https), the fake 46elks.
 */
static void
write_conf(struct t *t)
{
	char	 sha[65], *text;

	sha256_hex(E2E_TOKEN, strlen(E2E_TOKEN), sha);
	text = str_printf("[gateway]\n"
	    "listen = 127.0.0.1:0\n"
	    "database = varsel.db\n"
	    "port_file = varseld.port\n"
	    "templates = %s/templates\n"
	    "tls_cert = tls.crt\n"
	    "tls_key = tls.key\n"
	    "[dispatch]\nretry_base_ms = 50\nretry_max_ms = 200\n"
	    "[provider elks]\ntype = 46elks\n"
	    "base_url = http://127.0.0.1:%d/a1\n"
	    "from = Nykvarn\nusername = %s\npassword = %s\n"
	    "callback_secret = %s\n"
	    "[client e2e]\ntoken_sha256 = %s\n"
	    "scopes = alerts:write alerts:read contacts:write contacts:read\n"
	    "[user anna]\npassword_hash = $scrypt$ln=10,r=8,p=1"
	    "$Zm9vYmFyYmF6cXV4cXV1eA"
	    "$giPl5EtHEOW19sodafF8G3taYH/ujamLtFwK1z1dn6U\nrole = viewer\n",
	    e2e_srcdir(), t->fake.port, E2E_ELKS_USER,
	    E2E_ELKS_PASSWORD, E2E_CALLBACK_SECRET, sha);
	assert_non_null(text);
	assert_int_equal(e2e_env_write(t->env, "varsel.conf", text), 0);
	free(text);
}

/* HTTPS, callbacks over it, plain HTTP refused, reload on SIGHUP. */
static void
test_tls(void **state)
{
	struct t		*t = *state;
	const char *const	 fake_args[] = { "--no-dlr", NULL };
	struct serve_wait	 sw = { t, "b.crt" };
	struct dlr_wait		 dw;
	struct answer		 a;
	json_t			*j;
	char			 url[256], ca[512], *hook, form[256];
	char			 keyfile[PATH_MAX];

	make_cert(t->env->dir, "a", "varsel-a", 1);
	make_cert(t->env->dir, "b", "varsel-b", 2);
	copy_file(t->env->dir, "a.crt", "tls.crt");
	copy_file(t->env->dir, "a.key", "tls.key");
	assert_int_equal(e2e_spawn_fake(t->env, &t->fake, fake_args), 0);
	write_conf(t);
	assert_int_equal(check_conf(t), 0);
	assert_int_equal(e2e_spawn_daemon(t->env, &t->d), 0);
	snprintf(t->base, sizeof(t->base), "https://127.0.0.1:%d", t->d.port);
	snprintf(ca, sizeof(ca), "%s/a.crt", t->env->dir);

	/* HTTPS with the certificate; nothing else trusts it. */
	assert_true(healthy_with(t, "a.crt"));
	assert_false(healthy_with(t, "b.crt"));
	snprintf(url, sizeof(url), "%s/healthz", t->base);
	call("GET", url, NULL, false, NULL, NULL, NULL, &a);
	assert_int_not_equal(a.rc, CURLE_OK);
	free(a.body);
	/* TLS 1.1 is refused even to a client that would take it. */
	call("GET", url, ca, true, NULL, NULL, NULL, &a);
	assert_int_not_equal(a.rc, CURLE_OK);
	free(a.body);
	/* varselctl trusts the self-signed certificate it is given. */
	assert_int_equal(ctl_groups(t, ca), 0);
	assert_int_equal(ctl_groups(t, NULL), 1);

	/* Plain HTTP to the TLS port gets no answer, and harms nothing. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", t->d.port);
	call("GET", url, NULL, false, NULL, NULL, NULL, &a);
	assert_true(a.rc != CURLE_OK || a.status != 200);
	free(a.body);
	assert_true(e2e_alive(&t->d));
	assert_true(healthy_with(t, "a.crt"));

	/* A console login over HTTPS: the cookie is Secure, HSTS is on. */
	snprintf(url, sizeof(url), "%s/v1/session", t->base);
	call("POST", url, ca, false, NULL, "application/json",
	    "{\"name\":\"anna\",\"password\":\"correct horse battery\"}",
	    &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.headers, "varsel_session="));
	assert_non_null(strstr(a.headers, "; HttpOnly; SameSite=Strict; "
	    "Secure\r\n"));
	assert_non_null(strstr(a.headers, "Strict-Transport-Security: "
	    "max-age="));
	free(a.body);

	/* An alert over HTTPS; the provider gets https callback URLs. */
	snprintf(url, sizeof(url), "%s/v1/contacts", t->base);
	call("POST", url, ca, false, E2E_TOKEN, "application/json",
	    "{\"contacts\":[{\"phone\":\"" PHONE "\",\"groups\":[\"g\"]}]}",
	    &a);
	assert_int_equal(a.status, 200);
	free(a.body);
	snprintf(url, sizeof(url), "%s/v1/alerts", t->base);
	call("POST", url, ca, false, E2E_TOKEN, "application/json",
	    "{\"source_ref\":\"tls-1\",\"message\":\"Prov\","
	    "\"audience\":{\"groups\":[\"g\"]}}", &a);
	assert_int_equal(a.status, 202);
	assert_non_null(j = e2e_json_parse(a.body));
	dw.t = t;
	dw.id = e2e_json_int(j, "id");
	dw.want = 1;
	snprintf(dw.ca, sizeof(dw.ca), "%s", ca);
	json_decref(j);
	free(a.body);
	assert_int_equal(e2e_wait_until(whendelivered_cb, t, WAIT_MS), 0);
	hook = whendelivered(t);
	snprintf(url, sizeof(url), "%s/hooks/elks/status?s=", t->base);
	assert_non_null(hook);
	assert_memory_equal(hook, url, strlen(url));
	/* The report, as 46elks would post it, over TLS. */
	assert_non_null(j = e2e_fake_get(&t->fake, "/_received?to=%2B"
	    "46701740605"));
	snprintf(form, sizeof(form), "id=%s&status=delivered&"
	    "delivered=2026-12-07T02%%3A00%%3A00.000000",
	    e2e_json_str(json_array_get(j, 0), "id"));
	json_decref(j);
	call("POST", hook, ca, false, NULL,
	    "application/x-www-form-urlencoded", form, &a);
	assert_int_equal(a.status, 200);
	free(a.body);
	free(hook);
	assert_int_equal(e2e_wait_until(delivered_cb, &dw, WAIT_MS), 0);

	/* A key that is not the certificate's: the old pair stays. */
	copy_file(t->env->dir, "b.crt", "tls.crt");
	assert_int_equal(check_conf(t), 1);	/* varseld -n says so too */
	assert_int_equal(e2e_kill(&t->d, SIGHUP), 0);
	assert_int_equal(e2e_wait_until(reload_refused_cb, &t->d, WAIT_MS),
	    0);
	assert_true(healthy_with(t, "a.crt"));
	assert_false(healthy_with(t, "b.crt"));

	/* The renewed pair: served after SIGHUP, without a restart. */
	copy_file(t->env->dir, "b.key", "tls.key");
	snprintf(keyfile, sizeof(keyfile), "%s/tls.key", t->env->dir);
	assert_int_equal(chmod(keyfile, 0644), 0);
	assert_int_equal(e2e_kill(&t->d, SIGHUP), 0);
	assert_int_equal(e2e_wait_until(serves_cb, &sw, WAIT_MS), 0);
	assert_false(healthy_with(t, "a.crt"));
	/* A key others can read is served, and warned about. */
	assert_true(e2e_log_contains(&t->d, "the TLS key is readable by "
	    "others"));
	assert_true(e2e_alive(&t->d));
	assert_int_equal(e2e_stop(&t->d, 10000), 0);
}

/* The abstract notify socket a test binds, as NOTIFY_SOCKET names it. */
static int
notify_socket(char *name, size_t len)
{
	struct sockaddr_un	sun;
	socklen_t		sl;
	int			fd;

	snprintf(name, len, "@varsel-e2e-%d", (int)getpid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	assert_true((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sl), 0);
	return fd;
}

/* The next message within ms, or "" (count the WATCHDOG=1 skipped). */
static void
next_message(int fd, int ms, bool skip_pings, int *pings, char *buf,
    size_t len)
{
	long long	 end = e2e_now_ms() + ms;
	struct timeval	 tv;
	ssize_t		 n;

	buf[0] = '\0';
	while (e2e_now_ms() < end) {
		tv.tv_sec = 0;
		tv.tv_usec = 20000;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if ((n = recv(fd, buf, len - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		if (skip_pings && strcmp(buf, "WATCHDOG=1") == 0) {
			(*pings)++;
			continue;
		}
		return;
	}
	buf[0] = '\0';
}

/*
 * READY after it listens, pings from the loop, STOPPING at SIGTERM; and
 * the address of a client behind a trusted proxy in the access log.
 */
static void
test_notify(void **state)
{
	struct t	*t = *state;
	struct e2e_conf	 c = { 0 };
	char		 name[64], buf[256];
	int		 fd, pings = 0;

	fd = notify_socket(name, sizeof(name));
	c.gateway = "trusted_proxy = 127.0.0.1";
	assert_int_equal(e2e_env_config(t->env, &c), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	setenv("WATCHDOG_USEC", "200000", 1);
	assert_int_equal(e2e_spawn_daemon(t->env, &t->d), 0);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");

	next_message(fd, WAIT_MS, true, &pings, buf, sizeof(buf));
	assert_non_null(strstr(buf, "READY=1\nSTATUS=serving on 127.0.0.1:"));
	/* Pings at 100 ms: several within a second. */
	next_message(fd, 1000, true, &pings, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_true(pings >= 3);
	/* A loop that cannot run (the process stopped) pings no more. */
	assert_int_equal(e2e_kill(&t->d, SIGSTOP), 0);
	usleep(100000);
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	pings = 0;
	next_message(fd, 600, true, &pings, buf, sizeof(buf));
	assert_int_equal(pings, 0);
	assert_int_equal(e2e_kill(&t->d, SIGCONT), 0);
	next_message(fd, 1000, true, &pings, buf, sizeof(buf));
	assert_true(pings >= 1);

	/* Behind the trusted proxy, the log names the forwarded client. */
	{
		const char *const h[] = { "X-Forwarded-For: 10.0.0.9, "
		    "203.0.113.7", NULL };
		char	url[128];
		int	st;

		snprintf(url, sizeof(url), "%s/v1/alerts/1", t->d.url);
		assert_int_equal(e2e_http("GET", url, h, NULL, &st, NULL), 0);
		assert_int_equal(st, 401);
		assert_true(e2e_log_contains(&t->d, "status=401 client=- "
		    "addr=203.0.113.7 "));
	}

	/* SIGHUP: RELOADING, then READY again. */
	assert_int_equal(e2e_kill(&t->d, SIGHUP), 0);
	next_message(fd, WAIT_MS, true, &pings, buf, sizeof(buf));
	assert_non_null(strstr(buf, "RELOADING=1"));
	next_message(fd, WAIT_MS, true, &pings, buf, sizeof(buf));
	assert_non_null(strstr(buf, "READY=1"));

	assert_int_equal(e2e_kill(&t->d, SIGTERM), 0);
	next_message(fd, WAIT_MS, true, &pings, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");
	assert_int_equal(e2e_wait_exit(&t->d, 10000), 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
