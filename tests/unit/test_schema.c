/* Unit tests for the schema module: every field, every rule, positions. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency.h"
#include "diag.h"
#include "frontmatter.h"
#include "schema.h"
#include "util.h"

/* Splits and checks text; returns the diagnostics as printed (sorted by
 * position) and sets *rc to what cb_schema_check returned. */
static char *S_check(const char *text, const cb_strv *theme_ids, cb_meta *m, int *rc)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	assert_int_equal(cb_frontmatter_split(text, strlen(text), "content/x.md", &s, &d), 0);
	*rc = cb_schema_check(s.meta, "content/x.md", theme_ids, NULL, m, &d);
	cb_split_free(&s);
	cb_diags_sort(&d);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	cb_diags_print(&d, f, false);
	fclose(f);
	cb_diags_free(&d);
	return buf;
}

static void S_expect(const char *text, const cb_strv *theme_ids, int rc_want, const char *expected)
{
	cb_meta m;
	int rc;
	char *got = S_check(text, theme_ids, &m, &rc);
	assert_string_equal(got, expected);
	assert_int_equal(rc, rc_want);
	free(got);
	cb_meta_free(&m);
}

static void test_full_document(void **state)
{
	const char *text = "---\n"
			   "title: \"Child A: learning from a rapid review\"\n"
			   "type: case-review\n"
			   "date: 2024-05-01\n"
			   "summary: Missed appointments were not followed up.\n"
			   "themes: [was-not-brought, neglect]\n"
			   "audience:\n"
			   "  - GP and primary care\n"
			   "  - health visiting\n"
			   "area: Northshire\n"
			   "review: LCSPR\n"
			   "age-band: under 1\n"
			   "visibility: internal\n"
			   "status: published\n"
			   "questions:\n"
			   "  - What does 'was not brought' mean in your service?\n"
			   "source: https://example.org/reports/child-a.pdf\n"
			   "review-by: '2026-05-01'\n"
			   "pii-allow: [Child A]\n"
			   "actions:\n"
			   "  - action: Audit follow-up of missed appointments\n"
			   "    owner: Named GP\n"
			   "    due: 2024-09-30\n"
			   "    rag: Amber\n"
			   "    evidence: Audit report\n"
			   "  - action: Share the briefing\n"
			   "---\n"
			   "Body\n";
	cb_meta m;
	int rc;
	char *got = S_check(text, NULL, &m, &rc);
	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
	assert_string_equal(m.title, "Child A: learning from a rapid review");
	assert_string_equal(m.type, "case-review");
	assert_string_equal(m.date, "2024-05-01");
	assert_string_equal(m.summary, "Missed appointments were not followed up.");
	assert_string_equal(m.area, "Northshire");
	assert_string_equal(m.review, "LCSPR");
	assert_string_equal(m.age_band, "under 1");
	assert_string_equal(m.source, "https://example.org/reports/child-a.pdf");
	assert_string_equal(m.review_by, "2026-05-01");
	assert_int_equal(m.visibility, CB_VIS_INTERNAL);
	assert_false(m.draft);
	assert_int_equal(m.themes.n, 2);
	assert_string_equal(m.themes.v[0], "was-not-brought");
	assert_string_equal(m.themes.v[1], "neglect");
	assert_int_equal(m.theme_lines[0], 6);
	assert_int_equal(m.theme_cols[0], 10);
	assert_int_equal(m.theme_lines[1], 6);
	assert_int_equal(m.theme_cols[1], 27);
	assert_int_equal(m.audience.n, 2);
	assert_string_equal(m.audience.v[1], "health-visiting");
	assert_int_equal(m.questions.n, 1);
	assert_string_equal(m.questions.v[0], "What does 'was not brought' mean in your service?");
	assert_int_equal(m.pii_allow.n, 1);
	assert_string_equal(m.pii_allow.v[0], "Child A");
	assert_int_equal(m.nactions, 2);
	assert_string_equal(m.actions[0].action, "Audit follow-up of missed appointments");
	assert_string_equal(m.actions[0].owner, "Named GP");
	assert_string_equal(m.actions[0].due, "2024-09-30");
	assert_string_equal(m.actions[0].rag, "amber");
	assert_string_equal(m.actions[0].evidence, "Audit report");
	assert_int_equal(m.actions[0].line, 21);
	assert_string_equal(m.actions[1].action, "Share the briefing");
	assert_null(m.actions[1].owner);
	assert_null(m.actions[1].due);
	assert_null(m.actions[1].rag);
	assert_null(m.actions[1].evidence);
	assert_int_equal(m.actions[1].line, 26);
	free(got);
	cb_meta_free(&m);
	assert_null(m.title);
	cb_meta_free(NULL);
}

