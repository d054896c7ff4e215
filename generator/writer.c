/* writer: see writer.h. */
#define _GNU_SOURCE
#include "writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal.h"
#include "util.h"

struct cb_writer {
	char *out;
	char *stage;
	char *prev; /* the previous output, when it was ours; NULL otherwise */
	size_t count;
	size_t reused;		/* files linked unchanged from the previous output */
	cb_strmap *dirs;	/* folders already made in the staging folder */
	const cb_strmap *known; /* keys of the previous output's files; may be NULL */
	cb_strmap *keys;	/* keys of this build's files */
	cb_strmap *linked;	/* path -> non-NULL: linked unchanged from the previous output */
	bool private_out;	/* owner-only output (a restricted build) */
	const cb_seal *seal;	/* an encrypted build's keys (seal.h); NULL: plain */
	pthread_mutex_t lock;
};

static bool S_dir_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return true;
	struct dirent *e;
	bool empty = true;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = false;
			break;
		}
	}
	closedir(d);
	return empty;
}

/* Whether the folder dir is one a casebook process left behind: it holds
 * the staging marker naming a process that is no longer running. */
static bool S_stale(const char *dir)
{
	char *marker = cb_path_join(dir, CB_STAGING_MARKER);
	char *data = NULL;
	size_t len;
	bool stale = false;
	if (cb_file_read(marker, &data, &len) == 0) {
		long pid = strtol(data, NULL, 10);
		stale = pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
	}
	free(data);
	free(marker);
	return stale;
}

/* Removes the staging folders (and folders moved aside) of earlier builds
 * of out that were killed before they could clean up: whatever audience
 * they were for, they may hold text that must not stay on the disk. Only
 * folders named after out and carrying the staging marker of a dead
 * process are touched. */
static void S_sweep(const char *out, size_t lo)
{
	const char *slash = NULL;
	for (size_t i = 0; i < lo; i++)
		if (out[i] == '/')
			slash = out + i;
	char *parent = slash ? (slash == out ? cb_xstrdup("/") : cb_xstrndup(out, (size_t)(slash - out)))
			     : cb_xstrdup(".");
	const char *base = slash ? slash + 1 : out;
	size_t nb = lo - (size_t)(base - out);
	DIR *d = opendir(parent);
	if (!d) {
		free(parent);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (strncmp(n, base, nb) != 0 ||
		    (strncmp(n + nb, ".staging-", 9) != 0 && strncmp(n + nb, ".old-", 5) != 0))
			continue;
		char *p = cb_path_join(parent, n);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && S_stale(p))
			cb_rm_rf(p);
		free(p);
	}
	closedir(d);
	free(parent);
}

int cb_writer_open(cb_writer **wp, const char *out, cb_error *err)
{
	*wp = NULL;
	struct stat st;
	if (lstat(out, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			cb_error_set(err, NULL, 0, 0,
				     "output '%s' exists and is not a folder; choose another --out", out);
			return -1;
		}
		char *marker = cb_path_join(out, CB_OUTPUT_MARKER);
		bool ours = access(marker, F_OK) == 0;
		free(marker);
		if (!ours && !S_dir_empty(out)) {
			cb_error_set(err, NULL, 0, 0,
				     "output folder '%s' is not empty and was not made by casebook; "
				     "choose another --out, or empty it first",
				     out);
			return -1;
		}
	}
	/* Stage beside the output so the final rename stays on one file system. */
	char *parent_tmpl;
	size_t lo = strlen(out);
	while (lo > 1 && out[lo - 1] == '/')
		lo--;
	parent_tmpl = cb_xasprintf("%.*s.staging-XXXXXX", (int)lo, out);
	const char *slash = strrchr(parent_tmpl, '/');
	if (slash && slash != parent_tmpl) {
		char *parent = cb_xstrndup(parent_tmpl, (size_t)(slash - parent_tmpl));
		cb_mkdir_p(parent);
		free(parent);
	}
	S_sweep(out, lo);
	/* mkdtemp makes the folder 0700: nobody else can read a page while it
	 * is staged, whatever the audience. */
	if (!mkdtemp(parent_tmpl)) {
		cb_error_set(err, NULL, 0, 0, "cannot create a staging folder beside '%s': %s", out,
			     strerror(errno));
		free(parent_tmpl);
		return -1;
	}
	cb_writer *w = cb_xcalloc(1, sizeof *w);
	w->out = cb_xstrndup(out, lo);
	w->stage = parent_tmpl;
	w->dirs = cb_strmap_new();
	pthread_mutex_init(&w->lock, NULL);
	if (cb_is_dir(w->out)) {
		char *marker = cb_path_join(w->out, CB_OUTPUT_MARKER);
		if (access(marker, F_OK) == 0)
			w->prev = cb_xstrdup(w->out);
		free(marker);
	}
	*wp = w;
	/* The staging marker names this process, so that a later build can
	 * tell a folder left by a killed build from one still being written. */
	char *pid = cb_xasprintf("%ld\n", (long)getpid());
	char *smark = cb_path_join(w->stage, CB_STAGING_MARKER);
	int mrc = cb_file_write(smark, pid, strlen(pid));
	free(smark);
	free(pid);
	if (mrc != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot write in the staging folder '%s': %s", w->stage,
			     strerror(errno));
		cb_writer_abort(w);
		*wp = NULL;
		return -1;
	}
	if (cb_writer_put(w, CB_OUTPUT_MARKER, "casebook output folder; replaced whole by each build\n", 53,
			  err)) {
		cb_writer_abort(w);
		*wp = NULL;
		return -1;
	}
	w->count = 0;
	w->reused = 0;
	return 0;
}

