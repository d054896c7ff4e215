/* Unit tests for the personal-data check: each detector with the usual
 * spellings and near misses, the deny-list, the allow-list, positions. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "markdown.h"
#include "pii.h"
#include "pubcheck.h"
#include "textnorm.h"
#include "util.h"

/* Every finding in text as "rule=value" lines (value exactly as found). */
static char *S_found_names(const char *text, const cb_pii_names *names)
{
	cb_pii_hit *hits;
	size_t n = cb_pii_scan(text, strlen(text), names, &hits);
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++)
		cb_buf_printf(&b, "%s=%.*s\n", cb_pii_rule(hits[i].kind), (int)hits[i].len,
			      text + hits[i].off);
	free(hits);
	return cb_buf_detach(&b);
}

static void S_expect(const char *text, const char *expected)
{
	char *got = S_found_names(text, NULL);
	if (strcmp(got, expected) != 0)
		fprintf(stderr, "text: %s\n", text);
	assert_string_equal(got, expected);
	free(got);
}

/* The diagnostics cb_pii_check reports, as printed. */
static char *S_check(const char *text, const cb_strv *allow, const cb_pii_names *names, size_t *errors)
{
	cb_diags d = CB_DIAGS_INIT;
	*errors = cb_pii_check("content/x.md", text, strlen(text), allow, names, &d);
	assert_int_equal(d.errors, *errors);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	cb_diags_print(&d, f, false);
	fclose(f);
	cb_diags_free(&d);
	return buf;
}

static void test_nhs_modulus_11(void **state)
{
	/* 9×10 + 4×9 + 3×8 + 4×7 + 7×6 + 6×5 + 5×4 + 9×3 + 1×2 = 299;
	 * 299 mod 11 = 2; 11 − 2 = 9, the last digit. */
	assert_true(cb_pii_nhs_valid("9434765919"));
	assert_false(cb_pii_nhs_valid("9434765918"));
	assert_true(cb_pii_nhs_valid("4010232137"));
	assert_true(cb_pii_nhs_valid("4857773457"));
	/* Remainder 0: 11 − 0 = 11, which means a check digit of 0. */
	assert_true(cb_pii_nhs_valid("4000000020"));
	assert_false(cb_pii_nhs_valid("4000000021"));
	/* Check digit 10 is never issued, whatever the last digit. */
	for (char last = '0'; last <= '9'; last++) {
		char s[11] = "400000008";
		s[9] = last;
		s[10] = '\0';
		assert_false(cb_pii_nhs_valid(s));
	}
	/* The wrong subtraction (check = remainder) would accept this one. */
	assert_false(cb_pii_nhs_valid("6000000005"));
	assert_true(cb_pii_nhs_valid("6000000006"));
	assert_false(cb_pii_nhs_valid("94347659x9"));
}

static void test_nhs_spellings(void **state)
{
	S_expect("NHS number 943 476 5919 recorded.", "pii-nhs-number=943 476 5919\n");
	S_expect("NHS no. 943-476-5919", "pii-nhs-number=943-476-5919\n");
	S_expect("(9434765919)", "pii-nhs-number=9434765919\n");
	S_expect("943\xC2\xA0"
		 "476\xC2\xA0"
		 "5919",
		 "pii-nhs-number=943\xC2\xA0"
		 "476\xC2\xA0"
		 "5919\n");
	/* Wrapped onto the next line in a hard-wrapped paragraph. */
	S_expect("her NHS number was 943 476\n5919 and", "pii-nhs-number=943 476\n5919\n");
	S_expect("4010232137 and 401 023 2137", "pii-nhs-number=4010232137\npii-nhs-number=401 023 2137\n");
	/* Failing the check: not flagged. */
	S_expect("NHS number 943 476 5918 recorded.", "");
	S_expect("400 000 0080", "");
	/* Not ten digits, other groupings, or part of something longer. */
	S_expect("94347659190 194347659 19434765919", "");
	S_expect("9434 765 919", "");
	S_expect("ref9434765919 9434765919x 3.9434765919", "");
	S_expect("943 476 59190", "");
}

