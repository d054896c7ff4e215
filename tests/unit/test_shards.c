/* Unit tests for the browser index's postings and shards (search/postings.c,
 * search/shards.c): postings read back exactly as a plain model of them
 * says, whether they stay in memory, spill runs to a temporary file or
 * spill runs to memory, or some of each when the file cannot take more,
 * and when some columns are added again from what an earlier build kept;
 * and JSON strings escaped the same whatever their length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "partner.h"
#include "postings.h"
#include "shards.h"
#include "site.h"
#include "util.h"
#include "testutil.h"
#include "writer.h"

/* ---- a plain model of the postings ---- */

typedef struct M_term {
	char *text;
	cb_buf list; /* "doc,col,n,pos,…" with a comma after each number */
	int last_doc;
} M_term;

typedef struct M_model {
	M_term *terms;
	size_t n;
	long doclen[64];
} M_model;

static M_term *M_find(M_model *m, const char *tok, size_t len)
{
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->terms[i].text) == len && memcmp(m->terms[i].text, tok, len) == 0)
			return &m->terms[i];
	m->terms = cb_xrealloc(m->terms, (m->n + 1) * sizeof *m->terms);
	M_term *t = &m->terms[m->n++];
	t->text = cb_xstrndup(tok, len);
	t->list = (cb_buf)CB_BUF_INIT;
	t->last_doc = -1;
	return t;
}

/* One column of one document: the model's entry for each of its terms.
 * The same word is the same pointer (see S_tokens). */
static void M_column(M_model *m, int doc, int col, char **toks, size_t ntoks)
{
	m->doclen[doc] += (long)ntoks;
	for (size_t i = 0; i < ntoks; i++) {
		size_t len = strlen(toks[i]);
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen = seen || toks[k] == toks[i];
		if (seen)
			continue;
		M_term *t = M_find(m, toks[i], len);
		size_t count = 0;
		for (size_t k = i; k < ntoks; k++)
			count += toks[k] == toks[i];
		cb_buf_printf(&t->list, "%d,%d,%zu,", t->last_doc < 0 ? doc : doc - t->last_doc, col, count);
		size_t prev = 0;
		for (size_t k = i; k < ntoks; k++)
			if (toks[k] == toks[i]) {
				cb_buf_printf(&t->list, "%zu,", k - prev);
				prev = k;
			}
		t->last_doc = doc;
	}
}

static int M_cmp(const void *a, const void *b)
{
	return strcmp(((const M_term *)a)->text, ((const M_term *)b)->text);
}

static void M_free(M_model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->terms[i].text);
		cb_buf_free(&m->terms[i].list);
	}
	free(m->terms);
}

/* ---- a collection ---- */

static uint32_t S_seed;

static uint32_t S_rand(void)
{
	S_seed = S_seed * 1103515245u + 12345u;
	return S_seed >> 8;
}

/* Word i of a vocabulary of different words of 1 to 20 bytes (every
 * length the hash reads differently), some with bytes above 0x7F, many
 * sharing prefixes. */
static char *S_word(size_t i)
{
	size_t len = 1 + i % 20;
	char *w = cb_xmalloc(len + 1);
	for (size_t k = 0; k < len; k++)
		w[k] = (char)('a' + (k * 7) % 26);
	if (len == 1) {
		w[0] = (char)('A' + i / 20);
	} else {
		w[0] = (char)('a' + i % 26);
		w[1] = (char)('a' + i / 26 % 26);
	}
	if (len > 2 && i % 11 == 0)
		w[len - 1] = (char)0xC3;
	w[len] = '\0';
	return w;
}

#define S_NDOCS 40
#define S_NVOCAB 300

/* The tokens of column col of document doc (words of vocab), frequent
 * words much more often than rare ones; one column holds one word 9,000
 * times, so that its entry spans chunks of every size and its gaps and
 * counts need more than one byte. */
static size_t S_tokens(char **vocab, int doc, int col, char **out, size_t cap)
{
	size_t n = col == 3 ? 20 + S_rand() % 200 : S_rand() % 12;
	if (doc == 7 && col == 3)
		n = 9000;
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++) {
		size_t r = S_rand() % 1000;
		size_t w = r < 500 ? r % 10 : r < 900 ? r % 60 : S_rand() % S_NVOCAB;
		out[i] = vocab[doc == 7 && col == 3 && i % 150 != 0 ? 3 : w];
	}
	return n;
}

