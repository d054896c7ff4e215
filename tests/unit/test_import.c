/* Unit tests for the import readers (generator/import/): text
 * normalisation, typed lists and section headings, the HTML reader, the
 * safe XML parser, what files are refused, and the PDF layout parser on
 * pdftotext -bbox-layout output written here by hand. Word, OpenDocument
 * and real PDFs are made by pandoc and Chromium in tests/e2e/test_import.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/draft.h"
#include "learning.h"
#include "import/import.h"
#include "import/import_int.h"

static cb_import_doc *S_read(const char *name, const char *data)
{
	cb_import_doc *d = NULL;
	cb_error err = CB_ERROR_INIT;
	int rc = cb_import_read_mem(name, data, strlen(data), &d, &err);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", name, err.msg);
	assert_int_equal(rc, 0);
	return d;
}

static const char *S_fail(const char *name, const char *data, size_t len)
{
	static cb_error err;
	memset(&err, 0, sizeof err);
	cb_import_doc *d = (cb_import_doc *)1;
	assert_int_equal(cb_import_read_mem(name, data, len, &d, &err), -1);
	assert_null(d);
	return err.msg;
}

static void test_normalise(void **state)
{
	/* No-break, thin and zero-width spaces, a soft hyphen, a ligature,
	 * a byte order mark and a tab. */
	const char *in = "\xEF\xBB\xBF  a\xC2\xA0"
			 "b\xE2\x80\x8B"
			 "c\tsafe\xC2\xAD"
			 "guarding \xEF\xAC\x81nd\xE2\x80\xAF"
			 "x  ";
	char *s = cb_imp_norm(in, strlen(in));
	assert_string_equal(s, "a bc safeguarding find x");
	free(s);
}

static void test_text(void **state)
{
	cb_import_doc *d = S_read("brief.txt", "Missed appointments\n\n"
					       "Published: May 2023\n\n"
					       "Key learning:\n"
					       "\xE2\x80\xA2 Follow up every missed appointment.\n"
					       "\xE2\x80\xA2 Tell the GP.\n"
					       "1. First step\n"
					       "2) Second step\n\n"
					       "A paragraph over\ntwo lines.\n\n"
					       "3. Recommendations\n\nNone.\n");
	assert_int_equal(d->format, CB_IMPORT_TEXT);
	assert_int_equal(d->nblocks, 10);
	assert_int_equal(d->blocks[0].kind, CB_IMPORT_HEADING);
	assert_int_equal(d->blocks[0].level, 1);
	assert_string_equal(d->blocks[0].text, "Missed appointments");
	assert_int_equal(d->blocks[1].kind, CB_IMPORT_PARAGRAPH);
	assert_int_equal(d->blocks[2].kind, CB_IMPORT_HEADING);
	assert_int_equal(d->blocks[2].level, 2);
	assert_string_equal(d->blocks[2].text, "Key learning");
	assert_int_equal(d->blocks[3].kind, CB_IMPORT_ITEM);
	assert_false(d->blocks[3].ordered);
	assert_string_equal(d->blocks[3].text, "Follow up every missed appointment.");
	assert_int_equal(d->blocks[5].kind, CB_IMPORT_ITEM);
	assert_true(d->blocks[5].ordered);
	assert_string_equal(d->blocks[6].text, "Second step");
	assert_string_equal(d->blocks[7].text, "A paragraph over two lines.");
	/* A numbered line naming a section on its own is a heading. */
	assert_int_equal(d->blocks[8].kind, CB_IMPORT_HEADING);
	assert_string_equal(d->blocks[8].text, "Recommendations");
	cb_import_doc_free(d);
}

static void test_list_mark(void **state)
{
	bool o;
	assert_int_equal(cb_imp_list_mark("- a", 3, &o), 2);
	assert_false(o);
	assert_int_equal(cb_imp_list_mark("(a) b", 5, &o), 4);
	assert_true(o);
	assert_int_equal(cb_imp_list_mark("12. b", 5, &o), 4);
	assert_int_equal(cb_imp_list_mark("2019 was", 8, &o), 0);
	assert_int_equal(cb_imp_list_mark("-5 degrees", 10, &o), 0);
	assert_int_equal(cb_imp_list_mark("on time", 7, &o), 0);
	assert_int_equal(cb_imp_list_mark("\xE2\x80\xA2", 3, &o), 0);
	assert_true(cb_imp_section_name("3. Key learning"));
	assert_true(cb_imp_section_name("Why it matters?"));
	assert_false(cb_imp_section_name("Learning was shared with every agency in the area."));
}

