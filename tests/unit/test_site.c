/* Unit tests for site: loading a real git repository into the site model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "site.h"
#include "site_int.h"
#include "util.h"
#include "testutil.h"

static char *S_repo;

static void S_sh(const char *cmd)
{
	tu_git(S_repo, cmd);
}

static void S_write(const char *rel, const char *text)
{
	tu_write(S_repo, rel, text);
}

static int setup(void **state)
{
	S_repo = tu_tmpdir("cbsite");
	if (!S_repo)
		return -1;
	S_sh("git init -q -b main .");
	S_write("content/taxonomy.yml",
		"themes:\n  neglect:\n    label: Neglect\n    synonyms: [chronic neglect]\n"
		"  was-not-brought:\n    label: Was not brought\n");
	S_write("content/a.md",
		"---\ntitle: Alpha\ntype: case-review\ndate: 2023-05-01\nthemes: [neglect]\n---\n\n"
		"## Key learning\n\n- One.\n\nSee [b](sub/b.md).\n");
	S_write("content/sub/b.md", "---\ntitle: Beta\ntype: briefing\ndate: 2024-01-01\n"
				    "themes: [neglect, was-not-brought]\n---\n\nText.\n");
	S_write("content/c.md", "---\ntitle: Gamma\ntype: supervision-note\ndate: 2024-02-01\n---\n\n"
				"Links to [a](a.md).\n");
	S_write("content/d.md",
		"---\ntitle: Delta draft\ntype: guidance\ndate: 2022-01-01\nstatus: draft\n---\n\n"
		"Draft.\n");
	S_sh("git add -A && git commit -q -m first");
	return 0;
}

static int teardown(void **state)
{
	cb_rm_rf(S_repo);
	free(S_repo);
	return 0;
}

static void test_public_site(void **state)
{
	cb_site_opts o = {.repo = S_repo, .audience = CB_VIS_PUBLIC};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), CB_STAGE_OK);
	assert_int_equal(d.errors, 0);
	assert_int_equal(s.nsources, 4);
	/* The supervision note (restricted) and the draft stay out. */
	assert_int_equal(s.ndocs, 2);
	/* Newest first. */
	assert_string_equal(s.docs[0].meta.title, "Beta");
	assert_string_equal(s.docs[0].slug, "sub-b");
	assert_string_equal(s.docs[1].slug, "a");
	/* Alpha links to Beta; Beta is referenced by Alpha. */
	assert_int_equal(s.docs[1].md.nlinks, 1);
	assert_int_equal(s.docs[1].md.links[0], 0);
	assert_int_equal(s.docs[0].nlinked_from, 1);
	assert_int_equal(s.docs[0].linked_from[0], 1);
	/* Themes by label, with their documents in site order. */
	assert_int_equal(s.nthemes, 2);
	assert_string_equal(s.themes[0].label, "Neglect");
	assert_int_equal(s.themes[0].ndocs, 2);
	assert_int_equal(s.themes[0].docs[0], 0);
	assert_string_equal(s.themes[0].synonyms->v[0], "chronic neglect");
	assert_string_equal(s.themes[1].id, "was-not-brought");
	/* History from the commit. */
	assert_non_null(s.docs[0].hist);
	assert_string_equal(s.docs[0].hist->first_author, "A. Lead");
	assert_string_equal(s.build_date, "2024-03-01");
	cb_site_free(&s);
	cb_diags_free(&d);
}

static void test_restricted_site(void **state)
{
	cb_site_opts o = {.repo = S_repo, .audience = CB_VIS_RESTRICTED, .drafts = true};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), CB_STAGE_OK);
	assert_int_equal(s.ndocs, 4);
	/* Gamma (restricted) links to Alpha: Alpha now has a backlink. */
	const cb_doc *alpha = NULL;
	for (size_t i = 0; i < s.ndocs; i++)
		if (strcmp(s.docs[i].slug, "a") == 0)
			alpha = &s.docs[i];
	assert_non_null(alpha);
	assert_int_equal(alpha->nlinked_from, 1);
	assert_string_equal(s.docs[alpha->linked_from[0]].slug, "c");
	cb_site_free(&s);
	cb_diags_free(&d);
}

static void test_environment_errors(void **state)
{
	cb_site_opts o = {.repo = S_repo, .ref = "no-such-ref", .audience = CB_VIS_PUBLIC};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), CB_STAGE_FAILED);
	assert_non_null(strstr(err.msg, "no-such-ref"));
	cb_site_free(&s);
	cb_diags_free(&d);
}

