/* rank: see rank.h. */
#include "rank.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "util.h"

enum { S_TAB_DOCS = 1, S_TAB_POINTS = 2 };

/* The most rows a table may have in rank_rows: row ids far beyond the
 * rows' number would only come from a damaged database. */
#define S_MAX_ROWID (1u << 26)

/* The sum of a docsize blob's numbers: one per column, each in SQLite's
 * own varint format (seven bits a byte, most significant first). */
static uint32_t S_docsize(const unsigned char *p, int n)
{
	uint64_t sum = 0, v = 0;
	for (int i = 0; i < n; i++) {
		v = (v << 7) | (p[i] & 0x7f);
		if (!(p[i] & 0x80)) {
			sum += v;
			v = 0;
		}
	}
	return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

/* Makes room in r for rowid (the new rows zeroed). */
static void S_grow(cb_rank_rows *r, size_t rowid)
{
	if (rowid < r->n)
		return;
	size_t n = rowid + 1 > r->n * 2 ? rowid + 1 : r->n * 2;
	r->v = cb_xrealloc(r->v, 2 * n * sizeof *r->v);
	memset(r->v + 2 * r->n, 0, 2 * (n - r->n) * sizeof *r->v);
	r->n = n;
}

void cb_rank_free(cb_rank *r)
{
	if (!r)
		return;
	free(r->docs.v);
	free(r->points.v);
	memset(r, 0, sizeof *r);
}

/* The host's byte order and rank_rows' (little-endian) differ. */
static bool S_swap(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 0;
}

static void S_swap_all(uint32_t *v, size_t n)
{
	for (size_t i = 0; S_swap() && i < n; i++)
		v[i] = __builtin_bswap32(v[i]);
}

/* ---- writing ---- */

/* Reads one table's rows: their lengths (sizes_sql gives rowid and
 * docsize blob), then what each refers to (ref_sql gives rowid and the
 * reference). A reference to a row without a length is left out. */
static int S_read(sqlite3 *db, const char *sizes_sql, const char *ref_sql, cb_rank_rows *r)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sizes_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		if (id < 0 || id >= S_MAX_ROWID) {
			rc = SQLITE_RANGE;
			break;
		}
		S_grow(r, (size_t)id);
		r->v[2 * id] = S_docsize(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	rc = sqlite3_prepare_v2(db, ref_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0), ref = sqlite3_column_int64(st, 1);
		if (id >= 0 && (size_t)id < r->n && ref > 0 && ref <= UINT32_MAX)
			r->v[2 * id + 1] = (uint32_t)ref;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int cb_rank_write(sqlite3 *db)
{
	cb_rank r;
	memset(&r, 0, sizeof r);
	sqlite3_stmt *ins = NULL;
	int rc = sqlite3_exec(
	    db, "CREATE TABLE IF NOT EXISTS rank_rows(tab INTEGER PRIMARY KEY, data BLOB NOT NULL)", NULL,
	    NULL, NULL);
	if (rc == SQLITE_OK)
		rc = S_read(db, "SELECT id, sz FROM docs_fts_docsize", "SELECT doc, ord FROM doc_order",
			    &r.docs);
	if (rc == SQLITE_OK)
		rc = S_read(db, "SELECT id, sz FROM learning_fts_docsize", "SELECT id, doc FROM learning",
			    &r.points);
	if (rc == SQLITE_OK)
		rc =
		    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO rank_rows VALUES(?1, ?2)", -1, &ins, NULL);
	for (int t = 0; rc == SQLITE_OK && t < 2; t++) {
		cb_rank_rows *rows = t ? &r.points : &r.docs;
		/* Up to the last row that is there. */
		while (rows->n && !rows->v[2 * rows->n - 1])
			rows->n--;
		S_swap_all(rows->v, 2 * rows->n);
		sqlite3_bind_int(ins, 1, t ? S_TAB_POINTS : S_TAB_DOCS);
		sqlite3_bind_blob64(ins, 2, rows->v ? (const void *)rows->v : "",
				    2 * rows->n * sizeof *rows->v, SQLITE_STATIC);
		rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	cb_rank_free(&r);
	return rc;
}

/* ---- reading and scoring ---- */

/* Reads rank_rows' row tab into rows. */
static bool S_load_rows(sqlite3 *db, int tab, cb_rank_rows *rows)
{
	sqlite3_blob *b = NULL;
	if (sqlite3_blob_open(db, "main", "rank_rows", "data", tab, 0, &b) != SQLITE_OK) {
		sqlite3_blob_close(b);
		return false;
	}
	int bytes = sqlite3_blob_bytes(b);
	size_t n = (size_t)bytes / (2 * sizeof *rows->v);
	bool ok = bytes % (2 * sizeof *rows->v) == 0 && n <= S_MAX_ROWID;
	if (ok && n) {
		rows->v = cb_xmalloc((size_t)bytes);
		ok = sqlite3_blob_read(b, rows->v, bytes, 0) == SQLITE_OK;
		rows->n = n;
		S_swap_all(rows->v, 2 * n);
	}
	sqlite3_blob_close(b);
	return ok;
}

/* What cb_bm25_docs() or cb_bm25_points() knows of its table. */
typedef struct S_fn {
	const cb_rank_rows *rows;
	double w[4];
	int ncol;
} S_fn;

/* The query's statistics, computed at its first row: the same numbers
 * bm25() takes from FTS5. */
typedef struct S_stats {
	int nphrase;
	double avgdl;
	double *idf, *freq;
} S_stats;

static int S_count(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)ctx)++;
	return SQLITE_OK;
}

static int S_stats_get(const Fts5ExtensionApi *api, Fts5Context *fts, S_stats **out)
{
	S_stats *s = api->xGetAuxdata(fts, 0);
	if (s) {
		*out = s;
		return SQLITE_OK;
	}
	int n = api->xPhraseCount(fts);
	s = cb_xcalloc(1, sizeof *s + 2 * (size_t)(n ? n : 1) * sizeof(double));
	s->nphrase = n;
	s->idf = (double *)(s + 1);
	s->freq = s->idf + (n ? n : 1);
	sqlite3_int64 nrow = 0, ntok = 0;
	int rc = api->xRowCount(fts, &nrow);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &ntok);
	if (rc == SQLITE_OK)
		s->avgdl = (double)ntok / (double)nrow;
	for (int i = 0; rc == SQLITE_OK && i < n; i++) {
		/* Rows holding the phrase; the rule for a phrase in more than
		 * half of them is FTS5's. */
		sqlite3_int64 hits = 0;
		rc = api->xQueryPhrase(fts, i, &hits, S_count);
		double idf = log((nrow - hits + 0.5) / (hits + 0.5));
		s->idf[i] = idf <= 0.0 ? 1e-6 : idf;
	}
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, s, free);
	else
		free(s);
	*out = rc == SQLITE_OK ? s : NULL;
	return rc;
}