static void test_postcodes(void **state)
{
	S_expect("lived at SW1A 1AA for a year", "pii-postcode=SW1A 1AA\n");
	S_expect("M1 1AE, B33 8TH, CR2 6XH, DN55 1PT, W1A 0AX, EC1A 1BB",
		 "pii-postcode=M1 1AE\npii-postcode=B33 8TH\npii-postcode=CR2 6XH\npii-postcode=DN55 1PT\n"
		 "pii-postcode=W1A 0AX\npii-postcode=EC1A 1BB\n");
	S_expect("sw1a1aa and m11ae", "pii-postcode=sw1a1aa\npii-postcode=m11ae\n");
	S_expect("GIR 0AA", "pii-postcode=GIR 0AA\n");
	S_expect("(LS1 4AP)", "pii-postcode=LS1 4AP\n");
	/* Districts alone are fine, and so are near misses. */
	S_expect("families in M1 and SW1A, the B33 area, LS1", "");
	S_expect("QA1 1AA V1 1AA", "");			    /* Q and V never start a postcode */
	S_expect("M1 1CA", "");				    /* C is not used in the inward code */
	S_expect("XM1 1AE M1 1AEX", "");		    /* part of longer words */
	S_expect("took the A1 2nd exit on the M1 1st", ""); /* lower-case ordinals */
	S_expect("M1 1ST", "pii-postcode=M1 1ST\n");
}

static void test_phones(void **state)
{
	S_expect("call 020 7946 0958 today", "pii-phone=020 7946 0958\n");
	S_expect("(020) 7946 0958", "pii-phone=(020) 7946 0958\n");
	S_expect("0161 496 0000 or 01632 960001", "pii-phone=0161 496 0000\npii-phone=01632 960001\n");
	S_expect("mobile 07700 900123, 07700900123 or 07700-900-123",
		 "pii-phone=07700 900123\npii-phone=07700900123\npii-phone=07700-900-123\n");
	S_expect("+44 7700 900123 and +447700900123", "pii-phone=+44 7700 900123\npii-phone=+447700900123\n");
	S_expect("+44 (0)20 7946 0958", "pii-phone=+44 (0)20 7946 0958\n");
	S_expect("0044 20 7946 0958", "pii-phone=0044 20 7946 0958\n");
	/* Two numbers side by side are two findings. */
	S_expect("020 7946 0958 07700 900123", "pii-phone=020 7946 0958\npii-phone=07700 900123\n");
	/* Organisations' numbers (03, 08, 09) and short numbers are not personal. */
	S_expect("NSPCC 0808 800 5000, Childline 0800 1111, council 0300 123 4567", "");
	/* Not phones: too short, too long, dates, scores, decimals. */
	S_expect("0207 946", "");
	S_expect("0123 4567 8901 2345", "");
	S_expect("01 12 2015 and 0 1 2 3 4 5 6 7 8 9", "");
	S_expect("1.07700900123", "");
	S_expect("+33 1 23 45 67 89", "");
}

static void test_emails(void **state)
{
	S_expect("write to jane.smith@harrowdene.example.org.",
		 "pii-email=jane.smith@harrowdene.example.org\n");
	S_expect("<mailto:a_b+c@x.co.uk>", "pii-email=a_b+c@x.co.uk\n");
	S_expect("(dr-who@nhs.net)", "pii-email=dr-who@nhs.net\n");
	/* Not addresses: handles, no domain, no top-level domain. */
	S_expect("@harrowdene, user@localhost, a@b.c, x@.org, a@-b.org, .@x.org", "");
}

