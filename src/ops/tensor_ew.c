/*
 * tensor_ew.c - the table-driven elementwise math family: every row of
 * kernels/math.def becomes an ATen op here (top_<name>), typed by its class
 * (FLOAT, KEEP, FONLY, PRED, F64: see math.def) with PyTorch's type
 * promotion (rt_*), broadcast, converted to one contiguous float64 (or
 * int64) buffer, computed by one kernel loop and rounded once to the result
 * dtype. Also the ops of the family that take more than a row: lerp,
 * clamp with tensor bounds, round(decimals), nan_to_num, logit, positive.
 */
#include <math.h>
#include <string.h>

#include "kernels/math.h"
#include "ops/tensor_ops.h"

enum { C_FLOAT, C_KEEP, C_FONLY, C_PRED, C_F64 };
#define CLS_FLOAT C_FLOAT
#define CLS_KEEP C_KEEP
#define CLS_FONLY C_FONLY
#define CLS_PRED C_PRED
#define CLS_F64 C_F64

/* The result dtype of class cls for inputs of (promoted) dtype dt, or -1
 * when the class refuses dt. */
static int class_dtype(int cls, DType dt) {
    bool f = dtype_is_float(dt);
    switch (cls) {
    case C_FLOAT: return f ? (int)dt : DT_FLOAT32;
    case C_FONLY: return f ? (int)dt : -1;
    case C_PRED: return DT_BOOL;
    case C_F64: return DT_FLOAT64;
    default: return dt;
    }
}

static ts_status not_implemented(Ctx *ctx, const char *op, DType dt) {
    return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: not implemented for %s tensors (floating point only)",
                   op, dtype_name(dt));
}

/* A Scalar argument as a 0-dim tensor of its Python kind's dtype. */
static Tensor *scalar_tensor(Ctx *ctx, IValue s) {
    if (s.kind == IV_DOUBLE) return tensor_scalar_f64(ctx, DT_FLOAT64, s.u.d);
    if (s.kind == IV_BOOL) return tensor_scalar_i64(ctx, DT_BOOL, s.u.b);
    return tensor_scalar_i64(ctx, DT_INT64, s.u.i);
}

/* ---- unary rows ---- */

static ts_status unary(Ctx *ctx, const char *op, MathUnary mu, int cls, IValue *in, int nin, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int rdt = class_dtype(cls, x->dtype);
    if (rdt < 0) return not_implemented(ctx, op, x->dtype);
    if (cls == C_KEEP && !dtype_is_float(x->dtype)) {
        /* square and sgn on integers: exact in int64 (square of bool is int64) */
        DType keep = mu == MU_square && x->dtype == DT_BOOL ? DT_INT64 : x->dtype;
        Tensor *y = tensor_to_dtype(ctx, x, DT_INT64);
        if (!y) return ctx->status;
        int64_t *p = tensor_data(y);
        int64_t n = tensor_numel(y);
        if (mu == MU_square)
            for (int64_t i = 0; i < n; i++) p[i] = (int64_t)((uint64_t)p[i] * (uint64_t)p[i]);
        else
            for (int64_t i = 0; i < n; i++) p[i] = (p[i] > 0) - (p[i] < 0);
        y = op_cast_steal(ctx, y, keep);
        return y ? op_return(out, y) : ctx->status;
    }
    Tensor *y = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!y) return ctx->status;
    kmath_unary_f64(mu, tensor_data(y), tensor_numel(y));
    y = op_cast_steal(ctx, y, (DType)rdt);
    return y ? op_return(out, y) : ctx->status;
}

