/*
 * What the fake providers (fake_provider.c, the fake 46elks, and
 * fake_twilio.c) share: the faults both script and their parsing, the
 * seeded generator and message ids, the table of recipient numbers with
 * what each accepted and the counters both keep, form and query reading,
 * answers sent now, after a latency or never, GET /_stats and POST
 * /_control, and the HTTP server's life from the listening socket and its
 * port file to the clean-up. Each fake keeps its own API routes, checks,
 * own counters and callbacks.
 */
#ifndef VARSEL_FAKE_COMMON_H
#define VARSEL_FAKE_COMMON_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#define FAKE_MAX_BODY		65536

struct http_client;
struct kvlist;
struct option;

/*
 * The faults both fakes script. It is the first member of each fake's
 * struct faults, so a pointer to it is a pointer to the whole.
 */
struct fake_faults {
	long		 fail_first;	/* requests still to answer 503 */
	long long	 fail_until;	/* fake_ms() before which every request
					   fails (an outage of a while) */
	long		 fail_status;	/* what failing requests get: 503 */
	long		 retry_after;	/* their Retry-After, s; 0: none */
	double		 fail_rate;	/* share of requests answered 503 */
	uint64_t	 seed;
	long		 latency_ms;
	bool		 hang;		/* never answer (fake_provider only) */
	bool		 no_dlr;	/* send no delivery reports */
	long		 dlr_delay_ms;
	char		 press[8];	/* digits a callee presses; "": none */
	long		 call_step_ms;	/* between a call's requests */
};

/* One accepted message or call, kept for GET /_received. */
struct fake_item {
	struct fake_item *next;
	bool		 call;
	char		*id;		/* the message's or call's id */
	char		*from;
	char		*text;		/* the message; a call: what it plays */
	char		*callback;	/* where its reports go, or NULL */
	char		 created[32];	/* as the fake's provider writes it */
	long long	 at_ms;		/* ms since the fake started */
	uint64_t	 seq;		/* a message's order among accepted */
};

/* Everything a fake knows about one recipient number. */
struct fake_number {
	char		*to;
	uint64_t	 hash;
	uint32_t	 requests;
	uint32_t	 accepted;	/* messages */
	uint32_t	 rejected;
	uint32_t	 tempfailed;
	uint32_t	 calls;
	struct fake_item *first;	/* oldest first */
	struct fake_item *last;
};

/* Open addressing hash table of numbers, keyed by the To number. */
struct fake_table {
	struct fake_number **slots;
	size_t		     cap;	/* a power of two */
	size_t		     n;
};

/* What both fakes count, the first counters of GET /_stats. */
struct fake_counts {
	uint64_t	 requests;	/* to the provider's API */
	uint64_t	 accepted;	/* messages */
	uint64_t	 calls;		/* calls accepted */
	uint64_t	 rejected;	/* 400 and 401 */
	uint64_t	 tempfailed;	/* 503 */
	uint64_t	 unique_to;	/* numbers with an accepted message */
	uint64_t	 duplicates;	/* the same text to a number again */
	uint64_t	 dlr_sent;	/* final delivery reports taken (2xx) */
};

/* Start what waited for an answer to go out (a report, a job). */
typedef void	(*fake_start_cb)(void *arg, void *after);
/* Free what waited for an answer that never went out. */
typedef void	(*fake_drop_cb)(void *after);
/*
 * Set one of the fake's own options by its key ("-" form): 0, -1 for a
 * bad value, 1 for a key it does not know.
 */
typedef int	(*fake_option_cb)(struct fake_faults *, const char *key,
		    const char *value);
/* Forget the fake's own records and counters (POST /_control reset). */
typedef void	(*fake_reset_cb)(void *arg);
/* Add the fake's own counters or settings to o; 0 or -1. */
typedef int	(*fake_json_cb)(void *arg, json_t *o);

