/* Unit tests for the yaml module: the tree, positions, and every error. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"
#include "testutil.h"
#include "ytree.h"

/* The diagnostics as the user would see them, one per line. */
/* Parses text expecting failure and checks the exact diagnostics. */
static void S_expect_error(const char *text, int line_offset, const char *expected)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_ynode *root = (cb_ynode *)1;
	assert_int_equal(cb_yaml_parse(text, strlen(text), "f.yml", line_offset, &root, &d), -1);
	assert_null(root);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, expected);
	free(got);
	cb_diags_free(&d);
}

static cb_ynode *S_parse_ok(const char *text, int line_offset)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_ynode *root = NULL;
	assert_int_equal(cb_yaml_parse(text, strlen(text), "f.yml", line_offset, &root, &d), 0);
	assert_int_equal(d.n, 0);
	assert_non_null(root);
	cb_diags_free(&d);
	return root;
}

static void test_tree_and_positions(void **state)
{
	const char *text = "title: Child A\n"
			   "date: '2024-05-01'\n"
			   "themes: [neglect, was-not-brought]\n"
			   "actions:\n"
			   "  - action: Audit\n"
			   "    rag: green\n";
	cb_ynode *root = S_parse_ok(text, 1);
	assert_int_equal(root->type, CB_Y_MAP);
	assert_int_equal(root->n, 4);
	assert_int_equal(root->line, 2);
	assert_int_equal(root->col, 1);

	assert_string_equal(root->keys[0]->str, "title");
	assert_int_equal(root->keys[0]->line, 2);
	assert_int_equal(root->keys[0]->col, 1);
	const cb_ynode *title = cb_ynode_get(root, "title");
	assert_string_equal(title->str, "Child A");
	assert_int_equal(title->len, 7);
	assert_false(title->quoted);
	assert_int_equal(title->line, 2);
	assert_int_equal(title->col, 8);

	const cb_ynode *date = cb_ynode_get(root, "date");
	assert_string_equal(date->str, "2024-05-01");
	assert_true(date->quoted);
	assert_int_equal(date->line, 3);
	assert_int_equal(date->col, 7);

	const cb_ynode *themes = cb_ynode_get(root, "themes");
	assert_int_equal(themes->type, CB_Y_SEQ);
	assert_null(themes->keys);
	assert_int_equal(themes->n, 2);
	assert_string_equal(themes->items[1]->str, "was-not-brought");
	assert_int_equal(themes->items[1]->line, 4);
	assert_int_equal(themes->items[1]->col, 19);

	const cb_ynode *actions = cb_ynode_get(root, "actions");
	assert_int_equal(actions->type, CB_Y_SEQ);
	assert_int_equal(actions->n, 1);
	const cb_ynode *a = actions->items[0];
	assert_int_equal(a->type, CB_Y_MAP);
	assert_int_equal(a->line, 6);
	assert_int_equal(a->col, 5);
	assert_string_equal(cb_ynode_get(a, "rag")->str, "green");
	assert_int_equal(cb_ynode_get(a, "rag")->line, 7);
	assert_int_equal(cb_ynode_get(a, "rag")->col, 10);

	assert_null(cb_ynode_get(root, "summary"));
	assert_null(cb_ynode_get(themes, "title"));
	assert_string_equal(cb_ynode_kind(root), "a mapping");
	assert_string_equal(cb_ynode_kind(themes), "a list");
	assert_string_equal(cb_ynode_kind(title), "text");
	cb_ynode_free(root);
}

static void test_block_scalar_is_quoted(void **state)
{
	cb_ynode *root = S_parse_ok("summary: |\n  Two\n  lines\n", 0);
	const cb_ynode *s = cb_ynode_get(root, "summary");
	assert_string_equal(s->str, "Two\nlines\n");
	assert_true(s->quoted);
	cb_ynode_free(root);
}

