/* Unit tests for learning: the heading vocabulary, hashtags, and the
 * classifier that gives each learning point its own themes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learning.h"
#include "markdown.h"
#include "util.h"

static cb_link_status resolve(void *ctx, const char *path, int line, int col, char **href, int *target)
{
	return CB_LINK_MISSING;
}

static void test_default_vocabulary(void **state)
{
	static const char *const yes[] = {"Key learning",
					  "KEY LEARNING:",
					  "Key learning: information sharing",
					  "Learning for improved practice",
					  "Lessons learnt (particularly those relevant to a wider audience)",
					  "Lessons Learned",
					  "Lesson learnt",
					  "What we would do differently next time",
					  "3. Recommendations",
					  "Recommendation",
					  "Recommendations for the partnership",
					  "Key findings",
					  "Areas for improvement",
					  "Good practice",
					  "What this means for practice",
					  "Things to remember!",
					  "Key messages – health",
					  "Learning from this review",
					  "Learnings and reflections",
					  NULL};
	static const char *const no[] = {"Background",
					 "Next steps",
					 "Learning disability services",
					 "Recommendation tracker",
					 "Why it matters",
					 "Questions",
					 "Think family",
					 "Finding the family",
					 NULL};
	for (size_t i = 0; yes[i]; i++) {
		if (!cb_lvocab_match(NULL, NULL, yes[i]))
			fail_msg("'%s' should be a learning heading", yes[i]);
	}
	for (size_t i = 0; no[i]; i++) {
		if (cb_lvocab_match(NULL, NULL, no[i]))
			fail_msg("'%s' should not be a learning heading", no[i]);
	}
}

static void test_added_and_only(void **state)
{
	cb_strv add = CB_STRV_INIT;
	cb_strv_push(&add, "Reflections");
	cb_lvocab *v = cb_lvocab_new(&add, false);
	assert_true(cb_lvocab_match(v, NULL, "Reflections:"));
	assert_true(cb_lvocab_match(v, NULL, "Key learning"));
	cb_lvocab_free(v);
	v = cb_lvocab_new(&add, true);
	assert_true(cb_lvocab_match(v, NULL, "reflection"));
	assert_false(cb_lvocab_match(v, NULL, "Key learning"));
	/* A document's own additions. */
	cb_strv extra = CB_STRV_INIT;
	cb_strv_push(&extra, "Practice points");
	assert_true(cb_lvocab_match(v, &extra, "Practice Points"));
	cb_strv_free(&extra);
	cb_lvocab_free(v);
	cb_strv_free(&add);
}

static void test_hashtags(void **state)
{
	const char *src = "## Key learning\n\n"
			  "- Check who brings the child. #was-not-brought #neglect\n"
			  "- Recommendation #3 stays as written.\n"
			  "- Long point\n  over two lines\n  #safer-sleep\n";
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_markdown_render(src, strlen(src), 6, "content/x.md", resolve, NULL, &m, &d), 0);
	assert_int_equal(m.nlearning, 3);
	assert_string_equal(m.learning[0].tags, "was-not-brought neglect");
	assert_string_equal(m.learning[0].text, "Check who brings the child.");
	assert_int_equal(m.learning[0].tag_line, 8);
	assert_int_equal(m.learning[0].tag_col, 31);
	assert_null(m.learning[1].tags); /* not a theme id: a number */
	assert_string_equal(m.learning[2].tags, "safer-sleep");
	assert_string_equal(m.learning[2].text, "Long point over two lines");
	assert_int_equal(m.learning[2].tag_line, 12);
	assert_int_equal(m.learning[2].tag_col, 3);
	assert_null(strstr(m.html, "#neglect"));
	assert_null(strstr(m.html, "#safer-sleep"));
	assert_non_null(strstr(m.html, "Recommendation #3"));

	/* An unknown id is an error at its place, with a suggestion. */
	cb_strv ids = CB_STRV_INIT;
	cb_strv_push(&ids, "neglect");
	cb_strv_push(&ids, "safer-sleep");
	cb_strv_push(&ids, "was-not-brought");
	cb_meta meta = {0};
	meta.type = "briefing";
	cb_learning_check(NULL, &meta, &m, &ids, "content/x.md", 6, &d);
	assert_int_equal(d.errors, 0);
	cb_strv_free(&ids);
	cb_strv_push(&ids, "neglect");
	cb_strv_push(&ids, "safer-sleep");
	cb_strv_push(&ids, "was-not-brough");
	cb_learning_check(NULL, &meta, &m, &ids, "content/x.md", 6, &d);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.v[0].line, 8);
	assert_int_equal(d.v[0].col, 31);
	assert_non_null(strstr(d.v[0].msg, "did you mean '#was-not-brough'"));
	cb_strv_free(&ids);
	cb_diags_free(&d);
	cb_mdoc_free(&m);
}

