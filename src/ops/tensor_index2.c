/*
 * tensor_index2.c - scatter, index_* and selection ops: scatter (src, value,
 * reduce), scatter_add, scatter_reduce, index_add / index_copy / index_fill,
 * masked_select / masked_scatter, nonzero, sort / argsort / msort,
 * kthvalue / median / nanmedian, isin / isclose / equal / allclose,
 * searchsorted / bucketize, cross, copy_, einsum, and their in-place forms.
 *
 * Each op computes into a new contiguous result in float64 (floating
 * dtypes) or int64 (integers and bool), rounded once to the result dtype; an
 * in-place form computes the same and copies it into self (views of a base
 * update the base, as in PyTorch). Every index is checked against its
 * dimension before use, so a bad index is an error, never a stray write.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/tensor_ops.h"

/* The row-major coordinates of flat index e in sizes[0..n). */
static void coords(int64_t e, const int64_t *sizes, int n, int64_t *c) {
    for (int i = n - 1; i >= 0; i--) {
        c[i] = sizes[i] ? e % sizes[i] : 0;
        e = sizes[i] ? e / sizes[i] : 0;
    }
}

static int64_t offset_of(const Tensor *t, const int64_t *c) {
    int64_t o = t->storage_offset;
    for (int i = 0; i < t->ndim; i++) o += c[i] * t->strides[i];
    return o;
}

static double load_f(const Tensor *t, int64_t off) {
    return dtype_load_f64(t->dtype, (const char *)t->storage->data + (size_t)off * dtype_size(t->dtype));
}

static int64_t load_i(const Tensor *t, int64_t off) {
    return dtype_load_i64(t->dtype, (const char *)t->storage->data + (size_t)off * dtype_size(t->dtype));
}

/* r (owned) written into self (in-place forms); out gets self. */
static ts_status into_self(Ctx *ctx, Tensor *self, IValue r, IValue *out) {
    (void)ctx;
    Tensor *t = r.u.t;
    Tensor *c = tensor_to_dtype(ctx, t, self->dtype);
    iv_release(r);
    if (!c) return ctx->status;
    tensor_copy_into(self, c);
    tensor_release(c);
    return op_return(out, tensor_retain(self));
}

/* ---- scatter family ---- */

enum { SC_SET, SC_SUM, SC_PROD, SC_MEAN, SC_AMAX, SC_AMIN };

static ts_status parse_reduce(Ctx *ctx, IValue v, bool two, int *out) {
    const char *s = v.kind == IV_STR ? v.u.s->data : "";
    if (two) {
        static const char *names[] = {"sum", "prod", "mean", "amax", "amin"};
        for (int i = 0; i < 5; i++)
            if (!strcmp(s, names[i])) {
                *out = SC_SUM + i;
                return TS_OK;
            }
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "reduce argument must be either sum, prod, mean, amax or amin, got %s", s);
    }
    if (!strcmp(s, "add")) *out = SC_SUM;
    else if (!strcmp(s, "multiply")) *out = SC_PROD;
    else return ts_fail(ctx, TS_ERR_VALUE, NULL, "reduce argument must be either add or multiply, got %s", s);
    return TS_OK;
}

/* self scattered along dim at index with src (a tensor, or NULL for value).
 * include_self false: a scattered-to position starts from its first value. */
static ts_status scatter(Ctx *ctx, const char *op, Tensor *self, int64_t dim, Tensor *ix, Tensor *src,
                         IValue value, int mode, bool include_self, IValue *out) {
    int d;
    TS_TRY(op_wrap_dim(ctx, op, dim, self->ndim, &d));
    if (ix->dtype != DT_INT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): Expected dtype int64 for index", op);
    int sn = self->ndim ? self->ndim : 1, in_ = ix->ndim ? ix->ndim : 1;
    if (tensor_numel(ix) > 0 && sn != in_)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Index tensor must have the same number of dimensions as self tensor");
    if (src) {
        int rn = src->ndim ? src->ndim : 1;
        if (tensor_numel(ix) > 0 && rn != in_)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Index tensor must have the same number of dimensions as src tensor");
        if (src->dtype != self->dtype)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): Expected self.dtype to be equal to src.dtype", op);
    }
    for (int i = 0; i < ix->ndim && tensor_numel(ix) > 0; i++) {
        int64_t ss = self->ndim ? self->sizes[i] : 1;
        if (src && ix->sizes[i] > (src->ndim ? src->sizes[i] : 1))
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "Size does not match at dimension %d expected index to be smaller than src apart from dimension %d", i, d);
        if (i != d && ix->sizes[i] > ss)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "Size does not match at dimension %d expected index to be smaller than self apart from dimension %d", i, d);
    }
    bool f = dtype_is_float(self->dtype);
    DType ct = f ? DT_FLOAT64 : DT_INT64;
    Tensor *r = tensor_to_dtype(ctx, self, ct);
    if (!r) return ctx->status;
    int64_t n = tensor_numel(r), m = tensor_numel(ix);
    int64_t *cnt = NULL;
    bool *seen = NULL;
    if (mode == SC_MEAN || !include_self) {
        cnt = calloc((size_t)(n ? n : 1), sizeof *cnt);
        seen = calloc((size_t)(n ? n : 1), sizeof *seen);
        if (!cnt || !seen) {
            free(cnt), free(seen), tensor_release(r);
            return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
        }
        if (include_self)
            for (int64_t i = 0; i < n; i++) cnt[i] = 1;
    }
    int64_t c[TS_MAX_DIMS], rc[TS_MAX_DIMS], rst[TS_MAX_DIMS];
    tensor_contiguous_strides(r->sizes, r->ndim, rst);
    int64_t lim = self->ndim ? self->sizes[d] : 1;
    double *rf = f ? tensor_data(r) : NULL;
    int64_t *ri = f ? NULL : tensor_data(r);
    for (int64_t e = 0; e < m; e++) {
        coords(e, ix->sizes, ix->ndim, c);
        int64_t k = load_i(ix, offset_of(ix, c));
        if (k < -lim || k >= lim) {
            free(cnt), free(seen), tensor_release(r);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): index %" PRId64 " is out of bounds for dimension %d with size %" PRId64,
                           op, k, d, lim);
        }
        if (k < 0) k += lim;
        memcpy(rc, c, sizeof(int64_t) * (size_t)ix->ndim);
        if (self->ndim) rc[d] = k;
        int64_t o = 0;
        for (int i = 0; i < self->ndim; i++) o += rc[i] * rst[i];
        bool first = seen && !include_self && !seen[o];
        if (seen) seen[o] = true;
        if (cnt) cnt[o]++;
        if (f) {
            double v = src ? load_f(src, offset_of(src, c)) : iv_scalar_f64(value), *p = &rf[o];
            if (mode == SC_SET || first) *p = v;
            else if (mode == SC_SUM || mode == SC_MEAN) *p += v;
            else if (mode == SC_PROD) *p *= v;
            else if (mode == SC_AMAX) *p = (isnan(v) || v > *p) ? v : *p;
            else *p = (isnan(v) || v < *p) ? v : *p;
        } else {
            int64_t v = src ? load_i(src, offset_of(src, c)) : iv_scalar_i64(value), *p = &ri[o];
            if (mode == SC_SET || first) *p = v;
            else if (mode == SC_SUM || mode == SC_MEAN) *p = (int64_t)((uint64_t)*p + (uint64_t)v);
            else if (mode == SC_PROD) *p = (int64_t)((uint64_t)*p * (uint64_t)v);
            else if (mode == SC_AMAX) *p = v > *p ? v : *p;
            else *p = v < *p ? v : *p;
        }
    }
    if (mode == SC_MEAN)
        for (int64_t i = 0; i < n; i++) {
            int64_t k = cnt[i] ? cnt[i] : 1;
            if (f) rf[i] /= (double)k;
            else {
                int64_t q = ri[i] / k;
                if ((ri[i] % k != 0) && ((ri[i] < 0) != (k < 0))) q--;
                ri[i] = q;
            }
        }
    free(cnt), free(seen);
    r = op_cast_steal(ctx, r, self->dtype);
    return r ? op_return(out, r) : ctx->status;
}

