/*
 * seq_util.c - the helpers of seq_util.h: float32 checks and the
 * rows-times-weight-transposed product of the sequence-model ops.
 */
#include "ops/seq_util.h"

ts_status seq_check(Ctx *ctx, const char *op, const char *what, const Tensor *t, int ndim) {
    if (t->dtype != DT_FLOAT32)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: %s must be float32, got %s (other dtypes are not supported yet)",
                       op, what, dtype_name(t->dtype));
    if (ndim >= 0 && t->ndim != ndim) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: %s must be %d-D, got shape %s", op, what, ndim, op_shape(&s, t));
    }
    return TS_OK;
}

void seq_gemm_nt(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const Tensor *W,
                 int64_t w_row0, const Tensor *bias, int64_t b0, float *C, int64_t ldc, bool accumulate) {
    if (M == 0 || N == 0) return;
    if (bias) {
        const float *bp = (const float *)tensor_data(bias) + b0 * bias->strides[0];
        int64_t bs = bias->strides[0];
        for (int64_t m = 0; m < M; m++)
            for (int64_t n = 0; n < N; n++) C[m * ldc + n] = accumulate ? C[m * ldc + n] + bp[n * bs] : bp[n * bs];
    }
    const float *wp = (const float *)tensor_data(W) + w_row0 * W->strides[0];
    float beta = (bias || accumulate) ? 1.0f : 0.0f;
    if (K == 0) {
        if (beta == 0)
            for (int64_t m = 0; m < M; m++)
                for (int64_t n = 0; n < N; n++) C[m * ldc + n] = 0;
        return;
    }
    kernels_backend()->sgemm(M, N, K, 1.0f, A, lda, 1, wp, W->strides[1], W->strides[0], beta, C, ldc, 1);
}
