/* postings: see postings.h. */
#define _GNU_SOURCE
#include "postings.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A term's entries in the current run are kept in a chain of chunks of
 * the arena: each chunk starts with the offset of the next one (4 bytes),
 * the first is S_CHUNK_MIN bytes and each next one twice the size of the
 * previous, up to S_CHUNK_MAX. Most terms are rare, so most chains are one
 * small chunk. */
#define S_CHUNK_MIN 16u
#define S_CHUNK_MAX 2048u
/* Bytes read or written at once in the temporary file. */
#define S_IO 65536u
/* An upper bound on the arena (its offsets are 32-bit). */
#define S_BUDGET_MAX (1u << 30)

typedef struct S_term {
	uint32_t name;		     /* offset of its text (NUL-terminated) in names */
	uint32_t len;		     /* its length */
	uint32_t stamp;		     /* the column first, last and count are of */
	uint32_t first, last, count; /* its tokens there: first and last index, chained by next */
	int32_t last_doc;	     /* document of its last entry; -1 before the first */
	uint32_t entries;	     /* its entries in the current run */
	uint32_t head, tail;	     /* their chunks: arena offsets of the first and the last */
	uint32_t used, size;	     /* bytes used of the last chunk, and its size */
} S_term;

/* A hash table slot: a term (index + 1; 0 for none) and its hash. */
typedef struct S_slot {
	uint32_t hash, term;
} S_slot;

/* A run, in the temporary file (mem NULL) or in memory: for each of its
 * terms in byte order, the term's index and its count of entries, then the
 * entries; all variable-length integers. */
typedef struct S_run {
	uint64_t off, len;  /* where it is in the file */
	unsigned char *mem; /* or its bytes (owned) */
	/* reading back */
	unsigned char *buf;		/* S_IO bytes of the file */
	const unsigned char *cur, *end; /* bytes at hand */
	uint64_t pos;			/* file offset of the next bytes to read */
	uint32_t term, entries;		/* the term at hand (UINT32_MAX after the last) */
} S_run;

struct cb_postings {
	S_term *terms;
	size_t nterms, capterms;
	S_slot *slots;
	size_t cap; /* a power of two */
	char *names;
	size_t nnames, capnames;
	/* the column being added */
	int doc, col;
	uint32_t stamp, pos;
	uint32_t *next; /* for each token of the column, the next one of its term */
	size_t capnext;
	uint32_t *touched; /* its terms, in first-seen order */
	size_t ntouched, captouched;
	unsigned char *scratch; /* one entry, before it goes into its term's chunks */
	size_t capscratch;
	long *doclen;
	size_t ndoclen;
	cb_buf *keep;	  /* columns kept (cb_postings_keep), or NULL */
	char (*keys)[33]; /* documents' keys ("": not known) */
	size_t nkeys;
	cb_postings_point *points; /* learning points' spans, in order */
	size_t npoints, cappoints;
	/* the current run */
	unsigned char *arena;
	size_t alen, acap, budget;
	/* runs spilled, and how */
	char *dir;
	int fd;	       /* -1: none yet */
	bool no_file;  /* no file can be made or written: runs stay in memory */
	uint64_t fend; /* bytes in the file */
	S_run *runs;
	size_t nruns, nfile;
	cb_buf out; /* a run being written */
	/* terms in byte order: order[0 .. nsorted) */
	uint32_t *order;
	size_t nsorted;
	/* reading back */
	bool finished, reading;
	uint32_t *name_of; /* each term's offset in names, once terms is freed */
	size_t at;
};

cb_postings *cb_postings_new(void)
{
	cb_postings *p = cb_xcalloc(1, sizeof *p);
	p->cap = 1 << 14;
	p->slots = cb_xcalloc(p->cap, sizeof *p->slots);
	p->budget = CB_POSTINGS_BUDGET;
	p->fd = -1;
	return p;
}

void cb_postings_free(cb_postings *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	for (size_t i = 0; i < p->nruns; i++) {
		free(p->runs[i].mem);
		free(p->runs[i].buf);
	}
	free(p->runs);
	free(p->terms);
	free(p->slots);
	free(p->names);
	free(p->next);
	free(p->touched);
	free(p->scratch);
	free(p->doclen);
	free(p->keys);
	free(p->points);
	free(p->arena);
	free(p->dir);
	cb_buf_free(&p->out);
	free(p->order);
	free(p->name_of);
	free(p);
}

