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

/* A stored document reference read back: in a site hook the document's own
 * table; in a document hook, which sees only its own document, a small
 * table naming it. */
void cb_plugin_push_ref(lua_State *L, cb_plugin *p, int idx)
{
	if (p->phase == CB_PLUGIN_SITE && p->ref_docs != LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref_docs);
		lua_rawgeti(L, -1, idx + 1);
		lua_remove(L, -2);
		return;
	}
	const cb_doc *d = &p->h->site->docs[idx];
	lua_createtable(L, 0, 4);
	lua_pushstring(L, d->path);
	lua_setfield(L, -2, "path");
	lua_pushstring(L, d->slug);
	lua_setfield(L, -2, "slug");
	lua_pushstring(L, d->meta.title);
	lua_setfield(L, -2, "title");
	lua_pushfstring(L, "documents/%s.html", d->slug);
	lua_setfield(L, -2, "url");
}

/* Pushing a pack's value: Lua's stack is the visitor's. */
typedef struct S_lua {
	lua_State *L;
	cb_plugin *p;
} S_lua;

static void S_lua_scalar(void *ctx, const cb_vpack_item *it)
{
	S_lua *c = ctx;
	lua_State *L = c->L;
	luaL_checkstack(L, 4, "data nested too deeply");
	switch (it->type) {
	case CB_V_BOOL: lua_pushboolean(L, it->b); return;
	case CB_V_NUM:
		if (it->num == floor(it->num) && fabs(it->num) < 9e15)
			lua_pushinteger(L, (lua_Integer)it->num);
		else
			lua_pushnumber(L, it->num);
		return;
	case CB_V_STR: lua_pushlstring(L, it->s, it->len); return;
	default: lua_pushnil(L); return;
	}
}

static void S_lua_open(void *ctx, const cb_vpack_item *it)
{
	S_lua *c = ctx;
	luaL_checkstack(c->L, 4, "data nested too deeply");
	if (it->type == CB_V_LIST)
		lua_createtable(c->L, (int)it->n, 0);
	else
		lua_createtable(c->L, 0, (int)it->n);
}

static void S_lua_add(void *ctx, size_t i, const char *key, bool bad_key)
{
	S_lua *c = ctx;
	if (bad_key)
		lua_pop(c->L, 1);
	else if (key)
		lua_setfield(c->L, -2, key);
	else
		lua_rawseti(c->L, -2, (lua_Integer)i + 1);
}

static void S_lua_doc(void *ctx, size_t n)
{
	S_lua *c = ctx;
	luaL_checkstack(c->L, 4, "data nested too deeply");
	cb_plugin_push_ref(c->L, c->p, (int)n);
}

/* Pushes the next value of a pack (a document's stored fields, a page's
 * data), a document reference as that document (cb_plugin_push_ref). */
