/*
 * gitsrc: reading documents from a git repository with libgit2: opening
 * it, selecting a ref, listing and reading files, and making commits. See
 * gitsrc.h for the contract; the history walk is gitsrc_history.c.
 */
#include "gitsrc.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "gitsrc_int.h"

/* Why the last libgit2 call failed, in words a user can act on. libgit2's
 * own messages ("object not found - no match for id (…)") name its
 * internals, not the repository's problem, so none of them is shown: the
 * caller's message says what casebook was doing, this says what to look
 * at. */
const char *cb_gitsrc_detail(void)
{
	const git_error *e = git_error_last();
	switch (e ? e->klass : GIT_ERROR_NONE) {
	case GIT_ERROR_NOMEMORY: return "out of memory";
	case GIT_ERROR_OS:
	case GIT_ERROR_FILESYSTEM:
		return "the system refused to read or write a file there; check the folder's permissions and "
		       "free space";
	case GIT_ERROR_ODB:
	case GIT_ERROR_OBJECT:
	case GIT_ERROR_ZLIB:
		return "an object git needs is missing or damaged; run 'git fsck' in the repository (a "
		       "shallow or partial clone lacks older objects: 'git fetch --unshallow')";
	case GIT_ERROR_REFERENCE:
		return "a branch or tag could not be read; run 'git fsck' in the repository";
	case GIT_ERROR_CONFIG:
		return "git's configuration could not be read; run 'git config --list' to see why";
	case GIT_ERROR_INDEX: return "git's index (the staging area) could not be read or written";
	case GIT_ERROR_REPOSITORY: return "the folder is not a git repository casebook can read";
	case GIT_ERROR_INVALID: return "git refused the name or value given";
	default: return "git could not do it; run 'git status' and 'git fsck' in the repository to see why";
	}
}

char *cb_gitsrc_norm_dir(const char *dir)
{
	if (!dir)
		return cb_xstrdup("");
	while (dir[0] == '.' && dir[1] == '/')
		dir += 2;
	if (strcmp(dir, ".") == 0)
		return cb_xstrdup("");
	size_t n = strlen(dir);
	while (n > 0 && dir[n - 1] == '/')
		n--;
	return cb_xstrndup(dir, n);
}

/* A path from the caller must stay inside the repository: no absolute
 * paths and no ".." components, so a worktree read can never escape. */
static bool S_path_safe(const char *path)
{
	if (!path[0] || path[0] == '/')
		return false;
	const char *p = path;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (!slash)
			break;
		p = slash + 1;
	}
	return true;
}

static int S_oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/* A shallow clone (git clone --depth N, what most CI systems check out)
 * lists in the file "shallow" the commits whose parents were not fetched.
 * libgit2 1.5 does not read it and fails on the first missing parent, so
 * casebook reads it itself and the history walk stops at those commits.
 * A line that is not a commit id is ignored, as git itself would not
 * have written it. */