/* What makes one fake itself, for the shared code. */
struct fake_kind {
	const char	*name;		/* "fake_twilio": errors, log tag */
	const char	*what;		/* its answers log as "api ..." */
	const char	*usage;		/* the whole usage message */
	bool		 typed_forms;	/* only form-typed bodies are forms */
	fake_option_cb	 option;
	fake_start_cb	 start;
	fake_drop_cb	 drop;
	fake_reset_cb	 reset;
	fake_json_cb	 stats;		/* GET /_stats after the shared ones */
	fake_json_cb	 settings;	/* POST /_control's answer likewise */
};

/* A flag of the fake's own that takes a value, and where it goes. */
struct fake_flag {
	int		  ch;		/* its val in the fake's longopts */
	const char	**value;
};

struct fake_pending;

/* One fake's HTTP server and all the two fakes handle alike. */
struct fake_server {
	const struct fake_kind	*kind;
	struct fake_faults	*f;		/* the fake's own faults */
	void			*arg;		/* the fake, for kind's calls */
	long			 port;		/* --port; 0: any */
	const char		*port_file;	/* --port-file, or NULL */
	struct event_base	*base;
	struct evhttp		*http;
	struct http_client	*client;	/* for the fake's callbacks */
	struct event		*sigterm;
	struct event		*sigint;
	long long		 start_ms;	/* mono_ms() at the start */
	uint64_t		 rng;
	uint64_t		 idprefix;
	uint64_t		 idcount;
	uint64_t		 connections;
	uint64_t		 concurrent;	/* requests not yet answered */
	uint64_t		 max_concurrent;
	struct fake_counts	 st;
	struct fake_table	 numbers;
	TAILQ_HEAD(, fake_pending) pending;
};

int		 fake_parse_long(const char *, long, long, long *);
int		 fake_parse_bool(const char *, bool *);
int		 fake_set_option(struct fake_server *, struct fake_faults *,
		    const char *, const char *, char *, size_t);
void		 fake_args(struct fake_server *, int, char *[],
		    const struct option *, const struct fake_flag *);

uint64_t	 fake_random(struct fake_server *);
bool		 fake_outage(struct fake_server *);
int		 fake_outage_status(struct fake_server *,
		    struct evhttp_request *);
void		 fake_id(struct fake_server *, const char *, char *, size_t);
bool		 fake_is_e164(const char *);
bool		 fake_is_url(const char *);
long long	 fake_ms(const struct fake_server *);
void		 fake_log_accepted(const char *, const char *, const char *);
char		*fake_basic(const char *, const char *);
bool		 fake_basic_ok(struct evhttp_request *, const char *);

struct fake_number *fake_number_find(struct fake_server *, const char *);
struct fake_number *fake_api_number(struct fake_server *, const char *);
struct fake_item *fake_item_add(struct fake_server *, struct fake_number *,
		    bool, const char *, const char *, const char *,
		    const char *);
void		 fake_numbers_free(struct fake_server *);

int		 fake_body_form(const struct fake_server *,
		    struct evhttp_request *, struct kvlist *);
int		 fake_query(struct evhttp_request *, struct kvlist *);
const char	*fake_path(struct evhttp_request *, bool *, bool *);
char		*fake_query_to(struct evhttp_request *);
void		 fake_send(struct evhttp_request *, int, const char *,
		    const char *);
void		 fake_json(struct evhttp_request *, int, json_t *);
void		 fake_answer(struct fake_server *, struct evhttp_request *,
		    int, const char *, char *, void *);
void		 fake_timer_add(struct event *, long);
bool		 fake_route(struct fake_server *, struct evhttp_request *,
		    const char *, bool, bool, size_t);

void		 fake_server_init(struct fake_server *,
		    const struct fake_kind *, struct fake_faults *, void *);
void		 fake_server_open(struct fake_server *, int,
		    void (*)(struct evhttp_request *, void *));
void		 fake_server_run(struct fake_server *);
void		 fake_server_close(struct fake_server *);

#endif /* VARSEL_FAKE_COMMON_H */
