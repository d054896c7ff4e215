/* Unit tests for cache: records survive a round trip exactly, keys that do
 * not match miss, damaged or foreign files are started afresh, and the
 * writer links a page only when its key and file are unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "util.h"
#include "writer.h"

#include "testutil.h"

static const char *const S_oid = "0123456789abcdef0123456789abcdef01234567";
static const char *const S_env = "00112233445566778899aabbccddeeff";

/* A record with every field set, some to awkward values. */
static void S_record(cb_doc_record *r)
{
	memset(r, 0, sizeof *r);
	cb_diags_add(&r->front, CB_WARNING, "content/a.md", 3, 1, "unknown-field",
		     "unknown field 'titel'; did you mean 'title'?");
	cb_meta *m = &r->meta;
	m->title = cb_xstrdup("Was not brought: \"missed\" appointments");
	m->type = cb_xstrdup("briefing");
	m->date = cb_xstrdup("2024-03-01");
	m->summary = cb_xstrdup(""); /* empty differs from absent */
	m->area = NULL;
	m->review_by = cb_xstrdup("2025-03-01");
	m->visibility = CB_VIS_INTERNAL;
	m->draft = true;
	cb_strv_push(&m->themes, "was-not-brought");
	cb_strv_push(&m->themes, "neglect");
	m->theme_lines = cb_xcalloc(2, sizeof(int));
	m->theme_cols = cb_xcalloc(2, sizeof(int));
	m->theme_lines[1] = 7;
	m->theme_cols[1] = 5;
	cb_strv_push(&m->audience, "gp");
	cb_strv_push(&m->questions, "What would you do?");
	m->nactions = 1;
	m->actions = cb_xcalloc(1, sizeof *m->actions);
	m->actions[0].action = cb_xstrdup("Audit follow-up");
	m->actions[0].rag = cb_xstrdup("amber");
	m->actions[0].line = 12;
	cb_diags_add(&r->body, CB_NOTE, "content/a.md", 20, 2, NULL, "a note");
	r->md.html = cb_xstrdup("<h2 id=\"learning\">Learning</h2>\n<ul><li>é</li></ul>\n");
	r->md.text = cb_xstrdup("Learning\né\n");
	r->md.nheadings = 1;
	r->md.headings = cb_xcalloc(1, sizeof *r->md.headings);
	r->md.headings[0] = (cb_heading){2, cb_xstrdup("Learning"), cb_xstrdup("learning"), 19};
	r->md.ndoclinks = 1;
	r->md.doclinks = cb_xcalloc(1, sizeof *r->md.doclinks);
	r->md.doclinks[0] = (cb_mlink){cb_xstrdup("content/b.md"), 0};
	r->md.ntables = 1;
	r->md.tables = cb_xcalloc(1, sizeof *r->md.tables);
	r->md.tables[0].heading = 0;
	r->md.tables[0].line = 21;
	r->md.tables[0].nrows = 2;
	r->md.tables[0].ncells = cb_xcalloc(2, sizeof(size_t));
	r->md.tables[0].ncells[0] = r->md.tables[0].ncells[1] = 2;
	r->md.tables[0].cells = cb_xcalloc(4, sizeof(char *));
	const char *cells[] = {"Action", "RAG", "Call the GP", "red"};
	for (int i = 0; i < 4; i++)
		r->md.tables[0].cells[i] = cb_xstrdup(cells[i]);
	r->md.nlearning = 1;
	r->md.learning = cb_xcalloc(1, sizeof *r->md.learning);
	r->md.learning[0] = (cb_lpoint){cb_xstrdup("é"),
					cb_xstrdup("é"),
					cb_xstrdup("Learning"),
					cb_xstrdup("learning"),
					20,
					cb_xstrdup("neglect was-not-brought"),
					20,
					7};
	cb_strv_push(&r->links, "content/b.md");
	r->ndeps = 2;
	r->deps = cb_xcalloc(2, sizeof *r->deps);
	r->deps[0] = (cb_link_dep){cb_xstrdup("content/b.md"), 0, cb_xstrdup("../documents/b.html")};
	r->deps[1] = (cb_link_dep){cb_xstrdup("content/hidden.md"), 2, NULL};
	r->pthemes = cb_xcalloc(1, sizeof *r->pthemes);
	cb_strv_push(&r->pthemes[0], "neglect");
	cb_strv_push(&r->pthemes[0], "was-not-brought");
}

