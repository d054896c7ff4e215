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

#endif
