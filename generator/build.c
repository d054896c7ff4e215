/* build: see build.h. */
#include "build.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "gitsrc.h"
#include "index.h"
#include "plugin.h"
#include "pii.h"
#include "private.h"
#include "render.h"
#include "seal.h"
#include "util.h"
#include "pubcheck.h"
#include "writer.h"

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Records seconds for stage (see cb_build_result.timings). */
static void S_time(cb_build_result *res, const char *stage, double seconds)
{
	if (res->ntimings < sizeof res->timings / sizeof res->timings[0]) {
		res->timings[res->ntimings].stage = stage;
		res->timings[res->ntimings].peak_mb = 0;
		res->timings[res->ntimings++].seconds = seconds;
	}
}

/* Records the time since *t for stage, with the peak memory so far, and
 * restarts the clock. */
static void S_lap(cb_build_result *res, const char *stage, double *t)
{
	double now = S_now();
	S_time(res, stage, now - *t);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		res->timings[res->ntimings - 1].peak_mb = (double)ru.ru_maxrss / 1024.0;
	*t = now;
}

typedef struct S_search_job {
	const cb_site *site;
	const char *web;
	cb_writer *w;
	const char *db;	   /* the search database's temporary file, in the private folder */
	const char *old;   /* the database it updates (the last good build's) */
	const char *ident; /* the cache's identity; NULL: write it whole */
	size_t reused;	   /* documents the update kept */
	bool with_db;	   /* casebook.db in the output too */
	cb_error err;
	int rc;
	double seconds;
} S_search_job;

/* 3b. search (search/index.h): the database, then the browser's files
 * from the postings the database's tokenizer gathered, then, when asked,
 * casebook.db in the output, written afresh so that it is the same bytes
 * for the same site whatever the private database went through. */
static void *S_search_thread(void *arg)
{
	S_search_job *j = arg;
	double t0 = S_now();
	cb_postings *p = cb_postings_new();
	cb_index_stats st;
	j->rc = cb_index_update_db(j->site, j->old, j->db, j->ident, p, &st, &j->err);
	j->reused = st.reused;
	if (j->rc == 0)
		j->rc = cb_index_write_browser(j->site, p, j->web, j->w, NULL, &j->err);
	cb_postings_free(p);
	if (j->rc == 0 && j->with_db) {
		char *out = cb_path_join(cb_writer_stage_dir(j->w), CB_SEARCH_DB);
		j->rc = cb_index_write_db(j->site, out, NULL, NULL, &j->err);
		free(out);
	}
	j->seconds = S_now() - t0;
	return NULL;
}

/* What the cache's records are only good for: this version, and this very
 * program (a hash of the executable), so a casebook built from changed
 * sources never trusts what another one worked out. Caller frees. */
static char *S_identity(const char *version)
{
	char *exe = NULL;
	size_t len = 0;
	if (cb_file_read("/proc/self/exe", &exe, &len) != 0)
		return cb_xstrdup(version);
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_add(&h, exe, len);
	free(exe);
	char hex[33];
	cb_hash_hex(&h, hex);
	return cb_xasprintf("%s+%s", version, hex);
}

/* out as an absolute path where it can be known, so the cache's records of
 * an output folder do not depend on the current folder. Caller frees. */
static char *S_abs(const char *out)
{
	char buf[PATH_MAX];
	if (realpath(out, buf))
		return cb_xstrdup(buf);
	char *copy = cb_xstrdup(out);
	char *slash = strrchr(copy, '/');
	const char *base = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	char *abs =
	    realpath(slash ? (copy[0] ? copy : "/") : ".", buf) ? cb_path_join(buf, base) : cb_xstrdup(out);
	free(copy);
	return abs;
}

/* Whether this build is encrypted: --encrypt, or 'encrypt: true' for an
 * internal or restricted build unless --no-encrypt. */
static bool S_encrypts(const cb_build_opts *opts, const cb_site *site)
{
	if (opts->encrypt != CB_ENCRYPT_CONFIG)
		return opts->encrypt == CB_ENCRYPT_YES;
	return site->cfg.encrypt && opts->site.audience != CB_VIS_PUBLIC;
}

