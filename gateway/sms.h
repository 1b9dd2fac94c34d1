/*
 * SMS text encoding: GSM 03.38 (with its extension table) or UCS-2, and
 * how many segments a text takes.
 */
#ifndef VARSEL_SMS_H
#define VARSEL_SMS_H

#include <stdbool.h>
#include <stddef.h>

enum sms_encoding {
	SMS_GSM7,
	SMS_UCS2
};

struct sms_info {
	enum sms_encoding encoding;
	size_t		 units;		/* septets (GSM-7) or UTF-16 units */
	size_t		 segments;	/* 1 for an empty text */
	size_t		 chars;		/* Unicode code points */
};

/*
 * Measure a UTF-8 text. Returns 0, or -1 if it is not valid UTF-8
 * (err says at which byte).
 */
int		 sms_measure(const char *utf8, size_t len, struct sms_info *,
		    char *err, size_t errlen);
const char	*sms_encoding_name(enum sms_encoding);	/* "GSM-7", "UCS-2" */
/*
 * Replace look-alikes that would force UCS-2 (typographic quotes, dashes,
 * special spaces, ellipsis) with GSM-7 characters. Returns a new string
 * and sets *changed; NULL on invalid UTF-8 or no memory.
 */
char		*sms_transliterate(const char *utf8, bool *changed);

#endif
