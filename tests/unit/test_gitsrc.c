/*
 * Unit tests for gitsrc: every test builds a real git repository in a
 * temporary folder with the git command line (fixed authors and dates, so
 * the expected values are exact) and removes it afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitsrc.h"
#include "util.h"
#include "testutil.h"

/* 2020-01-01T00:00:00Z and friends, as Unix times. */
#define T_JAN 1577836800
#define T_FEB 1580515200
#define T_MAR 1583020800
#define T_JUN 1590969600

/* Runs a shell command in dir with git's user configuration ignored, so the
 * machine's settings (signing, hooks, default branch) cannot leak in. */
static void S_sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void S_sh(const char *dir, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cb_buf b = CB_BUF_INIT;
	cb_buf_printf(&b, "cd '%s' && GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null ", dir);
	cb_buf_vprintf(&b, fmt, ap);
	cb_buf_puts(&b, " >/dev/null 2>&1");
	va_end(ap);
	int rc = system(b.data);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, b.data);
	assert_int_equal(rc, 0);
	cb_buf_free(&b);
}

/* Output of a command run in dir, without the trailing newline. */
static char *S_out(const char *dir, const char *cmd)
{
	char *full =
	    cb_xasprintf("cd '%s' && GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null %s", dir, cmd);
	FILE *f = popen(full, "r");
	assert_non_null(f);
	cb_buf b = CB_BUF_INIT;
	char chunk[256];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		cb_buf_put(&b, chunk, got);
	assert_int_equal(pclose(f), 0);
	free(full);
	while (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return cb_buf_detach(&b);
}

static void S_write(const char *dir, const char *rel, const char *text)
{
	char *p = cb_path_join(dir, rel);
	assert_int_equal(cb_file_write(p, text, strlen(text)), 0);
	free(p);
}

static void S_init(const char *dir)
{
	S_sh(dir, "git -c init.defaultBranch=main init -q .");
}

/* Commits everything in the working tree as author at time t (UTC). */
static void S_commit(const char *dir, const char *author, int64_t t, const char *msg)
{
	char date[64];
	snprintf(date, sizeof date, "@%lld +0000", (long long)t);
	setenv("GIT_AUTHOR_NAME", author, 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.org", 1);
	setenv("GIT_AUTHOR_DATE", date, 1);
	setenv("GIT_COMMITTER_NAME", author, 1);
	setenv("GIT_COMMITTER_EMAIL", "author@example.org", 1);
	setenv("GIT_COMMITTER_DATE", date, 1);
	S_sh(dir, "git add -A && git commit -q --no-verify --allow-empty -m '%s'", msg);
}

static cb_gitsrc *S_open(const char *dir, const char *ref, bool worktree)
{
	cb_gitsrc *g = NULL;
	cb_error err = {0};
	if (cb_gitsrc_open(&g, dir, &err) < 0)
		fprintf(stderr, "open: %s\n", err.msg);
	assert_non_null(g);
	if (cb_gitsrc_select(g, ref, worktree, &err) < 0)
		fprintf(stderr, "select: %s\n", err.msg);
	assert_string_equal(err.msg, "");
	return g;
}

static char *S_read(cb_gitsrc *g, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	cb_error err = {0};
	int rc = cb_gitsrc_read(g, path, &data, &len, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(data), len);
	return data;
}

/* A repository with three Markdown files under content/ (one in a
 * subfolder), a text file beside them and a README outside. */
static char *S_basic_repo(void)
{
	char *dir = tu_tmpdir_real("cb-gitsrc");
	S_init(dir);
	S_write(dir, "content/b.md", "# B\n");
	S_write(dir, "content/a.md", "# A\nfirst\n");
	S_write(dir, "content/sub/c.md", "# C\n");
	S_write(dir, "content/a0.md", "# A0\n");
	S_write(dir, "content/notes.txt", "not markdown\n");
	S_write(dir, "README.md", "readme\n");
	S_commit(dir, "Alice", T_JAN, "first");
	return dir;
}

static void test_list_tree(void **state)
{
	char *dir = S_basic_repo();
	cb_gitsrc *g = S_open(dir, NULL, false);
	cb_source *v = NULL;
	size_t n = 0;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &v, &n, &d, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(d.n, 0);
	const char *want[] = {"content/a.md", "content/a0.md", "content/b.md", "content/sub/c.md"};
	const char *body[] = {"# A\nfirst\n", "# A0\n", "# B\n", "# C\n"};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(v[i].path, want[i]);
		assert_string_equal(v[i].data, body[i]);
		assert_int_equal(v[i].len, strlen(body[i]));
		char *cmd = cb_xasprintf("git rev-parse HEAD:%s", want[i]);
		char *oid = S_out(dir, cmd);
		assert_string_equal(v[i].oid, oid);
		free(oid);
		free(cmd);
	}
	cb_sources_free(v, n);

	/* Every file, with a trailing slash on the folder. */
	assert_int_equal(cb_gitsrc_list(g, "content/", NULL, 1 << 20, &v, &n, &d, &err), 0);
	assert_int_equal(n, 5);
	assert_string_equal(v[3].path, "content/notes.txt");
	cb_sources_free(v, n);

	/* Too large: listed, measured, not read. */
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 5, &v, &n, &d, &err), 0);
	assert_int_equal(n, 4);
	assert_null(v[0].data);
	assert_int_equal(v[0].len, 10);
	assert_non_null(v[1].data);
	assert_string_equal(v[1].data, "# A0\n");
	cb_sources_free(v, n);

	char *head = S_out(dir, "git rev-parse HEAD");
	assert_string_equal(cb_gitsrc_commit_id(g), head);
	free(head);
	assert_int_equal(cb_gitsrc_commit_time(g), T_JAN);
	assert_string_equal(cb_gitsrc_workdir(g), dir);

	cb_diags_free(&d);
	cb_gitsrc_free(g);

	/* Opening from a subfolder discovers the repository above it. */
	char *sub = cb_path_join(dir, "content/sub");
	g = S_open(sub, "main", false);
	assert_string_equal(cb_gitsrc_workdir(g), dir);
	char *data = S_read(g, "README.md");
	assert_string_equal(data, "readme\n");
	free(data);
	cb_gitsrc_free(g);

	/* With no folder given, the current directory is where to look. */
	char here[PATH_MAX];
	assert_non_null(getcwd(here, sizeof here));
	assert_int_equal(chdir(sub), 0);
	g = S_open(NULL, NULL, false);
	assert_int_equal(chdir(here), 0);
	assert_string_equal(cb_gitsrc_workdir(g), dir);
	cb_gitsrc_free(g);
	free(sub);

	cb_rm_rf(dir);
	free(dir);
}