static void test_no_learning_warning(void **state)
{
	const char *src = "## Background\n\nText.\n\n## Lesons lernt\n\n- A lesson.\n";
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT;
	cb_markdown_render(src, strlen(src), 6, "content/x.md", resolve, NULL, &m, &d);
	assert_int_equal(m.nlearning, 0);
	cb_meta meta = {0};
	meta.type = "audit";
	cb_learning_check(NULL, &meta, &m, NULL, "content/x.md", 6, &d);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.v[0].rule, "no-learning");
	assert_non_null(strstr(d.v[0].msg, "'Lesons lernt'"));
	assert_non_null(strstr(d.v[0].msg, "nearest learning heading is 'lessons learnt'"));
	cb_diags_free(&d);
	/* Guidance is not expected to hold learning. */
	meta.type = "guidance";
	cb_learning_check(NULL, &meta, &m, NULL, "content/x.md", 6, &d);
	assert_int_equal(d.n, 0);
	cb_mdoc_free(&m);
}

static cb_taxonomy S_tax(void)
{
	const char *y =
	    "themes:\n"
	    "  information-sharing:\n    label: Information sharing\n    synonyms: [share, handover]\n"
	    "  safer-sleep:\n    label: Safer sleep\n    synonyms: [bed sharing, co-sleeping]\n"
	    "  non-mobile-bruising:\n    label: Bruising in non-mobile babies\n"
	    "  was-not-brought:\n    label: Was not brought\n    synonyms: [DNA, did not attend]\n"
	    "  parental-substance-misuse:\n    label: Parental substance misuse\n    synonyms: [alcohol]\n";
	cb_taxonomy tax;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_taxonomy_load(y, strlen(y), "taxonomy.yml", &tax, &d), 0);
	cb_diags_free(&d);
	return tax;
}

static char *S_classify(cb_lclass *c, const char *text)
{
	static const char *const all[] = {"information-sharing",       "safer-sleep",
					  "non-mobile-bruising",       "was-not-brought",
					  "parental-substance-misuse", "neglect"};
	cb_strv out = CB_STRV_INIT;
	cb_lclass_match(c, text, NULL, all, 6, &out);
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "");
	for (size_t i = 0; i < out.n; i++) {
		if (i)
			cb_buf_putc(&b, ' ');
		cb_buf_puts(&b, out.v[i]);
	}
	cb_strv_free(&out);
	return cb_buf_detach(&b);
}

static void test_classifier(void **state)
{
	cb_taxonomy tax = S_tax();
	cb_lclass *c = cb_lclass_new(&tax, NULL);
	static const char *const cases[][2] = {
	    /* Stemmed, in any order, close together. */
	    {"Bruising on non-mobile babies needs a same-day referral.", "non-mobile-bruising"},
	    {"Babies who are non-mobile and bruised", "non-mobile-bruising"},
	    {"A bruise on the arm; weeks later the baby was seen, and was non-mobile", ""},
	    {"Information was shared late.", "information-sharing"},
	    /* Inside a longer phrase of another theme, a word does not count. */
	    {"A parent who shares a bed with a baby after drinking alcohol",
	     "safer-sleep parental-substance-misuse"},
	    {"The family did not attend; record it as DNA", "was-not-brought"},
	    /* No taxonomy entry: the id is the name. */
	    {"Chronic neglect went unseen.", "neglect"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = S_classify(c, cases[i][0]);
		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("'%s': expected [%s], got [%s]", cases[i][0], cases[i][1], got);
		free(got);
	}
	cb_lclass_free(c);
	cb_taxonomy_free(&tax);
}

/* The themes of text among cands, space-separated. */
static char *S_themes_of(cb_lclass *c, const char *text, const char *const *cands, size_t n)
{
	cb_strv out = CB_STRV_INIT;
	cb_lclass_match(c, text, NULL, cands, n, &out);
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "");
	for (size_t i = 0; i < out.n; i++) {
		if (i)
			cb_buf_putc(&b, ' ');
		cb_buf_puts(&b, out.v[i]);
	}
	cb_strv_free(&out);
	return cb_buf_detach(&b);
}

static void S_expect(cb_lclass *c, const char *const cases[][2], size_t n, const char *const *cands,
		     size_t nc)
{
	for (size_t i = 0; i < n; i++) {
		char *got = S_themes_of(c, cases[i][0], cands, nc);
		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("'%s': expected [%s], got [%s]", cases[i][0], cases[i][1], got);
		free(got);
	}
}

