/*
 * plugin_memo: document hooks' records (cb_plugin_memo in plugin.h).
 *
 * While a document hook runs, every field of its document it reads is fed
 * to a digest (cb_plugin_field_digest: the field's name and every step
 * that built its value), after the document's themes as the hook found
 * them. The record keeps the names read, in order, with that digest and
 * what the call did. On a later build the record is tried by working out
 * the same fields' digests, in the same order, from the site model as it
 * is now, with no Lua value built: the same digest means the hook would
 * read what it read before, and so do what it did.
 *
 * A record's key is a digest of the plugin's own key (its name, source,
 * options as casebook.options holds them, the taxonomy, glossary and
 * agencies as its casebook.* functions give them, the site's language,
 * the build's audience) and the document's path; and the build date once
 * the plugin has read it (casebook.build_date, site.build_date: looked up
 * when read). A plugin that never reads the date keeps its records from
 * one day to the next; one that has read it, even when its file was
 * loaded, dates every record it makes from then on (it may have kept the
 * date in a variable), and a replay looks for the record either way.
 */
#include "plugin_host.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cb_plugin_memo_keep(cb_plugin_memo *m, const char *key, cb_vpack *rec)
{
	cb_strv_push(&m->keep, key);
	m->made = cb_xrealloc(m->made, m->keep.n * sizeof *m->made);
	m->made[m->keep.n - 1] = rec;
}

void cb_plugin_memo_free(cb_plugin_memo *m)
{
	if (!m)
		return;
	size_t it = 0;
	const char *k;
	void *v;
	while (m->old && cb_strmap_next(m->old, &it, &k, &v))
		free(v);
	cb_strmap_free(m->old);
	for (size_t i = 0; i < m->keep.n; i++)
		free(m->made[i]);
	free(m->made);
	cb_strv_free(&m->keep);
	memset(m, 0, sizeof *m);
}

void cb_plugin_set_memo(cb_plugin_host *h, cb_plugin_memo *m)
{
	h->memo = m;
}

void cb_plugin_host_memo_counts(const cb_plugin_host *h, size_t i, size_t *ran, size_t *reused,
				bool *site_reused)
{
	*ran = h->v[i]->memo_ran;
	*reused = h->v[i]->memo_reused;
	*site_reused = h->v[i]->site_reused;
}

void cb_plugin_memo_close(cb_plugin *p)
{
	cb_strv_free(&p->read_names);
	cb_strv_free(&p->memo_set);
	cb_vpack_writer_free(&p->memo_w);
	cb_vpack_writer_free(&p->site_w);
	size_t it = 0;
	const char *k;
	void *v;
	while (p->site_reads && cb_strmap_next(p->site_reads, &it, &k, &v))
		free(v);
	cb_strmap_free(p->site_reads);
	p->site_reads = NULL;
}

void cb_plugin_memo_source(cb_plugin *p, const char *src, size_t len)
{
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_add(&h, src, len);
	cb_hash_hex(&h, p->src_key);
	p->memo_doc = CB_MEMO_NONE;
}

/* Feeds h the next value of r: its types, lengths, texts and keys (not
 * the pack's bytes, whose key area is in the order keys were first met). */
static bool S_feed_pack(cb_vpack_reader *r, cb_hash *h, int depth)
{
	cb_vpack_item it;
	if (depth > CB_VPACK_MAX_DEPTH || !cb_vpack_read(r, &it))
		return false;
	cb_hash_u64(h, (uint64_t)it.type);
	switch (it.type) {
	case CB_V_NULL: return true;
	case CB_V_BOOL: cb_hash_u64(h, it.b); return true;
	case CB_V_NUM: cb_hash_add(h, &it.num, sizeof it.num); return true;
	case CB_V_STR: cb_hash_strn(h, it.s, it.len); return true;
	case CB_V_LIST:
	case CB_V_MAP:
		cb_hash_u64(h, (uint64_t)it.n);
		for (size_t i = 0; i < it.n; i++) {
			const char *k = it.type == CB_V_MAP ? cb_vpack_read_key(r) : "";
			if (!k)
				return false;
			cb_hash_str(h, k);
			if (!S_feed_pack(r, h, depth + 1))
				return false;
		}
		return true;
	}
	return false;
}

