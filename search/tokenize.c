/* tokenize: see tokenize.h. */
#include "tokenize.h"

#include <limits.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct cb_tokenizer {
	sqlite3 *db;
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
};

fts5_api *cb_fts5_api(sqlite3 *db)
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
	fts5_api *api = cb_fts5_api(t->db);
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

/* ---- the tap ---- */

struct cb_tokenizer_tap {
	fts5_tokenizer real; /* the built-in porter tokenizer */
	void *real_ud;
	cb_token_sink sink;
	bool has_sink;
};

/* One instance per FTS5 table: the built-in tokenizer it wraps. */
typedef struct S_tapped {
	cb_tokenizer_tap *tap;
	Fts5Tokenizer *inner;
} S_tapped;

static int S_tap_create(void *ud, const char **args, int nargs, Fts5Tokenizer **out)
{
	cb_tokenizer_tap *tap = ud;
	S_tapped *t = cb_xcalloc(1, sizeof *t);
	t->tap = tap;
	int rc = tap->real.xCreate(tap->real_ud, args, nargs, &t->inner);
	if (rc != SQLITE_OK) {
		free(t);
		*out = NULL;
		return rc;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void S_tap_delete(Fts5Tokenizer *p)
{
	S_tapped *t = (S_tapped *)p;
	if (!t)
		return;
	t->tap->real.xDelete(t->inner);
	free(t);
}

typedef struct S_tap_run {
	void *fts_ctx;
	int (*fts_token)(void *, int, const char *, int, int, int);
	const cb_token_sink *sink;
} S_tap_run;

static int S_tap_token(void *ctx, int tflags, const char *tok, int len, int start, int end)
{
	S_tap_run *r = ctx;
	int rc = r->fts_token(r->fts_ctx, tflags, tok, len, start, end);
	if (rc == SQLITE_OK && r->sink->token(r->sink->ctx, tok, len, start, end))
		rc = SQLITE_ABORT;
	return rc;
}

static int S_tap_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int n,
			  int (*token)(void *, int, const char *, int, int, int))
{
	S_tapped *t = (S_tapped *)p;
	cb_tokenizer_tap *tap = t->tap;
	if (!tap->has_sink || !(flags & FTS5_TOKENIZE_DOCUMENT))
		return tap->real.xTokenize(t->inner, ctx, flags, text, n, token);
	S_tap_run r = {ctx, token, &tap->sink};
	if (r.sink->begin)
		r.sink->begin(r.sink->ctx);
	int rc = tap->real.xTokenize(t->inner, &r, flags, text, n, S_tap_token);
	if (r.sink->end)
		r.sink->end(r.sink->ctx);
	return rc;
}

static void S_tap_destroy(void *ud)
{
	free(ud);
}

int cb_tokenizer_tap_install(struct sqlite3 *db, cb_tokenizer_tap **out, cb_error *err)
{
	*out = NULL;
	fts5_api *api = cb_fts5_api(db);
	cb_tokenizer_tap *tap = cb_xcalloc(1, sizeof *tap);
	if (!api || api->xFindTokenizer(api, "porter", &tap->real_ud, &tap->real) != SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0,
			     "this SQLite has no FTS5 porter tokenizer (FTS5 is needed for search)");
		free(tap);
		return -1;
	}
	fts5_tokenizer mine = {S_tap_create, S_tap_delete, S_tap_tokenize};
	/* Registered later than the built-in one, it is the one FTS5 finds
	 * under that name on this connection. */
	if (api->xCreateTokenizer(api, "porter", tap, &mine, S_tap_destroy) != SQLITE_OK) {
		cb_error_set(err, NULL, 0, 0, "cannot register the search index's tokenizer");
		free(tap);
		return -1;
	}
	*out = tap;
	return 0;
}

void cb_tokenizer_tap_sink(cb_tokenizer_tap *tap, const cb_token_sink *sink)
{
	tap->has_sink = sink != NULL;
	if (sink)
		tap->sink = *sink;
}
