/*
 * schema: the fields a document's front matter may have, validated into a
 * plain struct. Every problem is reported with its position; unknown keys
 * are warnings with a "did you mean".
 */
#ifndef CB_SCHEMA_H
#define CB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"
#include "ytree.h"

typedef enum { CB_VIS_PUBLIC = 0, CB_VIS_INTERNAL = 1, CB_VIS_RESTRICTED = 2 } cb_visibility;

/* The document types, in the order DESIGN.md lists them: the one table
 * every part of casebook reads a type's label, folder and default
 * visibility from. */
typedef struct cb_doc_type {
	const char *id;		  /* "seven-minute-briefing": what front matter's type: says */
	const char *label;	  /* "7-minute briefing": what readers see */
	const char *folder;	  /* where `casebook new` puts it under the content folder */
	cb_visibility visibility; /* when the front matter says none */
} cb_doc_type;
extern const cb_doc_type cb_doc_type_table[];
/* The same types' ids, in the same order (for lists and suggestions). */
extern const char *const cb_doc_types[];
extern const size_t cb_doc_ntypes;

/* The type with this id; NULL when there is none. */
const cb_doc_type *cb_doc_type_find(const char *id);
/* "case-review, briefing, …": every type id, for messages. */
const char *cb_doc_type_list(void);
/* The label of a type id ("7-minute briefing"); the id itself when it is
 * not a type. */
const char *cb_type_label(const char *type);

typedef struct cb_action {
	char *action;
	char *owner;	/* may be NULL */
	char *due;	/* YYYY-MM-DD or NULL */
	char *rag;	/* "red", "amber", "green", "blue" (done) or NULL */
	char *evidence; /* may be NULL */
	int line;
} cb_action;

typedef struct cb_meta {
	char *title;   /* required */
	char *type;    /* required; one of cb_doc_types */
	char *date;    /* required; YYYY-MM-DD */
	char *summary; /* optional ... */
	char *area;
	char *review;
	char *age_band;
	char *source;		  /* http(s) URL */
	char *review_by;	  /* YYYY-MM-DD */
	char *published;	  /* YYYY-MM-DD: first published before it came into git; NULL */
	cb_visibility visibility; /* default public; supervision-note: restricted */
	bool draft;		  /* status: draft */
	cb_strv themes;		  /* theme ids, in the order written */
	int *theme_lines;	  /* position of each theme id (for later checks) */
	int *theme_cols;
	cb_strv audience;
	cb_strv questions;
	cb_strv pii_allow;
	cb_strv learning_headings; /* this document's own learning headings (learning.h) */
	cb_action *actions;
	size_t nactions;
} cb_meta;

/*
 * The front matter fields: the one table from which the parser's list of
 * known keys, cb_meta_free, the cache record (cache.c), the fields plugins
 * may read and may not set (plugin_data.c), and the text and date fields
 * of a page's and a pack's template data (docdata.h) are all made. A new
 * text field is a member of cb_meta and a row here (and its documentation).
 */
typedef enum {
	CB_FIELD_TEXT,	 /* char *, NULL when not given */
	CB_FIELD_DATE,	 /* char * YYYY-MM-DD; template data adds NAME_label */
	CB_FIELD_LIST,	 /* cb_strv of text items */
	CB_FIELD_THEMES, /* cb_strv of theme ids with their positions; plugins may set it */
	CB_FIELD_OWN	 /* read and kept by code of its own (visibility, status, actions) */
} cb_field_kind;

/* Where a field's value goes besides cb_meta. */
enum {
	CB_FIELD_PAGE = 1,  /* a document page's data, {{doc.NAME}} ("" when not given; a date
			       only when given) */
	CB_FIELD_PACK = 2,  /* a pack's document data, likewise */
	CB_FIELD_PLUGIN = 4 /* plugins read doc.NAME (nil when not given) */
};

typedef struct cb_field {
	const char *key;  /* in the front matter: "age-band" */
	const char *name; /* in template and plugin data: "age_band" */
	cb_field_kind kind;
	size_t offset; /* of the member in cb_meta (TEXT, DATE, LIST, THEMES) */
	unsigned use;  /* CB_FIELD_PAGE | CB_FIELD_PACK | CB_FIELD_PLUGIN */
} cb_field;

extern const cb_field cb_fields[];
extern const size_t cb_nfields;

/* The field with this data name; NULL when none. */
const cb_field *cb_field_named(const char *name);
/* The member f describes in m: a char * (TEXT, DATE) or a cb_strv (LIST,
 * THEMES). */
static inline char *const *cb_field_text(const cb_meta *m, const cb_field *f)
{
	return (char *const *)((const char *)m + f->offset);
}
static inline const cb_strv *cb_field_list(const cb_meta *m, const cb_field *f)
{
	return (const cb_strv *)((const char *)m + f->offset);
}

/* Validates the front matter tree root of file into out. theme_ids, when
 * not NULL, is the set of known theme ids (from the taxonomy): an unknown
 * theme is then an error with a "did you mean". Each value of 'audience'
 * becomes the id of the agency of agencies (NULL: the shipped list;
 * agency.h) it names; one that names none is an error with a "did you
 * mean". Returns 0 when there were no
 * errors (warnings allowed), -1 otherwise; out is filled as far as possible
 * either way and must be freed with cb_meta_free. */
struct cb_agencies;
int cb_schema_check(const cb_ynode *root, const char *file, const cb_strv *theme_ids,
		    const struct cb_agencies *agencies, cb_meta *out, cb_diags *d);
void cb_meta_free(cb_meta *m);

const char *cb_visibility_name(cb_visibility v);
/* The visibility (or audience) named s: "public", "internal" or
 * "restricted". 0, or -1 when s names none. */
int cb_visibility_parse(const char *s, cb_visibility *out);
/* Every visibility's name, least restricted first, and how many. */
extern const char *const cb_visibility_names[];
extern const size_t cb_nvisibilities;

/* RAG ratings, BRAG style: "red", "amber", "green" or "blue" (done) for
 * what a document wrote (any case; "complete" is blue); NULL when it is
 * none of them. */
const char *cb_rag_parse(const char *s);
/* "Red", …, "Blue (complete)"; "Not rated" for NULL. */
const char *cb_rag_label(const char *rag);
/* Done, so never overdue: blue, and green (on track, as before BRAG). */
bool cb_rag_done(const char *rag);

#endif
