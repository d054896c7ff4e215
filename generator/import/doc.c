/*
 * doc: the intermediate document every reader fills in — blocks built from
 * normalised text — and the entry points of import.h, which choose the
 * reader from what the file holds. Also the plain text reader, which needs
 * nothing but the builder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import_int.h"

/* ---- normalised text ---- */

/* Decodes one UTF-8 sequence at s (n bytes left); *cp is the code point or
 * 0xFFFD for a malformed byte, which consumes one byte. */
static size_t S_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	if (len == 0 || len > n) {
		*cp = 0xFFFD;
		return 1;
	}
	unsigned v = len == 1 ? c : c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = v;
	return len;
}

static bool S_is_space(unsigned c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
	       c == 0x3000;
}

/* Characters that print as nothing: zero-width spaces and joiners, the
 * soft hyphen (only ever a place a word may break), direction marks, the
 * byte order mark, and control characters. */
static bool S_is_invisible(unsigned c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0xAD || c == 0x180E ||
	       (c >= 0x200B && c <= 0x200F) || c == 0x2060 || c == 0xFEFF || c == 0xFFFD;
}

void cb_imp_text_put(cb_imp_text *t, const char *s, size_t n)
{
	static const char *const lig[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c;
		size_t k = S_utf8(p + i, n - i, &c);
		if (S_is_space(c)) {
			if (t->b.len && t->b.data[t->b.len - 1] != ' ')
				cb_buf_putc(&t->b, ' ');
		} else if (S_is_invisible(c)) {
			/* dropped */
		} else if (c >= 0xFB00 && c <= 0xFB06) {
			cb_buf_puts(&t->b, lig[c - 0xFB00]);
		} else if (c >= 0xF000 && c <= 0xF0FF) {
			/* Symbol and Wingdings bullets that PDFs and Word keep in
			 * the private use area. */
			cb_buf_puts(&t->b, "\xE2\x80\xA2");
		} else {
			cb_buf_put(&t->b, s + i, k);
		}
		i += k;
	}
}

void cb_imp_text_puts(cb_imp_text *t, const char *s)
{
	cb_imp_text_put(t, s, strlen(s));
}

void cb_imp_text_link_begin(cb_imp_text *t, const char *href)
{
	cb_imp_text_link_end(t);
	if (!href || !href[0])
		return;
	t->link_href = cb_xstrdup(href);
	t->link_start = t->b.len;
}

void cb_imp_text_link_end(cb_imp_text *t)
{
	if (!t->link_href)
		return;
	size_t start = t->link_start, end = t->b.len;
	if (start < end && t->b.data[start] == ' ')
		start++;
	while (end > start && t->b.data[end - 1] == ' ')
		end--;
	if (end > start) {
		if (t->nlinks == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 4;
			t->links = cb_xrealloc(t->links, t->cap * sizeof *t->links);
		}
		t->links[t->nlinks++] = (cb_import_link){start, end - start, t->link_href};
	} else {
		free(t->link_href);
	}
	t->link_href = NULL;
}

bool cb_imp_text_empty(const cb_imp_text *t)
{
	for (size_t i = 0; i < t->b.len; i++)
		if (t->b.data[i] != ' ')
			return false;
	return true;
}

void cb_imp_text_clear(cb_imp_text *t)
{
	cb_buf_free(&t->b);
	for (size_t i = 0; i < t->nlinks; i++)
		free(t->links[i].href);
	free(t->links);
	free(t->link_href);
	memset(t, 0, sizeof *t);
}

static cb_import_block *S_push(cb_import_doc *doc)
{
	/* Grow by doubling: nblocks is the count, capacity the next power. */
	size_t n = doc->nblocks;
	if ((n & (n - 1)) == 0)
		doc->blocks = cb_xrealloc(doc->blocks, (n ? n * 2 : 1) * sizeof *doc->blocks);
	cb_import_block *b = &doc->blocks[doc->nblocks++];
	memset(b, 0, sizeof *b);
	return b;
}

