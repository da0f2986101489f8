/*
 * tensor_loss.c - the elementwise losses of torch.nn.functional as ATen ops
 * (mse_loss, l1_loss, smooth_l1_loss, huber_loss, soft_margin_loss,
 * binary_cross_entropy, binary_cross_entropy_with_logits, kl_div,
 * margin_ranking_loss, hinge_embedding_loss, poisson_nll_loss), one table
 * (LOSSES below) of per-element formulas over broadcast float64 operands,
 * then PyTorch's reduction (0 none, 1 mean, 2 sum), rounded once to the
 * input's floating dtype. Also the ternary elementwise ops addcmul and
 * addcdiv, and the bit shifts.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/tensor_ops.h"

/* L(name, expression of a, b (target), c (third operand), w (weight), q
 * (pos_weight), p (the float parameter), flag) */
#define LOSSES                                                                                   \
    L(mse, (a - b) * (a - b))                                                                    \
    L(l1, fabs(a - b))                                                                           \
    L(smooth_l1, p == 0 ? fabs(a - b) : fabs(a - b) < p ? 0.5 * (a - b) * (a - b) / p : fabs(a - b) - 0.5 * p) \
    L(huber, fabs(a - b) < p ? 0.5 * (a - b) * (a - b) : p * (fabs(a - b) - 0.5 * p))            \
    L(soft_margin, log1p(exp(-b * a)))                                                           \
    L(bce, -w * (b * fmax(log(a), -100.0) + (1 - b) * fmax(log1p(-a), -100.0)))                  \
    L(bce_logits, w * ((1 - b) * a + (flag ? (q - 1) * b + 1 : 1.0) *                           \
                       (log(exp(-fmax(-a, 0.0)) + exp(-a - fmax(-a, 0.0))) + fmax(-a, 0.0))))     \
    L(kl_div, flag ? exp(b) * (b - a) : (b > 0 ? b * log(b) : b == 0 ? 0.0 : NAN) - b * a)      \
    L(margin_ranking, fmax(0.0, -c * (a - b) + p))                                               \
    L(hinge, (c != 1 ? fmax(p - a, 0.0) : 0.0) + (c != -1 ? a : 0.0))                           \
    L(poisson, (flag & 1 ? exp(a) - b * a : a - b * log(a + p)) +                                \
                   ((flag & 2) && b > 1 ? b * log(b) - b + 0.5 * log(2 * M_PI * b) : 0.0))

typedef enum LossKind {
#define L(name, expr) LOSS_##name,
    LOSSES
#undef L
} LossKind;

static void loss_rows(LossKind k, double *A, const double *B, const double *C, const double *W,
                      const double *Q, double p, int flag, int64_t n) {
    switch (k) {
#define L(name, expr)                                                       \
    case LOSS_##name:                                                       \
        for (int64_t i = 0; i < n; i++) {                                   \
            double a = A[i], b = B ? B[i] : 0, c = C ? C[i] : 0;            \
            double w = W ? W[i] : 1, q = Q ? Q[i] : 1;                      \
            (void)a, (void)b, (void)c, (void)w, (void)q, (void)p, (void)flag; \
            A[i] = (expr);                                                  \
        }                                                                   \
        break;
        LOSSES
#undef L
    }
}

typedef struct LossArgs {
    Tensor *t[5]; /* input, target, third operand, weight, pos_weight (NULL: absent) */
    double p;
    int flag;
    int64_t reduction;
} LossArgs;

