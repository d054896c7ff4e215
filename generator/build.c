/* build: see build.h. */
#include "build.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cache.h"
#include "gitsrc.h"
#include "index.h"
#include "plugin.h"
#include "private.h"
#include "render.h"
#include "search.h"
#include "util.h"
#include "seal.h"
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
	cb_error err;
	int rc;
	double seconds;
} S_search_job;

static void *S_search_thread(void *arg)
{
	S_search_job *j = arg;
	double t0 = S_now();
	j->rc = cb_search_build(j->site, j->web, j->w, NULL, &j->err);
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

/* Where the build cache goes, and the output folder a build without --out
 * writes to (as cb_build_run decides once the repository is open); both
 * NULL when the repository cannot be opened yet (the load says why).
 *
 * The cache is in the repository's private folder (.casebook/), never
 * beside an output folder elsewhere: it holds every document the
 * repository has, restricted ones included, and an output folder's parent
 * may well be published (a web server's root). */
static void S_places(const char *repo, char **priv, char **cache, char **out)
{
	cb_gitsrc *g = NULL;
	cb_error err;
	*priv = *cache = *out = NULL;
	if (cb_gitsrc_open(&g, repo, &err) == 0) {
		*priv = cb_gitsrc_private_dir(g);
		*cache = cb_path_join(*priv, "cache.db");
		*out = cb_gitsrc_workdir(g) ? cb_path_join(cb_gitsrc_workdir(g), "public")
					    : cb_xstrdup("public");
	}
	cb_gitsrc_free(g);
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

/*
 * The search index is built from the documents' words and themes, and of
 * what plugins change only themes matter to it. So it starts as soon as the
 * documents are loaded, beside the plugins (which run on one core), from a
 * view of the site with its own copy of every theme list; should the
 * plugins change any theme, that work is thrown away and done again.
 */
static cb_site *S_search_view(const cb_site *s)
{
	cb_site *v = cb_xmalloc(sizeof *v);
	*v = *s;
	v->docs = cb_xcalloc(s->ndocs ? s->ndocs : 1, sizeof *v->docs);
	for (size_t i = 0; i < s->ndocs; i++) {
		cb_doc *d = &v->docs[i];
		*d = s->docs[i];
		memset(&d->meta.themes, 0, sizeof d->meta.themes);
		for (size_t k = 0; k < s->docs[i].meta.themes.n; k++)
			cb_strv_push(&d->meta.themes, s->docs[i].meta.themes.v[k]);
		d->meta.theme_lines = d->meta.theme_cols = NULL;
		d->extra = NULL;
		d->md.html = NULL;
	}
	v->themes = cb_xcalloc(s->nthemes ? s->nthemes : 1, sizeof *v->themes);
	for (size_t i = 0; i < s->nthemes; i++) {
		cb_theme_group *g = &v->themes[i];
		*g = s->themes[i];
		g->id = cb_xstrdup(s->themes[i].id);
		g->label = cb_xstrdup(s->themes[i].label);
		g->docs = cb_xcalloc(g->ndocs ? g->ndocs : 1, sizeof *g->docs);
		memcpy(g->docs, s->themes[i].docs, g->ndocs * sizeof *g->docs);
	}
	v->pages = NULL;
	v->npages = 0;
	return v;
}

static void S_search_view_free(cb_site *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->ndocs; i++)
		cb_strv_free(&v->docs[i].meta.themes);
	free(v->docs);
	for (size_t i = 0; i < v->nthemes; i++) {
		free((char *)v->themes[i].id);
		free(v->themes[i].label);
		free(v->themes[i].docs);
	}
	free(v->themes);
	free(v);
}

/* Whether the plugins left every theme as the view has it. */
static bool S_same_themes(const cb_site *v, const cb_site *s)
{
	if (v->ndocs != s->ndocs || v->nthemes != s->nthemes)
		return false;
	for (size_t i = 0; i < s->ndocs; i++) {
		const cb_strv *a = &v->docs[i].meta.themes, *b = &s->docs[i].meta.themes;
		if (a->n != b->n)
			return false;
		for (size_t k = 0; k < a->n; k++)
			if (strcmp(a->v[k], b->v[k]) != 0)
				return false;
	}
	for (size_t i = 0; i < s->nthemes; i++) {
		const cb_theme_group *a = &v->themes[i], *b = &s->themes[i];
		if (strcmp(a->id, b->id) != 0 || strcmp(a->label, b->label) != 0 || a->ndocs != b->ndocs ||
		    memcmp(a->docs, b->docs, a->ndocs * sizeof *a->docs) != 0 || a->synonyms != b->synonyms ||
		    a->description != b->description)
			return false;
	}
	return true;
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

cb_build_status cb_build_run(const cb_build_opts *opts, cb_build_result *res, cb_diags *d, cb_error *err)
{
	memset(res, 0, sizeof *res);
	cb_site site;
	cb_writer *w = NULL;
	cb_site *view = NULL; /* what the search index is built from (S_search_view) */
	cb_seal *seal = NULL; /* an encrypted build's keys */
	cb_theme *theme = NULL;
	char *search_web = NULL;
	cb_build_status st;

	/* 0. the cache of earlier builds into the same output (cache.h) */
	double t = S_now();
	cb_cache *cache = NULL;
	cb_map *keys = NULL;
	char *cpath = NULL, *default_out = NULL, *out_abs = NULL, *priv = NULL;
	S_places(opts->site.repo, &priv, &cpath, &default_out);
	if (priv && !opts->check_only) {
		/* The private folder ignores itself before anything is put in
		 * it, and previews killed earlier leave nothing behind. */
		cb_private_make(priv);
		cb_private_sweep(priv);
	}
	char *out_dir = opts->out ? cb_xstrdup(opts->out) : default_out ? cb_xstrdup(default_out) : NULL;
	free(default_out);
	char *cache_dir = NULL;
	if (!opts->check_only && !opts->no_cache && cpath) {
		char *ident = S_identity(opts->version);
		cache = cb_cache_open(cpath, ident, d);
		free(ident);
		/* The text store's file goes beside the cache: on the disk the
		 * output goes to, rather than a /tmp that may be in memory. */
		if (cache) {
			cache_dir = cpath;
			cpath = NULL;
			*strrchr(cache_dir, '/') = '\0';
		}
	}
	free(cpath);

	/* 1. load */
	cb_site_opts so = opts->site;
	so.jobs = opts->jobs;
	so.cache = cache;
	so.text_dir = cache_dir;
	int rc = cb_site_load(&so, &site, d, err);
	S_lap(res, "load", &t);
	S_time(res, "pii-check", site.pii_seconds);
	res->sources = site.nsources;
	res->documents = site.ndocs;
	if (rc == 2) {
		st = CB_BUILD_FAILED;
		goto out;
	}
	/* 1b. plugins: document and site hooks (plugin.h); their errors are
	 * content errors, so a check reports them too */
	search_web = cb_xasprintf("%s/search/web", opts->datadir);
	if (cb_theme_open(&theme, &site, opts->datadir, err) != 0) {
		st = CB_BUILD_FAILED;
		goto out;
	}
	/* Encryption's keys, asked for before anything is written (seal.h). */
	if (!opts->check_only && S_encrypts(opts, &site)) {
		seal = opts->seal_keys ? opts->seal_keys(opts->seal_ctx, err) : NULL;
		if (!seal) {
			if (!opts->seal_keys)
				cb_error_set(err, NULL, 0, 0,
					     "this build is to be encrypted, but no passphrase was given");
			st = CB_BUILD_FAILED;
			goto out;
		}
		res->encrypted = true;
	}
	/* The output folder, opened now so that the search index can start
	 * beside the plugins (see S_search_view); a folder that cannot be
	 * opened is reported after the content checks, as before. */
	cb_error werr = CB_ERROR_INIT;
	int wrc = 0;
	if (!opts->check_only) {
		res->out = opts->out	  ? cb_xstrdup(opts->out)
			   : site.workdir ? cb_path_join(site.workdir, "public")
					  : cb_xstrdup("public");
		if (cache && (!out_dir || strcmp(res->out, out_dir) != 0)) {
			/* The output is not the folder expected when the cache
			 * was opened: use no page records rather than guess. */
			cb_cache_close(cache);
			cache = NULL;
		}
		out_abs = S_abs(res->out);
		wrc = cb_writer_open(&w, res->out, &werr);
		if (wrc == 0) {
			cb_writer_set_known(w, cb_cache_pages(cache, out_abs));
			cb_writer_set_private(w, opts->site.audience == CB_VIS_RESTRICTED);
			cb_writer_seal(w, seal);
		}
	}
	/* The plugins' process is forked first, while this is the only
	 * thread (plugin.h), then the search index starts beside it. */
	cb_buf ptimes = CB_BUF_INIT;
	cb_plugins_opts po = {.datadir = opts->datadir, .theme = theme, .timings = &ptimes};
	cb_plugins_job *pjob = NULL;
	int prc = cb_plugins_start(&pjob, &site, &po, err);
	S_search_job sj = {.web = search_web, .w = w, .err = CB_ERROR_INIT};
	pthread_t sth;
	bool searching = false;
	if (!opts->check_only && wrc == 0 && prc == 0) {
		view = S_search_view(&site);
		sj.site = view;
		searching = pthread_create(&sth, NULL, S_search_thread, &sj) == 0;
	}
	if (prc == 0)
		prc = cb_plugins_finish(pjob, &site, d, err);
	S_lap(res, "plugins", &t);
	for (char *line = ptimes.data, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
		char name[64];
		double secs;
		*nl = '\0';
		if (sscanf(line, "plugin %48s %lf", name, &secs) == 2) {
			cb_strv_push_own(&res->timing_names, cb_xasprintf("  %s", name));
			S_time(res, res->timing_names.v[res->timing_names.n - 1], secs);
		}
	}
	cb_buf_free(&ptimes);
	if (prc == 1)
		rc = 1;
	if (prc == 2 || rc == 1 || d->errors || opts->check_only) {
		if (searching)
			pthread_join(sth, NULL);
		searching = false;
		cb_writer_abort(w);
		w = NULL;
	}
	if (prc == 2) {
		st = CB_BUILD_FAILED;
		goto out;
	}
	/* 2. report */
	if (rc == 1 || d->errors) {
		st = CB_BUILD_CONTENT;
		goto out;
	}
	if (opts->check_only) {
		st = CB_BUILD_OK;
		goto out;
	}

	/* 3. write */
	if (wrc != 0) {
		*err = werr;
		st = CB_BUILD_FAILED;
		goto out;
	}
	if (searching && !S_same_themes(view, &site)) {
		/* A plugin changed themes: start the output and the index
		 * again from the site as it is now. */
		pthread_join(sth, NULL);
		searching = false;
		cb_writer_abort(w);
		w = NULL;
		if (cb_writer_open(&w, res->out, err) != 0) {
			st = CB_BUILD_FAILED;
			goto out;
		}
		cb_writer_set_known(w, cb_cache_pages(cache, out_abs));
		cb_writer_set_private(w, opts->site.audience == CB_VIS_RESTRICTED);
		cb_writer_seal(w, seal);
	}
	if (!searching) {
		/* 3b. search: casebook.db and the browser index
		 * (search/index.h), on its own thread while the pages render:
		 * the index is written by one SQLite connection, so
		 * overlapping it with rendering keeps every core busy. Both
		 * only read the site. */
		sj = (S_search_job){.site = &site, .web = search_web, .w = w, .err = CB_ERROR_INIT};
		searching = pthread_create(&sth, NULL, S_search_thread, &sj) == 0;
		if (!searching)
			S_search_thread(&sj);
	}
	cb_render_opts ro = {.theme = theme, .version = opts->version, .jobs = opts->jobs};
	int rrc = cb_render_site(&site, &ro, w, err);
	/* The attachments the documents link to, as the load read them. */
	for (size_t i = 0; rrc == 0 && i < site.nfiles; i++)
		rrc = cb_writer_put(w, site.files[i].path, site.files[i].data, site.files[i].len, err);
	S_lap(res, "render", &t);
	if (searching)
		pthread_join(sth, NULL);
	searching = false;
	S_time(res, "search", sj.seconds);
	if (rrc == 0 && sj.rc != 0)
		*err = sj.err;
	if (rrc != 0 || sj.rc != 0) {
		cb_writer_abort(w);
		st = CB_BUILD_FAILED;
		goto out;
	}
	t = S_now();
	if (seal && S_seal_finish(w, seal, &site, opts->datadir, err) != 0) {
		cb_writer_abort(w);
		st = CB_BUILD_FAILED;
		goto out;
	}
	res->files = cb_writer_count(w);
	res->reused = cb_writer_reused(w);
	keys = cb_writer_take_keys(w);

	/* 4. swap */
	st = cb_writer_commit(w, err) == 0 ? CB_BUILD_OK : CB_BUILD_FAILED;
	S_lap(res, "swap", &t);
	/* What the new output was made from, for the next build. */
	if (st == CB_BUILD_OK && cache) {
		cb_cache_pages_store(cache, out_abs, keys);
		S_lap(res, "cache", &t);
	}
	if (st == CB_BUILD_OK && site.workdir)
		cb_search_note_build(site.workdir, res->out); /* for `casebook search` */
out:
	cb_seal_free(seal);
	S_search_view_free(view);
	free(search_web);
	cb_theme_free(theme);
	cb_site_free(&site);
	cb_file_keys_free(keys);
	cb_cache_close(cache);
	free(cache_dir);
	free(out_abs);
	free(out_dir);
	free(priv);
	return st;
}

void cb_build_result_free(cb_build_result *res)
{
	free(res->out);
	cb_strv_free(&res->timing_names);
	memset(res, 0, sizeof *res);
}
