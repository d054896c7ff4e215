/* Unit tests for the Lua plugin host (plugin.h): the sandbox and its
 * limits, the document and site hooks, the casebook.* API, and the
 * plugin settings of casebook.yml. Real Lua 5.4 runs every plugin here;
 * the site is a small one made in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "plugin.h"
#include "site.h"
#include "util.h"
#include "testutil.h"

/* A document in the test site: path, title, themes (comma-separated),
 * audience (comma-separated), body HTML and text. */
static void S_doc(cb_site *s, const char *path, const char *title, const char *themes, const char *audience,
		  const char *html, const char *text)
{
	s->docs = cb_xrealloc(s->docs, (s->ndocs + 1) * sizeof *s->docs);
	cb_doc *d = &s->docs[s->ndocs++];
	memset(d, 0, sizeof *d);
	d->path = cb_xstrdup(path);
	char *noext = cb_xstrndup(path, strlen(path) - 3);
	d->slug = cb_slugify(noext);
	free(noext);
	d->meta.title = cb_xstrdup(title);
	d->meta.type = cb_xstrdup("briefing");
	d->meta.date = cb_xasprintf("2024-01-%02zu", 28 - s->ndocs);
	const char *lists[] = {themes, audience};
	cb_strv *into[] = {&d->meta.themes, &d->meta.audience};
	for (int k = 0; k < 2; k++) {
		char *copy = cb_xstrdup(lists[k]);
		for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ","))
			cb_strv_push(into[k], tok);
		free(copy);
	}
	d->meta.theme_lines = cb_xcalloc(d->meta.themes.n + 1, sizeof(int));
	d->meta.theme_cols = cb_xcalloc(d->meta.themes.n + 1, sizeof(int));
	for (size_t i = 0; i < d->meta.themes.n; i++)
		d->meta.theme_lines[i] = 5;
	d->md.html = cb_xstrdup(html);
	d->md.text = cb_xstrdup(text);
}

/* Three documents: two on neglect, one on safer sleep. */
static void S_site(cb_site *s)
{
	memset(s, 0, sizeof *s);
	cb_diags d = CB_DIAGS_INIT;
	cb_config_load(NULL, 0, "casebook.yml", &s->cfg, &d);
	cb_diags_free(&d);
	strcpy(s->build_date, "2024-06-01");
	S_doc(s, "content/a.md", "Alpha", "neglect", "gp,police", "<p>The GP saw it.</p>", "The GP saw it.");
	S_doc(s, "content/b.md", "Beta", "neglect,safer-sleep", "gp", "<p>Beta text.</p>", "Beta text.");
	S_doc(s, "content/c.md", "Gamma", "safer-sleep", "police", "<p>Gamma.</p>", "Gamma.");
	cb_site_group_themes(s);
}

/* Runs one plugin (source text) over a fresh site; returns the host's
 * result, leaving diagnostics in d. */
static int S_run(cb_site *s, const char *src, const cb_plugin_limits *lim, cb_diags *d)
{
	cb_plugin_host *h = cb_plugin_host_new(s, lim, NULL);
	int rc = cb_plugin_host_add(h, "t", "plugins/t.lua", NULL, src, strlen(src), NULL, d);
	if (rc == 0)
		rc = cb_plugin_host_run(h, d);
	cb_plugin_host_free(h);
	return rc;
}

/* Expects the plugin to fail with exactly one error, whose text is want. */
static void S_fails(const char *src, const cb_plugin_limits *lim, const char *want)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(S_run(&s, src, lim, &d), -1);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, want);
	free(got);
	cb_diags_free(&d);
	cb_site_free(&s);
}

static void test_sandbox_has_no_io_os_package_or_debug(void **state)
{
	S_fails(
	    "local p = {}\nfunction p.document(doc)\n  io.open('/etc/passwd')\nend\nreturn p\n", NULL,
	    "plugins/t.lua:3: error: attempt to index a nil value (global 'io') (in the document hook, for "
	    "content/a.md) [plugin]\n");
	S_fails("os.execute('touch /tmp/casebook-pwned')\nreturn {}\n", NULL,
		"plugins/t.lua:1: error: attempt to call a nil value (field 'execute') [plugin]\n");
	S_fails("local x = os.getenv('HOME')\nreturn {}\n", NULL,
		"plugins/t.lua:1: error: attempt to call a nil value (field 'getenv') [plugin]\n");
	S_fails("local socket = require('socket')\nreturn {}\n", NULL,
		"plugins/t.lua:1: error: attempt to call a nil value (global 'require') [plugin]\n");
	S_fails("return package.loadlib('x', 'y')\n", NULL,
		"plugins/t.lua:1: error: attempt to index a nil value (global 'package') [plugin]\n");
	S_fails("local info = debug.getinfo(1)\nreturn {}\n", NULL,
		"plugins/t.lua:1: error: attempt to index a nil value (global 'debug') [plugin]\n");
	S_fails("\ndofile('/etc/passwd')\nreturn {}\n", NULL,
		"plugins/t.lua:2: error: attempt to call a nil value (global 'dofile') [plugin]\n");
	S_fails("loadfile('/etc/passwd')\nreturn {}\n", NULL,
		"plugins/t.lua:1: error: attempt to call a nil value (global 'loadfile') [plugin]\n");
	S_fails("local code = string.dump(function() end)\nreturn {}\n", NULL,
		"plugins/t.lua:1: error: attempt to call a nil value (field 'dump') [plugin]\n");
	/* Compiled chunks are refused, whether the plugin asks for them or not. */
	S_fails("local f = assert(load('\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10', 'x', 'b'))\nreturn {}\n",
		NULL, "plugins/t.lua:1: error: attempt to load a binary chunk (mode is 't') [plugin]\n");
	S_fails("local f = assert(load(function() return '\\27Lua' end))\nreturn {}\n", NULL,
		"plugins/t.lua:1: error: attempt to load a binary chunk (mode is 't') [plugin]\n");

	/* What a plugin may use. */
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	const char *ok =
	    "assert(type(os.time()) == 'number' and type(os.clock()) == 'number')\n"
	    "assert(os.date('!%Y', 0) == '1970')\n"
	    "assert(load('return 1 + 1')() == 2)\n"
	    "local r = math.random(1000000)\n"
	    "math.randomseed(20240101)\n"
	    "assert(math.random(1000000) == r)\n"
	    "assert(string.format('%d', 3) == '3' and math.max(1, 2) == 2 and utf8.char(72) == 'H')\n"
	    "assert(table.concat({'a', 'b'}) == 'ab' and coroutine.wrap(function() return 1 end)() == 1)\n"
	    "return {}\n";
	assert_int_equal(S_run(&s, ok, NULL, &d), 0);
	assert_int_equal(d.n, 0);
	cb_diags_free(&d);
	cb_site_free(&s);
}

