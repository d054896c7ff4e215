/*
 * gitsrc: where documents come from. Reads files from a git repository —
 * from the committed tree at a ref (no checkout needed; bare repositories
 * work) or, for previews, from the working tree — and walks history once to
 * give every file its first-published and last-updated dates and authors.
 *
 * This is the only module that includes git2.h.
 */
#ifndef CB_GITSRC_H
#define CB_GITSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

typedef struct cb_gitsrc cb_gitsrc;

/* One file read from the tree. */
typedef struct cb_source {
	char *path;   /* repository-relative, '/'-separated, e.g. "content/a/b.md" */
	char *data;   /* contents, NUL-terminated (owned) */
	size_t len;   /* length without the NUL */
	char oid[41]; /* blob id in hex (for --worktree: the id git would give it) */
	bool unread;  /* listed by cb_gitsrc_list_lazy and not read yet */
} cb_source;

/* What history says about one path (at the ref's naming). */
typedef struct cb_history {
	char *path;
	int64_t first_time; /* author time of the commit that added it */
	int first_tz;	    /* that commit's offset from UTC in minutes */
	char *first_author; /* author name */
	int64_t last_time;  /* author time of the newest commit that changed it */
	int last_tz;
	char *last_author;
	cb_strv authors; /* every author name that changed it; sorted, unique */
} cb_history;

/* Opens the repository at dir, or (dir NULL) the one containing the current
 * directory. On failure returns -1 with a one-line message in err. */
int cb_gitsrc_open(cb_gitsrc **out, const char *dir, cb_error *err);

/* Chooses what to read: the tree of ref (NULL means HEAD), or with
 * worktree set the working files (an error for a bare repository). The
 * history walk always starts at ref. -1 with err for an unknown ref or a
 * repository with no commits. */
int cb_gitsrc_select(cb_gitsrc *g, const char *ref, bool worktree, cb_error *err);

/* Chooses the index (the staging area: what `git commit` is about to
 * record) as what to read, HEAD for history. The index is written as a
 * tree (as `git write-tree` does). -1 with err for a bare repository or an
 * index with unresolved conflicts. */
int cb_gitsrc_select_index(cb_gitsrc *g, cb_error *err);

/* The folder git runs hooks from: core.hooksPath (relative to the working
 * tree when relative) or the repository's hooks/. Caller frees. */
char *cb_gitsrc_hooks_dir(cb_gitsrc *g);

/* Lists every regular file under dir (repository-relative, "" for the root)
 * whose name ends in one of suffix's extensions ("|"-separated, any case:
 * cb_name_ext; NULL: every file), sorted by path, with
 * contents. Symlinks and submodules are never followed: each one skipped is
 * reported as a warning in d. Files larger than max_size are listed with
 * data NULL and len set to their size, so the caller can report them.
 * Returns -1 with err when dir does not exist in the tree. Caller frees with
 * cb_sources_free. */
int cb_gitsrc_list(cb_gitsrc *g, const char *dir, const char *suffix, size_t max_size, cb_source **out,
		   size_t *n, cb_diags *d, cb_error *err);
void cb_sources_free(cb_source *v, size_t n);

/* Like cb_gitsrc_list, but files of a committed tree are only listed (path
 * and blob id, unread set), to be read later — on any thread — with a blob
 * reader, or not at all when a cache already knows that blob. Working files
 * are read at once, as cb_gitsrc_list does. */
int cb_gitsrc_list_lazy(cb_gitsrc *g, const char *dir, const char *suffix, size_t max_size, cb_source **out,
			size_t *n, cb_diags *d, cb_error *err);

/* A reader of blobs with its own handle on the object database, so each
 * thread can have one. Opened on the thread that owns g. */
typedef struct cb_blob_reader cb_blob_reader;
int cb_blob_reader_open(cb_gitsrc *g, cb_blob_reader **out, cb_error *err);
/* Reads s when it is unread: its contents, or (bigger than max_size) only
 * its size in len with data NULL. 0, or -1 with err. */
int cb_blob_reader_load(cb_blob_reader *r, cb_source *s, size_t max_size, cb_error *err);
void cb_blob_reader_free(cb_blob_reader *r); /* NULL-safe */

/* True when dir (repository-relative) is a folder in what was selected:
 * the tree, or the working files. A symlink is not a folder. */
bool cb_gitsrc_has_dir(cb_gitsrc *g, const char *dir);

/* Reads one file (repository-relative). Returns 1 when it does not exist,
 * 0 when read (caller frees *data), -1 on error (err). */
