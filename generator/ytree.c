/* ytree: see ytree.h. */
#include "ytree.h"

#include <yaml.h>

#include <stdlib.h>
#include <string.h>

#include "textnorm.h"
#include "util.h"

/* Front matter is flat; casebook.yml and the taxonomy nest three or four
 * levels. A hard bound keeps a hostile file from building a tree so deep
 * that walking or freeing it recursively exhausts the stack. */
#define S_MAX_DEPTH 64

/* One collection being built: the node, how much room its arrays have, and
 * for a mapping whether the next node is a key and which keys were seen. */
typedef struct S_frame {
	cb_ynode *node;
	size_t cap;
	bool want_key;
	cb_strmap *seen; /* key text -> the first key node (borrowed) */
} S_frame;

typedef struct S_ctx {
	const char *text;
	size_t len;
	const char *file;
	int line_offset;
	const char *what;
	cb_diags *d;
	S_frame stack[S_MAX_DEPTH];
	int depth;
	cb_ynode *root;
	bool failed;
} S_ctx;

static cb_ynode *S_node_new(cb_ytype type, const S_ctx *c, yaml_mark_t mark)
{
	cb_ynode *n = cb_xcalloc(1, sizeof *n);
	n->type = type;
	n->line = (int)mark.line + 1 + c->line_offset;
	n->col = (int)mark.column + 1;
	return n;
}

void cb_ynode_free(cb_ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		cb_ynode_free(n->items[i]);
		if (n->keys)
			cb_ynode_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->str);
	free(n);
}

const cb_ynode *cb_ynode_get(const cb_ynode *map, const char *key)
{
	if (!map || map->type != CB_Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}

const char *cb_ynode_kind(const cb_ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case CB_Y_MAP: return "a mapping";
	case CB_Y_SEQ: return "a list";
	default: return "text";
	}
}

/* A C0 control other than tab and line feed, DEL or a C1 control in a
 * value: quoted YAML can write them as escapes (textnorm.h). */
static bool S_has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		if (c < 0x80 && cb_textnorm_is_control(c))
			return true;
		if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F)
			return true;
	}
	return false;
}

static void S_error(S_ctx *c, yaml_mark_t mark, const char *msg)
{
	cb_diags_add(c->d, CB_ERROR, c->file, (int)mark.line + 1 + c->line_offset, (int)mark.column + 1,
		     "yaml", "%s", msg);
	c->failed = true;
}

/* Appends n (taken) to the collection of frame f: an item of a list, or
 * alternately a key and a value of a mapping. */
static void S_append(S_frame *f, cb_ynode *n)
{
	cb_ynode *p = f->node;
	if (p->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		p->items = cb_xrealloc(p->items, f->cap * sizeof *p->items);
		if (p->type == CB_Y_MAP)
			p->keys = cb_xrealloc(p->keys, f->cap * sizeof *p->keys);
	}
	if (p->type != CB_Y_MAP) {
		p->items[p->n++] = n;
	} else if (f->want_key) {
		p->keys[p->n] = n;
		f->want_key = false;
	} else {
		p->items[p->n++] = n;
		f->want_key = true;
	}
}

/* Adds a finished node to the collection on top of the stack, or makes it
 * the root. Takes n. */
static void S_attach(S_ctx *c, cb_ynode *n)
{
	if (c->depth == 0) {
		/* Only one document is read, so there is only one root. */
		if (c->root)
			cb_ynode_free(n);
		else
			c->root = n;
		return;
	}
	S_frame *f = &c->stack[c->depth - 1];
	if (f->node->type == CB_Y_MAP && f->want_key) {
		if (n->type != CB_Y_SCALAR) {
			cb_diags_add(c->d, CB_ERROR, c->file, n->line, n->col, "yaml",
				     "a field name must be plain text, not a list or a mapping");
			c->failed = true;
			/* An empty key in its place keeps keys and values
			 * paired so the rest still parses; it takes no part
			 * in the duplicate check. */
			cb_ynode *k = cb_xcalloc(1, sizeof *k);
			k->type = CB_Y_SCALAR;
			k->line = n->line;
			k->col = n->col;
			k->str = cb_xstrdup("");
			cb_ynode_free(n);
			S_append(f, k);
			return;
		}
		const cb_ynode *first = cb_strmap_get(f->seen, n->str);
		if (first) {
			cb_diags_add(c->d, CB_ERROR, c->file, n->line, n->col, "duplicate-key",
				     "'%s' is given twice; the first is on line %d, column %d. Keep only one "
				     "of them",
				     n->str, first->line, first->col);
			c->failed = true;
		} else {
			cb_strmap_put(f->seen, n->str, n);
		}
	}
	S_append(f, n);
}

