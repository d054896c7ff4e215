/* util: see util.h. */
#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void S_oom(void)
{
	fputs("casebook: out of memory\n", stderr);
	abort();
}

void *cb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		S_oom();
	return p;
}

void *cb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		S_oom();
	return p;
}

void *cb_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		S_oom();
	return p;
}

char *cb_xstrdup(const char *s)
{
	return cb_xstrndup(s, strlen(s));
}

char *cb_xstrndup(const char *s, size_t n)
{
	char *p = cb_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cb_xasprintf(const char *fmt, ...)
{
	cb_buf b = CB_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cb_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return cb_buf_detach(&b);
}

/* ---- buffers ---- */

void cb_buf_grow(cb_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = cb_xrealloc(b->data, cap);
	b->cap = cap;
}

void cb_buf_put(cb_buf *b, const char *s, size_t n)
{
	cb_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void cb_buf_puts(cb_buf *b, const char *s)
{
	cb_buf_put(b, s, strlen(s));
}

void cb_buf_putc(cb_buf *b, char c)
{
	cb_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void cb_buf_vprintf(cb_buf *b, const char *fmt, va_list ap)
{
	if (!fmt)
		return;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	cb_buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void cb_buf_printf(cb_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cb_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void cb_buf_clear(cb_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *cb_buf_detach(cb_buf *b)
{
	/* Detached strings often live for the whole build (a document's HTML
	 * and text): give back the room the doubling left over. */
	if (b->data && b->cap - b->len > 16)
		b->data = cb_xrealloc(b->data, b->len + 1);
	char *p = b->data ? b->data : cb_xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void cb_buf_free(cb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* The characters cb_buf_html replaces: their place in S_html_reps, by
 * byte; 0 for the rest. */
static const unsigned char S_html_esc[256] = {['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5};
static const struct {
	const char *s;
	size_t n;
} S_html_reps[] = {{"", 0}, {"&amp;", 5}, {"&lt;", 4}, {"&gt;", 4}, {"&quot;", 6}, {"&#39;", 5}};

#define S_BYTES(c) ((uint64_t)(c)*0x0101010101010101ULL)

/* Nonzero when a byte of x is zero. */
static uint64_t S_has_zero(uint64_t x)
{
	return (x - S_BYTES(0x01)) & ~x & S_BYTES(0x80);
}

void cb_buf_html(cb_buf *b, const char *s, size_t n)
{
	/* Room for the text as it is; each replacement makes room for itself
	 * and the rest. Runs of plain text are copied whole. */
	cb_buf_grow(b, n);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		/* Eight bytes at a time while none of them is one to replace:
		 * '"', '&' or '\'' (0x26 and 0x27 differ in one bit), '<' or '>'
		 * (likewise); S_has_zero tells whether a byte of x is zero. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (S_has_zero(w ^ S_BYTES(0x22)) | S_has_zero((w | S_BYTES(0x01)) ^ S_BYTES(0x27)) |
			    S_has_zero((w | S_BYTES(0x02)) ^ S_BYTES(0x3e)))
				break;
			i += 8;
		}
		if (i == n)
			break;
		unsigned char e = S_html_esc[(unsigned char)s[i]];
		if (!e)
			continue;
		size_t rl = S_html_reps[e].n;
		cb_buf_grow(b, (i - start) + rl + (n - i));
		memcpy(b->data + b->len, s + start, i - start);
		b->len += i - start;
		memcpy(b->data + b->len, S_html_reps[e].s, rl);
		b->len += rl;
		start = i + 1;
	}
	if (n - start)
		memcpy(b->data + b->len, s + start, n - start);
	b->len += n - start;
	b->data[b->len] = '\0';
}

void cb_buf_json(cb_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': cb_buf_puts(b, "\\\""); break;
		case '\\': cb_buf_puts(b, "\\\\"); break;
		case '\n': cb_buf_puts(b, "\\n"); break;
		case '\r': cb_buf_puts(b, "\\r"); break;
		case '\t': cb_buf_puts(b, "\\t"); break;
		case '<': cb_buf_puts(b, "\\u003c"); break;
		case '>': cb_buf_puts(b, "\\u003e"); break;
		case '&': cb_buf_puts(b, "\\u0026"); break;
		default:
			if (c < 0x20) {
				cb_buf_printf(b, "\\u%04x", c);
			} else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
				   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
				cb_buf_puts(b, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
				i += 2;
			} else {
				cb_buf_putc(b, (char)c);
			}
		}
	}
}

/* ---- string vectors ---- */

void cb_strv_push_own(cb_strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = cb_xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = s;
}

void cb_strv_push(cb_strv *sv, const char *s)
{
	cb_strv_push_own(sv, cb_xstrdup(s));
}

bool cb_strv_contains(const cb_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static int S_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cb_strv_sort(cb_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(char *), S_strcmp_p);
}

void cb_strv_uniq(cb_strv *sv)
{
	size_t w = 0;
	for (size_t i = 0; i < sv->n; i++) {
		if (w > 0 && strcmp(sv->v[w - 1], sv->v[i]) == 0) {
			free(sv->v[i]);
			continue;
		}
		sv->v[w++] = sv->v[i];
	}
	sv->n = w;
}

void cb_strv_free(cb_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* ---- hash map (open addressing, FNV-1a) ---- */

struct cb_strmap {
	char **keys;
	void **vals;
	size_t cap;
	size_t count;
};

static uint64_t S_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

cb_strmap *cb_strmap_new(void)
{
	cb_strmap *m = cb_xcalloc(1, sizeof *m);
	m->cap = 16;
	m->keys = cb_xcalloc(m->cap, sizeof(char *));
	m->vals = cb_xcalloc(m->cap, sizeof(void *));
	return m;
}

void cb_strmap_free(cb_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	free(m);
}

static size_t S_slot(const cb_strmap *m, const char *key)
{
	size_t i = (size_t)S_hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void cb_strmap_put(cb_strmap *m, const char *key, void *value)
{
	if ((m->count + 1) * 4 > m->cap * 3) {
		cb_strmap old = *m;
		m->cap *= 2;
		m->keys = cb_xcalloc(m->cap, sizeof(char *));
		m->vals = cb_xcalloc(m->cap, sizeof(void *));
		for (size_t i = 0; i < old.cap; i++) {
			if (!old.keys[i])
				continue;
			size_t j = S_slot(m, old.keys[i]);
			m->keys[j] = old.keys[i];
			m->vals[j] = old.vals[i];
		}
		free(old.keys);
		free(old.vals);
	}
	size_t i = S_slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = cb_xstrdup(key);
		m->count++;
	}
	m->vals[i] = value;
}

void *cb_strmap_get(const cb_strmap *m, const char *key)
{
	if (!m)
		return NULL;
	size_t i = S_slot(m, key);
	return m->keys[i] ? m->vals[i] : NULL;
}

bool cb_strmap_has(const cb_strmap *m, const char *key)
{
	return m && m->keys[S_slot(m, key)] != NULL;
}

size_t cb_strmap_count(const cb_strmap *m)
{
	return m ? m->count : 0;
}

bool cb_strmap_next(const cb_strmap *m, size_t *it, const char **key, void **value)
{
	if (!m)
		return false;
	for (; *it < m->cap; (*it)++) {
		if (m->keys[*it]) {
			*key = m->keys[*it];
			if (value)
				*value = m->vals[*it];
			(*it)++;
			return true;
		}
	}
	return false;
}

/* ---- text ---- */

bool cb_utf8_valid(const char *str, size_t n, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			goto fail;
		}
		if (i + len > n)
			goto fail;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto fail;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto fail;
		i += len;
	}
	return true;
fail:
	if (bad)
		*bad = i;
	return false;
}

void cb_linecol(const char *s, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off && s[i]; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

char *cb_slugify(const char *s)
{
	cb_buf b = CB_BUF_INIT;
	bool dash = false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && b.len)
				cb_buf_putc(&b, '-');
			cb_buf_putc(&b, (char)c);
			dash = false;
		} else if (c >= 'A' && c <= 'Z') {
			if (dash && b.len)
				cb_buf_putc(&b, '-');
			cb_buf_putc(&b, (char)(c - 'A' + 'a'));
			dash = false;
		} else if (c < 0x80 || (c & 0xC0) == 0xC0) {
			/* ASCII punctuation or the first byte of a non-ASCII character
			 * separates words; continuation bytes add nothing more. */
			dash = true;
		}
	}
	return cb_buf_detach(&b);
}

int cb_edit_distance(const char *a, const char *b, int max)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > (size_t)max)
		return max + 1;
	int *prev = cb_xmalloc((lb + 1) * sizeof(int));
	int *cur = cb_xmalloc((lb + 1) * sizeof(int));
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		int rowmin = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			cur[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		int *t = prev;
		prev = cur;
		cur = t;
		if (rowmin > max) {
			free(prev);
			free(cur);
			return max + 1;
		}
	}
	int d = prev[lb];
	free(prev);
	free(cur);
	return d > max ? max + 1 : d;
}

const char *cb_did_you_mean(const char *word, const char *const *cands, size_t n)
{
	/* Allow roughly one typo per four characters, at least two. */
	int max = (int)strlen(word) / 4;
	if (max < 2)
		max = 2;
	const char *best = NULL;
	int bestd = max + 1;
	for (size_t i = 0; i < n; i++) {
		int d = cb_edit_distance(word, cands[i], max);
		if (d < bestd || (d == bestd && best && strcmp(cands[i], best) < 0)) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= max ? best : NULL;
}

bool cb_web_url_ok(const char *s)
{
	size_t skip;
	if (strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return false;
	if (s[skip] == '\0' || s[skip] == '/')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7F || *p == '"' || *p == '<' || *p == '>')
			return false;
	return true;
}

bool cb_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return true;
}

bool cb_str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool cb_str_ends(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

size_t cb_name_ext(const char *name, const char *exts)
{
	size_t ln = strlen(name);
	for (const char *e = exts; *e;) {
		const char *bar = strchr(e, '|');
		size_t lx = bar ? (size_t)(bar - e) : strlen(e);
		if (lx && ln > lx && strncasecmp(name + ln - lx, e, lx) == 0)
			return lx;
		e += lx + (bar ? 1 : 0);
	}
	return 0;
}

bool cb_str_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

/* ---- files ---- */

int cb_file_read(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	cb_buf b = CB_BUF_INIT;
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		cb_buf_put(&b, tmp, n);
	int rc = ferror(f) ? -1 : 0;
	fclose(f);
	if (rc) {
		cb_buf_free(&b);
		return -1;
	}
	*len = b.len;
	*data = cb_buf_detach(&b);
	return 0;
}

int cb_mkdir_p(const char *dir)
{
	char *p = cb_xstrdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = (mkdir(p, 0755) != 0 && errno != EEXIST) ? -1 : 0;
	free(p);
	return rc;
}

int cb_file_anon(const char *dir, const char *name)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* File systems without O_TMPFILE: a named file, removed at once. */
	char *tmpl = cb_xasprintf("%s/%s-XXXXXX", dir, name);
	fd = mkstemp(tmpl);
	if (fd >= 0)
		unlink(tmpl);
	free(tmpl);
	return fd;
}

int cb_file_write(const char *path, const char *data, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (slash && slash != path) {
		char *dir = cb_xstrndup(path, (size_t)(slash - path));
		int rc = cb_mkdir_p(dir);
		free(dir);
		if (rc)
			return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

int cb_rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *sub = cb_path_join(path, e->d_name);
		if (cb_rm_rf(sub) != 0)
			rc = -1;
		free(sub);
	}
	closedir(d);
	if (rmdir(path) != 0)
		rc = -1;
	return rc;
}

bool cb_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *cb_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	if (la == 0)
		return cb_xstrdup(b);
	if (a[la - 1] == '/')
		return cb_xasprintf("%s%s", a, b);
	return cb_xasprintf("%s/%s", a, b);
}

/* ---- dates ---- */

void cb_format_date(int64_t t, int offset_min, char *buf)
{
	time_t tt = (time_t)(t + (int64_t)offset_min * 60);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

void cb_format_rfc3339(int64_t t, char *buf)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool cb_date_valid(const char *s)
{
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	if (s[10] != '\0')
		return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return false;
	int max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

/* cb_hash: two 64-bit lanes over 8-byte words, each a multiply-rotate
 * mix with its own constants, finished with a full avalanche. */
static const uint64_t S_K1 = 0x9e3779b97f4a7c15ULL, S_K2 = 0xc2b2ae3d27d4eb4fULL;
static const uint64_t S_K3 = 0x165667b19e3779f9ULL, S_K4 = 0xd6e8feb86659fd93ULL;

static uint64_t S_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t S_fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static void S_hash_word(cb_hash *h, uint64_t w)
{
	h->a = S_rotl(h->a ^ (w * S_K1), 31) * S_K2;
	h->b = S_rotl(h->b + (w * S_K3), 29) * S_K4 + h->a;
}

void cb_hash_init(cb_hash *h)
{
	memset(h, 0, sizeof *h);
	h->a = 0x243f6a8885a308d3ULL;
	h->b = 0x13198a2e03707344ULL;
}

void cb_hash_add(cb_hash *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	h->len += n;
	if (h->ntail) {
		/* Complete the word a previous call left unfinished. */
		while (n && h->ntail < 8) {
			h->tail[h->ntail++] = *p++;
			n--;
		}
		if (h->ntail < 8)
			return;
		uint64_t w;
		memcpy(&w, h->tail, 8);
		S_hash_word(h, w);
		h->ntail = 0;
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		S_hash_word(h, w);
	}
	/* At most seven bytes: copied here rather than by a call. */
	for (size_t i = 0; i < n; i++)
		h->tail[i] = p[i];
	h->ntail = n;
}

void cb_hash_str(cb_hash *h, const char *s)
{
	if (!s) {
		cb_hash_u64(h, UINT64_MAX);
		return;
	}
	cb_hash_strn(h, s, strlen(s));
}

void cb_hash_strn(cb_hash *h, const char *s, size_t n)
{
	cb_hash_u64(h, n);
	cb_hash_add(h, s, n);
}

/* Numbers are most of what a data tree's hash is fed: on a word boundary
 * one goes straight in, the same word cb_hash_add would make of it. */
void cb_hash_u64(cb_hash *h, uint64_t v)
{
	if (h->ntail) {
		cb_hash_add(h, &v, sizeof v);
		return;
	}
	h->len += 8;
	S_hash_word(h, v);
}

void cb_hash_digest(const cb_hash *h, uint64_t out[2])
{
	cb_hash f = *h;
	uint64_t w = 0;
	memcpy(&w, f.tail, f.ntail);
	S_hash_word(&f, w ^ ((uint64_t)f.ntail << 56));
	S_hash_word(&f, f.len);
	out[0] = S_fmix(f.a ^ S_rotl(f.b, 17));
	out[1] = S_fmix(f.b ^ S_rotl(f.a, 41) ^ S_K3);
}

void cb_hash_hex(const cb_hash *h, char out[33])
{
	static const char digits[] = "0123456789abcdef";
	uint64_t d[2];
	cb_hash_digest(h, d);
	for (int i = 0; i < 32; i++)
		out[i] = digits[(d[i / 16] >> (60 - 4 * (i % 16))) & 15];
	out[32] = '\0';
}

int cb_source_date_epoch(int64_t *t, cb_error *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (!sde || !sde[0])
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(sde, &end, 10);
	if (errno || *end || v < 0) {
		cb_error_set(err, NULL, 0, 0,
			     "SOURCE_DATE_EPOCH must be a number of seconds since 1970, not '%s'", sde);
		return -1;
	}
	*t = (int64_t)v;
	return 1;
}

static const char *const S_months[] = {"January", "February", "March",	   "April",   "May",	  "June",
				       "July",	  "August",   "September", "October", "November", "December"};

/* The one date label: pages, packs and plugins (casebook.date_label). */
const char *cb_date_label(const char *date, char *buf)
{
	if (!date || !cb_date_valid(date))
		return date ? date : "";
	int m = (date[5] - '0') * 10 + (date[6] - '0');
	char *p = buf;
	if (date[8] != '0')
		*p++ = date[8];
	*p++ = date[9];
	*p++ = ' ';
	size_t ml = strlen(S_months[m - 1]);
	memcpy(p, S_months[m - 1], ml);
	p += ml;
	*p++ = ' ';
	memcpy(p, date, 4);
	p[4] = '\0';
	return buf;
}
