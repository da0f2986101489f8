/*
 * tensor_fold.c - patch extraction and bicubic resampling: aten::im2col
 * (nn.Unfold / F.unfold), aten::col2im (nn.Fold / F.fold) and
 * aten::upsample_bicubic2d with its .vec overload (F.interpolate's
 * mode="bicubic").
 *
 * Where it sits: ops/, beside the nearest and linear upsampling of
 * tensor_nn2.c. The arithmetic is PyTorch 1.13's CPU path, in the input's
 * floating type (float32 or float64), in the same order: im2col copies
 * (exact), col2im adds each column entry into its image pixel in the order
 * of the columns, and bicubic interpolation takes Keys' cubic convolution
 * (A = -0.75) weights of the 4 x 4 neighbours (indices clamped to the
 * border), summing rows of column sums as UpSampleKernel.cpp does, so the
 * results are within an ulp of PyTorch's. Shapes are checked with PyTorch's
 * wording; outputs are new contiguous tensors.
 */
#include <inttypes.h>
#include <math.h>

#include "ops/tensor_ops.h"

/* ---- shared argument checks ---- */

typedef struct Patch {
    int64_t kh, kw, dh, dw, ph, pw, sh, sw;
} Patch;

static ts_status pair(Ctx *ctx, const char *op, const char *what, IValue v, int64_t *a, int64_t *b) {
    int64_t x[TS_MAX_DIMS];
    int n = 0;
    *a = *b = 0;
    TS_TRY(op_int_list(ctx, op, v, x, &n));
    if (n == 1) x[1] = x[0];
    else if (n != 2)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: It is expected %s equals to 2, but got size %d", op, what, n);
    *a = x[0];
    *b = x[1];
    return TS_OK;
}

static ts_status patch_args(Ctx *ctx, const char *op, const IValue *in, int first, Patch *p) {
    TS_TRY(pair(ctx, op, "kernel_size", in[first], &p->kh, &p->kw));
    TS_TRY(pair(ctx, op, "dilation", in[first + 1], &p->dh, &p->dw));
    TS_TRY(pair(ctx, op, "padding", in[first + 2], &p->ph, &p->pw));
    TS_TRY(pair(ctx, op, "stride", in[first + 3], &p->sh, &p->sw));
    if (p->kh <= 0 || p->kw <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: kernel size should be greater than zero, but got kernel_height: %" PRId64
                       " kernel_width: %" PRId64, op, p->kh, p->kw);
    if (p->dh <= 0 || p->dw <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dilation should be greater than zero, but got dilation_height: %" PRId64
                       " dilation_width: %" PRId64, op, p->dh, p->dw);
    if (p->ph < 0 || p->pw < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: padding should be non-negative, but got pad_height: %" PRId64
                       " pad_width: %" PRId64, op, p->ph, p->pw);
    if (p->sh <= 0 || p->sw <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: stride should be greater than zero, but got stride_height: %" PRId64
                       " stride_width: %" PRId64, op, p->sh, p->sw);
    return TS_OK;
}

/* Number of patch positions along one axis (may be <= 0: no room). */
static int64_t blocks(int64_t size, int64_t pad, int64_t dil, int64_t k, int64_t stride) {
    return (size + 2 * pad - (dil * (k - 1) + 1)) / stride + 1;
}

