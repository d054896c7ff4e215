/* plugin_data: Lua values to casebook data and back, for the plugin host
 * (see plugin_host.h): packing what plugins store and reading back what a
 * hook changed (documents as Lua sees them are plugin_field.c's). */
#include "plugin_host.h"

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
