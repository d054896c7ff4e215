/*
 * site_int: the inside of the site module, shared by site.c (the load and
 * the model), site_settings.c (the hub's settings files) and
 * site_origin.c, and by nothing else.
 *
 * site_origin.c: where a site's documents come from — the hub repository
 * and each partner repository (partner.h) at its pin in casebook.lock —
 * for site.c, and nothing else. A partner's documents are named
 * "NAME:path" everywhere (diagnostics, links, the cache) so that every
 * message says which repository a problem is in; its pages go to
 * documents/NAME/.
 *
 * Only the partner's content folder is read, from the pinned commit of
 * its mirror in the private folder: never its casebook.yml, plugins,
 * templates or taxonomy, and never the network.
 */
#ifndef CB_SITE_INT_H
#define CB_SITE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "attach.h"
#include "config.h"
#include "diag.h"
#include "gitsrc.h"
#include "markdown.h"
#include "partner.h"
#include "schema.h"
#include "site.h"

struct cb_cache;

typedef struct cb_origin {
	const cb_partner *p; /* the source's settings; NULL for the hub */
	cb_gitsrc *g;	     /* the hub's is borrowed; a source's is owned */
	char *prefix;	     /* "NAME:" for a source, "" for the hub */
	char *content;	     /* the content folder, relative to its repository */
	char *content_key;   /* prefix + content: how its documents' paths start */
	bool has_content;    /* the content folder is there */
	cb_attach *files;    /* its content folder's other files (NULL: none) */
	char commit[41];     /* the commit read ("" for a work tree with no commits) */
	cb_history *hist;    /* its history, its own paths; moved to the site's */
	size_t nhist;
	char *hist_key; /* the history cache's key */
	bool walked;	/* hist was walked, not from the cache */
} cb_origin;

/* The hub (origins[0], reading through g) and every source casebook.yml
 * lists, each opened at its pin in lock_text (casebook.lock of the tree
 * being built; NULL: none). A source with no pin, or a lock that does not
 * parse, is a content error in d (returns 1); a pinned commit missing
 * from its mirror (under priv), an environment error in err (-1). Free
 * with cb_origins_free in every case. */
int cb_origins_open(const cb_config *cfg, cb_gitsrc *g, const char *priv, const char *lock_text,
		    size_t lock_len, cb_origin **out, size_t *n, cb_diags *d, cb_error *err);
void cb_origins_free(cb_origin *o, size_t n);

/* Every origin's Markdown documents, listed (unread) into one array, a
 * source's paths prefixed; origin_of[i] is document i's origin. Also
 * lists each origin's attachments. -1 with err. */
int cb_origins_list(cb_origin *o, size_t n, size_t attach_max, cb_source **out, size_t *nout, int **origin_of,
		    cb_diags *d, cb_error *err);

/* The origin a (prefixed) path belongs to: index into o. */
size_t cb_origin_of(const cb_origin *o, size_t n, const char *path);

/* What a source's document takes from the hub: its area when it names
 * none, and the hub's theme ids through the source's map, each checked
 * against the hub's taxonomy (theme_ids; NULL: no taxonomy). Reports at
 * file in d. Nothing for the hub's documents. */
void cb_origin_adopt(const cb_origin *o, cb_meta *m, const char *file, const cb_strv *theme_ids, cb_diags *d);

/* The same check for a source's learning points: each hashtag's id
 * through the source's map (as cb_site_classify_points reads them) against
 * the hub's taxonomy (theme_ids; NULL: no taxonomy, nothing to check),
 * reported at file in d; cb_learning_check is then given no theme ids for
 * it. Nothing for the hub's documents. */
void cb_origin_check_tags(const cb_origin *o, const cb_mdoc *md, const char *file, const cb_strv *theme_ids,
			  cb_diags *d);

/* Walks (or takes from the cache) every origin's history: a thread's
 * body (arg: a cb_origins_hist). The origins are walked on up to jobs
 * threads at once, each taking the next origin; the result does not
 * depend on how many. */
typedef struct cb_origins_hist {
	cb_origin *o;
	size_t n;
	int jobs; /* threads for the walks, this one included; 0 or 1: one */
	struct cb_cache *cache;
	cb_history *hist; /* every origin's, paths as documents name them, sorted */
	size_t nhist;
	int rc;
	cb_error err;
} cb_origins_hist;
void *cb_origins_history(void *arg);
/* Stores the histories walked in this build in the cache. */
void cb_origins_history_keep(const cb_origins_hist *h);

/* A shallow clone's history starts at its boundary, so every document
 * older than that would show the boundary commit's date as first
 * published: an error in err (-1) unless allow, then a warning in d. */
int cb_origin_shallow_check(cb_gitsrc *g, bool allow, cb_diags *d, cb_error *err);
/* The history cache's key for dir: a shallow clone's history is its own
 * (it ends at the boundary), so it never mixes with the full one. Caller
 * frees. */
char *cb_origin_history_key(cb_gitsrc *g, const char *dir);

/* site_settings.c. Reads path from the selected tree; *data NULL (0
 * returned) when there is no such file. -1 with err. */
int cb_site_read_optional(cb_gitsrc *g, const char *path, char **data, size_t *len, cb_error *err);
/* The hub's settings, from the tree being built (so a build of an old ref
 * uses that ref's settings): casebook.yml, taxonomy, glossary, its plugins
 * and theme files, each hashed into env as read (what every document's
 * cached results depend on besides its blob). -1 (err), else 1 when
 * content errors were reported in d, 0 when none. */
int cb_site_load_settings(cb_site *site, cb_gitsrc *g, cb_hash *env, cb_diags *d, cb_error *err);
/* The personal-data check's deny-list of names into *out (caller frees);
 * returns as cb_site_load_settings does. */
int cb_site_load_pii_names(cb_site *site, cb_gitsrc *g, cb_hash *env, struct cb_pii_names **out, cb_diags *d,
			   cb_error *err);

#endif
