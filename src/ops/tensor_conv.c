/*
 * tensor_conv.c - convolutions: aten::conv1d, conv2d (int and string
 * padding), convolution and _convolution (what traced models call), for
 * 1-d and 2-d, any stride, padding, dilation and groups, with an optional
 * bias; float32 / float64 (float16 and bfloat16 compute in float32).
 *
 * Every form ends in conv_run(), which validates like PyTorch's
 * ConvUtils.h (same messages, prefixed with the op), makes the operands
 * contiguous in the compute dtype and computes each image and group by the
 * method that reproduces PyTorch 1.13's own arithmetic where we can:
 *  - one input channel per group (depthwise): a direct loop in oneDNN's
 *    order of operations (PyTorch runs grouped float32 convolutions with
 *    oneDNN), bit for bit equal to PyTorch's;
 *  - few input channels (onednn_first_conv) where PyTorch picks oneDNN
 *    (pytorch_uses_onednn; the first layer of image models): a direct loop
 *    in the order of oneDNN's first-layer kernel, equal too;
 *  - other float32 convolutions PyTorch runs with oneDNN's blocked
 *    kernels: the blocked kernel of the dispatch table where the level in
 *    use has one (kernels/dispatch.def: AVX-512), in oneDNN's order of taps
 *    but not its blocking, so a few ulps off PyTorch's results, as below;
 *  - else one GEMM through the table's gemm (OpenBLAS when built in):
 *    out_g (OCg x OH*OW) = weight_g (OCg x Cg*KH*KW) @ col, where col is the
 *    im2col matrix of the group's input, or the input itself for a 1x1
 *    kernel with stride 1 and no padding; the bias fills the output first
 *    (beta = 1). That is PyTorch's slow_conv2d, which calls the same BLAS
 *    the same way, so with OpenBLAS the results are identical where
 *    PyTorch takes that path, and a few ulps off (another summation
 *    order) where it takes oneDNN's blocked kernels (batches, kernels of
 *    4x4 and more, inputs over 20480 elements).
 * A 1-d convolution is a 2-d one with height 1. The output is a new
 * contiguous tensor. Transposed convolution and 3-d are not supported yet.
 */
#include <inttypes.h>
#include <stdio.h>

#include "kernels/conv.h"
#include "ops/conv_fast.h"
#include "kernels/dispatch.h"
#include "kernels/parallel.h"
#include "ops/tensor_ops.h"

typedef struct ConvArgs {
    int nsp; /* spatial dims: 1 or 2 */
    int64_t stride[2], pad_l[2], pad_r[2], dil[2];
    int64_t groups;
} ConvArgs;

/* "2 x 3" */
static const char *dims_text(ShapeText *buf, const int64_t *v, int n) {
    size_t k = 0;
    buf->s[0] = 0;
    for (int d = 0; d < n; d++)
        k += (size_t)snprintf(buf->s + k, sizeof buf->s - k, d ? " x %" PRId64 : "%" PRId64, v[d]);
    return buf->s;
}

/* An int list argument of nsp values (a single value repeats). */
static ts_status spatial_list(Ctx *ctx, const char *op, const char *what, IValue v, int nsp, int64_t *out) {
    int64_t vals[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, v, vals, &n));
    if (n == 1)
        for (int d = 0; d < nsp; d++) out[d] = vals[0];
    else if (n == nsp)
        for (int d = 0; d < nsp; d++) out[d] = vals[d];
    else {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "%s: expected %s to be a single integer value or a list of %d values to match the "
                       "convolution dimensions, but got %s=%s",
                       op, what, nsp, what, op_sizes(&s, vals, n));
    }
    return TS_OK;
}

/* Operand t contiguous in dtype ct (a new reference; NULL stays NULL). */
static Tensor *prep(Ctx *ctx, Tensor *t, DType ct) {
    if (!t) return NULL;
    if (t->dtype != ct) return tensor_to_dtype(ctx, t, ct);
    return tensor_contiguous(ctx, t);
}

