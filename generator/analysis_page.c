/* analysis: the template data of the analysis pages (see analysis.h).
 * Templates have no logic, so every number a heatmap's SVG needs (each
 * cell's place, shade and label) is worked out here; the same figures go
 * in a table beside it, the heatmap's text alternative. */
#include "analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum {
	S_LABEL_W = 230,
	S_CELL_W = 46,
	S_CELL_H = 28,
	S_HEAD_H = 130,
	S_PAD = 8,
	S_RIGHT = 130,
	S_LABEL_MAX = 28
};

/* A label short enough for the SVG's label column (the table has it whole). */
static cb_value *S_short(const char *s)
{
	size_t n = 0, chars = 0;
	while (s[n] && chars < S_LABEL_MAX) {
		n++;
		while ((s[n] & 0xC0) == 0x80)
			n++;
		chars++;
	}
	if (!s[n])
		return cb_value_str(s);
	char *t = cb_xasprintf("%.*s…", (int)n, s);
	cb_value *v = cb_value_str(t);
	free(t);
	return v;
}

/* The shade of a cell: 0 for none, else 1 to 4 by its share of the largest. */
static int S_level(unsigned n, unsigned max)
{
	if (!n || !max)
		return 0;
	unsigned l = 1 + (4 * n - 1) / max;
	return l > 4 ? 4 : (int)l;
}

static void S_theme_link(cb_value *row, const cb_analysis *a, size_t t, const char *root,
			 char *(*theme_url)(const char *id))
{
	const cb_theme_group *g = &a->site->themes[t];
	cb_map_set_str(row, "label", g->label);
	char *u = theme_url(g->id);
	char *full = cb_xasprintf("%s%s", root, u);
	cb_map_set_str(row, "url", full);
	free(full);
	free(u);
}

/* One heatmap: themes by the table's keys, documents shaded, points beside. */
static cb_value *S_heatmap(const cb_analysis *a, cb_analysis_by by, const char *id, const char *title,
			   const char *col_label, const char *root, char *(*theme_url)(const char *id))
{
	const cb_analysis_table *t = &a->by[by];
	size_t nk = t->keys.n;
	cb_value *h = cb_value_map();
	cb_map_set_str(h, "id", id);
	cb_map_set_str(h, "title", title);
	cb_map_set_str(h, "col_label", col_label);
	cb_value *cols = cb_map_set(h, "cols", cb_value_list());
	for (size_t k = 0; k < nk; k++) {
		cb_value *c = cb_list_push(cols, cb_value_map());
		cb_map_set_str(c, "label", t->labels.v[k]);
		cb_map_set(c, "short", S_short(t->labels.v[k]));
		cb_map_set_num(c, "x", S_LABEL_W + (double)k * S_CELL_W + S_CELL_W / 2.0);
		cb_map_set_num(c, "y", S_HEAD_H - S_PAD);
		cb_map_set_num(c, "docs", t->key_docs[k]);
	}
	cb_value *rows = cb_map_set(h, "rows", cb_value_list());
	size_t nrows = 0;
	for (size_t th = 0; th < a->site->nthemes; th++) {
		if (!t->theme_docs[th])
			continue;
		double y = S_HEAD_H + (double)nrows * S_CELL_H;
		cb_value *r = cb_list_push(rows, cb_value_map());
		S_theme_link(r, a, th, root, theme_url);
		cb_map_set(r, "short", S_short(a->site->themes[th].label));
		cb_map_set_num(r, "y", y);
		cb_map_set_num(r, "text_y", y + S_CELL_H / 2.0 + 4);
		cb_map_set_num(r, "docs", t->theme_docs[th]);
		cb_map_set_num(r, "points", t->theme_points[th]);
		cb_value *cells = cb_map_set(r, "cells", cb_value_list());
		for (size_t k = 0; k < nk; k++) {
			unsigned n = t->docs[th * nk + k];
			cb_value *c = cb_list_push(cells, cb_value_map());
			cb_map_set_num(c, "x", S_LABEL_W + (double)k * S_CELL_W);
			cb_map_set_num(c, "y", y);
			cb_map_set_num(c, "text_x", S_LABEL_W + (double)k * S_CELL_W + S_CELL_W / 2.0);
			cb_map_set_num(c, "text_y", y + S_CELL_H / 2.0 + 4);
			cb_map_set_num(c, "docs", n);
			cb_map_set_num(c, "points", t->points[th * nk + k]);
			cb_map_set_num(c, "level", S_level(n, t->max_docs));
			cb_map_set_bool(c, "has_docs", n > 0);
		}
		nrows++;
	}
	cb_map_set_num(h, "width", S_LABEL_W + (double)nk * S_CELL_W + S_RIGHT);
	cb_map_set_num(h, "height", S_HEAD_H + (double)nrows * S_CELL_H + S_PAD);
	cb_map_set_num(h, "cell_w", S_CELL_W);
	cb_map_set_num(h, "cell_h", S_CELL_H);
	cb_map_set_num(h, "label_x", S_LABEL_W - S_PAD);
	cb_map_set_bool(h, "has_rows", nrows > 0 && nk > 0);
	return h;
}

