/*
 * plugin_options: a plugin's declared options (p.options) held against
 * what casebook.yml gives it. Part of the plugin host (plugin_host.h).
 *
 * A declaration is p.options = {NAME = {type = T, default = V, doc = "..."}}
 * with T one of the types below. For a plugin that declares its options,
 * an option casebook.yml gives that is not declared, or is not of its
 * type, is a warning at the option's place in casebook.yml (with "did you
 * mean" for a near name); a mistyped option then takes its default, and
 * every declared option not given takes its default. A plugin that
 * declares none gets its options as written, unchecked.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plugin_host.h"
#include "util.h"

static const char *const S_types[] = {"boolean", "integer", "number", "string", "list", "table"};
enum { S_NTYPES = sizeof S_types / sizeof S_types[0] };

/* How a value of each type is described in a message. */
static const char *const S_type_words[] = {"true or false", "a whole number", "a number",
					   "text",	    "a list",	      "a table of settings"};

static int S_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int S_type_of(const char *name)
{
	for (int i = 0; i < S_NTYPES; i++)
		if (strcmp(name, S_types[i]) == 0)
			return i;
	return -1;
}

/* Whether the Lua value at i is of type t (an index in S_types). */
static bool S_is_type(lua_State *L, int i, int t)
{
	switch (t) {
	case 0: return lua_type(L, i) == LUA_TBOOLEAN;
	case 1:
		if (lua_isinteger(L, i))
			return true;
		if (lua_type(L, i) == LUA_TNUMBER) {
			double n = lua_tonumber(L, i);
			return n == floor(n) && fabs(n) < 9e15;
		}
		return false;
	case 2: return lua_type(L, i) == LUA_TNUMBER;
	case 3: return lua_type(L, i) == LUA_TSTRING;
	case 4:
		if (lua_type(L, i) != LUA_TTABLE)
			return false;
		/* A list: its keys are 1..n, or it is empty. */
		{
			size_t n = lua_rawlen(L, i), count = 0;
			lua_pushnil(L);
			while (lua_next(L, i)) {
				count++;
				lua_pop(L, 1);
			}
			return count == n;
		}
	default: return lua_type(L, i) == LUA_TTABLE;
	}
}

/* Where casebook.yml writes option name of conf (its plugin's entry when
 * not found). */
static void S_place(const cb_plugin_conf *conf, const char *name, int *line, int *col)
{
	*line = conf ? conf->line : 0;
	*col = conf ? conf->col : 0;
	for (size_t i = 0; conf && i < conf->option_names.n; i++)
		if (strcmp(conf->option_names.v[i], name) == 0) {
			*line = conf->option_lines[i];
			*col = conf->option_cols[i];
		}
}

/* Reads the declarations at decl (p.options) into names and types, sorted
 * by name; raises an error for a malformed one. */
static void S_read_decls(lua_State *L, cb_plugin *p, int decl, cb_strv *names)
{
	lua_pushnil(L);
	while (lua_next(L, decl)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TTABLE) {
			cb_strv_free(names);
			luaL_error(
			    L,
			    "%s:1: each entry of p.options should be NAME = {type = \"integer\", default "
			    "= 5, doc = \"...\"}",
			    p->path);
		}
		const char *name = lua_tostring(L, -2);
		lua_getfield(L, -1, "type");
		const char *t = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
		int type = S_type_of(t);
		lua_pop(L, 1);
		if (type < 0) {
			char *msg = cb_xasprintf("%s:1: p.options.%s.type is '%s'; use boolean, integer, "
						 "number, string, list or table",
						 p->path, name, t);
			cb_strv_free(names);
			lua_pushstring(L, msg);
			free(msg);
			lua_error(L);
		}
		lua_getfield(L, -1, "default");
		bool bad_default = !lua_isnil(L, -1) && !S_is_type(L, lua_gettop(L), type);
		lua_pop(L, 1);
		if (bad_default) {
			char *msg = cb_xasprintf("%s:1: the default of p.options.%s is not %s", p->path, name,
						 S_type_words[type]);
			cb_strv_free(names);
			lua_pushstring(L, msg);
			free(msg);
			lua_error(L);
		}
		cb_strv_push(names, name);
		lua_pop(L, 1);
	}
	if (names->n > 1)
		qsort(names->v, names->n, sizeof *names->v, S_cmp);
}

