/* render: see render.h. */
#include "render.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "chart.h"
#include "docdata.h"
#include "mustache.h"
#include "pagekey.h"
#include "partner.h"
#include "util.h"
#include "value.h"

typedef struct S_r {
	const cb_site *site;
	const cb_render_opts *opts;
	cb_mustache *tpl;
	cb_writer *w;
	cb_error *err;
	char generator[64];
	cb_hash tpl_hash; /* every template's name and text, in the order added */
	/* The templates that show the build date (those reading build.*, with
	 * their partials and parents): name -> non-NULL. Other pages are not
	 * given it, so a new day's build leaves them as they were. */
	cb_strmap *dated;
	/* Made before the pages and only read while they are made, from any
	 * thread. The shared values live in their own arena (value.h), so
	 * the containers of a page hold them without owning them. */
	cb_value_arena *shared_arena;
	cb_pagekey *keys;			     /* the shared values, hashed once (pagekey.h) */
	cb_value **docrefs;			     /* each document's reference (S_docref) */
	cb_value *base_build, *base_site, *base_nav; /* parts of S_base */
	char **theme_urls;			     /* "themes/<slug>.html" of each theme */
	cb_strmap *theme_ids;			     /* theme id -> 1 + its index in site->themes */
	char **type_urls;			     /* "types/<slug>.html" of each of cb_doc_types */
	cb_buf out;				     /* a page being rendered; one per thread */
} S_r;

/* Sets key to date and label_key to its readable form. */
static void S_set_date(cb_value *map, const char *key, const char *label_key, const char *date)
{
	char buf[32];
	cb_map_set_str(map, key, date);
	cb_map_set_str(map, label_key, cb_date_label(date, buf));
}

/* Writes a, b, c and d (NULL: nothing) one after the other at out, which
 * has room for them (S_join_len); returns the length. */
static size_t S_join_to(char *out, const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[4] = {a, b, c, d};
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		if (!parts[i])
			continue;
		size_t l = strlen(parts[i]);
		memcpy(out + n, parts[i], l);
		n += l;
	}
	out[n] = '\0';
	return n;
}

static size_t S_join_len(const char *a, const char *b, const char *c, const char *d)
{
	return (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + (c ? strlen(c) : 0) + (d ? strlen(d) : 0);
}

/* a, b, c and d joined; caller frees. */
static char *S_join(const char *a, const char *b, const char *c, const char *d)
{
	char *s = cb_xmalloc(S_join_len(a, b, c, d) + 1);
	S_join_to(s, a, b, c, d);
	return s;
}

/* A string of the site (which outlives every page), as a value that
 * points at it where it can (cb_value_str_ref); NULL gives "". */
static cb_value *S_site_str(const char *s)
{
	return s ? cb_value_str_ref(s, strlen(s)) : cb_value_str("");
}

/* a, b, c and d joined, as a string value: the addresses a page holds by
 * the thousand, made without a format string or a heap copy. */
static cb_value *S_joined(const char *a, const char *b, const char *c, const char *d)
{
	char stack[256];
	size_t n = S_join_len(a, b, c, d);
	char *buf = n < sizeof stack ? stack : cb_xmalloc(n + 1);
	S_join_to(buf, a, b, c, d);
	cb_value *v = cb_value_strn(buf, n);
	if (buf != stack)
		free(buf);
	return v;
}

/* Loads every template of the theme (theme.h: the repository's, the
 * installed theme's, the default theme's, file by file). */
static int S_load_templates(S_r *r)
{
	cb_strv names = CB_STRV_INIT;
	cb_theme_list(r->opts->theme, "templates", &names);
	int rc = 0;
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		const char *rest = names.v[i] + strlen("templates/");
		if (strchr(rest, '/') || !cb_str_ends(rest, ".mustache"))
			continue;
		cb_theme_file f;
		if (cb_theme_read(r->opts->theme, names.v[i], &f, r->err) != 0) {
			rc = -1;
		} else {
			char *name = cb_xstrndup(rest, strlen(rest) - strlen(".mustache"));
			cb_hash_str(&r->tpl_hash, name);
			cb_hash_u64(&r->tpl_hash, f.len);
			cb_hash_add(&r->tpl_hash, f.data, f.len);
			if (cb_mustache_add(r->tpl, name, f.data, f.len, r->err) != 0) {
				/* Name the file, keeping the engine's line and column. */
				snprintf(r->err->file, sizeof r->err->file, "%s", f.where);
				rc = -1;
			}
			free(name);
		}
		cb_theme_file_free(&f);
	}
	r->dated = cb_strmap_new();
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		const char *rest = names.v[i] + strlen("templates/");
		if (strchr(rest, '/') || !cb_str_ends(rest, ".mustache"))
			continue;
		char *name = cb_xstrndup(rest, strlen(rest) - strlen(".mustache"));
		if (cb_mustache_reads(r->tpl, name, "build"))
			cb_strmap_put(r->dated, name, (void *)1);
		free(name);
	}
	cb_strv_free(&names);
	static const char *const needed[] = {"layout", "index", "document", "theme", "themes", "404"};
	for (size_t i = 0; rc == 0 && i < sizeof needed / sizeof needed[0]; i++) {
		if (!cb_mustache_has(r->tpl, needed[i])) {
			cb_error_set(r->err, NULL, 0, 0, "the theme '%s' has no template '%s.mustache'",
				     r->site->cfg.theme, needed[i]);
			rc = -1;
		}
	}
	return rc;
}

/* The data every page has. */
static cb_value *S_base(S_r *r, const char *root, const char *kind, const char *title)
{
	const cb_site *s = r->site;
	cb_value *v = cb_value_map();
	cb_map_set_str(v, "lang", s->cfg.language);
	cb_map_set_str(v, "root", root);
	cb_map_set_str(v, "generator", r->generator);
	cb_map_set(v, "site", r->base_site);
	cb_value *page = cb_map_set(v, "page", cb_value_map());
	cb_map_set_str(page, "title", title);
	cb_map_set_str(page, "kind", kind);
	cb_map_set_str(v, "audience", cb_visibility_name(s->audience));
	cb_map_set_bool(v, "restricted", s->audience == CB_VIS_RESTRICTED);
	cb_map_set_bool(v, "internal", s->audience == CB_VIS_INTERNAL);
	cb_map_set(v, "nav", r->base_nav);
	return v;
}