static ts_status loss(Ctx *ctx, const char *op, LossKind k, LossArgs *la, bool same_shape, IValue *out) {
    Tensor *x = la->t[0];
    if (la->reduction < 0 || la->reduction > 2)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: %" PRId64 " is not a valid value for reduction", op, la->reduction);
    ResultType rt;
    rt_init(&rt);
    for (int i = 0; i < 3; i++)
        if (la->t[i]) rt_tensor(&rt, la->t[i]);
    DType dt = rt_result(&rt);
    /* margin_ranking_loss and poisson_nll_loss are composites in PyTorch:
     * integer inputs meet a Python float and compute in float32 */
    if (!dtype_is_float(dt) && (k == LOSS_margin_ranking || k == LOSS_poisson)) dt = DT_FLOAT32;
    if (!dtype_is_float(dt))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected floating-point inputs, got %s", op, dtype_name(dt));
    if (same_shape && la->t[1] &&
        (la->t[1]->ndim != x->ndim || memcmp(la->t[1]->sizes, x->sizes, sizeof(int64_t) * (size_t)x->ndim))) {
        ShapeText a, b;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: target size (%s) must be the same as input size (%s)", op,
                       op_shape(&a, la->t[1]), op_shape(&b, x));
    }
    int64_t sz[TS_MAX_DIMS];
    int nd;
    Tensor *d[5];
    TS_TRY(op_broadcast_as(ctx, op, la->t, 5, DT_FLOAT64, d, sz, &nd));
    int64_t n = tensor_numel(d[0]);
    double *A = tensor_data(d[0]);
    if (k == LOSS_bce)
        for (int64_t i = 0; i < n; i++)
            if (!(A[i] >= 0 && A[i] <= 1)) {
                for (int j = 0; j < 5; j++) tensor_release(d[j]);
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: all elements of input should be between 0 and 1", op);
            }
    loss_rows(k, A, d[1] ? tensor_data(d[1]) : NULL, d[2] ? tensor_data(d[2]) : NULL,
              d[3] ? tensor_data(d[3]) : NULL, d[4] ? tensor_data(d[4]) : NULL, la->p, la->flag, n);
    for (int j = 1; j < 5; j++) tensor_release(d[j]);
    Tensor *r = d[0];
    if (la->reduction != 0) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += A[i];
        if (la->reduction == 1) s /= (double)n;
        tensor_release(r);
        r = tensor_scalar_f64(ctx, DT_FLOAT64, s);
        if (!r) return ctx->status;
    }
    r = op_cast_steal(ctx, r, dt);
    return r ? op_return(out, r) : ctx->status;
}

/* input, target tensors at 0 and 1 */
static ts_status two(Ctx *ctx, const char *op, IValue *in, int nin, LossArgs *la) {
    memset(la, 0, sizeof *la);
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &la->t[0]));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &la->t[1]));
    return TS_OK;
}

OPFN(top_mse_loss) {
    LossArgs la;
    TS_TRY(two(ctx, "mse_loss", in, nin, &la));
    la.reduction = op_int(in[2]);
    return loss(ctx, "mse_loss", LOSS_mse, &la, false, out);
}

OPFN(top_l1_loss) {
    LossArgs la;
    TS_TRY(two(ctx, "l1_loss", in, nin, &la));
    la.reduction = op_int(in[2]);
    return loss(ctx, "l1_loss", LOSS_l1, &la, false, out);
}

OPFN(top_smooth_l1_loss) {
    LossArgs la;
    TS_TRY(two(ctx, "smooth_l1_loss", in, nin, &la));
    la.reduction = op_int(in[2]);
    la.p = iv_scalar_f64(in[3]);
    if (la.p < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "smooth_l1_loss does not support negative values for beta.");
    return loss(ctx, "smooth_l1_loss", LOSS_smooth_l1, &la, false, out);
}

OPFN(top_huber_loss) {
    LossArgs la;
    TS_TRY(two(ctx, "huber_loss", in, nin, &la));
    la.reduction = op_int(in[2]);
    la.p = iv_scalar_f64(in[3]);
    if (la.p <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "huber_loss does not support non-positive values for delta.");
    return loss(ctx, "huber_loss", LOSS_huber, &la, false, out);
}

OPFN(top_soft_margin_loss) {
    LossArgs la;
    TS_TRY(two(ctx, "soft_margin_loss", in, nin, &la));
    la.reduction = op_int(in[2]);
    return loss(ctx, "soft_margin_loss", LOSS_soft_margin, &la, false, out);
}

OPFN(top_binary_cross_entropy) {
    LossArgs la;
    TS_TRY(two(ctx, "binary_cross_entropy", in, nin, &la));
    TS_TRY(op_opt_tensor(ctx, "binary_cross_entropy", in, nin, 2, &la.t[3]));
    la.reduction = op_int(in[3]);
    return loss(ctx, "binary_cross_entropy", LOSS_bce, &la, true, out);
}

