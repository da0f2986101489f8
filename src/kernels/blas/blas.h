/*
 * blas.h - the optional CBLAS backend (OpenBLAS on Debian: libopenblas-dev).
 *
 * CMake compiles kernels/blas/blas.c and defines TS_HAVE_BLAS only when it
 * finds the library and cblas.h; otherwise blas_backend() is the stub below
 * and the core builds with no BLAS at all.
 */
#ifndef TS_KERNELS_BLAS_H
#define TS_KERNELS_BLAS_H

#include "kernels/backend.h"

#ifdef TS_HAVE_BLAS
/* The CBLAS kernel table. */
const KernelBackend *blas_backend(void);
#else
static inline const KernelBackend *blas_backend(void) { return NULL; }
#endif

#endif
