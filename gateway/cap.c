/*
 * OASIS CAP 1.2 (application/cap+xml) into a struct cap_alert, with
 * libxml2 on a memory buffer.
 *
 * Hostile input: the document is parsed without XML_PARSE_NOENT,
 * XML_PARSE_DTDLOAD and XML_PARSE_DTDATTR, with XML_PARSE_NONET (libxml2
 * 2.9 has no XML_PARSE_NO_XXE), and a SAX hook stops the parser at the
 * first <!DOCTYPE, before the internal subset is read: no entity is ever
 * declared, so XXE and billion-laughs documents end as 400 after a few
 * hundred bytes. Another hook stops it after CAP_MAX_ELEMENTS elements.
 *
 * Checks: what the XSD requires (missing -> 422 naming "parent/element"),
 * the enumerations, CAP dates, references for Update and Cancel, circles
 * and polygons as CAP 1.2 section 3 defines them.
 *
 * The SMS text of an <info>, in words:
 *	<headline, or event if no headline>: <description> <instruction>
 * each part with its white space collapsed to single spaces and trimmed;
 * a part left empty drops out with its separator; a description that
 * does not end a sentence (. ! ? :) gets a "." before the instruction.
 * Over ALERT_MESSAGE_MAX bytes, the description is cut at a word (with
 * "...", one character) so the instruction survives; if head and
 * instruction alone are too long, the whole text is cut the same way.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

#include "cap.h"
#include "types.h"
#include "tz.h"
#include "util.h"

#define CAP_NS			"urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_MAX_BYTES		(1024 * 1024)	/* as the API's body limit */
#define CAP_MAX_ELEMENTS	10000
#define CAP_MAX_VERTICES	1000	/* a polygon; contacts test them all */
#define CAP_MAX_RADIUS_KM	20000.0	/* half the Earth's circumference */
#define CAP_TEXT_MAX		ALERT_MESSAGE_MAX
#define CAP_ELLIPSIS		"\xe2\x80\xa6"	/* U+2026, 3 bytes */
#define CAP_MIN_DESC		20	/* shorter than this: drop, not cut */

/* What the SAX hooks saw while libxml2 parsed. */
struct cap_sax {
	startElementNsSAX2Func	 start;		/* libxml2's own */
	size_t			 elements;
	bool			 dtd;		/* a <!DOCTYPE: stopped */
	bool			 too_many;	/* CAP_MAX_ELEMENTS: stopped */
	char			 error[160];	/* libxml2's first error */
	int			 line;
};

/* One value of a CAP enumeration. */
struct cap_enum {
	const char	*name;
	int		 value;
};

static const struct cap_enum cap_status_enum[] = {
	{ "Actual", CAP_ACTUAL }, { "Exercise", CAP_EXERCISE },
	{ "System", CAP_SYSTEM }, { "Test", CAP_TEST },
	{ "Draft", CAP_DRAFT }, { NULL, 0 }
};
static const struct cap_enum cap_msgtype_enum[] = {
	{ "Alert", CAP_ALERT }, { "Update", CAP_UPDATE },
	{ "Cancel", CAP_CANCEL }, { "Ack", CAP_ACK }, { "Error", CAP_ERROR },
	{ NULL, 0 }
};
static const struct cap_enum cap_scope_enum[] = {
	{ "Public", 0 }, { "Restricted", 1 }, { "Private", 2 }, { NULL, 0 }
};
static const struct cap_enum cap_category_enum[] = {
	{ "Geo", 0 }, { "Met", 0 }, { "Safety", 0 }, { "Security", 0 },
	{ "Rescue", 0 }, { "Fire", 0 }, { "Health", 0 }, { "Env", 0 },
	{ "Transport", 0 }, { "Infra", 0 }, { "CBRNE", 0 }, { "Other", 0 },
	{ NULL, 0 }
};
static const struct cap_enum cap_urgency_enum[] = {
	{ "Immediate", 0 }, { "Expected", 0 }, { "Future", 0 }, { "Past", 0 },
	{ "Unknown", 0 }, { NULL, 0 }
};
static const struct cap_enum cap_severity_enum[] = {
	{ "Extreme", SEV_EXTREME }, { "Severe", SEV_SEVERE },
	{ "Moderate", SEV_MODERATE }, { "Minor", SEV_MINOR },
	{ "Unknown", SEV_UNKNOWN }, { NULL, 0 }
};
static const struct cap_enum cap_certainty_enum[] = {
	{ "Observed", 0 }, { "Likely", 0 }, { "Possible", 0 },
	{ "Unlikely", 0 }, { "Unknown", 0 }, { NULL, 0 }
};

