/*
 * linalg.h - the dense factorisations behind the linalg ops (ops/tensor_lapack.c):
 * LU, Cholesky, triangular solves, the symmetric eigensolver and the SVD, in
 * float64 on column-major matrices (leading dimension = the row count).
 *
 * Where it sits: la_* (kernels/linalg.c) calls the system LAPACK through
 * LAPACKE when CMake found it (kernels/lapack/linalg_lapack.c: the routines
 * PyTorch's CPU linalg calls, getrf / potrf / syevd / gesdd / geqrf...), and
 * otherwise the portable unblocked algorithms of kernels/ref/linalg.c
 * (equal to rounding; eigenvector and singular-vector signs may differ).
 * The ops convert float32 matrices to float64 around the calls, so a float32
 * result is the float64 one correctly rounded (within PyTorch's own float32
 * rounding of the same factorisation). Kernels cannot fail: a singular or
 * indefinite matrix is reported through the LAPACK-style info return.
 */
#ifndef TS_KERNELS_LINALG_H
#define TS_KERNELS_LINALG_H

#include <stdbool.h>
#include <stdint.h>

/* LU with partial pivoting of the m x n matrix a: L (unit, below the
 * diagonal) and U in place, ipiv[min(m, n)] the 1-based pivot rows (row i
 * was swapped with ipiv[i] - 1, in order). Returns 0, or j + 1 when U[j][j]
 * is exactly zero (the first such j); the factorisation still completes. */
int la_getrf(int64_t m, int64_t n, double *a, int32_t *ipiv);
/* Solves op(A) X = B for the n x nrhs b in place, from getrf's lu and ipiv;
 * op(A) = A^T when trans. */
void la_getrs(bool trans, int64_t n, int64_t nrhs, const double *lu, const int32_t *ipiv, double *b);
/* Cholesky of the n x n a from its upper (U^T U) or lower (L L^T) triangle,
 * in that triangle; the other one is left as it was. Returns 0, or j + 1
 * when the leading minor of order j + 1 is not positive-definite. */
int la_potrf(bool upper, int64_t n, double *a);
/* Triangular solve (always the portable substitution: exact to rounding) with the n x n a (lda n) and the m x nrhs b (ldb m):
 * left: op(A) X = B (m = n); else X op(A) = B (nrhs = n); op(A) = A^T when
 * trans; unit: the diagonal is taken as ones. No check for a zero diagonal. */
void la_trsm(bool left, bool upper, bool trans, bool unit, int64_t m, int64_t nrhs, const double *a, double *b);
/* Eigenvalues of the symmetric n x n a (from its upper or lower triangle),
 * ascending into w[n]; with vectors, the orthonormal eigenvectors replace a
 * (column j for w[j]). Returns 0, or > 0 when the iteration did not converge. */
int la_syevd(bool vectors, bool upper, int64_t n, double *a, double *w);
/* SVD of the m x n a (destroyed): s[min(m, n)] descending; jobz 'N' (values
 * only), 'S' (u m x k, vt k x n, k = min(m, n)) or 'A' (u m x m, vt n x n).
 * Returns 0, or > 0 when it did not converge. */
int la_gesdd(char jobz, int64_t m, int64_t n, double *a, double *s, double *u, double *vt);
/* Householder QR (geqrf): R in a's upper triangle, the reflectors below it,
 * tau[min(m, n)]. */
void la_geqrf(int64_t m, int64_t n, double *a, double *tau);
/* The m x n product of the first k reflectors (orgqr; m >= n >= k), in a. */
void la_orgqr(int64_t m, int64_t n, int64_t k, double *a, const double *tau);
/* C (m x n) <- op(Q) C (left) or C op(Q), Q = H_0 ... H_(k-1) from the
 * reflectors in the columns of v (rows = m when left, else n; ld = that). */
void la_ormqr(bool left, bool trans, int64_t m, int64_t n, int64_t k, const double *v, const double *tau,
              double *c);

/* Bunch-Kaufman LDL^T of the symmetric n x n a from its lower triangle
 * (sytrf, uplo 'L'): L and the 1x1 / 2x2 blocks of D in the lower triangle,
 * ipiv[n] LAPACK's pivots (k + 1 for a 1x1 block interchanged with row k,
 * -(k + 1) on both rows of a 2x2 block). Returns 0, or j + 1 when D[j][j] is
 * exactly zero. */
int la_sytrf(int64_t n, double *a, int32_t *ipiv);
/* Solves A X = B (n x nrhs b in place) from sytrf's a and ipiv. */
void la_sytrs(int64_t n, int64_t nrhs, const double *a, const int32_t *ipiv, double *b);

/* The portable versions (kernels/ref/linalg.c), same contracts. */
int kref_la_getrf(int64_t m, int64_t n, double *a, int32_t *ipiv);
void kref_la_getrs(bool trans, int64_t n, int64_t nrhs, const double *lu, const int32_t *ipiv, double *b);
int kref_la_potrf(bool upper, int64_t n, double *a);
void kref_la_trsm(bool left, bool upper, bool trans, bool unit, int64_t m, int64_t nrhs, const double *a,
                  double *b);
int kref_la_syevd(bool vectors, bool upper, int64_t n, double *a, double *w);
int kref_la_gesdd(char jobz, int64_t m, int64_t n, double *a, double *s, double *u, double *vt);
int kref_la_sytrf(int64_t n, double *a, int32_t *ipiv);
void kref_la_sytrs(int64_t n, int64_t nrhs, const double *a, const int32_t *ipiv, double *b);
void kref_la_geqrf(int64_t m, int64_t n, double *a, double *tau);
void kref_la_orgqr(int64_t m, int64_t n, int64_t k, double *a, const double *tau);
void kref_la_ormqr(bool left, bool trans, int64_t m, int64_t n, int64_t k, const double *v, const double *tau,
                   double *c);

/* The LAPACKE versions (kernels/lapack/linalg_lapack.c, built with LAPACKE
 * only); they return -1 when LAPACKE itself fails (out of memory), and the
 * dispatcher then falls back to the portable kernel. */
int lapack_la_getrf(int64_t m, int64_t n, double *a, int32_t *ipiv);
int lapack_la_getrs(bool trans, int64_t n, int64_t nrhs, const double *lu, const int32_t *ipiv, double *b);
int lapack_la_potrf(bool upper, int64_t n, double *a);
int lapack_la_syevd(bool vectors, bool upper, int64_t n, double *a, double *w);
int lapack_la_gesdd(char jobz, int64_t m, int64_t n, double *a, double *s, double *u, double *vt);
int lapack_la_sytrf(int64_t n, double *a, int32_t *ipiv);
int lapack_la_sytrs(int64_t n, int64_t nrhs, const double *a, const int32_t *ipiv, double *b);
int lapack_la_geqrf(int64_t m, int64_t n, double *a, double *tau);
int lapack_la_orgqr(int64_t m, int64_t n, int64_t k, double *a, const double *tau);
int lapack_la_ormqr(bool left, bool trans, int64_t m, int64_t n, int64_t k, const double *v, const double *tau,
                    double *c);

#endif
