/*
 * pagekey: the digest of a page's template data, which is the key under
 * which the writer recognises a page it wrote before (writer.h). A value
 * made once and put in many pages (a document's reference, the navigation)
 * is recorded as shared: it is hashed once, and every tree holding it is
 * fed its digest instead of its content, so the thousands of pages that
 * hold the same references are not hashed again and again.
 *
 * Record the shared values first, from one thread; then any number of
 * threads may hash trees with the same table, which is only read.
 */
#ifndef CB_PAGEKEY_H
#define CB_PAGEKEY_H

#include <stddef.h>

#include "util.h"
#include "value.h"

typedef struct cb_pagekey cb_pagekey;

/* A table with room for at least nshared shared values. */
cb_pagekey *cb_pagekey_new(size_t nshared);
/* Records v (borrowed: it must outlive the table) as shared: hashed once,
 * here, values it holds that were shared before it fed as their digests.
 * At most nshared values. */
void cb_pagekey_share(cb_pagekey *k, const cb_value *v);
/* Feeds the tree v to h: types, lengths and bytes, so two trees hash alike
 * only when they are alike; a shared value is fed as its digest, which
 * stands for its whole content. */
void cb_pagekey_hash(const cb_pagekey *k, cb_hash *h, const cb_value *v);
void cb_pagekey_free(cb_pagekey *k); /* NULL-safe */

#endif
