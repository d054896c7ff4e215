/*
 * markdown: a document body rendered with cmark-gfm (tables, autolinks,
 * strikethrough, task lists) in safe mode — raw HTML is never passed through
 * and dangerous link schemes are dropped — plus what the site needs from the
 * tree: headings with stable unique ids, learning points, links to other
 * documents (rewritten to their pages) and plain text for search.
 *
 * This is the only module that includes cmark-gfm headers.
 */
#ifndef CB_MARKDOWN_H
#define CB_MARKDOWN_H

/* The widest table casebook takes, in columns: a wider row is an error
 * [table-too-wide]. The table parser's work grows with the square of a
 * row's cells, so a 5,000-column table took seconds per row. */
#define CB_MAX_TABLE_COLUMNS 256

#include <stddef.h>

#include "diag.h"
#include "util.h"

typedef struct cb_heading {
	int level;
	char *text; /* plain text */
	char *id;   /* unique within the page */
	int line;   /* in the file */
} cb_heading;

/* A learning point: one list item under a learning heading. */
typedef struct cb_lpoint {
	char *html;	  /* the item's content as HTML (safe) */
	char *text;	  /* the same as plain text */
	char *heading;	  /* the heading it sits under */
	char *heading_id; /* that heading's id, for links to the exact place */
	int line;
	char *tags;	       /* theme ids of the hashtags ending the item, space-separated; NULL: none */
	int tag_line, tag_col; /* where the first hashtag is */
} cb_lpoint;

/* A link to another document, and the section it sits in. */
typedef struct cb_mlink {
	char *path;  /* the linked document's repository path */
	int heading; /* index in headings of the last heading before it; -1: none */
} cb_mlink;

/* A table: the text of each cell, row by row (the header row first), and
 * the section it sits in. */
typedef struct cb_mtable {
	int heading; /* as cb_mlink's */
	int line;    /* in the file */
	size_t nrows;
	size_t *ncells; /* cells in each row */
	char **cells;	/* the rows' cells, one row after another (plain text) */
} cb_mtable;

typedef enum {
	CB_LINK_OK, /* *href is the page (or file) to link to (caller of cb_markdown_render frees nothing) */
	CB_LINK_MISSING,     /* no such document or file: an error at the link's position */
	CB_LINK_HIDDEN,	     /* a document this build must not mention: the link becomes plain text */
	CB_LINK_OUTSIDE,     /* a file outside the content folder: an error */
	CB_LINK_TOO_LARGE,   /* a file over the attachment size limit: an error */
	CB_LINK_OTHER_SOURCE /* in another repository (a partner's, or the hub's): an error */
} cb_link_status;

/* Resolves a repository-relative path for a link or image written in a
 * document: "content/a/b.md" (a link to another document; line and col
 * are 0), or any other file — an attachment or image, with line and col
 * of the link, for the resolver's own findings about the file. On
 * CB_LINK_OK sets *href to a new string (freed by the markdown module)
 * and *target to the target document's index (-1 for a file). */
typedef cb_link_status (*cb_link_resolver)(void *ctx, const char *path, int line, int col, char **href,
					   int *target);

/* What a reader of the page sees of a body, for the personal-data check
 * (pubcheck.h): each block's text as the browser joins it (emphasis,
 * dropped inline HTML and character references resolved), blocks apart,
 * then every attribute value (link targets and titles, image targets,
 * titles and alt text). at[k] says where the bytes from at[k].off on
 * were written: line and column in the file. */
typedef struct cb_pubtext {
	char *text;
	size_t len;
	struct cb_pubtext_at {
		size_t off;
		int line, col;
	} * at;
	size_t nat;
} cb_pubtext;

void cb_pubtext_free(cb_pubtext *p);

typedef struct cb_mdoc {
	char *html; /* the body as HTML, headings carrying id attributes */
	char *text; /* plain text for search, blocks separated by newlines */
	cb_heading *headings;
	size_t nheadings;
	cb_lpoint *learning;
	size_t nlearning;
	int *links; /* indices of linked documents, sorted, unique */
	size_t nlinks;
	cb_mlink *doclinks; /* every link to a document, in document order */
	size_t ndoclinks;
	cb_mtable *tables; /* every table, in document order */
	size_t ntables;
	/* When not NULL, headings and learning (the arrays and their strings)
	 * live in this one allocation (see cb_mdoc_compact). */
	void *block;
	/* Filled by cb_markdown_render; not kept by the cache: the site frees
	 * it once checked (cb_pubtext_free). */
	cb_pubtext pub;
} cb_mdoc;

/* Renders body (len bytes; the document's text from line body_line on,
 * file being its repository-relative path). Relative links and images are
 * resolved relative to file through resolve: links ending in ".md" as
 * documents, everything else as files (attachments), whose link is then
 * rewritten to the copy the site carries; an image without alt text is a
 * warning. Problems go to d. Returns 0,
 * or -1 when an error was reported; out is filled either way and must be
 * freed with cb_mdoc_free. Safe to call from several threads at once. */
int cb_markdown_render(const char *body, size_t len, int body_line, const char *file,
		       cb_link_resolver resolve, void *ctx, cb_mdoc *out, cb_diags *d);

/* Which headings hold learning points (learning.h): vocab NULL means the
 * default vocabulary; extra, when not NULL, the document's own additions. */
struct cb_lvocab;
typedef struct cb_md_learning {
	const struct cb_lvocab *vocab;
	const cb_strv *extra;
} cb_md_learning;

/* As cb_markdown_render, with the learning headings of lh (NULL: the
 * defaults). A learning point's hashtags of theme ids at its end
 * ("#was-not-brought #neglect") are taken off its text and the page's and
 * kept in the point's tags. */
int cb_markdown_render_ex(const char *body, size_t len, int body_line, const char *file,
			  cb_link_resolver resolve, void *ctx, const cb_md_learning *lh, cb_mdoc *out,
			  cb_diags *d);
void cb_mdoc_free(cb_mdoc *m);

/* Moves m's headings and learning points, with their strings, into one
 * allocation: a site keeps them until its pages are made, and as separate
 * small allocations they cost about twice their size. Points under the
 * same heading share its name and id. Nothing changes for readers. */
void cb_mdoc_compact(cb_mdoc *m);

/* True when a heading's text names a learning section of the default
 * vocabulary ("Key learning", "Recommendations", "What to do", …). */
int cb_markdown_is_learning_heading(const char *text);

/* Ids the templates use for their own elements, which headings must avoid. */
extern const char *const cb_reserved_ids[];

#endif
