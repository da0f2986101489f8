/*
 * linalg.c - the portable dense factorisations of kernels/linalg.h (always
 * built; used when no LAPACK library was found): LAPACK's unblocked
 * algorithms in float64 on column-major matrices. LU with partial pivoting
 * (getf2: the first largest pivot, as idamax), Cholesky (potf2), forward
 * and back substitution, the cyclic Jacobi method for the symmetric
 * eigenproblem, one-sided (Hestenes) Jacobi for the SVD, and the Householder
 * reflectors of geqr2 / org2r / orm2r. They agree with LAPACK's blocked
 * routines to rounding; eigen- and singular vectors are unique only up to
 * sign, and the signs Jacobi gives need not be LAPACK's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/linalg.h"

#define A_(i, j) a[(i) + (j) * m]

int kref_la_getrf(int64_t m, int64_t n, double *a, int32_t *ipiv) {
    int info = 0;
    int64_t k = m < n ? m : n;
    for (int64_t j = 0; j < k; j++) {
        int64_t p = j;
        double best = fabs(A_(j, j));
        for (int64_t i = j + 1; i < m; i++)
            if (fabs(A_(i, j)) > best) best = fabs(A_(i, j)), p = i;
        ipiv[j] = (int32_t)(p + 1);
        if (A_(p, j) != 0) {
            if (p != j)
                for (int64_t c = 0; c < n; c++) {
                    double t = A_(j, c);
                    A_(j, c) = A_(p, c), A_(p, c) = t;
                }
            double inv = 1 / A_(j, j);
            for (int64_t i = j + 1; i < m; i++) A_(i, j) *= inv;
        } else if (info == 0) {
            info = (int)(j + 1);
        }
        for (int64_t c = j + 1; c < n; c++) {
            double f = A_(j, c);
            if (f != 0)
                for (int64_t i = j + 1; i < m; i++) A_(i, c) -= A_(i, j) * f;
        }
    }
    return info;
}
#undef A_

/* Solves T x = x in place for one vector of stride inc, T (n x n) read as
 * T[i][k] = a[i + k n] (or a[k + i n] when tr); upper: T is upper triangular. */
static void tri_vec(int64_t n, const double *a, bool tr, bool upper, bool unit, double *x, int64_t inc) {
#define T_(i, k) (tr ? a[(k) + (i) * n] : a[(i) + (k) * n])
    if (upper) {
        for (int64_t i = n - 1; i >= 0; i--) {
            double s = x[i * inc];
            for (int64_t k = i + 1; k < n; k++) s -= T_(i, k) * x[k * inc];
            x[i * inc] = unit ? s : s / T_(i, i);
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            double s = x[i * inc];
            for (int64_t k = 0; k < i; k++) s -= T_(i, k) * x[k * inc];
            x[i * inc] = unit ? s : s / T_(i, i);
        }
    }
#undef T_
}

void kref_la_trsm(bool left, bool upper, bool trans, bool unit, int64_t m, int64_t nrhs, const double *a,
                  double *b) {
    if (left) { /* op(A) x = b for each column; op(A) is upper when A is upper xor transposed */
        for (int64_t c = 0; c < nrhs; c++) tri_vec(m, a, trans, upper != trans, unit, b + c * m, 1);
    } else { /* x op(A) = b  <=>  op(A)^T x^T = b^T, for each row (stride m) */
        for (int64_t r = 0; r < m; r++) tri_vec(nrhs, a, !trans, upper == trans, unit, b + r, m);
    }
}

void kref_la_getrs(bool trans, int64_t n, int64_t nrhs, const double *lu, const int32_t *ipiv, double *b) {
    if (!trans) {
        for (int64_t i = 0; i < n; i++) {
            int64_t p = ipiv[i] - 1;
            if (p != i)
                for (int64_t c = 0; c < nrhs; c++) {
                    double t = b[i + c * n];
                    b[i + c * n] = b[p + c * n], b[p + c * n] = t;
                }
        }
        kref_la_trsm(true, false, false, true, n, nrhs, lu, b);
        kref_la_trsm(true, true, false, false, n, nrhs, lu, b);
    } else {
        kref_la_trsm(true, true, true, false, n, nrhs, lu, b);
        kref_la_trsm(true, false, true, true, n, nrhs, lu, b);
        for (int64_t i = n - 1; i >= 0; i--) {
            int64_t p = ipiv[i] - 1;
            if (p != i)
                for (int64_t c = 0; c < nrhs; c++) {
                    double t = b[i + c * n];
                    b[i + c * n] = b[p + c * n], b[p + c * n] = t;
                }
        }
    }
}

