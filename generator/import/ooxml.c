/*
 * ooxml: the Word (.docx) reader. A .docx is a zip of XML parts:
 * word/document.xml holds the body (paragraphs with styles, runs of text,
 * hyperlinks, tables, text boxes), word/styles.xml names the styles (so
 * "Heading 2" is known whatever its id), word/numbering.xml says which
 * lists are numbered, word/_rels/document.xml.rels holds link targets,
 * word/comments.xml the review comments and docProps/core.xml the
 * metadata. Text a tracked change deleted is left out.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "import_int.h"

typedef struct S_style {
	char *id;
	int level;    /* heading level (1 = the title), 0 when not a heading */
	int list;     /* 1 bullet, 2 numbered, 0 not a list style */
	char *parent; /* basedOn */
} S_style;

typedef struct S_ctx {
	const char *name;
	cb_import_doc *doc;
	S_style *styles;
	size_t nstyles;
	cb_strmap *rels;     /* relationship id -> target (owned strings) */
	cb_strmap *numfmt;   /* "numId:ilvl" -> "bullet" or a number format (owned) */
	cb_strmap *abstract; /* numId -> abstractNumId (owned) */
	int tables;
} S_ctx;

static const xmlNode *S_child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (cb_imp_xml_is(c, name))
			return c;
	return NULL;
}

static const char *S_val(const xmlNode *n, const char *child)
{
	return cb_imp_xml_attr(S_child(n, child), "val");
}

/* "heading 2" -> 3, "Title" -> 1; Word's built-in names are English in the
 * file whatever the language of the user interface. */
static int S_heading_level(const char *name)
{
	if (!name)
		return 0;
	if (cb_str_ieq(name, "title"))
		return 1;
	if (strncasecmp(name, "heading", 7) == 0) {
		const char *p = name + 7;
		while (*p == ' ')
			p++;
		int n = atoi(p);
		if (n >= 1 && n <= 5)
			return n + 1;
	}
	return 0;
}

static void S_load_styles(S_ctx *c, const xmlNode *root)
{
	for (const xmlNode *s = root ? root->children : NULL; s; s = s->next) {
		if (!cb_imp_xml_is(s, "style"))
			continue;
		const char *id = cb_imp_xml_attr(s, "styleId");
		if (!id)
			continue;
		c->styles = cb_xrealloc(c->styles, (c->nstyles + 1) * sizeof *c->styles);
		S_style *st = &c->styles[c->nstyles++];
		memset(st, 0, sizeof *st);
		st->id = cb_xstrdup(id);
		const char *name = S_val(s, "name");
		st->level = S_heading_level(name);
		const char *outline = S_val(S_child(s, "pPr"), "outlineLvl");
		if (!st->level && outline && atoi(outline) < 5)
			st->level = atoi(outline) + 2;
		if (name && strncasecmp(name, "list bullet", 11) == 0)
			st->list = 1;
		else if (name && strncasecmp(name, "list number", 11) == 0)
			st->list = 2;
		const char *base = S_val(s, "basedOn");
		st->parent = base ? cb_xstrdup(base) : NULL;
	}
}

static const S_style *S_style_of(const S_ctx *c, const char *id, int depth)
{
	for (size_t i = 0; id && i < c->nstyles; i++)
		if (strcmp(c->styles[i].id, id) == 0)
			return c->styles[i].level || c->styles[i].list || depth > 8 || !c->styles[i].parent
				   ? &c->styles[i]
				   : S_style_of(c, c->styles[i].parent, depth + 1);
	return NULL;
}

