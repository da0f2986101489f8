/*
 * lapack.h - the optional LAPACK backend for the QR factorisation
 * (LAPACKE on Debian: liblapacke-dev, over the system liblapack.so.3, which
 * is OpenBLAS's LAPACK: the library PyTorch's CPU linalg calls, so the same
 * routines give the same bits).
 *
 * CMake compiles kernels/lapack/lapack.c and defines TS_HAVE_LAPACKE only
 * when it finds lapacke.h and the library; otherwise lapack_qr() is the
 * stub below and ops/ falls back to the portable Householder kernels of
 * kernels/ref/qr.c.
 */
#ifndef TS_KERNELS_LAPACK_H
#define TS_KERNELS_LAPACK_H

#include <stdbool.h>
#include <stdint.h>

/* geqrf then orgqr of a column-major m x n matrix a (lda = m), as PyTorch's
 * linalg_qr computes them (optimal workspace queried first): on return the
 * upper triangle of a is R and q (column-major m x qcols, qcols = min(m, n)
 * or m) is Q. f64 selects double (a, q are double *), else float. Returns
 * false when the library fails (out of memory), never for valid sizes. */
#ifdef TS_HAVE_LAPACKE
bool lapack_qr(bool f64, int64_t m, int64_t n, void *a, void *q, int64_t qcols);
static inline bool lapack_available(void) { return true; }
#else
static inline bool lapack_qr(bool f64, int64_t m, int64_t n, void *a, void *q, int64_t qcols) {
    (void)f64, (void)m, (void)n, (void)a, (void)q, (void)qcols;
    return false;
}
static inline bool lapack_available(void) { return false; }
#endif

#endif
