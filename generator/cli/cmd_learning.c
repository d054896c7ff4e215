/*
 * cmd_learning: `casebook learning` lists the learning points of the
 * documents an audience may see, each with its own themes (learning.h):
 * newest document first, in document order; with --theme only the points
 * on that theme, as its theme page lists them.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "site.h"
#include "util.h"

const char cb_learning_usage[] =
    "usage: casebook learning [--theme ID] [--audience A] [--repo DIR]\n"
    "                         [--ref REV | --worktree] [--json]\n"
    "\n"
    "Lists the learning points (list items under headings such as \"Key learning\",\n"
    "\"Lessons learnt\" or \"Recommendations\"), newest document first, each with the\n"
    "themes it is about.\n"
    "\n"
    "  --theme ID      only the points on this theme\n"
    "  --audience A    public (default), internal or restricted\n"
    "  --repo DIR      the git repository (default: the one containing this folder)\n"
    "  --ref REV       branch, tag or commit to read (default: HEAD)\n"
    "  --worktree      read the working files, uncommitted edits included\n"
    "  --json          print {\"version\": 1, \"points\": [...]}, each point with\n"
    "                  document, title, heading, anchor, text and themes\n"
    "\n"
    "Exit status: 0 points found, 1 none, 2 usage or environment error.\n";

static int S_usage(const char *fmt, const char *arg)
{
	fputs("casebook: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n\n", stderr);
	fputs(cb_learning_usage, stderr);
	return 2;
}

static void S_json_str(cb_buf *b, const char *s)
{
	cb_buf_putc(b, '"');
	cb_buf_json(b, s, strlen(s));
	cb_buf_putc(b, '"');
}

static void S_json_point(cb_buf *b, const cb_doc *d, size_t k, bool first)
{
	const cb_lpoint *lp = &d->md.learning[k];
	cb_buf_puts(b, first ? "\n    {" : ",\n    {");
	cb_buf_puts(b, "\"document\": ");
	S_json_str(b, d->path);
	cb_buf_puts(b, ", \"title\": ");
	S_json_str(b, d->meta.title);
	cb_buf_puts(b, ", \"heading\": ");
	S_json_str(b, lp->heading);
	cb_buf_puts(b, ", \"anchor\": ");
	S_json_str(b, lp->heading_id);
	cb_buf_puts(b, ", \"text\": ");
	S_json_str(b, lp->text);
	cb_buf_puts(b, ", \"themes\": [");
	const cb_strv *th = &d->pthemes[k];
	for (size_t i = 0; i < th->n; i++) {
		if (i)
			cb_buf_puts(b, ", ");
		S_json_str(b, th->v[i]);
	}
	cb_buf_puts(b, "]}");
}

static void S_text_point(cb_buf *b, const cb_doc *d, size_t k, const cb_lpoint **last_heading)
{
	const cb_lpoint *lp = &d->md.learning[k];
	if (!*last_heading || strcmp((*last_heading)->heading_id, lp->heading_id) != 0) {
		cb_buf_puts(b, "  ");
		cb_buf_puts(b, lp->heading);
		cb_buf_puts(b, " (#");
		cb_buf_puts(b, lp->heading_id);
		cb_buf_puts(b, ")\n");
		*last_heading = lp;
	}
	cb_buf_puts(b, "    - ");
	cb_buf_puts(b, lp->text);
	const cb_strv *th = &d->pthemes[k];
	for (size_t i = 0; i < th->n; i++) {
		cb_buf_puts(b, i ? ", " : "  [");
		cb_buf_puts(b, th->v[i]);
	}
	cb_buf_puts(b, th->n ? "]\n" : "\n");
}

/* Whether id names a theme: one a document uses or the taxonomy has. */
static int S_check_theme(const cb_site *s, const char *id)
{
	for (size_t i = 0; i < s->nthemes; i++)
		if (strcmp(s->themes[i].id, id) == 0)
			return 0;
	if (s->has_taxonomy && cb_taxonomy_find(&s->tax, id))
		return 0;
	cb_strv ids = CB_STRV_INIT;
	for (size_t i = 0; i < s->nthemes; i++)
		cb_strv_push(&ids, s->themes[i].id);
	for (size_t i = 0; s->has_taxonomy && i < s->tax.ids.n; i++)
		cb_strv_push(&ids, s->tax.ids.v[i]);
	const char *sug = cb_did_you_mean(id, (const char *const *)ids.v, ids.n);
	if (sug)
		fprintf(stderr, "casebook: '%s' is not a theme; did you mean '%s'?\n", id, sug);
	else
		fprintf(stderr, "casebook: '%s' is not a theme of any document or of the taxonomy\n", id);
	cb_strv_free(&ids);
	return -1;
}

