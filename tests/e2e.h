/*
 * The end-to-end harness: a private temp folder with a varsel.conf, the
 * daemon and the fake 46elks and fake Twilio as child processes on
 * 127.0.0.1 (each binds port 0 and reports its port in a file), blocking
 * HTTP with libcurl easy, small JSON helpers, and what the tests do over
 * and over (contacts, alerts, waiting for counts). No cmocka in here:
 * the benchmarks use it too; a failure returns -1 or NULL and is printed.
 * Children are killed and the folder removed at exit, also after a
 * failed assertion (E2E_KEEP=1 keeps the folder).
 */
#ifndef VARSEL_E2E_H
#define VARSEL_E2E_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* The bearer tokens the generated config knows. */
#define E2E_TOKEN		"e2e-token-with-every-scope"
#define E2E_TOKEN_READER	"e2e-token-read-only"
#define E2E_TOKEN_SIGNED	"e2e-token-signed-client"
/* The fake's Basic credentials and the 46elks callback secret. */
#define E2E_ELKS_USER		"e2e-api-user"
#define E2E_ELKS_PASSWORD	"e2e-api-password"
#define E2E_CALLBACK_SECRET	"q7Vd0sLkT3xNw9Rb2YhE5mJc8PaZ4uFg"
/* Status of a child that did not exit in time. */
#define E2E_TIMEOUT		(-1)
/* The [dispatch] of the generated config: quick retries, a few of them. */
#define E2E_FAST_DISPATCH	"retry_base_ms = 50\nretry_max_ms = 200\n" \
				"max_attempts = 6"

/* A temp folder holding one daemon's config, database and logs. */
struct e2e_env {
	char	 dir[256];
	char	 conf[PATH_MAX];	/* dir/varsel.conf */
	char	 db[PATH_MAX];		/* dir/varsel.db */
	/* For the daemon only (the fault suite): */
	const char *daemon_env[8];	/* more "NAME=value", NULL-ended */
	long	 nofile;		/* > 0: its open-file limit */
};

/*
 * A child process (the daemon or a fake) and where it listens: each binds
 * port 0 and reports the port the kernel gave it in its port file.
 */
struct e2e_proc {
	pid_t		 pid;		/* 0: not running */
	int		 port;		/* from its port file */
	char		 name[32];
	char		 url[64];	/* "http://127.0.0.1:PORT" */
	char		 log[PATH_MAX];	/* its stderr and stdout */
	char		 port_file[PATH_MAX];
	struct e2e_env	*env;
};

/* What e2e_env_config writes besides the fixed parts. */
struct e2e_conf {
	int		 fake_port;	/* > 0: [provider elks] at the fake;
					   0: a [provider sim] simulator */
	double		 rate;		/* provider rate; 0: 2000 */
	int		 max_connections; /* provider connections; 0: 32 */
	const char	*gateway;	/* more lines for [gateway] */
	const char	*dispatch;	/* the [dispatch] lines; NULL:
					   E2E_FAST_DISPATCH and breaker
					   probes after 100 ms */
	const char	*provider;	/* more lines for the provider */
	const char	*hmac_secret;	/* non-NULL: a [client signed] */
	const char	*extra;		/* appended as is */
};

/* Make a fresh temp folder; NULL on failure. */
struct e2e_env	*e2e_env_new(void);
/* Stop the env's children, remove its folder (unless E2E_KEEP=1). */
void		 e2e_env_free(struct e2e_env *);
/* Write a file into the env's folder; 0 or -1. */
int		 e2e_env_write(struct e2e_env *, const char *name,
		    const char *text);
/*
 * Write varsel.conf: [gateway] on 127.0.0.1:0 (public_url follows the
 * port the daemon gets) with the database, port file and logs in the
 * folder and templates from $VARSEL_SRCDIR;
 * [dispatch]; one provider; the clients "e2e" (E2E_TOKEN, every scope),
 * "reader" (E2E_TOKEN_READER, alerts:read contacts:read) and with an
 * hmac_secret "signed" (E2E_TOKEN_SIGNED, every scope). 0 or -1.
 */
