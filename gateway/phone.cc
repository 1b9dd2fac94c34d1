/*
 * Phone numbers with Google's libphonenumber (Debian's 8.12): parse what
 * people write for a default region, check it against that country's
 * numbering plan, and hand back E.164 or the reason it is not a number.
 * The only C++ file of Varsel: every entry point is extern "C" and no
 * exception crosses it (catch (...) at each one).
 */
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include <phonenumbers/phonenumberutil.h>

extern "C" {
#include "phone.h"
}

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

#define PHONE_INPUT_MAX		128	/* bytes of input, separators too */
#define PHONE_DIGITS_MAX	20	/* more digits than any plan has */
#define PHONE_HOME_CC		46	/* phone_format: national for +46 */
#define E164_DIGITS_MAX		15	/* ITU-T E.164 */
#define HOME_PREFIX		"+46"	/* phone_parse_home: PHONE_HOME_CC */
#define HOME_NSN_MIN		2	/* libphonenumber's shortest NSN */
#define HOME_NSN_MAX		13	/* E.164's 15 digits less "46" */

static void	phone_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	phone_scan(const char *, char *, size_t);
static void	phone_invalid_reason(const PhoneNumber &, char *, size_t);
static bool	phone_parse_e164(const char *, PhoneNumber *);
static bool	phone_parse_home(const char *, PhoneNumber *);
static int	phone_normalize_how(const char *, const char *, char *,
		    size_t, bool, bool *, char *, size_t);
static PhoneNumberUtil	*phone_util(void);
static bool	phone_type_can_sms(const PhoneNumber &,
		    PhoneNumberUtil::PhoneNumberType);

/* Write the reason into err, if the caller gave room for one. */
static void
phone_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Look at the characters before libphonenumber does: it reads letters as
 * keypad digits ("1-800-FLOWERS") and drops trailing junk ("070-123 45
 * 6x" would become a shorter number), which for an alert list hides
 * typing mistakes. Only digits, a leading +, and the separators people
 * write (space, tab, - . / ( )) pass.
 */
static int
phone_scan(const char *in, char *err, size_t errlen)
{
	const char	*p = in;
	size_t		 digits = 0;
	bool		 plus = false;
	char		 lead[4] = "";	/* the first three digits */

	if (strlen(in) > PHONE_INPUT_MAX) {
		phone_err(err, errlen, "too long");
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+') {
		plus = true;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (digits < sizeof(lead) - 1)
				lead[digits] = *p;
			digits++;
		} else if (strchr(" \t-./()", *p) == NULL) {
			phone_err(err, errlen, "not a number");
			return -1;
		}
	}
	if (digits == 0) {
		phone_err(err, errlen, plus ? "not a number" : "no number");
		return -1;
	}
	if (digits > PHONE_DIGITS_MAX) {
		phone_err(err, errlen, "too long");
		return -1;
	}
	/*
	 * "+0..." or "00" then "0...": no country code starts with 0, but
	 * libphonenumber reads the second as a national number.
	 */
	if ((plus && lead[0] == '0') || (!plus && strcmp(lead, "000") == 0)) {
		phone_err(err, errlen, "invalid country code");
		return -1;
	}
	return 0;
}

/*
 * Why a parsed number is not valid. The library's length check is for
 * any number type of the country, so "0701234567890" is "possible" (some
 * Swedish numbers are that long); when the number is too short (or too
 * long) both for a mobile and for a fixed line, say that instead of the
 * vaguer "not a valid number for SE".
 */
static void
phone_invalid_reason(const PhoneNumber &n, char *err, size_t errlen)
{
	PhoneNumberUtil			*u = phone_util();
	PhoneNumberUtil::ValidationResult	 mob, fix;
	std::string				 region;

	switch (u->IsPossibleNumberWithReason(n)) {
	case PhoneNumberUtil::INVALID_COUNTRY_CODE:
		phone_err(err, errlen, "invalid country code");
		return;
	case PhoneNumberUtil::TOO_SHORT:
		phone_err(err, errlen, "too short");
		return;
	case PhoneNumberUtil::TOO_LONG:
		phone_err(err, errlen, "too long");
		return;
	default:
		break;
	}
	mob = u->IsPossibleNumberForTypeWithReason(n, PhoneNumberUtil::MOBILE);
	fix = u->IsPossibleNumberForTypeWithReason(n,
	    PhoneNumberUtil::FIXED_LINE);
	if (mob == PhoneNumberUtil::TOO_SHORT &&
	    fix == PhoneNumberUtil::TOO_SHORT) {
		phone_err(err, errlen, "too short");
		return;
	}
	if (mob == PhoneNumberUtil::TOO_LONG &&
	    fix == PhoneNumberUtil::TOO_LONG) {
		phone_err(err, errlen, "too long");
		return;
	}
	u->GetRegionCodeForCountryCode(n.country_code(), &region);
	if (region == "ZZ")
		phone_err(err, errlen, "invalid country code");
	else if (region == "001")	/* non-geographic: satellite, ... */
		phone_err(err, errlen, "not a valid number for +%d",
		    n.country_code());
	else
		phone_err(err, errlen, "not a valid number for %s",
		    region.c_str());
}

