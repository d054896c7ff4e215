/* Unit tests for the search index and queries (search/index.c, shards.c,
 * search.c) over a small real repository: ranking, filters, synonyms,
 * snippets, privacy and reproducibility. Run from the repository root
 * (tests/run.sh does), where search/web/ is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "index.h"
#include "rank.h"
#include "search.h"
#include "site.h"
#include "util.h"
#include "testutil.h"
#include "writer.h"

static char *S_tmp;

static void S_sh(const char *cmd)
{
	char *repo = cb_path_join(S_tmp, "repo");
	tu_git(repo, cmd);
	free(repo);
}

static void S_write(const char *rel, const char *text)
{
	char *repo = cb_path_join(S_tmp, "repo");
	tu_write(repo, rel, text);
	free(repo);
}

static char *S_read(const char *dir, const char *rel)
{
	char *base = cb_path_join(S_tmp, dir);
	char *data = tu_read(base, rel);
	free(base);
	return data;
}

/* Builds the index only (no pages) into S_tmp/<dir>, in the two steps a
 * build takes: the database (here inside the output, as --with-db puts it),
 * then the browser's files from its postings; with web NULL, the database
 * alone (what casebook.query builds). */
static void S_build_web(const char *dir, const char *web, cb_index_stats *st)
{
	char *repo = cb_path_join(S_tmp, "repo"), *out = cb_path_join(S_tmp, dir);
	cb_site_opts o = {.repo = repo, .audience = CB_VIS_PUBLIC};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), 0);
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	char *db = cb_path_join(cb_writer_stage_dir(w), "casebook.db");
	cb_postings *p = web ? cb_postings_new() : NULL;
	assert_int_equal(cb_index_write_db(&s, db, p, st, &err), 0);
	if (web)
		assert_int_equal(cb_index_write_browser(&s, p, web, w, st, &err), 0);
	cb_postings_free(p);
	free(db);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	cb_site_free(&s);
	cb_diags_free(&d);
	free(repo);
	free(out);
}

static void S_build(const char *dir, cb_index_stats *st)
{
	S_build_web(dir, "search/web", st);
}

static int setup(void **state)
{
	S_tmp = tu_tmpdir("cbsearch");
	if (!S_tmp)
		return -1;
	char *repo = cb_path_join(S_tmp, "repo");
	cb_mkdir_p(repo);
	free(repo);
	S_sh("git init -q -b main .");
	S_write("content/taxonomy.yml", "themes:\n"
					"  was-not-brought:\n    label: Was not brought\n"
					"    synonyms: [DNA, did not attend]\n"
					"  neglect:\n    label: Neglect\n");
	S_write("content/a.md",
		"---\ntitle: Appointments missed by Baby B\ntype: briefing\ndate: 2023-05-01\n"
		"themes: [was-not-brought]\nsummary: A baby who was not brought.\n---\n\n"
		"## Key learning\n\n- Follow up every missed appointment.\n");
	S_write("content/b.md",
		"---\ntitle: Neglect audit\ntype: audit\ndate: 2024-02-01\nthemes: [neglect]\n---\n\n"
		"The audit found a missed appointment in one case, and drift in plans.\n");
	S_write("content/c.md", "---\ntitle: Supervision ZQXSECRET\ntype: briefing\ndate: 2024-02-02\n"
				"visibility: internal\n---\n\nMissed appointment ZQXSECRET notes.\n");
	S_sh("git add -A && git commit -q -m first");
	return 0;
}

static int teardown(void **state)
{
	cb_rm_rf(S_tmp);
	free(S_tmp);
	return 0;
}

static cb_search *S_open(const char *dir)
{
	char *db = cb_xasprintf("%s/%s/casebook.db", S_tmp, dir);
	cb_search *s;
	cb_error err;
	assert_int_equal(cb_search_open(&s, db, &err), 0);
	free(db);
	return s;
}