/* The last step of an encrypted build: the unlock page and its script. */
static int S_seal_finish(cb_writer *w, const cb_seal *seal, const cb_site *site, const char *datadir,
			 cb_error *err)
{
	char *page = cb_seal_unlock_page(seal, site->cfg.title, site->cfg.language);
	char *js = cb_xasprintf("%s/search/lock/lock.js", datadir);
	int rc = cb_writer_seal_finish(w, page, js, err);
	free(page);
	free(js);
	return rc;
}

/* A build under way: what the stages hand each other. */
typedef struct S_build {
	const cb_build_opts *opts;
	cb_build_result *res;
	cb_diags *d;
	cb_error *err;
	double t; /* when the stage running began */
	cb_site site;
	bool content_errors; /* reported by a stage, in d */
	char *priv;	     /* the repository's private folder (.casebook/) */
	char *cache_path;    /* the build cache in it; NULL when the repository cannot be opened */
	char *default_out;   /* where a build without --out writes */
	cb_cache *cache;
	char *cache_dir; /* the cache's folder, for the text store */
	cb_theme *theme;
	cb_seal *seal;	  /* an encrypted build's keys */
	char *search_web; /* the browser search's own files */
	char *search_db;  /* the audience's search database in the private folder */
	char *search_tmp; /* where this build writes it, renamed after the swap */
	char *out_abs;	  /* res->out, absolute where it can be */
	cb_writer *w;
	int wrc; /* opening the output: reported after the content checks */
	cb_error werr;
	cb_site *view; /* what a search started beside the plugins reads */
	S_search_job sj;
	pthread_t sth;
	bool searching;
	cb_strmap *keys; /* the written pages' keys, for the cache */
} S_build;

/* 0. Where the build's files go, worked out once from the repository: its
 * private folder, the build cache in it, and the output folder a build
 * without --out writes to (public/ in the work tree). Nothing is known when
 * the repository cannot be opened yet; the load says why.
 *
 * The cache is in the repository's private folder (.casebook/), never
 * beside an output folder elsewhere: it holds every document the
 * repository has, restricted ones included, and an output folder's parent
 * may well be published (a web server's root). */
static void S_places(S_build *b)
{
	const cb_build_opts *opts = b->opts;
	cb_gitsrc *g = NULL;
	cb_error gerr;
	if (cb_gitsrc_open(&g, opts->site.repo, &gerr) == 0) {
		b->priv = cb_gitsrc_private_dir(g);
		b->cache_path = cb_path_join(b->priv, "cache.db");
		b->default_out = cb_gitsrc_workdir(g) ? cb_path_join(cb_gitsrc_workdir(g), "public")
						      : cb_xstrdup("public");
	}
	cb_gitsrc_free(g);
	if (b->priv && !opts->check_only) {
		/* The private folder ignores itself before anything is put in
		 * it, and previews killed earlier leave nothing behind. */
		cb_private_make(b->priv);
		cb_private_sweep(b->priv);
	}
}

/* 0. The cache of earlier builds (cache.h). */
static void S_open_cache(S_build *b)
{
	if (b->opts->check_only || b->opts->no_cache || !b->cache_path)
		return;
	char *ident = S_identity(b->opts->version);
	b->cache = cb_cache_open(b->cache_path, ident, b->d);
	free(ident);
	/* The text store's file goes beside the cache: on the disk the output
	 * goes to, rather than a /tmp that may be in memory. */
	if (b->cache) {
		b->cache_dir = cb_xstrdup(b->cache_path);
		*strrchr(b->cache_dir, '/') = '\0';
	}
}

/* 1a. Files the build reads that have changes not committed: a build of
 * the last commit (no --ref, --worktree or --staged) leaves them out, and
 * the command says so. The content folder, casebook.yml and casebook.lock,
 * the taxonomy, glossary and names files, the repository's theme and its
 * plugins. A failure here only means no notice. */
