/* Unit tests for the config module: casebook.yml, taxonomy and glossary. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "partner.h"
#include "util.h"
#include "testutil.h"

static char *S_print(cb_diags *d)
{
	cb_diags_sort(d);
	return tu_diags_text(d);
}

static void test_defaults_without_file(void **state)
{
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(NULL, 0, "casebook.yml", &cfg, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg.title, "Learning from case reviews");
	assert_null(cfg.description);
	assert_string_equal(cfg.content_dir, "content");
	assert_string_equal(cfg.theme, "default");
	assert_string_equal(cfg.taxonomy_file, "content/taxonomy.yml");
	assert_string_equal(cfg.glossary_file, "content/glossary.yml");
	assert_null(cfg.base_url);
	assert_string_equal(cfg.language, "en-GB");
	assert_int_equal(cfg.plugins.n, 0);
	cb_config_free(&cfg);
	cb_config_free(NULL);

	/* An empty file is the same as none. */
	assert_int_equal(cb_config_load("", 0, "casebook.yml", &cfg, &d), 0);
	assert_string_equal(cfg.content_dir, "content");
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

static void test_full_config(void **state)
{
	const char *text = "title: Northshire learning\n"
			   "description: Lessons from local reviews\n"
			   "content: docs/\n"
			   "theme: plain\n"
			   "base-url: https://learning.example.org/\n"
			   "language: cy-GB\n"
			   "plugins: [taxonomy, related, glossary]\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(text, strlen(text), "casebook.yml", &cfg, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg.title, "Northshire learning");
	assert_string_equal(cfg.description, "Lessons from local reviews");
	assert_string_equal(cfg.content_dir, "docs");
	assert_string_equal(cfg.theme, "plain");
	assert_string_equal(cfg.taxonomy_file, "docs/taxonomy.yml");
	assert_string_equal(cfg.glossary_file, "docs/glossary.yml");
	assert_string_equal(cfg.base_url, "https://learning.example.org");
	assert_string_equal(cfg.language, "cy-GB");
	assert_int_equal(cfg.plugins.n, 3);
	assert_string_equal(cfg.plugins.v[0], "taxonomy");
	assert_string_equal(cfg.plugins.v[2], "glossary");
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

static void test_explicit_taxonomy_and_glossary(void **state)
{
	const char *text = "content: docs\ntaxonomy: meta/themes.yml\nglossary: meta/terms.yml\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(text, strlen(text), "casebook.yml", &cfg, &d), 0);
	assert_string_equal(cfg.taxonomy_file, "meta/themes.yml");
	assert_string_equal(cfg.glossary_file, "meta/terms.yml");
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

static void test_config_errors(void **state)
{
	const char *text = "title: Site\n"
			   "content: ../elsewhere\n"
			   "theme: /usr/share/themes/x\n"
			   "taxonomy: content/../../etc/passwd\n"
			   "base-url: learning.example.org\n"
			   "plugin: [related]\n"
			   "plugins: related\n"
			   "colour: blue\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(text, strlen(text), "casebook.yml", &cfg, &d), -1);
	char *got = S_print(&d);
	assert_string_equal(
	    got, "casebook.yml:2:10: error: '../elsewhere' must be a folder or file inside the "
		 "repository, written relative to it (no leading '/' and no '..'), such as 'content' "
		 "[unsafe-path]\n"
		 "casebook.yml:3:8: error: '/usr/share/themes/x' must be a folder or file inside the "
		 "repository, written relative to it (no leading '/' and no '..'), such as 'content' "
		 "[unsafe-path]\n"
		 "casebook.yml:4:11: error: 'content/../../etc/passwd' must be a folder or file inside "
		 "the repository, written relative to it (no leading '/' and no '..'), such as "
		 "'content' [unsafe-path]\n"
		 "casebook.yml:5:11: error: 'learning.example.org' is not a web address; write the "
		 "site's full address, starting with https:// [invalid-url]\n"
		 "casebook.yml:6:1: warning: 'plugin' is not a configuration setting casebook knows, "
		 "so it is ignored; did you mean 'plugins'? [unknown-field]\n"
		 "casebook.yml:7:10: error: 'plugins' should be a list; write it as a list: plugins: "
		 "[related] [not-a-list]\n"
		 "casebook.yml:8:1: warning: 'colour' is not a configuration setting casebook knows, "
		 "so it is ignored; check the spelling [unknown-field]\n");
	/* Settings in error keep their defaults. */
	assert_string_equal(cfg.content_dir, "content");
	assert_string_equal(cfg.theme, "default");
	assert_string_equal(cfg.taxonomy_file, "content/taxonomy.yml");
	assert_null(cfg.base_url);
	assert_string_equal(cfg.title, "Site");
	free(got);
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

static void test_config_syntax_error(void **state)
{
	const char *text = "title: Site\ncontent: [docs\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(text, strlen(text), "casebook.yml", &cfg, &d), -1);
	char *got = S_print(&d);
	assert_string_equal(got,
			    "casebook.yml:3:1: error: could not read the configuration: did not find "
			    "expected ',' or ']'; the list that starts on line 2, column 10 needs a closing "
			    "']' [yaml]\n");
	assert_string_equal(cfg.content_dir, "content");
	free(got);
	cb_config_free(&cfg);
	cb_diags_free(&d);

	assert_int_equal(cb_config_load("- a\n", 4, "casebook.yml", &cfg, &d), -1);
	got = S_print(&d);
	assert_string_equal(got,
			    "casebook.yml:1:1: error: the configuration must be written as 'name: value' "
			    "lines, but here it is a list [yaml]\n");
	free(got);
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

static void test_taxonomy(void **state)
{
	const char *text = "themes:\n"
			   "  was-not-brought:\n"
			   "    label: Was not brought\n"
			   "    description: Missed appointments.\n"
			   "    synonyms: [WNB, DNA, did not attend]\n"
			   "  neglect:\n"
			   "  toxic-trio: The toxic trio\n"
			   "  cse:\n"
			   "    synonyms:\n"
			   "      - child sexual exploitation\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_taxonomy tax;
	assert_int_equal(cb_taxonomy_load(text, strlen(text), "content/taxonomy.yml", &tax, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(tax.n, 4);
	assert_string_equal(tax.themes[0].id, "was-not-brought");
	assert_string_equal(tax.themes[0].label, "Was not brought");
	assert_string_equal(tax.themes[0].description, "Missed appointments.");
	assert_int_equal(tax.themes[0].synonyms.n, 3);
	assert_string_equal(tax.themes[0].synonyms.v[2], "did not attend");
	assert_int_equal(tax.themes[0].line, 2);
	assert_string_equal(tax.themes[1].id, "neglect");
	assert_string_equal(tax.themes[1].label, "Neglect");
	assert_null(tax.themes[1].description);
	assert_int_equal(tax.themes[1].line, 6);
	assert_string_equal(tax.themes[2].label, "The toxic trio");
	assert_string_equal(tax.themes[3].label, "Cse");
	assert_string_equal(tax.themes[3].synonyms.v[0], "child sexual exploitation");
	assert_int_equal(tax.ids.n, 4);
	assert_string_equal(tax.ids.v[0], "cse");
	assert_string_equal(tax.ids.v[1], "neglect");
	assert_string_equal(tax.ids.v[2], "toxic-trio");
	assert_string_equal(tax.ids.v[3], "was-not-brought");
	assert_ptr_equal(cb_taxonomy_find(&tax, "neglect"), &tax.themes[1]);
	assert_null(cb_taxonomy_find(&tax, "neglekt"));
	cb_taxonomy_free(&tax);
	cb_taxonomy_free(NULL);
	cb_diags_free(&d);
}

static void test_taxonomy_errors(void **state)
{
	const char *text = "themes:\n"
			   "  Was Not Brought:\n"
			   "    label: x\n"
			   "  neglect:\n"
			   "    lable: Neglect\n"
			   "    synonyms: chronic neglect\n"
			   "  safer-sleep:\n"
			   "    label: ''\n"
			   "version: 2\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_taxonomy tax;
	assert_int_equal(cb_taxonomy_load(text, strlen(text), "t.yml", &tax, &d), -1);
	char *got = S_print(&d);
	assert_string_equal(
	    got, "t.yml:2:3: error: 'Was Not Brought' is not a theme id: ids are written in "
		 "lower-case letters, digits and dashes, like 'was-not-brought' "
		 "[invalid-theme-id]\n"
		 "t.yml:5:5: warning: 'lable' is not a theme field casebook knows, so it is "
		 "ignored; did you mean 'label'? [unknown-field]\n"
		 "t.yml:6:15: error: 'synonyms' should be a list; write it as a list: synonyms: "
		 "[chronic neglect] [not-a-list]\n"
		 "t.yml:8:5: error: 'label' is empty; give it a value or remove the line "
		 "[empty-field]\n"
		 "t.yml:9:1: warning: 'version' is not a taxonomy section casebook knows, so it is "
		 "ignored; check the spelling [unknown-field]\n");
	assert_int_equal(tax.n, 2);
	assert_string_equal(tax.themes[0].label, "Neglect");
	assert_string_equal(tax.themes[1].label, "Safer sleep");
	free(got);
	cb_taxonomy_free(&tax);
	cb_diags_free(&d);

	assert_int_equal(cb_taxonomy_load("theme:\n  neglect:\n", 18, "t.yml", &tax, &d), -1);
	got = S_print(&d);
	assert_string_equal(got,
			    "t.yml:1:1: warning: 'theme' is not a taxonomy section casebook knows, so it is "
			    "ignored; did you mean 'themes'? [unknown-field]\n"
			    "t.yml:1:1: error: there is no 'themes:' section; start the file with a line "
			    "'themes:' and list the entries under it, indented [required-field]\n");
	assert_int_equal(tax.n, 0);
	free(got);
	cb_taxonomy_free(&tax);
	cb_diags_free(&d);
}

static void test_glossary(void **state)
{
	const char *text = "terms:\n"
			   "  MASH: Multi-Agency Safeguarding Hub\n"
			   "  dna: did not attend\n"
			   "  DNA: Did Not Attend\n"
			   "  CAMHS:\n"
			   "    expansion: Child and Adolescent Mental Health Services\n"
			   "    description: NHS services for young people's mental health.\n"
			   "  ED: Emergency Department\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_glossary g;
	assert_int_equal(cb_glossary_load(text, strlen(text), "content/glossary.yml", &g, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.terms[0].term, "CAMHS");
	assert_string_equal(g.terms[0].expansion, "Child and Adolescent Mental Health Services");
	assert_string_equal(g.terms[0].description, "NHS services for young people's mental health.");
	assert_string_equal(g.terms[1].term, "DNA");
	assert_string_equal(g.terms[1].expansion, "Did Not Attend");
	assert_string_equal(g.terms[2].term, "dna");
	assert_string_equal(g.terms[3].term, "ED");
	assert_null(g.terms[3].description);
	assert_string_equal(g.terms[4].term, "MASH");
	cb_glossary_free(&g);
	cb_glossary_free(NULL);
	cb_diags_free(&d);
}

static void test_glossary_errors(void **state)
{
	const char *text = "terms:\n"
			   "  MASH:\n"
			   "    description: The front door.\n"
			   "  DA: ''\n"
			   "  LADO: [a]\n"
			   "  SCR:\n"
			   "    expansion: Serious Case Review\n"
			   "    expanson: x\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_glossary g;
	assert_int_equal(cb_glossary_load(text, strlen(text), "g.yml", &g, &d), -1);
	char *got = S_print(&d);
	assert_string_equal(got,
			    "g.yml:2:3: error: 'MASH' has no 'expansion'; add a line such as 'expansion: "
			    "what MASH stands for', indented under it [required-field]\n"
			    "g.yml:4:3: error: 'DA' is empty; give it a value or remove the line "
			    "[empty-field]\n"
			    "g.yml:5:9: error: 'LADO' should be followed by what it stands for, but here it "
			    "is a list [not-text]\n"
			    "g.yml:8:5: warning: 'expanson' is not a glossary field casebook knows, so it is "
			    "ignored; did you mean 'expansion'? [unknown-field]\n");
	assert_int_equal(g.n, 1);
	assert_string_equal(g.terms[0].term, "SCR");
	free(got);
	cb_glossary_free(&g);
	cb_diags_free(&d);
}

static void test_label_from_id(void **state)
{
	char *s = cb_label_from_id("was-not-brought");
	assert_string_equal(s, "Was not brought");
	free(s);
	s = cb_label_from_id("0-19-services");
	assert_string_equal(s, "0 19 services");
	free(s);
	s = cb_label_from_id("");
	assert_string_equal(s, "");
	free(s);
}

static void test_sources(void **state)
{
	const char *text =
	    "sources:\n"
	    "  - name: walsby\n"
	    "    url: ../walsby-learning\n"
	    "    ref: shared\n"
	    "    area: Walsby\n"
	    "    content: reviews/\n"
	    "    max-visibility: internal\n"
	    "    themes: {dna: was-not-brought, nfa: neglect}\n"
	    "  - name: orrin-vale\n"
	    "    url: /srv/git/orrin.git\n"
	    "  - {name: kelby, url: 'file:///srv/git/kelby', label: Kelby Children's Partnership}\n"
	    "  - {name: m4, url: https://git.example.org/m4.git}\n"
	    "  - {name: s1, url: 'ssh://git.example.org/s1.git'}\n"
	    "  - {name: s2, url: 'git@git.example.org:s2.git'}\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(text, strlen(text), "casebook.yml", &cfg, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(cfg.nsources, 6);
	const cb_partner *w = &cfg.sources[0];
	assert_string_equal(w->name, "walsby");
	assert_int_equal(w->kind, CB_URL_RELATIVE);
	assert_string_equal(w->ref, "shared");
	assert_string_equal(w->area, "Walsby");
	assert_string_equal(w->content, "reviews");
	assert_int_equal(w->max_visibility, CB_VIS_INTERNAL);
	assert_int_equal(w->line, 2);
	assert_string_equal(cb_partner_theme(w, "dna"), "was-not-brought");
	assert_string_equal(cb_partner_theme(w, "neglect"), "neglect");
	char *loc = cb_partner_location(w, "/home/lead/hub");
	assert_string_equal(loc, "/home/lead/hub/../walsby-learning");
	free(loc);
	const cb_partner *o = &cfg.sources[1];
	assert_int_equal(o->kind, CB_URL_ABSOLUTE);
	assert_null(o->ref);
	assert_null(o->area);
	assert_string_equal(o->content, "content");
	assert_int_equal(o->max_visibility, CB_VIS_PUBLIC);
	loc = cb_partner_location(o, "/home/lead/hub");
	assert_string_equal(loc, "/srv/git/orrin.git");
	free(loc);
	assert_int_equal(cfg.sources[2].kind, CB_URL_FILE);
	/* What pages call a partnership: its label, its area, its name. */
	assert_string_equal(cb_partner_label(&cfg.sources[2]), "Kelby Children's Partnership");
	assert_string_equal(cb_partner_label(w), "Walsby");
	assert_string_equal(cb_partner_label(o), "orrin-vale");
	assert_ptr_equal(cb_partner_find(cfg.sources, cfg.nsources, "kelby"), &cfg.sources[2]);
	assert_null(cb_partner_find(cfg.sources, cfg.nsources, "kelb"));
	assert_null(cb_partner_find(cfg.sources, cfg.nsources, NULL));
	assert_int_equal(cfg.sources[3].kind, CB_URL_HTTPS);
	assert_int_equal(cfg.sources[4].kind, CB_URL_SSH);
	assert_int_equal(cfg.sources[5].kind, CB_URL_SSH);
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

static void test_sources_errors(void **state)
{
	const char *text = "sources:\n"
			   "  - name: Walsby Partnership\n"
			   "    url: ../walsby\n"
			   "  - name: themes\n"
			   "    url: ../t\n"
			   "  - name: kelby\n"
			   "    url: http://git.example.org/kelby\n"
			   "  - name: orrin\n"
			   "    uri: ../orrin\n"
			   "  - name: m4\n"
			   "    url: ../m4\n"
			   "    max-visibility: secret\n"
			   "  - name: s2\n"
			   "    url: ../s2\n"
			   "    content: ../elsewhere\n"
			   "  - name: dup\n"
			   "    url: ../a\n"
			   "  - name: dup\n"
			   "    url: ../b\n"
			   "  - just-a-name\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(text, strlen(text), "casebook.yml", &cfg, &d), -1);
	char *got = S_print(&d);
	assert_string_equal(
	    got,
	    "casebook.yml:2:11: error: 'Walsby Partnership' is not a source name: names are lower-case "
	    "letters, digits and '-' (at most 60), like 'walsby-partnership' [invalid-source-name]\n"
	    "casebook.yml:4:11: error: 'themes' is the name of one of the site's own folders, so it cannot "
	    "name a source; use the partnership's name, such as 'themes-partnership' [invalid-source-name]\n"
	    "casebook.yml:7:10: error: casebook cannot fetch 'http://git.example.org/kelby': write a path "
	    "(relative to this repository's root, or absolute), a file:// address, an https:// address "
	    "or an ssh address (ssh://host/path or user@host:path) [invalid-url]\n"
	    "casebook.yml:9:5: error: 'uri' is not a setting of a source; did you mean 'url'? "
	    "[unknown-field]\n"
	    "casebook.yml:12:21: error: max-visibility should be public, internal or restricted, not "
	    "'secret' [invalid-visibility]\n"
	    "casebook.yml:15:14: error: a source's 'content' is a folder inside its repository, written "
	    "relative to it (no leading '/' and no '..'), such as 'content' [unsafe-path]\n"
	    "casebook.yml:18:11: error: there is already a source named 'dup' (line 16); give each source "
	    "its own name [duplicate-source]\n"
	    "casebook.yml:20:5: error: each source should be 'name:' and 'url:' lines (and optionally "
	    "ref, area, content, max-visibility, themes) after a '- ', but this one is text [yaml]\n");
	/* Only the good entry is kept. */
	assert_int_equal(cfg.nsources, 1);
	assert_string_equal(cfg.sources[0].name, "dup");
	free(got);
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

static void test_lock(void **state)
{
	const char *text = "# pins\n"
			   "walsby 1111111111111111111111111111111111111111 ../walsby\n"
			   "\n"
			   "kelby 2222222222222222222222222222222222222222 file:///srv/kelby  \r\n"
			   "orrin 12345 ../orrin\n"
			   "kelby 3333333333333333333333333333333333333333 ../k\n"
			   "lonely\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_pin *pins;
	size_t n;
	assert_int_equal(cb_lock_parse(text, strlen(text), "casebook.lock", &pins, &n, &d), -1);
	char *got = S_print(&d);
	assert_string_equal(got,
			    "casebook.lock:5:7: error: '12345' is not a commit id (40 hex digits) followed "
			    "by a url; run 'casebook update orrin' to pin it again [lock]\n"
			    "casebook.lock:6:1: error: 'kelby' is pinned twice; keep one line for it (or "
			    "run 'casebook update kelby') [lock]\n"
			    "casebook.lock:7:1: error: each line of casebook.lock is 'NAME COMMIT URL'; "
			    "run 'casebook fetch' to write it again [lock]\n");
	free(got);
	assert_int_equal(n, 2);
	assert_string_equal(cb_lock_find(pins, n, "kelby")->url, "file:///srv/kelby");
	assert_null(cb_lock_find(pins, n, "orrin"));
	char *out = cb_lock_format(pins, n);
	assert_string_equal(strchr(out, '\n') + 1,
			    "kelby 2222222222222222222222222222222222222222 file:///srv/kelby\n"
			    "walsby 1111111111111111111111111111111111111111 ../walsby\n");
	/* What it writes, it reads back the same. */
	cb_pin *again;
	size_t n2;
	cb_diags d2 = CB_DIAGS_INIT;
	assert_int_equal(cb_lock_parse(out, strlen(out), "casebook.lock", &again, &n2, &d2), 0);
	assert_int_equal(n2, 2);
	assert_string_equal(again[1].commit, "1111111111111111111111111111111111111111");
	free(out);
	cb_lock_free(again, n2);
	cb_lock_free(pins, n);
	cb_diags_free(&d);
	cb_diags_free(&d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_without_file),
	    cmocka_unit_test(test_full_config),
	    cmocka_unit_test(test_explicit_taxonomy_and_glossary),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_config_syntax_error),
	    cmocka_unit_test(test_taxonomy),
	    cmocka_unit_test(test_taxonomy_errors),
	    cmocka_unit_test(test_glossary),
	    cmocka_unit_test(test_glossary_errors),
	    cmocka_unit_test(test_label_from_id),
	    cmocka_unit_test(test_sources),
	    cmocka_unit_test(test_sources_errors),
	    cmocka_unit_test(test_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