static void test_limits(void **state)
{
	cb_plugin_limits small = {2000000, 8u << 20};
	/* An endless loop stops at the budget, even if the plugin catches it. */
	double t0 = tu_clock();
	S_fails(
	    "local p = {}\nfunction p.site(site)\n  while true do end\nend\nreturn p\n", &small,
	    "plugins/t.lua:3: error: stopped after 2000000 instructions in one call; look for a loop that "
	    "never ends, or raise 'plugin-limits: instructions' in casebook.yml (in the site hook) "
	    "[plugin]\n");
	S_fails(
	    "local p = {}\nfunction p.document(doc)\n  while true do\n    pcall(function() while true do end "
	    "end)\n  end\nend\nreturn p\n",
	    &small,
	    "plugins/t.lua:4: error: stopped after 2000000 instructions in one call; look for a loop that "
	    "never ends, or raise 'plugin-limits: instructions' in casebook.yml (in the document hook, for "
	    "content/a.md) [plugin]\n");
	/* Memory: a table that grows without end, and a gigantic string. */
	S_fails(
	    "local t = {}\nlocal i = 0\nwhile true do\n  i = i + 1\n  t[i] = {i}\nend\n",
	    &(cb_plugin_limits){0, 8u << 20},
	    "plugins/t.lua:5: error: ran out of memory: a plugin may use at most 8 MB; look for a table or "
	    "string that grows without end, or raise 'plugin-limits: memory-mb' in casebook.yml [plugin]\n");
	S_fails(
	    "local s = 'x'\nfor i = 1, 40 do\n  s = s .. s\nend\nreturn {}\n", &small,
	    "plugins/t.lua:3: error: ran out of memory: a plugin may use at most 8 MB; look for a table or "
	    "string that grows without end, or raise 'plugin-limits: memory-mb' in casebook.yml [plugin]\n");
	S_fails(
	    "local s = string.rep('x', 1 << 30)\nreturn {}\n", &small,
	    "plugins/t.lua:1: error: ran out of memory: a plugin may use at most 8 MB; look for a table or "
	    "string that grows without end, or raise 'plugin-limits: memory-mb' in casebook.yml [plugin]\n");
	assert_true(tu_clock() - t0 < 10);

	/* The defaults stop an endless loop within seconds too. */
	t0 = tu_clock();
	S_fails(
	    "while true do end\n", NULL,
	    "plugins/t.lua:1: error: stopped after 1000000000 instructions in one call; look for a loop that "
	    "never ends, or raise 'plugin-limits: instructions' in casebook.yml [plugin]\n");
	assert_true(tu_clock() - t0 < 30);
}

static void test_errors_name_the_line(void **state)
{
	S_fails("local p = {}\nfunction p.document(doc)\n  local x = = 1\nend\nreturn p\n", NULL,
		"plugins/t.lua:3: error: unexpected symbol near '=' [plugin]\n");
	S_fails("return 42\n", NULL,
		"plugins/t.lua:1: error: the plugin must end with 'return p', a table of hooks such as "
		"p.document "
		"and p.site, but it returned number [plugin]\n");
	S_fails("return {site = 'no'}\n", NULL,
		"plugins/t.lua:1: error: p.site must be a function, not a string [plugin]\n");
	S_fails(
	    "local p = {}\nfunction p.site(site)\n  error({})\nend\nreturn p\n", NULL,
	    "plugins/t.lua:3: error: error() was called with a table instead of a message (in the site hook) "
	    "[plugin]\n");
	/* An error inside a library function still names the plugin's line. */
	S_fails("local p = {}\nfunction p.site(site)\n  local s = ('x'):rep(-1, {})\nend\nreturn p\n", NULL,
		"plugins/t.lua:3: error: bad argument #2 to 'rep' (string expected, got table) (in the site "
		"hook) [plugin]\n");

	/* A misspelt hook is pointed out. */
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(S_run(&s, "local p = {}\nfunction p.documents(doc) end\nreturn p\n", NULL, &d), 0);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, "plugins/t.lua: warning: the hook 'documents' is never called; did you mean "
				 "'document'? [plugin]\n");
	free(got);
	cb_diags_free(&d);
	cb_site_free(&s);
}

