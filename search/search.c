/* search: see search.h. */
#define _GNU_SOURCE
#include "search.h"

#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index.h"
#include "rank.h"
#include "schema.h"
#include "site.h"
#include "tokenize.h"

struct cb_search {
	sqlite3 *db;
	cb_tokenizer *tok;
	cb_synonym *syn;
	size_t nsyn;
	cb_strv strings; /* owns the synonym strings */
	cb_strv theme_ids, theme_labels;
	cb_rank rank; /* each row's length, and place or document (rank.h) */
};

static int S_tok(void *ctx, const char *s, size_t n, cb_strv *out)
{
	return cb_tokenizer_tokens(ctx, s, n, out);
}

static char *S_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return cb_xstrdup(t ? (const char *)t : "");
}

static int S_load(cb_search *s, cb_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &st, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		cb_error_set(err, NULL, 0, 0,
			     "not a casebook search index: run 'casebook build' to make one");
		return -1;
	}
	int schema = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (schema != CB_SEARCH_SCHEMA) {
		cb_error_set(
		    err, NULL, 0, 0,
		    "the search index was made by another version of casebook: run 'casebook build' again");
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "SELECT id, label FROM themes ORDER BY ord", -1, &st, NULL) !=
	    SQLITE_OK)
		goto broken;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cb_strv_push_own(&s->theme_ids, S_col_text(st, 0));
		cb_strv_push_own(&s->theme_labels, S_col_text(st, 1));
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(
		s->db,
		"SELECT s.phrase, s.theme, t.label FROM synonyms s JOIN themes t ON t.id = s.theme "
		"ORDER BY s.id",
		-1, &st, NULL) != SQLITE_OK)
		goto broken;
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (s->nsyn == cap) {
			cap = cap ? cap * 2 : 64;
			s->syn = cb_xrealloc(s->syn, cap * sizeof *s->syn);
		}
		for (int i = 0; i < 3; i++)
			cb_strv_push_own(&s->strings, S_col_text(st, i));
		s->nsyn++;
	}
	sqlite3_finalize(st);
	/* Pointers into strings only once it has stopped growing. */
	for (size_t i = 0; i < s->nsyn; i++)
		s->syn[i] =
		    (cb_synonym){s->strings.v[3 * i], s->strings.v[3 * i + 1], s->strings.v[3 * i + 2]};
	return 0;
broken:
	sqlite3_finalize(st);
	cb_error_set(err, NULL, 0, 0, "the search index is damaged: run 'casebook build' again");
	return -1;
}

