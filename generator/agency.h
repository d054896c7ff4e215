/*
 * agency: the agencies and professions a document is written for, its
 * front matter's `audience:`. Agencies are defined like themes: casebook
 * ships a list of ids, each with a label and the names people use for it
 * (README "Agencies"), and a repository adds to it, or changes an entry,
 * with a file named by `agencies:` in casebook.yml, written like the
 * taxonomy under "agencies:". An entry of the file with a shipped id
 * replaces that agency's label (with the id made readable when it gives
 * none) and adds its synonyms to the agency's: documents that used its
 * names stay valid. A name two entries share stands for the file's.
 *
 * A value is matched against every id, label and synonym ignoring case,
 * punctuation and plurals ("Health Visitors" is health-visiting, "A&E" is
 * emergency-department), and stands for that agency's id: the one name its
 * listing page (audiences/<id>.html) and every label come from.
 *
 * A table is read-only once made: lookups are thread-safe.
 */
#ifndef CB_AGENCY_H
#define CB_AGENCY_H

#include <stddef.h>

#include "config.h"

typedef struct cb_agency_key cb_agency_key;

typedef struct cb_agencies {
	cb_theme_def *v; /* the shipped entries in their order (as the file changed them),
			    then the file's new ones in its order; line 0 for a shipped one */
	size_t n;
	cb_agency_key *keys; /* every id, label and synonym, normalised and sorted */
	size_t nkeys;
} cb_agencies;

/* Fills a with the shipped list. Free with cb_agencies_free. */
void cb_agencies_init(cb_agencies *a);
/* Adds the entries of an agencies file (cb_agencies_file_load); an entry
 * with an id a has gives it its label and more names. */
void cb_agencies_add(cb_agencies *a, const cb_taxonomy *defs);
void cb_agencies_free(cb_agencies *a); /* NULL-safe */

/* The shipped list, made once (thread-safe). */
const cb_agencies *cb_agencies_shipped(void);

/* The agency value names (by id, label or synonym); NULL when none. */
const cb_theme_def *cb_agency_find(const cb_agencies *a, const char *value);
/* The id of the agency value is closest to (a misspelling); NULL when
 * none is close. */
const char *cb_agency_suggest(const cb_agencies *a, const char *value);
/* The label of agency id; for an id a lacks, the id made readable
 * ("youth-justice" -> "Youth justice"). Caller frees. */
char *cb_agency_label(const cb_agencies *a, const char *id);

/* The form values are compared in: lower case, words separated by one
 * space, '&' the word "and", apostrophes dropped, each word singular
 * ("Children's Services" -> "children service"). Caller frees. */
char *cb_agency_key_of(const char *s);

#endif
