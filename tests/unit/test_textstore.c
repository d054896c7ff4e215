/* Unit tests for textstore: strings come back byte for byte, from a file or
 * (when no file can be made) from memory, with several threads at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textstore.h"
#include "util.h"

#include "testutil.h"

static void S_round_trip(cb_textstore *t)
{
	const char *const strs[] = {"", "a", "<h2 id=\"x\">Learning</h2>\n", "é ü — “quotes”"};
	cb_textref r[4];
	for (int i = 0; i < 4; i++)
		r[i] = cb_textstore_put(t, strs[i], strlen(strs[i]));
	char big[70000];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cb_textref rb = cb_textstore_put(t, big, strlen(big));
	for (int i = 3; i >= 0; i--) {
		char *s = cb_textstore_get(t, r[i]);
		assert_string_equal(s, strs[i]);
		free(s);
	}
	char *s = cb_textstore_get(t, rb);
	assert_string_equal(s, big);
	free(s);
	cb_textref none = {0, 0};
	s = cb_textstore_get(t, none);
	assert_string_equal(s, "");
	free(s);
}

static void test_file(void **state)
{
	char *dir = tu_tmpdir("cbtext");
	cb_textstore *t = cb_textstore_new(dir);
	S_round_trip(t);
	cb_textstore_free(t);
	/* Nothing is left behind in the folder. */
	char *cmd = cb_xasprintf("test -z \"$(ls -A '%s')\"", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cb_rm_rf(dir);
	free(dir);
	cb_textstore_free(NULL);
}

static void test_memory(void **state)
{
	cb_textstore *t = cb_textstore_new("/nonexistent/folder/for/casebook");
	S_round_trip(t);
	cb_textstore_free(t);
}

typedef struct {
	cb_textstore *t;
	int id;
} S_job;

static void *S_thread(void *arg)
{
	S_job *j = arg;
	for (int i = 0; i < 500; i++) {
		char *text = cb_xasprintf("thread %d string %d %*s", j->id, i, i % 97, "");
		cb_textref r = cb_textstore_put(j->t, text, strlen(text));
		char *back = cb_textstore_get(j->t, r);
		if (strcmp(back, text) != 0)
			abort();
		free(back);
		free(text);
	}
	return NULL;
}

static void test_threads(void **state)
{
	cb_textstore *stores[2] = {cb_textstore_new(NULL), cb_textstore_new("/nonexistent/folder")};
	for (int k = 0; k < 2; k++) {
		pthread_t th[4];
		S_job jobs[4];
		for (int i = 0; i < 4; i++) {
			jobs[i] = (S_job){stores[k], i};
			assert_int_equal(pthread_create(&th[i], NULL, S_thread, &jobs[i]), 0);
		}
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		cb_textstore_free(stores[k]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_memory),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests_name("textstore", tests, NULL, NULL);
}