int cb_search_open(cb_search **out, const char *db_path, cb_error *err)
{
	*out = NULL;
	if (access(db_path, R_OK) != 0) {
		cb_error_set(err, NULL, 0, 0, "no search index at '%s': run 'casebook build' first", db_path);
		return -1;
	}
	cb_search *s = cb_xcalloc(1, sizeof *s);
	if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0, "cannot open the search index '%s': run 'casebook build' again",
			     db_path);
		cb_search_close(s);
		return -1;
	}
	/* Pages read through a mapping of the file, not copied into SQLite's
	 * cache: a page fault maps sixteen pages of the file at once, where
	 * each copied page costs a fresh page of memory (a search at 10,000
	 * documents: 110 to 130 fewer faults, a fifth of its time). */
	sqlite3_exec(s->db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
	if (S_load(s, err) != 0) {
		cb_search_close(s);
		return -1;
	}
	if (cb_rank_load(s->db, &s->rank) != 0) {
		cb_error_set(err, NULL, 0, 0, "the search index is damaged: run 'casebook build' again");
		cb_search_close(s);
		return -1;
	}
	if (cb_tokenizer_new(&s->tok, err) != 0) {
		cb_search_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void cb_search_close(cb_search *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	cb_rank_free(&s->rank);
	cb_tokenizer_free(s->tok);
	free(s->syn);
	cb_strv_free(&s->strings);
	cb_strv_free(&s->theme_ids);
	cb_strv_free(&s->theme_labels);
	free(s);
}

void cb_search_result_free(cb_search_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n; i++) {
		cb_search_hit *h = &res->hits[i];
		free(h->title);
		free(h->type);
		free(h->type_label);
		free(h->date);
		free(h->area);
		free(h->path);
		free(h->url);
		free(h->heading);
		free(h->anchor);
		free(h->text);
		free(h->snippet);
		for (size_t k = 0; k < h->nthemes; k++) {
			free(h->themes[k].id);
			free(h->themes[k].label);
			free(h->themes[k].typed);
		}
		free(h->themes);
	}
	free(res->hits);
	cb_query_free(&res->query);
	free(res->fts);
	memset(res, 0, sizeof *res);
}

/* Resolves a theme given by id or label; NULL (and err) when unknown. */
static const char *S_theme(cb_search *s, const char *want, cb_error *err)
{
	for (size_t i = 0; i < s->theme_ids.n; i++)
		if (cb_str_ieq(s->theme_ids.v[i], want) || cb_str_ieq(s->theme_labels.v[i], want))
			return s->theme_ids.v[i];
	const char *near = cb_did_you_mean(want, (const char *const *)s->theme_ids.v, s->theme_ids.n);
	if (near)
		cb_error_set(err, NULL, 0, 0, "no theme '%s' in this index (did you mean '%s'?)", want, near);
	else
		cb_error_set(err, NULL, 0, 0, "no theme '%s' in this index; the theme pages list them all",
			     want);
	return NULL;
}

static const char *S_type(const char *want, cb_error *err)
{
	for (size_t i = 0; i < cb_doc_ntypes; i++)
		if (cb_str_ieq(cb_doc_types[i], want) || cb_str_ieq(cb_type_label(cb_doc_types[i]), want))
			return cb_doc_types[i];
	const char *near = cb_did_you_mean(want, cb_doc_types, cb_doc_ntypes);
	cb_buf all = CB_BUF_INIT;
	for (size_t i = 0; i < cb_doc_ntypes; i++)
		cb_buf_printf(&all, "%s%s", i ? ", " : "", cb_doc_types[i]);
	if (near)
		cb_error_set(err, NULL, 0, 0, "unknown document type '%s' (did you mean '%s'?)", want, near);
	else
		cb_error_set(err, NULL, 0, 0, "unknown document type '%s': use one of %s", want, all.data);
	cb_buf_free(&all);
	return NULL;
}

typedef struct S_scored {
	cb_hit_kind kind;
	long doc, point; /* the document's row and the point's, in the database */
	long ord;	 /* the document's place in the site, from 1 */
	int tier;	 /* 0: the query's own words matched; 1: only a theme's synonym */
	double score;	 /* BM25, or the share for tier 1 */
	long long key;	 /* the score rounded to 1e-6 */
} S_scored;

/* Tier, score, site order, a document before its points, point order. */
static int S_scored_cmp(const void *a, const void *b)
{
	const S_scored *x = a, *y = b;
	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	if (x->ord != y->ord)
		return x->ord < y->ord ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind == CB_HIT_DOCUMENT ? -1 : 1;
	return (x->point > y->point) - (x->point < y->point);
}

/* The matches. With keep (not 0), only the keep best are kept, in a
 * heap whose root is the worst of them once it is full; seen counts all. */
typedef struct S_list {
	S_scored *v;
	size_t n, cap;
	size_t keep, seen;
} S_list;

/* Which documents, and which points, match a filter: for each kind, its
 * FTS5 table with the row's document, point and BM25 score (rank.h). */
static const char *const S_match_sql[2] = {
    [CB_HIT_DOCUMENT] =
	"SELECT d.id, 0, cb_bm25_docs(docs_fts), o.ord FROM docs_fts CROSS JOIN docs d ON d.id = "
	"docs_fts.rowid CROSS JOIN doc_order o ON o.doc = d.id WHERE docs_fts MATCH ?1 AND (?2 IS NULL OR "
	"d.type = ?2) AND (?3 IS NULL OR d.area = ?3 COLLATE "
	"NOCASE) AND (?4 IS NULL OR d.date >= ?4) AND (?5 IS NULL OR d.date <= ?5) "
	"AND (?6 IS NULL OR EXISTS (SELECT 1 FROM doc_themes t WHERE t.theme = ?6 AND t.doc = d.id))",
    [CB_HIT_POINT] =
	"SELECT l.doc, l.id, cb_bm25_points(learning_fts), o.ord FROM learning_fts CROSS JOIN learning l ON "
	"l.id = "
	"learning_fts.rowid CROSS JOIN docs d ON d.id = l.doc CROSS JOIN doc_order o ON o.doc = l.doc "
	"WHERE learning_fts MATCH ?1 AND (?2 IS NULL OR d.type = ?2) AND (?3 IS NULL OR d.area = ?3 COLLATE "
	"NOCASE) AND (?4 IS NULL OR d.date >= ?4) AND (?5 IS NULL OR d.date <= ?5) "
	"AND (?6 IS NULL OR EXISTS (SELECT 1 FROM learning_themes t WHERE t.theme = ?6 AND t.point = l.id))",
};

/* Without a filter, the FTS5 tables alone: a point's document and a
 * document's place come from rank_rows, not from a join per row. */
static const char *const S_match_all_sql[2] = {
    [CB_HIT_DOCUMENT] = "SELECT rowid, cb_bm25_docs(docs_fts) FROM docs_fts WHERE docs_fts MATCH ?1",
    [CB_HIT_POINT] =
	"SELECT rowid, cb_bm25_points(learning_fts) FROM learning_fts WHERE learning_fts MATCH ?1",
};

typedef struct S_filters {
	const char *type, *area, *theme;
	char since[16], until[16];
} S_filters;

static void S_bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v && v[0])
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Sifts v[i] down the heap v[0..n) whose root is its worst entry. */
static void S_sift(S_scored *v, size_t n, size_t i)
{
	for (;;) {
		size_t w = i, l = 2 * i + 1, r = l + 1;
		if (l < n && S_scored_cmp(&v[l], &v[w]) > 0)
			w = l;
		if (r < n && S_scored_cmp(&v[r], &v[w]) > 0)
			w = r;
		if (w == i)
			return;
		S_scored t = v[i];
		v[i] = v[w];
		v[w] = t;
		i = w;
	}
}