static void S_read_shallow(cb_gitsrc *g)
{
	char *path = cb_path_join(git_repository_commondir(g->repo), "shallow");
	char *data = NULL;
	size_t len = 0;
	int rc = cb_file_read(path, &data, &len);
	free(path);
	if (rc < 0)
		return;
	size_t cap = 0;
	for (char *line = data; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		git_oid id;
		if (n >= GIT_OID_HEXSZ && git_oid_fromstrn(&id, line, GIT_OID_HEXSZ) == 0) {
			if (g->nshallow == cap) {
				cap = cap ? cap * 2 : 4;
				g->shallow = cb_xrealloc(g->shallow, cap * sizeof *g->shallow);
			}
			g->shallow[g->nshallow++] = id;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(data);
	qsort(g->shallow, g->nshallow, sizeof *g->shallow, S_oid_cmp);
	cb_hash h;
	cb_hash_init(&h);
	for (size_t i = 0; i < g->nshallow; i++)
		cb_hash_add(&h, g->shallow[i].id, GIT_OID_RAWSZ);
	cb_hash_hex(&h, g->shallow_key);
}

bool cb_gitsrc_is_shallow(const cb_gitsrc *g, const git_oid *id)
{
	return g->nshallow && bsearch(id, g->shallow, g->nshallow, sizeof *g->shallow, S_oid_cmp);
}

int cb_gitsrc_open(cb_gitsrc **out, const char *dir, cb_error *err)
{
	*out = NULL;
	if (cb_git_ready(err) != 0)
		return -1;
	/* Pack files are read through memory maps, by default up to gigabytes
	 * of them; each blob reader has its own. Reading every document once
	 * needs no more than a few windows at a time, and mapped pages count
	 * as the process's memory, so keep them few and small. */
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)32 << 20);
	/* libgit2 hashes every object it reads to check its id; zlib's own
	 * checksum already catches a damaged object, and `git fsck` is the
	 * tool for the rest. Skipping it saves a SHA-1 of every document (4%
	 * of a full build). */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	char cwd[4096];
	const char *shown = dir;
	if (!dir) {
		shown = getcwd(cwd, sizeof cwd) ? cwd : ".";
		dir = ".";
	}
	git_repository *repo = NULL;
	int rc = git_repository_open_ext(&repo, dir, 0, NULL);
	if (rc < 0) {
		if (rc == GIT_ENOTFOUND)
			cb_error_set(err, NULL, 0, 0,
				     "no git repository at '%s' (or any parent folder); "
				     "run 'git init' there, or pass --repo",
				     shown);
		else
			cb_error_set(err, NULL, 0, 0, "cannot open the git repository at '%s': %s", shown,
				     cb_gitsrc_detail());
		git_libgit2_shutdown();
		return -1;
	}
	cb_gitsrc *g = cb_xcalloc(1, sizeof *g);
	g->repo = repo;
	const char *wd = git_repository_workdir(repo);
	if (wd) {
		size_t n = strlen(wd);
		while (n > 1 && wd[n - 1] == '/')
			n--;
		g->workdir = cb_xstrndup(wd, n);
	}
	S_read_shallow(g);
	*out = g;
	return 0;
}

static void S_unselect(cb_gitsrc *g)
{
	git_tree_free(g->tree);
	git_commit_free(g->commit);
	g->tree = NULL;
	g->commit = NULL;
	free(g->refname);
	g->refname = NULL;
	g->commit_id[0] = '\0';
	g->selected = false;
	g->worktree = false;
}

/* Resolves ref to a commit. Returns 0, 1 when the repository has no commits
 * yet (HEAD unborn and ref unresolvable), or -1 with err. */
static int S_resolve(cb_gitsrc *g, const char *ref, git_commit **out, cb_error *err)
{
	*out = NULL;
	git_object *obj = NULL;
	int rc = git_revparse_single(&obj, g->repo, ref);
	if (rc < 0) {
		if (git_repository_head_unborn(g->repo) == 1)
			return 1;
		if (rc == GIT_ENOTFOUND || rc == GIT_EAMBIGUOUS || rc == GIT_EINVALIDSPEC)
			cb_error_set(err, NULL, 0, 0,
				     "unknown ref '%s': no branch, tag or commit of that name", ref);
		else
			cb_error_set(err, NULL, 0, 0, "cannot resolve ref '%s': %s", ref, cb_gitsrc_detail());
		return -1;
	}
	git_object *peeled = NULL;
	rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0) {
		cb_error_set(err, NULL, 0, 0, "ref '%s' does not name a commit: %s", ref, cb_gitsrc_detail());
		return -1;
	}
	*out = (git_commit *)peeled;
	return 0;
}

int cb_gitsrc_select(cb_gitsrc *g, const char *ref, bool worktree, cb_error *err)
{
	S_unselect(g);
	if (worktree && !g->workdir) {
		cb_error_set(err, NULL, 0, 0,
			     "--worktree needs a working tree, but the repository at '%s' is bare; "
			     "use --ref instead",
			     git_repository_path(g->repo));
		return -1;
	}
	const char *name = ref ? ref : "HEAD";
	git_commit *commit = NULL;
	int rc = S_resolve(g, name, &commit, err);
	if (rc < 0)
		return -1;
	if (rc == 1 && !worktree) {
		cb_error_set(
		    err, NULL, 0, 0,
		    "the repository has no commits yet; commit your content first, or use --worktree");
		return -1;
	}
	if (commit && git_commit_tree(&g->tree, commit) < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read the tree of '%s': %s", name, cb_gitsrc_detail());
		git_commit_free(commit);
		return -1;
	}
	g->commit = commit;
	if (commit)
		git_oid_tostr(g->commit_id, sizeof g->commit_id, git_commit_id(commit));
	g->refname = cb_xstrdup(name);
	g->worktree = worktree;
	g->selected = true;
	return 0;
}

