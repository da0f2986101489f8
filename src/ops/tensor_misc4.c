/*
 * tensor_misc4.c - composite ops that PyTorch itself writes in terms of
 * other ATen ops (ldexp, trapezoid, cumulative_trapezoid, ...): each calls
 * the same ops in the same order (ATen's composite implementation), so the
 * dtype rules and the rounding follow from theirs.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/tensor_ops.h"

/* Calls op fn on the n arguments, the single result into *r (owned). */
static ts_status call(Ctx *ctx, OpFn fn, IValue *args, int n, Tensor **r) {
    IValue o;
    TS_TRY(fn(ctx, args, n, &o, NULL));
    if (o.kind != IV_TENSOR) {
        iv_release(o);
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "internal: an op did not return a tensor");
    }
    *r = o.u.t;
    return TS_OK;
}

static IValue tv(Tensor *t) {
    IValue v;
    v.kind = IV_TENSOR;
    v.u.t = t;
    return v;
}

/* ldexp(self, other) = self * 2 ** other (ATen's composite). */
OPFN(top_ldexp) {
    Tensor *x, *e, *p = NULL, *r = NULL;
    TS_TRY(op_tensor(ctx, "ldexp", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "ldexp", in, nin, 1, &e));
    IValue a[2] = {iv_double(2.0), tv(e)};
    TS_TRY(call(ctx, top_pow_Scalar, a, 2, &p));
    IValue b[2] = {tv(x), tv(p)};
    ts_status st = call(ctx, top_mul_Tensor, b, 2, &r);
    tensor_release(p);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

/* ---- integer inputs of float-only kernels (int_via.def) ---- */

enum { VIA_BACK, VIA_BACK_ISCALAR, VIA_F32 };

static ts_status via_float(Ctx *ctx, OpFn fn, int mode, IValue *in, int nin, IValue *out, const OpInfo *info) {
    int idt = -1;
    for (int i = 0; i < nin; i++) {
        if (in[i].kind != IV_TENSOR) continue;
        DType d = in[i].u.t->dtype;
        if (!dtype_is_integral(d, false) || (idt >= 0 && (int)d != idt)) return fn(ctx, in, nin, out, info);
        idt = (int)d;
    }
    if (idt < 0) return fn(ctx, in, nin, out, info);
    DType ct = mode == VIA_F32 ? DT_FLOAT32 : DT_FLOAT64;
    IValue a[32];
    if (nin > 32) return fn(ctx, in, nin, out, info);
    ts_status st = TS_OK;
    for (int i = 0; i < nin; i++) {
        a[i] = in[i];
        if (mode == VIA_BACK_ISCALAR && in[i].kind == IV_DOUBLE) a[i] = iv_int((int64_t)in[i].u.d);
        if (in[i].kind == IV_TENSOR) { /* owned converted copies, None after a failure */
            Tensor *c = st == TS_OK ? tensor_to_dtype(ctx, in[i].u.t, ct) : NULL;
            if (!c && st == TS_OK) st = ctx->status;
            a[i] = c ? tv(c) : iv_none();
        }
    }
    IValue r = iv_none();
    if (st == TS_OK) st = fn(ctx, a, nin, &r, info);
    for (int i = 0; i < nin; i++)
        if (in[i].kind == IV_TENSOR && a[i].kind == IV_TENSOR) tensor_release(a[i].u.t);
    if (st != TS_OK) return st;
    if (mode == VIA_F32 || r.kind != IV_TENSOR) {
        out[0] = r;
        return TS_OK;
    }
    Tensor *b = op_cast_steal(ctx, r.u.t, (DType)idt);
    return b ? op_return(out, b) : ctx->status;
}

#define VIA(wrapper, fn, mode) \
    OPFN(wrapper) { return via_float(ctx, fn, mode, in, nin, out, info); }
#include "ops/int_via.def"
#undef VIA

/* ---- small composition helpers (results owned; NULL on failure) ---- */

static IValue ints_of(const int64_t *v, int n) {
    ListObj *l = list_new(ty_int(), n);
    if (!l) return iv_none();
    for (int i = 0; i < n; i++) list_push_steal(l, iv_int(v[i]));
    return iv_list_steal(l);
}

static Tensor *c_slice(Ctx *ctx, Tensor *t, int dim, int64_t start, int64_t end, bool has_end) {
    Tensor *r = NULL;
    IValue a[5] = {tv(t), iv_int(dim), iv_int(start), has_end ? iv_int(end) : iv_none(), iv_int(1)};
    return call(ctx, top_slice_Tensor, a, 5, &r) == TS_OK ? r : NULL;
}

static Tensor *c_select(Ctx *ctx, Tensor *t, int dim, int64_t i) {
    Tensor *r = NULL;
    IValue a[3] = {tv(t), iv_int(dim), iv_int(i)};
    return call(ctx, top_select_int, a, 3, &r) == TS_OK ? r : NULL;
}

static Tensor *c_bin(Ctx *ctx, OpFn fn, Tensor *x, Tensor *y) {
    Tensor *r = NULL;
    IValue a[3] = {tv(x), tv(y), iv_int(1)};
    return call(ctx, fn, a, fn == top_mul_Tensor ? 2 : 3, &r) == TS_OK ? r : NULL;
}

static Tensor *c_scalar(Ctx *ctx, OpFn fn, Tensor *x, double s) {
    Tensor *r = NULL;
    IValue a[3] = {tv(x), iv_double(s), iv_int(1)};
    return call(ctx, fn, a, fn == top_add_Scalar || fn == top_sub_Scalar ? 3 : 2, &r) == TS_OK ? r : NULL;
}

static Tensor *c_dimop(Ctx *ctx, OpFn fn, Tensor *x, int dim) {
    Tensor *r = NULL;
    int64_t d = dim;
    IValue a[4] = {tv(x), fn == top_cumsum ? iv_int(dim) : ints_of(&d, 1), iv_bool(false), iv_none()};
    if (a[1].kind == IV_NONE) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
        return NULL;
    }
    ts_status st = fn == top_cumsum ? (a[2] = iv_none(), call(ctx, fn, a, 3, &r))
                                    : call(ctx, fn, a, 4, &r);
    if (fn != top_cumsum) iv_release(a[1]);
    return st == TS_OK ? r : NULL;
}

static Tensor *c_view(Ctx *ctx, Tensor *x, const int64_t *sz, int n) {
    Tensor *r = NULL;
    IValue a[2] = {tv(x), ints_of(sz, n)};
    if (a[1].kind == IV_NONE) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
        return NULL;
    }
    ts_status st = call(ctx, top_view, a, 2, &r);
    iv_release(a[1]);
    return st == TS_OK ? r : NULL;
}

/* Releases up to four tensors (NULLs allowed) and passes r through. */
static Tensor *rel(Tensor *r, Tensor *a, Tensor *b, Tensor *c) {
    tensor_release(a), tensor_release(b), tensor_release(c);
    return r;
}

/* ---- trapezoid, trapz, cumulative_trapezoid (ATen's Integration.cpp rules) ---- */

/* left + right along dim: y[..., :-1] + y[..., 1:] */
static Tensor *pair_sum(Ctx *ctx, Tensor *y, int dim) {
    Tensor *l = c_slice(ctx, y, dim, 0, -1, true), *r = l ? c_slice(ctx, y, dim, 1, 0, false) : NULL;
    Tensor *s = r ? c_bin(ctx, top_add_Tensor, l, r) : NULL;
    return rel(s, l, r, NULL);
}

/* dx from x: x viewed to y's rank (1-d: along dim; fewer dims: leading 1s), then differences along dim. */
static Tensor *spacing(Ctx *ctx, const char *op, Tensor *y, Tensor *x, int dim) {
    int64_t sz[TS_MAX_DIMS];
    Tensor *xv;
    if (x->ndim == 1) {
        if (x->sizes[0] != (y->ndim ? y->sizes[dim] : 1)) {
            ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: There must be one `x` value for each sample point", op);
            return NULL;
        }
        for (int d = 0; d < y->ndim; d++) sz[d] = d == dim ? x->sizes[0] : 1;
        xv = c_view(ctx, x, sz, y->ndim);
    } else if (x->ndim < y->ndim) {
        int pad = y->ndim - x->ndim;
        for (int d = 0; d < y->ndim; d++) sz[d] = d < pad ? 1 : x->sizes[d - pad];
        xv = c_view(ctx, x, sz, y->ndim);
    } else {
        xv = tensor_retain(x);
    }
    if (!xv) return NULL;
    Tensor *l = c_slice(ctx, xv, dim, 0, -1, true), *r = l ? c_slice(ctx, xv, dim, 1, 0, false) : NULL;
    Tensor *dx = r ? c_bin(ctx, top_sub_Tensor, r, l) : NULL;
    return rel(dx, l, r, xv);
}

/* (y, x or dx, dim): cumulative selects cumulative_trapezoid. */
static ts_status trapezoid(Ctx *ctx, const char *op, bool cumulative, IValue *in, int nin, IValue *out) {
    Tensor *y, *x = NULL;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &y));
    if (in[1].kind == IV_TENSOR) x = in[1].u.t;
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[2]), y->ndim, &dim));
    if (y->dtype == DT_BOOL || (x && x->dtype == DT_BOOL))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: received a bool input for `x` or `y`, but bool is not supported", op);
    if (in[1].kind == IV_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Currently, we only support dx as a real number.", op);
    if (!cumulative && y->ndim > 0 && y->sizes[dim] == 0) { /* numpy's 0 for no samples */
        int64_t sz[TS_MAX_DIMS];
        int n = 0;
        for (int d = 0; d < y->ndim; d++)
            if (d != dim) sz[n++] = y->sizes[d];
        Tensor *z = tensor_empty(ctx, y->dtype, sz, n);
        return z ? op_return(out, z) : ctx->status;
    }
    Tensor *r = NULL;
    if (x) {
        Tensor *dx = spacing(ctx, op, y, x, dim), *s = dx ? pair_sum(ctx, y, dim) : NULL;
        Tensor *p = s ? c_bin(ctx, top_mul_Tensor, s, dx) : NULL;
        Tensor *q = p ? c_dimop(ctx, cumulative ? top_cumsum : top_sum_dim_IntList, p, dim) : NULL;
        r = q ? c_scalar(ctx, top_div_Scalar, q, 2.0) : NULL;
        rel(NULL, dx, s, p), tensor_release(q);
    } else {
        double dx = iv_scalar_f64(in[1]);
        if (cumulative) { /* (dx / 2 * (left + right)).cumsum(dim) */
            Tensor *s = pair_sum(ctx, y, dim), *p = s ? c_scalar(ctx, top_mul_Scalar, s, dx / 2.0) : NULL;
            r = p ? c_dimop(ctx, top_cumsum, p, dim) : NULL;
            rel(NULL, s, p, NULL);
        } else { /* (y.sum(dim) - (y[0] + y[-1]) * 0.5) * dx */
            Tensor *t = c_dimop(ctx, top_sum_dim_IntList, y, dim);
            Tensor *a = t ? c_select(ctx, y, dim, 0) : NULL, *b = a ? c_select(ctx, y, dim, -1) : NULL;
            Tensor *e = b ? c_bin(ctx, top_add_Tensor, a, b) : NULL;
            Tensor *h = e ? c_scalar(ctx, top_mul_Scalar, e, 0.5) : NULL;
            Tensor *d = h ? c_bin(ctx, top_sub_Tensor, t, h) : NULL;
            r = d ? c_scalar(ctx, top_mul_Scalar, d, dx) : NULL;
            rel(NULL, t, a, b), rel(NULL, e, h, d);
        }
    }
    return r ? op_return(out, r) : ctx->status;
}

