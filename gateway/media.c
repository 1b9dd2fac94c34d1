/*
 * Speech rendered by Varsel for providers that play audio files: the
 * text of a call goes through espeak-ng (Debian's libespeak-ng) in the
 * recipient's language and is written once as a 16-bit mono PCM WAV
 * file into a cache folder, where GET /media/<id> finds it.
 *
 * The id is HMAC-SHA256(cache key, lang "\n" text) in hex plus ".wav".
 * The cache key is 32 random bytes kept in <cache>/.key (made on first
 * use, mode 0600), so an id cannot be guessed even by someone who knows
 * an alert's text, and stays the same over restarts (the cache is kept).
 *
 * espeak-ng is one engine per process: it is started by the first
 * media_new() and lives until exit. espeak-ng 1.51 hangs in
 * espeak_ng_Terminate() once it has been initialised a second time, so
 * it is never stopped; its memory stays reachable, not leaked. Rendering
 * is synchronous on the caller's thread (once per alert and language: a
 * 200-character Swedish text takes 12 to 40 ms for 14 s of speech).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <openssl/rand.h>

#include "log.h"
#include "media.h"
#include "util.h"

#define MEDIA_KEY_FILE		".key"
#define MEDIA_KEY_BYTES		32
#define MEDIA_ID_HEX		64
#define MEDIA_EXT		".wav"
#define MEDIA_ID_LEN		(MEDIA_ID_HEX + sizeof(MEDIA_EXT) - 1)
/*
 * Bytes of text per render: an SMS text (ALERT_MESSAGE_MAX) with the
 * press-one sentence, or a voice template, with room. Rendering runs on
 * the event loop, about 14 s of speech per 200 characters.
 */
#define MEDIA_TEXT_MAX		4096
#define MEDIA_FALLBACK		"sv"	/* voice for unknown languages */

/*
 * Languages of Nykvarn that espeak-ng has no voice of its own for, and
 * the voice that reads them best. Debian 12's espeak-ng-data (1.51) has
 * sv, en, ar, fi and fa, but no Somali: Somali is read by the Oromo
 * voice, the one Cushitic voice espeak-ng has, whose letters sound as
 * Somali writes them (double vowels long, dh, sh, x and c close). Found
 * by listing /usr/lib/x86_64-linux-gnu/espeak-ng-data/lang (cus/om).
 */
static const struct {
	const char	*lang;
	const char	*voice;
} media_voices[] = {
	{ "so", "om" },
};
#define MEDIA_RATE_WPM		155	/* a little slower than 175: phones */
#define MEDIA_WAV_HEADER	44

/* A renderer and its cache folder. */
struct media {
	char	*dir;
	char	 key[2 * MEDIA_KEY_BYTES + 1];	/* hex */
};

/* Samples of the render in progress (espeak-ng calls back with them). */
struct media_pcm {
	int16_t	*s;
	size_t	 n;
	size_t	 cap;
	bool	 failed;
};

static bool		 media_engine_ready;
static int		 media_rate;		/* samples per second */
static struct media_pcm	*media_current;		/* the render in progress */

static int	media_engine_start(char *, size_t);
static int	media_synth_cb(short *, int, espeak_EVENT *);
static int	media_key(struct media *, char *, size_t);
static int	media_key_read(const char *, char *, size_t);
static void	media_lang(const char *, char *, size_t);
static int	media_synth(const char *, const char *, struct media_pcm *,
		    char *, size_t);
static int	media_write(struct media *, const char *,
		    const struct media_pcm *, char *, size_t);
static void	media_le32(unsigned char *, uint32_t);
static void	media_le16(unsigned char *, uint16_t);
static bool	media_id_ok(const char *);

struct media *
media_new(const char *cache_dir, char *err, size_t errlen)
{
	struct media	*m;
	struct stat	 st;

	if (cache_dir == NULL || cache_dir[0] == '\0') {
		snprintf(err, errlen, "media: no cache folder");
		return NULL;
	}
	if (stat(cache_dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", cache_dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a folder", cache_dir);
		return NULL;
	}
	if (media_engine_start(err, errlen) == -1)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->dir = strdup(cache_dir)) == NULL) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (media_key(m, err, errlen) == -1) {
		media_free(m);
		return NULL;
	}
	return m;
}

void
media_free(struct media *m)
{
	if (m == NULL)
		return;
	explicit_bzero(m->key, sizeof(m->key));
	free(m->dir);
	free(m);
}

