/*
 * The INI reader of the configuration: the file into [sections] of
 * key = value entries, each with its line; ";" and "#" start comments.
 * What is wrong is collected (config_error), never printed at once, so
 * config.c can add what its option tables find and report all of it in
 * one go, sorted by line.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "util.h"

/* Keys whose values make the file worth protecting. */
static const char *const config_secret_keys[] = {
	"password", "auth_token", "callback_secret", "hmac_secret",
	"password_hash"
};

static int	config_err_cmp(const void *, const void *);
static bool	config_is_blank(int);
static char	*config_trim(char *);
static bool	config_name_ok(const char *);
static bool	config_rest_ok(const char *);
static void	config_parse_header(struct config_loader *, char *, int);
static void	config_parse_entry(struct config_loader *, char *, int);
static void	config_parse_line(struct config_loader *, char *, int);

/* Record an error "key: what" (key NULL: "what") at line (0: no line). */
void
config_error(struct config_loader *ld, int line, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 what[512];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ld->errs = xrealloc(ld->errs, (ld->nerrs + 1) * sizeof(*ld->errs));
	ld->errs[ld->nerrs].line = line;
	ld->errs[ld->nerrs].seq = ld->nerrs;
	ld->errs[ld->nerrs].text = key != NULL ?
	    str_printf("%s: %s", key, what) : xstrdup(what);
	if (ld->errs[ld->nerrs].text == NULL)
		ld->errs[ld->nerrs].text = xstrdup("out of memory");
	ld->nerrs++;
}

/* A bad value as shown in an error: cut short, control chars escaped. */
void
config_show(const char *s, char *buf, size_t len)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 4 < len; s++) {
		if (o >= CONFIG_SHOW_MAX) {
			buf[o++] = '.';
			buf[o++] = '.';
			buf[o++] = '.';
			break;
		}
		buf[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	}
	buf[o] = '\0';
}