#define U(name, cls, expr) \
    OPFN(top_##name) { return unary(ctx, #name, MU_##name, CLS_##cls, in, nin, out); }
#include "kernels/math.def"

/* ---- binary rows ---- */

/* a and b (tensors or Scalars) broadcast to one shape, each converted to a
 * new contiguous tensor of dtype ct; the promoted dtype in *promoted. */
static ts_status operands(Ctx *ctx, const char *op, IValue ia, IValue ib, DType ct, Tensor **pa,
                          Tensor **pb, DType *promoted) {
    Tensor *ta = ia.kind == IV_TENSOR ? tensor_retain(ia.u.t) : scalar_tensor(ctx, ia);
    Tensor *tb = ib.kind == IV_TENSOR ? tensor_retain(ib.u.t) : scalar_tensor(ctx, ib);
    Tensor *ea = NULL, *eb = NULL;
    *pa = *pb = NULL;
    if (!ta || !tb) goto fail;
    ResultType rt;
    rt_init(&rt);
    if (ia.kind == IV_TENSOR) rt_tensor(&rt, ta);
    else rt_scalar(&rt, ia);
    if (ib.kind == IV_TENSOR) rt_tensor(&rt, tb);
    else rt_scalar(&rt, ib);
    *promoted = rt_result(&rt);
    int64_t sz[TS_MAX_DIMS];
    int nd = 0;
    if (tensor_broadcast_shapes(ctx, op, ta->sizes, ta->ndim, tb->sizes, tb->ndim, sz, &nd) != TS_OK)
        goto fail;
    if (!(ea = tensor_expand(ctx, ta, sz, nd)) || !(eb = tensor_expand(ctx, tb, sz, nd)) ||
        !(*pa = tensor_to_dtype(ctx, ea, ct)) || !(*pb = tensor_to_dtype(ctx, eb, ct)))
        goto fail;
    tensor_release(ta), tensor_release(tb), tensor_release(ea), tensor_release(eb);
    return TS_OK;
fail:
    tensor_release(ta), tensor_release(tb), tensor_release(ea), tensor_release(eb);
    tensor_release(*pa);
    *pa = NULL;
    return ctx->status ? ctx->status : TS_ERR_NOMEM;
}

static ts_status binary(Ctx *ctx, const char *op, MathBinary mb, int cls, IValue ia, IValue ib, IValue *out) {
    Tensor *a, *b;
    DType pr;
    if (mb == MB_heaviside && ia.kind == IV_TENSOR && ib.kind == IV_TENSOR && ia.u.t->dtype != ib.u.t->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "heaviside is not yet implemented for tensors with different dtypes");
    /* the promoted dtype first, to pick the path */
    TS_TRY(operands(ctx, op, ia, ib, DT_INT64, &a, &b, &pr));
    bool is_f = dtype_is_float(pr);
    int rdt = class_dtype(cls, pr);
    bool int_only = mb == MB_gcd || mb == MB_lcm;
    if (rdt < 0 || (int_only && is_f) || (mb == MB_fmod && pr == DT_BOOL)) {
        tensor_release(a), tensor_release(b);
        return not_implemented(ctx, op, pr);
    }
    if (cls == C_KEEP && !is_f) {
        int64_t *p = tensor_data(a);
        const int64_t *q = tensor_data(b);
        int64_t n = tensor_numel(a);
        if (mb == MB_fmod)
            for (int64_t i = 0; i < n; i++)
                if (q[i] == 0) {
                    tensor_release(a), tensor_release(b);
                    return ts_fail(ctx, TS_ERR_VALUE, NULL, "ZeroDivisionError: %s by zero", op);
                }
        kmath_binary_i64(mb, p, q, n);
        tensor_release(b);
        a = op_cast_steal(ctx, a, pr);
        return a ? op_return(out, a) : ctx->status;
    }
    tensor_release(a), tensor_release(b);
    DType ct = mb == MB_nextafter && pr == DT_FLOAT32 ? DT_FLOAT32 : DT_FLOAT64;
    TS_TRY(operands(ctx, op, ia, ib, ct, &a, &b, &pr));
    if (ct == DT_FLOAT32) kmath_nextafter_f32(tensor_data(a), tensor_data(b), tensor_numel(a));
    else kmath_binary_f64(mb, tensor_data(a), tensor_data(b), tensor_numel(a));
    tensor_release(b);
    a = op_cast_steal(ctx, a, (DType)rdt);
    return a ? op_return(out, a) : ctx->status;
}

/* Each row's Tensor-Tensor form; the Scalar overloads below reuse it. */
#define B(name, cls, expr) \
    static ts_status bin_##name(Ctx *ctx, IValue a, IValue b, IValue *out) { \
        return binary(ctx, #name, MB_##name, CLS_##cls, a, b, out);          \
    }
#include "kernels/math.def"

OPFN(top_fmod_Tensor) { return bin_fmod(ctx, in[0], in[1], out); }
OPFN(top_fmod_Scalar) { return bin_fmod(ctx, in[0], in[1], out); }
OPFN(top_xlogy_Tensor) { return bin_xlogy(ctx, in[0], in[1], out); }
OPFN(top_xlogy_Scalar_Other) { return bin_xlogy(ctx, in[0], in[1], out); }
OPFN(top_xlogy_Scalar_Self) { return bin_xlogy(ctx, in[0], in[1], out); }
OPFN(top_special_xlog1py) { return bin_special_xlog1py(ctx, in[0], in[1], out); }
OPFN(top_hypot) { return bin_hypot(ctx, in[0], in[1], out); }
OPFN(top_copysign_Tensor) { return bin_copysign(ctx, in[0], in[1], out); }
OPFN(top_copysign_Scalar) { return bin_copysign(ctx, in[0], in[1], out); }
OPFN(top_logaddexp) { return bin_logaddexp(ctx, in[0], in[1], out); }
OPFN(top_logaddexp2) { return bin_logaddexp2(ctx, in[0], in[1], out); }
OPFN(top_fmax) { return bin_fmax(ctx, in[0], in[1], out); }
OPFN(top_fmin) { return bin_fmin(ctx, in[0], in[1], out); }
OPFN(top_heaviside) { return bin_heaviside(ctx, in[0], in[1], out); }
OPFN(top_float_power) { return bin_float_power(ctx, in[0], in[1], out); }
OPFN(top_gcd) { return bin_gcd(ctx, in[0], in[1], out); }
OPFN(top_lcm) { return bin_lcm(ctx, in[0], in[1], out); }
OPFN(top_nextafter) { return bin_nextafter(ctx, in[0], in[1], out); }
OPFN(top_special_zeta) { return bin_special_zeta(ctx, in[0], in[1], out); }
OPFN(top_igamma) { return bin_igamma(ctx, in[0], in[1], out); }
OPFN(top_igammac) { return bin_igammac(ctx, in[0], in[1], out); }
#define POLY(name) \
    OPFN(top_##name) { return bin_##name(ctx, in[0], in[1], out); }
POLY(special_chebyshev_polynomial_t)
POLY(special_chebyshev_polynomial_u)
POLY(special_chebyshev_polynomial_v)
POLY(special_chebyshev_polynomial_w)
POLY(special_shifted_chebyshev_polynomial_t)
POLY(special_shifted_chebyshev_polynomial_u)
POLY(special_shifted_chebyshev_polynomial_v)
POLY(special_shifted_chebyshev_polynomial_w)
POLY(special_hermite_polynomial_h)
POLY(special_hermite_polynomial_he)
POLY(special_laguerre_polynomial_l)
POLY(special_legendre_polynomial_p)
#undef POLY

/* polygamma(n, x): n >= 0, integer inputs computing in float32. */
OPFN(top_polygamma) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "polygamma", in, nin, 1, &x));
    int64_t n = op_int(in[0]);
    if (n < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "polygamma(n, x) does not support negative n.");
    DType rdt = dtype_is_float(x->dtype) ? x->dtype : DT_FLOAT32;
    if (n == 1 && rdt == DT_FLOAT32) { /* ATen's float32 arithmetic: its rounding decides the poles */
        Tensor *f = tensor_to_dtype(ctx, x, DT_FLOAT32);
        if (!f) return ctx->status;
        kmath_trigamma_f32(tensor_data(f), tensor_numel(f));
        return op_return(out, f);
    }
    Tensor *y = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!y) return ctx->status;
    kmath_polygamma_f64(n, tensor_data(y), tensor_numel(y));
    y = op_cast_steal(ctx, y, rdt);
    return y ? op_return(out, y) : ctx->status;
}

