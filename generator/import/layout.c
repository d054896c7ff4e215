/*
 * layout: the PDF layout parser. pdftotext -bbox-layout gives pages of
 * flows of blocks of lines of words, each with its box; a PDF has no
 * paragraphs, headings or lists, only positioned text, so they are
 * recovered here:
 *
 *   - lines repeated at the top or bottom of most pages (running headers
 *     and footers) and lone page numbers there are dropped;
 *   - a block whose lines are clearly larger than the body text is a
 *     heading, its level by size (the largest, at the start, the title);
 *   - a line starting with a bullet or number starts a list item, and so
 *     does an indented line when the bullet was drawn as a shape and is
 *     lost; following lines join the item or paragraph, with a word
 *     hyphenated across two lines joined again.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "import_int.h"

typedef struct S_line {
	double x0, y0, x1, y1, h; /* box, and the height of its words */
	double text_x;		  /* where the text starts after a list mark */
	double block_x0, block_x1;
	int page, flow, block;
	double page_h;
	char *text; /* normalised */
	bool drop;
} S_line;

typedef struct S_lines {
	S_line *v;
	size_t n, cap;
	int pages;
} S_lines;

static double S_num(const xmlNode *n, const char *attr)
{
	const char *v = cb_imp_xml_attr(n, attr);
	double d = v ? strtod(v, NULL) : 0;
	return isfinite(d) ? d : 0;
}

static void S_add_line(S_lines *L, const xmlNode *line, const xmlNode *block, int page, double page_h,
		       int flow, int blockno)
{
	cb_buf text = CB_BUF_INIT;
	double hmax = 0, second_x = -1;
	int words = 0;
	for (const xmlNode *w = line->children; w; w = w->next) {
		if (!cb_imp_xml_is(w, "word"))
			continue;
		if (text.len)
			cb_buf_putc(&text, ' ');
		cb_imp_xml_text(w, &text);
		double h = S_num(w, "yMax") - S_num(w, "yMin");
		if (h > hmax)
			hmax = h;
		if (++words == 2)
			second_x = S_num(w, "xMin");
	}
	char *norm = cb_imp_norm(text.data ? text.data : "", text.len);
	cb_buf_free(&text);
	if (!norm[0]) {
		free(norm);
		return;
	}
	if (L->n == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 256;
		L->v = cb_xrealloc(L->v, L->cap * sizeof *L->v);
	}
	S_line *l = &L->v[L->n++];
	memset(l, 0, sizeof *l);
	l->x0 = S_num(line, "xMin");
	l->y0 = S_num(line, "yMin");
	l->x1 = S_num(line, "xMax");
	l->y1 = S_num(line, "yMax");
	l->h = hmax > 0 ? hmax : l->y1 - l->y0;
	l->text_x = second_x >= 0 ? second_x : l->x0;
	l->block_x0 = S_num(block, "xMin");
	l->block_x1 = S_num(block, "xMax");
	l->page = page;
	l->page_h = page_h;
	l->flow = flow;
	l->block = blockno;
	l->text = norm;
}

static void S_meta(cb_import_doc *doc, const xmlNode *head)
{
	for (const xmlNode *m = head ? head->children : NULL; m; m = m->next) {
		const char *name = cb_imp_xml_attr(m, "name"), *content = cb_imp_xml_attr(m, "content");
		if (cb_imp_xml_is(m, "title")) {
			cb_buf v = CB_BUF_INIT;
			cb_imp_xml_text(m, &v);
			cb_imp_meta(&doc->title, v.data);
			cb_buf_free(&v);
		} else if (cb_imp_xml_is(m, "meta") && name && content) {
			if (strcmp(name, "Author") == 0)
				cb_imp_meta(&doc->author, content);
			else if (strcmp(name, "CreationDate") == 0)
				cb_imp_meta(&doc->created, content);
			else if (strcmp(name, "ModDate") == 0)
				cb_imp_meta(&doc->modified, content);
		}
	}
}

