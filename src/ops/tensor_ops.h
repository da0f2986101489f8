/*
 * tensor_ops.h - shared helpers of the ATen tensor ops (ops/tensor_*.c):
 * argument access, dimension wrapping, PyTorch's result-type rules and the
 * common elementwise drivers. Internal to ops/.
 *
 * Every helper that can fail records a message naming the op (the `op`
 * argument, "add", "linear"...) and returns a status; none of them leaves
 * an owned object behind on failure.
 */
#ifndef TS_OPS_TENSOR_OPS_H
#define TS_OPS_TENSOR_OPS_H

#include "kernels/backend.h"
#include "kernels/kernels.h"
#include "ops/op.h"

/* Declarations of every OP(schema, fn) implementation of tensor.def. */
#define OP(schema, fn) ts_status fn(Ctx *, IValue *, int, IValue *, const OpInfo *);
#include "ops/tensor.def"
#undef OP
/* Functional forms that only in-place rows (inplace.def) call. */
ts_status top_polygamma_self_n(Ctx *, IValue *, int, IValue *, const OpInfo *);
/* The float-only functions that int_via.def's wrappers call. */
#define VIA(wrapper, fn, mode) ts_status fn(Ctx *, IValue *, int, IValue *, const OpInfo *);
#include "ops/int_via.def"
#undef VIA

/* The definition line of an op implementation. */
#define OPFN(name)                                                                        \
    ts_status name(Ctx *ctx, IValue *in, int nin __attribute__((unused)), IValue *out,    \
                   const OpInfo *info __attribute__((unused)))

/* ---- arguments ---- */

/* in[i] as a tensor (borrowed); fails with TS_ERR_TYPE when it is not one. */
ts_status op_tensor(Ctx *ctx, const char *op, const IValue *in, int nin, int i, Tensor **out) TS_MUST_CHECK;
/* An optional tensor: NULL for None. */
ts_status op_opt_tensor(Ctx *ctx, const char *op, const IValue *in, int nin, int i, Tensor **out) TS_MUST_CHECK;
/* A list of ints (or a single int, for `int[1]` arguments) into out[0..*n),
 * at most TS_MAX_DIMS entries. */
ts_status op_int_list(Ctx *ctx, const char *op, IValue v, int64_t *out, int *n) TS_MUST_CHECK;
/* A ScalarType argument (PyTorch's dtype code). */
ts_status op_dtype(Ctx *ctx, const char *op, IValue v, DType *out) TS_MUST_CHECK;
/* An int / bool argument. */
static inline int64_t op_int(IValue v) { return iv_scalar_i64(v); }
static inline bool op_bool(IValue v) { return v.kind == IV_BOOL ? v.u.b : v.u.i != 0; }
/* A Scalar argument: is it a Python float? */
static inline bool op_scalar_is_float(IValue v) { return v.kind == IV_DOUBLE; }
/* PyTorch's maybe_wrap_dim: dim in [-ndim, ndim) (a 0-dim tensor counts as 1-d). */
ts_status op_wrap_dim(Ctx *ctx, const char *op, int64_t dim, int ndim, int *out) TS_MUST_CHECK;
/* Writes t (owned) as the single result. */
static inline ts_status op_return(IValue *out, Tensor *t) {
    out[0] = iv_tensor_steal(t);
    return TS_OK;
}
/* r (owned) as dtype dt: r itself when it already is, else a converted copy
 * (r released either way). NULL on failure, with the status in ctx. */
Tensor *op_cast_steal(Ctx *ctx, Tensor *r, DType dt);
/* "[2, 3]" into a static-per-call buffer of the caller. */
typedef struct ShapeText {
    char s[16 * 22 + 4];
} ShapeText;
const char *op_shape(ShapeText *buf, const Tensor *t);
const char *op_sizes(ShapeText *buf, const int64_t *sizes, int ndim);

/* ---- PyTorch's type promotion (at::native::result_type) ---- */

typedef struct ResultType {
    int dim, zero, wrapped; /* DType or -1 (undefined) per priority class */
} ResultType;

void rt_init(ResultType *rt);
void rt_tensor(ResultType *rt, const Tensor *t);
/* A Scalar argument (a "wrapped number": float -> float32, int -> int64). */
void rt_scalar(ResultType *rt, IValue s);
DType rt_result(const ResultType *rt);
/* Can a value of dtype `from` be written into `to` (c10::canCast)? */
bool op_can_cast(DType from, DType to);
/* The scalar s as a KScalar for compute dtype dt. */
KScalar op_kscalar(IValue s);

/* ---- elementwise drivers ---- */

/* An operand of a binary op: a tensor or a Scalar IValue. */
typedef struct Operand {
    Tensor *t; /* borrowed; NULL for a scalar */
    IValue s;
} Operand;

static inline Operand operand_of(IValue v) {
    Operand o;
    o.t = v.kind == IV_TENSOR ? v.u.t : NULL;
    o.s = v;
    return o;
}

/* out = a <op> b with broadcasting and type promotion. compute: the dtype to
 * compute in (-1: the promoted type). When self is non-NULL the result is
 * written into self (an in-place op) and *out is a new reference to self. */
ts_status op_binary(Ctx *ctx, const char *op, BinaryOp bop, Operand a, Operand b, KScalar alpha,
                    int compute, Tensor *self, Tensor **out) TS_MUST_CHECK;
/* out = uop(a). promote_int: integer inputs compute in float32 (exp, tanh...);
 * otherwise an integer input of a float-only op fails. self as above. */
ts_status op_unary(Ctx *ctx, const char *op, UnaryOp uop, Tensor *a, double p1, double p2,
                   bool promote_int, Tensor *self, Tensor **out) TS_MUST_CHECK;
/* A new tensor equal to t converted to dt, or a new reference to t when it
 * already has dtype dt. */
Tensor *op_as_dtype(Ctx *ctx, Tensor *t, DType dt);

/* The operands t[0..n) (t[0] required, NULL entries skipped) broadcast
 * together: their shape in sz/nd, and in d[i] a new tensor of t[i] expanded
 * to it and converted to ct (NULL where t[i] is). On failure every d[i] is
 * NULL. For the float64/int64 reference loops of ternary-style ops. */
ts_status op_broadcast_as(Ctx *ctx, const char *op, Tensor *const *t, int n, DType ct, Tensor **d,
                          int64_t *sz, int *nd) TS_MUST_CHECK;

#endif
