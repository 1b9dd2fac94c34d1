/*
 * Speech for calls through providers that play audio files: espeak-ng
 * (synchronous mode, no sound device) renders a text once per language
 * and text into a 16-bit mono WAV file in the cache folder; the file is
 * named by the SHA-256 of "lang\ntext", so GET /media/<id> cannot be
 * guessed without knowing the message.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <espeak-ng/speak_lib.h>

#include "log.h"
#include "media.h"
#include "util.h"

#define MEDIA_MAX_TEXT	4000		/* bytes of text per call */
#define MEDIA_MAX_PCM	(32 * 1024 * 1024)

struct media {
	char	*dir;
	int	 rate;			/* samples per second */
};

/* Samples collected by the synthesis callback. */
struct pcm {
	int16_t	*v;
	size_t	 n;
	size_t	 cap;
	bool	 failed;
};

/* espeak-ng's voice for a language; Swedish when it has none. */
static const char *
voice_for(const char *lang)
{
	static const char *const known[] = {
		"sv", "en", "fi", "ar", "fa", "de", "no", "da", NULL
	};
	size_t	i;

	for (i = 0; lang != NULL && known[i] != NULL; i++)
		if (strcmp(known[i], lang) == 0)
			return known[i];
	return "sv";
}

/* espeak-ng hands over audio in pieces; keep them. */
static int
synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	struct pcm	*p = ev != NULL ? ev->user_data : NULL;

	if (p == NULL || wav == NULL || n <= 0 || p->failed)
		return 0;
	if (p->n + (size_t)n > p->cap) {
		size_t	 cap = p->cap ? p->cap * 2 : 65536;
		int16_t	*v;

		while (cap < p->n + (size_t)n)
			cap *= 2;
		if (cap * sizeof(*v) > MEDIA_MAX_PCM ||
		    (v = realloc(p->v, cap * sizeof(*v))) == NULL) {
			p->failed = true;
			return 1;	/* stop synthesis */
		}
		p->v = v;
		p->cap = cap;
	}
	memcpy(p->v + p->n, wav, (size_t)n * sizeof(*wav));
	p->n += (size_t)n;
	return 0;
}

struct media *
media_new(const char *cache_dir, char *err, size_t errlen)
{
	struct media	*m;
	struct stat	 st;
	int		 rate;

	if (stat(cache_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a folder", cache_dir);
		return NULL;
	}
	rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, 0);
	if (rate <= 0) {
		snprintf(err, errlen, "espeak-ng did not start (is "
		    "espeak-ng-data installed?)");
		return NULL;
	}
	espeak_SetSynthCallback(synth_cb);
	m = xcalloc(1, sizeof(*m));
	m->dir = xstrdup(cache_dir);
	m->rate = rate;
	return m;
}

void
media_free(struct media *m)
{
	if (m == NULL)
		return;
	espeak_Terminate();
	free(m->dir);
	free(m);
}

/* Little-endian integers for the RIFF header. */
static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)(v & 0xffff));
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Write pcm as a WAV file at path (through a temporary file). */
static int
write_wav(const char *path, const struct pcm *p, int rate, char *err,
    size_t errlen)
{
	unsigned char	 h[44];
	uint32_t	 bytes = (uint32_t)(p->n * 2);
	char		 tmp[4300];
	FILE		*f;
	size_t		 i;

	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);		/* fmt chunk size */
	put16(h + 20, 1);		/* PCM */
	put16(h + 22, 1);		/* mono */
	put32(h + 24, (uint32_t)rate);
	put32(h + 28, (uint32_t)rate * 2);
	put16(h + 32, 2);		/* block align */
	put16(h + 34, 16);		/* bits */
	memcpy(h + 36, "data", 4);
	put32(h + 40, bytes);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path,
	    (int)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "the media folder path is too long");
		return -1;
	}
	if ((f = fopen(tmp, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fwrite(h, 1, sizeof(h), f);
	for (i = 0; i < p->n; i++) {
		unsigned char	s[2];

		put16(s, (uint16_t)p->v[i]);
		fwrite(s, 1, 2, f);
	}
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
media_render(struct media *m, const char *lang, const char *text,
    char *id_out, size_t idlen, char *err, size_t errlen)
{
	struct pcm	 p;
	struct stat	 st;
	char		 hash[65], path[4200], *key;
	size_t		 len = strlen(text);
	int		 rc = -1;

	if (len == 0 || len > MEDIA_MAX_TEXT) {
		snprintf(err, errlen, "the text is empty or longer than %d "
		    "bytes", MEDIA_MAX_TEXT);
		return -1;
	}
	if ((key = str_printf("%s\n%s", voice_for(lang), text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sha256_hex(key, strlen(key), hash);
	free(key);
	snprintf(id_out, idlen, "%s.wav", hash);
	snprintf(path, sizeof(path), "%s/%s.wav", m->dir, hash);
	if (stat(path, &st) == 0 && st.st_size > 44)
		return 0;	/* rendered before */

	memset(&p, 0, sizeof(p));
	if (espeak_SetVoiceByName(voice_for(lang)) != EE_OK &&
	    espeak_SetVoiceByName("sv") != EE_OK) {
		snprintf(err, errlen, "espeak-ng has no voice for %s", lang);
		return -1;
	}
	espeak_SetParameter(espeakRATE, 150, 0);	/* calm, clear */
	if (espeak_Synth(text, len + 1, 0, POS_CHARACTER, 0,
	    espeakCHARS_UTF8, NULL, &p) != EE_OK || p.failed || p.n == 0)
		snprintf(err, errlen, "espeak-ng could not render the text");
	else
		rc = write_wav(path, &p, m->rate, err, errlen);
	free(p.v);
	return rc;
}

int
media_path(struct media *m, const char *id, char *path, size_t len)
{
	size_t	i;

	if (id == NULL || strlen(id) != 68 || strcmp(id + 64, ".wav") != 0)
		return -1;
	for (i = 0; i < 64; i++)
		if (!isdigit((unsigned char)id[i]) &&
		    !(id[i] >= 'a' && id[i] <= 'f'))
			return -1;
	snprintf(path, len, "%s/%s", m->dir, id);
	return access(path, R_OK) == 0 ? 0 : -1;
}
