/*
 * tensor_arith.c - elementwise arithmetic, comparisons and math ops
 * (aten::add/sub/rsub/mul/div/floor_divide/remainder/pow, eq..ge, neg, exp,
 * log, sqrt..., clamp, where).
 *
 * Each op checks its arguments and lets op_binary / op_unary (tensor_util.c)
 * apply PyTorch's broadcasting and type promotion: a Scalar argument is a
 * "wrapped number" (int tensor + 2.5 -> float32, float16 tensor + 2 ->
 * float16), true division of integers gives float32, comparisons give bool.
 * In-place variants (add_, mul_...) write into self when the promoted type
 * can be cast to self's dtype and return self.
 */
#include <math.h>

#include "ops/tensor_ops.h"

/* add/sub with alpha: PyTorch refuses a float alpha for integer results. */
static ts_status add_sub(Ctx *ctx, const char *op, BinaryOp bop, IValue *in, int nin, IValue alpha,
                         bool rev, bool inplace, IValue *out) {
    Tensor *self, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, self);
    if (in[1].kind == IV_TENSOR) rt_tensor(&rt, in[1].u.t);
    else rt_scalar(&rt, in[1]);
    DType res = rt_result(&rt);
    if (alpha.kind == IV_DOUBLE && !dtype_is_float(res))
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "%s: for integral input tensors, argument alpha must not be a floating point number", op);
    if (alpha.kind == IV_BOOL && res != DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: boolean alpha only supported for boolean results", op);
    Operand a = operand_of(in[0]), b = operand_of(in[1]);
    if (rev) {
        Operand t = a;
        a = b;
        b = t;
    }
    TS_TRY(op_binary(ctx, op, bop, a, b, op_kscalar(alpha), -1, inplace ? self : NULL, &r));
    return op_return(out, r);
}

OPFN(top_add_Tensor) { return add_sub(ctx, "add", BINARY_ADD, in, nin, in[2], false, false, out); }
OPFN(top_add_Scalar) { return add_sub(ctx, "add", BINARY_ADD, in, nin, in[2], false, false, out); }
OPFN(top_add__Tensor) { return add_sub(ctx, "add_", BINARY_ADD, in, nin, in[2], false, true, out); }
OPFN(top_add__Scalar) { return add_sub(ctx, "add_", BINARY_ADD, in, nin, in[2], false, true, out); }
OPFN(top_sub_Tensor) { return add_sub(ctx, "sub", BINARY_SUB, in, nin, in[2], false, false, out); }
OPFN(top_sub_Scalar) { return add_sub(ctx, "sub", BINARY_SUB, in, nin, in[2], false, false, out); }
OPFN(top_sub__Tensor) { return add_sub(ctx, "sub_", BINARY_SUB, in, nin, in[2], false, true, out); }
OPFN(top_sub__Scalar) { return add_sub(ctx, "sub_", BINARY_SUB, in, nin, in[2], false, true, out); }
/* rsub(self, other, alpha) = other - alpha * self */
OPFN(top_rsub_Tensor) { return add_sub(ctx, "rsub", BINARY_SUB, in, nin, in[2], true, false, out); }
OPFN(top_rsub_Scalar) { return add_sub(ctx, "rsub", BINARY_SUB, in, nin, in[2], true, false, out); }

/* A plain binary op: self <op> other, optionally in place. */
static ts_status binary(Ctx *ctx, const char *op, BinaryOp bop, IValue *in, int nin, bool inplace,
                        IValue *out) {
    Tensor *self = NULL, *r;
    if (nin < 2) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected 2 arguments", op);
    if (in[0].kind != IV_TENSOR && in[1].kind != IV_TENSOR) return op_tensor(ctx, op, in, nin, 0, &self);
    if (in[0].kind == IV_TENSOR) self = in[0].u.t;
    TS_TRY(op_binary(ctx, op, bop, operand_of(in[0]), operand_of(in[1]), kscalar_i(1), -1,
                     inplace ? self : NULL, &r));
    return op_return(out, r);
}

#define BINARY_OP(fn, name, bop, inplace) \
    OPFN(fn) { return binary(ctx, name, bop, in, nin, inplace, out); }

