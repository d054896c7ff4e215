/* Unit tests for util, diag and value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"
#include "value.h"

static void test_buf(void **state)
{
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "a");
	cb_buf_printf(&b, "%d-%s", 42, "x");
	cb_buf_putc(&b, '!');
	assert_string_equal(b.data, "a42-x!");
	assert_int_equal(b.len, 6);
	char *s = cb_buf_detach(&b);
	assert_string_equal(s, "a42-x!");
	assert_null(b.data);
	free(s);
	s = cb_buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
}

static void test_html_escape(void **state)
{
	cb_buf b = CB_BUF_INIT;
	const char *in = "<a href=\"x\">Tom & Jerry's</a>";
	cb_buf_html(&b, in, strlen(in));
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	/* Each character to replace at every place of a longer text, and the
	 * characters next to them (%, =, ?, ;) that stay. */
	const char *specials = "\"&'<>", *reps[] = {"&quot;", "&amp;", "&#39;", "&lt;", "&gt;"};
	for (size_t k = 0; k < 5; k++) {
		for (size_t at = 0; at < 20; at++) {
			char text[21], want[64];
			memset(text, 'a', 20);
			text[20] = '\0';
			text[at] = specials[k];
			text[(at + 7) % 20] = "%=?;"[at % 4];
			snprintf(want, sizeof want, "%.*s%s%s", (int)at, text, reps[k], text + at + 1);
			cb_buf_clear(&b);
			cb_buf_html(&b, text, 20);
			assert_string_equal(b.data, want);
		}
	}
	cb_buf_free(&b);
}

static void test_json_escape(void **state)
{
	cb_buf b = CB_BUF_INIT;
	const char *in = "a\"b\\c\n</script>\x01\xe2\x80\xa8";
	cb_buf_json(&b, in, strlen(in));
	assert_string_equal(b.data, "a\\\"b\\\\c\\n\\u003c/script\\u003e\\u0001\\u2028");
	cb_buf_free(&b);
}