int kref_la_potrf(bool upper, int64_t n, double *a) {
    /* L[i][j] lives at (i, j) for lower, at (j, i) for upper (U = L^T) */
#define L_(i, j) (*(upper ? &a[(j) + (i) * n] : &a[(i) + (j) * n]))
    for (int64_t j = 0; j < n; j++) {
        double d = L_(j, j);
        for (int64_t k = 0; k < j; k++) d -= L_(j, k) * L_(j, k);
        if (d <= 0) { /* NaN goes on, as OpenBLAS's potrf (PyTorch's) lets it */
            L_(j, j) = d;
            return (int)(j + 1);
        }
        d = sqrt(d);
        L_(j, j) = d;
        for (int64_t i = j + 1; i < n; i++) {
            double s = L_(i, j);
            for (int64_t k = 0; k < j; k++) s -= L_(i, k) * L_(j, k);
            L_(i, j) = s / d;
        }
    }
#undef L_
    return 0;
}

/* Sorts w ascending (descending when desc) with the columns of v (rows x n, may be NULL). */
static void sort_pairs(int64_t n, double *w, double *v, int64_t rows, bool desc) {
    for (int64_t i = 1; i < n; i++)
        for (int64_t j = i; j > 0 && (desc ? w[j - 1] < w[j] : w[j - 1] > w[j]); j--) {
            double t = w[j];
            w[j] = w[j - 1], w[j - 1] = t;
            if (v)
                for (int64_t r = 0; r < rows; r++) {
                    t = v[r + j * rows];
                    v[r + j * rows] = v[r + (j - 1) * rows], v[r + (j - 1) * rows] = t;
                }
        }
}

int kref_la_syevd(bool vectors, bool upper, int64_t n, double *a, double *w) {
    size_t nn = (size_t)(n * n > 0 ? n * n : 1);
    double *s = malloc(sizeof(double) * nn), *v = malloc(sizeof(double) * nn);
    if (!s || !v) {
        free(s), free(v);
        return -1;
    }
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < n; i++) {
            bool in_tri = upper ? i <= j : i >= j;
            s[i + j * n] = in_tri ? a[i + j * n] : a[j + i * n];
            v[i + j * n] = i == j;
        }
    int info = 1;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < n; i++) {
                if (i != j) off += s[i + j * n] * s[i + j * n];
                else diag += s[i + j * n] * s[i + j * n];
            }
        if (off <= 1e-30 * diag || off == 0) {
            info = 0;
            break;
        }
        for (int64_t p = 0; p < n - 1; p++)
            for (int64_t q = p + 1; q < n; q++) {
                double apq = s[p + q * n];
                if (apq == 0) continue;
                double theta = (s[q + q * n] - s[p + p * n]) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), sn = t * c;
                for (int64_t k = 0; k < n; k++) { /* columns p, q */
                    double skp = s[k + p * n], skq = s[k + q * n];
                    s[k + p * n] = c * skp - sn * skq, s[k + q * n] = sn * skp + c * skq;
                }
                for (int64_t k = 0; k < n; k++) { /* rows p, q */
                    double spk = s[p + k * n], sqk = s[q + k * n];
                    s[p + k * n] = c * spk - sn * sqk, s[q + k * n] = sn * spk + c * sqk;
                }
                for (int64_t k = 0; k < n; k++) {
                    double vkp = v[k + p * n], vkq = v[k + q * n];
                    v[k + p * n] = c * vkp - sn * vkq, v[k + q * n] = sn * vkp + c * vkq;
                }
            }
    }
    for (int64_t i = 0; i < n; i++) w[i] = s[i + i * n];
    sort_pairs(n, w, v, n, false);
    if (vectors) memcpy(a, v, sizeof(double) * (size_t)(n * n));
    free(s), free(v);
    return info;
}