/* Argument access shared by the scatter ops: self, dim, index, then src or
 * value at position 3. */
static ts_status sc_args(Ctx *ctx, const char *op, IValue *in, int nin, Tensor **self, Tensor **ix) {
    TS_TRY(op_tensor(ctx, op, in, nin, 0, self));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, ix));
    return TS_OK;
}

static ts_status scatter_op(Ctx *ctx, IValue *in, int nin, bool value, int mode_arg, bool two, bool inplace,
                            IValue *out) {
    const char *op = two ? "scatter_reduce" : "scatter";
    Tensor *self, *ix, *src = NULL;
    TS_TRY(sc_args(ctx, op, in, nin, &self, &ix));
    if (!value) TS_TRY(op_tensor(ctx, op, in, nin, 3, &src));
    int mode = SC_SET;
    if (mode_arg >= 0) TS_TRY(parse_reduce(ctx, in[mode_arg], two, &mode));
    bool include_self = two ? op_bool(in[5]) : true;
    IValue r;
    TS_TRY(scatter(ctx, op, self, op_int(in[1]), ix, src, in[3], mode, include_self, &r));
    if (!inplace) {
        out[0] = r;
        return TS_OK;
    }
    return into_self(ctx, self, r, out);
}

OPFN(top_scatter_src) { return scatter_op(ctx, in, nin, false, -1, false, false, out); }
OPFN(top_scatter_value) { return scatter_op(ctx, in, nin, true, -1, false, false, out); }
OPFN(top_scatter_reduce) { return scatter_op(ctx, in, nin, false, 4, false, false, out); }
OPFN(top_scatter_value_reduce) { return scatter_op(ctx, in, nin, true, 4, false, false, out); }
OPFN(top_scatter__src) { return scatter_op(ctx, in, nin, false, -1, false, true, out); }
OPFN(top_scatter__value) { return scatter_op(ctx, in, nin, true, -1, false, true, out); }
OPFN(top_scatter__reduce) { return scatter_op(ctx, in, nin, false, 4, false, true, out); }
OPFN(top_scatter__value_reduce) { return scatter_op(ctx, in, nin, true, 4, false, true, out); }
OPFN(top_scatter_reduce_two) { return scatter_op(ctx, in, nin, false, 4, true, false, out); }
OPFN(top_scatter_reduce__two) { return scatter_op(ctx, in, nin, false, 4, true, true, out); }

static ts_status scatter_add(Ctx *ctx, IValue *in, int nin, bool inplace, IValue *out) {
    Tensor *self, *ix, *src;
    TS_TRY(sc_args(ctx, "scatter_add", in, nin, &self, &ix));
    TS_TRY(op_tensor(ctx, "scatter_add", in, nin, 3, &src));
    IValue r;
    TS_TRY(scatter(ctx, "scatter_add", self, op_int(in[1]), ix, src, in[3], SC_SUM, true, &r));
    if (!inplace) {
        out[0] = r;
        return TS_OK;
    }
    return into_self(ctx, self, r, out);
}
OPFN(top_scatter_add) { return scatter_add(ctx, in, nin, false, out); }
OPFN(top_scatter_add_) { return scatter_add(ctx, in, nin, true, out); }

/* ---- index_add / index_copy / index_fill ---- */

enum { IX_ADD, IX_COPY, IX_FILL };

