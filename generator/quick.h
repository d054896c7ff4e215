/*
 * quick: the preview's first answer to a saved edit (`casebook serve`).
 * A site the last good build loaded stays in memory; when a document it
 * holds is saved, the file is read and checked alone, with the checks the
 * load runs on a document (front matter, schema, placeholders, personal
 * data, Markdown and its links, learning points), against that site. When
 * it passes without an error, and nothing that decides which pages exist
 * or who may see them changed, the document in the site is replaced so
 * that its page can be rendered alone (cb_render_document). Warnings are
 * left for the full build to print.
 *
 * Anything else is left to the full build, which always follows: an
 * error of any kind (it is reported there, as every build reports it), a
 * change of visibility, draft state, published date or of the audience
 * the document is for, a link to anything but a document the site holds
 * (an attachment, a document this audience does not see), a partner's
 * document. What the page shows from the rest of the site (links, themes,
 * what plugins add) is as the last build left it until the full build
 * replaces the page.
 */
#ifndef CB_QUICK_H
#define CB_QUICK_H

#include <stddef.h>

#include "site.h"

/* The document of site at repository path path, or -1 when the site has
 * none (or only a partner's by that name). */
long cb_quick_find(const cb_site *site, const char *path);

/* Replaces site->docs[i] with data (the document's file as saved, len
 * bytes) when it passes every check without an error and changes nothing
 * but its own page: 0. Otherwise 1, and the site is as it was. */
int cb_quick_document(cb_site *site, size_t i, const char *data, size_t len);

#endif
