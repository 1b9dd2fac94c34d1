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
#define ALERT_MESSAGE_MAX	1600	/* characters; segments are checked
					   later */
#define ALERT_MAX_RECIPIENT_ARGS 100000	/* entries in audience arrays */

#define ALERT_MAX_SHAPES	16
#define ALERT_MAX_VERTICES	1000
#define ALERT_MAX_RADIUS_M	100000
#define ALERT_MAX_EXPIRES_S	(7 * 24 * 3600)	/* an alert lives a week */
#define ALERT_MAX_CHAIN		2	/* audiences after the first: a
					   call-out chain of 3 steps */
#define ALERT_MAX_NEED		10000
#define ALERT_MAX_SEND_AHEAD_S	(30 * 24 * 3600)	/* send_at at most */
#define ALERT_SEND_AT_PAST_S	600	/* an older send_at is refused; a
					   newer one in the past: now */

/* The audience of a later step of a call-out chain (escalate_to). */
struct alert_chain_aud {
	char		**groups;
	size_t		 ngroups;
	char		(*contacts)[PHONE_MAX];	/* normalized E.164 */
	bool		 *contacts_sms;		/* each can take SMS */
	size_t		 ncontacts;
};

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
	bool		 *contacts_sms;		/* each can take SMS (the
						   normalizer's verdict) */
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
	/* Call-outs. */
	int		 need;		/* JA that are enough; 0: no limit */
	struct alert_chain_aud chain[ALERT_MAX_CHAIN];	/* escalate_to */
	size_t		 nchain;
	int64_t		 chain_after_s;	/* escalate_to_after_s */
	int64_t		 send_at;	/* ms since the epoch; 0: now */
	bool		 quiet_ignore;	/* "quiet_hours": "ignore" */
	char		*canon;		/* the body as canonical JSON (sorted
					   keys): what a scheduled or chained
					   alert keeps to fan out later */
};

/*
 * Validate root (the parsed body) into req. region is the default region
 * for numbers. Returns 0, or -1 with err filled (req is then cleared).
 */
int	alert_parse(const json_t *root, const char *region,
	    struct alert_req *req, struct api_error *err);
void	alert_req_clear(struct alert_req *);
/*
 * Make chain step k (0: the first of escalate_to) the audience of req:
 * its groups and contacts in place of the request's own audience.
 */
void	alert_req_use_step(struct alert_req *, size_t k);
/*
 * The audiences of escalate_to from step k on, as a JSON array (a new
 * reference), or NULL when there are none left.
 */
json_t	*alert_chain_json(const struct alert_req *, size_t k);
/* "2026-11-26T21:15:00Z" or with an offset: ms since the epoch; -1. */
int64_t	alert_parse_time(const char *);

#endif