static ts_status index_op(Ctx *ctx, const char *op, int kind, IValue *in, int nin, bool inplace, IValue *out) {
    Tensor *self, *ix, *src = NULL;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &ix));
    int d;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[1]), self->ndim, &d));
    if (ix->ndim > 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): Index is supposed to be a vector", op);
    if (ix->dtype != DT_INT64 && ix->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): Expected dtype int32/int64 for index", op);
    int64_t ni = tensor_numel(ix), lim = self->ndim ? self->sizes[d] : 1;
    double fill = 0;
    if (kind == IX_FILL) {
        if (in[3].kind == IV_TENSOR) {
            if (in[3].u.t->ndim != 0)
                return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                               "index_fill_ only supports a 0-dimensional value tensor, but got tensor with %d dimension(s).",
                               in[3].u.t->ndim);
            fill = tensor_get_f64(in[3].u.t, 0);
        } else fill = iv_scalar_f64(in[3]);
    } else {
        TS_TRY(op_tensor(ctx, op, in, nin, 3, &src));
        if (src->dtype != self->dtype)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s(): self (%s) and source (%s) must have the same scalar type", op,
                           dtype_name(self->dtype), dtype_name(src->dtype));
        int sn = src->ndim ? src->ndim : 1, xn = self->ndim ? self->ndim : 1;
        if (sn != xn && !(src->ndim == 0 && ni == 1))
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): Source/destination tensor must have same slice shapes", op);
        for (int i = 0; i < src->ndim && i < self->ndim; i++)
            if (i != d && src->sizes[i] != self->sizes[i])
                return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s(): Source/destination tensor must have same slice shapes", op);
        if ((src->ndim ? src->sizes[d] : 1) != ni)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "%s(): Number of indices (%" PRId64 ") should be equal to source.size(dim) (%" PRId64 ")", op, ni,
                           src->ndim ? src->sizes[d] : 1);
    }
    bool f = dtype_is_float(self->dtype);
    Tensor *r = tensor_to_dtype(ctx, self, f ? DT_FLOAT64 : DT_INT64);
    if (!r) return ctx->status;
    double alpha = kind == IX_ADD ? iv_scalar_f64(in[4]) : 1;
    int64_t ialpha = kind == IX_ADD ? iv_scalar_i64(in[4]) : 1;
    int64_t rst[TS_MAX_DIMS], c[TS_MAX_DIMS];
    tensor_contiguous_strides(r->sizes, r->ndim, rst);
    int64_t slice = lim ? tensor_numel(r) / lim : 0;
    int64_t ssz[TS_MAX_DIMS];
    memcpy(ssz, r->sizes, sizeof ssz);
    if (r->ndim) ssz[d] = 1;
    for (int64_t j = 0; j < ni; j++) {
        int64_t k = tensor_get_i64(ix, j);
        if (k < -lim || k >= lim) {
            tensor_release(r);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): index %" PRId64 " is out of bounds for dimension %d with size %" PRId64,
                           op, k, d, lim);
        }
        if (k < 0) k += lim;
        for (int64_t e = 0; e < slice; e++) {
            coords(e, ssz, r->ndim, c);
            int64_t o = 0;
            for (int i = 0; i < r->ndim; i++) o += (i == d ? k : c[i]) * rst[i];
            int64_t so = 0;
            if (src) {
                if (self->ndim) c[d] = j;
                so = src->ndim ? offset_of(src, c) : src->storage_offset;
            }
            if (f) {
                double *p = (double *)tensor_data(r) + o;
                if (kind == IX_FILL) *p = fill;
                else if (kind == IX_COPY) *p = load_f(src, so);
                else *p += alpha * load_f(src, so);
            } else {
                int64_t *p = (int64_t *)tensor_data(r) + o;
                if (kind == IX_FILL) *p = (int64_t)fill;
                else if (kind == IX_COPY) *p = load_i(src, so);
                else *p = (int64_t)((uint64_t)*p + (uint64_t)ialpha * (uint64_t)load_i(src, so));
            }
        }
    }
    r = op_cast_steal(ctx, r, self->dtype);
    if (!r) return ctx->status;
    if (!inplace) return op_return(out, r);
    return into_self(ctx, self, iv_tensor_steal(r), out);
}

OPFN(top_index_add) { return index_op(ctx, "index_add", IX_ADD, in, nin, false, out); }
OPFN(top_index_add_) { return index_op(ctx, "index_add_", IX_ADD, in, nin, true, out); }
OPFN(top_index_copy) { return index_op(ctx, "index_copy", IX_COPY, in, nin, false, out); }
OPFN(top_index_copy_) { return index_op(ctx, "index_copy_", IX_COPY, in, nin, true, out); }
OPFN(top_index_fill) { return index_op(ctx, "index_fill", IX_FILL, in, nin, false, out); }
OPFN(top_index_fill_) { return index_op(ctx, "index_fill_", IX_FILL, in, nin, true, out); }

/* ---- masked_select, masked_scatter, nonzero ---- */

/* self and mask broadcast; mask must be bool. */
static ts_status masked_pair(Ctx *ctx, const char *op, Tensor *self, Tensor *mask, bool self_shape, Tensor **es,
                             Tensor **em) {
    if (mask->dtype != DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected BoolTensor for mask", op);
    int64_t sz[TS_MAX_DIMS];
    int nd;
    TS_TRY(tensor_broadcast_shapes(ctx, op, self->sizes, self->ndim, mask->sizes, mask->ndim, sz, &nd));
    if (self_shape && (nd != self->ndim || memcmp(sz, self->sizes, sizeof(int64_t) * (size_t)nd)))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the mask must broadcast to self's shape", op);
    *es = tensor_expand(ctx, self, sz, nd);
    *em = *es ? tensor_expand(ctx, mask, sz, nd) : NULL;
    if (!*em) {
        tensor_release(*es);
        return ctx->status;
    }
    return TS_OK;
}

OPFN(top_masked_select) {
    Tensor *self, *mask, *es, *em;
    TS_TRY(op_tensor(ctx, "masked_select", in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, "masked_select", in, nin, 1, &mask));
    TS_TRY(masked_pair(ctx, "masked_select", self, mask, false, &es, &em));
    Tensor *cs = tensor_to_dtype(ctx, es, es->dtype), *cm = cs ? tensor_to_dtype(ctx, em, DT_BOOL) : NULL;
    tensor_release(es), tensor_release(em);
    if (!cm) {
        tensor_release(cs);
        return ctx->status;
    }
    int64_t n = tensor_numel(cs), k = 0;
    const bool *m = tensor_data(cm);
    for (int64_t i = 0; i < n; i++) k += m[i];
    Tensor *r = tensor_new_uninit(ctx, self->dtype, &k, 1);
    if (r) {
        size_t es_ = dtype_size(self->dtype);
        int64_t j = 0;
        for (int64_t i = 0; i < n; i++)
            if (m[i]) memcpy((char *)tensor_data(r) + (size_t)j++ * es_, (const char *)tensor_data(cs) + (size_t)i * es_, es_);
    }
    tensor_release(cs), tensor_release(cm);
    return r ? op_return(out, r) : ctx->status;
}

static ts_status masked_scatter(Ctx *ctx, IValue *in, int nin, bool inplace, IValue *out) {
    Tensor *self, *mask, *src, *es, *em;
    TS_TRY(op_tensor(ctx, "masked_scatter", in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, "masked_scatter", in, nin, 1, &mask));
    TS_TRY(op_tensor(ctx, "masked_scatter", in, nin, 2, &src));
    if (src->dtype != self->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "masked_scatter: expected self and source to have same dtypes but got %s and %s",
                       dtype_name(self->dtype), dtype_name(src->dtype));
    TS_TRY(masked_pair(ctx, "masked_scatter", self, mask, inplace, &es, &em));
    Tensor *r = tensor_to_dtype(ctx, es, es->dtype), *cm = r ? tensor_to_dtype(ctx, em, DT_BOOL) : NULL;
    Tensor *cs = cm ? tensor_contiguous(ctx, src) : NULL;
    tensor_release(es), tensor_release(em);
    if (!cs) {
        tensor_release(r), tensor_release(cm);
        return ctx->status;
    }
    int64_t n = tensor_numel(r), ns = tensor_numel(cs), j = 0;
    const bool *m = tensor_data(cm);
    size_t z = dtype_size(self->dtype);
    for (int64_t i = 0; i < n; i++) {
        if (!m[i]) continue;
        if (j >= ns) {
            tensor_release(r), tensor_release(cm), tensor_release(cs);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "masked_scatter: Number of elements of source < number of ones in mask");
        }
        memcpy((char *)tensor_data(r) + (size_t)i * z, (const char *)tensor_data(cs) + (size_t)j++ * z, z);
    }
    tensor_release(cm), tensor_release(cs);
    if (!inplace) return op_return(out, r);
    return into_self(ctx, self, iv_tensor_steal(r), out);
}
OPFN(top_masked_scatter) { return masked_scatter(ctx, in, nin, false, out); }
OPFN(top_masked_scatter_) { return masked_scatter(ctx, in, nin, true, out); }

