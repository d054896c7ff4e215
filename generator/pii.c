/* pii: see pii.h.
 *
 * One walk over the text looks at each byte once and, at the few places
 * where personal data can start (a digit or letter that begins a word, a
 * '+', a '(', an '@'), asks the matching recognisers below. Each recogniser
 * reads forward a bounded number of bytes, so the whole scan stays linear.
 *
 * What counts as spacing inside a number: spaces, tabs, no-break and thin
 * spaces, and at most one line break, because hard-wrapped Markdown and
 * folded YAML put a line break where the reader sees a space.
 */
#include "pii.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textnorm.h"

typedef const unsigned char uc;

static const char *const S_rules[CB_PII_NKINDS] = {
    "pii-nhs-number", "pii-ni-number",	   "pii-email", "pii-phone",
    "pii-postcode",   "pii-date-of-birth", "pii-name",
};
static const char *const S_labels[CB_PII_NKINDS] = {
    "NHS number",     "National Insurance number",
    "e-mail address", "phone number",
    "full postcode",  "date of birth",
    "name",
};

const char *cb_pii_rule(cb_pii_kind kind)
{
	return kind < CB_PII_NKINDS ? S_rules[kind] : "pii";
}

const char *cb_pii_label(cb_pii_kind kind)
{
	return kind < CB_PII_NKINDS ? S_labels[kind] : "personal data";
}

/* ---- characters ---- */

/* Byte classes, looked up once per byte in the scan's hot loop: most bytes
 * start nothing and are passed over with one table read. */
enum { S_DIGIT = 1, S_ALPHA = 2, S_PUNCT = 4 /* '+', '(' or '@' */, S_LEAD = 8 /* UTF-8 lead byte */ };
static const unsigned char S_cls[256] = {
    ['0' ... '9'] = S_DIGIT, ['A' ... 'Z'] = S_ALPHA, ['a' ... 'z'] = S_ALPHA,	['+'] = S_PUNCT,
    ['('] = S_PUNCT,	     ['@'] = S_PUNCT,	      [0xC0 ... 0xFF] = S_LEAD,
};

static inline bool S_digit(unsigned c)
{
	return S_cls[c & 0xFF] & S_DIGIT;
}

static inline bool S_alpha(unsigned c)
{
	return S_cls[c & 0xFF] & S_ALPHA;
}

static inline bool S_alnum(unsigned c)
{
	return S_cls[c & 0xFF] & (S_DIGIT | S_ALPHA);
}

static inline unsigned S_lower(unsigned c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

static inline unsigned S_upper(unsigned c)
{
	return c >= 'a' && c <= 'z' ? c & ~0x20u : c;
}

/* Sets of letters as bit masks, A = bit 0. */
#define S_L(ch) (1u << ((ch) - 'A'))
#define S_ALL_LETTERS 0x3FFFFFFu

/* True when c is a letter (either case) in the set mask. */
static inline bool S_letter_in(unsigned c, uint32_t mask)
{
	return S_alpha(c) && ((mask >> (S_upper(c) - 'A')) & 1);
}

/* The code point starting at t[i]; *n is its length in bytes (1 for a
 * byte that does not start a well-formed sequence, which then counts as
 * punctuation). */
static uint32_t S_cp_at(uc *t, size_t len, size_t i, size_t *n)
{
	unsigned c = t[i];
	size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (k == 1 || i + k > len) {
		*n = 1;
		return c < 0x80 ? c : 0xFFFD;
	}
	uint32_t cp = c & (0x7F >> k);
	for (size_t j = 1; j < k; j++) {
		if ((t[i + j] & 0xC0) != 0x80) {
			*n = 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (t[i + j] & 0x3F);
	}
	*n = k;
	return cp;
}

/* Letters of any script are part of a word; Latin-1 punctuation, general
 * punctuation (curly quotes, dashes, special spaces) and the like are not,
 * so "Smith’s" holds the word "Smith". */
static bool S_cp_word(uint32_t cp)
{
	if (cp < 0x80)
		return S_alnum(cp);
	if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7 || cp == 0xFFFD || cp == 0xFEFF)
		return false;
	if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x2E00 && cp <= 0x2E7F) ||
	    (cp >= 0x3000 && cp <= 0x303F))
		return false;
	return true;
}

/* True when the character at t[i] is part of a word. */
static bool S_word_at(uc *t, size_t len, size_t i)
{
	if (i >= len)
		return false;
	if (t[i] < 0x80)
		return S_alnum(t[i]);
	size_t n;
	return S_cp_word(S_cp_at(t, len, i, &n));
}

/* True when the character just before t[i] is part of a word. */
static bool S_word_before(uc *t, size_t i)
{
	if (i == 0)
		return false;
	if (t[i - 1] < 0x80)
		return S_alnum(t[i - 1]);
	size_t s = i - 1;
	while (s > 0 && i - s < 4 && (t[s] & 0xC0) == 0x80)
		s--;
	size_t n;
	uint32_t cp = S_cp_at(t, i, s, &n);
	return s + n == i && S_cp_word(cp);
}

/* Spacing at t[i] (see the top of the file), at most 16 bytes; 0 if none. */
static size_t S_space(uc *t, size_t len, size_t i)
{
	size_t p = i;
	bool nl = false;
	while (p < len && p - i < 16) {
		if (t[p] == ' ' || t[p] == '\t')
			p++;
		else if (t[p] == '\n' && !nl)
			nl = true, p++;
		else if (t[p] == '\r' && p + 1 < len && t[p + 1] == '\n' && !nl)
			nl = true, p += 2;
		else if (t[p] == 0xC2 && p + 1 < len && t[p + 1] == 0xA0)
			p += 2; /* no-break space */
		else if (t[p] == 0xE2 && p + 2 < len && t[p + 1] == 0x80 &&
			 (t[p + 2] == 0xAF || t[p + 2] == 0x89))
			p += 3; /* narrow no-break space, thin space */
		else
			break;
	}
	return p - i;
}

