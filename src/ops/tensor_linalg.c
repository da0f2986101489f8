/*
 * tensor_linalg.c - matrix products: aten::mm, addmm, bmm, dot, mv, matmul
 * (every rank case of torch.matmul, batch dims broadcast) and linear.
 *
 * Each op follows the path PyTorch 1.13 takes on the CPU, because the path
 * decides the summation order and so the float rounding:
 *  - mm/addmm/mv/dot call the backend's BLAS-like entry (the same OpenBLAS
 *    PyTorch calls, when built in), so they match PyTorch bit for bit;
 *  - bmm of small matrices (rows*cols*k < 400) uses the naive in-order loop,
 *    as PyTorch's bmm does, and per-batch gemm otherwise;
 *  - matmul folds batch dims into one mm/mv where PyTorch's should_fold says
 *    so (also for 1-d/2-d @ >=3-d, by transposing both sides) and uses bmm
 *    semantics otherwise;
 *  - linear is addmm for a 2-d (or contiguous 3-d) input with a bias, and
 *    matmul followed by an in-place add of the bias otherwise.
 * float16/bfloat16 compute in float32 and integers in int64 (wrapping),
 * converted back at the end. Outputs are new contiguous tensors.
 */
#include <inttypes.h>

#include "ops/tensor_ops.h"

/* A matrix view: element (i, j) at data + (i * rs + j * cs) * esize. */
typedef struct Mat {
    char *data;
    int64_t rows, cols, rs, cs;
} Mat;

static Mat mat_2d(const Tensor *t) {
    Mat m = {tensor_data(t), t->sizes[0], t->sizes[1], t->strides[0], t->strides[1]};
    return m;
}

/* A BLAS can take the matrix as it is (one unit stride, a valid leading dim). */
static bool mat_blas_ok(Mat m) {
    if ((m.cs == 1 || m.cols == 1) && m.rs >= TS_MAX(1, m.cols)) return true;
    if ((m.rs == 1 || m.rows == 1) && m.cs >= TS_MAX(1, m.rows)) return true;
    return false;
}

static bool tensor_blas_ok(const Tensor *t) {
    if (t->ndim < 2) return true;
    Mat m = {NULL, t->sizes[t->ndim - 2], t->sizes[t->ndim - 1], t->strides[t->ndim - 2],
             t->strides[t->ndim - 1]};
    return mat_blas_ok(m);
}

/* c = alpha * a b + beta * c in dtype ct (float32, float64 or int64). naive:
 * use the in-order reference loop even when a BLAS is available. */
static void gemm_mat(DType ct, bool naive, double alpha, Mat a, Mat b, double beta, Mat c) {
    const KernelBackend *be = naive ? kernels_ref_backend() : kernels_backend();
    int64_t M = a.rows, K = a.cols, N = b.cols;
    if (ct == DT_FLOAT32)
        be->sgemm(M, N, K, (float)alpha, (const float *)a.data, a.rs, a.cs, (const float *)b.data, b.rs, b.cs,
                  (float)beta, (float *)c.data, c.rs, c.cs);
    else if (ct == DT_FLOAT64)
        be->dgemm(M, N, K, alpha, (const double *)a.data, a.rs, a.cs, (const double *)b.data, b.rs, b.cs, beta,
                  (double *)c.data, c.rs, c.cs);
    else
        kref_igemm(M, N, K, (const int64_t *)a.data, a.rs, a.cs, (const int64_t *)b.data, b.rs, b.cs, beta != 0,
                   (int64_t *)c.data, c.rs, c.cs);
}