void cb_postings_set_budget(cb_postings *p, size_t budget, const char *dir)
{
	p->budget = budget < 1 ? 1 : budget > S_BUDGET_MAX ? S_BUDGET_MAX : budget;
	free(p->dir);
	p->dir = dir ? cb_xstrdup(dir) : NULL;
}

size_t cb_postings_nterms(const cb_postings *p)
{
	return p->nterms;
}

size_t cb_postings_spilled(const cb_postings *p)
{
	return p->nfile;
}

long cb_postings_doc_len(const cb_postings *p, int doc)
{
	return doc >= 0 && (size_t)doc < p->ndoclen ? p->doclen[doc] : 0;
}

void cb_postings_set_doc_key(cb_postings *p, int doc, const char *hex)
{
	if (doc < 0 || strlen(hex) != 32)
		return;
	if ((size_t)doc >= p->nkeys) {
		size_t n = (size_t)doc + 1 > p->nkeys * 2 ? (size_t)doc + 1 : p->nkeys * 2;
		p->keys = cb_xrealloc(p->keys, n * sizeof *p->keys);
		memset(p->keys + p->nkeys, 0, (n - p->nkeys) * sizeof *p->keys);
		p->nkeys = n;
	}
	memcpy(p->keys[doc], hex, 33);
}

const char *cb_postings_doc_key(const cb_postings *p, int doc)
{
	return doc >= 0 && (size_t)doc < p->nkeys && p->keys[doc][0] ? p->keys[doc] : NULL;
}

/* ---- adding ---- */

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

/* A hash of a token, eight bytes at a time (tokens are short: the last
 * bytes are read as two overlapping words, not one by one). */
