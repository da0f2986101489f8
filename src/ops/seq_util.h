/*
 * seq_util.h - helpers shared by the sequence-model ops (tensor_layernorm.c,
 * tensor_rnn.c, tensor_attn.c): float32 argument checks and the
 * "rows times a weight matrix transposed, plus bias" product that linear
 * layers, RNN gates and attention projections all are. Internal to ops/.
 */
#ifndef TS_OPS_SEQ_UTIL_H
#define TS_OPS_SEQ_UTIL_H

#include "kernels/seq.h"
#include "ops/tensor_ops.h"

/* Fails with TS_ERR_UNSUPPORTED unless t is float32 ("<op>: <what> must be
 * float32, got float64"), and TS_ERR_SHAPE unless it has ndim dims (ndim >=
 * 0). */
/* aten::lstm.data / gru.data / rnn_tanh.data / rnn_relu.data (tensor_rnn.c),
 * the op picked by info's schema name. */
ts_status rnn_packed_op(Ctx *ctx, IValue *in, int nin, IValue *out, const OpInfo *info);
ts_status seq_check(Ctx *ctx, const char *op, const char *what, const Tensor *t, int ndim) TS_MUST_CHECK;

/* C[M, N] = A[M, K] W[w_row0 : w_row0 + N, :]^T + bias[b0 : b0 + N]
 * (+ the old C when accumulate). A and C are row-major with row strides lda
 * and ldc (unit element stride); W is a 2-D float32 tensor of any strides,
 * bias a 1-D float32 tensor or NULL. The product goes through
 * kernels_backend(). */
void seq_gemm_nt(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const Tensor *W,
                 int64_t w_row0, const Tensor *bias, int64_t b0, float *C, int64_t ldc, bool accumulate);

/* Layer norm of x over its last nnorm dims (sizes norm), with optional
 * weight w and bias b of that shape (tensor_layernorm.c). *out: a new
 * contiguous tensor. */
ts_status seq_layer_norm(Ctx *ctx, Tensor *x, const int64_t *norm, int nnorm, Tensor *w, Tensor *b,
                         double eps, Tensor **out) TS_MUST_CHECK;

#endif
