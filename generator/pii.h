/*
 * pii: the personal-data check. Finds what must never be published from a
 * safeguarding review — NHS numbers (only those that pass the Modulus 11
 * check), full UK postcodes, UK phone numbers, e-mail addresses, National
 * Insurance numbers, dates of birth (a full date next to "born", "DOB",
 * "date of birth") and names from a deny-list (also written "Surname,
 * Forename" and "F. Surname") — in a document's text folded to what a
 * reader sees (textnorm.h: every space, hidden characters, full-width and
 * other compatibility forms), every finding at the author's line and
 * column. pubcheck.h applies it to what a build publishes.
 *
 * The scanners are hand-written and make one pass over the text together;
 * see pii.c for what each one accepts and the false alarms it avoids.
 */
#ifndef CB_PII_H
#define CB_PII_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

typedef enum {
	CB_PII_NHS_NUMBER,
	CB_PII_NI_NUMBER,
	CB_PII_EMAIL,
	CB_PII_PHONE,
	CB_PII_POSTCODE,
	CB_PII_DATE_OF_BIRTH,
	CB_PII_NAME,
	CB_PII_NKINDS
} cb_pii_kind;

/* One finding: bytes [off, off + len) of the text scanned. */
typedef struct cb_pii_hit {
	cb_pii_kind kind;
	size_t off;
	size_t len;
} cb_pii_hit;

/* "pii-nhs-number", "pii-postcode", …: the rule id of a kind. */
const char *cb_pii_rule(cb_pii_kind kind);
/* "NHS number", "full postcode", …: what a kind is called in messages. */
const char *cb_pii_label(cb_pii_kind kind);

/* True when digits (exactly ten ASCII digits) form a valid NHS number:
 * the Modulus 11 check digit (DOMAIN.md) matches the tenth digit. */
bool cb_pii_nhs_valid(const char *digits);

/* A deny-list of names (children, family members, professionals). */
typedef struct cb_pii_names cb_pii_names;

/* Parses a deny-list: one name per line; blank lines and lines starting
 * with '#' are skipped, spacing inside a name does not matter and matching
 * ignores ASCII case. A name of two or more words also matches as
 * "Surname, Forename" and "F. Surname" (the surname is the last word); a
 * possessive ("Smith's") holds the name; a one-word entry matches that
 * word. text may be NULL (an empty list). Never fails. Caller frees with
 * cb_pii_names_free. */
cb_pii_names *cb_pii_names_parse(const char *text, size_t len);
/* The number of names listed (not counting their other forms). */
size_t cb_pii_names_count(const cb_pii_names *names);
/* Feeds what the list matches (every form of every name) to h. */
void cb_pii_names_hash(const cb_pii_names *names, cb_hash *h);
void cb_pii_names_free(cb_pii_names *names);

/* Scans text[0..len) for every kind (names only when names is not NULL).
 * Overlapping findings are merged, keeping the one of the lowest kind (an
 * e-mail address rather than the name inside it). Sets *hits to a new
 * array sorted by offset (caller frees; NULL when there are none) and
 * returns how many there are. text need not be NUL-terminated. */
size_t cb_pii_scan(const char *text, size_t len, const cb_pii_names *names, cb_pii_hit **hits);

/* True when value (len bytes) is listed in allow, comparing both with
 * ASCII case folded and spacing ignored (spaces, tabs, newlines, no-break
 * spaces, '-', '(' and ')'). */
bool cb_pii_allowed(const char *value, size_t len, const cb_strv *allow);

/* Checks one document: text is its whole content as committed (front
 * matter and body; a leading byte order mark is skipped) and file its
 * repository-relative path. The text is folded (textnorm.h) before it is
 * scanned; every finding not in allow is added to d as an error at its
 * line and column in text. Returns the number of errors added. */
size_t cb_pii_check(const char *file, const char *text, size_t len, const cb_strv *allow,
		    const cb_pii_names *names, cb_diags *d);

/* Where the bytes of a checked text came from: from off on (up to the
 * next anchor), line and col of file; line 0: the file as a whole. */
typedef struct cb_pii_anchor {
	size_t off;
	int line, col;
} cb_pii_anchor;

typedef struct cb_pii_where {
	const char *file;
	const cb_pii_anchor *at; /* sorted by off; NULL: positions counted in the text itself */
	size_t nat;
	const char *context; /* NULL, or words added after the finding, such as " in the file name" */
	const cb_strv *skip; /* NULL, or findings already reported (as found adds them): not again */
} cb_pii_where;

/* cb_pii_check for a text from anywhere (a rendered body, a file name, an
 * output file), described by w. When found is not NULL, each finding
 * reported is added to it as "LINE:VALUE" (the value with case folded
 * and spacing dropped, as pii-allow compares), so a later check can skip
 * it; a value is reported once per line and column. Returns the errors
 * added. */
size_t cb_pii_check_text(const cb_pii_where *w, const char *text, size_t len, const cb_strv *allow,
			 const cb_pii_names *names, cb_diags *d, cb_strv *found);

#endif
