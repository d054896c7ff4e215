/* Unit tests for the plugin stage in its own process (plugin_proc.c) and
 * the walls around it (contain.h): each kind of plugin that no count hook
 * can stop is stopped by the clock, named, and changes nothing; memory and
 * message floods end early; what plugins change comes back from the child.
 * The limits here are fractions of a second, so the suite does not grow by
 * the default ten seconds for each case. Real Lua, real fork, real
 * seccomp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "contain.h"
#include "plugin.h"
#include "site.h"
#include "util.h"
#include "testutil.h"

static void S_doc(cb_site *s, const char *path, const char *title, const char *theme, const char *text)
{
	s->docs = cb_xrealloc(s->docs, (s->ndocs + 1) * sizeof *s->docs);
	cb_doc *d = &s->docs[s->ndocs++];
	memset(d, 0, sizeof *d);
	d->path = cb_xstrdup(path);
	d->slug = cb_xstrndup(path + 8, strlen(path) - 11);
	d->meta.title = cb_xstrdup(title);
	d->meta.type = cb_xstrdup("briefing");
	d->meta.date = cb_xasprintf("2024-01-%02zu", 28 - s->ndocs);
	cb_strv_push(&d->meta.themes, theme);
	d->meta.theme_lines = cb_xcalloc(2, sizeof(int));
	d->meta.theme_cols = cb_xcalloc(2, sizeof(int));
	d->meta.theme_lines[0] = 5;
	d->md.html = cb_xasprintf("<p>%s</p>", text);
	d->md.text = cb_xstrdup(text);
}

/* Three documents, casebook.yml as yml, and one repository plugin,
 * plugins/bad.lua, as src. */
static void S_site(cb_site *s, const char *yml, const char *src)
{
	memset(s, 0, sizeof *s);
	cb_diags d = CB_DIAGS_INIT;
	assert_int_equal(cb_config_load(yml, strlen(yml), "casebook.yml", &s->cfg, &d), 0);
	cb_diags_free(&d);
	strcpy(s->build_date, "2024-06-01");
	S_doc(s, "content/alpha.md", "Alpha", "neglect", "The GP saw the child twice.");
	S_doc(s, "content/beta.md", "Beta", "neglect", "Beta text about missed appointments.");
	S_doc(s, "content/gamma.md", "Gamma", "safer-sleep", "Gamma text.");
	cb_site_group_themes(s);
	s->plugin_srcs = cb_xcalloc(1, sizeof *s->plugin_srcs);
	s->plugin_srcs[0].path = cb_xstrdup("plugins/bad.lua");
	s->plugin_srcs[0].data = cb_xstrdup(src);
	s->plugin_srcs[0].len = strlen(src);
	s->nplugin_srcs = 1;
}

/* Runs the stage (in its process) with a limit of secs seconds; returns
 * its result, the diagnostics printed in *out (caller frees). */
static int S_stage(cb_site *s, double secs, char **out)
{
	s->cfg.plugin_seconds = secs;
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = {{0}, 0, 0, {0}};
	cb_plugins_opts po = {".", NULL, NULL, NULL, NULL, NULL};
	int rc = cb_plugins_run(s, &po, &d, &err);
	*out = tu_diags_text(&d);
	cb_diags_free(&d);
	return rc;
}

#define S_STOPPED                                                                                            \
	"plugins/bad.lua: error: stopped after 0.3 s (plugin-limits.seconds); look for a loop that never "   \
	"ends (in a hook, a __gc finalizer or an xpcall message handler), a pattern that backtracks "        \
	"without end, or a very large casebook.query, or raise 'plugin-limits: seconds' in casebook.yml "    \
	"[plugin-limit]\n"

/* Expects src to be stopped by the clock (0.3 s) and the site unchanged:
 * the themes, HTML and fields the plugin set before it was stopped, and
 * the pages it added, never reach the parent. */
