/*
 * cmd_init: `casebook init DIR` makes a new learning repository that builds
 * at once: a git repository, and a copy of skeleton/init/ (a commented
 * casebook.yml, content/ with one fictional example of each document type,
 * the taxonomy and glossary, .gitignore and a README). With --commit the
 * files become the first commit, so `casebook build` works straight away.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "gitsrc.h"
#include "util.h"

const char cb_init_usage[] =
    "usage: casebook init DIR [--commit] [--force]\n"
    "\n"
    "Makes DIR a new learning repository, ready to build: a git repository, a\n"
    "commented casebook.yml, content/ with one fictional example of each document\n"
    "type, content/taxonomy.yml, content/glossary.yml, .gitignore and README.md,\n"
    "and the pre-commit hook that checks each commit (casebook hook).\n"
    "\n"
    "  --commit    commit the new files as the first commit, so that\n"
    "              `casebook build` works at once\n"
    "  --force     use DIR even when it is not empty (existing files are kept)\n"
    "\n"
    "Exit status: 0 done, 2 usage or environment error (DIR not empty, git failed).\n";

/* True when dir holds nothing but (perhaps) a .git folder: a repository
 * someone has just made with `git init` counts as empty. */
static bool S_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return true;
	bool empty = true;
	struct dirent *e;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, ".git") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* Lists the regular files under root/rel, relative to root. */
static int S_walk(const char *root, const char *rel, cb_strv *out)
{
	char *abs = rel[0] ? cb_path_join(root, rel) : cb_xstrdup(root);
	DIR *d = opendir(abs);
	if (!d) {
		fprintf(stderr, "casebook: cannot read '%s': %s\n", abs, strerror(errno));
		free(abs);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *sub = rel[0] ? cb_path_join(rel, e->d_name) : cb_xstrdup(e->d_name);
		char *full = cb_path_join(root, sub);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			rc = S_walk(root, sub, out);
		else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
			cb_strv_push(out, sub);
		free(full);
		free(sub);
	}
	closedir(d);
	free(abs);
	return rc;
}

/* Where a skeleton file goes in the new repository. The skeleton stores
 * .gitignore as "gitignore" so that it does not apply to casebook's own
 * source tree. Caller frees. */
static char *S_target(const char *rel)
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	if (strcmp(base, "gitignore") == 0)
		return cb_xasprintf("%.*s.gitignore", (int)(base - rel), rel);
	return cb_xstrdup(rel);
}

/* The first part of rel (a skeleton file's place under dir) that is a
 * symbolic link in dir, the file itself included; NULL when none.
 * Writing through one would put the files wherever it points (--force on
 * a folder someone prepared). Caller frees. */
static char *S_link_in_path(const char *dir, const char *rel)
{
	char *part = cb_xstrdup(rel);
	for (char *s = part;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		char *full = cb_path_join(dir, part);
		struct stat st;
		bool link = lstat(full, &st) == 0 && S_ISLNK(st.st_mode);
		free(full);
		if (link)
			return part;
		if (c == '\0')
			break;
		*s = c;
	}
	free(part);
	return NULL;
}

/* The command line: sets *dir and the flags and returns -1 to go on, else
 * the exit status (help, or a usage error). */