int
media_render(struct media *m, const char *lang, const char *text,
    char *id_out, size_t idlen, char *err, size_t errlen)
{
	struct media_pcm	 pcm = { 0 };
	struct stat		 st;
	char			 l[8], hex[65], path[4096];
	char			*in;
	size_t			 tlen;
	int			 rc;

	if (text == NULL || (tlen = strlen(text)) == 0) {
		snprintf(err, errlen, "media: no text to speak");
		return -1;
	}
	if (tlen > MEDIA_TEXT_MAX) {
		snprintf(err, errlen, "media: text of %zu bytes is too long to "
		    "speak (at most %d)", tlen, MEDIA_TEXT_MAX);
		return -1;
	}
	if (idlen < MEDIA_ID_LEN + 1) {
		snprintf(err, errlen, "media: id buffer too small");
		return -1;
	}
	media_lang(lang, l, sizeof(l));
	if ((in = str_printf("%s\n%s", l, text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	hmac_sha256_hex(m->key, strlen(m->key), in, strlen(in), hex);
	free(in);
	snprintf(id_out, idlen, "%s%s", hex, MEDIA_EXT);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", m->dir, id_out) >=
	    sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", m->dir);
		return -1;
	}
	/* Rendered before: files only appear complete (rename). */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > MEDIA_WAV_HEADER)
		return 0;
	if (media_synth(media_voice(l), text, &pcm, err, errlen) == -1) {
		free(pcm.s);
		return -1;
	}
	rc = media_write(m, path, &pcm, err, errlen);
	if (rc == 0)
		log_info("evt=speech_rendered lang=%s voice=%s seconds=%zu",
		    l, media_voice(l), pcm.n / (size_t)(media_rate > 0 ?
		    media_rate : 1));
	free(pcm.s);
	return rc;
}

const char *
media_voice(const char *lang)
{
	size_t	i;

	for (i = 0; i < nitems(media_voices); i++)
		if (strcmp(media_voices[i].lang, lang) == 0)
			return media_voices[i].voice;
	return lang;
}

int
media_path(struct media *m, const char *id, char *path, size_t len)
{
	struct stat	st;

	if (m == NULL || id == NULL || !media_id_ok(id))
		return -1;
	if ((size_t)snprintf(path, len, "%s/%s", m->dir, id) >= len)
		return -1;
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return -1;
	return 0;
}

/* Start espeak-ng once per process, writing to our callback. */
static int
media_engine_start(char *err, size_t errlen)
{
	espeak_ng_ERROR_CONTEXT	 ctx = NULL;
	espeak_ng_STATUS	 st;
	char			 msg[128];

	if (media_engine_ready)
		return 0;
	espeak_ng_InitializePath(NULL);
	if ((st = espeak_ng_Initialize(&ctx)) != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		espeak_ng_ClearErrorContext(&ctx);
		snprintf(err, errlen, "espeak-ng: %s (is espeak-ng-data "
		    "installed?)", msg);
		return -1;
	}
	espeak_ng_ClearErrorContext(&ctx);
	if ((st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0,
	    NULL)) != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		snprintf(err, errlen, "espeak-ng output: %s", msg);
		return -1;
	}
	espeak_SetSynthCallback(media_synth_cb);
	media_rate = espeak_ng_GetSampleRate();
	if (media_rate <= 0) {
		snprintf(err, errlen, "espeak-ng: no sample rate");
		return -1;
	}
	media_engine_ready = true;
	return 0;
}

/* espeak-ng hands over samples: keep them; 1 stops the render. */
static int
media_synth_cb(short *wav, int n, espeak_EVENT *events)
{
	struct media_pcm	*p = media_current;
	size_t			 cap;
	int16_t			*ns;

	if (p == NULL || p->failed)
		return 1;
	if (wav == NULL || n <= 0)
		return 0;
	if (p->n + (size_t)n > p->cap) {
		cap = p->cap ? p->cap : 16384;
		while (cap < p->n + (size_t)n)
			cap *= 2;
		if ((ns = realloc(p->s, cap * sizeof(*ns))) == NULL) {
			p->failed = true;
			return 1;
		}
		p->s = ns;
		p->cap = cap;
	}
	memcpy(p->s + p->n, wav, (size_t)n * sizeof(*wav));
	p->n += (size_t)n;
	return 0;
}

/* Read the cache key, or make it: 32 random bytes as hex in .key. */
static int
media_key(struct media *m, char *err, size_t errlen)
{
	unsigned char	 raw[MEDIA_KEY_BYTES];
	char		 path[4096], tmp[4096], hex[sizeof(m->key)];
	int		 fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", m->dir,
	    MEDIA_KEY_FILE) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.key-XXXXXX", m->dir) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", m->dir);
		return -1;
	}
	if ((rc = media_key_read(path, m->key, sizeof(m->key))) == 0)
		return 0;
	if (rc == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == 0 ?
		    "not a cache key (64 hex digits); remove it" :
		    strerror(errno));
		return -1;
	}
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		snprintf(err, errlen, "media: no random bytes for the cache "
		    "key");
		return -1;
	}
	hex_encode(raw, sizeof(raw), hex);
	explicit_bzero(raw, sizeof(raw));
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", m->dir, strerror(errno));
		return -1;
	}
	if (write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex) ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	/* link() never replaces: a key made meanwhile by another wins. */
	if (link(tmp, path) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	if (media_key_read(path, m->key, sizeof(m->key)) != 0) {
		snprintf(err, errlen, "%s: cannot read the cache key back",
		    path);
		return -1;
	}
	explicit_bzero(hex, sizeof(hex));
	return 0;
}