static void test_read_at_tag(void **state)
{
	char *dir = S_basic_repo();
	S_sh(dir, "git tag v1");
	S_write(dir, "content/a.md", "# A\nsecond\n");
	S_commit(dir, "Bob", T_FEB, "second");

	cb_gitsrc *g = S_open(dir, "v1", false);
	char *data = S_read(g, "content/a.md");
	assert_string_equal(data, "# A\nfirst\n");
	free(data);
	assert_int_equal(cb_gitsrc_commit_time(g), T_JAN);

	char *missing = NULL;
	size_t len = 7;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_read(g, "content/none.md", &missing, &len, &err), 1);
	assert_null(missing);
	assert_int_equal(len, 0);
	assert_int_equal(cb_gitsrc_read(g, "nowhere/none.md", &missing, &len, &err), 1);
	assert_int_equal(cb_gitsrc_read(g, "../etc/passwd", &missing, &len, &err), -1);

	/* Selecting again moves to the new commit. */
	assert_int_equal(cb_gitsrc_select(g, NULL, false, &err), 0);
	data = S_read(g, "content/a.md");
	assert_string_equal(data, "# A\nsecond\n");
	free(data);
	assert_int_equal(cb_gitsrc_commit_time(g), T_FEB);
	cb_gitsrc_free(g);

	cb_rm_rf(dir);
	free(dir);
}