int		 e2e_env_config(struct e2e_env *, const struct e2e_conf *);

/*
 * Is VARSEL_DAEMON an older varseld (VARSEL_DAEMON_OLD set)? The config
 * then leaves out what it would refuse (metrics:read, callback_hosts),
 * so the fault suite shows what that build did.
 */
bool		 e2e_old(void);
/*
 * Was this built with AddressSanitizer (and so the daemon too)? Its
 * shadow memory and quarantine make a process's RSS say nothing of the
 * daemon's own: memory bounds are then checked as growth, not totals.
 */
bool		 e2e_sanitized(void);
/*
 * A process seen from outside: a "Vm...:" figure of /proc/PID/status
 * ("VmRSS", "VmHWM") in kB, its CPU time (user + system) in ms; -1 when
 * it cannot be read.
 */
long		 e2e_proc_kb(pid_t, const char *);
double		 e2e_proc_cpu_ms(pid_t);
/*
 * A TCP connection to 127.0.0.1:port; flags for socket(2)'s type
 * (SOCK_NONBLOCK: an EINPROGRESS is a success). The socket, or -1.
 */
int		 e2e_connect(int, int);
/* The build folder (VARSEL_BUILDDIR, else found from our own path). */
const char	*e2e_builddir(void);
/* The source folder (VARSEL_SRCDIR, else read from the build's Makefile). */
const char	*e2e_srcdir(void);

/*
 * Start $VARSEL_BUILDDIR/varseld -c env->conf and wait (10 s at most) for
 * its port file; p->port and p->url then name where it listens, a new
 * port each start. On failure, print the log's tail and return -1.
 */
int		 e2e_spawn_daemon(struct e2e_env *, struct e2e_proc *);
/*
 * Start the fake 46elks with E2E_ELKS_USER/PASSWORD, a port file in the
 * env's folder and the extra flags in args (NULL-ended, may be NULL).
 */
int		 e2e_spawn_fake(struct e2e_env *, struct e2e_proc *,
		    const char *const args[]);
/* Send sig to the child; 0 or -1. */
int		 e2e_kill(struct e2e_proc *, int sig);
/*
 * Wait for the child to end: its exit code, 128 + the signal that killed
 * it, or E2E_TIMEOUT (the child is left running).
 */
int		 e2e_wait_exit(struct e2e_proc *, int timeout_ms);
/* SIGTERM, then SIGKILL after timeout_ms; as e2e_wait_exit. */
int		 e2e_stop(struct e2e_proc *, int timeout_ms);
/*
 * Is the child still running? If it ended, reap it, say how it ended and
 * print its log's tail (once).
 */
bool		 e2e_alive(struct e2e_proc *);
/* Print the last bytes of the child's log to stderr. */
void		 e2e_log_tail(const struct e2e_proc *, size_t bytes);
/* Is text in the child's log? */
bool		 e2e_log_contains(const struct e2e_proc *, const char *text);

/*
 * One blocking request. headers is a NULL-ended list of "Name: value"
 * (may be NULL); body may be NULL. *status gets the HTTP status and *resp
 * (if resp is not NULL) the body, to be freed. 0 when an answer came,
 * -1 on a transport error (printed).
 */
int		 e2e_http(const char *method, const char *url,
		    const char *const headers[], const char *body, int *status,
		    char **resp);
/* e2e_http, and the answer's header lines into *hdrs (to be freed). */
int		 e2e_http_headers(const char *method, const char *url,
		    const char *const headers[], const char *body, int *status,
		    char **resp, char **hdrs);
/* A growing answer body (s NUL-ended, or NULL while empty). */
struct e2e_buf {
	char	*s;
	size_t	 len;
};
/* A curl write callback: append to the struct e2e_buf at arg. */
size_t		 e2e_write_cb(char *data, size_t size, size_t n, void *arg);
/*
 * A JSON call to proc: token (NULL: none) as the bearer, body sent as
 * application/json. Returns the answer parsed (NULL if it is no JSON or
 * nothing came; *status is 0 then).
 */
