/*
 * frontmatter: splits a Markdown document into its YAML front matter and
 * body, after checking the bytes are something we can publish at all
 * (size limit, no NUL bytes, valid UTF-8).
 */
#ifndef CB_FRONTMATTER_H
#define CB_FRONTMATTER_H

#include <stddef.h>

#include "diag.h"
#include "ytree.h"

/* The largest document accepted, in bytes. */
#define CB_MAX_DOC_SIZE (1024 * 1024)

typedef struct cb_split {
	cb_ynode *meta;	  /* front matter tree (owned); NULL on error */
	const char *body; /* points into the text given */
	size_t body_len;
	int body_line; /* line number of the body's first line in the file */
} cb_split;

/* Checks and splits text. The front matter must open the file with a line
 * "---" and close with a line "---" (or "..."). Every problem goes to d
 * with its position ([too-large], [binary], [utf8], [no-front-matter],
 * [unclosed-front-matter], [front-matter-not-mapping] and the yaml module's
 * rules); returns -1 then. Positions are file positions, counted after a
 * byte order mark if there is one. The meta node itself is placed at 1:1,
 * the opening "---", where a missing field is reported. */
int cb_frontmatter_split(const char *text, size_t len, const char *file, cb_split *out, cb_diags *d);
void cb_split_free(cb_split *s);

#endif