OPFN(top_nonzero) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "nonzero", in, nin, 0, &x));
    Tensor *c = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!c) return ctx->status;
    int64_t n = tensor_numel(c), k = 0;
    const double *p = tensor_data(c);
    for (int64_t i = 0; i < n; i++) k += p[i] != 0;
    int64_t sz[2] = {k, x->ndim}, cc[TS_MAX_DIMS];
    Tensor *r = tensor_new_uninit(ctx, DT_INT64, sz, 2);
    if (r) {
        int64_t *o = tensor_data(r), j = 0;
        for (int64_t i = 0; i < n; i++)
            if (p[i] != 0) {
                coords(i, x->sizes, x->ndim, cc);
                for (int d = 0; d < x->ndim; d++) o[j * x->ndim + d] = cc[d];
                j++;
            }
    }
    tensor_release(c);
    return r ? op_return(out, r) : ctx->status;
}

/* ---- sort family ---- */

typedef struct SortKey {
    double v;
    int64_t i;
} SortKey;

/* NaN sorts above every number, ties keep their order (the sort is stable). */
static int key_less(const SortKey *a, const SortKey *b, bool desc) {
    bool an = isnan(a->v), bn = isnan(b->v);
    if (an || bn) {
        if (an && bn) return 0;
        return desc ? an : bn;
    }
    return desc ? a->v > b->v : a->v < b->v;
}

static void merge_sort(SortKey *a, SortKey *tmp, int64_t n, bool desc) {
    if (n < 2) return;
    int64_t h = n / 2;
    merge_sort(a, tmp, h, desc);
    merge_sort(a + h, tmp, n - h, desc);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = key_less(&a[j], &a[i], desc) ? a[j++] : a[i++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, sizeof *a * (size_t)n);
}

/* Sort x along dim: values (x's dtype) and int64 indices, x's shape. */
static ts_status sort_along(Ctx *ctx, const char *op, Tensor *x, int64_t dim, bool desc, Tensor **vals,
                            Tensor **idx) {
    int d;
    TS_TRY(op_wrap_dim(ctx, op, dim, x->ndim, &d));
    int64_t n = x->ndim ? x->sizes[d] : 1, total = tensor_numel(x), outer = n ? total / n : 0;
    Tensor *v = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim);
    Tensor *ix = v ? tensor_new_uninit(ctx, DT_INT64, x->sizes, x->ndim) : NULL;
    SortKey *k = ix ? malloc(sizeof *k * (size_t)(n ? 2 * n : 2)) : NULL;
    if (!k) {
        tensor_release(v), tensor_release(ix);
        return ctx->status ? ctx->status : ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    }
    int64_t st[TS_MAX_DIMS], osz[TS_MAX_DIMS], c[TS_MAX_DIMS];
    tensor_contiguous_strides(x->sizes, x->ndim, st);
    memcpy(osz, x->sizes, sizeof osz);
    if (x->ndim) osz[d] = 1;
    bool f = dtype_is_float(x->dtype);
    size_t z = dtype_size(x->dtype);
    for (int64_t o = 0; o < outer; o++) {
        coords(o, osz, x->ndim, c);
        for (int64_t i = 0; i < n; i++) {
            if (x->ndim) c[d] = i;
            int64_t off = offset_of(x, c);
            k[i].v = f ? load_f(x, off) : (double)load_i(x, off);
            k[i].i = i;
        }
        merge_sort(k, k + n, n, desc);
        for (int64_t i = 0; i < n; i++) {
            if (x->ndim) c[d] = i;
            int64_t oo = 0, src[TS_MAX_DIMS];
            for (int q = 0; q < x->ndim; q++) oo += c[q] * st[q];
            memcpy(src, c, sizeof src);
            if (x->ndim) src[d] = k[i].i;
            memcpy((char *)tensor_data(v) + (size_t)oo * z,
                   (const char *)x->storage->data + (size_t)offset_of(x, src) * z, z);
            ((int64_t *)tensor_data(ix))[oo] = k[i].i;
        }
    }
    free(k);
    *vals = v;
    *idx = ix;
    return TS_OK;
}

static ts_status sort_op(Ctx *ctx, IValue *in, int nin, int64_t dim, bool desc, int want, IValue *out) {
    Tensor *x, *v, *ix;
    TS_TRY(op_tensor(ctx, "sort", in, nin, 0, &x));
    TS_TRY(sort_along(ctx, "sort", x, dim, desc, &v, &ix));
    if (want == 1) {
        tensor_release(v);
        return op_return(out, ix);
    }
    if (want == 0) {
        tensor_release(ix);
        return op_return(out, v);
    }
    out[0] = iv_tensor_steal(v);
    out[1] = iv_tensor_steal(ix);
    return TS_OK;
}

OPFN(top_sort) { return sort_op(ctx, in, nin, op_int(in[1]), op_bool(in[2]), 2, out); }
OPFN(top_sort_stable) { return sort_op(ctx, in, nin, op_int(in[2]), op_bool(in[3]), 2, out); }
OPFN(top_argsort) { return sort_op(ctx, in, nin, op_int(in[1]), op_bool(in[2]), 1, out); }
OPFN(top_argsort_stable) { return sort_op(ctx, in, nin, op_int(in[2]), op_bool(in[3]), 1, out); }
OPFN(top_msort) { return sort_op(ctx, in, nin, 0, false, 0, out); }

