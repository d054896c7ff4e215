/*
 * rank: FTS5's BM25 without FTS5's row-by-row lookups. bm25() asks, for
 * every matching row, the row's length in tokens from the table's docsize
 * shadow table (an SQL statement per row, nine tenths of a common word's
 * time at 10,000 documents), and a search then joins every matching point
 * to its document and every document to its place in the site.
 *
 * A build writes those three facts once into the database, compactly, in
 * the table rank_rows (cb_rank_write); a search reads them whole
 * (cb_rank_load) and scores with cb_bm25_docs() and cb_bm25_points(), FTS5
 * auxiliary functions that compute BM25 exactly as bm25() does — the same
 * statistics from FTS5, the same operations in the same order, with the
 * column weights of index.h — so the scores are bit for bit bm25()'s
 * (tests/unit/test_search.c compares them), only faster.
 *
 *   rank_rows(tab, data)   tab 1, docs_fts: for each rowid from 0 to the
 *                          last, two 32-bit little-endian numbers: the
 *                          document's length in tokens (all columns) and
 *                          its place in the site (doc_order.ord, from 1);
 *                          0, 0 where there is no document;
 *                          tab 2, learning_fts: for each rowid, one byte:
 *                          0 where there is no point, else the point's
 *                          length plus one, 255 for 254 tokens or more
 *                          (then FTS5 is asked);
 *                          tab 3: which document each point is of, for
 *                          each run of points of one document (a
 *                          document's points have consecutive ids): its
 *                          first point's rowid and the document's row,
 *                          32-bit little-endian, in rowid order.
 *                          Read with one copy each, no decoding: at 10,000
 *                          documents with 56,000 points, 46 + 56 + 46 KB.
 */
#ifndef CB_RANK_H
#define CB_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3; /* sqlite3.h stays out of the headers of search/ */

/* (Re)writes rank_rows from the database's own tables (docs_fts_docsize,
 * learning_fts_docsize, doc_order, learning), creating it when missing.
 * Call inside the transaction that filled or updated them, after the last
 * change. Returns 0, or an SQLite error code. */
int cb_rank_write(struct sqlite3 *db);

typedef struct cb_rank {
	uint32_t *docs; /* docs[2 * rowid]: length, docs[2 * rowid + 1]: place (0: none) */
	size_t ndocs;
	uint8_t *points; /* points[rowid]: 0 none, else length + 1 (255: longer) */
	size_t npoints;
	uint32_t *runs; /* runs[2 * i]: a run's first point, runs[2 * i + 1]: its document */
	size_t nruns;
} cb_rank;

/* Reads rank_rows of db into r and registers cb_bm25_docs() and
 * cb_bm25_points() on db, which use r (r must outlive db's statements).
 * Returns 0, or -1 when the table is missing or damaged. */
int cb_rank_load(struct sqlite3 *db, cb_rank *r);
void cb_rank_free(cb_rank *r); /* NULL-safe; leaves r empty */

/* Whether r knows the document, and its place in the site (from 1). */
static inline bool cb_rank_has_doc(const cb_rank *r, int64_t rowid)
{
	return rowid >= 0 && (uint64_t)rowid < r->ndocs && r->docs[2 * rowid + 1] != 0;
}

static inline uint32_t cb_rank_place(const cb_rank *r, int64_t rowid)
{
	return r->docs[2 * rowid + 1];
}

/* Whether r knows the point. */
static inline bool cb_rank_has_point(const cb_rank *r, int64_t rowid)
{
	return rowid >= 0 && (uint64_t)rowid < r->npoints && r->points[rowid] != 0;
}

/* The document's row of a point r knows (cb_rank_has_point), 0 if none. */
uint32_t cb_rank_point_doc(const cb_rank *r, int64_t rowid);

#endif
