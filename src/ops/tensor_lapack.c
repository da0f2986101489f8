/*
 * tensor_lapack.c - the factorisation-based linalg ops: determinants (det,
 * slogdet, logdet), inverses and solves (inv, inv_ex, solve, solve_ex,
 * lu_factor, lu, lu_unpack, lu_solve, solve_triangular, triangular_solve),
 * Cholesky (cholesky, cholesky_ex, cholesky_inverse, cholesky_solve), the
 * symmetric eigenproblem (eigh, eigvalsh, symeig), the SVD (svd, svdvals,
 * pinv, pinverse, matrix_rank, cond) and the matrix norms (matrix_norm,
 * norm, nuclear_norm).
 *
 * Where it sits: ops/ validates as PyTorch does (floating input, at least
 * 2-D, square where needed, batch dimensions broadcast) and loads each
 * matrix as float64, column-major (Mats); the work is kernels/linalg.h
 * (LAPACK through LAPACKE when built with it, else the portable kernels).
 * Results come back in the input's dtype: a float32 result is the float64
 * factorisation rounded, which lies within PyTorch's own float32 rounding
 * of the same computation. Singular and indefinite inputs fail where
 * PyTorch's _linalg_check_errors does, with its message; the *_ex forms
 * return LAPACK's info (int32) instead.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernels/linalg.h"
#include "ops/tensor_lapack.h"
#include "ops/tensor_ops.h"

/* ---- loading and storing batches of matrices ---- */


void mats_free(Mats *m) {
    ts_free(m->d);
    m->d = NULL;
}

/* A floating tensor of at least two dimensions (square when asked). */
ts_status la_check(Ctx *ctx, const char *op, const Tensor *A, bool square) {
    if (A->dtype != DT_FLOAT32 && A->dtype != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected a floating point or complex tensor as input. Got %s", op,
                       dtype_storage_name(A->dtype));
    if (A->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: The input tensor A must have at least 2 dimensions.", op);
    if (square && A->sizes[A->ndim - 1] != A->sizes[A->ndim - 2])
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: A must be batches of square matrices, but they are %" PRId64 " by %" PRId64 " matrices",
                       op, A->sizes[A->ndim - 2], A->sizes[A->ndim - 1]);
    return TS_OK;
}

void *la_alloc(Ctx *ctx, const char *op, int64_t n) {
    void *p = ts_malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (!p) ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    return p;
}

/* A (..., r, c), any strides and float dtype, into m. */
ts_status mats_load(Ctx *ctx, const char *op, Tensor *A, Mats *m) {
    int nd = A->ndim;
    m->r = A->sizes[nd - 2], m->c = A->sizes[nd - 1], m->bnd = nd - 2, m->batch = 1, m->d = NULL;
    for (int i = 0; i < nd - 2; i++) m->bsz[i] = A->sizes[i], m->batch *= A->sizes[i];
    Tensor *t = tensor_to_dtype(ctx, A, DT_FLOAT64);
    if (!t) return ctx->status;
    m->d = la_alloc(ctx, op, m->batch * m->r * m->c);
    if (!m->d) {
        tensor_release(t);
        return ctx->status;
    }
    const double *s = tensor_data(t);
    int64_t r = m->r, c = m->c;
    for (int64_t b = 0; b < m->batch; b++)
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < c; j++) m->d[b * r * c + i + j * r] = s[b * r * c + i * c + j];
    tensor_release(t);
    return TS_OK;
}

/* A new tensor of dtype dt and shape (bsz..., extra...) from row-major doubles d. */
Tensor *from_f64(Ctx *ctx, DType dt, const int64_t *bsz, int bnd, const int64_t *extra, int nextra,
                        const double *d) {
    int64_t sz[TS_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < bnd; i++) sz[nd++] = bsz[i];
    for (int i = 0; i < nextra; i++) sz[nd++] = extra[i];
    Tensor *t = tensor_new_uninit(ctx, dt, sz, nd);
    if (!t) return NULL;
    int64_t n = tensor_numel(t);
    if (dt == DT_FLOAT64) memcpy(tensor_data(t), d, sizeof(double) * (size_t)n);
    else if (dt == DT_FLOAT32)
        for (int64_t i = 0; i < n; i++) ((float *)tensor_data(t))[i] = (float)d[i];
    else
        for (int64_t i = 0; i < n; i++) dtype_store_f64(dt, (char *)tensor_data(t) + (size_t)i * dtype_size(dt), d[i]);
    return t;
}

/* batch column-major r x c matrices d as a tensor (bsz..., r, c). */
Tensor *mats_tensor(Ctx *ctx, const char *op, DType dt, const int64_t *bsz, int bnd, int64_t batch,
                           int64_t r, int64_t c, const double *d) {
    double *rm = la_alloc(ctx, op, batch * r * c);
    if (!rm) return NULL;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < c; j++) rm[b * r * c + i * c + j] = d[b * r * c + i + j * r];
    int64_t ex[2] = {r, c};
    Tensor *t = from_f64(ctx, dt, bsz, bnd, ex, 2, rm);
    ts_free(rm);
    return t;
}

/* An int32 tensor (bsz..., extra...) from int32 values. */
static Tensor *from_i32(Ctx *ctx, const int64_t *bsz, int bnd, const int64_t *extra, int nextra, const int32_t *v) {
    int64_t sz[TS_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < bnd; i++) sz[nd++] = bsz[i];
    for (int i = 0; i < nextra; i++) sz[nd++] = extra[i];
    Tensor *t = tensor_new_uninit(ctx, DT_INT32, sz, nd);
    if (!t) return NULL;
    memcpy(tensor_data(t), v, sizeof(int32_t) * (size_t)tensor_numel(t));
    return t;
}

/* The outputs of an op with an _ex form: r, and with ex the int32 info of every
 * batch element (bsz, bnd). Takes r (NULL when building it failed); on a failure
 * (st, or building either tensor) releases it and returns that status. */
static ts_status return_with_info(Ctx *ctx, ts_status st, Tensor *r, bool ex, const int64_t *bsz, int bnd,
                                  const int32_t *info, IValue *out) {
    Tensor *ri = NULL;
    if (st == TS_OK && !r) st = ctx->status;
    if (st == TS_OK && ex && !(ri = from_i32(ctx, bsz, bnd, NULL, 0, info))) st = ctx->status;
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    out[0] = iv_tensor_steal(r);
    if (ex) out[1] = iv_tensor_steal(ri);
    return TS_OK;
}

/* PyTorch's "(Batch element i): " prefix of batched errors (none for one matrix). */
const char *batch_prefix(char *buf, size_t n, int bnd, int64_t b) {
    if (bnd == 0) return "";
    snprintf(buf, n, ": (Batch element %" PRId64 ")", b);
    return buf;
}

/* A and B (..., ra, ca), (..., rb, cb) expanded to one broadcast batch shape,
 * then loaded. */
static ts_status mats_load_pair(Ctx *ctx, const char *op, Tensor *A, Tensor *B, Mats *ma, Mats *mb) {
    int64_t bs[TS_MAX_DIMS], sa[TS_MAX_DIMS], sb[TS_MAX_DIMS];
    int bn = 0;
    ma->d = mb->d = NULL;
    TS_TRY(tensor_broadcast_shapes(ctx, op, A->sizes, A->ndim - 2, B->sizes, B->ndim - 2, bs, &bn));
    memcpy(sa, bs, sizeof(int64_t) * (size_t)bn), memcpy(sb, bs, sizeof(int64_t) * (size_t)bn);
    sa[bn] = A->sizes[A->ndim - 2], sa[bn + 1] = A->sizes[A->ndim - 1];
    sb[bn] = B->sizes[B->ndim - 2], sb[bn + 1] = B->sizes[B->ndim - 1];
    Tensor *ea = tensor_expand(ctx, A, sa, bn + 2);
    if (!ea) return ctx->status;
    Tensor *eb = tensor_expand(ctx, B, sb, bn + 2);
    if (!eb) {
        tensor_release(ea);
        return ctx->status;
    }
    ts_status st = mats_load(ctx, op, ea, ma);
    if (st == TS_OK) st = mats_load(ctx, op, eb, mb);
    tensor_release(ea), tensor_release(eb);
    if (st != TS_OK) mats_free(ma), mats_free(mb);
    return st;
}

static DType la_result_dtype(const Tensor *a, const Tensor *b) {
    return a->dtype == DT_FLOAT64 || b->dtype == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
}

/* ---- determinants ---- */

/* sign and log|det| of every matrix of m (destroys m->d). */
static ts_status slogdet_all(Ctx *ctx, const char *op, Mats *m, double *sign, double *logabs, double *det) {
    int64_t n = m->r;
    int32_t *piv = la_alloc(ctx, op, n);
    if (!piv) return ctx->status;
    for (int64_t b = 0; b < m->batch; b++) {
        double *a = m->d + b * n * n;
        la_getrf(n, n, a, piv);
        double s = 1, la = 0, d = 1;
        for (int64_t i = 0; i < n; i++) {
            double u = a[i + i * n];
            if (piv[i] != i + 1) s = -s, d = -d;
            d *= u;
            if (u < 0) s = -s;
            la += log(fabs(u));
            if (u == 0) s = 0;
            if (isnan(u)) s = NAN;
        }
        if (sign) sign[b] = s;
        if (logabs) logabs[b] = s == 0 ? -INFINITY : la;
        if (det) det[b] = d;
    }
    ts_free(piv);
    return TS_OK;
}

static ts_status det_common(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int which) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, true));
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    double *v = la_alloc(ctx, op, 2 * m.batch);
    if (!v) {
        mats_free(&m);
        return ctx->status;
    }
    double *s = v, *l = v + m.batch;
    ts_status st = slogdet_all(ctx, op, &m, s, l, which == 0 ? s : NULL);
    Tensor *r0 = NULL, *r1 = NULL;
    if (st == TS_OK) {
        if (which == 2) /* logdet: log(det) is NaN for a negative determinant */
            for (int64_t b = 0; b < m.batch; b++) l[b] = s[b] < 0 || isnan(s[b]) ? NAN : l[b];
        r0 = from_f64(ctx, A->dtype, m.bsz, m.bnd, NULL, 0, which == 2 ? l : s);
        if (r0 && which == 1) r1 = from_f64(ctx, A->dtype, m.bsz, m.bnd, NULL, 0, l);
        if (!r0 || (which == 1 && !r1)) st = ctx->status;
    }
    ts_free(v);
    mats_free(&m);
    if (st != TS_OK) {
        tensor_release(r0), tensor_release(r1);
        return st;
    }
    out[0] = iv_tensor_steal(r0);
    if (which == 1) out[1] = iv_tensor_steal(r1);
    return TS_OK;
}

OPFN(top_linalg_det) { return det_common(ctx, "linalg.det", in, nin, out, 0); }
OPFN(top_det) { return det_common(ctx, "linalg.det", in, nin, out, 0); }
OPFN(top_linalg_slogdet) { return det_common(ctx, "linalg.slogdet", in, nin, out, 1); }
OPFN(top_slogdet) { return det_common(ctx, "linalg.slogdet", in, nin, out, 1); }
OPFN(top_logdet) { return det_common(ctx, "logdet", in, nin, out, 2); }

/* ---- inverse and solve ---- */

/* Inverts every matrix of m in place (through getrf + getrs on the identity);
 * info[b] = getrf's info. */
