/* site_origin: see site_int.h. */
#include "site_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "frontmatter.h"
#include "learning.h"
#include "util.h"

/* Opens source p's mirror at its pinned commit. */
static int S_open_source(cb_origin *o, const cb_pin *pin, const char *priv, cb_error *err)
{
	char *mirror = cb_partner_mirror(priv, o->p->name);
	int rc = -1;
	/* Checked first: opening a folder that is not a repository would
	 * find the hub around it. */
	if (!cb_gitsrc_has_commit(mirror, pin->commit)) {
		cb_error_set(err, NULL, 0, 0,
			     "source '%s' is pinned at %.12s in casebook.lock, but that commit has not been "
			     "fetched; run 'casebook fetch'",
			     o->p->name, pin->commit);
		goto out;
	}
	if (cb_gitsrc_open(&o->g, mirror, err) != 0 || cb_gitsrc_select(o->g, pin->commit, false, err) != 0)
		goto out;
	memcpy(o->commit, pin->commit, sizeof o->commit);
	rc = 0;
out:
	free(mirror);
	return rc;
}

static void S_names(cb_origin *o, const char *prefix, const char *content)
{
	o->prefix = cb_xstrdup(prefix);
	o->content = cb_xstrdup(content);
	o->content_key = cb_xasprintf("%s%s", prefix, content);
	o->has_content = cb_gitsrc_has_dir(o->g, content);
}

int cb_origins_open(const cb_config *cfg, cb_gitsrc *g, const char *priv, const char *lock_text,
		    size_t lock_len, cb_origin **out, size_t *n, cb_diags *d, cb_error *err)
{
	*n = 1 + cfg->nsources;
	cb_origin *o = *out = cb_xcalloc(*n, sizeof *o);
	o[0].g = g;
	memcpy(o[0].commit, cb_gitsrc_commit_id(g), sizeof o[0].commit);
	S_names(&o[0], "", cfg->content_dir);
	o[0].hist_key = cb_xstrdup(cfg->content_dir);
	if (cfg->nsources == 0)
		return 0;
	cb_pin *pins = NULL;
	size_t npins = 0;
	int rc = cb_lock_parse(lock_text, lock_len, "casebook.lock", &pins, &npins, d) != 0 ? 1 : 0;
	for (size_t i = 0; i < cfg->nsources; i++) {
		const cb_partner *p = &cfg->sources[i];
		const cb_pin *pin = cb_lock_find(pins, npins, p->name);
		o[1 + i].p = p;
		if (!pin) {
			cb_diags_add(
			    d, CB_ERROR, "casebook.yml", p->line, p->col, "source-not-pinned",
			    "source '%s' has no pin in casebook.lock; run 'casebook fetch' and commit "
			    "casebook.lock",
			    p->name);
			rc = 1;
			continue;
		}
		if (rc == 0 && S_open_source(&o[1 + i], pin, priv, err) != 0) {
			rc = -1;
			break;
		}
	}
	cb_lock_free(pins, npins);
	for (size_t i = 1; rc == 0 && i < *n; i++) {
		char *prefix = cb_xasprintf("%s:", o[i].p->name);
		S_names(&o[i], prefix, o[i].p->content);
		o[i].hist_key = cb_xasprintf("%s%s", prefix, o[i].content);
		free(prefix);
	}
	return rc;
}

void cb_origins_free(cb_origin *o, size_t n)
{
	for (size_t i = 0; o && i < n; i++) {
		if (i > 0)
			cb_gitsrc_free(o[i].g);
		free(o[i].prefix);
		free(o[i].content);
		free(o[i].content_key);
		cb_attach_free(o[i].files);
		cb_history_free(o[i].hist, o[i].nhist);
		free(o[i].hist_key);
	}
	free(o);
}

size_t cb_origin_of(const cb_origin *o, size_t n, const char *path)
{
	const char *colon = strchr(path, ':');
	if (!colon || memchr(path, '/', (size_t)(colon - path)))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (strncmp(path, o[i].prefix, (size_t)(colon - path) + 1) == 0 &&
		    o[i].prefix[colon - path + 1] == '\0')
			return i;
	return 0;
}