static void S_push_packed(lua_State *L, cb_plugin *p, cb_vpack_reader *r)
{
	S_lua c = {L, p};
	cb_vpack_visitor v = {S_lua_scalar, S_lua_open, S_lua_add, S_lua_doc, p->h->site->ndocs};
	cb_vpack_walk(r, &v, &c);
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

static void S_push_history_date(lua_State *L, int64_t t, int tz)
{
	char date[11];
	cb_format_date(t, tz, date);
	lua_pushstring(L, date);
}

/* Sets section and section_id of the table on top to heading i of md
 * (nothing when i is -1: above the first heading). */
static void S_set_section(lua_State *L, const cb_mdoc *md, int i)
{
	if (i < 0 || (size_t)i >= md->nheadings)
		return;
	cb_plugin_set_str(L, "section", md->headings[i].text);
	cb_plugin_set_str(L, "section_id", md->headings[i].id);
}

/* doc.links: each link to a document this build has, in order: {doc, path,
 * section, section_id}. */
static void S_push_links(lua_State *L, cb_plugin *p, const cb_doc *d)
{
	const cb_mdoc *md = &d->md;
	const cb_site *s = p->h->site;
	lua_createtable(L, (int)md->ndoclinks, 0);
	lua_Integer n = 0;
	for (size_t i = 0; i < md->ndoclinks; i++) {
		/* The target among the document's own (few) linked documents. */
		int t = -1;
		for (size_t k = 0; k < md->nlinks && t < 0; k++)
			if (strcmp(s->docs[md->links[k]].path, md->doclinks[i].path) == 0)
				t = md->links[k];
		if (t < 0)
			continue;
		lua_createtable(L, 0, 4);
		cb_plugin_push_ref(L, p, t);
		lua_setfield(L, -2, "doc");
		cb_plugin_set_str(L, "path", s->docs[t].path);
		S_set_section(L, md, md->doclinks[i].heading);
		lua_rawseti(L, -2, ++n);
	}
}

/* doc.tables: each table, {header = {cell, ...}, rows = {{cell, ...}, ...},
 * section, section_id, line}. */
static void S_push_tables(lua_State *L, const cb_doc *d)
{
	const cb_mdoc *md = &d->md;
	lua_createtable(L, (int)md->ntables, 0);
	for (size_t i = 0; i < md->ntables; i++) {
		const cb_mtable *t = &md->tables[i];
		lua_createtable(L, 0, 5);
		size_t k = 0;
		lua_createtable(L, t->nrows ? (int)t->nrows - 1 : 0, 0); /* rows */
		for (size_t r = 0; r < t->nrows; r++) {
			lua_createtable(L, (int)t->ncells[r], 0);
			for (size_t c = 0; c < t->ncells[r]; c++) {
				lua_pushstring(L, t->cells[k++]);
				lua_rawseti(L, -2, (lua_Integer)c + 1);
			}
			if (r == 0)
				lua_setfield(L, -3, "header");
			else
				lua_rawseti(L, -2, (lua_Integer)r);
		}
		if (t->nrows == 0) {
			lua_newtable(L);
			lua_setfield(L, -3, "header");
		}
		lua_setfield(L, -2, "rows");
		S_set_section(L, md, t->heading);
		cb_plugin_set_int(L, "line", t->line);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* __index of a shadow table: cb_plugin_doc_field(S, key) builds the field, caches it
 * in S and returns it. */
/* The front matter's fields and what follows from them: pushes field k of
 * d and returns 1, returns 0 when d has no such field (nil), or -1 when k
 * is not one of them. */
static int S_push_meta_field(lua_State *L, const cb_doc *d, const char *k)
{
	const cb_meta *m = &d->meta;
	const cb_field *f;
	if (strcmp(k, "path") == 0) {
		lua_pushstring(L, d->path);
	} else if (strcmp(k, "partner") == 0) {
		/* nil for the hub's own documents */
		if (d->source)
			lua_pushstring(L, d->source);
		else
			lua_pushnil(L);
	} else if (strcmp(k, "slug") == 0) {
		lua_pushstring(L, d->slug);
	} else if (strcmp(k, "url") == 0) {
		lua_pushfstring(L, "documents/%s.html", d->slug);
	} else if (strcmp(k, "type_label") == 0) {
		lua_pushstring(L, cb_type_label(m->type));
	} else if ((f = cb_field_named(k)) && (f->use & CB_FIELD_PLUGIN) &&
		   (f->kind == CB_FIELD_TEXT || f->kind == CB_FIELD_DATE || f->kind == CB_FIELD_LIST)) {
		/* A front matter field (schema.h's cb_fields): nil when not given. */
		if (f->kind == CB_FIELD_LIST)
			cb_plugin_push_strv(L, cb_field_list(m, f));
		else if (*cb_field_text(m, f))
			lua_pushstring(L, *cb_field_text(m, f));
		else
			return 0;
	} else if (strcmp(k, "visibility") == 0) {
		lua_pushstring(L, cb_visibility_name(m->visibility));
	} else if (strcmp(k, "draft") == 0) {
		lua_pushboolean(L, m->draft);
	} else if (strcmp(k, "themes") == 0) {
		cb_plugin_push_strv(L, &m->themes);
	} else if (strcmp(k, "theme_lines") == 0) {
		lua_createtable(L, (int)m->themes.n, 0);
		for (size_t i = 0; i < m->themes.n; i++) {
			lua_pushinteger(L, m->theme_lines ? m->theme_lines[i] : 0);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	} else if (strcmp(k, "actions") == 0) {
		lua_createtable(L, (int)m->nactions, 0);
		for (size_t i = 0; i < m->nactions; i++) {
			const cb_action *a = &m->actions[i];
			lua_createtable(L, 0, 6);
			cb_plugin_set_str(L, "action", a->action);
			cb_plugin_set_str(L, "owner", a->owner);
			cb_plugin_set_str(L, "due", a->due);
			cb_plugin_set_str(L, "rag", a->rag);
			cb_plugin_set_str(L, "evidence", a->evidence);
			cb_plugin_set_int(L, "line", a->line);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	} else {
		return -1;
	}
	return 1;
}

/* The body's fields (text, HTML, headings, learning, links, tables) and
 * the history's, as S_push_meta_field. */
static int S_push_body_field(lua_State *L, cb_plugin *p, const cb_doc *d, const char *k)
{
	const cb_mdoc *md = &d->md;
	if (strcmp(k, "text") == 0) {
		/* (Should the push fail for want of memory the copy is lost with
		 * the build, which stops.) */
		char *text = cb_doc_text(p->h->site, d);
		lua_pushstring(L, text);
		free(text);
	} else if (strcmp(k, "html") == 0) {
		char *html = cb_doc_html(p->h->site, d);
		lua_pushstring(L, html);
		free(html);
	} else if (strcmp(k, "headings") == 0) {
		lua_createtable(L, (int)md->nheadings, 0);
		for (size_t i = 0; i < md->nheadings; i++) {
			const cb_heading *hd = &md->headings[i];
			lua_createtable(L, 0, 4);
			cb_plugin_set_int(L, "level", hd->level);
			cb_plugin_set_str(L, "text", hd->text);
			cb_plugin_set_str(L, "id", hd->id);
			cb_plugin_set_int(L, "line", hd->line);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	} else if (strcmp(k, "learning") == 0) {
		lua_createtable(L, (int)md->nlearning, 0);
		for (size_t i = 0; i < md->nlearning; i++) {
			const cb_lpoint *lp = &md->learning[i];
			lua_createtable(L, 0, 6);
			cb_plugin_set_str(L, "text", lp->text);
			cb_plugin_set_str(L, "html", lp->html);
			cb_plugin_set_str(L, "heading", lp->heading);
			cb_plugin_set_str(L, "heading_id", lp->heading_id);
			cb_plugin_set_int(L, "line", lp->line);
			if (d->pthemes)
				cb_plugin_push_strv(L, &d->pthemes[i]);
			else
				lua_newtable(L);
			lua_setfield(L, -2, "themes");
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	} else if (strcmp(k, "learning_count") == 0) {
		lua_pushinteger(L, (lua_Integer)md->nlearning);
	} else if (strcmp(k, "learning_themes") == 0) {
		/* How many of its points are on each of its themes (cheaper than
		 * reading every point's themes). */
		lua_createtable(L, 0, (int)d->meta.themes.n);
		for (size_t t = 0; t < d->meta.themes.n; t++) {
			lua_pushinteger(L, (lua_Integer)cb_doc_points_on(d, d->meta.themes.v[t]));
			lua_setfield(L, -2, d->meta.themes.v[t]);
		}
	} else if (strcmp(k, "links") == 0) {
		S_push_links(L, p, d);
	} else if (strcmp(k, "tables") == 0) {
		S_push_tables(L, d);
	} else if (strcmp(k, "linked_from") == 0) {
		lua_createtable(L, (int)d->nlinked_from, 0);
		for (size_t i = 0; i < d->nlinked_from; i++) {
			lua_pushstring(L, p->h->site->docs[d->linked_from[i]].path);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	} else if (strcmp(k, "first_published") == 0 || strcmp(k, "last_updated") == 0) {
		if (!d->hist)
			return 0;
		if (k[0] == 'f')
			S_push_history_date(L, d->hist->first_time, d->hist->first_tz);
		else
			S_push_history_date(L, d->hist->last_time, d->hist->last_tz);
	} else if (strcmp(k, "authors") == 0) {
		/* Staff are named only where casebook.yml allows it, so no
		 * plugin can put their names on a page either. */
		if (d->hist && p->h->site->cfg.show_authors)
			cb_plugin_push_strv(L, &d->hist->authors);
		else
			lua_newtable(L);
	} else {
		return -1;
	}
	return 1;
}

int cb_plugin_doc_field(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	lua_rawgetp(L, 1, &cb_plugin_doc_key);
	int idx = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (lua_type(L, 2) != LUA_TSTRING || idx < 0 || (size_t)idx >= p->h->site->ndocs)
		return 0;
	const char *k = lua_tostring(L, 2);
	const cb_doc *d = &p->h->site->docs[idx];
	int rc = S_push_meta_field(L, d, k);
	if (rc < 0)
		rc = S_push_body_field(L, p, d, k);
	if (rc < 0) {
		/* A field an earlier plugin stored. */
		cb_vpack_reader r;
		rc = cb_vpack_find(&r, d->extra, k) ? 1 : 0;
		if (rc)
			S_push_packed(L, p, &r);
	}
	cb_plugin_memo_read(L, p, idx, k, rc != 0);
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
