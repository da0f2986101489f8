/*
 * tensor_inplace.c - the in-place forms of functional ops (ops/inplace.def):
 * leaky_relu_, elu_, fmod_, clamp_min_, cumsum_, ... Each runs its
 * functional op on the same arguments and writes the result into self, as
 * PyTorch's in-place ops behave: the result must have self's shape (an
 * operand broadcasts to self, never self to the result) and a dtype self can
 * hold (c10::canCast: a float result cannot go into an integer self), and it
 * goes through self's strides, so an in-place op on a view updates the base.
 */
#include "ops/tensor_ops.h"

static ts_status inplace(Ctx *ctx, const char *op, OpFn functional, IValue *in, int nin, IValue *out,
                         const OpInfo *info) {
    Tensor *self;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    IValue r;
    TS_TRY(functional(ctx, in, nin, &r, info));
    if (r.kind != IV_TENSOR) {
        iv_release(r);
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: the functional form did not return a tensor", op);
    }
    Tensor *t = r.u.t;
    ts_status st = TS_OK;
    if (t->ndim != self->ndim || memcmp(t->sizes, self->sizes, sizeof(int64_t) * (size_t)self->ndim)) {
        ShapeText a, b;
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: output with shape %s doesn't match the broadcast shape %s", op,
                     op_shape(&a, self), op_shape(&b, t));
    } else if (!op_can_cast(t->dtype, self->dtype)) {
        st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: result type %s can't be cast to the desired output type %s", op,
                     dtype_name(t->dtype), dtype_name(self->dtype));
    } else if (t->storage != self->storage) {
        Tensor *c = tensor_to_dtype(ctx, t, self->dtype);
        if (!c) st = ctx->status;
        else {
            tensor_copy_into(self, c);
            tensor_release(c);
        }
    }
    iv_release(r);
    if (st != TS_OK) return st;
    return op_return(out, tensor_retain(self));
}

#define IP(schema, fn, functional) \
    OPFN(fn) { return inplace(ctx, &(#fn)[7], functional, in, nin, out, info); }
#include "ops/inplace.def"
#undef IP
