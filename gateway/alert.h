/*
 * POST /v1/alerts as JSON: validated completely into a struct alert_req
 * before anything is stored. Every rejection names the field.
 */
#ifndef VARSEL_ALERT_H
#define VARSEL_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "apierr.h"
#include "geo.h"
#include "phone.h"
#include "template.h"

#define ALERT_SOURCE_REF_MAX	128
#define ALERT_MESSAGE_MAX	1600	/* bytes; segments are checked later */
#define ALERT_MAX_RECIPIENT_ARGS 100000	/* entries in audience arrays */

#define ALERT_MAX_SHAPES	16
#define ALERT_MAX_VERTICES	1000
#define ALERT_MAX_RADIUS_M	100000
#define ALERT_MAX_EXPIRES_S	(7 * 24 * 3600)	/* an alert lives a week */

/* A geographic audience: a circle or a polygon. */
struct alert_shape {
	bool		  is_circle;
	struct geo_point  centre;
	double		  radius_m;
	struct geo_point *vertices;	/* owned */
	size_t		  nvertices;
};

/* The text in one language (CAP gives one per <info>). */
struct alert_text {
	char		 lang[8];
	char		*text;		/* owned */
};

struct alert_req {
	char		*source_ref;
	char		*type;
	int		 severity;	/* enum severity */
	char		*template;	/* exactly one of template and message */
	char		*message;
	struct tvar	*vars;		/* strings owned by the request */
	size_t		 nvars;
	char		 lang[8];	/* for numbers that are not contacts */
	char		**groups;
	size_t		 ngroups;
	char		(*contacts)[PHONE_MAX];	/* normalized E.164 */
	size_t		 ncontacts;
	char		**areas;
	size_t		 nareas;
	unsigned int	 channels;	/* enum channel bits */
	bool		 ack;
	int64_t		 escalate_after_s;	/* 0: none */
	int64_t		 expires_in_s;		/* 0: never */
	char		*callback_url;
	char		 body_hash[65];	/* sha256 of the canonical JSON */
	struct alert_shape shapes[ALERT_MAX_SHAPES];
	size_t		 nshapes;
	struct alert_text *texts;	/* CAP: per-language texts (instead of
					   message or template) */
	size_t		 ntexts;
	char		 status[12];	/* "actual" (default), "test",
					   "exercise": the last two are not
					   sent */
};

/*
 * Validate root (the parsed body) into req. region is the default region
 * for numbers. Returns 0, or -1 with err filled (req is then cleared).
 */
int	alert_parse(const json_t *root, const char *region,
	    struct alert_req *req, struct api_error *err);
void	alert_req_clear(struct alert_req *);

#endif