static void test_ni_numbers(void **state)
{
	S_expect("NI number AB 12 34 56 C", "pii-ni-number=AB 12 34 56 C\n");
	S_expect("AB123456C and ce 10 20 30 d", "pii-ni-number=AB123456C\npii-ni-number=ce 10 20 30 d\n");
	/* Invalid prefixes and suffixes are not flagged. */
	S_expect("QQ 12 34 56 C", ""); /* the usual dummy: Q is never used */
	S_expect("DA123456A FA123456A AO123456A", "");
	S_expect("BG123456A GB123456A NK123456A TN123456A ZZ123456A", "");
	S_expect("AB123456E AB12345C AB1234567C", "");
}

static void test_dates_of_birth(void **state)
{
	S_expect("Child B was born on 12 June 2019 at home.", "pii-date-of-birth=12 June 2019\n");
	S_expect("DOB: 03/03/2015", "pii-date-of-birth=03/03/2015\n");
	S_expect("d.o.b. 3.3.15", "pii-date-of-birth=3.3.15\n");
	S_expect("Date of birth 2015-03-03", "pii-date-of-birth=2015-03-03\n");
	S_expect("born on the 3rd of March 2015", "pii-date-of-birth=3rd of March 2015\n");
	S_expect("born at 26 weeks on Sept. 3, 2015", "pii-date-of-birth=Sept. 3, 2015\n");
	S_expect("birth date: 1 Jan 2020", "pii-date-of-birth=1 Jan 2020\n");
	S_expect("3 March 2015 (DOB)", "pii-date-of-birth=3 March 2015\n");
	/* Wrapped onto the next line. */
	S_expect("Baby D was born\non 4 May 2021.", "pii-date-of-birth=4 May 2021\n");
	/* Month and year only, as anonymised summaries write them; dates not
	 * announced as a birth; a new sentence; a following front matter field. */
	S_expect("born at term in January 2024, Mother's first child", "");
	S_expect("Born preterm or with low birth weight | 11 |", "");
	S_expect("The review met on 12 June 2019.", "");
	S_expect("She was born in 2015. On 3 March 2020 the school called.", "");
	S_expect("title: Babies born too soon\ndate: 2024-03-14\n", "");
	S_expect("died on 3 March 2020, born at 26 weeks", "");
	S_expect("stubborn 3 March 2015, newborn 3 March 2015", "");
	S_expect("born on 32/13/2015 or version 1.2.3.4", "");
}

static void test_names_deny_list(void **state)
{
	const char *list = "\xEF\xBB\xBF# children and family\n"
			   "Jane  Smith\r\n"
			   "\n"
			   "Kayden\n"
			   "O'Brien\n"
			   "Zoë Adeyemi\n"
			   "Rose\n"
			   "Jane\n";
	cb_pii_names *nm = cb_pii_names_parse(list, strlen(list));
	assert_int_equal(cb_pii_names_count(nm), 6);
	char *got = S_found_names("Jane Smith's partner, KAYDEN, Mrs O'Brien and Zoë Adeyemi met Jane.", nm);
	assert_string_equal(got,
			    "pii-name=Jane Smith\npii-name=KAYDEN\npii-name=O'Brien\npii-name=Zoë Adeyemi\n"
			    "pii-name=Jane\n");
	free(got);
	/* Across a line break; the curly apostrophe ends the word. */
	got = S_found_names("Jane\nSmith’s file", nm);
	assert_string_equal(got, "pii-name=Jane\nSmith\n");
	free(got);
	/* Only whole words, and a lower-case word is an ordinary word. */
	got = S_found_names("Kaydens, Smithson, Janet, roses, a rose, the Rose Unit", nm);
	assert_string_equal(got, "pii-name=Rose\n");
	free(got);
	/* A name inside an e-mail address is reported once, as the address. */
	got = S_found_names("jane@x.org Jane@x.org", nm);
	assert_string_equal(got, "pii-email=jane@x.org\npii-email=Jane@x.org\n");
	free(got);
	cb_pii_names_free(nm);

	cb_pii_names *empty = cb_pii_names_parse(NULL, 0);
	assert_int_equal(cb_pii_names_count(empty), 0);
	got = S_found_names("Jane Smith", empty);
	assert_string_equal(got, "");
	free(got);
	cb_pii_names_free(empty);
	cb_pii_names_free(NULL);
}