/* Every line of the document, in reading order. */
static void S_collect(const xmlNode *root, cb_import_doc *doc, S_lines *L)
{
	int flow = 0, block = 0;
	for (const xmlNode *top = root ? root->children : NULL; top; top = top->next) {
		if (cb_imp_xml_is(top, "head"))
			S_meta(doc, top);
		if (!cb_imp_xml_is(top, "body"))
			continue;
		for (const xmlNode *d = top->children; d; d = d->next) {
			if (!cb_imp_xml_is(d, "doc"))
				continue;
			for (const xmlNode *pg = d->children; pg; pg = pg->next) {
				if (!cb_imp_xml_is(pg, "page"))
					continue;
				int page = ++L->pages;
				double ph = S_num(pg, "height");
				for (const xmlNode *f = pg->children; f; f = f->next) {
					if (!cb_imp_xml_is(f, "flow"))
						continue;
					flow++;
					for (const xmlNode *b = f->children; b; b = b->next) {
						if (!cb_imp_xml_is(b, "block"))
							continue;
						block++;
						for (const xmlNode *ln = b->children; ln; ln = ln->next)
							if (cb_imp_xml_is(ln, "line"))
								S_add_line(L, ln, b, page, ph, flow, block);
					}
				}
			}
		}
	}
}

/* The text with digits folded, so "Page 3 of 9" matches "Page 4 of 9". */
static char *S_shape(const char *s)
{
	char *r = cb_xstrdup(s);
	for (char *p = r; *p; p++)
		if (isdigit((unsigned char)*p))
			*p = '#';
	return r;
}

static bool S_page_number(const char *s)
{
	const char *p = s;
	if (strncasecmp(p, "page ", 5) == 0)
		p += 5;
	while (*p == '-' || *p == ' ' || *p == '|')
		p++;
	size_t d = 0;
	while (isdigit((unsigned char)p[d]))
		d++;
	if (!d || d > 4)
		return false;
	p += d;
	while (*p == ' ' || *p == '-' || *p == '|')
		p++;
	if (strncasecmp(p, "of ", 3) == 0) {
		p += 3;
		while (isdigit((unsigned char)*p))
			p++;
	}
	while (*p == ' ' || *p == '-')
		p++;
	return *p == '\0';
}

static void S_drop_margins(S_lines *L)
{
	cb_strmap *count = cb_strmap_new(); /* shape -> pages it is on (a count stored as the value) */
	cb_strmap *seen = cb_strmap_new();  /* "page:shape" */
	for (size_t i = 0; i < L->n; i++) {
		S_line *l = &L->v[i];
		bool margin = l->page_h > 0 && (l->y1 < l->page_h * 0.1 || l->y0 > l->page_h * 0.9);
		if (!margin)
			continue;
		if (S_page_number(l->text)) {
			l->drop = true;
			continue;
		}
		char *shape = S_shape(l->text);
		char *key = cb_xasprintf("%d:%s", l->page, shape);
		if (!cb_strmap_has(seen, key)) {
			cb_strmap_put(seen, key, NULL);
			cb_strmap_put(count, shape, (void *)((uintptr_t)cb_strmap_get(count, shape) + 1));
		}
		free(key);
		free(shape);
	}
	for (size_t i = 0; L->pages >= 2 && i < L->n; i++) {
		S_line *l = &L->v[i];
		bool margin = l->page_h > 0 && (l->y1 < l->page_h * 0.1 || l->y0 > l->page_h * 0.9);
		if (!margin || l->drop)
			continue;
		char *shape = S_shape(l->text);
		size_t pages = (size_t)(uintptr_t)cb_strmap_get(count, shape);
		if (pages >= 2 && pages * 2 >= (size_t)L->pages)
			l->drop = true;
		free(shape);
	}
	cb_strmap_free(count);
	cb_strmap_free(seen);
}

static int S_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The body text's height: the median of line heights weighted by length. */
static double S_body_height(const S_lines *L)
{
	size_t n = 0;
	for (size_t i = 0; i < L->n; i++)
		n += L->v[i].drop ? 0 : strlen(L->v[i].text);
	if (!n)
		return 0;
	double *h = cb_xmalloc(n * sizeof *h);
	size_t k = 0;
	for (size_t i = 0; i < L->n; i++)
		for (size_t j = 0; !L->v[i].drop && j < strlen(L->v[i].text); j++)
			h[k++] = L->v[i].h;
	qsort(h, k, sizeof *h, S_cmp_double);
	double m = h[k / 2];
	free(h);
	return m;
}

/* Appends a line's text to t, joining a word hyphenated across lines. */
static void S_join(cb_imp_text *t, const char *next)
{
	size_t n = t->b.len;
	const char *d = t->b.data;
	if (n >= 2 && d[n - 1] == '-' && isalpha((unsigned char)d[n - 2]) &&
	    islower((unsigned char)next[0])) {
		t->b.len--;
		t->b.data[t->b.len] = '\0';
	} else if (n) {
		cb_imp_text_put(t, " ", 1);
	}
	cb_imp_text_puts(t, next);
}

