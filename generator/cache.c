/* cache: see cache.h. */
#include "cache.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char S_schema[] =
    "CREATE TABLE IF NOT EXISTS info(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS docs(path TEXT PRIMARY KEY, oid TEXT NOT NULL, env TEXT NOT NULL,"
    " data BLOB NOT NULL, body BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS pages(out TEXT NOT NULL, path TEXT NOT NULL, key TEXT NOT NULL,"
    " size INTEGER NOT NULL, mtime INTEGER NOT NULL, ino INTEGER NOT NULL, sum INTEGER NOT NULL,"
    " PRIMARY KEY(out, path))"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS history(dir TEXT NOT NULL, commit_id TEXT NOT NULL, data BLOB NOT NULL,"
    " PRIMARY KEY(dir, commit_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS hooks(key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;";

struct cb_cache {
	sqlite3 *db;
	char *path;
	char *version;
	pthread_mutex_t lock; /* guards the writes of cb_cache_doc_put */
	sqlite3_stmt *put;    /* prepared insert, inside an open transaction */
	bool in_txn;
	bool put_failed;
	/* pages read for one output folder */
	cb_strmap *pages;
	cb_file_key *page_recs;
};

struct cb_cache_reader {
	sqlite3 *db;
	sqlite3_stmt *get;
	bool in_txn; /* one read transaction for every look-up */
	/* A record and its body are read into buffers the reader keeps (so
	 * each look-up allocates only what it returns), through a handle
	 * on each column moved from row to row. */
	sqlite3_blob *data, *body;
	int64_t row;	  /* the row the last cb_cache_doc_get found; -1: none */
	size_t md_off;	  /* where its Markdown results start in buf */
	size_t md_end;	  /* and end (its checksum excluded) */
	char *buf, *bbuf; /* the record, its body */
	size_t cap, bcap;
};

static int S_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void S_tune(sqlite3 *db)
{
	sqlite3_busy_timeout(db, 5000);
	/* A lost write only costs a rebuild of what it held. */
	S_exec(db, "PRAGMA synchronous=OFF;");
}

static char *S_info(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM info WHERE key=?1", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = cb_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* Opens path and checks it is a cache of this format and version: 0 when
 * usable as it is, 1 when it was emptied for this version, -1 when it
 * cannot be used. */
static int S_open_checked(const char *path, const char *version, sqlite3 **out)
{
	sqlite3 *db = NULL;
	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	S_tune(db);
	if (S_exec(db, S_schema) != 0) {
		sqlite3_close(db);
		return -1;
	}
	char want[64];
	snprintf(want, sizeof want, "%d", CB_CACHE_FORMAT);
	char *fmt = S_info(db, "format");
	char *ver = S_info(db, "version");
	int rc = 0;
	if (!fmt || !ver || strcmp(fmt, want) != 0 || strcmp(ver, version) != 0) {
		/* Another casebook wrote it: nothing in it can be trusted. */
		sqlite3_stmt *st = NULL;
		rc = S_exec(db, "BEGIN; DROP TABLE docs; DROP TABLE pages; DROP TABLE history; DROP TABLE "
				"hooks; DELETE FROM info;") == 0 &&
			     S_exec(db, S_schema) == 0 &&
			     sqlite3_prepare_v2(db, "INSERT INTO info VALUES('format',?1),('version',?2)", -1,
						&st, NULL) == SQLITE_OK
			 ? 1
			 : -1;
		if (rc == 1) {
			sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE || S_exec(db, "COMMIT;") != 0)
				rc = -1;
		}
		sqlite3_finalize(st);
	}
	free(fmt);
	free(ver);
	if (rc < 0) {
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return rc;
}

cb_cache *cb_cache_open(const char *path, const char *version, cb_diags *d)
{
	char *dir = cb_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (slash && cb_mkdir_p(dir) != 0) {
		cb_diags_add(d, CB_WARNING, "", 0, 0, "cache",
			     "cannot create the cache folder %s, so this build does all the work; check that "
			     "folder's permissions",
			     dir);
		free(dir);
		return NULL;
	}
	free(dir);
	sqlite3 *db = NULL;
	if (S_open_checked(path, version, &db) < 0) {
		/* Corrupt, or not a database at all: start afresh. */
		unlink(path);
		if (S_open_checked(path, version, &db) < 0) {
			cb_diags_add(
			    d, CB_WARNING, "", 0, 0, "cache",
			    "cannot use the build cache %s, so this build does all the work; delete that "
			    "file if the problem persists",
			    path);
			return NULL;
		}
	}
	/* Only its owner reads it: it holds every document, restricted ones
	 * included (SQLite gives its journal the same permissions). */
	chmod(path, 0600);
	cb_cache *c = cb_xcalloc(1, sizeof *c);
	c->db = db;
	c->path = cb_xstrdup(path);
	c->version = cb_xstrdup(version);
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

const char *cb_cache_version(const cb_cache *c)
{
	return c->version;
}

void cb_cache_close(cb_cache *c)
{
	if (!c)
		return;
	if (c->in_txn)
		S_exec(c->db, "ROLLBACK;");
	sqlite3_finalize(c->put);
	cb_strmap_free(c->pages);
	free(c->page_recs);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->lock);
	free(c->path);
	free(c->version);
	free(c);
}

/* --- encoding: little-endian integers, strings as length + bytes --- */

/*
 * Every record ends with a checksum of what precedes it (CB_SUM_LEN
 * bytes), and is used only when that still matches: a disk that flips a
 * bit must cost a rebuild of that record, never a page built from damaged
 * text.
 */
#define CB_SUM_LEN 16

static void S_sum(const void *data, size_t len, unsigned char out[CB_SUM_LEN])
{
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_add(&h, data, len);
	uint64_t d[2];
	cb_hash_digest(&h, d);
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)(d[0] >> (8 * i));
		out[8 + i] = (unsigned char)(d[1] >> (8 * i));
	}
}

