/*
 * tensor_pool.c - pooling: aten::max_pool1d, max_pool2d, avg_pool1d,
 * avg_pool2d, adaptive_avg_pool1d and adaptive_avg_pool2d on float32 /
 * float64 (float16 and bfloat16 compute in float32).
 *
 * Arguments are checked as PyTorch 1.13's Pool.h does (kernel, stride,
 * padding and dilation ranges; at most half-kernel padding; an output of at
 * least one element), output sizes follow its pooling_output_shape (ceil
 * mode drops a last window that would start in the right padding). Inputs
 * are (C, H, W) or (N, C, H, W) for 2-d and (C, L) or (N, C, L) for 1-d,
 * which is 2-d with H == 1. The kernels (kernels/ref/pool.c) see contiguous
 * planes; results are new contiguous tensors.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "kernels/conv.h"
#include "ops/tensor_ops.h"

/* An int list of 1 or nsp values into out[nsp]; an empty list (when
 * allowed) gives `dflt`. */
static ts_status pool_list(Ctx *ctx, const char *op, const char *what, const char *rule, IValue v, int nsp,
                           const int64_t *dflt, int64_t *out) {
    int64_t vals[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, v, vals, &n));
    if (n == 0 && dflt) {
        memcpy(out, dflt, sizeof(int64_t) * (size_t)nsp);
        return TS_OK;
    }
    if (n != 1 && n != nsp) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: %s %s", op, what, rule);
    for (int d = 0; d < nsp; d++) out[d] = vals[n == 1 ? 0 : d];
    return TS_OK;
}

/* PyTorch's pooling_output_shape, in exact (128-bit) arithmetic: every
 * operand is a user's int64, so sums and products may pass 2^63. The
 * caller refuses the geometry unless every extent fits POOL_MAX_EXTENT. */
static int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil) {
    __int128 num = (__int128)in + 2 * (__int128)pad - (__int128)dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
    __int128 q = num / stride;
    if (num % stride != 0 && num < 0) q--; /* round toward -infinity */
    __int128 o = q + 1;
    if (ceil && (o - 1) * stride >= (__int128)in + pad) o--;
    return o < 0 ? 0 : o > INT64_MAX ? INT64_MAX : (int64_t)o;
}

/* Dilated kernel extents beyond this are refused, and strides are clamped
 * to the padded input, so that the kernels' index arithmetic (a few such
 * terms added) cannot overflow. */
#define POOL_MAX_EXTENT (INT64_MAX / 8)

/* The input as planes of a 2-d geometry: float check, dims check. */
static ts_status pool_input(Ctx *ctx, const char *op, const Tensor *x, int nsp, bool int_ok) {
    if (!dtype_is_float(x->dtype)) {
        if (int_ok) /* PyTorch's avg_pool takes integers, which we do not */
            return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: %s inputs are not supported (floating point only)",
                           op, dtype_name(x->dtype));
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating point input, got %s", op,
                       dtype_name(x->dtype));
    }
    bool ok = x->ndim == nsp + 1 || x->ndim == nsp + 2;
    for (int d = x->ndim - nsp - 1; ok && d < x->ndim; d++)
        if (d >= 0 && x->sizes[d] == 0) ok = false;
    if (!ok) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Expected %dD or %dD (batch mode) tensor with optional 0 dim batch size for input, but "
                       "got: %s",
                       op, nsp + 1, nsp + 2, op_shape(&s, x));
    }
    return TS_OK;
}

typedef enum PoolKind { POOL_MAX, POOL_AVG, POOL_ADAPTIVE } PoolKind;

/* Run a pooling kernel over x with geometry g (H, W, OH, OW set); the
 * output has x's leading dims and OH, OW (or just OW for 1-d). */
