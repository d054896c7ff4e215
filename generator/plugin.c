/* plugin: see plugin.h. */
#include "plugin.h"

#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lualib.h>

#include "config.h"
#include "learning.h"
#include "plugin_host.h"
#include "pool.h"
#include "schema.h"

const char *const cb_plugin_defaults[] = {"taxonomy", "glossary", "backlinks",
					  "related",  "learning", "actions"};
const size_t cb_plugin_ndefaults = sizeof cb_plugin_defaults / sizeof cb_plugin_defaults[0];

/* The count hook runs every S_STEP VM instructions: often enough to stop a
 * runaway loop promptly, rarely enough to cost nothing measurable. */
#define S_STEP 1000
static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- limits, positions and errors ---- */

/* The line of the plugin's own file that is running, searching outwards
 * from the innermost call (the error may come from inside a library
 * function the plugin called). 0 when none is. */
static int S_plugin_line(lua_State *L, const cb_plugin *p)
{
	lua_Debug ar;
	for (int level = 0; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar))
			break;
		if (ar.currentline > 0 && ar.source[0] == '@' && strcmp(ar.source + 1, p->path) == 0)
			return ar.currentline;
	}
	return 0;
}

/* Tells the watcher (cb_plugin_set_watch) that p starts running, unless a
 * plugin already is (closing a state inside a hook's time). Returns
 * whether S_stop must be called. */
static bool S_start(cb_plugin *p)
{
	cb_plugin_host *h = p->h;
	if (!h->watch || h->running)
		return false;
	h->running = p;
	h->watch(h->watch_ctx, p->name, true);
	return true;
}

static void S_stop(cb_plugin *p, bool started)
{
	if (!started)
		return;
	p->h->running = NULL;
	p->h->watch(p->h->watch_ctx, p->name, false);
}

void cb_plugin_touch(cb_plugin_host *h, const cb_doc *doc, unsigned what)
{
	if (!h->touched)
		h->touched = cb_xcalloc(h->site->ndocs ? h->site->ndocs : 1, 1);
	h->touched[doc - h->site->docs] |= (unsigned char)what;
	h->call_touched |= what;
}

static void S_count(lua_State *L, lua_Debug *ar);

/* Every allocation of a plugin's state comes here, so its memory can be
 * capped. Lua raises "not enough memory" when this returns NULL, without
 * calling the message handler, so the position is noted now. */
static void *S_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	cb_plugin *p = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		cb_pool_realloc(p->pool, ptr, old, 0);
		p->mem -= old;
		return NULL;
	}
	if (nsize > old && p->mem - old + nsize > p->mem_max) {
		if (!p->mem_refused && p->L) {
			p->mem_refused = true;
			p->mem_line = S_plugin_line(p->L, p);
		}
		/* Refused, the plugin is out of memory and stays so for the
		 * rest of the hook call (see S_count): a plugin that caught the
		 * error with pcall would otherwise fill its memory again and
		 * again until its instruction budget ran out (39 s). The one
		 * exception is Lua's own second try, the same request after
		 * collecting garbage, when it succeeds (below). */
		if (p->L) {
			p->mem_out = true;
			p->retry_ptr = ptr;
			p->retry_size = nsize;
			lua_sethook(p->L, S_count, LUA_MASKCOUNT, 1);
		}
		return NULL;
	}
	void *q = cb_pool_realloc(p->pool, ptr, old, nsize);
	if (q) {
		p->mem = p->mem - old + nsize;
		if (p->mem_out && ptr == p->retry_ptr && nsize == p->retry_size && p->L) {
			p->mem_out = false;
			lua_sethook(p->L, S_count, LUA_MASKCOUNT, p->used > p->budget ? 1 : S_STEP);
		}
	}
	return q;
}

/* The instruction budget. Once it is spent the hook fires on every
 * instruction, so a plugin that catches the error with pcall cannot carry
 * on looping. */
static void S_count(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	cb_plugin *p = cb_plugin_of(L);
	if (p->mem_out) {
		p->mem_failed = true;
		luaL_error(L, "out of memory");
	}
	p->used += S_STEP;
	if (p->used > p->budget) {
		lua_sethook(L, S_count, LUA_MASKCOUNT, 1);
		luaL_error(
		    L,
		    "stopped after %I instructions in one call; look for a loop that never ends, or raise "
		    "'plugin-limits: instructions' in casebook.yml",
		    (lua_Integer)p->budget);
	}
}

/* True when msg starts "<path>:<line>:". */
static bool S_positioned(const cb_plugin *p, const char *msg, int *line, const char **rest)
{
	size_t n = strlen(p->path);
	if (strncmp(msg, p->path, n) != 0 || msg[n] != ':' || !(msg[n + 1] >= '0' && msg[n + 1] <= '9'))
		return false;
	char *end;
	long l = strtol(msg + n + 1, &end, 10);
	if (*end != ':')
		return false;
	if (line)
		*line = l > 0 && l < INT_MAX ? (int)l : 0;
	if (rest)
		*rest = end[1] == ' ' ? end + 2 : end + 1;
	return true;
}

/* The message handler of every call: makes sure the message is text and
 * says which line of the plugin was running. */
static int S_msgh(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "error() was called with a %s instead of a message",
					      luaL_typename(L, 1));
	}
	int line;
	if (!S_positioned(p, msg, NULL, NULL) && (line = S_plugin_line(L, p)) > 0)
		lua_pushfstring(L, "%s:%d: %s", p->path, line, msg);
	else
		lua_pushstring(L, msg);
	return 1;
}

