/* tokenize: see tokenize.h. */
#include "tokenize.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct cb_tokenizer {
	sqlite3 *db;
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
};

/* SQLite hands out its FTS5 interface through a pointer-passing query. */
static fts5_api *S_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

int cb_tokenizer_new(cb_tokenizer **out, cb_error *err)
{
	*out = NULL;
	cb_tokenizer *t = cb_xcalloc(1, sizeof *t);
	if (sqlite3_open_v2(":memory:", &t->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0, "cannot open an in-memory SQLite database");
		cb_tokenizer_free(t);
		return -1;
	}
	fts5_api *api = S_fts5_api(t->db);
	void *ud = NULL;
	if (!api || api->xFindTokenizer(api, "porter", &ud, &t->api) != SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0,
			     "this SQLite has no FTS5 porter tokenizer (FTS5 is needed for search)");
		cb_tokenizer_free(t);
		return -1;
	}
	const char *args[] = {"unicode61", "remove_diacritics", "2"};
	if (t->api.xCreate(ud, args, 3, &t->tok) != SQLITE_OK) {
		t->tok = NULL;
		cb_error_set(err, NULL, 0, 0, "cannot create the FTS5 tokenizer '%s'", CB_FTS_TOKENIZE);
		cb_tokenizer_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void cb_tokenizer_free(cb_tokenizer *t)
{
	if (!t)
		return;
	if (t->tok)
		t->api.xDelete(t->tok);
	sqlite3_close(t->db);
	free(t);
}

typedef struct S_run {
	cb_token_fn fn;
	void *ctx;
} S_run;

static int S_token(void *ctx, int tflags, const char *tok, int len, int start, int end)
{
	(void)tflags;
	S_run *r = ctx;
	return r->fn(r->ctx, tok, len, start, end) ? SQLITE_DONE : SQLITE_OK;
}

int cb_tokenizer_run(cb_tokenizer *t, const char *s, size_t n, cb_token_fn fn, void *ctx)
{
	if (n > INT_MAX)
		return -1;
	S_run r = {fn, ctx};
	int rc = t->api.xTokenize(t->tok, &r, FTS5_TOKENIZE_DOCUMENT, s, (int)n, S_token);
	return rc == SQLITE_OK ? 0 : -1;
}

static int S_collect(void *ctx, const char *tok, int len, int start, int end)
{
	(void)start;
	(void)end;
	cb_strv_push_own(ctx, cb_xstrndup(tok, (size_t)len));
	return 0;
}

int cb_tokenizer_tokens(cb_tokenizer *t, const char *s, size_t n, cb_strv *out)
{
	return cb_tokenizer_run(t, s, n, S_collect, out);
}
