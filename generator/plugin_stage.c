/* plugin_stage: the plugin stage of a build (see cb_plugins_run in
 * plugin.h): which plugins run, where each comes from, and casebook.query
 * answered by the search module. No Lua here; the host is plugin.c. */
#include "plugin.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "index.h"
#include "search.h"

/* ---- the build's plugin stage ---- */

static const cb_source *S_repo_plugin(const cb_site *s, const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "plugins/%s.lua", name);
	for (size_t i = 0; i < s->nplugin_srcs; i++)
		if (strcmp(s->plugin_srcs[i].path, path) == 0)
			return &s->plugin_srcs[i];
	return NULL;
}

/* The name of plugins/NAME.lua directly in plugins/, or NULL. */
static char *S_repo_name(const char *path)
{
	const char *base = path + strlen("plugins/");
	if (!cb_str_starts(path, "plugins/") || strchr(base, '/') || !cb_str_ends(base, ".lua"))
		return NULL;
	return cb_xstrndup(base, strlen(base) - 4);
}

static bool S_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 40 || s[0] == '-' || s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return true;
}

/* Every plugin name on offer, for "did you mean". */
static void S_known_names(const cb_site *s, const char *dir, cb_strv *out)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	while (dh && (e = readdir(dh)))
		if (e->d_name[0] != '.' && cb_str_ends(e->d_name, ".lua"))
			cb_strv_push_own(out, cb_xstrndup(e->d_name, strlen(e->d_name) - 4));
	if (dh)
		closedir(dh);
	for (size_t i = 0; i < s->nplugin_srcs; i++) {
		char *n = S_repo_name(s->plugin_srcs[i].path);
		if (n)
			cb_strv_push_own(out, n);
	}
	cb_strv_sort(out);
	cb_strv_uniq(out);
}

/*
 * casebook.query asks the search module. A plugin that queries gets a
 * search database (only the database: no browser files) built the first
 * time it asks, from the site as it is then (themes other plugins changed
 * included), in a temporary folder that is removed when the stage ends:
 * the one the stage's parent made (hk->tmp_dir), which it removes however
 * the child ended. Builds whose plugins never query pay nothing.
 */
typedef struct S_search {
	cb_site *site;
	char *tmp; /* the temporary folder; NULL until built */
	cb_search *s;
	bool failed;
	char why[600]; /* why the index could not be built */
	const cb_plugins_hooks *hk;
	bool own_tmp; /* tmp was made here (else hk->tmp_dir, the caller's) */
} S_search;

static int S_search_open(S_search *q)
{
	const char *t = getenv("TMPDIR");
	cb_error err = CB_ERROR_INIT;
	int rc = -1;
	q->own_tmp = !(q->hk && q->hk->tmp_dir);
	q->tmp = q->own_tmp ? cb_xasprintf("%s/casebook-query-XXXXXX", t && t[0] ? t : "/tmp")
			    : cb_xstrdup(q->hk->tmp_dir);
	if (q->own_tmp && !mkdtemp(q->tmp)) {
		snprintf(q->why, sizeof q->why, "cannot make a temporary folder: %s", strerror(errno));
		free(q->tmp);
		q->tmp = NULL;
		return -1;
	}
	char *db = cb_path_join(q->tmp, "query.db");
	if (cb_index_write_db(q->site, db, NULL, NULL, &err) == 0)
		rc = cb_search_open(&q->s, db, &err);
	if (rc != 0)
		cb_error_format(&err, q->why, sizeof q->why);
	free(db);
	return rc;
}

static int S_search_query(void *ctx, const char *query, size_t limit, cb_plugin_hit **hits, size_t *n,
			  char **msg)
{
	S_search *q = ctx;
	*hits = NULL;
	*n = 0;
	/* Building the index is casebook's work, not the plugin's: its clock
	 * stops meanwhile. */
	if (!q->s && !q->failed) {
		if (q->hk && q->hk->pause)
			q->hk->pause(q->hk->ctx, true);
		if (S_search_open(q) != 0)
			q->failed = true;
		if (q->hk && q->hk->pause)
			q->hk->pause(q->hk->ctx, false);
	}
	if (q->failed) {
		*msg = cb_xasprintf("the search index could not be built: %s", q->why);
		return -1;
	}
	cb_search_result res;
	cb_error err = CB_ERROR_INIT;
	/* Only the ranking (documents only): the index holds the site's documents in their
	 * order, so a hit's id is the document's place (from 1). */
	if (cb_search_rank(q->s, query, limit, &res, &err) != 0) {
		*msg = cb_xstrdup(err.msg);
		cb_search_result_free(&res);
		return -1;
	}
	*hits = cb_xcalloc(res.n ? res.n : 1, sizeof **hits);
	for (size_t i = 0; i < res.n; i++) {
		if (res.hits[i].id < 1 || (size_t)res.hits[i].id > q->site->ndocs)
			continue;
		(*hits)[*n].doc = (int)(res.hits[i].id - 1);
		(*hits)[(*n)++].score = res.hits[i].score;
	}
	cb_search_result_free(&res);
	return 0;
}

static void S_search_close(S_search *q)
{
	cb_search_close(q->s);
	if (q->tmp && q->own_tmp)
		cb_rm_rf(q->tmp);
	free(q->tmp);
}