int cb_origins_list(cb_origin *o, size_t n, size_t attach_max, cb_source **out, size_t *nout, int **origin_of,
		    cb_diags *d, cb_error *err)
{
	*out = NULL;
	*nout = 0;
	*origin_of = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!o[i].has_content && i == 0 && n > 1)
			continue; /* a hub may have no documents of its own */
		if (!o[i].has_content && i > 0) {
			cb_error_set(
			    err, NULL, 0, 0,
			    "source '%s' has no folder '%s/' at its pinned commit; correct 'content:' in "
			    "its entry in casebook.yml",
			    o[i].p->name, o[i].content);
			return -1;
		}
		cb_source *v = NULL;
		size_t nv = 0;
		if (cb_gitsrc_list_lazy(o[i].g, o[i].content, CB_MARKDOWN_EXTS, CB_MAX_DOC_SIZE, &v, &nv, d,
					err) != 0 ||
		    cb_attach_list(&o[i].files, o[i].g, o[i].content, attach_max, err) != 0) {
			cb_sources_free(v, nv);
			return -1;
		}
		*out = cb_xrealloc(*out, (*nout + nv + 1) * sizeof **out);
		*origin_of = cb_xrealloc(*origin_of, (*nout + nv + 1) * sizeof **origin_of);
		for (size_t k = 0; k < nv; k++) {
			if (i > 0) {
				char *p = cb_xasprintf("%s%s", o[i].prefix, v[k].path);
				free(v[k].path);
				v[k].path = p;
			}
			(*origin_of)[*nout] = (int)i;
			(*out)[(*nout)++] = v[k];
		}
		free(v);
	}
	return 0;
}

void cb_origin_adopt(const cb_origin *o, cb_meta *m, const char *file, const cb_strv *theme_ids, cb_diags *d)
{
	if (!o->p)
		return;
	if ((!m->area || !m->area[0]) && o->p->area) {
		free(m->area);
		m->area = cb_xstrdup(o->p->area);
	}
	/* Two of its ids may map to one of ours: the repeat goes. */
	size_t w = 0;
	for (size_t i = 0; i < m->themes.n; i++) {
		char *id = cb_xstrdup(cb_partner_theme(o->p, m->themes.v[i]));
		int line = m->theme_lines ? m->theme_lines[i] : 1, col = m->theme_cols ? m->theme_cols[i] : 1;
		bool seen = false;
		if (theme_ids && !cb_strv_contains(theme_ids, id)) {
			const char *sug =
			    cb_did_you_mean(id, (const char *const *)theme_ids->v, theme_ids->n);
			cb_diags_add(
			    d, CB_ERROR, file, line, col, "unknown-theme",
			    "'%s' is not a theme in the hub's taxonomy%s%s%s; use one of its themes, or "
			    "map it under 'themes:' in source '%s' in the hub's casebook.yml",
			    id, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "", o->p->name);
			/* Reported once, here: it goes no further. */
			seen = true;
		}
		free(m->themes.v[i]);
		m->themes.v[i] = NULL;
		for (size_t k = 0; k < w && !seen; k++)
			seen = strcmp(m->themes.v[k], id) == 0;
		if (seen) {
			free(id);
			continue;
		}
		m->themes.v[w] = id;
		if (m->theme_lines)
			m->theme_lines[w] = line;
		if (m->theme_cols)
			m->theme_cols[w] = col;
		w++;
	}
	m->themes.n = w;
}

/* Reports in d a source's hashtag tag at line:col whose hub id (through
 * the source's map) the hub's taxonomy (theme_ids) lacks. */