static void test_content_errors(void **state)
{
	S_write("content/e.md", "---\ntitle: Bad\ntype: briefing\ndate: 2024-01-01\nthemes: [neglct]\n---\n\n"
				"[x](missing.md)\n");
	cb_site_opts o = {.repo = S_repo, .worktree = true, .audience = CB_VIS_PUBLIC};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), CB_STAGE_CONTENT);
	/* Both problems in one run: an unknown theme, then a broken link. */
	assert_int_equal(d.errors, 2);
	cb_diags_sort(&d);
	assert_string_equal(d.v[0].rule, "unknown-theme");
	assert_int_equal(d.v[0].line, 5);
	assert_string_equal(d.v[1].rule, "broken-link");
	assert_int_equal(d.v[1].line, 8);
	cb_site_free(&s);
	cb_diags_free(&d);
	char *p = cb_path_join(S_repo, "content/e.md");
	unlink(p);
	free(p);
}

static void test_type_labels(void **state)
{
	assert_string_equal(cb_type_label("seven-minute-briefing"), "7-minute briefing");
	assert_string_equal(cb_type_label("cdop-learning"), "Child death review learning");
	assert_string_equal(cb_type_label("unknown"), "unknown");
}

/* A source's document takes the hub's names: its area when it has none,
 * and theme ids through the source's map, each checked against the hub's
 * taxonomy; two ids mapped to one become one. */
static void test_origin_adopt(void **state)
{
	cb_partner p;
	memset(&p, 0, sizeof p);
	p.name = "walsby";
	p.area = "Walsby";
	cb_strv_push(&p.theme_from, "dna");
	cb_strv_push(&p.theme_to, "was-not-brought");
	cb_strv_push(&p.theme_from, "wnb");
	cb_strv_push(&p.theme_to, "was-not-brought");
	cb_origin o[2];
	memset(o, 0, sizeof o);
	o[0].prefix = "";
	o[1].p = &p;
	o[1].prefix = "walsby:";
	cb_strv ids = CB_STRV_INIT;
	cb_strv_push(&ids, "neglect");
	cb_strv_push(&ids, "was-not-brought");
	cb_meta m;
	memset(&m, 0, sizeof m);
	cb_strv_push(&m.themes, "dna");
	cb_strv_push(&m.themes, "wnb");
	cb_strv_push(&m.themes, "neglekt");
	cb_strv_push(&m.themes, "neglect");
	int lines[] = {5, 5, 5, 5}, cols[] = {10, 15, 20, 29};
	m.theme_lines = cb_xmalloc(sizeof lines);
	m.theme_cols = cb_xmalloc(sizeof cols);
	memcpy(m.theme_lines, lines, sizeof lines);
	memcpy(m.theme_cols, cols, sizeof cols);
	cb_diags d = CB_DIAGS_INIT;
	cb_origin_adopt(&o[1], &m, "walsby:content/a.md", &ids, &d);
	assert_string_equal(m.area, "Walsby");
	assert_int_equal(m.themes.n, 2);
	assert_string_equal(m.themes.v[0], "was-not-brought");
	assert_string_equal(m.themes.v[1], "neglect");
	assert_int_equal(m.theme_cols[1], 29);
	char *got = tu_diags_text(&d);
	assert_string_equal(got,
			    "walsby:content/a.md:5:20: error: 'neglekt' is not a theme in the hub's taxonomy "
			    "(did you mean 'neglect'?); use one of its themes, or map it under 'themes:' in "
			    "source 'walsby' in the hub's casebook.yml [unknown-theme]\n");
	free(got);
	/* The hub's own documents are left as they are. */
	cb_meta h;
	memset(&h, 0, sizeof h);
	cb_strv_push(&h.themes, "anything");
	cb_origin_adopt(&o[0], &h, "content/b.md", &ids, &d);
	assert_int_equal(h.themes.n, 1);
	assert_null(h.area);
	assert_int_equal(cb_origin_of(o, 2, "walsby:content/a.md"), 1);
	assert_int_equal(cb_origin_of(o, 2, "content/a.md"), 0);
	assert_int_equal(cb_origin_of(o, 2, "kelby:content/a.md"), 0);
	cb_meta_free(&m);
	cb_meta_free(&h);
	cb_strv_free(&ids);
	cb_strv_free(&p.theme_from);
	cb_strv_free(&p.theme_to);
	cb_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_public_site),	       cmocka_unit_test(test_restricted_site),
	    cmocka_unit_test(test_environment_errors), cmocka_unit_test(test_content_errors),
	    cmocka_unit_test(test_type_labels),	       cmocka_unit_test(test_origin_adopt),
	};
	return cmocka_run_group_tests_name("site", tests, setup, teardown);
}
