/*
 * tensor_reduce.c - reductions over any set of dimensions and scans along
 * one, driven by kernels/reduce.def: prod, amax/amin, aminmax, nansum,
 * nanmean, count_nonzero, logsumexp, norm / linalg_vector_norm /
 * frobenius_norm, var_mean / std_mean; cumsum, cumprod, cummax, cummin,
 * logcumsumexp.
 *
 * One layout step serves them all (lay_out): the input is viewed with the
 * kept dimensions first and the reduced ones last, and copied into a
 * contiguous float64 (or int64) buffer of [outer, n] rows, which one kernel
 * loop reduces; the result is rounded once to PyTorch's result dtype. A scan
 * moves its dimension last the same way and moves it back afterwards.
 */
#include <math.h>
#include <string.h>

#include "kernels/reduce2.h"
#include "ops/tensor_ops.h"

/* The reduction's geometry: which dims, and the output sizes. */
typedef struct Red {
    bool reduced[TS_MAX_DIMS];
    int64_t outer, n;
    int64_t out_sizes[TS_MAX_DIMS];
    int out_ndim;
} Red;

/* Parse dims (None or [] means all) for x; keepdim shapes the output. */
static ts_status red_dims(Ctx *ctx, const char *op, const Tensor *x, IValue dims, bool keepdim, Red *r) {
    int64_t d[TS_MAX_DIMS];
    int nd = 0;
    memset(r, 0, sizeof *r);
    if (dims.kind != IV_NONE) TS_TRY(op_int_list(ctx, op, dims, d, &nd));
    for (int i = 0; i < nd; i++) {
        int w;
        TS_TRY(op_wrap_dim(ctx, op, d[i], x->ndim, &w));
        if (x->ndim == 0) continue;
        if (r->reduced[w])
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: dim %d appears multiple times in the list of dims", op, w);
        r->reduced[w] = true;
    }
    if (nd == 0)
        for (int i = 0; i < x->ndim; i++) r->reduced[i] = true;
    r->outer = r->n = 1;
    for (int i = 0; i < x->ndim; i++) {
        if (r->reduced[i]) {
            r->n *= x->sizes[i];
            if (keepdim) r->out_sizes[r->out_ndim++] = 1;
        } else {
            r->outer *= x->sizes[i];
            r->out_sizes[r->out_ndim++] = x->sizes[i];
        }
    }
    return TS_OK;
}

/* x viewed kept-dims-first, reduced-last (or dim `last` moved last when
 * r is NULL), copied contiguous in dtype ct. */
static Tensor *lay_out(Ctx *ctx, Tensor *x, const Red *r, int last, DType ct) {
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < x->ndim; i++) {
            bool red = r ? r->reduced[i] : i == last;
            if (red == (pass == 1)) {
                sz[k] = x->sizes[i];
                st[k++] = x->strides[i];
            }
        }
    Tensor *v = tensor_view(ctx, x->storage, x->dtype, x->storage_offset, sz, st, x->ndim);
    if (!v) return NULL;
    Tensor *c = tensor_to_dtype(ctx, v, ct);
    tensor_release(v);
    return c;
}

/* A new tensor of dtype ct and the output's sizes. */
static Tensor *red_out(Ctx *ctx, const Red *r, DType ct) {
    return tensor_new_uninit(ctx, ct, r->out_sizes, r->out_ndim);
}

static ts_status empty_check(Ctx *ctx, const char *op, const Red *r) {
    if (r->n == 0 && r->outer > 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "%s(): Expected reduction dim to have non-zero size", op);
    return TS_OK;
}

/* Reduce x with op in float64 (or in int64 for integer prod/amax/amin when
 * int_path) and return it as dtype rdt. */
