/*
 * tensor_logic.c - triangular masks (triu, tril) and the boolean reductions
 * (all, any over every dim, one dim or a list of dims), which PyTorch 2.x's
 * attention code calls to build and check masks.
 *
 * triu(x, k) keeps the elements of each matrix (the last two dims) with
 * column - row >= k and zeroes the rest; tril keeps column - row <= k. Both
 * work on every dtype (zero is the all-zero bit pattern in each).
 *
 * all / any test each element against zero (NaN counts as true, as in C and
 * PyTorch) and return bool, or uint8 for a uint8 input (PyTorch's legacy
 * rule). An empty reduction gives true for all and false for any. Note that
 * all.dims with dim=[] reduces nothing (an elementwise test), while
 * dim=None reduces every dim: that is what PyTorch 2.x does.
 */
#include <inttypes.h>

#include "ops/tensor_ops.h"
#include "tensor/iter.h"

/* ---- triu / tril ---- */

static ts_status triangle(Ctx *ctx, const char *op, IValue *in, int nin, bool upper, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (x->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input tensor must have at least 2 dimensions", op);
    Tensor *r = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim);
    if (!r) return ctx->status;
    tensor_copy_into(r, x);
    int64_t M = x->sizes[x->ndim - 2], N = x->sizes[x->ndim - 1];
    int64_t numel = tensor_numel(r);
    int64_t mats = M * N == 0 ? 0 : numel / (M * N);
    /* clamp the diagonal so that row + k cannot overflow; the result is the same */
    int64_t k = op_int(in[1]);
    if (k > N + 1) k = N + 1;
    if (k < -M - 1) k = -M - 1;
    size_t es = dtype_size(r->dtype);
    char *base = tensor_data(r);
    for (int64_t b = 0; b < mats; b++) {
        char *mat = base + (size_t)(b * M * N) * es;
        for (int64_t i = 0; i < M; i++) {
            /* zero the columns [lo, hi) of row i */
            int64_t lo, hi;
            if (upper) lo = 0, hi = i + k;
            else lo = i + k + 1, hi = N;
            lo = TS_MAX(lo, 0);
            hi = TS_MIN(hi, N);
            if (hi > lo) memset(mat + (size_t)(i * N + lo) * es, 0, (size_t)(hi - lo) * es);
        }
    }
    return op_return(out, r);
}

OPFN(top_triu) { return triangle(ctx, "triu", in, nin, true, out); }
OPFN(top_tril) { return triangle(ctx, "tril", in, nin, false, out); }

/* ---- all / any ---- */

typedef struct LogicArg {
    DType dt;  /* the input's dtype */
    bool all;
} LogicArg;

/* p[0]: the accumulator (one byte, 0 / 1; stride 0 along reduced dims),
 * p[1]: the input. */
static void logic_loop(void *arg, int64_t n, char **p, const int64_t *s) {
    const LogicArg *a = arg;
    char *acc = p[0];
    const char *x = p[1];
    for (int64_t i = 0; i < n; i++, acc += s[0], x += s[1]) {
        bool v = dtype_is_float(a->dt) ? dtype_load_f64(a->dt, x) != 0 : dtype_load_i64(a->dt, x) != 0;
        if (a->all) *acc = (char)(*acc && v);
        else *acc = (char)(*acc || v);
    }
}

/* all / any of x over the dims in mask. */
static ts_status logic_reduce(Ctx *ctx, Tensor *x, const bool *mask, bool keepdim, bool all, Tensor **out) {
    int64_t ksz[TS_MAX_DIMS], osz[TS_MAX_DIMS];
    int on = 0;
    for (int d = 0; d < x->ndim; d++) {
        ksz[d] = mask[d] ? 1 : x->sizes[d];
        if (!mask[d] || keepdim) osz[on++] = ksz[d];
    }
    DType rdt = x->dtype == DT_UINT8 ? DT_UINT8 : DT_BOOL;
    Tensor *r = tensor_new_uninit(ctx, rdt, osz, on);
    if (!r) return ctx->status;
    kref_fill(r, kscalar_i(all ? 1 : 0));
    /* r viewed with x's sizes: the keepdim layout, stride 0 on reduced dims */
    int64_t rst[TS_MAX_DIMS];
    tensor_contiguous_strides(ksz, x->ndim, rst);
    for (int d = 0; d < x->ndim; d++)
        if (mask[d]) rst[d] = 0;
    if (tensor_numel(x) > 0) {
        const int64_t *strides[2] = {rst, x->strides};
        const size_t esize[2] = {1, dtype_size(x->dtype)};
        StridedIter it;
        iter_init(&it, 2, x->ndim, x->sizes, strides, esize);
        char *base[2] = {tensor_data(r), tensor_data(x)};
        LogicArg a = {x->dtype, all};
        iter_run(&it, base, logic_loop, &a);
    }
    *out = r;
    return TS_OK;
}

/* all(self) / any(self): every dim. */
static ts_status logic_all_dims(Ctx *ctx, const char *op, IValue *in, int nin, bool all, IValue *out) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    bool mask[TS_MAX_DIMS];
    for (int d = 0; d < TS_MAX_DIMS; d++) mask[d] = true;
    TS_TRY(logic_reduce(ctx, x, mask, false, all, &r));
    return op_return(out, r);
}

/* all.dim(self, int dim, bool keepdim) */
static ts_status logic_dim(Ctx *ctx, const char *op, IValue *in, int nin, bool all, IValue *out) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int d;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[1]), x->ndim, &d));
    bool mask[TS_MAX_DIMS] = {false};
    if (x->ndim > 0) mask[d] = true;
    TS_TRY(logic_reduce(ctx, x, mask, op_bool(in[2]), all, &r));
    return op_return(out, r);
}

/* all.dims(self, int[]? dim=None, bool keepdim): None reduces every dim,
 * [] none. */
static ts_status logic_dims(Ctx *ctx, const char *op, IValue *in, int nin, bool all, IValue *out) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    bool mask[TS_MAX_DIMS] = {false};
    if (in[1].kind == IV_NONE) {
        for (int d = 0; d < x->ndim; d++) mask[d] = true;
    } else {
        int64_t dims[TS_MAX_DIMS];
        int n;
        TS_TRY(op_int_list(ctx, op, in[1], dims, &n));
        for (int i = 0; i < n; i++) {
            int d;
            TS_TRY(op_wrap_dim(ctx, op, dims[i], x->ndim, &d));
            if (x->ndim == 0) continue;
            if (mask[d])
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dim %d appears multiple times in the list of dims", op, d);
            mask[d] = true;
        }
    }
    TS_TRY(logic_reduce(ctx, x, mask, op_bool(in[2]), all, &r));
    return op_return(out, r);
}

OPFN(top_all) { return logic_all_dims(ctx, "all", in, nin, true, out); }
OPFN(top_all_dim) { return logic_dim(ctx, "all", in, nin, true, out); }
OPFN(top_all_dims) { return logic_dims(ctx, "all", in, nin, true, out); }
OPFN(top_any) { return logic_all_dims(ctx, "any", in, nin, false, out); }
OPFN(top_any_dim) { return logic_dim(ctx, "any", in, nin, false, out); }
OPFN(top_any_dims) { return logic_dims(ctx, "any", in, nin, false, out); }