/* One hyphen or dash (ASCII, U+2010, U+2011 or U+2013) at t[i]; 0 if none. */
static size_t S_dash(uc *t, size_t len, size_t i)
{
	if (i < len && t[i] == '-')
		return 1;
	if (i + 2 < len && t[i] == 0xE2 && t[i + 1] == 0x80 &&
	    (t[i + 2] == 0x90 || t[i + 2] == 0x91 || t[i + 2] == 0x93))
		return 3;
	return 0;
}

/* What may stand between the digit groups of a number: spacing, a dash,
 * a full stop or a slash ("943.476.5919", "943/476/5919"). Dates are
 * grouped differently (2-2-4 digits), so they are not taken for these. */
static size_t S_sep(uc *t, size_t len, size_t i)
{
	size_t n = S_space(t, len, i);
	if (n)
		return n;
	if (i < len && (t[i] == '.' || t[i] == '/'))
		return 1;
	return S_dash(t, len, i);
}

static size_t S_digits(uc *t, size_t len, size_t i)
{
	size_t p = i;
	while (p < len && S_digit(t[p]))
		p++;
	return p - i;
}

static unsigned S_num(uc *t, size_t i, size_t n)
{
	unsigned v = 0;
	for (size_t k = 0; k < n; k++)
		v = v * 10 + (t[i + k] - '0');
	return v;
}

/* Case-insensitive match of n bytes of an ASCII word (lower-case in w)
 * at t[i]; S_IEQ for a string literal. */
static bool S_ieq(uc *t, size_t len, size_t i, const char *w, size_t n)
{
	if (i + n > len)
		return false;
	for (size_t k = 0; k < n; k++)
		if (S_lower(t[i + k]) != (unsigned char)w[k])
			return false;
	return true;
}
#define S_IEQ(t, len, i, lit) S_ieq(t, len, i, lit, sizeof lit - 1)

/* A number may start at t[i]: not inside a word, nor after "3." or "3,"
 * (the rest of a decimal or of 1,234,567). */
static bool S_num_start(uc *t, size_t i)
{
	if (S_word_before(t, i))
		return false;
	return !(i >= 2 && (t[i - 1] == '.' || t[i - 1] == ',') && S_digit(t[i - 2]));
}

/* ---- NHS numbers ---- */

bool cb_pii_nhs_valid(const char *d)
{
	for (int k = 0; k < 10; k++)
		if (!S_digit((unsigned char)d[k]))
			return false;
	int sum = 0;
	for (int k = 0; k < 9; k++)
		sum += (d[k] - '0') * (10 - k);
	int check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	if (check == 10)
		return false; /* no number is issued with this check digit */
	return check == d[9] - '0';
}

/* Ten digits together, or grouped 3-3-4; flagged only when the check
 * digit is right, which rules out about 91 % of other ten-digit numbers. */
static size_t S_nhs(uc *t, size_t len, size_t i)
{
	char d[10];
	size_t end, n = S_digits(t, len, i);
	if (n == 10) {
		memcpy(d, t + i, 10);
		end = i + 10;
	} else if (n == 3) {
		size_t p = i + 3, s = S_sep(t, len, p);
		if (!s || S_digits(t, len, p + s) != 3)
			return 0;
		memcpy(d, t + i, 3);
		memcpy(d + 3, t + p + s, 3);
		p += s + 3;
		s = S_sep(t, len, p);
		if (!s || S_digits(t, len, p + s) != 4)
			return 0;
		memcpy(d + 6, t + p + s, 4);
		end = p + s + 4;
	} else {
		return 0;
	}
	if (S_word_at(t, len, end))
		return 0;
	return cb_pii_nhs_valid(d) ? end - i : 0;
}

/* ---- phone numbers ---- */

/* UK numbers written nationally (0…, with the area code in brackets or
 * not) or internationally (+44 or 0044, with or without "(0)"): 9 or 10
 * digits after the leading 0, in groups of at least two. Only geographic
 * (01, 02) and mobile (07) numbers are personal; 03, 08 and 09 numbers
 * belong to organisations and services (helplines such as 0808 800 5000)
 * and are left alone. */
static size_t S_phone(uc *t, size_t len, size_t i)
{
	size_t p = i;
	bool intl = false, paren = false;
	if (t[p] == '+' || (p + 1 < len && t[p] == '0' && t[p + 1] == '0')) {
		size_t skip = t[p] == '+' ? 1 : 2;
		if (p + skip + 2 > len || t[p + skip] != '4' || t[p + skip + 1] != '4')
			return 0;
		p += skip + 2;
		intl = true;
		p += S_sep(t, len, p);
		if (p + 3 <= len && t[p] == '(' && t[p + 1] == '0' && t[p + 2] == ')') {
			p += 3;
			p += S_sep(t, len, p);
		}
	} else {
		if (t[p] == '(') {
			paren = true;
			p++;
		}
		if (p >= len || t[p] != '0')
			return 0;
		p++;
	}
	size_t g = S_digits(t, len, p);
	if (g == 0 || (!intl && g < 2) || g > 10)
		return 0;
	unsigned first = t[p];
	size_t count = g;
	p += g;
	if (paren) {
		if (p >= len || t[p] != ')')
			return 0;
		p++;
	}
	/* Further groups while they fit in ten digits: "020 7946 0958 07700
	 * 900123" is two numbers, not one of 21 digits. */
	for (bool next_to_paren = paren;; next_to_paren = false) {
		size_t s = S_sep(t, len, p);
		if (!s && !next_to_paren)
			break;
		size_t g2 = S_digits(t, len, p + s);
		if (g2 < 2 || count + g2 > 10)
			break;
		count += g2;
		p += s + g2;
	}
	if (S_word_at(t, len, p) || count < 9 || count > 10)
		return 0;
	if (first != '1' && first != '2' && first != '7')
		return 0;
	return p - i;
}

