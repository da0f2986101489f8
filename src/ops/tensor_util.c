/*
 * tensor_util.c - helpers shared by the ATen tensor ops: argument access,
 * dim wrapping, PyTorch's result_type and the elementwise drivers that turn
 * (tensor | scalar) operands into broadcast views in one compute dtype and
 * call a kernel.
 *
 * Type promotion follows c10/ATen exactly: operands are ranked as dimensioned
 * tensors > zero-dim tensors > wrapped numbers (Scalars), and a lower rank
 * only changes the result when it is of a higher category (bool < integer <
 * floating). A float Scalar counts as the default dtype (float32).
 */
#include <inttypes.h>
#include <stdio.h>

#include "ops/tensor_ops.h"

/* ---- arguments ---- */

ts_status op_tensor(Ctx *ctx, const char *op, const IValue *in, int nin, int i, Tensor **out) {
    if (i >= nin || in[i].kind != IV_TENSOR)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: argument %d must be a Tensor, not %s", op, i,
                       i < nin ? iv_kind_name(in[i]) : "missing");
    *out = in[i].u.t;
    return TS_OK;
}

ts_status op_opt_tensor(Ctx *ctx, const char *op, const IValue *in, int nin, int i, Tensor **out) {
    if (i < nin && in[i].kind == IV_NONE) {
        *out = NULL;
        return TS_OK;
    }
    return op_tensor(ctx, op, in, nin, i, out);
}

ts_status op_int_list(Ctx *ctx, const char *op, IValue v, int64_t *out, int *n) {
    if (v.kind == IV_INT || v.kind == IV_BOOL) {
        out[0] = iv_scalar_i64(v);
        *n = 1;
        return TS_OK;
    }
    if (v.kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of ints, got %s", op, iv_kind_name(v));
    ListObj *l = v.u.l;
    if (l->len > TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: %" PRId64 " sizes given; at most %d dimensions are supported",
                       op, l->len, (int)TS_MAX_DIMS);
    for (int64_t i = 0; i < l->len; i++) {
        IValue e = l->items[i];
        if (e.kind != IV_INT && e.kind != IV_BOOL)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of ints, found %s", op, iv_kind_name(e));
        out[i] = iv_scalar_i64(e);
    }
    *n = (int)l->len;
    return TS_OK;
}

ts_status op_dtype(Ctx *ctx, const char *op, IValue v, DType *out) {
    if (v.kind != IV_INT) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a dtype, got %s", op, iv_kind_name(v));
    if (!dtype_valid((int)v.u.i) || v.u.i != (int)v.u.i)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: dtype code %" PRId64 " is not supported", op, v.u.i);
    *out = (DType)v.u.i;
    return TS_OK;
}

ts_status op_wrap_dim(Ctx *ctx, const char *op, int64_t dim, int ndim, int *out) {
    int n = ndim > 0 ? ndim : 1;
    if (dim < -n || dim >= n)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "%s: dimension out of range (expected to be in range of [%d, %d], but got %" PRId64 ")",
                       op, -n, n - 1, dim);
    *out = (int)(dim < 0 ? dim + n : dim);
    return TS_OK;
}

const char *op_sizes(ShapeText *buf, const int64_t *sizes, int ndim) {
    size_t k = 0;
    buf->s[k++] = '[';
    for (int d = 0; d < ndim; d++)
        k += (size_t)snprintf(buf->s + k, sizeof buf->s - k, d ? ", %" PRId64 : "%" PRId64, sizes[d]);
    snprintf(buf->s + k, sizeof buf->s - k, "]");
    return buf->s;
}

const char *op_shape(ShapeText *buf, const Tensor *t) { return op_sizes(buf, t->sizes, t->ndim); }

/* ---- result type ---- */

void rt_init(ResultType *rt) { rt->dim = rt->zero = rt->wrapped = -1; }

static int promote_skip(int a, int b) {
    if (a < 0) return b;
    if (b < 0) return a;
    return (int)dtype_promote((DType)a, (DType)b);
}

void rt_tensor(ResultType *rt, const Tensor *t) {
    if (t->wrapped_number && t->ndim == 0)
        rt->wrapped = promote_skip(rt->wrapped, dtype_is_float(t->dtype) ? DT_FLOAT32 : t->dtype);
    else if (t->ndim > 0) rt->dim = promote_skip(rt->dim, t->dtype);
    else rt->zero = promote_skip(rt->zero, t->dtype);
}

void rt_scalar(ResultType *rt, IValue s) {
    DType d = s.kind == IV_DOUBLE ? DT_FLOAT32 : s.kind == IV_BOOL ? DT_BOOL : DT_INT64;
    rt->wrapped = promote_skip(rt->wrapped, d);
}

static bool is_float(int d) { return d >= 0 && dtype_is_float((DType)d); }

