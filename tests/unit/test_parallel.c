/*
 * test_parallel.c - the kernel thread pool: every index of a parallel for
 * is visited exactly once whatever the thread count and grain, nested
 * regions run serially, and two threads starting regions at once both
 * complete (one of them serially).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <cmocka.h>

#include "kernels/parallel.h"

#include <stdlib.h>
#include <string.h>

typedef struct Visits {
    int *count;
    int64_t n;
} Visits;

static void visit(void *arg, int64_t b, int64_t e) {
    Visits *v = arg;
    for (int64_t i = b; i < e; i++) __atomic_add_fetch(&v->count[i], 1, __ATOMIC_RELAXED);
}

static void check_once(int64_t n, int64_t grain) {
    Visits v = {calloc((size_t)(n + 1), sizeof(int)), n};
    kernels_parallel_for(n, grain, visit, &v);
    for (int64_t i = 0; i < n; i++) assert_int_equal(v.count[i], 1);
    free(v.count);
}

static void test_each_index_once(void **state) {
    (void)state;
    for (int threads = 1; threads <= 4; threads++) {
        kernels_parallel_set_threads(threads);
        assert_int_equal(kernels_threads(), threads);
        int64_t sizes[] = {0, 1, 2, 3, 7, 64, 1000, 4097};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            check_once(sizes[k], 1);
            check_once(sizes[k], 5);
            check_once(sizes[k], 100000);
        }
    }
}

static void nested(void *arg, int64_t b, int64_t e) {
    Visits *v = arg;
    for (int64_t i = b; i < e; i++) {
        Visits inner = {v->count + i * 10, 10};
        kernels_parallel_for(10, 1, visit, &inner);
    }
}

static void test_nested_regions(void **state) {
    (void)state;
    kernels_parallel_set_threads(3);
    Visits v = {calloc(200, sizeof(int)), 20};
    kernels_parallel_for(20, 1, nested, &v);
    for (int i = 0; i < 200; i++) assert_int_equal(v.count[i], 1);
    free(v.count);
}

static void *caller(void *p) {
    for (int r = 0; r < 200; r++) check_once(333, 1);
    (void)p;
    return NULL;
}

static void test_concurrent_callers(void **state) {
    (void)state;
    kernels_parallel_set_threads(2);
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, caller, NULL), 0);
    assert_int_equal(pthread_create(&b, NULL, caller, NULL), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_index_once),
        cmocka_unit_test(test_nested_regions),
        cmocka_unit_test(test_concurrent_callers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
