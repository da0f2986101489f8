/*
 * test_trace_api.c - the C tracing session (ts_trace_begin/param/op/call/
 * end, include/tscript/tscript.h) as an embedder uses it, and every misuse a
 * caller can make of it: NULL arguments, a finished trace used again
 * (ending twice, ops, parameters and calls after the end), unknown ops and
 * arguments that fit no overload, a failing kernel, non-tensor inputs and
 * outputs, bad parameter names. Each misuse is a clean status with a message
 * and leaves the session usable (or freeable); every test ends with the
 * live-block count where it began.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "tscript/tscript.h"
#include "test_util.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

static ts_value *tensor(ts_ctx *ctx, const float *data, int64_t rows, int64_t cols) {
    int64_t shape[2] = {rows, cols};
    ts_value *v = NULL;
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, cols ? 2 : 1, data, &v), TS_OK);
    return v;
}

static void read_floats(ts_ctx *ctx, const ts_value *v, float *buf, size_t n) {
    assert_int_equal(ts_tensor_numel(v), (int64_t)n);
    assert_int_equal(ts_value_to_buffer(ctx, v, TS_FLOAT32, buf, n * sizeof(float)), TS_OK);
}

static bool has(const ts_ctx *ctx, const char *text) { return strstr(ts_ctx_error(ctx), text) != NULL; }

/* y = relu(x @ w.T + b): the session runs the ops (exact results) and the
 * finished module computes the same on new inputs; it saves and reloads. */
static void test_session_runs_and_saves(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    const float xs[4] = {1, -2, 3, 0.5f}, ws[4] = {1, 0, 0, -1}, bs[2] = {0.5f, 0};
    ts_value *x = tensor(ctx, xs, 2, 2), *w = tensor(ctx, ws, 2, 2), *b = tensor(ctx, bs, 2, 0);
    ts_tracer *t;
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    assert_int_equal(ts_trace_param(ctx, t, "fc.weight", w, false), TS_OK);
    assert_int_equal(ts_trace_param(ctx, t, "fc.bias", b, false), TS_OK);
    ts_value *args[3] = {x, w, b}, *lin, *y;
    assert_int_equal(ts_trace_op(ctx, t, "aten::linear", args, 3, &lin), TS_OK);
    assert_int_equal(ts_trace_op(ctx, t, "relu", &lin, 1, &y), TS_OK); /* aten:: is implied */
    float got[4];
    read_floats(ctx, y, got, 4);
    const float want[4] = {1.5f, 2, 3.5f, 0}; /* rows: (1, 2) + b and (3, -0.5) + b, relu */
    for (int i = 0; i < 4; i++) assert_true(got[i] == want[i]);
    ts_module *m;
    assert_int_equal(ts_trace_end(ctx, t, y, &m), TS_OK);
    ts_tracer_free(t);
    /* the module is a function of x, not the example's constants */
    const float x2s[4] = {-1, 1, 0, 2};
    ts_value *x2 = tensor(ctx, x2s, 2, 2), *r;
    assert_int_equal(ts_module_forward(ctx, m, &x2, 1, &r), TS_OK);
    read_floats(ctx, r, got, 4);
    const float want2[4] = {0, 0, 0.5f, 0}; /* (-1, -1) + b, (0, -2) + b */
    for (int i = 0; i < 4; i++) assert_true(got[i] == want2[i]);
    ts_value_release(r);
    char path[256];
    snprintf(path, sizeof path, "/tmp/tscript_test_trace_api_%d.pt", (int)getpid());
    assert_int_equal(ts_module_save(ctx, m, path), TS_OK);
    ts_module *back;
    assert_int_equal(ts_module_load(ctx, path, &back), TS_OK);
    remove(path);
    assert_int_equal(ts_module_forward(ctx, back, &x2, 1, &r), TS_OK);
    read_floats(ctx, r, got, 4);
    for (int i = 0; i < 4; i++) assert_true(got[i] == want2[i]);
    char *code;
    assert_int_equal(ts_module_show(ctx, back, TS_SHOW_CODE, &code), TS_OK);
    assert_non_null(strstr(code, "torch.linear"));
    assert_non_null(strstr(code, "torch.relu"));
    ts_string_free(code);
    ts_value_release(r);
    ts_module_release(back);
    ts_module_release(m);
    ts_value_release(x2);
    ts_value_release(lin);
    ts_value_release(y);
    ts_value_release(x);
    ts_value_release(w);
    ts_value_release(b);
    ts_ctx_free(ctx);
}

