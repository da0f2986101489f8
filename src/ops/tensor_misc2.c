/*
 * tensor_misc2.c - creation, statistics and indexing ops the nn library and
 * model code call: aten::arange (all overloads), linspace, tensor /
 * as_tensor from (nested) Python lists and scalars, std / var (plain, dim
 * and correction overloads), topk, trunc, atan2, flip, unbind and gather.
 *
 * Float arithmetic is done in double over contiguous float64 copies and
 * rounded once to the result dtype (arange / linspace follow PyTorch's own
 * formulas in the result's precision); integer results are exact. Results
 * are new contiguous tensors except unbind's, which are views of the input.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/tensor_ops.h"

/* ---- arange / linspace ---- */

/* The dtype argument at in[i]: None gives dflt. */
static ts_status opt_dtype(Ctx *ctx, const char *op, IValue v, DType dflt, DType *out) {
    if (v.kind == IV_NONE) {
        *out = dflt;
        return TS_OK;
    }
    return op_dtype(ctx, op, v, out);
}

static ts_status arange_impl(Ctx *ctx, IValue start, IValue end, IValue step, IValue dtv, IValue *out) {
    const char *op = "arange";
    bool isf = op_scalar_is_float(start) || op_scalar_is_float(end) || op_scalar_is_float(step);
    DType dt;
    TS_TRY(opt_dtype(ctx, op, dtv, isf ? DT_FLOAT32 : DT_INT64, &dt));
    double s = iv_scalar_f64(start), e = iv_scalar_f64(end), st = iv_scalar_f64(step);
    if (st == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "arange: step must be nonzero");
    if (!isfinite(s) || !isfinite(e))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "arange: unsupported range: %g -> %g", s, e);
    if ((st > 0 && s > e) || (st < 0 && s < e))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "arange: upper bound and larger bound inconsistent with step sign");
    double nd = ceil((e - s) / st);
    if (nd > 1e12) return ts_fail(ctx, TS_ERR_VALUE, NULL, "arange: the range has too many elements (%g)", nd);
    int64_t n = (int64_t)nd;
    Tensor *r = tensor_new_uninit(ctx, dt, &n, 1);
    if (!r) return ctx->status;
    char *p = tensor_data(r);
    size_t es = dtype_size(dt);
    if (!dtype_is_float(dt) && !isf) {
        int64_t si = iv_scalar_i64(start), sti = iv_scalar_i64(step);
        for (int64_t i = 0; i < n; i++) dtype_store_i64(dt, p + (size_t)i * es, si + i * sti);
    } else
        for (int64_t i = 0; i < n; i++) dtype_store_f64(dt, p + (size_t)i * es, s + st * (double)i);
    return op_return(out, r);
}

OPFN(top_arange) { return arange_impl(ctx, iv_int(0), in[0], iv_int(1), in[1], out); }
OPFN(top_arange_start) { return arange_impl(ctx, in[0], in[1], iv_int(1), in[2], out); }
OPFN(top_arange_start_step) { return arange_impl(ctx, in[0], in[1], in[2], in[3], out); }

OPFN(top_linspace) {
    const char *op = "linspace";
    int64_t n = op_int(in[2]);
    if (n < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "linspace: number of steps must be non-negative");
    DType dt;
    TS_TRY(opt_dtype(ctx, op, in[3], DT_FLOAT32, &dt));
    Tensor *r = tensor_new_uninit(ctx, dt, &n, 1);
    if (!r) return ctx->status;
    double s = iv_scalar_f64(in[0]), e = iv_scalar_f64(in[1]);
    char *p = tensor_data(r);
    size_t es = dtype_size(dt);
    bool f32 = dt != DT_FLOAT64;
    /* PyTorch: the first half counts up from start, the second down from end */
    double step = n > 1 ? (e - s) / (double)(n - 1) : 0;
    if (f32) step = (double)(float)((float)(e - s) / (float)(n > 1 ? n - 1 : 1));
    int64_t half = n / 2;
    for (int64_t i = 0; i < n; i++) {
        double v = i < half ? s + step * (double)i : e - step * (double)(n - i - 1);
        if (f32) v = i < half ? (double)((float)s + (float)step * (float)i) : (double)((float)e - (float)step * (float)(n - i - 1));
        if (n == 1) v = s; /* one step is the start, as PyTorch gives */
        dtype_store_f64(dt, p + (size_t)i * es, v);
    }
    return op_return(out, r);
}

