/* markdown: see markdown.h. */
#define _GNU_SOURCE
#include "markdown.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "learning.h"
#include "util.h"

/* Safe mode is cmark-gfm's default (raw HTML and javascript:/vbscript:/
 * file:/data: links are dropped). Style attributes for table alignment keep
 * the output valid HTML5, where align="" is obsolete. */
#define S_OPTIONS                                                                                            \
	(CMARK_OPT_DEFAULT | CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE)

const char *const cb_reserved_ids[] = {"main",		"top",	     "content", "header",  "footer",
				       "nav",		"search",    "toc",	"summary", "metadata",
				       "learning",	"questions", "actions", "related", "backlinks",
				       "referenced-by", "links",     NULL};

static pthread_once_t S_once = PTHREAD_ONCE_INIT;

static void S_register(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

int cb_markdown_is_learning_heading(const char *text)
{
	return cb_lvocab_match(NULL, NULL, text);
}

/* Appends the plain text under node: text, code and line breaks. */
static void S_plain(cmark_node *node, cb_buf *b)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *cur = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(cur);
		if (ev == CMARK_EVENT_ENTER) {
			if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE || t == CMARK_NODE_CODE_BLOCK) {
				const char *lit = cmark_node_get_literal(cur);
				if (lit)
					cb_buf_puts(b, lit);
			} else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) {
				cb_buf_putc(b, ' ');
			}
		} else if (ev == CMARK_EVENT_EXIT && b->len && b->data[b->len - 1] != '\n' &&
			   (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING || t == CMARK_NODE_ITEM ||
			    t == CMARK_NODE_CODE_BLOCK ||
			    strcmp(cmark_node_get_type_string(cur), "table_cell") == 0)) {
			cb_buf_putc(b, t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING ? '\n' : ' ');
		}
	}
	cmark_iter_free(it);
	/* Trim trailing whitespace. */
	while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\n'))
		b->data[--b->len] = '\0';
}

static char *S_plain_dup(cmark_node *node)
{
	cb_buf b = CB_BUF_INIT;
	S_plain(node, &b);
	return cb_buf_detach(&b);
}

/* True for a link target with a scheme ("https:", "mailto:"). */
static int S_has_scheme(const char *url)
{
	for (const char *p = url; *p; p++) {
		if (*p == ':')
			return p != url;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '+' || *p == '-' || *p == '.'))
			return 0;
	}
	return 0;
}

/* A link to a partner repository's document, written as casebook names
 * it everywhere: "walsby:content/briefings/x.md" — a source's name (lower-
 * case letters, digits and '-'), a colon, and the path in its repository
 * of a Markdown document (so web addresses are not, nor "mailto:" to an
 * address in Moldova's .md). */
static bool S_source_link(const char *url)
{
	const char *p = url;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
		p++;
	if (p == url || *p != ':' || p[1] == '/' || !p[1])
		return false;
	size_t n = strcspn(p, "#?");
	char *path = cb_xstrndup(p, n);
	bool md = cb_name_ext(path, CB_MARKDOWN_EXTS) != 0 && !strchr(path, '@');
	free(path);
	return md;
}

/* Resolves target relative to the folder of file, folding "." and "..".
 * Returns NULL when the path climbs out of the repository. Caller frees. */
static char *S_resolve_path(const char *file, const char *target)
{
	cb_strv parts = CB_STRV_INIT;
	const char *slash = strrchr(file, '/');
	cb_buf all = CB_BUF_INIT;
	if (target[0] != '/' && slash) {
		cb_buf_put(&all, file, (size_t)(slash - file) + 1);
	}
	cb_buf_puts(&all, target[0] == '/' ? target + 1 : target);
	char *save = NULL;
	for (char *tok = strtok_r(all.data, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (parts.n == 0) {
				cb_strv_free(&parts);
				cb_buf_free(&all);
				return NULL;
			}
			free(parts.v[--parts.n]);
			continue;
		}
		cb_strv_push(&parts, tok);
	}
	cb_buf out = CB_BUF_INIT;
	for (size_t i = 0; i < parts.n; i++) {
		if (i)
			cb_buf_putc(&out, '/');
		cb_buf_puts(&out, parts.v[i]);
	}
	cb_strv_free(&parts);
	cb_buf_free(&all);
	return cb_buf_detach(&out);
}

/* Decodes %XX escapes (cmark percent-encodes link destinations). */
static void S_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '%' && r[1] && r[2]) {
			char hex[3] = {r[1], r[2], 0};
			char *end;
			long v = strtol(hex, &end, 16);
			if (*end == '\0' && v > 0) {
				*w++ = (char)v;
				r += 2;
				continue;
			}
		}
		*w++ = *r;
	}
	*w = '\0';
}

/* Where broken links are in the source (S_link_pos): the offset of every
 * line start, made once, and how far the search has got. Links are met in
 * document order, so each search starts where the last one ended: 20,000
 * broken links in one paragraph cost one pass, not one pass each. */
typedef struct S_linkpos {
	size_t *lines; /* lines[k]: offset where line k + 1 starts */
	size_t nlines;
	size_t next; /* offset after the last link found */
	/* The last column worked out, to count on from within a long line */
	int col_line, col;
	size_t col_off;
} S_linkpos;

static void S_linkpos_init(S_linkpos *lp, const char *body, size_t len)
{
	size_t cap = 64;
	lp->lines = cb_xmalloc(cap * sizeof *lp->lines);
	lp->nlines = 0;
	lp->lines[lp->nlines++] = 0;
	for (size_t i = 0; i < len; i++) {
		if (body[i] != '\n')
			continue;
		if (lp->nlines == cap) {
			cap *= 2;
			lp->lines = cb_xrealloc(lp->lines, cap * sizeof *lp->lines);
		}
		lp->lines[lp->nlines++] = i + 1;
	}
	lp->next = 0;
	lp->col_line = lp->col = 0;
	lp->col_off = 0;
}

