/*
 * cmd_serve: `casebook serve` previews the working tree in a browser. It
 * builds the working files (uncommitted edits included) with the same
 * pipeline as `casebook build` (build.h) into a private folder,
 * .casebook/serve/<pid>/site, and serves that folder on 127.0.0.1 only
 * with libmicrohttpd. It checks the files for changes (modification time
 * and size) when the system reports one (inotify) and a few times a second
 * in any case, and rebuilds; pages carry a small script, added
 * only here, that asks /__casebook/version whether a build has finished
 * and reloads. When a build fails the last good site stays served, with the
 * problems shown at the top of every page and printed in the terminal.
 *
 * A good build's site stays in memory (cb_build_opts.keep). When only
 * documents it holds were saved, each is checked alone and its page
 * rendered from that site and served at once (quick.h, S_quick); the full
 * build follows, and is what reports problems and leaves the final site.
 *
 * This is the only file that includes microhttpd.h. libmicrohttpd is loaded
 * when serve starts (dlopen by its runtime name), so that no other command
 * loads it and the TLS libraries it pulls in; its header gives the types.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "build.h"
#include "commands.h"
#include "gitsrc.h"
#include "private.h"
#include "pubcheck.h"
#include "quick.h"
#include "render.h"
#include "theme.h"
#include "util.h"
#include "writer.h"

#ifndef CB_VERSION
#define CB_VERSION "0.0.0"
#endif

const char cb_serve_usage[] =
    "usage: casebook serve [--port N] [--repo DIR] [--audience public|internal|restricted]\n"
    "\n"
    "Previews the working files (uncommitted edits included) at http://127.0.0.1:N/,\n"
    "rebuilding when a file changes and reloading the open page. Problems are shown\n"
    "in the page and here, while the last good site stays up. Ctrl-C stops it.\n"
    "\n"
    "  --port N        the port to listen on, on 127.0.0.1 only (default 8000;\n"
    "                  0 picks a free one)\n"
    "  --repo DIR      the repository (default: the one containing this folder)\n"
    "  --audience A    internal (default: drafts and internal documents shown),\n"
    "                  public or restricted\n"
    "\n"
    "Exit status: 0 stopped, 2 usage or environment error (port in use, no repository).\n";

/* How often the files are checked: a few times a second, or when the
 * system reports changes (inotify) at once and otherwise only now and then;
 * and how long they must stay unchanged before a rebuild, so a half-saved
 * file is not built. */
#define S_POLL_MS 300
#define S_SAFETY_MS 2000
#define S_SETTLE_MS 80

typedef struct S_serve {
	pthread_mutex_t lock;
	char *site;	       /* the served folder */
	unsigned long version; /* bumped when a build finishes, good or bad */
	bool have_site;	       /* a build has succeeded */
	char *problems;	       /* the last failed build's report (plain text); NULL after a good one */
	unsigned port;	       /* the port listened on */
	/* Used by the watching thread only: the last good build's site and
	 * theme (cb_build_opts.keep), an edited page's first render is made
	 * from (quick.h); NULL after a failed build. And the folder the
	 * writer for that render is opened on. */
	cb_site *kept;
	cb_theme *theme;
	char *quick;
} S_serve;

static volatile sig_atomic_t S_stop;

static void S_on_signal(int sig)
{
	(void)sig;
	S_stop = 1;
}

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void S_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL); /* a signal cuts it short, which is what we want */
}

/* ---- Watching files ---------------------------------------------------- */

/* What a rebuild depends on, as last seen: path -> "mode size mtime" of
 * every file (an owned string). */
typedef cb_strmap S_files;

/* Records the mode, size and modification time of every file under dir,
 * named rel/NAME. Hidden entries (.git, .casebook, editors' swap files) are
 * skipped, and so are public/ at the top level and staging folders, where
 * `casebook build` writes. Symlinks are not followed, as the build does not
 * follow them either. Every folder read is watched on ifd (inotify; -1:
 * none), so that a change there is noticed at once. */
