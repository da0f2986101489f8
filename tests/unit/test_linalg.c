/*
 * test_linalg.c - the dense factorisations of kernels/linalg.h and the FFT
 * of kernels/fft.h. Both the portable kernels (kref_la_*, what a build
 * without LAPACKE runs) and the dispatched ones (la_*: LAPACK when built in)
 * are checked by what defines them, on fixed pseudo-random matrices of odd
 * sizes: P L U = A, L L^T = A, A V = V diag(w) with V orthonormal,
 * U S V^T = A, Q R = A, the LDL^T and LU solves' residuals, and the FFT
 * against the O(n^2) sum. Where the result is unique (pivots, eigenvalues,
 * singular values, Bunch-Kaufman pivots) the two implementations must agree
 * with each other. Bounds: c * n * eps64 * the scale of the data, the
 * backward-error bound of these algorithms (c = 64 leaves room for the
 * growth factors of small random matrices).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"
#include <float.h>
#include <math.h>
#include <string.h>

#include "kernels/fft.h"
#include "kernels/linalg.h"

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static double rnd(void) { /* uniform in [-1, 1) */
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (double)(g_rng >> 11) / (double)(1ull << 52) - 1.0;
}

static double *mat(int64_t r, int64_t c) {
    double *p = ts_malloc(sizeof(double) * (size_t)(r * c > 0 ? r * c : 1));
    assert_non_null(p);
    for (int64_t i = 0; i < r * c; i++) p[i] = rnd();
    return p;
}

static double *copy(const double *a, int64_t n) {
    double *p = ts_malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    assert_non_null(p);
    memcpy(p, a, sizeof(double) * (size_t)n);
    return p;
}

static double bound(int64_t n) { return 64.0 * (double)(n + 1) * DBL_EPSILON; }

static const int64_t SIZES[] = {1, 2, 3, 5, 8, 13};
#define NSIZES (int)(sizeof SIZES / sizeof SIZES[0])

typedef int (*GetrfFn)(int64_t, int64_t, double *, int32_t *);

static void check_lu(GetrfFn f, int64_t m, int64_t n, int32_t *piv_out) {
    double *a = mat(m, n), *lu = copy(a, m * n);
    int64_t k = m < n ? m : n;
    int32_t piv[16];
    assert_int_equal(f(m, n, lu, piv), 0);
    /* rebuild: apply the swaps to a's rows, compare with L U */
    double *pa = copy(a, m * n);
    for (int64_t i = 0; i < k; i++) {
        int64_t p = piv[i] - 1;
        assert_true(p >= i && p < m);
        for (int64_t c = 0; c < n; c++) {
            double t = pa[i + c * m];
            pa[i + c * m] = pa[p + c * m], pa[p + c * m] = t;
        }
    }
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t q = 0; q <= (i < j ? i : j) && q < k; q++) s += (i == q ? 1 : lu[i + q * m]) * lu[q + j * m];
            assert_true(fabs(s - pa[i + j * m]) <= bound(m + n));
        }
    if (piv_out) memcpy(piv_out, piv, sizeof(int32_t) * (size_t)k);
    ts_free(a), ts_free(lu), ts_free(pa);
}

static void test_getrf(void **state) {
    (void)state;
    for (int i = 0; i < NSIZES; i++)
        for (int j = 0; j < NSIZES; j++) {
            uint64_t seed = g_rng;
            int32_t p1[16], p2[16];
            check_lu(kref_la_getrf, SIZES[i], SIZES[j], p1);
            g_rng = seed; /* the same matrix through the dispatcher: the same pivots */
            check_lu(la_getrf, SIZES[i], SIZES[j], p2);
            int64_t k = SIZES[i] < SIZES[j] ? SIZES[i] : SIZES[j];
            assert_memory_equal(p1, p2, sizeof(int32_t) * (size_t)k);
        }
    double z[4] = {0, 0, 0, 1}; /* singular: info names the zero pivot */
    int32_t piv[2];
    assert_int_equal(kref_la_getrf(2, 2, z, piv), 1);
}

