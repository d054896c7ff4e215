/*
 * main: the casebook command line: parses arguments, runs commands, prints
 * to the terminal and decides the exit status — 0 clean, 1 content errors,
 * 2 usage or environment errors. The pipeline itself is wired in build.c.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "build.h"
#include "commands.h"
#include "cmd_search.h"
#include "site.h"
#include "util.h"

#ifndef CB_VERSION
#define CB_VERSION "0.0.0"
#endif
#ifndef CB_DATADIR
#define CB_DATADIR "/usr/local/share/casebook"
#endif

enum { EXIT_CLEAN = 0, EXIT_CONTENT = 1, EXIT_USAGE = 2 };

static const char S_usage[] =
    "usage: casebook COMMAND [OPTIONS]\n"
    "\n"
    "Turns a git repository of Markdown learning material into a static site.\n"
    "\n"
    "commands:\n"
    "  build    check the documents and build the site\n"
    "  check    check the documents only (exit 1 on any error)\n"
    "  analyse  count documents and learning points per theme by area, year, type or agency\n"
    "  hook     install (or remove) the pre-commit hook that runs check --staged\n"
    "  fetch    fetch the partner repositories casebook.yml lists; pin new ones\n"
    "  update   fetch partner repositories and move their pins in casebook.lock\n"
    "  import   make draft documents of Word, OpenDocument, PDF, HTML or text files\n"
    "  init     make a new learning repository, ready to build\n"
    "  new      write a new document with the sections of its type\n"
    "  pack     make a printable reflective supervision pack\n"
    "  learning list the learning points, each with its own themes\n"
    "  serve    preview the working files in a browser, rebuilding on change\n"
    "  search   search the last build: words, \"phrases\", prefix*, -word, OR\n"
    "  help     show this help, or `casebook help COMMAND`\n"
    "  version  print the version\n"
    "\n"
    "Run `casebook COMMAND --help` for a command's options.\n";

static const char S_build_usage[] =
    "usage: casebook build [--repo DIR] [--ref REV | --worktree] [--out DIR]\n"
    "                      [--audience public|internal|restricted] [--drafts] [--jobs N]\n"
    "                      [--no-cache] [--allow-shallow] [--encrypt | --no-encrypt]\n"
    "                      [--passphrase-file FILE] [--with-db] [--quiet]\n"
    "\n"
    "Builds the site from the Markdown documents committed under content/,\n"
    "and the audience's search database for `casebook search`\n"
    "(.casebook/search-AUDIENCE.db, never published).\n"
    "\n"
    "  --repo DIR        the git repository (default: the one containing this folder)\n"
    "  --ref REV         branch, tag or commit to build (default: HEAD)\n"
    "  --worktree        build the working files, uncommitted edits included\n"
    "  --out DIR         output folder (default: public/ in the repository)\n"
    "  --audience A      public (default), internal or restricted: the most\n"
    "                    sensitive documents the site may contain\n"
    "  --drafts          include drafts (status: draft); internal and restricted\n"
    "                    builds only: drafts never go in a public build\n"
    "  --jobs N          threads for parsing and rendering (default: one per core);\n"
    "                    the output is the same for any N\n"
    "  --no-cache        redo everything: neither read nor update the cache of\n"
    "                    earlier builds (.casebook/ beside the output folder);\n"
    "                    the output is the same either way\n"
    "  --allow-shallow   build a shallow clone (git clone --depth N) with the\n"
    "                    history it has; dates older than it are then wrong\n"
    "  --encrypt         encrypt the site: it opens offline with a passphrase\n"
    "                    ('encrypt: true' in casebook.yml makes this the default\n"
    "                    for internal and restricted builds)\n"
    "  --no-encrypt      build plain files even when casebook.yml says encrypt\n"
    "  --passphrase-file FILE  the passphrase (one trailing newline is ignored);\n"
    "                    else $CASEBOOK_PASSPHRASE, else asked on the terminal;\n"
    "                    at least 12 characters\n"
    "  --with-db         also put the search database in the output, as\n"
    "                    casebook.db ('search-db: true' in casebook.yml makes\n"
    "                    this the default); never in an encrypted build\n"
    "  -q, --quiet       print only problems\n"
    "\n"
    "Exit status: 0 built, 1 content errors (nothing written), 2 usage or\n"
    "environment error. A failed build leaves the previous output untouched.\n";

static const char S_check_usage[] =
    "usage: casebook check [--repo DIR] [--ref REV | --worktree | --staged] [--audience A]\n"
    "                      [--drafts] [--allow-shallow] [--quiet]\n"
    "\n"
    "Checks every document (front matter, links, configuration) and prints each\n"
    "problem as path:line:col: error: message [rule]. Writes nothing. Personal\n"
    "data is checked in every document, whatever --audience says.\n"
    "\n"
    "  --staged          check what is about to be committed (the git index);\n"
    "                    the pre-commit hook (casebook hook install) runs this\n"
    "\n"
    "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or environment error.\n";

typedef struct S_args {
	cb_site_opts site;
	const char *out;
	int jobs;
	bool quiet;
	bool no_cache;
	bool with_db;
	int encrypt; /* 1 --encrypt, 0 --no-encrypt, -1 neither */
	const char *passphrase_file;
} S_args;