static void test_html(void **state)
{
	cb_import_doc *d = S_read(
	    "page.html", "<!DOCTYPE html><html><head><title>Site: Bruising</title>"
			 "<meta name=author content='Ann Example'><script>var x='<p>no</p>';</script></head>"
			 "<body><nav><a href='/'>Home</a></nav><h1>Bruising in babies</h1>"
			 "<div>Loose text<p>First <b>para</b> with <a href='https://example.org/x'>a "
			 "link</a>.</p></div>"
			 "<h2>Key learning</h2><ul><li>One<ul><li>Nested</li></ul></li><li>Two</li></ul>"
			 "<ol><li>Step</li></ol>"
			 "<table><tr><th>Agency</th><th>Action</th></tr><tr><td>GP</td><td>Recall</td></tr>"
			 "</table></body></html>");
	assert_string_equal(d->title, "Site: Bruising");
	assert_string_equal(d->author, "Ann Example");
	const char *want[] = {"Bruising in babies",
			      "Loose text",
			      "First para with a link.",
			      "Key learning",
			      "One",
			      "Nested",
			      "Two",
			      "Step",
			      "Agency | Action",
			      "GP | Recall"};
	assert_int_equal(d->nblocks, 10);
	for (size_t i = 0; i < 10; i++)
		assert_string_equal(d->blocks[i].text, want[i]);
	assert_int_equal(d->blocks[0].kind, CB_IMPORT_HEADING);
	assert_int_equal(d->blocks[2].nlinks, 1);
	assert_int_equal(d->blocks[2].links[0].off, 16);
	assert_int_equal(d->blocks[2].links[0].len, 6);
	assert_string_equal(d->blocks[2].links[0].href, "https://example.org/x");
	assert_int_equal(d->blocks[5].level, 1);
	assert_true(d->blocks[7].ordered);
	assert_int_equal(d->blocks[8].kind, CB_IMPORT_ROW);
	assert_true(d->blocks[8].header);
	assert_int_equal(d->blocks[9].cells.n, 2);
	char *all = cb_import_text(d);
	assert_non_null(strstr(all, "GP | Recall\n"));
	assert_non_null(strstr(all, "Ann Example\n"));
	free(all);
	cb_import_doc_free(d);
}