static void test_check_positions_and_messages(void **state)
{
	const char *text = "\xEF\xBB\xBF---\n"
			   "title: \"Café review, call 020 7946 0958\"\n"
			   "type: briefing\n"
			   "date: 2024-01-10\n"
			   "summary: Baby born on 1 May 2023 at SW1A 1AA.\n"
			   "questions:\n"
			   "  - Did anyone e-mail lead@harrowdene.example.org?\n"
			   "actions:\n"
			   "  - action: Share NHS number 943 476 5919\n"
			   "---\n"
			   "\n"
			   "Jane's NI number was AB 12 34 56 C.\n";
	size_t errors;
	char *got = S_check(text, NULL, NULL, &errors);
	assert_int_equal(errors, 6);
	assert_string_equal(
	    got,
	    "content/x.md:2:27: error: possible phone number '020 7946 0958'; remove it, or if it must be "
	    "published add it to pii-allow in the front matter [pii-phone]\n"
	    "content/x.md:5:23: error: possible date of birth '1 May 2023'; remove it, or if it must be "
	    "published "
	    "add it to pii-allow in the front matter [pii-date-of-birth]\n"
	    "content/x.md:5:37: error: possible full postcode 'SW1A 1AA'; remove it, or if it must be "
	    "published "
	    "add it to pii-allow in the front matter [pii-postcode]\n"
	    "content/x.md:7:23: error: possible e-mail address 'lead@harrowdene.example.org'; remove it, or "
	    "if it "
	    "must be published add it to pii-allow in the front matter [pii-email]\n"
	    "content/x.md:9:30: error: possible NHS number '943 476 5919'; remove it, or if it must be "
	    "published "
	    "add it to pii-allow in the front matter [pii-nhs-number]\n"
	    "content/x.md:12:22: error: possible National Insurance number 'AB 12 34 56 C'; remove it, or if "
	    "it "
	    "must be published add it to pii-allow in the front matter [pii-ni-number]\n");
	free(got);

	/* A wrapped finding is shown on one line, at its first character. */
	got = S_check("x\n  943 476\n  5919\n", NULL, NULL, &errors);
	assert_int_equal(errors, 1);
	assert_string_equal(
	    got, "content/x.md:2:3: error: possible NHS number '943 476 5919'; remove it, or if it "
		 "must be published add it to pii-allow in the front matter [pii-nhs-number]\n");
	free(got);

	cb_pii_names *nm = cb_pii_names_parse("Kayden\n", 7);
	got = S_check("Kayden was seen.", NULL, nm, &errors);
	assert_int_equal(errors, 1);
	assert_string_equal(
	    got, "content/x.md:1:1: error: 'Kayden' is on the list of names that must not be "
		 "published (pii-names); remove it, or if it must be published add it to pii-allow "
		 "in the front matter [pii-name]\n");
	free(got);
	cb_pii_names_free(nm);
}