int cb_gitsrc_select_index(cb_gitsrc *g, cb_error *err)
{
	if (!g->workdir) {
		cb_error_set(err, NULL, 0, 0,
			     "--staged needs a working tree, but the repository at '%s' is bare",
			     git_repository_path(g->repo));
		return -1;
	}
	git_index *index = NULL;
	git_oid oid;
	if (git_repository_index(&index, g->repo) < 0 || git_index_read(index, 0) < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read the index: %s", cb_gitsrc_detail());
		git_index_free(index);
		return -1;
	}
	if (git_index_has_conflicts(index)) {
		cb_error_set(err, NULL, 0, 0,
			     "the index has unresolved conflicts; resolve them and add the files");
		git_index_free(index);
		return -1;
	}
	int rc = git_index_write_tree(&oid, index);
	git_index_free(index);
	if (rc < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read what is staged: %s", cb_gitsrc_detail());
		return -1;
	}
	/* HEAD for the history walk (none before the first commit). */
	S_unselect(g);
	git_commit *commit = NULL;
	if (S_resolve(g, "HEAD", &commit, err) < 0)
		return -1;
	if (git_tree_lookup(&g->tree, g->repo, &oid) < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read what is staged: %s", cb_gitsrc_detail());
		git_commit_free(commit);
		return -1;
	}
	g->commit = commit;
	if (commit)
		git_oid_tostr(g->commit_id, sizeof g->commit_id, git_commit_id(commit));
	g->refname = cb_xstrdup("HEAD");
	g->worktree = false;
	g->selected = true;
	return 0;
}

char *cb_gitsrc_hooks_dir(cb_gitsrc *g)
{
	git_config *cfg = NULL;
	git_buf v = {0};
	char *dir = NULL;
	if (git_repository_config(&cfg, g->repo) == 0 &&
	    git_config_get_string_buf(&v, cfg, "core.hooksPath") == 0 && v.ptr && v.ptr[0]) {
		if (v.ptr[0] == '/')
			dir = cb_xstrdup(v.ptr);
		else if (v.ptr[0] == '~' && v.ptr[1] == '/' && getenv("HOME"))
			dir = cb_xasprintf("%s%s", getenv("HOME"), v.ptr + 1);
		else
			dir = cb_path_join(g->workdir ? g->workdir : git_repository_path(g->repo), v.ptr);
	}
	git_buf_dispose(&v);
	git_config_free(cfg);
	if (!dir)
		dir = cb_path_join(git_repository_path(g->repo), "hooks");
	return dir;
}

/* ---- listing ---- */

typedef struct {
	cb_source *v;
	size_t n, cap;
} S_srcvec;

static cb_source *S_srcvec_add(S_srcvec *sv, char *path)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 64;
		sv->v = cb_xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	cb_source *s = &sv->v[sv->n++];
	memset(s, 0, sizeof *s);
	s->path = path;
	return s;
}

static int S_source_cmp(const void *a, const void *b)
{
	return strcmp(((const cb_source *)a)->path, ((const cb_source *)b)->path);
}

typedef struct {
	const char *prefix; /* the listed folder with a trailing '/', or "" */
	const char *suffix;
	S_srcvec *out;
	cb_diags *d;
} S_walk_ctx;