cb_value *cb_analysis_page_data(const cb_analysis *a, const char *root, char *(*theme_url)(const char *id))
{
	const cb_site *s = a->site;
	cb_value *v = cb_value_map();
	cb_map_set_num(v, "documents", (double)a->ndocs);
	cb_map_set_bool(v, "whole", a->area == NULL);
	cb_map_set_str(v, "area", a->area ? a->area : "");
	cb_value *maps = cb_map_set(v, "heatmaps", cb_value_list());
	if (!a->area)
		cb_list_push(maps,
			     S_heatmap(a, CB_BY_AREA, "by-area", "Themes by area", "Area", root, theme_url));
	cb_list_push(maps, S_heatmap(a, CB_BY_YEAR, "by-year", "Themes by year", "Year", root, theme_url));
	cb_value *pairs = cb_map_set(v, "pairs", cb_value_list());
	for (size_t i = 0; i < a->npairs && i < CB_ANALYSIS_PAIRS; i++) {
		cb_value *p = cb_list_push(pairs, cb_value_map());
		S_theme_link(cb_map_set(p, "a", cb_value_map()), a, a->pairs[i].a, root, theme_url);
		S_theme_link(cb_map_set(p, "b", cb_value_map()), a, a->pairs[i].b, root, theme_url);
		cb_map_set_num(p, "docs", a->pairs[i].docs);
		cb_map_set_bool(p, "one", a->pairs[i].docs == 1);
	}
	cb_map_set_bool(v, "has_pairs", a->npairs > 0);
	cb_value *years = cb_map_set(v, "rise_years", cb_value_list());
	for (int i = 0; i < 3; i++)
		cb_list_push(years, cb_value_num(a->rise_years[i]));
	cb_value *rising = cb_map_set(v, "rising", cb_value_list());
	for (size_t i = 0; i < a->nrising; i++) {
		cb_value *r = cb_list_push(rising, cb_value_map());
		S_theme_link(r, a, a->rising[i].theme, root, theme_url);
		cb_value *c = cb_map_set(r, "docs", cb_value_list());
		for (int y = 0; y < 3; y++)
			cb_list_push(c, cb_value_num(a->rising[i].docs[y]));
	}
	cb_map_set_bool(v, "has_rising", a->nrising > 0);
	cb_value *areas = cb_map_set(v, "areas", cb_value_list());
	const cb_analysis_table *t = &a->by[CB_BY_AREA];
	for (size_t k = 0; !a->area && k < t->keys.n; k++) {
		cb_value *ar = cb_list_push(areas, cb_value_map());
		cb_map_set_str(ar, "label", t->labels.v[k]);
		char *u = cb_analysis_area_url(t->keys.v[k]);
		char *full = cb_xasprintf("%s%s", root, u);
		cb_map_set_str(ar, "url", full);
		free(full);
		free(u);
		cb_map_set_num(ar, "docs", t->key_docs[k]);
	}
	cb_map_set_bool(v, "has_areas", !a->area && t->keys.n > 0);
	(void)s;
	return v;
}
