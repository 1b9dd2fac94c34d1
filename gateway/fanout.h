/*
 * Fan-out: an accepted alert request becomes an alert row and one
 * delivery per recipient and channel, all committed before the 202.
 */
#ifndef VARSEL_FANOUT_H
#define VARSEL_FANOUT_H

#include "alert.h"

struct gw;

#define FANOUT_NEW		0
#define FANOUT_DUPLICATE	1

/*
 * Resolve req's audience for client and store the alert with its
 * deliveries. Returns FANOUT_NEW or FANOUT_DUPLICATE with *response set
 * to the answer's JSON body (caller frees), or -1 with err.
 */
int	fanout_alert(struct gw *, const struct alert_req *, const char *client,
	    char **response, struct api_error *err);

/*
 * Render and count req without storing anything (POST /v1/preview):
 * *out is {"texts": [{lang, channel, text, encoding, segments,
 * recipients, suppressed}], "recipients", "suppressed", ...}. 0 or -1.
 */
int	fanout_preview(struct gw *, const struct alert_req *, json_t **out,
	    struct api_error *err);

#endif
