/* diag: see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textnorm.h"
#include "util.h"

void cb_diags_add(cb_diags *d, cb_severity sev, const char *file, int line, int col, const char *rule,
		  const char *fmt, ...)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = cb_xrealloc(d->v, d->cap * sizeof *d->v);
	}
	cb_buf b = CB_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cb_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cb_diag *it = &d->v[d->n++];
	it->sev = sev;
	/* File names and quoted values come from the repository: a control
	 * character in them (ESC, BEL) must not reach the terminal raw. */
	it->file = file ? cb_textnorm_escape(file, strlen(file)) : cb_xstrdup("");
	it->line = line;
	it->col = col;
	it->msg = cb_textnorm_escape(b.data ? b.data : "", b.len);
	cb_buf_free(&b);
	it->rule = rule ? cb_xstrdup(rule) : NULL;
	if (sev == CB_ERROR)
		d->errors++;
	else if (sev == CB_WARNING)
		d->warnings++;
}

void cb_diags_take(cb_diags *dst, cb_diags *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (dst->n == dst->cap) {
			dst->cap = dst->cap ? dst->cap * 2 : 16;
			dst->v = cb_xrealloc(dst->v, dst->cap * sizeof *dst->v);
		}
		dst->v[dst->n++] = src->v[i];
	}
	dst->errors += src->errors;
	dst->warnings += src->warnings;
	free(src->v);
	memset(src, 0, sizeof *src);
}

static int S_cmp(const void *a, const void *b)
{
	const cb_diag *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->msg, y->msg);
}

void cb_diags_sort(cb_diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof *d->v, S_cmp);
}

void cb_diags_print(const cb_diags *d, FILE *f, bool color)
{
	static const char *names[] = {"error", "warning", "note"};
	static const char *colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
	for (size_t i = 0; i < d->n; i++) {
		const cb_diag *it = &d->v[i];
		if (color)
			fputs("\033[1m", f);
		if (it->file[0]) {
			fputs(it->file, f);
			if (it->line > 0) {
				fprintf(f, ":%d", it->line);
				if (it->col > 0)
					fprintf(f, ":%d", it->col);
			}
			fputs(": ", f);
		}
		if (color)
			fprintf(f, "\033[0m%s%s:\033[0m ", colors[it->sev], names[it->sev]);
		else
			fprintf(f, "%s: ", names[it->sev]);
		fputs(it->msg, f);
		if (it->rule)
			fprintf(f, " [%s]", it->rule);
		fputc('\n', f);
	}
}

void cb_diags_free(cb_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].rule);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

bool cb_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && nc[0])
		return false;
	return isatty(fileno(f));
}

void cb_error_set(cb_error *e, const char *file, int line, int col, const char *fmt, ...)
{
	if (!e)
		return;
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	e->line = line;
	e->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	/* As for diagnostics: nothing from the repository reaches a terminal raw. */
	char *f = cb_textnorm_escape(e->file, strlen(e->file));
	char *m = cb_textnorm_escape(e->msg, strlen(e->msg));
	snprintf(e->file, sizeof e->file, "%s", f);
	snprintf(e->msg, sizeof e->msg, "%s", m);
	free(f);
	free(m);
}

void cb_error_format(const cb_error *e, char *buf, size_t size)
{
	if (!e->file[0])
		snprintf(buf, size, "%s", e->msg);
	else if (e->line <= 0)
		snprintf(buf, size, "%s: %s", e->file, e->msg);
	else if (e->col <= 0)
		snprintf(buf, size, "%s:%d: %s", e->file, e->line, e->msg);
	else
		snprintf(buf, size, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
}