/* The parts of S_base that are the same on every page. */
static void S_base_make(S_r *r)
{
	const cb_site *s = r->site;
	r->base_build = cb_value_map();
	S_set_date(r->base_build, "date", "date_label", s->build_date);
	r->base_site = cb_value_map();
	cb_map_set_str(r->base_site, "title", s->cfg.title);
	cb_map_set_str(r->base_site, "description", s->cfg.description ? s->cfg.description : "");
	/* Pages plugins added to the main navigation (glossary, actions, …). */
	r->base_nav = cb_value_list();
	for (size_t i = 0; i < s->npages; i++) {
		if (!s->pages[i].nav)
			continue;
		cb_value *item = cb_list_push(r->base_nav, cb_value_map());
		cb_map_set_str(item, "title", s->pages[i].nav);
		cb_map_set_str(item, "url", s->pages[i].path);
	}
}

static char *S_doc_url(const cb_doc *d)
{
	return S_join("documents/", d->slug, ".html", NULL);
}

static char *S_theme_url(const char *id)
{
	char *slug = cb_slugify(id);
	char *url = S_join("themes/", slug[0] ? slug : "theme", ".html", NULL);
	free(slug);
	return url;
}

/* The partnership a source's document comes from, {name, label}; NULL
 * for the hub's own. */
static cb_value *S_partnership(const cb_site *s, const cb_doc *d)
{
	const cb_partner *p = cb_partner_find(s->cfg.sources, s->cfg.nsources, d->source);
	if (!p)
		return NULL;
	cb_value *v = cb_value_map();
	cb_map_set_str(v, "name", p->name);
	cb_map_set_str(v, "label", cb_partner_label(p));
	return v;
}

static cb_value *S_docref_make(const cb_site *s, const cb_doc *d)
{
	cb_value *v = cb_value_map();
	cb_map_set_str(v, "title", d->meta.title);
	cb_map_set(v, "url", S_joined("documents/", d->slug, ".html", NULL));
	cb_map_set_str(v, "type", d->meta.type);
	cb_map_set_str(v, "type_label", cb_type_label(d->meta.type));
	S_set_date(v, "date", "date_label", d->meta.date);
	cb_map_set_str(v, "summary", d->meta.summary ? d->meta.summary : "");
	cb_map_set_str(v, "area", d->meta.area ? d->meta.area : "");
	cb_value *from = S_partnership(s, d);
	if (from)
		cb_map_set(v, "partnership", from);
	return v;
}

/* A document's reference (title, address, type, date, summary, area) for
 * lists: the one made before the pages, shared by the thousands of lists a
 * site has (see pagekey.h). */
static cb_value *S_docref(const S_r *r, const cb_doc *d)
{
	return r->docrefs[d - r->site->docs];
}

static cb_value *S_docref_at(void *ctx, size_t i)
{
	const S_r *r = ctx;
	return r->docrefs[i];
}

/* Data a plugin stored (a document's extra fields, an added page's data),
 * the next value of a pack, for a template: a document reference becomes
 * that document's docref. (The pack was made by this build; were it
 * malformed, the value would be null.) */
static cb_value *S_plugin_data(const S_r *r, cb_vpack_reader *in)
{
	cb_vpack_refs refs = {r->site->ndocs, S_docref_at, (void *)r};
	cb_value *v = cb_vpack_read_tree(in, &refs);
	return v ? v : cb_value_null();
}

/* Feeding a pack of plugin data (S_plugin_data) to a page's key: its
 * bytes, and the reference of each document it names, which stands in
 * the page for the document. */
typedef struct S_packkey {
	const S_r *r;
	cb_hash *h;
} S_packkey;

static void S_packkey_item(void *ctx, const cb_vpack_item *it)
{
	(void)ctx;
	(void)it;
}

static void S_packkey_add(void *ctx, size_t i, const char *key, bool bad_key)
{
	(void)ctx;
	(void)i;
	(void)key;
	(void)bad_key;
}

static void S_packkey_doc(void *ctx, size_t n)
{
	S_packkey *k = ctx;
	cb_hash_u64(k->h, n);
	cb_pagekey_hash(k->r->keys, k->h, k->r->docrefs[n]);
}

/* Feeds h what S_plugin_data makes of pk, without making it. */
static void S_hash_pack(const S_r *r, cb_hash *h, const cb_vpack *pk)
{
	cb_hash_u64(h, r->site->ndocs);
	if (!pk) {
		cb_hash_u64(h, UINT64_MAX);
		return;
	}
	cb_hash_u64(h, pk->len);
	cb_hash_u64(h, pk->keys_len);
	cb_hash_add(h, pk->data, pk->len);
	cb_vpack_reader in;
	cb_vpack_reader_init(&in, pk);
	S_packkey k = {r, h};
	cb_vpack_visitor v = {S_packkey_item, S_packkey_item, S_packkey_add, S_packkey_doc, r->site->ndocs};
	cb_vpack_walk(&in, &v, &k);
}

/* The theme of that id (the first, should two share it), or NULL. */
static const cb_theme_group *S_find_theme(const S_r *r, const char *id)
{
	uintptr_t i = (uintptr_t)cb_strmap_get(r->theme_ids, id);
	return i ? &r->site->themes[i - 1] : NULL;
}

enum { S_OUT_KEEP = 256 * 1024 };

/* Starts the key of a page (writer.h) made with template tpl from data:
 * the templates, tpl's name and data. The build date is added to data
 * here when tpl shows it. */
static void S_key_start(const S_r *r, cb_hash *h, const char *tpl, cb_value *data)
{
	if (cb_strmap_has(r->dated, tpl))
		cb_map_set(data, "build", r->base_build);
	*h = r->tpl_hash;
	cb_hash_str(h, tpl);
	cb_pagekey_hash(r->keys, h, data);
}

/* Renders data with template tpl into path, keyed by key (takes data). */
static int S_render_keyed(S_r *r, const char *tpl, cb_value *data, const char *path, const char *key)
{
	cb_buf_clear(&r->out);
	int rc = cb_mustache_render(r->tpl, tpl, data, &r->out, r->err);
	if (rc == 0)
		rc = cb_writer_put_keyed(r->w, path, key, r->out.data ? r->out.data : "", r->out.len, r->err);
	/* The buffer is kept for the thread's next page, unless a large page
	 * (a theme's) made it large: most pages are small. */
	if (r->out.cap > S_OUT_KEEP)
		cb_buf_free(&r->out);
	cb_value_free(data);
	return rc;
}