/* A loaded module called inside the session becomes a submodule. */
static void test_session_calls_module(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_module *lin;
    assert_int_equal(ts_module_load(ctx, TS_SOURCE_DIR "/examples/simple_linear.pt", &lin), TS_OK);
    float xs[10];
    for (int i = 0; i < 10; i++) xs[i] = (float)i / 10;
    ts_value *x = tensor(ctx, xs, 1, 10), *y, *direct;
    assert_int_equal(ts_module_forward(ctx, lin, &x, 1, &direct), TS_OK);
    ts_tracer *t;
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    assert_int_equal(ts_trace_call(ctx, t, "head", lin, NULL, &x, 1, &y), TS_OK);
    /* a second module under the same name is refused */
    ts_module *lin2;
    assert_int_equal(ts_module_load(ctx, TS_SOURCE_DIR "/examples/simple_linear.pt", &lin2), TS_OK);
    ts_value *y2 = NULL;
    assert_int_equal(ts_trace_call(ctx, t, "head", lin2, NULL, &x, 1, &y2), TS_ERR_ARG);
    assert_true(has(ctx, "cannot name a new submodule"));
    assert_null(y2);
    assert_int_equal(ts_trace_call(ctx, t, "other", lin2, "nope", &x, 1, &y2), TS_ERR_NOT_FOUND);
    assert_int_equal(ts_trace_call(ctx, t, "other", lin2, NULL, NULL, 0, &y2), TS_ERR_ARG); /* forward needs x */
    ts_module *m;
    assert_int_equal(ts_trace_end(ctx, t, y, &m), TS_OK);
    ts_tracer_free(t);
    ts_value *r;
    assert_int_equal(ts_module_forward(ctx, m, &x, 1, &r), TS_OK);
    float a[2], b[2];
    read_floats(ctx, r, a, 2);
    read_floats(ctx, direct, b, 2);
    assert_true(a[0] == b[0] && a[1] == b[1]);
    char *tree;
    assert_int_equal(ts_module_show(ctx, m, TS_SHOW_TREE, &tree), TS_OK);
    assert_non_null(strstr(tree, "head"));
    ts_string_free(tree);
    ts_value_release(r);
    ts_value_release(direct);
    ts_value_release(y);
    ts_value_release(x);
    ts_module_release(m);
    ts_module_release(lin2);
    ts_module_release(lin);
    ts_ctx_free(ctx);
}

/* Ending twice; ops, parameters, calls after the end: TS_ERR_ARG. */
static void test_finished_session(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    const float xs[2] = {1, 2};
    ts_value *x = tensor(ctx, xs, 1, 2), *y;
    ts_tracer *t;
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    assert_int_equal(ts_trace_op(ctx, t, "aten::tanh", &x, 1, &y), TS_OK);
    ts_module *m, *m2 = (ts_module *)1;
    assert_int_equal(ts_trace_end(ctx, t, y, &m), TS_OK);
    assert_int_equal(ts_trace_end(ctx, t, y, &m2), TS_ERR_ARG);
    assert_null(m2);
    assert_true(has(ctx, "the trace has ended"));
    ts_value *z = (ts_value *)1;
    assert_int_equal(ts_trace_op(ctx, t, "aten::tanh", &x, 1, &z), TS_ERR_ARG);
    assert_null(z);
    assert_true(has(ctx, "the trace has ended"));
    assert_int_equal(ts_trace_param(ctx, t, "w", x, false), TS_ERR_ARG);
    ts_module *lin;
    assert_int_equal(ts_module_load(ctx, TS_SOURCE_DIR "/examples/simple_linear.pt", &lin), TS_OK);
    assert_int_equal(ts_trace_call(ctx, t, "head", lin, NULL, &x, 1, &z), TS_ERR_ARG);
    ts_tracer_free(t);
    ts_tracer_free(NULL);
    /* the module made before the misuse still runs */
    ts_value *r;
    assert_int_equal(ts_module_forward(ctx, m, &x, 1, &r), TS_OK);
    ts_value_release(r);
    ts_module_release(lin);
    ts_module_release(m);
    ts_value_release(y);
    ts_value_release(x);
    ts_ctx_free(ctx);
}

