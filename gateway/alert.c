/*
 * Validation of an alert request (POST /v1/alerts, JSON). Wrong JSON
 * types are 400 invalid_json; well-typed but wrong values are 422; each
 * names the field at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "types.h"
#include "tz.h"
#include "util.h"


static int	check_fields(const json_t *, const char *const *, const char *,
		    struct api_error *);
static int	get_string(const json_t *, const char *, const char *, size_t,
		    bool, char **, struct api_error *);
static int	get_int(const json_t *, const char *, int64_t, int64_t,
		    int64_t *, struct api_error *);
static int	get_array(const json_t *, const char *, const char *,
		    const char *, json_t **, size_t *, struct api_error *);
static int	get_string_array(const json_t *, const char *, const char *,
		    char ***, size_t *, struct api_error *);
static int	parse_vars(const json_t *, struct alert_req *,
		    struct api_error *);
static int	parse_audience(const json_t *, const char *,
		    struct alert_req *, struct api_error *);
static int	parse_channels(const json_t *, struct alert_req *,
		    struct api_error *);
static bool	valid_text(const char *);
static int	parse_circle(const json_t *, struct alert_req *,
		    struct api_error *);
static int	parse_polygon(const json_t *, struct alert_req *,
		    struct api_error *);
static int	parse_contacts(const json_t *, const char *, const char *,
		    const char *, char (**)[PHONE_MAX], bool **, size_t *,
		    struct api_error *);
static int	parse_chain_aud(const json_t *, const char *, const char *,
		    struct alert_chain_aud *, struct api_error *);
static int	parse_callout(const json_t *, const char *,
		    struct alert_req *, struct api_error *);

static const char *const alert_fields[] = {
	"source_ref", "type", "severity", "template", "vars", "message",
	"lang", "audience", "channels", "ack", "escalate_after_s",
	"expires_in_s", "callback_url", "need", "escalate_to",
	"escalate_to_after_s", "send_at", "quiet_hours", NULL
};

static const char *const chain_fields[] = { "groups", "contacts", NULL };

static const char *const audience_fields[] = {
	"groups", "contacts", "areas", "circle", "polygon", NULL
};

/* Reject keys of obj not in allowed; prefix names the object. */
static int
check_fields(const json_t *obj, const char *const *allowed, const char *prefix,
    struct api_error *err)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	char		 field[96];

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(field, sizeof(field), "%s%s", prefix, key);
			return api_error_set(err, 422, "invalid_field", field,
			    "unknown field '%.64s'", key);
		}
	}
	return 0;
}

/* No control characters but newline and tab. */
static bool
valid_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' &&
		    *s != '\r')
			return false;
	return true;
}

/* Optional string field (required if req) of 1..max bytes into *out. */
static int
get_string(const json_t *obj, const char *key, const char *field, size_t max,
    bool req, char **out, struct api_error *err)
{
	json_t		*v = json_object_get(obj, key);
	const char	*s;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (req)
			return api_error_set(err, 422, "invalid_field", field,
			    "%s is required", field);
		return 0;
	}
	if (!json_is_string(v))
		return api_error_set(err, 400, "invalid_json", field,
		    "%s must be a string", field);
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || !valid_text(s))
		return api_error_set(err, 422, "invalid_field", field,
		    "%s contains control characters", field);
	if (*s == '\0' || utf8_chars(s) > max)
		return api_error_set(err, 422, "invalid_field", field,
		    "%s must be 1 to %zu characters", field, max);
	*out = xstrdup(s);
	return 0;
}

/* Optional integer field within [min, max]; 0 if absent. */
static int
get_int(const json_t *obj, const char *key, int64_t min, int64_t max,
    int64_t *out, struct api_error *err)
{
	json_t	*v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return api_error_set(err, 400, "invalid_json", key,
		    "%s must be an integer", key);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return api_error_set(err, 422, "invalid_field", key,
		    "%s must be between %lld and %lld", key, (long long)min,
		    (long long)max);
	*out = json_integer_value(v);
	return 0;
}

/*
 * The optional array obj[key] of what (the error's words) into *arr, *n
 * set to 0: 1 when there, 0 when absent, -1 with err when it is no array or
 * too long.
 */