static int S_push(S_ctx *c, cb_ynode *n)
{
	if (c->depth == S_MAX_DEPTH) {
		cb_diags_add(c->d, CB_ERROR, c->file, n->line, n->col, "yaml",
			     "%s is nested too deeply (more than %d levels of lists and mappings)", c->what,
			     S_MAX_DEPTH);
		c->failed = true;
		cb_ynode_free(n);
		return -1;
	}
	S_frame *f = &c->stack[c->depth++];
	f->node = n;
	f->cap = 0;
	f->want_key = true;
	f->seen = n->type == CB_Y_MAP ? cb_strmap_new() : NULL;
	return 0;
}

/* Closes the collection on top of the stack and returns it. */
static cb_ynode *S_pop(S_ctx *c)
{
	S_frame *f = &c->stack[--c->depth];
	cb_strmap_free(f->seen);
	cb_ynode *n = f->node;
	/* A mapping that ends after a key (only after an error) loses that key
	 * rather than leaving it unpaired. */
	if (n->type == CB_Y_MAP && !f->want_key)
		cb_ynode_free(n->keys[n->n]);
	return n;
}

/* Anchors, aliases and tags are YAML features nobody needs in casebook
 * files; aliases in particular let a few lines expand into gigabytes. */
static void S_refuse_props(S_ctx *c, yaml_mark_t mark, const yaml_char_t *anchor, const yaml_char_t *tag)
{
	if (anchor)
		S_error(c, mark,
			"anchors ('&name') are not allowed in casebook files; write the value out in full");
	if (tag)
		S_error(c, mark,
			"tags such as '!!str' are not allowed in casebook files; remove the tag (put the "
			"value in "
			"quotes to keep it as text)");
}

/* The byte offset of a 0-based line and column (in characters) of text;
 * libyaml's own index counts characters, not bytes. */
static size_t S_offset(const char *text, size_t len, size_t line, size_t col)
{
	size_t i = 0;
	for (size_t l = 0; l < line && i < len; i++)
		if (text[i] == '\n')
			l++;
	for (size_t k = 0; i < len && text[i] != '\n'; i++) {
		if (((unsigned char)text[i] & 0xC0) == 0x80)
			continue;
		if (k++ == col)
			break;
	}
	return i;
}

/* Turns libyaml's terse problem into a sentence with a hint for the mistakes
 * people actually make when typing front matter by hand. */
static void S_syntax_error(S_ctx *c, const yaml_parser_t *p)
{
	cb_buf msg = CB_BUF_INIT;
	int line, col;
	if (p->error == YAML_READER_ERROR) {
		size_t off = p->problem_offset;
		const char *t = c->text;
		if (c->len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0 && off >= 3) {
			t += 3;
			off -= 3;
		}
		if (off > c->len)
			off = c->len;
		cb_linecol(t, off, &line, &col);
		line += c->line_offset;
		if (p->problem_value >= 0 && p->problem && strstr(p->problem, "control")) {
			cb_buf_printf(
			    &msg,
			    "could not read %s: it contains a control character (U+%04X) that is not "
			    "allowed; delete it",
			    c->what, (unsigned)p->problem_value);
		} else {
			cb_buf_printf(&msg, "could not read %s: %s; re-save the file as UTF-8", c->what,
				      p->problem ? p->problem : "the text is not valid UTF-8");
		}
	} else {
		line = (int)p->problem_mark.line + 1 + c->line_offset;
		col = (int)p->problem_mark.column + 1;
		const char *problem = p->problem ? p->problem : "unknown problem";
		cb_buf_printf(&msg, "could not read %s: %s", c->what, problem);
		size_t off = S_offset(c->text, c->len, p->problem_mark.line, p->problem_mark.column);
		unsigned char here = off < c->len ? (unsigned char)c->text[off] : 0;
		size_t bol = off;
		while (bol > 0 && c->text[bol - 1] != '\n')
			bol--;
		bool indented = bol < c->len && (c->text[bol] == ' ' || c->text[bol] == '\t');
		bool first_colon = !memchr(c->text + bol, ':', off - bol);
		if (strstr(problem, "mapping values are not allowed")) {
			if (indented && first_colon)
				cb_buf_puts(&msg,
					    "; check that this line is indented like the lines above it");
			else
				cb_buf_puts(&msg,
					    "; if a value contains ': ', put the whole value in quotes");
		} else if (strstr(problem, "tab character")) {
			cb_buf_puts(&msg, "; indent with spaces, not tabs");
		} else if (strstr(problem, "cannot start any token")) {
			if (here == '\t')
				cb_buf_puts(&msg, "; indent with spaces, not tabs");
			else
				cb_buf_puts(&msg, "; put the value in quotes");
		} else if (p->context && strstr(p->context, "quoted scalar")) {
			cb_buf_printf(
			    &msg, "; the quoted text that starts on line %d, column %d is not closed",
			    (int)p->context_mark.line + 1 + c->line_offset, (int)p->context_mark.column + 1);
		} else if (p->context && strstr(p->context, "flow sequence")) {
			cb_buf_printf(
			    &msg, "; the list that starts on line %d, column %d needs a closing ']'",
			    (int)p->context_mark.line + 1 + c->line_offset, (int)p->context_mark.column + 1);
		} else if (p->context && strstr(p->context, "flow mapping")) {
			cb_buf_printf(
			    &msg, "; the mapping that starts on line %d, column %d needs a closing '}'",
			    (int)p->context_mark.line + 1 + c->line_offset, (int)p->context_mark.column + 1);
		} else if (strstr(problem, "did not find expected key") ||
			   strstr(problem, "did not find expected '-'")) {
			cb_buf_puts(&msg, "; check that this line is indented like the lines above it");
		} else if (strstr(problem, "could not find expected ':'")) {
			cb_buf_puts(&msg, "; each field is written as 'name: value'");
		}
	}
	cb_diags_add(c->d, CB_ERROR, c->file, line, col, "yaml", "%s", msg.data);
	cb_buf_free(&msg);
	c->failed = true;
}

