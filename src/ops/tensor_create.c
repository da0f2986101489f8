/*
 * tensor_create.c - tensor creation (zeros, ones, full, *_like), copies and
 * conversions (clone, to, type_as) and sum/mean reductions.
 *
 * Creation ops take PyTorch's dtype=None default (float32, or for full the
 * fill value's kind) and only the CPU device. Reductions accumulate in
 * float64 (floating inputs) or int64 (integers and bool) and round once to
 * the result dtype: sum of integers gives int64, mean requires a floating
 * dtype, as in PyTorch.
 */
#include <inttypes.h>

#include "ops/tensor_ops.h"

/* dtype argument or a default. */
static ts_status opt_dtype(Ctx *ctx, const char *op, const IValue *in, int nin, int i, DType def, DType *out) {
    *out = def;
    if (i < nin && in[i].kind != IV_NONE) return op_dtype(ctx, op, in[i], out);
    return TS_OK;
}

/* A Device? argument must be the CPU, or CUDA, which tscript maps to the CPU:
 * an archive traced or saved on a GPU carries torch.device("cuda:0") in its
 * code, and runs here as torch.load(map_location="cpu") would load it. */
static ts_status check_device(Ctx *ctx, const char *op, const IValue *in, int nin, int i) {
    if (i < nin && in[i].kind == IV_DEVICE && in[i].u.dev.type != DEVICE_CPU && in[i].u.dev.type != DEVICE_CUDA)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: only the cpu device is supported (and cuda, mapped to the cpu)",
                       op);
    return TS_OK;
}

static ts_status filled(Ctx *ctx, const char *op, IValue size, DType dt, bool fill, KScalar v, IValue *out) {
    int64_t sizes[TS_MAX_DIMS];
    int n;
    TS_TRY(op_int_list(ctx, op, size, sizes, &n));
    for (int i = 0; i < n; i++)
        if (sizes[i] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: trying to create tensor with negative dimension %" PRId64, op,
                           sizes[i]);
    Tensor *r = fill ? tensor_new_uninit(ctx, dt, sizes, n) : tensor_empty(ctx, dt, sizes, n);
    if (!r) return ctx->status;
    if (fill) kref_fill(r, v);
    return op_return(out, r);
}

/* zeros(size, *, dtype, layout, device, pin_memory) */
OPFN(top_zeros) {
    DType dt;
    TS_TRY(opt_dtype(ctx, "zeros", in, nin, 1, DT_FLOAT32, &dt));
    TS_TRY(check_device(ctx, "zeros", in, nin, 3));
    return filled(ctx, "zeros", in[0], dt, false, kscalar_i(0), out);
}

OPFN(top_ones) {
    DType dt;
    TS_TRY(opt_dtype(ctx, "ones", in, nin, 1, DT_FLOAT32, &dt));
    TS_TRY(check_device(ctx, "ones", in, nin, 3));
    return filled(ctx, "ones", in[0], dt, true, kscalar_i(1), out);
}

/* full(size, fill_value, *, dtype, ...): dtype None takes the fill value's kind. */
OPFN(top_full) {
    IValue v = in[1];
    DType def = v.kind == IV_DOUBLE ? DT_FLOAT32 : v.kind == IV_BOOL ? DT_BOOL : DT_INT64;
    DType dt;
    TS_TRY(opt_dtype(ctx, "full", in, nin, 2, def, &dt));
    TS_TRY(check_device(ctx, "full", in, nin, 4));
    return filled(ctx, "full", in[0], dt, true, op_kscalar(v), out);
}

static ts_status like(Ctx *ctx, const char *op, IValue *in, int nin, KScalar v, IValue *out) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    DType dt;
    TS_TRY(opt_dtype(ctx, op, in, nin, 1, t->dtype, &dt));
    TS_TRY(check_device(ctx, op, in, nin, 3));
    Tensor *r = v.i != 0 ? tensor_new_uninit(ctx, dt, t->sizes, t->ndim)
                         : tensor_empty(ctx, dt, t->sizes, t->ndim);
    if (!r) return ctx->status;
    if (v.i != 0) kref_fill(r, v);
    return op_return(out, r);
}

OPFN(top_zeros_like) { return like(ctx, "zeros_like", in, nin, kscalar_i(0), out); }
OPFN(top_ones_like) { return like(ctx, "ones_like", in, nin, kscalar_i(1), out); }

/* ---- copies and conversions ---- */

OPFN(top_clone) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "clone", in, nin, 0, &t));
    Tensor *r = tensor_to_dtype(ctx, t, t->dtype);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* t as dtype dt: t itself unless the dtype changes or copy is set. */