static void S_load_numbering(S_ctx *c, const xmlNode *root)
{
	cb_strmap *abs_fmt = cb_strmap_new(); /* "abstractId:ilvl" -> format (borrowed) */
	for (const xmlNode *a = root ? root->children : NULL; a; a = a->next) {
		if (!cb_imp_xml_is(a, "abstractNum"))
			continue;
		const char *aid = cb_imp_xml_attr(a, "abstractNumId");
		for (const xmlNode *l = a->children; aid && l; l = l->next) {
			const char *fmt = S_val(l, "numFmt"), *ilvl = cb_imp_xml_attr(l, "ilvl");
			if (cb_imp_xml_is(l, "lvl") && fmt && ilvl) {
				char *key = cb_xasprintf("%s:%s", aid, ilvl);
				cb_strmap_put(abs_fmt, key, (void *)fmt);
				free(key);
			}
		}
	}
	for (const xmlNode *n = root ? root->children : NULL; n; n = n->next) {
		const char *nid = cb_imp_xml_attr(n, "numId"), *aid = S_val(n, "abstractNumId");
		if (!cb_imp_xml_is(n, "num") || !nid || !aid)
			continue;
		for (int lvl = 0; lvl < 9; lvl++) {
			char *akey = cb_xasprintf("%s:%d", aid, lvl), *nkey = cb_xasprintf("%s:%d", nid, lvl);
			const char *fmt = cb_strmap_get(abs_fmt, akey);
			if (fmt && !cb_strmap_has(c->numfmt, nkey))
				cb_strmap_put(c->numfmt, nkey, cb_xstrdup(fmt));
			free(akey);
			free(nkey);
		}
	}
	cb_strmap_free(abs_fmt);
}

static void S_load_rels(S_ctx *c, const xmlNode *root)
{
	for (const xmlNode *r = root ? root->children : NULL; r; r = r->next) {
		const char *id = cb_imp_xml_attr(r, "Id"), *target = cb_imp_xml_attr(r, "Target");
		if (cb_imp_xml_is(r, "Relationship") && id && target && !cb_strmap_has(c->rels, id))
			cb_strmap_put(c->rels, id, cb_xstrdup(target));
	}
}

static void S_body(S_ctx *c, const xmlNode *parent);
static const S_style *S_style_of(const S_ctx *c, const char *id, int depth);

/* The text of a paragraph's runs, links and fields into t; text boxes
 * found on the way are collected in boxes, to become paragraphs of their
 * own after this one. */
static void S_runs(S_ctx *c, const xmlNode *n, cb_imp_text *t, cb_strv *unused, const xmlNode **boxes,
		   size_t *nboxes)
{
	for (const xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		const char *nm = (const char *)k->name;
		if (strcmp(nm, "t") == 0) {
			cb_buf s = CB_BUF_INIT;
			cb_imp_xml_text(k, &s);
			if (s.len)
				cb_imp_text_put(t, s.data, s.len);
			cb_buf_free(&s);
		} else if (strcmp(nm, "tab") == 0 || strcmp(nm, "br") == 0 || strcmp(nm, "cr") == 0) {
			cb_imp_text_put(t, " ", 1);
		} else if (strcmp(nm, "noBreakHyphen") == 0) {
			cb_imp_text_put(t, "-", 1);
		} else if (strcmp(nm, "del") == 0 || strcmp(nm, "delText") == 0 ||
			   strcmp(nm, "instrText") == 0 || strcmp(nm, "Fallback") == 0 ||
			   strcmp(nm, "rPr") == 0 || strcmp(nm, "pPr") == 0 ||
			   strcmp(nm, "footnoteReference") == 0) {
			/* deleted text, field codes, duplicate fallbacks, formatting */
		} else if (strcmp(nm, "txbxContent") == 0) {
			if (*nboxes < 16)
				boxes[(*nboxes)++] = k;
		} else if (strcmp(nm, "hyperlink") == 0) {
			const char *rid = cb_imp_xml_attr(k, "id");
			const char *href = rid ? cb_strmap_get(c->rels, rid) : NULL;
			cb_imp_text_link_begin(t, href);
			S_runs(c, k, t, unused, boxes, nboxes);
			cb_imp_text_link_end(t);
		} else {
			S_runs(c, k, t, unused, boxes, nboxes);
		}
	}
}

