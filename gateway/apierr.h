/*
 * An error as the HTTP API reports it:
 * {"error": {"code": "...", "message": "...", "field": "..."}}.
 */
#ifndef VARSEL_APIERR_H
#define VARSEL_APIERR_H

struct api_error {
	int	status;		/* HTTP status */
	char	code[32];	/* invalid_json, invalid_field, ... */
	char	field[96];	/* "" when no single field is at fault */
	char	message[256];
};

/* Fill err; returns -1 so callers can "return api_error_set(...)". */
int	api_error_set(struct api_error *, int status, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

#endif