static ts_status float_input(Ctx *ctx, const char *op, Tensor *t, Tensor **out) {
    if (t->dtype != DT_FLOAT32 && t->dtype != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a float32 or float64 input, got %s", op, dtype_name(t->dtype));
    *out = tensor_contiguous(ctx, t);
    return *out ? TS_OK : ctx->status;
}

/* ---- im2col ---- */

#define IM2COL_BODY(T)                                                                                              \
    do {                                                                                                           \
        const T *src = tensor_data(xc);                                                                            \
        T *dst = tensor_data(y);                                                                                   \
        for (int64_t n = 0; n < N; n++)                                                                            \
            for (int64_t r = 0; r < C * p.kh * p.kw; r++) {                                                        \
                int64_t c = r / (p.kh * p.kw), i = r / p.kw % p.kh, j = r % p.kw;                                   \
                const T *plane = src + (n * C + c) * H * W;                                                        \
                T *row = dst + (n * C * p.kh * p.kw + r) * OH * OW;                                                \
                for (int64_t oh = 0; oh < OH; oh++) {                                                              \
                    int64_t h = oh * p.sh - p.ph + i * p.dh;                                                       \
                    for (int64_t ow = 0; ow < OW; ow++) {                                                          \
                        int64_t w = ow * p.sw - p.pw + j * p.dw;                                                   \
                        row[oh * OW + ow] = h >= 0 && h < H && w >= 0 && w < W ? plane[h * W + w] : (T)0;          \
                    }                                                                                              \
                }                                                                                                  \
            }                                                                                                      \
    } while (0)

OPFN(top_im2col) {
    const char *op = "im2col";
    Tensor *x, *xc, *y;
    Patch p;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(patch_args(ctx, op, in, 1, &p));
    bool batched = x->ndim == 4;
    if (x->ndim != 3 && x->ndim != 4) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected 3D or 4D (batch mode) tensor input, but got: %s", op,
                       op_shape(&s, x));
    }
    int64_t N = batched ? x->sizes[0] : 1, C = x->sizes[batched], H = x->sizes[batched + 1], W = x->sizes[batched + 2];
    if (C == 0 || H == 0 || W == 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected non-empty 3D or 4D input tensor", op);
    int64_t OH = blocks(H, p.ph, p.dh, p.kh, p.sh), OW = blocks(W, p.pw, p.dw, p.kw, p.sw);
    if (OH < 1 || OW < 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Given input with spatial size (%" PRId64 ", %" PRId64
                       "), kernel_size=(%" PRId64 ", %" PRId64 "), dilation=(%" PRId64 ", %" PRId64 "), padding=(%" PRId64
                       ", %" PRId64 "), calculated shape of the array of sliding blocks as (%" PRId64 ", %" PRId64
                       "), but its components must be at least one.", op, H, W, p.kh, p.kw, p.dh, p.dw, p.ph, p.pw, OH, OW);
    int64_t rows;
    if (__builtin_mul_overflow(C, p.kh * p.kw, &rows))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: the output is too large", op);
    TS_TRY(float_input(ctx, op, x, &xc));
    int64_t sz[3] = {N, rows, OH * OW};
    y = tensor_new_uninit(ctx, x->dtype, batched ? sz : sz + 1, batched ? 3 : 2);
    if (!y) {
        tensor_release(xc);
        return ctx->status;
    }
    if (x->dtype == DT_FLOAT32) IM2COL_BODY(float);
    else IM2COL_BODY(double);
    tensor_release(xc);
    return op_return(out, y);
}

/* ---- col2im ---- */

#define COL2IM_BODY(T)                                                                                              \
    do {                                                                                                           \
        const T *src = tensor_data(xc);                                                                            \
        T *dst = tensor_data(y);                                                                                   \
        for (int64_t n = 0; n < N; n++)                                                                            \
            for (int64_t r = 0; r < C * p.kh * p.kw; r++) {                                                        \
                int64_t c = r / (p.kh * p.kw), i = r / p.kw % p.kh, j = r % p.kw;                                   \
                T *plane = dst + (n * C + c) * H * W;                                                              \
                const T *row = src + (n * C * p.kh * p.kw + r) * L;                                                \
                for (int64_t bh = 0; bh < BH; bh++) {                                                              \
                    int64_t h = bh * p.sh - p.ph + i * p.dh;                                                       \
                    for (int64_t bw = 0; bw < BW; bw++) {                                                          \
                        int64_t w = bw * p.sw - p.pw + j * p.dw;                                                   \
                        if (h >= 0 && h < H && w >= 0 && w < W) plane[h * W + w] += row[bh * BW + bw];             \
                    }                                                                                              \
                }                                                                                                  \
            }                                                                                                      \
    } while (0)

OPFN(top_col2im) {
    const char *op = "col2im";
    Tensor *x, *xc, *y;
    Patch p;
    int64_t H, W;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(pair(ctx, op, "output_size", in[1], &H, &W));
    TS_TRY(patch_args(ctx, op, in, 2, &p));
    bool batched = x->ndim == 3;
    if (x->ndim != 2 && x->ndim != 3) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                       "size and non-zero dimensions for input, but got: %s", op, op_shape(&s, x));
    }
    int64_t N = batched ? x->sizes[0] : 1, R = x->sizes[batched], L = x->sizes[batched + 1], K = p.kh * p.kw;
    if (R % K != 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected size of input's dimension 1 to be divisible by the product "
                       "of kernel_size, but got input.size(1)=%" PRId64 " and kernel_size=(%" PRId64 ", %" PRId64 ")",
                       op, R, p.kh, p.kw);
    if (H <= 0 || W <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: output_size should be greater than zero, but got (%" PRId64
                       ", %" PRId64 ")", op, H, W);
    int64_t BH = blocks(H, p.ph, p.dh, p.kh, p.sh), BW = blocks(W, p.pw, p.dw, p.kw, p.sw);
    if (BH < 1 || BW < 1 || BH * BW != L)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Given output_size=(%" PRId64 ", %" PRId64 "), kernel_size=(%" PRId64
                       ", %" PRId64 "), dilation=(%" PRId64 ", %" PRId64 "), padding=(%" PRId64 ", %" PRId64
                       "), stride=(%" PRId64 ", %" PRId64 "), expected size of input's dimension 2 to match the calculated "
                       "number of sliding blocks %" PRId64 " * %" PRId64 " = %" PRId64 ", but got input.size(2)=%" PRId64 ".",
                       op, H, W, p.kh, p.kw, p.dh, p.dw, p.ph, p.pw, p.sh, p.sw, BH, BW, BH * BW, L);
    int64_t C = R / K;
    TS_TRY(float_input(ctx, op, x, &xc));
    int64_t sz[4] = {N, C, H, W};
    y = tensor_empty(ctx, x->dtype, batched ? sz : sz + 1, batched ? 4 : 3);
    if (!y) {
        tensor_release(xc);
        return ctx->status;
    }
    if (x->dtype == DT_FLOAT32) COL2IM_BODY(float);
    else COL2IM_BODY(double);
    tensor_release(xc);
    return op_return(out, y);
}