static void test_getrs_and_trsm(void **state) {
    (void)state;
    for (int i = 0; i < NSIZES; i++) {
        int64_t n = SIZES[i], nr = 3;
        for (int trans = 0; trans < 2; trans++) {
            double *a = mat(n, n), *lu = copy(a, n * n), *b = mat(n, nr), *x = copy(b, n * nr);
            for (int64_t d = 0; d < n; d++) a[d + d * n] += 4, lu[d + d * n] += 4; /* well conditioned */
            int32_t piv[16];
            assert_int_equal(kref_la_getrf(n, n, lu, piv), 0);
            kref_la_getrs(trans, n, nr, lu, piv, x);
            for (int64_t c = 0; c < nr; c++)
                for (int64_t r = 0; r < n; r++) {
                    double s = 0;
                    for (int64_t q = 0; q < n; q++) s += (trans ? a[q + r * n] : a[r + q * n]) * x[q + c * n];
                    assert_true(fabs(s - b[r + c * n]) <= bound(n) * 8);
                }
            ts_free(a), ts_free(lu), ts_free(b), ts_free(x);
        }
        /* X A = B through the right-sided triangular solve */
        double *t = mat(n, n), *b = mat(2, n), *x = copy(b, 2 * n);
        for (int64_t d = 0; d < n; d++) t[d + d * n] = 2 + fabs(t[d + d * n]);
        kref_la_trsm(false, true, false, false, 2, n, t, x);
        for (int64_t r = 0; r < 2; r++)
            for (int64_t c = 0; c < n; c++) {
                double s = 0;
                for (int64_t q = 0; q <= c; q++) s += x[r + q * 2] * t[q + c * n];
                assert_true(fabs(s - b[r + c * 2]) <= bound(n) * 8);
            }
        ts_free(t), ts_free(b), ts_free(x);
    }
}

static void test_potrf(void **state) {
    (void)state;
    for (int i = 0; i < NSIZES; i++)
        for (int upper = 0; upper < 2; upper++) {
            int64_t n = SIZES[i];
            double *m = mat(n, n), *a = ts_malloc(sizeof(double) * (size_t)(n * n));
            assert_non_null(a);
            for (int64_t r = 0; r < n; r++) /* A = M M^T + n I */
                for (int64_t c = 0; c < n; c++) {
                    double s = r == c ? (double)n : 0;
                    for (int64_t q = 0; q < n; q++) s += m[r + q * n] * m[c + q * n];
                    a[r + c * n] = s;
                }
            for (int pass = 0; pass < 2; pass++) {
                double *f = copy(a, n * n);
                assert_int_equal(pass ? la_potrf(upper, n, f) : kref_la_potrf(upper, n, f), 0);
                for (int64_t r = 0; r < n; r++)
                    for (int64_t c = 0; c < n; c++) {
                        double s = 0; /* (L L^T)[r][c], L[i][j] at (i, j) or, upper, at (j, i) */
                        for (int64_t q = 0; q <= (r < c ? r : c); q++)
                            s += (upper ? f[q + r * n] : f[r + q * n]) * (upper ? f[q + c * n] : f[c + q * n]);
                        assert_true(fabs(s - a[r + c * n]) <= bound(n) * (double)n * 4);
                    }
                ts_free(f);
            }
            ts_free(m), ts_free(a);
        }
    double neg[4] = {1, 2, 2, 1}; /* indefinite: the minor of order 2 */
    assert_int_equal(kref_la_potrf(false, 2, neg), 2);
}

