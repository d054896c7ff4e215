/* chart: see chart.h. */
#include "chart.h"

#include <stdlib.h>

void cb_chart_years(const cb_site *s, const int *docs, size_t ndocs, cb_value *t)
{
	int lo = 0, hi = 0;
	for (size_t i = 0; i < ndocs; i++) {
		int y = atoi(s->docs[docs[i]].meta.date);
		if (y <= 0)
			continue;
		if (!lo || y < lo)
			lo = y;
		if (y > hi)
			hi = y;
	}
	cb_value *years = cb_map_set(t, "years", cb_value_list());
	if (!lo) {
		cb_map_set_bool(t, "has_years", false);
		return;
	}
	if (hi - lo > 30)
		lo = hi - 30; /* a readable chart: the last 31 years at most */
	size_t ny = (size_t)(hi - lo + 1);
	int *counts = cb_xcalloc(ny, sizeof *counts);
	int max = 0;
	for (size_t i = 0; i < ndocs; i++) {
		int y = atoi(s->docs[docs[i]].meta.date);
		if (y >= lo && y <= hi && ++counts[y - lo] > max)
			max = counts[y - lo];
	}
	const int bar = 36, gap = 12, top = 20, plot = 100, bottom = 24;
	for (size_t i = 0; i < ny; i++) {
		int h = max ? counts[i] * plot / max : 0;
		int x = gap + (int)i * (bar + gap);
		cb_value *y = cb_list_push(years, cb_value_map());
		cb_map_set_num(y, "year", lo + (int)i);
		cb_map_set_num(y, "count", counts[i]);
		cb_map_set_bool(y, "one", counts[i] == 1);
		cb_map_set_num(y, "x", x);
		cb_map_set_num(y, "y", top + plot - h);
		cb_map_set_num(y, "width", bar);
		cb_map_set_num(y, "height", h);
		cb_map_set_num(y, "mid", x + bar / 2);
		cb_map_set_num(y, "count_y", top + plot - h - 5);
		cb_map_set_num(y, "label_y", top + plot + 17);
	}
	cb_value *chart = cb_map_set(t, "chart", cb_value_map());
	cb_map_set_num(chart, "width", gap + (int)ny * (bar + gap));
	cb_map_set_num(chart, "height", top + plot + bottom);
	cb_map_set_num(chart, "axis_y", top + plot);
	cb_map_set_num(chart, "first_year", lo);
	cb_map_set_num(chart, "last_year", hi);
	cb_map_set_num(chart, "max", max);
	cb_map_set_bool(t, "has_years", true);
	free(counts);
}