/* Whether every run of text in p is bold or large (14 points or more):
 * the heading of a document that makes its headings by formatting
 * rather than styles. *large says whether they were all large. */
static bool S_emphasised(const xmlNode *p, bool *large, int depth)
{
	bool any = false, all = true;
	for (const xmlNode *k = p->children; k && depth < 4; k = k->next) {
		if (cb_imp_xml_is(k, "hyperlink") || cb_imp_xml_is(k, "ins") ||
		    cb_imp_xml_is(k, "smartTag")) {
			bool sub_large = *large;
			if (!S_emphasised(k, &sub_large, depth + 1))
				all = false;
			*large = sub_large;
			any = true;
			continue;
		}
		if (!cb_imp_xml_is(k, "r"))
			continue;
		cb_buf text = CB_BUF_INIT;
		for (const xmlNode *t = k->children; t; t = t->next)
			if (cb_imp_xml_is(t, "t"))
				cb_imp_xml_text(t, &text);
		bool blank = true;
		for (size_t i = 0; i < text.len; i++)
			blank = blank && (text.data[i] == ' ' || text.data[i] == '\t');
		cb_buf_free(&text);
		if (blank)
			continue;
		any = true;
		const xmlNode *rpr = S_child(k, "rPr");
		const xmlNode *b = S_child(rpr, "b");
		const char *bv = cb_imp_xml_attr(b, "val");
		bool bold = b && !(bv && (strcmp(bv, "0") == 0 || strcmp(bv, "false") == 0));
		const char *sz = S_val(rpr, "sz");
		bool big = sz && atoi(sz) >= 28;
		*large = *large && big;
		all = all && (bold || big);
	}
	return any && all;
}

static void S_paragraph(S_ctx *c, const xmlNode *p)
{
	const xmlNode *ppr = S_child(p, "pPr");
	const S_style *st = S_style_of(c, S_val(ppr, "pStyle"), 0);
	int level = st ? st->level : 0;
	const char *outline = S_val(ppr, "outlineLvl");
	if (!level && outline && atoi(outline) < 5)
		level = atoi(outline) + 2;
	const xmlNode *num = S_child(ppr, "numPr");
	const char *numid = S_val(num, "numId"), *ilvl = S_val(num, "ilvl");
	int list = st ? st->list : 0;
	int depth = ilvl ? atoi(ilvl) : 0;
	if (numid && strcmp(numid, "0") != 0) {
		char *key = cb_xasprintf("%s:%d", numid, depth);
		const char *fmt = cb_strmap_get(c->numfmt, key);
		free(key);
		list = fmt && strcmp(fmt, "bullet") != 0 && strcmp(fmt, "none") != 0 ? 2 : 1;
	} else if (numid) {
		list = 0; /* numbering switched off for this paragraph */
	}
	cb_imp_text t = CB_IMP_TEXT_INIT;
	const xmlNode *boxes[16];
	size_t nboxes = 0;
	S_runs(c, p, &t, NULL, boxes, &nboxes);
	bool large = true;
	if (!level && !list && t.b.len && t.b.len <= 120 && !strchr(".,;", t.b.data[t.b.len - 1]) &&
	    S_emphasised(p, &large, 0))
		level = large ? 2 : 3;
	cb_import_block *b;
	if (level)
		b = cb_imp_add(c->doc, CB_IMPORT_HEADING, level, &t);
	else if (list)
		b = cb_imp_add(c->doc, CB_IMPORT_ITEM, depth < 0 || depth > 8 ? 0 : depth, &t);
	else
		b = cb_imp_add(c->doc, CB_IMPORT_PARAGRAPH, 0, &t);
	if (b && list && !level)
		b->ordered = list == 2;
	for (size_t i = 0; i < nboxes; i++)
		S_body(c, boxes[i]);
}

/* A table used to lay a page out (a 7-minute briefing's boxes) rather than
 * to hold data: one column, or a cell with several paragraphs, a heading
 * or a list. Its cells are read as the body they are. */
