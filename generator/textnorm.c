/* textnorm: see textnorm.h.
 *
 * Text is mostly ASCII, so ASCII bytes are copied (or dropped, for
 * controls) one at a time, and utf8proc is asked only about the rest. A
 * non-ASCII character and the combining marks that follow it are folded
 * together (NFKC composes a base letter with its marks), and every byte
 * of the result points back at that character's first byte.
 */
#include "textnorm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util.h"

/* At most this many code points are folded together; a longer run of
 * combining marks is folded in pieces. */
enum { S_CLUSTER = 32, S_BUF = 256 };

typedef struct S_out {
	cb_buf b;
	size_t *from; /* NULL: no map kept (cb_textnorm_run_unmapped) */
	size_t cap;
} S_out;

static void S_put(S_out *o, const char *s, size_t n, size_t src)
{
	if (!o->from) {
		cb_buf_put(&o->b, s, n);
		return;
	}
	if (o->b.len + n + 1 > o->cap) {
		o->cap = (o->b.len + n + 1) * 2;
		o->from = cb_xrealloc(o->from, o->cap * sizeof *o->from);
	}
	for (size_t k = 0; k < n; k++)
		o->from[o->b.len + k] = src;
	cb_buf_put(&o->b, s, n);
}

bool cb_textnorm_is_control(unsigned cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F);
}

/* The ASCII digit of a decimal digit of another script. Unicode puts each
 * script's digits 0 to 9 in a run of ten consecutive code points, and runs
 * that touch (the mathematical digits) are whole runs, so the digit's
 * value is its distance from the start of the run, modulo ten. */
static utf8proc_int32_t S_digit(utf8proc_int32_t cp)
{
	utf8proc_int32_t s = cp;
	while (s > 0 && cp - s < 100 && utf8proc_category(s - 1) == UTF8PROC_CATEGORY_ND)
		s--;
	return '0' + (cp - s) % 10;
}

/* What one code point of a decomposition becomes: -1 to drop it. */
static utf8proc_int32_t S_fold(utf8proc_int32_t cp)
{
	const utf8proc_property_t *p = utf8proc_get_property(cp);
	switch (p->category) {
	case UTF8PROC_CATEGORY_CF:
	case UTF8PROC_CATEGORY_CC: return cp == '\t' || cp == '\n' || cp == '\r' ? cp : -1;
	case UTF8PROC_CATEGORY_ZS: return ' ';
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP: return '\n';
	case UTF8PROC_CATEGORY_PD: return '-';
	case UTF8PROC_CATEGORY_ND: return cp < 0x80 ? cp : S_digit(cp);
	default: return p->ignorable ? -1 : cp;
	}
}

/* Folds the characters in s[0..n) (one base character and its marks),
 * which start at offset src of the original. */
static void S_cluster(S_out *o, const uint8_t *s, size_t n, size_t src)
{
	utf8proc_int32_t buf[S_BUF];
	utf8proc_ssize_t k = utf8proc_decompose(s, (utf8proc_ssize_t)n, buf, S_BUF - 1,
						UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE);
	if (k < 0 || k >= S_BUF) {
		S_put(o, (const char *)s, n, src);
		return;
	}
	utf8proc_ssize_t w = 0;
	for (utf8proc_ssize_t i = 0; i < k; i++) {
		utf8proc_int32_t f = S_fold(buf[i]);
		if (f >= 0)
			buf[w++] = f;
	}
	if (w == 0)
		return;
	utf8proc_ssize_t bytes = utf8proc_reencode(buf, w, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (bytes < 0) {
		S_put(o, (const char *)s, n, src);
		return;
	}
	S_put(o, (const char *)buf, (size_t)bytes, src);
}

static void S_run(const char *str, size_t n, bool map, cb_textnorm *out)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0;
	/* Nothing to fold: the common case costs one pass and a copy. */
	while (i < n && s[i] < 0x80 && !(cb_textnorm_is_control(s[i]) && s[i] != '\r'))
		i++;
	if (i == n) {
		out->text = cb_xmalloc(n + 1);
		memcpy(out->text, str, n);
		out->text[n] = '\0';
		out->len = n;
		out->from = NULL;
		return;
	}
	/* The letter before a combining mark is folded with it. */
	if (i > 0 && s[i] >= 0x80)
		i--;
	S_out o = {CB_BUF_INIT, NULL, 0};
	cb_buf_grow(&o.b, n + 16);
	o.cap = n + 16;
	o.from = map ? cb_xmalloc(o.cap * sizeof *o.from) : NULL;
	S_put(&o, str, i, 0);
	for (size_t k = 0; map && k < i; k++)
		o.from[k] = k;
	while (i < n) {
		unsigned c = s[i];
		/* An ASCII letter followed by a combining mark is folded with it. */
		if (c < 0x80 && (i + 1 == n || s[i + 1] < 0x80 || cb_textnorm_is_control(c))) {
			if (!cb_textnorm_is_control(c) || c == '\r')
				S_put(&o, (const char *)s + i, 1, i);
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t len = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (len <= 0) {
			S_put(&o, (const char *)s + i, 1, i);
			i++;
			continue;
		}
		/* The character and the combining marks after it. */
		size_t e = i + (size_t)len;
		for (int count = 1; e < n && s[e] >= 0x80 && count < S_CLUSTER; count++) {
			utf8proc_int32_t m;
			utf8proc_ssize_t ml = utf8proc_iterate(s + e, (utf8proc_ssize_t)(n - e), &m);
			if (ml <= 0 || utf8proc_get_property(m)->combining_class == 0)
				break;
			e += (size_t)ml;
		}
		S_cluster(&o, s + i, e - i, i);
		i = e;
	}
	S_put(&o, "", 0, n);
	if (map)
		o.from[o.b.len] = n;
	out->len = o.b.len;
	out->text = o.b.data ? cb_buf_detach(&o.b) : cb_xstrdup("");
	out->from = o.from;
}

void cb_textnorm_run(const char *str, size_t n, cb_textnorm *out)
{
	S_run(str, n, true, out);
}

void cb_textnorm_run_unmapped(const char *str, size_t n, cb_textnorm *out)
{
	S_run(str, n, false, out);
}

void cb_textnorm_free(cb_textnorm *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->from);
	t->text = NULL;
	t->from = NULL;
	t->len = 0;
}

char *cb_textnorm_escape(const char *str, size_t n)
{
	const uint8_t *s = (const uint8_t *)str;
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x80) {
			if (cb_textnorm_is_control(s[i]))
				cb_buf_printf(&b, "\\x%02X", s[i]);
			else
				cb_buf_putc(&b, (char)s[i]);
		} else if (s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) {
			cb_buf_printf(&b, "\\u00%02X", s[i + 1]);
			i++;
		} else {
			cb_buf_putc(&b, (char)s[i]);
		}
	}
	return cb_buf_detach(&b);
}
