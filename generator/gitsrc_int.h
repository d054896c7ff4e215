/*
 * gitsrc_int: the inside of the gitsrc module, shared by gitsrc.c (the
 * repository, refs, files and commits), gitsrc_history.c (the history
 * walk) and gitsrc_fetch.c (partner repositories' mirrors) and by nothing
 * else. With them, the only file that includes
 * git2.h.
 */
#ifndef CB_GITSRC_INT_H
#define CB_GITSRC_INT_H

#include <stdbool.h>

#include <git2.h>

#include "gitlib.h"

#include "gitsrc.h"

struct cb_gitsrc {
	git_repository *repo;
	char *workdir;	    /* without a trailing '/'; NULL when bare */
	char *refname;	    /* as the user named it, for messages */
	bool worktree;	    /* read working files instead of a tree */
	bool selected;	    /* cb_gitsrc_select succeeded */
	git_commit *commit; /* the selected commit; NULL in a worktree with no commits */
	git_tree *tree;	    /* its tree */
	char commit_id[41];
	git_oid *shallow; /* a shallow clone's boundary commits, sorted; see S_read_shallow in gitsrc.c */
	size_t nshallow;
	char shallow_key[33];
};

/* Why the last libgit2 call failed, in words a user can act on (not
 * libgit2's own message, which names its internals). */
const char *cb_gitsrc_detail(void);
/* Removes a leading "./" and any trailing '/' so that "content/",
 * "./content" and "content" all name the same folder. Caller frees. */
char *cb_gitsrc_norm_dir(const char *dir);
/* True when the commit id is on a shallow clone's boundary: its parents
 * are absent. */
bool cb_gitsrc_is_shallow(const cb_gitsrc *g, const git_oid *id);

#endif
