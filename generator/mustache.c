/*
 * mustache: compiles and renders Mustache templates (see mustache.h).
 *
 * A compiled template is one flat array of nodes: text (never more than one
 * line per node) and tags. A section, parent or block is the run of nodes
 * between its opening tag and the matching closing tag, which point at each
 * other, so the "tree" needs no separate structure. Compiling is three passes:
 *
 *   1. S_lex splits the source into nodes, following delimiter changes;
 *   2. S_pair matches closing tags to opening ones and reports stray or
 *      missing ones;
 *   3. S_standalone finds the lines that hold only whitespace and one tag,
 *      drops their whitespace and newline, and records indentation.
 *
 * Rendering walks the array. Sections, partials and blocks are rendered by
 * recursive calls whose depth, work and output are all bounded, so a hostile
 * template ends in an error instead of exhausting the stack or the memory.
 */
#include "mustache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPOS ((size_t)-1)

/* Limits on one render. The partial depth is the documented one; the others
 * only stop runaway templates (a partial including itself twice, or sections
 * nested over lists, expand exponentially) long before they could exhaust
 * the stack, the memory or the patience of whoever runs the build. A list of
 * ten thousand documents at a few dozen tags each needs under a million
 * steps. Fuzzing builds lower both limits to keep every run fast. */
enum { MAX_PARTIAL_DEPTH = 64, MAX_DEPTH = 1024 };
#ifndef CB_MUSTACHE_MAX_STEPS
#define CB_MUSTACHE_MAX_STEPS ((size_t)1 << 24)
#endif
#ifndef CB_MUSTACHE_MAX_OUTPUT
#define CB_MUSTACHE_MAX_OUTPUT ((size_t)128 << 20)
#endif

typedef enum {
	N_TEXT,
	N_VAR,	    /* {{name}}, HTML-escaped */
	N_RAW,	    /* {{{name}}} and {{&name}} */
	N_SECTION,  /* {{#name}} */
	N_INVERTED, /* {{^name}} */
	N_PARENT,   /* {{<name}} */
	N_BLOCK,    /* {{$name}} */
	N_CLOSE,    /* {{/name}} */
	N_PARTIAL,  /* {{>name}} */
	N_COMMENT,  /* {{! ... }} */
	N_DELIM,    /* {{=<% %>=}} */
} kind;

typedef struct node {
	kind kind;
	size_t start, end; /* the node's bytes in the source */
	char *name;	   /* owned; NULL for text, comments and delimiter changes */
	/* The name looked up in the data (name without the '*' of a dynamic
	 * name): its length and that of its first dotted part, worked out once
	 * here rather than on every lookup. */
	const char *key;
	size_t key_len, key_head;
	bool dynamic;	 /* a partial or parent whose name is looked up: {{>*name}} */
	bool src_bol;	 /* the node starts a line of its source */
	bool standalone; /* the tag's line was removed from the output */
	bool dropped;	 /* text belonging to a standalone line */
	bool in_parent;	 /* a parent's own tags, or a tag directly inside a parent */
	/* Indentation, as a range of the source. For a standalone partial or
	 * parent it is the whitespace before the tag, added to each line of the
	 * partial. For a block it is the indentation of its content, removed
	 * where the content is written and added where it is expanded. */
	bool has_ind;
	size_t ind, ind_len;
	size_t match; /* opening tag <-> closing tag */
} node;

typedef struct tpl {
	char *name;
	char *src;
	size_t len;
	node *nodes;
	size_t n, cap;
} tpl;

struct cb_mustache {
	cb_strmap *tpls; /* name -> tpl *, owned */
};

/* ---- compiling ---- */

static bool S_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of the run of spaces and tabs at s[from..len). */
static size_t S_spaces(const char *s, size_t from, size_t len)
{
	size_t k = from;
	while (k < len && (s[k] == ' ' || s[k] == '\t'))
		k++;
	return k - from;
}

