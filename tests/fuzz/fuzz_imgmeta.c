/* libFuzzer target: the image metadata stripper (imgmeta.h). Besides the
 * sanitizers' checks it asserts what the stripper promises: an error has a
 * message and no output; a stripped image is no larger than the input,
 * starts as the input did (its signature), and stripping it again changes
 * nothing — what was kept is itself a well-formed image with nothing left
 * to remove. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "imgmeta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so reading past the end is caught. */
	char *in = malloc(size ? size : 1);
	if (size)
		memcpy(in, data, size);
	char *out = NULL, *again = NULL;
	size_t n = 0, n2 = 0;
	cb_error err = CB_ERROR_INIT;
	int rc = cb_imgmeta_strip("fuzz", in, size, &out, &n, &err);
	if (rc < -1 || rc > 1 || (rc != 1 && out) || (rc < 0 && !err.msg[0]))
		abort();
	if (rc == 1) {
		if (n > size || n < 2 || memcmp(out, in, 2) != 0)
			abort();
		cb_error err2 = CB_ERROR_INIT;
		if (cb_imgmeta_strip("fuzz", out, n, &again, &n2, &err2) != 1 || n2 != n ||
		    memcmp(again, out, n) != 0)
			abort();
	}
	free(again);
	free(out);
	free(in);
	return 0;
}