BINARY_OP(top_mul_Tensor, "mul", BINARY_MUL, false)
BINARY_OP(top_mul_Scalar, "mul", BINARY_MUL, false)
BINARY_OP(top_mul__Tensor, "mul_", BINARY_MUL, true)
BINARY_OP(top_mul__Scalar, "mul_", BINARY_MUL, true)
BINARY_OP(top_div_Tensor, "div", BINARY_DIV, false)
BINARY_OP(top_div_Scalar, "div", BINARY_DIV, false)
BINARY_OP(top_div__Tensor, "div_", BINARY_DIV, true)
BINARY_OP(top_div__Scalar, "div_", BINARY_DIV, true)
BINARY_OP(top_floor_divide, "floor_divide", BINARY_DIV_FLOOR, false)
BINARY_OP(top_floor_divide_Scalar, "floor_divide", BINARY_DIV_FLOOR, false)
BINARY_OP(top_remainder_Tensor, "remainder", BINARY_REM, false)
BINARY_OP(top_remainder_Scalar, "remainder", BINARY_REM, false)
BINARY_OP(top_pow_Tensor_Tensor, "pow", BINARY_POW, false)
BINARY_OP(top_pow_Scalar, "pow", BINARY_POW, false)
BINARY_OP(top_maximum, "maximum", BINARY_MAXIMUM, false)
BINARY_OP(top_minimum, "minimum", BINARY_MINIMUM, false)
BINARY_OP(top_eq_Tensor, "eq", BINARY_EQ, false)
BINARY_OP(top_eq_Scalar, "eq", BINARY_EQ, false)
BINARY_OP(top_ne_Tensor, "ne", BINARY_NE, false)
BINARY_OP(top_ne_Scalar, "ne", BINARY_NE, false)
BINARY_OP(top_lt_Tensor, "lt", BINARY_LT, false)
BINARY_OP(top_lt_Scalar, "lt", BINARY_LT, false)
BINARY_OP(top_le_Tensor, "le", BINARY_LE, false)
BINARY_OP(top_le_Scalar, "le", BINARY_LE, false)
BINARY_OP(top_gt_Tensor, "gt", BINARY_GT, false)
BINARY_OP(top_gt_Scalar, "gt", BINARY_GT, false)
BINARY_OP(top_ge_Tensor, "ge", BINARY_GE, false)
BINARY_OP(top_ge_Scalar, "ge", BINARY_GE, false)

/* div with rounding_mode: None (true division), "trunc" or "floor". */
static ts_status div_mode(Ctx *ctx, IValue *in, int nin, IValue *out) {
    BinaryOp bop = BINARY_DIV;
    if (nin > 2 && in[2].kind == IV_STR) {
        const char *m = in[2].u.s->data;
        if (strcmp(m, "trunc") == 0) bop = BINARY_DIV_TRUNC;
        else if (strcmp(m, "floor") == 0) bop = BINARY_DIV_FLOOR;
        else
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found '%s'", m);
    }
    return binary(ctx, "div", bop, in, nin, false, out);
}

OPFN(top_div_Tensor_mode) { return div_mode(ctx, in, nin, out); }
OPFN(top_div_Scalar_mode) { return div_mode(ctx, in, nin, out); }

/* pow(Tensor, Scalar) with PyTorch's fast paths: 0 -> ones, 1 -> copy,
 * 0.5 -> sqrt, -0.5 -> rsqrt, -1 -> reciprocal, 2/3/-2 by multiplication. */
OPFN(top_pow_Tensor_Scalar) {
    Tensor *self, *r;
    TS_TRY(op_tensor(ctx, "pow", in, nin, 0, &self));
    IValue e = in[1];
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, self);
    rt_scalar(&rt, e);
    DType dt = rt_result(&rt);
    double ef = iv_scalar_f64(e);
    if (!dtype_is_float(dt) && iv_scalar_i64(e) < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "pow: integers to negative integer powers are not allowed");
    if (ef == 0) {
        r = tensor_new_uninit(ctx, dt, self->sizes, self->ndim);
        if (!r) return ctx->status;
        kref_fill(r, kscalar_i(1));
        return op_return(out, r);
    }
    Tensor *base = op_as_dtype(ctx, self, dt);
    if (!base) return ctx->status;
    ts_status st;
    UnaryOp uop = UNARY_POW_SCALAR;
    if (ef == 1) uop = UNARY_COPY;
    else if (dtype_is_float(dt) && dt != DT_FLOAT16) {
        if (ef == 0.5) uop = UNARY_SQRT;
        else if (ef == -0.5) uop = UNARY_RSQRT;
        else if (ef == -1) uop = UNARY_RECIPROCAL;
    }
    if (uop == UNARY_COPY && base != self) {
        r = tensor_retain(base);
        st = TS_OK;
    } else {
        st = op_unary(ctx, "pow", uop, base, dtype_is_float(dt) ? ef : (double)iv_scalar_i64(e), 0, false, NULL, &r);
    }
    tensor_release(base);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

/* ---- unary math ---- */

static ts_status unary(Ctx *ctx, const char *op, UnaryOp uop, IValue *in, int nin, bool promote,
                       bool inplace, IValue *out) {
    Tensor *self, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    TS_TRY(op_unary(ctx, op, uop, self, 0, 0, promote, inplace ? self : NULL, &r));
    return op_return(out, r);
}

#define UNARY_OP(fn, name, uop, promote, inplace) \
    OPFN(fn) { return unary(ctx, name, uop, in, nin, promote, inplace, out); }

