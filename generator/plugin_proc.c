/*
 * plugin_proc: the plugin stage in a child process (see cb_plugins_run in
 * plugin.h), so that a plugin can be stopped whatever it is doing.
 *
 * Why a process: Lua's count hook stops a loop of Lua instructions, but not
 * time spent where no instruction runs — a pattern match backtracking in
 * liblua's C code, a finalizer (Lua switches hooks off while one runs), a
 * message handler called again and again, a huge casebook.query in SQLite.
 * A thread cannot be stopped safely in the middle of C code; a process can
 * be killed, and the parent's memory stays as it was. The child is forked
 * (not a new program), so it starts with the loaded site as it is, at no
 * cost beyond copying page tables, and casebook.query builds its index in
 * the child from the site as the plugins have left it, in a temporary
 * folder the parent makes and removes (so a killed child leaves nothing).
 *
 * The pipe from child to parent carries frames: a type byte, a length
 * (8 bytes, this machine's order: both ends are this program) and the
 * payload:
 *   'B' name   a plugin starts running;   'E' name   it stops
 *   'D' pack   new diagnostics, a list of [severity, file, line, col, rule, message]
 *   'R' pack   the result (S_result), last
 *   'X' text   the child could not put its walls up (contain.h)
 * The parent adds up each plugin's running time and kills the child when
 * one passes its limit.
 */
#include "plugin.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "contain.h"

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the child ---- */

typedef struct S_child {
	int fd;
	cb_diags *d;
	size_t sent;	  /* diagnostics already sent */
	char running[64]; /* the plugin running, "" for none */
	cb_vpack_writer w;
} S_child;

static void S_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t k = write(fd, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(4); /* the parent has gone or stopped listening */
		s += k;
		n -= (size_t)k;
	}
}

static void S_frame(int fd, char type, const void *p, size_t n)
{
	uint64_t len = n;
	char head[9];
	head[0] = type;
	memcpy(head + 1, &len, 8);
	S_write_all(fd, head, 9);
	S_write_all(fd, p, n);
}

/* Sends a pack: its key area length (8 bytes), then its bytes. */
static void S_frame_pack(int fd, char type, const cb_vpack_writer *w)
{
	cb_vpack *pk = cb_vpack_finish(w, 0);
	size_t n = 8 + pk->len;
	char *buf = cb_xmalloc(n);
	uint64_t keys = pk->keys_len;
	memcpy(buf, &keys, 8);
	memcpy(buf + 8, pk->data, pk->len);
	S_frame(fd, type, buf, n);
	free(buf);
	free(pk);
}

static void S_str(cb_vpack_writer *w, const char *s)
{
	if (s)
		cb_vpack_str(w, s, strlen(s));
	else
		cb_vpack_null(w);
}

static void S_send_diags(S_child *c)
{
	if (c->sent >= c->d->n)
		return;
	cb_vpack_writer_reset(&c->w, NULL);
	cb_vpack_list(&c->w, c->d->n - c->sent);
	for (size_t i = c->sent; i < c->d->n; i++) {
		const cb_diag *g = &c->d->v[i];
		cb_vpack_list(&c->w, 6);
		cb_vpack_num(&c->w, g->sev);
		S_str(&c->w, g->file);
		cb_vpack_num(&c->w, g->line);
		cb_vpack_num(&c->w, g->col);
		S_str(&c->w, g->rule);
		S_str(&c->w, g->msg);
	}
	c->sent = c->d->n;
	S_frame_pack(c->fd, 'D', &c->w);
}

static void S_watch(void *ctx, const char *name, bool running)
{
	S_child *c = ctx;
	if (running) {
		snprintf(c->running, sizeof c->running, "%s", name);
		S_frame(c->fd, 'B', name, strlen(name));
	} else {
		S_send_diags(c); /* what the plugin said survives its being stopped later */
		S_frame(c->fd, 'E', name, strlen(name));
		c->running[0] = '\0';
	}
}