static void S_report_failure(cb_plugin *p, int rc, cb_diags *d)
{
	lua_State *L = p->L;
	int line = 0;
	const char *msg = lua_tostring(L, -1), *rest = msg;
	char buf[512];
	if (rc == LUA_ERRMEM || p->mem_out || p->mem_failed) {
		snprintf(
		    buf, sizeof buf,
		    "ran out of memory: a plugin may use at most %zu MB; look for a table or string that "
		    "grows without end, or raise 'plugin-limits: memory-mb' in casebook.yml",
		    p->mem_max >> 20);
		rest = buf;
		line = p->mem_refused ? p->mem_line : 0;
	} else if (!msg) {
		rest = "failed without a message";
	} else if (!S_positioned(p, msg, &line, &rest)) {
		rest = msg;
	}
	/* An error passed up through nested coroutines gains a position at
	 * every level ("x.lua:5: x.lua:5: …"): one is enough. */
	for (const char *again; rest && S_positioned(p, rest, NULL, &again);)
		rest = again;
	/* A message is a line for a person, not a dump: a plugin may build
	 * one of any length. */
	char cut[1024];
	if (rest && strlen(rest) > 500) {
		int n = 500;
		while (n > 0 && ((unsigned char)rest[n] & 0xc0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
		snprintf(cut, sizeof cut, "%.*s… (message cut short)", n, rest);
		rest = cut;
	}
	cb_diags_add(d, CB_ERROR, p->path, line, 0, "plugin", "%s%s%s%s%s%s", rest, p->what[0] ? " (" : "",
		     p->what, p->what[0] ? ")" : "", p->note ? "; " : "", p->note ? p->note : "");
}

/* Calls the C function f with one integer argument in protected mode,
 * with the budget reset. Returns 0, or -1 after reporting the failure. */
static int S_pcall(cb_plugin *p, lua_CFunction f, lua_Integer arg, cb_diags *d)
{
	lua_State *L = p->L;
	int base = lua_gettop(L);
	lua_pushcfunction(L, S_msgh);
	lua_pushcfunction(L, f);
	lua_pushinteger(L, arg);
	p->used = 0;
	p->mem_refused = p->mem_out = p->mem_failed = false;
	lua_sethook(L, S_count, LUA_MASKCOUNT, S_STEP);
	int rc = lua_pcall(L, 1, 0, base + 1);
	free(p->pending);
	p->pending = NULL;
	if (rc != LUA_OK)
		S_report_failure(p, rc, d);
	lua_settop(L, base);
	return rc == LUA_OK ? 0 : -1;
}

/* ---- the host API: casebook.* ---- */

static cb_plugin *S_self(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* The most messages one plugin may give in a build, and the longest one:
 * each is kept in C memory until the build ends, outside the plugin's
 * memory cap, so a plugin calling casebook.warn in a loop would otherwise
 * fill the machine's memory (2,000,000 calls took 342 MB). */
#define S_MAX_MESSAGES 1000
#define S_MAX_MESSAGE_BYTES 2000

/* Adds one message of the plugin's to the diagnostics, within the limits
 * above: a longer message is cut (at a character boundary) and marked
 * "…"; after S_MAX_MESSAGES one notice says the rest are suppressed, and
 * a suppressed error still fails the build through a second notice, an
 * error, the first time one is suppressed. */
void cb_plugin_say(cb_plugin *p, cb_severity sev, const char *file, int line, int col, const char *msg)
{
	cb_diags *d = p->h->d;
	if (++p->nmsgs > S_MAX_MESSAGES) {
		bool first = p->nmsgs == S_MAX_MESSAGES + 1;
		if (first || (sev == CB_ERROR && !p->told_error)) {
			p->told_error = p->told_error || sev == CB_ERROR;
			cb_diags_add(d, sev == CB_ERROR ? CB_ERROR : CB_NOTE, p->path, 0, 0, "plugin-limit",
				     "more than %d messages from this plugin: further messages suppressed%s",
				     S_MAX_MESSAGES, sev == CB_ERROR ? ", errors among them" : "");
		}
		return;
	}
	size_t n = strlen(msg), fn = strlen(file);
	if (n <= S_MAX_MESSAGE_BYTES && fn <= 300) {
		cb_diags_add(d, sev, file, line, col, p->name, "%s", msg);
		return;
	}
	size_t cut = n <= S_MAX_MESSAGE_BYTES ? n : S_MAX_MESSAGE_BYTES;
	while (cut > 0 && cut < n && ((unsigned char)msg[cut] & 0xC0) == 0x80)
		cut--;
	cb_diags_add(d, sev, fn <= 300 ? file : p->path, line, col, p->name, "%.*s%s", (int)cut, msg,
		     cut < n ? "…" : "");
}

/* casebook.log / warn / error (message [, document [, line [, column]]]):
 * a diagnostic at the document's position, or at the plugin's own line
 * when no document is given. */
static int S_report(lua_State *L, cb_severity sev)
{
	cb_plugin *p = S_self(L);
	const char *msg = luaL_checkstring(L, 1);
	const char *file = p->path;
	int line = 0, col = 0;
	if (lua_isnoneornil(L, 2)) {
		line = S_plugin_line(L, p);
	} else {
		int idx = cb_plugin_doc_index(L, 2);
		if (idx >= 0) {
			file = p->h->site->docs[idx].path;
		} else if (lua_type(L, 2) == LUA_TSTRING) {
			file = lua_tostring(L, 2);
		} else if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "path") == LUA_TSTRING) {
			file = lua_tostring(L, -1); /* stays on the stack while used */
		} else {
			return luaL_argerror(L, 2, "expected a document or a file path");
		}
		lua_Integer l = luaL_optinteger(L, 3, 0), c = luaL_optinteger(L, 4, 0);
		line = l > 0 && l < INT_MAX ? (int)l : 0;
		col = c > 0 && c < INT_MAX ? (int)c : 0;
	}
	cb_plugin_say(p, sev, file, line, col, msg);
	return 0;
}

static int S_api_log(lua_State *L)
{
	return S_report(L, CB_NOTE);
}
static int S_api_warn(lua_State *L)
{
	return S_report(L, CB_WARNING);
}
static int S_api_error(lua_State *L)
{
	return S_report(L, CB_ERROR);
}

/* print() writes notes, since a plugin has no terminal of its own. */
static int S_api_print(lua_State *L)
{
	cb_plugin *p = S_self(L);
	int n = lua_gettop(L);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	cb_plugin_say(p, CB_NOTE, p->path, S_plugin_line(L, p), 0, lua_tostring(L, -1));
	return 0;
}

static int S_api_slug(lua_State *L)
{
	cb_plugin *p = S_self(L);
	const char *s = luaL_checkstring(L, 1);
	p->pending = cb_slugify(s);
	lua_pushstring(L, p->pending);
	free(p->pending);
	p->pending = NULL;
	return 1;
}

/* casebook.date_label("2024-03-14") is "14 March 2024", as on the pages;
 * anything not a date comes back as it is, nil as "". */
static int S_api_date_label(lua_State *L)
{
	char buf[32];
	lua_pushstring(L, cb_date_label(luaL_optstring(L, 1, NULL), buf));
	return 1;
}

/* casebook.rag_label("blue") is "Blue (complete)", as on the pages; nil or
 * anything not a rating is "Not rated". */
static int S_api_rag_label(lua_State *L)
{
	lua_pushstring(L, cb_rag_label(luaL_optstring(L, 1, NULL)));
	return 1;
}

static int S_api_escape(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': luaL_addstring(&b, "&amp;"); break;
		case '<': luaL_addstring(&b, "&lt;"); break;
		case '>': luaL_addstring(&b, "&gt;"); break;
		case '"': luaL_addstring(&b, "&quot;"); break;
		case '\'': luaL_addstring(&b, "&#39;"); break;
		default: luaL_addchar(&b, s[i]);
		}
	}
	luaL_pushresult(&b);
	return 1;
}

