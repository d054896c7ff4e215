/*
 * testutil: helpers the unit tests share: a temporary folder, git run with
 * a fixed identity and date on a real repository, files written and read,
 * diagnostics as text, a clock. Include after cmocka.h and util.h.
 */
#ifndef CB_TESTUTIL_H
#define CB_TESTUTIL_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"

/* A new folder under $TMPDIR (or /tmp) named after prefix; caller frees
 * (and removes it with cb_rm_rf). NULL when it cannot be made. */
static inline char *tu_tmpdir(const char *prefix)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = cb_xasprintf("%s/%s-XXXXXX", t && t[0] ? t : "/tmp", prefix);
	if (!mkdtemp(tmpl)) {
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

/* As tu_tmpdir, with every symbolic link resolved (as libgit2 reports
 * paths); the test fails when it cannot be made. Caller frees. */
static inline char *tu_tmpdir_real(const char *prefix)
{
	char *tmpl = tu_tmpdir(prefix);
	assert_non_null(tmpl);
	char real[PATH_MAX];
	assert_non_null(realpath(tmpl, real));
	free(tmpl);
	return cb_xstrdup(real);
}

/* Runs a shell command in dir with a fixed git identity and date, and no
 * user or system git configuration; the test fails unless it succeeds. */
static inline void tu_git(const char *dir, const char *cmd)
{
	char *full =
	    cb_xasprintf("cd '%s' && export GIT_AUTHOR_NAME='A. Lead' GIT_AUTHOR_EMAIL=a@example.org "
			 "GIT_COMMITTER_NAME='A. Lead' GIT_COMMITTER_EMAIL=a@example.org "
			 "GIT_AUTHOR_DATE='2024-03-01T10:00:00Z' GIT_COMMITTER_DATE='2024-03-01T10:00:00Z' "
			 "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null && (%s) >/dev/null 2>&1",
			 dir, cmd);
	assert_int_equal(system(full), 0);
	free(full);
}

/* Writes text to dir/rel, making folders; the test fails otherwise. */
static inline void tu_write(const char *dir, const char *rel, const char *text)
{
	char *p = cb_path_join(dir, rel);
	assert_int_equal(cb_file_write(p, text, strlen(text)), 0);
	free(p);
}

/* The contents of dir/rel, or NULL when it cannot be read; caller frees. */
static inline char *tu_read(const char *dir, const char *rel)
{
	char *p = cb_path_join(dir, rel), *data = NULL;
	size_t len;
	if (cb_file_read(p, &data, &len) != 0)
		data = NULL;
	free(p);
	return data;
}

/* The diagnostics as cb_diags_print writes them, without colour, in the
 * order they are in; caller frees. */
static inline char *tu_diags_text(const cb_diags *d)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	cb_diags_print(d, f, false);
	fclose(f);
	return buf;
}

/* Seconds on the monotonic clock. */
static inline double tu_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
