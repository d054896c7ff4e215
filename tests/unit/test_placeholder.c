/* Unit tests for the placeholder module: the shared list covers every
 * instruction each skeleton of `casebook new` writes, findings carry their
 * line and column, and ordinary writing is not flagged. Run from the
 * source tree's root (as make test does). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "placeholder.h"
#include "schema.h"
#include "util.h"

/* An instruction line of a skeleton: what a writer must replace. */
static bool S_instruction(const char *line)
{
	static const char *const starts[] = {"Say ",	     "Write ",	     "- Write ",      "- Add ",
					     "  - Replace ", "summary: One", "Give the main", "Summarise ",
					     "  - action: ", "    owner: "};
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
		if (strncmp(line, starts[i], strlen(starts[i])) == 0)
			return true;
	return false;
}

static void test_every_skeleton_instruction_is_listed(void **state)
{
	(void)state;
	size_t seen = 0, types = 0;
	for (size_t t = 0; t < cb_doc_ntypes; t++) {
		char *path = cb_xasprintf("generator/skeleton/new/%s.md", cb_doc_types[t]);
		char *text = NULL;
		size_t len = 0;
		assert_int_equal(cb_file_read(path, &text, &len), 0);
		types++;
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			if (!S_instruction(line))
				continue;
			seen++;
			cb_diags d = CB_DIAGS_INIT;
			size_t n = cb_placeholder_check(path, line, strlen(line), &d);
			if (n != 1)
				fail_msg("%s: instruction not in generator/placeholder.c's list: %s", path,
					 line);
			assert_string_equal(d.v[0].rule, "placeholder");
			cb_diags_free(&d);
		}
		free(text);
		free(path);
	}
	assert_int_equal(types, 9);
	assert_true(seen > 50);
}

static void test_positions(void **state)
{
	(void)state;
	const char *text =
	    "---\n"
	    "title: A\n"
	    "summary: One or two sentences for lists and search results — x.\n"
	    "questions:\n"
	    "  - Replace this with a question.\n"
	    "---\n"
	    "\n"
	    "> A 7-minute briefing is read aloud in a team meeting and fits on one side of A4.\n"
	    "| Describe the first action | x |\n"
	    "Say where the learning comes from: a review.\n";
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_placeholder_check("c/x.md", text, strlen(text), &d), 5);
	int want[][2] = {{3, 10}, {5, 5}, {8, 3}, {9, 3}, {10, 1}};
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(d.v[i].file, "c/x.md");
		assert_int_equal(d.v[i].line, want[i][0]);
		assert_int_equal(d.v[i].col, want[i][1]);
		assert_int_equal(d.v[i].sev, CB_ERROR);
	}
	cb_diags_free(&d);
}

static void test_real_writing_passes(void **state)
{
	(void)state;
	const char *text = "---\n"
			   "title: Missed appointments\n"
			   "summary: Two missed health visits were not followed up.\n"
			   "---\n"
			   "\n"
			   "Say it out loud: was the child brought?\n"
			   "- Write to the GP when a child is not brought.\n"
			   "- Add the health visitor to the strategy discussion.\n"
			   "Please record when and how your team used this briefing.\n";
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_placeholder_check("c/x.md", text, strlen(text), &d), 0);
	assert_int_equal(d.n, 0);
	cb_diags_free(&d);
	assert_null(cb_placeholder_at("", 0));
	assert_null(cb_placeholder_at("Replace", 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_skeleton_instruction_is_listed),
	    cmocka_unit_test(test_positions),
	    cmocka_unit_test(test_real_writing_passes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
