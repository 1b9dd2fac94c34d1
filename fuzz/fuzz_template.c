/*
 * Fuzz templates, both ways text gets into them. The first byte picks:
 *
 * - even: render one of the project's templates/ (name picked by the
 *   second byte) with the rest as the language and the variables'
 *   values, split at NUL bytes: values come from alert requests and
 *   inbound SMS. Every variable given means a rendering; values go in
 *   verbatim, and without braces in them no {{ is left.
 * - odd: the rest, split at a NUL byte, is written as fz.sv.sms and
 *   fz.en.sms into a temporary folder, then templates_load,
 *   templates_check_dir and a rendering with every variable set. The
 *   files are the operators', but the parser must hold anyway: what
 *   loads is valid UTF-8, and renders.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <unistd.h>

#include "fuzz.h"
#include "gateway/template.h"
#include "gateway/util.h"

#define TPF_MAX_NAMES	64
#define TPF_MAX_VARS	16

/* Variables for one rendering. */
struct tpf_vars {
	struct tvar	 v[TPF_MAX_VARS];
	size_t		 n;
	char		*values[TPF_MAX_VARS];	/* from the input */
	size_t		 nvalues;
	bool		 missing;	/* more names than values */
};

static struct templates	*tpf_set;
static char		*tpf_names[TPF_MAX_NAMES];
static size_t		 tpf_nnames;
static char		 tpf_dir[64];
static char		 tpf_sv[96], tpf_en[96];

/* Remove the temporary folder at exit. */
static void
tpf_cleanup(void)
{
	size_t	i;

	unlink(tpf_sv);
	unlink(tpf_en);
	rmdir(tpf_dir);
	templates_free(tpf_set);
	for (i = 0; i < tpf_nnames; i++)
		free(tpf_names[i]);
}

/* Load templates/, list its names, make the temporary folder. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	DIR		*d;
	struct dirent	*de;
	char		 err[512], *dot;
	const char	*tmp = getenv("TMPDIR");
	size_t		 i, n;

	fuzz_quiet_logs();
	tpf_set = templates_load(VARSEL_SRCDIR "/templates", err,
	    sizeof(err));
	if (tpf_set == NULL || (d = opendir(VARSEL_SRCDIR "/templates")) ==
	    NULL) {
		fprintf(fuzz_stderr(), "fuzz_template: %s\n", err);
		abort();
	}
	while ((de = readdir(d)) != NULL && tpf_nnames < TPF_MAX_NAMES) {
		if (de->d_name[0] == '.' ||
		    (dot = strchr(de->d_name, '.')) == NULL)
			continue;
		n = (size_t)(dot - de->d_name);
		for (i = 0; i < tpf_nnames; i++)
			if (strlen(tpf_names[i]) == n &&
			    strncmp(tpf_names[i], de->d_name, n) == 0)
				break;
		if (i == tpf_nnames)
			tpf_names[tpf_nnames++] = xstrndup(de->d_name, n);
	}
	closedir(d);
	snprintf(tpf_dir, sizeof(tpf_dir), "%s/fuzz_template.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (tpf_nnames == 0 || mkdtemp(tpf_dir) == NULL) {
		fprintf(fuzz_stderr(), "fuzz_template: no names or no "
		    "temporary folder\n");
		abort();
	}
	snprintf(tpf_sv, sizeof(tpf_sv), "%s/fz.sv.sms", tpf_dir);
	snprintf(tpf_en, sizeof(tpf_en), "%s/fz.en.sms", tpf_dir);
	atexit(tpf_cleanup);
	return 0;
}

/* template_vars callback: the next input value, or note it is missing. */
static void
tpf_var_cb(const char *name, void *arg)
{
	struct tpf_vars	*tv = arg;

	if (tv->n == TPF_MAX_VARS || tv->n >= tv->nvalues) {
		tv->missing = true;
		return;
	}
	tv->v[tv->n].name = xstrdup(name);
	tv->v[tv->n].value = tv->values[tv->n];
	tv->n++;
}

/* Free the names tpf_var_cb copied. */
static void
tpf_vars_free(struct tpf_vars *tv)
{
	size_t	i;

	for (i = 0; i < tv->n; i++)
		free((char *)tv->v[i].name);
	tv->n = 0;
}

/*
 * Render name/kind in lang and hold it to the promises above; with
 * each_used, every variable is used in every language (as templates_check
 * demands of the project's set), so every value shows in the text.
 */