/* One given option (its value at the top of the stack; opts the options
 * table, decl p.options): a warning when it is undeclared or mistyped,
 * and a mistyped one replaced by its default. */
static void S_check_one(lua_State *L, cb_plugin *p, const cb_plugin_conf *conf, int opts, int decl,
			const cb_strv *names, const char *name)
{
	int line, col;
	S_place(conf, name, &line, &col);
	if (lua_getfield(L, decl, name) != LUA_TTABLE) {
		lua_pop(L, 1);
		const char *sug = cb_did_you_mean(name, (const char *const *)names->v, names->n);
		cb_buf list = CB_BUF_INIT;
		for (size_t k = 0; k < names->n; k++)
			cb_buf_printf(&list, "%s%s", k ? ", " : "", names->v[k]);
		if (sug)
			cb_diags_add(p->h->d, CB_WARNING, "casebook.yml", line, col, "unknown-option",
				     "plugin '%s' has no option '%s', so it is ignored; did you mean '%s'?",
				     p->name, name, sug);
		else
			cb_diags_add(p->h->d, CB_WARNING, "casebook.yml", line, col, "unknown-option",
				     "plugin '%s' has no option '%s', so it is ignored; its options are %s",
				     p->name, name, list.data ? list.data : "none");
		cb_buf_free(&list);
		return;
	}
	lua_getfield(L, -1, "type");
	int type = S_type_of(lua_tostring(L, -1));
	lua_pop(L, 1);
	lua_getfield(L, opts, name);
	bool ok = S_is_type(L, lua_gettop(L), type);
	if (!ok) {
		/* What was written: a value as text, a list or map by its kind. */
		int vt = lua_type(L, -1);
		const char *given = vt == LUA_TTABLE ? "a list or settings" : vt == LUA_TNIL ? "empty" : NULL;
		if (!given) {
			luaL_tolstring(L, -1, NULL);
			lua_replace(L, -2); /* the text in place of the value */
			given = lua_tostring(L, -1);
		}
		lua_getfield(L, -2, "default");
		if (lua_isnil(L, -1))
			lua_pushliteral(L, "unset");
		else
			luaL_tolstring(L, -1, NULL); /* pushes it as text */
		cb_diags_add(p->h->d, CB_WARNING, "casebook.yml", line, col, "option-type",
			     "option '%s' of plugin '%s' should be %s, not '%s'; it is left at its default "
			     "(%s)",
			     name, p->name, S_type_words[type], given, lua_tostring(L, -1));
		lua_pop(L, 1);
		lua_setfield(L, opts, name); /* the default, or nil */
		lua_pop(L, 2);
		return;
	}
	lua_pop(L, 2);
}

void cb_plugin_options_check(lua_State *L, cb_plugin *p, int pt, const cb_plugin_conf *conf)
{
	pt = lua_absindex(L, pt);
	if (lua_getfield(L, pt, "options") != LUA_TTABLE) {
		bool none = lua_isnil(L, -1);
		lua_pop(L, 1);
		if (!none)
			luaL_error(L, "%s:1: p.options should be a table of option declarations", p->path);
		return; /* nothing declared: options unchecked */
	}
	int decl = lua_gettop(L);
	lua_getglobal(L, "casebook");
	lua_getfield(L, -1, "options");
	int opts = lua_gettop(L);
	cb_strv names = CB_STRV_INIT;
	S_read_decls(L, p, decl, &names);
	/* casebook.yml's options in its order, so that warnings are too. */
	const cb_value *given = conf ? conf->options : NULL;
	for (size_t i = 0; given && i < given->u.map.n; i++)
		S_check_one(L, p, conf, opts, decl, &names, given->u.map.keys[i]);
	for (size_t i = 0; i < names.n; i++) {
		lua_getfield(L, opts, names.v[i]);
		bool missing = lua_isnil(L, -1);
		lua_pop(L, 1);
		if (!missing)
			continue;
		lua_getfield(L, decl, names.v[i]);
		lua_getfield(L, -1, "default");
		lua_setfield(L, opts, names.v[i]);
		lua_pop(L, 1);
	}
	cb_strv_free(&names);
	lua_settop(L, decl - 1);
}
