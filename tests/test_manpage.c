/*
 * varsel.conf(5) and the configuration agree: every key of the option
 * tables of gateway/config.c is on the page in its section with the same
 * default, range and "Required.", every key on the page is in a table,
 * and the keys of each adapter type are those its adapter takes. A key
 * added, renamed or given a new default without the page fails here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "gateway/config.h"

#define MAX_KEYS	256

/* A key as the page documents it. */
struct doc_key {
	char	section[48];	/* "gateway", ..., "type 46elks" */
	char	key[48];
	char	def[96];	/* "none" when the page says so */
	char	range[64];
	int	required;
	int	has_default;
	int	seen;		/* matched with a table row or adapter key */
};

static struct doc_key	keys[MAX_KEYS];
static size_t		nkeys;

/* The section an .Ss line names, or "" for a section of no keys. */
static void
doc_section(const char *line, char *out, size_t len)
{
	const char	*p;

	if ((p = strstr(line, " of type ")) != NULL &&
	    strstr(line, "[provider") != NULL)
		snprintf(out, len, "type %s", p + 9);
	else if (strstr(line, "[gateway]") != NULL)
		snprintf(out, len, "gateway");
	else if (strstr(line, "[dispatch]") != NULL)
		snprintf(out, len, "dispatch");
	else if (strstr(line, "[provider") != NULL)
		snprintf(out, len, "provider");
	else if (strstr(line, "[client") != NULL)
		snprintf(out, len, "client");
	else if (strstr(line, "[user") != NULL)
		snprintf(out, len, "user");
	else
		snprintf(out, len, "%s", "");
}

/* Read the page's keys into keys[]. */
static void
doc_read(void)
{
	const char	*src = getenv("VARSEL_SRCDIR");
	char		 path[4096], line[1024], section[48] = "";
	char		*p, *semi;
	struct doc_key	*k = NULL;
	FILE		*fp;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/doc/varsel.conf.5",
	    src != NULL ? src : "..");
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("cannot read %s", path);
	nkeys = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Ss ", 4) == 0 || strncmp(line, ".Sh ",
		    4) == 0) {
			doc_section(line + 4, section, sizeof(section));
			k = NULL;
		} else if (strncmp(line, ".It Ic ", 7) == 0 && section[0]) {
			assert_true(nkeys < MAX_KEYS);
			k = &keys[nkeys++];
			memset(k, 0, sizeof(*k));
			snprintf(k->section, sizeof(k->section), "%s", section);
			n = strcspn(line + 7, " ");
			snprintf(k->key, sizeof(k->key), "%.*s", (int)n,
			    line + 7);
		} else if (k != NULL && strcmp(line, "Required.") == 0)
			k->required = 1;
		else if (k != NULL && strncmp(line, "Default: ", 9) == 0) {
			p = line + 9;
			n = strlen(p);
			if (n > 0 && p[n - 1] == '.')
				p[--n] = '\0';
			if ((semi = strstr(p, "; range: ")) != NULL) {
				snprintf(k->range, sizeof(k->range), "%s",
				    semi + 9);
				*semi = '\0';
			}
			snprintf(k->def, sizeof(k->def), "%s", p);
			k->has_default = 1;
		}
	}
	fclose(fp);
}

/* The page's key in section, or NULL. */
static struct doc_key *
doc_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

/* Every row of the tables is on the page, as the table has it. */
static void
test_manpage_tables(void **state)
{
	struct config_doc	 d;
	struct doc_key		*k;
	size_t			 i;
	int			 bad = 0;

	doc_read();
	assert_true(nkeys > 30);
	for (i = 0; config_doc_nth(i, &d) == 0; i++) {
		if ((k = doc_find(d.section, d.key)) == NULL) {
			print_error("[%s] %s: not in varsel.conf(5)\n",
			    d.section, d.key);
			bad++;
			continue;
		}
		k->seen = 1;
		if (d.required != k->required) {
			print_error("[%s] %s: required %d, the page says "
			    "%d\n", d.section, d.key, d.required, k->required);
			bad++;
		}
		if (d.required)
			continue;
		if (!k->has_default) {
			print_error("[%s] %s: no \"Default:\" line on the "
			    "page\n", d.section, d.key);
			bad++;
			continue;
		}
		if (strcmp(d.def != NULL ? d.def : "none", k->def) != 0) {
			print_error("[%s] %s: default %s, the page says %s\n",
			    d.section, d.key, d.def ? d.def : "none", k->def);
			bad++;
		}
		if (strcmp(d.range, k->range) != 0) {
			print_error("[%s] %s: range '%s', the page says '%s'\n",
			    d.section, d.key, d.range, k->range);
			bad++;
		}
	}
	assert_true(i > 30);
	/* The adapters' own keys, by type. */
	{
		const struct adapter_ops	*ops;
		char				 sec[48];
		size_t				 a, j;

		for (a = 0; (ops = adapter_nth(a)) != NULL; a++) {
			snprintf(sec, sizeof(sec), "type %s", ops->type);
			for (j = 0; ops->keys != NULL && ops->keys[j] != NULL;
			    j++) {
				if ((k = doc_find(sec, ops->keys[j])) ==
				    NULL) {
					print_error("type %s: key %s: not in "
					    "varsel.conf(5)\n", ops->type,
					    ops->keys[j]);
					bad++;
				} else
					k->seen = 1;
			}
		}
	}
	for (i = 0; i < nkeys; i++)
		if (!keys[i].seen) {
			print_error("varsel.conf(5) documents %s in [%s], "
			    "which the configuration does not take\n",
			    keys[i].key, keys[i].section);
			bad++;
		}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manpage_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
