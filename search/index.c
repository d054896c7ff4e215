/* index: see index.h. */
#define _GNU_SOURCE /* copy_file_range */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rank.h"
#include "shards.h"
#include "tokenize.h"
#include "util.h"

static const char S_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE docs(id INTEGER PRIMARY KEY, path TEXT NOT NULL, url TEXT NOT NULL, type TEXT NOT NULL,"
    " type_label TEXT NOT NULL, date TEXT NOT NULL, area TEXT NOT NULL, title TEXT NOT NULL,"
    " summary TEXT NOT NULL, themes TEXT NOT NULL, body TEXT NOT NULL, points INTEGER NOT NULL);"
    "CREATE TABLE themes(id TEXT PRIMARY KEY, label TEXT NOT NULL, ord INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE doc_themes(theme TEXT NOT NULL, doc INTEGER NOT NULL, points INTEGER NOT NULL,"
    " PRIMARY KEY(theme, doc)) WITHOUT ROWID;"
    "CREATE TABLE synonyms(id INTEGER PRIMARY KEY, phrase TEXT NOT NULL, theme TEXT NOT NULL);"
    "CREATE TABLE learning(id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, k INTEGER NOT NULL,"
    " heading TEXT NOT NULL, anchor TEXT NOT NULL, url TEXT NOT NULL, text TEXT NOT NULL,"
    " themes TEXT NOT NULL);"
    "CREATE INDEX learning_doc ON learning(doc);"
    "CREATE TABLE doc_order(doc INTEGER PRIMARY KEY, ord INTEGER NOT NULL);"
    "CREATE TABLE learning_themes(theme TEXT NOT NULL, point INTEGER NOT NULL, PRIMARY KEY(theme, point))"
    " WITHOUT ROWID;"
    "CREATE VIRTUAL TABLE docs_fts USING fts5(title, summary, themes, body, content='docs',"
    " content_rowid='id', tokenize='" CB_FTS_TOKENIZE "');"
    "CREATE VIRTUAL TABLE learning_fts USING fts5(text, themes, content='learning',"
    " content_rowid='id', tokenize='" CB_FTS_TOKENIZE "');";

/* The private database's own tables (cb_index_update_db): each document's
 * path and what its rows were made from (a hash; small rows, read whole at
 * every update), and the tokens FTS5 made of it, for the browser's
 * postings of a document that has not changed. */
static const char S_schema_private[] =
    "CREATE TABLE doc_keys(doc INTEGER PRIMARY KEY, path TEXT NOT NULL,"
    " hash TEXT NOT NULL);"
    "CREATE TABLE doc_tokens(doc INTEGER PRIMARY KEY, toks BLOB NOT NULL);";

/* Prepared once, stepped and reset for every row. */
enum {
	S_DOC,
	S_DOC_FTS,
	S_DOC_THEME,
	S_THEME,
	S_SYN,
	S_LP,
	S_LP_THEME,
	S_META,
	S_ORDER,
	S_LP_FTS,
	S_KEYS,
	S_TOKS,
	S_NSTMT
};
static const char *const S_sql[S_NSTMT] = {
    [S_DOC] = "INSERT INTO docs VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [S_DOC_FTS] = "INSERT INTO docs_fts(rowid,title,summary,themes,body) VALUES(?1,?2,?3,?4,?5)",
    [S_DOC_THEME] = "INSERT OR IGNORE INTO doc_themes VALUES(?1,?2,?3)",
    [S_THEME] = "INSERT INTO themes VALUES(?1,?2,?3)",
    [S_SYN] = "INSERT INTO synonyms(phrase,theme) VALUES(?1,?2)",
    [S_LP] = "INSERT INTO learning VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
    [S_LP_THEME] = "INSERT OR IGNORE INTO learning_themes VALUES(?1,?2)",
    [S_META] = "INSERT INTO meta VALUES(?1,?2)",
    [S_ORDER] = "INSERT INTO doc_order VALUES(?1,?2)",
    [S_LP_FTS] = "INSERT INTO learning_fts(rowid,text,themes) VALUES(?1,?2,?3)",
    [S_KEYS] = "INSERT INTO doc_keys VALUES(?1,?2,?3)",
    [S_TOKS] = "INSERT INTO doc_tokens VALUES(?1,?2)",
};

typedef struct S_ix {
	sqlite3 *db;
	sqlite3_stmt *st[S_NSTMT];
	cb_error *err;
	const char *path;
	const char *ident; /* the private database's: its documents' tokens are kept */
	bool update;	   /* points go into learning_fts one by one (no 'rebuild') */
} S_ix;

static int S_fail(S_ix *x, const char *what)
{
	cb_error_set(x->err, x->path, 0, 0, "cannot write the search index (%s): %s", what,
		     sqlite3_errmsg(x->db));
	return -1;
}

static int S_exec(S_ix *x, const char *sql)
{
	return sqlite3_exec(x->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : S_fail(x, sql);
}

static void S_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

static int S_step(S_ix *x, int which)
{
	sqlite3_stmt *st = x->st[which];
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : S_fail(x, S_sql[which]);
}

static const cb_theme_group *S_group(const cb_site *s, const char *id)
{
	for (size_t i = 0; i < s->nthemes; i++)
		if (strcmp(s->themes[i].id, id) == 0)
			return &s->themes[i];
	return NULL;
}

/* The themes column: the labels of the themes of list (a document's, or
 * a point's), in its order. */
static char *S_theme_labels(const cb_site *s, const cb_strv *list)
{
	cb_buf b = CB_BUF_INIT;
	for (size_t k = 0; k < list->n; k++) {
		const cb_theme_group *g = S_group(s, list->v[k]);
		if (!g)
			continue;
		if (b.len)
			cb_buf_puts(&b, ". ");
		cb_buf_puts(&b, g->label);
	}
	return cb_buf_detach(&b);
}

/* Where a learning point's text is in the document's body text, in bytes,
 * and in tokens once FTS5 has tokenized the body (a < 0 until then). */
typedef struct S_span {
	size_t s, e;
	long a, n;
} S_span;

static bool S_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Finds the text of each learning point of d in body (the point's plain
 * text is the same bytes as its place in the document's plain text, with
 * spaces or the ends around it), each after the one before. Sets
 * found[k] and fills spans with the points found, in order; returns their
 * number. A point not found (none is known) is left out of the search, on
 * both sides alike. */
static size_t S_locate(const cb_doc *d, const char *body, bool *found, S_span *spans)
{
	size_t from = 0, n = 0, blen = strlen(body);
	for (size_t k = 0; k < d->md.nlearning; k++) {
		const char *t = d->md.learning[k].text;
		size_t tl = strlen(t);
		const char *at = tl ? strstr(body + from, t) : NULL;
		while (at && !((at == body || S_space(at[-1])) && (at[tl] == '\0' || S_space(at[tl]))))
			at = strstr(at + 1, t);
		found[k] = at != NULL;
		if (!at)
			continue;
		size_t s0 = (size_t)(at - body);
		spans[n++] = (S_span){s0, s0 + tl, -1, 0};
		from = s0 + tl < blen ? s0 + tl : blen;
	}
	return n;
}

/* A document's kept tokens end with their digest, so that a byte changed
 * on disk, which the form alone may not show, is found. */
static void S_toks_seal(cb_buf *toks)
{
	cb_hash h;
	uint64_t dg[2];
	cb_hash_init(&h);
	cb_hash_add(&h, toks->data ? toks->data : "", toks->len);
	cb_hash_digest(&h, dg);
	cb_buf_put(toks, (const char *)dg, sizeof dg);
}

/* Whether kept tokens q[0..*n) end with their digest (S_toks_seal); *n
 * becomes the tokens' length. */
static bool S_toks_open(const unsigned char *q, size_t *n)
{
	uint64_t dg[2];
	if (!q || *n < sizeof dg)
		return false;
	*n -= sizeof dg;
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_add(&h, q, *n);
	cb_hash_digest(&h, dg);
	return memcmp(dg, q + *n, sizeof dg) == 0;
}

/* A document's tokens as the private database keeps them (doc_tokens):
 * its four columns as the postings keep them (cb_postings_keep: each
 * distinct term once, with its positions), then the number of learning
 * points found and, for each, its number among the document's points, its
 * first token in the body and its count of tokens. All numbers are
 * variable-length (7 bits a byte). The form is this very casebook's: a
 * database is only updated by the casebook that wrote it (its ident). */
static void S_put_num(cb_buf *b, unsigned long v)
{
	while (v >= 0x80) {
		cb_buf_putc(b, (char)((v & 0x7f) | 0x80));
		v >>= 7;
	}
	cb_buf_putc(b, (char)v);
}

static bool S_get_num(const unsigned char **q, const unsigned char *end, unsigned long *v)
{
	*v = 0;
	for (int shift = 0; *q < end && shift < 64; shift += 7) {
		unsigned char c = *(*q)++;
		*v |= (unsigned long)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* Where the tap (tokenize.h) puts the tokens of the document being
 * inserted into docs_fts: one column after another, into the postings
 * (which, for the private database, keep them in toks too); in the body,
 * the learning points' token spans are counted too. */
typedef struct S_cols {
	cb_postings *p;
	int doc, col;
	S_span *spans;
	size_t nspans, cur;
	long ntok; /* tokens of the body so far */
} S_cols;

static void S_col_begin(void *ctx)
{
	S_cols *c = ctx;
	if (c->p)
		cb_postings_begin_column(c->p, c->doc, c->col);
}

static int S_col_token(void *ctx, const char *tok, int len, int start, int end)
{
	S_cols *c = ctx;
	if (c->p)
		cb_postings_add(c->p, tok, len);
	if (c->col != 3)
		return 0;
	/* Points are apart and in order, with spaces around them, so a token
	 * is before, inside or after each. */
	while (c->cur < c->nspans && (size_t)start >= c->spans[c->cur].e) {
		if (c->spans[c->cur].a < 0)
			c->spans[c->cur].a = c->ntok;
		c->cur++;
	}
	if (c->cur < c->nspans && (size_t)start >= c->spans[c->cur].s) {
		S_span *sp = &c->spans[c->cur];
		if (sp->a < 0)
			sp->a = c->ntok;
		if ((size_t)end <= sp->e)
			sp->n++;
	}
	c->ntok++;
	return 0;
}

static void S_col_end(void *ctx)
{
	S_cols *c = ctx;
	if (c->p)
		cb_postings_end_column(c->p);
	if (c->col == 3)
		for (; c->cur < c->nspans; c->cur++)
			if (c->spans[c->cur].a < 0)
				c->spans[c->cur].a = c->ntok;
	c->col++;
}

static int S_meta(S_ix *x, const char *key, const char *value)
{
	S_text(x->st[S_META], 1, key);
	S_text(x->st[S_META], 2, value);
	return S_step(x, S_META);
}

/* The themes and their synonyms. */
static int S_fill_themes(S_ix *x, const cb_site *s)
{
	for (size_t i = 0; i < s->nthemes; i++) {
		const cb_theme_group *g = &s->themes[i];
		S_text(x->st[S_THEME], 1, g->id);
		S_text(x->st[S_THEME], 2, g->label);
		sqlite3_bind_int(x->st[S_THEME], 3, (int)i);
		if (S_step(x, S_THEME))
			return -1;
		for (size_t k = 0; g->synonyms && k < g->synonyms->n; k++) {
			S_text(x->st[S_SYN], 1, g->synonyms->v[k]);
			S_text(x->st[S_SYN], 2, g->id);
			if (S_step(x, S_SYN))
				return -1;
		}
	}
	return 0;
}

/* The learning points of document id (d) that were found in its body
 * (found), with their themes; and the number on each of its themes, which
 * ranks a match through a theme's synonym (search/README.md). lp_id is the
 * last point's id so far; url holds the page's address. */
static int S_fill_points(S_ix *x, const cb_site *s, const cb_doc *d, sqlite3_int64 id, const bool *found,
			 sqlite3_int64 *lp_id, cb_buf *url)
{
	size_t url_len = url->len;
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < d->md.nlearning; k++) {
		if (!found[k])
			continue;
		const cb_lpoint *lp = &d->md.learning[k];
		const cb_strv *th = &d->pthemes[k];
		url->len = url_len;
		cb_buf_putc(url, '#');
		cb_buf_puts(url, lp->heading_id);
		char *labels = S_theme_labels(s, th);
		sqlite3_stmt *st = x->st[S_LP];
		sqlite3_bind_int64(st, 1, ++*lp_id);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)k);
		S_text(st, 4, lp->heading);
		S_text(st, 5, lp->heading_id);
		S_text(st, 6, url->data);
		S_text(st, 7, lp->text);
		S_text(st, 8, labels);
		rc = S_step(x, S_LP);
		if (rc == 0 && x->update) {
			st = x->st[S_LP_FTS];
			sqlite3_bind_int64(st, 1, *lp_id);
			S_text(st, 2, lp->text);
			S_text(st, 3, labels);
			rc = S_step(x, S_LP_FTS);
		}
		free(labels);
		for (size_t t = 0; rc == 0 && t < th->n; t++) {
			if (!S_group(s, th->v[t]))
				continue;
			S_text(x->st[S_LP_THEME], 1, th->v[t]);
			sqlite3_bind_int64(x->st[S_LP_THEME], 2, *lp_id);
			rc = S_step(x, S_LP_THEME);
		}
	}
	url->len = url_len;
	url->data[url_len] = '\0';
	for (size_t t = 0; rc == 0 && t < d->meta.themes.n; t++) {
		const char *tid = d->meta.themes.v[t];
		if (!S_group(s, tid))
			continue;
		long on = 0;
		for (size_t k = 0; k < d->md.nlearning; k++)
			on += found[k] && cb_doc_point_on(d, k, tid);
		S_text(x->st[S_DOC_THEME], 1, tid);
		sqlite3_bind_int64(x->st[S_DOC_THEME], 2, id);
		sqlite3_bind_int64(x->st[S_DOC_THEME], 3, on);
		rc = S_step(x, S_DOC_THEME);
	}
	return rc;
}

/* What a document's rows are made of, worked out before they are
 * written: its themes column, its text, and where its learning points are
 * in it. */
typedef struct S_docin {
	char *labels, *body;
	bool *found;
	S_span *spans;
	size_t nspans;
} S_docin;

static void S_docin_make(const cb_site *s, const cb_doc *d, S_docin *in)
{
	in->labels = S_theme_labels(s, &d->meta.themes);
	in->body = cb_doc_search_text(s, d);
	in->found = cb_xcalloc(d->md.nlearning + 1, sizeof *in->found);
	in->spans = cb_xcalloc(d->md.nlearning + 1, sizeof *in->spans);
	in->nspans = S_locate(d, in->body ? in->body : "", in->found, in->spans);
}

static void S_docin_free(S_docin *in)
{
	free(in->labels);
	free(in->body);
	free(in->found);
	free(in->spans);
}

/* A hash of everything the rows of document d hold but its row ids (in,
 * from S_docin_make): when it is the same, so are the rows and FTS5's
 * tokens. */
static void S_doc_hash(const cb_site *s, const cb_doc *d, const S_docin *in, char hex[33])
{
	const cb_meta *m = &d->meta;
	cb_hash h;
	cb_hash_init(&h);
	const char *f[] = {d->path,    d->slug, m->type,  cb_type_label(m->type),
			   m->date,    m->area, m->title, m->summary,
			   in->labels, in->body};
	for (size_t k = 0; k < sizeof f / sizeof *f; k++)
		cb_hash_str(&h, f[k] ? f[k] : "");
	for (size_t k = 0; k < d->md.nlearning; k++) {
		cb_hash_u64(&h, in->found[k]);
		if (!in->found[k])
			continue;
		const cb_lpoint *lp = &d->md.learning[k];
		char *labels = S_theme_labels(s, &d->pthemes[k]);
		cb_hash_str(&h, lp->heading);
		cb_hash_str(&h, lp->heading_id);
		cb_hash_str(&h, lp->text);
		cb_hash_str(&h, labels);
		free(labels);
		for (size_t t = 0; t < d->pthemes[k].n; t++)
			if (S_group(s, d->pthemes[k].v[t]))
				cb_hash_str(&h, d->pthemes[k].v[t]);
		cb_hash_u64(&h, UINT64_MAX);
	}
	for (size_t t = 0; t < m->themes.n; t++) {
		if (!S_group(s, m->themes.v[t]))
			continue;
		cb_hash_str(&h, m->themes.v[t]);
		for (size_t k = 0; k < d->md.nlearning; k++)
			cb_hash_u64(&h, in->found[k] && cb_doc_point_on(d, k, m->themes.v[t]));
	}
	cb_hash_hex(&h, hex);
}

/* The document's FTS5 row; its tokens go to the postings (cols->p) and,
 * when kept, to toks, with its points' spans. */
static int S_fill_doc_fts(S_ix *x, const cb_doc *d, size_t i, sqlite3_int64 id, const S_docin *in,
			  cb_tokenizer_tap *tap, S_cols *cols, cb_buf *toks)
{
	sqlite3_stmt *st = x->st[S_DOC_FTS];
	sqlite3_bind_int64(st, 1, id);
	S_text(st, 2, d->meta.title);
	S_text(st, 3, d->meta.summary);
	S_text(st, 4, in->labels);
	S_text(st, 5, in->body);
	/* FTS5 tokenizes the four columns in order, and the browser's
	 * postings are made of those very tokens. */
	*cols = (S_cols){cols->p, (int)i, 0, in->spans, in->nspans, 0, 0};
	cb_token_sink sink = {S_col_begin, S_col_token, S_col_end, cols};
	bool tapped = cols->p != NULL;
	cb_tokenizer_tap_sink(tap, tapped ? &sink : NULL);
	if (toks)
		cb_postings_keep(cols->p, toks);
	int rc = S_step(x, S_DOC_FTS);
	if (toks)
		cb_postings_keep(cols->p, NULL);
	cb_tokenizer_tap_sink(tap, NULL);
	if (rc == 0 && tapped && cols->col != 4) {
		cb_error_set(x->err, x->path, 0, 0,
			     "cannot write the search index: FTS5 tokenized %d columns of document %s, not 4",
			     cols->col, d->path);
		return -1;
	}
	if (toks)
		S_put_num(toks, in->nspans);
	for (size_t k = 0, j = 0; rc == 0 && k < d->md.nlearning; k++) {
		if (!in->found[k])
			continue;
		cb_postings_point pt = {(int)i, (int)k, in->spans[j].a, in->spans[j].n};
		if (cols->p)
			cb_postings_add_point(cols->p, &pt);
		if (toks) {
			S_put_num(toks, k);
			S_put_num(toks, (unsigned long)pt.start);
			S_put_num(toks, (unsigned long)pt.n);
		}
		j++;
	}
	return rc;
}

/* One document (the i-th of the site) as row id: its row, its FTS5 row,
 * its place, its themes and its learning points; for the private
 * database, its hash and tokens too. */
static int S_fill_doc(S_ix *x, const cb_site *s, size_t i, sqlite3_int64 id, cb_tokenizer_tap *tap,
		      S_cols *cols, sqlite3_int64 *lp_id, cb_buf *url)
{
	const cb_doc *d = &s->docs[i];
	const cb_meta *m = &d->meta;
	cb_buf_clear(url);
	cb_buf_puts(url, "documents/");
	cb_buf_puts(url, d->slug);
	cb_buf_puts(url, ".html");
	S_docin in;
	S_docin_make(s, d, &in);
	sqlite3_stmt *st = x->st[S_DOC];
	sqlite3_bind_int64(st, 1, id);
	S_text(st, 2, d->path);
	S_text(st, 3, url->data);
	S_text(st, 4, m->type);
	S_text(st, 5, cb_type_label(m->type));
	S_text(st, 6, m->date);
	S_text(st, 7, m->area);
	S_text(st, 8, m->title);
	S_text(st, 9, m->summary);
	S_text(st, 10, in.labels);
	S_text(st, 11, in.body);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)in.nspans);
	int rc = S_step(x, S_DOC);
	cb_buf toks = CB_BUF_INIT;
	if (rc == 0)
		rc = S_fill_doc_fts(x, d, i, id, &in, tap, cols, x->ident ? &toks : NULL);
	if (rc == 0) {
		sqlite3_bind_int64(x->st[S_ORDER], 1, id);
		sqlite3_bind_int64(x->st[S_ORDER], 2, (sqlite3_int64)i + 1);
		rc = S_step(x, S_ORDER);
	}
	if (rc == 0 && x->ident) {
		char hex[33];
		S_doc_hash(s, d, &in, hex);
		if (cols->p)
			cb_postings_set_doc_key(cols->p, (int)i, hex);
		sqlite3_bind_int64(x->st[S_KEYS], 1, id);
		S_text(x->st[S_KEYS], 2, d->path);
		S_text(x->st[S_KEYS], 3, hex);
		S_toks_seal(&toks);
		sqlite3_bind_int64(x->st[S_TOKS], 1, id);
		sqlite3_bind_blob(x->st[S_TOKS], 2, toks.data, (int)toks.len, SQLITE_STATIC);
		rc = S_step(x, S_KEYS);
		if (rc == 0)
			rc = S_step(x, S_TOKS);
	}
	cb_buf_free(&toks);
	if (rc == 0)
		rc = S_fill_points(x, s, d, id, in.found, lp_id, url);
	S_docin_free(&in);
	return rc;
}