static void test_allow_list(void **state)
{
	cb_strv allow = CB_STRV_INIT;
	cb_strv_push(&allow, "9434765919");		     /* other spacing */
	cb_strv_push(&allow, "LEAD@Harrowdene.example.org"); /* other case */
	cb_strv_push(&allow, "kayden");
	assert_true(cb_pii_allowed("943 476 5919", 12, &allow));
	assert_true(cb_pii_allowed("943-476-\n5919", 13, &allow));
	assert_true(cb_pii_allowed("lead@harrowdene.example.org", 27, &allow));
	assert_false(cb_pii_allowed("943 476 5910", 12, &allow));
	assert_false(cb_pii_allowed("kayde", 5, &allow));
	assert_false(cb_pii_allowed("kayden", 6, NULL));

	cb_pii_names *nm = cb_pii_names_parse("Kayden\nJane Smith\n", 18);
	size_t errors;
	char *got = S_check("Kayden and Jane Smith; 943 476 5919; lead@harrowdene.example.org; 020 7946 0958",
			    &allow, nm, &errors);
	assert_int_equal(errors, 2);
	assert_string_equal(
	    got,
	    "content/x.md:1:12: error: 'Jane Smith' is on the list of names that must not be published "
	    "(pii-names); remove it, or if it must be published add it to pii-allow in the front matter "
	    "[pii-name]\n"
	    "content/x.md:1:67: error: possible phone number '020 7946 0958'; remove it, or if it must be "
	    "published add it to pii-allow in the front matter [pii-phone]\n");
	free(got);
	cb_pii_names_free(nm);
	cb_strv_free(&allow);
}

static void test_clean_text(void **state)
{
	/* The kind of text the demo content holds: no false alarms. */
	S_expect(
	    "---\ntitle: \"Child A: learning from a rapid review\"\ntype: case-review\ndate: 2024-05-01\n"
	    "review-by: 2026-03-01\nsource: https://example.org/reports/2024/child-a\n---\n\n"
	    "## Key learning\n\n- Baby B, born at term in January 2024, was 3 months old.\n"
	    "- 13 % of local authorities by the end of 2015 against an 80 % target.\n"
	    "- Four areas review ~120 deaths a year; the M1 and A1(M) corridor.\n"
	    "- Version 2.1.0 of the CP-IS flag; ISBN 978-0-19-852663-6.\n"
	    "| Action | Owner | Due | RAG |\n|---|---|---|---|\n| Audit | ICB | 2025-03-15 | red |\n",
	    "");
}

/* The folded text, and where each byte came from; the same text without
 * the map (cb_textnorm_run_unmapped). */
static void S_fold(const char *in, const char *want)
{
	cb_textnorm t;
	cb_textnorm_run(in, strlen(in), &t);
	assert_string_equal(t.text, want);
	assert_int_equal(strlen(t.text), t.len);
	assert_int_equal(cb_textnorm_src(&t, t.len), strlen(in));
	for (size_t i = 1; i < t.len; i++)
		assert_true(cb_textnorm_src(&t, i - 1) <= cb_textnorm_src(&t, i));
	cb_textnorm_free(&t);
	/* Without the map: the same text. */
	cb_textnorm_run_unmapped(in, strlen(in), &t);
	assert_string_equal(t.text, want);
	assert_int_equal(strlen(t.text), t.len);
	assert_null(t.from);
	cb_textnorm_free(&t);
}