static void S_add(S_list *out, S_scored x)
{
	x.key = llround(x.score * 1e6);
	out->seen++;
	if (out->keep && out->n == out->keep) {
		/* Full: x takes the worst one's place if it is better. */
		if (S_scored_cmp(&x, &out->v[0]) < 0) {
			out->v[0] = x;
			S_sift(out->v, out->n, 0);
		}
		return;
	}
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 64;
		out->v = cb_xrealloc(out->v, out->cap * sizeof *out->v);
	}
	out->v[out->n++] = x;
	if (out->keep && out->n == out->keep)
		for (size_t i = out->n; i-- > 0;)
			S_sift(out->v, out->n, i);
}

/* A row of S_match_all_sql as a match: its document and place from
 * rank_rows. False when rank_rows does not know the row. */
static bool S_lookup(const cb_rank *r, cb_hit_kind kind, sqlite3_int64 rowid, S_scored *x)
{
	bool point = kind == CB_HIT_POINT;
	if (point ? !cb_rank_has_point(r, rowid) : !cb_rank_has_doc(r, rowid))
		return false;
	x->doc = point ? (long)cb_rank_point_doc(r, rowid) : (long)rowid;
	x->point = point ? (long)rowid : 0;
	if (!cb_rank_has_doc(r, x->doc))
		return false;
	x->ord = (long)cb_rank_place(r, x->doc);
	return true;
}

