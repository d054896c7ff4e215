/*
 * import: reads a Word (.docx), OpenDocument (.odt), PDF, HTML or plain
 * text file into one intermediate form — a list of blocks (headings,
 * paragraphs, list items, table rows) with their links, and the file's
 * metadata (title, author, last modified by, comments). `casebook import`
 * turns it into a draft document; the attachment check reads the text and
 * metadata of attached files through the same readers.
 *
 * Every reader treats its input as hostile: files over CB_IMPORT_MAX_FILE
 * bytes are refused, a zip is never decompressed past
 * CB_IMPORT_MAX_UNZIPPED bytes, XML is parsed with no network, no DTD and
 * no entity substitution, and PDFs are read by poppler's pdftotext run as
 * a separate program with a time and memory limit. A failure returns -1
 * with a message in err that says what is wrong with the file and what to
 * do about it (err.file is the path; line and column when known); nothing
 * is returned then.
 *
 * libxml2 and libzip are loaded only when a Word, OpenDocument or HTML
 * file is read (dlopen), so that no other command pays for loading them.
 *
 * Text in blocks is UTF-8 and already normalised: every kind of space is a
 * plain space, zero-width characters and soft hyphens are gone, ligatures
 * are spelt out, runs of spaces are one space, and there are no leading or
 * trailing spaces. Not thread-safe while the libraries are first loaded;
 * reading different files from several threads afterwards is safe.
 */
#ifndef CB_IMPORT_H
#define CB_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

/* The documented limits (README.md, casebook(1)). */
#define CB_IMPORT_MAX_FILE (50u * 1024u * 1024u)      /* bytes of the file itself */
#define CB_IMPORT_MAX_UNZIPPED (200u * 1024u * 1024u) /* bytes decompressed, all parts */
#define CB_IMPORT_MAX_TEXT (64u * 1024u * 1024u)      /* bytes of text a PDF may give */
#define CB_IMPORT_PDF_SECONDS 60		      /* pdftotext's time limit */

typedef enum {
	CB_IMPORT_UNKNOWN = 0,
	CB_IMPORT_DOCX,
	CB_IMPORT_ODT,
	CB_IMPORT_PDF,
	CB_IMPORT_HTML,
	CB_IMPORT_TEXT
} cb_import_format;

typedef enum {
	CB_IMPORT_HEADING,   /* level 1 (the title) to 6 */
	CB_IMPORT_PARAGRAPH, /* level 0 */
	CB_IMPORT_ITEM,	     /* a list item; level = nesting depth from 0; ordered or not */
	CB_IMPORT_ROW	     /* a table row: cells; table numbers consecutive rows' table */
} cb_import_kind;

/* A link inside a block's text: bytes [off, off+len) of text point at href. */
typedef struct cb_import_link {
	size_t off, len;
	char *href;
} cb_import_link;

typedef struct cb_import_block {
	cb_import_kind kind;
	int level;
	bool ordered;	       /* items: a numbered list */
	int table;	       /* rows: 1, 2, … for the file's tables; 0 otherwise */
	bool header;	       /* rows: a header row */
	int page;	       /* PDF: 1-based page; 0 for other formats */
	char *text;	       /* never NULL; for rows, the cells joined by " | " */
	cb_strv cells;	       /* rows: each cell's text */
	cb_import_link *links; /* in text; NULL when none */
	size_t nlinks;
} cb_import_block;

typedef struct cb_import_doc {
	cb_import_format format;
	char *title;		/* from the file's own metadata; NULL when it has none */
	char *author;		/* creator; NULL when unknown */
	char *last_modified_by; /* NULL when unknown */
	char *created;		/* as the file records it (ISO 8601 when it is); NULL when unknown */
	char *modified;		/* likewise */
	cb_strv comments;	/* review comments, each "Author: text" */
	int pages;		/* PDF pages; 0 for other formats */
	cb_import_block *blocks;
	size_t nblocks;
} cb_import_doc;

/* The format a file name's extension names (.docx, .odt, .pdf, .html or
 * .htm, .txt or .text, any case); CB_IMPORT_UNKNOWN otherwise. */
cb_import_format cb_import_format_of(const char *path);
/* "Word", "OpenDocument", "PDF", "HTML", "text" or "unknown". */
const char *cb_import_format_name(cb_import_format f);

/* Reads the file at path, choosing the reader by its content (the
 * extension only decides between HTML and text, which look alike). 0 with
 * *out (caller frees with cb_import_doc_free), or -1 with err. */
int cb_import_read(const char *path, cb_import_doc **out, cb_error *err);

/* The same for a file already in memory (an attachment read from git);
 * name is used for messages and for the extension. */
int cb_import_read_mem(const char *name, const char *data, size_t len, cb_import_doc **out, cb_error *err);

/* All the text of the document — blocks one per line, the cells of a row
 * separated by " | ", then the metadata values and the comments — for
 * checking it for personal data. Caller frees. */
char *cb_import_text(const cb_import_doc *doc);

void cb_import_doc_free(cb_import_doc *doc);

#endif