static void test_textnorm(void **state)
{
	S_fold("plain ASCII, untouched\n\ttab", "plain ASCII, untouched\n\ttab");
	/* Every kind of space: no-break, narrow no-break, thin, em, ideographic. */
	S_fold("a\xC2\xA0"
	       "b\xE2\x80\xAF"
	       "c\xE2\x80\x89"
	       "d\xE2\x80\x83"
	       "e\xE3\x80\x80"
	       "f",
	       "a b c d e f");
	/* Format characters go: zero-width space, joiners, word joiner, soft
	 * hyphen, byte order mark, direction marks. */
	S_fold("9\xE2\x80\x8B"
	       "4\xE2\x80\x8C"
	       "3\xE2\x80\x8D"
	       "4\xE2\x81\xA0"
	       "7\xC2\xAD"
	       "6\xEF\xBB\xBF"
	       "5\xE2\x80\x8E"
	       "9",
	       "94347659");
	/* Controls go (C0 but tab, newline and carriage return; DEL; C1). */
	S_fold("a\x1B[31mb\x07"
	       "c\x7F"
	       "d\xC2\x9B"
	       "e\r\n",
	       "a[31mbcde\r\n");
	/* Compatibility forms: full-width digits and letters, circled and
	 * superscript digits, mathematical digits; digits of other scripts;
	 * dashes. */
	S_fold("\xEF\xBC\x99\xEF\xBC\x94\xEF\xBC\x93 \xEF\xBC\xA1\xEF\xBD\x82", "943 Ab");
	S_fold("\xE2\x91\xA0\xC2\xB2 \xF0\x9D\x9F\x8F\xF0\x9D\x9F\x9C", "12 14");
	S_fold("\xD9\xA9\xD9\xA4\xDB\xB3 \xE0\xA5\xAD", "943 7");
	S_fold("1\xE2\x80\x90"
	       "2\xE2\x80\x93"
	       "3\xE2\x88\x92"
	       "4\xEF\xBC\x8D"
	       "5",
	       "1-2-3\xE2\x88\x92"
	       "4-5");
	/* Letters and their marks are composed (NFKC). */
	S_fold("Zoe\xCC\x88 Zo\xC3\xAB", "Zo\xC3\xAB Zo\xC3\xAB");
	/* Bytes that are not UTF-8 stay as they are. */
	S_fold("a\xFF"
	       "b\xC3",
	       "a\xFF"
	       "b\xC3");

	char *e = cb_textnorm_escape("bad\x1B[2J\x07name\xC2\x9B.md", 17);
	assert_string_equal(e, "bad\\x1B[2J\\x07name\\u009B.md");
	free(e);
}

/* Evasions of the check in the source text: each must still be found, at
 * the author's position. */
static void test_evasions_in_source(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"NHS 943\xE2\x80\x8B"
	     "476\xE2\x80\x8B"
	     "5919.",
	     "1:5 '9434765919'"},
	    {"NHS "
	     "\xEF\xBC\x99\xEF\xBC\x94\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x97\xEF\xBC\x96\xEF\xBC\x95\xEF\xBC"
	     "\x99\xEF"
	     "\xBC\x91\xEF\xBC\x99 x",
	     "1:5 '9434765919'"},
	    {"NHS 943.476.5919", "1:5 '943.476.5919'"},
	    {"NHS 943/476/5919", "1:5 '943/476/5919'"},
	    {"NHS 943\xC2\xA0"
	     "476\xE2\x80\x87"
	     "5919",
	     "1:5 '943 476 5919'"},
	    {"NHS 943\xE2\x80\x94"
	     "476\xE2\x80\x94"
	     "5919",
	     "1:5 '943-476-5919'"},
	    {"tel 020.7946.0958", "1:5 '020.7946.0958'"},
	    {"x\n\xEF\xBC\x90\xEF\xBC\x97\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x90 900123", "2:1 '07700 900123'"},
	    {"a\xE2\x80\x8B@b\xE2\x80\x8B.org", "1:1 'a@b.org'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cb_diags d = CB_DIAGS_INIT;
		size_t n = cb_pii_check("x.md", cases[i].text, strlen(cases[i].text), NULL, NULL, &d);
		if (n != 1)
			fprintf(stderr, "case %zu: %zu findings\n", i, n);
		assert_int_equal(n, 1);
		char *got = cb_xasprintf("%d:%d '%s'", d.v[0].line, d.v[0].col, strchr(d.v[0].msg, '\'') + 1);
		*strchr(strchr(got, '\'') + 1, '\'') = '\'';
		strchr(strchr(got, '\'') + 1, '\'')[1] = '\0';
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu: %s\n", i, got);
		assert_string_equal(got, cases[i].want);
		free(got);
		cb_diags_free(&d);
	}
	/* Not personal data, however it is written: dates, years, page and
	 * service numbers, versions, postcode districts. */
	static const char *const clean[] = {
	    "On 03/08/2019 and 14.03.2024, in 2019/2020, pages 112/113.",
	    "Helpline 0808.800.5000 or 0300/123/4567; version 1.2.3.",
	    "The M1 corridor; the \xEF\xBC\xAD\xEF\xBC\x91 district; ISBN 978-0-19-852663-6.",
	    "Between 2019\xE2\x80\x93"
	    "2020, 12\xE2\x80\x89"
	    "000 children.",
	};
	for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
		cb_diags d = CB_DIAGS_INIT;
		size_t n = cb_pii_check("x.md", clean[i], strlen(clean[i]), NULL, NULL, &d);
		if (n)
			fprintf(stderr, "clean %zu: %s\n", i, d.v[0].msg);
		assert_int_equal(n, 0);
		cb_diags_free(&d);
	}
}