static void test_syevd(void **state) {
    (void)state;
    for (int i = 0; i < NSIZES; i++) {
        int64_t n = SIZES[i];
        double *a = mat(n, n);
        for (int64_t r = 0; r < n; r++)
            for (int64_t c = 0; c < r; c++) a[c + r * n] = a[r + c * n]; /* symmetric */
        double w1[16], w2[16];
        double *v = copy(a, n * n), *v2 = copy(a, n * n);
        assert_int_equal(kref_la_syevd(true, false, n, v, w1), 0);
        assert_int_equal(la_syevd(true, true, n, v2, w2), 0);
        for (int64_t j = 0; j < n; j++) {
            assert_true(fabs(w1[j] - w2[j]) <= bound(n) * (double)n);
            if (j) assert_true(w1[j - 1] <= w1[j]);
        }
        for (int64_t j = 0; j < n; j++) /* A v_j = w_j v_j, V^T V = I */
            for (int64_t r = 0; r < n; r++) {
                double s = 0, d = 0;
                for (int64_t q = 0; q < n; q++) s += a[r + q * n] * v[q + j * n], d += v[q + r * n] * v[q + j * n];
                assert_true(fabs(s - w1[j] * v[r + j * n]) <= bound(n) * (double)n);
                assert_true(fabs(d - (r == j)) <= bound(n) * (double)n);
            }
        ts_free(a), ts_free(v), ts_free(v2);
    }
}

static void check_svd(bool portable, char jobz, int64_t m, int64_t n, double *s_out) {
    double *a = mat(m, n), *w = copy(a, m * n);
    int64_t k = m < n ? m : n, uc = jobz == 'A' ? m : k, vr = jobz == 'A' ? n : k;
    double s[16], *u = mat(m, uc), *vt = mat(vr, n);
    int info = portable ? kref_la_gesdd(jobz, m, n, w, s, u, vt) : la_gesdd(jobz, m, n, w, s, u, vt);
    assert_int_equal(info, 0);
    for (int64_t q = 1; q < k; q++) assert_true(s[q - 1] >= s[q] && s[q] >= 0);
    for (int64_t r = 0; r < m; r++) /* U S V^T = A */
        for (int64_t c = 0; c < n; c++) {
            double t = 0;
            for (int64_t q = 0; q < k; q++) t += u[r + q * m] * s[q] * vt[q + c * vr];
            assert_true(fabs(t - a[r + c * m]) <= bound(m + n) * 8);
        }
    for (int64_t i = 0; i < uc; i++) /* U^T U = I, V V^T = I (all columns, the completed ones too) */
        for (int64_t j = 0; j < uc; j++) {
            double t = 0;
            for (int64_t r = 0; r < m; r++) t += u[r + i * m] * u[r + j * m];
            assert_true(fabs(t - (i == j)) <= bound(m) * 8);
        }
    for (int64_t i = 0; i < vr; i++)
        for (int64_t j = 0; j < vr; j++) {
            double t = 0;
            for (int64_t c = 0; c < n; c++) t += vt[i + c * vr] * vt[j + c * vr];
            assert_true(fabs(t - (i == j)) <= bound(n) * 8);
        }
    memcpy(s_out, s, sizeof(double) * (size_t)k);
    ts_free(a), ts_free(w), ts_free(u), ts_free(vt);
}

static void test_gesdd(void **state) {
    (void)state;
    for (int i = 0; i < NSIZES; i++)
        for (int j = 0; j < NSIZES; j++)
            for (int full = 0; full < 2; full++) {
                int64_t m = SIZES[i], n = SIZES[j], k = m < n ? m : n;
                double s1[16], s2[16];
                uint64_t seed = g_rng;
                check_svd(true, full ? 'A' : 'S', m, n, s1);
                g_rng = seed;
                check_svd(false, full ? 'A' : 'S', m, n, s2);
                for (int64_t q = 0; q < k; q++) assert_true(fabs(s1[q] - s2[q]) <= bound(m + n) * 8);
            }
}