/* Offset of the first pat[0..plen) in s[from..len), or NPOS. */
static size_t S_find(const char *s, size_t len, size_t from, const char *pat, size_t plen)
{
	while (from + plen <= len) {
		const char *p = memchr(s + from, pat[0], len - from - plen + 1);
		if (!p)
			return NPOS;
		from = (size_t)(p - s);
		if (memcmp(p, pat, plen) == 0)
			return from;
		from++;
	}
	return NPOS;
}

/* Like S_find for the closing delimiter, but only where it directly follows
 * the character c, as in "}}}" or "=}}". Returns the offset of c. */
static size_t S_find_after(const char *s, size_t len, size_t from, char c, const char *pat, size_t plen)
{
	for (size_t at = from; (at = S_find(s, len, at, pat, plen)) != NPOS; at++)
		if (at > from && s[at - 1] == c)
			return at - 1;
	return NPOS;
}

static int S_fail(const tpl *t, size_t off, cb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int S_fail(const tpl *t, size_t off, cb_error *err, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line, col;
	cb_linecol(t->src, off, &line, &col);
	cb_error_set(err, t->name, line, col, "%s", msg);
	return -1;
}

static node *S_push(tpl *t, kind k, size_t start, size_t end)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->nodes = cb_xrealloc(t->nodes, t->cap * sizeof *t->nodes);
	}
	node *nd = &t->nodes[t->n++];
	memset(nd, 0, sizeof *nd);
	nd->kind = k;
	nd->start = start;
	nd->end = end;
	nd->src_bol = start == 0 || t->src[start - 1] == '\n';
	return nd;
}

/* Adds src[from..to) as text, one node per line, so that the standalone pass
 * and the renderer can reason about whole lines. */
static void S_text(tpl *t, size_t from, size_t to)
{
	while (from < to) {
		const char *nl = memchr(t->src + from, '\n', to - from);
		size_t end = nl ? (size_t)(nl - t->src) + 1 : to;
		S_push(t, N_TEXT, from, end);
		from = end;
	}
}

/* Sets nd->name from the tag content src[a..b): trimmed, with a leading '*'
 * (a dynamic name) kept but separated from the rest by nothing. */
static int S_name(tpl *t, node *nd, size_t a, size_t b, cb_error *err)
{
	const char *s = t->src;
	while (a < b && S_ws(s[a]))
		a++;
	while (b > a && S_ws(s[b - 1]))
		b--;
	bool star = a < b && s[a] == '*';
	size_t c = a + star;
	while (star && c < b && S_ws(s[c]))
		c++;
	if (c == b)
		return S_fail(t, nd->start, err, "tag has no name");
	for (size_t k = c; k < b; k++)
		if (S_ws(s[k]))
			return S_fail(t, nd->start, err, "tag name '%.*s' contains a space", (int)(b - c),
				      s + c);
	nd->name = cb_xasprintf("%s%.*s", star ? "*" : "", (int)(b - c), s + c);
	nd->dynamic = star && (nd->kind == N_PARTIAL || nd->kind == N_PARENT);
	nd->key = nd->name + nd->dynamic;
	nd->key_len = strlen(nd->key);
	const char *dot = memchr(nd->key, '.', nd->key_len);
	nd->key_head = dot ? (size_t)(dot - nd->key) : nd->key_len;
	return 0;
}

