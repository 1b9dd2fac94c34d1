/*
 * Log lines to stderr: "2026-11-26T21:15:00.123Z varseld info: msg".
 * Control characters in messages are escaped so a hostile input cannot
 * forge log lines. When stderr is the journal (systemd sets
 * JOURNAL_STREAM to its device:inode), a line is "<6>info: msg": the
 * sd-daemon(3) prefix gives journald the priority, and journald adds
 * the time and the program itself.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 verbosity = LOG_LVL_INFO;
static const char	*prog = "varseld";
unsigned int		 log_tracing;
static int		 journal;	/* stderr is the journal */

static int	log_prio(const char *);

/* Trace category names, in the order of their bits. */
static const struct {
	const char	*name;
	unsigned int	 bit;
} trace_names[] = {
	{ "http", TRACE_HTTP },
	{ "curl", TRACE_CURL },
	{ "sql", TRACE_SQL },
	{ "dispatch", TRACE_DISPATCH },
	{ "reports", TRACE_REPORTS },
	{ "events", TRACE_EVENTS },
	{ "inbound", TRACE_INBOUND },
};
#define TRACE_NNAMES	(sizeof(trace_names) / sizeof(trace_names[0]))

void
log_init(int v, const char *progname)
{
	const char		*js = getenv("JOURNAL_STREAM");
	struct stat		 st;
	unsigned long long	 dev, ino;

	verbosity = v;
	if (progname != NULL)
		prog = progname;
	journal = js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* The syslog priority of a level (sd-daemon.h): err, warning, info, debug. */
static int
log_prio(const char *level)
{
	if (strcmp(level, "fatal") == 0)
		return 3;
	if (strcmp(level, "warn") == 0)
		return 4;
	if (strcmp(level, "info") == 0)
		return 6;
	return 7;			/* debug, trace */
}

const char *
log_value(char *buf, size_t len, const char *s)
{
	size_t	o = 0, esc;

	if (*s != '\0' && strpbrk(s, " \"=") == NULL) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	buf[o++] = '"';
	for (; *s != '\0'; s++) {
		esc = *s == '"' || *s == '\\';
		if (o + esc + 1 + 2 > len)	/* and the quote and NUL */
			break;
		if (esc)
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

int
log_verbosity(void)
{
	return verbosity;
}

/* Write one line; errstr (may be NULL) is appended after ": ". */
static void
vlog(const char *level, const char *errstr, const char *fmt, va_list ap)
{
	char		 msg[2048], clean[4096], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 i, o;
	int		 saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0, o = 0; msg[i] != '\0' && o + 5 < sizeof(clean); i++) {
		unsigned char	c = (unsigned char)msg[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(clean + o, sizeof(clean) - o,
			    "\\x%02x", c);
		else
			clean[o++] = (char)c;
	}
	clean[o] = '\0';
	if (journal) {
		fprintf(stderr, "<%d>%s: %s%s%s\n", log_prio(level), level,
		    clean, errstr != NULL ? ": " : "",
		    errstr != NULL ? errstr : "");
		errno = saved;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (errstr != NULL)
		fprintf(stderr, "%s.%03ldZ %s %s: %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, prog, level, clean, errstr);
	else
		fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, prog, level, clean);
	errno = saved;
}

void
log_errtext(const char *text)
{
	const char	*p = text, *nl;
	int		 n;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (int)(nl - p) : (int)strlen(p);
		fprintf(stderr, "%s%.*s\n", journal ? "<3>" : "", n, p);
		p += n + (nl != NULL);
	}
}

int
log_trace_enable(const char *list, char *err, size_t errlen)
{
	const char	*p = list, *e;
	size_t		 n, i;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 3 && strncmp(p, "all", 3) == 0)
			for (i = 0; i < TRACE_NNAMES; i++)
				log_tracing |= trace_names[i].bit;
		else {
			for (i = 0; i < TRACE_NNAMES; i++)
				if (strlen(trace_names[i].name) == n &&
				    strncmp(p, trace_names[i].name, n) == 0)
					break;
			if (i == TRACE_NNAMES) {
				snprintf(err, errlen, "unknown trace category "
				    "'%.*s' (one of %s, all)", (int)(n > 32 ?
				    32 : n), p, log_trace_names());
				return -1;
			}
			log_tracing |= trace_names[i].bit;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

const char *
log_trace_names(void)
{
	return "http, curl, sql, dispatch, reports, events, inbound";
}

void
log_trace_msg(unsigned int cat, const char *fmt, ...)
{
	va_list	ap;
	char	level[32];
	size_t	i;

	snprintf(level, sizeof(level), "trace");
	for (i = 0; i < TRACE_NNAMES; i++)
		if (trace_names[i].bit & cat) {
			snprintf(level, sizeof(level), "trace %s",
			    trace_names[i].name);
			break;
		}
	va_start(ap, fmt);
	vlog(level, NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	char	err[128];

	snprintf(err, sizeof(err), "%s", strerror(errno));
	va_start(ap, fmt);
	vlog("warn", err, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("warn", NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (verbosity < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	vlog("info", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (verbosity < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	vlog("debug", NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	char	err[128];

	snprintf(err, sizeof(err), "%s", strerror(errno));
	va_start(ap, fmt);
	vlog("fatal", err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("fatal", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
