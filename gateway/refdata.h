/*
 * Reference data of the municipality: trygghetspunkter and areas
 * (../shared/data/README.md for the CSV formats). Loaded at start and on
 * SIGHUP; a bad row stops the load with file and line, and the caller
 * keeps the old data.
 */
#ifndef VARSEL_REFDATA_H
#define VARSEL_REFDATA_H

#include <stddef.h>

#include "geo.h"

struct tpunkt {
	char		*id;
	char		*name;
	char		*address;
	char		*hours;		/* free text shown to people */
	struct geo_point pos;
};

struct area {
	char		*code;		/* postnummer without space, or an id */
	char		*name;
	struct geo_point pos;		/* the area's centre */
};

struct refdata {
	struct tpunkt	*points;
	size_t		 npoints;
	struct area	*areas;
	size_t		 nareas;
};

/*
 * Load both files (either path may be NULL: no such data). Returns NULL
 * with err ("conf/areas.csv:7: lat: not a number") on any bad row.
 */
struct refdata	*refdata_load(const char *tpunkter_csv, const char *areas_csv,
		    char *err, size_t errlen);
void		 refdata_free(struct refdata *);
/*
 * The area a person means: a postnummer with or without its space
 * ("155 31", "15531"), an area code, or a name compared without case
 * and without diacritics ("lillhagen", "StrOpsta" for Ströpsta).
 */
const struct area *refdata_area(const struct refdata *, const char *query);
/* The nearest trygghetspunkt to p and its distance; NULL if none. */
const struct tpunkt *refdata_nearest(const struct refdata *,
		    struct geo_point p, double *distance_m);

#endif
