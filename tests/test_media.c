/*
 * Tests of the speech cache (gateway/media.c) with the real espeak-ng:
 * a valid WAV file, one render per (language, text), ids that differ by
 * language and by cache key, and ids that cannot leave the folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/media.h"
#include "gateway/util.h"

#define SV_TEXT	"Viktigt meddelande från Nykvarns kommun. Tryck ett för " \
		"att bekräfta."

/* A fresh cache folder and a renderer on it. */
struct tctx {
	char		 dir[64];
	struct media	*m;
};

/* Remove every file of a folder, then the folder. */
static void
rm_dir(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	char		 p[512];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Files in a folder (the key file included). */
static int
count_files(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".key") == 0)
			n++;
	closedir(d);
	return n;
}

/* Make the folder and the renderer. */
static int
setup(void **state)
{
	struct tctx	*t = calloc(1, sizeof(*t));
	char		 err[256] = "";

	assert_non_null(t);
	strlcpy(t->dir, "/tmp/test_media.XXXXXX", sizeof(t->dir));
	assert_non_null(mkdtemp(t->dir));
	t->m = media_new(t->dir, err, sizeof(err));
	if (t->m == NULL)
		fail_msg("media_new: %s", err);
	*state = t;
	return 0;
}

/* Free the renderer and remove the folder. */
static int
teardown(void **state)
{
	struct tctx	*t = *state;

	media_free(t->m);
	rm_dir(t->dir);
	free(t);
	return 0;
}

/* Render text in lang; the test fails with the error if it cannot. */
static void
render(struct media *m, const char *lang, const char *text, char *id,
    size_t idlen)
{
	char	err[256] = "";

	if (media_render(m, lang, text, id, idlen, err, sizeof(err)) == -1)
		fail_msg("media_render(%s): %s", lang ? lang : "NULL", err);
}

/* Read a whole file. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*buf;
	struct stat	 st;
	FILE		*fp;

	assert_int_equal(stat(path, &st), 0);
	assert_non_null(fp = fopen(path, "rb"));
	assert_non_null(buf = malloc((size_t)st.st_size + 1));
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp),
	    (size_t)st.st_size);
	fclose(fp);
	*len = (size_t)st.st_size;
	return buf;
}

/* Little-endian numbers of the WAV header. */
static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* A little-endian 16-bit number. */
static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Swedish text becomes a valid 16-bit mono PCM WAV with real sound. */
static void
test_render_wav(void **state)
{
	struct tctx	*t = *state;
	char		 id[96], path[512];
	unsigned char	*w;
	size_t		 len, i, loud = 0;
	uint32_t	 rate;

	render(t->m, "sv", SV_TEXT, id, sizeof(id));
	assert_int_equal(strlen(id), 68);
	assert_int_equal(strspn(id, "0123456789abcdef"), 64);
	assert_string_equal(id + 64, ".wav");
	assert_int_equal(media_path(t->m, id, path, sizeof(path)), 0);
	assert_true(strncmp(path, t->dir, strlen(t->dir)) == 0);

	w = slurp(path, &len);
	assert_true(len > 44);
	assert_memory_equal(w, "RIFF", 4);
	assert_int_equal(le32(w + 4), len - 8);
	assert_memory_equal(w + 8, "WAVEfmt ", 8);
	assert_int_equal(le32(w + 16), 16);
	assert_int_equal(le16(w + 20), 1);		/* PCM */
	assert_int_equal(le16(w + 22), 1);		/* mono */
	rate = le32(w + 24);
	assert_in_range(rate, 8000, 48000);
	assert_int_equal(le32(w + 28), rate * 2);
	assert_int_equal(le16(w + 32), 2);
	assert_int_equal(le16(w + 34), 16);
	assert_memory_equal(w + 36, "data", 4);
	assert_int_equal(le32(w + 40), len - 44);
	/* The sentence takes seconds to say, not a blip... */
	assert_true(len - 44 > rate * 2 * 2);
	/* ...and is not silence. */
	for (i = 44; i + 1 < len; i += 2)
		if ((int16_t)le16(w + i) > 3000 || (int16_t)le16(w + i) < -3000)
			loud++;
	assert_true(loud > 100);
	free(w);
}

