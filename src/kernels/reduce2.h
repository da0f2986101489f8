/*
 * reduce2.h - the table-driven reductions and scans (reduce.def; kernels in
 * ref/reduce2.c): rows of a contiguous [outer, n] buffer, one loop per
 * operation. They cannot fail; ops/tensor_reduce.c lays the reduced
 * dimensions out innermost before calling them.
 */
#ifndef TS_KERNELS_REDUCE2_H
#define TS_KERNELS_REDUCE2_H
#include <stdint.h>

typedef enum RedOp {
#define R(name, init, step, finish) RED_##name,
#include "kernels/reduce.def"
#undef R
    RED_COUNT
} RedOp;

/* out[o] = reduce(x[o*n .. o*n+n)) for o < outer (float64); p: normp's order. */
void kred_f64(RedOp op, const double *x, int64_t outer, int64_t n, double p, double *out);
/* The int64 forms of prod, amax, amin (prod wraps as PyTorch's int64 does). */
void kred_i64(RedOp op, const int64_t *x, int64_t outer, int64_t n, int64_t *out);
/* logsumexp of each row: max + log(sum(exp(x - max))), inf rows exact. */
void kred_logsumexp_f64(const double *x, int64_t outer, int64_t n, double *out);
/* Mean and variance (with correction) of each row, two-pass. */
void kred_var_mean_f64(const double *x, int64_t outer, int64_t n, double correction, double *var,
                       double *mean);

typedef enum ScanOp { SCAN_SUM, SCAN_PROD, SCAN_MAX, SCAN_MIN, SCAN_LOGSUMEXP } ScanOp;
/* In place along each row; idx (SCAN_MAX/MIN only, else NULL) gets the
 * index of the running extreme (the latest on ties, NaN sticks). */
void kscan_f64(ScanOp op, double *x, int64_t outer, int64_t n, int64_t *idx);
void kscan_i64(ScanOp op, int64_t *x, int64_t outer, int64_t n, int64_t *idx);

#endif