/* Information sharing is a verb of passing on with a professional, a team
 * or an agency receiving it; the verb alone (and a taxonomy synonym that
 * is only such a verb) is not. None of these phrasings is in the fixture
 * set of tests/fixtures/learning. */
static void test_information_sharing(void **state)
{
	const char *y = "themes:\n"
			"  information-sharing:\n    label: Information sharing\n"
			"    synonyms: [share, passed on, handover]\n"
			"  looked-after-children:\n    label: Looked-after children\n"
			"    synonyms: [children in care, care leavers]\n"
			"  parental-substance-misuse:\n    label: Parental substance misuse\n"
			"    synonyms: [alcohol]\n";
	cb_taxonomy tax;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_taxonomy_load(y, strlen(y), "taxonomy.yml", &tax, &d), 0);
	static const char *const cands[] = {"information-sharing", "looked-after-children",
					    "parental-substance-misuse"};
	static const char *const cases[][2] = {
	    /* Told, informed, notified: the recipient as the object. */
	    {"The school should inform the designated safeguarding lead of every absence.",
	     "information-sharing"},
	    {"Ensure the minutes reach all the agencies involved.", "information-sharing"},
	    {"Let the social worker know about any missed appointment.", "information-sharing"},
	    /* The passive: the recipient before "be told". */
	    {"Probation were not notified when the father was released.", "information-sharing"},
	    {"The child's school nurse must be promptly updated.", "information-sharing"},
	    /* Sent, copied, fed back: the recipient after "to" or "with". */
	    {"Copy the discharge letter to the school nurse.", "information-sharing"},
	    {"Findings of the medical must be fed back to the referrer.", "information-sharing"},
	    {"Emailed the plan to every professional in the core group.", "information-sharing"},
	    {"Concerns about the flat were shared promptly with housing officers.", "information-sharing"},
	    /* No professional receives anything. */
	    {"Tell parents how to keep the baby safe at night.", ""},
	    {"Children were told about the changes by their social worker.", ""},
	    {"Send the child to the emergency department if a bruise is unexplained.", ""},
	    {"The nurse told the inspectors that records were incomplete.", ""},
	    {"Grandparents share the care at weekends.", ""},
	    {"The mother shares a room with her new partner.", ""},
	    {"Care leavers want their health history passed on to them.", "looked-after-children"},
	    /* A synonym that is more than a verb still counts alone. */
	    {"The handover between teams was incomplete.", "information-sharing"},
	    /* An agency's name is not a theme: "children's social care" holds
	     * the words of "children in care" but says nothing of it ... */
	    {"Refer to children's social care when a parent cannot cope.", ""},
	    {"Children in care should keep the same GP.", "looked-after-children"},
	    /* ... while a theme's words standing together in a name count. */
	    {"Offer a referral to drug and alcohol services.", "parental-substance-misuse"},
	};
	cb_lclass *c = cb_lclass_new(&tax, NULL);
	S_expect(c, cases, sizeof cases / sizeof cases[0], cands, 3);
	cb_lclass_free(c);

	/* The repository's agencies are recipients too. */
	cb_taxonomy defs = {0};
	const char *text = "agencies:\n  youth-justice:\n    label: Youth justice service\n"
			   "    synonyms: [YOT]\n";
	assert_int_equal(cb_agencies_file_load(text, strlen(text), "agencies.yml", &defs, &d), 0);
	cb_agencies a;
	cb_agencies_init(&a);
	cb_agencies_add(&a, &defs);
	static const char *const yot[][2] = {{"Send the plan to the YOT.", "information-sharing"}};
	c = cb_lclass_new(&tax, &a);
	S_expect(c, yot, 1, cands, 3);
	cb_lclass_free(c);
	c = cb_lclass_new(&tax, NULL);
	static const char *const no_yot[][2] = {{"Send the plan to the YOT.", ""}};
	S_expect(c, no_yot, 1, cands, 3);
	cb_lclass_free(c);

	/* Without a taxonomy, the theme is named by its id. */
	c = cb_lclass_new(NULL, NULL);
	static const char *const bare[][2] = {{"Tell the GP the same day.", "information-sharing"},
					      {"Tell the family the same day.", ""}};
	S_expect(c, bare, 2, cands, 1);
	cb_lclass_free(c);
	cb_agencies_free(&a);
	cb_taxonomy_free(&defs);
	cb_taxonomy_free(&tax);
	cb_diags_free(&d);
}

/* Without a taxonomy each theme is named by its id when a document asks
 * for it; what one document's points are on never depends on the themes
 * other documents asked for before (then a rebuild that classifies only
 * the changed documents gives what a full build does). */