/* Feeds the same collection to p and (when m is not NULL) the model.
 * With keep (one buffer per document) and not replay, each document's
 * columns are kept there (cb_postings_keep); with replay, the even
 * documents' columns (the first, before any term is known, among them)
 * and those of document 7 (9,000 tokens in its body) are added from keep
 * instead of from their tokens. */
static void S_feed_with(cb_postings *p, M_model *m, cb_buf *keep, bool replay)
{
	char *vocab[S_NVOCAB];
	for (size_t i = 0; i < S_NVOCAB; i++)
		vocab[i] = S_word(i);
	char *toks[9000];
	S_seed = 42;
	for (int doc = 0; doc < S_NDOCS; doc++) {
		/* Some documents have no tokens at all. */
		if (doc % 9 == 4)
			continue;
		bool again = replay && (doc % 2 == 0 || doc == 7);
		const unsigned char *at = keep ? (const unsigned char *)keep[doc].data : NULL;
		const unsigned char *end = at ? at + keep[doc].len : NULL;
		for (int col = 0; col < 4; col++) {
			size_t n = S_tokens(vocab, doc, col, toks, 9000);
			if (again) {
				assert_int_equal(cb_postings_replay_column(p, doc, col, &at, end), 0);
			} else {
				cb_postings_keep(p, keep && !replay ? &keep[doc] : NULL);
				cb_postings_begin_column(p, doc, col);
				for (size_t i = 0; i < n; i++)
					cb_postings_add(p, toks[i], (int)strlen(toks[i]));
				cb_postings_end_column(p);
				cb_postings_keep(p, NULL);
			}
			if (m)
				M_column(m, doc, col, toks, n);
		}
		if (again)
			assert_ptr_equal(at, end); /* every column read, no more */
	}
	for (size_t i = 0; i < S_NVOCAB; i++)
		free(vocab[i]);
}

static void S_feed(cb_postings *p, M_model *m)
{
	S_feed_with(p, m, NULL, false);
}

/* Reads p back and checks it against the model. */
static void S_check(cb_postings *p, M_model *m)
{
	qsort(m->terms, m->n, sizeof *m->terms, M_cmp);
	assert_int_equal(cb_postings_nterms(p), m->n);
	for (int doc = 0; doc < S_NDOCS; doc++)
		assert_int_equal(cb_postings_doc_len(p, doc), m->doclen[doc]);
	cb_buf list = CB_BUF_INIT;
	cb_error err;
	const char *term;
	size_t i = 0;
	int rc;
	while ((rc = cb_postings_next(p, &term, &list, &err)) == 1) {
		assert_true(i < m->n);
		assert_string_equal(term, m->terms[i].text);
		const cb_buf *want = &m->terms[i].list;
		assert_int_equal(list.len, want->len - 1); /* without the last comma */
		assert_memory_equal(list.data, want->data, list.len);
		i++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, m->n);
	/* The end stays the end. */
	assert_int_equal(cb_postings_next(p, &term, &list, &err), 0);
	cb_buf_free(&list);
}

static void test_in_memory(void **state)
{
	M_model m = {0};
	cb_postings *p = cb_postings_new();
	S_feed(p, &m);
	/* Finishing (once or twice) keeps a small site's postings in memory. */
	cb_postings_finish(p);
	cb_postings_finish(p);
	assert_int_equal(cb_postings_spilled(p), 0);
	S_check(p, &m);
	cb_postings_free(p);
	M_free(&m);
}

/* Names in a folder, but "." and "..". */
static int S_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Budgets from one byte (a run for every column) up: the same postings. */
static void test_spilled_runs(void **state)
{
	char *dir = tu_tmpdir("cbshards");
	assert_non_null(dir);
	size_t budgets[] = {1, 100, 1000, 5000};
	for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
		M_model m = {0};
		cb_postings *p = cb_postings_new();
		cb_postings_set_budget(p, budgets[b], dir);
		S_feed(p, &m);
		assert_true(cb_postings_spilled(p) > 0);
		/* The temporary file has no name in the folder. */
		assert_int_equal(S_entries(dir), 0);
		S_check(p, &m);
		cb_postings_free(p);
		M_free(&m);
	}
	cb_rm_rf(dir);
	free(dir);
}