cb_import_block *cb_imp_add(cb_import_doc *doc, cb_import_kind kind, int level, cb_imp_text *t)
{
	cb_imp_text_link_end(t);
	if (cb_imp_text_empty(t)) {
		cb_imp_text_clear(t);
		return NULL;
	}
	size_t start = 0, end = t->b.len;
	while (start < end && t->b.data[start] == ' ')
		start++;
	while (end > start && t->b.data[end - 1] == ' ')
		end--;
	cb_import_block *b = S_push(doc);
	b->kind = kind;
	b->level = level;
	b->text = cb_xstrndup(t->b.data + start, end - start);
	for (size_t i = 0; i < t->nlinks; i++) {
		cb_import_link *l = &t->links[i];
		if (l->off < start || l->off + l->len > end) {
			free(l->href);
			continue;
		}
		l->off -= start;
		t->links[b->nlinks++] = *l;
	}
	b->links = b->nlinks ? t->links : NULL;
	if (!b->nlinks)
		free(t->links);
	t->links = NULL;
	t->nlinks = t->cap = 0;
	cb_imp_text_clear(t);
	return b;
}

char *cb_imp_norm(const char *s, size_t n)
{
	cb_imp_text t = CB_IMP_TEXT_INIT;
	cb_imp_text_put(&t, s, n);
	size_t start = 0, end = t.b.len;
	while (start < end && t.b.data[start] == ' ')
		start++;
	while (end > start && t.b.data[end - 1] == ' ')
		end--;
	char *r = cb_xstrndup(t.b.data ? t.b.data + start : "", end - start);
	cb_imp_text_clear(&t);
	return r;
}

void cb_imp_meta(char **field, const char *s)
{
	if (!s)
		return;
	char *v = cb_imp_norm(s, strlen(s));
	if (!v[0]) {
		free(v);
		return;
	}
	free(*field);
	*field = v;
}

cb_import_block *cb_imp_add_row(cb_import_doc *doc, int table, bool header, const cb_strv *cells)
{
	cb_import_block *b = S_push(doc);
	b->kind = CB_IMPORT_ROW;
	b->table = table;
	b->header = header;
	cb_buf all = CB_BUF_INIT;
	for (size_t i = 0; i < cells->n; i++) {
		char *c = cb_imp_norm(cells->v[i], strlen(cells->v[i]));
		if (i)
			cb_buf_puts(&all, " | ");
		cb_buf_puts(&all, c);
		cb_strv_push_own(&b->cells, c);
	}
	b->text = cb_buf_detach(&all);
	return b;
}

/* ---- the plain text reader ---- */

/* Paragraphs are separated by blank lines; a line starting with a bullet
 * or a number is a list item; the first line is the title when it stands
 * alone. Lists and headings are refined by the same rules PDF lines get. */
int cb_imp_plain(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err)
{
	size_t bad;
	if (!cb_utf8_valid(data, len, &bad)) {
		int line, col;
		cb_linecol(data, bad, &line, &col);
		cb_error_set(
		    err, name, line, col,
		    "this text file is not UTF-8; save it as UTF-8 (\"Unicode\") and import it again");
		return -1;
	}
	cb_imp_text t = CB_IMP_TEXT_INIT;
	cb_import_kind kind = CB_IMPORT_PARAGRAPH;
	bool ordered = false, item_ordered = false;
	size_t lines_in_block = 0;
	for (size_t i = 0; i <= len;) {
		size_t e = i;
		while (e < len && data[e] != '\n')
			e++;
		const char *line = data + i;
		size_t n = e - i;
		i = e + 1;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		size_t lead = 0;
		while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
			lead++;
		size_t mark = lead == n ? 0 : cb_imp_list_mark(line + lead, n - lead, &ordered);
		if (lead == n || mark) {
			cb_import_block *b = cb_imp_add(doc, kind, 0, &t);
			if (b && kind == CB_IMPORT_PARAGRAPH && lines_in_block == 1)
				b->level = -1; /* a line on its own: may be a heading */
			if (b && kind == CB_IMPORT_ITEM)
				b->ordered = item_ordered;
			kind = CB_IMPORT_PARAGRAPH;
			lines_in_block = 0;
		}
		if (lead == n)
			continue;
		if (mark) {
			kind = CB_IMPORT_ITEM;
			item_ordered = ordered;
		}
		cb_imp_text_put(&t, " ", 1);
		cb_imp_text_put(&t, line + lead + mark, n - lead - mark);
		lines_in_block++;
	}
	cb_import_block *b = cb_imp_add(doc, kind, 0, &t);
	if (b && kind == CB_IMPORT_PARAGRAPH && lines_in_block == 1)
		b->level = -1;
	if (b && kind == CB_IMPORT_ITEM)
		b->ordered = item_ordered;
	cb_imp_headings(doc);
	return 0;
}