/* Completes the first `have` orthonormal columns of q (rows x cols) to an
 * orthonormal set, by Gram-Schmidt on the unit vectors. */
static void complete_basis(int64_t rows, int64_t cols, int64_t have, double *q) {
    int64_t e = 0;
    for (int64_t j = have; j < cols && e < rows; e++) {
        double *x = q + j * rows;
        for (int64_t r = 0; r < rows; r++) x[r] = r == e;
        for (int pass = 0; pass < 2; pass++)
            for (int64_t k = 0; k < j; k++) {
                double d = 0;
                for (int64_t r = 0; r < rows; r++) d += q[r + k * rows] * x[r];
                for (int64_t r = 0; r < rows; r++) x[r] -= d * q[r + k * rows];
            }
        double nrm = 0;
        for (int64_t r = 0; r < rows; r++) nrm += x[r] * x[r];
        nrm = sqrt(nrm);
        if (nrm < 1e-8) continue;
        for (int64_t r = 0; r < rows; r++) x[r] /= nrm;
        j++;
    }
}

/* One-sided Jacobi on the m x n g (m >= n): g <- U S, v (n x n) <- V. */
static int jacobi_svd(int64_t m, int64_t n, double *g, double *v) {
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < n; i++) v[i + j * n] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        bool rotated = false;
        for (int64_t p = 0; p < n - 1; p++)
            for (int64_t q = p + 1; q < n; q++) {
                double alpha = 0, beta = 0, gamma = 0;
                for (int64_t r = 0; r < m; r++) {
                    double x = g[r + p * m], y = g[r + q * m];
                    alpha += x * x, beta += y * y, gamma += x * y;
                }
                if (gamma == 0 || fabs(gamma) <= 1e-15 * sqrt(alpha * beta)) continue;
                rotated = true;
                double zeta = (beta - alpha) / (2 * gamma);
                double t = (zeta >= 0 ? 1 : -1) / (fabs(zeta) + sqrt(1 + zeta * zeta));
                double c = 1 / sqrt(1 + t * t), s = c * t;
                for (int64_t r = 0; r < m; r++) {
                    double x = g[r + p * m], y = g[r + q * m];
                    g[r + p * m] = c * x - s * y, g[r + q * m] = s * x + c * y;
                }
                for (int64_t r = 0; r < n; r++) {
                    double x = v[r + p * n], y = v[r + q * n];
                    v[r + p * n] = c * x - s * y, v[r + q * n] = s * x + c * y;
                }
            }
        if (!rotated) return 0;
    }
    return 1;
}

