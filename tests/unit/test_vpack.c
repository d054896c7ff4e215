/* Unit tests for packed values (value.h): every kind of value packed and
 * read back, the writer's moves and copies, and readers given truncated or
 * garbled bytes. (Packs live only in memory and are made by casebook
 * itself, but their readers are still meant never to read past the end.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

/* True when a and b are the same tree: same types, bytes, numbers to the
 * bit, keys in the same order. */
static bool S_same(const cb_value *a, const cb_value *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CB_V_NULL: return true;
	case CB_V_BOOL: return a->u.b == b->u.b;
	case CB_V_NUM: return memcmp(&a->u.num, &b->u.num, sizeof a->u.num) == 0;
	case CB_V_STR:
		return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case CB_V_LIST:
		if (a->u.list.n != b->u.list.n)
			return false;
		for (size_t i = 0; i < a->u.list.n; i++)
			if (!S_same(a->u.list.items[i], b->u.list.items[i]))
				return false;
		return true;
	case CB_V_MAP:
		if (a->u.map.n != b->u.map.n)
			return false;
		for (size_t i = 0; i < a->u.map.n; i++)
			if (strcmp(a->u.map.keys[i], b->u.map.keys[i]) != 0 ||
			    !S_same(a->u.map.vals[i], b->u.map.vals[i]))
				return false;
		return true;
	}
	return false;
}

/* Packs v, checks that it reads back the same, and returns the pack
 * (caller frees). */
static cb_vpack *S_round_trip(const cb_value *v)
{
	cb_vpack *pk = cb_vpack_pack(v);
	assert_non_null(pk);
	cb_value *back = cb_vpack_unpack(pk);
	assert_non_null(back);
	assert_true(S_same(v, back));
	cb_value_free(back);
	/* Skipping it uses exactly its bytes. */
	cb_vpack_reader r;
	cb_vpack_reader_init(&r, pk);
	assert_true(cb_vpack_skip(&r));
	assert_int_equal(r.pos, pk->len);
	return pk;
}

/* A tree with every kind of value, nested. */
static cb_value *S_sample(void)
{
	cb_value *m = cb_value_map();
	cb_map_set(m, "null", cb_value_null());
	cb_map_set_bool(m, "yes", true);
	cb_map_set_bool(m, "no", false);
	const double nums[] = {0,
			       -0.0,
			       1,
			       -1,
			       63,
			       64,
			       -64,
			       -65,
			       127,
			       128,
			       1e15,
			       -1e15,
			       0.5,
			       -2.5,
			       1e300,
			       9007199254740992.0,
			       -9007199254740992.0,
			       9007199254740994.0,
			       INFINITY,
			       -INFINITY,
			       NAN};
	cb_value *l = cb_map_set(m, "nums", cb_value_list());
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		cb_list_push(l, cb_value_num(nums[i]));
	cb_map_set_str(m, "text", "Théo's “notes”");
	cb_map_set(m, "nul", cb_value_strn("a\0b", 3));
	cb_map_set_str(m, "empty", "");
	cb_map_set(m, "no_items", cb_value_list());
	cb_map_set(m, "no_fields", cb_value_map());
	cb_value *deep = cb_map_set(m, "deep", cb_value_list());
	for (int i = 0; i < 20; i++) {
		cb_value *inner = cb_list_push(deep, cb_value_map());
		cb_map_set_num(inner, "level", i);
		deep = cb_map_set(inner, "next", cb_value_list());
	}
	/* Keys again, in another order and inside lists. */
	cb_value *recs = cb_map_set(m, "records", cb_value_list());
	for (int i = 0; i < 5; i++) {
		cb_value *r = cb_list_push(recs, cb_value_map());
		cb_map_set_num(r, i % 2 ? "level" : "points", i);
		cb_map_set_str(r, "text", "x");
		cb_map_set(r, "$doc", cb_value_num(i));
	}
	return m;
}

