/* seal: see seal.h. */
#define _GNU_SOURCE
#include "seal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16
#define NAME_BYTES 16
#define MIN_FRAME 1024
#define MIB (1024 * 1024)

struct cb_seal {
	unsigned char enc[KEY_BYTES];  /* AES-256-GCM key */
	unsigned char name[KEY_BYTES]; /* HMAC key for file names */
	unsigned char salt[CB_SEAL_SALT_BYTES];
	unsigned iterations;
	char *check; /* base64 of the sealed key check */
};

/* ---- libcrypto, loaded the first time a build encrypts ----------------- */

/* The runtime name of OpenSSL 3's libcrypto (Debian: libssl3). Its headers
 * give the types; the functions are called through the pointers below, so
 * that commands which never encrypt do not load it. */
#define S_CRYPTO_SONAME "libcrypto.so.3"

#define S_FN(name) __typeof__(&name) name
static struct {
	bool ok;
	char why[400];
	S_FN(EVP_CIPHER_CTX_new);
	S_FN(EVP_CIPHER_CTX_free);
	S_FN(EVP_CIPHER_CTX_ctrl);
	S_FN(EVP_EncryptInit_ex);
	S_FN(EVP_EncryptUpdate);
	S_FN(EVP_EncryptFinal_ex);
	S_FN(EVP_DecryptInit_ex);
	S_FN(EVP_DecryptUpdate);
	S_FN(EVP_DecryptFinal_ex);
	S_FN(EVP_aes_256_gcm);
	S_FN(EVP_sha256);
	S_FN(EVP_EncodeBlock);
	S_FN(EVP_DecodeBlock);
	S_FN(PKCS5_PBKDF2_HMAC);
	S_FN(HMAC);
	S_FN(RAND_bytes);
} C;
#undef S_FN

static pthread_once_t S_once = PTHREAD_ONCE_INIT;

static bool S_sym(void *lib, const char *name, void *fn)
{
	void *p = dlsym(lib, name);
	if (!p) {
		snprintf(C.why, sizeof C.why, "%s has no function %s; is it OpenSSL 3?", S_CRYPTO_SONAME,
			 name);
		return false;
	}
	memcpy(fn, &p, sizeof p);
	return true;
}

#define S_LOAD(lib, name) S_sym(lib, #name, &C.name)

static void S_load(void)
{
	void *l = dlopen(S_CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!l) {
		snprintf(C.why, sizeof C.why,
			 "encryption needs the library %s, which is not installed (%s); install it "
			 "(Debian: apt-get install libssl3)",
			 S_CRYPTO_SONAME, dlerror());
		return;
	}
	C.ok = S_LOAD(l, EVP_CIPHER_CTX_new) && S_LOAD(l, EVP_CIPHER_CTX_free) &&
	       S_LOAD(l, EVP_CIPHER_CTX_ctrl) && S_LOAD(l, EVP_EncryptInit_ex) &&
	       S_LOAD(l, EVP_EncryptUpdate) && S_LOAD(l, EVP_EncryptFinal_ex) &&
	       S_LOAD(l, EVP_DecryptInit_ex) && S_LOAD(l, EVP_DecryptUpdate) &&
	       S_LOAD(l, EVP_DecryptFinal_ex) && S_LOAD(l, EVP_aes_256_gcm) && S_LOAD(l, EVP_sha256) &&
	       S_LOAD(l, EVP_EncodeBlock) && S_LOAD(l, EVP_DecodeBlock) && S_LOAD(l, PKCS5_PBKDF2_HMAC) &&
	       S_LOAD(l, HMAC) && S_LOAD(l, RAND_bytes);
}

/* 0 when libcrypto is loaded, else -1 with err saying what to install.
 * Every cb_seal is made after this succeeded, so its users need not ask. */
static int S_ready(cb_error *err)
{
	pthread_once(&S_once, S_load);
	if (C.ok)
		return 0;
	cb_error_set(err, NULL, 0, 0, "%s", C.why);
	return -1;
}

static const char S_check_text[] = "casebook key check";

const char *cb_seal_passphrase_problem(const char *pass, size_t len)
{
	size_t chars = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)pass[i] & 0xC0) != 0x80)
			chars++;
	if (chars < CB_SEAL_MIN_CHARS)
		return "a passphrase needs at least 12 characters; three or four unrelated words make a good "
		       "one";
	bool same = true;
	for (size_t i = 1; i < len && same; i++)
		same = pass[i] == pass[0];
	if (same)
		return "a passphrase of one character repeated is too easy to guess";
	return NULL;
}