typedef struct S_state {
	cb_import_doc *doc;
	cb_imp_text t;
	cb_import_kind kind; /* of what t holds */
	int level;
	bool ordered, soft; /* soft: an item only because it is indented */
	double item_x;	    /* where the open item's text starts */
	double list_x;	    /* where the current list's marks are */
	size_t soft_first;  /* index of the first soft item of the run */
	bool in_list;
	const S_line *prev;
	int page;
	double right; /* where the lines of this flow end at the widest */
	/* The last heading, so that a title set over several blocks is one. */
	size_t head_idx;
	double head_y1, head_h;
	int head_page;
	double *sizes; /* the height of each heading block, by block index (0: not one) */
	size_t nsizes;
} S_state;

static void S_flush(S_state *s)
{
	cb_import_block *b = cb_imp_add(s->doc, s->kind, s->level, &s->t);
	if (b) {
		b->ordered = s->ordered;
		b->page = s->page;
	}
}

/* An indented run that made only one item, with no colon or list before
 * it, was a paragraph set in from the margin (a quotation, a box). */
static void S_settle_soft(S_state *s)
{
	cb_import_doc *doc = s->doc;
	if (s->soft_first >= doc->nblocks)
		return;
	size_t n = 0;
	for (size_t i = s->soft_first; i < doc->nblocks; i++)
		n += doc->blocks[i].kind == CB_IMPORT_ITEM;
	const cb_import_block *before = s->soft_first ? &doc->blocks[s->soft_first - 1] : NULL;
	bool introduced = before && (before->kind == CB_IMPORT_ITEM || before->kind == CB_IMPORT_HEADING ||
				     (before->text[0] && before->text[strlen(before->text) - 1] == ':'));
	if (n < 2 && !introduced)
		for (size_t i = s->soft_first; i < doc->nblocks; i++)
			if (doc->blocks[i].kind == CB_IMPORT_ITEM)
				doc->blocks[i].kind = CB_IMPORT_PARAGRAPH;
	s->soft_first = (size_t)-1;
}

/* Ends an indented run, settling whether it was a list. */
static void S_end_soft(S_state *s)
{
	if (s->soft_first == (size_t)-1)
		return;
	S_flush(s);
	s->kind = CB_IMPORT_PARAGRAPH;
	S_settle_soft(s);
}

static void S_start(S_state *s, cb_import_kind kind, int level, const S_line *l)
{
	S_flush(s);
	s->kind = kind;
	s->level = level;
	s->ordered = false;
	s->page = l->page;
}

static bool S_ends_sentence(const char *s)
{
	size_t n = strlen(s);
	return n && strchr(".!?;:", s[n - 1]);
}

/* One line of body text: a new list item, a continuation, or a new
 * paragraph. edge is where unindented text starts in this flow. */
static void S_body_line(S_state *s, const S_line *l, double edge, bool same_block, bool gap)
{
	bool ordered = false;
	size_t mark = cb_imp_list_mark(l->text, strlen(l->text), &ordered);
	const S_line *p = s->prev;
	double left = l->block_x0 < edge ? l->block_x0 : edge;
	bool short_prev = p && p->x1 < s->right - 0.12 * (s->right - left);
	bool upper = isupper((unsigned char)l->text[mark]) || isdigit((unsigned char)l->text[mark]);
	if (mark) {
		double x = l->x0;
		if (!s->in_list || s->soft || s->kind != CB_IMPORT_ITEM)
			s->list_x = x;
		int level = x > s->list_x + 8 ? 1 : 0;
		S_end_soft(s);
		S_start(s, CB_IMPORT_ITEM, level, l);
		s->ordered = ordered;
		s->soft = false;
		s->in_list = true;
		s->item_x = l->text_x;
		cb_imp_text_puts(&s->t, l->text + mark);
	} else if (s->kind == CB_IMPORT_ITEM && !s->soft && same_block && !gap &&
		   l->x0 >= s->item_x - 4 - (s->item_x - s->list_x) && !(short_prev && upper)) {
		S_join(&s->t, l->text);
	} else if (l->x0 > edge + 6 && !(p && same_block && s->kind == CB_IMPORT_PARAGRAPH && !gap)) {
		/* Indented: a list whose bullets were drawn, not written. */
		/* Lines of one item may be split into several blocks by
		 * pdftotext; a line starting in lower case always goes on. */
		bool lower = islower((unsigned char)l->text[0]);
		bool cont =
		    s->kind == CB_IMPORT_ITEM && s->soft && !gap && p && fabs(l->x0 - s->item_x) < 4 &&
		    (lower || (p->page == l->page && !short_prev && !(S_ends_sentence(p->text) && upper)));
		if (cont) {
			S_join(&s->t, l->text);
		} else {
			if (!(s->kind == CB_IMPORT_ITEM && s->soft)) {
				S_flush(s);
				s->soft_first = s->doc->nblocks;
			}
			S_start(s, CB_IMPORT_ITEM, 0, l);
			s->soft = true;
			s->in_list = true;
			s->item_x = l->x0;
			cb_imp_text_puts(&s->t, l->text);
		}
	} else if (s->kind == CB_IMPORT_PARAGRAPH && same_block && !gap && s->t.b.len) {
		S_join(&s->t, l->text);
		s->level = 0; /* no longer a line on its own */
	} else {
		S_end_soft(s);
		S_start(s, CB_IMPORT_PARAGRAPH, -1, l);
		s->in_list = false;
		cb_imp_text_puts(&s->t, l->text);
	}
	s->prev = l;
}