static void test_document_hook_changes(void **state)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	const char *src =
	    "local p = {}\n"
	    "function p.document(doc)\n"
	    "  assert(doc.path and doc.slug and doc.title and doc.url == 'documents/' .. doc.slug .. "
	    "'.html')\n"
	    "  assert(doc.summary == nil and doc.draft == false and #doc.audience >= 1)\n"
	    "  if doc.path == 'content/a.md' then\n"
	    "    table.insert(doc.themes, 'safer-sleep')\n"
	    "    doc.html = doc.html:gsub('GP', '<abbr>GP</abbr>')\n"
	    "    doc.score = 3\n"
	    "    doc.notes = {b = 'two', a = 'one'}\n"
	    "    doc.tags = {'x', 'y'}\n"
	    "  end\n"
	    "  if doc.path == 'content/c.md' then doc.themes = {'neglect', 'neglect'} end\n"
	    "end\n"
	    "function p.site(site)\n"
	    "  for _, d in ipairs(site.documents) do\n"
	    "    if d.path == 'content/a.md' then assert(d.score == 3 and d.notes.a == 'one') end\n"
	    "  end\n"
	    "  assert(#site.themes == 2 and site.themes[1].id == 'neglect' and #site.themes[1].documents == "
	    "3)\n"
	    "  assert(site.by_path['content/b.md'].title == 'Beta')\n"
	    "end\n"
	    "return p\n";
	assert_int_equal(S_run(&s, src, NULL, &d), 0);
	assert_int_equal(d.n, 0);
	const cb_doc *a = &s.docs[0], *c = &s.docs[2];
	assert_int_equal(a->meta.themes.n, 2);
	assert_string_equal(a->meta.themes.v[1], "safer-sleep");
	assert_int_equal(a->meta.theme_lines[0], 5); /* kept for the theme written in the file */
	assert_int_equal(a->meta.theme_lines[1], 0);
	assert_string_equal(a->md.html, "<p>The <abbr>GP</abbr> saw it.</p>");
	assert_int_equal(c->meta.themes.n, 1);
	assert_string_equal(c->meta.themes.v[0], "neglect");
	/* Extra fields, in name order; maps sorted by key. */
	assert_non_null(a->extra);
	cb_value *extra = cb_vpack_unpack(a->extra);
	assert_non_null(extra);
	assert_int_equal(extra->u.map.n, 3);
	assert_string_equal(extra->u.map.keys[0], "notes");
	assert_string_equal(extra->u.map.keys[1], "score");
	assert_string_equal(extra->u.map.keys[2], "tags");
	const cb_value *notes = cb_map_lookup(extra, "notes");
	assert_string_equal(notes->u.map.keys[0], "a");
	assert_true(cb_map_lookup(extra, "score")->u.num == 3);
	assert_int_equal(cb_value_len(cb_map_lookup(extra, "tags")), 2);
	cb_value_free(extra);
	/* The themes were regrouped: neglect now has all three documents. */
	assert_int_equal(s.nthemes, 2);
	assert_string_equal(s.themes[0].id, "neglect");
	assert_int_equal(s.themes[0].ndocs, 3);
	assert_int_equal(s.themes[1].ndocs, 2);
	cb_diags_free(&d);
	cb_site_free(&s);

	S_fails(
	    "local p = {}\nfunction p.document(doc) doc.title = 'New' end\nreturn p\n", NULL,
	    "plugins/t.lua: error: content/a.md: 'title' is one of casebook's own document fields and cannot "
	    "be set by a plugin; store your data under a name of your own (in the document hook, for "
	    "content/a.md) [plugin]\n");
	S_fails(
	    "local p = {}\nfunction p.document(doc) doc.themes = {'Not An Id'} end\nreturn p\n", NULL,
	    "plugins/t.lua: error: content/a.md: theme 1 is not a theme id; ids are lower-case letters, "
	    "digits and dashes, like 'was-not-brought' (in the document hook, for content/a.md) [plugin]\n");
	S_fails(
	    "local p = {}\nfunction p.document(doc) doc.f = print end\nreturn p\n", NULL,
	    "plugins/t.lua: error: content/a.md: a function cannot be stored; use text, numbers, true/false "
	    "and tables (in the document hook, for content/a.md) [plugin]\n");
	S_fails("local p = {}\nfunction p.document(doc) local t = {} t.t = t doc.loop = t end\nreturn p\n",
		NULL,
		"plugins/t.lua: error: content/a.md: tables nest more than 32 deep (is a table inside "
		"itself?) (in "
		"the document hook, for content/a.md) [plugin]\n");
}

static void test_every_document_field(void **state)
{
	cb_site s;
	S_site(&s);
	cb_doc *b = &s.docs[1];
	b->meta.summary = cb_xstrdup("Sum");
	b->meta.review = cb_xstrdup("CSPR");
	b->meta.review_by = cb_xstrdup("2025-01-01");
	cb_strv_push(&b->meta.questions, "Why?");
	b->meta.actions = cb_xcalloc(1, sizeof *b->meta.actions);
	b->meta.nactions = 1;
	b->meta.actions[0].action = cb_xstrdup("Act");
	b->meta.actions[0].rag = cb_xstrdup("red");
	b->meta.actions[0].line = 9;
	b->md.headings = cb_xcalloc(1, sizeof *b->md.headings);
	b->md.nheadings = 1;
	b->md.headings[0] = (cb_heading){2, cb_xstrdup("Think"), cb_xstrdup("think"), 12};
	b->md.learning = cb_xcalloc(1, sizeof *b->md.learning);
	b->md.nlearning = 1;
	b->md.learning[0] = (cb_lpoint){cb_xstrdup("<em>Ask</em>"),
					cb_xstrdup("Ask"),
					cb_xstrdup("Think"),
					cb_xstrdup("think"),
					13,
					NULL,
					0,
					0};
	b->md.links = cb_xcalloc(1, sizeof(int));
	b->md.links[0] = 0;
	b->md.nlinks = 1;
	b->md.doclinks = cb_xcalloc(2, sizeof *b->md.doclinks);
	b->md.doclinks[0] = (cb_mlink){cb_xstrdup("content/a.md"), 0};
	b->md.doclinks[1] = (cb_mlink){cb_xstrdup("content/gone.md"), -1}; /* not in the site */
	b->md.ndoclinks = 2;
	b->md.tables = cb_xcalloc(1, sizeof *b->md.tables);
	b->md.ntables = 1;
	b->md.tables[0] =
	    (cb_mtable){-1, 15, 2, cb_xcalloc(2, sizeof(size_t)), cb_xcalloc(3, sizeof(char *))};
	b->md.tables[0].ncells[0] = 2;
	b->md.tables[0].ncells[1] = 1;
	b->md.tables[0].cells[0] = cb_xstrdup("Action");
	b->md.tables[0].cells[1] = cb_xstrdup("RAG");
	b->md.tables[0].cells[2] = cb_xstrdup("Call");
	s.docs[0].linked_from = cb_xcalloc(1, sizeof(int));
	s.docs[0].linked_from[0] = 1;
	s.docs[0].nlinked_from = 1;
	cb_diags d = CB_DIAGS_INIT;
	const char *src =
	    "local p = {}\n"
	    "function p.document(doc)\n"
	    "  if doc.path ~= 'content/b.md' then\n"
	    "    assert(doc.review == nil and doc.area == nil and doc.first_published == nil)\n"
	    "    assert(#doc.authors == 0 and (doc.path ~= 'content/a.md' or doc.linked_from[1] == "
	    "'content/b.md'))\n"
	    "    return\n"
	    "  end\n"
	    "  assert(doc.summary == 'Sum' and doc.review == 'CSPR' and doc.review_by == '2025-01-01')\n"
	    "  assert(doc.age_band == nil and doc.source == nil and doc.visibility == 'public')\n"
	    "  assert(doc.type == 'briefing' and doc.type_label == 'Briefing' and doc.date == '2024-01-26')\n"
	    "  assert(doc.themes[2] == 'safer-sleep' and doc.theme_lines[2] == 5 and doc.audience[1] == "
	    "'gp')\n"
	    "  assert(doc.questions[1] == 'Why?' and doc.actions[1].action == 'Act' and doc.actions[1].rag "
	    "== 'red')\n"
	    "  assert(doc.actions[1].owner == nil and doc.actions[1].line == 9)\n"
	    "  assert(doc.text == 'Beta text.' and doc.html == '<p>Beta text.</p>')\n"
	    "  assert(doc.headings[1].id == 'think' and doc.headings[1].level == 2 and doc.headings[1].line "
	    "== 12)\n"
	    "  assert(doc.learning[1].html == '<em>Ask</em>' and doc.learning[1].heading_id == 'think')\n"
	    "  assert(doc.learning_count == 1 and #doc.links == 1 and #doc.linked_from == 0)\n"
	    "  local l = doc.links[1]\n"
	    "  assert(l.path == 'content/a.md' and l.doc.title == 'Alpha' and l.doc.path == "
	    "'content/a.md')\n"
	    "  assert(l.section == 'Think' and l.section_id == 'think')\n"
	    "  local t = doc.tables[1]\n"
	    "  assert(#doc.tables == 1 and t.header[2] == 'RAG' and #t.rows == 1 and t.rows[1][1] == "
	    "'Call')\n"
	    "  assert(t.line == 15 and t.section == nil)\n"
	    "  assert(doc.unknown_field == nil and doc[1] == nil)\n"
	    "  assert(doc.themes == doc.themes, 'a field is read once and kept')\n"
	    "  assert(getmetatable(doc) == 'casebook document')\n"
	    "end\n"
	    "return p\n";
	int rc = S_run(&s, src, NULL, &d);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
	free(got);
	cb_diags_free(&d);
	cb_site_free(&s);
}