/* polygamma_(self, n): the in-place form's arguments in the functional order. */
OPFN(top_polygamma_self_n) {
    IValue a[2] = {in[1], in[0]};
    return top_polygamma(ctx, a, 2, out, info);
}

/* ---- lerp, clamp with tensor bounds ---- */

/* lerp(start, end, weight): one floating dtype for start and end (PyTorch
 * refuses mixed ones), the Scalar weight as a number. */
static ts_status lerp(Ctx *ctx, IValue *in, int nin, IValue *out) {
    Tensor *s, *e;
    TS_TRY(op_tensor(ctx, "lerp", in, nin, 0, &s));
    TS_TRY(op_tensor(ctx, "lerp", in, nin, 1, &e));
    if (s->dtype != e->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "lerp: expected dtype %s for `end` but got dtype %s",
                       dtype_name(s->dtype), dtype_name(e->dtype));
    if (in[2].kind == IV_TENSOR && in[2].u.t->dtype != s->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "lerp: expected dtype %s for `weight` but got dtype %s",
                       dtype_name(s->dtype), dtype_name(in[2].u.t->dtype));
    if (!dtype_is_float(s->dtype)) return not_implemented(ctx, "lerp", s->dtype);
    Tensor *w = in[2].kind == IV_TENSOR ? tensor_retain(in[2].u.t) : tensor_scalar_f64(ctx, DT_FLOAT64, iv_scalar_f64(in[2]));
    if (!w) return ctx->status;
    int64_t sz[TS_MAX_DIMS], sz2[TS_MAX_DIMS];
    int nd = 0, nd2 = 0;
    Tensor *es = NULL, *ee = NULL, *ew = NULL, *ds = NULL, *de = NULL, *dw = NULL;
    ts_status st = tensor_broadcast_shapes(ctx, "lerp", s->sizes, s->ndim, e->sizes, e->ndim, sz, &nd);
    if (st == TS_OK) st = tensor_broadcast_shapes(ctx, "lerp", sz, nd, w->sizes, w->ndim, sz2, &nd2);
    if (st == TS_OK && (!(es = tensor_expand(ctx, s, sz2, nd2)) || !(ee = tensor_expand(ctx, e, sz2, nd2)) ||
                        !(ew = tensor_expand(ctx, w, sz2, nd2)) || !(ds = tensor_to_dtype(ctx, es, DT_FLOAT64)) ||
                        !(de = tensor_to_dtype(ctx, ee, DT_FLOAT64)) || !(dw = tensor_to_dtype(ctx, ew, DT_FLOAT64))))
        st = ctx->status;
    if (st == TS_OK) kmath_lerp_f64(tensor_data(ds), tensor_data(de), tensor_data(dw), tensor_numel(ds));
    tensor_release(w), tensor_release(es), tensor_release(ee), tensor_release(ew);
    tensor_release(de), tensor_release(dw);
    if (st != TS_OK) {
        tensor_release(ds);
        return st;
    }
    ds = op_cast_steal(ctx, ds, s->dtype);
    return ds ? op_return(out, ds) : ctx->status;
}
OPFN(top_lerp_Scalar) { return lerp(ctx, in, nin, out); }
OPFN(top_lerp_Tensor) { return lerp(ctx, in, nin, out); }

