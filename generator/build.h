/*
 * build: one build (or check) from start to finish — the place where the
 * stages are wired together, so that the command line, `casebook serve`
 * and tests all run the same pipeline:
 *
 *   1. load    configuration, documents and history; every content check (site),
 *              with the build cache (cache.h) of earlier builds
 *   1b. plugins document and site hooks (plugin.h)
 *   2. report  any content error stops here: nothing is written
 *   3. write   pages and assets (render) into a staging folder (writer)
 *   3b. search the search database and the browser search index
 *              (search/index.h), on a thread of its own from the end of
 *              loading: beside the plugins, then beside the pages
 *   4. swap    the staging folder replaces the output, or nothing changes;
 *              then the audience's search database replaces the last one
 *              in the private folder (.casebook/search-<audience>.db)
 */
#ifndef CB_BUILD_H
#define CB_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "site.h"

struct cb_theme;

typedef struct cb_build_opts {
	cb_site_opts site;
	const char *out;     /* output folder; NULL: public/ in the repository */
	const char *datadir; /* folder holding themes/ and plugins/ */
	const char *version; /* casebook's version */
	bool check_only;     /* stop after the checks; write nothing */
	int jobs;	     /* worker threads; 0: one per core */
	bool no_cache;	     /* neither read nor write the build cache (cache.h) */
	/* The search database (search/index.h): every build writes its
	 * audience's into the private folder (private.h) unless no_search_db
	 * (a preview); with_db, or 'search-db: true' in casebook.yml, also
	 * puts casebook.db in the output (never in an encrypted one). */
	bool no_search_db;
	bool with_db;
	/* Encryption (seal.h): CB_ENCRYPT_NO (the default), _YES, or _CONFIG:
	 * as casebook.yml says ('encrypt: true' encrypts internal and
	 * restricted builds). When
	 * a build encrypts, seal_keys is called once, after the checks and
	 * before anything is written, for the keys (a cb_seal the build frees);
	 * NULL with err set stops the build. */
	enum { CB_ENCRYPT_NO = 0, CB_ENCRYPT_YES, CB_ENCRYPT_CONFIG } encrypt;
	struct cb_seal *(*seal_keys)(void *ctx, cb_error *err);
	void *seal_ctx;
	/* When set, a build that succeeded hands its site (as the pages were
	 * rendered from it, plugins' changes included) and its theme to keep,
	 * which owns them from then on (free the theme first, cb_theme_free,
	 * then the site, cb_site_free and free): what `casebook serve` renders
	 * an edited page from at once (quick.h). Not for an encrypted build. */
	void (*keep)(void *ctx, cb_site *site, struct cb_theme *theme);
	void *keep_ctx;
} cb_build_opts;

typedef struct cb_build_result {
	size_t files;	  /* files written */
	size_t reused;	  /* of which linked unchanged from the previous output */
	size_t documents; /* documents in the site */
	size_t sources;	  /* documents read */
	char *out;	  /* the output folder used (owned); NULL for checks */
	bool encrypted;	  /* the output was encrypted (seal.h) */
	/* Files the build reads with changes not committed, which a build of
	 * the last commit leaves out (0 with --ref, --worktree or --staged),
	 * and one of them (owned; NULL when none). */
	size_t uncommitted;
	char *uncommitted_path;
	/* Seconds spent in each stage that ran, in order ("load", then
	 * "pii-check", which is part of load, "render", …); main.c prints
	 * them when CASEBOOK_TIMINGS=1. */
	struct {
		const char *stage;
		double seconds;
		double peak_mb; /* the process's peak memory when the stage ended; 0: not measured */
	} timings[16];
	size_t ntimings;
	cb_strv timing_names; /* owned stage names, e.g. one per plugin */
} cb_build_result;

typedef enum {
	CB_BUILD_OK = 0,      /* built (or checked) with no errors */
	CB_BUILD_CONTENT = 1, /* content errors, all in d; nothing written */
	CB_BUILD_FAILED = 2   /* usage or environment problem, in err; nothing written */
} cb_build_status;

/* Runs one build. Diagnostics (warnings too) are added to d unsorted;
 * res is filled in every case and freed with cb_build_result_free. */
cb_build_status cb_build_run(const cb_build_opts *opts, cb_build_result *res, cb_diags *d, cb_error *err);
void cb_build_result_free(cb_build_result *res);

#endif
