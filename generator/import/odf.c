/*
 * odf: the OpenDocument text (.odt) reader. content.xml holds the body —
 * headings with their outline level, paragraphs, nested lists, tables,
 * links, text boxes and comments (office:annotation) — and its automatic
 * styles; styles.xml the named styles (a "Title" paragraph is the title;
 * list styles say bullet or number); meta.xml the metadata. Tracked
 * changes' deleted text and notes are left out.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "import_int.h"

typedef struct S_ctx {
	cb_import_doc *doc;
	cb_strmap *para_parent; /* paragraph style -> parent style name (borrowed from the trees) */
	cb_strmap *list_num;	/* list style name -> "1" when numbered (borrowed) */
	int tables;
} S_ctx;

static void S_styles(S_ctx *c, const xmlNode *n)
{
	for (const xmlNode *s = n ? n->children : NULL; s; s = s->next) {
		if (s->type != XML_ELEMENT_NODE)
			continue;
		const char *name = cb_imp_xml_attr(s, "name");
		if (cb_imp_xml_is(s, "style") && name) {
			const char *parent = cb_imp_xml_attr(s, "parent-style-name");
			if (parent && !cb_strmap_has(c->para_parent, name))
				cb_strmap_put(c->para_parent, name, (void *)parent);
		} else if (cb_imp_xml_is(s, "list-style") && name) {
			const xmlNode *lvl = s->children;
			while (lvl && lvl->type != XML_ELEMENT_NODE)
				lvl = lvl->next;
			if (!cb_strmap_has(c->list_num, name))
				cb_strmap_put(c->list_num, name,
					      cb_imp_xml_is(lvl, "list-level-style-number") ? "1" : "0");
		} else if (cb_imp_xml_is(s, "automatic-styles") || cb_imp_xml_is(s, "styles")) {
			S_styles(c, s);
		}
	}
}

/* A paragraph style that is, or derives from, "Title". */
static bool S_is_title(const S_ctx *c, const char *style)
{
	for (int depth = 0; style && depth < 8; depth++) {
		if (strcmp(style, "Title") == 0)
			return true;
		style = cb_strmap_get(c->para_parent, style);
	}
	return false;
}

static void S_inline(S_ctx *c, const xmlNode *n, cb_imp_text *t)
{
	for (const xmlNode *k = n->children; k; k = k->next) {
		if (k->type == XML_TEXT_NODE && k->content) {
			cb_imp_text_puts(t, (const char *)k->content);
			continue;
		}
		if (k->type != XML_ELEMENT_NODE)
			continue;
		const char *nm = (const char *)k->name;
		if (strcmp(nm, "s") == 0 || strcmp(nm, "tab") == 0 || strcmp(nm, "line-break") == 0) {
			cb_imp_text_put(t, " ", 1);
		} else if (strcmp(nm, "a") == 0) {
			cb_imp_text_link_begin(t, cb_imp_xml_attr(k, "href"));
			S_inline(c, k, t);
			cb_imp_text_link_end(t);
		} else if (strcmp(nm, "annotation") == 0) {
			cb_buf v = CB_BUF_INIT, who = CB_BUF_INIT;
			for (const xmlNode *a = k->children; a; a = a->next) {
				if (cb_imp_xml_is(a, "creator"))
					cb_imp_xml_text(a, &who);
				else if (cb_imp_xml_is(a, "p")) {
					cb_buf_putc(&v, ' ');
					cb_imp_xml_text(a, &v);
				}
			}
			char *tv = cb_imp_norm(v.data ? v.data : "", v.len);
			char *tw = cb_imp_norm(who.data ? who.data : "", who.len);
			cb_strv_push_own(&c->doc->comments,
					 cb_xasprintf("%s: %s", tw[0] ? tw : "(no name)", tv));
			free(tv);
			free(tw);
			cb_buf_free(&v);
			cb_buf_free(&who);
		} else if (strcmp(nm, "note") == 0 || strcmp(nm, "annotation-end") == 0 ||
			   strcmp(nm, "frame") == 0 || strcmp(nm, "tracked-changes") == 0) {
			/* notes, and text boxes (read as blocks by S_blocks) */
		} else {
			S_inline(c, k, t);
		}
	}
}

static void S_blocks(S_ctx *c, const xmlNode *parent, int depth, bool ordered);

/* Text boxes anchored in a paragraph become blocks after it. */
static void S_frames(S_ctx *c, const xmlNode *n)
{
	for (const xmlNode *k = n->children; k; k = k->next) {
		if (cb_imp_xml_is(k, "text-box"))
			S_blocks(c, k, -1, false);
		else if (k->type == XML_ELEMENT_NODE && !cb_imp_xml_is(k, "note") &&
			 !cb_imp_xml_is(k, "annotation"))
			S_frames(c, k);
	}
}