static int S_tree_walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	S_walk_ctx *c = payload;
	git_filemode_t mode = git_tree_entry_filemode(entry);
	if (mode == GIT_FILEMODE_TREE)
		return 0;
	char *path = cb_xasprintf("%s%s%s", c->prefix, root, git_tree_entry_name(entry));
	if (mode == GIT_FILEMODE_LINK) {
		cb_diags_add(c->d, CB_WARNING, path, 0, 0, "symlink", "symbolic link not followed");
	} else if (mode == GIT_FILEMODE_COMMIT) {
		cb_diags_add(c->d, CB_WARNING, path, 0, 0, "submodule", "submodule not followed");
	} else if ((mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) &&
		   (!c->suffix || cb_name_ext(path, c->suffix))) {
		cb_source *s = S_srcvec_add(c->out, path);
		git_oid_tostr(s->oid, sizeof s->oid, git_tree_entry_id(entry));
		return 0;
	}
	free(path);
	return 0;
}

/* Reads the blobs named by the listed sources' ids. Objects bigger than
 * max_size are only measured, so a stray video never lands in memory. */
/* Reads one listed blob from odb (see cb_blob_reader_load). */
static int S_read_blob(git_odb *odb, cb_source *s, size_t max_size, cb_error *err)
{
	git_oid oid;
	size_t size = 0;
	git_object_t type;
	if (git_oid_fromstr(&oid, s->oid) < 0 || git_odb_read_header(&size, &type, odb, &oid) < 0) {
		cb_error_set(err, s->path, 0, 0, "cannot read blob %s: %s", s->oid, cb_gitsrc_detail());
		return -1;
	}
	s->unread = false;
	if (size > max_size) {
		s->len = size;
		return 0;
	}
	git_odb_object *obj = NULL;
	if (git_odb_read(&obj, odb, &oid) < 0) {
		cb_error_set(err, s->path, 0, 0, "cannot read blob %s: %s", s->oid, cb_gitsrc_detail());
		return -1;
	}
	s->len = git_odb_object_size(obj);
	s->data = cb_xmalloc(s->len + 1);
	memcpy(s->data, git_odb_object_data(obj), s->len);
	s->data[s->len] = '\0';
	git_odb_object_free(obj);
	return 0;
}

/* Reads the blobs named by the listed sources' ids. Objects bigger than
 * max_size are only measured, so a stray video never lands in memory. */
static int S_read_blobs(cb_gitsrc *g, S_srcvec *sv, size_t max_size, cb_error *err)
{
	git_odb *odb = NULL;
	if (git_repository_odb(&odb, g->repo) < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot open the object database: %s", cb_gitsrc_detail());
		return -1;
	}
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < sv->n; i++)
		ret = S_read_blob(odb, &sv->v[i], max_size, err);
	git_odb_free(odb);
	return ret;
}

struct cb_blob_reader {
	git_odb *odb;
};

int cb_blob_reader_open(cb_gitsrc *g, cb_blob_reader **out, cb_error *err)
{
	/* A database of its own: libgit2 objects are not to be shared
	 * between threads. */
	char *objects = cb_path_join(git_repository_commondir(g->repo), "objects");
	git_odb *odb = NULL;
	int rc = git_odb_open(&odb, objects);
	free(objects);
	if (rc < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot open the object database: %s", cb_gitsrc_detail());
		*out = NULL;
		return -1;
	}
	*out = cb_xcalloc(1, sizeof **out);
	(*out)->odb = odb;
	return 0;
}

int cb_blob_reader_load(cb_blob_reader *r, cb_source *s, size_t max_size, cb_error *err)
{
	return s->unread ? S_read_blob(r->odb, s, max_size, err) : 0;
}

void cb_blob_reader_free(cb_blob_reader *r)
{
	if (!r)
		return;
	git_odb_free(r->odb);
	free(r);
}

