/*
 * Private to fanout*.c: the state of one fan-out (an alert, a preview, a
 * released gate or a chain step) and the texts it renders.
 */
#ifndef VARSEL_FANOUT_PRIV_H
#define VARSEL_FANOUT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "phone.h"
#include "sms.h"

struct alert_req;
struct api_error;
struct gw;
struct tvar;

#define MAX_LANGS	32	/* languages times channels */
#define ANSWER_PROMPT	"answer-prompt"	/* "Svara JA eller NEJ." */

/* An open-addressing set of E.164 numbers, for de-duplication. */
struct phoneset {
	char	(*slot)[PHONE_MAX];
	size_t	  cap;
	size_t	  n;
};

/* The text of the alert in one language, for one channel. */
struct rendered {
	char		 lang[8];
	unsigned int	 channel;
	char		*text;
	struct sms_info	 info;
	int64_t		 body_id;	/* its bodies row, once written */
};

struct fanout {
	struct gw		*gw;
	const struct alert_req	*req;
	struct api_error	*err;
	struct phoneset		 seen;
	struct rendered		 texts[MAX_LANGS];
	size_t			 ntexts;
	struct tvar		*vars;		/* request vars + gateway vars */
	size_t			 nvars;
	int64_t			 alert_id;
	int64_t			 now;
	int64_t			 expires_at;	/* 0: never */
	int64_t			 expires_in_s;	/* the alert's life */
	int			 recipients;
	int			 suppressed;
	int			 people;	/* numbers with a delivery that
						   is not suppressed */
	int			 uncallable;	/* of them, texted by an alert
						   that escalates, but refusing
						   calls */
	int64_t			 own_segments;	/* of those deliveries */
	int			 worst_segments;
	enum sms_encoding	 worst_encoding;
	bool			 transliterated;
	bool			 failed;
	bool			 dry_run;	/* preview: count, insert nothing */
	bool			 prompt;	/* add the answer prompt */
	int			 gate;		/* enum alert_gate */
	int64_t			 release_at;	/* the gate opens then */
	int			 step;		/* of the call-out chain */
	bool			 skip_known;	/* a later step: numbers the
						   alert has are not asked */
	const char		*approval;	/* for the audit, or NULL */
	int			 per_text[MAX_LANGS];	/* recipients */
	int			 per_text_suppressed[MAX_LANGS];
};

/*
 * fanout_text.c: the text in lang for channel, rendered once per
 * language and kept in f; NULL on failure (f->err set).
 */
const struct rendered *fanout_text_for(struct fanout *, const char *lang,
	    unsigned int channel);
/* Keep the calls' texts of an alert that escalates; 0 or -1 (f->err). */
int	fanout_keep_voice_texts(struct fanout *);

#endif
