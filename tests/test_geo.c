/*
 * Tests of geo.c: haversine accuracy against the WGS 84 geodesic at
 * Nykvarn's latitude, circles near their boundary, polygons (square,
 * concave U, points on edges and vertices, rays through vertices) and
 * the polygon check's errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gateway/geo.h"

#define R_MEAN	6371008.8
#define DEG	(M_PI / 180.0)

/* A pair of points and the WGS 84 geodesic distance between them. */
struct dist_case {
	const char	*what;
	struct geo_point a, b;
	double		 geodesic_m;
};

/*
 * Reference distances: the WGS 84 ellipsoidal geodesic, computed offline
 * with Karney's algorithm (GeographicLib 2.2, Geodesic.WGS84.Inverse,
 * s12 to the millimetre). Haversine on the mean sphere must be within
 * 0.5 % of each.
 */
static const struct dist_case dist_cases[] = {
	{ "1 degree of longitude at 59.18 N",
	    { 59.18, 17.0 }, { 59.18, 18.0 }, 57174.505 },
	{ "1 degree of latitude at 17.43 E",
	    { 58.68, 17.43 }, { 59.68, 17.43 }, 111398.226 },
	{ "Kommunhuset - Lillhagaskolan",
	    { 59.17835, 17.43180 }, { 59.18290, 17.42350 }, 694.335 },
	{ "Kommunhuset - Turinge kyrka",
	    { 59.17835, 17.43180 }, { 59.20100, 17.44700 }, 2668.566 },
	{ "Kommunhuset - Taxinge bygdegard",
	    { 59.17835, 17.43180 }, { 59.24300, 17.31300 }, 9895.541 },
	{ "Kommunhuset - Stockholm palace",
	    { 59.17835, 17.43180 }, { 59.32690, 18.07170 }, 40083.862 },
};

/* Haversine is within 0.5 % of the geodesic, both ways round. */
static void
test_distance_accuracy(void **state)
{
	size_t	 i;
	double	 d, back, rel;

	(void)state;
	for (i = 0; i < sizeof(dist_cases) / sizeof(dist_cases[0]); i++) {
		const struct dist_case *c = &dist_cases[i];

		d = geo_distance_m(c->a, c->b);
		back = geo_distance_m(c->b, c->a);
		rel = fabs(d - c->geodesic_m) / c->geodesic_m;
		if (rel > 0.005)
			fail_msg("%s: %.3f m, geodesic %.3f m (%.3f %%)",
			    c->what, d, c->geodesic_m, rel * 100);
		assert_true(fabs(d - back) < 1e-6);
	}
}

/* On the sphere, meridian arcs are exact: this pins the Earth radius. */
static void
test_distance_sphere(void **state)
{
	struct geo_point p = { 59.18, 17.43 };
	struct geo_point eq = { 0, 17.43 }, np = { 90, 0 };
	struct geo_point w = { 0, -90 }, e = { 0, 90 };

	(void)state;
	assert_true(geo_distance_m(p, p) == 0);
	/* Equator to pole: a quarter of the great circle, 10007557.221 m. */
	assert_true(fabs(geo_distance_m(eq, np) - R_MEAN * M_PI / 2) < 1e-3);
	/* 6371000 m would be 13.8 m short here: the radius is the mean. */
	assert_true(fabs(geo_distance_m(eq, np) - 10007557.221) < 0.01);
	/* Antipodes: half the great circle, no NaN from rounding. */
	assert_true(fabs(geo_distance_m(w, e) - R_MEAN * M_PI) < 1e-3);
}

/* A point at a given distance due north of a centre (exact on a sphere). */
static struct geo_point
north_of(struct geo_point c, double metres)
{
	struct geo_point p = c;

	p.lat += metres / R_MEAN / DEG;
	return p;
}

/* One circle membership case. */
struct circle_case {
	const char	*what;
	struct geo_point p;
	double		 radius_m;
	int		 inside;
};

