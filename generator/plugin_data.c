/* plugin_data: Lua values to casebook data and back, for the plugin host
 * (see plugin_host.h): packing what plugins store, pushing value trees and
 * packs, the lazy document tables and reading back what a hook changed. */
#include "plugin_host.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

const char cb_plugin_doc_key = 0;

/* ---- Lua values to casebook data and back ---- */

int cb_plugin_doc_index(lua_State *L, int i)
{
	if (lua_type(L, i) != LUA_TTABLE || !lua_getmetatable(L, i))
		return -1;
	int idx = -1;
	if (lua_rawgetp(L, -1, &cb_plugin_doc_key) == LUA_TNUMBER)
		idx = (int)lua_tointeger(L, -1);
	lua_pop(L, 2);
	return idx;
}

static int S_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One entry of a map being packed: its name (kept alive by the table) and
 * where the entry (key and value) was written. */
typedef struct S_entry {
	const char *key;
	size_t from, to;
} S_entry;

static int S_cmp_entry(const void *a, const void *b)
{
	return strcmp(((const S_entry *)a)->key, ((const S_entry *)b)->key);
}

static bool S_pack_value(lua_State *L, int i, int depth, bool in_order, cb_vpack_writer *w, char *err,
			 size_t errsize);

/* Packs the table at i, whose nk keys are all text, as a map in key order.
 * The values are packed in one walk of the table, then the entries put in
 * order; should one fail, they are packed again in key order (and so is
 * everything inside them), so that the error reported is the same from
 * run to run. in_order asks for that order straight away. On failure w
 * holds part of the map (the caller cuts it). */
static bool S_pack_map(lua_State *L, int i, size_t nk, int depth, bool in_order, cb_vpack_writer *w,
		       char *err, size_t errsize)
{
	S_entry *kv = cb_xcalloc(nk ? nk : 1, sizeof *kv);
	size_t n = 0;
	bool failed = in_order;
	cb_vpack_map(w, nk);
	size_t first = w->len;
	lua_pushnil(L);
	while (lua_next(L, i)) {
		if (!failed && n < nk) {
			kv[n].key = lua_tostring(L, -2);
			kv[n].from = w->len;
			cb_vpack_key(w, kv[n].key);
			if (S_pack_value(L, -1, depth + 1, false, w, err, errsize))
				kv[n++].to = w->len;
			else
				failed = true;
		}
		lua_pop(L, 1);
	}
	if (!failed && n == nk) {
		/* Entries are position-independent bytes: sorting them is
		 * moving them. */
		qsort(kv, n, sizeof *kv, S_cmp_entry);
		cb_vpack_span *spans = cb_xcalloc(n ? n : 1, sizeof *spans);
		for (size_t k = 0; k < n; k++)
			spans[k] = (cb_vpack_span){kv[k].from, kv[k].to};
		cb_vpack_permute(w, first, spans, n);
		free(spans);
		free(kv);
		return true;
	}
	cb_vpack_truncate(w, first);
	/* Again, in key order, for the first failure by name. */
	n = 0;
	lua_pushnil(L);
	while (lua_next(L, i)) {
		if (n < nk)
			kv[n++].key = lua_tostring(L, -2);
		lua_pop(L, 1);
	}
	qsort(kv, n, sizeof *kv, S_cmp_entry);
	bool ok = true;
	for (size_t k = 0; ok && k < n; k++) {
		lua_pushstring(L, kv[k].key);
		lua_rawget(L, i);
		cb_vpack_key(w, kv[k].key);
		ok = S_pack_value(L, -1, depth + 1, true, w, err, errsize);
		lua_pop(L, 1);
	}
	free(kv);
	return ok && n == nk;
}

/* Packs the Lua value at i into w, never raising a Lua error once the
 * stack has room: on a value that cannot be stored it returns false with
 * the reason in err (w then holds part of it; the caller cuts it). A
 * document table becomes the reference {"$doc": index}. Map keys are
 * sorted, because the order pairs() visits them in changes from run to
 * run. */
