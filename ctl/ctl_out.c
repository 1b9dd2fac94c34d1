/*
 * varselctl's output: the same answer as a table or "key: value" lines
 * for people, or as the API's JSON for scripts (--json). A command names
 * its columns (a title and a dotted path into each JSON row) and hands
 * the answer over; nothing else in varselctl formats a table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util.h"

#define CTL_CELL_MAX	256	/* bytes of one cell shown */

static const json_t *ctl_at(const json_t *, const char *);
static size_t	ctl_width(const char *);

/* The value at a dotted path ("counts.delivered", "acks.yes"). */
static const json_t *
ctl_at(const json_t *o, const char *path)
{
	char	 key[128];
	size_t	 n;

	while (o != NULL && *path != '\0') {
		n = strcspn(path, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_is_object(o) ? json_object_get(o, key) : NULL;
		path += n;
		if (*path == '.')
			path++;
	}
	return o;
}

void
ctl_value_text(const json_t *o, const char *path, char *buf, size_t len)
{
	const json_t	*v = ctl_at(o, path);
	char		*s;

	if (v == NULL || json_is_null(v))
		snprintf(buf, len, "-");
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_array(v) && json_array_size(v) > 0 &&
	    json_is_string(json_array_get(v, 0))) {
		/* A list of names: comma-separated. */
		size_t	 i, used = 0;

		buf[0] = '\0';
		for (i = 0; i < json_array_size(v) && used < len; i++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    i > 0 ? "," : "",
			    json_string_value(json_array_get(v, i)));
	} else if ((s = json_dumps(v, JSON_COMPACT)) != NULL) {
		snprintf(buf, len, "%s", s);
		free(s);
	} else
		snprintf(buf, len, "?");
	/* No control characters reach a terminal. */
	for (s = buf; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Columns a UTF-8 string takes (code points; good enough here). */
static size_t
ctl_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
ctl_print_json(const struct ctl *c, const json_t *v)
{
	char	*s = json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII);

	if (s != NULL)
		fprintf(c->out, "%s\n", s);
	free(s);
}

void
ctl_print_table(const struct ctl *c, const struct ctl_col *cols,
    size_t ncols, const json_t *rows)
{
	char	 cell[CTL_CELL_MAX];
	size_t	*w, i, k, n;

	if (c->json) {
		ctl_print_json(c, rows);
		return;
	}
	w = xcalloc(ncols, sizeof(*w));
	for (k = 0; k < ncols; k++)
		w[k] = ctl_width(cols[k].title);
	for (i = 0; i < json_array_size(rows); i++)
		for (k = 0; k < ncols; k++) {
			ctl_value_text(json_array_get(rows, i), cols[k].path,
			    cell, sizeof(cell));
			if ((n = ctl_width(cell)) > w[k])
				w[k] = n;
		}
	for (k = 0; k < ncols; k++)
		fprintf(c->out, "%s%-*s", k > 0 ? "  " : "",
		    k + 1 < ncols ? (int)w[k] : 0, cols[k].title);
	fputc('\n', c->out);
	for (i = 0; i < json_array_size(rows); i++) {
		for (k = 0; k < ncols; k++) {
			ctl_value_text(json_array_get(rows, i), cols[k].path,
			    cell, sizeof(cell));
			/* Pad by columns, not bytes: å is one. */
			fprintf(c->out, "%s%s%*s", k > 0 ? "  " : "", cell,
			    k + 1 < ncols ? (int)(w[k] - ctl_width(cell)) : 0,
			    "");
		}
		fputc('\n', c->out);
	}
	free(w);
}

void
ctl_print_fields(const struct ctl *c, const struct ctl_col *cols,
    size_t ncols, const json_t *o)
{
	char	cell[CTL_CELL_MAX];
	size_t	k, w = 0;

	if (c->json) {
		ctl_print_json(c, o);
		return;
	}
	for (k = 0; k < ncols; k++)
		if (ctl_at(o, cols[k].path) != NULL &&
		    ctl_width(cols[k].title) > w)
			w = ctl_width(cols[k].title);
	for (k = 0; k < ncols; k++) {
		/* What the answer does not hold is not shown. */
		if (ctl_at(o, cols[k].path) == NULL)
			continue;
		ctl_value_text(o, cols[k].path, cell, sizeof(cell));
		fprintf(c->out, "%s:%*s %s\n", cols[k].title,
		    (int)(w - ctl_width(cols[k].title)), "", cell);
	}
}

json_t *
ctl_call(const struct ctl *c, const char *method, const char *path,
    long want)
{
	struct ctl_reply	 r;
	json_t			*o;
	char			 what[300];

	if (ctl_http(c, method, path, NULL, NULL, 0, &r) == -1)
		return NULL;
	if (r.status != want || !json_is_object(r.json)) {
		snprintf(what, sizeof(what), "%s %s", method, path);
		ctl_api_error(c, what, &r);
		ctl_reply_free(&r);
		return NULL;
	}
	o = json_incref(r.json);
	ctl_reply_free(&r);
	return o;
}

json_t *
ctl_get(const struct ctl *c, const char *path)
{
	return ctl_call(c, "GET", path, 200);
}
