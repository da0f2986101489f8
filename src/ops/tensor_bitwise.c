/*
 * tensor_bitwise.c - the bitwise ops on bool and integer tensors that the
 * `&`, `|`, `^` and `~` operators of scripted mask code compile to
 * (__and__, __or__, __xor__, their in-place forms __iand__ / __ior__,
 * bitwise_and / or / xor / not) and logical_and / logical_xor.
 *
 * Operands broadcast and promote like any binary op (a Scalar is a
 * "wrapped number"); the result type must be bool or an integer type, as
 * in PyTorch, whose kernels are not defined for floating types. On bool
 * the bitwise ops are the logical ones. The logical ops test each element
 * against zero and return bool, for every dtype.
 */
#include <inttypes.h>

#include "ops/tensor_ops.h"
#include "tensor/iter.h"

typedef enum BitOp { BIT_AND, BIT_OR, BIT_XOR } BitOp;

typedef struct BitArg {
    DType dt;
    BitOp op;
} BitArg;

static void bit_loop(void *arg, int64_t n, char **p, const int64_t *s) {
    const BitArg *a = arg;
    char *o = p[0];
    const char *x = p[1], *y = p[2];
    for (int64_t i = 0; i < n; i++, o += s[0], x += s[1], y += s[2]) {
        int64_t u = dtype_load_i64(a->dt, x), v = dtype_load_i64(a->dt, y);
        int64_t r = a->op == BIT_AND ? (u & v) : a->op == BIT_OR ? (u | v) : (u ^ v);
        dtype_store_i64(a->dt, o, r);
    }
}

/* out = a op b (b a Tensor or a Scalar); into self when self is non-NULL. */
static ts_status bitwise(Ctx *ctx, const char *op, BitOp bop, IValue a, IValue b, Tensor *self, IValue *out) {
    if (a.kind != IV_TENSOR) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a Tensor, got %s", op, iv_kind_name(a));
    if (b.kind != IV_TENSOR && b.kind != IV_INT && b.kind != IV_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: \"%s_cpu\" not implemented for a %s operand", op, op, iv_kind_name(b));
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, a.u.t);
    if (b.kind == IV_TENSOR) rt_tensor(&rt, b.u.t);
    else rt_scalar(&rt, b);
    DType dt = rt_result(&rt);
    if (dtype_is_float(dt))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: \"%s_cpu\" not implemented for '%s' (bitwise ops take bool and integer tensors)",
                       op, op, dtype_storage_name(dt));
    int64_t sizes[TS_MAX_DIMS];
    int nd;
    const Tensor *bt = b.kind == IV_TENSOR ? b.u.t : NULL;
    TS_TRY(tensor_broadcast_shapes(ctx, op, a.u.t->sizes, a.u.t->ndim, bt ? bt->sizes : NULL, bt ? bt->ndim : 0, sizes, &nd));
    if (self) {
        if (nd != self->ndim || memcmp(sizes, self->sizes, sizeof(int64_t) * (size_t)nd) != 0) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: output with shape %s doesn't match the broadcast shape %s", op,
                           op_shape(&s1, self), op_sizes(&s2, sizes, nd));
        }
        if (!op_can_cast(dt, self->dtype))
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: result type %s can't be cast to the desired output type %s", op,
                           dtype_storage_name(dt), dtype_storage_name(self->dtype));
    }
    Tensor *ca = NULL, *cb = NULL, *xa = NULL, *xb = NULL, *r = NULL;
    if (!(ca = op_as_dtype(ctx, a.u.t, dt))) goto fail;
    cb = bt ? op_as_dtype(ctx, b.u.t, dt) : tensor_scalar_i64(ctx, dt, iv_scalar_i64(b));
    if (!cb || !(xa = tensor_expand(ctx, ca, sizes, nd)) || !(xb = tensor_expand(ctx, cb, sizes, nd))) goto fail;
    if (!(r = tensor_new_uninit(ctx, dt, sizes, nd))) goto fail;
    if (tensor_numel(r) > 0) {
        const int64_t *strides[3] = {r->strides, xa->strides, xb->strides};
        size_t es = dtype_size(dt);
        const size_t esize[3] = {es, es, es};
        StridedIter it;
        iter_init(&it, 3, nd, sizes, strides, esize);
        char *base[3] = {tensor_data(r), tensor_data(xa), tensor_data(xb)};
        BitArg arg = {dt, bop};
        iter_run(&it, base, bit_loop, &arg);
    }
    tensor_release(ca);
    tensor_release(cb);
    tensor_release(xa);
    tensor_release(xb);
    if (self) {
        tensor_copy_into(self, r);
        tensor_release(r);
        return op_return(out, tensor_retain(self));
    }
    return op_return(out, r);
fail:
    tensor_release(ca);
    tensor_release(cb);
    tensor_release(xa);
    tensor_release(xb);
    tensor_release(r);
    return ctx->status;
}

OPFN(top_bitwise_and) { return bitwise(ctx, "bitwise_and", BIT_AND, in[0], in[1], NULL, out); }
OPFN(top_bitwise_or) { return bitwise(ctx, "bitwise_or", BIT_OR, in[0], in[1], NULL, out); }
OPFN(top_bitwise_xor) { return bitwise(ctx, "bitwise_xor", BIT_XOR, in[0], in[1], NULL, out); }
OPFN(top_bitwise_and_) { return bitwise(ctx, "bitwise_and", BIT_AND, in[0], in[1], in[0].u.t, out); }
OPFN(top_bitwise_or_) { return bitwise(ctx, "bitwise_or", BIT_OR, in[0], in[1], in[0].u.t, out); }

OPFN(top_bitwise_not) {
    const char *op = "bitwise_not";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: \"bitwise_not_cpu\" not implemented for '%s'", op,
                       dtype_storage_name(x->dtype));
    Tensor *r = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim);
    if (!r) return ctx->status;
    char *p = tensor_data(r);
    size_t es = dtype_size(x->dtype);
    for (int64_t i = 0, n = tensor_numel(x); i < n; i++) {
        int64_t v = tensor_get_i64(x, i);
        dtype_store_i64(x->dtype, p + (size_t)i * es, x->dtype == DT_BOOL ? !v : ~v);
    }
    return op_return(out, r);
}

/* logical_and / logical_xor: (a != 0) op (b != 0), bool. */
static ts_status logical(Ctx *ctx, const char *op, bool xor, IValue *in, int nin, IValue *out) {
    Tensor *a, *b, *ba = NULL, *bb = NULL, *r = NULL;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    if (!xor) {
        TS_TRY(op_binary(ctx, op, BINARY_AND, (Operand){a, iv_none()}, (Operand){b, iv_none()}, kscalar_i(1), -1, NULL, &r));
        return op_return(out, r);
    }
    TS_TRY(op_binary(ctx, op, BINARY_NE, (Operand){a, iv_none()}, (Operand){NULL, iv_int(0)}, kscalar_i(1), -1, NULL, &ba));
    ts_status st = op_binary(ctx, op, BINARY_NE, (Operand){b, iv_none()}, (Operand){NULL, iv_int(0)}, kscalar_i(1), -1, NULL, &bb);
    if (st == TS_OK)
        st = op_binary(ctx, op, BINARY_NE, (Operand){ba, iv_none()}, (Operand){bb, iv_none()}, kscalar_i(1), -1, NULL, &r);
    tensor_release(ba);
    tensor_release(bb);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

OPFN(top_logical_and) { return logical(ctx, "logical_and", false, in, nin, out); }
OPFN(top_logical_xor) { return logical(ctx, "logical_xor", true, in, nin, out); }
