/* quick: see quick.h. */
#include "quick.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frontmatter.h"
#include "learning.h"
#include "markdown.h"
#include "pii.h"
#include "placeholder.h"
#include "pubcheck.h"
#include "util.h"

long cb_quick_find(const cb_site *site, const char *path)
{
	for (size_t i = 0; i < site->ndocs; i++)
		if (!site->docs[i].source && strcmp(site->docs[i].path, path) == 0)
			return (long)i;
	return -1;
}

/* Links resolve only to documents the site holds; anything else (an
 * attachment, a document this audience does not see, one that is not
 * there) leaves the answer to the full build. */
typedef struct S_links {
	const cb_site *site;
	bool other; /* a link the site's documents do not answer */
} S_links;

static cb_link_status S_resolve(void *ctx, const char *path, int line, int col, char **href, int *target)
{
	S_links *c = ctx;
	(void)line, (void)col;
	long t = cb_name_ext(path, CB_MARKDOWN_EXTS) ? cb_quick_find(c->site, path) : -1;
	if (t < 0) {
		c->other = true;
		return CB_LINK_HIDDEN; /* nothing of it is kept */
	}
	*href = cb_xasprintf("../documents/%s.html", c->site->docs[t].slug);
	*target = (int)t;
	return CB_LINK_OK;
}

static bool S_same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool S_same_strv(const cb_strv *a, const cb_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* Whether the new front matter keeps the document in the same pages for
 * the same readers: who may see it, and what the output's last scan lets
 * through (the site's pii-allow values). */
static bool S_same_place(const cb_meta *was, const cb_meta *now)
{
	return was->visibility == now->visibility && was->draft == now->draft &&
	       S_same_str(was->published, now->published) && S_same_strv(&was->pii_allow, &now->pii_allow);
}

/* The front matter: 0 with *meta filled and *split holding the body, when
 * it passes with nothing reported in d. */
static int S_front(const cb_site *site, const cb_doc *doc, const char *data, size_t len, cb_split *split,
		   cb_meta *meta, cb_diags *d)
{
	if (len > CB_MAX_DOC_SIZE || memchr(data, '\0', len))
		return -1;
	if (cb_frontmatter_split(data, len, doc->path, split, d) != 0)
		return -1;
	cb_pubcheck_controls(doc->path, data, len, d);
	int rc = cb_schema_check(split->meta, doc->path, site->has_taxonomy ? &site->tax.ids : NULL,
				 &site->agencies, meta, d);
	if (!meta->draft)
		cb_placeholder_check(doc->path, data, len, d);
	if (rc == 0 && d->errors == 0 && S_same_place(&doc->meta, meta)) {
		cb_pii_check(doc->path, data, len, &meta->pii_allow, site->pii_names, d);
		cb_pubcheck_file_name(doc->path, site->cfg.content_dir, &meta->pii_allow, site->pii_names, d);
	}
	return rc == 0 && d->errors == 0 && S_same_place(&doc->meta, meta) ? 0 : -1;
}

/* The body: 0 with *md filled when it passes with nothing reported. */
static int S_body(const cb_site *site, const cb_split *split, const cb_meta *meta, const char *path,
		  cb_mdoc *md, cb_diags *d)
{
	S_links lc = {site, false};
	cb_lvocab *vocab = cb_lvocab_new(&site->cfg.learning_headings, site->cfg.learning_headings_only);
	cb_md_learning lh = {vocab, &meta->learning_headings};
	cb_markdown_render_ex(split->body, split->body_len, split->body_line, path, S_resolve, &lc, &lh, md,
			      d);
	if (!lc.other && d->errors == 0) {
		cb_learning_check(vocab, meta, md, site->has_taxonomy ? &site->tax.ids : NULL, path,
				  split->body_line, d);
		cb_pubcheck_body(path, &md->pub, split->body, split->body_len, split->body_line,
				 &meta->pii_allow, site->pii_names, d);
	}
	cb_pubtext_free(&md->pub);
	cb_lvocab_free(vocab);
	return !lc.other && d->errors == 0 ? 0 : -1;
}

/* The site's theme groups name their themes with the documents' own
 * strings: the old ones go with the site (site->retired), not now. */
static void S_retire_themes(cb_site *site, cb_doc *doc)
{
	cb_strv *keep = cb_xcalloc(1, sizeof *keep);
	*keep = doc->meta.themes;
	memset(&doc->meta.themes, 0, sizeof doc->meta.themes);
	site->retired = cb_xrealloc(site->retired, (site->nretired + 1) * sizeof *site->retired);
	site->nretired_points =
	    cb_xrealloc(site->nretired_points, (site->nretired + 1) * sizeof *site->nretired_points);
	site->retired[site->nretired] = keep;
	site->nretired_points[site->nretired++] = 1;
}

int cb_quick_document(cb_site *site, size_t i, const char *data, size_t len)
{
	cb_doc *doc = &site->docs[i];
	if (doc->source)
		return 1;
	cb_diags d = CB_DIAGS_INIT;
	cb_split split = {0};
	cb_meta meta;
	memset(&meta, 0, sizeof meta);
	cb_mdoc md;
	memset(&md, 0, sizeof md);
	int rc = S_front(site, doc, data, len, &split, &meta, &d);
	if (rc == 0)
		rc = S_body(site, &split, &meta, doc->path, &md, &d);
	cb_split_free(&split);
	cb_diags_free(&d);
	if (rc != 0) {
		cb_meta_free(&meta);
		cb_mdoc_free(&md);
		return 1;
	}
	/* A link to itself is no link, as the load has it. */
	size_t w = 0;
	for (size_t k = 0; k < md.nlinks; k++)
		if (md.links[k] != (int)i)
			md.links[w++] = md.links[k];
	md.nlinks = w;
	/* Each point's themes were worked out for the old points; the page
	 * does not show them, and the full build works them out again. */
	for (size_t k = 0; doc->pthemes && k < doc->md.nlearning; k++)
		cb_strv_free(&doc->pthemes[k]);
	free(doc->pthemes);
	doc->pthemes = NULL;
	S_retire_themes(site, doc);
	cb_meta_free(&doc->meta);
	cb_mdoc_free(&doc->md);
	doc->meta = meta;
	doc->md = md;
	/* The body is the document's own now (md.html), not the store's. */
	memset(&doc->html_ref, 0, sizeof doc->html_ref);
	memset(&doc->text_ref, 0, sizeof doc->text_ref);
	return 0;
}
