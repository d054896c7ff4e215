/*
 * gitsrc: reading documents and their history from a git repository with
 * libgit2. See gitsrc.h for the contract; this file is the only one that
 * includes git2.h.
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

struct cb_gitsrc {
	git_repository *repo;
	char *workdir;	    /* without a trailing '/'; NULL when bare */
	char *refname;	    /* as the user named it, for messages */
	bool worktree;	    /* read working files instead of a tree */
	bool selected;	    /* cb_gitsrc_select succeeded */
	git_commit *commit; /* the selected commit; NULL in a worktree with no commits */
	git_tree *tree;	    /* its tree */
	char commit_id[41];
	git_oid *shallow; /* a shallow clone's boundary commits, sorted; see S_read_shallow */
	size_t nshallow;
	char shallow_key[33];
};

/* Why the last libgit2 call failed, in words a user can act on. libgit2's
 * own messages ("object not found - no match for id (…)") name its
 * internals, not the repository's problem, so none of them is shown: the
 * caller's message says what casebook was doing, this says what to look
 * at. */
static const char *S_git_detail(void)
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

/* Removes a leading "./" and any trailing '/' so that "content/",
 * "./content" and "content" all name the same folder. Caller frees. */
static char *S_norm_dir(const char *dir)
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

/* True when c is on a shallow clone's boundary: its parents are absent. */
static bool S_is_shallow(const cb_gitsrc *g, const git_oid *id)
{
	return g->nshallow && bsearch(id, g->shallow, g->nshallow, sizeof *g->shallow, S_oid_cmp);
}

int cb_gitsrc_open(cb_gitsrc **out, const char *dir, cb_error *err)
{
	*out = NULL;
	git_libgit2_init();
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
				     S_git_detail());
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
			cb_error_set(err, NULL, 0, 0, "cannot resolve ref '%s': %s", ref, S_git_detail());
		return -1;
	}
	git_object *peeled = NULL;
	rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0) {
		cb_error_set(err, NULL, 0, 0, "ref '%s' does not name a commit: %s", ref, S_git_detail());
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
		cb_error_set(err, NULL, 0, 0, "cannot read the tree of '%s': %s", name, S_git_detail());
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
		cb_error_set(err, s->path, 0, 0, "cannot read blob %s: %s", s->oid, S_git_detail());
		return -1;
	}
	s->unread = false;
	if (size > max_size) {
		s->len = size;
		return 0;
	}
	git_odb_object *obj = NULL;
	if (git_odb_read(&obj, odb, &oid) < 0) {
		cb_error_set(err, s->path, 0, 0, "cannot read blob %s: %s", s->oid, S_git_detail());
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
		cb_error_set(err, NULL, 0, 0, "cannot open the object database: %s", S_git_detail());
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
		cb_error_set(err, NULL, 0, 0, "cannot open the object database: %s", S_git_detail());
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
				     S_git_detail());
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
			     S_git_detail());
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
	char *ndir = S_norm_dir(dir);
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
		cb_error_set(err, path, 0, 0, "cannot look up at %s: %s", g->refname, S_git_detail());
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
		cb_error_set(err, path, 0, 0, "cannot read blob at %s: %s", g->refname, S_git_detail());
		return -1;
	}
	*len = (size_t)git_blob_rawsize(blob);
	*data = cb_xmalloc(*len + 1);
	memcpy(*data, git_blob_rawcontent(blob), *len);
	(*data)[*len] = '\0';
	git_blob_free(blob);
	return 0;
}

/* ---- history ---- */

/*
 * The walk goes from the ref back to the root commits. `names` maps a path
 * as it was named in the commit being looked at (its post-commit tree) to
 * the record of the file that path became by the ref, or to S_dead when
 * that name's older changes belong to a file that no longer exists at the
 * ref (it was deleted, or deleted and later re-added by a newer commit).
 * A path never seen before is the ref's own name for it, because any
 * change between that commit and the ref would have been seen first.
 */