int kref_la_gesdd(char jobz, int64_t m, int64_t n, double *a, double *s, double *u, double *vt) {
    bool tr = m < n;
    int64_t rm = tr ? n : m, rn = tr ? m : n; /* the tall problem: rm x rn */
    double *g = malloc(sizeof(double) * (size_t)(rm * rn > 0 ? rm * rn : 1));
    double *v = malloc(sizeof(double) * (size_t)(rn * rn > 0 ? rn * rn : 1));
    double *ub = malloc(sizeof(double) * (size_t)(rm * rm > 0 ? rm * rm : 1));
    if (!g || !v || !ub) {
        free(g), free(v), free(ub);
        return -1;
    }
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            if (tr) g[j + i * rm] = a[i + j * m];
            else g[i + j * rm] = a[i + j * m];
        }
    int info = jacobi_svd(rm, rn, g, v);
    /* column norms are the singular values; order them descending */
    double *sv = malloc(sizeof(double) * (size_t)(rn > 0 ? rn : 1));
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)(rn > 0 ? rn : 1));
    if (!sv || !perm) {
        free(g), free(v), free(ub), free(sv), free(perm);
        return -1;
    }
    for (int64_t j = 0; j < rn; j++) {
        double t = 0;
        for (int64_t r = 0; r < rm; r++) t += g[r + j * rm] * g[r + j * rm];
        sv[j] = sqrt(t), perm[j] = j;
    }
    for (int64_t i = 1; i < rn; i++)
        for (int64_t j = i; j > 0 && sv[perm[j - 1]] < sv[perm[j]]; j--) {
            int64_t t = perm[j];
            perm[j] = perm[j - 1], perm[j - 1] = t;
        }
    for (int64_t j = 0; j < rn; j++) s[j] = sv[perm[j]];
    if (jobz != 'N') {
        /* the tall problem's U (rm x rm or rm x rn) and V (rn x rn) */
        int64_t ucols = jobz == 'A' ? rm : rn, have = 0;
        double big = rn > 0 ? s[0] : 0;
        for (int64_t j = 0; j < rn; j++) {
            double sj = s[j];
            if (!(sj > 1e-300 && sj > big * 1e-15)) break;
            for (int64_t r = 0; r < rm; r++) ub[r + j * rm] = g[r + perm[j] * rm] / sj;
            have = j + 1;
        }
        complete_basis(rm, ucols, have, ub);
        /* A = U S V^T; for the transposed problem A^T = U' S V'^T, so U = V', V = U' */
        if (!tr) {
            int64_t uc = jobz == 'A' ? m : n;
            for (int64_t j = 0; j < uc; j++)
                for (int64_t r = 0; r < m; r++) u[r + j * m] = ub[r + j * rm];
            for (int64_t i = 0; i < n; i++) /* vt (n x n), row i = V column perm[i] */
                for (int64_t c = 0; c < n; c++) vt[i + c * n] = v[c + perm[i] * rn];
        } else {
            /* u: m x m (the V' columns, permuted); vt: rows of U'^T (ucols x n) */
            for (int64_t j = 0; j < m; j++)
                for (int64_t r = 0; r < m; r++) u[r + j * m] = v[r + perm[j] * rn];
            int64_t vr = jobz == 'A' ? n : m;
            for (int64_t i = 0; i < vr; i++)
                for (int64_t c = 0; c < n; c++) vt[i + c * vr] = ub[c + i * rm];
        }
    }
    free(g), free(v), free(ub), free(sv), free(perm);
    return info;
}

/* ---- Householder reflectors (geqr2, org2r, orm2r) ---- */

/* (alpha, x[0..n)) -> (beta, v): returns tau; *alpha = beta, x = v's tail. */
static double larfg(int64_t n, double *alpha, double *x) {
    double xnorm = 0;
    for (int64_t t = 0; t < n; t++) xnorm = hypot(xnorm, x[t]);
    if (xnorm == 0) return 0;
    double beta = -copysign(hypot(*alpha, xnorm), *alpha);
    double tau = (beta - *alpha) / beta, inv = 1 / (*alpha - beta);
    for (int64_t t = 0; t < n; t++) x[t] *= inv;
    *alpha = beta;
    return tau;
}

/* C (rows x cols, ld) <- (I - tau v v^T) C, v[0] = 1 implied by the caller's value. */
static void larf_left(int64_t rows, int64_t cols, const double *v, double tau, double *c, int64_t ld) {
    if (tau == 0) return;
    for (int64_t j = 0; j < cols; j++) {
        double s = 0;
        for (int64_t i = 0; i < rows; i++) s += v[i] * c[i + j * ld];
        s *= tau;
        for (int64_t i = 0; i < rows; i++) c[i + j * ld] -= s * v[i];
    }
}

void kref_la_geqrf(int64_t m, int64_t n, double *a, double *tau) {
    int64_t k = m < n ? m : n;
    for (int64_t i = 0; i < k; i++) {
        double *col = a + i * m;
        tau[i] = larfg(m - i - 1, &col[i], col + i + 1);
        if (i < n - 1) {
            double aii = col[i];
            col[i] = 1;
            larf_left(m - i, n - i - 1, col + i, tau[i], a + (i + 1) * m + i, m);
            col[i] = aii;
        }
    }
}

void kref_la_orgqr(int64_t m, int64_t n, int64_t k, double *a, const double *tau) {
    for (int64_t j = k; j < n; j++)
        for (int64_t r = 0; r < m; r++) a[r + j * m] = r == j;
    for (int64_t i = k - 1; i >= 0; i--) {
        double *col = a + i * m;
        if (i < n - 1) {
            col[i] = 1;
            larf_left(m - i, n - i - 1, col + i, tau[i], a + (i + 1) * m + i, m);
        }
        for (int64_t r = i + 1; r < m; r++) col[r] *= -tau[i];
        col[i] = 1 - tau[i];
        for (int64_t r = 0; r < i; r++) col[r] = 0;
    }
}