static void S_same(const cb_doc_record *a, const cb_doc_record *b)
{
	assert_int_equal(a->front.n, b->front.n);
	assert_string_equal(a->front.v[0].msg, b->front.v[0].msg);
	assert_string_equal(a->front.v[0].rule, b->front.v[0].rule);
	assert_int_equal(a->front.v[0].line, b->front.v[0].line);
	assert_int_equal(b->front.warnings, 1);
	assert_string_equal(a->meta.title, b->meta.title);
	assert_string_equal(b->meta.summary, "");
	assert_null(b->meta.area);
	assert_string_equal(b->meta.review_by, "2025-03-01");
	assert_int_equal(b->meta.visibility, CB_VIS_INTERNAL);
	assert_true(b->meta.draft);
	assert_int_equal(b->meta.themes.n, 2);
	assert_string_equal(b->meta.themes.v[1], "neglect");
	assert_int_equal(b->meta.theme_lines[1], 7);
	assert_int_equal(b->meta.theme_cols[1], 5);
	assert_string_equal(b->meta.audience.v[0], "gp");
	assert_string_equal(b->meta.questions.v[0], "What would you do?");
	assert_int_equal(b->meta.nactions, 1);
	assert_string_equal(b->meta.actions[0].action, "Audit follow-up");
	assert_null(b->meta.actions[0].owner);
	assert_string_equal(b->meta.actions[0].rag, "amber");
	assert_int_equal(b->meta.actions[0].line, 12);
	assert_int_equal(b->body.n, 1);
	assert_null(b->body.v[0].rule);
	assert_int_equal(b->body.v[0].sev, CB_NOTE);
	/* The body is apart (cb_cache_doc_body). */
	assert_null(b->md.html);
	assert_null(b->md.text);
	assert_int_equal(b->md.nheadings, 1);
	assert_string_equal(b->md.headings[0].id, "learning");
	assert_int_equal(b->md.headings[0].line, 19);
	assert_int_equal(b->md.ndoclinks, 1);
	assert_string_equal(b->md.doclinks[0].path, "content/b.md");
	assert_int_equal(b->md.doclinks[0].heading, 0);
	assert_int_equal(b->md.ntables, 1);
	assert_int_equal(b->md.tables[0].line, 21);
	assert_int_equal(b->md.tables[0].nrows, 2);
	assert_int_equal(b->md.tables[0].ncells[1], 2);
	assert_string_equal(b->md.tables[0].cells[2], "Call the GP");
	assert_string_equal(b->md.tables[0].cells[3], "red");
	assert_int_equal(b->md.nlearning, 1);
	assert_string_equal(b->md.learning[0].heading_id, "learning");
	assert_string_equal(b->md.learning[0].tags, "neglect was-not-brought");
	assert_int_equal(b->md.learning[0].tag_col, 7);
	assert_int_equal(b->links.n, 1);
	assert_string_equal(b->links.v[0], "content/b.md");
	assert_int_equal(b->ndeps, 2);
	assert_string_equal(b->deps[0].href, "../documents/b.html");
	assert_int_equal(b->deps[1].status, 2);
	assert_null(b->deps[1].href);
	/* The point's themes (learning.h's cb_doc_classify). */
	assert_non_null(b->pthemes);
	assert_int_equal(b->pthemes[0].n, 2);
	assert_string_equal(b->pthemes[0].v[1], "was-not-brought");
}

