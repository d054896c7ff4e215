/* shards: see shards.h. */
#include "shards.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

typedef struct S_term {
	char *text;
	size_t len;
	uint64_t hash;
	cb_buf enc;   /* "docDelta,col,n,pos,posDelta…," for each (document, column) */
	int last_doc; /* document of the last entry; -1 before the first */
	long stamp;   /* the column its positions below belong to */
	int *pos;     /* positions in that column */
	size_t npos, cappos;
} S_term;

/* An open-addressing hash table of terms, keyed by their bytes, so that a
 * token is looked up without copying it (this runs for every token). */
struct cb_postings {
	S_term **slots;
	size_t cap;	/* a power of two */
	S_term **terms; /* in first-seen order */
	size_t nterms, capterms;
	S_term **touched; /* terms of the current column, in first-seen order */
	size_t ntouched, captouched;
	long stamp; /* counts columns */
	int doc, col, pos;
	long *doclen;
	size_t ndoclen;
	cb_buf scratch; /* one column's entry for one term, before it is appended */
};

cb_postings *cb_postings_new(void)
{
	cb_postings *p = cb_xcalloc(1, sizeof *p);
	p->cap = 1 << 14;
	p->slots = cb_xcalloc(p->cap, sizeof *p->slots);
	return p;
}

void cb_postings_free(cb_postings *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nterms; i++) {
		free(p->terms[i]->text);
		free(p->terms[i]->pos);
		cb_buf_free(&p->terms[i]->enc);
		free(p->terms[i]);
	}
	free(p->terms);
	free(p->touched);
	free(p->slots);
	free(p->doclen);
	cb_buf_free(&p->scratch);
	free(p);
}

void cb_postings_begin_column(cb_postings *p, int doc, int col)
{
	p->doc = doc;
	p->col = col;
	p->pos = 0;
	p->ntouched = 0;
	p->stamp++;
	if ((size_t)doc >= p->ndoclen) {
		size_t n = (size_t)doc + 1;
		p->doclen = cb_xrealloc(p->doclen, n * sizeof *p->doclen);
		memset(p->doclen + p->ndoclen, 0, (n - p->ndoclen) * sizeof *p->doclen);
		p->ndoclen = n;
	}
}

static uint64_t S_fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void S_grow_table(cb_postings *p)
{
	size_t cap = p->cap * 2;
	S_term **slots = cb_xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < p->nterms; i++) {
		size_t k = (size_t)p->terms[i]->hash & (cap - 1);
		while (slots[k])
			k = (k + 1) & (cap - 1);
		slots[k] = p->terms[i];
	}
	free(p->slots);
	p->slots = slots;
	p->cap = cap;
}

void cb_postings_add(cb_postings *p, const char *tok, int len)
{
	uint64_t h = S_fnv(tok, (size_t)len);
	size_t k = (size_t)h & (p->cap - 1);
	S_term *t;
	while ((t = p->slots[k]) &&
	       !(t->hash == h && t->len == (size_t)len && memcmp(t->text, tok, (size_t)len) == 0))
		k = (k + 1) & (p->cap - 1);
	if (!t) {
		t = cb_xcalloc(1, sizeof *t);
		t->text = cb_xstrndup(tok, (size_t)len);
		t->len = (size_t)len;
		t->hash = h;
		t->last_doc = -1;
		p->slots[k] = t;
		if (p->nterms == p->capterms) {
			p->capterms = p->capterms ? p->capterms * 2 : 1024;
			p->terms = cb_xrealloc(p->terms, p->capterms * sizeof *p->terms);
		}
		p->terms[p->nterms++] = t;
		if (p->nterms * 2 > p->cap)
			S_grow_table(p);
	}
	if (t->stamp != p->stamp) {
		t->stamp = p->stamp;
		t->npos = 0;
		if (p->ntouched == p->captouched) {
			p->captouched = p->captouched ? p->captouched * 2 : 256;
			p->touched = cb_xrealloc(p->touched, p->captouched * sizeof *p->touched);
		}
		p->touched[p->ntouched++] = t;
	}
	if (t->npos == t->cappos) {
		t->cappos = t->cappos ? t->cappos * 2 : 8;
		t->pos = cb_xrealloc(t->pos, t->cappos * sizeof *t->pos);
	}
	t->pos[t->npos++] = p->pos++;
}