static ts_status pool_run(Ctx *ctx, PoolKind kind, Tensor *x, int nsp, const ConvGeom *g, bool count_include_pad,
                          int64_t divisor, Tensor **out) {
    int64_t osz[TS_MAX_DIMS];
    int lead = x->ndim - nsp;
    int64_t planes = 1;
    for (int d = 0; d < lead; d++) {
        osz[d] = x->sizes[d];
        planes *= x->sizes[d];
    }
    if (nsp == 2) osz[lead] = g->OH;
    osz[x->ndim - 1] = g->OW;
    DType dt = x->dtype, ct = dt == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    Tensor *c = dt == ct ? tensor_contiguous(ctx, x) : tensor_to_dtype(ctx, x, ct);
    if (!c) return ctx->status;
    Tensor *r = tensor_new_uninit(ctx, ct, osz, x->ndim);
    if (!r) {
        tensor_release(c);
        return ctx->status;
    }
    bool f32 = ct == DT_FLOAT32;
    void *xi = tensor_data(c), *ro = tensor_data(r);
    switch (kind) {
    case POOL_MAX:
        if (f32) kref_max_pool2d_f32(g, planes, xi, ro);
        else kref_max_pool2d_f64(g, planes, xi, ro);
        break;
    case POOL_AVG:
        if (f32) kref_avg_pool2d_f32(g, planes, count_include_pad, divisor, xi, ro);
        else kref_avg_pool2d_f64(g, planes, count_include_pad, divisor, xi, ro);
        break;
    case POOL_ADAPTIVE:
        if (f32) kref_adaptive_avg_pool2d_f32(g, planes, xi, ro);
        else kref_adaptive_avg_pool2d_f64(g, planes, xi, ro);
        break;
    }
    tensor_release(c);
    if (!(r = op_cast_steal(ctx, r, dt))) return ctx->status;
    *out = r;
    return TS_OK;
}

/* max_pool / avg_pool: in = (self, kernel_size, stride, padding, ...);
 * dilation at `dil_arg` (-1: none), ceil_mode at ceil_arg,
 * count_include_pad / divisor_override at cip_arg / div_arg (-1: none). */
static ts_status pool_nd(Ctx *ctx, const char *op, PoolKind kind, int nsp, IValue *in, int nin, int dil_arg,
                         int ceil_arg, int cip_arg, int div_arg, IValue *out) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t k[2] = {1, 1}, s[2] = {1, 1}, p[2] = {0, 0}, d[2] = {1, 1};
    const char *n2 = nsp == 2 ? "a single int, or a tuple of two ints" : "a single int";
    char rule[96];
    snprintf(rule, sizeof rule, "must either be %s", n2);
    TS_TRY(pool_list(ctx, op, "kernel_size", rule, in[1], nsp, NULL, k));
    snprintf(rule, sizeof rule, "must either be omitted, %s", n2);
    TS_TRY(pool_list(ctx, op, "stride", rule, in[2], nsp, k, s));
    snprintf(rule, sizeof rule, "must either be %s", n2);
    TS_TRY(pool_list(ctx, op, "padding", rule, in[3], nsp, NULL, p));
    if (dil_arg >= 0) TS_TRY(pool_list(ctx, op, "dilation", rule, in[dil_arg], nsp, NULL, d));
    bool ceil = op_bool(in[ceil_arg]);
    bool cip = cip_arg >= 0 ? op_bool(in[cip_arg]) : true;
    int64_t divisor = 0;
    if (div_arg >= 0 && in[div_arg].kind != IV_NONE) {
        divisor = op_int(in[div_arg]);
        if (divisor == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: divisor must be not zero", op);
    }
    for (int i = 0; i < nsp; i++) {
        if (k[i] <= 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: kernel size should be greater than zero, but got %" PRId64,
                           op, k[i]);
        if (s[i] <= 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: stride should be greater than zero, but got %" PRId64, op,
                           s[i]);
        if (d[i] <= 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dilation should be greater than zero, but got %" PRId64,
                           op, d[i]);
        if (p[i] < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: pad must be non-negative, but got %" PRId64, op, p[i]);
        int64_t ext;
        if (!ts_mul_i64_ok(d[i], k[i] - 1, &ext) || ext > POOL_MAX_EXTENT || k[i] > POOL_MAX_EXTENT)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: kernel_size %" PRId64 " with dilation %" PRId64
                           " is too large (its extent must stay below 2^60)",
                           op, k[i], d[i]);
        if (p[i] > k[i] / 2)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: pad should be smaller than or equal to half of kernel size, but got pad = %" PRId64
                           ", kernel_size = %" PRId64,
                           op, p[i], k[i]);
    }
    TS_TRY(pool_input(ctx, op, x, nsp, kind == POOL_AVG));
    int s0 = 2 - nsp;
    ConvGeom g = {0};
    int64_t H[2] = {1, 1}, KS[2] = {1, 1}, S[2] = {1, 1}, P[2] = {0, 0}, D[2] = {1, 1}, O[2] = {1, 1};
    bool small = false;
    for (int i = 0; i < nsp; i++) {
        H[s0 + i] = x->sizes[x->ndim - nsp + i];
        KS[s0 + i] = k[i], S[s0 + i] = s[i], P[s0 + i] = p[i], D[s0 + i] = d[i];
        /* a stride past the padded input gives one window, as the padded
         * input's own extent does: clamp it so the kernels' index sums stay
         * small (pad <= kernel / 2 < 2^59, so this cannot overflow) */
        s[i] = TS_MIN(s[i], H[s0 + i] + 2 * p[i] + 1);
        O[s0 + i] = pool_out(H[s0 + i], k[i], p[i], s[i], d[i], ceil);
        if (O[s0 + i] < 1) small = true;
    }
    if (small) {
        int64_t isz[3] = {x->sizes[x->ndim - nsp - 1], H[0], H[1]}, osz[3] = {isz[0], O[0], O[1]};
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Given input size: (%" PRId64 "x%" PRId64 "x%" PRId64 "). Calculated output size: (%" PRId64
                       "x%" PRId64 "x%" PRId64 "). Output size is too small",
                       op, isz[0], isz[1], isz[2], osz[0], osz[1], osz[2]);
    }
    g.H = H[0], g.W = H[1], g.KH = KS[0], g.KW = KS[1], g.OH = O[0], g.OW = O[1];
    g.sh = S[0], g.sw = S[1], g.ph = P[0], g.pw = P[1], g.dh = D[0], g.dw = D[1];
    TS_TRY(pool_run(ctx, kind, x, nsp, &g, cip, divisor, &r));
    return op_return(out, r);
}

