/*
 * Small helpers used everywhere: time, strings, hashing, form encoding.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "log.h"
#include "util.h"

static int	hexval(int);
static char	*form_decode(const char *, size_t, bool, bool *);
static char	mask_char(char);
static char	*encode_into(char *, const char *);

/* Wall-clock ms since the epoch. */
int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic ms, for intervals. */
int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339 UTC text of ms since the epoch; "-" if it cannot be shown. */
void
time_to_text(int64_t ms, char *buf, size_t len)
{
	/* Round towards minus infinity: -1 ms is 1969-12-31T23:59:59Z. */
	time_t		t = (time_t)(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
	struct tm	tm;

	if (len == 0)
		return;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(buf, "-", len);
}

/* BSD strlcpy: copy with truncation, return strlen(src). */
size_t
strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t	n = strlen(src);

	if (dstsize > 0) {
		size_t	c = n < dstsize - 1 ? n : dstsize - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

/* malloc that aborts on failure. */
void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("malloc");
	return p;
}

/* calloc that aborts on failure. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("calloc");
	return p;
}

/* realloc that aborts on failure. */
void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal("realloc");
	return p;
}

/* strdup that aborts on failure. */
char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

/* strndup that aborts on failure. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p = strndup(s, n);

	if (p == NULL)
		fatal("strndup");
	return p;
}

uint64_t
rand_seed(void)
{
	return (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
}

double
rand_unit(uint64_t *state)
{
	uint64_t	z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

bool
is_e164(const char *s)
{
	size_t	n;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	n = strspn(s + 1, "0123456789");
	return s[1 + n] == '\0' && n >= 7 && n <= 15;
}

/* Wipe a secret string, then free it. */
void
free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* vasprintf into a new string; NULL on failure. */
char *
str_printf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

/* Lowercase hex of len bytes. */
void
hex_encode(const unsigned char *p, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static pthread_once_t	 sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD		*sha256_fetched;

static void
sha256_fetch(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

/*
 * SHA-256, fetched from OpenSSL's providers once: EVP_sha256() makes
 * every EVP_Digest fetch it again by name (620 ns a digest of a short
 * secret here, 180 ns with the fetched one). EVP_sha256() if the fetch
 * failed, which works as before.
 */
static const EVP_MD *
sha256_md(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_fetched != NULL ? sha256_fetched : EVP_sha256();
}

/* SHA-256 of data in hex. */
void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, sha256_md(), NULL);
	hex_encode(md, mdlen, out);
}

/* HMAC-SHA256 of data under key, in hex. */
void
hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len,
    char out[65])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	HMAC(EVP_sha256(), key, (int)keylen, data, len, md, &mdlen);
	hex_encode(md, mdlen, out);
}

/*
 * Compare two strings in time that does not depend on their contents:
 * every byte up to the longer one's end is looked at, whatever differs
 * (the lengths take their part in the time, as they did in the SHA-256
 * of both this once was, at a twentieth of its cost).
 */
bool
ct_streq(const char *a, const char *b)
{
	size_t		 la, lb, n, i;
	volatile unsigned char d;
	unsigned char	 ca, cb;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	n = la > lb ? la : lb;
	d = la == lb ? 0 : 1;
	for (i = 0; i < n; i++) {
		ca = i < la ? (unsigned char)a[i] : 0;
		cb = i < lb ? (unsigned char)b[i] : 0;
		d |= ca ^ cb;
	}
	return d == 0;
}

/* Value of a hex digit, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode a percent-encoded component of len bytes into a new string.
 * strict: NULL with *bad set for a '%' without two hex digits, a NUL,
 * or text that is not UTF-8. NULL without *bad: out of memory.
 */
