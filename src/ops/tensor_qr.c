/*
 * tensor_qr.c - aten::linalg_qr (torch.linalg.qr, modes "reduced",
 * "complete" and "r", batched) and the small ops nn.init.orthogonal_ calls
 * around it: diag, new_empty and the in-place transpose t_.
 *
 * Where it sits: ops/ validates and lays each matrix out column-major, as
 * LAPACK wants it; the factorisation is LAPACK's geqrf + orgqr through the
 * optional backend (kernels/lapack/lapack.h: the system LAPACK that
 * PyTorch calls, so orthogonal_ with a seed gives PyTorch's bits), else the
 * portable Householder kernels (kernels/ref/qr.c), equal to rounding.
 * Q and R come back as new contiguous tensors of A's dtype (float32 or
 * float64); mode "r" gives an empty Q, as PyTorch does.
 */
#include <inttypes.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/lapack/lapack.h"
#include "ops/tensor_ops.h"

/* One m x n matrix (row-major src) -> q (m x qc) and r (rk x n), row-major. */
#define QR_MATRIX(T, KREF)                                                                                        \
    do {                                                                                                         \
        T *a = buf, *qb = want_q ? a + m * n : NULL, *tau = a + m * n + (want_q ? m * qc : 0), *work = tau + k;   \
        for (int64_t i = 0; i < m; i++)                                                                          \
            for (int64_t j = 0; j < n; j++) a[j * m + i] = src[i * n + j];                                       \
        if (!lapack_qr(f64, m, n, a, qb, qc)) {                                                                  \
            for (int64_t i = 0; i < m; i++)                                                                      \
                for (int64_t j = 0; j < n; j++) a[j * m + i] = src[i * n + j];                                   \
            KREF(m, n, a, qb, qc, tau, work);                                                                    \
        }                                                                                                        \
        for (int64_t i = 0; i < rk; i++)                                                                         \
            for (int64_t j = 0; j < n; j++) r[i * n + j] = j >= i ? a[j * m + i] : (T)0;                         \
        if (want_q)                                                                                              \
            for (int64_t i = 0; i < m; i++)                                                                      \
                for (int64_t j = 0; j < qc; j++) q[i * qc + j] = qb[j * m + i];                                  \
    } while (0)

