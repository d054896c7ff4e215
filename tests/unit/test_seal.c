/* Unit tests for seal: round trips, the binding of a file to its path and
 * key, changed and truncated files, padding, names, what stays plain, the
 * passphrase rules, and an encrypted writer whose output holds no plain
 * text. Few PBKDF2 iterations keep the suite fast; the format is the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seal.h"
#include "util.h"
#include "writer.h"

static const unsigned char S_salt[CB_SEAL_SALT_BYTES] = "0123456789abcdef";

static cb_seal *S_new(const char *pass)
{
	cb_seal *s = NULL;
	cb_error err = {{0}, 0, 0, {0}};
	assert_int_equal(cb_seal_new_salted(&s, pass, strlen(pass), 1000, S_salt, &err), 0);
	assert_non_null(s);
	return s;
}

static void test_round_trip(void **state)
{
	cb_seal *s = S_new("correct horse battery");
	const char *sizes[] = {"", "x", "<p>Some page</p>"};
	for (size_t i = 0; i < 3; i++) {
		cb_buf b = CB_BUF_INIT;
		cb_error err = {{0}, 0, 0, {0}};
		assert_int_equal(cb_seal_file(s, "documents/a.html", sizes[i], strlen(sizes[i]), &b, &err),
				 0);
		char *out;
		size_t n;
		assert_int_equal(cb_seal_open(s, "documents/a.html", b.data, b.len, &out, &n), 0);
		assert_int_equal(n, strlen(sizes[i]));
		assert_memory_equal(out, sizes[i], n);
		free(out);
		cb_buf_free(&b);
	}
	/* A large file (over 1 MiB) round-trips too. */
	size_t big = 3 * 1024 * 1024 + 5;
	char *data = cb_xmalloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i * 7);
	cb_buf b = CB_BUF_INIT;
	cb_error err = {{0}, 0, 0, {0}};
	assert_int_equal(cb_seal_file(s, "files/report.pdf", data, big, &b, &err), 0);
	char *out;
	size_t n;
	assert_int_equal(cb_seal_open(s, "files/report.pdf", b.data, b.len, &out, &n), 0);
	assert_int_equal(n, big);
	assert_memory_equal(out, data, big);
	free(out);
	free(data);
	cb_buf_free(&b);
	cb_seal_free(s);
}

static void test_bound_to_path_and_key(void **state)
{
	cb_seal *s = S_new("correct horse battery"), *other = S_new("another passphrase here");
	cb_buf b = CB_BUF_INIT;
	cb_error err = {{0}, 0, 0, {0}};
	assert_int_equal(cb_seal_file(s, "a.html", "secret", 6, &b, &err), 0);
	char *out = NULL;
	size_t n;
	assert_int_equal(cb_seal_open(s, "b.html", b.data, b.len, &out, &n), -1);
	assert_null(out);
	assert_int_equal(cb_seal_open(other, "a.html", b.data, b.len, &out, &n), -1);
	/* Every single changed character of the sealed text fails. */
	for (size_t i = 40; i < b.len - 4; i += 97) {
		char *copy = cb_xstrndup(b.data, b.len);
		copy[i] = copy[i] == 'A' ? 'B' : 'A';
		assert_int_equal(cb_seal_open(s, "a.html", copy, b.len, &out, &n), -1);
		free(copy);
	}
	/* A truncated file fails. */
	assert_int_equal(cb_seal_open(s, "a.html", b.data, b.len / 2, &out, &n), -1);
	assert_int_equal(cb_seal_open(s, "a.html", b.data, 10, &out, &n), -1);
	/* Two seals of the same bytes differ (fresh nonces). */
	cb_buf b2 = CB_BUF_INIT;
	assert_int_equal(cb_seal_file(s, "a.html", "secret", 6, &b2, &err), 0);
	assert_true(b.len == b2.len && memcmp(b.data, b2.data, b.len) != 0);
	cb_buf_free(&b);
	cb_buf_free(&b2);
	cb_seal_free(s);
	cb_seal_free(other);
}

/* The base64 payload's decoded size, from the text of e/N.js. */
static size_t S_payload(const cb_buf *b)
{
	const char *p = b->data + 40, *e = strchr(p, '"');
	size_t n = (size_t)(e - p);
	return n / 4 * 3 - (e[-1] == '=') - (e[-2] == '=');
}

static void test_padding_and_names(void **state)
{
	cb_seal *s = S_new("correct horse battery");
	size_t lens[] = {0, 1000, 1020, 1021, 5000, 1048572, 1048573};
	size_t want[] = {1024, 1024, 1024, 2048, 8192, 1048576, 2097152};
	for (size_t i = 0; i < 7; i++) {
		char *data = cb_xcalloc(1, lens[i] + 1);
		cb_buf b = CB_BUF_INIT;
		cb_error err = {{0}, 0, 0, {0}};
		assert_int_equal(cb_seal_file(s, "p.html", data, lens[i], &b, &err), 0);
		assert_int_equal(S_payload(&b) - 28, want[i]); /* nonce and tag */
		cb_buf_free(&b);
		free(data);
	}
	char a[48], b[48], c[48];
	cb_seal_path(s, "documents/a.html", a);
	cb_seal_path(s, "documents/b.html", b);
	cb_seal_path(s, "documents/a.html", c);
	assert_string_equal(a, c);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 37);
	assert_true(cb_str_starts(a, "e/") && cb_str_ends(a, ".js"));
	assert_null(strstr(a, "documents"));
	cb_seal_free(s);
}

