/*
 * tensor_act.c - activation functions (relu, tanh, sigmoid, hardtanh, gelu,
 * silu, leaky_relu, ...), softmax / log_softmax and dropout.
 *
 * Activations go through op_unary with PyTorch's formulas (kernels/unary.def).
 * tanh and sigmoid of an integer tensor give float32 as in PyTorch; the
 * activations PyTorch only defines on floating types (gelu, silu, ...) fail
 * on integers. softmax computes float32/float64 (float16/bfloat16 go through
 * float32 and back); dropout in training mode is not supported yet.
 */
#include <math.h>

#include "ops/tensor_ops.h"

static ts_status act(Ctx *ctx, const char *op, UnaryOp uop, IValue *in, int nin, double p1, double p2,
                     bool promote, bool inplace, IValue *out) {
    Tensor *self, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    if (uop == UNARY_RELU && self->dtype == DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: boolean inputs are not supported (as in PyTorch)", op);
    TS_TRY(op_unary(ctx, op, uop, self, p1, p2, promote, inplace ? self : NULL, &r));
    return op_return(out, r);
}

OPFN(top_relu) { return act(ctx, "relu", UNARY_RELU, in, nin, 0, 0, false, false, out); }
OPFN(top_relu_) { return act(ctx, "relu_", UNARY_RELU, in, nin, 0, 0, false, true, out); }
OPFN(top_tanh) { return act(ctx, "tanh", UNARY_TANH, in, nin, 0, 0, true, false, out); }
OPFN(top_tanh_) { return act(ctx, "tanh_", UNARY_TANH, in, nin, 0, 0, true, true, out); }
OPFN(top_sigmoid) { return act(ctx, "sigmoid", UNARY_SIGMOID, in, nin, 0, 0, true, false, out); }
OPFN(top_sigmoid_) { return act(ctx, "sigmoid_", UNARY_SIGMOID, in, nin, 0, 0, true, true, out); }
OPFN(top_silu) { return act(ctx, "silu", UNARY_SILU, in, nin, 0, 0, false, false, out); }
OPFN(top_silu_) { return act(ctx, "silu_", UNARY_SILU, in, nin, 0, 0, false, true, out); }
OPFN(top_relu6) { return act(ctx, "relu6", UNARY_CLAMP, in, nin, 0, 6, false, false, out); }
OPFN(top_hardsigmoid) { return act(ctx, "hardsigmoid", UNARY_HARDSIGMOID, in, nin, 0, 0, false, false, out); }
OPFN(top_hardswish) { return act(ctx, "hardswish", UNARY_HARDSWISH, in, nin, 0, 0, false, false, out); }

OPFN(top_hardtanh) {
    return act(ctx, "hardtanh", UNARY_CLAMP, in, nin, iv_scalar_f64(in[1]), iv_scalar_f64(in[2]), false, false, out);
}

OPFN(top_hardtanh_) {
    return act(ctx, "hardtanh_", UNARY_CLAMP, in, nin, iv_scalar_f64(in[1]), iv_scalar_f64(in[2]), false, true, out);
}

OPFN(top_leaky_relu) {
    return act(ctx, "leaky_relu", UNARY_LEAKY_RELU, in, nin, iv_scalar_f64(in[1]), 0, false, false, out);
}

OPFN(top_softplus) {
    return act(ctx, "softplus", UNARY_SOFTPLUS, in, nin, iv_scalar_f64(in[1]), iv_scalar_f64(in[2]), false, false, out);
}

OPFN(top_elu) {
    if (iv_scalar_f64(in[2]) != 1 || iv_scalar_f64(in[3]) != 1)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "elu: scale and input_scale other than 1 are not supported yet");
    return act(ctx, "elu", UNARY_ELU, in, nin, iv_scalar_f64(in[1]), 0, false, false, out);
}

OPFN(top_gelu) {
    UnaryOp uop = UNARY_GELU;
    if (nin > 1 && in[1].kind == IV_STR) {
        const char *a = in[1].u.s->data;
        if (strcmp(a, "tanh") == 0) uop = UNARY_GELU_TANH;
        else if (strcmp(a, "none") != 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "gelu: approximate argument must be either none or tanh, not '%s'", a);
    }
    return act(ctx, "gelu", uop, in, nin, 0, 0, false, false, out);
}

/* softmax / log_softmax along dim, optionally converting to dtype first. */
static ts_status softmax(Ctx *ctx, const char *op, IValue *in, int nin, bool log, IValue *out) {
    Tensor *self;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    DType dt = self->dtype;
    if (nin > 2 && in[2].kind != IV_NONE) TS_TRY(op_dtype(ctx, op, in[2], &dt));
    if (!dtype_is_float(dt))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating point tensor, got %s", op, dtype_name(dt));
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[1]), self->ndim, &dim));
    DType ct = dt == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    Tensor *x = op_as_dtype(ctx, self, ct);
    if (!x) return ctx->status;
    Tensor *r = tensor_new_uninit(ctx, ct, x->sizes, x->ndim);
    if (!r) {
        tensor_release(x);
        return ctx->status;
    }
    if (x->ndim == 0) {
        /* a 0-dim tensor is one row of length 1: run the kernel on 1-d views */
        Tensor xv = *x, rv = *r;
        xv.ndim = rv.ndim = 1;
        xv.sizes[0] = rv.sizes[0] = 1;
        xv.strides[0] = rv.strides[0] = 1;
        kref_softmax(&rv, &xv, 0, log);
    } else {
        kref_softmax(r, x, dim, log);
    }
    tensor_release(x);
    if (!(r = op_cast_steal(ctx, r, dt))) return ctx->status;
    return op_return(out, r);
}

OPFN(top_softmax_int) { return softmax(ctx, "softmax", in, nin, false, out); }
OPFN(top_log_softmax_int) { return softmax(ctx, "log_softmax", in, nin, true, out); }

/* dropout and its feature/alpha and in-place variants (one function for all,
 * named by the schema): the identity (the same tensor) when not training. */
OPFN(top_dropout) {
    const char *name = info && info->schema ? info->schema->name + 6 : "dropout";
    Tensor *x;
    TS_TRY(op_tensor(ctx, name, in, nin, 0, &x));
    double p = iv_scalar_f64(in[1]);
    bool train = op_bool(in[2]);
    if (!(p >= 0 && p <= 1))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dropout probability has to be between 0 and 1, but got %g", name, p);
    if (train && p != 0 && tensor_numel(x) != 0)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: training mode (train=True) is not supported", name);
    return op_return(out, tensor_retain(x));
}

/* rrelu in eval mode is leaky_relu with the mean slope (lower + upper) / 2, as
 * ATen computes it; training mode draws a slope per element (not supported). */
static ts_status rrelu(Ctx *ctx, const char *op, IValue *in, int nin, bool inplace, IValue *out) {
    if (op_bool(in[3]))
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: training mode (random slopes) is not supported; call eval()", op);
    double slope = (iv_scalar_f64(in[1]) + iv_scalar_f64(in[2])) / 2;
    return act(ctx, op, UNARY_LEAKY_RELU, in, nin, slope, 0, false, inplace, out);
}

OPFN(top_rrelu) { return rrelu(ctx, "rrelu", in, nin, false, out); }
OPFN(top_rrelu_) { return rrelu(ctx, "rrelu_", in, nin, true, out); }