/* Padded input sizes and dilated kernel extents beyond this are refused
 * (PyTorch's own arithmetic wraps there); strides beyond the padded input
 * are clamped to it, which leaves the result unchanged (one output). */
#define CONV_MAX_EXTENT (INT64_MAX / 8)

/* The checks of PyTorch's check_shape_forward, in its order. input is
 * batched (N, C, spatial...). */
static ts_status conv_check(Ctx *ctx, const char *op, const Tensor *input, const Tensor *weight,
                            const Tensor *bias, const ConvArgs *a, int in_ndim) {
    ShapeText s1, s2;
    int nsp = a->nsp;
    for (int d = 0; d < nsp; d++) {
        if (a->stride[d] <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: non-positive stride is not supported", op);
        if (a->pad_l[d] < 0 || a->pad_r[d] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: negative padding is not supported", op);
        if (a->dil[d] <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dilation should be greater than zero", op);
    }
    if (a->groups <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: non-positive groups is not supported", op);
    if (weight->ndim != nsp + 2 || in_ndim != weight->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Expected %d-dimensional input for %d-dimensional weight %s, but got %d-dimensional "
                       "input of size %s instead",
                       op, weight->ndim, weight->ndim, op_shape(&s1, weight), in_ndim, op_shape(&s2, input));
    int64_t oc = weight->sizes[0];
    if (oc < a->groups)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Given groups=%" PRId64 ", expected weight to be at least %" PRId64
                       " at dimension 0, but got weight of size %s instead",
                       op, a->groups, a->groups, op_shape(&s1, weight));
    if (oc % a->groups != 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Given groups=%" PRId64 ", expected weight to be divisible by %" PRId64
                       " at dimension 0, but got weight of size %s instead",
                       op, a->groups, a->groups, op_shape(&s1, weight));
    if (input->sizes[1] != weight->sizes[1] * a->groups)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Given groups=%" PRId64 ", weight of size %s, expected input%s to have %" PRId64
                       " channels, but got %" PRId64 " channels instead",
                       op, a->groups, op_shape(&s1, weight), op_shape(&s2, input), weight->sizes[1] * a->groups,
                       input->sizes[1]);
    if (bias && (bias->ndim != 1 || bias->sizes[0] != oc))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Given weight of size %s, expected bias to be 1-dimensional with %" PRId64
                       " elements, but got bias of size %s instead",
                       op, op_shape(&s1, weight), oc, op_shape(&s2, bias));
    int64_t padded[2], kernel[2];
    bool small = false;
    for (int d = 0; d < nsp; d++) {
        /* padding and dilation are the user's int64s: the extents must stay
         * far enough below 2^63 that the kernels' index sums cannot overflow */
        if (!ts_add_i64_ok(input->sizes[2 + d], a->pad_l[d], &padded[d]) ||
            !ts_add_i64_ok(padded[d], a->pad_r[d], &padded[d]) || padded[d] > CONV_MAX_EXTENT ||
            !ts_mul_i64_ok(weight->sizes[2 + d] - 1, a->dil[d], &kernel[d]) || kernel[d] >= CONV_MAX_EXTENT)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: padding (%" PRId64 ", %" PRId64 ") or dilation %" PRId64
                           " is too large for dimension %d (padded input and kernel extent must stay below 2^60)",
                           op, a->pad_l[d], a->pad_r[d], a->dil[d], d);
        kernel[d] += 1;
        if (padded[d] < kernel[d]) small = true;
    }
    if (small)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Calculated padded input size per channel: (%s). Kernel size: (%s). Kernel size can't "
                       "be greater than actual input size",
                       op, dims_text(&s1, padded, nsp), dims_text(&s2, kernel, nsp));
    return TS_OK;
}

/* Would PyTorch 1.13 (one thread) run this float32 convolution with oneDNN
 * rather than im2col + BLAS (ConvParams::use_mkldnn)? */