/* ---- entry points ---- */

static bool S_ieq_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);
	return n > m && cb_str_ieq(path + n - m, ext);
}

cb_import_format cb_import_format_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (S_ieq_ext(base, ".docx"))
		return CB_IMPORT_DOCX;
	if (S_ieq_ext(base, ".odt"))
		return CB_IMPORT_ODT;
	if (S_ieq_ext(base, ".pdf"))
		return CB_IMPORT_PDF;
	if (S_ieq_ext(base, ".html") || S_ieq_ext(base, ".htm") || S_ieq_ext(base, ".xhtml"))
		return CB_IMPORT_HTML;
	if (S_ieq_ext(base, ".txt") || S_ieq_ext(base, ".text"))
		return CB_IMPORT_TEXT;
	return CB_IMPORT_UNKNOWN;
}

const char *cb_import_format_name(cb_import_format f)
{
	switch (f) {
	case CB_IMPORT_DOCX: return "Word";
	case CB_IMPORT_ODT: return "OpenDocument";
	case CB_IMPORT_PDF: return "PDF";
	case CB_IMPORT_HTML: return "HTML";
	case CB_IMPORT_TEXT: return "text";
	default: return "unknown";
	}
}

/* A compound file (the container of old .doc files, and of Word and
 * OpenDocument files saved with a password) that holds an encrypted
 * package names it in UTF-16. */
static bool S_cfb_encrypted(const char *data, size_t len)
{
	static const char name[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
	return memmem(data, len, name, sizeof name - 1) != NULL;
}

static int S_sniffed(const char *name, const char *data, size_t len, cb_import_format ext,
		     cb_import_format *out, cb_error *err)
{
	if (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
		if (S_cfb_encrypted(data, len))
			cb_error_set(err, name, 0, 0,
				     "this file is password-protected; open it, remove the password "
				     "(File > Info > Protect Document) and import the saved copy");
		else
			cb_error_set(err, name, 0, 0,
				     "this is an old Word 97-2003 (.doc) file, which casebook does not read; "
				     "open it in Word or LibreOffice and save it as .docx or .odt");
		return -1;
	}
	if (len >= 5 && memcmp(data, "%PDF-", 5) == 0) {
		*out = CB_IMPORT_PDF;
		return 0;
	}
	if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
		/* The OpenDocument mimetype member comes first, uncompressed. */
		if (len > 38 + 39 &&
		    memmem(data, len > 200 ? 200 : len, "application/vnd.oasis.opendocument", 34))
			*out = CB_IMPORT_ODT;
		else
			*out = ext == CB_IMPORT_ODT ? CB_IMPORT_ODT : CB_IMPORT_DOCX;
		return 0;
	}
	if (ext == CB_IMPORT_DOCX || ext == CB_IMPORT_ODT || ext == CB_IMPORT_PDF) {
		cb_error_set(err, name, 0, 0,
			     "this is not a %s file (its content does not start as one does): it is damaged "
			     "or was renamed; open it in the program that made it and save it again",
			     cb_import_format_name(ext));
		return -1;
	}
	if (ext == CB_IMPORT_UNKNOWN) {
		cb_error_set(
		    err, name, 0, 0,
		    "casebook cannot tell what kind of file this is; import .docx, .odt, .pdf, .html "
		    "or .txt files");
		return -1;
	}
	*out = ext;
	return 0;
}