typedef struct {
	cb_map *names;
	cb_map *at_ref; /* every file under dir at the ref */
	cb_history **recs;
	size_t n, cap;
	git_oid next_id;    /* the commit whose folder next_sub is */
	git_tree *next_sub; /* NULL also when that commit has no such folder */
	bool have_next;
} S_hist_ctx;

static cb_history S_dead;
static char S_present;

static cb_history *S_hist_lookup(S_hist_ctx *h, const char *path)
{
	cb_history *r = cb_map_get(h->names, path);
	if (r == &S_dead)
		return NULL;
	if (r)
		return r;
	if (!cb_map_has(h->at_ref, path)) {
		/* Reachable only through a side branch whose change did not
		 * survive into the ref: nothing to record. */
		cb_map_put(h->names, path, &S_dead);
		return NULL;
	}
	r = cb_xcalloc(1, sizeof *r);
	r->path = cb_xstrdup(path);
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->recs = cb_xrealloc(h->recs, h->cap * sizeof *h->recs);
	}
	h->recs[h->n++] = r;
	cb_map_put(h->names, path, r);
	return r;
}

static void S_hist_touch(S_hist_ctx *h, const char *path, const git_signature *sig)
{
	cb_history *r = S_hist_lookup(h, path);
	if (!r)
		return;
	const char *name = sig->name ? sig->name : "";
	if (!r->last_author) {
		r->last_time = sig->when.time;
		r->last_tz = sig->when.offset;
		r->last_author = cb_xstrdup(name);
	}
	/* Walking newest to oldest, the last touch seen is the oldest. */
	r->first_time = sig->when.time;
	r->first_tz = sig->when.offset;
	if (!r->first_author || strcmp(r->first_author, name) != 0) {
		free(r->first_author);
		r->first_author = cb_xstrdup(name);
	}
	if (!cb_strv_contains(&r->authors, name))
		cb_strv_push(&r->authors, name);
}

/*
 * Comparing two trees. libgit2's own tree diff walks every entry of both
 * trees through its generic iterator, which costs about a second for 300
 * commits over a 10,000-file folder; this one joins the two sorted entry
 * lists directly and never descends into a subtree whose id did not
 * change, so a commit costs what it touched.
 */
typedef struct {
	char *path;
	git_oid oid;
	cb_history *rec; /* for a rename: the record its new name resolved to */
	bool paired;
} S_change;

typedef struct {
	S_change *v;
	size_t n, cap;
} S_changes;

typedef struct {
	S_changes added, deleted, modified;
} S_treediff;

static void S_changes_push(S_changes *c, const char *path, const git_oid *oid)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = cb_xrealloc(c->v, c->cap * sizeof *c->v);
	}
	S_change *x = &c->v[c->n++];
	memset(x, 0, sizeof *x);
	x->path = cb_xstrdup(path);
	git_oid_cpy(&x->oid, oid);
}

static void S_changes_clear(S_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	c->n = 0;
}

static void S_treediff_clear(S_treediff *t)
{
	S_changes_clear(&t->added);
	S_changes_clear(&t->deleted);
	S_changes_clear(&t->modified);
}

static void S_treediff_free(S_treediff *t)
{
	S_treediff_clear(t);
	free(t->added.v);
	free(t->deleted.v);
	free(t->modified.v);
}

static bool S_is_file(const git_tree_entry *e)
{
	git_filemode_t m = git_tree_entry_filemode(e);
	return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE || m == GIT_FILEMODE_LINK;
}

/* Git's tree order: names compared bytewise, a folder's name as if it
 * ended in '/'. */
static int S_entry_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
	const char *na = git_tree_entry_name(a), *nb = git_tree_entry_name(b);
	size_t i = 0;
	while (na[i] && na[i] == nb[i])
		i++;
	unsigned char ca = (unsigned char)na[i], cb = (unsigned char)nb[i];
	if (!ca && git_tree_entry_type(a) == GIT_OBJECT_TREE)
		ca = '/';
	if (!cb && git_tree_entry_type(b) == GIT_OBJECT_TREE)
		cb = '/';
	return (int)ca - (int)cb;
}