static void test_worktree(void **state)
{
	char *dir = S_basic_repo();
	S_write(dir, "content/a.md", "# A\nedited, not committed\n");
	S_write(dir, "content/new.md", "# New\n");

	cb_gitsrc *g = S_open(dir, NULL, false);
	cb_source *v = NULL;
	size_t n = 0;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &v, &n, &d, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].data, "# A\nfirst\n");
	assert_string_equal(v[2].path, "content/b.md");
	cb_sources_free(v, n);
	cb_gitsrc_free(g);

	g = S_open(dir, NULL, true);
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &v, &n, &d, &err), 0);
	assert_int_equal(n, 5);
	const char *want[] = {"content/a.md", "content/a0.md", "content/b.md", "content/new.md",
			      "content/sub/c.md"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(v[i].path, want[i]);
	assert_string_equal(v[0].data, "# A\nedited, not committed\n");
	assert_string_equal(v[3].data, "# New\n");
	char *oid = S_out(dir, "git hash-object content/new.md");
	assert_string_equal(v[3].oid, oid);
	free(oid);
	oid = S_out(dir, "git rev-parse HEAD:content/b.md");
	assert_string_equal(v[2].oid, oid);
	free(oid);
	cb_sources_free(v, n);

	char *data = S_read(g, "content/new.md");
	assert_string_equal(data, "# New\n");
	free(data);
	assert_int_equal(d.n, 0);
	assert_int_equal(cb_gitsrc_commit_time(g), T_JAN);

	/* History in worktree mode starts at HEAD: new.md was never committed. */
	cb_history *h = NULL;
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_null(cb_history_find(h, n, "content/new.md"));
	assert_non_null(cb_history_find(h, n, "content/notes.txt"));
	cb_history_free(h, n);

	cb_diags_free(&d);
	cb_gitsrc_free(g);
	cb_rm_rf(dir);
	free(dir);
}

static void test_bare_clone(void **state)
{
	char *dir = S_basic_repo();
	char *bare = cb_xasprintf("%s.git", dir);
	S_sh(dir, "git clone -q --bare . '%s'", bare);

	cb_gitsrc *g = S_open(bare, NULL, false);
	assert_null(cb_gitsrc_workdir(g));
	cb_source *v = NULL;
	size_t n = 0;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &v, &n, &d, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[3].path, "content/sub/c.md");
	assert_string_equal(v[3].data, "# C\n");
	cb_sources_free(v, n);

	assert_int_equal(cb_gitsrc_select(g, NULL, true, &err), -1);
	assert_non_null(strstr(err.msg, "is bare"));
	cb_gitsrc_free(g);

	cb_rm_rf(bare);
	free(bare);
	cb_rm_rf(dir);
	free(dir);
}

