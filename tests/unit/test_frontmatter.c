/* Unit tests for the frontmatter module: byte checks, splitting, and
 * positions in the file (CRLF, byte order mark). */
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
#include "frontmatter.h"
#include "util.h"
#include "testutil.h"
#include "ytree.h"

/* Splits text of length len, expecting failure with exactly expected. */
static void S_expect_error(const char *text, size_t len, const char *expected)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(text, len, "content/x.md", &s, &d), -1);
	assert_null(s.meta);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, expected);
	free(got);
	cb_split_free(&s);
	cb_diags_free(&d);
}

static void test_split_basic(void **state)
{
	const char *text = "---\n"
			   "title: Child A\n"
			   "type: briefing\n"
			   "---\n"
			   "# Background\n"
			   "Text.\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(text, strlen(text), "content/x.md", &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_non_null(s.meta);
	assert_int_equal(s.meta->type, CB_Y_MAP);
	assert_int_equal(s.meta->n, 2);
	assert_int_equal(s.meta->line, 1);
	assert_int_equal(s.meta->col, 1);
	const cb_ynode *t = cb_ynode_get(s.meta, "title");
	assert_string_equal(t->str, "Child A");
	assert_int_equal(t->line, 2);
	assert_int_equal(t->col, 8);
	assert_int_equal(cb_ynode_get(s.meta, "type")->line, 3);
	assert_int_equal(s.body_line, 5);
	assert_int_equal(s.body_len, strlen("# Background\nText.\n"));
	assert_memory_equal(s.body, "# Background\nText.\n", s.body_len);
	cb_split_free(&s);
	assert_null(s.meta);
	cb_diags_free(&d);
}

static void test_dots_close_and_trailing_space(void **state)
{
	const char *text = "---  \ntitle: A\n...\t\nbody";
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(text, strlen(text), "x.md", &s, &d), 0);
	assert_string_equal(cb_ynode_get(s.meta, "title")->str, "A");
	assert_int_equal(s.body_line, 4);
	assert_int_equal(s.body_len, 4);
	assert_memory_equal(s.body, "body", 4);
	cb_split_free(&s);
	cb_diags_free(&d);
}

static void test_empty_front_matter_and_no_body(void **state)
{
	const char *text = "---\n---";
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(text, strlen(text), "x.md", &s, &d), 0);
	assert_int_equal(s.meta->type, CB_Y_MAP);
	assert_int_equal(s.meta->n, 0);
	assert_int_equal(s.body_len, 0);
	assert_int_equal(s.body_line, 3);
	cb_split_free(&s);
	cb_diags_free(&d);
}

static void test_crlf(void **state)
{
	const char *text = "---\r\ntitle: A\r\ndate: 2024-05-01\r\n---\r\nBody\r\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(text, strlen(text), "x.md", &s, &d), 0);
	const cb_ynode *date = cb_ynode_get(s.meta, "date");
	assert_string_equal(date->str, "2024-05-01");
	assert_int_equal(date->line, 3);
	assert_int_equal(date->col, 7);
	assert_string_equal(cb_ynode_get(s.meta, "title")->str, "A");
	assert_int_equal(s.body_line, 5);
	assert_int_equal(s.body_len, 6);
	assert_memory_equal(s.body, "Body\r\n", 6);
	cb_split_free(&s);
	cb_diags_free(&d);
}

static void test_crlf_error_position(void **state)
{
	const char *text = "---\r\ntitle: A\r\ntitle: B\r\n---\r\n";
	S_expect_error(
	    text, strlen(text),
	    "content/x.md:3:1: error: 'title' is given twice; the first is on line 2, column 1. Keep "
	    "only one of them [duplicate-key]\n");
}

static void test_bom(void **state)
{
	const char *text = "\xEF\xBB\xBF---\ntitle: A\n---\nBody\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(text, strlen(text), "x.md", &s, &d), 0);
	const cb_ynode *t = cb_ynode_get(s.meta, "title");
	assert_int_equal(t->line, 2);
	assert_int_equal(t->col, 8);
	assert_int_equal(s.body_line, 4);
	assert_memory_equal(s.body, "Body\n", 5);
	cb_split_free(&s);
	cb_diags_free(&d);
}

static void test_bom_error_position(void **state)
{
	/* The byte order mark is invisible, so it is not a column. */
	const char *text = "\xEF\xBB\xBF---\ntitle: a: b\n---\n";
	S_expect_error(text, strlen(text),
		       "content/x.md:2:9: error: could not read the front matter: mapping values are not "
		       "allowed in this context; if a value contains ': ', put the whole value in quotes "
		       "[yaml]\n");
	const char *bad = "\xEF\xBB\xBF\xFF---\n";
	S_expect_error(bad, strlen(bad),
		       "content/x.md:1:1: error: the file is not valid UTF-8 here (byte 0xFF); re-save it as "
		       "UTF-8 in your editor [utf8]\n");
}