/* The meta table: what the database is, and of which build. */
static int S_fill_meta(S_ix *x, const cb_site *s)
{
	char num[32];
	snprintf(num, sizeof num, "%d", CB_SEARCH_SCHEMA);
	char *weights = cb_xasprintf("%g %g %g %g", CB_W_TITLE, CB_W_SUMMARY, CB_W_THEMES, CB_W_BODY);
	char *pweights = cb_xasprintf("%g %g", CB_WP_TEXT, CB_WP_THEMES);
	int rc = S_meta(x, "schema", num);
	if (rc == 0)
		rc = S_meta(x, "title", s->cfg.title);
	if (rc == 0)
		rc = S_meta(x, "commit", s->commit ? s->commit : "");
	if (rc == 0)
		rc = S_meta(x, "build_date", s->build_date);
	if (rc == 0)
		rc = S_meta(x, "audience", cb_visibility_name(s->audience));
	if (rc == 0)
		rc = S_meta(x, "weights", weights);
	if (rc == 0)
		rc = S_meta(x, "point_weights", pweights);
	if (rc == 0)
		rc = S_meta(x, "tokenize", CB_FTS_TOKENIZE);
	if (rc == 0 && x->ident)
		rc = S_meta(x, "cache", x->ident);
	free(weights);
	free(pweights);
	return rc;
}