ts_status inv_all(Ctx *ctx, const char *op, Mats *m, int32_t *info) {
    int64_t n = m->r;
    int32_t *piv = la_alloc(ctx, op, n);
    double *id = la_alloc(ctx, op, n * n);
    if (!piv || !id) {
        ts_free(piv), ts_free(id);
        return ctx->status;
    }
    for (int64_t b = 0; b < m->batch; b++) {
        double *a = m->d + b * n * n;
        info[b] = la_getrf(n, n, a, piv);
        for (int64_t i = 0; i < n * n; i++) id[i] = i % (n + 1) == 0;
        la_getrs(false, n, n, a, piv, id);
        memcpy(a, id, sizeof(double) * (size_t)(n * n));
    }
    ts_free(piv), ts_free(id);
    return TS_OK;
}

static ts_status inv_common(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool ex, bool check) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, true));
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int32_t *info = la_alloc(ctx, op, m.batch);
    if (!info) {
        mats_free(&m);
        return ctx->status;
    }
    ts_status st = inv_all(ctx, op, &m, info);
    for (int64_t b = 0; st == TS_OK && check && b < m.batch; b++)
        if (info[b] > 0) {
            char buf[48];
            st = ts_fail(ctx, TS_ERR_VALUE, NULL,
                         "%s%s: The diagonal element %d is zero, the inversion could not be completed because the "
                         "input matrix is singular.",
                         op, batch_prefix(buf, sizeof buf, m.bnd, b), (int)info[b]);
        }
    Tensor *r = st == TS_OK ? mats_tensor(ctx, op, A->dtype, m.bsz, m.bnd, m.batch, m.r, m.c, m.d) : NULL;
    st = return_with_info(ctx, st, r, ex, m.bsz, m.bnd, info, out);
    ts_free(info);
    mats_free(&m);
    return st;
}

OPFN(top_linalg_inv) { return inv_common(ctx, "linalg.inv", in, nin, out, false, true); }
OPFN(top_inverse) { return inv_common(ctx, "linalg.inv", in, nin, out, false, true); }
OPFN(top_linalg_inv_ex) { return inv_common(ctx, "linalg.inv_ex", in, nin, out, true, op_bool(in[1])); }

/* B as a matrix right-hand side of A: PyTorch's linalg_solve_is_vector_rhs. */
static bool solve_vector_rhs(const Tensor *A, const Tensor *B) {
    if (B->ndim == 1) return true;
    if (B->ndim != A->ndim - 1) return false;
    for (int i = 0; i < B->ndim; i++)
        if (B->sizes[i] != A->sizes[i]) return false;
    return true;
}

/* A view of t with a trailing (or, when front, second-to-last) size-1 dim. */
static Tensor *with_unit_dim(Ctx *ctx, Tensor *t, bool last) {
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int nd = t->ndim;
    memcpy(sz, t->sizes, sizeof(int64_t) * (size_t)nd), memcpy(st, t->strides, sizeof(int64_t) * (size_t)nd);
    if (last) {
        sz[nd] = 1, st[nd] = 1;
    } else {
        sz[nd] = sz[nd - 1], st[nd] = st[nd - 1];
        sz[nd - 1] = 1, st[nd - 1] = 1;
    }
    return tensor_view(ctx, t->storage, t->dtype, t->storage_offset, sz, st, nd + 1);
}

/* Solves A X = B (left) or X A = B for every broadcast batch; info from getrf. */
static ts_status solve_common(Ctx *ctx, const char *op, Tensor *A, Tensor *B, bool left, bool ex, bool check,
                              IValue *out) {
    TS_TRY(la_check(ctx, op, A, true));
    if (B->dtype != DT_FLOAT32 && B->dtype != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected a floating point or complex tensor as input. Got %s", op,
                       dtype_storage_name(B->dtype));
    if (A->dtype != B->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected A and B to have the same dtype, but found A of type %s "
                       "and B of type %s instead", op, dtype_storage_name(A->dtype), dtype_storage_name(B->dtype));
    bool vec = left && solve_vector_rhs(A, B);
    Tensor *Bm = vec ? with_unit_dim(ctx, B, true) : tensor_retain(B);
    if (!Bm) return ctx->status;
    int64_t n = A->sizes[A->ndim - 1];
    if (Bm->ndim < 2 || Bm->sizes[Bm->ndim - (left ? 2 : 1)] != n) {
        ShapeText s1, s2;
        tensor_release(Bm);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Incompatible shapes of A and B for the equation %s (%s and %s)",
                       op, left ? "AX = B" : "XA = B", op_shape(&s1, A), op_shape(&s2, B));
    }
    Mats ma, mb;
    ts_status st = mats_load_pair(ctx, op, A, Bm, &ma, &mb);
    tensor_release(Bm);
    if (st != TS_OK) return st;
    int32_t *piv = la_alloc(ctx, op, n), *info = la_alloc(ctx, op, ma.batch);
    double *t = la_alloc(ctx, op, mb.r * mb.c);
    Tensor *r = NULL;
    if (!piv || !info || !t) st = ctx->status;
    for (int64_t b = 0; st == TS_OK && b < ma.batch; b++) {
        double *a = ma.d + b * n * n, *x = mb.d + b * mb.r * mb.c;
        info[b] = la_getrf(n, n, a, piv);
        if (info[b] > 0 && check) {
            char buf[48];
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s%s: The solver failed because the input matrix is singular.", op,
                         batch_prefix(buf, sizeof buf, ma.bnd, b));
            break;
        }
        if (left) {
            la_getrs(false, n, mb.c, a, piv, x);
        } else { /* X A = B  <=>  A^T X^T = B^T */
            for (int64_t i = 0; i < mb.r; i++)
                for (int64_t j = 0; j < n; j++) t[j + i * n] = x[i + j * mb.r];
            la_getrs(true, n, mb.r, a, piv, t);
            for (int64_t i = 0; i < mb.r; i++)
                for (int64_t j = 0; j < n; j++) x[i + j * mb.r] = t[j + i * n];
        }
    }
    if (st == TS_OK) {
        if (vec) { /* drop the unit column: the batch of vectors */
            int64_t ex1 = mb.r;
            double *rm = mb.d; /* r x 1 column-major is row-major already */
            r = from_f64(ctx, A->dtype, mb.bsz, mb.bnd, &ex1, 1, rm);
        } else {
            r = mats_tensor(ctx, op, A->dtype, mb.bsz, mb.bnd, mb.batch, mb.r, mb.c, mb.d);
        }
    }
    st = return_with_info(ctx, st, r, ex, ma.bsz, ma.bnd, info, out);
    ts_free(piv), ts_free(info), ts_free(t);
    mats_free(&ma), mats_free(&mb);
    return st;
}

OPFN(top_linalg_solve) {
    Tensor *A, *B;
    TS_TRY(op_tensor(ctx, "linalg.solve", in, nin, 0, &A));
    TS_TRY(op_tensor(ctx, "linalg.solve", in, nin, 1, &B));
    return solve_common(ctx, "torch.linalg.solve", A, B, op_bool(in[2]), false, true, out);
}

OPFN(top_linalg_solve_ex) {
    Tensor *A, *B;
    TS_TRY(op_tensor(ctx, "linalg.solve_ex", in, nin, 0, &A));
    TS_TRY(op_tensor(ctx, "linalg.solve_ex", in, nin, 1, &B));
    return solve_common(ctx, "torch.linalg.solve_ex", A, B, op_bool(in[2]), true, op_bool(in[3]), out);
}

/* ---- LU ---- */

static ts_status lu_factor_common(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool pivot, int nout,
                                  bool check) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, false));
    if (!pivot)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: LU without pivoting is not implemented on the CPU", op);
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t k = m.r < m.c ? m.r : m.c;
    int32_t *piv = la_alloc(ctx, op, m.batch * k), *info = la_alloc(ctx, op, m.batch);
    ts_status st = piv && info ? TS_OK : ctx->status;
    for (int64_t b = 0; st == TS_OK && b < m.batch; b++) {
        info[b] = la_getrf(m.r, m.c, m.d + b * m.r * m.c, piv + b * k);
        if (check && info[b] > 0) {
            char buf[48];
            st = ts_fail(ctx, TS_ERR_VALUE, NULL,
                         "%s%s: U[%d,%d] is zero and using it on lu_solve would result in a division by zero. If you "
                         "still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
                         "linalg.lu_factor_ex(A, pivot)",
                         op, batch_prefix(buf, sizeof buf, m.bnd, b), (int)info[b], (int)info[b]);
        }
    }
    Tensor *r[3] = {NULL, NULL, NULL};
    if (st == TS_OK) {
        r[0] = mats_tensor(ctx, op, A->dtype, m.bsz, m.bnd, m.batch, m.r, m.c, m.d);
        r[1] = r[0] ? from_i32(ctx, m.bsz, m.bnd, &k, 1, piv) : NULL;
        r[2] = r[1] && nout == 3 ? from_i32(ctx, m.bsz, m.bnd, NULL, 0, info) : NULL;
        if (!r[0] || !r[1] || (nout == 3 && !r[2])) st = ctx->status;
    }
    ts_free(piv), ts_free(info);
    mats_free(&m);
    if (st != TS_OK) {
        for (int i = 0; i < 3; i++) tensor_release(r[i]);
        return st;
    }
    for (int i = 0; i < nout; i++) out[i] = iv_tensor_steal(r[i]);
    return TS_OK;
}

OPFN(top_linalg_lu_factor) {
    return lu_factor_common(ctx, "torch.linalg.lu_factor", in, nin, out, op_bool(in[1]), 2, true);
}
OPFN(top_linalg_lu_factor_ex) {
    return lu_factor_common(ctx, "torch.linalg.lu_factor_ex", in, nin, out, op_bool(in[1]), 3, op_bool(in[2]));
}
OPFN(top__lu_with_info) {
    return lu_factor_common(ctx, "torch.lu", in, nin, out, op_bool(in[1]), 3, op_bool(in[2]));
}

/* P, L, U from LU (r x c column-major) and 1-based pivots, into row-major p (r x r), l (r x k), u (k x c). */
static void lu_unpack_one(int64_t r, int64_t c, const double *lu, const int32_t *piv, double *p, double *l,
                          double *u, int64_t *perm) {
    int64_t k = r < c ? r : c;
    if (p) {
        for (int64_t i = 0; i < r; i++) perm[i] = i;
        for (int64_t i = 0; i < k; i++) {
            int64_t j = piv[i] - 1;
            if (j < 0 || j >= r) j = i;
            int64_t t = perm[i];
            perm[i] = perm[j], perm[j] = t;
        }
        memset(p, 0, sizeof(double) * (size_t)(r * r));
        for (int64_t i = 0; i < r; i++) p[perm[i] * r + i] = 1;
    }
    if (l)
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < k; j++) l[i * k + j] = i == j ? 1 : i > j ? lu[i + j * r] : 0;
    if (u)
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < c; j++) u[i * c + j] = j >= i ? lu[i + j * r] : 0;
}

