/*
 * Fuzz the inbound SMS text path (POST /hooks/NAME/sms, after the
 * adapter): keyword_parse, then what inbound.c does with its argument
 * (refdata_area for a place, refdata_nearest and inbound_distance_text
 * for a position), against the municipality's conf/ reference data.
 *
 * Besides the sanitizers it checks what the grammar promises: a place
 * is trimmed, valid UTF-8 that fits arg; a position is on the globe;
 * a trailing blank changes nothing; ASCII case changes no keyword.
 */
#include <math.h>
#include <strings.h>

#include "fuzz.h"
#include "gateway/inbound.h"
#include "gateway/keywords.h"
#include "gateway/refdata.h"

static struct refdata	*kwf_rd;

/* Load conf/trygghetspunkter.csv and conf/areas.csv once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[256];

	fuzz_quiet_logs();
	kwf_rd = refdata_load(VARSEL_SRCDIR "/conf/trygghetspunkter.csv",
	    VARSEL_SRCDIR "/conf/areas.csv", err, sizeof(err));
	if (kwf_rd == NULL) {
		fprintf(fuzz_stderr(), "fuzz_keywords: %s\n", err);
		abort();
	}
	return 0;
}

/* The promises of struct kw_parse, whatever the text was. */
static void
kwf_check(const struct kw_parse *kp)
{
	size_t	n;

	FUZZ_ASSERT(kp->kw >= KW_UNKNOWN && kp->kw <= KW_HELP);
	FUZZ_ASSERT(keyword_name(kp->kw) != NULL);
	FUZZ_ASSERT(fuzz_terminated(kp->arg, sizeof(kp->arg)));
	n = strlen(kp->arg);
	switch (kp->arg_kind) {
	case KWA_NONE:
		FUZZ_ASSERT(n == 0);
		break;
	case KWA_PLACE:
		FUZZ_ASSERT(kp->kw == KW_TRYGG || kp->kw == KW_START);
		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(fuzz_utf8_ok((const unsigned char *)kp->arg, n));
		FUZZ_ASSERT(kp->arg[0] != ' ' && kp->arg[n - 1] != ' ');
		FUZZ_ASSERT(strstr(kp->arg, "  ") == NULL);
		break;
	case KWA_POSITION:
		FUZZ_ASSERT(kp->kw == KW_TRYGG && n == 0);
		FUZZ_ASSERT(isfinite(kp->pos.lat) && isfinite(kp->pos.lon));
		FUZZ_ASSERT(kp->pos.lat >= -90 && kp->pos.lat <= 90);
		FUZZ_ASSERT(kp->pos.lon >= -180 && kp->pos.lon <= 180);
		break;
	case KWA_NUMBER:
		FUZZ_ASSERT(kp->kw == KW_YES || kp->kw == KW_NO);
		FUZZ_ASSERT(n == 0 && kp->number >= 0);
		break;
	default:
		FUZZ_ASSERT(!"unknown arg_kind");
	}
	if (kp->kw == KW_STOP || kp->kw == KW_HELP || kp->kw == KW_UNKNOWN)
		FUZZ_ASSERT(kp->arg_kind == KWA_NONE);
}

/* What inbound.c does with the argument. */
static void
kwf_act(const struct kw_parse *kp)
{
	const struct area	*a;
	const struct tpunkt	*tp;
	double			 d = -1;
	char			 buf[32], tiny[4];

	if (kp->arg_kind == KWA_PLACE &&
	    (a = refdata_area(kwf_rd, kp->arg)) != NULL)
		FUZZ_ASSERT(a >= kwf_rd->areas &&
		    a < kwf_rd->areas + kwf_rd->nareas);
	if (kp->arg_kind == KWA_POSITION) {
		tp = refdata_nearest(kwf_rd, kp->pos, &d);
		FUZZ_ASSERT(tp != NULL);
		FUZZ_ASSERT(d >= 0 && d <= 20100000.0);
		inbound_distance_text(d, "sv", buf, sizeof(buf));
		FUZZ_ASSERT(buf[0] != '\0');
		inbound_distance_text(d, "en", tiny, sizeof(tiny));
		FUZZ_ASSERT(fuzz_terminated(tiny, sizeof(tiny)));
	}
}

/* Parse the input as an SMS text and check and act on the result. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct kw_parse	 kp, again;
	char		*text, *more;
	double		 m;
	char		 buf[24];
	size_t		 i;

	text = fuzz_cstr(data, len);
	keyword_parse(text, &kp);
	kwf_check(&kp);
	kwf_act(&kp);

	/* A blank after the message changes nothing. */
	more = malloc(strlen(text) + 2);
	FUZZ_ASSERT(more != NULL);
	strcpy(more, text);
	strcat(more, " ");
	keyword_parse(more, &again);
	FUZZ_ASSERT(again.kw == kp.kw && again.arg_kind == kp.arg_kind);
	FUZZ_ASSERT(strcmp(again.arg, kp.arg) == 0);
	FUZZ_ASSERT(again.number == kp.number);

	/* ASCII case decides no keyword and no number or position. */
	for (i = 0; more[i] != '\0'; i++)
		if (more[i] >= 'a' && more[i] <= 'z')
			more[i] = (char)(more[i] - 'a' + 'A');
	keyword_parse(more, &again);
	kwf_check(&again);
	FUZZ_ASSERT(again.kw == kp.kw && again.arg_kind == kp.arg_kind);
	FUZZ_ASSERT(again.number == kp.number);
	FUZZ_ASSERT(kp.arg_kind != KWA_POSITION ||
	    (again.pos.lat == kp.pos.lat && again.pos.lon == kp.pos.lon));
	FUZZ_ASSERT(strcasecmp(again.arg, kp.arg) == 0);
	free(more);

	/* Any distance at all, NaN and infinities too, prints in bounds. */
	if (len >= sizeof(m)) {
		memcpy(&m, data, sizeof(m));
		inbound_distance_text(m, text + sizeof(m), buf, sizeof(buf));
		FUZZ_ASSERT(fuzz_terminated(buf, sizeof(buf)));
	}
	free(text);
	return 0;
}
