/* Unit tests for markdown: safe HTML, heading ids, learning points, links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "util.h"

/* Documents known to the test resolver: index 0 and 1 are visible, 2 is
 * outside the audience. */
static cb_link_status resolve(void *ctx, const char *path, int line, int col, char **href, int *target)
{
	/* Files: one attachment, one too large; anything outside content/ is
	 * outside. */
	if (strcmp(path, "content/briefings/chart.png") == 0 ||
	    strcmp(path, "content/files/report.pdf") == 0) {
		*href = cb_xasprintf("../files/%s", path + 8);
		*target = -1;
		return CB_LINK_OK;
	}
	if (strcmp(path, "content/big.pdf") == 0)
		return CB_LINK_TOO_LARGE;
	if (strcmp(path, "walsby:content/y.md") == 0) {
		*href = cb_xstrdup("walsby/y.html");
		*target = 1;
		return CB_LINK_OK;
	}
	if (strncmp(path, "content/", 8) != 0)
		return CB_LINK_OUTSIDE;
	static const char *const known[] = {"content/briefings/wnb.md", "content/reviews/child-a.md",
					    "content/supervision/note.md"};
	for (int i = 0; i < 3; i++) {
		if (strcmp(path, known[i]) != 0)
			continue;
		if (i == 2)
			return CB_LINK_HIDDEN;
		*href = cb_xasprintf("page-%d.html", i);
		*target = i;
		return CB_LINK_OK;
	}
	return CB_LINK_MISSING;
}

static int render(const char *src, cb_mdoc *m, cb_diags *d)
{
	return cb_markdown_render(src, strlen(src), 6, "content/briefings/x.md", resolve, NULL, m, d);
}

