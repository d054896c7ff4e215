/* attach: see attach.h. */
#include "attach.h"

#include <stdlib.h>
#include <string.h>

#include "imgmeta.h"
#include "import/import.h"
#include "util.h"

typedef struct S_file {
	char *path; /* repository-relative */
	char oid[41];
	size_t size;
} S_file;

struct cb_attach {
	cb_gitsrc *g;
	char *content_dir; /* without a trailing '/' */
	size_t max_bytes;
	S_file *v; /* sorted by path */
	size_t n;
	bool worktree; /* read the working files, not blobs */
};

static int S_file_cmp(const void *a, const void *b)
{
	return strcmp(((const S_file *)a)->path, ((const S_file *)b)->path);
}

int cb_attach_list(cb_attach **out, cb_gitsrc *g, const char *content_dir, size_t max_bytes, cb_error *err)
{
	*out = NULL;
	cb_source *srcs = NULL;
	size_t n = 0;
	/* Symbolic links and submodules were reported with the documents:
	 * the listing's own warnings would say it twice. */
	cb_diags scratch = CB_DIAGS_INIT;
	/* Listed with a size limit of 0: nothing is read, only measured. */
	int rc = cb_gitsrc_list_lazy(g, content_dir, NULL, 0, &srcs, &n, &scratch, err);
	cb_diags_free(&scratch);
	if (rc != 0)
		return -1;
	cb_attach *a = cb_xcalloc(1, sizeof *a);
	a->g = g;
	a->content_dir = cb_xstrdup(content_dir);
	a->max_bytes = max_bytes;
	a->v = cb_xcalloc(n ? n : 1, sizeof *a->v);
	cb_blob_reader *br = NULL;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		cb_source *s = &srcs[i];
		if (cb_name_ext(s->path, CB_MARKDOWN_EXTS))
			continue;
		if (s->unread && ((!br && cb_blob_reader_open(g, &br, err) != 0) ||
				  cb_blob_reader_load(br, s, 0, err) != 0))
			rc = -1;
		S_file *f = &a->v[a->n++];
		f->path = s->path;
		s->path = NULL;
		memcpy(f->oid, s->oid, sizeof f->oid);
		f->size = s->len;
	}
	cb_blob_reader_free(br);
	a->worktree = cb_gitsrc_worktree(g);
	cb_sources_free(srcs, n);
	qsort(a->v, a->n, sizeof *a->v, S_file_cmp);
	if (rc != 0) {
		cb_attach_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

void cb_attach_free(cb_attach *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].path);
	free(a->v);
	free(a->content_dir);
	free(a);
}

static const S_file *S_find(const cb_attach *a, const char *path)
{
	S_file key = {(char *)path, {0}, 0};
	return a->n ? bsearch(&key, a->v, a->n, sizeof *a->v, S_file_cmp) : NULL;
}

cb_link_status cb_attach_resolve(const cb_attach *a, const char *path, char **href)
{
	size_t n = strlen(a->content_dir);
	if (n && (strncmp(path, a->content_dir, n) != 0 || path[n] != '/'))
		return CB_LINK_OUTSIDE;
	const S_file *f = S_find(a, path);
	if (!f)
		return CB_LINK_MISSING;
	if (f->size > a->max_bytes)
		return CB_LINK_TOO_LARGE;
	/* Pages (documents/, themes/) are one folder below the root. */
	*href = cb_xasprintf("../files/%s", path + (n ? n + 1 : 0));
	return CB_LINK_OK;
}

const char *cb_attach_oid(const cb_attach *a, const char *path)
{
	const S_file *f = S_find(a, path);
	return f ? f->oid : NULL;
}