/* The dtype a product of a and b computes in. */
static ts_status mm_dtype(Ctx *ctx, const char *op, const Tensor *a, const Tensor *b, DType *ct) {
    if (a->dtype != b->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected both operands to have the same dtype, but got %s and %s",
                       op, dtype_name(a->dtype), dtype_name(b->dtype));
    DType d = a->dtype;
    if (d == DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: matrix products are not defined for bool tensors", op);
    *ct = d == DT_FLOAT64 ? DT_FLOAT64 : dtype_is_float(d) ? DT_FLOAT32 : DT_INT64;
    return TS_OK;
}

/* t in dtype ct, laid out so a BLAS accepts its last two dims (a new reference). */
static Tensor *prep(Ctx *ctx, Tensor *t, DType ct) {
    if (t->dtype != ct) return tensor_to_dtype(ctx, t, ct);
    if (!tensor_blas_ok(t)) return tensor_contiguous(ctx, t);
    return tensor_retain(t);
}

/* r converted back to dt (consumes r). */
static Tensor *finish(Ctx *ctx, Tensor *r, DType dt) { return op_cast_steal(ctx, r, dt); }

static ts_status shape_mismatch(Ctx *ctx, const char *op, const Tensor *a, const Tensor *b) {
    ShapeText s1, s2;
    return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: mat1 and mat2 shapes cannot be multiplied (%s and %s)", op,
                   op_shape(&s1, a), op_shape(&s2, b));
}

/* ---- mm / addmm ---- */