static void	cap_sax_subset(void *, const xmlChar *, const xmlChar *,
		    const xmlChar *);
static void	cap_sax_entity(void *, const xmlChar *, int, const xmlChar *,
		    const xmlChar *, xmlChar *);
static void	cap_sax_start(void *, const xmlChar *, const xmlChar *,
		    const xmlChar *, int, const xmlChar **, int, int,
		    const xmlChar **);
static void	cap_sax_error(void *, xmlErrorPtr);
static xmlDocPtr cap_read(const char *, size_t, struct api_error *);
static bool	cap_is(const xmlNode *, const char *);
static xmlNode	*cap_child(const xmlNode *, const char *);
static xmlNode	*cap_next(const xmlNode *, const char *);
static char	*cap_text(const xmlNode *);
static void	cap_collapse(char *);
static int	cap_get(const xmlNode *, const char *, const char *,
		    const char *, bool, char **, struct api_error *);
static int	cap_get_enum(const xmlNode *, const char *, const char *,
		    const char *, const struct cap_enum *, int *,
		    struct api_error *);
static int	cap_lookup(const struct cap_enum *, const char *);
static int	cap_datetime(const char *, int64_t *);
static const char *cap_number(const char *, double *);
static const char *cap_point(const char *, struct geo_point *);
static bool	cap_point_ok(struct geo_point);
static int	cap_id_check(const char *, const char *, struct api_error *);
static int	cap_references(const char *, struct api_error *);
static int	cap_language(const xmlNode *, const char *, char *, size_t,
		    struct api_error *);
static int	cap_info(const xmlNode *, size_t, struct cap_alert *,
		    struct api_error *);
static int	cap_area(const xmlNode *, const char *, struct cap_alert *,
		    struct api_error *);
static int	cap_circle(const char *, const char *, struct cap_shape *,
		    struct api_error *);
static int	cap_polygon(const char *, const char *, struct cap_shape *,
		    struct api_error *);
static int	cap_add_shape(struct cap_alert *, struct cap_shape *,
		    const char *, struct api_error *);
static int	cap_geocode(const xmlNode *, const char *, struct cap_alert *,
		    struct api_error *);
static char	*cap_join(const char *, const char *, const char *);
static size_t	cap_cut(const char *, size_t);
static char	*cap_sms_text(const struct cap_info *);

/* The document has a <!DOCTYPE: stop before its subset is read. */
static void
cap_sax_subset(void *ctx, const xmlChar *name, const xmlChar *eid,
    const xmlChar *sid)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct cap_sax		*s = ctxt->_private;

	s->dtd = true;
	xmlStopParser(ctxt);
}

/* An entity declaration (unreachable once subsets stop): stop too. */
static void
cap_sax_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pid,
    const xmlChar *sid, xmlChar *content)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct cap_sax		*s = ctxt->_private;

	s->dtd = true;
	xmlStopParser(ctxt);
}

/* Count elements, stop past CAP_MAX_ELEMENTS, else build the tree. */
static void
cap_sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattr,
    int ndefaulted, const xmlChar **attr)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct cap_sax		*s = ctxt->_private;

	if (++s->elements > CAP_MAX_ELEMENTS) {
		s->too_many = true;
		xmlStopParser(ctxt);
		return;
	}
	s->start(ctx, localname, prefix, uri, nns, ns, nattr, ndefaulted,
	    attr);
}

/* Keep libxml2's first error for the 400 (and keep it off stderr). */
static void
cap_sax_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct cap_sax		*s = ctxt->_private;
	size_t			 n;

	if (e == NULL || e->level < XML_ERR_ERROR || s->error[0] != '\0')
		return;
	strlcpy(s->error, e->message ? e->message : "parse error",
	    sizeof(s->error));
	n = strlen(s->error);
	while (n > 0 && isspace((unsigned char)s->error[n - 1]))
		s->error[--n] = '\0';
	s->line = e->line;
}

/*
 * Parse xml into a tree, or NULL with a 400 in err: not well-formed, a
 * DTD, or too many elements.
 */