/* The three results of lu / lu_unpack for m's factors and pivots. */
static ts_status lu_unpack_out(Ctx *ctx, const char *op, DType dt, const Mats *m, const int32_t *piv, bool data,
                               bool pivots, IValue *out) {
    int64_t r = m->r, c = m->c, k = r < c ? r : c, zero = 0;
    double *p = la_alloc(ctx, op, m->batch * r * r), *l = la_alloc(ctx, op, m->batch * r * k);
    double *u = la_alloc(ctx, op, m->batch * k * c);
    int64_t *perm = ts_malloc(sizeof(int64_t) * (size_t)(r > 0 ? r : 1));
    Tensor *t[3] = {NULL, NULL, NULL};
    ts_status st = p && l && u && perm ? TS_OK : (perm ? ctx->status : ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op));
    if (st == TS_OK) {
        for (int64_t b = 0; b < m->batch; b++)
            lu_unpack_one(r, c, m->d + b * r * c, piv + b * k, pivots ? p + b * r * r : NULL,
                          data ? l + b * r * k : NULL, data ? u + b * k * c : NULL, perm);
        int64_t e0[2] = {r, r}, e1[2] = {r, k}, e2[2] = {k, c};
        t[0] = pivots ? from_f64(ctx, dt, m->bsz, m->bnd, e0, 2, p) : tensor_empty(ctx, dt, &zero, 1);
        t[1] = data ? from_f64(ctx, dt, m->bsz, m->bnd, e1, 2, l) : tensor_empty(ctx, dt, &zero, 1);
        t[2] = data ? from_f64(ctx, dt, m->bsz, m->bnd, e2, 2, u) : tensor_empty(ctx, dt, &zero, 1);
        if (!t[0] || !t[1] || !t[2]) st = ctx->status;
    }
    ts_free(p), ts_free(l), ts_free(u), ts_free(perm);
    if (st != TS_OK) {
        for (int i = 0; i < 3; i++) tensor_release(t[i]);
        return st;
    }
    for (int i = 0; i < 3; i++) out[i] = iv_tensor_steal(t[i]);
    return TS_OK;
}

OPFN(top_linalg_lu) {
    const char *op = "linalg.lu";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, false));
    if (!op_bool(in[1]))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "linalg.lu_factor: LU without pivoting is not implemented on the CPU");
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t k = m.r < m.c ? m.r : m.c;
    int32_t *piv = la_alloc(ctx, op, m.batch * k);
    ts_status st = piv ? TS_OK : ctx->status;
    for (int64_t b = 0; st == TS_OK && b < m.batch; b++) la_getrf(m.r, m.c, m.d + b * m.r * m.c, piv + b * k);
    if (st == TS_OK) st = lu_unpack_out(ctx, op, A->dtype, &m, piv, true, true, out);
    ts_free(piv);
    mats_free(&m);
    return st;
}

OPFN(top_lu_unpack) {
    const char *op = "lu_unpack";
    Tensor *LU, *P;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &LU));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &P));
    TS_TRY(la_check(ctx, op, LU, false));
    if (P->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: LU_pivots is expected to be a contiguous tensor of torch.int32 "
                       "dtype. Note: this function is intended to be used with the output produced by torch.linalg.lu_factor", op);
    Mats m;
    TS_TRY(mats_load(ctx, op, LU, &m));
    int64_t k = m.r < m.c ? m.r : m.c;
    if (P->ndim != LU->ndim - 1 || P->sizes[P->ndim - 1] != k || tensor_numel(P) != m.batch * k) {
        mats_free(&m);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: LU_pivots must have shape (*, min(m, n)) matching LU_data", op);
    }
    Tensor *pc = tensor_contiguous(ctx, P);
    if (!pc) {
        mats_free(&m);
        return ctx->status;
    }
    if (op_bool(in[3]))
        for (int64_t i = 0; i < m.batch * k; i++) {
            int32_t p = ((const int32_t *)tensor_data(pc))[i];
            if (p < 1 || p > m.r) {
                tensor_release(pc);
                mats_free(&m);
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                               "inclusive.Did you properly pass the result of lu_factor?");
            }
        }
    ts_status st = lu_unpack_out(ctx, op, LU->dtype, &m, tensor_data(pc), op_bool(in[2]), op_bool(in[3]), out);
    tensor_release(pc);
    mats_free(&m);
    return st;
}

/* X from LU factors and pivots: op(A) X = B (left) or X op(A) = B. */
static ts_status lu_solve_common(Ctx *ctx, const char *op, Tensor *LU, Tensor *P, Tensor *B, bool left, bool adjoint,
                                 IValue *out) {
    TS_TRY(la_check(ctx, op, LU, true));
    TS_TRY(la_check(ctx, op, B, false));
    int64_t n = LU->sizes[LU->ndim - 1];
    if (P->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: pivots should be a Tensor of scalar type Int", op);
    if (B->sizes[B->ndim - (left ? 2 : 1)] != n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Incompatible shapes of A and B for the equation %s", op,
                       left ? "AX = B" : "XA = B");
    if (P->ndim != LU->ndim - 1 || P->sizes[P->ndim - 1] != n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected LU.shape[:-1] == pivots.shape", op);
    for (int i = 0; i < P->ndim; i++)
        if (P->sizes[i] != LU->sizes[i])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected LU.shape[:-1] == pivots.shape", op);
    /* the pivots ride along with LU as an extra column (exact small integers in float64) */
    Mats ma, mb;
    TS_TRY(mats_load_pair(ctx, op, LU, B, &ma, &mb));
    Tensor *pc = tensor_contiguous(ctx, P);
    int32_t *pv = la_alloc(ctx, op, n);
    double *t = la_alloc(ctx, op, mb.r * mb.c);
    ts_status st = pc && pv && t ? TS_OK : ctx->status;
    /* the batch index of LU's own batch for broadcast element b */
    int64_t lstride[TS_MAX_DIMS];
    int lb = LU->ndim - 2;
    for (int64_t i = lb - 1, s = 1; i >= 0; i--) lstride[i] = s, s *= LU->sizes[i];
    for (int64_t b = 0; st == TS_OK && b < ma.batch; b++) {
        int64_t rem = b, src = 0;
        for (int i = ma.bnd - 1, j = lb - 1; i >= 0; i--, j--) {
            int64_t idx = rem % ma.bsz[i];
            rem /= ma.bsz[i];
            if (j >= 0 && LU->sizes[j] != 1) src += idx * lstride[j];
        }
        const int32_t *piv = (const int32_t *)tensor_data(pc) + src * n;
        int32_t lo = INT32_MAX, hi = INT32_MIN; /* PyTorch checks the minimum, then the maximum */
        for (int64_t i = 0; i < n; i++) {
            pv[i] = piv[i];
            lo = pv[i] < lo ? pv[i] : lo, hi = pv[i] > hi ? pv[i] : hi;
        }
        if (n && lo < 1)
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "Pivots given to lu_solve must all be greater or equal to 1. "
                         "Did you properly pass the result of lu_factor?");
        else if (n && hi > n)
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "Pivots given to lu_solve must all be smaller or equal to "
                         "LU.size(-2). Did you properly pass the result of lu_factor?");
        if (st != TS_OK) break;
        double *a = ma.d + b * n * n, *x = mb.d + b * mb.r * mb.c;
        if (left) {
            la_getrs(adjoint, n, mb.c, a, pv, x);
        } else { /* X op(A) = B  <=>  op(A)^T X^T = B^T */
            for (int64_t i = 0; i < mb.r; i++)
                for (int64_t j = 0; j < n; j++) t[j + i * n] = x[i + j * mb.r];
            la_getrs(!adjoint, n, mb.r, a, pv, t);
            for (int64_t i = 0; i < mb.r; i++)
                for (int64_t j = 0; j < n; j++) x[i + j * mb.r] = t[j + i * n];
        }
    }
    Tensor *r = NULL;
    if (st == TS_OK) {
        r = mats_tensor(ctx, op, la_result_dtype(LU, B), mb.bsz, mb.bnd, mb.batch, mb.r, mb.c, mb.d);
        if (!r) st = ctx->status;
    }
    tensor_release(pc);
    ts_free(pv), ts_free(t);
    mats_free(&ma), mats_free(&mb);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

OPFN(top_linalg_lu_solve) {
    Tensor *LU, *P, *B;
    TS_TRY(op_tensor(ctx, "linalg.lu_solve", in, nin, 0, &LU));
    TS_TRY(op_tensor(ctx, "linalg.lu_solve", in, nin, 1, &P));
    TS_TRY(op_tensor(ctx, "linalg.lu_solve", in, nin, 2, &B));
    return lu_solve_common(ctx, "linalg.lu_solve", LU, P, B, op_bool(in[3]), op_bool(in[4]), out);
}

OPFN(top_lu_solve) {
    Tensor *LU, *P, *B;
    TS_TRY(op_tensor(ctx, "lu_solve", in, nin, 0, &B));
    TS_TRY(op_tensor(ctx, "lu_solve", in, nin, 1, &LU));
    TS_TRY(op_tensor(ctx, "lu_solve", in, nin, 2, &P));
    return lu_solve_common(ctx, "lu_solve", LU, P, B, true, false, out);
}

/* ---- triangular solves ---- */

static ts_status tri_solve(Ctx *ctx, const char *op, Tensor *A, Tensor *B, bool upper, bool left, bool trans,
                           bool unit, Mats *ma, Mats *mb) {
    TS_TRY(la_check(ctx, op, A, true));
    TS_TRY(la_check(ctx, op, B, false));
    int64_t n = A->sizes[A->ndim - 1];
    if (B->sizes[B->ndim - (left ? 2 : 1)] != n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Incompatible shapes of A and B for the equation %s", op,
                       left ? "AX = B" : "XA = B");
    TS_TRY(mats_load_pair(ctx, op, A, B, ma, mb));
    for (int64_t b = 0; b < ma->batch; b++)
        la_trsm(left, upper, trans, unit, mb->r, mb->c, ma->d + b * n * n, mb->d + b * mb->r * mb->c);
    return TS_OK;
}

OPFN(top_linalg_solve_triangular) {
    const char *op = "linalg.solve_triangular";
    Tensor *A, *B;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &B));
    Mats ma, mb;
    TS_TRY(tri_solve(ctx, op, A, B, op_bool(in[2]), op_bool(in[3]), false, op_bool(in[4]), &ma, &mb));
    Tensor *r = mats_tensor(ctx, op, la_result_dtype(A, B), mb.bsz, mb.bnd, mb.batch, mb.r, mb.c, mb.d);
    mats_free(&ma), mats_free(&mb);
    if (!r) return ctx->status;
    return op_return(out, r);
}

OPFN(top_triangular_solve) {
    const char *op = "triangular_solve";
    Tensor *A, *B;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &B));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &A));
    if (A->dtype != B->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected b and A to have the same dtype, but found b of type %s "
                       "and A of type %s instead.", op, dtype_storage_name(B->dtype), dtype_storage_name(A->dtype));
    bool upper = op_bool(in[2]);
    Mats ma, mb;
    TS_TRY(tri_solve(ctx, op, A, B, upper, true, op_bool(in[3]), op_bool(in[4]), &ma, &mb));
    /* the cloned coefficient: A broadcast to the batch (reload: tri_solve did not change it) */
    Tensor *x = mats_tensor(ctx, op, A->dtype, mb.bsz, mb.bnd, mb.batch, mb.r, mb.c, mb.d);
    Tensor *c = x ? mats_tensor(ctx, op, A->dtype, ma.bsz, ma.bnd, ma.batch, ma.r, ma.c, ma.d) : NULL;
    mats_free(&ma), mats_free(&mb);
    if (!x || !c) {
        tensor_release(x);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(x);
    out[1] = iv_tensor_steal(c);
    return TS_OK;
}

/* ---- Cholesky ---- */