static void test_themes_of_other_documents(void **state)
{
	const char *text = "Bed sharing was discussed at every visit.";
	const char *sharing[] = {"sharing"}, *bed[] = {"bed-sharing"};
	cb_lclass *c = cb_lclass_new(NULL, NULL);
	char *alone = S_themes_of(c, text, sharing, 1);
	cb_lclass_free(c);
	assert_string_equal(alone, "sharing");
	c = cb_lclass_new(NULL, NULL);
	char *other = S_themes_of(c, text, bed, 1);
	assert_string_equal(other, "bed-sharing");
	/* "bed sharing", another document's theme, does not take the words
	 * from this one's "sharing". */
	char *after = S_themes_of(c, text, sharing, 1);
	assert_string_equal(after, alone);
	/* Within one document the longer phrase still wins. */
	const char *both[] = {"sharing", "bed-sharing"};
	char *together = S_themes_of(c, text, both, 2);
	assert_string_equal(together, "bed-sharing");
	cb_lclass_free(c);
	free(alone);
	free(other);
	free(after);
	free(together);
}

/* The voice of the child is also a practitioner asking, hearing or
 * speaking with the child themselves (or seeing them alone), what the
 * child says or feels, and their own words; not a parent or a
 * professional spoken to about the child. None of these phrasings is in
 * the fixture set of tests/fixtures/learning. */
static void test_voice_of_child(void **state)
{
	const char *y =
	    "themes:\n"
	    "  voice-of-child:\n    label: Voice of the child\n"
	    "    synonyms: [lived experience, views of the child, child's words, child's account]\n"
	    "  information-sharing:\n    label: Information sharing\n"
	    "    synonyms: [share]\n";
	cb_taxonomy tax;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_taxonomy_load(y, strlen(y), "taxonomy.yml", &tax, &d), 0);
	static const char *const cands[] = {"voice-of-child", "information-sharing"};
	static const char *const cases[][2] = {
	    /* Asked, spoken to, listened to: the child as the object. */
	    {"Ask the child on their own what life at home is like, and write down their words.",
	     "voice-of-child"},
	    {"Practitioners should speak directly to the children, not only to their parents.",
	     "voice-of-child"},
	    {"Talk with each sibling separately about what happens at home.", "voice-of-child"},
	    {"Listen to young people when they say they do not feel safe.", "voice-of-child"},
	    {"Interview the pupil without the parent present.", "voice-of-child"},
	    /* The passive, and seen alone. */
	    {"The boy was never spoken to alone during the assessment.", "voice-of-child"},
	    {"Children should be asked what they want to happen.", "voice-of-child"},
	    {"The girl was seen alone at every visit.", "voice-of-child"},
	    /* What the child says or feels, in their own words. */
	    {"Understand how the child feels about the new partner moving in.", "voice-of-child"},
	    {"Record disclosures in their own words.", "voice-of-child"},
	    /* Someone else is spoken to, or the child is only talked about. */
	    {"Ask the mother about the child's sleeping arrangements.", ""},
	    {"Speak to the child's GP before closing the case.", ""},
	    {"Talk to children's social care about the referral.", ""},
	    {"The child was seen by the paediatrician within 24 hours.", ""},
	    {"Ask about the children's school attendance.", ""},
	    {"The parents were asked to attend the review.", ""},
	    {"Listen to the father's account of the injury.", ""},
	    {"The mother described in her own words how she coped.", ""},
	    {"Tell parents how to keep the baby safe at night.", ""},
	    /* Found in a trial after the rule was first written. */
	    {"Give the teenager a chance to talk without her stepfather in the room.", "voice-of-child"},
	    {"Check whether the young person wants an advocate at the meeting.", "voice-of-child"},
	    {"The children's accounts of the injuries were not written up.", "voice-of-child"},
	    {"Seek the views of the child's grandparents before changing the plan.", ""},
	    {"The child's mother said she felt unsupported.", ""},
	    {"The child protection conference said the plan was working.", ""},
	    /* Both rules at once. */
	    {"Ask the child what happened and share it with the school nurse.",
	     "voice-of-child information-sharing"},
	};
	cb_lclass *c = cb_lclass_new(&tax, NULL);
	S_expect(c, cases, sizeof cases / sizeof cases[0], cands, 2);
	cb_lclass_free(c);
	cb_taxonomy_free(&tax);
	cb_diags_free(&d);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_vocabulary), cmocka_unit_test(test_added_and_only),
	    cmocka_unit_test(test_hashtags),	       cmocka_unit_test(test_no_learning_warning),
	    cmocka_unit_test(test_classifier),	       cmocka_unit_test(test_information_sharing),
	    cmocka_unit_test(test_voice_of_child),     cmocka_unit_test(test_themes_of_other_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