/* The same language and text are rendered once: the file is untouched. */
static void
test_render_once(void **state)
{
	struct tctx	*t = *state;
	char		 id1[96], id2[96], id3[96], path[512];
	struct stat	 st1, st2;
	int		 n;

	render(t->m, "sv", SV_TEXT, id1, sizeof(id1));
	assert_int_equal(media_path(t->m, id1, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st1), 0);
	n = count_files(t->dir);
	/* Long enough for a rewrite to show in the mtime. */
	usleep(20000);
	render(t->m, "sv", SV_TEXT, id2, sizeof(id2));
	assert_string_equal(id1, id2);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
	assert_int_equal(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	assert_int_equal(count_files(t->dir), n);
	/* A region subtag is the same language. */
	render(t->m, "sv-SE", SV_TEXT, id3, sizeof(id3));
	assert_string_equal(id1, id3);
	/* Another text is another file. */
	render(t->m, "sv", SV_TEXT " ", id3, sizeof(id3));
	assert_string_not_equal(id1, id3);
	assert_int_equal(count_files(t->dir), n + 1);
}

/* Languages give different ids and different sound; unknown ones work. */
static void
test_languages(void **state)
{
	static const char *const langs[] = { "sv", "en", "fi", "ar", "so",
	    NULL, "" };
	struct tctx	*t = *state;
	char		 ids[nitems(langs)][96], path[512];
	unsigned char	*a, *b;
	size_t		 i, j, alen, blen;

	for (i = 0; i < nitems(langs); i++) {
		render(t->m, langs[i], "Nykvarn 112", ids[i], sizeof(ids[i]));
		assert_int_equal(media_path(t->m, ids[i], path, sizeof(path)),
		    0);
	}
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				fail_msg("%s and %s share an id", langs[i],
				    langs[j]);
	/* No language (or an empty one) is Swedish. */
	assert_string_equal(ids[5], ids[0]);
	assert_string_equal(ids[6], ids[0]);
	/* The English voice really differs from the Swedish one. */
	assert_int_equal(media_path(t->m, ids[0], path, sizeof(path)), 0);
	a = slurp(path, &alen);
	assert_int_equal(media_path(t->m, ids[1], path, sizeof(path)), 0);
	b = slurp(path, &blen);
	assert_true(alen != blen || memcmp(a, b, alen) != 0);
	free(a);
	free(b);
}

/*
 * Each language of Nykvarn has a voice in espeak-ng: sv, en, ar, fi and
 * fa their own, Somali the Oromo one (media.c says why). A language read
 * with the Swedish fallback would sound as Swedish does.
 */
static void
test_six_voices(void **state)
{
	static const char *const langs[] = { "en", "ar", "fi", "so", "fa" };
	struct tctx	*t = *state;
	char		 sv[96], id[96], path[512];
	unsigned char	*a, *b;
	size_t		 i, alen, blen;

	assert_string_equal(media_voice("so"), "om");
	assert_string_equal(media_voice("ar"), "ar");
	render(t->m, "sv", "Nykvarn, stationen, klockan tio.", sv, sizeof(sv));
	assert_int_equal(media_path(t->m, sv, path, sizeof(path)), 0);
	a = slurp(path, &alen);
	for (i = 0; i < nitems(langs); i++) {
		render(t->m, langs[i], "Nykvarn, stationen, klockan tio.", id,
		    sizeof(id));
		assert_int_equal(media_path(t->m, id, path, sizeof(path)), 0);
		b = slurp(path, &blen);
		if (alen == blen && memcmp(a, b, alen) == 0)
			fail_msg("%s sounds as Swedish does: no voice",
			    langs[i]);
		free(b);
	}
	free(a);
}

/* The cache key is kept: same id after a restart, another in a new cache. */
static void
test_key(void **state)
{
	struct tctx	*t = *state;
	struct media	*m2, *m3;
	char		 dir3[64], err[256], id1[96], id2[96], id3[96];
	char		 path[512];
	struct stat	 st;
	FILE		*fp;

	render(t->m, "sv", "Hej", id1, sizeof(id1));
	snprintf(path, sizeof(path), "%s/.key", t->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 64);
	/* The key is never served. */
	assert_int_equal(media_path(t->m, ".key", path, sizeof(path)), -1);

	assert_non_null(m2 = media_new(t->dir, err, sizeof(err)));
	render(m2, "sv", "Hej", id2, sizeof(id2));
	assert_string_equal(id1, id2);
	media_free(m2);

	strlcpy(dir3, "/tmp/test_media.XXXXXX", sizeof(dir3));
	assert_non_null(mkdtemp(dir3));
	assert_non_null(m3 = media_new(dir3, err, sizeof(err)));
	render(m3, "sv", "Hej", id3, sizeof(id3));
	/* Knowing the text is not enough to know the id. */
	assert_string_not_equal(id1, id3);
	media_free(m3);

	/* A damaged key is an error, never silently replaced. */
	snprintf(path, sizeof(path), "%s/.key", dir3);
	assert_int_equal(unlink(path), 0);
	assert_non_null(fp = fopen(path, "w"));
	fputs("0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdeX", fp);
	fclose(fp);
	err[0] = '\0';
	assert_null(media_new(dir3, err, sizeof(err)));
	assert_non_null(strstr(err, "not a cache key"));
	rm_dir(dir3);
}

/* Only existing 64-hex .wav ids map to a path: no way out of the folder. */
static void
test_bad_ids(void **state)
{
	static const char *const bad[] = {
		"../x",
		"abc.wav",
		"0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef"
		    ".mp3",
		"0123456789ABCDEF0123456789abcdef"
		    "0123456789abcdef0123456789abcdef"
		    ".wav",
		"../3456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef"
		    ".wav",
		"0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef"
		    ".wav/",
		"0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcde"
		    ".wav",
		"",
		".key",
		"/etc/passwd",
	};
	/* Well formed but never rendered. */
	static const char	unknown[] =
	    "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef.wav";
	struct tctx	*t = *state;
	char		 id[96], path[512], small[8];
	size_t		 i;

	for (i = 0; i < nitems(bad); i++)
		if (media_path(t->m, bad[i], path, sizeof(path)) != -1)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(media_path(t->m, unknown, path, sizeof(path)), -1);
	assert_int_equal(media_path(t->m, NULL, path, sizeof(path)), -1);
	/* A real id with a path buffer too small is refused, not cut. */
	render(t->m, "sv", "Hej", id, sizeof(id));
	assert_int_equal(media_path(t->m, id, small, sizeof(small)), -1);
}

/* Errors name what went wrong. */
static void
test_errors(void **state)
{
	struct tctx	*t = *state;
	char		 err[256], id[96], big[20000];

	err[0] = '\0';
	assert_null(media_new("/nonexistent/varsel-media", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/varsel-media"));
	err[0] = '\0';
	assert_int_equal(media_render(t->m, "sv", "", id, sizeof(id), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "text"));
	assert_int_equal(media_render(t->m, "sv", "Hej", id, 60, err,
	    sizeof(err)), -1);
	memset(big, 'a', 4097);		/* one over MEDIA_TEXT_MAX */
	big[4097] = '\0';
	assert_int_equal(media_render(t->m, "sv", big, id, sizeof(id), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	media_free(NULL);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_render_wav, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_render_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_languages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_six_voices, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