static int combine(int higher, int lower) {
    if (is_float(higher)) return higher;
    if (higher == DT_BOOL || is_float(lower)) return promote_skip(higher, lower);
    if (higher >= 0) return higher;
    return lower;
}

DType rt_result(const ResultType *rt) {
    int r = combine(rt->dim, combine(rt->zero, rt->wrapped));
    return r < 0 ? DT_FLOAT32 : (DType)r;
}

bool op_can_cast(DType from, DType to) {
    if (dtype_is_float(from) && !dtype_is_float(to)) return false;
    if (from != DT_BOOL && to == DT_BOOL) return false;
    return true;
}

KScalar op_kscalar(IValue s) {
    if (s.kind == IV_DOUBLE) return kscalar_f(s.u.d);
    return kscalar_i(iv_scalar_i64(s));
}

Tensor *op_as_dtype(Ctx *ctx, Tensor *t, DType dt) {
    if (t->dtype == dt) return tensor_retain(t);
    return tensor_to_dtype(ctx, t, dt);
}

ts_status op_broadcast_as(Ctx *ctx, const char *op, Tensor *const *t, int n, DType ct, Tensor **d,
                          int64_t *sz, int *nd) {
    for (int i = 0; i < n; i++) d[i] = NULL;
    *nd = t[0]->ndim;
    memcpy(sz, t[0]->sizes, sizeof(int64_t) * (size_t)*nd);
    for (int i = 1; i < n; i++) {
        if (!t[i]) continue;
        int64_t prev[TS_MAX_DIMS];
        memcpy(prev, sz, sizeof(int64_t) * (size_t)*nd);
        TS_TRY(tensor_broadcast_shapes(ctx, op, prev, *nd, t[i]->sizes, t[i]->ndim, sz, nd));
    }
    for (int i = 0; i < n; i++) {
        if (!t[i]) continue;
        Tensor *e = tensor_expand(ctx, t[i], sz, *nd);
        d[i] = e ? tensor_to_dtype(ctx, e, ct) : NULL;
        tensor_release(e);
        if (!d[i]) {
            for (int j = 0; j < n; j++) tensor_release(d[j]), d[j] = NULL;
            return ctx->status;
        }
    }
    return TS_OK;
}

/* ---- elementwise drivers ---- */

/* Does b's memory overlap a's in a way an elementwise op cannot handle
 * (shared storage without being the very same view)? */
static bool bad_overlap(const Tensor *self, const Tensor *other) {
    if (self->storage != other->storage) return false;
    if (self->ndim == other->ndim && self->storage_offset == other->storage_offset &&
        self->dtype == other->dtype &&
        memcmp(self->sizes, other->sizes, sizeof(int64_t) * (size_t)self->ndim) == 0 &&
        memcmp(self->strides, other->strides, sizeof(int64_t) * (size_t)self->ndim) == 0)
        return false;
    return true;
}

/* The operand converted to dt and expanded to sizes: a new reference. */
static Tensor *operand_view(Ctx *ctx, Operand o, DType dt, const int64_t *sizes, int ndim) {
    Tensor *base;
    if (o.t) base = op_as_dtype(ctx, o.t, dt);
    else if (o.s.kind == IV_DOUBLE) base = tensor_scalar_f64(ctx, dt, o.s.u.d);
    else base = tensor_scalar_i64(ctx, dt, iv_scalar_i64(o.s));
    if (!base) return NULL;
    bool same = base->ndim == ndim && memcmp(base->sizes, sizes, sizeof(int64_t) * (size_t)ndim) == 0;
    if (same) return base;
    Tensor *v = tensor_expand(ctx, base, sizes, ndim);
    tensor_release(base);
    return v;
}

static const char *dname(DType d) { return dtype_name(d); }

static bool is_number(IValue v) { return v.kind == IV_INT || v.kind == IV_DOUBLE || v.kind == IV_BOOL; }