static void test_name_forms(void **state)
{
	cb_pii_names *nm = cb_pii_names_parse("Jane Ann Smith\nKayden Marsh\nRosalind\n", 38);
	assert_int_equal(cb_pii_names_count(nm), 3);
	char *got = S_found_names("Smith, Jane Ann; Marsh, Kayden; Marsh,Kayden; K. Marsh; J.Smith; "
				  "Kayden Marsh's file; Marsh’s view; Rosalind's; Rosalind Marsh.",
				  nm);
	assert_string_equal(got, "pii-name=Smith, Jane Ann\npii-name=Marsh, Kayden\npii-name=Marsh,Kayden\n"
				 "pii-name=K. Marsh\npii-name=J.Smith\npii-name=Kayden Marsh\n"
				 "pii-name=Rosalind\npii-name=Rosalind\n");
	free(got);
	/* A surname alone is not the name; neither is another initial. */
	got = S_found_names("Mr Marsh and A. Marsh; Smith, John.", nm);
	assert_string_equal(got, "");
	free(got);
	/* Hidden characters and full-width letters do not hide a name. */
	cb_diags d = CB_DIAGS_INIT;
	const char *t = "Kay\xE2\x80\x8B"
			"den\xC2\xA0Marsh and \xEF\xBC\xB2osalind";
	assert_int_equal(cb_pii_check("x.md", t, strlen(t), NULL, nm, &d), 2);
	cb_diags_free(&d);
	cb_pii_names_free(nm);
}

static cb_link_status S_no_links(void *ctx, const char *path, int line, int col, char **href, int *target)
{
	return CB_LINK_MISSING;
}

/* The findings in a body as published, "LINE:COL VALUE" each. */
static char *S_published(const char *body, const cb_pii_names *names)
{
	cb_mdoc m;
	cb_diags d = CB_DIAGS_INIT, md = CB_DIAGS_INIT;
	cb_markdown_render(body, strlen(body), 7, "x.md", S_no_links, NULL, &m, &md);
	cb_pubcheck_body("x.md", &m.pub, body, strlen(body), 7, NULL, names, &d);
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "");
	for (size_t i = 0; i < d.n; i++) {
		const char *q = strchr(d.v[i].msg, '\'');
		cb_buf_printf(&b, "%d:%d %.*s\n", d.v[i].line, d.v[i].col, (int)(strchr(q + 1, '\'') - q - 1),
			      q + 1);
	}
	cb_mdoc_free(&m);
	cb_diags_free(&d);
	cb_diags_free(&md);
	return cb_buf_detach(&b);
}

/* Evasions that only the published text shows: the page joins what the
 * Markdown source keeps apart. Each is found at its source position,
 * once; what the source check finds already is not reported again. */
