/*
 * conv.h - reference kernels of the CNN ops (kernels/ref/conv.c, pool.c):
 * im2col and direct depthwise convolution, max / average / adaptive average
 * pooling and the per-channel affine map of inference batch norm.
 *
 * Like every kernel they only compute: ops/tensor_conv.c, tensor_pool.c and
 * tensor_norm.c have validated the geometry (every output window overlaps
 * the input, sizes fit in memory), allocated the outputs and made the
 * operands contiguous in the compute dtype (float32 or float64). Planes are
 * row-major H x W; a 1-d op is a 2-d one with H == 1.
 */
#ifndef TS_KERNELS_CONV_H
#define TS_KERNELS_CONV_H

#include "kernels/kernels.h"

/* One input plane group seen by a convolution or a pooling window. */
typedef struct ConvGeom {
    int64_t C, H, W;  /* channels (of one group, for im2col), input height, width */
    int64_t KH, KW;   /* kernel */
    int64_t OH, OW;   /* output */
    int64_t sh, sw;   /* stride */
    int64_t ph, pw;   /* leading (top / left) padding; the trailing side follows from OH, OW */
    int64_t dh, dw;   /* dilation */
} ConvGeom;

/* col[(c * KH + kh) * KW + kw][oh * OW + ow] = x[c][oh*sh - ph + kh*dh][ow*sw - pw + kw*dw],
 * 0 outside the input. x is C x H x W; col is (C*KH*KW) x (OH*OW). */
void kref_im2col_f32(const ConvGeom *g, const float *x, float *col);
void kref_im2col_f64(const ConvGeom *g, const double *x, double *col);
/* One channel of a depthwise convolution: out (OH x OW) = bias + sum of
 * w (KH x KW) times the window of x (H x W), one fused multiply-add per tap
 * in kh, kw order (oneDNN's depthwise order). */
void kref_conv_depthwise_f32(const ConvGeom *g, const float *x, const float *w, float bias, float *out);
void kref_conv_depthwise_f64(const ConvGeom *g, const double *x, const double *w, double bias, double *out);

/* A whole convolution of one image and group without im2col: out (OC x OH
 * x OW) from x (C x H x W) and w (OC x C x KH x KW), each output a chain
 * of fused multiply-adds over kh, kw, c (oneDNN's first-layer order), plus
 * bias[oc] (bias may be NULL). scratch holds kref_conv_direct_scratch()
 * elements. */
static inline int64_t kref_conv_direct_scratch(const ConvGeom *g, int64_t OC) {
    return OC * g->C * g->KH * g->KW + g->OW * OC;
}
void kref_conv_direct_f32(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                          float *scratch, float *out);
void kref_conv_direct_f64(const ConvGeom *g, int64_t OC, const double *x, const double *w, const double *bias,
                          double *scratch, double *out);

/* Pooling over `planes` planes of H x W (x) into OH x OW (out), C unused.
 * max: NaN wins, as in PyTorch. avg: windows are clipped to the padded
 * input for the count_include_pad divisor and to the input for the sum;
 * divisor != 0 overrides the divisor (a negative one too, as PyTorch). adaptive: PyTorch's start/end indices
 * floor(o*H/OH) .. ceil((o+1)*H/OH); the kernel/stride/pad fields unused. */
void kref_max_pool2d_f32(const ConvGeom *g, int64_t planes, const float *x, float *out);
void kref_max_pool2d_f64(const ConvGeom *g, int64_t planes, const double *x, double *out);
void kref_avg_pool2d_f32(const ConvGeom *g, int64_t planes, bool count_include_pad, int64_t divisor,
                         const float *x, float *out);
void kref_avg_pool2d_f64(const ConvGeom *g, int64_t planes, bool count_include_pad, int64_t divisor,
                         const double *x, double *out);
void kref_adaptive_avg_pool2d_f32(const ConvGeom *g, int64_t planes, const float *x, float *out);
void kref_adaptive_avg_pool2d_f64(const ConvGeom *g, int64_t planes, const double *x, double *out);

/* out[n][c][i] = fma(x[n][c][i], alpha[c], beta[c]) over N x C x inner
 * elements (x and out may be the same array). */
void kref_channel_affine_f32(int64_t N, int64_t C, int64_t inner, const float *x, const float *alpha,
                             const float *beta, float *out);
void kref_channel_affine_f64(int64_t N, int64_t C, int64_t inner, const double *x, const double *alpha,
                             const double *beta, double *out);

/* out[n][c][i] = ((x[n][c][i] - mean[c]) * invstd[c]) * w[c] + b[c], each
 * operation rounded (w, b may be NULL: skipped). */
void kref_channel_norm_f32(int64_t N, int64_t C, int64_t inner, const float *x, const float *mean,
                           const float *invstd, const float *w, const float *b, float *out);
void kref_channel_norm_f64(int64_t N, int64_t C, int64_t inner, const double *x, const double *mean,
                           const double *invstd, const double *w, const double *b, double *out);

/* The signatures of the convolution entries of the dispatch table
 * (kernels/dispatch.def): each level's kernel computes what the portable
 * one above computes. */
typedef void KConvDepthwiseF32(const ConvGeom *g, const float *x, const float *w, float bias, float *out);
typedef void KConvDepthwiseF64(const ConvGeom *g, const double *x, const double *w, double bias, double *out);
typedef void KConvDirectF32(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                            float *scratch, float *out);
typedef void KConvDirectF64(const ConvGeom *g, int64_t OC, const double *x, const double *w, const double *bias,
                            double *scratch, double *out);
typedef void KChannelAffineF32(int64_t N, int64_t C, int64_t inner, const float *x, const float *alpha,
                               const float *beta, float *out);
typedef void KChannelAffineF64(int64_t N, int64_t C, int64_t inner, const double *x, const double *alpha,
                               const double *beta, double *out);
/* A whole float32 convolution of one image and group, like kref_conv_direct_f32
 * but for any C and with its own scratch size (0: the count overflows). */
typedef int64_t KConvScratch(const ConvGeom *g, int64_t OC);

#endif