/* The 1-based line holding offset off. */
static int S_line_of(const S_linkpos *lp, size_t off)
{
	size_t lo = 0, hi = lp->nlines;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (lp->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo + 1;
}

/* Finds where a link to url starts in the source (an image at its '!'), searching from the start of
 * its paragraph (or after the previous link found, when that is later);
 * falls back to the paragraph's position. */
static void S_link_pos(const char *body, size_t len, S_linkpos *lp, cmark_node *link, const char *raw_url,
		       int body_line, int *line, int *col)
{
	cmark_node *blk = link;
	while (blk && cmark_node_get_start_line(blk) == 0)
		blk = cmark_node_parent(blk);
	int bl = blk ? cmark_node_get_start_line(blk) : 1;
	int bc = blk ? cmark_node_get_start_column(blk) : 1;
	size_t off = bl >= 1 && (size_t)bl <= lp->nlines ? lp->lines[bl - 1] : len;
	if (lp->next > off)
		off = lp->next;
	size_t ulen = strlen(raw_url);
	const char *hit = ulen && off < len ? memmem(body + off, len - off, raw_url, ulen) : NULL;
	if (hit) {
		lp->next = (size_t)(hit - body) + ulen;
		/* Point at the "[" that opens the link when it is on the same line. */
		int l = S_line_of(lp, (size_t)(hit - body));
		const char *ls = body + lp->lines[l - 1];
		const char *p = hit;
		while (p > ls && *p != '[')
			p--;
		if (*p != '[')
			p = hit;
		else if (p > ls && p[-1] == '!' && cmark_node_get_type(link) == CMARK_NODE_IMAGE)
			p--; /* an image starts at its '!' */
		int c = 1;
		const char *q = ls;
		if (lp->col && lp->col_line == l && body + lp->col_off <= p) {
			q = body + lp->col_off;
			c = lp->col;
		}
		for (; q < p; q++)
			if (((unsigned char)*q & 0xC0) != 0x80)
				c++;
		lp->col_line = l;
		lp->col_off = (size_t)(p - body);
		lp->col = c;
		*line = l + body_line - 1;
		*col = c;
	} else {
		*line = bl + body_line - 1;
		*col = bc;
	}
}

typedef struct S_ctx {
	const char *body;
	size_t len;
	int body_line;
	const char *file;
	cb_link_resolver resolve;
	void *rctx;
	cb_diags *d;
	int errors;
	cb_strmap *used_ids;
	cb_strmap *next_k; /* base id -> the next number to try (S_unique_id) */
	S_linkpos lpos;
	int *links;
	size_t nlinks, caplinks;
	cb_mlink *doclinks;
	size_t ndoclinks;
	int heading; /* the last heading met (S_links), -1 before the first */
} S_ctx;

static char *S_unique_id(S_ctx *c, const char *text)
{
	char *base = cb_slugify(text);
	if (!base[0]) {
		free(base);
		base = cb_xstrdup("section");
	}
	char *id = cb_xstrdup(base);
	if (cb_strmap_has(c->used_ids, id)) {
		/* Numbers below the one remembered for base are all taken (ids
		 * are never given back), so 8,000 headings of the same text
		 * take 8,000 steps, not 8,000 x 8,000 / 2. */
		intptr_t k = (intptr_t)cb_strmap_get(c->next_k, base);
		if (k < 2)
			k = 2;
		do {
			free(id);
			id = cb_xasprintf("%s-%ld", base, (long)k++);
		} while (cb_strmap_has(c->used_ids, id));
		cb_strmap_put(c->next_k, base, (void *)k);
	}
	free(base);
	cb_strmap_put(c->used_ids, id, NULL);
	return id;
}

/* An image needs words for those who cannot see it. */
static void S_image_alt(S_ctx *c, cmark_node *img, const char *url)
{
	for (cmark_node *k = cmark_node_first_child(img); k; k = cmark_node_next(k)) {
		const char *lit = cmark_node_get_literal(k);
		if (!lit || lit[strspn(lit, " \t\n")])
			return; /* words, or an inline holding them */
	}
	int line, col;
	/* The image's own link is looked up again next (S_file_link): the
	 * search must start from the same place. */
	size_t next = c->lpos.next;
	S_link_pos(c->body, c->len, &c->lpos, img, url ? url : "", c->body_line, &line, &col);
	c->lpos.next = next;
	cb_diags_add(c->d, CB_WARNING, c->file, line, col, "image-alt",
		     "the image '%s' has no alt text; say what it shows between the brackets, as in "
		     "![Chart of referrals by month](%s)",
		     url ? url : "", url ? url : "");
}

/* A partner's documents are built from its repository alone, and the
 * hub's from the hub's: a link between them would depend on two pins. */
static void S_out_of_source(S_ctx *c, int line, int col, const char *path)
{
	cb_diags_add(c->d, CB_ERROR, c->file, line, col, "link-out-of-source",
		     "'%s' is outside this document's repository; link only to documents and files of "
		     "the same repository (for another partnership's, link to its published page's "
		     "address)",
		     path);
	c->errors++;
}

/* A link or image to a file that is not a document (a picture, a PDF, a
 * spreadsheet): checked and, when the site carries a copy, pointed at it. */
static void S_file_link(S_ctx *c, cmark_node *n, const char *url, const char *path, const char *frag)
{
	int line, col;
	S_link_pos(c->body, c->len, &c->lpos, n, url, c->body_line, &line, &col);
	char *resolved = path[0] ? S_resolve_path(c->file, path) : NULL;
	char *href = NULL;
	int target = -1;
	cb_link_status st = !path[0]   ? CB_LINK_MISSING
			    : resolved ? c->resolve(c->rctx, resolved, line, col, &href, &target)
				       : CB_LINK_OUTSIDE;
	if (st == CB_LINK_OK) {
		char *full = frag ? cb_xasprintf("%s#%s", href, frag) : cb_xstrdup(href);
		cmark_node_set_url(n, full);
		free(full);
	} else if (st == CB_LINK_MISSING) {
		cb_diags_add(c->d, CB_ERROR, c->file, line, col, "missing-file",
			     "there is no file '%s'; the path is relative to this document, so check the "
			     "folder and spelling (and that the file is committed)",
			     path);
		c->errors++;
	} else if (st == CB_LINK_OUTSIDE) {
		cb_diags_add(c->d, CB_ERROR, c->file, line, col, "file-outside",
			     "'%s' is outside the content folder, so the site cannot carry it; move the "
			     "file into the content folder and link to it there",
			     path);
		c->errors++;
	} else if (st == CB_LINK_OTHER_SOURCE) {
		S_out_of_source(c, line, col, path);
	} else if (st == CB_LINK_TOO_LARGE) {
		cb_diags_add(c->d, CB_ERROR, c->file, line, col, "file-too-large",
			     "'%s' is larger than attachment-max-mb allows; make it smaller (a PDF can "
			     "often be saved smaller), link to where it is published instead, or raise "
			     "attachment-max-mb in casebook.yml",
			     path);
		c->errors++;
	}
	free(href);
	free(resolved);
}

/* Reports a link to a document that did not resolve (st). */
static void S_link_error(S_ctx *c, cmark_node *n, const char *url, const char *path, cb_link_status st,
			 bool src_link)
{
	int line, col;
	if (!c->lpos.lines)
		S_linkpos_init(&c->lpos, c->body, c->len);
	S_link_pos(c->body, c->len, &c->lpos, n, url, c->body_line, &line, &col);
	if (st == CB_LINK_OTHER_SOURCE) {
		S_out_of_source(c, line, col, path);
		return;
	}
	if (src_link)
		cb_diags_add(c->d, CB_ERROR, c->file, line, col, "broken-link",
			     "link to '%s' does not match any document; a partner repository's document is "
			     "written NAME:PATH, NAME a source in casebook.yml and PATH the document's path "
			     "in that repository (as 'casebook search' shows it)",
			     path);
	else
		cb_diags_add(c->d, CB_ERROR, c->file, line, col, "broken-link",
			     "link to '%s' does not match any document; the path is relative to this file, "
			     "so check the folder and spelling",
			     path);
	c->errors++;
}

/* Rewrites links to other documents; returns the next node to visit. */
static void S_links(S_ctx *c, cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	cmark_node **hidden = NULL;
	size_t nhidden = 0;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(n);
		/* Headings come in the order cb_markdown_render_ex numbers them. */
		if (ev == CMARK_EVENT_ENTER && type == CMARK_NODE_HEADING)
			c->heading++;
		if (ev != CMARK_EVENT_ENTER || (type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE))
			continue;
		const char *url = cmark_node_get_url(n);
		/* Safe mode still lets data:image/png, gif, jpeg and webp through.
		 * None is kept: an embedded picture (a scanned letter, a photo)
		 * would carry what the personal-data check cannot read. */
		if (url && strncasecmp(url, "data:", 5) == 0) {
			cmark_node_set_url(n, "");
			continue;
		}
		if (type == CMARK_NODE_IMAGE)
			S_image_alt(c, n, url);
		bool src_link = url && S_source_link(url);
		if (!src_link &&
		    (!url || !url[0] || url[0] == '#' || S_has_scheme(url) || cb_str_starts(url, "//")))
			continue;
		char *path = cb_xstrdup(url);
		char *frag = strchr(path, '#');
		if (frag)
			*frag++ = '\0';
		char *q = strchr(path, '?');
		if (q)
			*q = '\0';
		S_unescape(path);
		/* A colon before any '/' is a scheme spelt oddly ("java script:",
		 * "javascript%3A"), never a file: left as the harmless relative
		 * address it already is. */
		size_t seg = strcspn(path, "/");
		if (!src_link && memchr(path, ':', seg)) {
			free(path);
			continue;
		}
		if (type == CMARK_NODE_IMAGE || !cb_name_ext(path, CB_MARKDOWN_EXTS)) {
			S_file_link(c, n, url, path, frag);
			free(path);
			continue;
		}
		/* A partner's document is named from its repository's root. */
		char *resolved = S_resolve_path(src_link ? "" : c->file, path);
		char *href = NULL;
		int target = -1;
		cb_link_status st =
		    resolved ? c->resolve(c->rctx, resolved, 0, 0, &href, &target) : CB_LINK_MISSING;
		if (st == CB_LINK_OK) {
			char *full = frag ? cb_xasprintf("%s#%s", href, frag) : cb_xstrdup(href);
			cmark_node_set_url(n, full);
			free(full);
			if (c->nlinks == c->caplinks) {
				c->caplinks = c->caplinks ? c->caplinks * 2 : 8;
				c->links = cb_xrealloc(c->links, c->caplinks * sizeof(int));
			}
			c->links[c->nlinks++] = target;
			c->doclinks = cb_xrealloc(c->doclinks, (c->ndoclinks + 1) * sizeof *c->doclinks);
			c->doclinks[c->ndoclinks].path = cb_xstrdup(resolved);
			c->doclinks[c->ndoclinks++].heading = c->heading;
		} else if (st == CB_LINK_HIDDEN) {
			hidden = cb_xrealloc(hidden, (nhidden + 1) * sizeof *hidden);
			hidden[nhidden++] = n;
		} else {
			S_link_error(c, n, url, path, st, src_link);
		}
		free(href);
		free(resolved);
		free(path);
	}
	cmark_iter_free(it);
	/* A link to a document outside this build's audience keeps its words
	 * but loses the link, so nothing points at a page that is not there. */
	for (size_t i = 0; i < nhidden; i++) {
		cmark_node *link = hidden[i], *child;
		while ((child = cmark_node_first_child(link))) {
			cmark_node_unlink(child);
			cmark_node_insert_before(link, child);
		}
		cmark_node_free(link);
	}
	free(hidden);
}