/* (self, kernel_size, stride, padding, dilation, ceil_mode) */
OPFN(top_max_pool1d) { return pool_nd(ctx, "max_pool1d", POOL_MAX, 1, in, nin, 4, 5, -1, -1, out); }
OPFN(top_max_pool2d) { return pool_nd(ctx, "max_pool2d", POOL_MAX, 2, in, nin, 4, 5, -1, -1, out); }
/* (self, kernel_size, stride, padding, ceil_mode, count_include_pad[, divisor_override]) */
OPFN(top_avg_pool1d) { return pool_nd(ctx, "avg_pool1d", POOL_AVG, 1, in, nin, -1, 4, 5, -1, out); }
OPFN(top_avg_pool2d) { return pool_nd(ctx, "avg_pool2d", POOL_AVG, 2, in, nin, -1, 4, 5, 6, out); }

static ts_status adaptive(Ctx *ctx, const char *op, int nsp, IValue *in, int nin, IValue *out) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t os[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, in[1], os, &n));
    if (n != nsp) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: output_size must be %d", op, nsp);
    for (int i = 0; i < nsp; i++)
        if (os[i] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: elements of output_size must be greater than or equal to 0 but received %" PRId64, op,
                           os[i]);
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating point input, got %s", op,
                       dtype_name(x->dtype));
    ShapeText st;
    if (nsp == 2 && os[0] == 1 && os[1] == 1) {
        /* PyTorch computes a 1x1 output as mean(dims=(-1, -2), keepdim) without its
         * rank checks: any rank >= 2, an empty plane gives NaN */
        if (x->ndim < 2)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: dimension out of range (expected to be in range of [-%d, %d], "
                           "but got -2)", op, TS_MAX(x->ndim, 1), TS_MAX(x->ndim, 1) - 1);
        ConvGeom g = {0};
        g.H = x->sizes[x->ndim - 2], g.W = x->sizes[x->ndim - 1], g.OH = g.OW = 1;
        TS_TRY(pool_run(ctx, POOL_ADAPTIVE, x, 2, &g, true, 0, &r));
        return op_return(out, r);
    }
    if (x->ndim != nsp + 1 && x->ndim != nsp + 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): Expected %dD or %dD tensor, but got %s", op, nsp + 1, nsp + 2,
                       op_shape(&st, x));
    for (int d = x->ndim - nsp; d < x->ndim; d++)
        if (x->sizes[d] == 0)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "%s(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                           "%s with dimension %d being empty",
                           op, op_shape(&st, x), d);
    ConvGeom g = {0};
    g.H = nsp == 2 ? x->sizes[x->ndim - 2] : 1;
    g.W = x->sizes[x->ndim - 1];
    g.OH = nsp == 2 ? os[0] : 1;
    g.OW = os[nsp - 1];
    TS_TRY(pool_run(ctx, POOL_ADAPTIVE, x, nsp, &g, true, 0, &r));
    return op_return(out, r);
}

