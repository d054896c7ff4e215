/*
 * docdata: a document as template data, made the same way for the site's
 * pages (render.c) and for a supervision pack (cli/cmd_pack.c). Which
 * front matter fields go where is said once, in cb_fields (schema.h).
 */
#ifndef CB_DOCDATA_H
#define CB_DOCDATA_H

#include "schema.h"
#include "value.h"

/* Sets in map every field of m whose row in cb_fields has use
 * (CB_FIELD_PAGE or CB_FIELD_PACK): a text as it is, "" when not given; a
 * date with NAME_label beside it (cb_date_label), only when given; a list
 * as a list of strings. */
void cb_docdata_fields(cb_value *map, const cb_meta *m, unsigned use);

/* m's actions as a list of maps: action, owner, due, due_label, rag,
 * rag_label (cb_rag_label: "Not rated" when none), evidence, and overdue
 * (due before today and not done). */
cb_value *cb_docdata_actions(const cb_meta *m, const char *today);

#endif