/* The tables of doc, each cell as plain text, with the heading each sits
 * under (headings numbered in document order, as out->headings). */
static void S_tables(cmark_node *doc, int body_line, cb_mdoc *out)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	int heading = -1;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (cmark_node_get_type(n) == CMARK_NODE_HEADING) {
			heading++;
			continue;
		}
		if (strcmp(cmark_node_get_type_string(n), "table") != 0)
			continue;
		out->tables = cb_xrealloc(out->tables, (out->ntables + 1) * sizeof *out->tables);
		cb_mtable *t = &out->tables[out->ntables++];
		memset(t, 0, sizeof *t);
		t->heading = heading;
		t->line = cmark_node_get_start_line(n) + body_line - 1;
		size_t ncells = 0;
		for (cmark_node *row = cmark_node_first_child(n); row; row = cmark_node_next(row)) {
			t->ncells = cb_xrealloc(t->ncells, (t->nrows + 1) * sizeof *t->ncells);
			t->ncells[t->nrows] = 0;
			for (cmark_node *cell = cmark_node_first_child(row); cell;
			     cell = cmark_node_next(cell)) {
				t->cells = cb_xrealloc(t->cells, (ncells + 1) * sizeof *t->cells);
				t->cells[ncells++] = S_plain_dup(cell);
				t->ncells[t->nrows]++;
			}
			t->nrows++;
		}
		/* Its cells were visited above. */
		cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
	}
	cmark_iter_free(it);
}

