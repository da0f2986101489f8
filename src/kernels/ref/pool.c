/*
 * pool.c - reference pooling kernels (max, average, adaptive average over
 * H x W planes) and the per-channel affine map of inference batch norm.
 *
 * They follow PyTorch 1.13's CPU kernels (aten/src/ATen/native/cpu/
 * MaxPoolKernel.cpp, AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp,
 * batch_norm_kernel.cpp): sums run in the element type in row-major window
 * order, an average is sum / divisor (adaptive: sum / kh / kw), max lets a
 * NaN win, batch norm is fma(x, alpha, beta) (PyTorch's vectorised
 * x * alpha + beta, which GCC fuses).
 * A 1x1 adaptive average is PyTorch's mean over the plane instead (its
 * adaptive_avg_pool2d calls mean for that size): an accurate sum, rounded
 * to the element type, divided by H*W.
 */
#include <math.h>

#include "kernels/conv.h"
#include "kernels/ref/conv_direct_tmpl.h"

/* Max pooling, one output row at a time: the columns whose window lies
 * inside the row (interior) are swept window tap by window tap across the
 * whole row, so consecutive outputs do not wait for each other; the edge
 * columns take the clipped window one output at a time. Each output sees
 * its taps in the same row-major order either way (a NaN wins, else the
 * first maximum). */
#define MAX_POOL(NAME, T)                                                                        \
    static inline T NAME##_one(const ConvGeom *g, const T *xp, int64_t h0, int64_t h1, int64_t ow) { \
        int64_t w0 = ow * g->sw - g->pw;                                                         \
        int64_t w1 = TS_MIN(w0 + (g->KW - 1) * g->dw + 1, g->W);                                 \
        if (w0 < 0) w0 += ts_ceil_div_i64(-w0, g->dw) * g->dw;                                   \
        T m = -(T)INFINITY;                                                                      \
        for (int64_t ih = h0; ih < h1; ih += g->dh)                                              \
            for (int64_t iw = w0; iw < w1; iw += g->dw) {                                        \
                T v = xp[ih * g->W + iw];                                                        \
                m = (v > m || v != v) ? v : m;                                                   \
            }                                                                                    \
        return m;                                                                                \
    }                                                                                            \
    void NAME(const ConvGeom *g, int64_t planes, const T *x, T *out) {                           \
        /* interior columns: w0 >= 0 and the last tap inside the row */                          \
        int64_t lo = ts_ceil_div_i64(g->pw, g->sw), top = g->W - 1 - (g->KW - 1) * g->dw + g->pw;  \
        int64_t hi = top < 0 ? 0 : TS_MIN(top / g->sw + 1, g->OW);                               \
        if (lo > hi) lo = hi;                                                                    \
        for (int64_t p = 0; p < planes; p++) {                                                   \
            const T *xp = x + p * g->H * g->W;                                                   \
            T *op = out + p * g->OH * g->OW;                                                     \
            for (int64_t oh = 0; oh < g->OH; oh++) {                                             \
                int64_t h0 = oh * g->sh - g->ph, h1 = TS_MIN(h0 + (g->KH - 1) * g->dh + 1, g->H); \
                if (h0 < 0) h0 += ts_ceil_div_i64(-h0, g->dh) * g->dh;                           \
                T *orow = op + oh * g->OW;                                                       \
                for (int64_t ow = 0; ow < lo; ow++) orow[ow] = NAME##_one(g, xp, h0, h1, ow);    \
                for (int64_t ow = hi; ow < g->OW; ow++) orow[ow] = NAME##_one(g, xp, h0, h1, ow); \
                for (int64_t ow = lo; ow < hi; ow++) orow[ow] = -(T)INFINITY;                    \
                for (int64_t ih = h0; ih < h1; ih += g->dh)                                      \
                    for (int64_t kw = 0; kw < g->KW; kw++) {                                     \
                        const T *r = xp + ih * g->W + kw * g->dw - g->pw;                        \
                        for (int64_t ow = lo; ow < hi; ow++) {                                   \
                            T v = r[ow * g->sw], m = orow[ow];                                   \
                            orow[ow] = (v > m || v != v) ? v : m;                                \
                        }                                                                        \
                    }                                                                            \
            }                                                                                    \
        }                                                                                        \
    }

MAX_POOL(kref_max_pool2d_f32, float)
MAX_POOL(kref_max_pool2d_f64, double)

