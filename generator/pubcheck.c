/* pubcheck: see pubcheck.h. */
#define _GNU_SOURCE
#include "pubcheck.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textnorm.h"

size_t cb_pubcheck_file_name(const char *path, const char *content_dir, const cb_strv *allow,
			     const cb_pii_names *names, cb_diags *d)
{
	size_t skip = strlen(content_dir);
	const char *rel = strncmp(path, content_dir, skip) == 0 && path[skip] == '/' ? path + skip + 1 : path;
	size_t n = strlen(rel);
	if (n > 3 && strcmp(rel + n - 3, ".md") == 0)
		n -= 3;
	char *words = cb_xstrndup(rel, n);
	bool start = true;
	for (char *p = words; *p; p++) {
		if (*p == '-' || *p == '_' || *p == '/') {
			*p = ' ';
			start = true;
		} else {
			if (start && *p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
			start = false;
		}
	}
	cb_pii_where w = {path, NULL, 0, " in the file name, which becomes the page's address", NULL};
	/* Positions in a file name mean nothing to the author: one anchor
	 * with no line says "the file". */
	cb_pii_anchor whole = {0, 0, 0};
	w.at = &whole;
	w.nat = 1;
	size_t errors = cb_pii_check_text(&w, words, n, allow, names, d, NULL);
	free(words);
	return errors;
}

/* The name of a control character for a message. */
static const char *S_control_name(unsigned cp)
{
	static const char *const c0[32] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
					   "BS",  "HT",	 "LF",	"VT",  "FF",  "CR",  "SO",  "SI",
					   "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
					   "CAN", "EM",	 "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
	if (cp < 32)
		return c0[cp];
	return cp == 0x7F ? "DEL" : "C1 control";
}

size_t cb_pubcheck_controls(const char *path, const char *text, size_t len, cb_diags *d)
{
	size_t errors = 0;
	for (const char *p = path; *p; p++) {
		unsigned c = (unsigned char)*p;
		if ((c < 0x80 && cb_textnorm_is_control(c)) ||
		    (c == 0xC2 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9F)) {
			cb_diags_add(d, CB_ERROR, path, 0, 0, "control-character",
				     "the file name holds a control character (%s), which would reach "
				     "terminals and the page's address; rename the file",
				     S_control_name(c == 0xC2 ? 0x80 : c));
			errors++;
			break;
		}
	}
	int line = 1, col = 1, shown = 0;
	const unsigned char *t = (const unsigned char *)text;
	for (size_t i = 0; i < len; i++) {
		/* cp: the character, for ASCII and C1 controls (0xC2 0x80-0x9F);
		 * any other byte of a multibyte character is no control. */
		unsigned c = t[i], cp = c < 0x80 ? c : 0x100;
		if (c == 0xC2 && i + 1 < len && t[i + 1] >= 0x80 && t[i + 1] <= 0x9F)
			cp = t[i + 1];
		if (c == '\n') {
			line++, col = 1;
			continue;
		}
		if (cb_textnorm_is_control(cp) && c != '\r' && c != 0) {
			if (shown++ < 3) {
				cb_diags_add(d, CB_ERROR, path, line, col, "control-character",
					     "control character U+%04X (%s), which would reach terminals and "
					     "pages unseen; remove it",
					     cp, S_control_name(cp));
				errors++;
			}
		}
		if ((c & 0xC0) != 0x80)
			col++;
	}
	return errors;
}

size_t cb_pubcheck_body(const char *path, const cb_pubtext *pub, const char *body, size_t len, int body_line,
			const cb_strv *allow, const cb_pii_names *names, cb_diags *d)
{
	if (!pub->text || !pub->len)
		return 0;
	/* What the source check finds in the body, to skip. */
	cb_strv seen = CB_STRV_INIT;
	cb_diags scratch = CB_DIAGS_INIT;
	cb_pii_anchor first = {0, body_line, 1};
	cb_pii_where src = {path, &first, 1, NULL, NULL};
	cb_pii_check_text(&src, body, len, allow, names, &scratch, &seen);
	cb_diags_free(&scratch);
	cb_pii_anchor *at = cb_xmalloc((pub->nat ? pub->nat : 1) * sizeof *at);
	for (size_t k = 0; k < pub->nat; k++)
		at[k] = (cb_pii_anchor){pub->at[k].off, pub->at[k].line, pub->at[k].col};
	cb_pii_where w = {path, at, pub->nat, " as the page shows it", &seen};
	size_t errors = cb_pii_check_text(&w, pub->text, pub->len, allow, names, d, NULL);
	free(at);
	cb_strv_free(&seen);
	return errors;
}

/* ---- the last scan: what published files say ---- */

static void S_put_cp(cb_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	}
	cb_buf_put(b, u, n);
}

/* A character reference at s[0..n) (s[0] == '&'): appends what it stands
 * for and returns its length, or 0 when it is none. Named references
 * other than these few are left as written: the check cares about those
 * that can stand in a number, an address or a name. */
