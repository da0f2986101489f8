/*
 * test_api.c - the public C API as an embedder uses it: load the example
 * archives, call forward with tensors from buffers, read results back, and
 * every failure path a caller can hit (bad file, wrong arity or type, a
 * TorchScript exception) with its status, message, location and traceback.
 * Everything allocated is released: the live-block count ends where it began.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>

#include "base/base.h"
#include "tscript/tscript.h"

#ifndef TS_SOURCE_DIR
#define TS_SOURCE_DIR "."
#endif

static const char *example(const char *name) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/examples/%s", TS_SOURCE_DIR, name);
    return buf;
}

/* ts_config.max_inflated_bytes reaches the zip reader: a deflated archive
 * loads under the default budget and fails, naming the budget, under a
 * tiny one. */
static void test_inflate_budget(void **state) {
    (void)state;
    long live = ts_alloc_live();
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/serialize/linear_deflated.zip", TS_SOURCE_DIR);
    ts_ctx *ctx;
    ts_module *m;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    assert_int_equal(ts_module_load(ctx, path, &m), TS_OK);
    ts_module_release(m);
    ts_ctx_free(ctx);
    ts_config cfg = {.max_inflated_bytes = 100};
    assert_int_equal(ts_ctx_new(&cfg, &ctx), TS_OK);
    assert_int_equal(ts_module_load(ctx, path, &m), TS_ERR_NOMEM);
    assert_non_null(strstr(ts_ctx_error(ctx), "past its budget of 100 inflated bytes"));
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_forward_from_buffers(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_module *m;
    assert_int_equal(ts_module_load(ctx, example("conditional.pt"), &m), TS_OK);
    assert_int_equal(ts_module_method_arity(m, "forward"), 2);
    assert_int_equal(ts_module_method_required(m, "forward"), 2);
    assert_string_equal(ts_module_method_signature(m, "forward"),
                        "forward(x: Tensor, condition: bool) -> Tensor");
    assert_int_equal(ts_module_method_arity(m, "nope"), -1);

    float xs[5] = {1, 2, 3, 4, 5};
    int64_t shape[2] = {1, 5};
    ts_value *in[2];
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, xs, &in[0]), TS_OK);
    in[1] = ts_value_bool(true);
    ts_value *a, *b;
    assert_int_equal(ts_module_forward(ctx, m, in, 2, &a), TS_OK);
    ts_value_release(in[1]);
    in[1] = ts_value_bool(false);
    assert_int_equal(ts_module_forward(ctx, m, in, 2, &b), TS_OK);
    assert_int_equal(ts_value_kind(a), TS_KIND_TENSOR);
    assert_int_equal(ts_tensor_ndim(a), 2);
    assert_int_equal(ts_tensor_size(a, 1), 3);
    assert_int_equal(ts_tensor_dtype(a), TS_FLOAT32);
    float ya[3], yb[3];
    assert_int_equal(ts_value_to_buffer(ctx, a, TS_FLOAT32, ya, sizeof ya), TS_OK);
    assert_int_equal(ts_value_to_buffer(ctx, b, TS_FLOAT32, yb, sizeof yb), TS_OK);
    assert_true(memcmp(ya, yb, sizeof ya) != 0); /* the two branches differ */
    /* too small a buffer is an argument error, not an overflow */
    assert_int_equal(ts_value_to_buffer(ctx, a, TS_FLOAT32, ya, 4), TS_ERR_ARG);
    char *r = ts_value_repr(a);
    assert_true(strncmp(r, "tensor([[", 9) == 0);
    ts_string_free(r);

    char *tree;
    assert_int_equal(ts_module_show(ctx, m, TS_SHOW_TREE, &tree), TS_OK);
    assert_non_null(strstr(tree, "(linear1): RecursiveScriptModule(original_name=Linear)"));
    ts_string_free(tree);

    ts_value_release(a);
    ts_value_release(b);
    ts_value_release(in[0]);
    ts_value_release(in[1]);
    ts_module_release(m);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_errors(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_module *m = NULL;

    /* a file that is not an archive */
    assert_int_equal(ts_module_load(ctx, example("x5.npy"), &m), TS_ERR_FORMAT);
    assert_null(m);
    assert_non_null(strstr(ts_ctx_error(ctx), "x5.npy"));
    assert_int_equal(ts_ctx_status(ctx), TS_ERR_FORMAT);
    assert_int_equal(ts_module_load(ctx, example("no-such-file.pt"), &m), TS_ERR_IO);

    assert_int_equal(ts_module_load(ctx, example("conditional.pt"), &m), TS_OK);
    assert_int_equal(ts_ctx_status(ctx), TS_OK);
    ts_value *t = ts_value_bool(true);
    ts_value *out = NULL;
    /* missing input */
    assert_int_equal(ts_module_forward(ctx, m, &t, 1, &out), TS_ERR_ARG);
    assert_non_null(strstr(ts_ctx_error(ctx), "missing input 2 ('condition')"));
    /* wrong type: a bool where the tensor goes */
    ts_value *two[2] = {t, t};
    assert_int_equal(ts_module_forward(ctx, m, two, 2, &out), TS_ERR_TYPE);
    assert_non_null(strstr(ts_ctx_error_message(ctx), "must be Tensor, but it is a bool"));
    /* wrong shape: a run-time failure inside Linear.forward, with a traceback */
    float xs[4] = {0};
    int64_t shape[2] = {1, 4};
    ts_value *x;
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, xs, &x), TS_OK);
    ts_value *args[2] = {x, t};
    assert_int_equal(ts_module_forward(ctx, m, args, 2, &out), TS_ERR_SHAPE);
    assert_null(out);
    const char *file;
    int line, col;
    assert_true(ts_ctx_error_location(ctx, &file, &line, &col));
    assert_non_null(strstr(file, "code/__torch__/torch/nn/modules/linear.py"));
    assert_true(line > 0 && col > 0);
    assert_non_null(strstr(ts_ctx_traceback(ctx), "in __torch__.ConditionalModel.forward"));
    assert_non_null(strstr(ts_ctx_error(ctx), "TorchScript traceback"));
    /* a method that does not exist */
    assert_int_equal(ts_module_call(ctx, m, "backward", args, 2, &out), TS_ERR_NOT_FOUND);
    /* NULL arguments */
    assert_int_equal(ts_module_forward(ctx, NULL, args, 2, &out), TS_ERR_ARG);
    ts_ctx_clear_error(ctx);
    assert_string_equal(ts_ctx_error(ctx), "");
    assert_false(ts_ctx_error_location(ctx, NULL, NULL, NULL));

    ts_value_release(x);
    ts_value_release(t);
    ts_module_release(m);
    ts_ctx_free(ctx);
    assert_int_equal(ts_alloc_live(), live);
}

