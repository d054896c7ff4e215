/*
 * Runs the official Mustache specification against generator/mustache.c.
 *
 * Usage: test_mustache_spec SPEC_DIR
 *
 * Reads each spec file below straight from SPEC_DIR, renders every test and
 * prints one line per file, "mustache FILE: N passed, M failed", with the
 * name, expected and actual output of each failure above it. Exits 1 when
 * any test failed or any file could not be read, so a missing spec folder
 * is a failure rather than a silent pass.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "mustache.h"
#include "util.h"
#include "value.h"

static const char *const FILES[] = {
    "comments.json", "delimiters.json", "interpolation.json", "inverted.json",
    "partials.json", "sections.json",	"~inheritance.json",  "~dynamic-names.json",
};

/* The name the test's own template is added under; no spec partial uses it. */
#define MAIN_NAME "(spec template)"

static cb_value *S_convert(const cJSON *j)
{
	if (cJSON_IsObject(j)) {
		cb_value *m = cb_value_map();
		for (const cJSON *c = j->child; c; c = c->next)
			cb_map_set(m, c->string, S_convert(c));
		return m;
	}
	if (cJSON_IsArray(j)) {
		cb_value *l = cb_value_list();
		for (const cJSON *c = j->child; c; c = c->next)
			cb_list_push(l, S_convert(c));
		return l;
	}
	if (cJSON_IsString(j))
		return cb_value_str(j->valuestring);
	if (cJSON_IsNumber(j))
		return cb_value_num(j->valuedouble);
	if (cJSON_IsTrue(j))
		return cb_value_bool(true);
	if (cJSON_IsFalse(j))
		return cb_value_bool(false);
	return cb_value_null();
}

/* Runs one test; returns true when it passed, printing why when not. */
static bool S_run(const char *file, const cJSON *test)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(test, "name");
	const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(test, "template");
	const cJSON *expected = cJSON_GetObjectItemCaseSensitive(test, "expected");
	const cJSON *partials = cJSON_GetObjectItemCaseSensitive(test, "partials");
	const char *tname = cJSON_IsString(name) ? name->valuestring : "(unnamed)";
	if (!cJSON_IsString(tmpl) || !cJSON_IsString(expected)) {
		printf("FAIL %s: %s: malformed test\n", file, tname);
		return false;
	}
	cb_mustache *m = cb_mustache_new();
	cb_value *data = S_convert(cJSON_GetObjectItemCaseSensitive(test, "data"));
	cb_buf out = CB_BUF_INIT;
	cb_error err = {0};
	bool ok = true;
	for (const cJSON *p = partials ? partials->child : NULL; p && ok; p = p->next)
		ok = cJSON_IsString(p) &&
		     cb_mustache_add(m, p->string, p->valuestring, strlen(p->valuestring), &err) == 0;
	ok = ok && cb_mustache_add(m, MAIN_NAME, tmpl->valuestring, strlen(tmpl->valuestring), &err) == 0;
	ok = ok && cb_mustache_render(m, MAIN_NAME, data, &out, &err) == 0;
	if (!ok) {
		char msg[2200];
		cb_error_format(&err, msg, sizeof msg);
		printf("FAIL %s: %s: error: %s\n", file, tname, msg);
	} else if (strcmp(out.data ? out.data : "", expected->valuestring) != 0) {
		printf("FAIL %s: %s\n  expected: \"%s\"\n  got:      \"%s\"\n", file, tname,
		       expected->valuestring, out.data ? out.data : "");
		ok = false;
	}
	cb_buf_free(&out);
	cb_value_free(data);
	cb_mustache_free(m);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SPEC_DIR\n", argv[0]);
		return 1;
	}
	int status = 0;
	for (size_t f = 0; f < sizeof FILES / sizeof FILES[0]; f++) {
		char *path = cb_path_join(argv[1], FILES[f]);
		char *text = NULL;
		size_t len = 0;
		cJSON *doc = NULL;
		int passed = 0, failed = 0;
		if (cb_file_read(path, &text, &len) != 0 || !(doc = cJSON_ParseWithLength(text, len))) {
			printf("FAIL %s: cannot read or parse %s\n", FILES[f], path);
			failed = 1;
		} else {
			const cJSON *tests = cJSON_GetObjectItemCaseSensitive(doc, "tests");
			const cJSON *t;
			cJSON_ArrayForEach(t, tests)
			{
				if (S_run(FILES[f], t))
					passed++;
				else
					failed++;
			}
			if (passed + failed == 0) {
				printf("FAIL %s: no tests found\n", FILES[f]);
				failed = 1;
			}
		}
		printf("mustache %s: %d passed, %d failed\n", FILES[f], passed, failed);
		if (failed)
			status = 1;
		cJSON_Delete(doc);
		free(text);
		free(path);
	}
	return status;
}