static bool pytorch_uses_onednn(const ConvGeom *g, int64_t N, int64_t groups) {
    bool strided = g->sh != 1 || g->sw != 1, dilated = g->dh != 1 || g->dw != 1;
    int64_t big = 0;
    if (!ts_mul_i64_ok(N, g->C * groups, &big) || !ts_mul_i64_ok(big, g->H, &big) || !ts_mul_i64_ok(big, g->W, &big))
        big = INT64_MAX;
    return (strided || dilated || N >= 16 || g->KW != 1 || g->KH != 1) &&
           (groups > 1 || (g->KW > 3 && g->KH > 3) || N > 1 || big > 20480);
}

/* Does oneDNN take a convolution with C input channels (no groups) as a
 * "first convolution" (plain input layout, kh-kw-c order)? Its rule:
 * C < 16 on AVX-512 machines, C of 1 or 3 otherwise (here: the level of
 * the dispatch table in use, so that the cap decides this too). */
static bool onednn_first_conv(const KernelTable *kt, int64_t C) {
    if (C == 1 || C == 3) return true;
    return C < 16 && kt->isa >= KISA_AVX512;
}

/* Depthwise groups (one input channel each) of one image, spread over the
 * kernel threads: every output channel is independent. */
#define DEPTHWISE_JOB(NAME, T, KTYPE)                                                                      \
    typedef struct NAME##_job {                                                                            \
        KTYPE *depthwise;                                                                                  \
        const ConvGeom *g;                                                                                 \
        int64_t OCg, K, ohw;                                                                               \
        const T *x, *w, *b;                                                                                \
        T *o;                                                                                              \
    } NAME##_job;                                                                                          \
    static void NAME(void *arg, int64_t g0, int64_t g1) {                                                  \
        const NAME##_job *j = arg;                                                                         \
        const ConvGeom *g = j->g;                                                                          \
        for (int64_t gi = g0; gi < g1; gi++)                                                               \
            for (int64_t k = 0; k < j->OCg; k++)                                                           \
                j->depthwise(g, j->x + gi * g->H * g->W, j->w + (gi * j->OCg + k) * j->K,                  \
                             j->b ? j->b[gi * j->OCg + k] : (T)0, j->o + (gi * j->OCg + k) * j->ohw);      \
    }

DEPTHWISE_JOB(depthwise_groups_f32, float, KConvDepthwiseF32)
DEPTHWISE_JOB(depthwise_groups_f64, double, KConvDepthwiseF64)

/* Compute every image and group (T: float or double) with the kernels of
 * table kt. first_layer: the oneDNN-order direct loop (see kernels/ref/conv.c). */
#define CONV_COMPUTE(NAME, T, GEMM, IM2COL, DEPTHWISE_GROUPS, DEPTHWISE, DIRECT)                           \
    static void NAME(const KernelTable *kt, const ConvGeom *g, int64_t N, int64_t groups, int64_t OC,       \
                     bool first_layer, const T *x, const T *w, const T *b, T *col, T *o) {                 \
        int64_t Cg = g->C, OCg = OC / groups, ohw = g->OH * g->OW, K = Cg * g->KH * g->KW;                \
        bool direct = g->KH == 1 && g->KW == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 && \
                      g->OH == g->H && g->OW == g->W;                                                      \
        for (int64_t n = 0; n < N; n++) {                                                                  \
            if (Cg == 1) {                                                                                 \
                DEPTHWISE_GROUPS##_job job = {kt->DEPTHWISE, g, OCg, K, ohw, x + n * groups * g->H * g->W, \
                                              w, b, o + n * OC * ohw};                                     \
                int64_t grain = TS_MAX((int64_t)1, 4096 / TS_MAX(ohw * OCg, (int64_t)1));                 \
                kernels_parallel_for(groups, grain, DEPTHWISE_GROUPS, &job);                               \
                continue;                                                                                  \
            }                                                                                              \
            for (int64_t gi = 0; gi < groups; gi++) {                                                      \
                const T *xg = x + (n * groups + gi) * Cg * g->H * g->W;                                    \
                const T *wg = w + gi * OCg * K;                                                            \
                T *og = o + (n * OC + gi * OCg) * ohw;                                                     \
                if (first_layer) {                                                                         \
                    kt->DIRECT(g, OCg, xg, wg, b ? b + gi * OCg : NULL, col, og);                          \
                    continue;                                                                              \
                }                                                                                          \
                const T *cols = xg;                                                                        \
                if (!direct) {                                                                             \
                    IM2COL(g, xg, col);                                                                    \
                    cols = col;                                                                            \
                }                                                                                          \
                if (b)                                                                                     \
                    for (int64_t k = 0; k < OCg; k++)                                                      \
                        for (int64_t i = 0; i < ohw; i++) og[k * ohw + i] = b[gi * OCg + k];               \
                kt->gemm->GEMM(OCg, ohw, K, 1, wg, K, 1, cols, ohw, 1, b ? 1 : 0, og, ohw, 1);             \
            }                                                                                              \
        }                                                                                                  \
    }

