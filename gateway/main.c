/*
 * varseld: arguments, configuration, start-up order, signals.
 * SIGTERM/SIGINT stop accepting, let provider requests in flight finish
 * (up to shutdown_grace_ms) and exit; SIGHUP reloads the templates,
 * the reference data, the TLS certificate and the [user] sections
 * (console sessions stay). Under systemd it reports
 * READY, RELOADING and STOPPING and feeds the watchdog (sdnotify.h).
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "api.h"
#include "autoconf.h"
#include "batch.h"
#include "callouts.h"
#include "config.h"
#include "dispatch.h"
#include "gateway.h"
#include "http_client.h"
#include "log.h"
#include "media.h"
#include "providers.h"
#include "refdata.h"
#include "reports.h"
#include "retention.h"
#include "sdnotify.h"
#include "source_events.h"
#include "store.h"
#include "store_backup.h"
#include "template.h"
#include "tls.h"
#include "util.h"

#define ERRLEN	8192
#define VARSELD_CONF	VARSEL_SYSCONFDIR "/varsel/varsel.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: varseld [-nv] [-T category,...] [-c file]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -n       check the configuration and exit\n"
	    "  -T list  trace these parts in detail: %s, all\n"
	    "  -v       more logging (twice: debug)\n", VARSELD_CONF,
	    log_trace_names());
	exit(2);
}

/* libevent's own warnings go to our log. */
static void
libevent_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Create the folder of the database file if it is missing. */
static void
make_db_dir(const char *db)
{
	char	*copy, *dir;

	if (strcmp(db, ":memory:") == 0)
		return;
	copy = xstrdup(db);
	dir = dirname(copy);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		log_warn("mkdir %s", dir);
	free(copy);
}

/*
 * Raise the open-file limit to what the system allows: every API
 * connection, provider connection and the database take a descriptor,
 * and running out must not be what stops an alert. Returns the limit.
 */
static long
raise_nofile(void)
{
	struct rlimit	rl;
	rlim_t		was;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return 1024;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576)
		rl.rlim_cur = 1048576;
	if (rl.rlim_cur != was)
		log_info("evt=nofile was=%llu now=%llu",
		    (unsigned long long)was, (unsigned long long)rl.rlim_cur);
	return (long)rl.rlim_cur;
}

/* The dispatcher and the callback sender are both drained: stop. */
static void
drained_cb(void *arg)
{
	struct gw	*gw = arg;

	if (dispatch_inflight(gw->dispatch) == 0 &&
	    source_events_inflight(gw->events) == 0)
		event_base_loopexit(gw->base, NULL);
}

/* The grace time ran out with requests still in flight. */
static void
grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw	*gw = arg;

	log_warnx("shutdown: %zu provider requests still in flight after "
	    "%d ms; they will be retried as in doubt at the next start",
	    dispatch_inflight(gw->dispatch), gw->cfg->shutdown_grace_ms);
	event_base_loopexit(gw->base, NULL);
}

/* SIGTERM, SIGINT: drain and exit. */
static void
stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gw	*gw = arg;
	struct timeval	 tv;

	if (gw->stopping)
		return;
	gw->stopping = true;
	sdnotify_send("STOPPING=1");
	log_info("evt=stopping signal=%d inflight=%zu", (int)sig,
	    dispatch_inflight(gw->dispatch));
	api_stop_accepting(gw->api);
	callouts_stop(gw->callouts);
	tv.tv_sec = gw->cfg->shutdown_grace_ms / 1000;
	tv.tv_usec = (gw->cfg->shutdown_grace_ms % 1000) * 1000;
	if ((gw->grace = evtimer_new(gw->base, grace_cb, gw)) != NULL)
		event_add(gw->grace, &tv);
	dispatch_drain(gw->dispatch, drained_cb, gw);
	source_events_drain(gw->events, drained_cb, gw);
}