/* ---- e-mail addresses ---- */

static bool S_local_char(unsigned c)
{
	return S_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* An address around the '@' at t[a]: sets [*start, *end). */
static bool S_email(uc *t, size_t len, size_t a, size_t *start, size_t *end)
{
	size_t l = a;
	while (l > 0 && a - l < 64 && S_local_char(t[l - 1]))
		l--;
	while (l < a && t[l] == '.')
		l++;
	if (l == a || t[a - 1] == '.')
		return false;
	size_t r = a + 1;
	while (r < len && r - a < 256 && (S_alnum(t[r]) || t[r] == '-' || t[r] == '.'))
		r++;
	while (r > a + 1 && (t[r - 1] == '.' || t[r - 1] == '-'))
		r--;
	/* At least two labels, none empty or starting with '-', and a
	 * top-level domain of two or more letters. */
	size_t dots = 0, label = a + 1, tld = 0;
	for (size_t p = a + 1; p <= r; p++) {
		if (p == r || t[p] == '.') {
			if (p == label || t[label] == '-')
				return false;
			if (p < r)
				dots++;
			tld = label;
			label = p + 1;
		}
	}
	if (dots == 0 || r - tld < 2)
		return false;
	for (size_t p = tld; p < r; p++)
		if (!S_alpha(t[p]))
			return false;
	*start = l;
	*end = r;
	return true;
}

/* ---- National Insurance numbers ---- */

/* Two letters, three pairs of digits, a final letter A to D, spaced or
 * not. HMRC never uses D, F, I, Q, U or V in the prefix, nor O second, nor
 * the prefixes below, so "QQ 12 34 56 C" (the usual example) passes. */
static size_t S_ni(uc *t, size_t len, size_t i)
{
	if (i + 9 > len || !S_alpha(t[i]) || !S_alpha(t[i + 1]))
		return 0;
	unsigned a = S_upper(t[i]), b = S_upper(t[i + 1]);
	const uint32_t never = S_L('D') | S_L('F') | S_L('I') | S_L('Q') | S_L('U') | S_L('V');
	if (S_letter_in(a, never) || S_letter_in(b, never | S_L('O')))
		return 0;
	static const char *const bad[] = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		if (a == (unsigned char)bad[k][0] && b == (unsigned char)bad[k][1])
			return 0;
	size_t p = i + 2;
	for (int pair = 0; pair < 3; pair++) {
		p += S_sep(t, len, p);
		if (p + 2 > len || !S_digit(t[p]) || !S_digit(t[p + 1]))
			return 0;
		p += 2;
	}
	p += S_sep(t, len, p);
	if (p >= len || S_upper(t[p]) < 'A' || S_upper(t[p]) > 'D')
		return 0;
	p++;
	return S_word_at(t, len, p) ? 0 : p - i;
}

/* ---- postcodes ---- */

/* Postcode letter sets (DOMAIN.md's pattern). */
#define S_PC_AREA (S_ALL_LETTERS & ~(S_L('Q') | S_L('V') | S_L('X')))  /* [A-PR-UWYZ] */
#define S_PC_AREA2 (S_ALL_LETTERS & ~(S_L('I') | S_L('J') | S_L('Z'))) /* [A-HK-Y] */
#define S_PC_DISTRICT_A                                                                                      \
	(S_L('A') | S_L('B') | S_L('C') | S_L('D') | S_L('E') | S_L('F') | S_L('G') | S_L('H') | S_L('J') |  \
	 S_L('K') | S_L('P') | S_L('S') | S_L('T') | S_L('U') | S_L('W')) /* [A-HJKPSTUW] */
#define S_PC_DISTRICT_B                                                                                      \
	(S_L('A') | S_L('B') | S_L('E') | S_L('H') | S_L('M') | S_L('N') | S_L('P') | S_L('R') | S_L('V') |  \
	 S_L('W') | S_L('X') | S_L('Y')) /* [ABEHMNPRVWXY] */
#define S_PC_UNIT                                                                                            \
	(S_ALL_LETTERS &                                                                                     \
	 ~(S_L('C') | S_L('I') | S_L('K') | S_L('M') | S_L('O') | S_L('V'))) /* [ABD-HJLNP-UW-Z] */

/* The inward code ("1AA") at t[p], then the end of the word; 0 if not. */
static size_t S_inward(uc *t, size_t len, size_t p)
{
	size_t s = S_space(t, len, p);
	p += s <= 3 ? s : 0; /* one space, however it is encoded */
	if (p + 3 > len || !S_digit(t[p]) || !S_letter_in(t[p + 1], S_PC_UNIT) ||
	    !S_letter_in(t[p + 2], S_PC_UNIT))
		return 0;
	/* "the A1 2nd exit", "M1 1st": ordinals written in lower case are not
	 * postcodes (a postcode written "m1 1st" is then missed). */
	static const char *const ord[] = {"st", "nd", "rd", "th"};
	for (size_t k = 0; k < 4; k++)
		if (t[p + 1] == (unsigned char)ord[k][0] && t[p + 2] == (unsigned char)ord[k][1])
			return 0;
	return S_word_at(t, len, p + 3) ? 0 : p + 3;
}

/* The pattern in DOMAIN.md, case-insensitive: an outward code (area and
 * district, such as "M1", "SW1A", "B33") and an inward code ("1AA"),
 * optionally spaced. A district alone is not flagged. */
static size_t S_postcode(uc *t, size_t len, size_t i)
{
	if (S_IEQ(t, len, i, "gir")) {
		size_t p = i + 3, s = S_space(t, len, p);
		p += s <= 3 ? s : 0;
		if (S_IEQ(t, len, p, "0aa") && !S_word_at(t, len, p + 3))
			return p + 3 - i;
	}
	if (!S_letter_in(t[i], S_PC_AREA) || i + 2 >= len)
		return 0;
	/* Candidate ends of the outward code, longest first. */
	size_t ends[2];
	size_t n = 0;
	if (S_digit(t[i + 1])) {
		if (S_digit(t[i + 2]) || S_letter_in(t[i + 2], S_PC_DISTRICT_A))
			ends[n++] = i + 3;
		ends[n++] = i + 2;
	} else if (S_letter_in(t[i + 1], S_PC_AREA2) && S_digit(t[i + 2])) {
		if (i + 3 < len && (S_digit(t[i + 3]) || S_letter_in(t[i + 3], S_PC_DISTRICT_B)))
			ends[n++] = i + 4;
		ends[n++] = i + 3;
	}
	for (size_t k = 0; k < n; k++) {
		size_t e = S_inward(t, len, ends[k]);
		if (e)
			return e - i;
	}
	return 0;
}

/* ---- dates of birth ---- */

static const char *const S_months[] = {"january", "february", "march",	   "april",   "may",	  "june",
				       "july",	  "august",   "september", "october", "november", "december"};

/* A month name or its abbreviation ("Sept" too) at t[i]; returns its
 * length, 0 if none. */
static size_t S_month(uc *t, size_t len, size_t i)
{
	if (i >= len || !S_alpha(t[i]))
		return 0;
	for (size_t m = 0; m < 12; m++) {
		size_t full = strlen(S_months[m]);
		if (S_ieq(t, len, i, S_months[m], full) && !S_word_at(t, len, i + full))
			return full;
	}
	for (size_t m = 0; m < 12; m++)
		if (S_ieq(t, len, i, S_months[m], 3) && !S_word_at(t, len, i + 3))
			return 3;
	if (S_IEQ(t, len, i, "sept") && !S_word_at(t, len, i + 4))
		return 4;
	return 0;
}

/* A day of the month with an optional ordinal ("3", "03", "3rd"); returns
 * its length, 0 if none. */
static size_t S_day(uc *t, size_t len, size_t i)
{
	size_t n = S_digits(t, len, i);
	if (n < 1 || n > 2 || S_num(t, i, n) < 1 || S_num(t, i, n) > 31)
		return 0;
	if (S_IEQ(t, len, i + n, "st") || S_IEQ(t, len, i + n, "nd") || S_IEQ(t, len, i + n, "rd") ||
	    S_IEQ(t, len, i + n, "th"))
		n += 2;
	return S_word_at(t, len, i + n) ? 0 : n;
}

/* Spacing within a line: a date written across a line break is rare, and
 * refusing one keeps "born" in a title away from the date: field below. */
static size_t S_gap(uc *t, size_t len, size_t i)
{
	size_t p = i;
	while (p < len && (t[p] == ' ' || t[p] == '\t' || (t[p] == 0xC2 && p + 1 < len && t[p + 1] == 0xA0)))
		p += t[p] == 0xC2 ? 2 : 1;
	return p - i;
}

/* A four-digit year from 1900 to 2099 ending a word; its length or 0. */
static size_t S_year(uc *t, size_t len, size_t i)
{
	if (S_digits(t, len, i) != 4 || !(S_IEQ(t, len, i, "19") || S_IEQ(t, len, i, "20")))
		return 0;
	return S_word_at(t, len, i + 4) ? 0 : 4;
}

/* A full date at t[i] (day, month and year): 3/3/2015, 03-03-15,
 * 2015-03-03, 3 March 2015, 3rd of Mar 2015, March 3rd, 2015. Returns its
 * length, 0 if none. */
static size_t S_date(uc *t, size_t len, size_t i)
{
	size_t a = S_digits(t, len, i);
	if (a >= 1 && a <= 2 && i + a < len && strchr("/.-", t[i + a]) && t[i + a]) {
		unsigned char sep = t[i + a];
		size_t p = i + a + 1, b = S_digits(t, len, p);
		if (b < 1 || b > 2 || p + b >= len || t[p + b] != sep)
			return 0;
		size_t q = p + b + 1, y = S_digits(t, len, q);
		if (y != 2 && y != 4)
			return 0;
		unsigned x = S_num(t, i, a), z = S_num(t, p, b);
		/* Day first as in the UK, or month first. */
		bool ok =
		    (x >= 1 && x <= 31 && z >= 1 && z <= 12) || (x >= 1 && x <= 12 && z >= 1 && z <= 31);
		if (!ok || S_word_at(t, len, q + y))
			return 0;
		if (q + y + 1 < len && t[q + y] == sep && S_digit(t[q + y + 1]))
			return 0; /* 1.2.3.4 is a version, not a date */
		return q + y - i;
	}
	if (a == 4) {
		size_t p = i + 4;
		if (p >= len || !strchr("/.-", t[p]) || !t[p])
			return 0;
		unsigned char sep = t[p];
		size_t m = S_digits(t, len, p + 1);
		if (m < 1 || m > 2 || p + 1 + m >= len || t[p + 1 + m] != sep)
			return 0;
		size_t q = p + 2 + m, dd = S_digits(t, len, q);
		unsigned mv = S_num(t, p + 1, m), dv = dd >= 1 && dd <= 2 ? S_num(t, q, dd) : 0;
		if (mv < 1 || mv > 12 || dv < 1 || dv > 31 || S_word_at(t, len, q + dd))
			return 0;
		return q + dd - i;
	}
	size_t p = i, n;
	if ((n = S_day(t, len, p))) {
		/* 3 March 2015, 3rd of March 2015 */
		p += n;
		if (!(n = S_gap(t, len, p)))
			return 0;
		p += n;
		if (S_IEQ(t, len, p, "of") && (n = S_gap(t, len, p + 2)))
			p += 2 + n;
		if (!(n = S_month(t, len, p)))
			return 0;
		p += n;
		if (p < len && t[p] == '.')
			p++;
		if (p < len && t[p] == ',')
			p++;
		if (!(n = S_gap(t, len, p)))
			return 0;
		p += n;
		return (n = S_year(t, len, p)) ? p + n - i : 0;
	}
	if ((n = S_month(t, len, p))) {
		/* March 3, 2015 */
		p += n;
		if (p < len && t[p] == '.')
			p++;
		if (!(n = S_gap(t, len, p)))
			return 0;
		p += n;
		if (!(n = S_day(t, len, p)))
			return 0;
		p += n;
		if (p < len && t[p] == ',')
			p++;
		if (!(n = S_gap(t, len, p)))
			return 0;
		p += n;
		return (n = S_year(t, len, p)) ? p + n - i : 0;
	}
	return 0;
}

/* A word or phrase at t[i] that announces a date of birth. Returns its
 * length (0 if none); *dob_only is false for "born", which also says
 * "born at 32 weeks", so a date before "born" is not taken as a birth
 * date. */
static size_t S_dob_keyword(uc *t, size_t len, size_t i, bool *dob_only)
{
	unsigned c = S_lower(t[i]);
	if (c != 'b' && c != 'd')
		return 0;
	*dob_only = true;
	size_t n = 0;
	if (S_IEQ(t, len, i, "born")) {
		*dob_only = false;
		n = 4;
	} else if (S_IEQ(t, len, i, "birthdate")) {
		n = 9;
	} else if (S_IEQ(t, len, i, "birth") && (n = S_space(t, len, i + 5)) &&
		   S_IEQ(t, len, i + 5 + n, "date")) {
		n += 5 + 4;
	} else if (S_IEQ(t, len, i, "dob")) {
		n = 3;
	} else if (S_IEQ(t, len, i, "d.o.b")) {
		n = i + 5 < len && t[i + 5] == '.' ? 6 : 5;
		return n; /* ends with punctuation, so it ends the word */
	} else if (S_IEQ(t, len, i, "date")) {
		size_t p = i + 4, s = S_space(t, len, p);
		if (!s && p < len && t[p] == '-')
			s = 1;
		if (!s || !S_IEQ(t, len, p + s, "of"))
			return 0;
		p += s + 2;
		s = S_space(t, len, p);
		if (!s && p < len && t[p] == '-')
			s = 1;
		if (!s || !S_IEQ(t, len, p + s, "birth"))
			return 0;
		n = p + s + 5 - i;
	}
	return n && !S_word_at(t, len, i + n) ? n : 0;
}

/* A YAML key ("date:", "review-by:") starting the line at t[p], after its
 * indentation. */
static bool S_yaml_key_line(uc *t, size_t len, size_t p)
{
	while (p < len && (t[p] == ' ' || t[p] == '\t'))
		p++;
	size_t s = p;
	while (p < len && (S_alnum(t[p]) || t[p] == '-' || t[p] == '_'))
		p++;
	return p > s && p < len && t[p] == ':' &&
	       (p + 1 == len || t[p + 1] == ' ' || t[p + 1] == '\n' || t[p + 1] == '\r');
}

/* The date of birth announced by the keyword at [ks, ke): a full date up
 * to 48 bytes after it in the same sentence (a single line break is
 * crossed, unless the next line is another front matter field), or, for
 * "DOB" and "date of birth", a date just before it ("3/3/2015 (DOB)"). */
static bool S_dob(uc *t, size_t len, size_t ks, size_t ke, bool dob_only, size_t *ds, size_t *de)
{
	bool crossed = false;
	for (size_t j = ke; j < len && j < ke + 48; j++) {
		unsigned c = t[j];
		if (c == '\n') {
			if (crossed || S_yaml_key_line(t, len, j + 1))
				break;
			crossed = true;
			continue;
		}
		if (c == ';' || (c == '.' && (j + 1 == len || t[j + 1] == ' ' || t[j + 1] == '\n')))
			break;
		if (S_alnum(c) && !S_word_before(t, j)) {
			size_t n = S_date(t, len, j);
			if (n) {
				*ds = j;
				*de = j + n;
				return true;
			}
		}
	}
	if (!dob_only)
		return false;
	size_t e = ks;
	while (e > 0 && ks - e < 4 && strchr(" \t(:,-[", t[e - 1]) && t[e - 1])
		e--;
	for (size_t j = e > 24 ? e - 24 : 0; j + 6 <= e; j++) {
		if (S_alnum(t[j]) && !S_word_before(t, j) && S_date(t, len, j) == e - j) {
			*ds = j;
			*de = e;
			return true;
		}
	}
	return false;
}

/* ---- names ---- */

typedef struct S_slot {
	uint64_t hash; /* of the first word, lower-cased; 0: empty slot */
	size_t first;  /* its names: names[first .. first + count) */
	size_t count;
} S_slot;

struct cb_pii_names {
	char **names; /* normalised: lower-case ASCII, single spaces; sorted */
	size_t n;
	size_t entries; /* lines of the list (n counts the other forms too) */
	S_slot *slots;
	size_t nslots; /* a power of two */
};

/* Length of the word at t[i] (letters and digits of any script). */
static size_t S_word_len(uc *t, size_t len, size_t i)
{
	size_t p = i;
	while (p < len) {
		if (t[p] < 0x80) {
			if (!S_alnum(t[p]))
				break;
			p++;
		} else {
			size_t n;
			if (!S_cp_word(S_cp_at(t, len, p, &n)))
				break;
			p += n;
		}
	}
	return p - i;
}

static uint64_t S_hash_word(uc *t, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t k = 0; k < n; k++) {
		h ^= S_lower(t[k]);
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

static int S_cmp_names(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t nx = S_word_len((uc *)x, strlen(x), 0), ny = S_word_len((uc *)y, strlen(y), 0);
	int c = nx != ny ? (nx < ny ? -1 : 1) : memcmp(x, y, nx);
	if (c)
		return c;
	/* Same first word: the longest name first, so "Jane Smith" wins over
	 * "Jane". */
	size_t lx = strlen(x), ly = strlen(y);
	return lx != ly ? (lx > ly ? -1 : 1) : strcmp(x, y);
}

/* The slot for the first word w (n bytes, any case) with hash h: the one
 * holding that word, or the empty slot where it would go. Words are
 * compared, not only hashes, so names stay grouped by their first word. */
static S_slot *S_find_slot(const cb_pii_names *nm, uint64_t h, uc *w, size_t n)
{
	size_t mask = nm->nslots - 1;
	for (size_t k = h & mask;; k = (k + 1) & mask) {
		S_slot *slot = &nm->slots[k];
		if (slot->hash == 0)
			return slot;
		if (slot->hash != h)
			continue;
		uc *name = (uc *)nm->names[slot->first];
		bool same = S_word_len(name, strlen((const char *)name), 0) == n;
		for (size_t j = 0; same && j < n; j++)
			same = S_lower(w[j]) == name[j];
		if (same)
			return slot;
	}
}

/* The other ways a name of two or more words ("jane ann smith") is
 * written: "smith, jane ann" and "j. smith". The surname is the last word. */
static void S_name_forms(cb_strv *names, const char *name)
{
	const char *last = strrchr(name, ' ');
	if (!last)
		return;
	size_t first_len = 1;
	while (((unsigned char)name[first_len] & 0xC0) == 0x80)
		first_len++;
	cb_strv_push_own(names, cb_xasprintf("%s, %.*s", last + 1, (int)(last - name), name));
	cb_strv_push_own(names, cb_xasprintf("%.*s. %s", (int)first_len, name, last + 1));
}

cb_pii_names *cb_pii_names_parse(const char *raw, size_t rawlen)
{
	cb_pii_names *nm = cb_xcalloc(1, sizeof *nm);
	cb_strv names = CB_STRV_INIT;
	size_t i = 0;
	/* The list is folded like the text it is compared with. */
	cb_textnorm folded = {NULL, 0, NULL};
	if (raw)
		cb_textnorm_run(raw, rawlen, &folded);
	const char *text = folded.text;
	size_t len = folded.len;
	while (text && i < len) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		cb_buf b = CB_BUF_INIT;
		for (size_t k = i; k < e; k++) {
			unsigned c = (unsigned char)text[k];
			if (c == ' ' || c == '\t' || c == '\r') {
				if (b.len && b.data[b.len - 1] != ' ')
					cb_buf_putc(&b, ' ');
			} else {
				cb_buf_putc(&b, (char)S_lower(c));
			}
		}
		while (b.len && b.data[b.len - 1] == ' ')
			b.data[--b.len] = '\0';
		/* A name must start with a word character to be found at all. */
		if (b.len && b.data[0] != '#' && S_word_len((uc *)b.data, b.len, 0) > 0) {
			nm->entries++;
			S_name_forms(&names, b.data);
			cb_strv_push_own(&names, cb_buf_detach(&b));
		}
		cb_buf_free(&b);
		i = e + 1;
	}
	cb_textnorm_free(&folded);
	if (names.n > 1) {
		qsort(names.v, names.n, sizeof *names.v, S_cmp_names);
		size_t w = 1;
		for (size_t k = 1; k < names.n; k++) {
			if (strcmp(names.v[k], names.v[w - 1]) == 0)
				free(names.v[k]);
			else
				names.v[w++] = names.v[k];
		}
		names.n = w;
	}
	nm->names = names.v;
	nm->n = names.n;
	nm->nslots = 16;
	while (nm->nslots < nm->n * 2)
		nm->nslots *= 2;
	nm->slots = cb_xcalloc(nm->nslots, sizeof *nm->slots);
	for (size_t k = 0; k < nm->n; k++) {
		uc *s = (uc *)nm->names[k];
		size_t w = S_word_len(s, strlen(nm->names[k]), 0);
		uint64_t h = S_hash_word(s, w);
		S_slot *slot = S_find_slot(nm, h, s, w);
		if (slot->hash == 0) {
			slot->hash = h;
			slot->first = k;
		}
		slot->count++;
	}
	return nm;
}

size_t cb_pii_names_count(const cb_pii_names *nm)
{
	return nm ? nm->entries : 0;
}

void cb_pii_names_hash(const cb_pii_names *nm, cb_hash *h)
{
	size_t n = nm ? nm->n : 0;
	cb_hash_u64(h, (uint64_t)n);
	for (size_t i = 0; i < n; i++)
		cb_hash_str(h, nm->names[i]);
}

void cb_pii_names_free(cb_pii_names *nm)
{
	if (!nm)
		return;
	for (size_t k = 0; k < nm->n; k++)
		free(nm->names[k]);
	free(nm->names);
	free(nm->slots);
	free(nm);
}

/* The deny-listed name at t[i] (a word start); its length or 0. Names are
 * written with a capital, so a word starting with a lower-case ASCII
 * letter is taken as an ordinary word ("rose", "will", "may"). */
static size_t S_name(const cb_pii_names *nm, uc *t, size_t len, size_t i)
{
	if (t[i] >= 'a' && t[i] <= 'z')
		return 0;
	size_t w = S_word_len(t, len, i);
	if (!w)
		return 0;
	S_slot *slot = S_find_slot(nm, S_hash_word(t + i, w), t + i, w);
	if (slot->hash == 0)
		return 0;
	for (size_t k = slot->first; k < slot->first + slot->count; k++) {
		const char *name = nm->names[k];
		size_t p = i;
		bool ok = true;
		for (const char *q = name; *q && ok; q++) {
			if (*q == ' ') {
				/* "Smith,Jane" and "J.Smith" are written too. */
				size_t s = S_space(t, len, p);
				ok = s > 0 || (q > name && (q[-1] == ',' || q[-1] == '.'));
				p += s;
			} else {
				ok = p < len && S_lower(t[p]) == (unsigned char)*q;
				p++;
			}
		}
		if (ok && !S_word_at(t, len, p))
			return p - i;
	}
	return 0;
}

/* ---- the scan ---- */

typedef struct S_hits {
	cb_pii_hit *v;
	size_t n, cap;
} S_hits;

static void S_add(S_hits *h, cb_pii_kind kind, size_t off, size_t len)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->v = cb_xrealloc(h->v, h->cap * sizeof *h->v);
	}
	h->v[h->n++] = (cb_pii_hit){kind, off, len};
}