/* C (rows x cols, ld) <- H C or C H, H = I - tau v v^T with v = (1, tail...). */
static void reflect(bool left, int64_t rows, int64_t cols, const double *tail, double tau, double *c, int64_t ld) {
    if (tau == 0) return;
    if (left) {
        for (int64_t j = 0; j < cols; j++) {
            double s = c[j * ld];
            for (int64_t i = 1; i < rows; i++) s += tail[i - 1] * c[i + j * ld];
            s *= tau;
            c[j * ld] -= s;
            for (int64_t i = 1; i < rows; i++) c[i + j * ld] -= s * tail[i - 1];
        }
    } else {
        for (int64_t i = 0; i < rows; i++) {
            double s = c[i];
            for (int64_t j = 1; j < cols; j++) s += c[i + j * ld] * tail[j - 1];
            s *= tau;
            c[i] -= s;
            for (int64_t j = 1; j < cols; j++) c[i + j * ld] -= s * tail[j - 1];
        }
    }
}

void kref_la_ormqr(bool left, bool trans, int64_t m, int64_t n, int64_t k, const double *v, const double *tau,
                   double *c) {
    int64_t nq = left ? m : n;
    /* Q = H_0 ... H_(k-1); Q C applies H_(k-1) first, Q^T C applies H_0 first;
     * C Q applies H_0 first, C Q^T applies H_(k-1) first. */
    bool forward = left == trans;
    for (int64_t t = 0; t < k; t++) {
        int64_t i = forward ? t : k - 1 - t;
        const double *tail = v + i * nq + i + 1; /* below the implicit unit at row i */
        if (left) reflect(true, m - i, n, tail, tau[i], c + i, m);
        else reflect(false, m, n - i, tail, tau[i], c + i * m, m);
    }
}

/* ---- Bunch-Kaufman LDL^T (sytf2 / sytrs, lower triangle) ---- */

#define S_(i, j) a[(i) + (j) * n]

static void swap_d(double *x, double *y) {
    double t = *x;
    *x = *y, *y = t;
}

int kref_la_sytrf(int64_t n, double *a, int32_t *ipiv) {
    const double alpha = (1 + sqrt(17.0)) / 8;
    int info = 0;
    for (int64_t k = 0; k < n;) {
        int64_t kstep = 1, kp = k, imax = k;
        double absakk = fabs(S_(k, k)), colmax = 0;
        for (int64_t i = k + 1; i < n; i++) /* idamax: the first largest */
            if (i == k + 1 || fabs(S_(i, k)) > colmax) colmax = fabs(S_(i, k)), imax = i;
        if (fmax(absakk, colmax) == 0 || isnan(absakk)) {
            if (info == 0) info = (int)(k + 1);
            kp = k;
        } else {
            if (absakk >= alpha * colmax) {
                kp = k;
            } else {
                double rowmax = 0;
                for (int64_t j = k; j < imax; j++)
                    if (j == k || fabs(S_(imax, j)) > rowmax) rowmax = fabs(S_(imax, j));
                for (int64_t j = imax + 1; j < n; j++) rowmax = fmax(rowmax, fabs(S_(j, imax)));
                if (absakk >= alpha * colmax * (colmax / rowmax)) kp = k;
                else if (fabs(S_(imax, imax)) >= alpha * rowmax) kp = imax;
                else kp = imax, kstep = 2;
            }
            int64_t kk = k + kstep - 1;
            if (kp != kk) { /* interchange rows and columns kk and kp of the trailing matrix */
                for (int64_t i = kp + 1; i < n; i++) swap_d(&S_(i, kk), &S_(i, kp));
                for (int64_t j = kk + 1; j < kp; j++) swap_d(&S_(j, kk), &S_(kp, j));
                swap_d(&S_(kk, kk), &S_(kp, kp));
                if (kstep == 2) swap_d(&S_(k + 1, k), &S_(kp, k));
            }
            if (kstep == 1) {
                if (k < n - 1) {
                    double d11 = 1 / S_(k, k);
                    for (int64_t j = k + 1; j < n; j++)
                        for (int64_t i = j; i < n; i++) S_(i, j) -= d11 * S_(i, k) * S_(j, k);
                    for (int64_t i = k + 1; i < n; i++) S_(i, k) *= d11;
                }
            } else if (k < n - 2) {
                double d21 = S_(k + 1, k), d11 = S_(k + 1, k + 1) / d21, d22 = S_(k, k) / d21;
                double t = 1 / (d11 * d22 - 1);
                d21 = t / d21;
                for (int64_t j = k + 2; j < n; j++) {
                    double wk = d21 * (d11 * S_(j, k) - S_(j, k + 1));
                    double wkp1 = d21 * (d22 * S_(j, k + 1) - S_(j, k));
                    for (int64_t i = j; i < n; i++) S_(i, j) -= S_(i, k) * wk + S_(i, k + 1) * wkp1;
                    S_(j, k) = wk, S_(j, k + 1) = wkp1;
                }
            }
        }
        if (kstep == 1) {
            ipiv[k] = (int32_t)(kp + 1);
        } else {
            ipiv[k] = ipiv[k + 1] = (int32_t)(-(kp + 1));
        }
        k += kstep;
    }
    return info;
}

