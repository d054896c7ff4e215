/* libFuzzer target: the personal-data detectors (pii.h). The input is a
 * deny-list of names and a text, separated by the first 0xFF byte (no such
 * byte: no deny-list). Besides the sanitizers' checks, it asserts what the
 * scan promises: findings in bounds, sorted, not overlapping; every NHS
 * number passes Modulus 11; a finding listed in pii-allow is not reported. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "pii.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0xFF, size);
	cb_pii_names *names = NULL;
	const char *text = (const char *)data;
	size_t len = size;
	if (sep) {
		names = cb_pii_names_parse((const char *)data, (size_t)(sep - data));
		text = (const char *)sep + 1;
		len = size - (size_t)(sep - data) - 1;
	}
	/* A copy of exactly len bytes, so reading past the end is caught. */
	char *copy = malloc(len ? len : 1);
	if (len)
		memcpy(copy, text, len);

	cb_pii_hit *hits;
	size_t n = cb_pii_scan(copy, len, names, &hits);
	for (size_t i = 0; i < n; i++) {
		const cb_pii_hit *h = &hits[i];
		if (h->len == 0 || h->off > len || h->len > len - h->off || h->kind >= CB_PII_NKINDS)
			abort();
		if (i > 0 && h->off < hits[i - 1].off + hits[i - 1].len)
			abort();
		if (h->kind == CB_PII_NHS_NUMBER) {
			char digits[11];
			size_t k = 0;
			for (size_t j = h->off; j < h->off + h->len; j++)
				if (copy[j] >= '0' && copy[j] <= '9') {
					if (k == 10)
						abort();
					digits[k++] = copy[j];
				}
			digits[k] = '\0';
			if (k != 10 || !cb_pii_nhs_valid(digits))
				abort();
		}
	}

	/* The whole check, then again with the first finding allowed. The
	 * check folds the text first (textnorm.h), so it may find more than
	 * the raw scan above: compare it with itself. */
	cb_strv allow = CB_STRV_INIT;
	cb_diags d0 = CB_DIAGS_INIT;
	size_t errors0 = cb_pii_check("content/fuzz.md", copy, len, &allow, names, &d0);
	if (errors0 != d0.errors)
		abort();
	cb_diags_free(&d0);
	if (n)
		cb_strv_push_own(&allow, cb_xstrndup(copy + hits[0].off, hits[0].len));
	cb_diags d = CB_DIAGS_INIT;
	size_t errors = cb_pii_check("content/fuzz.md", copy, len, &allow, names, &d);
	/* Allowing a value never adds a finding. (That it removes one is not
	 * checked here: the raw scan's text may be reported by the folding
	 * check under another spelling, which the unit tests cover.) */
	if (errors != d.errors || errors > errors0)
		abort();
	if (n && !cb_pii_allowed(copy + hits[0].off, hits[0].len, &allow))
		abort();

	cb_diags_free(&d);
	cb_strv_free(&allow);
	free(hits);
	free(copy);
	cb_pii_names_free(names);
	return 0;
}