static void S_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
		   sqlite3_value **val)
{
	(void)nval;
	(void)val;
	const double k1 = 1.2, b = 0.75;
	S_fn *fn = api->xUserData(fts);
	S_stats *s = NULL;
	int ninst = 0, rc = S_stats_get(api, fts, &s);
	if (rc == SQLITE_OK) {
		memset(s->freq, 0, (size_t)s->nphrase * sizeof *s->freq);
		rc = api->xInstCount(fts, &ninst);
	}
	for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
		int phrase, col, off;
		rc = api->xInst(fts, i, &phrase, &col, &off);
		if (rc == SQLITE_OK)
			s->freq[phrase] += col < fn->ncol ? fn->w[col] : 1.0;
	}
	double D = 0;
	if (rc == SQLITE_OK) {
		sqlite3_int64 rowid = api->xRowid(fts);
		int ntok = 0;
		if (cb_rank_has(fn->rows, rowid))
			D = (double)cb_rank_len(fn->rows, rowid);
		else if ((rc = api->xColumnSize(fts, -1, &ntok)) == SQLITE_OK)
			D = (double)ntok; /* a row rank_rows does not know: ask FTS5 */
	}
	double score = 0.0;
	for (int i = 0; rc == SQLITE_OK && i < s->nphrase; i++)
		score +=
		    s->idf[i] * ((s->freq[i] * (k1 + 1.0)) / (s->freq[i] + k1 * (1 - b + b * D / s->avgdl)));
	if (rc == SQLITE_OK)
		sqlite3_result_double(ctx, score);
	else
		sqlite3_result_error_code(ctx, rc);
}

static fts5_api *S_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

static int S_register(fts5_api *api, const char *name, const cb_rank_rows *rows, const double *w, int ncol)
{
	S_fn *fn = cb_xcalloc(1, sizeof *fn);
	fn->rows = rows;
	fn->ncol = ncol;
	memcpy(fn->w, w, (size_t)ncol * sizeof *w);
	return api->xCreateFunction(api, name, fn, S_bm25, free);
}

int cb_rank_load(sqlite3 *db, cb_rank *r)
{
	memset(r, 0, sizeof *r);
	static const double wd[4] = {CB_W_TITLE, CB_W_SUMMARY, CB_W_THEMES, CB_W_BODY};
	static const double wp[2] = {CB_WP_TEXT, CB_WP_THEMES};
	fts5_api *api = NULL;
	if (!S_load_rows(db, S_TAB_DOCS, &r->docs) || !S_load_rows(db, S_TAB_POINTS, &r->points) ||
	    !(api = S_fts5_api(db)) || S_register(api, "cb_bm25_docs", &r->docs, wd, 4) != SQLITE_OK ||
	    S_register(api, "cb_bm25_points", &r->points, wp, 2) != SQLITE_OK) {
		cb_rank_free(r);
		return -1;
	}
	return 0;
}