static ts_status reduce(Ctx *ctx, const char *op, RedOp ro, Tensor *x, IValue dims, bool keepdim,
                        double p, bool int_path, DType rdt, IValue *out) {
    Red r;
    TS_TRY(red_dims(ctx, op, x, dims, keepdim, &r));
    DType ct = int_path ? DT_INT64 : DT_FLOAT64;
    Tensor *b = lay_out(ctx, x, &r, -1, ct);
    if (!b) return ctx->status;
    Tensor *o = red_out(ctx, &r, ct);
    if (!o) {
        tensor_release(b);
        return ctx->status;
    }
    if (int_path) kred_i64(ro, tensor_data(b), r.outer, r.n, tensor_data(o));
    else kred_f64(ro, tensor_data(b), r.outer, r.n, p, tensor_data(o));
    tensor_release(b);
    o = op_cast_steal(ctx, o, rdt);
    return o ? op_return(out, o) : ctx->status;
}

/* The dtype= argument of sum-like reductions: the input converted first. */
static ts_status with_dtype(Ctx *ctx, const char *op, Tensor *x, IValue dt, Tensor **out) {
    if (dt.kind == IV_NONE) {
        *out = tensor_retain(x);
        return TS_OK;
    }
    DType d;
    TS_TRY(op_dtype(ctx, op, dt, &d));
    *out = tensor_to_dtype(ctx, x, d);
    return *out ? TS_OK : ctx->status;
}

/* ---- prod, amax/amin, aminmax, nansum, nanmean, count_nonzero ---- */

static ts_status prod(Ctx *ctx, IValue *in, int nin, IValue dims, bool keepdim, IValue dt, IValue *out) {
    Tensor *x0, *x;
    TS_TRY(op_tensor(ctx, "prod", in, nin, 0, &x0));
    TS_TRY(with_dtype(ctx, "prod", x0, dt, &x));
    bool f = dtype_is_float(x->dtype);
    DType rdt = f ? x->dtype : DT_INT64;
    ts_status st = reduce(ctx, "prod", RED_prod, x, dims, keepdim, 0, !f, rdt, out);
    tensor_release(x);
    return st;
}
OPFN(top_prod) { return prod(ctx, in, nin, iv_none(), false, in[1], out); }
OPFN(top_prod_dim_int) { return prod(ctx, in, nin, in[1], op_bool(in[2]), in[3], out); }

static ts_status minmax(Ctx *ctx, const char *op, RedOp ro, IValue *in, int nin, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    Red r;
    TS_TRY(red_dims(ctx, op, x, in[1], op_bool(in[2]), &r));
    TS_TRY(empty_check(ctx, op, &r));
    bool f = dtype_is_float(x->dtype);
    return reduce(ctx, op, ro, x, in[1], op_bool(in[2]), 0, !f, x->dtype, out);
}
OPFN(top_amax) { return minmax(ctx, "amax", RED_amax, in, nin, out); }
OPFN(top_amin) { return minmax(ctx, "amin", RED_amin, in, nin, out); }

OPFN(top_aminmax) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "aminmax", in, nin, 0, &x));
    IValue dims = in[1];
    bool keep = op_bool(in[2]);
    Red r;
    TS_TRY(red_dims(ctx, "aminmax", x, dims, keep, &r));
    TS_TRY(empty_check(ctx, "aminmax", &r));
    /* PyTorch's aminmax gives a 0-dim input reduced over dim 0 with keepdim
     * the shape [1]: reduce a 1-d view of it */
    int64_t one = 1;
    Tensor *v = x->ndim == 0 && dims.kind != IV_NONE && keep
                    ? tensor_view(ctx, x->storage, x->dtype, x->storage_offset, &one, &one, 1)
                    : tensor_retain(x);
    if (!v) return ctx->status;
    bool f = dtype_is_float(x->dtype);
    ts_status st = reduce(ctx, "aminmax", RED_amin, v, dims, keep, 0, !f, x->dtype, &out[0]);
    if (st == TS_OK) {
        st = reduce(ctx, "aminmax", RED_amax, v, dims, keep, 0, !f, x->dtype, &out[1]);
        if (st != TS_OK) iv_release(out[0]);
    }
    tensor_release(v);
    return st;
}

OPFN(top_nansum) {
    Tensor *x0, *x;
    TS_TRY(op_tensor(ctx, "nansum", in, nin, 0, &x0));
    TS_TRY(with_dtype(ctx, "nansum", x0, in[3], &x));
    bool f = dtype_is_float(x->dtype);
    DType rdt = f ? x->dtype : DT_INT64;
    ts_status st = reduce(ctx, "nansum", RED_nansum, x, in[1], op_bool(in[2]), 0, false, rdt, out);
    tensor_release(x);
    return st;
}

