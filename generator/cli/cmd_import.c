/*
 * cmd_import: `casebook import FILE… [--type T] [--date YYYY-MM-DD]
 * [--theme ID]… [--no-original]` makes one draft document of each Word,
 * OpenDocument, PDF, HTML or text file (generator/import/), keeps the
 * original beside it as content/files/<name>.<ext>, reports the file's
 * metadata, and runs the checks on what it wrote, printing each finding
 * with its line and column. A file that cannot be read writes nothing and
 * the others go on. Nothing is ever overwritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "commands.h"
#include "config.h"
#include "gitsrc.h"
#include "import/draft.h"
#include "import/import.h"
#include "learning.h"
#include "schema.h"
#include "util.h"

const char cb_import_usage[] =
    "usage: casebook import FILE... [--type TYPE] [--date YYYY-MM-DD] [--theme ID]...\n"
    "                       [--no-original] [--repo DIR]\n"
    "\n"
    "Makes a draft document of each Word (.docx), OpenDocument (.odt), PDF, HTML\n"
    "or text file: CONTENT/<folder of its type>/<date>-<slug>.md, with headings,\n"
    "lists, tables and links, the title and date found in it, and themes and\n"
    "agencies suggested from the taxonomy. The original is kept as\n"
    "CONTENT/files/<date>-<slug>.<ext> and linked as the full report. The file's\n"
    "metadata (author, last modified by, comments) is printed, then the checks\n"
    "run on the new document. Nothing is ever overwritten.\n"
    "\n"
    "  --type TYPE       the type, instead of guessing it from the text\n"
    "  --date DATE       the date (YYYY-MM-DD), instead of finding it in the text\n"
    "  --theme ID        file it under this theme instead of suggesting themes (repeat)\n"
    "  --no-original     do not keep the original file\n"
    "  --repo DIR        the repository (default: the one containing this folder)\n"
    "\n"
    "Files over 50 MB, damaged or password-protected files, scans without a text\n"
    "layer and unknown formats are refused with a message; the other files go on.\n"
    "Exit status: 0 every file imported and the checks clean, 1 a file was refused\n"
    "or the checks found problems, 2 usage error (a URL, an unknown type or theme).\n";

typedef struct S_opts {
	const char *type, *date, *repo;
	cb_strv themes;
	bool no_original;
} S_opts;

/* -1 after printing help, 2 on a usage error, 0 to go on. */
static int S_parse(int argc, char **argv, S_opts *o)
{
	static const struct option opts[] = {{"type", required_argument, NULL, 't'},
					     {"date", required_argument, NULL, 'd'},
					     {"theme", required_argument, NULL, 'T'},
					     {"no-original", no_argument, NULL, 'n'},
					     {"repo", required_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o->type = optarg; break;
		case 'd': o->date = optarg; break;
		case 'T':
			if (!cb_strv_contains(&o->themes, optarg))
				cb_strv_push(&o->themes, optarg);
			break;
		case 'n': o->no_original = true; break;
		case 'r': o->repo = optarg; break;
		case 'h': fputs(cb_import_usage, stdout); return -1;
		case ':':
			return cb_usage_error(cb_import_usage, "option '%s' needs a value", argv[optind - 1]);
		default: return cb_usage_error(cb_import_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cb_usage_error(cb_import_usage, "%s", "name the files to import");
	for (int i = optind; i < argc; i++)
		if (strstr(argv[i], "://") || strncasecmp(argv[i], "www.", 4) == 0)
			return cb_usage_error(cb_import_usage,
					      "'%s' is a web address: import reads files on this computer; "
					      "download it first",
					      argv[i]);
	if (o->type && !cb_type_folder(o->type)) {
		const char *sug = cb_did_you_mean(o->type, cb_doc_types, cb_doc_ntypes);
		fprintf(stderr, "casebook: '%s' is not a document type%s%s%s\n", o->type,
			sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
		return 2;
	}
	if (o->date && !cb_date_valid(o->date))
		return cb_usage_error(cb_import_usage, "--date needs a date as YYYY-MM-DD, not '%s'",
				      o->date);
	return 0;
}

/* The repository's configuration, taxonomy and agencies as they are in
 * the working tree. 0, 1 after printing their errors, or 2. */
static int S_settings(const char *workdir, cb_config *cfg, cb_taxonomy *tax, cb_agencies *ag)
{
	cb_diags d = CB_DIAGS_INIT;
	char *path = cb_path_join(workdir, "casebook.yml"), *text = NULL;
	size_t len = 0;
	int rc = 0;
	if (cb_file_read(path, &text, &len) != 0 && errno != ENOENT) {
		fprintf(stderr, "casebook: cannot read '%s': %s\n", path, strerror(errno));
		rc = 2;
	}
	free(path);
	cb_config_load(text, len, "casebook.yml", cfg, &d);
	free(text);
	text = NULL;
	len = 0;
	path = cb_path_join(workdir, cfg->taxonomy_file);
	if (rc == 0 && cb_file_read(path, &text, &len) == 0)
		cb_taxonomy_load(text, len, cfg->taxonomy_file, tax, &d);
	free(path);
	free(text);
	text = NULL;
	if (rc == 0 && cfg->agencies_file) {
		path = cb_path_join(workdir, cfg->agencies_file);
		if (cb_file_read(path, &text, &len) == 0) {
			cb_taxonomy defs;
			cb_agencies_file_load(text, len, cfg->agencies_file, &defs, &d);
			cb_agencies_add(ag, &defs);
			cb_taxonomy_free(&defs);
		}
		free(path);
		free(text);
	}
	if (rc == 0 && d.errors) {
		cb_diags_sort(&d);
		cb_diags_print(&d, stderr, cb_want_color(stderr));
		fprintf(stderr, "casebook: fix the errors above first (casebook check lists them all)\n");
		rc = 1;
	}
	cb_diags_free(&d);
	return rc;
}

/* The file name's stem, for a title when the document has none. */
static char *S_stem(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *s = cb_xstrdup(slash ? slash + 1 : path);
	char *dot = strrchr(s, '.');
	if (dot && dot != s)
		*dot = '\0';
	for (char *p = s; *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	return s;
}

static const char *S_ext(cb_import_format f, const char *path)
{
	switch (f) {
	case CB_IMPORT_DOCX: return "docx";
	case CB_IMPORT_ODT: return "odt";
	case CB_IMPORT_PDF: return "pdf";
	case CB_IMPORT_HTML: return cb_import_format_of(path) == CB_IMPORT_HTML ? "html" : "html";
	default: return "txt";
	}
}

/* The slug part of a file name, as `casebook new` makes it. */
static char *S_slug(const char *title)
{
	char *slug = cb_slugify(title);
	if (strlen(slug) > 60) {
		size_t cut = 60;
		while (cut > 20 && slug[cut] != '-')
			cut--;
		slug[cut] = '\0';
	}
	size_t n = strlen(slug);
	while (n && slug[n - 1] == '-')
		slug[--n] = '\0';
	if (!slug[0]) {
		free(slug);
		slug = cb_xstrdup("imported");
	}
	return slug;
}

static void S_report_meta(const cb_import_doc *doc)
{
	const char *const label[] = {"author", "last modified by", "created", "modified"};
	const char *const value[] = {doc->author, doc->last_modified_by, doc->created, doc->modified};
	for (size_t i = 0; i < 4; i++)
		if (value[i])
			printf("  %s: %s\n", label[i], value[i]);
	if (doc->comments.n) {
		printf("  %zu comment%s (not imported; check none holds what must not be published):\n",
		       doc->comments.n, doc->comments.n == 1 ? "" : "s");
		for (size_t i = 0; i < doc->comments.n; i++)
			printf("    %s\n", doc->comments.v[i]);
	}
}

typedef struct S_run {
	const S_opts *o;
	const char *workdir;
	const cb_config *cfg;
	const cb_taxonomy *tax;
	const char *today;
	cb_strv written;	     /* repository-relative paths of the new documents */
	const cb_agencies *agencies; /* shipped and the repository's */
	const cb_lvocab *vocab;	     /* the repository's learning headings */
} S_run;

/* What was written, what was guessed and the file's metadata. */
static void S_report(const S_opts *o, const char *rel, const char *orig_rel, const char *file,
		     const cb_import_doc *doc, const cb_draft *d)
{
	printf("%s: %s from %s (%s)\n", rel, d->title, file, cb_import_format_name(doc->format));
	printf("  type: %s%s; date: %s", d->type,
	       d->type_unsure	 ? " (no clear sign of its type: check it)"
	       : d->type_guessed ? " (guessed)"
				 : "",
	       d->date);
	if (d->date_from == CB_DRAFT_DATE_FOUND)
		printf(" (from \"%s\")", d->date_text);
	printf("; %zu headings, %zu list items\n", d->headings, d->items);
	if (!o->no_original)
		printf("  original kept as %s\n", orig_rel);
	S_report_meta(doc);
	if (d->type_unsure)
		fprintf(stderr,
			"casebook: %s: warning: the type could not be told from the text, so it is "
			"'briefing'; change it, or import with --type\n",
			rel);
	if (d->date_from == CB_DRAFT_DATE_TODAY)
		fprintf(stderr,
			"casebook: %s: warning: no date was found in the text, so it is today's; "
			"correct it, or import with --date\n",
			rel);
}

/* Imports one file: 0 written, -1 refused (message printed). */
static int S_one(S_run *r, const char *file)
{
	cb_import_doc *doc = NULL;
	cb_error err = CB_ERROR_INIT;
	if (cb_import_read(file, &doc, &err) != 0) {
		char msg[2200];
		cb_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "casebook: %s; nothing was written for it\n", msg);
		return -1;
	}
	char *stem = S_stem(file);
	cb_draft_opts dopt = {r->o->type, r->o->date, r->today, &r->o->themes, r->tax,
			      stem,	  NULL,	      NULL,	r->agencies,   r->vocab};
	cb_draft probe;
	cb_draft_make(doc, &dopt, &probe); /* for the title, type and date the names need */
	char *slug = S_slug(probe.title);
	const char *ext = S_ext(doc->format, file);
	char *name = cb_xasprintf("%s-%s", probe.date, slug);
	char *rel = cb_xasprintf("%s/%s/%s.md", r->cfg->content_dir, cb_type_folder(probe.type), name);
	char *orig_rel = cb_xasprintf("%s/files/%s.%s", r->cfg->content_dir, name, ext);
	char *href = cb_xasprintf("../files/%s.%s", name, ext);
	cb_draft_free(&probe);
	dopt.original_href = r->o->no_original ? NULL : href;
	dopt.original_label = cb_import_format_name(doc->format);
	cb_draft d;
	cb_draft_make(doc, &dopt, &d);
	char *path = cb_path_join(r->workdir, rel), *orig = cb_path_join(r->workdir, orig_rel);
	int rc = -1;
	char *data = NULL;
	size_t len = 0;
	if (!r->o->no_original) {
		if (cb_file_read(file, &data, &len) != 0 || cb_file_create(orig, data, len) != 0) {
			fprintf(stderr, "casebook: %s: cannot keep the original as '%s': %s%s\n", file,
				orig_rel, strerror(errno),
				errno == EEXIST
				    ? " (casebook never overwrites; remove it or use --no-original)"
				    : "");
			goto out;
		}
	}
	if (cb_file_create(path, d.markdown, strlen(d.markdown)) != 0) {
		fprintf(stderr, "casebook: %s: cannot write '%s': %s%s; nothing was written for it\n", file,
			rel, strerror(errno),
			errno == EEXIST
			    ? " (casebook never overwrites a document; edit that one, or import with "
			      "another --date)"
			    : "");
		if (!r->o->no_original)
			unlink(orig);
		goto out;
	}
	S_report(r->o, rel, orig_rel, file, doc, &d);
	cb_strv_push(&r->written, rel);
	rc = 0;
out:
	free(data);
	free(path);
	free(orig);
	free(rel);
	free(orig_rel);
	free(href);
	free(name);
	free(slug);
	free(stem);
	cb_draft_free(&d);
	cb_import_doc_free(doc);
	return rc;
}

/* The checks on the working files, every audience, printing the findings
 * in the new documents. The number of findings, or -1 when the checks
 * could not run. */
static long S_check(const S_run *r, const char *datadir)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = CB_ERROR_INIT;
	cb_build_opts bo;
	memset(&bo, 0, sizeof bo);
	bo.site.repo = r->workdir;
	bo.site.worktree = true;
	bo.site.audience = CB_VIS_RESTRICTED; /* drafts and restricted documents too */
	bo.site.drafts = true;
	bo.datadir = datadir;
	bo.version = CB_VERSION;
	bo.check_only = true;
	bo.no_cache = true;
	cb_build_result res;
	cb_build_status st = cb_build_run(&bo, &res, &d, &err);
	long found = 0;
	if (st == CB_BUILD_FAILED) {
		char msg[2200];
		cb_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "casebook: the checks could not run: %s\n", msg);
		found = -1;
	} else {
		cb_diags mine = CB_DIAGS_INIT;
		for (size_t i = 0; i < d.n; i++)
			if (cb_strv_contains(&r->written, d.v[i].file))
				cb_diags_add(&mine, d.v[i].sev, d.v[i].file, d.v[i].line, d.v[i].col,
					     d.v[i].rule, "%s", d.v[i].msg);
		cb_diags_sort(&mine);
		cb_diags_print(&mine, stderr, cb_want_color(stderr));
		found = (long)(mine.errors + mine.warnings);
		cb_diags_free(&mine);
	}
	cb_build_result_free(&res);
	cb_diags_free(&d);
	return found;
}

int cb_cmd_import(int argc, char **argv, const char *datadir)
{
	S_opts o;
	memset(&o, 0, sizeof o);
	cb_gitsrc *g = NULL;
	cb_config cfg;
	cb_taxonomy tax;
	memset(&cfg, 0, sizeof cfg);
	memset(&tax, 0, sizeof tax);
	cb_agencies ag;
	cb_agencies_init(&ag);
	cb_lvocab *vocab = NULL;
	bool loaded = false;
	S_run r = {&o, NULL, &cfg, &tax, NULL, CB_STRV_INIT, &ag, NULL};
	int rc = S_parse(argc, argv, &o);
	if (rc != 0) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	rc = 2;
	cb_error err = CB_ERROR_INIT;
	if (cb_gitsrc_open(&g, o.repo, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		goto out;
	}
	r.workdir = cb_gitsrc_workdir(g);
	if (!r.workdir) {
		fprintf(stderr, "casebook: the repository is bare, so it has no working files to import "
				"into; run casebook import in a clone\n");
		goto out;
	}
	loaded = true;
	if ((rc = S_settings(r.workdir, &cfg, &tax, &ag)) != 0)
		goto out;
	r.vocab = vocab = cb_lvocab_new(&cfg.learning_headings, cfg.learning_headings_only);
	for (size_t i = 0; i < o.themes.n; i++)
		if (tax.n && !cb_taxonomy_find(&tax, o.themes.v[i])) {
			const char *sug =
			    cb_did_you_mean(o.themes.v[i], (const char *const *)tax.ids.v, tax.ids.n);
			fprintf(stderr, "casebook: '%s' is not a theme in %s%s%s%s\n", o.themes.v[i],
				cfg.taxonomy_file, sug ? "; did you mean '" : "", sug ? sug : "",
				sug ? "'?" : "");
			rc = 2;
			goto out;
		}
	char today[11];
	if (cb_today(today, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	r.today = today;
	size_t failed = 0;
	for (int i = optind; i < argc; i++)
		failed += S_one(&r, argv[i]) != 0;
	long found = r.written.n ? S_check(&r, datadir) : 0;
	if (found > 0)
		fprintf(stderr,
			"casebook: the checks found %ld problem%s in the imported document%s; fix %s "
			"before publishing\n",
			found, found == 1 ? "" : "s", r.written.n == 1 ? "" : "s",
			found == 1 ? "it" : "them");
	printf("%zu of %d file%s imported as draft%s\n", r.written.n, argc - optind,
	       argc - optind == 1 ? "" : "s", r.written.n == 1 ? "" : "s");
	rc = failed || found ? 1 : 0;
out:
	if (loaded) {
		cb_config_free(&cfg);
		cb_taxonomy_free(&tax);
	}
	cb_gitsrc_free(g);
	cb_strv_free(&r.written);
	cb_strv_free(&o.themes);
	cb_agencies_free(&ag);
	cb_lvocab_free(vocab);
	return rc;
}
