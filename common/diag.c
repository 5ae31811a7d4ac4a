/*
 * diag.c -- an error message together with the exit status it deserves:
 * EXIT_USAGE for input the user can correct (nothing was changed),
 * EXIT_RUNTIME for a failing system.  Both setters return -err so callers
 * can write "return diag_input(d, EINVAL, ...)".  d may be NULL, for a
 * caller that asks only whether (a pure validator's "is it valid?").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

void
diag_clear(struct diag *d)
{
	d->status = EXIT_OK;
	d->msg[0] = '\0';
}

int
diag_input(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return -err;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	d->status = EXIT_USAGE;
	return -err;
}

int
diag_sys(struct diag *d, int err, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (d == NULL)
		return -err;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	len = strlen(d->msg);
	snprintf(d->msg + len, sizeof(d->msg) - len, ": %s", strerror(err));
	d->status = EXIT_RUNTIME;
	return -err;
}