/* self (broadcast to n x p; NULL: none) * beta + alpha * a b, a and b 2-d. */
static ts_status addmm_impl(Ctx *ctx, const char *op, Tensor *self, Tensor *a, Tensor *b, double beta,
                            double alpha, Tensor **out) {
    if (a->ndim != 2 || b->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 2-d matrices, got %d-d and %d-d", op, a->ndim, b->ndim);
    if (a->sizes[1] != b->sizes[0]) {
        ShapeText s1, s2;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: mat1 and mat2 shapes cannot be multiplied (%" PRId64 "x%" PRId64
                       " and %" PRId64 "x%" PRId64 "); shapes %s and %s",
                       op, a->sizes[0], a->sizes[1], b->sizes[0], b->sizes[1], op_shape(&s1, a), op_shape(&s2, b));
    }
    DType ct = DT_FLOAT32;
    TS_TRY(mm_dtype(ctx, op, a, b, &ct));
    if (self && self->dtype != a->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected self to have dtype %s, but got %s", op,
                       dtype_name(a->dtype), dtype_name(self->dtype));
    if (ct == DT_INT64 && (alpha != 1 || (beta != 0 && beta != 1)))
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: integer matrices with alpha != 1 or beta != 0, 1", op);
    int64_t osz[2] = {a->sizes[0], b->sizes[1]};
    Tensor *pa = NULL, *pb = NULL, *r = NULL, *sv = NULL;
    if (!self || beta == 0) beta = 0;
    else {
        sv = tensor_expand(ctx, self, osz, 2);
        if (!sv) return ctx->status;
    }
    /* the product writes every element, except when K == 0 (zeros) */
    bool k0 = a->sizes[1] == 0;
    if (!(pa = prep(ctx, a, ct)) || !(pb = prep(ctx, b, ct)) ||
        !(r = k0 ? tensor_empty(ctx, ct, osz, 2) : tensor_new_uninit(ctx, ct, osz, 2)))
        goto fail;
    if (sv) tensor_copy_into(r, sv);
    gemm_mat(ct, false, alpha, mat_2d(pa), mat_2d(pb), beta, mat_2d(r));
    tensor_release(pa);
    tensor_release(pb);
    tensor_release(sv);
    r = finish(ctx, r, a->dtype);
    if (!r) return ctx->status;
    *out = r;
    return TS_OK;
fail:
    tensor_release(pa);
    tensor_release(pb);
    tensor_release(sv);
    tensor_release(r);
    return ctx->status;
}

OPFN(top_mm) {
    Tensor *a, *b, *r;
    TS_TRY(op_tensor(ctx, "mm", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "mm", in, nin, 1, &b));
    if (a->ndim != 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "mm: self must be a matrix, got %d-d", a->ndim);
    if (b->ndim != 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "mm: mat2 must be a matrix, got %d-d", b->ndim);
    TS_TRY(addmm_impl(ctx, "mm", NULL, a, b, 0, 1, &r));
    return op_return(out, r);
}

OPFN(top_addmm) {
    Tensor *s, *a, *b, *r;
    TS_TRY(op_tensor(ctx, "addmm", in, nin, 0, &s));
    TS_TRY(op_tensor(ctx, "addmm", in, nin, 1, &a));
    TS_TRY(op_tensor(ctx, "addmm", in, nin, 2, &b));
    if (a->ndim != 2 || b->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "addmm: mat1 and mat2 must be matrices, got %d-d and %d-d", a->ndim,
                       b->ndim);
    TS_TRY(addmm_impl(ctx, "addmm", s, a, b, iv_scalar_f64(in[3]), iv_scalar_f64(in[4]), &r));
    return op_return(out, r);
}

/* ---- batched products ---- */

/* out[batch..., n, p] = a[batch..., n, m] @ b[batch..., m, p] where a and b
 * are views of the full (broadcast) batch shape, computed batch by batch.
 * naive_small: PyTorch's bmm uses an in-order loop when n*m*p < 400. */
static ts_status batched(Ctx *ctx, Tensor *a, Tensor *b, DType ct, bool naive_small, Tensor **out) {
    int nb = a->ndim - 2;
    int64_t n = a->sizes[nb], m = a->sizes[nb + 1], p = b->sizes[nb + 1];
    int64_t osz[TS_MAX_DIMS];
    for (int d = 0; d < nb; d++) osz[d] = a->sizes[d];
    osz[nb] = n;
    osz[nb + 1] = p;
    bool naive = naive_small && n * m * p < 400;
    Tensor *pa, *pb, *r = NULL;
    if (naive) {
        pa = op_as_dtype(ctx, a, ct);
        pb = pa ? op_as_dtype(ctx, b, ct) : NULL;
    } else {
        pa = prep(ctx, a, ct);
        pb = pa ? prep(ctx, b, ct) : NULL;
    }
    r = pa && pb ? (m ? tensor_new_uninit(ctx, ct, osz, nb + 2) : tensor_empty(ctx, ct, osz, nb + 2)) : NULL;
    if (!r) {
        tensor_release(pa);
        tensor_release(pb);
        return ctx->status;
    }
    int64_t nbatch = 1;
    for (int d = 0; d < nb; d++) nbatch *= osz[d];
    size_t es = dtype_size(ct);
    int64_t idx[TS_MAX_DIMS] = {0};
    for (int64_t i = 0; i < nbatch; i++) {
        int64_t oa = 0, ob = 0, oc = 0;
        for (int d = 0; d < nb; d++) {
            oa += idx[d] * pa->strides[d];
            ob += idx[d] * pb->strides[d];
            oc += idx[d] * r->strides[d];
        }
        Mat ma = {(char *)tensor_data(pa) + oa * (int64_t)es, n, m, pa->strides[nb], pa->strides[nb + 1]};
        Mat mb = {(char *)tensor_data(pb) + ob * (int64_t)es, m, p, pb->strides[nb], pb->strides[nb + 1]};
        Mat mc = {(char *)tensor_data(r) + oc * (int64_t)es, n, p, r->strides[nb], r->strides[nb + 1]};
        gemm_mat(ct, naive, 1, ma, mb, 0, mc);
        for (int d = nb - 1; d >= 0; d--) {
            if (++idx[d] < osz[d]) break;
            idx[d] = 0;
        }
    }
    tensor_release(pa);
    tensor_release(pb);
    *out = r;
    return TS_OK;
}

OPFN(top_bmm) {
    Tensor *a, *b, *r;
    TS_TRY(op_tensor(ctx, "bmm", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "bmm", in, nin, 1, &b));
    if (a->ndim != 3) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "bmm: batch1 must be a 3D tensor, got %d-d", a->ndim);
    if (b->ndim != 3) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "bmm: batch2 must be a 3D tensor, got %d-d", b->ndim);
    if (b->sizes[0] != a->sizes[0] || b->sizes[1] != a->sizes[2]) {
        ShapeText s1;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "bmm: expected size for first two dimensions of batch2 tensor to be: [%" PRId64 ", %" PRId64
                       "] but got: [%" PRId64 ", %" PRId64 "] (batch1 is %s)",
                       a->sizes[0], a->sizes[2], b->sizes[0], b->sizes[1], op_shape(&s1, a));
    }
    DType ct = DT_FLOAT32;
    TS_TRY(mm_dtype(ctx, "bmm", a, b, &ct));
    TS_TRY(batched(ctx, a, b, ct, true, &r));
    r = finish(ctx, r, a->dtype);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- dot / mv ---- */