/* Appends the checksum of b's bytes to b. */
static void S_seal(cb_buf *b)
{
	unsigned char sum[CB_SUM_LEN];
	S_sum(b->data ? b->data : "", b->len, sum);
	cb_buf_put(b, (const char *)sum, CB_SUM_LEN);
}

/* The length of a sealed record's payload when its checksum matches;
 * SIZE_MAX when the record is damaged. */
static size_t S_unseal(const void *data, size_t len)
{
	if (!data || len < CB_SUM_LEN)
		return SIZE_MAX;
	unsigned char sum[CB_SUM_LEN];
	S_sum(data, len - CB_SUM_LEN, sum);
	return memcmp(sum, (const unsigned char *)data + len - CB_SUM_LEN, CB_SUM_LEN) == 0 ? len - CB_SUM_LEN
											    : SIZE_MAX;
}

/* The checksum of a page record, kept in its own column. */
static int64_t S_page_sum(const char *out, const char *path, const cb_file_key *k)
{
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_str(&h, out);
	cb_hash_str(&h, path);
	cb_hash_str(&h, k->key);
	cb_hash_u64(&h, k->size);
	cb_hash_u64(&h, (uint64_t)k->mtime_ns);
	cb_hash_u64(&h, k->ino);
	uint64_t d[2];
	cb_hash_digest(&h, d);
	return (int64_t)(d[0] >> 1);
}

typedef struct S_rd {
	const unsigned char *p, *end;
	bool bad;
} S_rd;

static void S_put_u32(cb_buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	cb_buf_put(b, (const char *)x, 4);
}

static void S_put_i32(cb_buf *b, int v)
{
	S_put_u32(b, (uint32_t)v);
}

static void S_put_str(cb_buf *b, const char *s)
{
	if (!s) {
		S_put_u32(b, UINT32_MAX);
		return;
	}
	size_t n = strlen(s);
	S_put_u32(b, (uint32_t)n);
	cb_buf_put(b, s, n);
}

static void S_put_strv(cb_buf *b, const cb_strv *v)
{
	S_put_u32(b, (uint32_t)v->n);
	for (size_t i = 0; i < v->n; i++)
		S_put_str(b, v->v[i]);
}

