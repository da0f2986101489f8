/*
 * tensor_linalg_ext.c - the linalg ops made of products and reductions
 * rather than factorisations: tensordot, linalg.vecdot, linalg.multi_dot,
 * matrix_power, linalg.vander, renorm, cdist, and tensorinv / tensorsolve
 * (reshaped inverses and solves, through tensor_lapack.c's helpers).
 *
 * Where it sits: ops/, on contiguous float64 (floating inputs) or int64
 * (integer inputs) copies of the operands; float32 results are the float64
 * sums rounded, integer ones wrap as PyTorch's int64 arithmetic does.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/tensor_lapack.h"
#include "ops/tensor_ops.h"

/* A view of t with its dims in the order perm[0..t->ndim). */
static Tensor *perm_view(Ctx *ctx, Tensor *t, const int *perm) {
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    for (int i = 0; i < t->ndim; i++) sz[i] = t->sizes[perm[i]], st[i] = t->strides[perm[i]];
    return tensor_view(ctx, t->storage, t->dtype, t->storage_offset, sz, st, t->ndim);
}

/* A contiguous view of the contiguous t's storage with another shape (same numel). */
static Tensor *reshaped(Ctx *ctx, const Tensor *t, int64_t offset, const int64_t *sz, int nd) {
    int64_t st[TS_MAX_DIMS];
    tensor_contiguous_strides(sz, nd, st);
    return tensor_view(ctx, t->storage, t->dtype, offset, sz, st, nd);
}

/* The compute dtype of integer / floating operands. */
static DType work_dtype(DType dt) { return dtype_is_float(dt) ? DT_FLOAT64 : DT_INT64; }

/* A new tensor of dtype dt and the given shape from the contiguous work copy w (float64 or int64). */
static Tensor *from_work(Ctx *ctx, DType dt, const int64_t *sz, int nd, Tensor *w) {
    Tensor *v = reshaped(ctx, w, 0, sz, nd);
    if (!v) return NULL;
    Tensor *r = tensor_to_dtype(ctx, v, dt);
    tensor_release(v);
    return r;
}

/* ---- tensordot ---- */