static ts_status dot_impl(Ctx *ctx, const char *op, Tensor *a, Tensor *b, Tensor **out) {
    if (a->ndim != 1 || b->ndim != 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: 1D tensors expected, but got %dD and %dD tensors", op, a->ndim,
                       b->ndim);
    if (a->sizes[0] != b->sizes[0])
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: inconsistent tensor size, expected tensor [%" PRId64 "] and src [%" PRId64
                       "] to have the same number of elements, but got %" PRId64 " and %" PRId64 " elements respectively",
                       op, a->sizes[0], b->sizes[0], a->sizes[0], b->sizes[0]);
    DType ct = DT_FLOAT32;
    TS_TRY(mm_dtype(ctx, op, a, b, &ct));
    Tensor *pa = op_as_dtype(ctx, a, ct), *pb = pa ? op_as_dtype(ctx, b, ct) : NULL, *r = NULL;
    if (!pa || !pb || !(r = tensor_new_uninit(ctx, ct, NULL, 0))) {
        tensor_release(pa);
        tensor_release(pb);
        return ctx->status;
    }
    const KernelBackend *be = kernels_backend();
    int64_t n = a->sizes[0];
    if (ct == DT_FLOAT32)
        *(float *)tensor_data(r) = be->sdot(n, tensor_data(pa), pa->strides[0], tensor_data(pb), pb->strides[0]);
    else if (ct == DT_FLOAT64)
        *(double *)tensor_data(r) = be->ddot(n, tensor_data(pa), pa->strides[0], tensor_data(pb), pb->strides[0]);
    else {
        Mat ma = {tensor_data(pa), 1, n, 0, pa->strides[0]};
        Mat mb = {tensor_data(pb), n, 1, pb->strides[0], 0};
        Mat mc = {tensor_data(r), 1, 1, 0, 0};
        gemm_mat(ct, true, 1, ma, mb, 0, mc);
    }
    tensor_release(pa);
    tensor_release(pb);
    r = finish(ctx, r, a->dtype);
    if (!r) return ctx->status;
    *out = r;
    return TS_OK;
}

static ts_status mv_impl(Ctx *ctx, const char *op, Tensor *a, Tensor *v, Tensor **out) {
    if (a->ndim != 2 || v->ndim != 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: vector + matrix @ vector expected, got %d, %d", op, a->ndim,
                       v->ndim);
    if (a->sizes[1] != v->sizes[0])
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: size mismatch, got input (%" PRId64 "), mat (%" PRId64 "x%" PRId64
                       "), vec (%" PRId64 ")",
                       op, a->sizes[0], a->sizes[0], a->sizes[1], v->sizes[0]);
    DType ct = DT_FLOAT32;
    TS_TRY(mm_dtype(ctx, op, a, v, &ct));
    int64_t M = a->sizes[0], K = a->sizes[1];
    Tensor *pa = prep(ctx, a, ct), *pv = pa ? op_as_dtype(ctx, v, ct) : NULL, *r = NULL;
    if (!pa || !pv || !(r = tensor_new_uninit(ctx, ct, &M, 1))) {
        tensor_release(pa);
        tensor_release(pv);
        return ctx->status;
    }
    const KernelBackend *be = kernels_backend();
    if (ct == DT_FLOAT32)
        be->sgemv(M, K, 1, tensor_data(pa), pa->strides[0], pa->strides[1], tensor_data(pv), pv->strides[0], 0,
                  tensor_data(r), 1);
    else if (ct == DT_FLOAT64)
        be->dgemv(M, K, 1, tensor_data(pa), pa->strides[0], pa->strides[1], tensor_data(pv), pv->strides[0], 0,
                  tensor_data(r), 1);
    else {
        Mat mb = {tensor_data(pv), K, 1, pv->strides[0], 0};
        Mat mc = {tensor_data(r), M, 1, 1, 0};
        gemm_mat(ct, true, 1, mat_2d(pa), mb, 0, mc);
    }
    tensor_release(pa);
    tensor_release(pv);
    r = finish(ctx, r, a->dtype);
    if (!r) return ctx->status;
    *out = r;
    return TS_OK;
}