OPFN(top_trapezoid) { return trapezoid(ctx, "trapezoid", false, in, nin, out); }
OPFN(top_cumulative_trapezoid) { return trapezoid(ctx, "cumulative_trapezoid", true, in, nin, out); }

/* ---- native_layer_norm, native_batch_norm: the output and the statistics ---- */

/* Mean and 1 / sqrt(max(var, 0) + eps) (biased var) of each of the `rows`
 * consecutive groups of n elements of x (float64 accumulation), written as
 * dt tensors of shape sz. zero_if_no_eps: aten's InvStd gives 0 for var = eps = 0. */
static ts_status row_moments(Ctx *ctx, Tensor *x, int64_t rows, int64_t n, double eps, bool zero_if_no_eps,
                             bool clamp, DType dt, const int64_t *sz, int nd, Tensor **mean, Tensor **rstd) {
    Tensor *d = tensor_to_dtype(ctx, x, DT_FLOAT64);
    Tensor *m = d ? tensor_new_uninit(ctx, DT_FLOAT64, sz, nd) : NULL;
    Tensor *r = m ? tensor_new_uninit(ctx, DT_FLOAT64, sz, nd) : NULL;
    if (!r) {
        rel(NULL, d, m, NULL);
        return ctx->status;
    }
    const double *p = tensor_data(d);
    double *pm = tensor_data(m), *pr = tensor_data(r);
    for (int64_t i = 0; i < rows; i++) {
        double s = 0, q = 0;
        for (int64_t k = 0; k < n; k++) s += p[i * n + k];
        double mu = n ? s / (double)n : NAN;
        for (int64_t k = 0; k < n; k++) q += (p[i * n + k] - mu) * (p[i * n + k] - mu);
        double var = n ? q / (double)n : NAN;
        if (clamp && var < 0) var = 0;
        pm[i] = mu;
        pr[i] = zero_if_no_eps && var == 0 && eps == 0 ? 0.0 : 1.0 / sqrt(var + eps);
    }
    tensor_release(d);
    *mean = op_cast_steal(ctx, m, dt);
    *rstd = *mean ? op_cast_steal(ctx, r, dt) : (tensor_release(r), NULL);
    if (!*rstd) {
        tensor_release(*mean);
        *mean = NULL;
        return ctx->status;
    }
    return TS_OK;
}

/* The three returns of the schema (a multi-return op writes out[0..3)). */
static ts_status triple(Ctx *ctx, IValue *out, Tensor *a, Tensor *b, Tensor *c) {
    (void)ctx;
    out[0] = iv_tensor_steal(a), out[1] = iv_tensor_steal(b), out[2] = iv_tensor_steal(c);
    return TS_OK;
}

/* (input, normalized_shape, weight?, bias?, eps) -> (out, mean, rstd) */
OPFN(top_native_layer_norm) {
    Tensor *x, *y = NULL;
    TS_TRY(op_tensor(ctx, "native_layer_norm", in, nin, 0, &x));
    IValue a[6] = {in[0], in[1], in[2], in[3], in[4], iv_bool(true)};
    TS_TRY(call(ctx, top_layer_norm, a, 6, &y));
    int64_t ns[TS_MAX_DIMS];
    int nn = 0;
    ts_status st = op_int_list(ctx, "native_layer_norm", in[1], ns, &nn);
    if (st != TS_OK || nn > x->ndim) {
        tensor_release(y);
        return st != TS_OK ? st : ts_fail(ctx, TS_ERR_SHAPE, NULL, "native_layer_norm: normalized_shape too long");
    }
    int axis = x->ndim - nn;
    int64_t sz[TS_MAX_DIMS], rows = 1, n = 1;
    for (int d = 0; d < x->ndim; d++) {
        sz[d] = d < axis ? x->sizes[d] : 1;
        if (d < axis) rows *= x->sizes[d];
        else n *= x->sizes[d];
    }
    Tensor *m, *r;
    st = row_moments(ctx, x, rows, n, iv_scalar_f64(in[4]), false, true, y->dtype, sz, x->ndim, &m, &r);
    if (st != TS_OK) {
        tensor_release(y);
        return st;
    }
    return triple(ctx, out, y, m, r);
}

/* (input, weight?, bias?, running_mean?, running_var?, training, momentum, eps) ->
 * (out, save_mean, save_invstd): the batch statistics when training, else empty. */
OPFN(top_native_batch_norm) {
    Tensor *x, *y = NULL;
    TS_TRY(op_tensor(ctx, "native_batch_norm", in, nin, 0, &x));
    bool training = op_bool(in[5]);
    Tensor *m = NULL, *r = NULL;
    DType dt = dtype_is_float(x->dtype) ? x->dtype : DT_FLOAT32;
    if (training && x->ndim >= 2) { /* before batch_norm updates the running stats (x itself is unchanged) */
        int64_t C = x->sizes[1], N = x->sizes[0], inner = 1;
        for (int d = 2; d < x->ndim; d++) inner *= x->sizes[d];
        /* channel-major copy: [C, N * inner] */
        Tensor *v = c_view(ctx, x, (int64_t[]){N, C, inner}, 3);
        Tensor *t = NULL, *c = NULL;
        IValue ta[3] = {iv_none(), iv_int(0), iv_int(1)};
        if (v) {
            ta[0] = tv(v);
            if (call(ctx, top_transpose_int, ta, 3, &t) == TS_OK) c = tensor_contiguous(ctx, t);
        }
        rel(NULL, v, t, NULL);
        if (!c) return ctx->status;
        int64_t csz = C;
        ts_status st = row_moments(ctx, c, C, N * inner, iv_scalar_f64(in[7]), true, false, dt, &csz, 1, &m, &r);
        tensor_release(c);
        if (st != TS_OK) return st;
    } else {
        int64_t z = 0;
        m = tensor_empty(ctx, dt, &z, 1);
        r = m ? tensor_empty(ctx, dt, &z, 1) : NULL;
        if (!r) {
            tensor_release(m);
            return ctx->status;
        }
    }
    IValue a[9] = {in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], iv_bool(false)};
    ts_status st = call(ctx, top_batch_norm, a, 9, &y);
    if (st != TS_OK) {
        rel(NULL, m, r, NULL);
        return st;
    }
    return triple(ctx, out, y, m, r);
}

/* ---- put / put_: self viewed flat, self[index[i]] = source[i] (or +=) ---- */

static ts_status put_into(Ctx *ctx, Tensor *self, Tensor *index, Tensor *source, bool acc) {
    const char *op = "put_";
    if (index->dtype != DT_INT64) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): Expected a long tensor for index", op);
    if (source->dtype != self->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): self and source expected to have the same dtype, but got %s and %s",
                       op, dtype_name(self->dtype), dtype_name(source->dtype));
    int64_t n = tensor_numel(index), numel = tensor_numel(self);
    if (tensor_numel(source) != n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s(): Expected source and index to have the same number of elements, but got source.numel() = %" PRId64
                       ", index.numel() = %" PRId64, op, tensor_numel(source), n);
    if (n > 0 && numel == 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): Tried to put elements into an empty tensor", op);
    for (int64_t i = 0; i < n; i++) { /* every index is checked before anything is written */
        int64_t k = tensor_get_i64(index, i);
        if (k < -numel || k >= numel)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): out of range: tried to access index %" PRId64
                           " on a tensor of %" PRId64 " elements.", op, k, numel);
    }
    size_t es = dtype_size(self->dtype);
    char *base = (char *)self->storage->data;
    for (int64_t i = 0; i < n; i++) {
        int64_t k = tensor_get_i64(index, i);
        if (k < 0) k += numel;
        void *dst = base + (size_t)tensor_elem_offset(self, k) * es;
        const void *src = (const char *)source->storage->data + (size_t)tensor_elem_offset(source, i) * es;
        if (!acc) memcpy(dst, src, es);
        else if (self->dtype == DT_BOOL) *(uint8_t *)dst = *(uint8_t *)dst || *(const uint8_t *)src;
        else if (dtype_is_float(self->dtype))
            dtype_store_f64(self->dtype, dst, dtype_load_f64(self->dtype, dst) + dtype_load_f64(self->dtype, src));
        else
            dtype_store_i64(self->dtype, dst,
                            (int64_t)((uint64_t)dtype_load_i64(self->dtype, dst) + (uint64_t)dtype_load_i64(self->dtype, src)));
    }
    return TS_OK;
}

OPFN(top_put_) {
    Tensor *s, *i, *v;
    TS_TRY(op_tensor(ctx, "put_", in, nin, 0, &s));
    TS_TRY(op_tensor(ctx, "put_", in, nin, 1, &i));
    TS_TRY(op_tensor(ctx, "put_", in, nin, 2, &v));
    TS_TRY(put_into(ctx, s, i, v, op_bool(in[3])));
    return op_return(out, tensor_retain(s));
}

OPFN(top_put) {
    Tensor *s, *i, *v;
    TS_TRY(op_tensor(ctx, "put", in, nin, 0, &s));
    TS_TRY(op_tensor(ctx, "put", in, nin, 1, &i));
    TS_TRY(op_tensor(ctx, "put", in, nin, 2, &v));
    Tensor *c = tensor_to_dtype(ctx, s, s->dtype);
    if (!c) return ctx->status;
    ts_status st = put_into(ctx, c, i, v, op_bool(in[3]));
    if (st != TS_OK) {
        tensor_release(c);
        return st;
    }
    return op_return(out, c);
}

/* ---- cov, corrcoef (ATen's Correlation.cpp rules, computed in float64) ---- */

/* The covariance of the rows of x (2-d: variables x observations; fewer
 * dims: one variable) as a float64 [V, V] buffer; *dt the result dtype. */