#define AVG_POOL(NAME, T)                                                                        \
    void NAME(const ConvGeom *g, int64_t planes, bool count_include_pad, int64_t divisor,        \
              const T *x, T *out) {                                                              \
        for (int64_t p = 0; p < planes; p++) {                                                   \
            const T *xp = x + p * g->H * g->W;                                                   \
            T *op = out + p * g->OH * g->OW;                                                     \
            for (int64_t oh = 0; oh < g->OH; oh++) {                                             \
                int64_t h0 = oh * g->sh - g->ph, h1 = TS_MIN(h0 + g->KH, g->H + g->ph);          \
                int64_t ph = h1 - h0;                                                            \
                h0 = TS_MAX(h0, 0);                                                              \
                h1 = TS_MIN(h1, g->H);                                                           \
                for (int64_t ow = 0; ow < g->OW; ow++) {                                         \
                    int64_t w0 = ow * g->sw - g->pw, w1 = TS_MIN(w0 + g->KW, g->W + g->pw);      \
                    int64_t pool = ph * (w1 - w0);                                               \
                    w0 = TS_MAX(w0, 0);                                                          \
                    w1 = TS_MIN(w1, g->W);                                                       \
                    T s = 0;                                                                     \
                    for (int64_t ih = h0; ih < h1; ih++)                                         \
                        for (int64_t iw = w0; iw < w1; iw++) s += xp[ih * g->W + iw];            \
                    int64_t d = divisor != 0 ? divisor                                           \
                                : count_include_pad ? pool                                       \
                                                    : (h1 - h0) * (w1 - w0);                     \
                    op[oh * g->OW + ow] = s / (T)d;                                              \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    }

AVG_POOL(kref_avg_pool2d_f32, float)
AVG_POOL(kref_avg_pool2d_f64, double)

#define ADAPTIVE_AVG(NAME, T)                                                                    \
    void NAME(const ConvGeom *g, int64_t planes, const T *x, T *out) {                           \
        for (int64_t p = 0; p < planes; p++) {                                                   \
            const T *xp = x + p * g->H * g->W;                                                   \
            T *op = out + p * g->OH * g->OW;                                                     \
            if (g->OH == 1 && g->OW == 1) {                                                      \
                double s = 0;                                                                    \
                for (int64_t i = 0; i < g->H * g->W; i++) s += xp[i];                            \
                op[0] = (T)s / (T)(g->H * g->W);                                                 \
                continue;                                                                        \
            }                                                                                    \
            for (int64_t oh = 0; oh < g->OH; oh++) {                                             \
                int64_t h0 = oh * g->H / g->OH, h1 = ((oh + 1) * g->H + g->OH - 1) / g->OH;      \
                for (int64_t ow = 0; ow < g->OW; ow++) {                                         \
                    int64_t w0 = ow * g->W / g->OW, w1 = ((ow + 1) * g->W + g->OW - 1) / g->OW;  \
                    T s = 0;                                                                     \
                    for (int64_t ih = h0; ih < h1; ih++)                                         \
                        for (int64_t iw = w0; iw < w1; iw++) s += xp[ih * g->W + iw];            \
                    op[oh * g->OW + ow] = s / (T)(h1 - h0) / (T)(w1 - w0);                       \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    }

ADAPTIVE_AVG(kref_adaptive_avg_pool2d_f32, float)
ADAPTIVE_AVG(kref_adaptive_avg_pool2d_f64, double)

/* The batch norm map (body in conv_direct_tmpl.h); kernels/x86/conv_avx2.c
 * has it compiled for FMA hardware. */
AFFINE(affine_f32, float, fmaf)
AFFINE(affine_f64, double, fma)

void kref_channel_affine_f32(int64_t N, int64_t C, int64_t inner, const float *x, const float *alpha,
                             const float *beta, float *out) {
    affine_f32(N, C, inner, x, alpha, beta, out);
}
void kref_channel_affine_f64(int64_t N, int64_t C, int64_t inner, const double *x, const double *alpha,
                             const double *beta, double *out) {
    affine_f64(N, C, inner, x, alpha, beta, out);
}

/* PyTorch's batch norm of a non-contiguous input: separate elementwise ops. */
#define CHANNEL_NORM(NAME, T)                                                                    \
    void NAME(int64_t N, int64_t C, int64_t inner, const T *x, const T *mean, const T *invstd,   \
              const T *w, const T *b, T *out) {                                                  \
        for (int64_t n = 0; n < N; n++)                                                          \
            for (int64_t c = 0; c < C; c++) {                                                    \
                const T *xr = x + (n * C + c) * inner;                                           \
                T *orow = out + (n * C + c) * inner, m = mean[c], is = invstd[c];                \
                for (int64_t i = 0; i < inner; i++) {                                            \
                    T v = (xr[i] - m) * is;                                                      \
                    if (w) v = v * w[c];                                                         \
                    if (b) v = v + b[c];                                                         \
                    orow[i] = v;                                                                 \
                }                                                                                \
            }                                                                                    \
    }

CHANNEL_NORM(kref_channel_norm_f32, float)
CHANNEL_NORM(kref_channel_norm_f64, double)
