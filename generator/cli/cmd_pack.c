/*
 * cmd_pack: `casebook pack` makes a reflective supervision pack — one
 * self-contained HTML page to print on A4 — from the documents on a theme,
 * or from one to three named documents: their summaries, key learning and
 * reflective questions, the prompts of a supervision model (Kolb, 4x4x4 or
 * Signs of Safety) and a record of the session to fill in by hand.
 *
 * The site is loaded through the same pipeline as a build (cb_site_load),
 * for the internal audience, or the restricted one when restricted material
 * is asked for, so a document outside that audience never reaches the pack;
 * drafts are never used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "docdata.h"
#include "mustache.h"
#include "site.h"
#include "theme.h"
#include "util.h"
#include "value.h"

#ifndef CB_VERSION
#define CB_VERSION "0.0.0"
#endif

const char cb_pack_usage[] =
    "usage: casebook pack (--theme ID | DOCUMENT...) [--model kolb|4x4x4|signs-of-safety]\n"
    "                     [--include-restricted] [--out FILE] [--repo DIR] [--ref REV | --worktree]\n"
    "\n"
    "Makes a reflective supervision pack: one printable HTML page (A4) with the\n"
    "summaries, key learning and reflective questions of the documents on a theme\n"
    "(the newest three) or of one to three named documents (a path or a slug), the\n"
    "prompts of a supervision model and a record of the session to fill in.\n"
    "\n"
    "  --theme ID              the theme to gather documents from\n"
    "  --model M               kolb (default), 4x4x4 or signs-of-safety\n"
    "  --include-restricted    add restricted documents, such as supervision notes;\n"
    "                          every printed page then says so\n"
    "  --out FILE              where to write it (default: pack-<theme or document>.html)\n"
    "  --repo DIR              the repository (default: the one containing this folder)\n"
    "  --ref REV               branch, tag or commit to read (default: HEAD)\n"
    "  --worktree              read the working files, uncommitted edits included\n"
    "\n"
    "Drafts are never included. Exit status: 0 written, 1 content errors,\n"
    "2 usage or environment error (unknown theme or document, no repository).\n";

/* How many documents a pack holds: a supervision session has room for one
 * to three short cases or briefings (DOMAIN.md). */
#define S_MAX_DOCS 3

typedef struct S_item {
	const char *label;
	const char *prompts[4];
} S_item;

typedef struct S_section {
	const char *heading;
	S_item items[4];
} S_section;

typedef struct S_model {
	const char *id, *label, *intro;
	bool notes; /* a box to write in under each item */
	S_section sections[3];
	const char *scale_question, *scale_low, *scale_high;
} S_model;

