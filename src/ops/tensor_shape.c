/*
 * tensor_shape.c - view and shape ops (t, transpose, permute, view,
 * reshape, flatten, contiguous, unsqueeze, squeeze, select, slice, expand,
 * chunk, split) and joins (cat, stack).
 *
 * Views share the input's storage: a view op only computes sizes, strides
 * and a storage offset, and tensor_view re-checks that every element stays
 * inside the storage. view/reshape use PyTorch's computeStride, so a view of
 * a non-contiguous tensor succeeds exactly when PyTorch's does; reshape
 * copies when no view exists. cat/stack promote dtypes like torch.cat.
 */
#include <inttypes.h>

#include "ops/tensor_ops.h"

static Tensor *review(Ctx *ctx, Tensor *t, int64_t offset, const int64_t *sizes, const int64_t *strides, int ndim) {
    return tensor_view(ctx, t->storage, t->dtype, offset, sizes, strides, ndim);
}

static ts_status ret_view(Ctx *ctx, IValue *out, Tensor *t, int64_t offset, const int64_t *sizes,
                          const int64_t *strides, int ndim) {
    Tensor *v = review(ctx, t, offset, sizes, strides, ndim);
    if (!v) return ctx->status;
    return op_return(out, v);
}

/* ---- transpose family ---- */

OPFN(top_transpose_int) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "transpose", in, nin, 0, &t));
    int d0, d1;
    TS_TRY(op_wrap_dim(ctx, "transpose", op_int(in[1]), t->ndim, &d0));
    TS_TRY(op_wrap_dim(ctx, "transpose", op_int(in[2]), t->ndim, &d1));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    memcpy(sz, t->sizes, sizeof sz);
    memcpy(st, t->strides, sizeof st);
    if (t->ndim > 0) {
        sz[d0] = t->sizes[d1], sz[d1] = t->sizes[d0];
        st[d0] = t->strides[d1], st[d1] = t->strides[d0];
    }
    return ret_view(ctx, out, t, t->storage_offset, sz, st, t->ndim);
}

OPFN(top_t) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "t", in, nin, 0, &t));
    if (t->ndim > 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "t: t() expects a tensor with <= 2 dimensions, but self is %dD", t->ndim);
    int64_t sz[2], st[2];
    for (int d = 0; d < t->ndim; d++) {
        sz[d] = t->sizes[t->ndim - 1 - d];
        st[d] = t->strides[t->ndim - 1 - d];
    }
    return ret_view(ctx, out, t, t->storage_offset, sz, st, t->ndim);
}

OPFN(top_permute) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "permute", in, nin, 0, &t));
    int64_t dims[TS_MAX_DIMS];
    int n;
    TS_TRY(op_int_list(ctx, "permute", in[1], dims, &n));
    if (n != t->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "permute: number of dims don't match in permute (input has %d dims, %d were given)", t->ndim, n);
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    bool seen[TS_MAX_DIMS] = {false};
    for (int i = 0; i < n; i++) {
        int d;
        TS_TRY(op_wrap_dim(ctx, "permute", dims[i], t->ndim, &d));
        if (seen[d]) return ts_fail(ctx, TS_ERR_VALUE, NULL, "permute: repeated dim %d in permute", d);
        seen[d] = true;
        sz[i] = t->sizes[d];
        st[i] = t->strides[d];
    }
    return ret_view(ctx, out, t, t->storage_offset, sz, st, n);
}

/* ---- view / reshape ---- */