static void test_layout_tables(void **state)
{
	/* A table whose boxes hold sections is read as sections; a table of
	 * one line per cell stays a table. */
	const char *odt =
	    "<office:document-content xmlns:office='o' xmlns:text='t' xmlns:table='b'>"
	    "<office:body><office:text><table:table><table:table-row>"
	    "<table:table-cell><text:h text:outline-level='1'>Background</text:h>"
	    "<text:p>One.</text:p><text:p>Two.</text:p></table:table-cell>"
	    "<table:table-cell><text:p>Three.</text:p><text:p>Four.</text:p></table:table-cell>"
	    "</table:table-row></table:table>"
	    "<table:table><table:table-row><table:table-cell><text:p>GP</text:p></table:table-cell>"
	    "<table:table-cell><text:p>Recall</text:p></table:table-cell></table:table-row></table:table>"
	    "</office:text></office:body></office:document-content>";
	cb_import_doc *d = cb_xcalloc(1, sizeof *d);
	cb_error err = {{0}, 0, 0, {0}};
	assert_int_equal(cb_imp_odt_body("c.odt", odt, strlen(odt), d, &err), 0);
	const char *want[] = {"Background", "One.", "Two.", "Three.", "Four.", "GP | Recall"};
	assert_int_equal(d->nblocks, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(d->blocks[i].text, want[i]);
	assert_int_equal(d->blocks[0].kind, CB_IMPORT_HEADING);
	assert_int_equal(d->blocks[5].kind, CB_IMPORT_ROW);
	cb_import_doc_free(d);
}

static void test_xml_refused(void **state)
{
	/* Entity expansion (a billion laughs) and an external entity: both
	 * need a DTD, which is refused before any entity is looked at. */
	const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
			     "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><w:document>&b;</w:document>";
	const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			  "<d>&x;</d>";
	struct _xmlDoc *x = NULL;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(cb_imp_xml_parse("a.xml", laughs, strlen(laughs), false, &x, &err), -1);
	assert_non_null(strstr(err.msg, "DTD"));
	assert_int_equal(cb_imp_xml_parse("b.xml", xxe, strlen(xxe), false, &x, &err), -1);
	assert_null(x);
	assert_int_equal(cb_imp_xml_parse("c.xml", "<a><b></a>", 10, false, &x, &err), -1);
	assert_non_null(strstr(err.msg, "damaged"));
	assert_int_equal(err.line, 1);
}

static void test_refused(void **state)
{
	assert_non_null(strstr(S_fail("a.docx", "PK\x03\x04garbage", 11), "damaged"));
	assert_non_null(strstr(S_fail("a.docx", "hello", 5), "not a Word file"));
	assert_non_null(strstr(S_fail("a.pdf", "hello", 5), "not a PDF file"));
	assert_non_null(strstr(S_fail("a.xyz", "hello", 5), "cannot tell what kind"));
	assert_non_null(strstr(S_fail("a.txt", "caf\xE9", 4), "not UTF-8"));
	char cfb[600];
	memset(cfb, 0, sizeof cfb);
	memcpy(cfb, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
	assert_non_null(strstr(S_fail("old.doc", cfb, sizeof cfb), "Word 97-2003"));
	memcpy(cfb + 300, "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0", 32);
	assert_non_null(strstr(S_fail("locked.docx", cfb, sizeof cfb), "password-protected"));
	assert_int_equal(cb_import_format_of("dir.x/Brief.DOCX"), CB_IMPORT_DOCX);
	assert_int_equal(cb_import_format_of("a.htm"), CB_IMPORT_HTML);
	assert_int_equal(cb_import_format_of("a.pdf.zip"), CB_IMPORT_UNKNOWN);
}

/* A word of pdftotext -bbox-layout: x, y, width and height. */
static void S_word(cb_buf *b, double x, double y, double w, double h, const char *t)
{
	cb_buf_printf(b, "<word xMin=\"%.1f\" yMin=\"%.1f\" xMax=\"%.1f\" yMax=\"%.1f\">%s</word>", x, y,
		      x + w, y + h, t);
}

/* A line of words at x, y; each word 6 points wide per character. */
static void S_line(cb_buf *b, double x, double y, double h, const char *text)
{
	double end = x + 6 * (double)strlen(text);
	cb_buf_printf(b, "<line xMin=\"%.1f\" yMin=\"%.1f\" xMax=\"%.1f\" yMax=\"%.1f\">", x, y, end, y + h);
	char *copy = cb_xstrdup(text), *save = NULL;
	double wx = x;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		S_word(b, wx, y, 6 * (double)strlen(w), h, w);
		wx += 6 * ((double)strlen(w) + 1);
	}
	free(copy);
	cb_buf_puts(b, "</line>");
}

static void S_block(cb_buf *b, double x, double y, double h, const char *const *lines, size_t n)
{
	cb_buf_printf(b, "<block xMin=\"%.1f\" yMin=\"%.1f\" xMax=\"%.1f\" yMax=\"%.1f\">", x, y, 560.0,
		      y + (double)n * h * 1.2);
	for (size_t i = 0; i < n; i++)
		S_line(b, x, y + (double)i * h * 1.2, h, lines[i]);
	cb_buf_puts(b, "</block>");
}

static void test_pdf_layout(void **state)
{
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
			"\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">"
			"<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>x</title>"
			"<meta name=\"Author\" content=\"Ann Example\"/></head><body><doc>");
	for (int page = 1; page <= 2; page++) {
		cb_buf_puts(&b, "<page width=\"600\" height=\"800\"><flow>");
		const char *header[] = {"Harrowdene Safeguarding Children Partnership"};
		S_block(&b, 40, 20, 8, header, 1);
		if (page == 1) {
			const char *title[] = {"Bruising in babies"};
			S_block(&b, 40, 100, 24, title, 1);
			const char *h[] = {"Background"};
			S_block(&b, 40, 150, 16, h, 1);
			const char *para[] = {
			    "A baby of four months had a bruise that was seen by a practitioner who",
			    "did not ask about it, and the family moved before the safe-",
			    "guarding referral was made to the local authority's front door."};
			S_block(&b, 40, 180, 10, para, 3);
		} else {
			const char *h[] = {"Key learning"};
			S_block(&b, 40, 100, 16, h, 1);
			const char *bul[] = {"\xE2\x80\xA2 Bruising in a baby who is not mobile needs a",
					     "  referral every time, whoever sees it.",
					     "\xE2\x80\xA2 Ask how it happened."};
			S_block(&b, 50, 130, 10, bul, 3);
			const char *intro[] = {"Practitioners should remember:"};
			S_block(&b, 40, 200, 10, intro, 1);
			/* Bullets drawn as shapes: only the indented text is left. */
			const char *soft[] = {"Those who don't cruise rarely bruise.",
					      "Photograph the bruise."};
			S_block(&b, 60, 220, 10, soft, 2);
		}
		char num[32];
		snprintf(num, sizeof num, "Page %d of 2", page);
		const char *foot[] = {num};
		S_block(&b, 280, 770, 8, foot, 1);
		cb_buf_puts(&b, "</flow></page>");
	}
	cb_buf_puts(&b, "</doc></body></html>");
	cb_import_doc *d = cb_xcalloc(1, sizeof *d);
	cb_error err = CB_ERROR_INIT;
	int rc = cb_imp_pdf_layout("t.pdf", b.data, b.len, d, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(d->pages, 2);
	assert_string_equal(d->author, "Ann Example");
	const struct {
		cb_import_kind kind;
		int level;
		const char *text;
	} want[] = {
	    {CB_IMPORT_HEADING, 1, "Bruising in babies"},
	    {CB_IMPORT_HEADING, 2, "Background"},
	    {CB_IMPORT_PARAGRAPH, 0,
	     "A baby of four months had a bruise that was seen by a practitioner who did not ask about it, "
	     "and "
	     "the family moved before the safeguarding referral was made to the local authority's front "
	     "door."},
	    {CB_IMPORT_HEADING, 2, "Key learning"},
	    {CB_IMPORT_ITEM, 0,
	     "Bruising in a baby who is not mobile needs a referral every time, whoever sees it."},
	    {CB_IMPORT_ITEM, 0, "Ask how it happened."},
	    {CB_IMPORT_PARAGRAPH, 0, "Practitioners should remember:"},
	    {CB_IMPORT_ITEM, 0, "Those who don't cruise rarely bruise."},
	    {CB_IMPORT_ITEM, 0, "Photograph the bruise."},
	};
	size_t n = sizeof want / sizeof want[0];
	assert_int_equal(d->nblocks, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d->blocks[i].kind, want[i].kind);
		assert_int_equal(d->blocks[i].level, want[i].level);
		assert_string_equal(d->blocks[i].text, want[i].text);
	}
	cb_import_doc_free(d);
	cb_buf_free(&b);
}

