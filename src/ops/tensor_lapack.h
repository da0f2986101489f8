/*
 * tensor_lapack.h - what the linalg op files (tensor_lapack.c,
 * tensor_linalg_ext.c) share: batches of matrices loaded as float64,
 * column-major (Mats), and the validation and result helpers around them.
 * Internal to ops/.
 */
#ifndef TS_OPS_TENSOR_LAPACK_H
#define TS_OPS_TENSOR_LAPACK_H

#include "ops/tensor_ops.h"

typedef struct Mats {
    int64_t batch, r, c;
    int bnd;
    int64_t bsz[TS_MAX_DIMS];
    double *d; /* batch matrices r x c, column-major, one after the other */
} Mats;

void mats_free(Mats *m);
/* A floating tensor of at least two dimensions (square when asked), or PyTorch's error. */
ts_status la_check(Ctx *ctx, const char *op, const Tensor *A, bool square) TS_MUST_CHECK;
/* n doubles (at least one), or NULL with an out-of-memory failure recorded. */
void *la_alloc(Ctx *ctx, const char *op, int64_t n);
/* A (..., r, c), any strides and floating dtype, into m. */
ts_status mats_load(Ctx *ctx, const char *op, Tensor *A, Mats *m) TS_MUST_CHECK;
/* A new tensor of dtype dt, shape (bsz..., extra...), from row-major doubles. */
Tensor *from_f64(Ctx *ctx, DType dt, const int64_t *bsz, int bnd, const int64_t *extra, int nextra, const double *d);
/* batch column-major r x c matrices as a tensor (bsz..., r, c). */
Tensor *mats_tensor(Ctx *ctx, const char *op, DType dt, const int64_t *bsz, int bnd, int64_t batch, int64_t r,
                    int64_t c, const double *d);
/* Inverts every (square) matrix of m in place; info[b] is getrf's. */
ts_status inv_all(Ctx *ctx, const char *op, Mats *m, int32_t *info) TS_MUST_CHECK;
/* PyTorch's " (Batch element b)" of batched errors, "" for one matrix. */
const char *batch_prefix(char *buf, size_t n, int bnd, int64_t b);

#endif