static const S_model S_models[] = {
    {"kolb",
     "Kolb learning cycle",
     "Work round the four stages of the cycle in order, with a case from your own work that the material "
     "brings to mind. Do not hurry to the action plan: the reflection and analysis are where the learning "
     "happens.",
     true,
     {{NULL,
       {{"Experience: what happened?",
	 {"What happened, in the order it happened?", "What did you do, and what did others do?",
	  "What surprised you?", NULL}},
	{"Reflection: what did you feel and assume?",
	 {"What did you feel at the time, and what do you feel now?",
	  "What did you assume, and what was that based on?", "Whose voice is missing: is it the child's?",
	  NULL}},
	{"Analysis: what does the learning say?",
	 {"What do research and the learning in this pack say?", "What else could explain what you saw?",
	  "What could happen to the child if nothing changes?", NULL}},
	{"Action planning: what next?",
	 {"What will you do next, and by when?", "What help do you need, and from whom?",
	  "How will you know it has made a difference?", NULL}}}}},
     NULL,
     NULL,
     NULL},
    {"4x4x4",
     "4x4x4 model of supervision",
     "The model brings together the four functions of supervision, the four people or groups with a "
     "stake in it, and the four stages of the learning cycle. Check that the session touches each of them.",
     false,
     {{"The four functions",
       {{"Management", {"Is the work on track: plans, timescales, records and decisions?", NULL}},
	{"Support", {"How is this work affecting you, and what support do you need?", NULL}},
	{"Development", {"What are you learning, and what would help your practice grow?", NULL}},
	{"Mediation",
	 {"Does anything need raising with the organisation or another agency, or escalating?", NULL}}}},
      {"The four stakeholders",
       {{"Children and families", {"What is daily life like for the child, and what do they want?", NULL}},
	{"Staff", {"What does this mean for you and your team?", NULL}},
	{"The organisation",
	 {"What do policy and procedure expect, and what must the organisation know?", NULL}},
	{"Partner agencies", {"Who else knows this family, and is information flowing both ways?", NULL}}}},
      {"The four stages",
       {{"Experience", {"What happened, and what surprised you?", NULL}},
	{"Reflection", {"What did you feel, and what did you assume?", NULL}},
	{"Analysis", {"What does the learning say, and what else could explain it?", NULL}},
	{"Action planning", {"What will you do next, and how will you know it worked?", NULL}}}}},
     NULL,
     NULL,
     NULL},
    {"signs-of-safety",
     "Signs of Safety",
     "Map the case in three columns, in plain words the family would understand, then agree where the "
     "child's safety stands on the scale.",
     true,
     {{NULL,
       {{"What are we worried about?",
	 {"What harm has happened, or could happen, to the child?",
	  "What makes the situation harder to understand or change?", NULL}},
	{"What’s working well?",
	 {"What strengths and safety are there already?", "Who is helping the family, and what do they do?",
	  NULL}},
	{"What needs to happen?",
	 {"What must change for the child to be safe enough?",
	  "What are the next steps, and who will take "
	  "them?",
	  NULL}}}}},
     "On a scale of 0 to 10, where do you put the child's safety today, and what would move it one point "
     "higher?",
     "the child is sure to be harmed, or harmed again",
     "everyone agrees the child is safe enough to close the case"},
};

/* A date's label (cb_date_label) as a string value. */
static cb_value *S_date_label(const char *date)
{
	char buf[32];
	return cb_value_str(cb_date_label(date, buf));
}

/* The document a name on the command line means: its repository path,
 * its path under the content folder or from the current folder, its slug,
 * or its file name without ".md". -1 when none, -2 when the file name is
 * shared by several documents. */
static int S_find_doc(const cb_site *site, const char *name)
{
	char *under = cb_path_join(site->cfg.content_dir, name);
	char *from_cwd = NULL;
	char cwd[PATH_MAX];
	if (site->workdir && getcwd(cwd, sizeof cwd) && cb_str_starts(cwd, site->workdir)) {
		const char *rest = cwd + strlen(site->workdir);
		if (*rest == '/')
			from_cwd = cb_xasprintf("%s/%s", rest + 1, name);
	}
	int found = -1;
	for (size_t i = 0; i < site->ndocs && found < 0; i++) {
		const cb_doc *d = &site->docs[i];
		if (strcmp(d->path, name) == 0 || strcmp(d->path, under) == 0 || strcmp(d->slug, name) == 0 ||
		    (from_cwd && strcmp(d->path, from_cwd) == 0))
			found = (int)i;
	}
	for (size_t i = 0; i < site->ndocs && found < 0; i++) {
		const char *base = strrchr(site->docs[i].path, '/');
		base = base ? base + 1 : site->docs[i].path;
		size_t n = strlen(base) - cb_name_ext(base, CB_MARKDOWN_EXTS);
		if ((strlen(name) == n && strncmp(base, name, n) == 0) || strcmp(base, name) == 0) {
			/* A bare file name must name one document only. */
			for (size_t k = i + 1; k < site->ndocs; k++) {
				const char *b2 = strrchr(site->docs[k].path, '/');
				b2 = b2 ? b2 + 1 : site->docs[k].path;
				if (strcmp(b2, base) == 0) {
					free(under);
					free(from_cwd);
					return -2;
				}
			}
			found = (int)i;
		}
	}
	free(under);
	free(from_cwd);
	return found;
}

