/* index: see index.h. */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    "CREATE TABLE learning_themes(theme TEXT NOT NULL, point INTEGER NOT NULL, PRIMARY KEY(theme, point))"
    " WITHOUT ROWID;"
    "CREATE VIRTUAL TABLE docs_fts USING fts5(title, summary, themes, body, content='docs',"
    " content_rowid='id', tokenize='" CB_FTS_TOKENIZE "');"
    "CREATE VIRTUAL TABLE learning_fts USING fts5(text, themes, content='learning',"
    " content_rowid='id', tokenize='" CB_FTS_TOKENIZE "');";

/* Prepared once, stepped and reset for every row. */
enum { S_DOC, S_DOC_FTS, S_DOC_THEME, S_THEME, S_SYN, S_LP, S_LP_THEME, S_META, S_NSTMT };
static const char *const S_sql[S_NSTMT] = {
    [S_DOC] = "INSERT INTO docs VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [S_DOC_FTS] = "INSERT INTO docs_fts(rowid,title,summary,themes,body) VALUES(?1,?2,?3,?4,?5)",
    [S_DOC_THEME] = "INSERT OR IGNORE INTO doc_themes VALUES(?1,?2,?3)",
    [S_THEME] = "INSERT INTO themes VALUES(?1,?2,?3)",
    [S_SYN] = "INSERT INTO synonyms(phrase,theme) VALUES(?1,?2)",
    [S_LP] = "INSERT INTO learning VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
    [S_LP_THEME] = "INSERT OR IGNORE INTO learning_themes VALUES(?1,?2)",
    [S_META] = "INSERT INTO meta VALUES(?1,?2)",
};

typedef struct S_ix {
	sqlite3 *db;
	sqlite3_stmt *st[S_NSTMT];
	cb_error *err;
	const char *path;
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

/* Where the tap (tokenize.h) puts the tokens of the document being
 * inserted into docs_fts: one column after another, into the postings;
 * in the body, the learning points' token spans are counted too. */
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
	cb_postings_begin_column(c->p, c->doc, c->col);
}

static int S_col_token(void *ctx, const char *tok, int len, int start, int end)
{
	S_cols *c = ctx;
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

/* One document (the i-th of the site): its row, its FTS5 row (the tokens
 * of which also go to the postings, with its points' spans), its themes
 * and its learning points. */
static int S_fill_doc(S_ix *x, const cb_site *s, size_t i, cb_tokenizer_tap *tap, S_cols *cols,
		      sqlite3_int64 *lp_id, cb_buf *url)
{
	const cb_doc *d = &s->docs[i];
	const cb_meta *m = &d->meta;
	sqlite3_int64 id = (sqlite3_int64)i + 1;
	cb_buf_clear(url);
	cb_buf_puts(url, "documents/");
	cb_buf_puts(url, d->slug);
	cb_buf_puts(url, ".html");
	char *labels = S_theme_labels(s, &m->themes);
	char *body = cb_doc_search_text(s, d);
	bool *found = cb_xcalloc(d->md.nlearning + 1, sizeof *found);
	S_span *spans = cb_xcalloc(d->md.nlearning + 1, sizeof *spans);
	size_t nspans = S_locate(d, body ? body : "", found, spans);
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
	S_text(st, 10, labels);
	S_text(st, 11, body);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)nspans);
	int rc = S_step(x, S_DOC);
	st = x->st[S_DOC_FTS];
	sqlite3_bind_int64(st, 1, id);
	S_text(st, 2, m->title);
	S_text(st, 3, m->summary);
	S_text(st, 4, labels);
	S_text(st, 5, body);
	if (rc == 0) {
		/* FTS5 tokenizes the four columns in order, and the browser's
		 * postings are made of those very tokens. */
		*cols = (S_cols){cols->p, (int)i, 0, spans, nspans, 0, 0};
		cb_token_sink sink = {S_col_begin, S_col_token, S_col_end, cols};
		cb_tokenizer_tap_sink(tap, cols->p ? &sink : NULL);
		rc = S_step(x, S_DOC_FTS);
		cb_tokenizer_tap_sink(tap, NULL);
		if (rc == 0 && cols->p && cols->col != 4) {
			cb_error_set(
			    x->err, x->path, 0, 0,
			    "cannot write the search index: FTS5 tokenized %d columns of document %s, "
			    "not 4",
			    cols->col, d->path);
			rc = -1;
		}
	}
	for (size_t k = 0, j = 0; rc == 0 && cols->p && k < d->md.nlearning; k++)
		if (found[k]) {
			cb_postings_point pt = {(int)i, (int)k, spans[j].a, spans[j].n};
			cb_postings_add_point(cols->p, &pt);
			j++;
		}
	if (rc == 0)
		rc = S_fill_points(x, s, d, id, found, lp_id, url);
	free(found);
	free(spans);
	free(labels);
	free(body);
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
		rc = S_fill_doc(x, s, i, tap, &cols, &lp_id, &url);
	cb_buf_free(&url);
	if (rc)
		return -1;
	stats->docs = s->ndocs;
	stats->learning = (size_t)lp_id;
	char num[32];
	snprintf(num, sizeof num, "%d", CB_SEARCH_SCHEMA);
	char *weights = cb_xasprintf("%g %g %g %g", CB_W_TITLE, CB_W_SUMMARY, CB_W_THEMES, CB_W_BODY);
	char *pweights = cb_xasprintf("%g %g", CB_WP_TEXT, CB_WP_THEMES);
	rc = S_meta(x, "schema", num);
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
	free(weights);
	free(pweights);
	return rc;
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