static void S_stopped(const char *src, const char *want_before)
{
	cb_site s;
	S_site(&s, "plugins: [bad]\n", src);
	char *out;
	double t0 = tu_clock();
	assert_int_equal(S_stage(&s, 0.3, &out), 1);
	double took = tu_clock() - t0;
	char *want = cb_xasprintf("%s%s", want_before ? want_before : "", S_STOPPED);
	assert_string_equal(out, want);
	free(want);
	free(out);
	assert_true(took < 5); /* well before the default ten seconds */
	assert_null(s.docs[0].extra);
	assert_int_equal(s.npages, 0);
	assert_string_equal(s.docs[0].meta.themes.v[0], "neglect");
	assert_string_equal(s.docs[0].md.html, "<p>The GP saw the child twice.</p>");
	cb_site_free(&s);
}

static void test_stopped_whatever_it_does(void **state)
{
	/* A loop in a finalizer: Lua runs finalizers with hooks off. This one
	 * runs when the state closes, after the hooks. */
	S_stopped("local p = {}\n"
		  "function p.document(doc) doc.seen = true end\n"
		  "setmetatable({}, {__gc = function() while true do end end})\n"
		  "return p\n",
		  NULL);
	/* A loop in an xpcall message handler. */
	S_stopped("local p = {}\n"
		  "function p.site(site)\n"
		  "  xpcall(error, function() while true do end end)\n"
		  "end\n"
		  "return p\n",
		  NULL);
	/* A pattern that backtracks in liblua's C code. */
	S_stopped("local p = {}\n"
		  "function p.document(doc)\n"
		  "  doc.html = 'changed'\n"
		  "  local s = ('a'):rep(30000):find('.-.-.-.-.-b')\n"
		  "end\n"
		  "return p\n",
		  NULL);
	/* casebook.query with 100,000 words, in SQLite (its index is built
	 * from this site first, on the stage's own time). */
	S_stopped("local p = {}\n"
		  "function p.site(site)\n"
		  "  casebook.add_page{path = 'x.html', template = 'glossary', title = 'x'}\n"
		  "  casebook.query(('appointment '):rep(100000))\n"
		  "end\n"
		  "return p\n",
		  NULL);
	/* What a plugin said before it was stopped in a later hook is kept. */
	S_stopped("local p = {}\n"
		  "function p.document(doc) casebook.warn('seen', doc) end\n"
		  "function p.site(site) while true do end end\n"
		  "return p\n",
		  "content/alpha.md: warning: seen [bad]\n"
		  "content/beta.md: warning: seen [bad]\n"
		  "content/gamma.md: warning: seen [bad]\n");
}

/* The limit is for a plugin's whole build: twenty document hooks of 0.05 s
 * (of CPU time, so at least as much on the clock) pass 0.5 s together,
 * while one of them alone is far below it. */
static void test_time_is_per_plugin_per_build(void **state)
{
	const char *busy = "local p = {}\n"
			   "function p.document(doc)\n"
			   "  if %s then local t = os.clock() while os.clock() - t < 0.05 do end end\n"
			   "end\n"
			   "return p\n";
	char *one = cb_xasprintf(busy, "doc.title == 'Alpha'");
	char *all = cb_xasprintf(busy, "true");
	const char *srcs[] = {one, all};
	for (int k = 0; k < 2; k++) {
		cb_site s;
		char *out;
		S_site(&s, "plugins: [bad]\n", srcs[k]);
		for (int i = 0; i < 17; i++) {
			char path[64];
			snprintf(path, sizeof path, "content/more-%02d.md", i);
			S_doc(&s, path, "More", "neglect", "More text.");
		}
		assert_int_equal(S_stage(&s, 0.5, &out), k);
		if (k == 0)
			assert_string_equal(out, "");
		else
			assert_non_null(strstr(
			    out, "plugins/bad.lua: error: stopped after 0.5 s (plugin-limits.seconds)"));
		free(out);
		cb_site_free(&s);
	}
	free(one);
	free(all);
}