static void test_round_trip(void **state)
{
	/* Scalars on their own. */
	cb_value *scalars[] = {cb_value_null(),	 cb_value_bool(true), cb_value_bool(false),
			       cb_value_num(42), cb_value_num(-0.0),  cb_value_str("hello"),
			       cb_value_list(),	 cb_value_map()};
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
		free(S_round_trip(scalars[i]));
		cb_value_free(scalars[i]);
	}
	cb_value *m = S_sample();
	cb_vpack *pk = S_round_trip(m);
	/* Each key is kept once. */
	int nlevel = 0;
	for (size_t off = 0; off < pk->keys_len; off += strlen((const char *)pk->data + off) + 1)
		nlevel += strcmp((const char *)pk->data + off, "level") == 0;
	assert_int_equal(nlevel, 1);
	free(pk);

	/* Whole numbers are short; -0 and fractions keep every bit. */
	cb_value *n = cb_value_num(5);
	pk = S_round_trip(n);
	assert_int_equal(pk->len, 2);
	free(pk);
	cb_value_free(n);
	n = cb_value_num(-0.0);
	pk = S_round_trip(n);
	assert_int_equal(pk->len, 1 + sizeof(double));
	free(pk);
	cb_value_free(n);

	/* Long text: lengths of one, two and three bytes. */
	size_t lens[] = {127, 128, 16383, 16384, 300000};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		char *s = cb_xmalloc(lens[i]);
		for (size_t k = 0; k < lens[i]; k++)
			s[k] = (char)('a' + k % 26);
		cb_value *v = cb_value_map();
		cb_map_set(v, "long", cb_value_strn(s, lens[i]));
		free(S_round_trip(v));
		cb_value_free(v);
		free(s);
	}

	/* Many keys (the writer's hash grows) and a long key. */
	cb_value *wide = cb_value_map();
	for (int i = 0; i < 3000; i++) {
		char key[32];
		snprintf(key, sizeof key, "key-%d", i);
		cb_map_set_num(wide, key, i);
	}
	char longkey[600];
	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	cb_map_set_str(wide, longkey, "v");
	free(S_round_trip(wide));
	cb_value_free(wide);

	/* Read into an arena: nothing to free one by one. */
	pk = cb_vpack_pack(m);
	cb_value_arena *a = cb_value_arena_new();
	cb_value_arena_use(a);
	cb_value *in_arena = cb_vpack_unpack(pk);
	assert_true(in_arena->in_arena);
	assert_true(S_same(m, in_arena));
	cb_value_arena_use(NULL);
	cb_value_arena_free(a);
	free(pk);

	/* Deeper than a pack may nest. */
	cb_value *top = cb_value_list(), *at = top;
	for (int i = 0; i < CB_VPACK_MAX_DEPTH + 5; i++)
		at = cb_list_push(at, cb_value_list());
	assert_null(cb_vpack_pack(top));
	cb_value_free(top);
	cb_value_free(m);
}

static void test_reader(void **state)
{
	cb_value *m = S_sample();
	cb_vpack *pk = cb_vpack_pack(m);
	cb_vpack_reader r;
	/* A key's value, found without reading the others. */
	assert_true(cb_vpack_find(&r, pk, "text"));
	cb_vpack_item it;
	assert_true(cb_vpack_read(&r, &it));
	assert_int_equal(it.type, CB_V_STR);
	assert_int_equal(it.len, strlen("Théo's “notes”"));
	assert_memory_equal(it.s, "Théo's “notes”", it.len);
	assert_true(cb_vpack_find(&r, pk, "records"));
	cb_value *recs = cb_vpack_read_value(&r);
	assert_true(S_same(recs, cb_map_lookup(m, "records")));
	cb_value_free(recs);
	assert_false(cb_vpack_find(&r, pk, "absent"));
	assert_false(cb_vpack_find(&r, NULL, "text"));
	/* Not a map. */
	cb_value *l = cb_value_list();
	cb_vpack *lp = cb_vpack_pack(l);
	assert_false(cb_vpack_find(&r, lp, "text"));
	free(lp);
	cb_value_free(l);
	/* Walking item by item. */
	cb_vpack_reader_init(&r, pk);
	assert_true(cb_vpack_read(&r, &it));
	assert_int_equal(it.type, CB_V_MAP);
	assert_int_equal(it.n, m->u.map.n);
	for (size_t i = 0; i < it.n; i++) {
		assert_string_equal(cb_vpack_read_key(&r), m->u.map.keys[i]);
		assert_true(cb_vpack_skip(&r));
	}
	assert_int_equal(r.pos, pk->len);
	assert_false(cb_vpack_read(&r, &it)); /* nothing more */
	assert_true(r.bad);
	/* A NULL pack reads as failed. */
	cb_vpack_reader_init(&r, NULL);
	assert_false(cb_vpack_read(&r, &it));
	assert_null(cb_vpack_read_key(&r));
	assert_false(cb_vpack_skip(&r));
	assert_null(cb_vpack_read_value(&r));
	assert_null(cb_vpack_unpack(NULL));
	free(pk);
	cb_value_free(m);
}

/* The writer's moves: entries permuted, bytes copied, a pack merged into a
 * new one from its own key area. */