static int S_diff_trees(git_repository *repo, const git_tree *a, const git_tree *b, cb_buf *prefix,
			S_treediff *out);

/* Records an entry present on one side only: a file, or every file of a
 * folder. Submodules are not files and are left out. */
static int S_diff_side(git_repository *repo, const git_tree_entry *e, bool added, cb_buf *prefix,
		       S_treediff *out)
{
	size_t keep = prefix->len;
	cb_buf_puts(prefix, git_tree_entry_name(e));
	int rc = 0;
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		git_tree *t = NULL;
		rc = git_tree_lookup(&t, repo, git_tree_entry_id(e));
		if (rc == 0) {
			cb_buf_putc(prefix, '/');
			rc = added ? S_diff_trees(repo, NULL, t, prefix, out)
				   : S_diff_trees(repo, t, NULL, prefix, out);
			git_tree_free(t);
		}
	} else if (S_is_file(e)) {
		S_changes_push(added ? &out->added : &out->deleted, prefix->data, git_tree_entry_id(e));
	}
	prefix->len = keep;
	prefix->data[keep] = '\0';
	return rc;
}

/* Appends to out every file that differs between a and b (either may be
 * NULL for an empty tree), with paths starting with prefix. */
static int S_diff_trees(git_repository *repo, const git_tree *a, const git_tree *b, cb_buf *prefix,
			S_treediff *out)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int rc = 0;
	while (rc == 0 && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		if (ea && eb && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) &&
		    git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb) &&
		    strcmp(git_tree_entry_name(ea), git_tree_entry_name(eb)) == 0) {
			i++, j++;
			continue;
		}
		int c = !ea ? 1 : !eb ? -1 : S_entry_cmp(ea, eb);
		if (c < 0) {
			rc = S_diff_side(repo, ea, false, prefix, out);
			i++;
		} else if (c > 0) {
			rc = S_diff_side(repo, eb, true, prefix, out);
			j++;
		} else if (git_tree_entry_type(ea) == GIT_OBJECT_TREE) {
			git_tree *ta = NULL, *tb = NULL;
			rc = git_tree_lookup(&ta, repo, git_tree_entry_id(ea));
			if (rc == 0)
				rc = git_tree_lookup(&tb, repo, git_tree_entry_id(eb));
			if (rc == 0) {
				size_t keep = prefix->len;
				cb_buf_puts(prefix, git_tree_entry_name(ea));
				cb_buf_putc(prefix, '/');
				rc = S_diff_trees(repo, ta, tb, prefix, out);
				prefix->len = keep;
				prefix->data[keep] = '\0';
			}
			git_tree_free(ta);
			git_tree_free(tb);
			i++, j++;
		} else if (S_is_file(ea) && S_is_file(eb)) {
			size_t keep = prefix->len;
			cb_buf_puts(prefix, git_tree_entry_name(eb));
			S_changes_push(&out->modified, prefix->data, git_tree_entry_id(eb));
			prefix->len = keep;
			prefix->data[keep] = '\0';
			i++, j++;
		} else {
			/* A file replaced by a submodule or back. */
			rc = S_diff_side(repo, ea, false, prefix, out);
			if (rc == 0)
				rc = S_diff_side(repo, eb, true, prefix, out);
			i++, j++;
		}
	}
	return rc;
}