static ts_status chol_common(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool upper, bool ex,
                             bool check) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, true));
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t n = m.r;
    int32_t *info = la_alloc(ctx, op, m.batch);
    ts_status st = info ? TS_OK : ctx->status;
    for (int64_t b = 0; st == TS_OK && b < m.batch; b++) {
        double *a = m.d + b * n * n;
        info[b] = la_potrf(upper, n, a);
        if (info[b] > 0 && check) {
            char buf[48];
            st = ts_fail(ctx, TS_ERR_VALUE, NULL,
                         "%s%s: The factorization could not be completed because the input is not positive-definite "
                         "(the leading minor of order %d is not positive-definite).",
                         op, batch_prefix(buf, sizeof buf, m.bnd, b), (int)info[b]);
        }
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < n; i++)
                if (upper ? i > j : i < j) a[i + j * n] = 0;
    }
    Tensor *r = st == TS_OK ? mats_tensor(ctx, op, A->dtype, m.bsz, m.bnd, m.batch, n, n, m.d) : NULL;
    st = return_with_info(ctx, st, r, ex, m.bsz, m.bnd, info, out);
    ts_free(info);
    mats_free(&m);
    return st;
}

OPFN(top_linalg_cholesky) { return chol_common(ctx, "linalg.cholesky", in, nin, out, op_bool(in[1]), false, true); }
OPFN(top_cholesky) { return chol_common(ctx, "cholesky", in, nin, out, op_bool(in[1]), false, true); }
OPFN(top_linalg_cholesky_ex) {
    return chol_common(ctx, "linalg.cholesky_ex", in, nin, out, op_bool(in[1]), true, op_bool(in[2]));
}

/* (L L^T)^-1 or (U^T U)^-1 from the factor. */
OPFN(top_cholesky_inverse) {
    const char *op = "cholesky_inverse";
    Tensor *L;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &L));
    TS_TRY(la_check(ctx, op, L, true));
    bool upper = op_bool(in[1]);
    Mats m;
    TS_TRY(mats_load(ctx, op, L, &m));
    int64_t n = m.r;
    double *x = la_alloc(ctx, op, n * n);
    if (!x) {
        mats_free(&m);
        return ctx->status;
    }
    for (int64_t b = 0; b < m.batch; b++) {
        double *a = m.d + b * n * n;
        for (int64_t i = 0; i < n * n; i++) x[i] = i % (n + 1) == 0;
        /* A = F^T F with F = U (upper) or L^T: A^-1 = F^-1 F^-T */
        la_trsm(true, upper, upper, false, n, n, a, x);  /* F^T y = I */
        la_trsm(true, upper, !upper, false, n, n, a, x); /* F x = y */
        memcpy(a, x, sizeof(double) * (size_t)(n * n));
    }
    ts_free(x);
    Tensor *r = mats_tensor(ctx, op, L->dtype, m.bsz, m.bnd, m.batch, n, n, m.d);
    mats_free(&m);
    if (!r) return ctx->status;
    return op_return(out, r);
}

OPFN(top_cholesky_solve) {
    const char *op = "cholesky_solve";
    Tensor *B, *L;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &B));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &L));
    bool upper = op_bool(in[2]);
    if (B->dtype != L->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected b and A to have the same dtype, but found b of type %s "
                       "and A of type %s instead.", op, dtype_storage_name(B->dtype), dtype_storage_name(L->dtype));
    Mats ma, mb;
    /* A X = B with A = F^T F: F^T y = B, then F X = y */
    TS_TRY(tri_solve(ctx, op, L, B, upper, true, upper, false, &ma, &mb));
    for (int64_t b = 0; b < ma.batch; b++)
        la_trsm(true, upper, !upper, false, mb.r, mb.c, ma.d + b * ma.r * ma.r, mb.d + b * mb.r * mb.c);
    Tensor *r = mats_tensor(ctx, op, B->dtype, mb.bsz, mb.bnd, mb.batch, mb.r, mb.c, mb.d);
    mats_free(&ma), mats_free(&mb);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- symmetric eigenproblem ---- */

static ts_status uplo_arg(Ctx *ctx, const char *op, IValue v, bool *upper) {
    const char *s = v.kind == IV_STR ? v.u.s->data : "L";
    if (strcmp(s, "L") && strcmp(s, "U") && strcmp(s, "l") && strcmp(s, "u"))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Expected UPLO argument to be 'L' or 'U', but got %s", op, s);
    *upper = s[0] == 'U' || s[0] == 'u';
    return TS_OK;
}

/* Eigenvalues (w: batch x n) and, with vectors, eigenvectors (in m) of every matrix. */
static ts_status eigh_all(Ctx *ctx, const char *op, Mats *m, bool upper, bool vectors, double *w) {
    int64_t n = m->r;
    for (int64_t b = 0; b < m->batch; b++) {
        int info = la_syevd(vectors, upper, n, m->d + b * n * n, w + b * n);
        if (info != 0) {
            char buf[48];
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s%s: The algorithm failed to converge because the input matrix is ill-conditioned or has "
                           "too many repeated eigenvalues (error code: %d).",
                           op, batch_prefix(buf, sizeof buf, m->bnd, b), info);
        }
    }
    return TS_OK;
}

static ts_status eigh_common(Ctx *ctx, const char *op, Tensor *A, bool upper, bool vectors, bool empty_v,
                             IValue *out) {
    TS_TRY(la_check(ctx, op, A, true));
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t n = m.r, zero = 0;
    double *w = la_alloc(ctx, op, m.batch * n);
    ts_status st = w ? eigh_all(ctx, op, &m, upper, vectors, w) : ctx->status;
    Tensor *tw = NULL, *tv = NULL;
    if (st == TS_OK) {
        tw = from_f64(ctx, A->dtype, m.bsz, m.bnd, &n, 1, w);
        if (tw && vectors) tv = mats_tensor(ctx, op, A->dtype, m.bsz, m.bnd, m.batch, n, n, m.d);
        else if (tw && empty_v) tv = tensor_empty(ctx, A->dtype, &zero, 1);
        if (!tw || ((vectors || empty_v) && !tv)) st = ctx->status;
    }
    ts_free(w);
    mats_free(&m);
    if (st != TS_OK) {
        tensor_release(tw), tensor_release(tv);
        return st;
    }
    out[0] = iv_tensor_steal(tw);
    if (vectors || empty_v) out[1] = iv_tensor_steal(tv);
    return TS_OK;
}

/* linalg.eigh / eigvalsh(A, UPLO): the same solve, with or without the vectors. */
static ts_status linalg_eigh_op(Ctx *ctx, const char *op, IValue *in, int nin, bool vectors, IValue *out) {
    Tensor *A;
    bool upper = false;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(uplo_arg(ctx, op, in[1], &upper));
    return eigh_common(ctx, op, A, upper, vectors, false, out);
}

OPFN(top_linalg_eigh) { return linalg_eigh_op(ctx, "linalg.eigh", in, nin, true, out); }
OPFN(top_linalg_eigvalsh) { return linalg_eigh_op(ctx, "linalg.eigvalsh", in, nin, false, out); }

OPFN(top_symeig) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "symeig", in, nin, 0, &A));
    return eigh_common(ctx, "symeig", A, op_bool(in[2]), op_bool(in[1]), true, out);
}

/* ---- SVD and what is built on it ---- */

typedef struct Svd {
    Mats m;
    int64_t k, ucols, vrows;
    double *s, *u, *vt; /* batch x k; batch x (m x ucols), (vrows x n), column-major */
} Svd;

static void svd_free(Svd *s) {
    mats_free(&s->m);
    ts_free(s->s), ts_free(s->u), ts_free(s->vt);
    s->s = s->u = s->vt = NULL;
}

/* jobz as la_gesdd's; A loaded and factorised. */
static ts_status svd_run(Ctx *ctx, const char *op, Tensor *A, char jobz, Svd *r) {
    r->s = r->u = r->vt = NULL;
    TS_TRY(mats_load(ctx, op, A, &r->m));
    int64_t m = r->m.r, n = r->m.c, k = m < n ? m : n;
    r->k = k, r->ucols = jobz == 'A' ? m : k, r->vrows = jobz == 'A' ? n : k;
    r->s = la_alloc(ctx, op, r->m.batch * k);
    if (jobz != 'N') {
        r->u = r->s ? la_alloc(ctx, op, r->m.batch * m * r->ucols) : NULL;
        r->vt = r->u ? la_alloc(ctx, op, r->m.batch * r->vrows * n) : NULL;
    }
    if (!r->s || (jobz != 'N' && !r->vt)) {
        svd_free(r);
        return ctx->status;
    }
    for (int64_t b = 0; b < r->m.batch; b++) {
        double *u = jobz != 'N' ? r->u + b * m * r->ucols : NULL, *vt = jobz != 'N' ? r->vt + b * r->vrows * n : NULL;
        if (u) memset(u, 0, sizeof(double) * (size_t)(m * r->ucols));
        if (vt) memset(vt, 0, sizeof(double) * (size_t)(r->vrows * n));
        if (k == 0 && jobz == 'A') { /* an empty problem: the identities */
            for (int64_t i = 0; i < m; i++) u[i + i * m] = 1;
            for (int64_t i = 0; i < n; i++) vt[i + i * n] = 1;
        }
        int info = la_gesdd(jobz, m, n, r->m.d + b * m * n, r->s + b * k, u, vt);
        if (info != 0) {
            char buf[48];
            svd_free(r);
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s%s: The algorithm failed to converge because the input matrix is ill-conditioned or has "
                           "too many repeated singular values (error code: %d).",
                           op, batch_prefix(buf, sizeof buf, r->m.bnd, b), info);
        }
    }
    return TS_OK;
}

static ts_status svd_common(Ctx *ctx, const char *op, Tensor *A, bool full, bool compute_uv, bool old_v, IValue *out) {
    TS_TRY(la_check(ctx, op, A, false));
    Svd s;
    TS_TRY(svd_run(ctx, op, A, compute_uv ? (full ? 'A' : 'S') : 'N', &s));
    int64_t m = s.m.r, n = s.m.c, k = s.k;
    Tensor *t[3] = {NULL, NULL, NULL};
    t[1] = from_f64(ctx, A->dtype, s.m.bsz, s.m.bnd, &k, 1, s.s);
    if (t[1] && compute_uv) {
        t[0] = mats_tensor(ctx, op, A->dtype, s.m.bsz, s.m.bnd, s.m.batch, m, s.ucols, s.u);
        if (old_v) { /* torch.svd returns V = Vh^T: Vh^T column-major is Vh row-major */
            for (int64_t b = 0; b < s.m.batch; b++) { /* transpose each vrows x n block into n x vrows */
                double *src = s.vt + b * s.vrows * n;
                double *tmp = la_alloc(ctx, op, s.vrows * n);
                if (!tmp) break;
                for (int64_t i = 0; i < s.vrows; i++)
                    for (int64_t j = 0; j < n; j++) tmp[j + i * n] = src[i + j * s.vrows];
                memcpy(src, tmp, sizeof(double) * (size_t)(s.vrows * n));
                ts_free(tmp);
            }
            t[2] = t[0] ? mats_tensor(ctx, op, A->dtype, s.m.bsz, s.m.bnd, s.m.batch, n, s.vrows, s.vt) : NULL;
        } else {
            t[2] = t[0] ? mats_tensor(ctx, op, A->dtype, s.m.bsz, s.m.bnd, s.m.batch, s.vrows, n, s.vt) : NULL;
        }
    } else if (t[1]) { /* torch.svd(compute_uv=False): zero U (m x m) and V (n x n) */
        int64_t e0[2] = {m, m}, e2[2] = {n, n}, sz[TS_MAX_DIMS];
        memcpy(sz, s.m.bsz, sizeof(int64_t) * (size_t)s.m.bnd);
        memcpy(sz + s.m.bnd, e0, sizeof e0);
        t[0] = tensor_empty(ctx, A->dtype, sz, s.m.bnd + 2);
        memcpy(sz + s.m.bnd, e2, sizeof e2);
        t[2] = t[0] ? tensor_empty(ctx, A->dtype, sz, s.m.bnd + 2) : NULL;
    }
    svd_free(&s);
    if (!t[0] || !t[1] || !t[2]) {
        for (int i = 0; i < 3; i++) tensor_release(t[i]);
        return ctx->status;
    }
    for (int i = 0; i < 3; i++) out[i] = iv_tensor_steal(t[i]);
    return TS_OK;
}