/* Parses the options shared by build and check; returns -1 after printing
 * help (exit 0) and -2 on a usage error (exit 2). */
static int S_parse(int argc, char **argv, bool build, S_args *a)
{
	const char *usage = build ? S_build_usage : S_check_usage;
	static const struct option opts[] = {{"repo", required_argument, NULL, 'r'},
					     {"ref", required_argument, NULL, 'R'},
					     {"worktree", no_argument, NULL, 'w'},
					     {"out", required_argument, NULL, 'o'},
					     {"audience", required_argument, NULL, 'a'},
					     {"drafts", no_argument, NULL, 'D'},
					     {"jobs", required_argument, NULL, 'j'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {"no-cache", no_argument, NULL, 'C'},
					     {"allow-shallow", no_argument, NULL, 'S'},
					     {"encrypt", no_argument, NULL, 'E'},
					     {"no-encrypt", no_argument, NULL, 'N'},
					     {"passphrase-file", required_argument, NULL, 'P'},
					     {"staged", no_argument, NULL, 'I'},
					     {"with-db", no_argument, NULL, 'B'},
					     {NULL, 0, NULL, 0}};
	memset(a, 0, sizeof *a);
	a->encrypt = -1;
	a->site.audience = CB_VIS_PUBLIC;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":qhj:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->site.repo = optarg; break;
		case 'R': a->site.ref = optarg; break;
		case 'w': a->site.worktree = true; break;
		case 'I':
			if (build)
				return cb_usage_error(
					   usage, "%s",
					   "--staged is for check (the pre-commit hook); build reads "
					   "commits or, with --worktree, the working files"),
				       -2;
			a->site.staged = true;
			break;
		case 'o':
			if (!build)
				return cb_usage_error(usage, "check writes nothing, so it takes no %s",
						      "--out"),
				       -2;
			a->out = optarg;
			break;
		case 'a':
			if (cb_visibility_parse(optarg, &a->site.audience) != 0)
				return cb_usage_error(
					   usage, "unknown audience '%s': use public, internal or restricted",
					   optarg),
				       -2;
			break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 256)
				return cb_usage_error(usage, "--jobs needs a number from 1 to 256, not '%s'",
						      optarg),
				       -2;
			a->jobs = (int)n;
			break;
		}
		case 'q': a->quiet = true; break;
		case 'D': a->site.drafts = true; break;
		case 'S': a->site.allow_shallow = true; break;
		case 'C':
			if (!build)
				return cb_usage_error(usage, "check writes nothing, so it takes no %s",
						      "--no-cache"),
				       -2;
			a->no_cache = true;
			break;
		case 'B':
			if (!build)
				return cb_usage_error(usage, "check writes nothing, so it takes no %s",
						      "--with-db"),
				       -2;
			a->with_db = true;
			break;
		case 'E':
		case 'N':
		case 'P':
			if (!build)
				return cb_usage_error(usage, "check writes nothing, so it takes no %s",
						      argv[optind - 1]),
				       -2;
			if (c == 'P')
				a->passphrase_file = optarg;
			else if (a->encrypt >= 0 && a->encrypt != (c == 'E'))
				return cb_usage_error(usage, "%s",
						      "--encrypt and --no-encrypt cannot be used together"),
				       -2;
			else
				a->encrypt = c == 'E';
			break;
		case 'h': fputs(usage, stdout); return -1;
		case ':': return cb_usage_error(usage, "option '%s' needs a value", argv[optind - 1]), -2;
		default: return cb_usage_error(usage, "unknown option '%s'", argv[optind - 1]), -2;
		}
	}
	if (optind < argc)
		return cb_usage_error(usage, "unexpected argument '%s'", argv[optind]), -2;
	if (a->site.ref && a->site.worktree)
		return cb_usage_error(usage, "%s", "--ref and --worktree cannot be used together"), -2;
	if (a->site.staged && (a->site.ref || a->site.worktree))
		return cb_usage_error(usage, "%s", "--staged cannot be used with --ref or --worktree"), -2;
	if (a->site.drafts && a->site.audience == CB_VIS_PUBLIC)
		return cb_usage_error(
			   usage, "%s",
			   "drafts never go in a public build: --drafts needs --audience internal or "
			   "restricted"),
		       -2;
	return 0;
}

