/*
 * Helpers the store tests share (test_store_*.c, one file per store*.c):
 * a fresh database per test in its own mkdtemp folder, on a file or on
 * ":memory:" (BOTH runs a test on each), rows added the short way,
 * callbacks that record what a list passed them, and a second
 * connection's look at the file. They assert with cmocka: a failed check
 * fails the test that called them.
 */
#ifndef VARSEL_STORE_TEST_H
#define VARSEL_STORE_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define NOW	1700000000000LL

/* One test's database and its folder. */
struct st_ctx {
	bool		 memory;
	char		 dir[64];
	char		 path[128];
	struct store	*s;
};

/* Claimed rows, recorded by st_claim_cb. */
struct st_claims {
	int64_t		 ids[64];
	int		 attempts[64];
	int		 states[64];
	int		 n;
	int		 stop_after;	/* return -1 after this many; 0 never */
};

/* Claimed callbacks, recorded by st_callback_cb. */
struct st_cbs {
	int64_t		 ids[16];
	int		 attempts[16];
	int64_t		 next_at[16];
	char		 events[16][32];
	char		 errors[16][32];
	int		 n;
	int		 stop_after;	/* return -1 after this many; 0 never */
};

extern const bool	st_on_file;
extern const bool	st_in_memory;

int	 st_setup(void **);
int	 st_teardown(void **);
void	 st_reopen(struct st_ctx *);
int64_t	 st_add_alert(struct store *, const char *, int64_t);
int64_t	 st_add_delivery(struct store *, int64_t, const char *, int, int64_t,
	    int);
int	 st_state_of(struct store *, int64_t);
int	 st_claim_cb(const struct delivery *, void *);
bool	 st_claimed(const struct st_claims *, int64_t);
int64_t	 st_add_alert_v2(struct store *, const char *, bool, int64_t, int64_t,
	    int64_t, const char *);
int64_t	 st_add_delivery_v2(struct store *, int64_t, const char *, int, int,
	    int, const char *, int64_t, int64_t);
/*
 * A delivery of alert to phone in state, created at created, whose text
 * is stored once (store_body_insert: body_id); *body_id gets the body's
 * id when not NULL, and a body_id > 0 given in it is used instead.
 */
int64_t	 st_add_stored_body(struct store *, int64_t alert,
	    const char *phone, const char *text, int state, int64_t created,
	    int64_t *body_id);
void	 st_add_contact(struct store *, const char *, unsigned int,
	    const char *, bool, double, double);
int	 st_alert_list_cb(const struct alert_row *, void *);
int	 st_count_cb(const struct delivery *, void *);
int	 st_recipient_cb(const struct recipient *, void *);
void	 st_name_count_cb(const char *, int64_t, void *);
int	 st_callback_cb(const struct callback_row *, void *);
int64_t	 st_sql_int(const char *, const char *);

/* Run a test on a file database and on ":memory:", or on a file only. */
/*
 * The rows where the counts the store keeps (delivery_totals,
 * alert_totals with the answers, queue_totals) and a count of the
 * deliveries themselves differ, both ways: 0 when they agree. For
 * st_sql_int on a file.
 */
#define COUNTS_DIFFER \
	"WITH real(k, a, b, n) AS (" \
	"SELECT 't', coalesce(provider, '') || '/' || channel, state, " \
	"  count(*) FROM deliveries GROUP BY 2, 3 " \
	"UNION ALL SELECT 'a', alert_id, state, count(*) FROM deliveries " \
	"  WHERE alert_id IS NOT NULL GROUP BY 2, 3 " \
	"UNION ALL SELECT 'a', alert_id, CASE ack WHEN 1 THEN 100 ELSE 101 " \
	"  END, count(*) FROM deliveries WHERE alert_id IS NOT NULL AND " \
	"  ack <> 0 GROUP BY 2, 3 " \
	"UNION ALL SELECT 'a', alert_id, 102, count(*) FROM deliveries " \
	"  WHERE alert_id IS NOT NULL AND in_doubt <> 0 GROUP BY 2 " \
	"UNION ALL SELECT 'a', alert_id, 103, count(DISTINCT phone) " \
	"  FROM deliveries WHERE alert_id IS NOT NULL AND " \
	"  (state = 3 OR state = 9 OR ack <> 0) GROUP BY 2 " \
	"UNION ALL SELECT 'q', priority, 0, sum(segments) FROM deliveries " \
	"  WHERE state = 0 GROUP BY 2 " \
	"UNION ALL SELECT 'i', coalesce(keyword, ''), 0, count(*) " \
	"  FROM inbound GROUP BY 2), " \
	"kept(k, a, b, n) AS (" \
	"SELECT 't', provider || '/' || channel, state, n " \
	"  FROM delivery_totals WHERE n <> 0 " \
	"UNION ALL SELECT 'a', alert_id, what, n FROM alert_totals " \
	"  WHERE n <> 0 " \
	"UNION ALL SELECT 'q', priority, 0, segments FROM queue_totals " \
	"  WHERE segments <> 0 " \
	"UNION ALL SELECT 'i', keyword, 0, n FROM inbound_totals " \
	"  WHERE n <> 0) " \
	"SELECT (SELECT count(*) FROM (SELECT * FROM real EXCEPT " \
	"  SELECT * FROM kept)) + (SELECT count(*) FROM (SELECT * FROM kept " \
	"  EXCEPT SELECT * FROM real))"

#define BOTH(f) \
	cmocka_unit_test_prestate_setup_teardown(f, st_setup, st_teardown, \
	    (void *)&st_on_file), \
	cmocka_unit_test_prestate_setup_teardown(f, st_setup, st_teardown, \
	    (void *)&st_in_memory)
#define FILE_ONLY(f) \
	cmocka_unit_test_prestate_setup_teardown(f, st_setup, st_teardown, \
	    (void *)&st_on_file)

#endif /* VARSEL_STORE_TEST_H */
