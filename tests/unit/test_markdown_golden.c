/*
 * Golden tests for markdown, as lowdown's regress does: every NAME.md in
 * tests/fixtures/markdown/ is rendered as the body of
 * content/briefings/x.md, and what came out — the HTML, then the learning
 * points, the linked documents and the diagnostics as a comment — must be
 * exactly NAME.html beside it. A failure prints the first differing line.
 *
 * After a deliberate change to the output, CB_GOLDEN_UPDATE=1 rewrites the
 * .html files from what the code makes now; read their diff before
 * committing them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "util.h"
#include "testutil.h"

#define S_DIR "tests/fixtures/markdown"

/* The documents a fixture may link to (relative to content/briefings/):
 * wnb.md and ../reviews/child-a.md are in the build, ../supervision/note.md
 * is outside its audience. */
static cb_link_status S_resolve(void *ctx, const char *path, int line, int col, char **href, int *target)
{
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

/* What the fixture src renders to, as the .html files hold it; caller
 * frees. */
static char *S_render(const char *src, size_t len)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	cb_markdown_render(src, len, 1, "content/briefings/x.md", S_resolve, NULL, &m, &d);
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, m.html ? m.html : "");
	cb_buf_puts(&b, "<!--\n");
	for (size_t i = 0; i < m.nheadings; i++)
		cb_buf_printf(&b, "heading %d #%s line %d: %s\n", m.headings[i].level, m.headings[i].id,
			      m.headings[i].line, m.headings[i].text);
	for (size_t i = 0; i < m.nlearning; i++)
		cb_buf_printf(&b, "learning #%s line %d: %s\n", m.learning[i].heading_id, m.learning[i].line,
			      m.learning[i].text);
	for (size_t i = 0; i < m.nlinks; i++)
		cb_buf_printf(&b, "links to document %d\n", m.links[i]);
	char *diags = tu_diags_text(&d);
	cb_buf_puts(&b, diags);
	cb_buf_puts(&b, "-->\n");
	free(diags);
	cb_mdoc_free(&m);
	cb_diags_free(&d);
	char *out = cb_xstrndup(b.data, b.len);
	cb_buf_free(&b);
	return out;
}

/* The first line where a and b differ (1-based), for the message. */
static int S_first_difference(const char *a, const char *b, const char **la, const char **lb)
{
	int line = 1;
	*la = a;
	*lb = b;
	for (; *a && *a == *b; a++, b++)
		if (*a == '\n') {
			line++;
			*la = a + 1;
			*lb = b + 1;
		}
	return line;
}

static int S_cmp_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void test_golden_pairs(void **state)
{
	bool update = getenv("CB_GOLDEN_UPDATE") && strcmp(getenv("CB_GOLDEN_UPDATE"), "1") == 0;
	DIR *dh = opendir(S_DIR);
	assert_non_null(dh);
	cb_strv names = CB_STRV_INIT;
	struct dirent *e;
	while ((e = readdir(dh)))
		if (cb_str_ends(e->d_name, ".md"))
			cb_strv_push_own(&names, cb_xstrndup(e->d_name, strlen(e->d_name) - 3));
	closedir(dh);
	qsort(names.v, names.n, sizeof *names.v, S_cmp_name);
	/* The folder holds at least the cases this file was written for. */
	assert_true(names.n >= 7);
	int failed = 0;
	for (size_t i = 0; i < names.n; i++) {
		char *md = cb_xasprintf("%s/%s.md", S_DIR, names.v[i]);
		char *html = cb_xasprintf("%s/%s.html", S_DIR, names.v[i]);
		char *src = NULL, *want = NULL;
		size_t len = 0, wlen = 0;
		assert_int_equal(cb_file_read(md, &src, &len), 0);
		char *got = S_render(src, len);
		if (update) {
			assert_int_equal(cb_file_write(html, got, strlen(got)), 0);
		} else if (cb_file_read(html, &want, &wlen) != 0) {
			print_error("%s: no expected output (%s); make it with CB_GOLDEN_UPDATE=1\n", md,
				    html);
			failed++;
		} else if (strlen(want) != wlen || strcmp(got, want) != 0) {
			const char *lg, *lw;
			int line = S_first_difference(got, want, &lg, &lw);
			print_error("%s:%d: differs from the expected output\n  got:  %.*s\n  want: %.*s\n",
				    html, line, (int)strcspn(lg, "\n"), lg, (int)strcspn(lw, "\n"), lw);
			failed++;
		}
		free(got);
		free(want);
		free(src);
		free(md);
		free(html);
	}
	cb_strv_free(&names);
	assert_int_equal(failed, 0);
}

/* The loop above would pass on an empty comparison; this checks that a
 * different output is noticed, with the line it differs on. */
static void test_difference_found(void **state)
{
	const char *la, *lb;
	assert_int_equal(S_first_difference("a\nb\nc\n", "a\nb\nx\n", &la, &lb), 3);
	assert_int_equal(la[0], 'c');
	assert_int_equal(lb[0], 'x');
	char *one = S_render("# Title\n", 8), *two = S_render("# Title!\n", 9);
	assert_string_not_equal(one, two);
	free(one);
	free(two);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_pairs),
	    cmocka_unit_test(test_difference_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
