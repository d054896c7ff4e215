/* libFuzzer target: a whole document through the Markdown pipeline — front
 * matter split, then cmark-gfm with link rewriting, heading ids and
 * learning-point extraction — the path every document body takes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"
#include "frontmatter.h"
#include "markdown.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two documents exist: one visible, one outside the audience; and one
 * attachment, beside a file outside the content folder. */
static cb_link_status S_resolve(void *ctx, const char *path, int line, int col, char **href, int *target)
{
	if (strcmp(path, "content/chart.png") == 0) {
		*href = cb_xstrdup("../files/chart.png");
		*target = -1;
		return CB_LINK_OK;
	}
	if (strncmp(path, "content/", 8) != 0)
		return CB_LINK_OUTSIDE;
	if (strcmp(path, "content/a.md") == 0) {
		*href = cb_xstrdup("../documents/a.html");
		*target = 0;
		return CB_LINK_OK;
	}
	return strcmp(path, "content/secret.md") == 0 ? CB_LINK_HIDDEN : CB_LINK_MISSING;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	const char *body = (const char *)data;
	size_t len = size;
	int line = 1;
	bool split = cb_frontmatter_split((const char *)data, size, "content/fuzz.md", &s, &d) == 0;
	if (split) {
		body = s.body;
		len = s.body_len;
		line = s.body_line;
	} else if (!cb_utf8_valid(body, len, NULL) || memchr(body, 0, len)) {
		/* The pipeline never hands such bytes to the renderer. */
		cb_diags_free(&d);
		return 0;
	}
	cb_mdoc m;
	cb_markdown_render(body, len, line, "content/fuzz.md", S_resolve, NULL, &m, &d);
	cb_mdoc_free(&m);
	if (split)
		cb_split_free(&s);
	cb_diags_free(&d);
	return 0;
}