ts_status op_binary(Ctx *ctx, const char *op, BinaryOp bop, Operand a, Operand b, KScalar alpha,
                    int compute, Tensor *self, Tensor **out) {
    if ((!a.t && !is_number(a.s)) || (!b.t && !is_number(b.s)))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a Tensor or a number, got %s", op,
                       iv_kind_name(!a.t && !is_number(a.s) ? a.s : b.s));
    ResultType rt;
    rt_init(&rt);
    if (a.t) rt_tensor(&rt, a.t);
    else rt_scalar(&rt, a.s);
    if (b.t) rt_tensor(&rt, b.t);
    else rt_scalar(&rt, b.s);
    DType result = rt_result(&rt);
    DType ct = compute >= 0 ? (DType)compute : result;
    if (bop == BINARY_DIV && !dtype_is_float(ct)) ct = result = DT_FLOAT32;
    if (ct == DT_BOOL && bop == BINARY_SUB)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "%s: subtraction, the `-` operator, with two bool tensors is not supported; use "
                       "the `^` or logical_xor() operator instead",
                       op);
    DType out_dt = binary_op_is_bool(bop) ? DT_BOOL : result;

    int64_t sizes[TS_MAX_DIMS];
    int ndim;
    const int64_t *as = a.t ? a.t->sizes : NULL, *bs = b.t ? b.t->sizes : NULL;
    TS_TRY(tensor_broadcast_shapes(ctx, op, as, a.t ? a.t->ndim : 0, bs, b.t ? b.t->ndim : 0, sizes, &ndim));
    if (self) {
        ShapeText s1, s2;
        if (ndim != self->ndim || memcmp(sizes, self->sizes, sizeof(int64_t) * (size_t)ndim) != 0)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: output with shape %s doesn't match the broadcast shape %s",
                           op, op_shape(&s1, self), op_sizes(&s2, sizes, ndim));
        if (!op_can_cast(out_dt, self->dtype))
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: result type %s can't be cast to the desired output type %s",
                           op, dname(out_dt), dname(self->dtype));
    }

    ts_status st = TS_OK;
    Tensor *va = NULL, *vb = NULL, *res = NULL;
    va = operand_view(ctx, a, ct, sizes, ndim);
    if (!va) goto fail;
    vb = operand_view(ctx, b, ct, sizes, ndim);
    if (!vb) goto fail;
    if ((bop == BINARY_DIV_TRUNC || bop == BINARY_DIV_FLOOR || bop == BINARY_REM) && !dtype_is_float(ct)) {
        int64_t n = tensor_numel(vb);
        for (int64_t i = 0; i < n; i++)
            if (tensor_get_i64(vb, i) == 0) {
                st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: ZeroDivisionError (integer division by zero)", op);
                goto fail;
            }
    }
    /* a negative Scalar exponent of an integer raises (PyTorch); a tensor
     * exponent computes ATen's powi (1, -1 and otherwise 0) in the kernel */
    if (bop == BINARY_POW && !dtype_is_float(ct) && !b.t) {
        int64_t n = tensor_numel(vb);
        for (int64_t i = 0; i < n; i++)
            if (tensor_get_i64(vb, i) < 0) {
                st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: integers to negative integer powers are not allowed", op);
                goto fail;
            }
    }
    DType kdt = binary_op_is_bool(bop) ? DT_BOOL : ct; /* what the kernel writes */
    if (self && self->dtype == kdt && !bad_overlap(self, vb) && !bad_overlap(self, va)) {
        kref_binary(bop, self, va, vb, alpha);
        res = tensor_retain(self);
    } else {
        res = tensor_new_uninit(ctx, kdt, sizes, ndim);
        if (!res) goto fail;
        kref_binary(bop, res, va, vb, alpha);
        if (kdt != out_dt) {
            Tensor *r2 = tensor_to_dtype(ctx, res, out_dt);
            tensor_release(res);
            res = r2;
            if (!res) goto fail;
        }
        if (self) {
            tensor_copy_into(self, res);
            tensor_release(res);
            res = tensor_retain(self);
        }
    }
    tensor_release(va);
    tensor_release(vb);
    *out = res;
    return TS_OK;
fail:
    tensor_release(va);
    tensor_release(vb);
    return st != TS_OK ? st : ctx->status;
}

ts_status op_unary(Ctx *ctx, const char *op, UnaryOp uop, Tensor *a, double p1, double p2,
                   bool promote_int, Tensor *self, Tensor **out) {
    DType ct = a->dtype;
    if (!unary_op_int_ok(uop) && !dtype_is_float(ct)) {
        if (!promote_int)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating point tensor, got %s", op, dname(ct));
        ct = DT_FLOAT32;
    }
    if (ct == DT_BOOL && uop == UNARY_NEG)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "%s: negation, the `-` operator, on a bool tensor is not supported; use the `~` or "
                       "logical_not() operator instead",
                       op);
    if (self && !op_can_cast(ct, self->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: result type %s can't be cast to the desired output type %s", op,
                       dname(ct), dname(self->dtype));
    Tensor *src = op_as_dtype(ctx, a, ct);
    if (!src) return ctx->status;
    Tensor *res;
    if (self && self->dtype == ct && (src == self || !bad_overlap(self, src))) {
        kref_unary(uop, self, src, p1, p2);
        res = tensor_retain(self);
    } else {
        res = tensor_new_uninit(ctx, ct, a->sizes, a->ndim);
        if (!res) {
            tensor_release(src);
            return ctx->status;
        }
        kref_unary(uop, res, src, p1, p2);
        if (self) {
            tensor_copy_into(self, res);
            tensor_release(res);
            res = tensor_retain(self);
        }
    }
    tensor_release(src);
    *out = res;
    return TS_OK;
}

Tensor *op_cast_steal(Ctx *ctx, Tensor *r, DType dt) {
    if (!r || r->dtype == dt) return r;
    Tensor *c = tensor_to_dtype(ctx, r, dt);
    tensor_release(r);
    return c;
}
