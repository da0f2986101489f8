/*
 * tensor_norm.c - inference batch normalisation (aten::batch_norm with
 * training=False) and the in-place hard activations of mobile CNNs
 * (aten::hardswish_, hardsigmoid_; their out-of-place forms are in
 * tensor_act.c).
 *
 * batch_norm follows PyTorch 1.13's CPU kernel as built (GCC fuses its
 * multiply-adds): per channel c, alpha = 1 / sqrt(running_var + eps) *
 * weight, beta = fma(-mean, alpha, bias), in the compute dtype (float32 for
 * float32 / float16 / bfloat16 inputs, float64 for float64), then
 * out = fma(x, alpha, beta); a non-contiguous input takes PyTorch's
 * fallback, ((x - mean) * invstd) * weight + bias in separate roundings.
 * float32 results equal PyTorch's bit for bit.
 * Training mode (an archive saved without .eval()) follows PyTorch's CPU
 * path: per channel the mean (summed in double, stored in the parameter
 * dtype) and the sum of squared deviations from it; invstd =
 * 1 / sqrt(var_sum / n + eps) in double; the output uses those in place of
 * the running statistics; and running_mean / running_var are updated in
 * place with the momentum (the variance unbiased), as PyTorch does.
 */
#include <inttypes.h>
#include <math.h>

#include "kernels/conv.h"
#include "kernels/dispatch.h"
#include "ops/tensor_ops.h"

/* A per-channel parameter as a contiguous 1-d tensor of dtype ct with C
 * elements (NULL stays NULL). */
static ts_status channel_param(Ctx *ctx, const char *name, Tensor *t, int64_t C, DType ct, Tensor **out) {
    *out = NULL;
    if (!t) return TS_OK;
    if (tensor_numel(t) != C)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "batch_norm: %s should contain %" PRId64 " elements not %" PRId64,
                       name, C, tensor_numel(t));
    if (!dtype_is_float(t->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "batch_norm: expected %s to be a floating point tensor, got %s", name,
                       dtype_name(t->dtype));
    Tensor *c = t->dtype == ct ? tensor_contiguous(ctx, t) : tensor_to_dtype(ctx, t, ct);
    if (!c) return ctx->status;
    *out = c;
    return TS_OK;
}

/* Per channel: invstd, and the terms of out = fma(x, alpha, beta). */
/* With given_invstd (training), var is already the inverse standard deviation. */
#define BN_TERMS(NAME, T, FMA)                                                                         \
    static void NAME(int64_t C, const Tensor *w, const Tensor *b, const Tensor *mean, const Tensor *var, \
                     double eps, bool given_invstd, T *invstd, T *alpha, T *beta) {                    \
        const T *wd = w ? tensor_data(w) : NULL, *bd = b ? tensor_data(b) : NULL;                      \
        const T *md = tensor_data(mean), *vd = tensor_data(var);                                       \
        for (int64_t c = 0; c < C; c++) {                                                              \
            invstd[c] = given_invstd ? vd[c] : (T)1 / (T)sqrt((double)(vd[c] + (T)eps));              \
            alpha[c] = invstd[c] * (wd ? wd[c] : (T)1);                                                \
            beta[c] = FMA(-md[c], alpha[c], bd ? bd[c] : (T)0);                                        \
        }                                                                                              \
    }
BN_TERMS(bn_terms_f32, float, fmaf)
BN_TERMS(bn_terms_f64, double, fma)

/* Batch statistics of a contiguous [N, C, inner] input: mean and invstd per
 * channel (used where inference uses the running statistics), and the
 * running-stat update. */
