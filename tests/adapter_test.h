/*
 * Helpers the adapter unit tests share (test_elks46.c, test_twilio.c;
 * at_load also test_cap.c): a provider section built by hand as config.c
 * would, the adapter made from it, files of tests/data, hook requests,
 * and the table-driven checks of parse_send, parse_status,
 * parse_inbound and init's errors. They assert with cmocka: a failed
 * check fails the test that called them.
 */
#ifndef VARSEL_ADAPTER_TEST_H
#define VARSEL_ADAPTER_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include "adapters/adapter.h"
#include "gateway/config.h"

/* The public URL every test adapter has (env->public_url). */
#define AT_PUBLIC_URL	"https://larm.nykvarn.example/"
#define AT_MAX_OPTS	10

/* A provider section built by hand, as config.c would. */
struct at_section {
	struct provider_conf	pc;
	struct conf_opt		opts[AT_MAX_OPTS];
};

/*
 * What a test's valid section holds. Its keys kv stand on the lines after
 * the header's line; keys added later on line + 10 and on.
 */
struct at_conf {
	const char		 *name;
	const char		 *type;
	int			  line;
	int			  priority;
	double			  rate;
	int			  max_connections;
	const char		 *from;
	const char		 *base_url;
	int			  timeout_ms;
	const char *const	(*kv)[2];
	size_t			  nkv;
};

/* A saved answer to a send and how parse_send must classify it. */
struct at_send_case {
	const char		*file;	/* NULL: no body */
	long			 status;
	int			 retry_after;
	int			 curl_code;
	enum send_status	 want;
	const char		*ref;
	bool			 auth_error;
	int			 want_retry;
	const char		*error;	/* prefix of res.error */
};

/*
 * An answer's body given inline, which of the two readers of parse_send
 * must take it (jsonscan, or jansson when the scanner cannot answer),
 * and how it must be classified. With twin, the body with one member
 * more that only jansson reads must be classified alike.
 */
struct at_body_case {
	const char		*body;
	size_t			 len;		/* 0: strlen(body) */
	bool			 scanned;
	enum send_status	 want;
	const char		*ref;
	const char		*error;		/* prefix of res.error */
	bool			 twin;
};

/* A status callback's form and what parse_status must make of it. */
struct at_status_case {
	const char	*form;
	int		 rc;
	enum dstate	 state;
	const char	*error;		/* rep.error, or err on -1 */
};

/* An inbound SMS's form and what parse_inbound must make of it. */
struct at_inbound_case {
	const char	*form;
	int		 rc;
	const char	*id, *from, *to, *text;	/* or err */
};

/* A section init must refuse, and what its error must say. */
struct at_init_case {
	const char	*del;		/* key removed */
	const char	*key, *value;	/* key set */
	int		 field;		/* 1 base_url, 2 from, 3 pub */
	const char	*want;		/* in the error */
};

void		 at_section_init(struct at_section *, const struct at_conf *);
void		 at_section_set(struct at_section *, const char *,
		    const char *);
void		 at_section_del(struct at_section *, const char *);
void		 at_env(const struct at_section *, struct adapter_env *);
struct adapter	*at_make(const struct at_section *);
char		*at_load(const char *, const char *, size_t *);
void		 at_hook_form(struct hook_request *, struct kvlist *,
		    struct kvlist *, const char *, const char *,
		    const char *);
void		 at_parse_send(struct adapter *, const char *,
		    const struct at_send_case *, size_t, const char *, bool);
void		 at_parse_bodies(struct adapter *, long,
		    const struct at_body_case *, size_t, const char *const *,
		    size_t);
void		 at_parse_status(struct adapter *,
		    const struct at_status_case *, size_t, const char *,
		    const char *);
void		 at_parse_inbound(struct adapter *,
		    const struct at_inbound_case *, size_t, const char *,
		    const char *, const char *, const char *);
void		 at_init_errors(const struct at_conf *,
		    const struct at_init_case *, size_t, const char *);

#endif /* VARSEL_ADAPTER_TEST_H */