/* ---- bicubic upsampling ---- */

/* Keys' cubic convolution weights of the 4 neighbours at fractional offset t. */
#define CUBIC_WEIGHTS(T, t, w)                                                                                      \
    do {                                                                                                           \
        const T A = (T)-0.75;                                                                                      \
        T x1 = (t), x2 = (T)1 - (t), y1 = x1 + (T)1, y2 = x2 + (T)1;                                                \
        (w)[0] = ((A * y1 - (T)5 * A) * y1 + (T)8 * A) * y1 - (T)4 * A;                                             \
        (w)[1] = ((A + (T)2) * x1 - (A + (T)3)) * x1 * x1 + (T)1;                                                   \
        (w)[2] = ((A + (T)2) * x2 - (A + (T)3)) * x2 * x2 + (T)1;                                                   \
        (w)[3] = ((A * y2 - (T)5 * A) * y2 + (T)8 * A) * y2 - (T)4 * A;                                             \
    } while (0)

/* For each output index of one axis: the 4 clamped source indices and weights. */
#define CUBIC_AXIS(T, insz, outsz, align, scale, idx, wts)                                                          \
    do {                                                                                                           \
        T s = (align) ? ((outsz) > 1 ? (T)((insz) - 1) / (T)((outsz) - 1) : (T)0)                                 \
                      : ((scale) > 0 ? (T)(1.0 / (scale)) : (T)(insz) / (T)(outsz));                              \
        for (int64_t o = 0; o < (outsz); o++) {                                                                    \
            T real = (align) ? s * (T)o : s * ((T)o + (T)0.5) - (T)0.5;                                            \
            T fl = (T)floor((double)real);                                                                         \
            int64_t i0 = (int64_t)fl;                                                                              \
            CUBIC_WEIGHTS(T, real - fl, (wts) + 4 * o);                                                            \
            for (int k = 0; k < 4; k++) {                                                                          \
                int64_t i = i0 - 1 + k;                                                                            \
                (idx)[4 * o + k] = i < 0 ? 0 : i > (insz) - 1 ? (insz) - 1 : i;                                    \
            }                                                                                                      \
        }                                                                                                          \
    } while (0)