#define BN_BATCH_STATS(NAME, T)                                                                       \
    static void NAME(int64_t N, int64_t C, int64_t inner, const T *x, double eps, double momentum,   \
                     T *mean, T *invstd, T *rmean, T *rvar) {                                        \
        double n = (double)N * (double)inner;                                                        \
        for (int64_t c = 0; c < C; c++) {                                                            \
            double sum = 0;                                                                          \
            for (int64_t b = 0; b < N; b++) {                                                        \
                const T *p = x + (b * C + c) * inner;                                                \
                for (int64_t i = 0; i < inner; i++) sum += p[i];                                     \
            }                                                                                        \
            T m = (T)(sum / n);                                                                      \
            double var_sum = 0;                                                                      \
            for (int64_t b = 0; b < N; b++) {                                                        \
                const T *p = x + (b * C + c) * inner;                                                \
                for (int64_t i = 0; i < inner; i++) {                                                \
                    T d = p[i] - m;                                                                  \
                    var_sum += (T)(d * d);                                                           \
                }                                                                                    \
            }                                                                                        \
            T vs = (T)var_sum;                                                                       \
            mean[c] = m;                                                                             \
            /* var_sum / n and var_sum / (n - 1) divide in T, as PyTorch's do */                   \
            invstd[c] = (T)(1 / sqrt((double)(vs / (T)n) + eps));                                    \
            if (rmean) rmean[c] = (T)(momentum * (double)m + (1 - momentum) * (double)rmean[c]);    \
            if (rvar)                                                                                \
                rvar[c] = (T)(momentum * (double)(vs / (T)(n - 1)) + (1 - momentum) * (double)rvar[c]); \
        }                                                                                            \
    }
BN_BATCH_STATS(bn_batch_stats_f32, float)
BN_BATCH_STATS(bn_batch_stats_f64, double)