/*
 * The library's instance. GetInstance() runs pthread_once and a
 * singleton's checks each time (10,000 instructions, as much as a
 * parse's country code); a function-local static asks it once.
 */
static PhoneNumberUtil *
phone_util(void)
{
	static PhoneNumberUtil	*u = PhoneNumberUtil::GetInstance();

	return u;
}

/*
 * A Swedish number already in E.164 ("+46701234567": digits only, the
 * national number not starting with 0), as the providers post senders
 * and the contacts are stored. Parse() would read it to the same
 * number: the + form carries the country code, and the only national
 * prefix of SE's plan is "0", which such a number cannot start with
 * (test_phone_home_fast compares the two over every Swedish range).
 * Skipping Parse() (about 90,000 instructions of ICU regexes: viable
 * number, extension, country code) saved a fifth of an inbound SMS.
 * Anything else (separators, other countries, a leading 0) goes the
 * whole way through Parse().
 */
static bool
phone_parse_home(const char *in, PhoneNumber *n)
{
	const char		*nsn = in + sizeof(HOME_PREFIX) - 1;
	unsigned long long	 v = 0;
	size_t			 len;

	if (strncmp(in, HOME_PREFIX, sizeof(HOME_PREFIX) - 1) != 0 ||
	    nsn[0] < '1' || nsn[0] > '9')
		return false;
	/* At most one digit past the longest: that one already says no. */
	for (len = 0; len <= HOME_NSN_MAX && nsn[len] >= '0' &&
	    nsn[len] <= '9'; len++)
		v = v * 10 + (unsigned long long)(nsn[len] - '0');
	if (nsn[len] != '\0' || len < HOME_NSN_MIN || len > HOME_NSN_MAX)
		return false;
	n->set_country_code(PHONE_HOME_CC);
	n->set_national_number(v);
	return true;
}

int
phone_normalize(const char *in, const char *region, char *out, size_t outlen,
    char *err, size_t errlen)
{
	return phone_normalize_sms(in, region, out, outlen, NULL, err, errlen);
}

int
phone_normalize_sms(const char *in, const char *region, char *out,
    size_t outlen, bool *can_sms, char *err, size_t errlen)
{
	return phone_normalize_how(in, region, out, outlen, true, can_sms,
	    err, errlen);
}

int
phone_normalize_sender(const char *in, const char *region, char *out,
    size_t outlen, char *err, size_t errlen)
{
	return phone_normalize_how(in, region, out, outlen, false, NULL, err,
	    errlen);
}

/*
 * phone_normalize_sms; with valid false a number of a possible length
 * passes without matching the table of ranges (GetNumberType's regular
 * expressions: most of the work).
 */