/* clamp(self, min?, max?) with tensor bounds: min(max(x, lo), hi) in the
 * promoted dtype of all three, NaN propagating from any of them. */
static ts_status clamp_t(Ctx *ctx, const char *op, Tensor *x, Tensor *lo, Tensor *hi, IValue *out) {
    if (!lo && !hi)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: At least one of 'min' or 'max' must not be None", op);
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, x);
    if (lo) rt_tensor(&rt, lo);
    if (hi) rt_tensor(&rt, hi);
    DType pr = rt_result(&rt);
    int64_t sz[TS_MAX_DIMS];
    int nd;
    Tensor *ops[3] = {x, lo, hi}, *d[3];
    bool f = dtype_is_float(pr);
    TS_TRY(op_broadcast_as(ctx, op, ops, 3, f ? DT_FLOAT64 : DT_INT64, d, sz, &nd));
    int64_t n = tensor_numel(d[0]);
    if (f) {
        double *p = tensor_data(d[0]);
        const double *l = d[1] ? tensor_data(d[1]) : NULL, *h = d[2] ? tensor_data(d[2]) : NULL;
        if (l)
            for (int64_t i = 0; i < n; i++) p[i] = isnan(p[i]) || isnan(l[i]) ? NAN : p[i] < l[i] ? l[i] : p[i];
        if (h)
            for (int64_t i = 0; i < n; i++) p[i] = isnan(p[i]) || isnan(h[i]) ? NAN : p[i] > h[i] ? h[i] : p[i];
    } else {
        int64_t *p = tensor_data(d[0]);
        const int64_t *l = d[1] ? tensor_data(d[1]) : NULL, *h = d[2] ? tensor_data(d[2]) : NULL;
        if (l)
            for (int64_t i = 0; i < n; i++) p[i] = p[i] < l[i] ? l[i] : p[i];
        if (h)
            for (int64_t i = 0; i < n; i++) p[i] = p[i] > h[i] ? h[i] : p[i];
    }
    tensor_release(d[1]), tensor_release(d[2]);
    Tensor *r = op_cast_steal(ctx, d[0], pr);
    return r ? op_return(out, r) : ctx->status;
}