static xmlDocPtr
cap_read(const char *xml, size_t len, struct api_error *err)
{
	xmlParserCtxtPtr	 ctxt;
	xmlDocPtr		 doc;
	struct cap_sax		 s;
	bool			 ok;

	memset(&s, 0, sizeof(s));
	if ((ctxt = xmlCreateMemoryParserCtxt(xml, (int)len)) == NULL) {
		api_error_set(err, 400, "invalid_json", "",
		    "not well-formed XML: cannot start the parser");
		return NULL;
	}
	/* No NOENT, DTDLOAD, DTDATTR: nothing is substituted or fetched. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	/* Whatever libxml2's process-wide defaults say. */
	ctxt->replaceEntities = 0;
	ctxt->loadsubset = 0;
	ctxt->validate = 0;
	ctxt->_private = &s;
	s.start = ctxt->sax->startElementNs;
	ctxt->sax->startElementNs = cap_sax_start;
	ctxt->sax->internalSubset = cap_sax_subset;
	ctxt->sax->externalSubset = cap_sax_subset;
	ctxt->sax->entityDecl = cap_sax_entity;
	ctxt->sax->serror = cap_sax_error;

	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	ok = ctxt->wellFormed && doc != NULL && !s.dtd && !s.too_many;
	xmlFreeParserCtxt(ctxt);

	if (s.dtd || (doc != NULL && (doc->intSubset != NULL ||
	    doc->extSubset != NULL)))
		api_error_set(err, 400, "invalid_json", "", "not accepted XML: "
		    "a DOCTYPE (DTD or entities) is not allowed in CAP");
	else if (s.too_many)
		api_error_set(err, 400, "invalid_json", "", "not accepted XML: "
		    "more than %d elements", CAP_MAX_ELEMENTS);
	else if (!ok && s.error[0] != '\0')
		api_error_set(err, 400, "invalid_json", "",
		    "not well-formed XML: line %d: %s", s.line, s.error);
	else if (!ok || xmlDocGetRootElement(doc) == NULL)
		api_error_set(err, 400, "invalid_json", "",
		    "not well-formed XML: no root element");
	else
		return doc;
	xmlFreeDoc(doc);
	return NULL;
}

/* Is n the CAP element called name? */
static bool
cap_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, CAP_NS) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The first CAP child element of parent called name, or NULL. */
static xmlNode *
cap_child(const xmlNode *parent, const char *name)
{
	xmlNode	*n;

	for (n = parent->children; n != NULL; n = n->next)
		if (cap_is(n, name))
			return n;
	return NULL;
}

/* The next sibling of n with n's name, or NULL. */
static xmlNode *
cap_next(const xmlNode *n, const char *name)
{
	for (n = n->next; n != NULL; n = n->next)
		if (cap_is(n, name))
			return (xmlNode *)n;
	return NULL;
}

/* The text of n, white space collapsed and trimmed (malloc'd). */
static char *
cap_text(const xmlNode *n)
{
	xmlChar	*c;
	char	*s;

	if ((c = xmlNodeGetContent(n)) == NULL)
		return xstrdup("");
	s = xstrdup((const char *)c);
	xmlFree(c);
	cap_collapse(s);
	return s;
}

/* Runs of ASCII white space into one space; none at either end. */
static void
cap_collapse(char *s)
{
	char	*r, *w = s;
	bool	 space = false;

	for (r = s; *r != '\0'; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
}

/*
 * The text of parent's child name into *out (NULL if absent and not
 * required). where is the path for messages ("info[2]"), field the
 * stable name for err->field ("info/severity").
 */
static int
cap_get(const xmlNode *parent, const char *name, const char *where,
    const char *field, bool req, char **out, struct api_error *err)
{
	xmlNode	*n;

	*out = NULL;
	if ((n = cap_child(parent, name)) == NULL) {
		if (req)
			return api_error_set(err, 422, "invalid_field", field,
			    "%s/%s is missing", where, name);
		return 0;
	}
	/* Each of these is there once at most (CAP 1.2's schema): two
	 * would leave which one counts to the reader. */
	if (cap_next(n, name) != NULL)
		return api_error_set(err, 422, "invalid_field", field,
		    "%s/%s is there more than once", where, name);
	*out = cap_text(n);
	if (req && **out == '\0') {
		free(*out);
		*out = NULL;
		return api_error_set(err, 422, "invalid_field", field,
		    "%s/%s is empty", where, name);
	}
	return 0;
}

/* The value of name in e, or -1. */
static int
cap_lookup(const struct cap_enum *e, const char *name)
{
	for (; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e->value;
	return -1;
}

/* A required child whose text is one of e (CAP is case sensitive). */
static int
cap_get_enum(const xmlNode *parent, const char *name, const char *where,
    const char *field, const struct cap_enum *e, int *out,
    struct api_error *err)
{
	char	*s, list[160] = "";
	size_t	 i, off = 0;

	if (cap_get(parent, name, where, field, true, &s, err) == -1)
		return -1;
	if ((*out = cap_lookup(e, s)) != -1) {
		free(s);
		return 0;
	}
	for (i = 0; e[i].name != NULL && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i > 0 ? ", " : "", e[i].name);
	api_error_set(err, 422, "invalid_field", field,
	    "%s/%s '%.40s' is not one of %s", where, name, s, list);
	free(s);
	return -1;
}

/*
 * A CAP date-time, the XSD's pattern "YYYY-MM-DDThh:mm:ss+hh:mm" (no
 * "Z", no fractions; UTC is "-00:00"), into ms since the epoch.
 */
static int
cap_datetime(const char *s, int64_t *ms)
{
	static const char	 shape[] = "dddd-dd-ddTdd:dd:dd+dd:dd";
	static const int	 mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
				    30, 31, 30, 31 };
	int			 y, mo, d, h, mi, sec, oh, om, sign, dim;
	size_t			 i;

	if (strlen(s) != sizeof(shape) - 1)
		return -1;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) :
		    shape[i] == '+' ? s[i] != '+' && s[i] != '-' :
		    s[i] != shape[i])
			return -1;
	}
