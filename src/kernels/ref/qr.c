/*
 * qr.c - the portable QR factorisation (kernels/ref, always built): LAPACK's
 * unblocked Householder algorithms, geqr2 (A = QR with R in the upper
 * triangle and the reflectors v_i below the diagonal, H_i = I - tau_i v_i
 * v_i^T) and org2r (Q = H_0 H_1 ... H_(k-1) applied to the identity's first
 * columns), in the matrix's own type. The ops use it when no LAPACK
 * library was found (kernels/lapack/lapack.h); it agrees with LAPACK's
 * blocked routines to rounding, not bit for bit.
 *
 * Matrices are column-major with leading dimension m. The caller gives the
 * scratch: tau[min(m, n)] and work[max(n, qcols)].
 */
#include <math.h>
#include <string.h>

#include "kernels/kernels.h"

/* x -> the reflector taking (alpha, x) to (beta, 0): returns tau, sets *alpha = beta. */
#define LARFG(T, SQRT, n, alpha, x, tau)                                                                    \
    do {                                                                                                   \
        T xnorm = 0, scale = 0, ssq = 1;                                                                   \
        for (int64_t t_ = 0; t_ < (n); t_++)                                                               \
            if ((x)[t_] != 0) {                                                                            \
                T ax = (x)[t_] < 0 ? -(x)[t_] : (x)[t_];                                                   \
                if (scale < ax) ssq = 1 + ssq * (scale / ax) * (scale / ax), scale = ax;                   \
                else ssq += (ax / scale) * (ax / scale);                                                   \
            }                                                                                              \
        xnorm = scale * SQRT(ssq);                                                                         \
        if (xnorm == 0) {                                                                                  \
            (tau) = 0;                                                                                     \
        } else {                                                                                           \
            T beta = SQRT(*(alpha) * *(alpha) + xnorm * xnorm);                                            \
            if (*(alpha) >= 0) beta = -beta;                                                               \
            (tau) = (beta - *(alpha)) / beta;                                                              \
            T inv = 1 / (*(alpha) - beta);                                                                 \
            for (int64_t t_ = 0; t_ < (n); t_++) (x)[t_] *= inv;                                           \
            *(alpha) = beta;                                                                               \
        }                                                                                                  \
    } while (0)

/* C (rows x cols at c, ld m) -= tau v (v^T C), v of length rows with v[0] = 1. */
#define LARF_LEFT(T, rows, cols, v, tau, c, m, work)                                                       \
    do {                                                                                                   \
        if ((tau) != 0) {                                                                                  \
            for (int64_t j_ = 0; j_ < (cols); j_++) {                                                      \
                T s_ = 0;                                                                                  \
                for (int64_t i_ = 0; i_ < (rows); i_++) s_ += (v)[i_] * (c)[j_ * (m) + i_];                \
                (work)[j_] = s_;                                                                           \
            }                                                                                              \
            for (int64_t j_ = 0; j_ < (cols); j_++)                                                        \
                for (int64_t i_ = 0; i_ < (rows); i_++) (c)[j_ * (m) + i_] -= (tau) * (v)[i_] * (work)[j_]; \
        }                                                                                                  \
    } while (0)

#define QR_BODY(T, SQRT)                                                                                    \
    do {                                                                                                   \
        int64_t k = m < n ? m : n;                                                                         \
        for (int64_t i = 0; i < k; i++) {                                                                  \
            T *col = a + i * m;                                                                            \
            LARFG(T, SQRT, m - i - 1, &col[i], col + i + 1, tau[i]);                                       \
            if (i < n - 1) {                                                                               \
                T aii = col[i];                                                                            \
                col[i] = 1;                                                                                \
                LARF_LEFT(T, m - i, n - i - 1, col + i, tau[i], a + (i + 1) * m + i, m, work);             \
                col[i] = aii;                                                                              \
            }                                                                                              \
        }                                                                                                  \
        if (!q) break;                                                                                     \
        memset(q, 0, sizeof(T) * (size_t)(m * qcols));                                                     \
        memcpy(q, a, sizeof(T) * (size_t)(m * k));                                                         \
        for (int64_t j = k; j < qcols; j++) q[j * m + j] = 1;                                              \
        for (int64_t i = k - 1; i >= 0; i--) {                                                             \
            T *col = q + i * m;                                                                            \
            if (i < qcols - 1) {                                                                           \
                col[i] = 1;                                                                                \
                LARF_LEFT(T, m - i, qcols - i - 1, col + i, tau[i], q + (i + 1) * m + i, m, work);         \
            }                                                                                              \
            for (int64_t r = i + 1; r < m; r++) col[r] *= -tau[i];                                         \
            col[i] = 1 - tau[i];                                                                           \
            for (int64_t r = 0; r < i; r++) col[r] = 0;                                                    \
        }                                                                                                  \
    } while (0)

void kref_qr_f32(int64_t m, int64_t n, float *a, float *q, int64_t qcols, float *tau, float *work) {
    QR_BODY(float, sqrtf);
}

void kref_qr_f64(int64_t m, int64_t n, double *a, double *q, int64_t qcols, double *tau, double *work) {
    QR_BODY(double, sqrt);
}