/* Appends the matches of one kind to out. Returns 0, or -1 with err. */
static int S_match(cb_search *s, cb_hit_kind kind, const char *fts, const S_filters *f, S_list *out,
		   cb_error *err)
{
	sqlite3_stmt *st = NULL;
	bool all = !f->type && !f->area && !f->since[0] && !f->until[0] && !f->theme;
	if (sqlite3_prepare_v2(s->db, all ? S_match_all_sql[kind] : S_match_sql[kind], -1, &st, NULL) !=
	    SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0, "the search index is damaged: run 'casebook build' again");
		return -1;
	}
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	if (!all) {
		S_bind_opt(st, 2, f->type);
		S_bind_opt(st, 3, f->area);
		S_bind_opt(st, 4, f->since);
		S_bind_opt(st, 5, f->until);
		S_bind_opt(st, 6, f->theme);
	}
	int rc;
	bool known = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		S_scored x = {.kind = kind, .score = sqlite3_column_double(st, all ? 1 : 2)};
		if (all)
			known = known && S_lookup(&s->rank, kind, sqlite3_column_int64(st, 0), &x);
		else {
			x.doc = (long)sqlite3_column_int64(st, 0);
			x.point = (long)sqlite3_column_int64(st, 1);
			x.ord = (long)sqlite3_column_int64(st, 3);
		}
		S_add(out, x);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || !known) {
		/* Every word is quoted, so this is not the user's syntax. */
		cb_error_set(err, NULL, 0, 0, "the search could not run (%s); run 'casebook build' again",
			     known ? sqlite3_errmsg(s->db) : "a row the index does not rank");
		return -1;
	}
	return 0;
}

/* The rows (documents' or points' ids) of table that match fts, as a
 * sorted list. */
static long *S_rows(cb_search *s, const char *table, const char *fts, size_t *n)
{
	char *sql = cb_xasprintf("SELECT rowid FROM %s WHERE %s MATCH ?1 ORDER BY rowid", table, table);
	sqlite3_stmt *st = NULL;
	long *v = NULL;
	size_t cap = 0;
	*n = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				v = cb_xrealloc(v, cap * sizeof *v);
			}
			v[(*n)++] = (long)sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
	free(sql);
	return v;
}

static bool S_has(const long *v, size_t n, long x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == x;
}

/* The share of document doc's learning points on theme, 0 when it has
 * none on it or no points at all (search/README.md, "Ranking"). */
static double S_share(sqlite3_stmt *st, long doc, const char *theme)
{
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, doc);
	double share = 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0)
		share = (double)sqlite3_column_int64(st, 0) / (double)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return share;
}

/* Finds the matches that only a theme's synonym made (none of the
 * query's own words matched them) and scores them by share: for a
 * document, the largest share of its points on a theme of the query's
 * synonyms that it has; for a point, its document's share of such a theme
 * the point itself is on. They rank after every match of the words. */
