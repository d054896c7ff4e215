/* pagekey: see pagekey.h. */
#include "pagekey.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A shared value and its digest; open addressing by address. */
typedef struct S_shared {
	const cb_value *v; /* NULL: a free slot */
	uint64_t digest[2];
} S_shared;

struct cb_pagekey {
	S_shared *shared; /* shared_cap slots, a power of two */
	size_t shared_cap;
};

cb_pagekey *cb_pagekey_new(size_t nshared)
{
	cb_pagekey *k = cb_xcalloc(1, sizeof *k);
	k->shared_cap = 16;
	while (k->shared_cap < 2 * nshared)
		k->shared_cap *= 2;
	k->shared = cb_xcalloc(k->shared_cap, sizeof *k->shared);
	return k;
}

void cb_pagekey_free(cb_pagekey *k)
{
	if (!k)
		return;
	free(k->shared);
	free(k);
}

/* The first word cb_pagekey_hash feeds for a value: a tag in the low byte
 * (the value's type, or one of these) and its length or size above it. */
enum { S_TAG_SHARED = 0xfe, S_TAG_NONE = 0xff };

static size_t S_shared_slot(const cb_pagekey *k, const cb_value *v)
{
	uint64_t x = (uint64_t)(uintptr_t)v;
	return (size_t)((x ^ (x >> 17)) * 0x9e3779b97f4a7c15ULL >> 32) & (k->shared_cap - 1);
}

static const S_shared *S_shared_find(const cb_pagekey *k, const cb_value *v)
{
	if (!k->shared_cap)
		return NULL;
	for (size_t i = S_shared_slot(k, v);; i = (i + 1) & (k->shared_cap - 1)) {
		if (k->shared[i].v == v)
			return &k->shared[i];
		if (!k->shared[i].v)
			return NULL;
	}
}

/* What cb_pagekey_hash feeds a hash, gathered: a page's tree is thousands of
 * words and short strings, hashed in bulk rather than by a call each. The
 * hash sees the same bytes in the same order. */
typedef struct S_hashbuf {
	cb_hash *h;
	size_t n;
	unsigned char buf[4096];
} S_hashbuf;

static void S_hashbuf_flush(S_hashbuf *f)
{
	cb_hash_add(f->h, f->buf, f->n);
	f->n = 0;
}

static void S_hashbuf_u64(S_hashbuf *f, uint64_t v)
{
	if (f->n + sizeof v > sizeof f->buf)
		S_hashbuf_flush(f);
	memcpy(f->buf + f->n, &v, sizeof v);
	f->n += sizeof v;
}

static void S_hashbuf_bytes(S_hashbuf *f, const void *p, size_t n)
{
	if (n > sizeof f->buf / 4) {
		S_hashbuf_flush(f);
		cb_hash_add(f->h, p, n);
		return;
	}
	if (f->n + n > sizeof f->buf)
		S_hashbuf_flush(f);
	memcpy(f->buf + f->n, p, n);
	f->n += n;
}

/* Feeds a template data tree (see cb_pagekey_hash). */
static void S_hashbuf_value(const cb_pagekey *k, S_hashbuf *f, const cb_value *v)
{
	if (!v) {
		S_hashbuf_u64(f, S_TAG_NONE);
		return;
	}
	switch (v->type) {
	case CB_V_NULL: S_hashbuf_u64(f, CB_V_NULL); break;
	case CB_V_BOOL: S_hashbuf_u64(f, CB_V_BOOL | (uint64_t)v->u.b << 8); break;
	case CB_V_NUM:
		S_hashbuf_u64(f, CB_V_NUM);
		S_hashbuf_bytes(f, &v->u.num, sizeof v->u.num);
		break;
	case CB_V_STR:
		S_hashbuf_u64(f, CB_V_STR | (uint64_t)v->u.str.len << 8);
		S_hashbuf_bytes(f, v->u.str.s, v->u.str.len);
		break;
	case CB_V_LIST:
	case CB_V_MAP: {
		const S_shared *sh = S_shared_find(k, v);
		if (sh) {
			S_hashbuf_u64(f, S_TAG_SHARED);
			S_hashbuf_u64(f, sh->digest[0]);
			S_hashbuf_u64(f, sh->digest[1]);
			break;
		}
		if (v->type == CB_V_LIST) {
			S_hashbuf_u64(f, CB_V_LIST | (uint64_t)v->u.list.n << 8);
			for (size_t i = 0; i < v->u.list.n; i++)
				S_hashbuf_value(k, f, v->u.list.items[i]);
			break;
		}
		S_hashbuf_u64(f, CB_V_MAP | (uint64_t)v->u.map.n << 8);
		for (size_t i = 0; i < v->u.map.n; i++) {
			/* The key as cb_hash_str feeds it: length, then bytes. */
			size_t kl = strlen(v->u.map.keys[i]);
			S_hashbuf_u64(f, kl);
			S_hashbuf_bytes(f, v->u.map.keys[i], kl);
			S_hashbuf_value(k, f, v->u.map.vals[i]);
		}
		break;
	}
	}
}

void cb_pagekey_hash(const cb_pagekey *k, cb_hash *h, const cb_value *v)
{
	S_hashbuf f;
	f.h = h;
	f.n = 0;
	S_hashbuf_value(k, &f, v);
	S_hashbuf_flush(&f);
}

void cb_pagekey_share(cb_pagekey *k, const cb_value *v)
{
	S_shared sh = {v, {0, 0}};
	cb_hash h;
	cb_hash_init(&h);
	cb_pagekey_hash(k, &h, v);
	cb_hash_digest(&h, sh.digest);
	size_t i = S_shared_slot(k, v);
	while (k->shared[i].v && k->shared[i].v != v)
		i = (i + 1) & (k->shared_cap - 1);
	k->shared[i] = sh;
}
