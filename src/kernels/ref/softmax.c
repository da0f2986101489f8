/*
 * softmax.c - reference softmax / log_softmax along one dimension, for
 * float32 and float64 (ops/ converts other dtypes).
 *
 * Per row: m = max (NaN propagates), e = exp(x - m), s = sum(e) accumulated
 * in double, then softmax = e * (1 / s) and log_softmax = (x - m) - log(s),
 * the formulas of PyTorch's CPU kernels (its exp is SLEEF's, within 1 ulp
 * of ours, so results agree to float rounding, not always bit for bit).
 */
#include <math.h>

#include "kernels/kernels.h"
#include "tensor/iter.h"

typedef struct SmArg {
    int64_t n;          /* length of the softmax dimension */
    int64_t so, si;     /* its byte strides in out and in */
    bool log;
} SmArg;

#define SOFTMAX_ROW(NAME, T, EXP, LOG)                                                     \
    static void NAME(const SmArg *a, char *po, const char *pi) {                          \
        int64_t n = a->n, si = a->si, so = a->so;                                         \
        bool dense = si == (int64_t)sizeof(T) && so == (int64_t)sizeof(T);               \
        const T *x = (const T *)pi;                                                       \
        T *y = (T *)po;                                                                   \
        T m = *x;                                                                         \
        int nan = 0;                                                                      \
        for (int64_t k = 0; k < n; k++) {                                                 \
            T v = dense ? x[k] : *(const T *)(pi + k * si);                               \
            m = v > m ? v : m;                                                            \
            nan |= v != v;                                                                \
        }                                                                                 \
        if (nan) m = NAN;                                                                 \
        double s = 0;                                                                     \
        if (dense) {                                                                      \
            /* exps into y (overwritten below in log mode), then eight partial sums */     \
            for (int64_t k = 0; k < n; k++) y[k] = EXP(x[k] - m);                         \
            double t[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                       \
            int64_t k = 0;                                                                \
            for (; k + 8 <= n; k += 8)                                                    \
                for (int j = 0; j < 8; j++) t[j] += y[k + j];                             \
            for (; k < n; k++) t[0] += y[k];                                              \
            s = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));        \
        } else {                                                                          \
            for (int64_t k = 0; k < n; k++) {                                             \
                T e = EXP(*(const T *)(pi + k * si) - m);                                 \
                s += e;                                                                   \
                if (!a->log) *(T *)(po + k * so) = e;                                     \
            }                                                                             \
        }                                                                                 \
        if (a->log) {                                                                     \
            T ls = LOG((T)s);                                                             \
            for (int64_t k = 0; k < n; k++) {                                             \
                T v = dense ? x[k] : *(const T *)(pi + k * si);                           \
                if (dense) y[k] = v - m - ls;                                             \
                else *(T *)(po + k * so) = v - m - ls;                                    \
            }                                                                             \
        } else {                                                                          \
            T r = (T)1 / (T)s;                                                            \
            if (dense)                                                                    \
                for (int64_t k = 0; k < n; k++) y[k] *= r;                                \
            else                                                                          \
                for (int64_t k = 0; k < n; k++) *(T *)(po + k * so) *= r;                 \
        }                                                                                 \
    }
SOFTMAX_ROW(row_f32, float, expf, logf)
SOFTMAX_ROW(row_f64, double, exp, log)

static void loop_f32(void *arg, int64_t n, char **p, const int64_t *s) {
    for (int64_t i = 0; i < n; i++) row_f32(arg, p[0] + i * s[0], p[1] + i * s[1]);
}

static void loop_f64(void *arg, int64_t n, char **p, const int64_t *s) {
    for (int64_t i = 0; i < n; i++) row_f64(arg, p[0] + i * s[0], p[1] + i * s[1]);
}

void kref_softmax(Tensor *out, const Tensor *in, int dim, bool log) {
    size_t es = dtype_size(in->dtype);
    SmArg a = {in->sizes[dim], out->strides[dim] * (int64_t)es, in->strides[dim] * (int64_t)es, log};
    if (a.n == 0) return;
    /* iterate over every position of the other dims */
    int64_t sizes[TS_MAX_DIMS], so[TS_MAX_DIMS], si[TS_MAX_DIMS];
    int nd = 0;
    for (int d = 0; d < in->ndim; d++) {
        if (d == dim) continue;
        sizes[nd] = in->sizes[d];
        so[nd] = out->strides[d];
        si[nd] = in->strides[d];
        nd++;
    }
    StridedIter it;
    const int64_t *strides[2] = {so, si};
    size_t ess[2] = {es, es};
    iter_init(&it, 2, nd, sizes, strides, ess);
    char *base[2] = {tensor_data(out), tensor_data(in)};
    iter_run(&it, base, in->dtype == DT_FLOAT64 ? loop_f64 : loop_f32, &a);
}