static int S_cmp_hits(const void *a, const void *b)
{
	const cb_pii_hit *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

size_t cb_pii_scan(const char *text, size_t len, const cb_pii_names *names, cb_pii_hit **out)
{
	uc *t = (uc *)text;
	S_hits h = {NULL, 0, 0};
	bool use_names = names && names->n;
	size_t i = 0, n, a, b;
	while (i < len) {
		unsigned c = t[i];
		unsigned k = S_cls[c];
		if (!k) {
			i++;
		} else if (k & S_DIGIT) {
			if (S_num_start(t, i)) {
				if ((n = S_nhs(t, len, i))) {
					S_add(&h, CB_PII_NHS_NUMBER, i, n);
					i += n;
					continue;
				}
				if (c == '0' && (n = S_phone(t, len, i))) {
					S_add(&h, CB_PII_PHONE, i, n);
					i += n;
					continue;
				}
			}
			while (i < len && S_alnum(t[i]))
				i++;
		} else if (k & S_ALPHA) {
			if (!S_word_before(t, i)) {
				bool dob_only;
				/* A National Insurance number or a postcode has a digit
				 * among its first three characters ("GIR 0AA" aside), which
				 * rules out almost every word at once. */
				bool digitish = i + 2 < len && (!S_alpha(t[i + 1]) || !S_alpha(t[i + 2]) ||
								S_lower(c) == 'g');
				if (digitish && (n = S_ni(t, len, i))) {
					S_add(&h, CB_PII_NI_NUMBER, i, n);
					i += n;
					continue;
				}
				if (digitish && (n = S_postcode(t, len, i))) {
					S_add(&h, CB_PII_POSTCODE, i, n);
					i += n;
					continue;
				}
				if ((n = S_dob_keyword(t, len, i, &dob_only)) &&
				    S_dob(t, len, i, i + n, dob_only, &a, &b))
					S_add(&h, CB_PII_DATE_OF_BIRTH, a, b - a);
				if (use_names && (n = S_name(names, t, len, i))) {
					S_add(&h, CB_PII_NAME, i, n);
					i += n;
					continue;
				}
			}
			while (i < len && S_alnum(t[i]))
				i++;
		} else if (c == '+' || c == '(') {
			if (!S_word_before(t, i) && (n = S_phone(t, len, i))) {
				S_add(&h, CB_PII_PHONE, i, n);
				i += n;
				continue;
			}
			i++;
		} else if (c == '@') {
			if (S_email(t, len, i, &a, &b)) {
				S_add(&h, CB_PII_EMAIL, a, b - a);
				i = b;
				continue;
			}
			i++;
		} else if ((k & S_LEAD) && use_names && !S_word_before(t, i) &&
			   (n = S_name(names, t, len, i))) {
			S_add(&h, CB_PII_NAME, i, n);
			i += n;
		} else {
			i++;
		}
	}
	/* Sort, then merge overlaps (a name inside an e-mail address, one
	 * date announced by both "DOB" and "date of birth"). */
	if (h.n > 1)
		qsort(h.v, h.n, sizeof *h.v, S_cmp_hits);
	size_t w = 0;
	for (size_t k = 0; k < h.n; k++) {
		cb_pii_hit *last = w ? &h.v[w - 1] : NULL;
		if (last && h.v[k].off < last->off + last->len) {
			if (h.v[k].kind < last->kind)
				*last = h.v[k];
			continue;
		}
		h.v[w++] = h.v[k];
	}
	if (w == 0) {
		free(h.v);
		h.v = NULL;
	}
	*out = h.v;
	return w;
}

/* ---- the check ---- */

/* Appends s with case folded and spacing dropped (see cb_pii_allowed). */
static void S_norm(cb_buf *b, const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		unsigned c = (unsigned char)s[k];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-' || c == '(' || c == ')')
			continue;
		if (c == 0xC2 && k + 1 < n && (unsigned char)s[k + 1] == 0xA0) {
			k++;
			continue;
		}
		cb_buf_putc(b, (char)S_lower(c));
	}
	cb_buf_putc(b, '\0');
	b->len--;
}

