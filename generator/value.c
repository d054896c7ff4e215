/* value: see value.h. */
#include "value.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static cb_value *S_new(cb_vtype t)
{
	cb_value *v = cb_xcalloc(1, sizeof *v);
	v->type = t;
	return v;
}

cb_value *cb_value_null(void) { return S_new(CB_V_NULL); }

cb_value *cb_value_bool(bool b)
{
	cb_value *v = S_new(CB_V_BOOL);
	v->u.b = b;
	return v;
}

cb_value *cb_value_num(double n)
{
	cb_value *v = S_new(CB_V_NUM);
	v->u.num = n;
	return v;
}

cb_value *cb_value_strn(const char *s, size_t n)
{
	cb_value *v = S_new(CB_V_STR);
	v->u.str.s = cb_xstrndup(s ? s : "", s ? n : 0);
	v->u.str.len = s ? n : 0;
	return v;
}

cb_value *cb_value_str(const char *s)
{
	return cb_value_strn(s, s ? strlen(s) : 0);
}

cb_value *cb_value_str_own(char *s)
{
	cb_value *v = S_new(CB_V_STR);
	v->u.str.s = s ? s : cb_xstrdup("");
	v->u.str.len = strlen(v->u.str.s);
	return v;
}

cb_value *cb_value_list(void) { return S_new(CB_V_LIST); }
cb_value *cb_value_map(void) { return S_new(CB_V_MAP); }

void cb_value_free(cb_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case CB_V_STR:
		free(v->u.str.s);
		break;
	case CB_V_LIST:
		for (size_t i = 0; i < v->u.list.n; i++)
			cb_value_free(v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case CB_V_MAP:
		for (size_t i = 0; i < v->u.map.n; i++) {
			free(v->u.map.keys[i]);
			cb_value_free(v->u.map.vals[i]);
		}
		free(v->u.map.keys);
		free(v->u.map.vals);
		break;
	default:
		break;
	}
	free(v);
}

cb_value *cb_list_push(cb_value *list, cb_value *item)
{
	if (list->u.list.n == list->u.list.cap) {
		list->u.list.cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		list->u.list.items = cb_xrealloc(list->u.list.items, list->u.list.cap * sizeof(cb_value *));
	}
	list->u.list.items[list->u.list.n++] = item;
	return item;
}

cb_value *cb_map_set(cb_value *map, const char *key, cb_value *v)
{
	for (size_t i = 0; i < map->u.map.n; i++) {
		if (strcmp(map->u.map.keys[i], key) == 0) {
			cb_value_free(map->u.map.vals[i]);
			map->u.map.vals[i] = v;
			return v;
		}
	}
	if (map->u.map.n == map->u.map.cap) {
		map->u.map.cap = map->u.map.cap ? map->u.map.cap * 2 : 8;
		map->u.map.keys = cb_xrealloc(map->u.map.keys, map->u.map.cap * sizeof(char *));
		map->u.map.vals = cb_xrealloc(map->u.map.vals, map->u.map.cap * sizeof(cb_value *));
	}
	map->u.map.keys[map->u.map.n] = cb_xstrdup(key);
	map->u.map.vals[map->u.map.n++] = v;
	return v;
}

void cb_map_set_str(cb_value *map, const char *key, const char *s) { cb_map_set(map, key, cb_value_str(s)); }
void cb_map_set_bool(cb_value *map, const char *key, bool b) { cb_map_set(map, key, cb_value_bool(b)); }
void cb_map_set_num(cb_value *map, const char *key, double n) { cb_map_set(map, key, cb_value_num(n)); }

cb_value *cb_map_lookup(const cb_value *map, const char *key)
{
	if (!map || map->type != CB_V_MAP)
		return NULL;
	for (size_t i = 0; i < map->u.map.n; i++)
		if (strcmp(map->u.map.keys[i], key) == 0)
			return map->u.map.vals[i];
	return NULL;
}

size_t cb_value_len(const cb_value *v)
{
	if (!v)
		return 0;
	if (v->type == CB_V_LIST)
		return v->u.list.n;
	if (v->type == CB_V_MAP)
		return v->u.map.n;
	return 0;
}

cb_value *cb_list_at(const cb_value *list, size_t i)
{
	if (!list || list->type != CB_V_LIST || i >= list->u.list.n)
		return NULL;
	return list->u.list.items[i];
}

bool cb_value_truthy(const cb_value *v)
{
	if (!v)
		return false;
	switch (v->type) {
	case CB_V_NULL: return false;
	case CB_V_BOOL: return v->u.b;
	case CB_V_NUM: return v->u.num != 0;
	case CB_V_STR: return v->u.str.len > 0;
	case CB_V_LIST: return v->u.list.n > 0;
	case CB_V_MAP: return true;
	}
	return false;
}

cb_value *cb_value_copy(const cb_value *v)
{
	if (!v)
		return NULL;
	switch (v->type) {
	case CB_V_NULL: return cb_value_null();
	case CB_V_BOOL: return cb_value_bool(v->u.b);
	case CB_V_NUM: return cb_value_num(v->u.num);
	case CB_V_STR: return cb_value_strn(v->u.str.s, v->u.str.len);
	case CB_V_LIST: {
		cb_value *l = cb_value_list();
		for (size_t i = 0; i < v->u.list.n; i++)
			cb_list_push(l, cb_value_copy(v->u.list.items[i]));
		return l;
	}
	case CB_V_MAP: {
		cb_value *m = cb_value_map();
		for (size_t i = 0; i < v->u.map.n; i++)
			cb_map_set(m, v->u.map.keys[i], cb_value_copy(v->u.map.vals[i]));
		return m;
	}
	}
	return NULL;
}
