/*
 * Logging in the OpenSMTPD style: log_warn appends strerror(errno),
 * log_warnx does not; fatal and fatalx exit. Lines go to stderr in
 * key=value form; callers mask phone numbers and never log secrets.
 */
#ifndef VARSEL_LOG_H
#define VARSEL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO = 1,
	LOG_LVL_DEBUG = 2
};

void	log_init(int verbosity, const char *progname);
int	log_verbosity(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
