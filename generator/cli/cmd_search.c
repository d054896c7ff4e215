/* cmd_search: see cmd_search.h. */
#define _GNU_SOURCE
#include "cmd_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "gitsrc.h"
#include "private.h"
#include "schema.h"
#include "search.h"
#include "util.h"

enum { S_FOUND = 0, S_NONE = 1, S_ERROR = 2 };

const char cb_search_usage[] =
    "usage: casebook search [--audience A] [--repo DIR | --db FILE] [--theme T] [--type T]\n"
    "                       [--area A] [--since YYYY] [--until YYYY] [--limit N] [--json]\n"
    "                       QUERY\n"
    "\n"
    "Searches the search database of the last build of an audience and prints\n"
    "the best matches, documents and their learning points alike: title, type,\n"
    "date, source path (with the point's section) and a snippet with the\n"
    "matched words. It ranks exactly as that build's search page does.\n"
    "\n"
    "  missed appointments     documents with both words (any form: appointment, missing)\n"
    "  \"did not attend\"         the words together, in this order\n"
    "  safeguard*              words starting with 'safeguard'\n"
    "  neglect -audit          leave out documents that mention 'audit'\n"
    "  bruising OR bruise      either word\n"
    "Words that are a theme's synonym (DNA, WNB, NAI…) also find that theme.\n"
    "\n"
    "  --audience A    public (default), internal or restricted: the database of\n"
    "                  the last `casebook build --audience A` (.casebook/search-A.db)\n"
    "  --repo DIR      the git repository (default: the one containing this folder)\n"
    "  --db FILE       another database instead, such as a casebook.db written by\n"
    "                  `casebook build --with-db`\n"
    "  --theme T       only documents with this theme, and points on it (id or label)\n"
    "  --type T        only this document type (e.g. briefing, case-review)\n"
    "  --area A        only documents from this area\n"
    "  --since YYYY    only documents dated in or after this year\n"
    "  --until YYYY    only documents dated in or before this year\n"
    "  --limit N       show at most N results, documents and points (default 10)\n"
    "  --json          print the results as JSON (schema in search/README.md)\n"
    "Options may come before or after the query; put -- before a query word\n"
    "that starts with --.\n"
    "\n"
    "Exit status: 0 something matched, 1 nothing matched, 2 a usage error,\n"
    "a query that cannot be read, or no database (yet).\n";

static int S_usage_error(const char *fmt, const char *arg)
{
	fputs("casebook search: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nRun 'casebook search --help' for the options.\n", stderr);
	return S_ERROR;
}

static int S_year(const char *s, int *out)
{
	char *end;
	long y = strtol(s, &end, 10);
	if (*end || end - s != 4 || y < 1000)
		return -1;
	*out = (int)y;
	return 0;
}

/* Prints text, showing \x01…\x02 as bold on a terminal, else plainly. */
static void S_print_marked(const char *s, bool color)
{
	for (; *s; s++) {
		if (*s == '\x01')
			fputs(color ? "\033[1m" : "", stdout);
		else if (*s == '\x02')
			fputs(color ? "\033[0m" : "", stdout);
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			putchar(' ');
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			continue; /* no terminal control characters from the index */
		else
			putchar(*s);
	}
}

/* "3 results match "q" (2 documents, 1 learning point)". */
static void S_print_count(const cb_search_result *r, const char *q)
{
	size_t npoints = 0;
	for (size_t i = 0; i < r->n; i++)
		npoints += r->hits[i].kind == CB_HIT_POINT;
	printf("%zu result%s match%s \"%s\"", r->total, r->total == 1 ? "" : "s", r->total == 1 ? "es" : "",
	       q);
	if (r->n == r->total)
		printf(" (%zu document%s, %zu learning point%s)", r->n - npoints,
		       r->n - npoints == 1 ? "" : "s", npoints, npoints == 1 ? "" : "s");
	putchar('\n');
}

static void S_print_text(const cb_search_result *r, const char *q, bool color)
{
	S_print_count(r, q);
	for (size_t i = 0; i < r->n; i++) {
		const cb_search_hit *h = &r->hits[i];
		printf("\n%zu. ", i + 1);
		S_print_marked(h->title, false);
		if (h->kind == CB_HIT_POINT) {
			fputs(" — learning point under \"", stdout);
			S_print_marked(h->heading, false);
			putchar('"');
		}
		printf("\n   %s · %s", h->type_label, h->date);
		if (h->area[0])
			printf(" · %s", h->area);
		printf(" · %s", h->path);
		if (h->kind == CB_HIT_POINT)
			printf("#%s", h->anchor);
		putchar('\n');
		for (size_t k = 0; k < h->nthemes; k++)
			printf("   theme: %s (matched \"%s\")\n", h->themes[k].label, h->themes[k].typed);
		if (h->snippet[0]) {
			fputs("   ", stdout);
			S_print_marked(h->snippet, color);
			putchar('\n');
		}
	}
	if (r->n < r->total)
		printf("\n%zu more: use --limit %zu to see them all\n", r->total - r->n, r->total);
}