int cb_index_write_db(const cb_site *site, const char *path, cb_postings *p, cb_index_stats *stats,
		      cb_error *err)
{
	cb_index_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	S_ix x = {NULL, {NULL}, err, path};
	cb_tokenizer_tap *tap = NULL;
	bool vacuum = false;
	int rc = -1;
	if (S_create(path, err) != 0)
		return -1;
	/* Only this thread uses the connection, so it needs no mutex. */
	if (sqlite3_open_v2(path, &x.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		S_fail(&x, "open");
		goto out;
	}
	if (cb_tokenizer_tap_install(x.db, &tap, err) != 0)
		goto out;
	/* The file is new and nobody reads it until it is finished (the
	 * caller renames it into place, or swaps in the output folder that
	 * holds it), so there is nothing to protect with a journal. */
	if (S_exec(&x, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
		       "BEGIN;") ||
	    S_exec(&x, S_schema) ||
	    S_exec(&x, "INSERT INTO docs_fts(docs_fts, rank) VALUES('hashsize', " S_HASHSIZE ");"
		       "INSERT INTO learning_fts(learning_fts, rank) VALUES('hashsize', " S_HASHSIZE ");"))
		goto out;
	for (int i = 0; i < S_NSTMT; i++)
		if (sqlite3_prepare_v2(x.db, S_sql[i], -1, &x.st[i], NULL) != SQLITE_OK) {
			S_fail(&x, S_sql[i]);
			goto out;
		}
	if (S_fill(&x, site, tap, p, stats) != 0)
		goto out;
	/* The postings wait, out of the way, while SQLite finishes. */
	if (p)
		cb_postings_finish(p);
	/* learning_fts is filled from its content table in one pass ('rebuild'
	 * reads the rows in id order), cheaper than a statement per row. The
	 * 'hashsize' setting only speeds up this build: the file keeps FTS5's
	 * defaults, as if it had never been set. */
	if (S_exec(&x, "INSERT INTO learning_fts(learning_fts) VALUES('rebuild');"
		       "INSERT INTO docs_fts(docs_fts) VALUES('optimize');"
		       "INSERT INTO learning_fts(learning_fts) VALUES('optimize');"
		       "DELETE FROM docs_fts_config WHERE k = 'hashsize';"
		       "DELETE FROM learning_fts_config WHERE k = 'hashsize';"
		       "COMMIT;") ||
	    S_needs_vacuum(&x, &vacuum) || (vacuum && S_exec(&x, "VACUUM;")))
		goto out;
	rc = 0;
out:
	for (int i = 0; i < S_NSTMT; i++)
		sqlite3_finalize(x.st[i]);
	if (x.db && sqlite3_close(x.db) != SQLITE_OK && rc == 0) {
		cb_error_set(err, path, 0, 0, "cannot close the search index");
		rc = -1;
	}
	struct stat sb;
	if (rc == 0 && stat(path, &sb) == 0)
		stats->db_bytes = (size_t)sb.st_size;
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