json_t		*e2e_api(const struct e2e_proc *, const char *token,
		    const char *method, const char *path, const char *body,
		    int *status);
/* "sha256=<hex HMAC-SHA256(secret, ts + "." + body)>" into out. */
void		 e2e_sign(const char *secret, const char *ts,
		    const char *body, char *out, size_t len);

/* Parse text as JSON; NULL if it is not. */
json_t		*e2e_json_parse(const char *text);
/* The integer at a dotted path ("counts.delivered"); missing: LLONG_MIN. */
long long	 e2e_json_int(const json_t *, const char *path);
/* The string at a dotted path; NULL if missing or not a string. */
const char	*e2e_json_str(const json_t *, const char *path);

/* The fake's GET /_stats; NULL on failure. */
json_t		*e2e_fake_stats(const struct e2e_proc *);
/* One counter of the fake's /_stats; -1 on failure. */
long long	 e2e_fake_stat(const struct e2e_proc *, const char *name);
/* POST form (e.g. "fail-first=3&latency-ms=20") to /_control; 0 or -1. */
int		 e2e_fake_control(const struct e2e_proc *, const char *form);
/* GET /_number?to=...: the counter name of that number; -1 on failure. */
long long	 e2e_fake_number(const struct e2e_proc *, const char *to,
		    const char *name);
/* GET path (with its query) from a fake, parsed; NULL on failure. */
json_t		*e2e_fake_get(const struct e2e_proc *, const char *path);

/* Call fn(arg) every 20 ms until it is true; 0, or -1 after timeout_ms. */
int		 e2e_wait_until(bool (*fn)(void *), void *arg, int timeout_ms);
/* Milliseconds of a monotonic clock. */
long long	 e2e_now_ms(void);

/* ---- what the end-to-end tests share ---------------------------------- */

/* One test's world: its folder, the daemon and the fakes it started. */
struct e2e_world {
	struct e2e_env	*env;
	struct e2e_proc	 d;		/* varseld */
	struct e2e_proc	 fake;		/* the fake 46elks */
	struct e2e_proc	 tw;		/* the fake Twilio */
};

/* A cmocka setup: a world with a fresh folder into *state; 0 or -1. */
int		 e2e_setup(void **state);
/* A cmocka teardown: stop what still runs, remove the folder; 0. */
int		 e2e_teardown(void **state);
/* A cmocka test in a world of its own (where cmocka.h is included). */
#define E2E_TEST(f)	cmocka_unit_test_setup_teardown(f, e2e_setup, \
			    e2e_teardown)
/*
 * SIGTERM the daemon and each fake that runs: 0 if every one exited 0
 * (under ASan: no leaks and no errors on the way out), else -1 with the
 * log's tail printed.
 */
int		 e2e_finish(struct e2e_world *);

/* The n-th test number: +46701000000 and up (n below 9,000,000). */
void		 e2e_phone(int n, char *buf, size_t len);
/*
 * POST /v1/contacts: e2e_phone(first) to e2e_phone(first + n - 1), named
 * "E2E", Swedish, in group, 1000 a request; with voice they take calls
 * too. 0, or -1 (printed) unless every one was upserted.
 */
int		 e2e_add_contacts(const struct e2e_proc *d, int first, int n,
		    const char *group, bool voice);
/*
 * POST /v1/alerts with body: the alert's id if it was answered 202 with
 * that many recipients, else -1 (printed).
 */
long long	 e2e_post_alert(const struct e2e_proc *d, const char *body,
		    long long recipients);
/*
 * Poll GET /v1/alerts/ID until the count at path ("counts.delivered";
 * "counts.sent+counts.delivered" adds) reaches want and, with done, the
 * alert's state is done. The last answer (to free), or NULL after
 * timeout_ms or when the daemon died, with the last answer and the logs'
 * tails printed.
 */