static ts_status to_dtype(Ctx *ctx, Tensor *t, DType dt, bool copy, IValue *out) {
    if (t->dtype == dt && !copy) return op_return(out, tensor_retain(t));
    Tensor *r = tensor_to_dtype(ctx, t, dt);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* to.dtype(self, dtype, non_blocking, copy, memory_format) */
OPFN(top_to_dtype) {
    Tensor *t;
    DType dt;
    TS_TRY(op_tensor(ctx, "to", in, nin, 0, &t));
    TS_TRY(op_dtype(ctx, "to", in[1], &dt));
    return to_dtype(ctx, t, dt, nin > 3 && op_bool(in[3]), out);
}

/* to.other(self, other, non_blocking, copy, memory_format) */
OPFN(top_to_other) {
    Tensor *t, *o;
    TS_TRY(op_tensor(ctx, "to", in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, "to", in, nin, 1, &o));
    return to_dtype(ctx, t, o->dtype, nin > 3 && op_bool(in[3]), out);
}

/* to.device(self, device, dtype, non_blocking, copy, memory_format) */
OPFN(top_to_device) {
    Tensor *t;
    DType dt;
    TS_TRY(op_tensor(ctx, "to", in, nin, 0, &t));
    TS_TRY(check_device(ctx, "to", in, nin, 1));
    TS_TRY(op_dtype(ctx, "to", in[2], &dt));
    return to_dtype(ctx, t, dt, nin > 4 && op_bool(in[4]), out);
}

/* to.prim_dtype(self, int? dtype, non_blocking, copy) */
OPFN(top_to_prim_dtype) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "to", in, nin, 0, &t));
    DType dt;
    TS_TRY(opt_dtype(ctx, "to", in, nin, 1, t->dtype, &dt));
    return to_dtype(ctx, t, dt, nin > 3 && op_bool(in[3]), out);
}

/* to.dtype_layout(self, *, dtype, layout, device, pin_memory, non_blocking, copy, memory_format) */
OPFN(top_to_dtype_layout) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "to", in, nin, 0, &t));
    DType dt;
    TS_TRY(opt_dtype(ctx, "to", in, nin, 1, t->dtype, &dt));
    TS_TRY(check_device(ctx, "to", in, nin, 3));
    return to_dtype(ctx, t, dt, nin > 6 && op_bool(in[6]), out);
}

/* to.prim_Device(self, Device? device, int? dtype, non_blocking, copy) */
OPFN(top_to_prim_device) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "to", in, nin, 0, &t));
    TS_TRY(check_device(ctx, "to", in, nin, 1));
    DType dt;
    TS_TRY(opt_dtype(ctx, "to", in, nin, 2, t->dtype, &dt));
    return to_dtype(ctx, t, dt, nin > 4 && op_bool(in[4]), out);
}

/* to.prim_other(self, non_blocking, copy): only copy matters on the CPU */
OPFN(top_to_prim_other) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "to", in, nin, 0, &t));
    return to_dtype(ctx, t, t->dtype, nin > 2 && op_bool(in[2]), out);
}

/* cuda(self), cpu(self): tscript has only the CPU, where every tensor already is. */
OPFN(top_to_cpu) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "cpu", in, nin, 0, &t));
    return to_dtype(ctx, t, t->dtype, false, out);
}

OPFN(top_type_as) {
    Tensor *t, *o;
    TS_TRY(op_tensor(ctx, "type_as", in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, "type_as", in, nin, 1, &o));
    return to_dtype(ctx, t, o->dtype, false, out);
}

/* ---- reductions ---- */

/* Sum (or mean) of t over the dims in mask, into a tensor of dtype dt. */
static ts_status reduce_sum(Ctx *ctx, Tensor *t, const bool *mask, bool keepdim, DType dt,
                            bool mean, Tensor **out) {
    int64_t ksz[TS_MAX_DIMS], osz[TS_MAX_DIMS];
    int on = 0;
    int64_t count = 1;
    for (int d = 0; d < t->ndim; d++) {
        ksz[d] = mask[d] ? 1 : t->sizes[d];
        if (mask[d]) count *= t->sizes[d];
        if (!mask[d] || keepdim) osz[on++] = ksz[d];
    }
    DType acc_dt = dtype_is_float(t->dtype) || dtype_is_float(dt) ? DT_FLOAT64 : DT_INT64;
    Tensor *acc = tensor_empty(ctx, acc_dt, ksz, t->ndim);
    if (!acc) return ctx->status;
    Tensor accv = *acc; /* acc viewed with t's sizes, stride 0 on reduced dims */
    for (int d = 0; d < t->ndim; d++) {
        accv.sizes[d] = t->sizes[d];
        if (mask[d]) accv.strides[d] = 0;
    }
    kref_sum_into(&accv, t);
    Tensor *r = tensor_new_uninit(ctx, dt, osz, on);
    Tensor *cnt = r && mean ? tensor_scalar_i64(ctx, dt, count) : NULL;
    if (!r || (mean && !cnt)) {
        tensor_release(acc);
        tensor_release(r);
        return ctx->status;
    }
    Tensor rv = *r; /* r viewed with acc's (keepdim) sizes */
    rv.ndim = t->ndim;
    memcpy(rv.sizes, ksz, sizeof ksz);
    tensor_contiguous_strides(ksz, t->ndim, rv.strides);
    tensor_copy_into(&rv, acc);
    tensor_release(acc);
    if (mean) {
        /* PyTorch's mean is sum(...).div_(count): round the sum, then divide */
        Tensor cv = *cnt;
        cv.ndim = r->ndim;
        memcpy(cv.sizes, r->sizes, sizeof cv.sizes);
        memset(cv.strides, 0, sizeof cv.strides);
        kref_binary(BINARY_DIV, r, r, &cv, kscalar_i(1));
        tensor_release(cnt);
    }
    *out = r;
    return TS_OK;
}

