/*
 * cmd_pack: `casebook pack` makes a reflective supervision pack — one
 * self-contained HTML page to print on A4 — from the documents with the
 * most learning points on a theme (printing only those points), or from
 * one to three named documents: their summaries, key learning and
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
    "summaries, key learning and reflective questions of the three documents with\n"
    "the most learning points on a theme (only those points printed), or of one to\n"
    "three named documents (a path or a slug; every point printed), the prompts of\n"
    "a supervision model and a record of the session to fill in.\n"
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

/* What the command line asked for. */
typedef struct S_args {
	const char *theme, *out;
	const S_model *model;
	bool restricted;
	char **names; /* the documents named instead of a theme */
	size_t nnames;
	cb_site_opts so;
} S_args;

/* A document in the pack. */
typedef struct S_pick {
	const cb_doc *doc;
	size_t on;    /* its learning points on the theme (a theme pack) */
	size_t order; /* its place in the site, newest first */
} S_pick;

/* What goes in the pack. */
typedef struct S_pack {
	const cb_theme_group *tg; /* the pack's theme; NULL when it has none */
	bool by_theme;		  /* chosen for tg: only the points on it are printed */
	S_pick chosen[2 * S_MAX_DOCS];
	size_t n;
	char *title;
} S_pack;

/* Reads the command line into a. Returns -1 to go on, else the exit
 * status: 0 after --help, 2 after a usage error. */