static void
tpf_render(const struct templates *ts, const char *name, const char *kind,
    const char *lang, struct tpf_vars *tv, bool each_used)
{
	char	*out, missing[32], err[256];
	bool	 braces = false;
	size_t	 i;

	template_vars(ts, name, kind, tpf_var_cb, tv);
	out = template_render(ts, name, kind, lang, tv->v, tv->n, missing,
	    sizeof(missing), err, sizeof(err));
	for (i = 0; i < tv->n; i++)
		if (strpbrk(tv->v[i].value, "{}") != NULL)
			braces = true;
	if (out == NULL) {
		FUZZ_ASSERT(fuzz_terminated(missing, sizeof(missing)));
		FUZZ_ASSERT(fuzz_terminated(err, sizeof(err)));
		/* Only a template that does not exist or a missing value. */
		FUZZ_ASSERT(tv->missing || templates_lang(ts, name, kind,
		    lang) == NULL);
	} else {
		if (!braces)
			FUZZ_ASSERT(strstr(out, "{{") == NULL);
		for (i = 0; each_used && i < tv->n; i++)
			FUZZ_ASSERT(strstr(out, tv->v[i].value) != NULL);
		free(out);
	}
	tpf_vars_free(tv);
}

/* Render a project template with values from the input. */
static void
tpf_values(const uint8_t *data, size_t len)
{
	struct tpf_vars	 tv;
	char		*f[FUZZ_MAX_FIELDS], *buf;
	const char	*name;
	size_t		 n, i;

	if (len < 1)
		return;
	name = tpf_names[data[0] % tpf_nnames];
	n = fuzz_split(data + 1, len - 1, '\0', f, FUZZ_MAX_FIELDS, &buf);
	memset(&tv, 0, sizeof(tv));
	for (i = 1; i < n; i++)
		tv.values[tv.nvalues++] = f[i];
	tpf_render(tpf_set, name, "sms", f[0], &tv, true);
	tv.missing = false;
	tpf_render(tpf_set, name, "voice", f[0], &tv, true);
	free(buf);
}

/* Write s as path; aborts if it cannot. */
static void
tpf_write(const char *path, const char *s)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(s, 1, strlen(s), fp) != strlen(s) || fclose(fp) != 0) {
		fprintf(fuzz_stderr(), "fuzz_template: cannot write %s\n",
		    path);
		abort();
	}
}

/* No report lines wanted, only their count. */
static void
tpf_report_cb(const char *line, void *arg)
{
	FUZZ_ASSERT(line != NULL && line[0] != '\0');
	(*(int *)arg)++;
}

/* Load the input as two template files and render them. */
static void
tpf_files(const uint8_t *data, size_t len)
{
	static const char *const names[] = { "fz", NULL };
	static const char *const langs[] = { "sv", "en", NULL };
	static char		  values[TPF_MAX_VARS][2] = { "" };
	struct templates	 *ts;
	struct tpf_vars		  tv;
	char			 *f[2], *buf, err[1024];
	size_t			  n, i;
	int			  lines = 0, problems;

	n = fuzz_split(data, len, '\0', f, 2, &buf);
	tpf_write(tpf_sv, f[0]);
	tpf_write(tpf_en, n > 1 ? f[1] : f[0]);
	ts = templates_load(tpf_dir, err, sizeof(err));
	problems = templates_check_dir(tpf_dir, names, langs, 3,
	    tpf_report_cb, &lines);
	FUZZ_ASSERT(problems == lines);
	if (ts == NULL) {
		FUZZ_ASSERT(err[0] != '\0' && problems > 0);
	} else {
		/* What loads is UTF-8 and renders with every variable. */
		FUZZ_ASSERT(fuzz_utf8_ok((unsigned char *)f[0],
		    strlen(f[0])));
		memset(&tv, 0, sizeof(tv));
		for (i = 0; i < TPF_MAX_VARS; i++) {
			values[i][0] = (char)('a' + i);
			tv.values[tv.nvalues++] = values[i];
		}
		tpf_render(ts, "fz", "sms", "sv", &tv, false);
		tv.missing = false;
		tpf_render(ts, "fz", "sms", "fi", &tv, false);
		templates_free(ts);
	}
	free(buf);
}

/* Pick the way in by the first byte. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1)
		return 0;
	if (data[0] % 2 == 0)
		tpf_values(data + 1, len - 1);
	else
		tpf_files(data + 1, len - 1);
	return 0;
}
