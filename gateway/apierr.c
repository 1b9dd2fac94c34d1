/*
 * Filling an API error (apierr.h): what validation code reports and the
 * HTTP layer turns into the JSON error body.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apierr.h"
#include "util.h"

int
api_error_set(struct api_error *e, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list	ap;

	e->status = status;
	strlcpy(e->code, code, sizeof(e->code));
	strlcpy(e->field, field ? field : "", sizeof(e->field));
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}
