/*
 * util: the small pieces every module needs and the C library lacks —
 * growable buffers, string vectors, a string hash map, UTF-8 checks,
 * slugs, "did you mean" suggestions, HTML escaping and file helpers.
 *
 * Allocation failures abort the program (cb_xmalloc and friends): there is
 * no sensible recovery from running out of memory while building a site,
 * and checking every small allocation would bury the logic.
 */
#ifndef CB_UTIL_H
#define CB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"

void *cb_xmalloc(size_t n);
void *cb_xcalloc(size_t n, size_t size);
void *cb_xrealloc(void *p, size_t n);
char *cb_xstrdup(const char *s);
char *cb_xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *cb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated once anything was put. */
typedef struct cb_buf {
	char *data;
	size_t len;
	size_t cap;
} cb_buf;

#define CB_BUF_INIT                                                                                          \
	{                                                                                                    \
		NULL, 0, 0                                                                                   \
	}
void cb_buf_grow(cb_buf *b, size_t extra);
void cb_buf_put(cb_buf *b, const char *s, size_t n);
void cb_buf_puts(cb_buf *b, const char *s);
void cb_buf_putc(cb_buf *b, char c);
void cb_buf_printf(cb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cb_buf_vprintf(cb_buf *b, const char *fmt, va_list ap);
void cb_buf_clear(cb_buf *b);
/* Hands the contents to the caller (never NULL; caller frees) and empties b. */
char *cb_buf_detach(cb_buf *b);
void cb_buf_free(cb_buf *b);

/* Escapes & < > " ' for HTML text and attribute values. */
void cb_buf_html(cb_buf *b, const char *s, size_t n);
/* Escapes for a JSON or JavaScript string literal (without the quotes);
 * also escapes < > & and U+2028/9 so the result is safe inside <script>. */
void cb_buf_json(cb_buf *b, const char *s, size_t n);

/* A vector of owned strings. */
typedef struct cb_strv {
	char **v;
	size_t n;
	size_t cap;
} cb_strv;

#define CB_STRV_INIT                                                                                         \
	{                                                                                                    \
		NULL, 0, 0                                                                                   \
	}
void cb_strv_push(cb_strv *sv, const char *s); /* copies s */
void cb_strv_push_own(cb_strv *sv, char *s);   /* takes s */
bool cb_strv_contains(const cb_strv *sv, const char *s);
void cb_strv_sort(cb_strv *sv); /* strcmp order */
void cb_strv_uniq(cb_strv *sv); /* after sorting */
void cb_strv_free(cb_strv *sv);

/* A hash map from strings (copied) to borrowed pointers. Iteration order
 * is unspecified: sort keys before producing output. */
typedef struct cb_strmap cb_strmap;
cb_strmap *cb_strmap_new(void);
void cb_strmap_free(cb_strmap *m); /* NULL-safe; values not freed */
void cb_strmap_put(cb_strmap *m, const char *key, void *value);
void *cb_strmap_get(const cb_strmap *m, const char *key);
bool cb_strmap_has(const cb_strmap *m, const char *key);
size_t cb_strmap_count(const cb_strmap *m);
/* Visits every entry; *it starts at 0. Returns false when done. */
bool cb_strmap_next(const cb_strmap *m, size_t *it, const char **key, void **value);

/* A 128-bit hash of a stream of bytes, for cache keys: fast, well mixed,
 * not cryptographic (an attacker who can write the repository gains
 * nothing from a collision: they can change the content anyway). Feed
 * variable-length parts with cb_hash_str so "ab"+"c" differs from "a"+"bc". */
typedef struct cb_hash {
	uint64_t a, b;
	uint64_t len;
	unsigned char tail[8];
	size_t ntail;
} cb_hash;
void cb_hash_init(cb_hash *h);
void cb_hash_add(cb_hash *h, const void *data, size_t n);
void cb_hash_str(cb_hash *h, const char *s);		/* length, then bytes; NULL differs from "" */
void cb_hash_strn(cb_hash *h, const char *s, size_t n); /* as cb_hash_str for s[0..n) */
void cb_hash_u64(cb_hash *h, uint64_t v);
/* The 128-bit result as two numbers (the first is the first 16 digits of
 * cb_hash_hex); h may still be fed afterwards. */
void cb_hash_digest(const cb_hash *h, uint64_t out[2]);
/* 32 lower-case hex digits and a NUL. */
void cb_hash_hex(const cb_hash *h, char out[33]);

/* Returns true when s[0..n) is valid UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF). On failure *bad is the offending offset. */
bool cb_utf8_valid(const char *s, size_t n, size_t *bad);
/* 1-based line and column (in characters) of byte offset off in s. */
void cb_linecol(const char *s, size_t off, int *line, int *col);

/* Lower-case ASCII slug: letters and digits kept, runs of anything else
 * become one '-', no leading or trailing '-'. Non-ASCII bytes are dropped,
 * so a slug can never hold '/', '.', or odd Unicode. May return "" for a
 * string with no letters or digits. Caller frees. */
char *cb_slugify(const char *s);

/* Levenshtein distance, capped: returns max+1 once it is exceeded. */
int cb_edit_distance(const char *a, const char *b, int max);
/* The candidate closest to word within a sensible distance, or NULL. */
const char *cb_did_you_mean(const char *word, const char *const *cands, size_t n);

/* An http:// or https:// address with a host and no spaces, quotes or
 * angle brackets: the only links casebook writes from front matter. */
bool cb_web_url_ok(const char *s);
/* An id such as a theme id: lower-case letters, digits and inner dashes. */
bool cb_id_ok(const char *s);

bool cb_str_starts(const char *s, const char *prefix);
bool cb_str_ends(const char *s, const char *suffix);
bool cb_str_ieq(const char *a, const char *b); /* ASCII case-insensitive */
/* Whether name ends in one of exts, a list such as ".md|.markdown", ignoring
 * ASCII case: returns the length of the matching extension, 0 when none. */
size_t cb_name_ext(const char *name, const char *exts);
/* The extensions of a Markdown document (cb_name_ext): .md, .MD, .markdown. */
#define CB_MARKDOWN_EXTS ".md|.markdown"

/* Writes v in decimal at d (room for 20 bytes, no NUL); returns the end.
 * For numbers written by the thousand (the browser index's postings and
 * lists), so without printf. */
static inline char *cb_dec(char *d, uint64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	if (v < 10) {
		*d = (char)('0' + v);
		return d + 1;
	}
	if (v < 100) {
		memcpy(d, pairs + 2 * v, 2);
		return d + 2;
	}
	if (v < 1000) {
		*d = (char)('0' + v / 100);
		memcpy(d + 1, pairs + 2 * (v % 100), 2);
		return d + 3;
	}
	if (v < 10000) {
		memcpy(d, pairs + 2 * (v / 100), 2);
		memcpy(d + 2, pairs + 2 * (v % 100), 2);
		return d + 4;
	}
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*d++ = tmp[--n];
	return d;
}

/* Reads a whole file; caller frees *data (NUL-terminated). 0 or -1 (errno). */
int cb_file_read(const char *path, char **data, size_t *len);
/* Creates the file's parent folders as needed and writes it. 0 or -1. */
int cb_file_write(const char *path, const char *data, size_t len);
/* A new file in dir with no name (O_TMPFILE; else made with name as a
 * prefix and unlinked at once), readable by its owner only: it is gone
 * when closed, whatever happens. A file descriptor, or -1 (errno). */
int cb_file_anon(const char *dir, const char *name);
int cb_mkdir_p(const char *dir);
/* Removes a folder tree without following symlinks. 0 or -1. */
int cb_rm_rf(const char *path);
bool cb_is_dir(const char *path);
/* Joins two path parts with one '/'; caller frees. */
char *cb_path_join(const char *a, const char *b);

/* SOURCE_DATE_EPOCH, for reproducible output: 1 with *t set when it is
 * set, 0 when it is not, -1 with err when it is not a number of seconds. */
int cb_source_date_epoch(int64_t *t, cb_error *err);

/* "YYYY-MM-DD" for a Unix time shifted by offset minutes; buf >= 11. */
void cb_format_date(int64_t t, int offset_min, char *buf);
/* RFC 3339 UTC timestamp "YYYY-MM-DDTHH:MM:SSZ"; buf >= 21. */
void cb_format_rfc3339(int64_t t, char *buf);
/* Checks a YYYY-MM-DD calendar date (leap years included). */
bool cb_date_valid(const char *s);
/* "14 March 2024" for "2024-03-14", in buf (32 bytes at least) or the
 * date itself when it is not one; "" for NULL. */
const char *cb_date_label(const char *date, char *buf);

#endif
