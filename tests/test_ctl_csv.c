/*
 * Tests of varselctl's CSV reader (quoted fields, line numbers, errors
 * and recovery) and of contacts import, whose HTTP calls are replaced
 * here by a fake API: rows go out in batches and every rejection the API
 * names by index comes back as the row's line in the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

/* What the fake API saw and how it answers. */
struct fake_api {
	int	 calls;
	size_t	 sizes[16];	/* entries per batch */
	int	 fail_at;	/* answer 503 to call n (from 1); 0: never */
	json_t	*first;		/* the first contact posted */
};

static struct fake_api	fake;

/* Fake of varselctl.c: no raw calls are made by import. */
int
ctl_http(const struct ctl *c, const char *method, const char *path,
    const char *content_type, const char *body, size_t len,
    struct ctl_reply *r)
{
	(void)c;
	(void)method;
	(void)path;
	(void)content_type;
	(void)body;
	(void)len;
	memset(r, 0, sizeof(*r));
	fail_msg("ctl_http called by import");
	return -1;
}

/*
 * Fake POST /v1/contacts: rejects every contact whose phone starts with
 * "bad", by its index, as the real API answers.
 */
int
ctl_http_json(const struct ctl *c, const char *path, const json_t *v,
    struct ctl_reply *r)
{
	json_t		*arr, *rej, *e;
	const char	*phone;
	size_t		 i, n;
	int		 upserted = 0;

	(void)c;
	memset(r, 0, sizeof(*r));
	assert_string_equal(path, "/v1/contacts");
	/* The file's name goes with each batch, for the consent record. */
	assert_int_equal(json_object_size(v), 2);
	assert_true(json_is_string(json_object_get(v, "import")));
	assert_null(strchr(json_string_value(json_object_get(v, "import")),
	    '/'));
	arr = json_object_get(v, "contacts");
	assert_true(json_is_array(arr));
	n = json_array_size(arr);
	if (fake.calls < 16)
		fake.sizes[fake.calls] = n;
	if (fake.calls++ == 0)
		fake.first = json_deep_copy(json_array_get(arr, 0));
	if (fake.calls == fake.fail_at) {
		r->status = 503;
		r->json = json_pack("{s{ssss}}", "error", "code",
		    "unavailable", "message", "the database did not take "
		    "the contacts");
		r->body = strdup("{}");
		return 0;
	}
	rej = json_array();
	json_array_foreach(arr, i, e) {
		phone = json_string_value(json_object_get(e, "phone"));
		assert_non_null(phone);
		if (strncmp(phone, "bad", 3) == 0)
			json_array_append_new(rej, json_pack("{sIssssss}",
			    "index", (json_int_t)i, "code", "invalid_phone",
			    "message", "not a number", "field", "phone"));
		else
			upserted++;
	}
	r->status = 200;
	r->json = json_pack("{sisO}", "upserted", upserted, "rejected", rej);
	json_decref(rej);
	r->body = strdup("{}");
	return 0;
}