#define CAP_D2(p)	((s[p] - '0') * 10 + (s[(p) + 1] - '0'))
	y = CAP_D2(0) * 100 + CAP_D2(2);
	mo = CAP_D2(5);
	d = CAP_D2(8);
	h = CAP_D2(11);
	mi = CAP_D2(14);
	sec = CAP_D2(17);
	sign = s[19] == '-' ? -1 : 1;
	oh = CAP_D2(20);
	om = CAP_D2(23);
#undef CAP_D2
	if (mo < 1 || mo > 12 || d < 1)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		dim = 29;
	if (d > dim || h > 23 || mi > 59 || sec > 59 || oh > 14 || om > 59)
		return -1;
	*ms = (tz_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60)) * 1000;
	return 0;
}

/*
 * A decimal number ("59.1850", "-17", ".5") at s into *v; the end of it,
 * or NULL. Done by hand: no "nan", "inf" or hex as strtod takes, and no
 * dependence on LC_NUMERIC.
 */
static const char *
cap_number(const char *s, double *v)
{
	uint64_t	mant = 0;
	double		scale = 1;
	int		ndig = 0, sig = 0;
	bool		neg = false, dot = false;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (;; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			break;
		ndig++;
		if (mant == 0 && *s == '0' && !dot)
			continue;		/* leading zeros */
		if (sig < 18) {			/* more is noise */
			mant = mant * 10 + (uint64_t)(*s - '0');
			sig++;
			if (dot)
				scale *= 10;
		} else if (!dot)
			return NULL;		/* 10^18 and up: no */
	}
	if (ndig == 0)
		return NULL;
	*v = (double)mant / scale;
	if (neg)
		*v = -*v;
	return s;
}

/* "lat,lon" at s into *p; the end of it, or NULL. */
static const char *
cap_point(const char *s, struct geo_point *p)
{
	if ((s = cap_number(s, &p->lat)) == NULL || *s != ',')
		return NULL;
	return cap_number(s + 1, &p->lon);
}

/* Is p on the globe? */
static bool
cap_point_ok(struct geo_point p)
{
	return p.lat >= -90 && p.lat <= 90 && p.lon >= -180 && p.lon <= 180;
}

/*
 * identifier and sender: CAP forbids spaces, commas and restricted
 * characters (< and &), which would break references.
 */
static int
cap_id_check(const char *s, const char *field, struct api_error *err)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p == ' ' || *p == ',' || *p == '<' || *p == '&' ||
		    (unsigned char)*p < 0x20)
			return api_error_set(err, 422, "invalid_field", field,
			    "%s '%.40s' contains '%c' (CAP forbids spaces, "
			    "commas, < and &)", field, s,
			    *p < 0x20 && *p > 0 ? '?' : *p);
	return 0;
}

/*
 * references: space-separated "sender,identifier,sent" triples, each of
 * an earlier message. Cancel and Update act on them.
 */
static int
cap_references(const char *s, struct api_error *err)
{
	const char	*p = s, *end, *q;
	size_t		 commas, i = 0;

	while (*p != '\0') {
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		commas = 0;
		for (q = p; q < end; q++)
			commas += *q == ',';
		i++;
		if (commas != 2 || *p == ',' || end[-1] == ',' ||
		    memmem(p, (size_t)(end - p), ",,", 2) != NULL)
			return api_error_set(err, 422, "invalid_field",
			    "alert/references", "alert/references entry %zu "
			    "is not sender,identifier,sent", i);
		p = *end == ' ' ? end + 1 : end;
	}
	return 0;
}