/* The tree at dir inside root; *out NULL when there is no such folder. */
static int S_subtree(git_repository *repo, git_tree *root, const char *dir, git_tree **out)
{
	*out = NULL;
	if (!dir[0])
		return git_tree_dup(out, root);
	git_tree_entry *e = NULL;
	int rc = git_tree_entry_bypath(&e, root, dir);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return -1;
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		rc = git_tree_lookup(out, repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return rc < 0 ? -1 : 0;
}

static int S_change_oid_cmp(const void *a, const void *b)
{
	const S_change *x = a, *y = b;
	int c = git_oid_cmp(&x->oid, &y->oid);
	return c ? c : strcmp(x->path, y->path);
}

/* Pairs each deleted file with an unpaired added file of identical
 * contents: an exact rename. pair_of[i] is the index in t->added (which
 * this sorts by id) of deleted file i's new name, or SIZE_MAX. */
static void S_pair_renames(S_treediff *t, size_t *pair_of)
{
	qsort(t->added.v, t->added.n, sizeof *t->added.v, S_change_oid_cmp);
	for (size_t i = 0; i < t->deleted.n; i++) {
		pair_of[i] = SIZE_MAX;
		const git_oid *id = &t->deleted.v[i].oid;
		size_t lo = 0, hi = t->added.n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (git_oid_cmp(&t->added.v[mid].oid, id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < t->added.n && git_oid_equal(&t->added.v[lo].oid, id); lo++) {
			if (!t->added.v[lo].paired) {
				t->added.v[lo].paired = true;
				t->deleted.v[i].paired = true;
				pair_of[i] = lo;
				break;
			}
		}
	}
}

/* Applies one commit's changes. New names are resolved before old names
 * are re-pointed, so that a commit which moves a to b and b to c links
 * each file correctly. */
static void S_hist_apply(S_hist_ctx *h, S_treediff *t, const git_signature *sig)
{
	size_t *pair_of = NULL;
	if (t->deleted.n && t->added.n) {
		pair_of = cb_xcalloc(t->deleted.n, sizeof *pair_of);
		S_pair_renames(t, pair_of);
	}
	for (size_t i = 0; i < t->modified.n; i++)
		S_hist_touch(h, t->modified.v[i].path, sig);
	for (size_t i = 0; i < t->added.n; i++) {
		S_change *x = &t->added.v[i];
		/* An exact rename is not itself an edit: it only carries the
		 * file's history over to its older name. */
		if (x->paired)
			x->rec = S_hist_lookup(h, x->path);
		else
			S_hist_touch(h, x->path, sig);
	}
	for (size_t i = 0; i < t->deleted.n; i++) {
		cb_history *r = pair_of && pair_of[i] != SIZE_MAX ? t->added.v[pair_of[i]].rec : NULL;
		cb_map_put(h->names, t->deleted.v[i].path, r ? r : &S_dead);
	}
	free(pair_of);
}

static int S_hist_commit(cb_gitsrc *g, S_hist_ctx *h, git_commit *c, const char *dir, S_treediff *t)
{
	git_tree *root = NULL, *proot = NULL, *sub = NULL, *psub = NULL;
	int ret = -1;
	if (h->have_next && git_oid_equal(&h->next_id, git_commit_id(c))) {
		sub = h->next_sub;
		h->next_sub = NULL;
	} else if (git_commit_tree(&root, c) < 0 || S_subtree(g->repo, root, dir, &sub) < 0) {
		goto out;
	}
	h->have_next = false;
	git_tree_free(h->next_sub);
	h->next_sub = NULL;
	/* A shallow clone's boundary commit is compared with nothing: as far
	 * as the history that is here goes, it added every file it has. */
	if (git_commit_parentcount(c) > 0 && !S_is_shallow(g, git_commit_id(c))) {
		/* A merge is compared with its first parent only, as
		 * `git log --first-parent` would show it. */
		git_commit *parent = NULL;
		if (git_commit_parent(&parent, c, 0) < 0)
			goto out;
		int rc = git_commit_tree(&proot, parent);
		git_oid_cpy(&h->next_id, git_commit_id(parent));
		git_commit_free(parent);
		if (rc < 0 || S_subtree(g->repo, proot, dir, &psub) < 0)
			goto out;
		/* In a straight history the parent comes next in the walk:
		 * keep its folder rather than reading a large tree twice. */
		h->have_next = true;
		if (psub)
			git_tree_dup(&h->next_sub, psub);
	}
	if (sub && psub && git_oid_equal(git_tree_id(sub), git_tree_id(psub))) {
		ret = 0;
		goto out;
	}
	cb_buf prefix = CB_BUF_INIT;
	cb_buf_puts(&prefix, dir);
	if (dir[0])
		cb_buf_putc(&prefix, '/');
	S_treediff_clear(t);
	int rc = S_diff_trees(g->repo, psub, sub, &prefix, t);
	cb_buf_free(&prefix);
	if (rc < 0)
		goto out;
	S_hist_apply(h, t, git_commit_author(c));
	ret = 0;
out:
	git_tree_free(psub);
	git_tree_free(sub);
	git_tree_free(proot);
	git_tree_free(root);
	return ret;
}

static int S_hist_cmp(const void *a, const void *b)
{
	return strcmp(((const cb_history *)a)->path, ((const cb_history *)b)->path);
}

/* The walk's records as the sorted result; h keeps none. */
static void S_hist_finish(S_hist_ctx *h, cb_history **out, size_t *n)
{
	cb_history *v = cb_xcalloc(h->n ? h->n : 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++) {
		cb_history *r = h->recs[i];
		if (!r->last_author) {
			/* Seen only as the new name of an exact rename with no
			 * commit adding or editing it along the first-parent
			 * lines walked (a tangle of merges can do this). */
			cb_history_free(r, 1);
			continue;
		}
		cb_strv_sort(&r->authors);
		cb_strv_uniq(&r->authors);
		v[k++] = *r;
		free(r);
	}
	free(h->recs);
	h->recs = NULL;
	h->n = 0;
	qsort(v, k, sizeof *v, S_hist_cmp);
	*out = v;
	*n = k;
}

/* Fills h->at_ref with every file under dir at the ref; -1 with err. */
static int S_hist_at_ref(cb_gitsrc *g, S_hist_ctx *h, const char *ndir, S_treediff *t, cb_error *err)
{
	git_tree *at_ref = NULL;
	cb_buf prefix = CB_BUF_INIT;
	cb_buf_puts(&prefix, ndir);
	if (ndir[0])
		cb_buf_putc(&prefix, '/');
	int frc = S_subtree(g->repo, g->tree, ndir, &at_ref);
	if (frc == 0 && at_ref)
		frc = S_diff_trees(g->repo, NULL, at_ref, &prefix, t);
	git_tree_free(at_ref);
	cb_buf_free(&prefix);
	if (frc < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read folder '%s' at %s: %s", ndir, g->refname,
			     S_git_detail());
		return -1;
	}
	for (size_t i = 0; i < t->added.n; i++)
		cb_map_put(h->at_ref, t->added.v[i].path, &S_present);
	return 0;
}

int cb_gitsrc_history_since(cb_gitsrc *g, const char *dir, const char *base_id, const cb_history *base,
			    size_t nbase, cb_history **out, size_t *n, cb_error *err)
{
	*out = NULL;
	*n = 0;
	git_oid boid;
	if (!g->selected || !g->commit || git_oid_fromstr(&boid, base_id) < 0)
		return 1;
	/* The commits after base, newest first: only a straight line of
	 * one-parent commits ending at base qualifies. */
	enum { MAX_NEW = 10000 };
	git_commit **line = NULL;
	size_t nline = 0, cap = 0;
	int ret = 1;
	git_commit *c = NULL;
	if (git_commit_dup(&c, g->commit) < 0)
		return 1;
	while (!git_oid_equal(git_commit_id(c), &boid)) {
		git_commit *parent = NULL;
		if (nline == MAX_NEW || git_commit_parentcount(c) != 1 || S_is_shallow(g, git_commit_id(c)) ||
		    git_commit_parent(&parent, c, 0) < 0) {
			git_commit_free(c);
			goto out;
		}
		if (nline == cap) {
			cap = cap ? cap * 2 : 16;
			line = cb_xrealloc(line, cap * sizeof *line);
		}
		line[nline++] = c;
		c = parent;
	}
	git_commit_free(c);

	char *ndir = S_norm_dir(dir);
	S_hist_ctx h = {0};
	h.names = cb_map_new();
	h.at_ref = cb_map_new();
	S_treediff t = {{NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}};
	ret = S_hist_at_ref(g, &h, ndir, &t, err) < 0 ? -1 : 0;
	for (size_t i = 0; ret == 0 && i < nline; i++) {
		if (S_hist_commit(g, &h, line[i], ndir, &t) < 0) {
			char id[41];
			git_oid_tostr(id, sizeof id, git_commit_id(line[i]));
			cb_error_set(err, NULL, 0, 0, "cannot compare commit %s with its parent: %s", id,
				     S_git_detail());
			ret = -1;
		}
	}
	/* What happened before base, as the walk from base found it: each of
	 * its files carries its older changes to the file it became. */
	for (size_t i = 0; ret == 0 && i < nbase; i++) {
		const cb_history *x = &base[i];
		cb_history *r = cb_map_get(h.names, x->path);
		if (r == &S_dead)
			continue;
		if (!r)
			r = S_hist_lookup(&h, x->path);
		if (!r)
			continue;
		if (!r->last_author) {
			r->last_time = x->last_time;
			r->last_tz = x->last_tz;
			r->last_author = cb_xstrdup(x->last_author ? x->last_author : "");
		}
		r->first_time = x->first_time;
		r->first_tz = x->first_tz;
		free(r->first_author);
		r->first_author = cb_xstrdup(x->first_author ? x->first_author : "");
		for (size_t k = 0; k < x->authors.n; k++)
			if (!cb_strv_contains(&r->authors, x->authors.v[k]))
				cb_strv_push(&r->authors, x->authors.v[k]);
	}
	if (ret == 0)
		S_hist_finish(&h, out, n);
	for (size_t i = 0; i < h.n; i++)
		cb_history_free(h.recs[i], 1);
	free(h.recs);
	cb_map_free(h.names);
	cb_map_free(h.at_ref);
	git_tree_free(h.next_sub);
	S_treediff_free(&t);
	free(ndir);
out:
	for (size_t i = 0; i < nline; i++)
		git_commit_free(line[i]);
	free(line);
	return ret;
}

/* The commits of a shallow clone reachable from the selected one, without
 * crossing the boundary, children before parents — the order the history
 * walk needs. libgit2 1.5's revwalk cannot be used here: it looks up the
 * boundary's parents, which are absent. Caller frees *out. */
typedef struct {
	git_oid id;
	size_t *parents; /* node indices */
	size_t nparents;
	size_t children; /* children not yet emitted */
} S_node;

static size_t S_node_get(cb_map *seen, S_node **nodes, size_t *n, size_t *cap, const git_oid *id, bool *added)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, id);
	void *v = cb_map_get(seen, hex);
	*added = v == NULL;
	if (v)
		return (size_t)((uintptr_t)v - 1);
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*nodes = cb_xrealloc(*nodes, *cap * sizeof **nodes);
	}
	S_node *x = &(*nodes)[*n];
	memset(x, 0, sizeof *x);
	git_oid_cpy(&x->id, id);
	cb_map_put(seen, hex, (void *)(uintptr_t)(*n + 1));
	return (*n)++;
}