/* With lazy, blobs are listed, not read (cb_gitsrc_list_lazy). */
static int S_list_tree(cb_gitsrc *g, const char *dir, const char *suffix, size_t max_size, bool lazy,
		       S_srcvec *sv, cb_diags *d, cb_error *err)
{
	git_tree *sub = NULL;
	bool own = false;
	if (dir[0]) {
		git_tree_entry *e = NULL;
		int rc = git_tree_entry_bypath(&e, g->tree, dir);
		if (rc == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			rc = git_tree_lookup(&sub, g->repo, git_tree_entry_id(e));
			own = true;
		} else if (rc == 0 || rc == GIT_ENOTFOUND) {
			git_tree_entry_free(e);
			cb_error_set(err, NULL, 0, 0, "no '%s' folder in the tree at %s", dir, g->refname);
			return -1;
		}
		git_tree_entry_free(e);
		if (rc < 0) {
			cb_error_set(err, NULL, 0, 0, "cannot read folder '%s' at %s: %s", dir, g->refname,
				     cb_gitsrc_detail());
			return -1;
		}
	} else {
		sub = g->tree;
	}
	char *prefix = dir[0] ? cb_xasprintf("%s/", dir) : cb_xstrdup("");
	S_walk_ctx c = {prefix, suffix, sv, d};
	int rc = git_tree_walk(sub, GIT_TREEWALK_PRE, S_tree_walk_cb, &c);
	free(prefix);
	if (own)
		git_tree_free(sub);
	if (rc < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot walk folder '%s' at %s: %s", dir, g->refname,
			     cb_gitsrc_detail());
		return -1;
	}
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof *sv->v, S_source_cmp);
	if (lazy) {
		for (size_t i = 0; i < sv->n; i++)
			sv->v[i].unread = true;
		return 0;
	}
	return S_read_blobs(g, sv, max_size, err);
}

/* Walks a working folder. rel is the repository-relative path of abs. */
static int S_walk_fs(const char *abs, const char *rel, const char *suffix, size_t max_size, S_srcvec *sv,
		     cb_diags *d, cb_error *err)
{
	DIR *dh = opendir(abs);
	if (!dh) {
		cb_error_set(err, rel, 0, 0, "cannot open folder: %s", strerror(errno));
		return -1;
	}
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(dh)) != NULL) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, ".git") == 0)
			continue;
		char *child = cb_path_join(abs, name);
		char *crel = rel[0] ? cb_xasprintf("%s/%s", rel, name) : cb_xstrdup(name);
		struct stat st;
		if (lstat(child, &st) < 0) {
			cb_error_set(err, crel, 0, 0, "cannot stat: %s", strerror(errno));
			ret = -1;
		} else if (S_ISLNK(st.st_mode)) {
			cb_diags_add(d, CB_WARNING, crel, 0, 0, "symlink", "symbolic link not followed");
		} else if (S_ISDIR(st.st_mode)) {
			/* A folder with its own .git is another repository (a
			 * submodule checkout); git would not list its files. */
			char *dotgit = cb_path_join(child, ".git");
			struct stat gst;
			if (lstat(dotgit, &gst) == 0)
				cb_diags_add(d, CB_WARNING, crel, 0, 0, "submodule",
					     "submodule not followed");
			else
				ret = S_walk_fs(child, crel, suffix, max_size, sv, d, err);
			free(dotgit);
		} else if (S_ISREG(st.st_mode) && (!suffix || cb_name_ext(name, suffix))) {
			cb_source *s = S_srcvec_add(sv, crel);
			crel = NULL;
			git_oid oid;
			if ((size_t)st.st_size > max_size) {
				s->len = (size_t)st.st_size;
				if (git_odb_hashfile(&oid, child, GIT_OBJECT_BLOB) == 0)
					git_oid_tostr(s->oid, sizeof s->oid, &oid);
			} else if (cb_file_read(child, &s->data, &s->len) < 0) {
				cb_error_set(err, s->path, 0, 0, "cannot read: %s", strerror(errno));
				ret = -1;
			} else if (git_odb_hash(&oid, s->data, s->len, GIT_OBJECT_BLOB) == 0) {
				git_oid_tostr(s->oid, sizeof s->oid, &oid);
			}
		}
		free(crel);
		free(child);
		if (ret < 0)
			break;
	}
	closedir(dh);
	return ret;
}