static const cb_theme_group *S_find_theme(const cb_site *s, const char *id)
{
	for (size_t i = 0; i < s->nthemes; i++)
		if (strcmp(s->themes[i].id, id) == 0)
			return &s->themes[i];
	return NULL;
}

static cb_value *S_doc_value(const cb_doc *d, size_t number, const char *today)
{
	const cb_meta *m = &d->meta;
	cb_value *v = cb_value_map();
	cb_map_set_num(v, "number", (double)number);
	/* The front matter's fields a pack shows (schema.h's cb_fields). */
	cb_docdata_fields(v, m, CB_FIELD_PACK);
	cb_map_set_str(v, "type_label", cb_type_label(m->type));
	cb_map_set_str(v, "path", d->path);
	cb_map_set_bool(v, "restricted", m->visibility == CB_VIS_RESTRICTED);
	/* Learning points as plain text: their links point into the site,
	 * which a printed page cannot follow. */
	cb_value *learning = cb_map_set(v, "learning", cb_value_list());
	cb_value *points = NULL;
	const char *gid = NULL;
	for (size_t i = 0; i < d->md.nlearning; i++) {
		const cb_lpoint *lp = &d->md.learning[i];
		if (!gid || strcmp(gid, lp->heading_id) != 0) {
			cb_value *g = cb_list_push(learning, cb_value_map());
			cb_map_set_str(g, "heading", lp->heading);
			points = cb_map_set(g, "points", cb_value_list());
			gid = lp->heading_id;
		}
		cb_list_push(points, cb_value_str(lp->text));
	}
	cb_map_set_bool(v, "has_learning", d->md.nlearning > 0);
	cb_map_set_bool(v, "has_questions", m->questions.n > 0);
	cb_map_set(v, "actions", cb_docdata_actions(m, today));
	cb_map_set_bool(v, "has_actions", m->nactions > 0);
	return v;
}

static cb_value *S_model_value(const S_model *md)
{
	cb_value *v = cb_value_map();
	cb_map_set_str(v, "id", md->id);
	cb_map_set_str(v, "label", md->label);
	cb_map_set_str(v, "intro", md->intro);
	cb_value *secs = cb_map_set(v, "sections", cb_value_list());
	for (size_t s = 0; s < 3 && md->sections[s].items[0].label; s++) {
		const S_section *sec = &md->sections[s];
		cb_value *sv = cb_list_push(secs, cb_value_map());
		cb_map_set_str(sv, "heading", sec->heading ? sec->heading : "");
		cb_value *items = cb_map_set(sv, "items", cb_value_list());
		for (size_t i = 0; i < 4 && sec->items[i].label; i++) {
			cb_value *iv = cb_list_push(items, cb_value_map());
			cb_map_set_str(iv, "label", sec->items[i].label);
			cb_map_set_bool(iv, "notes", md->notes);
			cb_value *pl = cb_map_set(iv, "prompts", cb_value_list());
			for (size_t p = 0; p < 4 && sec->items[i].prompts[p]; p++)
				cb_list_push(pl, cb_value_str(sec->items[i].prompts[p]));
		}
	}
	cb_map_set_bool(v, "scale", md->scale_question != NULL);
	if (md->scale_question) {
		cb_map_set_str(v, "scale_question", md->scale_question);
		cb_map_set_str(v, "scale_low", md->scale_low);
		cb_map_set_str(v, "scale_high", md->scale_high);
	}
	return v;
}

/* Writes data to path through a temporary file beside it, so an
 * interrupted run never leaves half a pack. */
static int S_write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = cb_xasprintf("%s.tmp-%ld", path, (long)getpid());
	int rc = cb_file_write(tmp, data, len);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	return rc;
}