static void test_defaults(void **state)
{
	cb_meta m;
	int rc;
	char *got =
	    S_check("---\ntitle: T\ntype: briefing\ndate: 2024-02-29\nstatus: draft\n---\n", NULL, &m, &rc);
	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
	assert_int_equal(m.visibility, CB_VIS_PUBLIC);
	assert_true(m.draft);
	assert_null(m.summary);
	assert_int_equal(m.themes.n, 0);
	assert_int_equal(m.nactions, 0);
	free(got);
	cb_meta_free(&m);

	got = S_check("---\ntitle: T\ntype: supervision-note\ndate: 2024-01-31\n---\n", NULL, &m, &rc);
	assert_string_equal(got, "");
	assert_int_equal(m.visibility, CB_VIS_RESTRICTED);
	assert_string_equal(cb_visibility_name(m.visibility), "restricted");
	free(got);
	cb_meta_free(&m);
}

static void test_required_fields(void **state)
{
	S_expect(
	    "---\nsummary: only this\n---\n", NULL, -1,
	    "content/x.md:1:1: error: the front matter has no 'date'; add a line such as 'date: "
	    "2024-05-01' [required-field]\n"
	    "content/x.md:1:1: error: the front matter has no 'title'; add a line such as 'title: "
	    "Learning from Child A' [required-field]\n"
	    "content/x.md:1:1: error: the front matter has no 'type'; add a line such as 'type: briefing' "
	    "(one of: case-review, briefing, seven-minute-briefing, audit, inspection, action-plan, "
	    "cdop-learning, guidance, supervision-note) [required-field]\n");
}

static void test_many_errors_in_one_pass(void **state)
{
	const char *text = "---\n"
			   "title:\n"
			   "type: brefing\n"
			   "date: 2024-13-01\n"
			   "themes: neglect\n"
			   "visibility: secret\n"
			   "status: done\n"
			   "source: www.example.org/report\n"
			   "review-by: 1 May 2025\n"
			   "summary: [a, b]\n"
			   "tittle: Oops\n"
			   "---\n";
	S_expect(
	    text, NULL, -1,
	    "content/x.md:2:1: error: 'title' is empty; write the document's title after 'title:' "
	    "[empty-field]\n"
	    "content/x.md:3:7: error: 'brefing' is not a document type; did you mean 'briefing'? Use one "
	    "of: case-review, briefing, seven-minute-briefing, audit, inspection, action-plan, "
	    "cdop-learning, guidance, supervision-note [invalid-type]\n"
	    "content/x.md:4:7: error: '2024-13-01' is not a real calendar date; check the day and the "
	    "month (YYYY-MM-DD) [invalid-date]\n"
	    "content/x.md:5:9: error: 'themes' should be a list; write it as a list: themes: [neglect] "
	    "[not-a-list]\n"
	    "content/x.md:6:13: error: 'secret' is not a visibility; use one of: public, internal, "
	    "restricted [invalid-visibility]\n"
	    "content/x.md:7:9: error: 'done' is not a status; use one of: draft, published "
	    "[invalid-status]\n"
	    "content/x.md:8:9: error: 'www.example.org/report' is not a web address casebook can link to; "
	    "give the full address of the report, starting with https:// [invalid-url]\n"
	    "content/x.md:9:12: error: '1 May 2025' is not a date casebook can read; write it as "
	    "YYYY-MM-DD, for example 2024-05-01 [invalid-date]\n"
	    "content/x.md:10:10: error: 'summary' should be text, but here it is a list; write the value "
	    "on the same line as 'summary:' (in quotes if it contains ': ') [not-text]\n"
	    "content/x.md:11:1: warning: 'tittle' is not a front matter field casebook knows, so it is "
	    "ignored; did you mean 'title'? [unknown-field]\n");
}

