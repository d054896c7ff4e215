/* libFuzzer target: the PDF layout parser (generator/import/layout.c) on
 * pdftotext -bbox-layout output — pages, flows, blocks, lines and words
 * with their boxes, any numbers in them. It asserts that every block's
 * text is valid UTF-8 with no control characters, that headings have a
 * level from 1 to 4 and that list items are not nested deeper than one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"
#include "import/import_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	cb_import_doc *doc = calloc(1, sizeof *doc);
	cb_error err;
	if (cb_imp_pdf_layout("fuzz.pdf", copy, size, doc, &err) == 0) {
		for (size_t i = 0; i < doc->nblocks; i++) {
			const cb_import_block *b = &doc->blocks[i];
			size_t n = strlen(b->text), bad;
			if (!n || !cb_utf8_valid(b->text, n, &bad))
				abort();
			for (size_t k = 0; k < n; k++)
				if ((unsigned char)b->text[k] < 0x20)
					abort();
			if (b->kind == CB_IMPORT_HEADING && (b->level < 1 || b->level > 4))
				abort();
			if (b->kind == CB_IMPORT_ITEM && (b->level < 0 || b->level > 1))
				abort();
			if (b->kind == CB_IMPORT_PARAGRAPH && b->level != 0)
				abort();
		}
	}
	cb_import_doc_free(doc);
	free(copy);
	return 0;
}
