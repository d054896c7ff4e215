/*
 * draft: an imported document (import.h) as a casebook draft — front
 * matter with the title, a type guessed from the words it uses, a date
 * found in its text, themes suggested from the taxonomy (those its own
 * learning points are on first) and agencies from the agencies table; and a Markdown body with `##` headings,
 * real lists, tables and links, ending with a link to the original file.
 */
#ifndef CB_IMPORT_DRAFT_H
#define CB_IMPORT_DRAFT_H

#include <stdbool.h>

#include "agency.h"
#include "config.h"
#include "import/import.h"
#include "util.h"

typedef struct cb_draft_opts {
	const char *type;	       /* NULL: guess */
	const char *date;	       /* YYYY-MM-DD; NULL: find it in the text */
	const char *today;	       /* YYYY-MM-DD, when no date is found */
	const cb_strv *themes;	       /* given themes (may be NULL): no suggestions then */
	const cb_taxonomy *tax;	       /* NULL: no themes to suggest */
	const char *fallback_title;    /* when the document has none (the file's name) */
	const char *original_href;     /* link to the kept original, relative to the draft; NULL: none */
	const char *original_label;    /* e.g. "PDF" */
	const cb_agencies *agencies;   /* the agencies to suggest from; NULL: the shipped list */
	const struct cb_lvocab *vocab; /* the learning headings (learning.h); NULL: the defaults */
} cb_draft_opts;

typedef enum { CB_DRAFT_DATE_GIVEN, CB_DRAFT_DATE_FOUND, CB_DRAFT_DATE_TODAY } cb_draft_date_from;

typedef struct cb_draft {
	char *title;
	const char *type;  /* static string */
	bool type_guessed; /* from the text (else given) */
	bool type_unsure;  /* no good guess: "briefing" */
	char date[11];
	cb_draft_date_from date_from;
	char *date_text; /* the words it was found in, when found */
	cb_strv themes;	 /* written (given, or suggested) */
	bool themes_suggested;
	cb_strv agencies;	/* suggested */
	char *markdown;		/* the whole file; owned */
	size_t headings, items; /* how many came through into the body */
} cb_draft;

/* Fills d (free with cb_draft_free). Never fails. */
void cb_draft_make(const cb_import_doc *doc, const cb_draft_opts *o, cb_draft *d);
void cb_draft_free(cb_draft *d);

/* The date in words such as "Published: December 2015", "10 June 2014",
 * "May 2023" or "10/06/2014" (UK order) at the start of s, as YYYY-MM-DD
 * (the 1st when no day is given); the length matched, or 0. */
size_t cb_draft_parse_date(const char *s, char out[11]);

#endif
