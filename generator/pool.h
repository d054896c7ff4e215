/*
 * pool: memory for one Lua state, taken straight from the system and given
 * back whole when the state closes.
 *
 * A plugin's state holds a proxy of the whole site while it runs (about
 * 100 MB for 100,000 documents) and is closed once its site hook is done.
 * Allocated with malloc, that memory would stay in the main thread's heap
 * after the state closes, out of reach of the threads that render pages
 * next, so the build's peak would hold both. A pool maps its own chunks
 * and unmaps them when freed.
 *
 * Blocks are sized by class: multiples of 16 bytes up to 256, then four
 * classes per power of two up to 64 KB, each class with its own free list;
 * larger blocks get a mapping of their own, and the last few freed are
 * kept for the next large blocks. Like Lua's allocator, callers
 * pass a block's size back when they free or resize it. Not thread-safe:
 * one pool per state.
 */
#ifndef CB_POOL_H
#define CB_POOL_H

#include <stddef.h>

typedef struct cb_pool cb_pool;

cb_pool *cb_pool_new(void);
/* Gives every chunk back, whatever is still allocated. NULL-safe. */
void cb_pool_free(cb_pool *p);

/* Resizes ptr (of old bytes; NULL and 0 for a new block) to size bytes,
 * as realloc does; size 0 frees ptr and returns NULL. NULL when the system
 * has no memory left, with ptr untouched. */
void *cb_pool_realloc(cb_pool *p, void *ptr, size_t old, size_t size);

/* Bytes mapped from the system right now (spare mappings included). */
size_t cb_pool_mapped(const cb_pool *p);

#endif
