/*
 * gemm.c - reference matrix products: blocked float/double GEMM (the body
 * is gemm_tmpl.h), integer GEMM, GEMV and dot.
 *
 * Every result element is the in-order sum over k of a*b in the element
 * type, without fused multiply-add (CMake compiles kernels/ref with
 * -ffp-contract=off), which is what PyTorch's own naive kernels compute
 * (e.g. bmm for small matrices), so those match it bit for bit.
 */
#include "kernels/kernels.h"

enum { MR = 4, MB = 32 };

typedef float v8f __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));

#define G_T float
#define G_V v8f
#define G_NR 8
#define G_NB 64
#define G_KB 128
#define G_NAME kref_sgemm
#define G_UKERNEL ukernel_f32
#include "kernels/ref/gemm_tmpl.h"
#undef G_T
#undef G_V
#undef G_NR
#undef G_NB
#undef G_KB
#undef G_NAME
#undef G_UKERNEL

#define G_T double
#define G_V v4d
#define G_NR 4
#define G_NB 32
#define G_KB 128
#define G_NAME kref_dgemm
#define G_UKERNEL ukernel_f64
#include "kernels/ref/gemm_tmpl.h"
#undef G_T
#undef G_V
#undef G_NR
#undef G_NB
#undef G_KB
#undef G_NAME
#undef G_UKERNEL

void kref_igemm(int64_t M, int64_t N, int64_t K, const int64_t *A, int64_t lda_m, int64_t lda_k,
                const int64_t *B, int64_t ldb_k, int64_t ldb_n, bool accumulate, int64_t *C,
                int64_t ldc_m, int64_t ldc_n) {
    for (int64_t i = 0; i < M; i++) {
        for (int64_t j = 0; j < N; j++) {
            uint64_t s = accumulate ? (uint64_t)C[i * ldc_m + j * ldc_n] : 0;
            for (int64_t k = 0; k < K; k++)
                s += (uint64_t)A[i * lda_m + k * lda_k] * (uint64_t)B[k * ldb_k + j * ldb_n];
            C[i * ldc_m + j * ldc_n] = (int64_t)s;
        }
    }
}

#define GEMV(NAME, T)                                                                          \
    void NAME(int64_t M, int64_t K, T alpha, const T *A, int64_t lda_m, int64_t lda_k,        \
              const T *x, int64_t incx, T beta, T *y, int64_t incy) {                          \
        for (int64_t i = 0; i < M; i++) {                                                      \
            T s = 0;                                                                           \
            for (int64_t k = 0; k < K; k++) s += A[i * lda_m + k * lda_k] * x[k * incx];       \
            T *py = y + i * incy;                                                              \
            T old = beta == 0 ? 0 : beta == 1 ? *py : beta * *py;                             \
            *py = beta == 0 ? (alpha == 1 ? s : alpha * s) : old + (alpha == 1 ? s : alpha * s); \
        }                                                                                      \
    }
GEMV(kref_sgemv, float)
GEMV(kref_dgemv, double)

float kref_sdot(int64_t n, const float *x, int64_t incx, const float *y, int64_t incy) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i * incx] * y[i * incy];
    return s;
}

double kref_ddot(int64_t n, const double *x, int64_t incx, const double *y, int64_t incy) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i * incx] * y[i * incy];
    return s;
}