static void S_scan(S_files *m, int ifd, const char *dir, const char *rel, int depth)
{
	if (depth > 24)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	if (ifd >= 0)
		inotify_add_watch(ifd, dir,
				  IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE |
				      IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (n[0] == '.' || (depth == 0 && strcmp(n, "public") == 0) ||
		    strcmp(n, "node_modules") == 0 || cb_str_ends(n, "~") || strstr(n, ".staging-"))
			continue;
		char *p = cb_path_join(dir, n);
		char *r = rel ? cb_path_join(rel, n) : cb_xstrdup(n);
		struct stat st;
		if (lstat(p, &st) == 0) {
			free(cb_strmap_get(m, r));
			if (S_ISDIR(st.st_mode)) {
				cb_strmap_put(m, r, cb_xstrdup("folder"));
				S_scan(m, ifd, p, r, depth + 1);
			} else {
				cb_strmap_put(m, r,
					      cb_xasprintf("%o %lld %lld.%09ld", (unsigned)st.st_mode,
							   (long long)st.st_size,
							   (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
			}
		}
		free(r);
		free(p);
	}
	closedir(d);
}

/* The repository's working files, by their repository paths, and the
 * installed themes (so theme authors see their changes too), by names no
 * repository path has. */
static S_files *S_files_now(int ifd, const char *workdir, const char *datadir)
{
	S_files *m = cb_strmap_new();
	S_scan(m, ifd, workdir, NULL, 0);
	char *themes = cb_path_join(datadir, "themes");
	S_scan(m, ifd, themes, "\001installed-themes", 1);
	free(themes);
	return m;
}

/* Empties ifd's queue of changes. */
static void S_drain(int ifd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (ifd >= 0 && read(ifd, buf, sizeof buf) > 0)
		;
}

/* Waits ms at most, less when ifd reports a change: whether it did. */
static bool S_wait(int ifd, long ms)
{
	if (ifd < 0) {
		S_sleep_ms(ms);
		return false;
	}
	struct pollfd p = {.fd = ifd, .events = POLLIN};
	if (poll(&p, 1, (int)ms) <= 0)
		return false;
	S_drain(ifd);
	return true;
}

static void S_files_free(S_files *m)
{
	size_t it = 0;
	const char *k;
	void *v;
	while (cb_strmap_next(m, &it, &k, &v))
		free(v);
	cb_strmap_free(m);
}

/* Whether was and now differ only in the contents of files both have:
 * then those files' paths are added to changed. */
static bool S_files_modified(const S_files *was, const S_files *now, cb_strv *changed)
{
	if (cb_strmap_count(was) != cb_strmap_count(now))
		return false;
	size_t it = 0;
	const char *k;
	void *v;
	while (cb_strmap_next(now, &it, &k, &v)) {
		const char *before = cb_strmap_get(was, k);
		if (!before)
			return false;
		if (strcmp(before, v) != 0)
			cb_strv_push(changed, k);
	}
	return true;
}

static bool S_files_same(const S_files *a, const S_files *b)
{
	cb_strv changed = CB_STRV_INIT;
	bool same = S_files_modified(a, b, &changed) && changed.n == 0;
	cb_strv_free(&changed);
	return same;
}

/* ---- libmicrohttpd, loaded when serve starts ---------------------------- */

/* The runtime name of the library Debian's libmicrohttpd12 ships. */
#define S_MHD_SONAME "libmicrohttpd.so.12"

#define S_FN(name) __typeof__(&name) name
static struct {
	S_FN(MHD_add_response_header);
	S_FN(MHD_create_response_from_buffer);
	S_FN(MHD_create_response_from_fd);
	S_FN(MHD_destroy_response);
	S_FN(MHD_http_unescape);
	S_FN(MHD_lookup_connection_value);
	S_FN(MHD_queue_response);
	S_FN(MHD_start_daemon);
	S_FN(MHD_stop_daemon);
} M;
#undef S_FN

static bool S_sym(void *lib, const char *name, void *fn)
{
	void *p = dlsym(lib, name);
	if (!p) {
		fprintf(stderr,
			"casebook: %s has no function %s; install the version casebook was built "
			"with\n",
			S_MHD_SONAME, name);
		return false;
	}
	memcpy(fn, &p, sizeof p);
	return true;
}

#define S_LOAD(lib, name) S_sym(lib, #name, &M.name)

/* Loads libmicrohttpd's functions; 0, or -1 after saying what to install. */
static int S_mhd_load(void)
{
	void *lib = dlopen(S_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr,
			"casebook: serve needs the library %s, which is not installed (%s); install it "
			"(Debian: apt-get install libmicrohttpd12)\n",
			S_MHD_SONAME, dlerror());
		return -1;
	}
	bool ok = S_LOAD(lib, MHD_add_response_header) && S_LOAD(lib, MHD_create_response_from_buffer) &&
		  S_LOAD(lib, MHD_create_response_from_fd) && S_LOAD(lib, MHD_destroy_response) &&
		  S_LOAD(lib, MHD_http_unescape) && S_LOAD(lib, MHD_lookup_connection_value) &&
		  S_LOAD(lib, MHD_queue_response) && S_LOAD(lib, MHD_start_daemon) &&
		  S_LOAD(lib, MHD_stop_daemon);
	return ok ? 0 : -1;
}

/* ---- Building ---------------------------------------------------------- */

/* The most documents saved at once whose pages are shown before the full
 * build: more is a change a full build answers about as fast. */
#define S_QUICK_MAX 8

static void S_drop(S_serve *s)
{
	cb_theme_free(s->theme);
	if (s->kept)
		cb_site_free(s->kept);
	free(s->kept);
	s->kept = NULL;
	s->theme = NULL;
}

/* cb_build_opts.keep: the site a good build rendered, kept for S_quick. */
static void S_keep(void *ctx, cb_site *site, cb_theme *theme)
{
	S_serve *s = ctx;
	S_drop(s);
	s->kept = site;
	s->theme = theme;
}

/* Renders document i of the kept site alone, checks the page as the
 * build's last scan does, and puts it in place of the served one: 0, or
 * -1 when the full build must answer. */
static int S_quick_write(S_serve *s, const cb_build_opts *bo, size_t i)
{
	cb_error err = CB_ERROR_INIT;
	cb_writer *w = NULL;
	if (cb_writer_open(&w, s->quick, &err) != 0)
		return -1;
	cb_render_opts ro = {.theme = s->theme, .version = bo->version, .jobs = 1};
	int rc = cb_render_document(s->kept, &ro, i, w, &err);
	cb_diags d = CB_DIAGS_INIT;
	size_t nread = 0, nskipped = 0;
	if (rc == 0 && cb_pubcheck_output(cb_writer_stage_dir(w), s->site, &s->kept->pii_allow,
					  s->kept->pii_names, NULL, NULL, 1, &d, &nread, &nskipped) > 0)
		rc = -1;
	cb_diags_free(&d);
	char *rel = cb_xasprintf("documents/%s.html", s->kept->docs[i].slug);
	char *from = cb_path_join(cb_writer_stage_dir(w), rel), *to = cb_path_join(s->site, rel);
	/* A new file, not the old one rewritten: the next build's writer
	 * links only files as it left them (writer.h). */
	if (rc == 0 && rename(from, to) != 0)
		rc = -1;
	free(rel);
	free(from);
	free(to);
	cb_writer_abort(w);
	return rc;
}

/* The saved document at path, checked alone and its page replaced: 0, or
 * -1 when the full build must answer. */
static int S_quick_page(S_serve *s, const cb_build_opts *bo, const char *path)
{
	long i = cb_quick_find(s->kept, path);
	if (i < 0)
		return -1;
	char *file = cb_path_join(bo->site.repo, path);
	char *data = NULL;
	size_t len = 0;
	int rc = cb_file_read(file, &data, &len);
	free(file);
	if (rc == 0)
		rc = cb_quick_document(s->kept, (size_t)i, data, len) == 0 ? 0 : -1;
	free(data);
	if (rc == 0)
		rc = S_quick_write(s, bo, (size_t)i);
	return rc;
}

/* The first answer to a change (quick.h): when only documents the last
 * good site holds were saved, each is checked alone and its page served
 * at once, the open page told to reload. The full build follows whatever
 * happens here, and is what shows any problem. */
static void S_quick(S_serve *s, const cb_build_opts *bo, const S_files *was, const S_files *now)
{
	pthread_mutex_lock(&s->lock);
	bool good = s->problems == NULL;
	pthread_mutex_unlock(&s->lock);
	if (!s->kept || !good)
		return;
	double t0 = S_now();
	cb_strv paths = CB_STRV_INIT;
	bool ok = S_files_modified(was, now, &paths) && paths.n > 0 && paths.n <= S_QUICK_MAX;
	size_t shown = 0;
	for (size_t k = 0; ok && k < paths.n; k++) {
		ok = S_quick_page(s, bo, paths.v[k]) == 0;
		shown += ok;
	}
	if (shown) {
		pthread_mutex_lock(&s->lock);
		s->version++;
		pthread_mutex_unlock(&s->lock);
		fprintf(stderr, "casebook: showed the edit to %s%s in %.2f s; rebuilding the rest\n",
			paths.v[0], shown > 1 ? " and others" : "", S_now() - t0);
	}
	cb_strv_free(&paths);
}

static void S_build(S_serve *s, const cb_build_opts *bo, bool first)
{
	/* The kept site is the last build's; this one keeps its own. */
	S_drop(s);
	double t0 = S_now();
	cb_diags d = CB_DIAGS_INIT;
	cb_error err = CB_ERROR_INIT;
	cb_build_result res;
	cb_build_status st = cb_build_run(bo, &res, &d, &err);
	cb_diags_sort(&d);
	cb_diags_print(&d, stderr, cb_want_color(stderr));

	char *report = NULL;
	if (st != CB_BUILD_OK) {
		/* The same lines as the terminal shows, for the page. */
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (f) {
			cb_diags_print(&d, f, false);
			if (st == CB_BUILD_FAILED) {
				char msg[2200];
				cb_error_format(&err, msg, sizeof msg);
				fprintf(f, "%s\n", msg);
			}
			fclose(f);
		}
		report = text ? text : cb_xstrdup("the build failed");
		if (st == CB_BUILD_FAILED) {
			char msg[2200];
			cb_error_format(&err, msg, sizeof msg);
			fprintf(stderr, "casebook: %s; ", msg);
		} else {
			fprintf(stderr, "casebook: %zu error%s in %zu document%s; ", d.errors,
				d.errors == 1 ? "" : "s", res.sources, res.sources == 1 ? "" : "s");
		}
		pthread_mutex_lock(&s->lock);
		fprintf(stderr, "%s\n",
			s->have_site ? "still serving the last good site"
				     : "there is no site to show until it is fixed");
		pthread_mutex_unlock(&s->lock);
	} else {
		fprintf(stderr, "casebook: %s %zu of %zu documents in %.2f s\n", first ? "built" : "rebuilt",
			res.documents, res.sources, S_now() - t0);
	}
	pthread_mutex_lock(&s->lock);
	s->version++;
	free(s->problems);
	s->problems = report;
	if (st == CB_BUILD_OK)
		s->have_site = true;
	pthread_mutex_unlock(&s->lock);
	cb_build_result_free(&res);
	cb_diags_free(&d);
}

/* ---- Serving ----------------------------------------------------------- */

static const char *S_mime(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".json", "application/json"},
	    {".xml", "application/xml"},
	    {".atom", "application/atom+xml"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".jpeg", "image/jpeg"},
	    {".gif", "image/gif"},
	    {".ico", "image/x-icon"},
	    {".woff2", "font/woff2"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".pdf", "application/pdf"},
	    {".db", "application/vnd.sqlite3"},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (cb_str_ends(path, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* Opens url (already percent-decoded by libmicrohttpd) inside root, one
 * component at a time without following symlinks, so no request can leave
 * the output folder. Returns an open descriptor, or -1: errno ENOENT when
 * there is no such file, EISDIR for a folder (then *is_dir is set and the
 * caller adds index.html), EACCES for a refused path. */
static int S_open_confined(const char *root, const char *url, bool *is_dir)
{
	*is_dir = false;
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	const char *p = url;
	while (*p == '/')
		p++;
	if (!*p) {
		close(dfd);
		*is_dir = true;
		errno = EISDIR;
		return -1;
	}
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		char seg[256];
		/* Hidden names cover "." and ".." as well as the output marker. */
		if (n == 0 || n >= sizeof seg || p[0] == '.' || memchr(p, '\\', n)) {
			close(dfd);
			errno = n == 0 ? ENOENT : EACCES;
			return -1;
		}
		memcpy(seg, p, n);
		seg[n] = '\0';
		bool last = !slash || !slash[1];
		int fd = openat(dfd, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		int e = errno;
		close(dfd);
		if (fd < 0) {
			errno = e == ELOOP ? EACCES : e;
			return -1;
		}
		struct stat st;
		if (fstat(fd, &st) != 0) {
			close(fd);
			return -1;
		}
		if (last) {
			if (S_ISDIR(st.st_mode)) {
				close(fd);
				*is_dir = true;
				errno = EISDIR;
				return -1;
			}
			if (!S_ISREG(st.st_mode)) {
				close(fd);
				errno = EACCES;
				return -1;
			}
			return fd;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			errno = ENOENT;
			return -1;
		}
		dfd = fd;
		p = slash + 1;
	}
	close(dfd);
	errno = ENOENT;
	return -1;
}

static int S_read_fd(int fd, cb_buf *b)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		cb_buf_put(b, chunk, (size_t)n);
	}
}

/* The script added to every page in serve mode: it asks whether a newer
 * build has finished and reloads when one has. Plain ES5, no fetch. */
static void S_put_script(cb_buf *b, unsigned long version)
{
	cb_buf_printf(b,
		      "<script>/* casebook serve: reload when the site is rebuilt */\n"
		      "(function(){var v=\"%lu\";function poll(){var x=new XMLHttpRequest();"
		      "x.open(\"GET\",\"/__casebook/version\",true);"
		      "x.onload=function(){var n=(x.responseText||\"\").replace(/\\s+/g,\"\");"
		      "if(x.status===200&&n&&n!==v){location.reload();}else{setTimeout(poll,200);}};"
		      "x.onerror=function(){setTimeout(poll,2000);};x.send();}setTimeout(poll,200);})();"
		      "</script>\n",
		      version);
}

static void S_put_problems(cb_buf *b, const char *problems, bool have_site)
{
	cb_buf_puts(
	    b,
	    "<div id=\"cb-serve-problems\" role=\"alert\" style=\"position:sticky;top:0;z-index:2147483647;"
	    "margin:0;padding:0.75rem 1rem;background:#fff;color:#0b0c0c;border:4px solid #d4351c;"
	    "font:16px/1.4 system-ui,sans-serif;max-height:60vh;overflow:auto\">"
	    "<details open><summary><strong>casebook could not build the site</strong> — ");
	cb_buf_puts(b, have_site ? "this is the last good version. " : "");
	cb_buf_puts(
	    b, "Fix the problems below and save; the page reloads by itself.</summary>"
	       "<pre style=\"white-space:pre-wrap;margin:0.5rem 0 0;font:14px/1.4 ui-monospace,monospace\">");
	cb_buf_html(b, problems, strlen(problems));
	cb_buf_puts(b, "</pre></details></div>\n");
}

/* Adds the problems (after <body ...>) and the reload script (before
 * </body>) to a page. */
static char *S_decorate(const char *html, size_t len, const char *problems, bool have_site,
			unsigned long version, size_t *out_len)
{
	cb_buf b = CB_BUF_INIT;
	const char *body = problems ? strstr(html, "<body") : NULL;
	const char *after = body ? strchr(body, '>') : NULL;
	size_t head = after ? (size_t)(after + 1 - html) : 0;
	cb_buf_put(&b, html, head);
	if (problems)
		S_put_problems(&b, problems, have_site);
	const char *end = NULL;
	for (const char *q = html + head; (q = strstr(q, "</body>")); q++)
		end = q;
	size_t tail = end ? (size_t)(end - html) : len;
	cb_buf_put(&b, html + head, tail - head);
	S_put_script(&b, version);
	cb_buf_put(&b, html + tail, len - tail);
	*out_len = b.len;
	return cb_buf_detach(&b);
}

static enum MHD_Result S_send(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r,
			      const char *type)
{
	if (!r)
		return MHD_NO;
	if (type)
		M.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	M.MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	M.MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = M.MHD_queue_response(c, status, r);
	M.MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result S_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
	struct MHD_Response *r =
	    M.MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	return S_send(c, status, r, "text/plain; charset=utf-8");
}

static enum MHD_Result S_page(struct MHD_Connection *c, unsigned int status, const char *html, size_t len,
			      const S_serve *snap)
{
	size_t n;
	char *page = S_decorate(html, len, snap->problems, snap->have_site, snap->version, &n);
	struct MHD_Response *r = M.MHD_create_response_from_buffer(n, page, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(page);
	return S_send(c, status, r, "text/html; charset=utf-8");
}

/*
 * URLs are unescaped by MHD into C strings, so "%00" would cut a path short
 * ("/secret.html%00.png" read as "/secret.html"). A path that unescapes to
 * a NUL byte is replaced by a one-byte path holding a control character,
 * which S_handle refuses with 400 like any other control character.
 */
static size_t S_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	size_t n = M.MHD_http_unescape(s);
	if (memchr(s, '\0', n)) {
		s[0] = '\x01';
		s[1] = '\0';
		return 1;
	}
	return n;
}

/* Whether the request's Host header names this server: 127.0.0.1,
 * localhost or [::1] with its port. A page elsewhere could otherwise point
 * a name of its own at 127.0.0.1 (DNS rebinding) and read the preview,
 * internal documents included. */
static bool S_host_ok(const char *host, unsigned port)
{
	static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i]);
		if (strncasecmp(host, names[i], n) != 0)
			continue;
		if (host[n] == '\0')
			return port == 80;
		char *end;
		if (host[n] == ':' && host[n + 1] >= '0' && host[n + 1] <= '9' &&
		    strtoul(host + n + 1, &end, 10) == port && *end == '\0')
			return true;
	}
	return false;
}