/* casebook.taxonomy(): the themes of taxonomy.yml in file order, each
 * {id, label, description, synonyms, file, line}; empty without one. */
static int S_api_taxonomy(lua_State *L)
{
	const cb_site *s = S_self(L)->h->site;
	size_t n = s->has_taxonomy ? s->tax.n : 0;
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		const cb_theme_def *t = &s->tax.themes[i];
		lua_createtable(L, 0, 6);
		cb_plugin_set_str(L, "id", t->id);
		cb_plugin_set_str(L, "label", t->label);
		cb_plugin_set_str(L, "description", t->description);
		cb_plugin_push_strv(L, &t->synonyms);
		lua_setfield(L, -2, "synonyms");
		cb_plugin_set_str(L, "file", s->cfg.taxonomy_file);
		cb_plugin_set_int(L, "line", t->line);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* casebook.agencies(): every agency (agency.h), the shipped ones then the
 * repository's, each {id, label, synonyms}: the labels the pages show for
 * doc.audience's ids. */
static int S_api_agencies(lua_State *L)
{
	const cb_agencies *a = &S_self(L)->h->site->agencies;
	lua_createtable(L, (int)a->n, 0);
	for (size_t i = 0; i < a->n; i++) {
		lua_createtable(L, 0, 3);
		cb_plugin_set_str(L, "id", a->v[i].id);
		cb_plugin_set_str(L, "label", a->v[i].label);
		cb_plugin_push_strv(L, &a->v[i].synonyms);
		lua_setfield(L, -2, "synonyms");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* casebook.themes_of(text [, heading]): the ids of the taxonomy's themes
 * whose label or synonyms text or heading names, as a learning point's
 * own themes are found (learning.h), in taxonomy order. */
static int S_api_themes_of(lua_State *L)
{
	cb_plugin_host *h = S_self(L)->h;
	const char *text = luaL_checkstring(L, 1);
	const char *heading = luaL_optstring(L, 2, NULL);
	const cb_site *s = h->site;
	lua_newtable(L);
	if (!s->has_taxonomy)
		return 1;
	if (!h->lclass)
		h->lclass = cb_lclass_new(&s->tax, &s->agencies);
	cb_strv hit = CB_STRV_INIT;
	cb_lclass_match(h->lclass, text, heading, (const char *const *)s->tax.ids.v, s->tax.ids.n, &hit);
	lua_Integer n = 0;
	for (size_t i = 0; i < s->tax.n; i++)
		if (cb_strv_contains(&hit, s->tax.themes[i].id)) {
			lua_pushstring(L, s->tax.themes[i].id);
			lua_rawseti(L, -2, ++n);
		}
	cb_strv_free(&hit);
	return 1;
}

/* casebook.glossary(): the terms of glossary.yml, sorted, each {term,
 * expansion, description, file}; empty without one. */
static int S_api_glossary(lua_State *L)
{
	const cb_site *s = S_self(L)->h->site;
	lua_createtable(L, (int)s->glossary.n, 0);
	for (size_t i = 0; i < s->glossary.n; i++) {
		const cb_glossary_term *t = &s->glossary.terms[i];
		lua_createtable(L, 0, 4);
		cb_plugin_set_str(L, "term", t->term);
		cb_plugin_set_str(L, "expansion", t->expansion);
		cb_plugin_set_str(L, "description", t->description);
		cb_plugin_set_str(L, "file", s->cfg.glossary_file);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* casebook.query(text [, limit]): the documents matching a full-text
 * query, best first, each {path, slug, title, url, score} (and doc, the
 * document's table, in a site hook); nil and a message when this build has
 * no search to ask. */
static int S_api_query(lua_State *L)
{
	cb_plugin *p = S_self(L);
	cb_plugin_host *h = p->h;
	const char *q = luaL_checkstring(L, 1);
	lua_Integer limit = luaL_optinteger(L, 2, 10);
	p->memo_bad = true; /* what it answers depends on every document */
	if (limit < 1 || limit > 10000)
		return luaL_argerror(L, 2, "the limit must be from 1 to 10000");
	if (!h->query) {
		lua_pushnil(L);
		lua_pushliteral(L, "full-text search is not available in this build");
		return 2;
	}
	cb_plugin_hit *hits = NULL;
	size_t n = 0;
	char *msg = NULL;
	if (h->query(h->query_ctx, q, (size_t)limit, &hits, &n, &msg) != 0) {
		char buf[512];
		snprintf(buf, sizeof buf, "%s", msg ? msg : "the query could not run");
		free(msg);
		free(hits);
		return luaL_error(L, "casebook.query: %s", buf);
	}
	free(msg);
	p->pending = hits; /* freed after the call even if Lua unwinds */
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		if (hits[i].doc < 0 || (size_t)hits[i].doc >= h->site->ndocs)
			continue;
		const cb_doc *d = &h->site->docs[hits[i].doc];
		lua_createtable(L, 0, 6);
		cb_plugin_set_str(L, "path", d->path);
		cb_plugin_set_str(L, "slug", d->slug);
		cb_plugin_set_str(L, "title", d->meta.title);
		lua_pushfstring(L, "documents/%s.html", d->slug);
		lua_setfield(L, -2, "url");
		lua_pushnumber(L, hits[i].score);
		lua_setfield(L, -2, "score");
		if (p->phase == CB_PLUGIN_SITE) {
			cb_plugin_push_ref(L, p, hits[i].doc);
			lua_setfield(L, -2, "doc");
		}
		lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	}
	free(hits);
	p->pending = NULL;
	return 1;
}

/* Output paths a plugin may add: relative, in lower-case words, ending in
 * .html, and clear of the pages casebook writes itself. */
static const char *S_page_path_problem(const char *path, const cb_site *s)
{
	static const char *const taken[] = {"index.html", "404.html", "search.html"};
	static const char *const dirs[] = {"documents/", "themes/", "assets/", "search/"};
	size_t n = strlen(path);
	if (n < 6 || n > 200 || !cb_str_ends(path, ".html"))
		return "must be a file name ending in .html, such as 'glossary.html'";
	const char *seg = path;
	int depth = 0;
	while (*seg) {
		size_t len = strcspn(seg, "/");
		if (len == 0 || seg[0] == '.' || seg[0] == '-')
			return "must be written as folder/name.html, each part starting with a letter or "
			       "digit";
		for (size_t i = 0; i < len; i++) {
			char c = seg[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			      c == '.'))
				return "may use only lower-case letters, digits, '-', '_', '.' and '/'";
		}
		seg += len;
		if (*seg == '/') {
			seg++;
			if (++depth > 3)
				return "may be at most three folders deep";
		}
	}
	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
		if (strcmp(path, taken[i]) == 0)
			return "is a page casebook writes itself";
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (cb_str_starts(path, dirs[i]))
			return "is in a folder casebook writes itself";
	for (size_t i = 0; i < s->npages; i++)
		if (strcmp(s->pages[i].path, path) == 0)
			return "was already added";
	return NULL;
}

static bool S_template_name(const char *tpl)
{
	for (const char *c = tpl; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

static bool S_theme_has_template(const cb_plugin *p, const char *tpl)
{
	if (!p->h->theme)
		return true;
	char file[128];
	snprintf(file, sizeof file, "templates/%s.mustache", tpl);
	return strlen(tpl) <= 64 && cb_theme_has(p->h->theme, file);
}

bool cb_plugin_page_ok(const cb_plugin *p, const char *path, const char *tpl)
{
	return !S_page_path_problem(path, p->h->site) && S_template_name(tpl) && S_theme_has_template(p, tpl);
}

static const char *S_opt_field(lua_State *L, const char *key, bool required)
{
	int t = lua_getfield(L, 1, key);
	if (t == LUA_TNIL && !required) {
		lua_pop(L, 1);
		return NULL;
	}
	if (t != LUA_TSTRING || lua_rawlen(L, -1) == 0)
		luaL_error(L, "casebook.add_page: '%s' must be text%s", key,
			   required ? " and is required" : "");
	const char *s = lua_tostring(L, -1);
	lua_pop(L, 1); /* still referenced by the argument table */
	return s;
}

/* casebook.add_page{path=, template=, title=, data=, nav=}: a page
 * rendered with the named template, the data every page has, and
 * page.data; nav puts it in the main navigation under that label. */
static int S_api_add_page(lua_State *L)
{
	cb_plugin *p = S_self(L);
	cb_site *s = p->h->site;
	if (p->phase != CB_PLUGIN_SITE)
		return luaL_error(L, "casebook.add_page can only be called from a site hook (p.site)");
	luaL_checktype(L, 1, LUA_TTABLE);
	const char *path = S_opt_field(L, "path", true);
	const char *tpl = S_opt_field(L, "template", true);
	const char *title = S_opt_field(L, "title", true);
	const char *nav = S_opt_field(L, "nav", false);
	const char *problem = S_page_path_problem(path, s);
	if (problem)
		return luaL_error(L, "casebook.add_page: the path '%s' %s", path, problem);
	if (!S_template_name(tpl))
		return luaL_error(L, "casebook.add_page: '%s' is not a template name such as 'glossary'",
				  tpl);
	if (!S_theme_has_template(p, tpl))
		return luaL_error(L, "casebook.add_page: the theme has no template '%s.mustache'", tpl);
	luaL_checkstack(L, 3 * CB_PLUGIN_MAX_DEPTH + 10, "no room to read the page's data");
	lua_getfield(L, 1, "data");
	char err[512];
	cb_vpack_writer *w = &p->h->w;
	cb_vpack_writer_reset(w, NULL);
	if (lua_isnil(L, -1))
		cb_vpack_map(w, 0);
	else if (!cb_plugin_pack(L, -1, w, err, sizeof err))
		return luaL_error(L, "casebook.add_page: data: %s", err);
	cb_vpack *data = cb_vpack_finish(w, 0);
	cb_vpack_reader r;
	cb_vpack_item top;
	cb_vpack_reader_init(&r, data);
	if (!cb_vpack_read(&r, &top) || top.type != CB_V_MAP) {
		free(data);
		return luaL_error(L, "casebook.add_page: data must be a table of named fields");
	}
	s->pages = cb_xrealloc(s->pages, (s->npages + 1) * sizeof *s->pages);
	cb_page *pg = &s->pages[s->npages++];
	pg->path = cb_xstrdup(path);
	pg->tpl = cb_xstrdup(tpl);
	pg->title = cb_xstrdup(title);
	pg->nav = nav ? cb_xstrdup(nav) : NULL;
	pg->data = data;
	return 0;
}

/*
 * casebook.matcher(phrases [, case_sensitive]): finds which of many
 * phrases a text mentions, in one pass over the text, as whole words
 * ("did not attend" matches "Did not  attend," but not "did not attendance"),
 * any run of spaces or punctuation matching the space between two words.
 * Looking each phrase up with string.find instead would read every text
 * once per phrase. Letters are compared without case unless asked.
 */
typedef struct S_matcher {
	uint32_t n, nslots;
	bool cs;
	/* followed by: uint32_t slot[nslots] (first phrase + 1, 0 = none),
	 * uint32_t next[n], uint32_t hash[n], uint32_t off[n], uint32_t len[n],
	 * then the normalised phrases */
} S_matcher;

#define S_MATCHER "casebook.matcher"

static bool S_wordc(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static unsigned char S_fold(unsigned char c, bool cs)
{
	return !cs && c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* FNV-1a of a word's folded bytes. */
static uint32_t S_word_hash(const unsigned char *w, size_t n, bool cs)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= S_fold(w[i], cs);
		h *= 16777619u;
	}
	return h;
}

static int S_api_matcher(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	bool cs = lua_toboolean(L, 2);
	size_t n = lua_rawlen(L, 1), text = 0;
	if (n > 1000000)
		return luaL_error(L, "casebook.matcher: too many phrases");
	for (size_t i = 1; i <= n; i++) {
		if (lua_rawgeti(L, 1, (lua_Integer)i) != LUA_TSTRING)
			return luaL_error(L, "casebook.matcher: phrase %d is not text", (int)i);
		text += lua_rawlen(L, -1) + 1;
		lua_pop(L, 1);
	}
	uint32_t nslots = 16;
	while (nslots < 2 * n)
		nslots *= 2;
	size_t words = (size_t)nslots + 4 * n;
	S_matcher *m = lua_newuserdatauv(L, sizeof *m + words * sizeof(uint32_t) + text, 1);
	m->n = (uint32_t)n;
	m->nslots = nslots;
	m->cs = cs;
	uint32_t *slot = (uint32_t *)(m + 1), *next = slot + nslots, *hash = next + n, *off = hash + n,
		 *len = off + n;
	unsigned char *buf = (unsigned char *)(len + n);
	memset(slot, 0, nslots * sizeof *slot);
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, 1, (lua_Integer)i + 1);
		size_t sl;
		const unsigned char *ph = (const unsigned char *)lua_tolstring(L, -1, &sl);
		/* Normalised: folded words, one space between them. */
		off[i] = (uint32_t)at;
		size_t first_end = 0;
		for (size_t k = 0; k < sl;) {
			while (k < sl && !S_wordc(ph[k]))
				k++;
			if (k == sl)
				break;
			if (at > off[i])
				buf[at++] = ' ';
			while (k < sl && S_wordc(ph[k]))
				buf[at++] = S_fold(ph[k++], cs);
			if (!first_end)
				first_end = at;
		}
		len[i] = (uint32_t)(at - off[i]);
		lua_pop(L, 1);
		next[i] = 0;
		if (!len[i])
			continue; /* no words: never matches */
		hash[i] = S_word_hash(buf + off[i], first_end - off[i], true);
		uint32_t *s = &slot[hash[i] & (nslots - 1)];
		next[i] = *s;
		*s = (uint32_t)i + 1;
	}
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1); /* the phrases as given, for results */
	luaL_setmetatable(L, S_MATCHER);
	return 1;
}

/* matcher:count(text): {[phrase] = how many times it occurs}, only for
 * the phrases that occur. */
static int S_matcher_count(lua_State *L)
{
	S_matcher *m = luaL_checkudata(L, 1, S_MATCHER);
	size_t tl;
	const unsigned char *t = (const unsigned char *)luaL_checklstring(L, 2, &tl);
	uint32_t n = m->n, *slot = (uint32_t *)(m + 1), *next = slot + m->nslots, *hash = next + n,
		 *off = hash + n, *len = off + n;
	const unsigned char *buf = (const unsigned char *)(len + n);
	lua_newtable(L);
	int res = lua_gettop(L);
	lua_getiuservalue(L, 1, 1);
	int phrases = res + 1;
	for (size_t i = 0; i < tl;) {
		while (i < tl && !S_wordc(t[i]))
			i++;
		size_t ws = i;
		while (i < tl && S_wordc(t[i]))
			i++;
		if (i == ws)
			break;
		/* The longest phrase starting here; the text after it is read
		 * next, so "risk assessment" does not count "assessment" too. */
		uint32_t hsh = S_word_hash(t + ws, i - ws, m->cs);
		size_t best_end = 0;
		uint32_t best = 0;
		for (uint32_t k = slot[hsh & (m->nslots - 1)]; k; k = next[k - 1]) {
			uint32_t p = k - 1;
			if (hash[p] != hsh)
				continue;
			const unsigned char *ph = buf + off[p];
			size_t j = 0, x = ws;
			bool ok = true;
			while (ok && j < len[p]) {
				if (ph[j] == ' ') {
					ok = x < tl && !S_wordc(t[x]);
					while (x < tl && !S_wordc(t[x]))
						x++;
					j++;
				} else {
					ok = x < tl && S_fold(t[x], m->cs) == ph[j];
					x++;
					j++;
				}
			}
			if (!ok || (x < tl && S_wordc(t[x])) || x <= best_end)
				continue;
			best_end = x;
			best = k;
		}
		if (!best)
			continue;
		i = best_end;
		lua_rawgeti(L, phrases, (lua_Integer)best);
		lua_pushvalue(L, -1);
		lua_rawget(L, res);
		lua_Integer c = lua_tointeger(L, -1);
		lua_pop(L, 1);
		lua_pushinteger(L, c + 1);
		lua_rawset(L, res);
	}
	lua_settop(L, res);
	return 1;
}

/* ---- the sandbox ---- */

/* load() for text chunks only: compiled chunks could break the VM. */
static int S_safe_load(lua_State *L)
{
	int n = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 1);
	if (n >= 2)
		lua_pushvalue(L, 2);
	else
		lua_pushnil(L);
	lua_pushliteral(L, "t");
	int nargs = 3;
	if (n >= 4) {
		lua_pushvalue(L, 4);
		nargs = 4;
	}
	lua_call(L, nargs, LUA_MULTRET);
	return lua_gettop(L) - n;
}

/* Runs in protected mode: the libraries, pruned, and the casebook table. */
static int S_open_step(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
					{LUA_TABLIBNAME, luaopen_table},
					{LUA_STRLIBNAME, luaopen_string},
					{LUA_MATHLIBNAME, luaopen_math},
					{LUA_UTF8LIBNAME, luaopen_utf8},
					{LUA_COLIBNAME, luaopen_coroutine},
					{NULL, NULL}};
	for (const luaL_Reg *l = libs; l->name; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	/* The same numbers from math.random in every build, so a plugin that
	 * uses it cannot make two builds of one commit differ. */
	lua_getglobal(L, "math");
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, 20240101);
	lua_call(L, 1, 0);
	lua_pop(L, 1);
	/* os: the clock and dates only. */
	luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
	lua_createtable(L, 0, 3);
	static const char *const os_keep[] = {"clock", "date", "time"};
	for (size_t i = 0; i < 3; i++) {
		lua_getfield(L, -2, os_keep[i]);
		lua_setfield(L, -2, os_keep[i]);
	}
	lua_setglobal(L, "os");
	lua_pop(L, 1);
	/* Nothing that reads files, loads compiled code or reaches C modules
	 * (package and debug are never opened). */
	static const char *const drop[] = {"dofile", "loadfile", "require", "collectgarbage", "warn"};
	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++) {
		lua_pushnil(L);
		lua_setglobal(L, drop[i]);
	}
	lua_getglobal(L, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_getglobal(L, "load");
	lua_pushcclosure(L, S_safe_load, 1);
	lua_setglobal(L, "load");

	luaL_newmetatable(L, S_MATCHER);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, S_matcher_count);
	lua_setfield(L, -2, "count");
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);

	/* The shadow tables' metatable, shared by every document. */
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, cb_plugin_doc_field);
	lua_setfield(L, -2, "__index");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &cb_plugin_doc_key);

	static const luaL_Reg api[] = {{"log", S_api_log},
				       {"warn", S_api_warn},
				       {"error", S_api_error},
				       {"slug", S_api_slug},
				       {"date_label", S_api_date_label},
				       {"rag_label", S_api_rag_label},
				       {"escape", S_api_escape},
				       {"taxonomy", S_api_taxonomy},
				       {"agencies", S_api_agencies},
				       {"themes_of", S_api_themes_of},
				       {"glossary", S_api_glossary},
				       {"query", S_api_query},
				       {"add_page", S_api_add_page},
				       {"matcher", S_api_matcher},
				       {NULL, NULL}};
	lua_newtable(L);
	lua_pushlightuserdata(L, p);
	luaL_setfuncs(L, api, 1);
	const cb_site *s = p->h->site;
	cb_plugin_set_str(L, "name", p->name);
	cb_plugin_memo_dated(L);
	cb_plugin_set_str(L, "audience", cb_visibility_name(s->audience));
	lua_setglobal(L, "casebook");
	lua_pushlightuserdata(L, p);
	lua_pushcclosure(L, S_api_print, 1);
	lua_setglobal(L, "print");
	return 0;
}

