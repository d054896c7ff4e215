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
	S_chunk *chunks;    /* newest first */
	cb_value **adopted; /* values made outside the arena, freed on reset */
	size_t nadopted, capadopted;
	char **strs; /* strings handed to arena values (cb_value_str_own), freed on reset */
	size_t nstrs, capstrs;
};

enum { S_CHUNK = 64 * 1024 };

static _Thread_local cb_value_arena *S_arena;

cb_value_arena *cb_value_arena_new(void) { return cb_xcalloc(1, sizeof(cb_value_arena)); }

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
		free(c);
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
		c = cb_xmalloc(sizeof *c + cap);
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

cb_value *cb_value_null(void) { return S_new(CB_V_NULL); }

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

cb_value *cb_value_list(void) { return S_new(CB_V_LIST); }
cb_value *cb_value_map(void) { return S_new(CB_V_MAP); }

void cb_value_free(cb_value *v)
{
	if (!v || v->in_arena)
		return;
	switch (v->type) {
	case CB_V_STR:
		free(v->u.str.s);
		break;
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
	default:
		break;
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

void cb_map_set_str(cb_value *map, const char *key, const char *s) { cb_map_set(map, key, cb_value_str(s)); }
void cb_map_set_bool(cb_value *map, const char *key, bool b) { cb_map_set(map, key, cb_value_bool(b)); }
void cb_map_set_num(cb_value *map, const char *key, double n) { cb_map_set(map, key, cb_value_num(n)); }

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
