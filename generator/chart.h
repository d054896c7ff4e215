/*
 * chart: the numbers of the bar chart on a theme's page. Templates have no
 * logic, so the geometry of the SVG the template draws (each bar's place
 * and height, the axis, the labels) is worked out here.
 */
#ifndef CB_CHART_H
#define CB_CHART_H

#include <stddef.h>

#include "site.h"
#include "value.h"

/* Sets in the map t: "years", the documents docs (ndocs indexes into
 * s->docs) counted per year of their date, from the first year to the last
 * with no gaps (the last 31 years at most), each with its bar's geometry;
 * "chart", the size of the drawing; "has_years", false when no document
 * has a year. */
void cb_chart_years(const cb_site *s, const int *docs, size_t ndocs, cb_value *t);

#endif
