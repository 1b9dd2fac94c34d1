/*
 * varselctl contacts: import a CSV file in batches through POST
 * /v1/contacts, naming each rejected row by its line in the file, and
 * export all contacts as CSV in the same format. The CSV reader
 * (RFC 4180: quoted fields with commas, "" and line breaks) is here too.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"
#include "util.h"

#define CTL_CSV_MAX_RECORD	(1024 * 1024)	/* bytes of one record */
#define CTL_CSV_MAX_FIELDS	256
#define CTL_BATCH_DEFAULT	500
#define CTL_BATCH_MAX		10000		/* what the API takes */
#define CTL_EXPORT_PAGE		500

/* The columns of a contacts file, in the order export writes them. */
enum ctl_csv_col {
	COL_PHONE, COL_NAME, COL_LANG, COL_GROUPS, COL_AREA, COL_LAT,
	COL_LON, COL_CHANNELS, COL_N
};
static const char *const ctl_cols[COL_N] = {
	"phone", "name", "lang", "groups", "area", "lat", "lon", "channels"
};

/* A growing field while a record is read. */
struct ctl_field {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* A rejected row, printed in line order when its batch is done. */
struct ctl_rej {
	int	 line;
	char	*text;
};

/* An import in progress. */
struct ctl_import {
	struct ctl	*c;
	const char	*file;
	int		 col[COL_N];	/* field index of each column, or -1 */
	size_t		 ncols;		/* fields in the header */
	json_t		*batch;		/* contacts not yet posted */
	int		*lines;		/* the CSV line of each */
	size_t		 nbatch;
	size_t		 batch_max;
	struct ctl_rej	*rej;		/* not yet printed */
	size_t		 nrej;
	long		 imported;
	long		 rejected;
};

static int	ctl_field_add(struct ctl_field *, char);
static int	ctl_rec_push(struct ctl_csv_rec *, struct ctl_field *);
static char	*ctl_trim(char *);
static int	ctl_contacts_header(struct ctl_import *,
		    const struct ctl_csv_rec *);
static json_t	*ctl_contacts_list(const char *, char *, size_t);
static int	ctl_contacts_number(const char *, double *);
static json_t	*ctl_contacts_row(const struct ctl_import *,
		    const struct ctl_csv_rec *, const char **, char *, size_t);
static void	ctl_contacts_reject(struct ctl_import *, int, const char *,
		    const char *, const char *);
static int	ctl_contacts_rej_cmp(const void *, const void *);
static void	ctl_contacts_print(struct ctl_import *);
static int	ctl_contacts_flush(struct ctl_import *);
static const char *ctl_basename(const char *);
static void	ctl_contacts_put_list(FILE *, json_t *);

/* Append one byte to a field; -1 if the record grows too large. */
static int
ctl_field_add(struct ctl_field *f, char ch)
{
	char	*np;
	size_t	 cap;

	if (f->len + 2 > f->cap) {
		if (f->len + 2 > CTL_CSV_MAX_RECORD)
			return -1;
		cap = f->cap ? f->cap * 2 : 64;
		np = xrealloc(f->p, cap);
		f->p = np;
		f->cap = cap;
	}
	f->p[f->len++] = ch;
	f->p[f->len] = '\0';
	return 0;
}

/* Move the field into the record; -1 if there are too many fields. */
static int
ctl_rec_push(struct ctl_csv_rec *rec, struct ctl_field *f)
{
	if (rec->n >= CTL_CSV_MAX_FIELDS)
		return -1;
	rec->v = xrealloc(rec->v, (rec->n + 1) * sizeof(*rec->v));
	rec->v[rec->n++] = f->p != NULL ? f->p : xstrdup("");
	memset(f, 0, sizeof(*f));
	return 0;
}

void
ctl_csv_init(struct ctl_csv *csv, FILE *fp, const char *name)
{
	memset(csv, 0, sizeof(*csv));
	csv->fp = fp;
	csv->name = name;
}

void
ctl_csv_rec_free(struct ctl_csv_rec *rec)
{
	size_t	i;

	if (rec == NULL)
		return;
	for (i = 0; i < rec->n; i++)
		free(rec->v[i]);
	free(rec->v);
	memset(rec, 0, sizeof(*rec));
}

int
ctl_csv_read(struct ctl_csv *csv, struct ctl_csv_rec *rec, char *err,
    size_t errlen)
{
	enum { START, PLAIN, QUOTED, QUOTE } st = START;
	struct ctl_field	 f = { NULL, 0, 0 };
	char			*line = NULL, *p, ch;
	size_t			 cap = 0, total = 0;
	ssize_t			 n;
	int			 at;
	bool			 in_record = false;
	const char		*why = NULL;

	memset(rec, 0, sizeof(*rec));
	if (errlen > 0)
		err[0] = '\0';
	while (!csv->eof) {
		if ((n = getline(&line, &cap, csv->fp)) == -1) {
			csv->eof = true;
			if (ferror(csv->fp))
				why = strerror(errno);
			else if (in_record)
				why = "a quoted field is not closed";
			break;
		}
		csv->line++;
		p = line;
		if (!csv->started) {
			csv->started = true;
			if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
				p += 3;
				n -= 3;
			}
		}
		if (memchr(p, '\0', (size_t)n) != NULL) {
			why = "a NUL byte (is this a CSV file?)";
			break;
		}
		/* The line break: one in a quoted field, else none. */
		if (n > 0 && p[n - 1] == '\n')
			p[--n] = '\0';
		if (n > 0 && p[n - 1] == '\r')
			p[--n] = '\0';
		if (!in_record) {
			if (n == 0)
				continue;	/* a blank line */
			rec->line = csv->line;
			in_record = true;
		}
		if ((total += (size_t)n) > CTL_CSV_MAX_RECORD) {
			why = "the record is longer than 1 MB";
			break;
		}
		for (; (ch = *p) != '\0' && why == NULL; p++) {
			switch (st) {
			case START:
				if (ch == '"')
					st = QUOTED;
				else if (ch == ',') {
					if (ctl_rec_push(rec, &f) == -1)
						why = "too many fields";
				} else {
					st = PLAIN;
					if (ctl_field_add(&f, ch) == -1)
						why = "the record is too long";
				}
				break;
			case PLAIN:
				if (ch == ',') {
					st = START;
					if (ctl_rec_push(rec, &f) == -1)
						why = "too many fields";
				} else if (ctl_field_add(&f, ch) == -1)
					why = "the record is too long";
				break;
			case QUOTED:
				if (ch == '"')
					st = QUOTE;
				else if (ctl_field_add(&f, ch) == -1)
					why = "the record is too long";
				break;
			case QUOTE:
				if (ch == '"') {
					st = QUOTED;
					if (ctl_field_add(&f, ch) == -1)
						why = "the record is too long";
				} else if (ch == ',') {
					st = START;
					if (ctl_rec_push(rec, &f) == -1)
						why = "too many fields";
				} else
					why = "text after a closing quote "
					    "(write a quote inside quotes "
					    "as \"\")";
				break;
			}
		}
		if (why != NULL)
			break;
		if (st == QUOTED) {
			/* The field goes on on the next line. */
			if (ctl_field_add(&f, '\n') == -1) {
				why = "the record is too long";
				break;
			}
			continue;
		}
		if (ctl_rec_push(rec, &f) == -1) {
			why = "too many fields";
			break;
		}
		free(line);
		return 1;
	}
	free(line);
	free(f.p);
	if (why == NULL) {
		ctl_csv_rec_free(rec);
		return 0;
	}
	at = in_record ? rec->line : csv->line;
	ctl_csv_rec_free(rec);
	rec->line = at;
	snprintf(err, errlen, "%s", why);
	return -1;
}