static uint32_t S_hash(const unsigned char *s, size_t n)
{
	const uint64_t k = 0x9E3779B97F4A7C15ULL;
	uint64_t h = k ^ n, w;
	while (n > 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 31;
		s += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else {
		w = n ? (uint64_t)s[0] << 16 | (uint64_t)s[n / 2] << 8 | s[n - 1] : 0;
	}
	h = (h ^ w) * k;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	return (uint32_t)(h >> 32);
}

/* Whether a[0..n) and b[0..n) are the same, a word at a time (memcmp is
 * a call, and this runs for every token). */
static inline bool S_same(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	while (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
		a += 8;
		b += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t x1, y1, x2, y2;
		memcpy(&x1, a, 4);
		memcpy(&y1, b, 4);
		memcpy(&x2, a + n - 4, 4);
		memcpy(&y2, b + n - 4, 4);
		return x1 == y1 && x2 == y2;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void S_grow_table(cb_postings *p)
{
	size_t cap = p->cap * 2;
	S_slot *slots = cb_xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < p->cap; i++) {
		if (!p->slots[i].term)
			continue;
		size_t k = p->slots[i].hash & (cap - 1);
		while (slots[k].term)
			k = (k + 1) & (cap - 1);
		slots[k] = p->slots[i];
	}
	free(p->slots);
	p->slots = slots;
	p->cap = cap;
}

static uint32_t S_new_term(cb_postings *p, const char *tok, size_t len)
{
	if (p->nterms == p->capterms) {
		p->capterms = p->capterms ? p->capterms * 2 : 1024;
		p->terms = cb_xrealloc(p->terms, p->capterms * sizeof *p->terms);
	}
	if (p->nnames + len + 1 > p->capnames) {
		size_t cap = p->capnames ? p->capnames : 65536;
		while (cap < p->nnames + len + 1)
			cap *= 2;
		p->names = cb_xrealloc(p->names, cap);
		p->capnames = cap;
	}
	S_term *t = &p->terms[p->nterms];
	memset(t, 0, sizeof *t);
	t->name = (uint32_t)p->nnames;
	t->len = (uint32_t)len;
	t->last_doc = -1;
	memcpy(p->names + p->nnames, tok, len);
	p->names[p->nnames + len] = '\0';
	p->nnames += len + 1;
	return (uint32_t)p->nterms++;
}

/* The term tok[0..n), added to the table when it is new. */
static uint32_t S_lookup(cb_postings *p, const char *tok, size_t n)
{
	uint32_t h = S_hash((const unsigned char *)tok, n);
	size_t k = h & (p->cap - 1);
	for (;;) {
		S_slot *sl = &p->slots[k];
		if (!sl->term) {
			uint32_t id = S_new_term(p, tok, n);
			sl->hash = h;
			sl->term = id + 1;
			if (p->nterms * 2 > p->cap)
				S_grow_table(p);
			return id;
		}
		if (sl->hash == h) {
			const S_term *t = &p->terms[sl->term - 1];
			if (t->len == n && S_same(p->names + t->name, tok, n))
				return sl->term - 1;
		}
		k = (k + 1) & (p->cap - 1);
	}
}

void cb_postings_add(cb_postings *p, const char *tok, int len)
{
	uint32_t id = S_lookup(p, tok, len > 0 ? (size_t)len : 0);
	if (p->pos == p->capnext) {
		p->capnext = p->capnext ? p->capnext * 2 : 4096;
		p->next = cb_xrealloc(p->next, p->capnext * sizeof *p->next);
	}
	S_term *t = &p->terms[id];
	if (t->stamp != p->stamp) {
		t->stamp = p->stamp;
		t->first = p->pos;
		t->count = 0;
		if (p->ntouched == p->captouched) {
			p->captouched = p->captouched ? p->captouched * 2 : 1024;
			p->touched = cb_xrealloc(p->touched, p->captouched * sizeof *p->touched);
		}
		p->touched[p->ntouched++] = id;
	} else {
		p->next[t->last] = p->pos;
	}
	t->last = p->pos++;
	t->count++;
}

static unsigned char *S_put_varint(unsigned char *q, uint32_t v)
{
	while (v >= 0x80) {
		*q++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*q++ = (unsigned char)v;
	return q;
}

/* A new chunk of size bytes in the arena; its offset. */
static uint32_t S_chunk(cb_postings *p, uint32_t size)
{
	if (p->alen + size > p->acap) {
		/* Doubling, but not past the budget (the arena is spilled when
		 * it reaches it); past it only as far as one column needs. */
		size_t cap = p->acap ? p->acap * 2 : 65536;
		if (cap > p->budget)
			cap = p->budget;
		if (cap < p->alen + size)
			cap = p->alen + size + 65536;
		p->arena = cb_xrealloc(p->arena, cap);
		p->acap = cap;
	}
	uint32_t off = (uint32_t)p->alen;
	p->alen += size;
	return off;
}

/* Appends n bytes to a term's entries in the current run. */
static void S_term_put(cb_postings *p, S_term *t, const unsigned char *s, size_t n)
{
	/* Usually the entry is a few bytes that fit in the last chunk. */
	if (t->entries && n <= t->size - t->used) {
		unsigned char *d = p->arena + t->tail + t->used;
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
		t->used += (uint32_t)n;
		return;
	}
	if (t->entries == 0) {
		t->head = t->tail = S_chunk(p, S_CHUNK_MIN);
		t->size = S_CHUNK_MIN;
		t->used = 4;
	}
	while (n) {
		if (t->used == t->size) {
			uint32_t size = t->size < S_CHUNK_MAX ? t->size * 2 : S_CHUNK_MAX;
			uint32_t c = S_chunk(p, size);
			memcpy(p->arena + t->tail, &c, 4);
			t->tail = c;
			t->size = size;
			t->used = 4;
		}
		size_t k = t->size - t->used < n ? t->size - t->used : n;
		memcpy(p->arena + t->tail + t->used, s, k);
		t->used += (uint32_t)k;
		s += k;
		n -= k;
	}
}

static void S_end_run(cb_postings *p, bool to_file);

/* Appends a number to the kept columns. */
static void S_keep_num(cb_buf *b, uint32_t v)
{
	cb_buf_grow(b, 5);
	b->len = (size_t)(S_put_varint((unsigned char *)b->data + b->len, v) - (unsigned char *)b->data);
}

/* Adds an entry of term t: doc and col as the current column's, count
 * positions whose differences are the bytes pos[0..npos). */
static void S_entry(cb_postings *p, S_term *t, uint32_t count, const unsigned char *pos, size_t npos)
{
	unsigned char head[10], *q = head;
	q = S_put_varint(q, (uint32_t)(t->last_doc < 0 ? p->doc : p->doc - t->last_doc));
	q = S_put_varint(q, count << 2 | ((uint32_t)p->col & 3));
	/* Counted before the positions go in: they follow the head in the
	 * same chain (S_term_put starts a new chain for a term without). */
	S_term_put(p, t, head, (size_t)(q - head));
	t->entries++;
	S_term_put(p, t, pos, npos);
	t->last_doc = p->doc;
}

void cb_postings_end_column(cb_postings *p)
{
	p->doclen[p->doc] += p->pos;
	if (p->keep) {
		S_keep_num(p->keep, p->pos);
		S_keep_num(p->keep, (uint32_t)p->ntouched);
	}
	for (size_t i = 0; i < p->ntouched; i++) {
		S_term *t = &p->terms[p->touched[i]];
		size_t need = ((size_t)t->count + 2) * 5;
		if (need > p->capscratch) {
			p->capscratch = need * 2;
			p->scratch = cb_xrealloc(p->scratch, p->capscratch);
		}
		unsigned char *q = p->scratch;
		uint32_t prev = 0, k = t->first;
		for (uint32_t j = 0; j < t->count; j++) {
			q = S_put_varint(q, k - prev);
			prev = k;
			if (j + 1 < t->count)
				k = p->next[k];
		}
		size_t npos = (size_t)(q - p->scratch);
		S_entry(p, t, t->count, p->scratch, npos);
		if (p->keep) {
			S_keep_num(p->keep, t->len);
			cb_buf_put(p->keep, p->names + t->name, t->len);
			S_keep_num(p->keep, t->count);
			cb_buf_put(p->keep, (const char *)p->scratch, npos);
		}
	}
	p->ntouched = 0;
	if (p->alen >= p->budget)
		S_end_run(p, true);
}

void cb_postings_keep(cb_postings *p, cb_buf *keep)
{
	p->keep = keep;
}

static bool S_get(const unsigned char **q, const unsigned char *end, uint32_t *v)
{
	uint32_t x = 0;
	for (int shift = 0; *q < end && shift < 35; shift += 7) {
		unsigned c = *(*q)++;
		x |= (uint32_t)(c & 0x7F) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

int cb_postings_replay_column(cb_postings *p, int doc, int col, const unsigned char **at,
			      const unsigned char *end)
{
	const unsigned char *q = *at;
	uint32_t ntok, nterms;
	cb_postings_begin_column(p, doc, col);
	if (!S_get(&q, end, &ntok) || !S_get(&q, end, &nterms))
		return -1;
	for (uint32_t i = 0; i < nterms; i++) {
		uint32_t len, count;
		if (!S_get(&q, end, &len) || (size_t)(end - q) < len)
			return -1;
		const char *tok = (const char *)q;
		q += len;
		if (!S_get(&q, end, &count))
			return -1;
		/* The positions' bytes: count numbers, each ending with a
		 * byte below 0x80. */
		const unsigned char *pos = q;
		for (uint32_t k = 0; k < count; k++) {
			while (q < end && *q >= 0x80)
				q++;
			if (q == end)
				return -1;
			q++;
		}
		/* The lookup may move the terms: it goes first. */
		uint32_t id = S_lookup(p, tok, len);
		S_entry(p, &p->terms[id], count, pos, (size_t)(q - pos));
	}
	p->doclen[doc] += ntok;
	*at = q;
	if (p->alen >= p->budget)
		S_end_run(p, true);
	return 0;
}

/* ---- runs ---- */

typedef struct S_named {
	const char *name;
	uint32_t term;
} S_named;

static int S_named_cmp(const void *a, const void *b)
{
	return strcmp(((const S_named *)a)->name, ((const S_named *)b)->name);
}

/* Brings order up to every term: the new ones sorted, then merged in. */
static void S_sort_terms(cb_postings *p)
{
	size_t nnew = p->nterms - p->nsorted;
	if (!nnew)
		return;
	S_named *v = cb_xmalloc(nnew * sizeof *v);
	for (size_t i = 0; i < nnew; i++) {
		v[i].term = (uint32_t)(p->nsorted + i);
		v[i].name = p->names + p->terms[v[i].term].name;
	}
	qsort(v, nnew, sizeof *v, S_named_cmp);
	uint32_t *order = cb_xmalloc(p->nterms * sizeof *order);
	size_t i = 0, j = 0, k = 0;
	while (i < p->nsorted && j < nnew) {
		if (strcmp(p->names + p->terms[p->order[i]].name, v[j].name) < 0)
			order[k++] = p->order[i++];
		else
			order[k++] = v[j++].term;
	}
	while (i < p->nsorted)
		order[k++] = p->order[i++];
	while (j < nnew)
		order[k++] = v[j++].term;
	free(v);
	free(p->order);
	p->order = order;
	p->nsorted = p->nterms;
}

static int S_write_all(int fd, const char *s, size_t n, uint64_t off)
{
	while (n) {
		ssize_t k = pwrite(fd, s, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		s += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* Writes the current run in p->out, and into the file (at off, as it
 * goes) when fd >= 0. Returns 0, or -1 when the file cannot be written. */
static int S_emit(cb_postings *p, int fd, uint64_t off, uint64_t *len)
{
	cb_buf *o = &p->out;
	cb_buf_clear(o);
	*len = 0;
	for (size_t i = 0; i < p->nsorted; i++) {
		uint32_t id = p->order[i];
		const S_term *t = &p->terms[id];
		if (!t->entries)
			continue;
		cb_buf_grow(o, 10);
		unsigned char *q = (unsigned char *)o->data + o->len;
		q = S_put_varint(q, id);
		q = S_put_varint(q, t->entries);
		o->len = (size_t)(q - (unsigned char *)o->data);
		uint32_t c = t->head, size = S_CHUNK_MIN;
		for (;;) {
			uint32_t n = c == t->tail ? t->used : size;
			cb_buf_put(o, (const char *)p->arena + c + 4, n - 4);
			/* Written as it goes, so that a frequent term's
			 * entries are never all in this buffer at once. */
			if (fd >= 0 && o->len >= S_IO) {
				if (S_write_all(fd, o->data, o->len, off + *len) != 0)
					return -1;
				*len += o->len;
				cb_buf_clear(o);
			}
			if (c == t->tail)
				break;
			memcpy(&c, p->arena + c, 4);
			size = size < S_CHUNK_MAX ? size * 2 : S_CHUNK_MAX;
		}
	}
	if (fd >= 0 && o->len) {
		if (S_write_all(fd, o->data, o->len, off + *len) != 0)
			return -1;
		*len += o->len;
		cb_buf_clear(o);
	}
	return 0;
}

/* Moves the current run out of the arena: into the temporary file, or
 * (at the end, or with no file) into memory. */
static void S_end_run(cb_postings *p, bool to_file)
{
	S_sort_terms(p);
	p->runs = cb_xrealloc(p->runs, (p->nruns + 1) * sizeof *p->runs);
	S_run *r = &p->runs[p->nruns];
	memset(r, 0, sizeof *r);
	if (to_file && !p->no_file && p->fd < 0) {
		const char *dir = p->dir;
		if (!dir) {
			dir = getenv("TMPDIR");
			if (!dir || !dir[0])
				dir = "/tmp";
		}
		p->fd = cb_file_anon(dir, "casebook-postings");
		p->no_file = p->fd < 0;
	}
	bool file = to_file && !p->no_file;
	if (file && S_emit(p, p->fd, p->fend, &r->len) == 0) {
		r->off = p->fend;
		p->fend += r->len;
		p->nfile++;
	} else {
		/* What the file could not take stays in memory: later runs too. */
		if (file)
			p->no_file = true;
		S_emit(p, -1, 0, &r->len);
		r->len = p->out.len;
		r->mem = (unsigned char *)cb_buf_detach(&p->out);
	}
	p->nruns++;
	for (size_t i = 0; i < p->nterms; i++)
		p->terms[i].entries = 0;
	p->alen = 0;
}

/* ---- reading back ---- */

/* More bytes of a run from the file. */
static int S_refill(cb_postings *p, S_run *r)
{
	uint64_t stop = r->off + r->len;
	if (r->mem || r->pos >= stop)
		return -1;
	size_t n = stop - r->pos < S_IO ? (size_t)(stop - r->pos) : S_IO;
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(p->fd, r->buf + got, n - got, (off_t)(r->pos + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	r->pos += n;
	r->cur = r->buf;
	r->end = r->buf + n;
	return 0;
}

static int S_read_varint_slow(cb_postings *p, S_run *r, uint32_t *v)
{
	uint32_t x = 0;
	for (int shift = 0; shift < 35; shift += 7) {
		if (r->cur == r->end && S_refill(p, r) != 0)
			return -1;
		unsigned c = *r->cur++;
		x |= (uint32_t)(c & 0x7F) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* Most numbers here are one byte, and most others two. */
static inline int S_read_varint(cb_postings *p, S_run *r, uint32_t *v)
{
	const unsigned char *c = r->cur;
	if (c < r->end && *c < 0x80) {
		*v = *c;
		r->cur = c + 1;
		return 0;
	}
	if (r->end - c >= 2 && c[1] < 0x80) {
		*v = (uint32_t)(c[0] & 0x7F) | (uint32_t)c[1] << 7;
		r->cur = c + 2;
		return 0;
	}
	return S_read_varint_slow(p, r, v);
}

/* The run's next term and its count of entries. */
static int S_read_head(cb_postings *p, S_run *r)
{
	if (r->cur == r->end && (r->mem || r->pos >= r->off + r->len)) {
		r->term = UINT32_MAX;
		return 0;
	}
	if (S_read_varint(p, r, &r->term) || S_read_varint(p, r, &r->entries))
		return -1;
	return 0;
}

/* Appends the run's entries of the term at hand as text. The positions
 * are read through local pointers, so that writing the text (through a
 * char pointer, which may alias anything) does not reload them. */
static int S_read_entries(cb_postings *p, S_run *r, cb_buf *list)
{
	for (uint32_t e = 0; e < r->entries; e++) {
		uint32_t delta, cc;
		if (S_read_varint(p, r, &delta) || S_read_varint(p, r, &cc))
			return -1;
		uint32_t n = cc >> 2;
		cb_buf_grow(list, ((size_t)n + 3) * 11);
		char *d = list->data + list->len;
		if (list->len)
			*d++ = ',';
		d = cb_dec(d, delta);
		*d++ = ',';
		d = cb_dec(d, cc & 3);
		*d++ = ',';
		d = cb_dec(d, n);
		const unsigned char *c = r->cur, *end = r->end;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t v;
			if (c < end && *c < 0x80) {
				v = *c++;
			} else if (end - c >= 2 && c[1] < 0x80) {
				v = (uint32_t)(c[0] & 0x7F) | (uint32_t)c[1] << 7;
				c += 2;
			} else {
				r->cur = c;
				if (S_read_varint_slow(p, r, &v))
					return -1;
				c = r->cur;
				end = r->end;
			}
			*d++ = ',';
			d = cb_dec(d, v);
		}
		r->cur = c;
		list->len = (size_t)(d - list->data);
	}
	if (list->data)
		list->data[list->len] = '\0';
	return 0;
}

void cb_postings_finish(cb_postings *p)
{
	if (p->finished)
		return;
	p->finished = true;
	/* A large last run goes to the file like the others; a small one
	 * (all of a small site's postings) is kept in memory. */
	S_end_run(p, p->alen >= p->budget / 4);
	p->name_of = cb_xmalloc((p->nterms ? p->nterms : 1) * sizeof *p->name_of);
	for (size_t i = 0; i < p->nterms; i++)
		p->name_of[i] = p->terms[i].name;
	/* Everything else was only for adding. */
	free(p->terms);
	p->terms = NULL;
	free(p->slots);
	p->slots = NULL;
	free(p->arena);
	p->arena = NULL;
	p->alen = p->acap = 0;
	free(p->next);
	p->next = NULL;
	free(p->touched);
	p->touched = NULL;
	free(p->scratch);
	p->scratch = NULL;
	cb_buf_free(&p->out);
}

static int S_start_reading(cb_postings *p)
{
	cb_postings_finish(p);
	p->reading = true;
	for (size_t i = 0; i < p->nruns; i++) {
		S_run *r = &p->runs[i];
		if (r->mem) {
			r->cur = r->mem;
			r->end = r->mem + r->len;
		} else {
			r->buf = cb_xmalloc(S_IO);
			r->pos = r->off;
			r->cur = r->end = r->buf;
		}
		if (S_read_head(p, r) != 0)
			return -1;
	}
	return 0;
}

int cb_postings_next(cb_postings *p, const char **term, cb_buf *list, cb_error *err)
{
	*term = NULL;
	cb_buf_clear(list);
	errno = 0;
	if (!p->reading && S_start_reading(p) != 0)
		goto fail;
	if (p->at >= p->nsorted)
		return 0;
	uint32_t id = p->order[p->at++];
	for (size_t i = 0; i < p->nruns; i++) {
		S_run *r = &p->runs[i];
		if (r->term != id)
			continue;
		if (S_read_entries(p, r, list) != 0 || S_read_head(p, r) != 0)
			goto fail;
	}
	*term = p->names + p->name_of[id];
	return 1;
fail:
	cb_error_set(err, NULL, 0, 0, "cannot read back the search index's temporary file: %s",
		     errno ? strerror(errno) : "it is shorter than written");
	return -1;
}

void cb_postings_add_point(cb_postings *p, const cb_postings_point *pt)
{
	if (p->npoints == p->cappoints) {
		p->cappoints = p->cappoints ? p->cappoints * 2 : 64;
		p->points = cb_xrealloc(p->points, p->cappoints * sizeof *p->points);
	}
	p->points[p->npoints++] = *pt;
}

const cb_postings_point *cb_postings_points(const cb_postings *p, size_t *n)
{
	*n = p->npoints;
	return p->points;
}
