/*
 * test_util.h - what every cmocka unit test here needs: a check that a test
 * leaves no tscript allocation behind (use tu_setup / tu_teardown as the
 * per-test fixtures), and a heap context for calls that report failures.
 * Include after <cmocka.h>.
 */
#ifndef TS_TEST_UTIL_H
#define TS_TEST_UTIL_H

#include "base/diag.h"

static long tu_live;

/* Fixtures: the live-block count at the end of a test equals the start's. */
static inline int tu_setup(void **state) {
    (void)state;
    tu_live = ts_alloc_live();
    return 0;
}

static inline int tu_teardown(void **state) {
    (void)state;
    assert_int_equal(ts_alloc_live(), tu_live);
    return 0;
}

static inline Ctx *tu_ctx_new(void) {
    Ctx *c = ts_calloc(1, sizeof *c);
    assert_non_null(c);
    return c;
}

static inline void tu_ctx_free(Ctx *c) {
    ctx_dispose(c);
    ts_free(c);
}

#endif