static int S_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

/* Adds id="..." to the n-th heading tag of html, in document order. */
static char *S_add_heading_ids(const char *html, const cb_heading *hs, size_t nh)
{
	cb_buf b = CB_BUF_INIT;
	size_t k = 0;
	const char *p = html;
	while (*p) {
		const char *h = strstr(p, "<h");
		if (!h)
			break;
		if (k < nh && h[2] >= '1' && h[2] <= '6' && h[3] == '>') {
			cb_buf_put(&b, p, (size_t)(h - p) + 3);
			cb_buf_puts(&b, " id=\"");
			cb_buf_html(&b, hs[k].id, strlen(hs[k].id));
			cb_buf_puts(&b, "\">");
			p = h + 4;
			k++;
		} else {
			cb_buf_put(&b, p, (size_t)(h - p) + 2);
			p = h + 2;
		}
	}
	cb_buf_puts(&b, p);
	return cb_buf_detach(&b);
}

/* Where "#tag" last occurs, after a space or at a line's start, in the
 * source lines first..last (1-based, of body). */
static void S_tag_pos(const char *body, size_t len, int first, int last, const char *tag, int body_line,
		      int *line, int *col)
{
	size_t off = 0, n = strlen(tag);
	for (int l = 1; l < first && off < len; off++)
		if (body[off] == '\n')
			l++;
	size_t end = off;
	for (int l = first; end < len && !(l == last && body[end] == '\n'); end++)
		if (body[end] == '\n')
			l++;
	*line = first + body_line - 1;
	*col = 1;
	for (size_t i = off; i + n <= end; i++)
		if (memcmp(body + i, tag, n) == 0 &&
		    (i == 0 || body[i - 1] == ' ' || body[i - 1] == '\t' || body[i - 1] == '\n')) {
			int l, c;
			cb_linecol(body, i, &l, &c);
			*line = l + body_line - 1;
			*col = c;
		}
}

/* Takes the hashtags ("#was-not-brought #neglect") off the end of a
 * learning point's last paragraph into lp->tags. */
static void S_take_tags(cmark_node *item, cb_lpoint *lp, const char *body, size_t len, int body_line)
{
	cmark_node *para = cmark_node_last_child(item);
	if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH)
		return;
	cmark_node *txt = cmark_node_last_child(para);
	if (!txt || cmark_node_get_type(txt) != CMARK_NODE_TEXT)
		return;
	const char *lit = cmark_node_get_literal(txt);
	size_t n = strlen(lit), keep = n;
	cb_strv ids = CB_STRV_INIT;
	for (;;) {
		size_t e = keep;
		while (e > 0 && (lit[e - 1] == ' ' || lit[e - 1] == '\t'))
			e--;
		size_t s = e;
		while (s > 0 && ((lit[s - 1] >= 'a' && lit[s - 1] <= 'z') ||
				 (lit[s - 1] >= '0' && lit[s - 1] <= '9') || lit[s - 1] == '-'))
			s--;
		if (s == e || s == 0 || lit[s - 1] != '#' || lit[s] < 'a' || lit[s] > 'z' ||
		    (s > 1 && lit[s - 2] != ' ' && lit[s - 2] != '\t'))
			break;
		cb_strv_push_own(&ids, cb_xstrndup(lit + s, e - s));
		keep = s - 1;
	}
	if (!ids.n)
		return;
	cb_buf tags = CB_BUF_INIT;
	for (size_t i = ids.n; i-- > 0;) {
		if (tags.len)
			cb_buf_putc(&tags, ' ');
		cb_buf_puts(&tags, ids.v[i]);
	}
	char *first = cb_xasprintf("#%s", ids.v[ids.n - 1]);
	S_tag_pos(body, len, cmark_node_get_start_line(item), cmark_node_get_end_line(item), first, body_line,
		  &lp->tag_line, &lp->tag_col);
	free(first);
	cb_strv_free(&ids);
	lp->tags = cb_buf_detach(&tags);
	while (keep > 0 && (lit[keep - 1] == ' ' || lit[keep - 1] == '\t'))
		keep--;
	if (keep) {
		char *rest = cb_xstrndup(lit, keep);
		cmark_node_set_literal(txt, rest);
		free(rest);
		return;
	}
	/* The tags had a line of their own: the break before them goes too. */
	cmark_node *prev = cmark_node_previous(txt);
	cmark_node_free(txt);
	if (prev && (cmark_node_get_type(prev) == CMARK_NODE_SOFTBREAK ||
		     cmark_node_get_type(prev) == CMARK_NODE_LINEBREAK))
		cmark_node_free(prev);
}

