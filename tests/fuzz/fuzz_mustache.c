/*
 * libFuzzer target for the Mustache engine: compiles the input as a template
 * named "t" (so it can include itself) next to a few fixed partials, renders
 * it twice against a small fixed data tree and checks that both renders
 * agree. Crashes, leaks and sanitizer reports are the findings.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Igenerator tests/fuzz/fuzz_mustache.c \
 *        generator/mustache.c generator/value.c generator/util.c generator/diag.c
 * Add -DCB_MUSTACHE_MAX_STEPS=200000 -DCB_MUSTACHE_MAX_OUTPUT=4000000 to keep
 * exponential templates from taking seconds each under the sanitizers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "mustache.h"
#include "util.h"
#include "value.h"

static cb_value *S_data(void)
{
	cb_value *d = cb_value_map();
	cb_map_set_str(d, "name", "Tom & <Jo's>");
	cb_map_set_str(d, "empty", "");
	cb_map_set_str(d, "part", "p");
	cb_map_set_num(d, "num", 1.21);
	cb_map_set_num(d, "zero", 0);
	cb_map_set_bool(d, "yes", true);
	cb_map_set_bool(d, "no", false);
	cb_map_set(d, "nil", cb_value_null());
	cb_value *items = cb_map_set(d, "items", cb_value_list());
	for (int i = 0; i < 3; i++) {
		cb_value *it = cb_list_push(items, cb_value_map());
		cb_map_set_num(it, "n", i);
		cb_map_set_str(it, "name", i == 1 ? "second\nline" : "item");
		cb_map_set(it, "items", cb_value_list());
	}
	cb_value *list = cb_map_set(d, "list", cb_value_list());
	cb_list_push(list, cb_value_str("a"));
	cb_list_push(list, cb_value_num(2));
	cb_value *map = cb_map_set(d, "map", cb_value_map());
	cb_map_set_str(map, "part", "layout");
	cb_map_set(map, "inner", cb_value_map());
	return d;
}

static const char *const PARTIALS[][2] = {
    {"p", "<{{name}}>\n{{#items}}\n  - {{n}}{{>p}}\n{{/items}}\n"},
    {"layout", "<h1>{{$title}}default{{/title}}</h1>\n  {{$body}}\n  body\n  {{/body}}\n"},
    {"child", "{{<layout}}{{$title}}{{name}}{{/title}}{{/layout}}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cb_value *ctx;
	if (!ctx)
		ctx = S_data(); /* kept for the whole run; fuzzing never frees it */
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	for (size_t i = 0; i < sizeof PARTIALS / sizeof PARTIALS[0]; i++)
		if (cb_mustache_add(m, PARTIALS[i][0], PARTIALS[i][1], strlen(PARTIALS[i][1]), &err) != 0)
			abort();
	if (cb_mustache_add(m, "t", (const char *)data, size, &err) == 0) {
		cb_buf a = CB_BUF_INIT, b = CB_BUF_INIT;
		int ra = cb_mustache_render(m, "t", ctx, &a, &err);
		int rb = cb_mustache_render(m, "t", ctx, &b, &err);
		if (ra != rb || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
			abort();
		cb_buf_free(&a);
		cb_buf_free(&b);
	} else if (err.line < 1 || err.col < 1 || !err.msg[0]) {
		abort(); /* a syntax error must say where and what */
	}
	cb_mustache_free(m);
	return 0;
}