static void test_evasions_published(void **state)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
	    {"NHS **943** 476 5919.", "7:7 943 476 5919\n"},
	    {"NHS _943_ 476 ~~5919~~.", "7:6 943 476 5919\n"},
	    {"x\n\nNHS 943&#32;476&#32;5919.", "9:5 943 476 5919\n"},
	    {"NHS 943&nbsp;476&#x20;5919.", "7:5 943 476 5919\n"},
	    {"Mail jane&#64;harrowdene.example.org.", "7:6 jane@harrowdene.example.org\n"},
	    {"NHS 94347<b>6</b>5919 and <!-- -->943<br>476 5919.", "7:5 9434765919\n"},
	    {"NHS 943\\-476\\-5919.", "7:5 943-476-5919\n"},
	    {"[GP](tel:020&#55;9460958) ![alt 07700&#32;900123](x.png \"DOB 3&#32;March 2015\")",
	     /* Text first, then attribute values, placed on their line. */
	     "7:33 07700 900123\n7:5 02079460958\n7:31 3 March 2015\n"},
	    {"NHS `943` `476` `5919`.", "7:6 943 476 5919\n"},
	    /* Found by the source check already: not reported twice. */
	    {"NHS 943 476 5919, **020 7946 0958**.", ""},
	    /* Cells, blocks and list items are apart on the page. */
	    {"| 943 | 476 | 5919 |\n|---|---|---|\n\n- 943\n- 476 5919\n", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = S_published(cases[i].body, NULL);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu: %s\n", i, cases[i].body);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
	cb_pii_names *nm = cb_pii_names_parse("Kayden Marsh\n", 13);
	char *got = S_published(
	    "Seen: *Marsh*, Kayden; K.&#32;Marsh; [x](https://example.org \"Kayden&#32;Marsh\").", nm);
	assert_string_equal(got, "7:8 Marsh, Kayden\n7:24 K. Marsh\n7:38 Kayden Marsh\n");
	free(got);
	cb_pii_names_free(nm);

	/* A file name becomes the page's address. */
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(
	    cb_pubcheck_file_name("content/reviews/child-9434765919.md", "content", NULL, NULL, &d), 1);
	assert_int_equal(cb_pubcheck_file_name("content/kayden_marsh.md", "content", NULL,
					       nm = cb_pii_names_parse("Kayden Marsh\n", 13), &d),
			 1);
	assert_int_equal(
	    cb_pubcheck_file_name("content/2024-03-14-review-0808-800-5000.md", "content", NULL, nm, &d), 0);
	assert_int_equal(d.v[0].line, 0);
	cb_pii_names_free(nm);
	cb_diags_free(&d);
}

static void test_hostile_bytes(void **state)
{
	/* Truncated UTF-8, lone continuation bytes and text ending mid-number
	 * must not read past the end (the sanitizer build checks this). */
	const char *cases[] = {"\xE2\x80", "943 476", "+44",	    "\xC2",	   "a@",
			       "@b.org",   "born 3",  "SW1A ",	    "AB 12 34 56", "\x80\x80\x80Jane",
			       "(0",	   "gir 0a",  "born 20St ", "DOB 3 Mar",   "born Sept. 3,"};
	cb_pii_names *nm = cb_pii_names_parse("Jane\n\xC3\n", 8);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = strlen(cases[i]);
		char *copy = cb_xmalloc(n ? n : 1);
		memcpy(copy, cases[i], n);
		cb_pii_hit *hits;
		size_t k = cb_pii_scan(copy, n, nm, &hits);
		assert_true(k <= 1);
		free(hits);
		free(copy);
	}
	cb_pii_names_free(nm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nhs_modulus_11),
	    cmocka_unit_test(test_nhs_spellings),
	    cmocka_unit_test(test_postcodes),
	    cmocka_unit_test(test_phones),
	    cmocka_unit_test(test_emails),
	    cmocka_unit_test(test_ni_numbers),
	    cmocka_unit_test(test_dates_of_birth),
	    cmocka_unit_test(test_names_deny_list),
	    cmocka_unit_test(test_check_positions_and_messages),
	    cmocka_unit_test(test_allow_list),
	    cmocka_unit_test(test_clean_text),
	    cmocka_unit_test(test_hostile_bytes),
	    cmocka_unit_test(test_textnorm),
	    cmocka_unit_test(test_evasions_in_source),
	    cmocka_unit_test(test_name_forms),
	    cmocka_unit_test(test_evasions_published),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
