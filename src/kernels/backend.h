/*
 * backend.h - the GEMM family's backends (reference loops, or a CBLAS).
 *
 * ops/ call GEMM-like kernels through kernels_backend(), the `gemm` entry
 * of the dispatch table (kernels/dispatch.h), so an optimised library (a
 * CBLAS such as OpenBLAS, detected at build time: see kernels/blas/blas.h)
 * replaces the reference loops without ops/ knowing. OpenBLAS picks its
 * own kernel for the CPU (we never set OPENBLAS_CORETYPE), so capping the
 * level below avx2 is what selects the reference loops.
 * Every entry accepts any strides: a backend that cannot take a layout
 * (BLAS needs one unit stride per matrix) falls back to the reference
 * kernel itself, so no entry can fail. The reference table is always
 * available for tests that compare a backend against it.
 */
#ifndef TS_KERNELS_BACKEND_H
#define TS_KERNELS_BACKEND_H

#include "kernels/kernels.h"

typedef struct KernelBackend {
    const char *name; /* "ref", "openblas" */
    void (*sgemm)(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda_m,
                  int64_t lda_k, const float *B, int64_t ldb_k, int64_t ldb_n, float beta, float *C,
                  int64_t ldc_m, int64_t ldc_n);
    void (*dgemm)(int64_t M, int64_t N, int64_t K, double alpha, const double *A, int64_t lda_m,
                  int64_t lda_k, const double *B, int64_t ldb_k, int64_t ldb_n, double beta,
                  double *C, int64_t ldc_m, int64_t ldc_n);
    void (*sgemv)(int64_t M, int64_t K, float alpha, const float *A, int64_t lda_m, int64_t lda_k,
                  const float *x, int64_t incx, float beta, float *y, int64_t incy);
    void (*dgemv)(int64_t M, int64_t K, double alpha, const double *A, int64_t lda_m,
                  int64_t lda_k, const double *x, int64_t incx, double beta, double *y,
                  int64_t incy);
    float (*sdot)(int64_t n, const float *x, int64_t incx, const float *y, int64_t incy);
    double (*ddot)(int64_t n, const double *x, int64_t incx, const double *y, int64_t incy);
    /* Use n threads inside the backend (process-wide); NULL: single-threaded. */
    void (*set_threads)(int n);
} KernelBackend;

/* The backend in use: kernels()->gemm. Never NULL. */
const KernelBackend *kernels_backend(void);
/* n threads for the kernel pool and the BLAS (n >= 1; process-wide, as BLAS
 * libraries are). */
void kernels_set_threads(int n);
/* The reference kernels. */
const KernelBackend *kernels_ref_backend(void);

#endif
