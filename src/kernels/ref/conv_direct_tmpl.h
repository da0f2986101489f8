/*
 * conv_direct_tmpl.h - the bodies of the direct convolution kernels
 * (depthwise, and the first layer of image models) and of inference batch
 * norm, written once as macros over the element type and the fused
 * multiply-add.
 *
 * Portable C. kernels/ref/conv.c and pool.c instantiate them for the baseline CPU
 * (fma() is a library call there) and kernels/x86/conv_avx2.c for AVX2+FMA
 * (fma() is one instruction); the results are the same bit for bit, since
 * each output is the same chain of correctly rounded fused multiply-adds.
 */
#ifndef TS_KERNELS_REF_CONV_DIRECT_TMPL_H
#define TS_KERNELS_REF_CONV_DIRECT_TMPL_H

#include <math.h>

#include "kernels/conv.h"

/* The outputs ow in [*ow0, *ow1) whose tap ow * sw + off lies in the row. */
static inline void ow_range(const ConvGeom *g, int64_t off, int64_t *ow0, int64_t *ow1) {
    int64_t lo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
    int64_t hi = g->W - off <= 0 ? 0 : (g->W - off + g->sw - 1) / g->sw;
    *ow0 = lo;
    *ow1 = TS_MAX(lo, TS_MIN(hi, g->OW));
}

/* The direct kernels follow oneDNN's order, which PyTorch uses for these
 * shapes: each output is a chain of fused multiply-adds over kh, then kw,
 * then c, so the results match it bit for bit.
 * Depthwise starts the chain at the bias (oneDNN's jit_dw), the first-layer
 * kernel adds the bias at the end (its jit "1st conv"). */
#define DEPTHWISE(NAME, T, FMA)                                                                  \
    static inline __attribute__((always_inline)) void NAME(const ConvGeom *g, const T *x,        \
                                                           const T *w, T bias, T *out) {         \
        for (int64_t oh = 0; oh < g->OH; oh++) {                                                 \
            T *orow = out + oh * g->OW;                                                          \
            for (int64_t ow = 0; ow < g->OW; ow++) orow[ow] = bias;                              \
            for (int64_t kh = 0; kh < g->KH; kh++) {                                             \
                int64_t ih = oh * g->sh - g->ph + kh * g->dh;                                    \
                if (ih < 0 || ih >= g->H) continue;                                              \
                const T *xr = x + ih * g->W;                                                     \
                for (int64_t kw = 0; kw < g->KW; kw++) {                                         \
                    T wv = w[kh * g->KW + kw];                                                   \
                    int64_t off = kw * g->dw - g->pw, ow0, ow1;                                  \
                    ow_range(g, off, &ow0, &ow1);                                                \
                    for (int64_t ow = ow0; ow < ow1; ow++)                                       \
                        orow[ow] = FMA(wv, xr[ow * g->sw + off], orow[ow]);                      \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    }


/* The weights go to scratch transposed to [kh][kw][c][oc], and one output
 * row accumulates in an OW x OC tile, so the innermost loop runs over
 * output channels with unit stride (as oneDNN's does); each element still
 * sees its taps in kh, kw, c order. */
/* acc[i] = fma(w[i], x, acc[i]): the innermost loop of the direct kernel,
 * over output channels; restrict lets it vectorize (each lane still does
 * its own chain in order, so results do not change). */
#define AXPY_FN(NAME, T, FMA)                                                                    \
    static inline __attribute__((always_inline)) void NAME(T *restrict acc, const T *restrict w, \
                                                           T x, int64_t n) {                     \
        for (int64_t i = 0; i < n; i++) acc[i] = FMA(w[i], x, acc[i]);                           \
    }


#define DIRECT(NAME, T, FMA, AXPY)                                                               \
    static inline __attribute__((always_inline)) void NAME(const ConvGeom *g, int64_t OC,        \
                                                           const T *x, const T *w,               \
                                                           const T *bias, T *scratch, T *out) {  \
        int64_t C = g->C, KH = g->KH, KW = g->KW, OW = g->OW;                                    \
        T *wt = scratch, *tile = scratch + OC * C * KH * KW;                                     \
        for (int64_t oc = 0; oc < OC; oc++)                                                      \
            for (int64_t c = 0; c < C; c++)                                                      \
                for (int64_t kh = 0; kh < KH; kh++)                                              \
                    for (int64_t kw = 0; kw < KW; kw++)                                          \
                        wt[((kh * KW + kw) * C + c) * OC + oc] = w[((oc * C + c) * KH + kh) * KW + kw]; \
        for (int64_t oh = 0; oh < g->OH; oh++) {                                                 \
            for (int64_t i = 0; i < OW * OC; i++) tile[i] = 0;                                   \
            for (int64_t kh = 0; kh < KH; kh++) {                                                \
                int64_t ih = oh * g->sh - g->ph + kh * g->dh;                                    \
                if (ih < 0 || ih >= g->H) continue;                                              \
                for (int64_t kw = 0; kw < KW; kw++) {                                            \
                    int64_t off = kw * g->dw - g->pw, ow0, ow1;                                  \
                    ow_range(g, off, &ow0, &ow1);                                                \
                    for (int64_t c = 0; c < C; c++) {                                            \
                        const T *wv = wt + ((kh * KW + kw) * C + c) * OC;                        \
                        const T *xr = x + (c * g->H + ih) * g->W + off;                          \
                        for (int64_t ow = ow0; ow < ow1; ow++)                                   \
                            AXPY(tile + ow * OC, wv, xr[ow * g->sw], OC);                        \
                    }                                                                            \
                }                                                                                \
            }                                                                                    \
            for (int64_t oc = 0; oc < OC; oc++) {                                                \
                T *orow = out + (oc * g->OH + oh) * OW, b = bias ? bias[oc] : (T)0;              \
                for (int64_t ow = 0; ow < OW; ow++)                                              \
                    orow[ow] = bias ? tile[ow * OC + oc] + b : tile[ow * OC + oc];               \
            }                                                                                    \
        }                                                                                        \
    }


/* out[n][c][i] = fma(x[n][c][i], alpha[c], beta[c]): inference batch norm. */
#define AFFINE(NAME, T, FMA)                                                                     \
    static inline __attribute__((always_inline)) void NAME(int64_t N, int64_t C, int64_t inner,  \
                                                           const T *x, const T *alpha,           \
                                                           const T *beta, T *out) {              \
        for (int64_t n = 0; n < N; n++)                                                          \
            for (int64_t c = 0; c < C; c++) {                                                    \
                const T *xr = x + (n * C + c) * inner;                                           \
                T *orow = out + (n * C + c) * inner, a = alpha[c], b = beta[c];                  \
                for (int64_t i = 0; i < inner; i++) orow[i] = FMA(xr[i], a, b);                     \
            }                                                                                    \
    }

#endif