/* The k-th smallest (0-based position pos of the sorted row) along dim. */
static ts_status select_kth(Ctx *ctx, const char *op, Tensor *x, int64_t dim, int64_t pos_arg, bool median,
                            bool nan_skip, bool keepdim, IValue *out) {
    int d;
    TS_TRY(op_wrap_dim(ctx, op, dim, x->ndim, &d));
    int64_t n = x->ndim ? x->sizes[d] : 1;
    if (n == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): Expected reduction dim %d to have non-zero size.", op, d);
    if (!median && (pos_arg < 0 || pos_arg >= n))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s(): selected number k out of range for dimension %d", op, d);
    Tensor *v, *ix;
    TS_TRY(sort_along(ctx, op, x, d, false, &v, &ix));
    int64_t outer = tensor_numel(x) / n, osz[TS_MAX_DIMS], c[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int ond = 0;
    for (int i = 0; i < x->ndim; i++)
        if (i != d) osz[ond++] = x->sizes[i];
        else if (keepdim) osz[ond++] = 1;
    Tensor *rv = tensor_new_uninit(ctx, x->dtype, osz, ond), *ri = rv ? tensor_new_uninit(ctx, DT_INT64, osz, ond) : NULL;
    if (!ri) {
        tensor_release(v), tensor_release(ix), tensor_release(rv);
        return ctx->status;
    }
    int64_t csz[TS_MAX_DIMS];
    memcpy(csz, x->sizes, sizeof csz);
    if (x->ndim) csz[d] = 1;
    tensor_contiguous_strides(x->sizes, x->ndim, st);
    size_t z = dtype_size(x->dtype);
    for (int64_t o = 0; o < outer; o++) {
        coords(o, csz, x->ndim, c);
        int64_t base = 0;
        for (int q = 0; q < x->ndim; q++) base += c[q] * st[q];
        int64_t sd = x->ndim ? st[d] : 1, pos = pos_arg;
        if (median) {
            int64_t valid = n;
            if (nan_skip) {
                valid = 0;
                for (int64_t i = 0; i < n; i++) {
                    double e = dtype_load_f64(x->dtype, (const char *)tensor_data(v) + (size_t)(base + i * sd) * z);
                    valid += !isnan(e);
                }
                pos = valid ? (valid - 1) / 2 : 0;
            } else {
                /* a NaN anywhere is the median (NaN sorts last) */
                double last = dtype_load_f64(x->dtype, (const char *)tensor_data(v) + (size_t)(base + (n - 1) * sd) * z);
                pos = isnan(last) ? n - 1 : (n - 1) / 2;
                if (isnan(last))
                    for (int64_t i = 0; i < n; i++) {
                        double e = dtype_load_f64(x->dtype, (const char *)tensor_data(v) + (size_t)(base + i * sd) * z);
                        if (isnan(e)) {
                            pos = i;
                            break;
                        }
                    }
            }
        }
        memcpy((char *)tensor_data(rv) + (size_t)o * z, (const char *)tensor_data(v) + (size_t)(base + pos * sd) * z, z);
        ((int64_t *)tensor_data(ri))[o] = ((int64_t *)tensor_data(ix))[base + pos * sd];
    }
    tensor_release(v), tensor_release(ix);
    out[0] = iv_tensor_steal(rv);
    out[1] = iv_tensor_steal(ri);
    return TS_OK;
}

OPFN(top_kthvalue) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "kthvalue", in, nin, 0, &x));
    return select_kth(ctx, "kthvalue", x, op_int(in[2]), op_int(in[1]) - 1, false, false, op_bool(in[3]), out);
}

static ts_status median_all(Ctx *ctx, const char *op, IValue *in, int nin, bool nan_skip, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t n = tensor_numel(x), one = 1;
    if (n == 0) {
        Tensor *r = tensor_scalar_f64(ctx, x->dtype, NAN);
        return r ? op_return(out, r) : ctx->status;
    }
    Tensor *c = tensor_contiguous(ctx, x);
    Tensor *f = c ? tensor_view(ctx, c->storage, c->dtype, c->storage_offset, &n, &one, 1) : NULL;
    tensor_release(c);
    if (!f) return ctx->status;
    IValue r[2];
    ts_status st = select_kth(ctx, op, f, 0, 0, true, nan_skip, false, r);
    tensor_release(f);
    if (st != TS_OK) return st;
    iv_release(r[1]);
    out[0] = r[0];
    return TS_OK;
}

OPFN(top_median) { return median_all(ctx, "median", in, nin, false, out); }
OPFN(top_nanmedian) { return median_all(ctx, "nanmedian", in, nin, true, out); }
OPFN(top_median_dim) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "median", in, nin, 0, &x));
    return select_kth(ctx, "median", x, op_int(in[1]), 0, true, false, op_bool(in[2]), out);
}
OPFN(top_nanmedian_dim) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "nanmedian", in, nin, 0, &x));
    return select_kth(ctx, "nanmedian", x, op_int(in[1]), 0, true, true, op_bool(in[2]), out);
}

/* ---- comparisons: isin, isclose, equal, allclose ---- */

static ts_status isin(Ctx *ctx, IValue a, IValue b, bool invert, IValue *out) {
    Tensor *ta = a.kind == IV_TENSOR ? tensor_retain(a.u.t)
               : a.kind == IV_DOUBLE ? tensor_scalar_f64(ctx, DT_FLOAT64, a.u.d) : tensor_scalar_i64(ctx, DT_INT64, iv_scalar_i64(a));
    Tensor *tb = !ta ? NULL : b.kind == IV_TENSOR ? tensor_retain(b.u.t)
               : b.kind == IV_DOUBLE ? tensor_scalar_f64(ctx, DT_FLOAT64, b.u.d) : tensor_scalar_i64(ctx, DT_INT64, iv_scalar_i64(b));
    Tensor *ca = tb ? tensor_to_dtype(ctx, ta, DT_FLOAT64) : NULL, *cb = ca ? tensor_to_dtype(ctx, tb, DT_FLOAT64) : NULL;
    Tensor *r = cb ? tensor_new_uninit(ctx, DT_BOOL, ta->sizes, ta->ndim) : NULL;
    if (r) {
        const double *p = tensor_data(ca), *q = tensor_data(cb);
        bool *o = tensor_data(r);
        int64_t n = tensor_numel(ca), m = tensor_numel(cb);
        for (int64_t i = 0; i < n; i++) {
            bool hit = false;
            for (int64_t j = 0; j < m && !hit; j++) hit = p[i] == q[j];
            o[i] = hit != invert;
        }
    }
    tensor_release(ta), tensor_release(tb), tensor_release(ca), tensor_release(cb);
    return r ? op_return(out, r) : ctx->status;
}
OPFN(top_isin_Tensor_Tensor) { return isin(ctx, in[0], in[1], op_bool(in[3]), out); }
OPFN(top_isin_Tensor_Scalar) { return isin(ctx, in[0], in[1], op_bool(in[3]), out); }
OPFN(top_isin_Scalar_Tensor) { return isin(ctx, in[0], in[1], op_bool(in[3]), out); }

