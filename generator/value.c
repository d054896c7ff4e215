/* value: see value.h. */
#include "value.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Arena memory comes in chunks; the first is kept across resets. */
typedef struct S_chunk {
	struct S_chunk *next;
	size_t used, cap;
	max_align_t data[];
} S_chunk;

struct cb_value_arena {
	S_chunk *chunks; /* newest first */
	S_chunk *spare;	 /* chunks of S_CHUNK bytes kept by a reset for the next use */
	size_t nspare;
	cb_value **adopted; /* values made outside the arena, freed on reset */
	size_t nadopted, capadopted;
	char **strs; /* strings handed to arena values (cb_value_str_own), freed on reset */
	size_t nstrs, capstrs;
};

/* A reset keeps up to S_SPARE chunks (a megabyte): a thread making page
 * after page then asks malloc for no more memory once warm, where asking
 * for a chunk each time made glibc gather every small block freed since
 * (malloc_consolidate), a tenth of rendering the site. */
enum { S_CHUNK = 64 * 1024, S_SPARE = 16 };

static _Thread_local cb_value_arena *S_arena;

cb_value_arena *cb_value_arena_new(void)
{
	return cb_xcalloc(1, sizeof(cb_value_arena));
}

void cb_value_arena_reset(cb_value_arena *a)
{
	if (!a)
		return;
	/* Adopted values may themselves adopt nothing (they are not in the
	 * arena), so freeing them normally is complete. */
	for (size_t i = 0; i < a->nadopted; i++)
		cb_value_free(a->adopted[i]);
	a->nadopted = 0;
	for (size_t i = 0; i < a->nstrs; i++)
		free(a->strs[i]);
	a->nstrs = 0;
	while (a->chunks && a->chunks->next) {
		S_chunk *c = a->chunks;
		a->chunks = c->next;
		if (c->cap == S_CHUNK && a->nspare < S_SPARE) {
			c->next = a->spare;
			a->spare = c;
			a->nspare++;
		} else {
			free(c);
		}
	}
	if (a->chunks)
		a->chunks->used = 0;
}

void cb_value_arena_free(cb_value_arena *a)
{
	if (!a)
		return;
	cb_value_arena_reset(a);
	free(a->chunks);
	while (a->spare) {
		S_chunk *c = a->spare;
		a->spare = c->next;
		free(c);
	}
	free(a->adopted);
	free(a->strs);
	free(a);
}

cb_value_arena *cb_value_arena_use(cb_value_arena *a)
{
	cb_value_arena *prev = S_arena;
	S_arena = a;
	return prev;
}