OPFN(top_tensordot) {
    const char *op = "tensordot";
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    int64_t da[TS_MAX_DIMS], db[TS_MAX_DIMS];
    int na = 0, nb = 0;
    TS_TRY(op_int_list(ctx, op, in[2], da, &na));
    TS_TRY(op_int_list(ctx, op, in[3], db, &nb));
    if (na != nb)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: both dimension lists should have same length", op);
    if (a->dtype != b->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected both tensors to have the same dtype, got %s and %s", op,
                       dtype_name(a->dtype), dtype_name(b->dtype));
    bool ca[TS_MAX_DIMS] = {false}, cb[TS_MAX_DIMS] = {false};
    int pa[TS_MAX_DIMS], pb[TS_MAX_DIMS], wa[TS_MAX_DIMS], wb[TS_MAX_DIMS];
    int64_t k = 1;
    for (int i = 0; i < na; i++) {
        TS_TRY(op_wrap_dim(ctx, op, da[i], a->ndim, &wa[i]));
        TS_TRY(op_wrap_dim(ctx, op, db[i], b->ndim, &wb[i]));
        if (ca[wa[i]] || cb[wb[i]])
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dim %d appears multiple times in the list of dims", op,
                           ca[wa[i]] ? wa[i] : wb[i]);
        ca[wa[i]] = cb[wb[i]] = true;
        int64_t sa = a->ndim ? a->sizes[wa[i]] : 1, sb = b->ndim ? b->sizes[wb[i]] : 1;
        if (sa != sb)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "%s: contracted dimensions need to match, but first has size %" PRId64 " in dim %d and "
                           "second has size %" PRId64 " in dim %d", op, sa, wa[i], sb, wb[i]);
        k *= sa;
    }
    if (a->ndim - na + b->ndim - na > TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the result would have more than %d dimensions", op, TS_MAX_DIMS);
    /* a: free dims then contracted (in list order); b: contracted then free */
    int64_t osz[TS_MAX_DIMS], rows = 1, cols = 1;
    int n = 0, on = 0;
    for (int i = 0; i < a->ndim; i++)
        if (!ca[i]) pa[n++] = i, osz[on++] = a->sizes[i], rows *= a->sizes[i];
    for (int i = 0; i < na; i++) pa[n++] = wa[i];
    n = 0;
    for (int i = 0; i < na; i++) pb[n++] = wb[i];
    for (int i = 0; i < b->ndim; i++)
        if (!cb[i]) pb[n++] = i, osz[on++] = b->sizes[i], cols *= b->sizes[i];
    /* PyTorch's path: permute, reshape to matrices, one mm (the BLAS for floats) */
    Tensor *va = perm_view(ctx, a, pa), *vb = va ? perm_view(ctx, b, pb) : NULL;
    Tensor *xa = vb ? tensor_contiguous(ctx, va) : NULL, *xb = xa ? tensor_contiguous(ctx, vb) : NULL;
    int64_t sa[2] = {rows, k}, sb[2] = {k, cols};
    Tensor *ma = xb ? reshaped(ctx, xa, xa->storage_offset, sa, 2) : NULL;
    Tensor *mb = ma ? reshaped(ctx, xb, xb->storage_offset, sb, 2) : NULL;
    tensor_release(va), tensor_release(vb), tensor_release(xa), tensor_release(xb);
    if (!mb) {
        tensor_release(ma);
        return ctx->status;
    }
    IValue args[2] = {iv_tensor_steal(ma), iv_tensor_steal(mb)}, res;
    ts_status st = top_mm(ctx, args, 2, &res, info);
    iv_release(args[0]), iv_release(args[1]);
    if (st != TS_OK) return st;
    Tensor *p = res.u.t, *pc = tensor_contiguous(ctx, p);
    Tensor *r = pc ? reshaped(ctx, pc, pc->storage_offset, osz, on) : NULL;
    tensor_release(pc);
    iv_release(res);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- vecdot ---- */

OPFN(top_linalg_vecdot) {
    const char *op = "linalg.vecdot";
    Tensor *x, *y;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &y));
    if (x->dtype != y->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected x and y to have the same dtype, but found x of type %s and "
                       "y of type %s instead", op, dtype_storage_name(x->dtype), dtype_storage_name(y->dtype));
    Tensor *t[2] = {x, y}, *d[2] = {NULL, NULL};
    int64_t sz[TS_MAX_DIMS];
    int nd = 0, dim;
    DType wd = work_dtype(x->dtype);
    TS_TRY(op_broadcast_as(ctx, op, t, 2, wd, d, sz, &nd));
    ts_status st = op_wrap_dim(ctx, op, op_int(in[2]), nd, &dim);
    Tensor *cx = st == TS_OK ? tensor_contiguous(ctx, d[0]) : NULL, *cy = cx ? tensor_contiguous(ctx, d[1]) : NULL;
    tensor_release(d[0]), tensor_release(d[1]);
    if (!cy) {
        tensor_release(cx);
        return st != TS_OK ? st : ctx->status;
    }
    int64_t osz[TS_MAX_DIMS], outer = 1, len = nd ? sz[dim] : 1, inner = 1;
    int on = 0;
    for (int i = 0; i < nd; i++) {
        if (i < dim) outer *= sz[i];
        if (i > dim) inner *= sz[i];
        if (i != dim) osz[on++] = sz[i];
    }
    Tensor *w = tensor_new_uninit(ctx, wd, osz, on), *r = NULL;
    if (w) {
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t base = o * len * inner + i;
                if (wd == DT_INT64) {
                    const uint64_t *a = tensor_data(cx), *b = tensor_data(cy);
                    uint64_t s = 0;
                    for (int64_t q = 0; q < len; q++) s += a[base + q * inner] * b[base + q * inner];
                    ((uint64_t *)tensor_data(w))[o * inner + i] = s;
                } else {
                    const double *a = tensor_data(cx), *b = tensor_data(cy);
                    double s = 0;
                    for (int64_t q = 0; q < len; q++) s += a[base + q * inner] * b[base + q * inner];
                    ((double *)tensor_data(w))[o * inner + i] = s;
                }
            }
        r = from_work(ctx, x->dtype, osz, on, w);
    }
    tensor_release(cx), tensor_release(cy), tensor_release(w);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- multi_dot ---- */