/* |a - b| <= atol + rtol * |b| elementwise (NaN equal when equal_nan). */
static ts_status close_mask(Ctx *ctx, const char *op, IValue *in, int nin, Tensor **mask) {
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    if (a->dtype != b->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: %s did not match %s", op, dtype_name(a->dtype), dtype_name(b->dtype));
    double rtol = iv_scalar_f64(in[2]), atol = iv_scalar_f64(in[3]);
    bool eqnan = op_bool(in[4]);
    if (rtol < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "rtol must be greater than or equal to zero, but got %g", rtol);
    if (atol < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "atol must be greater than or equal to zero, but got %g", atol);
    int64_t sz[TS_MAX_DIMS];
    int nd;
    TS_TRY(tensor_broadcast_shapes(ctx, op, a->sizes, a->ndim, b->sizes, b->ndim, sz, &nd));
    Tensor *ea = tensor_expand(ctx, a, sz, nd), *eb = ea ? tensor_expand(ctx, b, sz, nd) : NULL;
    Tensor *ca = eb ? tensor_to_dtype(ctx, ea, DT_FLOAT64) : NULL, *cb = ca ? tensor_to_dtype(ctx, eb, DT_FLOAT64) : NULL;
    Tensor *r = cb ? tensor_new_uninit(ctx, DT_BOOL, sz, nd) : NULL;
    if (r) {
        const double *p = tensor_data(ca), *q = tensor_data(cb);
        bool *o = tensor_data(r);
        for (int64_t i = 0, n = tensor_numel(r); i < n; i++) {
            if (isnan(p[i]) || isnan(q[i])) o[i] = eqnan && isnan(p[i]) && isnan(q[i]);
            else if (p[i] == q[i]) o[i] = true;
            else o[i] = isfinite(p[i]) && isfinite(q[i]) && fabs(p[i] - q[i]) <= atol + rtol * fabs(q[i]);
        }
    }
    tensor_release(ea), tensor_release(eb), tensor_release(ca), tensor_release(cb);
    *mask = r;
    return r ? TS_OK : ctx->status;
}

OPFN(top_isclose) {
    Tensor *m;
    TS_TRY(close_mask(ctx, "isclose", in, nin, &m));
    return op_return(out, m);
}

OPFN(top_allclose) {
    Tensor *m;
    TS_TRY(close_mask(ctx, "allclose", in, nin, &m));
    bool all = true;
    const bool *p = tensor_data(m);
    for (int64_t i = 0, n = tensor_numel(m); i < n; i++) all = all && p[i];
    tensor_release(m);
    out[0] = iv_bool(all);
    return TS_OK;
}

OPFN(top_equal) {
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, "equal", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "equal", in, nin, 1, &b));
    bool eq = a->ndim == b->ndim && !memcmp(a->sizes, b->sizes, sizeof(int64_t) * (size_t)a->ndim);
    int64_t c[TS_MAX_DIMS];
    for (int64_t i = 0, n = eq ? tensor_numel(a) : 0; i < n && eq; i++) {
        coords(i, a->sizes, a->ndim, c);
        if (dtype_is_float(a->dtype) || dtype_is_float(b->dtype))
            eq = load_f(a, offset_of(a, c)) == load_f(b, offset_of(b, c));
        else eq = load_i(a, offset_of(a, c)) == load_i(b, offset_of(b, c));
    }
    out[0] = iv_bool(eq);
    return TS_OK;
}

/* ---- searchsorted, bucketize ---- */

/* For each value, the insertion point in its row of the sorted sequence
 * (the last dim; one row for a 1-d sequence). */
static ts_status search(Ctx *ctx, const char *op, Tensor *seq, IValue vals, bool out_int32, bool right,
                        Tensor *sorter, IValue *out) {
    Tensor *v = vals.kind == IV_TENSOR ? tensor_retain(vals.u.t)
              : vals.kind == IV_DOUBLE ? tensor_scalar_f64(ctx, DT_FLOAT64, vals.u.d)
                                       : tensor_scalar_i64(ctx, DT_INT64, iv_scalar_i64(vals));
    if (!v) return ctx->status;
    if (seq->ndim == 0) {
        tensor_release(v);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: boundaries tensor should have positive dimension, but got 0 dimension", op);
    }
    bool one_row = seq->ndim == 1;
    if (!one_row && (v->ndim != seq->ndim || memcmp(v->sizes, seq->sizes, sizeof(int64_t) * (size_t)(seq->ndim - 1)))) {
        tensor_release(v);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match", op);
    }
    int64_t L = seq->sizes[seq->ndim - 1];
    Tensor *cs = tensor_to_dtype(ctx, seq, DT_FLOAT64), *cv = cs ? tensor_to_dtype(ctx, v, DT_FLOAT64) : NULL;
    Tensor *so = cv && sorter ? tensor_to_dtype(ctx, sorter, DT_INT64) : NULL;
    Tensor *r = cv && (!sorter || so) ? tensor_new_uninit(ctx, DT_INT64, v->sizes, v->ndim) : NULL;
    if (r) {
        const double *s = tensor_data(cs), *q = tensor_data(cv);
        const int64_t *srt = so ? tensor_data(so) : NULL;
        int64_t *o = tensor_data(r), n = tensor_numel(cv), per = v->ndim ? v->sizes[v->ndim - 1] : 1;
        for (int64_t i = 0; i < n; i++) {
            int64_t row = one_row ? 0 : i / (per ? per : 1);
            const double *b = s + row * L;
            const int64_t *sr = srt ? srt + row * L : NULL;
            int64_t lo = 0, hi = L;
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                int64_t at = sr ? sr[mid] : mid;
                double e = (at >= 0 && at < L) ? b[at] : NAN;
                bool go_right = right ? !(q[i] < e) : (e < q[i]);
                if (isnan(e)) go_right = false;
                if (go_right) lo = mid + 1;
                else hi = mid;
            }
            o[i] = lo;
        }
    }
    tensor_release(v), tensor_release(cs), tensor_release(cv), tensor_release(so);
    if (!r) return ctx->status;
    r = op_cast_steal(ctx, r, out_int32 ? DT_INT32 : DT_INT64);
    return r ? op_return(out, r) : ctx->status;
}

static ts_status searchsorted(Ctx *ctx, IValue *in, int nin, IValue *out) {
    Tensor *seq, *sorter;
    TS_TRY(op_tensor(ctx, "searchsorted", in, nin, 0, &seq));
    TS_TRY(op_opt_tensor(ctx, "searchsorted", in, nin, 5, &sorter));
    bool right = op_bool(in[3]);
    if (in[4].kind == IV_STR) {
        const char *side = in[4].u.s->data;
        if (strcmp(side, "left") && strcmp(side, "right"))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.searchsorted(): side can only be 'left' or 'right' but got %s", side);
        if (right && !strcmp(side, "left"))
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True");
        right = !strcmp(side, "right");
    }
    return search(ctx, "searchsorted", seq, in[1], op_bool(in[2]), right, sorter, out);
}
OPFN(top_searchsorted_Tensor) { return searchsorted(ctx, in, nin, out); }
OPFN(top_searchsorted_Scalar) { return searchsorted(ctx, in, nin, out); }

