/*
 * Message templates: every <name>.<lang>.<kind> file of a folder, kept
 * in memory and checked when loaded (UTF-8, well-formed {{var}}s), so
 * that rendering can only fail on a missing variable. Values are put in
 * verbatim and never expanded again. templates_check goes further before
 * a set goes live: it renders everything with sample values and finds
 * unknown variables, missing languages and SMS texts that are too long,
 * calls missing in a language that has the SMS, and the two numbers in
 * the wrong places: every alert text (a name that is not a reply-* or
 * a part) tells the reader to call {{emergency_number}} (112) in danger,
 * and only the help text names {{duty_number}} (Södertörns larmbord,
 * for urgent municipal matters when the municipality is closed).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"
#include "template.h"
#include "util.h"

#define TEMPLATE_MAX_BYTES	(64 * 1024)
#define TEMPLATE_REPLY		"reply-"	/* replies to keywords */
#define TEMPLATE_HELP		"reply-hjalp"	/* the help text */

/* Templates that are parts of other texts, not alerts of their own. */
static const char *const template_parts[] = { "answer-prompt", NULL };

/*
 * Sample values for templates_check: realistic and on the long side of
 * what callers pass (fanout, keywords), so a text that fits here fits in
 * practice. A variable not in this table is one nobody supplies.
 */
static const struct tvar template_samples[] = {
	{ "place", "Centrumvägen 10, Nykvarn" },
	{ "time", "22:15" },
	{ "description", "Brand i flerfamiljshus" },
	{ "emergency_number", "112" },
	{ "duty_number", "08-721 23 13" },
	{ "name", "Nykvarns bibliotek" },
	{ "address", "Centrumvägen 24 A" },
	{ "hours", "mån-fre 08-16, vid kris dygnet runt" },
	{ "distance", "1,2 km" },
	{ "area", "Lillhagen" },
	{ "alert_id", "4711" },
};

/* One loaded file. */
struct template_file {
	char	*name;
	char	*lang;
	char	*kind;
	char	*text;		/* without the final newline */
};

struct templates {
	struct template_file	*v;	/* sorted by name, kind, lang */
	size_t			 n;
};

/* Where templates_check sends its lines, and how many it sent. */
struct template_report {
	void	(*cb)(const char *, void *);
	void	*arg;
	int	 n;
};

/* The {{var}} found by template_next. */
struct template_var {
	const char	*open;		/* at "{{" */
	const char	*end;		/* just after "}}" */
	const char	*name;		/* the name, blanks trimmed */
	size_t		 namelen;
};

static int	template_errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static bool	template_split(const char *, char **, char **, char **);
static bool	template_utf8_ok(const unsigned char *, size_t);
static int	template_next(const char *, struct template_var *,
		    const char **);
static int	template_read(const char *, struct template_file *, char *,
		    size_t);
static int	template_cmp(const void *, const void *);
static int	template_strcmp(const void *, const void *);
static const struct template_file *template_find(const struct templates *,
		    const char *, const char *, const char *);