/* Fake of varselctl.c. */
void
ctl_reply_free(struct ctl_reply *r)
{
	json_decref(r->json);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* Fake of varselctl.c: the error line, as the real one writes it. */
void
ctl_api_error(const struct ctl *c, const char *what,
    const struct ctl_reply *r)
{
	json_t	*e = json_object_get(r->json, "error");

	fprintf(c->err, "varselctl: %s: %ld %s: %s\n", what, r->status,
	    json_string_value(json_object_get(e, "code")),
	    json_string_value(json_object_get(e, "message")));
}

/* Read all records of text; each as "line:f1|f2|..." or "line:!err". */
static void
read_all(const char *text, size_t len, char *out, size_t outlen)
{
	struct ctl_csv		 csv;
	struct ctl_csv_rec	 rec;
	FILE			*fp;
	char			 err[256];
	size_t			 i;
	int			 rc, guard = 0;

	assert_non_null(fp = fmemopen((void *)text, len, "r"));
	ctl_csv_init(&csv, fp, "t.csv");
	out[0] = '\0';
	while ((rc = ctl_csv_read(&csv, &rec, err, sizeof(err))) != 0) {
		assert_true(++guard < 100);
		snprintf(out + strlen(out), outlen - strlen(out), "%s%d:",
		    out[0] ? " " : "", rec.line);
		if (rc == -1) {
			assert_int_equal(rec.n, 0);
			snprintf(out + strlen(out), outlen - strlen(out),
			    "!%s", err);
			continue;
		}
		for (i = 0; i < rec.n; i++)
			snprintf(out + strlen(out), outlen - strlen(out),
			    "%s%s", i ? "|" : "", rec.v[i]);
		ctl_csv_rec_free(&rec);
	}
	/* The end stays the end. */
	assert_int_equal(ctl_csv_read(&csv, &rec, err, sizeof(err)), 0);
	fclose(fp);
}

/* Records, fields and the line each starts on. */
static void
test_csv_read(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;		/* 0: strlen */
		const char	*want;
	} rows[] = {
		{ "a,b,c\n1,2,3\n", 0, "1:a|b|c 2:1|2|3" },
		{ "a,b\n1,2", 0, "1:a|b 2:1|2" },	/* no final LF */
		{ "a,,b,\n", 0, "1:a||b|" },
		{ ",\n", 0, "1:|" },
		{ "\"x, y\",z\n", 0, "1:x, y|z" },
		{ "\"say \"\"hi\"\"\",2\n", 0, "1:say \"hi\"|2" },
		{ "\"\",\"\"\n", 0, "1:|" },
		{ "a\"b,c\n", 0, "1:a\"b|c" },		/* lenient */
		{ "h\n\"two\nlines\",x\nnext\n", 0,
		    "1:h 2:two\nlines|x 4:next" },
		{ "h\r\n\"crlf\r\ninside\",x\r\nnext\r\n", 0,
		    "1:h 2:crlf\ninside|x 4:next" },
		{ "\xef\xbb\xbfphone,name\n1,2\n", 0, "1:phone|name 2:1|2" },
		{ "a\n\n\r\n\nb\n", 0, "1:a 5:b" },
		{ "Eva Inv\xc3\xa5nare,\xd8\xa8\n", 0,
		    "1:Eva Inv\xc3\xa5nare|\xd8\xa8" },
		{ " spaced , kept \n", 0, "1: spaced | kept " },
		/* Errors name the record's first line; reading goes on. */
		{ "a\n\"open,x\nmore\n", 0,
		    "1:a 2:!a quoted field is not closed" },
		{ "\"q\"x,1\nok\n", 0, "1:!text after a closing quote "
		    "(write a quote inside quotes as \"\") 2:ok" },
		{ "a\nb\0c\nd\n", 8, "1:a 2:!a NUL byte (is this a CSV "
		    "file?) 3:d" },
		{ "", 0, "" },
		{ "\n\n", 0, "" },
	};
	char	got[1024];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		read_all(rows[i].in, rows[i].len ? rows[i].len :
		    strlen(rows[i].in), got, sizeof(got));
		if (strcmp(got, rows[i].want) != 0)
			fail_msg("row %zu: got '%s', want '%s'", i, got,
			    rows[i].want);
	}
}

/* Too many fields or a huge record is an error, not a crash. */
static void
test_csv_limits(void **state)
{
	char	*big, got[512];
	size_t	 i, n = 2 * 1024 * 1024;

	(void)state;
	big = malloc(n + 16);
	assert_non_null(big);
	for (i = 0; i < 1000; i++)
		big[i] = ',';
	strcpy(big + 1000, "\nok\n");
	read_all(big, strlen(big), got, sizeof(got));
	assert_string_equal(got, "1:!too many fields 2:ok");
	memset(big, 'x', n);
	strcpy(big + n, "\nok\n");
	read_all(big, strlen(big), got, sizeof(got));
	assert_string_equal(got, "1:!the record is longer than 1 MB 2:ok");
	free(big);
}

/*
 * A name that a spreadsheet would run as a formula is exported behind an
 * apostrophe, which the import takes off again; other names as they are.
 */
static void
test_csv_formula(void **state)
{
	static const struct {
		const char	*name;
		bool		 guarded;
	} cases[] = {
		{ "=HYPERLINK(\"http://x.example\",\"A\")", true },
		{ "+46 is a name here", true }, { "-1", true },
		{ "@SUM(A1)", true }, { "\tTab", true }, { "Anna", false },
		{ "'quoted", false }, { "", false }, { "a=b", false },
	};
	char		*buf, got[512], want[512];
	size_t		 len, i;
	FILE		*fp;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf = NULL;
		assert_non_null(fp = open_memstream(&buf, &len));
		ctl_csv_put_text(fp, cases[i].name);
		fputc('\n', fp);
		fclose(fp);
		snprintf(want, sizeof(want), "1:%s%s", cases[i].guarded ?
		    "'" : "", cases[i].name);
		if (cases[i].name[0] == '\0')
			strcpy(want, "");	/* a blank line is no record */
		read_all(buf, len, got, sizeof(got));
		assert_string_equal(got, want);
		if (want[0] != '\0')
			assert_string_equal(ctl_csv_unguard(got + 2),
			    cases[i].name);
		free(buf);
	}
}