void
ctl_csv_put(FILE *fp, const char *s)
{
	size_t	len = strlen(s);

	if (strpbrk(s, ",\"\r\n") == NULL && (len == 0 || (s[0] != ' ' &&
	    s[len - 1] != ' '))) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* Would a spreadsheet take a field that begins with c for a formula? */
static bool
ctl_csv_formula(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	    c == '\r';
}

void
ctl_csv_put_text(FILE *fp, const char *s)
{
	char	*guarded;

	if (!ctl_csv_formula(*s)) {
		ctl_csv_put(fp, s);
		return;
	}
	if ((guarded = str_printf("'%s", s)) == NULL)
		return;
	ctl_csv_put(fp, guarded);
	free(guarded);
}

const char *
ctl_csv_unguard(const char *s)
{
	return s[0] == '\'' && ctl_csv_formula(s[1]) ? s + 1 : s;
}

/* Strip blanks at both ends, in place. */
static char *
ctl_trim(char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	for (n = strlen(s); n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t');
	    n--)
		s[n - 1] = '\0';
	return s;
}

/* Map the header's column names; -1 after printing what is wrong. */
static int
ctl_contacts_header(struct ctl_import *im, const struct ctl_csv_rec *rec)
{
	size_t	i, k;
	char	*name;

	for (k = 0; k < COL_N; k++)
		im->col[k] = -1;
	for (i = 0; i < rec->n; i++) {
		name = ctl_trim(rec->v[i]);
		for (k = 0; k < COL_N; k++)
			if (strcasecmp(name, ctl_cols[k]) == 0)
				break;
		if (k == COL_N) {
			fprintf(im->c->err, "varselctl: %s:%d: unknown column "
			    "'%.64s'; the first line names the columns: "
			    "phone,name,lang,groups,area,lat,lon,channels\n",
			    im->file, rec->line, name);
			return -1;
		}
		if (im->col[k] != -1) {
			fprintf(im->c->err, "varselctl: %s:%d: column '%s' "
			    "twice\n", im->file, rec->line, ctl_cols[k]);
			return -1;
		}
		im->col[k] = (int)i;
	}
	if (im->col[COL_PHONE] == -1) {
		fprintf(im->c->err, "varselctl: %s:%d: no phone column\n",
		    im->file, rec->line);
		return -1;
	}
	if ((im->col[COL_LAT] == -1) != (im->col[COL_LON] == -1)) {
		fprintf(im->c->err, "varselctl: %s:%d: lat and lon go "
		    "together\n", im->file, rec->line);
		return -1;
	}
	im->ncols = rec->n;
	return 0;
}

/* "a|b| c" as ["a","b","c"]; NULL with err if not UTF-8. */
static json_t *
ctl_contacts_list(const char *s, char *err, size_t errlen)
{
	json_t	*arr = json_array(), *v;
	char	*copy = xstrdup(s), *p, *save, *item;

	for (p = strtok_r(copy, "|", &save); p != NULL;
	    p = strtok_r(NULL, "|", &save)) {
		item = ctl_trim(p);
		if (*item == '\0')
			continue;
		if ((v = json_string(item)) == NULL) {
			snprintf(err, errlen, "not valid UTF-8");
			json_decref(arr);
			free(copy);
			return NULL;
		}
		json_array_append_new(arr, v);
	}
	free(copy);
	return arr;
}

/* A coordinate, with a decimal point or a decimal comma; 0 or -1. */
static int
ctl_contacts_number(const char *s, double *out)
{
	char	buf[64], *end, *comma;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strlcpy(buf, s, sizeof(buf));
	if ((comma = strchr(buf, ',')) != NULL && strchr(buf, '.') == NULL &&
	    strchr(comma + 1, ',') == NULL)
		*comma = '.';
	errno = 0;
	*out = strtod(buf, &end);
	if (end == buf || *end != '\0' || errno != 0 || !isfinite(*out))
		return -1;
	return 0;
}

/*
 * One data record as an API contact; NULL with err and the column at
 * fault in *field (or NULL) for what cannot even be sent. The API checks
 * the meaning.
 */
static json_t *
ctl_contacts_row(const struct ctl_import *im, const struct ctl_csv_rec *rec,
    const char **field, char *err, size_t errlen)
{
	json_t		*o, *v;
	const char	*val[COL_N];
	double		 lat, lon;
	size_t		 k;

	*field = NULL;
	if (rec->n != im->ncols) {
		snprintf(err, errlen, "%zu fields, the header has %zu (a "
		    "comma in a field needs quotes)", rec->n, im->ncols);
		return NULL;
	}
	for (k = 0; k < COL_N; k++)
		val[k] = im->col[k] >= 0 ? ctl_trim(rec->v[im->col[k]]) : "";
	/* What export guarded against spreadsheets, as it was. */
	for (k = 0; k < COL_N; k++)
		if (k != COL_PHONE)
			val[k] = ctl_csv_unguard(val[k]);
	o = json_object();
	for (k = 0; k < COL_N; k++) {
		if (k == COL_LAT || k == COL_LON || im->col[k] < 0)
			continue;
		if (k == COL_GROUPS || k == COL_CHANNELS) {
			/* An empty groups cell clears the memberships. */
			if (k == COL_CHANNELS && *val[k] == '\0')
				continue;
			if ((v = ctl_contacts_list(val[k], err, errlen)) ==
			    NULL)
				goto bad;
		} else if (*val[k] == '\0' && k != COL_PHONE)
			continue;
		else if ((v = json_string(val[k])) == NULL) {
			snprintf(err, errlen, "not valid UTF-8 (save the "
			    "file as UTF-8)");
			goto bad;
		}
		json_object_set_new(o, ctl_cols[k], v);
	}
	if (*val[COL_LAT] != '\0' || *val[COL_LON] != '\0') {
		if (*val[COL_LAT] == '\0' || *val[COL_LON] == '\0') {
			snprintf(err, errlen, "lat and lon: give both or "
			    "neither");
			k = COL_LAT;
			goto bad;
		}
		k = COL_LAT;
		if (ctl_contacts_number(val[COL_LAT], &lat) == -1 ||
		    (k = COL_LON, ctl_contacts_number(val[COL_LON],
		    &lon) == -1)) {
			snprintf(err, errlen, "not a number: '%.32s'",
			    val[k]);
			goto bad;
		}
		json_object_set_new(o, "lat", json_real(lat));
		json_object_set_new(o, "lon", json_real(lon));
	}
	return o;
bad:
	*field = ctl_cols[k];
	json_decref(o);
	return NULL;
}

/* Note a rejected row: "file:line: code (field): message". */
static void
ctl_contacts_reject(struct ctl_import *im, int line, const char *code,
    const char *field, const char *msg)
{
	char	*text;

	if (line > 0)
		text = str_printf("%s:%d: %s%s%s%s: %s", im->file, line, code,
		    field ? " (" : "", field ? field : "", field ? ")" : "",
		    msg);
	else
		text = str_printf("%s: a row of the batch: %s%s%s%s: %s",
		    im->file, code, field ? " (" : "", field ? field : "",
		    field ? ")" : "", msg);
	im->rejected++;
	if (text == NULL)
		return;
	im->rej = xrealloc(im->rej, (im->nrej + 1) * sizeof(*im->rej));
	im->rej[im->nrej].line = line;
	im->rej[im->nrej++].text = text;
}

/* Order rejected rows by line. */
static int
ctl_contacts_rej_cmp(const void *a, const void *b)
{
	const struct ctl_rej	*x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

/* Print the rejected rows noted so far, in line order. */
static void
ctl_contacts_print(struct ctl_import *im)
{
	size_t	i;

	if (im->nrej > 1)
		qsort(im->rej, im->nrej, sizeof(*im->rej),
		    ctl_contacts_rej_cmp);
	for (i = 0; i < im->nrej; i++) {
		fprintf(im->c->err, "%s\n", im->rej[i].text);
		free(im->rej[i].text);
	}
	free(im->rej);
	im->rej = NULL;
	im->nrej = 0;
}

/* The last part of a path ("kontakter.csv"). */
static const char *
ctl_basename(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* Post the batch; print its rejected rows. -1 if the API said no. */
static int
ctl_contacts_flush(struct ctl_import *im)
{
	struct ctl_reply	 r;
	json_t			*body, *rej, *e;
	const char		*code, *msg, *field;
	json_int_t		 idx;
	size_t			 i, nrej;
	int			 line, rv = -1;

	if (im->nbatch == 0) {
		ctl_contacts_print(im);
		return 0;
	}
	/* The file a number came from is on its consent record. */
	body = json_pack("{sO ss}", "contacts", im->batch, "import",
	    ctl_basename(im->file));
	if (body == NULL || ctl_http_json(im->c, "/v1/contacts", body,
	    &r) == -1) {
		json_decref(body);
		return -1;
	}
	json_decref(body);
	if (r.status != 200 || !json_is_object(r.json)) {
		ctl_api_error(im->c, "POST /v1/contacts", &r);
		goto out;
	}
	im->imported += (long)json_integer_value(json_object_get(r.json,
	    "upserted"));
	rej = json_object_get(r.json, "rejected");
	nrej = json_array_size(rej);
	for (i = 0; i < nrej; i++) {
		e = json_array_get(rej, i);
		idx = json_integer_value(json_object_get(e, "index"));
		code = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
		field = json_string_value(json_object_get(e, "field"));
		line = idx >= 0 && (size_t)idx < im->nbatch ?
		    im->lines[idx] : 0;
		ctl_contacts_reject(im, line, code ? code : "rejected",
		    field, msg ? msg : "");
	}
	rv = 0;
out:
	ctl_contacts_print(im);
	ctl_reply_free(&r);
	json_array_clear(im->batch);
	im->nbatch = 0;
	return rv;
}

int
ctl_contacts_import(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_import	 im;
	struct ctl_csv		 csv;
	struct ctl_csv_rec	 rec;
	FILE			*fp;
	json_t			*o;
	const char		*field;
	char			 err[512], *end;
	long			 n;
	int			 ch, rc, rv = CTL_FAIL;
	bool			 header = false, failed = false;

	memset(&im, 0, sizeof(im));
	im.c = c;
	im.batch_max = CTL_BATCH_DEFAULT;
	while ((ch = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || n < 1 ||
			    n > CTL_BATCH_MAX) {
				fprintf(c->err, "varselctl: --batch: a number "
				    "from 1 to %d\n", CTL_BATCH_MAX);
				return CTL_USAGE;
			}
			im.batch_max = (size_t)n;
			break;
		default:
			return CTL_USAGE;
		}
	}
	if (optind + 1 != argc)
		return CTL_USAGE;
	im.file = argv[optind];
	if (strcmp(im.file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(im.file, "r")) == NULL) {
		fprintf(c->err, "varselctl: %s: %s\n", im.file,
		    strerror(errno));
		return CTL_FAIL;
	}
	im.batch = json_array();
	im.lines = xcalloc(im.batch_max, sizeof(*im.lines));
	ctl_csv_init(&csv, fp, im.file);
	while ((rc = ctl_csv_read(&csv, &rec, err, sizeof(err))) != 0) {
		if (rc == -1) {
			if (!header) {
				fprintf(c->err, "varselctl: %s:%d: %s\n",
				    im.file, rec.line, err);
				goto out;
			}
			ctl_contacts_reject(&im, rec.line, "invalid_csv",
			    NULL, err);
			continue;
		}
		if (!header) {
			header = true;
			rc = ctl_contacts_header(&im, &rec);
			ctl_csv_rec_free(&rec);
			if (rc == -1)
				goto out;
			continue;
		}
		if ((o = ctl_contacts_row(&im, &rec, &field, err,
		    sizeof(err))) == NULL) {
			ctl_contacts_reject(&im, rec.line, "invalid_field",
			    field, err);
		} else {
			im.lines[im.nbatch++] = rec.line;
			json_array_append_new(im.batch, o);
		}
		ctl_csv_rec_free(&rec);
		if (im.nbatch == im.batch_max &&
		    ctl_contacts_flush(&im) == -1) {
			failed = true;
			break;
		}
	}
	if (!header) {
		fprintf(c->err, "varselctl: %s: empty file (the first line "
		    "names the columns)\n", im.file);
		goto out;
	}
	if (!failed && ctl_contacts_flush(&im) == -1)
		failed = true;
	ctl_contacts_print(&im);
	if (failed)
		fprintf(c->err, "varselctl: %s: stopped at line %d; rows "
		    "after the last batch that went in were not sent\n",
		    im.file, csv.line);
	fprintf(c->out, "imported %ld, rejected %ld\n", im.imported,
	    im.rejected);
	rv = failed || im.rejected > 0 ? CTL_FAIL : CTL_OK;
out:
	ctl_contacts_print(&im);
	json_decref(im.batch);
	free(im.lines);
	if (fp != stdin)
		fclose(fp);
	return rv;
}

/* Write a JSON array of strings as "a|b|c". */
static void
ctl_contacts_put_list(FILE *fp, json_t *arr)
{
	char	*joined = xstrdup(""), *next;
	size_t	 i;

	for (i = 0; i < json_array_size(arr); i++) {
		const char	*s = json_string_value(json_array_get(arr, i));

		if (s == NULL)
			continue;
		next = str_printf("%s%s%s", joined, *joined ? "|" : "", s);
		free(joined);
		if ((joined = next) == NULL)
			return;
	}
	ctl_csv_put_text(fp, joined);
	free(joined);
}

int
ctl_contacts_export(struct ctl *c, int argc, char **argv)
{
	struct ctl_reply	 r;
	json_t			*arr, *o, *v;
	char			*after = NULL, *path, *enc, num[64];
	const char		*next, *s;
	size_t			 i, k, total = 0;
	int			 rv = CTL_FAIL;

	if (getopt_long(argc, argv, "", NULL, NULL) != -1 || optind != argc)
		return CTL_USAGE;
	for (k = 0; k < COL_N; k++)
		fprintf(c->out, "%s%s", k ? "," : "", ctl_cols[k]);
	fputc('\n', c->out);
	for (;;) {
		enc = after != NULL ? url_encode(after) : NULL;
		path = str_printf("/v1/contacts?limit=%d%s%s",
		    CTL_EXPORT_PAGE, enc ? "&after=" : "", enc ? enc : "");
		free(enc);
		if (path == NULL || ctl_http(c, "GET", path, NULL, NULL, 0,
		    &r) == -1) {
			free(path);
			goto out;
		}
		free(path);
		arr = json_object_get(r.json, "contacts");
		if (r.status != 200 || !json_is_array(arr)) {
			ctl_api_error(c, "GET /v1/contacts", &r);
			ctl_reply_free(&r);
			goto out;
		}
		json_array_foreach(arr, i, o) {
			for (k = 0; k < COL_N; k++) {
				if (k > 0)
					fputc(',', c->out);
				v = json_object_get(o, ctl_cols[k]);
				if (json_is_array(v))
					ctl_contacts_put_list(c->out, v);
				else if (json_is_number(v)) {
					snprintf(num, sizeof(num), "%.10g",
					    json_number_value(v));
					fputs(num, c->out);
				} else if ((s = json_string_value(v)) != NULL &&
				    k == COL_PHONE)
					ctl_csv_put(c->out, s);
				else if (s != NULL)
					ctl_csv_put_text(c->out, s);
			}
			fputc('\n', c->out);
			total++;
		}
		next = json_string_value(json_object_get(r.json, "next"));
		if (next == NULL || *next == '\0') {
			ctl_reply_free(&r);
			break;
		}
		if (after != NULL && strcmp(after, next) == 0) {
			fprintf(c->err, "varselctl: GET /v1/contacts: the "
			    "next page starts where this one did (%s)\n",
			    next);
			ctl_reply_free(&r);
			goto out;
		}
		free(after);
		after = xstrdup(next);
		ctl_reply_free(&r);
	}
	if (fflush(c->out) == EOF || ferror(c->out)) {
		fprintf(c->err, "varselctl: writing the CSV: %s\n",
		    strerror(errno));
		goto out;
	}
	fprintf(c->err, "exported %zu contacts\n", total);
	rv = CTL_OK;
out:
	free(after);
	return rv;
}