static void S_pause(void *ctx, bool paused)
{
	S_child *c = ctx;
	if (c->running[0])
		S_frame(c->fd, paused ? 'E' : 'B', c->running, strlen(c->running));
}

/* A pack's bytes as one string: key area length, then the bytes. */
static void S_pack_bytes(cb_vpack_writer *w, const cb_vpack *pk)
{
	if (!pk) {
		cb_vpack_null(w);
		return;
	}
	char *buf = cb_xmalloc(8 + pk->len);
	uint64_t keys = pk->keys_len;
	memcpy(buf, &keys, 8);
	memcpy(buf + 8, pk->data, pk->len);
	cb_vpack_str(w, buf, 8 + pk->len);
	free(buf);
}

/*
 * The result: [rc, error file, line, col, message, timings: [[name, seconds], …],
 *   documents: [[index, touched bits, themes|null, theme lines|null,
 *                theme columns|null, html|null, fields|null], …],
 *   pages added: [[path, template, title, nav|null, data], …],
 *   document hooks' records kept: [[key, record|null (the old one)], …]]
 */
static void S_result(S_child *c, const cb_site *s, size_t npages0, const unsigned char *touched, int rc,
		     const cb_error *err, const cb_plugin_timings *times, const cb_plugin_memo *memo)
{
	cb_vpack_writer *w = &c->w;
	cb_vpack_writer_reset(w, NULL);
	size_t ndocs = 0;
	for (size_t i = 0; i < s->ndocs; i++)
		ndocs += touched[i] != 0;
	cb_vpack_list(w, 9);
	cb_vpack_num(w, rc);
	S_str(w, err->file);
	cb_vpack_num(w, err->line);
	cb_vpack_num(w, err->col);
	S_str(w, err->msg);
	cb_vpack_list(w, times->n);
	for (size_t i = 0; i < times->n; i++) {
		cb_vpack_list(w, 2);
		S_str(w, times->v[i].name);
		cb_vpack_num(w, times->v[i].seconds);
	}
	cb_vpack_list(w, ndocs);
	for (size_t i = 0; i < s->ndocs; i++) {
		if (!touched[i])
			continue;
		const cb_doc *d = &s->docs[i];
		cb_vpack_list(w, 7);
		cb_vpack_num(w, (double)i);
		cb_vpack_num(w, touched[i]);
		if (touched[i] & CB_PLUGIN_THEMES) {
			const cb_strv *t = &d->meta.themes;
			cb_vpack_list(w, t->n);
			for (size_t k = 0; k < t->n; k++)
				S_str(w, t->v[k]);
			for (int pass = 0; pass < 2; pass++) {
				const int *v = pass ? d->meta.theme_cols : d->meta.theme_lines;
				cb_vpack_list(w, t->n);
				for (size_t k = 0; k < t->n; k++)
					cb_vpack_num(w, v ? v[k] : 0);
			}
		} else {
			cb_vpack_null(w);
			cb_vpack_null(w);
			cb_vpack_null(w);
		}
		if (touched[i] & CB_PLUGIN_HTML) {
			char *html = cb_doc_html(s, d);
			S_str(w, html);
			free(html);
		} else {
			cb_vpack_null(w);
		}
		S_pack_bytes(w, touched[i] & CB_PLUGIN_FIELDS ? d->extra : NULL);
	}
	cb_vpack_list(w, s->npages - npages0);
	for (size_t i = npages0; i < s->npages; i++) {
		const cb_page *pg = &s->pages[i];
		cb_vpack_list(w, 5);
		S_str(w, pg->path);
		S_str(w, pg->tpl);
		S_str(w, pg->title);
		S_str(w, pg->nav);
		S_pack_bytes(w, pg->data);
	}
	size_t nkeep = memo ? memo->keep.n : 0;
	cb_vpack_list(w, nkeep);
	for (size_t i = 0; i < nkeep; i++) {
		cb_vpack_list(w, 2);
		S_str(w, memo->keep.v[i]);
		S_pack_bytes(w, memo->made[i]);
	}
	S_frame_pack(c->fd, 'R', w);
}