/* Out of memory inside pcall ends the hook call at once, instead of
 * filling the memory again until the instruction budget runs out: the
 * message is the memory one, well before the 5 s clock. */
static void test_out_of_memory_in_pcall(void **state)
{
	const char *srcs[] = {
	    "while true do pcall(function() local t = {} while true do t[#t + 1] = ('x'):rep(100) end end) "
	    "end\n",
	    "while true do pcall(string.rep, 'x', 1 << 30) end\n",
	    "local t = {}\nwhile true do pcall(function() t[#t + 1] = table.concat({('x'):rep(1000), "
	    "('y'):rep(1000)}) end) end\n",
	};
	for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
		cb_site s;
		char *out;
		S_site(&s, "plugins: [bad]\nplugin-limits: {memory-mb: 8}\n", srcs[i]);
		assert_int_equal(S_stage(&s, 5, &out), 1);
		assert_non_null(strstr(out, "plugins/bad.lua:"));
		assert_non_null(strstr(out, ": error: ran out of memory: a plugin may use at most 8 MB"));
		assert_null(strstr(out, "stopped after"));
		free(out);
		cb_site_free(&s);
	}
}

static size_t S_count_lines(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* At most 1,000 messages from a plugin, then one notice; a suppressed
 * error still fails the stage's build (the notice is an error). */
static void test_message_flood(void **state)
{
	cb_site s;
	char *out;
	S_site(&s, "plugins: [bad]\n",
	       "for i = 1, 200000 do casebook.warn('w' .. i) end\nprint(('x'):rep(100000))\nreturn {}\n");
	assert_int_equal(S_stage(&s, 5, &out), 0);
	assert_int_equal(S_count_lines(out, "warning: w"), 1000);
	assert_non_null(strstr(out,
			       "plugins/bad.lua: note: more than 1000 messages from this plugin: further "
			       "messages suppressed [plugin-limit]\n"));
	assert_null(strstr(out, "xxxxx")); /* the print was suppressed too */
	free(out);
	cb_site_free(&s);

	S_site(&s, "plugins: [bad]\n",
	       "for i = 1, 1500 do casebook.warn('w' .. i) end\ncasebook.error('late')\nreturn {}\n");
	cb_diags d = CB_DIAGS_INIT;
	cb_error err;
	cb_plugins_opts po = {".", NULL, NULL, NULL, NULL, NULL};
	assert_int_equal(cb_plugins_run(&s, &po, &d, &err), 0);
	assert_int_equal(d.errors, 1);
	out = tu_diags_text(&d);
	assert_non_null(strstr(out,
			       "plugins/bad.lua: error: more than 1000 messages from this plugin: further "
			       "messages suppressed, errors among them [plugin-limit]\n"));
	free(out);
	cb_diags_free(&d);
	cb_site_free(&s);

	/* A long message is cut. */
	S_site(&s, "plugins: [bad]\n", "casebook.warn(('y'):rep(1000000))\nreturn {}\n");
	assert_int_equal(S_stage(&s, 5, &out), 0);
	assert_true(strlen(out) < 2200);
	assert_non_null(strstr(out, "yyy…"));
	free(out);
	cb_site_free(&s);
}

/* What plugins change comes back from the child: themes, HTML, fields,
 * pages, and their messages. */
static void test_changes_come_back(void **state)
{
	cb_site s;
	char *out;
	S_site(&s, "plugins: [bad]\n",
	       "local p = {}\n"
	       "function p.document(doc)\n"
	       "  if doc.title == 'Beta' then\n"
	       "    doc.themes = {'safer-sleep', 'neglect'}\n"
	       "    doc.html = '<p>new</p>'\n"
	       "    doc.note = {n = 2, list = {'a', 'b'}}\n"
	       "  end\n"
	       "end\n"
	       "function p.site(site)\n"
	       "  casebook.log('pages: ' .. #site.documents)\n"
	       "  casebook.add_page{path = 'extra.html', template = 'glossary', title = 'Extra', nav = 'X',\n"
	       "    data = {first = site.documents[1]}}\n"
	       "end\n"
	       "return p\n");
	assert_int_equal(S_stage(&s, 5, &out), 0);
	assert_string_equal(out, "plugins/bad.lua:10: note: pages: 3 [bad]\n");
	free(out);
	const cb_doc *b = &s.docs[1];
	assert_string_equal(b->path, "content/beta.md");
	assert_int_equal(b->meta.themes.n, 2);
	assert_string_equal(b->meta.themes.v[0], "safer-sleep");
	assert_int_equal(b->meta.theme_lines[1], 5); /* the position written in the file is kept */
	char *html = cb_doc_html(&s, b);
	assert_string_equal(html, "<p>new</p>");
	free(html);
	cb_value *extra = cb_vpack_unpack(b->extra);
	assert_int_equal(cb_map_lookup(cb_map_lookup(extra, "note"), "n")->u.num, 2);
	assert_string_equal(cb_list_at(cb_map_lookup(cb_map_lookup(extra, "note"), "list"), 1)->u.str.s, "b");
	cb_value_free(extra);
	assert_null(s.docs[0].extra);
	/* The theme groups follow the new themes: safer-sleep has two now. */
	for (size_t i = 0; i < s.nthemes; i++)
		if (strcmp(s.themes[i].id, "safer-sleep") == 0)
			assert_int_equal(s.themes[i].ndocs, 2);
	assert_int_equal(s.npages, 1);
	assert_string_equal(s.pages[0].path, "extra.html");
	assert_string_equal(s.pages[0].nav, "X");
	cb_value *data = cb_vpack_unpack(s.pages[0].data);
	assert_int_equal(cb_map_lookup(cb_map_lookup(data, "first"), "$doc")->u.num, 0);
	cb_value_free(data);
	cb_site_free(&s);
}

/* ---- the walls (contain.h), in a child of the test ---- */

static void *S_thread(void *arg)
{
	return arg;
}

/* What the child could do after putting its walls up: a bit per thing
 * refused as it should be. */
static int S_walled(void)
{
	cb_contain_limits lim = {5, (size_t)64 << 20};
	char why[256];
	if (cb_contain_enter(&lim, why, sizeof why) != 0)
		return 100;
	int bits = 0;
	char *argv[] = {"/bin/true", NULL};
	if (execv("/bin/true", argv) != 0 && errno == EPERM)
		bits |= 1;
	if (socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EPERM)
		bits |= 2;
	if (fork() < 0 && errno == EPERM)
		bits |= 4;
	pthread_t th;
	if (pthread_create(&th, NULL, S_thread, NULL) == 0 && pthread_join(th, NULL) == 0)
		bits |= 8; /* threads still work */
	if (kill(getppid(), 0) != 0 && errno == EPERM)
		bits |= 16;
		/* More memory than the limit allows cannot be had. (AddressSanitizer
		 * aborts instead of returning NULL, so it is not asked there.) */
#if defined(__SANITIZE_ADDRESS__)
	bits |= 32;
#else
	if (malloc((size_t)512 << 20) == NULL)
		bits |= 32;
#endif
	return bits;
}

static void test_walls(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(S_walled());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1 | 2 | 4 | 8 | 16 | 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stopped_whatever_it_does),
	    cmocka_unit_test(test_time_is_per_plugin_per_build),
	    cmocka_unit_test(test_out_of_memory_in_pcall),
	    cmocka_unit_test(test_message_flood),
	    cmocka_unit_test(test_changes_come_back),
	    cmocka_unit_test(test_walls),
	};
	return cmocka_run_group_tests_name("plugin_proc", tests, NULL, NULL);
}
