/* analysis: see analysis.h. */
#include "analysis.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"

#define S_MAX_YEARS 15 /* the year table shows at most the last 15 years */

static const char *const S_by_names[CB_BY_COUNT] = {"area", "year", "type", "agency"};

const char *cb_analysis_by_name(cb_analysis_by by)
{
	return by < CB_BY_COUNT ? S_by_names[by] : "";
}

int cb_analysis_by_parse(const char *s)
{
	for (int i = 0; i < CB_BY_COUNT; i++)
		if (strcmp(s, S_by_names[i]) == 0)
			return i;
	return -1;
}

int cb_analysis_year(const cb_doc *d)
{
	const char *date =
	    d->meta.published && cb_date_valid(d->meta.published) ? d->meta.published : d->meta.date;
	return date && cb_date_valid(date) ? atoi(date) : 0;
}

int cb_analysis_theme(const cb_site *site, const char *id)
{
	for (size_t i = 0; i < site->nthemes; i++)
		if (strcmp(site->themes[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* The learning points of d on theme: those whose own themes (their words
 * or hashtags, learning.h) include it, not every point of a document on
 * the theme. */
static unsigned S_points(const cb_doc *d, const char *theme)
{
	return (unsigned)cb_doc_points_on(d, theme);
}

static bool S_counted(const cb_analysis *a, const cb_doc *d)
{
	return !a->area || (d->meta.area && strcmp(d->meta.area, a->area) == 0);
}

/* The keys of document d for a table: its area, year, type or agencies. */
static void S_doc_keys(const cb_doc *d, cb_analysis_by by, cb_strv *out)
{
	char year[16];
	switch (by) {
	case CB_BY_AREA:
		if (d->meta.area && d->meta.area[0])
			cb_strv_push(out, d->meta.area);
		break;
	case CB_BY_YEAR:
		if (cb_analysis_year(d)) {
			snprintf(year, sizeof year, "%d", cb_analysis_year(d));
			cb_strv_push(out, year);
		}
		break;
	case CB_BY_TYPE: cb_strv_push(out, d->meta.type); break;
	case CB_BY_AGENCY:
		for (size_t i = 0; i < d->meta.audience.n; i++)
			cb_strv_push(out, d->meta.audience.v[i]);
		break;
	case CB_BY_COUNT: break;
	}
}

/* The columns of a table: every key a counted document has; years from the
 * first to the build's year with no gaps (the last S_MAX_YEARS at most),
 * types in the type table's order, areas and agencies sorted. */
static void S_keys(cb_analysis *a, cb_analysis_table *t)
{
	const cb_site *s = a->site;
	cb_strv all = CB_STRV_INIT;
	for (size_t i = 0; i < s->ndocs; i++)
		if (S_counted(a, &s->docs[i]))
			S_doc_keys(&s->docs[i], t->by, &all);
	cb_strv_sort(&all);
	cb_strv_uniq(&all);
	if (t->by == CB_BY_YEAR) {
		int build = atoi(s->build_date), lo = all.n ? atoi(all.v[0]) : build;
		int hi = all.n ? atoi(all.v[all.n - 1]) : build;
		if (build > hi)
			hi = build;
		if (hi - lo + 1 > S_MAX_YEARS)
			lo = hi - S_MAX_YEARS + 1;
		for (int y = lo; all.n && y <= hi; y++) {
			char buf[16];
			snprintf(buf, sizeof buf, "%d", y);
			cb_strv_push(&t->keys, buf);
			cb_strv_push(&t->labels, buf);
		}
	} else if (t->by == CB_BY_TYPE) {
		for (size_t i = 0; i < cb_doc_ntypes; i++) {
			if (!cb_strv_contains(&all, cb_doc_types[i]))
				continue;
			cb_strv_push(&t->keys, cb_doc_types[i]);
			cb_strv_push(&t->labels, cb_type_label(cb_doc_types[i]));
		}
	} else {
		for (size_t i = 0; i < all.n; i++) {
			cb_strv_push(&t->keys, all.v[i]);
			if (t->by == CB_BY_AGENCY)
				cb_strv_push_own(&t->labels, cb_agency_label(&s->agencies, all.v[i]));
			else
				cb_strv_push(&t->labels, all.v[i]);
		}
	}
	cb_strv_free(&all);
}

static int S_key_index(const cb_analysis_table *t, const char *key)
{
	for (size_t i = 0; i < t->keys.n; i++)
		if (strcmp(t->keys.v[i], key) == 0)
			return (int)i;
	return -1;
}

static void S_table(cb_analysis *a, cb_analysis_table *t)
{
	const cb_site *s = a->site;
	S_keys(a, t);
	size_t nk = t->keys.n, nt = s->nthemes;
	t->docs = cb_xcalloc(nt * nk + 1, sizeof *t->docs);
	t->points = cb_xcalloc(nt * nk + 1, sizeof *t->points);
	t->key_docs = cb_xcalloc(nk + 1, sizeof *t->key_docs);
	t->theme_docs = cb_xcalloc(nt + 1, sizeof *t->theme_docs);
	t->theme_points = cb_xcalloc(nt + 1, sizeof *t->theme_points);
	cb_strv keys = CB_STRV_INIT;
	for (size_t i = 0; i < s->ndocs; i++) {
		const cb_doc *d = &s->docs[i];
		if (!S_counted(a, d))
			continue;
		cb_strv_free(&keys);
		S_doc_keys(d, t->by, &keys);
		cb_strv_sort(&keys);
		cb_strv_uniq(&keys);
		for (size_t k = 0; k < keys.n; k++) {
			int ki = S_key_index(t, keys.v[k]);
			if (ki < 0)
				continue; /* a year before the table's first */
			t->key_docs[ki]++;
			for (size_t th = 0; th < d->meta.themes.n; th++) {
				int ti = cb_analysis_theme(s, d->meta.themes.v[th]);
				if (ti < 0)
					continue;
				unsigned *cell = &t->docs[(size_t)ti * nk + (size_t)ki];
				if (++*cell > t->max_docs)
					t->max_docs = *cell;
				t->points[(size_t)ti * nk + (size_t)ki] += S_points(d, d->meta.themes.v[th]);
			}
		}
		for (size_t th = 0; th < d->meta.themes.n; th++) {
			int ti = cb_analysis_theme(s, d->meta.themes.v[th]);
			if (ti >= 0 && keys.n) {
				t->theme_docs[ti]++;
				t->theme_points[ti] += S_points(d, d->meta.themes.v[th]);
			}
		}
	}
	cb_strv_free(&keys);
}

static int S_pair_cmp(const void *x, const void *y)
{
	const cb_analysis_pair *a = x, *b = y;
	if (a->docs != b->docs)
		return a->docs > b->docs ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

/* The pairs of themes found together in the most documents. */
static void S_pairs(cb_analysis *a)
{
	const cb_site *s = a->site;
	size_t nt = s->nthemes;
	unsigned *m = cb_xcalloc(nt * nt + 1, sizeof *m);
	int *ids = cb_xmalloc((s->nthemes + 1) * sizeof *ids);
	for (size_t i = 0; i < s->ndocs; i++) {
		const cb_doc *d = &s->docs[i];
		if (!S_counted(a, d))
			continue;
		size_t n = 0;
		for (size_t th = 0; th < d->meta.themes.n && n < nt; th++) {
			int ti = cb_analysis_theme(s, d->meta.themes.v[th]);
			bool seen = ti < 0;
			for (size_t j = 0; j < n && !seen; j++)
				seen = ids[j] == ti;
			if (!seen)
				ids[n++] = ti;
		}
		for (size_t x = 0; x < n; x++)
			for (size_t y = 0; y < n; y++)
				if (ids[x] < ids[y])
					m[(size_t)ids[x] * nt + (size_t)ids[y]]++;
	}
	size_t cap = 0;
	for (size_t x = 0; x < nt; x++)
		for (size_t y = x + 1; y < nt; y++)
			if (m[x * nt + y])
				cap++;
	a->pairs = cb_xcalloc(cap + 1, sizeof *a->pairs);
	for (size_t x = 0; x < nt; x++)
		for (size_t y = x + 1; y < nt; y++)
			if (m[x * nt + y])
				a->pairs[a->npairs++] = (cb_analysis_pair){x, y, m[x * nt + y]};
	qsort(a->pairs, a->npairs, sizeof *a->pairs, S_pair_cmp);
	free(ids);
	free(m);
}

static int S_rise_cmp(const void *x, const void *y)
{
	const cb_analysis_rise *a = x, *b = y;
	int da = (int)a->docs[2] - (int)a->docs[0], db = (int)b->docs[2] - (int)b->docs[0];
	if (da != db)
		return da > db ? -1 : 1;
	return a->theme < b->theme ? -1 : a->theme > b->theme;
}

static void S_rising(cb_analysis *a)
{
	const cb_site *s = a->site;
	int build = atoi(s->build_date);
	for (int i = 0; i < 3; i++)
		a->rise_years[i] = build - 2 + i;
	a->rising = cb_xcalloc(s->nthemes + 1, sizeof *a->rising);
	for (size_t t = 0; t < s->nthemes; t++) {
		cb_analysis_rise r = {t, {0, 0, 0}};
		const cb_theme_group *g = &s->themes[t];
		for (size_t i = 0; i < g->ndocs; i++) {
			const cb_doc *d = &s->docs[g->docs[i]];
			int y = cb_analysis_year(d) - a->rise_years[0];
			if (S_counted(a, d) && y >= 0 && y < 3)
				r.docs[y]++;
		}
		if (r.docs[0] <= r.docs[1] && r.docs[1] <= r.docs[2] && r.docs[2] > r.docs[0])
			a->rising[a->nrising++] = r;
	}
	qsort(a->rising, a->nrising, sizeof *a->rising, S_rise_cmp);
}

cb_analysis *cb_analysis_new(const cb_site *site, const char *area)
{
	cb_analysis *a = cb_xcalloc(1, sizeof *a);
	a->site = site;
	a->area = area;
	for (size_t i = 0; i < site->ndocs; i++)
		if (S_counted(a, &site->docs[i]))
			a->ndocs++;
	for (int by = 0; by < CB_BY_COUNT; by++) {
		a->by[by].by = (cb_analysis_by)by;
		S_table(a, &a->by[by]);
	}
	S_pairs(a);
	S_rising(a);
	return a;
}

void cb_analysis_areas(const cb_site *site, cb_strv *out)
{
	cb_analysis a = {.site = site};
	cb_analysis_table t = {.by = CB_BY_AREA};
	S_keys(&a, &t);
	for (size_t i = 0; i < t.keys.n; i++)
		cb_strv_push(out, t.keys.v[i]);
	cb_strv_free(&t.keys);
	cb_strv_free(&t.labels);
}

void cb_analysis_digest(const cb_site *site, uint64_t out[2])
{
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_u64(&h, (uint64_t)(int64_t)atoi(site->build_date));
	cb_hash_u64(&h, site->nthemes);
	for (size_t t = 0; t < site->nthemes; t++) {
		const cb_theme_group *g = &site->themes[t];
		cb_hash_str(&h, g->id);
		cb_hash_str(&h, g->label);
		cb_hash_u64(&h, g->ndocs);
		for (size_t i = 0; i < g->ndocs; i++)
			cb_hash_u64(&h, (uint64_t)g->docs[i]);
	}
	cb_hash_u64(&h, site->ndocs);
	for (size_t i = 0; i < site->ndocs; i++) {
		const cb_doc *d = &site->docs[i];
		cb_hash_str(&h, d->meta.area);
		cb_hash_u64(&h, (uint64_t)(int64_t)cb_analysis_year(d));
		cb_hash_str(&h, d->meta.type);
		cb_hash_u64(&h, d->meta.audience.n);
		for (size_t k = 0; k < d->meta.audience.n; k++) {
			char *label = cb_agency_label(&site->agencies, d->meta.audience.v[k]);
			cb_hash_str(&h, d->meta.audience.v[k]);
			cb_hash_str(&h, label);
			free(label);
		}
		cb_hash_u64(&h, d->meta.themes.n);
		for (size_t k = 0; k < d->meta.themes.n; k++) {
			cb_hash_str(&h, d->meta.themes.v[k]);
			cb_hash_u64(&h, S_points(d, d->meta.themes.v[k]));
		}
	}
	cb_hash_digest(&h, out);
}

void cb_analysis_free(cb_analysis *a)
{
	if (!a)
		return;
	for (int by = 0; by < CB_BY_COUNT; by++) {
		cb_analysis_table *t = &a->by[by];
		cb_strv_free(&t->keys);
		cb_strv_free(&t->labels);
		free(t->docs);
		free(t->points);
		free(t->key_docs);
		free(t->theme_docs);
		free(t->theme_points);
	}
	free(a->pairs);
	free(a->rising);
	free(a);
}

char *cb_analysis_area_url(const char *area)
{
	char *slug = cb_slugify(area);
	char *url = cb_xasprintf("analysis/%s.html", slug[0] ? slug : "area");
	free(slug);
	return url;
}
