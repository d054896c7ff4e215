/* textstore: see textstore.h. */
#define _GNU_SOURCE
#include "textstore.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct cb_textstore {
	int fd;	      /* -1: strings kept in memory (mem) */
	uint64_t end; /* bytes written to the file */
	char **mem;   /* memory mode: string i is ref.off == i + 1 */
	size_t nmem, capmem;
	pthread_mutex_t lock;
};

cb_textstore *cb_textstore_new(const char *dir)
{
	cb_textstore *t = cb_xcalloc(1, sizeof *t);
	pthread_mutex_init(&t->lock, NULL);
	if (!dir) {
		dir = getenv("TMPDIR");
		if (!dir || !dir[0])
			dir = "/tmp";
	}
	t->fd = cb_file_anon(dir, "casebook-text");
	return t;
}

void cb_textstore_free(cb_textstore *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	for (size_t i = 0; i < t->nmem; i++)
		free(t->mem[i]);
	free(t->mem);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Memory mode from now on (the file failed); strings already in the file
 * stay readable there. */
static cb_textref S_put_mem(cb_textstore *t, const char *s, size_t n)
{
	if (t->nmem == t->capmem) {
		t->capmem = t->capmem ? t->capmem * 2 : 256;
		t->mem = cb_xrealloc(t->mem, t->capmem * sizeof *t->mem);
	}
	t->mem[t->nmem++] = cb_xstrndup(s, n);
	/* Memory references are told apart by the top bit of off. */
	cb_textref r = {((uint64_t)1 << 63) | (uint64_t)t->nmem, n};
	return r;
}

cb_textref cb_textstore_put(cb_textstore *t, const char *s, size_t n)
{
	cb_textref r = {0, 0};
	if (!n)
		return r;
	pthread_mutex_lock(&t->lock);
	bool written = false;
	if (t->fd >= 0) {
		size_t done = 0;
		while (done < n) {
			ssize_t w = pwrite(t->fd, s + done, n - done, (off_t)(t->end + done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		if (done == n) {
			r.off = t->end;
			r.len = n;
			t->end += n;
			written = true;
		}
	}
	if (!written)
		r = S_put_mem(t, s, n); /* a full disk costs memory, not the build */
	pthread_mutex_unlock(&t->lock);
	return r;
}

char *cb_textstore_get(const cb_textstore *t, cb_textref r)
{
	if (!t || !r.len)
		return cb_xstrdup("");
	if (r.off >> 63) {
		size_t i = (size_t)(r.off & ~((uint64_t)1 << 63)) - 1;
		cb_textstore *mt = (cb_textstore *)t;
		pthread_mutex_lock(&mt->lock);
		char *copy = cb_xstrndup(t->mem[i], (size_t)r.len);
		pthread_mutex_unlock(&mt->lock);
		return copy;
	}
	char *buf = cb_xmalloc((size_t)r.len + 1);
	size_t done = 0;
	while (done < r.len) {
		ssize_t got = pread(t->fd, buf + done, (size_t)r.len - done, (off_t)(r.off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "casebook: cannot read back the build's temporary text file: %s\n",
				got < 0 ? strerror(errno) : "it is shorter than written");
			abort();
		}
		done += (size_t)got;
	}
	buf[r.len] = '\0';
	return buf;
}

bool cb_textstore_has_file(const cb_textstore *t)
{
	return t && t->fd >= 0;
}