/* NULL anywhere: TS_ERR_ARG with a message (none without a context). */
static void test_null_arguments(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    const float xs[2] = {1, 2};
    ts_value *x = tensor(ctx, xs, 1, 2), *y = NULL;
    ts_tracer *t = NULL;
    ts_module *m = NULL;
    assert_int_equal(ts_trace_begin(NULL, &x, 1, NULL, &t), TS_ERR_ARG);
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, NULL), TS_ERR_ARG);
    assert_true(has(ctx, "NULL argument"));
    assert_int_equal(ts_trace_begin(ctx, NULL, 1, NULL, &t), TS_ERR_ARG);
    ts_value *holes[2] = {x, NULL};
    assert_int_equal(ts_trace_begin(ctx, holes, 2, NULL, &t), TS_ERR_ARG);
    assert_true(has(ctx, "input 1 is NULL"));
    assert_null(t);
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    assert_int_equal(ts_trace_op(NULL, t, "aten::tanh", &x, 1, &y), TS_ERR_ARG);
    assert_int_equal(ts_trace_op(ctx, NULL, "aten::tanh", &x, 1, &y), TS_ERR_ARG);
    assert_int_equal(ts_trace_op(ctx, t, NULL, &x, 1, &y), TS_ERR_ARG);
    assert_int_equal(ts_trace_op(ctx, t, "aten::tanh", NULL, 1, &y), TS_ERR_ARG);
    assert_int_equal(ts_trace_op(ctx, t, "aten::tanh", &x, 1, NULL), TS_ERR_ARG);
    assert_int_equal(ts_trace_op(ctx, t, "aten::add", holes, 2, &y), TS_ERR_ARG);
    assert_int_equal(ts_trace_param(ctx, t, NULL, x, false), TS_ERR_ARG);
    assert_int_equal(ts_trace_param(ctx, t, "w", NULL, false), TS_ERR_ARG);
    assert_int_equal(ts_trace_param(ctx, NULL, "w", x, false), TS_ERR_ARG);
    assert_int_equal(ts_trace_call(ctx, t, "m", NULL, NULL, &x, 1, &y), TS_ERR_ARG);
    assert_int_equal(ts_trace_end(ctx, t, NULL, &m), TS_ERR_ARG);
    assert_int_equal(ts_trace_end(ctx, t, x, NULL), TS_ERR_ARG);
    assert_int_equal(ts_trace_end(ctx, NULL, x, &m), TS_ERR_ARG);
    assert_null(y);
    assert_null(m);
    /* none of it ended the session */
    assert_int_equal(ts_trace_op(ctx, t, "aten::tanh", &x, 1, &y), TS_OK);
    assert_int_equal(ts_trace_end(ctx, t, y, &m), TS_OK);
    ts_tracer_free(t);
    ts_module_release(m);
    ts_value_release(y);
    ts_value_release(x);
    ts_ctx_free(ctx);
}

/* Ops that do not exist or do not fit, a failing kernel, bad parameters,
 * non-tensor inputs and outputs: clean errors, and the session goes on. */