static void S_uncommitted(S_build *b)
{
	const cb_site_opts *so = &b->opts->site;
	if (so->worktree || so->staged || (so->ref && strcmp(so->ref, "HEAD") != 0))
		return;
	const cb_config *cfg = &b->site.cfg;
	cb_strv paths = CB_STRV_INIT;
	cb_strv_push(&paths, cfg->content_dir);
	cb_strv_push(&paths, "casebook.yml");
	cb_strv_push(&paths, "casebook.lock");
	cb_strv_push(&paths, cfg->taxonomy_file);
	cb_strv_push(&paths, cfg->glossary_file);
	if (cfg->pii_names_file && cfg->pii_names_file[0] != '/' && cfg->pii_names_file[0] != '~')
		cb_strv_push(&paths, cfg->pii_names_file);
	cb_strv_push_own(&paths, cb_xasprintf("themes/%s", cfg->theme));
	cb_strv_push(&paths, "plugins");
	cb_gitsrc *g = NULL;
	cb_error gerr = CB_ERROR_INIT;
	if (cb_gitsrc_open(&g, so->repo, &gerr) == 0)
		cb_gitsrc_uncommitted(g, &paths, &b->res->uncommitted, &b->res->uncommitted_path, &gerr);
	cb_gitsrc_free(g);
	cb_strv_free(&paths);
}

/* 1. load: configuration, documents and history, and every content check. */
static cb_build_status S_load(S_build *b)
{
	cb_site_opts so = b->opts->site;
	so.jobs = b->opts->jobs;
	so.cache = b->cache;
	so.text_dir = b->cache_dir;
	cb_stage_result r = cb_site_load(&so, &b->site, b->d, b->err);
	S_lap(b->res, "load", &b->t);
	S_time(b->res, "pii-check", b->site.pii_seconds);
	b->res->sources = b->site.nsources;
	b->res->documents = b->site.ndocs;
	if (r == CB_STAGE_CONTENT)
		b->content_errors = true;
	if (r != CB_STAGE_FAILED)
		S_uncommitted(b);
	return r == CB_STAGE_FAILED ? CB_BUILD_FAILED : CB_BUILD_OK;
}

/* Starts the search index on its own thread, from site. */
static void S_search_start(S_build *b, const cb_site *site)
{
	b->sj = (S_search_job){.site = site,
			       .web = b->search_web,
			       .w = b->w,
			       .db = b->search_tmp,
			       .old = b->search_db,
			       .ident = b->cache ? cb_cache_version(b->cache) : NULL,
			       .with_db = (b->opts->with_db || b->site.cfg.search_db) && !b->seal};
	b->searching = pthread_create(&b->sth, NULL, S_search_thread, &b->sj) == 0;
}

static void S_search_wait(S_build *b)
{
	if (b->searching)
		pthread_join(b->sth, NULL);
	b->searching = false;
}

/* Opens the output folder (staged, writer.h) with what the cache knows of
 * the pages already there. */
static int S_writer_open(S_build *b, cb_error *err)
{
	int rc = cb_writer_open(&b->w, b->res->out, err);
	if (rc == 0) {
		cb_writer_set_known(b->w, cb_cache_pages(b->cache, b->out_abs));
		cb_writer_set_private(b->w, b->opts->site.audience == CB_VIS_RESTRICTED);
		cb_writer_seal(b->w, b->seal);
	}
	return rc;
}

/* The theme; an encrypted build's keys, asked for before anything is
 * written (seal.h); and the output folder, opened before the plugins run
 * so that the search index can start beside them. A folder that cannot be
 * opened is reported after the content checks. */
