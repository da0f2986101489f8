/*
 * reduce.c - reference sum reduction into an accumulator view.
 *
 * The accumulator is float64 for floating inputs and int64 (wrapping) for
 * integer and bool inputs, viewed with the input's sizes and stride 0 on the
 * reduced dims. Along a reduced inner row the values go into eight partial
 * sums; otherwise elements are added in row-major order. ops/ converts the
 * accumulator to the result dtype (sum, mean).
 */
#include "kernels/kernels.h"
#include "tensor/iter.h"

/* Sum n values into one double: eight partial sums, so the adds pipeline
 * (and vectorise) instead of waiting on one another. */
#define SUM_ROW(NAME, T)                                                            \
    static double NAME(const char *p, int64_t n, int64_t s) {                      \
        double t[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                    \
        int64_t i = 0;                                                             \
        if (s == (int64_t)sizeof(T)) {                                             \
            const T *x = (const T *)p;                                             \
            for (; i + 8 <= n; i += 8)                                             \
                for (int k = 0; k < 8; k++) t[k] += x[i + k];                      \
        }                                                                          \
        for (; i < n; i++) t[0] += *(const T *)(p + i * s);                        \
        return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));  \
    }
SUM_ROW(row_f32, float)
SUM_ROW(row_f64, double)

static void sum_f32(void *arg, int64_t n, char **p, const int64_t *s) {
    (void)arg;
    if (s[0] == 0) {
        *(double *)p[0] += row_f32(p[1], n, s[1]);
        return;
    }
    for (int64_t i = 0; i < n; i++) *(double *)(p[0] + i * s[0]) += *(const float *)(p[1] + i * s[1]);
}

static void sum_f64(void *arg, int64_t n, char **p, const int64_t *s) {
    (void)arg;
    if (s[0] == 0) {
        *(double *)p[0] += row_f64(p[1], n, s[1]);
        return;
    }
    for (int64_t i = 0; i < n; i++) *(double *)(p[0] + i * s[0]) += *(const double *)(p[1] + i * s[1]);
}

static void sum_float_any(void *arg, int64_t n, char **p, const int64_t *s) {
    DType dt = *(const DType *)arg;
    for (int64_t i = 0; i < n; i++) *(double *)(p[0] + i * s[0]) += dtype_load_f64(dt, p[1] + i * s[1]);
}

static void sum_int_any(void *arg, int64_t n, char **p, const int64_t *s) {
    DType dt = *(const DType *)arg;
    for (int64_t i = 0; i < n; i++) {
        int64_t *acc = (int64_t *)(p[0] + i * s[0]);
        *acc = (int64_t)((uint64_t)*acc + (uint64_t)dtype_load_i64(dt, p[1] + i * s[1]));
    }
}

void kref_sum_into(Tensor *acc, const Tensor *in) {
    StridedIter it;
    const int64_t *strides[2] = {acc->strides, in->strides};
    size_t es[2] = {dtype_size(acc->dtype), dtype_size(in->dtype)};
    iter_init(&it, 2, in->ndim, in->sizes, strides, es);
    char *base[2] = {tensor_data(acc), tensor_data(in)};
    DType dt = in->dtype;
    IterLoop fn = sum_int_any;
    if (dt == DT_FLOAT32) fn = sum_f32;
    else if (dt == DT_FLOAT64) fn = sum_f64;
    else if (dtype_is_float(dt)) fn = sum_float_any;
    iter_run(&it, base, fn, &dt);
}
