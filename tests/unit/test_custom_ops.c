/*
 * test_custom_ops.c - custom ops through the public API (ts_register_op):
 * an archive written by PyTorch that calls ops of an extension tscript lacks
 * (tests/data/custom_ops/custom.pt, namespace myns; make_data.py) runs with
 * C kernels registered on its context, and every misuse has a clean error:
 * bad schemas, builtin names, duplicates, the two scopes, kernels that fail
 * (with and without a message), return nothing or the wrong type. An op
 * nobody registered still fails at call time with the unknown-op message.
 * Registrations are process-wide state: the global ones use names no other
 * test of this file registers. Every test ends with no live tscript block.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "tscript/tscript.h"
#include "test_util.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

#define SCALE "myns::scale(Tensor x, float a) -> Tensor"
#define SPLIT2 "myns::split2(Tensor x) -> Tensor[]"
#define COUNT "myns::count(Tensor x) -> int"

static const char *archive(void) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/tests/data/custom_ops/custom.pt", TS_SOURCE_DIR);
    return buf;
}

/* ---- kernels ---- */

static ts_status scale_kernel(ts_ctx *ctx, ts_value *const *args, size_t nargs, ts_value **rets, size_t nrets,
                              void *ud) {
    if (nargs != 2 || nrets != 1) return ts_op_fail(ctx, TS_ERR_ARG, "called with %zu args, %zu rets", nargs, nrets);
    if (ud) ++*(int *)ud;
    float buf[64];
    int64_t n = ts_tensor_numel(args[0]);
    if (n > 64) return ts_op_fail(ctx, TS_ERR_SHAPE, "too big");
    ts_status st = ts_value_to_buffer(ctx, args[0], TS_FLOAT32, buf, sizeof buf);
    if (st != TS_OK) return st;
    double a = ts_value_get_float(args[1]);
    for (int64_t i = 0; i < n; i++) buf[i] = (float)(buf[i] * a);
    int64_t shape[8];
    int nd = ts_tensor_ndim(args[0]);
    for (int d = 0; d < nd; d++) shape[d] = ts_tensor_size(args[0], d);
    return ts_value_from_buffer(ctx, TS_FLOAT32, shape, nd, buf, &rets[0]);
}

/* Rows 0 and 1 of a [2, k] tensor, returned as a tuple (for Tensor[]). */
static ts_status split2_kernel(ts_ctx *ctx, ts_value *const *args, size_t nargs, ts_value **rets, size_t nrets,
                               void *ud) {
    (void)nargs, (void)nrets;
    float buf[64];
    int64_t k = ts_tensor_size(args[0], 1);
    ts_status st = ts_value_to_buffer(ctx, args[0], TS_FLOAT32, buf, sizeof buf);
    if (st != TS_OK) return st;
    int64_t shape[2] = {1, k};
    ts_value *half[2] = {NULL, NULL};
    st = ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, buf, &half[0]);
    if (st == TS_OK) {
        if (ud) half[1] = ts_value_int(7); /* a wrong item */
        else st = ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, buf + k, &half[1]);
    }
    if (st == TS_OK) rets[0] = ts_value_tuple(half, 2);
    ts_value_release(half[0]);
    ts_value_release(half[1]);
    return st;
}

static ts_status count_kernel(ts_ctx *ctx, ts_value *const *args, size_t nargs, ts_value **rets, size_t nrets,
                              void *ud) {
    (void)ctx, (void)nargs, (void)nrets, (void)ud;
    rets[0] = ts_value_int(ts_tensor_numel(args[0]));
    return TS_OK;
}

enum { FAIL_MESSAGE, FAIL_SILENT, FAIL_WRONG_TYPE, FAIL_NO_RETURN };

static ts_status bad_scale_kernel(ts_ctx *ctx, ts_value *const *args, size_t nargs, ts_value **rets,
                                  size_t nrets, void *ud) {
    (void)nargs, (void)nrets;
    switch (*(int *)ud) {
    case FAIL_MESSAGE: return ts_op_fail(ctx, TS_ERR_VALUE, "a = %g is not allowed", ts_value_get_float(args[1]));
    case FAIL_SILENT: return TS_ERR_VALUE;
    case FAIL_WRONG_TYPE: rets[0] = ts_value_int(3); return TS_OK;
    default: return TS_OK;
    }
}

/* ---- helpers ---- */

static ts_value *input(ts_ctx *ctx) {
    float xs[4] = {0, 1, 2, 3};
    int64_t shape[2] = {2, 2};
    ts_value *x;
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, xs, &x), TS_OK);
    return x;
}

