/* Unit tests for pool: blocks keep their bytes through every kind of
 * resize, freed blocks are used again, and large blocks' mappings are given
 * back at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pool.h"

/* Fills a block with a pattern that depends on its seed and place. */
static void S_fill(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 31u + i * 7u);
}

static int S_holds(const unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)(seed * 31u + i * 7u))
			return 0;
	return 1;
}

/* Every size from 1 byte to past the largest class: a block is writable
 * over its whole size and none overlaps another. */
static void test_sizes(void **state)
{
	cb_pool *p = cb_pool_new();
	enum { N = 300 };
	static const size_t sizes[] = {1,     15,    16,    17,	   255,	   256,	   257,	  300,
				       511,   512,   513,   1000,  4095,   4096,   20000, 49152,
				       49153, 65535, 65536, 65537, 200000, 1 << 21};
	size_t ns = sizeof sizes / sizeof sizes[0];
	unsigned char *b[N];
	size_t len[N];
	for (int i = 0; i < N; i++) {
		len[i] = sizes[(size_t)i % ns];
		b[i] = cb_pool_realloc(p, NULL, 0, len[i]);
		assert_non_null(b[i]);
		S_fill(b[i], len[i], (unsigned)i);
	}
	for (int i = 0; i < N; i++)
		assert_true(S_holds(b[i], len[i], (unsigned)i));
	for (int i = 0; i < N; i++)
		assert_null(cb_pool_realloc(p, b[i], len[i], 0));
	cb_pool_free(p);
}

/* Growing and shrinking within a class, across classes, from small to
 * large and back, and within the large sizes keeps the bytes both sizes
 * share. */
static void test_resize(void **state)
{
	cb_pool *p = cb_pool_new();
	static const size_t steps[] = {8,      12,	16,	40,    300, 5000, 70000,
				       300000, 1 << 22, 100000, 65536, 700, 24,	  1};
	size_t old = 0;
	unsigned char *b = NULL;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		size_t n = steps[i];
		b = cb_pool_realloc(p, b, old, n);
		assert_non_null(b);
		assert_true(S_holds(b, old < n ? old : n, 7));
		S_fill(b, n, 7);
		old = n;
	}
	/* Two large blocks side by side: moving one keeps the other. */
	unsigned char *x = cb_pool_realloc(p, NULL, 0, 100000);
	unsigned char *y = cb_pool_realloc(p, NULL, 0, 100000);
	S_fill(x, 100000, 1);
	S_fill(y, 100000, 2);
	x = cb_pool_realloc(p, x, 100000, 3000000);
	assert_true(S_holds(x, 100000, 1));
	assert_true(S_holds(y, 100000, 2));
	cb_pool_realloc(p, y, 100000, 0);
	cb_pool_realloc(p, x, 3000000, 0);
	cb_pool_realloc(p, b, old, 0);
	cb_pool_free(p);
}

/* A freed block of a class is the next one handed out for that class, and
 * freed large mappings are kept for reuse only up to a few. */
static void test_reuse_and_return(void **state)
{
	cb_pool *p = cb_pool_new();
	void *a = cb_pool_realloc(p, NULL, 0, 100);
	void *b = cb_pool_realloc(p, NULL, 0, 100);
	assert_ptr_not_equal(a, b);
	cb_pool_realloc(p, a, 100, 0);
	assert_ptr_equal(cb_pool_realloc(p, NULL, 0, 97), a);
	size_t before = cb_pool_mapped(p);
	void *big = cb_pool_realloc(p, NULL, 0, 10 << 20);
	assert_true(cb_pool_mapped(p) >= before + (10 << 20));
	/* A freed large block's mapping is kept for the next one of about
	 * its size, not mapped afresh. */
	cb_pool_realloc(p, big, 10 << 20, 0);
	size_t kept = cb_pool_mapped(p);
	assert_ptr_equal(cb_pool_realloc(p, NULL, 0, (10 << 20) - 5000), big);
	assert_int_equal(cb_pool_mapped(p), kept);
	cb_pool_realloc(p, big, (10 << 20) - 5000, 0);
	/* Past the few it keeps, freed mappings go back at once. */
	void *many[12];
	for (int i = 0; i < 12; i++)
		many[i] = cb_pool_realloc(p, NULL, 0, 200000 + (size_t)i * 300000);
	size_t all = cb_pool_mapped(p);
	for (int i = 0; i < 12; i++)
		cb_pool_realloc(p, many[i], 200000 + (size_t)i * 300000, 0);
	assert_true(cb_pool_mapped(p) < all);
	assert_true(cb_pool_mapped(p) > before);
	/* Freeing the pool gives back what is still allocated. */
	assert_non_null(cb_pool_realloc(p, NULL, 0, 1 << 20));
	cb_pool_free(p);
	cb_pool_free(NULL);
}

/* Many blocks of mixed sizes allocated and freed in a scrambled order, as
 * a Lua state does, with every live block checked at the end. */
static void test_churn(void **state)
{
	cb_pool *p = cb_pool_new();
	enum { N = 4000 };
	unsigned char **b = calloc(N, sizeof *b);
	size_t *len = calloc(N, sizeof *len);
	uint32_t r = 12345;
	for (int round = 0; round < 20000; round++) {
		r = r * 1103515245u + 12345u;
		int i = (int)((r >> 8) % N);
		size_t n = (r >> 20) % 3 == 0 ? (r >> 4) % 90000 : (r >> 4) % 600;
		b[i] = cb_pool_realloc(p, b[i], len[i], n);
		if (n)
			assert_non_null(b[i]);
		len[i] = n;
		S_fill(b[i] ? b[i] : NULL, n, (unsigned)i);
	}
	for (int i = 0; i < N; i++)
		assert_true(S_holds(b[i], len[i], (unsigned)i));
	cb_pool_free(p);
	free(b);
	free(len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_resize),
	    cmocka_unit_test(test_reuse_and_return),
	    cmocka_unit_test(test_churn),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
