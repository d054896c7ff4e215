/*
 * site: the site model. Loads everything a build needs from the repository
 * (configuration, taxonomy, glossary, documents and their history), checks
 * it, keeps only what the chosen audience may see, and cross-references it:
 * documents sorted newest first, theme groups, links and backlinks.
 *
 * Documents outside the audience are read and checked (so `check` and every
 * build report the same errors) but never enter the model: nothing derived
 * from them reaches a later stage.
 */
#ifndef CB_SITE_H
#define CB_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "agency.h"
#include "config.h"
#include "diag.h"
#include "gitsrc.h"
#include "markdown.h"
#include "schema.h"
#include "textstore.h"
#include "value.h"

typedef struct cb_site_opts {
	const char *repo; /* NULL: the repository containing the current directory */
	const char *ref;  /* NULL: HEAD */
	bool worktree;	  /* read working files instead of the committed tree */
	cb_visibility audience;
	bool drafts;		/* include drafts (never for the public audience) */
	int jobs;		/* threads for parsing; 0: one per core */
	struct cb_cache *cache; /* earlier builds' results (cache.h); NULL: none */
	const char *text_dir;	/* where the text store's file goes (textstore.h); NULL: $TMPDIR */
	bool allow_shallow;	/* build a shallow clone with the history it has (else an error) */
	/* Check every document for personal data, whatever its audience
	 * (casebook check: identifiers belong nowhere in the repository). */
	bool pii_every_audience;
	bool staged; /* read the index (what is about to be committed), not ref or the working files */
} cb_site_opts;

typedef struct cb_doc {
	char *path;	    /* repository-relative source path */
	char *slug;	    /* output file name without ".html"; unique; "NAME/..." for a source's */
	const char *source; /* the partner repository it came from (its name in casebook.yml's
			       sources); NULL for the hub's own */
	char oid[41];	    /* blob id of the source */
	cb_meta meta;
	cb_mdoc md;
	const cb_history *hist; /* NULL when never committed */
	int *linked_from;	/* indices of documents linking here, sorted */
	size_t nlinked_from;
	cb_vpack *extra; /* fields plugins set (a packed map, owned; value.h); NULL when none */
	cb_strv files;	 /* repository paths of the attachments it links to (attach.h) */
	/* md.html and md.text are NULL once the load has moved them to the
	 * site's text store (textstore.h): read them with cb_doc_html and
	 * cb_doc_text. */
	cb_textref html_ref, text_ref;
	/* The themes of each learning point (md.nlearning of them; learning.h),
	 * a subset of meta.themes in its order; NULL before classification. */
	cb_strv *pthemes;
} cb_doc;

typedef struct cb_theme_group {
	const char *id; /* borrowed from a document or the taxonomy */
	char *label;
	const char *description; /* from the taxonomy; may be NULL */
	const cb_strv *synonyms; /* from the taxonomy; may be NULL */
	int *docs;		 /* document indices, in site order */
	size_t ndocs;
} cb_theme_group;

/* An attachment the site carries: files/<path>, bytes as published. */
typedef struct cb_site_file {
	char *path; /* output path, "files/<path under the content folder>" */
	char *data;
	size_t len;
} cb_site_file;

/* A page a plugin added (casebook.add_page), rendered with its template. */
typedef struct cb_page {
	char *path; /* output path, e.g. "glossary.html" or "learning/index.html" */
	char *tpl;  /* template name, e.g. "glossary" */
	char *title;
	char *nav;	/* label in the main navigation; NULL when not listed */
	cb_vpack *data; /* page.data (a packed map, owned; value.h); a document reference is a map {"$doc":
			   index} */
} cb_page;

