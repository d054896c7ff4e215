/* Unit tests for writer: staging, atomic swap, refusal of unsafe paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "writer.h"

#include "testutil.h"

static char *S_tmp(void)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = cb_xasprintf("%s/cbwriter-XXXXXX", t && t[0] ? t : "/tmp");
	assert_non_null(mkdtemp(tmpl));
	return tmpl;
}

static char *S_read(const char *dir, const char *rel)
{
	char *p = cb_path_join(dir, rel), *data = NULL;
	size_t len;
	if (cb_file_read(p, &data, &len) != 0)
		data = NULL;
	free(p);
	return data;
}

static size_t S_entries(const char *dir)
{
	char *cmd = cb_xasprintf("ls -A '%s' | wc -l", dir);
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	if (fscanf(f, "%zu", &n) != 1)
		n = 9999;
	pclose(f);
	free(cmd);
	return n;
}

static void test_commit_and_replace(void **state)
{
	char *tmp = S_tmp();
	char *out = cb_path_join(tmp, "public");
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(cb_writer_put(w, "index.html", "one", 3, &err), 0);
	assert_int_equal(cb_writer_put(w, "documents/a.html", "A", 1, &err), 0);
	assert_int_equal(cb_writer_count(w), 2);
	/* Nothing is visible before the commit. */
	assert_false(cb_is_dir(out));
	assert_int_equal(cb_writer_commit(w, &err), 0);
	char *s = S_read(out, "documents/a.html");
	assert_string_equal(s, "A");
	free(s);

	/* A second build replaces the whole folder: stale files disappear. */
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(cb_writer_put(w, "index.html", "two", 3, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	s = S_read(out, "index.html");
	assert_string_equal(s, "two");
	free(s);
	assert_null(S_read(out, "documents/a.html"));
	/* Only the output folder remains beside it: no staging leftovers. */
	assert_int_equal(S_entries(tmp), 1);
	cb_rm_rf(tmp);
	free(out);
	free(tmp);
}

static void test_abort_leaves_output(void **state)
{
	char *tmp = S_tmp();
	char *out = cb_path_join(tmp, "site");
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_put(w, "index.html", "good", 4, &err);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_put(w, "index.html", "bad", 3, &err);
	cb_writer_abort(w);
	char *s = S_read(out, "index.html");
	assert_string_equal(s, "good");
	free(s);
	assert_int_equal(S_entries(tmp), 1);
	cb_writer_abort(NULL);
	cb_rm_rf(tmp);
	free(out);
	free(tmp);
}

static void test_unsafe_paths(void **state)
{
	char *tmp = S_tmp();
	char *out = cb_path_join(tmp, "site");
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	const char *bad[] = {"../escape.html", "/etc/x", "a/../../b", "", "a//b", "./x",
			     "a\\b",	       "a/..",	 "x\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(cb_writer_put(w, bad[i], "x", 1, &err), -1);
		assert_non_null(strstr(err.msg, "inside the output folder"));
	}
	assert_int_equal(cb_writer_put(w, "ok/fine.html", "x", 1, &err), 0);
	cb_writer_abort(w);
	char *esc = cb_path_join(tmp, "escape.html");
	assert_int_equal(access(esc, F_OK), -1);
	free(esc);
	cb_rm_rf(tmp);
	free(out);
	free(tmp);
}

static void test_refuses_foreign_folder(void **state)
{
	char *tmp = S_tmp();
	char *keep = cb_path_join(tmp, "notes.txt");
	cb_file_write(keep, "mine", 4);
	cb_error err;
	cb_writer *w = NULL;
	assert_int_equal(cb_writer_open(&w, tmp, &err), -1);
	assert_null(w);
	assert_non_null(strstr(err.msg, "not made by casebook"));
	char *s = S_read(tmp, "notes.txt");
	assert_string_equal(s, "mine");
	free(s);
	/* An empty folder is fine. */
	char *empty = cb_path_join(tmp, "empty");
	cb_mkdir_p(empty);
	assert_int_equal(cb_writer_open(&w, empty, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	cb_rm_rf(tmp);
	free(empty);
	free(keep);
	free(tmp);
}

static void test_copy_tree_skips_symlinks(void **state)
{
	char *tmp = S_tmp();
	char *src = cb_path_join(tmp, "assets");
	char *f = cb_path_join(src, "css/style.css");
	cb_file_write(f, "body{}", 6);
	char *link = cb_path_join(src, "secret");
	assert_int_equal(symlink("/etc/passwd", link), 0);
	char *out = cb_path_join(tmp, "out");
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(cb_writer_copy_tree(w, src, "assets", &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	char *s = S_read(out, "assets/css/style.css");
	assert_string_equal(s, "body{}");
	free(s);
	assert_null(S_read(out, "assets/secret"));
	cb_rm_rf(tmp);
	free(out);
	free(link);
	free(f);
	free(src);
	free(tmp);
}

static ino_t S_ino(const char *dir, const char *rel)
{
	char *p = cb_path_join(dir, rel);
	struct stat st;
	ino_t ino = stat(p, &st) == 0 ? st.st_ino : 0;
	free(p);
	return ino;
}

static void test_unchanged_files_are_linked(void **state)
{
	char *tmp = S_tmp();
	char *out = cb_path_join(tmp, "site");
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_put(w, "same.html", "same", 4, &err);
	cb_writer_put(w, "changed.html", "old", 3, &err);
	assert_int_equal(cb_writer_reused(w), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	ino_t same = S_ino(out, "same.html"), changed = S_ino(out, "changed.html");

	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_put(w, "same.html", "same", 4, &err);
	cb_writer_put(w, "changed.html", "new", 3, &err); /* same size, other bytes */
	cb_writer_put(w, "added.html", "added", 5, &err);
	assert_int_equal(cb_writer_count(w), 3);
	assert_int_equal(cb_writer_reused(w), 1);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	/* The unchanged page is the same file; the changed one is new. */
	assert_true(S_ino(out, "same.html") == same);
	assert_true(S_ino(out, "changed.html") != changed);
	char *s = S_read(out, "changed.html");
	assert_string_equal(s, "new");
	free(s);
	s = S_read(out, "same.html");
	assert_string_equal(s, "same");
	free(s);
	/* Writing a linked path again never touches the previous output. */
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_put(w, "same.html", "same", 4, &err);
	cb_writer_put(w, "same.html", "twice", 5, &err);
	cb_writer_abort(w);
	s = S_read(out, "same.html");
	assert_string_equal(s, "same");
	free(s);
	/* Removing the old output (done by the commit) left the new intact,
	 * and nothing but the output remains beside it. */
	assert_int_equal(S_entries(tmp), 1);
	cb_rm_rf(tmp);
	free(out);
	free(tmp);
}

static mode_t S_mode(const char *dir, const char *rel)
{
	char *p = rel ? cb_path_join(dir, rel) : cb_xstrdup(dir);
	struct stat st;
	mode_t m = lstat(p, &st) == 0 ? st.st_mode & 07777 : 01;
	free(p);
	return m;
}

/* A process id that is certainly not running: a child that has ended and
 * been reaped. */
static long S_dead_pid(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	waitpid(pid, NULL, 0);
	return (long)pid;
}

/* The staging folder is owner-only from its creation and names the
 * process writing it; before, it was 0755, so a killed build left its
 * pages readable by everyone. */
static void test_staging_is_private(void **state)
{
	char *tmp = S_tmp();
	char *out = cb_path_join(tmp, "public");
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(S_mode(cb_writer_stage_dir(w), NULL), 0700);
	char *pid = S_read(cb_writer_stage_dir(w), CB_STAGING_MARKER);
	assert_non_null(pid);
	assert_int_equal(strtol(pid, NULL, 10), (long)getpid());
	free(pid);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	/* The marker does not stay in the output. */
	assert_null(S_read(out, CB_STAGING_MARKER));
	cb_rm_rf(tmp);
	free(out);
	free(tmp);
}

/* The next build of an output removes what killed builds of it left
 * (staging folders and folders moved aside), but not a staging folder of
 * a build still running, nor a folder without the marker. */
static void test_leftovers_are_removed(void **state)
{
	char *tmp = S_tmp();
	char *out = cb_path_join(tmp, "public");
	char *dead = cb_xasprintf("%ld\n", S_dead_pid());
	char *live = cb_xasprintf("%ld\n", (long)getpid());
	tu_write(tmp, "public.staging-AAAAAA/" CB_STAGING_MARKER, dead);
	tu_write(tmp, "public.staging-AAAAAA/casebook.db", "restricted text");
	tu_write(tmp, "public.old-12/" CB_STAGING_MARKER, dead);
	tu_write(tmp, "public.staging-BBBBBB/" CB_STAGING_MARKER, live);
	tu_write(tmp, "public.staging-CCCCCC/notes.txt", "not ours");
	tu_write(tmp, "other.staging-DDDDDD/" CB_STAGING_MARKER, dead);
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	char *p = cb_path_join(tmp, "public.staging-AAAAAA");
	assert_false(cb_is_dir(p));
	free(p);
	p = cb_path_join(tmp, "public.old-12");
	assert_false(cb_is_dir(p));
	free(p);
	p = cb_path_join(tmp, "public.staging-BBBBBB");
	assert_true(cb_is_dir(p));
	free(p);
	p = cb_path_join(tmp, "public.staging-CCCCCC");
	assert_true(cb_is_dir(p));
	free(p);
	p = cb_path_join(tmp, "other.staging-DDDDDD"); /* another output's */
	assert_true(cb_is_dir(p));
	free(p);
	cb_writer_abort(w);
	free(dead);
	free(live);
	cb_rm_rf(tmp);
	free(out);
	free(tmp);
}

/* A private (restricted) output is owner-only after the swap; a public one
 * is readable by everyone, files linked from a private build included. */
static void test_output_modes(void **state)
{
	char *tmp = S_tmp();
	char *out = cb_path_join(tmp, "site");
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_set_private(w, true);
	assert_int_equal(cb_writer_put(w, "documents/a.html", "A", 1, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	assert_int_equal(S_mode(out, NULL), 0700);
	assert_int_equal(S_mode(out, "documents"), 0700);
	assert_int_equal(S_mode(out, "documents/a.html"), 0600);
	assert_int_equal(S_mode(out, CB_OUTPUT_MARKER), 0600);

	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(cb_writer_put(w, "documents/a.html", "A", 1, &err), 0); /* linked */
	assert_int_equal(cb_writer_reused(w), 1);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	assert_int_equal(S_mode(out, NULL), 0755);
	assert_int_equal(S_mode(out, "documents"), 0755);
	assert_int_equal(S_mode(out, "documents/a.html"), 0644);
	cb_rm_rf(tmp);
	free(out);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commit_and_replace),
	    cmocka_unit_test(test_abort_leaves_output),
	    cmocka_unit_test(test_unsafe_paths),
	    cmocka_unit_test(test_refuses_foreign_folder),
	    cmocka_unit_test(test_copy_tree_skips_symlinks),
	    cmocka_unit_test(test_unchanged_files_are_linked),
	    cmocka_unit_test(test_staging_is_private),
	    cmocka_unit_test(test_leftovers_are_removed),
	    cmocka_unit_test(test_output_modes),
	};
	return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