void cb_plugin_timings_free(cb_plugin_timings *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void cb_plugin_timings_add(cb_plugin_timings *t, const char *name, double seconds)
{
	t->v = cb_xrealloc(t->v, (t->n + 1) * sizeof *t->v);
	t->v[t->n].name = cb_xstrdup(name);
	t->v[t->n++].seconds = seconds;
}

double cb_plugin_seconds(const cb_site *site)
{
	if (site->cfg.plugin_seconds > 0)
		return site->cfg.plugin_seconds;
	return CB_PLUGIN_SECONDS + (double)(site->ndocs / CB_PLUGIN_DOCS_PER_SECOND);
}

cb_stage_result cb_plugins_run_here(cb_site *site, const cb_plugins_opts *opts, const cb_plugins_hooks *hk,
				    cb_diags *d, cb_error *err)
{
	const cb_config *cfg = &site->cfg;
	char *dir = cb_path_join(opts->datadir, "plugins");
	cb_strv names = CB_STRV_INIT;
	cb_stage_result rc = CB_STAGE_OK;
	if (cfg->plugins_set) {
		for (size_t i = 0; i < cfg->plugins.n; i++)
			cb_strv_push(&names, cfg->plugins.v[i]);
	} else {
		for (size_t i = 0; i < cb_plugin_ndefaults; i++)
			cb_strv_push(&names, cb_plugin_defaults[i]);
		/* The repository's own plugins follow, by name. */
		for (size_t i = 0; i < site->nplugin_srcs; i++) {
			char *n = S_repo_name(site->plugin_srcs[i].path);
			if (!n)
				continue;
			if (!S_name_ok(n))
				cb_diags_add(
				    d, CB_WARNING, site->plugin_srcs[i].path, 0, 0, "plugin",
				    "not used: plugin file names are lower-case letters, digits, '-' and '_' "
				    "(at most 40) followed by .lua");
			else if (!cb_strv_contains(&names, n))
				cb_strv_push(&names, n);
			free(n);
		}
	}
	cb_plugin_limits lim = {cfg->plugin_instructions, (size_t)cfg->plugin_memory_mb << 20};
	cb_plugin_host *h = cb_plugin_host_new(site, &lim, opts->theme);
	S_search sq = {.site = site, .hk = hk};
	if (hk && hk->watch)
		cb_plugin_set_watch(h, hk->watch, hk->ctx);
	cb_plugin_set_memo(h, opts->memo);
	if (opts->query)
		cb_plugin_set_query(h, opts->query, opts->query_ctx);
	else
		cb_plugin_set_query(h, S_search_query, &sq);
	for (size_t i = 0; i < names.n && rc == CB_STAGE_OK; i++) {
		const char *name = names.v[i];
		const cb_plugin_conf *conf = cfg->plugins_set ? &cfg->plugin_confs[i] : NULL;
		const cb_source *own = S_repo_plugin(site, name);
		char *path = cb_xasprintf("plugins/%s.lua", name);
		if (own) {
			if (!own->data)
				cb_diags_add(d, CB_ERROR, own->path, 0, 0, "plugin",
					     "the file is too large to be a plugin");
			else if (cb_plugin_host_add(h, name, path, NULL, own->data, own->len, conf, d) != 0)
				rc = CB_STAGE_CONTENT;
			free(path);
			continue;
		}
		char *file = cb_path_join(dir, path + strlen("plugins/"));
		char *src = NULL, *note = NULL;
		size_t len = 0;
		if (cb_file_read(file, &src, &len) == 0) {
			note = cb_xasprintf("casebook's own plugin, from %s", file);
			if (cb_plugin_host_add(h, name, path, note, src, len, conf, d) != 0)
				rc = CB_STAGE_CONTENT;
		} else if (cfg->plugins_set) {
			cb_strv known = CB_STRV_INIT;
			S_known_names(site, dir, &known);
			const char *sug = cb_did_you_mean(name, (const char *const *)known.v, known.n);
			cb_buf list = CB_BUF_INIT;
			for (size_t k = 0; k < known.n; k++)
				cb_buf_printf(&list, "%s%s", k ? ", " : "", known.v[k]);
			cb_diags_add(
			    d, CB_ERROR, "casebook.yml", cfg->plugin_confs[i].line, cfg->plugin_confs[i].col,
			    "unknown-plugin",
			    "there is no plugin '%s'%s%s%s; the plugins on offer are %s, and a plugin of "
			    "your own goes in plugins/%s.lua",
			    name, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "",
			    list.data ? list.data : "none", name);
			cb_buf_free(&list);
			cb_strv_free(&known);
			rc = CB_STAGE_CONTENT;
		} else if (errno != ENOENT) {
			cb_error_set(err, file, 0, 0, "cannot read casebook's own plugin: %s",
				     strerror(errno));
			rc = CB_STAGE_FAILED;
		}
		/* A default the data folder does not hold (a CASEBOOK_DATADIR with
		 * only a theme in it) is left out. */
		free(note);
		free(src);
		free(file);
		free(path);
	}
	if (rc == CB_STAGE_OK && cb_plugin_host_run(h, d) != 0)
		rc = CB_STAGE_CONTENT;
	for (size_t i = 0; opts->timings && i < cb_plugin_host_count(h); i++) {
		/* With what its document hook's records saved, when any were
		 * kept. */
		size_t ran, reused;
		bool site_kept;
		cb_plugin_host_memo_counts(h, i, &ran, &reused, &site_kept);
		cb_buf name = CB_BUF_INIT;
		cb_buf_puts(&name, cb_plugin_host_name(h, i));
		if (ran + reused)
			cb_buf_printf(&name, " (document hook: %zu run, %zu from the cache)", ran, reused);
		if (site_kept)
			cb_buf_puts(&name, " (site hook from the cache)");
		cb_plugin_timings_add(opts->timings, name.data, cb_plugin_host_seconds(h, i));
		cb_buf_free(&name);
	}
	if (hk && hk->touched)
		for (size_t i = 0; i < site->ndocs; i++)
			hk->touched[i] = (unsigned char)cb_plugin_host_touched(h, i);
	cb_plugin_host_free(h);
	S_search_close(&sq);
	cb_strv_free(&names);
	free(dir);
	return rc;
}