static void test_writer(void **state)
{
	cb_vpack_writer w = CB_VPACK_WRITER_INIT;
	cb_vpack_writer_reset(&w, NULL);
	/* Three entries written in one order and put in another. */
	cb_vpack_map(&w, 3);
	size_t first = w.len;
	cb_vpack_span spans[3];
	const char *keys[] = {"c", "a", "b"};
	for (int i = 0; i < 3; i++) {
		spans[i].from = w.len;
		cb_vpack_key(&w, keys[i]);
		cb_vpack_list(&w, 1);
		cb_vpack_num(&w, i);
		spans[i].to = w.len;
	}
	/* In the order written: nothing moves. */
	unsigned char before[64];
	assert_true(w.len - first <= sizeof before);
	memcpy(before, w.buf + first, w.len - first);
	cb_vpack_permute(&w, first, spans, 3);
	assert_memory_equal(before, w.buf + first, w.len - first);
	cb_vpack_span order[] = {spans[1], spans[2], spans[0]};
	cb_vpack_permute(&w, first, order, 3);
	cb_vpack *pk = cb_vpack_finish(&w, 0);
	cb_value *v = cb_vpack_unpack(pk);
	assert_string_equal(v->u.map.keys[0], "a");
	assert_string_equal(v->u.map.keys[1], "b");
	assert_string_equal(v->u.map.keys[2], "c");
	assert_true(cb_list_at(cb_map_lookup(v, "c"), 0)->u.num == 0);
	assert_true(cb_list_at(cb_map_lookup(v, "a"), 0)->u.num == 1);
	cb_value_free(v);

	/* A new pack from the old one's key area: its entries are copied as
	 * bytes, a new value written in front is copied behind. */
	cb_vpack_writer_reset(&w, pk);
	cb_vpack_key(&w, "b"); /* an old key: no new one */
	assert_int_equal(w.keys_len, pk->keys_len);
	cb_vpack_truncate(&w, 0);
	size_t nv = w.len;
	cb_vpack_map(&w, 1);
	cb_vpack_key(&w, "new");
	cb_vpack_str(&w, "fresh", 5);
	size_t nv_end = w.len;
	size_t start = w.len;
	cb_vpack_map(&w, 2);
	cb_vpack_reader r;
	cb_vpack_reader_init(&r, pk);
	cb_vpack_item it;
	assert_true(cb_vpack_read(&r, &it));
	cb_vpack_key(&w, cb_vpack_read_key(&r));
	size_t from = r.pos;
	assert_true(cb_vpack_skip(&r));
	cb_vpack_append(&w, pk, from, r.pos);
	cb_vpack_key(&w, "z");
	cb_vpack_copy(&w, nv, nv_end);
	cb_vpack *merged = cb_vpack_finish(&w, start);
	v = cb_vpack_unpack(merged);
	assert_non_null(v);
	assert_int_equal(v->u.map.n, 2);
	assert_true(cb_list_at(cb_map_lookup(v, "a"), 0)->u.num == 1);
	cb_value *z = cb_map_lookup(v, "z");
	assert_string_equal(z->u.map.keys[0], "new");
	assert_string_equal(cb_map_lookup(z, "new")->u.str.s, "fresh");
	assert_int_equal(merged->keys_len, pk->keys_len + 4 + 2); /* "new" and "z" added */
	cb_value_free(v);
	free(merged);

	/* Truncation drops a half-written value. */
	cb_vpack_writer_reset(&w, NULL);
	cb_vpack_list(&w, 1);
	size_t mark = w.len;
	cb_vpack_map(&w, 5);
	cb_vpack_key(&w, "partial");
	cb_vpack_truncate(&w, mark);
	cb_vpack_bool(&w, true);
	cb_vpack *t = cb_vpack_finish(&w, 0);
	v = cb_vpack_unpack(t);
	assert_true(cb_list_at(v, 0)->u.b);
	cb_value_free(v);
	free(t);

	/* A reset after a large pack starts small again and forgets keys. */
	cb_vpack_writer_reset(&w, NULL);
	cb_vpack_map(&w, 2000);
	for (int i = 0; i < 2000; i++) {
		char key[16];
		snprintf(key, sizeof key, "k%d", i);
		cb_vpack_key(&w, key);
		cb_vpack_null(&w);
	}
	cb_vpack_writer_reset(&w, NULL);
	assert_int_equal(w.keys_len, 0);
	cb_vpack_map(&w, 1);
	cb_vpack_key(&w, "k5");
	cb_vpack_null(&w);
	t = cb_vpack_finish(&w, 0);
	assert_int_equal(t->keys_len, 3);
	free(t);
	cb_vpack_writer_free(&w);
	cb_vpack_writer_free(&w);
	cb_vpack_writer_free(NULL);
	free(pk);
}