bool cb_pii_allowed(const char *value, size_t len, const cb_strv *allow)
{
	if (!allow || allow->n == 0)
		return false;
	cb_buf v = CB_BUF_INIT, a = CB_BUF_INIT;
	S_norm(&v, value, len);
	bool found = false;
	for (size_t k = 0; k < allow->n && !found; k++) {
		cb_buf_clear(&a);
		S_norm(&a, allow->v[k], strlen(allow->v[k]));
		found = a.len == v.len && memcmp(a.data, v.data, v.len) == 0;
	}
	cb_buf_free(&v);
	cb_buf_free(&a);
	return found;
}

/* The finding as shown in a message: line breaks and runs of spacing as
 * one space, cut short if very long. Caller frees. */
static char *S_shown(const char *s, size_t n)
{
	cb_buf b = CB_BUF_INIT;
	for (size_t k = 0; k < n && b.len < 120; k++) {
		char c = s[k];
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
			if (b.len && b.data[b.len - 1] != ' ')
				cb_buf_putc(&b, ' ');
		} else {
			cb_buf_putc(&b, c);
		}
	}
	return cb_buf_detach(&b);
}

/* The position of byte o of text: counted from the start, or from the
 * anchor before it. */
typedef struct S_pos {
	size_t pos;
	int line, col;
} S_pos;