static void S_by_theme(cb_search *s, const cb_query *q, S_list *all)
{
	char *words = cb_query_fts_words(q);
	size_t nd, np = 0;
	bool any_point = false;
	for (size_t i = 0; i < all->n && !any_point; i++)
		any_point = all->v[i].kind == CB_HIT_POINT;
	long *docs = S_rows(s, "docs_fts", words, &nd);
	long *points = any_point ? S_rows(s, "learning_fts", words, &np) : NULL;
	sqlite3_stmt *share = NULL, *on = NULL;
	sqlite3_prepare_v2(s->db,
			   "SELECT dt.points, d.points FROM doc_themes dt JOIN docs d ON d.id = dt.doc WHERE "
			   "dt.theme = ?1 AND dt.doc = ?2",
			   -1, &share, NULL);
	sqlite3_prepare_v2(s->db, "SELECT 1 FROM learning_themes WHERE theme = ?1 AND point = ?2", -1, &on,
			   NULL);
	for (size_t i = 0; share && on && i < all->n; i++) {
		S_scored *x = &all->v[i];
		bool point = x->kind == CB_HIT_POINT;
		if (point ? S_has(points, np, x->point) : S_has(docs, nd, x->doc))
			continue;
		double best = 0;
		for (size_t e = 0; e < q->nexp; e++) {
			if (point) {
				sqlite3_bind_text(on, 1, q->exp[e].theme, -1, SQLITE_STATIC);
				sqlite3_bind_int64(on, 2, x->point);
				bool has = sqlite3_step(on) == SQLITE_ROW;
				sqlite3_reset(on);
				if (!has)
					continue;
			}
			double sh = S_share(share, x->doc, q->exp[e].theme);
			best = sh > best ? sh : best;
		}
		x->tier = 1;
		x->score = best;
		x->key = llround(best * 1e6);
	}
	sqlite3_finalize(share);
	sqlite3_finalize(on);
	free(docs);
	free(points);
	free(words);
}

/* The first words of text, up to 24, with "…" when it goes on: the
 * snippet of a match through a theme's synonym, which has none of the
 * query's words to show. Caller frees. */
static char *S_head(const char *text)
{
	cb_buf b = CB_BUF_INIT;
	const char *p = text ? text : "";
	for (int w = 0; *p; w++) {
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (w == 24) {
			cb_buf_puts(&b, "…");
			break;
		}
		const char *e = p;
		while (*e && *e != ' ' && *e != '\n' && *e != '\t' && *e != '\r')
			e++;
		if (b.len)
			cb_buf_putc(&b, ' ');
		cb_buf_put(&b, p, (size_t)(e - p));
		p = e;
	}
	return b.data ? cb_buf_detach(&b) : cb_xstrdup("");
}

enum {
	S_D_DOC,
	S_D_POINT,
	S_D_SNIP_DOC,
	S_D_SNIP_POINT,
	S_D_TEXT,
	S_D_FIRST,
	S_D_HAS_DOC,
	S_D_HAS_POINT,
	S_D_N
};
static const char *const S_details_sql[S_D_N] = {
    [S_D_DOC] = "SELECT title, type, type_label, date, area, path, url FROM docs WHERE id = ?1",
    [S_D_POINT] = "SELECT heading, anchor, url, text, k FROM learning WHERE id = ?1",
    [S_D_SNIP_DOC] = "SELECT snippet(docs_fts, -1, char(1), char(2), '…', 24) FROM docs_fts "
		     "WHERE docs_fts MATCH ?1 AND rowid = ?2",
    [S_D_SNIP_POINT] = "SELECT snippet(learning_fts, 0, char(1), char(2), '…', 24) FROM learning_fts "
		       "WHERE learning_fts MATCH ?1 AND rowid = ?2",
    [S_D_TEXT] = "SELECT summary, substr(body, 1, 4000) FROM docs WHERE id = ?1",
    [S_D_FIRST] = "SELECT l.text FROM learning l JOIN learning_themes t ON t.point = l.id "
		  "WHERE l.doc = ?1 AND t.theme = ?2 ORDER BY l.id LIMIT 1",
    [S_D_HAS_DOC] = "SELECT 1 FROM doc_themes WHERE theme = ?1 AND doc = ?2",
    [S_D_HAS_POINT] = "SELECT 1 FROM learning_themes WHERE theme = ?1 AND point = ?2",
};

/* Steps st with (text, id) bound; true when it gave a row (left unreset
 * for reading). */
static bool S_row(sqlite3_stmt *st, const char *text, long id)
{
	sqlite3_reset(st);
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, text ? 2 : 1, id);
	return sqlite3_step(st) == SQLITE_ROW;
}