static void test_site_hook_references_and_pages(void **state)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	const char *src =
	    "local p = {}\n"
	    "function p.site(site)\n"
	    "  local a, b = site.documents[1], site.documents[2]\n"
	    "  a.related = {b}\n"
	    "  casebook.add_page{path = 'reports/summary.html', template = 'layout', title = 'Summary',\n"
	    "    nav = 'Summary', data = {first = a, n = 2}}\n"
	    "end\n"
	    "return p\n";
	assert_int_equal(S_run(&s, src, NULL, &d), 0);
	assert_int_equal(d.n, 0);
	cb_value *extra = cb_vpack_unpack(s.docs[0].extra);
	const cb_value *rel = cb_map_lookup(extra, "related");
	assert_int_equal(cb_value_len(rel), 1);
	/* A document is stored as a reference the renderer resolves. */
	assert_true(cb_map_lookup(cb_list_at(rel, 0), "$doc")->u.num == 1);
	cb_value_free(extra);
	assert_int_equal(s.npages, 1);
	assert_string_equal(s.pages[0].path, "reports/summary.html");
	assert_string_equal(s.pages[0].tpl, "layout");
	assert_string_equal(s.pages[0].nav, "Summary");
	cb_value *data = cb_vpack_unpack(s.pages[0].data);
	assert_true(cb_map_lookup(cb_map_lookup(data, "first"), "$doc")->u.num == 0);
	assert_true(cb_map_lookup(data, "n")->u.num == 2);
	cb_value_free(data);
	cb_diags_free(&d);
	cb_site_free(&s);

	S_fails(
	    "local p = {}\nfunction p.document(doc)\n  casebook.add_page{path = 'x.html', template = 't', "
	    "title = 'X'}\nend\nreturn p\n",
	    NULL,
	    "plugins/t.lua:3: error: casebook.add_page can only be called from a site hook (p.site) (in the "
	    "document hook, for content/a.md) [plugin]\n");
	S_fails(
	    "local p = {}\nfunction p.site(site)\n  casebook.add_page{path = '../escape.html', template = "
	    "'t', title = 'X'}\nend\nreturn p\n",
	    NULL,
	    "plugins/t.lua:3: error: casebook.add_page: the path '../escape.html' must be written as "
	    "folder/name.html, each part starting with a letter or digit (in the site hook) [plugin]\n");
	S_fails(
	    "local p = {}\nfunction p.site(site)\n  casebook.add_page{path = 'documents/a.html', template = "
	    "'t', title = 'X'}\nend\nreturn p\n",
	    NULL,
	    "plugins/t.lua:3: error: casebook.add_page: the path 'documents/a.html' is in a folder casebook "
	    "writes itself (in the site hook) [plugin]\n");
	S_fails(
	    "local p = {}\nfunction p.site(site)\n  local page = {path = 'x.html', template = 't', title = "
	    "'X'}\n  casebook.add_page(page)\n  casebook.add_page(page)\nend\nreturn p\n",
	    NULL,
	    "plugins/t.lua:5: error: casebook.add_page: the path 'x.html' was already added (in the site "
	    "hook) [plugin]\n");
}

/* Fields stored by one plugin, read and changed by the next: a field set
 * again keeps its place, new ones follow in name order, and every kind of
 * value comes back as it was stored. */