static int S_fill(S_ix *x, const cb_site *s, cb_tokenizer_tap *tap, cb_postings *p, cb_index_stats *stats)
{
	S_cols cols = {.p = p};
	sqlite3_int64 lp_id = 0;
	/* The page's address, then each learning point's (the page's with
	 * "#heading"), built in one buffer: this runs for every row. */
	cb_buf url = CB_BUF_INIT;
	int rc = S_fill_themes(x, s);
	for (size_t i = 0; rc == 0 && i < s->ndocs; i++)
		rc = S_fill_doc(x, s, i, (sqlite3_int64)i + 1, tap, &cols, &lp_id, &url);
	cb_buf_free(&url);
	if (rc)
		return -1;
	stats->docs = s->ndocs;
	stats->learning = (size_t)lp_id;
	return S_fill_meta(x, s);
}

/* Pending FTS5 data (bytes) a table keeps in memory before it writes a
 * segment. Large enough that the documents of a usual site go to disk in a
 * few segments (10,000 documents: as fast as with 256 MB, and 13 MB less
 * memory), bounded so that a huge site writes segments as it goes rather
 * than holding its whole index. */
#define S_HASHSIZE "33554432"

/* Whether more than an eighth of the file is free pages (left by merging
 * segments), which VACUUM then gives back. */