static void S_position(const cb_pii_where *w, const char *text, size_t o, S_pos *p)
{
	if (w->at && w->nat) {
		size_t lo = 0, hi = w->nat;
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (w->at[mid].off <= o)
				lo = mid;
			else
				hi = mid;
		}
		const cb_pii_anchor *a = &w->at[lo];
		p->line = a->line;
		p->col = a->col;
		for (size_t k = a->off; k < o && a->line; k++) {
			if (text[k] == '\n')
				p->line++, p->col = 1;
			else if (((unsigned char)text[k] & 0xC0) != 0x80)
				p->col++;
		}
		return;
	}
	/* Hits come in order, so positions are counted in one pass. */
	for (; p->pos < o; p->pos++) {
		if (text[p->pos] == '\n')
			p->line++, p->col = 1;
		else if (((unsigned char)text[p->pos] & 0xC0) != 0x80)
			p->col++;
	}
}

static bool S_listed(const cb_strv *v, const char *s)
{
	for (size_t k = 0; v && k < v->n; k++)
		if (strcmp(v->v[k], s) == 0)
			return true;
	return false;
}

size_t cb_pii_check_text(const cb_pii_where *w, const char *text, size_t len, const cb_strv *allow,
			 const cb_pii_names *names, cb_diags *d, cb_strv *found)
{
	/* Positions are only counted from an anchor with a line: for a file
	 * as a whole (line 0), where each byte came from is never asked. */
	cb_textnorm nt;
	if (w->at && w->nat == 1 && w->at[0].line == 0)
		cb_textnorm_run_unmapped(text, len, &nt);
	else
		cb_textnorm_run(text, len, &nt);
	cb_pii_hit *hits;
	size_t nhits = cb_pii_scan(nt.text, nt.len, names, &hits), errors = 0;
	S_pos pos = {0, 1, 1};
	cb_buf key = CB_BUF_INIT;
	cb_strv reported = CB_STRV_INIT;
	for (size_t k = 0; k < nhits; k++) {
		const cb_pii_hit *hit = &hits[k];
		const char *value = nt.text + hit->off;
		if (cb_pii_allowed(value, hit->len, allow))
			continue;
		/* A finding is known by its line and value: the same value
		 * written elsewhere is reported again. */
		S_position(w, text, cb_textnorm_src(&nt, hit->off), &pos);
		cb_buf_clear(&key);
		cb_buf_printf(&key, "%d:", pos.line);
		S_norm(&key, value, hit->len);
		if (S_listed(w->skip, key.data))
			continue;
		/* One place is reported once (a link's text and its target, an
		 * image's alt text in the flow and as an attribute). */
		char *here = cb_xasprintf("%d:%s", pos.col, key.data);
		bool again = S_listed(&reported, here);
		if (!again)
			cb_strv_push(&reported, here);
		free(here);
		if (again)
			continue;
		if (found)
			cb_strv_push(found, key.data);
		char *shown = S_shown(value, hit->len);
		const char *ctx = w->context ? w->context : "";
		if (hit->kind == CB_PII_NAME)
			cb_diags_add(d, CB_ERROR, w->file, pos.line, pos.line ? pos.col : 0,
				     cb_pii_rule(hit->kind),
				     "'%s'%s is on the list of names that must not be published (pii-names); "
				     "remove it, or if it must be published add it to pii-allow in the front "
				     "matter",
				     shown, ctx);
		else
			cb_diags_add(d, CB_ERROR, w->file, pos.line, pos.line ? pos.col : 0,
				     cb_pii_rule(hit->kind),
				     "possible %s '%s'%s; remove it, or if it must be published add it to "
				     "pii-allow in the front matter",
				     cb_pii_label(hit->kind), shown, ctx);
		free(shown);
		errors++;
	}
	cb_buf_free(&key);
	cb_strv_free(&reported);
	free(hits);
	cb_textnorm_free(&nt);
	return errors;
}

size_t cb_pii_check(const char *file, const char *text, size_t len, const cb_strv *allow,
		    const cb_pii_names *names, cb_diags *d)
{
	/* Positions are counted after a byte order mark, as everywhere else. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	cb_pii_where w = {file, NULL, 0, NULL, NULL};
	return cb_pii_check_text(&w, text, len, allow, names, d, NULL);
}