int cb_gitsrc_read(cb_gitsrc *g, const char *path, char **data, size_t *len, cb_error *err);

/* One walk over the history reachable from the ref, recording changes to
 * files under dir. A file renamed without changes keeps its history (exact
 * renames are followed); a rename with edits in the same commit starts a new
 * history. Results sorted by path. Files never committed are absent. */
int cb_gitsrc_history(cb_gitsrc *g, const char *dir, cb_history **out, size_t *n, cb_error *err);
/* The same result, from the history at an older commit base_id (base, as
 * cb_gitsrc_history gave it for the same dir) and a walk of only the
 * commits made since. That is exact when those commits form a straight
 * line of one-parent commits down to base_id — what a lead committing on
 * one branch makes — and then returns 0. Returns 1, with nothing done,
 * when they do not (a merge, a rewritten history, base_id not an
 * ancestor): the caller walks everything. -1 with err on a git error. */
int cb_gitsrc_history_since(cb_gitsrc *g, const char *dir, const char *base_id, const cb_history *base,
			    size_t nbase, cb_history **out, size_t *n, cb_error *err);
/* Binary search in a sorted history array; NULL when absent. */
const cb_history *cb_history_find(const cb_history *v, size_t n, const char *path);
void cb_history_free(cb_history *v, size_t n);

/* A shallow clone (git clone --depth N) has only part of the history: the
 * walk stops at the commits whose parents were not fetched, so dates
 * before them are unknown. Returns how many such boundary commits there
 * are (0: the full history is here) and, when key is not NULL, a key
 * (32 hex digits) naming that boundary, for caches of the history. */
size_t cb_gitsrc_shallow(const cb_gitsrc *g, const char **key);

/* Commit time of the selected ref (the build's notion of "now" unless
 * SOURCE_DATE_EPOCH is set). */
int64_t cb_gitsrc_commit_time(const cb_gitsrc *g);
/* The selected commit id in hex. */
const char *cb_gitsrc_commit_id(const cb_gitsrc *g);
/* True when the working files were selected (--worktree). */
bool cb_gitsrc_worktree(const cb_gitsrc *g);
/* The working directory, or NULL for a bare repository. */
const char *cb_gitsrc_workdir(const cb_gitsrc *g);
/* The repository's private folder for casebook's working files: .casebook/
 * in the working folder, or casebook/ inside a bare repository. Only
 * named, not made. Caller frees. */
char *cb_gitsrc_private_dir(const cb_gitsrc *g);

void cb_gitsrc_free(cb_gitsrc *g);

/* Partner repositories (gitsrc_fetch.c). Mirrors the repository at url (a
 * path, file://, https with git's credential helpers, or ssh through the
 * ssh agent) into the bare
 * repository mirror_dir, made when missing: every branch and tag, pruned
 * to the remote's, with HEAD following the remote's default branch. Then
 * names the commit ref is there (NULL: HEAD) in commit (41 bytes). 0, or
 * -1 with err. Uses the network; builds never call it. */
int cb_gitsrc_mirror(const char *mirror_dir, const char *url, const char *ref, char *commit, cb_error *err);
/* The user name and password git's credential helpers give for url
 * (`git credential fill`, which may also ask on the terminal), for https
 * sources. 0 with both (caller frees; wipe the password), -1 when there
 * are none: no git, no helper, or nothing given. */
int cb_gitsrc_credential_fill(const char *url, char **user, char **pass);
/* True when the repository at dir has the commit (hex id). */
int cb_gitsrc_has_commit(const char *dir, const char *commit);

/* Authoring. Makes a git repository with a working tree in dir (which
 * must exist), or keeps the one already there (*created false). -1 with
 * err for a bare repository or when git cannot create one. */
int cb_gitsrc_init_repo(const char *dir, bool *created, cb_error *err);

/* Adds the files at paths (relative to dir, the repository's root) to the
 * index and commits them on HEAD (the first commit when there is none).
 * Author and committer come from GIT_AUTHOR_NAME/EMAIL and
 * GIT_COMMITTER_NAME/EMAIL when set, else from the git configuration; the
 * time is SOURCE_DATE_EPOCH when set, else now. commit_id (41 bytes, may be
 * NULL) receives the new commit's id. 0, or -1 with err. */
int cb_gitsrc_commit_files(const char *dir, const cb_strv *paths, const char *message, char *commit_id,
			   cb_error *err);

#endif
