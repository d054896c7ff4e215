/*
 * Unit tests for the authoring commands' building blocks (commands.h) and
 * the gitsrc functions they use to make a repository and commit to it.
 * Real git repositories in temporary folders; the data folder is the
 * source tree, so run from the repository root (as tests/run.sh does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "frontmatter.h"
#include "gitsrc.h"
#include "schema.h"
#include "util.h"
#include "testutil.h"

static void S_write(const char *dir, const char *rel, const char *text)
{
	char *p = cb_path_join(dir, rel);
	assert_int_equal(cb_file_write(p, text, strlen(text)), 0);
	free(p);
}

static char *S_read(const char *dir, const char *rel)
{
	char *p = cb_path_join(dir, rel), *data = NULL;
	size_t len;
	int rc = cb_file_read(p, &data, &len);
	free(p);
	return rc == 0 ? data : NULL;
}

/* Runs a command function with a NULL-terminated list of arguments, its
 * standard output sent to a file in dir (returned, caller frees). */
static int S_run(int (*cmd)(int, char **, const char *), const char *dir, char **out, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, out);
	const char *a;
	while ((a = va_arg(ap, const char *)) && argc < 15)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	char *path = cb_path_join(dir, "stdout.txt");
	fflush(stdout);
	int saved = dup(1);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	dup2(fileno(f), 1);
	char datadir[PATH_MAX];
	assert_non_null(getcwd(datadir, sizeof datadir));
	int rc = cmd(argc, argv, datadir);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(f);
	size_t len;
	char *text = NULL;
	assert_int_equal(cb_file_read(path, &text, &len), 0);
	unlink(path);
	free(path);
	if (out)
		*out = text;
	else
		free(text);
	return rc;
}

static void test_type_folders(void **state)
{
	(void)state;
	static const char *const want[] = {"reviews", "briefings",   "briefings",
					   "audits",  "inspections", "action-plans",
					   "cdop",    "guidance",    "supervision"};
	assert_int_equal(cb_doc_ntypes, 9);
	for (size_t i = 0; i < cb_doc_ntypes; i++)
		assert_string_equal(cb_type_folder(cb_doc_types[i]), want[i]);
	assert_null(cb_type_folder("briefings"));
	assert_null(cb_type_folder(""));
	/* `casebook new --help` lists every type of the table. */
	for (size_t i = 0; i < cb_doc_ntypes; i++)
		assert_non_null(strstr(cb_new_usage, cb_doc_types[i]));
}

static void test_today(void **state)
{
	(void)state;
	char buf[11];
	cb_error err = CB_ERROR_INIT;
	setenv("SOURCE_DATE_EPOCH", "1717243200", 1);
	assert_int_equal(cb_today(buf, &err), 0);
	assert_string_equal(buf, "2024-06-01");
	setenv("SOURCE_DATE_EPOCH", "soon", 1);
	assert_int_equal(cb_today(buf, &err), -1);
	assert_string_equal(err.msg, "SOURCE_DATE_EPOCH must be a number of seconds since 1970, not 'soon'");
	unsetenv("SOURCE_DATE_EPOCH");
	assert_int_equal(cb_today(buf, &err), 0);
	assert_true(cb_date_valid(buf));
}

static void test_file_create(void **state)
{
	(void)state;
	char *dir = tu_tmpdir_real("cb-commands");
	char *p = cb_path_join(dir, "a/b/c.md");
	assert_int_equal(cb_file_create(p, "one", 3), 0);
	errno = 0;
	assert_int_equal(cb_file_create(p, "two", 3), -1);
	assert_int_equal(errno, EEXIST);
	char *text = S_read(dir, "a/b/c.md");
	assert_string_equal(text, "one");
	free(text);
	free(p);
	cb_rm_rf(dir);
	free(dir);
}

static void test_skeleton_dir(void **state)
{
	(void)state;
	char *dir = tu_tmpdir_real("cb-commands");
	assert_null(cb_skeleton_dir(dir));
	char *src = cb_path_join(dir, "generator/skeleton");
	assert_int_equal(cb_mkdir_p(src), 0);
	char *got = cb_skeleton_dir(dir);
	assert_string_equal(got, src);
	free(got);
	/* An installed copy keeps it at the top of the data folder. */
	char *inst = cb_path_join(dir, "skeleton");
	assert_int_equal(cb_mkdir_p(inst), 0);
	got = cb_skeleton_dir(dir);
	assert_string_equal(got, inst);
	free(got);
	free(inst);
	free(src);
	cb_rm_rf(dir);
	free(dir);
}

