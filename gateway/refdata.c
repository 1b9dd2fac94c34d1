/*
 * Reference data: trygghetspunkter and areas from two CSV files
 * (shared/data/README.md), and the lookups people use in TRYGG and
 * START: an area by postnummer, code or name, and the nearest point.
 *
 * The CSV reader follows RFC 4180 where it matters: fields may be quoted,
 * "" is a quote inside a quoted field, lines end in CRLF or LF, and a
 * quoted field may span lines (errors then name the line the row starts
 * on). A UTF-8 byte order mark is skipped, blank lines are ignored,
 * spaces around fields are trimmed. The first line must be the header
 * with the documented columns in order. Any bad row stops the load with
 * "FILE:LINE: column: reason", so a SIGHUP with a broken file keeps the
 * old data.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "refdata.h"
#include "util.h"

/* Reference files are small; anything bigger is a mistake. */
#define REFDATA_MAX_FILE	(8 * 1024 * 1024)
/* Rows per file: a municipality has hundreds; duplicates are O(n^2). */
#define REFDATA_MAX_ROWS	10000

/* The columns of each file, in order. */
static const char *const tpunkt_cols[] = {
	"id", "name", "address", "lat", "lon", "hours"
};
static const char *const area_cols[] = { "code", "name", "lat", "lon" };
#define TP_NCOLS	(sizeof(tpunkt_cols) / sizeof(tpunkt_cols[0]))
#define AREA_NCOLS	(sizeof(area_cols) / sizeof(area_cols[0]))

/* A CSV file being read: the whole text and the fields of one record. */
struct csv {
	const char	*path;
	char		*text;
	size_t		 len;
	size_t		 pos;
	int		 line;		/* physical line at pos, from 1 */
	char		*rec;		/* field texts, each NUL-terminated */
	size_t		 reclen;
	size_t		 reccap;
	size_t		*off;		/* start of each field in rec */
	size_t		 nf;
	size_t		 capf;
};

static int	 csv_open(struct csv *, const char *, char *, size_t);
static void	 csv_close(struct csv *);
static int	 csv_put(struct csv *, char);
static int	 csv_end_field(struct csv *);
static int	 csv_quoted(struct csv *, int, const char *, char *, size_t);
static int	 csv_next(struct csv *, int *, const char *const *, size_t,
		    char *, size_t);
static const char *csv_field(const struct csv *, size_t);
static int	 csv_header(struct csv *, const char *const *, size_t, char *,
		    size_t);
static int	 row_check(const struct csv *, int, const char *const *,
		    size_t, char *, size_t);
static int	 row_coord(const struct csv *, int, size_t, const char *,
		    double, double *, char *, size_t);
static bool	 decimal_parse(const char *, double *);
static bool	 is_blank(int);
static void	 code_normalize(char *);
static bool	 postnummer_parse(const char *, size_t, char *);
static int	 fold_next(const char **);
static bool	 fold_equal(const char *, const char *, size_t);
static int	 load_points(struct refdata *, const char *, char *, size_t);
static int	 load_areas(struct refdata *, const char *, char *, size_t);
static void	 tpunkt_clear(struct tpunkt *);