/* Feeds h the Lua value at i, packed; false when it cannot be packed. */
bool cb_plugin_memo_feed(lua_State *L, cb_plugin *p, int i, cb_hash *h)
{
	char err[256];
	cb_vpack_writer *w = &p->memo_w;
	cb_vpack_writer_reset(w, NULL);
	if (!lua_checkstack(L, 3 * CB_PLUGIN_MAX_DEPTH + 10) || !cb_plugin_pack(L, i, w, err, sizeof err))
		return false;
	cb_vpack *pk = cb_vpack_finish(w, 0);
	cb_vpack_reader r;
	cb_vpack_reader_init(&r, pk);
	bool ok = S_feed_pack(&r, h, 0);
	free(pk);
	return ok;
}

/* The plugin's key, in its own state: arg 1 is the hash to feed. Returns
 * whether it could be worked out. */
static int S_key_step(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	cb_hash *h = lua_touserdata(L, 1);
	static const char *const inputs[] = {"taxonomy", "glossary", "agencies"};
	bool ok = lua_getglobal(L, "casebook") == LUA_TTABLE;
	int cb = lua_gettop(L);
	if (ok) {
		lua_getfield(L, cb, "options");
		ok = cb_plugin_memo_feed(L, p, -1, h);
		lua_pop(L, 1);
	}
	/* Only the host's own functions: a plugin may have replaced them. */
	for (size_t i = 0; ok && i < sizeof inputs / sizeof inputs[0]; i++) {
		lua_getfield(L, cb, inputs[i]);
		ok = lua_tocfunction(L, -1) != NULL;
		if (ok) {
			lua_call(L, 0, 1);
			ok = cb_plugin_memo_feed(L, p, -1, h);
		}
		lua_pop(L, 1);
	}
	lua_pushboolean(L, ok);
	return 1;
}

void cb_plugin_memo_start(cb_plugin *p)
{
	if (p->memo_keyed)
		return;
	p->memo_keyed = true;
	p->memo_key[0] = '\0';
	if (!p->h->memo)
		return;
	lua_State *L = p->L;
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_str(&h, "casebook document hook 3");
	cb_hash_str(&h, p->name);
	cb_hash_str(&h, p->path);
	cb_hash_str(&h, p->src_key);
	cb_hash_str(&h, p->h->site->cfg.language);
	/* casebook.audience, which any hook may read: an internal build's
	 * record must never be replayed into a public one. */
	cb_hash_str(&h, cb_visibility_name(p->h->site->audience));
	int base = lua_gettop(L);
	lua_pushcfunction(L, S_key_step);
	lua_pushlightuserdata(L, &h);
	if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_toboolean(L, -1))
		cb_hash_hex(&h, p->memo_key);
	lua_settop(L, base);
}

/* The build date, read through casebook.build_date or site.build_date. */
static int S_date_index(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	const char *date = p->h->site->build_date;
	if (lua_type(L, 2) != LUA_TSTRING || strcmp(lua_tostring(L, 2), "build_date") != 0 || !date)
		return 0;
	p->read_date = true;
	lua_pushstring(L, date);
	return 1;
}

/* A unique address: the registry's key of the dated tables' metatable. */
static const char S_dated_key = 0;

void cb_plugin_memo_dated(lua_State *L)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &S_dated_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, S_date_index);
		lua_setfield(L, -2, "__index");
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &S_dated_key);
	}
	lua_setmetatable(L, -2);
}

/* The record key of document idx, with the build date when dated. */
static void S_doc_key(const cb_plugin *p, int idx, bool dated, char out[33])
{
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_str(&h, p->memo_key);
	cb_hash_str(&h, p->h->site->docs[idx].path);
	cb_hash_u64(&h, dated);
	if (dated)
		cb_hash_str(&h, p->h->site->build_date);
	cb_hash_hex(&h, out);
}