/* Renders data with template tpl into path, unless the previous output has
 * that page made from the same templates and data (writer.h): the page's
 * bytes are a function of exactly those. Takes data. */
static int S_render(S_r *r, const char *tpl, cb_value *data, const char *path)
{
	cb_hash h;
	S_key_start(r, &h, tpl, data);
	char key[33];
	cb_hash_hex(&h, key);
	if (cb_writer_reuse(r->w, path, key)) {
		cb_value_free(data);
		return 0;
	}
	return S_render_keyed(r, tpl, data, path, key);
}

static cb_value *S_strlist(const cb_strv *sv)
{
	cb_value *l = cb_value_list();
	for (size_t i = 0; i < sv->n; i++)
		cb_list_push(l, cb_value_str(sv->v[i]));
	return l;
}

static cb_value *S_history_entry(int64_t t, int tz, const char *author)
{
	char date[11];
	cb_format_date(t, tz, date);
	cb_value *v = cb_value_map();
	S_set_date(v, "date", "date_label", date);
	if (author)
		cb_map_set_str(v, "author", author);
	return v;
}

/* "areas/<slug>.html" and the like; caller frees. */
static char *S_listing_url(const char *dir, const char *name)
{
	char *slug = cb_slugify(name);
	char *url = S_join(dir, "/", slug[0] ? slug : "other", ".html");
	free(slug);
	return url;
}

/* The address of the listing of documents of a type. */
static cb_value *S_type_url(const S_r *r, const char *type)
{
	for (size_t t = 0; t < cb_doc_ntypes; t++)
		if (strcmp(cb_doc_types[t], type) == 0)
			return cb_value_str(r->type_urls[t]);
	return cb_value_str_own(S_listing_url("types", type));
}

/* The agencies of a document: id, label and the url of their listing. */
static cb_value *S_agency_list(const cb_site *s, const cb_strv *ids)
{
	cb_value *l = cb_value_list();
	for (size_t i = 0; i < ids->n; i++) {
		cb_value *a = cb_list_push(l, cb_value_map());
		cb_map_set_str(a, "id", ids->v[i]);
		cb_map_set(a, "label", cb_value_str_own(cb_agency_label(&s->agencies, ids->v[i])));
		cb_map_set(a, "url", cb_value_str_own(S_listing_url("audiences", ids->v[i])));
	}
	return l;
}

/* One group of a listing: documents sharing a type, an area or an agency. */
typedef struct S_group {
	char *key;   /* the output path, e.g. "areas/harrowdene.html" */
	char *label; /* shown to people */
	int *docs;   /* in site order (newest first) */
	size_t ndocs;
} S_group;

static S_group *S_group_get(S_group **v, size_t *n, const char *key, const char *label)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].key, key) == 0)
			return &(*v)[i];
	*v = cb_xrealloc(*v, (*n + 1) * sizeof **v);
	S_group *g = &(*v)[(*n)++];
	g->key = cb_xstrdup(key);
	g->label = cb_xstrdup(label);
	g->docs = NULL;
	g->ndocs = 0;
	return g;
}

static void S_group_add(S_group *g, int doc)
{
	if (g->ndocs && g->docs[g->ndocs - 1] == doc)
		return;
	g->docs = cb_xrealloc(g->docs, (g->ndocs + 1) * sizeof *g->docs);
	g->docs[g->ndocs++] = doc;
}

static int S_group_cmp(const void *a, const void *b)
{
	const S_group *x = a, *y = b;
	int c = strcmp(x->label, y->label);
	return c ? c : strcmp(x->key, y->key);
}

/* Writes one page per group (template "listing") and an index of them
 * (template "listings"). kind is "type", "area" or "audience". */
static int S_listing_pages(S_r *r, const char *kind, const char *dir, const char *title, const char *intro,
			   const char *kind_label)
{
	const cb_site *s = r->site;
	S_group *groups = NULL;
	size_t ngroups = 0;
	for (size_t i = 0; i < s->ndocs; i++) {
		const cb_meta *m = &s->docs[i].meta;
		if (strcmp(kind, "type") == 0) {
			char *key = S_listing_url(dir, m->type);
			S_group_add(S_group_get(&groups, &ngroups, key, cb_type_label(m->type)), (int)i);
			free(key);
		} else if (strcmp(kind, "area") == 0) {
			if (!m->area || !m->area[0])
				continue;
			char *key = S_listing_url(dir, m->area);
			S_group_add(S_group_get(&groups, &ngroups, key, m->area), (int)i);
			free(key);
		} else {
			for (size_t k = 0; k < m->audience.n; k++) {
				char *key = S_listing_url(dir, m->audience.v[k]);
				char *label = cb_agency_label(&s->agencies, m->audience.v[k]);
				S_group_add(S_group_get(&groups, &ngroups, key, label), (int)i);
				free(label);
				free(key);
			}
		}
	}
	if (ngroups)
		qsort(groups, ngroups, sizeof *groups, S_group_cmp);
	int rc = 0;
	char *index_url = S_join(dir, "/index.html", NULL, NULL);
	for (size_t g = 0; rc == 0 && g < ngroups; g++) {
		cb_value *v = S_base(r, "../", "listing", groups[g].label);
		cb_value *l = cb_map_set(v, "listing", cb_value_map());
		cb_map_set_str(l, "kind", kind);
		cb_map_set_str(l, "kind_label", kind_label);
		cb_map_set_str(l, "label", groups[g].label);
		cb_map_set_num(l, "count", (double)groups[g].ndocs);
		cb_map_set_bool(l, "one", groups[g].ndocs == 1);
		cb_map_set_str(l, "index_url", index_url);
		cb_map_set_str(l, "index_title", title);
		cb_value *docs = cb_map_set(l, "documents", cb_value_list());
		for (size_t k = 0; k < groups[g].ndocs; k++)
			cb_list_push(docs, S_docref(r, &s->docs[groups[g].docs[k]]));
		rc = S_render(r, "listing", v, groups[g].key);
	}
	if (rc == 0) {
		cb_value *v = S_base(r, "../", "listings", title);
		cb_value *l = cb_map_set(v, "listings", cb_value_map());
		cb_map_set_str(l, "kind", kind);
		cb_map_set_str(l, "title", title);
		cb_map_set_str(l, "intro", intro);
		cb_value *items = cb_map_set(l, "items", cb_value_list());
		for (size_t g = 0; g < ngroups; g++) {
			cb_value *it = cb_list_push(items, cb_value_map());
			cb_map_set_str(it, "label", groups[g].label);
			cb_map_set_str(it, "url", groups[g].key);
			cb_map_set_num(it, "count", (double)groups[g].ndocs);
		}
		rc = S_render(r, "listings", v, index_url);
	}
	free(index_url);
	for (size_t g = 0; g < ngroups; g++) {
		free(groups[g].key);
		free(groups[g].label);
		free(groups[g].docs);
	}
	free(groups);
	return rc;
}