CONV_COMPUTE(conv_f32, float, sgemm, kref_im2col_f32, depthwise_groups_f32, conv_depthwise_f32, conv_direct_f32)
CONV_COMPUTE(conv_f64, double, dgemm, kref_im2col_f64, depthwise_groups_f64, conv_depthwise_f64, conv_direct_f64)

/* Every image and group through the table's blocked kernel (kt->conv_blocked_f32). */
static void conv_f32_blocked(const KernelTable *kt, const ConvGeom *g, int64_t N, int64_t groups, int64_t OC,
                             const float *x, const float *w, const float *b, float *scratch, float *o) {
    int64_t Cg = g->C, OCg = OC / groups, ohw = g->OH * g->OW, K = Cg * g->KH * g->KW;
    for (int64_t n = 0; n < N; n++)
        for (int64_t gi = 0; gi < groups; gi++)
            kt->conv_blocked_f32(g, OCg, x + (n * groups + gi) * Cg * g->H * g->W, w + gi * OCg * K,
                                 b ? b + gi * OCg : NULL, scratch, o + (n * OC + gi * OCg) * ohw);
}

/* The convolution of input (batched: N, C, spatial...; else C, spatial...)
 * with weight (OC, C/groups, kernel...) and an optional bias. */
static ts_status conv_run(Ctx *ctx, const OpInfo *info, const char *op, Tensor *input, Tensor *weight,
                          Tensor *bias, const ConvArgs *a, bool batched, Tensor **out) {
    DType dt = input->dtype;
    if (!dtype_is_float(dt))
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: %s inputs are not supported (floating point only)", op,
                       dtype_name(dt));
    if (weight->dtype != dt)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Input type (%s) and weight type (%s) should be the same", op,
                       dtype_name(dt), dtype_name(weight->dtype));
    if (bias && bias->dtype != dt)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Input type (%s) and bias type (%s) should be the same", op,
                       dtype_name(dt), dtype_name(bias->dtype));
    /* a batched view of the input's sizes for the checks */
    Tensor bview = *input;
    if (!batched) {
        if (input->ndim + 1 > TS_MAX_DIMS)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input has too many dimensions", op);
        bview.ndim = input->ndim + 1;
        bview.sizes[0] = 1;
        memcpy(bview.sizes + 1, input->sizes, sizeof(int64_t) * (size_t)input->ndim);
    }
    TS_TRY(conv_check(ctx, op, &bview, weight, bias, a, batched ? input->ndim : input->ndim + 1));

    int nsp = a->nsp, s0 = 2 - nsp; /* a 1-d conv fills index 1 of the 2-d geometry */
    ConvGeom g = {0};
    int64_t H[2] = {1, 1}, KS[2] = {1, 1}, S[2] = {1, 1}, P[2] = {0, 0}, D[2] = {1, 1}, O[2] = {1, 1};
    for (int d = 0; d < nsp; d++) {
        H[s0 + d] = bview.sizes[2 + d];
        KS[s0 + d] = weight->sizes[2 + d];
        P[s0 + d] = a->pad_l[d];
        D[s0 + d] = a->dil[d];
        /* conv_check bounded both extents by CONV_MAX_EXTENT */
        int64_t span = H[s0 + d] + a->pad_l[d] + a->pad_r[d] - D[s0 + d] * (KS[s0 + d] - 1) - 1;
        S[s0 + d] = TS_MIN(a->stride[d], span + 1); /* a larger stride still gives one output */
        O[s0 + d] = span / S[s0 + d] + 1;
    }
    int64_t N = bview.sizes[0], OC = weight->sizes[0];
    g.C = weight->sizes[1];
    g.H = H[0], g.W = H[1], g.KH = KS[0], g.KW = KS[1], g.OH = O[0], g.OW = O[1];
    g.sh = S[0], g.sw = S[1], g.ph = P[0], g.pw = P[1], g.dh = D[0], g.dw = D[1];

    int64_t osz[4];
    int ond = 0;
    if (batched) osz[ond++] = N;
    osz[ond++] = OC;
    for (int d = 0; d < nsp; d++) osz[ond++] = O[s0 + d];

    DType ct = dt == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    size_t es = dtype_size(ct);
    int64_t K = g.C * g.KH * g.KW, ohw; /* K: the weight's own element count, at most */
    if (!ts_mul_i64_ok(g.OH, g.OW, &ohw))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: output of %" PRId64 " x %" PRId64 " positions is too large", op,
                       g.OH, g.OW);
    if (dt == DT_FLOAT32 && N > 0 && OC > 0 && K > 0 && conv_fast_enabled()) {
        OnednnConvDesc d = {.N = N, .C = g.C * a->groups, .H = g.H, .W = g.W, .OC = OC, .KH = g.KH, .KW = g.KW,
                            .OH = g.OH, .OW = g.OW, .sh = g.sh, .sw = g.sw, .ph = g.ph, .pw = g.pw,
                            .ph_r = nsp == 2 ? a->pad_r[0] : 0, .pw_r = a->pad_r[nsp - 1], .dh = g.dh, .dw = g.dw,
                            .groups = a->groups, .bias = bias != NULL};
        Tensor *x = prep(ctx, input, DT_FLOAT32), *r = x ? tensor_new_uninit(ctx, DT_FLOAT32, osz, ond) : NULL;
        bool done = r && conv_fast_run(ctx, info, &d, x, weight, bias, NULL, r);
        tensor_release(x);
        if (done) {
            *out = r;
            return TS_OK;
        }
        tensor_release(r);
    }
    const KernelTable *kt = kernels();
    bool first_layer = ct == DT_FLOAT32 && a->groups == 1 && onednn_first_conv(kt, g.C) &&
                       pytorch_uses_onednn(&g, N, a->groups);
    /* the blocked kernel where PyTorch's own result comes from oneDNN, so
     * that im2col + BLAS stays PyTorch's slow_conv2d elsewhere */
    bool fast = ct == DT_FLOAT32 && a->groups == 1 && !first_layer && g.C > 1 && N > 0 && OC > 0 &&
                pytorch_uses_onednn(&g, N, a->groups) && kt->conv_blocked_f32;
    bool need_col = N > 0 && OC > 0 && g.C > 1 && !first_layer && !fast &&
                    !(g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0);
    /* col: the im2col matrix, or the direct kernel's scratch */
    size_t colbytes = 0, ocg = (size_t)(OC / a->groups);
    if (need_col && (!ts_mul_ok((size_t)K, (size_t)ohw, &colbytes) || !ts_mul_ok(colbytes, es, &colbytes)))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: the im2col buffer is too large", op);
    if (first_layer && N > 0 && OC > 0) {
        size_t a1, a2;
        need_col = true;
        if (!ts_mul_ok(ocg, (size_t)K, &a1) || !ts_mul_ok(ocg, (size_t)g.OW, &a2) ||
            !ts_add_ok(a1, a2, &colbytes) || !ts_mul_ok(colbytes, es, &colbytes))
            return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: the scratch buffer is too large", op);
    }

    if (fast) {
        int64_t n = kt->conv_blocked_f32_scratch(&g, (int64_t)ocg);
        need_col = true;
        if (n <= 0 || !ts_mul_ok((size_t)n, es, &colbytes))
            return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: the scratch buffer is too large", op);
    }

    Tensor *x = NULL, *w = NULL, *b = NULL, *r = NULL;
    void *col = NULL;
    if (!(x = prep(ctx, input, ct)) || !(w = prep(ctx, weight, ct)) || (bias && !(b = prep(ctx, bias, ct))) ||
        !(r = K == 0 ? tensor_empty(ctx, ct, osz, ond) : tensor_new_uninit(ctx, ct, osz, ond)))
        goto fail;
    if (need_col && K > 0 && !(col = ts_malloc(colbytes))) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory for the im2col buffer", op);
        goto fail;
    }
    if (K == 0) {
        if (b) {
            Tensor *bv = NULL;
            int64_t bsz[4], bst[4] = {0, 0, 0, 0};
            memcpy(bsz, osz, sizeof bsz);
            bst[batched ? 1 : 0] = 1;
            if (!(bv = tensor_view(ctx, b->storage, ct, b->storage_offset, bsz, bst, ond))) goto fail;
            tensor_copy_into(r, bv);
            tensor_release(bv);
        }
    } else if (fast) {
        conv_f32_blocked(kt, &g, N, a->groups, OC, tensor_data(x), tensor_data(w), b ? tensor_data(b) : NULL, col,
                     tensor_data(r));
    } else if (ct == DT_FLOAT32) {
        conv_f32(kt, &g, N, a->groups, OC, first_layer, tensor_data(x), tensor_data(w), b ? tensor_data(b) : NULL, col,
                 tensor_data(r));
    } else {
        conv_f64(kt, &g, N, a->groups, OC, false, tensor_data(x), tensor_data(w), b ? tensor_data(b) : NULL, col,
                 tensor_data(r));
    }
    ts_free(col);
    tensor_release(x);
    tensor_release(w);
    tensor_release(b);
    if (!(r = op_cast_steal(ctx, r, dt))) return ctx->status;
    *out = r;
    return TS_OK;