/* Starts following the reads of document idx, from its themes. */
static void S_follow(cb_plugin *p, int idx)
{
	const cb_meta *m = &p->h->site->docs[idx].meta;
	cb_strv_free(&p->read_names);
	cb_strv_free(&p->memo_set);
	p->memo_bad = false;
	p->memo_doc = idx;
	p->following = true;
	cb_hash_init(&p->reads);
	cb_hash_u64(&p->reads, (uint64_t)m->themes.n);
	for (size_t i = 0; i < m->themes.n; i++) {
		cb_hash_str(&p->reads, m->themes.v[i]);
		cb_hash_u64(&p->reads, (uint64_t)(m->theme_lines ? m->theme_lines[i] : 0));
		cb_hash_u64(&p->reads, (uint64_t)(m->theme_cols ? m->theme_cols[i] : 0));
	}
}

bool cb_plugin_memo_wants(const cb_plugin *p, int idx)
{
	return p->following && !p->memo_bad && (p->memo_doc < 0 || idx == p->memo_doc);
}

/* Feeds the digest of a document hook's reads one read. */
static void S_feed_read(cb_hash *h, const uint64_t dg[2])
{
	cb_hash_u64(h, dg[0]);
	cb_hash_u64(h, dg[1]);
}

void cb_plugin_memo_read(cb_plugin *p, int idx, const char *k, const uint64_t dg[2])
{
	if (!cb_plugin_memo_wants(p, idx))
		return;
	if (p->memo_doc < 0) {
		cb_plugin_memo_site_read(p, idx, k, dg);
		return;
	}
	if (p->read_names.n >= 1000) {
		p->memo_bad = true; /* not a document hook worth a record */
		return;
	}
	cb_strv_push(&p->read_names, k);
	S_feed_read(&p->reads, dg);
}

void cb_plugin_memo_begin(cb_plugin *p, int idx)
{
	p->h->call_touched = 0;
	if (p->memo_key[0])
		S_follow(p, idx);
}

bool cb_plugin_memo_copy(cb_vpack_reader *r, cb_vpack_writer *w, bool refs, int depth)
{
	cb_vpack_item it;
	if (depth > CB_VPACK_MAX_DEPTH || !cb_vpack_read(r, &it))
		return false;
	switch (it.type) {
	case CB_V_NULL: cb_vpack_null(w); return true;
	case CB_V_BOOL: cb_vpack_bool(w, it.b); return true;
	case CB_V_NUM: cb_vpack_num(w, it.num); return true;
	case CB_V_STR: cb_vpack_str(w, it.s, it.len); return true;
	case CB_V_LIST:
		cb_vpack_list(w, it.n);
		for (size_t i = 0; i < it.n; i++)
			if (!cb_plugin_memo_copy(r, w, refs, depth + 1))
				return false;
		return true;
	case CB_V_MAP:
		cb_vpack_map(w, it.n);
		for (size_t i = 0; i < it.n; i++) {
			const char *k = cb_vpack_read_key(r);
			/* A document reference names a place in this build's order. */
			if (!k || (!refs && strcmp(k, CB_VPACK_DOC_KEY) == 0))
				return false;
			cb_vpack_key(w, k);
			if (!cb_plugin_memo_copy(r, w, refs, depth + 1))
				return false;
		}
		return true;
	}
	return false;
}

static void S_str(cb_vpack_writer *w, const char *s)
{
	cb_vpack_str(w, s ? s : "", s ? strlen(s) : 0);
}

bool cb_plugin_memo_put_changes(cb_plugin *p, int idx, unsigned t, cb_vpack_writer *w, bool refs)
{
	cb_site *s = p->h->site;
	cb_doc *doc = &s->docs[idx];
	if (t & CB_PLUGIN_THEMES) {
		cb_vpack_list(w, doc->meta.themes.n);
		for (size_t i = 0; i < doc->meta.themes.n; i++)
			S_str(w, doc->meta.themes.v[i]);
	} else {
		cb_vpack_null(w);
	}
	if (t & CB_PLUGIN_HTML) {
		char *html = cb_doc_html(s, doc);
		S_str(w, html);
		free(html);
	} else {
		cb_vpack_null(w);
	}
	if (!(t & CB_PLUGIN_FIELDS)) {
		cb_vpack_null(w);
		return true;
	}
	cb_vpack_map(w, p->memo_set.n);
	for (size_t i = 0; i < p->memo_set.n; i++) {
		cb_vpack_reader r;
		cb_vpack_key(w, p->memo_set.v[i]);
		if (!cb_vpack_find(&r, doc->extra, p->memo_set.v[i]) || !cb_plugin_memo_copy(&r, w, refs, 0))
			return false;
	}
	return true;
}