/* Answers a request this preview refuses (a foreign Host, a bad path, a
 * method other than GET and HEAD) into *ret; false when it is acceptable. */
static bool S_refuse(struct MHD_Connection *c, S_serve *s, const char *url, const char *method,
		     enum MHD_Result *ret)
{
	const char *host = M.MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!host)
		return *ret = S_text(c, MHD_HTTP_BAD_REQUEST, "a Host header is required\n"), true;
	pthread_mutex_lock(&s->lock);
	unsigned port = s->port;
	pthread_mutex_unlock(&s->lock);
	if (!S_host_ok(host, port))
		return *ret = S_text(c, 421, "this preview answers only to 127.0.0.1, localhost and [::1]\n"),
		       true;
	if (url[0] != '/')
		return *ret = S_text(c, MHD_HTTP_BAD_REQUEST, "bad request\n"), true;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return *ret = S_text(c, MHD_HTTP_BAD_REQUEST,
					     "bad request: a control character in the path\n"),
			       true;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		struct MHD_Response *r = M.MHD_create_response_from_buffer(
		    strlen("only GET and HEAD are allowed\n"), (void *)"only GET and HEAD are allowed\n",
		    MHD_RESPMEM_PERSISTENT);
		if (r)
			M.MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		*ret = S_send(c, MHD_HTTP_METHOD_NOT_ALLOWED, r, "text/plain; charset=utf-8");
		return true;
	}
	return false;
}