/* The child's whole life: walls up, the stage, the results, exit. */
static void S_child_main(int fd, cb_site *site, const cb_plugins_opts *opts, const char *tmp, cb_diags *d)
{
	const cb_config *cfg = &site->cfg;
	size_t nplugins = cfg->plugins_set ? cfg->plugins.n : cb_plugin_ndefaults + site->nplugin_srcs;
	double secs = cb_plugin_seconds(site);
	size_t mem = (size_t)(cfg->plugin_memory_mb > 0 ? cfg->plugin_memory_mb : CB_PLUGIN_MEMORY_MB) << 20;
	/* Room for every plugin's Lua memory, and a gigabyte for casebook's
	 * own work (casebook.query's index, the results) — a wall against
	 * memory the Lua cap does not see, not a budget. CPU time likewise,
	 * with a minute for the index. */
	cb_contain_limits lim = {secs * (double)nplugins + 60, (nplugins + 1) * mem + ((size_t)1 << 30)};
	char why[512];
	if (cb_contain_enter(&lim, why, sizeof why) != 0) {
		S_frame(fd, 'X', why, strlen(why));
		_exit(3);
	}
	S_child c = {fd, d, d->n, "", CB_VPACK_WRITER_INIT};
	unsigned char *touched = cb_xcalloc(site->ndocs ? site->ndocs : 1, 1);
	cb_plugins_hooks hk = {S_watch, &c, S_pause, tmp, touched};
	cb_plugin_timings times = {NULL, 0};
	cb_plugins_opts o = *opts;
	o.timings = &times;
	cb_error err = CB_ERROR_INIT;
	size_t npages0 = site->npages;
	int rc = cb_plugins_run_here(site, &o, &hk, d, &err);
	S_send_diags(&c);
	S_result(&c, site, npages0, touched, rc, &err, &times, opts->memo);
	_exit(0);
}

/* ---- the parent ---- */

struct cb_plugins_job {
	pid_t pid;
	int fd;
	char *tmp; /* casebook.query's folder, removed at the end */
	cb_plugin_timings *timings;
	cb_plugin_memo *memo; /* gets the records the child kept */
	double limit;
	cb_plugins_opts opts; /* when pid is -1 */
};

cb_stage_result cb_plugins_start(cb_plugins_job **job, cb_site *site, const cb_plugins_opts *opts,
				 cb_error *err)
{
	*job = NULL;
	if (site->cfg.plugins_set && site->cfg.plugins.n == 0) {
		/* No plugins, no process: cb_plugins_finish runs the (empty)
		 * stage here. */
		*job = cb_xcalloc(1, sizeof **job);
		(*job)->pid = -1;
		(*job)->opts = *opts;
		return CB_STAGE_OK;
	}
	const char *t = getenv("TMPDIR");
	char *tmp = cb_xasprintf("%s/casebook-query-XXXXXX", t && t[0] ? t : "/tmp");
	int fds[2] = {-1, -1};
	if (!mkdtemp(tmp)) {
		cb_error_set(err, NULL, 0, 0, "cannot make a temporary folder for the plugins (in %s): %s",
			     t && t[0] ? t : "/tmp", strerror(errno));
		free(tmp);
		return CB_STAGE_FAILED;
	}
	if (pipe(fds) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot start the plugins' process: %s", strerror(errno));
		cb_rm_rf(tmp);
		free(tmp);
		return CB_STAGE_FAILED;
	}
	fflush(NULL); /* nothing buffered is written twice */
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		cb_diags d = CB_DIAGS_INIT; /* the child's own; only new ones go back */
		S_child_main(fds[1], site, opts, tmp, &d);
	}
	close(fds[1]);
	if (pid < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot start the plugins' process: %s", strerror(errno));
		close(fds[0]);
		cb_rm_rf(tmp);
		free(tmp);
		return CB_STAGE_FAILED;
	}
	cb_plugins_job *j = cb_xcalloc(1, sizeof *j);
	j->pid = pid;
	j->fd = fds[0];
	j->tmp = tmp;
	j->timings = opts->timings;
	j->memo = opts->memo;
	j->limit = cb_plugin_seconds(site);
	*job = j;
	return CB_STAGE_OK;
}

