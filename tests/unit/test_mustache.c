/* Unit tests for mustache: what the official specification does not cover
 * (error positions and messages, escaping of ', limits, repeatability,
 * layouts). The specification itself runs in test_mustache_spec.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "mustache.h"
#include "util.h"
#include "value.h"

static int S_add(cb_mustache *m, const char *name, const char *src, cb_error *err)
{
	return cb_mustache_add(m, name, src, strlen(src), err);
}

/* Compiles src and expects a syntax error at line:col with msg in it. */
static void S_expect_error(const char *src, int line, int col, const char *msg)
{
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	assert_int_equal(S_add(m, "page.mustache", src, &err), -1);
	assert_string_equal(err.file, "page.mustache");
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
	if (!strstr(err.msg, msg))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
	assert_false(cb_mustache_has(m, "page.mustache"));
	cb_mustache_free(m);
}

/* Renders src with data and returns the output; caller frees. */
static char *S_render(const char *src, const cb_value *data)
{
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	assert_int_equal(S_add(m, "t", src, &err), 0);
	cb_buf out = CB_BUF_INIT;
	assert_int_equal(cb_mustache_render(m, "t", data, &out, &err), 0);
	cb_mustache_free(m);
	return cb_buf_detach(&out);
}

static void test_unclosed_section(void **state)
{
	S_expect_error("<h1>{{title}}</h1>\n  {{#doc}}\n{{name}}\n", 2, 3,
		       "section 'doc' opened here is never closed");
	/* The innermost unclosed section is the one reported. */
	S_expect_error("{{#a}}\n{{^b}}x\n", 2, 1, "inverted section 'b' opened here is never closed");
	S_expect_error("{{<layout}}\n {{$body}}x{{/body}}", 1, 1,
		       "parent 'layout' opened here is never closed");
}

static void test_stray_and_mismatched_close(void **state)
{
	S_expect_error("ab\ncd {{/x}}", 2, 4, "closing tag 'x' has no open section to close");
	S_expect_error("{{#a}}\n  {{/b}}", 2, 3,
		       "closing tag 'b' does not match section 'a' opened at line 1, column 1");
}

static void test_tag_errors(void **state)
{
	S_expect_error("x\n {{name", 2, 2, "never closed with '}}'");
	S_expect_error("{{{name}}", 1, 1, "never closed with '}}}'");
	S_expect_error("é {{=a=}}", 1, 3, "bad delimiter change");
	S_expect_error("{{=<% %> x=}}", 1, 1, "bad delimiter change");
	S_expect_error("a {{ }}", 1, 3, "tag has no name");
	S_expect_error("{{#}}{{/}}", 1, 1, "tag has no name");
	S_expect_error("{{first name}}", 1, 1, "tag name 'first name' contains a space");
	/* With changed delimiters the error names the new ones. */
	S_expect_error("{{=<% %>=}}\n<% name", 2, 1, "tag '<%' opened here is never closed with '%>'");
}

static void test_failed_add_keeps_old_template(void **state)
{
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	assert_int_equal(S_add(m, "t", "old", &err), 0);
	assert_int_equal(S_add(m, "t", "{{#x}}", &err), -1);
	assert_int_equal(S_add(m, "u", "new {{x}}", &err), 0);
	assert_true(cb_mustache_has(m, "t"));
	assert_true(cb_mustache_has(m, "u"));
	assert_false(cb_mustache_has(m, "v"));
	cb_buf out = CB_BUF_INIT;
	assert_int_equal(cb_mustache_render(m, "t", NULL, &out, &err), 0);
	assert_string_equal(out.data, "old");
	/* Adding under the same name replaces. */
	assert_int_equal(S_add(m, "t", "replaced", &err), 0);
	cb_buf_clear(&out);
	assert_int_equal(cb_mustache_render(m, "t", NULL, &out, &err), 0);
	assert_string_equal(out.data, "replaced");
	cb_buf_free(&out);
	cb_mustache_free(m);
}