static void test_fields_across_plugins(void **state)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	const char *one = "local p = {}\n"
			  "function p.document(doc)\n"
			  "  if doc.path ~= 'content/a.md' then return end\n"
			  "  doc.zeta = {x = 1, y = {true, false}, e = {}, s = 'a\\0b', f = 1.5, nz = -0.0,\n"
			  "              big = 2^53, huge = 1e300, neg = -7}\n"
			  "  doc.beta = 1\n"
			  "  doc.me = doc\n"
			  "end\n"
			  "function p.site(site)\n"
			  "  site.documents[2].friend = site.documents[1]\n"
			  "end\n"
			  "return p\n";
	const char *two =
	    "local p = {}\n"
	    "function p.document(doc)\n"
	    "  if doc.path ~= 'content/a.md' then return end\n"
	    "  assert(doc.me.path == 'content/a.md' and doc.me.title == 'Alpha' and doc.me.url == "
	    "'documents/' .. doc.slug .. '.html')\n"
	    "  local z = doc.zeta\n"
	    "  assert(z.x == 1 and math.type(z.x) == 'integer' and z.y[1] == true and z.y[2] == false)\n"
	    "  assert(#z.e == 0 and z.s == 'a\\0b' and z.f == 1.5 and z.nz == 0 and z.neg == -7)\n"
	    "  assert(z.big == 2^53 and z.huge == 1e300 and doc.beta == 1 and doc.nothing == nil)\n"
	    "  doc.beta = 'two'\n"
	    "  doc.alpha = {doc}\n"
	    "end\n"
	    "function p.site(site)\n"
	    "  local a, b = site.documents[1], site.documents[2]\n"
	    "  assert(b.friend == a and a.alpha[1] == a and a.beta == 'two')\n"
	    "end\n"
	    "return p\n";
	cb_plugin_host *h = cb_plugin_host_new(&s, NULL, NULL);
	assert_int_equal(cb_plugin_host_add(h, "one", "plugins/one.lua", NULL, one, strlen(one), NULL, &d),
			 0);
	assert_int_equal(cb_plugin_host_add(h, "two", "plugins/two.lua", NULL, two, strlen(two), NULL, &d),
			 0);
	int rc = cb_plugin_host_run(h, &d);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(rc, 0);
	cb_plugin_host_free(h);

	cb_value *x = cb_vpack_unpack(s.docs[0].extra);
	assert_non_null(x);
	assert_int_equal(x->u.map.n, 4);
	assert_string_equal(x->u.map.keys[0], "beta"); /* set first by one, then by two */
	assert_string_equal(x->u.map.keys[1], "me");
	assert_string_equal(x->u.map.keys[2], "zeta");
	assert_string_equal(x->u.map.keys[3], "alpha"); /* new from two */
	assert_string_equal(cb_map_lookup(x, "beta")->u.str.s, "two");
	assert_true(cb_map_lookup(cb_list_at(cb_map_lookup(x, "alpha"), 0), "$doc")->u.num == 0);
	const cb_value *z = cb_map_lookup(x, "zeta");
	const char *order[] = {"big", "e", "f", "huge", "neg", "nz", "s", "x", "y"};
	assert_int_equal(z->u.map.n, 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(z->u.map.keys[i], order[i]);
	assert_int_equal(cb_map_lookup(z, "e")->type, CB_V_LIST);
	assert_int_equal(cb_map_lookup(z, "s")->u.str.len, 3);
	assert_memory_equal(cb_map_lookup(z, "s")->u.str.s, "a\0b", 3);
	assert_true(signbit(cb_map_lookup(z, "nz")->u.num)); /* (Lua is given an integer 0) */
	assert_true(cb_map_lookup(z, "huge")->u.num == 1e300);
	cb_value_free(x);
	x = cb_vpack_unpack(s.docs[1].extra);
	assert_true(cb_map_lookup(cb_map_lookup(x, "friend"), "$doc")->u.num == 0);
	cb_value_free(x);
	assert_null(s.docs[2].extra);
	cb_diags_free(&d);
	cb_site_free(&s);
}

static void test_diagnostics_and_helpers(void **state)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	const char *src =
	    "local p = {}\n"
	    "assert(casebook.slug('Was Not Brought!') == 'was-not-brought')\n"
	    "assert(casebook.escape('<a href=\"x\">&') == '&lt;a href=&quot;x&quot;&gt;&amp;')\n"
	    "assert(casebook.date_label('2024-03-04') == '4 March 2024')\n"
	    "assert(casebook.date_label('soon') == 'soon' and casebook.date_label(nil) == '')\n"
	    "assert(casebook.rag_label('blue') == 'Blue (complete)' and casebook.rag_label('red') == 'Red')\n"
	    "assert(casebook.rag_label(nil) == 'Not rated' and casebook.rag_label('') == 'Not rated')\n"
	    "assert(casebook.build_date == '2024-06-01' and casebook.audience == 'public')\n"
	    "assert(#casebook.taxonomy() == 0 and #casebook.glossary() == 0)\n"
	    "local q, why = casebook.query('neglect')\n"
	    "assert(q == nil and why == 'full-text search is not available in this build')\n"
	    "local m = casebook.matcher({'did not attend', 'attend', 'risk assessment', 'assessment', "
	    "'GP'})\n"
	    "local c = m:count('They did not  attend; DID NOT ATTEND again. Attendance? Risk assessment, an "
	    "assessment. gp')\n"
	    "assert(c['did not attend'] == 2 and c['attend'] == nil and c['risk assessment'] == 1)\n"
	    "assert(c['assessment'] == 1 and c['GP'] == 1)\n"
	    "local cs = casebook.matcher({'GP', 'DA'}, true):count('GP and gp and DA and da')\n"
	    "assert(cs.GP == 1 and cs.DA == 1)\n"
	    "function p.document(doc)\n"
	    "  if doc.path == 'content/b.md' then\n"
	    "    casebook.warn('check this', doc, 7, 3)\n"
	    "    casebook.error('wrong here', doc)\n"
	    "    casebook.log('a note')\n"
	    "    print('printed', 1)\n"
	    "  end\n"
	    "end\n"
	    "return p\n";
	assert_int_equal(S_run(&s, src, NULL, &d), 0);
	cb_diags_sort(&d);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, "content/b.md: error: wrong here [t]\n"
				 "content/b.md:7:3: warning: check this [t]\n"
				 "plugins/t.lua:22: note: a note [t]\n"
				 "plugins/t.lua:23: note: printed\t1 [t]\n");
	assert_int_equal(d.errors, 1);
	free(got);
	cb_diags_free(&d);
	cb_site_free(&s);
}

/* A query function standing in for the search index: every document
 * whose title contains the query, scored by position. */
static int S_query(void *ctx, const char *q, size_t limit, cb_plugin_hit **hits, size_t *n, char **msg)
{
	const cb_site *s = ctx;
	if (strcmp(q, "\"") == 0) {
		*msg = cb_xstrdup("a quote is not closed");
		return -1;
	}
	*hits = cb_xcalloc(s->ndocs + 1, sizeof **hits);
	*n = 0;
	for (size_t i = 0; i < s->ndocs && *n < limit; i++)
		if (strstr(s->docs[i].meta.title, q)) {
			(*hits)[*n].doc = (int)i;
			(*hits)[(*n)++].score = 10.0 - (double)i;
		}
	return 0;
}

