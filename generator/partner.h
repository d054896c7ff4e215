/*
 * partner: the partner repositories a hub builds with its own documents —
 * the 'sources:' list of casebook.yml — and casebook.lock, the committed
 * file pinning each one to a commit, so that one hub commit builds the
 * same output anywhere without the network.
 *
 * Only settings and text are handled here; fetching is gitsrc's
 * (cb_gitsrc_mirror) and loading the documents is site's.
 */
#ifndef CB_PARTNER_H
#define CB_PARTNER_H

#include <stddef.h>

#include "diag.h"
#include "schema.h"
#include "util.h"

struct cb_ynode;

/* How a source's url reaches its repository. */
typedef enum {
	CB_URL_RELATIVE, /* a path relative to the hub repository's root */
	CB_URL_ABSOLUTE, /* an absolute path */
	CB_URL_FILE,	 /* file:///path */
	CB_URL_HTTPS,	 /* https://host/path */
	CB_URL_SSH	 /* ssh://[user@]host/path or user@host:path */
} cb_url_kind;

/* One entry of 'sources:'. */
typedef struct cb_partner {
	char *name; /* [a-z0-9-]+, unique; pages go to documents/<name>/ */
	char *url;  /* as written */
	cb_url_kind kind;
	char *ref;   /* branch, tag or commit to pin; NULL: the remote's HEAD */
	char *label; /* the partnership's name for people, e.g. "Walsby Safeguarding Partnership"; may be NULL
		      */
	char *area;  /* the area its documents belong to when they name none; may be NULL */
	char *content; /* its content folder; default "content" */
	/* The most sensitive documents it may contribute; default public.
	 * Its documents above this are never read into any build. */
	cb_visibility max_visibility;
	cb_strv theme_from, theme_to; /* themes: {their-id: our-id}, pairwise */
	int line, col;		      /* where the entry starts in casebook.yml */
} cb_partner;

/* Parses the value v of 'sources:' (a list of mappings) into *out (*n
 * entries; caller frees with cb_partners_free). Problems go to d at their
 * line and column in file; an entry in error is left out. */
void cb_partners_parse(const struct cb_ynode *v, const char *file, cb_partner **out, size_t *n, cb_diags *d);
void cb_partners_free(cb_partner *v, size_t n);
/* What pages call the partnership: its label, else its area, else its
 * name. */
const char *cb_partner_label(const cb_partner *p);
/* The entry named name (NULL: none), or NULL. */
const cb_partner *cb_partner_find(const cb_partner *v, size_t n, const char *name);
/* The hub's theme id for a source's theme id: the mapped one, or id itself
 * when the map does not name it. */
const char *cb_partner_theme(const cb_partner *p, const char *id);
/* Where git finds the repository: url itself, except a relative path,
 * joined to hub_root (the hub's working folder, or its git folder when
 * bare). Caller frees. */
char *cb_partner_location(const cb_partner *p, const char *hub_root);

/* Where source name's mirror is kept inside the hub's private folder priv
 * (private.h): <priv>/sources/<name>.git. Caller frees. */
char *cb_partner_mirror(const char *priv, const char *name);

/* One line of casebook.lock: "NAME COMMIT URL". */
typedef struct cb_pin {
	char *name;
	char commit[41];
	char *url;
	int line;
} cb_pin;

/* Parses casebook.lock (text NULL: no file, no pins). Blank lines and
 * lines starting with '#' are skipped. Malformed lines go to d as errors
 * at file:line:col and are left out. Returns -1 when any line was bad. */
int cb_lock_parse(const char *text, size_t len, const char *file, cb_pin **out, size_t *n, cb_diags *d);
/* The pin named name, or NULL. */
const cb_pin *cb_lock_find(const cb_pin *v, size_t n, const char *name);
/* casebook.lock's text: a comment line, then one line per pin sorted by
 * name (v is sorted in place). Caller frees. */
char *cb_lock_format(cb_pin *v, size_t n);
void cb_lock_free(cb_pin *v, size_t n);

#endif
