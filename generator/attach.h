/*
 * attach: the files under the content folder that are not documents —
 * images, PDFs, Word files, spreadsheets — which documents link to. A file
 * a published document links to travels with it: copied into the site as
 * files/<path under the content folder>, read from the same tree as the
 * documents (the ref, or the working files with --worktree), images with
 * their metadata removed (imgmeta.h), and the text and metadata of PDF,
 * Word and OpenDocument files checked for personal data (import.h, pii.h).
 */
#ifndef CB_ATTACH_H
#define CB_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "gitsrc.h"
#include "markdown.h"
#include "pii.h"

typedef struct cb_attach cb_attach;

/* Lists every file under content_dir that is not a document (*.md), with
 * its size; max_bytes is the largest a linked file may be. -1 with err
 * when git cannot list or measure them. Free with cb_attach_free. Reading
 * it afterwards is thread-safe. */
int cb_attach_list(cb_attach **out, cb_gitsrc *g, const char *content_dir, size_t max_bytes, cb_error *err);
void cb_attach_free(cb_attach *a);

/* Resolves a repository-relative path a document links to: CB_LINK_OK
 * (*href: the copy's address from a page one folder below the site's
 * root, caller frees), CB_LINK_MISSING, CB_LINK_OUTSIDE (not under the
 * content folder) or CB_LINK_TOO_LARGE. */
cb_link_status cb_attach_resolve(const cb_attach *a, const char *path, char **href);

/* The blob id of a listed file (what its copy and checks depend on);
 * NULL when it is not listed. */
const char *cb_attach_oid(const cb_attach *a, const char *path);

/* Reads a listed file's bytes: from the tree through br (one per thread;
 * NULL: one of its own), or from the working files. Caller frees *data. 0, or -1 with err. */
int cb_attach_read(const cb_attach *a, cb_blob_reader *br, const char *path, char **data, size_t *len,
		   cb_error *err);

/* A listed file's bytes as the site publishes them (cb_attach_read, then
 * an image's metadata removed: imgmeta.h). Caller frees *data. 0, or -1
 * with err naming the file. */
int cb_attach_publish(const cb_attach *a, const char *path, char **data, size_t *len, cb_error *err);

/* Checks an attached file's text and metadata (author, last modified by,
 * comments…) for personal data, when it is a PDF, Word or OpenDocument
 * file: each finding is an error reported at file:line:col, the link to
 * it. A file that cannot be read is an error there too (its contents
 * cannot be checked). A file named as an image (cb_imgmeta_named) is an
 * error there [image-metadata] when its metadata cannot be removed
 * (damaged, or a kind such as HEIC). Other files are not checked. Returns
 * the errors added. */
size_t cb_attach_check(const char *path, const char *data, size_t len, const char *file, int line, int col,
		       const cb_strv *allow, const cb_pii_names *names, cb_diags *d);

/* True for a file cb_attach_check reads. */
bool cb_attach_checkable(const char *path);

#endif
