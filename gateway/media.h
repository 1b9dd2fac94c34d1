/*
 * Speech rendered by Varsel for providers that play audio files (46elks
 * has no Swedish text-to-speech): espeak-ng renders a text once per
 * (language, text) into a WAV file in a cache folder, and GET /media/<id>
 * serves it. The id is an HMAC-SHA256 of the language and text keyed with
 * a random key kept in the cache folder, so it cannot be guessed even by
 * someone who knows the text. Somali is read by the Oromo voice (espeak-ng
 * has none of its own); other languages espeak-ng has no voice for are
 * spoken with the Swedish voice.
 */
#ifndef VARSEL_MEDIA_H
#define VARSEL_MEDIA_H

#include <stddef.h>

struct media;

/* A renderer writing into cache_dir (which must exist); NULL with err. */
struct media	*media_new(const char *cache_dir, char *err, size_t errlen);
void		 media_free(struct media *);
/*
 * Render text in lang (synchronously; a cached file is not rendered
 * again) and put its id ("<64 hex>.wav") in id_out. 0, or -1 with err.
 */
int		 media_render(struct media *, const char *lang,
		    const char *text, char *id_out, size_t idlen, char *err,
		    size_t errlen);
/* The espeak-ng voice that reads lang (a primary subtag): "so" -> "om". */
const char	*media_voice(const char *lang);
/* The file of id (checked strictly: 64 hex + ".wav"); 0, or -1. */
int		 media_path(struct media *, const char *id, char *path,
		    size_t len);

#endif
