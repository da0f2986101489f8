/*
 * tensor_misc3.c - ops PyTorch composes from simpler ones, written the same
 * way here: the *_scatter family (slice, select, diagonal: a copy of self
 * with a view of it overwritten), matrix-vector updates (addmv, addr,
 * addbmm, vdot, kron), dist, one_hot, repeat_interleave, argwhere, angle,
 * isreal, diff, constant_pad_nd, bincount, histc, block_diag,
 * cartesian_prod, mvlgamma, frexp. Views and copies go through the
 * registered implementations (top_slice_Tensor, top_cat...), so each rule
 * lives in one place.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/tensor_ops.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- slice_scatter, select_scatter, diagonal_scatter ---- */

/* A copy of in[0] with view(copy, args...) overwritten by src (same shape). */
static ts_status view_scatter(Ctx *ctx, const char *op, OpFn view, IValue *in, int nin, IValue *vargs, int nv,
                              IValue *out, const OpInfo *info) {
    Tensor *self, *src;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &src));
    Tensor *r = tensor_to_dtype(ctx, self, self->dtype);
    if (!r) return ctx->status;
    vargs[0] = iv_tensor_steal(r);
    IValue v;
    ts_status st = view(ctx, vargs, nv, &v, info);
    if (st != TS_OK) {
        iv_release(vargs[0]);
        return st;
    }
    Tensor *vt = v.u.t;
    if (vt->ndim != src->ndim || memcmp(vt->sizes, src->sizes, sizeof(int64_t) * (size_t)src->ndim)) {
        ShapeText a, b;
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected src to have a size equal to the slice of self. src size = %s, slice size = %s",
                     op, op_shape(&a, src), op_shape(&b, vt));
    } else {
        Tensor *c = tensor_to_dtype(ctx, src, self->dtype);
        if (!c) st = ctx->status;
        else {
            tensor_copy_into(vt, c);
            tensor_release(c);
        }
    }
    iv_release(v);
    if (st != TS_OK) {
        iv_release(vargs[0]);
        return st;
    }
    out[0] = vargs[0];
    return TS_OK;
}

OPFN(top_slice_scatter) {
    IValue a[5] = {iv_none(), in[2], in[3], in[4], in[5]};
    return view_scatter(ctx, "slice_scatter", top_slice_Tensor, in, nin, a, 5, out, info);
}

OPFN(top_select_scatter) {
    IValue a[3] = {iv_none(), in[2], in[3]};
    return view_scatter(ctx, "select_scatter", top_select_int, in, nin, a, 3, out, info);
}

OPFN(top_diagonal_scatter) {
    IValue a[4] = {iv_none(), in[2], in[3], in[4]};
    return view_scatter(ctx, "diagonal_scatter", top_diagonal, in, nin, a, 4, out, info);
}

/* ---- addmv, addr, addbmm, vdot, kron ---- */

/* beta * self + alpha * prod, prod given as float64 (or int64) [sizes];
 * self broadcasts to it; beta == 0 ignores self (NaN included). */
static ts_status beta_alpha(Ctx *ctx, const char *op, Tensor *self, Tensor *prod, DType dt, IValue beta, IValue alpha,
                            IValue *out) {
    bool f = dtype_is_float(dt);
    (void)op;
    Tensor *e = tensor_expand(ctx, self, prod->sizes, prod->ndim);
    Tensor *s = e ? tensor_to_dtype(ctx, e, prod->dtype) : NULL;
    tensor_release(e);
    if (!s) {
        tensor_release(prod);
        return ctx->status;
    }
    int64_t n = tensor_numel(prod);
    if (f) {
        double *p = tensor_data(prod), b = iv_scalar_f64(beta), a = iv_scalar_f64(alpha);
        const double *q = tensor_data(s);
        for (int64_t i = 0; i < n; i++) p[i] = (b == 0 ? 0 : b * q[i]) + a * p[i];
    } else {
        int64_t *p = tensor_data(prod), b = iv_scalar_i64(beta), a = iv_scalar_i64(alpha);
        const int64_t *q = tensor_data(s);
        for (int64_t i = 0; i < n; i++) p[i] = (int64_t)((uint64_t)b * (uint64_t)q[i] + (uint64_t)a * (uint64_t)p[i]);
    }
    tensor_release(s);
    Tensor *r = op_cast_steal(ctx, prod, dt);
    return r ? op_return(out, r) : ctx->status;
}

