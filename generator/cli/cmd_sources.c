/*
 * sources: `casebook fetch` and `casebook update [NAME…]` — the partner
 * repositories named by 'sources:' in casebook.yml, mirrored into the
 * private folder (.casebook/sources/<name>.git) and pinned in
 * casebook.lock. fetch adds the pins that are missing and moves none;
 * update moves the pins of the sources named (all when none are) to what
 * their refs name now and says what changed. Builds read only the pins,
 * never the network.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "config.h"
#include "frontmatter.h"
#include "gitsrc.h"
#include "partner.h"
#include "private.h"
#include "util.h"

const char cb_fetch_usage[] = "usage: casebook fetch [--repo DIR] [--quiet]\n"
			      "\n"
			      "Fetches every partner repository that 'sources:' in casebook.yml lists into\n"
			      "the private folder (.casebook/sources/NAME.git), and pins each source that\n"
			      "has no pin yet in casebook.lock ('NAME COMMIT URL' lines, sorted by name).\n"
			      "Pins already there are left as they are: `casebook update` moves them.\n"
			      "The pins and mirrors of sources no longer listed are removed.\n"
			      "Commit casebook.lock; builds read only pinned commits, never the network.\n"
			      "\n"
			      "  --repo DIR   the hub repository (default: the one containing this folder)\n"
			      "  -q, --quiet  print only problems\n"
			      "\n"
			      "Exit status: 0 done, 1 casebook.yml or casebook.lock has errors, 2 usage\n"
			      "or environment error (a source that cannot be fetched).\n";

const char cb_update_usage[] = "usage: casebook update [--repo DIR] [--quiet] [NAME...]\n"
			       "\n"
			       "Fetches the sources named (every source when none is named) and moves\n"
			       "their pins in casebook.lock to the commit their ref names now, printing\n"
			       "the documents added, changed and removed. Commit casebook.lock for builds\n"
			       "to use the new commits. The pins and mirrors of sources no longer listed\n"
			       "are removed.\n"
			       "\n"
			       "  --repo DIR   the hub repository (default: the one containing this folder)\n"
			       "  -q, --quiet  print only problems\n"
			       "\n"
			       "Exit status: 0 done, 1 casebook.yml or casebook.lock has errors, 2 usage\n"
			       "or environment error.\n";

typedef struct S_hub {
	cb_gitsrc *g;
	cb_config cfg;
	bool has_cfg;
	char *root; /* where relative urls start: the working folder */
	char *priv; /* the private folder */
	char *lock_path;
	cb_pin *pins;
	size_t npins;
} S_hub;

static void S_hub_free(S_hub *h)
{
	cb_gitsrc_free(h->g);
	if (h->has_cfg)
		cb_config_free(&h->cfg);
	free(h->root);
	free(h->priv);
	free(h->lock_path);
	cb_lock_free(h->pins, h->npins);
}

/* Reads a working file of the hub; NULL when it does not exist. */
static char *S_read_work(const char *root, const char *name, size_t *len)
{
	char *path = cb_path_join(root, name), *data = NULL;
	if (cb_file_read(path, &data, len) != 0)
		data = NULL;
	free(path);
	return data;
}

/* The names of the mirrors in the private folder (NAME.git folders
 * holding a HEAD, as cb_gitsrc_mirror makes them) that casebook.yml lists
 * no source for, sorted. */
static void S_unlisted_mirrors(const S_hub *h, cb_strv *out)
{
	char *dir = cb_path_join(h->priv, "sources");
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= 4 || strcmp(e->d_name + n - 4, ".git") != 0)
			continue;
		char *name = cb_xstrndup(e->d_name, n - 4);
		char *mirror = cb_partner_mirror(h->priv, name);
		char *head = cb_path_join(mirror, "HEAD");
		struct stat st;
		if (!cb_partner_find(h->cfg.sources, h->cfg.nsources, name) && lstat(head, &st) == 0 &&
		    S_ISREG(st.st_mode))
			cb_strv_push_own(out, name);
		else
			free(name);
		free(head);
		free(mirror);
	}
	if (d)
		closedir(d);
	free(dir);
	cb_strv_sort(out);
}

/* Opens the hub: its working casebook.yml (what the lead just edited)
 * and casebook.lock. Returns an exit status. */