/* Resolve a -1 in shape against numel (PyTorch's infer_size). */
static ts_status infer_size(Ctx *ctx, const char *op, int64_t *shape, int n, int64_t numel) {
    int infer = -1;
    int64_t prod = 1;
    for (int i = 0; i < n; i++) {
        if (shape[i] == -1) {
            if (infer >= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: only one dimension can be inferred", op);
            infer = i;
        } else if (shape[i] < 0) {
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: invalid shape dimension %" PRId64, op, shape[i]);
        } else if (!ts_mul_i64_ok(prod, shape[i], &prod)) {
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: shape is too large", op);
        }
    }
    bool ok;
    if (infer >= 0 && prod == 0) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: cannot reshape tensor of 0 elements into shape %s because the unspecified dimension "
                       "size -1 can be any value and is ambiguous",
                       op, op_sizes(&s, shape, n));
    }
    if (infer >= 0) {
        ok = prod != 0 && numel % prod == 0;
        if (ok) shape[infer] = numel / prod;
    } else {
        ok = prod == numel;
    }
    if (!ok) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: shape '%s' is invalid for input of size %" PRId64, op,
                       op_sizes(&s, shape, n), numel);
    }
    return TS_OK;
}

/* PyTorch's computeStride: strides for viewing t as shape, or false. */
static bool view_strides(const Tensor *t, const int64_t *shape, int n, int64_t *out) {
    if (t->ndim == 0) {
        for (int i = 0; i < n; i++) out[i] = 1;
        return true;
    }
    int64_t numel = tensor_numel(t);
    if (numel == 0) {
        if (n == t->ndim && memcmp(shape, t->sizes, sizeof(int64_t) * (size_t)n) == 0) {
            memcpy(out, t->strides, sizeof(int64_t) * (size_t)n);
            return true;
        }
        tensor_contiguous_strides(shape, n, out);
        return true;
    }
    int view_d = n - 1;
    int64_t chunk_base_stride = t->strides[t->ndim - 1];
    int64_t tensor_numel_ = 1, view_numel = 1;
    for (int td = t->ndim - 1; td >= 0; td--) {
        tensor_numel_ *= t->sizes[td];
        if (td == 0 || (t->sizes[td - 1] != 1 && t->strides[td - 1] != tensor_numel_ * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel_ || shape[view_d] == 1)) {
                out[view_d] = view_numel * chunk_base_stride;
                view_numel *= shape[view_d];
                view_d--;
            }
            if (view_numel != tensor_numel_) return false;
            if (td > 0) {
                chunk_base_stride = t->strides[td - 1];
                tensor_numel_ = 1;
                view_numel = 1;
            }
        }
    }
    return view_d == -1;
}

/* view (copy_ok false) or reshape (copy when no view exists). */
static ts_status reshape(Ctx *ctx, const char *op, Tensor *t, int64_t *shape, int n, bool copy_ok, Tensor **out) {
    TS_TRY(infer_size(ctx, op, shape, n, tensor_numel(t)));
    int64_t st[TS_MAX_DIMS];
    if (view_strides(t, shape, n, st)) {
        Tensor *v = review(ctx, t, t->storage_offset, shape, st, n);
        if (!v) return ctx->status;
        *out = v;
        return TS_OK;
    }
    if (!copy_ok)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: view size is not compatible with input tensor's size and stride (at least one dimension "
                       "spans across two contiguous subspaces). Use .reshape(...) instead.",
                       op);
    Tensor *c = tensor_contiguous(ctx, t);
    if (!c) return ctx->status;
    tensor_contiguous_strides(shape, n, st);
    Tensor *v = review(ctx, c, c->storage_offset, shape, st, n);
    tensor_release(c);
    if (!v) return ctx->status;
    *out = v;
    return TS_OK;
}

static ts_status reshape_op(Ctx *ctx, const char *op, IValue *in, int nin, bool copy_ok, IValue *out) {
    Tensor *t, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    int64_t shape[TS_MAX_DIMS];
    int n;
    TS_TRY(op_int_list(ctx, op, in[1], shape, &n));
    TS_TRY(reshape(ctx, op, t, shape, n, copy_ok, &r));
    return op_return(out, r);
}

OPFN(top_view) { return reshape_op(ctx, "view", in, nin, false, out); }
OPFN(top_reshape) { return reshape_op(ctx, "reshape", in, nin, true, out); }

OPFN(top_view_as) {
    Tensor *t, *o, *r;
    TS_TRY(op_tensor(ctx, "view_as", in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, "view_as", in, nin, 1, &o));
    int64_t shape[TS_MAX_DIMS];
    memcpy(shape, o->sizes, sizeof shape);
    TS_TRY(reshape(ctx, "view_as", t, shape, o->ndim, false, &r));
    return op_return(out, r);
}