/* info/language: "sv-SE" -> "sv"; absent: CAP's default "en-US" -> "en". */
static int
cap_language(const xmlNode *info, const char *where, char *lang,
    size_t len, struct api_error *err)
{
	char	*s;
	size_t	 n, i;

	if (cap_get(info, "language", where, "info/language", false, &s,
	    err) == -1)
		return -1;
	if (s == NULL || *s == '\0') {
		free(s);
		strlcpy(lang, "en", len);
		return 0;
	}
	n = strcspn(s, "-");
	for (i = 0; i < n; i++)
		if (!isalpha((unsigned char)s[i]))
			break;
	if (n < 2 || n > 3 || i < n || n >= len) {
		api_error_set(err, 422, "invalid_field", "info/language",
		    "%s/language '%.20s' is not a language tag (sv-SE)",
		    where, s);
		free(s);
		return -1;
	}
	for (i = 0; i < n; i++)
		lang[i] = (char)tolower((unsigned char)s[i]);
	lang[n] = '\0';
	free(s);
	return 0;
}

/* area/circle "lat,lon radius_km" into a shape. */
static int
cap_circle(const char *s, const char *where, struct cap_shape *sh,
    struct api_error *err)
{
	const char	*p;
	double		 km;

	memset(sh, 0, sizeof(*sh));
	sh->is_circle = 1;
	if ((p = cap_point(s, &sh->centre)) == NULL || *p != ' ')
		return api_error_set(err, 422, "invalid_field", "area/circle",
		    "%s/circle '%.40s' is not \"lat,lon radius_km\"", where, s);
	if (!cap_point_ok(sh->centre))
		return api_error_set(err, 422, "invalid_field", "area/circle",
		    "%s/circle centre %g,%g is off the globe", where,
		    sh->centre.lat, sh->centre.lon);
	if ((p = cap_number(p + 1, &km)) == NULL || *p != '\0')
		return api_error_set(err, 422, "invalid_field", "area/circle",
		    "%s/circle '%.40s': the radius is not a number of km",
		    where, s);
	if (!(km > 0 && km <= CAP_MAX_RADIUS_KM))
		return api_error_set(err, 422, "invalid_field", "area/circle",
		    "%s/circle radius %g km: it must be above 0 and at most "
		    "%g km", where, km, CAP_MAX_RADIUS_KM);
	sh->radius_m = km * 1000;
	return 0;
}

/*
 * area/polygon "lat,lon lat,lon ...": at least four pairs, the first
 * equal to the last (CAP 1.2 section 3), then geo_polygon_check.
 */
static int
cap_polygon(const char *s, const char *where, struct cap_shape *sh,
    struct api_error *err)
{
	const char		*p = s;
	struct geo_point	*v;
	size_t			 n = 0;
	char			 why[128];

	memset(sh, 0, sizeof(*sh));
	v = xcalloc(CAP_MAX_VERTICES, sizeof(*v));
	while (*p != '\0') {
		if (n == CAP_MAX_VERTICES) {
			free(v);
			return api_error_set(err, 422, "invalid_field",
			    "area/polygon", "%s/polygon has more than %d "
			    "points", where, CAP_MAX_VERTICES);
		}
		if ((p = cap_point(p, &v[n])) == NULL ||
		    (*p != ' ' && *p != '\0')) {
			free(v);
			return api_error_set(err, 422, "invalid_field",
			    "area/polygon", "%s/polygon point %zu is not "
			    "\"lat,lon\"", where, n + 1);
		}
		n++;
		if (*p == ' ')
			p++;
	}
	if (n < 4) {
		free(v);
		return api_error_set(err, 422, "invalid_field", "area/polygon",
		    "%s/polygon has %zu points; CAP needs at least 4, the "
		    "last equal to the first", where, n);
	}
	if (v[0].lat != v[n - 1].lat || v[0].lon != v[n - 1].lon) {
		free(v);
		return api_error_set(err, 422, "invalid_field", "area/polygon",
		    "%s/polygon is not closed: the last point must equal "
		    "the first", where);
	}
	if (geo_polygon_check(v, n, why, sizeof(why)) == -1) {
		free(v);
		return api_error_set(err, 422, "invalid_field", "area/polygon",
		    "%s/polygon: %s", where, why);
	}
	sh->vertices = xrealloc(v, n * sizeof(*v));
	sh->nvertices = n;
	return 0;
}

/*
 * Add sh to the alert (taking its vertices), unless an equal shape is
 * there already: the infos of a two-language alert repeat their areas.
 */
static int
cap_add_shape(struct cap_alert *a, struct cap_shape *sh, const char *field,
    struct api_error *err)
{
	const struct cap_shape	*o;
	size_t			 i;