OPFN(top_nanmean) {
    Tensor *x0, *x;
    TS_TRY(op_tensor(ctx, "nanmean", in, nin, 0, &x0));
    TS_TRY(with_dtype(ctx, "nanmean", x0, in[3], &x));
    if (!dtype_is_float(x->dtype)) {
        DType d = x->dtype;
        tensor_release(x);
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "nanmean(): expected input to have floating point dtype but got %s", dtype_name(d));
    }
    IValue s, c;
    ts_status st = reduce(ctx, "nanmean", RED_nansum, x, in[1], op_bool(in[2]), 0, false, DT_FLOAT64, &s);
    if (st == TS_OK) {
        Tensor *nn = tensor_new_uninit(ctx, DT_FLOAT64, x->sizes, x->ndim);
        if (!nn) st = ctx->status;
        else {
            Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64);
            if (!xd) st = ctx->status;
            else {
                const double *p = tensor_data(xd);
                double *q = tensor_data(nn);
                for (int64_t i = 0, n = tensor_numel(xd); i < n; i++) q[i] = !isnan(p[i]);
                tensor_release(xd);
                st = reduce(ctx, "nanmean", RED_nansum, nn, in[1], op_bool(in[2]), 0, false, DT_FLOAT64, &c);
            }
            tensor_release(nn);
        }
        if (st == TS_OK) {
            double *a = tensor_data(s.u.t);
            const double *b = tensor_data(c.u.t);
            for (int64_t i = 0, n = tensor_numel(s.u.t); i < n; i++) a[i] /= b[i];
            iv_release(c);
            Tensor *r = op_cast_steal(ctx, tensor_retain(s.u.t), x->dtype);
            iv_release(s);
            tensor_release(x);
            return r ? op_return(out, r) : ctx->status;
        }
        iv_release(s);
    }
    tensor_release(x);
    return st;
}

static ts_status count_nonzero(Ctx *ctx, IValue *in, int nin, IValue dims, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "count_nonzero", in, nin, 0, &x));
    return reduce(ctx, "count_nonzero", RED_count, x, dims, false, 0, false, DT_INT64, out);
}
OPFN(top_count_nonzero_dim_IntList) { return count_nonzero(ctx, in, nin, in[1], out); }
OPFN(top_count_nonzero) { return count_nonzero(ctx, in, nin, in[1], out); }

/* ---- logsumexp, norms ---- */

OPFN(top_logsumexp) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "logsumexp", in, nin, 0, &x));
    Red r;
    TS_TRY(red_dims(ctx, "logsumexp", x, in[1], op_bool(in[2]), &r));
    DType rdt = dtype_is_float(x->dtype) ? x->dtype : DT_FLOAT32;
    Tensor *b = lay_out(ctx, x, &r, -1, DT_FLOAT64);
    if (!b) return ctx->status;
    Tensor *o = red_out(ctx, &r, DT_FLOAT64);
    if (o) kred_logsumexp_f64(tensor_data(b), r.outer, r.n, tensor_data(o));
    tensor_release(b);
    o = op_cast_steal(ctx, o, rdt);
    return o ? op_return(out, o) : ctx->status;
}

/* A p-norm over dims: the kernel row for p (0, 1, 2, inf, -inf, other). */
static ts_status pnorm(Ctx *ctx, const char *op, Tensor *x, double p, IValue dims, bool keepdim, IValue dt,
                       IValue *out) {
    DType rdt = x->dtype;
    if (dt.kind != IV_NONE) TS_TRY(op_dtype(ctx, op, dt, &rdt));
    if (!dtype_is_float(x->dtype) || !dtype_is_float(rdt))
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "%s: Expected a floating point or complex tensor as input. Got %s", op,
                       dtype_name(x->dtype));
    RedOp ro = p == 0 ? RED_norm0 : p == 1 ? RED_norm1 : p == 2 ? RED_norm2
             : p == INFINITY ? RED_norminf : p == -INFINITY ? RED_normninf : RED_normp;
    if (p < 0 || isinf(p)) {
        Red r;
        TS_TRY(red_dims(ctx, op, x, dims, keepdim, &r));
        if (r.n == 0 && r.outer > 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s cannot compute the %g norm on an empty tensor because the operation "
                           "does not have an identity", op, p);
    }
    return reduce(ctx, op, ro, x, dims, keepdim, p, false, rdt, out);
}

