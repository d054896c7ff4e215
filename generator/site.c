/* site: see site.h. */
#include "site.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontmatter.h"
#include "pii.h"
#include "util.h"

static const struct {
	const char *id, *label;
} S_type_labels[] = {
	{"case-review", "Case review"},
	{"briefing", "Briefing"},
	{"seven-minute-briefing", "7-minute briefing"},
	{"audit", "Audit"},
	{"inspection", "Inspection"},
	{"action-plan", "Action plan"},
	{"cdop-learning", "Child death review learning"},
	{"guidance", "Guidance"},
	{"supervision-note", "Supervision note"},
};

const char *cb_type_label(const char *type)
{
	for (size_t i = 0; i < sizeof S_type_labels / sizeof S_type_labels[0]; i++)
		if (strcmp(S_type_labels[i].id, type) == 0)
			return S_type_labels[i].label;
	return type;
}

/* A document as read, before the audience decides whether it stays. */
typedef struct S_src {
	cb_doc doc;
	bool valid;    /* front matter usable */
	bool included; /* in this build's audience */
	int final;     /* index in site->docs, or -1 */
} S_src;

typedef struct S_load {
	S_src *srcs;
	size_t n;
	cb_map *by_path; /* path -> S_src* */
} S_load;

static cb_link_status S_resolve(void *ctx, const char *path, char **href, int *target)
{
	S_load *L = ctx;
	S_src *s = cb_map_get(L->by_path, path);
	if (!s)
		return CB_LINK_MISSING;
	if (!s->included)
		return CB_LINK_HIDDEN;
	/* Learning points carry their links onto theme pages, so the address
	 * must work from any page one folder below the root. */
	*href = cb_xasprintf("../documents/%s.html", s->doc.slug);
	*target = (int)(s - L->srcs);
	return CB_LINK_OK;
}

static bool S_visible(const cb_meta *m, cb_visibility audience)
{
	if (m->visibility > audience)
		return false;
	/* Drafts never reach a public build. */
	if (m->draft && audience == CB_VIS_PUBLIC)
		return false;
	return true;
}

/* Newest first; the path breaks ties so the order never depends on input
 * order. */
static int S_cmp_docs(const void *a, const void *b)
{
	const S_src *x = *(S_src *const *)a, *y = *(S_src *const *)b;
	int c = strcmp(y->doc.meta.date, x->doc.meta.date);
	return c ? c : strcmp(x->doc.path, y->doc.path);
}

static int S_cmp_themes(const void *a, const void *b)
{
	const cb_theme_group *x = a, *y = b;
	int c = strcmp(x->label, y->label);
	return c ? c : strcmp(x->id, y->id);
}

/* Gives every source a unique slug from its path under the content folder. */
static void S_slugs(S_load *L, const char *content_dir)
{
	cb_map *seen = cb_map_new();
	size_t prefix = strlen(content_dir) + 1;
	for (size_t i = 0; i < L->n; i++) {
		const char *rel = L->srcs[i].doc.path + prefix;
		char *noext = cb_xstrndup(rel, strlen(rel) - 3);
		char *base = cb_slugify(noext);
		free(noext);
		/* A file name may be at most 255 bytes, and long folder and file
		 * names together can exceed that: cut the slug short (the loop
		 * below keeps it unique). */
		if (strlen(base) > 120) {
			base[120] = '\0';
			for (size_t n = 120; n > 0 && base[n - 1] == '-'; n--)
				base[n - 1] = '\0';
		}
		if (!base[0]) {
			free(base);
			base = cb_xstrdup("document");
		}
		char *slug = cb_xstrdup(base);
		for (int k = 2; cb_map_has(seen, slug); k++) {
			free(slug);
			slug = cb_xasprintf("%s-%d", base, k);
		}
		free(base);
		cb_map_put(seen, slug, NULL);
		L->srcs[i].doc.slug = slug;
	}
	cb_map_free(seen);
}

static double S_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int S_read_optional(cb_gitsrc *g, const char *path, char **data, size_t *len, cb_error *err)
{
	int rc = cb_gitsrc_read(g, path, data, len, err);
	if (rc == 1) {
		*data = NULL;
		*len = 0;
		return 0;
	}
	return rc;
}

static int S_build_time(cb_site *site, cb_gitsrc *g, cb_error *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && sde[0]) {
		char *end;
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		if (errno || *end || v < 0) {
			cb_error_set(err, NULL, 0, 0,
				     "SOURCE_DATE_EPOCH must be a number of seconds since 1970, not '%s'", sde);
			return -1;
		}
		site->build_time = v;
	} else {
		site->build_time = cb_gitsrc_commit_time(g);
		if (site->build_time == 0)
			site->build_time = (int64_t)time(NULL);
	}
	cb_format_date(site->build_time, 0, site->build_date);
	return 0;
}

