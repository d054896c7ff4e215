/*
 * import_int: what the readers of generator/import/ share and nothing
 * else includes — building blocks with normalised text, the libraries
 * loaded on first use (libxml2, libzip), the safe XML and zip helpers, and
 * each reader's entry point. The public interface is import.h.
 */
#ifndef CB_IMPORT_INT_H
#define CB_IMPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "import.h"

/* ---- building blocks (doc.c) ---- */

/* Text being collected for one block: what is appended is normalised as it
 * comes (spaces folded, invisible characters dropped, ligatures spelt out),
 * so link offsets stay right. */
typedef struct cb_imp_text {
	cb_buf b;
	cb_import_link *links;
	size_t nlinks, cap;
	size_t link_start; /* offset where the open link began */
	char *link_href;   /* the open link's target; NULL when none is open */
} cb_imp_text;

#define CB_IMP_TEXT_INIT                                                                                     \
	{                                                                                                    \
		CB_BUF_INIT, NULL, 0, 0, 0, NULL                                                             \
	}

void cb_imp_text_put(cb_imp_text *t, const char *s, size_t n);
void cb_imp_text_puts(cb_imp_text *t, const char *s);
/* A link around what is appended until cb_imp_text_link_end. */
void cb_imp_text_link_begin(cb_imp_text *t, const char *href);
void cb_imp_text_link_end(cb_imp_text *t);
bool cb_imp_text_empty(const cb_imp_text *t);
void cb_imp_text_clear(cb_imp_text *t);

/* Appends a block holding t's text and links (trimmed); empties t. Blank
 * text adds nothing and returns NULL. */
cb_import_block *cb_imp_add(cb_import_doc *doc, cb_import_kind kind, int level, cb_imp_text *t);
/* Appends a table row of the given cells (each normalised). */
cb_import_block *cb_imp_add_row(cb_import_doc *doc, int table, bool header, const cb_strv *cells);

/* s[0..n) normalised as block text is. Caller frees. */
char *cb_imp_norm(const char *s, size_t n);
/* Stores a metadata value (normalised; blank leaves *field NULL). */
void cb_imp_meta(char **field, const char *s);

/* ---- passes every reader's blocks get (passes.c) ---- */

/* The length of a list mark at the start of s ("• ", "- ", "1. ", "(a) ")
 * with the spaces after it; 0 when s does not start with one. *ordered
 * says whether it was a number or letter. */
size_t cb_imp_list_mark(const char *s, size_t n, bool *ordered);
/* Paragraphs that start with a list mark become list items, the mark
 * removed. */
void cb_imp_lists(cb_import_doc *doc);
/* Whether a line names a usual section of a briefing or review
 * ("Key learning", "3. Recommendations", "Why it matters?"). */
bool cb_imp_section_name(const char *text);
/* Paragraphs marked level -1 (a line standing on its own): the first
 * becomes the title when there is none, and those that name a section
 * become headings. Every paragraph's level is 0 afterwards. */
void cb_imp_headings(cb_import_doc *doc);

/* ---- libraries loaded on first use (libs.c) ---- */

struct _xmlDoc;
struct _xmlNode;

/* Parses XML (or HTML) with no network access, no DTD loading and no
 * entity substitution; a document that declares a DTD is refused, since
 * Word and OpenDocument parts never do and it is how entity expansion
 * attacks begin. -1 with err naming name and the line. */
int cb_imp_xml_parse(const char *name, const char *data, size_t len, bool html, struct _xmlDoc **out,
		     cb_error *err);
void cb_imp_xml_free(struct _xmlDoc *doc);
struct _xmlNode *cb_imp_xml_root(struct _xmlDoc *doc);

/* A zip archive read from memory. */
typedef struct cb_imp_zip cb_imp_zip;
int cb_imp_zip_open(const char *name, const char *data, size_t len, cb_imp_zip **out, cb_error *err);
/* Reads one member in full, counting its size against the archive's
 * budget of CB_IMPORT_MAX_UNZIPPED bytes. 1 with *data (caller frees),
 * 0 when there is no such member, -1 with err (damaged, encrypted,
 * over the limit). */
int cb_imp_zip_read(cb_imp_zip *z, const char *member, char **data, size_t *len, cb_error *err);
/* Reads one member and parses it as XML (errors name the file and the
 * member): 1 with *doc (free with cb_imp_xml_free), 0 when there is no
 * such member, -1 with err. */
int cb_imp_zip_xml(cb_imp_zip *z, const char *member, struct _xmlDoc **doc, cb_error *err);
void cb_imp_zip_close(cb_imp_zip *z);

/* Element and attribute helpers that do not allocate. */
bool cb_imp_xml_is(const struct _xmlNode *n, const char *ns_prefix_free_name);
/* The value of attribute name (local name, any namespace), or NULL. */
const char *cb_imp_xml_attr(const struct _xmlNode *n, const char *name);
/* Appends the text of n's subtree to buf. */
void cb_imp_xml_text(const struct _xmlNode *n, cb_buf *buf);

/* ---- readers (one per format); each fills doc's blocks and metadata ---- */

int cb_imp_docx(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err);
int cb_imp_odt(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err);
int cb_imp_html(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err);
int cb_imp_plain(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err);
int cb_imp_pdf(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err);

/* The body part alone (word/document.xml; content.xml), with no styles,
 * numbering or links from the other parts: for the fuzz targets. */
int cb_imp_docx_body(const char *name, const char *xml, size_t len, cb_import_doc *doc, cb_error *err);
int cb_imp_odt_body(const char *name, const char *xml, size_t len, cb_import_doc *doc, cb_error *err);

/* The PDF layout parser: pdftotext -bbox-layout's XHTML (words with their
 * boxes) into blocks — headings by size, lists by bullet, number or
 * indent, paragraphs with words hyphenated across lines joined, and
 * repeated page headers, footers and page numbers dropped. */
int cb_imp_pdf_layout(const char *name, const char *xhtml, size_t len, cb_import_doc *doc, cb_error *err);

#endif
