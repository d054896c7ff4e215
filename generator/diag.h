/*
 * diag: diagnostics about the user's content, collected so that one run
 * reports every problem, and formatted in one place as
 *
 *     path:line:col: error: message [rule-id]
 *
 * Also cb_error, the small error object lower layers fill in for a single
 * failure (a missing ref, a template that does not compile).
 */
#ifndef CB_DIAG_H
#define CB_DIAG_H

#include <stdbool.h>
#include <stdio.h>

typedef enum { CB_ERROR, CB_WARNING, CB_NOTE } cb_severity;

typedef struct cb_diag {
	cb_severity sev;
	char *file; /* repository-relative path; may be "" */
	int line;   /* 1-based; 0 when the problem concerns the whole file */
	int col;    /* 1-based; 0 when unknown */
	char *msg;  /* the message, including any "did you mean" hint */
	char *rule; /* rule id such as "required-field"; may be NULL */
} cb_diag;

typedef struct cb_diags {
	cb_diag *v;
	size_t n;
	size_t cap;
	size_t errors;
	size_t warnings;
} cb_diags;

#define CB_DIAGS_INIT                                                                                        \
	{                                                                                                    \
		NULL, 0, 0, 0, 0                                                                             \
	}

void cb_diags_add(cb_diags *d, cb_severity sev, const char *file, int line, int col, const char *rule,
		  const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Moves every item of src to the end of dst, leaving src empty. */
void cb_diags_take(cb_diags *dst, cb_diags *src);
/* Sorts by file, line, column, then message, so output is stable. */
void cb_diags_sort(cb_diags *d);
/* Prints each item on its own line; colour when asked (see cb_want_color). */
void cb_diags_print(const cb_diags *d, FILE *f, bool color);
void cb_diags_free(cb_diags *d);

/* True when f is a terminal and NO_COLOR is unset or empty. */
bool cb_want_color(FILE *f);

/* What a stage of the pipeline (loading the site, the plugins) came to:
 * the build may go on; content errors were reported in the diagnostics
 * (the checks go on, nothing is written); or a usage or environment
 * problem is described in the error object and the build stops. */
typedef enum {
	CB_STAGE_OK = 0,
	CB_STAGE_CONTENT = 1,
	CB_STAGE_FAILED = 2,
} cb_stage_result;

/* One error with its position, filled in by the function that failed. */
typedef struct cb_error {
	char file[1024];
	int line;
	int col;
	char msg[1024];
} cb_error;

/* An error with nothing in it yet: cb_error err = CB_ERROR_INIT; */
#define CB_ERROR_INIT                                                                                        \
	{                                                                                                    \
		.file = "", .line = 0, .col = 0, .msg = ""                                                   \
	}

void cb_error_set(cb_error *e, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Formats e as "file:line:col: message" (omitting what is unknown). */
void cb_error_format(const cb_error *e, char *buf, size_t size);

#endif
