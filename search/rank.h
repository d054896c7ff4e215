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
 *   rank_rows(tab, data)   tab 1: docs_fts, 2: learning_fts; data: for
 *                          each rowid from 0 to the last, two 32-bit
 *                          little-endian numbers: the row's length in
 *                          tokens (all columns), then for a document its
 *                          place in the site (doc_order.ord, from 1), for
 *                          a point its document's row; 0, 0 where there
 *                          is no row. Read with one copy, no decoding:
 *                          8 bytes a row (10,000 documents with 60,000
 *                          points: about half a megabyte).
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

/* One FTS5 table's rows, by rowid: v[2 * rowid] its length, v[2 * rowid
 * + 1] its reference (0: no such row), for rowid below n. */
typedef struct cb_rank_rows {
	uint32_t *v;
	size_t n;
} cb_rank_rows;

typedef struct cb_rank {
	cb_rank_rows docs, points;
} cb_rank;

/* Reads rank_rows of db into r and registers cb_bm25_docs() and
 * cb_bm25_points() on db, which use r (r must outlive db's statements).
 * Returns 0, or -1 when the table is missing or damaged. */
int cb_rank_load(struct sqlite3 *db, cb_rank *r);
void cb_rank_free(cb_rank *r); /* NULL-safe; leaves r empty */

/* Whether rows knows rowid. */
static inline bool cb_rank_has(const cb_rank_rows *rows, int64_t rowid)
{
	return rowid >= 0 && (uint64_t)rowid < rows->n && rows->v[2 * rowid + 1] != 0;
}

/* The row's length in tokens, and what it refers to (cb_rank_has first). */
static inline uint32_t cb_rank_len(const cb_rank_rows *rows, int64_t rowid)
{
	return rows->v[2 * rowid];
}

static inline uint32_t cb_rank_ref(const cb_rank_rows *rows, int64_t rowid)
{
	return rows->v[2 * rowid + 1];
}

#endif
