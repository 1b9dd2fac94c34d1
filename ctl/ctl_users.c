/*
 * varselctl user add NAME --role ROLE [--config FILE] [--password-stdin]:
 * a person for the console. The password is asked twice on the terminal
 * without echo (or read from the first line of standard input) and kept
 * only as an scrypt hash.
 *
 * Without --config the [user NAME] section is printed for the operator
 * to paste into varsel.conf. With --config FILE it is appended to FILE:
 * under an exclusive lock (flock), after checking that FILE loads and
 * has no such user, with the old file kept as FILE.bak, the new one
 * checked again (and FILE.bak put back if it does not load), and the
 * change recorded in the audit of FILE's database. varseld takes it at
 * its next SIGHUP (systemctl reload varseld).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "config.h"
#include "password.h"
#include "store.h"
#include "util.h"

#define CTL_NAME_MAX	32

static int	ctl_users_read_line(FILE *, char *, size_t);
static int	ctl_users_ask(struct ctl *, const char *, char *, size_t);
static bool	ctl_users_name_ok(const char *);
static int	ctl_users_append(struct ctl *, const char *, const char *,
		    const char *, const char *);
static void	ctl_users_audit(struct ctl *, const char *, const char *,
		    const char *);
static char	*ctl_users_slurp(int, size_t *);
static int	ctl_users_copy(const char *, const char *, size_t,
		    mode_t);

/* One line from fp without its newline; -1 at the end or if too long. */
static int
ctl_users_read_line(FILE *fp, char *buf, size_t len)
{
	size_t	n;

	if (fgets(buf, (int)len, fp) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n + 1 >= len)
		return -1;	/* no newline: longer than the buffer */
	buf[n] = '\0';
	return 0;
}

/* Ask twice on the terminal, without echo; 0 or -1 (said why). */
static int
ctl_users_ask(struct ctl *c, const char *name, char *pw, size_t len)
{
	struct termios	 old, quiet;
	char		*again;
	FILE		*tty;
	int		 rv = -1;

	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		fprintf(c->err, "varselctl: user add: no terminal to ask the "
		    "password on (use --password-stdin)\n");
		return -1;
	}
	if (tcgetattr(fileno(tty), &old) == -1) {
		fprintf(c->err, "varselctl: user add: %s\n", strerror(errno));
		fclose(tty);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	again = calloc(1, len);
	if (again == NULL ||
	    tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == -1) {
		fprintf(c->err, "varselctl: user add: cannot turn echo off\n");
		goto out;
	}
	fprintf(tty, "Password for %s: ", name);
	fflush(tty);
	if (ctl_users_read_line(tty, pw, len) == -1)
		goto restore;
	fprintf(tty, "The same again: ");
	fflush(tty);
	if (ctl_users_read_line(tty, again, len) == -1)
		goto restore;
	if (strcmp(pw, again) != 0) {
		fprintf(c->err, "varselctl: user add: the two passwords "
		    "differ; nothing was written\n");
		goto restore;
	}
	rv = 0;
restore:
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
out:
	if (again != NULL)
		free_secret(again);
	fclose(tty);
	return rv;
}

/* A section name: letters, digits, '_' and '-', at most CTL_NAME_MAX. */
static bool
ctl_users_name_ok(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' ||
		    s[n] == '-'))
			return false;
	return n >= 1 && n <= CTL_NAME_MAX;
}

/* The whole of fd (from its start) into a new string; *len its length. */
static char *
ctl_users_slurp(int fd, size_t *len)
{
	char	*buf = NULL, *nb;
	size_t	 cap = 0;
	ssize_t	 n;

	*len = 0;
	if (lseek(fd, 0, SEEK_SET) == -1)
		return NULL;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = (*len + 4096 + 1) * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + *len, cap - *len - 1)) < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
	return buf;
}