/* ---- loading and running ---- */

typedef struct S_chunk {
	const char *src;
	size_t len;
	const cb_plugin_conf *conf; /* may be NULL */
} S_chunk;

/* A name one letter away from a hook's, or the same in other capitals. */
static bool S_near(const char *k, const char *want)
{
	return strcmp(k, want) != 0 && (cb_str_ieq(k, want) || cb_edit_distance(k, want, 1) <= 1);
}

/* Runs the plugin's chunk and keeps its hooks. */
static int S_init_step(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	const S_chunk *c = p->chunk;
	lua_getglobal(L, "casebook");
	if (c->conf)
		cb_plugin_push_value(L, p, c->conf->options);
	else
		lua_newtable(L);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
	lua_setfield(L, -2, "options");
	lua_pop(L, 1);
	char *chunkname = cb_xasprintf("@%s", p->path);
	int rc = luaL_loadbufferx(L, c->src, c->len, chunkname, "t");
	free(chunkname);
	if (rc != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	if (!lua_istable(L, -1))
		return luaL_error(
		    L,
		    "%s:%d: the plugin must end with 'return p', a table of hooks such as p.document "
		    "and p.site, but it returned %s",
		    p->path, 1, luaL_typename(L, -1));
	static const char *const hooks[] = {"document", "site"};
	int *refs[] = {&p->ref_document, &p->ref_site};
	for (size_t i = 0; i < 2; i++) {
		int t = lua_getfield(L, -1, hooks[i]);
		if (t == LUA_TFUNCTION) {
			*refs[i] = luaL_ref(L, LUA_REGISTRYINDEX);
		} else {
			lua_pop(L, 1);
			if (t != LUA_TNIL)
				return luaL_error(L, "%s:1: p.%s must be a function, not a %s", p->path,
						  hooks[i], lua_typename(L, t));
		}
	}
	/* A misspelt hook would silently never run. */
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TFUNCTION) {
			const char *k = lua_tostring(L, -2);
			for (size_t i = 0; i < 2; i++)
				if (strcmp(k, "document") != 0 && strcmp(k, "site") != 0 &&
				    S_near(k, hooks[i]))
					cb_diags_add(p->h->d, CB_WARNING, p->path, 0, 0, "plugin",
						     "the hook '%s' is never called; did you mean '%s'?", k,
						     hooks[i]);
		}
		lua_pop(L, 1);
	}
	cb_plugin_options_check(L, p, -1, c->conf);
	return 0;
}