static int S_parse(int argc, char **argv, S_args *a)
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
	const char *model_id = "kolb";
	/* A pack is printed for a session, not published: a shallow clone's
	 * dates are only warned about. */
	*a = (S_args){.so = {.audience = CB_VIS_INTERNAL, .allow_shallow = true}};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->theme = optarg; break;
		case 'm': model_id = optarg; break;
		case 'i': a->restricted = true; break;
		case 'o': a->out = optarg; break;
		case 'r': a->so.repo = optarg; break;
		case 'R': a->so.ref = optarg; break;
		case 'w': a->so.worktree = true; break;
		case 'h': fputs(cb_pack_usage, stdout); return 0;
		case ':': return cb_usage_error(cb_pack_usage, "option '%s' needs a value", argv[optind - 1]);
		default: return cb_usage_error(cb_pack_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	a->nnames = (size_t)(argc - optind);
	a->names = argv + optind;
	if (a->theme && a->nnames)
		return cb_usage_error(
		    cb_pack_usage, "%s",
		    "choose the material either with --theme or by naming documents, not both");
	if (!a->theme && !a->nnames)
		return cb_usage_error(cb_pack_usage, "%s",
				      "say what the pack is about: --theme ID, or one to three documents");
	if (a->nnames > S_MAX_DOCS)
		return cb_usage_error(cb_pack_usage, "%s",
				      "a pack holds at most three documents; name fewer");
	if (a->so.ref && a->so.worktree)
		return cb_usage_error(cb_pack_usage, "%s", "--ref and --worktree cannot be used together");
	for (size_t i = 0; i < sizeof S_models / sizeof S_models[0]; i++)
		if (strcmp(S_models[i].id, model_id) == 0)
			a->model = &S_models[i];
	if (!a->model)
		return cb_usage_error(cb_pack_usage, "unknown model '%s': use kolb, 4x4x4 or signs-of-safety",
				      model_id);
	if (a->restricted)
		a->so.audience = CB_VIS_RESTRICTED;
	return -1;
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

/* Says why theme, which no document of the site has, cannot make a pack.
 * Returns 2, the exit status. */
static int S_no_theme(const cb_site *site, const char *theme, bool restricted)
{
	if (site->has_taxonomy && cb_taxonomy_find(&site->tax, theme)) {
		fprintf(stderr,
			"casebook: no document on the theme '%s' can go in a pack yet (drafts are never "
			"used%s)\n",
			theme, restricted ? "" : ", and restricted notes need --include-restricted");
		return 2;
	}
	cb_strv ids = CB_STRV_INIT;
	for (size_t i = 0; i < site->nthemes; i++)
		cb_strv_push(&ids, site->themes[i].id);
	for (size_t i = 0; site->has_taxonomy && i < site->tax.ids.n; i++)
		cb_strv_push(&ids, site->tax.ids.v[i]);
	const char *sug = cb_did_you_mean(theme, (const char *const *)ids.v, ids.n);
	if (sug)
		fprintf(stderr, "casebook: '%s' is not a theme; did you mean '%s'?\n", theme, sug);
	else
		fprintf(stderr, "casebook: '%s' is not a theme of any document; see the themes in %s\n",
			theme, site->cfg.taxonomy_file);
	cb_strv_free(&ids);
	return 2;
}

/* Most points on the theme first, then the newest, then site order. */
static int S_pick_cmp(const void *pa, const void *pb)
{
	const S_pick *x = pa, *y = pb;
	if (x->on != y->on)
		return x->on > y->on ? -1 : 1;
	int c = strcmp(y->doc->meta.date, x->doc->meta.date);
	if (c)
		return c;
	return (x->order > y->order) - (x->order < y->order);
}

/* Chooses the documents of a theme pack: those with the most learning
 * points on the theme, the newest first among equals, up to S_MAX_DOCS
 * (and as many restricted ones again with --include-restricted). A
 * document with no point on the theme is never chosen: it has nothing on
 * the theme to print. Returns 0, or 2 with a message. */
static int S_by_theme(const cb_site *site, const S_args *a, S_pack *pk)
{
	const cb_theme_group *tg = S_find_theme(site, a->theme);
	if (!tg)
		return S_no_theme(site, a->theme, a->restricted);
	S_pick *cand = cb_xcalloc(tg->ndocs + 1, sizeof *cand);
	size_t ncand = 0, none = 0;
	for (size_t k = 0; k < tg->ndocs; k++) {
		const cb_doc *doc = &site->docs[tg->docs[k]];
		if (doc->meta.draft)
			continue;
		size_t on = 0;
		for (size_t p = 0; p < doc->md.nlearning; p++)
			on += cb_doc_point_on(doc, p, tg->id);
		if (on)
			cand[ncand++] = (S_pick){doc, on, (size_t)tg->docs[k]};
		else
			none++;
	}
	qsort(cand, ncand, sizeof *cand, S_pick_cmp);
	size_t nopen = 0, nrestr = 0, skipped = 0;
	for (size_t i = 0; i < ncand; i++) {
		size_t *count = cand[i].doc->meta.visibility == CB_VIS_RESTRICTED ? &nrestr : &nopen;
		if (*count < S_MAX_DOCS) {
			pk->chosen[pk->n++] = cand[i];
			(*count)++;
		} else {
			skipped++;
		}
	}
	free(cand);
	pk->tg = tg;
	pk->by_theme = true;
	if (pk->n == 0 && !none) {
		fprintf(
		    stderr,
		    "casebook: every document on the theme '%s' is a draft, and drafts are never used in a "
		    "pack\n",
		    a->theme);
		return 2;
	}
	if (pk->n == 0) {
		fprintf(stderr,
			"casebook: no learning point of the documents on '%s' is on the theme (a point is "
			"when its words name it, or when it ends with #%s); name documents to make a pack of "
			"them\n",
			a->theme, a->theme);
		return 2;
	}
	if (none)
		fprintf(stderr,
			"casebook: %zu document%s on '%s' left out: no learning point of %s is on it\n", none,
			none == 1 ? "" : "s", a->theme, none == 1 ? "it" : "theirs");
	if (skipped)
		fprintf(stderr,
			"casebook: %zu more document%s on '%s' left out: a pack holds the %d with the most "
			"learning points on it; name documents instead to choose others\n",
			skipped, skipped == 1 ? "" : "s", a->theme, S_MAX_DOCS);
	pk->title = cb_xasprintf("Reflective supervision: %s", tg->label);
	return 0;
}

/* The documents named on the command line, in their order. A theme every
 * one of them has names the pack; else the first document does. Returns
 * 0, or 2 with a message. */
static int S_by_name(const cb_site *site, const S_args *a, S_pack *pk)
{
	for (size_t i = 0; i < a->nnames; i++) {
		int k = S_find_doc(site, a->names[i]);
		if (k == -2) {
			fprintf(stderr,
				"casebook: several documents are called '%s'; give its path, such as "
				"%s/<folder>/%s\n",
				a->names[i], site->cfg.content_dir, a->names[i]);
			return 2;
		}
		if (k < 0 || site->docs[k].meta.draft) {
			fprintf(stderr,
				"casebook: '%s' is not a document a pack can use: give its path or slug%s "
				"(drafts "
				"are never used)\n",
				a->names[i],
				a->restricted ? "" : "; restricted documents need --include-restricted");
			return 2;
		}
		bool dup = false;
		for (size_t j = 0; j < pk->n; j++)
			dup = dup || pk->chosen[j].doc == &site->docs[k];
		if (!dup)
			pk->chosen[pk->n++] = (S_pick){&site->docs[k], 0, (size_t)k};
	}
	const cb_doc *first = pk->chosen[0].doc;
	for (size_t t = 0; !pk->tg && t < first->meta.themes.n; t++) {
		const char *id = first->meta.themes.v[t];
		bool all = true;
		for (size_t j = 1; j < pk->n; j++)
			all = all && cb_strv_contains(&pk->chosen[j].doc->meta.themes, id);
		if (all)
			pk->tg = S_find_theme(site, id);
	}
	pk->title = cb_xasprintf("Reflective supervision: %s", pk->tg ? pk->tg->label : first->meta.title);
	return 0;
}

/* The output file: --out, else pack-<theme or first document>.html in the
 * current folder. Caller frees. */
static char *S_out_path(const S_args *a, const S_pack *pk)
{
	if (a->out)
		return cb_xstrdup(a->out);
	char *base;
	if (a->theme) {
		base = cb_slugify(a->theme);
	} else {
		const char *path = pk->chosen[0].doc->path;
		const char *b = strrchr(path, '/');
		b = b ? b + 1 : path;
		char *noext = cb_xstrndup(b, strlen(b) - cb_name_ext(b, CB_MARKDOWN_EXTS));
		base = cb_slugify(noext);
		free(noext);
	}
	char *out = cb_xasprintf("pack-%s.html", base[0] ? base : "supervision");
	free(base);
	return out;
}

/* Why a theme pack holds p, e.g. "Chosen: 4 of its 12 learning points are
 * on Bruising". Caller frees. */
static char *S_reason(const S_pick *p, const char *label)
{
	size_t all = p->doc->md.nlearning;
	if (all == 1)
		return cb_xasprintf("Chosen: its one learning point is on %s", label);
	if (p->on == all)
		return cb_xasprintf("Chosen: all %zu of its learning points are on %s", all, label);
	return cb_xasprintf("Chosen: %zu of its %zu learning points %s on %s", p->on, all,
			    p->on == 1 ? "is" : "are", label);
}

/* A document as the pack's template sees it: with only (a theme id) its
 * learning points on that theme, else all of them; reason may be NULL. */
static cb_value *S_doc_value(const cb_doc *d, size_t number, const char *today, const char *only,
			     const char *reason)
{
	const cb_meta *m = &d->meta;
	cb_value *v = cb_value_map();
	cb_map_set_num(v, "number", (double)number);
	/* The front matter's fields a pack shows (schema.h's cb_fields). */
	cb_docdata_fields(v, m, CB_FIELD_PACK);
	cb_map_set_str(v, "type_label", cb_type_label(m->type));
	cb_map_set_str(v, "path", d->path);
	cb_map_set_bool(v, "restricted", m->visibility == CB_VIS_RESTRICTED);
	cb_map_set_str(v, "chosen", reason ? reason : "");
	/* Learning points as plain text: their links point into the site,
	 * which a printed page cannot follow. */
	cb_value *learning = cb_map_set(v, "learning", cb_value_list());
	cb_value *points = NULL;
	const char *gid = NULL;
	size_t shown = 0;
	for (size_t i = 0; i < d->md.nlearning; i++) {
		const cb_lpoint *lp = &d->md.learning[i];
		if (only && !cb_doc_point_on(d, i, only))
			continue;
		if (!gid || strcmp(gid, lp->heading_id) != 0) {
			cb_value *g = cb_list_push(learning, cb_value_map());
			cb_map_set_str(g, "heading", lp->heading);
			points = cb_map_set(g, "points", cb_value_list());
			gid = lp->heading_id;
		}
		cb_list_push(points, cb_value_str(lp->text));
		shown++;
	}
	cb_map_set_bool(v, "has_learning", shown > 0);
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

static size_t S_nrestricted(const S_pack *pk)
{
	size_t n = 0;
	for (size_t i = 0; i < pk->n; i++)
		n += pk->chosen[i].doc->meta.visibility == CB_VIS_RESTRICTED;
	return n;
}

/* The pack's template data ("Supervision pack" in themes/README.md). */
static cb_value *S_pack_data(const cb_site *site, const S_args *a, const S_pack *pk, const char *css,
			     const char *today)
{
	cb_value *data = cb_value_map();
	cb_map_set_str(data, "lang", site->cfg.language);
	cb_map_set(data, "generator", cb_value_str_own(cb_xasprintf("casebook %s", CB_VERSION)));
	cb_map_set_str(data, "css", css);
	/* The flag marks the whole pack, even when no restricted document
	 * happened to be found: whoever asked for restricted material should
	 * handle the result as restricted. */
	cb_map_set_bool(data, "restricted", a->restricted);
	size_t nr = S_nrestricted(pk), n = pk->n;
	cb_value *v = cb_map_set(data, "pack", cb_value_map());
	cb_map_set_str(v, "title", pk->title);
	cb_map_set_str(v, "theme_id", pk->tg ? pk->tg->id : "");
	cb_map_set_str(v, "theme_label", pk->tg ? pk->tg->label : "");
	cb_map_set_str(v, "date", today);
	cb_map_set(v, "date_label", S_date_label(today));
	cb_map_set_str(v, "site_title", site->cfg.title);
	cb_map_set(v, "count_label",
		   cb_value_str_own(
		       nr ? cb_xasprintf("%zu document%s, %zu of them restricted", n, n == 1 ? "" : "s", nr)
			  : cb_xasprintf("%zu document%s", n, n == 1 ? "" : "s")));
	cb_value *docs = cb_map_set(data, "documents", cb_value_list());
	for (size_t i = 0; i < n; i++) {
		const S_pick *p = &pk->chosen[i];
		char *reason = pk->by_theme ? S_reason(p, pk->tg->label) : NULL;
		cb_list_push(docs,
			     S_doc_value(p->doc, i + 1, today, pk->by_theme ? pk->tg->id : NULL, reason));
		free(reason);
	}
	cb_map_set(data, "model", S_model_value(a->model));
	cb_value *rec = cb_map_set(data, "record", cb_value_map());
	cb_value *rows = cb_map_set(rec, "attendee_rows", cb_value_list());
	for (int i = 0; i < 6; i++)
		cb_list_push(rows, cb_value_bool(true));
	rows = cb_map_set(rec, "action_rows", cb_value_list());
	for (int i = 0; i < 5; i++)
		cb_list_push(rows, cb_value_bool(true));
	return data;
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

/* Renders the pack with the template and style of the theme of the ref
 * being built (theme.h) and writes it to outpath. Returns 0, or 2 with a
 * message. */
static int S_render(const cb_site *site, const char *datadir, const S_args *a, const S_pack *pk,
		    const char *outpath)
{
	int rc = 2;
	cb_error err = CB_ERROR_INIT;
	cb_theme *th = NULL;
	cb_theme_file tpl = {0}, css = {0};
	cb_mustache *mu = NULL;
	cb_value *data = NULL;
	cb_buf html = CB_BUF_INIT;
	char today[11];
	if (cb_theme_open(&th, site, datadir, &err) != 0)
		goto fail;
	if (!cb_theme_has(th, "templates/pack.mustache") || !cb_theme_has(th, "assets/pack.css")) {
		fprintf(stderr,
			"casebook: cannot read the pack's template and style (templates/pack.mustache and "
			"assets/pack.css) in the theme '%s' or the default theme under '%s/themes'\n",
			site->cfg.theme, datadir);
		goto out;
	}
	if (cb_theme_read(th, "templates/pack.mustache", &tpl, &err) != 0 ||
	    cb_theme_read(th, "assets/pack.css", &css, &err) != 0 || cb_today(today, &err) != 0)
		goto fail;
	data = S_pack_data(site, a, pk, css.data, today);
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
	rc = 0;
	goto out;
fail:;
	char msg[2200];
	cb_error_format(&err, msg, sizeof msg);
	fprintf(stderr, "casebook: %s\n", msg);
out:
	cb_buf_free(&html);
	cb_value_free(data);
	cb_mustache_free(mu);
	cb_theme_file_free(&tpl);
	cb_theme_file_free(&css);
	cb_theme_free(th);
	return rc;
}

int cb_cmd_pack(int argc, char **argv, const char *datadir)
{
	S_args a;
	int rc = S_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	cb_site site;
	S_pack pk = {0};
	char *outpath = NULL;
	rc = cb_cli_site_load(&a.so, &site, "making a pack");
	if (rc == 0)
		rc = a.theme ? S_by_theme(&site, &a, &pk) : S_by_name(&site, &a, &pk);
	if (rc == 0) {
		outpath = S_out_path(&a, &pk);
		rc = S_render(&site, datadir, &a, &pk, outpath);
	}
	if (rc == 0) {
		size_t nr = S_nrestricted(&pk);
		fprintf(stderr, "casebook: wrote %s: %zu document%s%s, %s prompts, a record to fill in\n",
			outpath, pk.n, pk.n == 1 ? "" : "s",
			a.restricted ? (nr ? " (restricted material: do not share)" : " (marked restricted)")
				     : "",
			a.model->label);
	}
	free(outpath);
	free(pk.title);
	cb_site_free(&site);
	return rc;
}