/* Time each plugin has run, by name (a build has a handful). */
typedef struct S_clock {
	char names[64][64];
	double used[64];
	size_t n;
} S_clock;

static double *S_used(S_clock *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->names[i], name) == 0)
			return &k->used[i];
	if (k->n == 64)
		return &k->used[63];
	snprintf(k->names[k->n], sizeof k->names[0], "%s", name);
	k->used[k->n] = 0;
	return &k->used[k->n++];
}

/* A pack sent as a frame or a string (key area length, then bytes); NULL
 * when malformed. Caller frees. */
static cb_vpack *S_unpack_bytes(const char *s, size_t n)
{
	uint64_t keys;
	if (n < 8)
		return NULL;
	memcpy(&keys, s, 8);
	if (keys > n - 8)
		return NULL;
	cb_vpack *pk = cb_xmalloc(sizeof *pk + (n - 8));
	pk->len = n - 8;
	pk->keys_len = (size_t)keys;
	memcpy(pk->data, s + 8, n - 8);
	return pk;
}

/* Reads the next item, which must be text (or null when may_be_null);
 * a NUL-terminated copy (caller frees), NULL for null. */
static bool S_read_str(cb_vpack_reader *r, bool may_be_null, char **out)
{
	cb_vpack_item it;
	*out = NULL;
	if (!cb_vpack_read(r, &it))
		return false;
	if (it.type == CB_V_NULL)
		return may_be_null;
	if (it.type != CB_V_STR)
		return false;
	*out = cb_xstrndup(it.s, it.len);
	return true;
}

static bool S_read_num(cb_vpack_reader *r, double *out)
{
	cb_vpack_item it;
	if (!cb_vpack_read(r, &it) || it.type != CB_V_NUM)
		return false;
	*out = it.num;
	return true;
}

/* A number from the child as a position: 0 unless a sane one. */
static int S_int(double x)
{
	return x >= 0 && x < 1e9 ? (int)x : 0;
}

static bool S_read_list(cb_vpack_reader *r, size_t *n, bool *null)
{
	cb_vpack_item it;
	if (!cb_vpack_read(r, &it))
		return false;
	*null = it.type == CB_V_NULL;
	*n = it.n;
	return *null || it.type == CB_V_LIST;
}

static bool S_apply_diags(const cb_vpack *pk, cb_diags *d)
{
	cb_vpack_reader r;
	size_t n;
	bool null, ok;
	cb_vpack_reader_init(&r, pk);
	if (!S_read_list(&r, &n, &null) || null)
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t six;
		double sev, line, col;
		char *file = NULL, *rule = NULL, *msg = NULL;
		ok = S_read_list(&r, &six, &null) && six == 6 && S_read_num(&r, &sev) &&
		     S_read_str(&r, true, &file) && S_read_num(&r, &line) && S_read_num(&r, &col) &&
		     S_read_str(&r, true, &rule) && S_read_str(&r, true, &msg);
		if (ok)
			cb_diags_add(d,
				     sev == CB_ERROR	 ? CB_ERROR
				     : sev == CB_WARNING ? CB_WARNING
							 : CB_NOTE,
				     file ? file : "", S_int(line), S_int(col), rule, "%s", msg ? msg : "");
		free(file);
		free(rule);
		free(msg);
		if (!ok)
			return false;
	}
	return true;
}