/* ---- tensor / as_tensor from lists and scalars ---- */

/* Shape and element kind (0 bool, 1 int, 2 float) of a nested list. */
static ts_status list_shape(Ctx *ctx, IValue v, int depth, int64_t *sizes, int *ndim, int *kind) {
    if (v.kind == IV_LIST) {
        if (depth >= TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor: the list is nested too deeply");
        int64_t n = v.u.l->len;
        if (depth == *ndim) {
            sizes[depth] = n;
            (*ndim)++;
        } else if (depth > *ndim || sizes[depth] != n)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "tensor: expected sequence of length %" PRId64 " at dim %d (got %" PRId64 ")",
                           depth < *ndim ? sizes[depth] : 0, depth, n);
        for (int64_t i = 0; i < n; i++) TS_TRY(list_shape(ctx, v.u.l->items[i], depth + 1, sizes, ndim, kind));
        return TS_OK;
    }
    if (depth != *ndim) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "tensor: a list has a number where a list was expected");
    int k = v.kind == IV_BOOL ? 0 : v.kind == IV_INT ? 1 : v.kind == IV_DOUBLE ? 2 : -1;
    if (k < 0 && v.kind == IV_TENSOR && v.u.t->ndim == 0) k = dtype_is_float(v.u.t->dtype) ? 2 : 1;
    if (k < 0) return ts_fail(ctx, TS_ERR_TYPE, NULL, "tensor: expected numbers in the list, got %s", iv_kind_name(v));
    if (k > *kind) *kind = k;
    return TS_OK;
}

static void list_fill(IValue v, DType dt, char **p) {
    if (v.kind == IV_LIST) {
        for (int64_t i = 0; i < v.u.l->len; i++) list_fill(v.u.l->items[i], dt, p);
        return;
    }
    if (v.kind == IV_TENSOR) dtype_store_f64(dt, *p, tensor_get_f64(v.u.t, 0));
    else if (v.kind == IV_DOUBLE) dtype_store_f64(dt, *p, v.u.d);
    else dtype_store_i64(dt, *p, v.kind == IV_BOOL ? v.u.b : v.u.i);
    *p += dtype_size(dt);
}

OPFN(top_tensor_data) {
    int64_t sizes[TS_MAX_DIMS];
    int ndim = 0, kind = 0;
    if (in[0].kind == IV_LIST && in[0].u.l->len == 0) kind = 2; /* torch.tensor([]) is float32 */
    TS_TRY(list_shape(ctx, in[0], 0, sizes, &ndim, &kind));
    DType dt;
    TS_TRY(opt_dtype(ctx, "tensor", in[1], kind == 2 ? DT_FLOAT32 : kind == 1 ? DT_INT64 : DT_BOOL, &dt));
    Tensor *r = tensor_new_uninit(ctx, dt, sizes, ndim);
    if (!r) return ctx->status;
    char *p = tensor_data(r);
    list_fill(in[0], dt, &p);
    return op_return(out, r);
}

OPFN(top_tensor_scalar) {
    IValue v = in[0];
    DType dt;
    TS_TRY(opt_dtype(ctx, "tensor", in[1], v.kind == IV_DOUBLE ? DT_FLOAT32 : v.kind == IV_INT ? DT_INT64 : DT_BOOL, &dt));
    Tensor *r = tensor_new_uninit(ctx, dt, NULL, 0);
    if (!r) return ctx->status;
    char *p = tensor_data(r);
    list_fill(v, dt, &p);
    return op_return(out, r);
}

/* as_tensor(Tensor data, dtype, device): data itself, or converted. */
OPFN(top_as_tensor) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "as_tensor", in, nin, 0, &t));
    DType dt;
    TS_TRY(opt_dtype(ctx, "as_tensor", in[1], t->dtype, &dt));
    Tensor *r = dt == t->dtype ? tensor_retain(t) : tensor_to_dtype(ctx, t, dt);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- std / var ---- */