/* Sends the site's file for url (a folder's index.html, else 404.html);
 * pages get the reload script and the last failed build's problems. */
static enum MHD_Result S_file(struct MHD_Connection *c, const char *site, const char *url,
			      const S_serve *snap)
{
	bool is_dir;
	char *path = cb_xstrdup(url);
	int fd = S_open_confined(site, path, &is_dir);
	if (fd < 0 && is_dir) {
		if (!cb_str_ends(url, "/")) {
			/* Pages link relative to their folder, so a folder is
			 * always addressed with its trailing slash. */
			char *loc = cb_xasprintf("%s/", url);
			struct MHD_Response *r =
			    M.MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
			if (r)
				M.MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, loc);
			free(loc);
			free(path);
			return S_send(c, MHD_HTTP_MOVED_PERMANENTLY, r, NULL);
		}
		free(path);
		path = cb_xasprintf("%sindex.html", url);
		fd = S_open_confined(site, path, &is_dir);
	}
	unsigned int status = MHD_HTTP_OK;
	if (fd < 0) {
		bool refused = errno == EACCES;
		free(path);
		path = cb_xstrdup("/404.html");
		fd = S_open_confined(site, path, &is_dir);
		status = refused ? MHD_HTTP_FORBIDDEN : MHD_HTTP_NOT_FOUND;
		if (fd < 0 || refused) {
			if (fd >= 0)
				close(fd);
			free(path);
			return S_text(c, status, refused ? "forbidden\n" : "not found\n");
		}
	}
	enum MHD_Result ret;
	if (cb_str_ends(path, ".html")) {
		cb_buf b = CB_BUF_INIT;
		int rrc = S_read_fd(fd, &b);
		close(fd);
		if (rrc != 0)
			ret = S_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the page\n");
		else
			ret = S_page(c, status, b.data ? b.data : "", b.len, snap);
		cb_buf_free(&b);
	} else {
		struct stat st;
		struct MHD_Response *r = NULL;
		if (fstat(fd, &st) == 0)
			r = M.MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* takes fd */
		else
			close(fd);
		ret = S_send(c, status, r, S_mime(path));
	}
	free(path);
	return ret;
}