static ts_status cov_f64(Ctx *ctx, Tensor *self, int64_t correction, Tensor *fw, Tensor *aw, Tensor **res, DType *dt) {
    const char *op = "cov";
    if (self->ndim > 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): expected input to have two or fewer dimensions but got an input with %d dimensions", op, self->ndim);
    if (self->dtype == DT_BOOL) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): bool dtype is not supported for input", op);
    int64_t V = self->ndim < 2 ? 1 : self->sizes[0], N = self->ndim < 2 ? tensor_numel(self) : self->sizes[1];
    const char *wn[2] = {"fweights", "aweights"};
    Tensor *ws[2] = {fw, aw};
    DType d = self->dtype;
    for (int k = 0; k < 2; k++) {
        Tensor *w = ws[k];
        if (!w) continue;
        if (w->ndim > 1)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): expected %s to have one or fewer dimensions but got %s with %d dimensions", op, wn[k], wn[k], w->ndim);
        if (k == 0 ? !dtype_is_integral(w->dtype, false) : !dtype_is_float(w->dtype))
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): expected %s to have %s dtype but got %s with %s dtype", op, wn[k],
                           k == 0 ? "integral" : "floating point", wn[k], dtype_storage_name(w->dtype));
        if (tensor_numel(w) != N)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): expected %s to have the same numel as there are observations in the input but got %" PRId64 " != %" PRId64, op, wn[k], tensor_numel(w), N);
        for (int64_t i = 0; i < N; i++)
            if (tensor_get_f64(w, i) < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): %s cannot be negative", op, wn[k]);
        d = dtype_promote(d, w->dtype);
    }
    *dt = dtype_is_float(d) ? d : DT_FLOAT32;
    int64_t sz[2] = {V, V};
    Tensor *r = tensor_empty(ctx, DT_FLOAT64, sz, 2);
    double *w = ts_malloc(sizeof(double) * (size_t)(N > 0 ? N : 1)), *c = ts_malloc(sizeof(double) * (size_t)(V * N > 0 ? V * N : 1));
    if (!r || !w || !c) {
        tensor_release(r), ts_free(w), ts_free(c);
        return r ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op) : ctx->status;
    }
    double wsum = 0, wa = 0;
    for (int64_t i = 0; i < N; i++) {
        w[i] = (fw ? tensor_get_f64(fw, i) : 1.0) * (aw ? tensor_get_f64(aw, i) : 1.0);
        wsum += w[i];
        if (aw) wa += w[i] * tensor_get_f64(aw, i);
    }
    ts_status st = TS_OK;
    if ((fw || aw) && wsum == 0) st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): weights sum to zero, can't be normalized", op);
    else {
        double norm = (aw && correction != 0) ? wsum - (double)correction * wa / wsum : wsum - (double)correction;
        if (norm <= 0) norm = 0; /* PyTorch warns and divides by zero */
        for (int64_t v = 0; v < V; v++) {
            double s = 0;
            for (int64_t i = 0; i < N; i++) s += tensor_get_f64(self, v * N + i) * w[i];
            double mu = s / wsum;
            for (int64_t i = 0; i < N; i++) c[v * N + i] = tensor_get_f64(self, v * N + i) - mu;
        }
        double *o = tensor_data(r);
        for (int64_t a = 0; a < V; a++)
            for (int64_t b = 0; b < V; b++) {
                double s = 0;
                for (int64_t i = 0; i < N; i++) s += c[a * N + i] * c[b * N + i] * w[i];
                o[a * V + b] = s / norm;
            }
    }
    ts_free(w), ts_free(c);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    *res = r;
    return TS_OK;
}

/* [V, V] -> squeezed result of dtype dt */
static ts_status cov_return(Ctx *ctx, Tensor *r, DType dt, IValue *out) {
    if (r->sizes[0] == 1) r->ndim = 0; /* squeeze() of a 1 x 1 matrix */
    Tensor *c = op_cast_steal(ctx, r, dt);
    return c ? op_return(out, c) : ctx->status;
}

OPFN(top_cov) {
    Tensor *x, *fw, *aw, *r;
    TS_TRY(op_tensor(ctx, "cov", in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, "cov", in, nin, 2, &fw));
    TS_TRY(op_opt_tensor(ctx, "cov", in, nin, 3, &aw));
    DType dt;
    TS_TRY(cov_f64(ctx, x, op_int(in[1]), fw, aw, &r, &dt));
    return cov_return(ctx, r, dt, out);
}

/* cov / (stddev_i stddev_j), clipped to [-1, 1]; a scalar cov gives c / c. */
OPFN(top_corrcoef) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, "corrcoef", in, nin, 0, &x));
    DType dt;
    TS_TRY(cov_f64(ctx, x, 1, NULL, NULL, &r, &dt));
    int64_t V = r->sizes[0];
    double *o = tensor_data(r);
    if (V == 1) o[0] = o[0] / o[0];
    else {
        double sd[1024], *s = V <= 1024 ? sd : ts_malloc(sizeof(double) * (size_t)V);
        if (!s) {
            tensor_release(r);
            return ts_fail(ctx, TS_ERR_NOMEM, NULL, "corrcoef: out of memory");
        }
        for (int64_t i = 0; i < V; i++) s[i] = sqrt(o[i * V + i]);
        for (int64_t i = 0; i < V; i++)
            for (int64_t j = 0; j < V; j++) {
                double v = o[i * V + j] / s[i] / s[j];
                o[i * V + j] = isnan(v) ? v : v < -1 ? -1 : v > 1 ? 1 : v;
            }
        if (s != sd) ts_free(s);
    }
    return cov_return(ctx, r, dt, out);
}

/* ---- quantile, nanquantile (ATen's sort-based algorithm, in float64) ---- */

static int cmp_nan_last(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x)) return isnan(y) ? 0 : 1;
    if (isnan(y)) return -1;
    return x < y ? -1 : x > y;
}

enum { QI_LINEAR, QI_LOWER, QI_HIGHER, QI_MIDPOINT, QI_NEAREST };

/* one sorted row v[0..n) (NaNs last, nnan of them) at quantile q */
static double quantile_of(const double *v, int64_t n, int64_t nnan, double q, int how, bool ignore_nan) {
    if (!ignore_nan && nnan > 0) return NAN;
    int64_t valid = n - nnan;
    if (valid == 0) return NAN;
    double rank = q * (double)(valid - 1);
    if (how == QI_NEAREST) rank = nearbyint(rank); /* round half to even, as torch.round */
    int64_t lo = (int64_t)floor(rank), hi = (int64_t)ceil(rank);
    if (how == QI_LOWER) return v[lo];
    if (how == QI_HIGHER) return v[hi];
    if (how == QI_NEAREST) return v[lo];
    double w = how == QI_MIDPOINT ? 0.5 : rank - (double)lo, a = v[lo], b = v[hi];
    return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w); /* lerp */
}

