/*
 * usage: the one way a command reports a usage error, and the one way a
 * command that reads the site loads it and reports why it cannot
 * (commands.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "commands.h"
#include "site.h"

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

int cb_cli_site_load(const cb_site_opts *so, cb_site *site, const char *doing)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = CB_ERROR_INIT;
	cb_stage_result lrc = cb_site_load(so, site, &d, &err);
	int rc = 0;
	if (lrc == CB_STAGE_FAILED) {
		char msg[2200];
		cb_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "casebook: %s\n", msg);
		rc = 2;
	} else if (lrc == CB_STAGE_CONTENT || d.errors) {
		cb_diags_sort(&d);
		cb_diags_print(&d, stderr, cb_want_color(stderr));
		fprintf(stderr,
			"casebook: %zu error%s in the documents; fix them before %s ('casebook check' lists "
			"them)\n",
			d.errors, d.errors == 1 ? "" : "s", doing);
		rc = 1;
	}
	cb_diags_free(&d);
	return rc;
}