static void test_history_dates_authors(void **state)
{
	char *dir = tu_tmpdir_real("cb-gitsrc");
	S_init(dir);
	S_write(dir, "content/a.md", "a1\n");
	S_write(dir, "content/b.md", "b1\n");
	S_write(dir, "README.md", "r1\n");
	S_commit(dir, "Alice", T_JAN, "one");
	S_write(dir, "content/a.md", "a2\n");
	S_write(dir, "content/c.md", "c1\n");
	S_write(dir, "README.md", "r2\n");
	S_commit(dir, "Bob", T_FEB, "two");
	S_write(dir, "content/b.md", "b2\n");
	S_commit(dir, "Alice", T_MAR, "three");

	cb_gitsrc *g = S_open(dir, NULL, false);
	cb_history *h = NULL;
	size_t n = 0;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(h[0].path, "content/a.md");
	assert_string_equal(h[1].path, "content/b.md");
	assert_string_equal(h[2].path, "content/c.md");

	const cb_history *a = cb_history_find(h, n, "content/a.md");
	assert_ptr_equal(a, &h[0]);
	assert_int_equal(a->first_time, T_JAN);
	assert_string_equal(a->first_author, "Alice");
	assert_int_equal(a->last_time, T_FEB);
	assert_string_equal(a->last_author, "Bob");
	assert_int_equal(a->authors.n, 2);
	assert_string_equal(a->authors.v[0], "Alice");
	assert_string_equal(a->authors.v[1], "Bob");
	assert_int_equal(a->first_tz, 0);

	const cb_history *b = cb_history_find(h, n, "content/b.md");
	assert_int_equal(b->first_time, T_JAN);
	assert_int_equal(b->last_time, T_MAR);
	assert_string_equal(b->last_author, "Alice");
	assert_int_equal(b->authors.n, 1);
	assert_string_equal(b->authors.v[0], "Alice");

	const cb_history *c = cb_history_find(h, n, "content/c.md");
	assert_int_equal(c->first_time, T_FEB);
	assert_int_equal(c->last_time, T_FEB);
	assert_string_equal(c->first_author, "Bob");

	assert_null(cb_history_find(h, n, "README.md"));
	assert_null(cb_history_find(h, n, "content/zz.md"));
	cb_history_free(h, n);

	/* The whole repository, and history from an older ref. */
	assert_int_equal(cb_gitsrc_history(g, "", &h, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(h[0].path, "README.md");
	assert_int_equal(h[0].last_time, T_FEB);
	cb_history_free(h, n);

	assert_int_equal(cb_gitsrc_select(g, "HEAD~2", false, &err), 0);
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].last_time, T_JAN);
	assert_int_equal(h[0].authors.n, 1);
	cb_history_free(h, n);

	cb_gitsrc_free(g);
	cb_rm_rf(dir);
	free(dir);
}

static void test_history_renames_deletes(void **state)
{
	char *dir = tu_tmpdir_real("cb-gitsrc");
	S_init(dir);
	S_write(dir, "content/old.md", "same text\n");
	S_write(dir, "content/edit.md", "will move and change\n");
	S_write(dir, "content/gone.md", "deleted later\n");
	S_write(dir, "content/back.md", "deleted and added again\n");
	S_commit(dir, "Alice", T_JAN, "one");
	S_sh(dir, "mkdir -p content/moved && git mv content/old.md content/moved/new.md");
	S_sh(dir, "git mv content/edit.md content/edited.md");
	S_write(dir, "content/edited.md", "moved and changed\n");
	S_sh(dir, "git rm -q content/gone.md content/back.md");
	S_commit(dir, "Carol", T_FEB, "two");
	S_write(dir, "content/back.md", "back again\n");
	S_commit(dir, "Bob", T_MAR, "three");

	cb_gitsrc *g = S_open(dir, NULL, false);
	cb_history *h = NULL;
	size_t n = 0;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(h[0].path, "content/back.md");
	assert_string_equal(h[1].path, "content/edited.md");
	assert_string_equal(h[2].path, "content/moved/new.md");

	/* An exact rename keeps the first date; moving is not an edit. */
	const cb_history *mv = cb_history_find(h, n, "content/moved/new.md");
	assert_non_null(mv);
	assert_int_equal(mv->first_time, T_JAN);
	assert_string_equal(mv->first_author, "Alice");
	assert_int_equal(mv->last_time, T_JAN);
	assert_int_equal(mv->authors.n, 1);

	/* A rename with edits starts anew. */
	const cb_history *ed = cb_history_find(h, n, "content/edited.md");
	assert_int_equal(ed->first_time, T_FEB);
	assert_string_equal(ed->first_author, "Carol");
	assert_int_equal(ed->authors.n, 1);
	assert_string_equal(ed->authors.v[0], "Carol");

	/* Deleted, then added again: the new file's history only. */
	const cb_history *bk = cb_history_find(h, n, "content/back.md");
	assert_int_equal(bk->first_time, T_MAR);
	assert_int_equal(bk->authors.n, 1);
	assert_string_equal(bk->authors.v[0], "Bob");

	assert_null(cb_history_find(h, n, "content/gone.md"));
	assert_null(cb_history_find(h, n, "content/old.md"));
	assert_null(cb_history_find(h, n, "content/edit.md"));
	cb_history_free(h, n);
	cb_gitsrc_free(g);
	cb_rm_rf(dir);
	free(dir);
}