/* mm of two matrices (borrowed), as a new tensor. */
static Tensor *mm_of(Ctx *ctx, const OpInfo *info, Tensor *a, Tensor *b) {
    IValue args[2] = {iv_tensor_steal(tensor_retain(a)), iv_tensor_steal(tensor_retain(b))}, res;
    ts_status st = top_mm(ctx, args, 2, &res, info);
    iv_release(args[0]), iv_release(args[1]);
    return st == TS_OK ? res.u.t : NULL;
}

/* matmul of two tensors (borrowed), as a new tensor. */
static Tensor *matmul_of(Ctx *ctx, const OpInfo *info, Tensor *a, Tensor *b) {
    IValue args[2] = {iv_tensor_steal(tensor_retain(a)), iv_tensor_steal(tensor_retain(b))}, res;
    ts_status st = top_matmul(ctx, args, 2, &res, info);
    iv_release(args[0]), iv_release(args[1]);
    return st == TS_OK ? res.u.t : NULL;
}

/* The product of m[i..j] in the order s (PyTorch's matrix_chain_order split points). */
static Tensor *chain_mul(Ctx *ctx, const OpInfo *info, Tensor **m, int64_t *s, int64_t n, int64_t i, int64_t j) {
    if (i == j) return tensor_retain(m[i]);
    int64_t k = s[i * n + j];
    Tensor *l = chain_mul(ctx, info, m, s, n, i, k), *r = l ? chain_mul(ctx, info, m, s, n, k + 1, j) : NULL;
    Tensor *p = r ? mm_of(ctx, info, l, r) : NULL;
    tensor_release(l), tensor_release(r);
    return p;
}

OPFN(top_linalg_multi_dot) {
    const char *op = "multi_dot";
    if (in[0].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of tensors", op);
    ListObj *l = in[0].u.l;
    int64_t n = l->len;
    if (n < 2) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): expected at least 2 tensors but got %" PRId64, op, n);
    Tensor *first = l->items[0].u.t, *last = l->items[n - 1].u.t;
    for (int64_t i = 0; i < n; i++) {
        Tensor *t = l->items[i].u.t;
        int want = (i == 0 || i == n - 1) ? 0 : 2;
        if (want == 2 && t->ndim != 2)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): tensor %" PRId64 " must be 2D but got %dD", op, i, t->ndim);
        if (want == 0 && t->ndim != 1 && t->ndim != 2)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): %s tensor must be 1D or 2D but got %dD", op,
                           i == 0 ? "the first" : "the last", t->ndim);
        if (t->dtype != first->dtype)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): all tensors must have be the same dtype but tensor 0 is %s "
                           "and tensor %" PRId64 " %s", op, dtype_name(first->dtype), i, dtype_name(t->dtype));
    }
    /* every operand as a matrix view: a 1-D first is a row, a 1-D last a column */
    Tensor **m = ts_malloc(sizeof(Tensor *) * (size_t)n);
    int64_t *p = ts_malloc(sizeof(int64_t) * (size_t)(n + 1)), *cost = ts_malloc(sizeof(int64_t) * (size_t)(n * n));
    int64_t *split = ts_malloc(sizeof(int64_t) * (size_t)(n * n));
    ts_status st = m && p && cost && split ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    int64_t made = 0; /* m[0..made) hold references (NULL where a view failed) */
    for (int64_t i = 0; st == TS_OK && i < n; i++, made++) {
        Tensor *t = l->items[i].u.t;
        int64_t sz[2], sd[2];
        if (t->ndim == 2) {
            m[i] = tensor_retain(t);
        } else {
            bool row = i == 0;
            sz[0] = row ? 1 : t->sizes[0], sz[1] = row ? t->sizes[0] : 1;
            sd[0] = row ? t->sizes[0] * t->strides[0] : t->strides[0], sd[1] = row ? t->strides[0] : 1;
            m[i] = tensor_view(ctx, t->storage, t->dtype, t->storage_offset, sz, sd, 2);
            if (!m[i]) st = ctx->status;
        }
        if (st == TS_OK && i > 0 && m[i - 1]->sizes[1] != m[i]->sizes[0])
            st = ts_fail(ctx, TS_ERR_SHAPE, NULL,
                         "%s(): tensors %" PRId64 " and %" PRId64 " with shapes [%" PRId64 ", %" PRId64 "] and [%" PRId64
                         ", %" PRId64 "] cannot be multiplied", op, i - 1, i, m[i - 1]->sizes[0], m[i - 1]->sizes[1],
                         m[i]->sizes[0], m[i]->sizes[1]);
    }
    Tensor *acc = NULL;
    if (st == TS_OK) {
        if (n == 3) { /* PyTorch's closed form for three */
            int64_t a = m[0]->sizes[0], b = m[1]->sizes[0], c = m[2]->sizes[0], d = m[2]->sizes[1];
            Tensor *t = NULL;
            if ((a * c) * (b + d) > (b * d) * (a + c)) {
                t = mm_of(ctx, info, m[1], m[2]);
                acc = t ? mm_of(ctx, info, m[0], t) : NULL;
            } else {
                t = mm_of(ctx, info, m[0], m[1]);
                acc = t ? mm_of(ctx, info, t, m[2]) : NULL;
            }
            tensor_release(t);
        } else { /* the matrix-chain order (Cormen et al.), PyTorch's tie-breaking */
            p[0] = m[0]->sizes[0];
            for (int64_t i = 0; i < n; i++) p[i + 1] = m[i]->sizes[1];
            for (int64_t i = 0; i < n; i++) cost[i * n + i] = 0;
            for (int64_t d = 1; d < n; d++)
                for (int64_t i = 0; i + d < n; i++) {
                    int64_t j = i + d;
                    cost[i * n + j] = INT64_MAX;
                    for (int64_t k = i; k < j; k++) {
                        int64_t q = cost[i * n + k] + cost[(k + 1) * n + j] + p[i] * p[k + 1] * p[j + 1];
                        if (q < cost[i * n + j]) cost[i * n + j] = q, split[i * n + j] = k;
                    }
                }
            acc = chain_mul(ctx, info, m, split, n, 0, n - 1);
        }
        if (!acc) st = ctx->status;
    }
    for (int64_t i = 0; i < made && m; i++) tensor_release(m[i]);
    ts_free(m), ts_free(p), ts_free(cost), ts_free(split);
    if (st != TS_OK) {
        tensor_release(acc);
        return st;
    }
    int64_t osz[2];
    int on = 0;
    if (first->ndim == 2) osz[on++] = acc->sizes[0];
    if (last->ndim == 2) osz[on++] = acc->sizes[1];
    Tensor *c = tensor_contiguous(ctx, acc);
    Tensor *r = c ? reshaped(ctx, c, c->storage_offset, osz, on) : NULL;
    tensor_release(acc), tensor_release(c);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* chain_matmul: multi_dot of matrices only, and one matrix is a copy of itself. */