fail:
    ts_free(col);
    tensor_release(x);
    tensor_release(w);
    tensor_release(b);
    tensor_release(r);
    return ctx->status;
}

/* conv1d / conv2d: the int-list form (str_padding NULL) or the string form. */
static ts_status conv_nd(Ctx *ctx, const OpInfo *info, const char *op, int nsp, IValue *in, int nin, bool str_padding,
                         IValue *out) {
    Tensor *input, *weight, *bias, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &input));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &weight));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &bias));
    if (input->ndim != nsp + 1 && input->ndim != nsp + 2) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %s", op,
                       nsp + 1, nsp + 2, op, op_shape(&s, input));
    }
    ConvArgs a = {.nsp = nsp, .groups = op_int(in[6])};
    TS_TRY(spatial_list(ctx, op, "stride", in[3], nsp, a.stride));
    TS_TRY(spatial_list(ctx, op, "dilation", in[5], nsp, a.dil));
    if (!str_padding) {
        TS_TRY(spatial_list(ctx, op, "padding", in[4], nsp, a.pad_l));
        memcpy(a.pad_r, a.pad_l, sizeof a.pad_r);
    } else {
        if (in[4].kind != IV_STR) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a padding string", op);
        const char *p = in[4].u.s->data;
        if (strcmp(p, "valid") == 0) {
            memset(a.pad_l, 0, sizeof a.pad_l);
            memset(a.pad_r, 0, sizeof a.pad_r);
        } else if (strcmp(p, "same") == 0) {
            for (int d = 0; d < nsp; d++)
                if (a.stride[d] != 1)
                    return ts_fail(ctx, TS_ERR_VALUE, NULL,
                                   "%s: padding='same' is not supported for strided convolutions", op);
            if (weight->ndim != nsp + 2) {
                ShapeText s1, s2;
                return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                               "%s: Expected %d-dimensional input for %d-dimensional weight %s, but got "
                               "%d-dimensional input of size %s instead",
                               op, weight->ndim, weight->ndim, op_shape(&s1, weight), nsp + 2, op_shape(&s2, input));
            }
            for (int d = 0; d < nsp; d++) {
                int64_t total = a.dil[d] * (weight->sizes[2 + d] - 1);
                a.pad_l[d] = total / 2;
                a.pad_r[d] = total - total / 2;
            }
        } else {
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Invalid padding string: '%s'", op, p);
        }
    }
    TS_TRY(conv_run(ctx, info, op, input, weight, bias, &a, input->ndim == nsp + 2, &r));
    return op_return(out, r);
}

