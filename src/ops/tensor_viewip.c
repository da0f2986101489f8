/*
 * tensor_viewip.c - in-place view ops and raw strided views: squeeze_,
 * unsqueeze_, transpose_, swapdims_ (ops/view_inplace.def: each runs its
 * view op and takes the view's sizes and strides into self, so every holder
 * of self sees the new shape, as PyTorch's in-place view ops change the
 * tensor's own metadata), as_strided, as_strided_, as_strided_scatter and
 * new_empty_strided.
 *
 * Strides and offsets of as_strided come from the program: tensor_view
 * re-checks that every element they address lies in the storage, and the
 * messages are PyTorch's (negative strides, length mismatch, out of bounds).
 */
#include <inttypes.h>

#include "ops/tensor_ops.h"

/* self takes v's view (same storage): sizes, strides, offset. */
static void adopt_view(Tensor *self, const Tensor *v) {
    self->ndim = v->ndim;
    self->storage_offset = v->storage_offset;
    memcpy(self->sizes, v->sizes, sizeof self->sizes);
    memcpy(self->strides, v->strides, sizeof self->strides);
}

static ts_status view_inplace(Ctx *ctx, const char *op, OpFn view, IValue *in, int nin, IValue *out,
                              const OpInfo *info) {
    Tensor *self;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    IValue r;
    TS_TRY(view(ctx, in, nin, &r, info));
    if (r.kind != IV_TENSOR || r.u.t->storage != self->storage) {
        iv_release(r);
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: the view op did not return a view of self", op);
    }
    adopt_view(self, r.u.t);
    iv_release(r);
    return op_return(out, tensor_retain(self));
}