OPFN(top_chain_matmul) {
    const char *op = "chain_matmul";
    if (in[0].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of tensors", op);
    ListObj *l = in[0].u.l;
    if (l->len == 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): Expected one or more tensors to be multiplied together", op);
    for (int64_t i = 0; i < l->len; i++)
        if (l->items[i].u.t->ndim != 2)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Tensor dimension is %d, expected 2 instead.", l->items[i].u.t->ndim);
    if (l->len == 1) {
        Tensor *r = tensor_to_dtype(ctx, l->items[0].u.t, l->items[0].u.t->dtype);
        if (!r) return ctx->status;
        return op_return(out, r);
    }
    return top_linalg_multi_dot(ctx, in, nin, out, info);
}

/* ---- matrix_power ---- */

OPFN(top_linalg_matrix_power) {
    const char *op = "linalg.matrix_power";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    int64_t p = op_int(in[1]);
    if (A->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: The input tensor A must have at least 2 dimensions.", op);
    int nd = A->ndim;
    int64_t n = A->sizes[nd - 1];
    if (A->sizes[nd - 2] != n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: A must be batches of square matrices, but they are %" PRId64
                       " by %" PRId64 " matrices", op, A->sizes[nd - 2], n);
    if (p < 0 && !dtype_is_float(A->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Expected a floating point or complex tensor as input. Got %s", op,
                       dtype_storage_name(A->dtype));
    DType wd = work_dtype(A->dtype);
    Tensor *x = tensor_to_dtype(ctx, A, wd);
    if (!x) return ctx->status;
    int64_t batch = n ? tensor_numel(x) / (n * n) : 0;
    if (p < 0) { /* the inverse first, in float64 */
        Mats m;
        ts_status st = mats_load(ctx, op, x, &m);
        int32_t *info = st == TS_OK ? la_alloc(ctx, op, m.batch) : NULL;
        if (info) st = inv_all(ctx, op, &m, info);
        else if (st == TS_OK) st = ctx->status;
        for (int64_t b = 0; st == TS_OK && b < m.batch; b++)
            if (info[b] > 0) {
                char buf[48];
                st = ts_fail(ctx, TS_ERR_VALUE, NULL,
                             "linalg.inv%s: The diagonal element %d is zero, the inversion could not be completed "
                             "because the input matrix is singular.", batch_prefix(buf, sizeof buf, m.bnd, b),
                             (int)info[b]);
            }
        if (st == TS_OK) {
            double *d = tensor_data(x);
            for (int64_t b = 0; b < m.batch; b++)
                for (int64_t i = 0; i < n; i++)
                    for (int64_t j = 0; j < n; j++) d[b * n * n + i * n + j] = m.d[b * n * n + i + j * n];
        }
        ts_free(info);
        if (st == TS_OK || m.d) mats_free(&m);
        if (st != TS_OK) {
            tensor_release(x);
            return st;
        }
    }
    uint64_t pe = p < 0 ? -(uint64_t)p : (uint64_t)p; /* INT64_MIN too */
    /* the base: A, or its inverse rounded to A's dtype; then PyTorch's binary
     * decomposition of the power over matmul (z = z @ z, result = result @ z) */
    Tensor *base = p < 0 ? tensor_to_dtype(ctx, x, A->dtype) : tensor_retain(A);
    tensor_release(x);
    if (!base) return ctx->status;
    if (pe == 0) { /* the identity, batched */
        Tensor *r = tensor_empty(ctx, A->dtype, A->sizes, nd);
        tensor_release(base);
        if (!r) return ctx->status;
        size_t es = dtype_size(A->dtype);
        for (int64_t b = 0; b < batch; b++)
            for (int64_t i = 0; i < n; i++)
                dtype_store_f64(A->dtype, (char *)tensor_data(r) + (size_t)(b * n * n + i * n + i) * es, 1.0);
        return op_return(out, r);
    }
    Tensor *z = NULL, *result = NULL;
    ts_status st = TS_OK;
    while (pe > 0 && st == TS_OK) {
        bool bit = pe & 1;
        pe >>= 1;
        Tensor *nz = z ? matmul_of(ctx, info, z, z) : tensor_retain(base);
        tensor_release(z);
        z = nz;
        if (!z) {
            st = ctx->status;
            break;
        }
        if (bit) {
            Tensor *nr = result ? matmul_of(ctx, info, result, z) : tensor_retain(z);
            tensor_release(result);
            result = nr;
            if (!result) st = ctx->status;
        }
    }
    tensor_release(z), tensor_release(base);
    if (st != TS_OK) {
        tensor_release(result);
        return st;
    }
    if (result == A) { /* A ** 1: a copy, not A itself */
        Tensor *c = tensor_to_dtype(ctx, A, A->dtype);
        tensor_release(result);
        result = c;
        if (!result) return ctx->status;
    }
    return op_return(out, result);
}

OPFN(top_matrix_power) { return top_linalg_matrix_power(ctx, in, nin, out, info); }

/* ---- vander ---- */

OPFN(top_linalg_vander) {
    const char *op = "linalg.vander";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    /* a 0-dim x counts as one value */
    int xnd = x->ndim ? x->ndim : 1;
    int64_t xs[TS_MAX_DIMS];
    memcpy(xs, x->sizes, sizeof(int64_t) * (size_t)x->ndim);
    if (!x->ndim) xs[0] = 1;
    int64_t n = xs[xnd - 1], N = in[1].kind == IV_NONE ? n : op_int(in[1]);
    if (N <= 1) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: N must be greater than 1.", op);
    if (xnd >= TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: too many dimensions", op);
    DType rd = x->dtype == DT_BOOL || (dtype_is_integral(x->dtype, false) && x->dtype != DT_INT64) ? DT_INT64 : x->dtype;
    DType wd = work_dtype(rd);
    Tensor *c = tensor_to_dtype(ctx, x, wd);
    if (!c) return ctx->status;
    int64_t sz[TS_MAX_DIMS];
    memcpy(sz, xs, sizeof(int64_t) * (size_t)xnd);
    sz[xnd] = N;
    Tensor *w = tensor_new_uninit(ctx, wd, sz, xnd + 1), *r = NULL;
    if (w) {
        int64_t cnt = tensor_numel(c);
        for (int64_t i = 0; i < cnt; i++) {
            if (wd == DT_INT64) { /* a running product, as PyTorch's cumprod (wrapping) */
                uint64_t v = (uint64_t)((int64_t *)tensor_data(c))[i], acc = 1;
                for (int64_t j = 0; j < N; j++) ((uint64_t *)tensor_data(w))[i * N + j] = acc, acc *= v;
            } else {
                double v = ((double *)tensor_data(c))[i], acc = 1;
                for (int64_t j = 0; j < N; j++) ((double *)tensor_data(w))[i * N + j] = acc, acc *= v;
            }
        }
        r = from_work(ctx, rd, sz, xnd + 1, w);
    }
    tensor_release(c), tensor_release(w);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- renorm ---- */

OPFN(top_renorm) {
    const char *op = "renorm";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    double p = iv_scalar_f64(in[1]), maxnorm = iv_scalar_f64(in[3]);
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input, got %s", op, dtype_name(x->dtype));
    if (x->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input needs at least 2 dimensions, got %d dimensions", op, x->ndim);
    if (!(p > 0)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: non-positive-norm not supported", op);
    if (!(maxnorm >= 0))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: expected maxnorm to be >= 0 but got %g", op, maxnorm);
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[2]), x->ndim, &dim));
    Tensor *c = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!c) return ctx->status;
    int64_t outer = 1, len = x->sizes[dim], inner = 1;
    for (int i = 0; i < x->ndim; i++) {
        if (i < dim) outer *= x->sizes[i];
        if (i > dim) inner *= x->sizes[i];
    }
    double *d = tensor_data(c);
    for (int64_t s = 0; s < len; s++) {
        double acc = 0;
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < inner; i++) {
                double v = fabs(d[(o * len + s) * inner + i]);
                if (isinf(p)) acc = v > acc || isnan(v) ? v : acc;
                else acc += p == 1 ? v : p == 2 ? v * v : pow(v, p);
            }
        double norm = isinf(p) ? acc : p == 1 ? acc : p == 2 ? sqrt(acc) : pow(acc, 1 / p);
        /* PyTorch's factor: maxnorm / (norm + 1e-7) where the norm exceeds maxnorm */
        double f = norm > maxnorm ? maxnorm / (norm + 1e-7) : 1;
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < inner; i++) d[(o * len + s) * inner + i] *= f;
    }
    Tensor *r = tensor_to_dtype(ctx, c, x->dtype);
    tensor_release(c);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- cdist ---- */

OPFN(top_cdist) {
    const char *op = "cdist";
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    double p = iv_scalar_f64(in[2]);
    if (a->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "cdist only supports at least 2D tensors, X1 got: %dD", a->ndim);
    if (b->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "cdist only supports at least 2D tensors, X2 got: %dD", b->ndim);
    if (!dtype_is_float(a->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "cdist only supports floating-point dtypes, X1 got: %s",
                       dtype_storage_name(a->dtype));
    if (!dtype_is_float(b->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "cdist only supports floating-point dtypes, X2 got: %s",
                       dtype_storage_name(b->dtype));
    int64_t M = a->sizes[a->ndim - 1];
    if (b->sizes[b->ndim - 1] != M)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "X1 and X2 must have the same number of columns. X1: %" PRId64
                       " X2: %" PRId64, M, b->sizes[b->ndim - 1]);
    if (!(p >= 0)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "cdist only supports non-negative p values");
    Mats ma, mb;
    int64_t bs[TS_MAX_DIMS], sa[TS_MAX_DIMS], sb[TS_MAX_DIMS];
    int bn = 0;
    TS_TRY(tensor_broadcast_shapes(ctx, op, a->sizes, a->ndim - 2, b->sizes, b->ndim - 2, bs, &bn));
    memcpy(sa, bs, sizeof(int64_t) * (size_t)bn), memcpy(sb, bs, sizeof(int64_t) * (size_t)bn);
    sa[bn] = a->sizes[a->ndim - 2], sa[bn + 1] = M, sb[bn] = b->sizes[b->ndim - 2], sb[bn + 1] = M;
    Tensor *ea = tensor_expand(ctx, a, sa, bn + 2), *eb = ea ? tensor_expand(ctx, b, sb, bn + 2) : NULL;
    ts_status st = eb ? mats_load(ctx, op, ea, &ma) : ctx->status;
    if (st == TS_OK) {
        st = mats_load(ctx, op, eb, &mb);
        if (st != TS_OK) mats_free(&ma);
    }
    tensor_release(ea), tensor_release(eb);
    if (st != TS_OK) return st;
    int64_t P = ma.r, R = mb.r;
    double *res = la_alloc(ctx, op, ma.batch * P * R);
    Tensor *r = NULL;
    if (res) {
        for (int64_t t = 0; t < ma.batch; t++) {
            const double *x = ma.d + t * P * M, *y = mb.d + t * R * M; /* column-major: x[i + k * P] */
            for (int64_t i = 0; i < P; i++)
                for (int64_t j = 0; j < R; j++) {
                    double acc = 0;
                    for (int64_t k = 0; k < M; k++) {
                        double d = fabs(x[i + k * P] - y[j + k * R]);
                        if (p == 0) acc += d != 0;
                        else if (isinf(p)) acc = d > acc || isnan(d) ? d : acc;
                        else acc += p == 1 ? d : p == 2 ? d * d : pow(d, p);
                    }
                    res[t * P * R + i * R + j] = p == 0 || p == 1 || isinf(p) ? acc : p == 2 ? sqrt(acc) : pow(acc, 1 / p);
                }
        }
        int64_t ex[2] = {P, R};
        r = from_f64(ctx, dtype_promote(a->dtype, b->dtype), ma.bsz, ma.bnd, ex, 2, res);
    }
    ts_free(res);
    mats_free(&ma), mats_free(&mb);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- tensorinv / tensorsolve ---- */

OPFN(top_linalg_tensorinv) {
    const char *op = "linalg.tensorinv";
    Tensor *A;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    int64_t ind = op_int(in[1]);
    if (ind <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "Expected a strictly positive integer for 'ind', but got %" PRId64, ind);
    if (ind > A->ndim) ind = A->ndim;
    int64_t p = 1, q = 1;
    for (int i = 0; i < A->ndim; i++) {
        if (i < ind) p *= A->sizes[i];
        else q *= A->sizes[i];
    }
    if (p != q)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                       "prod(self.shape[:ind]), but got %" PRId64 " != %" PRId64, q, p);
    if (!dtype_is_float(A->dtype) || A->dtype == DT_FLOAT16 || A->dtype == DT_BFLOAT16)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "linalg.inv: Expected a floating point or complex tensor as input. Got %s",
                       dtype_storage_name(A->dtype));
    Tensor *c = tensor_contiguous(ctx, A);
    if (!c) return ctx->status;
    int64_t ms[2] = {p, p};
    Tensor *v = reshaped(ctx, c, c->storage_offset, ms, 2);
    tensor_release(c);
    if (!v) return ctx->status;
    Mats m;
    ts_status st = mats_load(ctx, op, v, &m);
    tensor_release(v);
    if (st != TS_OK) return st;
    int32_t inv_info = 0;
    st = inv_all(ctx, op, &m, &inv_info);
    if (st == TS_OK && inv_info > 0)
        st = ts_fail(ctx, TS_ERR_VALUE, NULL, "linalg.inv: The diagonal element %d is zero, the inversion could not be "
                     "completed because the input matrix is singular.", (int)inv_info);
    Tensor *r = NULL;
    if (st == TS_OK) {
        double *rm = la_alloc(ctx, op, p * p);
        if (rm) {
            for (int64_t i = 0; i < p; i++)
                for (int64_t j = 0; j < p; j++) rm[i * p + j] = m.d[i + j * p];
            int64_t sz[TS_MAX_DIMS];
            int n = 0;
            for (int i = (int)ind; i < A->ndim; i++) sz[n++] = A->sizes[i];
            for (int i = 0; i < ind; i++) sz[n++] = A->sizes[i];
            r = from_f64(ctx, A->dtype, NULL, 0, sz, n, rm);
        }
        ts_free(rm);
        if (!r) st = ctx->status;
    }
    mats_free(&m);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

OPFN(top_linalg_tensorsolve) {
    const char *op = "linalg.tensorsolve";
    Tensor *A, *B;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &A));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &B));
    int perm[TS_MAX_DIMS], n = 0;
    bool moved[TS_MAX_DIMS] = {false};
    int64_t dl[TS_MAX_DIMS];
    int nd = 0;
    if (in[2].kind != IV_NONE) TS_TRY(op_int_list(ctx, op, in[2], dl, &nd));
    int w[TS_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        TS_TRY(op_wrap_dim(ctx, op, dl[i], A->ndim, &w[i]));
        moved[w[i]] = true;
    }
    for (int i = 0; i < A->ndim; i++)
        if (!moved[i]) perm[n++] = i;
    for (int i = 0; i < nd; i++) perm[n++] = w[i];
    if (n != A->ndim) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: repeated dims", op);
    Tensor *pv = perm_view(ctx, A, perm);
    if (!pv) return ctx->status;
    int64_t rows = tensor_numel(B), cols = 1, rsz[TS_MAX_DIMS];
    int rn = 0;
    for (int i = B->ndim; i < pv->ndim; i++) cols *= pv->sizes[i], rsz[rn++] = pv->sizes[i];
    if (B->ndim > pv->ndim || rows != cols || rows * cols != tensor_numel(pv)) {
        int64_t lead = 1;
        for (int i = 0; i < B->ndim && i < pv->ndim; i++) lead *= pv->sizes[i];
        tensor_release(pv);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) "
                       "== prod(self.shape[:other.ndim]), but got %" PRId64 " != %" PRId64, cols, lead);
    }
    Tensor *c = tensor_contiguous(ctx, pv);
    tensor_release(pv);
    if (!c) return ctx->status;
    int64_t ms[2] = {rows, cols}, vs = rows;
    Tensor *am = reshaped(ctx, c, c->storage_offset, ms, 2);
    Tensor *bc = am ? tensor_contiguous(ctx, B) : NULL;
    Tensor *bv = bc ? reshaped(ctx, bc, bc->storage_offset, &vs, 1) : NULL;
    tensor_release(c), tensor_release(bc);
    if (!bv) {
        tensor_release(am);
        return ctx->status;
    }
    IValue args[3] = {iv_tensor_steal(am), iv_tensor_steal(bv), iv_bool(true)}, res;
    ts_status st = top_linalg_solve(ctx, args, 3, &res, info);
    iv_release(args[0]), iv_release(args[1]);
    if (st != TS_OK) return st;
    Tensor *x = res.u.t;
    Tensor *r = reshaped(ctx, x, x->storage_offset, rsz, rn);
    iv_release(res);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* torch.vander: 1-D x, N columns (default len(x)), decreasing powers unless increasing. */