/* One commit moves p into a folder and also adds a copy of it elsewhere:
 * only one of the two new names can continue p's history. */
static void test_history_rename_and_copy(void **state)
{
	char *dir = tu_tmpdir_real("cb-gitsrc");
	S_init(dir);
	S_write(dir, "content/p.md", "p\n");
	S_write(dir, "content/q.md", "q\n");
	S_commit(dir, "Alice", T_JAN, "p");
	S_sh(dir, "mkdir content/a content/b && git mv content/p.md content/a/p.md && "
		  "cp content/a/p.md content/b/copy.md");
	S_write(dir, "content/q.md", "q edited\n");
	S_commit(dir, "Bob", T_FEB, "move, copy and edit");

	cb_gitsrc *g = S_open(dir, NULL, false);
	cb_history *h = NULL;
	size_t n = 0;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(h[0].path, "content/a/p.md");
	assert_int_equal(h[0].first_time, T_JAN);
	assert_int_equal(h[0].last_time, T_JAN);
	assert_string_equal(h[0].first_author, "Alice");
	assert_string_equal(h[1].path, "content/b/copy.md");
	assert_int_equal(h[1].first_time, T_FEB);
	assert_string_equal(h[1].first_author, "Bob");
	assert_string_equal(h[2].path, "content/q.md");
	assert_int_equal(h[2].first_time, T_JAN);
	assert_int_equal(h[2].last_time, T_FEB);
	assert_int_equal(h[2].authors.n, 2);
	cb_history_free(h, n);
	cb_gitsrc_free(g);
	cb_rm_rf(dir);
	free(dir);
}

static void test_history_merge(void **state)
{
	char *dir = tu_tmpdir_real("cb-gitsrc");
	S_init(dir);
	S_write(dir, "content/a.md", "a\n");
	S_commit(dir, "Alice", T_JAN, "one");
	S_sh(dir, "git checkout -q -b side");
	S_write(dir, "content/side.md", "from the side branch\n");
	S_commit(dir, "Bob", T_FEB, "side");
	S_sh(dir, "git checkout -q main");
	setenv("GIT_AUTHOR_NAME", "Alice", 1);
	setenv("GIT_COMMITTER_NAME", "Alice", 1);
	char date[64];
	snprintf(date, sizeof date, "@%lld +0000", (long long)T_MAR);
	setenv("GIT_AUTHOR_DATE", date, 1);
	setenv("GIT_COMMITTER_DATE", date, 1);
	S_sh(dir, "git merge -q --no-ff --no-edit side");

	cb_gitsrc *g = S_open(dir, NULL, false);
	cb_history *h = NULL;
	size_t n = 0;
	cb_error err = {0};
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &n, &err), 0);
	assert_int_equal(n, 2);
	const cb_history *s = cb_history_find(h, n, "content/side.md");
	assert_non_null(s);
	/* Written on the side branch, published by the merge. */
	assert_int_equal(s->first_time, T_FEB);
	assert_string_equal(s->first_author, "Bob");
	assert_int_equal(s->last_time, T_MAR);
	assert_int_equal(s->authors.n, 2);
	const cb_history *a = cb_history_find(h, n, "content/a.md");
	assert_int_equal(a->last_time, T_JAN);
	assert_int_equal(a->authors.n, 1);
	cb_history_free(h, n);
	cb_gitsrc_free(g);
	cb_rm_rf(dir);
	free(dir);
}

/* Two history results are equal field by field. */
static void S_same_history(const cb_history *a, size_t na, const cb_history *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i].path, b[i].path);
		assert_int_equal(a[i].first_time, b[i].first_time);
		assert_int_equal(a[i].first_tz, b[i].first_tz);
		assert_string_equal(a[i].first_author, b[i].first_author);
		assert_int_equal(a[i].last_time, b[i].last_time);
		assert_int_equal(a[i].last_tz, b[i].last_tz);
		assert_string_equal(a[i].last_author, b[i].last_author);
		assert_int_equal(a[i].authors.n, b[i].authors.n);
		for (size_t k = 0; k < a[i].authors.n; k++)
			assert_string_equal(a[i].authors.v[k], b[i].authors.v[k]);
	}
}

