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