typedef struct cb_site {
	cb_config cfg;
	cb_taxonomy tax;
	bool has_taxonomy;
	cb_agencies agencies; /* the shipped agencies and the repository's (agency.h) */
	cb_glossary glossary;
	cb_visibility audience;
	cb_doc *docs; /* in the audience; newest first, then by path */
	size_t ndocs;
	cb_theme_group *themes; /* themes with documents, by label */
	size_t nthemes;
	cb_history *hist;
	size_t nhist;
	cb_history *pub_hist; /* the histories of documents with 'published:' (see S_published) */
	size_t npub_hist;
	int64_t build_time; /* SOURCE_DATE_EPOCH, else the commit's time */
	char build_date[11];
	char *commit;			/* selected commit id; "" for an empty worktree repo */
	char *workdir;			/* the repository's working folder; NULL when bare */
	size_t nsources;		/* documents read, whatever their audience */
	double pii_seconds;		/* time spent in the personal-data check */
	struct cb_pii_names *pii_names; /* the names deny-list (owned), for the output's last scan */
	cb_strv pii_allow;		/* every published document's pii-allow values, ditto */
	cb_page *pages;			/* pages added by plugins, in the order added */
	size_t npages;
	cb_source *plugin_srcs; /* the repository's plugins/NAME.lua files, by path */
	size_t nplugin_srcs;
	cb_source *theme_srcs; /* the repository's themes/<theme>/ files (overrides), by path */
	size_t ntheme_srcs;
	cb_textstore *text;  /* documents' HTML and text (owned) */
	cb_site_file *files; /* attachments of the documents in the site, by path */
	size_t nfiles;
	/* Point themes replaced after plugins changed themes: another thread
	 * (the search index's first start) may still read them, so they go
	 * with the site. */
	cb_strv **retired;
	size_t *nretired_points;
	size_t nretired;
} cb_site;

/* Loads and checks the site. Returns CB_STAGE_OK when usable (warnings
 * allowed), CB_STAGE_CONTENT when content errors were reported in d,
 * CB_STAGE_FAILED for a usage or environment problem described in err (no
 * repository, unknown ref, no content). site must be freed with
 * cb_site_free in every case. */
cb_stage_result cb_site_load(const cb_site_opts *opts, cb_site *site, cb_diags *d, cb_error *err);
void cb_site_free(cb_site *site);

/* (Re)builds site->themes from the documents' themes; plugins call it
 * again after they change a document's themes. */
void cb_site_group_themes(cb_site *site);

/* A view of site with its own copy of every document's theme list and of
 * the theme groups, everything else borrowed from site (which must
 * outlive it): what the build's search index starts from while the
 * plugins, which may change themes, are still running. Free with
 * cb_site_view_free (NULL-safe). */
cb_site *cb_site_view_new(const cb_site *site);
void cb_site_view_free(cb_site *view);
/* True when site's themes (each document's list, and the groups) are
 * still as view copied them, so what was made from the view holds. */
bool cb_site_view_current(const cb_site *view, const cb_site *site);

/* A document's body as HTML, and as plain text: new copies (caller
 * frees), wherever they are kept. Thread-safe. */
char *cb_doc_html(const cb_site *site, const cb_doc *d);
char *cb_doc_text(const cb_site *site, const cb_doc *d);
/* What search indexes as the document's body: its text, then the text
 * of the actions its front matter lists (action, owner, evidence), so an
 * action can be found. Caller frees. Thread-safe. */
char *cb_doc_search_text(const cb_site *site, const cb_doc *d);
/* Replaces the body's HTML (plugins do); takes html. Not thread-safe for
 * the same document. */
void cb_doc_set_html(cb_site *site, cb_doc *d, char *html);

/* Gives every learning point its own themes (learning.h): hashtags first
 * join their document's themes, then each point gets those of its
 * document's themes its words or hashtags name; the theme groups are made
 * again. Run at the end of loading and again when plugins changed
 * themes. */
void cb_site_classify_points(cb_site *site);

/* Whether learning point k of d is on theme id. */
bool cb_doc_point_on(const cb_doc *d, size_t k, const char *id);
/* How many of d's learning points are on theme id. */
size_t cb_doc_points_on(const cb_doc *d, const char *id);

#endif