static enum MHD_Result S_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				const char *version, const char *upload_data, size_t *upload_data_size,
				void **con_cls)
{
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	S_serve *s = cls;
	enum MHD_Result ret;
	if (S_refuse(c, s, url, method, &ret))
		return ret;

	/* A snapshot of the state, so the lock is not held while reading. */
	S_serve snap;
	pthread_mutex_lock(&s->lock);
	snap.version = s->version;
	snap.have_site = s->have_site;
	snap.problems = s->problems ? cb_xstrdup(s->problems) : NULL;
	pthread_mutex_unlock(&s->lock);

	if (strcmp(url, "/__casebook/version") == 0) {
		char v[32];
		snprintf(v, sizeof v, "%lu\n", snap.version);
		ret = S_text(c, MHD_HTTP_OK, v);
	} else if (!snap.have_site) {
		static const char page[] =
		    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<title>casebook serve: no site yet</title>\n</head>\n<body>\n<main>\n"
		    "<h1>No site yet</h1>\n<p>The first build has not succeeded.</p>\n"
		    "</main>\n</body>\n</html>\n";
		ret = S_page(c, MHD_HTTP_SERVICE_UNAVAILABLE, page, strlen(page), &snap);
	} else {
		ret = S_file(c, s->site, url, &snap);
	}
	free(snap.problems);
	return ret;
}