/* What ctl_csv_put writes reads back as the same field. */
static void
test_csv_put(void **state)
{
	static const char *const fields[] = {
		"plain", "", "a,b", "say \"hi\"", "two\nlines", " lead",
		"trail ", "+46701740605", "Inv\xc3\xa5nare|x", "\"",
	};
	char		*buf = NULL, got[1024], want[1024];
	size_t		 len = 0, i;
	FILE		*fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	want[0] = '\0';
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (i > 0)
			fputc(',', fp);
		ctl_csv_put(fp, fields[i]);
		strcat(want, i ? "|" : "1:");
		strcat(want, fields[i]);
	}
	fputc('\n', fp);
	fclose(fp);
	assert_non_null(strstr(buf, "plain,,\"a,b\",\"say \"\"hi\"\"\","));
	assert_non_null(strstr(buf, ",+46701740605,"));
	read_all(buf, len, got, sizeof(got));
	assert_string_equal(got, want);
	free(buf);
}

/* A private folder and output files per import test. */
struct itest {
	char	 dir[64];
	char	 file[128];
	FILE	*out;
	FILE	*err;
};

/* Make the folder and the captured outputs. */
static int
setup(void **state)
{
	struct itest	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	strcpy(t->dir, "/tmp/test_ctl_csv.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->file, sizeof(t->file), "%s/contacts.csv", t->dir);
	t->out = tmpfile();
	t->err = tmpfile();
	memset(&fake, 0, sizeof(fake));
	*state = t;
	return 0;
}

/* Remove what setup made. */
static int
teardown(void **state)
{
	struct itest	*t = *state;

	unlink(t->file);
	rmdir(t->dir);
	fclose(t->out);
	fclose(t->err);
	json_decref(fake.first);
	free(t);
	return 0;
}

/* Everything written to fp so far. */
static void
slurp(FILE *fp, char *buf, size_t len)
{
	size_t	n;

	fflush(fp);
	rewind(fp);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
}

/* Run "contacts import [--batch N] file" on text; the exit code. */
static int
import(struct itest *t, const char *text, const char *batch)
{
	struct ctl	 c;
	FILE		*fp;
	char		*argv[5];
	int		 argc = 0;

	assert_non_null(fp = fopen(t->file, "w"));
	fputs(text, fp);
	fclose(fp);
	memset(&c, 0, sizeof(c));
	c.url = "http://127.0.0.1:1";
	c.out = t->out;
	c.err = t->err;
	argv[argc++] = "import";
	if (batch != NULL) {
		argv[argc++] = "--batch";
		argv[argc++] = (char *)batch;
	}
	argv[argc++] = t->file;
	argv[argc] = NULL;
	optind = 0;
	return ctl_contacts_import(&c, argc, argv);
}

/* Rejections from the API and from the reader, each with its line. */
static void
test_import_lines(void **state)
{
	static const char csv[] =
	    "phone,name,lang,groups,area,lat,lon,channels\n"	/* 1 */
	    "070-1740605,Anna,sv,nattvandrare,15531,,,sms\n"	/* 2 */
	    "bad-1,\"Bilal, B\",sv,a|b,15530,,,sms|voice\n"	/* 3 */
	    "\n"						/* 4 */
	    "070-1740607,\"Carin\n"				/* 5 */
	    "Grannsamverkan\",sv,,15531,59.18310,17.42410,sms\n"	/* 6 */
	    "bad-2,Eva,sv,invanare,15592,,,voice\n"		/* 7 */
	    "070-1740610,Farah,ar,invanare,15530,\"59,179\",17.43,sms\n"
	    "070-1740611,Gus,sv,x,15530,abc,17.4,sms\n"		/* 9 */
	    "070-1740612,Too,many,fields,x,,,,\n"		/* 10 */
	    "\"070-1740613\"junk,x,sv,,,,,\n"			/* 11 */
	    "bad-3,Hilda,sv,,,,,\n"				/* 12 */
	    "070-1740614,Ida,sv,,,59.1,,sms\n";			/* 13 */
	struct itest	*t = *state;
	char		 out[4096], err[4096];
	json_t		*groups;

	assert_int_equal(import(t, csv, "2"), CTL_FAIL);
	slurp(t->out, out, sizeof(out));
	slurp(t->err, err, sizeof(err));
	assert_string_equal(out, "imported 3, rejected 7\n");
	/* Batches of two, local rejections never sent. */
	assert_int_equal(fake.calls, 3);
	assert_int_equal(fake.sizes[0], 2);
	assert_int_equal(fake.sizes[1], 2);
	assert_int_equal(fake.sizes[2], 2);
	/* In line order, named by file and line. */
	{
		char	want[2048];

		snprintf(want, sizeof(want),
		    "%1$s:3: invalid_phone (phone): not a number\n"
		    "%1$s:7: invalid_phone (phone): not a number\n"
		    "%1$s:9: invalid_field (lat): not a number: 'abc'\n"
		    "%1$s:10: invalid_field: 9 fields, the header has 8 (a "
		    "comma in a field needs quotes)\n"
		    "%1$s:11: invalid_csv: text after a closing quote "
		    "(write a quote inside quotes as \"\")\n"
		    "%1$s:12: invalid_phone (phone): not a number\n"
		    "%1$s:13: invalid_field (lat): lat and lon: give both or "
		    "neither\n", t->file);
		if (strstr(err, want) == NULL)
			fail_msg("got:\n%s\nwant:\n%s", err, want);
	}
	/* What went out is the API's shape. */
	assert_string_equal(json_string_value(json_object_get(fake.first,
	    "phone")), "070-1740605");
	groups = json_object_get(fake.first, "groups");
	assert_int_equal(json_array_size(groups), 1);
	assert_null(json_object_get(fake.first, "lat"));
}

/* Row values become JSON the API reads: lists, numbers, no empties. */
static void
test_import_shape(void **state)
{
	static const char csv[] =
	    "Lat,PHONE,lon,channels,groups,name\n"
	    "\"59,5\",+46701740605,17.25, sms | voice ,a||b ,\n";
	struct itest	*t = *state;
	json_t		*c;

	assert_int_equal(import(t, csv, NULL), CTL_OK);
	c = fake.first;
	assert_non_null(c);
	assert_int_equal(json_object_size(c), 5);	/* no empty name */
	assert_true(json_real_value(json_object_get(c, "lat")) == 59.5);
	assert_true(json_real_value(json_object_get(c, "lon")) == 17.25);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(c, "channels"), 1)), "voice");
	assert_int_equal(json_array_size(json_object_get(c, "groups")), 2);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(c, "groups"), 1)), "b");
}

