/* Unit tests for quick: a saved document checked alone against a loaded
 * site, and its page rendered alone — the same bytes a full load and
 * render of the working files give — or the answer left to the full
 * build. Run from the repository root, where themes/ is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quick.h"
#include "render.h"
#include "site.h"
#include "testutil.h"
#include "theme.h"
#include "util.h"
#include "writer.h"

static char *S_tmp, *S_repo;

static const char S_a[] = "---\ntitle: Alpha\ntype: briefing\ndate: 2023-05-01\nthemes: [neglect]\n---\n\n"
			  "## Key learning\n\n- Ask why. See [Beta](beta.md).\n";

static int setup(void **state)
{
	(void)state;
	S_tmp = tu_tmpdir("cbquick");
	if (!S_tmp)
		return -1;
	S_repo = cb_path_join(S_tmp, "repo");
	cb_mkdir_p(S_repo);
	tu_git(S_repo, "git init -q -b main .");
	tu_write(S_repo, "content/alpha.md", S_a);
	tu_write(S_repo, "content/beta.md",
		 "---\ntitle: Beta\ntype: briefing\ndate: 2023-04-01\n---\n\n## Key learning\n\n- Listen.\n");
	tu_write(S_repo, "content/secret.md",
		 "---\ntitle: Secret\ntype: briefing\ndate: 2023-03-01\nvisibility: restricted\n---\n\n"
		 "## Key learning\n\n- Hidden.\n");
	tu_write(S_repo, "content/form.txt", "A form.\n");
	tu_git(S_repo, "git add -A && git commit -q -m first");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cb_rm_rf(S_tmp);
	free(S_tmp);
	free(S_repo);
	return 0;
}

/* The public site of the working files. */
static void S_load(cb_site *s)
{
	cb_site_opts o = {.repo = S_repo, .worktree = true, .audience = CB_VIS_PUBLIC};
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, s, &d, &err), 0);
	cb_diags_free(&d);
}

/* Document i's page, rendered alone or with the whole site. */
static char *S_page(const cb_site *s, long i, bool alone)
{
	char *out = cb_path_join(S_tmp, alone ? "alone" : "whole");
	cb_rm_rf(out);
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_theme *th;
	assert_int_equal(cb_theme_open(&th, s, ".", &err), 0);
	cb_render_opts ro = {th, "9.9.9", 1};
	if (alone)
		assert_int_equal(cb_render_document(s, &ro, (size_t)i, w, &err), 0);
	else
		assert_int_equal(cb_render_site(s, &ro, w, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	cb_theme_free(th);
	char *rel = cb_xasprintf("documents/%s.html", s->docs[i].slug);
	char *page = tu_read(out, rel);
	free(rel);
	free(out);
	assert_non_null(page);
	return page;
}

static void test_find(void **state)
{
	(void)state;
	cb_site s;
	S_load(&s);
	assert_true(cb_quick_find(&s, "content/alpha.md") >= 0);
	assert_true(cb_quick_find(&s, "content/beta.md") >= 0);
	/* Not in a public site: no page of it can be made. */
	assert_int_equal(cb_quick_find(&s, "content/secret.md"), -1);
	assert_int_equal(cb_quick_find(&s, "content/none.md"), -1);
	cb_site_free(&s);
}

/* An edit checked alone gives the page a full load of the edited file
 * gives, byte for byte. */
static void test_edit_page_as_full_build(void **state)
{
	(void)state;
	static const char edited[] =
	    "---\ntitle: Alpha, revised\ntype: briefing\ndate: 2023-05-01\nthemes: [neglect]\n---\n\n"
	    "## Key learning\n\n- Ask why, and again. See [Beta](beta.md).\n";
	cb_site s;
	S_load(&s);
	long i = cb_quick_find(&s, "content/alpha.md");
	assert_int_equal(cb_quick_document(&s, (size_t)i, edited, strlen(edited)), 0);
	assert_string_equal(s.docs[i].meta.title, "Alpha, revised");
	char *alone = S_page(&s, i, true);
	assert_non_null(strstr(alone, "Ask why, and again."));
	assert_non_null(strstr(alone, "href=\"../documents/beta.html\""));
	cb_site_free(&s);

	tu_write(S_repo, "content/alpha.md", edited);
	S_load(&s);
	char *whole = S_page(&s, cb_quick_find(&s, "content/alpha.md"), false);
	assert_string_equal(alone, whole);
	cb_site_free(&s);
	tu_write(S_repo, "content/alpha.md", S_a);
	free(alone);
	free(whole);
}

/* Each edit the full build must answer leaves the site as it was. */
static void test_left_to_the_full_build(void **state)
{
	(void)state;
	static const char *const edits[] = {
	    /* an error: not a real date */
	    "---\ntitle: Alpha\ntype: briefing\ndate: 2023-13-40\n---\n\n## Key learning\n\n- Ask.\n",
	    /* made restricted */
	    "---\ntitle: Alpha\ntype: briefing\ndate: 2023-05-01\nvisibility: restricted\n---\n\n"
	    "## Key learning\n\n- Ask.\n",
	    /* made a draft */
	    "---\ntitle: Alpha\ntype: briefing\ndate: 2023-05-01\nstatus: draft\n---\n\n## Key learning\n\n- "
	    "Ask.\n",
	    /* other pii-allow values */
	    "---\ntitle: Alpha\ntype: briefing\ndate: 2023-05-01\npii-allow: [Anytown]\n---\n\n"
	    "## Key learning\n\n- Ask.\n",
	    /* a link to a document this audience does not see */
	    "---\ntitle: Alpha\ntype: briefing\ndate: 2023-05-01\n---\n\n## Key learning\n\n"
	    "- See [it](secret.md).\n",
	    /* a link to an attachment */
	    "---\ntitle: Alpha\ntype: briefing\ndate: 2023-05-01\n---\n\n## Key learning\n\n"
	    "- Fill in [the form](form.txt).\n",
	    /* a link to nothing */
	    "---\ntitle: Alpha\ntype: briefing\ndate: 2023-05-01\n---\n\n## Key learning\n\n"
	    "- See [that](gone.md).\n",
	    /* no front matter */
	    "Just text.\n",
	};
	cb_site s;
	S_load(&s);
	long i = cb_quick_find(&s, "content/alpha.md");
	char *before = S_page(&s, i, true);
	for (size_t k = 0; k < sizeof edits / sizeof edits[0]; k++) {
		assert_int_equal(cb_quick_document(&s, (size_t)i, edits[k], strlen(edits[k])), 1);
		assert_string_equal(s.docs[i].meta.title, "Alpha");
	}
	char *after = S_page(&s, i, true);
	assert_string_equal(before, after);
	free(before);
	free(after);
	cb_site_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_edit_page_as_full_build),
	    cmocka_unit_test(test_left_to_the_full_build),
	};
	return cmocka_run_group_tests_name("quick", tests, setup, teardown);
}
