/*
 * Helpers shared by the libFuzzer harnesses of fuzz/: copies of the
 * input as C strings, splitting it into fields, an independent UTF-8
 * check to hold the parsers to, and quiet logs. Header-only (static
 * inline functions): every harness is one file linked against libvarsel.a.
 */
#ifndef VARSEL_FUZZ_H
#define VARSEL_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most fields fuzz_split hands out. */
#define FUZZ_MAX_FIELDS	8

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Report a broken invariant as a crash libFuzzer keeps. */
#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(fuzz_stderr(), "%s:%d: invariant broken: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* The real stderr, kept before the logs are sent to /dev/null. */
static inline FILE *
fuzz_stderr(void)
{
	static FILE	*real;

	if (real == NULL)
		real = stderr;
	return real;
}

/*
 * Send log.c's lines (fprintf to stderr) to /dev/null, unless
 * FUZZ_LOGS is set: some parsers log every odd input, which would
 * drown libFuzzer's output. Sanitizer reports write to fd 2 and are
 * not affected.
 */
static inline void
fuzz_quiet_logs(void)
{
	FILE	*null;

	(void)fuzz_stderr();
	if (getenv("FUZZ_LOGS") != NULL)
		return;
	if ((null = fopen("/dev/null", "w")) != NULL)
		stderr = null;
}

/* A NUL-terminated copy of len bytes (they may hold NULs); aborts. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t len)
{
	char	*s = malloc(len + 1);

	if (s == NULL)
		abort();
	if (len > 0)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/*
 * Split a NUL-terminated copy of data at each sep byte into at most
 * max fields (the last takes the rest, separators and all). Returns the
 * number of fields; the copy in *buf must be freed.
 */
static inline size_t
fuzz_split(const uint8_t *data, size_t len, char sep, char **field,
    size_t max, char **buf)
{
	char	*s = fuzz_cstr(data, len), *p = s, *q;
	size_t	 n = 0;

	*buf = s;
	while (n + 1 < max && (q = memchr(p, sep, (size_t)(s + len - p))) !=
	    NULL) {
		*q = '\0';
		field[n++] = p;
		p = q + 1;
	}
	field[n++] = p;
	return n;
}

/*
 * Is s[0..len) well-formed UTF-8 (RFC 3629: no overlongs, surrogates
 * or code points above U+10FFFF)? Written from the table in the RFC,
 * not from the project's decoders, so the two can disagree.
 */
static inline bool
fuzz_utf8_ok(const unsigned char *s, size_t len)
{
	size_t	i = 0, k, need;
	unsigned char lo, hi;

	while (i < len) {
		unsigned char	c = s[i];

		lo = 0x80;
		hi = 0xbf;
		if (c <= 0x7f) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c == 0xe0) {
			need = 2;
			lo = 0xa0;
		} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
			need = 2;
		else if (c == 0xed) {
			need = 2;
			hi = 0x9f;
		} else if (c == 0xf0) {
			need = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			need = 3;
		else if (c == 0xf4) {
			need = 3;
			hi = 0x8f;
		} else
			return false;
		if (len - i - 1 < need)
			return false;
		for (k = 1; k <= need; k++) {
			if (s[i + k] < lo || s[i + k] > hi)
				return false;
			lo = 0x80;
			hi = 0xbf;
		}
		i += need + 1;
	}
	return true;
}

/*
 * Are the checks of known, reported findings on (FUZZ_STRICT set)?
 * They are off by default so that a run goes on to find new things;
 * the reproducers in fuzz/crashes/ fail with them on.
 */
static inline bool
fuzz_strict(void)
{
	static int	strict = -1;

	if (strict == -1)
		strict = getenv("FUZZ_STRICT") != NULL;
	return strict == 1;
}

/*
 * Is s "+" and up to 15 digits, as every number inside Varsel must be
 * (E.164; fuzz/README.md, finding 2, fixed)?
 */
static inline bool
fuzz_e164(const char *s)
{
	size_t	n;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	n = strspn(s + 1, "0123456789");
	return s[1 + n] == '\0' && n <= 15;
}

/* Is the C string s (of at most max bytes before its NUL) in bounds? */
static inline bool
fuzz_terminated(const char *s, size_t max)
{
	return memchr(s, '\0', max) != NULL;
}

#endif