OPFN(top_clamp_Tensor) {
    Tensor *x, *lo, *hi;
    TS_TRY(op_tensor(ctx, "clamp", in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, "clamp", in, nin, 1, &lo));
    TS_TRY(op_opt_tensor(ctx, "clamp", in, nin, 2, &hi));
    return clamp_t(ctx, "clamp", x, lo, hi, out);
}

OPFN(top_clamp_min_Tensor) {
    Tensor *x, *lo;
    TS_TRY(op_tensor(ctx, "clamp_min", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "clamp_min", in, nin, 1, &lo));
    return clamp_t(ctx, "clamp_min", x, lo, NULL, out);
}

OPFN(top_clamp_max_Tensor) {
    Tensor *x, *hi;
    TS_TRY(op_tensor(ctx, "clamp_max", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "clamp_max", in, nin, 1, &hi));
    return clamp_t(ctx, "clamp_max", x, NULL, hi, out);
}

/* ---- round(decimals), nan_to_num, logit, positive ---- */

OPFN(top_round_decimals) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "round", in, nin, 0, &x));
    int64_t d = op_int(in[1]);
    if (!dtype_is_float(x->dtype)) {
        if (d != 0) return not_implemented(ctx, "round with decimals", x->dtype);
        Tensor *r = tensor_to_dtype(ctx, x, x->dtype);
        return r ? op_return(out, r) : ctx->status;
    }
    if (d > 400 || d < -400) d = d > 0 ? 400 : -400;
    DType ct = x->dtype == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    Tensor *y = tensor_to_dtype(ctx, x, ct);
    if (!y) return ctx->status;
    if (ct == DT_FLOAT64) kmath_round_decimals_f64(tensor_data(y), tensor_numel(y), (int)d);
    else kmath_round_decimals_f32(tensor_data(y), tensor_numel(y), (int)d);
    y = op_cast_steal(ctx, y, x->dtype);
    return y ? op_return(out, y) : ctx->status;
}

/* The largest finite value of a floating dtype. */
static double dtype_max(DType dt) {
    switch (dt) {
    case DT_FLOAT16: return 65504.0;
    case DT_BFLOAT16: return 3.3895313892515355e38;
    case DT_FLOAT32: return 3.4028234663852886e38;
    default: return 1.7976931348623157e308;
    }
}

OPFN(top_nan_to_num) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "nan_to_num", in, nin, 0, &x));
    if (!dtype_is_float(x->dtype)) {
        Tensor *r = tensor_to_dtype(ctx, x, x->dtype);
        return r ? op_return(out, r) : ctx->status;
    }
    double m = dtype_max(x->dtype);
    double nan_v = in[1].kind == IV_NONE ? 0.0 : iv_scalar_f64(in[1]);
    double pos = in[2].kind == IV_NONE ? m : iv_scalar_f64(in[2]);
    double neg = in[3].kind == IV_NONE ? -m : iv_scalar_f64(in[3]);
    Tensor *y = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!y) return ctx->status;
    double *p = tensor_data(y);
    for (int64_t i = 0, n = tensor_numel(y); i < n; i++)
        p[i] = isnan(p[i]) ? nan_v : p[i] == INFINITY ? pos : p[i] == -INFINITY ? neg : p[i];
    y = op_cast_steal(ctx, y, x->dtype);
    return y ? op_return(out, y) : ctx->status;
}

OPFN(top_logit) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "logit", in, nin, 0, &x));
    DType rdt = dtype_is_float(x->dtype) ? x->dtype : DT_FLOAT32;
    bool has_eps = in[1].kind != IV_NONE;
    double eps = has_eps ? iv_scalar_f64(in[1]) : 0;
    Tensor *y = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!y) return ctx->status;
    double *p = tensor_data(y);
    for (int64_t i = 0, n = tensor_numel(y); i < n; i++) {
        double v = p[i];
        if (has_eps) v = v < eps ? eps : v > 1 - eps ? 1 - eps : v;
        p[i] = log(v / (1 - v));
    }
    y = op_cast_steal(ctx, y, rdt);
    return y ? op_return(out, y) : ctx->status;
}

OPFN(top_positive) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "positive", in, nin, 0, &x));
    if (x->dtype == DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "The `+` operator, on a bool tensor is not supported.");
    return op_return(out, tensor_retain(x));
}