OPFN(top_bucketize_Tensor) {
    Tensor *b;
    TS_TRY(op_tensor(ctx, "bucketize", in, nin, 1, &b));
    if (b->ndim != 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "bucketize: boundaries tensor must be 1 dimension, but got dim(%d)", b->ndim);
    return search(ctx, "bucketize", b, in[0], op_bool(in[2]), op_bool(in[3]), NULL, out);
}
OPFN(top_bucketize_Scalar) { return top_bucketize_Tensor(ctx, in, nin, out, info); }

/* ---- cross, copy_ ---- */

static ts_status cross(Ctx *ctx, const char *op, IValue *in, int nin, IValue dimv, IValue *out) {
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    if (a->ndim != b->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: inputs must have the same number of dimensions.", op);
    int64_t sz[TS_MAX_DIMS];
    int nd;
    TS_TRY(tensor_broadcast_shapes(ctx, op, a->sizes, a->ndim, b->sizes, b->ndim, sz, &nd));
    int d = -1;
    if (dimv.kind == IV_NONE) {
        for (int i = 0; i < nd; i++)
            if (sz[i] == 3) {
                d = i;
                break;
            }
        if (d < 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "no dimension of size 3 in input");
    } else TS_TRY(op_wrap_dim(ctx, op, op_int(dimv), nd, &d));
    if (nd == 0 || a->sizes[d] != 3 || b->sizes[d] != 3)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: inputs dimension %d must have length 3. Got %" PRId64 " and %" PRId64,
                       op, d, a->ndim ? a->sizes[d] : 0, b->ndim ? b->sizes[d] : 0);
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, a);
    rt_tensor(&rt, b);
    DType dt = rt_result(&rt);
    bool f = dtype_is_float(dt);
    Tensor *ea = tensor_expand(ctx, a, sz, nd), *eb = ea ? tensor_expand(ctx, b, sz, nd) : NULL;
    Tensor *ca = eb ? tensor_to_dtype(ctx, ea, f ? DT_FLOAT64 : DT_INT64) : NULL;
    Tensor *cb = ca ? tensor_to_dtype(ctx, eb, f ? DT_FLOAT64 : DT_INT64) : NULL;
    Tensor *r = cb ? tensor_new_uninit(ctx, f ? DT_FLOAT64 : DT_INT64, sz, nd) : NULL;
    tensor_release(ea), tensor_release(eb);
    if (!r) {
        tensor_release(ca), tensor_release(cb);
        return ctx->status;
    }
    int64_t st[TS_MAX_DIMS], c[TS_MAX_DIMS], osz[TS_MAX_DIMS];
    tensor_contiguous_strides(sz, nd, st);
    memcpy(osz, sz, sizeof osz);
    osz[d] = 1;
    int64_t outer = tensor_numel(r) / 3;
    for (int64_t o = 0; o < outer; o++) {
        coords(o, osz, nd, c);
        int64_t base = 0;
        for (int q = 0; q < nd; q++) base += c[q] * st[q];
        int64_t s = st[d];
        if (f) {
            const double *p = (const double *)tensor_data(ca) + base, *q = (const double *)tensor_data(cb) + base;
            double *w = (double *)tensor_data(r) + base;
            w[0] = p[s] * q[2 * s] - p[2 * s] * q[s];
            w[s] = p[2 * s] * q[0] - p[0] * q[2 * s];
            w[2 * s] = p[0] * q[s] - p[s] * q[0];
        } else {
            const int64_t *p = (const int64_t *)tensor_data(ca) + base, *q = (const int64_t *)tensor_data(cb) + base;
            int64_t *w = (int64_t *)tensor_data(r) + base;
            w[0] = p[s] * q[2 * s] - p[2 * s] * q[s];
            w[s] = p[2 * s] * q[0] - p[0] * q[2 * s];
            w[2 * s] = p[0] * q[s] - p[s] * q[0];
        }
    }
    tensor_release(ca), tensor_release(cb);
    r = op_cast_steal(ctx, r, dt);
    return r ? op_return(out, r) : ctx->status;
}
OPFN(top_cross) { return cross(ctx, "cross", in, nin, in[2], out); }
OPFN(top_linalg_cross) { return cross(ctx, "linalg.cross", in, nin, in[2], out); }

/* copy_(self, src): src broadcast to self's shape and converted to its
 * dtype, through a temporary so an overlapping src reads its old values. */
static ts_status copy_from(Ctx *ctx, Tensor *self, Tensor *src, IValue *out) {
    Tensor *e = tensor_expand(ctx, src, self->sizes, self->ndim);
    if (!e) return ctx->status;
    Tensor *tmp = tensor_to_dtype(ctx, e, self->dtype);
    tensor_release(e);
    if (!tmp) return ctx->status;
    tensor_copy_into(self, tmp);
    tensor_release(tmp);
    return op_return(out, tensor_retain(self));
}

OPFN(top_copy__Tensor) {
    Tensor *self, *src;
    TS_TRY(op_tensor(ctx, "copy_", in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, "copy_", in, nin, 1, &src));
    return copy_from(ctx, self, src, out);
}

OPFN(top_copy__scalar) {
    Tensor *self;
    TS_TRY(op_tensor(ctx, "copy_", in, nin, 0, &self));
    Tensor *s = in[1].kind == IV_DOUBLE ? tensor_scalar_f64(ctx, DT_FLOAT64, in[1].u.d)
                                        : tensor_scalar_i64(ctx, DT_INT64, iv_scalar_i64(in[1]));
    if (!s) return ctx->status;
    ts_status st = copy_from(ctx, self, s, out);
    tensor_release(s);
    return st;
}

/* ---- einsum ---- */

/* einsum(equation, tensors): letters name dims; "->" gives the output (else
 * the letters used once, sorted); "..." broadcasts the leading dims. The
 * sum runs over every combination of the summed letters in float64 (int64
 * for integers), one product per term. */
