/* pool: see pool.h. */
#define _GNU_SOURCE /* mremap */
#include "pool.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

enum {
	S_SMALL_STEP = 16,
	S_SMALL_MAX = 256,    /* classes 0..15: 16, 32, …, 256 bytes */
	S_MEDIUM_MAX = 65536, /* then four classes per power of two */
	S_NCLASSES = 16 + 8 * 4,
	S_CHUNK = 1 << 20,
	S_HEADER = 32, /* before a large block: its list links and length */
	S_SPARES = 8   /* freed large mappings a pool keeps */
};

/* A large block's mapping starts with this. */
typedef struct S_large {
	struct S_large *prev, *next;
	size_t len; /* of the whole mapping */
} S_large;

/* A chunk's first bytes link it to the next. */
typedef struct S_chunk {
	struct S_chunk *next;
} S_chunk;

struct cb_pool {
	void *free[S_NCLASSES]; /* each free block holds the next one's address */
	S_chunk *chunks;
	char *bump, *end; /* the unused rest of the newest chunk */
	S_large *large;
	S_large *spare; /* freed large mappings kept for reuse (next-linked) */
	size_t nspare;
	size_t mapped;
};

_Static_assert(sizeof(S_large) <= S_HEADER, "a large block's header fits");

/* The class of a block of n bytes (1 <= n <= S_MEDIUM_MAX). */
static int S_class(size_t n)
{
	if (n <= S_SMALL_MAX)
		return (int)((n + S_SMALL_STEP - 1) / S_SMALL_STEP) - 1;
	/* n in (2^k, 2^(k+1)], k from 8 to 15, cut in four steps of 2^k / 4. */
	int k = 63 - __builtin_clzll((unsigned long long)(n - 1));
	size_t step = (size_t)1 << (k - 2);
	int j = (int)((n - ((size_t)1 << k) + step - 1) / step); /* 1..4 */
	return 16 + (k - 8) * 4 + (j - 1);
}

static size_t S_class_size(int c)
{
	if (c < 16)
		return (size_t)(c + 1) * S_SMALL_STEP;
	int k = 8 + (c - 16) / 4, j = (c - 16) % 4 + 1;
	return ((size_t)1 << k) + (size_t)j * ((size_t)1 << (k - 2));
}

