/*
 * embed.c - embedding tscript in a C program, with the public API only.
 *
 *     build/embed_example [MODEL.pt [FEATURES]]
 *
 * Loads MODEL.pt (default examples/simple_linear.pt), builds a (1, FEATURES)
 * float32 input (default 10 features) from a plain C array, calls forward,
 * copies the output tensor into a C array and prints it. Every call that can
 * fail is checked, its message read with ts_ctx_error(), and everything is
 * released on every path.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tscript/tscript.h"

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/simple_linear.pt";
    long features = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
    if (features <= 0 || features > 1000000) {
        fprintf(stderr, "usage: %s [MODEL.pt [FEATURES]]\n", argv[0]);
        return 2;
    }

    int rc = 1;
    ts_ctx *ctx = NULL;
    ts_module *model = NULL;
    ts_value *x = NULL, *y = NULL;
    float *in = NULL, *out = NULL;

    if (ts_ctx_new(NULL, &ctx) != TS_OK) {
        fprintf(stderr, "embed: out of memory\n");
        return 1;
    }
    if (ts_module_load(ctx, path, &model) != TS_OK) {
        fprintf(stderr, "embed: %s\n", ts_ctx_error(ctx));
        goto done;
    }

    /* The input: a caller-owned buffer, copied into a tensor of shape (1, features). */
    in = malloc((size_t)features * sizeof *in);
    if (!in) {
        fprintf(stderr, "embed: out of memory\n");
        goto done;
    }
    for (long i = 0; i < features; i++)
        in[i] = 0.1f * (float)i - 0.5f;
    int64_t shape[2] = {1, features};
    if (ts_value_from_buffer(ctx, TS_FLOAT32, shape, 2, in, &x) != TS_OK) {
        fprintf(stderr, "embed: %s\n", ts_ctx_error(ctx));
        goto done;
    }

    if (ts_module_forward(ctx, model, &x, 1, &y) != TS_OK) {
        fprintf(stderr, "embed: %s\n", ts_ctx_error(ctx));
        goto done;
    }
    if (ts_value_kind(y) != TS_KIND_TENSOR) {
        fprintf(stderr, "embed: %s: forward returned a non-tensor value\n", path);
        goto done;
    }

    /* The output: its shape, then its elements copied out as float32. */
    int64_t numel = ts_tensor_numel(y);
    out = malloc((size_t)(numel > 0 ? numel : 1) * sizeof *out);
    if (!out) {
        fprintf(stderr, "embed: out of memory\n");
        goto done;
    }
    if (ts_value_to_buffer(ctx, y, TS_FLOAT32, out, (size_t)numel * sizeof *out) != TS_OK) {
        fprintf(stderr, "embed: %s\n", ts_ctx_error(ctx));
        goto done;
    }
    printf("%s: forward(x of shape (1, %ld)) -> shape (", path, features);
    for (int d = 0; d < ts_tensor_ndim(y); d++)
        printf(d ? ", %lld" : "%lld", (long long)ts_tensor_size(y, d));
    printf(")\n");
    for (int64_t i = 0; i < numel; i++)
        printf("  y[%lld] = %.6f\n", (long long)i, (double)out[i]);
    rc = 0;

done:
    free(out);
    if (y)
        ts_value_release(y);
    if (x)
        ts_value_release(x);
    free(in);
    if (model)
        ts_module_release(model);
    ts_ctx_free(ctx);
    return rc;
}