static void S_json_str(cb_buf *b, const char *s)
{
	cb_buf_putc(b, '"');
	cb_buf_json(b, s, strlen(s));
	cb_buf_putc(b, '"');
}

/* The snippet without markers, and the marked spans as [start, length]
 * in characters (Unicode code points). */
static void S_json_snippet(cb_buf *b, const char *snip)
{
	cb_buf plain = CB_BUF_INIT, marks = CB_BUF_INIT;
	size_t chars = 0, start = 0;
	for (const char *p = snip; *p; p++) {
		if (*p == '\x01') {
			start = chars;
		} else if (*p == '\x02') {
			cb_buf_printf(&marks, "%s[%zu,%zu]", marks.len ? "," : "", start, chars - start);
		} else {
			cb_buf_putc(&plain, *p);
			if (((unsigned char)*p & 0xC0) != 0x80)
				chars++;
		}
	}
	cb_buf_puts(b, "\"snippet\":");
	S_json_str(b, plain.data ? plain.data : "");
	cb_buf_printf(b, ",\"highlights\":[%s]", marks.data ? marks.data : "");
	cb_buf_free(&plain);
	cb_buf_free(&marks);
}

static void S_print_json(const cb_search_result *r, const char *q, const cb_search_filter *f)
{
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "{\"version\":2,\"query\":");
	S_json_str(&b, q);
	cb_buf_puts(&b, ",\"filters\":{");
	const char *names[] = {"theme", "type", "area"};
	const char *vals[] = {f->theme, f->type, f->area};
	bool first = true;
	for (int i = 0; i < 3; i++) {
		if (!vals[i])
			continue;
		cb_buf_printf(&b, "%s\"%s\":", first ? "" : ",", names[i]);
		S_json_str(&b, vals[i]);
		first = false;
	}
	if (f->since) {
		cb_buf_printf(&b, "%s\"since\":%d", first ? "" : ",", f->since);
		first = false;
	}
	if (f->until)
		cb_buf_printf(&b, "%s\"until\":%d", first ? "" : ",", f->until);
	cb_buf_puts(&b, "},\"expanded\":[");
	for (size_t i = 0; i < r->query.nexp; i++) {
		cb_buf_puts(&b, i ? ",{\"synonym\":" : "{\"synonym\":");
		S_json_str(&b, r->query.exp[i].typed);
		cb_buf_puts(&b, ",\"theme\":");
		S_json_str(&b, r->query.exp[i].theme);
		cb_buf_puts(&b, ",\"label\":");
		S_json_str(&b, r->query.exp[i].label);
		cb_buf_putc(&b, '}');
	}
	cb_buf_printf(&b, "],\"total\":%zu,\"results\":[", r->total);
	for (size_t i = 0; i < r->n; i++) {
		const cb_search_hit *h = &r->hits[i];
		cb_buf_printf(&b, "%s\n{\"kind\":\"%s\",\"rank\":%zu,\"title\":", i ? "," : "",
			      h->kind == CB_HIT_POINT ? "point" : "document", i + 1);
		S_json_str(&b, h->title);
		cb_buf_puts(&b, ",\"type\":");
		S_json_str(&b, h->type);
		cb_buf_puts(&b, ",\"type_label\":");
		S_json_str(&b, h->type_label);
		cb_buf_puts(&b, ",\"date\":");
		S_json_str(&b, h->date);
		cb_buf_puts(&b, ",\"area\":");
		S_json_str(&b, h->area);
		cb_buf_puts(&b, ",\"path\":");
		S_json_str(&b, h->path);
		cb_buf_puts(&b, ",\"url\":");
		S_json_str(&b, h->url);
		if (h->kind == CB_HIT_POINT) {
			cb_buf_puts(&b, ",\"heading\":");
			S_json_str(&b, h->heading);
			cb_buf_puts(&b, ",\"anchor\":");
			S_json_str(&b, h->anchor);
			cb_buf_printf(&b, ",\"point\":%ld,\"text\":", h->k + 1);
			S_json_str(&b, h->text);
		}
		cb_buf_printf(&b, ",\"matched\":\"%s\",", h->by_theme ? "theme" : "words");
		S_json_snippet(&b, h->snippet);
		cb_buf_puts(&b, ",\"themes_matched\":[");
		for (size_t k = 0; k < h->nthemes; k++) {
			cb_buf_puts(&b, k ? ",{\"id\":" : "{\"id\":");
			S_json_str(&b, h->themes[k].id);
			cb_buf_puts(&b, ",\"label\":");
			S_json_str(&b, h->themes[k].label);
			cb_buf_puts(&b, ",\"synonym\":");
			S_json_str(&b, h->themes[k].typed);
			cb_buf_putc(&b, '}');
		}
		cb_buf_printf(&b, "],\"score\":%.6f}", h->score);
	}
	cb_buf_puts(&b, "]}\n");
	fwrite(b.data, 1, b.len, stdout);
	cb_buf_free(&b);
}