/* Circles: inside, outside and on the boundary of an 800 m circle. */
static void
test_circle(void **state)
{
	struct geo_point c = { 59.1786, 17.4310 };
	struct geo_point east = { 59.1786, 17.4450 };
	struct geo_point nan_pt = { NAN, 17.43 };
	double		 de = geo_distance_m(c, east);
	struct circle_case cases[] = {
		{ "centre", c, 800, 1 },
		{ "centre, radius 0", c, 0, 1 },
		{ "799 m north", north_of(c, 799), 800, 1 },
		{ "799.9 m north", north_of(c, 799.9), 800, 1 },
		{ "800.1 m north", north_of(c, 800.1), 800, 0 },
		{ "801 m north", north_of(c, 801), 800, 0 },
		{ "800 m south", north_of(c, -799.5), 800, 1 },
		{ "800.5 m south", north_of(c, -800.5), 800, 0 },
		{ "east, exactly on the boundary", east, de, 1 },
		{ "east, radius 0.5 m too small", east, de - 0.5, 0 },
		{ "east, radius 0.5 m to spare", east, de + 0.5, 1 },
		{ "NaN point", nan_pt, 1e9, 0 },
		{ "NaN radius", c, NAN, 0 },
		{ "negative radius", c, -1, 0 },
	};
	size_t		 i;

	(void)state;
	/* 0.014 degrees of longitude here is about 797 m. */
	assert_true(de > 790 && de < 805);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (geo_in_circle(cases[i].p, c, cases[i].radius_m) !=
		    (cases[i].inside != 0))
			fail_msg("circle: %s: expected %s", cases[i].what,
			    cases[i].inside ? "inside" : "outside");
}

/* Map a point of a small x/y grid onto Nykvarn (x: lon, y: lat). */
static struct geo_point
grid(double x, double y)
{
	struct geo_point p;

	p.lat = 59.17 + y * 0.01;
	p.lon = 17.42 + x * 0.01;
	return p;
}

/* One point-in-polygon case on the grid. */
struct poly_case {
	const char	*what;
	double		 x, y;
	int		 inside;
};

/* Run a table of cases against a polygon given on the grid. */
static void
run_poly(const char *name, const double (*xy)[2], size_t n,
    const struct poly_case *cases, size_t ncases)
{
	struct geo_point v[32];
	size_t		 i;

	assert_true(n <= 32);
	for (i = 0; i < n; i++)
		v[i] = grid(xy[i][0], xy[i][1]);
	for (i = 0; i < ncases; i++)
		if (geo_in_polygon(v, n, grid(cases[i].x, cases[i].y)) !=
		    (cases[i].inside != 0))
			fail_msg("%s: %s (%g, %g): expected %s", name,
			    cases[i].what, cases[i].x, cases[i].y,
			    cases[i].inside ? "inside" : "outside");
}

static const struct poly_case square_cases[] = {
	{ "centre", 1.5, 1.5, 1 },
	{ "near a corner", 0.01, 0.01, 1 },
	{ "west", -0.5, 1.5, 0 },
	{ "east", 3.5, 1.5, 0 },
	{ "south", 1.5, -0.5, 0 },
	{ "north", 1.5, 3.5, 0 },
	{ "beyond the corner", 3.5, 3.5, 0 },
	{ "on the west edge", 0, 1.5, 1 },
	{ "on the east edge", 3, 1.5, 1 },
	{ "on the south edge", 1.5, 0, 1 },
	{ "on the north edge", 1.5, 3, 1 },
	{ "on vertex 0", 0, 0, 1 },
	{ "on vertex 1", 3, 0, 1 },
	{ "on vertex 2", 3, 3, 1 },
	{ "on vertex 3", 0, 3, 1 },
	{ "on the east edge's line, beyond it", 3, 3.5, 0 },
	{ "on the south edge's line, beyond it", -0.5, 0, 0 },
	{ "just outside the east edge", 3.0001, 1.5, 0 },
	{ "just inside the east edge", 2.9999, 1.5, 1 },
};

/* A square, counter-clockwise, clockwise and closed: the same answers. */
static void
test_polygon_square(void **state)
{
	static const double ccw[][2] = { {0, 0}, {3, 0}, {3, 3}, {0, 3} };
	static const double cw[][2] = { {0, 0}, {0, 3}, {3, 3}, {3, 0} };
	static const double closed[][2] = {
		{0, 0}, {3, 0}, {3, 3}, {0, 3}, {0, 0}
	};
	size_t n = sizeof(square_cases) / sizeof(square_cases[0]);

	(void)state;
	run_poly("square ccw", ccw, 4, square_cases, n);
	run_poly("square cw", cw, 4, square_cases, n);
	run_poly("square closed", closed, 5, square_cases, n);
}

/*
 * A U: the box 0..3 x 0..3 with a notch x 1..2, y 1..3 cut from the top.
 * The notch and its open mouth are outside; the arms, the base and the
 * notch's own edges are inside. Rays from points at y = 1 run along the
 * notch's floor and through its corners.
 */