static ts_status quantile(Ctx *ctx, const char *op, bool ignore_nan, IValue *in, int nin, IValue *out) {
    Tensor *x, *qt = NULL;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (in[1].kind == IV_TENSOR) qt = in[1].u.t;
    if (x->dtype != DT_FLOAT32 && x->dtype != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s() input tensor must be either float or double dtype", op);
    if (qt && qt->ndim > 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s() q must be a scalar or 1D tensor", op);
    if (qt && qt->dtype != x->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s() q tensor must be same dtype as the input tensor", op);
    const char *im = in[4].kind == IV_STR ? in[4].u.s->data : "linear";
    static const char *names[] = {"linear", "lower", "higher", "midpoint", "nearest"};
    int how = -1;
    for (int k = 0; k < 5; k++)
        if (!strcmp(im, names[k])) how = k;
    if (how < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s() interpolation must be one of linear, lower, higher, midpoint or nearest. Got %s", op, im);
    int64_t nq = qt ? tensor_numel(qt) : 1;
    double qs1 = qt ? 0 : iv_scalar_f64(in[1]);
    for (int64_t j = 0; j < nq; j++) {
        double q = qt ? tensor_get_f64(qt, j) : qs1;
        if (!(q >= 0 && q <= 1)) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s() q values must be in the range [0, 1]", op);
    }
    bool all = in[2].kind == IV_NONE, keep = op_bool(in[3]);
    int dim = 0;
    if (!all) TS_TRY(op_wrap_dim(ctx, op, op_int(in[2]), x->ndim, &dim));
    /* result shape: q's dim first, then the reduced shape */
    int64_t sz[TS_MAX_DIMS + 1];
    int nd = 0;
    if (qt && qt->ndim == 1) sz[nd++] = nq;
    int64_t outer = 1, n = 1, inner = 1;
    for (int d = 0; d < x->ndim; d++) {
        bool red = all || d == dim;
        if (red && keep) sz[nd++] = 1;
        else if (!red) sz[nd++] = x->sizes[d];
        if (all) n *= x->sizes[d];
        else if (d < dim) outer *= x->sizes[d];
        else if (d == dim) n = x->sizes[d];
        else inner *= x->sizes[d];
    }
    if (nd > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: too many dimensions", op);
    int64_t R = outer * inner;
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64);
    Tensor *r = xd ? tensor_new_uninit(ctx, DT_FLOAT64, sz, nd) : NULL;
    double *row = r ? ts_malloc(sizeof(double) * (size_t)(n > 0 ? n : 1)) : NULL;
    if (!row) {
        rel(NULL, xd, r, NULL);
        return r ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op) : ctx->status;
    }
    const double *p = tensor_data(xd);
    double *o = tensor_data(r);
    for (int64_t a = 0; a < outer; a++)
        for (int64_t c = 0; c < inner; c++) {
            int64_t nnan = 0;
            for (int64_t k = 0; k < n; k++) {
                row[k] = p[(a * n + k) * inner + c];
                nnan += isnan(row[k]);
            }
            qsort(row, (size_t)n, sizeof(double), cmp_nan_last);
            for (int64_t j = 0; j < nq; j++)
                o[j * R + a * inner + c] = quantile_of(row, n, nnan, qt ? tensor_get_f64(qt, j) : qs1, how, ignore_nan);
        }
    ts_free(row);
    tensor_release(xd);
    Tensor *res = op_cast_steal(ctx, r, x->dtype);
    return res ? op_return(out, res) : ctx->status;
}

OPFN(top_quantile) { return quantile(ctx, "quantile", false, in, nin, out); }
OPFN(top_nanquantile) { return quantile(ctx, "nanquantile", true, in, nin, out); }

/* ---- unique_consecutive: runs of equal elements (dim None) or equal slices along dim ---- */

/* Are slices i and j (along dim, of the contiguous x viewed [outer, n, inner]) equal? */
static bool slices_equal(const char *p, size_t es, int64_t outer, int64_t n, int64_t inner, int64_t i, int64_t j,
                         DType dt) {
    for (int64_t a = 0; a < outer; a++) {
        const char *u = p + ((a * n + i) * inner) * es, *v = p + ((a * n + j) * inner) * es;
        if (dtype_is_float(dt)) {
            for (int64_t c = 0; c < inner; c++)
                if (dtype_load_f64(dt, u + c * es) != dtype_load_f64(dt, v + c * es)) return false;
        } else if (memcmp(u, v, (size_t)inner * es)) {
            return false;
        }
    }
    return true;
}

OPFN(top_unique_consecutive) {
    const char *op = "unique_consecutive";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    bool want_inv = op_bool(in[1]), want_cnt = op_bool(in[2]), all = in[3].kind == IV_NONE;
    int dim = 0;
    if (!all) TS_TRY(op_wrap_dim(ctx, op, op_int(in[3]), x->ndim, &dim));
    if (!all && x->ndim == 0) all = true;
    int64_t outer = 1, n = tensor_numel(x), inner = 1;
    if (!all) {
        n = x->sizes[dim];
        for (int d = 0; d < x->ndim; d++)
            if (d < dim) outer *= x->sizes[d];
            else if (d > dim) inner *= x->sizes[d];
        if (n == 0 && outer * inner > 0 && x->ndim > 1)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Number of zero sized dimensions is more than one, so unique cannot be applied", op);
    }
    Tensor *c = tensor_contiguous(ctx, x);
    if (!c) return ctx->status;
    size_t es = dtype_size(x->dtype);
    const char *p = tensor_data(c);
    int64_t *first = ts_malloc(sizeof(int64_t) * (size_t)(n + 1)), *inv = ts_malloc(sizeof(int64_t) * (size_t)(n + 1));
    if (!first || !inv) {
        tensor_release(c), ts_free(first), ts_free(inv);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    }
    int64_t u = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || !slices_equal(p, es, outer, n, inner, first[u - 1], i, x->dtype)) first[u++] = i;
        inv[i] = u - 1;
    }
    first[u] = n;
    int64_t osz[TS_MAX_DIMS], isz[TS_MAX_DIMS], zero = 0;
    int ond = 1, ind = 1;
    if (all) {
        osz[0] = u;
        ind = x->ndim;
        memcpy(isz, x->sizes, sizeof(int64_t) * (size_t)x->ndim);
    } else {
        ond = x->ndim;
        memcpy(osz, x->sizes, sizeof(int64_t) * (size_t)x->ndim);
        osz[dim] = u;
        isz[0] = n;
    }
    Tensor *o = tensor_new_uninit(ctx, x->dtype, osz, ond);
    Tensor *iv = o ? (want_inv ? tensor_new_uninit(ctx, DT_INT64, isz, ind) : tensor_empty(ctx, DT_INT64, &zero, 1)) : NULL;
    Tensor *cn = iv ? tensor_new_uninit(ctx, DT_INT64, want_cnt ? &u : &zero, 1) : NULL;
    if (cn) {
        char *q = tensor_data(o);
        for (int64_t a = 0; a < outer; a++)
            for (int64_t k = 0; k < u; k++)
                memcpy(q + ((a * u + k) * inner) * es, p + ((a * n + first[k]) * inner) * es, (size_t)inner * es);
        if (want_inv) memcpy(tensor_data(iv), inv, sizeof(int64_t) * (size_t)n);
        if (want_cnt)
            for (int64_t k = 0; k < u; k++) ((int64_t *)tensor_data(cn))[k] = first[k + 1] - first[k];
    }
    tensor_release(c), ts_free(first), ts_free(inv);
    if (!cn) {
        rel(NULL, o, iv, NULL);
        return ctx->status;
    }
    return triple(ctx, out, o, iv, cn);
}

/* ---- combinations(self, r, with_replacement): the r-subsets (multisets) of a
 * vector, in lexicographic index order (itertools' order) ---- */

OPFN(top_combinations) {
    const char *op = "combinations";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t r = op_int(in[1]);
    bool rep = op_bool(in[2]);
    if (x->ndim != 1) {
        ShapeText b;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expect a 1D vector, but got shape %s", op, op_shape(&b, x));
    }
    if (r < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Expect a non-negative number, but got %" PRId64, op, r);
    int64_t n = x->sizes[0];
    if (r == 0) {
        int64_t z = 0;
        Tensor *e = tensor_empty(ctx, x->dtype, &z, 1);
        return e ? op_return(out, e) : ctx->status;
    }
    if (r > 64) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: r = %" PRId64 " is too large", op, r);
    /* count: C(n, r) or C(n + r - 1, r), overflow-checked */
    int64_t top = rep ? n + r - 1 : n, cnt = 1;
    if (top < r) cnt = 0;
    for (int64_t k = 1; cnt && k <= r; k++) {
        __int128 v = (__int128)cnt * (top - r + k) / k;
        if (v > (__int128)1 << 40) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: too many combinations", op);
        cnt = (int64_t)v;
    }
    int64_t sz[2] = {cnt, r};
    Tensor *o = tensor_new_uninit(ctx, x->dtype, sz, 2);
    if (!o) return ctx->status;
    size_t es = dtype_size(x->dtype);
    char *q = tensor_data(o);
    const char *p = (const char *)x->storage->data;
    int64_t idx[64];
    for (int64_t k = 0; k < r; k++) idx[k] = rep ? 0 : k;
    for (int64_t row = 0; row < cnt; row++) {
        for (int64_t k = 0; k < r; k++)
            memcpy(q + (size_t)(row * r + k) * es, p + (size_t)(x->storage_offset + idx[k] * x->strides[0]) * es, es);
        /* next: the rightmost index that can grow */
        int64_t k = r - 1;
        while (k >= 0 && idx[k] == (rep ? n - 1 : n - r + k)) k--;
        if (k < 0) break;
        idx[k]++;
        for (int64_t j = k + 1; j < r; j++) idx[j] = rep ? idx[k] : idx[j - 1] + 1;
    }
    return op_return(out, o);
}

/* ---- nll_loss_nd, cross_entropy_loss (class indices or probabilities, weights,
 * ignore_index, label smoothing; ATen's LossNLL.cpp rules, float64 loops) ---- */

typedef struct LossGeom {
    int64_t N, C, S; /* batch, classes, spatial size: element (n, c, s) at (n * C + c) * S + s */
} LossGeom;

static ts_status loss_geom(Ctx *ctx, const char *op, Tensor *x, Tensor *t, bool prob, LossGeom *g) {
    if (x->ndim < 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input tensor should be 1D or more", op);
    if (!dtype_is_float(x->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input", op);
    g->N = x->ndim == 1 ? 1 : x->sizes[0];
    g->C = x->ndim == 1 ? x->sizes[0] : x->sizes[1];
    g->S = 1;
    for (int d = 2; d < x->ndim; d++) g->S *= x->sizes[d];
    if (prob) {
        if (t->ndim != x->ndim || memcmp(t->sizes, x->sizes, sizeof(int64_t) * (size_t)x->ndim))
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected target size to match input size for probabilities", op);
        return TS_OK;
    }
    if (t->dtype != DT_INT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected scalar type Long but found %s", op, dtype_storage_name(t->dtype));
    bool ok = x->ndim == 1 ? t->ndim == 0 : t->ndim == x->ndim - 1 && t->sizes[0] == x->sizes[0];
    for (int d = 2; ok && d < x->ndim; d++) ok = t->sizes[d - 1] == x->sizes[d];
    if (!ok) {
        ShapeText a, b;
        if (x->ndim >= 2 && t->ndim >= 1 && t->sizes[0] != x->sizes[0])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected input batch_size (%" PRId64 ") to match target batch_size (%" PRId64 ").",
                           op, x->sizes[0], t->sizes[0]);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected target of shape matching input %s, got %s", op,
                       op_shape(&a, x), op_shape(&b, t));
    }
    return TS_OK;
}

/* out = reduction of the per-element losses l[0..n) (mean divides by den) */
static ts_status loss_finish(Ctx *ctx, Tensor *t_shape_of, const int64_t *shape, int nd, double *l, int64_t n,
                             int64_t reduction, double den, DType dt, IValue *out) {
    Tensor *r;
    if (reduction == 0) {
        r = tensor_new_uninit(ctx, DT_FLOAT64, shape, nd);
        if (r) memcpy(tensor_data(r), l, sizeof(double) * (size_t)n);
    } else {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += l[i];
        r = tensor_scalar_f64(ctx, DT_FLOAT64, reduction == 1 ? s / den : s);
    }
    (void)t_shape_of;
    if (!r) return ctx->status;
    r = op_cast_steal(ctx, r, dt);
    return r ? op_return(out, r) : ctx->status;
}

static ts_status class_loss(Ctx *ctx, const char *op, bool softmax, IValue *in, int nin, IValue *out) {
    Tensor *x, *t, *w;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &t));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &w));
    int64_t reduction = op_int(in[3]), ignore = op_int(in[4]);
    double ls = softmax && nin > 5 ? iv_scalar_f64(in[5]) : 0.0;
    bool prob = softmax && dtype_is_float(t->dtype);
    LossGeom g = {0, 0, 0};
    TS_TRY(loss_geom(ctx, op, x, t, prob, &g));
    if (w && (w->ndim != 1 || w->sizes[0] != g.C))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: weight tensor should be defined either for all %" PRId64
                       " classes or no classes but got weight tensor of shape: [%" PRId64 "]", op, g.C,
                       w->ndim ? w->sizes[0] : 0);
    if (ls < 0 || ls > 1) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: label_smoothing must be between 0.0 and 1.0. Got: %g", op, ls);
    int64_t M = g.N * g.S;
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64);
    double *l = xd ? ts_malloc(sizeof(double) * (size_t)(M > 0 ? M : 1)) : NULL;
    if (!l) {
        tensor_release(xd);
        return xd ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op) : ctx->status;
    }
    double *p = tensor_data(xd);
    if (softmax) /* log_softmax over the class dim, in place */
        for (int64_t n = 0; n < g.N; n++)
            for (int64_t s = 0; s < g.S; s++) {
                double mx = -INFINITY, sum = 0;
                for (int64_t c = 0; c < g.C; c++) mx = fmax(mx, p[(n * g.C + c) * g.S + s]);
                for (int64_t c = 0; c < g.C; c++) sum += exp(p[(n * g.C + c) * g.S + s] - mx);
                double lse = mx + log(sum);
                for (int64_t c = 0; c < g.C; c++) p[(n * g.C + c) * g.S + s] -= lse;
            }
    ts_status st = TS_OK;
    double den = 0, den_s = 0;
    for (int64_t n = 0; n < g.N && st == TS_OK; n++)
        for (int64_t s = 0; s < g.S; s++) {
            int64_t i = n * g.S + s;
            if (prob) { /* -(sum_c w_c * target_c * logp_c), target smoothed */
                double v = 0;
                for (int64_t c = 0; c < g.C; c++) {
                    double tc = tensor_get_f64(t, (n * g.C + c) * g.S + s) * (1 - ls) + ls / (double)g.C;
                    v += (w ? tensor_get_f64(w, c) : 1.0) * tc * p[(n * g.C + c) * g.S + s];
                }
                l[i] = -v;
                continue;
            }
            int64_t k = tensor_get_i64(t, i);
            if (k == ignore) {
                l[i] = 0;
                continue;
            }
            if (k < 0 || k >= g.C) {
                st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Target %" PRId64 " is out of bounds.", op, k);
                break;
            }
            double wk = w ? tensor_get_f64(w, k) : 1.0;
            den += wk;
            den_s += 1;
            l[i] = -wk * p[(n * g.C + k) * g.S + s];
            if (ls > 0) { /* (1 - ls) * nll + ls / C * smooth, smooth = -sum_c w_c logp_c */
                double sm = 0;
                for (int64_t c = 0; c < g.C; c++) sm -= (w ? tensor_get_f64(w, c) : 1.0) * p[(n * g.C + c) * g.S + s];
                l[i] = (1 - ls) * l[i] + ls / (double)g.C * sm;
            }
        }
    /* mean: nll divides by the summed weights of the kept targets, and so does
     * ATen's smoothing term (by their count without weights): one den serves */
    (void)den_s;
    if (prob) den = (double)M;
    int64_t shape[TS_MAX_DIMS];
    int nd = 0;
    if (x->ndim >= 2) {
        shape[nd++] = g.N;
        for (int d = 2; d < x->ndim; d++) shape[nd++] = x->sizes[d];
    }
    if (st == TS_OK) st = loss_finish(ctx, t, shape, nd, l, M, reduction, den, x->dtype, out);
    ts_free(l);
    tensor_release(xd);
    return st;
}