static char *
form_decode(const char *s, size_t len, bool strict, bool *bad)
{
	char	*out, *o;
	size_t	 i;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < len &&
		    hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*o = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			if (strict && *o == '\0')
				goto bad;
			o++;
			i += 2;
		} else if (strict && (s[i] == '%' || s[i] == '\0'))
			goto bad;
		else
			*o++ = s[i];
	}
	*o = '\0';
	if (strict && !utf8_valid(out))
		goto bad;
	return out;
bad:
	free(out);
	*bad = true;
	return NULL;
}

char *
path_decode(const char *s)
{
	bool	 bad = false;
	char	*out;
	size_t	 i;

	/* '+' means itself in a path: keep it from form_decode. */
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '+')
			break;
	if (s[i] == '\0')
		return form_decode(s, strlen(s), true, &bad);
	if ((out = str_printf("%.*s%%2B%s", (int)i, s, s + i + 1)) == NULL)
		return NULL;
	s = out;
	out = path_decode(s);
	free((char *)s);
	return out;
}

/* Append copies of name and value; 0 or -1. */
int
kvlist_add(struct kvlist *l, const char *name, const char *value)
{
	char	*n, *v;

	if (l->n == l->cap) {
		size_t		 cap = l->cap ? l->cap * 2 : 8;
		struct kv	*nv = realloc(l->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	n = strdup(name);
	v = strdup(value);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return -1;
	}
	l->v[l->n].name = n;
	l->v[l->n].value = v;
	l->n++;
	return 0;
}

/* Parse name=value pairs split by &; 0 or -1 (no memory). */
/* form_parse, strict or not. */
static int
form_parse_mode(const char *s, size_t len, struct kvlist *l, bool strict)
{
	const char	*end = s + len, *p = s;
	bool		 bad = false;

	while (p < end) {
		const char	*amp = memchr(p, '&', (size_t)(end - p));
		const char	*stop = amp ? amp : end;
		const char	*eq = memchr(p, '=', (size_t)(stop - p));
		char		*n, *v;
		int		 rc;

		if (stop == p) {
			p = stop + 1;
			continue;
		}
		n = form_decode(p, (size_t)((eq ? eq : stop) - p), strict, &bad);
		v = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1), strict,
		    &bad) : strdup("");
		rc = (n && v) ? kvlist_add(l, n, v) : -1;
		free(n);
		free(v);
		if (bad)
			return FORM_BAD;
		if (rc == -1)
			return -1;
		p = amp ? amp + 1 : end;
	}
	return 0;
}

int
form_parse(const char *s, size_t len, struct kvlist *l)
{
	return form_parse_mode(s, len, l, false);
}

int
form_parse_strict(const char *s, size_t len, struct kvlist *l)
{
	return form_parse_mode(s, len, l, true);
}

/* The first value of name, or NULL. */
const char *
kvlist_get(const struct kvlist *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return l->v[i].value;
	return NULL;
}