	for (i = 0; i < a->nshapes; i++) {
		o = &a->shapes[i];
		if (o->is_circle != sh->is_circle)
			continue;
		if (sh->is_circle ? o->centre.lat == sh->centre.lat &&
		    o->centre.lon == sh->centre.lon &&
		    o->radius_m == sh->radius_m :
		    o->nvertices == sh->nvertices &&
		    memcmp(o->vertices, sh->vertices,
		    sh->nvertices * sizeof(*sh->vertices)) == 0) {
			free(sh->vertices);
			return 0;
		}
	}
	if (a->nshapes == CAP_MAX_AREAS) {
		free(sh->vertices);
		return api_error_set(err, 422, "invalid_field", field,
		    "more than %d circles and polygons", CAP_MAX_AREAS);
	}
	a->shapes[a->nshapes++] = *sh;
	return 0;
}

/* area/geocode: valueName "postnummer" adds its value ("155 31"). */
static int
cap_geocode(const xmlNode *gc, const char *where, struct cap_alert *a,
    struct api_error *err)
{
	char	*name, *value, code[6];
	size_t	 i, n = 0;
	int	 rc = 0;

	if (cap_get(gc, "valueName", where, "area/geocode/valueName", true,
	    &name, err) == -1)
		return -1;
	if (cap_get(gc, "value", where, "area/geocode/value", true, &value,
	    err) == -1) {
		free(name);
		return -1;
	}
	if (strcasecmp(name, "postnummer") != 0)
		goto done;
	for (i = 0; value[i] != '\0'; i++) {
		if (value[i] == ' ')
			continue;
		if (!isdigit((unsigned char)value[i]) || n == 5) {
			n = 6;
			break;
		}
		code[n++] = value[i];
	}
	if (n != 5) {
		rc = api_error_set(err, 422, "invalid_field", "area/geocode",
		    "%s/value '%.20s' is not a postnummer (155 31)", where,
		    value);
		goto done;
	}
	code[5] = '\0';
	for (i = 0; i < a->npostnummer; i++)
		if (strcmp(a->postnummer[i], code) == 0)
			goto done;
	a->postnummer = xrealloc(a->postnummer,
	    (a->npostnummer + 1) * sizeof(*a->postnummer));
	a->postnummer[a->npostnummer++] = xstrdup(code);
done:
	free(name);
	free(value);
	return rc;
}

/* One <area>: areaDesc required; its polygons, circles and geocodes. */
static int
cap_area(const xmlNode *area, const char *where, struct cap_alert *a,
    struct api_error *err)
{
	struct cap_shape	 sh;
	xmlNode			*n;
	char			*s, gwhere[96];
	int			 rc, i;

	if (cap_get(area, "areaDesc", where, "area/areaDesc", true, &s,
	    err) == -1)
		return -1;
	free(s);
	for (n = cap_child(area, "polygon"); n != NULL;
	    n = cap_next(n, "polygon")) {
		s = cap_text(n);
		rc = cap_polygon(s, where, &sh, err);
		free(s);
		if (rc == -1 ||
		    cap_add_shape(a, &sh, "area/polygon", err) == -1)
			return -1;
	}
	for (n = cap_child(area, "circle"); n != NULL;
	    n = cap_next(n, "circle")) {
		s = cap_text(n);
		rc = cap_circle(s, where, &sh, err);
		free(s);
		if (rc == -1 ||
		    cap_add_shape(a, &sh, "area/circle", err) == -1)
			return -1;
	}
	i = 1;
	for (n = cap_child(area, "geocode"); n != NULL;
	    n = cap_next(n, "geocode"), i++) {
		snprintf(gwhere, sizeof(gwhere), "%s/geocode[%d]", where, i);
		if (cap_geocode(n, gwhere, a, err) == -1)
			return -1;
	}
	return 0;
}

/* head, description and instruction by the rule atop this file. */
static char *
cap_join(const char *head, const char *desc, const char *instr)
{
	size_t	 hl = strlen(head), dl = strlen(desc), el;
	bool	 dot;

	el = sizeof(CAP_ELLIPSIS) - 1;
	dot = dl > 0 && *instr != '\0' && strchr(".!?:", desc[dl - 1]) ==
	    NULL && (dl < el || strcmp(desc + dl - el, CAP_ELLIPSIS) != 0);
	if (hl == 0)
		return str_printf("%s%s%s%s", desc, dot ? "." : "",
		    dl > 0 && *instr != '\0' ? " " : "", instr);
	if (dl == 0 && *instr == '\0')
		return xstrdup(head);
	return str_printf("%s%s%s%s%s%s", head,
	    head[hl - 1] == ':' ? " " : ": ", desc, dot ? "." : "",
	    dl > 0 && *instr != '\0' ? " " : "", instr);
}

/*
 * How many bytes of s to keep so that they and an ellipsis fit in max:
 * at a space if one is near, never inside a UTF-8 character.
 */
