/*
 * learning: what makes a learning point and what a point is about.
 *
 * The vocabulary of learning headings: the names real reviews, briefings,
 * audits and inspections give the sections that hold their lessons ("Key
 * learning", "Learning for improved practice", "Lessons learnt
 * (particularly those relevant to a wider audience)", "Recommendations",
 * …), compared after normalising case, punctuation, a parenthetical, the
 * text after a colon, plurals and learnt/learned. casebook.yml may add to
 * the defaults or replace them; a document's front matter may add its own.
 *
 * The classifier: each learning point carries the themes it is about —
 * those of its document's themes whose label or synonyms its text or
 * heading names (words stemmed, the phrase's content words close together
 * in any order; words gathered from inside an agency's name do not count)
 * and those its hashtags (#was-not-brought at the item's end) name. The
 * theme named "information sharing" is also named by a verb of telling or
 * sending whose recipient is a professional, a team or an agency ("those
 * services should be told"), and by such a verb only then.
 *
 * Nothing here includes a third-party header.
 */
#ifndef CB_LEARNING_H
#define CB_LEARNING_H

#include <stdbool.h>
#include <stddef.h>

#include "agency.h"
#include "config.h"
#include "diag.h"
#include "markdown.h"
#include "schema.h"
#include "site.h"
#include "util.h"

/* The default vocabulary, as documented (NULL-terminated). */
extern const char *const cb_learning_default_headings[];

typedef struct cb_lvocab cb_lvocab;

/* A vocabulary: the defaults plus add (may be NULL), or add alone when
 * only is true. Caller frees with cb_lvocab_free. */
cb_lvocab *cb_lvocab_new(const cb_strv *add, bool only);
void cb_lvocab_free(cb_lvocab *v); /* NULL-safe */
/* Whether heading names a learning section for v (NULL: the defaults),
 * with extra (may be NULL) the document's own additions. */
bool cb_lvocab_match(const cb_lvocab *v, const cb_strv *extra, const char *heading);

/* Whether documents of type are expected to hold learning (case-review,
 * briefing, seven-minute-briefing, audit, inspection, cdop-learning). */
bool cb_learning_type(const char *type);

/* The checks of a rendered document's learning: a document of a learning
 * type with no points is warned about ([no-learning], naming its headings
 * and the nearest vocabulary entry, at line); a hashtag naming no theme of
 * theme_ids (NULL: no taxonomy, any id is accepted) is an error
 * [unknown-theme] at its position. */
void cb_learning_check(const cb_lvocab *v, const cb_meta *m, const cb_mdoc *md, const cb_strv *theme_ids,
		       const char *file, int line, cb_diags *d);

typedef struct cb_lclass cb_lclass;

/* A classifier for the themes of tax (NULL or empty: labels come from the
 * ids, "safe-sleep" giving "safe sleep"), knowing the agencies of ag (NULL:
 * the shipped list) as recipients of information and as names that are
 * not themes. Not thread-safe. */
cb_lclass *cb_lclass_new(const cb_taxonomy *tax, const cb_agencies *ag);
void cb_lclass_free(cb_lclass *c); /* NULL-safe */
/* Appends to out each of the n theme ids in cands whose label or a
 * synonym text or heading (either may be NULL) names, in cands' order. */
void cb_lclass_match(cb_lclass *c, const char *text, const char *heading, const char *const *cands, size_t n,
		     cb_strv *out);

/* One document's part of cb_site_classify_points (site.h): its hashtags
 * join its themes, then each point gets those of its themes its words or
 * hashtags name, into d->pthemes (which must be NULL). c is a classifier
 * of the site's taxonomy tax (NULL: none) and agencies, one per thread;
 * p the settings of the source d comes from (NULL: the hub). The result
 * depends on nothing else, so a document's can be kept with its other
 * cached results. */
struct cb_partner;
void cb_doc_classify(cb_lclass *c, const cb_taxonomy *tax, const struct cb_partner *p, cb_doc *d);

/* The hashtags of point lp, split into ids (appended to out). */
void cb_lpoint_tags(const cb_lpoint *lp, cb_strv *out);

#endif