/* One document's changes (see S_result); false when malformed. */
static bool S_apply_doc(cb_vpack_reader *r, cb_site *site, bool *themes_changed)
{
	size_t seven, n;
	bool null;
	double idx, bits;
	if (!S_read_list(r, &seven, &null) || seven != 7 || !S_read_num(r, &idx) || !S_read_num(r, &bits) ||
	    idx < 0 || idx >= (double)site->ndocs)
		return false;
	cb_doc *doc = &site->docs[(size_t)idx];
	if (!S_read_list(r, &n, &null))
		return false;
	cb_strv themes = CB_STRV_INIT;
	bool ok = true;
	for (size_t k = 0; ok && !null && k < n; k++) {
		char *s;
		if ((ok = S_read_str(r, false, &s)))
			cb_strv_push_own(&themes, s);
	}
	int *v[2] = {NULL, NULL};
	for (int pass = 0; ok && pass < 2; pass++) {
		size_t m;
		bool mnull;
		ok = S_read_list(r, &m, &mnull) && mnull == null && (null || m == n);
		if (!ok || null)
			continue;
		v[pass] = cb_xcalloc(n ? n : 1, sizeof(int));
		for (size_t k = 0; ok && k < n; k++) {
			double x = 0;
			ok = S_read_num(r, &x);
			v[pass][k] = S_int(x);
		}
	}
	char *html = NULL;
	cb_vpack_item it;
	ok = ok && S_read_str(r, true, &html) && cb_vpack_read(r, &it) &&
	     (it.type == CB_V_NULL || it.type == CB_V_STR);
	cb_vpack *pk = ok && it.type == CB_V_STR ? S_unpack_bytes(it.s, it.len) : NULL;
	ok = ok && (it.type == CB_V_NULL || pk);
	if (ok && !null) {
		cb_strv_free(&doc->meta.themes);
		free(doc->meta.theme_lines);
		free(doc->meta.theme_cols);
		doc->meta.themes = themes;
		doc->meta.theme_lines = v[0];
		doc->meta.theme_cols = v[1];
		memset(&themes, 0, sizeof themes);
		v[0] = v[1] = NULL;
		*themes_changed = true;
	}
	if (ok && html) {
		cb_doc_set_html(site, doc, html);
		html = NULL;
	}
	if (ok && pk) {
		free(doc->extra);
		doc->extra = pk;
		pk = NULL;
	}
	cb_strv_free(&themes);
	free(v[0]);
	free(v[1]);
	free(html);
	free(pk);
	return ok;
}

static bool S_apply_page(cb_vpack_reader *r, cb_site *site)
{
	size_t five;
	bool null;
	char *f[4] = {NULL, NULL, NULL, NULL};
	cb_vpack_item it;
	bool ok = S_read_list(r, &five, &null) && five == 5 && S_read_str(r, false, &f[0]) &&
		  S_read_str(r, false, &f[1]) && S_read_str(r, false, &f[2]) && S_read_str(r, true, &f[3]) &&
		  cb_vpack_read(r, &it) && it.type == CB_V_STR;
	cb_vpack *data = ok ? S_unpack_bytes(it.s, it.len) : NULL;
	if (!data) {
		for (int i = 0; i < 4; i++)
			free(f[i]);
		return false;
	}
	site->pages = cb_xrealloc(site->pages, (site->npages + 1) * sizeof *site->pages);
	site->pages[site->npages++] = (cb_page){f[0], f[1], f[2], f[3], data};
	return true;
}

/* One record a document hook kept: into memo (may be NULL). */
static bool S_apply_memo(cb_vpack_reader *r, cb_plugin_memo *memo)
{
	size_t two;
	bool null;
	char *key = NULL;
	cb_vpack_item it;
	bool ok = S_read_list(r, &two, &null) && two == 2 && S_read_str(r, false, &key) &&
		  cb_vpack_read(r, &it) && (it.type == CB_V_NULL || it.type == CB_V_STR);
	cb_vpack *rec = ok && it.type == CB_V_STR ? S_unpack_bytes(it.s, it.len) : NULL;
	ok = ok && (it.type == CB_V_NULL || rec);
	if (ok && memo)
		cb_plugin_memo_keep(memo, key, rec);
	else
		free(rec);
	free(key);
	return ok;
}