/* Documents ordered by their latest change, newest first (then by slug so
 * the order is stable); documents never committed are left out. Caller
 * frees the array. */
static int S_change_cmp(const void *a, const void *b)
{
	const cb_doc *x = *(const cb_doc *const *)a, *y = *(const cb_doc *const *)b;
	if (x->hist->last_time != y->hist->last_time)
		return x->hist->last_time > y->hist->last_time ? -1 : 1;
	return strcmp(x->slug, y->slug);
}

static const cb_doc **S_by_change(const cb_site *s, size_t *n)
{
	const cb_doc **v = cb_xcalloc(s->ndocs + 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < s->ndocs; i++)
		if (s->docs[i].hist)
			v[(*n)++] = &s->docs[i];
	if (*n)
		qsort(v, *n, sizeof *v, S_change_cmp);
	return v;
}

#define S_MAX_CHANGES 30

/* "What's new": documents by their latest change. Only dates, document
 * titles and who changed them: never commit messages, which may name
 * documents outside the audience. */
static int S_whatsnew(S_r *r)
{
	size_t n;
	const cb_doc **v = S_by_change(r->site, &n);
	cb_value *page = S_base(r, "", "whatsnew", "What's new");
	cb_value *changes = cb_map_set(page, "changes", cb_value_list());
	for (size_t i = 0; i < n && i < S_MAX_CHANGES; i++) {
		const cb_history *h = v[i]->hist;
		cb_value *c = cb_list_push(changes, cb_value_map());
		cb_map_set(c, "doc", S_docref(r, v[i]));
		bool added = h->first_time == h->last_time;
		cb_map_set_bool(c, "new", added);
		cb_map_set_str(c, "change_label", added ? "New" : "Updated");
		char date[11];
		cb_format_date(h->last_time, h->last_tz, date);
		S_set_date(c, "date", "date_label", date);
		if (r->site->cfg.show_authors)
			cb_map_set_str(c, "author", h->last_author ? h->last_author : "");
	}
	cb_map_set_bool(page, "has_changes", n > 0);
	cb_map_set_bool(page, "has_more", n > S_MAX_CHANGES);
	free(v);
	return S_render(r, "whatsnew", page, "whatsnew.html");
}

/* The Atom feed. With base-url set every address is absolute; without it
 * links are relative to the feed (RFC 4287 allows relative references,
 * resolved against the feed's own address) and ids are tag: URIs, which
 * must be absolute. */
static int S_feed(S_r *r)
{
	const cb_site *s = r->site;
	const char *base = s->cfg.base_url;
	size_t n;
	const cb_doc **v = S_by_change(s, &n);
	cb_value *data = S_base(r, "", "feed", s->cfg.title);
	cb_value *f = cb_map_set(data, "feed", cb_value_map());
	char stamp[32];
	cb_format_rfc3339(n ? v[0]->hist->last_time : s->build_time, stamp);
	cb_map_set_str(f, "updated", stamp);
	char *site_slug = cb_slugify(s->cfg.title);
	cb_map_set(f, "id",
		   cb_value_str_own(base ? cb_xasprintf("%s/", base)
					 : cb_xasprintf("tag:casebook.invalid,2024:%s", site_slug)));
	cb_map_set(f, "home",
		   cb_value_str_own(base ? cb_xasprintf("%s/index.html", base) : cb_xstrdup("index.html")));
	cb_map_set(f, "self",
		   cb_value_str_own(base ? cb_xasprintf("%s/feed.atom", base) : cb_xstrdup("feed.atom")));
	cb_value *entries = cb_map_set(data, "entries", cb_value_list());
	for (size_t i = 0; i < n && i < S_MAX_CHANGES; i++) {
		const cb_doc *d = v[i];
		cb_value *e = cb_list_push(entries, cb_value_map());
		cb_map_set_str(e, "title", d->meta.title);
		cb_map_set_str(e, "type_label", cb_type_label(d->meta.type));
		cb_map_set_str(e, "summary", d->meta.summary ? d->meta.summary : "");
		char *url = S_doc_url(d);
		cb_map_set(e, "url",
			   cb_value_str_own(base ? cb_xasprintf("%s/%s", base, url) : cb_xstrdup(url)));
		cb_map_set(
		    e, "id",
		    cb_value_str_own(base ? cb_xasprintf("%s/%s", base, url)
					  : cb_xasprintf("tag:casebook.invalid,2024:%s/%s", site_slug, url)));
		free(url);
		cb_format_rfc3339(d->hist->last_time, stamp);
		cb_map_set_str(e, "updated", stamp);
		cb_format_rfc3339(d->hist->first_time, stamp);
		cb_map_set_str(e, "published", stamp);
	}
	free(site_slug);
	free(v);
	return S_render(r, "feed", data, "feed.atom");
}

/* sitemap.xml lists absolute addresses only, so it is written only when
 * base-url is configured. */
static int S_sitemap(S_r *r)
{
	const cb_site *s = r->site;
	if (!s->cfg.base_url)
		return 0;
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
	static const char *const fixed[] = {"index.html",	 "themes/index.html",	 "types/index.html",
					    "areas/index.html",	 "audiences/index.html", "whatsnew.html",
					    "accessibility.html"};
	cb_strv urls = CB_STRV_INIT;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		cb_strv_push(&urls, fixed[i]);
	for (size_t i = 0; i < s->nthemes; i++)
		cb_strv_push_own(&urls, S_theme_url(s->themes[i].id));
	for (size_t i = 0; i < s->npages; i++)
		cb_strv_push(&urls, s->pages[i].path);
	for (size_t i = 0; i < urls.n; i++) {
		cb_buf_puts(&b, "<url><loc>");
		cb_buf_html(&b, s->cfg.base_url, strlen(s->cfg.base_url));
		cb_buf_putc(&b, '/');
		cb_buf_html(&b, urls.v[i], strlen(urls.v[i]));
		cb_buf_puts(&b, "</loc></url>\n");
	}
	for (size_t i = 0; i < s->ndocs; i++) {
		const cb_doc *d = &s->docs[i];
		char *url = S_doc_url(d);
		cb_buf_puts(&b, "<url><loc>");
		cb_buf_html(&b, s->cfg.base_url, strlen(s->cfg.base_url));
		cb_buf_putc(&b, '/');
		cb_buf_html(&b, url, strlen(url));
		cb_buf_puts(&b, "</loc>");
		if (d->hist) {
			char date[11];
			cb_format_date(d->hist->last_time, d->hist->last_tz, date);
			cb_buf_printf(&b, "<lastmod>%s</lastmod>", date);
		}
		cb_buf_puts(&b, "</url>\n");
		free(url);
	}
	cb_buf_puts(&b, "</urlset>\n");
	int rc = cb_writer_put(r->w, "sitemap.xml", b.data, b.len, r->err);
	cb_buf_free(&b);
	cb_strv_free(&urls);
	return rc;
}