static void test_unsure_visibility_and_status_fail_closed(void **state)
{
	cb_meta m;
	int rc;
	char *got = S_check("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\nvisibility: Public\nstatus: "
			    "[draft]\n---\n",
			    NULL, &m, &rc);
	assert_string_equal(got,
			    "content/x.md:5:13: error: 'Public' is not a visibility; did you mean 'public'? "
			    "Use one of: public, internal, restricted [invalid-visibility]\n"
			    "content/x.md:6:9: error: 'status' should be text, but here it is a list; write "
			    "the value on the same line as 'status:' (in quotes if it contains ': ') "
			    "[not-text]\n");
	assert_int_equal(rc, -1);
	assert_int_equal(m.visibility, CB_VIS_RESTRICTED);
	assert_true(m.draft);
	free(got);
	cb_meta_free(&m);
}

static void test_unknown_field_warnings_only(void **state)
{
	cb_meta m;
	int rc;
	char *got = S_check("---\ntitle: T\ntype: audit\ndate: 2024-01-01\nreviewby: 2025-01-01\ncolour: "
			    "blue\nTitle2: x\n---\n",
			    NULL, &m, &rc);
	assert_string_equal(got,
			    "content/x.md:5:1: warning: 'reviewby' is not a front matter field casebook "
			    "knows, so it is ignored; did you mean 'review-by'? [unknown-field]\n"
			    "content/x.md:6:1: warning: 'colour' is not a front matter field casebook knows, "
			    "so it is ignored; check the spelling [unknown-field]\n"
			    "content/x.md:7:1: warning: 'Title2' is not a front matter field casebook knows, "
			    "so it is ignored; did you mean 'title'? [unknown-field]\n");
	assert_int_equal(rc, 0);
	assert_null(m.review_by);
	free(got);
	cb_meta_free(&m);
}

static void test_themes(void **state)
{
	cb_strv ids = CB_STRV_INIT;
	cb_strv_push(&ids, "neglect");
	cb_strv_push(&ids, "was-not-brought");
	cb_strv_push(&ids, "safer-sleep");
	const char *text = "---\n"
			   "title: T\n"
			   "type: briefing\n"
			   "date: 2024-01-01\n"
			   "themes:\n"
			   "  - neglect\n"
			   "  - neglekt\n"
			   "  - Was Not Brought\n"
			   "  - neglect\n"
			   "  - domestic-abuse\n"
			   "  - [a]\n"
			   "  - \"--\"\n"
			   "---\n";
	cb_meta m;
	int rc;
	char *got = S_check(text, &ids, &m, &rc);
	assert_string_equal(
	    got, "content/x.md:7:5: error: 'neglekt' is not a theme in the taxonomy; did you "
		 "mean 'neglect'? [unknown-theme]\n"
		 "content/x.md:8:5: error: 'Was Not Brought' is not a theme id: ids are written in "
		 "lower-case letters, digits and dashes, like 'was-not-brought' "
		 "[invalid-theme-id]\n"
		 "content/x.md:9:5: warning: 'neglect' is listed more than once in 'themes'; "
		 "remove the repeat [duplicate-theme]\n"
		 "content/x.md:10:5: error: 'domestic-abuse' is not a theme in the taxonomy; use "
		 "one of its themes or add this one to the taxonomy file [unknown-theme]\n"
		 "content/x.md:11:5: error: each theme should be a theme id such as 'neglect', but "
		 "this one is a list [not-text]\n"
		 "content/x.md:12:5: error: '--' is not a theme id: ids are written in lower-case "
		 "letters, digits and dashes, like 'was-not-brought' [invalid-theme-id]\n");
	assert_int_equal(rc, -1);
	assert_int_equal(m.themes.n, 3);
	assert_string_equal(m.themes.v[0], "neglect");
	assert_string_equal(m.themes.v[1], "neglekt");
	assert_string_equal(m.themes.v[2], "domestic-abuse");
	assert_int_equal(m.theme_lines[2], 10);
	assert_int_equal(m.theme_cols[2], 5);
	free(got);
	cb_meta_free(&m);

	/* Without a taxonomy any well-formed id is accepted. */
	got = S_check("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\nthemes: [toxic-trio]\n---\n", NULL,
		      &m, &rc);
	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
	assert_string_equal(m.themes.v[0], "toxic-trio");
	free(got);
	cb_meta_free(&m);
	cb_strv_free(&ids);
}

