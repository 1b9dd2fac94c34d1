/*
 * varselctl: the command-line client of varseld's HTTP API. What the
 * subcommand files share: the options, one blocking HTTP call that
 * returns the status and the parsed JSON, error printing, durations,
 * and an RFC 4180 CSV reader that knows each record's line number.
 */
#ifndef VARSEL_CTL_H
#define VARSEL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define CTL_OK		0	/* exit codes */
#define CTL_FAIL	1	/* the API said no, rows rejected, problems */
#define CTL_USAGE	2	/* bad arguments */

#ifndef VARSEL_SYSCONFDIR
#define VARSEL_SYSCONFDIR	"/etc"
#endif
/* varseld's configuration when neither -c nor $VARSEL_CONF names one. */
#define CTL_DEFAULT_CONF	VARSEL_SYSCONFDIR "/varsel/varsel.conf"

/* The global options. */
struct ctl {
	const char	*url;		/* API base, no trailing slash */
	const char	*token;		/* bearer token, or NULL */
	const char	*secret;	/* hmac_secret of the client, or NULL */
	const char	*conf;		/* varseld's config file, or NULL */
	const char	*cacert;	/* CA file for an https URL, or NULL:
					   the system's */
	FILE		*out;		/* results (stdout) */
	FILE		*err;		/* problems (stderr) */
	bool		 json;		/* --json: the API's answers as they
					   are, for scripts */
};

/*
 * A column of a table or a line of fields: its title, and the dotted
 * path of its value in each JSON row ("counts.delivered").
 */
struct ctl_col {
	const char	*title;
	const char	*path;
};

/* The answer to one HTTP call. */
struct ctl_reply {
	long		 status;	/* HTTP status */
	json_t		*json;		/* the body if it is JSON, else NULL */
	char		*body;		/* the raw body, NUL-terminated */
	size_t		 len;
};

/*
 * One blocking call: method path (after the base URL), with body of
 * content_type if body is not NULL. Returns 0 with r filled for any HTTP
 * answer (check r->status), -1 after printing why no answer came.
 */
int		 ctl_http(const struct ctl *, const char *method,
		    const char *path, const char *content_type,
		    const char *body, size_t len, struct ctl_reply *r);
/* POST a JSON value (not consumed); as ctl_http. */
int		 ctl_http_json(const struct ctl *, const char *path,
		    const json_t *, struct ctl_reply *r);
void		 ctl_reply_free(struct ctl_reply *);
/*
 * Print an unexpected answer to c->err: "varselctl: what: 422
 * invalid_field (vars.place): missing variable: place".
 */
void		 ctl_api_error(const struct ctl *, const char *what,
		    const struct ctl_reply *);

/* ---- ctl_out.c: what a command prints -------------------------------- */

/* rows (a JSON array of objects) as a table of cols; --json: as JSON. */
void		 ctl_print_table(const struct ctl *, const struct ctl_col *,
		    size_t ncols, const json_t *rows);
/* An object as "title: value" lines (absent values left out); --json. */
void		 ctl_print_fields(const struct ctl *, const struct ctl_col *,
		    size_t ncols, const json_t *o);
void		 ctl_print_json(const struct ctl *, const json_t *);
/* The value at path in o as text ("-" for null or missing). */
void		 ctl_value_text(const json_t *o, const char *path, char *buf,
		    size_t len);
/*
 * method path (no body); the answer if its status is want and it is a
 * JSON object (to json_decref), else NULL after printing why.
 */
json_t		*ctl_call(const struct ctl *, const char *method,
		    const char *path, long want);
/* The alert id argument of what; CTL_OK or CTL_USAGE (printed). */
int		 ctl_id(struct ctl *, const char *what, const char *s,
		    long long *id);
/* GET path answered 200: ctl_call(c, "GET", path, 200). */
json_t		*ctl_get(const struct ctl *, const char *path);

/* "90d", "1h", "15m", "30s", "2w" or plain seconds; -1 if not one. */
int64_t		 ctl_duration(const char *);

/* A CSV input: a file read record by record. */
struct ctl_csv {
	FILE		*fp;
	const char	*name;		/* for messages */
	int		 line;		/* physical lines read so far */
	bool		 started;	/* the BOM check is done */
	bool		 eof;
};

/* One record: its fields and the line it starts on. */
struct ctl_csv_rec {
	char		**v;
	size_t		 n;
	int		 line;
};

/* Read fp (not closed by ctl_csv_*); name appears in messages. */
void		 ctl_csv_init(struct ctl_csv *, FILE *fp, const char *name);
/*
 * The next record. Returns 1 with rec filled (free with
 * ctl_csv_rec_free), 0 at the end, or -1 for a malformed record with
 * why in err ("a quoted field is not closed") and its first line in
 * rec->line (no fields); reading goes on after it. Quoted fields may
 * hold commas, "" and line breaks; a UTF-8 BOM, CRLF and blank lines
 * are taken in stride.
 */
int		 ctl_csv_read(struct ctl_csv *, struct ctl_csv_rec *rec,
		    char *err, size_t errlen);
void		 ctl_csv_rec_free(struct ctl_csv_rec *);
/* Write one field to fp, quoted when it has to be. */
void		 ctl_csv_put(FILE *fp, const char *field);
/*
 * A text a person typed (a name): one that begins with = + - @, a tab or
 * a CR gets an apostrophe first, so that a spreadsheet shows it instead
 * of running it as a formula. ctl_csv_unguard reads it back.
 */
void		 ctl_csv_put_text(FILE *fp, const char *field);
const char	*ctl_csv_unguard(const char *field);

/* The subcommands: argv[0] is the subcommand's last word. */
int		 ctl_contacts_import(struct ctl *, int argc, char **argv);
int		 ctl_contacts_export(struct ctl *, int argc, char **argv);
int		 ctl_alerts_send(struct ctl *, int argc, char **argv);
int		 ctl_alerts_preview(struct ctl *, int argc, char **argv);
int		 ctl_alerts_list(struct ctl *, int argc, char **argv);
int		 ctl_alerts_show(struct ctl *, int argc, char **argv);
int		 ctl_alerts_cancel(struct ctl *, int argc, char **argv);
int		 ctl_alerts_deliveries(struct ctl *, int argc, char **argv);
int		 ctl_contacts_show(struct ctl *, int argc, char **argv);
int		 ctl_contacts_delete(struct ctl *, int argc, char **argv);
int		 ctl_contacts_history(struct ctl *, int argc, char **argv);
int		 ctl_groups(struct ctl *, int argc, char **argv);
int		 ctl_alerts_status(struct ctl *, int argc, char **argv);
int		 ctl_alerts_purge(struct ctl *, int argc, char **argv);
int		 ctl_alerts_sim(struct ctl *, int argc, char **argv);
int		 ctl_templates_check(struct ctl *, int argc, char **argv);
int		 ctl_backup(struct ctl *, int argc, char **argv);
int		 ctl_restore(struct ctl *, int argc, char **argv);
int		 ctl_user_add(struct ctl *, int argc, char **argv);
int		 ctl_alerts_approve(struct ctl *, int argc, char **argv);
int		 ctl_alerts_report(struct ctl *, int argc, char **argv);
int		 ctl_inbox(struct ctl *, int argc, char **argv);
int		 ctl_audit(struct ctl *, int argc, char **argv);

#endif