int cb_cmd_learning(int argc, char **argv, const char *datadir)
{
	(void)datadir;
	static const struct option opts[] = {
	    {"theme", required_argument, NULL, 't'}, {"audience", required_argument, NULL, 'a'},
	    {"repo", required_argument, NULL, 'r'},  {"ref", required_argument, NULL, 'R'},
	    {"worktree", no_argument, NULL, 'w'},    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	     {NULL, 0, NULL, 0}};
	const char *theme = NULL;
	bool json = false;
	cb_site_opts so;
	memset(&so, 0, sizeof so);
	so.audience = CB_VIS_PUBLIC;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't': theme = optarg; break;
		case 'a':
			if (strcmp(optarg, "public") == 0)
				so.audience = CB_VIS_PUBLIC;
			else if (strcmp(optarg, "internal") == 0)
				so.audience = CB_VIS_INTERNAL;
			else if (strcmp(optarg, "restricted") == 0)
				so.audience = CB_VIS_RESTRICTED;
			else
				return S_usage("unknown audience '%s': use public, internal or restricted",
					       optarg);
			break;
		case 'r': so.repo = optarg; break;
		case 'R': so.ref = optarg; break;
		case 'w': so.worktree = true; break;
		case 'j': json = true; break;
		case 'h': fputs(cb_learning_usage, stdout); return 0;
		case ':': return S_usage("option '%s' needs a value", argv[optind - 1]);
		default: return S_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return S_usage("unexpected argument '%s'", argv[optind]);
	if (so.ref && so.worktree)
		return S_usage("%s", "--ref and --worktree cannot be used together");

	cb_site site;
	int rc = 2;
	/* Content errors exit 2 here: 1 means no points were found. */
	if (cb_cli_site_load(&so, &site, "listing their learning") != 0)
		goto out;
	if (theme && S_check_theme(&site, theme) != 0)
		goto out;

	cb_buf b = CB_BUF_INIT;
	size_t found = 0;
	if (json)
		cb_buf_puts(&b, "{\"version\": 1, \"points\": [");
	for (size_t i = 0; i < site.ndocs; i++) {
		const cb_doc *doc = &site.docs[i];
		const cb_lpoint *last = NULL;
		for (size_t k = 0; k < doc->md.nlearning; k++) {
			if (theme && !cb_doc_point_on(doc, k, theme))
				continue;
			if (json) {
				S_json_point(&b, doc, k, found == 0);
			} else {
				if (!last) {
					cb_buf_puts(&b, found ? "\n" : "");
					cb_buf_puts(&b, doc->meta.title);
					cb_buf_puts(&b, " — ");
					cb_buf_puts(&b, doc->meta.date);
					cb_buf_puts(&b, " (");
					cb_buf_puts(&b, doc->path);
					cb_buf_puts(&b, ")\n");
				}
				S_text_point(&b, doc, k, &last);
			}
			found++;
		}
	}
	if (json)
		cb_buf_puts(&b, found ? "\n  ]}\n" : "]}\n");
	if (json || found)
		fwrite(b.data ? b.data : "", 1, b.len, stdout);
	if (!found && !json)
		fprintf(stderr, "casebook: no learning points%s%s\n", theme ? " on the theme " : "",
			theme ? theme : "");
	cb_buf_free(&b);
	rc = found ? 0 : 1;
out:
	cb_site_free(&site);
	return rc;
}
