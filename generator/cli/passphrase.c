/*
 * passphrase: where an encrypted build's passphrase comes from — the file
 * named by --passphrase-file, else $CASEBOOK_PASSPHRASE, else a prompt on
 * the terminal (asked twice, not echoed) — and the keys made from it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "commands.h"
#include "seal.h"

/* Reads one line from the terminal without echo; NULL when there is no
 * terminal or it closes. Caller frees (and wipes). */
static char *S_ask(int fd, const char *prompt)
{
	struct termios old, quiet;
	bool tty = tcgetattr(fd, &old) == 0;
	if (!tty)
		return NULL;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		return NULL;
	cb_buf b = CB_BUF_INIT;
	char c;
	ssize_t n;
	while ((n = read(fd, &c, 1)) == 1 && c != '\n')
		cb_buf_putc(&b, c);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (n < 0 || (n == 0 && b.len == 0)) {
		cb_buf_free(&b);
		return NULL;
	}
	return cb_buf_detach(&b);
}

static void S_wipe_free(char *s)
{
	if (!s)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = 0;
	free(s);
}

/* The passphrase, or NULL with err. Caller wipes and frees. */
static char *S_passphrase(const char *file, cb_error *err)
{
	if (file) {
		char *data = NULL;
		size_t len = 0;
		if (cb_file_read(file, &data, &len) != 0) {
			cb_error_set(err, NULL, 0, 0, "cannot read the passphrase file '%s': %s", file,
				     strerror(errno));
			return NULL;
		}
		if (len > 0 && data[len - 1] == '\n')
			data[--len] = 0; /* one trailing newline, as echo writes */
		if (len > 0 && data[len - 1] == '\r')
			data[--len] = 0;
		if (strlen(data) != len) {
			cb_error_set(err, NULL, 0, 0, "the passphrase file '%s' holds a NUL byte", file);
			S_wipe_free(data);
			return NULL;
		}
		return data;
	}
	const char *env = getenv("CASEBOOK_PASSPHRASE");
	if (env && env[0])
		return cb_xstrdup(env);
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char *one = fd >= 0 ? S_ask(fd, "Passphrase for the encrypted build: ") : NULL;
	char *two = one ? S_ask(fd, "The same passphrase again: ") : NULL;
	if (fd >= 0)
		close(fd);
	if (!one || !two) {
		S_wipe_free(one);
		S_wipe_free(two);
		cb_error_set(err, NULL, 0, 0,
			     "an encrypted build needs a passphrase: give --passphrase-file FILE, set "
			     "CASEBOOK_PASSPHRASE, or run casebook on a terminal to be asked for one");
		return NULL;
	}
	if (strcmp(one, two) != 0) {
		S_wipe_free(one);
		S_wipe_free(two);
		cb_error_set(err, NULL, 0, 0, "the two passphrases differ; nothing was written");
		return NULL;
	}
	S_wipe_free(two);
	return one;
}

struct cb_seal *cb_cli_seal_keys(void *ctx, cb_error *err)
{
	const char *file = ctx;
	char *pass = S_passphrase(file, err);
	if (!pass)
		return NULL;
	cb_seal *s = NULL;
	const char *why = cb_seal_passphrase_problem(pass, strlen(pass));
	if (why)
		cb_error_set(err, NULL, 0, 0, "passphrase refused: %s", why);
	else
		cb_seal_new(&s, pass, strlen(pass), 0, err);
	S_wipe_free(pass);
	return s;
}