static void *S_map(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

cb_pool *cb_pool_new(void)
{
	return cb_xcalloc(1, sizeof(cb_pool));
}

void cb_pool_free(cb_pool *p)
{
	if (!p)
		return;
	for (S_chunk *c = p->chunks, *next; c; c = next) {
		next = c->next;
		munmap(c, S_CHUNK);
	}
	for (S_large *l = p->large, *next; l; l = next) {
		next = l->next;
		munmap(l, l->len);
	}
	for (S_large *l = p->spare, *next; l; l = next) {
		next = l->next;
		munmap(l, l->len);
	}
	free(p);
}

size_t cb_pool_mapped(const cb_pool *p)
{
	return p->mapped;
}

static void *S_small_alloc(cb_pool *p, int c)
{
	void *b = p->free[c];
	if (b) {
		memcpy(&p->free[c], b, sizeof(void *));
		return b;
	}
	size_t n = S_class_size(c);
	if ((size_t)(p->end - p->bump) < n) {
		/* The rest of the chunk (less than one block of this class) is
		 * left unused. */
		S_chunk *ch = S_map(S_CHUNK);
		if (!ch)
			return NULL;
		ch->next = p->chunks;
		p->chunks = ch;
		p->mapped += S_CHUNK;
		p->bump = (char *)ch + S_SMALL_STEP;
		p->end = (char *)ch + S_CHUNK;
	}
	b = p->bump;
	p->bump += n;
	return b;
}

static void S_small_free(cb_pool *p, void *b, int c)
{
	memcpy(b, &p->free[c], sizeof(void *));
	p->free[c] = b;
}

static size_t S_large_len(size_t n)
{
	size_t page = 4096;
	return (n + S_HEADER + page - 1) / page * page;
}

/* A spare mapping for len bytes: the smallest that holds them without
 * wasting half, else the largest made to fit (its pages are already
 * there), else NULL. Taken off the spare list. */
static S_large *S_spare(cb_pool *p, size_t len)
{
	S_large **best = NULL, **largest = NULL;
	for (S_large **at = &p->spare; *at; at = &(*at)->next) {
		size_t have = (*at)->len;
		if (have >= len && have / 2 <= len && (!best || have < (*best)->len))
			best = at;
		if (!largest || have > (*largest)->len)
			largest = at;
	}
	S_large **pick = best ? best : largest;
	if (!pick)
		return NULL;
	S_large *l = *pick;
	*pick = l->next;
	p->nspare--;
	if (l->len != len && !best) {
		size_t had = l->len;
		S_large *m = mremap(l, had, len, MREMAP_MAYMOVE);
		if (m == MAP_FAILED) {
			p->mapped -= had;
			munmap(l, had);
			return NULL;
		}
		p->mapped = p->mapped - had + len;
		m->len = len;
		l = m;
	}
	return l;
}

static void *S_large_alloc(cb_pool *p, size_t n)
{
	size_t len = S_large_len(n);
	S_large *l = S_spare(p, len);
	if (!l) {
		l = S_map(len);
		if (!l)
			return NULL;
		l->len = len;
		p->mapped += len;
	}
	l->prev = NULL;
	l->next = p->large;
	if (p->large)
		p->large->prev = l;
	p->large = l;
	return (char *)l + S_HEADER;
}

static S_large *S_large_of(void *b)
{
	return (S_large *)((char *)b - S_HEADER);
}

static void S_large_free(cb_pool *p, void *b)
{
	S_large *l = S_large_of(b);
	if (l->prev)
		l->prev->next = l->next;
	else
		p->large = l->next;
	if (l->next)
		l->next->prev = l->prev;
	/* A plugin that builds large strings over and over would otherwise
	 * map and fault in fresh pages each time. */
	if (p->nspare < S_SPARES) {
		l->next = p->spare;
		p->spare = l;
		p->nspare++;
		return;
	}
	p->mapped -= l->len;
	munmap(l, l->len);
}

/* A large block resized within the large sizes: the mapping grows or
 * shrinks, moving if it must, and its neighbours are told where it went. */
static void *S_large_resize(cb_pool *p, void *b, size_t n)
{
	S_large *l = S_large_of(b);
	size_t len = S_large_len(n);
	if (len == l->len)
		return b;
	S_large *m = mremap(l, l->len, len, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		return len < l->len ? b : NULL; /* a smaller size fits where it is */
	p->mapped = p->mapped - m->len + len;
	m->len = len;
	if (m->prev)
		m->prev->next = m;
	else
		p->large = m;
	if (m->next)
		m->next->prev = m;
	return (char *)m + S_HEADER;
}

static void *S_alloc(cb_pool *p, size_t n)
{
	return n > S_MEDIUM_MAX ? S_large_alloc(p, n) : S_small_alloc(p, S_class(n));
}

static void S_free(cb_pool *p, void *b, size_t n)
{
	if (n > S_MEDIUM_MAX)
		S_large_free(p, b);
	else
		S_small_free(p, b, S_class(n));
}

void *cb_pool_realloc(cb_pool *p, void *ptr, size_t old, size_t size)
{
	if (!ptr)
		return size ? S_alloc(p, size) : NULL;
	if (size == 0) {
		S_free(p, ptr, old);
		return NULL;
	}
	bool old_large = old > S_MEDIUM_MAX, new_large = size > S_MEDIUM_MAX;
	if (old_large && new_large)
		return S_large_resize(p, ptr, size);
	if (!old_large && !new_large && S_class(old) == S_class(size))
		return ptr;
	void *q = S_alloc(p, size);
	if (!q) {
		/* Lua counts on a block never failing to shrink: a smaller
		 * size fits where it is. */
		if (size < old)
			return ptr;
		return NULL;
	}
	memcpy(q, ptr, old < size ? old : size);
	S_free(p, ptr, old);
	return q;
}
