/*
 * Fuzz phone numbers as clients write them (audience.contacts, contact
 * bodies, /v1/contacts/{phone}, /v1/replies?phone=, an inbound SMS's
 * sender): phone_normalize_sms for a default region, phone_is_mobile
 * and phone_format on the result, mask_phone for the logs.
 *
 * The first byte picks the default region (configuration, not input);
 * the rest is the number. Checked: a normalized number is E.164 and
 * normalizes to itself, phone_is_mobile agrees with can_sms, what
 * phone_format shows people normalizes back to the same number, and a
 * "+46" number of digits only (phone.cc's shortcut past Parse()) reads
 * as the same number written with a space after the country code.
 */
#include <stdlib.h>

#include <event2/http.h>

#include "fuzz.h"
#include "gateway/phone.h"
#include "gateway/util.h"

static const char *const phf_regions[] = { "SE", "SE", "SE", "NO", "FI",
    "US", "GB", "DE" };

/* No logs on stderr. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

/* Normalize in for region and check what comes out. */
static void
phf_number(const char *in, const char *region)
{
	char	out[PHONE_MAX], again[PHONE_MAX], shown[64], err[128];
	bool	sms = false, sms2 = false;

	err[0] = '\0';
	if (phone_normalize_sms(in, region, out, sizeof(out), &sms, err,
	    sizeof(err)) == -1) {
		FUZZ_ASSERT(out[0] == '\0' && err[0] != '\0');
		FUZZ_ASSERT(fuzz_terminated(err, sizeof(err)));
		return;
	}
	FUZZ_ASSERT(fuzz_e164(out));
	FUZZ_ASSERT(phone_is_mobile(out) == sms);
	/* E.164 in, the same E.164 out, whatever the region. */
	FUZZ_ASSERT(phone_normalize_sms(out, region, again, sizeof(again),
	    &sms2, err, sizeof(err)) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0 && sms == sms2);
	/* What people are shown is read back as the same number. */
	FUZZ_ASSERT(phone_format(out, shown, sizeof(shown)) == 0);
	FUZZ_ASSERT(phone_normalize(shown, "SE", again, sizeof(again), err,
	    sizeof(err)) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);
	/* Too small a buffer is refused, not overrun. */
	FUZZ_ASSERT(phone_format(out, shown, 4) == -1 && shown[0] == '\0');
	FUZZ_ASSERT(phone_normalize(in, region, again, 2, NULL, 0) == -1);
}

/* "+46digits" by the shortcut, and "+46 digits" by Parse(): the same. */
static void
phf_home(const char *in)
{
	char	spaced[160], o1[PHONE_MAX], o2[PHONE_MAX], e1[128], e2[128];
	bool	s1 = false, s2 = false;
	int	r1, r2;

	if (strncmp(in, "+46", 3) != 0 || in[3] == '\0' ||
	    strspn(in + 3, "0123456789") != strlen(in + 3) ||
	    strlen(in) + 2 > sizeof(spaced))
		return;
	snprintf(spaced, sizeof(spaced), "+46 %s", in + 3);
	e1[0] = e2[0] = '\0';
	r1 = phone_normalize_sms(in, "SE", o1, sizeof(o1), &s1, e1,
	    sizeof(e1));
	r2 = phone_normalize_sms(spaced, "SE", o2, sizeof(o2), &s2, e2,
	    sizeof(e2));
	FUZZ_ASSERT(r1 == r2 && strcmp(o1, o2) == 0 && s1 == s2 &&
	    strcmp(e1, e2) == 0);
}

/* The number as given, and as a URL path part decoded by libevent. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*region;
	char		*in, *dec, masked[32], tiny[6];
	size_t		 i;

	if (len == 0)
		return 0;
	region = phf_regions[data[0] % nitems(phf_regions)];
	in = fuzz_cstr(data + 1, len - 1);
	phf_number(in, region);
	phf_home(in);
	if ((dec = evhttp_uridecode(in, 0, NULL)) != NULL) {
		phf_number(dec, region);
		free(dec);
	}
	/* Only E.164 text is formatted. */
	if (phone_format(in, masked, sizeof(masked)) == 0)
		FUZZ_ASSERT(in[0] == '+' &&
		    strspn(in + 1, "0123456789") == strlen(in + 1));
	/* A log mask: five stars, no control character, in bounds. */
	mask_phone(in, masked, sizeof(masked));
	FUZZ_ASSERT(fuzz_terminated(masked, sizeof(masked)));
	FUZZ_ASSERT(strstr(masked, "*****") != NULL);
	for (i = 0; masked[i] != '\0'; i++)
		FUZZ_ASSERT((unsigned char)masked[i] >= 0x20 &&
		    masked[i] != 0x7f);
	mask_phone(in, tiny, sizeof(tiny));
	FUZZ_ASSERT(fuzz_terminated(tiny, sizeof(tiny)));
	free(in);
	return 0;
}