int cb_attach_read(const cb_attach *a, cb_blob_reader *br, const char *path, char **data, size_t *len,
		   cb_error *err)
{
	*data = NULL;
	*len = 0;
	const S_file *f = S_find(a, path);
	if (!f) {
		cb_error_set(err, path, 0, 0, "the file is no longer there");
		return -1;
	}
	if (a->worktree) {
		int rc = cb_gitsrc_read(a->g, path, data, len, err);
		if (rc == 1)
			cb_error_set(err, path, 0, 0, "the file was removed while the site was being built");
		return rc == 0 ? 0 : -1;
	}
	cb_source s = {(char *)path, NULL, 0, {0}, true};
	memcpy(s.oid, f->oid, sizeof s.oid);
	cb_blob_reader *own = NULL;
	if (!br && cb_blob_reader_open(a->g, &own, err) != 0)
		return -1;
	int rc = cb_blob_reader_load(br ? br : own, &s, a->max_bytes, err);
	cb_blob_reader_free(own);
	if (rc != 0)
		return -1;
	if (!s.data) {
		cb_error_set(err, path, 0, 0, "the file is larger than attachment-max-mb allows");
		return -1;
	}
	*data = s.data;
	*len = s.len;
	return 0;
}

int cb_attach_publish(const cb_attach *a, const char *path, char **data, size_t *len, cb_error *err)
{
	if (cb_attach_read(a, NULL, path, data, len, err) != 0)
		return -1;
	char *clean;
	size_t n;
	int rc = cb_imgmeta_strip(path, *data, *len, &clean, &n, err);
	if (rc != 0) {
		free(*data);
		*data = rc > 0 ? clean : NULL;
		*len = rc > 0 ? n : 0;
	}
	return rc < 0 ? -1 : 0;
}

bool cb_attach_checkable(const char *path)
{
	cb_import_format f = cb_import_format_of(path);
	return f == CB_IMPORT_PDF || f == CB_IMPORT_DOCX || f == CB_IMPORT_ODT || cb_imgmeta_named(path);
}

/* An image is not read for personal data: its metadata is removed. What
 * stops that (a damaged image, a kind whose metadata cannot be removed)
 * is an error at the link, found by check as well as by build. */
static size_t S_check_image(const char *path, const char *data, size_t len, const char *file, int line,
			    int col, cb_diags *d)
{
	char *clean = NULL;
	size_t n;
	cb_error err = {{0}, 0, 0, {0}};
	int rc = cb_imgmeta_strip(path, data, len, &clean, &n, &err);
	free(clean);
	if (rc >= 0)
		return 0;
	cb_diags_add(d, CB_ERROR, file, line, col, "image-metadata", "%s", err.msg);
	return 1;
}

size_t cb_attach_check(const char *path, const char *data, size_t len, const char *file, int line, int col,
		       const cb_strv *allow, const cb_pii_names *names, cb_diags *d)
{
	if (!cb_attach_checkable(path))
		return 0;
	if (cb_imgmeta_named(path))
		return S_check_image(path, data, len, file, line, col, d);
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	cb_import_doc *doc = NULL;
	cb_error err = {{0}, 0, 0, {0}};
	if (cb_import_read_mem(path, data, len, &doc, &err) != 0) {
		/* What cannot be read cannot be checked, and is not published
		 * unchecked. */
		cb_diags_add(d, CB_ERROR, file, line, col, "attachment-unreadable",
			     "cannot check the attached file '%s' for personal data: %s", name, err.msg);
		return 1;
	}
	char *text = cb_import_text(doc);
	cb_import_doc_free(doc);
	char *context = cb_xasprintf(" in the attached file '%s'", name);
	/* Each value once, and every finding at the link: a position inside
	 * the file would mean nothing in the document. */
	cb_strv seen = CB_STRV_INIT;
	cb_pii_where w = {file, NULL, 0, context, &seen};
	cb_diags found = CB_DIAGS_INIT;
	size_t n = cb_pii_check_text(&w, text, strlen(text), allow, names, &found, &seen);
	for (size_t i = 0; i < found.n; i++) {
		found.v[i].line = line;
		found.v[i].col = col;
	}
	cb_diags_take(d, &found);
	cb_diags_free(&found);
	cb_strv_free(&seen);
	free(context);
	free(text);
	return n;
}