#define VIP(schema, fn, view) \
    OPFN(fn) { return view_inplace(ctx, &(#fn)[7], view, in, nin, out, info); }
#include "ops/view_inplace.def"
#undef VIP

/* size and stride lists of an as_strided-style call (in[a], in[a + 1]). */
static ts_status strided_args(Ctx *ctx, const char *op, IValue *in, int a, int64_t *sz, int64_t *st, int *nd) {
    int n1 = 0, n2 = 0;
    TS_TRY(op_int_list(ctx, op, in[a], sz, &n1));
    TS_TRY(op_int_list(ctx, op, in[a + 1], st, &n2));
    if (n1 != n2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: mismatch in length of strides and shape", op);
    for (int d = 0; d < n1; d++) {
        if (st[d] < 0) {
            ShapeText b;
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: Negative strides are not supported at the moment, got strides: %s", op,
                           op_sizes(&b, st, n1));
        }
        if (sz[d] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Trying to create tensor with negative dimension %" PRId64,
                           op, sz[d]);
    }
    *nd = n1;
    return TS_OK;
}

/* The view of t's storage at (offset, sz, st), or NULL with PyTorch's
 * out-of-bounds message. */
static Tensor *strided_view(Ctx *ctx, const char *op, Tensor *t, int64_t offset, const int64_t *sz,
                            const int64_t *st, int nd) {
    if (offset < 0) {
        ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Tensor: invalid storage offset %" PRId64, op, offset);
        return NULL;
    }
    /* the last element addressed, overflow-checked (sizes and strides are >= 0 here) */
    bool empty = false, over = false;
    int64_t last = offset;
    for (int d = 0; d < nd; d++) {
        int64_t step;
        if (sz[d] == 0) empty = true;
        else if (__builtin_mul_overflow(sz[d] - 1, st[d], &step) || __builtin_add_overflow(last, step, &last)) over = true;
    }
    int64_t cap = (int64_t)(t->storage->nbytes / dtype_size(t->dtype));
    if (!empty && (over || last >= cap)) {
        ShapeText a, b;
        ts_fail(ctx, TS_ERR_SHAPE, NULL,
                "%s: setStorage: sizes %s, strides %s, storage offset %" PRId64
                " are out of bounds for storage of size %zu",
                op, op_sizes(&a, sz, nd), op_sizes(&b, st, nd), offset, t->storage->nbytes);
        return NULL;
    }
    return tensor_view(ctx, t->storage, t->dtype, offset, sz, st, nd);
}

static ts_status as_strided_of(Ctx *ctx, const char *op, IValue *in, int nin, Tensor **res) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int nd;
    TS_TRY(strided_args(ctx, op, in, 1, sz, st, &nd));
    int64_t off = in[3].kind == IV_NONE ? t->storage_offset : op_int(in[3]);
    *res = strided_view(ctx, op, t, off, sz, st, nd);
    return *res ? TS_OK : ctx->status;
}

OPFN(top_as_strided) {
    Tensor *v;
    TS_TRY(as_strided_of(ctx, "as_strided", in, nin, &v));
    return op_return(out, v);
}

OPFN(top_as_strided_) {
    Tensor *v, *self;
    TS_TRY(op_tensor(ctx, "as_strided_", in, nin, 0, &self));
    TS_TRY(as_strided_of(ctx, "as_strided_", in, nin, &v));
    adopt_view(self, v);
    tensor_release(v);
    return op_return(out, tensor_retain(self));
}

/* PyTorch's clone keeps the strides of a non-overlapping, dense tensor
 * (a permutation of contiguous strides); anything else becomes contiguous. */
static Tensor *clone_preserve(Ctx *ctx, Tensor *t) {
    int nd = t->ndim, perm[TS_MAX_DIMS];
    for (int i = 0; i < nd; i++) perm[i] = i;
    /* dims by decreasing stride (insertion sort; size-1 dims keep their place) */
    for (int i = 1; i < nd; i++)
        for (int j = i; j > 0 && t->strides[perm[j]] > t->strides[perm[j - 1]]; j--) {
            int x = perm[j];
            perm[j] = perm[j - 1], perm[j - 1] = x;
        }
    int64_t expect = 1, st[TS_MAX_DIMS];
    bool dense = true;
    for (int i = nd - 1; i >= 0; i--) {
        int d = perm[i];
        if (t->sizes[d] != 1 && t->strides[d] != expect) dense = false;
        st[d] = expect;
        expect *= t->sizes[d];
    }
    Tensor *c = tensor_empty(ctx, t->dtype, t->sizes, nd);
    if (!c || !dense || tensor_numel(t) == 0) {
        if (c) tensor_copy_into(c, t);
        return c;
    }
    memcpy(c->strides, st, sizeof(int64_t) * (size_t)nd);
    tensor_copy_into(c, t);
    return c;
}

/* as_strided_scatter(self, src, size, stride, offset): a clone of self with
 * src written through the strided view of the clone's storage. */
OPFN(top_as_strided_scatter) {
    const char *op = "as_strided_scatter";
    Tensor *t, *src;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &src));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int nd;
    TS_TRY(strided_args(ctx, op, in, 2, sz, st, &nd));
    Tensor *c = clone_preserve(ctx, t);
    if (!c) return ctx->status;
    int64_t off = in[4].kind == IV_NONE ? c->storage_offset : op_int(in[4]);
    Tensor *v = strided_view(ctx, op, c, off, sz, st, nd);
    if (!v) {
        tensor_release(c);
        return ctx->status;
    }
    ts_status rc = TS_OK;
    if (v->ndim != src->ndim || memcmp(v->sizes, src->sizes, sizeof(int64_t) * (size_t)nd)) {
        ShapeText a, b;
        rc = ts_fail(ctx, TS_ERR_SHAPE, NULL,
                     "%s: expected src to have a size equal to the slice of self. src size = %s, slice size = %s",
                     op, op_shape(&a, src), op_shape(&b, v));
    } else if (src->dtype != t->dtype) {
        rc = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected src of dtype %s, got %s", op, dtype_name(t->dtype),
                     dtype_name(src->dtype));
    } else {
        Tensor *s = tensor_contiguous(ctx, src); /* a copy: src may share the clone's storage never, but stay safe */
        if (!s) rc = ctx->status;
        else {
            tensor_copy_into(v, s);
            tensor_release(s);
        }
    }
    tensor_release(v);
    if (rc != TS_OK) {
        tensor_release(c);
        return rc;
    }
    return op_return(out, c);
}

/* new_empty_strided(self, size, stride, dtype...): a zeroed tensor with those
 * strides over a storage just large enough (the contents are unspecified). */
OPFN(top_new_empty_strided) {
    const char *op = "new_empty_strided";
    Tensor *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int nd;
    TS_TRY(strided_args(ctx, op, in, 1, sz, st, &nd));
    DType dt = t->dtype;
    if (in[3].kind != IV_NONE) TS_TRY(op_dtype(ctx, op, in[3], &dt));
    int64_t span = 1;
    bool empty = false;
    for (int d = 0; d < nd; d++) {
        if (sz[d] == 0) empty = true;
        int64_t step;
        if (__builtin_mul_overflow(sz[d] - (sz[d] > 0), st[d], &step) || __builtin_add_overflow(span, step, &span))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Storage size calculation overflowed with sizes=%s", op,
                           "(too large)");
    }
    if (empty) span = 0;
    int64_t n1 = span;
    Tensor *base = tensor_empty(ctx, dt, &n1, 1);
    if (!base) return ctx->status;
    Tensor *v = tensor_view(ctx, base->storage, dt, 0, sz, st, nd);
    tensor_release(base);
    if (!v) return ctx->status;
    return op_return(out, v);
}

/* is_contiguous(self): the row-major stride rule (size-1 dims ignored). */
OPFN(top_is_contiguous) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "is_contiguous", in, nin, 0, &t));
    out[0] = iv_bool(tensor_is_contiguous(t));
    return TS_OK;
}