OPFN(top_nll_loss_nd) { return class_loss(ctx, "nll_loss", false, in, nin, out); }
OPFN(top_cross_entropy_loss) { return class_loss(ctx, "cross_entropy", true, in, nin, out); }

/* ---- max_unpool2d / max_unpool3d: each value to its flat index in its plane ---- */

static ts_status max_unpool(Ctx *ctx, const char *op, int nsp, IValue *in, int nin, IValue *out) {
    Tensor *x, *ix;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &ix));
    int64_t os[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, in[2], os, &n));
    if (n != nsp)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: There should be exactly %d elements (%s) in output_size, but got %d elements.",
                       op, nsp, nsp == 2 ? "height, width" : "depth, height, width", n);
    if (ix->dtype != DT_INT64) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: elements in indices should be type int64", op);
    if (x->ndim != nsp + 1 && x->ndim != nsp + 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Input to max_unpooling%dd should be a %dd or %dd Tensor, but got a tensor with %d dimensions.",
                       op, nsp, nsp + 1, nsp + 2, x->ndim);
    if (ix->ndim != x->ndim || memcmp(ix->sizes, x->sizes, sizeof(int64_t) * (size_t)x->ndim)) {
        ShapeText a, b;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected shape of indices to be same as that of the input tensor (%s) but got indices tensor with shape: %s",
                       op, op_shape(&a, x), op_shape(&b, ix));
    }
    for (int d = 0; d < nsp; d++)
        if (os[d] <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: output_size must be positive", op);
    int64_t sz[TS_MAX_DIMS], planes = 1, in_plane = 1, out_plane = 1;
    int lead = x->ndim - nsp;
    for (int d = 0; d < lead; d++) sz[d] = x->sizes[d], planes *= x->sizes[d];
    for (int d = 0; d < nsp; d++) sz[lead + d] = os[d], in_plane *= x->sizes[lead + d], out_plane *= os[d];
    Tensor *r = tensor_empty(ctx, x->dtype, sz, x->ndim);
    if (!r) return ctx->status;
    size_t es = dtype_size(x->dtype);
    char *q = tensor_data(r);
    const char *base = (const char *)x->storage->data;
    for (int64_t p = 0; p < planes; p++)
        for (int64_t k = 0; k < in_plane; k++) {
            int64_t e = p * in_plane + k, j = tensor_get_i64(ix, e);
            if (j < 0 || j >= out_plane) {
                tensor_release(r);
                ShapeText b;
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Found an invalid max index: %" PRId64
                               " (output volumes are of size %s)", op, j, op_sizes(&b, os, nsp));
            }
            memcpy(q + (size_t)(p * out_plane + j) * es, base + (size_t)tensor_elem_offset(x, e) * es, es);
        }
    return op_return(out, r);
}

OPFN(top_max_unpool2d) { return max_unpool(ctx, "max_unpool2d", 2, in, nin, out); }
OPFN(top_max_unpool3d) { return max_unpool(ctx, "max_unpool3d", 3, in, nin, out); }

/* ---- pdist, triplet / cosine-embedding / multi-margin / multilabel-margin losses ---- */

static double pnorm_acc(double acc, double d, double p) {
    d = fabs(d);
    if (p == 0) return acc + (d != 0);
    if (isinf(p)) return fmax(acc, d);
    return acc + (p == 1 ? d : p == 2 ? d * d : pow(d, p));
}

static double pnorm_end(double acc, double p) {
    if (p == 0 || isinf(p) || p == 1) return acc;
    return p == 2 ? sqrt(acc) : pow(acc, 1.0 / p);
}