/* Call method on custom.pt loaded through ctx; the status, *out owned. */
static ts_status call(ts_ctx *ctx, const char *method, ts_value **out) {
    ts_module *m;
    assert_int_equal(ts_module_load(ctx, archive(), &m), TS_OK);
    ts_value *x = input(ctx);
    *out = NULL;
    ts_status st = ts_module_call(ctx, m, method, &x, 1, out);
    ts_value_release(x);
    ts_module_release(m);
    return st;
}

static void assert_error_has(ts_ctx *ctx, const char *needle) {
    if (!strstr(ts_ctx_error(ctx), needle)) fail_msg("'%s' not in: %s", needle, ts_ctx_error(ctx));
}

/* ---- tests ---- */

static void test_register_misuse(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    assert_int_equal(ts_register_op(ctx, NULL, scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "NULL schema");
    assert_int_equal(ts_register_op(ctx, SCALE, NULL, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "NULL kernel");
    assert_int_equal(ts_register_op_ex(ctx, 8, SCALE, scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "unknown flags");
    assert_int_equal(ts_register_op(ctx, "myns::f(Tensor x -> Tensor", scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "bad schema: expected ')' at column");
    assert_int_equal(ts_register_op(ctx, "f(Tensor x) -> Tensor", scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "expected 'namespace::name'");
    assert_int_equal(ts_register_op(ctx, "myns::f(Blob x) -> Tensor", scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "unknown type");
    assert_int_equal(ts_register_op(ctx, "aten::add.mine(Tensor a, Tensor b) -> Tensor", scale_kernel, NULL),
                     TS_ERR_ARG);
    assert_error_has(ctx, "aten::add is a builtin op of tscript");
    assert_int_equal(ts_register_op(ctx, "myns::v(Tensor x, ...) -> Tensor", scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "'...'");
    assert_int_equal(ts_register_op(ctx, "myns::t(t x) -> t", scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "type variables");
    /* a duplicate on the context */
    assert_int_equal(ts_register_op(ctx, SCALE, scale_kernel, NULL), TS_OK);
    assert_int_equal(ts_register_op(ctx, "myns::scale(Tensor y, float b) -> Tensor", scale_kernel, NULL),
                     TS_ERR_ARG);
    assert_error_has(ctx, "myns::scale is already registered on this context");
    /* a second overload is fine; the name cannot then go process-wide */
    assert_int_equal(ts_register_op(ctx, "myns::scale.int(Tensor x, int a) -> Tensor", scale_kernel, NULL), TS_OK);
    assert_int_equal(ts_register_op_ex(ctx, TS_OP_GLOBAL, "myns::scale.two(Tensor x) -> Tensor", scale_kernel, NULL),
                     TS_ERR_ARG);
    assert_error_has(ctx, "has overloads registered on this context");
    /* without a context: statuses only */
    assert_int_equal(ts_register_op(NULL, "myns::f(", scale_kernel, NULL), TS_ERR_ARG);
    assert_int_equal(ts_register_op(NULL, NULL, scale_kernel, NULL), TS_ERR_ARG);
    ts_ctx_free(ctx);
}

static void test_kernels_on_a_context(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    int calls = 0;
    assert_int_equal(ts_register_op(ctx, SCALE, scale_kernel, &calls), TS_OK);
    assert_int_equal(ts_register_op(ctx, SPLIT2, split2_kernel, NULL), TS_OK);
    assert_int_equal(ts_register_op(ctx, COUNT, count_kernel, NULL), TS_OK);
    ts_value *out;
    assert_int_equal(call(ctx, "forward", &out), TS_OK);
    float ys[4];
    assert_int_equal(ts_value_to_buffer(ctx, out, TS_FLOAT32, ys, sizeof ys), TS_OK);
    for (int i = 0; i < 4; i++) assert_float_equal(ys[i], i * 2.5f + 1, 0);
    assert_int_equal(calls, 1);
    ts_value_release(out);
    /* a Tensor[] return: the kernel's tuple became a list */
    assert_int_equal(call(ctx, "pair", &out), TS_OK);
    assert_int_equal(ts_value_kind(out), TS_KIND_LIST);
    assert_int_equal(ts_value_len(out), 2);
    assert_int_equal(ts_value_to_buffer(ctx, ts_value_item(out, 1), TS_FLOAT32, ys, 2 * sizeof(float)), TS_OK);
    assert_float_equal(ys[0], 2, 0);
    assert_float_equal(ys[1], 3, 0);
    ts_value_release(out);
    assert_int_equal(call(ctx, "count", &out), TS_OK);
    assert_int_equal(ts_value_get_int(out), 4);
    ts_value_release(out);
    /* an op nobody registered: today's message, at call time */
    assert_int_equal(call(ctx, "unknown", &out), TS_ERR_NOT_FOUND);
    assert_error_has(ctx, "unknown builtin op 'myns::missing' (ops.myns.missing): tscript does not implement it");
    assert_error_has(ctx, "ts_register_op");
    assert_null(out);

    /* another context does not see ctx's ops: the archive loads, the call fails */
    ts_ctx *other;
    assert_int_equal(ts_ctx_new(NULL, &other), TS_OK);
    assert_int_equal(call(other, "forward", &out), TS_ERR_NOT_FOUND);
    assert_error_has(other, "unknown builtin op 'myns::scale'");
    ts_ctx_free(other);
    ts_ctx_free(ctx);
}

static void test_kernel_failures(void **state) {
    (void)state;
    static const struct {
        int mode;
        ts_status st;
        const char *needle;
    } cases[] = {
        {FAIL_MESSAGE, TS_ERR_VALUE, "myns::scale: a = 2.5 is not allowed"},
        {FAIL_SILENT, TS_ERR_VALUE, "myns::scale: its kernel failed with TS_ERR_VALUE and gave no message"},
        {FAIL_WRONG_TYPE, TS_ERR_TYPE, "myns::scale: its kernel returned int for return 0, the schema says Tensor"},
        {FAIL_NO_RETURN, TS_ERR_TYPE, "myns::scale: its kernel returned TS_OK but no value for return 0 (Tensor)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_ctx *ctx;
        assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
        int mode = cases[i].mode;
        assert_int_equal(ts_register_op(ctx, SCALE, bad_scale_kernel, &mode), TS_OK);
        ts_value *out;
        assert_int_equal(call(ctx, "forward", &out), cases[i].st);
        assert_null(out);
        assert_error_has(ctx, cases[i].needle);
        assert_error_has(ctx, "TorchScript traceback");
        ts_ctx_free(ctx);
    }
    /* a list return with an item of the wrong type */
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    int wrong = 1;
    assert_int_equal(ts_register_op(ctx, SPLIT2, split2_kernel, &wrong), TS_OK);
    ts_value *out;
    assert_int_equal(call(ctx, "pair", &out), TS_ERR_TYPE);
    assert_error_has(ctx, "item 1 is int");
    ts_ctx_free(ctx);
}

/* Last: process-wide registrations stay for the rest of the process. */
static void test_global_registration(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    int n = ts_op_count();
    assert_int_equal(ts_register_op_ex(ctx, TS_OP_GLOBAL, "myns::missing(Tensor x, float a=2.) -> Tensor",
                                       scale_kernel, NULL),
                     TS_OK);
    assert_int_equal(ts_op_count(), n + 1);
    assert_string_equal(ts_op_schema(n), "myns::missing(Tensor x, float a=2.) -> Tensor");
    assert_null(ts_op_schema(n + 1));
    assert_int_equal(ts_register_op(NULL, "myns::missing(Tensor y) -> Tensor", scale_kernel, NULL), TS_ERR_ARG);
    assert_int_equal(ts_register_op(ctx, "myns::missing.x(Tensor y) -> Tensor", scale_kernel, NULL), TS_ERR_ARG);
    assert_error_has(ctx, "has overloads registered process-wide");
    assert_int_equal(ts_register_op_ex(ctx, TS_OP_GLOBAL, "myns::missing(Tensor y) -> Tensor", scale_kernel, NULL),
                     TS_ERR_ARG);
    assert_error_has(ctx, "myns::missing is already registered (process-wide)");
    ts_ctx_free(ctx);
    /* every context sees it, and the schema's default fills the argument */
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_value *out;
    assert_int_equal(call(ctx, "unknown", &out), TS_OK);
    float ys[4];
    assert_int_equal(ts_value_to_buffer(ctx, out, TS_FLOAT32, ys, sizeof ys), TS_OK);
    assert_float_equal(ys[3], 6, 0);
    ts_value_release(out);
    ts_ctx_free(ctx);
}

int main(void) {
    (void)ts_op_count(); /* parse the builtin registry (interned types) before counting blocks */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_misuse, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_kernels_on_a_context, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_kernel_failures, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_global_registration, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