static int
get_array(const json_t *obj, const char *key, const char *prefix,
    const char *what, json_t **arr, size_t *n, struct api_error *err)
{
	char	field[96];

	*n = 0;
	snprintf(field, sizeof(field), "%s%s", prefix, key);
	if ((*arr = json_object_get(obj, key)) == NULL || json_is_null(*arr)) {
		*arr = NULL;
		return 0;
	}
	if (!json_is_array(*arr))
		return api_error_set(err, 400, "invalid_json", field,
		    "%s must be an array of %s", field, what);
	if (json_array_size(*arr) > ALERT_MAX_RECIPIENT_ARGS)
		return api_error_set(err, 422, "invalid_field", field,
		    "%s has more than %d entries", field,
		    ALERT_MAX_RECIPIENT_ARGS);
	return 1;
}

/* Element i of the array obj[key], named into field: -1 with err if no string. */
static int
get_element(const json_t *v, const char *prefix, const char *key, size_t i,
    char *field, size_t fieldsz, struct api_error *err)
{
	snprintf(field, fieldsz, "%s%s[%zu]", prefix, key, i);
	if (!json_is_string(v))
		return api_error_set(err, 400, "invalid_json", field,
		    "%s must be a string", field);
	return 0;
}

/* Optional array of non-empty strings. */
static int
get_string_array(const json_t *obj, const char *key, const char *prefix,
    char ***out, size_t *n, struct api_error *err)
{
	json_t	*arr, *v;
	size_t	 i;
	char	 field[96];
	int	 rc;

	*out = NULL;
	if ((rc = get_array(obj, key, prefix, "strings", &arr, n, err)) <= 0)
		return rc;
	*out = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach(arr, i, v) {
		if (get_element(v, prefix, key, i, field, sizeof(field),
		    err) == -1)
			return -1;
		if (json_string_length(v) == 0 ||
		    json_string_length(v) > 128 ||
		    !valid_text(json_string_value(v)))
			return api_error_set(err, 422, "invalid_field", field,
			    "%s must be 1 to 128 printable bytes", field);
		(*out)[(*n)++] = xstrdup(json_string_value(v));
	}
	return 0;
}

/* vars: an object of strings or numbers, not the gateway's own. */
static int
parse_vars(const json_t *root, struct alert_req *req, struct api_error *err)
{
	json_t		*obj = json_object_get(root, "vars"), *v;
	const char	*key;
	char		 field[96], num[64];

	if (obj == NULL || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return api_error_set(err, 400, "invalid_json", "vars",
		    "vars must be an object");
	req->vars = xcalloc(json_object_size(obj) + 1, sizeof(*req->vars));
	json_object_foreach(obj, key, v) {
		const char	*val;

		snprintf(field, sizeof(field), "vars.%.80s", key);
		/* The gateway fills these from its configuration. */
		if (strcmp(key, "emergency_number") == 0 ||
		    strcmp(key, "duty_number") == 0)
			return api_error_set(err, 422, "invalid_field", field,
			    "%s is set by the gateway's configuration", field);
		if (json_is_string(v))
			val = json_string_value(v);
		else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(v));
			val = num;
		} else if (json_is_real(v)) {
			snprintf(num, sizeof(num), "%g", json_real_value(v));
			val = num;
		} else
			return api_error_set(err, 400, "invalid_json", field,
			    "%s must be a string or a number", field);
		if (strlen(val) > 512 || !valid_text(val))
			return api_error_set(err, 422, "invalid_field", field,
			    "%s must be at most 512 printable bytes", field);
		/* "Nattvandrare behövs vid  kl ." would go to everyone. */
		if (val[strspn(val, " \t\n\r")] == '\0')
			return api_error_set(err, 422, "invalid_field", field,
			    "%s is empty", field);
		req->vars[req->nvars].name = xstrdup(key);
		req->vars[req->nvars].value = xstrdup(val);
		req->nvars++;
	}
	return 0;
}

