/*
 * reduce2.c - reference kernels of the table-driven reductions
 * (kernels/reduce.def) and scans: each operation is its own loop over the
 * rows of a contiguous [outer, n] buffer, accumulating in float64 (int64
 * for the integer forms).
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "kernels/reduce2.h"

void kred_f64(RedOp op, const double *x, int64_t outer, int64_t n, double p, double *out) {
    (void)p;
    switch (op) {
#define R(name, init, step, finish)                          \
    case RED_##name:                                         \
        for (int64_t o = 0; o < outer; o++) {                \
            const double *r = x + o * n;                     \
            double acc = (init);                             \
            for (int64_t i = 0; i < n; i++) {                \
                double v = r[i];                             \
                step;                                        \
            }                                                \
            out[o] = (finish);                               \
        }                                                    \
        break;
#include "kernels/reduce.def"
#undef R
    default: break;
    }
}

void kred_i64(RedOp op, const int64_t *x, int64_t outer, int64_t n, int64_t *out) {
    for (int64_t o = 0; o < outer; o++) {
        const int64_t *r = x + o * n;
        if (op == RED_prod) {
            uint64_t acc = 1;
            for (int64_t i = 0; i < n; i++) acc *= (uint64_t)r[i];
            out[o] = (int64_t)acc;
        } else if (op == RED_amax) {
            int64_t acc = INT64_MIN;
            for (int64_t i = 0; i < n; i++) acc = r[i] > acc ? r[i] : acc;
            out[o] = acc;
        } else {
            int64_t acc = INT64_MAX;
            for (int64_t i = 0; i < n; i++) acc = r[i] < acc ? r[i] : acc;
            out[o] = acc;
        }
    }
}

void kred_logsumexp_f64(const double *x, int64_t outer, int64_t n, double *out) {
    for (int64_t o = 0; o < outer; o++) {
        const double *r = x + o * n;
        double m = -INFINITY;
        for (int64_t i = 0; i < n; i++) m = (isnan(r[i]) || r[i] > m) ? r[i] : m;
        if (isinf(m) || isnan(m)) {
            double s = 0;
            for (int64_t i = 0; i < n; i++) s += exp(r[i]);
            out[o] = isnan(m) ? m : m == INFINITY ? m : log(s);
            continue;
        }
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += exp(r[i] - m);
        out[o] = m + log(s);
    }
}

void kred_var_mean_f64(const double *x, int64_t outer, int64_t n, double correction, double *var,
                       double *mean) {
    for (int64_t o = 0; o < outer; o++) {
        const double *r = x + o * n;
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += r[i];
        double m = n ? s / (double)n : NAN, q = 0;
        for (int64_t i = 0; i < n; i++) q += (r[i] - m) * (r[i] - m);
        double d = (double)n - correction;
        mean[o] = m;
        var[o] = q / (d > 0 ? d : 0.0); /* IEEE: inf, or NaN for 0 / 0 */
    }
}

void kscan_f64(ScanOp op, double *x, int64_t outer, int64_t n, int64_t *idx) {
    for (int64_t o = 0; o < outer; o++) {
        double *r = x + o * n;
        int64_t *ix = idx ? idx + o * n : NULL;
        if (n == 0) continue;
        switch (op) {
        case SCAN_SUM:
            for (int64_t i = 1; i < n; i++) r[i] += r[i - 1];
            break;
        case SCAN_PROD:
            for (int64_t i = 1; i < n; i++) r[i] *= r[i - 1];
            break;
        case SCAN_LOGSUMEXP:
            for (int64_t i = 1; i < n; i++) {
                double a = r[i - 1], b = r[i], m = a > b ? a : b;
                if (isnan(a) || isnan(b)) r[i] = NAN;
                else if (isinf(m) && (a == b || m < 0)) r[i] = m;
                else r[i] = m + log1p(exp(-fabs(a - b)));
            }
            break;
        case SCAN_MAX:
        case SCAN_MIN: {
            double best = r[0];
            int64_t bi = 0;
            ix[0] = 0;
            for (int64_t i = 1; i < n; i++) {
                double v = r[i];
                bool take = op == SCAN_MAX ? (v >= best || isnan(v)) : (v <= best || isnan(v));
                if (isnan(best)) take = false;
                if (take) best = v, bi = i;
                r[i] = best;
                ix[i] = bi;
            }
            break;
        }
        }
    }
}

void kscan_i64(ScanOp op, int64_t *x, int64_t outer, int64_t n, int64_t *idx) {
    for (int64_t o = 0; o < outer; o++) {
        int64_t *r = x + o * n;
        int64_t *ix = idx ? idx + o * n : NULL;
        if (n == 0) continue;
        switch (op) {
        case SCAN_SUM:
            for (int64_t i = 1; i < n; i++) r[i] = (int64_t)((uint64_t)r[i] + (uint64_t)r[i - 1]);
            break;
        case SCAN_PROD:
            for (int64_t i = 1; i < n; i++) r[i] = (int64_t)((uint64_t)r[i] * (uint64_t)r[i - 1]);
            break;
        case SCAN_MAX:
        case SCAN_MIN: {
            int64_t best = r[0], bi = 0;
            ix[0] = 0;
            for (int64_t i = 1; i < n; i++) {
                bool take = op == SCAN_MAX ? r[i] >= best : r[i] <= best;
                if (take) best = r[i], bi = i;
                r[i] = best;
                ix[i] = bi;
            }
            break;
        }
        default: break;
        }
    }
}
