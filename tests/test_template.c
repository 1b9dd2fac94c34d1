/*
 * Tests of message templates: what loads and what is refused, the
 * language fallback, rendering (values verbatim, never expanded), the
 * set check (templates_check), and the templates shipped in templates/
 * in every language.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/sms.h"
#include "gateway/template.h"

#define SMS_MAX_CHARS	160

/* A private folder per test. */
struct tctx {
	char	dir[64];
};

/* Make the test's folder. */
static int
setup(void **state)
{
	struct tctx	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	strcpy(t->dir, "/tmp/test_template.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

/* nftw callback: remove one entry. */
static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the test's folder and all in it. */
static int
teardown(void **state)
{
	struct tctx	*t = *state;

	nftw(t->dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* Write len bytes of text to dir/name. */
static void
put(const char *dir, const char *name, const char *text, size_t len)
{
	char	 path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Write a NUL-terminated text to dir/name. */
static void
puts_file(const char *dir, const char *name, const char *text)
{
	put(dir, name, text, strlen(text));
}

/* Render name/sms/lang with vars; the text (to free) or NULL. */
static char *
render(const struct templates *ts, const char *name, const char *lang,
    const struct tvar *vars, size_t nvars)
{
	char	missing[64], err[256];

	return template_render(ts, name, "sms", lang, vars, nvars, missing,
	    sizeof(missing), err, sizeof(err));
}

/* Files that must be refused, and what the error must say. */
static void
test_template_load_errors(void **state)
{
	static const struct {
		const char	*text;
		size_t		 len;		/* 0: strlen */
		const char	*want;		/* besides the file name */
	} rows[] = {
		{ "Hej \xff d\xe4r", 0, "not valid UTF-8" },
		{ "Latin-1: V\xe4sterg\xe5rd", 0, "not valid UTF-8" },
		{ "overlong \xc0\xaf", 0, "not valid UTF-8" },
		{ "surrogate \xed\xa0\x80", 0, "not valid UTF-8" },
		{ "cut short \xc3", 0, "not valid UTF-8" },
		{ "too high \xf4\x90\x80\x80", 0, "not valid UTF-8" },
		{ "NUL\0inside", 10, "NUL" },
		{ "", 0, "empty" },
		{ "\n", 0, "empty" },
		{ "Hej {{place", 0, "x.sv.sms:1: '{{' without a matching" },
		{ "Rad ett\nHej {{place\n", 0, "x.sv.sms:2: '{{' without" },
		{ "Rad ett\r\nRad tv\xc3\xa5\r\n{{a {{b}}", 0,
		    "x.sv.sms:3: '{{' without" },
		{ "Hej {{Place}}", 0, "x.sv.sms:1: invalid variable name" },
		{ "Hej {{pla-ce}}", 0, "invalid variable name" },
		{ "Hej {{pla ce}}", 0, "invalid variable name" },
		{ "Hej {{pl\xc3\xa5ts}}", 0, "invalid variable name" },
		{ "Hej {{}}", 0, "x.sv.sms:1: empty variable name" },
		{ "a\nb\nc {{  }}", 0, "x.sv.sms:3: empty variable name" },
	};
	struct tctx		*t = *state;
	struct templates	*ts;
	char			 sub[128], err[512];
	size_t			 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%zu", t->dir, i);
		assert_int_equal(mkdir(sub, 0700), 0);
		/* A good file beside the bad one does not save the load. */
		puts_file(sub, "ok.sv.sms", "Hej {{place}}");
		put(sub, "x.sv.sms", rows[i].text,
		    rows[i].len ? rows[i].len : strlen(rows[i].text));
		err[0] = '\0';
		ts = templates_load(sub, err, sizeof(err));
		if (ts != NULL) {
			templates_free(ts);
			fail_msg("row %zu: loaded", i);
		}
		if (strstr(err, "x.sv.sms") == NULL ||
		    strstr(err, rows[i].want) == NULL)
			fail_msg("row %zu: error '%s' should name x.sv.sms and "
			    "say '%s'", i, err, rows[i].want);
	}
}

/* Every bad file is reported, each on its own line. */
static void
test_template_all_errors(void **state)
{
	struct tctx	*t = *state;
	char		 err[512];

	puts_file(t->dir, "a.sv.sms", "{{x");
	puts_file(t->dir, "b.sv.sms", "ok\n{{X}}");
	assert_null(templates_load(t->dir, err, sizeof(err)));
	assert_non_null(strstr(err, "/a.sv.sms:1: "));
	assert_non_null(strstr(err, "\n"));
	assert_non_null(strstr(err, "/b.sv.sms:2: "));
	assert_null(templates_load("/nonexistent/varsel-templates", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/varsel-templates: "));
}

/* Only <name>.<lang>.<sms|voice> regular files are templates. */
static void
test_template_ignored_files(void **state)
{
	struct tctx		*t = *state;
	struct templates	*ts;
	char			 err[256], sub[128];

	puts_file(t->dir, "good.sv.sms", "Hej\n");
	puts_file(t->dir, "good.sv.voice", "Hej i telefon");
	puts_file(t->dir, "README", "\xff not a template");
	puts_file(t->dir, "good.sv.txt", "\xff");
	puts_file(t->dir, "Good.sv.sms", "\xff");
	puts_file(t->dir, "good.SV.sms", "\xff");
	puts_file(t->dir, "good.s.sms", "\xff");
	puts_file(t->dir, "good.svxx.sms", "\xff");
	puts_file(t->dir, "good.sv.sms~", "\xff");
	puts_file(t->dir, ".good.sv.sms", "\xff");
	puts_file(t->dir, "good_x.sv.sms", "\xff");
	puts_file(t->dir, "a.b.sv.sms", "\xff");
	snprintf(sub, sizeof(sub), "%s/folder.sv.sms", t->dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	assert_non_null(ts = templates_load(t->dir, err, sizeof(err)));
	assert_true(templates_has(ts, "good", "sms"));
	assert_true(templates_has(ts, "good", "voice"));
	assert_false(templates_has(ts, "Good", "sms"));
	assert_false(templates_has(ts, "folder", "sms"));
	assert_false(templates_has(ts, "good", "txt"));
	assert_false(templates_has(ts, "other", "sms"));
	templates_free(ts);
}

/* The language asked for, then sv, then the first in sorted order. */
static void
test_template_fallback(void **state)
{
	static const struct {
		const char	*name;
		const char	*kind;
		const char	*lang;
		const char	*want;		/* NULL: no template */
	} rows[] = {
		{ "a", "sms", "de", "de" },
		{ "a", "sms", "en", "en" },
		{ "a", "sms", "sv", "sv" },
		{ "a", "sms", "fr", "sv" },
		{ "a", "sms", NULL, "sv" },
		{ "b", "sms", "en", "en" },
		{ "b", "sms", "fr", "de" },
		{ "b", "sms", "sv", "de" },
		{ "c", "sms", "sv", "fi" },
		{ "c", "sms", "fi", "fi" },
		{ "a", "voice", "en", "sv" },
		{ "b", "voice", "sv", NULL },
		{ "zz", "sms", "sv", NULL },
	};
	struct tctx		*t = *state;
	struct templates	*ts;
	const char		*got;
	char			 err[256], *s;
	size_t			 i;

	puts_file(t->dir, "a.sv.sms", "svenska");
	puts_file(t->dir, "a.en.sms", "english");
	puts_file(t->dir, "a.de.sms", "deutsch");
	puts_file(t->dir, "a.sv.voice", "svenska i telefon");
	puts_file(t->dir, "b.en.sms", "english");
	puts_file(t->dir, "b.fin.sms", "suomi (three letters)");
	puts_file(t->dir, "b.de.sms", "deutsch");
	puts_file(t->dir, "c.fi.sms", "suomi");
	assert_non_null(ts = templates_load(t->dir, err, sizeof(err)));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = templates_lang(ts, rows[i].name, rows[i].kind,
		    rows[i].lang);
		if ((got == NULL) != (rows[i].want == NULL) ||
		    (got != NULL && strcmp(got, rows[i].want) != 0))
			fail_msg("row %zu: %s.%s for %s: got %s, want %s", i,
			    rows[i].name, rows[i].kind,
			    rows[i].lang ? rows[i].lang : "NULL",
			    got ? got : "NULL",
			    rows[i].want ? rows[i].want : "NULL");
	}
	/* Rendering follows the same fallback. */
	assert_non_null(s = render(ts, "a", "fr", NULL, 0));
	assert_string_equal(s, "svenska");
	free(s);
	assert_non_null(s = render(ts, "b", "sv", NULL, 0));
	assert_string_equal(s, "deutsch");
	free(s);
	assert_non_null(s = render(ts, "b", "fin", NULL, 0));
	assert_string_equal(s, "suomi (three letters)");
	free(s);
	templates_free(ts);
}

/* Substitution, blanks in braces, and one final newline stripped. */
static void
test_template_render(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} rows[] = {
		{ "Hej {{place}}!\n", "Hej Torget!" },
		{ "Hej {{ place }} kl {{time}}\r\n", "Hej Torget kl 21:15" },
		{ "{{place}}{{place}}", "TorgetTorget" },
		{ "två rader\n{{time}}\n\n", "två rader\n21:15\n" },
		{ "inga variabler", "inga variabler" },
		{ "{ place } }} {", "{ place } }} {" },
		{ "{{\tplace\t}}", "Torget" },
		{ "{{place_2}}", "andra" },
	};
	const struct tvar	 vars[] = {
		{ "place", "Torget" },
		{ "time", "21:15" },
		{ "place_2", "andra" },
	};
	struct tctx		*t = *state;
	struct templates	*ts;
	char			 sub[128], err[256], *s;
	size_t			 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%zu", t->dir, i);
		assert_int_equal(mkdir(sub, 0700), 0);
		puts_file(sub, "r.sv.sms", rows[i].text);
		ts = templates_load(sub, err, sizeof(err));
		if (ts == NULL)
			fail_msg("row %zu: %s", i, err);
		s = render(ts, "r", "sv", vars, 3);
		if (s == NULL || strcmp(s, rows[i].want) != 0)
			fail_msg("row %zu: got '%s', want '%s'", i,
			    s ? s : "NULL", rows[i].want);
		free(s);
		templates_free(ts);
	}
}

/* A missing variable is named; an unknown template is not a variable. */
static void
test_template_missing(void **state)
{
	const struct tvar	 vars[] = { { "place", "Torget" } };
	struct tctx		*t = *state;
	struct templates	*ts;
	char			 err[256], missing[64];

	puts_file(t->dir, "m.sv.sms", "{{place}} kl {{time}} {{later}}");
	assert_non_null(ts = templates_load(t->dir, err, sizeof(err)));
	strcpy(missing, "junk");
	assert_null(template_render(ts, "m", "sms", "sv", vars, 1, missing,
	    sizeof(missing), err, sizeof(err)));
	assert_string_equal(missing, "time");
	assert_string_equal(err, "missing variable: time");
	/* missing may be NULL. */
	assert_null(template_render(ts, "m", "sms", "sv", NULL, 0, NULL, 0,
	    err, sizeof(err)));
	assert_string_equal(err, "missing variable: place");
	/* A variable with a NULL value counts as missing. */
	{
		const struct tvar nullv[] = { { "place", NULL } };

		assert_null(template_render(ts, "m", "sms", "sv", nullv, 1,
		    missing, sizeof(missing), err, sizeof(err)));
		assert_string_equal(missing, "place");
	}
	strcpy(missing, "junk");
	assert_null(template_render(ts, "nope", "sms", "sv", vars, 1, missing,
	    sizeof(missing), err, sizeof(err)));
	assert_string_equal(missing, "");
	assert_non_null(strstr(err, "nope"));
	templates_free(ts);
}

/* Values go in verbatim: "{{x}}" in a value is text, not a variable. */
static void
test_template_no_recursion(void **state)
{
	const struct tvar	 vars[] = {
		{ "place", "{{time}} och {{secret}} {{" },
		{ "time", "21:15" },
		{ "secret", "LEAK" },
		{ "desc", "100% %s %n \\ }}" },
	};
	struct tctx		*t = *state;
	struct templates	*ts;
	char			 err[256], *s;

	puts_file(t->dir, "n.sv.sms", "Vid {{place}} kl {{time}}: {{desc}}");
	assert_non_null(ts = templates_load(t->dir, err, sizeof(err)));
	assert_non_null(s = render(ts, "n", "sv", vars, 4));
	assert_string_equal(s,
	    "Vid {{time}} och {{secret}} {{ kl 21:15: 100% %s %n \\ }}");
	free(s);
	templates_free(ts);
}

/* Collect template_vars names into a "|"-joined string. */
static void
vars_cb(const char *var, void *arg)
{
	char	*buf = arg;

	strcat(buf, var);
	strcat(buf, "|");
}

/* Each variable of every language, once. */
static void
test_template_vars(void **state)
{
	struct tctx		*t = *state;
	struct templates	*ts;
	char			 err[256], got[256];

	puts_file(t->dir, "v.en.sms", "{{place}} {{extra}} {{ place }}");
	puts_file(t->dir, "v.sv.sms", "{{place}} {{time}} {{place}}");
	puts_file(t->dir, "v.sv.voice", "{{voiceonly}}");
	assert_non_null(ts = templates_load(t->dir, err, sizeof(err)));
	got[0] = '\0';
	template_vars(ts, "v", "sms", vars_cb, got);
	assert_string_equal(got, "place|extra|time|");
	got[0] = '\0';
	template_vars(ts, "v", "voice", vars_cb, got);
	assert_string_equal(got, "voiceonly|");
	got[0] = '\0';
	template_vars(ts, "none", "sms", vars_cb, got);
	assert_string_equal(got, "");
	templates_free(ts);
}

/* Characters of the GSM 03.38 basic set beyond ASCII, as UTF-8. */
static const char *const gsm_extra[] = {
	"£", "¥", "è", "é", "ù", "ì", "ò", "Ç", "Ø", "ø", "Å", "å", "Æ", "æ",
	"ß", "É", "¡", "Ä", "Ö", "Ñ", "Ü", "§", "¿", "ä", "ö", "ñ", "ü", "à",
	"¤",
};

/* Characters of s if all are in one GSM 03.38 septet; -1 if not. */
static int
gsm_chars(const char *s)
{
	size_t	i, k;
	int	n = 0;

	for (i = 0; s[i] != '\0'; n++) {
		if ((unsigned char)s[i] < 0x80) {
			if (strchr("[]{}\\^~|`", s[i]) != NULL ||
			    ((unsigned char)s[i] < 0x20 && s[i] != '\n'))
				return -1;
			i++;
			continue;
		}
		for (k = 0; k < sizeof(gsm_extra) / sizeof(gsm_extra[0]); k++)
			if (strncmp(s + i, gsm_extra[k],
			    strlen(gsm_extra[k])) == 0)
				break;
		if (k == sizeof(gsm_extra) / sizeof(gsm_extra[0]))
			return -1;
		i += strlen(gsm_extra[k]);
	}
	return n;
}

/* The shipped templates load, render in one SMS and say who sends. */
static void
test_template_shipped(void **state)
{
	static const struct {
		const char	*name;
		const char	*vars;		/* what template_vars gives */
		const char	*must;		/* must appear in sv and en */
	} rows[] = {
		{ "incident", "description|emergency_number|place|time|",
		    "112" },
		{ "nattvandrare-utrop", "emergency_number|place|time|", "JA" },
		{ "all-clear", "emergency_number|place|",
		    "Centrumvägen 10, Nykvarn" },
	};
	static const char *const langs[] = { "sv", "en" };
	const struct tvar	 vars[] = {
		{ "place", "Centrumvägen 10, Nykvarn" },
		{ "time", "21:15" },
		{ "description", "Brand i flerfamiljshus" },
		{ "emergency_number", "112" },
	};
	struct templates	*ts;
	const char		*src;
	char			 dir[1024], err[1024], got[256], *s, *p;
	char			 sorted[256], *parts[8];
	size_t			 i, j, k, np;
	int			 n;

	(void)state;
	if ((src = getenv("VARSEL_SRCDIR")) == NULL)
		src = "..";
	snprintf(dir, sizeof(dir), "%s/templates", src);
	ts = templates_load(dir, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* The variables, sorted, are exactly the documented ones. */
		got[0] = '\0';
		template_vars(ts, rows[i].name, "sms", vars_cb, got);
		np = 0;
		for (p = strtok(got, "|"); p != NULL && np < 8;
		    p = strtok(NULL, "|"))
			parts[np++] = p;
		for (j = 0; j < np; j++)
			for (k = j + 1; k < np; k++)
				if (strcmp(parts[k], parts[j]) < 0) {
					p = parts[j];
					parts[j] = parts[k];
					parts[k] = p;
				}
		sorted[0] = '\0';
		for (j = 0; j < np; j++)
			vars_cb(parts[j], sorted);
		assert_string_equal(sorted, rows[i].vars);

		for (j = 0; j < 2; j++) {
			assert_string_equal(templates_lang(ts, rows[i].name,
			    "sms", langs[j]), langs[j]);
			s = render(ts, rows[i].name, langs[j], vars,
			    sizeof(vars) / sizeof(vars[0]));
			if (s == NULL)
				fail_msg("%s.%s: no text", rows[i].name,
				    langs[j]);
			n = gsm_chars(s);
			if (n < 0 || n > SMS_MAX_CHARS)
				fail_msg("%s.%s: %d GSM characters (-1: "
				    "outside GSM 03.38): %s", rows[i].name,
				    langs[j], n, s);
			if (strstr(s, "Nykvarns kommun") == NULL ||
			    strstr(s, rows[i].must) == NULL ||
			    strstr(s, "{{") != NULL)
				fail_msg("%s.%s: %s", rows[i].name, langs[j],
				    s);
			if (strcmp(rows[i].name, "nattvandrare-utrop") == 0 &&
			    strstr(s, "NEJ") == NULL)
				fail_msg("%s.%s: asks for no NEJ",
				    rows[i].name, langs[j]);
			free(s);
		}
	}
	templates_free(ts);
}

/* The names every shipped language must have (issue 6, item 3). */
static const char *const required_names[] = {
	"incident", "all-clear", "nattvandrare-utrop", "trygghetspunkt-oppen",
	"beacon-larm", "reply-trygg", "reply-trygg-unknown", "reply-trygg-none",
	"reply-trygg-ask", "reply-stopp", "reply-start", "reply-start-area",
	"reply-ack-yes", "reply-ack-no", "reply-ack-none", "reply-ack-enough",
	"reply-hjalp", "answer-prompt", NULL
};
static const char *const required_langs[] = {
	"sv", "en", "ar", "fi", "so", "fa", NULL
};

/* The lines templates_check reported, joined with newlines. */
struct lines {
	char	buf[8192];
	int	n;
};

/* templates_check report callback: collect the line. */
static void
lines_cb(const char *line, void *arg)
{
	struct lines	*l = arg;

	l->n++;
	strncat(l->buf, line, sizeof(l->buf) - strlen(l->buf) - 2);
	strcat(l->buf, "\n");
}

/* The shipped templates folder. */
static void
shipped_dir(char *dir, size_t len)
{
	const char	*src;

	if ((src = getenv("VARSEL_SRCDIR")) == NULL)
		src = "..";
	snprintf(dir, len, "%s/templates", src);
}

/* Count the times needle occurs in s. */
static int
count_of(const char *s, const char *needle)
{
	int	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* The shipped set passes the check that varselctl runs. */
static void
test_template_check_shipped(void **state)
{
	struct lines	l;
	char		dir[1024];
	int		n;

	(void)state;
	memset(&l, 0, sizeof(l));
	shipped_dir(dir, sizeof(dir));
	n = templates_check_dir(dir, required_names, required_langs, 4,
	    lines_cb, &l);
	if (n != 0)
		fail_msg("%d problems:\n%s", n, l.buf);
	assert_int_equal(l.n, 0);
	/* The sample values are long enough to matter: 1 segment fails. */
	memset(&l, 0, sizeof(l));
	assert_true(templates_check_dir(dir, required_names, required_langs,
	    1, lines_cb, &l) > 0);
	assert_non_null(strstr(l.buf, ".ar.sms: 2 SMS segments (UCS-2, "));
	/* Only the help text, with its two numbers, takes two in Swedish. */
	assert_non_null(strstr(l.buf, "reply-hjalp.sv.sms: 2 SMS segments"));
	assert_int_equal(count_of(l.buf, ".sv.sms"), 1);
}

/* Rendering values that look like real ones. */
static const struct tvar real_vars[] = {
	{ "place", "Centrumvägen 10, Nykvarn" },
	{ "time", "22:15" },
	{ "description", "Brand i flerfamiljshus" },
	{ "emergency_number", "112" },
	{ "duty_number", "08-721 23 13" },
	{ "name", "Nykvarns bibliotek" },
	{ "address", "Centrumvägen 24 A" },
	{ "hours", "mån-fre 08-16, vid kris dygnet runt" },
	{ "distance", "1,2 km" },
	{ "area", "Lillhagen" },
	{ "alert_id", "4711" },
};

/* Does s hold a character of the UTF-8 list chars (space separated)? */
static bool
has_any(const char *s, const char *chars)
{
	char	 buf[256], *p, *save;

	snprintf(buf, sizeof(buf), "%s", chars);
	for (p = strtok_r(buf, " ", &save); p != NULL;
	    p = strtok_r(NULL, " ", &save))
		if (strstr(s, p) != NULL)
			return true;
	return false;
}

/*
 * Every required SMS in every language: what it must say, GSM-7 in one
 * segment for the Latin-script languages (and no look-alike that only
 * transliteration saves), at most two UCS-2 segments for ar and fa, and
 * the right script: Persian letters in fa, none of them in ar.
 */
static void
test_template_shipped_languages(void **state)
{
	static const struct {
		const char	*name;
		const char	*must[4];	/* in every language */
		int		 most;		/* segments, Latin (RTL: +1) */
		bool		 part;		/* of another text */
	} rows[] = {
		{ "incident", { "Brand i flerfamiljshus",
		    "Centrumvägen 10, Nykvarn", "22:15", "112" }, 1, false },
		{ "all-clear", { "Centrumvägen 10, Nykvarn", "112" }, 1,
		    false },
		{ "nattvandrare-utrop", { "Centrumvägen 10", "22:15", "JA",
		    "NEJ" }, 1, false },
		{ "trygghetspunkt-oppen", { "Nykvarns bibliotek",
		    "Centrumvägen 24 A", "dygnet runt", "112" }, 1, false },
		{ "beacon-larm", { "Nykvarns bibliotek", "Centrumvägen 24 A",
		    "JA", "112" }, 1, false },
		{ "reply-trygg", { "Nykvarns bibliotek", "Centrumvägen 24 A",
		    "1,2 km", "mån-fre 08-16, vid kris dygnet runt" }, 1,
		    false },
		{ "reply-trygg-unknown", { "Centrumvägen 10", "TRYGG 15531" },
		    1, false },
		{ "reply-trygg-none", { "20 ", "112" }, 1, false },
		{ "reply-trygg-ask", { "TRYGG 15531" }, 1, false },
		{ "reply-stopp", { "START" }, 1, false },
		{ "reply-start", { "STOPP" }, 1, false },
		{ "reply-start-area", { "Lillhagen", "STOPP" }, 1, false },
		{ "reply-ack-yes", { "4711", "JA" }, 1, false },
		{ "reply-ack-no", { "4711", "NEJ" }, 1, false },
		{ "reply-ack-none", { "112" }, 1, false },
		{ "reply-ack-enough", { "4711" }, 1, false },
		/* Two numbers: 112 in danger, the larmbord for the rest. */
		{ "reply-hjalp", { "TRYGG", "STOP", "112.",
		    "Södertörns larmbord 08-721 23 13" }, 2, false },
		{ "answer-prompt", { "JA", "NEJ" }, 1, true },
	};
	static const char *const persian = "پ چ ژ گ ک ی";
	struct templates	*ts;
	struct sms_info		 info;
	char			 dir[1024], err[1024], *s, *clean;
	size_t			 i, j, k;
	const char		*lang;
	bool			 changed, rtl;

	(void)state;
	shipped_dir(dir, sizeof(dir));
	if ((ts = templates_load(dir, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (j = 0; (lang = required_langs[j]) != NULL; j++) {
			rtl = strcmp(lang, "ar") == 0 ||
			    strcmp(lang, "fa") == 0;
			assert_string_equal(templates_lang(ts, rows[i].name,
			    "sms", lang), lang);
			s = template_render(ts, rows[i].name, "sms", lang,
			    real_vars, sizeof(real_vars) / sizeof(real_vars[0]),
			    NULL, 0, err, sizeof(err));
			if (s == NULL)
				fail_msg("%s.%s: %s", rows[i].name, lang, err);
			for (k = 0; k < 4 && rows[i].must[k] != NULL; k++)
				if (strstr(s, rows[i].must[k]) == NULL)
					fail_msg("%s.%s lacks '%s': %s",
					    rows[i].name, lang, rows[i].must[k],
					    s);
			assert_non_null(clean = sms_transliterate(s,
			    &changed));
			assert_int_equal(sms_measure(clean, strlen(clean),
			    &info, err, sizeof(err)), 0);
			if (!rtl && (changed || info.encoding != SMS_GSM7 ||
			    info.segments > (size_t)rows[i].most))
				fail_msg("%s.%s: %s, %zu segments%s: %s",
				    rows[i].name, lang,
				    sms_encoding_name(info.encoding),
				    info.segments, changed ?
				    ", transliterated" : "", s);
			if (rtl && (info.encoding != SMS_UCS2 ||
			    info.segments > (size_t)rows[i].most + 1))
				fail_msg("%s.%s: %s, %zu segments: %s",
				    rows[i].name, lang,
				    sms_encoding_name(info.encoding),
				    info.segments, s);
			if (!rtl && !rows[i].part && strstr(s, "Nykvarn") ==
			    NULL)
				fail_msg("%s.%s: does not say who sends: %s",
				    rows[i].name, lang, s);
			if (strcmp(lang, "fa") == 0 && !has_any(s, persian))
				fail_msg("%s.fa: no Persian letter: %s",
				    rows[i].name, s);
			if (strcmp(lang, "ar") == 0 && (has_any(s, persian) ||
			    !has_any(s, "ا ل م ن ع")))
				fail_msg("%s.ar: not Arabic script: %s",
				    rows[i].name, s);
			free(clean);
			free(s);
		}
	templates_free(ts);
}

/*
 * Voice texts in all six languages: the message twice, 112 spoken, then
 * one digit asked for at the end, in the words a free text's call uses.
 */
static void
test_template_shipped_voice(void **state)
{
	static const struct {
		const char	*name;
		const char	*twice;		/* a value said twice */
	} rows[] = {
		{ "incident", "Brand i flerfamiljshus" },
		{ "nattvandrare-utrop", "Centrumvägen 10, Nykvarn" },
		{ "beacon-larm", "Centrumvägen 24 A" },
	};
	/* The ending is the press-one sentence of a free text's call. */
	static const struct {
		const char	*lang;
		const char	*emergency;	/* 112, spoken */
	} langs[] = {
		{ "sv", "ring ett ett två" },
		{ "en", "call one one two" },
		{ "ar", "واحد واحد اثنان" },
		{ "fi", "soita yksi yksi kaksi" },
		{ "so", "wac kow kow laba" },
		{ "fa", "یک یک دو" },
	};
	struct templates	*ts;
	const char		*ending;
	char			 dir[1024], err[1024], *s;
	size_t			 i, j, n;

	(void)state;
	shipped_dir(dir, sizeof(dir));
	if ((ts = templates_load(dir, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (j = 0; j < sizeof(langs) / sizeof(langs[0]); j++) {
			assert_string_equal(templates_lang(ts, rows[i].name,
			    "voice", langs[j].lang), langs[j].lang);
			s = template_render(ts, rows[i].name, "voice",
			    langs[j].lang, real_vars,
			    sizeof(real_vars) / sizeof(real_vars[0]), NULL, 0,
			    err, sizeof(err));
			if (s == NULL)
				fail_msg("%s.%s.voice: %s", rows[i].name,
				    langs[j].lang, err);
			n = strlen(s);
			ending = template_press_one(langs[j].lang);
			if (count_of(s, rows[i].twice) != 2 ||
			    n < strlen(ending) ||
			    strcmp(s + n - strlen(ending), ending) != 0 ||
			    count_of(s, ending) != 1 ||
			    strstr(s, langs[j].emergency) == NULL ||
			    (strcmp(langs[j].lang, "ar") != 0 &&
			    strcmp(langs[j].lang, "fa") != 0 &&
			    strstr(s, "Nykvarn") == NULL))
				fail_msg("%s.%s.voice: %s", rows[i].name,
				    langs[j].lang, s);
			free(s);
		}
	templates_free(ts);
}

/* One file of a negative check case. */
struct cfile {
	const char	*name;
	const char	*text;
};

/* Problems templates_check finds in small folders, and their lines. */
#define E	"{{emergency_number}}"
static void
test_template_check_problems(void **state)
{
	static const char *const names[] = { "incident", NULL };
	static const char *const langs[] = { "sv", "en", NULL };
	char	long_gsm[720], at_limit[640], by_value[640];
	char	long_ucs2[2 * 300 + 32];
	const struct {
		struct cfile	 files[3];
		int		 want;		/* problems */
		const char	*line[3];	/* lines that must be there */
	} rows[] = {
		/* 0: all good */
		{ { { "incident.sv.sms", "Hej {{place}} kl {{time}} " E },
		    { "incident.en.sms", "Hi {{time}} {{place}} " E } }, 0,
		    { NULL } },
		/* 1: a misspelt variable, reported once */
		{ { { "incident.sv.sms", "{{plats}} {{plats}} {{time}} " E },
		    { "incident.en.sms", "{{plats}} {{time}} " E } }, 2,
		    { "incident.sv.sms: unknown variable {{plats}}",
		    "incident.en.sms: unknown variable {{plats}}" } },
		/* 2: a required language missing */
		{ { { "incident.sv.sms", "Hej {{place}} " E } }, 1,
		    { "incident.en.sms: missing" } },
		/* 3: the required name missing altogether */
		{ { { "other.sv.sms", "Hej " E } }, 1,
		    { "incident.sms: missing in every language" } },
		/* 4: too long in GSM-7 */
		{ { { "incident.sv.sms", long_gsm },
		    { "incident.en.sms", "ok " E } }, 1,
		    { "incident.sv.sms: 5 SMS segments (GSM-7, 684 septets)",
		    "over max_segments 4" } },
		/* 5: 612 septets are exactly 4 segments */
		{ { { "incident.sv.sms", at_limit },
		    { "incident.en.sms", "ok " E } }, 0, { NULL } },
		/* 6: too long in UCS-2 */
		{ { { "incident.sv.sms", "ok " E },
		    { "incident.en.sms", long_ucs2 } }, 1,
		    { "incident.en.sms: 5 SMS segments (UCS-2, 304 UTF-16" } },
		/* 7: 605 bytes are 4 segments, but not with a place in */
		{ { { "incident.sv.sms", by_value },
		    { "incident.en.sms", "ok {{place}} " E } }, 1,
		    { "incident.sv.sms: 5 SMS segments (GSM-7, " } },
		/* 8: a bidi mark */
		{ { { "incident.sv.sms", "Hej " E },
		    { "incident.en.sms", "Hi \xe2\x80\x8f" E } }, 1,
		    { "incident.en.sms: bidi control character U+200F" } },
		/* 9: languages with different variables */
		{ { { "incident.sv.sms", "{{place}} {{time}} " E },
		    { "incident.en.sms", "{{place}} {{area}} " E } }, 2,
		    { "incident.en.sms: uses {{area}}, which incident.sv.sms "
		    "does not", "incident.en.sms: lacks {{time}}, which "
		    "incident.sv.sms uses" } },
		/* 10: voice is not counted in segments, but is checked */
		{ { { "incident.sv.sms", "Hej " E },
		    { "incident.en.sms", "Hi " E },
		    { "incident.sv.voice", long_gsm } }, 1,
		    { "incident.en.voice: missing (incident is called in "
		    "another language, and has the SMS in en)" } },
		/* 11: an unknown variable in a voice text */
		{ { { "incident.sv.sms", "Hej " E },
		    { "incident.sv.voice", "{{tid}}" } }, 2,
		    { "incident.sv.voice: unknown variable {{tid}}",
		    "incident.en.sms: missing" } },
		/* 12: not UTF-8 (load error, through templates_check_dir) */
		{ { { "incident.sv.sms", "V\xe4sterg\xe5rd" },
		    { "incident.en.sms", "ok " E } }, 1,
		    { "incident.sv.sms: not valid UTF-8" } },
		/* 13: two broken files are two problems */
		{ { { "incident.sv.sms", "{{x" },
		    { "incident.en.sms", "\xff" } }, 2,
		    { "incident.sv.sms:1: '{{' without", "incident.en.sms: "
		    "not valid UTF-8" } },
		/* 14: an alert that does not say 112, one that names the
		 * larmbord instead */
		{ { { "incident.sv.sms", "Vid fara, ring {{duty_number}}" },
		    { "incident.en.sms", "Hi" } }, 4,
		    { "incident.sv.sms: does not say to call "
		    "{{emergency_number}} (112) in danger", "incident.sv.sms: "
		    "names {{duty_number}}, which belongs in the help text",
		    "incident.en.sms: does not say to call" } },
		/* 15: the help text with both numbers; one without either */
		{ { { "incident.sv.sms", "Hej " E },
		    { "incident.en.sms", "Hi " E },
		    { "reply-hjalp.sv.sms", "112: " E ", kommunen: "
		    "{{duty_number}}" } }, 0, { NULL } },
		{ { { "incident.sv.sms", "Hej " E },
		    { "incident.en.sms", "Hi " E },
		    { "reply-hjalp.sv.sms", "Hjälp" } }, 2,
		    { "reply-hjalp.sv.sms: does not say to call",
		    "reply-hjalp.sv.sms: does not name {{duty_number}}" } },
		/* 17: replies and parts need no 112 */
		{ { { "incident.sv.sms", "Hej " E },
		    { "incident.en.sms", "Hi " E },
		    { "reply-stopp.sv.sms", "Hej då" },
		    } , 0, { NULL } },
	};
	struct tctx	*t = *state;
	struct lines	 l;
	char		 sub[128];
	size_t		 i, k;
	int		 n;

	/* 680 and " 112": 684 septets. */
	memset(long_gsm, 'a', 680);
	snprintf(long_gsm + 680, sizeof(long_gsm) - 680, " %s", E);
	/* 608 and " 112": 612 septets. */
	memset(at_limit, 'a', 608);
	snprintf(at_limit + 608, sizeof(at_limit) - 608, " %s", E);
	/* 596 + "{{place}}" + " 112": over 612 septets once a place of
	 * 13+ is in. */
	memset(by_value, 'a', 596);
	snprintf(by_value + 596, sizeof(by_value) - 596, "{{place}} %s", E);
	for (i = 0; i < 300; i++)
		memcpy(long_ucs2 + 2 * i, "\xd8\xa8", 2);	/* ب */
	snprintf(long_ucs2 + 600, sizeof(long_ucs2) - 600, " %s", E);

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%zu", t->dir, i);
		assert_int_equal(mkdir(sub, 0700), 0);
		for (k = 0; k < 3 && rows[i].files[k].name != NULL; k++)
			puts_file(sub, rows[i].files[k].name,
			    rows[i].files[k].text);
		memset(&l, 0, sizeof(l));
		n = templates_check_dir(sub, names, langs, 4, lines_cb, &l);
		if (n != rows[i].want || l.n != n)
			fail_msg("row %zu: %d problems (%d lines), want "
			    "%d:\n%s", i, n, l.n, rows[i].want, l.buf);
		for (k = 0; k < 3 && rows[i].line[k] != NULL; k++)
			if (strstr(l.buf, rows[i].line[k]) == NULL)
				fail_msg("row %zu: no line '%s' in:\n%s", i,
				    rows[i].line[k], l.buf);
		/* report may be NULL: the same count. */
		assert_int_equal(templates_check_dir(sub, names, langs, 4,
		    NULL, NULL), n);
	}
}

/* templates_check on a loaded set, with no requirements and limits. */
static void
test_template_check_loaded(void **state)
{
	struct tctx		*t = *state;
	struct templates	*ts;
	struct lines		 l;
	char			 err[256];

	puts_file(t->dir, "reply-a.sv.sms", "{{place}} {{typo}}");
	puts_file(t->dir, "reply-b.fi.sms", "Hei {{area}}");
	assert_non_null(ts = templates_load(t->dir, err, sizeof(err)));
	memset(&l, 0, sizeof(l));
	assert_int_equal(templates_check(ts, NULL, NULL, 0, lines_cb, &l), 1);
	assert_string_equal(l.buf,
	    "reply-a.sv.sms: unknown variable {{typo}}\n");
	/* An empty set misses every required language. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(templates_check(NULL, required_names, required_langs,
	    4, lines_cb, &l), 18);
	templates_free(ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_template_load_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_all_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_ignored_files,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_fallback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_render,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_missing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_no_recursion,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_vars,
		    setup, teardown),
		cmocka_unit_test(test_template_shipped),
		cmocka_unit_test(test_template_check_shipped),
		cmocka_unit_test(test_template_shipped_languages),
		cmocka_unit_test(test_template_shipped_voice),
		cmocka_unit_test_setup_teardown(test_template_check_problems,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_check_loaded,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
