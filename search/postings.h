/*
 * postings: every term of the documents with where it occurs, gathered
 * from the tokens FTS5 produces while the database is built (index.c) and
 * read back term by term, in byte order, to write the browser's shards
 * (shards.c).
 *
 * A collection's postings are larger than the rest of the search index's
 * memory, so they are kept small and bounded: each (document, column)
 * entry is held as variable-length integers (differences, mostly one byte
 * each), and once they reach a budget they are written out, sorted by
 * term, as a run in an unlinked temporary file. Reading back merges the
 * runs. Terms' texts and a few numbers per term stay in memory. When no
 * temporary file can be made the runs stay in memory instead; the result
 * is the same.
 *
 * A term's postings read back as text: for each (document, column) in
 * order, the document as a difference from the previous entry's (the
 * first as it is), the column, the count of positions, then the positions
 * as differences (the first as it is), all separated by commas.
 */
#ifndef CB_POSTINGS_H
#define CB_POSTINGS_H

#include <stddef.h>

#include "diag.h"
#include "util.h"

/* Bytes of entries the postings keep in memory before they spill a run. */
#define CB_POSTINGS_BUDGET (4u << 20)

typedef struct cb_postings cb_postings;

cb_postings *cb_postings_new(void);
void cb_postings_free(cb_postings *p); /* NULL-safe */
/* Changes the budget (bytes, at least 1) and the folder of the temporary
 * file (NULL: $TMPDIR, else /tmp); before the first token. For tests. */
void cb_postings_set_budget(cb_postings *p, size_t budget, const char *dir);

/* Adds the tokens of one column (0 to 3) of document doc (0-based, not
 * decreasing; each column once): begin, each token, end. */
void cb_postings_begin_column(cb_postings *p, int doc, int col);
void cb_postings_add(cb_postings *p, const char *tok, int len);
void cb_postings_end_column(cb_postings *p);

/* Where a learning point is in its document's body column (column 3):
 * point k of the document (0-based, among all its points) covers the n
 * tokens from position start. The browser scores points from the body's
 * postings with these spans instead of postings of their own. */
typedef struct cb_postings_point {
	int doc, k;
	long start, n;
} cb_postings_point;

/* Keeping columns, to add them again in a later build without their
 * tokens: while keep is set (not NULL), each column ended is appended to
 * it in a compact form (the count of its tokens; then each of its terms,
 * with the positions where it occurs, as this module holds them), which
 * cb_postings_replay_column reads. Stop with NULL. */
void cb_postings_keep(cb_postings *p, cb_buf *keep);
/* Adds a column kept by cb_postings_keep as column col of document doc
 * (which need not be the document it was kept from): the same as adding
 * its tokens again, at a lookup per distinct term instead of one per
 * token. Reads from *at (at most up to end) and moves *at past the
 * column. Returns 0, or -1 when the bytes are not such a column (p then
 * holds part of it at most, and must not be read back). */
int cb_postings_replay_column(cb_postings *p, int doc, int col, const unsigned char **at,
			      const unsigned char *end);

/* Records a point's span; points are added in site and document order. */
void cb_postings_add_point(cb_postings *p, const cb_postings_point *pt);
/* The points recorded, in the order added (n set to their number). */
const cb_postings_point *cb_postings_points(const cb_postings *p, size_t *n);

/* What document doc's index entries were made of, as 32 hex digits (the
 * private database's hash of its rows, index.c), so that the browser's
 * files of unchanged documents can be linked from the last output; NULL
 * when it is not known (a database without the private tables). */
void cb_postings_set_doc_key(cb_postings *p, int doc, const char *hex);
const char *cb_postings_doc_key(const cb_postings *p, int doc);

/* The token count of document doc (all columns). */
long cb_postings_doc_len(const cb_postings *p, int doc);
/* Distinct terms so far. */
size_t cb_postings_nterms(const cb_postings *p);
/* Runs spilled to the temporary file so far (0 when all fitted the
 * budget, or when there is no file). */
size_t cb_postings_spilled(const cb_postings *p);

/* Ends the adding: moves what is still in memory to the temporary file
 * (when there is much of it) and frees what only adding needed, so that
 * the postings hold little until they are read back. No token may be added
 * after. */
void cb_postings_finish(cb_postings *p);

/* Reads the terms back, in byte order (finishing first if need be). Sets *term (valid until the next call)
 * and replaces the contents of list with the term's postings as text (see above). Returns 1, 0 after the last
 * term, or -1 with err when the temporary file cannot be read. */
int cb_postings_next(cb_postings *p, const char **term, cb_buf *list, cb_error *err);

#endif