OPFN(top_flatten_using_ints) {
    Tensor *t, *r;
    TS_TRY(op_tensor(ctx, "flatten", in, nin, 0, &t));
    int s, e;
    TS_TRY(op_wrap_dim(ctx, "flatten", op_int(in[1]), t->ndim, &s));
    TS_TRY(op_wrap_dim(ctx, "flatten", op_int(in[2]), t->ndim, &e));
    if (s > e) return ts_fail(ctx, TS_ERR_VALUE, NULL, "flatten: flatten() has invalid args: start_dim cannot come after end_dim");
    int64_t shape[TS_MAX_DIMS];
    int n = 0;
    if (t->ndim == 0) {
        shape[n++] = 1;
    } else if (s == e) {
        return op_return(out, tensor_retain(t));
    } else {
        for (int d = 0; d < s; d++) shape[n++] = t->sizes[d];
        int64_t p = 1;
        for (int d = s; d <= e; d++) p *= t->sizes[d];
        shape[n++] = p;
        for (int d = e + 1; d < t->ndim; d++) shape[n++] = t->sizes[d];
    }
    TS_TRY(reshape(ctx, "flatten", t, shape, n, true, &r));
    return op_return(out, r);
}

OPFN(top_contiguous) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "contiguous", in, nin, 0, &t));
    Tensor *r = tensor_contiguous(ctx, t);
    if (!r) return ctx->status;
    return op_return(out, r);
}

OPFN(top_detach) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "detach", in, nin, 0, &t));
    return ret_view(ctx, out, t, t->storage_offset, t->sizes, t->strides, t->ndim);
}

/* ---- squeeze / unsqueeze ---- */

OPFN(top_unsqueeze) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "unsqueeze", in, nin, 0, &t));
    if (t->ndim >= TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "unsqueeze: at most %d dimensions are supported", (int)TS_MAX_DIMS);
    int d;
    TS_TRY(op_wrap_dim(ctx, "unsqueeze", op_int(in[1]), t->ndim + 1, &d));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int n = 0;
    for (int i = 0; i <= t->ndim; i++) {
        if (i == d) {
            sz[n] = 1;
            st[n] = d >= t->ndim ? 1 : t->sizes[d] * t->strides[d];
            n++;
        }
        if (i < t->ndim) {
            sz[n] = t->sizes[i];
            st[n] = t->strides[i];
            n++;
        }
    }
    return ret_view(ctx, out, t, t->storage_offset, sz, st, n);
}

OPFN(top_squeeze) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "squeeze", in, nin, 0, &t));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++)
        if (t->sizes[i] != 1) {
            sz[n] = t->sizes[i];
            st[n] = t->strides[i];
            n++;
        }
    return ret_view(ctx, out, t, t->storage_offset, sz, st, n);
}

OPFN(top_squeeze_dim) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "squeeze", in, nin, 0, &t));
    int d;
    TS_TRY(op_wrap_dim(ctx, "squeeze", op_int(in[1]), t->ndim, &d));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++)
        if (i != d || t->sizes[i] != 1) {
            sz[n] = t->sizes[i];
            st[n] = t->strides[i];
            n++;
        }
    return ret_view(ctx, out, t, t->storage_offset, sz, st, n);
}

/* ---- indexing views ---- */

OPFN(top_select_int) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "select", in, nin, 0, &t));
    if (t->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "select: select() cannot be applied to a 0-dim tensor.");
    int d;
    TS_TRY(op_wrap_dim(ctx, "select", op_int(in[1]), t->ndim, &d));
    int64_t idx = op_int(in[2]), size = t->sizes[d];
    if (idx < -size || idx >= size) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "select: index %" PRId64 " out of range for tensor of size %s at dimension %d",
                       idx, op_shape(&s, t), d);
    }
    if (idx < 0) idx += size;
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++)
        if (i != d) {
            sz[n] = t->sizes[i];
            st[n] = t->strides[i];
            n++;
        }
    return ret_view(ctx, out, t, t->storage_offset + idx * t->strides[d], sz, st, n);
}

