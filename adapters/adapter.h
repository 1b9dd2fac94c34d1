/*
 * The provider adapter interface. An adapter only translates: it builds
 * the HTTP request for a message and reads the provider's answers and
 * callbacks. The core does all I/O, so adapters are tested on saved
 * replies without a network. Adding a provider is one file and one line
 * in the registry (adapter.c).
 */
#ifndef VARSEL_ADAPTER_H
#define VARSEL_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/types.h"
#include "gateway/util.h"

struct event_base;
struct provider_conf;
struct http_request;
struct http_response;
struct adapter;

/* How a send attempt ended, as the dispatcher acts on it. */
enum send_status {
	SEND_OK,		/* accepted; ref holds the provider's id */
	SEND_TEMPFAIL,		/* try again later (5xx, 429, network) */
	SEND_PERMFAIL		/* do not retry (4xx, bad number, ...) */
};

#define SEND_REF_LEN	96	/* a provider's message id and its NUL */

struct send_result {
	enum send_status status;
	int		 http_status;	/* 0 if none */
	int		 retry_after_s;	/* provider asked us to wait; 0 = backoff */
	bool		 auth_error;	/* 401/403: our credentials are wrong */
	char		 ref[SEND_REF_LEN];	/* provider's message id */
	char		 error[256];	/* provider's error text, for the store */
};

/* A message the core asks an adapter to send. Borrowed for the call. */
struct outmsg {
	int64_t		 delivery_id;
	enum channel	 channel;
	const char	*to;		/* E.164 */
	const char	*from;		/* sender; NULL: the provider's from */
	const char	*text;		/* SMS text, or the words a call speaks */
	const char	*lang;		/* the recipient's language ("sv") */
	const char	*media_url;	/* CH_VOICE: the text rendered as audio
					   (absolute URL), for providers that
					   play files or do not speak lang;
					   NULL otherwise */
	bool		 ask_ack;	/* CH_VOICE: ask "press 1 to confirm" */
};

/* An inbound SMS from a provider's callback. */
struct inbound_sms {
	char		 id[96];	/* the provider's message id (dedup) */
	char		 from[64];	/* as given: E.164, short code, name */
	char		 to[64];	/* our number it was sent to */
	char		*text;		/* UTF-8, owned: free() it */
};

/* What happened on a call (provider voice callbacks). */
enum voice_event_kind {
	VOICE_RINGING,
	VOICE_ANSWERED,
	VOICE_DTMF,		/* digits pressed; digits holds them */
	VOICE_COMPLETED,	/* hung up after an answer */
	VOICE_NO_ANSWER,
	VOICE_BUSY,
	VOICE_FAILED
};

struct voice_event {
	char			 ref[96];	/* the provider's call id */
	enum voice_event_kind	 kind;
	char			 digits[16];
	char			 error[128];
};

/* The body a provider callback is answered with (empty: plain 200). */
struct hook_answer {
	char		 content_type[64];
	char		*body;		/* owned: free() it; NULL for none */
};

/* A provider callback (delivery report, inbound SMS, call event). */
struct hook_request {
	const char		*url;		/* full public URL, query included */
	const struct kvlist	*query;		/* decoded query parameters */
	const struct kvlist	*form;		/* decoded form body (may be empty) */
	const char		*body;		/* raw body */
	size_t			 body_len;
	const char		*content_type;	/* may be NULL */
	const char		*peer;		/* the client's address, or NULL */
	/* Header lookup (case-insensitive), NULL if absent. */
	const char		*(*header)(const struct hook_request *,
				    const char *name);
	void			*header_arg;
};

/* A delivery report parsed from a status callback. */
struct status_report {
	char		 ref[96];
	enum dstate	 state;		/* DS_SENT, DS_DELIVERED or DS_FAILED;
					   DS_ANSWERED for a simulated call */
	char		 error[256];	/* provider's reason on failure */
};

/* What the core gives an adapter at init. */
struct adapter_env {
	struct event_base	*base;		/* for in-process providers' timers */
	const char		*name;		/* provider name: /hooks/NAME */
	const char		*public_url;	/* base of callback URLs */
	/* In-process providers report delivery through this. */
	void			(*report)(void *arg, const char *provider,
				    const struct status_report *);
	/* In-process providers report call events (DTMF) through this;
	   it gets report_arg too. */
	void			(*voice)(void *arg, const char *provider,
				    const struct voice_event *);
	void			*report_arg;
};

/* Return values of adapter_ops.send. */
#define ADAPTER_HTTP	0	/* req is filled: the core sends it */
#define ADAPTER_DONE	1	/* res is filled: handled in process */