static bool S_pack_value(lua_State *L, int i, int depth, bool in_order, cb_vpack_writer *w, char *err,
			 size_t errsize)
{
	i = lua_absindex(L, i);
	switch (lua_type(L, i)) {
	case LUA_TNIL: cb_vpack_null(w); return true;
	case LUA_TBOOLEAN: cb_vpack_bool(w, lua_toboolean(L, i)); return true;
	case LUA_TNUMBER: cb_vpack_num(w, (double)lua_tonumber(L, i)); return true;
	case LUA_TSTRING: {
		size_t n;
		const char *s = lua_tolstring(L, i, &n);
		cb_vpack_str(w, s, n);
		return true;
	}
	case LUA_TTABLE: break;
	default:
		snprintf(err, errsize, "a %s cannot be stored; use text, numbers, true/false and tables",
			 lua_typename(L, lua_type(L, i)));
		return false;
	}
	if (depth >= CB_PLUGIN_MAX_DEPTH) {
		snprintf(err, errsize, "tables nest more than %d deep (is a table inside itself?)",
			 CB_PLUGIN_MAX_DEPTH);
		return false;
	}
	int idx = cb_plugin_doc_index(L, i);
	if (idx >= 0) {
		cb_vpack_docref(w, (size_t)idx);
		return true;
	}
	/* A list when the keys are exactly 1..n; an empty table is an empty
	 * list, which templates treat as false. */
	size_t len = lua_rawlen(L, i), count = 0;
	bool text_keys = true;
	lua_pushnil(L);
	while (lua_next(L, i)) {
		count++;
		if (lua_type(L, -2) != LUA_TSTRING)
			text_keys = false;
		lua_pop(L, 1);
	}
	if (count == len) {
		cb_vpack_list(w, len);
		for (size_t k = 1; k <= len; k++) {
			lua_rawgeti(L, i, (lua_Integer)k);
			bool ok = S_pack_value(L, -1, depth + 1, in_order, w, err, errsize);
			lua_pop(L, 1);
			if (!ok)
				return false;
		}
		return true;
	}
	if (!text_keys) {
		snprintf(err, errsize,
			 "a table mixes a list with named fields; keep lists and records apart");
		return false;
	}
	return S_pack_map(L, i, count, depth, in_order, w, err, errsize);
}

bool cb_plugin_pack(lua_State *L, int i, cb_vpack_writer *w, char *err, size_t errsize)
{
	return S_pack_value(L, i, 0, false, w, err, errsize);
}

/* ---- a field's value, built once for Lua, a digest or both ---- */

/*
 * Where the steps that build a document's field go: onto the Lua stack
 * (L), into a digest (h), or both. The digest takes every step, tagged
 * and with its texts' lengths, so the same digest means the same steps
 * and so the same value: the plugin cache (plugin_memo*.c) checks what a
 * hook read by it, without building any Lua tables.
 */
typedef struct S_out {
	lua_State *L; /* NULL: digest only */
	cb_hash *h;   /* NULL: Lua only */
	cb_plugin *p;
} S_out;

static void S_tag(S_out *o, char tag, uint64_t n)
{
	cb_hash_u64(o->h, (uint64_t)(unsigned char)tag);
	cb_hash_u64(o->h, n);
}

static void O_lstr(S_out *o, const char *s, size_t len)
{
	if (o->L)
		lua_pushlstring(o->L, s, len);
	if (o->h) {
		S_tag(o, 's', 0);
		cb_hash_strn(o->h, s, len);
	}
}

/* A text; NULL pushes nil. */
static void O_str(S_out *o, const char *s)
{
	if (o->L)
		lua_pushstring(o->L, s);
	if (o->h) {
		S_tag(o, 's', 1);
		cb_hash_str(o->h, s);
	}
}

static void O_int(S_out *o, lua_Integer n)
{
	if (o->L)
		lua_pushinteger(o->L, n);
	if (o->h)
		S_tag(o, 'i', (uint64_t)n);
}

static void O_num(S_out *o, double n)
{
	if (o->L)
		lua_pushnumber(o->L, n);
	if (o->h) {
		S_tag(o, 'n', 0);
		cb_hash_add(o->h, &n, sizeof n);
	}
}

static void O_bool(S_out *o, bool b)
{
	if (o->L)
		lua_pushboolean(o->L, b);
	if (o->h)
		S_tag(o, 'b', b);
}

static void O_nil(S_out *o)
{
	if (o->L)
		lua_pushnil(o->L);
	if (o->h)
		S_tag(o, '0', 0);
}

static void O_table(S_out *o, size_t narr, size_t nrec)
{
	if (o->L)
		lua_createtable(o->L, (int)narr, (int)nrec);
	if (o->h) {
		S_tag(o, 't', narr);
		cb_hash_u64(o->h, nrec);
	}
}

/* The value on top becomes item i of the table below it. */
static void O_item(S_out *o, lua_Integer i)
{
	if (o->L)
		lua_rawseti(o->L, -2, i);
	if (o->h)
		S_tag(o, '#', (uint64_t)i);
}

/* The value on top becomes field k of the table at (negative) index at. */
static void O_field_at(S_out *o, int at, const char *k)
{
	if (o->L)
		lua_setfield(o->L, at, k);
	if (o->h) {
		S_tag(o, '.', (uint64_t)(-at));
		cb_hash_str(o->h, k);
	}
}

static void O_field(S_out *o, const char *k)
{
	O_field_at(o, -2, k);
}

/* Drops the value on top. */
static void O_pop(S_out *o)
{
	if (o->L)
		lua_pop(o->L, 1);
	if (o->h)
		S_tag(o, 'x', 0);
}

/* t[key] = s (nothing when s is NULL); t[key] = n. */
static void O_set_str(S_out *o, const char *key, const char *s)
{
	if (!s)
		return;
	O_str(o, s);
	O_field(o, key);
}

