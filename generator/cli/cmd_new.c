/*
 * cmd_new: `casebook new TYPE "Title" [--theme ID ...]` writes a new draft
 * document from the skeleton of its type (skeleton/new/<type>.md, a
 * Mustache template) at content/<type folder>/<date>-<slug>.md, and prints
 * its path. It never overwrites a file.
 *
 * Also the small helpers the other authoring commands share (commands.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "gitsrc.h"
#include "mustache.h"
#include "schema.h"
#include "site.h"
#include "util.h"
#include "value.h"

const char cb_new_usage[] =
    "usage: casebook new TYPE \"Title\" [--theme ID]... [--date YYYY-MM-DD] [--repo DIR]\n"
    "\n"
    "Writes a new draft document, CONTENT/<folder>/<date>-<slug>.md, with its\n"
    "front matter filled in and the sections of its type, and prints its path.\n"
    "It never overwrites a file.\n"
    "\n"
    "  TYPE          case-review, briefing, seven-minute-briefing, audit,\n"
    "                inspection, action-plan, cdop-learning, guidance, supervision-note\n"
    "  --theme ID    file it under a theme of the taxonomy (repeat for more)\n"
    "  --date DATE   date it DATE (YYYY-MM-DD) instead of today, with\n"
    "                published: DATE, for a document first published before\n"
    "                it came into git (a back catalogue)\n"
    "  --repo DIR    the repository (default: the one containing this folder)\n"
    "\n"
    "Without --date the date is today's, or that of SOURCE_DATE_EPOCH when it\n"
    "is set.\n"
    "Exit status: 0 written, 1 the configuration or taxonomy has errors,\n"
    "2 usage error (unknown type or theme, the file exists, no repository).\n";

const char *cb_type_folder(const char *type)
{
	const cb_doc_type *t = cb_doc_type_find(type);
	return t ? t->folder : NULL;
}

char *cb_skeleton_dir(const char *datadir)
{
	/* Installed copies keep it beside themes/; a source tree keeps it with
	 * the code that uses it. */
	const char *const rel[] = {"skeleton", "generator/skeleton"};
	for (size_t i = 0; i < 2; i++) {
		char *dir = cb_path_join(datadir, rel[i]);
		if (cb_is_dir(dir))
			return dir;
		free(dir);
	}
	return NULL;
}

int cb_today(char *buf, cb_error *err)
{
	int64_t t;
	int src = cb_source_date_epoch(&t, err);
	if (src < 0)
		return -1;
	if (src > 0) {
		cb_format_date(t, 0, buf);
		return 0;
	}
	/* The author's own calendar day: a briefing written late in the
	 * evening in the UK is dated that day, not the next. */
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
	return 0;
}

/* A YAML double-quoted scalar holding s: backslashes, quotes and control
 * characters escaped, everything else (UTF-8 included) as it is. */
static char *S_yaml_quote(const char *s)
{
	cb_buf b = CB_BUF_INIT;
	cb_buf_putc(&b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			cb_buf_putc(&b, '\\');
			cb_buf_putc(&b, (char)*p);
		} else if (*p < 0x20 || *p == 0x7F) {
			cb_buf_printf(&b, "\\x%02X", *p);
		} else {
			cb_buf_putc(&b, (char)*p);
		}
	}
	cb_buf_putc(&b, '"');
	return cb_buf_detach(&b);
}

/* The file name part of a title: its slug, cut at a dash so that names
 * stay readable in a file list. NULL when the title has no letter or digit
 * casebook can use. Caller frees. */
static char *S_file_slug(const char *title)
{
	char *slug = cb_slugify(title);
	if (!slug[0]) {
		free(slug);
		return NULL;
	}
	size_t n = strlen(slug);
	if (n > 60) {
		size_t cut = 60;
		while (cut > 20 && slug[cut] != '-')
			cut--;
		if (slug[cut] != '-')
			cut = 60;
		slug[cut] = '\0';
		while (cut > 0 && slug[cut - 1] == '-')
			slug[--cut] = '\0';
	}
	return slug;
}

/* Reads an optional file of the working tree: 0 with *text NULL when it
 * does not exist. */
static int S_read_optional(const char *root, const char *rel, char **text, size_t *len)
{
	char *path = cb_path_join(root, rel);
	*text = NULL;
	*len = 0;
	int rc = cb_file_read(path, text, len);
	if (rc != 0 && errno == ENOENT)
		rc = 0;
	if (rc != 0)
		fprintf(stderr, "casebook: cannot read '%s': %s\n", path, strerror(errno));
	free(path);
	return rc;
}

static bool S_theme_id_shaped(const char *id)
{
	char *slug = cb_slugify(id);
	bool ok = id[0] && strcmp(slug, id) == 0;
	free(slug);
	return ok;
}

/* The repository's settings as they are in the working tree: content
 * folder and taxonomy (ids sorted). Returns 0, 1 after printing content
 * errors, or 2. */
