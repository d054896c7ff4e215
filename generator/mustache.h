/*
 * mustache: the template engine that turns the site model into pages.
 *
 * It implements the Mustache specification (comments, delimiters,
 * interpolation, inverted sections, partials, sections, inheritance and
 * dynamic names; no lambdas) against cb_value data. A cb_mustache is a set of
 * named templates: partials and parents are looked up by name in the same set,
 * so a theme adds all of its templates first and then renders pages.
 *
 * Templates are compiled once, when added. Rendering only reads the set, so
 * one set may be rendered from several threads at once as long as nobody adds
 * to it meanwhile.
 */
#ifndef CB_MUSTACHE_H
#define CB_MUSTACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"
#include "value.h"

/* A set of named, compiled templates. */
typedef struct cb_mustache cb_mustache;

/* Returns a new, empty set; free it with cb_mustache_free. */
cb_mustache *cb_mustache_new(void);

/* Compiles src[0..len) and stores it under name, replacing an earlier
 * template of that name. The set keeps its own copy of src and name.
 * Syntax errors (an unclosed tag, a mismatched or stray section end, a bad
 * delimiter change, a section never closed, an empty tag) return -1 with err
 * filled: err->file = name, err->line/col = the 1-based position of the
 * offending tag, err->msg a plain-English message such as
 * "section 'doc' opened here is never closed". The set is unchanged then. */
int cb_mustache_add(cb_mustache *m, const char *name, const char *src, size_t len, cb_error *err);

/* True when a template of that name was added. */
bool cb_mustache_has(const cb_mustache *m, const char *name);

/* Renders template `name` with data (which may be NULL), appending to out.
 * A missing partial or parent renders as nothing, as the specification says.
 * A missing top-level template, partials or parents nested more than 64 deep,
 * and runaway expansions (sections nested too deeply, too much output) are
 * errors: -1 with err filled (file and position of the offending tag where
 * there is one), and out is left as it was before the call. */
int cb_mustache_render(const cb_mustache *m, const char *name, const cb_value *data, cb_buf *out,
		       cb_error *err);

/* Whether rendering template name may read data under the key part: a
 * tag of name, or of a partial or parent it reaches, names part as one of
 * its dotted parts. A template reaching a partial named by the data
 * ({{>*name}}) may read anything (true). So when it is false, the value
 * under part cannot change what name renders. */
bool cb_mustache_reads(const cb_mustache *m, const char *name, const char *part);

/* Frees the set and every template in it. NULL-safe. */
void cb_mustache_free(cb_mustache *m);

#endif