/* Takes the result frame into site; returns the stage's rc, or -1 when the
 * result is malformed. */
static int S_apply(const cb_vpack *pk, cb_plugins_job *j, cb_site *site, cb_error *err)
{
	cb_vpack_reader r;
	size_t n;
	bool null;
	double rc, line, col;
	char *file = NULL, *msg = NULL;
	cb_vpack_reader_init(&r, pk);
	bool ok = S_read_list(&r, &n, &null) && n == 9 && S_read_num(&r, &rc) &&
		  S_read_str(&r, true, &file) && S_read_num(&r, &line) && S_read_num(&r, &col) &&
		  S_read_str(&r, true, &msg) && S_read_list(&r, &n, &null) && !null;
	for (size_t i = 0; ok && i < n; i++) {
		size_t two;
		char *name = NULL;
		double secs = 0;
		ok = S_read_list(&r, &two, &null) && two == 2 && S_read_str(&r, false, &name) &&
		     S_read_num(&r, &secs);
		if (ok && j->timings)
			cb_plugin_timings_add(j->timings, name, secs);
		free(name);
	}
	ok = ok && S_read_list(&r, &n, &null) && !null;
	bool themes_changed = false;
	for (size_t i = 0; ok && i < n; i++)
		ok = S_apply_doc(&r, site, &themes_changed);
	ok = ok && S_read_list(&r, &n, &null) && !null;
	for (size_t i = 0; ok && i < n; i++)
		ok = S_apply_page(&r, site);
	ok = ok && S_read_list(&r, &n, &null) && !null;
	for (size_t i = 0; ok && i < n; i++)
		ok = S_apply_memo(&r, j->memo);
	if (themes_changed)
		cb_site_classify_points(site); /* which regroups the themes */
	if (ok && rc == 2)
		cb_error_set(err, file && file[0] ? file : NULL, S_int(line), S_int(col), "%s",
			     msg ? msg : "");
	free(file);
	free(msg);
	return ok && (rc == 0 || rc == 1 || rc == 2) ? (int)rc : -1;
}

/* The parent's side: reads frames until the pipe closes, keeping each
 * plugin's time; kills the child when one is over its limit. Returns what
 * the frames came to (see cb_plugins_finish). */
typedef struct S_read {
	cb_buf in;	  /* bytes not yet taken as frames */
	char running[64]; /* the plugin running now, "" for none */
	double since;	  /* when it started */
	S_clock clock;
	cb_vpack *result;
	char stopped[64]; /* the plugin that was killed, "" for none */
	char why[512];	  /* an 'X' frame */
} S_read;

static bool S_frames(S_read *st, cb_diags *d)
{
	size_t at = 0;
	while (st->in.len - at >= 9) {
		uint64_t len;
		memcpy(&len, st->in.data + at + 1, 8);
		if (len > st->in.len - at - 9)
			break;
		char type = st->in.data[at];
		const char *p = st->in.data + at + 9;
		size_t n = (size_t)len;
		double now = S_now();
		if (type == 'B') {
			snprintf(st->running, sizeof st->running, "%.*s", (int)(n < 63 ? n : 63), p);
			st->since = now;
		} else if (type == 'E') {
			if (st->running[0])
				*S_used(&st->clock, st->running) += now - st->since;
			st->running[0] = '\0';
		} else if (type == 'D') {
			cb_vpack *pk = S_unpack_bytes(p, n);
			bool ok = pk && S_apply_diags(pk, d);
			free(pk);
			if (!ok)
				return false;
		} else if (type == 'R') {
			free(st->result);
			st->result = S_unpack_bytes(p, n);
		} else if (type == 'X') {
			snprintf(st->why, sizeof st->why, "%.*s", (int)(n < 511 ? n : 511), p);
		} else {
			return false;
		}
		at += 9 + n;
	}
	memmove(st->in.data, st->in.data + at, st->in.len - at);
	st->in.len -= at;
	return true;
}