static int S_shallow_order(cb_gitsrc *g, git_oid **out, size_t *nout, cb_error *err)
{
	cb_map *seen = cb_map_new();
	S_node *nodes = NULL;
	size_t n = 0, cap = 0, *stack = NULL, top = 0;
	bool added;
	int ret = -1;
	S_node_get(seen, &nodes, &n, &cap, git_commit_id(g->commit), &added);
	/* Every node is pushed once, so the stack never holds more than n. */
	size_t scap = 64;
	stack = cb_xmalloc(scap * sizeof *stack);
	stack[top++] = 0;
	while (top > 0) {
		size_t i = stack[--top];
		if (S_is_shallow(g, &nodes[i].id))
			continue;
		git_commit *c = NULL;
		if (git_commit_lookup(&c, g->repo, &nodes[i].id) < 0) {
			char id[41];
			git_oid_tostr(id, sizeof id, &nodes[i].id);
			cb_error_set(err, NULL, 0, 0, "cannot read commit %s in the history of %s: %s", id,
				     g->refname, S_git_detail());
			goto out;
		}
		unsigned np = git_commit_parentcount(c);
		size_t *par = cb_xcalloc(np ? np : 1, sizeof *par);
		for (unsigned k = 0; k < np; k++) {
			size_t p = S_node_get(seen, &nodes, &n, &cap, git_commit_parent_id(c, k), &added);
			par[k] = p;
			nodes[p].children++;
			if (added) {
				if (top == scap) {
					scap *= 2;
					stack = cb_xrealloc(stack, scap * sizeof *stack);
				}
				stack[top++] = p;
			}
		}
		git_commit_free(c);
		nodes[i].parents = par;
		nodes[i].nparents = np;
	}
	/* Kahn's order: a commit once all its children are out. */
	git_oid *order = cb_xcalloc(n ? n : 1, sizeof *order);
	size_t k = 0;
	if (n > scap)
		stack = cb_xrealloc(stack, n * sizeof *stack);
	top = 0;
	stack[top++] = 0;
	while (top > 0) {
		size_t i = stack[--top];
		git_oid_cpy(&order[k++], &nodes[i].id);
		for (size_t p = 0; p < nodes[i].nparents; p++)
			if (--nodes[nodes[i].parents[p]].children == 0)
				stack[top++] = nodes[i].parents[p];
	}
	*out = order;
	*nout = k;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(nodes[i].parents);
	free(nodes);
	free(stack);
	cb_map_free(seen);
	return ret;
}