static int S_lex(tpl *t, cb_error *err)
{
	const char *s = t->src, *open = "{{", *close = "}}";
	size_t len = t->len, olen = 2, clen = 2, pos = 0;
	while (pos < len) {
		size_t at = S_find(s, len, pos, open, olen);
		if (at == NPOS) {
			S_text(t, pos, len);
			break;
		}
		S_text(t, pos, at);
		size_t p = at + olen, cend, end;
		char sigil = p < len ? s[p] : '\0';
		kind k;
		switch (sigil) {
		case '#': k = N_SECTION; break;
		case '^': k = N_INVERTED; break;
		case '<': k = N_PARENT; break;
		case '$': k = N_BLOCK; break;
		case '/': k = N_CLOSE; break;
		case '>': k = N_PARTIAL; break;
		case '!': k = N_COMMENT; break;
		case '=': k = N_DELIM; break;
		case '{':
		case '&': k = N_RAW; break;
		default:
			k = N_VAR;
			sigil = '\0';
			break;
		}
		if (sigil)
			p++;
		if (sigil == '{' || sigil == '=') {
			cend = S_find_after(s, len, p, sigil == '{' ? '}' : '=', close, clen);
			end = cend == NPOS ? NPOS : cend + 1 + clen;
		} else {
			cend = S_find(s, len, p, close, clen);
			end = cend == NPOS ? NPOS : cend + clen;
		}
		if (cend == NPOS)
			return S_fail(t, at, err, "tag '%.*s' opened here is never closed with '%s%.*s'",
				      (int)olen, open,
				      sigil == '{'   ? "}"
				      : sigil == '=' ? "="
						     : "",
				      (int)clen, close);
		node *nd = S_push(t, k, at, end);
		pos = end;
		if (k == N_COMMENT)
			continue;
		if (k != N_DELIM) {
			if (S_name(t, nd, p, cend, err))
				return -1;
			continue;
		}
		/* A delimiter change holds two delimiters separated by spaces. */
		size_t a = p + S_spaces(s, p, cend), b = a;
		while (b < cend && !S_ws(s[b]) && s[b] != '=')
			b++;
		size_t c = b + S_spaces(s, b, cend), d = c;
		while (d < cend && !S_ws(s[d]) && s[d] != '=')
			d++;
		if (a == b || c == d || b == c || d + S_spaces(s, d, cend) != cend)
			return S_fail(t, at, err,
				      "bad delimiter change: expected two delimiters without spaces or '=', "
				      "as in {{=<%% %%>=}}");
		open = s + a;
		olen = b - a;
		close = s + c;
		clen = d - c;
	}
	return 0;
}

static const char *S_what(kind k)
{
	switch (k) {
	case N_INVERTED: return "inverted section";
	case N_PARENT: return "parent";
	case N_BLOCK: return "block";
	default: return "section";
	}
}

/* Pairs each closing tag with its opening tag, using an explicit stack so
 * that deep nesting cannot exhaust the C stack. */
static int S_pair(tpl *t, cb_error *err)
{
	size_t *stack = NULL, depth = 0;
	int rc = -1;
	if (t->n)
		stack = cb_xmalloc(t->n * sizeof *stack);
	for (size_t i = 0; i < t->n; i++) {
		node *nd = &t->nodes[i];
		const node *outer = depth ? &t->nodes[stack[depth - 1]] : NULL;
		nd->in_parent = nd->kind == N_PARENT || (outer && outer->kind == N_PARENT);
		switch (nd->kind) {
		case N_SECTION:
		case N_INVERTED:
		case N_PARENT:
		case N_BLOCK: stack[depth++] = i; break;
		case N_CLOSE: {
			if (!depth) {
				S_fail(t, nd->start, err, "closing tag '%s' has no open section to close",
				       nd->name);
				goto out;
			}
			node *o = &t->nodes[stack[--depth]];
			if (strcmp(o->name, nd->name) != 0) {
				int line, col;
				cb_linecol(t->src, o->start, &line, &col);
				S_fail(t, nd->start, err,
				       "closing tag '%s' does not match %s '%s' opened at line %d, column %d",
				       nd->name, S_what(o->kind), o->name, line, col);
				goto out;
			}
			o->match = i;
			nd->match = stack[depth];
			nd->in_parent = o->in_parent;
			break;
		}
		default: break;
		}
	}
	if (depth) {
		const node *o = &t->nodes[stack[depth - 1]];
		S_fail(t, o->start, err, "%s '%s' opened here is never closed", S_what(o->kind), o->name);
		goto out;
	}
	rc = 0;
out:
	free(stack);
	return rc;
}