static void test_raw_html_dropped(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(
	    render("Hello <script>alert(1)</script> world\n\n<div onclick=\"x\">block</div>\n", &m, &d), 0);
	assert_null(strstr(m.html, "<script"));
	assert_null(strstr(m.html, "<div"));
	assert_non_null(strstr(m.html, "Hello"));
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

static void test_dangerous_links(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	render("[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) [d](https://example.org/)\n",
	       &m, &d);
	assert_null(strstr(m.html, "javascript:"));
	assert_null(strstr(m.html, "vbscript:"));
	assert_null(strstr(m.html, "data:text"));
	assert_non_null(strstr(m.html, "href=\"https://example.org/\""));
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

static void test_heading_ids(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	render("## Key learning\n\n## Key learning\n\n## Main\n\n### ???\n\n> ## Quoted\n", &m, &d);
	assert_int_equal(m.nheadings, 5);
	assert_string_equal(m.headings[0].id, "key-learning");
	assert_string_equal(m.headings[1].id, "key-learning-2");
	assert_string_equal(m.headings[2].id, "main-2"); /* "main" is the page's own */
	assert_string_equal(m.headings[3].id, "section");
	assert_string_equal(m.headings[4].id, "quoted");
	assert_int_equal(m.headings[0].line, 6);
	assert_int_equal(m.headings[1].line, 8);
	assert_non_null(strstr(m.html, "<h2 id=\"key-learning\">Key learning</h2>"));
	assert_non_null(strstr(m.html, "<h2 id=\"key-learning-2\">"));
	assert_non_null(strstr(m.html, "<h3 id=\"section\">"));
	assert_non_null(strstr(m.html, "<h2 id=\"quoted\">"));
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

static void test_learning_points(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	const char *src =
	    "## Background\n\n- not learning\n\n"
	    "## Key learning\n\n- Record **every** missed appointment.\n- Share with the GP.\n\n"
	    "### Information sharing\n\n- Nested heading still counts.\n\n"
	    "## Recommendations:\n\n1. Numbered too.\n\n"
	    "## Next steps\n\n- not learning either\n";
	render(src, &m, &d);
	assert_int_equal(m.nlearning, 4);
	assert_string_equal(m.learning[0].html, "Record <strong>every</strong> missed appointment.");
	assert_string_equal(m.learning[0].text, "Record every missed appointment.");
	assert_string_equal(m.learning[0].heading, "Key learning");
	assert_string_equal(m.learning[0].heading_id, "key-learning");
	assert_int_equal(m.learning[0].line, 12);
	assert_string_equal(m.learning[2].heading, "Information sharing");
	assert_string_equal(m.learning[2].heading_id, "information-sharing");
	assert_string_equal(m.learning[3].html, "Numbered too.");
	assert_string_equal(m.learning[3].heading_id, "recommendations");
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

/* Headings and learning points sit in one block after rendering, with
 * the same contents, and compacting again changes nothing. */
static void test_compact(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	const char *src = "## Key learning\n\n- One.\n- Two.\n\n## Think\n\n- Three.\n";
	render(src, &m, &d);
	assert_non_null(m.block);
	assert_int_equal(m.nheadings, 2);
	assert_int_equal(m.nlearning, 3);
	char *lo = m.block, *hi = lo + 4096;
	assert_true((char *)m.headings >= lo && (char *)m.headings < hi);
	assert_true(m.learning[2].text >= lo && m.learning[2].text < hi);
	assert_string_equal(m.headings[1].text, "Think");
	assert_string_equal(m.headings[1].id, "think");
	assert_string_equal(m.learning[1].html, "Two.");
	assert_string_equal(m.learning[1].heading, "Key learning");
	assert_ptr_equal(m.learning[0].heading, m.learning[1].heading);
	assert_ptr_equal(m.learning[0].heading_id, m.learning[1].heading_id);
	assert_string_equal(m.learning[2].heading_id, "think");
	void *block = m.block;
	cb_mdoc_compact(&m);
	assert_ptr_equal(m.block, block);
	assert_string_equal(m.learning[2].text, "Three.");
	cb_mdoc_free(&m);
	assert_null(m.block);
	cb_diags_free(&d);
}

static void test_learning_heading_names(void **state)
{
	assert_true(cb_markdown_is_learning_heading("Key learning"));
	assert_true(cb_markdown_is_learning_heading("KEY LEARNING"));
	assert_true(cb_markdown_is_learning_heading("What to do"));
	assert_true(cb_markdown_is_learning_heading("Think"));
	assert_true(cb_markdown_is_learning_heading("Key learning: information sharing"));
	assert_false(cb_markdown_is_learning_heading("Thinking about it"));
	assert_false(cb_markdown_is_learning_heading("Background"));
}

static void test_links(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	const char *src =
	    "See [the briefing](wnb.md#think), [the review](../reviews/child-a.md),\n"
	    "[again](./wnb.md) and [a note](../supervision/note.md).\n\n"
	    "Broken: [gone](missing.md) and [escape](../../../x.md). [web](https://example.org/a.md)\n";
	int rc = render(src, &m, &d);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(m.html, "href=\"page-0.html#think\""));
	assert_non_null(strstr(m.html, "href=\"page-1.html\""));
	assert_non_null(strstr(m.html, "and a note."));
	assert_null(strstr(m.html, "note.md"));
	assert_non_null(strstr(m.html, "href=\"https://example.org/a.md\""));
	assert_int_equal(m.nlinks, 2);
	assert_int_equal(m.links[0], 0);
	assert_int_equal(m.links[1], 1);
	assert_int_equal(d.errors, 2);
	assert_string_equal(d.v[0].file, "content/briefings/x.md");
	assert_int_equal(d.v[0].line, 9);
	assert_int_equal(d.v[0].col, 9);
	assert_string_equal(d.v[0].rule, "broken-link");
	assert_non_null(strstr(d.v[0].msg, "'missing.md'"));
	assert_int_equal(d.v[1].line, 9);
	assert_int_equal(d.v[1].col, 32);
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

/* A partner repository's document is linked as NAME:path, from that
 * repository's root; web and mail addresses are not such links. */
static void test_source_links(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	const char *src = "[p](walsby:content/y.md#a) [m](mailto:help@example.md) [w](https://x.org/y.md)\n"
			  "[t](walsbi:content/y.md)\n";
	assert_int_equal(render(src, &m, &d), -1);
	assert_non_null(strstr(m.html, "href=\"walsby/y.html#a\""));
	assert_non_null(strstr(m.html, "href=\"mailto:help@example.md\""));
	assert_non_null(strstr(m.html, "href=\"https://x.org/y.md\""));
	assert_int_equal(m.nlinks, 1);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.v[0].line, 7);
	assert_int_equal(d.v[0].col, 1);
	assert_string_equal(d.v[0].rule, "broken-link");
	assert_non_null(strstr(d.v[0].msg, "'walsbi:content/y.md'"));
	assert_non_null(strstr(d.v[0].msg, "NAME:PATH"));
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

/* Each link to a document is recorded in order with the heading it sits
 * under (a link in a heading, under that heading); each table with its
 * cells' text, row by row, and its heading. Hidden and file links are not
 * links to documents. */
static void test_structure(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	const char *src = "Above [the review](../reviews/child-a.md).\n\n"
			  "## Key [learning](wnb.md)\n\n"
			  "- See [it](wnb.md#think), [a note](../supervision/note.md) and "
			  "[a file](../files/report.pdf).\n\n"
			  "# Plan\n\n"
			  "> | Action | RAG | Due |\n"
			  "> |---|---|---|\n"
			  "> | Call **the** `GP` & [review](../reviews/child-a.md) | red | 2024-01-01 |\n"
			  "> | Short |\n";
	assert_int_equal(render(src, &m, &d), 0);
	assert_int_equal(m.ndoclinks, 4);
	const char *paths[] = {"content/reviews/child-a.md", "content/briefings/wnb.md",
			       "content/briefings/wnb.md", "content/reviews/child-a.md"};
	const int headings[] = {-1, 0, 0, 1};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(m.doclinks[i].path, paths[i]);
		assert_int_equal(m.doclinks[i].heading, headings[i]);
	}
	assert_string_equal(m.headings[1].text, "Plan");
	assert_int_equal(m.ntables, 1);
	const cb_mtable *t = &m.tables[0];
	assert_int_equal(t->heading, 1);
	assert_int_equal(t->line, 6 + 8);
	assert_int_equal(t->nrows, 3);
	assert_int_equal(t->ncells[0], 3);
	assert_string_equal(t->cells[0], "Action");
	assert_string_equal(t->cells[2], "Due");
	assert_string_equal(t->cells[3], "Call the GP & review");
	assert_string_equal(t->cells[4], "red");
	/* A short row is filled out to the header's width, as on the page. */
	assert_int_equal(t->ncells[2], 3);
	assert_string_equal(t->cells[6], "Short");
	assert_string_equal(t->cells[7], "");
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

static void test_file_links(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	const char *src = "![Referrals by month](chart.png) and [the report](../files/report.pdf#page=2).\n\n"
			  "![](chart.png)\n\n"
			  "[gone](nothing.docx), [out](../../README.txt), [up](../../../x.pdf), "
			  "[big](../big.pdf)\n";
	int rc = render(src, &m, &d);
	assert_int_equal(rc, -1);
	assert_non_null(
	    strstr(m.html, "<img src=\"../files/briefings/chart.png\" alt=\"Referrals by month\""));
	assert_non_null(strstr(m.html, "href=\"../files/files/report.pdf#page=2\""));
	assert_int_equal(m.nlinks, 0);
	cb_diags_sort(&d);
	assert_int_equal(d.n, 5);
	assert_int_equal(d.errors, 4);
	/* The image without alt text: a warning at its '!'. */
	assert_int_equal(d.v[0].sev, CB_WARNING);
	assert_string_equal(d.v[0].rule, "image-alt");
	assert_int_equal(d.v[0].line, 8);
	assert_int_equal(d.v[0].col, 1);
	assert_string_equal(d.v[1].rule, "missing-file");
	assert_int_equal(d.v[1].line, 10);
	assert_int_equal(d.v[1].col, 1);
	assert_non_null(strstr(d.v[1].msg, "'nothing.docx'"));
	assert_string_equal(d.v[2].rule, "file-outside");
	assert_int_equal(d.v[2].col, 23);
	assert_string_equal(d.v[3].rule, "file-outside");
	assert_string_equal(d.v[4].rule, "file-too-large");
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

static void test_plain_text_and_tables(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	render("# Title\n\nSome *emphasis* and `code`.\n\n| Action | RAG |\n|:--|--|\n| Train staff | green "
	       "|\n\n"
	       "- [x] done ~~struck~~\n",
	       &m, &d);
	assert_non_null(strstr(m.text, "Some emphasis and code."));
	assert_non_null(strstr(m.text, "Train staff"));
	assert_non_null(strstr(m.html, "<table>"));
	assert_non_null(strstr(m.html, "style=\"text-align: left\""));
	assert_null(strstr(m.html, "align=\""));
	assert_non_null(strstr(m.html, "<del>struck</del>"));
	assert_non_null(strstr(m.html, "checkbox"));
	/* A level-1 heading in the body is a warning: the title is the h1. */
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.v[0].rule, "heading-level");
	cb_mdoc_free(&m);
	cb_diags_free(&d);
}

/* Headings of the same text are numbered in one step each (8,000 of them
 * took 20 s when every number was tried from 2), and a number a heading's
 * own text takes is skipped. Checks the ids, not the time. */
static void test_many_identical_headings(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	render("## Same\n\n## Same\n\n## Same 3\n\n## Same\n\n## Same\n", &m, &d);
	assert_int_equal(m.nheadings, 5);
	assert_string_equal(m.headings[0].id, "same");
	assert_string_equal(m.headings[1].id, "same-2");
	assert_string_equal(m.headings[2].id, "same-3");
	assert_string_equal(m.headings[3].id, "same-4");
	assert_string_equal(m.headings[4].id, "same-5");
	cb_mdoc_free(&m);
	cb_buf b = CB_BUF_INIT;
	for (int i = 0; i < 8000; i++)
		cb_buf_puts(&b, "## Same\n\n");
	render(b.data, &m, &d);
	assert_int_equal(m.nheadings, 8000);
	assert_string_equal(m.headings[7999].id, "same-8000");
	assert_non_null(strstr(m.html, "<h2 id=\"same-8000\">"));
	cb_mdoc_free(&m);
	cb_buf_free(&b);
	cb_diags_free(&d);
}

/* 20,000 broken links on one line: each reported at its own column. */
static void test_many_broken_links(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	cb_buf b = CB_BUF_INIT;
	for (int i = 0; i < 20000; i++) {
		char one[64];
		snprintf(one, sizeof one, "[x](missing-%05d.md) ", i);
		cb_buf_puts(&b, one);
	}
	render(b.data, &m, &d);
	assert_int_equal(d.errors, 20000);
	/* Each link is 22 bytes; the body starts on line 6. */
	assert_int_equal(d.v[0].line, 6);
	assert_int_equal(d.v[0].col, 1);
	assert_int_equal(d.v[19999].line, 6);
	assert_int_equal(d.v[19999].col, 19999 * 22 + 1);
	assert_non_null(strstr(d.v[19999].msg, "missing-19999.md"));
	cb_mdoc_free(&m);
	cb_buf_free(&b);
	cb_diags_free(&d);
}

/* A table wider than CB_MAX_TABLE_COLUMNS is an error at its line (the
 * table parser's work grows with the square of a row's cells). */
static void test_too_wide_table(void **state)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "Intro.\n\n");
	for (int row = 0; row < 3; row++) {
		for (int i = 0; i < 5000; i++)
			cb_buf_puts(&b, row == 1 ? "|-" : "|c");
		cb_buf_puts(&b, "|\n");
	}
	render(b.data, &m, &d);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.v[0].rule, "table-too-wide");
	assert_int_equal(d.v[0].line, 8);
	assert_non_null(strstr(d.v[0].msg, "5000 columns"));
	cb_mdoc_free(&m);
	cb_diags_free(&d);
	/* At the limit it is a table. */
	cb_buf_free(&b);
	for (int row = 0; row < 3; row++) {
		for (int i = 0; i < CB_MAX_TABLE_COLUMNS; i++)
			cb_buf_puts(&b, row == 1 ? "|-" : "|c");
		cb_buf_puts(&b, "|\n");
	}
	render(b.data, &m, &d);
	assert_int_equal(d.errors, 0);
	assert_non_null(strstr(m.html, "<table>"));
	cb_mdoc_free(&m);
	cb_buf_free(&b);
	cb_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_raw_html_dropped),
	    cmocka_unit_test(test_dangerous_links),
	    cmocka_unit_test(test_heading_ids),
	    cmocka_unit_test(test_many_identical_headings),
	    cmocka_unit_test(test_many_broken_links),
	    cmocka_unit_test(test_too_wide_table),
	    cmocka_unit_test(test_learning_points),
	    cmocka_unit_test(test_learning_heading_names),
	    cmocka_unit_test(test_links),
	    cmocka_unit_test(test_source_links),
	    cmocka_unit_test(test_structure),
	    cmocka_unit_test(test_file_links),
	    cmocka_unit_test(test_plain_text_and_tables),
	    cmocka_unit_test(test_compact),
	};
	return cmocka_run_group_tests_name("markdown", tests, NULL, NULL);
}