static void test_not_a_list_long_value(void **state)
{
	S_expect("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\nquestions: What now, and why?\n---\n",
		 NULL, -1,
		 "content/x.md:5:12: error: 'questions' should be a list, but here it is text; write it as a "
		 "list, each item on its own line starting with '- ' [not-a-list]\n");
	S_expect("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\naudience: GP\n---\n", NULL, -1,
		 "content/x.md:5:11: error: 'audience' should be a list; write it as a list: audience: [GP] "
		 "[not-a-list]\n");
}

/* audience: every value stands for the id of the agency it names, however
 * written; an agency named twice is kept once; a value that names none is
 * an error at its position with the nearest agency. */
static void test_audience_agencies(void **state)
{
	cb_meta m;
	int rc;
	char *got =
	    S_check("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\n"
		    "audience: [A&E, social workers, Health Visitors, ED, \"Children\u2019s Services\"]\n"
		    "---\n",
		    NULL, &m, &rc);
	assert_string_equal(got,
			    "content/x.md:5:50: warning: 'ED' is Emergency department "
			    "('emergency-department'), already in 'audience'; remove the repeat "
			    "[duplicate-agency]\n"
			    "content/x.md:5:54: warning: 'Children’s Services' is Children's social care "
			    "('childrens-social-care'), already in 'audience'; remove the repeat "
			    "[duplicate-agency]\n");
	assert_int_equal(rc, 0);
	assert_int_equal(m.audience.n, 3);
	assert_string_equal(m.audience.v[0], "emergency-department");
	assert_string_equal(m.audience.v[1], "childrens-social-care");
	assert_string_equal(m.audience.v[2], "health-visiting");
	free(got);
	cb_meta_free(&m);
	/* The values of the benchmark corpus, and a plural of an id. */
	got = S_check("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\n"
		      "audience: [health-visitor, midwife, social-care, school-nurse, GPs]\n---\n",
		      NULL, &m, &rc);
	assert_string_equal(got, "");
	assert_int_equal(m.audience.n, 5);
	assert_string_equal(m.audience.v[0], "health-visiting");
	assert_string_equal(m.audience.v[1], "midwifery");
	assert_string_equal(m.audience.v[2], "childrens-social-care");
	assert_string_equal(m.audience.v[3], "school-nursing");
	assert_string_equal(m.audience.v[4], "gp");
	free(got);
	cb_meta_free(&m);
	S_expect("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\naudience:\n  - gp\n  - helth visiters\n"
		 "  - made-up-agency\n---\n",
		 NULL, -1,
		 "content/x.md:7:5: error: 'helth visiters' is not an agency casebook knows; did you mean "
		 "'health-visiting' (Health visiting)? [unknown-agency]\n"
		 "content/x.md:8:5: error: 'made-up-agency' is not an agency casebook knows; use an "
		 "agency's id or name (such as gp, police or health visitor), or add it to an agencies "
		 "file (casebook.yml: 'agencies: agencies.yml') [unknown-agency]\n");
}

/* The agencies of a repository's file: new ids and names, and an entry
 * with a shipped id replacing that agency. */