/* A number member of obj within [min, max]; -1 with err. */
static int
get_coord(const json_t *obj, const char *key, const char *field, double min,
    double max, double *out, struct api_error *err)
{
	json_t	*v = json_object_get(obj, key);

	if (v == NULL)
		return api_error_set(err, 422, "invalid_field", field,
		    "%s is required", field);
	if (!json_is_number(v))
		return api_error_set(err, 400, "invalid_json", field,
		    "%s must be a number", field);
	*out = json_number_value(v);
	if (!(*out >= min && *out <= max))
		return api_error_set(err, 422, "invalid_field", field,
		    "%s must be between %g and %g", field, min, max);
	return 0;
}

/* audience.circle: {"lat", "lon", "radius_m"}. */
static int
parse_circle(const json_t *aud, struct alert_req *req, struct api_error *err)
{
	static const char *const fields[] = { "lat", "lon", "radius_m", NULL };
	json_t			*c = json_object_get(aud, "circle");
	struct alert_shape	*sh;

	if (c == NULL || json_is_null(c))
		return 0;
	if (!json_is_object(c))
		return api_error_set(err, 400, "invalid_json", "audience.circle",
		    "audience.circle must be an object");
	if (check_fields(c, fields, "audience.circle.", err) == -1)
		return -1;
	sh = &req->shapes[req->nshapes];
	sh->is_circle = true;
	if (get_coord(c, "lat", "audience.circle.lat", -90, 90,
	    &sh->centre.lat, err) == -1 ||
	    get_coord(c, "lon", "audience.circle.lon", -180, 180,
	    &sh->centre.lon, err) == -1 ||
	    get_coord(c, "radius_m", "audience.circle.radius_m", 1,
	    ALERT_MAX_RADIUS_M, &sh->radius_m, err) == -1)
		return -1;
	req->nshapes++;
	return 0;
}

/* audience.polygon: [[lat, lon], ...], at least 3 corners. */
static int
parse_polygon(const json_t *aud, struct alert_req *req, struct api_error *err)
{
	json_t			*arr = json_object_get(aud, "polygon"), *pt;
	struct alert_shape	*sh;
	size_t			 i;
	char			 field[64], why[160];

	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return api_error_set(err, 400, "invalid_json",
		    "audience.polygon", "audience.polygon must be an array of "
		    "[lat, lon] pairs");
	if (json_array_size(arr) < 3 ||
	    json_array_size(arr) > ALERT_MAX_VERTICES)
		return api_error_set(err, 422, "invalid_field",
		    "audience.polygon", "audience.polygon needs 3 to %d "
		    "corners", ALERT_MAX_VERTICES);
	sh = &req->shapes[req->nshapes];
	sh->vertices = xcalloc(json_array_size(arr), sizeof(*sh->vertices));
	req->nshapes++;		/* so alert_req_clear frees the vertices */
	json_array_foreach(arr, i, pt) {
		snprintf(field, sizeof(field), "audience.polygon[%zu]", i);
		if (!json_is_array(pt) || json_array_size(pt) != 2 ||
		    !json_is_number(json_array_get(pt, 0)) ||
		    !json_is_number(json_array_get(pt, 1)))
			return api_error_set(err, 400, "invalid_json", field,
			    "%s must be [lat, lon]", field);
		sh->vertices[i].lat = json_number_value(json_array_get(pt, 0));
		sh->vertices[i].lon = json_number_value(json_array_get(pt, 1));
		sh->nvertices++;
	}
	if (geo_polygon_check(sh->vertices, sh->nvertices, why,
	    sizeof(why)) == -1)
		return api_error_set(err, 422, "invalid_field",
		    "audience.polygon", "audience.polygon: %s", why);
	return 0;
}

/*
 * The numbers of obj[key] normalized into *out (*n of them): an array of
 * strings, each a number (an empty or unparseable one is invalid_phone).
 */
static int
parse_contacts(const json_t *obj, const char *key, const char *prefix,
    const char *region, char (**out)[PHONE_MAX], bool **sms, size_t *n,
    struct api_error *err)
{
	json_t	*arr, *v;
	char	 why[128], field[96];
	size_t	 i;
	int	 rc;

