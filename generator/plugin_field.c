/*
 * plugin_field: documents as Lua sees them, for the plugin host (see
 * plugin_host.h): the lazy document tables, each field built from the site
 * model when first read, document references, packed values pushed; and
 * the digest of a field as a hook would read it, which the plugin cache
 * (plugin_memo*.c) checks its records by.
 */
#include "plugin_host.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

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