/* Space or tab, the blanks trimmed around fields and queries. */
static bool
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Read path whole into c; 0, or -1 with err. */
static int
csv_open(struct csv *c, const char *path, char *err, size_t errlen)
{
	FILE	*fp;
	size_t	 cap = 0, n;
	char	*t;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->line = 1;
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (c->len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if ((t = realloc(c->text, cap)) == NULL) {
				snprintf(err, errlen, "%s: out of memory",
				    path);
				goto fail;
			}
			c->text = t;
		}
		n = fread(c->text + c->len, 1, cap - c->len - 1, fp);
		c->len += n;
		if (c->len > REFDATA_MAX_FILE) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    REFDATA_MAX_FILE);
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(fp);
	if (c->text == NULL && (c->text = malloc(1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	c->text[c->len] = '\0';
	/* A byte order mark, as spreadsheets write it. */
	if (c->len >= 3 && memcmp(c->text, "\xef\xbb\xbf", 3) == 0)
		c->pos = 3;
	return 0;
fail:
	fclose(fp);
	free(c->text);
	c->text = NULL;
	return -1;
}

/* Release what csv_open and csv_next allocated. */
static void
csv_close(struct csv *c)
{
	free(c->text);
	free(c->rec);
	free(c->off);
	memset(c, 0, sizeof(*c));
}

/* Append one byte to the current field; 0 or -1 (out of memory). */
static int
csv_put(struct csv *c, char ch)
{
	char	*t;
	size_t	 cap;

	if (c->reclen + 1 >= c->reccap) {
		cap = c->reccap ? c->reccap * 2 : 256;
		if ((t = realloc(c->rec, cap)) == NULL)
			return -1;
		c->rec = t;
		c->reccap = cap;
	}
	c->rec[c->reclen++] = ch;
	return 0;
}

/* End the current field: trim trailing blanks, NUL, start the next one. */
static int
csv_end_field(struct csv *c)
{
	size_t	*t, cap;

	if (c->nf + 1 >= c->capf) {
		cap = c->capf ? c->capf * 2 : 16;
		if ((t = realloc(c->off, cap * sizeof(*t))) == NULL)
			return -1;
		c->off = t;
		c->capf = cap;
	}
	while (c->reclen > c->off[c->nf] && is_blank(c->rec[c->reclen - 1]))
		c->reclen--;
	if (csv_put(c, '\0') == -1)
		return -1;
	c->nf++;
	c->off[c->nf] = c->reclen;
	return 0;
}

/* Field i of the current record ("" past the last one). */
static const char *
csv_field(const struct csv *c, size_t i)
{
	return i < c->nf ? c->rec + c->off[i] : "";
}

/*
 * Read the quoted field at c->pos into the record: "" is a quote, line
 * breaks are kept and counted. After the closing quote only blanks may
 * come before the next comma or line end. 0, or -1 with err.
 */
static int
csv_quoted(struct csv *c, int recline, const char *col, char *err,
    size_t errlen)
{
	const char	*s = c->text;

	for (c->pos++;; c->pos++) {
		if (c->pos >= c->len) {
			snprintf(err, errlen, "%s:%d: %s: quoted field has no "
			    "closing quote", c->path, recline, col);
			return -1;
		}
		if (s[c->pos] == '"' && c->pos + 1 < c->len &&
		    s[c->pos + 1] == '"')
			c->pos++;	/* "" is one quote */
		else if (s[c->pos] == '"')
			break;
		else if (s[c->pos] == '\n' || (s[c->pos] == '\r' &&
		    (c->pos + 1 >= c->len || s[c->pos + 1] != '\n')))
			c->line++;
		if (csv_put(c, s[c->pos]) == -1) {
			snprintf(err, errlen, "%s:%d: out of memory", c->path,
			    recline);
			return -1;
		}
	}
	for (c->pos++; c->pos < c->len && is_blank(s[c->pos]); c->pos++)
		;
	if (c->pos < c->len && s[c->pos] != ',' && s[c->pos] != '\n' &&
	    s[c->pos] != '\r') {
		snprintf(err, errlen, "%s:%d: %s: text after the closing quote",
		    c->path, recline, col);
		return -1;
	}
	return 0;
}

/*
 * Read the next record into c->rec; its first line goes to *recline.
 * names are the nnames columns, for errors; NULL reads the header, which
 * must be on the current line (no blank lines skipped). Returns 1, 0 at
 * the end, or -1 with err.
 */
static int
csv_next(struct csv *c, int *recline, const char *const *names,
    size_t nnames, char *err, size_t errlen)
{
	const char	*s = c->text;
	size_t		 q;
	char		 col[32];

	/* Skip blank lines; a header (names == NULL) must be on line 1. */
	for (;;) {
		for (q = c->pos; q < c->len && is_blank(s[q]); q++)
			;
		if (q == c->len) {
			if (names == NULL)
				break;	/* an empty header, for csv_header */
			return 0;
		}
		if (names == NULL || (s[q] != '\n' && s[q] != '\r'))
			break;
		q += s[q] == '\r' && q + 1 < c->len && s[q + 1] == '\n' ? 2 : 1;
		c->pos = q;
		c->line++;
	}
	*recline = c->line;
	if (c->capf == 0) {
		if ((c->off = malloc(16 * sizeof(*c->off))) == NULL)
			goto oom;
		c->capf = 16;
	}
	c->nf = 0;
	c->reclen = 0;
	c->off[0] = 0;
	for (;;) {
		if (names != NULL && c->nf < nnames)
			snprintf(col, sizeof(col), "%s", names[c->nf]);
		else
			snprintf(col, sizeof(col), "column %zu", c->nf + 1);
		while (c->pos < c->len && is_blank(s[c->pos]))
			c->pos++;
		if (c->pos < c->len && s[c->pos] == '"') {
			if (csv_quoted(c, *recline, col, err, errlen) == -1)
				return -1;
		} else {
			while (c->pos < c->len && s[c->pos] != ',' &&
			    s[c->pos] != '\n' && s[c->pos] != '\r')
				if (csv_put(c, s[c->pos++]) == -1)
					goto oom;
		}
		if (csv_end_field(c) == -1)
			goto oom;
		if (c->pos < c->len && s[c->pos] == ',') {
			c->pos++;
			continue;
		}
		/* End of the record: eat its line end. */
		if (c->pos < c->len) {
			if (s[c->pos] == '\r' && c->pos + 1 < c->len &&
			    s[c->pos + 1] == '\n')
				c->pos++;
			c->pos++;
			c->line++;
		}
		return 1;
	}
oom:
	snprintf(err, errlen, "%s:%d: out of memory", c->path, c->line);
	return -1;
}

/* Read line 1 and check it is the documented header; 0 or -1. */
static int
csv_header(struct csv *c, const char *const *cols, size_t ncols, char *err,
    size_t errlen)
{
	char	 want[128];
	size_t	 i, n = 0;
	int	 line;

	want[0] = '\0';
	for (i = 0; i < ncols; i++) {
		snprintf(want + n, sizeof(want) - n, "%s%s", i ? "," : "",
		    cols[i]);
		n = strlen(want);
	}
	if (csv_next(c, &line, NULL, 0, err, errlen) == -1)
		return -1;
	if (c->nf == 1 && csv_field(c, 0)[0] == '\0') {
		snprintf(err, errlen, "%s:1: no header, expected \"%s\"",
		    c->path, want);
		return -1;
	}
	for (i = 0; i < ncols || i < c->nf; i++) {
		if (i < ncols && i < c->nf &&
		    strcasecmp(csv_field(c, i), cols[i]) == 0)
			continue;
		if (i >= c->nf)
			snprintf(err, errlen, "%s:1: header has no column "
			    "\"%s\", expected \"%s\"", c->path, cols[i], want);
		else if (i >= ncols)
			snprintf(err, errlen, "%s:1: header has %zu columns, "
			    "expected \"%s\"", c->path, c->nf, want);
		else if (!utf8_valid(csv_field(c, i)))
			snprintf(err, errlen, "%s:1: header column %zu is not "
			    "UTF-8, expected \"%s\"", c->path, i + 1, want);
		else
			snprintf(err, errlen, "%s:1: header column %zu is "
			    "\"%.40s\", expected \"%s\" (header: %s)", c->path,
			    i + 1, csv_field(c, i), cols[i], want);
		return -1;
	}
	return 0;
}


/*
 * Common checks of a data row: the column count, UTF-8 and no NUL in
 * every field. 0 or -1 with err.
 */
static int
row_check(const struct csv *c, int line, const char *const *cols,
    size_t ncols, char *err, size_t errlen)
{
	size_t	 i, len;

	if (c->nf < ncols) {
		snprintf(err, errlen, "%s:%d: %s: missing column (the row has "
		    "%zu of %zu)", c->path, line, cols[c->nf], c->nf, ncols);
		return -1;
	}
	if (c->nf > ncols) {
		snprintf(err, errlen, "%s:%d: %zu columns, expected %zu (quote "
		    "a field that has a comma)", c->path, line, c->nf, ncols);
		return -1;
	}
	for (i = 0; i < ncols; i++) {
		len = c->off[i + 1] - c->off[i] - 1;
		if (strlen(csv_field(c, i)) != len) {
			snprintf(err, errlen, "%s:%d: %s: contains a NUL byte",
			    c->path, line, cols[i]);
			return -1;
		}
		if (!utf8_valid(csv_field(c, i))) {
			snprintf(err, errlen, "%s:%d: %s: invalid UTF-8",
			    c->path, line, cols[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * A plain decimal number ("59.1786", "-17", ".5"): no exponent, no hex,
 * no inf or nan, whatever strtod would take.
 */
static bool
decimal_parse(const char *s, double *out)
{
	const char	*p = s;
	char		*end;
	size_t		 digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits == 0 || *p != '\0')
		return false;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out);
}

/* Parse column col as a coordinate within [-lim, lim]; 0 or -1. */
static int
row_coord(const struct csv *c, int line, size_t col, const char *name,
    double lim, double *out, char *err, size_t errlen)
{
	const char	*s = csv_field(c, col);

	if (*s == '\0') {
		snprintf(err, errlen, "%s:%d: %s: empty", c->path, line, name);
		return -1;
	}
	if (!decimal_parse(s, out)) {
		snprintf(err, errlen, "%s:%d: %s: not a number", c->path, line,
		    name);
		return -1;
	}
	if (*out < -lim || *out > lim) {
		snprintf(err, errlen, "%s:%d: %s: %s out of range (%g to %g)",
		    c->path, line, name, s, -lim, lim);
		return -1;
	}
	return 0;
}

/* "155 31" -> "15531": a postnummer code is kept without its space. */
static void
code_normalize(char *code)
{
	char	 pn[6];

	if (postnummer_parse(code, strlen(code), pn))
		memcpy(code, pn, sizeof(pn));
}

/*
 * Is s (len bytes, trimmed) a postnummer: five digits, or three, one
 * space and two? The digits go to out (6 bytes).
 */
static bool
postnummer_parse(const char *s, size_t len, char *out)
{
	size_t	 i, n = 0;

	if (len != 5 && !(len == 6 && s[3] == ' '))
		return false;
	for (i = 0; i < len; i++) {
		if (len == 6 && i == 3)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return false;
		out[n++] = s[i];
	}
	out[n] = '\0';
	return true;
}

/*
 * The next byte of a name folded for comparison, advancing *sp; -1 at
 * the end. ASCII is lower-cased; å ä Å Ä fold to a, ö Ö to o, é É to e
 * (NFC, or NFD as the letter and its combining mark); a run of blanks is
 * one space, and none at the end. Other bytes are compared as they are.
 */
static int
fold_next(const char **sp)
{
	const unsigned char	*s = (const unsigned char *)*sp;
	int			 ch;

	if (*s == '\0')
		return -1;
	if (is_blank(*s)) {
		while (is_blank(*s))
			s++;
		*sp = (const char *)s;
		return *s == '\0' ? -1 : ' ';
	}
	ch = *s++;
	if (ch == 0xc3) {
		switch (*s) {
		case 0xa5: case 0xa4: case 0x85: case 0x84:
			ch = 'a';
			s++;
			break;
		case 0xb6: case 0x96:
			ch = 'o';
			s++;
			break;
		case 0xa9: case 0x89:
			ch = 'e';
			s++;
			break;
		}
	} else if (ch < 0x80) {
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		/* Combining ring U+030A, diaeresis U+0308, acute U+0301. */
		if (s[0] == 0xcc && ((ch == 'a' && (s[1] == 0x8a ||
		    s[1] == 0x88)) || (ch == 'o' && s[1] == 0x88) ||
		    (ch == 'e' && s[1] == 0x81)))
			s += 2;
	}
	*sp = (const char *)s;
	return ch;
}

/* Does the name fold to the same text as the first qlen bytes of q? */
static bool
fold_equal(const char *name, const char *q, size_t qlen)
{
	const char	*qend = q + qlen;
	int		 a, b;

	while (is_blank(*name))
		name++;
	for (;;) {
		a = fold_next(&name);
		b = q < qend ? fold_next(&q) : -1;
		if (q > qend)
			return false;	/* a fold ran past the query */
		if (a != b)
			return false;
		if (a == -1)
			return true;
	}
}

/* Release one trygghetspunkt's strings. */
static void
tpunkt_clear(struct tpunkt *t)
{
	free(t->id);
	free(t->name);
	free(t->address);
	free(t->hours);
}

/* Load the trygghetspunkter file into rd; 0, or -1 with err. */
static int
load_points(struct refdata *rd, const char *path, char *err, size_t errlen)
{
	struct csv	 c;
	struct tpunkt	 tp, *np;
	int		*lines = NULL, *nl, line, rc;
	size_t		 cap = 0, i;

	if (csv_open(&c, path, err, errlen) == -1)
		return -1;
	if (csv_header(&c, tpunkt_cols, TP_NCOLS, err, errlen) == -1)
		goto fail;
	while ((rc = csv_next(&c, &line, tpunkt_cols, TP_NCOLS, err,
	    errlen)) == 1) {
		memset(&tp, 0, sizeof(tp));
		if (rd->npoints == REFDATA_MAX_ROWS) {
			snprintf(err, errlen, "%s:%d: more than %d rows", path,
			    line, REFDATA_MAX_ROWS);
			goto fail;
		}
		if (row_check(&c, line, tpunkt_cols, TP_NCOLS, err,
		    errlen) == -1)
			goto fail;
		if (*csv_field(&c, 0) == '\0' || *csv_field(&c, 1) == '\0') {
			snprintf(err, errlen, "%s:%d: %s: empty", path, line,
			    *csv_field(&c, 0) == '\0' ? "id" : "name");
			goto fail;
		}
		for (i = 0; i < rd->npoints; i++)
			if (strcmp(rd->points[i].id, csv_field(&c, 0)) == 0) {
				snprintf(err, errlen, "%s:%d: id: duplicate "
				    "\"%.64s\" (first on line %d)", path, line,
				    rd->points[i].id, lines[i]);
				goto fail;
			}
		if (row_coord(&c, line, 3, "lat", 90, &tp.pos.lat, err,
		    errlen) == -1 || row_coord(&c, line, 4, "lon", 180,
		    &tp.pos.lon, err, errlen) == -1)
			goto fail;
		if (rd->npoints == cap) {
			cap = cap ? cap * 2 : 16;
			np = realloc(rd->points, cap * sizeof(*np));
			if (np != NULL)
				rd->points = np;
			nl = realloc(lines, cap * sizeof(*nl));
			if (nl != NULL)
				lines = nl;
			if (np == NULL || nl == NULL)
				goto oom;
		}
		tp.id = strdup(csv_field(&c, 0));
		tp.name = strdup(csv_field(&c, 1));
		tp.address = strdup(csv_field(&c, 2));
		tp.hours = strdup(csv_field(&c, 5));
		if (tp.id == NULL || tp.name == NULL || tp.address == NULL ||
		    tp.hours == NULL) {
			tpunkt_clear(&tp);
			goto oom;
		}
		lines[rd->npoints] = line;
		rd->points[rd->npoints++] = tp;
	}
	if (rc == -1)
		goto fail;
	free(lines);
	csv_close(&c);
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	free(lines);
	csv_close(&c);
	return -1;
}

/* Load the areas file into rd; 0, or -1 with err. */
static int
load_areas(struct refdata *rd, const char *path, char *err, size_t errlen)
{
	struct csv	 c;
	struct area	 a, *na;
	int		*lines = NULL, *nl, line, rc;
	size_t		 cap = 0, i;
	char		*code;

	if (csv_open(&c, path, err, errlen) == -1)
		return -1;
	if (csv_header(&c, area_cols, AREA_NCOLS, err, errlen) == -1)
		goto fail;
	while ((rc = csv_next(&c, &line, area_cols, AREA_NCOLS, err,
	    errlen)) == 1) {
		memset(&a, 0, sizeof(a));
		if (rd->nareas == REFDATA_MAX_ROWS) {
			snprintf(err, errlen, "%s:%d: more than %d rows", path,
			    line, REFDATA_MAX_ROWS);
			goto fail;
		}
		if (row_check(&c, line, area_cols, AREA_NCOLS, err,
		    errlen) == -1)
			goto fail;
		code = c.rec + c.off[0];
		code_normalize(code);
		if (*code == '\0' || *csv_field(&c, 1) == '\0') {
			snprintf(err, errlen, "%s:%d: %s: empty", path, line,
			    *code == '\0' ? "code" : "name");
			goto fail;
		}
		for (i = 0; i < rd->nareas; i++)
			if (strcmp(rd->areas[i].code, code) == 0) {
				snprintf(err, errlen, "%s:%d: code: duplicate "
				    "\"%.64s\" (first on line %d)", path, line,
				    code, lines[i]);
				goto fail;
			}
		if (row_coord(&c, line, 2, "lat", 90, &a.pos.lat, err,
		    errlen) == -1 || row_coord(&c, line, 3, "lon", 180,
		    &a.pos.lon, err, errlen) == -1)
			goto fail;
		if (rd->nareas == cap) {
			cap = cap ? cap * 2 : 16;
			na = realloc(rd->areas, cap * sizeof(*na));
			if (na != NULL)
				rd->areas = na;
			nl = realloc(lines, cap * sizeof(*nl));
			if (nl != NULL)
				lines = nl;
			if (na == NULL || nl == NULL)
				goto oom;
		}
		a.code = strdup(code);
		a.name = strdup(csv_field(&c, 1));
		if (a.code == NULL || a.name == NULL) {
			free(a.code);
			free(a.name);
			goto oom;
		}
		lines[rd->nareas] = line;
		rd->areas[rd->nareas++] = a;
	}
	if (rc == -1)
		goto fail;
	free(lines);
	csv_close(&c);
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	free(lines);
	csv_close(&c);
	return -1;
}

/* Load both files (either may be NULL); NULL with err on a bad row. */
struct refdata *
refdata_load(const char *tpunkter_csv, const char *areas_csv, char *err,
    size_t errlen)
{
	struct refdata	*rd;

	if ((rd = calloc(1, sizeof(*rd))) == NULL) {
		snprintf(err, errlen, "refdata: out of memory");
		return NULL;
	}
	if (tpunkter_csv != NULL &&
	    load_points(rd, tpunkter_csv, err, errlen) == -1)
		goto fail;
	if (areas_csv != NULL && load_areas(rd, areas_csv, err, errlen) == -1)
		goto fail;
	return rd;
fail:
	refdata_free(rd);
	return NULL;
}

/* Free the data and every string in it; NULL does nothing. */
void
refdata_free(struct refdata *rd)
{
	size_t	 i;

	if (rd == NULL)
		return;
	for (i = 0; i < rd->npoints; i++)
		tpunkt_clear(&rd->points[i]);
	for (i = 0; i < rd->nareas; i++) {
		free(rd->areas[i].code);
		free(rd->areas[i].name);
	}
	free(rd->points);
	free(rd->areas);
	free(rd);
}

/* The area a query names: postnummer, code, or folded name; or NULL. */
const struct area *
refdata_area(const struct refdata *rd, const char *query)
{
	const char	*q;
	size_t		 len, i;
	char		 pn[6];

	if (rd == NULL || query == NULL)
		return NULL;
	for (q = query; is_blank(*q); q++)
		;
	for (len = strlen(q); len > 0 && is_blank(q[len - 1]); len--)
		;
	if (len == 0)
		return NULL;
	if (postnummer_parse(q, len, pn)) {
		for (i = 0; i < rd->nareas; i++)
			if (strcmp(rd->areas[i].code, pn) == 0)
				return &rd->areas[i];
		return NULL;
	}
	for (i = 0; i < rd->nareas; i++)
		if (strlen(rd->areas[i].code) == len &&
		    memcmp(rd->areas[i].code, q, len) == 0)
			return &rd->areas[i];
	for (i = 0; i < rd->nareas; i++)
		if (fold_equal(rd->areas[i].name, q, len))
			return &rd->areas[i];
	return NULL;
}

/* The nearest trygghetspunkt to p (a linear scan), or NULL. */
const struct tpunkt *
refdata_nearest(const struct refdata *rd, struct geo_point p,
    double *distance_m)
{
	const struct tpunkt	*best = NULL;
	double			 d, bestd = INFINITY;
	size_t			 i;

	if (rd == NULL || !isfinite(p.lat) || !isfinite(p.lon))
		return NULL;
	for (i = 0; i < rd->npoints; i++) {
		d = geo_distance_m(p, rd->points[i].pos);
		if (best == NULL || d < bestd) {
			best = &rd->points[i];
			bestd = d;
		}
	}
	if (best != NULL && distance_m != NULL)
		*distance_m = bestd;
	return best;
}