/* One document through the plugin's document hook. */
static int S_document_step(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	int idx = (int)lua_tointeger(L, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref_document);
	cb_plugin_push_doc(L, p, idx);
	lua_pushvalue(L, -1);
	lua_insert(L, -3); /* keep the table below the call */
	lua_call(L, 1, 0);
	cb_plugin_readback(L, p, -1);
	return 0;
}

/* The site table: every document, in site order; by path; the themes. */
static int S_site_step(lua_State *L)
{
	cb_plugin *p = cb_plugin_of(L);
	const cb_site *s = p->h->site;
	lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref_site);
	lua_createtable(L, 0, 10); /* site */
	cb_plugin_set_str(L, "title", s->cfg.title);
	cb_plugin_set_str(L, "description", s->cfg.description);
	cb_plugin_set_str(L, "language", s->cfg.language);
	cb_plugin_memo_dated(L);
	cb_plugin_set_str(L, "audience", cb_visibility_name(s->audience));
	lua_createtable(L, (int)s->ndocs, 0); /* the host's own list */
	lua_createtable(L, (int)s->ndocs, 0); /* site.documents */
	lua_createtable(L, 0, (int)s->ndocs); /* site.by_path */
	for (size_t i = 0; i < s->ndocs; i++) {
		cb_plugin_push_doc(L, p, (int)i);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -5, (lua_Integer)i + 1);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -4, (lua_Integer)i + 1);
		lua_setfield(L, -2, s->docs[i].path);
	}
	lua_setfield(L, -4, "by_path");
	lua_setfield(L, -3, "documents");
	lua_pushvalue(L, -1);
	p->ref_docs = luaL_ref(L, LUA_REGISTRYINDEX);
	int all = lua_gettop(L);
	lua_createtable(L, (int)s->nthemes, 0);
	for (size_t i = 0; i < s->nthemes; i++) {
		const cb_theme_group *tg = &s->themes[i];
		lua_createtable(L, 0, 5);
		cb_plugin_set_str(L, "id", tg->id);
		cb_plugin_set_str(L, "label", tg->label);
		cb_plugin_set_str(L, "description", tg->description);
		if (tg->synonyms)
			cb_plugin_push_strv(L, tg->synonyms);
		else
			lua_newtable(L);
		lua_setfield(L, -2, "synonyms");
		lua_pushfstring(L, "themes/%s.html", tg->id);
		lua_setfield(L, -2, "url");
		lua_createtable(L, (int)tg->ndocs, 0);
		for (size_t k = 0; k < tg->ndocs; k++) {
			lua_rawgeti(L, all, tg->docs[k] + 1);
			lua_rawseti(L, -2, (lua_Integer)k + 1);
		}
		lua_setfield(L, -2, "documents");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, all - 1, "themes");
	lua_pop(L, 1);	   /* the host's list stays in the registry */
	lua_call(L, 1, 0); /* hook(site) */
	lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref_docs);
	for (size_t i = 0; i < s->ndocs; i++) {
		lua_rawgeti(L, -1, (lua_Integer)i + 1);
		cb_plugin_readback(L, p, -1);
		lua_pop(L, 1);
	}
	return 0;
}