/* The accessibility statement. */
static int S_accessibility(S_r *r)
{
	const cb_site *s = r->site;
	cb_value *v = S_base(r, "", "accessibility", "Accessibility statement");
	cb_value *a = cb_map_set(v, "a11y", cb_value_map());
	cb_map_set_str(a, "contact", s->cfg.a11y_contact ? s->cfg.a11y_contact : "");
	S_set_date(a, "date", "date_label", s->build_date);
	return S_render(r, "accessibility", v, "accessibility.html");
}

/* Writes every file of the theme's assets/ (theme.h). */
static int S_assets(S_r *r)
{
	cb_strv files = CB_STRV_INIT;
	cb_theme_list(r->opts->theme, "assets", &files);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < files.n; i++) {
		cb_theme_file f;
		rc = cb_theme_read(r->opts->theme, files.v[i], &f, r->err);
		if (rc == 0)
			rc = cb_writer_put(r->w, files.v[i], f.data, f.len, r->err);
		cb_theme_file_free(&f);
	}
	cb_strv_free(&files);
	return rc;
}

/* A partner's documents are a folder deeper (documents/NAME/x.html) than
 * the pages their HTML was made for (one folder below the root: theme
 * pages carry learning points too), so on their own page every relative
 * address climbs one folder more. Markdown's raw HTML is off, so the only
 * relative addresses are the ones casebook wrote: href="../ and src="../.
 * Takes html; returns a new string. */
static char *S_deeper(char *html, bool deeper)
{
	if (!deeper || !html)
		return html;
	cb_buf b = CB_BUF_INIT;
	const char *p = html;
	for (;;) {
		const char *h = strstr(p, "href=\"../"), *sr = strstr(p, "src=\"../");
		const char *at = !h ? sr : !sr ? h : h < sr ? h : sr;
		if (!at)
			break;
		size_t attr = at == h ? 6 : 5; /* up to and with the quote */
		cb_buf_put(&b, p, (size_t)(at - p) + attr);
		cb_buf_puts(&b, "../");
		p = at + attr;
	}
	cb_buf_puts(&b, p);
	free(html);
	return cb_buf_detach(&b);
}

/* Learning points grouped by the heading they sit under. */
static void S_doc_learning(cb_value *doc, const cb_doc *d, bool deeper)
{
	cb_value *learning = cb_map_set(doc, "learning", cb_value_list());
	cb_value *group = NULL, *points = NULL;
	const char *gid = NULL;
	for (size_t i = 0; i < d->md.nlearning; i++) {
		const cb_lpoint *lp = &d->md.learning[i];
		if (!gid || strcmp(gid, lp->heading_id) != 0) {
			group = cb_list_push(learning, cb_value_map());
			cb_map_set_str(group, "heading", lp->heading);
			cb_map_set_str(group, "id", lp->heading_id);
			points = cb_map_set(group, "points", cb_value_list());
			gid = lp->heading_id;
		}
		cb_value *p = cb_list_push(points, cb_value_map());
		cb_map_set(p, "html", cb_value_str_own(S_deeper(cb_xstrdup(lp->html), deeper)));
	}
	cb_map_set_bool(doc, "has_learning", d->md.nlearning > 0);
}

/* The table of contents: the document's second-level headings. */
static void S_doc_toc(cb_value *doc, const cb_doc *d)
{
	cb_value *toc = cb_map_set(doc, "toc", cb_value_list());
	size_t ntoc = 0;
	for (size_t i = 0; i < d->md.nheadings; i++) {
		if (d->md.headings[i].level != 2)
			continue;
		cb_value *t = cb_list_push(toc, cb_value_map());
		cb_map_set_str(t, "text", d->md.headings[i].text);
		cb_map_set_str(t, "id", d->md.headings[i].id);
		cb_map_set_num(t, "level", 2);
		ntoc++;
	}
	cb_map_set_bool(doc, "has_toc", ntoc > 1);
}

static void S_doc_history(cb_value *doc, const cb_site *s, const cb_doc *d)
{
	/* Dates always; who made the commits only with show-authors: true
	 * (staff are not named by default). */
	bool names = s->cfg.show_authors;
	if (d->hist) {
		cb_map_set(doc, "first_published",
			   S_history_entry(d->hist->first_time, d->hist->first_tz,
					   names ? d->hist->first_author : NULL));
		cb_map_set(doc, "last_updated",
			   S_history_entry(d->hist->last_time, d->hist->last_tz,
					   names ? d->hist->last_author : NULL));
	}
	cb_map_set(doc, "authors", d->hist && names ? S_strlist(&d->hist->authors) : cb_value_list());
	cb_map_set_bool(doc, "show_authors", names);
}

/* The documents this one links to and those linking to it. */
static void S_doc_links(S_r *r, cb_value *doc, const cb_doc *d)
{
	const cb_site *s = r->site;
	cb_value *to = cb_map_set(doc, "links_to", cb_value_list());
	for (size_t i = 0; i < d->md.nlinks; i++)
		cb_list_push(to, S_docref(r, &s->docs[d->md.links[i]]));
	cb_value *from = cb_map_set(doc, "linked_from", cb_value_list());
	for (size_t i = 0; i < d->nlinked_from; i++)
		cb_list_push(from, S_docref(r, &s->docs[d->linked_from[i]]));
	cb_map_set_bool(doc, "has_links_to", d->md.nlinks > 0);
	cb_map_set_bool(doc, "has_linked_from", d->nlinked_from > 0);
}