static void
test_polygon_concave(void **state)
{
	static const double u[][2] = {
		{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}
	};
	static const struct poly_case cases[] = {
		{ "in the notch", 1.5, 2, 0 },
		{ "in the notch, near its floor", 1.5, 1.01, 0 },
		{ "in the notch's mouth", 1.5, 3, 0 },
		{ "above the notch", 1.5, 3.5, 0 },
		{ "left arm", 0.5, 2, 1 },
		{ "right arm", 2.5, 2, 1 },
		{ "base", 1.5, 0.5, 1 },
		{ "base, under the notch", 1.5, 0.99, 1 },
		{ "on the notch floor", 1.5, 1, 1 },
		{ "on the notch's left side", 1, 2, 1 },
		{ "on the notch's right side", 2, 2.5, 1 },
		{ "on the notch's corner", 1, 1, 1 },
		{ "on the top of the left arm", 0.5, 3, 1 },
		{ "left arm, ray along the notch floor", 0.5, 1, 1 },
		{ "west, ray along the notch floor", -0.5, 1, 0 },
		{ "east, at the notch floor's height", 3.5, 1, 0 },
		{ "left arm, ray through the top corners", -0.5, 3, 0 },
		{ "outside, right of the U", 3.2, 2, 0 },
	};

	(void)state;
	run_poly("U", u, 8, cases, sizeof(cases) / sizeof(cases[0]));
}

