/*
 * backend.c - the GEMM backends: the reference kernels (always built) and
 * the CBLAS backend when it was built in. Which one runs is the dispatch
 * table's choice (kernels/dispatch.c: the reference kernels at the
 * portable level, the BLAS above it).
 */
#include "kernels/backend.h"

#include "kernels/blas/blas.h"
#include "kernels/dispatch.h"
#include "kernels/parallel.h"

static const KernelBackend g_ref = {
    "ref", kref_sgemm, kref_dgemm, kref_sgemv, kref_dgemv, kref_sdot, kref_ddot, NULL,
};

const KernelBackend *kernels_ref_backend(void) { return &g_ref; }

const KernelBackend *kernels_backend(void) { return kernels()->gemm; }

void kernels_set_threads(int n) {
    const KernelBackend *blas = blas_backend();
    if (n < 1) return;
    kernels_parallel_set_threads(n);
    if (blas && blas->set_threads) blas->set_threads(n);
}