/* Operands converted to float64 / int64 (contiguous) for the products below. */
static ts_status as_compute(Ctx *ctx, Tensor **t, int n, DType *dt, Tensor **c) {
    ResultType rt;
    rt_init(&rt);
    for (int i = 0; i < n; i++) rt_tensor(&rt, t[i]);
    *dt = rt_result(&rt);
    DType ct = dtype_is_float(*dt) ? DT_FLOAT64 : DT_INT64;
    for (int i = 0; i < n; i++) c[i] = NULL;
    for (int i = 0; i < n; i++)
        if (!(c[i] = tensor_to_dtype(ctx, t[i], ct))) {
            for (int j = 0; j < i; j++) tensor_release(c[j]);
            return ctx->status;
        }
    return TS_OK;
}

/* out[b] (M x N) += sum_k A[b] (M x K) B[b] (K x N), batched over nb. */
static void mm_acc(bool f, const void *A, const void *B, void *C, int64_t nb, int64_t M, int64_t K, int64_t N,
                   bool sum_batches) {
    for (int64_t b = 0; b < nb; b++)
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                int64_t o = (sum_batches ? 0 : b * M * N) + i * N + j;
                if (f) {
                    double s = 0;
                    for (int64_t k = 0; k < K; k++) s += ((const double *)A)[b * M * K + i * K + k] * ((const double *)B)[b * K * N + k * N + j];
                    ((double *)C)[o] += s;
                } else {
                    uint64_t s = 0;
                    for (int64_t k = 0; k < K; k++)
                        s += (uint64_t)((const int64_t *)A)[b * M * K + i * K + k] * (uint64_t)((const int64_t *)B)[b * K * N + k * N + j];
                    ((int64_t *)C)[o] = (int64_t)((uint64_t)((int64_t *)C)[o] + s);
                }
            }
}

static ts_status addmm_like(Ctx *ctx, const char *op, IValue *in, int nin, int kind, IValue *out) {
    Tensor *t[3], *c[3];
    for (int i = 0; i < 3; i++) TS_TRY(op_tensor(ctx, op, in, nin, i, &t[i]));
    int64_t nb = 1, M, K, N;
    Tensor *a = t[1], *b = t[2];
    if (kind == 0) { /* addmv: mat [M, K] x vec [K] */
        if (a->ndim != 2 || b->ndim != 1 || a->sizes[1] != b->sizes[0])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: size mismatch, got mat %s, vec %s", op, "2-d", "1-d");
        M = a->sizes[0], K = a->sizes[1], N = 1;
    } else if (kind == 1) { /* addr: vec1 [M] x vec2 [N] */
        if (a->ndim != 1 || b->ndim != 1)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 1-D vectors, got %d-D and %d-D", op, a->ndim, b->ndim);
        M = a->sizes[0], K = 1, N = b->sizes[0];
    } else { /* addbmm: sum over the batch of [B, M, K] x [B, K, N] */
        if (a->ndim != 3 || b->ndim != 3 || a->sizes[0] != b->sizes[0] || a->sizes[2] != b->sizes[1])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: batch1 and batch2 must be 3-D with matching batch and inner sizes", op);
        nb = a->sizes[0], M = a->sizes[1], K = a->sizes[2], N = b->sizes[2];
    }
    DType dt;
    TS_TRY(as_compute(ctx, t, 3, &dt, c));
    if (kind != 2 && (t[1]->dtype != t[2]->dtype)) {
        for (int i = 0; i < 3; i++) tensor_release(c[i]);
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected scalar type %s but found %s", op,
                       dtype_name(t[1]->dtype), dtype_name(t[2]->dtype));
    }
    int64_t sz[2] = {M, N};
    Tensor *p = tensor_empty(ctx, c[0]->dtype, sz, kind == 0 ? 1 : 2);
    if (p) mm_acc(dtype_is_float(dt), tensor_data(c[1]), tensor_data(c[2]), tensor_data(p), nb, M, K, N, true);
    for (int i = 0; i < 3; i++) tensor_release(c[i]);
    if (!p) return ctx->status;
    IValue beta = in[3], alpha = in[4];
    int64_t ssz[2];
    memcpy(ssz, p->sizes, sizeof ssz);
    int64_t tmp[TS_MAX_DIMS];
    int nd;
    ts_status st = tensor_broadcast_shapes(ctx, op, t[0]->sizes, t[0]->ndim, p->sizes, p->ndim, tmp, &nd);
    if (st == TS_OK && (nd != p->ndim || memcmp(tmp, p->sizes, sizeof(int64_t) * (size_t)nd))) {
        ShapeText x, y;
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the input %s does not broadcast to the product's shape %s", op,
                     op_shape(&x, t[0]), op_shape(&y, p));
    }
    if (st != TS_OK) {
        tensor_release(p);
        return st;
    }
    return beta_alpha(ctx, op, t[0], p, dt, beta, alpha, out);
}

