/*
 * shards: the search index for the browser, as plain .js files that a page
 * loads with <script> elements (so search works from file://, where fetch
 * and modules do not). Each file calls one function of the global CBS
 * object defined by search/web/search.js:
 *
 *   search/meta.js     CBS.meta({...})      table statistics, shard bounds,
 *                                           per-document lengths, types and
 *                                           themes, synonyms
 *   search/t-N.js      CBS.shard(N, {...})  terms -> postings, a contiguous
 *                                           range of the sorted terms
 *   search/heads.js    CBS.heads({...})     every document's title, address,
 *                                           date, area and point headings: what
 *                                           a result shows before its text loads
 *   search/d-N.js      CBS.docs(N, [...])   titles, links and text of a block
 *                                           of documents, for showing results
 *
 * The postings are the positions the FTS5 tokenizer produced while the
 * database was built, so the browser scores exactly what SQLite indexed.
 * The format is described in search/README.md.
 */
#ifndef CB_SHARDS_H
#define CB_SHARDS_H

#include <stddef.h>

#include "diag.h"
#include "postings.h"
#include "site.h"
#include "util.h"
#include "writer.h"

/* Target size of one term shard, in bytes; a single term may exceed it. */
#define CB_SHARD_TARGET 64000
/* Documents per text block. */
#define CB_DOC_BLOCK 16

typedef struct cb_shard_stats {
	size_t terms, shards, bytes;
} cb_shard_stats;

/* Writes search/meta.js, search/heads.js, search/t-*.js and search/d-*.js for site, whose
 * documents were added to p in site order; reads p's terms back
 * (cb_postings_next), so p takes no more tokens. A text block whose
 * documents' keys are all known (cb_postings_doc_key) is written with a
 * key made of them, and linked from the last output when that output's
 * has the same key (cb_writer_reuse). */
int cb_shards_write(const cb_site *site, cb_postings *p, cb_writer *w, cb_shard_stats *st, cb_error *err);

#endif