/* A table used for layout, not data (see ooxml.c): one column, or a cell
 * with several paragraphs, a heading, a list or a table. */
static bool S_layout_table(const xmlNode *tbl, size_t *cols)
{
	for (const xmlNode *r = tbl->children; r; r = r->next) {
		if (cb_imp_xml_is(r, "table-header-rows") || cb_imp_xml_is(r, "table-rows") ||
		    cb_imp_xml_is(r, "table-row-group")) {
			if (S_layout_table(r, cols))
				return true;
			continue;
		}
		size_t n = 0;
		for (const xmlNode *cell = r->children; cell; cell = cell->next) {
			if (!cb_imp_xml_is(cell, "table-cell"))
				continue;
			n++;
			size_t paras = 0;
			for (const xmlNode *p = cell->children; p; p = p->next) {
				if (cb_imp_xml_is(p, "h") || cb_imp_xml_is(p, "list") ||
				    cb_imp_xml_is(p, "table"))
					return true;
				if (cb_imp_xml_is(p, "p") && p->children)
					paras++;
			}
			if (paras > 1)
				return true;
		}
		if (n > *cols)
			*cols = n;
	}
	return false;
}

/* The cells of a layout table, read as the body they are. */
static void S_layout_cells(S_ctx *c, const xmlNode *tbl)
{
	for (const xmlNode *r = tbl->children; r; r = r->next) {
		if (cb_imp_xml_is(r, "table-header-rows") || cb_imp_xml_is(r, "table-rows") ||
		    cb_imp_xml_is(r, "table-row-group"))
			S_layout_cells(c, r);
		else if (cb_imp_xml_is(r, "table-row"))
			for (const xmlNode *cell = r->children; cell; cell = cell->next)
				if (cb_imp_xml_is(cell, "table-cell"))
					S_blocks(c, cell, -1, false);
	}
}

static void S_rows(S_ctx *c, const xmlNode *tbl, int id, bool *first)
{
	for (const xmlNode *r = tbl->children; r; r = r->next) {
		if (cb_imp_xml_is(r, "table-header-rows") || cb_imp_xml_is(r, "table-rows") ||
		    cb_imp_xml_is(r, "table-row-group")) {
			S_rows(c, r, id, first);
			continue;
		}
		if (!cb_imp_xml_is(r, "table-row"))
			continue;
		cb_strv cells = CB_STRV_INIT;
		for (const xmlNode *cell = r->children; cell; cell = cell->next) {
			if (!cb_imp_xml_is(cell, "table-cell"))
				continue;
			cb_imp_text t = CB_IMP_TEXT_INIT;
			for (const xmlNode *p = cell->children; p; p = p->next) {
				cb_imp_text_put(&t, " ", 1);
				if (p->type == XML_ELEMENT_NODE)
					S_inline(c, p, &t);
			}
			cb_imp_text_link_end(&t);
			cb_strv_push(&cells, t.b.data ? t.b.data : "");
			cb_imp_text_clear(&t);
		}
		if (cells.n)
			cb_imp_add_row(c->doc, id, *first, &cells);
		*first = false;
		cb_strv_free(&cells);
	}
}

/* depth: -1 outside lists, else the list nesting of the paragraphs here. */
static void S_blocks(S_ctx *c, const xmlNode *parent, int depth, bool ordered)
{
	for (const xmlNode *n = parent->children; n; n = n->next) {
		if (cb_imp_xml_is(n, "h") || cb_imp_xml_is(n, "p")) {
			cb_imp_text t = CB_IMP_TEXT_INIT;
			S_inline(c, n, &t);
			cb_import_block *b;
			if (cb_imp_xml_is(n, "h")) {
				const char *lv = cb_imp_xml_attr(n, "outline-level");
				int level = lv ? atoi(lv) : 1;
				b = cb_imp_add(c->doc, CB_IMPORT_HEADING,
					       level < 1   ? 2
					       : level > 5 ? 6
							   : level + 1,
					       &t);
			} else if (S_is_title(c, cb_imp_xml_attr(n, "style-name"))) {
				b = cb_imp_add(c->doc, CB_IMPORT_HEADING, 1, &t);
			} else if (depth >= 0) {
				b = cb_imp_add(c->doc, CB_IMPORT_ITEM, depth > 8 ? 8 : depth, &t);
				if (b)
					b->ordered = ordered;
				/* Further paragraphs of the same item are its text. */
				depth = depth >= 0 ? -2 - depth : depth;
			} else {
				b = cb_imp_add(c->doc, CB_IMPORT_PARAGRAPH, 0, &t);
			}
			S_frames(c, n);
		} else if (cb_imp_xml_is(n, "list")) {
			const char *style = cb_imp_xml_attr(n, "style-name");
			const char *num = style ? cb_strmap_get(c->list_num, style) : NULL;
			bool ord = num ? strcmp(num, "1") == 0 : ordered;
			int d = depth >= 0 ? depth + 1 : depth == -1 ? 0 : -depth - 2 + 1;
			for (const xmlNode *it = n->children; it; it = it->next)
				if (cb_imp_xml_is(it, "list-item") || cb_imp_xml_is(it, "list-header"))
					S_blocks(c, it, d, ord);
		} else if (cb_imp_xml_is(n, "table")) {
			size_t cols = 0;
			bool first = true;
			if (S_layout_table(n, &cols) || cols == 1)
				S_layout_cells(c, n);
			else
				S_rows(c, n, ++c->tables, &first);
		} else if (cb_imp_xml_is(n, "section") || cb_imp_xml_is(n, "text") ||
			   cb_imp_xml_is(n, "body") || cb_imp_xml_is(n, "index-body") ||
			   cb_imp_xml_is(n, "table-of-content")) {
			S_blocks(c, n, depth, ordered);
		}
	}
}