static bool S_layout_table(const S_ctx *c, const xmlNode *tbl)
{
	size_t cols = 0;
	for (const xmlNode *tr = tbl->children; tr; tr = tr->next) {
		size_t n = 0;
		for (const xmlNode *tc = tr->children; tc; tc = tc->next) {
			if (!cb_imp_xml_is(tc, "tc"))
				continue;
			n++;
			size_t paras = 0;
			for (const xmlNode *p = tc->children; p; p = p->next) {
				if (cb_imp_xml_is(p, "tbl"))
					return true;
				if (!cb_imp_xml_is(p, "p"))
					continue;
				cb_buf text = CB_BUF_INIT;
				cb_imp_xml_text(p, &text);
				paras += text.len > 0;
				cb_buf_free(&text);
				const xmlNode *ppr = S_child(p, "pPr");
				const S_style *st = S_style_of(c, S_val(ppr, "pStyle"), 0);
				if ((st && (st->level || st->list)) || S_child(ppr, "numPr"))
					return true;
			}
			if (paras > 1)
				return true;
		}
		if (n > cols)
			cols = n;
	}
	return cols == 1;
}

static void S_table(S_ctx *c, const xmlNode *tbl)
{
	if (S_layout_table(c, tbl)) {
		for (const xmlNode *tr = tbl->children; tr; tr = tr->next)
			for (const xmlNode *tc = tr ? tr->children : NULL; tc; tc = tc->next)
				if (cb_imp_xml_is(tc, "tc"))
					S_body(c, tc);
		return;
	}
	int id = ++c->tables;
	bool first = true;
	for (const xmlNode *tr = tbl->children; tr; tr = tr->next) {
		if (!cb_imp_xml_is(tr, "tr"))
			continue;
		cb_strv cells = CB_STRV_INIT;
		for (const xmlNode *tc = tr->children; tc; tc = tc->next) {
			if (!cb_imp_xml_is(tc, "tc"))
				continue;
			/* A cell's paragraphs, one after another, as one line. */
			cb_imp_text t = CB_IMP_TEXT_INIT;
			const xmlNode *boxes[16];
			size_t nboxes = 0;
			for (const xmlNode *p = tc->children; p; p = p->next) {
				if (cb_imp_xml_is(p, "p") || cb_imp_xml_is(p, "tbl") ||
				    cb_imp_xml_is(p, "sdt")) {
					cb_imp_text_put(&t, " ", 1);
					S_runs(c, p, &t, NULL, boxes, &nboxes);
				}
			}
			cb_imp_text_link_end(&t);
			cb_strv_push(&cells, t.b.data ? t.b.data : "");
			cb_imp_text_clear(&t);
		}
		if (cells.n)
			cb_imp_add_row(c->doc, id, first, &cells);
		first = false;
		cb_strv_free(&cells);
	}
}

static void S_body(S_ctx *c, const xmlNode *parent)
{
	for (const xmlNode *n = parent->children; n; n = n->next) {
		if (cb_imp_xml_is(n, "p"))
			S_paragraph(c, n);
		else if (cb_imp_xml_is(n, "tbl"))
			S_table(c, n);
		else if (cb_imp_xml_is(n, "sdt") || cb_imp_xml_is(n, "sdtContent") ||
			 cb_imp_xml_is(n, "customXml") || cb_imp_xml_is(n, "ins") || cb_imp_xml_is(n, "body"))
			S_body(c, n);
	}
}

static void S_core(cb_import_doc *doc, const xmlNode *root)
{
	for (const xmlNode *n = root ? root->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		cb_buf v = CB_BUF_INIT;
		cb_imp_xml_text(n, &v);
		const char *s = v.data ? v.data : "";
		if (cb_imp_xml_is(n, "title"))
			cb_imp_meta(&doc->title, s);
		else if (cb_imp_xml_is(n, "creator"))
			cb_imp_meta(&doc->author, s);
		else if (cb_imp_xml_is(n, "lastModifiedBy"))
			cb_imp_meta(&doc->last_modified_by, s);
		else if (cb_imp_xml_is(n, "created"))
			cb_imp_meta(&doc->created, s);
		else if (cb_imp_xml_is(n, "modified"))
			cb_imp_meta(&doc->modified, s);
		cb_buf_free(&v);
	}
}

