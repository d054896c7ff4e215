/* rank: see rank.h. */
#include "rank.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "tokenize.h"
#include "util.h"

enum { S_TAB_DOCS = 1, S_TAB_POINTS = 2, S_TAB_RUNS = 3 };

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

/* A table's rows as the build reads them: v[2 * rowid] the length,
 * v[2 * rowid + 1] the reference (0: no row). */
typedef struct S_rows {
	uint32_t *v;
	size_t n;
} S_rows;

/* Makes room in r for rowid (the new rows zeroed). */
static void S_grow(S_rows *r, size_t rowid)
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
	free(r->docs);
	free(r->points);
	free(r->runs);
	memset(r, 0, sizeof *r);
}

uint32_t cb_rank_point_doc(const cb_rank *r, int64_t rowid)
{
	/* The last run that starts at or before the point. */
	size_t lo = 0, hi = r->nruns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((int64_t)r->runs[2 * mid] <= rowid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? r->runs[2 * (lo - 1) + 1] : 0;
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
static int S_read(sqlite3 *db, const char *sizes_sql, const char *ref_sql, S_rows *r)
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

/* The points' bytes (tab 2) and runs (tab 3) of rows, as rank.h says. */
static void S_points(const S_rows *rows, uint8_t **bytes, uint32_t **runs, size_t *nruns)
{
	*bytes = cb_xcalloc(rows->n ? rows->n : 1, 1);
	*runs = NULL;
	*nruns = 0;
	size_t cap = 0;
	for (size_t id = 0; id < rows->n; id++) {
		uint32_t len = rows->v[2 * id], doc = rows->v[2 * id + 1];
		if (!doc)
			continue;
		(*bytes)[id] = len >= 254 ? 255 : (uint8_t)(len + 1);
		if (*nruns && (*runs)[2 * *nruns - 1] == doc)
			continue;
		if (*nruns == cap) {
			cap = cap ? cap * 2 : 1024;
			*runs = cb_xrealloc(*runs, 2 * cap * sizeof **runs);
		}
		(*runs)[2 * *nruns] = (uint32_t)id;
		(*runs)[2 * *nruns + 1] = doc;
		++*nruns;
	}
}

int cb_rank_write(sqlite3 *db)
{
	S_rows docs = {0}, points = {0};
	uint8_t *bytes = NULL;
	uint32_t *runs = NULL;
	size_t nruns = 0;
	sqlite3_stmt *ins = NULL;
	int rc = sqlite3_exec(
	    db, "CREATE TABLE IF NOT EXISTS rank_rows(tab INTEGER PRIMARY KEY, data BLOB NOT NULL)", NULL,
	    NULL, NULL);
	if (rc == SQLITE_OK)
		rc = S_read(db, "SELECT id, sz FROM docs_fts_docsize", "SELECT doc, ord FROM doc_order",
			    &docs);
	if (rc == SQLITE_OK)
		rc = S_read(db, "SELECT id, sz FROM learning_fts_docsize", "SELECT id, doc FROM learning",
			    &points);
	if (rc == SQLITE_OK)
		rc =
		    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO rank_rows VALUES(?1, ?2)", -1, &ins, NULL);
	if (rc == SQLITE_OK) {
		/* Up to the last row that is there. */
		while (docs.n && !docs.v[2 * docs.n - 1])
			docs.n--;
		while (points.n && !points.v[2 * points.n - 1])
			points.n--;
		S_points(&points, &bytes, &runs, &nruns);
		S_swap_all(docs.v, 2 * docs.n);
		S_swap_all(runs, 2 * nruns);
	}
	const void *data[3] = {docs.v, bytes, runs};
	size_t size[3] = {2 * docs.n * sizeof *docs.v, points.n, 2 * nruns * sizeof *runs};
	for (int t = 0; rc == SQLITE_OK && t < 3; t++) {
		sqlite3_bind_int(ins, 1, t + 1);
		sqlite3_bind_blob64(ins, 2, size[t] ? data[t] : "", size[t], SQLITE_STATIC);
		rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	free(docs.v);
	free(points.v);
	free(bytes);
	free(runs);
	return rc;
}

/* ---- reading and scoring ---- */

/* Reads rank_rows' row tab: *n items of size bytes each into *out
 * (caller frees). */
static bool S_load_tab(sqlite3 *db, int tab, size_t size, void **out, size_t *n)
{
	sqlite3_blob *b = NULL;
	*out = NULL;
	*n = 0;
	if (sqlite3_blob_open(db, "main", "rank_rows", "data", tab, 0, &b) != SQLITE_OK) {
		sqlite3_blob_close(b);
		return false;
	}
	int bytes = sqlite3_blob_bytes(b);
	bool ok = bytes % size == 0 && (size_t)bytes / size <= S_MAX_ROWID;
	if (ok && bytes) {
		*out = cb_xmalloc((size_t)bytes);
		ok = sqlite3_blob_read(b, *out, bytes, 0) == SQLITE_OK;
		*n = (size_t)bytes / size;
	}
	sqlite3_blob_close(b);
	return ok;
}

/* What cb_bm25_docs() or cb_bm25_points() knows of its table. */
typedef struct S_fn {
	const cb_rank *r;
	bool points;
	double w[4];
	int ncol;
} S_fn;

/* The query's statistics, computed at its first row: the same numbers
 * bm25() takes from FTS5. */
typedef struct S_stats {
	int nphrase;
	double avgdl;
	double *idf;
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
	s = cb_xcalloc(1, sizeof *s + (size_t)(n ? n : 1) * sizeof(double));
	s->nphrase = n;
	s->idf = (double *)(s + 1);
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
	int rc = S_stats_get(api, fts, &s);
	double D = 0;
	if (rc == SQLITE_OK) {
		sqlite3_int64 rowid = api->xRowid(fts);
		const cb_rank *r = fn->r;
		int ntok = 0;
		if (!fn->points && cb_rank_has_doc(r, rowid))
			D = (double)r->docs[2 * rowid];
		else if (fn->points && cb_rank_has_point(r, rowid) && r->points[rowid] != 255)
			D = (double)(r->points[rowid] - 1);
		else if ((rc = api->xColumnSize(fts, -1, &ntok)) == SQLITE_OK)
			D = (double)ntok; /* a row rank_rows does not know, or a long point */
	}
	double score = 0.0;
	for (int i = 0; rc == SQLITE_OK && i < s->nphrase; i++) {
		/* The phrase's weighted count in the row, from its own
		 * positions: bm25() walks every phrase's together (xInst),
		 * which costs more and sums the same small whole numbers. */
		Fts5PhraseIter it;
		int col, off;
		double f = 0;
		rc = api->xPhraseFirst(fts, i, &it, &col, &off);
		for (; rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off))
			f += col < fn->ncol ? fn->w[col] : 1.0;
		score += s->idf[i] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / s->avgdl)));
	}
	if (rc == SQLITE_OK)
		sqlite3_result_double(ctx, score);
	else
		sqlite3_result_error_code(ctx, rc);
}

static int S_register(fts5_api *api, const char *name, const cb_rank *r, bool points, const double *w,
		      int ncol)
{
	S_fn *fn = cb_xcalloc(1, sizeof *fn);
	fn->r = r;
	fn->points = points;
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
	size_t ndocs = 0, nruns = 0;
	bool ok = S_load_tab(db, S_TAB_DOCS, 2 * sizeof *r->docs, (void **)&r->docs, &ndocs) &&
		  S_load_tab(db, S_TAB_POINTS, 1, (void **)&r->points, &r->npoints) &&
		  S_load_tab(db, S_TAB_RUNS, 2 * sizeof *r->runs, (void **)&r->runs, &nruns);
	r->ndocs = ndocs;
	r->nruns = nruns;
	S_swap_all(r->docs, 2 * r->ndocs);
	S_swap_all(r->runs, 2 * r->nruns);
	if (!ok || !(api = cb_fts5_api(db)) ||
	    S_register(api, "cb_bm25_docs", r, false, wd, 4) != SQLITE_OK ||
	    S_register(api, "cb_bm25_points", r, true, wp, 2) != SQLITE_OK) {
		cb_rank_free(r);
		return -1;
	}
	return 0;
}
