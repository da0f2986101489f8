/*
 * tensor_misc4.c - composite ops that PyTorch itself writes in terms of
 * other ATen ops (ldexp, trapezoid, cumulative_trapezoid, ...): each calls
 * the same ops in the same order (ATen's composite implementation), so the
 * dtype rules and the rounding follow from theirs.
 */
#include "ops/tensor_ops.h"

/* Calls op fn on the n arguments, the single result into *r (owned). */
static ts_status call(Ctx *ctx, OpFn fn, IValue *args, int n, Tensor **r) {
    IValue o;
    TS_TRY(fn(ctx, args, n, &o, NULL));
    if (o.kind != IV_TENSOR) {
        iv_release(o);
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "internal: an op did not return a tensor");
    }
    *r = o.u.t;
    return TS_OK;
}

static IValue tv(Tensor *t) {
    IValue v;
    v.kind = IV_TENSOR;
    v.u.t = t;
    return v;
}

/* ldexp(self, other) = self * 2 ** other (ATen's composite). */
OPFN(top_ldexp) {
    Tensor *x, *e, *p = NULL, *r = NULL;
    TS_TRY(op_tensor(ctx, "ldexp", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "ldexp", in, nin, 1, &e));
    IValue a[2] = {iv_double(2.0), tv(e)};
    TS_TRY(call(ctx, top_pow_Scalar, a, 2, &p));
    IValue b[2] = {tv(x), tv(p)};
    ts_status st = call(ctx, top_mul_Tensor, b, 2, &r);
    tensor_release(p);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

/* ---- integer inputs of float-only kernels (int_via.def) ---- */

enum { VIA_BACK, VIA_BACK_ISCALAR, VIA_F32 };

static ts_status via_float(Ctx *ctx, OpFn fn, int mode, IValue *in, int nin, IValue *out, const OpInfo *info) {
    int idt = -1;
    for (int i = 0; i < nin; i++) {
        if (in[i].kind != IV_TENSOR) continue;
        DType d = in[i].u.t->dtype;
        if (!dtype_is_integral(d, false) || (idt >= 0 && (int)d != idt)) return fn(ctx, in, nin, out, info);
        idt = (int)d;
    }
    if (idt < 0) return fn(ctx, in, nin, out, info);
    DType ct = mode == VIA_F32 ? DT_FLOAT32 : DT_FLOAT64;
    IValue a[32];
    if (nin > 32) return fn(ctx, in, nin, out, info);
    ts_status st = TS_OK;
    for (int i = 0; i < nin; i++) {
        a[i] = in[i];
        if (mode == VIA_BACK_ISCALAR && in[i].kind == IV_DOUBLE) a[i] = iv_int((int64_t)in[i].u.d);
        if (in[i].kind == IV_TENSOR && st == TS_OK) {
            Tensor *c = tensor_to_dtype(ctx, in[i].u.t, ct);
            if (!c) st = ctx->status;
            a[i] = c ? tv(c) : iv_none();
        }
    }
    IValue r = iv_none();
    if (st == TS_OK) st = fn(ctx, a, nin, &r, info);
    for (int i = 0; i < nin; i++)
        if (in[i].kind == IV_TENSOR && a[i].kind == IV_TENSOR) tensor_release(a[i].u.t);
    if (st != TS_OK) return st;
    if (mode == VIA_F32 || r.kind != IV_TENSOR) {
        out[0] = r;
        return TS_OK;
    }
    Tensor *b = op_cast_steal(ctx, r.u.t, (DType)idt);
    return b ? op_return(out, b) : ctx->status;
}

#define VIA(wrapper, fn, mode) \
    OPFN(wrapper) { return via_float(ctx, fn, mode, in, nin, out, info); }
#include "ops/int_via.def"
#undef VIA

/* ---- small composition helpers (results owned; NULL on failure) ---- */

static IValue ints_of(const int64_t *v, int n) {
    ListObj *l = list_new(ty_int(), n);
    if (!l) return iv_none();
    for (int i = 0; i < n; i++) list_push_steal(l, iv_int(v[i]));
    return iv_list_steal(l);
}

static Tensor *c_slice(Ctx *ctx, Tensor *t, int dim, int64_t start, int64_t end, bool has_end) {
    Tensor *r = NULL;
    IValue a[5] = {tv(t), iv_int(dim), iv_int(start), has_end ? iv_int(end) : iv_none(), iv_int(1)};
    return call(ctx, top_slice_Tensor, a, 5, &r) == TS_OK ? r : NULL;
}

static Tensor *c_select(Ctx *ctx, Tensor *t, int dim, int64_t i) {
    Tensor *r = NULL;
    IValue a[3] = {tv(t), iv_int(dim), iv_int(i)};
    return call(ctx, top_select_int, a, 3, &r) == TS_OK ? r : NULL;
}

static Tensor *c_bin(Ctx *ctx, OpFn fn, Tensor *x, Tensor *y) {
    Tensor *r = NULL;
    IValue a[3] = {tv(x), tv(y), iv_int(1)};
    return call(ctx, fn, a, fn == top_mul_Tensor ? 2 : 3, &r) == TS_OK ? r : NULL;
}

static Tensor *c_scalar(Ctx *ctx, OpFn fn, Tensor *x, double s) {
    Tensor *r = NULL;
    IValue a[3] = {tv(x), iv_double(s), iv_int(1)};
    return call(ctx, fn, a, fn == top_add_Scalar || fn == top_sub_Scalar ? 3 : 2, &r) == TS_OK ? r : NULL;
}

static Tensor *c_dimop(Ctx *ctx, OpFn fn, Tensor *x, int dim) {
    Tensor *r = NULL;
    int64_t d = dim;
    IValue a[4] = {tv(x), fn == top_cumsum ? iv_int(dim) : ints_of(&d, 1), iv_bool(false), iv_none()};
    ts_status st = fn == top_cumsum ? (a[2] = iv_none(), call(ctx, fn, a, 3, &r))
                                    : call(ctx, fn, a, 4, &r);
    if (fn != top_cumsum) iv_release(a[1]);
    return st == TS_OK ? r : NULL;
}

static Tensor *c_view(Ctx *ctx, Tensor *x, const int64_t *sz, int n) {
    Tensor *r = NULL;
    IValue a[2] = {tv(x), ints_of(sz, n)};
    ts_status st = call(ctx, top_view, a, 2, &r);
    iv_release(a[1]);
    return st == TS_OK ? r : NULL;
}

/* Releases up to four tensors (NULLs allowed) and passes r through. */
static Tensor *rel(Tensor *r, Tensor *a, Tensor *b, Tensor *c) {
    tensor_release(a), tensor_release(b), tensor_release(c);
    return r;
}

/* ---- trapezoid, trapz, cumulative_trapezoid (ATen's Integration.cpp rules) ---- */

/* left + right along dim: y[..., :-1] + y[..., 1:] */
static Tensor *pair_sum(Ctx *ctx, Tensor *y, int dim) {
    Tensor *l = c_slice(ctx, y, dim, 0, -1, true), *r = l ? c_slice(ctx, y, dim, 1, 0, false) : NULL;
    Tensor *s = r ? c_bin(ctx, top_add_Tensor, l, r) : NULL;
    return rel(s, l, r, NULL);
}

/* dx from x: x viewed to y's rank (1-d: along dim; fewer dims: leading 1s), then differences along dim. */
static Tensor *spacing(Ctx *ctx, const char *op, Tensor *y, Tensor *x, int dim) {
    int64_t sz[TS_MAX_DIMS];
    Tensor *xv;
    if (x->ndim == 1) {
        if (x->sizes[0] != (y->ndim ? y->sizes[dim] : 1)) {
            ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: There must be one `x` value for each sample point", op);
            return NULL;
        }
        for (int d = 0; d < y->ndim; d++) sz[d] = d == dim ? x->sizes[0] : 1;
        xv = c_view(ctx, x, sz, y->ndim);
    } else if (x->ndim < y->ndim) {
        int pad = y->ndim - x->ndim;
        for (int d = 0; d < y->ndim; d++) sz[d] = d < pad ? 1 : x->sizes[d - pad];
        xv = c_view(ctx, x, sz, y->ndim);
    } else {
        xv = tensor_retain(x);
    }
    if (!xv) return NULL;
    Tensor *l = c_slice(ctx, xv, dim, 0, -1, true), *r = l ? c_slice(ctx, xv, dim, 1, 0, false) : NULL;
    Tensor *dx = r ? c_bin(ctx, top_sub_Tensor, r, l) : NULL;
    return rel(dx, l, r, xv);
}

/* (y, x or dx, dim): cumulative selects cumulative_trapezoid. */
static ts_status trapezoid(Ctx *ctx, const char *op, bool cumulative, IValue *in, int nin, IValue *out) {
    Tensor *y, *x = NULL;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &y));
    if (in[1].kind == IV_TENSOR) x = in[1].u.t;
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[2]), y->ndim, &dim));
    if (y->dtype == DT_BOOL || (x && x->dtype == DT_BOOL))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: received a bool input for `x` or `y`, but bool is not supported", op);
    if (in[1].kind == IV_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Currently, we only support dx as a real number.", op);
    if (!cumulative && y->ndim > 0 && y->sizes[dim] == 0) { /* numpy's 0 for no samples */
        int64_t sz[TS_MAX_DIMS];
        int n = 0;
        for (int d = 0; d < y->ndim; d++)
            if (d != dim) sz[n++] = y->sizes[d];
        Tensor *z = tensor_empty(ctx, y->dtype, sz, n);
        return z ? op_return(out, z) : ctx->status;
    }
    Tensor *r = NULL;
    if (x) {
        Tensor *dx = spacing(ctx, op, y, x, dim), *s = dx ? pair_sum(ctx, y, dim) : NULL;
        Tensor *p = s ? c_bin(ctx, top_mul_Tensor, s, dx) : NULL;
        Tensor *q = p ? c_dimop(ctx, cumulative ? top_cumsum : top_sum_dim_IntList, p, dim) : NULL;
        r = q ? c_scalar(ctx, top_div_Scalar, q, 2.0) : NULL;
        rel(NULL, dx, s, p), tensor_release(q);
    } else {
        double dx = iv_scalar_f64(in[1]);
        if (cumulative) { /* (dx / 2 * (left + right)).cumsum(dim) */
            Tensor *s = pair_sum(ctx, y, dim), *p = s ? c_scalar(ctx, top_mul_Scalar, s, dx / 2.0) : NULL;
            r = p ? c_dimop(ctx, top_cumsum, p, dim) : NULL;
            rel(NULL, s, p, NULL);
        } else { /* (y.sum(dim) - (y[0] + y[-1]) * 0.5) * dx */
            Tensor *t = c_dimop(ctx, top_sum_dim_IntList, y, dim);
            Tensor *a = t ? c_select(ctx, y, dim, 0) : NULL, *b = a ? c_select(ctx, y, dim, -1) : NULL;
            Tensor *e = b ? c_bin(ctx, top_add_Tensor, a, b) : NULL;
            Tensor *h = e ? c_scalar(ctx, top_mul_Scalar, e, 0.5) : NULL;
            Tensor *d = h ? c_bin(ctx, top_sub_Tensor, t, h) : NULL;
            r = d ? c_scalar(ctx, top_mul_Scalar, d, dx) : NULL;
            rel(NULL, t, a, b), rel(NULL, e, h, d);
        }
    }
    return r ? op_return(out, r) : ctx->status;
}

OPFN(top_trapezoid) { return trapezoid(ctx, "trapezoid", false, in, nin, out); }
OPFN(top_cumulative_trapezoid) { return trapezoid(ctx, "cumulative_trapezoid", true, in, nin, out); }
