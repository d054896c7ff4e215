/*
 * private: the repository's private folder, where casebook keeps what must
 * never be published or committed — .casebook/ in the working folder
 * (casebook/ inside a bare repository):
 *
 *   .gitignore           "*": the folder ignores itself, in any repository
 *   cache.db             the build cache (cache.h)
 *   search-<audience>.db the search database of the last build of each
 *                        audience (search/index.h), read by `casebook search`
 *   serve/<pid>/         the site `casebook serve` previews, per process
 *   sources/<name>.git   partner repositories' mirrors (casebook fetch):
 *                        whole repositories, restricted material included
 *
 * It holds restricted text, so it is made owner-only (0700).
 */
#ifndef CB_PRIVATE_H
#define CB_PRIVATE_H

#include "schema.h"

/* Makes dir (and its parents) when missing, owner-only, with a .gitignore
 * holding "*" so that git never offers its files for a commit. Returns 0,
 * or -1 with errno set when the folder cannot be made. */
int cb_private_make(const char *dir);

/* Removes the serve/<pid>/ folders, and the search databases being
 * written (search-<audience>.db.tmp-<pid>), of processes that are no
 * longer running (a preview or build killed before it could clean up). */
void cb_private_sweep(const char *dir);

/* The search database of audience's builds in the private folder dir.
 * Caller frees. */
char *cb_private_search_db(const char *dir, cb_visibility audience);

#endif