json_t		*e2e_wait_alert(struct e2e_world *, long long id,
		    const char *path, long long want, bool done,
		    int timeout_ms);
/*
 * Every delivery of alert id (of state; NULL: any), all pages as one
 * array; NULL on failure (printed).
 */
json_t		*e2e_deliveries(const struct e2e_proc *d, long long id,
		    const char *state);
/*
 * Poll the counter name of fake until it reaches want; 0, or -1 after
 * timeout_ms or when the daemon died (printed).
 */
int		 e2e_wait_fake(struct e2e_world *, const struct e2e_proc *fake,
		    const char *name, long long want, int timeout_ms);
/*
 * GET /_received?to=... of a fake: what it accepted for to, oldest
 * first; NULL on failure (printed).
 */
json_t		*e2e_fake_received(const struct e2e_proc *fake,
		    const char *to);
/*
 * The one delivery to phone on channel ("sms", "voice") in a list of
 * deliveries; NULL if there is none or more than one (printed).
 */
json_t		*e2e_delivery_of(json_t *list, const char *phone,
		    const char *channel);

/* ---- Twilio and several providers ------------------------------------ */

/* The fake Twilio's account and the number calls and SMS come from. */
#define E2E_TWILIO_SID		"AC5ef8732a3c49700934481addd5ce1659"
#define E2E_TWILIO_TOKEN	"e2e-twilio-auth-token-7f3d9a51c2"
#define E2E_TWILIO_FROM		"+46766860000"

/*
 * Write varsel.conf as e2e_env_config does, but with the provider
 * sections in providers (from e2e_twilio_section, e2e_elks_section) in
 * place of its one provider. Of c (NULL: defaults) gateway, dispatch,
 * hmac_secret and extra count; fake_port, rate, max_connections and
 * provider do not. 0 or -1.
 */
int		 e2e_env_config_providers(struct e2e_env *,
		    const struct e2e_conf *, const char *providers);
/*
 * A [provider NAME] section of type twilio at the fake Twilio on port
 * (E2E_TWILIO_SID, E2E_TWILIO_TOKEN, from E2E_TWILIO_FROM) with more lines
 * (may be NULL). A new string; NULL on failure.
 */
char		*e2e_twilio_section(const char *name, int port, int priority,
		    double rate, int max_connections, const char *more);
/* The same for a 46elks provider at the fake 46elks on port. */
char		*e2e_elks_section(const char *name, int port, int priority,
		    double rate, int max_connections, const char *more);
/*
 * Start tests/fakes/fake_twilio with E2E_TWILIO_SID/TOKEN, a port file
 * in the env's folder and the extra flags in args (NULL-ended, may be
 * NULL); its log is twilio.log.
 */
int		 e2e_spawn_twilio(struct e2e_env *, struct e2e_proc *,
		    const char *const args[]);
/*
 * Write the world's config with the provider sections in providers and
 * the [dispatch] lines in dispatch (NULL: E2E_FAST_DISPATCH), and start
 * the daemon. 0 or -1.
 */
int		 e2e_start_providers(struct e2e_world *, const char *providers,
		    const char *dispatch);
/*
 * Start the fake Twilio with args (NULL-ended, may be NULL) as w->tw,
 * then the daemon with it as its one provider "tw" (priority 1) at rate
 * and max_connections, with dispatch as in e2e_start_providers. 0 or -1.
 */
int		 e2e_start_twilio(struct e2e_world *, const char *const args[],
		    double rate, int max_connections, const char *dispatch);
/*
 * X-Twilio-Signature of a POST to url with the form body (may be NULL):
 * base64(HMAC-SHA1(token, url + the parameters' names and values sorted
 * by name, then value)) into out (29 bytes or more). 0 or -1.
 */
int		 e2e_twilio_sign(const char *token, const char *url,
		    const char *form, char *out, size_t len);

#endif
