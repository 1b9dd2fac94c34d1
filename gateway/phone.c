/*
 * Phone numbers into E.164: a small normalizer that knows the Swedish
 * numbering plan well enough for alerts and only checks the length of
 * numbers elsewhere. Issue 3 replaces it with libphonenumber behind the
 * same phone.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "phone.h"

#define PHONE_E164_MAX	15	/* digits, country code included */
#define PHONE_SCAN_MAX	64	/* digits kept while cleaning the input */

/* A region whose national numbers we can turn into E.164. */
struct phone_region {
	const char	*region;	/* ISO 3166 alpha-2 */
	const char	*cc;		/* country calling code */
	const char	*trunk;		/* national prefix, "" if none */
	bool		 trunk_optional; /* may national numbers omit it? */
};

static const struct phone_region phone_regions[] = {
	{ "SE", "46", "0", false },
	{ "NO", "47", "", false },
	{ "DK", "45", "", false },
	{ "FI", "358", "0", false },
	{ "DE", "49", "0", false },
	{ "GB", "44", "0", false },
	{ "US", "1", "1", true },	/* "415 555 0199" or "1 415 ..." */
};

/* Swedish mobile prefixes of the national significant number. */
static const char *const phone_se_mobile[] = { "70", "72", "73", "76", "79" };

static const struct phone_region *phone_region_find(const char *);
static int	phone_clean(const char *, char *, size_t, bool *, char *,
		    size_t);
static int	phone_check_se(const char *, char *, size_t);
static bool	phone_se_is_mobile(const char *);

/* The table entry of region, or NULL. */
static const struct phone_region *
phone_region_find(const char *region)
{
	size_t	i;

	for (i = 0; i < sizeof(phone_regions) / sizeof(phone_regions[0]); i++)
		if (strcmp(phone_regions[i].region, region) == 0)
			return &phone_regions[i];
	return NULL;
}

/*
 * Keep the digits of in (and whether it began with +), dropping the
 * separators people write and a "(0)" after a country code.
 */
static int
phone_clean(const char *in, char *digits, size_t len, bool *plus, char *err,
    size_t errlen)
{
	const char	*p = in;
	size_t		 n = 0, total = 0;

	*plus = false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+') {
		*plus = true;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n + 1 < len)
				digits[n++] = *p;
			total++;
			continue;
		}
		/* "+46 (0)70 ...": the 0 is not dialled from abroad. */
		if (p[0] == '(' && p[1] == '0' && p[2] == ')' && total > 0 &&
		    (*plus || (n >= 2 && digits[0] == '0' &&
		    digits[1] == '0'))) {
			p += 2;
			continue;
		}
		if (strchr(" \t-./()", *p) == NULL) {
			snprintf(err, errlen, "not a number");
			return -1;
		}
	}
	digits[n] = '\0';
	if (total == 0) {
		snprintf(err, errlen, *plus ? "not a number" : "no number");
		return -1;
	}
	if (total > PHONE_SCAN_MAX - 1) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	return 0;
}

/* Is nsn (Swedish, without 0) in a mobile range? */
static bool
phone_se_is_mobile(const char *nsn)
{
	size_t	i;

	if (strlen(nsn) != 9)
		return false;
	for (i = 0; i < sizeof(phone_se_mobile) / sizeof(phone_se_mobile[0]);
	    i++)
		if (strncmp(nsn, phone_se_mobile[i], 2) == 0)
			return true;
	return false;
}

/* Check a Swedish national significant number (the digits after 46). */
static int
phone_check_se(const char *nsn, char *err, size_t errlen)
{
	size_t	len = strlen(nsn), i;

	if (nsn[0] == '0') {
		snprintf(err, errlen, "not a valid number for SE");
		return -1;
	}
	if (len < 7) {
		snprintf(err, errlen, "too short");
		return -1;
	}
	if (len > 9) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	/* A mobile prefix promises nine digits. */
	for (i = 0; i < sizeof(phone_se_mobile) / sizeof(phone_se_mobile[0]);
	    i++)
		if (strncmp(nsn, phone_se_mobile[i], 2) == 0 && len != 9) {
			snprintf(err, errlen, "not a valid number for SE");
			return -1;
		}
	return 0;
}

int
phone_normalize(const char *in, const char *region, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const struct phone_region	*r;
	char				 digits[PHONE_SCAN_MAX];
	char				 e164[PHONE_SCAN_MAX + 8];
	const char			*d;
	bool				 plus, notrunk = false;
	size_t				 len;

	if (outlen > 0)
		out[0] = '\0';
	if (region == NULL)
		region = "SE";
	if ((r = phone_region_find(region)) == NULL) {
		snprintf(err, errlen, "unknown region '%.8s'", region);
		return -1;
	}
	if (in == NULL) {
		snprintf(err, errlen, "no number");
		return -1;
	}
	if (phone_clean(in, digits, sizeof(digits), &plus, err, errlen) == -1)
		return -1;

	d = digits;
	if (plus)
		snprintf(e164, sizeof(e164), "%s", d);
	else if (strncmp(d, "00", 2) == 0)
		snprintf(e164, sizeof(e164), "%s", d + 2);
	else {
		/* A national number of the default region. */
		len = strlen(r->trunk);
		if (len > 0 && strncmp(d, r->trunk, len) == 0)
			d += len;
		else if (len > 0 && !r->trunk_optional)
			notrunk = true;	/* "701234567": reported below */
		snprintf(e164, sizeof(e164), "%s%s", r->cc, d);
	}

	if (e164[0] == '\0') {
		snprintf(err, errlen, "too short");
		return -1;
	}
	if (e164[0] == '0') {
		snprintf(err, errlen, "not a valid country code");
		return -1;
	}
	len = strlen(e164);
	if (len > PHONE_E164_MAX) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	if (notrunk) {
		snprintf(err, errlen, "not a valid number for %s (write +%s "
		    "or the leading %s)", r->region, r->cc, r->trunk);
		return -1;
	}
	if (strncmp(e164, "46", 2) == 0) {
		if (phone_check_se(e164 + 2, err, errlen) == -1)
			return -1;
	} else if (len < 8) {
		snprintf(err, errlen, "too short");
		return -1;
	}
	if (len + 2 > outlen) {
		snprintf(err, errlen, "no room for the number");
		return -1;
	}
	snprintf(out, outlen, "+%s", e164);
	return 0;
}

bool
phone_is_mobile(const char *e164)
{
	if (e164 == NULL || e164[0] != '+')
		return false;
	if (strncmp(e164 + 1, "46", 2) == 0)
		return phone_se_is_mobile(e164 + 3);
	return true;
}