static void test_init_and_commit(void **state)
{
	(void)state;
	char *dir = tu_tmpdir_real("cb-commands");
	cb_error err = CB_ERROR_INIT;
	bool created = false;
	assert_int_equal(cb_gitsrc_init_repo(dir, &created, &err), 0);
	assert_true(created);
	assert_int_equal(cb_gitsrc_init_repo(dir, &created, &err), 0);
	assert_false(created);

	setenv("GIT_AUTHOR_NAME", "Unit Author", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "Unit Committer", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.org", 1);
	setenv("SOURCE_DATE_EPOCH", "1717243200", 1);
	S_write(dir, "content/a.md", "A\n");
	S_write(dir, "content/b.md", "B\n");
	S_write(dir, "notes.txt", "not committed\n");
	cb_strv paths = CB_STRV_INIT;
	cb_strv_push(&paths, "content/a.md");
	cb_strv_push(&paths, "content/b.md");
	char id[41] = {0};
	assert_int_equal(cb_gitsrc_commit_files(dir, &paths, "First", id, &err), 0);
	assert_int_equal(strlen(id), 40);

	/* A second commit continues the first. */
	S_write(dir, "content/b.md", "B, edited\n");
	cb_strv second = CB_STRV_INIT;
	cb_strv_push(&second, "content/b.md");
	setenv("SOURCE_DATE_EPOCH", "1717329600", 1);
	char id2[41] = {0};
	assert_int_equal(cb_gitsrc_commit_files(dir, &second, "Second", id2, &err), 0);
	assert_string_not_equal(id, id2);

	cb_gitsrc *g = NULL;
	assert_int_equal(cb_gitsrc_open(&g, dir, &err), 0);
	assert_int_equal(cb_gitsrc_select(g, NULL, false, &err), 0);
	assert_string_equal(cb_gitsrc_commit_id(g), id2);
	assert_int_equal(cb_gitsrc_commit_time(g), 1717329600);
	cb_source *src = NULL;
	size_t n = 0;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_gitsrc_list(g, "", NULL, 1 << 20, &src, &n, &d, &err), 0);
	assert_int_equal(n, 2); /* notes.txt was not named, so not committed */
	assert_string_equal(src[0].path, "content/a.md");
	assert_string_equal(src[1].data, "B, edited\n");
	cb_sources_free(src, n);
	cb_history *h = NULL;
	size_t nh = 0;
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &nh, &err), 0);
	const cb_history *hb = cb_history_find(h, nh, "content/b.md");
	assert_non_null(hb);
	assert_int_equal(hb->first_time, 1717243200);
	assert_int_equal(hb->last_time, 1717329600);
	assert_string_equal(hb->first_author, "Unit Author");
	cb_history_free(h, nh);
	cb_gitsrc_free(g);
	cb_diags_free(&d);

	/* Paths must stay inside the repository. */
	cb_strv bad = CB_STRV_INIT;
	cb_strv_push(&bad, "../outside.md");
	assert_int_equal(cb_gitsrc_commit_files(dir, &bad, "Bad", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "cannot add '../outside.md' to git"));

	unsetenv("SOURCE_DATE_EPOCH");
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_AUTHOR_EMAIL");
	unsetenv("GIT_COMMITTER_NAME");
	unsetenv("GIT_COMMITTER_EMAIL");
	cb_strv_free(&paths);
	cb_strv_free(&second);
	cb_strv_free(&bad);
	cb_rm_rf(dir);
	free(dir);
}