/* The associated data for site path: "casebook/1" NUL path. */
static unsigned char *S_aad(const char *path, size_t *n)
{
	size_t pl = strlen(path);
	*n = sizeof "casebook/1" + pl;
	unsigned char *a = cb_xmalloc(*n);
	memcpy(a, "casebook/1", sizeof "casebook/1");
	memcpy(a + sizeof "casebook/1", path, pl);
	return a;
}

/* Seals plain (n bytes) for path into out (nonce || ciphertext || tag). */
static int S_seal(const cb_seal *s, const char *path, const unsigned char *plain, size_t n,
		  unsigned char *out)
{
	size_t aadn;
	unsigned char *aad = S_aad(path, &aadn);
	EVP_CIPHER_CTX *c = C.EVP_CIPHER_CTX_new();
	int len = 0, ok = c && C.RAND_bytes(out, NONCE_BYTES) == 1 &&
			  C.EVP_EncryptInit_ex(c, C.EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
			  C.EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) == 1 &&
			  C.EVP_EncryptInit_ex(c, NULL, NULL, s->enc, out) == 1 &&
			  C.EVP_EncryptUpdate(c, NULL, &len, aad, (int)aadn) == 1;
	size_t done = 0;
	/* EVP lengths are ints: feed large files in pieces. */
	while (ok && done < n) {
		size_t step = n - done > (1u << 30) ? (1u << 30) : n - done;
		ok = C.EVP_EncryptUpdate(c, out + NONCE_BYTES + done, &len, plain + done, (int)step) == 1;
		done += (size_t)len;
	}
	ok = ok && C.EVP_EncryptFinal_ex(c, out + NONCE_BYTES + done, &len) == 1 &&
	     C.EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + NONCE_BYTES + n) == 1;
	C.EVP_CIPHER_CTX_free(c);
	free(aad);
	return ok ? 0 : -1;
}

/* Opens sealed (n bytes) for path into plain (n - NONCE - TAG bytes). */
static int S_open(const cb_seal *s, const char *path, const unsigned char *sealed, size_t n,
		  unsigned char *plain)
{
	if (n < NONCE_BYTES + TAG_BYTES || n - NONCE_BYTES - TAG_BYTES > (size_t)INT32_MAX)
		return -1;
	size_t body = n - NONCE_BYTES - TAG_BYTES, aadn;
	unsigned char *aad = S_aad(path, &aadn);
	EVP_CIPHER_CTX *c = C.EVP_CIPHER_CTX_new();
	int len = 0;
	int ok = c && C.EVP_DecryptInit_ex(c, C.EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		 C.EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) == 1 &&
		 C.EVP_DecryptInit_ex(c, NULL, NULL, s->enc, sealed) == 1 &&
		 C.EVP_DecryptUpdate(c, NULL, &len, aad, (int)aadn) == 1 &&
		 C.EVP_DecryptUpdate(c, plain, &len, sealed + NONCE_BYTES, (int)body) == 1 &&
		 C.EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_BYTES,
				       (void *)(sealed + n - TAG_BYTES)) == 1 &&
		 C.EVP_DecryptFinal_ex(c, plain + len, &len) == 1;
	C.EVP_CIPHER_CTX_free(c);
	free(aad);
	return ok ? 0 : -1;
}

static char *S_base64(const unsigned char *p, size_t n)
{
	char *out = cb_xmalloc(4 * ((n + 2) / 3) + 1);
	size_t o = 0;
	/* EVP_EncodeBlock takes an int length: encode in whole groups of 3. */
	while (n > 0) {
		size_t step = n > 3u * (1u << 28) ? 3u * (1u << 28) : n;
		o += (size_t)C.EVP_EncodeBlock((unsigned char *)out + o, p, (int)step);
		p += step;
		n -= step;
	}
	out[o] = 0;
	return out;
}