static ts_status driver_arg(Ctx *ctx, const char *op, IValue v) {
    if (v.kind == IV_STR)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: keyword argument `driver=` is only supported on CUDA inputs "
                       "with cuSOLVER backend.", op);
    return TS_OK;
}

OPFN(top_linalg_svd) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "linalg.svd", in, nin, 0, &A));
    TS_TRY(driver_arg(ctx, "linalg.svd", in[2]));
    return svd_common(ctx, "linalg.svd", A, op_bool(in[1]), true, false, out);
}

OPFN(top_svd) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "svd", in, nin, 0, &A));
    return svd_common(ctx, "svd", A, !op_bool(in[1]), op_bool(in[2]), true, out);
}

OPFN(top_linalg_svdvals) {
    const char *op = "linalg.svdvals";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(driver_arg(ctx, op, in[1]));
    TS_TRY(la_check(ctx, op, A, false));
    Svd s;
    TS_TRY(svd_run(ctx, op, A, 'N', &s));
    Tensor *t = from_f64(ctx, A->dtype, s.m.bsz, s.m.bnd, &s.k, 1, s.s);
    svd_free(&s);
    if (!t) return ctx->status;
    return op_return(out, t);
}

static double dtype_eps(DType dt) { return dt == DT_FLOAT64 ? DBL_EPSILON : FLT_EPSILON; }

/* atol / rtol arguments: a float, None or a tensor with one element. */
static ts_status tol_arg(Ctx *ctx, const char *op, IValue v, double *out, bool *given) {
    *given = v.kind != IV_NONE;
    if (v.kind == IV_NONE) return TS_OK;
    if (v.kind == IV_TENSOR) {
        if (tensor_numel(v.u.t) != 1)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: tscript supports atol / rtol tensors of one element only", op);
        *out = tensor_get_f64(v.u.t, 0);
        return TS_OK;
    }
    *out = iv_scalar_f64(v);
    return TS_OK;
}

/* PyTorch's get_atol_rtol: atol 0 when absent; rtol eps * max(m, n) unless given, or 0 when atol > 0 is given. */
static void atol_rtol(DType dt, int64_t m, int64_t n, bool ag, double atol, bool rg, double rtol, double *a,
                      double *r) {
    *a = ag ? atol : 0;
    *r = rg ? rtol : (ag && atol > 0) ? 0 : dtype_eps(dt) * (double)(m > n ? m : n);
}

/* Singular values (or |eigenvalues| with vectors) of every matrix, for pinv / matrix_rank. */
static ts_status pinv_common(Ctx *ctx, const char *op, Tensor *A, double atol, double rtol, bool herm, IValue *out) {
    TS_TRY(la_check(ctx, op, A, herm));
    int nd = A->ndim;
    int64_t m = A->sizes[nd - 2], n = A->sizes[nd - 1];
    double *res = NULL;
    Tensor *t = NULL;
    ts_status st = TS_OK;
    if (herm) {
        Mats mm;
        TS_TRY(mats_load(ctx, op, A, &mm));
        double *w = la_alloc(ctx, op, mm.batch * n);
        res = w ? la_alloc(ctx, op, mm.batch * n * n) : NULL;
        st = res ? eigh_all(ctx, op, &mm, false, true, w) : ctx->status;
        for (int64_t b = 0; st == TS_OK && b < mm.batch; b++) {
            double *v = mm.d + b * n * n, *wb = w + b * n, *r = res + b * n * n, smax = 0;
            for (int64_t i = 0; i < n; i++) smax = fmax(smax, fabs(wb[i]));
            double tol = fmax(atol, rtol * smax);
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < n; j++) {
                    double acc = 0;
                    for (int64_t q = 0; q < n; q++)
                        if (fabs(wb[q]) > tol) acc += v[i + q * n] / wb[q] * v[j + q * n];
                    r[i + j * n] = acc;
                }
        }
        if (st == TS_OK) t = mats_tensor(ctx, op, A->dtype, mm.bsz, mm.bnd, mm.batch, n, n, res);
        ts_free(w);
        mats_free(&mm);
    } else {
        Svd s;
        TS_TRY(svd_run(ctx, op, A, 'S', &s));
        int64_t k = s.k;
        res = la_alloc(ctx, op, s.m.batch * n * m);
        st = res ? TS_OK : ctx->status;
        for (int64_t b = 0; st == TS_OK && b < s.m.batch; b++) {
            double *u = s.u + b * m * k, *vt = s.vt + b * k * n, *sv = s.s + b * k, *r = res + b * n * m;
            double tol = fmax(atol, rtol * (k > 0 ? sv[0] : 0));
            for (int64_t i = 0; i < n; i++) /* pinv[i][j] = sum_q V[i][q] / s_q * U[j][q] */
                for (int64_t j = 0; j < m; j++) {
                    double acc = 0;
                    for (int64_t q = 0; q < k; q++)
                        if (sv[q] > tol) acc += vt[q + i * k] / sv[q] * u[j + q * m];
                    r[i + j * n] = acc;
                }
        }
        if (st == TS_OK) t = mats_tensor(ctx, op, A->dtype, s.m.bsz, s.m.bnd, s.m.batch, n, m, res);
        svd_free(&s);
    }
    ts_free(res);
    if (st != TS_OK) return st;
    if (!t) return ctx->status;
    return op_return(out, t);
}

OPFN(top_linalg_pinv) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "linalg.pinv", in, nin, 0, &A));
    return pinv_common(ctx, "linalg.pinv", A, 0, iv_scalar_f64(in[1]), op_bool(in[2]), out);
}

OPFN(top_pinverse) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "pinverse", in, nin, 0, &A));
    return pinv_common(ctx, "pinverse", A, 0, iv_scalar_f64(in[1]), false, out);
}

static ts_status pinv_tols(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, false));
    double at = 0, rt = 0, a, r;
    bool ag, rg;
    TS_TRY(tol_arg(ctx, op, in[1], &at, &ag));
    TS_TRY(tol_arg(ctx, op, in[2], &rt, &rg));
    atol_rtol(A->dtype, A->sizes[A->ndim - 2], A->sizes[A->ndim - 1], ag, at, rg, rt, &a, &r);
    return pinv_common(ctx, op, A, a, r, op_bool(in[3]), out);
}

OPFN(top_linalg_pinv_atol_rtol_float) { return pinv_tols(ctx, "linalg.pinv", in, nin, out); }
OPFN(top_linalg_pinv_atol_rtol_tensor) { return pinv_tols(ctx, "linalg.pinv", in, nin, out); }
OPFN(top_linalg_pinv_rcond_tensor) {
    Tensor *A;
    double rc = 0;
    bool g;
    TS_TRY(op_tensor(ctx, "linalg.pinv", in, nin, 0, &A));
    TS_TRY(tol_arg(ctx, "linalg.pinv", in[1], &rc, &g));
    return pinv_common(ctx, "linalg.pinv", A, 0, rc, op_bool(in[2]), out);
}

/* Singular values (or |eigenvalues|, hermitian), batch x k, into *sv; descending
 * for the SVD, any order for eigenvalues. */
static ts_status abs_spectrum(Ctx *ctx, const char *op, Tensor *A, bool herm, Mats *mm, double **sv, int64_t *k) {
    *sv = NULL;
    if (herm) {
        TS_TRY(mats_load(ctx, op, A, mm));
        *k = mm->r;
        double *w = la_alloc(ctx, op, mm->batch * mm->r);
        ts_status st = w ? eigh_all(ctx, op, mm, false, false, w) : ctx->status;
        if (st != TS_OK) {
            ts_free(w);
            mats_free(mm);
            return st;
        }
        for (int64_t i = 0; i < mm->batch * mm->r; i++) w[i] = fabs(w[i]);
        *sv = w;
        return TS_OK;
    }
    Svd s;
    TS_TRY(svd_run(ctx, op, A, 'N', &s));
    *mm = s.m;
    *sv = s.s, *k = s.k;
    return TS_OK;
}

static ts_status rank_common(Ctx *ctx, const char *op, Tensor *A, bool ag, double at, bool rg, double rt, bool herm,
                             IValue *out) {
    TS_TRY(la_check(ctx, op, A, herm));
    double a, r;
    atol_rtol(A->dtype, A->sizes[A->ndim - 2], A->sizes[A->ndim - 1], ag, at, rg, rt, &a, &r);
    Mats mm;
    double *sv;
    int64_t k;
    TS_TRY(abs_spectrum(ctx, op, A, herm, &mm, &sv, &k));
    int64_t bs[TS_MAX_DIMS];
    memcpy(bs, mm.bsz, sizeof(int64_t) * (size_t)mm.bnd);
    Tensor *t = tensor_new_uninit(ctx, DT_INT64, bs, mm.bnd);
    if (t)
        for (int64_t b = 0; b < mm.batch; b++) {
            double smax = 0;
            for (int64_t i = 0; i < k; i++) smax = fmax(smax, sv[b * k + i]);
            double tol = fmax(a, r * smax);
            int64_t cnt = 0;
            for (int64_t i = 0; i < k; i++) cnt += sv[b * k + i] > tol;
            ((int64_t *)tensor_data(t))[b] = cnt;
        }
    ts_free(sv);
    mats_free(&mm);
    if (!t) return ctx->status;
    return op_return(out, t);
}

OPFN(top_linalg_matrix_rank) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "linalg.matrix_rank", in, nin, 0, &A));
    return rank_common(ctx, "linalg.matrix_rank", A, true, iv_scalar_f64(in[1]), true, 0, op_bool(in[2]), out);
}

OPFN(top_linalg_matrix_rank_tol_tensor) {
    Tensor *A;
    double t = 0;
    bool g;
    TS_TRY(op_tensor(ctx, "linalg.matrix_rank", in, nin, 0, &A));
    TS_TRY(tol_arg(ctx, "linalg.matrix_rank", in[1], &t, &g));
    return rank_common(ctx, "linalg.matrix_rank", A, true, t, true, 0, op_bool(in[2]), out);
}

static ts_status rank_tols(Ctx *ctx, IValue *in, int nin, IValue *out) {
    const char *op = "linalg.matrix_rank";
    Tensor *A;
    double at = 0, rt = 0;
    bool ag, rg;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(tol_arg(ctx, op, in[1], &at, &ag));
    TS_TRY(tol_arg(ctx, op, in[2], &rt, &rg));
    return rank_common(ctx, op, A, ag, at, rg, rt, op_bool(in[3]), out);
}

