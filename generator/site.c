/* site: see site.h. */
#include "site.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attach.h"
#include "cache.h"
#include "frontmatter.h"
#include "learning.h"
#include "partner.h"
#include "pii.h"
#include "placeholder.h"
#include "pubcheck.h"
#include "site_int.h"
#include "util.h"

char *cb_doc_html(const cb_site *site, const cb_doc *d)
{
	return d->md.html ? cb_xstrdup(d->md.html) : cb_textstore_get(site->text, d->html_ref);
}

char *cb_doc_text(const cb_site *site, const cb_doc *d)
{
	return d->md.text ? cb_xstrdup(d->md.text) : cb_textstore_get(site->text, d->text_ref);
}

char *cb_doc_search_text(const cb_site *site, const cb_doc *d)
{
	char *text = cb_doc_text(site, d);
	if (!d->meta.nactions)
		return text;
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, text ? text : "");
	free(text);
	for (size_t i = 0; i < d->meta.nactions; i++) {
		const cb_action *a = &d->meta.actions[i];
		const char *parts[] = {a->action, a->owner, a->evidence};
		for (size_t k = 0; k < 3; k++) {
			if (!parts[k])
				continue;
			cb_buf_puts(&b, "\n");
			cb_buf_puts(&b, parts[k]);
		}
	}
	return cb_buf_detach(&b);
}

void cb_doc_set_html(cb_site *site, cb_doc *d, char *html)
{
	if (d->md.html || !site->text) {
		free(d->md.html);
		d->md.html = html;
		return;
	}
	d->html_ref = cb_textstore_put(site->text, html, strlen(html));
	free(html);
}

/* Moves a document's HTML and text to the store (see cb_doc_html). */
static void S_store_text(cb_textstore *t, cb_doc *d)
{
	if (!t)
		return;
	if (d->md.html) {
		d->html_ref = cb_textstore_put(t, d->md.html, strlen(d->md.html));
		free(d->md.html);
		d->md.html = NULL;
	}
	if (d->md.text) {
		d->text_ref = cb_textstore_put(t, d->md.text, strlen(d->md.text));
		free(d->md.text);
		d->md.text = NULL;
	}
}

/* A document as read, before the audience decides whether it stays. */
typedef struct S_src {
	cb_doc doc;
	bool valid;		   /* front matter usable */
	bool included;		   /* in this build's audience */
	int final;		   /* index in site->docs, or -1 */
	cb_source *src;		   /* as listed (read only when the cache has no record) */
	cb_split split;		   /* the body, when read (the front matter tree is freed once checked) */
	bool has_body;		   /* split found a body to render: */
	size_t body_off, body_len; /* where it is in the file */
	bool stashed;		   /* ... kept in the text store between the passes */
	cb_textref body_ref;
	int body_line;
	cb_diags front;	    /* front matter, schema and personal-data findings */
	cb_diags body;	    /* Markdown findings */
	bool hit;	    /* front matter results came from the cache ... */
	cb_doc_record *rec; /* ... with the Markdown results to check in pass 2 */
	int origin;	    /* index in S_load.o: the hub (0) or a source */
	bool beyond;	    /* above its source's max-visibility: in no build, not checked */
	cb_link_dep *deps;  /* link resolutions of this build's Markdown run */
	size_t ndeps;
} S_src;

typedef struct S_load {
	S_src *srcs;
	size_t n;
	cb_strmap *by_path; /* path -> S_src* */
	cb_origin *o;	    /* where documents come from: the hub, then each source */
	size_t norigins;
	cb_cache *cache; /* NULL: none */
	char env[33];	 /* everything but the blob a document's results depend on */
	const cb_strv *theme_ids;
	const cb_taxonomy *tax; /* NULL: none */
	const cb_agencies *agencies;
	const cb_lvocab *vocab; /* learning headings */
	const cb_pii_names *pii_names;
	bool pii_every; /* every document's personal data, whatever the audience */
	cb_visibility audience;
	bool drafts;	     /* drafts included (cb_site_opts.drafts) */
	cb_textstore *store; /* where documents' HTML and text go after pass 2; NULL: keep them */
} S_load;

/* An attachment's path in its origin's repository (without "NAME:"). */
static const char *S_own_path(const S_load *L, size_t o, const char *path)
{
	return path + strlen(L->o[o].prefix);
}

/* An attachment, for a document of origin o: a source's go to
 * files/NAME/. */
static cb_link_status S_resolve_file(S_load *L, size_t o, const char *path, char **href)
{
	if (!L->o[o].files)
		return CB_LINK_MISSING;
	cb_link_status st = cb_attach_resolve(L->o[o].files, S_own_path(L, o, path), href);
	if (st == CB_LINK_OK && o > 0) {
		char *h = cb_xasprintf("../files/%s/%s", L->o[o].p->name, *href + strlen("../files/"));
		free(*href);
		*href = h;
	}
	return st;
}

/* Resolves a link of a document of origin from: a partner's documents
 * link only within their own repository (their pages are built from it
 * alone); the hub's within its own, and to partners' documents (written
 * "NAME:path"), since the hub builds from every pin. */