static void S_check_tag(const cb_origin *o, const char *tag, const char *file, int line, int col,
			const cb_strv *theme_ids, cb_diags *d)
{
	const char *id = cb_partner_theme(o->p, tag);
	if (cb_strv_contains(theme_ids, id))
		return;
	const char *sug = cb_did_you_mean(id, (const char *const *)theme_ids->v, theme_ids->n);
	cb_diags_add(d, CB_ERROR, file, line, col, "unknown-theme",
		     "'#%s' is not a theme in the hub's taxonomy%s%s%s; use one of its themes, or map it "
		     "under 'themes:' in source '%s' in the hub's casebook.yml",
		     id, sug ? " (did you mean '#" : "", sug ? sug : "", sug ? "'?)" : "", o->p->name);
}

void cb_origin_check_tags(const cb_origin *o, const cb_mdoc *md, const char *file, const cb_strv *theme_ids,
			  cb_diags *d)
{
	if (!o->p || !theme_ids)
		return;
	for (size_t i = 0; i < md->nlearning; i++) {
		const cb_lpoint *lp = &md->learning[i];
		cb_strv tags = CB_STRV_INIT;
		cb_lpoint_tags(lp, &tags);
		/* Columns count the tags as written: "#id" and one space. */
		int col = lp->tag_col;
		for (size_t k = 0; k < tags.n; k++) {
			S_check_tag(o, tags.v[k], file, lp->tag_line, col, theme_ids, d);
			col += (int)strlen(tags.v[k]) + 2;
		}
		cb_strv_free(&tags);
	}
}

/* One origin's history: the cache's for its commit, else the history at
 * the commit built last extended by the commits since, else a full walk.
 * The cache is read under lock (walks of several origins share it); the
 * walk, the slow part, is not. */
static int S_history(cb_origin *o, cb_cache *cache, pthread_mutex_t *lock, cb_error *err)
{
	int rc = 1;
	char *base_id = NULL;
	cb_history *base = NULL;
	size_t nbase = 0;
	pthread_mutex_lock(lock);
	if (cache && o->commit[0]) {
		rc = cb_cache_history_get(cache, o->hist_key, o->commit, &o->hist, &o->nhist) == 0 ? 0 : 1;
		if (rc != 0 && (base_id = cb_cache_history_latest(cache, o->hist_key)) &&
		    cb_cache_history_get(cache, o->hist_key, base_id, &base, &nbase) != 0) {
			free(base_id);
			base_id = NULL;
		}
	}
	pthread_mutex_unlock(lock);
	if (rc == 0)
		return 0;
	if (base_id)
		rc =
		    cb_gitsrc_history_since(o->g, o->content, base_id, base, nbase, &o->hist, &o->nhist, err);
	cb_history_free(base, nbase);
	free(base_id);
	if (rc == 1)
		rc = cb_gitsrc_history(o->g, o->content, &o->hist, &o->nhist, err);
	o->walked = rc == 0;
	return rc;
}

/* The origins' walks shared among threads: each takes the next origin. */
typedef struct S_walks {
	cb_origins_hist *h;
	pthread_mutex_t lock; /* guards next, failed, the cache and h's rc and err */
	size_t next;
	size_t failed; /* the first origin whose walk failed (h->n: none) */
} S_walks;

static void *S_walk(void *arg)
{
	S_walks *w = arg;
	cb_origins_hist *h = w->h;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		size_t i = w->failed < h->n ? h->n : w->next++;
		pthread_mutex_unlock(&w->lock);
		if (i >= h->n)
			return NULL;
		if (!h->o[i].has_content)
			continue;
		cb_error err = CB_ERROR_INIT;
		if (S_history(&h->o[i], h->cache, &w->lock, &err) == 0)
			continue;
		/* The lowest origin's error, so a message never depends on the
		 * threads. */
		pthread_mutex_lock(&w->lock);
		if (i < w->failed) {
			w->failed = i;
			h->rc = -1;
			h->err = err;
		}
		pthread_mutex_unlock(&w->lock);
	}
}

/* Walks every origin's history on up to h->jobs threads (this one
 * included): a national hub has a hundred repositories, each walked on
 * its own and each with its own handle on its repository. */