/* A view of t's [start, start + len) along dim with a step (narrow/slice). */
static Tensor *narrow(Ctx *ctx, Tensor *t, int dim, int64_t start, int64_t len, int64_t step) {
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    memcpy(sz, t->sizes, sizeof sz);
    memcpy(st, t->strides, sizeof st);
    sz[dim] = ts_ceil_div_i64(len, step);
    /* with at most one element left the stride addresses nothing (and may be
     * any step, up to INT64_MAX); otherwise step < len and it fits */
    if (!ts_mul_i64_ok(t->strides[dim], step, &st[dim])) st[dim] = sz[dim] <= 1 ? t->strides[dim] : INT64_MAX;
    return review(ctx, t, t->storage_offset + start * t->strides[dim], sz, st, t->ndim);
}

OPFN(top_slice_Tensor) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "slice", in, nin, 0, &t));
    if (t->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "slice: slice() cannot be applied to a 0-dim tensor.");
    int d;
    TS_TRY(op_wrap_dim(ctx, "slice", op_int(in[1]), t->ndim, &d));
    int64_t step = op_int(in[4]);
    if (step <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "slice: slice step must be positive, got %" PRId64, step);
    int64_t size = t->sizes[d];
    int64_t start = in[2].kind == IV_NONE ? 0 : op_int(in[2]);
    int64_t end = in[3].kind == IV_NONE ? INT64_MAX : op_int(in[3]);
    if (start < 0) start = start < -size ? 0 : start + size;
    if (end < 0) end = end < -size ? 0 : end + size;
    if (start > size) start = size;
    if (end < start) end = start;
    else if (end > size) end = size;
    Tensor *v = narrow(ctx, t, d, start, end - start, step);
    if (!v) return ctx->status;
    return op_return(out, v);
}

/* ---- expand ---- */

static ts_status expand_to(Ctx *ctx, const char *op, Tensor *t, int64_t *sizes, int n, IValue *out) {
    if (n < t->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: the number of sizes provided (%d) must be greater or equal to the number of dimensions "
                       "in the tensor (%d)",
                       op, n, t->ndim);
    for (int i = 0; i < n; i++) {
        int j = i - (n - t->ndim);
        if (sizes[i] == -1) {
            if (j < 0)
                return ts_fail(ctx, TS_ERR_VALUE, NULL,
                               "%s: the expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                               "dimension %d",
                               op, i);
            sizes[i] = t->sizes[j];
        } else if (sizes[i] < 0) {
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: invalid size %" PRId64, op, sizes[i]);
        }
    }
    Tensor *v = tensor_expand(ctx, t, sizes, n);
    if (!v) return ctx->status;
    return op_return(out, v);
}

OPFN(top_expand) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "expand", in, nin, 0, &t));
    int64_t sizes[TS_MAX_DIMS];
    int n;
    TS_TRY(op_int_list(ctx, "expand", in[1], sizes, &n));
    return expand_to(ctx, "expand", t, sizes, n, out);
}

OPFN(top_expand_as) {
    Tensor *t, *o;
    TS_TRY(op_tensor(ctx, "expand_as", in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, "expand_as", in, nin, 1, &o));
    int64_t sizes[TS_MAX_DIMS];
    memcpy(sizes, o->sizes, sizeof sizes);
    return expand_to(ctx, "expand_as", t, sizes, o->ndim, out);
}

/* ---- splitting ---- */

/* Views of t along dim of the given lengths, as a Tensor[] list. */
static ts_status split_views(Ctx *ctx, Tensor *t, int dim, const int64_t *lens, int64_t n, IValue *out) {
    ListObj *l = list_new(ty_tensor(), n);
    int64_t start = 0;
    for (int64_t i = 0; i < n; i++) {
        Tensor *v = narrow(ctx, t, dim, start, lens[i], 1);
        if (!v) {
            iv_release(iv_list_steal(l));
            return ctx->status;
        }
        list_push_steal(l, iv_tensor_steal(v));
        start += lens[i];
    }
    out[0] = iv_list_steal(l);
    return TS_OK;
}