static void test_values(void **state) {
    (void)state;
    long live = ts_alloc_live();
    ts_value *items[3] = {ts_value_int(3), ts_value_float(2.5), ts_value_str("hi")};
    ts_value *tup = ts_value_tuple(items, 3);
    for (int i = 0; i < 3; i++) ts_value_release(items[i]);
    assert_int_equal(ts_value_kind(tup), TS_KIND_TUPLE);
    assert_int_equal(ts_value_len(tup), 3);
    assert_int_equal(ts_value_get_int(ts_value_item(tup, 0)), 3);
    assert_true(ts_value_get_float(ts_value_item(tup, 1)) == 2.5);
    assert_string_equal(ts_value_get_str(ts_value_item(tup, 2)), "hi");
    assert_null(ts_value_item(tup, 3));
    char *r = ts_value_repr(tup);
    assert_string_equal(r, "(3, 2.5, 'hi')");
    ts_string_free(r);
    ts_value_release(tup);
    ts_value *n = ts_value_none();
    r = ts_value_repr(n);
    assert_string_equal(r, "None");
    ts_string_free(r);
    ts_value_release(n);
    assert_int_equal(ts_alloc_live(), live);
}

/* One loaded module, called from several threads at once, each with its
 * own context: every call gives the single-threaded answer. */
typedef struct Worker {
    ts_module *m;
    const float *expect;
    int bad;
} Worker;

static void *worker(void *p) {
    Worker *w = p;
    ts_ctx *ctx;
    if (ts_ctx_new(NULL, &ctx) != TS_OK) {
        w->bad++;
        return NULL;
    }
    float xs[10];
    for (int i = 0; i < 10; i++) xs[i] = (float)i / 10;
    int64_t shape[2] = {1, 10};
    for (int it = 0; it < 300; it++) {
        ts_value *x, *y;
        if (ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, xs, &x) != TS_OK) { w->bad++; break; }
        if (ts_module_forward(ctx, w->m, &x, 1, &y) != TS_OK) { w->bad++; ts_value_release(x); break; }
        float out[5];
        if (ts_value_to_buffer(ctx, y, TS_FLOAT32, out, sizeof out) != TS_OK || memcmp(out, w->expect, sizeof out))
            w->bad++;
        ts_value_release(y);
        ts_value_release(x);
    }
    ts_ctx_free(ctx);
    return NULL;
}

static void test_threads_share_a_module(void **state) {
    (void)state;
    ts_ctx *ctx;
    assert_int_equal(ts_ctx_new(NULL, &ctx), TS_OK);
    ts_module *m;
    assert_int_equal(ts_module_load(ctx, example("looping.pt"), &m), TS_OK);
    float xs[10];
    for (int i = 0; i < 10; i++) xs[i] = (float)i / 10;
    int64_t shape[2] = {1, 10};
    ts_value *x, *y;
    assert_int_equal(ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, xs, &x), TS_OK);
    assert_int_equal(ts_module_forward(ctx, m, &x, 1, &y), TS_OK);
    float expect[5];
    assert_int_equal(ts_value_to_buffer(ctx, y, TS_FLOAT32, expect, sizeof expect), TS_OK);
    ts_value_release(x);
    ts_value_release(y);
    enum { N = 4 };
    pthread_t th[N];
    Worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (Worker){m, expect, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].bad, 0);
    }
    ts_module_release(m);
    ts_ctx_free(ctx);
}

int main(void) {
    /* the op registry is process-wide and immortal: build it before counting */
    ts_ctx *warm;
    if (ts_ctx_new(NULL, &warm) == TS_OK) ts_ctx_free(warm);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_from_buffers),
        cmocka_unit_test(test_inflate_budget),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_threads_share_a_module),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