/* The folder holding themes/ and plugins/: $CASEBOOK_DATADIR; else beside
 * the executable when run from a source tree; else ../share/casebook from
 * the executable, so an installed copy can be moved as a whole; else the
 * folder chosen when it was compiled. */
static char *S_datadir(void)
{
	const char *env = getenv("CASEBOOK_DATADIR");
	if (env && env[0])
		return cb_xstrdup(env);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			const char *const rel[] = {"", "../share/casebook"};
			for (size_t i = 0; i < 2; i++) {
				char *dir = rel[i][0] ? cb_path_join(exe, rel[i]) : cb_xstrdup(exe);
				char *probe = cb_path_join(dir, "themes/default/templates");
				bool here = cb_is_dir(probe);
				free(probe);
				if (here)
					return dir;
				free(dir);
			}
		}
	}
	return cb_xstrdup(CB_DATADIR);
}

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void S_print_error(const cb_error *err)
{
	char msg[2200];
	cb_error_format(err, msg, sizeof msg);
	fprintf(stderr, "casebook: %s\n", msg);
}

/* build and check: run the pipeline (build.h), then report. */
static int S_run(int argc, char **argv, bool build)
{
	S_args a;
	int prc = S_parse(argc, argv, build, &a);
	if (prc == -1)
		return EXIT_CLEAN;
	if (prc == -2)
		return EXIT_USAGE;

	/* check is the gate before git history: personal data is checked in
	 * every document, whatever --audience says of the other checks. */
	a.site.pii_every_audience = !build;
	double t0 = S_now();
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = CB_ERROR_INIT;
	char *datadir = S_datadir();
	cb_build_opts bo = {.site = a.site,
			    .out = a.out,
			    .datadir = datadir,
			    .version = CB_VERSION,
			    .check_only = !build,
			    .jobs = a.jobs,
			    .no_cache = a.no_cache,
			    .with_db = a.with_db,
			    .encrypt = a.encrypt < 0 ? CB_ENCRYPT_CONFIG
				       : a.encrypt   ? CB_ENCRYPT_YES
						     : CB_ENCRYPT_NO,
			    .seal_keys = cb_cli_seal_keys,
			    .seal_ctx = (void *)a.passphrase_file};
	cb_build_result res;
	cb_build_status st = cb_build_run(&bo, &res, &d, &err);
	cb_diags_sort(&d);
	cb_diags_print(&d, stderr, cb_want_color(stderr));
	/* CASEBOOK_TIMINGS=1: seconds per stage, for `make bench`. */
	const char *timings = getenv("CASEBOOK_TIMINGS");
	for (size_t i = 0; timings && timings[0] && strcmp(timings, "0") != 0 && i < res.ntimings; i++) {
		fprintf(stderr, "casebook: timing: %-10s %8.3f s", res.timings[i].stage,
			res.timings[i].seconds);
		if (res.timings[i].peak_mb > 0)
			fprintf(stderr, "   (peak memory so far %.0f MB)", res.timings[i].peak_mb);
		fputc('\n', stderr);
	}
	int rc = EXIT_CLEAN;
	if (st == CB_BUILD_FAILED) {
		S_print_error(&err);
		if (res.out)
			fprintf(stderr, "casebook: the build failed; '%s' was left as it was\n", res.out);
		rc = EXIT_USAGE;
	} else if (st == CB_BUILD_CONTENT) {
		fprintf(stderr, "casebook: %zu error%s, %zu warning%s in %zu document%s%s\n", d.errors,
			d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s", res.sources,
			res.sources == 1 ? "" : "s", build ? "; nothing was written" : "");
		rc = EXIT_CONTENT;
	} else if (!a.quiet && !build) {
		fprintf(stderr, "casebook: %zu document%s checked, no errors%s\n", res.sources,
			res.sources == 1 ? "" : "s",
			d.warnings ? (d.warnings == 1 ? ", 1 warning" : ", some warnings") : "");
	} else if (!a.quiet) {
		char unchanged[64] = "";
		if (res.reused)
			snprintf(unchanged, sizeof unchanged, " (%zu unchanged)", res.reused);
		fprintf(stderr,
			"casebook: built %zu files%s from %zu of %zu documents (%s%s) into %s in %.2f s\n",
			res.files, unchanged, res.documents, res.sources, cb_visibility_name(a.site.audience),
			res.encrypted ? ", encrypted" : "", res.out, S_now() - t0);
	}
	cb_build_result_free(&res);
	free(datadir);
	cb_diags_free(&d);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(S_usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "build") == 0)
		return S_run(argc - 1, argv + 1, true);
	if (strcmp(cmd, "check") == 0)
		return S_run(argc - 1, argv + 1, false);
	if (strcmp(cmd, "search") == 0)
		return cb_cmd_search(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 && argc > 2 && strcmp(argv[2], "search") == 0) {
		fputs(cb_search_usage, stdout);
		return EXIT_CLEAN;
	}
	/* Authoring and supervision commands (commands.h). */
	static const struct {
		const char *name;
		int (*run)(int, char **, const char *);
		const char *usage;
	} S_cmds[] = {{"analyse", cb_cmd_analyse, cb_analyse_usage},
		      {"fetch", cb_cmd_fetch, cb_fetch_usage},
		      {"update", cb_cmd_update, cb_update_usage},
		      {"hook", cb_cmd_hook, cb_hook_usage},
		      {"import", cb_cmd_import, cb_import_usage},
		      {"init", cb_cmd_init, cb_init_usage},
		      {"new", cb_cmd_new, cb_new_usage},
		      {"pack", cb_cmd_pack, cb_pack_usage},
		      {"serve", cb_cmd_serve, cb_serve_usage},
		      {"learning", cb_cmd_learning, cb_learning_usage}};
	for (size_t i = 0; i < sizeof S_cmds / sizeof S_cmds[0]; i++) {
		if (strcmp(cmd, S_cmds[i].name) == 0) {
			char *datadir = S_datadir();
			int rc = S_cmds[i].run(argc - 1, argv + 1, datadir);
			free(datadir);
			return rc;
		}
		if (strcmp(cmd, "help") == 0 && argc > 2 && strcmp(argv[2], S_cmds[i].name) == 0) {
			fputs(S_cmds[i].usage, stdout);
			return EXIT_CLEAN;
		}
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("casebook %s\n"
		       "MIT licence (see LICENSE). PDFs are read by poppler's pdftotext, run as a "
		       "separate program.\n",
		       CB_VERSION);
		return EXIT_CLEAN;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2 && strcmp(argv[2], "build") == 0)
			fputs(S_build_usage, stdout);
		else if (argc > 2 && strcmp(argv[2], "check") == 0)
			fputs(S_check_usage, stdout);
		else if (argc > 2 && strcmp(argv[2], "help") != 0 && strcmp(argv[2], "version") != 0) {
			fprintf(stderr, "casebook: no command '%s'; the commands are listed below\n\n%s",
				argv[2], S_usage);
			return EXIT_USAGE;
		} else
			fputs(S_usage, stdout);
		return EXIT_CLEAN;
	}
	fprintf(stderr, "casebook: unknown command '%s'\n\n%s", cmd, S_usage);
	return EXIT_USAGE;
}
