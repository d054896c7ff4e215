/*
 * cache: what earlier builds worked out, kept so that a rebuild redoes only
 * the work whose inputs changed. One SQLite file in the repository's
 * private folder (.casebook/cache.db, which git ignores; beside the default
 * output public/) — never beside an output folder elsewhere, because it
 * holds every document, restricted ones included, and the folder around a
 * published site may itself be published.
 *
 * It holds
 * - documents: a document's checked front matter, personal-data findings,
 *   rendered Markdown and diagnostics, keyed by its path and blob id and by
 *   a hash of everything else they depend on (casebook's version, the
 *   configuration, taxonomy and name list, the audience). Links are
 *   dependencies too: the record lists what each link resolved to, and is
 *   used only when every link still resolves the same way.
 * - pages: for each output file, a hash of what it was made from (its
 *   template data and the templates), with the file's size, change time
 *   and inode as written, so an unchanged page is linked from the previous
 *   output instead of being made again (writer.h).
 * - history: the history walk's result at a commit (gitsrc.h), so a
 *   rebuild walks only the commits made since.
 * - hooks: what a plugin's document hook did to one document, with what it
 *   read (plugin.h's cb_plugin_memo), so a rebuild runs a document hook
 *   again only where what it reads changed.
 *
 * Every record carries a checksum of its contents; a damaged record (a bit
 * flipped on the disk) is treated as missing, and its work done again.
 *
 * The cache is only an accelerator: a missing, corrupt, locked or stale
 * file is started afresh (or, failing that, the build goes on without it,
 * with a warning), and every build gives the same bytes with or without it.
 */
#ifndef CB_CACHE_H
#define CB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "gitsrc.h"
#include "markdown.h"
#include "schema.h"
#include "util.h"
#include "value.h"
#include "writer.h"

typedef struct cb_cache cb_cache;

/* Bumped whenever a record's layout or meaning changes (3: audience
 * values are agency ids; 4: the Markdown's links and tables; 5: plugins'
 * document hooks' results; 6: a document's body apart from the rest of
 * its record, with its points' themes); part of every key. */
#define CB_CACHE_FORMAT 6

/* Opens (creating folder and file as needed) the cache at path for this
 * casebook version. A file that cannot be used is replaced; when even that
 * fails, returns NULL and adds a warning to d, and the build goes on
 * without a cache. */
cb_cache *cb_cache_open(const char *path, const char *version, cb_diags *d);
void cb_cache_close(cb_cache *c); /* NULL-safe */
const char *cb_cache_version(const cb_cache *c);

/* Documents. A reader is one connection, for one thread. */
typedef struct cb_cache_reader cb_cache_reader;
cb_cache_reader *cb_cache_reader_open(cb_cache *c); /* NULL when c is NULL or on failure */
void cb_cache_reader_close(cb_cache_reader *r);	    /* NULL-safe */

/* A document's cached results (see the top of this file). */
typedef struct cb_link_dep {
	char *path; /* the link's target as resolved against the repository */
	int status; /* cb_link_status */
	char *href; /* for CB_LINK_OK */
} cb_link_dep;

typedef struct cb_doc_record {
	cb_diags front; /* front matter, schema and personal-data diagnostics */
	cb_meta meta;
	cb_diags body;	   /* Markdown diagnostics */
	cb_mdoc md;	   /* md.links are not used: see links */
	cb_strv links;	   /* paths of linked documents, in md.links order */
	cb_link_dep *deps; /* every link resolution the Markdown asked for */
	size_t ndeps;
	/* Each learning point's themes (md.nlearning of them; learning.h's
	 * cb_doc_classify, with meta's themes as it left them); NULL when not
	 * worked out (a document the build left out). */
	cb_strv *pthemes;
} cb_doc_record;

void cb_doc_record_free(cb_doc_record *r);

/* Looks up path: fills out and returns true when the record was made from
 * blob oid under env; false otherwise (out untouched). Everything but the
 * Markdown's results and the points' themes (out->md stays empty, pthemes
 * NULL) and the body's HTML and text: a document this build leaves out
 * never needs them, so cb_cache_doc_md and cb_cache_doc_body read them
 * when asked. */
bool cb_cache_doc_get(cb_cache_reader *r, const char *path, const char *oid, const char *env,
		      cb_doc_record *out);

/* Adds to rec, which the last cb_cache_doc_get on r filled, that record's
 * Markdown results (md but its HTML and text) and points' themes. False
 * (rec as it was) when there is no such record or that part is damaged;
 * then the record must not be used. */
bool cb_cache_doc_md(cb_cache_reader *r, cb_doc_record *rec);

/* The body's HTML and text of the record the last cb_cache_doc_get on r
 * found, borrowed: valid until r's next call. Either may be NULL (none
 * recorded). False when there is no such record or its body is damaged
 * (then the record must not be used either). */
typedef struct cb_doc_body {
	const char *html, *text; /* not NUL-terminated */
	size_t html_len, text_len;
} cb_doc_body;
bool cb_cache_doc_body(cb_cache_reader *r, cb_doc_body *out);

/* Stores a record (rec stays the caller's), in a transaction that
 * cb_cache_doc_flush commits. Thread-safe; not while a reader is open. */
void cb_cache_doc_put(cb_cache *c, const char *path, const char *oid, const char *env,
		      const cb_doc_record *rec);
/* Commits the records put and drops records of paths not in keep (the
 * documents the repository has now). */
void cb_cache_doc_flush(cb_cache *c, const cb_strv *keep);

/* Pages of one output folder (named by out as given to the build): every
 * recorded file of out, a map from output path to cb_file_key* (owned by
 * the cache, valid until cb_cache_close). */
cb_strmap *cb_cache_pages(cb_cache *c, const char *out);
/* Replaces the records of out with recs (map path -> cb_file_key*). */
void cb_cache_pages_store(cb_cache *c, const char *out, const cb_strmap *recs);

/* Notes: small values kept for this casebook only (dropped with the
 * records when another one opens the cache), such as what an output
 * folder's last personal-data scan passed. NULL when none (caller frees). */
char *cb_cache_note(cb_cache *c, const char *key);
void cb_cache_note_put(cb_cache *c, const char *key, const char *value);

/* History at a commit of the files under dir: the cached result, or 1 when
 * none; 0 when found (caller frees *out with cb_history_free). */
int cb_cache_history_get(cb_cache *c, const char *dir, const char *commit, cb_history **out, size_t *n);
/* The newest commit whose history is cached for dir, or NULL (caller frees). */
char *cb_cache_history_latest(cb_cache *c, const char *dir);
void cb_cache_history_put(cb_cache *c, const char *dir, const char *commit, const cb_history *v, size_t n);

/* Document hooks' results (plugin.h's cb_plugin_memo): every record, a map
 * from key to cb_vpack* (the caller frees the values and the map); damaged
 * records are left out. Empty when c is NULL. */
cb_strmap *cb_cache_hooks(cb_cache *c);
/* Keeps the records of keys — recs[i] a new one (borrowed), or NULL to keep
 * the one stored — and drops every other. */
void cb_cache_hooks_store(cb_cache *c, const cb_strv *keys, cb_vpack *const *recs);

#endif
