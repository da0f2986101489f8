/*
 * test_cancel.c - cancellation through the public API: a context's time
 * limit bounds each call and each load (a __setstate__ that loops), and
 * ts_ctx_interrupt from another thread stops a running call. The archives
 * are in tests/data/cancel/ (made by make_data.py there): spin.pt's forward
 * loops n times, slow_state.pt's __setstate__ 2^62 times.
 * Everything allocated is released: the live-block count ends where it began.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <pthread.h>

#include "base/base.h"
#include "tscript/tscript.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

enum { FOREVER = 0x4000000000000000 }; /* 2^62 iterations: never ends in a test's lifetime */

static const char *data(const char *name) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/data/cancel/%s", TS_SOURCE_DIR, name);
    return buf;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* forward(x, n) of spin.pt: x + n, or a failure status. */
static ts_status spin(ts_ctx *ctx, ts_module *m, int64_t n, float *out3) {
    float xs[3] = {1, 2, 3};
    int64_t shape[1] = {3};
    ts_value *in[2], *y = NULL;
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 1, xs, &in[0]), TS_OK);
    in[1] = ts_value_int(n);
    ts_status st = ts_module_forward(ctx, m, in, 2, &y);
    if (st == TS_OK) {
        assert_int_equal(ts_value_to_buffer(ctx, y, TS_FLOAT32, out3, 3 * sizeof(float)), TS_OK);
        ts_value_release(y);
    }
    ts_value_release(in[0]);
    ts_value_release(in[1]);
    return st;
}

static void test_call_deadline(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_ctx_set_timeout(ctx, 300);
    ts_module *m;
    assert_int_equal(ts_module_load(ctx, data("spin.pt"), &m), TS_OK);
    float y[3];
    double t0 = now_s();
    assert_int_equal(spin(ctx, m, FOREVER, y), TS_ERR_TIMEOUT);
    double dt = now_s() - t0;
    /* at least the limit; well under a hang even under sanitizers */
    assert_true(dt >= 0.29 && dt < 10.0);
    assert_int_equal(ts_ctx_status(ctx), TS_ERR_TIMEOUT);
    assert_non_null(strstr(ts_ctx_error_message(ctx), "timed out"));
    assert_non_null(strstr(ts_ctx_error_message(ctx), "300 ms"));
    assert_non_null(strstr(ts_ctx_traceback(ctx), "Spin.forward"));
    const char *file;
    int line, col;
    assert_true(ts_ctx_error_location(ctx, &file, &line, &col));
    assert_non_null(strstr(file, "spin.pt:code/"));
    assert_string_equal(ts_status_name(TS_ERR_TIMEOUT), "TS_ERR_TIMEOUT");

    /* the limit is per call: the next call gets its own budget */
    assert_int_equal(spin(ctx, m, 3, y), TS_OK);
    assert_true(y[0] == 4.0f && y[1] == 5.0f && y[2] == 6.0f);

    /* a loop whose body is a method call */
    ts_value *n = ts_value_int(FOREVER), *r = NULL;
    assert_int_equal(ts_module_call(ctx, m, "calls", &n, 1, &r), TS_ERR_TIMEOUT);
    assert_non_null(strstr(ts_ctx_traceback(ctx), "Spin.calls"));
    ts_value_release(n);
    n = ts_value_int(10);
    assert_int_equal(ts_module_call(ctx, m, "calls", &n, 1, &r), TS_OK);
    assert_int_equal(ts_value_get_int(r), 10);
    ts_value_release(r);
    ts_value_release(n);

    /* 0 removes the limit */
    ts_ctx_set_timeout(ctx, 0);
    assert_int_equal(spin(ctx, m, 20000, y), TS_OK);
    assert_true(y[0] == 20001.0f);
    ts_module_release(m);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

typedef struct Interrupter {
    ts_ctx *ctx;
    int done;  /* atomic: the main thread's call returned */
    int sent;
} Interrupter;

static void *interrupter(void *p) {
    Interrupter *it = p;
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    /* keep interrupting until the call has stopped: the first may come
     * before the call starts, and an interrupt with nothing running is
     * forgotten */
    while (!__atomic_load_n(&it->done, __ATOMIC_ACQUIRE) && it->sent < 400) {
        ts_ctx_interrupt(it->ctx);
        it->sent++;
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static void test_interrupt_from_another_thread(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_module *m;
    assert_int_equal(ts_module_load(ctx, data("spin.pt"), &m), TS_OK);
    Interrupter it = {ctx, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, interrupter, &it), 0);
    float y[3];
    ts_status st = spin(ctx, m, FOREVER, y);
    __atomic_store_n(&it.done, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    assert_int_equal(st, TS_ERR_CANCELLED);
    assert_true(it.sent >= 1);
    assert_non_null(strstr(ts_ctx_error_message(ctx), "cancelled"));
    assert_non_null(strstr(ts_ctx_traceback(ctx), "Spin.forward"));
    assert_string_equal(ts_status_name(TS_ERR_CANCELLED), "TS_ERR_CANCELLED");

    /* an interrupt while nothing runs does not cancel the next call */
    ts_ctx_interrupt(ctx);
    assert_int_equal(spin(ctx, m, 2, y), TS_OK);
    assert_true(y[0] == 3.0f);
    ts_module_release(m);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_load_deadline_and_inspect(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_ctx_set_timeout(ctx, 200);
    ts_module *m = NULL;
    double t0 = now_s();
    assert_int_equal(ts_module_load(ctx, data("slow_state.pt"), &m), TS_ERR_TIMEOUT);
    assert_true(now_s() - t0 < 10.0);
    assert_null(m);
    assert_non_null(strstr(ts_ctx_error(ctx), "__setstate__"));
    assert_non_null(strstr(ts_ctx_error(ctx), "timed out"));
    assert_non_null(strstr(ts_ctx_traceback(ctx), "SlowState.__setstate__"));

    /* inspecting runs no model code, so it needs no limit */
    ts_ctx_set_timeout(ctx, 0);
    assert_int_equal(ts_module_load_ex(ctx, data("slow_state.pt"), TS_LOAD_INSPECT, &m), TS_OK);
    char *text = NULL;
    assert_int_equal(ts_module_show(ctx, m, TS_SHOW_TREE, &text), TS_OK);
    assert_string_equal(text, "RecursiveScriptModule(original_name=SlowState)\n");
    ts_string_free(text);
    size_t n = 99;
    assert_int_equal(ts_module_check(ctx, m, &text, &n), TS_OK);
    assert_int_equal(n, 0);
    assert_non_null(strstr(text, "OK: "));
    ts_string_free(text);
    /* ... and its methods cannot be called */
    float xs[1] = {1};
    int64_t shape[1] = {1};
    ts_value *x, *y = NULL;
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 1, xs, &x), TS_OK);
    assert_int_equal(ts_module_forward(ctx, m, &x, 1, &y), TS_ERR_ARG);
    assert_non_null(strstr(ts_ctx_error(ctx), "inspection only"));
    ts_value_release(x);
    ts_module_release(m);
    assert_int_equal(ts_module_load_ex(ctx, data("spin.pt"), 0x80, &m), TS_ERR_ARG);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

int main(void) {
    /* the op registry is process-wide and immortal: build it before counting */
    ts_ctx *warm;
    if (ts_ctx_new(NULL, &warm) == TS_OK) ts_ctx_free(warm);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_deadline),
        cmocka_unit_test(test_interrupt_from_another_thread),
        cmocka_unit_test(test_load_deadline_and_inspect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