static void	template_reportf(struct template_report *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static bool	template_uses(const char *, const char *, size_t);
static bool	template_first(const char *, const struct template_var *);
static const char *template_sample(const char *, size_t);
static uint32_t	template_bidi(const char *);
static void	template_check_file(const struct templates *,
		    const struct template_file *, int,
		    struct template_report *);
static void	template_check_vars(const struct template_file *,
		    const struct template_file *, struct template_report *);
static bool	template_is_alert(const char *);
static void	template_check_numbers(const struct template_file *,
		    struct template_report *);
static void	template_check_voice(const struct templates *,
		    const struct template_file *, struct template_report *);

/* Append one line to the error text; always returns -1. */
static int
template_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;
	size_t	used;

	if (errlen == 0)
		return -1;
	used = strnlen(err, errlen);
	if (used > 0 && used + 1 < errlen) {
		err[used++] = '\n';
		err[used] = '\0';
	}
	if (used + 1 >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
	return -1;
}

/* Split "incident.sv.sms" into its parts; false if it is no template. */
static bool
template_split(const char *file, char **name, char **lang, char **kind)
{
	const char	*d1, *d2, *p;
	size_t		 nlen, llen;

	if ((d1 = strchr(file, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL)
		return false;
	nlen = (size_t)(d1 - file);
	llen = (size_t)(d2 - d1 - 1);
	if (nlen == 0 || llen < 2 || llen > 3)
		return false;
	for (p = file; p < d1; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return false;
	for (p = d1 + 1; p < d2; p++)
		if (*p < 'a' || *p > 'z')
			return false;
	if (strcmp(d2 + 1, "sms") != 0 && strcmp(d2 + 1, "voice") != 0)
		return false;
	*name = xstrndup(file, nlen);
	*lang = xstrndup(d1 + 1, llen);
	*kind = xstrdup(d2 + 1);
	return true;
}

/* Is p[0..len) well-formed UTF-8 (no overlong forms, no surrogates)? */
static bool
template_utf8_ok(const unsigned char *p, size_t len)
{
	size_t		i = 0, n, k;
	unsigned int	c, min;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return false;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * Find the first {{var}} at or after s. Returns 1 and fills v, 0 if
 * there is none, -1 with why set if it is malformed (v->open is set).
 */
static int
template_next(const char *s, struct template_var *v, const char **why)
{
	const char	*close, *a, *b, *p;

	if ((v->open = strstr(s, "{{")) == NULL)
		return 0;
	if ((close = strstr(v->open + 2, "}}")) == NULL) {
		*why = "'{{' without a matching '}}'";
		return -1;
	}
	a = v->open + 2;
	b = close;
	for (p = a; p + 1 < b; p++)
		if (p[0] == '{' && p[1] == '{') {
			*why = "'{{' without a matching '}}'";
			return -1;
		}
	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	if (a == b) {
		*why = "empty variable name";
		return -1;
	}
	for (p = a; p < b; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_')) {
			*why = "invalid variable name (use a-z, 0-9 and _)";
			return -1;
		}
	v->name = a;
	v->namelen = (size_t)(b - a);
	v->end = close + 2;
	return 1;
}

/* Read and check path into t->text; -1 with the errors added to err. */
static int
template_read(const char *path, struct template_file *t, char *err,
    size_t errlen)
{
	struct template_var	 v;
	FILE			*fp;
	char			*buf;
	const char		*p, *q, *why;
	size_t			 len;
	int			 line, r, rv = -1;

	buf = xmalloc(TEMPLATE_MAX_BYTES + 1);
	if ((fp = fopen(path, "r")) == NULL) {
		template_errf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	len = fread(buf, 1, TEMPLATE_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		template_errf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		goto out;
	}
	fclose(fp);
	if (len > TEMPLATE_MAX_BYTES) {
		template_errf(err, errlen, "%s: larger than %d bytes", path,
		    TEMPLATE_MAX_BYTES);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		template_errf(err, errlen, "%s: contains a NUL byte", path);
		goto out;
	}
	if (!template_utf8_ok((const unsigned char *)buf, len)) {
		template_errf(err, errlen, "%s: not valid UTF-8", path);
		goto out;
	}
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	buf[len] = '\0';
	if (len == 0) {
		template_errf(err, errlen, "%s: empty template", path);
		goto out;
	}
	rv = 0;
	for (p = buf; (r = template_next(p, &v, &why)) != 0; p = v.end) {
		if (r == 1)
			continue;
		for (line = 1, q = buf; q < v.open; q++)
			if (*q == '\n')
				line++;
		template_errf(err, errlen, "%s:%d: %s", path, line, why);
		rv = -1;
		/* Look for more errors after this "{{". */
		v.end = v.open + 2;
	}
	if (rv == 0) {
		t->text = xrealloc(buf, len + 1);	/* keep what is used */
		buf = NULL;
	}
out:
	free(buf);
	return rv;
}

/* Order templates by name, kind, then language. */
static int
template_cmp(const void *a, const void *b)
{
	const struct template_file	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if ((c = strcmp(x->kind, y->kind)) != 0)
		return c;
	return strcmp(x->lang, y->lang);
}

/* qsort comparison of two char pointers. */
static int
template_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct templates *
templates_load(const char *dir, char *err, size_t errlen)
{
	struct templates	*ts;
	struct template_file	 t;
	struct dirent		*de;
	struct stat		 st;
	DIR			*d;
	char			**files = NULL, *path;
	size_t			 nfiles = 0, plen, i;
	bool			 failed = false;

	if (errlen > 0)
		err[0] = '\0';
	if ((d = opendir(dir)) == NULL) {
		template_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		files = xrealloc(files, (nfiles + 1) * sizeof(*files));
		files[nfiles++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nfiles > 0)
		qsort(files, nfiles, sizeof(*files), template_strcmp);

	ts = xcalloc(1, sizeof(*ts));
	for (i = 0; i < nfiles; i++) {
		memset(&t, 0, sizeof(t));
		if (!template_split(files[i], &t.name, &t.lang, &t.kind))
			continue;
		plen = strlen(dir) + strlen(files[i]) + 2;
		path = xmalloc(plen);
		snprintf(path, plen, "%s/%s", dir, files[i]);
		/* Folders and devices with a template's name are skipped. */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (template_read(path, &t, err, errlen) == 0) {
				ts->v = xrealloc(ts->v,
				    (ts->n + 1) * sizeof(*ts->v));
				ts->v[ts->n++] = t;
				t.name = t.lang = t.kind = NULL;
			} else
				failed = true;
		}
		free(path);
		free(t.name);
		free(t.lang);
		free(t.kind);
	}
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (failed) {
		templates_free(ts);
		return NULL;
	}
	if (ts->n > 0)
		qsort(ts->v, ts->n, sizeof(*ts->v), template_cmp);
	return ts;
}

void
templates_free(struct templates *ts)
{
	size_t	i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n; i++) {
		free(ts->v[i].name);
		free(ts->v[i].lang);
		free(ts->v[i].kind);
		free(ts->v[i].text);
	}
	free(ts->v);
	free(ts);
}

/* The template name/kind in lang exactly, or NULL. */
static const struct template_file *
template_find(const struct templates *ts, const char *name, const char *kind,
    const char *lang)
{
	struct template_file	 key;
	size_t			 lo = 0, hi, mid;

	if (ts == NULL || name == NULL || kind == NULL)
		return NULL;
	/*
	 * The first entry not below (name, kind, lang) in the sorted
	 * array, "" standing for any language (it sorts first): a replied
	 * SMS looks up its template two to four times.
	 */
	key.name = (char *)name;
	key.kind = (char *)kind;
	key.lang = (char *)(lang != NULL ? lang : "");
	for (hi = ts->n; lo < hi; ) {
		mid = lo + (hi - lo) / 2;
		if (template_cmp(&ts->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ts->n || strcmp(ts->v[lo].name, name) != 0 ||
	    strcmp(ts->v[lo].kind, kind) != 0 ||
	    (lang != NULL && strcmp(ts->v[lo].lang, lang) != 0))
		return NULL;
	return &ts->v[lo];
}

bool
templates_has(const struct templates *ts, const char *name, const char *kind)
{
	return template_find(ts, name, kind, NULL) != NULL;
}

const char *
templates_lang(const struct templates *ts, const char *name, const char *kind,
    const char *lang)
{
	const struct template_file	*t;

	if ((lang != NULL && (t = template_find(ts, name, kind, lang)) !=
	    NULL) || (t = template_find(ts, name, kind, "sv")) != NULL ||
	    (t = template_find(ts, name, kind, NULL)) != NULL)
		return t->lang;
	return NULL;
}

char *
template_render(const struct templates *ts, const char *name,
    const char *kind, const char *lang, const struct tvar *vars, size_t nvars,
    char *missing, size_t missinglen, char *err, size_t errlen)
{
	const struct template_file	*t;
	struct template_var		 v;
	const char			*use, *p, *val, *why;
	char				*out, *nout;
	size_t				 len = 0, cap, add, i;

	if (missing != NULL && missinglen > 0)
		missing[0] = '\0';
	if ((use = templates_lang(ts, name, kind, lang)) == NULL ||
	    (t = template_find(ts, name, kind, use)) == NULL) {
		snprintf(err, errlen, "unknown template: %s (%s)",
		    name ? name : "", kind ? kind : "");
		return NULL;
	}
	cap = strlen(t->text) + 1;
	if ((out = malloc(cap)) == NULL)
		goto nomem;
	for (p = t->text; ; p = v.end) {
		/* Checked at load: only 0 or 1 here. */
		if (template_next(p, &v, &why) != 1)
			v.open = p + strlen(p);
		val = NULL;
		if (*v.open != '\0') {
			for (i = 0; i < nvars; i++)
				if (vars[i].name != NULL &&
				    strlen(vars[i].name) == v.namelen &&
				    memcmp(vars[i].name, v.name,
				    v.namelen) == 0) {
					val = vars[i].value;
					break;
				}
			if (val == NULL) {
				if (missing != NULL && missinglen > 0)
					snprintf(missing, missinglen, "%.*s",
					    (int)v.namelen, v.name);
				snprintf(err, errlen, "missing variable: %.*s",
				    (int)v.namelen, v.name);
				free(out);
				return NULL;
			}
		}
		add = (size_t)(v.open - p) + (val ? strlen(val) : 0);
		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			if ((nout = realloc(out, cap)) == NULL) {
				free(out);
				goto nomem;
			}
			out = nout;
		}
		memcpy(out + len, p, (size_t)(v.open - p));
		len += (size_t)(v.open - p);
		if (val == NULL)
			break;
		memcpy(out + len, val, strlen(val));
		len += strlen(val);
	}
	out[len] = '\0';
	return out;
nomem:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void
templates_each(const struct templates *ts, const char *kind,
    void (*cb)(const char *, const char *, void *), void *arg)
{
	char	langs[256];
	size_t	i, j, used;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n; i = j) {
		used = 0;
		langs[0] = '\0';
		/* Sorted by name, kind, lang: a name's files are together. */
		for (j = i; j < ts->n && strcmp(ts->v[j].name,
		    ts->v[i].name) == 0; j++)
			if (strcmp(ts->v[j].kind, kind) == 0 &&
			    used < sizeof(langs))
				used += (size_t)snprintf(langs + used,
				    sizeof(langs) - used, "%s%s",
				    used > 0 ? " " : "", ts->v[j].lang);
		if (used > 0)
			cb(ts->v[i].name, langs, arg);
	}
}

void
template_vars(const struct templates *ts, const char *name, const char *kind,
    void (*cb)(const char *, void *), void *arg)
{
	struct template_var	  v;
	const char		 *p, *why;
	char			**seen = NULL, *var;
	size_t			  nseen = 0, i, j;

	if (ts == NULL || name == NULL || kind == NULL)
		return;
	for (i = 0; i < ts->n; i++) {
		if (strcmp(ts->v[i].name, name) != 0 ||
		    strcmp(ts->v[i].kind, kind) != 0)
			continue;
		for (p = ts->v[i].text; template_next(p, &v, &why) == 1;
		    p = v.end) {
			for (j = 0; j < nseen; j++)
				if (strlen(seen[j]) == v.namelen &&
				    memcmp(seen[j], v.name, v.namelen) == 0)
					break;
			if (j < nseen)
				continue;
			var = xstrndup(v.name, v.namelen);
			seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen++] = var;
		}
	}
	for (j = 0; j < nseen; j++) {
		cb(seen[j], arg);
		free(seen[j]);
	}
	free(seen);
}

/* Count one problem and pass its line on. */
static void
template_reportf(struct template_report *rep, const char *fmt, ...)
{
	va_list	ap;
	char	line[512];

	rep->n++;
	if (rep->cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rep->cb(line, rep->arg);
}

/* Does text use the variable name[0..len)? */
static bool
template_uses(const char *text, const char *name, size_t len)
{
	struct template_var	 v;
	const char		*p, *why;

	for (p = text; template_next(p, &v, &why) == 1; p = v.end)
		if (v.namelen == len && memcmp(v.name, name, len) == 0)
			return true;
	return false;
}

/* Is v the first {{var}} of its name in text? */
static bool
template_first(const char *text, const struct template_var *v)
{
	struct template_var	 w;
	const char		*p, *why;

	for (p = text; template_next(p, &w, &why) == 1 && w.open < v->open;
	    p = w.end)
		if (w.namelen == v->namelen &&
		    memcmp(w.name, v->name, v->namelen) == 0)
			return false;
	return true;
}

/* The sample value of the variable name[0..len), or NULL. */
static const char *
template_sample(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < nitems(template_samples); i++)
		if (strlen(template_samples[i].name) == len &&
		    memcmp(template_samples[i].name, name, len) == 0)
			return template_samples[i].value;
	return NULL;
}

/*
 * The first bidi control character in s (valid UTF-8), or 0. Marks and
 * embeddings show as boxes on many phones and can reorder a number.
 */
static uint32_t
template_bidi(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 c;

	for (; *p != '\0'; p++) {
		if (p[0] == 0xd8 && p[1] == 0x9c)
			return 0x061c;		/* Arabic letter mark */
		if (p[0] != 0xe2 || p[1] == '\0' || p[2] == '\0')
			continue;
		c = ((uint32_t)(p[0] & 0x0f) << 12) |
		    ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		if (c == 0x200e || c == 0x200f || (c >= 0x202a &&
		    c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			return c;
	}
	return 0;
}

/* Render one file with the samples and check what comes out. */
static void
template_check_file(const struct templates *ts, const struct template_file *t,
    int max_segments, struct template_report *rep)
{
	struct template_var	 v;
	struct sms_info		 info;
	const char		*p, *why;
	char			*text, *clean, err[256];
	bool			 unknown = false, changed;
	uint32_t		 bidi;

	for (p = t->text; template_next(p, &v, &why) == 1; p = v.end) {
		if (template_sample(v.name, v.namelen) != NULL)
			continue;
		unknown = true;
		if (template_first(t->text, &v))
			template_reportf(rep, "%s.%s.%s: unknown variable "
			    "{{%.*s}}", t->name, t->lang, t->kind,
			    (int)v.namelen, v.name);
	}
	if ((bidi = template_bidi(t->text)) != 0)
		template_reportf(rep, "%s.%s.%s: bidi control character "
		    "U+%04X (store right-to-left text as plain UTF-8)",
		    t->name, t->lang, t->kind, (unsigned int)bidi);
	if (unknown)
		return;
	if ((text = template_render(ts, t->name, t->kind, t->lang,
	    template_samples, nitems(template_samples), NULL, 0, err,
	    sizeof(err))) == NULL) {
		template_reportf(rep, "%s.%s.%s: %s", t->name, t->lang,
		    t->kind, err);
		return;
	}
	if (!template_utf8_ok((const unsigned char *)text, strlen(text))) {
		template_reportf(rep, "%s.%s.%s: not valid UTF-8", t->name,
		    t->lang, t->kind);
		free(text);
		return;
	}
	if (strcmp(t->kind, "sms") != 0) {
		free(text);
		return;
	}
	/* Measured as fanout sends it: after transliteration. */
	clean = sms_transliterate(text, &changed);
	free(text);
	if (clean == NULL || sms_measure(clean, strlen(clean), &info, err,
	    sizeof(err)) == -1) {
		template_reportf(rep, "%s.%s.%s: %s", t->name, t->lang,
		    t->kind, clean != NULL ? err : "not valid UTF-8");
		free(clean);
		return;
	}
	free(clean);
	if (max_segments > 0 && info.segments > (size_t)max_segments)
		template_reportf(rep, "%s.%s.%s: %zu SMS segments (%s, %zu "
		    "%s) with sample values, over max_segments %d", t->name,
		    t->lang, t->kind, info.segments,
		    sms_encoding_name(info.encoding), info.units,
		    info.encoding == SMS_GSM7 ? "septets" : "UTF-16 units",
		    max_segments);
}

/* Report the variables t uses that ref does not, and the reverse. */
static void
template_check_vars(const struct template_file *ref,
    const struct template_file *t, struct template_report *rep)
{
	struct template_var	 v;
	const char		*p, *why;

	for (p = t->text; template_next(p, &v, &why) == 1; p = v.end)
		if (template_first(t->text, &v) &&
		    !template_uses(ref->text, v.name, v.namelen))
			template_reportf(rep, "%s.%s.%s: uses {{%.*s}}, which "
			    "%s.%s.%s does not", t->name, t->lang, t->kind,
			    (int)v.namelen, v.name, ref->name, ref->lang,
			    ref->kind);
	for (p = ref->text; template_next(p, &v, &why) == 1; p = v.end)
		if (template_first(ref->text, &v) &&
		    !template_uses(t->text, v.name, v.namelen))
			template_reportf(rep, "%s.%s.%s: lacks {{%.*s}}, which "
			    "%s.%s.%s uses", t->name, t->lang, t->kind,
			    (int)v.namelen, v.name, ref->name, ref->lang,
			    ref->kind);
}

/* Is name an alert text (not a reply to a keyword, not a part)? */
static bool
template_is_alert(const char *name)
{
	size_t	i;

	if (strncmp(name, TEMPLATE_REPLY, strlen(TEMPLATE_REPLY)) == 0)
		return false;
	for (i = 0; template_parts[i] != NULL; i++)
		if (strcmp(name, template_parts[i]) == 0)
			return false;
	return true;
}

/*
 * The numbers in their places: 112 in every alert SMS and the help text,
 * the duty number in the help text and nowhere else.
 */
static void
template_check_numbers(const struct template_file *t,
    struct template_report *rep)
{
	bool	help = strcmp(t->name, TEMPLATE_HELP) == 0;
	bool	sms = strcmp(t->kind, "sms") == 0;

	if (sms && (help || template_is_alert(t->name)) &&
	    !template_uses(t->text, "emergency_number", 16))
		template_reportf(rep, "%s.%s.%s: does not say to call "
		    "{{emergency_number}} (112) in danger", t->name, t->lang,
		    t->kind);
	if (help && sms && !template_uses(t->text, "duty_number", 11))
		template_reportf(rep, "%s.%s.%s: does not name {{duty_number}} "
		    "for urgent municipal matters", t->name, t->lang, t->kind);
	if (!help && template_uses(t->text, "duty_number", 11))
		template_reportf(rep, "%s.%s.%s: names {{duty_number}}, which "
		    "belongs in the help text only (in danger: "
		    "{{emergency_number}})", t->name, t->lang, t->kind);
}

/* A name with a call in some language has one in each language of its SMS. */
static void
template_check_voice(const struct templates *ts, const struct template_file *t,
    struct template_report *rep)
{
	if (strcmp(t->kind, "sms") != 0 ||
	    !templates_has(ts, t->name, "voice") ||
	    template_find(ts, t->name, "voice", t->lang) != NULL)
		return;
	template_reportf(rep, "%s.%s.voice: missing (%s is called in another "
	    "language, and has the SMS in %s)", t->name, t->lang, t->name,
	    t->lang);
}

int
templates_check(const struct templates *ts, const char *const *names,
    const char *const *langs, int max_segments,
    void (*report)(const char *, void *), void *arg)
{
	struct template_report		 rep = { report, arg, 0 };
	const struct template_file	*ref;
	size_t				 i, j, n;

	for (i = 0; names != NULL && names[i] != NULL; i++) {
		if (!templates_has(ts, names[i], "sms")) {
			template_reportf(&rep, "%s.sms: missing in every "
			    "language (a required template)", names[i]);
			continue;
		}
		for (j = 0; langs != NULL && langs[j] != NULL; j++)
			if (template_find(ts, names[i], "sms", langs[j]) ==
			    NULL)
				template_reportf(&rep, "%s.%s.sms: missing "
				    "(a required template in a required "
				    "language)", names[i], langs[j]);
	}
	n = ts != NULL ? ts->n : 0;
	for (i = 0; i < n; i++) {
		template_check_file(ts, &ts->v[i], max_segments, &rep);
		template_check_numbers(&ts->v[i], &rep);
		template_check_voice(ts, &ts->v[i], &rep);
		/* The reference language of this name and kind. */
		if ((ref = template_find(ts, ts->v[i].name, ts->v[i].kind,
		    "sv")) == NULL)
			ref = template_find(ts, ts->v[i].name, ts->v[i].kind,
			    NULL);
		if (ref != &ts->v[i])
			template_check_vars(ref, &ts->v[i], &rep);
	}
	return rep.n;
}

int
templates_check_dir(const char *dir, const char *const *names,
    const char *const *langs, int max_segments,
    void (*report)(const char *, void *), void *arg)
{
	struct templates	*ts;
	char			*err, *line, *nl;
	int			 n = 0;

	err = xmalloc(16384);
	err[0] = '\0';
	if ((ts = templates_load(dir, err, 16384)) == NULL) {
		for (line = err; *line != '\0'; line = nl + 1) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl = '\0';
			if (report != NULL)
				report(line, arg);
			n++;
			if (nl == NULL)
				break;
		}
		free(err);
		return n > 0 ? n : 1;
	}
	free(err);
	n = templates_check(ts, names, langs, max_segments, report, arg);
	templates_free(ts);
	return n;
}

const char *
template_press_one(const char *lang)
{
	static const struct {
		const char	*lang;
		const char	*text;
	} t[] = {
		{ "sv", "Tryck 1 för att bekräfta." },
		{ "en", "Press 1 to confirm." },
		{ "fi", "Paina 1 vahvistaaksesi." },
		{ "ar", "اضغط 1 للتأكيد." },
		{ "so", "Riix 1 si aad u xaqiijiso." },
		{ "fa", "برای تأیید، ۱ را فشار دهید." },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		if (lang != NULL && strcmp(t[i].lang, lang) == 0)
			return t[i].text;
	return t[0].text;
}
