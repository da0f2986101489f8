/*
 * tensor_embed.c - the embedding ops F.embedding compiles to:
 * aten::embedding (rows of weight picked by an int64/int32 index tensor of
 * any shape; the result has the index's shape plus the row size),
 * aten::embedding_renorm_ and aten::_no_grad_embedding_renorm_ (the
 * max_norm option: every row the input looks up whose p-norm exceeds
 * max_norm is scaled in place to max_norm / (norm + 1e-7), as PyTorch
 * 1.13's embedding_renorm_cpu_ does, each distinct row once).
 *
 * Where it sits: ops/; padding_idx, scale_grad_by_freq and sparse only
 * matter to the gradient, so the forward ignores them as PyTorch's does.
 * Rows are copied with tensor_copy_into (any strides); the renorm scale is
 * computed in double and applied in the weight's type.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "ops/tensor_ops.h"

static ts_status check_indices(Ctx *ctx, const char *op, const Tensor *ix, const Tensor *w) {
    if (ix->dtype != DT_INT64 && ix->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected tensor for argument #1 'indices' to have one of the following "
                       "scalar types: Long, Int; but got %s instead", op, dtype_name(ix->dtype));
    if (w->ndim != 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: 'weight' must be 2-D", op);
    int64_t n = tensor_numel(ix), rows = w->sizes[0];
    for (int64_t i = 0; i < n; i++) {
        int64_t k = tensor_get_i64(ix, i);
        if (k < 0 || k >= rows)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: index out of range in self (index %" PRId64 ", %" PRId64 " rows)",
                           op, k, rows);
    }
    return TS_OK;
}

/* row k of the 2-D t, a view */
static Tensor *row_of(Ctx *ctx, Tensor *t, int64_t k) {
    return tensor_view(ctx, t->storage, t->dtype, t->storage_offset + k * t->strides[0], &t->sizes[1], &t->strides[1], 1);
}

OPFN(top_embedding) {
    const char *op = "embedding";
    Tensor *w, *ix;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &w));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &ix));
    TS_TRY(check_indices(ctx, op, ix, w));
    int64_t sz[TS_MAX_DIMS], n = tensor_numel(ix);
    if (ix->ndim + 1 > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the indices have too many dimensions", op);
    memcpy(sz, ix->sizes, sizeof(int64_t) * (size_t)ix->ndim);
    sz[ix->ndim] = w->sizes[1];
    Tensor *r = tensor_new_uninit(ctx, w->dtype, sz, ix->ndim + 1);
    if (!r) return ctx->status;
    int64_t flat[2] = {n, w->sizes[1]}, fst[2] = {w->sizes[1], 1};
    Tensor *r2 = tensor_view(ctx, r->storage, r->dtype, 0, flat, fst, 2);
    bool ok = r2 != NULL;
    for (int64_t i = 0; ok && i < n; i++) {
        Tensor *src = row_of(ctx, w, tensor_get_i64(ix, i)), *dst = src ? row_of(ctx, r2, i) : NULL;
        if (dst) tensor_copy_into(dst, src);
        else ok = false;
        tensor_release(src);
        tensor_release(dst);
    }
    tensor_release(r2);
    if (!ok) {
        tensor_release(r);
        return ctx->status;
    }
    return op_return(out, r);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The p-norm of a row in double. */
static double row_norm(const Tensor *row, double p) {
    int64_t n = row->sizes[0];
    double acc = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = fabs(tensor_get_f64(row, i));
        if (isinf(p)) acc = p > 0 ? (v > acc || isnan(v) ? v : acc) : (i == 0 || v < acc ? v : acc);
        else if (p == 0) acc += v != 0;
        else if (p == 1) acc += v;
        else if (p == 2) acc += v * v;
        else acc += pow(v, p);
    }
    if (isinf(p) || p == 0 || p == 1) return acc;
    return p == 2 ? sqrt(acc) : pow(acc, 1.0 / p);
}

static ts_status renorm(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out) {
    Tensor *w, *ix;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &w));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &ix));
    TS_TRY(check_indices(ctx, op, ix, w));
    if (!dtype_is_float(w->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point weight", op);
    double max_norm = iv_scalar_f64(in[2]), p = iv_scalar_f64(in[3]);
    int64_t n = tensor_numel(ix);
    int64_t *sorted = ts_malloc(sizeof(int64_t) * (size_t)(n + 1));
    if (!sorted) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    for (int64_t i = 0; i < n; i++) sorted[i] = tensor_get_i64(ix, i);
    qsort(sorted, (size_t)n, sizeof(int64_t), cmp_i64);
    for (int64_t i = 0; i < n; i++) {
        if (i > 0 && sorted[i] == sorted[i - 1]) continue;
        Tensor *row = row_of(ctx, w, sorted[i]);
        if (!row) {
            ts_free(sorted);
            return ctx->status;
        }
        double norm = row_norm(row, p);
        if (norm > max_norm) {
            double scale = max_norm / (norm + 1e-7);
            float fs = (float)scale;
            size_t es = dtype_size(w->dtype);
            for (int64_t k = 0; k < row->sizes[0]; k++) {
                char *ptr = (char *)row->storage->data + (size_t)tensor_elem_offset(row, k) * es;
                /* PyTorch multiplies by the scalar in the weight's type (opmath: float for float32) */
                double v = dtype_load_f64(w->dtype, ptr);
                dtype_store_f64(w->dtype, ptr, w->dtype == DT_FLOAT64 ? v * scale : (double)((float)v * fs));
            }
        }
        tensor_release(row);
    }
    ts_free(sorted);
    return op_return(out, tensor_retain(w));
}

OPFN(top_embedding_renorm_) { return renorm(ctx, "embedding_renorm_", in, nin, out); }
OPFN(top__no_grad_embedding_renorm_) { return renorm(ctx, "_no_grad_embedding_renorm_", in, nin, out); }