static void S_meta(cb_import_doc *doc, const xmlNode *n)
{
	for (const xmlNode *k = n ? n->children : NULL; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (cb_imp_xml_is(k, "meta")) {
			S_meta(doc, k);
			continue;
		}
		cb_buf v = CB_BUF_INIT;
		cb_imp_xml_text(k, &v);
		const char *s = v.data ? v.data : "";
		if (cb_imp_xml_is(k, "title"))
			cb_imp_meta(&doc->title, s);
		else if (cb_imp_xml_is(k, "initial-creator"))
			cb_imp_meta(&doc->author, s);
		else if (cb_imp_xml_is(k, "creator"))
			cb_imp_meta(&doc->last_modified_by, s);
		else if (cb_imp_xml_is(k, "creation-date"))
			cb_imp_meta(&doc->created, s);
		else if (cb_imp_xml_is(k, "date"))
			cb_imp_meta(&doc->modified, s);
		cb_buf_free(&v);
	}
}

int cb_imp_odt(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err)
{
	cb_imp_zip *z = NULL;
	if (cb_imp_zip_open(name, data, len, &z, err) != 0)
		return -1;
	S_ctx c = {doc, cb_strmap_new(), cb_strmap_new(), 0};
	xmlDoc *x[3] = {NULL};
	static const char *const parts[] = {"content.xml", "styles.xml", "meta.xml"};
	int rc = -1;
	for (size_t i = 0; i < 3; i++)
		if (cb_imp_zip_xml(z, parts[i], &x[i], err) < 0)
			goto out;
	if (!x[0]) {
		cb_error_set(err, name, 0, 0,
			     "this zip file is not an OpenDocument text (it has no content.xml); save it "
			     "from LibreOffice as .odt");
		goto out;
	}
	const xmlNode *root = cb_imp_xml_root(x[0]);
	S_styles(&c, root);
	if (x[1])
		S_styles(&c, cb_imp_xml_root(x[1]));
	if (x[2])
		S_meta(doc, cb_imp_xml_root(x[2]));
	for (const xmlNode *n = root ? root->children : NULL; n; n = n->next)
		if (cb_imp_xml_is(n, "body"))
			S_blocks(&c, n, -1, false);
	cb_imp_lists(doc);
	rc = 0;
out:
	for (size_t i = 0; i < 3; i++)
		cb_imp_xml_free(x[i]);
	cb_strmap_free(c.para_parent);
	cb_strmap_free(c.list_num);
	cb_imp_zip_close(z);
	return rc;
}

int cb_imp_odt_body(const char *name, const char *xml, size_t len, cb_import_doc *doc, cb_error *err)
{
	xmlDoc *x;
	if (cb_imp_xml_parse(name, xml, len, false, &x, err) != 0)
		return -1;
	S_ctx c = {doc, cb_strmap_new(), cb_strmap_new(), 0};
	const xmlNode *root = cb_imp_xml_root(x);
	S_styles(&c, root);
	for (const xmlNode *n = root ? root->children : NULL; n; n = n->next)
		if (cb_imp_xml_is(n, "body"))
			S_blocks(&c, n, -1, false);
	cb_imp_lists(doc);
	cb_imp_xml_free(x);
	cb_strmap_free(c.para_parent);
	cb_strmap_free(c.list_num);
	return 0;
}