void kref_la_sytrs(int64_t n, int64_t nrhs, const double *a, const int32_t *ipiv, double *b) {
#define B_(i, j) b[(i) + (j) * n]
    for (int64_t k = 0; k < n;) { /* L D Y = B */
        if (ipiv[k] > 0) {
            int64_t kp = ipiv[k] - 1;
            if (kp != k)
                for (int64_t c = 0; c < nrhs; c++) swap_d(&B_(k, c), &B_(kp, c));
            for (int64_t c = 0; c < nrhs; c++) {
                for (int64_t i = k + 1; i < n; i++) B_(i, c) -= S_(i, k) * B_(k, c);
                B_(k, c) /= S_(k, k);
            }
            k += 1;
        } else {
            int64_t kp = -ipiv[k] - 1;
            if (kp != k + 1)
                for (int64_t c = 0; c < nrhs; c++) swap_d(&B_(k + 1, c), &B_(kp, c));
            for (int64_t c = 0; c < nrhs; c++)
                for (int64_t i = k + 2; i < n; i++) B_(i, c) -= S_(i, k) * B_(k, c) + S_(i, k + 1) * B_(k + 1, c);
            double akm1k = S_(k + 1, k), akm1 = S_(k, k) / akm1k, ak = S_(k + 1, k + 1) / akm1k;
            double denom = akm1 * ak - 1;
            for (int64_t c = 0; c < nrhs; c++) {
                double bkm1 = B_(k, c) / akm1k, bk = B_(k + 1, c) / akm1k;
                B_(k, c) = (ak * bkm1 - bk) / denom;
                B_(k + 1, c) = (akm1 * bk - bkm1) / denom;
            }
            k += 2;
        }
    }
    for (int64_t k = n - 1; k >= 0;) { /* L^T X = Y */
        if (ipiv[k] > 0) {
            for (int64_t c = 0; c < nrhs; c++)
                for (int64_t i = k + 1; i < n; i++) B_(k, c) -= S_(i, k) * B_(i, c);
            int64_t kp = ipiv[k] - 1;
            if (kp != k)
                for (int64_t c = 0; c < nrhs; c++) swap_d(&B_(k, c), &B_(kp, c));
            k -= 1;
        } else {
            for (int64_t c = 0; c < nrhs; c++)
                for (int64_t i = k + 1; i < n; i++) {
                    B_(k, c) -= S_(i, k) * B_(i, c);
                    B_(k - 1, c) -= S_(i, k - 1) * B_(i, c);
                }
            int64_t kp = -ipiv[k] - 1;
            if (kp != k)
                for (int64_t c = 0; c < nrhs; c++) swap_d(&B_(k, c), &B_(kp, c));
            k -= 2;
        }
    }
#undef B_
}
#undef S_