static cb_link_status S_resolve(S_load *L, int from, const char *path, char **href, int *target)
{
	size_t o = cb_origin_of(L->o, L->norigins, path);
	if ((int)o != from && !(from == 0 && cb_name_ext(path, CB_MARKDOWN_EXTS)))
		return CB_LINK_OTHER_SOURCE;
	if (!cb_name_ext(path, CB_MARKDOWN_EXTS)) {
		*target = -1;
		return S_resolve_file(L, o, path, href);
	}
	S_src *s = cb_strmap_get(L->by_path, path);
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

static bool S_visible(const cb_meta *m, cb_visibility audience, bool drafts)
{
	if (m->visibility > audience)
		return false;
	/* Drafts are in no build unless asked for (--drafts, and serve's
	 * preview), and never in a public one. */
	if (m->draft && (!drafts || audience == CB_VIS_PUBLIC))
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

/*
 * Gives every source a unique slug from its path under the content folder.
 * Two documents whose paths make the same slug are an error, whatever their
 * audiences: numbering one of them (care-plan-2) would make a page's name
 * depend on documents a build leaves out, and so tell a public reader that
 * a restricted document exists. Returns the number of clashes reported.
 */
static int S_slugs(S_load *L, cb_diags *d)
{
	cb_strmap *seen = cb_strmap_new(); /* slug -> the first source with it */
	int clashes = 0;
	for (size_t i = 0; i < L->n; i++) {
		const cb_origin *o = &L->o[L->srcs[i].origin];
		const char *rel = L->srcs[i].doc.path + strlen(o->content_key) + 1;
		char *noext = cb_xstrndup(rel, strlen(rel) - cb_name_ext(rel, CB_MARKDOWN_EXTS));
		char *base = cb_slugify(noext);
		free(noext);
		/* A file name may be at most 255 bytes, and long folder and file
		 * names together can exceed that: cut the slug short. */
		if (strlen(base) > 120) {
			base[120] = '\0';
			for (size_t n = 120; n > 0 && base[n - 1] == '-'; n--)
				base[n - 1] = '\0';
		}
		if (!base[0]) {
			/* Nothing to make a name of (子供.md, -.md): a name from
			 * the path itself, so it too never depends on which other
			 * documents a build includes. */
			cb_hash h;
			cb_hash_init(&h);
			cb_hash_str(&h, rel);
			char hex[33];
			cb_hash_hex(&h, hex);
			free(base);
			base = cb_xasprintf("document-%.8s", hex);
		}
		if (o->p) {
			/* A source's pages are in a folder of their own. */
			char *in = cb_xasprintf("%s/%s", o->p->name, base);
			free(base);
			base = in;
		}
		const S_src *first = cb_strmap_get(seen, base);
		char *slug = cb_xstrdup(base);
		if (first) {
			cb_diags_add(d, CB_ERROR, L->srcs[i].doc.path, 1, 1, "slug-clash",
				     "this document's page would be documents/%s.html, the same as %s's "
				     "(whatever either's visibility); rename one of the files",
				     base, first->doc.path);
			clashes++;
			/* Still unique, so that the checks can go on. */
			for (int k = 2; cb_strmap_has(seen, slug); k++) {
				free(slug);
				slug = cb_xasprintf("%s-%d", base, k);
			}
		}
		free(base);
		cb_strmap_put(seen, slug, &L->srcs[i]);
		L->srcs[i].doc.slug = slug;
	}
	cb_strmap_free(seen);
	return clashes;
}

static double S_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int S_build_time(cb_site *site, cb_gitsrc *g, cb_error *err)
{
	int src = cb_source_date_epoch(&site->build_time, err);
	if (src < 0)
		return -1;
	if (src == 0) {
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
	cb_strmap *groups = cb_strmap_new();
	for (size_t i = 0; i < site->ndocs; i++) {
		const cb_strv *th = &site->docs[i].meta.themes;
		for (size_t k = 0; k < th->n; k++) {
			size_t gi = (size_t)(uintptr_t)cb_strmap_get(groups, th->v[k]);
			if (gi == 0) {
				site->themes =
				    cb_xrealloc(site->themes, (site->nthemes + 1) * sizeof *site->themes);
				cb_theme_group *tg = &site->themes[site->nthemes++];
				memset(tg, 0, sizeof *tg);
				tg->id = th->v[k];
				const cb_theme_def *def =
				    site->has_taxonomy ? cb_taxonomy_find(&site->tax, th->v[k]) : NULL;
				tg->label = def ? cb_xstrdup(def->label) : cb_label_from_id(th->v[k]);
				tg->description = def ? def->description : NULL;
				tg->synonyms = def ? &def->synonyms : NULL;
				gi = site->nthemes;
				cb_strmap_put(groups, th->v[k], (void *)(uintptr_t)gi);
			}
			cb_theme_group *tg = &site->themes[gi - 1];
			if (tg->ndocs && tg->docs[tg->ndocs - 1] == (int)i)
				continue; /* a theme listed twice in one document */
			tg->docs = cb_xrealloc(tg->docs, (tg->ndocs + 1) * sizeof(int));
			tg->docs[tg->ndocs++] = (int)i;
		}
	}
	cb_strmap_free(groups);
	if (site->nthemes > 1)
		qsort(site->themes, site->nthemes, sizeof *site->themes, S_cmp_themes);
}

/* Loading runs in two passes over the documents, each spread over a pool
 * of threads taking the next document from a shared counter: first the
 * front matter (every document's audience must be known before any link
 * can be resolved), then the Markdown. A document the cache knows (blob,
 * settings and every link resolving as before) is not even read. Each
 * document keeps its own diagnostics; they are merged in path order after
 * both passes, so the output does not depend on the threads. */
typedef struct S_pool {
	S_load *L;
	int pass; /* 1 or 2 */
	pthread_mutex_t lock;
	size_t next;
	double pii_seconds;
	int failed;   /* a blob could not be read */
	cb_error err; /* why */
} S_pool;

/* The resolver a document's Markdown run uses: S_resolve, remembering each
 * answer as a dependency of the document's cached results. */
typedef struct S_dep_ctx {
	S_load *L;
	S_src *s;
	cb_blob_reader *br; /* the worker's, for attachments' contents */
} S_dep_ctx;

/* The personal-data check of an attached file, reported at the link. */
static void S_check_file(S_dep_ctx *c, const char *path, int line, int col)
{
	char *data = NULL;
	size_t len = 0;
	cb_error err = {{0}, 0, 0, {0}};
	size_t o = (size_t)c->s->origin;
	if (cb_attach_read(c->L->o[o].files, c->br, S_own_path(c->L, o, path), &data, &len, &err) != 0) {
		cb_diags_add(&c->s->body, CB_ERROR, c->s->doc.path, line, col, "attachment-unreadable",
			     "cannot read the attached file '%s' to check it for personal data: %s", path,
			     err.msg);
		return;
	}
	cb_attach_check(path, data, len, c->s->doc.path, line, col, &c->s->doc.meta.pii_allow,
			c->L->pii_names, &c->s->body);
	free(data);
}

/* What a resolution is remembered as: the address, and for an
 * attachment also its blob, since its checks depend on its contents. */
static char *S_dep_value(S_load *L, int from, const char *path, const char *href)
{
	const char *oid = cb_name_ext(path, CB_MARKDOWN_EXTS) || !L->o[from].files
			      ? NULL
			      : cb_attach_oid(L->o[from].files, S_own_path(L, (size_t)from, path));
	return oid ? cb_xasprintf("%s %s", href, oid) : cb_xstrdup(href);
}

static cb_link_status S_resolve_dep(void *ctx, const char *path, int line, int col, char **href, int *target)
{
	S_dep_ctx *c = ctx;
	(void)line, (void)col;
	S_src *s = c->s;
	cb_link_status st = S_resolve(c->L, s->origin, path, href, target);
	s->deps = cb_xrealloc(s->deps, (s->ndeps + 1) * sizeof *s->deps);
	s->deps[s->ndeps].path = cb_xstrdup(path);
	s->deps[s->ndeps].status = (int)st;
	s->deps[s->ndeps].href = st == CB_LINK_OK ? S_dep_value(c->L, s->origin, path, *href) : NULL;
	s->ndeps++;
	/* An attachment of a document this build publishes (or, for check,
	 * of any document) is checked for personal data like the document. */
	if (st == CB_LINK_OK && *target < 0 && (s->included || c->L->pii_every) && cb_attach_checkable(path))
		S_check_file(c, path, line, col);
	return st;
}

static void S_drop_rec(S_src *s)
{
	if (s->rec)
		cb_doc_record_free(s->rec);
	free(s->rec);
	s->rec = NULL;
}

static bool S_deps_hold(S_load *L, int from, const cb_doc_record *rec)
{
	for (size_t i = 0; i < rec->ndeps; i++) {
		char *href = NULL;
		int target = -1;
		cb_link_status st = S_resolve(L, from, rec->deps[i].path, &href, &target);
		char *value = st == CB_LINK_OK ? S_dep_value(L, from, rec->deps[i].path, href) : NULL;
		bool same =
		    (int)st == rec->deps[i].status &&
		    (st != CB_LINK_OK || (rec->deps[i].href && strcmp(value, rec->deps[i].href) == 0));
		free(value);
		free(href);
		if (!same)
			return false;
	}
	return true;
}

static int S_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Reads the document's blob if the listing did not. */
static int S_read(S_pool *p, cb_blob_reader *br, S_src *s)
{
	cb_error err = CB_ERROR_INIT;
	if (!s->src->unread)
		return 0;
	if (br && cb_blob_reader_load(br, s->src, CB_MAX_DOC_SIZE, &err) == 0)
		return 0;
	if (!br)
		cb_error_set(&err, s->src->path, 0, 0,
			     "cannot open the repository's object database to read this file");
	pthread_mutex_lock(&p->lock);
	if (!p->failed) {
		p->failed = 1;
		p->err = err;
	}
	pthread_mutex_unlock(&p->lock);
	return -1;
}

/* A source's documents above its max-visibility are in no build, and
 * not checked: the hub never publishes them. */
static bool S_beyond(const S_load *L, const S_src *s)
{
	const cb_origin *o = &L->o[s->origin];
	return o->p && s->doc.meta.visibility > o->p->max_visibility;
}

static void S_leave_out(S_src *s)
{
	s->beyond = true;
	s->valid = true;
	s->included = false;
	s->has_body = false;
	cb_diags_free(&s->front);
	free(s->src->data);
	s->src->data = NULL;
}

/* A document's record from the cache, when it has one for this blob: its
 * Markdown results, and its body's HTML and text, only when this build
 * keeps the document, the HTML and text put in
 * the store at once rather than waiting in memory for pass 2 (which
 * replaces them if a link changed). False when there is none, or its body
 * is damaged: then the file is read. */
static bool S_take_record(S_load *L, S_src *s, cb_cache_reader *cr)
{
	cb_doc_record rec;
	if (!cr || !cb_cache_doc_get(cr, s->doc.path, s->doc.oid, L->env, &rec))
		return false;
	const cb_origin *o = &L->o[s->origin];
	bool beyond = o->p && rec.meta.visibility > o->p->max_visibility;
	bool included = !beyond && S_visible(&rec.meta, L->audience, L->drafts);
	cb_doc_body body;
	if (included && (!cb_cache_doc_md(cr, &rec) || !cb_cache_doc_body(cr, &body))) {
		cb_doc_record_free(&rec);
		return false;
	}
	s->hit = true;
	s->rec = cb_xmalloc(sizeof *s->rec);
	*s->rec = rec;
	s->doc.meta = s->rec->meta;
	memset(&s->rec->meta, 0, sizeof s->rec->meta);
	cb_diags_take(&s->front, &s->rec->front);
	s->valid = true;
	s->beyond = beyond;
	s->included = included;
	if (!included)
		return true;
	if (L->store) {
		if (body.html)
			s->doc.html_ref = cb_textstore_put(L->store, body.html, body.html_len);
		if (body.text)
			s->doc.text_ref = cb_textstore_put(L->store, body.text, body.text_len);
	} else {
		s->rec->md.html = body.html ? cb_xstrndup(body.html, body.html_len) : NULL;
		s->rec->md.text = body.text ? cb_xstrndup(body.text, body.text_len) : NULL;
	}
	return true;
}

/* Pass 1: front matter, schema and personal data — or the cache's record. */
static void S_pass1(S_pool *p, S_src *s, cb_blob_reader *br, cb_cache_reader *cr, double *pii_seconds)
{
	S_load *L = p->L;
	if (S_take_record(L, s, cr))
		return;
	if (S_read(p, br, s) != 0)
		return;
	const cb_source *src = s->src;
	if (!src->data) {
		cb_diags_add(&s->front, CB_ERROR, src->path, 1, 1, "too-large",
			     "the file is %zu bytes; documents may be at most %d bytes, so split it",
			     src->len, CB_MAX_DOC_SIZE);
		return;
	}
	if (cb_frontmatter_split(src->data, src->len, src->path, &s->split, &s->front) != 0)
		return;
	/* Control characters would reach the terminal and the pages (a
	 * binary or non-UTF-8 file was refused above). */
	cb_pubcheck_controls(src->path, src->data, src->len, &s->front);
	s->has_body = true;
	s->body_off = (size_t)(s->split.body - src->data);
	s->body_len = s->split.body_len;
	s->body_line = s->split.body_line;
	const cb_origin *o = &L->o[s->origin];
	/* A source's theme ids are its own until mapped (cb_origin_adopt). */
	int rc = cb_schema_check(s->split.meta, src->path, o->p ? NULL : L->theme_ids, L->agencies,
				 &s->doc.meta, &s->front);
	cb_split_free(&s->split);
	/* A published document must not keep the template's instructions;
	 * whatever the audience, so every build reports the same errors. */
	if (!s->doc.meta.draft && cb_placeholder_check(src->path, src->data, src->len, &s->front))
		rc = -1;
	if (S_beyond(L, s)) {
		/* What a partner does not contribute is not the hub's to check. */
		S_leave_out(s);
		return;
	}
	cb_origin_adopt(o, &s->doc.meta, src->path, L->theme_ids, &s->front);
	if (rc == 0) {
		s->valid = true;
		s->included = S_visible(&s->doc.meta, L->audience, L->drafts);
		/* The personal-data check, on every document this build publishes
		 * (every document, for casebook check): its text and its file name. */
		if (s->included || L->pii_every) {
			double t0 = S_clock();
			cb_pii_check(src->path, src->data, src->len, &s->doc.meta.pii_allow, L->pii_names,
				     &s->front);
			cb_pubcheck_file_name(src->path, o->content_key, &s->doc.meta.pii_allow, L->pii_names,
					      &s->front);
			*pii_seconds += S_clock() - t0;
		}
	}
	/* The body waits for pass 2 in the text store, not in memory: a
	 * collection's Markdown (350 MB for 100,000 documents) would
	 * otherwise all be in memory at the end of this pass, and the heap
	 * it leaves behind stays the process's for the rest of the build.
	 * Reading the blob again in pass 2 would cost 10% more time. A store
	 * without a file would keep them all, restricted ones included, for
	 * the whole build: then the body stays here until pass 2. */
	if (s->has_body && cb_textstore_has_file(L->store)) {
		s->body_ref = cb_textstore_put(L->store, src->data + s->body_off, s->body_len);
		s->stashed = true;
		free(s->src->data);
		s->src->data = NULL;
	}
}

/* After pass 2: a document this build leaves out needs its body no more;
 * one it keeps has it moved to the text store. */
static void S_keep_body(S_load *L, S_src *s)
{
	if (!s->valid || !s->included) {
		free(s->doc.md.html);
		free(s->doc.md.text);
		s->doc.md.html = s->doc.md.text = NULL;
		return;
	}
	S_store_text(L->store, &s->doc);
}

/* The attachments a document links to, from its link resolutions. */
static void S_note_files(S_src *s, const cb_link_dep *deps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (deps[i].status == CB_LINK_OK && !cb_name_ext(deps[i].path, CB_MARKDOWN_EXTS) &&
		    !cb_strv_contains(&s->doc.files, deps[i].path))
			cb_strv_push(&s->doc.files, deps[i].path);
}

/* The themes of each of a document the build keeps's learning points
 * (cb_doc_classify), with the worker's classifier *lc (made when first
 * needed). */
static void S_classify(const S_load *L, S_src *s, cb_lclass **lc)
{
	if (!s->valid || !s->included || s->doc.pthemes)
		return;
	if (!*lc)
		*lc = cb_lclass_new(L->tax, L->agencies);
	cb_doc_classify(*lc, L->tax, L->o[s->origin].p, &s->doc);
}

/* Pass 2: the Markdown — the cache's, when every link it resolved still
 * resolves the same way — and its points' themes. */
static void S_pass2(S_pool *p, S_src *s, cb_blob_reader *br, cb_lclass **lc, double *pii_seconds)
{
	S_load *L = p->L;
	if (s->beyond)
		return;
	if (s->hit && S_deps_hold(L, s->origin, s->rec)) {
		s->doc.md = s->rec->md;
		memset(&s->rec->md, 0, sizeof s->rec->md);
		s->doc.md.links = cb_xcalloc(s->rec->links.n ? s->rec->links.n : 1, sizeof(int));
		s->doc.md.nlinks = 0;
		for (size_t k = 0; k < s->rec->links.n; k++) {
			S_src *t = cb_strmap_get(L->by_path, s->rec->links.v[k]);
			if (t)
				s->doc.md.links[s->doc.md.nlinks++] = (int)(t - L->srcs);
		}
		qsort(s->doc.md.links, s->doc.md.nlinks, sizeof(int), S_cmp_int);
		cb_diags_take(&s->body, &s->rec->body);
		S_note_files(s, s->rec->deps, s->rec->ndeps);
		s->doc.pthemes = s->rec->pthemes;
		s->rec->pthemes = NULL;
		S_drop_rec(s);
		S_classify(L, s, lc); /* when the record has none */
		S_keep_body(L, s);
		return;
	}
	if (s->hit) {
		/* Cached front matter, but a link now resolves differently:
		 * read the file for its body. */
		S_drop_rec(s);
		cb_diags scratch = CB_DIAGS_INIT;
		int rc =
		    S_read(p, br, s) != 0 || !s->src->data
			? -1
			: cb_frontmatter_split(s->src->data, s->src->len, s->src->path, &s->split, &scratch);
		cb_diags_free(&scratch);
		if (rc == 0) {
			s->has_body = true;
			s->body_off = (size_t)(s->split.body - s->src->data);
			s->body_len = s->split.body_len;
			s->body_line = s->split.body_line;
		}
		cb_split_free(&s->split);
		if (rc != 0)
			return;
	}
	/* Bodies are checked even when the front matter had errors, so one
	 * run reports every problem. */
	if (!s->has_body)
		return;
	char *stashed = NULL;
	const char *body;
	if (s->stashed) {
		body = stashed = cb_textstore_get(L->store, s->body_ref);
	} else {
		if (S_read(p, br, s) != 0 || !s->src->data || s->body_off + s->body_len > s->src->len)
			return;
		body = s->src->data + s->body_off;
	}
	S_dep_ctx dc = {L, s, br};
	cb_md_learning lh = {L->vocab, &s->doc.meta.learning_headings};
	cb_markdown_render_ex(body, s->body_len, s->body_line, s->doc.path, S_resolve_dep, &dc, &lh,
			      &s->doc.md, &s->body);
	S_note_files(s, s->deps, s->ndeps);
	if (s->valid) {
		const cb_origin *o = &L->o[s->origin];
		cb_origin_check_tags(o, &s->doc.md, s->doc.path, L->theme_ids, &s->body);
		cb_learning_check(L->vocab, &s->doc.meta, &s->doc.md, o->p ? NULL : L->theme_ids, s->doc.path,
				  s->body_line, &s->body);
		S_classify(L, s, lc);
	}
	/* Personal data as the page shows it: Markdown and character
	 * references can hide from the source what a reader sees. */
	double t0 = S_clock();
	if (s->included || L->pii_every)
		cb_pubcheck_body(s->doc.path, &s->doc.md.pub, body, s->body_len, s->body_line,
				 &s->doc.meta.pii_allow, L->pii_names, &s->body);
	cb_pubtext_free(&s->doc.md.pub);
	*pii_seconds += S_clock() - t0;
	/* The body is not needed again: free it now, not at the end, so a
	 * large collection is never all in memory at once. */
	free(stashed);
	free(s->src->data);
	s->src->data = NULL;
	if (L->cache && s->valid && !s->front.errors && !s->body.errors) {
		cb_doc_record rec = {s->front,	   s->doc.meta, s->body,  s->doc.md,
				     CB_STRV_INIT, s->deps,	s->ndeps, s->doc.pthemes};
		for (size_t k = 0; k < s->doc.md.nlinks; k++)
			cb_strv_push(&rec.links, L->srcs[s->doc.md.links[k]].doc.path);
		cb_cache_doc_put(L->cache, s->doc.path, s->doc.oid, L->env, &rec);
		cb_strv_free(&rec.links);
	}
	S_keep_body(L, s); /* after the cache has the body */
}

static void *S_worker(void *arg)
{
	S_pool *p = arg;
	S_load *L = p->L;
	cb_error err;
	/* A reader of the origin of the document in hand. Documents are
	 * listed origin by origin and taken in order, so each worker opens
	 * each origin's at most once, and holds one at a time (a hundred
	 * partners' object databases at once would run out of files). */
	cb_blob_reader *br = NULL;
	int br_origin = -1;
	cb_cache_reader *cr = p->pass == 1 ? cb_cache_reader_open(L->cache) : NULL;
	cb_lclass *lc = NULL;
	double pii = 0;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->failed ? L->n : p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= L->n)
			break;
		int o = L->srcs[i].origin;
		if (o != br_origin) {
			cb_blob_reader_free(br);
			if (cb_blob_reader_open(L->o[o].g, &br, &err) != 0)
				br = NULL; /* S_read reports unread blobs */
			br_origin = o;
		}
		if (p->pass == 1)
			S_pass1(p, &L->srcs[i], br, cr, &pii);
		else
			S_pass2(p, &L->srcs[i], br, &lc, &pii);
	}
	cb_lclass_free(lc);
	cb_cache_reader_close(cr);
	cb_blob_reader_free(br);
	pthread_mutex_lock(&p->lock);
	p->pii_seconds += pii;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Runs one pass over every document; -1 with err when a blob could not
 * be read. */
static int S_run_pass(S_load *L, int pass, int jobs, double *pii_seconds, cb_error *err)
{
	long n = jobs > 0 ? jobs : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > 64)
		n = 64;
	S_pool p = {.L = L, .pass = pass, .lock = PTHREAD_MUTEX_INITIALIZER, .err = CB_ERROR_INIT};
	pthread_t th[64];
	long started = 0;
	for (; n > 1 && started < n; started++)
		if (pthread_create(&th[started], NULL, S_worker, &p) != 0)
			break;
	if (started == 0)
		S_worker(&p);
	for (long i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	*pii_seconds += p.pii_seconds;
	if (p.failed) {
		*err = p.err;
		return -1;
	}
	return 0;
}

static int S_file_cmp(const void *a, const void *b)
{
	return strcmp(((const cb_site_file *)a)->path, ((const cb_site_file *)b)->path);
}

/* The attachments of the documents the site holds, read for the writer:
 * only those, so a file only a left-out document links to leaves no
 * trace. Images lose their metadata on the way (imgmeta.h). */
static int S_carry_files(cb_site *site, const S_load *L, cb_error *err)
{
	cb_strv paths = CB_STRV_INIT;
	for (size_t i = 0; i < site->ndocs; i++)
		for (size_t k = 0; k < site->docs[i].files.n; k++)
			cb_strv_push(&paths, site->docs[i].files.v[k]);
	cb_strv_sort(&paths);
	cb_strv_uniq(&paths);
	site->files = cb_xcalloc(paths.n ? paths.n : 1, sizeof *site->files);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < paths.n; i++) {
		size_t o = cb_origin_of(L->o, L->norigins, paths.v[i]);
		const char *own = S_own_path(L, o, paths.v[i]);
		size_t skip = strlen(L->o[o].content);
		skip += skip ? 1 : 0;
		cb_site_file *f = &site->files[site->nfiles];
		rc = cb_attach_publish(L->o[o].files, own, &f->data, &f->len, err);
		if (rc == 0) {
			/* A source's files go beside its pages: files/NAME/. */
			f->path = o ? cb_xasprintf("files/%s/%s", L->o[o].p->name, own + skip)
				    : cb_xasprintf("files/%s", own + skip);
			site->nfiles++;
		}
	}
	cb_strv_free(&paths);
	qsort(site->files, site->nfiles, sizeof *site->files, S_file_cmp);
	return rc;
}

/* Noon UTC of a YYYY-MM-DD date (noon, so it is the same day in every
 * time zone a reader may format it in). */
static int64_t S_day_time(const char *date)
{
	int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
	/* Days from 1970-01-01 of a proleptic Gregorian date. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 + 12 * 3600;
}

/* A back catalogue: 'published:' is when a document was first published,
 * before it came into git, and it wins over the commit that added it
 * everywhere a first-published date appears (pages, feed, what's new,
 * plugins) — so the document's history is a copy with that date. The
 * commit that added it counts as that publication: when nothing changed
 * since, the last change is the published date too, so a library
 * imported today is not all "new". The document's slot in pub_hist is
 * reserved by the caller (one per document). */
static const cb_history *S_published(cb_site *site, const cb_doc *doc)
{
	const cb_history *git = doc->hist;
	cb_history *h = &site->pub_hist[site->npub_hist++];
	memset(h, 0, sizeof *h);
	h->path = cb_xstrdup(doc->path);
	int64_t t = S_day_time(doc->meta.published);
	h->first_time = t;
	h->first_author = cb_xstrdup(""); /* who first published it is not known */
	h->last_time = git && git->last_time != git->first_time && git->last_time > t ? git->last_time : t;
	h->last_tz = git && h->last_time == git->last_time ? git->last_tz : 0;
	h->last_author = cb_xstrdup(git && git->last_author ? git->last_author : "");
	for (size_t i = 0; git && i < git->authors.n; i++)
		cb_strv_push(&h->authors, git->authors.v[i]);
	return h;
}

/* 3. Where the documents come from: the hub, and each source at its pin
 * in the casebook.lock of the tree being built; then every document and
 * attachment of each, listed. -1 (err), else whether content errors were
 * reported. */
static int S_load_origins(cb_site *site, const cb_site_opts *opts, cb_gitsrc *g, S_load *L,
			  cb_source **sources, int **origin_of, cb_diags *d, cb_error *err)
{
	if (cb_origin_shallow_check(g, opts->allow_shallow || site->cfg.allow_shallow, d, err) != 0)
		return -1;
	char *lock = NULL, *priv = cb_gitsrc_private_dir(g);
	size_t len = 0;
	int rc = site->cfg.nsources ? cb_site_read_optional(g, "casebook.lock", &lock, &len, err) : 0;
	if (rc == 0)
		rc = cb_origins_open(&site->cfg, g, priv, lock, len, &L->o, &L->norigins, d, err);
	free(lock);
	free(priv);
	if (rc != 0)
		return rc;
	free(L->o[0].hist_key);
	L->o[0].hist_key = cb_origin_history_key(g, site->cfg.content_dir);
	if (cb_origins_list(L->o, L->norigins, (size_t)site->cfg.attachment_max_mb << 20, sources, &L->n,
			    origin_of, d, err) != 0)
		return -1;
	if (L->n == 0) {
		cb_error_set(err, NULL, 0, 0, "no Markdown documents (*.md, *.markdown) under '%s/'%s",
			     site->cfg.content_dir,
			     opts->worktree ? "" : "; commit them first, or use --worktree to preview");
		return -1;
	}
	site->nsources = L->n;
	return 0;
}

/* 4. The load's state for the passes, with what every document's cached
 * results depend on besides the blob hashed into L->env. */
static void S_load_prepare(cb_site *site, const cb_site_opts *opts, S_load *L, cb_source *sources,
			   const int *origin_of, cb_hash *env)
{
	L->srcs = cb_xcalloc(L->n, sizeof *L->srcs);
	L->cache = opts->cache;
	L->theme_ids = site->has_taxonomy ? &site->tax.ids : NULL;
	L->tax = site->has_taxonomy ? &site->tax : NULL;
	L->agencies = &site->agencies;
	L->pii_every = opts->pii_every_audience;
	L->audience = opts->audience;
	L->drafts = opts->drafts;
	site->text = cb_textstore_new(opts->text_dir);
	L->store = site->text;
	cb_hash_u64(env, (uint64_t)site->cfg.attachment_max_mb);
	cb_hash_u64(env, (uint64_t)opts->audience);
	cb_hash_u64(env, (uint64_t)opts->drafts);
	cb_hash_u64(env, (uint64_t)opts->pii_every_audience);
	cb_hash_str(env, site->cfg.content_dir);
	cb_hash_hex(env, L->env);
	for (size_t i = 0; i < L->n; i++) {
		S_src *s = &L->srcs[i];
		s->final = -1;
		s->src = &sources[i];
		s->origin = origin_of[i];
		s->doc.path = cb_xstrdup(sources[i].path);
		memcpy(s->doc.oid, sources[i].oid, sizeof s->doc.oid);
		cb_strmap_put(L->by_path, s->doc.path, s);
	}
}

/* 5. Both passes over the documents, with every origin's history walked
 * beside them; then each document's findings, in path order. -1 (err),
 * else whether content errors were found. */
static int S_load_documents(cb_site *site, const cb_site_opts *opts, S_load *L, cb_diags *d, cb_error *err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cb_origins_hist hj = {.o = L->o,
			      .n = L->norigins,
			      .jobs = opts->jobs > 0 ? opts->jobs
				      : ncpu > 0     ? (int)ncpu
						     : 1,
			      .cache = opts->cache,
			      .err = CB_ERROR_INIT};
	pthread_t hth;
	bool hthreaded = pthread_create(&hth, NULL, cb_origins_history, &hj) == 0;
	if (!hthreaded)
		cb_origins_history(&hj);
	/* Markdown after every document's audience is known, so links to
	 * documents this build leaves out can be made harmless. */
	int prc = S_run_pass(L, 1, opts->jobs, &site->pii_seconds, err);
	if (prc == 0)
		prc = S_run_pass(L, 2, opts->jobs, &site->pii_seconds, err);
	if (hthreaded)
		pthread_join(hth, NULL);
	site->hist = hj.hist;
	site->nhist = hj.nhist;
	int content_errors = 0;
	for (size_t i = 0; i < L->n; i++) {
		S_src *s = &L->srcs[i];
		cb_diags_take(d, &s->front);
		cb_diags_take(d, &s->body);
		cb_split_free(&s->split);
		if (!s->valid)
			content_errors = 1;
	}
	if (prc != 0)
		return -1;
	if (hj.rc != 0) {
		*err = hj.err;
		return -1;
	}
	if (opts->cache) {
		cb_strv keep = CB_STRV_INIT;
		for (size_t i = 0; i < L->n; i++)
			cb_strv_push(&keep, L->srcs[i].doc.path);
		cb_cache_doc_flush(opts->cache, &keep);
		cb_strv_free(&keep);
		cb_origins_history_keep(&hj);
	}
	return content_errors;
}

/* 6. What the audience may see, newest first, into site->docs, with links
 * renumbered and backlinks made. */
static void S_load_keep(cb_site *site, S_load *L)
{
	S_src **keep = cb_xcalloc(L->n, sizeof *keep);
	size_t nkeep = 0;
	for (size_t i = 0; i < L->n; i++)
		if (L->srcs[i].valid && L->srcs[i].included)
			keep[nkeep++] = &L->srcs[i];
	qsort(keep, nkeep, sizeof *keep, S_cmp_docs);
	site->docs = cb_xcalloc(nkeep ? nkeep : 1, sizeof *site->docs);
	site->ndocs = nkeep;
	for (size_t i = 0; i < nkeep; i++)
		keep[i]->final = (int)i;
	site->pub_hist = cb_xcalloc(nkeep ? nkeep : 1, sizeof *site->pub_hist);
	for (size_t i = 0; i < nkeep; i++) {
		site->docs[i] = keep[i]->doc;
		memset(&keep[i]->doc, 0, sizeof keep[i]->doc);
		cb_doc *doc = &site->docs[i];
		const cb_origin *o = &L->o[keep[i]->origin];
		doc->source = o->p ? o->p->name : NULL;
		doc->hist = cb_history_find(site->hist, site->nhist, doc->path);
		if (doc->meta.published)
			doc->hist = S_published(site, doc);
		/* Links were recorded as source indices; renumber them. */
		size_t w = 0;
		for (size_t k = 0; k < doc->md.nlinks; k++) {
			int f = L->srcs[doc->md.links[k]].final;
			if (f >= 0 && f != (int)i)
				doc->md.links[w++] = f;
		}
		doc->md.nlinks = w;
	}
	free(keep);
	/* What the output's last scan may let through (pubcheck.h). */
	for (size_t i = 0; i < site->ndocs; i++)
		for (size_t k = 0; k < site->docs[i].meta.pii_allow.n; k++)
			cb_strv_push(&site->pii_allow, site->docs[i].meta.pii_allow.v[k]);
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
}

/* Each document's points have their themes from pass 2 (worked out, or
 * with its cached record): only the theme groups are left to make. */
static void S_points_grouped(cb_site *site)
{
	for (size_t i = 0; i < site->ndocs; i++)
		if (site->docs[i].md.nlearning && !site->docs[i].pthemes) {
			cb_site_classify_points(site); /* not reached: every kept document was classified */
			return;
		}
	cb_site_group_themes(site);
}

static void S_load_free(S_load *L)
{
	if (L->srcs) {
		for (size_t i = 0; i < L->n; i++) {
			cb_doc *doc = &L->srcs[i].doc;
			free(doc->path);
			free(doc->slug);
			cb_meta_free(&doc->meta);
			cb_mdoc_free(&doc->md);
			free(doc->linked_from);
			cb_strv_free(&doc->files);
			for (size_t k = 0; doc->pthemes && k < doc->md.nlearning; k++)
				cb_strv_free(&doc->pthemes[k]);
			free(doc->pthemes);
			S_src *s = &L->srcs[i];
			cb_split_free(&s->split);
			cb_diags_free(&s->front);
			cb_diags_free(&s->body);
			S_drop_rec(s);
			for (size_t k = 0; k < s->ndeps; k++) {
				free(s->deps[k].path);
				free(s->deps[k].href);
			}
			free(s->deps);
		}
		free(L->srcs);
	}
	cb_strmap_free(L->by_path);
	cb_origins_free(L->o, L->norigins);
}

/* The build's commit and (unless SOURCE_DATE_EPOCH is set) its date: the
 * newest commit of the hub that changed anything but the hub's documents
 * this build leaves out, so a commit touching only those changes nothing
 * in the output. (A source's documents change through casebook.lock.) */
static int S_published_change(cb_site *site, cb_gitsrc *g, const S_load *L, cb_error *err)
{
	cb_strmap *skip = cb_strmap_new();
	for (size_t i = 0; i < L->n; i++)
		if (!L->srcs[i].included && L->srcs[i].origin == 0)
			cb_strmap_put(skip, L->srcs[i].src->path, skip);
	int64_t t, sde;
	char id[41];
	int rc = cb_gitsrc_newest_change(g, skip, &t, id, err);
	cb_strmap_free(skip);
	if (rc != 0 || !id[0])
		return rc;
	free(site->commit);
	site->commit = cb_xstrdup(id);
	if (cb_source_date_epoch(&sde, err) == 0) {
		site->build_time = t;
		cb_format_date(t, 0, site->build_date);
	}
	return 0;
}

cb_stage_result cb_site_load(const cb_site_opts *opts, cb_site *site, cb_diags *d, cb_error *err)
{
	memset(site, 0, sizeof *site);
	site->audience = opts->audience;
	cb_stage_result rc = CB_STAGE_FAILED;
	cb_gitsrc *g = NULL;
	cb_source *sources = NULL;
	int *origin_of = NULL;
	S_load L;
	memset(&L, 0, sizeof L);
	L.by_path = cb_strmap_new();
	cb_pii_names *pii_names = NULL;
	cb_lvocab *vocab = NULL;
	cb_hash env;
	cb_hash_init(&env);
	cb_hash_u64(&env, CB_CACHE_FORMAT);
	cb_hash_str(&env, opts->cache ? cb_cache_version(opts->cache) : "");

	if (cb_gitsrc_open(&g, opts->repo, err) != 0 ||
	    (opts->staged ? cb_gitsrc_select_index(g, err)
			  : cb_gitsrc_select(g, opts->ref, opts->worktree, err)) != 0)
		goto out;
	site->commit = cb_xstrdup(cb_gitsrc_commit_id(g));
	if (cb_gitsrc_workdir(g))
		site->workdir = cb_xstrdup(cb_gitsrc_workdir(g));
	if (S_build_time(site, g, err) != 0)
		goto out;
	int phase, content_errors = 0;
	if ((phase = cb_site_load_settings(site, g, &env, d, err)) < 0)
		goto out;
	content_errors |= phase;
	if ((phase = cb_site_load_pii_names(site, g, &env, &pii_names, d, err)) < 0)
		goto out;
	content_errors |= phase;
	if ((phase = S_load_origins(site, opts, g, &L, &sources, &origin_of, d, err)) < 0)
		goto out;
	content_errors |= phase;
	if (phase > 0) {
		/* A source with no pin: nothing to read it from. */
		rc = CB_STAGE_CONTENT;
		goto out;
	}
	S_load_prepare(site, opts, &L, sources, origin_of, &env);
	vocab = cb_lvocab_new(&site->cfg.learning_headings, site->cfg.learning_headings_only);
	L.vocab = vocab;
	L.pii_names = pii_names;
	if (S_slugs(&L, d) > 0)
		content_errors = 1;
	if ((phase = S_load_documents(site, opts, &L, d, err)) < 0)
		goto out;
	content_errors |= phase || d->errors;
	S_load_keep(site, &L);
	if (S_published_change(site, g, &L, err) != 0)
		goto out;
	S_points_grouped(site);
	if (!content_errors && S_carry_files(site, &L, err) != 0)
		goto out;
	rc = content_errors ? CB_STAGE_CONTENT : CB_STAGE_OK;
out:
	cb_lvocab_free(vocab);
	S_load_free(&L);
	site->pii_names = pii_names;
	cb_sources_free(sources, L.n);
	free(origin_of);
	cb_gitsrc_free(g);
	return rc;
}

void cb_site_free(cb_site *site)
{
	for (size_t i = 0; i < site->ndocs; i++) {
		cb_doc *doc = &site->docs[i];
		free(doc->path);
		free(doc->slug);
		/* Each point's themes, before md (which holds their count) goes. */
		for (size_t k = 0; doc->pthemes && k < doc->md.nlearning; k++)
			cb_strv_free(&doc->pthemes[k]);
		free(doc->pthemes);
		cb_meta_free(&doc->meta);
		cb_mdoc_free(&doc->md);
		free(doc->linked_from);
		cb_strv_free(&doc->files);
		free(doc->extra);
	}
	free(site->docs);
	for (size_t i = 0; i < site->nretired; i++) {
		for (size_t k = 0; k < site->nretired_points[i]; k++)
			cb_strv_free(&site->retired[i][k]);
		free(site->retired[i]);
	}
	free(site->retired);
	free(site->nretired_points);
	cb_textstore_free(site->text);
	for (size_t i = 0; i < site->npages; i++) {
		free(site->pages[i].path);
		free(site->pages[i].tpl);
		free(site->pages[i].title);
		free(site->pages[i].nav);
		free(site->pages[i].data);
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
	cb_history_free(site->pub_hist, site->npub_hist);
	cb_pii_names_free(site->pii_names);
	cb_strv_free(&site->pii_allow);
	cb_config_free(&site->cfg);
	if (site->has_taxonomy)
		cb_taxonomy_free(&site->tax);
	cb_agencies_free(&site->agencies);
	cb_glossary_free(&site->glossary);
	free(site->commit);
	free(site->workdir);
	for (size_t i = 0; i < site->nfiles; i++) {
		free(site->files[i].path);
		free(site->files[i].data);
	}
	free(site->files);
	memset(site, 0, sizeof *site);
}

cb_site *cb_site_view_new(const cb_site *s)
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

void cb_site_view_free(cb_site *v)
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

bool cb_site_view_current(const cb_site *v, const cb_site *s)
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
