/*
 * kernels.h - the compute layer: reference kernels (kernels/ref/, always
 * built) for GEMM, elementwise unary/binary ops over strided broadcast
 * operands, softmax and sums.
 *
 * Kernels only compute: they cannot fail and never allocate. The caller
 * (ops/) has validated dtypes and shapes, allocated the outputs and made
 * every operand a view of the output's shape (broadcast dims have stride 0)
 * in the compute dtype. Outputs must not partially overlap inputs (an
 * in-place op passes the same tensor as out and a, which is fine).
 *
 * Floating results follow PyTorch's CPU kernels' formulas (e.g. add with
 * alpha is fma(alpha, b, a), sigmoid is 1 / (1 + exp(-x))); float16 and
 * bfloat16 compute in float and round once per op, as PyTorch does.
 */
#ifndef TS_KERNELS_H
#define TS_KERNELS_H

#include "tensor/tensor.h"

typedef enum BinaryOp {
#define X(E, name, cmp) BINARY_##E,
#include "kernels/binary.def"
#undef X
    BINARY_COUNT
} BinaryOp;

typedef enum UnaryOp {
#define X(E, name, int_ok) UNARY_##E,
#include "kernels/unary.def"
#undef X
    UNARY_COUNT
} UnaryOp;

const char *binary_op_name(BinaryOp op);
bool binary_op_is_bool(BinaryOp op); /* writes a bool output */
const char *unary_op_name(UnaryOp op);
bool unary_op_int_ok(UnaryOp op);

/* A scalar parameter that is exact for both float and int64 dtypes. */
typedef struct KScalar {
    double f;
    int64_t i;
} KScalar;

/* Outside int64 (inf, NaN) the int part is INT64_MIN, as x86's conversion gives. */
static inline KScalar kscalar_f(double f) {
    KScalar s = {f, f >= -9223372036854775808.0 && f < 9223372036854775808.0 ? (int64_t)f : INT64_MIN};
    return s;
}
static inline KScalar kscalar_i(int64_t i) { KScalar s = {(double)i, i}; return s; }

/* ---- GEMM: C = alpha * op(A) op(B) + beta * C, any element strides ----
 * A is M x K with strides (lda_m, lda_k), B is K x N (ldb_k, ldb_n), C is
 * M x N (ldc_m, ldc_n). beta == 0: C is only written (NaNs in it vanish).
 * The reference sums each C element over k in order, in the element type,
 * like PyTorch's own (non-BLAS) kernels. */
void kref_sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda_m,
                int64_t lda_k, const float *B, int64_t ldb_k, int64_t ldb_n, float beta, float *C,
                int64_t ldc_m, int64_t ldc_n);
void kref_dgemm(int64_t M, int64_t N, int64_t K, double alpha, const double *A, int64_t lda_m,
                int64_t lda_k, const double *B, int64_t ldb_k, int64_t ldb_n, double beta, double *C,
                int64_t ldc_m, int64_t ldc_n);
/* Integer GEMM on int64 (wrapping), C = A B (+ C when accumulate). */
void kref_igemm(int64_t M, int64_t N, int64_t K, const int64_t *A, int64_t lda_m, int64_t lda_k,
                const int64_t *B, int64_t ldb_k, int64_t ldb_n, bool accumulate, int64_t *C,
                int64_t ldc_m, int64_t ldc_n);
/* y = alpha * A x + beta * y, A is M x K. */
void kref_sgemv(int64_t M, int64_t K, float alpha, const float *A, int64_t lda_m, int64_t lda_k,
                const float *x, int64_t incx, float beta, float *y, int64_t incy);
void kref_dgemv(int64_t M, int64_t K, double alpha, const double *A, int64_t lda_m, int64_t lda_k,
                const double *x, int64_t incx, double beta, double *y, int64_t incy);
float kref_sdot(int64_t n, const float *x, int64_t incx, const float *y, int64_t incy);
double kref_ddot(int64_t n, const double *x, int64_t incx, const double *y, int64_t incy);

/* ---- elementwise ----
 * out, a, b have the same sizes; a and b the same dtype (the compute dtype);
 * out has it too, or bool when binary_op_is_bool(op). alpha: ADD/SUB only. */
void kref_binary(BinaryOp op, Tensor *out, const Tensor *a, const Tensor *b, KScalar alpha);
/* out and a of the same sizes and dtype. p1, p2: see unary.def. */
void kref_unary(UnaryOp op, Tensor *out, const Tensor *a, double p1, double p2);
/* Every element of out = v (converted to out's dtype). */
void kref_fill(Tensor *out, KScalar v);
/* out = cond ? a : b; cond is bool; out, a, b of one dtype; all one shape. */
void kref_where(Tensor *out, const Tensor *cond, const Tensor *a, const Tensor *b);

/* ---- softmax along dim (float32 / float64; out and in of one shape and dtype) ---- */
void kref_softmax(Tensor *out, const Tensor *in, int dim, bool log);

/* ---- reductions ----
 * acc is a float64 (floating inputs) or int64 (integer/bool inputs) view of
 * in's sizes where reduced dims have stride 0; it holds the starting values
 * (zero) and receives acc += in, elements visited in row-major order. */
void kref_sum_into(Tensor *acc, const Tensor *in);

/* Householder QR of the column-major m x n matrix a (kernels/ref/qr.c): R in
 * a's upper triangle and, when q is not NULL, Q's first qcols columns in q
 * (m x qcols). Scratch: tau[min(m, n)], work[max(n, qcols)]. */
void kref_qr_f32(int64_t m, int64_t n, float *a, float *q, int64_t qcols, float *tau, float *work);
void kref_qr_f64(int64_t m, int64_t n, double *a, double *q, int64_t qcols, double *tau, double *work);

#endif
