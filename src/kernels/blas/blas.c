/*
 * blas.c - the CBLAS backend (built only when CMake finds OpenBLAS and
 * cblas.h; see blas.h).
 *
 * CBLAS takes row- or column-major matrices with one unit stride each and a
 * leading dimension at least the row length, and int sizes. Layouts it
 * cannot take (two non-unit strides, sizes past INT_MAX, overlapping
 * leading dimensions) go to the reference kernel, so every entry accepts
 * any strides. A C with unit stride down columns is handled by computing
 * C^T = B^T A^T. PyTorch itself calls this same library for float/double
 * mm/addmm/mv/dot, so results agree with it bit for bit.
 */
#include "kernels/blas/blas.h"

#include <cblas.h>
#include <limits.h>

/* How a K-major-or-not matrix of r x c with strides (sr, sc) maps to CBLAS
 * row-major: NoTrans with ld = sr, or Trans with ld = sc. */
static bool blas_layout(int64_t r, int64_t c, int64_t sr, int64_t sc, enum CBLAS_TRANSPOSE *tr,
                        int *ld) {
    if (r > INT_MAX || c > INT_MAX) return false;
    if (sc == 1 || c == 1) {
        int64_t l = r == 1 ? TS_MAX(c, 1) : sr;
        if (l >= TS_MAX(c, 1) && l <= INT_MAX) {
            *tr = CblasNoTrans;
            *ld = (int)l;
            return true;
        }
    }
    if (sr == 1 || r == 1) {
        int64_t l = c == 1 ? TS_MAX(r, 1) : sc;
        if (l >= TS_MAX(r, 1) && l <= INT_MAX) {
            *tr = CblasTrans;
            *ld = (int)l;
            return true;
        }
    }
    return false;
}

#define BLAS_GEMM(NAME, T, CBLAS, REF)                                                           \
    static void NAME(int64_t M, int64_t N, int64_t K, T alpha, const T *A, int64_t lda_m,         \
                     int64_t lda_k, const T *B, int64_t ldb_k, int64_t ldb_n, T beta, T *C,       \
                     int64_t ldc_m, int64_t ldc_n) {                                              \
        if (M == 0 || N == 0) return;                                                            \
        enum CBLAS_TRANSPOSE ta = CblasNoTrans, tb = CblasNoTrans, tc = CblasNoTrans;            \
        int lda = 1, ldb = 1, ldc = 1;                                                           \
        bool ok_a = blas_layout(M, K, lda_m, lda_k, &ta, &lda);                                  \
        bool ok_b = blas_layout(K, N, ldb_k, ldb_n, &tb, &ldb);                                  \
        bool ok_c = blas_layout(M, N, ldc_m, ldc_n, &tc, &ldc) && K <= INT_MAX;                  \
        if (!ok_a || !ok_b || !ok_c) {                                                           \
            REF(M, N, K, alpha, A, lda_m, lda_k, B, ldb_k, ldb_n, beta, C, ldc_m, ldc_n);        \
            return;                                                                              \
        }                                                                                        \
        if (K == 0) lda = TS_MAX(lda, 1), ldb = TS_MAX(ldb, 1);                                  \
        if (tc == CblasNoTrans)                                                                  \
            CBLAS(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, alpha, A, lda, B, ldb, beta, C, \
                  ldc);                                                                          \
        else /* C^T = B^T A^T in row-major is C = A B in column-major */                        \
            CBLAS(CblasColMajor, ta == CblasNoTrans ? CblasTrans : CblasNoTrans,                 \
                  tb == CblasNoTrans ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha, \
                  A, lda, B, ldb, beta, C, ldc);                                                 \
    }

BLAS_GEMM(blas_sgemm, float, cblas_sgemm, kref_sgemm)
BLAS_GEMM(blas_dgemm, double, cblas_dgemm, kref_dgemm)

#define BLAS_GEMV(NAME, T, CBLAS, REF)                                                           \
    static void NAME(int64_t M, int64_t K, T alpha, const T *A, int64_t lda_m, int64_t lda_k,     \
                     const T *x, int64_t incx, T beta, T *y, int64_t incy) {                      \
        if (M == 0) return;                                                                      \
        enum CBLAS_TRANSPOSE ta = CblasNoTrans;                                                  \
        int lda = 1;                                                                             \
        if (K == 0 || !blas_layout(M, K, lda_m, lda_k, &ta, &lda) || incx <= 0 || incy <= 0 ||   \
            incx > INT_MAX || incy > INT_MAX) {                                                  \
            REF(M, K, alpha, A, lda_m, lda_k, x, incx, beta, y, incy);                           \
            return;                                                                              \
        }                                                                                        \
        if (ta == CblasNoTrans)                                                                  \
            CBLAS(CblasRowMajor, CblasNoTrans, (int)M, (int)K, alpha, A, lda, x, (int)incx, beta, \
                  y, (int)incy);                                                                 \
        else                                                                                     \
            CBLAS(CblasColMajor, CblasNoTrans, (int)M, (int)K, alpha, A, lda, x, (int)incx, beta, \
                  y, (int)incy);                                                                 \
    }

BLAS_GEMV(blas_sgemv, float, cblas_sgemv, kref_sgemv)
BLAS_GEMV(blas_dgemv, double, cblas_dgemv, kref_dgemv)

static float blas_sdot(int64_t n, const float *x, int64_t incx, const float *y, int64_t incy) {
    if (n > INT_MAX || incx <= 0 || incy <= 0 || incx > INT_MAX || incy > INT_MAX)
        return kref_sdot(n, x, incx, y, incy);
    return cblas_sdot((int)n, x, (int)incx, y, (int)incy);
}

static double blas_ddot(int64_t n, const double *x, int64_t incx, const double *y, int64_t incy) {
    if (n > INT_MAX || incx <= 0 || incy <= 0 || incx > INT_MAX || incy > INT_MAX)
        return kref_ddot(n, x, incx, y, incy);
    return cblas_ddot((int)n, x, (int)incx, y, (int)incy);
}

static void blas_set_threads(int n) { openblas_set_num_threads(n); }

static const KernelBackend g_blas = {
    "openblas", blas_sgemm, blas_dgemm, blas_sgemv, blas_dgemv, blas_sdot, blas_ddot, blas_set_threads,
};

const KernelBackend *blas_backend(void) { return &g_blas; }