static void test_agencies_file(void **state)
{
	cb_taxonomy defs = {0};
	cb_diags d = CB_DIAGS_INIT;
	const char *text = "agencies:\n"
			   "  youth-justice:\n"
			   "    label: Youth justice service\n"
			   "    synonyms: [YOT, youth offending team]\n"
			   "  police: Police and community safety\n";
	assert_int_equal(cb_agencies_file_load(text, strlen(text), "agencies.yml", &defs, &d), 0);
	cb_agencies a;
	cb_agencies_init(&a);
	size_t shipped = a.n;
	cb_agencies_add(&a, &defs);
	assert_int_equal(a.n, shipped + 1);
	assert_string_equal(cb_agency_find(&a, "Youth Offending Teams")->id, "youth-justice");
	assert_string_equal(cb_agency_find(&a, "yot")->id, "youth-justice");
	char *label = cb_agency_label(&a, "police");
	assert_string_equal(label, "Police and community safety");
	free(label);
	/* The changed entry keeps its names. */
	assert_string_equal(cb_agency_find(&a, "constabulary")->id, "police");
	assert_string_equal(cb_agency_find(&a, "Police")->id, "police");
	assert_non_null(cb_agency_find(cb_agencies_shipped(), "constabulary"));
	assert_null(cb_agency_find(cb_agencies_shipped(), "YOT"));
	/* Checked against the table given. */
	cb_split sp;
	const char *doc = "---\ntitle: T\ntype: briefing\ndate: 2024-01-01\naudience: [YOT]\n---\n";
	assert_int_equal(cb_frontmatter_split(doc, strlen(doc), "x.md", &sp, &d), 0);
	cb_meta m;
	assert_int_equal(cb_schema_check(sp.meta, "x.md", NULL, &a, &m, &d), 0);
	assert_string_equal(m.audience.v[0], "youth-justice");
	cb_meta_free(&m);
	assert_int_equal(cb_schema_check(sp.meta, "x.md", NULL, NULL, &m, &d), -1);
	cb_meta_free(&m);
	cb_split_free(&sp);
	cb_agencies_free(&a);
	cb_taxonomy_free(&defs);
	cb_diags_free(&d);

	text = "agencies:\n  Youth Justice: YJS\n";
	assert_int_equal(cb_agencies_file_load(text, strlen(text), "agencies.yml", &defs, &d), -1);
	cb_diags_sort(&d);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	cb_diags_print(&d, f, false);
	fclose(f);
	assert_string_equal(buf, "agencies.yml:2:3: error: 'Youth Justice' is not an agency id: ids are "
				 "written in lower-case letters, digits and dashes, like 'youth-justice' "
				 "[invalid-agency-id]\n");
	free(buf);
	cb_taxonomy_free(&defs);
	cb_diags_free(&d);
}

