/* libFuzzer target: the text a reader gets from a published file
 * (cb_pubcheck_reader_text, pubcheck.h), which the last personal-data scan
 * of every build reads. The first byte is the kind ('h' markup, 'j'
 * script or JSON, anything else plain text), the rest the file. Besides
 * the sanitizers' checks it asserts what the function promises: a
 * terminated result that grows at most linearly, plain text returned as it
 * is, and markup or script with nothing to resolve returned as it is. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pubcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int kind = data[0] == 'h' || data[0] == 'j' ? data[0] : 't';
	size_t len = size - 1;
	/* A copy of exactly len bytes, so reading past the end is caught. */
	char *in = malloc(len ? len : 1);
	if (len)
		memcpy(in, data + 1, len);
	size_t n = 0;
	char *out = cb_pubcheck_reader_text(in, len, kind, &n);
	if (!out || out[n] != '\0' || n > 4 * len + 8)
		abort();
	bool plain = kind == 't' || (kind == 'h' && !memchr(in, '<', len) && !memchr(in, '&', len)) ||
		     (kind == 'j' && !memchr(in, '\\', len));
	if (plain && (n != len || (len && memcmp(out, in, len) != 0)))
		abort();
	free(out);
	free(in);
	return 0;
}
