/*
 * conv.c - reference convolution kernels: im2col (the GEMM path of every
 * convolution lives in ops/tensor_conv.c, which multiplies the weights by
 * the columns through kernels_backend()), the direct loop of depthwise
 * convolution, where a GEMM would have one row, and a direct loop for the
 * first layer of image models (1 or 3 input channels) in oneDNN's order
 * (their bodies are in conv_direct_tmpl.h). These are the portable column of
 * the dispatch table (kernels/dispatch.def).
 *
 * The bodies are written once as macros over the element type. Rows of
 * col whose window lies inside the input copy a contiguous (stride 1) or
 * strided run of x; the padded borders are zero.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "kernels/conv.h"
#include "kernels/ref/conv_direct_tmpl.h"

#define IM2COL(NAME, T)                                                                          \
    void NAME(const ConvGeom *g, const T *x, T *col) {                                           \
        int64_t ohw = g->OH * g->OW;                                                             \
        for (int64_t c = 0; c < g->C; c++) {                                                     \
            const T *xc = x + c * g->H * g->W;                                                   \
            for (int64_t kh = 0; kh < g->KH; kh++) {                                             \
                for (int64_t kw = 0; kw < g->KW; kw++) {                                         \
                    T *row = col + ((c * g->KH + kh) * g->KW + kw) * ohw;                        \
                    for (int64_t oh = 0; oh < g->OH; oh++) {                                     \
                        int64_t ih = oh * g->sh - g->ph + kh * g->dh;                            \
                        T *r = row + oh * g->OW;                                                 \
                        if (ih < 0 || ih >= g->H) {                                              \
                            memset(r, 0, sizeof(T) * (size_t)g->OW);                             \
                            continue;                                                            \
                        }                                                                        \
                        int64_t off = kw * g->dw - g->pw, ow0, ow1;                              \
                        ow_range(g, off, &ow0, &ow1);                                            \
                        const T *xr = xc + ih * g->W + off;                                      \
                        for (int64_t ow = 0; ow < ow0; ow++) r[ow] = 0;                          \
                        if (g->sw == 1)                                                          \
                            memcpy(r + ow0, xr + ow0, sizeof(T) * (size_t)(ow1 - ow0));          \
                        else                                                                     \
                            for (int64_t ow = ow0; ow < ow1; ow++) r[ow] = xr[ow * g->sw];       \
                        for (int64_t ow = ow1; ow < g->OW; ow++) r[ow] = 0;                      \
                    }                                                                            \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    }

IM2COL(kref_im2col_f32, float)
IM2COL(kref_im2col_f64, double)

/* The portable direct kernels (kernels/x86/conv_avx2.c has the same
 * bodies compiled for FMA hardware). */
DEPTHWISE(depthwise_f32, float, fmaf)
DEPTHWISE(depthwise_f64, double, fma)
AXPY_FN(axpy_f32, float, fmaf)
AXPY_FN(axpy_f64, double, fma)
DIRECT(direct_f32, float, fmaf, axpy_f32)
DIRECT(direct_f64, double, fma, axpy_f64)

void kref_conv_depthwise_f32(const ConvGeom *g, const float *x, const float *w, float bias, float *out) {
    depthwise_f32(g, x, w, bias, out);
}
void kref_conv_depthwise_f64(const ConvGeom *g, const double *x, const double *w, double bias, double *out) {
    depthwise_f64(g, x, w, bias, out);
}
void kref_conv_direct_f32(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                          float *scratch, float *out) {
    direct_f32(g, OC, x, w, bias, scratch, out);
}
void kref_conv_direct_f64(const ConvGeom *g, int64_t OC, const double *x, const double *w, const double *bias,
                          double *scratch, double *out) {
    direct_f64(g, OC, x, w, bias, scratch, out);
}