/* True for text made only of spaces and tabs, optionally ending in a newline. */
static bool S_blank(const char *s, size_t n)
{
	if (n && s[n - 1] == '\n')
		n--;
	if (n && s[n - 1] == '\r')
		n--;
	return S_spaces(s, 0, n) == n;
}

/* Handles the line made of nodes a..b. The line is standalone when it holds
 * no interpolation, no text but whitespace, and one tag; a parent's own tags
 * and the tags directly inside a parent do not count, because the parent's
 * text is ignored, so "{{<layout}}{{/layout}}" and "{{<layout}}{{$body}}"
 * are standalone lines. */
static void S_line(tpl *t, size_t a, size_t b)
{
	const char *s = t->src;
	size_t tags = 0, counted = 0;
	bool ok = true;
	for (size_t k = a; k <= b; k++) {
		const node *nd = &t->nodes[k];
		if (nd->kind == N_TEXT)
			ok = ok && S_blank(s + nd->start, nd->end - nd->start);
		else if (nd->kind == N_VAR || nd->kind == N_RAW)
			ok = false;
		else {
			tags++;
			counted += !nd->in_parent;
		}
	}
	bool alone = ok && tags > 0 && counted <= 1;
	const node *first = &t->nodes[a];
	size_t lead = first->kind == N_TEXT ? S_spaces(s, first->start, first->end) : 0;
	size_t next = t->nodes[b].end; /* where the following line starts */
	bool clear = true;	       /* only whitespace and parent tags so far */
	for (size_t k = a; k <= b; k++) {
		node *nd = &t->nodes[k];
		if (alone) {
			nd->dropped = nd->kind == N_TEXT;
			nd->standalone = nd->kind != N_TEXT;
		}
		if (alone && (nd->kind == N_PARTIAL || nd->kind == N_PARENT)) {
			nd->has_ind = true;
			nd->ind = first->start;
			nd->ind_len = lead;
		} else if (nd->kind == N_BLOCK && (alone || clear)) {
			/* On its own line a block's indentation is that of its
			 * first line of content; after whitespace it is that
			 * whitespace. After other text it has none. */
			nd->has_ind = true;
			nd->ind = alone ? next : first->start;
			nd->ind_len = alone ? S_spaces(s, next, t->len) : lead;
		}
		if (nd->kind == N_TEXT ? !S_blank(s + nd->start, nd->end - nd->start) : !nd->in_parent)
			clear = false;
	}
}

static void S_standalone(tpl *t)
{
	size_t a = 0;
	while (a < t->n) {
		size_t b = a;
		while (b < t->n && !(t->nodes[b].kind == N_TEXT && t->src[t->nodes[b].end - 1] == '\n'))
			b++;
		if (b == t->n)
			b--;
		S_line(t, a, b);
		a = b + 1;
	}
}

static void S_tpl_free(tpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->nodes[i].name);
	free(t->nodes);
	free(t->src);
	free(t->name);
	free(t);
}

/* ---- rendering ---- */

/* A parent being expanded: the blocks directly inside its tag override the
 * blocks of the same name in the templates it expands. */
typedef struct frame {
	const tpl *t;
	size_t at; /* the parent tag */
	const struct frame *outer;
} frame;

/* A run of nodes to render, and the indentation its lines were written
 * with inside a block (removed at each line start; see node.ind). */
typedef struct span {
	const tpl *t;
	size_t from, to;
	const char *strip;
	size_t strip_len;
} span;

/* Whether the first node of a span starts a line: as in its source, or as
 * decided by the block tag that expands it. */
enum { FIRST_SOURCE, FIRST_BOL, FIRST_MID };

