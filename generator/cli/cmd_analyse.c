/*
 * casebook analyse: the figures of the site's thematic analysis (analysis.h)
 * for analysts — documents and learning points per theme by area, year,
 * type or agency, as a terminal table, CSV or JSON (which also holds the
 * pairs of themes found together and the rising themes). Counts only what a
 * build of the audience publishes.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "commands.h"
#include "site.h"
#include "util.h"

const char cb_analyse_usage[] =
    "usage: casebook analyse [--by area|year|type|agency] [--theme ID] [--audience A]\n"
    "                        [--repo DIR] [--ref REV | --worktree] [--format text|csv|json]\n"
    "\n"
    "Counts documents and learning points per theme, by area (the default), year\n"
    "(of publication), type or agency — what a build of the audience publishes\n"
    "(default public). Counts are of documents and learning points, never of\n"
    "children.\n"
    "\n"
    "  --by K         area, year, type or agency\n"
    "  --theme ID     only this theme\n"
    "  --audience A   public (default), internal or restricted\n"
    "  --repo DIR     the repository (default: the one containing this folder)\n"
    "  --ref REV      the branch, tag or commit (default: HEAD)\n"
    "  --worktree     the working files, uncommitted edits included\n"
    "  --format F     text (a table, the default), csv (theme,<by>,documents,points)\n"
    "                 or json ({\"version\": 1, …}, with the pairs of themes found\n"
    "                 together and the themes rising over the last three years)\n"
    "\n"
    "Exit status: 0 done, 1 content errors in the documents, 2 usage or\n"
    "environment error.\n";

typedef enum { S_TEXT, S_CSV, S_JSON } S_format;

static void S_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void S_json_str(FILE *f, const char *s)
{
	cb_buf b = CB_BUF_INIT;
	cb_buf_json(&b, s, strlen(s));
	fprintf(f, "\"%s\"", b.data ? b.data : "");
	cb_buf_free(&b);
}

static bool S_row_shown(const cb_analysis *a, const cb_analysis_table *t, size_t th, int only)
{
	return (only < 0 || (size_t)only == th) && (t->theme_docs[th] || only >= 0);
	(void)a;
}

static void S_text(FILE *f, const cb_analysis *a, const cb_analysis_table *t, int only)
{
	const cb_site *s = a->site;
	size_t nk = t->keys.n, w = 5, kw = 6;
	for (size_t th = 0; th < s->nthemes; th++)
		if (S_row_shown(a, t, th, only) && strlen(s->themes[th].label) > w)
			w = strlen(s->themes[th].label);
	for (size_t k = 0; k < nk; k++)
		if (strlen(t->labels.v[k]) > kw)
			kw = strlen(t->labels.v[k]);
	fprintf(f, "%-*s  %-*s %9s %7s\n", (int)w, "theme", (int)kw, cb_analysis_by_name(t->by), "documents",
		"points");
	for (size_t th = 0; th < s->nthemes; th++) {
		if (!S_row_shown(a, t, th, only))
			continue;
		for (size_t k = 0; k < nk; k++) {
			unsigned dn = t->docs[th * nk + k];
			if (dn)
				fprintf(f, "%-*s  %-*s %9u %7u\n", (int)w, s->themes[th].label, (int)kw,
					t->labels.v[k], dn, t->points[th * nk + k]);
		}
	}
	fprintf(f,
		"\n%zu documents counted. Counts are of documents and learning points, never of children.\n",
		a->ndocs);
}

static void S_csv(FILE *f, const cb_analysis *a, const cb_analysis_table *t, int only)
{
	const cb_site *s = a->site;
	size_t nk = t->keys.n;
	fprintf(f, "theme,%s,documents,points\n", cb_analysis_by_name(t->by));
	for (size_t th = 0; th < s->nthemes; th++) {
		if (!S_row_shown(a, t, th, only))
			continue;
		for (size_t k = 0; k < nk; k++) {
			unsigned dn = t->docs[th * nk + k];
			if (!dn)
				continue;
			S_csv_field(f, s->themes[th].id);
			fputc(',', f);
			S_csv_field(f, t->keys.v[k]);
			fprintf(f, ",%u,%u\n", dn, t->points[th * nk + k]);
		}
	}
}

static void S_json(FILE *f, const cb_analysis *a, const cb_analysis_table *t, int only)
{
	const cb_site *s = a->site;
	size_t nk = t->keys.n;
	fprintf(f, "{\"version\": 1, \"by\": \"%s\", \"documents\": %zu,\n \"note\": ",
		cb_analysis_by_name(t->by), a->ndocs);
	S_json_str(f, "Counts are of documents and learning points, never of children.");
	fputs(",\n \"rows\": [", f);
	bool first = true;
	for (size_t th = 0; th < s->nthemes; th++) {
		if (!S_row_shown(a, t, th, only))
			continue;
		for (size_t k = 0; k < nk; k++) {
			unsigned dn = t->docs[th * nk + k];
			if (!dn)
				continue;
			fputs(first ? "\n  {\"theme\": " : ",\n  {\"theme\": ", f);
			first = false;
			S_json_str(f, s->themes[th].id);
			fprintf(f, ", \"%s\": ", cb_analysis_by_name(t->by));
			S_json_str(f, t->keys.v[k]);
			fprintf(f, ", \"documents\": %u, \"points\": %u}", dn, t->points[th * nk + k]);
		}
	}
	fputs("],\n \"pairs\": [", f);
	first = true;
	for (size_t i = 0, shown = 0; i < a->npairs && shown < CB_ANALYSIS_PAIRS; i++) {
		const cb_analysis_pair *p = &a->pairs[i];
		if (only >= 0 && (size_t)only != p->a && (size_t)only != p->b)
			continue;
		shown++;
		fputs(first ? "\n  {\"themes\": [" : ",\n  {\"themes\": [", f);
		first = false;
		S_json_str(f, s->themes[p->a].id);
		fputs(", ", f);
		S_json_str(f, s->themes[p->b].id);
		fprintf(f, "], \"documents\": %u}", p->docs);
	}
	fprintf(f, "],\n \"rising\": {\"years\": [%d, %d, %d], \"themes\": [", a->rise_years[0],
		a->rise_years[1], a->rise_years[2]);
	first = true;
	for (size_t i = 0; i < a->nrising; i++) {
		const cb_analysis_rise *r = &a->rising[i];
		if (only >= 0 && (size_t)only != r->theme)
			continue;
		fputs(first ? "\n  {\"theme\": " : ",\n  {\"theme\": ", f);
		first = false;
		S_json_str(f, s->themes[r->theme].id);
		fprintf(f, ", \"documents\": [%u, %u, %u]}", r->docs[0], r->docs[1], r->docs[2]);
	}
	fputs("]}}\n", f);
}

int cb_cmd_analyse(int argc, char **argv, const char *datadir)
{
	static const struct option opts[] = {{"by", required_argument, NULL, 'b'},
					     {"theme", required_argument, NULL, 't'},
					     {"audience", required_argument, NULL, 'a'},
					     {"repo", required_argument, NULL, 'r'},
					     {"ref", required_argument, NULL, 'R'},
					     {"worktree", no_argument, NULL, 'w'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	cb_site_opts so = {0};
	so.audience = CB_VIS_PUBLIC;
	int by = CB_BY_AREA;
	S_format fmt = S_TEXT;
	const char *theme = NULL;
	optind = 1;
	opterr = 0;
	int c;
	(void)datadir;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			by = cb_analysis_by_parse(optarg);
			if (by < 0)
				return cb_usage_error(cb_analyse_usage,
						      "unknown --by '%s': use area, year, type or agency",
						      optarg);
			break;
		case 't': theme = optarg; break;
		case 'a':
			if (cb_visibility_parse(optarg, &so.audience) != 0)
				return cb_usage_error(
				    cb_analyse_usage,
				    "unknown audience '%s': use public, internal or restricted", optarg);
			break;
		case 'r': so.repo = optarg; break;
		case 'R': so.ref = optarg; break;
		case 'w': so.worktree = true; break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = S_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				fmt = S_CSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = S_JSON;
			else
				return cb_usage_error(cb_analyse_usage,
						      "unknown --format '%s': use text, csv or json", optarg);
			break;
		case 'h': fputs(cb_analyse_usage, stdout); return 0;
		case ':':
			return cb_usage_error(cb_analyse_usage, "option '%s' needs a value",
					      argv[optind - 1]);
		default: return cb_usage_error(cb_analyse_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cb_usage_error(cb_analyse_usage, "unexpected argument '%s'", argv[optind]);
	if (so.ref && so.worktree)
		return cb_usage_error(cb_analyse_usage, "%s", "--ref and --worktree cannot be used together");

	cb_site site;
	int rc = cb_cli_site_load(&so, &site, "counting");
	if (rc != 0) {
		cb_site_free(&site);
		return rc;
	}
	int only = -1;
	if (theme) {
		only = cb_analysis_theme(&site, theme);
		if (only < 0) {
			cb_strv ids = CB_STRV_INIT;
			for (size_t i = 0; i < site.nthemes; i++)
				cb_strv_push(&ids, site.themes[i].id);
			const char *sug = cb_did_you_mean(theme, (const char *const *)ids.v, ids.n);
			fprintf(stderr,
				"casebook: no document published to this audience has the theme '%s'%s%s%s\n",
				theme, sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			cb_strv_free(&ids);
			cb_site_free(&site);
			return 2;
		}
	}
	cb_analysis *a = cb_analysis_new(&site, NULL);
	const cb_analysis_table *t = &a->by[by];
	if (fmt == S_CSV)
		S_csv(stdout, a, t, only);
	else if (fmt == S_JSON)
		S_json(stdout, a, t, only);
	else
		S_text(stdout, a, t, only);
	cb_analysis_free(a);
	cb_site_free(&site);
	return 0;
}
