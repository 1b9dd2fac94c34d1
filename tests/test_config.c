/*
 * Tests of the configuration loader: defaults, the API.md example, the
 * INI syntax (comments, quotes), every kind of error with its file:line:
 * key, provider options, path resolution and the secrecy hint.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/config.h"

#define SIM	"[provider sim]\ntype = simulator\n"
/* A well-formed hash (of "correct horse battery", at the lowest cost). */
#define PWHASH	"$scrypt$ln=10,r=8,p=1$Zm9vYmFyYmF6cXV4cXV1eA" \
		"$giPl5EtHEOW19sodafF8G3taYH/ujamLtFwK1z1dn6U"
#define TOKEN	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

/* A private folder per test, and its real path. */
struct tctx {
	char	dir[64];
	char	real[PATH_MAX];
	char	conf[PATH_MAX + 32];
};

/* Make the test's folder. */
static int
setup(void **state)
{
	struct tctx	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	strcpy(t->dir, "/tmp/test_config.XXXXXX");
	if (mkdtemp(t->dir) == NULL || realpath(t->dir, t->real) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->conf, sizeof(t->conf), "%s/varsel.conf", t->dir);
	*state = t;
	return 0;
}

/* nftw callback: remove one entry. */
static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the test's folder and all in it. */
static int
teardown(void **state)
{
	struct tctx	*t = *state;

	nftw(t->dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* Write len bytes to path with mode. */
static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int	fd;

	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) >=
	    0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Write text as the test's varsel.conf (mode 0600) and load it. */
static struct config *
load(struct tctx *t, const char *text, char *err, size_t errlen)
{
	write_file(t->conf, text, strlen(text), 0600);
	return config_load(t->conf, err, errlen);
}

/* Number of lines of a non-empty text. */
static int
count_lines(const char *s)
{
	int	n = *s ? 1 : 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* The smallest file: one provider; everything else defaults. */
static void
test_config_defaults(void **state)
{
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 err[1024], want[PATH_MAX + 64];

	cfg = load(t, SIM, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(cfg->path, t->conf);
	assert_string_equal(cfg->dir, t->real);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8025);
	snprintf(want, sizeof(want), "%s/varsel.db", t->real);
	assert_string_equal(cfg->database, want);
	assert_string_equal(cfg->public_url, "http://127.0.0.1:8025");
	assert_string_equal(cfg->default_region, "SE");
	snprintf(want, sizeof(want), "%s/templates", t->real);
	assert_string_equal(cfg->templates, want);
	assert_null(cfg->trygghetspunkter);
	assert_null(cfg->areas);
	assert_null(cfg->port_file);
	assert_string_equal(cfg->emergency_number, "112");
	assert_string_equal(cfg->duty_number, "08-721 23 13");
	assert_string_equal(cfg->timezone, "Europe/Stockholm");
	assert_non_null(cfg->tz);
	assert_string_equal(tz_name(cfg->tz), "Europe/Stockholm");
	assert_false(cfg->quiet_hours.set);
	assert_int_equal(cfg->retention_days, 90);
	assert_int_equal(cfg->retention_at, 180);
	assert_int_equal(cfg->max_body_bytes, 1048576);
	assert_int_equal(cfg->max_segments, 4);
	assert_int_equal(cfg->max_attempts, 6);
	assert_int_equal(cfg->retry_base_ms, 1000);
	assert_int_equal(cfg->retry_max_ms, 300000);
	assert_int_equal(cfg->batch_max, 256);
	assert_int_equal(cfg->shutdown_grace_ms, 10000);

	assert_int_equal(cfg->nproviders, 1);
	assert_string_equal(cfg->providers[0].name, "sim");
	assert_string_equal(cfg->providers[0].type, "simulator");
	assert_string_equal(cfg->providers[0].file, t->conf);
	assert_int_equal(cfg->providers[0].line, 1);
	assert_int_equal(cfg->providers[0].priority, 1);
	assert_true(cfg->providers[0].rate == 100.0);
	assert_int_equal(cfg->providers[0].max_connections, 16);
	assert_null(cfg->providers[0].from);
	assert_null(cfg->providers[0].base_url);
	assert_int_equal(cfg->providers[0].timeout_ms, 10000);
	assert_int_equal(cfg->providers[0].nopts, 0);
	assert_int_equal(cfg->nclients, 0);
	config_free(cfg);
	config_free(NULL);
}

/* The example of design/API.md (less the twilio type we lack). */
static const char api_example[] =
    "[gateway]\n"
    "listen = 127.0.0.1:8025          ; host:port of the HTTP API\n"
    "database = ../var/varsel.db      ; SQLite file\n"
    "public_url = http://127.0.0.1:8025  ; base of the callback URLs\n"
    "default_region = SE              ; for numbers without +country\n"
    "templates = ../templates\n"
    "trygghetspunkter = trygghetspunkter.csv\n"
    "areas = areas.csv\n"
    "emergency_number = 08-721 23 13  ; printed in help texts\n"
    "max_body_bytes = 1048576\n"
    "\n"
    "[dispatch]\n"
    "max_attempts = 6\n"
    "retry_base_ms = 1000             ; exponential backoff\n"
    "retry_max_ms = 300000\n"
    "\n"
    "; Every [provider NAME] section takes type, priority, rate, ...\n"
    "[provider sim]                   ; the section name\n"
    "type = simulator                 ; simulator | 46elks\n"
    "priority = 1                     ; lower is tried first\n"
    "rate = 100                       ; SMS segments per second:\n"
    "                                 ; a 2-segment SMS takes 2\n"
    "max_connections = 16\n"
    "from = Nykvarn                   ; alphanumeric sender\n"
    "delivered_after_ms = 300         ; simulator only\n"
    "\n"
    "[provider elks]\n"
    "type = 46elks\n"
    "base_url = https://api.46elks.com/a1\n"
    "username = u...\n"
    "password = ...\n"
    "from = Nykvarn\n"
    "callback_secret = long-random-string\n"
    "\n"
    "[client coordination]            ; one section per API client\n"
    "token_sha256 = 0123456789ABCDEF0123456789abcdef"
    "0123456789abcdef0123456789ABCDEF\n"
    "scopes = alerts:write alerts:read contacts:write contacts:read\n"
    "hmac_secret = optional-shared-secret\n";

/* Every value of the API.md example lands where it should. */
static void
test_config_api_example(void **state)
{
	struct tctx			*t = *state;
	struct config			*cfg;
	const struct provider_conf	*elks, *sim;
	char				 err[1024], want[PATH_MAX + 64];
	long				 v;

	cfg = load(t, api_example, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8025);
	snprintf(want, sizeof(want), "%s/../var/varsel.db", t->real);
	assert_string_equal(cfg->database, want);
	snprintf(want, sizeof(want), "%s/../templates", t->real);
	assert_string_equal(cfg->templates, want);
	snprintf(want, sizeof(want), "%s/trygghetspunkter.csv", t->real);
	assert_string_equal(cfg->trygghetspunkter, want);
	snprintf(want, sizeof(want), "%s/areas.csv", t->real);
	assert_string_equal(cfg->areas, want);
	assert_string_equal(cfg->emergency_number, "08-721 23 13");
	assert_string_equal(cfg->public_url, "http://127.0.0.1:8025");

	/* Same priority: sorted by name. */
	assert_int_equal(cfg->nproviders, 2);
	elks = &cfg->providers[0];
	sim = &cfg->providers[1];
	assert_string_equal(elks->name, "elks");
	assert_string_equal(elks->type, "46elks");
	assert_string_equal(elks->base_url, "https://api.46elks.com/a1");
	assert_string_equal(elks->from, "Nykvarn");
	assert_int_equal(elks->line, 27);
	assert_int_equal(elks->nopts, 3);
	assert_string_equal(provider_conf_get(elks, "username"), "u...");
	assert_string_equal(provider_conf_get(elks, "password"), "...");
	assert_string_equal(provider_conf_get(elks, "callback_secret"),
	    "long-random-string");
	assert_null(provider_conf_get(elks, "type"));
	assert_null(provider_conf_get(elks, "dryrun"));
	assert_string_equal(sim->name, "sim");
	assert_int_equal(sim->line, 18);
	assert_int_equal(sim->nopts, 1);
	assert_string_equal(sim->opts[0].key, "delivered_after_ms");
	assert_string_equal(sim->opts[0].value, "300");
	assert_int_equal(sim->opts[0].line, 25);
	assert_int_equal(provider_conf_int(sim, "delivered_after_ms", 0, 0,
	    60000, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 300);

	assert_int_equal(cfg->nclients, 1);
	assert_string_equal(cfg->clients[0].name, "coordination");
	assert_int_equal(cfg->clients[0].line, 35);
	assert_string_equal(cfg->clients[0].token_sha256, TOKEN);
	assert_int_equal(cfg->clients[0].scopes, SCOPE_ALERTS_WRITE |
	    SCOPE_ALERTS_READ | SCOPE_CONTACTS_WRITE | SCOPE_CONTACTS_READ);
	assert_string_equal(cfg->clients[0].hmac_secret,
	    "optional-shared-secret");
	config_free(cfg);
}

/* What a value line turns into: comments, blanks and quotes. */
static void
test_config_values(void **state)
{
	static const struct {
		const char	*line;
		const char	*want;
	} rows[] = {
		{ "emergency_number = 112", "112" },
		{ "emergency_number=112", "112" },
		{ "emergency_number =\t112\t", "112" },
		{ "\temergency_number = 112", "112" },
		{ "emergency_number = 08-721 23 13   ; comment",
		    "08-721 23 13" },
		{ "emergency_number = 08-721 23 13\t# comment",
		    "08-721 23 13" },
		{ "emergency_number = 112#1", "112#1" },
		{ "emergency_number = a;b", "a;b" },
		{ "emergency_number = a ;b", "a" },
		{ "emergency_number = 1 = 2", "1 = 2" },
		{ "emergency_number = \"112 ; # x\"   # c", "112 ; # x" },
		{ "emergency_number = \"  padded  \"", "  padded  " },
		{ "emergency_number = \"say \\\"hi\\\" \\\\ ok\"",
		    "say \"hi\" \\ ok" },
		{ "emergency_number = \"a\\b\"", "a\\b" },
		{ "emergency_number = 112\r", "112" },
		{ "emergency_number = 112 ;; two", "112" },
		{ "emergency_number = åäö ring 112", "åäö ring 112" },
	};
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 text[512], err[1024];
	size_t		 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), "; top comment\n  # indented\n"
		    "\n[gateway] ; hi\n%s\n" SIM, rows[i].line);
		if ((cfg = load(t, text, err, sizeof(err))) == NULL)
			fail_msg("row %zu: %s", i, err);
		if (strcmp(cfg->emergency_number, rows[i].want) != 0)
			fail_msg("row %zu: got '%s', want '%s'", i,
			    cfg->emergency_number, rows[i].want);
		config_free(cfg);
	}
	/* A byte order mark and CRLF line ends. */
	cfg = load(t, "\xef\xbb\xbf[gateway]\r\nemergency_number = 113\r\n"
	    "[provider sim]\r\ntype = simulator\r\n", err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(cfg->emergency_number, "113");
	config_free(cfg);
	/* No newline at the end of the file. */
	cfg = load(t, "[provider sim]\ntype = simulator", err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	config_free(cfg);
}

/* One bad file per row; the one error it gives, with file:line: key. */
static const struct {
	const char	*text;	/* SIM is appended */
	const char	*want;	/* after "varsel.conf:" */
} error_rows[] = {
	/* Sections. */
	{ "[gatway]\nlisten = x\n",
	    "1: gatway: unknown section" },
	{ "[Gateway]\n", "1: Gateway: unknown section" },
	{ "[gateway x]\n", "1: gateway x: unknown section" },
	{ "[]\n", "1: section: empty section name" },
	{ "[gateway\n", "1: section: missing ']'" },
	{ "[gateway] x\n", "1: gateway: text after ']'" },
	{ "[provider]\n", "1: provider: a name is needed" },
	{ "[client]\n", "1: client: a name is needed" },
	{ "[provider a/b]\ntype = simulator\n", "1: provider a/b: bad name" },
	{ "[provider a b]\ntype = simulator\n", "1: provider a b: bad name" },
	{ "[provider abcdefghijklmnopqrstuvwxyz0123456]\ntype = simulator\n",
	    "1: provider abcdefghijklmnopqrstuvwxyz0123456: bad name" },
	{ "[gateway]\n[gateway]\n",
	    "2: gateway: duplicate section (first on line 1)" },
	{ "[dispatch]\n\n[dispatch]\n",
	    "3: dispatch: duplicate section (first on line 1)" },
	{ "[provider sim]\ntype = simulator\n",
	    "3: provider sim: duplicate section (first on line 1)" },
	/* Lines and keys. */
	{ "listen = 127.0.0.1:80\n", "1: listen: outside of any section" },
	{ "[gateway]\nlisten 127.0.0.1:80\n",
	    "2: listen: expected 'key = value'" },
	{ "[gateway]\npassword: hunter22\n",
	    "2: password: expected 'key = value'" },
	{ "[gateway]\n= 1\n", "2: line: no key before '='" },
	{ "[gateway]\nlsten = 127.0.0.1:80\n",
	    "2: lsten: unknown key in [gateway]" },
	{ "[gateway]\nListen = 127.0.0.1:80\n",
	    "2: Listen: unknown key in [gateway] (keys are lowercase: "
	    "listen)" },
	{ "[gateway]\nmax_attempts = 3\n",
	    "2: max_attempts: unknown key in [gateway]" },
	{ "[gateway]\nlisten = 127.0.0.1:80\nlisten = 127.0.0.1:81\n",
	    "3: listen: duplicate key (first on line 2)" },
	{ "[gateway]\ndatabase =\n",
	    "2: database: no value (write \"\" for an empty one)" },
	{ "[gateway]\ndatabase = ; nothing\n", "2: database: no value" },
	{ "[gateway]\ndatabase = \"\"\n", "2: database: empty value" },
	{ "[gateway]\ndatabase = \"x.db\n", "2: database: no closing '\"'" },
	{ "[gateway]\ndatabase = \"x.db\" y\n",
	    "2: database: text after the closing '\"'" },
	{ "[gateway]\ndatabase = a\x01z\n", "2: line: control character" },
	/* [gateway] values. */
	{ "[gateway]\nlisten = 127.0.0.1\n", "2: listen: '127.0.0.1' is not "
	    "host:port" },
	{ "[gateway]\nlisten = 127.0.0.1:70000\n",
	    "2: listen: '127.0.0.1:70000': the port must be 0..65535" },
	{ "[gateway]\nlisten = 127.0.0.1:-1\n", "2: listen: " },
	{ "[gateway]\nlisten = 127.0.0.1:http\n", "2: listen: " },
	{ "[gateway]\nlisten = :8025\n", "2: listen: ':8025': no host" },
	{ "[gateway]\nlisten = [::1]8025\n", "2: listen: " },
	{ "[gateway]\nlisten = ::1:8025\n", "2: listen: " },
	{ "[gateway]\npublic_url = localhost:8025\n",
	    "2: public_url: 'localhost:8025' must start with http:// or "
	    "https://" },
	{ "[gateway]\npublic_url = https://\n", "2: public_url: " },
	{ "[gateway]\npublic_url = http:///x\n", "2: public_url: " },
	{ "[gateway]\ndefault_region = se\n", "2: default_region: 'se' is not"
	    " a region" },
	{ "[gateway]\ndefault_region = SWE\n", "2: default_region: " },
	{ "[gateway]\ndefault_region = XX\n",
	    "2: default_region: unknown region 'XX'" },
	{ "[gateway]\nmax_body_bytes = 1023\n",
	    "2: max_body_bytes: 1023 is out of range (1024..67108864)" },
	{ "[gateway]\nmax_body_bytes = 67108865\n", "2: max_body_bytes: " },
	{ "[gateway]\nmax_body_bytes = 1MB\n",
	    "2: max_body_bytes: '1MB' is not a whole number" },
	{ "[gateway]\nmax_segments = 0\n",
	    "2: max_segments: 0 is out of range (1..10)" },
	{ "[gateway]\nmax_segments = 11\n", "2: max_segments: " },
	{ "[gateway]\nmax_segments = 2.5\n", "2: max_segments: '2.5' is not" },
	/* [dispatch] values. */
	{ "[dispatch]\nmax_attempts = 0\n", "2: max_attempts: 0 is out of "
	    "range (1..100)" },
	{ "[dispatch]\nmax_attempts = 101\n", "2: max_attempts: " },
	{ "[dispatch]\nretry_base_ms = 0\n", "2: retry_base_ms: " },
	{ "[dispatch]\nretry_base_ms = 3600001\n", "2: retry_base_ms: " },
	{ "[dispatch]\nretry_max_ms = 500\n",
	    "2: retry_max_ms: 500 is below retry_base_ms (1000)" },
	{ "[dispatch]\nretry_base_ms = 400000\n",
	    "2: retry_base_ms: 400000 is above retry_max_ms (300000)" },
	{ "[dispatch]\nretry_max_ms = 999\nretry_base_ms = 1000\n",
	    "2: retry_max_ms: 999 is below retry_base_ms (1000)" },
	{ "[dispatch]\nbatch_max = 0\n", "2: batch_max: " },
	{ "[dispatch]\nbatch_max = 10001\n", "2: batch_max: " },
	{ "[dispatch]\nshutdown_grace_ms = -1\n", "2: shutdown_grace_ms: " },
	{ "[dispatch]\nshutdown_grace_ms = 600001\n",
	    "2: shutdown_grace_ms: " },
	{ "[dispatch]\nlisten = 127.0.0.1:80\n",
	    "2: listen: unknown key in [dispatch]" },
	/* [provider NAME]. */
	{ "[provider p]\npriority = 2\n",
	    "1: type: missing; [provider p] needs it" },
	{ "[provider p]\ntype = sinch\n", "2: type: unknown provider type "
	    "'sinch' (known: simulator, 46elks, twilio)" },
	{ "[provider p]\ntype = Simulator\n", "2: type: unknown provider" },
	{ "[provider p]\ntype = simulator\nusername = x\n",
	    "3: username: unknown key for type simulator (it takes type, "
	    "priority, rate, max_connections, from, base_url, timeout_ms, "
	    "stall_ms, delivered_after_ms, fail_share, answer_digit)" },
	{ "[provider p]\ntype = simulator\nstall_ms = -1\n",
	    "3: stall_ms: -1 is out of range (0..120000)" },
	{ "[provider p]\ntype = simulator\npriority = 1001\n",
	    "3: priority: 1001 is out of range (0..1000)" },
	{ "[provider p]\ntype = simulator\npriority = -1\n", "3: priority: " },
	{ "[provider p]\ntype = simulator\npriority = high\n",
	    "3: priority: 'high' is not a whole number" },
	{ "[provider p]\ntype = simulator\nrate = 0\n", "3: rate: 0 is out of"
	    " range (more than 0, at most 100000)" },
	{ "[provider p]\ntype = simulator\nrate = -5\n", "3: rate: " },
	{ "[provider p]\ntype = simulator\nrate = 100000.5\n", "3: rate: " },
	{ "[provider p]\ntype = simulator\nrate = nan\n",
	    "3: rate: 'nan' is not a number" },
	{ "[provider p]\ntype = simulator\nrate = inf\n", "3: rate: " },
	{ "[provider p]\ntype = simulator\nrate = 5/s\n", "3: rate: " },
	{ "[provider p]\ntype = simulator\nmax_connections = 0\n",
	    "3: max_connections: " },
	{ "[provider p]\ntype = simulator\nmax_connections = 1025\n",
	    "3: max_connections: " },
	{ "[provider p]\ntype = simulator\ntimeout_ms = 99\n",
	    "3: timeout_ms: 99 is out of range (100..120000)" },
	{ "[provider p]\ntype = simulator\ntimeout_ms = 120001\n",
	    "3: timeout_ms: " },
	{ "[provider p]\ntype = simulator\nfrom = Nykvarns kommun\n",
	    "3: from: 'Nykvarns kommun' is neither a sender name" },
	{ "[provider p]\ntype = simulator\nfrom = 12345\n", "3: from: " },
	{ "[provider p]\ntype = simulator\nfrom = Nykvärn\n", "3: from: " },
	{ "[provider p]\ntype = simulator\nfrom = Ny-kvarn\n", "3: from: " },
	{ "[provider p]\ntype = simulator\nfrom = +467012\n", "3: from: " },
	{ "[provider p]\ntype = simulator\nfrom = +46 70 1234567\n",
	    "3: from: " },
	{ "[provider p]\ntype = simulator\nfrom = +1234567890123456\n",
	    "3: from: " },
	{ "[provider p]\ntype = simulator\nbase_url = ftp://x\n",
	    "3: base_url: 'ftp://x' must start with http:// or https://" },
	{ "[provider p]\ntype = simulator\nbase_url = http://a b\n",
	    "3: base_url: " },
	/* [client NAME]. */
	{ "[client c]\nscopes = alerts:read\n",
	    "1: token_sha256: missing; [client c] needs it" },
	{ "[client c]\ntoken_sha256 = " TOKEN "\n",
	    "1: scopes: missing; [client c] needs it" },
	{ "[client c]\ntoken_sha256 = abc\nscopes = alerts:read\n",
	    "2: token_sha256: must be 64 hex digits" },
	{ "[client c]\ntoken_sha256 = " TOKEN "0\nscopes = alerts:read\n",
	    "2: token_sha256: must be 64 hex digits" },
	{ "[client c]\ntoken_sha256 = 0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdeg\nscopes = alerts:read\n",
	    "2: token_sha256: must be 64 hex digits" },
	{ "[client c]\ntoken_sha256 = " TOKEN "\nscopes = alerts:read admin\n",
	    "3: scopes: unknown scope 'admin' (known: alerts:write "
	    "alerts:read contacts:write contacts:read metrics:read "
	    "alerts:approve audit:read users:write)" },
	{ "[user anna]\npassword_hash = " PWHASH "\nrole = boss\n",
	    "3: role: 'boss' is not a role (viewer, sender, approver, admin)" },
	{ "[user anna]\npassword_hash = hunter2hunter2\nrole = sender\n",
	    "2: password_hash: not an scrypt hash" },
	{ "[user anna]\npassword_hash = $scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ"
	    "$a2V5a2V5a2V5a2V5a2V5a2V5\nrole = sender\n",
	    "2: password_hash: scrypt cost out of range" },
	{ "[user anna]\nrole = sender\n",
	    "1: password_hash: missing; [user anna] needs it" },
	{ "[user anna]\npassword_hash = " PWHASH "\nrole = sender\n"
	    "token_sha256 = " TOKEN "\n",
	    "4: token_sha256: unknown key in [user anna]" },
	{ "[user]\nrole = sender\n",
	    "1: user: a name is needed: [user NAME]" },
	{ "[client anna]\ntoken_sha256 = " TOKEN "\nscopes = alerts:read\n"
	    "[user anna]\npassword_hash = " PWHASH "\nrole = viewer\n",
	    "4: user: [user anna] has the name of [client anna] (line 1)" },
	{ "[client c]\ntoken_sha256 = " TOKEN "\nscopes = \"  \"\n",
	    "3: scopes: no scope given" },
	{ "[client c]\ntoken_sha256 = " TOKEN "\nscopes = Alerts:Read\n",
	    "3: scopes: unknown scope 'Alerts:Read'" },
	{ "[client c]\ntoken_sha256 = " TOKEN "\nscopes = alerts:read\n"
	    "hmac_secret = short\n",
	    "4: hmac_secret: too short (16 characters at least)" },
	{ "[client c]\ntoken_sha256 = " TOKEN "\nscopes = alerts:read\n"
	    "token = x\n", "4: token: unknown key in [client c]" },
	{ "[client c]\ntoken_sha256 = " TOKEN "\nscopes = alerts:read\n"
	    "[client d]\ntoken_sha256 = " TOKEN "\nscopes = alerts:write\n",
	    "5: token_sha256: the same token as [client c]" },
	{ "[client c/d]\ntoken_sha256 = " TOKEN "\nscopes = alerts:read\n",
	    "1: client c/d: bad name" },
	/* Local time: the zone, quiet hours, the retention job. */
	{ "[gateway]\nlisten = 127.0.0.1:1\ntimezone = Europe/Nykvarn\n",
	    "3: timezone: time zone " },
	{ "[gateway]\ntimezone = ../../etc/passwd\n",
	    "2: timezone: '../../etc/passwd' is not a time zone name" },
	{ "[dispatch]\nquiet_hours = 21-08\n",
	    "2: quiet_hours: '21-08' is not HH:MM-HH:MM" },
	{ "[dispatch]\nquiet_hours = 08:00-08:00\n",
	    "2: quiet_hours: '08:00-08:00' begins where it ends" },
	{ "[dispatch]\nretention_at = 3\n",
	    "2: retention_at: '3' is not a time of day HH:MM" },
	{ "[dispatch]\nretention_days = -1\n",
	    "2: retention_days: -1 is out of range (0..3650)" },
};

/* Each row of error_rows gives its error and nothing else. */
static void
test_config_errors(void **state)
{
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 text[1024], err[2048], want[PATH_MAX + 512];
	size_t		 i;

	for (i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++) {
		snprintf(text, sizeof(text), "%s" SIM, error_rows[i].text);
		err[0] = '\0';
		cfg = load(t, text, err, sizeof(err));
		if (cfg != NULL) {
			config_free(cfg);
			fail_msg("row %zu: loaded:\n%s", i, text);
		}
		snprintf(want, sizeof(want), "%s:%s", t->conf,
		    error_rows[i].want);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("row %zu: got\n  %s\nwant\n  %s", i, err,
			    want);
		if (count_lines(err) != 1)
			fail_msg("row %zu: more than one error:\n%s", i, err);
	}
}

/* The keys of local time land where they should. */
static void
test_config_local_time(void **state)
{
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 err[1024];

	cfg = load(t, "[gateway]\ntimezone = America/New_York\n"
	    "duty_number = 08-123 45 67\n[dispatch]\n"
	    "quiet_hours = 22:30-07:15\nretention_days = 0\n"
	    "retention_at = 02:30\n" SIM, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(tz_name(cfg->tz), "America/New_York");
	assert_string_equal(cfg->duty_number, "08-123 45 67");
	assert_true(cfg->quiet_hours.set);
	assert_int_equal(cfg->quiet_hours.start, 22 * 60 + 30);
	assert_int_equal(cfg->quiet_hours.end, 7 * 60 + 15);
	assert_int_equal(cfg->retention_days, 0);
	assert_int_equal(cfg->retention_at, 150);
	config_free(cfg);
	cfg = load(t, "[dispatch]\nquiet_hours = \"\"\n" SIM, err,
	    sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_false(cfg->quiet_hours.set);
	config_free(cfg);
}

/* Secrets never show up in errors. */
static void
test_config_errors_hide_secrets(void **state)
{
	struct tctx	*t = *state;
	char		 err[2048];

	assert_null(load(t, "[gateway]\npassword hunter2-secret\n"
	    "[provider p]\ntype = sinch\nauth_token = hunter2-secret\n"
	    "[client c]\ntoken_sha256 = " TOKEN "\nscopes = alerts:read\n"
	    "hmac_secret = hunter2\n" SIM, err, sizeof(err)));
	assert_int_equal(count_lines(err), 3);
	assert_null(strstr(err, "hunter2"));
}

/* All errors come at once, one per line, sorted by line. */
static void
test_config_all_errors(void **state)
{
	static char	 want[48 * 1024];	/* room for ten paths */
	struct tctx	*t = *state;
	char		 err[2048];

	assert_null(load(t,
	    "[client c]\n"				/* 1 */
	    "hmac_secret = short\n"			/* 2 */
	    "[gateway]\n"				/* 3 */
	    "max_segments = 0\n"			/* 4 */
	    "junk\n"					/* 5 */
	    "[gateway]\n"				/* 6 */
	    "listen = nowhere\n"			/* 7 */
	    "[provider x]\n"				/* 8 */
	    "type = simulator\n"			/* 9 */
	    "rate = 0\n"				/* 10 */
	    "[provider y]\n"				/* 11 */
	    "type = carrier-pigeon\n"			/* 12 */
	    "wings = 2\n"				/* 13 */
	    "[dispatch]\n"				/* 14 */
	    "retry_max_ms = 10\n",			/* 15 */
	    err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "%1$s:1: token_sha256: missing; [client c] needs it\n"
	    "%1$s:1: scopes: missing; [client c] needs it\n"
	    "%1$s:2: hmac_secret: too short (16 characters at least)\n"
	    "%1$s:4: max_segments: 0 is out of range (1..10)\n"
	    "%1$s:5: junk: expected 'key = value'\n"
	    "%1$s:6: gateway: duplicate section (first on line 3)\n"
	    "%1$s:7: listen: 'nowhere' is not host:port ([addr]:port for "
	    "IPv6)\n"
	    "%1$s:10: rate: 0 is out of range (more than 0, at most 100000)\n"
	    "%1$s:12: type: unknown provider type 'carrier-pigeon' (known: "
	    "simulator, 46elks, twilio)\n"
	    "%1$s:15: retry_max_ms: 10 is below retry_base_ms (1000)",
	    t->conf);
	assert_string_equal(err, want);
	/* A small buffer gets what fits, still terminated. */
	assert_null(config_load(t->conf, err, 40));
	assert_int_equal(strlen(err), 39);
}

/* The file itself: missing, a folder, empty. */
static void
test_config_file(void **state)
{
	struct tctx	*t = *state;
	char		 err[1024], path[PATH_MAX + 64];
	char		 want[PATH_MAX + 160];

	snprintf(path, sizeof(path), "%s/nope.conf", t->dir);
	assert_null(config_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_null(config_load(t->dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: is a folder", t->dir);
	assert_string_equal(err, want);
	assert_null(load(t, "[gateway]\n", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: provider: no [provider NAME] "
	    "section; at least one is needed", t->conf);
	assert_string_equal(err, want);
	assert_null(load(t, "", err, sizeof(err)));
	assert_string_equal(err, want);
	write_file(t->conf, "[provider sim]\x00\ntype = simulator\n", 33,
	    0600);
	assert_null(config_load(t->conf, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: line: contains a NUL byte"));
}

/* Relative paths follow the file's folder; absolute ones stay. */
static void
test_config_paths(void **state)
{
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 err[1024], etc[PATH_MAX], want[PATH_MAX + 64];
	char		 cwd[PATH_MAX];
	const char	*text = "[gateway]\n"
	    "database = :memory:\n"
	    "templates = /usr/share/varsel/templates/\n"
	    "trygghetspunkter = data/tp.csv\n"
	    "areas = ../areas.csv\n"
	    "port_file = run/port\n" SIM;

	snprintf(etc, sizeof(etc), "%s/etc", t->dir);
	assert_int_equal(mkdir(etc, 0700), 0);
	snprintf(etc, sizeof(etc), "%s/etc/varsel.conf", t->dir);
	write_file(etc, text, strlen(text), 0600);
	/* Load it by a relative name, from its parent folder. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t->dir), 0);
	cfg = config_load("etc/varsel.conf", err, sizeof(err));
	assert_int_equal(chdir(cwd), 0);
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(cfg->path, "etc/varsel.conf");
	snprintf(want, sizeof(want), "%s/etc", t->real);
	assert_string_equal(cfg->dir, want);
	assert_string_equal(cfg->database, ":memory:");
	assert_string_equal(cfg->templates, "/usr/share/varsel/templates/");
	snprintf(want, sizeof(want), "%s/etc/data/tp.csv", t->real);
	assert_string_equal(cfg->trygghetspunkter, want);
	snprintf(want, sizeof(want), "%s/etc/../areas.csv", t->real);
	assert_string_equal(cfg->areas, want);
	snprintf(want, sizeof(want), "%s/etc/run/port", t->real);
	assert_string_equal(cfg->port_file, want);
	config_free(cfg);
}

/* listen and public_url in their various forms. */
static void
test_config_listen(void **state)
{
	static const struct {
		const char	*lines;
		const char	*host;
		int		 port;
		const char	*url;
	} rows[] = {
		{ "listen = 0.0.0.0:0", "0.0.0.0", 0, "http://0.0.0.0:0" },
		{ "listen = localhost:65535", "localhost", 65535,
		    "http://localhost:65535" },
		{ "listen = [::1]:9000", "::1", 9000, "http://[::1]:9000" },
		{ "listen = 127.0.0.1:8025\npublic_url = https://varsel."
		    "nykvarn.se/", "127.0.0.1", 8025,
		    "https://varsel.nykvarn.se" },
		{ "public_url = http://10.0.0.1:8080/varsel///", "127.0.0.1",
		    8025, "http://10.0.0.1:8080/varsel" },
	};
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 text[512], err[1024];
	size_t		 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), "[gateway]\n%s\n" SIM,
		    rows[i].lines);
		if ((cfg = load(t, text, err, sizeof(err))) == NULL)
			fail_msg("row %zu: %s", i, err);
		assert_string_equal(cfg->listen_host, rows[i].host);
		assert_int_equal(cfg->listen_port, rows[i].port);
		assert_string_equal(cfg->public_url, rows[i].url);
		config_free(cfg);
	}
}

/* Providers by priority then name; the values that are allowed. */
static void
test_config_providers(void **state)
{
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 err[1024];

	cfg = load(t,
	    "[provider c]\ntype = simulator\npriority = 2\n"
	    "from = +46701234567\n"
	    "[provider a-1]\ntype = simulator\npriority = 2\nrate = 0.5\n"
	    "from = SOS 112\n"
	    "[provider b_2]\ntype = 46elks\npriority = 0\nmax_connections = "
	    "1024\ntimeout_ms = 100\nbase_url = http://127.0.0.1:9/a1/\n"
	    "from = Nykvarn1234\n"
	    "[provider Z]\ntype = simulator\nrate = 100000\n"
	    "max_connections = 1\ntimeout_ms = 120000\n", err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(cfg->nproviders, 4);
	assert_string_equal(cfg->providers[0].name, "b_2");
	assert_string_equal(cfg->providers[1].name, "Z");
	assert_string_equal(cfg->providers[2].name, "a-1");
	assert_string_equal(cfg->providers[3].name, "c");
	assert_int_equal(cfg->providers[0].max_connections, 1024);
	assert_int_equal(cfg->providers[0].timeout_ms, 100);
	assert_string_equal(cfg->providers[0].base_url,
	    "http://127.0.0.1:9/a1");
	assert_string_equal(cfg->providers[0].from, "Nykvarn1234");
	assert_true(cfg->providers[1].rate == 100000.0);
	assert_int_equal(cfg->providers[1].priority, 1);
	assert_true(cfg->providers[2].rate == 0.5);
	assert_string_equal(cfg->providers[2].from, "SOS 112");
	assert_string_equal(cfg->providers[3].from, "+46701234567");
	assert_int_equal(cfg->providers[3].line, 1);
	config_free(cfg);
}

/* Clients: scopes as bits, tokens lowercased, optional secret. */
static void
test_config_clients(void **state)
{
	struct tctx	*t = *state;
	struct config	*cfg;
	char		 err[1024];

	cfg = load(t, SIM
	    "[client reader]\n"
	    "token_sha256 = ABCDEF0123456789ABCDEF0123456789"
	    "abcdef0123456789abcdef0123456789\n"
	    "scopes = alerts:read\t contacts:read alerts:read\n"
	    "[client beacon]\n"
	    "token_sha256 = " TOKEN "\n"
	    "scopes = alerts:write\n"
	    "hmac_secret = \"0123456789abcdef\"\n", err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(cfg->nclients, 2);
	assert_string_equal(cfg->clients[0].name, "reader");
	assert_int_equal(cfg->clients[0].line, 3);
	assert_string_equal(cfg->clients[0].token_sha256,
	    "abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789");
	assert_int_equal(cfg->clients[0].scopes,
	    SCOPE_ALERTS_READ | SCOPE_CONTACTS_READ);
	assert_null(cfg->clients[0].hmac_secret);
	assert_string_equal(cfg->clients[1].name, "beacon");
	assert_int_equal(cfg->clients[1].scopes, SCOPE_ALERTS_WRITE);
	assert_string_equal(cfg->clients[1].hmac_secret, "0123456789abcdef");
	config_free(cfg);
}

/* provider_conf_get, _int and _require, with file:line: key errors. */
static void
test_config_provider_opts(void **state)
{
	struct tctx			*t = *state;
	struct config			*cfg;
	const struct provider_conf	*pc;
	char				 err[1024], want[PATH_MAX + 128];
	long				 v = 7;

	cfg = load(t, "[gateway]\n\n"
	    "[provider sim]\n"			/* 3 */
	    "type = simulator\n"
	    "delivered_after_ms = 300\n"	/* 5 */
	    "fail_share = lots\n", err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	pc = &cfg->providers[0];
	assert_string_equal(provider_conf_get(pc, "delivered_after_ms"),
	    "300");
	assert_string_equal(provider_conf_get(pc, "fail_share"), "lots");
	assert_null(provider_conf_get(pc, "rate"));

	assert_int_equal(provider_conf_int(pc, "delivered_after_ms", 5, 0,
	    1000, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 300);
	assert_int_equal(provider_conf_int(pc, "absent", 5, 0, 1000, &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, 5);

	assert_int_equal(provider_conf_int(pc, "delivered_after_ms", 5, 0,
	    100, &v, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:5: delivered_after_ms: 300 is out "
	    "of range (0..100)", t->conf);
	assert_string_equal(err, want);
	assert_int_equal(provider_conf_int(pc, "fail_share", 5, 0, 100, &v,
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:6: fail_share: 'lots' is not a "
	    "whole number", t->conf);
	assert_string_equal(err, want);

	assert_string_equal(provider_conf_require(pc, "fail_share", err,
	    sizeof(err)), "lots");
	assert_null(provider_conf_require(pc, "password", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: password: missing; [provider sim] "
	    "of type simulator needs it", t->conf);
	assert_string_equal(err, want);
	config_free(cfg);
}

/* Run config_load with stderr in a file; what was logged. */
static void
load_logged(struct tctx *t, mode_t mode, const char *text, char *out,
    size_t outlen)
{
	struct config	*cfg;
	char		 err[1024], logpath[PATH_MAX + 64];
	FILE		*fp;
	size_t		 n;
	int		 fd, saved;

	write_file(t->conf, text, strlen(text), mode);
	snprintf(logpath, sizeof(logpath), "%s/stderr", t->dir);
	fflush(stderr);
	assert_true((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600))
	    >= 0);
	assert_true((saved = dup(2)) >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	cfg = config_load(t->conf, err, sizeof(err));
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	if (cfg == NULL)
		fail_msg("%s", err);
	config_free(cfg);
	assert_non_null(fp = fopen(logpath, "r"));
	n = fread(out, 1, outlen - 1, fp);
	out[n] = '\0';
	fclose(fp);
}

/* A readable file holding secrets gets a chmod hint, not an error. */
static void
test_config_secrecy(void **state)
{
	struct tctx	*t = *state;
	char		 logged[2048];
	const char	*secret = SIM "[client c]\ntoken_sha256 = " TOKEN
	    "\nscopes = alerts:read\nhmac_secret = 0123456789abcdef0\n";
	const char	*elks = "[provider e]\ntype = 46elks\n"
	    "password = x\n";

	load_logged(t, 0644, secret, logged, sizeof(logged));
	assert_non_null(strstr(logged, "chmod 600"));
	assert_non_null(strstr(logged, t->conf));
	assert_null(strstr(logged, "0123456789abcdef0"));
	/* Group-readable is fine for a group of ours (root:varsel 0640). */
	load_logged(t, 0640, elks, logged, sizeof(logged));
	assert_null(strstr(logged, "chmod"));
	load_logged(t, 0604, elks, logged, sizeof(logged));
	assert_non_null(strstr(logged, "chmod 600"));
	load_logged(t, 0600, secret, logged, sizeof(logged));
	assert_null(strstr(logged, "chmod"));
	load_logged(t, 0644, SIM, logged, sizeof(logged));
	assert_null(strstr(logged, "chmod"));
}

/* scope_parse knows the four scopes and nothing else. */
/*
 * [user NAME] sections: roles, the scopes each role has, the lookup, and
 * a reload that takes the users of the file as it is now.
 */
static void
test_config_users(void **state)
{
	struct tctx	*t = *state;
	struct config	*cfg;
	const char	*text;
	char		 err[2048];
	FILE		*fp;

	cfg = load(t, SIM "[gateway]\nconsole = pages\n"
	    "[user anna]\npassword_hash = " PWHASH "\nrole = sender\n"
	    "[user vera]\npassword_hash = " PWHASH "\nrole = viewer\n",
	    err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(cfg->nusers, 2);
	assert_non_null(config_user(cfg, "anna"));
	assert_int_equal(config_user(cfg, "anna")->role, ROLE_SENDER);
	assert_string_equal(config_user(cfg, "vera")->password_hash, PWHASH);
	assert_null(config_user(cfg, "bo"));
	assert_int_equal(cfg->approval_over, 500);
	assert_int_equal(cfg->session_idle_s, 3600);
	assert_non_null(strstr(cfg->console, "/pages"));
	assert_int_equal(cfg->console[0], '/');

	/* A viewer reads, and never writes or approves. */
	assert_int_equal(role_scopes(ROLE_VIEWER),
	    SCOPE_ALERTS_READ | SCOPE_AUDIT_READ);
	assert_int_equal(role_scopes(ROLE_SENDER) & (SCOPE_ALERTS_APPROVE |
	    SCOPE_USERS_WRITE), 0);
	assert_true(role_scopes(ROLE_SENDER) & SCOPE_ALERTS_WRITE);
	assert_true(role_scopes(ROLE_APPROVER) & SCOPE_ALERTS_APPROVE);
	assert_int_equal(role_scopes(ROLE_APPROVER) & SCOPE_USERS_WRITE, 0);
	assert_true(role_scopes(ROLE_ADMIN) & SCOPE_USERS_WRITE);
	assert_int_equal(role_parse("approver"), ROLE_APPROVER);
	assert_int_equal(role_parse("Approver"), -1);
	assert_string_equal(role_name(ROLE_ADMIN), "admin");

	/* The file gains a user and loses one: a reload takes both. */
	text = SIM "[gateway]\nconsole = pages\n"
	    "[user anna]\npassword_hash = " PWHASH "\nrole = approver\n";
	write_file(t->conf, text, strlen(text), 0600);
	assert_non_null(fp = fopen(t->conf, "a"));
	fputs("[user bo]\npassword_hash = " PWHASH "\nrole = admin\n", fp);
	fclose(fp);
	assert_int_equal(config_reload_users(cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->nusers, 2);
	assert_int_equal(config_user(cfg, "anna")->role, ROLE_APPROVER);
	assert_int_equal(config_user(cfg, "bo")->role, ROLE_ADMIN);
	assert_null(config_user(cfg, "vera"));

	/* A broken file keeps the users there were, and says why. */
	text = SIM "[user anna]\nrole = approver\n";
	write_file(t->conf, text, strlen(text), 0600);
	assert_int_equal(config_reload_users(cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "password_hash: missing"));
	assert_int_equal(cfg->nusers, 2);
	config_free(cfg);
}

static void
test_config_scope_parse(void **state)
{
	static const struct {
		const char	*s;
		unsigned int	 bit;
	} rows[] = {
		{ "alerts:write", SCOPE_ALERTS_WRITE },
		{ "alerts:read", SCOPE_ALERTS_READ },
		{ "contacts:write", SCOPE_CONTACTS_WRITE },
		{ "contacts:read", SCOPE_CONTACTS_READ },
		{ "alerts:approve", SCOPE_ALERTS_APPROVE },
		{ "audit:read", SCOPE_AUDIT_READ },
		{ "users:write", SCOPE_USERS_WRITE },
		{ "alerts", 0 },
		{ "alerts:", 0 },
		{ "ALERTS:WRITE", 0 },
		{ "alerts:write ", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (scope_parse(rows[i].s) != rows[i].bit)
			fail_msg("row %zu: '%s'", i,
			    rows[i].s ? rows[i].s : "NULL");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_defaults,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_api_example,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_values,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_local_time,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors_hide_secrets,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_all_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_paths,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_listen,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_providers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_clients,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_provider_opts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_secrecy,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_users,
		    setup, teardown),
		cmocka_unit_test(test_config_scope_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