static int S_list_worktree(cb_gitsrc *g, const char *dir, const char *suffix, size_t max_size, S_srcvec *sv,
			   cb_diags *d, cb_error *err)
{
	char *abs = dir[0] ? cb_path_join(g->workdir, dir) : cb_xstrdup(g->workdir);
	struct stat st;
	if (lstat(abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cb_error_set(err, NULL, 0, 0, "no '%s' folder in the working tree", dir);
		free(abs);
		return -1;
	}
	int rc = S_walk_fs(abs, dir, suffix, max_size, sv, d, err);
	free(abs);
	if (rc < 0)
		return -1;
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof *sv->v, S_source_cmp);
	return 0;
}

static int S_list(cb_gitsrc *g, const char *dir, const char *suffix, size_t max_size, bool lazy,
		  cb_source **out, size_t *n, cb_diags *d, cb_error *err)
{
	*out = NULL;
	*n = 0;
	if (!g->selected) {
		cb_error_set(err, NULL, 0, 0, "internal error: no ref selected before listing files");
		return -1;
	}
	char *ndir = cb_gitsrc_norm_dir(dir);
	if (ndir[0] && !S_path_safe(ndir)) {
		cb_error_set(err, NULL, 0, 0, "folder '%s' is outside the repository", ndir);
		free(ndir);
		return -1;
	}
	S_srcvec sv = {NULL, 0, 0};
	int rc;
	if (g->worktree)
		rc = S_list_worktree(g, ndir, suffix, max_size, &sv, d, err);
	else
		rc = S_list_tree(g, ndir, suffix, max_size, lazy, &sv, d, err);
	free(ndir);
	if (rc < 0) {
		cb_sources_free(sv.v, sv.n);
		return -1;
	}
	*out = sv.v;
	*n = sv.n;
	return 0;
}

int cb_gitsrc_list(cb_gitsrc *g, const char *dir, const char *suffix, size_t max_size, cb_source **out,
		   size_t *n, cb_diags *d, cb_error *err)
{
	return S_list(g, dir, suffix, max_size, false, out, n, d, err);
}

int cb_gitsrc_list_lazy(cb_gitsrc *g, const char *dir, const char *suffix, size_t max_size, cb_source **out,
			size_t *n, cb_diags *d, cb_error *err)
{
	return S_list(g, dir, suffix, max_size, true, out, n, d, err);
}

void cb_sources_free(cb_source *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].data);
	}
	free(v);
}

bool cb_gitsrc_has_dir(cb_gitsrc *g, const char *dir)
{
	if (!g->selected || !S_path_safe(dir))
		return false;
	if (g->worktree) {
		char *abs = cb_path_join(g->workdir, dir);
		struct stat st;
		bool yes = lstat(abs, &st) == 0 && S_ISDIR(st.st_mode);
		free(abs);
		return yes;
	}
	if (!g->tree)
		return false;
	git_tree_entry *e = NULL;
	bool yes = git_tree_entry_bypath(&e, g->tree, dir) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE;
	git_tree_entry_free(e);
	return yes;
}

int cb_gitsrc_read(cb_gitsrc *g, const char *path, char **data, size_t *len, cb_error *err)
{
	*data = NULL;
	*len = 0;
	if (!g->selected) {
		cb_error_set(err, NULL, 0, 0, "internal error: no ref selected before reading files");
		return -1;
	}
	if (!S_path_safe(path)) {
		cb_error_set(err, path, 0, 0, "path is outside the repository");
		return -1;
	}
	if (g->worktree) {
		char *abs = cb_path_join(g->workdir, path);
		struct stat st;
		int ret = 0;
		if (lstat(abs, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				ret = 1;
			} else {
				cb_error_set(err, path, 0, 0, "cannot stat: %s", strerror(errno));
				ret = -1;
			}
		} else if (S_ISLNK(st.st_mode)) {
			cb_error_set(err, path, 0, 0, "symbolic link not followed");
			ret = -1;
		} else if (!S_ISREG(st.st_mode)) {
			cb_error_set(err, path, 0, 0, "not a regular file");
			ret = -1;
		} else if (cb_file_read(abs, data, len) < 0) {
			cb_error_set(err, path, 0, 0, "cannot read: %s", strerror(errno));
			ret = -1;
		}
		free(abs);
		return ret;
	}
	git_tree_entry *e = NULL;
	int rc = git_tree_entry_bypath(&e, g->tree, path);
	if (rc == GIT_ENOTFOUND)
		return 1;
	if (rc < 0) {
		cb_error_set(err, path, 0, 0, "cannot look up at %s: %s", g->refname, cb_gitsrc_detail());
		return -1;
	}
	git_filemode_t mode = git_tree_entry_filemode(e);
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		cb_error_set(err, path, 0, 0, "%s",
			     mode == GIT_FILEMODE_LINK ? "symbolic link not followed" : "not a regular file");
		git_tree_entry_free(e);
		return -1;
	}
	git_blob *blob = NULL;
	rc = git_blob_lookup(&blob, g->repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (rc < 0) {
		cb_error_set(err, path, 0, 0, "cannot read blob at %s: %s", g->refname, cb_gitsrc_detail());
		return -1;
	}
	*len = (size_t)git_blob_rawsize(blob);
	*data = cb_xmalloc(*len + 1);
	memcpy(*data, git_blob_rawcontent(blob), *len);
	(*data)[*len] = '\0';
	git_blob_free(blob);
	return 0;
}