static size_t S_entity(cb_buf *b, const char *s, size_t n)
{
	size_t e = 1;
	while (e < n && e < 12 && s[e] != ';')
		e++;
	if (e >= n || s[e] != ';' || e < 2)
		return 0;
	if (s[1] == '#') {
		bool hex = e > 2 && (s[2] == 'x' || s[2] == 'X');
		unsigned long cp = 0;
		size_t k = hex ? 3 : 2;
		if (k == e)
			return 0;
		for (; k < e; k++) {
			int c = (unsigned char)s[k], v = c >= '0' && c <= '9'	       ? c - '0'
							 : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
							 : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
										       : -1;
			if (v < 0)
				return 0;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
			if (cp > 0x10FFFF)
				cp = 0x110000;
		}
		S_put_cp(b, cp);
		return e + 1;
	}
	static const struct {
		const char *name;
		unsigned cp;
	} named[] = {{"amp", '&'},     {"lt", '<'},	   {"gt", '>'},	       {"quot", '"'},
		     {"apos", '\''},   {"nbsp", 0xA0},	   {"commat", '@'},    {"period", '.'},
		     {"sol", '/'},     {"hyphen", 0x2010}, {"dash", 0x2010},   {"ndash", 0x2013},
		     {"num", '#'},     {"plus", '+'},	   {"lpar", '('},      {"rpar", ')'},
		     {"ensp", 0x2002}, {"emsp", 0x2003},   {"thinsp", 0x2009}, {"zwsp", 0x200B}};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		if (strlen(named[i].name) == e - 1 && memcmp(s + 1, named[i].name, e - 1) == 0) {
			S_put_cp(b, named[i].cp);
			return e + 1;
		}
	}
	return 0;
}

/* Tags whose text runs on into the text around them. */
static bool S_inline_tag(const char *name, size_t n)
{
	static const char *const tags[] = {"a",	   "abbr", "b",	   "bdi",  "bdo",   "cite", "code",
					   "data", "del",  "dfn",  "em",   "i",	    "ins",  "kbd",
					   "mark", "q",	   "s",	   "samp", "small", "span", "strong",
					   "sub",  "sup",  "time", "u",	   "var",   "wbr"};
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (strlen(tags[i]) == n && strncasecmp(tags[i], name, n) == 0)
			return true;
	return false;
}

/* Appends the attribute values of the tag at s[0..n) (after its name),
 * each apart, with references resolved. */
static void S_attrs(cb_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && s[i] != '=')
			i++;
		if (i++ >= n)
			break;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
			i++;
		char q = i < n && (s[i] == '"' || s[i] == '\'') ? s[i++] : 0;
		cb_buf_puts(out, "\n\n");
		while (i < n && (q ? s[i] != q : !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))) {
			size_t k = s[i] == '&' ? S_entity(out, s + i, n - i) : 0;
			if (k) {
				i += k;
			} else {
				cb_buf_putc(out, s[i]);
				i++;
			}
		}
		cb_buf_puts(out, "\n\n");
		i++;
	}
}

char *cb_pubcheck_reader_text(const char *s, size_t n, int kind, size_t *out_len)
{
	cb_buf b = CB_BUF_INIT;
	cb_buf_grow(&b, n + 1);
	cb_buf_puts(&b, "");
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (kind == 'h' && c == '<') {
			if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
				const char *end = memmem(s + i + 4, n - i - 4, "-->", 3);
				i = end ? (size_t)(end - s) + 3 : n;
				continue;
			}
			size_t e = i + 1;
			while (e < n && s[e] != '>')
				e++;
			size_t name = i + 1 + (i + 1 < n && s[i + 1] == '/');
			size_t ne = name;
			while (ne < e && s[ne] != ' ' && s[ne] != '\t' && s[ne] != '\n' && s[ne] != '/')
				ne++;
			bool joins = S_inline_tag(s + name, ne - name);
			if (!joins)
				cb_buf_puts(&b, "\n\n");
			S_attrs(&b, s + ne, e - ne);
			if (!joins)
				cb_buf_puts(&b, "\n\n");
			i = e < n ? e + 1 : n;
			continue;
		}
		if (kind == 'h' && c == '&') {
			size_t k = S_entity(&b, s + i, n - i);
			if (k) {
				i += k;
				continue;
			}
		}
		if (kind == 'j' && c == '\\' && i + 1 < n) {
			char e = s[i + 1];
			if (e == 'u' && i + 6 <= n) {
				unsigned long cp = 0;
				size_t k = 2;
				for (; k < 6; k++) {
					int h = (unsigned char)s[i + k];
					int v = h >= '0' && h <= '9'   ? h - '0'
						: h >= 'a' && h <= 'f' ? h - 'a' + 10
						: h >= 'A' && h <= 'F' ? h - 'A' + 10
								       : -1;
					if (v < 0)
						break;
					cp = cp * 16 + (unsigned long)v;
				}
				if (k == 6) {
					S_put_cp(&b, cp);
					i += 6;
					continue;
				}
			}
			cb_buf_putc(&b, e == 'n' ? '\n' : e == 't' ? '\t' : e);
			i += 2;
			continue;
		}
		cb_buf_putc(&b, c);
		i++;
	}
	*out_len = b.len;
	return cb_buf_detach(&b);
}