int cb_seal_new_salted(cb_seal **sp, const char *pass, size_t len, unsigned iterations,
		       const unsigned char salt[CB_SEAL_SALT_BYTES], cb_error *err)
{
	*sp = NULL;
	if (S_ready(err) != 0)
		return -1;
	cb_seal *s = cb_xcalloc(1, sizeof *s);
	s->iterations = iterations ? iterations : CB_SEAL_ITERATIONS;
	memcpy(s->salt, salt, CB_SEAL_SALT_BYTES);
	unsigned char dk[2 * KEY_BYTES];
	if (C.PKCS5_PBKDF2_HMAC(pass, (int)len, s->salt, CB_SEAL_SALT_BYTES, (int)s->iterations,
				C.EVP_sha256(), (int)sizeof dk, dk) != 1) {
		cb_error_set(err, NULL, 0, 0, "cannot derive the encryption key (the crypto library failed)");
		free(s);
		return -1;
	}
	memcpy(s->enc, dk, KEY_BYTES);
	memcpy(s->name, dk + KEY_BYTES, KEY_BYTES);
	explicit_bzero(dk, sizeof dk);
	unsigned char sealed[NONCE_BYTES + sizeof S_check_text - 1 + TAG_BYTES];
	if (S_seal(s, "", (const unsigned char *)S_check_text, sizeof S_check_text - 1, sealed) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot encrypt (the crypto library failed)");
		cb_seal_free(s);
		return -1;
	}
	s->check = S_base64(sealed, sizeof sealed);
	*sp = s;
	return 0;
}

int cb_seal_new(cb_seal **sp, const char *pass, size_t len, unsigned iterations, cb_error *err)
{
	unsigned char salt[CB_SEAL_SALT_BYTES];
	if (S_ready(err) != 0) {
		*sp = NULL;
		return -1;
	}
	if (C.RAND_bytes(salt, sizeof salt) != 1) {
		*sp = NULL;
		cb_error_set(err, NULL, 0, 0, "cannot draw random bytes for the encryption salt");
		return -1;
	}
	return cb_seal_new_salted(sp, pass, len, iterations, salt, err);
}

void cb_seal_free(cb_seal *s)
{
	if (!s)
		return;
	explicit_bzero(s, offsetof(cb_seal, check));
	free(s->check);
	free(s);
}

cb_seal_class cb_seal_classify(const char *path)
{
	static const char *const plain[] = {".casebook-output", "search/tokenizer.js", "search/query.js",
					    "search/search.js", "search/ui.js",	       "search/search.css",
					    "search/lock.js"};
	static const char *const drop[] = {"feed.atom", "sitemap.xml", "casebook.db"};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
		if (!strcmp(path, plain[i]))
			return CB_SEAL_PLAIN;
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		if (!strcmp(path, drop[i]))
			return CB_SEAL_DROP;
	/* The theme's styles and images carry no documents' content. */
	if (cb_str_starts(path, "assets/"))
		return CB_SEAL_PLAIN;
	return CB_SEAL_ENCRYPT;
}