OPFN(top_vander) {
    const char *op = "vander";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (x->ndim != 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: x must be a one-dimensional tensor.", op);
    int64_t n = x->sizes[0], N = in[1].kind == IV_NONE ? n : op_int(in[1]);
    bool inc = op_bool(in[2]);
    if (N < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: N must be non-negative.", op);
    DType rd = x->dtype == DT_BOOL || (dtype_is_integral(x->dtype, false) && x->dtype != DT_INT64) ? DT_INT64 : x->dtype;
    DType wd = work_dtype(rd);
    Tensor *c = tensor_to_dtype(ctx, x, wd);
    if (!c) return ctx->status;
    int64_t sz[2] = {n, N};
    Tensor *w = tensor_new_uninit(ctx, wd, sz, 2), *r = NULL;
    if (w) {
        for (int64_t i = 0; i < n; i++) {
            if (wd == DT_INT64) {
                uint64_t v = (uint64_t)((int64_t *)tensor_data(c))[i], acc = 1;
                for (int64_t j = 0; j < N; j++) ((uint64_t *)tensor_data(w))[i * N + (inc ? j : N - 1 - j)] = acc, acc *= v;
            } else {
                double v = ((double *)tensor_data(c))[i], acc = 1;
                for (int64_t j = 0; j < N; j++) ((double *)tensor_data(w))[i * N + (inc ? j : N - 1 - j)] = acc, acc *= v;
            }
        }
        r = from_work(ctx, rd, sz, 2, w);
    }
    tensor_release(c), tensor_release(w);
    if (!r) return ctx->status;
    return op_return(out, r);
}