OPFN(top_binary_cross_entropy_with_logits) {
    LossArgs la;
    TS_TRY(two(ctx, "binary_cross_entropy_with_logits", in, nin, &la));
    TS_TRY(op_opt_tensor(ctx, "binary_cross_entropy_with_logits", in, nin, 2, &la.t[3]));
    TS_TRY(op_opt_tensor(ctx, "binary_cross_entropy_with_logits", in, nin, 3, &la.t[4]));
    la.flag = la.t[4] != NULL;
    la.reduction = op_int(in[4]);
    return loss(ctx, "binary_cross_entropy_with_logits", LOSS_bce_logits, &la, true, out);
}

OPFN(top_kl_div) {
    LossArgs la;
    TS_TRY(two(ctx, "kl_div", in, nin, &la));
    la.reduction = op_int(in[2]);
    la.flag = op_bool(in[3]);
    return loss(ctx, "kl_div", LOSS_kl_div, &la, false, out);
}

OPFN(top_margin_ranking_loss) {
    LossArgs la;
    TS_TRY(two(ctx, "margin_ranking_loss", in, nin, &la));
    TS_TRY(op_tensor(ctx, "margin_ranking_loss", in, nin, 2, &la.t[2]));
    la.p = iv_scalar_f64(in[3]);
    la.reduction = op_int(in[4]);
    return loss(ctx, "margin_ranking_loss", LOSS_margin_ranking, &la, false, out);
}

OPFN(top_hinge_embedding_loss) {
    LossArgs la;
    memset(&la, 0, sizeof la);
    TS_TRY(op_tensor(ctx, "hinge_embedding_loss", in, nin, 0, &la.t[0]));
    TS_TRY(op_tensor(ctx, "hinge_embedding_loss", in, nin, 1, &la.t[2]));
    la.p = iv_scalar_f64(in[2]);
    la.reduction = op_int(in[3]);
    return loss(ctx, "hinge_embedding_loss", LOSS_hinge, &la, false, out);
}

OPFN(top_poisson_nll_loss) {
    LossArgs la;
    TS_TRY(two(ctx, "poisson_nll_loss", in, nin, &la));
    la.flag = (op_bool(in[2]) ? 1 : 0) | (op_bool(in[3]) ? 2 : 0);
    la.p = iv_scalar_f64(in[4]);
    la.reduction = op_int(in[5]);
    return loss(ctx, "poisson_nll_loss", LOSS_poisson, &la, false, out);
}

/* ---- addcmul, addcdiv ---- */

/* self + value * t1 (*|/) t2, broadcast, in the promoted dtype (integer
 * addcdiv is refused, as PyTorch does). */
static ts_status addc(Ctx *ctx, const char *op, bool div, IValue *in, int nin, IValue *out) {
    Tensor *t[3];
    for (int i = 0; i < 3; i++) TS_TRY(op_tensor(ctx, op, in, nin, i, &t[i]));
    ResultType rt;
    rt_init(&rt);
    for (int i = 0; i < 3; i++) rt_tensor(&rt, t[i]);
    DType dt = rt_result(&rt);
    bool f = dtype_is_float(dt);
    if (div && !f && dtype_is_integral(t[1]->dtype, true) && dtype_is_integral(t[2]->dtype, true))
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "Integer division with addcdiv is no longer supported, and in a future release addcdiv will "
                       "perform a true division of tensor1 and tensor2.");
    int64_t sz[TS_MAX_DIMS];
    int nd;
    Tensor *d[3];
    TS_TRY(op_broadcast_as(ctx, op, t, 3, f ? DT_FLOAT64 : DT_INT64, d, sz, &nd));
    int64_t n = tensor_numel(d[0]);
    if (f) {
        double *a = tensor_data(d[0]), v = iv_scalar_f64(in[3]);
        const double *b = tensor_data(d[1]), *c = tensor_data(d[2]);
        if (div)
            for (int64_t i = 0; i < n; i++) a[i] += v * (b[i] / c[i]);
        else
            for (int64_t i = 0; i < n; i++) a[i] += v * (b[i] * c[i]);
    } else {
        int64_t *a = tensor_data(d[0]), v = iv_scalar_i64(in[3]);
        const int64_t *b = tensor_data(d[1]), *c = tensor_data(d[2]);
        for (int64_t i = 0; i < n; i++) a[i] = (int64_t)((uint64_t)a[i] + (uint64_t)v * (uint64_t)b[i] * (uint64_t)c[i]);
    }
    tensor_release(d[1]), tensor_release(d[2]);
    Tensor *r = op_cast_steal(ctx, d[0], dt);
    return r ? op_return(out, r) : ctx->status;
}

