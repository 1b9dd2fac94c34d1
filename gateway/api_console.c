/*
 * The console's pages and the map they draw: GET / is index.html of the
 * [gateway] console folder, GET /console/NAME the other files of that
 * folder (a flat folder of known kinds; no other path is ever opened),
 * sent from the file with an ETag so a reload costs a 304. GET /v1/map is
 * the reference data (areas and trygghetspunkter) the compose page
 * draws Nykvarn from: no map tiles, so it works on a closed network.
 * GET /v1/templates lists the templates an alert may use, with their
 * languages and variables.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "api.h"
#include "config.h"
#include "gateway.h"
#include "refdata.h"
#include "template.h"
#include "util.h"

#define CONSOLE_FILE_MAX	(4 * 1024 * 1024)
#define CONSOLE_NAME_MAX	64

/* The kinds of file the console folder may serve. */
static const struct {
	const char	*ext;
	const char	*type;
} console_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".webmanifest", "application/manifest+json" },
};

/*
 * The type of a file name the console may serve: lowercase letters,
 * digits, '-', '_' and one '.' before a known extension; NULL if not.
 */
static const char *
console_type(const char *name)
{
	const char	*dot = strchr(name, '.'), *p;
	size_t		 i;

	if (dot == NULL || dot == name || strchr(dot + 1, '.') != NULL ||
	    strlen(name) > CONSOLE_NAME_MAX)
		return NULL;
	for (p = name; p < dot; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_'))
			return NULL;
	for (i = 0; i < nitems(console_types); i++)
		if (strcmp(dot, console_types[i].ext) == 0)
			return console_types[i].type;
	return NULL;
}

/* GET / and GET /console/NAME */
void
api_console_file(struct api_req *r)
{
	struct evbuffer_file_segment	*seg;
	struct evbuffer			*buf;
	struct stat			 st;
	const char			*name, *type, *inm;
	char				 path[4096], etag[64];
	int				 fd, rc;

	name = r->params[0] != NULL ? r->params[0] : "index.html";
	if (r->gw->cfg->console == NULL) {
		api_reply_errorf(r, 404, "not_found", NULL, "no console is "
		    "configured ([gateway] console); the API is under /v1");
		return;
	}
	if ((type = console_type(name)) == NULL ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", r->gw->cfg->console,
	    name) >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		api_reply_errorf(r, 404, "not_found", NULL, "no such page");
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONSOLE_FILE_MAX) {
		close(fd);
		api_reply_errorf(r, 404, "not_found", NULL, "no such page");
		return;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
	    (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st.st_mtim.tv_nsec);
	/* Checked again at every load, answered 304 when unchanged. */
	api_add_header(r, "Cache-Control", "no-cache");
	api_add_header(r, "ETag", etag);
	if ((buf = evbuffer_new()) == NULL) {
		close(fd);
		api_reply_errorf(r, 503, "unavailable", NULL, "out of memory");
		return;
	}
	inm = api_header(r, "If-None-Match");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		close(fd);
		api_reply_buffer(r, 304, NULL, buf);
		evbuffer_free(buf);
		return;
	}
	rc = -1;
	if (st.st_size == 0)
		rc = 0;
	else if ((seg = evbuffer_file_segment_new(fd, 0, st.st_size,
	    EVBUF_FS_CLOSE_ON_FREE)) != NULL) {
		fd = -1;	/* the segment's now */
		rc = evbuffer_add_file_segment(buf, seg, 0, -1);
		evbuffer_file_segment_free(seg);
	}
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		evbuffer_free(buf);
		api_reply_errorf(r, 503, "unavailable", NULL,
		    "the page cannot be read");
		return;
	}
	api_reply_buffer(r, 200, type, buf);
	evbuffer_free(buf);
}

/* GET /v1/map: the areas and trygghetspunkter to draw Nykvarn from. */
void
api_map(struct api_req *r)
{
	const struct refdata	*rd = r->gw->refdata;
	json_t			*areas = json_array(), *points = json_array();
	size_t			 i;

	for (i = 0; rd != NULL && i < rd->nareas; i++)
		json_array_append_new(areas, json_pack("{ss ss sf sf}",
		    "code", rd->areas[i].code, "name", rd->areas[i].name,
		    "lat", rd->areas[i].pos.lat, "lon", rd->areas[i].pos.lon));
	for (i = 0; rd != NULL && i < rd->npoints; i++)
		json_array_append_new(points, json_pack(
		    "{ss ss ss ss sf sf}",
		    "id", rd->points[i].id, "name", rd->points[i].name,
		    "address", rd->points[i].address ? rd->points[i].address :
		    "", "hours", rd->points[i].hours ? rd->points[i].hours : "",
		    "lat", rd->points[i].pos.lat,
		    "lon", rd->points[i].pos.lon));
	api_reply_json(r, 200, json_pack("{so so}", "areas", areas,
	    "points", points));
}

/* Where GET /v1/templates collects. */
struct tpl_list {
	const struct templates	*t;
	json_t			*arr;
	json_t			*vars;		/* of the one being listed */
};

/* A variable of the template; the gateway fills emergency_number. */
static void
tpl_var_cb(const char *var, void *arg)
{
	struct tpl_list	*l = arg;

	if (strcmp(var, "emergency_number") != 0)
		json_array_append_new(l->vars, json_string(var));
}

/* One SMS template; the keywords' replies are not for alerts. */
static void
tpl_cb(const char *name, const char *langs, void *arg)
{
	struct tpl_list	*l = arg;
	json_t		*ls = json_array();
	char		*copy, *w, *save = NULL;

	if (strncmp(name, "reply-", 6) == 0) {
		json_decref(ls);
		return;
	}
	copy = xstrdup(langs);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		json_array_append_new(ls, json_string(w));
	free(copy);
	l->vars = json_array();
	template_vars(l->t, name, "sms", tpl_var_cb, l);
	json_array_append_new(l->arr, json_pack("{ss so so sb}", "name", name,
	    "langs", ls, "vars", l->vars, "voice",
	    templates_has(l->t, name, "voice")));
}

/* GET /v1/templates: what the compose page offers, with its variables. */
void
api_templates_list(struct api_req *r)
{
	struct tpl_list	l = { r->gw->templates, json_array(), NULL };

	templates_each(r->gw->templates, "sms", tpl_cb, &l);
	api_reply_json(r, 200, json_pack("{so}", "templates", l.arr));
}