/* A diamond: horizontal rays pass exactly through its side vertices. */
static void
test_polygon_vertex_rays(void **state)
{
	static const double d[][2] = { {0, 1}, {1, 0}, {2, 1}, {1, 2} };
	static const struct poly_case cases[] = {
		{ "west of it, ray through both side vertices", -0.5, 1, 0 },
		{ "inside, ray through the east vertex", 0.5, 1, 1 },
		{ "centre", 1, 1, 1 },
		{ "east of it", 2.5, 1, 0 },
		{ "west of the top vertex", 0.5, 2, 0 },
		{ "on the top vertex", 1, 2, 1 },
		{ "on an edge", 0.5, 0.5, 1 },
		{ "outside the corner", 0.2, 0.2, 0 },
	};

	(void)state;
	run_poly("diamond", d, 4, cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * Points on a slanted edge computed in floating point are a hair off the
 * exact line: they must still count as on it, and a point 1 cm out must
 * not.
 */
static void
test_polygon_near_exact_edge(void **state)
{
	struct geo_point tri[3] = {
		{ 59.17, 17.42 }, { 59.17, 17.47 }, { 59.20, 17.42 }
	};
	struct geo_point p, out, in;
	double		 dlat, dlon, len, t;
	int		 k;

	(void)state;
	dlat = tri[2].lat - tri[1].lat;
	dlon = tri[2].lon - tri[1].lon;
	len = hypot(dlat, dlon);
	for (k = 1; k < 20; k++) {
		t = k / 20.0 + 1.0 / 3.0 / 20.0;
		p.lat = tri[1].lat + t * dlat;
		p.lon = tri[1].lon + t * dlon;
		if (!geo_in_polygon(tri, 3, p))
			fail_msg("point %d on the slanted edge is outside", k);
		/* 1e-7 degrees (about 1 cm) off the edge, along its normal. */
		out.lat = p.lat - 1e-7 * dlon / len;
		out.lon = p.lon + 1e-7 * dlat / len;
		in.lat = p.lat + 1e-7 * dlon / len;
		in.lon = p.lon - 1e-7 * dlat / len;
		if (geo_in_polygon(tri, 3, out))
			fail_msg("point %d: 1 cm outside is inside", k);
		if (!geo_in_polygon(tri, 3, in))
			fail_msg("point %d: 1 cm inside is outside", k);
	}
	/* The exact decimal vertex positions, written as literals. */
	p.lat = 59.20;
	p.lon = 17.42;
	assert_true(geo_in_polygon(tri, 3, p));
	p.lat = 59.185;		/* the middle of the west edge */
	assert_true(geo_in_polygon(tri, 3, p));
	p.lon = 17.4199999;	/* 6 mm west of it */
	assert_false(geo_in_polygon(tri, 3, p));
}

/* Degenerate input never counts as inside and never crashes. */
static void
test_polygon_degenerate(void **state)
{
	struct geo_point v[3] = {
		{ 59.17, 17.42 }, { 59.19, 17.42 }, { 59.17, 17.42 }
	};
	struct geo_point sq[4] = {
		{ 59.17, 17.42 }, { 59.19, 17.42 }, { 59.19, 17.45 },
		{ 59.17, 17.45 }
	};
	struct geo_point p = { 59.18, 17.42 };
	struct geo_point nan_pt = { NAN, 17.43 };

	(void)state;
	assert_false(geo_in_polygon(NULL, 0, p));
	assert_false(geo_in_polygon(v, 0, p));
	assert_false(geo_in_polygon(v, 2, p));
	/* Closed two-vertex "polygon": a segment, nothing is inside. */
	assert_false(geo_in_polygon(v, 3, p));
	assert_false(geo_in_polygon(sq, 4, nan_pt));
	p.lon = 17.43;
	assert_true(geo_in_polygon(sq, 4, p));
}

/* One polygon check: the vertices and the error expected, or NULL. */
struct check_case {
	const char	*what;
	size_t		 n;
	struct geo_point v[6];
	const char	*err;
};

/* The polygon check accepts valid polygons and names the bad vertex. */
static void
test_polygon_check(void **state)
{
	static const struct check_case cases[] = {
		{ "triangle (API.md example)", 3,
		    { {59.17, 17.42}, {59.19, 17.42}, {59.19, 17.45} }, NULL },
		{ "closed triangle", 4,
		    { {59.17, 17.42}, {59.19, 17.42}, {59.19, 17.45},
		    {59.17, 17.42} }, NULL },
		{ "limits of the ranges", 3,
		    { {-90, -180}, {90, 180}, {0, 0} }, NULL },
		{ "repeated vertex, still 3 distinct", 4,
		    { {59.17, 17.42}, {59.19, 17.42}, {59.17, 17.42},
		    {59.19, 17.45} }, NULL },
		{ "two vertices", 2,
		    { {59.17, 17.42}, {59.19, 17.42} },
		    "at least 3 distinct vertices, has 2" },
		{ "closed two vertices", 3,
		    { {59.17, 17.42}, {59.19, 17.42}, {59.17, 17.42} },
		    "at least 3 distinct vertices, has 2" },
		{ "one point four times", 4,
		    { {59.17, 17.42}, {59.17, 17.42}, {59.17, 17.42},
		    {59.17, 17.42} }, "at least 3 distinct vertices, has 1" },
		{ "two distinct among four", 5,
		    { {59.17, 17.42}, {59.19, 17.42}, {59.19, 17.42},
		    {59.17, 17.42}, {59.17, 17.42} },
		    "at least 3 distinct vertices, has 2" },
		{ "lat 91", 3,
		    { {59.17, 17.42}, {59.19, 17.42}, {91, 17.45} },
		    "vertex 2: lat 91 out of range" },
		{ "lat -90.5", 3,
		    { {-90.5, 17.42}, {59.19, 17.42}, {59.19, 17.45} },
		    "vertex 0: lat -90.5 out of range" },
		{ "lon 181", 3,
		    { {59.17, 17.42}, {59.19, 181}, {59.19, 17.45} },
		    "vertex 1: lon 181 out of range" },
		{ "lon -180.25", 4,
		    { {59.17, 17.42}, {59.19, 17.42}, {59.19, 17.45},
		    {59.18, -180.25} }, "vertex 3: lon -180.25 out of range" },
		{ "lat NaN", 3,
		    { {59.17, 17.42}, {NAN, 17.42}, {59.19, 17.45} },
		    "vertex 1: lat is not a number" },
		{ "lon infinite", 3,
		    { {59.17, 17.42}, {59.19, 17.42}, {59.19, -INFINITY} },
		    "vertex 2: lon is not a number" },
		{ "lat infinite", 3,
		    { {INFINITY, 17.42}, {59.19, 17.42}, {59.19, 17.45} },
		    "vertex 0: lat is not a number" },
		{ "no vertices", 0, { {0, 0} }, "no vertices" },
	};
	char	 err[128];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct check_case *c = &cases[i];

		strcpy(err, "untouched");
		rc = geo_polygon_check(c->v, c->n, err, sizeof(err));
		if (c->err == NULL && rc != 0)
			fail_msg("%s: refused: %s", c->what, err);
		if (c->err != NULL && rc != -1)
			fail_msg("%s: accepted", c->what);
		if (c->err != NULL && strstr(err, c->err) == NULL)
			fail_msg("%s: error \"%s\", expected \"%s\"", c->what,
			    err, c->err);
	}
	assert_int_equal(geo_polygon_check(NULL, 3, err, sizeof(err)), -1);
	/* A tiny buffer is truncated, not overrun. */
	assert_int_equal(geo_polygon_check(cases[8].v, 3, err, 8), -1);
	assert_int_equal(strlen(err), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance_accuracy),
		cmocka_unit_test(test_distance_sphere),
		cmocka_unit_test(test_circle),
		cmocka_unit_test(test_polygon_square),
		cmocka_unit_test(test_polygon_concave),
		cmocka_unit_test(test_polygon_vertex_rays),
		cmocka_unit_test(test_polygon_near_exact_edge),
		cmocka_unit_test(test_polygon_degenerate),
		cmocka_unit_test(test_polygon_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