static void test_doc_round_trip(void **state)
{
	char *dir = tu_tmpdir("cbcache");
	char *path = cb_path_join(dir, "sub/.casebook/cache.db");
	cb_diags d = CB_DIAGS_INIT;
	cb_cache *c = cb_cache_open(path, "1.0+x", &d);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* it holds restricted documents too */
	cb_doc_record r;
	S_record(&r);
	cb_cache_doc_put(c, "content/a.md", S_oid, S_env, &r);
	cb_strv keep = CB_STRV_INIT;
	cb_strv_push(&keep, "content/a.md");
	cb_cache_doc_flush(c, &keep);
	cb_cache_close(c);

	c = cb_cache_open(path, "1.0+x", &d);
	cb_cache_reader *rd = cb_cache_reader_open(c);
	assert_non_null(rd);
	cb_doc_record got;
	assert_true(cb_cache_doc_get(rd, "content/a.md", S_oid, S_env, &got));
	/* The Markdown's results only when asked for (a document the build
	 * keeps). */
	assert_int_equal(got.md.nlearning, 0);
	assert_int_equal(got.md.ntables, 0);
	assert_true(cb_cache_doc_md(rd, &got));
	S_same(&r, &got);
	cb_doc_record_free(&got);
	/* The body, borrowed from the record found. */
	cb_doc_body body;
	assert_true(cb_cache_doc_body(rd, &body));
	assert_int_equal(body.html_len, strlen(r.md.html));
	assert_memory_equal(body.html, r.md.html, body.html_len);
	assert_int_equal(body.text_len, strlen(r.md.text));
	assert_memory_equal(body.text, r.md.text, body.text_len);
	/* Another blob, another environment, another path: misses. */
	assert_false(
	    cb_cache_doc_get(rd, "content/a.md", "1123456789abcdef0123456789abcdef01234567", S_env, &got));
	assert_false(cb_cache_doc_get(rd, "content/a.md", S_oid, "10112233445566778899aabbccddeeff", &got));
	assert_false(cb_cache_doc_get(rd, "content/b.md", S_oid, S_env, &got));
	/* No body after a miss: nothing borrowed from another record. */
	assert_false(cb_cache_doc_body(rd, &body));
	assert_null(body.html);
	cb_cache_reader_close(rd);

	/* A path no longer in the repository is dropped at the next flush. */
	cb_strv_free(&keep);
	cb_strv_push(&keep, "content/other.md");
	cb_cache_doc_flush(c, &keep);
	rd = cb_cache_reader_open(c);
	assert_false(cb_cache_doc_get(rd, "content/a.md", S_oid, S_env, &got));
	cb_cache_reader_close(rd);
	cb_cache_close(c);

	/* Another casebook (version or program) trusts nothing in it. */
	c = cb_cache_open(path, "1.0+x", &d);
	cb_cache_doc_put(c, "content/a.md", S_oid, S_env, &r);
	cb_cache_doc_flush(c, NULL);
	cb_cache_close(c);
	c = cb_cache_open(path, "1.0+y", &d);
	rd = cb_cache_reader_open(c);
	assert_false(cb_cache_doc_get(rd, "content/a.md", S_oid, S_env, &got));
	cb_cache_reader_close(rd);
	cb_cache_close(c);
	assert_int_equal(d.n, 0);

	cb_doc_record_free(&r);
	cb_strv_free(&keep);
	cb_diags_free(&d);
	free(path);
	cb_rm_rf(dir);
	free(dir);
}

/* Stores every truncation of column (of the one document record at path),
 * and every flip of one of its bits, and counts how many of them a reader
 * still took (the record with its body). */