static void test_escaping(void **state)
{
	cb_value *d = cb_value_map();
	cb_map_set_str(d, "v", "<a href='x'>Tom & \"Jo\"</a>");
	char *s = S_render("{{v}}|{{{v}}}|{{&v}}", d);
	assert_string_equal(s, "&lt;a href=&#39;x&#39;&gt;Tom &amp; &quot;Jo&quot;&lt;/a&gt;|"
			       "<a href='x'>Tom & \"Jo\"</a>|<a href='x'>Tom & \"Jo\"</a>");
	free(s);
	cb_value_free(d);
}

static void test_values(void **state)
{
	cb_value *d = cb_value_map();
	cb_map_set_num(d, "i", 85);
	cb_map_set_num(d, "f", 1.210);
	cb_map_set_num(d, "neg", -3);
	cb_map_set_num(d, "sum", 0.1 + 0.2);
	cb_map_set_num(d, "big", 1e20);
	cb_map_set_bool(d, "t", true);
	cb_map_set_bool(d, "f2", false);
	cb_map_set(d, "nil", cb_value_null());
	cb_map_set(d, "list", cb_value_list());
	char *s =
	    S_render("{{i}} {{f}} {{neg}} {{sum}} {{big}} {{t}} {{f2}} [{{nil}}{{list}}{{missing}}]", d);
	assert_string_equal(s, "85 1.21 -3 0.30000000000000004 1e+20 true false []");
	free(s);
	cb_value_free(d);
	/* No data at all renders like an empty context. */
	s = S_render("a{{x}}{{#x}}b{{/x}}{{^x}}c{{/x}}", NULL);
	assert_string_equal(s, "ac");
	free(s);
}

/* Names looked up in maps with many keys: keys that share a prefix, dotted
 * names, names found only in an outer context, missing names. */
static void test_large_maps(void **state)
{
	cb_value *d = cb_value_map();
	char key[16], val[16];
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof key, "k%d", i);
		snprintf(val, sizeof val, "v%d", i);
		cb_map_set_str(d, key, val);
	}
	cb_map_set_str(d, "outer", "O");
	cb_value *inner = cb_map_set(d, "inner", cb_value_map());
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof key, "i%d", i);
		snprintf(val, sizeof val, "w%d", i);
		cb_map_set_str(inner, key, val);
	}
	cb_value *list = cb_map_set(d, "items", cb_value_list());
	for (int n = 0; n < 12; n++) {
		cb_value *it = cb_list_push(list, cb_value_map());
		for (int i = 0; i < 17; i++) {
			snprintf(key, sizeof key, "f%d", i);
			snprintf(val, sizeof val, "%d.%d", n, i);
			cb_map_set_str(it, key, val);
		}
	}
	char *s = S_render("{{k1}} {{k10}} {{k39}} {{k40}}|{{inner.i3}} {{inner.i19}} {{inner.k1}}|"
			   "{{#inner}}{{i0}}{{k2}}{{outer}}{{nope}}{{/inner}}|"
			   "{{#items}}{{f0}},{{f16}},{{k5}};{{/items}}",
			   d);
	assert_string_equal(s,
			    "v1 v10 v39 |w3 w19 |w0v2O|"
			    "0.0,0.16,v5;1.0,1.16,v5;2.0,2.16,v5;3.0,3.16,v5;4.0,4.16,v5;5.0,5.16,v5;"
			    "6.0,6.16,v5;7.0,7.16,v5;8.0,8.16,v5;9.0,9.16,v5;10.0,10.16,v5;11.0,11.16,v5;");
	free(s);
	cb_value_free(d);
}

static void test_missing_template(void **state)
{
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	cb_buf out = CB_BUF_INIT;
	cb_buf_puts(&out, "kept");
	assert_int_equal(cb_mustache_render(m, "page", NULL, &out, &err), -1);
	assert_string_equal(err.file, "page");
	assert_string_equal(err.msg, "there is no template named 'page'");
	assert_string_equal(out.data, "kept");
	/* A missing partial, though, renders as nothing. */
	assert_int_equal(S_add(m, "page", "[{{>nowhere}}]", &err), 0);
	assert_int_equal(cb_mustache_render(m, "page", NULL, &out, &err), 0);
	assert_string_equal(out.data, "kept[]");
	cb_buf_free(&out);
	cb_mustache_free(m);
}

