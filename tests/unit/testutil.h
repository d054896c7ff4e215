/*
 * testutil: helpers for unit tests that work on a real git repository in a
 * temporary folder: make the folder, run git with a fixed identity and
 * date, write and read files. Include after cmocka.h and util.h.
 */
#ifndef CB_TESTUTIL_H
#define CB_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

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

#endif