/* Appends a non-negative integer and a comma; room for it is reserved.
 * Most numbers here (columns, counts, gaps between positions) have one or
 * two digits, so those are written directly. */
static void S_put_int(cb_buf *b, long v)
{
	char *d = b->data + b->len;
	if (v < 10) {
		d[0] = (char)('0' + v);
		d[1] = ',';
		b->len += 2;
		return;
	}
	if (v < 100) {
		d[0] = (char)('0' + v / 10);
		d[1] = (char)('0' + v % 10);
		d[2] = ',';
		b->len += 3;
		return;
	}
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*d++ = tmp[--n];
	*d++ = ',';
	b->len = (size_t)(d - b->data);
}

/* Appends n bytes to a term's encoding, growing it by half rather than
 * doubling: every term of the collection keeps its encoding until the
 * shards are written, and most terms are rare, so slack is most of what a
 * doubling buffer would hold. */
static void S_append(cb_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap + b->cap / 2;
		if (cap < b->len + n + 1)
			cap = b->len + n + 1;
		b->data = cb_xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void cb_postings_end_column(cb_postings *p)
{
	p->doclen[p->doc] += p->pos;
	cb_buf *sc = &p->scratch;
	for (size_t i = 0; i < p->ntouched; i++) {
		S_term *t = p->touched[i];
		/* Written to a scratch buffer first, then appended exactly. */
		sc->len = 0;
		cb_buf_grow(sc, (t->npos + 3) * 12 + 1);
		S_put_int(sc, t->last_doc < 0 ? p->doc : p->doc - t->last_doc);
		S_put_int(sc, p->col);
		S_put_int(sc, (long)t->npos);
		int prev = 0;
		for (size_t k = 0; k < t->npos; k++) {
			S_put_int(sc, t->pos[k] - prev);
			prev = t->pos[k];
		}
		S_append(&t->enc, sc->data, sc->len);
		t->last_doc = p->doc;
	}
	p->ntouched = 0;
}

long cb_postings_doc_len(const cb_postings *p, int doc)
{
	return (size_t)doc < p->ndoclen ? p->doclen[doc] : 0;
}

/* ---- writing ---- */

static int S_term_cmp(const void *a, const void *b)
{
	const S_term *x = *(S_term *const *)a, *y = *(S_term *const *)b;
	return strcmp(x->text, y->text);
}

/* Bytes that S_str copies as they are: everything but control
 * characters, '"', '\\', '<', '>', '&' and 0xE2 (which may start U+2028 or
 * U+2029); below 64 as a bit mask. */
#define S_PLAIN_LOW                                                                                          \
	(0xFFFFFFFF00000000ULL & ~(1ULL << '"') & ~(1ULL << '&') & ~(1ULL << '<') & ~(1ULL << '>'))

static inline bool S_plain(unsigned char c)
{
	return c < 64 ? (S_PLAIN_LOW >> c) & 1 : c != '\\' && c != 0xE2;
}

/* A JSON string safe inside a script: runs of plain bytes are copied at
 * once (documents' text is most of the browser index), the rest escaped
 * by cb_buf_json. */
static void S_str(cb_buf *b, const char *s)
{
	cb_buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		const unsigned char *run = p;
		while (S_plain(*p))
			p++;
		if (p > run)
			cb_buf_put(b, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		size_t n = *p == 0xE2 && p[1] && p[2] ? 3 : 1;
		cb_buf_json(b, (const char *)p, n);
		p += n;
	}
	cb_buf_putc(b, '"');
}

static int S_put(cb_writer *w, const char *path, cb_buf *b, cb_shard_stats *st, cb_error *err)
{
	st->bytes += b->len;
	int rc = cb_writer_put(w, path, b->data ? b->data : "", b->len, err);
	cb_buf_clear(b);
	return rc;
}

static int S_theme_index(const cb_site *s, const char *id)
{
	for (size_t i = 0; i < s->nthemes; i++)
		if (strcmp(s->themes[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Appends ",v" (or "v" for the first of a list), v non-negative: one
 * for each document, so without printf. */
static void S_list_int(cb_buf *b, bool first, long v)
{
	cb_buf_grow(b, 24);
	if (!first)
		b->data[b->len++] = ',';
	S_put_int(b, v);
	b->data[--b->len] = '\0'; /* S_put_int's comma */
}

static int S_write_meta(const cb_site *s, const cb_postings *p, const cb_strv *bounds, cb_writer *w,
			cb_shard_stats *st, cb_error *err)
{
	cb_buf b = CB_BUF_INIT;
	long total = 0;
	for (size_t i = 0; i < s->ndocs; i++)
		total += cb_postings_doc_len(p, (int)i);
	cb_buf_printf(&b, "CBS.meta({\"v\":1,\"n\":%zu,\"total\":%ld,\"k1\":1.2,\"b\":0.75,", s->ndocs,
		      total);
	cb_buf_printf(&b, "\"cols\":[\"title\",\"summary\",\"themes\",\"body\"],\"weights\":[%g,%g,%g,%g],",
		      CB_W_TITLE, CB_W_SUMMARY, CB_W_THEMES, CB_W_BODY);
	cb_buf_printf(&b, "\"block\":%d,\n\"shards\":[", CB_DOC_BLOCK);
	for (size_t i = 0; i < bounds->n; i++) {
		if (i)
			cb_buf_putc(&b, ',');
		S_str(&b, bounds->v[i]);
	}
	cb_buf_puts(&b, "],\n\"len\":[");
	for (size_t i = 0; i < s->ndocs; i++)
		S_list_int(&b, i == 0, cb_postings_doc_len(p, (int)i));
	/* Types present in this build, in the schema's order. */
	cb_buf_puts(&b, "],\n\"types\":[");
	int *type_of = cb_xcalloc(s->ndocs ? s->ndocs : 1, sizeof *type_of);
	size_t ntypes = 0;
	for (size_t t = 0; t < cb_doc_ntypes; t++) {
		bool used = false;
		for (size_t i = 0; i < s->ndocs; i++)
			if (strcmp(s->docs[i].meta.type, cb_doc_types[t]) == 0) {
				type_of[i] = (int)ntypes;
				used = true;
			}
		if (!used)
			continue;
		cb_buf_puts(&b, ntypes ? ",[" : "[");
		S_str(&b, cb_doc_types[t]);
		cb_buf_putc(&b, ',');
		S_str(&b, cb_type_label(cb_doc_types[t]));
		cb_buf_putc(&b, ']');
		ntypes++;
	}
	cb_buf_puts(&b, "],\n\"type\":[");
	for (size_t i = 0; i < s->ndocs; i++)
		S_list_int(&b, i == 0, type_of[i]);
	free(type_of);
	cb_buf_puts(&b, "],\n\"themes\":[");
	for (size_t i = 0; i < s->nthemes; i++) {
		cb_buf_puts(&b, i ? ",[" : "[");
		S_str(&b, s->themes[i].id);
		cb_buf_putc(&b, ',');
		S_str(&b, s->themes[i].label);
		cb_buf_putc(&b, ']');
	}
	cb_buf_puts(&b, "],\n\"dthemes\":[");
	for (size_t i = 0; i < s->ndocs; i++) {
		cb_buf_puts(&b, i ? ",[" : "[");
		const cb_strv *th = &s->docs[i].meta.themes;
		bool first = true;
		for (size_t k = 0; k < th->n; k++) {
			int ti = S_theme_index(s, th->v[k]);
			if (ti < 0)
				continue;
			S_list_int(&b, first, ti);
			first = false;
		}
		cb_buf_putc(&b, ']');
	}
	cb_buf_puts(&b, "],\n\"syn\":[");
	bool first = true;
	for (size_t i = 0; i < s->nthemes; i++) {
		const cb_strv *syn = s->themes[i].synonyms;
		for (size_t k = 0; syn && k < syn->n; k++) {
			cb_buf_puts(&b, first ? "[" : ",[");
			S_str(&b, syn->v[k]);
			cb_buf_printf(&b, ",%zu]", i);
			first = false;
		}
	}
	cb_buf_puts(&b, "]});\n");
	int rc = S_put(w, "search/meta.js", &b, st, err);
	cb_buf_free(&b);
	return rc;
}

static int S_write_docs(const cb_site *s, cb_writer *w, cb_shard_stats *st, cb_error *err)
{
	cb_buf b = CB_BUF_INIT;
	int rc = 0;
	for (size_t start = 0; rc == 0 && start < s->ndocs; start += CB_DOC_BLOCK) {
		size_t k = start / CB_DOC_BLOCK;
		cb_buf_printf(&b, "CBS.docs(%zu,[", k);
		for (size_t i = start; i < s->ndocs && i < start + CB_DOC_BLOCK; i++) {
			const cb_doc *d = &s->docs[i];
			cb_buf_puts(&b, i > start ? ",\n[" : "\n[");
			S_str(&b, d->meta.title);
			cb_buf_printf(&b, ",\"documents/");
			cb_buf_json(&b, d->slug, strlen(d->slug));
			cb_buf_puts(&b, ".html\",");
			S_str(&b, d->meta.date);
			cb_buf_putc(&b, ',');
			S_str(&b, d->meta.area ? d->meta.area : "");
			cb_buf_putc(&b, ',');
			S_str(&b, d->meta.summary ? d->meta.summary : "");
			cb_buf_putc(&b, ',');
			S_str(&b, d->path);
			cb_buf_putc(&b, ',');
			char *text = cb_doc_text(s, d);
			S_str(&b, text);
			free(text);
			cb_buf_putc(&b, ']');
		}
		cb_buf_puts(&b, "]);\n");
		char *path = cb_xasprintf("search/d-%zu.js", k);
		rc = S_put(w, path, &b, st, err);
		free(path);
	}
	cb_buf_free(&b);
	return rc;
}

int cb_shards_write(const cb_site *site, const cb_postings *p, cb_writer *w, cb_shard_stats *st,
		    cb_error *err)
{
	memset(st, 0, sizeof *st);
	S_term **sorted = cb_xmalloc((p->nterms ? p->nterms : 1) * sizeof *sorted);
	if (p->nterms) {
		memcpy(sorted, p->terms, p->nterms * sizeof *sorted);
		qsort(sorted, p->nterms, sizeof *sorted, S_term_cmp);
	}
	st->terms = p->nterms;

	cb_strv bounds = CB_STRV_INIT;
	cb_buf b = CB_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->nterms; i++) {
		const S_term *t = sorted[i];
		if (b.len == 0) {
			cb_strv_push(&bounds, t->text);
			cb_buf_printf(&b, "CBS.shard(%zu,{", bounds.n - 1);
		} else {
			cb_buf_puts(&b, ",\n");
		}
		S_str(&b, t->text);
		cb_buf_puts(&b, ":[");
		cb_buf_put(&b, t->enc.data, t->enc.len - 1); /* without the last comma */
		cb_buf_putc(&b, ']');
		if (b.len >= CB_SHARD_TARGET || i + 1 == p->nterms) {
			cb_buf_puts(&b, "});\n");
			char *path = cb_xasprintf("search/t-%zu.js", bounds.n - 1);
			rc = S_put(w, path, &b, st, err);
			free(path);
		}
	}
	st->shards = bounds.n;
	cb_buf_free(&b);
	free(sorted);
	if (rc == 0)
		rc = S_write_meta(site, p, &bounds, w, st, err);
	if (rc == 0)
		rc = S_write_docs(site, w, st, err);
	cb_strv_free(&bounds);
	return rc;
}