/* The key file's 64 hex digits: 0; 1 if there is none; -1 if bad. */
static int
media_key_read(const char *path, char *key, size_t keylen)
{
	char	buf[2 * MEDIA_KEY_BYTES + 2];
	ssize_t	n, i;
	int	fd;

	errno = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 1 : -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -1;
	errno = 0;
	if (n != 2 * MEDIA_KEY_BYTES || keylen < (size_t)n + 1)
		return -1;
	for (i = 0; i < n; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') ||
		    (buf[i] >= 'a' && buf[i] <= 'f')))
			return -1;
	memcpy(key, buf, (size_t)n);
	key[n] = '\0';
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* The language's primary subtag in lower case ("sv-SE" -> "sv"). */
static void
media_lang(const char *lang, char *out, size_t outlen)
{
	size_t	i;

	if (lang == NULL) {
		strlcpy(out, MEDIA_FALLBACK, outlen);
		return;
	}
	for (i = 0; i + 1 < outlen && i < 3 &&
	    ((lang[i] >= 'a' && lang[i] <= 'z') ||
	    (lang[i] >= 'A' && lang[i] <= 'Z')); i++)
		out[i] = (char)(lang[i] | 0x20);
	out[i] = '\0';
	/* Two or three letters, then the end or a separator. */
	if (i < 2 || (lang[i] != '\0' && lang[i] != '-' && lang[i] != '_'))
		strlcpy(out, MEDIA_FALLBACK, outlen);
}

/*
 * Speak text with the voice of lang (Swedish when espeak-ng has none)
 * into pcm. 0, or -1 with err.
 */
static int
media_synth(const char *lang, const char *text, struct media_pcm *pcm,
    char *err, size_t errlen)
{
	espeak_ng_STATUS	st;
	char			msg[128];

	if ((st = espeak_ng_SetVoiceByName(lang)) != ENS_OK &&
	    (st = espeak_ng_SetVoiceByName(MEDIA_FALLBACK)) != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		snprintf(err, errlen, "espeak-ng: voice %s: %s", lang, msg);
		return -1;
	}
	espeak_ng_SetParameter(espeakRATE, MEDIA_RATE_WPM, 0);
	media_current = pcm;
	st = espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
	    espeakCHARS_UTF8, NULL, NULL);
	if (st == ENS_OK)
		st = espeak_ng_Synchronize();
	media_current = NULL;
	if (pcm->failed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (st != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
		snprintf(err, errlen, "espeak-ng: %s", msg);
		return -1;
	}
	if (pcm->n == 0) {
		snprintf(err, errlen, "espeak-ng: the text gave no sound");
		return -1;
	}
	return 0;
}

/* Write pcm as a WAV file at path: a temporary file, then rename. */
static int
media_write(struct media *m, const char *path, const struct media_pcm *pcm,
    char *err, size_t errlen)
{
	unsigned char	 h[MEDIA_WAV_HEADER];
	unsigned char	*data;
	char		 tmp[4096];
	size_t		 i, dlen = pcm->n * 2;
	FILE		*fp;
	int		 fd;

	if (dlen > UINT32_MAX - 36) {
		snprintf(err, errlen, "media: the speech is too long");
		return -1;
	}
	memcpy(h, "RIFF", 4);
	media_le32(h + 4, (uint32_t)(36 + dlen));
	memcpy(h + 8, "WAVEfmt ", 8);
	media_le32(h + 16, 16);			/* fmt chunk size */
	media_le16(h + 20, 1);			/* PCM */
	media_le16(h + 22, 1);			/* mono */
	media_le32(h + 24, (uint32_t)media_rate);
	media_le32(h + 28, (uint32_t)media_rate * 2);	/* bytes/s */
	media_le16(h + 32, 2);			/* bytes per frame */
	media_le16(h + 34, 16);			/* bits per sample */
	memcpy(h + 36, "data", 4);
	media_le32(h + 40, (uint32_t)dlen);
	if ((data = malloc(dlen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Samples little-endian whatever the host. */
	for (i = 0; i < pcm->n; i++)
		media_le16(data + 2 * i, (uint16_t)pcm->s[i]);
	snprintf(tmp, sizeof(tmp), "%s/.wav-XXXXXX", m->dir);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", m->dir, strerror(errno));
		free(data);
		return -1;
	}
	if ((fp = fdopen(fd, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (fwrite(h, 1, sizeof(h), fp) != sizeof(h) ||
	    fwrite(data, 1, dlen, fp) != dlen || fflush(fp) == EOF ||
	    fsync(fileno(fp)) == -1) {	/* whole on disk before its name */
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) == EOF) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(data);
	return 0;
fail:
	unlink(tmp);
	free(data);
	return -1;
}

/* Store v little-endian in 4 bytes. */
static void
media_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/* Store v little-endian in 2 bytes. */
static void
media_le16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

/* Is id exactly 64 lowercase hex digits and ".wav"? */
static bool
media_id_ok(const char *id)
{
	size_t	i;

	if (strlen(id) != MEDIA_ID_LEN)
		return false;
	for (i = 0; i < MEDIA_ID_HEX; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return strcmp(id + MEDIA_ID_HEX, MEDIA_EXT) == 0;
}
