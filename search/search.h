/*
 * search: questions put to a search database (index.h) — what `casebook
 * search` runs, and casebook.query (plugin.h). A query (query.h) is expanded with the synonyms stored in the
 * database and matched with FTS5 against documents and learning points,
 * scored with bm25() and the column weights of index.h (a match only
 * through a theme's synonym: by the share of its document's points on
 * that theme, after the matches of the query's own words), filtered by
 * theme, type, area and years, and ranked by score (rounded to 1e-6, so
 * that the browser's own scoring with another log() orders ties the same
 * way), then by site order (newest first), a document before its points.
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
 * index from another casebook version). A cb_search is used by one thread
 * at a time (its connection has no mutex of its own). */
int cb_search_open(cb_search **s, const char *db_path, cb_error *err);
void cb_search_close(cb_search *s); /* NULL-safe */

typedef struct cb_search_filter {
	const char *theme;   /* theme id or label (any case); NULL: any */
	const char *type;    /* document type id or label; NULL: any */
	const char *area;    /* area (any case); NULL: any */
	int since, until;    /* years, inclusive; 0: open */
	bool documents_only; /* leave learning points out of the results */
} cb_search_filter;

/* A theme a result matched through a synonym of the query. */
typedef struct cb_search_theme {
	char *id, *label;
	char *typed; /* the words of the query that are its synonym */
} cb_search_theme;

/* What a result is: a document, or one of its learning points. */
typedef enum { CB_HIT_DOCUMENT, CB_HIT_POINT } cb_hit_kind;

typedef struct cb_search_hit {
	cb_hit_kind kind;
	long id;       /* the document's, 1-based, in site order */
	long row;      /* the document's row in the database (not its place: see index.h) */
	long point;    /* a point's id in the index (1-based, in site order); 0 for a document */
	long k;	       /* a point's number among its document's points, 0-based */
	bool by_theme; /* matched only through a theme's synonym: scored by share (search/README.md) */
	double score;  /* BM25, or the share; higher is better */
	char *title, *type, *type_label, *date, *area, *path;
	char *url;		       /* the page; for a point, with "#" and its heading's anchor */
	char *heading, *anchor, *text; /* a point's; NULL for a document */
	char *snippet;		       /* plain text; matched terms between \x01 and \x02 */
	cb_search_theme *themes;
	size_t nthemes;
} cb_search_hit;

typedef struct cb_search_result {
	cb_search_hit *hits; /* at most the limit asked for, best first */
	size_t n;
	size_t total; /* matching documents and points, before the limit */
	cb_query query;
	char *fts; /* the FTS5 expression that ran */
} cb_search_result;

/* Runs a query. A malformed query or filter gives -1 with a plain-English
 * message in err (never an SQLite message). res is always safe to free. */
int cb_search_run(cb_search *s, const char *q, const cb_search_filter *f, size_t limit, cb_search_result *res,
		  cb_error *err);
void cb_search_result_free(cb_search_result *res);
/* As cb_search_run over documents only (no learning points), with no
 * other filter, but the hits have only their id (the document's place in
 * the site, from 1) and score: no titles, snippets or themes, which cost
 * more than the ranking. For casebook.query, whose
 * plugins know the documents by their place. */
int cb_search_rank(cb_search *s, const char *q, size_t limit, cb_search_result *res, cb_error *err);

#endif
