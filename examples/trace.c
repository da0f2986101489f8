/*
 * trace.c - building and tracing a model from C, with the public API only
 * (the ts_trace_* calls of include/tscript/tscript.h), saved as an archive
 * that torch.jit.load reads.
 *
 *     build/trace_example OUT.pt [HEAD.pt]
 *
 * After ts_ctx_manual_seed(ctx, 0), as torch.manual_seed(0): the input x is
 * torch.randn(2, 10), then the weights of a first layer fc (10 -> 10) are
 * torch.randn(10, 10) * 0.3 and torch.randn(10) * 0.1. The trace records
 *
 *     h = relu(linear(x, fc.weight, fc.bias))
 *     y = head(h)                 # HEAD.pt's forward (default
 *                                 # examples/simple_linear.pt, Linear(10, 2)),
 *                                 # kept as the submodule `head`
 *     p = softmax(y, 1)
 *     return (y, p)
 *
 * saves the traced module to OUT.pt, runs the saved file again through
 * ts_module_load + ts_module_forward, and prints both results (the trace's
 * own run and the reloaded module's), one tensor per line, so that a test
 * can compare them with PyTorch's run of OUT.pt. Every call is checked and
 * everything is released on every path.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tscript/tscript.h"

#define CHECK(call)                                                  \
    do {                                                             \
        if ((call) != TS_OK) {                                       \
            fprintf(stderr, "trace_example: %s\n", ts_ctx_error(ctx)); \
            goto done;                                               \
        }                                                            \
    } while (0)

/* torch.randn(*shape) * s, scaled in a C buffer: the weights are data, not
 * traced ops. */
static ts_status scaled_randn(ts_ctx *ctx, const int64_t *shape, int ndim, double s, ts_value **out) {
    ts_value *r = NULL;
    ts_status st = ts_value_randn(ctx, TS_FLOAT32, shape, ndim, &r);
    if (st == TS_OK) {
        int64_t n = ts_tensor_numel(r);
        float *buf = malloc(sizeof(float) * (size_t)(n ? n : 1));
        st = buf ? ts_value_to_buffer(ctx, r, TS_FLOAT32, buf, sizeof(float) * (size_t)n) : TS_ERR_NOMEM;
        if (st == TS_OK) {
            for (int64_t i = 0; i < n; i++) buf[i] = (float)(buf[i] * s);
            st = ts_value_from_buffer(ctx, TS_FLOAT32, shape, ndim, buf, out);
        }
        free(buf);
    }
    ts_value_release(r);
    return st;
}

static int print_tensor(ts_ctx *ctx, const char *label, const ts_value *v) {
    int64_t n = ts_tensor_numel(v);
    float *buf = malloc(sizeof(float) * (size_t)(n ? n : 1));
    if (!buf || ts_value_to_buffer(ctx, v, TS_FLOAT32, buf, sizeof(float) * (size_t)n) != TS_OK) {
        free(buf);
        return -1;
    }
    printf("%s", label);
    for (int64_t i = 0; i < n; i++) printf(" %.9g", (double)buf[i]);
    printf("\n");
    free(buf);
    return 0;
}

/* out is a (y, p) tuple: print both under prefix. */
static int print_pair(ts_ctx *ctx, const char *prefix, const ts_value *out) {
    char label[64];
    if (ts_value_kind(out) != TS_KIND_TUPLE || ts_value_len(out) != 2) {
        fprintf(stderr, "trace_example: %s: expected a (y, p) tuple\n", prefix);
        return -1;
    }
    for (size_t i = 0; i < 2; i++) {
        snprintf(label, sizeof label, "%s.%s", prefix, i ? "p" : "y");
        if (print_tensor(ctx, label, ts_value_item(out, i)) != 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s OUT.pt [HEAD.pt]\n", argv[0]);
        return 2;
    }
    const char *out_path = argv[1];
    const char *head_path = argc > 2 ? argv[2] : "examples/simple_linear.pt";

    int rc = 1;
    ts_ctx *ctx = NULL;
    ts_module *head = NULL, *traced = NULL, *reloaded = NULL;
    ts_tracer *t = NULL;
    ts_value *x = NULL, *w = NULL, *b = NULL, *lin = NULL, *h = NULL, *y = NULL, *p = NULL, *dim = NULL;
    ts_value *result = NULL, *again = NULL;

    if (ts_ctx_new(NULL, &ctx) != TS_OK) {
        fprintf(stderr, "trace_example: out of memory\n");
        return 1;
    }
    CHECK(ts_ctx_manual_seed(ctx, 0));
    const int64_t xs[2] = {2, 10}, ws[2] = {10, 10}, bs[1] = {10};
    CHECK(ts_value_randn(ctx, TS_FLOAT32, xs, 2, &x));
    CHECK(scaled_randn(ctx, ws, 2, 0.3, &w));
    CHECK(scaled_randn(ctx, bs, 1, 0.1, &b));
    CHECK(ts_module_load(ctx, head_path, &head));

    /* the trace: x is forward's argument; fc.weight makes a submodule fc */
    CHECK(ts_trace_begin(ctx, &x, 1, NULL, &t));
    CHECK(ts_trace_param(ctx, t, "fc.weight", w, false));
    CHECK(ts_trace_param(ctx, t, "fc.bias", b, false));
    ts_value *la[3] = {x, w, b};
    CHECK(ts_trace_op(ctx, t, "aten::linear", la, 3, &lin));
    CHECK(ts_trace_op(ctx, t, "aten::relu", &lin, 1, &h));
    CHECK(ts_trace_call(ctx, t, "head", head, NULL, &h, 1, &y));
    dim = ts_value_int(1);
    ts_value *sa[2] = {y, dim};
    CHECK(ts_trace_op(ctx, t, "aten::softmax.int", sa, 2, &p));
    ts_value *items[2] = {y, p};
    result = ts_value_tuple(items, 2);
    if (!result) goto done;
    CHECK(ts_trace_end(ctx, t, result, &traced));
    CHECK(ts_module_save(ctx, traced, out_path));

    /* the saved file, loaded back and run on the same input */
    CHECK(ts_module_load(ctx, out_path, &reloaded));
    CHECK(ts_module_forward(ctx, reloaded, &x, 1, &again));
    if (print_tensor(ctx, "x", x) != 0 || print_pair(ctx, "traced", result) != 0 ||
        print_pair(ctx, "reloaded", again) != 0)
        goto done;
    printf("saved %s\n", out_path);
    rc = 0;

done:
    ts_tracer_free(t);
    ts_value_release(again);
    ts_value_release(result);
    ts_value_release(dim);
    ts_value_release(p);
    ts_value_release(y);
    ts_value_release(h);
    ts_value_release(lin);
    ts_value_release(b);
    ts_value_release(w);
    ts_value_release(x);
    ts_module_release(reloaded);
    ts_module_release(traced);
    ts_module_release(head);
    ts_ctx_free(ctx);
    return rc;
}