/* How a published file is read (cb_pubcheck_reader_text's kind), by its
 * name; 0 for files that are not text (images, fonts, databases). */
static int S_kind(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return 0;
	static const char *const markup[] = {".html", ".htm", ".xml", ".atom", ".rss", ".svg", ".xhtml"};
	static const char *const script[] = {".js", ".mjs", ".json", ".webmanifest", ".map"};
	static const char *const text[] = {".txt", ".css", ".csv", ".md", ".tsv", ".ics", ".vcf"};
	for (size_t i = 0; i < sizeof markup / sizeof markup[0]; i++)
		if (strcasecmp(dot, markup[i]) == 0)
			return 'h';
	for (size_t i = 0; i < sizeof script / sizeof script[0]; i++)
		if (strcasecmp(dot, script[i]) == 0)
			return 'j';
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
		if (strcasecmp(dot, text[i]) == 0)
			return 't';
	return 0;
}

/* Which files the scan leaves out (cb_pubcheck_output's skip). */
typedef struct S_skip {
	bool (*fn)(void *ctx, const char *rel);
	void *ctx;
	size_t n; /* files left out */
} S_skip;

/* Every text file under dir/rel that skip does not leave out, as paths
 * relative to dir. */
static void S_list(const char *dir, const char *rel, S_skip *skip, cb_strv *out)
{
	char *path = rel[0] ? cb_path_join(dir, rel) : cb_xstrdup(dir);
	DIR *dh = opendir(path);
	free(path);
	if (!dh)
		return;
	cb_strv names = CB_STRV_INIT;
	struct dirent *e;
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			cb_strv_push(&names, e->d_name);
	closedir(dh);
	for (size_t i = 0; i < names.n; i++) {
		char *r = rel[0] ? cb_path_join(rel, names.v[i]) : cb_xstrdup(names.v[i]);
		char *full = cb_path_join(dir, r);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			S_list(dir, r, skip, out);
		else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode) && S_kind(r)) {
			if (skip->fn && skip->fn(skip->ctx, r))
				skip->n++;
			else
				cb_strv_push(out, r);
		}
		free(full);
		free(r);
	}
	cb_strv_free(&names);
}

typedef struct S_scan {
	const char *dir, *shown;
	const cb_strv *files;
	const cb_strv *allow;
	const cb_pii_names *names;
	pthread_mutex_t lock;
	size_t next;
	cb_diags *found; /* one per file, merged in order afterwards */
} S_scan;

static void *S_scan_worker(void *arg)
{
	S_scan *sc = arg;
	for (;;) {
		pthread_mutex_lock(&sc->lock);
		size_t i = sc->next++;
		pthread_mutex_unlock(&sc->lock);
		if (i >= sc->files->n)
			break;
		const char *rel = sc->files->v[i];
		char *full = cb_path_join(sc->dir, rel), *data = NULL;
		size_t len = 0, tlen = 0;
		if (cb_file_read(full, &data, &len) == 0) {
			char *text = cb_pubcheck_reader_text(data, len, S_kind(rel), &tlen);
			cb_pii_anchor whole = {0, 0, 0};
			char *shown = cb_path_join(sc->shown, rel);
			cb_pii_where w = {shown, &whole, 1, " in the published file", NULL};
			cb_pii_check_text(&w, text, tlen, sc->allow, sc->names, &sc->found[i], NULL);
			free(shown);
			free(text);
		}
		free(data);
		free(full);
	}
	return NULL;
}

size_t cb_pubcheck_output(const char *dir, const char *shown, const cb_strv *allow, const cb_pii_names *names,
			  bool (*skip)(void *ctx, const char *rel), void *skip_ctx, int jobs, cb_diags *d,
			  size_t *read, size_t *skipped)
{
	cb_strv files = CB_STRV_INIT;
	S_skip sk = {skip, skip_ctx, 0};
	S_list(dir, "", &sk, &files);
	if (read)
		*read = files.n;
	if (skipped)
		*skipped = sk.n;
	S_scan sc = {dir, shown, &files, allow, names, PTHREAD_MUTEX_INITIALIZER, 0, NULL};
	sc.found = cb_xcalloc(files.n ? files.n : 1, sizeof *sc.found);
	long n = jobs > 0 ? jobs : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > 16)
		n = 16;
	pthread_t th[16];
	long started = 0;
	for (; n > 1 && started < n; started++)
		if (pthread_create(&th[started], NULL, S_scan_worker, &sc) != 0)
			break;
	if (started == 0)
		S_scan_worker(&sc);
	for (long i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	size_t errors = 0;
	for (size_t i = 0; i < files.n; i++) {
		errors += sc.found[i].errors;
		cb_diags_take(d, &sc.found[i]);
	}
	free(sc.found);
	cb_strv_free(&files);
	return errors;
}