static void test_query(void **state)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	const char *src = "local p = {}\n"
			  "function p.site(site)\n"
			  "  local hits = casebook.query('a', 2)\n"
			  "  assert(#hits == 2 and hits[1].path == 'content/a.md' and hits[1].score == 10)\n"
			  "  assert(hits[2].doc == site.documents[2] and hits[2].title == 'Beta')\n"
			  "  casebook.query('\"')\n"
			  "end\n"
			  "return p\n";
	cb_plugin_host *h = cb_plugin_host_new(&s, NULL, NULL);
	cb_plugin_set_query(h, S_query, &s);
	assert_int_equal(cb_plugin_host_add(h, "t", "plugins/t.lua", NULL, src, strlen(src), NULL, &d), 0);
	assert_int_equal(cb_plugin_host_run(h, &d), -1);
	char *got = tu_diags_text(&d);
	assert_string_equal(got, "plugins/t.lua:6: error: casebook.query: a quote is not closed (in the site "
				 "hook) [plugin]\n");
	free(got);
	assert_int_equal(cb_plugin_host_count(h), 1);
	assert_string_equal(cb_plugin_host_name(h, 0), "t");
	cb_plugin_host_free(h);
	cb_diags_free(&d);
	cb_site_free(&s);
}

/* A plugin's seconds are the time it ran: one whose document hook keeps
 * the processor busy for 0.05 s per document is timed at least that long
 * for the site's documents (CPU time cannot pass faster than the clock),
 * and a plugin that does nothing well under it. */
static void test_seconds(void **state)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	const char *busy = "local p = {}\n"
			   "function p.document(doc)\n"
			   "  local t = os.clock() while os.clock() - t < 0.05 do end\n"
			   "end\n"
			   "return p\n";
	const char *idle = "return {}\n";
	cb_plugin_host *h = cb_plugin_host_new(&s, NULL, NULL);
	assert_int_equal(
	    cb_plugin_host_add(h, "busy", "plugins/busy.lua", NULL, busy, strlen(busy), NULL, &d), 0);
	assert_int_equal(
	    cb_plugin_host_add(h, "idle", "plugins/idle.lua", NULL, idle, strlen(idle), NULL, &d), 0);
	assert_int_equal(cb_plugin_host_run(h, &d), 0);
	assert_true(s.ndocs >= 2);
	assert_int_equal(cb_plugin_host_count(h), 2);
	assert_true(cb_plugin_host_seconds(h, 0) >= 0.05 * (double)s.ndocs);
	assert_true(cb_plugin_host_seconds(h, 1) < 0.05);
	cb_plugin_host_free(h);
	cb_diags_free(&d);
	cb_site_free(&s);
}

/* Without plugin-limits: seconds a plugin gets 10 s and a second more per
 * 2,000 documents; the setting, when given, is the limit whatever the size. */
static void test_seconds_default(void **state)
{
	cb_site s;
	S_site(&s);
	size_t n = s.ndocs;
	assert_true(n < 2000);
	assert_true(cb_plugin_seconds(&s) == 10.0);
	s.ndocs = 100000; /* read by cb_plugin_seconds alone; put back below */
	assert_true(cb_plugin_seconds(&s) == 60.0);
	s.ndocs = 3999;
	assert_true(cb_plugin_seconds(&s) == 11.0);
	s.cfg.plugin_seconds = 3;
	assert_true(cb_plugin_seconds(&s) == 3.0);
	s.ndocs = n;
	cb_site_free(&s);
	(void)state;
}

static void test_options_and_isolation(void **state)
{
	cb_site s;
	S_site(&s);
	cb_diags d = CB_DIAGS_INIT;
	cb_value *opts = cb_value_map();
	cb_map_set_num(opts, "max", 3);
	cb_map_set_str(opts, "mode", "add");
	/* Each plugin has a state of its own: globals do not leak across. */
	const char *one =
	    "shared = 'one'\nassert(casebook.options.max == 3 and casebook.options.mode == 'add')\n"
	    "assert(math.type(casebook.options.max) == 'integer' and casebook.name == 'one')\n"
	    "return {}\n";
	const char *two = "assert(shared == nil and next(casebook.options) == nil)\nreturn {}\n";
	cb_plugin_host *h = cb_plugin_host_new(&s, NULL, NULL);
	cb_plugin_conf conf = {.name = "one", .options = opts};
	assert_int_equal(cb_plugin_host_add(h, "one", "plugins/one.lua", NULL, one, strlen(one), &conf, &d),
			 0);
	assert_int_equal(cb_plugin_host_add(h, "two", "plugins/two.lua", NULL, two, strlen(two), NULL, &d),
			 0);
	assert_int_equal(cb_plugin_host_run(h, &d), 0);
	assert_int_equal(d.n, 0);
	cb_plugin_host_free(h);
	cb_plugin_host_free(NULL);
	cb_value_free(opts);
	cb_diags_free(&d);
	cb_site_free(&s);
}

/* Loads plugin src with the options casebook.yml text gives it (the one
 * entry of its plugins: list) and runs it; returns the host's result. */
static int S_run_with(const char *yml, const char *src, cb_diags *d)
{
	cb_site s;
	S_site(&s);
	cb_config cfg;
	assert_int_equal(cb_config_load(yml, strlen(yml), "casebook.yml", &cfg, d), 0);
	cb_plugin_host *h = cb_plugin_host_new(&s, NULL, NULL);
	int rc = cb_plugin_host_add(h, "t", "plugins/t.lua", NULL, src, strlen(src), &cfg.plugin_confs[0], d);
	if (rc == 0)
		rc = cb_plugin_host_run(h, d);
	cb_plugin_host_free(h);
	cb_config_free(&cfg);
	cb_site_free(&s);
	return rc;
}

/* Declared options: an unknown one is a warning with "did you mean" at its
 * place in casebook.yml, a mistyped one a warning and its default,
 * defaults fill in the rest; without declarations nothing is checked. */