/* The history extended from any earlier commit equals the full walk: edits,
 * exact renames (across the base too), renames with edits, deletions and
 * files deleted and added again, by several authors. */
static void test_history_since(void **state)
{
	char *dir = tu_tmpdir_real("cb-gitsrc");
	S_init(dir);
	static const char *const who[] = {"Alice", "Bob", "Carol"};
	S_write(dir, "content/a.md", "a\n");
	S_write(dir, "content/b.md", "b\n");
	S_write(dir, "content/c.md", "c\n");
	S_write(dir, "content/d.md", "d\n");
	S_commit(dir, who[0], T_JAN, "c0");
	const char *const steps[] = {
	    "echo a2 >> content/a.md",
	    "git mv content/b.md content/b2.md",
	    "echo c2 >> content/c.md && git mv content/c.md content/c2.md",
	    "git rm -q content/d.md",
	    "echo again > content/d.md",
	    "mkdir -p content/x && git mv content/b2.md content/x/b3.md && echo a3 >> content/a.md",
	    "echo new > content/e.md",
	    "git mv content/a.md content/a-moved.md",
	    "echo b4 >> content/x/b3.md",
	};
	size_t nsteps = sizeof steps / sizeof steps[0];
	char *ids[16];
	ids[0] = S_out(dir, "git rev-parse HEAD");
	for (size_t i = 0; i < nsteps; i++) {
		S_sh(dir, "%s", steps[i]);
		S_commit(dir, who[(i + 1) % 3], T_FEB + (int64_t)i * 86400, "step");
		ids[i + 1] = S_out(dir, "git rev-parse HEAD");
	}
	cb_error err = {0};
	cb_gitsrc *head = S_open(dir, NULL, false);
	cb_history *full = NULL;
	size_t nfull = 0;
	assert_int_equal(cb_gitsrc_history(head, "content", &full, &nfull, &err), 0);
	for (size_t b = 0; b <= nsteps; b++) {
		cb_gitsrc *at = S_open(dir, ids[b], false);
		cb_history *base = NULL, *ext = NULL;
		size_t nbase = 0, next = 0;
		assert_int_equal(cb_gitsrc_history(at, "content", &base, &nbase, &err), 0);
		assert_int_equal(
		    cb_gitsrc_history_since(head, "content", ids[b], base, nbase, &ext, &next, &err), 0);
		S_same_history(full, nfull, ext, next);
		cb_history_free(base, nbase);
		cb_history_free(ext, next);
		cb_gitsrc_free(at);
	}
	/* Not an ancestor (or not a commit at all): nothing done, walk all. */
	cb_history *ext = NULL;
	size_t next = 0;
	assert_int_equal(cb_gitsrc_history_since(head, "content", "0123456789012345678901234567890123456789",
						 full, nfull, &ext, &next, &err),
			 1);
	assert_int_equal(
	    cb_gitsrc_history_since(head, "content", "not an id", full, nfull, &ext, &next, &err), 1);
	assert_null(ext);
	cb_gitsrc_free(head);

	/* A merge since the base: not a straight line, so 1. */
	S_sh(dir, "git checkout -q -b side && echo side > content/side.md && git add -A && "
		  "git commit -q -m side && git checkout -q main && git merge -q --no-ff --no-edit side");
	head = S_open(dir, NULL, false);
	assert_int_equal(
	    cb_gitsrc_history_since(head, "content", ids[nsteps], full, nfull, &ext, &next, &err), 1);
	cb_gitsrc_free(head);
	cb_history_free(full, nfull);
	for (size_t i = 0; i <= nsteps; i++)
		free(ids[i]);
	cb_rm_rf(dir);
	free(dir);
}