static void test_empty_document_is_empty_map(void **state)
{
	cb_ynode *root = S_parse_ok("", 1);
	assert_int_equal(root->type, CB_Y_MAP);
	assert_int_equal(root->n, 0);
	assert_int_equal(root->line, 1);
	cb_ynode_free(root);

	root = S_parse_ok("# only a comment\n\n", 0);
	assert_int_equal(root->type, CB_Y_MAP);
	assert_int_equal(root->n, 0);
	cb_ynode_free(root);
}

static void test_crlf_positions(void **state)
{
	cb_ynode *root = S_parse_ok("a: 1\r\nbb: two\r\n", 3);
	const cb_ynode *bb = cb_ynode_get(root, "bb");
	assert_string_equal(bb->str, "two");
	assert_int_equal(bb->line, 5);
	assert_int_equal(bb->col, 5);
	cb_ynode_free(root);
}

static void test_columns_count_characters(void **state)
{
	cb_ynode *root = S_parse_ok("área: café\nnext: x\n", 0);
	const cb_ynode *v = cb_ynode_get(root, "área");
	assert_string_equal(v->str, "café");
	assert_int_equal(v->col, 7);
	cb_ynode_free(root);
}

static void test_syntax_error_colon(void **state)
{
	S_expect_error("title: Learning: the review\n", 1,
		       "f.yml:2:16: error: could not read the YAML: mapping values are not allowed in this "
		       "context; if a value contains ': ', put the whole value in quotes [yaml]\n");
}

static void test_syntax_error_named(void **state)
{
	const char *text = "title: x\n\ttype: briefing\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_ynode *root;
	assert_int_equal(cb_yaml_parse_named(text, strlen(text), "x.md", 1, "the front matter", &root, &d),
			 -1);
	char *got = tu_diags_text(&d);
	assert_string_equal(got,
			    "x.md:3:1: error: could not read the front matter: found a tab character that "
			    "violates indentation; indent with spaces, not tabs [yaml]\n");
	free(got);
	cb_diags_free(&d);
}

static void test_syntax_error_bad_indent(void **state)
{
	S_expect_error("title: x\n  type: briefing\n", 0,
		       "f.yml:2:7: error: could not read the YAML: mapping values are not allowed in this "
		       "context; check that this line is indented like the lines above it [yaml]\n");
}

static void test_unclosed_list(void **state)
{
	S_expect_error(
	    "title: x\nthemes: [neglect\n", 1,
	    "f.yml:4:1: error: could not read the YAML: did not find expected ',' or ']'; the list "
	    "that starts on line 3, column 9 needs a closing ']' [yaml]\n");
}

static void test_unclosed_quote(void **state)
{
	S_expect_error(
	    "title: \"unclosed\ntype: briefing\n", 1,
	    "f.yml:4:1: error: could not read the YAML: found unexpected end of stream; the quoted "
	    "text that starts on line 2, column 8 is not closed [yaml]\n");
}

static void test_duplicate_key(void **state)
{
	S_expect_error(
	    "title: a\ntype: b\ntitle: c\n", 1,
	    "f.yml:4:1: error: 'title' is given twice; the first is on line 2, column 1. Keep only "
	    "one of them [duplicate-key]\n");
}

static void test_duplicate_key_nested(void **state)
{
	S_expect_error(
	    "actions:\n  - action: a\n    action: b\n", 0,
	    "f.yml:3:5: error: 'action' is given twice; the first is on line 2, column 5. Keep only "
	    "one of them [duplicate-key]\n");
}

static void test_anchor_alias_tag_all_reported(void **state)
{
	S_expect_error(
	    "a: &x hello\nb: *x\nc: !!str 5\n", 0,
	    "f.yml:1:4: error: anchors ('&name') are not allowed in casebook files; write the value "
	    "out in full [yaml]\n"
	    "f.yml:2:4: error: aliases ('*name') are not allowed in casebook files; write the value "
	    "out in full [yaml]\n"
	    "f.yml:3:4: error: tags such as '!!str' are not allowed in casebook files; remove the "
	    "tag (put the value in quotes to keep it as text) [yaml]\n");
}