OPFN(top_dot) {
    Tensor *a, *b, *r;
    TS_TRY(op_tensor(ctx, "dot", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "dot", in, nin, 1, &b));
    TS_TRY(dot_impl(ctx, "dot", a, b, &r));
    return op_return(out, r);
}

OPFN(top_mv) {
    Tensor *a, *b, *r;
    TS_TRY(op_tensor(ctx, "mv", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "mv", in, nin, 1, &b));
    TS_TRY(mv_impl(ctx, "mv", a, b, &r));
    return op_return(out, r);
}

/* ---- matmul ---- */

/* A view of t with new sizes/strides (same storage and offset). */
static Tensor *review(Ctx *ctx, Tensor *t, const int64_t *sizes, const int64_t *strides, int ndim) {
    return tensor_view(ctx, t->storage, t->dtype, t->storage_offset, sizes, strides, ndim);
}

/* PyTorch 1.13's should_fold: t (>= 3-d) times a 1-d/2-d operand is folded
 * into one mm/mv, except a 3-d tensor whose last two dims are transposed
 * in memory (permute(0, 2, 1)), which goes to bmm. */
static bool should_fold(const Tensor *t, int other_ndim) {
    if (t->ndim < 3 || (other_ndim != 1 && other_ndim != 2)) return false;
    if (t->ndim == 3 && other_ndim == 2 && t->strides[2] != 1 && t->strides[0] == t->sizes[1] * t->sizes[2])
        return false;
    return true;
}

/* t (>= 2-d) as [prod(leading dims), last dim]: a view when the leading dims
 * merge, else a contiguous copy (PyTorch's reshape). */
static Tensor *fold_rows(Ctx *ctx, Tensor *t) {
    int nd = t->ndim;
    int64_t rows = 1;
    bool merge = true;
    for (int d = 0; d < nd - 1; d++) rows *= t->sizes[d];
    for (int d = 0; d < nd - 2; d++)
        if (t->sizes[d + 1] != 1 && t->strides[d] != t->strides[d + 1] * t->sizes[d + 1]) merge = false;
    int64_t fs[2] = {rows, t->sizes[nd - 1]}, fst[2];
    if (merge && rows > 0) {
        fst[0] = t->strides[nd - 2], fst[1] = t->strides[nd - 1];
        return review(ctx, t, fs, fst, 2);
    }
    Tensor *c = tensor_contiguous(ctx, t);
    if (!c) return NULL;
    fst[0] = fs[1], fst[1] = 1;
    Tensor *v = review(ctx, c, fs, fst, 2);
    tensor_release(c);
    return v;
}

/* The folded product: the larger operand's batch dims become mm/mv rows
 * (transposing both operands when the right one is the larger). */
