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
cb_value *cb_value_str(const char *s);		  /* copies; NULL gives "" */
cb_value *cb_value_strn(const char *s, size_t n); /* copies */
cb_value *cb_value_str_own(char *s);		  /* takes s */
/* A string for s[0..n), where s[n] is '\0'. In an arena (below) the value
 * points at s instead of copying it, so s must stay unchanged until the
 * arena is reset; outside one it is a copy, as cb_value_strn. */
cb_value *cb_value_str_ref(const char *s, size_t n);
cb_value *cb_value_list(void);
cb_value *cb_value_map(void);
void cb_value_free(cb_value *v); /* NULL-safe */

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
size_t cb_value_len(const cb_value *v); /* list or map size */
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

/*
 * Packed values: a value tree in one block of bytes, for data that is kept
 * long and read rarely (the fields plugins store on every document), where
 * a tree of separate allocations would cost many times the size of its
 * contents. A pack lives only in memory and is read only by this build, so
 * it has no version and is in the machine's own byte order; its readers
 * still check every length against the end, and fail rather than read past
 * it.
 *
 * Layout: a key area (every map key of the pack once, each followed by a
 * NUL), then the value, whose map keys are offsets into that area. A value
 * is a tag byte, then: nothing (null, false, true); an integer as a
 * zigzag varint (a number that is a whole number of at most 2^53 and not
 * -0); 8 bytes (any other number); a varint length and the bytes (text); a
 * varint count and the items (list); a varint count and, for each entry,
 * a varint key offset and the value (map). Because keys are offsets and
 * never positions of earlier keys, the bytes of a value can be moved or
 * copied within a writer, and into another writer that starts from the
 * same keys (cb_vpack_writer_reset).
 */
typedef struct cb_vpack {
	size_t len;	 /* bytes in data */
	size_t keys_len; /* data[0 .. keys_len) is the key area; the value follows */
	unsigned char data[];
} cb_vpack;

/* Nesting a pack may have; deeper data is refused by cb_vpack_value and by
 * the readers. */
#define CB_VPACK_MAX_DEPTH 100

/* A writer: put values with the functions below (a list or map header
 * first, then its items or entries), then take the result with
 * cb_vpack_finish. Positions are byte offsets of the values written. */
typedef struct cb_vpack_writer {
	unsigned char *buf; /* the values */
	size_t len, cap;
	char *keys; /* the key area */
	size_t keys_len, keys_cap;
	size_t *slots; /* open-addressing hash of the keys: offset + 1, 0 = free */
	size_t nslots, nkeys;
	unsigned char *tmp; /* scratch of cb_vpack_permute */
	size_t tmp_cap;
} cb_vpack_writer;

#define CB_VPACK_WRITER_INIT                                                                                 \
	{                                                                                                    \
		0                                                                                            \
	}
/* Empties w, keeping its memory. With from (may be NULL), w starts with the
 * key area of from, so that bytes of from's value may be copied in with
 * cb_vpack_append. */
void cb_vpack_writer_reset(cb_vpack_writer *w, const cb_vpack *from);
void cb_vpack_writer_free(cb_vpack_writer *w); /* NULL-safe */

void cb_vpack_null(cb_vpack_writer *w);
void cb_vpack_bool(cb_vpack_writer *w, bool b);
void cb_vpack_num(cb_vpack_writer *w, double n);
void cb_vpack_str(cb_vpack_writer *w, const char *s, size_t n);
void cb_vpack_list(cb_vpack_writer *w, size_t n); /* n items follow */
void cb_vpack_map(cb_vpack_writer *w, size_t n);  /* n entries follow, each a key, then a value */
void cb_vpack_key(cb_vpack_writer *w, const char *key);
/* A whole tree (NULL: null). Returns 0, or -1 when it nests deeper than
 * CB_VPACK_MAX_DEPTH (w then holds part of it: cut it with
 * cb_vpack_truncate). */
int cb_vpack_value(cb_vpack_writer *w, const cb_value *v);

/* Drops what was written from position len on. */
void cb_vpack_truncate(cb_vpack_writer *w, size_t len);
/* Appends a copy of w's own bytes [from, to). */
void cb_vpack_copy(cb_vpack_writer *w, size_t from, size_t to);
/* Appends the bytes [from, to) of pk->data, which must be whole values or
 * entries of a pack whose key area w was reset with. */
void cb_vpack_append(cb_vpack_writer *w, const cb_vpack *pk, size_t from, size_t to);
/* Rewrites w's bytes from position `from` on as spans[0], spans[1], …,
 * ranges of those bytes that together cover them exactly (e.g. a map's
 * entries, to put them in another order). */
