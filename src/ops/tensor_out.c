/*
 * tensor_out.c - the `out=` forms of functional ops (ops/out.def): add.out,
 * cat.out, gather.out, ... Each runs the functional op, then writes its
 * result into `out` as PyTorch's out= variants do: the dtype rule of the
 * row (castable, or equal), out resized to the result's shape when it
 * differs (out itself changes, so every holder of it sees the new shape;
 * its storage is reused when large enough, else replaced), the values
 * copied through out's strides (an out that is a view updates its base),
 * and out returned.
 */
#include "ops/tensor_ops.h"

/* Row rules: OUT_CAST the result must be castable to out's dtype (else
 * equal); OUT_ALIAS out may be exactly one of the inputs (elementwise ops,
 * TensorIterator's rule); without it any overlap with an input fails, and
 * a partial overlap always does (at::assert_no_overlap). */
enum { OUT_SAME = 0, OUT_CAST = 1, OUT_ALIAS = 2 };

/* The element range [lo, hi) of a non-overlapping, dense t in its storage
 * (false when t is not: PyTorch does not check those either). */
static bool dense_span(const Tensor *t, int64_t *lo, int64_t *hi) {
    int64_t n = tensor_numel(t), span = 1;
    if (n == 0) return false;
    for (int d = 0; d < t->ndim; d++)
        if (t->sizes[d] > 1) span += (t->sizes[d] - 1) * t->strides[d];
    if (span != n) return false;
    *lo = t->storage_offset, *hi = t->storage_offset + n;
    return true;
}

/* Fails when input t overlaps o as rule forbids. */
static ts_status check_overlap(Ctx *ctx, const char *op, int rule, const Tensor *o, const Tensor *t) {
    int64_t a0, a1, b0, b1;
    if (t->storage != o->storage || t->dtype != o->dtype || !dense_span(o, &a0, &a1) || !dense_span(t, &b0, &b1))
        return TS_OK;
    if (a1 <= b0 || b1 <= a0) return TS_OK;
    bool full = a0 == b0 && a1 == b1 && t->ndim == o->ndim &&
                !memcmp(t->sizes, o->sizes, sizeof(int64_t) * (size_t)t->ndim) &&
                !memcmp(t->strides, o->strides, sizeof(int64_t) * (size_t)t->ndim);
    if (full && (rule & OUT_ALIAS)) return TS_OK;
    return ts_fail(ctx, TS_ERR_VALUE, NULL,
                   "%s: unsupported operation: some elements of the input tensor and the written-to tensor refer "
                   "to a single memory location. Please clone() the tensor before performing the operation.", op);
}

static ts_status check_inputs(Ctx *ctx, const char *op, int rule, const Tensor *o, IValue *in, int n) {
    for (int d = 0; d < o->ndim; d++) /* at::assert_no_internal_overlap: an expanded out */
        if (o->sizes[d] > 1 && o->strides[d] == 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.", op);
    for (int i = 0; i < n; i++) {
        if (in[i].kind == IV_TENSOR) TS_TRY(check_overlap(ctx, op, rule, o, in[i].u.t));
        else if (in[i].kind == IV_LIST)
            for (int64_t k = 0; k < in[i].u.l->len; k++)
                if (in[i].u.l->items[k].kind == IV_TENSOR)
                    TS_TRY(check_overlap(ctx, op, rule, o, in[i].u.l->items[k].u.t));
    }
    return TS_OK;
}

/* out with sizes sz (contiguous strides), keeping its storage when it holds
 * enough bytes past out's offset. */
static ts_status resize_out(Ctx *ctx, Tensor *o, const int64_t *sz, int nd) {
    int64_t st[TS_MAX_DIMS];
    tensor_contiguous_strides(sz, nd, st);
    int64_t n = 1;
    for (int d = 0; d < nd; d++) n *= sz[d];
    size_t need = (size_t)(o->storage_offset + n) * dtype_size(o->dtype);
    if (need > o->storage->nbytes) {
        int64_t total = o->storage_offset + n;
        Tensor *fresh = tensor_empty(ctx, o->dtype, &total, 1);
        if (!fresh) return ctx->status;
        storage_release(o->storage);
        o->storage = storage_retain(fresh->storage);
        tensor_release(fresh);
    }
    o->ndim = nd;
    memcpy(o->sizes, sz, sizeof(int64_t) * (size_t)nd);
    memcpy(o->strides, st, sizeof(int64_t) * (size_t)nd);
    return TS_OK;
}

static ts_status out_form(Ctx *ctx, const char *op, OpFn functional, int rule, IValue *in, int nin, IValue *out,
                          const OpInfo *info) {
    Tensor *o;
    TS_TRY(op_tensor(ctx, op, in, nin, nin - 1, &o));
    TS_TRY(check_inputs(ctx, op, rule, o, in, nin - 1));
    IValue r;
    TS_TRY(functional(ctx, in, nin - 1, &r, info));
    if (r.kind != IV_TENSOR) {
        iv_release(r);
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: the functional form did not return a tensor", op);
    }
    Tensor *t = r.u.t;
    ts_status st = TS_OK;
    if (!(rule & OUT_CAST) && t->dtype != o->dtype)
        st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected out tensor to have dtype %s, but got %s instead", op,
                     dtype_name(t->dtype), dtype_name(o->dtype));
    else if ((rule & OUT_CAST) && !op_can_cast(t->dtype, o->dtype))
        st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: result type %s can't be cast to the desired output type %s", op,
                     dtype_name(t->dtype), dtype_name(o->dtype));
    else if (t->ndim != o->ndim || memcmp(t->sizes, o->sizes, sizeof(int64_t) * (size_t)t->ndim))
        st = resize_out(ctx, o, t->sizes, t->ndim);
    if (st == TS_OK && tensor_numel(t) > 0) {
        Tensor *c = tensor_to_dtype(ctx, t, o->dtype); /* a fresh copy: t may alias o */
        if (!c) st = ctx->status;
        else {
            tensor_copy_into(o, c);
            tensor_release(c);
        }
    }
    iv_release(r);
    if (st != TS_OK) return st;
    return op_return(out, tensor_retain(o));
}

#define OUTOP(schema, fn, functional, rule) \
    OPFN(fn) { return out_form(ctx, &(#fn)[8], functional, rule, in, nin, out, info); }
#include "ops/out.def"
#undef OUTOP

/* addbmm_(self, ...): addbmm.out(self, ..., out=self), so self is resized to
 * the [n, p] result (PyTorch's quirk) and may alias its own input. */
OPFN(top_ip_addbmm_resize) {
    if (nin != 5) return ts_fail(ctx, TS_ERR_ARG, NULL, "addbmm_: expected 5 arguments");
    IValue a[6] = {in[0], in[1], in[2], in[3], in[4], in[0]};
    return out_form(ctx, "addbmm_", top_addbmm_any, OUT_CAST | OUT_ALIAS, a, 6, out, info);
}