static void test_option_declarations(void **state)
{
	const char *decl =
	    "local p = {options = {\n"
	    "  max = {type = 'integer', default = 5, doc = 'documents listed'},\n"
	    "  page = {type = 'boolean', default = true},\n"
	    "  label = {type = 'string', default = 'Related'},\n"
	    "  weights = {type = 'list'}}}\n"
	    "function p.site(site)\n"
	    "  local o = casebook.options\n"
	    "  casebook.log(string.format('max=%s page=%s label=%s maks=%s', tostring(o.max),\n"
	    "    tostring(o.page), tostring(o.label), tostring(o.maks)))\n"
	    "end\n"
	    "return p\n";
	const char *yml = "plugins:\n"
			  "  - name: t\n"
			  "    options:\n"
			  "      maks: 3\n"
			  "      page: no\n"
			  "      label: Nearby\n"
			  "      weights: [1, 2]\n"
			  "      colour: red\n";
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(S_run_with(yml, decl, &d), 0);
	char *got = tu_diags_text(&d);
	assert_non_null(strstr(got, "casebook.yml:4:7: warning: plugin 't' has no option 'maks', so it is "
				    "ignored; did you mean 'max'?"));
	assert_non_null(strstr(got, "casebook.yml:5:7: warning: option 'page' of plugin 't' should be true "
				    "or false, not 'no'; it is left at its default (true)"));
	assert_non_null(strstr(got, "casebook.yml:8:7: warning: plugin 't' has no option 'colour', so it "
				    "is ignored; its options are label, max, page, weights"));
	/* Defaults for the missing and the mistyped; what was given as given. */
	assert_non_null(strstr(got, "max=5 page=true label=Nearby maks=3"));
	assert_null(strstr(got, "option 'weights'"));
	free(got);
	cb_diags_free(&d);

	/* A plugin that declares nothing gets its options unchecked. */
	const char *none =
	    "local p = {}\n"
	    "function p.site(site) casebook.log('maks=' .. tostring(casebook.options.maks)) end\n"
	    "return p\n";
	assert_int_equal(S_run_with(yml, none, &d), 0);
	got = tu_diags_text(&d);
	assert_null(strstr(got, "warning"));
	assert_non_null(strstr(got, "maks=3"));
	free(got);
	cb_diags_free(&d);

	/* Without casebook.yml's options, the defaults. */
	assert_int_equal(S_run_with("plugins:\n  - t\n", decl, &d), 0);
	got = tu_diags_text(&d);
	assert_non_null(strstr(got, "max=5 page=true label=Related maks=nil"));
	free(got);
	cb_diags_free(&d);

	/* A malformed declaration is the plugin's error. */
	const char *bad = "return {options = {max = {type = 'int'}}}\n";
	assert_int_equal(S_run_with("plugins:\n  - t\n", bad, &d), -1);
	got = tu_diags_text(&d);
	assert_non_null(strstr(got, "p.options.max.type is 'int'; use boolean, integer"));
	free(got);
	cb_diags_free(&d);
	const char *bad_default = "return {options = {max = {type = 'integer', default = 'five'}}}\n";
	assert_int_equal(S_run_with("plugins:\n  - t\n", bad_default, &d), -1);
	got = tu_diags_text(&d);
	assert_non_null(strstr(got, "the default of p.options.max is not a whole number"));
	free(got);
	cb_diags_free(&d);
}

static void test_plugin_config(void **state)
{
	const char *text = "plugins:\n"
			   "  - taxonomy\n"
			   "  - name: related\n"
			   "    options:\n"
			   "      max: 3\n"
			   "      label: \"7\"\n"
			   "      text: on the page\n"
			   "      strict: true\n"
			   "      weights: [1, 2.5]\n"
			   "plugin-limits:\n"
			   "  instructions: 5000000\n"
			   "  memory-mb: 64\n"
			   "  seconds: 3\n";
	cb_diags d = CB_DIAGS_INIT;
	cb_config cfg;
	assert_int_equal(cb_config_load(text, strlen(text), "casebook.yml", &cfg, &d), 0);
	assert_int_equal(d.n, 0);
	assert_true(cfg.plugins_set);
	assert_int_equal(cfg.plugins.n, 2);
	assert_string_equal(cfg.plugins.v[1], "related");
	assert_string_equal(cfg.plugin_confs[1].name, "related");
	assert_int_equal(cfg.plugin_confs[1].line, 3);
	assert_int_equal(cfg.plugin_confs[1].col, 11);
	const cb_value *o = cfg.plugin_confs[1].options;
	assert_int_equal(cb_map_lookup(o, "max")->type, CB_V_NUM);
	assert_int_equal(cb_map_lookup(o, "label")->type, CB_V_STR); /* quoted stays text */
	assert_string_equal(cb_map_lookup(o, "text")->u.str.s, "on the page");
	assert_int_equal(cb_map_lookup(o, "strict")->type, CB_V_BOOL);
	assert_true(cb_list_at(cb_map_lookup(o, "weights"), 1)->u.num == 2.5);
	assert_int_equal(cb_value_len(cfg.plugin_confs[0].options), 0);
	assert_int_equal(cfg.plugin_instructions, 5000000);
	assert_int_equal(cfg.plugin_memory_mb, 64);
	assert_true(cfg.plugin_seconds == 3);
	cb_config_free(&cfg);

	/* plugins: [] turns them all off; no plugins: means the defaults. */
	assert_int_equal(cb_config_load("plugins: []\n", 12, "casebook.yml", &cfg, &d), 0);
	assert_true(cfg.plugins_set);
	assert_int_equal(cfg.plugins.n, 0);
	cb_config_free(&cfg);
	assert_int_equal(cb_config_load("title: x\n", 9, "casebook.yml", &cfg, &d), 0);
	assert_false(cfg.plugins_set);
	cb_config_free(&cfg);

	const char *bad = "plugins:\n"
			  "  - Related Docs\n"
			  "  - taxonomy\n"
			  "  - taxonomy\n"
			  "  - options: {max: 2}\n"
			  "  - name: glossary\n"
			  "    option: {}\n"
			  "  - name: actions\n"
			  "    options: [1]\n"
			  "plugin-limits:\n"
			  "  instructions: lots\n"
			  "  memory-mb: 0\n"
			  "  time: 5\n";
	assert_int_equal(cb_config_load(bad, strlen(bad), "casebook.yml", &cfg, &d), -1);
	char *got = tu_diags_text(&d);
	assert_string_equal(
	    got,
	    "casebook.yml:2:5: error: 'Related Docs' is not a plugin name: names are written in lower-case "
	    "letters, digits, '-' and '_', like 'related-docs' [invalid-plugin]\n"
	    "casebook.yml:4:5: error: 'taxonomy' is listed more than once in 'plugins'; list it once, with "
	    "all "
	    "its options [duplicate-plugin]\n"
	    "casebook.yml:5:5: error: this plugin has no 'name'; write it as '- name: related' with "
	    "'options:' "
	    "indented under the name [required-field]\n"
	    "casebook.yml:7:5: warning: 'option' is not a plugin setting casebook knows, so it is ignored; "
	    "did "
	    "you mean 'options'? [unknown-field]\n"
	    "casebook.yml:9:14: error: the options of plugin 'actions' should be 'name: value' lines "
	    "indented "
	    "under 'options:', but here they are a list [yaml]\n"
	    "casebook.yml:11:17: error: 'instructions' should be a whole number from 1 to 1000000000000, not "
	    "'lots' [invalid-number]\n"
	    "casebook.yml:12:14: error: 'memory-mb' should be a whole number from 1 to 65536, not '0' "
	    "[invalid-number]\n"
	    "casebook.yml:13:3: warning: 'time' is not a plugin limit casebook knows, so it is ignored; "
	    "check "
	    "the spelling [unknown-field]\n");
	free(got);
	assert_int_equal(cfg.plugins.n, 2); /* taxonomy and glossary */
	cb_config_free(&cfg);
	cb_diags_free(&d);
}

