/*
 * gitsrc_history: the dates and authors of every document, from one walk
 * over the commits that lead to the selected ref (see cb_gitsrc_history in
 * gitsrc.h). Part of the gitsrc module; gitsrc_int.h is what the two files
 * share.
 */
#include "gitsrc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "gitsrc_int.h"

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
	cb_strmap *names;
	cb_strmap *at_ref; /* every file under dir at the ref */
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
	cb_history *r = cb_strmap_get(h->names, path);
	if (r == &S_dead)
		return NULL;
	if (r)
		return r;
	if (!cb_strmap_has(h->at_ref, path)) {
		/* Reachable only through a side branch whose change did not
		 * survive into the ref: nothing to record. */
		cb_strmap_put(h->names, path, &S_dead);
		return NULL;
	}
	r = cb_xcalloc(1, sizeof *r);
	r->path = cb_xstrdup(path);
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->recs = cb_xrealloc(h->recs, h->cap * sizeof *h->recs);
	}
	h->recs[h->n++] = r;
	cb_strmap_put(h->names, path, r);
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
		cb_strmap_put(h->names, t->deleted.v[i].path, r ? r : &S_dead);
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
	if (git_commit_parentcount(c) > 0 && !cb_gitsrc_is_shallow(g, git_commit_id(c))) {
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
			     cb_gitsrc_detail());
		return -1;
	}
	for (size_t i = 0; i < t->added.n; i++)
		cb_strmap_put(h->at_ref, t->added.v[i].path, &S_present);
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
		if (nline == MAX_NEW || git_commit_parentcount(c) != 1 ||
		    cb_gitsrc_is_shallow(g, git_commit_id(c)) || git_commit_parent(&parent, c, 0) < 0) {
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

	char *ndir = cb_gitsrc_norm_dir(dir);
	S_hist_ctx h = {0};
	h.names = cb_strmap_new();
	h.at_ref = cb_strmap_new();
	S_treediff t = {{NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}};
	ret = S_hist_at_ref(g, &h, ndir, &t, err) < 0 ? -1 : 0;
	for (size_t i = 0; ret == 0 && i < nline; i++) {
		if (S_hist_commit(g, &h, line[i], ndir, &t) < 0) {
			char id[41];
			git_oid_tostr(id, sizeof id, git_commit_id(line[i]));
			cb_error_set(err, NULL, 0, 0, "cannot compare commit %s with its parent: %s", id,
				     cb_gitsrc_detail());
			ret = -1;
		}
	}
	/* What happened before base, as the walk from base found it: each of
	 * its files carries its older changes to the file it became. */
	for (size_t i = 0; ret == 0 && i < nbase; i++) {
		const cb_history *x = &base[i];
		cb_history *r = cb_strmap_get(h.names, x->path);
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
	cb_strmap_free(h.names);
	cb_strmap_free(h.at_ref);
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

static size_t S_node_get(cb_strmap *seen, S_node **nodes, size_t *n, size_t *cap, const git_oid *id,
			 bool *added)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, id);
	void *v = cb_strmap_get(seen, hex);
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
	cb_strmap_put(seen, hex, (void *)(uintptr_t)(*n + 1));
	return (*n)++;
}

static int S_shallow_order(cb_gitsrc *g, git_oid **out, size_t *nout, cb_error *err)
{
	cb_strmap *seen = cb_strmap_new();
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
		if (cb_gitsrc_is_shallow(g, &nodes[i].id))
			continue;
		git_commit *c = NULL;
		if (git_commit_lookup(&c, g->repo, &nodes[i].id) < 0) {
			char id[41];
			git_oid_tostr(id, sizeof id, &nodes[i].id);
			cb_error_set(err, NULL, 0, 0, "cannot read commit %s in the history of %s: %s", id,
				     g->refname, cb_gitsrc_detail());
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
	cb_strmap_free(seen);
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
	char *ndir = cb_gitsrc_norm_dir(dir);
	S_hist_ctx h = {0};
	h.names = cb_strmap_new();
	h.at_ref = cb_strmap_new();
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
			     cb_gitsrc_detail());
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
				     g->refname, cb_gitsrc_detail());
			goto out;
		}
		int crc = S_hist_commit(g, &h, c, ndir, &t);
		git_commit_free(c);
		if (crc < 0) {
			char id[41];
			git_oid_tostr(id, sizeof id, &oid);
			cb_error_set(err, NULL, 0, 0, "cannot compare commit %s with its parent: %s", id,
				     cb_gitsrc_detail());
			goto out;
		}
	}
	if (rc != GIT_ITEROVER) {
		cb_error_set(err, NULL, 0, 0, "cannot walk the history of %s: %s", g->refname,
			     cb_gitsrc_detail());
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
	cb_strmap_free(h.names);
	cb_strmap_free(h.at_ref);
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