/* pdist(x [N, M], p): the distances of the rows i < j, in row-major pair order */
OPFN(top_pdist) {
    const char *op = "pdist";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    double p = iv_scalar_f64(in[1]);
    if (x->ndim != 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s only supports 2D tensors, got: %dD", op, x->ndim);
    if (!dtype_is_float(x->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s only supports floating-point dtypes", op);
    if (p < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s only supports non-negative p values", op);
    int64_t N = x->sizes[0], M = x->sizes[1], cnt = N * (N - 1) / 2;
    if (N < 2) cnt = 0;
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64), *r = xd ? tensor_new_uninit(ctx, DT_FLOAT64, &cnt, 1) : NULL;
    if (!r) {
        tensor_release(xd);
        return ctx->status;
    }
    const double *a = tensor_data(xd);
    double *o = tensor_data(r);
    int64_t k = 0;
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = i + 1; j < N; j++) {
            double acc = 0;
            for (int64_t m = 0; m < M; m++) acc = pnorm_acc(acc, a[i * M + m] - a[j * M + m], p);
            o[k++] = pnorm_end(acc, p);
        }
    tensor_release(xd);
    r = op_cast_steal(ctx, r, x->dtype);
    return r ? op_return(out, r) : ctx->status;
}

/* l (float64, n elements, shape sz/nd) reduced as `reduction`, as dtype dt */
static ts_status reduce_loss(Ctx *ctx, Tensor *l, int64_t reduction, DType dt, IValue *out) {
    Tensor *r = l;
    if (reduction != 0) {
        double s = 0, *p = tensor_data(l);
        int64_t n = tensor_numel(l);
        for (int64_t i = 0; i < n; i++) s += p[i];
        r = tensor_scalar_f64(ctx, DT_FLOAT64, reduction == 1 ? s / (double)n : s);
        tensor_release(l);
        if (!r) return ctx->status;
    }
    r = op_cast_steal(ctx, r, dt);
    return r ? op_return(out, r) : ctx->status;
}

/* (anchor, positive, negative, margin, p, eps, swap, reduction) */
OPFN(top_triplet_margin_loss) {
    const char *op = "triplet_margin_loss";
    Tensor *t[3];
    for (int i = 0; i < 3; i++) TS_TRY(op_tensor(ctx, op, in, nin, i, &t[i]));
    if (t[0]->ndim != t[1]->ndim || t[0]->ndim != t[2]->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: All inputs should have same dimension but got %dD, %dD and %dD inputs.",
                       op, t[0]->ndim, t[1]->ndim, t[2]->ndim);
    bool swap = op_bool(in[6]);
    Tensor *d[3] = {NULL, NULL, NULL};
    int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    ts_status st = TS_OK;
    for (int k = 0; k < (swap ? 3 : 2) && st == TS_OK; k++) {
        IValue a[5] = {tv(t[pairs[k][0]]), tv(t[pairs[k][1]]), in[4], in[5], iv_bool(false)};
        st = call(ctx, top_pairwise_distance_any, a, 5, &d[k]);
    }
    Tensor *dd[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3 && st == TS_OK; k++)
        if (d[k] && !(dd[k] = tensor_to_dtype(ctx, d[k], DT_FLOAT64))) st = ctx->status;
    Tensor *l = NULL;
    if (st == TS_OK) {
        if (tensor_numel(dd[0]) != tensor_numel(dd[1]) || (swap && tensor_numel(dd[2]) != tensor_numel(dd[0])))
            st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the input shapes do not match", op);
        else if (!(l = tensor_to_dtype(ctx, dd[0], DT_FLOAT64)))
            st = ctx->status;
    }
    DType dt = d[0] ? d[0]->dtype : DT_FLOAT32;
    if (st == TS_OK) {
        double m = iv_scalar_f64(in[3]), *pl = tensor_data(l);
        const double *pp = tensor_data(dd[0]), *pn = tensor_data(dd[1]), *ps = swap ? tensor_data(dd[2]) : NULL;
        for (int64_t i = 0; i < tensor_numel(l); i++) {
            double neg = swap ? fmin(pn[i], ps[i]) : pn[i], v = m + pp[i] - neg;
            pl[i] = v > 0 ? v : isnan(v) ? v : 0;
        }
    }
    for (int k = 0; k < 3; k++) tensor_release(d[k]), tensor_release(dd[k]);
    if (st != TS_OK) {
        tensor_release(l);
        return st;
    }
    return reduce_loss(ctx, l, op_int(in[7]), dt, out);
}

/* (input1, input2, target, margin, reduction): 1 - cos for target 1, max(0, cos - margin) for -1 */
OPFN(top_cosine_embedding_loss) {
    const char *op = "cosine_embedding_loss";
    Tensor *a, *b, *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &t));
    if (t->ndim > 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: 0D or 1D target tensor expected, multi-target not supported", op);
    if (t->ndim == 1 && (a->ndim != 2 || b->ndim != 2))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: 1D target tensor expects 2D input tensors, but found inputs with sizes of dimension %d and %d.", op, a->ndim, b->ndim);
    if (t->ndim == 0 && (a->ndim != 1 || b->ndim != 1))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: 0D target tensor expects 1D input tensors, but found inputs with sizes of dimension %d and %d.", op, a->ndim, b->ndim);
    if (a->ndim != b->ndim || memcmp(a->sizes, b->sizes, sizeof(int64_t) * (size_t)a->ndim) ||
        (t->ndim == 1 && t->sizes[0] != a->sizes[0]))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the input and target shapes do not match", op);
    int64_t R = t->ndim == 1 ? a->sizes[0] : 1, D = a->ndim ? a->sizes[a->ndim - 1] : 1;
    Tensor *l = tensor_new_uninit(ctx, DT_FLOAT64, &R, t->ndim);
    if (!l) return ctx->status;
    double m = iv_scalar_f64(in[3]), *pl = tensor_data(l);
    for (int64_t r = 0; r < R; r++) {
        double s = 0, s1 = 0, s2 = 0;
        for (int64_t k = 0; k < D; k++) {
            double x = tensor_get_f64(a, r * D + k), y = tensor_get_f64(b, r * D + k);
            s += x * y, s1 += x * x, s2 += y * y;
        }
        double c = s / sqrt((s1 + 1e-12) * (s2 + 1e-12)), tv_ = tensor_get_f64(t, r);
        pl[r] = tv_ == 1 ? 1 - c : tv_ == -1 ? (c - m > 0 ? c - m : 0) : 0;
    }
    DType dt = dtype_promote(a->dtype, b->dtype);
    return reduce_loss(ctx, l, op_int(in[4]), dtype_is_float(dt) ? dt : DT_FLOAT32, out);
}

/* multi_margin_loss(self [N, C] or [C], target, p, margin, weight, reduction) */
OPFN(top_multi_margin_loss) {
    const char *op = "multi_margin_loss";
    Tensor *x, *t, *w;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &t));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 4, &w));
    int64_t p = op_int(in[2]);
    double margin = iv_scalar_f64(in[3]);
    if (p != 1 && p != 2) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: only p == 1 and p == 2 supported", op);
    if (!dtype_is_float(x->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input", op);
    if (x->ndim > 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected non-empty vector or matrix with optional 0-dim batch size, but got: [%dD]", op, x->ndim);
    int64_t N = x->ndim == 2 ? x->sizes[0] : 1, C = x->ndim == 0 ? 1 : x->sizes[x->ndim - 1];
    if (tensor_numel(t) != N || t->ndim > 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: inconsistent target size, expected %" PRId64 " but got %" PRId64, op, N, tensor_numel(t));
    if (w && tensor_numel(w) != C) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: inconsistent weight size", op);
    Tensor *l = tensor_new_uninit(ctx, DT_FLOAT64, &N, x->ndim == 2 ? 1 : 0);
    if (!l) return ctx->status;
    double *pl = tensor_data(l);
    for (int64_t n = 0; n < N; n++) {
        int64_t y = tensor_get_i64(t, n);
        if (y < 0 || y >= C) {
            tensor_release(l);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: target out of range", op);
        }
        double xy = tensor_get_f64(x, n * C + y), s = 0, wy = w ? tensor_get_f64(w, y) : 1.0;
        for (int64_t i = 0; i < C; i++) {
            if (i == y) continue;
            double z = margin - xy + tensor_get_f64(x, n * C + i);
            if (z > 0) s += (p == 1 ? z : z * z) * wy;
        }
        pl[n] = s / (double)C;
    }
    return reduce_loss(ctx, l, op_int(in[5]), x->dtype, out);
}

/* multilabel_margin_loss(self [N, C] or [C], target int64 of the same shape, -1 ending the labels) */
OPFN(top_multilabel_margin_loss) {
    const char *op = "multilabel_margin_loss";
    Tensor *x, *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &t));
    if (!dtype_is_float(x->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input", op);
    if (t->dtype != DT_INT64) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a long target", op);
    if (x->ndim > 2 || t->ndim != x->ndim || memcmp(t->sizes, x->sizes, sizeof(int64_t) * (size_t)x->ndim))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: inconsistent input and target sizes", op);
    int64_t N = x->ndim == 2 ? x->sizes[0] : 1, C = x->ndim == 0 ? 1 : x->sizes[x->ndim - 1];
    Tensor *l = tensor_new_uninit(ctx, DT_FLOAT64, &N, x->ndim == 2 ? 1 : 0);
    bool *is_t = l ? ts_malloc((size_t)(C > 0 ? C : 1)) : NULL;
    if (!is_t) {
        tensor_release(l);
        return l ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op) : ctx->status;
    }
    double *pl = tensor_data(l);
    ts_status st = TS_OK;
    for (int64_t n = 0; n < N && st == TS_OK; n++) {
        memset(is_t, 0, (size_t)C);
        int64_t nt = 0;
        for (; nt < C; nt++) {
            int64_t y = tensor_get_i64(t, n * C + nt);
            if (y < 0) break;
            if (y >= C) {
                st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: target index %" PRId64 " out of range", op, y);
                break;
            }
            is_t[y] = true;
        }
        double s = 0;
        for (int64_t j = 0; j < nt && st == TS_OK; j++) {
            double xy = tensor_get_f64(x, n * C + tensor_get_i64(t, n * C + j));
            for (int64_t i = 0; i < C; i++)
                if (!is_t[i]) {
                    double z = 1 - (xy - tensor_get_f64(x, n * C + i));
                    if (z > 0) s += z;
                }
        }
        pl[n] = s / (double)C;
    }
    ts_free(is_t);
    if (st != TS_OK) {
        tensor_release(l);
        return st;
    }
    return reduce_loss(ctx, l, op_int(in[2]), x->dtype, out);
}

/* ---- index_reduce(self, dim, index, source, reduce, include_self): source's
 * slices reduced into self's slices index[i] along dim (prod, mean, amax,
 * amin; float64 arithmetic, integer means floor-divided as ATen) ---- */

static ts_status index_reduce_into(Ctx *ctx, Tensor *r, int64_t dim_arg, Tensor *ix, Tensor *src, const char *how,
                                   bool include_self) {
    const char *op = "index_reduce_";
    int kind = !strcmp(how, "prod") ? 0 : !strcmp(how, "mean") ? 1 : !strcmp(how, "amax") ? 2 : !strcmp(how, "amin") ? 3 : -1;
    if (kind < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): Expected reduce to be one of prod, mean, amax or amin but got %s.", op, how);
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, dim_arg, r->ndim, &dim));
    if (ix->ndim > 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): Index is supposed to be a vector", op);
    if (ix->dtype != DT_INT64 && ix->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): Expected a long tensor for index, but got %s", op, dtype_name(ix->dtype));
    if (src->dtype != r->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): self and source must have the same scalar type", op);
    int snd = src->ndim ? src->ndim : 1, rnd = r->ndim ? r->ndim : 1;
    int64_t nidx = tensor_numel(ix);
    if (snd != rnd) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): Source/destination tensor must have same number of dimensions", op);
    int64_t rs = r->ndim ? r->sizes[dim] : 1, ss = src->ndim ? src->sizes[dim] : 1;
    if (ss != nidx)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): Number of indices (%" PRId64 ") should be equal to source.size(dim) (%" PRId64 ")", op, nidx, ss);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < r->ndim; d++) {
        if (d != dim && r->sizes[d] != src->sizes[d])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): source and self must match in every dimension but dim", op);
        if (d < dim) outer *= r->sizes[d];
        else if (d > dim) inner *= r->sizes[d];
    }
    for (int64_t i = 0; i < nidx; i++) {
        int64_t k = tensor_get_i64(ix, i);
        if (k < -rs || k >= rs) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): index %" PRId64 " is out of bounds for dimension %d with size %" PRId64, op, k, dim, rs);
    }
    bool fl = dtype_is_float(r->dtype);
    int64_t tot = outer * rs * inner;
    Tensor *rd = tensor_to_dtype(ctx, r, DT_FLOAT64), *sd = rd ? tensor_to_dtype(ctx, src, DT_FLOAT64) : NULL;
    double *cnt = sd ? ts_calloc((size_t)(tot > 0 ? tot : 1), sizeof(double)) : NULL;
    bool *seen = cnt ? ts_calloc((size_t)(tot > 0 ? tot : 1), 1) : NULL;
    if (!seen) {
        rel(NULL, rd, sd, NULL), ts_free(cnt);
        return sd ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op) : ctx->status;
    }
    double *R = tensor_data(rd);
    const double *S = tensor_data(sd);
    for (int64_t a = 0; a < outer; a++)
        for (int64_t i = 0; i < nidx; i++) {
            int64_t k = tensor_get_i64(ix, i);
            if (k < 0) k += rs;
            for (int64_t c = 0; c < inner; c++) {
                int64_t e = (a * rs + k) * inner + c;
                double v = S[(a * nidx + i) * inner + c];
                if (!seen[e]) {
                    seen[e] = true;
                    cnt[e] = include_self ? 1 : 0;
                    if (!include_self) R[e] = kind == 0 ? 1 : kind == 1 ? 0 : kind == 2 ? -INFINITY : INFINITY;
                }
                cnt[e] += 1;
                if (kind == 0) R[e] *= v;
                else if (kind == 1) R[e] += v;
                else if (isnan(v) || isnan(R[e])) R[e] = NAN;
                else R[e] = kind == 2 ? fmax(R[e], v) : fmin(R[e], v);
            }
        }
    if (kind == 1)
        for (int64_t e = 0; e < tot; e++)
            if (seen[e]) R[e] = fl ? R[e] / cnt[e] : floor(R[e] / cnt[e]);
    Tensor *back = tensor_to_dtype(ctx, rd, r->dtype);
    if (back) {
        tensor_copy_into(r, back);
        tensor_release(back);
    }
    rel(NULL, rd, sd, NULL), ts_free(cnt), ts_free(seen);
    return back ? TS_OK : ctx->status;
}

static ts_status index_reduce_op(Ctx *ctx, bool inplace, IValue *in, int nin, IValue *out) {
    const char *op = inplace ? "index_reduce_" : "index_reduce";
    Tensor *s, *ix, *src;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &s));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &ix));
    TS_TRY(op_tensor(ctx, op, in, nin, 3, &src));
    if (in[4].kind != IV_STR) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: reduce must be a string", op);
    Tensor *r = inplace ? tensor_retain(s) : tensor_to_dtype(ctx, s, s->dtype);
    if (!r) return ctx->status;
    ts_status st = index_reduce_into(ctx, r, op_int(in[1]), ix, src, in[4].u.s->data, op_bool(in[5]));
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

OPFN(top_index_reduce) { return index_reduce_op(ctx, false, in, nin, out); }
OPFN(top_index_reduce_) { return index_reduce_op(ctx, true, in, nin, out); }

/* ---- segment_reduce(data, reduce, lengths | offsets, axis, unsafe, initial):
 * consecutive segments along axis reduced (max, min, sum, mean, prod); the
 * initial value, when given, starts every segment (and is an empty one's
 * value; without it: -inf, inf, 0, NaN, 1). lengths / offsets have
 * data.shape[:axis] + [S] / [S + 1]. ---- */

