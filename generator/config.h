/*
 * config: the repository's optional casebook.yml, and the taxonomy and
 * glossary files it points at. A repository with only a content/ folder
 * builds with the defaults.
 */
#ifndef CB_CONFIG_H
#define CB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"
#include "value.h"

typedef struct cb_config {
	char *title;	      /* site title; default "Learning from case reviews" */
	char *description;    /* one line under the title; may be NULL */
	char *content_dir;    /* default "content" */
	char *theme;	      /* default "default" */
	char *taxonomy_file;  /* default "<content>/taxonomy.yml" */
	char *glossary_file;  /* default "<content>/glossary.yml" */
	char *agencies_file;  /* agencies: more agencies (agency.h); NULL: none */
	char *pii_names_file; /* deny-list of names (pii-names:); NULL: "<content>/pii-names.txt" if present;
				starting with '/' or '~': a file outside the repository */
	char *base_url;	      /* absolute site address for feed and sitemap; may be NULL */
	char *language;	      /* default "en-GB" */
	char *a11y_contact;   /* accessibility-contact: how to report an accessibility problem; may be NULL */
	cb_strv plugins;      /* plugin names in order; see plugins_set */
	struct cb_plugin_conf *plugin_confs; /* the same entries with their options */
	bool plugins_set;	       /* casebook.yml has 'plugins:'; when false the default set runs */
	long long plugin_instructions; /* plugin-limits: instructions per hook call; 0: default */
	long long plugin_memory_mb;    /* plugin-limits: memory-mb per plugin; 0: default */
	cb_strv learning_headings;     /* learning-headings: added to the defaults (learning.h) */
	bool learning_headings_only;   /* learning-headings: {only: [...]}: instead of the defaults */
	double plugin_seconds;	       /* plugin-limits: seconds per plugin per build; 0: default */
	bool allow_shallow;	       /* allow-shallow: build a shallow clone with the history it has */
	long long attachment_max_mb;   /* attachment-max-mb: the largest attachment; default 20 */
	bool encrypt; /* encrypt: true — internal and restricted builds are encrypted by default */
	struct cb_partner *sources; /* sources: partner repositories (partner.h), in file order */
	size_t nsources;
	bool search_db; /* search-db: true — casebook.db in the output, as with build --with-db */
} cb_config;

/* One entry of 'plugins:', written as a name or as {name: N, options: {...}}. */
typedef struct cb_plugin_conf {
	char *name;
	cb_value *options; /* a map (owned); empty when none were given */
	int line, col;	   /* where casebook.yml names it */
	/* Where each option's name is written: option_names[i] at
	 * option_lines[i], option_cols[i] (owned; NULL when none). */
	cb_strv option_names;
	int *option_lines, *option_cols;
} cb_plugin_conf;

typedef struct cb_theme_def {
	char *id;
	char *label;	   /* default: the id with dashes as spaces, capitalised */
	char *description; /* may be NULL */
	cb_strv synonyms;
	int line;
} cb_theme_def;

typedef struct cb_taxonomy {
	cb_theme_def *themes; /* in file order */
	size_t n;
	cb_strv ids; /* the ids, sorted, for lookups and suggestions */
} cb_taxonomy;

typedef struct cb_glossary_term {
	char *term;	   /* e.g. "MASH" */
	char *expansion;   /* e.g. "Multi-Agency Safeguarding Hub" */
	char *description; /* may be NULL */
} cb_glossary_term;

typedef struct cb_glossary {
	cb_glossary_term *terms; /* sorted by term, case-insensitively */
	size_t n;
} cb_glossary;

/* Fills cfg with defaults, then (text not NULL) with what casebook.yml
 * says. Problems go to d with file:line:col; returns -1 on errors, and cfg
 * then keeps the default for each setting in error. Paths are relative to
 * the repository root, without trailing '/'; base_url has no trailing '/'.
 * Free with cb_config_free. */
int cb_config_load(const char *text, size_t len, const char *file, cb_config *cfg, cb_diags *d);
void cb_config_free(cb_config *cfg);

/* taxonomy.yml: a mapping "themes:" whose keys are theme ids, each with
 * label, description and synonyms (all optional; "id: Label" is short for
 * a label alone). text NULL (no file) gives an empty taxonomy. */
int cb_taxonomy_load(const char *text, size_t len, const char *file, cb_taxonomy *tax, cb_diags *d);
/* The agencies file casebook.yml names with 'agencies:' (agency.h): the
 * same form under "agencies:", each key an agency id. */
int cb_agencies_file_load(const char *text, size_t len, const char *file, cb_taxonomy *defs, cb_diags *d);
const cb_theme_def *cb_taxonomy_find(const cb_taxonomy *tax, const char *id);
void cb_taxonomy_free(cb_taxonomy *tax);

/* glossary.yml: a mapping "terms:" from term to either its expansion, or a
 * mapping with expansion and description. text NULL gives an empty one. */
int cb_glossary_load(const char *text, size_t len, const char *file, cb_glossary *g, cb_diags *d);
void cb_glossary_free(cb_glossary *g);

/* "Was not brought" from "was-not-brought"; caller frees. */
char *cb_label_from_id(const char *id);

#endif
