/*
 * Phone numbers: every number inside Varsel is E.164 ("+46701234567").
 * Implemented in phone.cc with libphonenumber; callable from C.
 */
#ifndef VARSEL_PHONE_H
#define VARSEL_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#define PHONE_MAX	24	/* "+" and up to 15 digits, with room */

/*
 * Normalize a number as people write it ("070-123 45 67", "0046 70 ...",
 * "+46 (0)70 ...") for the default region (ISO 3166 alpha-2, "SE") into
 * E.164 in out. Returns 0, or -1 with the reason in err ("too short",
 * "too long", "not a number", "not a valid number for SE", ...).
 */
int	phone_normalize(const char *in, const char *region, char *out,
	    size_t outlen, char *err, size_t errlen);
/* phone_normalize, and whether the number can take SMS (as below). */
int	phone_normalize_sms(const char *in, const char *region, char *out,
	    size_t outlen, bool *can_sms, char *err, size_t errlen);
/*
 * The number an SMS came from, as the provider gave it: phone_normalize,
 * but a number of a possible length for its country passes even where
 * the library's table of ranges (a 2022 snapshot) does not know it yet:
 * it sent us an SMS, so it exists. A fifth of an inbound SMS's work was
 * that table.
 */
int	phone_normalize_sender(const char *in, const char *region, char *out,
	    size_t outlen, char *err, size_t errlen);
/* Can the number (E.164) take SMS? Mobile (or unknown type) yes. */
bool	phone_is_mobile(const char *e164);
/*
 * The number (E.164) as people write it: national format for Swedish
 * numbers ("070-174 06 05"), international for others ("+47 412 34
 * 567"). Returns 0, or -1 (out "") if e164 is not E.164 or len too small.
 */
int	phone_format(const char *e164, char *out, size_t len);

#endif