static void S_walk_all(cb_origins_hist *h)
{
	S_walks w = {.h = h, .next = 0, .failed = h->n};
	pthread_mutex_init(&w.lock, NULL);
	size_t walks = 0;
	for (size_t i = 0; i < h->n; i++)
		walks += h->o[i].has_content;
	size_t nth = h->jobs > 0 ? (size_t)h->jobs : 1;
	if (nth > walks)
		nth = walks ? walks : 1;
	pthread_t *th = cb_xcalloc(nth, sizeof *th);
	size_t started = 0;
	while (started + 1 < nth && pthread_create(&th[started], NULL, S_walk, &w) == 0)
		started++;
	S_walk(&w);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&w.lock);
}

static int S_hist_cmp(const void *a, const void *b)
{
	return strcmp(((const cb_history *)a)->path, ((const cb_history *)b)->path);
}

void *cb_origins_history(void *arg)
{
	cb_origins_hist *h = arg;
	h->rc = 0;
	S_walk_all(h);
	if (h->rc != 0)
		return NULL;
	size_t total = 0;
	for (size_t i = 0; i < h->n; i++)
		total += h->o[i].nhist;
	/* One array, named as documents are, for cb_history_find. Each
	 * origin keeps its own (in its own names) for the cache. */
	h->hist = cb_xcalloc(total ? total : 1, sizeof *h->hist);
	for (size_t i = 0; i < h->n; i++) {
		for (size_t k = 0; k < h->o[i].nhist; k++) {
			const cb_history *src = &h->o[i].hist[k];
			cb_history *dst = &h->hist[h->nhist++];
			*dst = *src;
			dst->path = cb_xasprintf("%s%s", h->o[i].prefix, src->path);
			dst->first_author = src->first_author ? cb_xstrdup(src->first_author) : NULL;
			dst->last_author = src->last_author ? cb_xstrdup(src->last_author) : NULL;
			memset(&dst->authors, 0, sizeof dst->authors);
			for (size_t a = 0; a < src->authors.n; a++)
				cb_strv_push(&dst->authors, src->authors.v[a]);
		}
	}
	if (h->n > 1)
		qsort(h->hist, h->nhist, sizeof *h->hist, S_hist_cmp);
	return NULL;
}

void cb_origins_history_keep(const cb_origins_hist *h)
{
	for (size_t i = 0; h->cache && i < h->n; i++)
		if (h->o[i].walked && h->o[i].commit[0])
			cb_cache_history_put(h->cache, h->o[i].hist_key, h->o[i].commit, h->o[i].hist,
					     h->o[i].nhist);
}

/* A shallow clone's history starts at its boundary, so every document
 * older than that would show the boundary commit's date as first
 * published. That is refused unless asked for; asked for, it is one
 * warning. */
int cb_origin_shallow_check(cb_gitsrc *g, bool allow, cb_diags *d, cb_error *err)
{
	if (!cb_gitsrc_shallow(g, NULL))
		return 0;
	if (!allow) {
		cb_error_set(err, NULL, 0, 0,
			     "this repository is a shallow clone (only the newest commits were fetched), so "
			     "first-published dates and authors would be wrong; run 'git fetch --unshallow' "
			     "(in CI, check out the full history, e.g. fetch-depth: 0), or pass "
			     "--allow-shallow to use the history that is there");
		return -1;
	}
	cb_diags_add(d, CB_WARNING, NULL, 0, 0, "shallow-clone",
		     "this repository is a shallow clone: dates and authors come from the commits fetched, "
		     "so documents older than them show the oldest fetched commit's date; run 'git "
		     "fetch --unshallow' for the real dates");
	return 0;
}

/* The history cache's key for dir: a shallow clone's history is its own
 * (it ends at the boundary), so it never mixes with the full one. Caller
 * frees. */
char *cb_origin_history_key(cb_gitsrc *g, const char *dir)
{
	const char *key;
	if (!cb_gitsrc_shallow(g, &key))
		return cb_xstrdup(dir);
	return cb_xasprintf("%s\nshallow %s", dir, key);
}
