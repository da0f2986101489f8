/*
 * seq.c - reference kernels of the sequence-model ops (kernels/seq.h):
 * layer normalisation, the LSTM / GRU cell pointwise steps, masked softmax,
 * the safe softmax of scaled dot-product attention and RMS normalisation.
 *
 * Built with -ffp-contract=off like the other reference kernels. Layer norm
 * accumulates its moments in double (PyTorch uses a float Welford
 * reduction; the two agree to about one float ulp of the variance) and
 * applies PyTorch's formula (x * rstd + (-mean * rstd)) * gamma + beta in
 * the element type.
 */
#include <math.h>
#include <stddef.h>

#include "kernels/seq.h"

#define LAYER_NORM(NAME, T)                                                                       \
    void NAME(T *y, const T *x, int64_t rows, int64_t n, const T *gamma, const T *beta,           \
              double eps) {                                                                       \
        for (int64_t r = 0; r < rows; r++) {                                                      \
            const T *xr = x + r * n;                                                              \
            T *yr = y + r * n;                                                                    \
            double mean = 0, m2 = 0;                                                              \
            for (int64_t i = 0; i < n; i++) mean += (double)xr[i];                                \
            mean = n > 0 ? mean / (double)n : 0;                                                  \
            for (int64_t i = 0; i < n; i++) {                                                     \
                double d = (double)xr[i] - mean;                                                  \
                m2 += d * d;                                                                      \
            }                                                                                     \
            double var = n > 0 ? m2 / (double)n : 0;                                              \
            T rstd = (T)(1.0 / sqrt((var > 0 ? var : 0) + eps));                                  \
            T shift = -(T)mean * rstd;                                                            \
            for (int64_t i = 0; i < n; i++) {                                                     \
                T v = xr[i] * rstd + shift;                                                       \
                if (gamma) v = v * gamma[i];                                                      \
                if (beta) v = v + beta[i];                                                        \
                yr[i] = v;                                                                        \
            }                                                                                     \
        }                                                                                         \
    }

LAYER_NORM(kref_layer_norm_f32, float)
LAYER_NORM(kref_layer_norm_f64, double)

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

void kref_lstm_cell_f32(int64_t B, int64_t H, const float *gates, int64_t ld_gates, const float *cx,
                        int64_t ld_cx, float *cy, int64_t ld_cy, float *hy, int64_t ld_hy) {
    for (int64_t b = 0; b < B; b++) {
        const float *g = gates + b * ld_gates;
        for (int64_t j = 0; j < H; j++) {
            float ig = sigmoidf(g[j]);
            float fg = sigmoidf(g[H + j]);
            float cg = tanhf(g[2 * H + j]);
            float og = sigmoidf(g[3 * H + j]);
            float c = fg * cx[b * ld_cx + j] + ig * cg;
            cy[b * ld_cy + j] = c;
            hy[b * ld_hy + j] = og * tanhf(c);
        }
    }
}

void kref_gru_cell_f32(int64_t B, int64_t H, const float *ig, int64_t ld_ig, const float *hg,
                       int64_t ld_hg, const float *h, int64_t ld_h, float *hy, int64_t ld_hy) {
    for (int64_t b = 0; b < B; b++) {
        const float *i = ig + b * ld_ig, *g = hg + b * ld_hg;
        for (int64_t j = 0; j < H; j++) {
            float r = sigmoidf(g[j] + i[j]);
            float z = sigmoidf(g[H + j] + i[H + j]);
            float nn = tanhf(i[2 * H + j] + g[2 * H + j] * r);
            float hv = h[b * ld_h + j];
            hy[b * ld_hy + j] = (hv - nn) * z + nn;
        }
    }
}

void kref_rnn_cell_f32(int64_t B, int64_t H, const float *ig, int64_t ld_ig, const float *hg, int64_t ld_hg,
                       float *hy, int64_t ld_hy, bool relu) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t j = 0; j < H; j++) {
            float v = hg[b * ld_hg + j] + ig[b * ld_ig + j];
            hy[b * ld_hy + j] = relu ? (v > 0 || isnan(v) ? v : 0.0f) : tanhf(v);
        }
}

void kref_masked_softmax_f32(float *x, int64_t rows, int64_t n, const bool *mask) {
    for (int64_t r = 0; r < rows; r++) {
        float *xr = x + r * n;
        const bool *mr = mask ? mask + r * n : NULL;
        float mx = -INFINITY;
        bool any = false;
        for (int64_t i = 0; i < n; i++)
            if ((!mr || !mr[i]) && !isnan(mx)) {
                if (xr[i] > mx || isnan(xr[i])) mx = xr[i];
                any = true;
            }
        if (!any) {
            for (int64_t i = 0; i < n; i++) xr[i] = 0;
            continue;
        }
        float sum = 0;
        for (int64_t i = 0; i < n; i++) {
            float e = (!mr || !mr[i]) ? expf(xr[i] - mx) : 0.0f;
            xr[i] = e;
            sum += e;
        }
        for (int64_t i = 0; i < n; i++) xr[i] = xr[i] / sum;
    }
}

#define SAFE_SOFTMAX(NAME, T, EXP)                                                                \
    void NAME(T *x, int64_t rows, int64_t n) {                                                    \
        for (int64_t r = 0; r < rows; r++) {                                                      \
            T *xr = x + r * n;                                                                    \
            T mx = -INFINITY;                                                                     \
            bool nan = false;                                                                     \
            for (int64_t i = 0; i < n; i++) {                                                     \
                if (isnan(xr[i])) nan = true;                                                     \
                else if (xr[i] > mx) mx = xr[i];                                                  \
            }                                                                                     \
            if (nan || mx == -INFINITY) { /* a NaN row, or every element -inf: zeros */           \
                for (int64_t i = 0; i < n; i++) xr[i] = nan ? (T)NAN : 0;                         \
                continue;                                                                         \
            }                                                                                     \
            T sum = 0;                                                                            \
            for (int64_t i = 0; i < n; i++) {                                                     \
                T e = EXP(xr[i] - mx);                                                            \
                xr[i] = e;                                                                        \
                sum += e;                                                                         \
            }                                                                                     \
            for (int64_t i = 0; i < n; i++) xr[i] = xr[i] / sum;                                  \
        }                                                                                         \
    }

SAFE_SOFTMAX(kref_safe_softmax_f32, float, expf)
SAFE_SOFTMAX(kref_safe_softmax_f64, double, exp)

#define RMS_NORM(NAME, T)                                                                         \
    void NAME(T *y, const T *x, int64_t rows, int64_t n, const T *gamma, double eps) {            \
        for (int64_t r = 0; r < rows; r++) {                                                      \
            const T *xr = x + r * n;                                                              \
            T *yr = y + r * n;                                                                    \
            double ss = 0;                                                                        \
            for (int64_t i = 0; i < n; i++) ss += (double)(T)(xr[i] * xr[i]);                     \
            T ms = (T)(n > 0 ? ss / (double)n : 0);                                               \
            T rstd = (T)(1.0 / sqrt((double)ms + eps));                                           \
            for (int64_t i = 0; i < n; i++) {                                                     \
                T v = xr[i] * rstd;                                                               \
                if (gamma) v = v * gamma[i];                                                      \
                yr[i] = v;                                                                        \
            }                                                                                     \
        }                                                                                         \
    }

RMS_NORM(kref_rms_norm_f32, float)
RMS_NORM(kref_rms_norm_f64, double)
