/*
 * Tests for gateway/jsonscan.c. A table of hand-written texts, each with
 * the scanner's exact answer and whether jansson makes an object of it
 * (so the table also records what jansson 2.14 accepts); nesting depth;
 * and a differential test: realistic provider answers mutated a few
 * hundred thousand times, where every text the scanner accepts must
 * parse with jansson to an object with the same wanted members, and
 * every unmutated answer must be accepted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonscan.h"
#include "tests/jsonscan_oracle.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
/* A literal text and its length, NUL bytes in it included. */
#define T(s)		s, sizeof(s) - 1
#define MAX_WANT	6
#define MUTANTS		300000	/* mutated texts of the differential test */
#define MUTANT_MAX	4096	/* bytes of a mutated text at most */

/* A member a case asks for and what it must be; value NULL: absent. */
struct want {
	const char		*key;
	enum jsonscan_type	 type;
	const char		*value;
};

/* A text, the scanner's answer, and whether json_loadb gives an object. */
struct scan_case {
	const char	*text;
	size_t		 len;
	int		 rc;
	bool		 object;
	struct want	 want[3];
};

#define ABSENT(k)	{ k, JS_ABSENT, NULL }
#define STR(k, v)	{ k, JS_STRING, v }
#define INT(k, v)	{ k, JS_INTEGER, v }
#define REAL(k, v)	{ k, JS_REAL, v }
/* Valid JSON that the scanner leaves to jansson. */
#define FALLBACK(s)	{ T(s), -1, true, { ABSENT("a") } }
/* Not a JSON object for jansson either. */
#define INVALID(s)	{ T(s), -1, false, { ABSENT("a") } }