/* Heading levels by size: the largest size, when a heading of it opens
 * the document, is the title; the other sizes, largest first, are levels
 * 2, 3 and 4. sizes[i] is the height of heading block i (0 otherwise). */
static void S_levels(cb_import_doc *doc, const double *sizes)
{
	double distinct[8];
	size_t nd = 0;
	for (size_t i = 0; i < doc->nblocks; i++) {
		if (doc->blocks[i].kind != CB_IMPORT_HEADING)
			continue;
		bool known = false;
		for (size_t k = 0; k < nd; k++)
			known = known || fabs(distinct[k] - sizes[i]) < 1.0;
		if (!known && nd < 8)
			distinct[nd++] = sizes[i];
	}
	qsort(distinct, nd, sizeof *distinct, S_cmp_double);
	bool title = false;
	for (size_t i = 0; i < doc->nblocks; i++) {
		cb_import_block *b = &doc->blocks[i];
		if (b->kind != CB_IMPORT_HEADING)
			continue;
		size_t rank = 0; /* 0 = largest */
		for (size_t k = 0; k < nd; k++)
			if (distinct[k] > sizes[i] + 1.0)
				rank++;
		if (!title && rank == 0 && i < 4) {
			b->level = 1;
			title = true;
			continue;
		}
		/* With a title, the largest size after it is a section too. */
		size_t lvl = rank + (nd > 1 && title ? 1 : 2);
		b->level = lvl < 2 ? 2 : lvl > 4 ? 4 : (int)lvl;
		title = true;
	}
}

/* The left edge of unindented text in each flow: the smallest start of a
 * body line in it. */
static double S_edge(const S_lines *L, size_t from, double body, double *right)
{
	double e = 1e9;
	*right = 0;
	for (size_t i = from; i < L->n && L->v[i].flow == L->v[from].flow; i++) {
		if (!L->v[i].drop && L->v[i].h < body * 1.15 && L->v[i].x0 < e)
			e = L->v[i].x0;
		if (!L->v[i].drop && L->v[i].x1 > *right)
			*right = L->v[i].x1;
	}
	return e == 1e9 ? L->v[from].x0 : e;
}

/* Where most body text starts, over the whole document (by characters, to
 * 2 points): a flow holding only a list is indented from it. */
static double S_margin(const S_lines *L, double body)
{
	cb_strmap *count = cb_strmap_new();
	double best = -1;
	size_t most = 0;
	for (size_t i = 0; i < L->n; i++) {
		const S_line *l = &L->v[i];
		if (l->drop || l->h >= body * 1.15)
			continue;
		char key[32];
		snprintf(key, sizeof key, "%ld", (long)(l->x0 / 2));
		size_t n = (size_t)(uintptr_t)cb_strmap_get(count, key) + strlen(l->text);
		cb_strmap_put(count, key, (void *)(uintptr_t)n);
		if (n > most) {
			most = n;
			best = l->x0;
		}
	}
	cb_strmap_free(count);
	return best;
}

/* A block of large lines: a heading, or the rest of the one before when a
 * heading is set over two blocks. */
