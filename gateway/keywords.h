/*
 * The keyword grammar of inbound SMS (design/API.md, "Keywords"): the
 * first word decides, case-insensitive, with or without å ä ö; STOPP,
 * START, JA and NEJ count only when the message is that word alone (and
 * the argument the table allows).
 */
#ifndef VARSEL_KEYWORDS_H
#define VARSEL_KEYWORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "geo.h"

enum keyword {
	KW_UNKNOWN = 0,		/* anything else: the help text */
	KW_TRYGG,		/* TRYGG, HITTA, SAFE */
	KW_STOP,		/* STOPP, STOP, AVSLUTA */
	KW_START,
	KW_YES,			/* JA, J, YES */
	KW_NO,			/* NEJ, N, NO */
	KW_HELP			/* HJÄLP, HJALP, HELP, INFO */
};

enum kw_arg_kind {
	KWA_NONE,
	KWA_PLACE,		/* a postnummer or area name, in arg */
	KWA_POSITION,		/* lat,lon in pos */
	KWA_NUMBER		/* an alert number, in number */
};

struct kw_parse {
	enum keyword	 kw;
	enum kw_arg_kind arg_kind;
	char		 arg[128];	/* the place as written, trimmed */
	struct geo_point pos;
	int64_t		 number;
};

/* Parse an inbound text (UTF-8, any length, may be empty). Never fails. */
void		 keyword_parse(const char *text, struct kw_parse *);
const char	*keyword_name(enum keyword);	/* "TRYGG", ..., "UNKNOWN" */

#endif