OPFN(top_linalg_qr) {
    const char *op = "linalg_qr";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    const char *mode = in[1].kind == IV_STR ? in[1].u.s->data : "reduced";
    bool complete = strcmp(mode, "complete") == 0, want_q = strcmp(mode, "r") != 0;
    if (!complete && want_q && strcmp(mode, "reduced") != 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: qr received unrecognized mode '%s' but expected one of 'reduced' "
                       "(default), 'r', or 'complete'", op, mode);
    if (A->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: The input tensor A must have at least 2 dimensions.", op);
    if (A->dtype != DT_FLOAT32 && A->dtype != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected a floating point tensor as input. Got %s", op,
                       dtype_name(A->dtype));
    int nd = A->ndim;
    int64_t m = A->sizes[nd - 2], n = A->sizes[nd - 1], k = m < n ? m : n;
    int64_t qc = complete ? m : k, rk = complete ? m : k, batch = 1;
    for (int d = 0; d < nd - 2; d++) batch *= A->sizes[d];
    bool f64 = A->dtype == DT_FLOAT64;
    int64_t qs[TS_MAX_DIMS], rs[TS_MAX_DIMS];
    memcpy(qs, A->sizes, sizeof(int64_t) * (size_t)nd);
    memcpy(rs, A->sizes, sizeof(int64_t) * (size_t)nd);
    qs[nd - 1] = qc;
    rs[nd - 2] = rk;
    int64_t zero = 0;
    Tensor *Ac = tensor_contiguous(ctx, A), *Q = NULL, *R = NULL;
    if (!Ac) return ctx->status;
    Q = want_q ? tensor_new_uninit(ctx, A->dtype, qs, nd) : tensor_empty(ctx, A->dtype, &zero, 1);
    R = tensor_new_uninit(ctx, A->dtype, rs, nd);
    size_t es = f64 ? sizeof(double) : sizeof(float);
    int64_t scratch = m * n + (want_q ? m * qc : 0) + k + (n > qc ? n : qc) + 1;
    void *buf = Q && R ? ts_malloc(es * (size_t)scratch) : NULL;
    if (!buf) {
        tensor_release(Ac), tensor_release(Q), tensor_release(R);
        return ctx->status ? ctx->status : ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    }
    for (int64_t b = 0; b < batch; b++) {
        if (f64) {
            const double *src = (const double *)tensor_data(Ac) + b * m * n;
            double *q = want_q ? (double *)tensor_data(Q) + b * m * qc : NULL, *r = (double *)tensor_data(R) + b * rk * n;
            QR_MATRIX(double, kref_qr_f64);
        } else {
            const float *src = (const float *)tensor_data(Ac) + b * m * n;
            float *q = want_q ? (float *)tensor_data(Q) + b * m * qc : NULL, *r = (float *)tensor_data(R) + b * rk * n;
            QR_MATRIX(float, kref_qr_f32);
        }
    }
    ts_free(buf);
    tensor_release(Ac);
    out[0] = iv_tensor_steal(Q);
    out[1] = iv_tensor_steal(R);
    return TS_OK;
}

/* diag: a 1-D tensor's values on a matrix's diagonal, or a matrix's diagonal as 1-D. */
OPFN(top_diag) {
    const char *op = "diag";
    Tensor *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    int64_t d = op_int(in[1]);
    if (t->ndim != 1 && t->ndim != 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: diag(): Supports 1D or 2D tensors. Got %dD", op, t->ndim);
    if (t->ndim == 1) {
        int64_t n = t->sizes[0], s = n + (d < 0 ? -d : d), sz[2] = {s, s};
        Tensor *r = tensor_empty(ctx, t->dtype, sz, 2);
        if (!r) return ctx->status;
        size_t es = dtype_size(t->dtype);
        for (int64_t i = 0; i < n; i++) {
            int64_t row = d >= 0 ? i : i - d, col = d >= 0 ? i + d : i;
            memcpy((char *)tensor_data(r) + (size_t)(row * s + col) * es,
                   (char *)t->storage->data + (size_t)tensor_elem_offset(t, i) * es, es);
        }
        return op_return(out, r);
    }
    int64_t rows = t->sizes[0], cols = t->sizes[1];
    int64_t n = d >= 0 ? (cols - d < rows ? cols - d : rows) : (rows + d < cols ? rows + d : cols);
    if (n < 0) n = 0;
    int64_t off = t->storage_offset + (d >= 0 ? d * t->strides[1] : -d * t->strides[0]);
    int64_t st = t->strides[0] + t->strides[1];
    Tensor *v = tensor_view(ctx, t->storage, t->dtype, n ? off : t->storage_offset, &n, &st, 1);
    if (!v) return ctx->status;
    Tensor *r = tensor_to_dtype(ctx, v, t->dtype);
    tensor_release(v);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* new_empty: self's dtype unless given; the contents are unspecified, so zeros. */
OPFN(top_new_empty) {
    const char *op = "new_empty";
    Tensor *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    int64_t sz[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, in[1], sz, &n));
    for (int i = 0; i < n; i++)
        if (sz[i] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Trying to create tensor with negative dimension %" PRId64, op, sz[i]);
    DType dt = in[2].kind == IV_NONE ? t->dtype : (DType)op_int(in[2]);
    Tensor *r = tensor_empty(ctx, dt, sz, n);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* t_: self transposed in place (its sizes and strides swap; every holder sees it). */
OPFN(top_t_) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "t_", in, nin, 0, &t));
    if (t->ndim > 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "t_: t_() expects a tensor with <= 2 dimensions, but self is %dD", t->ndim);
    if (t->ndim == 2) {
        int64_t s = t->sizes[0], st = t->strides[0];
        t->sizes[0] = t->sizes[1], t->strides[0] = t->strides[1];
        t->sizes[1] = s, t->strides[1] = st;
    }
    return op_return(out, tensor_retain(t));
}