void cb_seal_path(const cb_seal *s, const char *path, char out[48])
{
	size_t pl = strlen(path);
	unsigned char *msg = cb_xmalloc(sizeof "casebook-name" + pl);
	memcpy(msg, "casebook-name", sizeof "casebook-name");
	memcpy(msg + sizeof "casebook-name", path, pl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdn = 0;
	C.HMAC(C.EVP_sha256(), s->name, KEY_BYTES, msg, sizeof "casebook-name" + pl, md, &mdn);
	free(msg);
	memcpy(out, "e/", 2);
	for (int i = 0; i < NAME_BYTES; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", md[i]);
	memcpy(out + 2 + 2 * NAME_BYTES, ".js", 4);
}

/* The framed size for n plain bytes (the 4-byte length included). */
static size_t S_frame(size_t n)
{
	size_t need = n + 4, f = MIN_FRAME;
	if (need > MIB)
		return (need + MIB - 1) / MIB * MIB;
	while (f < need)
		f *= 2;
	return f;
}

int cb_seal_file(const cb_seal *s, const char *path, const char *data, size_t len, cb_buf *out, cb_error *err)
{
	if (len > (size_t)UINT32_MAX - 4) {
		cb_error_set(err, NULL, 0, 0, "'%s' is too large to encrypt", path);
		return -1;
	}
	size_t fl = S_frame(len);
	unsigned char *frame = cb_xcalloc(1, fl);
	frame[0] = (unsigned char)(len >> 24);
	frame[1] = (unsigned char)(len >> 16);
	frame[2] = (unsigned char)(len >> 8);
	frame[3] = (unsigned char)len;
	memcpy(frame + 4, data, len);
	unsigned char *sealed = cb_xmalloc(NONCE_BYTES + fl + TAG_BYTES);
	int rc = S_seal(s, path, frame, fl, sealed);
	explicit_bzero(frame, fl);
	free(frame);
	if (rc != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot encrypt '%s' (the crypto library failed)", path);
		free(sealed);
		return -1;
	}
	char name[48];
	cb_seal_path(s, path, name);
	char *b64 = S_base64(sealed, NONCE_BYTES + fl + TAG_BYTES);
	free(sealed);
	cb_buf_printf(out, "cbx(\"%.32s\",\"%s\");\n", name + 2, b64);
	free(b64);
	return 0;
}

int cb_seal_open(const cb_seal *s, const char *path, const char *text, size_t len, char **data, size_t *dlen)
{
	*data = NULL;
	*dlen = 0;
	/* cbx("<32 hex>","<base64>"); */
	if (len < 44 || memcmp(text, "cbx(\"", 5) != 0 || memcmp(text + 37, "\",\"", 3) != 0)
		return -1;
	char want[48];
	cb_seal_path(s, path, want);
	if (memcmp(text + 5, want + 2, 32) != 0)
		return -1;
	const char *b = text + 40, *e = memchr(b, '"', len - 40);
	if (!e || (e - b) % 4 != 0 || e == b)
		return -1;
	size_t bn = (size_t)(e - b);
	unsigned char *sealed = cb_xmalloc(bn / 4 * 3 + 1);
	int n = C.EVP_DecodeBlock(sealed, (const unsigned char *)b, (int)bn);
	int rc = -1;
	if (n > 0) {
		size_t sn = (size_t)n - (e[-1] == '=') - (e[-2] == '=');
		unsigned char *frame = cb_xmalloc(sn);
		if (S_open(s, path, sealed, sn, frame) == 0) {
			size_t fl = sn - NONCE_BYTES - TAG_BYTES;
			uint32_t l = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 |
				     (uint32_t)frame[2] << 8 | frame[3];
			if (fl >= 4 && l <= fl - 4) {
				*data = cb_xmalloc(l + 1);
				memcpy(*data, frame + 4, l);
				(*data)[l] = 0;
				*dlen = l;
				rc = 0;
			}
		}
		free(frame);
	}
	free(sealed);
	return rc;
}

char *cb_seal_unlock_page(const cb_seal *s, const char *title, const char *lang)
{
	cb_buf b = {0};
	char *salt = S_base64(s->salt, sizeof s->salt);
	cb_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"");
	cb_buf_html(&b, lang, strlen(lang));
	cb_buf_puts(&b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			"<meta name=\"robots\" content=\"noindex\">\n<title>");
	cb_buf_html(&b, title, strlen(title));
	cb_buf_puts(&b, " — locked</title>\n<link rel=\"stylesheet\" href=\"assets/style.css\">\n"
			"<script>var CB_LOCK = {\"v\": 1, \"kdf\": \"PBKDF2-HMAC-SHA256\", \"iterations\": ");
	cb_buf_printf(&b, "%u, \"salt\": \"%s\", \"check\": \"%s\"};</script>\n", s->iterations, salt,
		      s->check);
	cb_buf_puts(&b,
		    "</head>\n<body class=\"locked\">\n<main id=\"main\" class=\"container lock\">\n<h1>");
	cb_buf_html(&b, title, strlen(title));
	cb_buf_puts(
	    &b,
	    "</h1>\n<p>This copy of the library is encrypted. Enter its passphrase to open it in this "
	    "tab; closing the tab or choosing Lock locks it again.</p>\n"
	    "<form id=\"lock-form\" class=\"lock__form\">\n"
	    "<label for=\"lock-pass\">Passphrase</label>\n"
	    "<input type=\"password\" id=\"lock-pass\" name=\"passphrase\" autocomplete=\"current-password\" "
	    "required>\n<button type=\"submit\">Unlock</button>\n</form>\n"
	    "<p id=\"lock-status\" class=\"lock__status\" role=\"alert\"></p>\n"
	    "<noscript><p>Opening an encrypted library needs JavaScript.</p></noscript>\n"
	    "</main>\n<script src=\"search/lock.js\"></script>\n</body>\n</html>\n");
	free(salt);
	return cb_buf_detach(&b);
}