OPFN(top_linalg_vector_norm) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "linalg.vector_norm", in, nin, 0, &x));
    return pnorm(ctx, "linalg.vector_norm", x, iv_scalar_f64(in[1]), in[2], op_bool(in[3]), in[4], out);
}

OPFN(top_norm_Scalar) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "norm", in, nin, 0, &x));
    return pnorm(ctx, "norm", x, iv_scalar_f64(in[1]), iv_none(), false, iv_none(), out);
}

OPFN(top_norm_ScalarOpt_dim) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "norm", in, nin, 0, &x));
    double p = in[1].kind == IV_NONE ? 2.0 : iv_scalar_f64(in[1]);
    return pnorm(ctx, "norm", x, p, in[2], op_bool(in[3]), iv_none(), out);
}

OPFN(top_norm_ScalarOpt_dim_dtype) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "norm", in, nin, 0, &x));
    double p = in[1].kind == IV_NONE ? 2.0 : iv_scalar_f64(in[1]);
    return pnorm(ctx, "norm", x, p, in[2], op_bool(in[3]), in[4], out);
}

OPFN(top_norm_ScalarOpt_dtype) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "norm", in, nin, 0, &x));
    double p = in[1].kind == IV_NONE ? 2.0 : iv_scalar_f64(in[1]);
    return pnorm(ctx, "norm", x, p, iv_none(), false, in[2], out);
}

OPFN(top_frobenius_norm) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "frobenius_norm", in, nin, 0, &x));
    return pnorm(ctx, "frobenius_norm", x, 2.0, iv_none(), false, iv_none(), out);
}

OPFN(top_frobenius_norm_dim) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "frobenius_norm", in, nin, 0, &x));
    return pnorm(ctx, "frobenius_norm", x, 2.0, in[1], op_bool(in[2]), iv_none(), out);
}

/* ---- var_mean, std_mean ---- */