/*
 * SIGHUP: reload templates, reference data, the certificate and the
 * console's users; a part that fails to load keeps its old version.
 */
static void
hup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gw		*gw = arg;
	struct templates	*t;
	struct refdata		*rd;
	char			 err[ERRLEN];

	sdnotify_status("RELOADING=1", "reloading");
	if ((t = templates_load(gw->cfg->templates, err, sizeof(err))) ==
	    NULL)
		log_warnx("reload: templates not reloaded, keeping the old "
		    "ones: %s", err);
	else {
		templates_free(gw->templates);
		gw->templates = t;
		log_info("evt=reloaded templates=%s", gw->cfg->templates);
	}
	if ((rd = refdata_load(gw->cfg->trygghetspunkter, gw->cfg->areas, err,
	    sizeof(err))) == NULL)
		log_warnx("reload: reference data not reloaded, keeping the "
		    "old: %s", err);
	else {
		refdata_free(gw->refdata);
		gw->refdata = rd;
		log_info("evt=reloaded trygghetspunkter=%zu areas=%zu",
		    rd->npoints, rd->nareas);
	}
	api_reload(gw->api);
	api_reload_users(gw->api);
	sdnotify_status("READY=1", "serving on %s:%d", gw->cfg->listen_host,
	    api_port(gw->api));
}

/*
 * A whole-daemon test sets the loop's clock: $VARSEL_TEST_CLOCK names a
 * file holding the time (ms since the epoch) the clock shall show now;
 * it is read at start and again on SIGUSR2, and the clock runs on from
 * there. Never set in production: it is logged loudly.
 */
static void
test_clock(struct gw *gw)
{
	const char	*path = getenv("VARSEL_TEST_CLOCK");
	char		 buf[64], *end;
	long long	 ms;
	FILE		*fp;
	size_t		 n;

	if (path == NULL || *path == '\0')
		return;
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("VARSEL_TEST_CLOCK %s", path);
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	ms = strtoll(buf, &end, 10);
	if (end == buf || ms <= 0) {
		log_warnx("VARSEL_TEST_CLOCK %s: no time in ms in it", path);
		return;
	}
	clock_shift(&gw->clock, ms);
	log_warnx("evt=test_clock now=%lld: the loop's clock is set by "
	    "VARSEL_TEST_CLOCK (tests only)", ms);
}

/* SIGUSR2: read $VARSEL_TEST_CLOCK again. */
static void
usr2_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gw	*gw = arg;

	test_clock(gw);
	if (gw->dispatch != NULL)
		dispatch_kick(gw->dispatch);
}

/* The folder for rendered speech: configured, or beside the database. */
static char *
media_dir(const struct config *cfg)
{
	char	*copy, *dir;

	if (cfg->media_cache != NULL)
		return xstrdup(cfg->media_cache);
	if (strcmp(cfg->database, ":memory:") == 0)
		return NULL;
	copy = xstrdup(cfg->database);
	dir = str_printf("%s/media", dirname(copy));
	free(copy);
	return dir;
}

/* Say why conffile cannot be used (err), for the journal's err level. */
static void
config_invalid(const char *conffile, char *err)
{
	log_errtext(err);
	snprintf(err, ERRLEN, "varseld: configuration %s is not valid",
	    conffile);
	log_errtext(err);
}

/*
 * The configuration, the templates and the reference data into gw; 0,
 * or -1 having said why and freed what was loaded.
 */
static int
load_config(struct gw *gw, const char *conffile, char *err)
{
	char	*why;

	if ((gw->cfg = config_load(conffile, err, ERRLEN)) == NULL)
		goto bad;
	if ((gw->templates = templates_load(gw->cfg->templates, err,
	    ERRLEN)) == NULL) {
		/* Its reasons name a file, not the setting. */
		why = xstrdup(err);
		snprintf(err, ERRLEN, "templates: %s", why);
		free(why);
		goto bad;
	}
	if ((gw->refdata = refdata_load(gw->cfg->trygghetspunkter,
	    gw->cfg->areas, err, ERRLEN)) != NULL)
		return 0;
bad:
	config_invalid(conffile, err);
	templates_free(gw->templates);
	config_free(gw->cfg);
	gw->templates = NULL;
	gw->cfg = NULL;
	return -1;
}