cb_plugin_host *cb_plugin_host_new(cb_site *site, const cb_plugin_limits *limits, const cb_theme *theme)
{
	cb_plugin_host *h = cb_xcalloc(1, sizeof *h);
	h->site = site;
	h->lim.instructions =
	    limits && limits->instructions > 0 ? limits->instructions : CB_PLUGIN_INSTRUCTIONS;
	h->lim.memory = limits && limits->memory > 0 ? limits->memory : (size_t)CB_PLUGIN_MEMORY_MB << 20;
	h->theme = theme;
	return h;
}

void cb_plugin_set_query(cb_plugin_host *h, cb_plugin_query_fn fn, void *ctx)
{
	h->query = fn;
	h->query_ctx = ctx;
}

void cb_plugin_set_watch(cb_plugin_host *h, cb_plugin_watch_fn fn, void *ctx)
{
	h->watch = fn;
	h->watch_ctx = ctx;
}

unsigned cb_plugin_host_touched(const cb_plugin_host *h, size_t doc)
{
	return h->touched && doc < h->site->ndocs ? h->touched[doc] : 0;
}

/* Closes the plugin's Lua state once its hooks have run. */
static void S_plugin_close(cb_plugin *p)
{
	if (!p->L)
		return;
	/* Finalizers a plugin set run while the state closes: give them a
	 * small budget of their own. Lua turns hooks off while a finalizer
	 * runs, so only the stage's clock stops one that never ends: this is
	 * the plugin's time too. */
	bool started = S_start(p);
	p->used = 0;
	p->budget = 10000000;
	p->mem_out = false;
	lua_sethook(p->L, S_count, LUA_MASKCOUNT, S_STEP);
	lua_close(p->L);
	p->L = NULL;
	cb_pool_free(p->pool);
	p->pool = NULL;
	S_stop(p, started);
}