static uint32_t S_get_u32(S_rd *r)
{
	if (r->bad || r->end - r->p < 4) {
		r->bad = true;
		return 0;
	}
	uint32_t v =
	    (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
	r->p += 4;
	return v;
}

static int S_get_i32(S_rd *r)
{
	return (int)S_get_u32(r);
}

static const char *S_get_view(S_rd *r, size_t *len);

static char *S_get_str(S_rd *r)
{
	size_t n;
	const char *s = S_get_view(r, &n);
	return s ? cb_xstrndup(s, n) : NULL;
}

/* A count of items each at least min_bytes long, checked against what is
 * left, so a damaged record cannot ask for a huge allocation. */
static size_t S_get_count(S_rd *r, size_t min_bytes)
{
	uint32_t n = S_get_u32(r);
	if (r->bad || (size_t)(r->end - r->p) / min_bytes < n) {
		r->bad = true;
		return 0;
	}
	return n;
}

static void S_get_strv(S_rd *r, cb_strv *v)
{
	size_t n = S_get_count(r, 4);
	for (size_t i = 0; i < n && !r->bad; i++) {
		char *s = S_get_str(r);
		cb_strv_push_own(v, s ? s : cb_xstrdup(""));
	}
}

static void S_put_diags(cb_buf *b, const cb_diags *d)
{
	S_put_u32(b, (uint32_t)d->n);
	for (size_t i = 0; i < d->n; i++) {
		const cb_diag *it = &d->v[i];
		S_put_u32(b, (uint32_t)it->sev);
		S_put_str(b, it->file);
		S_put_i32(b, it->line);
		S_put_i32(b, it->col);
		S_put_str(b, it->msg);
		S_put_str(b, it->rule);
	}
}

static void S_get_diags(S_rd *r, cb_diags *d)
{
	size_t n = S_get_count(r, 24);
	for (size_t i = 0; i < n && !r->bad; i++) {
		uint32_t sev = S_get_u32(r);
		char *file = S_get_str(r);
		int line = S_get_i32(r);
		int col = S_get_i32(r);
		char *msg = S_get_str(r);
		char *rule = S_get_str(r);
		if (!r->bad && sev <= CB_NOTE)
			cb_diags_add(d, (cb_severity)sev, file, line, col, rule, "%s", msg ? msg : "");
		else
			r->bad = true;
		free(file);
		free(msg);
		free(rule);
	}
}

/* A document's fields, in the order of cb_fields (schema.h): the texts
 * and dates, visibility and status, then the lists. */
static void S_put_meta(cb_buf *b, const cb_meta *m)
{
	for (size_t i = 0; i < cb_nfields; i++)
		if (cb_fields[i].kind == CB_FIELD_TEXT || cb_fields[i].kind == CB_FIELD_DATE)
			S_put_str(b, *cb_field_text(m, &cb_fields[i]));
	S_put_u32(b, (uint32_t)m->visibility);
	S_put_u32(b, m->draft);
	for (size_t i = 0; i < cb_nfields; i++) {
		const cb_field *f = &cb_fields[i];
		if (f->kind != CB_FIELD_LIST && f->kind != CB_FIELD_THEMES)
			continue;
		S_put_strv(b, cb_field_list(m, f));
		for (size_t k = 0; f->kind == CB_FIELD_THEMES && k < m->themes.n; k++) {
			S_put_i32(b, m->theme_lines ? m->theme_lines[k] : 0);
			S_put_i32(b, m->theme_cols ? m->theme_cols[k] : 0);
		}
	}
	S_put_u32(b, (uint32_t)m->nactions);
	for (size_t i = 0; i < m->nactions; i++) {
		const cb_action *a = &m->actions[i];
		S_put_str(b, a->action);
		S_put_str(b, a->owner);
		S_put_str(b, a->due);
		S_put_str(b, a->rag);
		S_put_str(b, a->evidence);
		S_put_i32(b, a->line);
	}
}

/* The position of each of m's themes. */
static void S_get_theme_places(S_rd *r, cb_meta *m)
{
	if (!m->themes.n || r->bad)
		return;
	if ((size_t)(r->end - r->p) / 8 < m->themes.n) {
		r->bad = true;
		return;
	}
	m->theme_lines = cb_xcalloc(m->themes.n, sizeof(int));
	m->theme_cols = cb_xcalloc(m->themes.n, sizeof(int));
	for (size_t i = 0; i < m->themes.n; i++) {
		m->theme_lines[i] = S_get_i32(r);
		m->theme_cols[i] = S_get_i32(r);
	}
}

static void S_get_meta(S_rd *r, cb_meta *m)
{
	for (size_t i = 0; i < cb_nfields; i++)
		if (cb_fields[i].kind == CB_FIELD_TEXT || cb_fields[i].kind == CB_FIELD_DATE)
			*(char **)cb_field_text(m, &cb_fields[i]) = S_get_str(r);
	if (!m->title || !m->type || !m->date)
		r->bad = true; /* required fields of a valid document */
	uint32_t vis = S_get_u32(r);
	if (vis > CB_VIS_RESTRICTED)
		r->bad = true;
	m->visibility = (cb_visibility)vis;
	m->draft = S_get_u32(r) != 0;
	for (size_t i = 0; i < cb_nfields; i++) {
		const cb_field *f = &cb_fields[i];
		if (f->kind != CB_FIELD_LIST && f->kind != CB_FIELD_THEMES)
			continue;
		S_get_strv(r, (cb_strv *)cb_field_list(m, f));
		if (f->kind == CB_FIELD_THEMES)
			S_get_theme_places(r, m);
	}
	m->nactions = S_get_count(r, 24);
	if (m->nactions)
		m->actions = cb_xcalloc(m->nactions, sizeof *m->actions);
	for (size_t i = 0; i < m->nactions && !r->bad; i++) {
		cb_action *a = &m->actions[i];
		a->action = S_get_str(r);
		a->owner = S_get_str(r);
		a->due = S_get_str(r);
		a->rag = S_get_str(r);
		a->evidence = S_get_str(r);
		a->line = S_get_i32(r);
		if (!a->action)
			r->bad = true;
	}
}

/* A record's Markdown results but the body's HTML and text, which
 * S_put_body keeps apart. */
static void S_put_md(cb_buf *b, const cb_mdoc *m)
{
	S_put_u32(b, (uint32_t)m->nheadings);
	for (size_t i = 0; i < m->nheadings; i++) {
		S_put_i32(b, m->headings[i].level);
		S_put_str(b, m->headings[i].text);
		S_put_str(b, m->headings[i].id);
		S_put_i32(b, m->headings[i].line);
	}
	S_put_u32(b, (uint32_t)m->nlearning);
	for (size_t i = 0; i < m->nlearning; i++) {
		const cb_lpoint *lp = &m->learning[i];
		S_put_str(b, lp->html);
		S_put_str(b, lp->text);
		S_put_str(b, lp->heading);
		S_put_str(b, lp->heading_id);
		S_put_str(b, lp->tags);
		S_put_i32(b, lp->line);
		S_put_i32(b, lp->tag_line);
		S_put_i32(b, lp->tag_col);
	}
	S_put_u32(b, (uint32_t)m->ndoclinks);
	for (size_t i = 0; i < m->ndoclinks; i++) {
		S_put_str(b, m->doclinks[i].path);
		S_put_i32(b, m->doclinks[i].heading);
	}
	S_put_u32(b, (uint32_t)m->ntables);
	for (size_t i = 0; i < m->ntables; i++) {
		const cb_mtable *t = &m->tables[i];
		S_put_i32(b, t->heading);
		S_put_i32(b, t->line);
		S_put_u32(b, (uint32_t)t->nrows);
		size_t k = 0;
		for (size_t r = 0; r < t->nrows; r++) {
			S_put_u32(b, (uint32_t)t->ncells[r]);
			for (size_t c = 0; c < t->ncells[r]; c++)
				S_put_str(b, t->cells[k++]);
		}
	}
}

/* The tables of a record (S_put_md). */
static void S_get_tables(S_rd *r, cb_mdoc *m)
{
	m->ntables = S_get_count(r, 12);
	if (m->ntables)
		m->tables = cb_xcalloc(m->ntables, sizeof *m->tables);
	for (size_t i = 0; i < m->ntables && !r->bad; i++) {
		cb_mtable *t = &m->tables[i];
		t->heading = S_get_i32(r);
		t->line = S_get_i32(r);
		t->nrows = S_get_count(r, 4);
		if (t->nrows)
			t->ncells = cb_xcalloc(t->nrows, sizeof *t->ncells);
		size_t k = 0;
		for (size_t row = 0; row < t->nrows && !r->bad; row++) {
			size_t n = S_get_count(r, 4);
			t->cells = cb_xrealloc(t->cells, (k + n + 1) * sizeof *t->cells);
			for (size_t c = 0; c < n; c++) {
				t->cells[k] = S_get_str(r);
				if (!t->cells[k])
					r->bad = true;
				k++;
				t->ncells[row]++;
			}
		}
	}
}

static void S_get_md(S_rd *r, cb_mdoc *m)
{
	m->nheadings = S_get_count(r, 16);
	if (m->nheadings)
		m->headings = cb_xcalloc(m->nheadings, sizeof *m->headings);
	for (size_t i = 0; i < m->nheadings && !r->bad; i++) {
		m->headings[i].level = S_get_i32(r);
		m->headings[i].text = S_get_str(r);
		m->headings[i].id = S_get_str(r);
		m->headings[i].line = S_get_i32(r);
		if (!m->headings[i].text || !m->headings[i].id)
			r->bad = true;
	}
	m->nlearning = S_get_count(r, 20);
	if (m->nlearning)
		m->learning = cb_xcalloc(m->nlearning, sizeof *m->learning);
	for (size_t i = 0; i < m->nlearning && !r->bad; i++) {
		cb_lpoint *lp = &m->learning[i];
		lp->html = S_get_str(r);
		lp->text = S_get_str(r);
		lp->heading = S_get_str(r);
		lp->heading_id = S_get_str(r);
		lp->tags = S_get_str(r);
		lp->line = S_get_i32(r);
		lp->tag_line = S_get_i32(r);
		lp->tag_col = S_get_i32(r);
		if (!lp->html || !lp->text || !lp->heading || !lp->heading_id)
			r->bad = true;
	}
	m->ndoclinks = S_get_count(r, 8);
	if (m->ndoclinks)
		m->doclinks = cb_xcalloc(m->ndoclinks, sizeof *m->doclinks);
	for (size_t i = 0; i < m->ndoclinks && !r->bad; i++) {
		m->doclinks[i].path = S_get_str(r);
		m->doclinks[i].heading = S_get_i32(r);
		if (!m->doclinks[i].path)
			r->bad = true;
	}
	S_get_tables(r, m);
	if (!r->bad)
		cb_mdoc_compact(m);
}

static void S_encode(cb_buf *b, const cb_doc_record *rec)
{
	S_put_u32(b, CB_CACHE_FORMAT);
	S_put_diags(b, &rec->front);
	S_put_meta(b, &rec->meta);
	S_put_diags(b, &rec->body);
	S_put_strv(b, &rec->links);
	S_put_u32(b, (uint32_t)rec->ndeps);
	for (size_t i = 0; i < rec->ndeps; i++) {
		S_put_str(b, rec->deps[i].path);
		S_put_i32(b, rec->deps[i].status);
		S_put_str(b, rec->deps[i].href);
	}
	/* Last, what only a document the build keeps needs (S_get_md_part). */
	S_put_md(b, &rec->md);
	S_put_u32(b, rec->pthemes != NULL);
	for (size_t i = 0; rec->pthemes && i < rec->md.nlearning; i++)
		S_put_strv(b, &rec->pthemes[i]);
}

/* A record (S_encode) but its Markdown results, which start at *md_off
 * of data: they are read only for a document the build keeps
 * (S_get_md_part). */
static bool S_decode(const void *data, size_t len, cb_doc_record *rec, size_t *md_off)
{
	memset(rec, 0, sizeof *rec);
	len = S_unseal(data, len);
	if (len == SIZE_MAX)
		return false;
	S_rd r = {data, (const unsigned char *)data + len, false};
	if (S_get_u32(&r) != CB_CACHE_FORMAT)
		return false;
	S_get_diags(&r, &rec->front);
	S_get_meta(&r, &rec->meta);
	S_get_diags(&r, &rec->body);
	S_get_strv(&r, &rec->links);
	rec->ndeps = S_get_count(&r, 12);
	if (rec->ndeps)
		rec->deps = cb_xcalloc(rec->ndeps, sizeof *rec->deps);
	for (size_t i = 0; i < rec->ndeps && !r.bad; i++) {
		rec->deps[i].path = S_get_str(&r);
		rec->deps[i].status = S_get_i32(&r);
		rec->deps[i].href = S_get_str(&r);
		if (!rec->deps[i].path)
			r.bad = true;
	}
	if (r.bad) {
		cb_doc_record_free(rec);
		return false;
	}
	*md_off = (size_t)(r.p - (const unsigned char *)data);
	return true;
}

/* The Markdown results and the points' themes of a record, from data
 * (its payload, checksum already checked) to end. */
static bool S_get_md_part(const unsigned char *data, const unsigned char *end, cb_doc_record *rec)
{
	S_rd r = {data, end, false};
	S_get_md(&r, &rec->md);
	if (S_get_u32(&r) && !r.bad) {
		rec->pthemes = cb_xcalloc(rec->md.nlearning ? rec->md.nlearning : 1, sizeof *rec->pthemes);
		for (size_t i = 0; i < rec->md.nlearning && !r.bad; i++)
			S_get_strv(&r, &rec->pthemes[i]);
	}
	if (r.bad || r.p != r.end) {
		for (size_t i = 0; rec->pthemes && i < rec->md.nlearning; i++)
			cb_strv_free(&rec->pthemes[i]);
		free(rec->pthemes);
		rec->pthemes = NULL;
		cb_mdoc_free(&rec->md);
		memset(&rec->md, 0, sizeof rec->md);
		return false;
	}
	return true;
}

void cb_doc_record_free(cb_doc_record *r)
{
	for (size_t i = 0; r->pthemes && i < r->md.nlearning; i++)
		cb_strv_free(&r->pthemes[i]);
	free(r->pthemes);
	cb_diags_free(&r->front);
	cb_meta_free(&r->meta);
	cb_diags_free(&r->body);
	cb_mdoc_free(&r->md);
	cb_strv_free(&r->links);
	for (size_t i = 0; i < r->ndeps; i++) {
		free(r->deps[i].path);
		free(r->deps[i].href);
	}
	free(r->deps);
	memset(r, 0, sizeof *r);
}

/* --- documents --- */

cb_cache_reader *cb_cache_reader_open(cb_cache *c)
{
	if (!c)
		return NULL;
	cb_cache_reader *r = cb_xcalloc(1, sizeof *r);
	r->row = -1;
	if (sqlite3_open_v2(c->path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, "SELECT rowid, oid, env FROM docs WHERE path=?1", -1, &r->get, NULL) !=
		SQLITE_OK) {
		cb_cache_reader_close(r);
		return NULL;
	}
	sqlite3_busy_timeout(r->db, 5000);
	/* One read transaction for the reader's life, rather than one (with
	 * its lock and its check of the file) per look-up. */
	r->in_txn = S_exec(r->db, "BEGIN;") == 0;
	return r;
}

void cb_cache_reader_close(cb_cache_reader *r)
{
	if (!r)
		return;
	sqlite3_blob_close(r->data);
	sqlite3_blob_close(r->body);
	sqlite3_finalize(r->get);
	if (r->in_txn)
		S_exec(r->db, "COMMIT;");
	sqlite3_close(r->db);
	free(r->buf);
	free(r->bbuf);
	free(r);
}

/* Reads column (data or body) of row into *buf (of *cap bytes, grown as
 * needed): its length, or SIZE_MAX when it cannot be read. */
static size_t S_read_column(cb_cache_reader *r, sqlite3_blob **h, const char *column, int64_t row, char **buf,
			    size_t *cap)
{
	int rc =
	    *h ? sqlite3_blob_reopen(*h, row) : sqlite3_blob_open(r->db, "main", "docs", column, row, 0, h);
	if (rc != SQLITE_OK) {
		sqlite3_blob_close(*h);
		*h = NULL;
		return SIZE_MAX;
	}
	size_t len = (size_t)sqlite3_blob_bytes(*h);
	if (len + 1 > *cap) {
		*cap = len + 1 > 2 * *cap ? len + 1 : 2 * *cap;
		*buf = cb_xrealloc(*buf, *cap);
	}
	return sqlite3_blob_read(*h, *buf, (int)len, 0) == SQLITE_OK ? len : SIZE_MAX;
}

bool cb_cache_doc_get(cb_cache_reader *r, const char *path, const char *oid, const char *env,
		      cb_doc_record *out)
{
	if (!r)
		return false;
	r->row = -1;
	int64_t row = -1;
	sqlite3_bind_text(r->get, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(r->get) == SQLITE_ROW) {
		const char *roid = (const char *)sqlite3_column_text(r->get, 1);
		const char *renv = (const char *)sqlite3_column_text(r->get, 2);
		if (roid && renv && strcmp(roid, oid) == 0 && strcmp(renv, env) == 0)
			row = sqlite3_column_int64(r->get, 0);
	}
	sqlite3_reset(r->get);
	size_t len = row >= 0 ? S_read_column(r, &r->data, "data", row, &r->buf, &r->cap) : SIZE_MAX;
	if (len == SIZE_MAX || !S_decode(r->buf, len, out, &r->md_off))
		return false;
	r->row = row;
	r->md_end = len - CB_SUM_LEN;
	return true;
}

bool cb_cache_doc_md(cb_cache_reader *r, cb_doc_record *rec)
{
	if (!r || r->row < 0 || rec->md.block || rec->md.nheadings || rec->md.nlearning)
		return false;
	return S_get_md_part((const unsigned char *)r->buf + r->md_off,
			     (const unsigned char *)r->buf + r->md_end, rec);
}

/* A borrowed string of a record (S_put_str's encoding): NULL for none. */
static const char *S_get_view(S_rd *r, size_t *len)
{
	uint32_t n = S_get_u32(r);
	*len = 0;
	if (r->bad || n == UINT32_MAX)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const char *s = (const char *)r->p;
	r->p += n;
	*len = n;
	return s;
}

bool cb_cache_doc_body(cb_cache_reader *r, cb_doc_body *out)
{
	memset(out, 0, sizeof *out);
	if (!r || r->row < 0)
		return false;
	size_t len = S_read_column(r, &r->body, "body", r->row, &r->bbuf, &r->bcap);
	const char *data = r->bbuf;
	if (len != SIZE_MAX)
		len = S_unseal(data, len);
	if (len == SIZE_MAX)
		return false;
	S_rd rd = {(const unsigned char *)data, (const unsigned char *)data + len, false};
	if (S_get_u32(&rd) != CB_CACHE_FORMAT)
		return false;
	out->html = S_get_view(&rd, &out->html_len);
	out->text = S_get_view(&rd, &out->text_len);
	if (rd.bad || rd.p != rd.end) {
		memset(out, 0, sizeof *out);
		return false;
	}
	return true;
}

/* The body's HTML and text, sealed on their own (cb_cache_doc_body). */
static void S_put_body(cb_buf *b, const cb_mdoc *m)
{
	S_put_u32(b, CB_CACHE_FORMAT);
	S_put_str(b, m->html);
	S_put_str(b, m->text);
	S_seal(b);
}

void cb_cache_doc_put(cb_cache *c, const char *path, const char *oid, const char *env,
		      const cb_doc_record *rec)
{
	if (!c)
		return;
	cb_buf data = CB_BUF_INIT, body = CB_BUF_INIT;
	S_encode(&data, rec);
	S_seal(&data);
	S_put_body(&body, &rec->md);
	/* Written at once (in one transaction for the whole load), so the
	 * records never pile up in memory. */
	pthread_mutex_lock(&c->lock);
	if (!c->in_txn && !c->put_failed) {
		if (S_exec(c->db, "BEGIN;") == 0 &&
		    sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO docs VALUES(?1,?2,?3,?4,?5)", -1,
				       &c->put, NULL) == SQLITE_OK)
			c->in_txn = true;
		else
			c->put_failed = true;
	}
	if (c->in_txn) {
		sqlite3_bind_text(c->put, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(c->put, 2, oid, -1, SQLITE_STATIC);
		sqlite3_bind_text(c->put, 3, env, -1, SQLITE_STATIC);
		sqlite3_bind_blob(c->put, 4, data.data ? data.data : "", (int)data.len, SQLITE_STATIC);
		sqlite3_bind_blob(c->put, 5, body.data, (int)body.len, SQLITE_STATIC);
		sqlite3_step(c->put);
		sqlite3_reset(c->put);
		sqlite3_clear_bindings(c->put);
	}
	pthread_mutex_unlock(&c->lock);
	cb_buf_free(&data);
	cb_buf_free(&body);
}

/* Drops the records of paths not in keep (the documents the repository
 * no longer has), found through the paths' index alone: an unchanged
 * collection costs a read of that index, not of every record. */
static void S_drop_stale(cb_cache *c, const cb_strv *keep)
{
	cb_strmap *k = cb_strmap_new();
	for (size_t i = 0; i < keep->n; i++)
		cb_strmap_put(k, keep->v[i], k);
	cb_strv stale = CB_STRV_INIT;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db, "SELECT path FROM docs ORDER BY path", -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *path = (const char *)sqlite3_column_text(st, 0);
			if (path && !cb_strmap_has(k, path))
				cb_strv_push(&stale, path);
		}
	sqlite3_finalize(st);
	st = NULL;
	if (stale.n &&
	    sqlite3_prepare_v2(c->db, "DELETE FROM docs WHERE path=?1", -1, &st, NULL) == SQLITE_OK)
		for (size_t i = 0; i < stale.n; i++) {
			sqlite3_bind_text(st, 1, stale.v[i], -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	sqlite3_finalize(st);
	cb_strv_free(&stale);
	cb_strmap_free(k);
}

void cb_cache_doc_flush(cb_cache *c, const cb_strv *keep)
{
	if (!c)
		return;
	if (!c->in_txn && S_exec(c->db, "BEGIN;") != 0)
		return;
	c->in_txn = true;
	if (keep)
		S_drop_stale(c, keep);
	sqlite3_finalize(c->put);
	c->put = NULL;
	S_exec(c->db, "COMMIT;");
	c->in_txn = false;
}

/* --- pages --- */

cb_strmap *cb_cache_pages(cb_cache *c, const char *out)
{
	if (!c)
		return NULL;
	if (c->pages)
		return c->pages;
	c->pages = cb_strmap_new();
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db, "SELECT path, key, size, mtime, ino, sum FROM pages WHERE out=?1", -1,
			       &st, NULL) != SQLITE_OK)
		return c->pages;
	sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC);
	size_t cap = 0, n = 0;
	cb_strv paths = CB_STRV_INIT;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		if (!path || !key || strlen(key) != 32)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			c->page_recs = cb_xrealloc(c->page_recs, cap * sizeof *c->page_recs);
		}
		cb_file_key *p = &c->page_recs[n++];
		memcpy(p->key, key, 33);
		p->size = (uint64_t)sqlite3_column_int64(st, 2);
		p->mtime_ns = sqlite3_column_int64(st, 3);
		p->ino = (uint64_t)sqlite3_column_int64(st, 4);
		if (S_page_sum(out, path, p) != sqlite3_column_int64(st, 5)) {
			n--; /* damaged: the page is made again */
			continue;
		}
		cb_strv_push(&paths, path);
	}
	sqlite3_finalize(st);
	/* Entries point into page_recs, so fill the map once it is final. */
	for (size_t i = 0; i < n; i++)
		cb_strmap_put(c->pages, paths.v[i], &c->page_recs[i]);
	cb_strv_free(&paths);
	return c->pages;
}