static void test_dates(void **state)
{
	const struct {
		const char *in, *out;
		size_t len;
	} cases[] = {
	    {"December 2015", "2015-12-01", 13},
	    {"10 June 2014.", "2014-06-10", 12},
	    {"1st May 2023", "2023-05-01", 12},
	    {"10/06/2014", "2014-06-10", 10},
	    {"2014-06-10", "2014-06-10", 10},
	    {"Sept 2020", "2020-09-01", 9},
	    {"December 10, 2015", "2015-12-10", 17},
	    {"31 February 2020", NULL, 0},
	    {"May 1800", NULL, 0},
	    {"Mayor 2020", NULL, 0},
	    {"12345", NULL, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[11] = "";
		size_t n = cb_draft_parse_date(cases[i].in, out);
		assert_int_equal(n, cases[i].len);
		if (cases[i].out)
			assert_string_equal(out, cases[i].out);
	}
}

static void test_draft(void **state)
{
	/* A title set as the only top heading, a 7-minute briefing by its
	 * title, the labelled date rather than the first one, and Markdown
	 * that keeps the words as they were. */
	cb_import_doc *d = S_read(
	    "b.html",
	    "<h2>7 minute briefing: Baby Q</h2><p>In March 2019 Baby Q was seen.</p>"
	    "<p>Date: 10 June 2014</p><h3>Key learning</h3>"
	    "<ul><li>Use *care* with <a href='https://example.org/a b'>links</a></li></ul>"
	    "<p>1. A typed list</p><p># Not a heading</p><table><tr><td>a|b</td><td>c</td></tr></table>");
	cb_strv none = CB_STRV_INIT;
	cb_draft_opts o = {NULL, NULL, "2024-01-01", &none, NULL, "b", "../files/b.html", "HTML", NULL, NULL};
	cb_draft dr;
	cb_draft_make(d, &o, &dr);
	assert_string_equal(dr.title, "7 minute briefing: Baby Q");
	assert_string_equal(dr.type, "seven-minute-briefing");
	assert_string_equal(dr.date, "2014-06-10");
	assert_int_equal(dr.date_from, CB_DRAFT_DATE_FOUND);
	assert_int_equal(dr.headings, 1);
	assert_int_equal(dr.items, 2);
	assert_non_null(strstr(dr.markdown, "\n## Key learning\n"));
	assert_non_null(strstr(dr.markdown, "- Use \\*care\\* with [links](<https://example.org/a%20b>)\n"));
	assert_non_null(strstr(dr.markdown, "\n1. A typed list\n"));
	assert_non_null(strstr(dr.markdown, "\n\\# Not a heading\n"));
	assert_non_null(strstr(dr.markdown, "| a\\|b | c |\n| --- | --- |\n"));
	assert_non_null(strstr(dr.markdown, "[The full report (HTML)](../files/b.html)"));
	assert_null(strstr(dr.markdown, "## 7 minute"));
	cb_draft_free(&dr);
	/* No date and no sign of the type: today and briefing, both said. */
	o.date = NULL;
	cb_import_doc_free(d);
	d = S_read("c.txt", "Notes\n\nSome words here.\n");
	cb_draft_make(d, &o, &dr);
	assert_string_equal(dr.type, "briefing");
	assert_true(dr.type_unsure);
	assert_string_equal(dr.date, "2024-01-01");
	assert_int_equal(dr.date_from, CB_DRAFT_DATE_TODAY);
	cb_draft_free(&dr);
	cb_import_doc_free(d);
}

/* Themes its learning points are on are suggested, even named once; a
 * theme named once elsewhere is not. Agencies come from the agencies
 * table: its synonyms and plurals, and a repository's own entries. */
static void test_draft_suggestions(void **state)
{
	const char *y = "themes:\n"
			"  information-sharing:\n    label: Information sharing\n"
			"  safer-sleep:\n    label: Safer sleep\n    synonyms: [co-sleeping]\n"
			"  was-not-brought:\n    label: Was not brought\n";
	cb_taxonomy tax;
	cb_diags diags = CB_DIAGS_INIT;
	assert_int_equal(cb_taxonomy_load(y, strlen(y), "taxonomy.yml", &tax, &diags), 0);
	cb_import_doc *d =
	    S_read("s.html", "<h1>Baby R</h1><p>Published: May 2022</p>"
			     "<h2>Background</h2><p>Baby R was not brought to one clinic. Health "
			     "Visitors, the school nurse and A&amp;E saw the family; the YOT "
			     "knew the father.</p>"
			     "<h2>Key learning</h2><ul><li>Tell the GP when the family moves.</li>"
			     "<li>Ask about co-sleeping at every contact.</li></ul>");
	cb_draft_opts o = {NULL, NULL, "2024-01-01", NULL, &tax, "s", NULL, NULL, NULL, NULL};
	cb_draft dr;
	cb_draft_make(d, &o, &dr);
	assert_true(dr.themes_suggested);
	assert_true(cb_strv_contains(&dr.themes, "information-sharing"));
	assert_true(cb_strv_contains(&dr.themes, "safer-sleep"));
	assert_false(cb_strv_contains(&dr.themes, "was-not-brought"));
	assert_true(cb_strv_contains(&dr.agencies, "health-visiting"));
	assert_true(cb_strv_contains(&dr.agencies, "school-nursing"));
	assert_true(cb_strv_contains(&dr.agencies, "emergency-department"));
	assert_false(cb_strv_contains(&dr.agencies, "youth-justice"));
	assert_false(cb_strv_contains(&dr.agencies, "police"));
	cb_draft_free(&dr);

	/* A repository's agencies file adds its names. */
	cb_taxonomy defs = {0};
	const char *text = "agencies:\n  youth-justice:\n    label: Youth justice service\n"
			   "    synonyms: [YOT]\n";
	assert_int_equal(cb_agencies_file_load(text, strlen(text), "agencies.yml", &defs, &diags), 0);
	cb_agencies ag;
	cb_agencies_init(&ag);
	cb_agencies_add(&ag, &defs);
	o.agencies = &ag;
	cb_draft_make(d, &o, &dr);
	assert_true(cb_strv_contains(&dr.agencies, "youth-justice"));
	cb_draft_free(&dr);

	/* Learning headings are the repository's: with "Key learning" not
	 * among them, the points are not points. */
	cb_strv only = CB_STRV_INIT;
	cb_strv_push(&only, "Practice points");
	cb_lvocab *v = cb_lvocab_new(&only, true);
	o.vocab = v;
	cb_draft_make(d, &o, &dr);
	assert_false(cb_strv_contains(&dr.themes, "information-sharing"));
	cb_draft_free(&dr);
	cb_lvocab_free(v);
	cb_strv_free(&only);
	cb_agencies_free(&ag);
	cb_taxonomy_free(&defs);
	cb_taxonomy_free(&tax);
	cb_diags_free(&diags);
	cb_import_doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalise),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_list_mark),
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_xml_refused),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_pdf_layout),
	    cmocka_unit_test(test_layout_tables),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_draft),
	    cmocka_unit_test(test_draft_suggestions),
	};
	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
