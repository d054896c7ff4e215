/*
 * tokenize: the index's own tokenizer — SQLite FTS5's "porter unicode61
 * remove_diacritics 2" — called directly, so that everything casebook does
 * with words outside SQL (the browser shards, synonym matching, the query
 * parser's checks) sees exactly the tokens the index holds.
 *
 * This module and the rest of search/ are the only code that includes
 * sqlite3.h.
 */
#ifndef CB_TOKENIZE_H
#define CB_TOKENIZE_H

#include <stddef.h>

#include "diag.h"
#include "util.h"

struct sqlite3;
struct fts5_api;

/* SQLite's FTS5 interface on db, which it hands out through a
 * pointer-passing query (for registering tokenizers and functions), or
 * NULL. */
struct fts5_api *cb_fts5_api(struct sqlite3 *db);

/* The tokenizer arguments of every FTS5 table casebook creates. */
#define CB_FTS_TOKENIZE "porter unicode61 remove_diacritics 2"

typedef struct cb_tokenizer cb_tokenizer;

/* One token: its folded, stemmed bytes (not NUL-terminated) and the byte
 * range of the text it came from. Return non-zero to stop. */
typedef int (*cb_token_fn)(void *ctx, const char *tok, int len, int start, int end);

/* A tokenizer on its own in-memory database. Returns 0, or -1 with err. */
int cb_tokenizer_new(cb_tokenizer **t, cb_error *err);
void cb_tokenizer_free(cb_tokenizer *t); /* NULL-safe */
/* Calls fn for each token of s[0..n), in order; fn returning non-zero
 * stops early. Returns 0, or -1 when the tokenizer failed. */
int cb_tokenizer_run(cb_tokenizer *t, const char *s, size_t n, cb_token_fn fn, void *ctx);
/* Appends the tokens of s[0..n) to out (copies). */
int cb_tokenizer_tokens(cb_tokenizer *t, const char *s, size_t n, cb_strv *out);

/*
 * A tap: lets the code that fills an FTS5 table see the tokens FTS5 itself
 * produces, so that a document is tokenized once for both the database and
 * the browser index. It registers, on one connection only, a tokenizer
 * named "porter" that hides the built-in one: it creates the built-in
 * tokenizer underneath with the same arguments and passes every token on
 * unchanged, so the tables are declared exactly as before and the index
 * holds the same bytes; the stock sqlite3 shell, or `casebook search`, opens
 * the file with SQLite's own tokenizer. While a sink is set, each text FTS5
 * tokenizes as a document (one column of one row, in column order) is also
 * handed to the sink: begin, then its tokens, then end.
 */
typedef struct cb_token_sink {
	void (*begin)(void *ctx);
	cb_token_fn token;
	void (*end)(void *ctx);
	void *ctx;
} cb_token_sink;

typedef struct cb_tokenizer_tap cb_tokenizer_tap;
struct sqlite3; /* sqlite3.h stays out of the headers of search/ */

/* Installs a tap on db (an sqlite3 connection) before any FTS5 table of
 * db is opened. The tap belongs to db and is freed when db is closed.
 * Returns 0, or -1 with err. */
int cb_tokenizer_tap_install(struct sqlite3 *db, cb_tokenizer_tap **tap, cb_error *err);
/* Sets the sink (copied; NULL for none) for the texts tokenized from now
 * on. */
void cb_tokenizer_tap_sink(cb_tokenizer_tap *tap, const cb_token_sink *sink);

#endif