/* The next commit of the walk: from the revwalk, or from a shallow
 * clone's own order. 0, or GIT_ITEROVER at the end. */
static int S_walk_next(git_revwalk *walk, const git_oid *order, size_t norder, size_t *next, git_oid *oid)
{
	if (!order)
		return git_revwalk_next(oid, walk);
	if (*next == norder)
		return GIT_ITEROVER;
	git_oid_cpy(oid, &order[(*next)++]);
	return 0;
}

int cb_gitsrc_history(cb_gitsrc *g, const char *dir, cb_history **out, size_t *n, cb_error *err)
{
	*out = NULL;
	*n = 0;
	if (!g->selected) {
		cb_error_set(err, NULL, 0, 0, "internal error: no ref selected before reading history");
		return -1;
	}
	if (!g->commit)
		return 0;
	char *ndir = S_norm_dir(dir);
	S_hist_ctx h = {0};
	h.names = cb_map_new();
	h.at_ref = cb_map_new();
	S_treediff t = {{NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}};
	git_revwalk *walk = NULL;
	git_oid *order = NULL; /* a shallow clone's commits, in walk order */
	size_t norder = 0;
	int ret = -1;
	/* The files at the ref are the ones history is wanted for: every
	 * file of the ref's folder against an empty tree. */
	if (S_hist_at_ref(g, &h, ndir, &t, err) < 0)
		goto out;

	if (g->nshallow) {
		if (S_shallow_order(g, &order, &norder, err) < 0)
			goto out;
	} else if (git_revwalk_new(&walk, g->repo) < 0 ||
		   git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
		   git_revwalk_push(walk, git_commit_id(g->commit)) < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot walk the history of %s: %s", g->refname,
			     S_git_detail());
		goto out;
	}
	git_oid oid;
	int rc;
	size_t next = 0;
	while ((rc = S_walk_next(walk, order, norder, &next, &oid)) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, g->repo, &oid) < 0) {
			char id[41];
			git_oid_tostr(id, sizeof id, &oid);
			cb_error_set(err, NULL, 0, 0, "cannot read commit %s in the history of %s: %s", id,
				     g->refname, S_git_detail());
			goto out;
		}
		int crc = S_hist_commit(g, &h, c, ndir, &t);
		git_commit_free(c);
		if (crc < 0) {
			char id[41];
			git_oid_tostr(id, sizeof id, &oid);
			cb_error_set(err, NULL, 0, 0, "cannot compare commit %s with its parent: %s", id,
				     S_git_detail());
			goto out;
		}
	}
	if (rc != GIT_ITEROVER) {
		cb_error_set(err, NULL, 0, 0, "cannot walk the history of %s: %s", g->refname,
			     S_git_detail());
		goto out;
	}
	S_hist_finish(&h, out, n);
	ret = 0;