static const struct scan_case scan_cases[] = {
	/* Valid objects, flat. */
	{ T("{}"), 0, true, { ABSENT("a"), ABSENT("") } },
	{ T(" \t\r\n{ \t\r\n} \t\r\n"), 0, true, { ABSENT("a") } },
	{ T("{\"id\":\"s70df\",\"status\":\"created\"}"), 0, true,
	    { STR("id", "s70df"), STR("status", "created"),
	    ABSENT("state") } },
	{ T("{\"id\":\"s70df59e1c7b21a0c9b0a1f2e3d4c5b6a7\",\"status\":"
	    "\"created\",\"direction\":\"outgoing\",\"from\":\"Nykvarn\","
	    "\"to\":\"+46700000001\",\"message\":\"Prov: larm till alla i "
	    "gruppen.\",\"created\":\"2026-11-26T18:30:01.241356\","
	    "\"parts\":1,\"cost\":3500}"), 0, true,
	    { STR("id", "s70df59e1c7b21a0c9b0a1f2e3d4c5b6a7"),
	    STR("status", "created"), INT("cost", "3500") } },
	{ T("{ \"a\" : 1 , \"b\" : -0 , \"c\" : 0 }"), 0, true,
	    { INT("a", "1"), INT("b", "-0"), INT("c", "0") } },
	{ T("{\"a\":999999999999999999,\"b\":-999999999999999999}"), 0, true,
	    { INT("a", "999999999999999999"),
	    INT("b", "-999999999999999999") } },
	{ T("{\"a\":1.5,\"b\":-0.25,\"c\":0.00000000000001}"), 0, true,
	    { REAL("a", "1.5"), REAL("b", "-0.25"),
	    REAL("c", "0.00000000000001") } },
	{ T("{\"a\":true,\"b\":false,\"c\":null}"), 0, true,
	    { { "a", JS_TRUE, "true" }, { "b", JS_FALSE, "false" },
	    { "c", JS_NULL, "null" } } },
	{ T("{\"\":\"e\",\"a\":\"\"}"), 0, true,
	    { STR("", "e"), STR("a", ""), ABSENT("b") } },
	/* Nested members are skipped; their keys are not the top's. */
	{ T("{\"a\":{\"x\":[1,{\"y\":\"z\"},[]]},\"b\":[ ],\"c\":{ }}"), 0,
	    true, { { "a", JS_OBJECT, "{\"x\":[1,{\"y\":\"z\"},[]]}" },
	    { "b", JS_ARRAY, "[ ]" }, { "c", JS_OBJECT, "{ }" } } },
	{ T("{\"n\":{\"id\":\"inner\"},\"id\":\"outer\"}"), 0, true,
	    { STR("id", "outer") } },
	{ T("{\"n\":{\"id\":\"inner\"},\"m\":[{\"id\":1}]}"), 0, true,
	    { ABSENT("id") } },
	{ T("{\"n\":{\"\\u0069d\":\"x\\n\"},\"id\":\"y\"}"), 0, true,
	    { STR("id", "y") } },
	{ T("{\"sid\":\"SM1\",\"subresource_uris\":{\"media\":\"/2010-04-01/"
	    "Accounts/AC1/Messages/SM1/Media.json\"},\"error_code\":null}"),
	    0, true, { STR("sid", "SM1"), { "error_code", JS_NULL, "null" },
	    ABSENT("error_message") } },
	/* A name given twice: the last one counts, as in jansson. */
	{ T("{\"id\":\"a\",\"id\":\"b\"}"), 0, true, { STR("id", "b") } },
	{ T("{\"id\":\"a\",\"id\":1}"), 0, true, { INT("id", "1") } },
	{ T("{\"id\":[1],\"x\":0,\"id\":\"c\"}"), 0, true,
	    { STR("id", "c") } },
	/* Every escape, in a member not asked for. */
	{ T("{\"m\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e5 \\u00C4 "
	    "\\u20AC \\ud83d\\ude00 \\uDBFF\\uDFFF \\u0001\",\"id\":\"x\"}"), 0,
	    true, { STR("id", "x"), ABSENT("n") } },
	/* ... in a member asked for: jansson decodes it. */
	{ T("{\"a\":\"\\n\"}"), -1, true, { ABSENT("a") } },
	{ T("{\"a\":\"x\\\"y\"}"), -1, true, { ABSENT("a") } },
	{ T("{\"a\":\"\\u00e5\"}"), -1, true, { ABSENT("a") } },
	{ T("{\"a\":\"ok\",\"b\":\"\\/\"}"), -1, true,
	    { ABSENT("a"), ABSENT("b") } },
	/* An escaped top-level key could be a wanted one. */
	{ T("{\"\\u0061\":\"x\"}"), -1, true, { ABSENT("a") } },
	{ T("{\"x\\ty\":1,\"a\":\"z\"}"), -1, true, { ABSENT("a") } },
	/* Raw UTF-8, in values and keys; DEL is no control character. */
	{ T("{\"a\":\"\xc3\xa5\xc3\xa4\xc3\xb6 \xc3\x85\xc3\x84\xc3\x96\"}"), 0,
	    true, { STR("a", "\xc3\xa5\xc3\xa4\xc3\xb6 "
	    "\xc3\x85\xc3\x84\xc3\x96") } },
	{ T("{\"\xc3\xa5\":\"\xe2\x82\xac\",\"b\":\"\xf0\x9f\x98\x80\"}"), 0,
	    true, { STR("\xc3\xa5", "\xe2\x82\xac"),
	    STR("b", "\xf0\x9f\x98\x80") } },
	{ T("{\"a\":\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"}"),
	    0, true, { STR("a", "\xf4\x8f\xbf\xbf\xef\xbf\xbf\xed\x9f\xbf"
	    "\xee\x80\x80") } },
	{ T("{\"a\":\"\x7f\"}"), 0, true, { STR("a", "\x7f") } },
	/* Empty input, whitespace, not an object. */
	INVALID(""),
	INVALID(" \n"),
	INVALID("[]"),
	INVALID("[{\"a\":1}]"),
	INVALID("\"a\""),
	INVALID("1"),
	INVALID("null"),
	INVALID("\xef\xbb\xbf{}"),		/* a byte order mark */
	/* Cut short, or not JSON's grammar. */
	INVALID("{"),
	INVALID("{\"a\""),
	INVALID("{\"a\":"),
	INVALID("{\"a\":1"),
	INVALID("{\"a\":1,"),
	INVALID("{\"a\":1,}"),
	INVALID("{,}"),
	INVALID("{\"a\" 1}"),
	INVALID("{\"a\"::1}"),
	INVALID("{\"a\":1 \"b\":2}"),
	INVALID("{\"a\":1,,\"b\":2}"),
	INVALID("{a:1}"),
	INVALID("{'a':1}"),
	INVALID("{\"a\":'x'}"),
	INVALID("{1:2}"),
	INVALID("{null:1}"),
	INVALID("{\"a\":[1,]}"),
	INVALID("{\"a\":[,1]}"),
	INVALID("{\"a\":[1 2]}"),
	INVALID("{\"a\":{\"b\"}}"),
	INVALID("{\"a\":]}"),
	INVALID("{\"a\":[}"),
	INVALID("{\"a\":{]}"),
	/* Only space, tab, newline and carriage return are whitespace. */
	INVALID("{\v}"),
	INVALID("{\f}"),
	INVALID("{\xc2\xa0}"),
	/* Something after the object. */
	INVALID("{} x"),
	INVALID("{}{}"),
	INVALID("{},"),
	INVALID("{}\xc3\xa5"),
	INVALID("{}\0"),
	INVALID("{} \0 "),
	/* NUL bytes within the length. */
	INVALID("\0{}"),
	INVALID("{\0}"),
	INVALID("{\"a\":\"x\0y\"}"),
	INVALID("{\"a\0\":1}"),
	INVALID("{\"a\" :\0 1}"),
	/* jansson's lexer skips a NUL right after a number or a literal. */
	FALLBACK("{\"a\":1\0}"),
	FALLBACK("{\"a\":true\0}"),
	FALLBACK("{\"a\":[null\0]}"),
	/* Raw control characters in strings. */
	INVALID("{\"a\":\"\x01\"}"),
	INVALID("{\"a\":\"\x1f\"}"),
	INVALID("{\"a\":\"x\ny\"}"),
	INVALID("{\"a\":\"x\ty\"}"),
	INVALID("{\"a\":\"x\ry\"}"),
	INVALID("{\"m\":\"\x1b[0m\",\"a\":1}"),
	INVALID("{\"k\x02\":1}"),
	/* Bad escapes. */
	INVALID("{\"m\":\"\\x41\"}"),
	INVALID("{\"m\":\"\\a\"}"),
	INVALID("{\"m\":\"\\'\"}"),
	INVALID("{\"m\":\"\\0\"}"),
	INVALID("{\"m\":\"\\U0041\"}"),
	INVALID("{\"m\":\"\\u12\"}"),
	INVALID("{\"m\":\"\\u12G4\"}"),
	INVALID("{\"m\":\"\\u 123\"}"),
	INVALID("{\"m\":\"\\\"}"),
	INVALID("{\"m\":\"\\"),
	INVALID("{\"m\":\"\\u00"),
	INVALID("{\"m\":\"\\\xc3\xa5\"}"),
	/* \u0000 needs JSON_ALLOW_NUL. */
	INVALID("{\"m\":\"\\u0000\"}"),
	INVALID("{\"\\u0000\":1}"),
	/* Surrogates: a high one needs a \u low one after it. */
	INVALID("{\"m\":\"\\ud800\"}"),
	INVALID("{\"m\":\"\\uD800x\"}"),
	INVALID("{\"m\":\"\\ud800\\n\"}"),
	INVALID("{\"m\":\"\\ud800\\u0041\"}"),
	INVALID("{\"m\":\"\\ud800\\ud800\"}"),
	INVALID("{\"m\":\"\\udbff\\ue000\"}"),
	INVALID("{\"m\":\"\\udc00\"}"),
	INVALID("{\"m\":\"\\uDFFF\\ud800\"}"),
	INVALID("{\"m\":\"\\ud800\\u"),
	INVALID("{\"m\":\"\\ud800\\udc0\"}"),
	INVALID("{\"m\":\"\\ud83d\xed\xb8\x80\"}"),
	/* Bad UTF-8, in strings and out of them. */
	INVALID("{\"m\":\"\x80\"}"),
	INVALID("{\"m\":\"\xbf\"}"),
	INVALID("{\"m\":\"\xc3\"}"),
	INVALID("{\"m\":\"\xc3\\n\"}"),
	INVALID("{\"m\":\"\xe2\x82\"}"),
	INVALID("{\"m\":\"\xc0\xaf\"}"),
	INVALID("{\"m\":\"\xc1\xbf\"}"),
	INVALID("{\"m\":\"\xe0\x80\xaf\"}"),
	INVALID("{\"m\":\"\xf0\x80\x80\xaf\"}"),
	INVALID("{\"m\":\"\xed\xa0\x80\"}"),
	INVALID("{\"m\":\"\xed\xbf\xbf\"}"),
	INVALID("{\"m\":\"\xf4\x90\x80\x80\"}"),
	INVALID("{\"m\":\"\xf5\x80\x80\x80\"}"),
	INVALID("{\"m\":\"\xfe\xff\"}"),
	INVALID("{\"\xc3\":1}"),
	INVALID("{\"m\":\"\xc3"),
	INVALID("{\"a\":1\xc3\xa5}"),
	/* Numbers by the grammar. */
	INVALID("{\"a\":01}"),
	INVALID("{\"a\":00}"),
	INVALID("{\"a\":-01}"),
	INVALID("{\"a\":-}"),
	INVALID("{\"a\":--1}"),
	INVALID("{\"a\":-a}"),
	INVALID("{\"a\":+1}"),
	INVALID("{\"a\":.5}"),
	INVALID("{\"a\":1.}"),
	INVALID("{\"a\":1.e5}"),
	INVALID("{\"a\":1.5.3}"),
	INVALID("{\"a\":0x10}"),
	INVALID("{\"a\":1e}"),
	INVALID("{\"a\":1e+}"),
	INVALID("{\"a\":1a}"),
	INVALID("{\"a\":Infinity}"),
	INVALID("{\"a\":NaN}"),
	INVALID("{\"a\":-Infinity}"),
	/* Valid, but a size jansson might refuse: its to decide. */
	FALLBACK("{\"a\":1e5}"),
	FALLBACK("{\"a\":1E-5}"),
	FALLBACK("{\"a\":-1.5e+3}"),
	FALLBACK("{\"a\":1e-400}"),
	INVALID("{\"a\":1e400}"),
	FALLBACK("{\"a\":1234567890123456789}"),
	FALLBACK("{\"a\":-9223372036854775808}"),
	INVALID("{\"a\":9223372036854775808}"),
	INVALID("{\"a\":12345678901234567890}"),
	FALLBACK("{\"a\":0.1234567890123456}"),
	FALLBACK("{\"a\":1234567890123456.0}"),
	FALLBACK("{\"n\":[1e5],\"a\":1}"),
	/* Literals. */
	INVALID("{\"a\":tru}"),
	INVALID("{\"a\":True}"),
	INVALID("{\"a\":nul}"),
	INVALID("{\"a\":nulll}"),
	INVALID("{\"a\":falsey}"),
	INVALID("{\"a\":true1}"),
	INVALID("{\"a\":truefalse}"),
	INVALID("{\"a\":undefined}"),
};