static void O_set_int(S_out *o, const char *key, lua_Integer n)
{
	O_int(o, n);
	O_field(o, key);
}

static void O_strv(S_out *o, const cb_strv *sv)
{
	O_table(o, sv->n, 0);
	for (size_t i = 0; i < sv->n; i++) {
		O_str(o, sv->v[i]);
		O_item(o, (lua_Integer)i + 1);
	}
}

/* The url of a document. */
static void O_url(S_out *o, const cb_doc *d)
{
	char *url = cb_xasprintf("documents/%s.html", d->slug);
	O_str(o, url);
	free(url);
}

/* A reference to document idx (cb_plugin_push_ref): in a site hook the
 * document's own table, whose fields are followed one by one as read, so
 * its index says all; in a document hook the small table naming it. */
static void O_ref(S_out *o, int idx)
{
	cb_plugin *p = o->p;
	if (o->L)
		cb_plugin_push_ref(o->L, p, idx);
	if (!o->h)
		return;
	if (p->phase == CB_PLUGIN_SITE) {
		S_tag(o, 'r', (uint64_t)idx);
		return;
	}
	const cb_doc *d = &p->h->site->docs[idx];
	S_tag(o, 'R', 0);
	cb_hash_str(o->h, d->path);
	cb_hash_str(o->h, d->slug);
	cb_hash_str(o->h, d->meta.title);
}

void cb_plugin_push_ref(lua_State *L, cb_plugin *p, int idx)
{
	if (p->phase == CB_PLUGIN_SITE && p->ref_docs != LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref_docs);
		lua_rawgeti(L, -1, idx + 1);
		lua_remove(L, -2);
		return;
	}
	const cb_doc *d = &p->h->site->docs[idx];
	S_out o = {L, NULL, p};
	lua_createtable(L, 0, 4);
	O_set_str(&o, "path", d->path);
	O_set_str(&o, "slug", d->slug);
	O_set_str(&o, "title", d->meta.title);
	O_url(&o, d);
	O_field(&o, "url");
}

/* Pushing a pack's value: Lua's stack is the visitor's. */
static void S_out_scalar(void *ctx, const cb_vpack_item *it)
{
	S_out *o = ctx;
	if (o->L)
		luaL_checkstack(o->L, 4, "data nested too deeply");
	switch (it->type) {
	case CB_V_BOOL: O_bool(o, it->b); return;
	case CB_V_NUM:
		if (it->num == floor(it->num) && fabs(it->num) < 9e15)
			O_int(o, (lua_Integer)it->num);
		else
			O_num(o, it->num);
		return;
	case CB_V_STR: O_lstr(o, it->s, it->len); return;
	default: O_nil(o); return;
	}
}

static void S_out_open(void *ctx, const cb_vpack_item *it)
{
	S_out *o = ctx;
	if (o->L)
		luaL_checkstack(o->L, 4, "data nested too deeply");
	if (it->type == CB_V_LIST)
		O_table(o, it->n, 0);
	else
		O_table(o, 0, it->n);
}

static void S_out_add(void *ctx, size_t i, const char *key, bool bad_key)
{
	S_out *o = ctx;
	if (bad_key)
		O_pop(o);
	else if (key)
		O_field(o, key);
	else
		O_item(o, (lua_Integer)i + 1);
}

static void S_out_doc(void *ctx, size_t n)
{
	S_out *o = ctx;
	if (o->L)
		luaL_checkstack(o->L, 4, "data nested too deeply");
	O_ref(o, (int)n);
}

/* The next value of a pack (a document's stored fields, a page's data), a
 * document reference as that document (cb_plugin_push_ref). */
static void O_packed(S_out *o, cb_vpack_reader *r)
{
	cb_vpack_visitor v = {S_out_scalar, S_out_open, S_out_add, S_out_doc, o->p->h->site->ndocs};
	cb_vpack_walk(r, &v, o);
}

static void S_push_packed(lua_State *L, cb_plugin *p, cb_vpack_reader *r)
{
	S_out o = {L, NULL, p};
	O_packed(&o, r);
}

void cb_plugin_push_value(lua_State *L, cb_plugin *p, const cb_value *v)
{
	/* Through a pack, so that a tree reads exactly as stored data does. */
	if (!lua_checkstack(L, 2 * CB_VPACK_MAX_DEPTH + 16))
		luaL_error(L, "data nested too deeply");
	/* With that room, the walk raises no error that would leak pk. */
	cb_vpack *pk = cb_vpack_pack(v);
	cb_vpack_reader r;
	cb_vpack_reader_init(&r, pk);
	S_push_packed(L, p, &r);
	free(pk);
}

