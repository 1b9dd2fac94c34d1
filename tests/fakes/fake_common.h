/*
 * What the fake providers (fake_provider.c, the fake 46elks, and
 * fake_twilio.c) share: the faults both script and their parsing, the
 * seeded generator and message ids, the table of recipient numbers, form
 * and query reading, answers sent now, after a latency or never, POST
 * /_control, and the HTTP server's life from the listening socket and its
 * port file to the clean-up. Each fake keeps its own routes, checks,
 * statistics and callbacks.
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
	double		 fail_rate;	/* share of requests answered 503 */
	uint64_t	 seed;
	long		 latency_ms;
	bool		 hang;		/* never answer (fake_provider only) */
	bool		 no_dlr;	/* send no delivery reports */
	long		 dlr_delay_ms;
};

/*
 * A recipient number in a fake's table: the first member of each fake's
 * struct number.
 */
struct fake_entry {
	char		*to;
	uint64_t	 hash;
};

/* Open addressing hash table of numbers, keyed by the To number. */
struct fake_table {
	struct fake_entry **slots;
	size_t		    cap;	/* a power of two */
	size_t		    n;
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
/* Free what one number holds, but not the entry itself or its to. */
typedef void	(*fake_clear_cb)(struct fake_entry *);
/* Forget every number and counter of the fake (POST /_control reset). */
typedef void	(*fake_reset_cb)(void *arg);

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
	uint64_t		 rng;
	uint64_t		 idprefix;
	uint64_t		 idcount;
	uint64_t		 connections;
	uint64_t		 concurrent;	/* requests not yet answered */
	uint64_t		 max_concurrent;
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
void		 fake_id(struct fake_server *, const char *, char *, size_t);
bool		 fake_is_e164(const char *);
char		*fake_basic(const char *, const char *);
bool		 fake_basic_ok(struct evhttp_request *, const char *);

struct fake_entry *fake_table_get(struct fake_table *, const char *,
		    size_t);
void		 fake_table_free(struct fake_table *, fake_clear_cb);

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
int		 fake_control_form(struct fake_server *,
		    struct evhttp_request *, size_t);

void		 fake_server_init(struct fake_server *,
		    const struct fake_kind *, struct fake_faults *, void *);
void		 fake_server_open(struct fake_server *, int,
		    void (*)(struct evhttp_request *, void *));
void		 fake_server_run(struct fake_server *);
void		 fake_server_close(struct fake_server *);

#endif /* VARSEL_FAKE_COMMON_H */