OPFN(top_einsum) {
    const char *eq = in[0].kind == IV_STR ? in[0].u.s->data : "";
    if (in[1].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "einsum(): expected a list of tensors");
    ListObj *l = in[1].u.l;
    int nops = (int)l->len;
    if (nops == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): must provide at least one operand");
    if (nops > 8) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): at most 8 operands are supported");
    int lab[8][TS_MAX_DIMS], nl[8] = {0}, ell_at[8];
    const char *arrow = strstr(eq, "->");
    const char *p = eq;
    int op_i = 0;
    for (int i = 0; i < 8; i++) ell_at[i] = -1;
    for (; *p && p != arrow; p++) {
        if (*p == ' ') continue;
        if (*p == ',') {
            if (++op_i >= nops) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): more operands were provided in the equation than tensors");
            continue;
        }
        if (*p == '.') {
            if (strncmp(p, "...", 3) || ell_at[op_i] >= 0)
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): invalid ellipsis in the equation");
            ell_at[op_i] = nl[op_i];
            p += 2;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): invalid subscript given at index %d in the equation string, subscripts must be in [a-zA-Z]",
                           (int)(p - eq));
        if (nl[op_i] >= TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): too many subscripts");
        lab[op_i][nl[op_i]++] = (unsigned char)*p;
    }
    if (op_i + 1 != nops)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): %d operands in the equation, but %d tensors were given", op_i + 1, nops);
    /* letters: 52 real ones, then 16 for ellipsis dims (codes 200 + k) */
    int64_t size[256];
    bool used[256] = {false};
    int count[256] = {0};
    int ell_dims = 0;
    for (int i = 0; i < 256; i++) size[i] = -1;
    Tensor *t[8];
    for (int k = 0; k < nops; k++) {
        if (l->items[k].kind != IV_TENSOR) return ts_fail(ctx, TS_ERR_TYPE, NULL, "einsum(): expected a list of tensors");
        t[k] = l->items[k].u.t;
        int ne = ell_at[k] >= 0 ? t[k]->ndim - nl[k] : 0;
        if ((ell_at[k] < 0 && t[k]->ndim != nl[k]) || ne < 0)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "einsum(): the number of subscripts in the equation (%d) does not match the number of dimensions (%d) for operand %d%s",
                           nl[k], t[k]->ndim, k, ell_at[k] < 0 ? " and no ellipsis was given" : "");
        if (ne > ell_dims) ell_dims = ne;
    }
    /* per operand, the label of each of its dims */
    int dl[8][TS_MAX_DIMS];
    for (int k = 0; k < nops; k++) {
        int ne = ell_at[k] >= 0 ? t[k]->ndim - nl[k] : 0, j = 0;
        for (int i = 0; i < nl[k]; i++) {
            if (i == ell_at[k])
                for (int e = 0; e < ne; e++) dl[k][j++] = 200 + (ell_dims - ne) + e;
            dl[k][j++] = lab[k][i];
        }
        if (ell_at[k] == nl[k])
            for (int e = 0; e < ne; e++) dl[k][j++] = 200 + (ell_dims - ne) + e;
        for (int i = 0; i < t[k]->ndim; i++) {
            int c = dl[k][i];
            int64_t s = t[k]->sizes[i];
            if (size[c] < 0 || size[c] == 1) size[c] = s;
            else if (s != size[c] && s != 1)
                return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                               "einsum(): operands do not broadcast with remapped shapes (original->remapped)");
            used[c] = true;
            count[c]++;
        }
    }
    /* output labels */
    int outl[TS_MAX_DIMS], no = 0;
    if (arrow) {
        bool had_ell = false;
        for (const char *q = arrow + 2; *q; q++) {
            if (*q == ' ') continue;
            if (*q == '.') {
                if (strncmp(q, "...", 3) || had_ell) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): invalid ellipsis in the output");
                had_ell = true;
                for (int e = 0; e < ell_dims; e++) outl[no++] = 200 + e;
                q += 2;
                continue;
            }
            int c = (unsigned char)*q;
            if (!used[c]) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): output subscript %c does not appear in the equation for any input operand", *q);
            for (int i = 0; i < no; i++)
                if (outl[i] == c) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): output subscript %c appears more than once in the output", *q);
            if (no >= TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): too many output subscripts");
            outl[no++] = c;
        }
        if (!had_ell && ell_dims)
            for (int e = 0; e < ell_dims; e++)
                if (size[200 + e] > 1)
                    return ts_fail(ctx, TS_ERR_VALUE, NULL, "einsum(): ellipsis dimensions must appear in the output");
    } else {
        for (int e = 0; e < ell_dims; e++) outl[no++] = 200 + e;
        for (int c = 'A'; c <= 'z'; c++)
            if (used[c] && count[c] == 1 && no < TS_MAX_DIMS) outl[no++] = c;
    }
    int suml[64], ns = 0;
    for (int c = 0; c < 256; c++) {
        if (!used[c]) continue;
        bool in_out = false;
        for (int i = 0; i < no; i++) in_out = in_out || outl[i] == c;
        if (!in_out && ns < 64) suml[ns++] = c;
    }
    ResultType rt;
    rt_init(&rt);
    for (int k = 0; k < nops; k++) rt_tensor(&rt, t[k]);
    DType dt = rt_result(&rt);
    for (int k = 0; k < nops; k++)
        if (t[k]->dtype != t[0]->dtype)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "einsum(): expected scalar type %s but found %s",
                           dtype_name(t[0]->dtype), dtype_name(t[k]->dtype));
    bool f = dtype_is_float(dt);
    int64_t osz[TS_MAX_DIMS];
    for (int i = 0; i < no; i++) osz[i] = size[outl[i]];
    Tensor *r = tensor_new_uninit(ctx, f ? DT_FLOAT64 : DT_INT64, osz, no);
    if (!r) return ctx->status;
    int64_t nout = tensor_numel(r), nsum = 1;
    for (int i = 0; i < ns; i++) nsum *= size[suml[i]];
    int64_t val[256] = {0}, oc[TS_MAX_DIMS], sc[64], ssz[64];
    for (int i = 0; i < ns; i++) ssz[i] = size[suml[i]];
    for (int64_t o = 0; o < nout; o++) {
        coords(o, osz, no, oc);
        for (int i = 0; i < no; i++) val[outl[i]] = oc[i];
        double acc = 0;
        uint64_t iacc = 0;
        for (int64_t s = 0; s < nsum; s++) {
            int64_t rem = s;
            for (int i = ns - 1; i >= 0; i--) {
                sc[i] = rem % ssz[i];
                rem /= ssz[i];
                val[suml[i]] = sc[i];
            }
            double prod = 1;
            uint64_t iprod = 1;
            for (int k = 0; k < nops; k++) {
                int64_t off = t[k]->storage_offset;
                for (int i = 0; i < t[k]->ndim; i++)
                    if (t[k]->sizes[i] != 1) off += val[dl[k][i]] * t[k]->strides[i];
                if (f) prod *= load_f(t[k], off);
                else iprod *= (uint64_t)load_i(t[k], off);
            }
            acc += prod;
            iacc += iprod;
        }
        if (f) ((double *)tensor_data(r))[o] = acc;
        else ((int64_t *)tensor_data(r))[o] = (int64_t)iacc;
    }
    r = op_cast_steal(ctx, r, dt);
    return r ? op_return(out, r) : ctx->status;
}
