/*
 * Small helpers used everywhere: time, strings, hashing, form encoding.
 */
#ifndef VARSEL_UTIL_H
#define VARSEL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Wall-clock milliseconds since the epoch (stored in the database). */
int64_t	 now_ms(void);
/* Monotonic milliseconds, for intervals and timers. */
int64_t	 mono_ms(void);
/* Format ms since the epoch as RFC 3339 UTC ("2026-11-26T21:15:00Z"). */
void	 time_to_text(int64_t ms, char *buf, size_t len);

size_t	 strlcpy(char *dst, const char *src, size_t dstsize);
/* Allocation that aborts on failure: start-up and tiny strings only. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* A seed for rand_unit: the clock and the process. */
uint64_t rand_seed(void);
/* A uniform double in [0, 1) from state (splitmix64); for jitter only. */
double	 rand_unit(uint64_t *state);
/* Is s (NUL-terminated) well-formed UTF-8, without surrogates? */
bool	 utf8_valid(const char *s);
/* The same for len bytes of s; a NUL byte among them counts as U+0000. */
bool	 utf8_valid_n(const char *s, size_t len);
/* The characters (code points) of valid UTF-8 s. */
size_t	 utf8_chars(const char *s);
/* Is s "+" and 7 to 15 digits, the first not 0 (E.164)? NULL: no. */
bool	 is_e164(const char *s);
/*
 * May someone other than this process's user read a file of secrets with
 * this mode? Others may, or a group this process is not in may.
 */
struct stat;
bool	 file_exposed(const struct stat *);
/*
 * Can this process write the database's folder and the files of it that
 * exist (db, db-wal, db-shm)? 0, or -1 with the first that it cannot,
 * errno's text and who this process runs as in err.  SQLite's own words
 * for these ("unable to open database file", "not an SQLite database",
 * "attempt to write a readonly database") do not say which file is
 * wrong, nor why.
 */
int	 db_files_writable(const char *db, char *err, size_t errlen);
/* Wipe a secret string, then free it (NULL is fine). */
void	 free_secret(char *);
/* Printf into a new string; NULL on failure. */
char	*str_printf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void	 hex_encode(const unsigned char *, size_t, char *out);
/* SHA-256 of data as 64 hex digits and a NUL. */
void	 sha256_hex(const void *data, size_t len, char out[65]);
/* HMAC-SHA256 as 64 hex digits and a NUL. */
void	 hmac_sha256_hex(const void *key, size_t keylen, const void *data,
	    size_t len, char out[65]);
/* Constant-time comparison of two strings of any length. */
bool	 ct_streq(const char *, const char *);

/*
 * A list of name=value pairs (form bodies, query strings). Values are
 * decoded; the list owns its strings.
 */
struct kv {
	char	*name;
	char	*value;
};
struct kvlist {
	struct kv	*v;
	size_t		 n;
	size_t		 cap;
};
/*
 * Parse application/x-www-form-urlencoded (or a query string); 0 or -1.
 * Lenient: a '%' without two hex digits is kept as it is.
 */
int	 form_parse(const char *s, size_t len, struct kvlist *);
/*
 * As form_parse, but what a sender of good faith never sends is
 * FORM_BAD: a '%' without two hex digits, a NUL, a name or value that
 * is not UTF-8. -1 is out of memory.
 */
#define FORM_BAD	(-2)
int	 form_parse_strict(const char *s, size_t len, struct kvlist *);
/* First value of name, or NULL. */
const char *kvlist_get(const struct kvlist *, const char *name);
int	 kvlist_add(struct kvlist *, const char *name, const char *value);
void	 kvlist_free(struct kvlist *);

/*
 * Decode a percent-encoded path part ('+' is itself); a new string, or
 * NULL for a bad escape, a NUL, text that is not UTF-8 or no memory.
 */
char	*path_decode(const char *);
/* Percent-encode for a form body or query (space as %20); new string. */
char	*url_encode(const char *);
/* Append "&name=value" (no & first) to a growing form string; 0 or -1. */
int	 form_append(char **form, size_t *len, const char *name,
	    const char *value);

/* Mask a phone number for logs: "+46701234567" -> "+4670*****567". */
void	 mask_phone(const char *phone, char *buf, size_t len);

#endif