static void S_heading_block(S_state *s, const S_lines *L, size_t i, size_t e)
{
	cb_import_doc *doc = s->doc;
	S_end_soft(s);
	const S_line *f = &L->v[i];
	if (s->head_idx + 1 == doc->nblocks && s->t.b.len == 0 && f->page == s->head_page &&
	    fabs(f->h - s->head_h) < 1.0 && f->y0 - s->head_y1 < f->h) {
		cb_import_block *hb = &doc->blocks[s->head_idx];
		cb_buf hbuf = CB_BUF_INIT;
		cb_buf_puts(&hbuf, hb->text);
		for (size_t k = i; k < e; k++)
			if (!L->v[k].drop)
				cb_buf_printf(&hbuf, " %s", L->v[k].text);
		free(hb->text);
		hb->text = cb_buf_detach(&hbuf);
		s->head_y1 = L->v[e - 1].y1;
		return;
	}
	S_start(s, CB_IMPORT_HEADING, 0, f);
	for (size_t k = i; k < e; k++)
		if (!L->v[k].drop)
			S_join(&s->t, L->v[k].text);
	size_t before = doc->nblocks;
	S_flush(s);
	s->kind = CB_IMPORT_PARAGRAPH;
	s->level = 0;
	s->prev = NULL;
	s->in_list = false;
	if (doc->nblocks == before)
		return;
	s->sizes = cb_xrealloc(s->sizes, doc->nblocks * sizeof *s->sizes);
	for (size_t k = s->nsizes; k < doc->nblocks; k++)
		s->sizes[k] = 0;
	s->nsizes = doc->nblocks;
	s->sizes[doc->nblocks - 1] = f->h;
	s->head_idx = doc->nblocks - 1;
	s->head_y1 = L->v[e - 1].y1;
	s->head_h = f->h;
	s->head_page = f->page;
}

/* The blocks of lines, heading or body, in reading order. */
static void S_blocks(S_state *s, const S_lines *L, double body, double margin)
{
	double edge = 0;
	for (size_t i = 0; i < L->n;) {
		size_t e = i, chars = 0;
		bool big = true;
		for (; e < L->n && L->v[e].block == L->v[i].block; e++) {
			if (!L->v[e].drop) {
				big = big && L->v[e].h >= body * 1.15;
				chars += strlen(L->v[e].text);
			}
		}
		if (i == 0 || L->v[i].flow != L->v[i - 1].flow) {
			edge = S_edge(L, i, body, &s->right);
			if (margin >= 0 && edge > margin && edge - margin <= 40)
				edge = margin;
		}
		if (chars && big && chars <= 200) {
			S_heading_block(s, L, i, e);
		} else {
			const S_line *p = NULL;
			for (size_t k = i; k < e; k++) {
				const S_line *l = &L->v[k];
				if (l->drop)
					continue;
				bool gap = p && l->y0 - p->y1 > 0.8 * l->h;
				S_body_line(s, l, edge, p != NULL, gap);
				p = l;
			}
		}
		i = e;
	}
	S_end_soft(s);
	S_flush(s);
}

int cb_imp_pdf_layout(const char *name, const char *xhtml, size_t len, cb_import_doc *doc, cb_error *err)
{
	/* pdftotext names an XHTML DTD, which the safe parser refuses; the
	 * document starts at <html. */
	const char *start = xhtml ? memmem(xhtml, len, "<html", 5) : NULL;
	if (!start) {
		cb_error_set(err, name, 0, 0, "the PDF is damaged: pdftotext gave no text layout");
		return -1;
	}
	xmlDoc *x;
	if (cb_imp_xml_parse(name, start, len - (size_t)(start - xhtml), false, &x, err) != 0)
		return -1;
	S_lines L = {NULL, 0, 0, 0};
	S_collect(cb_imp_xml_root(x), doc, &L);
	cb_imp_xml_free(x);
	doc->pages = L.pages;
	S_drop_margins(&L);
	double body = S_body_height(&L);

	S_state s;
	memset(&s, 0, sizeof s);
	s.doc = doc;
	s.kind = CB_IMPORT_PARAGRAPH;
	s.soft_first = (size_t)-1;
	s.head_idx = (size_t)-1;
	S_blocks(&s, &L, body, S_margin(&L, body));
	s.sizes = cb_xrealloc(s.sizes, (doc->nblocks + 1) * sizeof *s.sizes);
	for (size_t k = s.nsizes; k < doc->nblocks; k++)
		s.sizes[k] = 0;
	S_levels(doc, s.sizes);
	free(s.sizes);
	cb_imp_headings(doc);
	for (size_t i = 0; i < L.n; i++)
		free(L.v[i].text);
	free(L.v);
	return 0;
}