OPFN(top_addmv) { return addmm_like(ctx, "addmv", in, nin, 0, out); }
OPFN(top_addr) { return addmm_like(ctx, "addr", in, nin, 1, out); }
OPFN(top_addbmm) { return addmm_like(ctx, "addbmm", in, nin, 2, out); }

OPFN(top_vdot) {
    Tensor *t[2], *c[2];
    TS_TRY(op_tensor(ctx, "vdot", in, nin, 0, &t[0]));
    TS_TRY(op_tensor(ctx, "vdot", in, nin, 1, &t[1]));
    if (t[0]->ndim != 1 || t[1]->ndim != 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "1D tensors expected, but got %dD and %dD tensors", t[0]->ndim, t[1]->ndim);
    if (t[0]->sizes[0] != t[1]->sizes[0])
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "inconsistent tensor size, expected tensor [%" PRId64 "] and src [%" PRId64 "] to have the same number of elements, but got %" PRId64 " and %" PRId64 " elements respectively",
                       t[0]->sizes[0], t[1]->sizes[0], t[0]->sizes[0], t[1]->sizes[0]);
    if (t[0]->dtype != t[1]->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "dot : expected both vectors to have same dtype, but found %s and %s",
                       dtype_name(t[0]->dtype), dtype_name(t[1]->dtype));
    DType dt;
    TS_TRY(as_compute(ctx, t, 2, &dt, c));
    int64_t n = t[0]->sizes[0];
    Tensor *r;
    if (dtype_is_float(dt)) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += ((double *)tensor_data(c[0]))[i] * ((double *)tensor_data(c[1]))[i];
        r = tensor_scalar_f64(ctx, dt, s);
    } else {
        uint64_t s = 0;
        for (int64_t i = 0; i < n; i++) s += (uint64_t)((int64_t *)tensor_data(c[0]))[i] * (uint64_t)((int64_t *)tensor_data(c[1]))[i];
        r = tensor_scalar_i64(ctx, dt, (int64_t)s);
    }
    tensor_release(c[0]), tensor_release(c[1]);
    return r ? op_return(out, r) : ctx->status;
}

OPFN(top_kron) {
    Tensor *t[2], *c[2];
    TS_TRY(op_tensor(ctx, "kron", in, nin, 0, &t[0]));
    TS_TRY(op_tensor(ctx, "kron", in, nin, 1, &t[1]));
    int nd = t[0]->ndim > t[1]->ndim ? t[0]->ndim : t[1]->ndim;
    int64_t sa[TS_MAX_DIMS], sb[TS_MAX_DIMS], so[TS_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        int ia = i - (nd - t[0]->ndim), ib = i - (nd - t[1]->ndim);
        sa[i] = ia >= 0 ? t[0]->sizes[ia] : 1;
        sb[i] = ib >= 0 ? t[1]->sizes[ib] : 1;
        so[i] = sa[i] * sb[i];
    }
    DType dt;
    TS_TRY(as_compute(ctx, t, 2, &dt, c));
    bool f = dtype_is_float(dt);
    Tensor *r = tensor_new_uninit(ctx, c[0]->dtype, so, nd);
    if (r) {
        int64_t n = tensor_numel(r), co[TS_MAX_DIMS], ca[TS_MAX_DIMS], cb[TS_MAX_DIMS];
        int64_t sta[TS_MAX_DIMS], stb[TS_MAX_DIMS];
        tensor_contiguous_strides(sa, nd, sta);
        tensor_contiguous_strides(sb, nd, stb);
        for (int64_t e = 0; e < n; e++) {
            int64_t rem = e;
            for (int i = nd - 1; i >= 0; i--) co[i] = rem % so[i], rem /= so[i];
            int64_t oa = 0, ob = 0;
            for (int i = 0; i < nd; i++) {
                ca[i] = co[i] / sb[i], cb[i] = co[i] % sb[i];
                oa += ca[i] * sta[i], ob += cb[i] * stb[i];
            }
            if (f) ((double *)tensor_data(r))[e] = ((double *)tensor_data(c[0]))[oa] * ((double *)tensor_data(c[1]))[ob];
            else ((int64_t *)tensor_data(r))[e] = (int64_t)((uint64_t)((int64_t *)tensor_data(c[0]))[oa] * (uint64_t)((int64_t *)tensor_data(c[1]))[ob]);
        }
    }
    tensor_release(c[0]), tensor_release(c[1]);
    r = r ? op_cast_steal(ctx, r, dt) : NULL;
    return r ? op_return(out, r) : ctx->status;
}