/* Fields plugins set (plugin.h), beside casebook's own. */
static void S_doc_plugin_fields(S_r *r, cb_value *doc, const cb_doc *d)
{
	cb_vpack_reader in;
	cb_vpack_item extra = {.n = 0};
	cb_vpack_reader_init(&in, d->extra);
	if (!cb_vpack_read(&in, &extra) || extra.type != CB_V_MAP)
		extra.n = 0; /* none */
	for (size_t i = 0; i < extra.n; i++) {
		const char *k = cb_vpack_read_key(&in);
		if (!k)
			break;
		if (cb_map_lookup(doc, k))
			cb_vpack_skip(&in);
		else
			cb_map_set(doc, k, S_plugin_data(r, &in));
	}
}

static int S_document(S_r *r, const cb_doc *d)
{
	const cb_site *s = r->site;
	const cb_meta *m = &d->meta;
	bool deeper = strchr(d->slug, '/') != NULL;
	cb_value *v = S_base(r, deeper ? "../../" : "../", "document", m->title);
	cb_value *doc = cb_map_set(v, "doc", cb_value_map());
	/* The front matter's own fields (schema.h's cb_fields), then what is
	 * worked out from them. */
	cb_docdata_fields(doc, m, CB_FIELD_PAGE);
	cb_map_set_str(doc, "slug", d->slug);
	cb_map_set_str(doc, "type_label", cb_type_label(m->type));
	cb_map_set_str(doc, "visibility", cb_visibility_name(m->visibility));
	cb_map_set_bool(doc, "is_seven_minute", strcmp(m->type, "seven-minute-briefing") == 0);
	if (m->review_by)
		cb_map_set_bool(doc, "review_overdue", strcmp(m->review_by, s->build_date) < 0);

	cb_value *themes = cb_map_set(doc, "themes", cb_value_list());
	for (size_t i = 0; i < m->themes.n; i++) {
		const cb_theme_group *tg = S_find_theme(r, m->themes.v[i]);
		if (!tg)
			continue;
		cb_value *t = cb_list_push(themes, cb_value_map());
		cb_map_set_str(t, "id", tg->id);
		cb_map_set_str(t, "label", tg->label);
		cb_map_set_str(t, "url", r->theme_urls[tg - s->themes]);
	}
	cb_map_set(doc, "agencies", S_agency_list(s, &m->audience));
	if (m->area && m->area[0])
		cb_map_set(doc, "area_url", cb_value_str_own(S_listing_url("areas", m->area)));
	cb_map_set(doc, "type_url", S_type_url(r, m->type));
	cb_value *partnership = S_partnership(s, d);
	if (partnership)
		cb_map_set(doc, "partnership", partnership);
	cb_map_set_bool(doc, "has_questions", m->questions.n > 0);

	S_doc_learning(doc, d, deeper);
	cb_map_set(doc, "actions", cb_docdata_actions(m, s->build_date));
	cb_map_set_bool(doc, "has_actions", m->nactions > 0);

	cb_map_set(doc, "body", cb_value_str_own(S_deeper(cb_doc_html(s, d), deeper)));
	S_doc_toc(doc, d);
	S_doc_history(doc, s, d);
	S_doc_links(r, doc, d);
	S_doc_plugin_fields(r, doc, d);

	char *path = S_doc_url(d);
	int rc = S_render(r, "document", v, path);
	free(path);
	return rc;
}

static cb_value *S_theme_summary(const S_r *r, const cb_theme_group *tg)
{
	cb_value *t = cb_value_map();
	cb_map_set_str(t, "id", tg->id);
	cb_map_set_str(t, "label", tg->label);
	cb_map_set_str(t, "url", r->theme_urls[tg - r->site->themes]);
	cb_map_set_num(t, "count", (double)tg->ndocs);
	cb_map_set_str(t, "description", tg->description ? tg->description : "");
	return t;
}

/* A document's learning points on theme id as its theme page shows them
 * (those about other themes stay on the document's own page), with the
 * document's reference; NULL when none is on the theme. */
static cb_value *S_learning(const S_r *r, const cb_doc *d, const char *id, size_t *n)
{
	size_t on = cb_doc_points_on(d, id);
	*n = on;
	if (!on)
		return NULL;
	cb_value *g = cb_value_map();
	cb_map_set(g, "doc", S_docref(r, d));
	cb_value *points = cb_map_set(g, "points", cb_value_list());
	for (size_t k = 0; k < d->md.nlearning; k++) {
		const cb_lpoint *lp = &d->md.learning[k];
		if (!cb_doc_point_on(d, k, id))
			continue;
		cb_value *p = cb_list_push(points, cb_value_map());
		cb_map_set(p, "html", S_site_str(lp->html));
		cb_map_set(p, "heading", S_site_str(lp->heading));
		cb_map_set(p, "anchor_url", S_joined("documents/", d->slug, ".html#", lp->heading_id));
	}
	return g;
}

static int S_theme(S_r *r, const cb_theme_group *tg)
{
	const cb_site *s = r->site;
	cb_value *v = S_base(r, "../", "theme", tg->label);
	cb_value *t = cb_map_set(v, "theme", S_theme_summary(r, tg));
	cb_map_set(t, "synonyms", tg->synonyms ? S_strlist(tg->synonyms) : cb_value_list());
	cb_value *docs = cb_map_set(t, "documents", cb_value_list());
	cb_value *learning = cb_map_set(t, "learning", cb_value_list());
	size_t nlearning = 0;
	for (size_t i = 0; i < tg->ndocs; i++) {
		const cb_doc *d = &s->docs[tg->docs[i]];
		cb_list_push(docs, S_docref(r, d));
		size_t n = 0;
		cb_value *g = S_learning(r, d, tg->id, &n);
		if (g)
			cb_list_push(learning, g);
		nlearning += n;
	}
	cb_map_set_bool(t, "has_learning", nlearning > 0);
	cb_chart_years(s, tg->docs, tg->ndocs, t);
	return S_render(r, "theme", v, r->theme_urls[tg - s->themes]);
}

