/*
 * render: turns the site model into pages with the theme's Mustache
 * templates, and hands every file to the writer. The template data (every
 * variable a template can use) is documented in themes/README.md.
 */
#ifndef CB_RENDER_H
#define CB_RENDER_H

#include "diag.h"
#include "site.h"
#include "theme.h"
#include "writer.h"

typedef struct cb_render_opts {
	const cb_theme *theme; /* templates/ and assets/ (theme.h) */
	const char *version;   /* casebook's version, shown in the footer */
	int jobs;	       /* threads for page rendering; 0: one per core */
} cb_render_opts;

/* Renders every page of site into w. Template problems are returned in err
 * as template:line:col. Returns 0 or -1. */
int cb_render_site(const cb_site *site, const cb_render_opts *opts, cb_writer *w, cb_error *err);

/* Renders the page of site->docs[i] alone into w, as cb_render_site
 * renders it: what a preview shows first after an edit (quick.h). */
int cb_render_document(const cb_site *site, const cb_render_opts *opts, size_t i, cb_writer *w,
		       cb_error *err);

#endif