static void test_symlink_skipped(void **state)
{
	char *dir = S_basic_repo();
	S_sh(dir, "ln -s a.md content/link.md && ln -s ../README.md content/sub/up.md");
	S_commit(dir, "Alice", T_FEB, "links");
	/* A submodule: a gitlink in the tree, and in the working tree a
	 * folder with its own .git. */
	S_sh(dir, "git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),content/mod && "
		  "git commit -q -m submodule && mkdir content/mod && echo 'gitdir: x' >content/mod/.git && "
		  "echo '# hidden' >content/mod/x.md");

	for (int wt = 0; wt < 2; wt++) {
		cb_gitsrc *g = S_open(dir, NULL, wt == 1);
		cb_source *v = NULL;
		size_t n = 0;
		cb_diags d = CB_DIAGS_INIT;
		cb_error err = {0};
		assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &v, &n, &d, &err), 0);
		assert_int_equal(n, 4);
		for (size_t i = 0; i < n; i++)
			assert_null(strstr(v[i].path, "link"));
		assert_int_equal(d.n, 3);
		assert_int_equal(d.warnings, 3);
		assert_int_equal(d.errors, 0);
		cb_diags_sort(&d);
		assert_string_equal(d.v[0].file, "content/link.md");
		assert_string_equal(d.v[0].msg, "symbolic link not followed");
		assert_string_equal(d.v[0].rule, "symlink");
		assert_int_equal(d.v[0].line, 0);
		assert_int_equal(d.v[0].sev, CB_WARNING);
		assert_string_equal(d.v[1].file, "content/mod");
		assert_string_equal(d.v[1].msg, "submodule not followed");
		assert_string_equal(d.v[1].rule, "submodule");
		assert_string_equal(d.v[2].file, "content/sub/up.md");
		cb_sources_free(v, n);
		cb_diags_free(&d);

		char *data = NULL;
		size_t len = 0;
		assert_int_equal(cb_gitsrc_read(g, "content/link.md", &data, &len, &err), -1);
		assert_string_equal(err.msg, "symbolic link not followed");
		assert_null(data);
		cb_gitsrc_free(g);
	}
	cb_rm_rf(dir);
	free(dir);
}

static void test_errors(void **state)
{
	char *dir = tu_tmpdir_real("cb-gitsrc");
	cb_gitsrc *g = (cb_gitsrc *)&g;
	cb_error err = {0};

	/* Not a repository. */
	assert_int_equal(cb_gitsrc_open(&g, dir, &err), -1);
	assert_null(g);
	char *want = cb_xasprintf("no git repository at '%s' (or any parent folder); "
				  "run 'git init' there, or pass --repo",
				  dir);
	assert_string_equal(err.msg, want);
	free(want);

	/* Empty repository: no commits, but a worktree preview works. */
	S_init(dir);
	assert_int_equal(cb_gitsrc_open(&g, dir, &err), 0);
	assert_int_equal(cb_gitsrc_select(g, NULL, false, &err), -1);
	assert_string_equal(
	    err.msg, "the repository has no commits yet; commit your content first, or use --worktree");
	S_write(dir, "content/draft.md", "# Draft\n");
	memset(&err, 0, sizeof err);
	assert_int_equal(cb_gitsrc_select(g, NULL, true, &err), 0);
	assert_int_equal(cb_gitsrc_commit_time(g), 0);
	assert_string_equal(cb_gitsrc_commit_id(g), "");
	cb_source *v = NULL;
	size_t n = 0;
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &v, &n, &d, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].data, "# Draft\n");
	cb_sources_free(v, n);
	cb_history *h = (cb_history *)&h;
	assert_int_equal(cb_gitsrc_history(g, "content", &h, &n, &err), 0);
	assert_int_equal(n, 0);
	cb_history_free(h, n);
	assert_int_equal(cb_gitsrc_list(g, "nothing", ".md", 1 << 20, &v, &n, &d, &err), -1);
	assert_string_equal(err.msg, "no 'nothing' folder in the working tree");
	cb_gitsrc_free(g);

	/* Unknown ref. */
	S_write(dir, "other/x.md", "x\n");
	S_write(dir, "content/image.png", "png\n");
	S_sh(dir, "rm content/draft.md");
	S_commit(dir, "Alice", T_JAN, "one");
	assert_int_equal(cb_gitsrc_open(&g, dir, &err), 0);
	assert_int_equal(cb_gitsrc_select(g, "no-such-branch", false, &err), -1);
	assert_string_equal(err.msg, "unknown ref 'no-such-branch': no branch, tag or commit of that name");

	/* Missing folder, and a folder with no matching files. */
	memset(&err, 0, sizeof err);
	assert_int_equal(cb_gitsrc_select(g, NULL, false, &err), 0);
	assert_int_equal(cb_gitsrc_list(g, "missing", ".md", 1 << 20, &v, &n, &d, &err), -1);
	assert_string_equal(err.msg, "no 'missing' folder in the tree at HEAD");
	assert_int_equal(cb_gitsrc_list(g, "other/x.md", ".md", 1 << 20, &v, &n, &d, &err), -1);
	assert_string_equal(err.msg, "no 'other/x.md' folder in the tree at HEAD");
	memset(&err, 0, sizeof err);
	assert_int_equal(cb_gitsrc_list(g, "content", ".md", 1 << 20, &v, &n, &d, &err), 0);
	assert_int_equal(n, 0);
	cb_sources_free(v, n);
	assert_int_equal(d.n, 0);
	cb_gitsrc_free(g);

	cb_rm_rf(dir);
	free(dir);
}