/* Write len bytes of text to path (mode), synced; 0 or -1 (errno). */
static int
ctl_users_copy(const char *path, const char *text, size_t len, mode_t mode)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		return -1;
	if (fchmod(fd, mode) == -1 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Append the section to file under a lock, keeping file.bak. */
static int
ctl_users_append(struct ctl *c, const char *file, const char *name,
    const char *role, const char *section)
{
	struct config	*cfg;
	struct stat	 st;
	char		 err[4096], bak[4096], *text = NULL;
	size_t		 len;
	int		 fd, rv = CTL_FAIL;

	if ((fd = open(file, O_RDWR | O_CLOEXEC)) == -1) {
		fprintf(c->err, "varselctl: user add: %s: %s\n", file,
		    strerror(errno));
		return CTL_FAIL;
	}
	/* Another varselctl user add waits here: one writer at a time. */
	if (flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1) {
		fprintf(c->err, "varselctl: user add: %s: %s\n", file,
		    strerror(errno));
		goto out;
	}
	if ((cfg = config_load(file, err, sizeof(err))) == NULL) {
		fprintf(c->err, "%svarselctl: user add: %s does not load as "
		    "it is; nothing was written\n", err, file);
		goto out;
	}
	if (config_user(cfg, name) != NULL) {
		fprintf(c->err, "varselctl: user add: %s has [user %s] "
		    "already (line %d); remove it first to make it anew\n",
		    file, name, config_user(cfg, name)->line);
		config_free(cfg);
		goto out;
	}
	config_free(cfg);
	if ((text = ctl_users_slurp(fd, &len)) == NULL) {
		fprintf(c->err, "varselctl: user add: %s: cannot read it\n",
		    file);
		goto out;
	}
	snprintf(bak, sizeof(bak), "%s.bak", file);
	if (ctl_users_copy(bak, text, len, st.st_mode & 07777) == -1) {
		fprintf(c->err, "varselctl: user add: %s: %s\n", bak,
		    strerror(errno));
		goto out;
	}
	if (lseek(fd, 0, SEEK_END) == -1 ||
	    (len > 0 && text[len - 1] != '\n' && write(fd, "\n", 1) != 1) ||
	    write(fd, "\n", 1) != 1 ||
	    write(fd, section, strlen(section)) != (ssize_t)strlen(section) ||
	    fsync(fd) == -1) {
		fprintf(c->err, "varselctl: user add: %s: %s; putting %s "
		    "back\n", file, strerror(errno), bak);
		ctl_users_copy(file, text, len, st.st_mode & 07777);
		goto out;
	}
	if ((cfg = config_load(file, err, sizeof(err))) == NULL) {
		fprintf(c->err, "%svarselctl: user add: %s does not load with "
		    "the new section; putting %s back\n", err, file, bak);
		ctl_users_copy(file, text, len, st.st_mode & 07777);
		goto out;
	}
	config_free(cfg);
	fprintf(c->out, "added [user %s] (role %s) to %s; the old file is "
	    "%s\nlet it take effect: systemctl reload varseld (or kill -HUP "
	    "varseld)\n", name, role, file, bak);
	ctl_users_audit(c, file, name, role);
	rv = CTL_OK;
out:
	free(text);
	flock(fd, LOCK_UN);
	close(fd);
	return rv;
}

/* Record the change in the audit of file's database, if it can be. */
static void
ctl_users_audit(struct ctl *c, const char *file, const char *name,
    const char *role)
{
	struct audit_entry	 e;
	struct config		*cfg;
	struct passwd		*pw;
	struct store		*s;
	const char		*who = getenv("SUDO_USER");
	char			 err[4096], *detail;
	json_t			*o;

	if ((cfg = config_load(file, err, sizeof(err))) == NULL)
		return;
	if ((s = store_open(cfg->database, err, sizeof(err))) == NULL) {
		fprintf(c->err, "varselctl: user add: the audit of %s was not "
		    "written (%s); varseld records the user at its reload\n",
		    cfg->database, err);
		config_free(cfg);
		return;
	}
	if (who == NULL || *who == '\0')
		who = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : "?";
	o = json_pack("{ss ss ss}", "user", name, "role", role, "file",
	    strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file);
	detail = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	memset(&e, 0, sizeof(e));
	e.at = now_ms();
	e.actor_kind = "operator";
	e.actor = who;
	e.via = "varselctl";
	e.action = "user.added";
	e.detail = detail;
	if (store_audit_append(s, &e) == -1)
		fprintf(c->err, "varselctl: user add: the audit row was not "
		    "written\n");
	free(detail);
	store_close(s);
	config_free(cfg);
}

int
ctl_user_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*role = NULL, *file = NULL, *name;
	char		 pw[PASSWORD_MAX_LEN + 2], hash[PASSWORD_HASH_MAX];
	char		 why[160], *section;
	bool		 from_stdin = false;
	int		 ch, rv;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			role = optarg;
			break;
		case 'c':
			file = optarg;
			break;
		case 'p':
			from_stdin = true;
			break;
		default:
			return CTL_USAGE;
		}
	}
	if (optind + 1 != argc || role == NULL)
		return CTL_USAGE;
	name = argv[optind];
	if (!ctl_users_name_ok(name)) {
		fprintf(c->err, "varselctl: user add: '%s': a name is letters, "
		    "digits, '_' and '-', at most %d\n", name, CTL_NAME_MAX);
		return CTL_USAGE;
	}
	if (role_parse(role) == -1) {
		fprintf(c->err, "varselctl: user add: --role %s: one of "
		    "viewer, sender, approver, admin\n", role);
		return CTL_USAGE;
	}
	if (from_stdin) {
		if (ctl_users_read_line(stdin, pw, sizeof(pw)) == -1) {
			fprintf(c->err, "varselctl: user add: no password on "
			    "standard input\n");
			return CTL_FAIL;
		}
	} else if (ctl_users_ask(c, name, pw, sizeof(pw)) == -1)
		return CTL_FAIL;
	if (password_acceptable(pw, why, sizeof(why)) == -1) {
		explicit_bzero(pw, sizeof(pw));
		fprintf(c->err, "varselctl: user add: the password is not good "
		    "enough: %s\n", why);
		return CTL_FAIL;
	}
	rv = password_hash(pw, PASSWORD_LN_DEFAULT, hash, sizeof(hash), why,
	    sizeof(why));
	explicit_bzero(pw, sizeof(pw));
	if (rv == -1) {
		fprintf(c->err, "varselctl: user add: %s\n", why);
		return CTL_FAIL;
	}
	if ((section = str_printf("[user %s]\npassword_hash = %s\nrole = %s\n",
	    name, hash, role)) == NULL) {
		fprintf(c->err, "varselctl: out of memory\n");
		return CTL_FAIL;
	}
	if (file == NULL) {
		fputs(section, c->out);
		fprintf(c->err, "varselctl: add these lines to varsel.conf, "
		    "then systemctl reload varseld\n");
		rv = CTL_OK;
	} else
		rv = ctl_users_append(c, file, name, role, section);
	free(section);
	return rv;
}