/* Comparison ignores case, punctuation and plurals. */
static void test_agency_keys(void **state)
{
	static const char *const cases[][2] = {
	    {"A&E", "a and e"},
	    {"A & E", "a and e"},
	    {"Children's Services", "children service"},
	    {"childrens-social-care", "children social care"},
	    {"Agencies", "agency"},
	    {"  Health  Visitors. ", "health visitor"},
	    {"ED", "ed"},
	    {"class", "class"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *k = cb_agency_key_of(cases[i][0]);
		assert_string_equal(k, cases[i][1]);
		free(k);
	}
	assert_null(cb_agency_find(cb_agencies_shipped(), ""));
	assert_null(cb_agency_find(cb_agencies_shipped(), "&"));
}

static void test_supervision_note_visibility(void **state)
{
	cb_meta m;
	int rc;
	char *got =
	    S_check("---\nvisibility: public\ntitle: T\ntype: supervision-note\ndate: 2024-01-01\n---\n",
		    NULL, &m, &rc);
	assert_string_equal(got, "content/x.md:2:13: error: a supervision note cannot be public: supervision "
				 "notes hold live-case detail; remove the 'visibility' line or set it to "
				 "restricted [supervision-note-visibility]\n");
	assert_int_equal(rc, -1);
	assert_int_equal(m.visibility, CB_VIS_RESTRICTED);
	free(got);
	cb_meta_free(&m);

	S_expect("---\ntitle: T\ntype: supervision-note\ndate: 2024-01-01\nvisibility: internal\n---\n", NULL,
		 -1,
		 "content/x.md:5:13: error: a supervision note cannot be internal: supervision notes hold "
		 "live-case detail; remove the 'visibility' line or set it to restricted "
		 "[supervision-note-visibility]\n");
	S_expect("---\ntitle: T\ntype: supervision-note\ndate: 2024-01-01\nvisibility: restricted\n---\n",
		 NULL, 0, "");
}

static void test_actions_errors(void **state)
{
	const char *text = "---\n"
			   "title: T\n"
			   "type: action-plan\n"
			   "date: 2024-01-01\n"
			   "actions:\n"
			   "  - action: Do it\n"
			   "    rag: orange\n"
			   "    due: 2024-02-30\n"
			   "    ownr: me\n"
			   "  - Fix the form\n"
			   "  - owner: Someone\n"
			   "  - action: ''\n"
			   "---\n";
	cb_meta m;
	int rc;
	char *got = S_check(text, NULL, &m, &rc);
	assert_string_equal(
	    got, "content/x.md:7:10: error: 'orange' is not a RAG rating; use red, amber, green, or "
		 "blue (or complete) for an action that is done [invalid-rag]\n"
		 "content/x.md:8:10: error: '2024-02-30' is not a real calendar date; check the "
		 "day and the month (YYYY-MM-DD) [invalid-date]\n"
		 "content/x.md:9:5: warning: 'ownr' is not an action field casebook knows, so it "
		 "is ignored; did you mean 'owner'? [unknown-field]\n"
		 "content/x.md:10:5: error: each action should be written with its fields; write "
		 "this one as '- action: Fix the form', with owner, due, rag and evidence below it "
		 "[invalid-action]\n"
		 "content/x.md:11:5: error: this action has no 'action' saying what will be done; "
		 "add a line such as 'action: Audit the referrals' [required-field]\n"
		 "content/x.md:12:5: error: 'action' is empty; say what will be done "
		 "[empty-field]\n");
	assert_int_equal(rc, -1);
	assert_int_equal(m.nactions, 1);
	assert_string_equal(m.actions[0].action, "Do it");
	assert_null(m.actions[0].rag);
	assert_null(m.actions[0].due);
	free(got);
	cb_meta_free(&m);

	S_expect("---\ntitle: T\ntype: action-plan\ndate: 2024-01-01\nactions: Do things\n---\n", NULL, -1,
		 "content/x.md:5:10: error: 'actions' should be a list, but here it is text; write each "
		 "action on its own line starting with '- action: ' [not-a-list]\n");
}

static void test_blank_values(void **state)
{
	/* Left-blank optional fields are simply absent; blank required ones
	 * are reported at their key. */
	cb_meta m;
	int rc;
	char *got = S_check("---\ntitle: T\ntype: briefing\ndate:\nsummary:\nthemes:\nsource: ~\n---\n", NULL,
			    &m, &rc);
	assert_string_equal(got, "content/x.md:4:1: error: 'date' is empty; write the date of publication as "
				 "YYYY-MM-DD, such as 'date: 2024-05-01' [empty-field]\n");
	assert_int_equal(rc, -1);
	assert_null(m.summary);
	assert_null(m.source);
	assert_int_equal(m.themes.n, 0);
	free(got);
	cb_meta_free(&m);
}

static void test_quoted_date_and_urls(void **state)
{
	cb_meta m;
	int rc;
	char *got = S_check("---\ntitle: '2024'\ntype: guidance\ndate: \"2024-01-31\"\nsource: "
			    "HTTP://example.org/x\n---\n",
			    NULL, &m, &rc);
	assert_string_equal(got, "");
	assert_string_equal(m.title, "2024");
	assert_string_equal(m.date, "2024-01-31");
	assert_string_equal(m.source, "HTTP://example.org/x");
	free(got);
	cb_meta_free(&m);

	S_expect("---\ntitle: T\ntype: guidance\ndate: 2024-01-31\nsource: javascript:alert(1)\n---\n", NULL,
		 -1,
		 "content/x.md:5:9: error: 'javascript:alert(1)' is not a web address casebook can link to; "
		 "give the full address of the report, starting with https:// [invalid-url]\n");
}

static void test_positions_crlf_and_bom(void **state)
{
	S_expect("\xEF\xBB\xBF---\r\ntitle: T\r\ntype: briefing\r\ndate: 2023-02-29\r\n---\r\n", NULL, -1,
		 "content/x.md:4:7: error: '2023-02-29' is not a real calendar date; check the day and the "
		 "month (YYYY-MM-DD) [invalid-date]\n");
}

static void test_not_a_mapping_root(void **state)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_meta m;
	assert_int_equal(cb_schema_check(NULL, "x.md", NULL, NULL, &m, &d), -1);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.v[0].rule, "front-matter-not-mapping");
	assert_int_equal(m.visibility, CB_VIS_RESTRICTED);
	cb_meta_free(&m);
	cb_diags_free(&d);
}