#define ADAPTER_CAP_SMS		0x01
#define ADAPTER_CAP_VOICE	0x02
#define ADAPTER_CAP_STATUS	0x04
#define ADAPTER_CAP_AUDIO	0x08	/* calls play audio files: needs media_url */

struct adapter_ops {
	const char		*type;		/* "46elks": matches type = */
	unsigned int		 caps;		/* the most the type can do */
	const char *const	*keys;		/* its own config keys, NULL-ended */

	int	(*init)(struct adapter *, const struct adapter_env *,
		    char *err, size_t errlen);
	void	(*free)(struct adapter *);
	/* Build the request for m (ADAPTER_HTTP) or handle it (ADAPTER_DONE). */
	int	(*send)(struct adapter *, const struct outmsg *m,
		    struct http_request *req, struct send_result *res);
	/* Classify the provider's answer to a request built by send. */
	void	(*parse_send)(struct adapter *, const struct http_response *,
		    struct send_result *);
	/* Is this callback really from the provider? 0 yes, -1 no. */
	int	(*verify_hook)(struct adapter *, const struct hook_request *);
	/*
	 * The same from what comes before the body (query, headers, peer;
	 * body and form empty), so a forger's body is never read; NULL when
	 * the proof needs the body (Twilio signs the form).
	 */
	int	(*verify_head)(struct adapter *, const struct hook_request *);
	/* Parse a delivery report; 0, or -1 with err if malformed. */
	int	(*parse_status)(struct adapter *, const struct hook_request *,
		    struct status_report *, char *err, size_t errlen);
	/*
	 * Parse an inbound SMS (0, or -1 with err) and fill ans with what
	 * acknowledges it without replying in-band (Twilio: empty TwiML;
	 * 46elks: an empty 200). Replies go out later as deliveries.
	 */
	int	(*parse_inbound)(struct adapter *, const struct hook_request *,
		    struct inbound_sms *, struct hook_answer *ans, char *err,
		    size_t errlen);
	/*
	 * Parse a call event (0, or -1 with err). ans may be filled with the
	 * provider's next call action (TwiML, a 46elks action JSON).
	 */
	int	(*parse_voice)(struct adapter *, const struct hook_request *,
		    struct voice_event *, struct hook_answer *ans, char *err,
		    size_t errlen);
	/*
	 * Can the provider speak a call in lang itself (text-to-speech of
	 * its own)? NULL: it speaks whatever it is given, or plays audio
	 * (ADAPTER_CAP_AUDIO). When this says no, the core renders the
	 * speech (media.c) and passes its media_url for the call to play.
	 */
	bool	(*speaks)(struct adapter *, const char *lang);
};

struct adapter {
	const struct adapter_ops	*ops;
	const struct provider_conf	*conf;
	/* What this provider can do as configured: ops->caps, narrowed by
	   init (46elks without voice_from makes no calls). Test this. */
	unsigned int			 caps;
	char				 name[64];
	void				*priv;
};

/* The registered adapter for a type, or NULL. */
const struct adapter_ops *adapter_lookup(const char *type);
/* The i-th registered adapter (0, 1, ...), NULL past the end. */
const struct adapter_ops *adapter_nth(size_t i);
/*
 * Register one more type (at most a few): the scripted providers of the
 * unit tests. -1 if the type exists or there is no room.
 */
int		 adapter_register(const struct adapter_ops *);
/*
 * Make an adapter for a provider section; NULL with err on a bad type or
 * a bad type-specific key ("file:line: key: ...").
 */
struct adapter	*adapter_new(const struct provider_conf *,
		    const struct adapter_env *, char *err, size_t errlen);
void		 adapter_free(struct adapter *);

/*
 * Shared classification of an HTTP answer for adapters: transport
 * errors, 408, 429 and 5xx are TEMPFAIL (429/503 honour Retry-After);
 * 401/403 PERMFAIL with auth_error; other non-2xx PERMFAIL with the
 * body's text. Returns true if the answer was a 2xx (res untouched).
 */
bool		 adapter_classify_http(const struct http_response *,
		    struct send_result *);

/* Up to len bytes of s for a message or log, control bytes as spaces. */
void		 adapter_snippet(const char *s, size_t len, char *out,
		    size_t outlen);
/*
 * Fill an inbound SMS from a callback's fields: id and from must be
 * there and fit, to may be NULL, text NULL is "". The errors name the
 * provider's own field names (ids: "id", "from", "to"). Returns 0, or -1
 * with err (nothing to free).
 */
int		 adapter_inbound_set(struct inbound_sms *, const char *provider,
		    const char *const names[3], const char *id,
		    const char *from, const char *to, const char *text,
		    char *err, size_t errlen);

extern const struct adapter_ops simulator_adapter_ops;
extern const struct adapter_ops elks46_adapter_ops;
extern const struct adapter_ops twilio_adapter_ops;

#endif