OPFN(top_linalg_matrix_rank_atol_rtol_tensor) { return rank_tols(ctx, in, nin, out); }
OPFN(top_linalg_matrix_rank_atol_rtol_float) { return rank_tols(ctx, in, nin, out); }

/* ---- matrix norms ---- */

typedef enum { MN_FRO, MN_NUC, MN_2, MN_M2, MN_1, MN_M1, MN_INF, MN_MINF } MatNorm;

static ts_status matnorm_kind(Ctx *ctx, const char *op, IValue ord, MatNorm *k) {
    if (ord.kind == IV_STR) {
        const char *s = ord.u.s->data;
        if (!strcmp(s, "fro")) *k = MN_FRO;
        else if (!strcmp(s, "nuc")) *k = MN_NUC;
        else return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Order %s not supported.", op, s);
        return TS_OK;
    }
    double p = iv_scalar_f64(ord);
    if (p == 2) *k = MN_2;
    else if (p == -2) *k = MN_M2;
    else if (p == 1) *k = MN_1;
    else if (p == -1) *k = MN_M1;
    else if (p == INFINITY) *k = MN_INF;
    else if (p == -INFINITY) *k = MN_MINF;
    else return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Order %g not supported.", op, p);
    return TS_OK;
}

/* The norm of each matrix of m (column-major r x c); spectral ones through the SVD. */
static void matnorm_values(MatNorm k, const Mats *m, const double *sv, int64_t kk, double *res) {
    int64_t r = m->r, c = m->c;
    for (int64_t b = 0; b < m->batch; b++) {
        const double *a = m->d + b * r * c;
        double v = 0;
        if (k == MN_FRO) {
            for (int64_t i = 0; i < r * c; i++) v += a[i] * a[i];
            v = sqrt(v);
        } else if (k == MN_NUC || k == MN_2 || k == MN_M2) {
            const double *s = sv + b * kk;
            if (k == MN_NUC)
                for (int64_t i = 0; i < kk; i++) v += s[i];
            else v = kk == 0 ? 0 : k == MN_2 ? s[0] : s[kk - 1];
        } else {
            bool cols = k == MN_1 || k == MN_M1, mx = k == MN_1 || k == MN_INF;
            int64_t outer = cols ? c : r, inner = cols ? r : c;
            for (int64_t o = 0; o < outer; o++) {
                double s = 0;
                for (int64_t i = 0; i < inner; i++) s += fabs(cols ? a[i + o * r] : a[o + i * r]);
                if (o == 0 || (mx ? s > v : s < v) || isnan(s)) v = isnan(v) ? v : s;
            }
        }
        res[b] = v;
    }
}

/* matrix_norm of A over dims (d0, d1) as PyTorch's linalg.matrix_norm. */
static ts_status matrix_norm(Ctx *ctx, const char *op, Tensor *A, MatNorm k, int64_t d0, int64_t d1, bool keepdim,
                             IValue dtype_iv, IValue *out) {
    if (A->dtype != DT_FLOAT32 && A->dtype != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected a floating point or complex tensor as input. Got %s", op,
                       dtype_storage_name(A->dtype));
    if (A->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: The input tensor A must have at least 2 dimensions.", op);
    int a0, a1, nd = A->ndim;
    TS_TRY(op_wrap_dim(ctx, op, d0, nd, &a0));
    TS_TRY(op_wrap_dim(ctx, op, d1, nd, &a1));
    if (a0 == a1) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dims must be different. Got (%d, %d)", op, a0, a1);
    DType dt = A->dtype;
    if (dtype_iv.kind != IV_NONE) TS_TRY(op_dtype(ctx, op, dtype_iv, &dt));
    /* a view with the two dims last */
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS], osz[TS_MAX_DIMS];
    int n = 0, on = 0;
    for (int i = 0; i < nd; i++)
        if (i != a0 && i != a1) sz[n] = A->sizes[i], st[n++] = A->strides[i];
    sz[n] = A->sizes[a0], st[n++] = A->strides[a0];
    sz[n] = A->sizes[a1], st[n++] = A->strides[a1];
    for (int i = 0; i < nd; i++) {
        if (i != a0 && i != a1) osz[on++] = A->sizes[i];
        else if (keepdim) osz[on++] = 1;
    }
    bool spectral = k == MN_NUC || k == MN_2 || k == MN_M2;
    int64_t r = sz[nd - 2], c = sz[nd - 1];
    if ((k != MN_FRO && k != MN_NUC) || spectral) {
        bool empty_bad = spectral ? (r == 0 || c == 0) : ((k == MN_1 || k == MN_M1) ? c == 0 : r == 0);
        int64_t numel = 1;
        for (int i = 0; i < nd; i++) numel *= A->sizes[i];
        if (empty_bad && (k != MN_NUC || numel != 0))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Expected a non-empty matrix for this norm", op);
    }
    Tensor *v = tensor_view(ctx, A->storage, A->dtype, A->storage_offset, sz, st, nd);
    if (!v) return ctx->status;
    Mats m;
    double *sv = NULL, *res = NULL;
    int64_t kk = 0;
    ts_status s;
    if (spectral) {
        Svd sd;
        s = svd_run(ctx, op, v, 'N', &sd);
        if (s == TS_OK) m = sd.m, sv = sd.s, kk = sd.k;
    } else {
        s = mats_load(ctx, op, v, &m);
    }
    tensor_release(v);
    if (s != TS_OK) return s;
    res = la_alloc(ctx, op, m.batch);
    Tensor *t = NULL;
    if (res) {
        matnorm_values(k, &m, sv, kk, res);
        t = from_f64(ctx, dt, osz, on, NULL, 0, res);
    }
    ts_free(res), ts_free(sv);
    mats_free(&m);
    if (!t) return ctx->status;
    return op_return(out, t);
}

static ts_status two_dims(Ctx *ctx, const char *op, IValue v, int64_t *d) {
    int n = 0;
    int64_t tmp[TS_MAX_DIMS];
    TS_TRY(op_int_list(ctx, op, v, tmp, &n));
    if (n != 2) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dim must be a 2-tuple. Got %d dims", op, n);
    d[0] = tmp[0], d[1] = tmp[1];
    return TS_OK;
}

OPFN(top_linalg_matrix_norm) {
    const char *op = "linalg.matrix_norm";
    Tensor *A;
    MatNorm k = MN_FRO;
    int64_t d[2] = {0, 0};
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(matnorm_kind(ctx, op, in[1], &k));
    TS_TRY(two_dims(ctx, op, in[2], d));
    return matrix_norm(ctx, op, A, k, d[0], d[1], op_bool(in[3]), in[4], out);
}

OPFN(top_linalg_matrix_norm_str_ord) { return top_linalg_matrix_norm(ctx, in, nin, out, info); }

OPFN(top_nuclear_norm) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "nuclear_norm", in, nin, 0, &A));
    if (A->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "nuclear_norm: Expected a tensor with 2 dimensions, but got a tensor "
                       "with %d dimensions instead.", A->ndim);
    return matrix_norm(ctx, "nuclear_norm", A, MN_NUC, -2, -1, op_bool(in[1]), iv_none(), out);
}

OPFN(top_nuclear_norm_dim) {
    Tensor *A;
    int64_t d[2] = {0, 0};
    TS_TRY(op_tensor(ctx, "nuclear_norm", in, nin, 0, &A));
    TS_TRY(two_dims(ctx, "nuclear_norm", in[1], d));
    return matrix_norm(ctx, "nuclear_norm", A, MN_NUC, d[0], d[1], op_bool(in[2]), iv_none(), out);
}

/* linalg.norm: a vector norm (dim of one entry, or none and no ord: the
 * flattened input) or a matrix norm (two dims, or a 2-D input with an ord). */
static ts_status linalg_norm(Ctx *ctx, IValue *in, int nin, IValue *out, const OpInfo *info, bool str_ord) {
    const char *op = "linalg.norm";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    int nd = 0;
    int64_t dims[TS_MAX_DIMS];
    bool has_dim = in[2].kind != IV_NONE, has_ord = in[1].kind != IV_NONE;
    if (has_dim) TS_TRY(op_int_list(ctx, op, in[2], dims, &nd));
    bool matrix;
    if (has_dim) {
        if (nd != 1 && nd != 2)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: If dim is specified, it must be of length 1 or 2. Got [%d dims]",
                           op, nd);
        matrix = nd == 2;
    } else if (!has_ord) {
        matrix = false;
    } else {
        if (A->ndim != 2 && (A->ndim != 1 || str_ord))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: If dim is not specified but ord is, the input must be 1D or "
                           "2D. Got %dD.", op, A->ndim);
        matrix = A->ndim == 2;
    }
    if (matrix) {
        MatNorm k = MN_FRO;
        if (has_ord) TS_TRY(matnorm_kind(ctx, op, in[1], &k));
        return matrix_norm(ctx, op, A, k, has_dim ? dims[0] : -2, has_dim ? dims[1] : -1, op_bool(in[3]), in[4], out);
    }
    if (str_ord)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Order %s not supported for a vector norm.", op, in[1].u.s->data);
    IValue args[5] = {in[0], has_ord ? in[1] : iv_int(2), in[2], in[3], in[4]};
    return top_linalg_vector_norm(ctx, args, 5, out, info);
}

OPFN(top_linalg_norm) { return linalg_norm(ctx, in, nin, out, info, false); }
OPFN(top_linalg_norm_ord_str) { return linalg_norm(ctx, in, nin, out, info, true); }

/* cond: sigma_max / sigma_min for p None or +-2; else norm(A) * norm(A^-1) (inf where singular). */
static ts_status cond_common(Ctx *ctx, IValue *in, int nin, IValue *out, IValue p) {
    const char *op = "linalg.cond";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    MatNorm k = MN_2;
    if (p.kind != IV_NONE) TS_TRY(matnorm_kind(ctx, op, p, &k));
    TS_TRY(la_check(ctx, op, A, !(k == MN_2 || k == MN_M2)));
    Mats m;
    Tensor *t = NULL;
    if (k == MN_2 || k == MN_M2) {
        Svd s;
        TS_TRY(svd_run(ctx, op, A, 'N', &s));
        double *res = la_alloc(ctx, op, s.m.batch);
        if (res) {
            for (int64_t b = 0; b < s.m.batch; b++) {
                double hi = s.k ? s.s[b * s.k] : 0, lo = s.k ? s.s[b * s.k + s.k - 1] : 0;
                res[b] = k == MN_2 ? hi / lo : lo / hi;
            }
            t = from_f64(ctx, A->dtype, s.m.bsz, s.m.bnd, NULL, 0, res);
        }
        ts_free(res);
        svd_free(&s);
        if (!t) return ctx->status;
        return op_return(out, t);
    }
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t n = m.r;
    double *res = la_alloc(ctx, op, 2 * m.batch);
    int32_t *info = res ? la_alloc(ctx, op, m.batch) : NULL;
    double *sv = NULL;
    ts_status st = info ? TS_OK : ctx->status;
    if (st == TS_OK && k == MN_NUC) { /* nuclear norms need the SVD of A and of A^-1 */
        Mats c = m;
        c.d = la_alloc(ctx, op, m.batch * n * n);
        sv = la_alloc(ctx, op, m.batch * n);
        if (!c.d || !sv) {
            ts_free(c.d);
            st = ctx->status;
        } else {
            double *tmp = la_alloc(ctx, op, n * n);
            for (int64_t b = 0; tmp && b < m.batch; b++) {
                memcpy(tmp, m.d + b * n * n, sizeof(double) * (size_t)(n * n));
                la_gesdd('N', n, n, tmp, sv + b * n, NULL, NULL);
            }
            ts_free(tmp);
            matnorm_values(k, &m, sv, n, res);
            memcpy(c.d, m.d, sizeof(double) * (size_t)(m.batch * n * n));
            st = inv_all(ctx, op, &c, info);
            for (int64_t b = 0; st == TS_OK && b < m.batch; b++) {
                tmp = la_alloc(ctx, op, n * n);
                if (!tmp) break;
                memcpy(tmp, c.d + b * n * n, sizeof(double) * (size_t)(n * n));
                la_gesdd('N', n, n, tmp, sv + b * n, NULL, NULL);
                ts_free(tmp);
            }
            matnorm_values(k, &c, sv, n, res + m.batch);
            ts_free(c.d);
        }
    } else if (st == TS_OK) {
        matnorm_values(k, &m, NULL, 0, res);
        st = inv_all(ctx, op, &m, info);
        if (st == TS_OK) matnorm_values(k, &m, NULL, 0, res + m.batch);
    }
    if (st == TS_OK) {
        for (int64_t b = 0; b < m.batch; b++) res[b] = info[b] > 0 ? INFINITY : res[b] * res[m.batch + b];
        t = from_f64(ctx, A->dtype, m.bsz, m.bnd, NULL, 0, res);
    }
    ts_free(res), ts_free(info), ts_free(sv);
    mats_free(&m);
    if (st != TS_OK) return st;
    if (!t) return ctx->status;
    return op_return(out, t);
}