#define BICUBIC_BODY(T)                                                                                             \
    do {                                                                                                           \
        T *wy = ts_malloc(sizeof(T) * 4 * (size_t)OH), *wx = ts_malloc(sizeof(T) * 4 * (size_t)OW);               \
        if (!iy || !ix || !wy || !wx) {                                                                            \
            ts_free(wy), ts_free(wx);                                                                              \
            st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);                                        \
            break;                                                                                                 \
        }                                                                                                          \
        CUBIC_AXIS(T, H, OH, align, sh, iy, wy);                                                                   \
        CUBIC_AXIS(T, W, OW, align, sw, ix, wx);                                                                   \
        const T *src = tensor_data(xc);                                                                            \
        T *dst = tensor_data(y);                                                                                   \
        for (int64_t pl = 0; pl < planes; pl++) {                                                                  \
            const T *s = src + pl * H * W;                                                                         \
            T *d = dst + pl * OH * OW;                                                                             \
            for (int64_t oh = 0; oh < OH; oh++)                                                                    \
                for (int64_t ow = 0; ow < OW; ow++) {                                                              \
                    T acc = 0;                                                                                     \
                    for (int a = 0; a < 4; a++) {                                                                  \
                        const T *row = s + iy[4 * oh + a] * W;                                                     \
                        const int64_t *c = ix + 4 * ow;                                                            \
                        const T *w = wx + 4 * ow;                                                                  \
                        T t = row[c[0]] * w[0];                                                                    \
                        for (int b = 1; b < 4; b++) t += row[c[b]] * w[b];                                         \
                        if (a == 0) acc = t * wy[4 * oh];                                                          \
                        else acc += t * wy[4 * oh + a];                                                            \
                    }                                                                                              \
                    d[oh * OW + ow] = acc;                                                                         \
                }                                                                                                  \
        }                                                                                                          \
        ts_free(wy), ts_free(wx);                                                                                  \
    } while (0)

static ts_status bicubic(Ctx *ctx, Tensor *x, int64_t OH, int64_t OW, bool align, double sh, double sw, IValue *out) {
    const char *op = "upsample_bicubic2d";
    if (x->ndim != 4) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected input to be a 4D tensor (batch, channels, height, width), "
                       "but got %s", op, op_shape(&s, x));
    }
    int64_t H = x->sizes[2], W = x->sizes[3];
    if (H <= 0 || W <= 0 || OH <= 0 || OW <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Input and output sizes should be greater than 0, but got input (H: %"
                       PRId64 ", W: %" PRId64 ") output (H: %" PRId64 ", W: %" PRId64 ")", op, H, W, OH, OW);
    Tensor *xc, *y;
    TS_TRY(float_input(ctx, op, x, &xc));
    int64_t sz[4] = {x->sizes[0], x->sizes[1], OH, OW}, planes = x->sizes[0] * x->sizes[1];
    if (!(y = tensor_new_uninit(ctx, x->dtype, sz, 4))) {
        tensor_release(xc);
        return ctx->status;
    }
    int64_t *iy = ts_malloc(sizeof(int64_t) * 4 * (size_t)OH), *ix = ts_malloc(sizeof(int64_t) * 4 * (size_t)OW);
    ts_status st = TS_OK;
    if (x->dtype == DT_FLOAT32) BICUBIC_BODY(float);
    else BICUBIC_BODY(double);
    ts_free(iy), ts_free(ix);
    tensor_release(xc);
    if (st != TS_OK) {
        tensor_release(y);
        return st;
    }
    return op_return(out, y);
}

/* upsample_bicubic2d(self, output_size, align_corners, scales_h, scales_w) */
OPFN(top_upsample_bicubic2d) {
    Tensor *x;
    int64_t OH, OW;
    TS_TRY(op_tensor(ctx, "upsample_bicubic2d", in, nin, 0, &x));
    TS_TRY(pair(ctx, "upsample_bicubic2d", "output_size", in[1], &OH, &OW));
    double sh = in[3].kind == IV_NONE ? 0 : iv_scalar_f64(in[3]), sw = in[4].kind == IV_NONE ? 0 : iv_scalar_f64(in[4]);
    return bicubic(ctx, x, OH, OW, op_bool(in[2]), sh, sw, out);
}

/* upsample_bicubic2d.vec(input, output_size, align_corners, scale_factors): exactly one of the two sizes. */
OPFN(top_upsample_bicubic2d_vec) {
    const char *op = "upsample_bicubic2d";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    bool has_os = in[1].kind != IV_NONE, has_sf = in[3].kind != IV_NONE;
    if (has_os == has_sf)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Must specify exactly one of output_size and scale_factors", op);
    if (x->ndim != 4) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected input to be a 4D tensor, but got %s", op, op_shape(&s, x));
    }
    if (has_os) {
        int64_t OH, OW;
        TS_TRY(pair(ctx, op, "output_size", in[1], &OH, &OW));
        return bicubic(ctx, x, OH, OW, op_bool(in[2]), 0, 0, out);
    }
    if (in[3].kind != IV_LIST || in[3].u.l->len != 2)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: It is expected scale_factors equals to 2", op);
    double sh = iv_scalar_f64(in[3].u.l->items[0]), sw = iv_scalar_f64(in[3].u.l->items[1]);
    return bicubic(ctx, x, (int64_t)((double)x->sizes[2] * sh), (int64_t)((double)x->sizes[3] * sw), op_bool(in[2]), sh,
                   sw, out);
}