void cb_site_group_themes(cb_site *site)
{
	for (size_t i = 0; i < site->nthemes; i++) {
		free(site->themes[i].label);
		free(site->themes[i].docs);
	}
	free(site->themes);
	site->themes = NULL;
	site->nthemes = 0;
	cb_map *groups = cb_map_new();
	for (size_t i = 0; i < site->ndocs; i++) {
		const cb_strv *th = &site->docs[i].meta.themes;
		for (size_t k = 0; k < th->n; k++) {
			size_t gi = (size_t)(uintptr_t)cb_map_get(groups, th->v[k]);
			if (gi == 0) {
				site->themes = cb_xrealloc(site->themes, (site->nthemes + 1) * sizeof *site->themes);
				cb_theme_group *tg = &site->themes[site->nthemes++];
				memset(tg, 0, sizeof *tg);
				tg->id = th->v[k];
				const cb_theme_def *def = site->has_taxonomy ? cb_taxonomy_find(&site->tax, th->v[k]) : NULL;
				tg->label = def ? cb_xstrdup(def->label) : cb_label_from_id(th->v[k]);
				tg->description = def ? def->description : NULL;
				tg->synonyms = def ? &def->synonyms : NULL;
				gi = site->nthemes;
				cb_map_put(groups, th->v[k], (void *)(uintptr_t)gi);
			}
			cb_theme_group *tg = &site->themes[gi - 1];
			if (tg->ndocs && tg->docs[tg->ndocs - 1] == (int)i)
				continue; /* a theme listed twice in one document */
			tg->docs = cb_xrealloc(tg->docs, (tg->ndocs + 1) * sizeof(int));
			tg->docs[tg->ndocs++] = (int)i;
		}
	}
	cb_map_free(groups);
	if (site->nthemes > 1)
		qsort(site->themes, site->nthemes, sizeof *site->themes, S_cmp_themes);
}

/* Markdown is the dearest part of loading, and each body is independent:
 * a pool of threads takes the next document from a shared counter. Each
 * thread collects its own diagnostics; they are merged afterwards and
 * sorted before printing, so the output does not depend on the threads. */
typedef struct S_mdpool {
	S_load *L;
	cb_split *splits;
	pthread_mutex_t lock;
	size_t next;
	cb_diags d;
	int errors;
} S_mdpool;

static void *S_md_worker(void *arg)
{
	S_mdpool *p = arg;
	cb_diags d = CB_DIAGS_INIT;
	int errors = 0;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->L->n)
			break;
		const cb_split *sp = &p->splits[i];
		S_src *s = &p->L->srcs[i];
		if (sp->meta && cb_markdown_render(sp->body, sp->body_len, sp->body_line, s->doc.path, S_resolve,
						   p->L, &s->doc.md, &d) != 0)
			errors = 1;
	}
	pthread_mutex_lock(&p->lock);
	cb_diags_take(&p->d, &d);
	p->errors |= errors;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int S_markdown_parallel(S_load *L, cb_split *splits, int jobs, cb_diags *d)
{
	long n = jobs > 0 ? jobs : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > 64)
		n = 64;
	S_mdpool p = {L, splits, PTHREAD_MUTEX_INITIALIZER, 0, CB_DIAGS_INIT, 0};
	pthread_t th[64];
	long started = 0;
	for (; n > 1 && started < n; started++)
		if (pthread_create(&th[started], NULL, S_md_worker, &p) != 0)
			break;
	if (started == 0)
		S_md_worker(&p);
	for (long i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	cb_diags_take(d, &p.d);
	return p.errors ? -1 : 0;
}