bool cb_plugin_memo_put_diags(cb_plugin *p, size_t n0, cb_vpack_writer *w)
{
	const cb_diags *d = p->h->d;
	cb_vpack_list(w, d->n - n0);
	for (size_t i = n0; i < d->n; i++) {
		const cb_diag *g = &d->v[i];
		/* Only the plugin's own messages (not a notice of the limit). */
		if (!g->rule || strcmp(g->rule, p->name) != 0)
			return false;
		cb_vpack_list(w, 5);
		cb_vpack_num(w, g->sev);
		S_str(w, g->file);
		cb_vpack_num(w, g->line);
		cb_vpack_num(w, g->col);
		S_str(w, g->msg);
	}
	return true;
}

/*
 * A document hook's record: [digest of the reads, [field names read],
 *   themes | null, html | null, {fields set} | null, [[severity, file,
 *   line, column, message], …]].
 */
static bool S_record(cb_plugin *p, int idx, size_t n0, cb_vpack_writer *w)
{
	char digest[33];
	cb_hash_hex(&p->reads, digest);
	cb_vpack_writer_reset(w, NULL);
	cb_vpack_list(w, 6);
	S_str(w, digest);
	cb_vpack_list(w, p->read_names.n);
	for (size_t i = 0; i < p->read_names.n; i++)
		S_str(w, p->read_names.v[i]);
	return cb_plugin_memo_put_changes(p, idx, p->h->call_touched, w, false) &&
	       cb_plugin_memo_put_diags(p, n0, w);
}

void cb_plugin_memo_end(cb_plugin *p, int idx, int rc, size_t n0)
{
	bool keep = p->following && rc == 0 && !p->memo_bad;
	p->following = false;
	if (!p->memo_key[0])
		return;
	p->memo_ran++;
	if (keep && S_record(p, idx, n0, &p->memo_w)) {
		char key[33];
		S_doc_key(p, idx, p->read_date, key);
		cb_plugin_memo_keep(p->h->memo, key, cb_vpack_finish(&p->memo_w, 0));
	}
}

char *cb_plugin_memo_str(cb_vpack_reader *r)
{
	cb_vpack_item it;
	return cb_vpack_read(r, &it) && it.type == CB_V_STR ? cb_xstrndup(it.s, it.len) : NULL;
}

/* Whether the record's reads read the same now. r is after its digest. */
static bool S_same_reads(cb_plugin *p, int idx, const char *digest, cb_vpack_reader *r)
{
	cb_vpack_item it;
	cb_strv names = CB_STRV_INIT;
	bool ok = cb_vpack_read(r, &it) && it.type == CB_V_LIST;
	for (size_t i = 0, n = ok ? it.n : 0; ok && i < n; i++) {
		char *name = cb_plugin_memo_str(r);
		if ((ok = name != NULL))
			cb_strv_push_own(&names, name);
	}
	if (ok) {
		/* The fields as the hook would read them now, without running
		 * it (cb_plugin_field_digest builds no Lua value). */
		S_follow(p, idx);
		p->following = false;
		for (size_t i = 0; i < names.n; i++) {
			uint64_t dg[2];
			cb_plugin_field_digest(p, idx, names.v[i], dg);
			S_feed_read(&p->reads, dg);
		}
		char now[33];
		cb_hash_hex(&p->reads, now);
		ok = strcmp(now, digest) == 0;
	}
	cb_strv_free(&names);
	return ok;
}