static void test_billion_laughs_refused(void **state)
{
	S_expect_error(
	    "a: &a [x, x]\nb: &b [*a, *a]\n", 0,
	    "f.yml:1:4: error: anchors ('&name') are not allowed in casebook files; write the value "
	    "out in full [yaml]\n"
	    "f.yml:2:4: error: anchors ('&name') are not allowed in casebook files; write the value "
	    "out in full [yaml]\n"
	    "f.yml:2:8: error: aliases ('*name') are not allowed in casebook files; write the value "
	    "out in full [yaml]\n"
	    "f.yml:2:12: error: aliases ('*name') are not allowed in casebook files; write the value "
	    "out in full [yaml]\n");
}

static void test_non_scalar_key(void **state)
{
	S_expect_error("? [a, b]\n: c\n", 0,
		       "f.yml:1:3: error: a field name must be plain text, not a list or a mapping [yaml]\n");
}

static void test_depth_limit(void **state)
{
	cb_buf b = CB_BUF_INIT;
	for (int i = 0; i < 70; i++)
		cb_buf_putc(&b, '[');
	for (int i = 0; i < 70; i++)
		cb_buf_putc(&b, ']');
	S_expect_error(b.data, 0,
		       "f.yml:1:65: error: the YAML is nested too deeply (more than 64 levels of lists and "
		       "mappings) [yaml]\n");
	cb_buf_free(&b);

	/* 64 levels are still fine. */
	for (int i = 0; i < 63; i++)
		cb_buf_puts(&b, "- ");
	cb_buf_puts(&b, "[x]\n");
	cb_ynode *root = S_parse_ok(b.data, 0);
	assert_int_equal(root->type, CB_Y_SEQ);
	cb_ynode_free(root);
	cb_buf_free(&b);
}

static void test_second_document(void **state)
{
	S_expect_error(
	    "a: 1\n---\nb: 2\n", 0,
	    "f.yml:2:1: error: a second YAML document starts here; remove this '---' line (or put it "
	    "in quotes if it is part of a value) [yaml]\n");
}

static void test_control_character(void **state)
{
	S_expect_error("title: x\nsummary: a\x01z\n", 1,
		       "f.yml:3:11: error: could not read the YAML: it contains a control character (U+0001) "
		       "that is not allowed; delete it [yaml]\n");
}

static void test_nul_escape(void **state)
{
	S_expect_error("title: \"a\\0b\"\n", 0,
		       "f.yml:1:8: error: this text contains a NUL character ('\\0'), which cannot be "
		       "published; remove it [yaml]\n");
}

static void test_free_null(void **state)
{
	cb_ynode_free(NULL);
	assert_string_equal(cb_ynode_kind(NULL), "nothing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_and_positions),
	    cmocka_unit_test(test_block_scalar_is_quoted),
	    cmocka_unit_test(test_empty_document_is_empty_map),
	    cmocka_unit_test(test_crlf_positions),
	    cmocka_unit_test(test_columns_count_characters),
	    cmocka_unit_test(test_syntax_error_colon),
	    cmocka_unit_test(test_syntax_error_named),
	    cmocka_unit_test(test_syntax_error_bad_indent),
	    cmocka_unit_test(test_unclosed_list),
	    cmocka_unit_test(test_unclosed_quote),
	    cmocka_unit_test(test_duplicate_key),
	    cmocka_unit_test(test_duplicate_key_nested),
	    cmocka_unit_test(test_anchor_alias_tag_all_reported),
	    cmocka_unit_test(test_billion_laughs_refused),
	    cmocka_unit_test(test_non_scalar_key),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_second_document),
	    cmocka_unit_test(test_control_character),
	    cmocka_unit_test(test_nul_escape),
	    cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