/* The dims of a `int[1]? dim` argument as a mask (None or [] = all dims). */
static ts_status dim_mask(Ctx *ctx, const char *op, IValue v, const Tensor *t, bool *mask) {
    for (int d = 0; d < TS_MAX_DIMS; d++) mask[d] = false;
    int64_t dims[TS_MAX_DIMS];
    int n = 0;
    if (v.kind != IV_NONE) TS_TRY(op_int_list(ctx, op, v, dims, &n));
    if (n == 0) {
        for (int d = 0; d < t->ndim; d++) mask[d] = true;
        return TS_OK;
    }
    for (int i = 0; i < n; i++) {
        int d;
        TS_TRY(op_wrap_dim(ctx, op, dims[i], t->ndim, &d));
        if (mask[d]) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dim %d appears multiple times in the list of dims", op, d);
        if (t->ndim > 0) mask[d] = true;
    }
    return TS_OK;
}

static DType sum_dtype(const Tensor *t) { return dtype_is_float(t->dtype) ? t->dtype : DT_INT64; }

OPFN(top_sum) {
    Tensor *t, *r;
    TS_TRY(op_tensor(ctx, "sum", in, nin, 0, &t));
    DType dt;
    TS_TRY(opt_dtype(ctx, "sum", in, nin, 1, sum_dtype(t), &dt));
    bool mask[TS_MAX_DIMS];
    TS_TRY(dim_mask(ctx, "sum", iv_none(), t, mask));
    TS_TRY(reduce_sum(ctx, t, mask, false, dt, false, &r));
    return op_return(out, r);
}

/* sum.dim_IntList(self, dim, keepdim, *, dtype) */
OPFN(top_sum_dim_IntList) {
    Tensor *t, *r;
    TS_TRY(op_tensor(ctx, "sum", in, nin, 0, &t));
    DType dt;
    TS_TRY(opt_dtype(ctx, "sum", in, nin, 3, sum_dtype(t), &dt));
    bool mask[TS_MAX_DIMS];
    TS_TRY(dim_mask(ctx, "sum", in[1], t, mask));
    TS_TRY(reduce_sum(ctx, t, mask, op_bool(in[2]), dt, false, &r));
    return op_return(out, r);
}

static ts_status mean_dtype(Ctx *ctx, const IValue *in, int nin, int i, const Tensor *t, DType *dt) {
    TS_TRY(opt_dtype(ctx, "mean", in, nin, i, t->dtype, dt));
    if (!dtype_is_float(*dt))
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "mean: mean(): could not infer output dtype. Input dtype must be either a floating point or "
                       "complex dtype. Got: %s",
                       dtype_storage_name(*dt));
    return TS_OK;
}

OPFN(top_mean) {
    Tensor *t, *r;
    TS_TRY(op_tensor(ctx, "mean", in, nin, 0, &t));
    DType dt;
    TS_TRY(mean_dtype(ctx, in, nin, 1, t, &dt));
    bool mask[TS_MAX_DIMS];
    TS_TRY(dim_mask(ctx, "mean", iv_none(), t, mask));
    TS_TRY(reduce_sum(ctx, t, mask, false, dt, true, &r));
    return op_return(out, r);
}

OPFN(top_mean_dim) {
    Tensor *t, *r;
    TS_TRY(op_tensor(ctx, "mean", in, nin, 0, &t));
    DType dt;
    TS_TRY(mean_dtype(ctx, in, nin, 3, t, &dt));
    bool mask[TS_MAX_DIMS];
    TS_TRY(dim_mask(ctx, "mean", in[1], t, mask));
    TS_TRY(reduce_sum(ctx, t, mask, op_bool(in[2]), dt, true, &r));
    return op_return(out, r);
}