static ts_status matmul_fold(Ctx *ctx, Tensor *tensor1, Tensor *tensor2, Tensor **out) {
    int d1 = tensor1->ndim, d2 = tensor2->ndim;
    bool transpose = d2 > d1;
    Tensor *t1 = NULL, *t2 = NULL, *f1 = NULL, *r = NULL;
    ts_status st = TS_OK;
    if (transpose) {
        int64_t sz[TS_MAX_DIMS], str[TS_MAX_DIMS];
        memcpy(sz, tensor2->sizes, sizeof sz);
        memcpy(str, tensor2->strides, sizeof str);
        sz[d2 - 2] = tensor2->sizes[d2 - 1], sz[d2 - 1] = tensor2->sizes[d2 - 2];
        str[d2 - 2] = tensor2->strides[d2 - 1], str[d2 - 1] = tensor2->strides[d2 - 2];
        t1 = review(ctx, tensor2, sz, str, d2);
        if (d1 == 2) {
            int64_t s2[2] = {tensor1->sizes[1], tensor1->sizes[0]}, st2[2] = {tensor1->strides[1], tensor1->strides[0]};
            t2 = review(ctx, tensor1, s2, st2, 2);
        } else t2 = tensor_retain(tensor1);
    } else {
        t1 = tensor_retain(tensor1);
        t2 = tensor_retain(tensor2);
    }
    if (!t1 || !t2) goto fail;
    int n1 = t1->ndim;
    int64_t k = t1->sizes[n1 - 1], k2 = t2->sizes[0];
    if (k != k2) {
        ShapeText s1, s2;
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "matmul: shapes %s and %s cannot be multiplied (%" PRId64 " vs %" PRId64 ")",
                     op_shape(&s1, tensor1), op_shape(&s2, tensor2), transpose ? k2 : k, transpose ? k : k2);
        goto fail;
    }
    int64_t osz[TS_MAX_DIMS], ost[TS_MAX_DIMS];
    int on = 0;
    for (int d = 0; d < n1 - 1; d++) osz[on++] = t1->sizes[d];
    if (t2->ndim == 2) osz[on++] = t2->sizes[1];
    if (!(f1 = fold_rows(ctx, t1))) goto fail;
    if (t2->ndim == 2) st = addmm_impl(ctx, "matmul", NULL, f1, t2, 0, 1, &r);
    else st = mv_impl(ctx, "matmul", f1, t2, &r);
    if (st != TS_OK) goto fail_st;
    tensor_contiguous_strides(osz, on, ost);
    Tensor *v = review(ctx, r, osz, ost, on);
    tensor_release(r);
    r = NULL;
    if (!v) goto fail;
    if (transpose && t2->ndim == 2) {
        /* output.mT().contiguous() */
        int64_t sz[TS_MAX_DIMS], str[TS_MAX_DIMS];
        memcpy(sz, v->sizes, sizeof sz);
        memcpy(str, v->strides, sizeof str);
        sz[on - 2] = v->sizes[on - 1], sz[on - 1] = v->sizes[on - 2];
        str[on - 2] = v->strides[on - 1], str[on - 1] = v->strides[on - 2];
        Tensor *vt = review(ctx, v, sz, str, on);
        tensor_release(v);
        if (!vt) goto fail;
        v = tensor_to_dtype(ctx, vt, vt->dtype);
        tensor_release(vt);
        if (!v) goto fail;
    }
    tensor_release(t1);
    tensor_release(t2);
    tensor_release(f1);
    *out = v;
    return TS_OK;
fail:
    st = ctx->status;
fail_st:
    tensor_release(t1);
    tensor_release(t2);
    tensor_release(f1);
    tensor_release(r);
    return st;
}