int cb_yaml_parse_named(const char *text, size_t len, const char *file, int line_offset, const char *what,
			cb_ynode **out, cb_diags *d)
{
	*out = NULL;
	S_ctx c = {0};
	c.text = text;
	c.len = len;
	c.file = file;
	c.line_offset = line_offset;
	c.what = what ? what : "the YAML";
	c.d = d;

	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		abort();
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);

	int ndocs = 0;
	bool done = false;
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR)
				abort();
			S_syntax_error(&c, &p);
			break;
		}
		yaml_mark_t m = ev.start_mark;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT: done = true; break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				S_error(
				    &c, m,
				    "a second YAML document starts here; remove this '---' line (or put it "
				    "in quotes if it is part of a value)");
				done = true;
			}
			break;
		case YAML_SCALAR_EVENT: {
			S_refuse_props(&c, m, ev.data.scalar.anchor, ev.data.scalar.tag);
			cb_ynode *n = S_node_new(CB_Y_SCALAR, &c, m);
			n->str = cb_xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
			if (memchr(n->str, '\0', n->len))
				S_error(
				    &c, m,
				    "this text contains a NUL character ('\\0'), which cannot be published; "
				    "remove it");
			else if (S_has_control(n->str, n->len))
				S_error(
				    &c, m,
				    "this text contains a control character (such as an escape '\\e' or "
				    "bell '\\a'), which would reach terminals and pages unseen; remove it");
			S_attach(&c, n);
			break;
		}
		case YAML_ALIAS_EVENT: {
			S_error(&c, m,
				"aliases ('*name') are not allowed in casebook files; write the value out in "
				"full");
			cb_ynode *n = S_node_new(CB_Y_SCALAR, &c, m);
			n->str = cb_xstrdup("");
			S_attach(&c, n);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
			S_refuse_props(&c, m,
				       seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor,
				       seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag);
			if (S_push(&c, S_node_new(seq ? CB_Y_SEQ : CB_Y_MAP, &c, m)) != 0)
				done = true;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (c.depth > 0)
				S_attach(&c, S_pop(&c));
			break;
		default: break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);

	/* After an error the stack may still hold open collections, each
	 * owning what was attached to it. */
	while (c.depth > 0)
		cb_ynode_free(S_pop(&c));

	if (c.failed) {
		cb_ynode_free(c.root);
		return -1;
	}
	cb_ynode *root = c.root;
	if (!root || (root->type == CB_Y_SCALAR && !root->quoted && root->len == 0)) {
		/* An empty document is an empty mapping, placed on the line
		 * before the YAML (the opening "---" of front matter). */
		int line = root ? root->line : line_offset > 0 ? line_offset : 1;
		int col = root ? root->col : 1;
		cb_ynode_free(root);
		root = cb_xcalloc(1, sizeof *root);
		root->type = CB_Y_MAP;
		root->line = line;
		root->col = col;
	}
	*out = root;
	return 0;
}

int cb_yaml_parse(const char *text, size_t len, const char *file, int line_offset, cb_ynode **out,
		  cb_diags *d)
{
	return cb_yaml_parse_named(text, len, file, line_offset, NULL, out, d);
}