	*out = NULL;
	*sms = NULL;
	if ((rc = get_array(obj, key, prefix, "numbers as strings", &arr, n,
	    err)) <= 0)
		return rc;
	*out = xcalloc(json_array_size(arr) + 1, sizeof(**out));
	*sms = xcalloc(json_array_size(arr) + 1, sizeof(**sms));
	json_array_foreach(arr, i, v) {
		if (get_element(v, prefix, key, i, field, sizeof(field),
		    err) == -1)
			return -1;
		if (json_string_length(v) == 0)
			return api_error_set(err, 422, "invalid_phone", field,
			    "%s: an empty number", field);
		if (json_string_length(v) > 128 ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return api_error_set(err, 422, "invalid_phone", field,
			    "%s: not a number", field);
		if (phone_normalize_sms(json_string_value(v), region,
		    (*out)[i], PHONE_MAX, &(*sms)[i], why, sizeof(why)) == -1)
			return api_error_set(err, 422, "invalid_phone", field,
			    "%s: %s", field, why);
		(*n)++;
	}
	return 0;
}

/* audience: groups, contacts (normalized here), areas, circle, polygon. */
static int
parse_audience(const json_t *root, const char *region, struct alert_req *req,
    struct api_error *err)
{
	json_t	*aud = json_object_get(root, "audience");

	if (aud == NULL || json_is_null(aud))
		return api_error_set(err, 422, "empty_audience", "audience",
		    "audience is required");
	if (!json_is_object(aud))
		return api_error_set(err, 400, "invalid_json", "audience",
		    "audience must be an object");
	if (check_fields(aud, audience_fields, "audience.", err) == -1)
		return -1;
	if (parse_circle(aud, req, err) == -1 ||
	    parse_polygon(aud, req, err) == -1)
		return -1;
	if (get_string_array(aud, "groups", "audience.", &req->groups,
	    &req->ngroups, err) == -1 ||
	    get_string_array(aud, "areas", "audience.", &req->areas,
	    &req->nareas, err) == -1 ||
	    parse_contacts(aud, "contacts", "audience.", region,
	    &req->contacts, &req->contacts_sms, &req->ncontacts, err) == -1)
		return -1;
	if (req->ngroups + req->ncontacts + req->nareas + req->nshapes == 0)
		return api_error_set(err, 422, "empty_audience", "audience",
		    "audience names no groups, contacts or areas");
	return 0;
}

/* One audience of escalate_to (groups and contacts) into c. */
static int
parse_chain_aud(const json_t *v, const char *prefix, const char *region,
    struct alert_chain_aud *c, struct api_error *err)
{
	int	len = (int)strlen(prefix) - 1;

	if (!json_is_object(v))
		return api_error_set(err, 400, "invalid_json", "escalate_to",
		    "%.*s must be an object", len, prefix);
	if (check_fields(v, chain_fields, prefix, err) == -1 ||
	    get_string_array(v, "groups", prefix, &c->groups, &c->ngroups,
	    err) == -1 ||
	    parse_contacts(v, "contacts", prefix, region, &c->contacts,
	    &c->contacts_sms, &c->ncontacts, err) == -1)
		return -1;
	if (c->ngroups + c->ncontacts == 0)
		return api_error_set(err, 422, "empty_audience", "escalate_to",
		    "%.*s names no groups or contacts", len, prefix);
	return 0;
}

/*
 * A call-out: need (with ack), escalate_to (an audience of groups and
 * contacts, or an array of up to ALERT_MAX_CHAIN of them) with
 * escalate_to_after_s, send_at and quiet_hours.
 */
static int
parse_callout(const json_t *root, const char *region, struct alert_req *req,
    struct api_error *err)
{
	json_t		*to = json_object_get(root, "escalate_to"), *v;
	const char	*s;
	char		 prefix[32];
	int64_t		 n;
	size_t		 i, count;