static void test_recursion_limit(void **state)
{
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	assert_int_equal(S_add(m, "page", "start\n{{>self}}", &err), 0);
	assert_int_equal(S_add(m, "self", "x\n  {{>self}}\n", &err), 0);
	cb_buf out = CB_BUF_INIT;
	cb_buf_puts(&out, "before:");
	assert_int_equal(cb_mustache_render(m, "page", NULL, &out, &err), -1);
	assert_string_equal(err.file, "self");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 3);
	assert_string_equal(err.msg, "partial 'self' is nested more than 64 deep; does it include itself?");
	assert_string_equal(out.data, "before:");
	/* A parent including itself is stopped the same way. */
	assert_int_equal(S_add(m, "loop", "{{<loop}}{{/loop}}", &err), 0);
	assert_int_equal(cb_mustache_render(m, "loop", NULL, &out, &err), -1);
	assert_string_equal(err.file, "loop");
	assert_non_null(strstr(err.msg, "nested more than 64 deep"));
	/* Partials that each include the next one twice double the work at
	 * every level without ever nesting deeply; the work limit stops them. */
	for (int i = 0; i < 40; i++) {
		char name[16], src[64];
		snprintf(name, sizeof name, "p%d", i);
		snprintf(src, sizeof src, "ab{{>p%d}}{{>p%d}}", i + 1, i + 1);
		assert_int_equal(S_add(m, name, src, &err), 0);
	}
	assert_int_equal(cb_mustache_render(m, "p0", NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "too much output"));
	assert_string_equal(out.data, "before:");
	/* The same without any output to count: the number of steps stops it. */
	for (int i = 0; i < 40; i++) {
		char name[16], src[64];
		snprintf(name, sizeof name, "p%d", i);
		snprintf(src, sizeof src, "{{>p%d}}{{>p%d}}", i + 1, i + 1);
		assert_int_equal(S_add(m, name, src, &err), 0);
	}
	assert_int_equal(cb_mustache_render(m, "p0", NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "too much output"));
	assert_string_equal(out.data, "before:");
	cb_buf_free(&out);
	cb_mustache_free(m);
}

static void test_deep_nesting(void **state)
{
	/* Sections nested far deeper than any real template compile, then fail
	 * to render with an error instead of exhausting the stack. */
	cb_buf src = CB_BUF_INIT;
	for (int i = 0; i < 5000; i++)
		cb_buf_puts(&src, "{{#a}}");
	for (int i = 0; i < 5000; i++)
		cb_buf_puts(&src, "{{/a}}");
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	assert_int_equal(cb_mustache_add(m, "deep", src.data, src.len, &err), 0);
	cb_value *d = cb_value_map();
	cb_map_set(d, "a", cb_value_map());
	cb_buf out = CB_BUF_INIT;
	assert_int_equal(cb_mustache_render(m, "deep", d, &out, &err), -1);
	assert_string_equal(err.msg, "templates are nested more than 1024 deep");
	cb_buf_free(&out);
	cb_buf_free(&src);
	cb_value_free(d);
	cb_mustache_free(m);
}

static cb_value *S_site(void)
{
	cb_value *d = cb_value_map();
	cb_map_set_str(d, "title", "Neglect & drift");
	cb_value *docs = cb_map_set(d, "docs", cb_value_list());
	for (int i = 0; i < 3; i++) {
		cb_value *doc = cb_list_push(docs, cb_value_map());
		char buf[32];
		snprintf(buf, sizeof buf, "doc-%d", i);
		cb_map_set_str(doc, "slug", buf);
		cb_map_set_num(doc, "n", i);
	}
	return d;
}