/* The whole stage on the fixture library, committed to a real git
 * repository: the shipped plugins, and casebook.query on a real index. */
static void test_stage_on_a_repository(void **state)
{
	const char *t = getenv("TMPDIR");
	char *tmp = cb_xasprintf("%s/cbplugin-XXXXXX", t && t[0] ? t : "/tmp");
	assert_non_null(mkdtemp(tmp));
	char *cmd = cb_xasprintf(
	    "cp -R tests/fixtures/plugins/library '%s/repo' && cd '%s/repo' && export GIT_AUTHOR_NAME=T "
	    "GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.org "
	    "GIT_AUTHOR_DATE=2024-06-01T10:00:00Z GIT_COMMITTER_DATE=2024-06-01T10:00:00Z "
	    "GIT_CONFIG_NOSYSTEM=1 "
	    "GIT_CONFIG_GLOBAL=/dev/null && git init -q -b main . && git add -A && git commit -q -m one && "
	    "printf 'plugins:\\n  - name: related\\n    options: {threshold: 0.1}\\n' > casebook.yml && "
	    "git tag first && git commit -q -am two >/dev/null 2>&1",
	    tmp, tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	char *repo = cb_path_join(tmp, "repo");
	const char *refs[] = {"first", "HEAD"};
	for (int k = 0; k < 2; k++) {
		cb_site_opts o = {.repo = repo, .ref = refs[k], .audience = CB_VIS_PUBLIC};
		cb_site s;
		cb_diags d = CB_DIAGS_INIT;
		cb_error err;
		assert_int_equal(cb_site_load(&o, &s, &d, &err), 0);
		cb_plugin_timings times = {NULL, 0};
		cb_theme *th;
		assert_int_equal(cb_theme_open(&th, &s, ".", &err), 0);
		cb_plugins_opts po = {".", th, NULL, NULL, &times, NULL};
		assert_int_equal(cb_plugins_run(&s, &po, &d, &err), 0);
		assert_int_equal(d.errors, 0);
		const cb_doc *a = NULL;
		for (size_t i = 0; i < s.ndocs; i++)
			if (strcmp(s.docs[i].path, "content/reviews/child-a.md") == 0)
				a = &s.docs[i];
		assert_non_null(a);
		cb_value *extra = cb_vpack_unpack(a->extra);
		assert_non_null(cb_map_lookup(extra, "related"));
		if (k == 0) {
			/* The configured six, each timed, in the order they ran. */
			assert_int_equal(times.n, 6);
			assert_string_equal(times.v[0].name, "taxonomy");
			assert_string_equal(times.v[5].name, "actions");
			for (size_t i = 0; i < times.n; i++)
				assert_true(times.v[i].seconds >= 0 && times.v[i].seconds < 60);
			assert_int_equal(s.npages, 3);
			assert_string_equal(s.pages[0].path, "glossary.html");
			assert_string_equal(s.pages[1].path, "learning/index.html");
			assert_string_equal(s.pages[2].path, "actions.html");
			char *html = cb_doc_html(&s, a);
			assert_non_null(strstr(html, "<abbr title=\"General Practitioner\">GP</abbr>"));
			free(html);
			assert_non_null(cb_map_lookup(extra, "backlinks"));
		} else {
			/* related alone, with its text search: the index is built
			 * on demand and removed afterwards. */
			assert_int_equal(times.n, 1);
			assert_string_equal(times.v[0].name, "related");
			assert_int_equal(s.npages, 0);
			assert_null(cb_map_lookup(extra, "backlinks"));
		}
		cb_value_free(extra);
		cb_plugin_timings_free(&times);
		cb_diags_free(&d);
		cb_theme_free(th);
		cb_site_free(&s);
	}
	free(repo);
	cb_rm_rf(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sandbox_has_no_io_os_package_or_debug),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_errors_name_the_line),
	    cmocka_unit_test(test_document_hook_changes),
	    cmocka_unit_test(test_every_document_field),
	    cmocka_unit_test(test_site_hook_references_and_pages),
	    cmocka_unit_test(test_fields_across_plugins),
	    cmocka_unit_test(test_diagnostics_and_helpers),
	    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_seconds),
	    cmocka_unit_test(test_seconds_default),
	    cmocka_unit_test(test_options_and_isolation),
	    cmocka_unit_test(test_plugin_config),
	    cmocka_unit_test(test_option_declarations),
	    cmocka_unit_test(test_stage_on_a_repository),
	};
	return cmocka_run_group_tests_name("plugin", tests, NULL, NULL);
}