/* ---- The command ------------------------------------------------------- */

/* A listening socket on 127.0.0.1:port (0: any free port), or -1 after
 * saying why: made here rather than by MHD so that a busy port gets a
 * message of ours, not the library's. */
static int S_listen(long port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "casebook: cannot make a socket: %s\n", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
		if (errno == EADDRINUSE)
			fprintf(
			    stderr,
			    "casebook: port %ld on 127.0.0.1 is already in use by another program; choose "
			    "another with --port (for example --port %ld), or stop that program\n",
			    port, port < 65535 ? port + 1 : 8000);
		else if (errno == EACCES)
			fprintf(stderr,
				"casebook: not allowed to listen on port %ld; ports below 1024 need special "
				"rights, so choose another with --port\n",
				port);
		else
			fprintf(stderr,
				"casebook: cannot listen on 127.0.0.1:%ld: %s; choose another --port\n", port,
				strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

typedef struct S_opts {
	long port;
	const char *repo;
	cb_visibility audience;
} S_opts;

/* Reads serve's options. When *done is set the command ends with the
 * status returned: 0 after --help, 2 after a usage error. */
static int S_parse(int argc, char **argv, S_opts *o, bool *done)
{
	static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
					     {"repo", required_argument, NULL, 'r'},
					     {"audience", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	*o = (S_opts){.port = 8000, .audience = CB_VIS_INTERNAL};
	*done = true;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":hp:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			o->port = strtol(optarg, &end, 10);
			if (!optarg[0] || *end || o->port < 0 || o->port > 65535)
				return cb_usage_error(cb_serve_usage,
						      "--port needs a number from 0 to 65535, not '%s'",
						      optarg);
			break;
		}
		case 'r': o->repo = optarg; break;
		case 'a':
			if (cb_visibility_parse(optarg, &o->audience) != 0)
				return cb_usage_error(
				    cb_serve_usage,
				    "unknown audience '%s': use public, internal or restricted", optarg);
			break;
		case 'h': fputs(cb_serve_usage, stdout); return 0;
		case ':':
			return cb_usage_error(cb_serve_usage, "option '%s' needs a value", argv[optind - 1]);
		default: return cb_usage_error(cb_serve_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cb_usage_error(cb_serve_usage, "unexpected argument '%s'", argv[optind]);
	*done = false;
	return 0;
}

/* The repository's working folder (serve always previews the working
 * files), or NULL after saying why there is none. */
static char *S_workdir(const char *repo)
{
	cb_gitsrc *g = NULL;
	cb_error err = CB_ERROR_INIT;
	if (cb_gitsrc_open(&g, repo, &err) != 0) {
		fprintf(stderr, "casebook: %s\n", err.msg);
		return NULL;
	}
	if (!cb_gitsrc_workdir(g)) {
		fprintf(stderr,
			"casebook: the repository is bare, so it has no working files to preview; run "
			"casebook serve in a clone\n");
		cb_gitsrc_free(g);
		return NULL;
	}
	char *workdir = cb_xstrdup(cb_gitsrc_workdir(g));
	cb_gitsrc_free(g);
	return workdir;
}

/* Ctrl-C and SIGTERM end the watch loop. They are blocked while the
 * server's thread starts, so that only this thread receives them. */
static void S_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = S_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	S_stop = 0;
}

/* The server on the listening socket lfd, its thread started with the
 * signals blocked; NULL (lfd closed) after saying why. */
static struct MHD_Daemon *S_start(S_serve *s, int lfd)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	struct MHD_Daemon *daemon =
	    M.MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, S_handle,
			       s, MHD_OPTION_LISTEN_SOCKET, lfd, MHD_OPTION_UNESCAPE_CALLBACK, S_unescape,
			       NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!daemon) {
		close(lfd);
		fprintf(stderr, "casebook: cannot start the preview server on 127.0.0.1:%u\n", s->port);
	}
	return daemon;
}