int cb_import_read_mem(const char *name, const char *data, size_t len, cb_import_doc **out, cb_error *err)
{
	*out = NULL;
	if (len > CB_IMPORT_MAX_FILE) {
		cb_error_set(err, name, 0, 0, "the file is %zu MB, over import's limit of %u MB",
			     len / (1024 * 1024), CB_IMPORT_MAX_FILE / (1024 * 1024));
		return -1;
	}
	cb_import_format ext = cb_import_format_of(name), f = CB_IMPORT_UNKNOWN;
	if (S_sniffed(name, data, len, ext, &f, err) != 0)
		return -1;
	cb_import_doc *doc = cb_xcalloc(1, sizeof *doc);
	doc->format = f;
	int rc;
	switch (f) {
	case CB_IMPORT_DOCX: rc = cb_imp_docx(name, data, len, doc, err); break;
	case CB_IMPORT_ODT: rc = cb_imp_odt(name, data, len, doc, err); break;
	case CB_IMPORT_PDF: rc = cb_imp_pdf(name, data, len, doc, err); break;
	case CB_IMPORT_HTML: rc = cb_imp_html(name, data, len, doc, err); break;
	default: rc = cb_imp_plain(name, data, len, doc, err); break;
	}
	if (rc != 0) {
		cb_import_doc_free(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

int cb_import_read(const char *path, cb_import_doc **out, cb_error *err)
{
	*out = NULL;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		cb_error_set(err, path, 0, 0, "cannot read the file: %s",
			     errno && !S_ISDIR(st.st_mode) ? strerror(errno) : "it is not a file");
		return -1;
	}
	if ((unsigned long long)st.st_size > CB_IMPORT_MAX_FILE) {
		cb_error_set(err, path, 0, 0,
			     "the file is %llu MB, over import's limit of %u MB; split it, or import the "
			     "summary only",
			     (unsigned long long)st.st_size / (1024 * 1024),
			     CB_IMPORT_MAX_FILE / (1024 * 1024));
		return -1;
	}
	char *data;
	size_t len;
	if (cb_file_read(path, &data, &len) != 0) {
		cb_error_set(err, path, 0, 0, "cannot read the file: %s", strerror(errno));
		return -1;
	}
	int rc = cb_import_read_mem(path, data, len, out, err);
	free(data);
	return rc;
}

char *cb_import_text(const cb_import_doc *doc)
{
	cb_buf b = CB_BUF_INIT;
	for (size_t i = 0; i < doc->nblocks; i++)
		cb_buf_printf(&b, "%s\n", doc->blocks[i].text);
	const char *const meta[] = {doc->title, doc->author, doc->last_modified_by};
	for (size_t i = 0; i < 3; i++)
		if (meta[i])
			cb_buf_printf(&b, "%s\n", meta[i]);
	for (size_t i = 0; i < doc->comments.n; i++)
		cb_buf_printf(&b, "%s\n", doc->comments.v[i]);
	return cb_buf_detach(&b);
}

void cb_import_doc_free(cb_import_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->nblocks; i++) {
		cb_import_block *b = &doc->blocks[i];
		free(b->text);
		cb_strv_free(&b->cells);
		for (size_t k = 0; k < b->nlinks; k++)
			free(b->links[k].href);
		free(b->links);
	}
	free(doc->blocks);
	free(doc->title);
	free(doc->author);
	free(doc->last_modified_by);
	free(doc->created);
	free(doc->modified);
	cb_strv_free(&doc->comments);
	free(doc);
}
