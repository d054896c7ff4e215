/*
 * query: the search language people type — words, "quoted phrases",
 * prefix*, -exclusions and OR — parsed into a small tree, expanded with the
 * taxonomy's synonyms, and written out as an FTS5 MATCH expression in which
 * every word is quoted, so no user input is ever read as FTS5 syntax.
 *
 * The browser search (search/web/search.js) implements the same rules; the
 * language and the expansion are described in search/README.md.
 *
 *   words        all must match            missed appointments
 *   "a phrase"   the words in this order   "did not attend"
 *   word*        any word starting so      safeguard* (also the stems of
 *                the word completed with common endings: escalat* finds escalation)
 *   -word        none may match            neglect -audit
 *   a OR b       either (binds tighter)    bruising OR bruise
 *
 * A word or run of words that is one of a theme's synonyms (compared token
 * by token after stemming, so case and plurals do not matter) also matches
 * that theme's label in the themes column.
 */
#ifndef CB_QUERY_H
#define CB_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

/* The most words a search may have (counted as the index splits them,
 * phrases included): a longer one is refused with a message. Matching
 * grows with the words' number, and no one types a hundred. */
#define CB_QUERY_MAX_WORDS 64

/* Splits s[0..n) into index tokens (appended to out); 0 or -1. */
typedef int (*cb_query_tokenize_fn)(void *ctx, const char *s, size_t n, cb_strv *out);

typedef struct cb_synonym {
	const char *phrase; /* as written in the taxonomy */
	const char *theme;  /* theme id */
	const char *label;  /* theme label, matched in the themes column */
} cb_synonym;

typedef struct cb_qterm {
	char *text;	/* the word(s) as typed, without quotes, '-' or '*' */
	cb_strv tokens; /* as the index tokenizes text */
	bool quoted;	/* written as "a phrase" */
	bool prefix;	/* ended in '*': the last token is a prefix */
	bool themes;	/* a synonym expansion: matches the themes column only */
} cb_qterm;

/* All of its terms must match. */
typedef struct cb_qalt {
	cb_qterm *terms;
	size_t n;
} cb_qalt;

/* One of its alternatives must match. */
typedef struct cb_qgroup {
	cb_qalt *alts;
	size_t n;
} cb_qgroup;

/* A synonym found in the query: what was typed and the theme it stands for. */
typedef struct cb_qexpansion {
	char *typed;
	char *theme;
	char *label;
} cb_qexpansion;

typedef struct cb_query {
	cb_qgroup *groups; /* every group must match */
	size_t ngroups;
	cb_qterm *excluded; /* no excluded term may match */
	size_t nexcluded;
	cb_qexpansion *exp;
	size_t nexp;
} cb_query;

/* Parses q. On a malformed query returns -1 with a plain-English message
 * in err (err->col is the 1-based character column when it helps). out
 * is always left safe to pass to cb_query_free. */
int cb_query_parse(const char *q, const cb_synonym *syn, size_t nsyn, cb_query_tokenize_fn tok, void *tctx,
		   cb_query *out, cb_error *err);
/* The FTS5 MATCH expression for q, with the given name for the themes
 * column. Phrases appear in tree order: groups, their alternatives and
 * terms, then the excluded terms. Caller frees. */
char *cb_query_fts(const cb_query *q, const char *themes_column);
/* An FTS5 expression that matches what q's own words match, leaving out
 * the themes its synonyms stand for and the exclusions: any alternative
 * of any group that is not a synonym's theme. A result of q that does not
 * match it matched only through a theme's synonym. Caller frees. */
char *cb_query_fts_words(const cb_query *q);
void cb_query_free(cb_query *q); /* NULL-safe */

#endif
