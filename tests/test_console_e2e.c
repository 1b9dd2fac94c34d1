/*
 * The console's API against the real varseld (simulator provider):
 * logging in and out, the cookie's flags, the brake on wrong passwords,
 * CSRF and origin checks on every write, a viewer refused any write
 * however the request is crafted (and shown numbers masked), the
 * security headers, the audit trail of API, console and configuration
 * changes, four eyes on big alerts and alerts to residents, sessions
 * that survive SIGHUP and end when their user leaves the configuration,
 * the live stream of an alert (counts and a JA without asking), the
 * inbox and its reply, report.csv, varselctl's user add, approve,
 * report, inbox and audit, the console's files with their ETag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/e2e.h"
#include "util.h"

/* "correct horse battery" at the lowest cost (tests/test_password.c). */
#define PWHASH	"$scrypt$ln=10,r=8,p=1$Zm9vYmFyYmF6cXV4cXV1eA" \
		"$giPl5EtHEOW19sodafF8G3taYH/ujamLtFwK1z1dn6U"
#define PASSWORD	"correct horse battery"
#define USERS \
	"[user anna]\npassword_hash = " PWHASH "\nrole = sender\n" \
	"[user bo]\npassword_hash = " PWHASH "\nrole = approver\n" \
	"[user vera]\npassword_hash = " PWHASH "\nrole = viewer\n"

/* A logged-in browser: its cookie and CSRF token. */
struct login {
	char	cookie[160];	/* "Cookie: varsel_session=..." */
	char	csrf[96];	/* "X-CSRF-Token: ..." */
	char	origin[96];	/* "Origin: http://127.0.0.1:PORT" */
};

#define OPS_TOKEN	"e2e-ops-token-approves-and-audits"

/* A world whose varseld has the console, three users and an ops client. */
static int
setup(void **state)
{
	struct e2e_world *t;
	struct e2e_conf	 c;
	char		 gw[3 * PATH_MAX + 128], sha[65];
	static char	 extra[4096];

	if (e2e_setup(state) == -1)
		return -1;
	t = *state;
	memset(&c, 0, sizeof(c));
	snprintf(gw, sizeof(gw), "console = %s/console\nsession_idle_s = 60\n"
	    "areas = %s/conf/areas.csv\ntrygghetspunkter = "
	    "%s/conf/trygghetspunkter.csv", e2e_srcdir(), e2e_srcdir(),
	    e2e_srcdir());
	c.gateway = gw;
	c.dispatch = "retry_base_ms = 50\nretry_max_ms = 200\n"
	    "approval_over = 2";
	/* A client that approves and reads the audit, for varselctl. */
	sha256_hex(OPS_TOKEN, strlen(OPS_TOKEN), sha);
	snprintf(extra, sizeof(extra), "%s[client ops]\ntoken_sha256 = %s\n"
	    "scopes = alerts:read alerts:write alerts:approve audit:read "
	    "contacts:read\n", USERS, sha);
	c.extra = extra;
	if (e2e_env_config(t->env, &c) == -1 ||
	    e2e_spawn_daemon(t->env, &t->d) == -1)
		return -1;
	return 0;
}

/*
 * Stop varseld: it must exit 0 (under ASan: no leak, no error on the
 * way out), then remove the world.
 */
static int
teardown(void **state)
{
	int	rc = e2e_finish(*state);

	e2e_teardown(state);
	return rc;
}

/* A string of the i-th row of an answer's "audit". */
static const char *
audit_str(const json_t *j, size_t i, const char *path)
{
	return e2e_json_str(json_array_get(json_object_get(j, "audit"), i),
	    path);
}

/* The value of header name (first, any case) in hdrs into buf. */
static bool
header_value(const char *hdrs, const char *name, char *buf, size_t len)
{
	const char	*p = hdrs;
	size_t		 n = strlen(name), v;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			v = strcspn(p, "\r\n");
			if (v >= len)
				v = len - 1;
			memcpy(buf, p, v);
			buf[v] = '\0';
			return true;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return false;
}

