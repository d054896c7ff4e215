/*
 * textstore: the bulk of a site — every document's HTML and plain text,
 * and while the site loads every Markdown body between its two passes —
 * kept in a temporary file instead of memory and read back one document at
 * a time by whoever needs it (plugins, pages, the search index), so that a
 * build's memory holds metadata and grows slowly with the collection.
 * Bodies of documents outside the build's audience pass through it too: the
 * file is readable by its owner only and has no name (see below).
 *
 * The file is unlinked as soon as it is made, so it disappears with the
 * process whatever happens. When no file can be made the strings are kept
 * in memory instead; callers cannot tell the difference.
 */
#ifndef CB_TEXTSTORE_H
#define CB_TEXTSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cb_textstore cb_textstore;

/* Where a string is; {0, 0} with none set is the empty string. */
typedef struct cb_textref {
	uint64_t off;
	uint64_t len;
} cb_textref;

/* A store with its file in dir (NULL: $TMPDIR, else /tmp). */
cb_textstore *cb_textstore_new(const char *dir);
void cb_textstore_free(cb_textstore *t); /* NULL-safe */

/* Whether strings go to a file (false: they are kept in memory). */
bool cb_textstore_has_file(const cb_textstore *t);

/* Stores n bytes of s; thread-safe. */
cb_textref cb_textstore_put(cb_textstore *t, const char *s, size_t n);
/* A NUL-terminated copy (caller frees); "" when t is NULL. Thread-safe.
 * Aborts when the file cannot be read back, as for running out of memory. */
char *cb_textstore_get(const cb_textstore *t, cb_textref r);

#endif