/* torch.matmul, rank case by rank case as in PyTorch 1.13's _matmul_impl. */
static ts_status matmul_impl(Ctx *ctx, Tensor *t1, Tensor *t2, Tensor **out) {
    int d1 = t1->ndim, d2 = t2->ndim;
    if (d1 == 0 || d2 == 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "matmul: both arguments to matmul need to be at least 1D, but they are %dD and %dD",
                       d1, d2);
    if (d1 == 1 && d2 == 1) return dot_impl(ctx, "matmul", t1, t2, out);
    if (d1 == 2 && d2 == 1) return mv_impl(ctx, "matmul", t1, t2, out);
    if (d1 == 1 && d2 == 2) {
        int64_t s[2] = {1, t1->sizes[0]}, st[2] = {t1->sizes[0] * t1->strides[0], t1->strides[0]};
        Tensor *u = review(ctx, t1, s, st, 2), *r = NULL;
        if (!u) return ctx->status;
        if (t2->sizes[0] != t1->sizes[0]) {
            ts_status e = shape_mismatch(ctx, "matmul", u, t2);
            tensor_release(u);
            return e;
        }
        ts_status st2 = addmm_impl(ctx, "matmul", NULL, u, t2, 0, 1, &r);
        tensor_release(u);
        if (st2 != TS_OK) return st2;
        int64_t os = r->sizes[1], ost = 1;
        Tensor *v = review(ctx, r, &os, &ost, 1);
        tensor_release(r);
        if (!v) return ctx->status;
        *out = v;
        return TS_OK;
    }
    if (d1 == 2 && d2 == 2) {
        if (t1->sizes[1] != t2->sizes[0]) return shape_mismatch(ctx, "matmul", t1, t2);
        return addmm_impl(ctx, "matmul", NULL, t1, t2, 0, 1, out);
    }
    DType ct = DT_FLOAT32;
    TS_TRY(mm_dtype(ctx, "matmul", t1, t2, &ct));
    if (should_fold(t1, d2) || should_fold(t2, d1)) return matmul_fold(ctx, t1, t2, out);
    /* batched: broadcast the batch dims, then bmm semantics */
    int64_t n = d1 > 1 ? t1->sizes[d1 - 2] : 1, m1 = t1->sizes[d1 - 1];
    int64_t m2 = d2 > 1 ? t2->sizes[d2 - 2] : t2->sizes[d2 - 1], p = d2 > 1 ? t2->sizes[d2 - 1] : 1;
    if (m1 != m2) {
        ShapeText s1, s2;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "matmul: mat1 and mat2 shapes cannot be multiplied (%" PRId64 "x%" PRId64 " and %" PRId64 "x%" PRId64
                       "); shapes %s and %s",
                       n, m1, m2, p, op_shape(&s1, t1), op_shape(&s2, t2));
    }
    int nb1 = TS_MAX(d1 - 2, 0), nb2 = TS_MAX(d2 - 2, 0);
    int64_t bs[TS_MAX_DIMS];
    int nb;
    TS_TRY(tensor_broadcast_shapes(ctx, "matmul", t1->sizes, nb1, t2->sizes, nb2, bs, &nb));
    if (nb + 2 > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_VALUE, NULL, "matmul: too many dimensions");
    int64_t e1[TS_MAX_DIMS], e2[TS_MAX_DIMS];
    memcpy(e1, bs, sizeof(int64_t) * (size_t)nb);
    memcpy(e2, bs, sizeof(int64_t) * (size_t)nb);
    e1[nb] = n, e1[nb + 1] = m1;
    e2[nb] = m2, e2[nb + 1] = p;
    /* give vectors their matrix dims before expanding: [m] -> [1, m] or [m, 1] */
    Tensor *u1 = NULL, *u2 = NULL, *x1 = NULL, *x2 = NULL, *r = NULL;
    if (d1 == 1) {
        int64_t s[2] = {1, m1}, st[2] = {m1 * t1->strides[0], t1->strides[0]};
        u1 = review(ctx, t1, s, st, 2);
    } else u1 = tensor_retain(t1);
    if (d2 == 1) {
        int64_t s[2] = {m2, 1}, st[2] = {t2->strides[0], 1};
        u2 = review(ctx, t2, s, st, 2);
    } else u2 = tensor_retain(t2);
    ts_status st = TS_OK;
    if (!u1 || !u2 || !(x1 = tensor_expand(ctx, u1, e1, nb + 2)) || !(x2 = tensor_expand(ctx, u2, e2, nb + 2)))
        st = ctx->status;
    else st = batched(ctx, x1, x2, ct, true, &r);
    tensor_release(u1);
    tensor_release(u2);
    tensor_release(x1);
    tensor_release(x2);
    if (st != TS_OK) return st;
    r = finish(ctx, r, t1->dtype);
    if (!r) return ctx->status;
    /* drop the vector dims again */
    int64_t osz[TS_MAX_DIMS], ost[TS_MAX_DIMS];
    int on = 0;
    for (int d = 0; d < nb; d++) osz[on++] = bs[d];
    if (d1 > 1) osz[on++] = n;
    if (d2 > 1) osz[on++] = p;
    tensor_contiguous_strides(osz, on, ost);
    Tensor *v = review(ctx, r, osz, ost, on);
    tensor_release(r);
    if (!v) return ctx->status;
    *out = v;
    return TS_OK;
}