static const char *
type_name(enum jsonscan_type t)
{
	static const char *const names[] = { "absent", "string", "integer",
		"real", "true", "false", "null", "object", "array" };

	return (size_t)t < nitems(names) ? names[t] : "?";
}

/* The text on stderr as a C string, for a failure's message. */
static void
dump(const char *what, const char *text, size_t len)
{
	size_t	i;

	fprintf(stderr, "%s (%zu bytes): \"", what, len);
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)text[i];

		if (c == '"' || c == '\\')
			fprintf(stderr, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\"\n");
}

/* jansson's object of text, or NULL if it is none. */
static json_t *
jansson_object(const char *text, size_t len)
{
	json_error_t	 err;
	json_t		*j;

	j = json_loadb(text, len, 0, &err);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* After jsonscan_object returned 0: jansson must say the same. */
static void
agree(const char *what, const char *text, size_t len,
    const struct jsonscan_field *f, size_t n)
{
	json_t	*root;
	size_t	 i;

	if ((root = jansson_object(text, len)) == NULL) {
		dump(what, text, len);
		fail_msg("%s: scanned, but jansson gives no object", what);
	}
	for (i = 0; i < n; i++)
		if (!oracle_agrees(json_object_get(root, f[i].key), &f[i])) {
			dump(what, text, len);
			json_decref(root);
			fail_msg("%s: member '%s' (%s '%.*s') is not jansson's",
			    what, f[i].key, type_name(f[i].type),
			    (int)f[i].len, f[i].value ? f[i].value : "");
		}
	json_decref(root);
}

/* Each case: the exact answer, and jansson's, and their agreement. */
static void
test_cases(void **state)
{
	const struct scan_case	*c;
	struct jsonscan_field	 f[3];
	char			 what[32];
	size_t			 i, k, n;
	json_t			*root;
	int			 rc;

	(void)state;
	for (i = 0; i < nitems(scan_cases); i++) {
		c = &scan_cases[i];
		snprintf(what, sizeof(what), "case %zu", i);
		for (n = 0; n < 3 && c->want[n].key != NULL; n++)
			f[n].key = c->want[n].key;
		rc = jsonscan_object(c->text, c->len, f, n);
		if (rc != c->rc) {
			dump(what, c->text, c->len);
			fail_msg("%s: rc %d, want %d", what, rc, c->rc);
		}
		root = jansson_object(c->text, c->len);
		if ((root != NULL) != c->object) {
			dump(what, c->text, c->len);
			fail_msg("%s: jansson %s", what, root ? "accepts it" :
			    "refuses it");
		}
		json_decref(root);
		for (k = 0; k < n; k++) {
			if (f[k].type != c->want[k].type)
				fail_msg("%s: '%s' is %s, want %s", what,
				    f[k].key, type_name(f[k].type),
				    type_name(c->want[k].type));
			if (c->want[k].value == NULL) {
				assert_null(f[k].value);
				assert_int_equal(f[k].len, 0);
				continue;
			}
			if (f[k].len != strlen(c->want[k].value) ||
			    memcmp(f[k].value, c->want[k].value,
			    f[k].len) != 0)
				fail_msg("%s: '%s' is '%.*s', want '%s'",
				    what, f[k].key, (int)f[k].len, f[k].value,
				    c->want[k].value);
		}
		if (rc == 0)
			agree(what, c->text, c->len, f, n);
	}
}

/* Integers' values, copies, and no field or text at all. */
static void
test_integer_and_edges(void **state)
{
	struct jsonscan_field	 f[2] = { { .key = "a" }, { .key = "b" } };
	const char		*t;
	char			 buf[8];

	(void)state;
	t = "{\"a\":-999999999999999999,\"b\":-0}";
	assert_int_equal(jsonscan_object(t, strlen(t), f, 2), 0);
	assert_true(jsonscan_integer(&f[0]) == -999999999999999999LL);
	assert_true(jsonscan_integer(&f[1]) == 0);
	t = "{\"a\":999999999999999999,\"b\":\"7\"}";
	assert_int_equal(jsonscan_object(t, strlen(t), f, 2), 0);
	assert_true(jsonscan_integer(&f[0]) == 999999999999999999LL);
	assert_true(jsonscan_integer(&f[1]) == 0);	/* not an integer */
	/* A copy, whole or cut; an absent field is "". */
	t = "{\"a\":\"Nykvarn\"}";
	assert_int_equal(jsonscan_object(t, strlen(t), f, 2), 0);
	assert_int_equal(jsonscan_copy(&f[0], buf, sizeof(buf)), 7);
	assert_string_equal(buf, "Nykvarn");
	assert_int_equal(jsonscan_copy(&f[0], buf, 4), 7);
	assert_string_equal(buf, "Nyk");
	assert_int_equal(jsonscan_copy(&f[0], buf, 1), 7);
	assert_string_equal(buf, "");
	assert_int_equal(jsonscan_copy(&f[1], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* No field asked for: still the whole text is checked. */
	assert_int_equal(jsonscan_object(t, strlen(t), NULL, 0), 0);
	assert_int_equal(jsonscan_object("{\"\\u0061\":1}", 12, NULL, 0), 0);
	assert_int_equal(jsonscan_object("{\"a\":01}", 8, NULL, 0), -1);
	/* No text; a text cut by its length. */
	assert_int_equal(jsonscan_object(NULL, 0, f, 2), -1);
	assert_int_equal(f[0].type, JS_ABSENT);
	assert_int_equal(jsonscan_object("{\"a\":1}", 6, f, 2), -1);
	assert_int_equal(jsonscan_object("{\"a\":1}xyz", 7, f, 2), 0);
	assert_int_equal(f[0].type, JS_INTEGER);
	/* A failure after a wanted member clears it. */
	assert_int_equal(jsonscan_object("{\"a\":1,\"b\":01}", 14, f, 2), -1);
	assert_int_equal(f[0].type, JS_ABSENT);
	assert_null(f[0].value);
}

/* d levels of objects or arrays, one in another: "{"a":...}" text. */
static size_t
nest(char *buf, size_t cap, int d, bool arrays)
{
	const char	*open = arrays ? "[" : "{\"b\":";
	size_t		 len = 5, olen = strlen(open);
	int		 i;

	assert_true((size_t)d * (olen + 1) + 8 < cap);
	memcpy(buf, "{\"a\":", len);
	for (i = 1; i < d; i++, len += olen)
		memcpy(buf + len, open, olen);
	buf[len++] = '1';
	for (i = 1; i < d; i++)
		buf[len++] = arrays ? ']' : '}';
	buf[len++] = '}';
	buf[len] = '\0';
	return len;
}

/* 32 levels are scanned, 33 left to jansson. */
static void
test_depth(void **state)
{
	struct jsonscan_field	 f[1] = { { .key = "a" } };
	char			 buf[512];
	json_t			*root;
	size_t			 len;
	int			 arrays;

	(void)state;
	for (arrays = 0; arrays < 2; arrays++) {
		len = nest(buf, sizeof(buf), 32, arrays);
		assert_int_equal(jsonscan_object(buf, len, f, 1), 0);
		assert_int_equal(f[0].type, arrays ? JS_ARRAY : JS_OBJECT);
		agree("depth 32", buf, len, f, 1);
		len = nest(buf, sizeof(buf), 33, arrays);
		assert_int_equal(jsonscan_object(buf, len, f, 1), -1);
		root = jansson_object(buf, len);
		assert_non_null(root);
		json_decref(root);
		len = nest(buf, sizeof(buf), 1, arrays);
		assert_int_equal(jsonscan_object(buf, len, f, 1), 0);
		assert_int_equal(f[0].type, JS_INTEGER);
	}
}

/* A realistic answer and the members to ask it for. */
struct seed {
	const char	*text;
	const char	*keys[MAX_WANT];
};

static const struct seed seeds[] = {
	/* 46elks: an SMS, Swedish text raw. */
	{ "{\"id\": \"s70df59e1c7b21a0c9b0a1f2e3d4c5b6a7\", \"status\": "
	    "\"created\", \"direction\": \"outgoing\", \"from\": \"Nykvarn\", "
	    "\"to\": \"+46700000001\", \"message\": \"Str\xc3\xb6mavbrott i "
	    "centrala Nykvarn. Trygghetspunkter \xc3\xa4r \xc3\xb6ppna "
	    "p\xc3\xa5 \xc3\x85v\xc3\xa4gen.\", \"created\": "
	    "\"2026-11-26T18:30:01.241356\", \"parts\": 1, \"cost\": 3500}",
	    { "id", "status", "state", "parts", "cost", "message" } },
	/* 46elks: an SMS, the text \u-escaped and with newlines. */
	{ "{\"status\":\"created\",\"direction\":\"outgoing\",\"from\":"
	    "\"Nykvarn\",\"created\":\"2025-11-26T18:30:01.241356\","
	    "\"parts\":2,\"to\":\"+46701234567\",\"cost\":7000,\"message\":"
	    "\"Str\\u00f6mavbrott.\\nTrygghetspunkter \\u00e4r "
	    "\\u00f6ppna.\\n\\u00c5terkom "
	    "med \\\"JA\\\" \\/ \\\"NEJ\\\".\\t\\ud83d\\udea8\",\"id\":"
	    "\"s17a6e09b1d2c3f4a5b6c7d8e9f0a1b2c\"}",
	    { "id", "status", "state", "parts" } },
	/* 46elks: a call, with nested actions. */
	{ "{\"direction\": \"outgoing\", \"from\": \"+46766860000\", \"to\": "
	    "\"+46701234567\", \"created\": \"2026-11-26T19:30:00.512000\", "
	    "\"state\": \"ongoing\", \"timeout\": 30, \"id\": "
	    "\"c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b\", \"actions\": [{\"ivr\": "
	    "\"https://larm.nykvarn.example/media/0a1b.wav\", \"digits\": 1, "
	    "\"timeout\": 10, \"repeat\": 2, \"next\": \"https://larm."
	    "nykvarn.example/hooks/elks/voice?s=x&d=42\"}]}",
	    { "id", "status", "state", "actions", "timeout" } },
	/* 46elks: a failed call, and an error answer. */
	{ "{\"direction\": \"outgoing\", \"from\": \"+46766860000\", \"to\": "
	    "\"+46701234567\", \"created\": \"2026-11-26T19:30:00.512000\", "
	    "\"state\": \"failed\", \"id\": "
	    "\"c0000000000000000000000000000000f\"}",
	    { "id", "status", "state" } },
	{ "{\"error\": \"Missing key message\"}",
	    { "id", "status", "state", "error" } },
	/* Twilio: a message, nulls and nested subresource_uris. */
	{ "{\"account_sid\": \"AC0123456789abcdef0123456789abcdef\", "
	    "\"api_version\": \"2010-04-01\", \"body\": \"Brand vid "
	    "Skolgatan\", \"date_created\": \"Thu, 26 Nov 2026 19:30:00 "
	    "+0000\", \"date_sent\": null, \"direction\": \"outbound-api\", "
	    "\"error_code\": null, \"error_message\": null, \"from\": "
	    "\"+46766860000\", \"messaging_service_sid\": null, \"num_media\": "
	    "\"0\", \"num_segments\": \"1\", \"price\": null, \"price_unit\": "
	    "\"USD\", \"sid\": \"SM0f1e2d3c4b5a69788796a5b4c3d2e1f0\", "
	    "\"status\": \"queued\", \"subresource_uris\": {\"media\": "
	    "\"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/"
	    "Messages/SM0f1e2d3c4b5a69788796a5b4c3d2e1f0/Media.json\"}, "
	    "\"to\": \"+46701234567\", \"uri\": \"/2010-04-01/Accounts/"
	    "AC0123456789abcdef0123456789abcdef/Messages/"
	    "SM0f1e2d3c4b5a69788796a5b4c3d2e1f0.json\"}",
	    { "sid", "status", "error_code", "error_message",
	    "subresource_uris", "price" } },
	/* Twilio: a failed message, and an error answer. */
	{ "{\"sid\": \"SM1111111111111111111111111111111a\", \"status\": "
	    "\"failed\", \"error_code\": 30007, \"error_message\": \"Message "
	    "filtered\", \"price\": -0.0075, \"to\": \"+46701234567\"}",
	    { "sid", "status", "error_code", "error_message", "price" } },
	{ "{\"code\": 21211, \"message\": \"Invalid 'To' Phone Number: "
	    "+4670123\", \"more_info\": \"https://www.twilio.com/docs/errors/"
	    "21211\", \"status\": 400}",
	    { "code", "message", "status", "more_info" } },
	/* Pretty-printed, with every kind of value and an empty key. */
	{ "{\r\n\t\"id\" : \"x1\",\r\n\t\"ok\" : true,\r\n\t\"no\" : false,"
	    "\r\n\t\"none\" : null,\r\n\t\"\" : \"\",\r\n\t\"n\" : [ -0, 0.5, "
	    "[ ], { }, [ { \"id\" : \"inner\\u00e5\" } ] ],\r\n\t\"text\" : "
	    "\"rad 1\\r\\nrad 2\\u0009\\\\\"\r\n}\r\n",
	    { "id", "ok", "no", "none", "", "n" } },
	/* A repeated name, Swedish keys raw. */
	{ "{\"status\": \"queued\", \"id\": \"a1\", \"\xc3\xa5r\": 2026, "
	    "\"status\": \"sent\", \"m\xc3\xb6te\": {\"plats\": "
	    "\"K\xc3\xa4llan\", \"tid\": [1, 2.25, \"\\u00e4\"]}}",
	    { "status", "id", "\xc3\xa5r", "m\xc3\xb6te" } },
};

/* splitmix64: a fixed sequence, so a failure can be repeated. */
static uint64_t
next_rand(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Insert n bytes at i, as room allows. */
static size_t
insert(char *buf, size_t len, size_t i, const char *s, size_t n)
{
	if (len + n > MUTANT_MAX)
		return len;
	memmove(buf + i + n, buf + i, len - i);
	memcpy(buf + i, s, n);
	return len + n;
}

/*
 * One mutation of buf: a bit flipped, a byte replaced, bytes of JSON's
 * syntax or of UTF-8 inserted, a token inserted, bytes deleted, the
 * text cut, or a piece of it copied elsewhere.
 */
static size_t
mutate(char *buf, size_t len, uint64_t *rs)
{
	static const char	 bytes[] =
	    "\"\\{}[],:0-.eE+ \0\xc3\xa5\xed\xa0\x80\n\t\x01\x7f\xff";
	static const char *const tokens[] = { "\\u", "\\ud800", "\\udc00",
		"\\u0000", "\\u00e5", "\\n", "1e5", "true", "null", "-0",
		"\"id\":", "\"status\":\"x\",", "{", "[]", "\":\"", "0.5",
		"12345678901234567890", "\xc3\xa5", "\xf0\x9f\x98\x80" };
	uint64_t		 r = next_rand(rs);
	size_t			 i = len ? (size_t)(r >> 8) % len : 0;
	size_t			 n, j;
	const char		*t;
	char			 piece[32];

	switch (r % 8) {
	case 0:
		if (len)
			buf[i] ^= (char)(1 << (r >> 40) % 8);
		return len;
	case 1:
		if (len)
			buf[i] = bytes[(r >> 40) % (sizeof(bytes) - 1)];
		return len;
	case 2:
		return insert(buf, len, i, &bytes[(r >> 40) %
		    (sizeof(bytes) - 1)], 1);
	case 3:
		t = tokens[(r >> 40) % nitems(tokens)];
		return insert(buf, len, i, t, strlen(t));
	case 4:
		n = 1 + (r >> 40) % 4;
		if (n > len - i)
			n = len - i;
		memmove(buf + i, buf + i + n, len - i - n);
		return len - n;
	case 5:
		return i;
	case 6:
		if (len)
			buf[i] = (char)(r >> 40);
		return len;
	default:
		if (len == 0)
			return len;
		j = (size_t)(r >> 24) % len;
		n = 1 + (r >> 48) % sizeof(piece);
		if (n > len - j)
			n = len - j;
		memcpy(piece, buf + j, n);
		return insert(buf, len, i, piece, n);
	}
}

/* Ask a text for a seed's members; 0 or -1 as jsonscan_object. */
static int
scan_seed(const struct seed *s, const char *text, size_t len,
    struct jsonscan_field *f, size_t *n)
{
	for (*n = 0; *n < MAX_WANT && s->keys[*n] != NULL; (*n)++)
		f[*n].key = s->keys[*n];
	return jsonscan_object(text, len, f, *n);
}

/* Every seed is scanned (no needless fallback) and as jansson reads it. */
static void
test_seeds(void **state)
{
	struct jsonscan_field	f[MAX_WANT];
	char			what[32];
	size_t			i, k, n;

	(void)state;
	for (i = 0; i < nitems(seeds); i++) {
		snprintf(what, sizeof(what), "seed %zu", i);
		if (scan_seed(&seeds[i], seeds[i].text, strlen(seeds[i].text),
		    f, &n) != 0) {
			dump(what, seeds[i].text, strlen(seeds[i].text));
			fail_msg("%s: not scanned", what);
		}
		for (k = 0; k < n && f[k].type == JS_ABSENT; k++)
			;
		if (k == n)
			fail_msg("%s: none of its members found", what);
		agree(what, seeds[i].text, strlen(seeds[i].text), f, n);
	}
}

/*
 * The seeds mutated MUTANTS times, one to three changes each: whatever
 * the scanner accepts, jansson must read alike. A scanner that accepted
 * nothing would pass, so it must also accept a good share.
 */
static void
test_differential(void **state)
{
	static char		 buf[MUTANT_MAX + 1];
	struct jsonscan_field	 f[MAX_WANT];
	const struct seed	*s;
	json_t			*root;
	uint64_t		 rs = 20261126;
	size_t			 i, len, n, objects = 0, scanned = 0;
	int			 k, changes;
	char			 what[32];

	(void)state;
	for (i = 0; i < MUTANTS; i++) {
		s = &seeds[i % nitems(seeds)];
		len = strlen(s->text);
		memcpy(buf, s->text, len);
		changes = 1 + (int)(next_rand(&rs) % 3);
		for (k = 0; k < changes; k++)
			len = mutate(buf, len, &rs);
		root = jansson_object(buf, len);
		if (root != NULL)
			objects++;
		json_decref(root);
		if (scan_seed(s, buf, len, f, &n) != 0)
			continue;
		scanned++;
		snprintf(what, sizeof(what), "mutant %zu", i);
		agree(what, buf, len, f, n);
	}
	print_message("%d mutants: %zu objects for jansson, %zu scanned "
	    "alike\n", MUTANTS, objects, scanned);
	assert_true(scanned > MUTANTS / 10);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_integer_and_edges),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
