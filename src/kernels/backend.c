/*
 * backend.c - picks the kernel table: the CBLAS backend when it was built
 * in, else the reference kernels. TSCRIPT_KERNELS=ref forces the reference
 * (for debugging and for comparing results). The choice is made once and
 * is then read-only, so any thread may call kernels_backend().
 */
#include "kernels/backend.h"

#include <stdlib.h>

#include "kernels/blas/blas.h"
#include "kernels/parallel.h"

static const KernelBackend g_ref = {
    "ref", kref_sgemm, kref_dgemm, kref_sgemv, kref_dgemv, kref_sdot, kref_ddot, NULL,
};

const KernelBackend *kernels_ref_backend(void) { return &g_ref; }

static const KernelBackend *g_chosen;

const KernelBackend *kernels_backend(void) {
    const KernelBackend *b = __atomic_load_n(&g_chosen, __ATOMIC_ACQUIRE);
    if (b) return b;
    const char *env = getenv("TSCRIPT_KERNELS");
    b = blas_backend();
    if (!b || (env && strcmp(env, "ref") == 0)) b = &g_ref;
    __atomic_store_n(&g_chosen, b, __ATOMIC_RELEASE);
    return b;
}

void kernels_set_threads(int n) {
    const KernelBackend *b = kernels_backend();
    if (n < 1) return;
    kernels_parallel_set_threads(n);
    if (b->set_threads) b->set_threads(n);
}
