/*
 * index: the search index every build writes — casebook.db, an SQLite
 * FTS5 database (one row per document, one per learning point, with the
 * taxonomy's themes and synonyms) — and the same index exported for the
 * browser as sharded .js files under search/ (see shards.h).
 *
 * Only documents of the site model go in: the site has already dropped
 * everything outside the build's audience, so nothing excluded can leave a
 * term, title or count here. Documents are inserted in site order into a
 * new file, so one commit always gives the same bytes.
 */
#ifndef CB_INDEX_H
#define CB_INDEX_H

#include <stddef.h>

#include "diag.h"
#include "site.h"
#include "writer.h"

/* The database's schema version, stored in its meta table and checked by
 * `casebook search`. */
#define CB_SEARCH_SCHEMA 2
/* The database file name in the output folder. */
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

typedef struct cb_search_stats {
	size_t docs;	    /* documents indexed */
	size_t learning;    /* learning points indexed */
	size_t terms;	    /* distinct terms */
	size_t shards;	    /* term shard files */
	size_t shard_bytes; /* bytes of all browser files (shards, metadata, texts) */
	size_t db_bytes;    /* size of casebook.db */
} cb_search_stats;

/* Writes casebook.db into w's staging folder, and the browser index and
 * the browser search's scripts (the files of web_dir) under search/ in w;
 * with web_dir NULL, the database alone (casebook.query's index, which no
 * browser reads). Returns 0, or -1 with err. stats may be NULL. */
int cb_search_build(const cb_site *site, const char *web_dir, cb_writer *w, cb_search_stats *stats,
		    cb_error *err);

#endif