static ts_status stat_impl(Ctx *ctx, const char *op, Tensor *x, IValue dimv, double correction, bool keepdim,
                           bool is_std, IValue *out) {
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: std and var only support floating point and complex dtypes", op);
    bool red[TS_MAX_DIMS] = {false};
    int64_t dims[TS_MAX_DIMS];
    int nd = 0;
    if (dimv.kind != IV_NONE) TS_TRY(op_int_list(ctx, op, dimv, dims, &nd));
    if (nd == 0)
        for (int i = 0; i < x->ndim; i++) red[i] = true;
    for (int i = 0; i < nd; i++) {
        int d;
        TS_TRY(op_wrap_dim(ctx, op, dims[i], x->ndim, &d));
        if (d < x->ndim) red[d] = true;
    }
    /* permute so the reduced dims are last: rows x n */
    int64_t osz[TS_MAX_DIMS], n = 1, rows = 1;
    int on = 0;
    for (int i = 0; i < x->ndim; i++) {
        if (red[i]) {
            n *= x->sizes[i];
            if (keepdim) osz[on++] = 1;
        } else {
            rows *= x->sizes[i];
            osz[on++] = x->sizes[i];
        }
    }
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64), *y = NULL;
    if (!xd) return ctx->status;
    double *buf = ts_malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (!buf || !(y = tensor_new_uninit(ctx, DT_FLOAT64, osz, on))) {
        if (!buf) ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
        ts_free(buf);
        tensor_release(xd);
        return ctx->status;
    }
    const double *X = tensor_data(xd);
    double *Y = tensor_data(y);
    int64_t idx[TS_MAX_DIMS];
    for (int64_t r = 0; r < rows; r++) {
        /* gather row r's elements: enumerate the reduced coordinates */
        int64_t rem = r;
        for (int i = x->ndim - 1; i >= 0; i--)
            if (!red[i]) {
                idx[i] = rem % x->sizes[i];
                rem /= x->sizes[i];
            }
        for (int64_t k = 0; k < n; k++) {
            int64_t kr = k, off = 0, mul = 1;
            for (int i = x->ndim - 1; i >= 0; i--) {
                int64_t c = idx[i];
                if (red[i]) {
                    c = kr % x->sizes[i];
                    kr /= x->sizes[i];
                }
                off += c * mul;
                mul *= x->sizes[i];
            }
            buf[k] = X[off];
        }
        double m = 0, v = 0;
        for (int64_t k = 0; k < n; k++) m += buf[k];
        m /= (double)n;
        for (int64_t k = 0; k < n; k++) v += (buf[k] - m) * (buf[k] - m);
        double den = (double)n - correction;
        v = den > 0 ? v / den : (n > 0 ? INFINITY * (v > 0 ? 1 : 0) : NAN);
        if (den <= 0) v = NAN;
        Y[r] = is_std ? sqrt(v) : v;
    }
    ts_free(buf);
    tensor_release(xd);
    y = op_cast_steal(ctx, y, x->dtype);
    if (!y) return ctx->status;
    return op_return(out, y);
}

static ts_status stat_op(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int form, bool is_std) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (form == 0) return stat_impl(ctx, op, x, iv_none(), op_bool(in[1]) ? 1 : 0, false, is_std, out);
    if (form == 1) return stat_impl(ctx, op, x, in[1], op_bool(in[2]) ? 1 : 0, op_bool(in[3]), is_std, out);
    double corr = in[2].kind == IV_NONE ? 1 : iv_scalar_f64(in[2]);
    return stat_impl(ctx, op, x, in[1], corr, op_bool(in[3]), is_std, out);
}

OPFN(top_std) { return stat_op(ctx, "std", in, nin, out, 0, true); }
OPFN(top_std_dim) { return stat_op(ctx, "std", in, nin, out, 1, true); }
OPFN(top_std_correction) { return stat_op(ctx, "std", in, nin, out, 2, true); }
OPFN(top_var) { return stat_op(ctx, "var", in, nin, out, 0, false); }
OPFN(top_var_dim) { return stat_op(ctx, "var", in, nin, out, 1, false); }
OPFN(top_var_correction) { return stat_op(ctx, "var", in, nin, out, 2, false); }

/* ---- topk ---- */

typedef struct KV {
    double v;
    int64_t i;
} KV;