typedef struct cb_vpack_span {
	size_t from, to;
} cb_vpack_span;
void cb_vpack_permute(cb_vpack_writer *w, size_t from, const cb_vpack_span *spans, size_t n);
/* A new pack (caller frees with free) of the value written from position
 * `from` to the end, with w's key area. w is left as it was. */
cb_vpack *cb_vpack_finish(const cb_vpack_writer *w, size_t from);

/* A pack of a tree; caller frees. NULL when it nests too deep. */
cb_vpack *cb_vpack_pack(const cb_value *v);

/* A reader walks a pack's value in order. Strings and keys it returns
 * point into the pack. Once it meets bytes it cannot read it stays
 * failed. */
typedef struct cb_vpack_reader {
	const cb_vpack *pk;
	size_t pos; /* the next byte in pk->data */
	bool bad;
} cb_vpack_reader;

/* One value as read: for a list or map, its header only. */
typedef struct cb_vpack_item {
	cb_vtype type;
	bool b;	       /* CB_V_BOOL */
	double num;    /* CB_V_NUM */
	const char *s; /* CB_V_STR: len bytes (not NUL-terminated) */
	size_t len;
	size_t n; /* CB_V_LIST: the items that follow; CB_V_MAP: the entries */
} cb_vpack_item;

/* Starts at pk's value; a NULL pk reads as failed. */
void cb_vpack_reader_init(cb_vpack_reader *r, const cb_vpack *pk);
/* The next value, or the header of the next list or map. false when the
 * bytes are malformed or used up. */
bool cb_vpack_read(cb_vpack_reader *r, cb_vpack_item *it);
/* The key of the next map entry (its value follows); NULL when malformed. */
const char *cb_vpack_read_key(cb_vpack_reader *r);
/* Skips the next value, with everything inside it. */
bool cb_vpack_skip(cb_vpack_reader *r);
/*
 * A document reference: data a plugin stores may hold a document (a Lua
 * document table), which is packed as the one-entry map {"$doc": n}, n the
 * document's index in the site. The readers below turn it back into the
 * document when told how many documents there are.
 */
#define CB_VPACK_DOC_KEY "$doc"
/* Writes the reference to document doc. */
void cb_vpack_docref(cb_vpack_writer *w, size_t doc);

/* What a walk tells as it reads a value, in order (the way a stack
 * machine such as Lua's builds it): */
typedef struct cb_vpack_visitor {
	/* a null, boolean, number or text; */
	void (*scalar)(void *ctx, const cb_vpack_item *it);
	/* the header of a list or map (it->n items or entries follow); */
	void (*open)(void *ctx, const cb_vpack_item *it);
	/* after each item or entry: the value just visited is item i of the
	 * list, or has key (NULL in a list) in the map opened last; bad_key
	 * when the entry's key could not be read (drop the value); */
	void (*add)(void *ctx, size_t i, const char *key, bool bad_key);
	/* a document reference {"$doc": n} with n a whole number below ndocs.
	 * When doc is NULL, references are read as the maps they are. */
	void (*doc)(void *ctx, size_t n);
	size_t ndocs;
} cb_vpack_visitor;
/* Walks the next value. Bytes it cannot read, and nesting deeper than
 * CB_VPACK_MAX_DEPTH, are visited as a null (so the visitor always sees
 * whole values), and false is returned. */
bool cb_vpack_walk(cb_vpack_reader *r, const cb_vpack_visitor *v, void *ctx);

/* How cb_vpack_read_tree turns document references into values: doc(ctx, n)
 * gives document n's value, for n below ndocs. */
typedef struct cb_vpack_refs {
	size_t ndocs;
	cb_value *(*doc)(void *ctx, size_t n);
	void *ctx;
} cb_vpack_refs;
/* The next value as a new tree, with references made by refs (NULL: read as
 * maps). Made in the thread's arena when one is in use; caller frees. NULL
 * when malformed. */
cb_value *cb_vpack_read_tree(cb_vpack_reader *r, const cb_vpack_refs *refs);
/* cb_vpack_read_tree without references. */
cb_value *cb_vpack_read_value(cb_vpack_reader *r);
/* pk as a tree (caller frees); NULL when pk is NULL or malformed. */
cb_value *cb_vpack_unpack(const cb_vpack *pk);
/* When pk is a map with key: r is set just before that key's value and
 * true is returned (the first such entry). */
bool cb_vpack_find(cb_vpack_reader *r, const cb_vpack *pk, const char *key);

#endif
