/* usage: the one way a command reports a usage error (commands.h). */
#include <stdarg.h>
#include <stdio.h>

#include "commands.h"

const char cb_drafts_public_msg[] =
    "drafts never go in a public build: --drafts needs --audience internal or restricted";

int cb_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("casebook: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n\n", stderr);
	fputs(usage, stderr);
	va_end(ap);
	return 2;
}