OPFN(top_segment_reduce) {
    const char *op = "segment_reduce";
    Tensor *x, *len, *offs;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &len));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 4, &offs));
    if (in[3].kind != IV_NONE) return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: indices are not supported (nor by PyTorch 1.13)", op);
    if (in[1].kind != IV_STR) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: reduce must be a string", op);
    const char *how = in[1].u.s->data;
    int kind = !strcmp(how, "max") ? 0 : !strcmp(how, "min") ? 1 : !strcmp(how, "sum") ? 2 : !strcmp(how, "mean") ? 3 : !strcmp(how, "prod") ? 4 : -1;
    if (kind < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: reduction is not supported: %s", op, how);
    if (!len == !offs) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Either lengths or offsets must be defined", op);
    if (!dtype_is_float(x->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point data tensor", op);
    int axis;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[5]), x->ndim, &axis));
    if (x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: data must have at least one dimension", op);
    Tensor *seg = len ? len : offs;
    if (seg->ndim != axis + 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: lengths/offsets should have %d dimensions", op, axis + 1);
    for (int d = 0; d < axis; d++)
        if (seg->sizes[d] != x->sizes[d]) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: lengths/offsets must match data's leading dims", op);
    int64_t S = seg->sizes[axis] - (offs ? 1 : 0), outer = 1, inner = 1, n = x->sizes[axis];
    if (S < 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: offsets must have at least one element", op);
    for (int d = 0; d < x->ndim; d++)
        if (d < axis) outer *= x->sizes[d];
        else if (d > axis) inner *= x->sizes[d];
    bool has_init = in[7].kind != IV_NONE;
    double init = has_init ? iv_scalar_f64(in[7]) : 0;
    double dflt[5] = {-INFINITY, INFINITY, 0, NAN, 1};
    int64_t sz[TS_MAX_DIMS];
    memcpy(sz, x->sizes, sizeof(int64_t) * (size_t)x->ndim);
    sz[axis] = S;
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64), *r = xd ? tensor_new_uninit(ctx, DT_FLOAT64, sz, x->ndim) : NULL;
    if (!r) {
        tensor_release(xd);
        return ctx->status;
    }
    const double *p = tensor_data(xd);
    double *o = tensor_data(r);
    ts_status st = TS_OK;
    for (int64_t a = 0; a < outer && st == TS_OK; a++) {
        int64_t start = 0;
        for (int64_t k = 0; k < S; k++) {
            int64_t b, e;
            if (len) {
                int64_t l = tensor_get_i64(len, a * S + k);
                b = start, e = start + l, start = e;
                if (l < 0) e = -1;
            } else {
                b = tensor_get_i64(offs, a * (S + 1) + k), e = tensor_get_i64(offs, a * (S + 1) + k + 1);
            }
            if (b < 0 || e < b || e > n) {
                st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: the segments do not fit data's axis %d of size %" PRId64, op, axis, n);
                break;
            }
            for (int64_t c = 0; c < inner; c++) {
                double v = has_init ? init : (kind == 3 ? 0 : dflt[kind]);
                for (int64_t i = b; i < e; i++) {
                    double d = p[(a * n + i) * inner + c];
                    if (kind == 0) v = isnan(d) || isnan(v) ? NAN : fmax(v, d);
                    else if (kind == 1) v = isnan(d) || isnan(v) ? NAN : fmin(v, d);
                    else if (kind == 4) v *= d;
                    else v += d;
                }
                if (kind == 3) v = e > b ? v / (double)(e - b) : (has_init ? init : NAN);
                o[(a * S + k) * inner + c] = v;
            }
        }
        if (st == TS_OK && len && start != n && !op_bool(in[6]))
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) when !unsafe.", op);
    }
    tensor_release(xd);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    r = op_cast_steal(ctx, r, x->dtype);
    return r ? op_return(out, r) : ctx->status;
}

/* ---- histogram(self, bins: int or edges tensor, range, weight, density) ---- */

/* edges[0..n] = linspace(lo, hi, n + 1) in float arithmetic as ATen's linspace kernel
 * (from the start below halfway, from the end above it) */
static void linspace_f(double *e, double lo, double hi, int64_t steps, bool f32) {
    if (f32) {
        float a = (float)lo, b = (float)hi, step = steps > 1 ? (b - a) / (float)(steps - 1) : 0;
        for (int64_t i = 0; i < steps; i++)
            e[i] = i < steps / 2 ? a + step * (float)i : b - step * (float)(steps - i - 1);
    } else {
        double step = steps > 1 ? (hi - lo) / (double)(steps - 1) : 0;
        for (int64_t i = 0; i < steps; i++) e[i] = i < steps / 2 ? lo + step * (double)i : hi - step * (double)(steps - i - 1);
    }
}

/* bin of v among the nb bins of edges e[0..nb] (-1 outside): binary search
 * for given edges, ATen's linear guess plus local search for computed ones */
static int64_t bin_of(const double *e, int64_t nb, double v, bool binary) {
    if (!(v >= e[0] && v <= e[nb])) return -1;
    int64_t pos;
    if (binary) {
        int64_t a = 0, b = nb + 1;
        while (a < b) {
            int64_t m = (a + b) / 2;
            if (e[m] <= v) a = m + 1;
            else b = m;
        }
        pos = a - 1;
    } else {
        pos = (int64_t)((v - e[0]) * (double)nb / (e[nb] - e[0]));
        if (pos > nb - 1) pos = nb - 1;
        while (pos > 0 && e[pos] > v) pos--;
        while (pos < nb - 1 && e[pos + 1] <= v) pos++;
    }
    return pos >= nb ? nb - 1 : pos;
}

static ts_status histogram(Ctx *ctx, IValue *in, int nin, bool edges_given, IValue *out) {
    const char *op = "histogram";
    Tensor *x, *bt = NULL, *w;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (edges_given) TS_TRY(op_tensor(ctx, op, in, nin, 1, &bt));
    int wi = edges_given ? 2 : 3;
    TS_TRY(op_opt_tensor(ctx, op, in, nin, wi, &w));
    bool density = op_bool(in[wi + 1]);
    if (!dtype_is_float(x->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input", op);
    if (w && (w->ndim != x->ndim || memcmp(w->sizes, x->sizes, sizeof(int64_t) * (size_t)x->ndim)))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: if weight tensor is provided it should have the same shape as the input tensor", op);
    if (w && w->dtype != x->dtype) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: weight should have the same dtype as input", op);
    int64_t nb, N = tensor_numel(x);
    if (edges_given) {
        if (bt->ndim != 1 || bt->sizes[0] < 1)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: bins tensor should have one dimension and at least 1 element", op);
        if (bt->dtype != x->dtype) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: bins should have the same dtype as input", op);
        nb = bt->sizes[0] - 1;
    } else {
        nb = op_int(in[1]);
        if (nb <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): bins must be > 0, but got %" PRId64, op, nb);
    }
    int64_t ne = nb + 1;
    Tensor *E = tensor_new_uninit(ctx, DT_FLOAT64, &ne, 1), *H = E ? tensor_empty(ctx, DT_FLOAT64, &nb, 1) : NULL;
    if (!H) {
        tensor_release(E);
        return ctx->status;
    }
    double *e = tensor_data(E), *h = tensor_data(H);
    if (edges_given) {
        for (int64_t i = 0; i < ne; i++) e[i] = tensor_get_f64(bt, i);
    } else {
        double lo = INFINITY, hi = -INFINITY;
        int64_t rn = 0;
        double rg[4];
        if (in[2].kind != IV_NONE) {
            ts_status st = TS_OK;
            if (in[2].kind != IV_LIST || in[2].u.l->len != 2) st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: range should have 2 elements", op);
            else for (rn = 0; rn < 2; rn++) rg[rn] = iv_scalar_f64(in[2].u.l->items[rn]);
            if (st != TS_OK) {
                rel(NULL, E, H, NULL);
                return st;
            }
            lo = rg[0], hi = rg[1];
        } else if (N > 0) {
            for (int64_t i = 0; i < N; i++) {
                double v = tensor_get_f64(x, i);
                lo = fmin(lo, v), hi = fmax(hi, v);
            }
        } else {
            lo = 0, hi = 0;
        }
        if (!(lo <= hi) || isinf(lo) || isinf(hi)) {
            rel(NULL, E, H, NULL);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: range of [%g, %g] is not finite or min > max", op, lo, hi);
        }
        if (lo == hi) lo -= 0.5, hi += 0.5; /* numpy's rule */
        linspace_f(e, lo, hi, ne, x->dtype != DT_FLOAT64);
    }
    for (int64_t i = 0; i < N; i++) {
        int64_t pos = bin_of(e, nb, tensor_get_f64(x, i), edges_given);
        if (pos >= 0) h[pos] += w ? tensor_get_f64(w, i) : 1.0;
    }
    if (density) {
        double tot = 0;
        for (int64_t k = 0; k < nb; k++) tot += h[k];
        for (int64_t k = 0; k < nb; k++) h[k] = h[k] / (tot * (e[k + 1] - e[k]));
    }
    Tensor *hc = op_cast_steal(ctx, H, x->dtype);
    Tensor *ec = hc ? op_cast_steal(ctx, E, x->dtype) : (tensor_release(E), NULL);
    if (!ec) {
        tensor_release(hc);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(hc);
    out[1] = iv_tensor_steal(ec);
    return TS_OK;
}

OPFN(top_histogram_bins_tensor) { return histogram(ctx, in, nin, true, out); }
OPFN(top_histogram_bin_ct) { return histogram(ctx, in, nin, false, out); }

/* ---- gradient: second-order central differences inside, first- or
 * second-order one-sided ones at the edges (numpy's formulas, as ATen), for
 * uniform spacing (scalars) or coordinates (1-d tensors) per dim ---- */

/* spacing: None, a Scalar, a list of Scalars or a list of tensors; dims: None, an int or a list */
static ts_status gradient(Ctx *ctx, Tensor *x, IValue spacing, IValue dimv, int64_t edge, IValue *out) {
    const char *op = "gradient";
    if (edge != 1 && edge != 2)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.gradient only supports edge_order=1 and edge_order=2.");
    int dims[TS_MAX_DIMS], nd = 0;
    if (dimv.kind == IV_NONE) {
        for (int d = 0; d < x->ndim; d++) dims[nd++] = d;
    } else {
        int64_t raw[TS_MAX_DIMS];
        int n = 0;
        TS_TRY(op_int_list(ctx, op, dimv, raw, &n));
        for (int i = 0; i < n; i++) {
            TS_TRY(op_wrap_dim(ctx, op, raw[i], x->ndim, &dims[nd]));
            for (int j = 0; j < nd; j++)
                if (dims[j] == dims[nd]) return ts_fail(ctx, TS_ERR_VALUE, NULL, "dim %d appears multiple times in the list of dims", dims[nd]);
            nd++;
        }
    }
    int64_t nsp = spacing.kind == IV_LIST ? spacing.u.l->len : -1;
    if (nsp >= 0 && nsp != nd)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to have the same length, but got a spacing argument of length %" PRId64 " and a dim argument of length %d.", nsp, nd);
    for (int i = 0; i < nd; i++)
        if (x->sizes[dims[i]] < edge + 1)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.gradient expected each dimension size to be at least edge_order+1");
    DType rdt = dtype_is_float(x->dtype) ? x->dtype : DT_FLOAT32;
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64);
    ListObj *l = xd ? list_new(ty_tensor(), nd) : NULL;
    if (!l) {
        tensor_release(xd);
        return xd ? ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory") : ctx->status;
    }
    const double *p = tensor_data(xd);
    ts_status st = TS_OK;
    for (int i = 0; i < nd && st == TS_OK; i++) {
        int d = dims[i];
        int64_t n = x->sizes[d], outer = 1, inner = 1;
        for (int k = 0; k < x->ndim; k++)
            if (k < d) outer *= x->sizes[k];
            else if (k > d) inner *= x->sizes[k];
        /* h[k] = coordinate[k + 1] - coordinate[k] */
        double *h = ts_malloc(sizeof(double) * (size_t)n);
        if (!h) {
            st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        IValue sp = nsp >= 0 ? spacing.u.l->items[i] : spacing;
        if (sp.kind == IV_TENSOR && sp.u.t->ndim == 1) {
            if (sp.u.t->sizes[0] != n) {
                ts_free(h);
                st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "torch.gradient expected each tensor to be on the same device and to have as many coordinates as the dimension size");
                break;
            }
            for (int64_t k = 0; k + 1 < n; k++) h[k] = tensor_get_f64(sp.u.t, k + 1) - tensor_get_f64(sp.u.t, k);
        } else {
            double hv = sp.kind == IV_NONE ? 1.0 : sp.kind == IV_TENSOR ? tensor_get_f64(sp.u.t, 0) : iv_scalar_f64(sp);
            for (int64_t k = 0; k + 1 < n; k++) h[k] = hv;
        }
        Tensor *g = tensor_new_uninit(ctx, DT_FLOAT64, x->sizes, x->ndim);
        if (!g) {
            ts_free(h);
            st = ctx->status;
            break;
        }
        double *o = tensor_data(g);
        for (int64_t a = 0; a < outer; a++)
            for (int64_t c = 0; c < inner; c++) {
#define F(k) p[(a * n + (k)) * inner + c]
#define O(k) o[(a * n + (k)) * inner + c]
                for (int64_t k = 1; k + 1 < n; k++) {
                    double d1 = h[k - 1], d2 = h[k];
                    O(k) = -d2 / (d1 * (d1 + d2)) * F(k - 1) + (d2 - d1) / (d1 * d2) * F(k) + d1 / (d2 * (d1 + d2)) * F(k + 1);
                }
                if (edge == 1) {
                    O(0) = (F(1) - F(0)) / h[0];
                    O(n - 1) = (F(n - 1) - F(n - 2)) / h[n - 2];
                } else {
                    double d0 = h[0], e1 = h[1], dl = h[n - 2], dm = h[n - 3];
                    O(0) = -(2 * d0 + e1) / (d0 * (d0 + e1)) * F(0) + (d0 + e1) / (d0 * e1) * F(1) - d0 / (e1 * (d0 + e1)) * F(2);
                    O(n - 1) = dl / (dm * (dl + dm)) * F(n - 3) - (dl + dm) / (dl * dm) * F(n - 2) + (2 * dl + dm) / (dl * (dl + dm)) * F(n - 1);
                }
#undef F
#undef O
            }
        ts_free(h);
        g = op_cast_steal(ctx, g, rdt);
        if (!g) {
            st = ctx->status;
            break;
        }
        list_push_steal(l, iv_tensor_steal(g));
    }
    tensor_release(xd);
    IValue lv = iv_list_steal(l);
    if (st != TS_OK) {
        iv_release(lv);
        return st;
    }
    out[0] = lv;
    return TS_OK;
}

/* the overloads: (self, spacing?, dim?, edge_order) or, for .array, (self, dim, edge_order) */
OPFN(top_gradient) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "gradient", in, nin, 0, &x));
    if (nin == 3) return gradient(ctx, x, iv_none(), in[1], op_int(in[2]), out);
    return gradient(ctx, x, in[1], in[2], op_int(in[3]), out);
}