/* n bytes from the thread's arena, aligned for any type. */
static void *S_alloc(size_t n)
{
	cb_value_arena *a = S_arena;
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	S_chunk *c = a->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > S_CHUNK / 2 ? n : S_CHUNK;
		if (cap == S_CHUNK && a->spare) {
			c = a->spare;
			a->spare = c->next;
			a->nspare--;
		} else {
			c = cb_xmalloc(sizeof *c + cap);
		}
		c->used = 0;
		c->cap = cap;
		if (a->chunks && n > S_CHUNK / 2) {
			/* A large block goes behind the current chunk, which
			 * keeps its free space. */
			c->next = a->chunks->next;
			a->chunks->next = c;
		} else {
			c->next = a->chunks;
			a->chunks = c;
		}
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *S_strndup(const char *s, size_t n)
{
	if (!S_arena)
		return cb_xstrndup(s, n);
	char *d = S_alloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Grows an array of pointers of a container to cap entries. */
static void *S_grow(const cb_value *owner, void *old, size_t n, size_t cap)
{
	if (!owner->in_arena)
		return cb_xrealloc(old, cap * sizeof(void *));
	if (!S_arena)
		abort(); /* an arena container changed outside its arena */
	void *p = S_alloc(cap * sizeof(void *));
	if (n)
		memcpy(p, old, n * sizeof(void *));
	return p;
}

/* An item joining container: one made outside the arena is adopted. */
static void S_adopt(const cb_value *container, cb_value *item)
{
	if (!container->in_arena || !item || item->in_arena)
		return;
	cb_value_arena *a = S_arena;
	if (!a)
		abort();
	if (a->nadopted == a->capadopted) {
		a->capadopted = a->capadopted ? a->capadopted * 2 : 16;
		a->adopted = cb_xrealloc(a->adopted, a->capadopted * sizeof *a->adopted);
	}
	a->adopted[a->nadopted++] = item;
}

static cb_value *S_new(cb_vtype t)
{
	cb_value *v;
	if (S_arena) {
		v = S_alloc(sizeof *v);
		memset(v, 0, sizeof *v);
		v->in_arena = true;
	} else {
		v = cb_xcalloc(1, sizeof *v);
	}
	v->type = t;
	return v;
}

cb_value *cb_value_null(void)
{
	return S_new(CB_V_NULL);
}

cb_value *cb_value_bool(bool b)
{
	cb_value *v = S_new(CB_V_BOOL);
	v->u.b = b;
	return v;
}

cb_value *cb_value_num(double n)
{
	cb_value *v = S_new(CB_V_NUM);
	v->u.num = n;
	return v;
}

cb_value *cb_value_strn(const char *s, size_t n)
{
	cb_value *v = S_new(CB_V_STR);
	v->u.str.s = S_strndup(s ? s : "", s ? n : 0);
	v->u.str.len = s ? n : 0;
	return v;
}

cb_value *cb_value_str_ref(const char *s, size_t n)
{
	if (!S_arena)
		return cb_value_strn(s, n);
	cb_value *v = S_new(CB_V_STR);
	/* Only read: nothing writes into the string of a value. */
	v->u.str.s = (char *)s;
	v->u.str.len = n;
	return v;
}

cb_value *cb_value_str(const char *s)
{
	return cb_value_strn(s, s ? strlen(s) : 0);
}

cb_value *cb_value_str_own(char *s)
{
	cb_value *v = S_new(CB_V_STR);
	if (!s) {
		v->u.str.s = S_strndup("", 0);
		return v;
	}
	v->u.str.s = s;
	v->u.str.len = strlen(s);
	cb_value_arena *a = S_arena;
	if (a) {
		/* Kept, not copied (a page's body is most of its bytes), and
		 * freed with the arena's values. */
		if (a->nstrs == a->capstrs) {
			a->capstrs = a->capstrs ? a->capstrs * 2 : 16;
			a->strs = cb_xrealloc(a->strs, a->capstrs * sizeof *a->strs);
		}
		a->strs[a->nstrs++] = s;
	}
	return v;
}

cb_value *cb_value_list(void)
{
	return S_new(CB_V_LIST);
}
cb_value *cb_value_map(void)
{
	return S_new(CB_V_MAP);
}

void cb_value_free(cb_value *v)
{
	if (!v || v->in_arena)
		return;
	switch (v->type) {
	case CB_V_STR: free(v->u.str.s); break;
	case CB_V_LIST:
		for (size_t i = 0; i < v->u.list.n; i++)
			cb_value_free(v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case CB_V_MAP:
		for (size_t i = 0; i < v->u.map.n; i++) {
			free(v->u.map.keys[i]);
			cb_value_free(v->u.map.vals[i]);
		}
		free(v->u.map.keys);
		free(v->u.map.vals);
		break;
	default: break;
	}
	free(v);
}

cb_value *cb_list_push(cb_value *list, cb_value *item)
{
	if (list->u.list.n == list->u.list.cap) {
		list->u.list.cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		list->u.list.items = S_grow(list, list->u.list.items, list->u.list.n, list->u.list.cap);
	}
	S_adopt(list, item);
	list->u.list.items[list->u.list.n++] = item;
	return item;
}

cb_value *cb_map_set(cb_value *map, const char *key, cb_value *v)
{
	/* Keys nearly always differ at their first byte: look at it before
	 * calling strcmp. */
	for (size_t i = 0; i < map->u.map.n; i++) {
		const char *k = map->u.map.keys[i];
		if (k[0] == key[0] && strcmp(k, key) == 0) {
			/* In an arena map the old value is freed by the reset
			 * (an adopted one is on the arena's list). */
			if (!map->in_arena)
				cb_value_free(map->u.map.vals[i]);
			S_adopt(map, v);
			map->u.map.vals[i] = v;
			return v;
		}
	}
	if (map->u.map.n == map->u.map.cap) {
		map->u.map.cap = map->u.map.cap ? map->u.map.cap * 2 : 8;
		map->u.map.keys = S_grow(map, map->u.map.keys, map->u.map.n, map->u.map.cap);
		map->u.map.vals = S_grow(map, map->u.map.vals, map->u.map.n, map->u.map.cap);
	}
	S_adopt(map, v);
	map->u.map.keys[map->u.map.n] = map->in_arena ? S_strndup(key, strlen(key)) : cb_xstrdup(key);
	map->u.map.vals[map->u.map.n++] = v;
	return v;
}

void cb_map_set_str(cb_value *map, const char *key, const char *s)
{
	cb_map_set(map, key, cb_value_str(s));
}
void cb_map_set_bool(cb_value *map, const char *key, bool b)
{
	cb_map_set(map, key, cb_value_bool(b));
}
void cb_map_set_num(cb_value *map, const char *key, double n)
{
	cb_map_set(map, key, cb_value_num(n));
}

cb_value *cb_map_lookup(const cb_value *map, const char *key)
{
	if (!map || map->type != CB_V_MAP)
		return NULL;
	for (size_t i = 0; i < map->u.map.n; i++) {
		const char *k = map->u.map.keys[i];
		if (k[0] == key[0] && strcmp(k, key) == 0)
			return map->u.map.vals[i];
	}
	return NULL;
}

size_t cb_value_len(const cb_value *v)
{
	if (!v)
		return 0;
	if (v->type == CB_V_LIST)
		return v->u.list.n;
	if (v->type == CB_V_MAP)
		return v->u.map.n;
	return 0;
}

cb_value *cb_list_at(const cb_value *list, size_t i)
{
	if (!list || list->type != CB_V_LIST || i >= list->u.list.n)
		return NULL;
	return list->u.list.items[i];
}

bool cb_value_truthy(const cb_value *v)
{
	if (!v)
		return false;
	switch (v->type) {
	case CB_V_NULL: return false;
	case CB_V_BOOL: return v->u.b;
	case CB_V_NUM: return v->u.num != 0;
	case CB_V_STR: return v->u.str.len > 0;
	case CB_V_LIST: return v->u.list.n > 0;
	case CB_V_MAP: return true;
	}
	return false;
}

cb_value *cb_value_copy(const cb_value *v)
{
	if (!v)
		return NULL;
	switch (v->type) {
	case CB_V_NULL: return cb_value_null();
	case CB_V_BOOL: return cb_value_bool(v->u.b);
	case CB_V_NUM: return cb_value_num(v->u.num);
	case CB_V_STR: return cb_value_strn(v->u.str.s, v->u.str.len);
	case CB_V_LIST: {
		cb_value *l = cb_value_list();
		for (size_t i = 0; i < v->u.list.n; i++)
			cb_list_push(l, cb_value_copy(v->u.list.items[i]));
		return l;
	}
	case CB_V_MAP: {
		cb_value *m = cb_value_map();
		for (size_t i = 0; i < v->u.map.n; i++)
			cb_map_set(m, v->u.map.keys[i], cb_value_copy(v->u.map.vals[i]));
		return m;
	}
	}
	return NULL;
}

/* ---- packed values (see value.h) ---- */

#include <math.h>
#include <stdint.h>

enum { S_P_NULL, S_P_FALSE, S_P_TRUE, S_P_INT, S_P_DOUBLE, S_P_STR, S_P_LIST, S_P_MAP };

static void S_wgrow(cb_vpack_writer *w, size_t n)
{
	if (w->cap - w->len >= n)
		return;
	size_t cap = w->cap ? w->cap : 256;
	while (cap - w->len < n)
		cap *= 2;
	w->buf = cb_xrealloc(w->buf, cap);
	w->cap = cap;
}

static void S_wbyte(cb_vpack_writer *w, unsigned char c)
{
	S_wgrow(w, 1);
	w->buf[w->len++] = c;
}

static void S_wvarint(cb_vpack_writer *w, uint64_t v)
{
	S_wgrow(w, 10);
	while (v >= 0x80) {
		w->buf[w->len++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	w->buf[w->len++] = (unsigned char)v;
}

static uint32_t S_khash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The slot of key (n bytes) in w's hash: where it is, or the free slot
 * where it would go. */
static size_t *S_kslot(const cb_vpack_writer *w, const char *key, size_t n)
{
	size_t mask = w->nslots - 1, i = S_khash(key, n) & mask;
	for (;; i = (i + 1) & mask) {
		size_t *slot = &w->slots[i];
		if (!*slot)
			return slot;
		const char *k = w->keys + (*slot - 1);
		if (strncmp(k, key, n) == 0 && k[n] == '\0')
			return slot;
	}
}

/* Makes room in w's hash for one more key. */
static void S_kgrow(cb_vpack_writer *w)
{
	if ((w->nkeys + 1) * 2 <= w->nslots)
		return;
	size_t *old = w->slots, nold = w->nslots;
	w->nslots = w->nslots ? w->nslots * 2 : 32;
	w->slots = cb_xcalloc(w->nslots, sizeof *w->slots);
	for (size_t i = 0; i < nold; i++)
		if (old[i]) {
			const char *k = w->keys + (old[i] - 1);
			*S_kslot(w, k, strlen(k)) = old[i];
		}
	free(old);
}

void cb_vpack_writer_reset(cb_vpack_writer *w, const cb_vpack *from)
{
	w->len = 0;
	w->keys_len = 0;
	w->nkeys = 0;
	/* A hash grown for one large pack is not cleared for every small
	 * one after it. */
	if (w->nslots > 256) {
		free(w->slots);
		w->slots = NULL;
		w->nslots = 0;
	} else if (w->slots) {
		memset(w->slots, 0, w->nslots * sizeof *w->slots);
	}
	if (!from || !from->keys_len)
		return;
	if (w->keys_cap < from->keys_len) {
		w->keys_cap = from->keys_len;
		w->keys = cb_xrealloc(w->keys, w->keys_cap);
	}
	memcpy(w->keys, from->data, from->keys_len);
	w->keys_len = from->keys_len;
	for (size_t off = 0; off < w->keys_len; off += strlen(w->keys + off) + 1) {
		S_kgrow(w);
		size_t *slot = S_kslot(w, w->keys + off, strlen(w->keys + off));
		if (!*slot) {
			*slot = off + 1;
			w->nkeys++;
		}
	}
}

void cb_vpack_writer_free(cb_vpack_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w->keys);
	free(w->slots);
	free(w->tmp);
	memset(w, 0, sizeof *w);
}

void cb_vpack_null(cb_vpack_writer *w)
{
	S_wbyte(w, S_P_NULL);
}
void cb_vpack_bool(cb_vpack_writer *w, bool b)
{
	S_wbyte(w, b ? S_P_TRUE : S_P_FALSE);
}

void cb_vpack_num(cb_vpack_writer *w, double n)
{
	/* Whole numbers (the counts and indices nearly all numbers are) take
	 * a byte or three; -0, fractions, infinities and NaN keep their bits. */
	if (n >= -9007199254740992.0 && n <= 9007199254740992.0 && (double)(int64_t)n == n &&
	    !(n == 0 && signbit(n))) {
		int64_t i = (int64_t)n;
		S_wbyte(w, S_P_INT);
		S_wvarint(w, ((uint64_t)i << 1) ^ (uint64_t)(i >> 63));
		return;
	}
	S_wgrow(w, 1 + sizeof n);
	w->buf[w->len++] = S_P_DOUBLE;
	memcpy(w->buf + w->len, &n, sizeof n);
	w->len += sizeof n;
}

void cb_vpack_str(cb_vpack_writer *w, const char *s, size_t n)
{
	S_wbyte(w, S_P_STR);
	S_wvarint(w, n);
	S_wgrow(w, n);
	if (n)
		memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void cb_vpack_list(cb_vpack_writer *w, size_t n)
{
	S_wbyte(w, S_P_LIST);
	S_wvarint(w, n);
}

void cb_vpack_map(cb_vpack_writer *w, size_t n)
{
	S_wbyte(w, S_P_MAP);
	S_wvarint(w, n);
}

void cb_vpack_key(cb_vpack_writer *w, const char *key)
{
	size_t n = strlen(key);
	S_kgrow(w);
	size_t *slot = S_kslot(w, key, n);
	if (!*slot) {
		if (w->keys_cap - w->keys_len < n + 1) {
			size_t cap = w->keys_cap ? w->keys_cap : 128;
			while (cap - w->keys_len < n + 1)
				cap *= 2;
			w->keys = cb_xrealloc(w->keys, cap);
			w->keys_cap = cap;
		}
		size_t off = w->keys_len;
		memcpy(w->keys + off, key, n + 1);
		w->keys_len += n + 1;
		*slot = off + 1;
		w->nkeys++;
	}
	S_wvarint(w, *slot - 1);
}

static int S_pack_tree(cb_vpack_writer *w, const cb_value *v, int depth)
{
	if (depth >= CB_VPACK_MAX_DEPTH)
		return -1;
	switch (v ? v->type : CB_V_NULL) {
	case CB_V_NULL: cb_vpack_null(w); return 0;
	case CB_V_BOOL: cb_vpack_bool(w, v->u.b); return 0;
	case CB_V_NUM: cb_vpack_num(w, v->u.num); return 0;
	case CB_V_STR: cb_vpack_str(w, v->u.str.s, v->u.str.len); return 0;
	case CB_V_LIST:
		cb_vpack_list(w, v->u.list.n);
		for (size_t i = 0; i < v->u.list.n; i++)
			if (S_pack_tree(w, v->u.list.items[i], depth + 1) != 0)
				return -1;
		return 0;
	case CB_V_MAP:
		cb_vpack_map(w, v->u.map.n);
		for (size_t i = 0; i < v->u.map.n; i++) {
			cb_vpack_key(w, v->u.map.keys[i]);
			if (S_pack_tree(w, v->u.map.vals[i], depth + 1) != 0)
				return -1;
		}
		return 0;
	}
	return -1;
}

int cb_vpack_value(cb_vpack_writer *w, const cb_value *v)
{
	return S_pack_tree(w, v, 0);
}

void cb_vpack_truncate(cb_vpack_writer *w, size_t len)
{
	if (len < w->len)
		w->len = len;
}

void cb_vpack_copy(cb_vpack_writer *w, size_t from, size_t to)
{
	if (from >= to || to > w->len)
		return;
	S_wgrow(w, to - from); /* before taking the address: buf may move */
	memcpy(w->buf + w->len, w->buf + from, to - from);
	w->len += to - from;
}

void cb_vpack_append(cb_vpack_writer *w, const cb_vpack *pk, size_t from, size_t to)
{
	if (!pk || from >= to || to > pk->len)
		return;
	S_wgrow(w, to - from);
	memcpy(w->buf + w->len, pk->data + from, to - from);
	w->len += to - from;
}

void cb_vpack_permute(cb_vpack_writer *w, size_t from, const cb_vpack_span *spans, size_t n)
{
	if (from >= w->len)
		return;
	size_t total = w->len - from, at = 0;
	bool moved = false;
	for (size_t i = 0; i < n; i++) {
		if (spans[i].from < from || spans[i].to > w->len || spans[i].to < spans[i].from ||
		    spans[i].to - spans[i].from > total - at)
			abort(); /* not a rearrangement of those bytes */
		moved = moved || spans[i].from != from + at;
		at += spans[i].to - spans[i].from;
	}
	if (at != total)
		abort();
	if (!moved)
		return; /* already in this order */
	if (w->tmp_cap < total) {
		free(w->tmp);
		w->tmp = cb_xmalloc(total);
		w->tmp_cap = total;
	}
	at = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(w->tmp + at, w->buf + spans[i].from, spans[i].to - spans[i].from);
		at += spans[i].to - spans[i].from;
	}
	memcpy(w->buf + from, w->tmp, total);
}

cb_vpack *cb_vpack_finish(const cb_vpack_writer *w, size_t from)
{
	size_t body = from < w->len ? w->len - from : 0;
	cb_vpack *pk = cb_xmalloc(sizeof *pk + w->keys_len + body);
	pk->keys_len = w->keys_len;
	pk->len = w->keys_len + body;
	if (w->keys_len)
		memcpy(pk->data, w->keys, w->keys_len);
	if (body)
		memcpy(pk->data + w->keys_len, w->buf + from, body);
	return pk;
}

cb_vpack *cb_vpack_pack(const cb_value *v)
{
	cb_vpack_writer w = CB_VPACK_WRITER_INIT;
	cb_vpack *pk = cb_vpack_value(&w, v) == 0 ? cb_vpack_finish(&w, 0) : NULL;
	cb_vpack_writer_free(&w);
	return pk;
}

/* ---- reading ---- */

void cb_vpack_reader_init(cb_vpack_reader *r, const cb_vpack *pk)
{
	r->pk = pk;
	/* A key area ends with a key's NUL, so every key read in it ends. */
	r->bad = !pk || pk->keys_len > pk->len || (pk->keys_len && pk->data[pk->keys_len - 1] != '\0');
	r->pos = r->bad ? 0 : pk->keys_len;
}

static bool S_rvarint(cb_vpack_reader *r, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->pos >= r->pk->len)
			break;
		unsigned char c = r->pk->data[r->pos++];
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return true;
		}
	}
	r->bad = true;
	return false;
}

bool cb_vpack_read(cb_vpack_reader *r, cb_vpack_item *it)
{
	if (r->bad || r->pos >= r->pk->len) {
		r->bad = true;
		return false;
	}
	unsigned char tag = r->pk->data[r->pos++];
	uint64_t u;
	size_t left;
	switch (tag) {
	case S_P_NULL: it->type = CB_V_NULL; return true;
	case S_P_FALSE:
	case S_P_TRUE:
		it->type = CB_V_BOOL;
		it->b = tag == S_P_TRUE;
		return true;
	case S_P_INT:
		if (!S_rvarint(r, &u))
			return false;
		it->type = CB_V_NUM;
		it->num = (double)(int64_t)((u >> 1) ^ (0 - (u & 1)));
		return true;
	case S_P_DOUBLE:
		if (r->pk->len - r->pos < sizeof it->num)
			break;
		it->type = CB_V_NUM;
		memcpy(&it->num, r->pk->data + r->pos, sizeof it->num);
		r->pos += sizeof it->num;
		return true;
	case S_P_STR:
		if (!S_rvarint(r, &u) || u > r->pk->len - r->pos)
			break;
		it->type = CB_V_STR;
		it->s = (const char *)r->pk->data + r->pos;
		it->len = (size_t)u;
		r->pos += (size_t)u;
		return true;
	case S_P_LIST:
	case S_P_MAP:
		/* Every item takes a byte at least, and every entry two: a count
		 * beyond that is malformed, and never sizes an allocation. */
		left = r->pk->len - r->pos;
		if (!S_rvarint(r, &u) || u > (tag == S_P_LIST ? left : left / 2))
			break;
		it->type = tag == S_P_LIST ? CB_V_LIST : CB_V_MAP;
		it->n = (size_t)u;
		return true;
	default: break;
	}
	r->bad = true;
	return false;
}

const char *cb_vpack_read_key(cb_vpack_reader *r)
{
	uint64_t off;
	if (r->bad || !S_rvarint(r, &off))
		return NULL;
	if (off >= r->pk->keys_len) {
		r->bad = true;
		return NULL;
	}
	return (const char *)r->pk->data + off;
}

static bool S_skip(cb_vpack_reader *r, int depth)
{
	cb_vpack_item it;
	if (depth >= CB_VPACK_MAX_DEPTH) {
		r->bad = true;
		return false;
	}
	if (!cb_vpack_read(r, &it))
		return false;
	if (it.type == CB_V_LIST) {
		for (size_t i = 0; i < it.n; i++)
			if (!S_skip(r, depth + 1))
				return false;
	} else if (it.type == CB_V_MAP) {
		for (size_t i = 0; i < it.n; i++)
			if (!cb_vpack_read_key(r) || !S_skip(r, depth + 1))
				return false;
	}
	return true;
}

bool cb_vpack_skip(cb_vpack_reader *r)
{
	return S_skip(r, 0);
}

/* Visits the next value; on bytes it cannot read (or nesting deeper than
 * CB_VPACK_MAX_DEPTH) it visits a null in their place, so the visitor
 * always sees whole values, and r stays failed. */
static void S_walk(cb_vpack_reader *r, const cb_vpack_visitor *v, void *ctx, int depth)
{
	static const cb_vpack_item null_item = {.type = CB_V_NULL};
	cb_vpack_item it;
	if (depth >= CB_VPACK_MAX_DEPTH)
		r->bad = true;
	if (r->bad || !cb_vpack_read(r, &it)) {
		v->scalar(ctx, &null_item);
		return;
	}
	if (it.type == CB_V_MAP && it.n == 1 && v->doc) {
		cb_vpack_reader at = *r;
		const char *k = cb_vpack_read_key(&at);
		cb_vpack_item ref;
		if (k && strcmp(k, CB_VPACK_DOC_KEY) == 0 && cb_vpack_read(&at, &ref) &&
		    ref.type == CB_V_NUM && ref.num >= 0 && ref.num < (double)v->ndocs &&
		    ref.num == floor(ref.num)) {
			*r = at;
			v->doc(ctx, (size_t)ref.num);
			return;
		}
	}
	if (it.type != CB_V_LIST && it.type != CB_V_MAP) {
		v->scalar(ctx, &it);
		return;
	}
	v->open(ctx, &it);
	for (size_t i = 0; i < it.n; i++) {
		const char *k = it.type == CB_V_MAP ? cb_vpack_read_key(r) : NULL;
		S_walk(r, v, ctx, depth + 1);
		v->add(ctx, i, it.type == CB_V_MAP ? k : NULL, it.type == CB_V_MAP && !k);
	}
}

bool cb_vpack_walk(cb_vpack_reader *r, const cb_vpack_visitor *v, void *ctx)
{
	S_walk(r, v, ctx, 0);
	return !r->bad;
}

void cb_vpack_docref(cb_vpack_writer *w, size_t doc)
{
	cb_vpack_map(w, 1);
	cb_vpack_key(w, CB_VPACK_DOC_KEY);
	cb_vpack_num(w, (double)doc);
}

/* Building a tree: the values visited wait on a stack (a list or map under
 * its items) until they are added to the container below them. Every
 * level of nesting holds its container and one value at most. */
typedef struct S_tree {
	cb_value *stack[CB_VPACK_MAX_DEPTH + 2];
	size_t n;
	const cb_vpack_refs *refs;
} S_tree;

static void S_tree_scalar(void *ctx, const cb_vpack_item *it)
{
	S_tree *t = ctx;
	cb_value *v = it->type == CB_V_BOOL  ? cb_value_bool(it->b)
		      : it->type == CB_V_NUM ? cb_value_num(it->num)
		      : it->type == CB_V_STR ? cb_value_strn(it->s, it->len)
					     : cb_value_null();
	t->stack[t->n++] = v;
}

static void S_tree_open(void *ctx, const cb_vpack_item *it)
{
	S_tree *t = ctx;
	t->stack[t->n++] = it->type == CB_V_LIST ? cb_value_list() : cb_value_map();
}

static void S_tree_add(void *ctx, size_t i, const char *key, bool bad_key)
{
	(void)i;
	S_tree *t = ctx;
	cb_value *v = t->stack[--t->n], *c = t->stack[t->n - 1];
	if (bad_key)
		cb_value_free(v);
	else if (c->type == CB_V_LIST)
		cb_list_push(c, v);
	else
		cb_map_set(c, key, v);
}

static void S_tree_doc(void *ctx, size_t doc)
{
	S_tree *t = ctx;
	t->stack[t->n++] = t->refs->doc(t->refs->ctx, doc);
}

cb_value *cb_vpack_read_tree(cb_vpack_reader *r, const cb_vpack_refs *refs)
{
	S_tree t = {.n = 0, .refs = refs};
	cb_vpack_visitor v = {S_tree_scalar, S_tree_open, S_tree_add, refs ? S_tree_doc : NULL,
			      refs ? refs->ndocs : 0};
	if (cb_vpack_walk(r, &v, &t))
		return t.stack[0];
	cb_value_free(t.stack[0]);
	return NULL;
}

cb_value *cb_vpack_read_value(cb_vpack_reader *r)
{
	return cb_vpack_read_tree(r, NULL);
}

cb_value *cb_vpack_unpack(const cb_vpack *pk)
{
	cb_vpack_reader r;
	cb_vpack_reader_init(&r, pk);
	cb_value *v = cb_vpack_read_value(&r);
	if (v && r.pos != pk->len) {
		cb_value_free(v); /* bytes after the value */
		v = NULL;
	}
	return v;
}

bool cb_vpack_find(cb_vpack_reader *r, const cb_vpack *pk, const char *key)
{
	cb_vpack_item it;
	cb_vpack_reader_init(r, pk);
	if (!cb_vpack_read(r, &it) || it.type != CB_V_MAP)
		return false;
	for (size_t i = 0; i < it.n; i++) {
		const char *k = cb_vpack_read_key(r);
		if (!k)
			return false;
		if (strcmp(k, key) == 0)
			return true;
		if (!cb_vpack_skip(r))
			return false;
	}
	return false;
}