OPFN(top_matmul) {
    Tensor *a, *b, *r;
    TS_TRY(op_tensor(ctx, "matmul", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "matmul", in, nin, 1, &b));
    TS_TRY(matmul_impl(ctx, a, b, &r));
    return op_return(out, r);
}

/* ---- linear ---- */

OPFN(top_linear) {
    Tensor *x, *w, *bias, *r = NULL;
    TS_TRY(op_tensor(ctx, "linear", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "linear", in, nin, 1, &w));
    TS_TRY(op_opt_tensor(ctx, "linear", in, nin, 2, &bias));
    if (w->ndim > 2 || w->ndim < 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "linear: weight must be 1-d or 2-d, got %d-d", w->ndim);
    if (x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "linear: input must be at least 1-d, got a 0-d tensor");
    int64_t in_f = x->sizes[x->ndim - 1], w_in = w->sizes[w->ndim - 1];
    if (in_f != w_in) {
        ShapeText s1, s2;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "linear: input has %" PRId64 " features, weight expects %" PRId64 " (input %s, weight %s)", in_f,
                       w_in, op_shape(&s1, x), op_shape(&s2, w));
    }
    /* weight.t() */
    int64_t ts[2], tst[2];
    int tn = w->ndim;
    if (tn == 2) {
        ts[0] = w->sizes[1], ts[1] = w->sizes[0];
        tst[0] = w->strides[1], tst[1] = w->strides[0];
    } else {
        ts[0] = w->sizes[0];
        tst[0] = w->strides[0];
    }
    Tensor *wt = review(ctx, w, ts, tst, tn);
    if (!wt) return ctx->status;
    ts_status st;
    if (x->ndim == 2 && bias && tn == 2) {
        st = addmm_impl(ctx, "linear", bias, x, wt, 1, 1, &r);
    } else if (x->ndim == 3 && bias && tn == 2 && tensor_is_contiguous(x)) {
        /* PyTorch's _flatten_3d_linear: addmm on [B*T, K], viewed back */
        int64_t fs[2] = {x->sizes[0] * x->sizes[1], in_f}, fst[2] = {in_f, 1};
        Tensor *f = review(ctx, x, fs, fst, 2), *r2 = NULL;
        st = f ? addmm_impl(ctx, "linear", bias, f, wt, 1, 1, &r2) : ctx->status;
        tensor_release(f);
        if (st == TS_OK) {
            int64_t os[3] = {x->sizes[0], x->sizes[1], w->sizes[0]}, ost[3];
            tensor_contiguous_strides(os, 3, ost);
            r = review(ctx, r2, os, ost, 3);
            tensor_release(r2);
            if (!r) st = ctx->status;
        }
    } else {
        st = matmul_impl(ctx, x, wt, &r);
        if (st == TS_OK && bias) {
            Tensor *r2 = NULL;
            st = op_binary(ctx, "linear", BINARY_ADD, (Operand){r, iv_none()}, (Operand){bias, iv_none()},
                           kscalar_i(1), -1, r, &r2);
            tensor_release(r2);
        }
    }
    tensor_release(wt);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}
