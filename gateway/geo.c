/*
 * Geography on WGS 84 for audiences and trygghetspunkter.
 *
 * Distances are great-circle (haversine) on a sphere of the mean Earth
 * radius; within a municipality that is within 0.3 % of the ellipsoid.
 * Polygons are tested on latitude/longitude taken as a plane, which is
 * fine at municipal scale (no polygon crosses the antimeridian or a
 * pole). A point on an edge or a vertex, within GEO_EDGE_EPS degrees
 * (about 0.1 mm), counts as inside; elsewhere the even-odd rule decides,
 * so concave polygons and notches come out right.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "geo.h"

#ifndef M_PI
#define M_PI	3.14159265358979323846
#endif

/* Mean Earth radius (IUGG R1) in metres. */
#define GEO_EARTH_RADIUS_M	6371008.8
/* How close to an edge, in degrees, a point counts as on it. */
#define GEO_EDGE_EPS		1e-9

static double	geo_rad(double);
static bool	geo_same(struct geo_point, struct geo_point);
static size_t	geo_open_len(const struct geo_point *, size_t);
static bool	geo_on_segment(struct geo_point, struct geo_point,
		    struct geo_point);

/* Degrees to radians. */
static double
geo_rad(double deg)
{
	return deg * (M_PI / 180.0);
}

/* Are two points the same vertex? */
static bool
geo_same(struct geo_point a, struct geo_point b)
{
	return a.lat == b.lat && a.lon == b.lon;
}

/* The number of vertices once a closing duplicate of the first is dropped. */
static size_t
geo_open_len(const struct geo_point *v, size_t n)
{
	if (n >= 2 && geo_same(v[0], v[n - 1]))
		return n - 1;
	return n;
}

/* Is p on the segment a-b (within GEO_EDGE_EPS), on the lat/lon plane? */
static bool
geo_on_segment(struct geo_point p, struct geo_point a, struct geo_point b)
{
	double	dx, dy, len, cross;

	/* Outside the segment's box, grown by the tolerance: not on it. */
	if (p.lon < fmin(a.lon, b.lon) - GEO_EDGE_EPS ||
	    p.lon > fmax(a.lon, b.lon) + GEO_EDGE_EPS ||
	    p.lat < fmin(a.lat, b.lat) - GEO_EDGE_EPS ||
	    p.lat > fmax(a.lat, b.lat) + GEO_EDGE_EPS)
		return false;
	dx = b.lon - a.lon;
	dy = b.lat - a.lat;
	len = hypot(dx, dy);
	if (len == 0)
		return true;	/* a zero-length edge: p is at the vertex */
	/* |cross| / len is p's distance from the line through a and b. */
	cross = dx * (p.lat - a.lat) - dy * (p.lon - a.lon);
	return fabs(cross) <= GEO_EDGE_EPS * len;
}

/* Haversine distance between a and b in metres. */
double
geo_distance_m(struct geo_point a, struct geo_point b)
{
	double	dlat, dlon, h;

	dlat = geo_rad(b.lat - a.lat);
	dlon = geo_rad(b.lon - a.lon);
	h = sin(dlat / 2) * sin(dlat / 2) +
	    cos(geo_rad(a.lat)) * cos(geo_rad(b.lat)) *
	    sin(dlon / 2) * sin(dlon / 2);
	if (h > 1)
		h = 1;	/* rounding near antipodes */
	return 2 * GEO_EARTH_RADIUS_M * asin(sqrt(h));
}

/* Is p within radius_m of centre (the boundary included)? */
bool
geo_in_circle(struct geo_point p, struct geo_point centre, double radius_m)
{
	/* NaN anywhere makes the comparison false: not inside. */
	return geo_distance_m(p, centre) <= radius_m;
}

/* Check a polygon's vertices; 0, or -1 with err naming the vertex. */
int
geo_polygon_check(const struct geo_point *v, size_t n, char *err,
    size_t errlen)
{
	size_t	 i, m, a, b;
	bool	 have_b, have_c;

	if (v == NULL || n == 0) {
		snprintf(err, errlen, "polygon has no vertices");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i].lat)) {
			snprintf(err, errlen, "vertex %zu: lat is not a number",
			    i);
			return -1;
		}
		if (!isfinite(v[i].lon)) {
			snprintf(err, errlen, "vertex %zu: lon is not a number",
			    i);
			return -1;
		}
		if (v[i].lat < -90 || v[i].lat > 90) {
			snprintf(err, errlen, "vertex %zu: lat %g out of range "
			    "(-90 to 90)", i, v[i].lat);
			return -1;
		}
		if (v[i].lon < -180 || v[i].lon > 180) {
			snprintf(err, errlen, "vertex %zu: lon %g out of range "
			    "(-180 to 180)", i, v[i].lon);
			return -1;
		}
	}
	/* Look for three distinct vertices: a, then b != a, then c. */
	m = geo_open_len(v, n);
	a = 0;
	b = 0;
	have_b = have_c = false;
	for (i = 1; i < m && !have_c; i++) {
		if (!have_b) {
			if (!geo_same(v[i], v[a])) {
				b = i;
				have_b = true;
			}
		} else if (!geo_same(v[i], v[a]) && !geo_same(v[i], v[b]))
			have_c = true;
	}
	if (!have_c) {
		snprintf(err, errlen, "polygon needs at least 3 distinct "
		    "vertices, has %d", have_b ? 2 : 1);
		return -1;
	}
	return 0;
}

/* Even-odd point in polygon; on an edge or a vertex is inside. */
bool
geo_in_polygon(const struct geo_point *v, size_t n, struct geo_point p)
{
	size_t	 i, j, m;
	bool	 inside;

	if (v == NULL || !isfinite(p.lat) || !isfinite(p.lon))
		return false;
	m = geo_open_len(v, n);
	if (m < 3)
		return false;
	for (i = 0, j = m - 1; i < m; j = i++)
		if (geo_on_segment(p, v[j], v[i]))
			return true;
	/*
	 * Cast a ray from p towards growing longitude and count the edges
	 * it crosses. Each edge is half-open in latitude, so a ray through
	 * a vertex counts that vertex once.
	 */
	inside = false;
	for (i = 0, j = m - 1; i < m; j = i++) {
		if ((v[i].lat > p.lat) == (v[j].lat > p.lat))
			continue;
		if (p.lon < v[j].lon + (p.lat - v[j].lat) *
		    (v[i].lon - v[j].lon) / (v[i].lat - v[j].lat))
			inside = !inside;
	}
	return inside;
}