/* Watches the files until Ctrl-C, rebuilding when they changed and then
 * stayed unchanged for a moment; seen is the files as built (taken). The
 * system's reports of changes (inotify, when it can be had) only wake the
 * loop and tell when the writing has stopped: the scan decides what
 * changed. */
static void S_watch(S_serve *s, const cb_build_opts *bo, const char *workdir, S_files *seen, int ifd)
{
	while (!S_stop) {
		bool woke = S_wait(ifd, ifd >= 0 ? S_SAFETY_MS : S_POLL_MS);
		/* Wait until the files stop changing: editors often write a
		 * file in several steps. */
		for (int i = 0; woke && i < 20 && !S_stop && S_wait(ifd, S_SETTLE_MS); i++)
			;
		if (S_stop)
			break;
		S_files *now = S_files_now(ifd, workdir, bo->datadir);
		if (S_files_same(now, seen)) {
			S_files_free(now);
			continue;
		}
		/* Found by a scan alone: wait for them to stop changing too. */
		for (int i = 0; !woke && i < 20 && !S_stop; i++) {
			S_sleep_ms(S_SETTLE_MS);
			S_files *again = S_files_now(ifd, workdir, bo->datadir);
			bool same = S_files_same(again, now);
			S_files_free(now);
			now = again;
			if (same)
				break;
		}
		if (S_stop) {
			S_files_free(now);
			break;
		}
		fprintf(stderr, "casebook: files changed; rebuilding\n");
		S_quick(s, bo, seen, now);
		S_files_free(seen);
		seen = now;
		S_build(s, bo, false);
	}
	S_files_free(seen);
}

