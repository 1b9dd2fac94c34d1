/*
 * Fuzz SMS text measuring (every alert text, every inbound reply):
 * sms_measure on any bytes and sms_transliterate on them as a string.
 *
 * Held against fuzz.h's own UTF-8 check: both accept exactly the
 * well-formed texts. A measured text counts at most one character per
 * byte and takes the parts its units need (a part holds 153 septets, or
 * one less when an escape pair would be split; 67 UTF-16 units, or 66).
 * Transliterating never grows a text, gives valid UTF-8 that measures,
 * and a second pass changes nothing.
 */
#include "fuzz.h"
#include "gateway/sms.h"

/* No logs on stderr. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

/* Ceiling of a / b. */
static size_t
smsf_ceil(size_t a, size_t b)
{
	return (a + b - 1) / b;
}

/* The promises of a measured text of len bytes. */
static void
smsf_check(const struct sms_info *info, size_t len)
{
	size_t	single, part;

	FUZZ_ASSERT(info->chars <= len);
	FUZZ_ASSERT(info->segments >= 1);
	if (info->encoding == SMS_GSM7) {
		FUZZ_ASSERT(info->units >= info->chars &&
		    info->units <= 2 * info->chars);
		single = 160;
		part = 153;
	} else {
		FUZZ_ASSERT(info->encoding == SMS_UCS2);
		FUZZ_ASSERT(info->units >= info->chars &&
		    info->units <= 2 * info->chars);
		single = 70;
		part = 67;
	}
	if (info->units <= single)
		FUZZ_ASSERT(info->segments == 1);
	else {
		FUZZ_ASSERT(info->segments >= smsf_ceil(info->units, part));
		FUZZ_ASSERT(info->segments <= smsf_ceil(info->units,
		    part - 1));
	}
	FUZZ_ASSERT(sms_encoding_name(info->encoding) != NULL);
}

/* Measure the bytes, then transliterate them as a string. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sms_info	 info, info2;
	char		 err[64], *s, *t, *t2;
	bool		 ok, changed, changed2;
	size_t		 slen;

	memset(&info, 0, sizeof(info));
	ok = fuzz_utf8_ok(data, len);
	FUZZ_ASSERT((sms_measure((const char *)data, len, &info, err,
	    sizeof(err)) == 0) == ok);
	if (ok)
		smsf_check(&info, len);
	else
		FUZZ_ASSERT(strncmp(err, "invalid UTF-8 at byte ", 22) == 0);

	s = fuzz_cstr(data, len);
	slen = strlen(s);
	t = sms_transliterate(s, &changed);
	FUZZ_ASSERT((t != NULL) == fuzz_utf8_ok((unsigned char *)s, slen));
	if (t != NULL) {
		FUZZ_ASSERT(strlen(t) <= slen);
		FUZZ_ASSERT(changed || strcmp(s, t) == 0);
		FUZZ_ASSERT(sms_measure(t, strlen(t), &info2, NULL, 0) == 0);
		smsf_check(&info2, strlen(t));
		t2 = sms_transliterate(t, &changed2);
		FUZZ_ASSERT(t2 != NULL && !changed2 && strcmp(t, t2) == 0);
		free(t2);
		free(t);
	}
	free(s);
	return 0;
}
