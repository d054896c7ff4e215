/* libFuzzer target: the import readers' XML and text paths and the draft
 * made from what they read (generator/import/). The first byte chooses the
 * reader — Word body XML, OpenDocument content XML, HTML or plain text —
 * and the rest is its input. Besides the sanitizers' checks it asserts
 * what the readers promise: every block's text valid UTF-8 with no control
 * characters or doubled or edge spaces, links inside their text, and a
 * draft whose Markdown is valid UTF-8. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/draft.h"
#include "import/import.h"
#include "import/import_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void S_check_doc(const cb_import_doc *doc)
{
	for (size_t i = 0; i < doc->nblocks; i++) {
		const cb_import_block *b = &doc->blocks[i];
		size_t n = strlen(b->text), bad;
		if (!cb_utf8_valid(b->text, n, &bad))
			abort();
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)b->text[k] < 0x20 || (b->text[k] == ' ' && b->text[k + 1] == ' '))
				abort();
		if (b->kind != CB_IMPORT_ROW && (n == 0 || b->text[0] == ' ' || b->text[n - 1] == ' '))
			abort();
		for (size_t k = 0; k < b->nlinks; k++)
			if (b->links[k].len == 0 || b->links[k].off > n ||
			    b->links[k].len > n - b->links[k].off)
				abort();
	}
	cb_draft_opts o = {NULL, NULL, "2024-01-01", NULL, NULL, "fuzz", "../files/x.pdf", "PDF", NULL, NULL};
	cb_draft d;
	cb_draft_make(doc, &o, &d);
	size_t bad;
	if (!cb_utf8_valid(d.markdown, strlen(d.markdown), &bad) || !cb_date_valid(d.date))
		abort();
	cb_draft_free(&d);
	free(cb_import_text(doc));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* A copy of exactly the input, so reading past the end is caught. */
	size_t len = size - 1;
	char *copy = malloc(len ? len : 1);
	memcpy(copy, data + 1, len);
	cb_import_doc *doc = calloc(1, sizeof *doc);
	cb_error err;
	int rc;
	switch (data[0] & 3) {
	case 0: rc = cb_imp_docx_body("fuzz.docx", copy, len, doc, &err); break;
	case 1: rc = cb_imp_odt_body("fuzz.odt", copy, len, doc, &err); break;
	case 2:
		cb_import_doc_free(doc);
		doc = NULL;
		rc = cb_import_read_mem("fuzz.html", copy, len, &doc, &err);
		break;
	default:
		cb_import_doc_free(doc);
		doc = NULL;
		rc = cb_import_read_mem("fuzz.txt", copy, len, &doc, &err);
		break;
	}
	if (rc == 0)
		S_check_doc(doc);
	cb_import_doc_free(doc);
	free(copy);
	return 0;
}
