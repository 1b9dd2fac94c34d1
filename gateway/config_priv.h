/*
 * Private to config*.c: the INI file as read (sections of key = value
 * entries with their lines), the errors collected while reading and
 * checking it, and the reader (config_ini.c) that config.c checks
 * against its option tables.
 */
#ifndef VARSEL_CONFIG_PRIV_H
#define VARSEL_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_BYTES	(1024 * 1024)
#define CONFIG_NAME_MAX		32	/* provider, client, user names */
#define CONFIG_SHOW_MAX		40	/* bytes of a bad value in errors */

enum config_sec_kind {
	CONFIG_SEC_GATEWAY,
	CONFIG_SEC_DISPATCH,
	CONFIG_SEC_PROVIDER,
	CONFIG_SEC_CLIENT,
	CONFIG_SEC_USER
};

/* One key = value line. */
struct config_ent {
	char	*key;
	char	*value;
	int	 line;
};

/* One [section] with its entries, as written. */
struct config_sec {
	enum config_sec_kind	 kind;
	char			*name;		/* of a provider/client */
	char			*label;		/* "gateway", "provider sim" */
	int			 line;
	bool			 ignore;	/* bad header: no entries */
	bool			 dup;		/* checked, then thrown away */
	struct config_ent	*ents;
	size_t			 nents;
};

/* One error, kept until all are sorted by line. */
struct config_err {
	int	 line;		/* 0: about the whole file */
	size_t	 seq;
	char	*text;		/* "key: what" */
};

/* The state of one config_load. */
struct config_loader {
	const char		*file;
	struct config_sec	*secs;
	size_t			 nsecs;
	struct config_err	*errs;
	size_t			 nerrs;
	bool			 secrets;	/* has a password or such */
};

/* Record an error "key: what" (key NULL: "what") at line (0: no line). */
void	config_error(struct config_loader *, int line, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A value as an error shows it: at most CONFIG_SHOW_MAX bytes, printable. */
void	config_show(const char *, char *buf, size_t len);
/* Every error, sorted by line, "file:line: key: what" per line, into err. */
void	config_errors_out(struct config_loader *, char *err, size_t errlen);
/*
 * Read path into ld's sections; *exposed tells whether others may read
 * the file. 0, or -1 when it cannot be read at all (an error recorded).
 */
int	config_read(struct config_loader *, const char *path, bool *exposed);
/* Strict decimal integer; 0 or -1. */
int	config_parse_long(const char *, long *);
/* Free the sections and errors of a load. */
void	config_loader_clear(struct config_loader *);

/*
 * config_values.c: values checked beyond their type; each records its
 * error and returns -1, or stores what it read and returns 0.
 */
struct config;
/* listen = host:port (IPv6 as [::1]:8025), into cfg. */
int	config_check_listen(struct config_loader *, const struct config_ent *,
	    struct config *);
/* An http(s) URL with a host, trailing slashes dropped, into *out. */
int	config_check_url(struct config_loader *, const struct config_ent *,
	    char **out);
/* A sender: a name of at most 11 letters, digits, spaces, or +E.164. */
int	config_check_from(struct config_loader *, const struct config_ent *);
/* A registered adapter type. */
int	config_check_type(struct config_loader *, const struct config_ent *);
/* Space-separated scope names, into *out as bits. */
int	config_check_scopes(struct config_loader *, const struct config_ent *,
	    unsigned int *out);
/* Space-separated numeric IP addresses. */
int	config_check_addrs(struct config_loader *, const struct config_ent *);

#endif