int cb_gitsrc_uncommitted(cb_gitsrc *g, const cb_strv *paths, size_t *n, char **first, cb_error *err)
{
	*n = 0;
	*first = NULL;
	if (!g->workdir || !paths->n)
		return 0;
	git_status_options so;
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		   GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	so.pathspec.strings = paths->v;
	so.pathspec.count = paths->n;
	git_status_list *list = NULL;
	if (git_status_list_new(&list, g->repo, &so) < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot compare the working files with the last commit: %s",
			     cb_gitsrc_detail());
		return -1;
	}
	*n = git_status_list_entrycount(list);
	for (size_t i = 0; i < *n && !*first; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *dd = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		if (dd && dd->new_file.path)
			*first = cb_xstrdup(dd->new_file.path);
	}
	git_status_list_free(list);
	return 0;
}

size_t cb_gitsrc_shallow(const cb_gitsrc *g, const char **key)
{
	if (key)
		*key = g->shallow_key;
	return g->nshallow;
}

int64_t cb_gitsrc_commit_time(const cb_gitsrc *g)
{
	return g && g->commit ? (int64_t)git_commit_time(g->commit) : 0;
}

const char *cb_gitsrc_commit_id(const cb_gitsrc *g)
{
	return g ? g->commit_id : "";
}

bool cb_gitsrc_worktree(const cb_gitsrc *g)
{
	return g && g->worktree;
}

const char *cb_gitsrc_workdir(const cb_gitsrc *g)
{
	return g ? g->workdir : NULL;
}

char *cb_gitsrc_private_dir(const cb_gitsrc *g)
{
	if (g->workdir)
		return cb_path_join(g->workdir, ".casebook");
	/* A bare repository: inside it, where git keeps its own files. */
	char *dir = cb_xstrdup(git_repository_path(g->repo));
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	char *p = cb_path_join(dir, "casebook");
	free(dir);
	return p;
}

void cb_gitsrc_free(cb_gitsrc *g)
{
	if (!g)
		return;
	S_unselect(g);
	free(g->workdir);
	free(g->shallow);
	git_repository_free(g->repo);
	free(g);
	git_libgit2_shutdown();
}

/* Authoring (casebook init): making a repository and its first commit. */

