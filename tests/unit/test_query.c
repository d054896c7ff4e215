/* Unit tests for the search query parser (search/query.c) and synonym
 * expansion, with the index's real tokenizer (SQLite FTS5 porter
 * unicode61, search/tokenize.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "tokenize.h"
#include "util.h"

static cb_tokenizer *S_tk;

static int S_tok(void *ctx, const char *s, size_t n, cb_strv *out)
{
	return cb_tokenizer_tokens(ctx, s, n, out);
}

static const cb_synonym S_syn[] = {
    {"DNA", "was-not-brought", "Was not brought"},
    {"did not attend", "was-not-brought", "Was not brought"},
    {"not brought", "was-not-brought", "Was not brought"},
    {"missed appointments", "was-not-brought", "Was not brought"},
    {"NAI", "non-mobile-bruising", "Bruising in non-mobile babies"},
    {"NAI", "physical-abuse", "Physical abuse"},
    {"exploitation", "cse", "Child sexual exploitation"},
    {"exploitation", "cce-county-lines", "Criminal exploitation and county lines"},
    {"co-sleeping", "safer-sleep", "Safer sleep"},
};
static const size_t S_nsyn = sizeof S_syn / sizeof S_syn[0];

static int S_setup(void **state)
{
	cb_error err;
	return cb_tokenizer_new(&S_tk, &err);
}

static int S_teardown(void **state)
{
	cb_tokenizer_free(S_tk);
	return 0;
}

/* The FTS5 expression for q, or "ERROR:<message>". Caller frees. */
static char *S_fts(const char *q)
{
	cb_query query;
	cb_error err = CB_ERROR_INIT;
	if (cb_query_parse(q, S_syn, S_nsyn, S_tok, S_tk, &query, &err) != 0) {
		cb_query_free(&query);
		return cb_xasprintf("ERROR:%s", err.msg);
	}
	char *s = cb_query_fts(&query, "themes");
	cb_query_free(&query);
	return s;
}

#define EXPECT_FTS(q, want)                                                                                  \
	do {                                                                                                 \
		char *got_ = S_fts(q);                                                                       \
		assert_string_equal(got_, want);                                                             \
		free(got_);                                                                                  \
	} while (0)

/* Asserts q is rejected with a message starting with prefix. */
static void S_rejects(const char *q, const char *prefix, int col)
{
	cb_query query;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(cb_query_parse(q, S_syn, S_nsyn, S_tok, S_tk, &query, &err), -1);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
		fail_msg("query '%s': message '%s' does not start with '%s'", q, err.msg, prefix);
	assert_int_equal(err.col, col);
	assert_null(query.groups);
	cb_query_free(&query);
}

static void test_tokenizer_is_fts5_porter(void **state)
{
	cb_strv t = CB_STRV_INIT;
	const char *s = "Missed APPOINTMENTS, café naïve co-sleeping relational 42 a";
	assert_int_equal(cb_tokenizer_tokens(S_tk, s, strlen(s), &t), 0);
	const char *want[] = {"miss", "appoint", "cafe", "naiv", "co", "sleep", "relat", "42", "a"};
	assert_int_equal(t.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < t.n; i++)
		assert_string_equal(t.v[i], want[i]);
	cb_strv_free(&t);
}

static void S_tap_begin(void *ctx)
{
	cb_strv_push(ctx, "<");
}

static int S_tap_token(void *ctx, const char *tok, int len, int start, int end)
{
	cb_strv_push_own(ctx, cb_xstrndup(tok, (size_t)len));
	return 0;
}

static void S_tap_end(void *ctx)
{
	cb_strv_push(ctx, ">");
}

static int S_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The tap hands over the tokens FTS5 indexes, column by column, while a
 * sink is set, and changes nothing in the table. */
static void test_tokenizer_tap(void **state)
{
	sqlite3 *db = NULL;
	cb_error err;
	cb_tokenizer_tap *tap = NULL;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(cb_tokenizer_tap_install(db, &tap, &err), 0);
	assert_int_equal(
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='" CB_FTS_TOKENIZE "')", NULL,
			 NULL, NULL),
	    SQLITE_OK);
	cb_strv got = CB_STRV_INIT;
	cb_token_sink sink = {S_tap_begin, S_tap_token, S_tap_end, &got};
	cb_tokenizer_tap_sink(tap, &sink);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO t VALUES('Missed APPOINTMENTS, café', 'naïve co-sleeping');"
			 "INSERT INTO t VALUES('', '42')",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	cb_tokenizer_tap_sink(tap, NULL);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES('sleeping', 'unseen')", NULL, NULL, NULL),
			 SQLITE_OK);
	const char *want[] = {"<",     "miss", "appoint", "cafe", ">", "<",  "naiv", "co",
			      "sleep", ">",    "<",	  ">",	  "<", "42", ">"};
	assert_int_equal(got.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.v[i], want[i]);
	/* Queries, tokenized with the tap and no sink, see every row. */
	assert_int_equal(S_count(db, "SELECT count(*) FROM t('sleep')"), 2);
	assert_int_equal(S_count(db, "SELECT count(*) FROM t('appointment')"), 1);
	assert_int_equal(S_count(db, "SELECT count(*) FROM t('unseen')"), 1);
	cb_strv_free(&got);
	sqlite3_close(db);
}