static void S_listen(cb_plugins_job *j, S_read *st, cb_diags *d)
{
	char buf[65536];
	for (;;) {
		int timeout = -1;
		if (st->running[0]) {
			double left = j->limit - *S_used(&st->clock, st->running) - (S_now() - st->since);
			if (left <= 0) {
				kill(j->pid, SIGKILL);
				snprintf(st->stopped, sizeof st->stopped, "%s", st->running);
				return;
			}
			timeout = (int)(left * 1000) + 1;
		}
		struct pollfd pfd = {j->fd, POLLIN, 0};
		int rc = poll(&pfd, 1, timeout);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			continue; /* the limit is checked at the top */
		ssize_t k = read(j->fd, buf, sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		cb_buf_put(&st->in, buf, (size_t)k);
		if (!S_frames(st, d)) {
			kill(j->pid, SIGKILL);
			return;
		}
	}
}

cb_stage_result cb_plugins_finish(cb_plugins_job *j, cb_site *site, cb_diags *d, cb_error *err)
{
	if (j->pid == -1) {
		cb_stage_result rc = cb_plugins_run_here(site, &j->opts, NULL, d, err);
		free(j);
		return rc;
	}
	S_read st;
	memset(&st, 0, sizeof st);
	S_listen(j, &st, d);
	close(j->fd);
	int status = 0;
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	cb_rm_rf(j->tmp);
	cb_stage_result rc;
	if (st.stopped[0]) {
		double secs = j->limit;
		char *path = cb_xasprintf("plugins/%s.lua", st.stopped);
		cb_diags_add(
		    d, CB_ERROR, path, 0, 0, "plugin-limit",
		    "stopped after %g s (plugin-limits.seconds); look for a loop that never ends (in "
		    "a hook, a __gc finalizer or an xpcall message handler), a pattern that "
		    "backtracks without end, or a very large casebook.query, or raise "
		    "'plugin-limits: seconds' in casebook.yml",
		    secs);
		free(path);
		rc = CB_STAGE_CONTENT;
	} else if (st.why[0]) {
		cb_error_set(err, NULL, 0, 0, "cannot run the plugins safely: %s", st.why);
		rc = CB_STAGE_FAILED;
	} else if (st.result && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		int arc = S_apply(st.result, j, site, err);
		if (arc < 0)
			cb_error_set(err, NULL, 0, 0, "the plugins' process sent a malformed result");
		rc = arc < 0 ? CB_STAGE_FAILED : (cb_stage_result)arc;
	} else if (st.running[0]) {
		/* Killed by one of its walls (contain.h) while a plugin ran. */
		char *path = cb_xasprintf("plugins/%s.lua", st.running);
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		cb_diags_add(d, CB_ERROR, path, 0, 0, "plugin-limit",
			     "stopped: its process ended (%s); it may have used more memory than "
			     "'plugin-limits: memory-mb' allows outside Lua, or more CPU time than its "
			     "limit",
			     sig ? strsignal(sig) : "without a result");
		free(path);
		rc = CB_STAGE_CONTENT;
	} else {
		cb_error_set(err, NULL, 0, 0, "the plugins' process ended without a result (%s)",
			     WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "no signal");
		rc = CB_STAGE_FAILED;
	}
	free(st.result);
	cb_buf_free(&st.in);
	free(j->tmp);
	free(j);
	return rc;
}

cb_stage_result cb_plugins_run(cb_site *site, const cb_plugins_opts *opts, cb_diags *d, cb_error *err)
{
	cb_plugins_job *j;
	cb_stage_result rc = cb_plugins_start(&j, site, opts, err);
	return rc != CB_STAGE_OK ? rc : cb_plugins_finish(j, site, d, err);
}
