/*
 * theme: the one theme lookup, used by the build, the renderer, `casebook
 * pack` and the plugins' casebook.add_page. A theme is read file by file:
 * a file such as "templates/pack.mustache" comes from the source being
 * built (themes/<theme>/ in the ref's tree, or in the working files with
 * --worktree and in serve), else from the installed theme
 * <datadir>/themes/<theme>/, else from the installed default theme. So a
 * repository's theme needs only the files it changes or adds.
 *
 * A theme borrows the site's theme files (site->theme_srcs): free it
 * before the site. Reading is thread-safe.
 */
#ifndef CB_THEME_H
#define CB_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "site.h"
#include "util.h"

typedef struct cb_theme cb_theme;

/* Opens the theme site->cfg.theme names. Fails (-1, err) when casebook's
 * own files are missing from datadir, or when neither the repository nor
 * casebook has that theme. *out must be freed with cb_theme_free. */
int cb_theme_open(cb_theme **out, const cb_site *site, const char *datadir, cb_error *err);
void cb_theme_free(cb_theme *t); /* NULL-safe */

/* True when the theme has the file rel ("templates/x.mustache"). */
bool cb_theme_has(const cb_theme *t, const char *rel);

/* One file of the theme. */
typedef struct cb_theme_file {
	char *data; /* contents, NUL-terminated (owned) */
	size_t len;
	char *where; /* its name for messages: the repository path
			(themes/mine/templates/x.mustache) or the path on disk */
} cb_theme_file;

/* Reads rel from the first layer that has it. 0, or -1 with err (the
 * theme has no such file, it cannot be read, or it is over 1 MB). Free f
 * with cb_theme_file_free in every case. */
int cb_theme_read(const cb_theme *t, const char *rel, cb_theme_file *f, cb_error *err);
void cb_theme_file_free(cb_theme_file *f);

/* Every file of the theme under dir ("assets"), at any depth, as paths
 * relative to the theme ("assets/css/site.css"), each once, sorted. Names
 * starting with '.' in the installed folders are left out. */
void cb_theme_list(const cb_theme *t, const char *dir, cb_strv *out);

#endif