static int S_home(S_r *r)
{
	const cb_site *s = r->site;
	cb_value *v = S_base(r, "", "home", s->cfg.title);
	cb_value *docs = cb_map_set(v, "documents", cb_value_list());
	for (size_t i = 0; i < s->ndocs && i < 20; i++)
		cb_list_push(docs, S_docref(r, &s->docs[i]));
	cb_map_set_bool(v, "has_more", s->ndocs > 20);
	cb_map_set_num(v, "count", (double)s->ndocs);
	cb_value *themes = cb_map_set(v, "themes", cb_value_list());
	for (size_t i = 0; i < s->nthemes; i++)
		cb_list_push(themes, S_theme_summary(r, &s->themes[i]));
	cb_value *types = cb_map_set(v, "types", cb_value_list());
	for (size_t t = 0; t < cb_doc_ntypes; t++) {
		size_t count = 0;
		for (size_t i = 0; i < s->ndocs; i++)
			if (strcmp(s->docs[i].meta.type, cb_doc_types[t]) == 0)
				count++;
		if (!count)
			continue;
		cb_value *tv = cb_list_push(types, cb_value_map());
		cb_map_set_str(tv, "id", cb_doc_types[t]);
		cb_map_set_str(tv, "label", cb_type_label(cb_doc_types[t]));
		cb_map_set_num(tv, "count", (double)count);
		cb_map_set_str(tv, "url", r->type_urls[t]);
	}
	return S_render(r, "index", v, "index.html");
}

/* An analysis page: the whole library's (area NULL) or an area's. Its
 * figures are worked out only when the page must be made: its key is
 * the data every page has and the digest of what the analysis reads
 * (analysis.h), which costs a pass over the documents where the figures
 * cost one per area. */
static int S_analysis_page(S_r *r, const char *area, const char *title, const char *path,
			   const uint64_t inputs[2])
{
	cb_value *v = S_base(r, "../", "analysis", title);
	cb_hash h;
	S_key_start(r, &h, "analysis", v);
	cb_hash_str(&h, "analysis inputs");
	cb_hash_u64(&h, inputs[0]);
	cb_hash_u64(&h, inputs[1]);
	cb_hash_str(&h, area);
	char key[33];
	cb_hash_hex(&h, key);
	if (cb_writer_reuse(r->w, path, key)) {
		cb_value_free(v);
		return 0;
	}
	cb_analysis *a = cb_analysis_new(r->site, area);
	cb_map_set(v, "analysis", cb_analysis_page_data(a, "../", S_theme_url));
	cb_analysis_free(a);
	return S_render_keyed(r, "analysis", v, path, key);
}

/* The thematic analysis (analysis.h): the whole library's, then each
 * area's. */
static int S_analysis(S_r *r)
{
	uint64_t inputs[2];
	cb_analysis_digest(r->site, inputs);
	int rc = S_analysis_page(r, NULL, "Thematic analysis", "analysis/index.html", inputs);
	cb_strv areas = CB_STRV_INIT;
	cb_analysis_areas(r->site, &areas);
	for (size_t k = 0; rc == 0 && k < areas.n; k++) {
		char *title = cb_xasprintf("Thematic analysis: %s", areas.v[k]);
		char *path = cb_analysis_area_url(areas.v[k]);
		rc = S_analysis_page(r, areas.v[k], title, path, inputs);
		free(path);
		free(title);
	}
	cb_strv_free(&areas);
	return rc;
}

static int S_theme_index(S_r *r)
{
	const cb_site *s = r->site;
	cb_value *v = S_base(r, "../", "themes", "Themes");
	cb_value *themes = cb_map_set(v, "themes", cb_value_list());
	for (size_t i = 0; i < s->nthemes; i++)
		cb_list_push(themes, S_theme_summary(r, &s->themes[i]));
	return S_render(r, "themes", v, "themes/index.html");
}

/* A page a plugin added: the data every page has, and page.data. */
static int S_added_page(S_r *r, const cb_page *pg)
{
	cb_buf root = CB_BUF_INIT;
	for (const char *c = pg->path; *c; c++)
		if (*c == '/')
			cb_buf_puts(&root, "../");
	cb_value *v = S_base(r, root.data ? root.data : "", pg->tpl, pg->title);
	cb_buf_free(&root);
	/* Keyed by its pack, so an unchanged page's data is not unpacked. */
	cb_hash h;
	S_key_start(r, &h, pg->tpl, v);
	cb_hash_str(&h, "page data");
	S_hash_pack(r, &h, pg->data);
	char key[33];
	cb_hash_hex(&h, key);
	if (cb_writer_reuse(r->w, pg->path, key)) {
		cb_value_free(v);
		return 0;
	}
	cb_vpack_reader in;
	cb_vpack_reader_init(&in, pg->data);
	cb_map_set(cb_map_lookup(v, "page"), "data", S_plugin_data(r, &in));
	return S_render_keyed(r, pg->tpl, v, pg->path, key);
}

/* Document and theme pages — nearly all the work — are rendered by a pool
 * of threads taking the next page from a shared counter. Templates and the
 * site are only read, the writer is thread-safe, and every page's bytes
 * depend only on the site, so the output is the same for any number of
 * threads. Theme pages (the largest) go first so the pool ends together. */
typedef struct S_pool {
	const S_r *proto;
	pthread_mutex_t lock;
	size_t next;
	size_t failed_at; /* lowest failing item, SIZE_MAX when none */
	cb_error err;
} S_pool;

/* Renders theme page i, or document page i - nthemes, building its data
 * in arena (value.h), which is emptied afterwards. */
static int S_page_item(S_r *r, size_t i, cb_value_arena *arena)
{
	const cb_site *s = r->site;
	cb_value_arena *prev = cb_value_arena_use(arena);
	int rc = i < s->nthemes ? S_theme(r, &s->themes[i]) : S_document(r, &s->docs[i - s->nthemes]);
	cb_value_arena_use(prev);
	cb_value_arena_reset(arena);
	return rc;
}

static void *S_worker(void *arg)
{
	S_pool *p = arg;
	S_r r = *p->proto;
	cb_error err = CB_ERROR_INIT;
	r.err = &err;
	r.out = (cb_buf)CB_BUF_INIT; /* this thread's own */
	size_t total = r.site->nthemes + r.site->ndocs;
	cb_value_arena *arena = cb_value_arena_new();
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->failed_at != SIZE_MAX ? total : p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= total)
			break;
		if (S_page_item(&r, i, arena) != 0) {
			/* Report the first failing page in page order, whichever
			 * thread met it, so the message does not depend on timing. */
			pthread_mutex_lock(&p->lock);
			if (i < p->failed_at) {
				p->failed_at = i;
				p->err = err;
			}
			pthread_mutex_unlock(&p->lock);
			break;
		}
	}
	cb_value_arena_free(arena);
	cb_buf_free(&r.out);
	return NULL;
}

