/*
 * writer: the output folder, changed all at once or not at all. Files are
 * written into a staging folder beside the output; only when the whole build
 * succeeded is it swapped in (an atomic exchange of the two folders where
 * the system supports it). A failed build leaves the previous output exactly
 * as it was.
 */
#ifndef CB_WRITER_H
#define CB_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#include "diag.h"

typedef struct cb_writer cb_writer;

/* Prepares a staging folder for out (out.staging-XXXXXX beside it, mode
 * 0700, holding CB_STAGING_MARKER with this process's id). Staging folders
 * of earlier builds of out whose process is gone (a killed build) are
 * removed first, whatever their audience. Refuses (-1, err) when out exists, is
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
/* Makes the output owner-only (folders 0700, files 0600) when private_out
 * is true, as a restricted build's must be; otherwise it is readable by
 * everyone (0755/0644). Applied at the swap; the staging folder itself is
 * owner-only from its creation whatever the audience. */
void cb_writer_set_private(cb_writer *w, bool private_out);
/* Swaps the staged output in and removes the old one. Frees w. */
int cb_writer_commit(cb_writer *w, cb_error *err);
/* Removes the staging folder, leaving the output untouched. Frees w;
 * NULL-safe. */
void cb_writer_abort(cb_writer *w);
/* Files written so far, and how many of them were linked unchanged from
 * the previous output. */
size_t cb_writer_count(const cb_writer *w);
size_t cb_writer_reused(const cb_writer *w);
/* Whether the file at path was linked from the previous output (its bytes
 * are that output's, unchanged). Not while files are still being put. */
bool cb_writer_linked(const cb_writer *w, const char *path);

/*
 * Keyed files. A caller that can name what a file is made from (a hash of
 * all its inputs, as 32 hex digits) gives that key. When the previous
 * output holds the file made from the same key, and the file is as it was
 * written (same size, modification time and inode, so nobody edited it
 * since), the file is linked from there without being made again.
 */
typedef struct cb_file_key {
	char key[33];
	uint64_t size;
	int64_t mtime_ns;
	uint64_t ino;
} cb_file_key;

/* What the previous output was made from: path -> cb_file_key* (borrowed;
 * it must outlive the writer). Call before any put. */
void cb_writer_set_known(cb_writer *w, const cb_strmap *known);
/* Links path from the previous output when it was made from key: returns
 * 1 then, 0 when the file must be made. Thread-safe. */
int cb_writer_reuse(cb_writer *w, const char *path, const char *key);
/* cb_writer_put, remembering key for the file. Thread-safe. */
int cb_writer_put_keyed(cb_writer *w, const char *path, const char *key, const char *data, size_t len,
			cb_error *err);
/* Hands over the keys of this build's files (path -> cb_file_key*), to be
 * stored once the output is committed; free with cb_file_keys_free. */
cb_strmap *cb_writer_take_keys(cb_writer *w);
void cb_file_keys_free(cb_strmap *keys); /* NULL-safe */

/*
 * Encrypted builds (seal.h). After cb_writer_seal, the feed, sitemap and
 * database are never written, nothing is linked from the previous output
 * and no keys are kept (the next build makes every page again). Files stay
 * plain in the owner-only staging folder until cb_writer_seal_finish, so
 * that the last personal-data scan reads what will be published; then
 * every file that carries content is sealed into e/N.js. s is borrowed and
 * must outlive the writer; call before any put.
 */
typedef struct cb_seal cb_seal;
void cb_writer_seal(cb_writer *w, const cb_seal *s);
/* Before commit, after the last scan: seals every file of the staging
 * folder that carries content and removes what is never published, then
 * writes the plain unlock page (index.html) and the unlock script (read
 * from the file lock_js, written as search/lock.js). No-op for a plain
 * build. */
int cb_writer_seal_finish(cb_writer *w, const char *unlock_page, const char *lock_js, cb_error *err);

/* The marker file casebook leaves in every output folder. */
#define CB_OUTPUT_MARKER ".casebook-output"
/* The marker of a staging folder (removed at the swap): the id of the
 * process writing it. */
#define CB_STAGING_MARKER ".casebook-staging"

#endif