static void test_init_bare_refused(void **state)
{
	(void)state;
	char *dir = tu_tmpdir_real("cb-commands");
	char *cmd = cb_xasprintf("git init -q --bare '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cb_error err = CB_ERROR_INIT;
	bool created = true;
	assert_int_equal(cb_gitsrc_init_repo(dir, &created, &err), -1);
	assert_false(created);
	assert_non_null(strstr(err.msg, "is a bare git repository"));
	cb_rm_rf(dir);
	free(dir);
}

/* `casebook new` writes a title that reads back exactly, whatever it holds,
 * and every type's skeleton passes the schema. */
static void test_new_round_trip(void **state)
{
	(void)state;
	char *dir = tu_tmpdir_real("cb-commands");
	cb_error err = CB_ERROR_INIT;
	bool created;
	assert_int_equal(cb_gitsrc_init_repo(dir, &created, &err), 0);
	setenv("SOURCE_DATE_EPOCH", "1717243200", 1);
	for (size_t i = 0; i < cb_doc_ntypes; i++) {
		/* Distinct per type: a briefing and a 7-minute briefing share a
		 * folder. */
		char *title =
		    cb_xasprintf("Baby \"B\" — a café: back\\slash,\ttab & #hash %s", cb_doc_types[i]);
		char *out = NULL;
		assert_int_equal(S_run(cb_cmd_new, dir, &out, "new", cb_doc_types[i], title, "--repo", dir,
				       "--theme", "neglect", NULL),
				 0);
		char *want = cb_xasprintf("%s/content/%s/2024-06-01-baby-b-a-caf-back-slash-tab-hash-%s.md\n",
					  dir, cb_type_folder(cb_doc_types[i]), cb_doc_types[i]);
		assert_string_equal(out, want);
		want[strlen(want) - 1] = '\0';
		char *text = NULL;
		size_t len;
		assert_int_equal(cb_file_read(want, &text, &len), 0);
		cb_split sp;
		cb_diags d = CB_DIAGS_INIT;
		cb_meta m;
		assert_int_equal(cb_frontmatter_split(text, len, "new.md", &sp, &d), 0);
		assert_int_equal(cb_schema_check(sp.meta, "new.md", NULL, NULL, &m, &d), 0);
		assert_int_equal(d.errors, 0);
		assert_int_equal(d.warnings, 0);
		assert_string_equal(m.title, title);
		assert_string_equal(m.type, cb_doc_types[i]);
		assert_string_equal(m.date, "2024-06-01");
		assert_true(m.draft);
		assert_int_equal(m.themes.n, 1);
		assert_string_equal(m.themes.v[0], "neglect");
		assert_int_equal(m.visibility, strcmp(cb_doc_types[i], "supervision-note") == 0
						   ? CB_VIS_RESTRICTED
						   : CB_VIS_PUBLIC);
		if (strcmp(cb_doc_types[i], "action-plan") == 0)
			assert_int_equal(m.nactions, 1);
		if (strcmp(cb_doc_types[i], "seven-minute-briefing") == 0)
			assert_int_equal(m.questions.n, 3);
		cb_meta_free(&m);
		cb_split_free(&sp);
		cb_diags_free(&d);
		free(text);
		free(want);
		free(out);
		/* The same title again is refused, and nothing is printed. */
		assert_int_equal(
		    S_run(cb_cmd_new, dir, &out, "new", cb_doc_types[i], title, "--repo", dir, NULL), 2);
		assert_string_equal(out, "");
		free(out);
		free(title);
	}
	unsetenv("SOURCE_DATE_EPOCH");
	cb_rm_rf(dir);
	free(dir);
}

static void test_init_command(void **state)
{
	(void)state;
	char *dir = tu_tmpdir_real("cb-commands");
	char *lib = cb_path_join(dir, "lib");
	setenv("GIT_AUTHOR_NAME", "Unit Author", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "Unit Author", 1);
	setenv("GIT_COMMITTER_EMAIL", "author@example.org", 1);
	assert_int_equal(S_run(cb_cmd_init, dir, NULL, "init", lib, "--commit", NULL), 0);
	char *gi = S_read(lib, ".gitignore");
	assert_non_null(gi);
	assert_non_null(strstr(gi, "public/\n.casebook/\n*.staging-*\n"));
	free(gi);
	/* A second init into the now full folder is refused. */
	assert_int_equal(S_run(cb_cmd_init, dir, NULL, "init", lib, NULL), 2);
	assert_int_equal(S_run(cb_cmd_init, dir, NULL, "init", NULL), 2);
	assert_int_equal(S_run(cb_cmd_init, dir, NULL, "init", lib, "--bogus", NULL), 2);

	cb_gitsrc *g = NULL;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(cb_gitsrc_open(&g, lib, &err), 0);
	assert_int_equal(cb_gitsrc_select(g, NULL, false, &err), 0);
	cb_source *src = NULL;
	size_t n = 0;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &src, &n, &d, &err), 0);
	assert_int_equal(n, 9);
	/* One document of each type, each a valid, fictional example. */
	bool seen[9] = {false};
	for (size_t i = 0; i < n; i++) {
		cb_split sp;
		cb_meta m;
		assert_int_equal(cb_frontmatter_split(src[i].data, src[i].len, src[i].path, &sp, &d), 0);
		assert_int_equal(cb_schema_check(sp.meta, src[i].path, NULL, NULL, &m, &d), 0);
		for (size_t t = 0; t < cb_doc_ntypes; t++)
			if (strcmp(m.type, cb_doc_types[t]) == 0)
				seen[t] = true;
		assert_non_null(strstr(src[i].data, "fictional example"));
		cb_meta_free(&m);
		cb_split_free(&sp);
	}
	for (size_t t = 0; t < cb_doc_ntypes; t++)
		assert_true(seen[t]);
	assert_int_equal(d.errors, 0);
	cb_sources_free(src, n);
	cb_gitsrc_free(g);
	cb_diags_free(&d);
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_AUTHOR_EMAIL");
	unsetenv("GIT_COMMITTER_NAME");
	unsetenv("GIT_COMMITTER_EMAIL");
	free(lib);
	cb_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_folders),    cmocka_unit_test(test_today),
	    cmocka_unit_test(test_file_create),	    cmocka_unit_test(test_skeleton_dir),
	    cmocka_unit_test(test_init_and_commit), cmocka_unit_test(test_init_bare_refused),
	    cmocka_unit_test(test_new_round_trip),  cmocka_unit_test(test_init_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