/* Reads a pack of these bytes every way there is; whatever they are, the
 * readers stop at the end. */
/* A visitor that keeps only the depth of the stack it would build: a walk
 * must leave exactly one value, however bad the bytes. */
typedef struct S_count {
	size_t depth, max, docs;
} S_count;

static void S_count_push(void *ctx, const cb_vpack_item *it)
{
	(void)it;
	S_count *c = ctx;
	if (++c->depth > c->max)
		c->max = c->depth;
}

static void S_count_add(void *ctx, size_t i, const char *key, bool bad_key)
{
	(void)i, (void)key, (void)bad_key;
	S_count *c = ctx;
	assert_true(c->depth >= 2);
	c->depth--;
}

static void S_count_doc(void *ctx, size_t n)
{
	S_count *c = ctx;
	assert_true(n < 3);
	c->docs++;
	S_count_push(ctx, NULL);
}

static void S_read_all(const unsigned char *bytes, size_t len, size_t keys_len)
{
	cb_vpack *pk = cb_xmalloc(sizeof *pk + len + 1);
	pk->len = len;
	pk->keys_len = keys_len;
	memcpy(pk->data, bytes, len);
	cb_value_free(cb_vpack_unpack(pk));
	cb_vpack_reader r;
	cb_vpack_reader_init(&r, pk);
	S_count c = {0, 0, 0};
	cb_vpack_visitor v = {S_count_push, S_count_push, S_count_add, S_count_doc, 3};
	cb_vpack_walk(&r, &v, &c);
	assert_int_equal(c.depth, 1);
	assert_true(c.max <= CB_VPACK_MAX_DEPTH + 1);
	assert_true(r.pos <= pk->len);
	cb_vpack_reader_init(&r, pk);
	cb_vpack_skip(&r);
	assert_true(r.pos <= pk->len);
	cb_vpack_find(&r, pk, "level");
	assert_true(r.pos <= pk->len);
	cb_vpack_reader_init(&r, pk);
	cb_vpack_item it;
	for (int i = 0; i < 64 && !r.bad; i++) {
		if (cb_vpack_read(&r, &it) && it.type == CB_V_STR)
			assert_true(it.s + it.len <= (const char *)pk->data + pk->len);
		cb_vpack_read_key(&r);
		assert_true(r.pos <= pk->len);
	}
	free(pk);
}

static void test_malformed(void **state)
{
	cb_value *m = S_sample();
	cb_vpack *pk = cb_vpack_pack(m);
	/* Cut short anywhere: never a whole value, never a crash. */
	for (size_t len = pk->keys_len; len < pk->len; len++) {
		cb_vpack *cut = cb_xmalloc(sizeof *cut + len);
		memcpy(cut->data, pk->data, len);
		cut->len = len;
		cut->keys_len = pk->keys_len;
		assert_null(cb_vpack_unpack(cut));
		free(cut);
		S_read_all(pk->data, len, pk->keys_len);
	}
	/* Every byte changed to a few values, and random bytes. */
	unsigned char *copy = cb_xmalloc(pk->len);
	const unsigned char subst[] = {0x00, 0x05, 0x06, 0x07, 0x08, 0x7f, 0x80, 0xff};
	for (size_t i = 0; i < pk->len; i++)
		for (size_t k = 0; k < sizeof subst; k++) {
			memcpy(copy, pk->data, pk->len);
			copy[i] = subst[k];
			S_read_all(copy, pk->len, pk->keys_len);
		}
	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)rand() % 64;
		unsigned char buf[64];
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)(rand() % 9 == 0 ? 0x80 | rand() : rand() % 9);
		S_read_all(buf, len, len ? (size_t)rand() % len : 0);
	}
	/* A key area longer than the pack; a key with no end. */
	S_read_all(pk->data, 4, 10);
	const unsigned char nokey[] = {'a', 'b', 0x07, 0x01, 0x00, 0x00};
	S_read_all(nokey, sizeof nokey, 2);
	cb_vpack *bad = cb_xmalloc(sizeof *bad + sizeof nokey);
	memcpy(bad->data, nokey, sizeof nokey);
	bad->len = sizeof nokey;
	bad->keys_len = 2;
	assert_null(cb_vpack_unpack(bad));
	bad->data[1] = '\0'; /* now the key "a": {"a": null} */
	cb_value *one = cb_vpack_unpack(bad);
	assert_non_null(one);
	assert_string_equal(one->u.map.keys[0], "a");
	assert_int_equal(cb_map_lookup(one, "a")->type, CB_V_NULL);
	cb_value_free(one);
	free(bad);
	/* Counts far beyond the bytes, and nesting far beyond the limit. */
	const unsigned char huge[] = {0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00};
	S_read_all(huge, sizeof huge, 0);
	unsigned char nest[2 * (CB_VPACK_MAX_DEPTH + 10)];
	for (size_t i = 0; i < sizeof nest; i += 2) {
		nest[i] = 0x06;
		nest[i + 1] = 0x01;
	}
	S_read_all(nest, sizeof nest, 0);
	free(copy);
	free(pk);
	cb_value_free(m);
}