static void test_layout_and_repeatability(void **state)
{
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	assert_int_equal(S_add(m, "layout",
			       "<html>\n"
			       "<title>{{$title}}casebook{{/title}}</title>\n"
			       "<body>\n"
			       "  {{$body}}\n"
			       "  <p>nothing here</p>\n"
			       "  {{/body}}\n"
			       "  {{>footer}}\n"
			       "</body>\n",
			       &err),
			 0);
	assert_int_equal(S_add(m, "footer", "<footer>\n  {{title}}\n</footer>\n", &err), 0);
	assert_int_equal(S_add(m, "theme",
			       "{{<layout}}\n"
			       "{{$title}}{{title}} | casebook{{/title}}\n"
			       "{{$body}}\n"
			       "<ul>\n"
			       "  {{#docs}}\n"
			       "  <li><a href=\"documents/{{slug}}.html\">{{n}}</a></li>\n"
			       "  {{/docs}}\n"
			       "</ul>\n"
			       "{{/body}}\n"
			       "{{/layout}}\n",
			       &err),
			 0);
	cb_value *d = S_site();
	cb_buf a = CB_BUF_INIT, b = CB_BUF_INIT;
	assert_int_equal(cb_mustache_render(m, "theme", d, &a, &err), 0);
	assert_int_equal(cb_mustache_render(m, "theme", d, &b, &err), 0);
	assert_string_equal(a.data, "<html>\n"
				    "<title>Neglect &amp; drift | casebook</title>\n"
				    "<body>\n"
				    "  <ul>\n"
				    "    <li><a href=\"documents/doc-0.html\">0</a></li>\n"
				    "    <li><a href=\"documents/doc-1.html\">1</a></li>\n"
				    "    <li><a href=\"documents/doc-2.html\">2</a></li>\n"
				    "  </ul>\n"
				    "  <footer>\n"
				    "    Neglect &amp; drift\n"
				    "  </footer>\n"
				    "</body>\n");
	assert_string_equal(a.data, b.data);
	/* The layout alone keeps its defaults. */
	cb_buf_clear(&b);
	assert_int_equal(cb_mustache_render(m, "layout", d, &b, &err), 0);
	assert_string_equal(b.data, "<html>\n<title>casebook</title>\n<body>\n  <p>nothing here</p>\n"
				    "  <footer>\n    Neglect &amp; drift\n  </footer>\n</body>\n");
	cb_buf_free(&a);
	cb_buf_free(&b);
	cb_value_free(d);
	cb_mustache_free(m);
}

static void test_free_null(void **state)
{
	cb_mustache_free(NULL);
	assert_false(cb_mustache_has(NULL, "x"));
}

/* cb_mustache_reads: a name read by the template, its partials or its
 * parent's blocks counts; a block, partial or parent name does not; a
 * partial named by the data may read anything. */
static void test_reads(void **state)
{
	(void)state;
	cb_mustache *m = cb_mustache_new();
	cb_error err = {0};
	assert_int_equal(S_add(m, "layout", "<p>{{site.title}}</p>{{$content}}{{/content}}", &err), 0);
	assert_int_equal(S_add(m, "dated", "{{<layout}}{{$content}}{{>stamp}}{{/content}}{{/layout}}", &err),
			 0);
	assert_int_equal(S_add(m, "stamp", "{{#x}}{{build.date}}{{/x}}", &err), 0);
	assert_int_equal(S_add(m, "plain", "{{<layout}}{{$build}}{{/build}}{{/layout}}{{>build}}", &err), 0);
	assert_int_equal(S_add(m, "any", "{{>*which}}", &err), 0);
	assert_int_equal(S_add(m, "self", "{{>self}}{{^a.build}}{{/a.build}}", &err), 0);
	assert_true(cb_mustache_reads(m, "stamp", "build"));
	assert_true(cb_mustache_reads(m, "stamp", "date"));
	assert_true(cb_mustache_reads(m, "dated", "build"));
	assert_true(cb_mustache_reads(m, "dated", "title"));
	assert_false(cb_mustache_reads(m, "layout", "build"));
	assert_false(cb_mustache_reads(m, "plain", "build"));
	assert_true(cb_mustache_reads(m, "any", "build"));
	assert_true(cb_mustache_reads(m, "self", "build"));
	assert_false(cb_mustache_reads(m, "self", "a.build"));
	assert_false(cb_mustache_reads(m, "missing", "build"));
	cb_mustache_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unclosed_section), cmocka_unit_test(test_stray_and_mismatched_close),
	    cmocka_unit_test(test_tag_errors),	     cmocka_unit_test(test_failed_add_keeps_old_template),
	    cmocka_unit_test(test_escaping),	     cmocka_unit_test(test_values),
	    cmocka_unit_test(test_missing_template), cmocka_unit_test(test_recursion_limit),
	    cmocka_unit_test(test_deep_nesting),     cmocka_unit_test(test_layout_and_repeatability),
	    cmocka_unit_test(test_free_null),	     cmocka_unit_test(test_reads),
	    cmocka_unit_test(test_large_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