OPFN(top_dist) {
    IValue d, a[3] = {in[0], in[1], iv_int(1)};
    TS_TRY(top_sub_Tensor(ctx, a, 3, &d, info));
    IValue b[5] = {d, in[2], iv_none(), iv_bool(false), iv_none()};
    ts_status st = top_linalg_vector_norm(ctx, b, 5, out, info);
    iv_release(d);
    return st;
}

/* ---- one_hot, repeat_interleave, argwhere, angle, isreal ---- */

OPFN(top_one_hot) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "one_hot", in, nin, 0, &x));
    if (x->dtype != DT_INT64) return ts_fail(ctx, TS_ERR_TYPE, NULL, "one_hot is only applicable to index tensor.");
    int64_t n = tensor_numel(x), C = op_int(in[1]), mx = -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = tensor_get_i64(x, i);
        if (v < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "Class values must be non-negative.");
        if (v > mx) mx = v;
    }
    if (C == -1) {
        if (n == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "Can not infer total number of classes from empty tensor.");
        C = mx + 1;
    } else if (mx >= C) return ts_fail(ctx, TS_ERR_VALUE, NULL, "Class values must be smaller than num_classes.");
    if (x->ndim >= TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "one_hot: too many dimensions");
    int64_t sz[TS_MAX_DIMS];
    memcpy(sz, x->sizes, sizeof(int64_t) * (size_t)x->ndim);
    sz[x->ndim] = C;
    Tensor *r = tensor_empty(ctx, DT_INT64, sz, x->ndim + 1);
    if (!r) return ctx->status;
    for (int64_t i = 0; i < n; i++) ((int64_t *)tensor_data(r))[i * C + tensor_get_i64(x, i)] = 1;
    return op_return(out, r);
}

/* Each slice of x along dim (x flattened when dim is None) repeated
 * reps[i] times. */
static ts_status repeat_interleave(Ctx *ctx, Tensor *x, Tensor *reps, int64_t rep1, IValue dimv, IValue *out) {
    Tensor *src = x;
    int64_t flat, one = 1;
    Tensor *c = NULL;
    if (dimv.kind == IV_NONE) {
        c = tensor_contiguous(ctx, x);
        if (!c) return ctx->status;
        flat = tensor_numel(c);
        src = tensor_view(ctx, c->storage, c->dtype, c->storage_offset, &flat, &one, 1);
        tensor_release(c);
        if (!src) return ctx->status;
    } else tensor_retain(src);
    int d = 0;
    ts_status st = TS_OK;
    if (dimv.kind != IV_NONE) st = op_wrap_dim(ctx, "repeat_interleave", op_int(dimv), src->ndim, &d);
    int64_t n = src->ndim ? src->sizes[d] : 1, total = 0;
    if (st == TS_OK && reps && reps->ndim > 1)
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "repeats must be 0-dim or 1-dim tensor");
    if (st == TS_OK && reps && tensor_numel(reps) != 1 && tensor_numel(reps) != n)
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "repeats must have the same size as input along dim");
    for (int64_t i = 0; st == TS_OK && i < n; i++) {
        int64_t k = reps ? tensor_get_i64(reps, tensor_numel(reps) == 1 ? 0 : i) : rep1;
        if (k < 0) st = ts_fail(ctx, TS_ERR_VALUE, NULL, "repeats can not be negative");
        total += k;
    }
    if (st != TS_OK) {
        tensor_release(src);
        return st;
    }
    int64_t sz[TS_MAX_DIMS];
    memcpy(sz, src->sizes, sizeof sz);
    if (src->ndim) sz[d] = total;
    Tensor *r = tensor_new_uninit(ctx, src->dtype, sz, src->ndim ? src->ndim : 1);
    if (!r) {
        tensor_release(src);
        return ctx->status;
    }
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t k = reps ? tensor_get_i64(reps, tensor_numel(reps) == 1 ? 0 : i) : rep1;
        for (int64_t j = 0; j < k; j++, at++) {
            int64_t ssz[TS_MAX_DIMS];
            memcpy(ssz, src->sizes, sizeof ssz);
            ssz[d] = 1;
            int64_t rst[TS_MAX_DIMS];
            tensor_contiguous_strides(r->sizes, r->ndim, rst);
            Tensor *dv = tensor_view(ctx, r->storage, r->dtype, at * rst[d], ssz, rst, r->ndim);
            Tensor *sv = dv ? tensor_view(ctx, src->storage, src->dtype, src->storage_offset + i * src->strides[d], ssz, src->strides, src->ndim) : NULL;
            if (!sv) {
                tensor_release(dv), tensor_release(r), tensor_release(src);
                return ctx->status;
            }
            tensor_copy_into(dv, sv);
            tensor_release(dv), tensor_release(sv);
        }
    }
    tensor_release(src);
    return op_return(out, r);
}

