/*
 * ytree: YAML (front matter, casebook.yml, taxonomy.yml, glossary.yml) read
 * with libyaml into a small tree whose every node remembers the line and
 * column it came from, so later checks can point at the exact place.
 *
 * This is the only module that includes libyaml's yaml.h.
 */
#ifndef CB_YTREE_H
#define CB_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

typedef enum { CB_Y_SCALAR, CB_Y_SEQ, CB_Y_MAP } cb_ytype;

typedef struct cb_ynode cb_ynode;
struct cb_ynode {
	cb_ytype type;
	int line;  /* 1-based, in the file (not the YAML fragment) */
	int col;   /* 1-based */
	char *str; /* scalar text (NUL-terminated); NULL for SEQ/MAP */
	size_t len;
	bool quoted;	  /* scalar was written in quotes or as a block */
	size_t n;	  /* SEQ: items; MAP: pairs */
	cb_ynode **items; /* SEQ items, or MAP values */
	cb_ynode **keys;  /* MAP keys (scalars); NULL for SEQ */
};

/* Parses one YAML document. file names the source in diagnostics and
 * line_offset is added to every line (front matter starts after a "---"
 * line). An empty document gives an empty MAP. Syntax errors, anchors and
 * aliases, tags, non-scalar keys, NUL characters in text, nesting deeper
 * than 64 levels and duplicate keys are reported in d as errors with rule
 * "yaml"/"duplicate-key"; returns -1 then, and *out is NULL.
 * Caller frees with cb_ynode_free. */
int cb_yaml_parse(const char *text, size_t len, const char *file, int line_offset, cb_ynode **out,
		  cb_diags *d);
/* As cb_yaml_parse, naming what is being read in syntax errors, e.g. "the
 * front matter" gives "could not read the front matter: ..."; cb_yaml_parse
 * says "the YAML". */
int cb_yaml_parse_named(const char *text, size_t len, const char *file, int line_offset, const char *what,
			cb_ynode **out, cb_diags *d);
void cb_ynode_free(cb_ynode *n);
/* The value for key in a MAP node; NULL when absent or not a map. */
const cb_ynode *cb_ynode_get(const cb_ynode *map, const char *key);
/* "a mapping", "a list" or "text": for messages. */
const char *cb_ynode_kind(const cb_ynode *n);

#endif