static void test_slugify(void **state)
{
	const char *cases[][2] = {
	    {"Key learning", "key-learning"},
	    {"  What to do?  ", "what-to-do"},
	    {"../../etc/passwd", "etc-passwd"},
	    {"Café — naïve", "caf-na-ve"},
	    {"A/B", "a-b"},
	    {"---", ""},
	    {"7-minute briefing", "7-minute-briefing"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = cb_slugify(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

static void test_utf8(void **state)
{
	size_t bad = 99;
	assert_true(cb_utf8_valid("plain", 5, &bad));
	assert_true(cb_utf8_valid("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, &bad));
	assert_false(cb_utf8_valid("ab\xc3", 3, &bad));
	assert_int_equal(bad, 2);
	assert_false(cb_utf8_valid("a\xc0\xafz", 4, &bad)); /* overlong '/' */
	assert_int_equal(bad, 1);
	assert_false(cb_utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
	assert_int_equal(bad, 0);
	assert_false(cb_utf8_valid("x\xff", 2, &bad));
	assert_int_equal(bad, 1);
}

static void test_linecol(void **state)
{
	int l, c;
	const char *s = "ab\ncd\xc3\xa9"
			"f\n";
	cb_linecol(s, 0, &l, &c);
	assert_int_equal(l, 1);
	assert_int_equal(c, 1);
	cb_linecol(s, 4, &l, &c);
	assert_int_equal(l, 2);
	assert_int_equal(c, 2);
	cb_linecol(s, 7, &l, &c); /* after the two-byte é: column counts characters */
	assert_int_equal(l, 2);
	assert_int_equal(c, 4);
}

static void test_did_you_mean(void **state)
{
	const char *const c[] = {"title", "type", "date", "summary", "review-by", "visibility"};
	assert_string_equal(cb_did_you_mean("tittle", c, 6), "title");
	assert_string_equal(cb_did_you_mean("reviewby", c, 6), "review-by");
	assert_string_equal(cb_did_you_mean("visiblity", c, 6), "visibility");
	assert_null(cb_did_you_mean("completely-different", c, 6));
	assert_int_equal(cb_edit_distance("kitten", "sitting", 10), 3);
	assert_int_equal(cb_edit_distance("abc", "abcdefgh", 2), 3);
}

static void test_map(void **state)
{
	cb_strmap *m = cb_strmap_new();
	char keys[200][8];
	for (int i = 0; i < 200; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		cb_strmap_put(m, keys[i], (void *)(intptr_t)(i + 1));
	}
	assert_int_equal(cb_strmap_count(m), 200);
	for (int i = 0; i < 200; i++)
		assert_int_equal((intptr_t)cb_strmap_get(m, keys[i]), i + 1);
	assert_null(cb_strmap_get(m, "nope"));
	cb_strmap_put(m, "k5", (void *)(intptr_t)500);
	assert_int_equal((intptr_t)cb_strmap_get(m, "k5"), 500);
	assert_int_equal(cb_strmap_count(m), 200);
	size_t it = 0, seen = 0;
	const char *k;
	void *v;
	while (cb_strmap_next(m, &it, &k, &v))
		seen++;
	assert_int_equal(seen, 200);
	cb_strmap_free(m);
	cb_strmap_free(NULL);
}

static void test_strv(void **state)
{
	cb_strv sv = CB_STRV_INIT;
	cb_strv_push(&sv, "b");
	cb_strv_push(&sv, "a");
	cb_strv_push(&sv, "b");
	cb_strv_sort(&sv);
	cb_strv_uniq(&sv);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.v[0], "a");
	assert_string_equal(sv.v[1], "b");
	assert_true(cb_strv_contains(&sv, "a"));
	assert_false(cb_strv_contains(&sv, "c"));
	cb_strv_free(&sv);
}

static void test_dates(void **state)
{
	assert_true(cb_date_valid("2024-02-29"));
	assert_false(cb_date_valid("2023-02-29"));
	assert_false(cb_date_valid("2024-13-01"));
	assert_false(cb_date_valid("2024-1-01"));
	assert_false(cb_date_valid("2024-01-01x"));
	assert_true(cb_date_valid("2000-02-29"));
	assert_false(cb_date_valid("1900-02-29"));
	char buf[32];
	cb_format_date(1700000000, 0, buf);
	assert_string_equal(buf, "2023-11-14");
	cb_format_date(1700000000, 600, buf); /* +10:00 crosses midnight */
	assert_string_equal(buf, "2023-11-15");
	cb_format_rfc3339(1700000000, buf);
	assert_string_equal(buf, "2023-11-14T22:13:20Z");
}

static void test_diags(void **state)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_diags_add(&d, CB_WARNING, "b.md", 3, 1, "unknown-field", "unknown field '%s'", "x");
	cb_diags_add(&d, CB_ERROR, "a.md", 10, 2, "invalid-date", "bad date");
	cb_diags_add(&d, CB_ERROR, "a.md", 2, 7, NULL, "first");
	cb_diags_sort(&d);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cb_diags_print(&d, f, false);
	fclose(f);
	assert_string_equal(text, "a.md:2:7: error: first\n"
				  "a.md:10:2: error: bad date [invalid-date]\n"
				  "b.md:3:1: warning: unknown field 'x' [unknown-field]\n");
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 1);
	free(text);
	cb_diags_free(&d);

	cb_error e;
	char buf[256];
	cb_error_set(&e, "t.mustache", 4, 9, "unclosed section '%s'", "doc");
	cb_error_format(&e, buf, sizeof buf);
	assert_string_equal(buf, "t.mustache:4:9: unclosed section 'doc'");
}

static void test_value(void **state)
{
	cb_value *m = cb_value_map();
	cb_map_set_str(m, "a", "x");
	cb_value *l = cb_map_set(m, "l", cb_value_list());
	cb_list_push(l, cb_value_num(1));
	cb_list_push(l, cb_value_bool(false));
	cb_map_set_str(m, "a", "y"); /* replaces */
	assert_int_equal(cb_value_len(m), 2);
	assert_string_equal(cb_map_lookup(m, "a")->u.str.s, "y");
	assert_int_equal(cb_value_len(cb_map_lookup(m, "l")), 2);
	assert_false(cb_value_truthy(cb_list_at(l, 1)));
	assert_true(cb_value_truthy(cb_list_at(l, 0)));
	assert_false(cb_value_truthy(cb_map_lookup(m, "missing")));
	cb_value *c = cb_value_copy(m);
	cb_value_free(m);
	assert_string_equal(cb_map_lookup(c, "a")->u.str.s, "y");
	cb_value_free(c);
	cb_value_free(NULL);
}

/* Values made in an arena: same behaviour, freed by the reset; a value made
 * outside and added to an arena container is adopted (the sanitizer build
 * catches a leak or a double free here). */
/* An arena map's key set twice to values made outside the arena: both
 * are freed once, by the reset (the sanitizer build catches a second). */
static void test_value_arena_replace_adopted(void **state)
{
	cb_value_arena *a = cb_value_arena_new();
	cb_value_arena_use(a);
	cb_value *m = cb_value_map();
	cb_value_arena_use(NULL);
	cb_value *first = cb_value_str("first");
	cb_value *second = cb_value_str("second");
	cb_value_arena_use(a);
	cb_map_set(m, "k", first);
	cb_map_set(m, "k", second);
	assert_string_equal(cb_map_lookup(m, "k")->u.str.s, "second");
	cb_value_arena_use(NULL);
	cb_value_arena_free(a);
}

static void test_value_arena(void **state)
{
	cb_value *outside = cb_value_map();
	cb_map_set_str(outside, "k", "kept");
	cb_value *adopted = cb_value_str("adopted");
	cb_value_arena *a = cb_value_arena_new();
	for (int round = 0; round < 3; round++) {
		assert_null(cb_value_arena_use(a));
		cb_value *m = cb_value_map();
		assert_true(m->in_arena);
		for (int i = 0; i < 1000; i++) {
			char key[16];
			snprintf(key, sizeof key, "k%d", i % 50);
			cb_map_set_str(m, key, key); /* replaces after the first 50 */
		}
		assert_int_equal(cb_value_len(m), 50);
		cb_value *l = cb_map_set(m, "l", cb_value_list());
		char *big = cb_xmalloc(100000); /* larger than a chunk */
		memset(big, 'x', 99999);
		big[99999] = '\0';
		for (int i = 0; i < 100; i++)
			cb_list_push(l, cb_value_str(i == 50 ? big : "item"));
		free(big);
		if (round == 0)
			cb_list_push(l, adopted);
		assert_string_equal(cb_map_lookup(m, "k7")->u.str.s, "k7");
		assert_int_equal(cb_value_len(l), round == 0 ? 101 : 100);
		assert_int_equal(strlen(cb_list_at(l, 50)->u.str.s), 99999);
		cb_value *c = cb_value_copy(m);
		assert_true(c->in_arena);
		cb_value_free(m); /* does nothing */
		assert_string_equal(cb_map_lookup(m, "k49")->u.str.s, "k49");
		assert_ptr_equal(cb_value_arena_use(NULL), a);
		cb_value_arena_reset(a);
	}
	cb_value_arena_free(a);
	cb_value_arena_free(NULL);
	assert_string_equal(cb_map_lookup(outside, "k")->u.str.s, "kept");
	cb_value_free(outside);
}

/* Strings kept rather than copied in an arena (cb_value_str_own and
 * cb_value_str_ref), and values of one arena held by containers outside it
 * without being freed by them (the sanitizer build catches a double free or
 * a leak). */
static void test_value_shared(void **state)
{
	const char *site = "a string that outlives the arena";
	cb_value_arena *shared = cb_value_arena_new(), *page = cb_value_arena_new();
	cb_value_arena_use(shared);
	cb_value *ref = cb_value_map();
	cb_map_set(ref, "title", cb_value_str_ref(site, strlen(site)));
	cb_map_set(ref, "url", cb_value_str_own(cb_xstrdup("documents/a.html")));
	cb_map_set(ref, "none", cb_value_str_own(NULL));
	assert_ptr_equal(cb_map_lookup(ref, "title")->u.str.s, site);
	assert_int_equal(cb_map_lookup(ref, "url")->u.str.len, 16);
	assert_string_equal(cb_map_lookup(ref, "none")->u.str.s, "");
	cb_value_arena_use(NULL);

	/* Outside an arena cb_value_str_ref copies. */
	cb_value *copy = cb_value_str_ref(site, 8);
	assert_ptr_not_equal(copy->u.str.s, site);
	assert_string_equal(copy->u.str.s, "a string");
	cb_value_free(copy);

	for (int round = 0; round < 2; round++) {
		cb_value_arena_use(page);
		cb_value *l = cb_value_list();
		cb_list_push(l, ref);
		cb_list_push(l, ref);
		cb_map_set(cb_list_push(l, cb_value_map()), "doc", ref);
		assert_ptr_equal(cb_list_at(l, 1), ref);
		cb_value_arena_use(NULL);
		cb_value_arena_reset(page);
	}
	cb_value *outside = cb_value_list();
	cb_list_push(outside, ref);
	cb_value *m = cb_list_push(outside, cb_value_map());
	cb_map_set(m, "doc", ref);
	cb_value_free(outside);
	assert_string_equal(cb_map_lookup(ref, "url")->u.str.s, "documents/a.html");
	cb_value_arena_free(page);
	cb_value_arena_free(shared);
}

/* The page and cache keys: fixed values (a key stored by one build must
 * be recognised by the next), and the same hash however the bytes are cut
 * into calls. */
static void test_hash(void **state)
{
	cb_hash h;
	char hex[33];
	cb_hash_init(&h);
	cb_hash_hex(&h, hex);
	assert_string_equal(hex, "5a7a61f7fb819006d8bdd048674067cf");
	cb_hash_add(&h, "abc", 3);
	cb_hash_hex(&h, hex);
	assert_string_equal(hex, "c54ca78fc905a164b3a59caf21fb73a2");
	cb_hash_init(&h);
	cb_hash_str(&h, "The quick brown fox");
	cb_hash_u64(&h, 42);
	cb_hash_add(&h, "jumps over the lazy dog", 23);
	cb_hash_str(&h, NULL);
	cb_hash_hex(&h, hex);
	assert_string_equal(hex, "a10f18b35ed2aad988b6f78278733697");

	unsigned char data[100];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 37 + 11);
	cb_hash whole;
	cb_hash_init(&whole);
	cb_hash_add(&whole, data, sizeof data);
	char want[33];
	cb_hash_hex(&whole, want);
	for (size_t step = 1; step <= 13; step++) {
		cb_hash_init(&h);
		for (size_t at = 0; at < sizeof data; at += step)
			cb_hash_add(&h, data + at, at + step <= sizeof data ? step : sizeof data - at);
		cb_hash_hex(&h, hex);
		assert_string_equal(hex, want);
	}
	/* A number is its eight bytes, on a word boundary or not. */
	for (size_t lead = 0; lead < 9; lead++) {
		cb_hash a, b;
		cb_hash_init(&a);
		cb_hash_init(&b);
		cb_hash_add(&a, data, lead);
		cb_hash_add(&b, data, lead);
		uint64_t v = 0x0123456789abcdefULL;
		cb_hash_u64(&a, v);
		cb_hash_add(&b, &v, sizeof v);
		char ha[33], hb[33];
		cb_hash_hex(&a, ha);
		cb_hash_hex(&b, hb);
		assert_string_equal(ha, hb);
	}
	cb_hash a, b;
	cb_hash_init(&a);
	cb_hash_init(&b);
	cb_hash_str(&a, "casebook");
	cb_hash_strn(&b, "casebook!", 8);
	char ha[33], hb[33];
	cb_hash_hex(&a, ha);
	cb_hash_hex(&b, hb);
	assert_string_equal(ha, hb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf),		 cmocka_unit_test(test_html_escape),
	    cmocka_unit_test(test_json_escape),	 cmocka_unit_test(test_slugify),
	    cmocka_unit_test(test_utf8),	 cmocka_unit_test(test_linecol),
	    cmocka_unit_test(test_did_you_mean), cmocka_unit_test(test_map),
	    cmocka_unit_test(test_strv),	 cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_diags),	 cmocka_unit_test(test_value),
	    cmocka_unit_test(test_value_arena),	 cmocka_unit_test(test_value_arena_replace_adopted),
	    cmocka_unit_test(test_value_shared), cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