static void S_comments(cb_import_doc *doc, const xmlNode *root)
{
	for (const xmlNode *n = root ? root->children : NULL; n; n = n->next) {
		if (!cb_imp_xml_is(n, "comment"))
			continue;
		cb_buf v = CB_BUF_INIT;
		cb_imp_xml_text(n, &v);
		char *text = cb_imp_norm(v.data ? v.data : "", v.len);
		const char *who = cb_imp_xml_attr(n, "author");
		char *whon = cb_imp_norm(who ? who : "", who ? strlen(who) : 0);
		cb_strv_push_own(&doc->comments, cb_xasprintf("%s: %s", whon[0] ? whon : "(no name)", text));
		free(whon);
		free(text);
		cb_buf_free(&v);
	}
}

static void S_map_free_values(cb_strmap *m)
{
	size_t it = 0;
	const char *k;
	void *v;
	while (m && cb_strmap_next(m, &it, &k, &v))
		free(v);
	cb_strmap_free(m);
}

int cb_imp_docx(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err)
{
	cb_imp_zip *z = NULL;
	if (cb_imp_zip_open(name, data, len, &z, err) != 0)
		return -1;
	S_ctx c = {name, doc, NULL, 0, cb_strmap_new(), cb_strmap_new(), NULL, 0};
	static const char *const parts[] = {"word/document.xml",  "word/styles.xml",
					    "word/numbering.xml", "word/_rels/document.xml.rels",
					    "word/comments.xml",  "docProps/core.xml"};
	xmlDoc *x[6] = {NULL};
	int rc = -1;
	for (size_t i = 0; i < 6; i++)
		if (cb_imp_zip_xml(z, parts[i], &x[i], err) < 0)
			goto out;
	if (!x[0]) {
		cb_error_set(err, name, 0, 0,
			     "this zip file is not a Word document (it has no word/document.xml); save it "
			     "from Word as .docx");
		goto out;
	}
	if (x[1])
		S_load_styles(&c, cb_imp_xml_root(x[1]));
	if (x[2])
		S_load_numbering(&c, cb_imp_xml_root(x[2]));
	if (x[3])
		S_load_rels(&c, cb_imp_xml_root(x[3]));
	if (x[4])
		S_comments(doc, cb_imp_xml_root(x[4]));
	if (x[5])
		S_core(doc, cb_imp_xml_root(x[5]));
	const xmlNode *body = S_child(cb_imp_xml_root(x[0]), "body");
	if (body)
		S_body(&c, body);
	cb_imp_lists(doc);
	rc = 0;
out:
	for (size_t i = 0; i < 6; i++)
		cb_imp_xml_free(x[i]);
	for (size_t i = 0; i < c.nstyles; i++) {
		free(c.styles[i].id);
		free(c.styles[i].parent);
	}
	free(c.styles);
	S_map_free_values(c.rels);
	S_map_free_values(c.numfmt);
	cb_imp_zip_close(z);
	return rc;
}

int cb_imp_docx_body(const char *name, const char *xml, size_t len, cb_import_doc *doc, cb_error *err)
{
	xmlDoc *x;
	if (cb_imp_xml_parse(name, xml, len, false, &x, err) != 0)
		return -1;
	S_ctx c = {name, doc, NULL, 0, cb_strmap_new(), cb_strmap_new(), NULL, 0};
	const xmlNode *body = S_child(cb_imp_xml_root(x), "body");
	if (body)
		S_body(&c, body);
	cb_imp_lists(doc);
	cb_imp_xml_free(x);
	cb_strmap_free(c.rels);
	cb_strmap_free(c.numfmt);
	return 0;
}
