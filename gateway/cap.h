/*
 * OASIS CAP 1.2 (application/cap+xml) into an alert request, with
 * libxml2: no DTD loading, no entity expansion, no network access.
 */
#ifndef VARSEL_CAP_H
#define VARSEL_CAP_H

#include <stddef.h>

#include "alert.h"
#include "geo.h"

#define CAP_MAX_INFO	8
#define CAP_MAX_AREAS	16

enum cap_msgtype { CAP_ALERT, CAP_UPDATE, CAP_CANCEL, CAP_ACK, CAP_ERROR };
enum cap_status { CAP_ACTUAL, CAP_EXERCISE, CAP_SYSTEM, CAP_TEST, CAP_DRAFT };

/* One <info> block: the text in one language. */
struct cap_info {
	char	 lang[8];	/* "sv" from "sv-SE"; "en" by CAP's default */
	int	 severity;	/* enum severity */
	char	*event;
	char	*headline;
	char	*description;
	char	*instruction;
	char	*text;		/* the SMS text made from the fields above */
};

/* A circle or polygon of an <area>. */
struct cap_shape {
	int		  is_circle;
	struct geo_point  centre;	/* circle */
	double		  radius_m;	/* circle: CAP gives km */
	struct geo_point *vertices;	/* polygon */
	size_t		  nvertices;
};

struct cap_alert {
	char			*identifier;
	char			*sender;
	enum cap_msgtype	 msgtype;
	enum cap_status		 status;
	char			*references;	/* for Cancel/Update */
	struct cap_info		 info[CAP_MAX_INFO];
	size_t			 ninfo;
	struct cap_shape	 shapes[CAP_MAX_AREAS];
	size_t			 nshapes;
	char			**postnummer;	/* geocode valueName postnummer */
	size_t			 npostnummer;
	int64_t			 expires_at_ms;	/* 0: none */
};

/*
 * Parse a CAP 1.2 document. Returns 0, or -1 with err: 400 invalid_json
 * ("not well-formed XML" — the code API.md uses for a bad body) for bad
 * XML or a DTD/entity, 422 invalid_field naming the missing or wrong
 * element ("info/severity") otherwise.
 */
int	cap_parse(const char *xml, size_t len, struct cap_alert *,
	    struct api_error *err);
void	cap_alert_clear(struct cap_alert *);

#endif