	if (get_int(root, "need", 1, ALERT_MAX_NEED, &n, err) == -1)
		return -1;
	req->need = (int)n;
	if (req->need > 0 && !req->ack)
		return api_error_set(err, 422, "invalid_field", "need",
		    "need counts JA: it needs \"ack\": true");
	if (get_int(root, "escalate_to_after_s", 1, 86400, &n, err) == -1)
		return -1;
	req->chain_after_s = n;
	if (to != NULL && !json_is_null(to)) {
		if (!json_is_object(to) && !json_is_array(to))
			return api_error_set(err, 400, "invalid_json",
			    "escalate_to", "escalate_to must be an audience "
			    "object or an array of them");
		count = json_is_array(to) ? json_array_size(to) : 1;
		if (count == 0 || count > ALERT_MAX_CHAIN)
			return api_error_set(err, 422, "invalid_field",
			    "escalate_to", "escalate_to names 1 to %d "
			    "audiences (a chain of %d steps at most)",
			    ALERT_MAX_CHAIN, ALERT_MAX_CHAIN + 1);
		if (req->need == 0)
			return api_error_set(err, 422, "invalid_field",
			    "escalate_to", "escalate_to asks more people when "
			    "fewer than need said JA: it needs need");
		if (req->chain_after_s == 0)
			return api_error_set(err, 422, "invalid_field",
			    "escalate_to_after_s", "escalate_to needs "
			    "escalate_to_after_s");
		for (i = 0; i < count; i++) {
			if (json_is_array(to))
				snprintf(prefix, sizeof(prefix),
				    "escalate_to[%zu].", i);
			else
				snprintf(prefix, sizeof(prefix),
				    "escalate_to.");
			if (parse_chain_aud(json_is_array(to) ?
			    json_array_get(to, i) : to, prefix, region,
			    &req->chain[req->nchain++], err) == -1)
				return -1;
		}
	} else if (req->chain_after_s > 0)
		return api_error_set(err, 422, "invalid_field",
		    "escalate_to_after_s", "escalate_to_after_s goes with "
		    "escalate_to");
	if ((v = json_object_get(root, "send_at")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_string(v))
			return api_error_set(err, 400, "invalid_json",
			    "send_at", "send_at must be an RFC 3339 time");
		if ((req->send_at = alert_parse_time(json_string_value(v))) <=
		    0)
			return api_error_set(err, 422, "invalid_field",
			    "send_at", "send_at must be an RFC 3339 time like "
			    "2026-11-26T21:15:00Z or 2026-11-26T22:15:00+01:00");
	}
	if ((v = json_object_get(root, "quiet_hours")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_string(v))
			return api_error_set(err, 400, "invalid_json",
			    "quiet_hours", "quiet_hours must be a string");
		s = json_string_value(v);
		if (strcmp(s, "ignore") != 0 && strcmp(s, "respect") != 0)
			return api_error_set(err, 422, "invalid_field",
			    "quiet_hours", "quiet_hours is \"ignore\" or "
			    "\"respect\" (the default)");
		req->quiet_ignore = strcmp(s, "ignore") == 0;
	}
	return 0;
}

/*
 * Are the characters of s at the places named in where digits? Places
 * are 0-9 then a-z (10-35); spaces in where are skipped.
 */
static bool
digits_at(const char *s, const char *where)
{
	int	i;

	for (; *where != '\0'; where++) {
		if (*where == ' ')
			continue;
		i = *where <= '9' ? *where - '0' : *where - 'a' + 10;
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

int64_t
alert_parse_time(const char *s)
{
	const char	*p;
	int64_t		 t, ms = 0;
	int		 y, mo, d, h, mi, sec, n = 0, oh, om, scale;

	if (strlen(s) < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits_at(s, "0123 56 89 bc ef hi") ||
	    s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 ||
	    sscanf(s + 11, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 ||
	    n != 8 || mo < 1 || mo > 12 || d < 1 || h > 23 ||
	    mi > 59 || sec > 60 || y < 1970)
		return -1;
	/* "2026-02-30" is no day, not the 2nd of March. */
	if (d > tz_days(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) -
	    tz_days(y, mo, 1))
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++, scale = 100; *p >= '0' && *p <= '9'; p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
		if (p[-1] == '.')
			return -1;
	}
	t = (tz_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms;
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0' ? t : -1;
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || p[3] != ':' ||
	    sscanf(p + 1, "%2d", &oh) != 1 || sscanf(p + 4, "%2d", &om) != 1 ||
	    oh > 23 || om > 59)
		return -1;
	return t - (*p == '+' ? 1 : -1) * ((int64_t)oh * 3600 + om * 60) *
	    1000;
}

/* channels: ["sms"], ["voice"] or both; default sms. */
static int
parse_channels(const json_t *root, struct alert_req *req,
    struct api_error *err)
{
	json_t	*arr = json_object_get(root, "channels"), *v;
	size_t	 i;
	int	 c;

	req->channels = CH_SMS;
	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return api_error_set(err, 400, "invalid_json", "channels",
		    "channels must be an array of strings");
	if (json_array_size(arr) == 0)
		return api_error_set(err, 422, "invalid_field", "channels",
		    "channels must name sms, voice or both");
	req->channels = 0;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return api_error_set(err, 400, "invalid_json",
			    "channels", "channels must be an array of strings");
		if ((c = channel_parse(json_string_value(v))) == -1)
			return api_error_set(err, 422, "invalid_field",
			    "channels", "unknown channel '%.32s' (sms, voice)",
			    json_string_value(v));
		req->channels |= (unsigned int)c;
	}
	return 0;
}

int
alert_parse(const json_t *root, const char *region, struct alert_req *req,
    struct api_error *err)
{
	char	*s = NULL, *canon;
	json_t	*v;
	int64_t	 n;

	memset(req, 0, sizeof(*req));
	if (!json_is_object(root))
		return api_error_set(err, 400, "invalid_json", NULL,
		    "the body must be a JSON object");
	/* Too long is said first, whatever else is wrong with it. */
	if ((v = json_object_get(root, "message")) != NULL &&
	    json_is_string(v) && json_string_length(v) > ALERT_MESSAGE_MAX)
		return api_error_set(err, 422, "message_too_long", "message",
		    "the message has %zu bytes; at most %d are allowed",
		    json_string_length(v), ALERT_MESSAGE_MAX);
	if (check_fields(root, alert_fields, "", err) == -1)
		goto fail;
	if (get_string(root, "source_ref", "source_ref", ALERT_SOURCE_REF_MAX,
	    true, &req->source_ref, err) == -1 ||
	    get_string(root, "type", "type", 64, false, &req->type, err) == -1 ||
	    get_string(root, "template", "template", 64, false, &req->template,
	    err) == -1 ||
	    get_string(root, "message", "message", ALERT_MESSAGE_MAX, false,
	    &req->message, err) == -1 ||
	    get_string(root, "callback_url", "callback_url", 2048, false,
	    &req->callback_url, err) == -1)
		goto fail;
	if ((req->template == NULL) == (req->message == NULL)) {
		api_error_set(err, 422, "invalid_field",
		    req->template ? "message" : "template",
		    "give exactly one of message or template");
		goto fail;
	}
	if (req->message != NULL && json_object_get(root, "vars") != NULL) {
		api_error_set(err, 422, "invalid_field", "vars",
		    "vars go with template, not message");
		goto fail;
	}
	if (req->callback_url != NULL &&
	    strncmp(req->callback_url, "http://", 7) != 0 &&
	    strncmp(req->callback_url, "https://", 8) != 0) {
		api_error_set(err, 422, "invalid_field", "callback_url",
		    "callback_url must be an http or https URL");
		goto fail;
	}

	req->severity = SEV_MODERATE;
	if (get_string(root, "severity", "severity", 16, false, &s, err) == -1)
		goto fail;
	if (s != NULL && (req->severity = severity_parse(s)) == -1) {
		api_error_set(err, 422, "invalid_field", "severity",
		    "severity must be extreme, severe, moderate, minor or "
		    "unknown");
		goto fail;
	}
	free(s);
	s = NULL;

	strlcpy(req->lang, "sv", sizeof(req->lang));
	if (get_string(root, "lang", "lang", 3, false, &s, err) == -1)
		goto fail;
	if (s != NULL) {
		size_t	i;

		for (i = 0; s[i] != '\0'; i++)
			if (s[i] < 'a' || s[i] > 'z')
				break;
		if (s[i] != '\0' || i < 2) {
			api_error_set(err, 422, "invalid_field", "lang",
			    "lang must be an ISO 639-1 code such as sv or en");
			goto fail;
		}
		strlcpy(req->lang, s, sizeof(req->lang));
		free(s);
		s = NULL;
	}

	if ((v = json_object_get(root, "ack")) != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			api_error_set(err, 400, "invalid_json", "ack",
			    "ack must be true or false");
			goto fail;
		}
		req->ack = json_is_true(v);
	}
	if (get_int(root, "escalate_after_s", 1, 86400, &n, err) == -1)
		goto fail;
	req->escalate_after_s = n;
	if (get_int(root, "expires_in_s", 1, ALERT_MAX_EXPIRES_S, &n, err) == -1)
		goto fail;
	req->expires_in_s = n;

	if (parse_vars(root, req, err) == -1 ||
	    parse_channels(root, req, err) == -1 ||
	    parse_audience(root, region, req, err) == -1 ||
	    parse_callout(root, region, req, err) == -1)
		goto fail;
	if (req->type == NULL)
		req->type = xstrdup(req->template ? req->template : "message");
	strlcpy(req->status, "actual", sizeof(req->status));

	/* Idempotency compares meaning, not whitespace or key order. */
	canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (canon == NULL) {
		api_error_set(err, 400, "invalid_json", NULL,
		    "the body cannot be serialized");
		goto fail;
	}
	sha256_hex(canon, strlen(canon), req->body_hash);
	req->canon = canon;
	return 0;
fail:
	free(s);
	alert_req_clear(req);
	return -1;
}

/* Free an array of strings of n entries. */
static void
free_strings(char **v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void
alert_req_clear(struct alert_req *req)
{
	size_t	i;

	free(req->source_ref);
	free(req->type);
	free(req->template);
	free(req->message);
	for (i = 0; i < req->nvars; i++) {
		free((char *)req->vars[i].name);
		free((char *)req->vars[i].value);
	}
	free(req->vars);
	free_strings(req->groups, req->ngroups);
	free_strings(req->areas, req->nareas);
	free(req->contacts);
	free(req->contacts_sms);
	free(req->callback_url);
	for (i = 0; i < req->nshapes; i++)
		free(req->shapes[i].vertices);
	for (i = 0; i < req->ntexts; i++)
		free(req->texts[i].text);
	free(req->texts);
	for (i = 0; i < req->nchain; i++) {
		free_strings(req->chain[i].groups, req->chain[i].ngroups);
		free(req->chain[i].contacts);
		free(req->chain[i].contacts_sms);
	}
	free(req->canon);
	memset(req, 0, sizeof(*req));
}

void
alert_req_use_step(struct alert_req *req, size_t k)
{
	struct alert_chain_aud	*c = &req->chain[k];
	size_t			 i;

	if (k >= req->nchain)
		return;
	free_strings(req->groups, req->ngroups);
	free_strings(req->areas, req->nareas);
	free(req->contacts);
	free(req->contacts_sms);
	for (i = 0; i < req->nshapes; i++)
		free(req->shapes[i].vertices);
	req->nshapes = 0;
	req->areas = NULL;
	req->nareas = 0;
	req->groups = c->groups;
	req->ngroups = c->ngroups;
	req->contacts = c->contacts;
	req->contacts_sms = c->contacts_sms;
	req->ncontacts = c->ncontacts;
	memset(c, 0, sizeof(*c));
}

json_t *
alert_chain_json(const struct alert_req *req, size_t k)
{
	const struct alert_chain_aud	*c;
	json_t				*arr, *o, *g, *n;
	size_t				 i;

	if (k >= req->nchain)
		return NULL;
	arr = json_array();
	for (; k < req->nchain; k++) {
		c = &req->chain[k];
		g = json_array();
		n = json_array();
		for (i = 0; i < c->ngroups; i++)
			json_array_append_new(g, json_string(c->groups[i]));
		for (i = 0; i < c->ncontacts; i++)
			json_array_append_new(n, json_string(c->contacts[i]));
		o = json_object();
		json_object_set_new(o, "groups", g);
		json_object_set_new(o, "contacts", n);
		json_array_append_new(arr, o);
	}
	return arr;
}