int cb_gitsrc_init_repo(const char *dir, bool *created, cb_error *err)
{
	*created = false;
	if (cb_git_ready(err) != 0)
		return -1;
	git_repository *repo = NULL;
	int rc = 0;
	/* An existing repository at exactly this folder is kept as it is;
	 * one further up does not count, so a learning repository made inside
	 * another project gets its own history. */
	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0) {
		if (git_repository_is_bare(repo)) {
			cb_error_set(err, NULL, 0, 0,
				     "'%s' is a bare git repository; casebook init needs a folder with "
				     "working files",
				     dir);
			rc = -1;
		}
	} else if (git_repository_init(&repo, dir, 0) == 0) {
		*created = true;
	} else {
		cb_error_set(err, NULL, 0, 0, "cannot create a git repository in '%s': %s", dir,
			     cb_gitsrc_detail());
		rc = -1;
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* The name and e-mail address git would record: the GIT_<who>_NAME and
 * GIT_<who>_EMAIL variables when set, else the user's git configuration.
 * The time is SOURCE_DATE_EPOCH when set, so a scripted init can be
 * reproduced exactly. */
static int S_signature(git_repository *repo, const char *who, git_signature **out, cb_error *err)
{
	char nvar[32], evar[32];
	snprintf(nvar, sizeof nvar, "GIT_%s_NAME", who);
	snprintf(evar, sizeof evar, "GIT_%s_EMAIL", who);
	const char *name = getenv(nvar), *email = getenv(evar);
	git_signature *def = NULL;
	if (!name || !name[0] || !email || !email[0]) {
		if (git_signature_default(&def, repo) != 0) {
			cb_error_set(err, NULL, 0, 0,
				     "git does not know who is committing; run git config --global user.name "
				     "\"Your Name\" and git config --global user.email you@example.org, then "
				     "try again");
			return -1;
		}
		if (!name || !name[0])
			name = def->name;
		if (!email || !email[0])
			email = def->email;
	}
	int64_t t;
	int src = cb_source_date_epoch(&t, err);
	int rc;
	if (src < 0) {
		git_signature_free(def);
		return -1;
	}
	if (src > 0) {
		rc = git_signature_new(out, name, email, (git_time_t)t, 0);
	} else {
		rc = git_signature_now(out, name, email);
	}
	git_signature_free(def);
	if (rc != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot use '%s <%s>' as the commit author: %s", name, email,
			     cb_gitsrc_detail());
		return -1;
	}
	return 0;
}

int cb_gitsrc_commit_files(const char *dir, const cb_strv *paths, const char *message, char *commit_id,
			   cb_error *err)
{
	if (cb_git_ready(err) != 0)
		return -1;
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *author = NULL, *committer = NULL;
	int rc = -1;
	git_oid tree_id, parent_id, id;

	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot open the git repository at '%s': %s", dir,
			     cb_gitsrc_detail());
		goto out;
	}
	if (git_repository_index(&index, repo) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read the git index of '%s': %s", dir,
			     cb_gitsrc_detail());
		goto out;
	}
	for (size_t i = 0; i < paths->n; i++) {
		if (!S_path_safe(paths->v[i]) || git_index_add_bypath(index, paths->v[i]) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot add '%s' to git: %s", paths->v[i],
				     cb_gitsrc_detail());
			goto out;
		}
	}
	if (git_index_write(index) != 0 || git_index_write_tree(&tree_id, index) != 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot write the git index of '%s': %s", dir,
			     cb_gitsrc_detail());
		goto out;
	}
	/* The first commit has no parent; later ones continue HEAD. */
	int hrc = git_reference_name_to_id(&parent_id, repo, "HEAD");
	if (hrc == 0) {
		if (git_commit_lookup(&parent, repo, &parent_id) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot read HEAD in '%s': %s", dir,
				     cb_gitsrc_detail());
			goto out;
		}
	} else if (hrc != GIT_ENOTFOUND && hrc != GIT_EUNBORNBRANCH) {
		cb_error_set(err, NULL, 0, 0, "cannot read HEAD in '%s': %s", dir, cb_gitsrc_detail());
		goto out;
	}
	if (S_signature(repo, "AUTHOR", &author, err) != 0)
		goto out;
	if (S_signature(repo, "COMMITTER", &committer, err) != 0)
		goto out;
	const git_commit *parents[1] = {parent};
	if (git_commit_create(&id, repo, "HEAD", author, committer, NULL, message, tree, parent ? 1 : 0,
			      parents) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot commit in '%s': %s", dir, cb_gitsrc_detail());
		goto out;
	}
	if (commit_id)
		git_oid_tostr(commit_id, 41, &id);
	rc = 0;
out:
	git_signature_free(author);
	git_signature_free(committer);
	git_commit_free(parent);
	git_tree_free(tree);
	git_index_free(index);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