static void S_plugin_free(cb_plugin *p)
{
	if (!p)
		return;
	S_plugin_close(p);
	cb_plugin_memo_close(p);
	cb_pool_free(p->pool);
	free(p->name);
	free(p->path);
	free(p->note);
	free(p);
}

int cb_plugin_host_add(cb_plugin_host *h, const char *name, const char *path, const char *note,
		       const char *src, size_t len, const cb_plugin_conf *conf, cb_diags *d)
{
	double t0 = S_now();
	cb_plugin *p = cb_xcalloc(1, sizeof *p);
	p->h = h;
	p->name = cb_xstrdup(name);
	p->path = cb_xstrdup(path);
	p->note = note ? cb_xstrdup(note) : NULL;
	p->mem_max = h->lim.memory;
	p->budget = h->lim.instructions;
	p->ref_document = p->ref_site = p->ref_docs = LUA_NOREF;
	p->phase = CB_PLUGIN_LOADING;
	h->v = cb_xrealloc(h->v, (h->n + 1) * sizeof *h->v);
	h->v[h->n++] = p;
	h->d = d;
	p->pool = cb_pool_new();
	p->L = lua_newstate(S_alloc, p);
	if (!p->L) {
		cb_diags_add(d, CB_ERROR, p->path, 0, 0, "plugin",
			     "cannot start Lua for this plugin (out of memory)");
		return -1;
	}
	cb_plugin_memo_source(p, src, len);
	S_chunk c = {src, len, conf};
	bool started = S_start(p);
	int rc = S_pcall(p, S_open_step, 0, d);
	if (rc == 0) {
		p->chunk = &c;
		rc = S_pcall(p, S_init_step, 0, d);
		p->chunk = NULL;
	}
	S_stop(p, started);
	p->seconds += S_now() - t0;
	return rc;
}