/* A name export guarded against spreadsheets is imported as it was. */
static void
test_import_unguard(void **state)
{
	static const char csv[] =
	    "phone,name\n"
	    "+46701740605,'=1+1\n";
	struct itest	*t = *state;

	assert_int_equal(import(t, csv, NULL), CTL_OK);
	assert_non_null(fake.first);
	assert_string_equal(json_string_value(json_object_get(fake.first,
	    "name")), "=1+1");
}

/* Headers that cannot be mapped stop the import before any call. */
static void
test_import_bad_header(void **state)
{
	static const struct {
		const char	*csv;
		const char	*want;
	} rows[] = {
		{ "phone,namn\n1,2\n", ":1: unknown column 'namn'" },
		{ "name,lang\nA,sv\n", ":1: no phone column" },
		{ "phone,lat\n1,2\n", ":1: lat and lon go together" },
		{ "phone,name,phone\n1,2,3\n", ":1: column 'phone' twice" },
		{ "", ": empty file" },
		{ "\"phone\nx", ":1: a quoted field is not closed" },
	};
	struct itest	*t = *state;
	char		 err[1024];
	size_t		 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(ftruncate(fileno(t->err), 0), 0);
		rewind(t->err);
		assert_int_equal(import(t, rows[i].csv, NULL), CTL_FAIL);
		slurp(t->err, err, sizeof(err));
		if (strstr(err, rows[i].want) == NULL)
			fail_msg("row %zu: '%s' lacks '%s'", i, err,
			    rows[i].want);
	}
	assert_int_equal(fake.calls, 0);
}

/* An API failure stops the import and says so. */
static void
test_import_api_failure(void **state)
{
	static const char csv[] =
	    "phone\n1\n2\n3\n4\n5\n";
	struct itest	*t = *state;
	char		 out[256], err[1024];

	fake.fail_at = 2;
	assert_int_equal(import(t, csv, "2"), CTL_FAIL);
	slurp(t->out, out, sizeof(out));
	slurp(t->err, err, sizeof(err));
	assert_int_equal(fake.calls, 2);
	assert_string_equal(out, "imported 2, rejected 0\n");
	assert_non_null(strstr(err, "POST /v1/contacts: 503 unavailable"));
	assert_non_null(strstr(err, "stopped at line 5"));
}

/* Arguments: a batch size in range and exactly one file. */
static void
test_import_usage(void **state)
{
	struct itest	*t = *state;

	assert_int_equal(import(t, "phone\n1\n", "0"), CTL_USAGE);
	assert_int_equal(import(t, "phone\n1\n", "10001"), CTL_USAGE);
	assert_int_equal(import(t, "phone\n1\n", "5x"), CTL_USAGE);
	assert_int_equal(fake.calls, 0);
	assert_int_equal(import(t, "phone\n1\n", "10000"), CTL_OK);
	assert_int_equal(fake.calls, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_read),
		cmocka_unit_test(test_csv_limits),
		cmocka_unit_test(test_csv_put),
		cmocka_unit_test(test_csv_formula),
		cmocka_unit_test_setup_teardown(test_import_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_shape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_unguard, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_bad_header, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_api_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_usage, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