OPFN(top_repeat_interleave_self_int) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "repeat_interleave", in, nin, 0, &x));
    return repeat_interleave(ctx, x, NULL, op_int(in[1]), in[2], out);
}

OPFN(top_repeat_interleave_self_Tensor) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, "repeat_interleave", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "repeat_interleave", in, nin, 1, &r));
    if (dtype_is_float(r->dtype) || r->dtype == DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "repeats has to be Long tensor");
    return repeat_interleave(ctx, x, r, 0, in[2], out);
}

OPFN(top_repeat_interleave_Tensor) {
    Tensor *r;
    TS_TRY(op_tensor(ctx, "repeat_interleave", in, nin, 0, &r));
    if (r->ndim != 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "repeat_interleave only accept 1D vector as repeat");
    if (r->dtype != DT_INT64 && r->dtype != DT_INT32) return ts_fail(ctx, TS_ERR_TYPE, NULL, "repeats has to be Long or Int tensor");
    int64_t n = r->sizes[0];
    Tensor *ar = tensor_new_uninit(ctx, r->dtype, &n, 1);
    if (!ar) return ctx->status;
    for (int64_t i = 0; i < n; i++) dtype_store_i64(r->dtype, (char *)tensor_data(ar) + (size_t)i * dtype_size(r->dtype), i);
    ts_status st = repeat_interleave(ctx, ar, r, 0, iv_int(0), out);
    tensor_release(ar);
    return st;
}

OPFN(top_argwhere) { return top_nonzero(ctx, in, nin, out, info); }

OPFN(top_angle) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "angle", in, nin, 0, &x));
    DType rdt = dtype_is_float(x->dtype) ? x->dtype : DT_FLOAT32;
    Tensor *y = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!y) return ctx->status;
    double *p = tensor_data(y);
    for (int64_t i = 0, n = tensor_numel(y); i < n; i++) p[i] = isnan(p[i]) ? p[i] : p[i] < 0 ? M_PI : 0.0;
    y = op_cast_steal(ctx, y, rdt);
    return y ? op_return(out, y) : ctx->status;
}

OPFN(top_isreal) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "isreal", in, nin, 0, &x));
    Tensor *r = tensor_new_uninit(ctx, DT_BOOL, x->sizes, x->ndim);
    if (!r) return ctx->status;
    memset(tensor_data(r), 1, (size_t)tensor_numel(r));
    return op_return(out, r);
}

/* ---- diff, constant_pad_nd ---- */

