/*
 * conv_avx2.c - convolution kernels for AVX2 + FMA (the avx2 level of
 * kernels/dispatch.def; CMake compiles this file with -mavx2 -mfma, so
 * nothing in it may run before the dispatcher has seen those features).
 *
 * The depthwise and first-layer direct kernels and batch norm's affine map
 * are the portable bodies of
 * kernels/ref/conv_direct_tmpl.h with fma() as one instruction instead of a
 * library call: the same chains, so the same results bit for bit. For
 * float with OC a multiple of 16 the direct kernel computes the same chains
 * (kh, kw, c per output, padded taps skipped, bias added last) for 4
 * outputs x 16 channels at a time in eight vector registers instead of
 * streaming a whole output row through memory; each lane is one output's
 * chain, so the results are again the portable kernel's, bit for bit.
 */
#include <immintrin.h>

#include "kernels/ref/conv_direct_tmpl.h"
#include "kernels/x86/conv_x86.h"

DEPTHWISE(depthwise_f32, float, fmaf)
DEPTHWISE(depthwise_f64, double, fma)
AXPY_FN(axpy_f32, float, fmaf)
AXPY_FN(axpy_f64, double, fma)
DIRECT(direct_f32_rows, float, fmaf, axpy_f32)
DIRECT(direct_f64, double, fma, axpy_f64)
AFFINE(affine_f32, float, fmaf)
AFFINE(affine_f64, double, fma)

enum { DIRECT_OWB = 4 };

static void direct_f32_blocked(const ConvGeom *g, int64_t OC, const float *x,
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

void kx86_conv_depthwise_f32_avx2(const ConvGeom *g, const float *x, const float *w, float bias, float *out) {
    depthwise_f32(g, x, w, bias, out);
}
void kx86_conv_depthwise_f64_avx2(const ConvGeom *g, const double *x, const double *w, double bias, double *out) {
    depthwise_f64(g, x, w, bias, out);
}
void kx86_conv_direct_f32_avx2(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                               float *scratch, float *out) {
    if (OC % 16 == 0) direct_f32_blocked(g, OC, x, w, bias, scratch, out);
    else direct_f32_rows(g, OC, x, w, bias, scratch, out);
}
void kx86_conv_direct_f64_avx2(const ConvGeom *g, int64_t OC, const double *x, const double *w, const double *bias,
                               double *scratch, double *out) {
    direct_f64(g, OC, x, w, bias, scratch, out);
}
void kx86_channel_affine_f32_avx2(int64_t N, int64_t C, int64_t inner, const float *x, const float *alpha,
                                  const float *beta, float *out) {
    affine_f32(N, C, inner, x, alpha, beta, out);
}
void kx86_channel_affine_f64_avx2(int64_t N, int64_t C, int64_t inner, const double *x, const double *alpha,
                                  const double *beta, double *out) {
    affine_f64(N, C, inner, x, alpha, beta, out);
}