static cb_value *S_doc_value(void *ctx, size_t n)
{
	cb_value **docs = ctx;
	return cb_value_copy(docs[n]);
}

/* Document references: written once, read back as the document by the
 * walk and by read_tree, and as a plain map where they are not one. */
static void test_docref(void **state)
{
	cb_vpack_writer w = CB_VPACK_WRITER_INIT;
	cb_vpack_writer_reset(&w, NULL);
	cb_vpack_list(&w, 6);
	cb_vpack_docref(&w, 2);
	cb_vpack_docref(&w, 3); /* no such document */
	cb_vpack_map(&w, 2);	/* a second entry: a map */
	cb_vpack_key(&w, CB_VPACK_DOC_KEY);
	cb_vpack_num(&w, 1);
	cb_vpack_key(&w, "x");
	cb_vpack_num(&w, 2);
	cb_vpack_map(&w, 1); /* text: a map */
	cb_vpack_key(&w, CB_VPACK_DOC_KEY);
	cb_vpack_str(&w, "1", 1);
	cb_vpack_map(&w, 1); /* a fraction: a map */
	cb_vpack_key(&w, CB_VPACK_DOC_KEY);
	cb_vpack_num(&w, 0.5);
	cb_vpack_map(&w, 1); /* inside another map */
	cb_vpack_key(&w, "friend");
	cb_vpack_docref(&w, 0);
	cb_vpack *pk = cb_vpack_finish(&w, 0);
	cb_vpack_writer_free(&w);

	/* The reference is the map {"$doc": n}, byte for byte. */
	cb_value *ref = cb_value_map();
	cb_map_set_num(ref, "$doc", 2);
	cb_vpack *rp = cb_vpack_pack(ref);
	cb_vpack_reader r;
	cb_vpack_reader_init(&r, pk);
	cb_vpack_item it;
	assert_true(cb_vpack_read(&r, &it));
	size_t at = r.pos;
	assert_true(cb_vpack_skip(&r));
	assert_int_equal(r.pos - at, rp->len - rp->keys_len);
	free(rp);
	cb_value_free(ref);

	cb_value *docs[3] = {cb_value_str("zero"), cb_value_str("one"), cb_value_str("two")};
	cb_vpack_refs refs = {3, S_doc_value, docs};
	cb_vpack_reader_init(&r, pk);
	cb_value *v = cb_vpack_read_tree(&r, &refs);
	assert_non_null(v);
	assert_int_equal(r.pos, pk->len);
	assert_int_equal(cb_value_len(v), 6);
	assert_string_equal(cb_list_at(v, 0)->u.str.s, "two");
	assert_int_equal(cb_list_at(v, 1)->type, CB_V_MAP);
	assert_true(cb_map_lookup(cb_list_at(v, 1), "$doc")->u.num == 3);
	assert_int_equal(cb_value_len(cb_list_at(v, 2)), 2);
	assert_int_equal(cb_list_at(v, 3)->type, CB_V_MAP);
	assert_int_equal(cb_list_at(v, 4)->type, CB_V_MAP);
	assert_string_equal(cb_map_lookup(cb_list_at(v, 5), "friend")->u.str.s, "zero");
	cb_value_free(v);

	/* Without refs, every reference is the map it is. */
	v = cb_vpack_unpack(pk);
	assert_true(cb_map_lookup(cb_list_at(v, 0), "$doc")->u.num == 2);
	cb_value_free(v);

	/* The walk tells each of the two references once. */
	S_count c = {0, 0, 0};
	cb_vpack_visitor vis = {S_count_push, S_count_push, S_count_add, S_count_doc, 3};
	cb_vpack_reader_init(&r, pk);
	assert_true(cb_vpack_walk(&r, &vis, &c));
	assert_int_equal(c.docs, 2);
	assert_int_equal(c.depth, 1);
	for (int i = 0; i < 3; i++)
		cb_value_free(docs[i]);
	free(pk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_reader), cmocka_unit_test(test_writer),
	    cmocka_unit_test(test_malformed),  cmocka_unit_test(test_docref),
	};
	return cmocka_run_group_tests_name("vpack", tests, NULL, NULL);
}