static int S_damaged_hits(const char *path, const char *column)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	char *sql = cb_xasprintf("SELECT %s FROM docs", column);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	free(sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int len = sqlite3_column_bytes(st, 0);
	unsigned char *orig = cb_xmalloc((size_t)len);
	memcpy(orig, sqlite3_column_blob(st, 0), (size_t)len);
	sqlite3_finalize(st);
	sql = cb_xasprintf("UPDATE docs SET %s=?1", column);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	free(sql);
	cb_diags d = CB_DIAGS_INIT;
	cb_cache *c = cb_cache_open(path, "v", &d);
	int hits = 0;
	for (int cut = 0; cut < 2 * len; cut++) {
		unsigned char *buf = cb_xmalloc((size_t)len);
		memcpy(buf, orig, (size_t)len);
		int n = cut < len ? cut : len;
		if (cut >= len) /* full length, one bit flipped */
			buf[cut - len] ^= (unsigned char)(1u << ((cut - len) % 8));
		sqlite3_bind_blob(st, 1, buf, n, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
		free(buf);
		cb_cache_reader *rd = cb_cache_reader_open(c);
		cb_doc_record got;
		cb_doc_body body;
		if (cb_cache_doc_get(rd, "content/a.md", S_oid, S_env, &got)) {
			hits += cb_cache_doc_md(rd, &got) && cb_cache_doc_body(rd, &body);
			cb_doc_record_free(&got);
		}
		cb_cache_reader_close(rd);
	}
	/* The original again: taken. */
	sqlite3_bind_blob(st, 1, orig, len, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	cb_cache_reader *rd = cb_cache_reader_open(c);
	cb_doc_record got;
	cb_doc_body body;
	assert_true(cb_cache_doc_get(rd, "content/a.md", S_oid, S_env, &got));
	assert_true(cb_cache_doc_md(rd, &got));
	assert_true(cb_cache_doc_body(rd, &body));
	cb_doc_record_free(&got);
	cb_cache_reader_close(rd);
	sqlite3_finalize(st);
	sqlite3_close(db);
	cb_cache_close(c);
	free(orig);
	cb_diags_free(&d);
	return hits;
}

/* Every truncation of a stored record or of its body, and every flipped
 * bit, reads as a miss (never a crash: the sanitizer build checks): each
 * carries a checksum. */
static void test_damaged_records(void **state)
{
	char *dir = tu_tmpdir("cbcache");
	char *path = cb_path_join(dir, "cache.db");
	cb_diags d = CB_DIAGS_INIT;
	cb_cache *c = cb_cache_open(path, "v", &d);
	cb_doc_record r;
	S_record(&r);
	cb_cache_doc_put(c, "content/a.md", S_oid, S_env, &r);
	cb_cache_doc_flush(c, NULL);
	cb_cache_close(c);
	cb_doc_record_free(&r);
	/* Before records had checksums, a flipped bit inside a string
	 * decoded as other words (and invalid UTF-8 was published). */
	assert_int_equal(S_damaged_hits(path, "data"), 0);
	assert_int_equal(S_damaged_hits(path, "body"), 0);
	cb_diags_free(&d);
	free(path);
	cb_rm_rf(dir);
	free(dir);
}

/* A file that is not a database is replaced; a folder that cannot be made
 * gives no cache and a warning. */
static void test_bad_files(void **state)
{
	char *dir = tu_tmpdir("cbcache");
	tu_write(dir, "cache.db", "this is not an SQLite database, it is a note someone left here\n");
	char *path = cb_path_join(dir, "cache.db");
	cb_diags d = CB_DIAGS_INIT;
	cb_cache *c = cb_cache_open(path, "v", &d);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	cb_cache_close(c);
	tu_write(dir, "file", "x");
	char *bad = cb_path_join(dir, "file/.casebook/cache.db");
	c = cb_cache_open(bad, "v", &d);
	assert_null(c);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(d.v[0].msg, "does all the work"));
	cb_cache_close(NULL);
	cb_diags_free(&d);
	free(bad);
	free(path);
	cb_rm_rf(dir);
	free(dir);
}

static void test_history(void **state)
{
	char *dir = tu_tmpdir("cbcache");
	char *path = cb_path_join(dir, "cache.db");
	cb_diags d = CB_DIAGS_INIT;
	cb_cache *c = cb_cache_open(path, "v", &d);
	cb_history h[2] = {{0}, {0}};
	h[0].path = "content/a.md";
	h[0].first_time = -86400; /* before 1970 survives */
	h[0].first_tz = -300;
	h[0].first_author = "A. Lead";
	h[0].last_time = 4102444800LL; /* after 2038 too */
	h[0].last_tz = 60;
	h[0].last_author = "B. Nurse";
	cb_strv_push(&h[0].authors, "A. Lead");
	cb_strv_push(&h[0].authors, "B. Nurse");
	h[1].path = "content/b.md";
	h[1].first_author = h[1].last_author = "";
	cb_cache_history_put(c, "content", "abc", h, 2);
	cb_history *got = NULL;
	size_t n = 0;
	assert_int_equal(cb_cache_history_get(c, "content", "abd", &got, &n), 1);
	assert_int_equal(cb_cache_history_get(c, "docs", "abc", &got, &n), 1);
	assert_int_equal(cb_cache_history_get(c, "content", "abc", &got, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].first_time, -86400);
	assert_int_equal(got[0].first_tz, -300);
	assert_int_equal(got[0].last_time, 4102444800LL);
	assert_string_equal(got[0].last_author, "B. Nurse");
	assert_int_equal(got[0].authors.n, 2);
	assert_non_null(cb_history_find(got, n, "content/b.md"));
	cb_history_free(got, n);
	char *latest = cb_cache_history_latest(c, "content");
	assert_string_equal(latest, "abc");
	free(latest);
	cb_strv_free(&h[0].authors);
	cb_cache_close(c);
	cb_diags_free(&d);
	free(path);
	cb_rm_rf(dir);
	free(dir);
}

/* Pages: the writer links a page from the previous output only when its
 * key matches and the file is the one that was written. */
static void test_page_reuse(void **state)
{
	char *dir = tu_tmpdir("cbcache");
	char *out = cb_path_join(dir, "site");
	char *cpath = cb_path_join(dir, ".casebook/cache.db");
	cb_error err;
	cb_diags d = CB_DIAGS_INIT;
	const char *k1 = "11111111111111111111111111111111", *k2 = "22222222222222222222222222222222";

	cb_cache *c = cb_cache_open(cpath, "v", &d);
	cb_writer *w;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_set_known(w, cb_cache_pages(c, out));
	assert_int_equal(cb_writer_reuse(w, "a.html", k1), 0); /* no previous output */
	assert_int_equal(cb_writer_put_keyed(w, "a.html", k1, "A1", 2, &err), 0);
	assert_int_equal(cb_writer_put_keyed(w, "d/b.html", k1, "B1", 2, &err), 0);
	assert_int_equal(cb_writer_put_keyed(w, "c.html", k1, "C1", 2, &err), 0);
	cb_strmap *keys = cb_writer_take_keys(w);
	assert_int_equal(cb_strmap_count(keys), 3);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	cb_cache_pages_store(c, out, keys);
	cb_file_keys_free(keys);
	cb_cache_close(c);

	/* Someone edits c.html in place after the build (its size changes,
	 * so the check does not rest on the clock's resolution). */
	tu_write(out, "c.html", "C1 edited");

	c = cb_cache_open(cpath, "v", &d);
	assert_int_equal(cb_strmap_count(cb_cache_pages(c, out)), 3);
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_set_known(w, cb_cache_pages(c, out));
	assert_int_equal(cb_writer_reuse(w, "a.html", k1), 1);	 /* same key: linked */
	assert_int_equal(cb_writer_reuse(w, "d/b.html", k2), 0); /* new key: made again */
	assert_int_equal(cb_writer_put_keyed(w, "d/b.html", k2, "B2", 2, &err), 0);
	assert_int_equal(cb_writer_reuse(w, "c.html", k1), 0); /* edited: made again */
	assert_int_equal(cb_writer_put_keyed(w, "c.html", k1, "C1", 2, &err), 0);
	assert_int_equal(cb_writer_reuse(w, "../x.html", k1), 0);
	assert_int_equal(cb_writer_reused(w), 1);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	char *a = tu_read(out, "a.html"), *b = tu_read(out, "d/b.html"), *cc = tu_read(out, "c.html");
	assert_string_equal(a, "A1");
	assert_string_equal(b, "B2");
	assert_string_equal(cc, "C1");
	free(a);
	free(b);
	free(cc);
	cb_cache_close(c);
	cb_diags_free(&d);
	free(cpath);
	free(out);
	cb_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doc_round_trip), cmocka_unit_test(test_damaged_records),
	    cmocka_unit_test(test_bad_files),	   cmocka_unit_test(test_history),
	    cmocka_unit_test(test_page_reuse),
	};
	return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