static size_t
cap_cut(const char *s, size_t max)
{
	size_t	n, w;

	if (max <= sizeof(CAP_ELLIPSIS) - 1)
		return 0;
	n = max - (sizeof(CAP_ELLIPSIS) - 1);
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	for (w = n; w > 0 && w + 40 > n; w--)
		if (s[w] == ' ')
			return w;
	return n;
}

/* The SMS text of an info (malloc'd), at most CAP_TEXT_MAX bytes. */
static char *
cap_sms_text(const struct cap_info *in)
{
	const char	*head, *desc, *instr;
	char		*t, *d;
	size_t		 rest, keep;

	head = in->headline != NULL && *in->headline != '\0' ?
	    in->headline : in->event;
	desc = in->description != NULL ? in->description : "";
	instr = in->instruction != NULL ? in->instruction : "";
	t = cap_join(head, desc, instr);
	if (strlen(t) <= CAP_TEXT_MAX)
		return t;

	/* Cut the description first: the instruction says what to do. */
	free(t);
	t = cap_join(head, "", instr);
	rest = strlen(t) + 2;			/* ". " or ": " */
	if (rest + CAP_MIN_DESC <= CAP_TEXT_MAX) {
		keep = cap_cut(desc, CAP_TEXT_MAX - rest);
		d = str_printf("%.*s%s", (int)keep, desc, CAP_ELLIPSIS);
		free(t);
		t = cap_join(head, d, instr);
		free(d);
		if (strlen(t) <= CAP_TEXT_MAX)
			return t;
	}
	/* No room for CAP_MIN_DESC: drop the description if that fits. */
	if (strlen(t) <= CAP_TEXT_MAX)
		return t;
	/* Head and instruction alone are too long: cut it all. */
	keep = cap_cut(t, CAP_TEXT_MAX);
	memcpy(t + keep, CAP_ELLIPSIS, sizeof(CAP_ELLIPSIS));
	return t;
}

/* One <info> into a->info[i], its areas into a->shapes. */
static int
cap_info(const xmlNode *info, size_t i, struct cap_alert *a,
    struct api_error *err)
{
	struct cap_info	*in = &a->info[i];
	char		 where[32], awhere[64], *s;
	xmlNode		*n;
	int64_t		 ms;
	int		 v, k;

	snprintf(where, sizeof(where), "info[%zu]", i + 1);
	if (cap_language(info, where, in->lang, sizeof(in->lang), err) == -1)
		return -1;
	if (cap_child(info, "category") == NULL)
		return api_error_set(err, 422, "invalid_field",
		    "info/category", "%s/category is missing", where);
	for (n = cap_child(info, "category"); n != NULL;
	    n = cap_next(n, "category")) {
		s = cap_text(n);
		v = cap_lookup(cap_category_enum, s);
		if (v == -1) {
			api_error_set(err, 422, "invalid_field",
			    "info/category", "%s/category '%.40s' is not a "
			    "CAP category", where, s);
			free(s);
			return -1;
		}
		free(s);
	}
	if (cap_get(info, "event", where, "info/event", true, &in->event,
	    err) == -1 ||
	    cap_get_enum(info, "urgency", where, "info/urgency",
	    cap_urgency_enum, &v, err) == -1 ||
	    cap_get_enum(info, "severity", where, "info/severity",
	    cap_severity_enum, &in->severity, err) == -1 ||
	    cap_get_enum(info, "certainty", where, "info/certainty",
	    cap_certainty_enum, &v, err) == -1)
		return -1;

	if (cap_get(info, "expires", where, "info/expires", false, &s,
	    err) == -1)
		return -1;
	if (s != NULL) {
		if (cap_datetime(s, &ms) == -1) {
			api_error_set(err, 422, "invalid_field",
			    "info/expires", "%s/expires '%.40s' is not a CAP "
			    "date-time (2025-11-27T06:00:00+01:00)", where, s);
			free(s);
			return -1;
		}
		free(s);
		if (a->expires_at_ms == 0 || ms < a->expires_at_ms)
			a->expires_at_ms = ms;
	}

	if (cap_get(info, "headline", where, "", false, &in->headline,
	    err) == -1 ||
	    cap_get(info, "description", where, "", false, &in->description,
	    err) == -1 ||
	    cap_get(info, "instruction", where, "", false, &in->instruction,
	    err) == -1)
		return -1;
	in->text = cap_sms_text(in);

	k = 1;
	for (n = cap_child(info, "area"); n != NULL;
	    n = cap_next(n, "area"), k++) {
		snprintf(awhere, sizeof(awhere), "%s/area[%d]", where, k);
		if (cap_area(n, awhere, a, err) == -1)
			return -1;
	}
	return 0;
}