OPFN(top_diff) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "diff", in, nin, 0, &x));
    int64_t n = op_int(in[1]);
    if (x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "diff expects input to be at least one-dimensional");
    if (n < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "order must be non-negative but got %" PRId64, n);
    int d;
    TS_TRY(op_wrap_dim(ctx, "diff", op_int(in[2]), x->ndim, &d));
    IValue cur = iv_tensor_steal(tensor_retain(x));
    if (in[3].kind != IV_NONE || in[4].kind != IV_NONE) {
        ListObj *l = list_new(ty_tensor(), 3);
        if (in[3].kind != IV_NONE) list_push_steal(l, iv_dup(in[3]));
        list_push_steal(l, iv_dup(cur));
        if (in[4].kind != IV_NONE) list_push_steal(l, iv_dup(in[4]));
        IValue a[2] = {iv_list_steal(l), iv_int(d)}, c;
        ts_status st = top_cat(ctx, a, 2, &c, info);
        iv_release(a[0]);
        iv_release(cur);
        if (st != TS_OK) return st;
        cur = c;
    }
    for (int64_t k = 0; k < n; k++) {
        int64_t len = cur.u.t->sizes[d];
        if (len == 0) break;
        IValue hi, lo, r;
        IValue sa[5] = {cur, iv_int(d), iv_int(1), iv_none(), iv_int(1)};
        IValue sb[5] = {cur, iv_int(d), iv_int(0), iv_int(len - 1), iv_int(1)};
        ts_status st = top_slice_Tensor(ctx, sa, 5, &hi, info);
        if (st == TS_OK && (st = top_slice_Tensor(ctx, sb, 5, &lo, info)) != TS_OK) iv_release(hi);
        if (st != TS_OK) {
            iv_release(cur);
            return st;
        }
        IValue args[3] = {hi, lo, iv_int(1)};
        st = cur.u.t->dtype == DT_BOOL ? top_logical_xor(ctx, args, 2, &r, info) : top_sub_Tensor(ctx, args, 3, &r, info);
        iv_release(hi), iv_release(lo), iv_release(cur);
        if (st != TS_OK) return st;
        cur = r;
    }
    out[0] = cur;
    return TS_OK;
}

OPFN(top_constant_pad_nd) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "constant_pad_nd", in, nin, 0, &x));
    int64_t p[2 * TS_MAX_DIMS];
    int np;
    TS_TRY(op_int_list(ctx, "constant_pad_nd", in[1], p, &np));
    if (np % 2 || np / 2 > x->ndim)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "Length of pad must be even but instead it equals %d", np);
    int64_t sz[TS_MAX_DIMS];
    memcpy(sz, x->sizes, sizeof sz);
    for (int i = 0; i < np / 2; i++) {
        int dd = x->ndim - 1 - i;
        sz[dd] += p[2 * i] + p[2 * i + 1];
        if (sz[dd] < 0)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "The input size %" PRId64 ", plus negative padding %" PRId64 " and %" PRId64 " resulted in a negative output size, which is invalid. Check dimension %d of your input.",
                           x->sizes[dd], p[2 * i], p[2 * i + 1], dd);
    }
    Tensor *r = tensor_new_uninit(ctx, x->dtype, sz, x->ndim);
    if (!r) return ctx->status;
    kref_fill(r, op_kscalar(in[2]));
    /* the overlap of x (cropped by negative pads) and r (offset by positive ones) */
    int64_t rst[TS_MAX_DIMS], vsz[TS_MAX_DIMS], roff = 0, xoff = x->storage_offset;
    tensor_contiguous_strides(sz, x->ndim, rst);
    bool empty = false;
    for (int dd = 0; dd < x->ndim; dd++) {
        int i = x->ndim - 1 - dd;
        int64_t before = i < np / 2 ? p[2 * i] : 0, after = i < np / 2 ? p[2 * i + 1] : 0;
        int64_t xs = before < 0 ? -before : 0, rs = before > 0 ? before : 0;
        int64_t len = x->sizes[dd] - xs - (after < 0 ? -after : 0);
        if (len <= 0) empty = true;
        vsz[dd] = len > 0 ? len : 0;
        roff += rs * rst[dd];
        xoff += xs * x->strides[dd];
    }
    if (!empty && tensor_numel(r) > 0) {
        Tensor *dv = tensor_view(ctx, r->storage, r->dtype, roff, vsz, rst, x->ndim);
        Tensor *sv = dv ? tensor_view(ctx, x->storage, x->dtype, xoff, vsz, x->strides, x->ndim) : NULL;
        if (!sv) {
            tensor_release(dv), tensor_release(r);
            return ctx->status;
        }
        tensor_copy_into(dv, sv);
        tensor_release(dv), tensor_release(sv);
    }
    return op_return(out, r);
}

/* ---- bincount, histc ---- */