/* The themes of the query's synonyms that the hit (a document, or a
 * point) has. */
static void S_hit_themes(sqlite3_stmt *has, const cb_query *q, cb_search_hit *h)
{
	for (size_t i = 0; i < q->nexp; i++) {
		bool dup = false;
		for (size_t k = 0; k < h->nthemes; k++)
			dup = dup || strcmp(h->themes[k].id, q->exp[i].theme) == 0;
		if (dup || !S_row(has, q->exp[i].theme, h->kind == CB_HIT_POINT ? h->point : h->row))
			continue;
		h->themes = cb_xrealloc(h->themes, (h->nthemes + 1) * sizeof *h->themes);
		h->themes[h->nthemes++] = (cb_search_theme){
		    cb_xstrdup(q->exp[i].theme), cb_xstrdup(q->exp[i].label), cb_xstrdup(q->exp[i].typed)};
	}
}

/* A snippet from the text for a match through a theme's synonym: a
 * point's own words; for a document, its first point on a theme it
 * matched, else its summary, else the start of its body. */
static char *S_theme_snippet(sqlite3_stmt **st, const cb_search_hit *h)
{
	if (h->kind == CB_HIT_POINT)
		return S_head(h->text);
	sqlite3_stmt *first = st[S_D_FIRST];
	for (size_t i = 0; i < h->nthemes; i++) {
		sqlite3_reset(first);
		sqlite3_bind_int64(first, 1, h->row);
		sqlite3_bind_text(first, 2, h->themes[i].id, -1, SQLITE_STATIC);
		if (sqlite3_step(first) == SQLITE_ROW)
			return S_head((const char *)sqlite3_column_text(first, 0));
	}
	if (!S_row(st[S_D_TEXT], NULL, h->row))
		return cb_xstrdup("");
	const char *summary = (const char *)sqlite3_column_text(st[S_D_TEXT], 0);
	return S_head(summary && summary[0] ? summary : (const char *)sqlite3_column_text(st[S_D_TEXT], 1));
}

static int S_details(cb_search *s, cb_search_result *res, cb_error *err)
{
	sqlite3_stmt *st[S_D_N] = {NULL};
	int rc = -1;
	for (int i = 0; i < S_D_N; i++)
		if (sqlite3_prepare_v2(s->db, S_details_sql[i], -1, &st[i], NULL) != SQLITE_OK)
			goto out;
	for (size_t i = 0; i < res->n; i++) {
		cb_search_hit *h = &res->hits[i];
		bool point = h->kind == CB_HIT_POINT;
		if (!S_row(st[S_D_DOC], NULL, h->row) || (point && !S_row(st[S_D_POINT], NULL, h->point)))
			goto out;
		h->title = S_col_text(st[S_D_DOC], 0);
		h->type = S_col_text(st[S_D_DOC], 1);
		h->type_label = S_col_text(st[S_D_DOC], 2);
		h->date = S_col_text(st[S_D_DOC], 3);
		h->area = S_col_text(st[S_D_DOC], 4);
		h->path = S_col_text(st[S_D_DOC], 5);
		h->url = S_col_text(point ? st[S_D_POINT] : st[S_D_DOC], point ? 2 : 6);
		if (point) {
			h->heading = S_col_text(st[S_D_POINT], 0);
			h->anchor = S_col_text(st[S_D_POINT], 1);
			h->text = S_col_text(st[S_D_POINT], 3);
			h->k = (long)sqlite3_column_int64(st[S_D_POINT], 4);
		}
		S_hit_themes(st[point ? S_D_HAS_POINT : S_D_HAS_DOC], &res->query, h);
		if (h->by_theme)
			h->snippet = S_theme_snippet(st, h);
		else if (S_row(st[point ? S_D_SNIP_POINT : S_D_SNIP_DOC], res->fts,
			       point ? h->point : h->row))
			h->snippet = S_col_text(st[point ? S_D_SNIP_POINT : S_D_SNIP_DOC], 0);
		else
			h->snippet = cb_xstrdup("");
	}
	rc = 0;
out:
	if (rc != 0)
		cb_error_set(err, NULL, 0, 0, "the search index is damaged (%s): run 'casebook build' again",
			     sqlite3_errmsg(s->db));
	for (int i = 0; i < S_D_N; i++)
		sqlite3_finalize(st[i]);
	return rc;
}

