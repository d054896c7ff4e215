/* theme: the one theme lookup (see theme.h). */
#include "theme.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cb_theme {
	char *name;
	char *prefix;	       /* "themes/<name>/": where the repository's files are */
	const cb_source *srcs; /* the repository's theme files (borrowed) */
	size_t nsrcs;	       /* 0 when the repository's folder is the installed one */
	char *dirs[2];	       /* the installed <name> and default folders that exist */
	size_t ndirs;
};

/* True when the repository's theme folder is the installed theme itself,
 * as when casebook's own repository builds its demo with the theme it
 * ships: its committed copy must not shadow the files being worked on. */
static bool S_repo_is_installed(const cb_site *site, const char *installed)
{
	if (!site->workdir)
		return false;
	char *mine = cb_xasprintf("%s/themes/%s", site->workdir, site->cfg.theme);
	char *a = realpath(mine, NULL), *b = realpath(installed, NULL);
	bool same = a && b && strcmp(a, b) == 0;
	free(a);
	free(b);
	free(mine);
	return same;
}

int cb_theme_open(cb_theme **out, const cb_site *site, const char *datadir, cb_error *err)
{
	*out = NULL;
	char *builtin = cb_xasprintf("%s/themes/default/templates", datadir);
	bool have_data = cb_is_dir(builtin);
	free(builtin);
	if (!have_data) {
		/* Not the repository's fault: casebook's own files are missing. */
		cb_error_set(err, NULL, 0, 0,
			     "cannot find casebook's own files (themes and plugins) in '%s'; reinstall "
			     "casebook, or set CASEBOOK_DATADIR to the folder that holds its themes/ and "
			     "plugins/",
			     datadir);
		return -1;
	}
	cb_theme *t = cb_xcalloc(1, sizeof *t);
	t->name = cb_xstrdup(site->cfg.theme);
	t->prefix = cb_xasprintf("themes/%s/", t->name);
	t->srcs = site->theme_srcs;
	t->nsrcs = site->ntheme_srcs;
	char *mine = cb_xasprintf("%s/themes/%s", datadir, t->name);
	if (cb_is_dir(mine)) {
		if (S_repo_is_installed(site, mine))
			t->nsrcs = 0;
		t->dirs[t->ndirs++] = mine;
	} else {
		free(mine);
		if (t->nsrcs == 0) {
			/* Neither casebook nor the repository has it: a typo. */
			cb_error_set(err, "casebook.yml", 0, 0,
				     "no theme '%s': it is not a built-in theme and the repository has no "
				     "themes/%s/ folder; use 'theme: default' or add that folder",
				     t->name, t->name);
			cb_theme_free(t);
			return -1;
		}
	}
	if (strcmp(t->name, "default") != 0)
		t->dirs[t->ndirs++] = cb_xasprintf("%s/themes/default", datadir);
	*out = t;
	return 0;
}

void cb_theme_free(cb_theme *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->prefix);
	for (size_t i = 0; i < t->ndirs; i++)
		free(t->dirs[i]);
	free(t);
}

/* The repository's file rel, or NULL. */
static const cb_source *S_repo_file(const cb_theme *t, const char *rel)
{
	size_t n = strlen(t->prefix);
	for (size_t i = 0; i < t->nsrcs; i++) {
		const char *p = t->srcs[i].path;
		if (strncmp(p, t->prefix, n) == 0 && strcmp(p + n, rel) == 0)
			return &t->srcs[i];
	}
	return NULL;
}

/* The first installed folder with a regular file rel: its path (caller
 * frees), or NULL. */
static char *S_disk_file(const cb_theme *t, const char *rel)
{
	for (size_t i = 0; i < t->ndirs; i++) {
		char *path = cb_path_join(t->dirs[i], rel);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return path;
		free(path);
	}
	return NULL;
}

bool cb_theme_has(const cb_theme *t, const char *rel)
{
	if (S_repo_file(t, rel))
		return true;
	char *path = S_disk_file(t, rel);
	free(path);
	return path != NULL;
}

int cb_theme_read(const cb_theme *t, const char *rel, cb_theme_file *f, cb_error *err)
{
	memset(f, 0, sizeof *f);
	const cb_source *src = S_repo_file(t, rel);
	if (src) {
		f->where = cb_xstrdup(src->path);
		if (!src->data) {
			cb_error_set(err, src->path, 0, 0, "this theme file is too large (over 1 MB)");
			return -1;
		}
		f->data = cb_xmalloc(src->len + 1);
		memcpy(f->data, src->data, src->len);
		f->data[src->len] = '\0';
		f->len = src->len;
		return 0;
	}
	f->where = S_disk_file(t, rel);
	if (!f->where) {
		cb_error_set(err, NULL, 0, 0, "the theme '%s' has no file '%s'", t->name, rel);
		return -1;
	}
	if (cb_file_read(f->where, &f->data, &f->len) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read '%s': %s", f->where, strerror(errno));
		return -1;
	}
	return 0;
}

void cb_theme_file_free(cb_theme_file *f)
{
	free(f->data);
	free(f->where);
	memset(f, 0, sizeof *f);
}

/* Adds the regular files under root/rel (rel relative to the theme), at
 * any depth, to out; names starting with '.' are left out. */
static void S_list_disk(const char *root, const char *rel, cb_strv *out)
{
	char *dir = cb_path_join(root, rel);
	DIR *dh = opendir(dir);
	free(dir);
	if (!dh)
		return;
	struct dirent *e;
	cb_strv names = CB_STRV_INIT;
	while ((e = readdir(dh)))
		if (e->d_name[0] != '.')
			cb_strv_push(&names, e->d_name);
	closedir(dh);
	for (size_t i = 0; i < names.n; i++) {
		char *sub = cb_path_join(rel, names.v[i]);
		char *full = cb_path_join(root, sub);
		struct stat st;
		bool ok = stat(full, &st) == 0;
		if (ok && S_ISDIR(st.st_mode))
			S_list_disk(root, sub, out);
		else if (ok && S_ISREG(st.st_mode))
			cb_strv_push(out, sub);
		free(full);
		free(sub);
	}
	cb_strv_free(&names);
}

void cb_theme_list(const cb_theme *t, const char *dir, cb_strv *out)
{
	char *under = cb_xasprintf("%s%s/", t->prefix, dir);
	size_t n = strlen(t->prefix);
	for (size_t i = 0; i < t->nsrcs; i++)
		if (cb_str_starts(t->srcs[i].path, under))
			cb_strv_push(out, t->srcs[i].path + n);
	free(under);
	for (size_t i = 0; i < t->ndirs; i++)
		S_list_disk(t->dirs[i], dir, out);
	cb_strv_sort(out);
	cb_strv_uniq(out);
}