static void test_bad_ops_and_values(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    const float xs[6] = {1, 2, 3, 4, 5, 6};
    ts_value *x = tensor(ctx, xs, 2, 3), *w = tensor(ctx, xs, 3, 2), *v = tensor(ctx, xs, 1, 6);
    ts_value *y = NULL, *one = ts_value_int(1), *s = ts_value_str("s");
    ts_tracer *t = NULL;
    /* a non-tensor input is refused with the advice to script */
    assert_int_equal(ts_trace_begin(ctx, &one, 1, NULL, &t), TS_ERR_TYPE);
    assert_true(has(ctx, "cannot be traced"));
    assert_true(has(ctx, "script"));
    assert_null(t);
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    assert_int_equal(ts_trace_op(ctx, t, "aten::no_such_op", &x, 1, &y), TS_ERR_NOT_FOUND);
    assert_true(has(ctx, "no op aten::no_such_op"));
    assert_int_equal(ts_trace_op(ctx, t, "aten::add.NoSuchOverload", &x, 1, &y), TS_ERR_NOT_FOUND);
    ts_value *xs2[2] = {x, s};
    assert_int_equal(ts_trace_op(ctx, t, "aten::add", xs2, 2, &y), TS_ERR_TYPE);
    /* an overload named that the arguments do not fit */
    ts_value *xo[2] = {x, one};
    assert_int_equal(ts_trace_op(ctx, t, "aten::add.Tensor", xo, 2, &y), TS_ERR_TYPE);
    /* a kernel that fails: shapes (2, 3) @ (1, 6) */
    ts_value *mm[2] = {x, v};
    assert_int_equal(ts_trace_op(ctx, t, "aten::mm", mm, 2, &y), TS_ERR_SHAPE);
    assert_null(y);
    /* parameters: not a tensor, empty or bad names, the same tensor twice */
    assert_int_equal(ts_trace_param(ctx, t, "k", one, false), TS_ERR_TYPE);
    assert_int_equal(ts_trace_param(ctx, t, "", w, false), TS_ERR_ARG);
    assert_int_equal(ts_trace_param(ctx, t, "a..b", w, false), TS_ERR_VALUE);
    assert_int_equal(ts_trace_param(ctx, t, "a.", w, false), TS_ERR_VALUE);
    assert_int_equal(ts_trace_param(ctx, t, "training", w, false), TS_ERR_VALUE);
    assert_int_equal(ts_trace_param(ctx, t, "w", w, false), TS_OK);
    assert_int_equal(ts_trace_param(ctx, t, "w2", w, true), TS_ERR_VALUE);
    assert_int_equal(ts_trace_param(ctx, t, "w", v, true), TS_ERR_VALUE);
    assert_int_equal(ts_trace_param(ctx, t, "w.x", v, true), TS_ERR_VALUE); /* w is a tensor, not a module */
    ts_value *a[2] = {x, w};
    assert_int_equal(ts_trace_op(ctx, t, "aten::mm", a, 2, &y), TS_OK);
    /* an output that is not a tensor, then one that is: the second end works */
    ts_module *m = NULL;
    assert_int_equal(ts_trace_end(ctx, t, one, &m), TS_ERR_TYPE);
    assert_true(has(ctx, "the output is an int"));
    assert_null(m);
    ts_value *items[2] = {y, one};
    ts_value *tup = ts_value_tuple(items, 2);
    assert_int_equal(ts_trace_end(ctx, t, tup, &m), TS_ERR_TYPE);
    assert_true(has(ctx, "the output[1] is an int"));
    ts_value_release(tup);
    assert_int_equal(ts_trace_end(ctx, t, y, &m), TS_OK);
    ts_tracer_free(t);
    ts_value *r;
    assert_int_equal(ts_module_forward(ctx, m, &x, 1, &r), TS_OK);
    float got[4];
    read_floats(ctx, r, got, 4);
    assert_true(got[0] == 22 && got[3] == 64); /* [[1,2,3],[4,5,6]] @ [[1,2],[3,4],[5,6]] */
    ts_value_release(r);
    ts_module_release(m);
    ts_value_release(y);
    ts_value_release(one);
    ts_value_release(s);
    ts_value_release(v);
    ts_value_release(w);
    ts_value_release(x);
    ts_ctx_free(ctx);
}

/* Freeing a session at any point, before or after a failure, leaks nothing. */
static void test_abandoned_sessions(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    const float xs[2] = {1, 2};
    ts_value *x = tensor(ctx, xs, 1, 2), *w = tensor(ctx, xs, 2, 1), *y;
    ts_tracer *t;
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    ts_tracer_free(t);
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    assert_int_equal(ts_trace_param(ctx, t, "sub.deep.w", w, false), TS_OK);
    ts_value *a[2] = {x, w};
    assert_int_equal(ts_trace_op(ctx, t, "aten::mm", a, 2, &y), TS_OK);
    ts_tracer_free(t); /* never ended */
    ts_value_release(y);
    ts_module *lin;
    assert_int_equal(ts_module_load(ctx, TS_SOURCE_DIR "/examples/simple_linear.pt", &lin), TS_OK);
    assert_int_equal(ts_trace_begin(ctx, &x, 1, NULL, &t), TS_OK);
    assert_int_equal(ts_trace_call(ctx, t, "head", lin, NULL, &x, 1, &y), TS_ERR_SHAPE); /* (1, 2) into Linear(10, 2) */
    assert_non_null(strstr(ts_ctx_traceback(ctx), "forward"));
    ts_tracer_free(t);
    ts_module_release(lin);
    ts_value_release(w);
    ts_value_release(x);
    ts_ctx_free(ctx);
}

int main(void) {
    /* the op registry is process-wide and immortal: build it before counting */
    ts_ctx *warm;
    if (ts_ctx_new(NULL, &warm) == TS_OK) ts_ctx_free(warm);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_session_runs_and_saves, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_session_calls_module, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_finished_session, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_bad_ops_and_values, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_abandoned_sessions, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