/* split(t, split_size, dim): pieces of split_size, the last one shorter. */
static ts_status split_impl(Ctx *ctx, const char *op, Tensor *t, int64_t split_size, int dim, IValue *out) {
    int64_t dim_size = t->sizes[dim];
    if (split_size < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: split expects split_size be non-negative, but got split_size=%" PRId64,
                       op, split_size);
    if (split_size == 0 && dim_size != 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "%s: split_size can only be 0 if dimension size is 0, but got dimension size of %" PRId64, op,
                       dim_size);
    int64_t n = 1;
    if (split_size != 0) n = TS_MAX(ts_ceil_div_i64(dim_size, split_size), 1);
    int64_t *lens = ts_malloc(sizeof(int64_t) * (size_t)n);
    if (!lens) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    for (int64_t i = 0; i < n; i++) lens[i] = i < n - 1 ? split_size : dim_size - split_size * (n - 1);
    ts_status st = split_views(ctx, t, dim, lens, n, out);
    ts_free(lens);
    return st;
}

OPFN(top_split_Tensor) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "split", in, nin, 0, &t));
    if (t->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "split: split expects at least a 1-dimensional tensor");
    int d;
    TS_TRY(op_wrap_dim(ctx, "split", op_int(in[2]), t->ndim, &d));
    return split_impl(ctx, "split", t, op_int(in[1]), d, out);
}

OPFN(top_chunk) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "chunk", in, nin, 0, &t));
    if (t->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "chunk: chunk expects at least a 1-dimensional tensor");
    int64_t chunks = op_int(in[1]);
    if (chunks <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "chunk: chunk expects `chunks` to be greater than 0, got: %" PRId64, chunks);
    int d;
    TS_TRY(op_wrap_dim(ctx, "chunk", op_int(in[2]), t->ndim, &d));
    int64_t dim_size = t->sizes[d];
    int64_t split_size = ts_ceil_div_i64(dim_size, chunks);
    if (split_size == 0 && dim_size == 0) {
        if (chunks > (int64_t)(SIZE_MAX / sizeof(int64_t)))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "chunk: too many chunks");
        int64_t *lens = ts_calloc((size_t)chunks, sizeof(int64_t));
        if (!lens) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "chunk: out of memory");
        ts_status st = split_views(ctx, t, d, lens, chunks, out);
        ts_free(lens);
        return st;
    }
    return split_impl(ctx, "chunk", t, split_size, d, out);
}

/* ---- joins ---- */

static ts_status tensor_list(Ctx *ctx, const char *op, IValue v, ListObj **out) {
    if (v.kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of tensors, got %s", op, iv_kind_name(v));
    ListObj *l = v.u.l;
    for (int64_t i = 0; i < l->len; i++)
        if (l->items[i].kind != IV_TENSOR)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of tensors, item %" PRId64 " is %s", op, i,
                           iv_kind_name(l->items[i]));
    *out = l;
    return TS_OK;
}

static bool legacy_empty(const Tensor *t) { return t->ndim == 1 && t->sizes[0] == 0; }

