/*
 * html: the HTML reader (a page saved from a partnership's website, or
 * exported from Word). libxml2's HTML parser copes with the tag soup real
 * pages are; this walks its tree: h1-h6, paragraphs, nested ul/ol lists,
 * tables, links. Navigation, scripts, styles and forms are left out; text
 * directly inside a div is a paragraph of its own.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "import_int.h"

typedef struct S_ctx {
	cb_import_doc *doc;
	int tables;
} S_ctx;

static bool S_in(const xmlNode *n, const char *const *names)
{
	if (!n || n->type != XML_ELEMENT_NODE)
		return false;
	for (size_t i = 0; names[i]; i++)
		if (strcasecmp((const char *)n->name, names[i]) == 0)
			return true;
	return false;
}

static const char *const S_skip[] = {"script", "style",	 "noscript", "template", "nav",	 "form", "button",
				     "select", "iframe", "object",   "svg",	 "head", NULL};
static const char *const S_blockish[] = {
    "p",      "div",   "h1",	     "h2",     "h3",	     "h4",	"h5",	"h6",
    "ul",     "ol",    "li",	     "table",  "section",    "article", "main", "header",
    "footer", "aside", "blockquote", "figure", "figcaption", "dl",	"dt",	"dd",
    "body",   "html",  "address",    "hr",     "pre",	     "center",	NULL};

static void S_inline(const xmlNode *n, cb_imp_text *t)
{
	for (const xmlNode *k = n->children; k; k = k->next) {
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content) {
			cb_imp_text_puts(t, (const char *)k->content);
		} else if (k->type == XML_ELEMENT_NODE && !S_in(k, S_skip)) {
			if (strcasecmp((const char *)k->name, "br") == 0) {
				cb_imp_text_put(t, " ", 1);
			} else if (strcasecmp((const char *)k->name, "a") == 0) {
				cb_imp_text_link_begin(t, cb_imp_xml_attr(k, "href"));
				S_inline(k, t);
				cb_imp_text_link_end(t);
			} else {
				if (S_in(k, S_blockish))
					cb_imp_text_put(t, " ", 1);
				S_inline(k, t);
			}
		}
	}
}

static void S_flow(S_ctx *c, const xmlNode *parent, int depth, bool ordered);

static void S_table(S_ctx *c, const xmlNode *n, int id, bool *first)
{
	for (const xmlNode *r = n->children; r; r = r->next) {
		if (r->type != XML_ELEMENT_NODE)
			continue;
		const char *nm = (const char *)r->name;
		if (!strcasecmp(nm, "thead") || !strcasecmp(nm, "tbody") || !strcasecmp(nm, "tfoot")) {
			S_table(c, r, id, first);
			continue;
		}
		if (strcasecmp(nm, "tr") != 0)
			continue;
		cb_strv cells = CB_STRV_INIT;
		bool all_th = true;
		for (const xmlNode *cell = r->children; cell; cell = cell->next) {
			if (cell->type != XML_ELEMENT_NODE)
				continue;
			bool th = strcasecmp((const char *)cell->name, "th") == 0;
			if (!th && strcasecmp((const char *)cell->name, "td") != 0)
				continue;
			all_th = all_th && th;
			cb_imp_text t = CB_IMP_TEXT_INIT;
			S_inline(cell, &t);
			cb_imp_text_link_end(&t);
			cb_strv_push(&cells, t.b.data ? t.b.data : "");
			cb_imp_text_clear(&t);
		}
		if (cells.n)
			cb_imp_add_row(c->doc, id, *first || all_th, &cells);
		*first = false;
		cb_strv_free(&cells);
	}
}

/* Adds what t holds as the right kind of block for where it is. */
static void S_emit(S_ctx *c, cb_imp_text *t, int depth, bool ordered, bool *item_open)
{
	if (depth >= 0 && !*item_open) {
		cb_import_block *b = cb_imp_add(c->doc, CB_IMPORT_ITEM, depth > 8 ? 8 : depth, t);
		if (b) {
			b->ordered = ordered;
			*item_open = true;
		}
	} else {
		cb_imp_add(c->doc, CB_IMPORT_PARAGRAPH, 0, t);
	}
}