static int S_hub_open(const char *repo, S_hub *h)
{
	cb_error err = CB_ERROR_INIT;
	if (cb_gitsrc_open(&h->g, repo, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		return 2;
	}
	if (!cb_gitsrc_workdir(h->g)) {
		fprintf(stderr, "casebook: the hub repository is bare; run fetch and update in a working "
				"copy, where casebook.lock can be written and committed\n");
		return 2;
	}
	h->root = cb_xstrdup(cb_gitsrc_workdir(h->g));
	h->priv = cb_gitsrc_private_dir(h->g);
	h->lock_path = cb_path_join(h->root, "casebook.lock");
	cb_diags d = CB_DIAGS_INIT;
	size_t len = 0;
	char *text = S_read_work(h->root, "casebook.yml", &len);
	int bad = cb_config_load(text, len, "casebook.yml", &h->cfg, &d) != 0;
	h->has_cfg = true;
	free(text);
	text = S_read_work(h->root, "casebook.lock", &len);
	if (cb_lock_parse(text, len, "casebook.lock", &h->pins, &h->npins, &d) != 0)
		bad = 1;
	free(text);
	cb_diags_sort(&d);
	cb_diags_print(&d, stderr, cb_want_color(stderr));
	cb_diags_free(&d);
	if (bad)
		return 1;
	/* With no sources left, fetch and update still remove the pins and
	 * mirrors of those there were. */
	cb_strv left = CB_STRV_INIT;
	if (h->cfg.nsources == 0 && h->npins == 0)
		S_unlisted_mirrors(h, &left);
	bool nothing = h->cfg.nsources == 0 && h->npins == 0 && left.n == 0;
	cb_strv_free(&left);
	if (nothing) {
		fprintf(stderr, "casebook: casebook.yml lists no sources; add partner repositories under "
				"'sources:' (see casebook(1), SOURCES)\n");
		return 2;
	}
	char *dir = cb_path_join(h->priv, "sources");
	int rc = cb_private_make(h->priv) == 0 && (mkdir(dir, 0700) == 0 || errno == EEXIST) ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "casebook: cannot make '%s': %s\n", dir, strerror(errno));
	free(dir);
	return rc == 0 ? 0 : 2;
}

/* Fetches one source into its mirror; commit gets what its ref names. */
static int S_fetch_one(const S_hub *h, const cb_partner *p, char *commit, bool quiet)
{
	char *mirror = cb_partner_mirror(h->priv, p->name);
	char *loc = cb_partner_location(p, h->root);
	cb_error err = CB_ERROR_INIT;
	if (!quiet)
		printf("fetching %s from %s\n", p->name, p->url);
	fflush(stdout);
	int rc = cb_gitsrc_mirror(mirror, loc, p->ref, commit, &err);
	if (rc != 0)
		fprintf(stderr, "casebook: %s: %s\n", p->name, err.msg);
	free(mirror);
	free(loc);
	return rc;
}

/* Sets (or adds) name's pin. */
static void S_pin(S_hub *h, const cb_partner *p, const char *commit)
{
	cb_pin *pin = (cb_pin *)cb_lock_find(h->pins, h->npins, p->name);
	if (!pin) {
		h->pins = cb_xrealloc(h->pins, (h->npins + 1) * sizeof *h->pins);
		pin = &h->pins[h->npins++];
		memset(pin, 0, sizeof *pin);
		pin->name = cb_xstrdup(p->name);
	}
	memcpy(pin->commit, commit, 41);
	free(pin->url);
	pin->url = cb_xstrdup(p->url);
}

/* Pins of sources casebook.yml no longer lists go. */
static void S_drop_unlisted(S_hub *h, bool quiet)
{
	size_t w = 0;
	for (size_t i = 0; i < h->npins; i++) {
		bool listed = false;
		for (size_t k = 0; k < h->cfg.nsources && !listed; k++)
			listed = strcmp(h->cfg.sources[k].name, h->pins[i].name) == 0;
		if (listed) {
			h->pins[w++] = h->pins[i];
			continue;
		}
		if (!quiet)
			printf("%s: no longer in casebook.yml's sources; its pin is removed\n",
			       h->pins[i].name);
		free(h->pins[i].name);
		free(h->pins[i].url);
	}
	h->npins = w;
}

/* Mirrors of sources casebook.yml no longer lists go too: each is a copy
 * of a partner's whole repository, restricted material included, that no
 * build reads any more (a build reads only listed sources), and keeping it
 * would keep that material on the hub's disk unasked. Adding the source
 * back fetches it again. Returns an exit status. */
