/* pubcheck: see pubcheck.h. */
#include "pubcheck.h"

#include <stdlib.h>
#include <string.h>

#include "textnorm.h"

size_t cb_pubcheck_file_name(const char *path, const char *content_dir, const cb_strv *allow,
			     const cb_pii_names *names, cb_diags *d)
{
	size_t skip = strlen(content_dir);
	const char *rel = strncmp(path, content_dir, skip) == 0 && path[skip] == '/' ? path + skip + 1 : path;
	size_t n = strlen(rel);
	if (n > 3 && strcmp(rel + n - 3, ".md") == 0)
		n -= 3;
	char *words = cb_xstrndup(rel, n);
	bool start = true;
	for (char *p = words; *p; p++) {
		if (*p == '-' || *p == '_' || *p == '/') {
			*p = ' ';
			start = true;
		} else {
			if (start && *p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
			start = false;
		}
	}
	cb_pii_where w = {path, NULL, 0, " in the file name, which becomes the page's address", NULL};
	/* Positions in a file name mean nothing to the author: one anchor
	 * with no line says "the file". */
	cb_pii_anchor whole = {0, 0, 0};
	w.at = &whole;
	w.nat = 1;
	size_t errors = cb_pii_check_text(&w, words, n, allow, names, d, NULL);
	free(words);
	return errors;
}

/* The name of a control character for a message. */
static const char *S_control_name(unsigned cp)
{
	static const char *const c0[32] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
					   "BS",  "HT",	 "LF",	"VT",  "FF",  "CR",  "SO",  "SI",
					   "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
					   "CAN", "EM",	 "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
	if (cp < 32)
		return c0[cp];
	return cp == 0x7F ? "DEL" : "C1 control";
}

size_t cb_pubcheck_controls(const char *path, const char *text, size_t len, cb_diags *d)
{
	size_t errors = 0;
	for (const char *p = path; *p; p++) {
		unsigned c = (unsigned char)*p;
		if ((c < 0x80 && cb_textnorm_is_control(c)) ||
		    (c == 0xC2 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9F)) {
			cb_diags_add(d, CB_ERROR, path, 0, 0, "control-character",
				     "the file name holds a control character (%s), which would reach "
				     "terminals and the page's address; rename the file",
				     S_control_name(c == 0xC2 ? 0x80 : c));
			errors++;
			break;
		}
	}
	int line = 1, col = 1, shown = 0;
	const unsigned char *t = (const unsigned char *)text;
	for (size_t i = 0; i < len; i++) {
		/* cp: the character, for ASCII and C1 controls (0xC2 0x80-0x9F);
		 * any other byte of a multibyte character is no control. */
		unsigned c = t[i], cp = c < 0x80 ? c : 0x100;
		if (c == 0xC2 && i + 1 < len && t[i + 1] >= 0x80 && t[i + 1] <= 0x9F)
			cp = t[i + 1];
		if (c == '\n') {
			line++, col = 1;
			continue;
		}
		if (cb_textnorm_is_control(cp) && c != '\r' && c != 0) {
			if (shown++ < 3) {
				cb_diags_add(d, CB_ERROR, path, line, col, "control-character",
					     "control character U+%04X (%s), which would reach terminals and "
					     "pages unseen; remove it",
					     cp, S_control_name(cp));
				errors++;
			}
		}
		if ((c & 0xC0) != 0x80)
			col++;
	}
	return errors;
}

size_t cb_pubcheck_body(const char *path, const cb_pubtext *pub, const char *body, size_t len, int body_line,
			const cb_strv *allow, const cb_pii_names *names, cb_diags *d)
{
	if (!pub->text || !pub->len)
		return 0;
	/* What the source check finds in the body, to skip. */
	cb_strv seen = CB_STRV_INIT;
	cb_diags scratch = CB_DIAGS_INIT;
	cb_pii_anchor first = {0, body_line, 1};
	cb_pii_where src = {path, &first, 1, NULL, NULL};
	cb_pii_check_text(&src, body, len, allow, names, &scratch, &seen);
	cb_diags_free(&scratch);
	cb_pii_anchor *at = cb_xmalloc((pub->nat ? pub->nat : 1) * sizeof *at);
	for (size_t k = 0; k < pub->nat; k++)
		at[k] = (cb_pii_anchor){pub->at[k].off, pub->at[k].line, pub->at[k].col};
	cb_pii_where w = {path, at, pub->nat, " as the page shows it", &seen};
	size_t errors = cb_pii_check_text(&w, pub->text, pub->len, allow, names, d, NULL);
	free(at);
	cb_strv_free(&seen);
	return errors;
}
