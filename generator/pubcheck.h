/*
 * pubcheck: the personal-data check (pii.h) applied to what a build
 * publishes rather than to what the author typed, because the two differ:
 * Markdown emphasis splits a number in the source but not on the page,
 * character references (&#32;, &nbsp;) and dropped inline HTML join or
 * space digits, and a file name becomes a page's address. Four checks:
 *
 *   - a document's file name (it is published as the page's name);
 *   - control characters anywhere in a document (ESC, BEL: they would
 *     reach the terminal and the page);
 *   - a document's rendered text and attribute values (markdown.h's
 *     published text), reported at their source line and column;
 *   - the last scan: every text file of a staged build's output, pages,
 *     feed, search files and plugins' pages alike, reported by output path.
 *
 * Thread-safe: each call works on its own data.
 */
#ifndef CB_PUBCHECK_H
#define CB_PUBCHECK_H

#include <stddef.h>

#include "diag.h"
#include "markdown.h"
#include "pii.h"
#include "util.h"

/* Checks the file name of a document at path (repository-relative);
 * content_dir is the folder it is under, which is not part of its page's
 * name. Words in a file name are separated by '-', '_' or '/' and written
 * in lower case, so each is read as a capitalised word for the names
 * deny-list. Returns the errors added (at path, with no line). */
size_t cb_pubcheck_file_name(const char *path, const char *content_dir, const cb_strv *allow,
			     const cb_pii_names *names, cb_diags *d);

/* Reports each control character in text (C0 but tab, line feed and
 * carriage return; DEL; C1, see textnorm.h) at its line and column, at
 * most a few per file, and one error for a file name holding any.
 * Returns the errors added. */
size_t cb_pubcheck_controls(const char *path, const char *text, size_t len, cb_diags *d);

/* Checks a document's body as published (pub, from markdown.h) and
 * reports each finding at the line and column it was written. Findings
 * that the source check (cb_pii_check) reports already — the same value
 * on the same line of body[0..len), the body as written, which starts at
 * line body_line — are not reported twice. Returns the errors added. */
size_t cb_pubcheck_body(const char *path, const cb_pubtext *pub, const char *body, size_t len, int body_line,
			const cb_strv *allow, const cb_pii_names *names, cb_diags *d);

/* The text a reader or a program gets from a published file: for markup
 * (kind 'h': HTML, XML, SVG, Atom) tags are dropped — inline ones (b, em,
 * span, a, …) joining the text either side, others keeping it apart — every
 * attribute value is a piece of its own, comments go and character
 * references are resolved; for scripts and JSON (kind 'j') string escapes
 * (\uXXXX, \/) are resolved; other text (kind 't') is as it is. Caller
 * frees. Never fails; linear in len. */
char *cb_pubcheck_reader_text(const char *data, size_t len, int kind, size_t *out_len);

/* The last scan before a build's output is swapped in: every text file
 * under dir (pages, feed, sitemap, search files, plugins' pages), read as
 * cb_pubcheck_reader_text gives it, is checked; a finding is reported at
 * the file's path under shown (the output folder as the user named it; no
 * line: the page has no source position) unless a published document's
 * pii-allow lists it (allow: all of them). Files for which skip (when not
 * NULL) returns true are left out: a rebuild's files whose bytes the last
 * scan passed under the same list and allowances. jobs threads (0: one
 * per core). Returns the errors added; *read and *skipped (when not NULL)
 * are the text files read and left out. */
size_t cb_pubcheck_output(const char *dir, const char *shown, const cb_strv *allow, const cb_pii_names *names,
			  bool (*skip)(void *ctx, const char *rel), void *skip_ctx, int jobs, cb_diags *d,
			  size_t *read, size_t *skipped);

#endif