static void test_classify_and_passphrases(void **state)
{
	assert_int_equal(cb_seal_classify("documents/a.html"), CB_SEAL_ENCRYPT);
	assert_int_equal(cb_seal_classify("index.html"), CB_SEAL_ENCRYPT);
	assert_int_equal(cb_seal_classify("search/t-0.js"), CB_SEAL_ENCRYPT);
	assert_int_equal(cb_seal_classify("search/meta.js"), CB_SEAL_ENCRYPT);
	assert_int_equal(cb_seal_classify("files/chart.png"), CB_SEAL_ENCRYPT);
	assert_int_equal(cb_seal_classify("404.html"), CB_SEAL_ENCRYPT);
	assert_int_equal(cb_seal_classify("search/search.js"), CB_SEAL_PLAIN);
	assert_int_equal(cb_seal_classify("search/tokenizer.js"), CB_SEAL_PLAIN);
	assert_int_equal(cb_seal_classify("search/query.js"), CB_SEAL_PLAIN);
	assert_int_equal(cb_seal_classify("assets/style.css"), CB_SEAL_PLAIN);
	assert_int_equal(cb_seal_classify("feed.atom"), CB_SEAL_DROP);
	assert_int_equal(cb_seal_classify("sitemap.xml"), CB_SEAL_DROP);
	assert_int_equal(cb_seal_classify("casebook.db"), CB_SEAL_DROP);
	assert_non_null(cb_seal_passphrase_problem("short", 5));
	assert_non_null(cb_seal_passphrase_problem("aaaaaaaaaaaaaaaa", 16));
	/* Characters, not bytes: 11 two-byte letters are too few. */
	assert_non_null(cb_seal_passphrase_problem("ééééééééééx", strlen("ééééééééééx")));
	assert_null(cb_seal_passphrase_problem("lantern quarry", 14));
}

static void test_writer_output_holds_no_plain_text(void **state)
{
	const char *t = getenv("TMPDIR");
	char *dir = cb_xasprintf("%s/cbseal-XXXXXX", t && t[0] ? t : "/tmp");
	assert_non_null(mkdtemp(dir));
	char *out = cb_path_join(dir, "site"), *js = cb_path_join(dir, "lock.js");
	assert_int_equal(cb_file_write(js, "/* lock */", 10), 0);
	cb_seal *s = S_new("correct horse battery");
	cb_writer *w;
	cb_error err = {{0}, 0, 0, {0}};
	assert_int_equal(cb_writer_open(&w, out, &err), 0);
	cb_writer_seal(w, s);
	assert_int_equal(cb_writer_put(w, "documents/a.html", "CANARY page", 11, &err), 0);
	assert_int_equal(cb_writer_put(w, "feed.atom", "CANARY feed", 11, &err), 0);
	assert_int_equal(cb_writer_put(w, "assets/style.css", "body{}", 6, &err), 0);
	/* A file made without a put (a database) is swept up at the end. */
	char *db = cb_path_join(cb_writer_stage_dir(w), "themes/x.html");
	char *themes = cb_path_join(cb_writer_stage_dir(w), "themes");
	cb_mkdir_p(themes);
	free(themes);
	assert_int_equal(cb_file_write(db, "CANARY straggler", 16), 0);
	free(db);
	assert_int_equal(cb_writer_seal_finish(w, "<p>unlock</p>", js, &err), 0);
	assert_int_equal(cb_writer_commit(w, &err), 0);
	char *grep = cb_xasprintf("grep -rqa CANARY '%s'", out);
	assert_int_not_equal(system(grep), 0);
	free(grep);
	char *p = cb_path_join(out, "index.html"), *data;
	size_t n;
	assert_int_equal(cb_file_read(p, &data, &n), 0);
	assert_string_equal(data, "<p>unlock</p>");
	free(data);
	free(p);
	p = cb_path_join(out, "feed.atom");
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	p = cb_path_join(out, "themes");
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	/* The swept file is sealed under its own path. */
	char name[48];
	cb_seal_path(s, "themes/x.html", name);
	p = cb_path_join(out, name);
	assert_int_equal(cb_file_read(p, &data, &n), 0);
	char *plain;
	size_t pn;
	assert_int_equal(cb_seal_open(s, "themes/x.html", data, n, &plain, &pn), 0);
	assert_string_equal(plain, "CANARY straggler");
	free(plain);
	free(data);
	free(p);
	cb_seal_free(s);
	cb_rm_rf(dir);
	free(out);
	free(js);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_bound_to_path_and_key),
	    cmocka_unit_test(test_padding_and_names),
	    cmocka_unit_test(test_classify_and_passphrases),
	    cmocka_unit_test(test_writer_output_holds_no_plain_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
