/*
 * linalg.c - the dispatcher of kernels/linalg.h: LAPACK through LAPACKE
 * when the build has it (TS_HAVE_LAPACKE), else, or when LAPACKE itself
 * fails for memory, the portable kernels of kernels/ref/linalg.c. The
 * portable kernels are always compiled, so the unit tests can compare both.
 */
#include <string.h>

#include "kernels/linalg.h"

#ifdef TS_HAVE_LAPACKE
#define TRY_LAPACK(call) \
    do {                 \
        int r_ = (call); \
        if (r_ >= 0) return r_; \
    } while (0)
#else
#define TRY_LAPACK(call) ((void)0)
#endif

int la_getrf(int64_t m, int64_t n, double *a, int32_t *ipiv) {
    TRY_LAPACK(lapack_la_getrf(m, n, a, ipiv));
    return kref_la_getrf(m, n, a, ipiv);
}

void la_getrs(bool trans, int64_t n, int64_t nrhs, const double *lu, const int32_t *ipiv, double *b) {
#ifdef TS_HAVE_LAPACKE
    if (lapack_la_getrs(trans, n, nrhs, lu, ipiv, b) >= 0) return;
#endif
    kref_la_getrs(trans, n, nrhs, lu, ipiv, b);
}

int la_potrf(bool upper, int64_t n, double *a) {
    TRY_LAPACK(lapack_la_potrf(upper, n, a));
    return kref_la_potrf(upper, n, a);
}

void la_trsm(bool left, bool upper, bool trans, bool unit, int64_t m, int64_t nrhs, const double *a, double *b) {
    kref_la_trsm(left, upper, trans, unit, m, nrhs, a, b);
}

int la_syevd(bool vectors, bool upper, int64_t n, double *a, double *w) {
    TRY_LAPACK(lapack_la_syevd(vectors, upper, n, a, w));
    return kref_la_syevd(vectors, upper, n, a, w);
}

int la_gesdd(char jobz, int64_t m, int64_t n, double *a, double *s, double *u, double *vt) {
#ifdef TS_HAVE_LAPACKE
    /* gesdd destroys a: keep a copy for the fallback? LAPACKE fails only
     * before touching it (workspace allocation), so none is needed. */
    int r = lapack_la_gesdd(jobz, m, n, a, s, u, vt);
    if (r >= 0) return r;
#endif
    return kref_la_gesdd(jobz, m, n, a, s, u, vt);
}

int la_sytrf(int64_t n, double *a, int32_t *ipiv) {
    TRY_LAPACK(lapack_la_sytrf(n, a, ipiv));
    return kref_la_sytrf(n, a, ipiv);
}

void la_sytrs(int64_t n, int64_t nrhs, const double *a, const int32_t *ipiv, double *b) {
#ifdef TS_HAVE_LAPACKE
    if (lapack_la_sytrs(n, nrhs, a, ipiv, b) >= 0) return;
#endif
    kref_la_sytrs(n, nrhs, a, ipiv, b);
}

void la_geqrf(int64_t m, int64_t n, double *a, double *tau) {
#ifdef TS_HAVE_LAPACKE
    if (lapack_la_geqrf(m, n, a, tau) >= 0) return;
#endif
    kref_la_geqrf(m, n, a, tau);
}

void la_orgqr(int64_t m, int64_t n, int64_t k, double *a, const double *tau) {
#ifdef TS_HAVE_LAPACKE
    if (lapack_la_orgqr(m, n, k, a, tau) >= 0) return;
#endif
    kref_la_orgqr(m, n, k, a, tau);
}

void la_ormqr(bool left, bool trans, int64_t m, int64_t n, int64_t k, const double *v, const double *tau,
              double *c) {
#ifdef TS_HAVE_LAPACKE
    if (lapack_la_ormqr(left, trans, m, n, k, v, tau, c) >= 0) return;
#endif
    kref_la_ormqr(left, trans, m, n, k, v, tau, c);
}