/* ---- the published text (cb_pubtext) ---- */

/* Where in the body the walk has got to. cmark gives blocks a position
 * but not inline text, so each piece of text is looked for in the body
 * from there on: found (text as written), it is placed exactly; not found
 * (character references, escapes), it is placed where the walk is. */
typedef struct S_cursor {
	const char *body;
	size_t len;
	size_t off;    /* byte offset in body */
	size_t *lines; /* lines[k]: offset where line k + 1 of body starts */
	size_t nlines;
	int body_line;
} S_cursor;

typedef struct S_pub {
	cb_buf b;
	cb_pubtext *out;
	size_t cap;
	S_cursor *cur;
	/* The last column worked out (line index, offset, column), so that
	 * pieces of one long line are counted from there, not from the
	 * line's start each time. */
	size_t col_line, col_off;
	int col;
} S_pub;

/* Moves the cursor to a block's start (line and column in the body). */
static void S_cursor_block(S_cursor *c, cmark_node *n)
{
	int line = cmark_node_get_start_line(n), col = cmark_node_get_start_column(n);
	if (line < 1 || (size_t)line > c->nlines)
		return;
	size_t off = c->lines[line - 1] + (size_t)(col > 0 ? col - 1 : 0);
	c->off = off <= c->len ? off : c->len;
}

/* Finds the piece s (its first line, up to 32 bytes) in the body within
 * 512 bytes of the cursor; moves the cursor past it. */
static size_t S_cursor_find(S_cursor *c, const char *s, size_t len)
{
	size_t n = 0;
	while (n < len && n < 32 && s[n] != '\n')
		n++;
	size_t end = c->off + 512 < c->len ? c->off + 512 : c->len;
	for (size_t k = c->off; n && k + n <= end; k++) {
		if (c->body[k] == s[0] && memcmp(c->body + k, s, n) == 0) {
			c->off = k + n;
			return k;
		}
	}
	return c->off;
}

static void S_pub_put(S_pub *p, size_t off, const char *s, size_t len);

/* Appends a piece of text found at the cursor: whole if it is written as
 * it is shown, else word by word, so that a character reference or an
 * escape moves the position of only its own word. Returns where the piece
 * starts in the body. */
static size_t S_pub_text(S_pub *p, S_cursor *c, const char *s, size_t len)
{
	size_t before = c->off, at = S_cursor_find(c, s, len);
	if (at != before || len == 0 || (at + len <= c->len && memcmp(c->body + at, s, len) == 0) ||
	    c->off != before) {
		S_pub_put(p, at, s, len);
		return at;
	}
	size_t i = 0, first = at;
	while (i < len) {
		size_t e = i;
		while (e < len && s[e] != ' ')
			e++;
		while (e < len && s[e] == ' ')
			e++;
		size_t w = i;
		while (w < e && s[w] != ' ')
			w++;
		size_t where = S_cursor_find(c, s + i, w - i);
		if (i == 0)
			first = where;
		S_pub_put(p, where, s + i, e - i);
		while (c->off < c->len && c->body[c->off] == ' ')
			c->off++;
		i = e;
	}
	return first;
}