static cb_build_status S_start_output(S_build *b)
{
	const cb_build_opts *opts = b->opts;
	b->search_web = cb_xasprintf("%s/search/web", opts->datadir);
	if (cb_theme_open(&b->theme, &b->site, opts->datadir, b->err) != 0)
		return CB_BUILD_FAILED;
	if (opts->check_only)
		return CB_BUILD_OK;
	if (S_encrypts(opts, &b->site)) {
		b->seal = opts->seal_keys ? opts->seal_keys(opts->seal_ctx, b->err) : NULL;
		if (!b->seal) {
			if (!opts->seal_keys)
				cb_error_set(b->err, NULL, 0, 0,
					     "this build is to be encrypted, but no passphrase was given");
			return CB_BUILD_FAILED;
		}
		b->res->encrypted = true;
	}
	if (!b->priv) {
		cb_error_set(b->err, opts->site.repo, 0, 0, "cannot find the repository's private folder");
		return CB_BUILD_FAILED;
	}
	b->search_db = cb_private_search_db(b->priv, opts->site.audience);
	b->search_tmp = cb_xasprintf("%s.tmp-%ld", b->search_db, (long)getpid());
	const char *out = opts->out ? opts->out : b->default_out ? b->default_out : "public";
	b->res->out = cb_xstrdup(out);
	b->out_abs = S_abs(out);
	b->wrc = S_writer_open(b, &b->werr);
	return CB_BUILD_OK;
}

/*
 * 1b. plugins: document and site hooks (plugin.h); their errors are
 * content errors, so a check reports them too.
 *
 * The search index is built from the documents' words and themes, and of
 * what plugins change only themes matter to it. So it starts beside the
 * plugins (which run on one core), from a view of the site with its own
 * copy of every theme list (cb_site_view_new); should the plugins change
 * any theme, that work is thrown away and done again (S_write). The
 * plugins' process is forked first, while this is the only thread
 * (plugin.h).
 */
static cb_build_status S_plugins(S_build *b)
{
	cb_plugin_timings pt = {NULL, 0};
	/* Document hooks' results of earlier builds (plugin.h). */
	cb_plugin_memo memo = {.old = b->cache ? cb_cache_hooks(b->cache) : NULL};
	cb_plugins_opts po = {
	    .datadir = b->opts->datadir, .theme = b->theme, .timings = &pt, .memo = b->cache ? &memo : NULL};
	cb_plugins_job *job = NULL;
	cb_stage_result r = cb_plugins_start(&job, &b->site, &po, b->err);
	if (!b->opts->check_only && b->wrc == 0 && r == CB_STAGE_OK) {
		b->view = cb_site_view_new(&b->site);
		S_search_start(b, b->view);
	}
	if (r == CB_STAGE_OK)
		r = cb_plugins_finish(job, &b->site, b->d, b->err);
	if (r == CB_STAGE_OK && b->cache)
		cb_cache_hooks_store(b->cache, &memo.keep, memo.made);
	cb_plugin_memo_free(&memo);
	S_lap(b->res, "plugins", &b->t);
	for (size_t i = 0; i < pt.n; i++) {
		cb_strv_push_own(&b->res->timing_names, cb_xasprintf("  %s", pt.v[i].name));
		S_time(b->res, b->res->timing_names.v[b->res->timing_names.n - 1], pt.v[i].seconds);
	}
	cb_plugin_timings_free(&pt);
	if (r == CB_STAGE_CONTENT)
		b->content_errors = true;
	if (r == CB_STAGE_FAILED || b->content_errors || b->d->errors || b->opts->check_only) {
		/* Nothing will be written: what started beside the plugins is
		 * dropped. */
		S_search_wait(b);
		cb_writer_abort(b->w);
		b->w = NULL;
	}
	return r == CB_STAGE_FAILED ? CB_BUILD_FAILED : CB_BUILD_OK;
}

/* 2. report: any content error stops the build here. */
static cb_build_status S_report(S_build *b)
{
	return b->content_errors || b->d->errors ? CB_BUILD_CONTENT : CB_BUILD_OK;
}

/*
 * The last personal-data scan of a rebuild reads only what changed. A file
 * linked from the previous output has that output's bytes, which the
 * previous build's scan passed; when that scan used the same names list
 * and pii-allow values (and this very casebook), it would pass them again.
 * What it passed is a note in the cache, keyed by the output folder and
 * tied to the folder as that build left it (its inode and change times,
 * which the swap sets), so an output made since by a build that kept no
 * note (--no-cache), or touched by hand, is scanned whole. Caller frees;
 * NULL when there is no output folder to tie it to.
 */