static bool S_safe_path(const char *path)
{
	if (!path[0] || path[0] == '/')
		return false;
	const char *p = path;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if (p[i] == '\\' || (unsigned char)p[i] < 0x20)
				return false;
		if (!e)
			break;
		p = e + 1;
	}
	return true;
}

/* Makes the folders above path (relative to the staging folder). Each
 * folder is made once per build. */
static int S_parents(cb_writer *w, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return 0;
	char *rel = cb_xstrndup(path, (size_t)(slash - path));
	pthread_mutex_lock(&w->lock);
	int rc = 0;
	if (!cb_strmap_has(w->dirs, rel)) {
		char *full = cb_path_join(w->stage, rel);
		rc = cb_mkdir_p(full);
		free(full);
		if (rc == 0)
			cb_strmap_put(w->dirs, rel, NULL);
	}
	pthread_mutex_unlock(&w->lock);
	free(rel);
	return rc;
}

/* True when the previous output holds a regular file at path with exactly
 * these bytes. */
static bool S_unchanged(const char *old, const char *data, size_t len)
{
	int fd = open(old, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
	char buf[65536];
	size_t off = 0;
	while (same && off < len) {
		size_t want = len - off < sizeof buf ? len - off : sizeof buf;
		ssize_t n = read(fd, buf, want);
		if (n <= 0 || memcmp(buf, data + off, (size_t)n) != 0)
			same = false;
		else
			off += (size_t)n;
	}
	close(fd);
	return same;
}

static int S_put(cb_writer *w, const char *path, const char *data, size_t len, cb_error *err);

/* Seals one file of an encrypted build into e/N.js (plain code and styles
 * are kept, the feed, sitemap and database left out). */
static int S_put_sealed(cb_writer *w, const char *path, const char *data, size_t len, cb_error *err)
{
	switch (cb_seal_classify(path)) {
	case CB_SEAL_DROP: return 0;
	case CB_SEAL_PLAIN: return S_put(w, path, data, len, err);
	case CB_SEAL_ENCRYPT: break;
	}
	if (!S_safe_path(path)) {
		cb_error_set(err, NULL, 0, 0,
			     "refusing to write '%s': output paths must stay inside the output folder", path);
		return -1;
	}
	cb_buf b = CB_BUF_INIT;
	char name[48];
	cb_seal_path(w->seal, path, name);
	int rc = cb_seal_file(w->seal, path, data, len, &b, err);
	if (rc == 0)
		rc = S_put(w, name, b.data, b.len, err);
	cb_buf_free(&b);
	return rc;
}

int cb_writer_put(cb_writer *w, const char *path, const char *data, size_t len, cb_error *err)
{
	/* An encrypted build's files stay plain in the owner-only staging
	 * folder until the last personal-data scan has read them; then
	 * cb_writer_seal_finish seals them all. What is never published is
	 * never written. */
	if (w->seal && cb_seal_classify(path) == CB_SEAL_DROP)
		return 0;
	return S_put(w, path, data, len, err);
}

/* Notes whether path was linked from the previous output (a path written
 * again is as its last write left it). Under w->lock. */
static void S_note_linked(cb_writer *w, const char *path, bool linked)
{
	if (!w->linked)
		w->linked = cb_strmap_new();
	if (linked || cb_strmap_has(w->linked, path))
		cb_strmap_put(w->linked, path, linked ? (void *)w : NULL);
}

bool cb_writer_linked(const cb_writer *w, const char *path)
{
	return w->linked && cb_strmap_get(w->linked, path) != NULL;
}

static int S_put(cb_writer *w, const char *path, const char *data, size_t len, cb_error *err)
{
	if (!S_safe_path(path)) {
		cb_error_set(err, NULL, 0, 0,
			     "refusing to write '%s': output paths must stay inside the output folder", path);
		return -1;
	}
	char *full = cb_path_join(w->stage, path);
	int rc = S_parents(w, path);
	/* A page identical to the one in the previous output is linked, not
	 * written: the bytes are the same by construction, and making a new
	 * file (an inode) is the dearest part of writing a page on many file
	 * systems. Rebuilds touch only what changed. */
	bool linked = false;
	if (rc == 0 && w->prev) {
		char *old = cb_path_join(w->prev, path);
		linked = S_unchanged(old, data, len) && link(old, full) == 0;
		free(old);
	}
	if (rc == 0 && !linked) {
		/* A path written twice may be a link into the previous output:
		 * unlink it rather than truncate a file the old site still uses. */
		if (unlink(full) != 0 && errno != ENOENT)
			rc = -1;
		if (rc == 0)
			rc = cb_file_write(full, data, len);
	}
	if (rc != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot write '%s': %s", full, strerror(errno));
	} else {
		pthread_mutex_lock(&w->lock);
		w->count++;
		if (linked)
			w->reused++;
		S_note_linked(w, path, linked);
		pthread_mutex_unlock(&w->lock);
	}
	free(full);
	return rc;
}

void cb_writer_set_known(cb_writer *w, const cb_strmap *known)
{
	w->known = known;
}

/* Remembers key for the staged file at path, whose status is st. */
static void S_remember_stat(cb_writer *w, const char *path, const struct stat *st, const char *key)
{
	cb_file_key *k = cb_xmalloc(sizeof *k);
	snprintf(k->key, sizeof k->key, "%s", key);
	k->size = (uint64_t)st->st_size;
	k->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	k->ino = (uint64_t)st->st_ino;
	pthread_mutex_lock(&w->lock);
	if (!w->keys)
		w->keys = cb_strmap_new();
	free(cb_strmap_get(w->keys, path));
	cb_strmap_put(w->keys, path, k);
	pthread_mutex_unlock(&w->lock);
}

/* Remembers key for the staged file at path (full: its place on disk). */
static void S_remember(cb_writer *w, const char *path, const char *full, const char *key)
{
	struct stat st;
	if (lstat(full, &st) == 0)
		S_remember_stat(w, path, &st, key);
}

int cb_writer_reuse(cb_writer *w, const char *path, const char *key)
{
	if (w->seal || !w->prev || !w->known || !S_safe_path(path))
		return 0;
	const cb_file_key *k = cb_strmap_get(w->known, path);
	if (!k || strcmp(k->key, key) != 0)
		return 0;
	char *old = cb_path_join(w->prev, path);
	char *full = cb_path_join(w->stage, path);
	struct stat st;
	bool ok = lstat(old, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == k->size &&
		  (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == k->mtime_ns &&
		  (uint64_t)st.st_ino == k->ino && S_parents(w, path) == 0;
	if (ok && link(old, full) != 0) {
		/* Written before in this build (cannot happen for a page) or
		 * not linkable: make it instead. */
		ok = false;
	}
	if (ok) {
		pthread_mutex_lock(&w->lock);
		w->count++;
		w->reused++;
		S_note_linked(w, path, true);
		pthread_mutex_unlock(&w->lock);
		/* A hard link: the staged file is the old one, whose size,
		 * time and inode st holds (a link changes none of them). */
		S_remember_stat(w, path, &st, key);
	}
	free(old);
	free(full);
	return ok ? 1 : 0;
}

int cb_writer_put_keyed(cb_writer *w, const char *path, const char *key, const char *data, size_t len,
			cb_error *err)
{
	int rc = cb_writer_put(w, path, data, len, err);
	if (rc == 0 && !w->seal) {
		char *full = cb_path_join(w->stage, path);
		S_remember(w, path, full, key);
		free(full);
	}
	return rc;
}

cb_strmap *cb_writer_take_keys(cb_writer *w)
{
	cb_strmap *k = w->keys;
	w->keys = NULL;
	return k;
}

void cb_file_keys_free(cb_strmap *keys)
{
	if (!keys)
		return;
	size_t it = 0;
	const char *path;
	void *v;
	while (cb_strmap_next(keys, &it, &path, &v))
		free(v);
	cb_strmap_free(keys);
}

int cb_writer_copy_tree(cb_writer *w, const char *src_dir, const char *dest, cb_error *err)
{
	DIR *d = opendir(src_dir);
	if (!d) {
		cb_error_set(err, NULL, 0, 0, "cannot read '%s': %s", src_dir, strerror(errno));
		return -1;
	}
	/* Sorted names keep the copy order (and any error) deterministic. */
	cb_strv names = CB_STRV_INIT;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			cb_strv_push(&names, e->d_name);
	closedir(d);
	cb_strv_sort(&names);
	int rc = 0;
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		char *src = cb_path_join(src_dir, names.v[i]);
		char *dst = dest[0] ? cb_path_join(dest, names.v[i]) : cb_xstrdup(names.v[i]);
		struct stat st;
		if (lstat(src, &st) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot read '%s': %s", src, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = cb_writer_copy_tree(w, src, dst, err);
		} else if (S_ISREG(st.st_mode)) {
			char *data;
			size_t len;
			if (cb_file_read(src, &data, &len) != 0) {
				cb_error_set(err, NULL, 0, 0, "cannot read '%s': %s", src, strerror(errno));
				rc = -1;
			} else {
				rc = cb_writer_put(w, dst, data, len, err);
				free(data);
			}
		}
		free(src);
		free(dst);
	}
	cb_strv_free(&names);
	return rc;
}

void cb_writer_seal(cb_writer *w, const cb_seal *s)
{
	w->seal = s;
}

/* Seals or removes what was made in the staging folder without a put (a
 * database, say): rel is the path under the staging folder. */
static int S_seal_sweep(cb_writer *w, const char *rel, cb_error *err)
{
	char *dir = rel[0] ? cb_path_join(w->stage, rel) : cb_xstrdup(w->stage);
	DIR *d = opendir(dir);
	if (!d) {
		cb_error_set(err, NULL, 0, 0, "cannot read '%s': %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	cb_strv names = CB_STRV_INIT;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			cb_strv_push(&names, e->d_name);
	closedir(d);
	int rc = 0;
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		char *path = rel[0] ? cb_path_join(rel, names.v[i]) : cb_xstrdup(names.v[i]);
		char *full = cb_path_join(w->stage, path);
		struct stat st;
		if (!strcmp(path, "e") || lstat(full, &st) != 0) {
			/* the sealed files themselves */
		} else if (S_ISDIR(st.st_mode)) {
			rc = S_seal_sweep(w, path, err);
			rmdir(full); /* emptied: no folder names a page's path */
		} else if (cb_seal_classify(path) != CB_SEAL_PLAIN) {
			char *data = NULL;
			size_t len = 0;
			if (cb_seal_classify(path) == CB_SEAL_ENCRYPT && S_ISREG(st.st_mode)) {
				if (cb_file_read(full, &data, &len) != 0) {
					cb_error_set(err, NULL, 0, 0, "cannot read '%s': %s", full,
						     strerror(errno));
					rc = -1;
				}
				if (rc == 0 && unlink(full) == 0)
					rc = S_put_sealed(w, path, data, len, err);
			}
			if (rc == 0 && unlink(full) != 0 && errno != ENOENT) {
				cb_error_set(err, NULL, 0, 0, "cannot remove '%s': %s", full,
					     strerror(errno));
				rc = -1;
			}
			free(data);
		}
		free(path);
		free(full);
	}
	cb_strv_free(&names);
	free(dir);
	return rc;
}

int cb_writer_seal_finish(cb_writer *w, const char *unlock_page, const char *lock_js, cb_error *err)
{
	if (!w->seal)
		return 0;
	char *js = NULL;
	size_t jn = 0;
	if (cb_file_read(lock_js, &js, &jn) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot read casebook's unlock script '%s': %s", lock_js,
			     strerror(errno));
		return -1;
	}
	int rc = S_seal_sweep(w, "", err);
	if (rc == 0)
		rc = S_put(w, "search/lock.js", js, jn, err);
	if (rc == 0)
		rc = S_put(w, "index.html", unlock_page, strlen(unlock_page), err);
	free(js);
	return rc;
}

const char *cb_writer_stage_dir(const cb_writer *w)
{
	return w->stage;
}

size_t cb_writer_count(const cb_writer *w)
{
	return w->count;
}

size_t cb_writer_reused(const cb_writer *w)
{
	return w->reused;
}

static void S_free(cb_writer *w)
{
	cb_strmap_free(w->dirs);
	cb_strmap_free(w->linked);
	cb_file_keys_free(w->keys);
	pthread_mutex_destroy(&w->lock);
	free(w->out);
	free(w->stage);
	free(w->prev);
	free(w);
}

void cb_writer_set_private(cb_writer *w, bool private_out)
{
	w->private_out = private_out;
}

/* The modes the output's files and folders get at the swap (see
 * S_set_modes); nftw has no argument for them. */
static mode_t S_dir_mode, S_file_mode;

static int S_mode_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	mode_t want = type == FTW_D || type == FTW_DP ? S_dir_mode : S_file_mode;
	if (type != FTW_SL && (st->st_mode & 07777) != want && chmod(path, want) != 0)
		return -1;
	return 0;
}

/* Gives every file and folder of the staged output its final mode: owner
 * only for a restricted build, readable by everyone otherwise. A file
 * linked from the previous output keeps the mode of that build's audience
 * until this runs. */
static int S_set_modes(cb_writer *w)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	S_dir_mode = w->private_out ? 0700 : 0755;
	S_file_mode = w->private_out ? 0600 : 0644;
	int rc = nftw(w->stage, S_mode_one, 16, FTW_PHYS);
	pthread_mutex_unlock(&lock);
	return rc;
}

