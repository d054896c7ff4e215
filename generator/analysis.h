/*
 * analysis: thematic analysis of what a build publishes — documents and
 * learning points per theme across areas, years, types and agencies, the
 * pairs of themes that occur together most, and the themes rising over the
 * last three years. Counts are of documents and learning points, never of
 * children. The site's analysis pages (render) and `casebook analyse`
 * (cli/cmd_analyse.c) both use these figures, so they always agree.
 *
 * A document's year is that of its `published:` date when it has one, else
 * of its `date`. "The last three years" count back from the build's date
 * (SOURCE_DATE_EPOCH or the commit's date), never the clock. A theme is
 * rising when its documents in those three years never fall from one year
 * to the next and the last year has more than the first.
 */
#ifndef CB_ANALYSIS_H
#define CB_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "site.h"
#include "value.h"

typedef enum { CB_BY_AREA, CB_BY_YEAR, CB_BY_TYPE, CB_BY_AGENCY, CB_BY_COUNT } cb_analysis_by;

/* Themes (rows: the site's themes, in its order) by keys (columns). */
typedef struct cb_analysis_table {
	cb_analysis_by by;
	cb_strv keys;	      /* area names; years; type ids; agency ids */
	cb_strv labels;	      /* what to show for each key */
	unsigned *docs;	      /* [theme * keys.n + key] */
	unsigned *points;     /* learning points on the theme, likewise */
	unsigned max_docs;    /* the largest cell */
	unsigned *key_docs;   /* documents per key, whatever their themes */
	unsigned *theme_docs; /* documents per theme in this table */
	unsigned *theme_points;
} cb_analysis_table;

typedef struct cb_analysis_pair {
	size_t a, b;   /* theme indices, a < b */
	unsigned docs; /* documents having both */
} cb_analysis_pair;

typedef struct cb_analysis_rise {
	size_t theme;
	unsigned docs[3]; /* in rise_years[0..2] */
} cb_analysis_rise;

typedef struct cb_analysis {
	const cb_site *site;
	const char *area; /* only this area's documents; NULL: all */
	size_t ndocs;	  /* documents counted */
	cb_analysis_table by[CB_BY_COUNT];
	cb_analysis_pair *pairs; /* every pair found together, most documents first */
	size_t npairs;
	cb_analysis_rise *rising; /* steepest first */
	size_t nrising;
	int rise_years[3]; /* the build's year two years back, one back, itself */
} cb_analysis;

#define CB_ANALYSIS_PAIRS 10 /* the pairs shown: pages and analyse */

/* The figures for site (only documents whose area is area, when not NULL).
 * Free with cb_analysis_free. */
cb_analysis *cb_analysis_new(const cb_site *site, const char *area);
void cb_analysis_free(cb_analysis *a); /* NULL-safe */

/* The areas with a page of their own: those of site's documents, sorted,
 * as the area table's keys. */
void cb_analysis_areas(const cb_site *site, cb_strv *out);
/* A digest of everything the figures and their page data read: every
 * document's area, year, type, agencies (with their labels) and themes
 * (with its learning points on each), the theme groups, the build's year.
 * Two sites with the same digest have the same figures for every area, so
 * a page made from them needs making only when it changes. Keep it in
 * step with what cb_analysis_new and cb_analysis_page_data read. */
void cb_analysis_digest(const cb_site *site, uint64_t out[2]);

/* "area", "year", "type", "agency"; and back (-1 for none). */
const char *cb_analysis_by_name(cb_analysis_by by);
int cb_analysis_by_parse(const char *s);
/* The year counted for d: its published: date's, else its date's; 0 when
 * neither is a date. */
int cb_analysis_year(const cb_doc *d);
/* The theme's index in site->themes, or -1. */
int cb_analysis_theme(const cb_site *site, const char *id);

/* The template data of the analysis pages: a.site's whole analysis
 * (area NULL) or one area's. root is the page's way back to the site's
 * root ("../"); theme_url gives a theme's page address from the root. */
cb_value *cb_analysis_page_data(const cb_analysis *a, const char *root, char *(*theme_url)(const char *id));
/* The address of an area's analysis page from the root, e.g.
 * "analysis/harrowdene.html"; caller frees. */
char *cb_analysis_area_url(const char *area);

#endif