int cb_site_load(const cb_site_opts *opts, cb_site *site, cb_diags *d, cb_error *err)
{
	memset(site, 0, sizeof *site);
	site->audience = opts->audience;
	int rc = 2;
	cb_gitsrc *g = NULL;
	cb_source *sources = NULL;
	size_t nsources = 0;
	S_load L = {NULL, 0, cb_map_new()};
	char *text = NULL;
	size_t len = 0;
	cb_pii_names *pii_names = NULL;

	if (cb_gitsrc_open(&g, opts->repo, err) != 0 || cb_gitsrc_select(g, opts->ref, opts->worktree, err) != 0)
		goto out;
	site->commit = cb_xstrdup(cb_gitsrc_commit_id(g));
	if (cb_gitsrc_workdir(g))
		site->workdir = cb_xstrdup(cb_gitsrc_workdir(g));
	if (S_build_time(site, g, err) != 0)
		goto out;

	/* Configuration, taxonomy and glossary come from the same tree as the
	 * documents, so a build of an old ref uses that ref's settings. */
	if (S_read_optional(g, "casebook.yml", &text, &len, err) != 0)
		goto out;
	int content_errors = cb_config_load(text, len, "casebook.yml", &site->cfg, d) != 0;
	free(text);
	text = NULL;
	if (S_read_optional(g, site->cfg.taxonomy_file, &text, &len, err) != 0)
		goto out;
	if (text) {
		site->has_taxonomy = true;
		if (cb_taxonomy_load(text, len, site->cfg.taxonomy_file, &site->tax, d) != 0)
			content_errors = 1;
	}
	free(text);
	text = NULL;
	if (S_read_optional(g, site->cfg.glossary_file, &text, &len, err) != 0)
		goto out;
	if (text && cb_glossary_load(text, len, site->cfg.glossary_file, &site->glossary, d) != 0)
		content_errors = 1;
	free(text);
	text = NULL;
	/* The repository's own plugins (plugins/NAME.lua), from the same tree. */
	if (cb_gitsrc_has_dir(g, "plugins") && cb_gitsrc_list(g, "plugins", ".lua", CB_MAX_DOC_SIZE, &site->plugin_srcs,
							       &site->nplugin_srcs, d, err) != 0)
		goto out;
	/* The repository's own theme files (themes/<theme>/…), which replace
	 * the built-in theme's files of the same name; from the same tree. */
	char *theme_dir = cb_xasprintf("themes/%s", site->cfg.theme);
	int trc = cb_gitsrc_has_dir(g, theme_dir) ? cb_gitsrc_list(g, theme_dir, NULL, CB_MAX_DOC_SIZE,
								     &site->theme_srcs, &site->ntheme_srcs, d, err)
						  : 0;
	free(theme_dir);
	if (trc != 0)
		goto out;
	/* The personal-data check's deny-list of names: the file casebook.yml
	 * names (which must then exist), else <content>/pii-names.txt if any. */
	char *names_file = site->cfg.pii_names_file ? cb_xstrdup(site->cfg.pii_names_file)
						     : cb_path_join(site->cfg.content_dir, "pii-names.txt");
	int nrc = S_read_optional(g, names_file, &text, &len, err);
	if (nrc == 0 && !text && site->cfg.pii_names_file) {
		cb_diags_add(d, CB_ERROR, "casebook.yml", 0, 0, "pii-names",
			     "pii-names: there is no file '%s' in the repository; commit the list of names, or "
			     "correct the path",
			     names_file);
		content_errors = 1;
	}
	free(names_file);
	if (nrc != 0)
		goto out;
	pii_names = cb_pii_names_parse(text, len);
	free(text);
	text = NULL;

	if (cb_gitsrc_list(g, site->cfg.content_dir, ".md", CB_MAX_DOC_SIZE, &sources, &nsources, d, err) != 0)
		goto out;
	if (nsources == 0) {
		cb_error_set(err, NULL, 0, 0, "no Markdown documents (*.md) under '%s/'%s", site->cfg.content_dir,
			     opts->worktree ? "" : "; commit them first, or use --worktree to preview");
		goto out;
	}
	site->nsources = nsources;

	/* Read and check every document. */
	L.n = nsources;
	L.srcs = cb_xcalloc(nsources, sizeof *L.srcs);
	for (size_t i = 0; i < nsources; i++) {
		S_src *s = &L.srcs[i];
		s->final = -1;
		s->doc.path = cb_xstrdup(sources[i].path);
		memcpy(s->doc.oid, sources[i].oid, sizeof s->doc.oid);
		cb_map_put(L.by_path, s->doc.path, s);
	}
	S_slugs(&L, site->cfg.content_dir);
	cb_split *splits = cb_xcalloc(nsources, sizeof *splits);
	for (size_t i = 0; i < nsources; i++) {
		S_src *s = &L.srcs[i];
		const cb_source *src = &sources[i];
		if (!src->data) {
			cb_diags_add(d, CB_ERROR, src->path, 1, 1, "too-large",
				     "the file is %zu bytes; documents may be at most %d bytes, so split it",
				     src->len, CB_MAX_DOC_SIZE);
			content_errors = 1;
			continue;
		}
		if (cb_frontmatter_split(src->data, src->len, src->path, &splits[i], d) != 0) {
			content_errors = 1;
			continue;
		}
		if (cb_schema_check(splits[i].meta, src->path, site->has_taxonomy ? &site->tax.ids : NULL,
				    &s->doc.meta, d) != 0) {
			content_errors = 1;
			continue;
		}
		s->valid = true;
		s->included = S_visible(&s->doc.meta, opts->audience);
		/* The personal-data check, on every document this build publishes. */
		if (s->included) {
			double t0 = S_clock();
			if (cb_pii_check(src->path, src->data, src->len, &s->doc.meta.pii_allow, pii_names, d))
				content_errors = 1;
			site->pii_seconds += S_clock() - t0;
		}
	}
	/* Markdown after every document's audience is known, so links to
	 * documents this build leaves out can be made harmless. Bodies are
	 * checked even when the front matter had errors, so one run reports
	 * every problem. */
	if (S_markdown_parallel(&L, splits, opts->jobs, d) != 0)
		content_errors = 1;
	for (size_t i = 0; i < nsources; i++)
		cb_split_free(&splits[i]);
	free(splits);

	if (cb_gitsrc_history(g, site->cfg.content_dir, &site->hist, &site->nhist, err) != 0)
		goto out;

	/* Keep what the audience may see, newest first. */
	S_src **keep = cb_xcalloc(nsources, sizeof *keep);
	size_t nkeep = 0;
	for (size_t i = 0; i < nsources; i++)
		if (L.srcs[i].valid && L.srcs[i].included)
			keep[nkeep++] = &L.srcs[i];
	qsort(keep, nkeep, sizeof *keep, S_cmp_docs);
	site->docs = cb_xcalloc(nkeep ? nkeep : 1, sizeof *site->docs);
	site->ndocs = nkeep;
	for (size_t i = 0; i < nkeep; i++)
		keep[i]->final = (int)i;
	for (size_t i = 0; i < nkeep; i++) {
		site->docs[i] = keep[i]->doc;
		memset(&keep[i]->doc, 0, sizeof keep[i]->doc);
		cb_doc *doc = &site->docs[i];
		doc->hist = cb_history_find(site->hist, site->nhist, doc->path);
		/* Links were recorded as source indices; renumber them. */
		size_t w = 0;
		for (size_t k = 0; k < doc->md.nlinks; k++) {
			int f = L.srcs[doc->md.links[k]].final;
			if (f >= 0 && f != (int)i)
				doc->md.links[w++] = f;
		}
		doc->md.nlinks = w;
	}
	free(keep);
	/* Backlinks, in site order because targets are visited in order. */
	for (size_t i = 0; i < site->ndocs; i++) {
		for (size_t k = 0; k < site->docs[i].md.nlinks; k++) {
			cb_doc *t = &site->docs[site->docs[i].md.links[k]];
			t->linked_from = cb_xrealloc(t->linked_from, (t->nlinked_from + 1) * sizeof(int));
			t->linked_from[t->nlinked_from++] = (int)i;
		}
	}
	/* Renumbered links are no longer sorted by target. */
	for (size_t i = 0; i < site->ndocs; i++) {
		cb_doc *doc = &site->docs[i];
		for (size_t a = 1; a < doc->md.nlinks; a++)
			for (size_t b = a; b > 0 && doc->md.links[b - 1] > doc->md.links[b]; b--) {
				int t = doc->md.links[b];
				doc->md.links[b] = doc->md.links[b - 1];
				doc->md.links[b - 1] = t;
			}
	}

	cb_site_group_themes(site);

	rc = content_errors ? 1 : 0;
out:
	if (L.srcs) {
		for (size_t i = 0; i < L.n; i++) {
			cb_doc *doc = &L.srcs[i].doc;
			free(doc->path);
			free(doc->slug);
			cb_meta_free(&doc->meta);
			cb_mdoc_free(&doc->md);
			free(doc->linked_from);
		}
		free(L.srcs);
	}
	cb_map_free(L.by_path);
	cb_pii_names_free(pii_names);
	cb_sources_free(sources, nsources);
	cb_gitsrc_free(g);
	return rc;
}

