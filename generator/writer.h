/*
 * writer: the output folder, changed all at once or not at all. Files are
 * written into a staging folder beside the output; only when the whole build
 * succeeded is it swapped in (an atomic exchange of the two folders where
 * the system supports it). A failed build leaves the previous output exactly
 * as it was.
 */
#ifndef CB_WRITER_H
#define CB_WRITER_H

#include <stddef.h>

#include "diag.h"

typedef struct cb_writer cb_writer;

/* Prepares a staging folder for out. Refuses (-1, err) when out exists, is
 * not empty and was not made by casebook (it has no marker file), so a
 * mistyped --out never wipes someone's folder. */
int cb_writer_open(cb_writer **w, const char *out, cb_error *err);
/* Writes one file at path (relative to the output root). Paths that are
 * absolute, empty, or have "." or ".." parts are refused: output never
 * leaves the output folder. A file whose bytes equal the previous output's
 * is hard-linked from there instead of written. Safe to call from several
 * threads at once. */
int cb_writer_put(cb_writer *w, const char *path, const char *data, size_t len, cb_error *err);
/* Copies the regular files of a folder tree (symlinks are not followed)
 * into dest (relative to the output root). */
int cb_writer_copy_tree(cb_writer *w, const char *src_dir, const char *dest, cb_error *err);
/* The staging folder (files may be created there directly, e.g. a
 * database); valid until commit or abort. */
const char *cb_writer_stage_dir(const cb_writer *w);
/* Swaps the staged output in and removes the old one. Frees w. */
int cb_writer_commit(cb_writer *w, cb_error *err);
/* Removes the staging folder, leaving the output untouched. Frees w;
 * NULL-safe. */
void cb_writer_abort(cb_writer *w);
/* Files written so far, and how many of them were linked unchanged from
 * the previous output. */
size_t cb_writer_count(const cb_writer *w);
size_t cb_writer_reused(const cb_writer *w);

/* The marker file casebook leaves in every output folder. */
#define CB_OUTPUT_MARKER ".casebook-output"

#endif
