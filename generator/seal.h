/*
 * seal: encrypted builds (`casebook build --encrypt`). The only module that
 * includes the crypto library's headers (OpenSSL libcrypto).
 *
 * Format, version 1 (doc/casebook.1 and the README repeat it for anyone
 * writing an independent reader):
 *
 *   key      PBKDF2-HMAC-SHA256(passphrase as UTF-8, salt, iterations) -> 64
 *            bytes; the first 32 are the AES-256-GCM key, the last 32 the
 *            key that names files. The salt is 16 random bytes per build;
 *            iterations is CB_SEAL_ITERATIONS. Both are in index.html.
 *   name     a site path P (relative to the output root, such as
 *            "documents/x.html") is stored as e/N.js where N is the first
 *            16 bytes, in lower-case hex, of HMAC-SHA256(name key,
 *            "casebook-name" NUL P).
 *   frame    the plain bytes B of P become L(4, big-endian) || B || zeros,
 *            padded to the next power of two of at least 1 KiB, or above
 *            1 MiB to the next whole MiB, so sizes show only roughly how
 *            large a page is.
 *   seal     AES-256-GCM with a fresh 12-byte random nonce per file, the
 *            associated data "casebook/1" NUL P (so a file moved to another
 *            name fails to open), a 16-byte tag: nonce || ciphertext || tag.
 *   file     e/N.js holds one line: cbx("N","<base64 of the sealed bytes>");
 *   check    index.html holds the sealed text "casebook key check" with
 *            P = "" so the unlock page can tell a wrong passphrase from a
 *            damaged file.
 *
 * What stays plain: index.html (the unlock page: the library's title and a
 * passphrase field), lock.js (the code that unlocks), the theme's assets/
 * and the search code (search/tokenizer.js, query.js, search.js, ui.js,
 * search.css); the Atom
 * feed, sitemap.xml and casebook.db are left out of an encrypted build.
 * A cb_seal may be used from several threads at once.
 */
#ifndef CB_SEAL_H
#define CB_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

#define CB_SEAL_ITERATIONS 600000 /* OWASP's figure for PBKDF2-HMAC-SHA256 */
#define CB_SEAL_MIN_CHARS 12	  /* the shortest passphrase accepted, in characters */
#define CB_SEAL_SALT_BYTES 16

typedef struct cb_seal cb_seal;

/* What happens to an output file in an encrypted build. */
typedef enum {
	CB_SEAL_ENCRYPT, /* carries content: sealed into e/N.js */
	CB_SEAL_PLAIN,	 /* code and styles, or the output marker: kept as it is */
	CB_SEAL_DROP	 /* feed, sitemap, database: left out */
} cb_seal_class;

/* NULL when the passphrase is acceptable, or why it is not (a static string). */
const char *cb_seal_passphrase_problem(const char *pass, size_t len);
/* Derives the keys from pass with a fresh random salt (iterations: 0 for
 * CB_SEAL_ITERATIONS; tests use fewer). Slow on purpose: about a third of a
 * second at the default. Returns 0, or -1 with err. */
int cb_seal_new(cb_seal **s, const char *pass, size_t len, unsigned iterations, cb_error *err);
/* As cb_seal_new with a given salt, for tests and readers. */
int cb_seal_new_salted(cb_seal **s, const char *pass, size_t len, unsigned iterations,
		       const unsigned char salt[CB_SEAL_SALT_BYTES], cb_error *err);
void cb_seal_free(cb_seal *s); /* NULL-safe; wipes the keys */

cb_seal_class cb_seal_classify(const char *path);
/* The sealed file's path for site path (e/N.js), into out. */
void cb_seal_path(const cb_seal *s, const char *path, char out[48]);
/* Appends the text of e/N.js for the bytes of site path to out. */
int cb_seal_file(const cb_seal *s, const char *path, const char *data, size_t len, cb_buf *out,
		 cb_error *err);
/* Opens what cb_seal_file made (for tests): the plain bytes, caller frees;
 * -1 when the file is damaged, changed, or for another path or key. */
int cb_seal_open(const cb_seal *s, const char *path, const char *text, size_t len, char **data, size_t *dlen);
/* The unlock page (index.html): title is the library's title (plain text),
 * lang its language. Caller frees. */
char *cb_seal_unlock_page(const cb_seal *s, const char *title, const char *lang);

#endif
