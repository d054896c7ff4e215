/*
 * index: the search index a build writes, in two separate steps:
 *
 *   the database   an SQLite FTS5 file (one row per document, one per
 *                  learning point, with the taxonomy's themes and synonyms),
 *                  written to any path: every build's own in the private
 *                  folder (.casebook/search-<audience>.db, read by
 *                  `casebook search`), casebook.db in the output with
 *                  --with-db, and the one casebook.query asks (plugin.h);
 *   the browser    the same index exported as sharded .js files under
 *                  search/ of the output (see shards.h), from the postings
 *                  the database step gathered while FTS5 tokenized.
 *
 * Only documents of the site model go in: the site has already dropped
 * everything outside the build's audience, so nothing excluded can leave a
 * term, title or count here. A new database has its documents inserted in
 * site order, so one commit always gives the same bytes; the private one
 * is updated in place from build to build (cb_index_update_db), and its
 * rows are then not in site order: doc_order is.
 */
#ifndef CB_INDEX_H
#define CB_INDEX_H

#include <stddef.h>

#include "diag.h"
#include "postings.h"
#include "site.h"
#include "writer.h"

/* The database's schema version, stored in its meta table and checked by
 * `casebook search`. */
#define CB_SEARCH_SCHEMA 5
/* The database file name in the output folder (--with-db). */
#define CB_SEARCH_DB "casebook.db"

/* BM25 column weights of docs_fts (title, summary, themes, body): a title
 * match outranks a summary match, which outranks one in the body. */
#define CB_W_TITLE 10.0
#define CB_W_SUMMARY 5.0
#define CB_W_THEMES 3.0
#define CB_W_BODY 1.0
/* BM25 column weights of learning_fts (text, themes): a learning point's
 * own words, and the labels of its own themes, weighted as a document's
 * body and themes are. */
#define CB_WP_TEXT 1.0
#define CB_WP_THEMES 3.0

typedef struct cb_index_stats {
	size_t docs;	    /* documents indexed */
	size_t learning;    /* learning points indexed */
	size_t terms;	    /* distinct terms */
	size_t shards;	    /* term shard files */
	size_t shard_bytes; /* bytes of all browser files (shards, metadata, texts) */
	size_t db_bytes;    /* size of the database file */
	size_t reused;	    /* documents an update kept as they were (cb_index_update_db) */
} cb_index_stats;

/* Writes a new search database for site at path, replacing whatever was
 * there; the file is owner-only (0600). It is only complete once this
 * returns 0, so a caller that must never show a half-written database
 * writes to a temporary name and renames it. When p is not NULL, the
 * tokens FTS5 makes of each document are added to it in site order, for
 * cb_index_write_browser; p is then finished (cb_postings_finish). Returns
 * 0, or -1 with err. stats may be NULL; this step clears it and fills
 * docs, learning and db_bytes. */
int cb_index_write_db(const cb_site *site, const char *path, cb_postings *p, cb_index_stats *stats,
		      cb_error *err);

/* As cb_index_write_db, for the private database of a build that has one
 * (.casebook/search-<audience>.db): the database also keeps, for each
 * document, a hash of what its rows were made of and the tokens FTS5 made
 * of it, under ident (the build cache's, cache.h: this very casebook).
 * When old is such a database of the same ident, it is copied to path and
 * only changed there: the documents gone or changed are deleted, the
 * changed and new ones inserted, and the unchanged ones' kept tokens go to
 * p. Otherwise (old NULL or missing, ident NULL, another ident or schema,
 * or more than about half the documents changed) path is written whole.
 * Either way the database answers every search as a new one would
 * (document rows are not in site order, doc_order is). old itself is never
 * changed. stats->reused counts the documents kept. */
int cb_index_update_db(const cb_site *site, const char *old, const char *path, const char *ident,
		       cb_postings *p, cb_index_stats *stats, cb_error *err);

/* Writes the browser index of site under search/ in w from p (filled by
 * cb_index_write_db for the same site), and the browser search's scripts
 * (the files of web_dir) beside it. Returns 0, or -1 with err. stats may be
 * NULL; this step fills terms, shards and shard_bytes. */
int cb_index_write_browser(const cb_site *site, cb_postings *p, const char *web_dir, cb_writer *w,
			   cb_index_stats *stats, cb_error *err);

#endif