/* Free the pairs; the list is empty and reusable after. */
void
kvlist_free(struct kvlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
char *
url_encode(const char *s)
{
	char	*out;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	*encode_into(out, s) = '\0';
	return out;
}

/*
 * Percent-encode s into o, which has room for 3 * strlen(s); return
 * the end of what was written (not terminated).
 */
static char *
encode_into(char *o, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char	c = (unsigned char)*s;

		/* Unreserved (RFC 3986), in ASCII whatever the locale. */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	return o;
}

/*
 * Append an encoded name=value pair to a form body, encoded straight
 * into it (a provider request is several of these per message).
 */
int
form_append(char **form, size_t *len, const char *name, const char *value)
{
	size_t	 nn = strlen(name), nv = strlen(value);
	char	*nf, *o;

	if (nn > (SIZE_MAX - *len - 3) / 3 / 2 ||
	    nv > (SIZE_MAX - *len - 3) / 3 / 2)
		return -1;
	if ((nf = realloc(*form, *len + 1 + 3 * nn + 1 + 3 * nv + 1)) == NULL)
		return -1;
	o = nf + *len;
	if (*len > 0)
		*o++ = '&';
	o = encode_into(o, name);
	*o++ = '=';
	o = encode_into(o, value);
	*o = '\0';
	*form = nf;
	*len = (size_t)(o - nf);
	return 0;
}

/* A character of a phone number as it may go into a log line. */
static char
mask_char(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f ? '?' : c;
}

/*
 * Mask a phone number for logs. A number long enough to hide at least 4
 * characters keeps its country/operator head ("+4670", or 4 characters
 * without a +) and its last 3; anything shorter shows at most its last 3,
 * and never more than half of it. The stars are always 5, so the mask
 * does not tell the length; control characters are shown as '?'.
 */
void
mask_phone(const char *phone, char *buf, size_t len)
{
	char	out[32];
	size_t	n, head, tail = 3, o = 0, i;

	if (phone == NULL) {
		strlcpy(buf, "-", len);
		return;
	}
	n = strlen(phone);
	head = phone[0] == '+' ? 5 : 4;
	if (n < head + 4 + tail) {
		head = 0;
		if (tail > n / 2)
			tail = n / 2;
	}
	for (i = 0; i < head; i++)
		out[o++] = mask_char(phone[i]);
	memcpy(out + o, "*****", 5);
	o += 5;
	for (i = n - tail; i < n; i++)
		out[o++] = mask_char(phone[i]);
	out[o] = '\0';
	strlcpy(buf, out, len);
}

bool
utf8_valid(const char *s)
{
	return utf8_valid_n(s, strlen(s));
}

bool
utf8_valid_n(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	const unsigned char	*end = s + len;
	unsigned int		 cp, min;
	int			 n, i;

	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			n = 1;
			cp = *s & 0x1f;
			min = 0x80;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			n = 2;
			cp = *s & 0x0f;
			min = 0x800;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			n = 3;
			cp = *s & 0x07;
			min = 0x10000;
		} else
			return false;
		if (end - s <= n)
			return false;	/* cut short by the end */
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if ((*s & 0xc0) != 0x80)	/* not a continuation byte */
			n++;
	return n;
}

bool
file_exposed(const struct stat *st)
{
	gid_t	*groups;
	int	 i, n;
	bool	 mine = false;

	if (st->st_mode & S_IROTH)
		return true;
	if ((st->st_mode & S_IRGRP) == 0 || st->st_gid == getegid())
		return false;
	/*
	 * Root (varseld -n, varselctl user add, backup) reads the file as
	 * installed, root:varsel 0640: its group is the daemon's, not a
	 * stranger's, and "chmod 600" would lock varseld out of it.
	 */
	if (geteuid() == 0)
		return false;
	if ((n = getgroups(0, NULL)) <= 0 ||
	    (groups = calloc((size_t)n, sizeof(*groups))) == NULL)
		return true;
	n = getgroups(n, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == st->st_gid)
			mine = true;
	free(groups);
	return !mine;
}

int
db_files_writable(const char *db, char *err, size_t errlen)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct passwd	*pw;
	char		 path[4096], *copy;
	const char	*bad = NULL;
	size_t		 i;
	int		 e = 0;

	if (strcmp(db, ":memory:") == 0)
		return 0;
	copy = xstrdup(db);
	snprintf(path, sizeof(path), "%s", dirname(copy));
	free(copy);
	if (access(path, W_OK | X_OK) == -1) {
		e = errno;
		bad = "folder ";
	}
	for (i = 0; bad == NULL && i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db, sfx[i]);
		if (access(path, R_OK | W_OK) == -1 && errno != ENOENT) {
			e = errno;
			bad = "";
		}
	}
	if (bad == NULL)
		return 0;
	pw = getpwuid(geteuid());
	snprintf(err, errlen, "%s%s: %s (varseld runs as %s: it must be "
	    "able to write the folder and every file of the database)",
	    bad, path, strerror(e), pw != NULL ? pw->pw_name : "?");
	return -1;
}