OPFN(top_adaptive_avg_pool1d) { return adaptive(ctx, "adaptive_avg_pool1d", 1, in, nin, out); }
OPFN(top_adaptive_avg_pool2d) { return adaptive(ctx, "adaptive_avg_pool2d", 2, in, nin, out); }

/* max_pool{1,2}d_with_indices: the geometry and checks of max_pool (its result
 * gives the output size), then, per window as ATen's max_pool2d_with_indices
 * scans it (rows, then columns, from the first in-bounds position; a larger
 * value or a NaN takes over), the flat index within the input plane and the
 * input element there. */
static ts_status max_pool_with_indices(Ctx *ctx, const char *op, int nsp, IValue *in, int nin, IValue *out) {
    IValue vals;
    TS_TRY(pool_nd(ctx, op, POOL_MAX, nsp, in, nin, 4, 5, -1, -1, &vals));
    Tensor *v = vals.u.t, *x = in[0].u.t;
    int64_t k[2] = {1, 1}, s[2] = {1, 1}, p[2] = {0, 0}, d[2] = {1, 1};
    int64_t kk[2], ss[2], pp[2], dd[2];
    /* pool_nd accepted these lists */
    if (pool_list(ctx, op, "kernel_size", "", in[1], nsp, NULL, kk) != TS_OK ||
        pool_list(ctx, op, "stride", "", in[2], nsp, kk, ss) != TS_OK ||
        pool_list(ctx, op, "padding", "", in[3], nsp, NULL, pp) != TS_OK ||
        pool_list(ctx, op, "dilation", "", in[4], nsp, NULL, dd) != TS_OK) {
        tensor_release(v);
        return ctx->status;
    }
    int s0 = 2 - nsp;
    for (int i = 0; i < nsp; i++) k[s0 + i] = kk[i], s[s0 + i] = ss[i], p[s0 + i] = pp[i], d[s0 + i] = dd[i];
    int64_t H = nsp == 2 ? x->sizes[x->ndim - 2] : 1, W = x->sizes[x->ndim - 1];
    int64_t OH = nsp == 2 ? v->sizes[v->ndim - 2] : 1, OW = v->sizes[v->ndim - 1];
    int64_t planes = tensor_numel(x) / (H * W);
    Tensor *c = tensor_contiguous(ctx, x);
    Tensor *ix = c ? tensor_new_uninit(ctx, DT_INT64, v->sizes, v->ndim) : NULL;
    if (!ix) {
        tensor_release(c);
        tensor_release(v);
        return ctx->status;
    }
    size_t es = dtype_size(x->dtype);
    const char *X = tensor_data(c);
    char *V = tensor_data(v);
    int64_t *I = tensor_data(ix);
    for (int64_t pl = 0; pl < planes; pl++)
        for (int64_t oh = 0; oh < OH; oh++)
            for (int64_t ow = 0; ow < OW; ow++) {
                int64_t hs = oh * s[0] - p[0], ws = ow * s[1] - p[1];
                int64_t he = TS_MIN(hs + (k[0] - 1) * d[0] + 1, H), we = TS_MIN(ws + (k[1] - 1) * d[1] + 1, W);
                while (hs < 0) hs += d[0];
                while (ws < 0) ws += d[1];
                int64_t best = hs * W + ws;
                double m = -INFINITY;
                for (int64_t y = hs; y < he; y += d[0])
                    for (int64_t xw = ws; xw < we; xw += d[1]) {
                        double val = dtype_load_f64(x->dtype, X + (size_t)(pl * H * W + y * W + xw) * es);
                        if (val > m || isnan(val)) {
                            m = val;
                            best = y * W + xw;
                        }
                    }
                int64_t o = (pl * OH + oh) * OW + ow;
                I[o] = best;
                memcpy(V + (size_t)o * es, X + (size_t)(pl * H * W + best) * es, es);
            }
    tensor_release(c);
    out[0] = iv_tensor_steal(v);
    out[1] = iv_tensor_steal(ix);
    return TS_OK;
}

OPFN(top_max_pool1d_with_indices) { return max_pool_with_indices(ctx, "max_pool1d_with_indices", 1, in, nin, out); }
OPFN(top_max_pool2d_with_indices) { return max_pool_with_indices(ctx, "max_pool2d_with_indices", 2, in, nin, out); }