/* Order errors by line, file-wide ones last. */
static int
config_err_cmp(const void *a, const void *b)
{
	const struct config_err	*x = a, *y = b;
	long			 lx, ly;

	lx = x->line > 0 ? x->line : LONG_MAX;
	ly = y->line > 0 ? y->line : LONG_MAX;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Write all errors, one per line, into err. */
void
config_errors_out(struct config_loader *ld, char *err, size_t errlen)
{
	size_t	i, used = 0;
	int	n;

	if (errlen == 0)
		return;
	err[0] = '\0';
	qsort(ld->errs, ld->nerrs, sizeof(*ld->errs), config_err_cmp);
	for (i = 0; i < ld->nerrs && used + 1 < errlen; i++) {
		if (ld->errs[i].line > 0)
			n = snprintf(err + used, errlen - used, "%s%s:%d: %s",
			    i > 0 ? "\n" : "", ld->file, ld->errs[i].line,
			    ld->errs[i].text);
		else
			n = snprintf(err + used, errlen - used, "%s%s: %s",
			    i > 0 ? "\n" : "", ld->file, ld->errs[i].text);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* A space or a tab. */
static bool
config_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Strip blanks at both ends, in place. */
static char *
config_trim(char *s)
{
	char	*e;

	while (config_is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && config_is_blank(e[-1]))
		e--;
	*e = '\0';
	return s;
}

/* Is s a valid provider or client name ([A-Za-z0-9_-]{1,32})? */
static bool
config_name_ok(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '-')
			return false;
	return n >= 1 && n <= CONFIG_NAME_MAX;
}

/* Is s only blanks, maybe followed by a comment? */
static bool
config_rest_ok(const char *s)
{
	while (config_is_blank(*s))
		s++;
	return *s == '\0' || *s == ';' || *s == '#';
}

/* Start a new section from a "[...]" line. */
static void
config_parse_header(struct config_loader *ld, char *s, int line)
{
	struct config_sec	*sec;
	char			*end, *inner, *name, *label;
	size_t			 i, n;
	bool			 known = true;

	ld->secs = xrealloc(ld->secs, (ld->nsecs + 1) * sizeof(*ld->secs));
	sec = &ld->secs[ld->nsecs++];
	memset(sec, 0, sizeof(*sec));
	sec->line = line;
	sec->ignore = true;	/* until the header proves good */

	if ((end = strchr(s, ']')) == NULL) {
		sec->label = xstrdup("section");
		config_error(ld, line, "section", "missing ']'");
		return;
	}
	*end = '\0';
	if (!config_rest_ok(end + 1)) {
		sec->label = xstrdup(config_trim(s + 1));
		config_error(ld, line, sec->label, "text after ']'");
		return;
	}
	inner = config_trim(s + 1);
	for (n = 0; inner[n] != '\0' && !config_is_blank(inner[n]); n++)
		;
	name = config_trim(inner + n);
	label = *name ? str_printf("%.*s %s", (int)n, inner, name) :
	    xstrndup(inner, n);
	sec->label = label ? label : xstrdup("section");
	if (n == 7 && strncmp(inner, "gateway", n) == 0 && *name == '\0')
		sec->kind = CONFIG_SEC_GATEWAY;
	else if (n == 8 && strncmp(inner, "dispatch", n) == 0 &&
	    *name == '\0')
		sec->kind = CONFIG_SEC_DISPATCH;
	else if (n == 8 && strncmp(inner, "provider", n) == 0)
		sec->kind = CONFIG_SEC_PROVIDER;
	else if (n == 6 && strncmp(inner, "client", n) == 0)
		sec->kind = CONFIG_SEC_CLIENT;
	else if (n == 4 && strncmp(inner, "user", n) == 0)
		sec->kind = CONFIG_SEC_USER;
	else
		known = false;
	if (!known) {
		if (*inner == '\0')
			config_error(ld, line, "section", "empty section name");
		else
			config_error(ld, line, sec->label, "unknown section "
			    "(known: gateway, dispatch, provider NAME, "
			    "client NAME, user NAME; names are lowercase)");
		return;
	}
	if (sec->kind == CONFIG_SEC_PROVIDER ||
	    sec->kind == CONFIG_SEC_CLIENT || sec->kind == CONFIG_SEC_USER) {
		if (*name == '\0') {
			config_error(ld, line, sec->label, "a name is needed: "
			    "[%s NAME]", sec->label);
			return;
		}
		if (!config_name_ok(name)) {
			config_error(ld, line, sec->label, "bad name (letters, "
			    "digits, '_' and '-', at most %d)",
			    CONFIG_NAME_MAX);
			return;
		}
		sec->name = xstrdup(name);
	}
	sec->ignore = false;
	for (i = 0; i + 1 < ld->nsecs; i++)
		if (!ld->secs[i].ignore && !ld->secs[i].dup &&
		    ld->secs[i].kind == sec->kind &&
		    (sec->name == NULL ||
		    strcmp(ld->secs[i].name, sec->name) == 0)) {
			config_error(ld, line, sec->label, "duplicate section "
			    "(first on line %d)", ld->secs[i].line);
			sec->dup = true;
			break;
		}
}

/* Add a "key = value" line to the current section. */
static void
config_parse_entry(struct config_loader *ld, char *s, int line)
{
	struct config_sec	*sec;
	struct config_ent	*e;
	char			*eq, *key, *v, *o, *r;
	char			 word[CONFIG_SHOW_MAX + 1];
	size_t			 i;

	if ((eq = strchr(s, '=')) == NULL) {
		for (i = 0; i < CONFIG_SHOW_MAX && (isalnum((unsigned char)
		    s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'); i++)
			word[i] = s[i];
		word[i] = '\0';
		/* Never echo the rest: it may be a secret. */
		config_error(ld, line, i > 0 ? word : "line",
		    "expected 'key = value'");
		return;
	}
	*eq = '\0';
	key = config_trim(s);
	if (*key == '\0') {
		config_error(ld, line, "line", "no key before '='");
		return;
	}
	v = eq + 1;
	while (config_is_blank(*v))
		v++;
	if (*v == '"') {
		/* Quoted: keeps ; # and blanks; \" and \\ are escapes. */
		for (o = v, r = v + 1; *r != '\0' && *r != '"'; r++) {
			if (r[0] == '\\' && (r[1] == '"' || r[1] == '\\'))
				r++;
			*o++ = *r;
		}
		if (*r != '"') {
			config_error(ld, line, key, "no closing '\"'");
			return;
		}
		*o = '\0';
		if (!config_rest_ok(r + 1)) {
			config_error(ld, line, key, "text after the closing "
			    "'\"'");
			return;
		}
	} else {
		/* ; and # start a comment at the start or after a blank. */
		for (r = v; *r != '\0'; r++)
			if ((*r == ';' || *r == '#') &&
			    (r == v || config_is_blank(r[-1]))) {
				*r = '\0';
				break;
			}
		v = config_trim(v);
		if (*v == '\0') {
			config_error(ld, line, key, "no value (write \"\" "
			    "for an empty one)");
			return;
		}
	}
	for (i = 0; i < nitems(config_secret_keys); i++)
		if (strcmp(key, config_secret_keys[i]) == 0 && *v != '\0')
			ld->secrets = true;

	if (ld->nsecs == 0) {
		config_error(ld, line, key, "outside of any section");
		return;
	}
	sec = &ld->secs[ld->nsecs - 1];
	if (sec->ignore)
		return;
	for (i = 0; i < sec->nents; i++)
		if (strcmp(sec->ents[i].key, key) == 0) {
			config_error(ld, line, key, "duplicate key (first on "
			    "line %d)", sec->ents[i].line);
			return;
		}
	sec->ents = xrealloc(sec->ents, (sec->nents + 1) * sizeof(*sec->ents));
	e = &sec->ents[sec->nents++];
	e->key = xstrdup(key);
	e->value = xstrdup(v);
	e->line = line;
}

/* Parse one line (NUL-terminated, no newline). */
static void
config_parse_line(struct config_loader *ld, char *s, int line)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			config_error(ld, line, "line", "control character "
			    "0x%02x", (unsigned char)*p);
			return;
		}
	while (config_is_blank(*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[')
		config_parse_header(ld, s, line);
	else
		config_parse_entry(ld, s, line);
}

/* Read path into sections; -1 if it cannot be read (error recorded). */
int
config_read(struct config_loader *ld, const char *path, bool *exposed)
{
	struct stat	 st;
	FILE		*fp;
	char		*buf, *p, *nl, *end;
	size_t		 len;
	int		 line = 0;

	*exposed = false;
	if ((fp = fopen(path, "r")) == NULL) {
		config_error(ld, 0, NULL, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1) {
		config_error(ld, 0, NULL, "%s", strerror(errno));
		fclose(fp);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		config_error(ld, 0, NULL, "%s", S_ISDIR(st.st_mode) ?
		    "is a folder" : "not a regular file");
		fclose(fp);
		return -1;
	}
	*exposed = file_exposed(&st);
	buf = xmalloc(CONFIG_MAX_BYTES + 1);
	len = fread(buf, 1, CONFIG_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		config_error(ld, 0, NULL, "%s", strerror(errno));
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	if (len > CONFIG_MAX_BYTES) {
		config_error(ld, 0, NULL, "larger than %d bytes",
		    CONFIG_MAX_BYTES);
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	p = buf;
	end = buf + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* a UTF-8 byte order mark */
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			config_error(ld, line, "line", "contains a NUL byte");
		else {
			*nl = '\0';
			if (nl > p && nl[-1] == '\r')
				nl[-1] = '\0';
			config_parse_line(ld, p, line);
		}
		p = nl + 1;
	}
	free(buf);
	return 0;
}

/* Strict decimal integer; 0 or -1. */
int
config_parse_long(const char *s, long *out)
{
	char	*end;
	long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Free the sections and errors of a load. */
void
config_loader_clear(struct config_loader *ld)
{
	size_t	i, j;

	for (i = 0; i < ld->nsecs; i++) {
		for (j = 0; j < ld->secs[i].nents; j++) {
			free(ld->secs[i].ents[j].key);
			free(ld->secs[i].ents[j].value);
		}
		free(ld->secs[i].ents);
		free(ld->secs[i].name);
		free(ld->secs[i].label);
	}
	free(ld->secs);
	for (i = 0; i < ld->nerrs; i++)
		free(ld->errs[i].text);
	free(ld->errs);
}

