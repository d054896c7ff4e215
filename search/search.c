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
	if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0, "cannot open the search index '%s': run 'casebook build' again",
			     db_path);
		cb_search_close(s);
		return -1;
	}
	if (S_load(s, err) != 0 || cb_tokenizer_new(&s->tok, err) != 0) {
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
	long id;
	double score;
	long long key; /* the score rounded to 1e-6 */
} S_scored;

static int S_scored_cmp(const void *a, const void *b)
{
	const S_scored *x = a, *y = b;
	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void S_hit_themes(cb_search *s, const cb_query *q, cb_search_hit *h)
{
	sqlite3_stmt *st = NULL;
	if (!q->nexp || sqlite3_prepare_v2(s->db, "SELECT 1 FROM doc_themes WHERE theme = ?1 AND doc = ?2",
					   -1, &st, NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < q->nexp; i++) {
		bool dup = false;
		for (size_t k = 0; k < h->nthemes; k++)
			if (strcmp(h->themes[k].id, q->exp[i].theme) == 0)
				dup = true;
		if (dup)
			continue;
		sqlite3_bind_text(st, 1, q->exp[i].theme, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, h->id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			h->themes = cb_xrealloc(h->themes, (h->nthemes + 1) * sizeof *h->themes);
			h->themes[h->nthemes++] =
			    (cb_search_theme){cb_xstrdup(q->exp[i].theme), cb_xstrdup(q->exp[i].label),
					      cb_xstrdup(q->exp[i].typed)};
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static int S_details(cb_search *s, cb_search_result *res, cb_error *err)
{
	sqlite3_stmt *doc = NULL, *snip = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(
		s->db, "SELECT title, type, type_label, date, area, path, url FROM docs WHERE id = ?1", -1,
		&doc, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
			       "SELECT snippet(docs_fts, -1, char(1), char(2), '…', 24) FROM docs_fts "
			       "WHERE docs_fts MATCH ?1 AND rowid = ?2",
			       -1, &snip, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(snip, 1, res->fts, -1, SQLITE_STATIC);
	for (size_t i = 0; i < res->n; i++) {
		cb_search_hit *h = &res->hits[i];
		sqlite3_bind_int64(doc, 1, h->id);
		if (sqlite3_step(doc) != SQLITE_ROW)
			goto out;
		h->title = S_col_text(doc, 0);
		h->type = S_col_text(doc, 1);
		h->type_label = S_col_text(doc, 2);
		h->date = S_col_text(doc, 3);
		h->area = S_col_text(doc, 4);
		h->path = S_col_text(doc, 5);
		h->url = S_col_text(doc, 6);
		sqlite3_reset(doc);
		sqlite3_bind_int64(snip, 2, h->id);
		h->snippet = sqlite3_step(snip) == SQLITE_ROW ? S_col_text(snip, 0) : cb_xstrdup("");
		sqlite3_reset(snip);
		S_hit_themes(s, &res->query, h);
	}
	rc = 0;
out:
	if (rc != 0)
		cb_error_set(err, NULL, 0, 0, "the search index is damaged (%s): run 'casebook build' again",
			     sqlite3_errmsg(s->db));
	sqlite3_finalize(doc);
	sqlite3_finalize(snip);
	return rc;
}

/* Runs a query: the hits, ranked; with details, their titles, snippets
 * and themes too. */
static int S_run(cb_search *s, const char *q, const cb_search_filter *f, size_t limit, bool details,
		 cb_search_result *res, cb_error *err)
{
	memset(res, 0, sizeof *res);
	static const cb_search_filter none = {NULL, NULL, NULL, 0, 0};
	if (!f)
		f = &none;
	const char *theme = NULL, *type = NULL;
	if (f->theme && !(theme = S_theme(s, f->theme, err)))
		return -1;
	if (f->type && !(type = S_type(f->type, err)))
		return -1;
	if (cb_query_parse(q, s->syn, s->nsyn, S_tok, s->tok, &res->query, err) != 0)
		return -1;
	res->fts = cb_query_fts(&res->query, "themes");

	char since[16] = "", until[16] = "";
	if (f->since)
		snprintf(since, sizeof since, "%04d-01-01", f->since);
	if (f->until)
		snprintf(until, sizeof until, "%04d-12-31", f->until);
	sqlite3_stmt *st = NULL;
	const char *sql =
	    "SELECT d.id, bm25(docs_fts, ?7, ?8, ?9, ?10) FROM docs_fts JOIN docs d ON d.id = docs_fts.rowid "
	    "WHERE docs_fts MATCH ?1 AND (?2 IS NULL OR d.type = ?2) AND (?3 IS NULL OR d.area = ?3 COLLATE "
	    "NOCASE) "
	    "AND (?4 IS NULL OR d.date >= ?4) AND (?5 IS NULL OR d.date <= ?5) "
	    "AND (?6 IS NULL OR EXISTS (SELECT 1 FROM doc_themes t WHERE t.theme = ?6 AND t.doc = d.id))";
	/* With no filter the documents' rows are not needed to rank: every
	 * row of docs_fts is a document's (the same rowid). */
	if (!type && !f->area && !since[0] && !until[0] && !theme)
		sql = "SELECT rowid, bm25(docs_fts, ?7, ?8, ?9, ?10) FROM docs_fts WHERE docs_fts MATCH ?1";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0, "the search index is damaged: run 'casebook build' again");
		return -1;
	}
	sqlite3_bind_text(st, 1, res->fts, -1, SQLITE_STATIC);
	if (type)
		sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	if (f->area)
		sqlite3_bind_text(st, 3, f->area, -1, SQLITE_STATIC);
	if (since[0])
		sqlite3_bind_text(st, 4, since, -1, SQLITE_STATIC);
	if (until[0])
		sqlite3_bind_text(st, 5, until, -1, SQLITE_STATIC);
	if (theme)
		sqlite3_bind_text(st, 6, theme, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, CB_W_TITLE);
	sqlite3_bind_double(st, 8, CB_W_SUMMARY);
	sqlite3_bind_double(st, 9, CB_W_THEMES);
	sqlite3_bind_double(st, 10, CB_W_BODY);
	S_scored *all = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			all = cb_xrealloc(all, cap * sizeof *all);
		}
		double score = -sqlite3_column_double(st, 1);
		all[n++] = (S_scored){(long)sqlite3_column_int64(st, 0), score, llround(score * 1e6)};
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		/* Every word is quoted, so this is not the user's syntax. */
		cb_error_set(err, NULL, 0, 0, "the search could not run (%s); run 'casebook build' again",
			     sqlite3_errmsg(s->db));
		free(all);
		return -1;
	}
	if (n)
		qsort(all, n, sizeof *all, S_scored_cmp);
	res->total = n;
	res->n = n < limit ? n : limit;
	res->hits = cb_xcalloc(res->n ? res->n : 1, sizeof *res->hits);
	for (size_t i = 0; i < res->n; i++) {
		res->hits[i].id = all[i].id;
		res->hits[i].score = all[i].score;
	}
	free(all);
	return details ? S_details(s, res, err) : 0;
}

int cb_search_run(cb_search *s, const char *q, const cb_search_filter *f, size_t limit, cb_search_result *res,
		  cb_error *err)
{
	return S_run(s, q, f, limit, true, res, err);
}

int cb_search_rank(cb_search *s, const char *q, size_t limit, cb_search_result *res, cb_error *err)
{
	return S_run(s, q, NULL, limit, false, res, err);
}