OPFN(top_cat) {
    ListObj *l;
    TS_TRY(tensor_list(ctx, "cat", in[0], &l));
    if (l->len == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "cat: torch.cat(): expected a non-empty list of Tensors");
    ResultType rt;
    rt_init(&rt);
    const Tensor *ref = NULL;
    for (int64_t i = 0; i < l->len; i++) {
        const Tensor *t = l->items[i].u.t;
        if (t->ndim == 0)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "cat: zero-dimensional tensor (at position %" PRId64 ") cannot be concatenated", i);
        rt_tensor(&rt, t);
        if (!ref && !legacy_empty(t)) ref = t;
    }
    DType dt = rt_result(&rt);
    if (!ref) {
        int64_t z = 0;
        Tensor *r = tensor_empty(ctx, dt, &z, 1);
        if (!r) return ctx->status;
        return op_return(out, r);
    }
    int d;
    TS_TRY(op_wrap_dim(ctx, "cat", op_int(in[1]), ref->ndim, &d));
    int64_t sizes[TS_MAX_DIMS];
    memcpy(sizes, ref->sizes, sizeof sizes);
    sizes[d] = 0;
    for (int64_t i = 0; i < l->len; i++) {
        const Tensor *t = l->items[i].u.t;
        if (legacy_empty(t)) continue;
        if (t->ndim != ref->ndim)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "cat: Tensors must have same number of dimensions: got %d and %d",
                           ref->ndim, t->ndim);
        for (int k = 0; k < t->ndim; k++)
            if (k != d && t->sizes[k] != ref->sizes[k])
                return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                               "cat: Sizes of tensors must match except in dimension %d. Expected size %" PRId64
                               " but got size %" PRId64 " for tensor number %" PRId64 " in the list.",
                               d, ref->sizes[k], t->sizes[k], i);
        if (__builtin_add_overflow(sizes[d], t->sizes[d], &sizes[d]))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "cat: result is too large");
    }
    Tensor *r = tensor_new_uninit(ctx, dt, sizes, ref->ndim);
    if (!r) return ctx->status;
    int64_t off = 0;
    for (int64_t i = 0; i < l->len; i++) {
        const Tensor *t = l->items[i].u.t;
        if (legacy_empty(t)) continue;
        Tensor part = *r; /* a stack view of r's slice, used only by the copy */
        part.sizes[d] = t->sizes[d];
        part.storage_offset = r->storage_offset + off * r->strides[d];
        tensor_copy_into(&part, t);
        off += t->sizes[d];
    }
    return op_return(out, r);
}

OPFN(top_stack) {
    ListObj *l;
    TS_TRY(tensor_list(ctx, "stack", in[0], &l));
    if (l->len == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "stack: stack expects a non-empty TensorList");
    const Tensor *t0 = l->items[0].u.t;
    if (t0->ndim >= TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "stack: at most %d dimensions are supported", (int)TS_MAX_DIMS);
    ResultType rt;
    rt_init(&rt);
    for (int64_t i = 0; i < l->len; i++) {
        const Tensor *t = l->items[i].u.t;
        if (t->ndim != t0->ndim || memcmp(t->sizes, t0->sizes, sizeof(int64_t) * (size_t)t0->ndim) != 0) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "stack: stack expects each tensor to be equal size, but got %s at entry 0 and %s at entry %" PRId64,
                           op_shape(&s1, t0), op_shape(&s2, t), i);
        }
        rt_tensor(&rt, t);
    }
    /* stack promotes like cat, which sees the unsqueezed (>= 1-d) tensors */
    if (t0->ndim == 0) {
        rt_init(&rt);
        for (int64_t i = 0; i < l->len; i++) {
            Tensor tmp = *l->items[i].u.t;
            tmp.ndim = 1;
            tmp.sizes[0] = 1;
            rt_tensor(&rt, &tmp);
        }
    }
    int d;
    TS_TRY(op_wrap_dim(ctx, "stack", op_int(in[1]), t0->ndim + 1, &d));
    int64_t sizes[TS_MAX_DIMS];
    int n = 0;
    for (int k = 0; k <= t0->ndim; k++) {
        if (k == d) sizes[n++] = l->len;
        if (k < t0->ndim) sizes[n++] = t0->sizes[k];
    }
    Tensor *r = tensor_new_uninit(ctx, rt_result(&rt), sizes, n);
    if (!r) return ctx->status;
    for (int64_t i = 0; i < l->len; i++) {
        Tensor part; /* r[..., i, ...] as a stack view for the copy */
        part = *r;
        part.ndim = t0->ndim;
        int m = 0;
        for (int k = 0; k < n; k++)
            if (k != d) {
                part.sizes[m] = r->sizes[k];
                part.strides[m] = r->strides[k];
                m++;
            }
        part.storage_offset = r->storage_offset + i * r->strides[d];
        tensor_copy_into(&part, l->items[i].u.t);
    }
    return op_return(out, r);
}
