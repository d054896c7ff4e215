/*
 * textnorm: text folded to what a reader sees, for the personal-data
 * check. Whatever encoding an author (or an evasion) chose, a digit is a
 * digit and a space is a space:
 *
 *   - every kind of space (Unicode Zs: no-break, thin, ideographic, …) is
 *     ' ', and line and paragraph separators (Zl, Zp) are '\n';
 *   - format characters (Cf: zero-width space and joiners, soft hyphen,
 *     byte order marks, direction marks), other default-ignorable
 *     characters and control characters (C0 and C1, except tab, line feed
 *     and carriage return) are removed;
 *   - compatibility forms are folded (NFKC: full-width digits and letters,
 *     ligatures, superscripts), every dash (Pd) is '-', and a decimal digit
 *     of any script is its ASCII digit.
 *
 * Each byte of the result remembers which byte of the original it came
 * from, so findings are reported at the author's line and column.
 *
 * This is the only module that includes utf8proc's header. Thread-safe.
 */
#ifndef CB_TEXTNORM_H
#define CB_TEXTNORM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cb_textnorm {
	char *text; /* the folded text, NUL-terminated (owned) */
	size_t len;
	/* from[i]: offset in the original of the character that gave byte i
	 * (from[len] is the original's length). NULL when nothing changed:
	 * then text is a copy and offsets are the same. */
	size_t *from;
} cb_textnorm;

/* Folds s[0..n) into out (see above). Bytes that are not well-formed
 * UTF-8 are kept as they are. Never fails; free with cb_textnorm_free. */
void cb_textnorm_run(const char *s, size_t n, cb_textnorm *out);
void cb_textnorm_free(cb_textnorm *t);

/* As cb_textnorm_run, without the map of where each byte came from (from
 * stays NULL, and cb_textnorm_src is then wrong): for a caller that
 * reports no positions, such as the scan of an output file, where the map
 * would be eight bytes for every byte of a page of megabytes. */
void cb_textnorm_run_unmapped(const char *s, size_t n, cb_textnorm *out);

/* The offset in the original of byte i of the folded text. */
static inline size_t cb_textnorm_src(const cb_textnorm *t, size_t i)
{
	return t->from ? t->from[i] : i;
}

/* True for a character that must never reach a terminal or a page raw: a
 * C0 control other than tab and line feed, DEL, or a C1 control (U+0080
 * to U+009F, given as its code point). */
bool cb_textnorm_is_control(unsigned cp);

/* Appends s[0..n) to a new string with every control character (see
 * cb_textnorm_is_control) written as \xHH or \u00HH, so a file name or a
 * front matter value can be printed safely. Caller frees. */
char *cb_textnorm_escape(const char *s, size_t n);

#endif
