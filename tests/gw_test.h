/*
 * A whole gateway in a unit test, without a network and without
 * waiting: the configuration from text, a store in a private temp
 * folder, the batch, templates and reference data of the source tree,
 * the providers, the dispatcher and the source event sender, and the
 * loop's clock frozen, so a test moves time (gwt_advance) and runs what
 * the timers would (gwt_round). Providers of type "scripted" answer in
 * process with the results a test queues (gwt_script) and record what
 * they were asked to send. The call-out timer (callouts_run) and the
 * daily erasure (retention_run) are there too, run by hand.
 */
#ifndef VARSEL_GW_TEST_H
#define VARSEL_GW_TEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "adapters/adapter.h"
#include "gateway/apierr.h"
#include "gateway/gateway.h"
#include "gateway/store.h"

#define GWT_T0		1795000000000LL	/* 2026-11-18T07:06:40Z, ms */
#define GWT_MAXSENDS	256
#define GWT_MAXSCRIPT	64

/* One message a scripted provider was asked to send. */
struct gwt_send {
	char		 provider[32];
	int64_t		 delivery_id;
	int		 channel;
	char		 to[24];
	char		 text[512];
	int64_t		 at;		/* the loop's clock then */
};

/* One queued answer of a scripted provider. */
struct gwt_result {
	char			 provider[32];	/* "" for any provider */
	enum send_status	 status;
	int			 http_status;
	int			 retry_after_s;
	bool			 auth_error;
};

struct gwt {
	struct gw		 gw;
	char			 dir[256];		/* the temp folder */
	char			 conf[PATH_MAX];
	struct gwt_send		 sends[GWT_MAXSENDS];
	size_t			 nsends;
	struct gwt_result	 script[GWT_MAXSCRIPT];
	size_t			 nscript;
	int			 refs;			/* provider refs made */
	int			 alerts;		/* gwt_alert's made */
	int			 inbound;		/* gwt_sms's made */
	const char		*callback_url;		/* of gwt_alert's */
};

/*
 * A gateway from config text: gateway holds more [gateway] lines (may
 * be NULL; database, templates, reference data and listen are given),
 * sections the rest ([dispatch], [provider ...], [client ...]). The
 * clock is frozen at t0. NULL on failure (the reason printed).
 */
struct gwt	*gwt_new(const char *gateway, const char *sections, int64_t t0);
void		 gwt_free(struct gwt *);

/* Queue the next answer of provider (NULL: whichever sends next). */
void		 gwt_script(struct gwt *, const char *provider,
		    enum send_status, int http_status, int retry_after_s,
		    bool auth_error);
/* Move the clock by ms. */
void		 gwt_advance(struct gwt *, int64_t ms);
/*
 * One pass as the loop would make it: a dispatcher round (claims,
 * sends, outcomes; the sweep when due) and the commit of the pass.
 */
void		 gwt_round(struct gwt *);
/* Sends to provider (NULL: all) so far. */
size_t		 gwt_nsends(const struct gwt *, const char *provider);

/*
 * An alert of severity with one queued SMS delivery per phone, from
 * client "test", with t->callback_url (may be NULL).
 */
int64_t		 gwt_alert(struct gwt *, int severity, int64_t expires_at,
		    int64_t escalate_after_s, bool ack,
		    const char *const phones[]);
/* The delivery's state (enum dstate), -1 if there is none. */
int		 gwt_state(struct gwt *, int64_t delivery_id);
/* The first delivery of alert_id on channel, 0 if none. */
int64_t		 gwt_delivery_of(struct gwt *, int64_t alert_id, int channel);

/* The deliveries of an alert, copied (bodies and reasons too). */
#define GWT_MAXROWS	64
struct gwt_rows {
	struct delivery	v[GWT_MAXROWS];
	size_t		n;
};
/* The first GWT_MAXROWS deliveries of alert_id, by id. */
void		 gwt_rows(struct gwt *, int64_t alert_id, struct gwt_rows *);
void		 gwt_rows_free(struct gwt_rows *);
/* The delivery of phone on channel (0: any) in rs, or NULL. */
const struct delivery *gwt_row(const struct gwt_rows *, const char *phone,
		    int channel);

/*
 * Parse body as POST /v1/alerts does and fan it out for client "test":
 * FANOUT_NEW or FANOUT_DUPLICATE with *answer the 202 body parsed (to
 * json_decref), or -1 with err.
 */
int		 gwt_post(struct gwt *, const char *body, json_t **answer,
		    struct api_error *err);
/* A contact: lang, its groups ("a,b" or NULL), channels (enum channel). */
void		 gwt_contact(struct gwt *, const char *phone, const char *lang,
		    const char *groups, unsigned int channels);
/*
 * An inbound SMS from phone to provider "first" now, in the pass's
 * transaction (several in one pass commit together: gwt_round or
 * batch_flush ends it). 0 or -1.
 */
int		 gwt_sms(struct gwt *, const char *from, const char *text);
/*
 * Stop the gateway as varseld does at exit and start it again on the
 * same configuration and database, the clock where it was.
 */
void		 gwt_restart(struct gwt *);

#endif