/* A request as a browser on the console sends it; the answer parsed. */
static json_t *
call(struct e2e_world *t, const struct login *l, const char *method,
    const char *path, const char *body, int *status)
{
	const char	*h[6];
	char		 url[PATH_MAX], *resp = NULL;
	size_t		 n = 0;
	json_t		*j;

	snprintf(url, sizeof(url), "%s%s", t->d.url, path);
	if (l != NULL) {
		h[n++] = l->cookie;
		if (l->csrf[0] != '\0')
			h[n++] = l->csrf;
		if (l->origin[0] != '\0')
			h[n++] = l->origin;
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

/* Log name in; fails the test unless it works. */
static void
login(struct e2e_world *t, const char *name, struct login *l)
{
	const char	*h[] = { "Content-Type: application/json", NULL };
	char		 url[PATH_MAX], body[256], *resp, *hdrs, cookie[160];
	int		 status;
	json_t		*j;

	snprintf(url, sizeof(url), "%s/v1/session", t->d.url);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"%s\"}",
	    name, PASSWORD);
	assert_int_equal(e2e_http_headers("POST", url, h, body, &status,
	    &resp, &hdrs), 0);
	if (status != 200)
		fail_msg("login %s: %d %s", name, status, resp);
	assert_true(header_value(hdrs, "Set-Cookie", cookie, sizeof(cookie)));
	assert_non_null(j = e2e_json_parse(resp));
	memset(l, 0, sizeof(*l));
	snprintf(l->cookie, sizeof(l->cookie), "Cookie: %.*s",
	    (int)strcspn(cookie, ";"), cookie);
	snprintf(l->csrf, sizeof(l->csrf), "X-CSRF-Token: %s",
	    e2e_json_str(j, "csrf"));
	snprintf(l->origin, sizeof(l->origin), "Origin: %s", t->d.url);
	json_decref(j);
	free(resp);
	free(hdrs);
}

/* The cookie's flags, the brake, logout, a viewer's crafted writes. */
static void
test_login_and_roles(void **state)
{
	struct e2e_world	*t = *state;
	const char	*h[] = { "Content-Type: application/json", NULL };
	const char	*evil[] = { "Content-Type: application/json",
			    "Origin: http://evil.example", NULL };
	struct login	 anna, vera, nocsrf;
	char		 url[PATH_MAX], *resp, *hdrs, v[256];
	long long	 t0, took;
	int		 status;
	json_t		*j;

	snprintf(url, sizeof(url), "%s/v1/session", t->d.url);
	/* A wrong password: 401; the next try for that name waits. */
	assert_int_equal(e2e_http("POST", url, h, "{\"name\":\"anna\","
	    "\"password\":\"hunter22hunter22\"}", &status, &resp), 0);
	assert_int_equal(status, 401);
	free(resp);
	t0 = e2e_now_ms();
	assert_int_equal(e2e_http_headers("POST", url, h, "{\"name\":\"anna\","
	    "\"password\":\"" PASSWORD "\"}", &status, &resp, &hdrs), 0);
	took = e2e_now_ms() - t0;
	assert_int_equal(status, 200);
	assert_true(took >= 450);
	/* The cookie: HttpOnly, SameSite=Strict, not Secure over HTTP. */
	assert_true(header_value(hdrs, "Set-Cookie", v, sizeof(v)));
	assert_non_null(strstr(v, "varsel_session="));
	assert_non_null(strstr(v, "HttpOnly"));
	assert_non_null(strstr(v, "SameSite=Strict"));
	assert_non_null(strstr(v, "Path=/"));
	assert_null(strstr(v, "Secure"));
	assert_true(header_value(hdrs, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "DENY");
	j = e2e_json_parse(resp);
	assert_string_equal(e2e_json_str(j, "role"), "sender");
	json_decref(j);
	free(resp);
	free(hdrs);
	/* A login from another site's page is refused. */
	assert_int_equal(e2e_http("POST", url, evil, "{\"name\":\"anna\","
	    "\"password\":\"" PASSWORD "\"}", &status, &resp), 0);
	assert_int_equal(status, 403);
	free(resp);

	login(t, "anna", &anna);
	login(t, "vera", &vera);
	/* Reads need the cookie, writes the CSRF token and our origin. */
	j = call(t, &anna, "GET", "/v1/session", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(e2e_json_str(j, "name"), "anna");
	json_decref(j);
	j = call(t, NULL, "GET", "/v1/alerts", NULL, &status);
	assert_int_equal(status, 401);
	json_decref(j);
	nocsrf = anna;
	nocsrf.csrf[0] = '\0';
	j = call(t, &nocsrf, "POST", "/v1/contacts", "{\"contacts\":[{"
	    "\"phone\":\"070-1740605\",\"groups\":[\"nattvandrare\"]}]}",
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	nocsrf = anna;
	strcpy(nocsrf.csrf, "X-CSRF-Token: 0000");
	j = call(t, &nocsrf, "POST", "/v1/contacts", "{\"contacts\":[]}",
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	nocsrf = anna;
	strcpy(nocsrf.origin, "Origin: http://evil.example");
	j = call(t, &nocsrf, "POST", "/v1/contacts", "{\"contacts\":[]}",
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = call(t, &anna, "POST", "/v1/contacts", "{\"contacts\":[{\"phone\":"
	    "\"070-1740605\",\"name\":\"Anna Nattvandrare\",\"groups\":"
	    "[\"nattvandrare\"]}]}", &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(j, "upserted"), 1);
	json_decref(j);

	/* A viewer, with a valid session and CSRF token: no write at all. */
	j = call(t, &vera, "POST", "/v1/alerts", "{\"source_ref\":\"v1\","
	    "\"message\":\"test\",\"audience\":{\"groups\":"
	    "[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = call(t, &vera, "POST", "/v1/contacts", "{\"contacts\":[]}",
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = call(t, &vera, "DELETE", "/v1/contacts/+46701740605", NULL,
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = call(t, &vera, "POST", "/v1/preview", "{\"message\":\"x\","
	    "\"audience\":{\"groups\":[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 403);
	json_decref(j);
	/* A bearer token in the same request does not lend its scopes. */
	{
		const char	*hh[] = { vera.cookie, vera.csrf, vera.origin,
				    "Authorization: Bearer nonsense",
				    "Content-Type: application/json", NULL };

		snprintf(url, sizeof(url), "%s/v1/contacts", t->d.url);
		assert_int_equal(e2e_http("POST", url, hh, "{\"contacts\":[]}",
		    &status, &resp), 0);
		assert_int_equal(status, 401);
		free(resp);
	}
	/* Reads: numbers masked. */
	j = call(t, &vera, "GET", "/v1/contacts?q=anna", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(e2e_json_str(json_array_get(json_object_get(j,
	    "contacts"), 0), "phone"), "+4670*****605");
	json_decref(j);
	j = call(t, &anna, "GET", "/v1/contacts?q=anna", NULL, &status);
	assert_string_equal(e2e_json_str(json_array_get(json_object_get(j,
	    "contacts"), 0), "phone"), "+46701740605");
	json_decref(j);

	/* Who is online; logout ends the session. */
	j = call(t, &vera, "GET", "/v1/users", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(j, "users")), 3);
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(j, "users"), 0), "online")));
	assert_true(json_is_false(json_object_get(json_array_get(
	    json_object_get(j, "users"), 1), "online")));
	json_decref(j);
	nocsrf = anna;
	nocsrf.csrf[0] = '\0';
	j = call(t, &nocsrf, "DELETE", "/v1/session", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = call(t, &anna, "DELETE", "/v1/session", NULL, &status);
	assert_int_equal(status, 200);
	json_decref(j);
	j = call(t, &anna, "GET", "/v1/alerts", NULL, &status);
	assert_int_equal(status, 401);
	json_decref(j);
	/* Only a user with users:write ends another's sessions. */
	j = call(t, &vera, "POST", "/v1/users/anna/logout", "{}", &status);
	assert_int_equal(status, 403);
	json_decref(j);
}

/* Every change is in the audit, with who, how and from where. */
static void
test_audit(void **state)
{
	struct e2e_world	*t = *state;
	struct login	 anna, vera;
	json_t		*j, *rows, *row;
	long long	 id;
	int		 status;
	size_t		 i;
	bool		 posted = false, cancelled = false, added = false;

	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/contacts",
	    "{\"contacts\":[{\"phone\":\"070-1740606\",\"groups\":"
	    "[\"nattvandrare\"]}]}", &status);
	assert_int_equal(status, 200);
	json_decref(j);
	login(t, "anna", &anna);
	login(t, "vera", &vera);
	j = call(t, &anna, "POST", "/v1/alerts", "{\"source_ref\":\"c-1\","
	    "\"message\":\"Samling vid Lillhagaskolan 22:30\",\"audience\":"
	    "{\"groups\":[\"nattvandrare\"]},\"expires_in_s\":60}", &status);
	assert_int_equal(status, 202);
	id = e2e_json_int(j, "id");
	json_decref(j);
	j = call(t, &anna, "POST", "/v1/alerts/1/cancel", "{}", &status);
	assert_int_equal(status, 200);
	json_decref(j);
	j = call(t, &vera, "GET", "/v1/alerts/1", NULL, &status);
	assert_string_equal(e2e_json_str(j, "author.name"), "anna");
	assert_string_equal(e2e_json_str(j, "author.kind"), "user");
	json_decref(j);

	j = call(t, &vera, "GET", "/v1/audit?limit=100", NULL, &status);
	assert_int_equal(status, 200);
	rows = json_object_get(j, "audit");
	json_array_foreach(rows, i, row) {
		const char	*a = e2e_json_str(row, "action");

		if (strcmp(a, "alert.posted") == 0) {
			posted = true;
			assert_string_equal(e2e_json_str(row, "actor"), "anna");
			assert_string_equal(e2e_json_str(row, "actor_kind"),
			    "user");
			assert_string_equal(e2e_json_str(row, "via"),
			    "console");
			assert_string_equal(e2e_json_str(row, "addr"),
			    "127.0.0.1");
			assert_int_equal(e2e_json_int(row, "alert_id"), id);
			assert_int_equal(e2e_json_int(row,
			    "detail.recipients"), 1);
		} else if (strcmp(a, "alert.cancelled") == 0)
			cancelled = true;
		else if (strcmp(a, "contact.added") == 0) {
			added = true;
			assert_string_equal(e2e_json_str(row, "actor"), "e2e");
			assert_string_equal(e2e_json_str(row, "via"), "api");
			assert_string_equal(e2e_json_str(row, "contact"),
			    "+4670*****606");
		}
	}
	assert_true(posted && cancelled && added);
	json_decref(j);
	j = call(t, &vera, "GET", "/v1/audit?alert_id=1", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(j, "audit")), 2);
	json_decref(j);
	/* A machine client needs audit:read. */
	j = e2e_api(&t->d, E2E_TOKEN_READER, "GET", "/v1/audit", NULL,
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	/* There is no route that changes or deletes an audit row. */
	j = call(t, &anna, "DELETE", "/v1/audit", NULL, &status);
	assert_int_equal(status, 405);
	json_decref(j);
}

/* The counts of alert id, as the API shows them. */
static long long
count_of(struct e2e_world *t, long long id, const char *what)
{
	char		path[64];
	int		status;
	long long	n;
	json_t		*j;

	snprintf(path, sizeof(path), "/v1/alerts/%lld", id);
	j = e2e_api(&t->d, E2E_TOKEN, "GET", path, NULL, &status);
	n = e2e_json_int(j, what);
	json_decref(j);
	return n;
}

/* Is alert *arg's every SMS delivered? */
struct wait_alert {
	struct e2e_world *t;
	long long	 id;
	long long	 n;
};

static bool
all_delivered(void *arg)
{
	struct wait_alert	*w = arg;

	return count_of(w->t, w->id, "counts.delivered") == w->n;
}

/*
 * Four eyes: a console alert over approval_over recipients, or to the
 * residents, waits with its deliveries held; its writer cannot approve
 * it, a viewer cannot, another approver can, and then it goes. An
 * extreme alert from an approver goes at once, and the audit says so.
 */
static void
test_approval(void **state)
{
	struct e2e_world	*t = *state;
	struct login		 anna, bo, vera;
	struct wait_alert	 w = { t, 0, 3 };
	json_t			*j;
	int			 status;
	long long		 id, id2;

	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/contacts",
	    "{\"contacts\":[{\"phone\":\"070-1740620\",\"groups\":"
	    "[\"invanare\"]},{\"phone\":\"070-1740621\",\"groups\":"
	    "[\"invanare\"]},{\"phone\":\"070-1740622\",\"groups\":"
	    "[\"nattvandrare\"]},{\"phone\":\"070-1740623\",\"groups\":"
	    "[\"nattvandrare\"]},{\"phone\":\"070-1740624\",\"groups\":"
	    "[\"nattvandrare\"]}]}", &status);
	assert_int_equal(status, 200);
	json_decref(j);
	login(t, "anna", &anna);
	login(t, "bo", &bo);
	login(t, "vera", &vera);

	/* Three recipients, over approval_over = 2: it waits. */
	j = call(t, &anna, "POST", "/v1/alerts", "{\"source_ref\":\"big\","
	    "\"message\":\"Samling 22:30\",\"audience\":{\"groups\":"
	    "[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 202);
	assert_string_equal(e2e_json_str(j, "state"), "awaiting_approval");
	id = e2e_json_int(j, "id");
	json_decref(j);
	usleep(300 * 1000);
	assert_int_equal(count_of(t, id, "counts.held"), 3);
	assert_int_equal(count_of(t, id, "counts.sent"), 0);
	j = call(t, &vera, "GET", "/v1/alerts/1", NULL, &status);
	assert_string_equal(e2e_json_str(j, "state"), "awaiting_approval");
	json_decref(j);

	/* Not the writer, not a viewer, not a client without the scope. */
	j = call(t, &anna, "POST", "/v1/alerts/1/approve", "{}", &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = call(t, &vera, "POST", "/v1/alerts/1/approve", "{}", &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/alerts/1/approve", "{}",
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	assert_int_equal(count_of(t, id, "counts.held"), 3);
	/* Another approver: it goes. */
	j = call(t, &bo, "POST", "/v1/alerts/1/approve", "{}", &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(j, "released"), 3);
	json_decref(j);
	j = call(t, &bo, "POST", "/v1/alerts/1/approve", "{}", &status);
	assert_int_equal(status, 409);
	json_decref(j);
	w.id = id;
	assert_int_equal(e2e_wait_until(all_delivered, &w, 10000), 0);

	/* To the residents, even two: it waits; cancelled, it never goes. */
	j = call(t, &anna, "POST", "/v1/alerts", "{\"source_ref\":\"res\","
	    "\"message\":\"Vattenläcka\",\"audience\":{\"groups\":"
	    "[\"invanare\"]}}", &status);
	assert_int_equal(status, 202);
	assert_string_equal(e2e_json_str(j, "state"), "awaiting_approval");
	id2 = e2e_json_int(j, "id");
	json_decref(j);
	j = call(t, &anna, "POST", "/v1/alerts/2/cancel", "{}", &status);
	assert_int_equal(status, 200);
	assert_int_equal(e2e_json_int(j, "cancelled"), 2);
	json_decref(j);
	assert_int_equal(count_of(t, id2, "counts.cancelled"), 2);
	j = call(t, &bo, "POST", "/v1/alerts/2/approve", "{}", &status);
	assert_int_equal(status, 409);
	json_decref(j);

	/* Extreme, from an approver: at once. */
	j = call(t, &bo, "POST", "/v1/alerts", "{\"source_ref\":\"fire\","
	    "\"severity\":\"extreme\",\"message\":\"Brand. Stäng fönster.\","
	    "\"audience\":{\"groups\":[\"invanare\",\"nattvandrare\"]}}",
	    &status);
	assert_int_equal(status, 202);
	assert_string_equal(e2e_json_str(j, "state"), "dispatching");
	json_decref(j);
	/* An API client's alert never waits. */
	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/alerts",
	    "{\"source_ref\":\"api\",\"message\":\"x\",\"audience\":"
	    "{\"groups\":[\"invanare\",\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 202);
	assert_string_equal(e2e_json_str(j, "state"), "dispatching");
	json_decref(j);

	j = call(t, &vera, "GET", "/v1/audit?alert_id=3", NULL, &status);
	assert_string_equal(audit_str(j, 0, "detail.approval"),
	    "skipped_extreme");
	json_decref(j);
	j = call(t, &vera, "GET", "/v1/audit?alert_id=1", NULL, &status);
	assert_string_equal(audit_str(j, 0, "action"), "alert.approved");
	assert_string_equal(audit_str(j, 0, "actor"), "bo");
	assert_string_equal(audit_str(j, 1, "detail.approval"), "awaiting");
	json_decref(j);
}

/*
 * Run varselctl (at the daemon, with the e2e token) with args; stdin
 * gets in (may be NULL). Its exit code; what it printed into out.
 */
static int
ctl(struct e2e_world *t, const char *token, const char *args, const char *in,
    char *out, size_t len)
{
	char	cmd[8192], path[PATH_MAX];
	FILE	*fp;
	size_t	n;
	int	rc;

	snprintf(path, sizeof(path), "%s/ctl.out", t->env->dir);
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | VARSEL_URL=%s "
	    "VARSEL_TOKEN=%s %s/varselctl %s > %s 2>&1", in != NULL ? in : "",
	    t->d.url, token, e2e_builddir(), args, path);
	rc = system(cmd);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	fclose(fp);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/*
 * varselctl user add appends a user to the configuration under a lock,
 * keeping the old file, and records it; a reload lets the user in. The
 * console's other commands: approve, audit, inbox, report.
 */
static void
test_ctl(void **state)
{
	struct e2e_world	*t = *state;
	struct login	 carl;
	static char	 out[65536];
	char		 args[PATH_MAX + 128], bak[PATH_MAX + 8];
	int		 status, i;
	json_t		*j;

	/* Printed for pasting: a section with a fresh scrypt hash. */
	assert_int_equal(ctl(t, E2E_TOKEN, "user add carl --role viewer "
	    "--password-stdin", "a long enough password", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "[user carl]\npassword_hash = "
	    "$scrypt$ln=15,r=8,p=1$"));
	assert_non_null(strstr(out, "role = viewer\n"));
	/* Too short, a bad role, a bad name: refused. */
	assert_int_equal(ctl(t, E2E_TOKEN, "user add carl --role viewer "
	    "--password-stdin", "kort", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "shorter than 10"));
	assert_int_equal(ctl(t, E2E_TOKEN, "user add carl --role boss "
	    "--password-stdin", "a long enough password", out, sizeof(out)), 2);
	assert_int_equal(ctl(t, E2E_TOKEN, "user add 'c a' --role viewer "
	    "--password-stdin", "a long enough password", out, sizeof(out)), 2);

	/* Into the file, then a reload: carl logs in. */
	snprintf(args, sizeof(args), "user add carl --role viewer --config %s "
	    "--password-stdin", t->env->conf);
	assert_int_equal(ctl(t, E2E_TOKEN, args, "carls own long password", out,
	    sizeof(out)), 0);
	snprintf(bak, sizeof(bak), "%s.bak", t->env->conf);
	assert_int_equal(access(bak, F_OK), 0);
	assert_int_equal(ctl(t, E2E_TOKEN, args, "carls own long password", out,
	    sizeof(out)), 1);
	assert_non_null(strstr(out, "has [user carl] already"));
	assert_int_equal(e2e_kill(&t->d, SIGHUP), 0);
	for (i = 0; i < 50; i++) {
		const char	*h[] = { "Content-Type: application/json",
				    NULL };
		char		 url[PATH_MAX], *resp;

		snprintf(url, sizeof(url), "%s/v1/session", t->d.url);
		assert_int_equal(e2e_http("POST", url, h, "{\"name\":\"carl\","
		    "\"password\":\"carls own long password\"}", &status,
		    &resp), 0);
		free(resp);
		if (status == 200)
			break;
		usleep(200 * 1000);
	}
	assert_int_equal(status, 200);
	memset(&carl, 0, sizeof(carl));

	/* A client without audit:read is refused; one with it reads. */
	assert_int_equal(ctl(t, E2E_TOKEN, "audit", NULL, out, sizeof(out)),
	    1);
	assert_non_null(strstr(out, "403"));
	assert_int_equal(ctl(t, OPS_TOKEN, "audit --limit 10", NULL, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "user.added"));
	assert_non_null(strstr(out, " operator "));
	assert_non_null(strstr(out, " varselctl "));
	/* The audit has it twice: who ran varselctl, and the reload. */
	assert_int_equal(ctl(t, OPS_TOKEN, "audit --json", NULL, out,
	    sizeof(out)), 0);
	assert_non_null(j = e2e_json_parse(out));
	{
		json_t	*row;
		size_t	 k;
		bool	 by_ctl = false, by_reload = false;

		json_array_foreach(json_object_get(j, "audit"), k, row) {
			if (strcmp(e2e_json_str(row, "action"), "user.added"))
				continue;
			if (strcmp(e2e_json_str(row, "via"),
			    "varselctl") == 0 &&
			    strcmp(e2e_json_str(row, "actor_kind"),
			    "operator") == 0)
				by_ctl = true;
			if (strcmp(e2e_json_str(row, "via"), "config") == 0)
				by_reload = true;
		}
		assert_true(by_ctl && by_reload);
	}
	json_decref(j);

	/* An alert waiting for approval, approved from the terminal. */
	login(t, "anna", &carl);
	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/contacts",
	    "{\"contacts\":[{\"phone\":\"070-1740630\",\"groups\":"
	    "[\"invanare\"]}]}", &status);
	json_decref(j);
	j = call(t, &carl, "POST", "/v1/alerts", "{\"source_ref\":\"t1\","
	    "\"message\":\"Vattnet stängs 09:00\",\"audience\":{\"groups\":"
	    "[\"invanare\"]}}", &status);
	assert_int_equal(status, 202);
	assert_string_equal(e2e_json_str(j, "state"), "awaiting_approval");
	json_decref(j);
	assert_int_equal(ctl(t, E2E_TOKEN, "approve 1", NULL, out,
	    sizeof(out)), 1);
	assert_int_equal(ctl(t, OPS_TOKEN, "approve 1", NULL, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "alert 1 approved: 1 deliveries"));
	assert_int_equal(ctl(t, OPS_TOKEN, "approve 1", NULL, out,
	    sizeof(out)), 1);
	assert_non_null(strstr(out, "409"));
	/* The report, to a file; the inbox as a table. */
	snprintf(args, sizeof(args), "report 1 -o %s/r.csv", t->env->dir);
	assert_int_equal(ctl(t, OPS_TOKEN, args, NULL, out, sizeof(out)), 0);
	snprintf(args, sizeof(args), "%s/r.csv", t->env->dir);
	{
		FILE	*fp;
		size_t	 n;

		assert_non_null(fp = fopen(args, "r"));
		n = fread(out, 1, sizeof(out) - 1, fp);
		out[n] = '\0';
		fclose(fp);
	}
	assert_int_equal(strncmp(out, "delivery_id,phone,", 18), 0);
	assert_non_null(strstr(out, ",+46701740630,sms,"));
	{
		const char	*form[] = { "Content-Type: "
				    "application/x-www-form-urlencoded", NULL };
		char		 url[PATH_MAX], *resp;

		snprintf(url, sizeof(url), "%s/hooks/sim/sms", t->d.url);
		assert_int_equal(e2e_http("POST", url, form, "from=%2B467017"
		    "40630&message=Hur+l%C3%A4nge%3F&id=in-9", &status,
		    &resp), 0);
		free(resp);
	}
	assert_int_equal(ctl(t, OPS_TOKEN, "inbox", NULL, out, sizeof(out)),
	    0);
	assert_non_null(strstr(out, "+46701740630"));
	assert_non_null(strstr(out, "Hur länge?"));
}

/* Sessions survive SIGHUP; a user removed from the file is logged out. */
static void
test_reload(void **state)
{
	struct e2e_world	*t = *state;
	struct login	 anna, vera;
	char		 conf[65536], *p;
	FILE		*fp;
	size_t		 n;
	int		 status, i;
	json_t		*j;

	login(t, "anna", &anna);
	login(t, "vera", &vera);
	assert_int_equal(e2e_kill(&t->d, SIGHUP), 0);
	usleep(300 * 1000);
	j = call(t, &anna, "GET", "/v1/session", NULL, &status);
	assert_int_equal(status, 200);
	json_decref(j);

	/* vera leaves the configuration. */
	assert_non_null(fp = fopen(t->env->conf, "r"));
	n = fread(conf, 1, sizeof(conf) - 1, fp);
	fclose(fp);
	conf[n] = '\0';
	assert_non_null(p = strstr(conf, "[user vera]"));
	*p = '\0';
	assert_int_equal(e2e_env_write(t->env, "varsel.conf", conf), 0);
	assert_int_equal(e2e_kill(&t->d, SIGHUP), 0);
	for (i = 0; i < 50; i++) {
		j = call(t, &vera, "GET", "/v1/session", NULL, &status);
		json_decref(j);
		if (status == 401)
			break;
		usleep(100 * 1000);
	}
	assert_int_equal(status, 401);
	j = call(t, &anna, "GET", "/v1/audit", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(audit_str(j, 0, "action"), "user.removed");
	assert_string_equal(audit_str(j, 0, "via"), "config");
	json_decref(j);
}

/* Open a stream: connect, send the request; the socket. */
static int
sse_open(struct e2e_world *t, const struct login *l, const char *path)
{
	char	req[1024];
	int	fd;

	assert_true((fd = e2e_connect(t->d.port, 0)) >= 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Accept: text/event-stream\r\n%s\r\n\r\n", path, l->cookie);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* Read the stream into buf until needle appears; false after ms. */
static bool
sse_wait(int fd, char *buf, size_t len, const char *needle, int ms)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	long long	 end = e2e_now_ms() + ms;
	size_t		 have = strlen(buf);
	ssize_t		 n;

	while (strstr(buf, needle) == NULL) {
		if (e2e_now_ms() >= end || have + 1 >= len)
			return false;
		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((n = read(fd, buf + have, len - have - 1)) <= 0)
			return false;
		have += (size_t)n;
		buf[have] = '\0';
	}
	return true;
}

/* The live stream: counts reach delivered, a JA comes without asking. */
static void
test_events(void **state)
{
	struct e2e_world	*t = *state;
	struct login	 vera;
	static char	 buf[65536];
	char		 url[PATH_MAX], *resp, want[64];
	const char	*form[] = { "Content-Type: "
			    "application/x-www-form-urlencoded", NULL };
	int		 fd, status;
	json_t		*j;

	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/contacts",
	    "{\"contacts\":[{\"phone\":\"070-1740605\",\"name\":\"Anna "
	    "Nattvandrare\",\"groups\":[\"nattvandrare\"]},{\"phone\":"
	    "\"070-1740606\",\"groups\":[\"nattvandrare\"]}]}", &status);
	json_decref(j);
	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/alerts",
	    "{\"source_ref\":\"live-1\",\"severity\":\"severe\",\"message\":"
	    "\"Samling 22:30. Svara JA eller NEJ.\",\"ack\":true,\"audience\":"
	    "{\"groups\":[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 202);
	json_decref(j);
	login(t, "vera", &vera);
	fd = sse_open(t, &vera, "/v1/alerts/1/events");
	buf[0] = '\0';
	assert_true(sse_wait(fd, buf, sizeof(buf), "text/event-stream", 3000));
	assert_non_null(strstr(buf, "X-Frame-Options: DENY"));
	assert_true(sse_wait(fd, buf, sizeof(buf), "event: counts", 3000));
	assert_true(sse_wait(fd, buf, sizeof(buf), "\"delivered\":2", 5000));

	/* Anna answers JA: it arrives on the open stream, with her name. */
	snprintf(url, sizeof(url), "%s/hooks/sim/sms", t->d.url);
	assert_int_equal(e2e_http("POST", url, form,
	    "from=%2B46701740605&message=JA&id=in-1", &status, &resp), 0);
	assert_int_equal(status, 200);
	free(resp);
	assert_true(sse_wait(fd, buf, sizeof(buf), "event: answer", 5000));
	assert_true(sse_wait(fd, buf, sizeof(buf), "Anna Nattvandrare", 1000));
	/* The viewer's stream shows the number masked. */
	assert_non_null(strstr(buf, "+4670*****605"));
	assert_null(strstr(buf, "+46701740605"));
	snprintf(want, sizeof(want), "\"yes\":1");
	assert_true(sse_wait(fd, buf, sizeof(buf), want, 3000));

	/* Logging out ends the stream. */
	j = call(t, &vera, "DELETE", "/v1/session", NULL, &status);
	json_decref(j);
	assert_true(sse_wait(fd, buf, sizeof(buf), "event: ended", 3000));
	close(fd);

	/* A stream without a session is refused. */
	fd = sse_open(t, &vera, "/v1/alerts/1/events");
	buf[0] = '\0';
	assert_true(sse_wait(fd, buf, sizeof(buf), "401", 3000));
	close(fd);
}

/* The inbox, a reply from the console, report.csv masked or not. */
static void
test_inbox_report(void **state)
{
	struct e2e_world	*t = *state;
	struct login	 anna, vera;
	char		 url[PATH_MAX], *resp, *hdrs, v[256];
	const char	*form[] = { "Content-Type: "
			    "application/x-www-form-urlencoded", NULL };
	int		 status;
	json_t		*j;

	snprintf(url, sizeof(url), "%s/hooks/sim/sms", t->d.url);
	assert_int_equal(e2e_http("POST", url, form, "from=%2B46701740611&"
	    "message=det+brinner+vid+skolan&id=in-2", &status, &resp), 0);
	assert_int_equal(status, 200);
	free(resp);
	assert_int_equal(e2e_http("POST", url, form, "from=%2B46701740611&"
	    "message=HJALP&id=in-3", &status, &resp), 0);
	free(resp);
	login(t, "anna", &anna);
	login(t, "vera", &vera);
	j = call(t, &vera, "GET", "/v1/inbox", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(j, "inbox")), 1);
	assert_string_equal(e2e_json_str(json_array_get(json_object_get(j,
	    "inbox"), 0), "text"), "det brinner vid skolan");
	assert_string_equal(e2e_json_str(json_array_get(json_object_get(j,
	    "inbox"), 0), "from"), "+4670*****611");
	json_decref(j);
	j = call(t, &vera, "POST", "/v1/inbox/1/reply", "{\"message\":\"x\"}",
	    &status);
	assert_int_equal(status, 403);
	json_decref(j);
	j = call(t, &anna, "POST", "/v1/inbox/1/reply", "{\"message\":"
	    "\"Räddningstjänsten är på väg. Ring 112 om någon är i fara.\"}",
	    &status);
	assert_int_equal(status, 202);
	json_decref(j);
	j = call(t, &anna, "POST", "/v1/inbox/99/reply", "{\"message\":\"x\"}",
	    &status);
	assert_int_equal(status, 404);
	json_decref(j);
	j = call(t, &anna, "GET", "/v1/inbox", NULL, &status);
	assert_int_equal(e2e_json_int(json_array_get(json_object_get(j,
	    "inbox"), 0), "replies"), 1);
	json_decref(j);
	/* It went out as a reply like the gateway's own, to that number. */
	j = e2e_api(&t->d, E2E_TOKEN, "GET", "/v1/replies?phone=%2B46701740611",
	    NULL, &status);
	assert_int_equal(status, 200);
	{
		json_t	*reply;
		size_t	 i;
		bool	 found = false;

		json_array_foreach(json_object_get(j, "replies"), i, reply)
			if (strcmp(e2e_json_str(reply, "kind"),
			    "reply-console") == 0 && strstr(e2e_json_str(reply,
			    "text"), "Ring 112") != NULL)
				found = true;
		assert_true(found);
	}
	json_decref(j);

	/* report.csv: numbers masked without contacts:read. */
	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/contacts",
	    "{\"contacts\":[{\"phone\":\"070-1740605\",\"groups\":"
	    "[\"nattvandrare\"]}]}", &status);
	json_decref(j);
	j = e2e_api(&t->d, E2E_TOKEN, "POST", "/v1/alerts",
	    "{\"source_ref\":\"rep-1\",\"message\":\"=HYPERLINK(1)\","
	    "\"audience\":{\"groups\":[\"nattvandrare\"]}}", &status);
	assert_int_equal(status, 202);
	json_decref(j);
	{
		const char	*h[] = { vera.cookie, NULL };

		snprintf(url, sizeof(url), "%s/v1/alerts/1/report.csv",
		    t->d.url);
		assert_int_equal(e2e_http_headers("GET", url, h, NULL,
		    &status, &resp, &hdrs), 0);
	}
	assert_int_equal(status, 200);
	assert_int_equal(strncmp(resp, "delivery_id,phone,channel,state,", 32),
	    0);
	assert_non_null(strstr(resp, ",+4670*****605,sms,"));
	assert_true(header_value(hdrs, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/csv; charset=utf-8");
	assert_true(header_value(hdrs, "Content-Disposition", v, sizeof(v)));
	assert_non_null(strstr(v, "varsel-alert-1.csv"));
	free(resp);
	free(hdrs);
	{
		const char	*h[] = { anna.cookie, NULL };

		assert_int_equal(e2e_http("GET", url, h, NULL, &status,
		    &resp), 0);
	}
	assert_non_null(strstr(resp, ",+46701740605,sms,"));
	assert_null(strstr(resp, "+4670*****605"));
	free(resp);
}

/* The console's files: /, its ETag and 304, nothing outside the folder. */
static void
test_console_files(void **state)
{
	struct e2e_world	*t = *state;
	char		 url[PATH_MAX], *resp, *hdrs, etag[96], inm[128];
	char		 v[512];
	const char	*h[2];
	int		 status;

	snprintf(url, sizeof(url), "%s/", t->d.url);
	assert_int_equal(e2e_http_headers("GET", url, NULL, NULL, &status,
	    &resp, &hdrs), 0);
	assert_int_equal(status, 200);
	assert_non_null(strstr(resp, "<html"));
	assert_true(header_value(hdrs, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/html; charset=utf-8");
	assert_true(header_value(hdrs, "Content-Security-Policy", v,
	    sizeof(v)));
	assert_non_null(strstr(v, "script-src 'self'"));
	assert_non_null(strstr(v, "frame-ancestors 'none'"));
	assert_null(strstr(v, "unsafe-inline"));
	assert_true(header_value(hdrs, "Referrer-Policy", v, sizeof(v)));
	assert_string_equal(v, "no-referrer");
	assert_true(header_value(hdrs, "ETag", etag, sizeof(etag)));
	free(resp);
	free(hdrs);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	h[0] = inm;
	h[1] = NULL;
	assert_int_equal(e2e_http("GET", url, h, NULL, &status, &resp), 0);
	assert_int_equal(status, 304);
	free(resp);
	snprintf(url, sizeof(url), "%s/console/app.js", t->d.url);
	assert_int_equal(e2e_http("GET", url, NULL, NULL, &status, &resp), 0);
	assert_int_equal(status, 200);
	free(resp);
	snprintf(url, sizeof(url), "%s/console/..%%2fMakefile.am", t->d.url);
	assert_int_equal(e2e_http("GET", url, NULL, NULL, &status, &resp), 0);
	assert_int_equal(status, 404);
	free(resp);
	snprintf(url, sizeof(url), "%s/console/README", t->d.url);
	assert_int_equal(e2e_http("GET", url, NULL, NULL, &status, &resp), 0);
	assert_int_equal(status, 404);
	free(resp);
	/* The map the compose page draws, from the reference data. */
	{
		struct login	vera;
		json_t		*j;

		login(t, "vera", &vera);
		j = call(t, &vera, "GET", "/v1/map", NULL, &status);
		assert_int_equal(status, 200);
		assert_int_equal(json_array_size(json_object_get(j, "areas")),
		    9);
		assert_string_equal(e2e_json_str(json_array_get(
		    json_object_get(j, "points"), 1), "name"),
		    "Lillhagaskolan");
		json_decref(j);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_login_and_roles, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_report, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_console_files, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