/* https sources take their password from git's credential helpers, as
 * `git fetch` would: a helper configured here answers for one host only. */
static void test_credential_fill(void **state)
{
	char *dir = tu_tmpdir("cb-cred");
	assert_non_null(dir);
	tu_write(dir, "helper.sh",
		 "#!/bin/sh\n"
		 "[ \"$1\" = get ] || exit 0\n"
		 "while read -r l && [ -n \"$l\" ]; do\n"
		 "  [ \"$l\" = host=git.example.org ] && ok=1\n"
		 "done\n"
		 "[ -n \"$ok\" ] && printf 'username=ada\\npassword=s3cret\\n'\n"
		 "exit 0\n");
	char *helper = cb_xasprintf("%s/helper.sh", dir);
	assert_int_equal(chmod(helper, 0755), 0);
	char *cfg = cb_xasprintf("[credential]\n\thelper = %s\n", helper);
	tu_write(dir, ".gitconfig", cfg);
	char *home = getenv("HOME") ? cb_xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	char *user, *pass;
	assert_int_equal(cb_gitsrc_credential_fill("https://git.example.org/walsby.git", &user, &pass), 0);
	assert_string_equal(user, "ada");
	assert_string_equal(pass, "s3cret");
	free(user);
	free(pass);
	/* Another host: the helper has nothing, and no one is asked. */
	assert_int_equal(cb_gitsrc_credential_fill("https://other.example.org/x.git", &user, &pass), -1);
	assert_null(user);
	assert_null(pass);
	/* A value that would break the protocol's lines is never sent. */
	assert_int_equal(cb_gitsrc_credential_fill("https://git.example.org/a\nhost=x", &user, &pass), -1);
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	unsetenv("GIT_TERMINAL_PROMPT");
	free(home);
	free(cfg);
	free(helper);
	S_sh(dir, "rm -rf '%s'", dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_tree),
	    cmocka_unit_test(test_read_at_tag),
	    cmocka_unit_test(test_worktree),
	    cmocka_unit_test(test_bare_clone),
	    cmocka_unit_test(test_history_dates_authors),
	    cmocka_unit_test(test_history_renames_deletes),
	    cmocka_unit_test(test_history_rename_and_copy),
	    cmocka_unit_test(test_history_merge),
	    cmocka_unit_test(test_history_since),
	    cmocka_unit_test(test_symlink_skipped),
	    cmocka_unit_test(test_credential_fill),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