static int
phone_normalize_how(const char *in, const char *region, char *out,
    size_t outlen, bool valid, bool *can_sms, char *err, size_t errlen)
{
	PhoneNumberUtil::PhoneNumberType	t = PhoneNumberUtil::UNKNOWN;

	if (outlen > 0)
		out[0] = '\0';
	if (region == NULL)
		region = "SE";
	if (in == NULL) {
		phone_err(err, errlen, "no number");
		return -1;
	}
	try {
		PhoneNumberUtil	*u = phone_util();
		PhoneNumber	 n;
		std::string	 e164;

		/* Region codes are upper case; "se" is not one. */
		if (u->GetCountryCodeForRegion(region) == 0) {
			phone_err(err, errlen, "unknown region '%.8s'", region);
			return -1;
		}
		if (phone_parse_home(in, &n))
			goto parsed;
		if (phone_scan(in, err, errlen) == -1)
			return -1;
		switch (u->Parse(in, region, &n)) {
		case PhoneNumberUtil::NO_PARSING_ERROR:
			break;
		case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
			phone_err(err, errlen, "invalid country code");
			return -1;
		case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
		case PhoneNumberUtil::TOO_SHORT_NSN:
			phone_err(err, errlen, "too short");
			return -1;
		case PhoneNumberUtil::TOO_LONG_NSN:
			phone_err(err, errlen, "too long");
			return -1;
		default:
			phone_err(err, errlen, "not a number");
			return -1;
		}
parsed:
		/*
		 * IsValidNumber is GetNumberType(n) != UNKNOWN (both match
		 * the region's patterns): one pass gives validity and type.
		 */
		if (!valid) {
			if (!u->IsPossibleNumber(n)) {
				phone_invalid_reason(n, err, errlen);
				return -1;
			}
		} else if ((t = u->GetNumberType(n)) ==
		    PhoneNumberUtil::UNKNOWN) {
			phone_invalid_reason(n, err, errlen);
			return -1;
		}
		if (can_sms != NULL)
			*can_sms = phone_type_can_sms(n, t);
		u->Format(n, PhoneNumberUtil::E164, &e164);
		/*
		 * E.164 allows 15 digits; the library's patterns take a few
		 * longer German ones ("+49 821 027221021184": 17).
		 */
		if (e164.size() > 1 + E164_DIGITS_MAX) {
			phone_err(err, errlen, "too long");
			return -1;
		}
		if (e164.size() + 1 > outlen) {
			phone_err(err, errlen, "no room for the number");
			return -1;
		}
		memcpy(out, e164.c_str(), e164.size() + 1);
		return 0;
	} catch (...) {
		phone_err(err, errlen, "internal error in libphonenumber");
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
}

/* Parse a number written in E.164 ("+46701740605"); false if it is not. */
static bool
phone_parse_e164(const char *e164, PhoneNumber *n)
{
	PhoneNumberUtil	*u = phone_util();

	if (e164 == NULL || e164[0] != '+' || e164[1] == '\0' ||
	    strspn(e164 + 1, "0123456789") != strlen(e164 + 1))
		return false;
	if (phone_parse_home(e164, n))
		return true;
	/* "ZZ": no default region, the + form carries the country. */
	return u->Parse(e164, "ZZ", n) == PhoneNumberUtil::NO_PARSING_ERROR;
}

/*
 * Can a number of this type take SMS? Mobile, and the plans (US, DK, ...)
 * that do not tell mobile from fixed line, yes. Fixed line, VoIP, toll
 * free, premium rate, shared cost, personal numbers, pagers, UAN and
 * voicemail, no.
 *
 * UNKNOWN is yes when the number has a mobile's length: the metadata is
 * a snapshot (8.12 is from 2022) and lags behind ranges the regulators
 * open later. Suppressing an alert to a real phone because our tables
 * are old is worse than one send the provider refuses (a PERMFAIL the
 * delivery then shows). A number too short or too long for any mobile of
 * its country is no mobile.
 */
static bool
phone_type_can_sms(const PhoneNumber &n, PhoneNumberUtil::PhoneNumberType t)
{
	PhoneNumberUtil	*u = phone_util();

	switch (t) {
	case PhoneNumberUtil::MOBILE:
	case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
		return true;
	case PhoneNumberUtil::UNKNOWN:
		return u->IsPossibleNumberForType(n, PhoneNumberUtil::MOBILE);
	default:
		return false;
	}
}

bool
phone_is_mobile(const char *e164)
{
	try {
		PhoneNumber	n;

		if (!phone_parse_e164(e164, &n))
			return false;
		return phone_type_can_sms(n,
		    phone_util()->GetNumberType(n));
	} catch (...) {
		return true;	/* as UNKNOWN: do not suppress */
	}
}

int
phone_format(const char *e164, char *out, size_t len)
{
	if (len > 0)
		out[0] = '\0';
	try {
		PhoneNumberUtil	*u = phone_util();
		PhoneNumber	 n;
		std::string	 s;

		if (!phone_parse_e164(e164, &n))
			return -1;
		/*
		 * National format drops the country code, which only suits
		 * Swedish numbers: others stay dialable from here.
		 */
		u->Format(n, n.country_code() == PHONE_HOME_CC ?
		    PhoneNumberUtil::NATIONAL : PhoneNumberUtil::INTERNATIONAL,
		    &s);
		if (s.empty() || s.size() + 1 > len)
			return -1;
		memcpy(out, s.c_str(), s.size() + 1);
		return 0;
	} catch (...) {
		if (len > 0)
			out[0] = '\0';
		return -1;
	}
}