void cb_plugin_push_strv(lua_State *L, const cb_strv *sv)
{
	lua_createtable(L, (int)sv->n, 0);
	for (size_t i = 0; i < sv->n; i++) {
		lua_pushstring(L, sv->v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

void cb_plugin_set_str(lua_State *L, const char *key, const char *s)
{
	if (!s)
		return;
	lua_pushstring(L, s);
	lua_setfield(L, -2, key);
}

void cb_plugin_set_int(lua_State *L, const char *key, lua_Integer n)
{
	lua_pushinteger(L, n);
	lua_setfield(L, -2, key);
}

/* ---- document tables ---- */

/*
 * A document reaches Lua as an empty table T whose metatable looks fields
 * up in a shadow table S, and S builds each field from the site model the
 * first time it is asked for (text and HTML are large, and most plugins
 * read a few fields only). What the plugin assigns lands in T itself, so
 * after a hook T holds exactly the plugin's changes.
 */

/* Fields the host provides besides the front matter's; a plugin may set
 * only themes and html. The other names of the template data are refused
 * too, so that a plugin field never hides one of casebook's. */
static const char *const S_readonly[] = {
    "authors",	       "body",
    "first_published", "has_actions",
    "has_learning",    "has_linked_from",
    "has_links_to",    "has_questions",
    "has_toc",	       "headings",
    "is_seven_minute", "last_updated",
    "learning",	       "learning_count",
    "learning_themes", "linked_from",
    "links",	       "links_to",
    "partner",	       "path",
    "review_overdue",  "slug",
    "tables",	       "text",
    "theme_lines",     "toc",
    "type_label",      "url",
};

/* True for a name of casebook's: one above, a front matter field of the
 * pages or plugins (schema.h's cb_fields) other than themes, or a date
 * field's NAME_label. */
static bool S_is_readonly(const char *k)
{
	if (bsearch(&k, S_readonly, sizeof S_readonly / sizeof S_readonly[0], sizeof S_readonly[0],
		    S_cmp_str))
		return true;
	for (size_t i = 0; i < cb_nfields; i++) {
		const cb_field *f = &cb_fields[i];
		if (!(f->use & (CB_FIELD_PAGE | CB_FIELD_PLUGIN)) || f->kind == CB_FIELD_THEMES)
			continue;
		size_t n = strlen(f->name);
		if (strncmp(k, f->name, n) == 0 &&
		    (k[n] == '\0' || (f->kind == CB_FIELD_DATE && strcmp(k + n, "_label") == 0)))
			return true;
	}
	return false;
}

static void S_history_date(S_out *o, int64_t t, int tz)
{
	char date[11];
	cb_format_date(t, tz, date);
	O_str(o, date);
}

/* Sets section and section_id of the table on top to heading i of md
 * (nothing when i is -1: above the first heading). */
static void S_set_section(S_out *o, const cb_mdoc *md, int i)
{
	if (i < 0 || (size_t)i >= md->nheadings)
		return;
	O_set_str(o, "section", md->headings[i].text);
	O_set_str(o, "section_id", md->headings[i].id);
}

/* doc.links: each link to a document this build has, in order: {doc, path,
 * section, section_id}. */
static void S_links(S_out *o, const cb_doc *d)
{
	const cb_mdoc *md = &d->md;
	const cb_site *s = o->p->h->site;
	O_table(o, md->ndoclinks, 0);
	lua_Integer n = 0;
	for (size_t i = 0; i < md->ndoclinks; i++) {
		/* The target among the document's own (few) linked documents. */
		int t = -1;
		for (size_t k = 0; k < md->nlinks && t < 0; k++)
			if (strcmp(s->docs[md->links[k]].path, md->doclinks[i].path) == 0)
				t = md->links[k];
		if (t < 0)
			continue;
		O_table(o, 0, 4);
		O_ref(o, t);
		O_field(o, "doc");
		O_set_str(o, "path", s->docs[t].path);
		S_set_section(o, md, md->doclinks[i].heading);
		O_item(o, ++n);
	}
}

/* doc.tables: each table, {header = {cell, ...}, rows = {{cell, ...}, ...},
 * section, section_id, line}. */
static void S_tables(S_out *o, const cb_doc *d)
{
	const cb_mdoc *md = &d->md;
	O_table(o, md->ntables, 0);
	for (size_t i = 0; i < md->ntables; i++) {
		const cb_mtable *t = &md->tables[i];
		O_table(o, 0, 5);
		size_t k = 0;
		O_table(o, t->nrows ? t->nrows - 1 : 0, 0); /* rows */
		for (size_t r = 0; r < t->nrows; r++) {
			O_table(o, t->ncells[r], 0);
			for (size_t c = 0; c < t->ncells[r]; c++) {
				O_str(o, t->cells[k++]);
				O_item(o, (lua_Integer)c + 1);
			}
			if (r == 0)
				O_field_at(o, -3, "header");
			else
				O_item(o, (lua_Integer)r);
		}
		if (t->nrows == 0) {
			O_table(o, 0, 0);
			O_field_at(o, -3, "header");
		}
		O_field(o, "rows");
		S_set_section(o, md, t->heading);
		O_set_int(o, "line", t->line);
		O_item(o, (lua_Integer)i + 1);
	}
}

static void S_actions(S_out *o, const cb_meta *m)
{
	O_table(o, m->nactions, 0);
	for (size_t i = 0; i < m->nactions; i++) {
		const cb_action *a = &m->actions[i];
		O_table(o, 0, 6);
		O_set_str(o, "action", a->action);
		O_set_str(o, "owner", a->owner);
		O_set_str(o, "due", a->due);
		O_set_str(o, "rag", a->rag);
		O_set_str(o, "evidence", a->evidence);
		O_set_int(o, "line", a->line);
		O_item(o, (lua_Integer)i + 1);
	}
}

/* The front matter's fields and what follows from them: gives field k of
 * d and returns 1, returns 0 when d has no such field (nil), or -1 when k
 * is not one of them. */
static int S_meta_field(S_out *o, const cb_doc *d, const char *k)
{
	const cb_meta *m = &d->meta;
	const cb_field *f;
	if (strcmp(k, "path") == 0) {
		O_str(o, d->path);
	} else if (strcmp(k, "partner") == 0) {
		O_str(o, d->source); /* nil for the hub's own documents */
	} else if (strcmp(k, "slug") == 0) {
		O_str(o, d->slug);
	} else if (strcmp(k, "url") == 0) {
		O_url(o, d);
	} else if (strcmp(k, "type_label") == 0) {
		O_str(o, cb_type_label(m->type));
	} else if ((f = cb_field_named(k)) && (f->use & CB_FIELD_PLUGIN) &&
		   (f->kind == CB_FIELD_TEXT || f->kind == CB_FIELD_DATE || f->kind == CB_FIELD_LIST)) {
		/* A front matter field (schema.h's cb_fields): nil when not given. */
		if (f->kind == CB_FIELD_LIST)
			O_strv(o, cb_field_list(m, f));
		else if (*cb_field_text(m, f))
			O_str(o, *cb_field_text(m, f));
		else
			return 0;
	} else if (strcmp(k, "visibility") == 0) {
		O_str(o, cb_visibility_name(m->visibility));
	} else if (strcmp(k, "draft") == 0) {
		O_bool(o, m->draft);
	} else if (strcmp(k, "themes") == 0) {
		O_strv(o, &m->themes);
	} else if (strcmp(k, "theme_lines") == 0) {
		O_table(o, m->themes.n, 0);
		for (size_t i = 0; i < m->themes.n; i++) {
			O_int(o, m->theme_lines ? m->theme_lines[i] : 0);
			O_item(o, (lua_Integer)i + 1);
		}
	} else if (strcmp(k, "actions") == 0) {
		S_actions(o, m);
	} else {
		return -1;
	}
	return 1;
}

static void S_headings(S_out *o, const cb_mdoc *md)
{
	O_table(o, md->nheadings, 0);
	for (size_t i = 0; i < md->nheadings; i++) {
		const cb_heading *hd = &md->headings[i];
		O_table(o, 0, 4);
		O_set_int(o, "level", hd->level);
		O_set_str(o, "text", hd->text);
		O_set_str(o, "id", hd->id);
		O_set_int(o, "line", hd->line);
		O_item(o, (lua_Integer)i + 1);
	}
}

static void S_learning(S_out *o, const cb_doc *d)
{
	const cb_mdoc *md = &d->md;
	O_table(o, md->nlearning, 0);
	for (size_t i = 0; i < md->nlearning; i++) {
		const cb_lpoint *lp = &md->learning[i];
		O_table(o, 0, 6);
		O_set_str(o, "text", lp->text);
		O_set_str(o, "html", lp->html);
		O_set_str(o, "heading", lp->heading);
		O_set_str(o, "heading_id", lp->heading_id);
		O_set_int(o, "line", lp->line);
		if (d->pthemes)
			O_strv(o, &d->pthemes[i]);
		else
			O_table(o, 0, 0);
		O_field(o, "themes");
		O_item(o, (lua_Integer)i + 1);
	}
}

/* The body's fields (text, HTML, headings, learning, links, tables) and
 * the history's, as S_meta_field. */
static int S_body_field(S_out *o, const cb_doc *d, const char *k)
{
	const cb_site *s = o->p->h->site;
	const cb_mdoc *md = &d->md;
	if (strcmp(k, "text") == 0 || strcmp(k, "html") == 0) {
		/* (Should the push fail for want of memory the copy is lost with
		 * the build, which stops.) */
		char *text = k[0] == 't' ? cb_doc_text(s, d) : cb_doc_html(s, d);
		O_str(o, text);
		free(text);
	} else if (strcmp(k, "headings") == 0) {
		S_headings(o, md);
	} else if (strcmp(k, "learning") == 0) {
		S_learning(o, d);
	} else if (strcmp(k, "learning_count") == 0) {
		O_int(o, (lua_Integer)md->nlearning);
	} else if (strcmp(k, "learning_themes") == 0) {
		/* How many of its points are on each of its themes (cheaper than
		 * reading every point's themes). */
		O_table(o, 0, d->meta.themes.n);
		for (size_t t = 0; t < d->meta.themes.n; t++) {
			O_int(o, (lua_Integer)cb_doc_points_on(d, d->meta.themes.v[t]));
			O_field(o, d->meta.themes.v[t]);
		}
	} else if (strcmp(k, "links") == 0) {
		S_links(o, d);
	} else if (strcmp(k, "tables") == 0) {
		S_tables(o, d);
	} else if (strcmp(k, "linked_from") == 0) {
		O_table(o, d->nlinked_from, 0);
		for (size_t i = 0; i < d->nlinked_from; i++) {
			O_str(o, s->docs[d->linked_from[i]].path);
			O_item(o, (lua_Integer)i + 1);
		}
	} else if (strcmp(k, "first_published") == 0 || strcmp(k, "last_updated") == 0) {
		if (!d->hist)
			return 0;
		if (k[0] == 'f')
			S_history_date(o, d->hist->first_time, d->hist->first_tz);
		else
			S_history_date(o, d->hist->last_time, d->hist->last_tz);
	} else if (strcmp(k, "authors") == 0) {
		/* Staff are named only where casebook.yml allows it, so no
		 * plugin can put their names on a page either. */
		if (d->hist && s->cfg.show_authors)
			O_strv(o, &d->hist->authors);
		else
			O_table(o, 0, 0);
	} else {
		return -1;
	}
	return 1;
}

/* Field k of document idx, as o takes it (with its digest in dg when o
 * has one): 1 when it has a value, 0 when it reads as nil. */
static int S_field(S_out *o, int idx, const char *k, uint64_t dg[2])
{
	const cb_doc *d = &o->p->h->site->docs[idx];
	if (o->h) {
		cb_hash_init(o->h);
		cb_hash_str(o->h, k);
	}
	int rc = S_meta_field(o, d, k);
	if (rc < 0)
		rc = S_body_field(o, d, k);
	if (rc < 0) {
		/* A field an earlier plugin stored. */
		cb_vpack_reader r;
		rc = cb_vpack_find(&r, d->extra, k) ? 1 : 0;
		if (rc)
			O_packed(o, &r);
	}
	if (o->h) {
		cb_hash_u64(o->h, (uint64_t)rc);
		cb_hash_digest(o->h, dg);
	}
	return rc;
}

void cb_plugin_field_digest(cb_plugin *p, int idx, const char *k, uint64_t dg[2])
{
	cb_hash h;
	S_out o = {NULL, &h, p};
	S_field(&o, idx, k, dg);
}

/* __index of a shadow table: cb_plugin_doc_field(S, key) builds the field,
 * caches it in S and returns it. */
int cb_plugin_doc_field(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	lua_rawgetp(L, 1, &cb_plugin_doc_key);
	int idx = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (lua_type(L, 2) != LUA_TSTRING || idx < 0 || (size_t)idx >= p->h->site->ndocs)
		return 0;
	const char *k = lua_tostring(L, 2);
	/* When the hook's reads are followed, their digest is made as the
	 * value is built. */
	cb_hash h;
	uint64_t dg[2];
	bool follow = cb_plugin_memo_wants(p, idx);
	S_out o = {L, follow ? &h : NULL, p};
	int rc = S_field(&o, idx, k, dg);
	if (follow)
		cb_plugin_memo_read(p, idx, k, dg);
	if (rc == 0)
		return 0;
	lua_pushvalue(L, 2);
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

/* Pushes the table of document idx. */
void cb_plugin_push_doc(lua_State *L, cb_plugin *p, int idx)
{
	lua_createtable(L, 0, 0); /* T */
	lua_createtable(L, 0, 3); /* its metatable */
	lua_createtable(L, 0, 4); /* the shadow S */
	lua_pushinteger(L, idx);
	lua_rawsetp(L, -2, &cb_plugin_doc_key);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &cb_plugin_doc_key); /* the shadows' shared metatable */
	lua_setmetatable(L, -2);
	lua_setfield(L, -2, "__index");
	lua_pushliteral(L, "casebook document");
	lua_setfield(L, -2, "__metatable");
	lua_pushinteger(L, idx);
	lua_rawsetp(L, -2, &cb_plugin_doc_key);
	lua_setmetatable(L, -2);
	(void)p;
}

static bool S_theme_id_ok(const char *s, size_t n)
{
	if (n == 0 || n > 100 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* Reads a themes list (at i) into out; false with err when it is not a
 * list of theme ids the site can use. */
static bool S_read_themes(lua_State *L, cb_plugin *p, int i, cb_strv *out, char *err, size_t errsize)
{
	if (lua_type(L, i) != LUA_TTABLE) {
		snprintf(err, errsize, "themes must be a list of theme ids, not a %s", luaL_typename(L, i));
		return false;
	}
	size_t n = lua_rawlen(L, i);
	for (size_t k = 1; k <= n; k++) {
		lua_rawgeti(L, i, (lua_Integer)k);
		size_t len = 0;
		const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
		if (!s || !S_theme_id_ok(s, len) || strlen(s) != len) {
			snprintf(err, errsize,
				 "theme %zu is not a theme id; ids are lower-case letters, digits and "
				 "dashes, like "
				 "'was-not-brought'",
				 k);
			lua_pop(L, 1);
			return false;
		}
		if (p->h->site->has_taxonomy && !cb_taxonomy_find(&p->h->site->tax, s)) {
			snprintf(err, errsize,
				 "theme '%.100s' is not in the taxonomy (%.200s); add it there first", s,
				 p->h->site->cfg.taxonomy_file);
			lua_pop(L, 1);
			return false;
		}
		if (!cb_strv_contains(out, s))
			cb_strv_push(out, s);
		lua_pop(L, 1);
	}
	return true;
}

static void S_apply_themes(cb_plugin_host *h, cb_doc *doc, cb_strv *themes)
{
	cb_meta *m = &doc->meta;
	bool same = themes->n == m->themes.n;
	for (size_t i = 0; same && i < themes->n; i++)
		same = strcmp(themes->v[i], m->themes.v[i]) == 0;
	if (same) {
		cb_strv_free(themes);
		return;
	}
	/* Keep the position of every theme that was written in the file. */
	int *lines = cb_xcalloc(themes->n ? themes->n : 1, sizeof(int));
	int *cols = cb_xcalloc(themes->n ? themes->n : 1, sizeof(int));
	for (size_t i = 0; i < themes->n; i++)
		for (size_t k = 0; k < m->themes.n; k++)
			if (strcmp(themes->v[i], m->themes.v[k]) == 0) {
				lines[i] = m->theme_lines ? m->theme_lines[k] : 0;
				cols[i] = m->theme_cols ? m->theme_cols[k] : 0;
			}
	cb_strv_free(&m->themes);
	free(m->theme_lines);
	free(m->theme_cols);
	m->themes = *themes;
	m->theme_lines = lines;
	m->theme_cols = cols;
	memset(themes, 0, sizeof *themes);
	h->themes_changed = true;
	cb_plugin_touch(h, doc, CB_PLUGIN_THEMES);
}

/* Stores the fields a hook set (kv: sorted by name, their values packed in
 * w, which was reset with doc->extra) as doc->extra: a field stored before
 * keeps its place and takes the new value, new fields follow in name
 * order. */
static void S_store_fields(cb_vpack_writer *w, cb_doc *doc, const S_entry *kv, size_t nk)
{
	typedef struct {
		const char *key;
		bool old; /* the bytes are in doc->extra, else in w */
		size_t from, to;
	} S_field_out;
	size_t n = 0, nold = 0;
	cb_vpack_reader r;
	cb_vpack_item top;
	cb_vpack_reader_init(&r, doc->extra);
	if (doc->extra && cb_vpack_read(&r, &top) && top.type == CB_V_MAP)
		nold = top.n;
	S_field_out *out = cb_xcalloc(nold + nk, sizeof *out);
	for (size_t i = 0; i < nold; i++) {
		const char *k = cb_vpack_read_key(&r);
		size_t from = r.pos;
		if (!k || !cb_vpack_skip(&r))
			break; /* cannot happen: the pack was made here */
		out[n++] = (S_field_out){k, true, from, r.pos};
	}
	for (size_t i = 0; i < nk; i++) {
		size_t at = 0;
		while (at < n && strcmp(out[at].key, kv[i].key) != 0)
			at++;
		out[at] = (S_field_out){kv[i].key, false, kv[i].from, kv[i].to};
		if (at == n)
			n++;
	}
	size_t start = w->len;
	cb_vpack_map(w, n);
	for (size_t i = 0; i < n; i++) {
		cb_vpack_key(w, out[i].key);
		if (out[i].old)
			cb_vpack_append(w, doc->extra, out[i].from, out[i].to);
		else
			cb_vpack_copy(w, out[i].from, out[i].to);
	}
	free(out);
	free(doc->extra);
	doc->extra = cb_vpack_finish(w, start);
}

/* Takes the changes a hook made to the document table at t into the site
 * model. On a change the site cannot take it raises an error (after
 * freeing what it made), which the caller reports as the plugin's. */
void cb_plugin_readback(lua_State *L, cb_plugin *p, int t)
{
	t = lua_absindex(L, t);
	luaL_checkstack(L, 3 * CB_PLUGIN_MAX_DEPTH + 10, "no room to read the document back");
	int idx = cb_plugin_doc_index(L, t);
	if (idx < 0)
		return;
	cb_doc *doc = &p->h->site->docs[idx];
	char err[512] = "";
	const char *bad = NULL;

	/* Themes: assigned, or the materialised list changed in place. */
	cb_strv themes = CB_STRV_INIT;
	bool have_themes = true;
	lua_pushliteral(L, "themes");
	if (lua_rawget(L, t) == LUA_TNIL) {
		lua_pop(L, 1);
		lua_getmetatable(L, t);
		lua_getfield(L, -1, "__index");
		lua_remove(L, -2);
		lua_pushliteral(L, "themes");
		lua_rawget(L, -2);
		lua_remove(L, -2);
		have_themes = !lua_isnil(L, -1);
	}
	if (have_themes && !S_read_themes(L, p, lua_gettop(L), &themes, err, sizeof err))
		bad = "themes";
	lua_pop(L, 1);

	/* Everything else the hook assigned, packed into the host's writer,
	 * which starts from the keys of the fields stored already so that
	 * they can be copied over as they are. Nothing below may raise a Lua
	 * error until the C memory is released. */
	cb_vpack_writer *w = &p->h->w;
	size_t cap = 8, nk = 0;
	S_entry *kv = cb_xcalloc(cap, sizeof *kv); /* key, and where its value was written */
	char *html = NULL;
	lua_pushnil(L);
	while (lua_next(L, t)) {
		const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		if (bad) {
			/* already failed: only finish the walk */
		} else if (!key) {
			snprintf(err, sizeof err, "fields must be named with text, not a %s",
				 luaL_typename(L, -2));
			bad = "?";
		} else if (strcmp(key, "themes") == 0) {
			/* read above */
		} else if (strcmp(key, "html") == 0) {
			size_t len = 0, off = 0;
			const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
			if (!s)
				snprintf(err, sizeof err, "html must be text, not a %s",
					 luaL_typename(L, -1));
			else if (strlen(s) != len || !cb_utf8_valid(s, len, &off))
				snprintf(err, sizeof err, "html is not valid UTF-8 text (byte %zu)", off);
			else
				html = cb_xstrndup(s, len);
			if (!html)
				bad = key;
		} else if (S_is_readonly(key) || key[0] == '$') {
			snprintf(
			    err, sizeof err,
			    "'%s' is one of casebook's own document fields and cannot be set by a plugin; "
			    "store your data under a name of your own",
			    key);
			bad = key;
		} else {
			if (nk == 0)
				cb_vpack_writer_reset(w, doc->extra);
			size_t from = w->len;
			if (!cb_plugin_pack(L, -1, w, err, sizeof err)) {
				bad = key;
			} else {
				if (nk == cap)
					kv = cb_xrealloc(kv, (cap *= 2) * sizeof *kv);
				kv[nk++] = (S_entry){key, from, w->len};
			}
		}
		lua_pop(L, 1);
	}
	if (bad) {
		cb_strv_free(&themes);
		free(kv);
		free(html);
		luaL_error(L, "%s: %s", doc->path, err);
		return;
	}
	/* Sorted, because pairs() order changes from run to run. */
	qsort(kv, nk, sizeof *kv, S_cmp_entry);
	p->h->call_touched = 0;
	cb_strv_free(&p->memo_set);
	for (size_t i = 0; p->following && i < nk; i++)
		cb_strv_push(&p->memo_set, kv[i].key);
	if (have_themes)
		S_apply_themes(p->h, doc, &themes);
	if (html) {
		cb_doc_set_html(p->h->site, doc, html);
		cb_plugin_touch(p->h, doc, CB_PLUGIN_HTML);
	}
	if (nk) {
		S_store_fields(w, doc, kv, nk);
		cb_plugin_touch(p->h, doc, CB_PLUGIN_FIELDS);
	}
	free(kv);
	if (p->following && p->memo_doc == CB_MEMO_SITE)
		cb_plugin_memo_site_note(p, idx);
}

bool cb_plugin_apply(cb_plugin *p, int idx, cb_strv *themes, const char *html, cb_vpack_reader *fields)
{
	cb_plugin_host *h = p->h;
	cb_doc *doc = &h->site->docs[idx];
	cb_vpack_writer *w = &h->w;
	S_entry *kv = NULL;
	size_t nk = 0;
	cb_vpack_item it;
	if (fields) {
		if (!cb_vpack_read(fields, &it) || it.type != CB_V_MAP)
			return false;
		cb_vpack_writer_reset(w, doc->extra);
		kv = cb_xcalloc(it.n ? it.n : 1, sizeof *kv);
		for (size_t i = 0; i < it.n; i++) {
			const char *k = cb_vpack_read_key(fields);
			size_t from = w->len;
			if (!k || !cb_plugin_memo_copy(fields, w, true, 0)) {
				free(kv);
				return false;
			}
			kv[nk++] = (S_entry){k, from, w->len};
		}
	}
	/* In the order cb_plugin_readback takes them. */
	if (themes)
		S_apply_themes(h, doc, themes);
	if (html) {
		cb_doc_set_html(h->site, doc, cb_xstrdup(html));
		cb_plugin_touch(h, doc, CB_PLUGIN_HTML);
	}
	if (nk) {
		S_store_fields(w, doc, kv, nk);
		cb_plugin_touch(h, doc, CB_PLUGIN_FIELDS);
	}
	free(kv);
	return true;
}