out:
	for (size_t i = 0; i < h.n; i++)
		cb_history_free(h.recs[i], 1);
	free(h.recs);
	free(order);
	git_revwalk_free(walk);
	cb_map_free(h.names);
	cb_map_free(h.at_ref);
	git_tree_free(h.next_sub);
	S_treediff_free(&t);
	free(ndir);
	return ret;
}

const cb_history *cb_history_find(const cb_history *v, size_t n, const char *path)
{
	if (!v || !path)
		return NULL;
	cb_history key = {0};
	key.path = (char *)path;
	return bsearch(&key, v, n, sizeof *v, S_hist_cmp);
}

void cb_history_free(cb_history *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].first_author);
		free(v[i].last_author);
		cb_strv_free(&v[i].authors);
	}
	free(v);
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
	git_libgit2_init();
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
			     S_git_detail());
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
			     S_git_detail());
		return -1;
	}
	return 0;
}

int cb_gitsrc_commit_files(const char *dir, const cb_strv *paths, const char *message, char *commit_id,
			   cb_error *err)
{
	git_libgit2_init();
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *author = NULL, *committer = NULL;
	int rc = -1;
	git_oid tree_id, parent_id, id;

	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot open the git repository at '%s': %s", dir,
			     S_git_detail());
		goto out;
	}
	if (git_repository_index(&index, repo) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read the git index of '%s': %s", dir, S_git_detail());
		goto out;
	}
	for (size_t i = 0; i < paths->n; i++) {
		if (!S_path_safe(paths->v[i]) || git_index_add_bypath(index, paths->v[i]) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot add '%s' to git: %s", paths->v[i],
				     S_git_detail());
			goto out;
		}
	}
	if (git_index_write(index) != 0 || git_index_write_tree(&tree_id, index) != 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot write the git index of '%s': %s", dir, S_git_detail());
		goto out;
	}
	/* The first commit has no parent; later ones continue HEAD. */
	int hrc = git_reference_name_to_id(&parent_id, repo, "HEAD");
	if (hrc == 0) {
		if (git_commit_lookup(&parent, repo, &parent_id) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot read HEAD in '%s': %s", dir, S_git_detail());
			goto out;
		}
	} else if (hrc != GIT_ENOTFOUND && hrc != GIT_EUNBORNBRANCH) {
		cb_error_set(err, NULL, 0, 0, "cannot read HEAD in '%s': %s", dir, S_git_detail());
		goto out;
	}
	if (S_signature(repo, "AUTHOR", &author, err) != 0)
		goto out;
	if (S_signature(repo, "COMMITTER", &committer, err) != 0)
		goto out;
	const git_commit *parents[1] = {parent};
	if (git_commit_create(&id, repo, "HEAD", author, committer, NULL, message, tree, parent ? 1 : 0,
			      parents) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot commit in '%s': %s", dir, S_git_detail());
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