static void test_build_writes_db_and_shards(void **state)
{
	cb_index_stats st;
	S_build("one", &st);
	assert_int_equal(st.docs, 2); /* the internal document is left out */
	assert_int_equal(st.learning, 1);
	assert_true(st.db_bytes > 0);
	assert_true(st.shards >= 1);
	char *meta = S_read("one", "search/meta.js");
	assert_non_null(meta);
	assert_non_null(strstr(meta, "CBS.meta({\"v\":2,\"n\":2,"));
	assert_non_null(strstr(meta, "[\"DNA\",1]")); /* themes sorted by label: Neglect, Was not brought */
	free(meta);
	char *engine = S_read("one", "search/search.js");
	assert_non_null(engine);
	free(engine);
	/* Nothing of the internal document anywhere in the index. */
	char *cmd = cb_xasprintf("! grep -rqi zqxsecret '%s/one'", S_tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_ranking_and_snippets(void **state)
{
	cb_search *s = S_open("one");
	cb_search_result r;
	cb_error err;
	/* Documents only, as plugins ask. */
	cb_search_filter docs = {.documents_only = true};
	assert_int_equal(cb_search_run(s, "missed appointments", &docs, 10, &r, &err), 0);
	assert_int_equal(r.total, 2);
	/* A title match outranks a body match. */
	assert_int_equal(r.hits[0].kind, CB_HIT_DOCUMENT);
	assert_string_equal(r.hits[0].path, "content/a.md");
	assert_string_equal(r.hits[0].url, "documents/a.html");
	assert_string_equal(r.hits[0].type, "briefing");
	assert_string_equal(r.hits[1].path, "content/b.md");
	assert_true(r.hits[0].score > r.hits[1].score);
	assert_non_null(strstr(r.hits[1].snippet, "\001missed\002 \001appointment\002"));
	cb_search_result_free(&r);

	/* With the learning point, which links to its section. */
	assert_int_equal(cb_search_run(s, "missed appointments", NULL, 10, &r, &err), 0);
	assert_int_equal(r.total, 3);
	size_t np = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (r.hits[i].kind != CB_HIT_POINT)
			continue;
		np++;
		assert_string_equal(r.hits[i].path, "content/a.md");
		assert_string_equal(r.hits[i].url, "documents/a.html#key-learning");
		assert_string_equal(r.hits[i].heading, "Key learning");
		assert_string_equal(r.hits[i].text, "Follow up every missed appointment.");
		assert_int_equal(r.hits[i].k, 0);
		assert_false(r.hits[i].by_theme);
		assert_non_null(strstr(r.hits[i].snippet, "\001missed\002 \001appointment\002"));
	}
	assert_int_equal(np, 1);
	cb_search_result_free(&r);
	/* The limit counts documents and points alike. */
	assert_int_equal(cb_search_run(s, "missed appointments", NULL, 2, &r, &err), 0);
	assert_int_equal(r.total, 3);
	assert_int_equal(r.n, 2);
	cb_search_result_free(&r);

	assert_int_equal(cb_search_run(s, "missed -audit", NULL, 10, &r, &err), 0);
	assert_int_equal(r.total, 2); /* a.md and its point */
	assert_string_equal(r.hits[0].path, "content/a.md");
	assert_string_equal(r.hits[1].path, "content/a.md");
	cb_search_result_free(&r);

	assert_int_equal(cb_search_run(s, "zzqq", NULL, 10, &r, &err), 0);
	assert_int_equal(r.total, 0);
	cb_search_result_free(&r);
	cb_search_close(s);
}

static void test_synonyms_report_the_theme(void **state)
{
	cb_search *s = S_open("one");
	cb_search_result r;
	cb_error err;
	assert_int_equal(cb_search_run(s, "did not attend", NULL, 10, &r, &err), 0);
	assert_int_equal(r.total, 1);
	assert_string_equal(r.hits[0].path, "content/a.md");
	assert_int_equal(r.hits[0].nthemes, 1);
	assert_string_equal(r.hits[0].themes[0].id, "was-not-brought");
	assert_string_equal(r.hits[0].themes[0].typed, "did not attend");
	cb_search_result_free(&r);
	cb_search_close(s);
}

static void test_filters(void **state)
{
	cb_search *s = S_open("one");
	cb_search_result r;
	cb_error err;
	cb_search_filter f = {.type = "Audit"};
	assert_int_equal(cb_search_run(s, "missed", &f, 10, &r, &err), 0);
	assert_int_equal(r.total, 1);
	assert_string_equal(r.hits[0].path, "content/b.md");
	cb_search_result_free(&r);
	cb_search_filter g = {.theme = "was not brought", .until = 2023};
	assert_int_equal(cb_search_run(s, "missed", &g, 10, &r, &err), 0);
	assert_int_equal(r.total, 1);
	assert_string_equal(r.hits[0].path, "content/a.md");
	cb_search_result_free(&r);
	cb_search_filter h = {.since = 2024};
	assert_int_equal(cb_search_run(s, "missed", &h, 10, &r, &err), 0);
	assert_int_equal(r.total, 1);
	cb_search_result_free(&r);
	cb_search_filter bad = {.theme = "negelct"};
	assert_int_equal(cb_search_run(s, "missed", &bad, 10, &r, &err), -1);
	assert_string_equal(err.msg, "no theme 'negelct' in this index (did you mean 'neglect'?)");
	cb_search_result_free(&r);
	cb_search_filter badtype = {.type = "memo"};
	assert_int_equal(cb_search_run(s, "missed", &badtype, 10, &r, &err), -1);
	assert_non_null(strstr(err.msg, "unknown document type 'memo'"));
	cb_search_result_free(&r);
	cb_search_close(s);
}

static void test_errors_are_plain(void **state)
{
	cb_search *s = S_open("one");
	cb_search_result r;
	cb_error err;
	assert_int_equal(cb_search_run(s, "\"missed", NULL, 10, &r, &err), -1);
	assert_non_null(strstr(err.msg, "never closed"));
	cb_search_result_free(&r);
	cb_search_close(s);
	char *missing = cb_xasprintf("%s/nowhere/casebook.db", S_tmp);
	assert_int_equal(cb_search_open(&s, missing, &err), -1);
	assert_non_null(strstr(err.msg, "run 'casebook build' first"));
	free(missing);
	char *notdb = cb_xasprintf("%s/repo/content/a.md", S_tmp);
	assert_int_equal(cb_search_open(&s, notdb, &err), -1);
	assert_string_equal(err.msg, "not a casebook search index: run 'casebook build' to make one");
	free(notdb);
	cb_search_close(NULL);
}

/* casebook.query's index: the database alone, and a ranking without the
 * hits' details, in the same order and with the same scores. */
static void test_database_alone_and_ranking(void **state)
{
	cb_index_stats st;
	S_build_web("dbonly", NULL, &st);
	assert_true(st.db_bytes > 0);
	assert_int_equal(st.shards, 0);
	char *dir = cb_xasprintf("%s/dbonly/search", S_tmp);
	assert_false(cb_is_dir(dir));
	free(dir);
	cb_search *s = S_open("dbonly");
	cb_search_result full, rank;
	cb_error err;
	/* casebook.query ranks documents only, as a search of documents. */
	cb_search_filter docs = {.documents_only = true};
	assert_int_equal(cb_search_run(s, "missed appointments", &docs, 10, &full, &err), 0);
	assert_int_equal(cb_search_rank(s, "missed appointments", 10, &rank, &err), 0);
	assert_int_equal(rank.n, 2);
	assert_int_equal(rank.n, full.n);
	for (size_t i = 0; i < rank.n; i++) {
		assert_int_equal(rank.hits[i].id, full.hits[i].id);
		assert_true(rank.hits[i].score == full.hits[i].score);
		assert_null(rank.hits[i].title);
		assert_null(rank.hits[i].snippet);
	}
	/* Ids are places in the site (from 1): a.md is the older document,
	 * after b.md in the site's newest-first order. */
	assert_int_equal(rank.hits[0].id, 2);
	assert_string_equal(full.hits[0].path, "content/a.md");
	cb_search_result_free(&full);
	cb_search_result_free(&rank);
	assert_int_equal(cb_search_rank(s, "\"missed", 10, &rank, &err), -1);
	cb_search_result_free(&rank);
	cb_search_close(s);
}

static void test_reproducible(void **state)
{
	S_build("two", NULL);
	S_build("three", NULL);
	char *cmd = cb_xasprintf("cd '%s' && diff -r two three", S_tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* The database step on its own, to any path (as a build writes the private
 * folder's): the same bytes as a build's database, owner-only, and it
 * replaces whatever was at its path. */
static void test_database_file(void **state)
{
	S_build("four", NULL);
	char *repo = cb_path_join(S_tmp, "repo");
	cb_site_opts o = {.repo = repo, .audience = CB_VIS_PUBLIC};
	cb_site s;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, &s, &d, &err), 0);
	char *alone = cb_path_join(S_tmp, "alone.db");
	assert_int_equal(cb_file_write(alone, "not a database", 14), 0);
	chmod(alone, 0644);
	cb_index_stats st;
	assert_int_equal(cb_index_write_db(&s, alone, NULL, &st, &err), 0);
	assert_int_equal(st.docs, 2);
	assert_int_equal(st.shards, 0);
	struct stat sb;
	assert_int_equal(stat(alone, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char *cmd = cb_xasprintf("cmp -s '%s' '%s/four/casebook.db'", alone, S_tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cb_search *q;
	assert_int_equal(cb_search_open(&q, alone, &err), 0);
	cb_search_close(q);
	cb_site_free(&s);
	cb_diags_free(&d);
	free(alone);
	free(repo);
}

/* Loads the repository's site as it is now (caller frees). */
static void S_load(cb_site *s)
{
	char *repo = cb_path_join(S_tmp, "repo");
	cb_site_opts o = {.repo = repo, .audience = CB_VIS_PUBLIC};
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	assert_int_equal(cb_site_load(&o, s, &d, &err), 0);
	cb_diags_free(&d);
	free(repo);
}

/* cb_index_update_db into S_tmp/<name>.db from old (NULL: none), with the
 * browser files into S_tmp/<name>; returns the documents it kept. */
static size_t S_update(const cb_site *s, const char *old, const char *name, const char *ident)
{
	char *db = cb_xasprintf("%s/%s.db", S_tmp, name), *out = cb_path_join(S_tmp, name);
	char *from = old ? cb_xasprintf("%s/%s.db", S_tmp, old) : NULL;
	cb_error err;
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_postings *p = cb_postings_new();
	cb_index_stats st;
	assert_int_equal(cb_index_update_db(s, from, db, ident, p, &st, &err), 0);
	assert_int_equal(cb_index_write_browser(s, p, "search/web", w, NULL, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	assert_int_equal(st.docs, s->ndocs);
	cb_postings_free(p);
	struct stat sb;
	assert_int_equal(stat(db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(db);
	free(out);
	free(from);
	return st.reused;
}

/* Every hit of q in the database at S_tmp/<rel>, as one line each. */
static char *S_hits(const char *rel, const char *q)
{
	char *db = cb_path_join(S_tmp, rel);
	cb_search *s;
	cb_error err;
	assert_int_equal(cb_search_open(&s, db, &err), 0);
	cb_search_result r;
	assert_int_equal(cb_search_run(s, q, NULL, 50, &r, &err), 0);
	cb_buf b = CB_BUF_INIT;
	cb_buf_printf(&b, "%zu\n", r.total);
	for (size_t i = 0; i < r.n; i++)
		cb_buf_printf(&b, "%ld %ld %.6f %s %s %s\n", r.hits[i].id, r.hits[i].k, r.hits[i].score,
			      r.hits[i].title, r.hits[i].url, r.hits[i].snippet);
	cb_search_result_free(&r);
	cb_search_close(s);
	free(db);
	return cb_buf_detach(&b);
}

/* rank_rows of the database at S_tmp/<rel> against the database itself:
 * every row of docs_fts and learning_fts is there with its document's
 * place or its document, and cb_bm25_docs() and cb_bm25_points() give
 * bm25()'s scores bit for bit (negated: higher is better) for every
 * matching row of each query. */
static void S_check_rank(const char *rel)
{
	static const char *const queries[] = {"neglect",
					      "missed appointment",
					      "\"missed appointment\"",
					      "plan* OR audit",
					      "{themes} : \"Was not brought\" OR DNA",
					      "(baby OR neglect) NOT drift"};
	static const char *const sql[] = {
	    "SELECT rowid, bm25(docs_fts, 10, 5, 3, 1), cb_bm25_docs(docs_fts) FROM docs_fts WHERE docs_fts "
	    "MATCH ?1",
	    "SELECT rowid, bm25(learning_fts, 1, 3), cb_bm25_points(learning_fts) FROM learning_fts WHERE "
	    "learning_fts MATCH ?1",
	    "SELECT d.id, o.ord FROM docs d JOIN doc_order o ON o.doc = d.id",
	    "SELECT id, doc FROM learning"};
	char *path = cb_path_join(S_tmp, rel);
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cb_rank r;
	assert_int_equal(cb_rank_load(db, &r), 0);
	size_t scored = 0;
	for (int k = 0; k < 4; k++) {
		bool point = k % 2;
		size_t nrows = 0;
		for (size_t q = 0; q < (k < 2 ? sizeof queries / sizeof *queries : 1); q++) {
			sqlite3_stmt *st;
			assert_int_equal(sqlite3_prepare_v2(db, sql[k], -1, &st, NULL), SQLITE_OK);
			if (k < 2)
				sqlite3_bind_text(st, 1, queries[q], -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				sqlite3_int64 id = sqlite3_column_int64(st, 0);
				assert_true(point ? cb_rank_has_point(&r, id) : cb_rank_has_doc(&r, id));
				if (k < 2) {
					double a = -sqlite3_column_double(st, 1),
					       b = sqlite3_column_double(st, 2);
					assert_memory_equal(&a, &b, sizeof a);
					scored++;
				} else {
					assert_int_equal(point ? cb_rank_point_doc(&r, id)
							       : cb_rank_place(&r, id),
							 sqlite3_column_int64(st, 1));
					nrows++;
				}
			}
			sqlite3_finalize(st);
		}
		/* No row that is not in the database. */
		for (size_t id = 0; k >= 2 && id < (point ? r.npoints : r.ndocs); id++)
			nrows -= point ? cb_rank_has_point(&r, (sqlite3_int64)id)
				       : cb_rank_has_doc(&r, (sqlite3_int64)id);
		assert_int_equal(nrows, 0);
	}
	assert_true(scored > 4);
	sqlite3_close(db);
	cb_rank_free(&r);
	free(path);
}

/* cb_search reads rank_rows: a database without it is refused, as one
 * of another version would be. */
static void test_rank_rows(void **state)
{
	S_build_web("rank", NULL, NULL);
	S_check_rank("rank/casebook.db");
	char *path = cb_path_join(S_tmp, "rank/casebook.db");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM rank_rows WHERE tab = 2", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	cb_search *s;
	cb_error err;
	assert_int_equal(cb_search_open(&s, path, &err), -1);
	assert_string_equal(err.msg, "the search index is damaged: run 'casebook build' again");
	free(path);
}

/* The private database updated in place: after documents are added (before
 * the others in site order), edited and removed, it answers every query as
 * a new database does, the browser files from its kept tokens are the same
 * bytes, and only the unchanged documents were kept. Another ident writes
 * it whole. (Changes the repository: the last test.) */
static void test_update_in_place(void **state)
{
	cb_site s;
	S_load(&s);
	assert_int_equal(S_update(&s, NULL, "u1", "ident-1"), 0);
	cb_site_free(&s);
	S_write("content/b.md",
		"---\ntitle: Neglect audit\ntype: audit\ndate: 2024-02-01\nthemes: [neglect]\n---\n\n"
		"The audit found drift in plans and a missed appointment again.\n\n"
		"## Key learning\n\n- Review neglect plans monthly.\n");
	/* A point of 254 tokens or more, whose length rank_rows leaves to
	 * FTS5 (rank.h). */
	cb_buf d = CB_BUF_INIT;
	cb_buf_puts(&d, "---\ntitle: Newest neglect briefing\ntype: briefing\ndate: 2025-06-01\n"
			"themes: [neglect, was-not-brought]\n---\n\n## Key learning\n\n"
			"- DNA means a child was not brought.\n- Neglect");
	for (int i = 0; i < 300; i++)
		cb_buf_printf(&d, " plan%d", i % 7);
	cb_buf_puts(&d, ".\n");
	S_write("content/d.md", d.data);
	cb_buf_free(&d);
	S_write("content/e.md",
		"---\ntitle: Old note\ntype: briefing\ndate: 2020-01-01\n---\n\nSoon gone.\n");
	S_sh("git add -A && git commit -q -m second");
	S_load(&s);
	assert_int_equal(S_update(&s, "u1", "u2", "ident-1"), 1); /* a.md */
	cb_site_free(&s);
	S_sh("git rm -q content/e.md && git commit -q -m third");
	S_load(&s);
	assert_int_equal(S_update(&s, "u2", "u3", "ident-1"), 3);
	assert_int_equal(S_update(&s, "u2", "other", "ident-2"), 0);
	cb_site_free(&s);
	S_build("fresh", NULL);
	/* rank_rows follows every change (rank.h). */
	S_check_rank("u2.db");
	S_check_rank("u3.db");
	const char *queries[] = {"neglect", "missed appointment", "DNA",
				 "plans",   "note OR audit",	  "-drift neglect"};
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		char *a = S_hits("u3.db", queries[i]), *b = S_hits("fresh/casebook.db", queries[i]);
		assert_string_equal(a, b);
		assert_true(strlen(a) > 2);
		free(a);
		free(b);
	}
	char *cmd = cb_xasprintf("cd '%s' && diff -r u3/search fresh/search", S_tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_writes_db_and_shards),
	    cmocka_unit_test(test_ranking_and_snippets),
	    cmocka_unit_test(test_synonyms_report_the_theme),
	    cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_errors_are_plain),
	    cmocka_unit_test(test_database_alone_and_ranking),
	    cmocka_unit_test(test_reproducible),
	    cmocka_unit_test(test_database_file),
	    cmocka_unit_test(test_rank_rows),
	    cmocka_unit_test(test_update_in_place),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