OPFN(top_conv1d) { return conv_nd(ctx, info, "conv1d", 1, in, nin, false, out); }
OPFN(top_conv1d_padding) { return conv_nd(ctx, info, "conv1d", 1, in, nin, true, out); }
OPFN(top_conv2d) { return conv_nd(ctx, info, "conv2d", 2, in, nin, false, out); }
OPFN(top_conv2d_padding) { return conv_nd(ctx, info, "conv2d", 2, in, nin, true, out); }

/* aten::_convolution_mode: conv1d/2d/3d with a padding string, by the
 * weight's rank (what PyTorch's trace of F.conv2d(..., padding='same') holds). */
OPFN(top__convolution_mode) {
    Tensor *w;
    TS_TRY(op_tensor(ctx, "_convolution_mode", in, nin, 1, &w));
    if (w->ndim == 3 || w->ndim == 4) return conv_nd(ctx, info, "_convolution_mode", w->ndim - 2, in, nin, true, out);
    if (w->ndim == 5) return top_conv3d_padding(ctx, in, nin, out, info);
    return ts_fail(ctx, TS_ERR_SHAPE, NULL, "_convolution_mode: expected a 3-d, 4-d or 5-d weight, got %d-d", w->ndim);
}

ts_status conv3_convolution(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out); /* tensor_conv3.c */

