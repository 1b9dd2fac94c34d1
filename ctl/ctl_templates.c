/*
 * varselctl templates check: the template folder and max_segments of
 * varseld's configuration, checked by templates_check before a changed
 * text goes live (and before SIGHUP loads it).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl/ctl.h"
#include "template.h"
#include "util.h"

#define CTL_MAX_LANGS	16

/* The SMS templates the gateway sends by name (alerts and replies). */
static const char *const ctl_required[] = {
	"incident", "all-clear", "nattvandrare-utrop", "trygghetspunkt-oppen",
	"beacon-larm", "reply-trygg", "reply-trygg-unknown", "reply-trygg-none",
	"reply-trygg-ask", "reply-stopp", "reply-start", "reply-start-area",
	"reply-ack-yes", "reply-ack-no", "reply-ack-none", "reply-ack-enough",
	"reply-hjalp", "answer-prompt", NULL
};

/* The languages of the people who live in Nykvarn (issue 6). */
static const char *const ctl_langs[] = {
	"sv", "en", "ar", "fi", "so", "fa", NULL
};

static void	ctl_templates_report(const char *, void *);

/* templates_check callback: one problem per line. */
static void
ctl_templates_report(const char *line, void *arg)
{
	struct ctl	*c = arg;

	fprintf(c->out, "%s\n", line);
}

int
ctl_templates_check(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "langs", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg;
	const char	*langs[CTL_MAX_LANGS + 1], *conf;
	char		*list = NULL, *p, *save, err[4096];
	size_t		 n = 0;
	int		 ch, problems, rv = CTL_USAGE;

	memcpy(langs, ctl_langs, sizeof(ctl_langs));
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c->conf = optarg;
			break;
		case 'l':
			free(list);
			list = xstrdup(optarg);
			n = 0;
			for (p = strtok_r(list, ", ", &save); p != NULL;
			    p = strtok_r(NULL, ", ", &save)) {
				if (n == CTL_MAX_LANGS) {
					fprintf(c->err, "varselctl: --langs: "
					    "at most %d\n", CTL_MAX_LANGS);
					goto out;
				}
				langs[n++] = p;
			}
			langs[n] = NULL;
			break;
		default:
			goto out;
		}
	}
	if (optind != argc)
		goto out;
	conf = c->conf != NULL ? c->conf : CTL_DEFAULT_CONF;
	rv = CTL_FAIL;
	if ((cfg = config_load(conf, err, sizeof(err))) == NULL) {
		fprintf(c->err, "varselctl: configuration %s is not valid:\n"
		    "%s\n", conf, err);
		goto out;
	}
	problems = templates_check_dir(cfg->templates, ctl_required, langs,
	    cfg->max_segments, ctl_templates_report, c);
	if (problems == 0) {
		fprintf(c->out, "templates OK: %s (max_segments %d)\n",
		    cfg->templates, cfg->max_segments);
		rv = CTL_OK;
	} else
		fprintf(c->out, "%d problem%s in %s\n", problems,
		    problems == 1 ? "" : "s", cfg->templates);
	config_free(cfg);
out:
	free(list);
	return rv;
}
