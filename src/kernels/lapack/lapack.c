/*
 * lapack.c - the LAPACKE backend of lapack.h: ?geqrf and ?orgqr in
 * column-major layout, through LAPACKE's high-level calls, which query the
 * optimal workspace before the factorisation exactly as PyTorch's
 * apply_geqrf / apply_orgqr do (the blocked algorithm depends on it).
 */
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/lapack/lapack.h"

#define QR_BODY(T, GEQRF, ORGQR)                                                                               \
    do {                                                                                                      \
        lapack_int mm = (lapack_int)m, nn = (lapack_int)n, k = (lapack_int)(m < n ? m : n);                   \
        T *tau = malloc(sizeof(T) * (size_t)(k > 0 ? k : 1));                                                 \
        if (!tau) return false;                                                                               \
        T *A = a, *Q = q;                                                                                     \
        lapack_int info = GEQRF(LAPACK_COL_MAJOR, mm, nn, A, mm, tau);                                        \
        if (info == 0 && Q) {                                                                                 \
            /* Q's first min(m, n) columns hold the reflectors; orgqr expands them in place */               \
            memcpy(Q, A, sizeof(T) * (size_t)mm * (size_t)k);                                                 \
            info = ORGQR(LAPACK_COL_MAJOR, mm, (lapack_int)qcols, k, Q, mm, tau);                             \
        }                                                                                                     \
        free(tau);                                                                                            \
        return info == 0;                                                                                     \
    } while (0)

bool lapack_qr(bool f64, int64_t m, int64_t n, void *a, void *q, int64_t qcols) {
    if (f64) QR_BODY(double, LAPACKE_dgeqrf, LAPACKE_dorgqr);
    QR_BODY(float, LAPACKE_sgeqrf, LAPACKE_sorgqr);
}