typedef struct render {
	const cb_mustache *m;
	cb_buf *out;
	cb_error *err;
	const cb_value **ctx; /* the context stack, innermost last */
	size_t nctx, ctx_cap;
	cb_buf indent; /* indentation of the current partial: indent.data[indent_from..] */
	size_t indent_from;
	const frame *chain; /* the innermost parent being expanded */
	int partials, depth;
	size_t steps, out_start;
} render;

static int S_body(render *r, const span *sp, int first);

static int S_rfail(render *r, const tpl *t, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int S_rfail(render *r, const tpl *t, size_t off, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line, col;
	cb_linecol(t->src, off, &line, &col);
	cb_error_set(r->err, t->name, line, col, "%s", msg);
	return -1;
}

/* True when the NUL-terminated k is key[0..n), which holds no NUL. The
 * bytes are compared one at a time: keys are short and nearly always
 * differ at the first byte, where a call to strncmp would cost more than
 * the comparison. */
static bool S_key_is(const char *k, const char *key, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (k[j] != key[j])
			return false;
	return k[n] == '\0';
}

static const cb_value *S_get(const cb_value *map, const char *key, size_t n)
{
	if (!map || map->type != CB_V_MAP)
		return NULL;
	char c0 = n ? key[0] : '\0';
	for (size_t i = 0; i < map->u.map.n; i++) {
		const char *k = map->u.map.keys[i];
		if (k[0] == c0 && S_key_is(k, key, n))
			return map->u.map.vals[i];
	}
	return NULL;
}

/* Resolves name[0..len) against the context stack: "." is the innermost
 * context; the first part of a dotted name (name[0..head)) is looked up
 * from the innermost context outwards, and the other parts only inside
 * what the first one found. */
static const cb_value *S_lookup(const render *r, const char *name, size_t len, size_t head)
{
	if (!r->nctx)
		return NULL;
	if (len == 1 && name[0] == '.')
		return r->ctx[r->nctx - 1];
	const cb_value *v = NULL;
	for (size_t k = r->nctx; k-- > 0 && !v;)
		v = S_get(r->ctx[k], name, head);
	while (v && head < len) {
		name += head + 1;
		len -= head + 1;
		const char *dot = memchr(name, '.', len);
		head = dot ? (size_t)(dot - name) : len;
		v = S_get(v, name, head);
	}
	return v;
}

/* The value a tag names. */
static const cb_value *S_lookup_node(const render *r, const node *nd)
{
	return S_lookup(r, nd->key, nd->key_len, nd->key_head);
}

static void S_ctx_push(render *r, const cb_value *v)
{
	if (r->nctx == r->ctx_cap) {
		r->ctx_cap = r->ctx_cap ? 2 * r->ctx_cap : 16;
		r->ctx = cb_xrealloc(r->ctx, r->ctx_cap * sizeof *r->ctx);
	}
	r->ctx[r->nctx++] = v;
}

/* Writes integers without a fraction and other numbers in the fewest digits
 * that read back as the same double, so 1.210 is written "1.21". */
static void S_num(cb_buf *b, double x)
{
	char tmp[48];
	if (x > -1e15 && x < 1e15 && (double)(long long)x == x) {
		/* Integers (counts, years, chart geometry) are nearly all the
		 * numbers a page has: their digits without snprintf. */
		long long i = (long long)x;
		unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
		char *p = tmp + sizeof tmp;
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (i < 0)
			*--p = '-';
		cb_buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	cb_buf_puts(b, tmp);
}

/* cb_buf_put, without the call when the page's buffer has room: a page is
 * written in thousands of short pieces (lines of text, values). */
static void S_put(cb_buf *b, const char *s, size_t n)
{
	if (b->len + n < b->cap) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	cb_buf_put(b, s, n);
}

static void S_indent(render *r)
{
	/* The buffer's data is NULL until something was put in it. */
	if (r->indent.len > r->indent_from)
		S_put(r->out, r->indent.data + r->indent_from, r->indent.len - r->indent_from);
}

/* Adds ws to the indentation, less the part of it that the enclosing block
 * strips from its lines anyway. */
static void S_indent_add(render *r, const char *ws, size_t n, const span *sp)
{
	size_t k = 0;
	while (k < n && k < sp->strip_len && ws[k] == sp->strip[k])
		k++;
	cb_buf_put(&r->indent, ws + k, n - k);
}

static void S_text_out(render *r, const span *sp, const node *nd, bool src_bol, bool bol)
{
	const char *s = sp->t->src + nd->start;
	size_t n = nd->end - nd->start, k = 0;
	if (src_bol)
		while (k < n && k < sp->strip_len && s[k] == sp->strip[k])
			k++;
	s += k;
	n -= k;
	/* Empty lines stay empty rather than gaining trailing spaces. */
	if (bol && !(n && s[0] == '\n') && !(n > 1 && s[0] == '\r' && s[1] == '\n'))
		S_indent(r);
	S_put(r->out, s, n);
}

static void S_var(render *r, const node *nd)
{
	const cb_value *v = S_lookup_node(r, nd);
	if (!v)
		return;
	switch (v->type) {
	case CB_V_STR:
		if (nd->kind == N_VAR)
			cb_buf_html(r->out, v->u.str.s, v->u.str.len);
		else
			S_put(r->out, v->u.str.s, v->u.str.len);
		break;
	case CB_V_NUM: S_num(r->out, v->u.num); break;
	case CB_V_BOOL: cb_buf_puts(r->out, v->u.b ? "true" : "false"); break;
	default: break;
	}
}

static int S_section(render *r, const span *sp, size_t i)
{
	const node *nd = &sp->t->nodes[i];
	const cb_value *v = S_lookup_node(r, nd);
	span in = *sp;
	in.from = i + 1;
	in.to = nd->match;
	if (nd->kind == N_INVERTED)
		return cb_value_truthy(v) ? 0 : S_body(r, &in, FIRST_SOURCE);
	if (!cb_value_truthy(v))
		return 0;
	size_t n = v->type == CB_V_LIST ? v->u.list.n : 1;
	for (size_t k = 0; k < n; k++) {
		S_ctx_push(r, v->type == CB_V_LIST ? v->u.list.items[k] : v);
		int rc = S_body(r, &in, FIRST_SOURCE);
		r->nctx--;
		if (rc)
			return rc;
	}
	return 0;
}

/* The block named name directly inside the parent tag t->nodes[at], or NPOS. */
static size_t S_override(const tpl *t, size_t at, const char *name)
{
	for (size_t j = at + 1; j < t->nodes[at].match; j++) {
		const node *c = &t->nodes[j];
		if (c->kind == N_BLOCK && strcmp(c->name, name) == 0)
			return j;
		if (c->kind == N_SECTION || c->kind == N_INVERTED || c->kind == N_PARENT ||
		    c->kind == N_BLOCK)
			j = c->match;
	}
	return NPOS;
}

/* Expands a block: the outermost override of it wins, as the specification
 * asks for multi-level inheritance; without one, its own content. */
static int S_block(render *r, const span *sp, size_t i)
{
	const node *site = &sp->t->nodes[i];
	const tpl *bt = sp->t;
	size_t bi = i;
	for (const frame *f = r->chain; f; f = f->outer) {
		size_t j = S_override(f->t, f->at, site->name);
		if (j != NPOS) {
			bt = f->t;
			bi = j;
		}
	}
	const node *b = &bt->nodes[bi];
	size_t saved = r->indent.len;
	if (site->has_ind)
		S_indent_add(r, sp->t->src + site->ind, site->ind_len, sp);
	span in = {bt, bi + 1, b->match, b->has_ind ? bt->src + b->ind : "", b->has_ind ? b->ind_len : 0};
	int rc = S_body(r, &in, site->standalone ? FIRST_BOL : FIRST_MID);
	r->indent.len = saved;
	return rc;
}

/* Expands a partial or a parent (a partial with overrides). */
static int S_partial(render *r, const span *sp, size_t i)
{
	const node *nd = &sp->t->nodes[i];
	const char *name = nd->name;
	if (nd->dynamic) {
		const cb_value *v = S_lookup_node(r, nd);
		if (!v || v->type != CB_V_STR)
			return 0;
		name = v->u.str.s;
	}
	const tpl *t = cb_strmap_get(r->m->tpls, name);
	if (!t)
		return 0;
	if (r->partials >= MAX_PARTIAL_DEPTH)
		return S_rfail(r, sp->t, nd->start,
			       "partial '%s' is nested more than %d deep; does it include itself?", name,
			       MAX_PARTIAL_DEPTH);
	frame f = {sp->t, i, r->chain};
	const frame *chain = r->chain;
	size_t saved = r->indent.len, saved_from = r->indent_from;
	if (nd->kind == N_PARENT)
		r->chain = &f;
	/* A standalone partial is indented like its tag; one inside a line of
	 * text is not indented at all, as if its text were written there. */
	if (nd->standalone)
		S_indent_add(r, sp->t->src + nd->ind, nd->ind_len, sp);
	else
		r->indent_from = r->indent.len;
	r->partials++;
	span in = {t, 0, t->n, "", 0};
	int rc = S_body(r, &in, FIRST_SOURCE);
	r->partials--;
	r->chain = chain;
	r->indent.len = saved;
	r->indent_from = saved_from;
	return rc;
}

static int S_body(render *r, const span *sp, int first)
{
	const tpl *t = sp->t;
	if (r->depth >= MAX_DEPTH)
		return S_rfail(r, t, sp->from ? t->nodes[sp->from - 1].start : 0,
			       "templates are nested more than %d deep", MAX_DEPTH);
	r->depth++;
	int rc = 0;
	bool forced = first != FIRST_SOURCE;
	for (size_t i = sp->from; i < sp->to && rc == 0; i++) {
		const node *nd = &t->nodes[i];
		if (++r->steps > CB_MUSTACHE_MAX_STEPS ||
		    r->out->len - r->out_start > CB_MUSTACHE_MAX_OUTPUT) {
			rc = S_rfail(r, t, nd->start,
				     "the template expands to too much output; "
				     "does a partial include itself?");
			break;
		}
		bool src_bol = nd->src_bol;
		if (nd->dropped)
			continue;
		/* The block tag decides whether its content starts a line. */
		bool bol = forced ? first == FIRST_BOL : src_bol;
		forced = false;
		if (nd->kind == N_TEXT) {
			S_text_out(r, sp, nd, src_bol, bol);
			continue;
		}
		if (bol && !nd->standalone)
			S_indent(r);
		switch (nd->kind) {
		case N_VAR:
		case N_RAW: S_var(r, nd); break;
		case N_SECTION:
		case N_INVERTED:
			rc = S_section(r, sp, i);
			i = nd->match;
			break;
		case N_BLOCK:
			rc = S_block(r, sp, i);
			i = nd->match;
			break;
		case N_PARENT:
			rc = S_partial(r, sp, i);
			i = nd->match;
			break;
		case N_PARTIAL: rc = S_partial(r, sp, i); break;
		default: break;
		}
	}
	r->depth--;
	return rc;
}

/* ---- the set ---- */

cb_mustache *cb_mustache_new(void)
{
	cb_mustache *m = cb_xcalloc(1, sizeof *m);
	m->tpls = cb_strmap_new();
	return m;
}

int cb_mustache_add(cb_mustache *m, const char *name, const char *src, size_t len, cb_error *err)
{
	tpl *t = cb_xcalloc(1, sizeof *t);
	t->name = cb_xstrdup(name);
	t->src = cb_xmalloc(len + 1);
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->len = len;
	if (S_lex(t, err) != 0 || S_pair(t, err) != 0) {
		S_tpl_free(t);
		return -1;
	}
	S_standalone(t);
	S_tpl_free(cb_strmap_get(m->tpls, name));
	cb_strmap_put(m->tpls, name, t);
	return 0;
}

bool cb_mustache_has(const cb_mustache *m, const char *name)
{
	return m && name && cb_strmap_has(m->tpls, name);
}

/* Whether key[0..len), a dotted name, has part as one of its parts. */
static bool S_has_part(const char *key, size_t len, const char *part)
{
	size_t plen = strlen(part);
	for (size_t a = 0; a <= len;) {
		const char *dot = memchr(key + a, '.', len - a);
		size_t b = dot ? (size_t)(dot - key) : len;
		if (b - a == plen && memcmp(key + a, part, plen) == 0)
			return true;
		a = b + 1;
	}
	return false;
}

bool cb_mustache_reads(const cb_mustache *m, const char *name, const char *part)
{
	const tpl *start = m && name ? cb_strmap_get(m->tpls, name) : NULL;
	if (!start)
		return false;
	/* The templates reachable from name, each looked at once. */
	cb_strmap *seen = cb_strmap_new();
	const tpl **todo = cb_xmalloc(sizeof *todo);
	size_t ntodo = 0, cap = 1;
	todo[ntodo++] = start;
	cb_strmap_put(seen, start->name, (void *)start);
	bool reads = false;
	while (ntodo && !reads) {
		const tpl *t = todo[--ntodo];
		for (size_t i = 0; i < t->n && !reads; i++) {
			const node *nd = &t->nodes[i];
			bool looked_up = nd->kind == N_VAR || nd->kind == N_RAW || nd->kind == N_SECTION ||
					 nd->kind == N_INVERTED;
			if (looked_up && S_has_part(nd->key, nd->key_len, part))
				reads = true;
			/* A partial named by the data may be any template, so
			 * it may read anything. */
			if (nd->dynamic)
				reads = true;
			if ((nd->kind != N_PARTIAL && nd->kind != N_PARENT) || nd->dynamic)
				continue;
			const tpl *u = cb_strmap_get(m->tpls, nd->name);
			if (!u || cb_strmap_has(seen, u->name))
				continue;
			cb_strmap_put(seen, u->name, (void *)u);
			if (ntodo == cap)
				todo = cb_xrealloc(todo, (cap *= 2) * sizeof *todo);
			todo[ntodo++] = u;
		}
	}
	free(todo);
	cb_strmap_free(seen);
	return reads;
}

int cb_mustache_render(const cb_mustache *m, const char *name, const cb_value *data, cb_buf *out,
		       cb_error *err)
{
	const tpl *t = m && name ? cb_strmap_get(m->tpls, name) : NULL;
	if (!t) {
		cb_error_set(err, name ? name : "", 0, 0, "there is no template named '%s'",
			     name ? name : "");
		return -1;
	}
	render r = {0};
	r.m = m;
	r.out = out;
	r.err = err;
	r.out_start = out->len;
	if (data)
		S_ctx_push(&r, data);
	span sp = {t, 0, t->n, "", 0};
	int rc = S_body(&r, &sp, FIRST_SOURCE);
	free(r.ctx);
	cb_buf_free(&r.indent);
	if (rc != 0 && out->data) {
		out->len = r.out_start;
		out->data[out->len] = '\0';
	}
	return rc;
}

void cb_mustache_free(cb_mustache *m)
{
	if (!m)
		return;
	size_t it = 0;
	const char *key;
	void *val;
	while (cb_strmap_next(m->tpls, &it, &key, &val))
		S_tpl_free(val);
	cb_strmap_free(m->tpls);
	free(m);
}
