/*
 * hook: `casebook hook install|remove` — the git pre-commit hook that runs
 * `casebook check --staged`, so personal data is stopped before it enters
 * git history for good. The hook goes where git looks for hooks
 * (core.hooksPath or .git/hooks). A pre-commit hook that is not casebook's
 * is left alone unless --force, which keeps it as pre-commit.local and
 * runs it first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "gitsrc.h"
#include "util.h"

const char cb_hook_usage[] = "usage: casebook hook install [--repo DIR] [--force]\n"
			     "       casebook hook remove [--repo DIR]\n"
			     "\n"
			     "Installs (or removes) the git pre-commit hook that runs `casebook check\n"
			     "--staged` on what is about to be committed: a commit with personal data or\n"
			     "another error is refused. The hook goes where git looks for hooks\n"
			     "(core.hooksPath, else .git/hooks). `casebook init` installs it.\n"
			     "\n"
			     "  --repo DIR   the repository (default: the one containing this folder)\n"
			     "  --force      when another pre-commit hook is there, keep it as\n"
			     "               pre-commit.local and run it before casebook's\n"
			     "\n"
			     "Exit status: 0 done, 1 another hook is in the way (nothing changed),\n"
			     "2 usage or environment error.\n";

/* The first lines identify casebook's hook, whatever version wrote it. */
#define S_MARK "# casebook pre-commit hook"

static const char S_script[] =
    "#!/bin/sh\n" S_MARK " (casebook hook install; remove with: casebook hook remove)\n"
    "# Checks what is about to be committed; a finding stops the commit.\n"
    "here=$(dirname \"$0\")\n"
    "if [ -x \"$here/pre-commit.local\" ]; then\n"
    "\t\"$here/pre-commit.local\" \"$@\" || exit $?\n"
    "fi\n"
    "if ! command -v casebook >/dev/null 2>&1; then\n"
    "\techo \"casebook pre-commit hook: casebook is not on PATH, so this commit cannot be checked \"\\\n"
    "\t\t\"for personal data; install casebook or fix PATH, then commit again\" >&2\n"
    "\texit 1\n"
    "fi\n"
    "exec casebook check --staged --quiet\n";

static bool S_is_ours(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	bool ours = cb_file_read(path, &data, &len) == 0 && strstr(data, S_MARK) != NULL;
	free(data);
	return ours;
}

static int S_write_hook(const char *path)
{
	char *tmp = cb_xasprintf("%s.casebook-new", path);
	FILE *f = fopen(tmp, "w");
	int rc = -1;
	if (f) {
		rc = fputs(S_script, f) < 0 ? -1 : 0;
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc == 0 && (chmod(tmp, 0755) != 0 || rename(tmp, path) != 0))
		rc = -1;
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Where the repository's pre-commit hook lives: its hooks folder, the
 * hook, and the name a hook that was there before casebook's is kept as. */
typedef struct {
	char *dir, *path, *local;
} S_hook;

/* Finds repo's hooks folder; 0, or -1 with the message printed. */
static int S_hook_find(S_hook *h, const char *repo)
{
	cb_gitsrc *g = NULL;
	cb_error err = CB_ERROR_INIT;
	if (cb_gitsrc_open(&g, repo, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		return -1;
	}
	h->dir = cb_gitsrc_hooks_dir(g);
	cb_gitsrc_free(g);
	h->path = cb_path_join(h->dir, "pre-commit");
	h->local = cb_path_join(h->dir, "pre-commit.local");
	return 0;
}

static void S_hook_free(S_hook *h)
{
	free(h->dir);
	free(h->path);
	free(h->local);
}

int cb_hook_install(const char *repo, bool force, bool quiet)
{
	S_hook h;
	if (S_hook_find(&h, repo) != 0)
		return 2;
	const char *dir = h.dir, *path = h.path, *local = h.local;
	int rc = 0;
	struct stat st;
	bool exists = lstat(path, &st) == 0;
	if (cb_mkdir_p(dir) != 0) {
		fprintf(stderr, "casebook: cannot make the hooks folder '%s': %s\n", dir, strerror(errno));
		rc = 2;
	} else if (exists && !S_is_ours(path) && !force) {
		fprintf(stderr,
			"casebook: '%s' is another pre-commit hook, left as it is; run casebook hook install "
			"--force to keep it as pre-commit.local and run it before casebook's check\n",
			path);
		rc = 1;
	} else if (exists && !S_is_ours(path) && lstat(local, &st) == 0) {
		fprintf(stderr, "casebook: both '%s' and '%s' exist; merge them by hand\n", path, local);
		rc = 1;
	} else if (exists && !S_is_ours(path) && rename(path, local) != 0) {
		fprintf(stderr, "casebook: cannot move '%s' aside: %s\n", path, strerror(errno));
		rc = 2;
	} else if (S_write_hook(path) != 0) {
		fprintf(stderr, "casebook: cannot write '%s': %s\n", path, strerror(errno));
		rc = 2;
	} else if (!quiet) {
		printf("installed the pre-commit hook %s%s\n", path,
		       exists && lstat(local, &st) == 0
			   ? " (the hook that was there runs first, as pre-commit.local)"
			   : "");
	}
	S_hook_free(&h);
	return rc;
}

static int S_remove(const char *repo)
{
	S_hook h;
	if (S_hook_find(&h, repo) != 0)
		return 2;
	const char *dir = h.dir, *path = h.path, *local = h.local;
	int rc = 0;
	struct stat st;
	if (lstat(path, &st) != 0) {
		printf("no pre-commit hook to remove in %s\n", dir);
	} else if (!S_is_ours(path)) {
		fprintf(stderr, "casebook: '%s' is not casebook's hook; left as it is\n", path);
		rc = 1;
	} else if (unlink(path) != 0) {
		fprintf(stderr, "casebook: cannot remove '%s': %s\n", path, strerror(errno));
		rc = 2;
	} else if (lstat(local, &st) == 0 && rename(local, path) != 0) {
		fprintf(stderr, "casebook: cannot put '%s' back: %s\n", local, strerror(errno));
		rc = 2;
	} else {
		printf("removed the pre-commit hook %s\n", path);
	}
	S_hook_free(&h);
	return rc;
}

int cb_cmd_hook(int argc, char **argv, const char *datadir)
{
	static const struct option opts[] = {{"repo", required_argument, NULL, 'r'},
					     {"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *repo = NULL;
	bool force = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'f': force = true; break;
		case 'h': fputs(cb_hook_usage, stdout); return 0;
		case ':': return cb_usage_error(cb_hook_usage, "option '%s' needs a value", argv[optind - 1]);
		default: return cb_usage_error(cb_hook_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cb_usage_error(cb_hook_usage, "%s", "say install or remove");
	const char *what = argv[optind];
	if (optind + 1 < argc)
		return cb_usage_error(cb_hook_usage, "unexpected argument '%s'", argv[optind + 1]);
	if (strcmp(what, "install") == 0)
		return cb_hook_install(repo, force, false);
	if (strcmp(what, "remove") == 0) {
		if (force)
			return cb_usage_error(cb_hook_usage, "%s", "--force is for install");
		return S_remove(repo);
	}
	return cb_usage_error(cb_hook_usage, "unknown hook command '%s': use install or remove", what);
}