static int S_settings(const char *workdir, cb_config *cfg, cb_taxonomy *tax, bool *has_tax)
{
	cb_diags d = CB_DIAGS_INIT;
	char *text;
	size_t len;
	int rc = 0;
	*has_tax = false;
	if (S_read_optional(workdir, "casebook.yml", &text, &len) != 0) {
		cb_config_load(NULL, 0, "casebook.yml", cfg, &d);
		rc = 2;
		goto out;
	}
	cb_config_load(text, len, "casebook.yml", cfg, &d);
	free(text);
	if (S_read_optional(workdir, cfg->taxonomy_file, &text, &len) != 0) {
		rc = 2;
		goto out;
	}
	if (text) {
		*has_tax = true;
		cb_taxonomy_load(text, len, cfg->taxonomy_file, tax, &d);
		free(text);
	}
	if (d.errors) {
		cb_diags_sort(&d);
		cb_diags_print(&d, stderr, cb_want_color(stderr));
		fprintf(stderr, "casebook: fix the errors above first (casebook check lists them all)\n");
		rc = 1;
	}
out:
	cb_diags_free(&d);
	return rc;
}

int cb_file_create(const char *path, const char *data, size_t len)
{
	char *dir = cb_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (cb_mkdir_p(dir) != 0) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			unlink(path);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

/* What `casebook new` is asked for, and what it has made so far. */
typedef struct S_new {
	const char *repo, *given_date, *type, *title;
	cb_strv themes;
	cb_gitsrc *g;
	const char *workdir;
	cb_config cfg;
	cb_taxonomy tax;
	bool has_tax, have_cfg;
	char date[11];
	char *slug;
} S_new;

/* The command line into n. Returns -1 to go on, or the exit status. */
static int S_parse_args(S_new *n, int argc, char **argv)
{
	static const struct option opts[] = {{"theme", required_argument, NULL, 't'},
					     {"repo", required_argument, NULL, 'r'},
					     {"date", required_argument, NULL, 'd'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!cb_strv_contains(&n->themes, optarg))
				cb_strv_push(&n->themes, optarg);
			break;
		case 'r': n->repo = optarg; break;
		case 'd':
			if (!cb_date_valid(optarg))
				return cb_usage_error(
				    cb_new_usage,
				    "--date needs a real date written YYYY-MM-DD, such as 2019-03-14, "
				    "not '%s'",
				    optarg);
			n->given_date = optarg;
			break;
		case 'h': fputs(cb_new_usage, stdout); return 0;
		case ':': return cb_usage_error(cb_new_usage, "option '%s' needs a value", argv[optind - 1]);
		default: return cb_usage_error(cb_new_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return cb_usage_error(cb_new_usage, "%s",
				      argc - optind == 0
					  ? "say which type of document to write, and its title"
					  : "give the document's title, in quotes");
	if (argc - optind > 2)
		return cb_usage_error(cb_new_usage,
				      "unexpected argument '%s'; put a title of several words in quotes",
				      argv[optind + 2]);
	n->type = argv[optind];
	n->title = argv[optind + 1];
	return -1;
}

/* The type and title: a known type, and a title a file name can be made
 * from (n->slug). Returns -1 to go on, or the exit status. */
static int S_check_type_title(S_new *n)
{
	if (!cb_type_folder(n->type)) {
		const char *sug = cb_did_you_mean(n->type, cb_doc_types, cb_doc_ntypes);
		if (sug)
			fprintf(stderr, "casebook: '%s' is not a document type; did you mean '%s'?\n",
				n->type, sug);
		else
			fprintf(stderr, "casebook: '%s' is not a document type; use one of: %s\n", n->type,
				cb_doc_type_list());
		return 2;
	}
	while (*n->title == ' ' || *n->title == '\t')
		n->title++;
	size_t bad;
	if (!cb_utf8_valid(n->title, strlen(n->title), &bad)) {
		fprintf(stderr,
			"casebook: the title is not valid UTF-8 text; check your terminal's encoding\n");
		return 2;
	}
	n->slug = S_file_slug(n->title);
	if (!n->slug) {
		fprintf(stderr,
			"casebook: the title '%s' has no letters or digits to make a file name from; "
			"give the document a title in words\n",
			n->title);
		return 2;
	}
	return -1;
}

/* Every --theme is a theme id, and one of the taxonomy when the repository
 * has one. Returns -1 to go on, or the exit status. */
static int S_check_themes(const S_new *n)
{
	for (size_t i = 0; i < n->themes.n; i++) {
		const char *id = n->themes.v[i];
		if (!S_theme_id_shaped(id)) {
			char *s = cb_slugify(id);
			fprintf(stderr,
				"casebook: '%s' is not a theme id: ids are lower-case letters, digits and "
				"dashes, "
				"like '%s'\n",
				id, s[0] ? s : "was-not-brought");
			free(s);
			return 2;
		}
		if (n->has_tax && !cb_taxonomy_find(&n->tax, id)) {
			const char *sug =
			    cb_did_you_mean(id, (const char *const *)n->tax.ids.v, n->tax.ids.n);
			if (sug)
				fprintf(stderr, "casebook: '%s' is not a theme in %s; did you mean '%s'?\n",
					id, n->cfg.taxonomy_file, sug);
			else
				fprintf(
				    stderr,
				    "casebook: '%s' is not a theme in %s; use one of its themes, or add this "
				    "one to it first\n",
				    id, n->cfg.taxonomy_file);
			return 2;
		}
	}
	return -1;
}

/* The repository, its settings, the themes and the date. Returns -1 to go
 * on, or the exit status. */
static int S_open_repo(S_new *n)
{
	cb_error err = CB_ERROR_INIT;
	if (cb_gitsrc_open(&n->g, n->repo, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		return 2;
	}
	n->workdir = cb_gitsrc_workdir(n->g);
	if (!n->workdir) {
		fprintf(stderr,
			"casebook: the repository is bare, so it has no working files to add a document "
			"to; run casebook new in a clone\n");
		return 2;
	}
	n->have_cfg = true;
	int src = S_settings(n->workdir, &n->cfg, &n->tax, &n->has_tax);
	if (src != 0)
		return src;
	int rc = S_check_themes(n);
	if (rc >= 0)
		return rc;
	if (n->given_date) {
		snprintf(n->date, sizeof n->date, "%s", n->given_date);
	} else if (cb_today(n->date, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		return 2;
	}
	return -1;
}

/* The document's text, from the skeleton of its type, into out. Returns 0
 * or -1 after printing why. */
static int S_render_skeleton(const S_new *n, const char *datadir, cb_buf *out)
{
	char *skel = cb_skeleton_dir(datadir), *tpl = NULL;
	char *tpl_path = skel ? cb_xasprintf("%s/new/%s.md", skel, n->type) : NULL;
	size_t tpl_len;
	cb_error err = CB_ERROR_INIT;
	int rc = -1;
	cb_mustache *m = NULL;
	cb_value *data = NULL;
	if (!tpl_path || cb_file_read(tpl_path, &tpl, &tpl_len) != 0) {
		fprintf(stderr,
			"casebook: cannot read the template for a %s in '%s/skeleton/new/'; is casebook "
			"installed completely?\n",
			n->type, datadir);
		goto out;
	}
	m = cb_mustache_new();
	data = cb_value_map();
	cb_map_set(data, "title_yaml", cb_value_str_own(S_yaml_quote(n->title)));
	cb_map_set_str(data, "date", n->date);
	cb_map_set_str(data, "published", n->given_date ? n->date : "");
	cb_map_set_str(data, "type", n->type);
	cb_map_set_str(data, "type_label", cb_type_label(n->type));
	cb_buf tl = CB_BUF_INIT;
	cb_buf_putc(&tl, '[');
	for (size_t i = 0; i < n->themes.n; i++)
		cb_buf_printf(&tl, "%s%s", i ? ", " : "", n->themes.v[i]);
	cb_buf_putc(&tl, ']');
	cb_map_set(data, "themes_yaml", cb_value_str_own(cb_buf_detach(&tl)));
	if (cb_mustache_add(m, n->type, tpl, tpl_len, &err) != 0 ||
	    cb_mustache_render(m, n->type, data, out, &err) != 0) {
		fprintf(stderr, "casebook: %s:%d:%d: %s\n", tpl_path, err.line, err.col, err.msg);
		goto out;
	}
	rc = 0;
out:
	cb_value_free(data);
	cb_mustache_free(m);
	free(tpl);
	free(tpl_path);
	free(skel);
	return rc;
}

/* Writes the new file (never over one) and prints its path. Returns the
 * exit status. */
static int S_write(const S_new *n, const cb_buf *out)
{
	char *rel =
	    cb_xasprintf("%s/%s/%s-%s.md", n->cfg.content_dir, cb_type_folder(n->type), n->date, n->slug);
	char *path = cb_path_join(n->workdir, rel);
	int rc = 2;
	if (cb_file_create(path, out->data ? out->data : "", out->len) != 0) {
		if (errno == EEXIST)
			fprintf(stderr,
				"casebook: '%s' already exists, and casebook never overwrites a document; "
				"give this "
				"one a different title, or edit that file\n",
				rel);
		else
			fprintf(stderr, "casebook: cannot write '%s': %s\n", path, strerror(errno));
	} else {
		/* Print a path the user can open from where they are: relative
		 * when they are at the repository's root, in full otherwise. */
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd) && strcmp(cwd, n->workdir) == 0)
			printf("%s\n", rel);
		else
			printf("%s\n", path);
		rc = 0;
	}
	free(rel);
	free(path);
	return rc;
}

int cb_cmd_new(int argc, char **argv, const char *datadir)
{
	S_new n = {.themes = CB_STRV_INIT};
	cb_buf out = CB_BUF_INIT;
	int rc = S_parse_args(&n, argc, argv);
	if (rc < 0)
		rc = S_check_type_title(&n);
	if (rc < 0)
		rc = S_open_repo(&n);
	if (rc < 0)
		rc = S_render_skeleton(&n, datadir, &out) == 0 ? S_write(&n, &out) : 2;
	cb_buf_free(&out);
	free(n.slug);
	if (n.have_cfg) {
		cb_config_free(&n.cfg);
		if (n.has_tax)
			cb_taxonomy_free(&n.tax);
	}
	cb_gitsrc_free(n.g);
	cb_strv_free(&n.themes);
	return rc;
}