/* The options; anything else is a word of the query. */
static const struct {
	const char *name;
	char key;
	bool value;
} S_opts[] = {{"--db", 'd', true},    {"--theme", 't', true}, {"--type", 'y', true},
	      {"--area", 'a', true},  {"--since", 's', true}, {"--until", 'u', true},
	      {"--limit", 'n', true}, {"-n", 'n', true},      {"--json", 'j', false},
	      {"--help", 'h', false}, {"-h", 'h', false},     {"--audience", 'A', true},
	      {"--repo", 'r', true}};

/* The private folder of the repository at or above dir, found without
 * libgit2 (whose libraries take longer to load than a whole search) when
 * it is the usual kind: the first folder up with a .git folder holding a
 * repository, and no core.worktree or core.bare setting in its config.
 * libgit2 finds the same one (cb_gitsrc_open searches up the same way),
 * so NULL here only means "ask libgit2": a .git file (a linked worktree
 * or submodule), a bare repository, none at all. Caller frees. */
static char *S_private_dir_quick(const char *dir)
{
	char *at = realpath(dir ? dir : ".", NULL);
	struct stat top, here;
	if (at && stat(at, &top) != 0) {
		free(at);
		return NULL;
	}
	/* libgit2 does not search past the file system it started on. */
	while (at && stat(at, &here) == 0 && here.st_dev == top.st_dev) {
		char *git = cb_path_join(at, ".git");
		char *head = cb_path_join(git, "HEAD"), *objects = cb_path_join(git, "objects"),
		     *config = cb_path_join(git, "config");
		bool is_dir = cb_is_dir(git), exists = is_dir || access(git, F_OK) == 0;
		bool repo = is_dir && access(head, F_OK) == 0 && cb_is_dir(objects);
		char *conf = NULL;
		size_t len = 0;
		bool moved = repo && (cb_file_read(config, &conf, &len) != 0 || strstr(conf, "worktree") ||
				      strstr(conf, "bare = true"));
		free(conf);
		free(head);
		free(objects);
		free(config);
		free(git);
		if (repo && !moved) {
			char *priv = cb_path_join(at, ".casebook");
			free(at);
			return priv;
		}
		char *slash = strrchr(at, '/');
		if (exists || !slash || slash == at) {
			free(at);
			return NULL; /* not the usual kind, or no repository: libgit2 says which */
		}
		*slash = '\0';
	}
	free(at);
	return NULL;
}

/* The database to read: --db as given, else the private folder's database
 * of the audience's builds (private.h). NULL after printing why there is
 * none. Caller frees. */
static char *S_db(const char *db_arg, const char *repo, const char *audience)
{
	if (db_arg)
		return cb_xstrdup(db_arg);
	cb_visibility aud = CB_VIS_PUBLIC;
	if (audience)
		cb_visibility_parse(audience, &aud); /* checked with the options */
	char *priv = S_private_dir_quick(repo);
	if (!priv) {
		cb_gitsrc *g = NULL;
		cb_error err = CB_ERROR_INIT;
		if (cb_gitsrc_open(&g, repo, &err) != 0) {
			fprintf(stderr, "casebook search: %s\n", err.msg);
			return NULL;
		}
		priv = cb_gitsrc_private_dir(g);
		cb_gitsrc_free(g);
	}
	char *db = cb_private_search_db(priv, aud);
	free(priv);
	if (access(db, F_OK) != 0) {
		const char *name = cb_visibility_name(aud);
		fprintf(stderr,
			"casebook: no search database for the %s audience yet; run 'casebook build%s%s' "
			"first\n",
			name, aud == CB_VIS_PUBLIC ? "" : " --audience ", aud == CB_VIS_PUBLIC ? "" : name);
		free(db);
		return NULL;
	}
	return db;
}

/* What the command line asks for. */
typedef struct S_args {
	cb_search_filter f;
	const char *db, *repo, *audience;
	long limit;
	bool json;
	cb_buf q; /* the query's words, joined by spaces */
} S_args;

/* One option with its value (NULL for a flag): 0, -1 after printing the
 * help, or the exit status of a usage error. */