OPFN(top_linalg_cond) { return cond_common(ctx, in, nin, out, in[1]); }
OPFN(top_linalg_cond_p_str) { return cond_common(ctx, in, nin, out, in[1]); }

/* ---- Householder QR pieces: qr, geqrf, householder_product (orgqr), ormqr ---- */

OPFN(top_qr) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, "qr", in, nin, 0, &A));
    IValue args[2] = {in[0], iv_cstr(op_bool(in[1]) ? "reduced" : "complete")};
    if (args[1].kind != IV_STR) return ctx->status ? ctx->status : ts_fail(ctx, TS_ERR_NOMEM, NULL, "qr: out of memory");
    ts_status st = top_linalg_qr(ctx, args, 2, out, info);
    iv_release(args[1]);
    return st;
}

OPFN(top_geqrf) {
    const char *op = "torch.geqrf";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    if (A->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input must have at least 2 dimensions.", op);
    TS_TRY(la_check(ctx, op, A, false));
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t k = m.r < m.c ? m.r : m.c;
    double *tau = la_alloc(ctx, op, m.batch * k);
    Tensor *ta = NULL, *tt = NULL;
    if (tau) {
        for (int64_t b = 0; b < m.batch; b++) la_geqrf(m.r, m.c, m.d + b * m.r * m.c, tau + b * k);
        ta = mats_tensor(ctx, op, A->dtype, m.bsz, m.bnd, m.batch, m.r, m.c, m.d);
        tt = ta ? from_f64(ctx, A->dtype, m.bsz, m.bnd, &k, 1, tau) : NULL;
    }
    ts_free(tau);
    mats_free(&m);
    if (!ta || !tt) {
        tensor_release(ta);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(ta);
    out[1] = iv_tensor_steal(tt);
    return TS_OK;
}

/* tau (..., k) for the batch of m: its batch dims must be input's. */
static ts_status tau_check(Ctx *ctx, const char *op, const Tensor *A, const Tensor *tau) {
    if (tau->ndim != A->ndim - 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected tau to have one dimension less than input, but got "
                       "tau.ndim equal to %d and input.ndim is equal to %d", op, tau->ndim, A->ndim);
    for (int i = 0; i < A->ndim - 2; i++)
        if (tau->sizes[i] != A->sizes[i])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected batch dimensions of tau to be equal to "
                           "input.shape[:-2], but got tau.shape[%d] = %" PRId64 " and input.shape[%d] = %" PRId64,
                           op, i, tau->sizes[i], i, A->sizes[i]);
    if (tau->dtype != A->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: tau dtype %s does not match input dtype %s", op,
                       dtype_name(tau->dtype), dtype_name(A->dtype));
    return TS_OK;
}

OPFN(top_linalg_householder_product) {
    const char *op = "torch.linalg.householder_product";
    Tensor *A, *tau;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &tau));
    if (A->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input must have at least 2 dimensions.", op);
    TS_TRY(la_check(ctx, op, A, false));
    int64_t m = A->sizes[A->ndim - 2], n = A->sizes[A->ndim - 1];
    if (m < n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input.shape[-2] must be greater than or equal to input.shape[-1]", op);
    TS_TRY(tau_check(ctx, op, A, tau));
    int64_t k = tau->sizes[tau->ndim - 1];
    if (k > n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input.shape[-1] must be greater than or equal to tau.shape[-1]", op);
    Mats ma;
    TS_TRY(mats_load(ctx, op, A, &ma));
    Tensor *tc = tensor_to_dtype(ctx, tau, DT_FLOAT64), *r = NULL;
    if (tc) {
        for (int64_t b = 0; b < ma.batch; b++)
            la_orgqr(m, n, k, ma.d + b * m * n, (const double *)tensor_data(tc) + b * k);
        r = mats_tensor(ctx, op, A->dtype, ma.bsz, ma.bnd, ma.batch, m, n, ma.d);
    }
    tensor_release(tc);
    mats_free(&ma);
    if (!r) return ctx->status;
    return op_return(out, r);
}

OPFN(top_ormqr) {
    const char *op = "torch.ormqr";
    Tensor *A, *tau, *C;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &tau));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &C));
    bool left = op_bool(in[3]), trans = op_bool(in[4]);
    if (A->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input must have at least 2 dimensions.", op);
    if (C->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: other must have at least 2 dimensions.", op);
    TS_TRY(la_check(ctx, op, A, false));
    int64_t nq = left ? C->sizes[C->ndim - 2] : C->sizes[C->ndim - 1];
    int64_t k = tau->ndim ? tau->sizes[tau->ndim - 1] : 0;
    if (k > A->sizes[A->ndim - 1])
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: tau.shape[-1] must be less than or equal to input.shape[-1]", op);
    if (A->sizes[A->ndim - 2] != nq)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: other.shape[%d] must be equal to input.shape[-2]", op,
                       left ? -2 : -1);
    if (k > nq)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input.shape[-2] must be greater than or equal to tau.shape[-1]", op);
    if (C->ndim != A->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input.dim() must be equal to other.dim()", op);
    for (int i = 0; i < A->ndim - 2; i++)
        if (C->sizes[i] != A->sizes[i])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected batch dimensions of other to be equal to "
                           "input.shape[:-2]", op);
    TS_TRY(tau_check(ctx, op, A, tau));
    if (C->dtype != A->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: other dtype %s does not match input dtype %s", op,
                       dtype_name(C->dtype), dtype_name(A->dtype));
    Mats ma, mc;
    TS_TRY(mats_load(ctx, op, A, &ma));
    ts_status st = mats_load(ctx, op, C, &mc);
    if (st != TS_OK) {
        mats_free(&ma);
        return st;
    }
    Tensor *tc = tensor_to_dtype(ctx, tau, DT_FLOAT64), *r = NULL;
    if (tc) {
        for (int64_t b = 0; b < mc.batch; b++)
            la_ormqr(left, trans, mc.r, mc.c, k, ma.d + b * ma.r * ma.c, (const double *)tensor_data(tc) + b * k,
                     mc.d + b * mc.r * mc.c);
        r = mats_tensor(ctx, op, A->dtype, mc.bsz, mc.bnd, mc.batch, mc.r, mc.c, mc.d);
    }
    tensor_release(tc);
    mats_free(&ma), mats_free(&mc);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- matrix_exp: scaling and squaring with the degree-13 Padé approximant
 * (Higham 2005) in float64 ---- */

/* c (n x n) = a b, column-major */
static void mm_cm(int64_t n, const double *a, const double *b, double *c) {
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < n; i++) {
            double s = 0;
            for (int64_t q = 0; q < n; q++) s += a[i + q * n] * b[q + j * n];
            c[i + j * n] = s;
        }
}

static void expm_one(int64_t n, double *a, double *w) {
    static const double b[14] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
                                 129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
                                 40840800.0, 960960.0, 16380.0, 182.0, 1.0};
    int64_t nn = n * n;
    double *a2 = w, *a4 = w + nn, *a6 = w + 2 * nn, *u = w + 3 * nn, *v = w + 4 * nn, *t = w + 5 * nn, *t2 = w + 6 * nn;
    int32_t *piv = (int32_t *)(w + 7 * nn);
    double norm1 = 0;
    for (int64_t j = 0; j < n; j++) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += fabs(a[i + j * n]);
        norm1 = fmax(norm1, s);
    }
    int s = 0;
    if (norm1 > 5.371920351148152) s = (int)ceil(log2(norm1 / 5.371920351148152));
    if (s > 0) {
        double f = ldexp(1.0, -s);
        for (int64_t i = 0; i < nn; i++) a[i] *= f;
    }
    mm_cm(n, a, a, a2), mm_cm(n, a2, a2, a4), mm_cm(n, a4, a2, a6);
    /* U = A [A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I] */
    for (int64_t i = 0; i < nn; i++) t[i] = b[13] * a6[i] + b[11] * a4[i] + b[9] * a2[i];
    mm_cm(n, a6, t, t2);
    for (int64_t i = 0; i < nn; i++)
        t[i] = t2[i] + b[7] * a6[i] + b[5] * a4[i] + b[3] * a2[i] + (i % (n + 1) == 0 ? b[1] : 0);
    mm_cm(n, a, t, u);
    /* V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I */
    for (int64_t i = 0; i < nn; i++) t[i] = b[12] * a6[i] + b[10] * a4[i] + b[8] * a2[i];
    mm_cm(n, a6, t, t2);
    for (int64_t i = 0; i < nn; i++)
        v[i] = t2[i] + b[6] * a6[i] + b[4] * a4[i] + b[2] * a2[i] + (i % (n + 1) == 0 ? b[0] : 0);
    /* (V - U) X = (V + U) */
    for (int64_t i = 0; i < nn; i++) t[i] = v[i] - u[i], a[i] = v[i] + u[i];
    la_getrf(n, n, t, piv);
    la_getrs(false, n, n, t, piv, a);
    for (int i = 0; i < s; i++) {
        mm_cm(n, a, a, t);
        memcpy(a, t, sizeof(double) * (size_t)nn);
    }
}

OPFN(top_linalg_matrix_exp) {
    const char *op = "linalg.matrix_exp";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, true));
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t n = m.r;
    double *w = la_alloc(ctx, op, 8 * n * n + n);
    Tensor *r = NULL;
    if (w) {
        for (int64_t b = 0; b < m.batch; b++) expm_one(n, m.d + b * n * n, w);
        r = mats_tensor(ctx, op, A->dtype, m.bsz, m.bnd, m.batch, n, n, m.d);
    }
    ts_free(w);
    mats_free(&m);
    if (!r) return ctx->status;
    return op_return(out, r);
}

OPFN(top_matrix_exp) { return top_linalg_matrix_exp(ctx, in, nin, out, info); }