static int S_drop_mirrors(const S_hub *h, bool quiet)
{
	cb_strv gone = CB_STRV_INIT;
	S_unlisted_mirrors(h, &gone);
	int rc = 0;
	for (size_t i = 0; i < gone.n; i++) {
		char *mirror = cb_partner_mirror(h->priv, gone.v[i]);
		if (cb_rm_rf(mirror) != 0) {
			fprintf(stderr, "casebook: %s: cannot remove the mirror '%s': %s\n", gone.v[i],
				mirror, strerror(errno));
			rc = 2;
		} else if (!quiet) {
			printf("%s: no longer in casebook.yml's sources; its mirror (sources/%s.git in the "
			       "private folder) is removed\n",
			       gone.v[i], gone.v[i]);
		}
		free(mirror);
	}
	cb_strv_free(&gone);
	return rc;
}

static int S_write_lock(S_hub *h)
{
	char *text = cb_lock_format(h->pins, h->npins);
	size_t len = 0;
	char *old = S_read_work(h->root, "casebook.lock", &len);
	int rc = 0;
	if (!old || strcmp(old, text) != 0)
		rc = cb_file_write(h->lock_path, text, strlen(text));
	if (rc != 0)
		fprintf(stderr, "casebook: cannot write '%s': %s\n", h->lock_path, strerror(errno));
	free(old);
	free(text);
	return rc == 0 ? 0 : 2;
}

/* Parses the options fetch and update share; -1: help printed, -2: usage error. */
static int S_options(int argc, char **argv, const char *usage, const char **repo, bool *quiet)
{
	static const struct option opts[] = {{"repo", required_argument, NULL, 'r'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		if (c == 'r')
			*repo = optarg;
		else if (c == 'q')
			*quiet = true;
		else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			cb_usage_error(usage, "unknown option '%s'", argv[optind - 1]);
			return -2;
		}
	}
	return 0;
}

int cb_cmd_fetch(int argc, char **argv, const char *datadir)
{
	(void)datadir;
	const char *repo = NULL;
	bool quiet = false;
	int o = S_options(argc, argv, cb_fetch_usage, &repo, &quiet);
	if (o < 0)
		return o == -1 ? 0 : 2;
	if (optind < argc)
		return cb_usage_error(cb_fetch_usage,
				      "fetch takes no names; to move pins, run 'casebook "
				      "update %s'",
				      argv[optind]);
	S_hub h;
	memset(&h, 0, sizeof h);
	int rc = S_hub_open(repo, &h);
	size_t added = 0;
	for (size_t i = 0; rc == 0 && i < h.cfg.nsources; i++) {
		const cb_partner *p = &h.cfg.sources[i];
		char commit[41];
		if (S_fetch_one(&h, p, commit, quiet) != 0) {
			rc = 2;
			break;
		}
		const cb_pin *pin = cb_lock_find(h.pins, h.npins, p->name);
		if (!pin) {
			S_pin(&h, p, commit);
			added++;
			if (!quiet)
				printf("%s: pinned at %.12s\n", p->name, commit);
		} else if (!quiet) {
			char *mirror = cb_partner_mirror(h.priv, p->name);
			if (!cb_gitsrc_has_commit(mirror, pin->commit))
				fprintf(stderr,
					"casebook: %s: the pinned commit %.12s is not in %s any more; run "
					"'casebook update %s' to pin what it has now\n",
					p->name, pin->commit, p->url, p->name);
			else if (strcmp(pin->commit, commit) != 0)
				printf("%s: stays pinned at %.12s (%.12s is newer: 'casebook update %s' "
				       "moves the pin)\n",
				       p->name, pin->commit, commit, p->name);
			free(mirror);
		}
	}
	if (rc == 0) {
		S_drop_unlisted(&h, quiet);
		rc = S_write_lock(&h);
	}
	if (rc == 0)
		rc = S_drop_mirrors(&h, quiet);
	if (rc == 0 && added && !quiet)
		printf("casebook.lock has %zu new pin%s; commit it (git add casebook.lock) so that builds "
		       "use them\n",
		       added, added == 1 ? "" : "s");
	S_hub_free(&h);
	return rc;
}

/* The documents under the content folder at commit (none when the folder
 * is not there); -1 with err when the commit cannot be read. */
static int S_list_at(cb_gitsrc *g, const char *commit, const char *content, cb_source **v, size_t *n,
		     cb_error *err)
{
	*v = NULL;
	*n = 0;
	if (cb_gitsrc_select(g, commit, false, err) != 0)
		return -1;
	if (!cb_gitsrc_has_dir(g, content))
		return 0;
	cb_diags scratch = CB_DIAGS_INIT; /* symlinks skipped: the build reports them */
	int rc = cb_gitsrc_list_lazy(g, content, CB_MARKDOWN_EXTS, CB_MAX_DOC_SIZE, v, n, &scratch, err);
	cb_diags_free(&scratch);
	return rc;
}

/* Prints the documents added, changed and removed between two commits of
 * a source, as "  added walsby:content/x.md". */
