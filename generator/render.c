/* render: see render.h. */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"
#include "util.h"
#include "value.h"

typedef struct S_r {
	const cb_site *site;
	const cb_render_opts *opts;
	cb_mustache *tpl;
	cb_writer *w;
	cb_error *err;
	char generator[64];
} S_r;

static const char *const S_months[] = {"January", "February", "March",     "April",   "May",      "June",
				       "July",    "August",   "September", "October", "November", "December"};

/* "14 March 2024" for "2024-03-14"; caller frees. */
static char *S_date_label(const char *date)
{
	if (!date || !cb_date_valid(date))
		return cb_xstrdup(date ? date : "");
	int m = atoi(date + 5), d = atoi(date + 8);
	return cb_xasprintf("%d %s %.4s", d, S_months[m - 1], date);
}

static void S_set_date(cb_value *map, const char *key, const char *date)
{
	char *label = S_date_label(date);
	char *k = cb_xasprintf("%s_label", key);
	cb_map_set_str(map, key, date);
	cb_map_set(map, k, cb_value_str_own(label));
	free(k);
}

static int S_load_templates(S_r *r)
{
	char *dir = cb_path_join(r->opts->theme_dir, "templates");
	DIR *d = opendir(dir);
	if (!d) {
		cb_error_set(r->err, NULL, 0, 0, "cannot read the theme's templates in '%s': %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	cb_strv names = CB_STRV_INIT;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && cb_str_ends(e->d_name, ".mustache"))
			cb_strv_push(&names, e->d_name);
	closedir(d);
	cb_strv_sort(&names);
	int rc = 0;
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		char *path = cb_path_join(dir, names.v[i]);
		char *src;
		size_t len;
		if (cb_file_read(path, &src, &len) != 0) {
			cb_error_set(r->err, NULL, 0, 0, "cannot read '%s': %s", path, strerror(errno));
			rc = -1;
		} else {
			char *name = cb_xstrndup(names.v[i], strlen(names.v[i]) - strlen(".mustache"));
			if (cb_mustache_add(r->tpl, name, src, len, r->err) != 0) {
				/* Name the file, keeping the engine's line and column. */
				snprintf(r->err->file, sizeof r->err->file, "%s", path);
				rc = -1;
			}
			free(name);
			free(src);
		}
		free(path);
	}
	cb_strv_free(&names);
	free(dir);
	static const char *const needed[] = {"layout", "index", "document", "theme", "themes", "404"};
	for (size_t i = 0; rc == 0 && i < sizeof needed / sizeof needed[0]; i++) {
		if (!cb_mustache_has(r->tpl, needed[i])) {
			cb_error_set(r->err, NULL, 0, 0, "the theme in '%s' has no template '%s.mustache'",
				     r->opts->theme_dir, needed[i]);
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
	cb_value *build = cb_map_set(v, "build", cb_value_map());
	cb_map_set_str(build, "date", s->build_date);
	cb_value *site = cb_map_set(v, "site", cb_value_map());
	cb_map_set_str(site, "title", s->cfg.title);
	cb_map_set_str(site, "description", s->cfg.description ? s->cfg.description : "");
	cb_value *page = cb_map_set(v, "page", cb_value_map());
	cb_map_set_str(page, "title", title);
	cb_map_set_str(page, "kind", kind);
	cb_map_set_str(v, "audience", cb_visibility_name(s->audience));
	cb_map_set_bool(v, "restricted", s->audience == CB_VIS_RESTRICTED);
	cb_map_set_bool(v, "internal", s->audience == CB_VIS_INTERNAL);
	/* Pages plugins added to the main navigation (glossary, actions, …). */
	cb_value *nav = cb_map_set(v, "nav", cb_value_list());
	for (size_t i = 0; i < s->npages; i++) {
		if (!s->pages[i].nav)
			continue;
		cb_value *item = cb_list_push(nav, cb_value_map());
		cb_map_set_str(item, "title", s->pages[i].nav);
		cb_map_set_str(item, "url", s->pages[i].path);
	}
	return v;
}

static char *S_doc_url(const cb_doc *d)
{
	return cb_xasprintf("documents/%s.html", d->slug);
}

static char *S_theme_url(const char *id)
{
	char *slug = cb_slugify(id);
	char *url = cb_xasprintf("themes/%s.html", slug[0] ? slug : "theme");
	free(slug);
	return url;
}

static cb_value *S_docref(const cb_doc *d)
{
	cb_value *v = cb_value_map();
	cb_map_set_str(v, "title", d->meta.title);
	cb_map_set(v, "url", cb_value_str_own(S_doc_url(d)));
	cb_map_set_str(v, "type", d->meta.type);
	cb_map_set_str(v, "type_label", cb_type_label(d->meta.type));
	S_set_date(v, "date", d->meta.date);
	cb_map_set_str(v, "summary", d->meta.summary ? d->meta.summary : "");
	cb_map_set_str(v, "area", d->meta.area ? d->meta.area : "");
	return v;
}

/* Data a plugin stored (a document's extra fields, an added page's data)
 * for a template: a document reference {"$doc": index} becomes that
 * document's docref. */
static cb_value *S_plugin_data(const cb_site *s, const cb_value *v)
{
	if (v && v->type == CB_V_LIST) {
		cb_value *l = cb_value_list();
		for (size_t i = 0; i < v->u.list.n; i++)
			cb_list_push(l, S_plugin_data(s, v->u.list.items[i]));
		return l;
	}
	if (v && v->type == CB_V_MAP) {
		const cb_value *ref = cb_map_lookup(v, "$doc");
		if (ref && ref->type == CB_V_NUM && v->u.map.n == 1 && ref->u.num >= 0 && ref->u.num < (double)s->ndocs)
			return S_docref(&s->docs[(size_t)ref->u.num]);
		cb_value *m = cb_value_map();
		for (size_t i = 0; i < v->u.map.n; i++)
			cb_map_set(m, v->u.map.keys[i], S_plugin_data(s, v->u.map.vals[i]));
		return m;
	}
	return v ? cb_value_copy(v) : cb_value_null();
}

static const cb_theme_group *S_find_theme(const cb_site *s, const char *id)
{
	for (size_t i = 0; i < s->nthemes; i++)
		if (strcmp(s->themes[i].id, id) == 0)
			return &s->themes[i];
	return NULL;
}

static int S_render(S_r *r, const char *tpl, cb_value *data, const char *path)
{
	cb_buf out = CB_BUF_INIT;
	int rc = cb_mustache_render(r->tpl, tpl, data, &out, r->err);
	if (rc == 0)
		rc = cb_writer_put(r->w, path, out.data ? out.data : "", out.len, r->err);
	cb_buf_free(&out);
	cb_value_free(data);
	return rc;
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
	S_set_date(v, "date", date);
	cb_map_set_str(v, "author", author);
	return v;
}

static int S_document(S_r *r, const cb_doc *d)
{
	const cb_site *s = r->site;
	const cb_meta *m = &d->meta;
	cb_value *v = S_base(r, "../", "document", m->title);
	cb_value *doc = cb_map_set(v, "doc", cb_value_map());
	cb_map_set_str(doc, "title", m->title);
	cb_map_set_str(doc, "slug", d->slug);
	cb_map_set_str(doc, "type", m->type);
	cb_map_set_str(doc, "type_label", cb_type_label(m->type));
	S_set_date(doc, "date", m->date);
	cb_map_set_str(doc, "summary", m->summary ? m->summary : "");
	cb_map_set_str(doc, "area", m->area ? m->area : "");
	cb_map_set_str(doc, "review", m->review ? m->review : "");
	cb_map_set_str(doc, "age_band", m->age_band ? m->age_band : "");
	cb_map_set_str(doc, "source", m->source ? m->source : "");
	cb_map_set_str(doc, "visibility", cb_visibility_name(m->visibility));
	cb_map_set_bool(doc, "is_seven_minute", strcmp(m->type, "seven-minute-briefing") == 0);
	if (m->review_by) {
		S_set_date(doc, "review_by", m->review_by);
		cb_map_set_bool(doc, "review_overdue", strcmp(m->review_by, s->build_date) < 0);
	}

	cb_value *themes = cb_map_set(doc, "themes", cb_value_list());
	for (size_t i = 0; i < m->themes.n; i++) {
		const cb_theme_group *tg = S_find_theme(s, m->themes.v[i]);
		if (!tg)
			continue;
		cb_value *t = cb_list_push(themes, cb_value_map());
		cb_map_set_str(t, "id", tg->id);
		cb_map_set_str(t, "label", tg->label);
		cb_map_set(t, "url", cb_value_str_own(S_theme_url(tg->id)));
	}
	cb_map_set(doc, "audience", S_strlist(&m->audience));
	cb_map_set(doc, "questions", S_strlist(&m->questions));
	cb_map_set_bool(doc, "has_questions", m->questions.n > 0);

	/* Learning points grouped by the heading they sit under. */
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
		cb_map_set_str(p, "html", lp->html);
	}
	cb_map_set_bool(doc, "has_learning", d->md.nlearning > 0);

	cb_value *actions = cb_map_set(doc, "actions", cb_value_list());
	for (size_t i = 0; i < m->nactions; i++) {
		const cb_action *a = &m->actions[i];
		cb_value *av = cb_list_push(actions, cb_value_map());
		cb_map_set_str(av, "action", a->action);
		cb_map_set_str(av, "owner", a->owner ? a->owner : "");
		S_set_date(av, "due", a->due ? a->due : "");
		cb_map_set_str(av, "rag", a->rag ? a->rag : "");
		const char *rl = !a->rag ? "Not rated"
				 : strcmp(a->rag, "red") == 0 ? "Red"
				 : strcmp(a->rag, "amber") == 0 ? "Amber"
								: "Green";
		cb_map_set_str(av, "rag_label", rl);
		cb_map_set_str(av, "evidence", a->evidence ? a->evidence : "");
		bool done = a->rag && strcmp(a->rag, "green") == 0;
		cb_map_set_bool(av, "overdue", a->due && !done && strcmp(a->due, s->build_date) < 0);
	}
	cb_map_set_bool(doc, "has_actions", m->nactions > 0);

	cb_map_set_str(doc, "body", d->md.html);
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

	if (d->hist) {
		cb_map_set(doc, "first_published",
			   S_history_entry(d->hist->first_time, d->hist->first_tz, d->hist->first_author));
		cb_map_set(doc, "last_updated",
			   S_history_entry(d->hist->last_time, d->hist->last_tz, d->hist->last_author));
		cb_map_set(doc, "authors", S_strlist(&d->hist->authors));
	} else {
		cb_map_set(doc, "authors", cb_value_list());
	}

	cb_value *to = cb_map_set(doc, "links_to", cb_value_list());
	for (size_t i = 0; i < d->md.nlinks; i++)
		cb_list_push(to, S_docref(&s->docs[d->md.links[i]]));
	cb_value *from = cb_map_set(doc, "linked_from", cb_value_list());
	for (size_t i = 0; i < d->nlinked_from; i++)
		cb_list_push(from, S_docref(&s->docs[d->linked_from[i]]));
	cb_map_set_bool(doc, "has_links_to", d->md.nlinks > 0);
	cb_map_set_bool(doc, "has_linked_from", d->nlinked_from > 0);

	/* Fields plugins set (plugin.h), beside casebook's own. */
	for (size_t i = 0; d->extra && i < d->extra->u.map.n; i++)
		if (!cb_map_lookup(doc, d->extra->u.map.keys[i]))
			cb_map_set(doc, d->extra->u.map.keys[i], S_plugin_data(s, d->extra->u.map.vals[i]));

	char *path = S_doc_url(d);
	int rc = S_render(r, "document", v, path);
	free(path);
	return rc;
}

static cb_value *S_theme_summary(const cb_theme_group *tg)
{
	cb_value *t = cb_value_map();
	cb_map_set_str(t, "id", tg->id);
	cb_map_set_str(t, "label", tg->label);
	cb_map_set(t, "url", cb_value_str_own(S_theme_url(tg->id)));
	cb_map_set_num(t, "count", (double)tg->ndocs);
	cb_map_set_str(t, "description", tg->description ? tg->description : "");
	return t;
}

static int S_theme(S_r *r, const cb_theme_group *tg)
{
	const cb_site *s = r->site;
	cb_value *v = S_base(r, "../", "theme", tg->label);
	cb_value *t = cb_map_set(v, "theme", S_theme_summary(tg));
	cb_map_set(t, "synonyms", tg->synonyms ? S_strlist(tg->synonyms) : cb_value_list());
	cb_value *docs = cb_map_set(t, "documents", cb_value_list());
	cb_value *learning = cb_map_set(t, "learning", cb_value_list());
	size_t nlearning = 0;
	for (size_t i = 0; i < tg->ndocs; i++) {
		const cb_doc *d = &s->docs[tg->docs[i]];
		cb_list_push(docs, S_docref(d));
		if (!d->md.nlearning)
			continue;
		cb_value *g = cb_list_push(learning, cb_value_map());
		cb_map_set(g, "doc", S_docref(d));
		cb_value *points = cb_map_set(g, "points", cb_value_list());
		for (size_t k = 0; k < d->md.nlearning; k++) {
			const cb_lpoint *lp = &d->md.learning[k];
			cb_value *p = cb_list_push(points, cb_value_map());
			cb_map_set_str(p, "html", lp->html);
			cb_map_set_str(p, "heading", lp->heading);
			cb_map_set(p, "anchor_url", cb_value_str_own(cb_xasprintf("documents/%s.html#%s", d->slug,
										 lp->heading_id)));
			nlearning++;
		}
	}
	cb_map_set_bool(t, "has_learning", nlearning > 0);
	char *path = S_theme_url(tg->id);
	int rc = S_render(r, "theme", v, path);
	free(path);
	return rc;
}

static int S_home(S_r *r)
{
	const cb_site *s = r->site;
	cb_value *v = S_base(r, "", "home", s->cfg.title);
	cb_value *docs = cb_map_set(v, "documents", cb_value_list());
	for (size_t i = 0; i < s->ndocs && i < 20; i++)
		cb_list_push(docs, S_docref(&s->docs[i]));
	cb_map_set_bool(v, "has_more", s->ndocs > 20);
	cb_map_set_num(v, "count", (double)s->ndocs);
	cb_value *themes = cb_map_set(v, "themes", cb_value_list());
	for (size_t i = 0; i < s->nthemes; i++)
		cb_list_push(themes, S_theme_summary(&s->themes[i]));
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
	}
	return S_render(r, "index", v, "index.html");
}

static int S_theme_index(S_r *r)
{
	const cb_site *s = r->site;
	cb_value *v = S_base(r, "../", "themes", "Themes");
	cb_value *themes = cb_map_set(v, "themes", cb_value_list());
	for (size_t i = 0; i < s->nthemes; i++)
		cb_list_push(themes, S_theme_summary(&s->themes[i]));
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
	cb_map_set(cb_map_lookup(v, "page"), "data", S_plugin_data(r->site, pg->data));
	return S_render(r, pg->tpl, v, pg->path);
}

int cb_render_site(const cb_site *site, const cb_render_opts *opts, cb_writer *w, cb_error *err)
{
	S_r r = {site, opts, cb_mustache_new(), w, err, {0}};
	snprintf(r.generator, sizeof r.generator, "casebook %s", opts->version);
	int rc = S_load_templates(&r);
	if (rc == 0)
		rc = S_home(&r);
	for (size_t i = 0; rc == 0 && i < site->ndocs; i++)
		rc = S_document(&r, &site->docs[i]);
	for (size_t i = 0; rc == 0 && i < site->nthemes; i++)
		rc = S_theme(&r, &site->themes[i]);
	if (rc == 0)
		rc = S_theme_index(&r);
	if (rc == 0)
		rc = S_render(&r, "404", S_base(&r, "", "notfound", "Page not found"), "404.html");
	for (size_t i = 0; rc == 0 && i < site->npages; i++)
		rc = S_added_page(&r, &site->pages[i]);
	/* The browser search page; its index is written by the search stage. */
	if (rc == 0 && cb_mustache_has(r.tpl, "search"))
		rc = S_render(&r, "search", S_base(&r, "", "search", "Search"), "search.html");
	if (rc == 0) {
		char *assets = cb_path_join(opts->theme_dir, "assets");
		if (cb_is_dir(assets))
			rc = cb_writer_copy_tree(w, assets, "assets", err);
		free(assets);
	}
	cb_mustache_free(r.tpl);
	return rc;
}
