/*
 * test_oom_interp.c - out of memory on the interpreter's paths (issue 5.4
 * defect 7): each example archive is loaded, and then called, with its 1st,
 * 2nd, ... allocation failing (ts_alloc_fail_at: a fallible allocation
 * returns NULL, an infallible one raises the over-limit flag the interpreter
 * checks). Every attempt either succeeds or fails with TS_ERR_NOMEM and an
 * "out of memory" message, and leaves no allocation behind; the process is
 * never aborted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "base/base.h"
#include "tscript/tscript.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

static const char *example(const char *name) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/examples/%s", TS_SOURCE_DIR, name);
    return buf;
}

typedef struct Case {
    const char *file;
    int64_t shape[2];
    bool with_bool;
} Case;

static const Case cases[] = {
    {"conditional.pt", {1, 5}, true},
    {"looping.pt", {1, 10}, false},
    {"mlp.pt", {2, 16}, false},
    {"simple_linear.pt", {1, 10}, false},
};

static bool failed_cleanly(ts_ctx *ctx, ts_status st) {
    if (st == TS_OK) return true;
    if (st != TS_ERR_NOMEM) print_message("unexpected status %s: %s\n", ts_status_name(st), ts_ctx_error(ctx));
    return st == TS_ERR_NOMEM && strstr(ts_ctx_error(ctx), "out of memory") != NULL;
}

/* Load under the Nth failure for N = 1, 2, ... until a load meets none. */
static void test_load_oom(void **state) {
    (void)state;
    ts_ctx *warm; /* the op registry is process-wide and lives forever */
    assert_int_equal(ts_ctx_new(NULL, &warm), TS_OK);
    ts_ctx_free(warm);
    long loads = 0;
    for (size_t c = 0; c < TS_ARRAY_LEN(cases); c++) {
        for (long n = 1;; n++) {
            long live = ts_alloc_live();
            ts_ctx *ctx;
            assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
            ts_module *m = NULL;
            ts_alloc_fail_at(n);
            ts_status st = ts_module_load(ctx, example(cases[c].file), &m);
            bool untouched = ts_alloc_fail_at_pending();
            ts_alloc_fail_at(0);
            assert_true(failed_cleanly(ctx, st));
            ts_module_release(m);
            ts_ctx_free(ctx);
            assert_int_equal(ts_alloc_live(), live);
            loads++;
            if (untouched) break; /* the load needs fewer than n allocations */
        }
    }
    print_message("%ld loads\n", loads);
    assert_true(loads > 100);
}

/* Call forward under the Nth failure, N = 1, 2, ... */
static void test_call_oom(void **state) {
    (void)state;
    float xs[32];
    for (int i = 0; i < 32; i++) xs[i] = (float)(i % 7) - 3.0f;
    long calls = 0;
    for (size_t c = 0; c < TS_ARRAY_LEN(cases); c++) {
        long live = ts_alloc_live();
        ts_ctx *ctx;
        assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
        ts_module *m;
        assert_int_equal(ts_module_load(ctx, example(cases[c].file), &m), TS_OK);
        ts_value *in[2];
        assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, cases[c].shape, 2, xs, &in[0]), TS_OK);
        in[1] = ts_value_bool(true);
        size_t nin = cases[c].with_bool ? 2 : 1;
        for (long n = 1;; n++) {
            ts_value *out = NULL;
            ts_alloc_fail_at(n);
            ts_status st = ts_module_forward(ctx, m, in, nin, &out);
            bool untouched = ts_alloc_fail_at_pending();
            ts_alloc_fail_at(0);
            assert_true(failed_cleanly(ctx, st));
            ts_value_release(out);
            calls++;
            if (untouched) break;
        }
        ts_value_release(in[0]);
        ts_value_release(in[1]);
        ts_module_release(m);
        ts_ctx_free(ctx);
        assert_int_equal(ts_alloc_live(), live);
    }
    print_message("%ld calls\n", calls);
    assert_true(calls > 40);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_oom),
        cmocka_unit_test(test_call_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