static int kv_desc(const void *a, const void *b) {
    const KV *x = a, *y = b;
    bool nx = isnan(x->v), ny = isnan(y->v);
    if (nx != ny) return nx ? -1 : 1;
    if (!nx && x->v != y->v) return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int kv_asc(const void *a, const void *b) {
    const KV *x = a, *y = b;
    bool nx = isnan(x->v), ny = isnan(y->v);
    if (nx != ny) return nx ? 1 : -1;
    if (!nx && x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

OPFN(top_topk) {
    const char *op = "topk";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t k = op_int(in[1]);
    int d;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[2]), x->ndim, &d));
    bool largest = op_bool(in[3]);
    int64_t n = x->ndim ? x->sizes[d] : 1;
    if (k < 0 || k > n) return ts_fail(ctx, TS_ERR_VALUE, NULL, "selected index k out of range");
    int64_t outer = 1, inner = 1, osz[TS_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++) {
        osz[i] = i == d ? k : x->sizes[i];
        if (i < d) outer *= x->sizes[i];
        if (i > d) inner *= x->sizes[i];
    }
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64), *xc = NULL, *v = NULL, *ix = NULL;
    KV *kv = NULL;
    if (!xd || !(xc = tensor_contiguous(ctx, x)) || !(v = tensor_new_uninit(ctx, x->dtype, osz, x->ndim)) ||
        !(ix = tensor_new_uninit(ctx, DT_INT64, osz, x->ndim)))
        goto fail;
    if (!(kv = ts_malloc(sizeof(KV) * (size_t)(n > 0 ? n : 1)))) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "topk: out of memory");
        goto fail;
    }
    const double *X = tensor_data(xd);
    int64_t *I = tensor_data(ix);
    size_t es = dtype_size(x->dtype);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            for (int64_t t = 0; t < n; t++) kv[t].v = X[(o * n + t) * inner + j], kv[t].i = t;
            qsort(kv, (size_t)n, sizeof(KV), largest ? kv_desc : kv_asc);
            for (int64_t t = 0; t < k; t++) {
                int64_t dst = (o * k + t) * inner + j;
                I[dst] = kv[t].i;
                memcpy((char *)tensor_data(v) + (size_t)dst * es,
                       (char *)tensor_data(xc) + (size_t)((o * n + kv[t].i) * inner + j) * es, es);
            }
        }
    ts_free(kv);
    tensor_release(xd), tensor_release(xc);
    out[0] = iv_tensor_steal(v);
    out[1] = iv_tensor_steal(ix);
    return TS_OK;
fail:
    ts_free(kv);
    tensor_release(xd), tensor_release(xc), tensor_release(v), tensor_release(ix);
    return ctx->status;
}

/* ---- trunc, atan2 ---- */

OPFN(top_trunc) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "trunc", in, nin, 0, &x));
    if (!dtype_is_float(x->dtype)) {
        Tensor *r = tensor_to_dtype(ctx, x, x->dtype);
        return r ? op_return(out, r) : ctx->status;
    }
    Tensor *y = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!y) return ctx->status;
    double *p = tensor_data(y);
    for (int64_t i = 0, n = tensor_numel(y); i < n; i++) p[i] = trunc(p[i]);
    y = op_cast_steal(ctx, y, x->dtype);
    return y ? op_return(out, y) : ctx->status;
}

OPFN(top_atan2) {
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, "atan2", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "atan2", in, nin, 1, &b));
    int64_t sz[TS_MAX_DIMS];
    int nd = 0;
    TS_TRY(tensor_broadcast_shapes(ctx, "atan2", a->sizes, a->ndim, b->sizes, b->ndim, sz, &nd));
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, a);
    rt_tensor(&rt, b);
    DType dt = rt_result(&rt);
    if (!dtype_is_float(dt)) dt = DT_FLOAT32;
    Tensor *ea = tensor_expand(ctx, a, sz, nd), *eb = NULL, *da = NULL, *db = NULL;
    if (!ea || !(eb = tensor_expand(ctx, b, sz, nd)) || !(da = tensor_to_dtype(ctx, ea, DT_FLOAT64)) ||
        !(db = tensor_to_dtype(ctx, eb, DT_FLOAT64))) {
        tensor_release(ea), tensor_release(eb), tensor_release(da);
        return ctx->status;
    }
    double *p = tensor_data(da);
    const double *q = tensor_data(db);
    for (int64_t i = 0, n = tensor_numel(da); i < n; i++) p[i] = atan2(p[i], q[i]);
    tensor_release(ea), tensor_release(eb), tensor_release(db);
    da = op_cast_steal(ctx, da, dt);
    return da ? op_return(out, da) : ctx->status;
}

/* ---- flip, unbind, gather ---- */