OPFN(top_bincount) {
    Tensor *x, *w;
    TS_TRY(op_tensor(ctx, "bincount", in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, "bincount", in, nin, 1, &w));
    int64_t minlength = op_int(in[2]);
    if (x->ndim != 1 || dtype_is_float(x->dtype) || x->dtype == DT_BOOL)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "bincount only supports 1-d non-negative integral inputs.");
    if (minlength < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "minlength should be >= 0");
    if (w && (w->ndim != 1 || w->sizes[0] != x->sizes[0]))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "weights should be 1-d and have the same length as input");
    int64_t n = x->sizes[0], mx = -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = tensor_get_i64(x, i);
        if (v < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "bincount only supports 1-d non-negative integral inputs.");
        if (v > mx) mx = v;
    }
    int64_t len = mx + 1 > minlength ? mx + 1 : minlength;
    if (len > ((int64_t)1 << 31)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "bincount: %" PRId64 " bins are too many", len);
    DType dt = !w ? DT_INT64 : w->dtype == DT_FLOAT32 ? DT_FLOAT32 : DT_FLOAT64;
    Tensor *r = tensor_empty(ctx, DT_FLOAT64, &len, 1);
    if (!r) return ctx->status;
    double *o = tensor_data(r);
    for (int64_t i = 0; i < n; i++) o[tensor_get_i64(x, i)] += w ? tensor_get_f64(w, i) : 1.0;
    r = op_cast_steal(ctx, r, dt);
    return r ? op_return(out, r) : ctx->status;
}

OPFN(top_histc) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "histc", in, nin, 0, &x));
    int64_t bins = op_int(in[1]);
    if (bins <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.histc(): bins must be > 0, but got %" PRId64, bins);
    if (bins > ((int64_t)1 << 31)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.histc(): %" PRId64 " bins are too many", bins);
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "\"histogram_cpu\" not implemented for '%s'", dtype_name(x->dtype));
    Tensor *c = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!c) return ctx->status;
    const double *p = tensor_data(c);
    int64_t n = tensor_numel(c);
    double lo = iv_scalar_f64(in[2]), hi = iv_scalar_f64(in[3]);
    if (lo > hi) {
        tensor_release(c);
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.histc(): max must be larger than min");
    }
    if (lo == hi && n > 0) {
        lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; i < n; i++) lo = p[i] < lo ? p[i] : lo, hi = p[i] > hi ? p[i] : hi;
    }
    if (lo == hi) lo -= 1, hi += 1;
    if (!isfinite(lo) || !isfinite(hi)) {
        tensor_release(c);
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.histc(): range of [%g, %g] is not finite", lo, hi);
    }
    /* the bin edges as PyTorch computes them, in the input's dtype */
    Tensor *r = tensor_empty(ctx, DT_FLOAT64, &bins, 1);
    if (!r) {
        tensor_release(c);
        return ctx->status;
    }
    double *o = tensor_data(r);
    bool f32 = x->dtype != DT_FLOAT64;
    for (int64_t i = 0; i < n; i++) {
        double v = p[i];
        if (!(v >= lo && v <= hi)) continue;
        int64_t b = f32 ? (int64_t)((float)((float)(v - lo) / (float)(hi - lo)) * (float)bins)
                        : (int64_t)((v - lo) / (hi - lo) * (double)bins);
        if (b >= bins) b = bins - 1;
        if (b < 0) b = 0;
        o[b] += 1;
    }
    tensor_release(c);
    r = op_cast_steal(ctx, r, x->dtype);
    return r ? op_return(out, r) : ctx->status;
}

/* ---- block_diag, cartesian_prod ---- */

OPFN(top_block_diag) {
    if (in[0].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "block_diag: expected a list of tensors");
    ListObj *l = in[0].u.l;
    ResultType rt;
    rt_init(&rt);
    int64_t R = 0, C = 0;
    for (int64_t i = 0; i < l->len; i++) {
        Tensor *t = l->items[i].u.t;
        if (t->ndim > 2)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input %" PRId64 " has %d dimensions", i, t->ndim);
        rt_tensor(&rt, t);
        R += t->ndim == 2 ? t->sizes[0] : 1;
        C += t->ndim == 2 ? t->sizes[1] : t->ndim == 1 ? t->sizes[0] : 1;
    }
    DType dt = l->len ? rt_result(&rt) : DT_FLOAT32;
    int64_t sz[2] = {R, C}, r0 = 0, c0 = 0;
    Tensor *r = tensor_empty(ctx, dt, sz, 2);
    if (!r) return ctx->status;
    for (int64_t i = 0; i < l->len; i++) {
        Tensor *t = l->items[i].u.t;
        int64_t h = t->ndim == 2 ? t->sizes[0] : 1, w = t->ndim == 2 ? t->sizes[1] : t->ndim == 1 ? t->sizes[0] : 1;
        int64_t vsz[2] = {h, w}, vst[2] = {C, 1};
        int64_t tst[2] = {t->ndim == 2 ? t->strides[0] : 0, t->ndim == 2 ? t->strides[1] : t->ndim == 1 ? t->strides[0] : 0};
        if (h * w > 0) {
            Tensor *dv = tensor_view(ctx, r->storage, r->dtype, r0 * C + c0, vsz, vst, 2);
            Tensor *sv = dv ? tensor_view(ctx, t->storage, t->dtype, t->storage_offset, vsz, tst, 2) : NULL;
            if (!sv) {
                tensor_release(dv), tensor_release(r);
                return ctx->status;
            }
            tensor_copy_into(dv, sv);
            tensor_release(dv), tensor_release(sv);
        }
        r0 += h, c0 += w;
    }
    return op_return(out, r);
}