/* Appends n bytes of s, written at offset off of the body. */
static void S_pub_put(S_pub *p, size_t off, const char *s, size_t len)
{
	if (!s || !len)
		return;
	cb_pubtext *o = p->out;
	if (o->nat == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		o->at = cb_xrealloc(o->at, p->cap * sizeof *o->at);
	}
	const S_cursor *c = p->cur;
	size_t lo = 0, hi = c->nlines;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (c->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	int col = 1;
	size_t from = c->lines[lo];
	if (p->col && p->col_line == lo && p->col_off <= off) {
		from = p->col_off;
		col = p->col;
	}
	for (size_t k = from; k < off && k < c->len; k++)
		if (((unsigned char)c->body[k] & 0xC0) != 0x80)
			col++;
	p->col_line = lo;
	p->col_off = off;
	p->col = col;
	o->at[o->nat].off = p->b.len;
	o->at[o->nat].line = (int)lo + c->body_line;
	o->at[o->nat].col = col;
	o->nat++;
	cb_buf_put(&p->b, s, len);
}

/* Blocks, cells and attribute values are apart on the page: two line
 * breaks, which no finding spans. */
static void S_pub_gap(S_pub *p)
{
	if (p->b.len && p->b.data[p->b.len - 1] != '\n')
		cb_buf_puts(&p->b, "\n\n");
}

static void S_pub_attr(S_pub *attrs, S_cursor *c, const char *v)
{
	if (v && v[0]) {
		size_t start = c->off;
		S_pub_put(attrs, S_cursor_find(c, v, strlen(v)), v, strlen(v));
		c->off = start; /* the link's text comes before its target */
		S_pub_gap(attrs);
	}
}

/* Fills out with the text of doc, then its attribute values. */
static void S_published(cmark_node *doc, const char *body, size_t len, int body_line, cb_pubtext *out)
{
	memset(out, 0, sizeof *out);
	S_cursor c = {body, len, 0, NULL, 0, body_line};
	size_t cap = 64;
	c.lines = cb_xmalloc(cap * sizeof *c.lines);
	c.lines[c.nlines++] = 0;
	for (size_t k = 0; k < len; k++) {
		if (body[k] == '\n' && k + 1 <= len) {
			if (c.nlines == cap)
				c.lines = cb_xrealloc(c.lines, (cap *= 2) * sizeof *c.lines);
			c.lines[c.nlines++] = k + 1;
		}
	}
	S_pub p = {CB_BUF_INIT, out, 0, &c, 0, 0, 0};
	cb_pubtext attrs_at = {NULL, 0, NULL, 0};
	S_pub attrs = {CB_BUF_INIT, &attrs_at, 0, &c, 0, 0, 0};
	int in_image = 0;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		bool leaf = t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE || t == CMARK_NODE_CODE_BLOCK;
		bool in_line = (t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_INLINE;
		if (ev == CMARK_EVENT_ENTER && !in_line)
			S_cursor_block(&c, n);
		if (ev == CMARK_EVENT_ENTER && leaf) {
			const char *lit = cmark_node_get_literal(n);
			size_t n_lit = lit ? strlen(lit) : 0;
			/* Inline HTML is dropped, so the text either side joins. */
			size_t at = S_pub_text(&p, &c, lit, n_lit);
			if (in_image)
				S_pub_put(&attrs, at, lit, n_lit);
		} else if (ev == CMARK_EVENT_ENTER &&
			   (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK)) {
			cb_buf_putc(&p.b, '\n');
		} else if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE)) {
			/* An autolink's target is its text (after "mailto:"): checked once. */
			const char *url = cmark_node_get_url(n), *shown = NULL;
			cmark_node *ch = cmark_node_first_child(n);
			if (ch && cmark_node_get_type(ch) == CMARK_NODE_TEXT && !cmark_node_next(ch))
				shown = cmark_node_get_literal(ch);
			const char *bare = url && strncmp(url, "mailto:", 7) == 0 ? url + 7 : url;
			if (!(shown && bare && strcmp(shown, bare) == 0))
				S_pub_attr(&attrs, &c, url);
			S_pub_attr(&attrs, &c, cmark_node_get_title(n));
			if (t == CMARK_NODE_IMAGE)
				in_image++;
		} else if (ev == CMARK_EVENT_EXIT && t == CMARK_NODE_IMAGE) {
			in_image--;
			S_pub_gap(&attrs); /* the alt text is an attribute of its own */
		} else if (ev == CMARK_EVENT_EXIT ||
			   (ev == CMARK_EVENT_ENTER && t == CMARK_NODE_HTML_BLOCK)) {
			if (t != CMARK_NODE_EMPH && t != CMARK_NODE_STRONG && t != CMARK_NODE_LINK &&
			    strcmp(cmark_node_get_type_string(n), "strikethrough") != 0)
				S_pub_gap(&p);
		}
	}
	cmark_iter_free(it);
	/* The attribute values follow the text, their anchors shifted. */
	S_pub_gap(&p);
	size_t base = p.b.len;
	if (attrs.b.len)
		cb_buf_put(&p.b, attrs.b.data, attrs.b.len);
	for (size_t k = 0; k < attrs_at.nat; k++) {
		attrs_at.at[k].off += base;
		if (out->nat == p.cap) {
			p.cap = p.cap ? p.cap * 2 : 32;
			out->at = cb_xrealloc(out->at, p.cap * sizeof *out->at);
		}
		out->at[out->nat++] = attrs_at.at[k];
	}
	free(attrs_at.at);
	free(c.lines);
	cb_buf_free(&attrs.b);
	out->len = p.b.len;
	out->text = p.b.data ? cb_buf_detach(&p.b) : cb_xstrdup("");
}

void cb_pubtext_free(cb_pubtext *p)
{
	if (!p)
		return;
	free(p->text);
	free(p->at);
	memset(p, 0, sizeof *p);
}

/* The first line of body with more cells than a table may have (counted
 * by its unescaped '|'), or 0; *cells says how many it has. */
static int S_too_wide(const char *body, size_t len, size_t *cells)
{
	int line = 1;
	size_t pipes = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || body[i] == '\n') {
			if (pipes > CB_MAX_TABLE_COLUMNS + 1) {
				*cells = pipes - 1;
				return line;
			}
			pipes = 0;
			line++;
		} else if (body[i] == '\\' && i + 1 < len && body[i + 1] != '\n') {
			i++;
		} else if (body[i] == '|') {
			pipes++;
		}
	}
	return 0;
}

int cb_markdown_render(const char *body, size_t len, int body_line, const char *file,
		       cb_link_resolver resolve, void *ctx, cb_mdoc *out, cb_diags *d)
{
	return cb_markdown_render_ex(body, len, body_line, file, resolve, ctx, NULL, out, d);
}

/* A parser with casebook's extensions; the table extension only when no
 * row is too wide for it (reported in d). */
