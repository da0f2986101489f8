/*
 * conv.c - reference convolution kernels: im2col (the GEMM path of every
 * convolution lives in ops/tensor_conv.c, which multiplies the weights by
 * the columns through kernels_backend()), the direct loop of depthwise
 * convolution, where a GEMM would have one row, and a direct loop for the
 * first layer of image models (1 or 3 input channels) in oneDNN's order.
 *
 * The bodies are written once as macros over the element type. Rows of
 * col whose window lies inside the input copy a contiguous (stride 1) or
 * strided run of x; the padded borders are zero.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "kernels/conv.h"

/* The outputs ow in [*ow0, *ow1) whose tap ow * sw + off lies in the row. */
static inline void ow_range(const ConvGeom *g, int64_t off, int64_t *ow0, int64_t *ow1) {
    int64_t lo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
    int64_t hi = g->W - off <= 0 ? 0 : (g->W - off + g->sw - 1) / g->sw;
    *ow0 = lo;
    *ow1 = TS_MAX(lo, TS_MIN(hi, g->OW));
}

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

/* The direct kernels follow oneDNN's order, which PyTorch uses for these
 * shapes: each output is a chain of fused multiply-adds over kh, then kw,
 * then c, so the results match it bit for bit. They are compiled for FMA
 * hardware and picked when the CPU has it (fma() is a slow library call
 * otherwise; the results are the same).
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

DEPTHWISE(depthwise_f32, float, fmaf)
DEPTHWISE(depthwise_f64, double, fma)

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

AXPY_FN(axpy_f32, float, fmaf)
AXPY_FN(axpy_f64, double, fma)

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

DIRECT(direct_f32_rows, float, fmaf, axpy_f32)
DIRECT(direct_f64, double, fma, axpy_f64)

/* float on x86 with AVX2+FMA, OC a multiple of 16: the same chains (kh, kw,
 * c per output, padded taps skipped, bias added last), computed for 4
 * outputs x 16 channels at a time in eight vector registers instead of
 * streaming a whole output row through memory. Each lane is one output's
 * chain, so the results are the row kernel's, bit for bit. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
enum { DIRECT_OWB = 4 };

__attribute__((target("avx2,fma"))) static void direct_f32_blocked(const ConvGeom *g, int64_t OC, const float *x,
                                                                   const float *w, const float *bias,
                                                                   float *scratch, float *out) {
    int64_t C = g->C, KH = g->KH, KW = g->KW, OW = g->OW, OH = g->OH;
    float *wt = scratch;
    for (int64_t oc = 0; oc < OC; oc++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t kh = 0; kh < KH; kh++)
                for (int64_t kw = 0; kw < KW; kw++)
                    wt[((kh * KW + kw) * C + c) * OC + oc] = w[((oc * C + c) * KH + kh) * KW + kw];
    for (int64_t oh = 0; oh < OH; oh++) {
        for (int64_t owb = 0; owb < OW; owb += DIRECT_OWB) {
            int64_t nj = TS_MIN((int64_t)DIRECT_OWB, OW - owb);
            for (int64_t ocb = 0; ocb < OC; ocb += 16) {
                __m256 a0[DIRECT_OWB], a1[DIRECT_OWB];
                for (int j = 0; j < DIRECT_OWB; j++) a0[j] = a1[j] = _mm256_setzero_ps();
                for (int64_t kh = 0; kh < KH; kh++) {
                    int64_t ih = oh * g->sh - g->ph + kh * g->dh;
                    if (ih < 0 || ih >= g->H) continue;
                    for (int64_t kw = 0; kw < KW; kw++) {
                        int64_t iw[DIRECT_OWB];
                        int ok = 0;
                        for (int j = 0; j < DIRECT_OWB; j++) {
                            iw[j] = (owb + j) * g->sw - g->pw + kw * g->dw;
                            if (j < nj && iw[j] >= 0 && iw[j] < g->W) ok |= 1 << j;
                        }
                        const float *wk = wt + (kh * KW + kw) * C * OC + ocb;
                        const float *xk = x + ih * g->W;
                        if (ok == (1 << DIRECT_OWB) - 1) {
                            for (int64_t c = 0; c < C; c++) {
                                __m256 w0 = _mm256_loadu_ps(wk + c * OC), w1 = _mm256_loadu_ps(wk + c * OC + 8);
                                const float *xr = xk + c * g->H * g->W;
                                for (int j = 0; j < DIRECT_OWB; j++) {
                                    __m256 xv = _mm256_set1_ps(xr[iw[j]]);
                                    a0[j] = _mm256_fmadd_ps(w0, xv, a0[j]);
                                    a1[j] = _mm256_fmadd_ps(w1, xv, a1[j]);
                                }
                            }
                        } else {
                            for (int64_t c = 0; c < C; c++) {
                                __m256 w0 = _mm256_loadu_ps(wk + c * OC), w1 = _mm256_loadu_ps(wk + c * OC + 8);
                                const float *xr = xk + c * g->H * g->W;
                                for (int j = 0; j < DIRECT_OWB; j++) {
                                    if (!(ok >> j & 1)) continue;
                                    __m256 xv = _mm256_set1_ps(xr[iw[j]]);
                                    a0[j] = _mm256_fmadd_ps(w0, xv, a0[j]);
                                    a1[j] = _mm256_fmadd_ps(w1, xv, a1[j]);
                                }
                            }
                        }
                    }
                }
                for (int64_t j = 0; j < nj; j++) {
                    float v[16];
                    _mm256_storeu_ps(v, a0[j]);
                    _mm256_storeu_ps(v + 8, a1[j]);
                    for (int i = 0; i < 16; i++)
                        out[((ocb + i) * OH + oh) * OW + owb + j] = bias ? v[i] + bias[ocb + i] : v[i];
                }
            }
        }
    }
}

static bool direct_f32_blocked_ok(int64_t OC) {
    return OC % 16 == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static void direct_f32_blocked(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                               float *scratch, float *out) {
    (void)g, (void)OC, (void)x, (void)w, (void)bias, (void)scratch, (void)out;
}
static bool direct_f32_blocked_ok(int64_t OC) { return (void)OC, false; }
#endif

static inline __attribute__((always_inline)) void direct_f32(const ConvGeom *g, int64_t OC, const float *x,
                                                             const float *w, const float *bias, float *scratch,
                                                             float *out) {
    if (direct_f32_blocked_ok(OC)) direct_f32_blocked(g, OC, x, w, bias, scratch, out);
    else direct_f32_rows(g, OC, x, w, bias, scratch, out);
}

KREF_FMA_DISPATCH(kref_conv_depthwise_f32, depthwise_f32, (const ConvGeom *g, const float *x, const float *w, float bias,
                                                  float *out), (g, x, w, bias, out))
KREF_FMA_DISPATCH(kref_conv_depthwise_f64, depthwise_f64, (const ConvGeom *g, const double *x, const double *w,
                                                  double bias, double *out), (g, x, w, bias, out))
KREF_FMA_DISPATCH(kref_conv_direct_f32, direct_f32, (const ConvGeom *g, int64_t OC, const float *x, const float *w,
                                            const float *bias, float *scratch, float *out),
         (g, OC, x, w, bias, scratch, out))
KREF_FMA_DISPATCH(kref_conv_direct_f64, direct_f64, (const ConvGeom *g, int64_t OC, const double *x, const double *w,
                                            const double *bias, double *scratch, double *out),
         (g, OC, x, w, bias, scratch, out))
