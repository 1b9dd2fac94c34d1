/*
 * Names of the shared enums, for JSON, logs and input parsing.
 */
#include <string.h>

#include "types.h"

static const char *const dstate_names[DS_NSTATES] = {
	[DS_QUEUED] = "queued",
	[DS_SENDING] = "sending",
	[DS_SENT] = "sent",
	[DS_DELIVERED] = "delivered",
	[DS_FAILED] = "failed",
	[DS_EXPIRED] = "expired",
	[DS_CANCELLED] = "cancelled",
	[DS_SUPPRESSED] = "suppressed",
	[DS_RINGING] = "ringing",
	[DS_ANSWERED] = "answered",
	[DS_NO_ANSWER] = "no_answer",
	[DS_BUSY] = "busy",
	[DS_HELD] = "held",
};

static const char *const gate_names[GATE_NGATES] = {
	[GATE_OPEN] = NULL,
	[GATE_SCHEDULED] = "scheduled",
	[GATE_HELD] = "held",
	[GATE_APPROVAL] = "awaiting_approval",
};

static const char *const severity_names[] = {
	[SEV_EXTREME] = "extreme",
	[SEV_SEVERE] = "severe",
	[SEV_MODERATE] = "moderate",
	[SEV_MINOR] = "minor",
	[SEV_UNKNOWN] = "unknown",
};

/* Index of s in names[0..n), or -1. */
static int
lookup(const char *const *names, int n, const char *s)
{
	int	i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *
dstate_name(enum dstate s)
{
	if ((int)s < 0 || s >= DS_NSTATES)
		return "unknown";
	return dstate_names[s];
}

int
dstate_parse(const char *s)
{
	return lookup(dstate_names, DS_NSTATES, s);
}

bool
dstate_is_final(enum dstate s)
{
	return s == DS_DELIVERED || s == DS_FAILED || s == DS_EXPIRED ||
	    s == DS_CANCELLED || s == DS_SUPPRESSED || s == DS_ANSWERED ||
	    s == DS_NO_ANSWER || s == DS_BUSY;
}

const char *
channel_name(enum channel c)
{
	return c == CH_VOICE ? "voice" : "sms";
}

int
channel_parse(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "sms") == 0)
		return CH_SMS;
	if (strcmp(s, "voice") == 0)
		return CH_VOICE;
	return -1;
}

const char *
severity_name(enum severity s)
{
	if ((int)s < 0 || s > SEV_UNKNOWN)
		return "unknown";
	return severity_names[s];
}

int
severity_parse(const char *s)
{
	return lookup(severity_names, SEV_UNKNOWN + 1, s);
}

const char *
alert_gate_name(enum alert_gate g)
{
	if ((int)g <= 0 || g >= GATE_NGATES)
		return NULL;
	return gate_names[g];
}
