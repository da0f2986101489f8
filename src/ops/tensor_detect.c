/*
 * tensor_detect.c - two ops torchvision's detection post-processing calls
 * (ops/models.def): torch.where(condition), the coordinates of the nonzero
 * elements as one int64 tensor per dimension (a 0-dim condition counts as
 * 1-D), and aten::_unique2 (torch.unique over the flattened tensor: sorted
 * distinct values, the index of each element's value, each value's count;
 * the inverse and counts are empty tensors unless asked for, as in ATen).
 * Also aten::_shape_as_tensor, which traced detectors call on their images.
 * Elements are compared exactly, as int64 for integer and bool dtypes and
 * as double for floating ones (every float32/16 value is a double).
 * Refused: sorted=False (PyTorch 1.13's CPU kernel returns a hash table's
 * order) and a floating input holding NaN (its sort-based grouping of NaNs
 * is not a defined order).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "ops/tensor_ops.h"

ts_status top_where_condition(Ctx *, IValue *, int, IValue *, const OpInfo *);
ts_status top__unique2(Ctx *, IValue *, int, IValue *, const OpInfo *);
ts_status top__shape_as_tensor(Ctx *, IValue *, int, IValue *, const OpInfo *);

/* x.shape as an int64 tensor (what a trace records for a shape it keeps dynamic). */
OPFN(top__shape_as_tensor) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "_shape_as_tensor", in, nin, 0, &t));
    int64_t n = t->ndim;
    Tensor *s = tensor_new_uninit(ctx, DT_INT64, &n, 1);
    if (!s) return ctx->status;
    if (n) memcpy(tensor_data(s), t->sizes, sizeof(int64_t) * (size_t)n);
    out[0] = iv_tensor_steal(s);
    return TS_OK;
}

static bool elem_nonzero(const Tensor *t, int64_t i) {
    return dtype_is_float(t->dtype) ? tensor_get_f64(t, i) != 0 : tensor_get_i64(t, i) != 0;
}

OPFN(top_where_condition) {
    Tensor *c;
    TS_TRY(op_tensor(ctx, "where", in, nin, 0, &c));
    int nd = c->ndim ? c->ndim : 1;
    int64_t n = tensor_numel(c), count = 0;
    for (int64_t i = 0; i < n; i++) count += elem_nonzero(c, i);
    ListObj *l = list_new(ty_tensor(), nd);
    int64_t *cols[TS_MAX_DIMS];
    for (int d = 0; d < nd; d++) {
        Tensor *t = tensor_new_uninit(ctx, DT_INT64, &count, 1);
        if (!t) {
            iv_release(iv_list_steal(l));
            return ctx->status;
        }
        cols[d] = tensor_data(t);
        list_push_steal(l, iv_tensor_steal(t));
    }
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!elem_nonzero(c, i)) continue;
        int64_t rest = i;
        for (int d = c->ndim - 1; d >= 0; d--) {
            cols[d][k] = rest % c->sizes[d];
            rest /= c->sizes[d];
        }
        if (!c->ndim) cols[0][k] = 0;
        k++;
    }
    out[0] = iv_list_steal(l);
    return TS_OK;
}

typedef struct Key {
    union {
        int64_t i;
        double d;
    } v;
    int64_t index;
} Key;

static int cmp_i64(const void *a, const void *b) {
    int64_t x = ((const Key *)a)->v.i, y = ((const Key *)b)->v.i;
    return x < y ? -1 : x > y;
}

static int cmp_f64(const void *a, const void *b) {
    double x = ((const Key *)a)->v.d, y = ((const Key *)b)->v.d;
    return x < y ? -1 : x > y;
}

OPFN(top__unique2) {
    const char *op = "unique";
    Tensor *self;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    bool sorted = op_bool(in[1]), want_inverse = op_bool(in[2]), want_counts = op_bool(in[3]);
    if (!sorted)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: sorted=False returns PyTorch's hash-table order, which "
                       "tscript does not reproduce; pass sorted=True", op);
    bool fl = dtype_is_float(self->dtype);
    int64_t n = tensor_numel(self);
    Key *keys = ts_xmalloc(sizeof(Key) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) {
        keys[i].index = i;
        if (fl) {
            keys[i].v.d = tensor_get_f64(self, i);
            if (isnan(keys[i].v.d)) {
                ts_free(keys);
                return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: the input holds NaN, whose grouping PyTorch "
                               "leaves to its sort: not supported", op);
            }
        } else {
            keys[i].v.i = tensor_get_i64(self, i);
        }
    }
    qsort(keys, (size_t)n, sizeof *keys, fl ? cmp_f64 : cmp_i64);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 || (fl ? cmp_f64 : cmp_i64)(&keys[i - 1], &keys[i]) != 0) m++;
    int64_t zero = 0;
    Tensor *values = tensor_new_uninit(ctx, self->dtype, &m, 1);
    Tensor *inverse = want_inverse ? tensor_new_uninit(ctx, DT_INT64, self->sizes, self->ndim)
                                   : tensor_new_uninit(ctx, DT_INT64, &zero, 1);
    Tensor *counts = tensor_new_uninit(ctx, DT_INT64, want_counts ? &m : &zero, 1);
    if (!values || !inverse || !counts) {
        tensor_release(values);
        tensor_release(inverse);
        tensor_release(counts);
        ts_free(keys);
        return ctx->status;
    }
    size_t es = dtype_size(self->dtype);
    char *vp = tensor_data(values);
    const char *base = (const char *)self->storage->data;
    int64_t *ip = tensor_data(inverse), *cp = tensor_data(counts);
    int64_t g = -1;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || (fl ? cmp_f64 : cmp_i64)(&keys[i - 1], &keys[i]) != 0) {
            g++;
            memcpy(vp + (size_t)g * es, base + (size_t)tensor_elem_offset(self, keys[i].index) * es, es);
            if (want_counts) cp[g] = 0;
        }
        if (want_inverse) ip[keys[i].index] = g;
        if (want_counts) cp[g]++;
    }
    ts_free(keys);
    out[0] = iv_tensor_steal(values);
    out[1] = iv_tensor_steal(inverse);
    out[2] = iv_tensor_steal(counts);
    return TS_OK;
}