/* Columns kept while they were added (cb_postings_keep) and added again
 * from there (cb_postings_replay_column), among columns added from their
 * tokens, give the same postings, in memory or spilled; and a damaged
 * kept column is refused. */
static void test_replayed_columns(void **state)
{
	char *dir = tu_tmpdir("cbshards");
	assert_non_null(dir);
	cb_buf keep[S_NDOCS];
	for (size_t i = 0; i < S_NDOCS; i++)
		keep[i] = (cb_buf)CB_BUF_INIT;
	cb_postings *p = cb_postings_new();
	S_feed_with(p, NULL, keep, false);
	cb_postings_free(p);
	size_t budgets[] = {CB_POSTINGS_BUDGET, 1, 1000};
	for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
		M_model m = {0};
		p = cb_postings_new();
		cb_postings_set_budget(p, budgets[b], dir);
		S_feed_with(p, &m, keep, true);
		S_check(p, &m);
		cb_postings_free(p);
		M_free(&m);
	}
	/* A term longer than what is left, fewer positions than its count,
	 * or nothing at all: refused. */
	p = cb_postings_new();
	const unsigned char bad[] = {5, 1, 100, 'a'}, short_[] = {2, 1, 1, 'a', 2, 0};
	const unsigned char *at = bad;
	assert_int_equal(cb_postings_replay_column(p, 0, 0, &at, bad + sizeof bad), -1);
	at = short_;
	assert_int_equal(cb_postings_replay_column(p, 0, 0, &at, short_ + sizeof short_), -1);
	at = bad;
	assert_int_equal(cb_postings_replay_column(p, 0, 0, &at, bad), -1);
	cb_postings_free(p);
	for (size_t i = 0; i < S_NDOCS; i++)
		cb_buf_free(&keep[i]);
	cb_rm_rf(dir);
	free(dir);
}

/* With no folder for the temporary file, the runs stay in memory. */
static void test_runs_without_a_file(void **state)
{
	M_model m = {0};
	cb_postings *p = cb_postings_new();
	cb_postings_set_budget(p, 200, "/nonexistent/casebook-test");
	S_feed(p, &m);
	assert_int_equal(cb_postings_spilled(p), 0);
	S_check(p, &m);
	cb_postings_free(p);
	M_free(&m);
}

/* When the temporary file stops taking runs (here, a file size limit),
 * the runs already in it are read from there and the rest stay in memory. */
static void test_file_full(void **state)
{
	char *dir = tu_tmpdir("cbshards");
	assert_non_null(dir);
	struct rlimit old;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	struct rlimit lim = {20000, old.rlim_max};
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	M_model m = {0};
	cb_postings *p = cb_postings_new();
	cb_postings_set_budget(p, 2000, dir);
	S_feed(p, &m);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, was);
	size_t spilled = cb_postings_spilled(p);
	assert_true(spilled > 0);
	S_check(p, &m);
	cb_postings_free(p);
	M_free(&m);
	/* The same collection with no limit spills more runs to the file. */
	p = cb_postings_new();
	cb_postings_set_budget(p, 2000, dir);
	S_feed(p, NULL);
	assert_true(cb_postings_spilled(p) > spilled);
	cb_postings_free(p);
	cb_rm_rf(dir);
	free(dir);
}

static void test_empty(void **state)
{
	cb_postings *p = cb_postings_new();
	cb_buf list = CB_BUF_INIT;
	cb_error err;
	const char *term;
	assert_int_equal(cb_postings_next(p, &term, &list, &err), 0);
	assert_int_equal(cb_postings_doc_len(p, 0), 0);
	cb_buf_free(&list);
	cb_postings_free(p);
}

/* ---- shards ---- */

/* A site of two documents whose strings need escaping at every place a
 * word-at-a-time scan could get wrong. */