OPFN(top_flip) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "flip", in, nin, 0, &x));
    int64_t dims[TS_MAX_DIMS];
    int nd = 0;
    TS_TRY(op_int_list(ctx, "flip", in[1], dims, &nd));
    bool fl[TS_MAX_DIMS] = {false};
    for (int i = 0; i < nd; i++) {
        int d;
        TS_TRY(op_wrap_dim(ctx, "flip", dims[i], x->ndim, &d));
        if (d < x->ndim) {
            if (fl[d]) return ts_fail(ctx, TS_ERR_VALUE, NULL, "flip: dim %d appears multiple times in the list of dims", d);
            fl[d] = true;
        }
    }
    Tensor *r = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim);
    if (!r) return ctx->status;
    size_t es = dtype_size(x->dtype);
    int64_t n = tensor_numel(x), c[TS_MAX_DIMS];
    const char *base = (const char *)x->storage->data;
    for (int64_t e = 0; e < n; e++) {
        int64_t rem = e, off = x->storage_offset;
        for (int i = x->ndim - 1; i >= 0; i--) c[i] = rem % x->sizes[i], rem /= x->sizes[i];
        for (int i = 0; i < x->ndim; i++) off += (fl[i] ? x->sizes[i] - 1 - c[i] : c[i]) * x->strides[i];
        memcpy((char *)tensor_data(r) + (size_t)e * es, base + (size_t)off * es, es);
    }
    return op_return(out, r);
}

OPFN(top_unbind_int) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "unbind", in, nin, 0, &x));
    if (x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "unbind: Dimension specified as 0 but tensor has no dimensions");
    int d;
    TS_TRY(op_wrap_dim(ctx, "unbind", op_int(in[1]), x->ndim, &d));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int on = 0;
    for (int i = 0; i < x->ndim; i++)
        if (i != d) sz[on] = x->sizes[i], st[on++] = x->strides[i];
    ListObj *l = list_new(ty_tensor(), x->sizes[d]);
    for (int64_t i = 0; i < x->sizes[d]; i++) {
        Tensor *v = tensor_view(ctx, x->storage, x->dtype, x->storage_offset + i * x->strides[d], sz, st, on);
        if (!v) {
            iv_release(iv_list_steal(l));
            return ctx->status;
        }
        list_push_steal(l, iv_tensor_steal(v));
    }
    out[0] = iv_list_steal(l);
    return TS_OK;
}

OPFN(top_gather) {
    const char *op = "gather";
    Tensor *x, *ix;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &ix));
    int d;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[1]), x->ndim, &d));
    /* PyTorch checks the index dtype only when there is something to gather */
    if (ix->dtype != DT_INT64 && tensor_numel(ix) > 0)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "gather(): Expected dtype int64 for index");
    int xn = x->ndim ? x->ndim : 1, in_ = ix->ndim ? ix->ndim : 1;
    if (xn != in_)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Index tensor must have the same number of dimensions as input tensor");
    for (int i = 0; i < ix->ndim; i++)
        if (i != d && ix->sizes[i] > x->sizes[i]) {
            ShapeText a, b;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "Size does not match at dimension %d expected index %s to be smaller than self %s apart from dimension %d",
                           i, op_shape(&a, ix), op_shape(&b, x), d);
        }
    Tensor *ic = tensor_contiguous(ctx, ix), *r = NULL;
    if (!ic || !(r = tensor_new_uninit(ctx, x->dtype, ix->sizes, ix->ndim))) {
        tensor_release(ic);
        return ctx->status;
    }
    const int64_t *I = tensor_data(ic);
    size_t es = dtype_size(x->dtype);
    int64_t n = tensor_numel(ix), lim = x->ndim ? x->sizes[d] : 1, c[TS_MAX_DIMS];
    const char *base = (const char *)x->storage->data;
    for (int64_t e = 0; e < n; e++) {
        int64_t rem = e;
        for (int i = ix->ndim - 1; i >= 0; i--) c[i] = rem % ix->sizes[i], rem /= ix->sizes[i];
        int64_t k = I[e];
        if (k < 0 || k >= lim) {
            tensor_release(ic), tensor_release(r);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "gather(): index %" PRId64 " is out of bounds for dimension %d with size %" PRId64,
                           k, d, lim);
        }
        int64_t off = x->storage_offset;
        for (int i = 0; i < x->ndim; i++) off += (i == d ? k : c[i]) * x->strides[i];
        memcpy((char *)tensor_data(r) + (size_t)e * es, base + (size_t)off * es, es);
    }
    tensor_release(ic);
    return op_return(out, r);
}