static void test_doc_types(void **state)
{
	assert_int_equal(cb_doc_ntypes, 9);
	assert_string_equal(cb_doc_types[0], "case-review");
	assert_string_equal(cb_doc_types[8], "supervision-note");
	assert_string_equal(cb_visibility_name(CB_VIS_PUBLIC), "public");
	assert_string_equal(cb_visibility_name(CB_VIS_INTERNAL), "internal");
	/* One table: the ids, labels, folders and default visibilities agree. */
	for (size_t i = 0; i < cb_doc_ntypes; i++) {
		const cb_doc_type *t = cb_doc_type_find(cb_doc_types[i]);
		assert_ptr_equal(t, &cb_doc_type_table[i]);
		assert_string_equal(cb_type_label(t->id), t->label);
		assert_non_null(strstr(cb_doc_type_list(), t->id));
	}
	assert_null(cb_doc_type_find("briefings"));
	assert_null(cb_doc_type_find(NULL));
	assert_string_equal(cb_doc_type_list(),
			    "case-review, briefing, seven-minute-briefing, audit, inspection, action-plan, "
			    "cdop-learning, guidance, supervision-note");
	assert_string_equal(cb_doc_type_find("seven-minute-briefing")->label, "7-minute briefing");
	assert_string_equal(cb_doc_type_find("cdop-learning")->folder, "cdop");
	assert_int_equal(cb_doc_type_find("supervision-note")->visibility, CB_VIS_RESTRICTED);
	assert_int_equal(cb_doc_type_find("briefing")->visibility, CB_VIS_PUBLIC);
}

/* The field table: every key once, text fields parsed and freed through it. */
static void test_field_table(void **state)
{
	for (size_t i = 0; i < cb_nfields; i++) {
		assert_ptr_equal(cb_field_named(cb_fields[i].name), &cb_fields[i]);
		for (size_t k = i + 1; k < cb_nfields; k++)
			assert_string_not_equal(cb_fields[i].key, cb_fields[k].key);
	}
	assert_null(cb_field_named("age-band")); /* data names use '_' */
	assert_int_equal(cb_field_named("age_band")->kind, CB_FIELD_TEXT);
	assert_int_equal(cb_field_named("review_by")->kind, CB_FIELD_DATE);
	assert_true(cb_field_named("summary")->use & CB_FIELD_PACK);
	assert_false(cb_field_named("age_band")->use & CB_FIELD_PACK);
	assert_int_equal(cb_field_named("pii_allow")->use, 0);
	const char *text = "title: T\ntype: briefing\ndate: 2024-01-02\nage-band: under 1\n"
			   "review: LCSPR\nreview-by: 2025-01-31\npii-allow: [Vale Road]\n"
			   "questions: [Why?]\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_ynode *root;
	assert_int_equal(cb_yaml_parse(text, strlen(text), "x.md", 1, &root, &d), 0);
	cb_meta m;
	assert_int_equal(cb_schema_check(root, "x.md", NULL, NULL, &m, &d), 0);
	assert_string_equal(*cb_field_text(&m, cb_field_named("age_band")), "under 1");
	assert_string_equal(m.age_band, "under 1");
	assert_string_equal(m.review, "LCSPR");
	assert_string_equal(m.review_by, "2025-01-31");
	assert_string_equal(cb_field_list(&m, cb_field_named("pii_allow"))->v[0], "Vale Road");
	assert_string_equal(m.questions.v[0], "Why?");
	assert_null(m.summary);
	cb_meta_free(&m); /* under the sanitizers: every field freed once */
	cb_diags_free(&d);
	cb_ynode_free(root);
}

