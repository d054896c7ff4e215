/* Unit tests for render: the default theme over a small real site.
 * Run from the repository root (tests/run.sh does), where themes/ is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "site.h"
#include "util.h"
#include "testutil.h"
#include "writer.h"

static char *S_tmp;

static void S_sh(const char *cmd)
{
	char *repo = cb_path_join(S_tmp, "repo");
	tu_git(repo, cmd);
	free(repo);
}

static void S_write(const char *rel, const char *text)
{
	char *repo = cb_path_join(S_tmp, "repo");
	tu_write(repo, rel, text);
	free(repo);
}

static char *S_read(const char *rel)
{
	char *out = cb_path_join(S_tmp, "out");
	char *data = tu_read(out, rel);
	free(out);
	return data;
}

static int setup(void **state)
{
	S_tmp = tu_tmpdir("cbrender");
	if (!S_tmp)
		return -1;
	char *repo = cb_path_join(S_tmp, "repo");
	cb_mkdir_p(repo);
	free(repo);
	S_sh("git init -q -b main .");
	S_write("content/a.md",
		"---\ntitle: \"Alpha <script>alert(1)</script>\"\ntype: seven-minute-briefing\n"
		"date: 2023-05-01\nthemes: [neglect]\nsummary: \"Tom & Jerry's\"\n"
		"review-by: 2024-01-01\n---\n\n## Think\n\n- Ask *why*. #neglect\n");
	S_write("content/plan.md", "---\ntitle: Plan\ntype: action-plan\ndate: 2024-02-01\nactions:\n"
				   "  - action: Train staff\n    due: 2024-01-31\n    rag: amber\n"
				   "  - action: Audit\n    due: 2023-01-01\n    rag: green\n---\n\nBody.\n");
	S_sh("git add -A && git commit -q -m first");
	return 0;
}

static int teardown(void **state)
{
	cb_rm_rf(S_tmp);
	free(S_tmp);
	return 0;
}

static void S_build(void)
{
	char *repo = cb_path_join(S_tmp, "repo"), *out = cb_path_join(S_tmp, "out");
	cb_site_opts o = {.repo = repo, .audience = CB_VIS_PUBLIC};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), 0);
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_theme *th;
	assert_int_equal(cb_theme_open(&th, &s, ".", &err), 0);
	cb_render_opts ro = {th, "9.9.9", 2};
	assert_int_equal(cb_render_site(&s, &ro, w, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	cb_theme_free(th);
	cb_site_free(&s);
	cb_diags_free(&d);
	free(repo);
	free(out);
}

static void test_document_page(void **state)
{
	S_build();
	char *page = S_read("documents/a.html");
	assert_non_null(page);
	/* Every value from content is escaped. */
	assert_null(strstr(page, "<script>alert"));
	assert_non_null(strstr(page, "Alpha &lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(page, "Tom &amp; Jerry&#39;s"));
	/* Dates as words, the overdue review, the learning point, the theme. */
	assert_non_null(strstr(page, "1 May 2023"));
	assert_non_null(strstr(page, "1 January 2024"));
	assert_non_null(strstr(page, "Ask <em>why</em>."));
	/* The point's hashtag files it under the theme and is not shown. */
	assert_null(strstr(page, "#neglect"));
	assert_non_null(strstr(page, "href=\"../themes/neglect.html\""));
	assert_non_null(strstr(page, "seven-minute-briefing"));
	assert_non_null(strstr(page, "casebook 9.9.9"));
	free(page);
}

static void test_actions_and_lists(void **state)
{
	S_build();
	char *plan = S_read("documents/plan.html");
	assert_non_null(plan);
	assert_non_null(strstr(plan, "Train staff"));
	assert_non_null(strstr(plan, "Amber"));
	assert_non_null(strstr(plan, "Green"));
	free(plan);
	char *home = S_read("index.html");
	assert_non_null(home);
	/* Newest first: Plan (2024) before Alpha (2023). */
	char *p1 = strstr(home, "documents/plan.html"), *p2 = strstr(home, "documents/a.html");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_true(p1 < p2);
	free(home);
	char *theme = S_read("themes/neglect.html");
	assert_non_null(theme);
	assert_non_null(strstr(theme, "documents/a.html#think"));
	free(theme);
	/* The theme's assets are copied as they are. */
	char *css = S_read("assets/style.css"), *want = NULL;
	size_t wlen = 0;
	assert_int_equal(cb_file_read("themes/default/assets/style.css", &want, &wlen), 0);
	assert_non_null(css);
	assert_true(wlen > 0);
	assert_memory_equal(css, want, wlen);
	assert_int_equal(strlen(css), wlen);
	free(want);
	free(css);
	/* The page for a wrong address, with its way back home. */
	char *nf = S_read("404.html");
	assert_non_null(nf);
	assert_non_null(strstr(nf, "There is no page at this address."));
	assert_non_null(strstr(nf, "href=\"index.html\""));
	free(nf);
}

static void test_missing_template(void **state)
{
	/* A data folder whose default theme has only a layout. */
	char *theme = cb_path_join(S_tmp, "data");
	char *tpl = cb_path_join(theme, "themes/default/templates/layout.mustache");
	cb_file_write(tpl, "{{$content}}{{/content}}", 24);
	char *repo = cb_path_join(S_tmp, "repo"), *out = cb_path_join(S_tmp, "out2");
	cb_site_opts o = {.repo = repo, .audience = CB_VIS_PUBLIC};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), 0);
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_theme *th;
	assert_int_equal(cb_theme_open(&th, &s, theme, &err), 0);
	cb_render_opts ro = {th, "1", 1};
	assert_int_equal(cb_render_site(&s, &ro, w, &err), -1);
	assert_non_null(strstr(err.msg, "no template 'index.mustache'"));
	cb_theme_free(th);
	cb_writer_abort(w);
	cb_site_free(&s);
	cb_diags_free(&d);
	free(repo);
	free(out);
	free(tpl);
	free(theme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_document_page),
	    cmocka_unit_test(test_actions_and_lists),
	    cmocka_unit_test(test_missing_template),
	};
	return cmocka_run_group_tests_name("render", tests, setup, teardown);
}