/* The record's messages, told again. */
bool cb_plugin_memo_diags(cb_plugin *p, cb_vpack_reader *r, bool tell)
{
	cb_vpack_item it;
	if (!cb_vpack_read(r, &it) || it.type != CB_V_LIST)
		return false;
	for (size_t i = 0, n = it.n; i < n; i++) {
		cb_vpack_item five, sev, line, col;
		if (!cb_vpack_read(r, &five) || five.type != CB_V_LIST || five.n != 5 ||
		    !cb_vpack_read(r, &sev))
			return false;
		char *file = cb_plugin_memo_str(r);
		bool ok = file && cb_vpack_read(r, &line) && cb_vpack_read(r, &col);
		char *msg = ok ? cb_plugin_memo_str(r) : NULL;
		if (msg && tell)
			cb_plugin_say(p, (cb_severity)sev.num, file, (int)line.num, (int)col.num, msg);
		free(file);
		free(msg);
		if (!msg)
			return false;
	}
	return true;
}

bool cb_plugin_memo_take_changes(cb_plugin *p, int idx, cb_vpack_reader *r, bool apply)
{
	cb_strv themes = CB_STRV_INIT;
	bool have_themes = false;
	char *html = NULL;
	cb_vpack_item it;
	cb_vpack_reader fields, peek = *r;
	bool ok = cb_vpack_read(&peek, &it) && (it.type == CB_V_NULL || it.type == CB_V_LIST);
	if (ok && it.type == CB_V_LIST) {
		have_themes = true;
		cb_vpack_read(r, &it);
		for (size_t i = 0, n = it.n; ok && i < n; i++) {
			char *t = cb_plugin_memo_str(r);
			if ((ok = t != NULL))
				cb_strv_push_own(&themes, t);
		}
	} else if (ok) {
		*r = peek;
	}
	peek = *r;
	ok = ok && cb_vpack_read(&peek, &it) && (it.type == CB_V_NULL || it.type == CB_V_STR);
	if (ok && it.type == CB_V_STR)
		html = cb_xstrndup(it.s, it.len);
	*r = peek;
	peek = *r;
	ok = ok && cb_vpack_read(&peek, &it) && (it.type == CB_V_NULL || it.type == CB_V_MAP);
	bool have_fields = ok && it.type == CB_V_MAP;
	fields = *r;
	ok = ok && cb_vpack_skip(r);
	if (ok && apply)
		ok =
		    cb_plugin_apply(p, idx, have_themes ? &themes : NULL, html, have_fields ? &fields : NULL);
	cb_strv_free(&themes);
	free(html);
	return ok;
}

/* The record stored under key: its reads' digest (the caller frees it),
 * with r left at the fields read; NULL when there is none or it is not a
 * record. */
char *cb_plugin_memo_record(const cb_plugin_memo *m, const char *key, cb_vpack_reader *r)
{
	const cb_vpack *rec = cb_strmap_get(m->old, key);
	cb_vpack_item it;
	cb_vpack_reader_init(r, rec);
	if (!rec || !cb_vpack_read(r, &it) || it.type != CB_V_LIST || it.n != 6)
		return NULL;
	return cb_plugin_memo_str(r);
}

char *cb_plugin_memo_find(const cb_plugin_memo *m, const char *undated, const char *dated, cb_vpack_reader *r,
			  char used[33])
{
	char *digest = cb_plugin_memo_record(m, undated, r);
	memcpy(used, undated, 33);
	if (!digest) {
		digest = cb_plugin_memo_record(m, dated, r);
		memcpy(used, dated, 33);
	}
	return digest;
}

bool cb_plugin_memo_replay(cb_plugin *p, int idx)
{
	cb_plugin_memo *m = p->h->memo;
	if (!m || !m->old || !p->memo_key[0])
		return false;
	char undated[33], dated[33], key[33];
	S_doc_key(p, idx, false, undated);
	S_doc_key(p, idx, true, dated);
	cb_vpack_reader r;
	char *digest = cb_plugin_memo_find(m, undated, dated, &r, key);
	bool ok = digest && S_same_reads(p, idx, digest, &r);
	free(digest);
	if (!ok)
		return false;
	/* What the call did: checked whole before any of it is applied. */
	cb_vpack_reader check = r;
	ok = cb_plugin_memo_take_changes(p, idx, &check, false) && cb_plugin_memo_diags(p, &check, false) &&
	     cb_plugin_memo_take_changes(p, idx, &r, true) && cb_plugin_memo_diags(p, &r, true);
	if (!ok)
		return false;
	cb_plugin_memo_keep(m, key, NULL);
	p->memo_reused++;
	return true;
}