int cb_plugin_host_run(cb_plugin_host *h, cb_diags *d)
{
	cb_site *s = h->site;
	h->d = d;
	h->themes_changed = false;
	for (size_t i = 0; i < h->n; i++) {
		cb_plugin *p = h->v[i];
		if (p->ref_document == LUA_NOREF)
			continue;
		double t0 = S_now();
		p->phase = CB_PLUGIN_DOCUMENT;
		int rc = 0;
		bool started = S_start(p);
		cb_plugin_memo_start(p);
		for (size_t k = 0; k < s->ndocs && rc == 0; k++) {
			if (cb_plugin_memo_replay(p, (int)k))
				continue;
			snprintf(p->what, sizeof p->what, "in the document hook, for %s", s->docs[k].path);
			size_t n0 = d->n;
			cb_plugin_memo_begin(p, (int)k);
			rc = S_pcall(p, S_document_step, (lua_Integer)k, d);
			cb_plugin_memo_end(p, (int)k, rc, n0);
		}
		S_stop(p, started);
		p->what[0] = '\0';
		p->seconds += S_now() - t0;
		if (rc != 0)
			return -1;
	}
	/* A plugin that has no site hook is done: its memory goes back now. */
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i]->ref_site == LUA_NOREF) {
			double t0 = S_now();
			S_plugin_close(h->v[i]);
			h->v[i]->seconds += S_now() - t0;
		}
	}
	/* Points are on their document's themes as the document hooks left
	 * them (the taxonomy plugin may add some). */
	if (h->themes_changed)
		cb_site_classify_points(s);
	h->themes_changed = false;
	for (size_t i = 0; i < h->n; i++) {
		cb_plugin *p = h->v[i];
		if (p->ref_site == LUA_NOREF)
			continue;
		double t0 = S_now();
		p->phase = CB_PLUGIN_SITE;
		snprintf(p->what, sizeof p->what, "in the site hook");
		bool started = S_start(p);
		int rc = 0;
		if (!cb_plugin_memo_site_replay(p)) {
			size_t n0 = d->n, npages0 = s->npages;
			cb_plugin_memo_site_begin(p);
			rc = S_pcall(p, S_site_step, 0, d);
			cb_plugin_memo_site_end(p, rc, n0, npages0);
		}
		p->what[0] = '\0';
		if (p->ref_docs != LUA_NOREF) {
			luaL_unref(p->L, LUA_REGISTRYINDEX, p->ref_docs);
			p->ref_docs = LUA_NOREF;
		}
		p->phase = CB_PLUGIN_LOADING;
		S_plugin_close(p);
		S_stop(p, started);
		/* Another plugin's site hook must see these themes. */
		if (h->themes_changed) {
			cb_site_group_themes(s);
			h->themes_changed = false;
		}
		p->seconds += S_now() - t0;
		if (rc != 0)
			return -1;
	}
	return 0;
}

size_t cb_plugin_host_count(const cb_plugin_host *h)
{
	return h->n;
}
const char *cb_plugin_host_name(const cb_plugin_host *h, size_t i)
{
	return h->v[i]->name;
}
double cb_plugin_host_seconds(const cb_plugin_host *h, size_t i)
{
	return h->v[i]->seconds;
}

void cb_plugin_host_free(cb_plugin_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		S_plugin_free(h->v[i]);
	free(h->v);
	free(h->touched);
	cb_lclass_free(h->lclass);
	cb_vpack_writer_free(&h->w);
	free(h);
}