static void test_qr_reflectors(void **state) {
    (void)state;
    for (int i = 0; i < NSIZES; i++)
        for (int j = 0; j <= i; j++) {
            int64_t m = SIZES[i], n = SIZES[j], k = n;
            double *a = mat(m, n), *f = copy(a, m * n), tau[16];
            kref_la_geqrf(m, n, f, tau);
            double *q = copy(f, m * n);
            kref_la_orgqr(m, n, k, q, tau);
            for (int64_t r = 0; r < m; r++) /* Q R = A */
                for (int64_t c = 0; c < n; c++) {
                    double s = 0;
                    for (int64_t t = 0; t <= c; t++) s += q[r + t * m] * f[t + c * m];
                    assert_true(fabs(s - a[r + c * m]) <= bound(m) * 8);
                }
            /* ormqr: Q^T Q = I on Q's own columns */
            double *c = copy(q, m * n);
            kref_la_ormqr(true, true, m, n, k, f, tau, c);
            for (int64_t r = 0; r < m; r++)
                for (int64_t cc = 0; cc < n; cc++) assert_true(fabs(c[r + cc * m] - (r == cc)) <= bound(m) * 8);
            /* every side and transpose against the dispatched ormqr (LAPACK's when built in) */
            for (int left = 0; left < 2; left++)
                for (int tr = 0; tr < 2; tr++) {
                    int64_t cr = left ? m : 3, cc = left ? 3 : m;
                    double *c1 = mat(cr, cc), *c2 = copy(c1, cr * cc);
                    kref_la_ormqr(left, tr, cr, cc, k, f, tau, c1);
                    la_ormqr(left, tr, cr, cc, k, f, tau, c2);
                    for (int64_t e = 0; e < cr * cc; e++) assert_true(fabs(c1[e] - c2[e]) <= bound(m) * 8);
                    ts_free(c1), ts_free(c2);
                }
            ts_free(a), ts_free(f), ts_free(q), ts_free(c);
        }
}

static void test_sytrf(void **state) {
    (void)state;
    for (int i = 0; i < NSIZES; i++) {
        int64_t n = SIZES[i], nr = 2;
        double *a = mat(n, n);
        for (int64_t r = 0; r < n; r++)
            for (int64_t c = 0; c < r; c++) a[c + r * n] = a[r + c * n];
        double *f1 = copy(a, n * n), *f2 = copy(a, n * n), *b = mat(n, nr), *x = copy(b, n * nr);
        int32_t p1[16], p2[16];
        assert_int_equal(kref_la_sytrf(n, f1, p1), 0);
        assert_int_equal(la_sytrf(n, f2, p2), 0);
        assert_memory_equal(p1, p2, sizeof(int32_t) * (size_t)n);
        kref_la_sytrs(n, nr, f1, p1, x);
        for (int64_t c = 0; c < nr; c++)
            for (int64_t r = 0; r < n; r++) {
                double s = 0;
                for (int64_t q = 0; q < n; q++) s += a[r + q * n] * x[q + c * n];
                assert_true(fabs(s - b[r + c * n]) <= 1e-9);
            }
        ts_free(a), ts_free(f1), ts_free(f2), ts_free(b), ts_free(x);
    }
}

static void test_fft(void **state) {
    (void)state;
    for (int64_t n = 1; n <= 40; n++)
        for (int sign = -1; sign <= 1; sign += 2) {
            double re[40], im[40], r0[40], i0[40];
            for (int64_t k = 0; k < n; k++) re[k] = r0[k] = rnd(), im[k] = i0[k] = rnd();
            assert_int_equal(kref_fft_c2c(n, re, im, sign), 0);
            for (int64_t f = 0; f < n; f++) {
                long double sr = 0, si = 0;
                for (int64_t k = 0; k < n; k++) {
                    long double ang = sign * 2 * 3.14159265358979323846264338327950288L * (long double)((f * k) % n) / n;
                    sr += r0[k] * cosl(ang) - i0[k] * sinl(ang);
                    si += r0[k] * sinl(ang) + i0[k] * cosl(ang);
                }
                /* error ~ eps * log n * sum |x|: 2n terms of magnitude <= 1 */
                assert_true(fabs(re[f] - (double)sr) <= 64 * DBL_EPSILON * (double)n);
                assert_true(fabs(im[f] - (double)si) <= 64 * DBL_EPSILON * (double)n);
            }
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getrf),   cmocka_unit_test(test_getrs_and_trsm), cmocka_unit_test(test_potrf),
        cmocka_unit_test(test_syevd),   cmocka_unit_test(test_gesdd),          cmocka_unit_test(test_qr_reflectors),
        cmocka_unit_test(test_sytrf),   cmocka_unit_test(test_fft),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