/* ---- histogramdd(self [..., D], bins: ints or edge tensors, range, weight, density) ---- */

static ts_status histogramdd(Ctx *ctx, IValue *in, int nin, bool tensor_bins, IValue *out) {
    const char *op = "histogramdd";
    Tensor *x, *w;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 3, &w));
    if (!dtype_is_float(x->dtype)) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input", op);
    if (x->ndim < 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input should have at least 1 dimension", op);
    int64_t D = x->sizes[x->ndim - 1], N = D ? tensor_numel(x) / D : 0;
    if (D > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: at most %d dimensions are supported", op, (int)TS_MAX_DIMS);
    int64_t nb[TS_MAX_DIMS];
    if (tensor_bins) {
        if (in[1].kind != IV_LIST || in[1].u.l->len != D)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected %" PRId64 " sequences of bin edges for each dimension", op, D);
        for (int64_t d = 0; d < D; d++) {
            Tensor *t = in[1].u.l->items[d].kind == IV_TENSOR ? in[1].u.l->items[d].u.t : NULL;
            if (!t || t->ndim != 1 || t->sizes[0] < 1)
                return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: bins tensor should have one dimension and at least 1 element", op);
            nb[d] = t->sizes[0] - 1;
        }
    } else {
        int n = 0;
        if (in[1].kind == IV_INT) {
            for (int64_t d = 0; d < D; d++) nb[d] = in[1].u.i;
        } else {
            TS_TRY(op_int_list(ctx, op, in[1], nb, &n));
            if (n != D) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected %" PRId64 " bin counts, got %d", op, D, n);
        }
        for (int64_t d = 0; d < D; d++)
            if (nb[d] <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): bins must be > 0, but got %" PRId64 " for dimension %" PRId64, op, nb[d], d);
    }
    if (w && tensor_numel(w) != N)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: weight should have the shape of input without its last dimension", op);
    double rg[2 * TS_MAX_DIMS];
    bool has_range = in[2].kind != IV_NONE;
    if (has_range) {
        if (in[2].kind != IV_LIST || in[2].u.l->len != 2 * D)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: range should have %" PRId64 " elements", op, 2 * D);
        for (int64_t k = 0; k < 2 * D; k++) rg[k] = iv_scalar_f64(in[2].u.l->items[k]);
    }
    Tensor *xc = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!xc) return ctx->status;
    const double *p = tensor_data(xc);
    ListObj *el = list_new(ty_tensor(), D);
    double *edges[TS_MAX_DIMS] = {0};
    ts_status st = el ? TS_OK : ts_fail(ctx, TS_ERR_NOMEM, NULL, "out of memory");
    for (int64_t d = 0; d < D && st == TS_OK; d++) {
        int64_t ne = nb[d] + 1;
        Tensor *E = tensor_new_uninit(ctx, DT_FLOAT64, &ne, 1);
        if (!E) {
            st = ctx->status;
            break;
        }
        double *e = tensor_data(E);
        if (tensor_bins) {
            for (int64_t k = 0; k < ne; k++) e[k] = tensor_get_f64(in[1].u.l->items[d].u.t, k);
        } else {
            double lo = INFINITY, hi = -INFINITY;
            if (has_range) lo = rg[2 * d], hi = rg[2 * d + 1];
            else if (N == 0) lo = hi = 0;
            else
                for (int64_t i = 0; i < N; i++) lo = fmin(lo, p[i * D + d]), hi = fmax(hi, p[i * D + d]);
            if (!(lo <= hi) || isinf(lo) || isinf(hi)) {
                tensor_release(E);
                st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: range of [%g, %g] is not finite or min > max", op, lo, hi);
                break;
            }
            if (lo == hi) lo -= 0.5, hi += 0.5;
            linspace_f(e, lo, hi, ne, x->dtype != DT_FLOAT64);
        }
        edges[d] = e;
        list_push_steal(el, iv_tensor_steal(E));
    }
    Tensor *H = st == TS_OK ? tensor_empty(ctx, DT_FLOAT64, nb, (int)D) : NULL;
    if (st == TS_OK && !H) st = ctx->status;
    if (st == TS_OK) {
        double *h = tensor_data(H);
        for (int64_t i = 0; i < N; i++) {
            int64_t flat = 0;
            bool inside = true;
            for (int64_t d = 0; d < D && inside; d++) {
                int64_t b = bin_of(edges[d], nb[d], p[i * D + d], tensor_bins);
                if (b < 0) inside = false;
                flat = flat * nb[d] + b;
            }
            if (inside) h[flat] += w ? tensor_get_f64(w, i) : 1.0;
        }
        if (op_bool(in[4])) {
            int64_t tot_n = tensor_numel(H);
            double tot = 0;
            for (int64_t k = 0; k < tot_n; k++) tot += h[k];
            for (int64_t k = 0; k < tot_n; k++) {
                double vol = 1;
                int64_t rem = k;
                for (int64_t d = D - 1; d >= 0; d--) {
                    int64_t b = rem % nb[d];
                    rem /= nb[d];
                    vol *= edges[d][b + 1] - edges[d][b];
                }
                h[k] = h[k] / (tot * vol);
            }
        }
    }
    tensor_release(xc);
    Tensor *hc = H ? op_cast_steal(ctx, H, x->dtype) : NULL;
    if (st == TS_OK && !hc) st = ctx->status;
    for (int64_t d = 0; el && st == TS_OK && d < el->len; d++) {
        Tensor *c = tensor_to_dtype(ctx, el->items[d].u.t, x->dtype);
        if (!c) {
            st = ctx->status;
            break;
        }
        iv_release(el->items[d]);
        el->items[d] = iv_tensor_steal(c);
    }
    IValue lv = el ? iv_list_steal(el) : iv_none();
    if (st != TS_OK) {
        tensor_release(hc);
        iv_release(lv);
        return st;
    }
    out[0] = iv_tensor_steal(hc);
    out[1] = lv;
    return TS_OK;
}

OPFN(top_histogramdd) { return histogramdd(ctx, in, nin, false, out); }
OPFN(top_histogramdd_TensorList_bins) { return histogramdd(ctx, in, nin, true, out); }
