/*
 * pdf: the PDF reader. poppler is GPL, so it is not linked: its pdftotext
 * program runs as a child process (no shell) with a time limit, a memory
 * limit and a cap on what it may print, and gives every word with its box
 * (-bbox-layout); layout.c makes blocks of them. The file goes to the
 * child as an anonymous memory file, so nothing is written to disk.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "import_int.h"

/* The child: limits, then pdftotext reading the memory file. Only
 * async-signal-safe calls between fork and exec. */
static void S_child(int in_fd, int out_fd, int err_fd)
{
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	struct rlimit cpu = {CB_IMPORT_PDF_SECONDS, CB_IMPORT_PDF_SECONDS + 1};
	struct rlimit mem = {(rlim_t)2048 << 20, (rlim_t)2048 << 20};
	setrlimit(RLIMIT_CPU, &cpu);
	setrlimit(RLIMIT_AS, &mem);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", in_fd);
	char *const argv[] = {"pdftotext", "-bbox-layout", "-enc", "UTF-8", path, "-", NULL};
	execvp("pdftotext", argv);
	_exit(127);
}

static double S_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the child's output and messages until both close, the output
 * passes its cap or time runs out. 0, or -1 with *why set. */
static int S_collect(int out_fd, int err_fd, cb_buf *out, cb_buf *msg, const char **why)
{
	struct pollfd p[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
	double deadline = S_now() + CB_IMPORT_PDF_SECONDS;
	int open = 2;
	char chunk[65536];
	while (open) {
		int left = (int)((deadline - S_now()) * 1000);
		if (left <= 0) {
			*why = "time";
			return -1;
		}
		int r = poll(p, 2, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = "poll";
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				open--;
				continue;
			}
			cb_buf *b = i == 0 ? out : msg;
			if (i == 1 && b->len > 4096)
				continue;
			cb_buf_put(b, chunk, (size_t)n);
			if (i == 0 && out->len > CB_IMPORT_MAX_TEXT) {
				*why = "size";
				return -1;
			}
		}
	}
	return 0;
}

/* Runs pdftotext on the file's bytes: 0 with the XHTML in out, or -1 with
 * err saying why in words a user can act on. */
static int S_pdftotext(const char *name, const char *data, size_t len, cb_buf *out, cb_error *err)
{
	int mem = memfd_create("casebook-import", 0);
	if (mem < 0) {
		cb_error_set(err, name, 0, 0, "cannot hand the PDF to pdftotext: %s", strerror(errno));
		return -1;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(mem, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			cb_error_set(err, name, 0, 0, "cannot hand the PDF to pdftotext: %s",
				     strerror(errno));
			close(mem);
			return -1;
		}
		off += (size_t)w;
	}
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		cb_error_set(err, name, 0, 0, "cannot start pdftotext: %s", strerror(errno));
		close(mem);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0)
		S_child(mem, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	close(mem);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		cb_error_set(err, name, 0, 0, "cannot start pdftotext: %s", strerror(errno));
		return -1;
	}
	cb_buf msg = CB_BUF_INIT;
	const char *why = NULL;
	int rc = S_collect(po[0], pe[0], out, &msg, &why);
	if (rc != 0)
		kill(pid, SIGKILL);
	close(po[0]);
	close(pe[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	const char *m = msg.data ? msg.data : "";
	if (rc != 0 && strcmp(why, "size") == 0) {
		cb_error_set(err, name, 0, 0, "the PDF's text is over import's limit of %u MB",
			     CB_IMPORT_MAX_TEXT / (1024 * 1024));
	} else if (rc != 0 || (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)) {
		cb_error_set(
		    err, name, 0, 0,
		    "pdftotext took longer than %d s on this PDF, so it was stopped; the file may be "
		    "damaged",
		    CB_IMPORT_PDF_SECONDS);
		rc = -1;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		cb_error_set(err, name, 0, 0,
			     "reading PDFs needs the program pdftotext, which is not installed (Debian: "
			     "apt-get install poppler-utils)");
		rc = -1;
	} else if (strstr(m, "password") || strstr(m, "Password") ||
		   (WIFEXITED(status) && WEXITSTATUS(status) == 3)) {
		cb_error_set(err, name, 0, 0,
			     "this PDF is password-protected; open it, save a copy without the password "
			     "and import that");
		rc = -1;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out->len) {
		char first[200] = "";
		sscanf(m, "%199[^\n]", first);
		cb_error_set(err, name, 0, 0, "the PDF is damaged and its text cannot be read%s%s%s",
			     first[0] ? " (pdftotext: " : "", first, first[0] ? ")" : "");
		rc = -1;
	}
	cb_buf_free(&msg);
	return rc;
}

int cb_imp_pdf(const char *name, const char *data, size_t len, cb_import_doc *doc, cb_error *err)
{
	cb_buf out = CB_BUF_INIT;
	if (S_pdftotext(name, data, len, &out, err) != 0) {
		cb_buf_free(&out);
		return -1;
	}
	int rc = cb_imp_pdf_layout(name, out.data, out.len, doc, err);
	cb_buf_free(&out);
	if (rc == 0 && doc->nblocks == 0) {
		cb_error_set(err, name, 0, 0,
			     "this PDF has no text layer (%d page%s of images, as a scanner makes), so it "
			     "needs OCR first: run a text recogniser on it (for example ocrmypdf) and import "
			     "the result",
			     doc->pages, doc->pages == 1 ? "" : "s");
		rc = -1;
	}
	return rc;
}
