/* libFuzzer target: arbitrary bytes through the front matter split and the
 * schema check, the path every document in a repository takes. */
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "frontmatter.h"
#include "schema.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_split s;
	if (cb_frontmatter_split((const char *)data, size, "fuzz.md", &s, &d) == 0) {
		/* A small taxonomy, so the unknown-theme path runs too. */
		cb_strv ids = CB_STRV_INIT;
		cb_strv_push(&ids, "neglect");
		cb_strv_push(&ids, "was-not-brought");
		cb_meta m;
		cb_schema_check(s.meta, "fuzz.md", &ids, NULL, &m, &d);
		cb_meta_free(&m);
		cb_strv_free(&ids);
	}
	cb_split_free(&s);
	cb_diags_free(&d);
	return 0;
}