OPFN(top_cartesian_prod) {
    if (in[0].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "cartesian_prod: expected a list of tensors");
    ListObj *l = in[0].u.l;
    int k = (int)l->len;
    if (k == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "cartesian_prod: expects a non-empty TensorList");
    for (int i = 0; i < k; i++)
        if (l->items[i].u.t->ndim != 1)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Expect a 1D vector, but got shape %d-D", l->items[i].u.t->ndim);
    if (k == 1) return op_return(out, tensor_retain(l->items[0].u.t));
    DType dt = l->items[0].u.t->dtype;
    for (int i = 1; i < k; i++)
        if (l->items[i].u.t->dtype != dt)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "meshgrid expects all tensors to have the same dtype");
    int64_t total = 1;
    for (int i = 0; i < k; i++) total *= l->items[i].u.t->sizes[0];
    int64_t sz[2] = {total, k};
    Tensor *r = tensor_new_uninit(ctx, dt, sz, 2);
    if (!r) return ctx->status;
    size_t z = dtype_size(dt);
    for (int64_t e = 0; e < total; e++) {
        int64_t rem = e;
        for (int i = k - 1; i >= 0; i--) {
            Tensor *t = l->items[i].u.t;
            int64_t c = rem % t->sizes[0];
            rem /= t->sizes[0];
            memcpy((char *)tensor_data(r) + (size_t)(e * k + i) * z,
                   (const char *)t->storage->data + (size_t)(t->storage_offset + c * t->strides[0]) * z, z);
        }
    }
    return op_return(out, r);
}

/* ---- mvlgamma, frexp ---- */

OPFN(top_mvlgamma) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "mvlgamma", in, nin, 0, &x));
    int64_t p = op_int(in[1]);
    if (p < 1) return ts_fail(ctx, TS_ERR_VALUE, NULL, "p has to be greater than or equal to 1");
    DType rdt = dtype_is_float(x->dtype) ? x->dtype : DT_FLOAT32;
    Tensor *y = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!y) return ctx->status;
    double *v = tensor_data(y);
    int64_t n = tensor_numel(y);
    for (int64_t i = 0; i < n; i++)
        if (!(v[i] > 0.5 * (double)(p - 1))) {
            tensor_release(y);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "All elements must be greater than (p-1)/2");
        }
    double c = (double)p * (double)(p - 1) / 4.0 * log(M_PI);
    for (int64_t i = 0; i < n; i++) {
        double s = c;
        for (int64_t j = 0; j < p; j++) s += lgamma(v[i] - 0.5 * (double)j);
        v[i] = s;
    }
    y = op_cast_steal(ctx, y, rdt);
    return y ? op_return(out, y) : ctx->status;
}

OPFN(top_frexp_Tensor) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "frexp", in, nin, 0, &x));
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "torch.frexp() only supports floating-point dtypes");
    Tensor *m = tensor_to_dtype(ctx, x, DT_FLOAT64), *e = m ? tensor_new_uninit(ctx, DT_INT32, x->sizes, x->ndim) : NULL;
    if (!e) {
        tensor_release(m);
        return ctx->status;
    }
    double *p = tensor_data(m);
    int32_t *q = tensor_data(e);
    for (int64_t i = 0, n = tensor_numel(m); i < n; i++) {
        int ex = 0;
        p[i] = isfinite(p[i]) ? frexp(p[i], &ex) : p[i];
        q[i] = ex;
    }
    m = op_cast_steal(ctx, m, x->dtype);
    if (!m) {
        tensor_release(e);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(m);
    out[1] = iv_tensor_steal(e);
    return TS_OK;
}