static int S_option(S_args *a, char key, const char *val)
{
	cb_visibility aud;
	switch (key) {
	case 'd': a->db = val; break;
	case 'r': a->repo = val; break;
	case 'A':
		a->audience = val;
		if (cb_visibility_parse(val, &aud) != 0)
			return S_usage_error("unknown audience '%s': use public, internal or restricted",
					     val);
		break;
	case 't': a->f.theme = val; break;
	case 'y': a->f.type = val; break;
	case 'a': a->f.area = val; break;
	case 's':
		if (S_year(val, &a->f.since))
			return S_usage_error("--since needs a year such as 2023, not '%s'", val);
		break;
	case 'u':
		if (S_year(val, &a->f.until))
			return S_usage_error("--until needs a year such as 2024, not '%s'", val);
		break;
	case 'n': {
		char *end;
		a->limit = strtol(val, &end, 10);
		if (!val[0] || *end || a->limit < 1 || a->limit > 100000)
			return S_usage_error("--limit needs a number from 1 to 100000, not '%s'", val);
		break;
	}
	case 'j': a->json = true; break;
	default: fputs(cb_search_usage, stdout); return -1;
	}
	return 0;
}

/* Reads the command line into a: 0, -1 after printing the help, or the
 * exit status of a usage error. Options may come before or after the
 * query's words. Only "--name" (and -h, -n) are options: a word such as
 * -audit leaves audit out of the results; "--" ends the options. */
static int S_parse(int argc, char **argv, S_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool dashes = strcmp(arg, "--") == 0;
		bool opt = strcmp(arg, "-h") == 0 || strcmp(arg, "-n") == 0 ||
			   (arg[0] == '-' && arg[1] == '-' && arg[2]);
		if (dashes || !opt) {
			for (int k = dashes ? i + 1 : i; k < (dashes ? argc : i + 1); k++) {
				if (a->q.len)
					cb_buf_putc(&a->q, ' ');
				cb_buf_puts(&a->q, argv[k]);
			}
			if (dashes)
				break;
			continue;
		}
		const char *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		char key = 0;
		bool takes = false;
		for (size_t k = 0; k < sizeof S_opts / sizeof S_opts[0]; k++)
			if (strlen(S_opts[k].name) == nlen && strncmp(S_opts[k].name, arg, nlen) == 0) {
				key = S_opts[k].key;
				takes = S_opts[k].value;
			}
		if (!key)
			return S_usage_error("unknown option '%s' (put -- before the query to search for it)",
					     arg);
		const char *val = NULL;
		if (takes && eq)
			val = eq + 1;
		else if (takes && i + 1 < argc)
			val = argv[++i];
		else if (takes)
			return S_usage_error("option '%s' needs a value", arg);
		else if (eq)
			return S_usage_error("option '%s' takes no value", arg);
		int rc = S_option(a, key, val);
		if (rc)
			return rc;
	}
	if (!a->q.data)
		return S_usage_error("%s", "give a QUERY: the words to search for");
	if (a->f.since && a->f.until && a->f.since > a->f.until)
		return S_usage_error("%s", "--since is after --until: nothing could match");
	if (a->db && (a->repo || a->audience))
		return S_usage_error("%s", "--db names the database itself: give either --db or "
					   "--audience and --repo");
	return 0;
}

int cb_cmd_search(int argc, char **argv)
{
	S_args a = {.f = {.theme = NULL}, .limit = 10, .q = CB_BUF_INIT};
	int prc = S_parse(argc, argv, &a);
	if (prc) {
		cb_buf_free(&a.q);
		return prc < 0 ? S_FOUND : prc;
	}
	const char *q = a.q.data;
	char *db = S_db(a.db, a.repo, a.audience);
	int rc = S_ERROR;
	cb_search *s = NULL;
	cb_search_result res = {0};
	cb_error err = CB_ERROR_INIT;
	if (!db)
		goto out;
	if (cb_search_open(&s, db, &err) != 0) {
		fprintf(stderr, "casebook search: %s\n", err.msg);
		goto out;
	}
	if (cb_search_run(s, q, &a.f, (size_t)a.limit, &res, &err) != 0) {
		fprintf(stderr, "casebook search: %s\n", err.msg);
		goto out;
	}
	if (a.json)
		S_print_json(&res, q, &a.f);
	else if (res.total)
		S_print_text(&res, q, cb_want_color(stdout));
	if (!res.total && !a.json)
		fprintf(stderr, "casebook search: nothing matches \"%s\"\n", q);
	rc = res.total ? S_FOUND : S_NONE;
out:
	cb_search_result_free(&res);
	cb_search_close(s);
	free(db);
	cb_buf_free(&a.q);
	return rc;
}
