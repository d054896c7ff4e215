/*
 * value: a small tree of data (null, booleans, numbers, strings, lists and
 * maps) — the context that Mustache templates are rendered against, and the
 * shape plugins will exchange with the site model.
 *
 * Ownership: every constructor returns an owned value; adding a value to a
 * list or map hands it to that container; freeing a container frees
 * everything in it. Maps keep their keys in insertion order.
 */
#ifndef CB_VALUE_H
#define CB_VALUE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { CB_V_NULL, CB_V_BOOL, CB_V_NUM, CB_V_STR, CB_V_LIST, CB_V_MAP } cb_vtype;

typedef struct cb_value cb_value;
struct cb_value {
	cb_vtype type;
	bool in_arena; /* made while an arena was in use (see below) */
	union {
		bool b;
		double num;
		struct {
			char *s;
			size_t len;
		} str;
		struct {
			cb_value **items;
			size_t n;
			size_t cap;
		} list;
		struct {
			char **keys;
			cb_value **vals;
			size_t n;
			size_t cap;
		} map;
	} u;
};

cb_value *cb_value_null(void);
cb_value *cb_value_bool(bool b);
cb_value *cb_value_num(double n);
cb_value *cb_value_str(const char *s);              /* copies; NULL gives "" */
cb_value *cb_value_strn(const char *s, size_t n);   /* copies */
cb_value *cb_value_str_own(char *s);                /* takes s */
/* A string for s[0..n), where s[n] is '\0'. In an arena (below) the value
 * points at s instead of copying it, so s must stay unchanged until the
 * arena is reset; outside one it is a copy, as cb_value_strn. */
cb_value *cb_value_str_ref(const char *s, size_t n);
cb_value *cb_value_list(void);
cb_value *cb_value_map(void);
void cb_value_free(cb_value *v);                    /* NULL-safe */

/* Appends item (taken) to list; returns item. */
cb_value *cb_list_push(cb_value *list, cb_value *item);
/* Sets key to v (taken), replacing and freeing an earlier value; returns v. */
cb_value *cb_map_set(cb_value *map, const char *key, cb_value *v);
/* Shorthands for cb_map_set with a new string, boolean or number. */
void cb_map_set_str(cb_value *map, const char *key, const char *s);
void cb_map_set_bool(cb_value *map, const char *key, bool b);
void cb_map_set_num(cb_value *map, const char *key, double n);
/* Borrowed lookups; NULL when absent or of another type. */
cb_value *cb_map_lookup(const cb_value *map, const char *key);
size_t cb_value_len(const cb_value *v);             /* list or map size */
cb_value *cb_list_at(const cb_value *list, size_t i);

/* Mustache truthiness: null, false, "", 0 and [] are falsey. */
bool cb_value_truthy(const cb_value *v);

/* A deep copy; caller frees. */
cb_value *cb_value_copy(const cb_value *v);

/*
 * Arenas: a page's template data is thousands of small values built and
 * freed together, so allocating each with malloc is most of the cost of
 * rendering. While an arena is in use on a thread, every value made on that
 * thread (and its strings, keys and arrays) comes from the arena, freeing
 * such a value does nothing, and cb_value_arena_reset frees them all at
 * once. A value made outside the arena and added to an arena container is
 * handed to the arena and freed by the next reset. Rules: a container made
 * in an arena is changed only while that arena is in use, and no value made
 * in an arena is kept past the next reset.
 *
 * A value made in one arena may also be put into containers made outside
 * it (in another arena or none): they hold it without owning it, so it is
 * neither adopted nor freed with them. This is how values made once are
 * shared by many trees, as long as their arena outlives those trees.
 */
typedef struct cb_value_arena cb_value_arena;
cb_value_arena *cb_value_arena_new(void);
void cb_value_arena_free(cb_value_arena *a); /* NULL-safe; resets first */
/* Makes a (or NULL: none) the arena of this thread; returns the previous. */
cb_value_arena *cb_value_arena_use(cb_value_arena *a);
void cb_value_arena_reset(cb_value_arena *a);

#endif