/* The one parser of visibilities and audiences (front matter, --audience). */
static void test_visibility_parse(void **state)
{
	cb_visibility v = CB_VIS_PUBLIC;
	assert_int_equal(cb_visibility_parse("restricted", &v), 0);
	assert_int_equal(v, CB_VIS_RESTRICTED);
	assert_int_equal(cb_visibility_parse("internal", &v), 0);
	assert_int_equal(v, CB_VIS_INTERNAL);
	assert_int_equal(cb_visibility_parse("public", &v), 0);
	assert_int_equal(v, CB_VIS_PUBLIC);
	assert_int_equal(cb_visibility_parse("Public", &v), -1);
	assert_int_equal(cb_visibility_parse("", &v), -1);
	assert_int_equal(v, CB_VIS_PUBLIC); /* unchanged on failure */
	for (size_t i = 0; i < cb_nvisibilities; i++)
		assert_string_equal(cb_visibility_name((cb_visibility)i), cb_visibility_names[i]);
}

static void test_brag_and_published(void **state)
{
	(void)state;
	const char *text = "---\n"
			   "title: T\n"
			   "type: action-plan\n"
			   "date: 2024-01-01\n"
			   "published: 2019-03-14\n"
			   "actions:\n"
			   "  - action: A\n"
			   "    rag: Blue\n"
			   "  - action: B\n"
			   "    rag: complete\n"
			   "  - action: C\n"
			   "    rag: GREEN\n"
			   "---\n";
	cb_meta m;
	int rc;
	char *got = S_check(text, NULL, &m, &rc);
	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
	assert_string_equal(m.published, "2019-03-14");
	assert_string_equal(m.actions[0].rag, "blue");
	assert_string_equal(m.actions[1].rag, "blue");
	assert_string_equal(m.actions[2].rag, "green");
	assert_true(cb_rag_done("blue") && cb_rag_done("green") && !cb_rag_done("amber") &&
		    !cb_rag_done(NULL));
	assert_string_equal(cb_rag_label("blue"), "Blue (complete)");
	assert_string_equal(cb_rag_label(NULL), "Not rated");
	free(got);
	cb_meta_free(&m);
	S_expect("---\ntitle: T\ntype: briefing\ndate: 2024-01-01\npublished: 14/03/2019\n---\n", NULL, -1,
		 "content/x.md:5:12: error: '14/03/2019' is not a date casebook can read; write it as "
		 "YYYY-MM-DD, for example 2024-05-01 [invalid-date]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_brag_and_published),
	    cmocka_unit_test(test_full_document),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_required_fields),
	    cmocka_unit_test(test_many_errors_in_one_pass),
	    cmocka_unit_test(test_unsure_visibility_and_status_fail_closed),
	    cmocka_unit_test(test_unknown_field_warnings_only),
	    cmocka_unit_test(test_themes),
	    cmocka_unit_test(test_not_a_list_long_value),
	    cmocka_unit_test(test_audience_agencies),
	    cmocka_unit_test(test_agencies_file),
	    cmocka_unit_test(test_agency_keys),
	    cmocka_unit_test(test_supervision_note_visibility),
	    cmocka_unit_test(test_actions_errors),
	    cmocka_unit_test(test_blank_values),
	    cmocka_unit_test(test_quoted_date_and_urls),
	    cmocka_unit_test(test_positions_crlf_and_bom),
	    cmocka_unit_test(test_not_a_mapping_root),
	    cmocka_unit_test(test_doc_types),
	    cmocka_unit_test(test_visibility_parse),
	    cmocka_unit_test(test_field_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