/* Puts the k best matches first, in order; the order of the rest is
 * left undefined. A common word matches thousands of rows and a search
 * shows ten: keeping the best k in a heap costs far less than sorting
 * them all. */
static void S_top(S_list *all, size_t k)
{
	if (k < all->n) {
		for (size_t i = k; i-- > 0;)
			S_sift(all->v, k, i);
		for (size_t i = k; i < all->n; i++)
			if (S_scored_cmp(&all->v[i], &all->v[0]) < 0) {
				S_scored t = all->v[0];
				all->v[0] = all->v[i];
				all->v[i] = t;
				S_sift(all->v, k, 0);
			}
	} else
		k = all->n;
	if (k)
		qsort(all->v, k, sizeof *all->v, S_scored_cmp);
}

/* Runs a query: the hits, ranked; with details, their titles, snippets
 * and themes too. */
static int S_run(cb_search *s, const char *q, const cb_search_filter *f, size_t limit, bool details,
		 cb_search_result *res, cb_error *err)
{
	memset(res, 0, sizeof *res);
	static const cb_search_filter none = {0};
	if (!f)
		f = &none;
	S_filters fl = {.area = f->area};
	if (f->theme && !(fl.theme = S_theme(s, f->theme, err)))
		return -1;
	if (f->type && !(fl.type = S_type(f->type, err)))
		return -1;
	if (cb_query_parse(q, s->syn, s->nsyn, S_tok, s->tok, &res->query, err) != 0)
		return -1;
	res->fts = cb_query_fts(&res->query, "themes");
	if (f->since)
		snprintf(fl.since, sizeof fl.since, "%04d-01-01", f->since);
	if (f->until)
		snprintf(fl.until, sizeof fl.until, "%04d-12-31", f->until);
	/* A match only through a synonym's theme is scored later
	 * (S_by_theme), so then all are kept; else only the best. */
	S_list all = {.keep = res->query.nexp ? 0 : limit};
	if (S_match(s, CB_HIT_DOCUMENT, res->fts, &fl, &all, err) != 0 ||
	    (!f->documents_only && S_match(s, CB_HIT_POINT, res->fts, &fl, &all, err) != 0)) {
		free(all.v);
		return -1;
	}
	if (res->query.nexp)
		S_by_theme(s, &res->query, &all);
	S_top(&all, limit);
	res->total = all.seen;
	res->n = all.n < limit ? all.n : limit;
	res->hits = cb_xcalloc(res->n ? res->n : 1, sizeof *res->hits);
	for (size_t i = 0; i < res->n; i++) {
		cb_search_hit *h = &res->hits[i];
		h->kind = all.v[i].kind;
		h->id = all.v[i].ord;
		h->row = all.v[i].doc;
		h->point = all.v[i].point;
		h->by_theme = all.v[i].tier == 1;
		h->score = all.v[i].score;
	}
	free(all.v);
	return details ? S_details(s, res, err) : 0;
}

int cb_search_run(cb_search *s, const char *q, const cb_search_filter *f, size_t limit, cb_search_result *res,
		  cb_error *err)
{
	return S_run(s, q, f, limit, true, res, err);
}

int cb_search_rank(cb_search *s, const char *q, size_t limit, cb_search_result *res, cb_error *err)
{
	/* Plugins get documents: a learning point is found through its own. */
	static const cb_search_filter docs_only = {.documents_only = true};
	return S_run(s, q, &docs_only, limit, false, res, err);
}