static cmark_parser *S_parser(const char *body, size_t len, int body_line, const char *file, cb_diags *d)
{
	size_t cells = 0;
	int wide = S_too_wide(body, len, &cells);
	if (wide)
		cb_diags_add(d, CB_ERROR, file, wide + body_line - 1, 1, "table-too-wide",
			     "a table row of about %zu columns; casebook takes tables of at most %d columns, "
			     "so split the table or make it a list",
			     cells, CB_MAX_TABLE_COLUMNS);
	cmark_parser *parser = cmark_parser_new(S_OPTIONS);
	static const char *const exts[] = {"table", "autolink", "strikethrough", "tasklist"};
	/* Too wide a table is parsed as plain text (it is an error anyway):
	 * the table parser would take minutes over it. */
	for (size_t i = wide ? 1 : 0; i < sizeof exts / sizeof exts[0]; i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
		if (e)
			cmark_parser_attach_syntax_extension(parser, e);
	}
	return parser;
}

/* Headings: all of them, in document order, as the HTML will have them. */
static void S_headings(S_ctx *c, cmark_node *doc, cb_mdoc *out)
{
	size_t caph = 0;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(n) != CMARK_NODE_HEADING)
			continue;
		if (out->nheadings == caph) {
			caph = caph ? caph * 2 : 8;
			out->headings = cb_xrealloc(out->headings, caph * sizeof *out->headings);
		}
		cb_heading *h = &out->headings[out->nheadings++];
		h->level = cmark_node_get_heading_level(n);
		h->text = S_plain_dup(n);
		h->id = S_unique_id(c, h->text);
		h->line = cmark_node_get_start_line(n) + c->body_line - 1;
		if (h->level == 1)
			cb_diags_add(c->d, CB_WARNING, c->file, h->line, cmark_node_get_start_column(n),
				     "heading-level",
				     "start section headings at '##': the title is the page's main heading");
	}
	cmark_iter_free(it);
}

/* One learning point: list item under heading cur. */
static void S_learning_point(const S_ctx *c, cmark_parser *parser, cmark_node *item, const cb_heading *cur,
			     cb_lpoint *lp)
{
	memset(lp, 0, sizeof *lp);
	S_take_tags(item, lp, c->body, c->len, c->body_line);
	cb_buf hb = CB_BUF_INIT;
	for (cmark_node *ch = cmark_node_first_child(item); ch; ch = cmark_node_next(ch)) {
		char *part = cmark_render_html(ch, S_OPTIONS, cmark_parser_get_syntax_extensions(parser));
		cb_buf_puts(&hb, part);
		free(part);
	}
	while (hb.len && hb.data[hb.len - 1] == '\n')
		hb.data[--hb.len] = '\0';
	lp->html = cb_buf_detach(&hb);
	lp->text = S_plain_dup(item);
	lp->heading = cb_xstrdup(cur->text);
	lp->heading_id = cb_xstrdup(cur->id);
	lp->line = cmark_node_get_start_line(item) + c->body_line - 1;
}

/* Learning points: list items in top-level lists under a learning heading,
 * until a heading of the same or a higher level (after S_headings). */
static void S_learning(const S_ctx *c, cmark_parser *parser, cmark_node *doc, const cb_md_learning *lh,
		       cb_mdoc *out)
{
	size_t capl = 0;
	int learn_level = 0; /* level of the open learning heading, 0 when none */
	const cb_heading *cur = NULL;
	size_t hi = 0;
	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
		cmark_node_type t = cmark_node_get_type(n);
		if (t == CMARK_NODE_HEADING) {
			/* Top-level headings come in the same order as in S_headings,
			 * but nested ones (in quotes, lists) may sit between. */
			while (hi < out->nheadings &&
			       out->headings[hi].line != cmark_node_get_start_line(n) + c->body_line - 1)
				hi++;
			if (hi >= out->nheadings)
				break;
			const cb_heading *h = &out->headings[hi++];
			if (learn_level && h->level <= learn_level)
				learn_level = 0;
			if (!learn_level &&
			    cb_lvocab_match(lh ? lh->vocab : NULL, lh ? lh->extra : NULL, h->text))
				learn_level = h->level;
			cur = h;
			continue;
		}
		if (t != CMARK_NODE_LIST || !learn_level || !cur)
			continue;
		for (cmark_node *item = cmark_node_first_child(n); item; item = cmark_node_next(item)) {
			if (out->nlearning == capl) {
				capl = capl ? capl * 2 : 8;
				out->learning = cb_xrealloc(out->learning, capl * sizeof *out->learning);
			}
			S_learning_point(c, parser, item, cur, &out->learning[out->nlearning++]);
		}
	}
}

/* Hands the links S_links found to out: the linked documents sorted and
 * each once, and every link in order. */
static void S_take_links(S_ctx *c, cb_mdoc *out)
{
	if (c->nlinks > 1) {
		qsort(c->links, c->nlinks, sizeof(int), S_cmp_int);
		size_t w = 1;
		for (size_t i = 1; i < c->nlinks; i++)
			if (c->links[i] != c->links[w - 1])
				c->links[w++] = c->links[i];
		c->nlinks = w;
	}
	out->links = c->links;
	out->nlinks = c->nlinks;
	out->doclinks = c->doclinks;
	out->ndoclinks = c->ndoclinks;
}