int cb_writer_commit(cb_writer *w, cb_error *err)
{
	int rc = 0;
	struct stat st;
	char *smark = cb_path_join(w->stage, CB_STAGING_MARKER);
	unlink(smark);
	free(smark);
	if (S_set_modes(w) != 0) {
		cb_error_set(err, NULL, 0, 0, "cannot set the permissions of the new site in '%s': %s",
			     w->stage, strerror(errno));
		cb_rm_rf(w->stage);
		S_free(w);
		return -1;
	}
	/* The old output, once swapped out, is named like a staging folder
	 * (or out.old-PID): marked as this process's, so that a later build
	 * removes it should this one be killed before it can. */
	char *omark = cb_path_join(w->out, CB_STAGING_MARKER);
	bool have_old = lstat(w->out, &st) == 0;
	if (have_old && S_ISDIR(st.st_mode)) {
		char *pid = cb_xasprintf("%ld\n", (long)getpid());
		cb_file_write(omark, pid, strlen(pid));
		free(pid);
	}
	if (!have_old) {
		if (rename(w->stage, w->out) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot move the new site into '%s': %s", w->out,
				     strerror(errno));
			rc = -1;
		}
	} else if (renameat2(AT_FDCWD, w->stage, AT_FDCWD, w->out, RENAME_EXCHANGE) == 0) {
		/* The old site now sits in the staging path. */
		cb_rm_rf(w->stage);
	} else {
		/* No atomic exchange here (an old kernel or file system): move the
		 * old output aside, move the new one in, then delete the old. */
		char *old = cb_xasprintf("%s.old-%ld", w->out, (long)getpid());
		if (rename(w->out, old) != 0 || rename(w->stage, w->out) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot replace '%s': %s", w->out, strerror(errno));
			if (access(w->out, F_OK) != 0)
				rename(old, w->out);
			unlink(omark); /* the old output stays */
			rc = -1;
		} else {
			cb_rm_rf(old);
		}
		free(old);
	}
	free(omark);
	if (rc != 0)
		cb_rm_rf(w->stage);
	S_free(w);
	return rc;
}

void cb_writer_abort(cb_writer *w)
{
	if (!w)
		return;
	cb_rm_rf(w->stage);
	S_free(w);
}