static void test_shard_strings(void **state)
{
	char *dir = tu_tmpdir("cbshards");
	assert_non_null(dir);
	char *out = cb_path_join(dir, "out");
	cb_site s;
	memset(&s, 0, sizeof s);
	cb_doc docs[2];
	memset(docs, 0, sizeof docs);
	const char *texts[2] = {"1234567\"89abcdef<ghijklmn>opqrstu&vwxyz\\ABCDEFG\x01HIJ \xE2\x80\xA8 and "
				"\xE2\x80\xA9, \xE2\x82\xAC euros\nend \xE2",
				"plain text of exactly thirty-two"};
	for (int i = 0; i < 2; i++) {
		docs[i].path = i ? "content/b.md" : "content/a.md";
		docs[i].slug = i ? "b" : "a";
		docs[i].meta.title = i ? "Twelve bytes" : "A \"quoted\" <title> & more";
		docs[i].meta.type = "briefing";
		docs[i].meta.date = "2024-01-01";
		docs[i].md.text = (char *)texts[i];
	}
	/* b comes from a partner repository: its row names the partnership. */
	cb_partner walsby = {.name = "walsby", .label = "Walsby \"Safeguarding\" Partnership"};
	s.cfg.sources = &walsby;
	s.cfg.nsources = 1;
	docs[1].source = "walsby";
	s.docs = docs;
	s.ndocs = 2;
	cb_postings *p = cb_postings_new();
	cb_postings_begin_column(p, 0, 0);
	cb_postings_add(p, "quot\"ed", 7);
	cb_postings_end_column(p);
	cb_writer *w;
	cb_error err;
	cb_shard_stats st;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(cb_shards_write(&s, p, w, &st, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	assert_int_equal(st.terms, 1);
	assert_int_equal(st.shards, 1);
	char *t0 = tu_read(out, "search/t-0.js");
	assert_string_equal(t0, "CBS.shard(0,{\"quot\\\"ed\":\"aaba\"});\n");
	char *d0 = tu_read(out, "search/d-0.js");
	assert_string_equal(
	    d0, "CBS.docs(0,[\n"
		"[\"A \\\"quoted\\\" \\u003ctitle\\u003e \\u0026 more\","
		"\"documents/a.html\",\"2024-01-01\",\"\",\"\",\"content/a.md\","
		"\"1234567\\\"89abcdef\\u003cghijklmn\\u003eopqrstu\\u0026vwxyz"
		"\\\\ABCDEFG\\u0001HIJ \\u2028 and \\u2029, \xE2\x82\xAC euros\\nend \xE2\",[],[],\"\"],\n"
		"[\"Twelve bytes\",\"documents/b.html\",\"2024-01-01\",\"\",\"\","
		"\"content/b.md\",\"plain text of exactly thirty-two\",[],[],"
		"\"Walsby \\\"Safeguarding\\\" Partnership\"]]);\n");
	free(t0);
	free(d0);
	cb_postings_free(p);
	cb_rm_rf(dir);
	free(out);
	free(dir);
}

/* heads.js: every document's title, address, date, area and partnership
 * (areas and partnerships as indices into lists of their own), and the
 * headings of its learning points as runs (a heading's index in the list
 * of distinct headings, then its number of points), for showing results
 * before any document text is loaded. */
static void test_heads(void **state)
{
	char *dir = tu_tmpdir("cbheads");
	assert_non_null(dir);
	char *out = cb_path_join(dir, "out");
	cb_site s;
	memset(&s, 0, sizeof s);
	cb_doc docs[3];
	memset(docs, 0, sizeof docs);
	cb_lpoint a_pts[3] = {{.heading = "Key learning", .heading_id = "key-learning"},
			      {.heading = "Key learning", .heading_id = "key-learning"},
			      {.heading = "What \"next\"", .heading_id = "what-next"}};
	cb_lpoint c_pts[1] = {{.heading = "What \"next\"", .heading_id = "what-next"}};
	const char *titles[3] = {"First <one>", "Second", "Third"};
	const char *areas[3] = {"Harrowdene", NULL, "Harrowdene"};
	for (int i = 0; i < 3; i++) {
		docs[i].path = i == 0 ? "content/a.md" : i == 1 ? "content/b.md" : "content/c.md";
		docs[i].slug = i == 0 ? "a" : i == 1 ? "b" : "c";
		docs[i].meta.title = (char *)titles[i];
		docs[i].meta.type = "briefing";
		docs[i].meta.date = i == 2 ? "2023-05-06" : "2024-01-01";
		docs[i].meta.area = (char *)areas[i];
		docs[i].md.text = "";
	}
	docs[0].md.learning = a_pts;
	docs[0].md.nlearning = 3;
	docs[2].md.learning = c_pts;
	docs[2].md.nlearning = 1;
	cb_partner walsby = {.name = "walsby", .label = "Walsby Partnership"};
	s.cfg.sources = &walsby;
	s.cfg.nsources = 1;
	docs[2].source = "walsby";
	s.docs = docs;
	s.ndocs = 3;
	cb_postings *p = cb_postings_new();
	cb_writer *w;
	cb_error err;
	cb_shard_stats st;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(cb_shards_write(&s, p, w, &st, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	char *h = tu_read(out, "search/heads.js");
	assert_string_equal(
	    h, "CBS.heads({\"title\":[\"First \\u003cone\\u003e\",\n\"Second\",\n\"Third\"],\n"
	       "\"slug\":[\"a\",\"b\",\"c\"],\n"
	       "\"date\":[\"2024-01-01\",\"2024-01-01\",\"2023-05-06\"],\n"
	       "\"areas\":[\"Harrowdene\",\"\"],\n\"area\":[0,1,0],\n"
	       "\"parts\":[\"\",\"Walsby Partnership\"],\n\"part\":[0,0,1],\n"
	       "\"hd\":[[\"Key learning\",\"key-learning\"],[\"What \\\"next\\\"\",\"what-next\"]],\n"
	       "\"hs\":[2,0,2,1,1,0,1,1,1]});\n");
	free(h);
	cb_postings_free(p);
	cb_rm_rf(dir);
	free(out);
	free(dir);
}

/* A term's postings in a shard: one string, each number its bits above
 * the last five in groups of four (",-./:;=?[]^_`{|}", most significant
 * first), then its last five ("abc…z!#$%'*"). */
static void test_shard_numbers(void **state)
{
	char *dir = tu_tmpdir("cbnumbers");
	assert_non_null(dir);
	char *out = cb_path_join(dir, "out");
	cb_site s;
	memset(&s, 0, sizeof s);
	cb_doc docs[41];
	memset(docs, 0, sizeof docs);
	for (int i = 0; i < 41; i++) {
		docs[i].path = docs[i].slug = "x";
		docs[i].meta.title = "x";
		docs[i].meta.type = "briefing";
		docs[i].meta.date = "2024-01-01";
		docs[i].md.text = "";
	}
	s.docs = docs;
	s.ndocs = 41;
	cb_postings *p = cb_postings_new();
	/* Document 40 (101000: 1 then 8), body column, once, at 1000
	 * (1111101000: 1, 15, then 8); 31 and 32 at the edge of one
	 * character. */
	cb_postings_begin_column(p, 40, 3);
	for (int i = 0; i < 1000; i++)
		cb_postings_add(p, i == 31 || i == 32 ? "edge" : "filler", i == 31 || i == 32 ? 4 : 6);
	cb_postings_add(p, "far", 3);
	cb_postings_end_column(p);
	cb_writer *w;
	cb_error err;
	cb_shard_stats st;
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	assert_int_equal(cb_shards_write(&s, p, w, &st, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	char *t0 = tu_read(out, "search/t-0.js");
	assert_non_null(strstr(t0, "\"far\":\"-idb-}i\""));
	assert_non_null(strstr(t0, "\"edge\":\"-idc*b\""));
	free(t0);
	cb_postings_free(p);
	cb_rm_rf(dir);
	free(out);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_memory),		cmocka_unit_test(test_spilled_runs),
	    cmocka_unit_test(test_runs_without_a_file), cmocka_unit_test(test_replayed_columns),
	    cmocka_unit_test(test_file_full),		cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_shard_strings),	cmocka_unit_test(test_heads),
	    cmocka_unit_test(test_shard_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