/* ---- lstsq: the least-squares solution through the SVD (every driver's
 * answer for a full-rank A; gelsy / gelsd / gelss's minimum-norm one, rank
 * and singular values with rcond otherwise) ---- */

OPFN(top_linalg_lstsq) {
    const char *op = "torch.linalg.lstsq";
    Tensor *A, *B;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &B));
    if (A->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input must have at least 2 dimensions.", op);
    if (B->ndim < 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: other must have at least 1 dimension.", op);
    TS_TRY(la_check(ctx, op, A, false));
    if (B->dtype != A->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected input and other to have the same dtype, but got input's "
                       "dtype %s and other's dtype %s", op, dtype_storage_name(A->dtype), dtype_storage_name(B->dtype));
    const char *driver = in[3].kind == IV_STR ? in[3].u.s->data : "gelsy";
    bool gels = !strcmp(driver, "gels"), gelsy = !strcmp(driver, "gelsy");
    bool with_sv = !strcmp(driver, "gelsd") || !strcmp(driver, "gelss");
    if (!gels && !gelsy && !with_sv)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)", op);
    bool vec = B->ndim == A->ndim - 1;
    Tensor *Bm = vec ? with_unit_dim(ctx, B, true) : tensor_retain(B);
    if (!Bm) return ctx->status;
    if (Bm->sizes[Bm->ndim - 2] != A->sizes[A->ndim - 2]) {
        tensor_release(Bm);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input.size(-2) should match other.size(-2)", op);
    }
    Mats ma, mb;
    ts_status st = mats_load_pair(ctx, op, A, Bm, &ma, &mb);
    tensor_release(Bm);
    if (st != TS_OK) return st;
    int64_t m = ma.r, n = ma.c, k = m < n ? m : n, nr = mb.c, batch = ma.batch;
    double rcond = in[2].kind == IV_NONE ? dtype_eps(A->dtype) * (double)(m > n ? m : n) : iv_scalar_f64(in[2]);
    double *a = la_alloc(ctx, op, m * n), *s = la_alloc(ctx, op, batch * k), *u = la_alloc(ctx, op, m * k);
    double *vt = la_alloc(ctx, op, k * n), *x = la_alloc(ctx, op, batch * n * nr), *res = la_alloc(ctx, op, batch * nr);
    int64_t *rank = ts_malloc(sizeof(int64_t) * (size_t)(batch > 0 ? batch : 1));
    if (!a || !s || !u || !vt || !x || !res || !rank) st = ctx->status ? ctx->status : ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    bool full_rank = true;
    for (int64_t b = 0; st == TS_OK && b < batch; b++) {
        memcpy(a, ma.d + b * m * n, sizeof(double) * (size_t)(m * n));
        double *sb = s + b * k, *xb = x + b * n * nr, *bb = mb.d + b * m * nr;
        memset(u, 0, sizeof(double) * (size_t)(m * k)), memset(vt, 0, sizeof(double) * (size_t)(k * n));
        if (la_gesdd('S', m, n, a, sb, u, vt) != 0) {
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: the SVD did not converge", op);
            break;
        }
        double tol = gels ? 0 : rcond * (k ? sb[0] : 0);
        int64_t r = 0;
        for (int64_t q = 0; q < k; q++) r += sb[q] > tol;
        rank[b] = r;
        if (r < n) full_rank = false;
        for (int64_t c = 0; c < nr; c++) /* x = V S^+ U^T b */
            for (int64_t i = 0; i < n; i++) {
                double acc = 0;
                for (int64_t q = 0; q < k; q++) {
                    if (!(sb[q] > tol)) continue;
                    double ub = 0;
                    for (int64_t j = 0; j < m; j++) ub += u[j + q * m] * bb[j + c * m];
                    acc += vt[q + i * k] * ub / sb[q];
                }
                xb[i + c * n] = acc;
            }
        for (int64_t c = 0; c < nr; c++) { /* ||A x - b||^2 per column */
            double acc = 0;
            for (int64_t j = 0; j < m; j++) {
                double e = -bb[j + c * m];
                for (int64_t i = 0; i < n; i++) e += ma.d[b * m * n + j + i * m] * xb[i + c * n];
                acc += e * e;
            }
            res[b * nr + c] = acc;
        }
    }
    Tensor *t[4] = {NULL, NULL, NULL, NULL};
    if (st == TS_OK) {
        int64_t zero = 0;
        if (vec) t[0] = from_f64(ctx, A->dtype, mb.bsz, mb.bnd, &n, 1, x);
        else t[0] = mats_tensor(ctx, op, A->dtype, mb.bsz, mb.bnd, batch, n, nr, x);
        bool want_res = m > n && !gelsy && (gels || full_rank);
        t[1] = want_res ? from_f64(ctx, A->dtype, mb.bsz, mb.bnd, &nr, 1, res) : tensor_empty(ctx, A->dtype, &zero, 1);
        if (gels) {
            t[2] = tensor_empty(ctx, DT_INT64, &zero, 1);
        } else {
            t[2] = tensor_new_uninit(ctx, DT_INT64, ma.bsz, ma.bnd);
            if (t[2]) memcpy(tensor_data(t[2]), rank, sizeof(int64_t) * (size_t)batch);
        }
        t[3] = with_sv ? from_f64(ctx, A->dtype, ma.bsz, ma.bnd, &k, 1, s) : tensor_empty(ctx, A->dtype, &zero, 1);
        for (int i = 0; i < 4; i++)
            if (!t[i]) st = ctx->status;
    }
    ts_free(a), ts_free(s), ts_free(u), ts_free(vt), ts_free(x), ts_free(res), ts_free(rank);
    mats_free(&ma), mats_free(&mb);
    if (st != TS_OK) {
        for (int i = 0; i < 4; i++) tensor_release(t[i]);
        return st;
    }
    for (int i = 0; i < 4; i++) out[i] = iv_tensor_steal(t[i]);
    return TS_OK;
}

/* ---- LDL^T (Bunch-Kaufman): ldl_factor(_ex), ldl_solve ---- */

static ts_status ldl_common(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool ex, bool check) {
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(la_check(ctx, op, A, true));
    Mats m;
    TS_TRY(mats_load(ctx, op, A, &m));
    int64_t n = m.r;
    int32_t *piv = la_alloc(ctx, op, m.batch * n), *info = la_alloc(ctx, op, m.batch);
    ts_status st = piv && info ? TS_OK : ctx->status;
    for (int64_t b = 0; st == TS_OK && b < m.batch; b++) {
        double *a = m.d + b * n * n;
        for (int64_t j = 0; j < n; j++) /* PyTorch factors tril(A): the upper triangle stays zero */
            for (int64_t i = 0; i < j; i++) a[i + j * n] = 0;
        info[b] = la_sytrf(n, a, piv + b * n);
        if (check && info[b] > 0) {
            char buf[48];
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s%s: The factorization could not be completed because the input "
                         "matrix is singular (D[%d, %d] is zero).", op, batch_prefix(buf, sizeof buf, m.bnd, b),
                         (int)info[b] - 1, (int)info[b] - 1);
        }
    }
    Tensor *t[3] = {NULL, NULL, NULL};
    if (st == TS_OK) {
        t[0] = mats_tensor(ctx, op, A->dtype, m.bsz, m.bnd, m.batch, n, n, m.d);
        t[1] = t[0] ? from_i32(ctx, m.bsz, m.bnd, &n, 1, piv) : NULL;
        t[2] = t[1] && ex ? from_i32(ctx, m.bsz, m.bnd, NULL, 0, info) : NULL;
        if (!t[0] || !t[1] || (ex && !t[2])) st = ctx->status;
    }
    ts_free(piv), ts_free(info);
    mats_free(&m);
    if (st != TS_OK) {
        for (int i = 0; i < 3; i++) tensor_release(t[i]);
        return st;
    }
    for (int i = 0; i < (ex ? 3 : 2); i++) out[i] = iv_tensor_steal(t[i]);
    return TS_OK;
}

OPFN(top_linalg_ldl_factor) { return ldl_common(ctx, "torch.linalg.ldl_factor", in, nin, out, false, true); }
OPFN(top_linalg_ldl_factor_ex) {
    return ldl_common(ctx, "torch.linalg.ldl_factor_ex", in, nin, out, true, op_bool(in[2]));
}

OPFN(top_linalg_ldl_solve) {
    const char *op = "torch.linalg.ldl_solve";
    Tensor *LD, *P, *B;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &LD));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &P));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &B));
    TS_TRY(la_check(ctx, op, LD, true));
    TS_TRY(la_check(ctx, op, B, false));
    int64_t n = LD->sizes[LD->ndim - 1];
    if (P->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected pivots to be integers. Got %s", op, dtype_storage_name(P->dtype));
    if (P->ndim != LD->ndim - 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected LD.dim() - 1 == pivots.dim()", op);
    for (int i = 0; i < P->ndim; i++)
        if (P->sizes[i] != LD->sizes[i])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected LD.shape[:-1] == pivots.shape", op);
    if (B->sizes[B->ndim - 2] != n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Incompatible shapes of A and B for the equation AX = B", op);
    if (B->dtype != LD->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: LD dtype %s does not match B dtype %s", op,
                       dtype_name(LD->dtype), dtype_name(B->dtype));
    Mats ma, mb;
    TS_TRY(mats_load_pair(ctx, op, LD, B, &ma, &mb));
    Tensor *pc = tensor_contiguous(ctx, P);
    int32_t *pv = pc ? la_alloc(ctx, op, n) : NULL;
    ts_status st = pv ? TS_OK : ctx->status;
    int lb = LD->ndim - 2;
    int64_t lstride[TS_MAX_DIMS];
    for (int64_t i = lb - 1, s = 1; i >= 0; i--) lstride[i] = s, s *= LD->sizes[i];
    for (int64_t b = 0; st == TS_OK && b < ma.batch; b++) {
        int64_t rem = b, src = 0;
        for (int i = ma.bnd - 1, j = lb - 1; i >= 0; i--, j--) {
            int64_t idx = rem % ma.bsz[i];
            rem /= ma.bsz[i];
            if (j >= 0 && LD->sizes[j] != 1) src += idx * lstride[j];
        }
        const int32_t *piv = (const int32_t *)tensor_data(pc) + src * n;
        bool ok = true; /* pivots outside 1..n (or a broken 2x2 pair) would index out of bounds */
        for (int64_t i = 0; i < n; i++) {
            int32_t p = piv[i] > 0 ? piv[i] : -piv[i];
            if (p < 1 || p > n) ok = false;
            if (piv[i] < 0 && (i + 1 >= n || piv[i + 1] != piv[i])) ok = false;
            if (piv[i] < 0) i++;
        }
        if (!ok) {
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: invalid pivots (expected the output of linalg.ldl_factor)", op);
            break;
        }
        memcpy(pv, piv, sizeof(int32_t) * (size_t)n);
        la_sytrs(n, mb.c, ma.d + b * n * n, pv, mb.d + b * mb.r * mb.c);
    }
    Tensor *r = NULL;
    if (st == TS_OK) {
        r = mats_tensor(ctx, op, B->dtype, mb.bsz, mb.bnd, mb.batch, mb.r, mb.c, mb.d);
        if (!r) st = ctx->status;
    }
    tensor_release(pc);
    ts_free(pv);
    mats_free(&ma), mats_free(&mb);
    if (st != TS_OK) return st;
    return op_return(out, r);
}