/* (input, weight?, bias?, running_mean?, running_var?, training, momentum, eps, cudnn_enabled) */
OPFN(top_batch_norm) {
    Tensor *x, *w, *b, *rm, *rv;
    TS_TRY(op_tensor(ctx, "batch_norm", in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, "batch_norm", in, nin, 1, &w));
    TS_TRY(op_opt_tensor(ctx, "batch_norm", in, nin, 2, &b));
    TS_TRY(op_opt_tensor(ctx, "batch_norm", in, nin, 3, &rm));
    TS_TRY(op_opt_tensor(ctx, "batch_norm", in, nin, 4, &rv));
    bool training = op_bool(in[5]);
    if (!training && !rm) return ts_fail(ctx, TS_ERR_VALUE, NULL, "batch_norm: running_mean must be defined in evaluation mode");
    if (!training && !rv) return ts_fail(ctx, TS_ERR_VALUE, NULL, "batch_norm: running_var must be defined in evaluation mode");
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "batch_norm: expected a floating point input, got %s",
                       dtype_name(x->dtype));
    if (x->ndim < 2 && tensor_numel(x) == 0) {
        /* aten's empty-input path: a clone scaled by weight[0] and shifted by bias[0] */
        if ((w && tensor_numel(w) == 0) || (b && tensor_numel(b) == 0))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "batch_norm: select(): index 0 out of range for tensor of size [0]");
        Tensor *c = tensor_to_dtype(ctx, x, x->dtype);
        return c ? op_return(out, c) : ctx->status;
    }
    if (x->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "batch_norm: expected an input with at least 2 dimensions, got %d-d",
                       x->ndim);
    double eps = iv_scalar_f64(in[7]);
    DType dt = x->dtype, ct = dt == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    int64_t N = x->sizes[0], C = x->sizes[1], inner = 1;
    for (int d = 2; d < x->ndim; d++) inner *= x->sizes[d];
    size_t es = dtype_size(ct), tbytes;
    if (!ts_mul_ok((size_t)C, 3 * es, &tbytes))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "batch_norm: too many channels");
    Tensor *pw = NULL, *pb = NULL, *pm = NULL, *pv = NULL, *xc = NULL, *r = NULL;
    void *terms = NULL;
    if (channel_param(ctx, "weight", w, C, ct, &pw) || channel_param(ctx, "bias", b, C, ct, &pb) ||
        channel_param(ctx, "running_mean", rm, C, ct, &pm) || channel_param(ctx, "running_var", rv, C, ct, &pv))
        goto fail;
    bool contiguous = tensor_is_contiguous(x);
    if (!(xc = dt == ct ? tensor_contiguous(ctx, x) : tensor_to_dtype(ctx, x, ct)) ||
        !(r = tensor_new_uninit(ctx, ct, x->sizes, x->ndim)))
        goto fail;
    if (training) {
        /* batch statistics replace the running ones; the running ones are updated in place */
        /* one value per channel is allowed here, as in aten (F.batch_norm checks it in Python) */
        if ((rm && (rm->dtype != ct || !tensor_is_contiguous(rm))) || (rv && (rv->dtype != ct || !tensor_is_contiguous(rv)))) {
            ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "batch_norm: training mode needs contiguous running statistics of the input's dtype");
            goto fail;
        }
        Tensor *bm = tensor_new_uninit(ctx, ct, &C, 1), *bv = bm ? tensor_new_uninit(ctx, ct, &C, 1) : NULL;
        if (!bv) {
            tensor_release(bm);
            goto fail;
        }
        double momentum = iv_scalar_f64(in[6]);
        if (ct == DT_FLOAT32)
            bn_batch_stats_f32(N, C, inner, tensor_data(xc), eps, momentum, tensor_data(bm), tensor_data(bv),
                               rm ? tensor_data(rm) : NULL, rv ? tensor_data(rv) : NULL);
        else
            bn_batch_stats_f64(N, C, inner, tensor_data(xc), eps, momentum, tensor_data(bm), tensor_data(bv),
                               rm ? tensor_data(rm) : NULL, rv ? tensor_data(rv) : NULL);
        tensor_release(pm);
        tensor_release(pv);
        pm = bm;
        pv = bv;
    }
    if (!(terms = ts_malloc(TS_MAX(tbytes, 1)))) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "batch_norm: out of memory");
        goto fail;
    }
    /* PyTorch's contiguous kernel fuses the affine map; its fallback for
     * other layouts runs separate elementwise ops */
    if (ct == DT_FLOAT32) {
        float *invstd = terms, *alpha = invstd + C, *beta = alpha + C;
        bn_terms_f32(C, pw, pb, pm, pv, eps, training, invstd, alpha, beta);
        if (contiguous) kernels()->channel_affine_f32(N, C, inner, tensor_data(xc), alpha, beta, tensor_data(r));
        else
            kref_channel_norm_f32(N, C, inner, tensor_data(xc), tensor_data(pm), invstd, pw ? tensor_data(pw) : NULL,
                                  pb ? tensor_data(pb) : NULL, tensor_data(r));
    } else {
        double *invstd = terms, *alpha = invstd + C, *beta = alpha + C;
        bn_terms_f64(C, pw, pb, pm, pv, eps, training, invstd, alpha, beta);
        if (contiguous) kernels()->channel_affine_f64(N, C, inner, tensor_data(xc), alpha, beta, tensor_data(r));
        else
            kref_channel_norm_f64(N, C, inner, tensor_data(xc), tensor_data(pm), invstd, pw ? tensor_data(pw) : NULL,
                                  pb ? tensor_data(pb) : NULL, tensor_data(r));
    }
    ts_free(terms);
    tensor_release(pw);
    tensor_release(pb);
    tensor_release(pm);
    tensor_release(pv);
    tensor_release(xc);
    if (!(r = op_cast_steal(ctx, r, dt))) return ctx->status;
    return op_return(out, r);
fail:
    ts_free(terms);
    tensor_release(pw);
    tensor_release(pb);
    tensor_release(pm);
    tensor_release(pv);
    tensor_release(xc);
    tensor_release(r);
    return ctx->status;
}

static ts_status act_(Ctx *ctx, const char *op, UnaryOp uop, IValue *in, int nin, IValue *out) {
    Tensor *self, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    TS_TRY(op_unary(ctx, op, uop, self, 0, 0, false, self, &r));
    return op_return(out, r);
}

OPFN(top_hardswish_) { return act_(ctx, "hardswish_", UNARY_HARDSWISH, in, nin, out); }
OPFN(top_hardsigmoid_) { return act_(ctx, "hardsigmoid_", UNARY_HARDSIGMOID, in, nin, out); }

/* bernoulli_.float (torchvision's stochastic depth) is in tensor_random.c. */