UNARY_OP(top_neg, "neg", UNARY_NEG, false, false)
UNARY_OP(top_neg_, "neg_", UNARY_NEG, false, true)
UNARY_OP(top_exp, "exp", UNARY_EXP, true, false)
UNARY_OP(top_exp_, "exp_", UNARY_EXP, true, true)
UNARY_OP(top_log, "log", UNARY_LOG, true, false)
UNARY_OP(top_sqrt, "sqrt", UNARY_SQRT, true, false)
UNARY_OP(top_rsqrt, "rsqrt", UNARY_RSQRT, true, false)
/* abs: PyTorch has no kernel for bool */
OPFN(top_abs) {
    if (nin > 0 && in[0].kind == IV_TENSOR && in[0].u.t->dtype == DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "abs: not implemented for bool tensors");
    return unary(ctx, "abs", UNARY_ABS, in, nin, false, false, out);
}
UNARY_OP(top_sin, "sin", UNARY_SIN, true, false)
UNARY_OP(top_cos, "cos", UNARY_COS, true, false)
UNARY_OP(top_erf, "erf", UNARY_ERF, true, false)
UNARY_OP(top_log1p, "log1p", UNARY_LOG1P, true, false)
UNARY_OP(top_reciprocal, "reciprocal", UNARY_RECIPROCAL, true, false)
UNARY_OP(top_floor, "floor", UNARY_FLOOR, false, false)
UNARY_OP(top_ceil, "ceil", UNARY_CEIL, false, false)
UNARY_OP(top_round, "round", UNARY_ROUND, false, false)
UNARY_OP(top_sign, "sign", UNARY_SIGN, false, false)

/* clamp(self, min?, max?): the bounds take part in type promotion. */
static ts_status clamp(Ctx *ctx, const char *op, IValue *in, int nin, IValue lo, IValue hi, bool inplace,
                       IValue *out) {
    Tensor *self, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    bool has_lo = lo.kind != IV_NONE, has_hi = hi.kind != IV_NONE;
    if (!has_lo && !has_hi)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: at least one of 'min' or 'max' must not be None", op);
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, self);
    if (has_lo) rt_scalar(&rt, lo);
    if (has_hi) rt_scalar(&rt, hi);
    DType dt = rt_result(&rt);
    if (inplace && !op_can_cast(dt, self->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: result type %s can't be cast to the desired output type %s",
                       op, dtype_name(dt), dtype_name(self->dtype));
    if (inplace) dt = self->dtype;
    UnaryOp uop = has_lo && has_hi ? UNARY_CLAMP : has_lo ? UNARY_CLAMP_MIN : UNARY_CLAMP_MAX;
    Tensor *base = op_as_dtype(ctx, self, dt);
    if (!base) return ctx->status;
    ts_status st = op_unary(ctx, op, uop, base, has_lo ? iv_scalar_f64(lo) : 0, has_hi ? iv_scalar_f64(hi) : 0,
                            false, inplace ? self : NULL, &r);
    tensor_release(base);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

OPFN(top_clamp) { return clamp(ctx, "clamp", in, nin, in[1], in[2], false, out); }
OPFN(top_clamp_) { return clamp(ctx, "clamp_", in, nin, in[1], in[2], true, out); }
OPFN(top_clamp_min) { return clamp(ctx, "clamp_min", in, nin, in[1], iv_none(), false, out); }
OPFN(top_clamp_max) { return clamp(ctx, "clamp_max", in, nin, iv_none(), in[1], false, out); }

/* where(condition, self, other): condition is bool; self/other promote. */
OPFN(top_where_self) {
    Tensor *c, *a, *b;
    TS_TRY(op_tensor(ctx, "where", in, nin, 0, &c));
    TS_TRY(op_tensor(ctx, "where", in, nin, 1, &a));
    TS_TRY(op_tensor(ctx, "where", in, nin, 2, &b));
    if (c->dtype != DT_BOOL && c->dtype != DT_UINT8)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "where: expected condition to be a boolean tensor, but got a tensor with dtype %s",
                       dtype_name(c->dtype));
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, a);
    rt_tensor(&rt, b);
    DType dt = rt_result(&rt);
    int64_t s1[TS_MAX_DIMS], s2[TS_MAX_DIMS];
    int n1, n2;
    TS_TRY(tensor_broadcast_shapes(ctx, "where", c->sizes, c->ndim, a->sizes, a->ndim, s1, &n1));
    TS_TRY(tensor_broadcast_shapes(ctx, "where", s1, n1, b->sizes, b->ndim, s2, &n2));
    Tensor *vc = NULL, *va = NULL, *vb = NULL, *ta = NULL, *tb = NULL, *r = NULL;
    if (!(ta = op_as_dtype(ctx, a, dt)) || !(tb = op_as_dtype(ctx, b, dt)) ||
        !(vc = tensor_expand(ctx, c, s2, n2)) || !(va = tensor_expand(ctx, ta, s2, n2)) ||
        !(vb = tensor_expand(ctx, tb, s2, n2)) || !(r = tensor_new_uninit(ctx, dt, s2, n2))) {
        tensor_release(ta);
        tensor_release(tb);
        tensor_release(vc);
        tensor_release(va);
        tensor_release(vb);
        return ctx->status;
    }
    kref_where(r, vc, va, vb);
    tensor_release(ta);
    tensor_release(tb);
    tensor_release(vc);
    tensor_release(va);
    tensor_release(vb);
    return op_return(out, r);
}