/* aten::convolution and _convolution: (input, weight, bias, stride, padding,
 * dilation, transposed, output_padding, groups, ...); the rank comes from
 * the weight and the input must be batched. */
static ts_status convolution(Ctx *ctx, const OpInfo *info, const char *op, IValue *in, int nin, IValue *out) {
    Tensor *input, *weight, *bias, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &input));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &weight));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &bias));
    if (weight->ndim < 3)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: weight should have at least three dimensions", op);
    int nsp = weight->ndim - 2;
    /* transposed and 3-d: tensor_conv3.c's reference code */
    if (op_bool(in[6]) || nsp > 2) return conv3_convolution(ctx, op, in, nin, out);
    ConvArgs a = {.nsp = nsp, .groups = op_int(in[8])};
    TS_TRY(spatial_list(ctx, op, "stride", in[3], nsp, a.stride));
    TS_TRY(spatial_list(ctx, op, "padding", in[4], nsp, a.pad_l));
    TS_TRY(spatial_list(ctx, op, "dilation", in[5], nsp, a.dil));
    memcpy(a.pad_r, a.pad_l, sizeof a.pad_r);
    TS_TRY(conv_run(ctx, info, op, input, weight, bias, &a, true, &r));
    return op_return(out, r);
}

OPFN(top_convolution) { return convolution(ctx, info, "convolution", in, nin, out); }
OPFN(top__convolution) { return convolution(ctx, info, "_convolution", in, nin, out); }
