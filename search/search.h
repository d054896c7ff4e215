/*
 * search: questions put to a search database (index.h) — what `casebook
 * search` runs, and casebook.query (plugin.h). A query (query.h) is expanded with the synonyms stored in the
 * database, matched with FTS5, scored with bm25() and the column weights
 * of index.h, filtered by theme, type, area and years, and ranked by score
 * (rounded to 1e-6, so that the browser's own scoring with another log()
 * orders ties the same way), then by site order (newest first).
 */
#ifndef CB_SEARCH_H
#define CB_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "query.h"
#include "util.h"

typedef struct cb_search cb_search;

/* Opens a database written by `casebook build` (read only). Returns 0, or
 * -1 with a one-line message in err (missing file, not a casebook index,
 * index from another casebook version). */
int cb_search_open(cb_search **s, const char *db_path, cb_error *err);
void cb_search_close(cb_search *s); /* NULL-safe */

typedef struct cb_search_filter {
	const char *theme; /* theme id or label (any case); NULL: any */
	const char *type;  /* document type id or label; NULL: any */
	const char *area;  /* area (any case); NULL: any */
	int since, until;  /* years, inclusive; 0: open */
} cb_search_filter;

/* A theme a result matched through a synonym of the query. */
typedef struct cb_search_theme {
	char *id, *label;
	char *typed; /* the words of the query that are its synonym */
} cb_search_theme;

typedef struct cb_search_hit {
	long id;      /* 1-based, in site order */
	double score; /* BM25, higher is better */
	char *title, *type, *type_label, *date, *area, *path, *url;
	char *snippet; /* plain text; matched terms between \x01 and \x02 */
	cb_search_theme *themes;
	size_t nthemes;
} cb_search_hit;

typedef struct cb_search_result {
	cb_search_hit *hits; /* at most the limit asked for, best first */
	size_t n;
	size_t total; /* matching documents, before the limit */
	cb_query query;
	char *fts; /* the FTS5 expression that ran */
} cb_search_result;

/* Runs a query. A malformed query or filter gives -1 with a plain-English
 * message in err (never an SQLite message). res is always safe to free. */
int cb_search_run(cb_search *s, const char *q, const cb_search_filter *f, size_t limit, cb_search_result *res,
		  cb_error *err);
void cb_search_result_free(cb_search_result *res);
/* As cb_search_run with no filter, but the hits have only their id (the
 * document's place in the site, from 1) and score: no titles, snippets or
 * themes, which cost more than the ranking. For casebook.query, whose
 * plugins know the documents by their place. */
int cb_search_rank(cb_search *s, const char *q, size_t limit, cb_search_result *res, cb_error *err);

#endif