static void S_changes(const S_hub *h, const cb_partner *p, const char *from, const char *to)
{
	char *mirror = cb_partner_mirror(h->priv, p->name);
	cb_gitsrc *g = NULL;
	cb_error err = CB_ERROR_INIT;
	cb_source *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	if (cb_gitsrc_open(&g, mirror, &err) != 0 ||
	    (from && S_list_at(g, from, p->content, &a, &na, &err) != 0) ||
	    S_list_at(g, to, p->content, &b, &nb, &err) != 0) {
		printf("  (cannot list what changed: %s)\n", err.msg);
		goto out;
	}
	size_t added = 0, changed = 0, removed = 0, i = 0, k = 0;
	while (i < na || k < nb) {
		int c = i == na ? 1 : k == nb ? -1 : strcmp(a[i].path, b[k].path);
		if (c < 0) {
			printf("  removed %s:%s\n", p->name, a[i++].path);
			removed++;
		} else if (c > 0) {
			printf("  added %s:%s\n", p->name, b[k++].path);
			added++;
		} else {
			if (strcmp(a[i].oid, b[k].oid) != 0) {
				printf("  changed %s:%s\n", p->name, b[k].path);
				changed++;
			}
			i++, k++;
		}
	}
	printf("%s: %zu added, %zu changed, %zu removed\n", p->name, added, changed, removed);
out:
	cb_sources_free(a, na);
	cb_sources_free(b, nb);
	cb_gitsrc_free(g);
	free(mirror);
}

/* The sources update moves: those named, or all. -1 after reporting an
 * unknown name. */
static int S_chosen(const S_hub *h, char **names, int n, bool *chosen)
{
	for (size_t i = 0; i < h->cfg.nsources; i++)
		chosen[i] = n == 0;
	for (int j = 0; j < n; j++) {
		size_t i = 0;
		while (i < h->cfg.nsources && strcmp(h->cfg.sources[i].name, names[j]) != 0)
			i++;
		if (i == h->cfg.nsources) {
			const char **all = cb_xcalloc(h->cfg.nsources, sizeof *all);
			for (size_t k = 0; k < h->cfg.nsources; k++)
				all[k] = h->cfg.sources[k].name;
			const char *sug = cb_did_you_mean(names[j], all, h->cfg.nsources);
			fprintf(stderr, "casebook: casebook.yml has no source '%s'%s%s%s\n", names[j],
				sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			free(all);
			return -1;
		}
		chosen[i] = true;
	}
	return 0;
}

int cb_cmd_update(int argc, char **argv, const char *datadir)
{
	(void)datadir;
	const char *repo = NULL;
	bool quiet = false;
	int o = S_options(argc, argv, cb_update_usage, &repo, &quiet);
	if (o < 0)
		return o == -1 ? 0 : 2;
	S_hub h;
	memset(&h, 0, sizeof h);
	int rc = S_hub_open(repo, &h);
	bool *chosen = cb_xcalloc(h.cfg.nsources + 1, sizeof *chosen);
	if (rc == 0 && S_chosen(&h, argv + optind, argc - optind, chosen) != 0)
		rc = 2;
	size_t moved = 0;
	for (size_t i = 0; rc == 0 && i < h.cfg.nsources; i++) {
		const cb_partner *p = &h.cfg.sources[i];
		char commit[41];
		const cb_pin *pin = cb_lock_find(h.pins, h.npins, p->name);
		if (!chosen[i] && pin)
			continue;
		if (S_fetch_one(&h, p, commit, quiet) != 0) {
			rc = 2;
			break;
		}
		if (pin && strcmp(pin->commit, commit) == 0) {
			if (!quiet)
				printf("%s: up to date at %.12s\n", p->name, commit);
			continue;
		}
		if (!quiet) {
			printf("%s: %.12s -> %.12s\n", p->name, pin ? pin->commit : "(no pin)", commit);
			char *mirror = cb_partner_mirror(h.priv, p->name);
			bool had = pin && cb_gitsrc_has_commit(mirror, pin->commit);
			free(mirror);
			S_changes(&h, p, had ? pin->commit : NULL, commit);
		}
		S_pin(&h, p, commit);
		moved++;
	}
	if (rc == 0) {
		S_drop_unlisted(&h, quiet);
		rc = S_write_lock(&h);
	}
	if (rc == 0)
		rc = S_drop_mirrors(&h, quiet);
	if (rc == 0 && moved && !quiet)
		printf("casebook.lock updated; commit it (git add casebook.lock && git commit) for builds to "
		       "use the new commits\n");
	free(chosen);
	S_hub_free(&h);
	return rc;
}