static void test_too_large(void **state)
{
	size_t len = CB_MAX_DOC_SIZE + 1;
	char *big = cb_xmalloc(len);
	memset(big, 'a', len);
	S_expect_error(
	    big, len,
	    "content/x.md:1:1: error: the file is 1048577 bytes (1.0 MB), over the limit of 1048576 "
	    "bytes (1.0 MB) for one document; split it into smaller documents [too-large]\n");
	free(big);
}

static void test_exactly_the_limit_is_fine(void **state)
{
	size_t len = CB_MAX_DOC_SIZE;
	char *big = cb_xmalloc(len);
	memset(big, 'a', len);
	memcpy(big, "---\n---\n", 8);
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(big, len, "x.md", &s, &d), 0);
	assert_int_equal(s.body_len, len - 8);
	cb_split_free(&s);
	cb_diags_free(&d);
	free(big);
}

static void test_nul_byte(void **state)
{
	const char text[] = "---\ntitle: A\n---\nSome text\0 more\n";
	S_expect_error(
	    text, sizeof text - 1,
	    "content/x.md:4:10: error: the file contains a NUL byte here, so it looks like a binary "
	    "file rather than Markdown; only plain-text .md files can be published [binary]\n");
}

static void test_invalid_utf8(void **state)
{
	/* Latin-1 "é" after two correctly encoded characters on line 3: the
	 * column counts characters, not bytes. */
	const char *text = "---\ntitle: A\nsummary: \xC3\xA9\xC3\xA9 caf\xE9\n---\n";
	S_expect_error(
	    text, strlen(text),
	    "content/x.md:3:16: error: the file is not valid UTF-8 here (byte 0xE9); re-save it as "
	    "UTF-8 in your editor [utf8]\n");
	const char *overlong = "---\ntitle: \xC0\xAF\n---\n";
	S_expect_error(overlong, strlen(overlong),
		       "content/x.md:2:8: error: the file is not valid UTF-8 here (byte 0xC0); re-save it as "
		       "UTF-8 in your editor [utf8]\n");
}

static void test_no_front_matter(void **state)
{
	static const char msg[] =
	    "content/x.md:1:1: error: the document must start with front matter: a line '---', the "
	    "fields, then another '---'; the smallest header is: --- / title: Your title / type: briefing "
	    "/ date: 2024-05-01 / --- (each on its own line) [no-front-matter]\n";
	S_expect_error("# Just Markdown\n", 16, msg);
	S_expect_error("", 0, msg);
	S_expect_error("\n---\ntitle: A\n---\n", 17, msg);
	S_expect_error("----\n", 5, msg);
}

static void test_unclosed(void **state)
{
	const char *text = "---\ntitle: A\n\n# Heading\n-- \n";
	S_expect_error(
	    text, strlen(text),
	    "content/x.md:1:1: error: the front matter that starts here is never closed; add a line "
	    "'---' after the last field [unclosed-front-matter]\n");
}

static void test_not_mapping(void **state)
{
	const char *text = "---\n- title\n- date\n---\n";
	S_expect_error(
	    text, strlen(text),
	    "content/x.md:2:1: error: the front matter must be fields written as 'name: value', one "
	    "per line, but here it is a list [front-matter-not-mapping]\n");
	const char *scalar = "---\njust some words\n---\n";
	S_expect_error(
	    scalar, strlen(scalar),
	    "content/x.md:2:1: error: the front matter must be fields written as 'name: value', one "
	    "per line, but here it is text [front-matter-not-mapping]\n");
}

static void test_yaml_error_file_position(void **state)
{
	const char *text = "---\ntitle: A\ntype: briefing\nsummary: Why: because\n---\n";
	S_expect_error(text, strlen(text),
		       "content/x.md:4:13: error: could not read the front matter: mapping values are not "
		       "allowed in this context; if a value contains ': ', put the whole value in quotes "
		       "[yaml]\n");
}

/* cb_split_free takes NULL and an empty split, and frees a split's tree
 * once: it forgets the tree, so a second call is harmless (under the
 * sanitizers a double free or a leak here fails the test). */
static void test_free_null(void **state)
{
	cb_split_free(NULL);
	cb_split s = {0};
	cb_split_free(&s);
	assert_null(s.meta);
	cb_diags d = CB_DIAGS_INIT;
	const char *text = "---\ntitle: A\n---\nBody\n";
	assert_int_equal(cb_frontmatter_split(text, strlen(text), "x.md", &s, &d), 0);
	assert_non_null(s.meta);
	cb_split_free(&s);
	assert_null(s.meta);
	cb_split_free(&s);
	cb_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_basic),
	    cmocka_unit_test(test_dots_close_and_trailing_space),
	    cmocka_unit_test(test_empty_front_matter_and_no_body),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_crlf_error_position),
	    cmocka_unit_test(test_bom),
	    cmocka_unit_test(test_bom_error_position),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_exactly_the_limit_is_fine),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_no_front_matter),
	    cmocka_unit_test(test_unclosed),
	    cmocka_unit_test(test_not_mapping),
	    cmocka_unit_test(test_yaml_error_file_position),
	    cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
