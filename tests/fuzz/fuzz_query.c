/* libFuzzer target: arbitrary bytes as a search query, through the query
 * parser and synonym expansion (with the index's real tokenizer), then the
 * FTS5 expression it writes is run against a real FTS5 table: whatever a
 * user types must either be rejected with a message or give an expression
 * SQLite accepts — never an FTS5 syntax error or a crash. */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "tokenize.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_tokenizer *S_tk;
static sqlite3 *S_db;
static sqlite3_stmt *S_st;

static int S_tok(void *ctx, const char *s, size_t n, cb_strv *out)
{
	return cb_tokenizer_tokens(ctx, s, n, out);
}

static const cb_synonym S_syn[] = {
    {"DNA", "was-not-brought", "Was not brought"},
    {"did not attend", "was-not-brought", "Was not brought"},
    {"NAI", "non-mobile-bruising", "Bruising in non-mobile babies"},
    {"NAI", "physical-abuse", "Physical \"abuse\""},
    {"co-sleeping", "safer-sleep", "Safer sleep"},
};

static void S_init(void)
{
	cb_error err;
	if (cb_tokenizer_new(&S_tk, &err) != 0 || sqlite3_open(":memory:", &S_db) != SQLITE_OK ||
	    sqlite3_exec(
		S_db,
		"CREATE VIRTUAL TABLE f USING fts5(title, summary, themes, body, tokenize='" CB_FTS_TOKENIZE
		"');"
		"INSERT INTO f VALUES('Missed appointments', 'Did not attend', 'Was not brought', 'DNA NAI "
		"co-sleeping café');",
		NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(S_db, "SELECT rowid, bm25(f, 10.0, 5.0, 3.0, 1.0) FROM f WHERE f MATCH ?1", -1,
			       &S_st, NULL) != SQLITE_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!S_tk)
		S_init();
	char *q = cb_xstrndup((const char *)data, size); /* a query is a C string */
	cb_query query;
	cb_error err;
	if (cb_query_parse(q, S_syn, sizeof S_syn / sizeof S_syn[0], S_tok, S_tk, &query, &err) == 0) {
		char *fts = cb_query_fts(&query, "themes");
		sqlite3_bind_text(S_st, 1, fts, -1, SQLITE_STATIC);
		int rc;
		while ((rc = sqlite3_step(S_st)) == SQLITE_ROW)
			;
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "query %s gave FTS5 expression %s: %s\n", q, fts,
				sqlite3_errmsg(S_db));
			abort();
		}
		sqlite3_reset(S_st);
		free(fts);
	} else if (!err.msg[0]) {
		abort(); /* a rejection always says why */
	}
	cb_query_free(&query);
	free(q);
	return 0;
}