/* depth: the list nesting inside an li, -1 outside lists. */
static void S_flow(S_ctx *c, const xmlNode *parent, int depth, bool ordered)
{
	cb_imp_text t = CB_IMP_TEXT_INIT;
	bool item_open = false;
	for (const xmlNode *n = parent->children; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || (n->type == XML_ELEMENT_NODE && !S_in(n, S_blockish))) {
			if (n->type == XML_TEXT_NODE && n->content)
				cb_imp_text_puts(&t, (const char *)n->content);
			else if (n->type == XML_ELEMENT_NODE && !S_in(n, S_skip)) {
				xmlNode fake = *n; /* one-node list, so S_inline sees n itself */
				fake.next = NULL;
				xmlNode holder;
				memset(&holder, 0, sizeof holder);
				holder.children = &fake;
				S_inline(&holder, &t);
			}
			continue;
		}
		if (n->type != XML_ELEMENT_NODE || S_in(n, S_skip))
			continue;
		S_emit(c, &t, depth, ordered, &item_open);
		const char *nm = (const char *)n->name;
		if (strlen(nm) == 2 && (nm[0] == 'h' || nm[0] == 'H') && nm[1] >= '1' && nm[1] <= '6') {
			cb_imp_text h = CB_IMP_TEXT_INIT;
			S_inline(n, &h);
			cb_imp_add(c->doc, CB_IMPORT_HEADING, nm[1] - '0', &h);
		} else if (!strcasecmp(nm, "ul") || !strcasecmp(nm, "ol")) {
			for (const xmlNode *li = n->children; li; li = li->next)
				if (li->type == XML_ELEMENT_NODE && !strcasecmp((const char *)li->name, "li"))
					S_flow(c, li, depth + 1, !strcasecmp(nm, "ol"));
		} else if (!strcasecmp(nm, "table")) {
			bool first = true;
			S_table(c, n, ++c->tables, &first);
		} else if (!strcasecmp(nm, "p") || !strcasecmp(nm, "dt") || !strcasecmp(nm, "dd") ||
			   !strcasecmp(nm, "figcaption") || !strcasecmp(nm, "pre") ||
			   !strcasecmp(nm, "address")) {
			cb_imp_text p = CB_IMP_TEXT_INIT;
			S_inline(n, &p);
			S_emit(c, &p, depth, ordered, &item_open);
		} else if (!strcasecmp(nm, "li")) {
			S_flow(c, n, depth + 1, false);
		} else {
			S_flow(c, n, depth, ordered);
		}
	}
	S_emit(c, &t, depth, ordered, &item_open);
}

static void S_head(cb_import_doc *doc, const xmlNode *n)
{
	for (const xmlNode *k = n ? n->children : NULL; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!strcasecmp((const char *)k->name, "title")) {
			cb_buf v = CB_BUF_INIT;
			cb_imp_xml_text(k, &v);
			cb_imp_meta(&doc->title, v.data);
			cb_buf_free(&v);
		} else if (!strcasecmp((const char *)k->name, "meta")) {
			const char *name = cb_imp_xml_attr(k, "name"),
				   *content = cb_imp_xml_attr(k, "content");
			if (!name || !content)
				continue;
			if (!strcasecmp(name, "author") || !strcasecmp(name, "dc.creator") ||
			    !strcasecmp(name, "dcterms.creator"))
				cb_imp_meta(&doc->author, content);
			else if (!strcasecmp(name, "dcterms.modified") || !strcasecmp(name, "last-modified"))
				cb_imp_meta(&doc->modified, content);
			else if (!strcasecmp(name, "dcterms.created") || !strcasecmp(name, "date") ||
				 !strcasecmp(name, "dc.date"))
				cb_imp_meta(&doc->created, content);
		} else if (!strcasecmp((const char *)k->name, "head") ||
			   !strcasecmp((const char *)k->name, "html")) {
			S_head(doc, k);
		}
	}
}

int cb_imp_html(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err)
{
	size_t bad;
	if (!cb_utf8_valid(data, len, &bad)) {
		int line, col;
		cb_linecol(data, bad, &line, &col);
		cb_error_set(err, name, line, col,
			     "this HTML file is not UTF-8; save it as UTF-8 and import it again");
		return -1;
	}
	xmlDoc *x;
	if (cb_imp_xml_parse(name, data, len, true, &x, err) != 0)
		return -1;
	xmlNode *root = cb_imp_xml_root(x);
	if (root) {
		S_head(doc, root);
		/* The whole tree is walked: the parser may leave a fragment
		 * without <html> or <body>. */
		xmlNode holder;
		memset(&holder, 0, sizeof holder);
		holder.children = root;
		S_ctx c = {doc, 0};
		S_flow(&c, &holder, -1, false);
	}
	cb_imp_xml_free(x);
	cb_imp_lists(doc);
	return 0;
}