void cb_site_free(cb_site *site)
{
	for (size_t i = 0; i < site->ndocs; i++) {
		cb_doc *doc = &site->docs[i];
		free(doc->path);
		free(doc->slug);
		cb_meta_free(&doc->meta);
		cb_mdoc_free(&doc->md);
		free(doc->linked_from);
		cb_value_free(doc->extra);
	}
	free(site->docs);
	for (size_t i = 0; i < site->npages; i++) {
		free(site->pages[i].path);
		free(site->pages[i].tpl);
		free(site->pages[i].title);
		free(site->pages[i].nav);
		cb_value_free(site->pages[i].data);
	}
	free(site->pages);
	cb_sources_free(site->plugin_srcs, site->nplugin_srcs);
	cb_sources_free(site->theme_srcs, site->ntheme_srcs);
	for (size_t i = 0; i < site->nthemes; i++) {
		free(site->themes[i].label);
		free(site->themes[i].docs);
	}
	free(site->themes);
	cb_history_free(site->hist, site->nhist);
	cb_config_free(&site->cfg);
	if (site->has_taxonomy)
		cb_taxonomy_free(&site->tax);
	cb_glossary_free(&site->glossary);
	free(site->commit);
	free(site->workdir);
	memset(site, 0, sizeof *site);
}