static int S_needs_vacuum(S_ix *x, bool *yes)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(x->db,
			       "SELECT f.freelist_count * 8 > c.page_count FROM pragma_freelist_count f, "
			       "pragma_page_count c",
			       -1, &st, NULL) != SQLITE_OK)
		return S_fail(x, "freelist_count");
	int rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : S_fail(x, "freelist_count");
}

/* Makes the database's file, owner-only from its creation: a database
 * written into the private folder holds the audience's text. Whatever was
 * at path goes first (a database is always written whole). */
static int S_create(const char *path, cb_error *err)
{
	unlink(path);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cb_error_set(err, path, 0, 0, "cannot write the search index: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Opens the database at path (an existing file) for this thread, with the
 * tap on its tokenizer. The file is a temporary one that nobody reads
 * until it is finished (the caller renames it into place, or swaps in the
 * output folder that holds it), so there is nothing to protect with a
 * journal. */
static int S_open(S_ix *x, cb_tokenizer_tap **tap)
{
	/* Only this thread uses the connection, so it needs no mutex. */
	if (sqlite3_open_v2(x->path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return S_fail(x, "open");
	if (cb_tokenizer_tap_install(x->db, tap, x->err) != 0)
		return -1;
	return S_exec(x, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;");
}

static int S_prepare(S_ix *x)
{
	for (int i = 0; i < S_NSTMT; i++)
		if ((x->ident || (i != S_TOKS && i != S_KEYS)) &&
		    sqlite3_prepare_v2(x->db, S_sql[i], -1, &x->st[i], NULL) != SQLITE_OK)
			return S_fail(x, S_sql[i]);
	return 0;
}

/* Finalizes, closes and, on success, measures the file. */
static int S_close(S_ix *x, int rc, cb_index_stats *stats)
{
	for (int i = 0; i < S_NSTMT; i++) {
		sqlite3_finalize(x->st[i]);
		x->st[i] = NULL;
	}
	if (x->db && sqlite3_close(x->db) != SQLITE_OK && rc == 0) {
		cb_error_set(x->err, x->path, 0, 0, "cannot close the search index");
		rc = -1;
	}
	x->db = NULL;
	struct stat sb;
	if (rc == 0 && stat(x->path, &sb) == 0)
		stats->db_bytes = (size_t)sb.st_size;
	return rc;
}

/* Gives back the free pages merging left, when they are many. */
static int S_tidy(S_ix *x)
{
	bool vacuum = false;
	return S_needs_vacuum(x, &vacuum) || (vacuum && S_exec(x, "VACUUM;")) ? -1 : 0;
}

/* The rows' lengths and places for `casebook search` (rank.h), from the
 * tables as they now are: the last step before COMMIT, new or updated. */
static int S_rank(S_ix *x)
{
	return cb_rank_write(x->db) == SQLITE_OK ? 0 : S_fail(x, "rank_rows");
}

/* The whole database, new, at x->path. */
static int S_write(S_ix *x, const cb_site *site, cb_postings *p, cb_index_stats *stats)
{
	cb_tokenizer_tap *tap = NULL;
	int rc = -1;
	if (S_create(x->path, x->err) != 0)
		return -1;
	if (S_open(x, &tap) || S_exec(x, "BEGIN;") || S_exec(x, S_schema) ||
	    (x->ident && S_exec(x, S_schema_private)) ||
	    S_exec(x, "INSERT INTO docs_fts(docs_fts, rank) VALUES('hashsize', " S_HASHSIZE ");"
		      "INSERT INTO learning_fts(learning_fts, rank) VALUES('hashsize', " S_HASHSIZE ");") ||
	    S_prepare(x) || S_fill(x, site, tap, p, stats))
		goto out;
	/* The postings wait, out of the way, while SQLite finishes. */
	if (p)
		cb_postings_finish(p);
	/* learning_fts is filled from its content table in one pass ('rebuild'
	 * reads the rows in id order), cheaper than a statement per row. The
	 * 'hashsize' setting only speeds up this build: the file keeps FTS5's
	 * defaults, as if it had never been set. */
	if (S_exec(x, "INSERT INTO learning_fts(learning_fts) VALUES('rebuild');"
		      "INSERT INTO docs_fts(docs_fts) VALUES('optimize');"
		      "INSERT INTO learning_fts(learning_fts) VALUES('optimize');"
		      "DELETE FROM docs_fts_config WHERE k = 'hashsize';"
		      "DELETE FROM learning_fts_config WHERE k = 'hashsize';") ||
	    S_rank(x) || S_exec(x, "COMMIT;") || S_tidy(x))
		goto out;
	rc = 0;
out:
	return S_close(x, rc, stats);
}

int cb_index_write_db(const cb_site *site, const char *path, cb_postings *p, cb_index_stats *stats,
		      cb_error *err)
{
	cb_index_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	S_ix x = {.err = err, .path = path};
	return S_write(&x, site, p, stats);
}

/* The documents of the earlier database, sorted by path. Their paths and
 * hashes are in one buffer (S_olds), not a string each: there is one of
 * these for every document, read at every update. */
typedef struct S_old {
	sqlite3_int64 id;
	size_t at; /* where its path is in the buffer, then its hash */
	const char *path, *hash;
	bool kept; /* a document of this build has its path */
	bool same; /* and the same hash: its rows stay */
} S_old;

static int S_old_cmp(const void *a, const void *b)
{
	return strcmp(((const S_old *)a)->path, ((const S_old *)b)->path);
}

/* A number the database holds (the first column of sql's row), or 0. */
static sqlite3_int64 S_number(S_ix *x, const char *sql)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v = 0;
	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Reads the earlier database's documents into *out (*n of them), their
 * strings into names (which must outlive them); false when they cannot be
 * read or are not all there. */
static bool S_olds(S_ix *x, S_old **out, size_t *n, cb_buf *names)
{
	sqlite3_stmt *st = NULL;
	S_old *v = NULL;
	size_t cap = 0;
	*n = 0;
	*out = NULL;
	if (sqlite3_prepare_v2(x->db, "SELECT doc, path, hash FROM doc_keys", -1, &st, NULL) != SQLITE_OK)
		return false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			v = cb_xrealloc(v, cap * sizeof *v);
		}
		/* Offsets for now: the buffer moves as it grows. */
		v[*n] = (S_old){.id = sqlite3_column_int64(st, 0), .at = names->len};
		for (int c = 1; c <= 2; c++)
			cb_buf_put(names, (const char *)sqlite3_column_text(st, c),
				   (size_t)sqlite3_column_bytes(st, c) + 1);
		++*n;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < *n; i++) {
		v[i].path = names->data + v[i].at;
		v[i].hash = v[i].path + strlen(v[i].path) + 1;
	}
	if (*n)
		qsort(v, *n, sizeof *v, S_old_cmp);
	*out = v;
	return *n == (size_t)S_number(x, "SELECT count(*) FROM doc_order");
}

/* Whether the meta table gives key the value want. */
static bool S_meta_is(S_ix *x, const char *key, const char *want)
{
	sqlite3_stmt *st = NULL;
	bool is = false;
	if (sqlite3_prepare_v2(x->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) == SQLITE_OK) {
		S_text(st, 1, key);
		is = sqlite3_step(st) == SQLITE_ROW &&
		     strcmp((const char *)sqlite3_column_text(st, 0), want) == 0;
	}
	sqlite3_finalize(st);
	return is;
}

/* Removes document id: its FTS5 rows (FTS5 is told the values it indexed,
 * which its content tables still hold), its points, themes and tokens. */
static int S_drop(S_ix *x, sqlite3_int64 id)
{
	char *sql = cb_xasprintf(
	    "INSERT INTO docs_fts(docs_fts, rowid, title, summary, themes, body) SELECT 'delete', id, title, "
	    "summary, themes, body FROM docs WHERE id = %lld;"
	    "INSERT INTO learning_fts(learning_fts, rowid, text, themes) SELECT 'delete', id, text, themes "
	    "FROM learning WHERE doc = %lld;"
	    "DELETE FROM learning_themes WHERE point IN (SELECT id FROM learning WHERE doc = %lld);"
	    "DELETE FROM learning WHERE doc = %lld; DELETE FROM doc_themes WHERE doc = %lld;"
	    "DELETE FROM docs WHERE id = %lld; DELETE FROM doc_keys WHERE doc = %lld;"
	    "DELETE FROM doc_tokens WHERE doc = %lld;",
	    (long long)id, (long long)id, (long long)id, (long long)id, (long long)id, (long long)id,
	    (long long)id, (long long)id);
	int rc = S_exec(x, sql);
	free(sql);
	return rc;
}

/* Gives the postings the kept tokens of a document (doc_tokens), as its
 * insertion gave them; -1 when they are damaged. */
static int S_replay(const unsigned char *q, const unsigned char *end, int doc, cb_postings *p)
{
	unsigned long n, k, a, c;
	for (int col = 0; col < 4; col++)
		if (cb_postings_replay_column(p, doc, col, &q, end) != 0)
			return -1;
	if (!S_get_num(&q, end, &n))
		return -1;
	for (unsigned long i = 0; i < n; i++) {
		if (!S_get_num(&q, end, &k) || !S_get_num(&q, end, &a) || !S_get_num(&q, end, &c))
			return -1;
		cb_postings_point pt = {doc, (int)k, (long)a, (long)c};
		cb_postings_add_point(p, &pt);
	}
	return q == end ? 0 : -1;
}

/* The i-th document, unchanged since the earlier database (row o): its
 * place, and its kept tokens into the postings. */
static int S_keep_doc(S_ix *x, sqlite3_stmt *get, const S_old *o, size_t i, cb_postings *p)
{
	sqlite3_bind_int64(x->st[S_ORDER], 1, o->id);
	sqlite3_bind_int64(x->st[S_ORDER], 2, (sqlite3_int64)i + 1);
	if (S_step(x, S_ORDER) != 0)
		return -1;
	if (!p)
		return 0;
	int rc = -1;
	sqlite3_bind_int64(get, 1, o->id);
	if (sqlite3_step(get) == SQLITE_ROW) {
		const unsigned char *q = sqlite3_column_blob(get, 0);
		size_t n = (size_t)sqlite3_column_bytes(get, 0);
		if (S_toks_open(q, &n))
			rc = S_replay(q, q + n, (int)i, p);
	}
	sqlite3_reset(get);
	if (rc != 0)
		cb_error_set(
		    x->err, x->path, 0, 0,
		    "the search database's tokens of %s are damaged; run 'casebook build --no-cache'",
		    o->path);
	return rc;
}

/* Which documents of site are as the earlier database has them (match[i]
 * set and ->same), which it has under their path but changed (match[i],
 * not ->same), and which are new (NULL); the unchanged ones' keys go to
 * p. Returns the number of documents to index again or remove. */
static size_t S_changes(const cb_site *s, S_old *olds, size_t nold, S_old **match, cb_postings *p)
{
	size_t changed = 0;
	for (size_t i = 0; i < s->ndocs; i++) {
		const cb_doc *d = &s->docs[i];
		S_old key = {.path = d->path};
		S_old *o = nold ? bsearch(&key, olds, nold, sizeof *olds, S_old_cmp) : NULL;
		if (o && o->kept)
			o = NULL; /* the same path twice: indexed again */
		match[i] = o;
		if (o) {
			S_docin in;
			char hex[33];
			S_docin_make(s, d, &in);
			S_doc_hash(s, d, &in, hex);
			S_docin_free(&in);
			o->kept = true;
			o->same = strcmp(o->hash, hex) == 0;
			if (o->same && p)
				cb_postings_set_doc_key(p, (int)i, hex);
		}
		changed += !o || !o->same;
	}
	for (size_t k = 0; k < nold; k++)
		changed += !olds[k].kept;
	return changed;
}

/* Brings the earlier database, copied to x->path, up to site: removes the
 * documents that are gone or changed and inserts the changed and new ones
 * (a changed one keeps its row id), in one transaction. Returns 1, having
 * changed nothing, when it cannot: another schema, tokenizer or casebook
 * (ident), or so many changes that writing it whole is as fast. */
static int S_update(S_ix *x, const cb_site *s, cb_postings *p, cb_index_stats *stats)
{
	cb_tokenizer_tap *tap = NULL;
	char num[32];
	snprintf(num, sizeof num, "%d", CB_SEARCH_SCHEMA);
	if (S_open(x, &tap) != 0)
		return 1;
	if (!S_meta_is(x, "schema", num) || !S_meta_is(x, "cache", x->ident) ||
	    !S_meta_is(x, "tokenize", CB_FTS_TOKENIZE))
		return 1;
	size_t nold = 0;
	S_old *olds = NULL;
	cb_buf names = CB_BUF_INIT;
	S_old **match = cb_xcalloc(s->ndocs + 1, sizeof *match);
	sqlite3_stmt *get = NULL;
	int rc = 1;
	if (!S_olds(x, &olds, &nold, &names) || S_changes(s, olds, nold, match, p) * 2 > s->ndocs + 32)
		goto out;
	rc = -1;
	if (S_exec(x, "BEGIN; DELETE FROM meta; DELETE FROM themes; DELETE FROM synonyms; DELETE FROM "
		      "doc_order;") ||
	    S_prepare(x) || S_fill_themes(x, s) ||
	    sqlite3_prepare_v2(x->db, "SELECT toks FROM doc_tokens WHERE doc = ?1", -1, &get, NULL) !=
		SQLITE_OK)
		goto out;
	for (size_t k = 0; k < nold; k++)
		if (!olds[k].same && S_drop(x, olds[k].id) != 0)
			goto out;
	sqlite3_int64 next = S_number(x, "SELECT coalesce(max(id), 0) FROM docs");
	sqlite3_int64 lp_id = S_number(x, "SELECT coalesce(max(id), 0) FROM learning");
	for (size_t k = 0; k < nold; k++)
		next = olds[k].id > next ? olds[k].id : next;
	S_cols cols = {.p = p};
	cb_buf url = CB_BUF_INIT;
	int frc = 0;
	for (size_t i = 0; frc == 0 && i < s->ndocs; i++) {
		const S_old *o = match[i];
		if (o && o->same) {
			frc = S_keep_doc(x, get, o, i, p);
			stats->reused++;
		} else
			frc = S_fill_doc(x, s, i, o ? o->id : ++next, tap, &cols, &lp_id, &url);
	}
	cb_buf_free(&url);
	if (frc != 0 || S_fill_meta(x, s) != 0)
		goto out;
	stats->docs = s->ndocs;
	stats->learning = (size_t)S_number(x, "SELECT count(*) FROM learning");
	if (p)
		cb_postings_finish(p);
	rc = S_rank(x) || S_exec(x, "COMMIT;") || S_tidy(x) ? -1 : 0;
out:
	sqlite3_finalize(get);
	free(match);
	free(olds);
	cb_buf_free(&names);
	return rc;
}

/* Copies n bytes from in to out with read and write. */
static int S_copy_rw(int in, int out)
{
	size_t cap = 1u << 20;
	char *buf = cb_xmalloc(cap);
	ssize_t got;
	int rc = 0;
	while (rc == 0 && (got = read(in, buf, cap)) != 0) {
		if (got < 0) {
			rc = errno == EINTR ? 0 : -1;
			continue;
		}
		for (ssize_t off = 0, put; rc == 0 && off < got; off += put)
			if ((put = write(out, buf + off, (size_t)(got - off))) <= 0)
				rc = -1;
	}
	free(buf);
	return rc;
}

/* Copies the file from to a new owner-only file to, inside the kernel
 * where it can (copy_file_range: no trip through this process's memory;
 * a file system that shares blocks does not even copy them). Returns 1
 * when there is no file at from. */
static int S_copy(const char *from, const char *to, cb_error *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return 1;
	int rc = S_create(to, err);
	int out = rc == 0 ? open(to, O_WRONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	int crc = out < 0 ? -1 : 0;
	struct stat sb;
	if (crc == 0 && fstat(in, &sb) == 0) {
		off_t left = sb.st_size;
		ssize_t k = 1;
		while (left > 0 && (k = copy_file_range(in, NULL, out, NULL, (size_t)left, 0)) > 0)
			left -= k;
		/* Not supported between these files, or shorter than its
		 * size said: the rest the plain way. */
		if (left > 0)
			crc = S_copy_rw(in, out);
	} else if (crc == 0) {
		crc = S_copy_rw(in, out);
	}
	if (rc == 0 && (crc != 0 || close(out) != 0)) {
		cb_error_set(err, to, 0, 0, "cannot write the search index: %s", strerror(errno));
		rc = -1;
	}
	close(in);
	return rc;
}

/* cb_index_update_db, with postings: the document's kept tokens are the
 * postings' form of them (cb_postings_keep). */
static int S_update_db(S_ix *x, const cb_site *site, const char *old, cb_postings *p, cb_index_stats *stats)
{
	int rc = x->ident && old ? S_copy(old, x->path, x->err) : 1;
	if (rc < 0)
		return -1;
	if (rc == 0) {
		x->update = true;
		rc = S_update(x, site, p, stats);
		if (rc <= 0)
			return S_close(x, rc, stats);
		S_close(x, 0, stats);
		memset(stats, 0, sizeof *stats);
		x->update = false;
	}
	return S_write(x, site, p, stats);
}

int cb_index_update_db(const cb_site *site, const char *old, const char *path, const char *ident,
		       cb_postings *p, cb_index_stats *stats, cb_error *err)
{
	cb_index_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	S_ix x = {.err = err, .path = path, .ident = ident};
	cb_postings *own = ident && !p ? cb_postings_new() : NULL;
	int rc = S_update_db(&x, site, old, own ? own : p, stats);
	cb_postings_free(own);
	return rc;
}

int cb_index_write_browser(const cb_site *site, cb_postings *p, const char *web_dir, cb_writer *w,
			   cb_index_stats *stats, cb_error *err)
{
	cb_shard_stats ss = {0, 0, 0};
	int rc = cb_shards_write(site, p, w, &ss, err);
	if (stats) {
		stats->terms = ss.terms;
		stats->shards = ss.shards;
		stats->shard_bytes = ss.bytes;
	}
	/* The browser search's scripts, beside the shards they load. */
	if (rc == 0 && !cb_is_dir(web_dir)) {
		cb_error_set(err, NULL, 0, 0, "cannot find the browser search scripts in '%s'", web_dir);
		rc = -1;
	}
	if (rc == 0)
		rc = cb_writer_copy_tree(w, web_dir, "search", err);
	return rc;
}
