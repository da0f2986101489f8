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