/*
 * varseld -n: load what a start would load (load_config and the TLS
 * pair), say whether it is valid, free it all; the exit code.
 */
static int
check_config(struct gw *gw, const char *conffile, char *err)
{
	struct tls	*tls = NULL;
	int		 rc = 1;

	if (load_config(gw, conffile, err) == -1)
		goto out;
	if (gw->cfg->tls_cert != NULL && (tls = tls_new(gw->cfg->tls_cert,
	    gw->cfg->tls_key, err, ERRLEN)) == NULL)
		config_invalid(conffile, err);
	else {
		printf("configuration OK\n");
		rc = 0;
	}
	tls_free(tls);
	refdata_free(gw->refdata);
	templates_free(gw->templates);
	config_free(gw->cfg);
out:
	free(err);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct gw		 gw;
	struct adapter_env	 env;
	struct event		*sigterm, *sigint, *sighup, *sigusr2 = NULL;
	const char		*conffile = VARSELD_CONF;
	struct sdnotify		*sdn;
	char			*err, *mdir, tracerr[160];
	int			 ch, verbose = LOG_LVL_INFO, check_only = 0;
	int			 n = 0;
	int			 lockfd = -1;
	long			 maxconn = 0;
	size_t			 i;

	while ((ch = getopt(argc, argv, "c:nT:vh")) != -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		case 'T':
			if (log_trace_enable(optarg, tracerr,
			    sizeof(tracerr)) == -1) {
				fprintf(stderr, "varseld: -T: %s\n", tracerr);
				usage();
			}
			break;
		case 'n':
			check_only = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(verbose, "varseld");
	signal(SIGPIPE, SIG_IGN);
	err = xmalloc(ERRLEN);
	err[0] = '\0';

	memset(&gw, 0, sizeof(gw));
	if (check_only)
		return check_config(&gw, conffile, err);
	if (load_config(&gw, conffile, err) == -1) {
		free(err);
		return 1;
	}

	gw.nofile = raise_nofile();
	event_set_log_callback(libevent_log_cb);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	if ((gw.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	clock_init(&gw.clock, gw.base);
	test_clock(&gw);
	make_db_dir(gw.cfg->database);
	if (db_files_writable(gw.cfg->database, err, ERRLEN) == -1)
		fatalx("database %s: %s", gw.cfg->database, err);
	if (store_claim(gw.cfg->database, &lockfd, err, ERRLEN) == -1)
		fatalx("database %s: %s", gw.cfg->database, err);
	if ((gw.store = store_open(gw.cfg->database, err, ERRLEN)) == NULL)
		fatalx("database %s: %s", gw.cfg->database, err);
	if (store_defer_checkpoints(gw.store, err, ERRLEN) == -1)
		log_warnx("database %s: %s; SQLite checkpoints in its commits",
		    gw.cfg->database, err);
	if (store_requeue_sending(gw.store, gw_now(&gw), &n) == -1)
		fatalx("database %s: cannot recover deliveries",
		    gw.cfg->database);
	if (n > 0)
		log_warnx("evt=recovered in_doubt=%d: deliveries that were "
		    "being sent when varseld stopped are queued again", n);
	if ((gw.batch = batch_new(gw.base, gw.store)) == NULL)
		fatalx("cannot create the commit event");
	if ((mdir = media_dir(gw.cfg)) != NULL) {
		if (mkdir(mdir, 0750) == -1 && errno != EEXIST)
			log_warn("mkdir %s", mdir);
		if ((gw.media = media_new(mdir, err, ERRLEN)) == NULL)
			log_warnx("speech for calls is not available: %s", err);
		free(mdir);
	}
	for (i = 0; i < gw.cfg->nproviders; i++)
		maxconn += gw.cfg->providers[i].max_connections;
	maxconn += SOURCE_EVENTS_MAX_INFLIGHT;
	if ((gw.http = http_client_new(gw.base, maxconn)) == NULL)
		fatalx("cannot create the HTTP client");
	/* The API binds first: with port 0 it settles public_url. */
	if ((gw.api = api_new(&gw, err, ERRLEN)) == NULL)
		fatalx("%s", err);
	memset(&env, 0, sizeof(env));
	env.base = gw.base;
	env.public_url = gw.cfg->public_url;
	env.report = reports_inproc_delivery;
	env.voice = reports_inproc_call;
	env.report_arg = &gw;
	if ((gw.providers = providers_new(gw.cfg, &env, gw.media != NULL,
	    gw_now(&gw), err, ERRLEN)) == NULL)
		fatalx("%s", err);
	if ((gw.dispatch = dispatch_new(&gw, err, ERRLEN)) == NULL)
		fatalx("%s", err);
	if ((gw.events = source_events_new(&gw, err, ERRLEN)) == NULL)
		fatalx("%s", err);
	if ((gw.callouts = callouts_new(&gw, err, ERRLEN)) == NULL ||
	    (gw.retention = retention_new(&gw, err, ERRLEN)) == NULL)
		fatalx("%s", err);

	sigterm = evsignal_new(gw.base, SIGTERM, stop_cb, &gw);
	sigint = evsignal_new(gw.base, SIGINT, stop_cb, &gw);
	sighup = evsignal_new(gw.base, SIGHUP, hup_cb, &gw);
	if (sigterm == NULL || sigint == NULL || sighup == NULL ||
	    event_add(sigterm, NULL) == -1 || event_add(sigint, NULL) == -1 ||
	    event_add(sighup, NULL) == -1)
		fatalx("cannot install signal handlers");
	if (getenv("VARSEL_TEST_CLOCK") != NULL &&
	    ((sigusr2 = evsignal_new(gw.base, SIGUSR2, usr2_cb, &gw)) ==
	    NULL || event_add(sigusr2, NULL) == -1))
		fatalx("cannot install the SIGUSR2 handler");

	log_info("evt=started version=%s listen=%s:%d database=%s "
	    "providers=%zu libevent=%s", PACKAGE_VERSION, gw.cfg->listen_host,
	    api_port(gw.api), gw.cfg->database, gw.cfg->nproviders,
	    event_get_version());
	if ((sdn = sdnotify_new(gw.base)) == NULL)
		fatalx("out of memory");
	sdnotify_status("READY=1", "serving on %s:%d", gw.cfg->listen_host,
	    api_port(gw.api));
	dispatch_kick(gw.dispatch);
	event_base_dispatch(gw.base);

	/* Requests still open are aborted; their deliveries go in doubt. */
	http_client_free(gw.http);
	retention_free(gw.retention);
	callouts_free(gw.callouts);
	source_events_free(gw.events);
	dispatch_free(gw.dispatch);
	providers_free(gw.providers);
	/* Held answers go out before their connections close. */
	batch_free(gw.batch, gw.cfg->shutdown_grace_ms);
	api_free(gw.api);
	n = 0;
	store_requeue_sending(gw.store, now_ms(), &n);
	store_close(gw.store);
	store_unlock(lockfd);
	sdnotify_free(sdn);
	event_free(sigterm);
	event_free(sigint);
	event_free(sighup);
	if (sigusr2 != NULL)
		event_free(sigusr2);
	if (gw.grace != NULL)
		event_free(gw.grace);
	event_base_free(gw.base);
	templates_free(gw.templates);
	refdata_free(gw.refdata);
	media_free(gw.media);
	config_free(gw.cfg);
	curl_global_cleanup();
	free(err);
	log_info("evt=stopped in_doubt=%d", n);
	return 0;
}