void cb_cache_pages_store(cb_cache *c, const char *out, const cb_strmap *recs)
{
	if (!c)
		return;
	sqlite3_stmt *del = NULL, *ins = NULL;
	if (S_exec(c->db, "BEGIN;") != 0)
		return;
	if (sqlite3_prepare_v2(c->db, "DELETE FROM pages WHERE out=?1", -1, &del, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO pages VALUES(?1,?2,?3,?4,?5,?6,?7)", -1, &ins,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(del, 1, out, -1, SQLITE_STATIC);
		sqlite3_step(del);
		size_t it = 0;
		const char *path;
		void *v;
		while (recs && cb_strmap_next(recs, &it, &path, &v)) {
			const cb_file_key *p = v;
			sqlite3_bind_text(ins, 1, out, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 2, path, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 3, p->key, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 4, (sqlite3_int64)p->size);
			sqlite3_bind_int64(ins, 5, p->mtime_ns);
			sqlite3_bind_int64(ins, 6, (sqlite3_int64)p->ino);
			sqlite3_bind_int64(ins, 7, S_page_sum(out, path, p));
			sqlite3_step(ins);
			sqlite3_reset(ins);
		}
	}
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	S_exec(c->db, "COMMIT;");
}

/* --- notes --- */

char *cb_cache_note(cb_cache *c, const char *key)
{
	return c ? S_info(c->db, key) : NULL;
}

void cb_cache_note_put(cb_cache *c, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	if (!c || sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO info VALUES(?1,?2)", -1, &st, NULL) !=
		      SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* --- history --- */

static void S_put_history(cb_buf *b, const cb_history *v, size_t n)
{
	S_put_u32(b, CB_CACHE_FORMAT);
	S_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		const cb_history *h = &v[i];
		S_put_str(b, h->path);
		S_put_u32(b, (uint32_t)((uint64_t)h->first_time & 0xffffffffu));
		S_put_u32(b, (uint32_t)((uint64_t)h->first_time >> 32));
		S_put_i32(b, h->first_tz);
		S_put_str(b, h->first_author);
		S_put_u32(b, (uint32_t)((uint64_t)h->last_time & 0xffffffffu));
		S_put_u32(b, (uint32_t)((uint64_t)h->last_time >> 32));
		S_put_i32(b, h->last_tz);
		S_put_str(b, h->last_author);
		S_put_strv(b, &h->authors);
	}
}

static int64_t S_get_time(S_rd *r)
{
	uint64_t lo = S_get_u32(r), hi = S_get_u32(r);
	return (int64_t)(lo | hi << 32);
}

static bool S_get_history(const void *data, size_t len, cb_history **out, size_t *n)
{
	len = S_unseal(data, len);
	if (len == SIZE_MAX)
		return false;
	S_rd r = {data, (const unsigned char *)data + len, false};
	if (S_get_u32(&r) != CB_CACHE_FORMAT)
		return false;
	size_t k = S_get_count(&r, 40);
	cb_history *v = cb_xcalloc(k ? k : 1, sizeof *v);
	for (size_t i = 0; i < k && !r.bad; i++) {
		cb_history *h = &v[i];
		h->path = S_get_str(&r);
		h->first_time = S_get_time(&r);
		h->first_tz = S_get_i32(&r);
		h->first_author = S_get_str(&r);
		h->last_time = S_get_time(&r);
		h->last_tz = S_get_i32(&r);
		h->last_author = S_get_str(&r);
		S_get_strv(&r, &h->authors);
		if (!h->path || !h->first_author || !h->last_author ||
		    (i > 0 && v[i - 1].path && strcmp(v[i - 1].path, h->path) >= 0))
			r.bad = true; /* must be sorted for cb_history_find */
	}
	if (r.bad || r.p != r.end) {
		cb_history_free(v, k);
		return false;
	}
	*out = v;
	*n = k;
	return true;
}

int cb_cache_history_get(cb_cache *c, const char *dir, const char *commit, cb_history **out, size_t *n)
{
	if (!c)
		return 1;
	sqlite3_stmt *st = NULL;
	int rc = 1;
	if (sqlite3_prepare_v2(c->db, "SELECT data FROM history WHERE dir=?1 AND commit_id=?2", -1, &st,
			       NULL) != SQLITE_OK)
		return 1;
	sqlite3_bind_text(st, 1, dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    S_get_history(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), out, n))
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

char *cb_cache_history_latest(cb_cache *c, const char *dir)
{
	if (!c)
		return NULL;
	sqlite3_stmt *st = NULL;
	char *id = NULL;
	if (sqlite3_prepare_v2(c->db, "SELECT commit_id FROM history WHERE dir=?1 LIMIT 1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, dir, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			id = cb_xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return id;
}

void cb_cache_history_put(cb_cache *c, const char *dir, const char *commit, const cb_history *v, size_t n)
{
	if (!c)
		return;
	cb_buf b = CB_BUF_INIT;
	S_put_history(&b, v, n);
	S_seal(&b);
	sqlite3_stmt *st = NULL;
	/* One commit per folder: the newest built. */
	if (S_exec(c->db, "BEGIN;") == 0) {
		sqlite3_stmt *del = NULL;
		if (sqlite3_prepare_v2(c->db, "DELETE FROM history WHERE dir=?1", -1, &del, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_text(del, 1, dir, -1, SQLITE_STATIC);
			sqlite3_step(del);
		}
		sqlite3_finalize(del);
		if (sqlite3_prepare_v2(c->db, "INSERT INTO history VALUES(?1,?2,?3)", -1, &st, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_text(st, 1, dir, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
			sqlite3_bind_blob(st, 3, b.data ? b.data : "", (int)b.len, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
		S_exec(c->db, "COMMIT;");
	}
	cb_buf_free(&b);
}

/* ---- document hooks' results ---- */

cb_strmap *cb_cache_hooks(cb_cache *c)
{
	cb_strmap *m = cb_strmap_new();
	sqlite3_stmt *st = NULL;
	if (!c || sqlite3_prepare_v2(c->db, "SELECT key, data FROM hooks", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return m;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const unsigned char *data = sqlite3_column_blob(st, 1);
		size_t len = S_unseal(data, (size_t)sqlite3_column_bytes(st, 1));
		uint64_t keys_len;
		if (!key || len == SIZE_MAX || len < 8)
			continue; /* damaged: the hook runs again */
		memcpy(&keys_len, data, 8);
		if (keys_len > len - 8)
			continue;
		cb_vpack *pk = cb_xmalloc(sizeof *pk + (len - 8));
		pk->keys_len = (size_t)keys_len;
		pk->len = len - 8;
		memcpy(pk->data, data + 8, len - 8);
		free(cb_strmap_get(m, key));
		cb_strmap_put(m, key, pk);
	}
	sqlite3_finalize(st);
	return m;
}

void cb_cache_hooks_store(cb_cache *c, const cb_strv *keys, cb_vpack *const *recs)
{
	if (!c || S_exec(c->db, "BEGIN;") != 0)
		return;
	sqlite3_stmt *put = NULL, *keep = NULL;
	bool ok =
	    S_exec(c->db, "CREATE TEMP TABLE IF NOT EXISTS hook_keep(key TEXT PRIMARY KEY); DELETE FROM "
			  "hook_keep;") == 0 &&
	    sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO hooks VALUES(?1,?2)", -1, &put, NULL) ==
		SQLITE_OK &&
	    sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO hook_keep VALUES(?1)", -1, &keep, NULL) ==
		SQLITE_OK;
	cb_buf b = CB_BUF_INIT;
	for (size_t i = 0; ok && i < keys->n; i++) {
		sqlite3_bind_text(keep, 1, keys->v[i], -1, SQLITE_STATIC);
		sqlite3_step(keep);
		sqlite3_reset(keep);
		if (!recs[i])
			continue;
		uint64_t keys_len = recs[i]->keys_len;
		cb_buf_clear(&b);
		cb_buf_put(&b, (const char *)&keys_len, 8);
		cb_buf_put(&b, (const char *)recs[i]->data, recs[i]->len);
		S_seal(&b);
		sqlite3_bind_text(put, 1, keys->v[i], -1, SQLITE_STATIC);
		sqlite3_bind_blob(put, 2, b.data, (int)b.len, SQLITE_STATIC);
		sqlite3_step(put);
		sqlite3_reset(put);
	}
	cb_buf_free(&b);
	sqlite3_finalize(put);
	sqlite3_finalize(keep);
	if (ok)
		S_exec(c->db, "DELETE FROM hooks WHERE key NOT IN (SELECT key FROM hook_keep);");
	S_exec(c->db, ok ? "COMMIT;" : "ROLLBACK;");
}