static ts_status var_mean(Ctx *ctx, const char *op, IValue *in, int nin, IValue dims, double corr,
                          bool keepdim, bool take_sqrt, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s only supports floating-point dtypes", op);
    Red r;
    TS_TRY(red_dims(ctx, op, x, dims, keepdim, &r));
    Tensor *b = lay_out(ctx, x, &r, -1, DT_FLOAT64), *v = NULL, *m = NULL;
    if (!b || !(v = red_out(ctx, &r, DT_FLOAT64)) || !(m = red_out(ctx, &r, DT_FLOAT64))) {
        tensor_release(b), tensor_release(v);
        return ctx->status;
    }
    kred_var_mean_f64(tensor_data(b), r.outer, r.n, corr, tensor_data(v), tensor_data(m));
    tensor_release(b);
    if (take_sqrt) {
        double *p = tensor_data(v);
        for (int64_t i = 0; i < r.outer; i++) p[i] = sqrt(p[i]);
    }
    v = op_cast_steal(ctx, v, x->dtype);
    m = v ? op_cast_steal(ctx, m, x->dtype) : (tensor_release(m), NULL);
    if (!v || !m) {
        tensor_release(v);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(v);
    out[1] = iv_tensor_steal(m);
    return TS_OK;
}

static double correction_of(IValue c) { return c.kind == IV_NONE ? 1.0 : iv_scalar_f64(c); }

OPFN(top_var_mean) { return var_mean(ctx, "var_mean", in, nin, iv_none(), op_bool(in[1]) ? 1 : 0, false, false, out); }
OPFN(top_var_mean_dim) {
    return var_mean(ctx, "var_mean", in, nin, in[1], op_bool(in[2]) ? 1 : 0, op_bool(in[3]), false, out);
}
OPFN(top_var_mean_correction) {
    return var_mean(ctx, "var_mean", in, nin, in[1], correction_of(in[2]), op_bool(in[3]), false, out);
}
OPFN(top_std_mean) { return var_mean(ctx, "std_mean", in, nin, iv_none(), op_bool(in[1]) ? 1 : 0, false, true, out); }
OPFN(top_std_mean_dim) {
    return var_mean(ctx, "std_mean", in, nin, in[1], op_bool(in[2]) ? 1 : 0, op_bool(in[3]), true, out);
}
OPFN(top_std_mean_correction) {
    return var_mean(ctx, "std_mean", in, nin, in[1], correction_of(in[2]), op_bool(in[3]), true, out);
}

/* ---- scans ---- */

/* b, laid out with dim last ([outer, n] rows), back to x's sizes
 * (contiguous) as dtype rdt. */
static Tensor *un_lay(Ctx *ctx, Tensor *b, const Tensor *x, int dim, DType rdt) {
    int64_t st_perm[TS_MAX_DIMS], st[TS_MAX_DIMS];
    tensor_contiguous_strides(b->sizes, b->ndim, st_perm);
    /* permuted position k holds original dim perm[k] */
    int k = 0;
    for (int i = 0; i < x->ndim; i++)
        if (i != dim) st[i] = st_perm[k++];
    if (x->ndim > 0) st[dim] = st_perm[x->ndim - 1];
    Tensor *v = tensor_view(ctx, b->storage, b->dtype, 0, x->sizes, st, x->ndim);
    if (!v) return NULL;
    Tensor *r = tensor_to_dtype(ctx, v, rdt);
    tensor_release(v);
    return r;
}

static ts_status scan(Ctx *ctx, const char *op, ScanOp so, IValue *in, int nin, IValue dt, bool with_idx,
                      IValue *out) {
    Tensor *x0, *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x0));
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[1]), x0->ndim, &dim));
    TS_TRY(with_dtype(ctx, op, x0, dt, &x));
    bool f = dtype_is_float(x->dtype);
    DType rdt = f || with_idx ? x->dtype : DT_INT64;
    if (so == SCAN_LOGSUMEXP) {
        if (!f) {
            tensor_release(x);
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: not implemented for %s tensors", op,
                           dtype_name(x0->dtype));
        }
    }
    int64_t n = x->ndim ? x->sizes[dim] : 1;
    int64_t outer = n ? tensor_numel(x) / n : 0;
    Tensor *b = lay_out(ctx, x, NULL, x->ndim ? dim : -1, f ? DT_FLOAT64 : DT_INT64), *ix = NULL;
    if (!b) {
        tensor_release(x);
        return ctx->status;
    }
    if (with_idx && !(ix = tensor_new_uninit(ctx, DT_INT64, b->sizes, b->ndim))) {
        tensor_release(b), tensor_release(x);
        return ctx->status;
    }
    if (f) kscan_f64(so, tensor_data(b), outer, n, ix ? tensor_data(ix) : NULL);
    else kscan_i64(so, tensor_data(b), outer, n, ix ? tensor_data(ix) : NULL);
    Tensor *r = un_lay(ctx, b, x, dim, rdt), *ri = NULL;
    tensor_release(b);
    if (r && ix) ri = un_lay(ctx, ix, x, dim, DT_INT64);
    tensor_release(ix);
    tensor_release(x);
    if (!r || (with_idx && !ri)) {
        tensor_release(r);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(r);
    if (with_idx) out[1] = iv_tensor_steal(ri);
    return TS_OK;
}

OPFN(top_cumsum) { return scan(ctx, "cumsum", SCAN_SUM, in, nin, in[2], false, out); }
OPFN(top_cumprod) { return scan(ctx, "cumprod", SCAN_PROD, in, nin, in[2], false, out); }
OPFN(top_cummax) { return scan(ctx, "cummax", SCAN_MAX, in, nin, iv_none(), true, out); }
OPFN(top_cummin) { return scan(ctx, "cummin", SCAN_MIN, in, nin, iv_none(), true, out); }
OPFN(top_logcumsumexp) { return scan(ctx, "logcumsumexp", SCAN_LOGSUMEXP, in, nin, iv_none(), false, out); }