static void test_words_and_phrases(void **state)
{
	EXPECT_FTS("safeguarding", "\"safeguarding\"");
	EXPECT_FTS("  health   visitor ", "\"health\" AND \"visitor\"");
	EXPECT_FTS("\"information sharing\" GP", "\"information sharing\" AND \"GP\"");
	EXPECT_FTS("safeguard*", "\"safeguard\" *");
	EXPECT_FTS("\"child prot\"*", "\"child prot\" *");
	EXPECT_FTS("pre-birth", "\"pre-birth\"");
}

static void test_prefix_cut_inside_a_suffix(void **state)
{
	/* "escalat" stems to itself; escalate, escalation, escalating all
	 * stem to "escal", which the completed form finds; the typed form
	 * is covered by it and left out. */
	EXPECT_FTS("escalat*", "\"escalate\" *");
	EXPECT_FTS("investigat*", "\"investigate\" *");
	/* Nothing shorter than the typed stem: the typed form alone. */
	EXPECT_FTS("safeguard*", "\"safeguard\" *");
	/* Alternatives of an OR, exclusions, and a phrase's last word. */
	EXPECT_FTS("escalat* OR sofa", "(\"escalate\" * OR \"sofa\")");
	EXPECT_FTS("neglect -escalat*", "(\"neglect\") NOT (\"escalate\" *)");
	EXPECT_FTS("\"missed appoint\"*", "\"missed appoint\" *");
	EXPECT_FTS("\"failure to escalat\"*", "\"failure to escalate\" *");
	/* FTS5 syntax stays inside the quotes in every form. */
	EXPECT_FTS("col:escalat*", "\"col:escalate\" *");
}

static void test_or_and_exclusions(void **state)
{
	/* OR binds tighter than the implicit AND. */
	EXPECT_FTS("a1 bruising OR bruise c1", "\"a1\" AND (\"bruising\" OR \"bruise\") AND \"c1\"");
	EXPECT_FTS("x1 OR y1 OR z1", "(\"x1\" OR \"y1\" OR \"z1\")");
	EXPECT_FTS("neglect -audit", "(\"neglect\") NOT (\"audit\")");
	EXPECT_FTS("neglect -audit -\"action plan\"", "(\"neglect\") NOT (\"audit\" OR \"action plan\")");
	/* A lower-case or is a word. */
	EXPECT_FTS("this or that", "\"this\" AND \"or\" AND \"that\"");
	/* A '-' inside a word is part of it. */
	EXPECT_FTS("co-ordination", "\"co-ordination\"");
}

static void test_fts5_syntax_is_quoted(void **state)
{
	/* Nothing the user types is read as FTS5 syntax. */
	EXPECT_FTS("NEAR(a b) title:x ^y AND",
		   "\"NEAR(a\" AND \"b)\" AND \"title:x\" AND \"^y\" AND \"AND\"");
	EXPECT_FTS("{body}: NOT", "\"{body}:\" AND \"NOT\"");
	/* Punctuation-only words are dropped, the rest kept. */
	EXPECT_FTS("neglect & ... abuse", "\"neglect\" AND \"abuse\"");
}

/* A search of thousands of words is refused with a message at once (5,000
 * repeated words took minutes); CB_QUERY_MAX_WORDS are still taken. */
static void test_too_many_words(void **state)
{
	cb_buf b = CB_BUF_INIT;
	for (int i = 0; i < 5000; i++)
		cb_buf_puts(&b, "neglect ");
	S_rejects(b.data, "the search has more than 64 words; a search may have at most 64", 0);
	cb_buf_free(&b);
	cb_buf_puts(&b, "\"");
	for (int i = 0; i < 100; i++)
		cb_buf_puts(&b, "did not attend ");
	cb_buf_puts(&b, "\"");
	S_rejects(b.data, "the search has more than 64 words", 0); /* a phrase counts its words */
	cb_buf_free(&b);
	for (int i = 0; i < CB_QUERY_MAX_WORDS; i++)
		cb_buf_puts(&b, "neglect ");
	char *fts = S_fts(b.data);
	assert_non_null(fts);
	free(fts);
	cb_buf_free(&b);
}