static char *S_scan_note(const S_build *b)
{
	struct stat st;
	if (!b->cache || lstat(b->res->out, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_str(&h, cb_cache_version(b->cache));
	cb_pii_names_hash(b->site.pii_names, &h);
	cb_hash_u64(&h, (uint64_t)b->site.pii_allow.n);
	for (size_t i = 0; i < b->site.pii_allow.n; i++)
		cb_hash_str(&h, b->site.pii_allow.v[i]);
	cb_hash_u64(&h, (uint64_t)st.st_ino);
	cb_hash_u64(&h, (uint64_t)st.st_ctim.tv_sec * 1000000000u + (uint64_t)st.st_ctim.tv_nsec);
	cb_hash_u64(&h, (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);
	char hex[33];
	cb_hash_hex(&h, hex);
	return cb_xstrdup(hex);
}

static char *S_scan_key(const S_build *b)
{
	return cb_xasprintf("scan:%s", b->out_abs);
}

/* Whether the previous output's scan passed what this one would pass. */
static bool S_scan_reuse(const S_build *b)
{
	if (!b->cache || b->seal)
		return false;
	char *key = S_scan_key(b), *was = cb_cache_note(b->cache, key), *now = S_scan_note(b);
	bool same = was && now && strcmp(was, now) == 0;
	free(key);
	free(was);
	free(now);
	return same;
}

static bool S_linked(void *w, const char *rel)
{
	return cb_writer_linked(w, rel);
}

/* 3. write, with 3b. search: the pages, and the search database and the
 * browser index (search/index.h) on their own thread while the pages render: the
 * index is written by one SQLite connection, so overlapping it with
 * rendering keeps every core busy. Both only read the site. */
static cb_build_status S_write(S_build *b)
{
	if (b->wrc != 0) {
		*b->err = b->werr;
		return CB_BUILD_FAILED;
	}
	if (b->searching && !cb_site_view_current(b->view, &b->site)) {
		/* A plugin changed themes: start the output and the index
		 * again from the site as it is now. */
		S_search_wait(b);
		cb_writer_abort(b->w);
		b->w = NULL;
		if (S_writer_open(b, b->err) != 0)
			return CB_BUILD_FAILED;
	}
	if (!b->searching) {
		S_search_start(b, &b->site);
		if (!b->searching)
			S_search_thread(&b->sj);
	}
	cb_render_opts ro = {.theme = b->theme, .version = b->opts->version, .jobs = b->opts->jobs};
	int rrc = cb_render_site(&b->site, &ro, b->w, b->err);
	/* The attachments the documents link to, as the load read them. */
	for (size_t i = 0; rrc == 0 && i < b->site.nfiles; i++)
		rrc = cb_writer_put(b->w, b->site.files[i].path, b->site.files[i].data, b->site.files[i].len,
				    b->err);
	S_lap(b->res, "render", &b->t);
	S_search_wait(b);
	cb_strv_push_own(&b->res->timing_names,
			 cb_xasprintf("search (%zu of %zu documents kept)", b->sj.reused, b->site.ndocs));
	S_time(b->res, b->res->timing_names.v[b->res->timing_names.n - 1], b->sj.seconds);
	if (rrc == 0 && b->sj.rc != 0)
		*b->err = b->sj.err;
	if (rrc != 0 || b->sj.rc != 0)
		return CB_BUILD_FAILED;
	/* The last scan: personal data in any file about to be published,
	 * whichever stage wrote it (pages, feed, search files, plugins'). */
	b->t = S_now();
	bool reuse = S_scan_reuse(b);
	size_t nread = 0, nskipped = 0;
	if (cb_pubcheck_output(cb_writer_stage_dir(b->w), b->res->out, &b->site.pii_allow, b->site.pii_names,
			       reuse ? S_linked : NULL, b->w, b->opts->jobs, b->d, &nread, &nskipped) > 0)
		return CB_BUILD_CONTENT;
	cb_strv_push_own(&b->res->timing_names,
			 cb_xasprintf("pii-output (%zu of %zu files read)", nread, nread + nskipped));
	S_lap(b->res, b->res->timing_names.v[b->res->timing_names.n - 1], &b->t);
	if (b->seal && S_seal_finish(b->w, b->seal, &b->site, b->opts->datadir, b->err) != 0)
		return CB_BUILD_FAILED;
	b->res->files = cb_writer_count(b->w);
	b->res->reused = cb_writer_reused(b->w);
	b->keys = cb_writer_take_keys(b->w);
	return CB_BUILD_OK;
}

/* 4. swap: the staging folder replaces the output; what the new output was
 * made from is kept for the next build. */
static cb_build_status S_swap(S_build *b)
{
	int rc = cb_writer_commit(b->w, b->err);
	b->w = NULL;
	S_lap(b->res, "swap", &b->t);
	if (rc != 0)
		return CB_BUILD_FAILED;
	if (b->cache) {
		cb_cache_pages_store(b->cache, b->out_abs, b->keys);
		/* What this output's scan passed (S_scan_note); an encrypted
		 * output links nothing, and its note is never used. */
		char *key = S_scan_key(b), *note = b->seal ? NULL : S_scan_note(b);
		cb_cache_note_put(b->cache, key, note ? note : "");
		free(key);
		free(note);
		S_lap(b->res, "cache", &b->t);
	}
	/* The audience's search database, for `casebook search`, only now
	 * that the build has succeeded: a failed one leaves the last good
	 * database in place. A preview keeps none. */
	if (b->opts->no_search_db)
		unlink(b->search_tmp);
	else if (rename(b->search_tmp, b->search_db) != 0)
		cb_diags_add(b->d, CB_WARNING, b->search_db, 0, 0, "search-db",
			     "cannot update the search database (%s); casebook search keeps the previous one",
			     strerror(errno));
	return CB_BUILD_OK;
}

/* A build that succeeded hands its site and theme to opts->keep. */
static void S_keep(S_build *b)
{
	if (!b->opts->keep || b->opts->check_only || b->seal)
		return;
	cb_site_view_free(b->view); /* it borrows from the site */
	b->view = NULL;
	cb_site *site = cb_xmalloc(sizeof *site);
	*site = b->site;
	memset(&b->site, 0, sizeof b->site);
	b->opts->keep(b->opts->keep_ctx, site, b->theme);
	b->theme = NULL;
}

/* Whatever the build stopped at: a search still running is waited for and
 * an output not swapped in is removed. */
static void S_finish(S_build *b)
{
	S_search_wait(b);
	cb_writer_abort(b->w);
	if (b->search_tmp)
		unlink(b->search_tmp); /* a build that stopped before its swap */
	free(b->search_tmp);
	free(b->search_db);
	cb_seal_free(b->seal);
	cb_site_view_free(b->view);
	free(b->search_web);
	cb_theme_free(b->theme);
	cb_site_free(&b->site);
	cb_file_keys_free(b->keys);
	cb_cache_close(b->cache);
	free(b->cache_dir);
	free(b->cache_path);
	free(b->default_out);
	free(b->out_abs);
	free(b->priv);
}

cb_build_status cb_build_run(const cb_build_opts *opts, cb_build_result *res, cb_diags *d, cb_error *err)
{
	memset(res, 0, sizeof *res);
	S_build b = {.opts = opts, .res = res, .d = d, .err = err, .t = S_now()};
	S_places(&b);
	S_open_cache(&b);
	cb_build_status st = S_load(&b);
	if (st == CB_BUILD_OK)
		st = S_start_output(&b);
	if (st == CB_BUILD_OK)
		st = S_plugins(&b);
	if (st == CB_BUILD_OK)
		st = S_report(&b);
	if (st == CB_BUILD_OK && !opts->check_only)
		st = S_write(&b);
	if (st == CB_BUILD_OK && !opts->check_only)
		st = S_swap(&b);
	if (st == CB_BUILD_OK)
		S_keep(&b);
	S_finish(&b);
	return st;
}

void cb_build_result_free(cb_build_result *res)
{
	free(res->out);
	free(res->uncommitted_path);
	cb_strv_free(&res->timing_names);
	memset(res, 0, sizeof *res);
}