int cb_markdown_render_ex(const char *body, size_t len, int body_line, const char *file,
			  cb_link_resolver resolve, void *ctx, const cb_md_learning *lh, cb_mdoc *out,
			  cb_diags *d)
{
	memset(out, 0, sizeof *out);
	pthread_once(&S_once, S_register);
	cmark_parser *parser = S_parser(body, len, body_line, file, d);
	cmark_parser_feed(parser, body, len);
	cmark_node *doc = cmark_parser_finish(parser);

	S_ctx c = {.body = body,
		   .len = len,
		   .body_line = body_line,
		   .file = file,
		   .resolve = resolve,
		   .rctx = ctx,
		   .d = d,
		   .used_ids = cb_strmap_new(),
		   .next_k = cb_strmap_new(),
		   .heading = -1};
	for (size_t i = 0; cb_reserved_ids[i]; i++)
		cb_strmap_put(c.used_ids, cb_reserved_ids[i], NULL);

	S_links(&c, doc);
	S_headings(&c, doc, out);
	S_learning(&c, parser, doc, lh, out);

	char *html = cmark_render_html(doc, S_OPTIONS, cmark_parser_get_syntax_extensions(parser));
	out->html = S_add_heading_ids(html, out->headings, out->nheadings);
	free(html);
	out->text = S_plain_dup(doc);
	S_take_links(&c, out);
	S_tables(doc, body_line, out);

	cb_pubtext pub;
	S_published(doc, body, len, body_line, &pub);

	cb_strmap_free(c.used_ids);
	cb_strmap_free(c.next_k);
	free(c.lpos.lines);
	cmark_node_free(doc);
	cmark_parser_free(parser);
	cb_mdoc_compact(out);
	out->pub = pub;
	return c.errors ? -1 : 0;
}

/* Copies s (may be NULL) to *at and advances it. */
static char *S_block_str(char **at, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *r = memcpy(*at, s, n);
	*at += n;
	return r;
}

static size_t S_str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Whether learning point i names the same heading as point i - 1, whose
 * copies it can then share. */
static bool S_same_heading(const cb_mdoc *m, size_t i)
{
	if (i == 0)
		return false;
	const cb_lpoint *a = &m->learning[i - 1], *b = &m->learning[i];
	return a->heading && b->heading && a->heading_id && b->heading_id &&
	       strcmp(a->heading, b->heading) == 0 && strcmp(a->heading_id, b->heading_id) == 0;
}

void cb_mdoc_compact(cb_mdoc *m)
{
	if (m->block || (m->nheadings == 0 && m->nlearning == 0))
		return;
	size_t size = m->nheadings * sizeof(cb_heading) + m->nlearning * sizeof(cb_lpoint);
	for (size_t i = 0; i < m->nheadings; i++)
		size += S_str_size(m->headings[i].text) + S_str_size(m->headings[i].id);
	for (size_t i = 0; i < m->nlearning; i++) {
		const cb_lpoint *lp = &m->learning[i];
		size += S_str_size(lp->html) + S_str_size(lp->text) + S_str_size(lp->tags);
		if (!S_same_heading(m, i))
			size += S_str_size(lp->heading) + S_str_size(lp->heading_id);
	}
	char *block = cb_xmalloc(size);
	cb_heading *h = (cb_heading *)block;
	cb_lpoint *l = (cb_lpoint *)(block + m->nheadings * sizeof(cb_heading));
	char *at = (char *)(l + m->nlearning);
	for (size_t i = 0; i < m->nheadings; i++) {
		h[i] = m->headings[i];
		h[i].text = S_block_str(&at, m->headings[i].text);
		h[i].id = S_block_str(&at, m->headings[i].id);
	}
	for (size_t i = 0; i < m->nlearning; i++) {
		const cb_lpoint *lp = &m->learning[i];
		l[i] = *lp;
		l[i].html = S_block_str(&at, lp->html);
		l[i].text = S_block_str(&at, lp->text);
		l[i].tags = S_block_str(&at, lp->tags);
		if (S_same_heading(m, i)) {
			l[i].heading = l[i - 1].heading;
			l[i].heading_id = l[i - 1].heading_id;
		} else {
			l[i].heading = S_block_str(&at, lp->heading);
			l[i].heading_id = S_block_str(&at, lp->heading_id);
		}
	}
	/* The separate copies go; html, text and links stay as they are. */
	char *html = m->html, *text = m->text;
	int *links = m->links;
	size_t nlinks = m->nlinks, nh = m->nheadings, nl = m->nlearning;
	cb_mlink *doclinks = m->doclinks;
	cb_mtable *tables = m->tables;
	size_t ndoclinks = m->ndoclinks, ntables = m->ntables;
	m->html = m->text = NULL;
	m->links = NULL;
	m->doclinks = NULL;
	m->tables = NULL;
	m->ndoclinks = m->ntables = 0;
	cb_mdoc_free(m);
	m->html = html;
	m->text = text;
	m->links = links;
	m->nlinks = nlinks;
	m->doclinks = doclinks;
	m->ndoclinks = ndoclinks;
	m->tables = tables;
	m->ntables = ntables;
	m->headings = nh ? h : NULL;
	m->nheadings = nh;
	m->learning = nl ? l : NULL;
	m->nlearning = nl;
	m->block = block;
}

void cb_mdoc_free(cb_mdoc *m)
{
	if (!m)
		return;
	cb_pubtext_free(&m->pub);
	free(m->html);
	free(m->text);
	free(m->links);
	for (size_t i = 0; i < m->ndoclinks; i++)
		free(m->doclinks[i].path);
	free(m->doclinks);
	for (size_t i = 0; i < m->ntables; i++) {
		size_t n = 0;
		for (size_t r = 0; r < m->tables[i].nrows; r++)
			n += m->tables[i].ncells[r];
		for (size_t k = 0; k < n; k++)
			free(m->tables[i].cells[k]);
		free(m->tables[i].cells);
		free(m->tables[i].ncells);
	}
	free(m->tables);
	if (m->block) {
		free(m->block);
		memset(m, 0, sizeof *m);
		return;
	}
	for (size_t i = 0; i < m->nheadings; i++) {
		free(m->headings[i].text);
		free(m->headings[i].id);
	}
	free(m->headings);
	for (size_t i = 0; i < m->nlearning; i++) {
		free(m->learning[i].html);
		free(m->learning[i].text);
		free(m->learning[i].heading);
		free(m->learning[i].heading_id);
		free(m->learning[i].tags);
	}
	free(m->learning);
	memset(m, 0, sizeof *m);
}
