/*
 * Geography on WGS 84: distances, circles and polygons for audiences,
 * and the nearest trygghetspunkt.
 */
#ifndef VARSEL_GEO_H
#define VARSEL_GEO_H

#include <stdbool.h>
#include <stddef.h>

struct geo_point {
	double	lat;
	double	lon;
};

/* Great-circle distance in metres (haversine, mean Earth radius). */
double	geo_distance_m(struct geo_point, struct geo_point);
bool	geo_in_circle(struct geo_point p, struct geo_point centre,
	    double radius_m);
/*
 * Check a polygon of n vertices (closed, first == last, or not): at
 * least 3 distinct vertices, lat in [-90, 90], lon in [-180, 180], no
 * NaN. Returns 0, or -1 with err naming the vertex ("vertex 2: lat out
 * of range").
 */
int	geo_polygon_check(const struct geo_point *, size_t n, char *err,
	    size_t errlen);
/* Is p inside the polygon? Points on an edge or a vertex are inside. */
bool	geo_in_polygon(const struct geo_point *, size_t n,
	    struct geo_point p);

#endif