OPFN(top_addcmul) { return addc(ctx, "addcmul", false, in, nin, out); }
OPFN(top_addcdiv) { return addc(ctx, "addcdiv", true, in, nin, out); }

/* ---- bit shifts ---- */

/* a << b or a >> b on integers (arithmetic right shift; a shift by the
 * width or more gives 0, or -1 for a negative value shifted right, as
 * PyTorch's kernels do). */
static ts_status shift(Ctx *ctx, const char *op, bool left, IValue ia, IValue ib, IValue *out) {
    Tensor *ta = ia.kind == IV_TENSOR ? tensor_retain(ia.u.t) : tensor_scalar_i64(ctx, DT_INT64, iv_scalar_i64(ia));
    Tensor *tb = !ta ? NULL : ib.kind == IV_TENSOR ? tensor_retain(ib.u.t) : tensor_scalar_i64(ctx, DT_INT64, iv_scalar_i64(ib));
    if (!tb) {
        tensor_release(ta);
        return ctx->status;
    }
    ResultType rt;
    rt_init(&rt);
    if (ia.kind == IV_TENSOR) rt_tensor(&rt, ta);
    else rt_scalar(&rt, ia);
    if (ib.kind == IV_TENSOR) rt_tensor(&rt, tb);
    else rt_scalar(&rt, ib);
    DType dt = rt_result(&rt);
    ts_status st = TS_OK;
    Tensor *ea = NULL, *eb = NULL, *a = NULL, *b = NULL;
    int64_t sz[TS_MAX_DIMS];
    int nd;
    if (!dtype_is_integral(dt, false))
        st = ts_fail(ctx, TS_ERR_TYPE, NULL, "\"%s_cpu\" not implemented for '%s'", op, dtype_name(dt));
    else if ((st = tensor_broadcast_shapes(ctx, op, ta->sizes, ta->ndim, tb->sizes, tb->ndim, sz, &nd)) == TS_OK) {
        if (!(ea = tensor_expand(ctx, ta, sz, nd)) || !(eb = tensor_expand(ctx, tb, sz, nd)) ||
            !(a = tensor_to_dtype(ctx, ea, DT_INT64)) || !(b = tensor_to_dtype(ctx, eb, DT_INT64)))
            st = ctx->status;
    }
    tensor_release(ta), tensor_release(tb), tensor_release(ea), tensor_release(eb);
    if (st != TS_OK) {
        tensor_release(a), tensor_release(b);
        return st;
    }
    int bits = (int)dtype_size(dt) * 8;
    int64_t *p = tensor_data(a);
    const int64_t *q = tensor_data(b);
    int64_t n = tensor_numel(a);
    if (left)
        for (int64_t i = 0; i < n; i++) p[i] = (q[i] < 0 || q[i] >= bits) ? 0 : (int64_t)((uint64_t)p[i] << q[i]);
    else
        for (int64_t i = 0; i < n; i++) p[i] = (q[i] < 0 || q[i] >= bits) ? (p[i] < 0 ? -1 : 0) : p[i] >> q[i];
    tensor_release(b);
    a = op_cast_steal(ctx, a, dt);
    return a ? op_return(out, a) : ctx->status;
}

OPFN(top_bitwise_left_shift) { return shift(ctx, "lshift", true, in[0], in[1], out); }
OPFN(top_bitwise_right_shift) { return shift(ctx, "rshift", false, in[0], in[1], out); }