static int S_parse(int argc, char **argv, bool *commit, bool *force, const char **dir)
{
	static const struct option opts[] = {{"commit", no_argument, NULL, 'c'},
					     {"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': *commit = true; break;
		case 'f': *force = true; break;
		case 'h': fputs(cb_init_usage, stdout); return 0;
		case ':': return cb_usage_error(cb_init_usage, "option '%s' needs a value", argv[optind - 1]);
		default: return cb_usage_error(cb_init_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cb_usage_error(
		    cb_init_usage, "%s",
		    "say which folder to make the repository in, for example: casebook init learning");
	if (argc - optind > 1)
		return cb_usage_error(cb_init_usage, "unexpected argument '%s'; give one folder",
				      argv[optind + 1]);
	*dir = argv[optind];
	return -1;
}

/* Whether dir may become the repository: a folder (or nothing yet), empty
 * unless force. 0, or 2 with the reason said. */
static int S_check_dir(const char *dir, bool force)
{
	struct stat st;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "casebook: '%s' is a file, not a folder; choose another name\n", dir);
		return 2;
	}
	if (!force && !S_empty(dir)) {
		fprintf(
		    stderr,
		    "casebook: '%s' is not empty, so casebook will not set it up; choose a new folder, or "
		    "add --force to add the missing files (existing files are kept)\n",
		    dir);
		return 2;
	}
	return 0;
}

/* -1, said, when a skeleton file's place in dir goes through a link. */
static int S_refuse_links(const char *dir, const cb_strv *files)
{
	for (size_t i = 0; i < files->n; i++) {
		char *rel = S_target(files->v[i]);
		char *link = S_link_in_path(dir, rel);
		free(rel);
		if (link) {
			fprintf(stderr,
				"casebook: '%s/%s' is a symbolic link, and casebook init does not write "
				"through links; remove it, or choose another folder (nothing was written)\n",
				dir, link);
			free(link);
			return -1;
		}
	}
	return 0;
}

/* Copies the skeleton's files (init) into dir, never over a file there:
 * their places go to written or kept. -1, said, on a failure. */
static int S_copy(const char *init, const char *dir, const cb_strv *files, cb_strv *written, cb_strv *kept)
{
	for (size_t i = 0; i < files->n; i++) {
		char *src = cb_path_join(init, files->v[i]);
		char *rel = S_target(files->v[i]);
		char *dst = cb_path_join(dir, rel);
		char *data = NULL;
		size_t len;
		int wrc = 0;
		if (cb_file_read(src, &data, &len) != 0) {
			fprintf(stderr, "casebook: cannot read '%s': %s\n", src, strerror(errno));
			wrc = -1;
		} else if (cb_file_create(dst, data, len) == 0) {
			cb_strv_push_own(written, rel);
			rel = NULL;
		} else if (errno == EEXIST) {
			cb_strv_push_own(kept, rel);
			rel = NULL;
		} else {
			fprintf(stderr, "casebook: cannot write '%s': %s\n", dst, strerror(errno));
			wrc = -1;
		}
		free(data);
		free(rel);
		free(dst);
		free(src);
		if (wrc != 0)
			return -1;
	}
	return 0;
}

/* Says what was written and kept, commits it with --commit, and says what
 * to do next. The exit status. */
static int S_finish(const char *dir, bool created, bool commit, const cb_strv *written, const cb_strv *kept)
{
	printf("casebook: %s a learning repository in %s\n", created ? "made" : "set up", dir);
	size_t docs = 0;
	for (size_t i = 0; i < written->n; i++)
		if (cb_str_ends(written->v[i], ".md") && cb_str_starts(written->v[i], "content/"))
			docs++;
	printf("  %zu files written, with %zu example documents (fictional: replace or delete them)\n",
	       written->n, docs);
	for (size_t i = 0; i < kept->n; i++)
		printf("  kept the existing %s\n", kept->v[i]);
	if (commit && written->n) {
		char id[41];
		cb_error err = CB_ERROR_INIT;
		if (cb_gitsrc_commit_files(dir, written, "Start a learning repository with casebook init", id,
					   &err) != 0) {
			fprintf(stderr, "casebook: the files are written, but the first commit failed: %s\n",
				err.msg);
			return 2;
		}
		printf("  committed as %.7s\n", id);
		printf("next: cd %s && casebook build   (or casebook serve to preview while you write)\n",
		       dir);
	} else if (commit) {
		printf("  nothing new to commit\n");
	} else {
		printf("next: cd %s && git add -A && git commit -m \"First content\" && casebook build\n"
		       "      (casebook serve previews without committing)\n",
		       dir);
	}
	return 0;
}

int cb_cmd_init(int argc, char **argv, const char *datadir)
{
	bool commit = false, force = false;
	const char *dir = NULL;
	int rc = S_parse(argc, argv, &commit, &force, &dir);
	if (rc >= 0)
		return rc;
	if (S_check_dir(dir, force) != 0)
		return 2;
	char *skel = cb_skeleton_dir(datadir);
	char *init = skel ? cb_path_join(skel, "init") : NULL;
	if (!init || !cb_is_dir(init)) {
		fprintf(stderr,
			"casebook: cannot find the files for a new repository in '%s/skeleton/init'; is "
			"casebook installed completely?\n",
			datadir);
		free(skel);
		free(init);
		return 2;
	}
	rc = 2;
	cb_strv files = CB_STRV_INIT, written = CB_STRV_INIT, kept = CB_STRV_INIT;
	cb_error err = CB_ERROR_INIT;
	bool created;
	if (S_walk(init, "", &files) != 0)
		goto out;
	cb_strv_sort(&files);
	if (S_refuse_links(dir, &files) != 0)
		goto out;
	if (cb_mkdir_p(dir) != 0) {
		fprintf(stderr, "casebook: cannot make the folder '%s': %s\n", dir, strerror(errno));
		goto out;
	}
	if (cb_gitsrc_init_repo(dir, &created, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		goto out;
	}
	/* The pre-commit hook checks every commit for personal data; another
	 * hook already there is left alone (the message says how to chain). */
	cb_hook_install(dir, false, true);
	if (S_copy(init, dir, &files, &written, &kept) == 0)
		rc = S_finish(dir, created, commit, &written, &kept);
out:
	cb_strv_free(&files);
	cb_strv_free(&written);
	cb_strv_free(&kept);
	free(init);
	free(skel);
	return rc;
}