int
cap_parse(const char *xml, size_t len, struct cap_alert *a,
    struct api_error *err)
{
	xmlDocPtr	 doc;
	xmlNode		*root, *n;
	char		*s;
	int		 v;

	memset(a, 0, sizeof(*a));
	if (xml == NULL || len == 0)
		return api_error_set(err, 400, "invalid_json", "",
		    "not well-formed XML: the body is empty");
	if (len > CAP_MAX_BYTES)
		return api_error_set(err, 413, "too_large", "",
		    "CAP document of %zu bytes is over %d", len,
		    CAP_MAX_BYTES);
	if ((doc = cap_read(xml, len, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!cap_is(root, "alert")) {
		api_error_set(err, 422, "invalid_field", "alert", "not CAP "
		    "1.2: the root must be <alert> in namespace " CAP_NS);
		goto fail;
	}

	if (cap_get(root, "identifier", "alert", "alert/identifier", true,
	    &a->identifier, err) == -1 ||
	    cap_id_check(a->identifier, "alert/identifier", err) == -1)
		goto fail;
	if (utf8_chars(a->identifier) > ALERT_SOURCE_REF_MAX) {
		api_error_set(err, 422, "invalid_field", "alert/identifier",
		    "alert/identifier is over %d characters",
		    ALERT_SOURCE_REF_MAX);
		goto fail;
	}
	if (cap_get(root, "sender", "alert", "alert/sender", true,
	    &a->sender, err) == -1 ||
	    cap_id_check(a->sender, "alert/sender", err) == -1)
		goto fail;
	if (cap_get(root, "sent", "alert", "alert/sent", true, &s, err) == -1)
		goto fail;
	if (cap_datetime(s, &(int64_t){ 0 }) == -1) {
		api_error_set(err, 422, "invalid_field", "alert/sent",
		    "alert/sent '%.40s' is not a CAP date-time "
		    "(2025-11-26T19:30:00+01:00; UTC is -00:00, not Z)", s);
		free(s);
		goto fail;
	}
	free(s);
	if (cap_get_enum(root, "status", "alert", "alert/status",
	    cap_status_enum, &v, err) == -1)
		goto fail;
	a->status = (enum cap_status)v;
	if (cap_get_enum(root, "msgType", "alert", "alert/msgType",
	    cap_msgtype_enum, &v, err) == -1)
		goto fail;
	a->msgtype = (enum cap_msgtype)v;
	if (cap_get_enum(root, "scope", "alert", "alert/scope",
	    cap_scope_enum, &v, err) == -1)
		goto fail;
	if (cap_get(root, "references", "alert", "alert/references",
	    a->msgtype == CAP_UPDATE || a->msgtype == CAP_CANCEL,
	    &a->references, err) == -1)
		goto fail;
	if (a->references != NULL && *a->references != '\0' &&
	    cap_references(a->references, err) == -1)
		goto fail;

	for (n = cap_child(root, "info"); n != NULL; n = cap_next(n, "info")) {
		if (a->ninfo == CAP_MAX_INFO) {
			api_error_set(err, 422, "invalid_field", "alert/info",
			    "more than %d info blocks", CAP_MAX_INFO);
			goto fail;
		}
		if (cap_info(n, a->ninfo++, a, err) == -1)
			goto fail;
	}
	/* The XSD allows none, but an Alert or Update without says nothing. */
	if (a->ninfo == 0 &&
	    (a->msgtype == CAP_ALERT || a->msgtype == CAP_UPDATE)) {
		api_error_set(err, 422, "invalid_field", "alert/info",
		    "alert/info is missing (an %s needs one)",
		    a->msgtype == CAP_ALERT ? "Alert" : "Update");
		goto fail;
	}
	xmlFreeDoc(doc);
	return 0;
fail:
	xmlFreeDoc(doc);
	cap_alert_clear(a);
	return -1;
}

void
cap_alert_clear(struct cap_alert *a)
{
	size_t	i;

	if (a == NULL)
		return;
	free(a->identifier);
	free(a->sender);
	free(a->references);
	for (i = 0; i < a->ninfo && i < CAP_MAX_INFO; i++) {
		free(a->info[i].event);
		free(a->info[i].headline);
		free(a->info[i].description);
		free(a->info[i].instruction);
		free(a->info[i].text);
	}
	for (i = 0; i < a->nshapes && i < CAP_MAX_AREAS; i++)
		free(a->shapes[i].vertices);
	for (i = 0; i < a->npostnummer; i++)
		free(a->postnummer[i]);
	free(a->postnummer);
	memset(a, 0, sizeof(*a));
}
