/*
 * Logging in the OpenSMTPD style: log_warn appends strerror(errno),
 * log_warnx does not; fatal and fatalx exit. Lines go to stderr in
 * key=value form; callers mask phone numbers and never log secrets.
 */
#ifndef VARSEL_LOG_H
#define VARSEL_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO = 1,
	LOG_LVL_DEBUG = 2
};

/*
 * Trace categories (varseld -T name, OpenSMTPD's log_trace): detail of
 * one part of the daemon, chosen at start, whatever the verbosity. A
 * log_trace whose category is off costs one test and formats nothing.
 */
enum trace {
	TRACE_HTTP = 1 << 0,		/* API requests: headers, bodies' size */
	TRACE_CURL = 1 << 1,		/* provider requests, curl's own words */
	TRACE_SQL = 1 << 2,		/* every SQL statement and its time */
	TRACE_DISPATCH = 1 << 3,	/* claims, queues, sends, outcomes */
	TRACE_REPORTS = 1 << 4,		/* delivery reports, call events */
	TRACE_EVENTS = 1 << 5,		/* events to source systems */
	TRACE_INBOUND = 1 << 6		/* inbound SMS and keywords */
};

extern unsigned int	log_tracing;	/* enum trace bits */

#define log_trace(cat, ...) do {					\
	if (log_tracing & (cat))					\
		log_trace_msg((cat), __VA_ARGS__);			\
} while (0)

void	log_init(int verbosity, const char *progname);
/*
 * s as the value of a key=value pair, in buf: as it is when it has no
 * space, '"' or '=', else in quotes with '"' and '\\' escaped (logfmt),
 * so that a text from outside cannot add pairs to a line. Cut to fit
 * len (at least 3). Returns buf.
 */
const char *log_value(char *buf, size_t len, const char *s);
int	log_verbosity(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * Lines that say why varseld cannot start ("file:line: key: why", as
 * config_load gives them), to stderr as they are; under the journal each
 * gets the err priority, so journalctl -p err shows them.
 */
void	log_errtext(const char *text);
/*
 * Turn on the categories of a comma-separated list of names ("http",
 * "dispatch,sql", "all"); -1 with the unknown name in err.
 */
int	log_trace_enable(const char *list, char *err, size_t errlen);
/* The names of the categories, for usage texts: "http, curl, ...". */
const char *log_trace_names(void);
void	log_trace_msg(unsigned int cat, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