/* Builds, serves and rebuilds the working files until Ctrl-C: the exit
 * status. The port is taken first, so a busy one is reported before the
 * first build. */
static int S_serve_site(S_serve *s, const cb_build_opts *bo, const char *workdir, long port)
{
	int lfd = S_listen(port);
	if (lfd < 0)
		return 2;
	struct sockaddr_in bound;
	socklen_t blen = sizeof bound;
	if (getsockname(lfd, (struct sockaddr *)&bound, &blen) == 0)
		s->port = ntohs(bound.sin_port);
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC); /* -1: polling alone */
	S_files *seen = S_files_now(ifd, workdir, bo->datadir);
	S_build(s, bo, true);
	struct MHD_Daemon *daemon = S_start(s, lfd);
	if (!daemon) {
		S_files_free(seen);
		if (ifd >= 0)
			close(ifd);
		return 2;
	}
	fprintf(stderr, "casebook: serving %s at http://127.0.0.1:%u/ (%s audience); Ctrl-C to stop\n",
		workdir, s->port, cb_visibility_name(bo->site.audience));
	S_watch(s, bo, workdir, seen, ifd);
	if (ifd >= 0)
		close(ifd);
	M.MHD_stop_daemon(daemon);
	fprintf(stderr, "casebook: stopped\n");
	return 0;
}

int cb_cmd_serve(int argc, char **argv, const char *datadir)
{
	S_opts o;
	bool done;
	int rc = S_parse(argc, argv, &o, &done);
	if (done)
		return rc;
	if (S_mhd_load() != 0)
		return 2;
	char *workdir = S_workdir(o.repo);
	if (!workdir)
		return 2;

	char *dotdir = cb_path_join(workdir, ".casebook");
	char *base = cb_path_join(dotdir, "serve");
	char *mine = cb_xasprintf("%s/%ld", base, (long)getpid());
	cb_private_make(dotdir);
	cb_private_sweep(dotdir);
	S_serve s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.lock, NULL);
	s.site = cb_path_join(mine, "site");
	s.quick = cb_path_join(mine, "quick");
	/* A preview is never encrypted (.encrypt stays CB_ENCRYPT_NO), and
	 * never published: a shallow clone's dates are only warned about
	 * (build and check refuse them). */
	cb_build_opts bo = {.site = {.repo = workdir,
				     .worktree = true,
				     .audience = o.audience,
				     .drafts = true,
				     .allow_shallow = true},
			    .out = s.site,
			    .datadir = datadir,
			    .version = CB_VERSION,
			    .no_search_db = true,
			    .keep = S_keep,
			    .keep_ctx = &s};
	S_catch_signals();
	rc = S_serve_site(&s, &bo, workdir, o.port);

	cb_rm_rf(mine);
	rmdir(base); /* only when no other preview is running */
	free(dotdir);
	pthread_mutex_destroy(&s.lock);
	S_drop(&s);
	free(s.problems);
	free(s.site);
	free(s.quick);
	free(mine);
	free(base);
	free(workdir);
	return rc;
}