static int S_pages_parallel(S_r *r)
{
	size_t total = r->site->nthemes + r->site->ndocs;
	long jobs = r->opts->jobs > 0 ? r->opts->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	if (jobs > 64)
		jobs = 64;
	if ((size_t)jobs > total)
		jobs = total ? (long)total : 1;
	if (jobs == 1) {
		cb_value_arena *arena = cb_value_arena_new();
		int rc = 0;
		for (size_t i = 0; rc == 0 && i < total; i++)
			rc = S_page_item(r, i, arena);
		cb_value_arena_free(arena);
		return rc;
	}
	S_pool p = {
	    .proto = r, .lock = PTHREAD_MUTEX_INITIALIZER, .failed_at = SIZE_MAX, .err = CB_ERROR_INIT};
	pthread_t th[64];
	long started = 0;
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, S_worker, &p) != 0)
			break;
	if (started == 0)
		S_worker(&p); /* no threads to be had: do the work here */
	for (long i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (p.failed_at != SIZE_MAX) {
		*r->err = p.err;
		return -1;
	}
	return 0;
}

/* Makes the values pages share (pagekey.h) and what pages look up by index:
 * document references, the parts of S_base, and the addresses of themes and
 * types. */
static void S_prepare(S_r *r)
{
	const cb_site *s = r->site;
	r->theme_urls = cb_xcalloc(s->nthemes + 1, sizeof *r->theme_urls);
	r->theme_ids = cb_strmap_new();
	for (size_t i = 0; i < s->nthemes; i++) {
		r->theme_urls[i] = S_theme_url(s->themes[i].id);
		if (!cb_strmap_has(r->theme_ids, s->themes[i].id))
			cb_strmap_put(r->theme_ids, s->themes[i].id, (void *)(uintptr_t)(i + 1));
	}
	r->type_urls = cb_xcalloc(cb_doc_ntypes + 1, sizeof *r->type_urls);
	for (size_t t = 0; t < cb_doc_ntypes; t++)
		r->type_urls[t] = S_listing_url("types", cb_doc_types[t]);

	r->keys = cb_pagekey_new(s->ndocs + 3);

	r->shared_arena = cb_value_arena_new();
	cb_value_arena *prev = cb_value_arena_use(r->shared_arena);
	S_base_make(r);
	cb_pagekey_share(r->keys, r->base_build);
	cb_pagekey_share(r->keys, r->base_site);
	cb_pagekey_share(r->keys, r->base_nav);
	r->docrefs = cb_xcalloc(s->ndocs + 1, sizeof *r->docrefs);
	for (size_t i = 0; i < s->ndocs; i++) {
		r->docrefs[i] = S_docref_make(s, &s->docs[i]);
		cb_pagekey_share(r->keys, r->docrefs[i]);
	}
	cb_value_arena_use(prev);
}

static void S_finish(S_r *r)
{
	cb_value_arena_free(r->shared_arena);
	cb_pagekey_free(r->keys);
	free(r->docrefs);
	for (size_t i = 0; r->theme_urls && i < r->site->nthemes; i++)
		free(r->theme_urls[i]);
	free(r->theme_urls);
	cb_strmap_free(r->theme_ids);
	cb_strmap_free(r->dated);
	for (size_t t = 0; r->type_urls && t < cb_doc_ntypes; t++)
		free(r->type_urls[t]);
	free(r->type_urls);
	cb_buf_free(&r->out);
	cb_mustache_free(r->tpl);
}

/* Sets r up for site: its templates loaded (the result) and the data
 * every page shares prepared; S_finish frees it either way. */
static int S_start(S_r *r, const cb_site *site, const cb_render_opts *opts, cb_writer *w, cb_error *err)
{
	*r = (S_r){0};
	r->site = site;
	r->opts = opts;
	r->tpl = cb_mustache_new();
	r->w = w;
	r->err = err;
	snprintf(r->generator, sizeof r->generator, "casebook %s", opts->version);
	cb_hash_init(&r->tpl_hash);
	cb_hash_str(&r->tpl_hash, r->generator);
	int rc = S_load_templates(r);
	S_prepare(r);
	return rc;
}

int cb_render_site(const cb_site *site, const cb_render_opts *opts, cb_writer *w, cb_error *err)
{
	S_r r;
	int rc = S_start(&r, site, opts, w, err);
	if (rc == 0)
		rc = S_home(&r);
	if (rc == 0)
		rc = S_pages_parallel(&r);
	if (rc == 0)
		rc = S_theme_index(&r);
	/* Listings, what's new, the feed, the sitemap and the accessibility
	 * statement; a theme without a page's template goes without it. */
	if (rc == 0 && cb_mustache_has(r.tpl, "listing") && cb_mustache_has(r.tpl, "listings")) {
		rc = S_listing_pages(&r, "type", "types", "Types of document",
				     "Every kind of document in the library, with how many there are.",
				     "Type of document");
		if (rc == 0)
			rc = S_listing_pages(&r, "area", "areas", "Areas",
					     "The places the documents come from.", "Area");
		if (rc == 0)
			rc = S_listing_pages(&r, "audience", "audiences", "Agencies",
					     "The agencies and professions each document is written for.",
					     "Agency");
	}
	if (rc == 0 && cb_mustache_has(r.tpl, "whatsnew"))
		rc = S_whatsnew(&r);
	if (rc == 0 && cb_mustache_has(r.tpl, "analysis"))
		rc = S_analysis(&r);
	if (rc == 0 && cb_mustache_has(r.tpl, "feed"))
		rc = S_feed(&r);
	if (rc == 0)
		rc = S_sitemap(&r);
	if (rc == 0 && cb_mustache_has(r.tpl, "accessibility"))
		rc = S_accessibility(&r);
	if (rc == 0)
		rc = S_render(&r, "404", S_base(&r, "", "notfound", "Page not found"), "404.html");
	for (size_t i = 0; rc == 0 && i < site->npages; i++)
		rc = S_added_page(&r, &site->pages[i]);
	/* The browser search page; its index is written by the search stage. */
	if (rc == 0 && cb_mustache_has(r.tpl, "search"))
		rc = S_render(&r, "search", S_base(&r, "", "search", "Search"), "search.html");
	if (rc == 0)
		rc = S_assets(&r);
	S_finish(&r);
	return rc;
}

int cb_render_document(const cb_site *site, const cb_render_opts *opts, size_t i, cb_writer *w, cb_error *err)
{
	S_r r;
	int rc = S_start(&r, site, opts, w, err);
	if (rc == 0)
		rc = S_document(&r, &site->docs[i]);
	S_finish(&r);
	return rc;
}
