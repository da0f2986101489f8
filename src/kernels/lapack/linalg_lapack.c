/*
 * linalg_lapack.c - the LAPACKE versions of kernels/linalg.h (built only
 * when CMake found LAPACKE): the float64 routines PyTorch's CPU linalg
 * calls (dgetrf, dgetrs, dpotrf, dsyevd, dgesdd, dsytrf, dsytrs, dgeqrf, dorgqr,
 * dormqr),
 * through LAPACKE's high-level calls, which query the optimal workspace
 * first as PyTorch does. Each returns LAPACK's info, or -1 when LAPACKE
 * failed (out of memory), for the dispatcher's portable fallback.
 */
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/linalg.h"

static int info_of(lapack_int info) { return info == LAPACK_WORK_MEMORY_ERROR || info < 0 ? -1 : (int)info; }

int lapack_la_getrf(int64_t m, int64_t n, double *a, int32_t *ipiv) {
    if (m == 0 || n == 0) return 0;
    return info_of(LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, a, (lapack_int)m, ipiv));
}

int lapack_la_getrs(bool trans, int64_t n, int64_t nrhs, const double *lu, const int32_t *ipiv, double *b) {
    if (n == 0 || nrhs == 0) return 0;
    return info_of(LAPACKE_dgetrs(LAPACK_COL_MAJOR, trans ? 'T' : 'N', (lapack_int)n, (lapack_int)nrhs, lu,
                                  (lapack_int)n, ipiv, b, (lapack_int)n));
}

int lapack_la_potrf(bool upper, int64_t n, double *a) {
    if (n == 0) return 0;
    return info_of(LAPACKE_dpotrf(LAPACK_COL_MAJOR, upper ? 'U' : 'L', (lapack_int)n, a, (lapack_int)n));
}

int lapack_la_syevd(bool vectors, bool upper, int64_t n, double *a, double *w) {
    if (n == 0) return 0;
    return info_of(LAPACKE_dsyevd(LAPACK_COL_MAJOR, vectors ? 'V' : 'N', upper ? 'U' : 'L', (lapack_int)n, a,
                                  (lapack_int)n, w));
}

int lapack_la_gesdd(char jobz, int64_t m, int64_t n, double *a, double *s, double *u, double *vt) {
    if (m == 0 || n == 0) return 0;
    int64_t k = m < n ? m : n, vr = jobz == 'A' ? n : k;
    double dummy = 0;
    return info_of(LAPACKE_dgesdd(LAPACK_COL_MAJOR, jobz, (lapack_int)m, (lapack_int)n, a, (lapack_int)m, s,
                                  jobz == 'N' ? &dummy : u, (lapack_int)m, jobz == 'N' ? &dummy : vt,
                                  (lapack_int)(vr > 0 ? vr : 1)));
}

int lapack_la_sytrf(int64_t n, double *a, int32_t *ipiv) {
    if (n == 0) return 0;
    return info_of(LAPACKE_dsytrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, a, (lapack_int)n, ipiv));
}

int lapack_la_sytrs(int64_t n, int64_t nrhs, const double *a, const int32_t *ipiv, double *b) {
    if (n == 0 || nrhs == 0) return 0;
    return info_of(LAPACKE_dsytrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)nrhs, a, (lapack_int)n, ipiv, b,
                                  (lapack_int)n));
}

int lapack_la_geqrf(int64_t m, int64_t n, double *a, double *tau) {
    if (m == 0 || n == 0) return 0;
    return info_of(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, a, (lapack_int)m, tau));
}

int lapack_la_orgqr(int64_t m, int64_t n, int64_t k, double *a, const double *tau) {
    if (m == 0 || n == 0) return 0;
    return info_of(LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)k, a, (lapack_int)m,
                                  tau));
}

int lapack_la_ormqr(bool left, bool trans, int64_t m, int64_t n, int64_t k, const double *v, const double *tau,
                    double *c) {
    if (m == 0 || n == 0 || k == 0) return 0;
    int64_t nq = left ? m : n;
    return info_of(LAPACKE_dormqr(LAPACK_COL_MAJOR, left ? 'L' : 'R', trans ? 'T' : 'N', (lapack_int)m,
                                  (lapack_int)n, (lapack_int)k, v, (lapack_int)nq, tau, c, (lapack_int)m));
}