static void test_malformed_queries(void **state)
{
	S_rejects("\"did not", "the quote at column 1 is never closed", 1);
	S_rejects("neglect \"did not", "the quote at column 9 is never closed", 9);
	S_rejects("neglect - audit", "a '-' on its own at column 9", 9);
	S_rejects("neglect -", "a '-' on its own at column 9", 9);
	S_rejects("OR neglect", "OR at column 1 needs a word to search for on each side", 1);
	S_rejects("neglect OR", "OR at column 9 needs a word to search for on each side", 9);
	S_rejects("neglect OR OR abuse", "OR at column 9 needs a word", 9);
	S_rejects("neglect OR -audit", "OR at column 9 is next to a word left out with '-'", 9);
	S_rejects("", "the search is empty", 0);
	S_rejects("   \t ", "the search is empty", 0);
	S_rejects("!!! ???", "there is nothing to search for", 0);
	S_rejects("-audit", "the search only leaves words out", 0);
	S_rejects("*", "the '*' at column 1 is not at the end of a word", 1);
	S_rejects("safe*guard", "the '*' at column 5 is not at the end of a word", 5);
	S_rejects("ab -*", "the '*' at column 5 is not at the end of a word", 5);
	/* Columns count characters, not bytes. */
	S_rejects("café \"x", "the quote at column 6 is never closed", 6);
}

static void test_synonyms(void **state)
{
	EXPECT_FTS("DNA", "(\"DNA\" OR {themes} : \"Was not brought\")");
	EXPECT_FTS("dna", "(\"dna\" OR {themes} : \"Was not brought\")");
	/* Several words, compared after stemming (attended ~ attend). */
	EXPECT_FTS("Did not attended",
		   "((\"Did\" AND \"not\" AND \"attended\") OR {themes} : \"Was not brought\")");
	EXPECT_FTS("\"did not attend\"", "(\"did not attend\" OR {themes} : \"Was not brought\")");
	/* The longest run wins; other words stay as they were. */
	EXPECT_FTS(
	    "children not brought home",
	    "\"children\" AND ((\"not\" AND \"brought\") OR {themes} : \"Was not brought\") AND \"home\"");
	EXPECT_FTS("missed appointment",
		   "((\"missed\" AND \"appointment\") OR {themes} : \"Was not brought\")");
	/* A synonym of two themes expands to both. */
	EXPECT_FTS(
	    "NAI",
	    "(\"NAI\" OR {themes} : \"Bruising in non-mobile babies\" OR {themes} : \"Physical abuse\")");
	/* An OR operand that is a synonym. */
	EXPECT_FTS("neglect OR DNA", "(\"neglect\" OR \"DNA\" OR {themes} : \"Was not brought\")");
	/* A hyphenated synonym typed as one word. */
	EXPECT_FTS("co-sleeping", "(\"co-sleeping\" OR {themes} : \"Safer sleep\")");
	/* Prefixes and exclusions are never expanded. */
	EXPECT_FTS("DNA*", "\"DNA\" *");
	EXPECT_FTS("neglect -DNA", "(\"neglect\") NOT (\"DNA\")");
}

static void test_expansions_are_reported(void **state)
{
	cb_query q;
	cb_error err;
	assert_int_equal(cb_query_parse("WNB exploitation DNA", S_syn, S_nsyn, S_tok, S_tk, &q, &err), 0);
	/* WNB is not in this list; exploitation has two themes; DNA one. */
	assert_int_equal(q.nexp, 3);
	assert_string_equal(q.exp[0].typed, "exploitation");
	assert_string_equal(q.exp[0].theme, "cse");
	assert_string_equal(q.exp[1].theme, "cce-county-lines");
	assert_string_equal(q.exp[2].typed, "DNA");
	assert_string_equal(q.exp[2].label, "Was not brought");
	assert_int_equal(q.ngroups, 3);
	assert_int_equal(q.groups[1].n, 3);
	assert_true(q.groups[1].alts[1].terms[0].themes);
	assert_string_equal(q.groups[1].alts[1].terms[0].tokens.v[0], "child");
	cb_query_free(&q);
	cb_query_free(NULL);
}

static void test_no_synonyms(void **state)
{
	cb_query q;
	cb_error err;
	assert_int_equal(cb_query_parse("DNA", NULL, 0, S_tok, S_tk, &q, &err), 0);
	char *s = cb_query_fts(&q, "themes");
	assert_string_equal(s, "\"DNA\"");
	assert_int_equal(q.nexp, 0);
	free(s);
	cb_query_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokenizer_is_fts5_porter),
	    cmocka_unit_test(test_words_and_phrases),
	    cmocka_unit_test(test_prefix_cut_inside_a_suffix),
	    cmocka_unit_test(test_or_and_exclusions),
	    cmocka_unit_test(test_fts5_syntax_is_quoted),
	    cmocka_unit_test(test_malformed_queries),
	    cmocka_unit_test(test_synonyms),
	    cmocka_unit_test(test_expansions_are_reported),
	    cmocka_unit_test(test_no_synonyms),
	    cmocka_unit_test(test_tokenizer_tap),
	    cmocka_unit_test(test_too_many_words),
	};
	return cmocka_run_group_tests(tests, S_setup, S_teardown);
}