int cb_cmd_pack(int argc, char **argv, const char *datadir)
{
	static const struct option opts[] = {{"theme", required_argument, NULL, 't'},
					     {"model", required_argument, NULL, 'm'},
					     {"include-restricted", no_argument, NULL, 'i'},
					     {"out", required_argument, NULL, 'o'},
					     {"repo", required_argument, NULL, 'r'},
					     {"ref", required_argument, NULL, 'R'},
					     {"worktree", no_argument, NULL, 'w'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *theme = NULL, *model_id = "kolb", *out = NULL;
	bool restricted = false;
	cb_site_opts so = {.audience = CB_VIS_INTERNAL};
	/* A pack is printed for a session, not published: a shallow clone's
	 * dates are only warned about. */
	so.allow_shallow = true;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't': theme = optarg; break;
		case 'm': model_id = optarg; break;
		case 'i': restricted = true; break;
		case 'o': out = optarg; break;
		case 'r': so.repo = optarg; break;
		case 'R': so.ref = optarg; break;
		case 'w': so.worktree = true; break;
		case 'h': fputs(cb_pack_usage, stdout); return 0;
		case ':': return cb_usage_error(cb_pack_usage, "option '%s' needs a value", argv[optind - 1]);
		default: return cb_usage_error(cb_pack_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	size_t nnames = (size_t)(argc - optind);
	char **names = argv + optind;
	if (theme && nnames)
		return cb_usage_error(
		    cb_pack_usage, "%s",
		    "choose the material either with --theme or by naming documents, not both");
	if (!theme && !nnames)
		return cb_usage_error(cb_pack_usage, "%s",
				      "say what the pack is about: --theme ID, or one to three documents");
	if (nnames > S_MAX_DOCS)
		return cb_usage_error(cb_pack_usage, "%s",
				      "a pack holds at most three documents; name fewer");
	if (so.ref && so.worktree)
		return cb_usage_error(cb_pack_usage, "%s", "--ref and --worktree cannot be used together");
	const S_model *model = NULL;
	for (size_t i = 0; i < sizeof S_models / sizeof S_models[0]; i++)
		if (strcmp(S_models[i].id, model_id) == 0)
			model = &S_models[i];
	if (!model)
		return cb_usage_error(cb_pack_usage, "unknown model '%s': use kolb, 4x4x4 or signs-of-safety",
				      model_id);
	if (restricted)
		so.audience = CB_VIS_RESTRICTED;

	int rc = 2;
	cb_site site;
	cb_error err = CB_ERROR_INIT;
	const cb_doc *chosen[2 * S_MAX_DOCS];
	size_t nchosen = 0;
	char *outpath = NULL, *title = NULL;
	cb_theme *th = NULL;
	cb_theme_file tpl = {0}, css = {0};
	cb_mustache *mu = NULL;
	cb_value *data = NULL;
	cb_buf html = CB_BUF_INIT;

	rc = cb_cli_site_load(&so, &site, "making a pack");
	if (rc != 0)
		goto out;
	rc = 2;

	const cb_theme_group *tg = NULL;
	if (theme) {
		tg = S_find_theme(&site, theme);
		if (!tg && site.has_taxonomy && cb_taxonomy_find(&site.tax, theme)) {
			fprintf(
			    stderr,
			    "casebook: no document on the theme '%s' can go in a pack yet (drafts are never "
			    "used%s)\n",
			    theme, restricted ? "" : ", and restricted notes need --include-restricted");
			goto out;
		}
		if (!tg) {
			cb_strv ids = CB_STRV_INIT;
			for (size_t i = 0; i < site.nthemes; i++)
				cb_strv_push(&ids, site.themes[i].id);
			for (size_t i = 0; site.has_taxonomy && i < site.tax.ids.n; i++)
				cb_strv_push(&ids, site.tax.ids.v[i]);
			const char *sug = cb_did_you_mean(theme, (const char *const *)ids.v, ids.n);
			if (sug)
				fprintf(stderr, "casebook: '%s' is not a theme; did you mean '%s'?\n", theme,
					sug);
			else
				fprintf(stderr,
					"casebook: '%s' is not a theme of any document; see the themes in "
					"%s\n",
					theme, site.cfg.taxonomy_file);
			cb_strv_free(&ids);
			goto out;
		}
		/* The newest learning material, and with --include-restricted
		 * the newest restricted notes as well, each up to the limit. */
		size_t nopen = 0, nrestr = 0, skipped = 0;
		for (size_t k = 0; k < tg->ndocs; k++) {
			const cb_doc *doc = &site.docs[tg->docs[k]];
			if (doc->meta.draft)
				continue;
			bool r = doc->meta.visibility == CB_VIS_RESTRICTED;
			size_t *count = r ? &nrestr : &nopen;
			if (*count < S_MAX_DOCS) {
				chosen[nchosen++] = doc;
				(*count)++;
			} else {
				skipped++;
			}
		}
		if (nchosen == 0) {
			fprintf(stderr,
				"casebook: every document on the theme '%s' is a draft, and drafts are never "
				"used in a pack\n",
				theme);
			goto out;
		}
		if (skipped)
			fprintf(stderr,
				"casebook: %zu more document%s on '%s' left out: a pack holds the newest %d; "
				"name "
				"documents instead to choose others\n",
				skipped, skipped == 1 ? "" : "s", theme, S_MAX_DOCS);
		title = cb_xasprintf("Reflective supervision: %s", tg->label);
	} else {
		for (size_t i = 0; i < nnames; i++) {
			int k = S_find_doc(&site, names[i]);
			if (k == -2) {
				fprintf(stderr,
					"casebook: several documents are called '%s'; give its path, such as "
					"%s/<folder>/%s\n",
					names[i], site.cfg.content_dir, names[i]);
				goto out;
			}
			if (k < 0 || site.docs[k].meta.draft) {
				fprintf(stderr,
					"casebook: '%s' is not a document a pack can use: give its path or "
					"slug%s "
					"(drafts are never used)\n",
					names[i],
					restricted ? "" : "; restricted documents need --include-restricted");
				goto out;
			}
			bool dup = false;
			for (size_t j = 0; j < nchosen; j++)
				dup = dup || chosen[j] == &site.docs[k];
			if (!dup)
				chosen[nchosen++] = &site.docs[k];
		}
		/* A theme every named document shares names the pack; else the
		 * first document does. */
		const char *shared = NULL;
		for (size_t t = 0; !shared && t < chosen[0]->meta.themes.n; t++) {
			const char *id = chosen[0]->meta.themes.v[t];
			bool all = true;
			for (size_t j = 1; j < nchosen; j++)
				all = all && cb_strv_contains(&chosen[j]->meta.themes, id);
			if (all && S_find_theme(&site, id))
				shared = id;
		}
		if (shared)
			title =
			    cb_xasprintf("Reflective supervision: %s", S_find_theme(&site, shared)->label);
		else
			title = cb_xasprintf("Reflective supervision: %s", chosen[0]->meta.title);
		tg = shared ? S_find_theme(&site, shared) : NULL;
	}

	/* The output file, in the current folder unless told otherwise. */
	if (out) {
		outpath = cb_xstrdup(out);
	} else {
		char *base;
		if (theme) {
			base = cb_slugify(theme);
		} else {
			const char *b = strrchr(chosen[0]->path, '/');
			char *noext =
			    cb_xstrndup(b ? b + 1 : chosen[0]->path, strlen(b ? b + 1 : chosen[0]->path) - 3);
			base = cb_slugify(noext);
			free(noext);
		}
		outpath = cb_xasprintf("pack-%s.html", base[0] ? base : "supervision");
		free(base);
	}

	/* The theme of the ref being built, like the site's (theme.h). */
	if (cb_theme_open(&th, &site, datadir, &err) != 0) {
		char msg[2200];
		cb_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "casebook: %s\n", msg);
		goto out;
	}
	if (!cb_theme_has(th, "templates/pack.mustache") || !cb_theme_has(th, "assets/pack.css")) {
		fprintf(stderr,
			"casebook: cannot read the pack's template and style (templates/pack.mustache and "
			"assets/pack.css) in the theme '%s' or the default theme under '%s/themes'\n",
			site.cfg.theme, datadir);
		goto out;
	}
	if (cb_theme_read(th, "templates/pack.mustache", &tpl, &err) != 0 ||
	    cb_theme_read(th, "assets/pack.css", &css, &err) != 0) {
		char msg[2200];
		cb_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "casebook: %s\n", msg);
		goto out;
	}
	char today[11];
	if (cb_today(today, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		goto out;
	}

	data = cb_value_map();
	cb_map_set_str(data, "lang", site.cfg.language);
	cb_map_set(data, "generator", cb_value_str_own(cb_xasprintf("casebook %s", CB_VERSION)));
	cb_map_set_str(data, "css", css.data);
	size_t nrestricted = 0;
	for (size_t i = 0; i < nchosen; i++)
		nrestricted += chosen[i]->meta.visibility == CB_VIS_RESTRICTED;
	/* The flag marks the whole pack, even when no restricted document
	 * happened to be found: whoever asked for restricted material should
	 * handle the result as restricted. */
	cb_map_set_bool(data, "restricted", restricted);
	cb_value *pk = cb_map_set(data, "pack", cb_value_map());
	cb_map_set_str(pk, "title", title);
	cb_map_set_str(pk, "theme_id", tg ? tg->id : "");
	cb_map_set_str(pk, "theme_label", tg ? tg->label : "");
	cb_map_set_str(pk, "date", today);
	cb_map_set(pk, "date_label", S_date_label(today));
	cb_map_set_str(pk, "site_title", site.cfg.title);
	cb_map_set(pk, "count_label",
		   cb_value_str_own(nrestricted
					? cb_xasprintf("%zu document%s, %zu of them restricted", nchosen,
						       nchosen == 1 ? "" : "s", nrestricted)
					: cb_xasprintf("%zu document%s", nchosen, nchosen == 1 ? "" : "s")));
	cb_value *docs = cb_map_set(data, "documents", cb_value_list());
	for (size_t i = 0; i < nchosen; i++)
		cb_list_push(docs, S_doc_value(chosen[i], i + 1, today));
	cb_map_set(data, "model", S_model_value(model));
	cb_value *rec = cb_map_set(data, "record", cb_value_map());
	cb_value *rows = cb_map_set(rec, "attendee_rows", cb_value_list());
	for (int i = 0; i < 6; i++)
		cb_list_push(rows, cb_value_bool(true));
	rows = cb_map_set(rec, "action_rows", cb_value_list());
	for (int i = 0; i < 5; i++)
		cb_list_push(rows, cb_value_bool(true));

	mu = cb_mustache_new();
	if (cb_mustache_add(mu, "pack", tpl.data, tpl.len, &err) != 0 ||
	    cb_mustache_render(mu, "pack", data, &html, &err) != 0) {
		fprintf(stderr, "casebook: %s:%d:%d: %s\n", tpl.where, err.line, err.col, err.msg);
		goto out;
	}
	if (S_write_atomic(outpath, html.data ? html.data : "", html.len) != 0) {
		fprintf(stderr, "casebook: cannot write '%s': %s\n", outpath, strerror(errno));
		goto out;
	}
	fprintf(stderr, "casebook: wrote %s: %zu document%s%s, %s prompts, a record to fill in\n", outpath,
		nchosen, nchosen == 1 ? "" : "s",
		restricted ? (nrestricted ? " (restricted material: do not share)" : " (marked restricted)")
			   : "",
		model->label);
	rc = 0;
out:
	cb_buf_free(&html);
	cb_value_free(data);
	cb_mustache_free(mu);
	cb_theme_file_free(&tpl);
	cb_theme_file_free(&css);
	cb_theme_free(th);
	free(outpath);
	free(title);
	cb_site_free(&site);
	return rc;
}
