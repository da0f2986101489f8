/*
 * tensor_shape2.c - the second set of shape and view ops: broadcasting
 * (broadcast_tensors, broadcast_to, meshgrid), the new_* / full_like
 * creators, views (narrow, movedim, mT/mH/adjoint/T, swapaxes, diagonal,
 * unfold, ravel, reshape_as), the numpy-style stacks and splits (v/h/d/
 * column_stack, atleast_Nd, tensor_split, v/h/dsplit), and copies built from
 * them (tile, roll, rot90, flipud/fliplr, diag_embed, diagflat, trace,
 * outer, inner, take, take_along_dim, sum_to_size, tril/triu_indices,
 * logspace).
 *
 * Views share the input's storage as PyTorch's do (an in-place op through
 * them updates the base). Ops that PyTorch composes from others call the
 * registered implementations (top_cat, top_flip, ...) with argument arrays
 * laid out as their schemas, so each rule lives in one place.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/tensor_ops.h"

static Tensor *view_of(Ctx *ctx, Tensor *t, int64_t off, const int64_t *sz, const int64_t *st, int nd) {
    return tensor_view(ctx, t->storage, t->dtype, off, sz, st, nd);
}

static ts_status ret_view(Ctx *ctx, IValue *out, Tensor *t, int64_t off, const int64_t *sz,
                          const int64_t *st, int nd) {
    Tensor *v = view_of(ctx, t, off, sz, st, nd);
    return v ? op_return(out, v) : ctx->status;
}

/* The tensors of a Tensor[] argument (borrowed list). */
static ts_status tensors_of(Ctx *ctx, const char *op, IValue v, ListObj **out) {
    if (v.kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of tensors", op);
    for (int64_t i = 0; i < v.u.l->len; i++)
        if (v.u.l->items[i].kind != IV_TENSOR)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a list of tensors", op);
    *out = v.u.l;
    return TS_OK;
}

static IValue int_list(const int64_t *v, int n) {
    ListObj *l = list_new(ty_int(), n);
    for (int i = 0; i < n; i++) list_push_steal(l, iv_int(v[i]));
    return iv_list_steal(l);
}

/* ---- broadcasting ---- */

OPFN(top_broadcast_tensors) {
    ListObj *l = NULL;
    TS_TRY(tensors_of(ctx, "broadcast_tensors", in[0], &l));
    int64_t sz[TS_MAX_DIMS];
    int nd = 0;
    for (int64_t i = 0; i < l->len; i++) {
        Tensor *t = l->items[i].u.t;
        int64_t prev[TS_MAX_DIMS];
        memcpy(prev, sz, sizeof(int64_t) * (size_t)nd);
        TS_TRY(tensor_broadcast_shapes(ctx, "broadcast_tensors", prev, nd, t->sizes, t->ndim, sz, &nd));
    }
    ListObj *r = list_new(ty_tensor(), l->len);
    for (int64_t i = 0; i < l->len; i++) {
        Tensor *e = tensor_expand(ctx, l->items[i].u.t, sz, nd);
        if (!e) {
            iv_release(iv_list_steal(r));
            return ctx->status;
        }
        list_push_steal(r, iv_tensor_steal(e));
    }
    out[0] = iv_list_steal(r);
    return TS_OK;
}

OPFN(top_broadcast_to) {
    IValue a[3] = {in[0], in[1], iv_bool(false)};
    return top_expand(ctx, a, 3, out, info);
}

static ts_status meshgrid(Ctx *ctx, IValue list, bool xy, IValue *out) {
    ListObj *l = NULL;
    TS_TRY(tensors_of(ctx, "meshgrid", list, &l));
    int n = (int)l->len;
    if (n == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "torch.meshgrid: expects a non-empty TensorList");
    if (n > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "meshgrid: too many tensors");
    int64_t sz[TS_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        Tensor *t = l->items[i].u.t;
        if (t->ndim > 1)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: %d-d", t->ndim);
        if (t->dtype != l->items[0].u.t->dtype)
            return ts_fail(ctx, TS_ERR_TYPE, NULL,
                           "torch.meshgrid: Expected all tensors in the tensor list to have the same dtype");
        sz[i] = t->ndim ? t->sizes[0] : 1;
    }
    bool swap = xy && n >= 2;
    if (swap) {
        int64_t s = sz[0];
        sz[0] = sz[1], sz[1] = s;
    }
    ListObj *r = list_new(ty_tensor(), n);
    for (int i = 0; i < n; i++) {
        Tensor *t = l->items[i].u.t;
        int64_t st[TS_MAX_DIMS] = {0};
        int pos = swap && i < 2 ? 1 - i : i;
        st[pos] = t->ndim ? t->strides[0] : 0;
        Tensor *v = view_of(ctx, t, t->storage_offset, sz, st, n);
        if (!v) {
            iv_release(iv_list_steal(r));
            return ctx->status;
        }
        list_push_steal(r, iv_tensor_steal(v));
    }
    out[0] = iv_list_steal(r);
    return TS_OK;
}

OPFN(top_meshgrid) { return meshgrid(ctx, in[0], false, out); }
OPFN(top_meshgrid_indexing) {
    const char *s = in[1].kind == IV_STR ? in[1].u.s->data : NULL;
    if (!s || (strcmp(s, "ij") && strcmp(s, "xy")))
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: %s", s ? s : "?");
    return meshgrid(ctx, in[0], !strcmp(s, "xy"), out);
}

/* ---- new_* and full_like ---- */

/* in: self, size, dtype, layout, device, pin_memory (new_full: the fill
 * value after size). The dtype defaults to self's. */
static ts_status new_like(Ctx *ctx, const char *op, OpFn fn, IValue *in, int nin, bool with_fill, IValue *out,
                          const OpInfo *info) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int k = with_fill ? 3 : 2;
    IValue dt = in[k].kind == IV_NONE ? iv_int(x->dtype) : in[k];
    IValue a[6];
    int n = 0;
    a[n++] = in[1];
    if (with_fill) a[n++] = in[2];
    a[n++] = dt;
    a[n++] = in[k + 1];
    a[n++] = in[k + 2];
    a[n++] = in[k + 3];
    return fn(ctx, a, n, out, info);
}

OPFN(top_new_zeros) { return new_like(ctx, "new_zeros", top_zeros, in, nin, false, out, info); }
OPFN(top_new_ones) { return new_like(ctx, "new_ones", top_ones, in, nin, false, out, info); }
OPFN(top_new_full) { return new_like(ctx, "new_full", top_full, in, nin, true, out, info); }

OPFN(top_full_like) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "full_like", in, nin, 0, &x));
    IValue a[6] = {int_list(x->sizes, x->ndim), in[1], in[2].kind == IV_NONE ? iv_int(x->dtype) : in[2],
                   in[3], in[4], in[5]};
    ts_status st = top_full(ctx, a, 6, out, info);
    iv_release(a[0]);
    return st;
}

/* ---- views ---- */

static ts_status narrow(Ctx *ctx, Tensor *x, int64_t dim, int64_t start, int64_t len, IValue *out) {
    if (x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "narrow() cannot be applied to a 0-dim tensor.");
    int d;
    TS_TRY(op_wrap_dim(ctx, "narrow", dim, x->ndim, &d));
    int64_t n = x->sizes[d];
    if (start < -n || start > n)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "start out of range (expected to be in range of [%" PRId64 ", %" PRId64 "], but got %" PRId64 ")",
                       -n, n, start);
    if (start < 0) start += n;
    if (len < 0 || start > n - len)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "start (%" PRId64 ") + length (%" PRId64 ") exceeds dimension size (%" PRId64 ").",
                       start, len, n);
    int64_t sz[TS_MAX_DIMS];
    memcpy(sz, x->sizes, sizeof sz);
    sz[d] = len;
    return ret_view(ctx, out, x, x->storage_offset + start * x->strides[d], sz, x->strides, x->ndim);
}

OPFN(top_narrow) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "narrow", in, nin, 0, &x));
    return narrow(ctx, x, op_int(in[1]), op_int(in[2]), op_int(in[3]), out);
}

OPFN(top_narrow_Tensor) {
    Tensor *x, *s;
    TS_TRY(op_tensor(ctx, "narrow", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "narrow", in, nin, 2, &s));
    if (s->ndim != 0 || dtype_is_float(s->dtype))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "start must be an 0-dim integral Tensor.");
    return narrow(ctx, x, op_int(in[1]), tensor_get_i64(s, 0), op_int(in[3]), out);
}

OPFN(top_narrow_copy) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "narrow_copy", in, nin, 0, &x));
    IValue v;
    TS_TRY(narrow(ctx, x, op_int(in[1]), op_int(in[2]), op_int(in[3]), &v));
    Tensor *r = tensor_to_dtype(ctx, v.u.t, x->dtype);
    iv_release(v);
    return r ? op_return(out, r) : ctx->status;
}

static ts_status movedim(Ctx *ctx, IValue *in, int nin, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "movedim", in, nin, 0, &x));
    int64_t src[TS_MAX_DIMS], dst[TS_MAX_DIMS];
    int ns, nd;
    TS_TRY(op_int_list(ctx, "movedim", in[1], src, &ns));
    TS_TRY(op_int_list(ctx, "movedim", in[2], dst, &nd));
    if (ns != nd)
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "movedim: Invalid source or destination dims: source (%d dims) should contain the same number of dims as destination (%d dims)",
                       ns, nd);
    int n = x->ndim, perm[TS_MAX_DIMS], used_s[TS_MAX_DIMS] = {0}, used_d[TS_MAX_DIMS] = {0};
    for (int i = 0; i < n; i++) perm[i] = -1;
    for (int i = 0; i < ns; i++) {
        int s, d;
        TS_TRY(op_wrap_dim(ctx, "movedim", src[i], n, &s));
        TS_TRY(op_wrap_dim(ctx, "movedim", dst[i], n, &d));
        if (n == 0) continue;
        if (used_s[s] || used_d[d])
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "movedim: repeated dim in `%s`", used_s[s] ? "source" : "destination");
        used_s[s] = used_d[d] = 1;
        perm[d] = s;
    }
    int next = 0;
    for (int d = 0; d < n; d++) {
        if (perm[d] >= 0) continue;
        while (used_s[next]) next++;
        perm[d] = next++;
    }
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    for (int d = 0; d < n; d++) sz[d] = x->sizes[perm[d]], st[d] = x->strides[perm[d]];
    return ret_view(ctx, out, x, x->storage_offset, sz, st, n);
}
OPFN(top_movedim_intlist) { return movedim(ctx, in, nin, out); }
OPFN(top_movedim_int) { return movedim(ctx, in, nin, out); }

/* Transpose of the last two dims (mT, and mH / adjoint for real tensors). */
static ts_status last_two(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (x->ndim == 0) return op_return(out, tensor_retain(x)); /* PyTorch 1.13: a 0-d tensor is its own mT */
    if (x->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "tensor.%s is only supported on matrices or batches of matrices. Got %d-D tensor.",
                       op, x->ndim);
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    memcpy(sz, x->sizes, sizeof sz);
    memcpy(st, x->strides, sizeof st);
    int a = x->ndim - 2, b = x->ndim - 1;
    sz[a] = x->sizes[b], sz[b] = x->sizes[a], st[a] = x->strides[b], st[b] = x->strides[a];
    return ret_view(ctx, out, x, x->storage_offset, sz, st, x->ndim);
}
OPFN(top_mT) { return last_two(ctx, "mT", in, nin, out); }
OPFN(top_mH) { return last_two(ctx, "mH", in, nin, out); }
OPFN(top_adjoint) { return last_two(ctx, "adjoint", in, nin, out); }

OPFN(top_numpy_T) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "T", in, nin, 0, &x));
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++) sz[i] = x->sizes[x->ndim - 1 - i], st[i] = x->strides[x->ndim - 1 - i];
    return ret_view(ctx, out, x, x->storage_offset, sz, st, x->ndim);
}

OPFN(top_swapaxes) { return top_transpose_int(ctx, in, nin, out, info); }

OPFN(top_identity_view) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "resolve", in, nin, 0, &x));
    return op_return(out, tensor_retain(x));
}

OPFN(top_ravel) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "ravel", in, nin, 0, &x));
    int64_t m1 = -1;
    IValue a[2] = {in[0], int_list(&m1, 1)};
    ts_status st = top_reshape(ctx, a, 2, out, info);
    iv_release(a[1]);
    return st;
}

OPFN(top_reshape_as) {
    Tensor *o;
    TS_TRY(op_tensor(ctx, "reshape_as", in, nin, 1, &o));
    IValue a[2] = {in[0], int_list(o->sizes, o->ndim)};
    ts_status st = top_reshape(ctx, a, 2, out, info);
    iv_release(a[1]);
    return st;
}

OPFN(top_diagonal) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "diagonal", in, nin, 0, &x));
    if (x->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "diagonal: expected a tensor with at least 2 dimensions");
    int64_t off = op_int(in[1]);
    int d1, d2;
    TS_TRY(op_wrap_dim(ctx, "diagonal", op_int(in[2]), x->ndim, &d1));
    TS_TRY(op_wrap_dim(ctx, "diagonal", op_int(in[3]), x->ndim, &d2));
    if (d1 == d2)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "diagonal dimensions cannot be identical %d, %d", d1, d2);
    int64_t len, start = x->storage_offset;
    if (off >= 0) {
        len = x->sizes[d2] - off < x->sizes[d1] ? x->sizes[d2] - off : x->sizes[d1];
        if (len > 0) start += off * x->strides[d2];
    } else {
        len = x->sizes[d1] + off < x->sizes[d2] ? x->sizes[d1] + off : x->sizes[d2];
        if (len > 0) start -= off * x->strides[d1];
    }
    if (len < 0) len = 0;
    if (len == 0) start = x->storage_offset;
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < x->ndim; i++)
        if (i != d1 && i != d2) sz[n] = x->sizes[i], st[n++] = x->strides[i];
    sz[n] = len, st[n++] = x->strides[d1] + x->strides[d2];
    return ret_view(ctx, out, x, start, sz, st, n);
}

OPFN(top_unfold) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "unfold", in, nin, 0, &x));
    int d;
    TS_TRY(op_wrap_dim(ctx, "unfold", op_int(in[1]), x->ndim, &d));
    int64_t size = op_int(in[2]), step = op_int(in[3]);
    int64_t n = x->ndim ? x->sizes[d] : 1, s0 = x->ndim ? x->strides[d] : 1;
    if (size > n)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "maximum size for tensor at dimension %d is %" PRId64 " but size is %" PRId64,
                       d, n, size);
    if (size < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "size is %" PRId64 " but must be >= 0", size);
    if (step <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "step is %" PRId64 " but must be > 0", step);
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    int nd = x->ndim;
    memcpy(sz, x->sizes, sizeof sz);
    memcpy(st, x->strides, sizeof st);
    if (nd == 0) {
        sz[0] = size, st[0] = 1;
        return ret_view(ctx, out, x, x->storage_offset, sz, st, 1);
    }
    if (nd >= TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "unfold: too many dimensions");
    sz[d] = (n - size) / step + 1;
    st[d] = step * s0;
    sz[nd] = size, st[nd] = s0;
    return ret_view(ctx, out, x, x->storage_offset, sz, st, nd + 1);
}

/* ---- atleast_Nd, stacks, splits ---- */

/* x as a view with at least n dims, PyTorch's layout: 0-d -> [1], [1, 1] or
 * [1, 1, 1]; 1-d [k] -> [1, k] / [1, k, 1]; 2-d [a, b] -> [a, b, 1]. */
static Tensor *atleast(Ctx *ctx, Tensor *x, int n) {
    if (x->ndim >= n) return tensor_retain(x);
    int64_t sz[3], st[3];
    int64_t k0 = x->ndim ? x->sizes[0] : 1, s0 = x->ndim ? x->strides[0] : 1;
    if (n == 1) sz[0] = 1, st[0] = 1;
    else if (n == 2) {
        sz[0] = 1, st[0] = k0 * s0;
        sz[1] = k0, st[1] = s0;
    } else if (x->ndim <= 1) {
        sz[0] = 1, st[0] = k0 * s0;
        sz[1] = k0, st[1] = s0;
        sz[2] = 1, st[2] = 1;
    } else {
        sz[0] = x->sizes[0], st[0] = x->strides[0];
        sz[1] = x->sizes[1], st[1] = x->strides[1];
        sz[2] = 1, st[2] = 1;
    }
    return view_of(ctx, x, x->storage_offset, sz, st, n);
}

static ts_status atleast_op(Ctx *ctx, IValue *in, int nin, int n, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "atleast", in, nin, 0, &x));
    Tensor *r = atleast(ctx, x, n);
    return r ? op_return(out, r) : ctx->status;
}

/* The tensors of a list, each through atleast(n), as a new list. */
static ts_status atleast_list(Ctx *ctx, const char *op, IValue v, int n, IValue *out) {
    ListObj *l = NULL;
    TS_TRY(tensors_of(ctx, op, v, &l));
    ListObj *r = list_new(ty_tensor(), l->len);
    for (int64_t i = 0; i < l->len; i++) {
        Tensor *t = atleast(ctx, l->items[i].u.t, n);
        if (!t) {
            iv_release(iv_list_steal(r));
            return ctx->status;
        }
        list_push_steal(r, iv_tensor_steal(t));
    }
    *out = iv_list_steal(r);
    return TS_OK;
}

OPFN(top_atleast_1d) { return atleast_op(ctx, in, nin, 1, out); }
OPFN(top_atleast_2d) { return atleast_op(ctx, in, nin, 2, out); }
OPFN(top_atleast_3d) { return atleast_op(ctx, in, nin, 3, out); }
OPFN(top_atleast_1d_Sequence) { return atleast_list(ctx, "atleast_1d", in[0], 1, out); }
OPFN(top_atleast_2d_Sequence) { return atleast_list(ctx, "atleast_2d", in[0], 2, out); }
OPFN(top_atleast_3d_Sequence) { return atleast_list(ctx, "atleast_3d", in[0], 3, out); }

/* cat of the list's tensors made at least n-d, along dim. */
static ts_status stack_nd(Ctx *ctx, const char *op, IValue v, int n, int64_t dim, IValue *out, const OpInfo *info) {
    ListObj *l = NULL;
    TS_TRY(tensors_of(ctx, op, v, &l));
    if (l->len == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s expects a non-empty TensorList", op);
    IValue a[2];
    TS_TRY(atleast_list(ctx, op, v, n, &a[0]));
    a[1] = iv_int(dim);
    ts_status st = top_cat(ctx, a, 2, out, info);
    iv_release(a[0]);
    return st;
}

OPFN(top_vstack) { return stack_nd(ctx, "vstack", in[0], 2, 0, out, info); }
OPFN(top_dstack) { return stack_nd(ctx, "dstack", in[0], 3, 2, out, info); }
OPFN(top_hstack) {
    ListObj *l = NULL;
    TS_TRY(tensors_of(ctx, "hstack", in[0], &l));
    if (l->len == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "hstack expects a non-empty TensorList");
    IValue a[2];
    TS_TRY(atleast_list(ctx, "hstack", in[0], 1, &a[0]));
    a[1] = iv_int(a[0].u.l->items[0].u.t->ndim == 1 ? 0 : 1);
    ts_status st = top_cat(ctx, a, 2, out, info);
    iv_release(a[0]);
    return st;
}

OPFN(top_column_stack) {
    ListObj *l = NULL;
    TS_TRY(tensors_of(ctx, "column_stack", in[0], &l));
    if (l->len == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "column_stack expects a non-empty TensorList");
    ListObj *r = list_new(ty_tensor(), l->len);
    for (int64_t i = 0; i < l->len; i++) {
        Tensor *t = l->items[i].u.t, *v;
        if (t->ndim <= 1) {
            int64_t k = t->ndim ? t->sizes[0] : 1, s = t->ndim ? t->strides[0] : 1;
            int64_t sz[2] = {k, 1}, st[2] = {s, 1};
            v = view_of(ctx, t, t->storage_offset, sz, st, 2);
        } else v = tensor_retain(t);
        if (!v) {
            iv_release(iv_list_steal(r));
            return ctx->status;
        }
        list_push_steal(r, iv_tensor_steal(v));
    }
    IValue a[2] = {iv_list_steal(r), iv_int(1)};
    ts_status st = top_cat(ctx, a, 2, out, info);
    iv_release(a[0]);
    return st;
}

/* Views of x along dim at the boundaries bounds[0..nb) (clamped to the size,
 * as PyTorch's tensor_split does). */
static ts_status split_at(Ctx *ctx, Tensor *x, int d, const int64_t *bounds, int64_t nb, IValue *out) {
    int64_t n = x->sizes[d], prev = 0;
    ListObj *r = list_new(ty_tensor(), nb + 1);
    for (int64_t i = 0; i <= nb; i++) {
        int64_t end = i < nb ? bounds[i] : n;
        if (end > n) end = n;
        if (end < prev) end = prev;
        int64_t sz[TS_MAX_DIMS];
        memcpy(sz, x->sizes, sizeof sz);
        sz[d] = end - prev;
        Tensor *v = view_of(ctx, x, x->storage_offset + prev * x->strides[d], sz, x->strides, x->ndim);
        if (!v) {
            iv_release(iv_list_steal(r));
            return ctx->status;
        }
        list_push_steal(r, iv_tensor_steal(v));
        prev = end;
    }
    out[0] = iv_list_steal(r);
    return TS_OK;
}

static ts_status split_sections(Ctx *ctx, const char *op, Tensor *x, int d, int64_t k, IValue *out) {
    if (k <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: number of sections must be larger than 0, got %" PRId64, op, k);
    if (k > 4096) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: %" PRId64 " sections are too many", op, k);
    int64_t n = x->sizes[d], base = n / k, extra = n % k, b[4096], at = 0;
    for (int64_t i = 0; i + 1 < k; i++) {
        at += base + (i < extra ? 1 : 0);
        b[i] = at;
    }
    return split_at(ctx, x, d, b, k - 1, out);
}

static ts_status tensor_split(Ctx *ctx, IValue *in, int nin, IValue which, int64_t dim, IValue *out) {
    const char *op = "tensor_split";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (x->ndim == 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
    int d;
    TS_TRY(op_wrap_dim(ctx, op, dim, x->ndim, &d));
    if (which.kind == IV_INT) return split_sections(ctx, op, x, d, which.u.i, out);
    int64_t b[TS_MAX_DIMS * 64];
    int64_t nb = 0;
    if (which.kind == IV_TENSOR) {
        Tensor *t = which.u.t;
        if (dtype_is_float(t->dtype) || t->dtype == DT_BOOL || t->ndim > 1)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor of type long");
        if (t->ndim == 0) return split_sections(ctx, op, x, d, tensor_get_i64(t, 0), out);
        nb = tensor_numel(t);
        if (nb > (int64_t)(sizeof b / sizeof b[0])) return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor_split: too many indices");
        for (int64_t i = 0; i < nb; i++) b[i] = tensor_get_i64(t, i);
    } else {
        if (which.kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "tensor_split: expected indices");
        nb = which.u.l->len;
        if (nb > (int64_t)(sizeof b / sizeof b[0])) return ts_fail(ctx, TS_ERR_VALUE, NULL, "tensor_split: too many indices");
        for (int64_t i = 0; i < nb; i++) b[i] = op_int(which.u.l->items[i]);
    }
    for (int64_t i = 0; i < nb; i++)
        if (b[i] < 0) b[i] = b[i] + x->sizes[d] < 0 ? 0 : b[i] + x->sizes[d];
    return split_at(ctx, x, d, b, nb, out);
}

OPFN(top_tensor_split_sections) { return tensor_split(ctx, in, nin, in[1], op_int(in[2]), out); }
OPFN(top_tensor_split_indices) { return tensor_split(ctx, in, nin, in[1], op_int(in[2]), out); }
OPFN(top_tensor_split_tensor_indices_or_sections) { return tensor_split(ctx, in, nin, in[1], op_int(in[2]), out); }

/* vsplit / hsplit / dsplit: tensor_split along 0, 1 (0 for 1-d), 2; the
 * int form must divide the size exactly. */
static ts_status np_split(Ctx *ctx, const char *op, IValue *in, int nin, int need, int dim, IValue *out) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (x->ndim < need)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "torch.%s requires a tensor with at least %d dimension, but got a tensor with %d dimensions!",
                       op, need, x->ndim);
    if (dim == 1 && x->ndim == 1) dim = 0;
    if (in[1].kind == IV_INT) {
        int64_t k = in[1].u.i;
        if (k == 0 || x->sizes[dim] % k != 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "torch.%s attempted to split along dimension %d, but the size of the dimension %" PRId64
                           " is not divisible by the split_size %" PRId64 "!", op, dim, x->sizes[dim], k);
    }
    return tensor_split(ctx, in, nin, in[1], dim, out);
}
OPFN(top_vsplit) { return np_split(ctx, "vsplit", in, nin, 1, 0, out); }
OPFN(top_hsplit) { return np_split(ctx, "hsplit", in, nin, 1, 1, out); }
OPFN(top_dsplit) { return np_split(ctx, "dsplit", in, nin, 3, 2, out); }

/* ---- copies: tile, roll, rot90, flipud / fliplr ---- */

OPFN(top_tile) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "tile", in, nin, 0, &x));
    int64_t d[TS_MAX_DIMS], r[TS_MAX_DIMS];
    int n;
    TS_TRY(op_int_list(ctx, "tile", in[1], d, &n));
    int m = n > x->ndim ? n : x->ndim;
    for (int i = 0; i < m; i++) r[i] = i < m - n ? 1 : d[i - (m - n)];
    IValue a[2] = {in[0], int_list(r, m)};
    ts_status st = top_repeat(ctx, a, 2, out, info);
    iv_release(a[1]);
    return st;
}

OPFN(top_roll) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "roll", in, nin, 0, &x));
    int64_t sh[TS_MAX_DIMS], dm[TS_MAX_DIMS];
    int ns, nd;
    TS_TRY(op_int_list(ctx, "roll", in[1], sh, &ns));
    TS_TRY(op_int_list(ctx, "roll", in[2], dm, &nd));
    if (nd == 0 && ns != 1)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "roll: shifts and dimensions must align. shifts: %d, dims:%d", ns, nd);
    if (nd != 0 && ns != nd)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "roll: shifts and dimensions must align. shifts: %d, dims:%d", ns, nd);
    Tensor *c = tensor_to_dtype(ctx, x, x->dtype);
    if (!c) return ctx->status;
    int64_t n = tensor_numel(c);
    if (n == 0) return op_return(out, c);
    Tensor *r = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim);
    if (!r) {
        tensor_release(c);
        return ctx->status;
    }
    size_t es = dtype_size(x->dtype);
    const char *src = tensor_data(c);
    char *dst = tensor_data(r);
    if (nd == 0) {
        int64_t s = ((sh[0] % n) + n) % n;
        for (int64_t i = 0; i < n; i++) memcpy(dst + (size_t)((i + s) % n) * es, src + (size_t)i * es, es);
        tensor_release(c);
        return op_return(out, r);
    }
    int64_t shift[TS_MAX_DIMS] = {0}, cst[TS_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        int w;
        ts_status st = op_wrap_dim(ctx, "roll", dm[i], x->ndim, &w);
        if (st != TS_OK) {
            tensor_release(c), tensor_release(r);
            return st;
        }
        if (x->ndim) shift[w] += sh[i];
    }
    tensor_contiguous_strides(x->sizes, x->ndim, cst);
    for (int64_t i = 0; i < n; i++) {
        int64_t rem = i, o = 0;
        for (int k = 0; k < x->ndim; k++) {
            int64_t ck = rem / cst[k];
            rem %= cst[k];
            int64_t sz = x->sizes[k];
            o += (((ck + shift[k]) % sz) + sz) % sz * cst[k];
        }
        memcpy(dst + (size_t)o * es, src + (size_t)i * es, es);
    }
    tensor_release(c);
    return op_return(out, r);
}

static ts_status flip_dims(Ctx *ctx, IValue x, const int64_t *dims, int n, IValue *out, const OpInfo *info) {
    IValue a[2] = {x, int_list(dims, n)};
    ts_status st = top_flip(ctx, a, 2, out, info);
    iv_release(a[1]);
    return st;
}

OPFN(top_flipud) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "flipud", in, nin, 0, &x));
    if (x->ndim < 1) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Input must be >= 1-d.");
    int64_t d = 0;
    return flip_dims(ctx, in[0], &d, 1, out, info);
}

OPFN(top_fliplr) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "fliplr", in, nin, 0, &x));
    if (x->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Input must be >= 2-d.");
    int64_t d = 1;
    return flip_dims(ctx, in[0], &d, 1, out, info);
}

OPFN(top_rot90) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "rot90", in, nin, 0, &x));
    int64_t k = op_int(in[1]), dims[TS_MAX_DIMS];
    int n;
    TS_TRY(op_int_list(ctx, "rot90", in[2], dims, &n));
    if (n != 2) return ts_fail(ctx, TS_ERR_VALUE, NULL, "expected total rotation dims == 2, but got dims = %d", n);
    if (x->ndim < 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "expected total dims >= 2, but got total dims = %d", x->ndim);
    int d0, d1;
    TS_TRY(op_wrap_dim(ctx, "rot90", dims[0], x->ndim, &d0));
    TS_TRY(op_wrap_dim(ctx, "rot90", dims[1], x->ndim, &d1));
    if (d0 == d1)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "expected rotation dims to be different, but got dim0 = %d and dim1 = %d", d0, d1);
    k = ((k % 4) + 4) % 4;
    if (k == 0) {
        Tensor *r = tensor_to_dtype(ctx, x, x->dtype);
        return r ? op_return(out, r) : ctx->status;
    }
    int64_t fd[2] = {d0, d1};
    IValue f;
    if (k == 2) return flip_dims(ctx, in[0], fd, 2, out, info);
    TS_TRY(flip_dims(ctx, in[0], k == 1 ? &fd[1] : &fd[0], 1, &f, info));
    Tensor *t = f.u.t;
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    memcpy(sz, t->sizes, sizeof sz);
    memcpy(st, t->strides, sizeof st);
    sz[d0] = t->sizes[d1], sz[d1] = t->sizes[d0], st[d0] = t->strides[d1], st[d1] = t->strides[d0];
    Tensor *v = view_of(ctx, t, t->storage_offset, sz, st, t->ndim);
    iv_release(f);
    return v ? op_return(out, v) : ctx->status;
}

/* ---- diag, diag_embed, diagflat, trace ---- */

/* A new [.., n, n]-style tensor with x's last dim on the offset diagonal of
 * dims (d1, d2), zeros elsewhere. */
static ts_status embed(Ctx *ctx, Tensor *x, int64_t off, int64_t dim1, int64_t dim2, IValue *out) {
    int nd = x->ndim + 1;
    if (nd > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "diag_embed: too many dimensions");
    int d1, d2;
    TS_TRY(op_wrap_dim(ctx, "diag_embed", dim1, nd, &d1));
    TS_TRY(op_wrap_dim(ctx, "diag_embed", dim2, nd, &d2));
    if (d1 == d2) return ts_fail(ctx, TS_ERR_VALUE, NULL, "diagonal dimensions cannot be identical %d, %d", d1, d2);
    int64_t len = x->ndim ? x->sizes[x->ndim - 1] : 1, m = len + (off < 0 ? -off : off);
    int64_t sz[TS_MAX_DIMS];
    int k = 0;
    for (int i = 0; i < nd; i++) {
        if (i == d1 || i == d2) sz[i] = m;
        else sz[i] = x->sizes[k++];
    }
    Tensor *r = tensor_empty(ctx, x->dtype, sz, nd);
    if (!r) return ctx->status;
    /* the diagonal view of r, then copy x into it */
    int64_t st[TS_MAX_DIMS], vsz[TS_MAX_DIMS], vst[TS_MAX_DIMS];
    tensor_contiguous_strides(sz, nd, st);
    int n = 0;
    for (int i = 0; i < nd; i++)
        if (i != d1 && i != d2) vsz[n] = sz[i], vst[n++] = st[i];
    vsz[n] = len, vst[n++] = st[d1] + st[d2];
    int64_t start = off >= 0 ? off * st[d2] : -off * st[d1];
    Tensor *v = tensor_view(ctx, r->storage, r->dtype, start, vsz, vst, n);
    if (!v) {
        tensor_release(r);
        return ctx->status;
    }
    tensor_copy_into(v, x);
    tensor_release(v);
    return op_return(out, r);
}

OPFN(top_diag_embed) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "diag_embed", in, nin, 0, &x));
    return embed(ctx, x, op_int(in[1]), op_int(in[2]), op_int(in[3]), out);
}

OPFN(top_diagflat) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "diagflat", in, nin, 0, &x));
    int64_t n = tensor_numel(x);
    Tensor *c = tensor_contiguous(ctx, x);
    if (!c) return ctx->status;
    Tensor *f = view_of(ctx, c, c->storage_offset, &n, (int64_t[]){1}, 1);
    tensor_release(c);
    if (!f) return ctx->status;
    ts_status st = embed(ctx, f, op_int(in[1]), 0, 1, out);
    tensor_release(f);
    return st;
}

OPFN(top_trace) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "trace", in, nin, 0, &x));
    if (x->ndim != 2) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "trace: expected a matrix, but got tensor with dim %d", x->ndim);
    int64_t n = x->sizes[0] < x->sizes[1] ? x->sizes[0] : x->sizes[1];
    bool f = dtype_is_float(x->dtype);
    double s = 0;
    int64_t si = 0;
    size_t es = dtype_size(x->dtype);
    const char *b = (const char *)x->storage->data;
    for (int64_t i = 0; i < n; i++) {
        const char *p = b + (size_t)(x->storage_offset + i * (x->strides[0] + x->strides[1])) * es;
        if (f) s += dtype_load_f64(x->dtype, p);
        else si = (int64_t)((uint64_t)si + (uint64_t)dtype_load_i64(x->dtype, p));
    }
    Tensor *r = f ? tensor_scalar_f64(ctx, x->dtype, s) : tensor_scalar_i64(ctx, DT_INT64, si);
    return r ? op_return(out, r) : ctx->status;
}

/* ---- outer, inner ---- */

OPFN(top_outer) {
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, "outer", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "outer", in, nin, 1, &b));
    if (a->ndim != 1 || b->ndim != 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "outer: expected 1-D tensors, got %d-D and %d-D", a->ndim, b->ndim);
    int64_t sa[2] = {a->sizes[0], 1}, ta[2] = {a->strides[0], 0};
    Tensor *va = view_of(ctx, a, a->storage_offset, sa, ta, 2);
    if (!va) return ctx->status;
    IValue args[2] = {iv_tensor_steal(va), in[1]};
    ts_status st = top_mul_Tensor(ctx, args, 2, out, info);
    iv_release(args[0]);
    return st;
}

OPFN(top_inner) {
    Tensor *a, *b;
    TS_TRY(op_tensor(ctx, "inner", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "inner", in, nin, 1, &b));
    if (a->ndim == 0 || b->ndim == 0) return top_mul_Tensor(ctx, in, 2, out, info);
    int64_t k = a->sizes[a->ndim - 1];
    if (b->sizes[b->ndim - 1] != k)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "inner() the last dimension must match on both input tensors but got shapes %" PRId64 " and %" PRId64,
                       k, b->sizes[b->ndim - 1]);
    if (a->ndim + b->ndim - 2 > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "inner: too many dimensions");
    ResultType rt;
    rt_init(&rt);
    rt_tensor(&rt, a);
    rt_tensor(&rt, b);
    DType dt = rt_result(&rt);
    bool f = dtype_is_float(dt);
    DType ct = f ? DT_FLOAT64 : DT_INT64;
    Tensor *ca = tensor_to_dtype(ctx, a, ct), *cb = ca ? tensor_to_dtype(ctx, b, ct) : NULL;
    int64_t sz[TS_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < a->ndim - 1; i++) sz[nd++] = a->sizes[i];
    for (int i = 0; i < b->ndim - 1; i++) sz[nd++] = b->sizes[i];
    Tensor *r = cb ? tensor_new_uninit(ctx, ct, sz, nd) : NULL;
    if (!r) {
        tensor_release(ca), tensor_release(cb);
        return ctx->status;
    }
    int64_t M = 1, N = 1;
    for (int i = 0; i < a->ndim - 1; i++) M *= a->sizes[i];
    for (int i = 0; i < b->ndim - 1; i++) N *= b->sizes[i];
    if (f) {
        const double *p = tensor_data(ca), *q = tensor_data(cb);
        double *o = tensor_data(r);
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double s = 0;
                for (int64_t t = 0; t < k; t++) s += p[i * k + t] * q[j * k + t];
                o[i * N + j] = s;
            }
    } else {
        const int64_t *p = tensor_data(ca), *q = tensor_data(cb);
        int64_t *o = tensor_data(r);
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                uint64_t s = 0;
                for (int64_t t = 0; t < k; t++) s += (uint64_t)p[i * k + t] * (uint64_t)q[j * k + t];
                o[i * N + j] = (int64_t)s;
            }
    }
    tensor_release(ca), tensor_release(cb);
    r = op_cast_steal(ctx, r, dt);
    return r ? op_return(out, r) : ctx->status;
}

/* ---- take, take_along_dim, sum_to_size ---- */

OPFN(top_take) {
    Tensor *x, *ix;
    TS_TRY(op_tensor(ctx, "take", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "take", in, nin, 1, &ix));
    if (ix->dtype != DT_INT64) return ts_fail(ctx, TS_ERR_TYPE, NULL, "take(): Expected a long tensor for index, but got %s",
                                              dtype_name(ix->dtype));
    int64_t n = tensor_numel(x);
    Tensor *c = tensor_contiguous(ctx, x), *r = c ? tensor_new_uninit(ctx, x->dtype, ix->sizes, ix->ndim) : NULL;
    if (!r) {
        tensor_release(c);
        return ctx->status;
    }
    size_t es = dtype_size(x->dtype);
    for (int64_t i = 0, m = tensor_numel(ix); i < m; i++) {
        int64_t k = tensor_get_i64(ix, i);
        if (k < -n || k >= n) {
            tensor_release(c), tensor_release(r);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "out of range: tried to access index %" PRId64 " on a tensor of %" PRId64 " elements.",
                           k, n);
        }
        if (k < 0) k += n;
        memcpy((char *)tensor_data(r) + (size_t)i * es, (const char *)tensor_data(c) + (size_t)k * es, es);
    }
    tensor_release(c);
    return op_return(out, r);
}

OPFN(top_take_along_dim) {
    Tensor *x, *ix;
    TS_TRY(op_tensor(ctx, "take_along_dim", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "take_along_dim", in, nin, 1, &ix));
    if (ix->dtype != DT_INT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "torch.take_along_dim(): dtype of indices should be Long but got %s",
                       dtype_name(ix->dtype));
    if (in[2].kind == IV_NONE) {
        int64_t n = tensor_numel(x), m = tensor_numel(ix), one = 1;
        Tensor *cx = tensor_contiguous(ctx, x), *ci = cx ? tensor_contiguous(ctx, ix) : NULL;
        Tensor *fx = ci ? view_of(ctx, cx, cx->storage_offset, &n, &one, 1) : NULL;
        Tensor *fi = fx ? view_of(ctx, ci, ci->storage_offset, &m, &one, 1) : NULL;
        tensor_release(cx), tensor_release(ci);
        if (!fi) {
            tensor_release(fx);
            return ctx->status;
        }
        IValue a[4] = {iv_tensor_steal(fx), iv_int(0), iv_tensor_steal(fi), iv_bool(false)};
        ts_status st = top_gather(ctx, a, 4, out, info);
        iv_release(a[0]), iv_release(a[2]);
        return st;
    }
    int d;
    TS_TRY(op_wrap_dim(ctx, "take_along_dim", op_int(in[2]), x->ndim, &d));
    if (x->ndim != ix->ndim)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "torch.take_along_dim(): input and indices should have the same number of dimensions, but got %d dimensions for input, and %d dimensions for indices",
                       x->ndim, ix->ndim);
    /* broadcast every dim but d */
    int64_t sx[TS_MAX_DIMS], si[TS_MAX_DIMS], bs[TS_MAX_DIMS];
    int nb;
    memcpy(sx, x->sizes, sizeof sx);
    memcpy(si, ix->sizes, sizeof si);
    sx[d] = si[d] = 1;
    TS_TRY(tensor_broadcast_shapes(ctx, "take_along_dim", sx, x->ndim, si, ix->ndim, bs, &nb));
    memcpy(sx, bs, sizeof sx);
    memcpy(si, bs, sizeof si);
    sx[d] = x->sizes[d], si[d] = ix->sizes[d];
    Tensor *ex = tensor_expand(ctx, x, sx, nb), *ei = ex ? tensor_expand(ctx, ix, si, nb) : NULL;
    if (!ei) {
        tensor_release(ex);
        return ctx->status;
    }
    IValue a[4] = {iv_tensor_steal(ex), iv_int(d), iv_tensor_steal(ei), iv_bool(false)};
    ts_status st = top_gather(ctx, a, 4, out, info);
    iv_release(a[0]), iv_release(a[2]);
    return st;
}

OPFN(top_sum_to_size) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "sum_to_size", in, nin, 0, &x));
    int64_t s[TS_MAX_DIMS], dims[TS_MAX_DIMS];
    int n, nd = 0;
    TS_TRY(op_int_list(ctx, "sum_to_size", in[1], s, &n));
    if (n > x->ndim) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "size {%d dims} is not expandable to size of the tensor", n);
    if (n == 0) {
        /* an empty size sums everything, as at::sum_to does */
        IValue a[2] = {in[0], iv_none()};
        return top_sum(ctx, a, 2, out, info);
    }
    int lead = x->ndim - n;
    for (int i = 0; i < x->ndim; i++) {
        if (i < lead) dims[nd++] = i;
        else if (s[i - lead] == 1 && x->sizes[i] != 1) dims[nd++] = i;
        else if (s[i - lead] != x->sizes[i])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "sum_to_size: size is not expandable to the size of the tensor");
    }
    if (nd == 0) return op_return(out, tensor_retain(x));
    IValue a[4] = {in[0], int_list(dims, nd), iv_bool(true), iv_none()}, r;
    ts_status st = top_sum_dim_IntList(ctx, a, 4, &r, info);
    iv_release(a[1]);
    if (st != TS_OK) return st;
    if (lead == 0) {
        out[0] = r;
        return TS_OK;
    }
    Tensor *t = r.u.t;
    Tensor *v = view_of(ctx, t, t->storage_offset, t->sizes + lead, t->strides + lead, n);
    iv_release(r);
    return v ? op_return(out, v) : ctx->status;
}

/* ---- tril_indices, triu_indices, logspace ---- */

static ts_status tri_indices(Ctx *ctx, const char *op, IValue *in, bool upper, IValue *out) {
    int64_t row = op_int(in[0]), col = op_int(in[1]), off = op_int(in[2]);
    if (row < 0 || col < 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: row and col must be non-negative", op);
    if (row > 100000 || col > 100000) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: %" PRId64 " x %" PRId64 " is too large", op, row, col);
    DType dt = DT_INT64;
    if (in[3].kind != IV_NONE) TS_TRY(op_dtype(ctx, op, in[3], &dt));
    int64_t count = 0;
    for (int64_t i = 0; i < row; i++)
        for (int64_t j = 0; j < col; j++)
            if (upper ? j - i >= off : j - i <= off) count++;
    int64_t sz[2] = {2, count};
    Tensor *r = tensor_new_uninit(ctx, dt, sz, 2);
    if (!r) return ctx->status;
    char *p = tensor_data(r);
    size_t es = dtype_size(dt);
    int64_t k = 0;
    for (int64_t i = 0; i < row; i++)
        for (int64_t j = 0; j < col; j++)
            if (upper ? j - i >= off : j - i <= off) {
                dtype_store_i64(dt, p + (size_t)k * es, i);
                dtype_store_i64(dt, p + (size_t)(count + k) * es, j);
                k++;
            }
    return op_return(out, r);
}
OPFN(top_tril_indices) { return tri_indices(ctx, "tril_indices", in, false, out); }
OPFN(top_triu_indices) { return tri_indices(ctx, "triu_indices", in, true, out); }

OPFN(top_logspace) {
    IValue a[7] = {in[0], in[1], in[2], iv_int(DT_FLOAT64), iv_none(), iv_none(), iv_none()}, lin;
    DType dt = DT_FLOAT32;
    if (in[4].kind != IV_NONE) TS_TRY(op_dtype(ctx, "logspace", in[4], &dt));
    TS_TRY(top_linspace(ctx, a, 7, &lin, info));
    double base = iv_scalar_f64(in[3]);
    double *p = tensor_data(lin.u.t);
    for (int64_t i = 0, n = tensor_numel(lin.u.t); i < n; i++) p[i] = pow(base, p[i]);
    Tensor *r = op_cast_steal(ctx, tensor_retain(lin.u.t), dt);
    iv_release(lin);
    return r ? op_return(out, r) : ctx->status;
}

/* _infer_size(a, b): the broadcast of two shapes (F.binary_cross_entropy
 * calls it on the target's and weight's sizes). */
OPFN(top__infer_size) {
    int64_t a[TS_MAX_DIMS], b[TS_MAX_DIMS], r[TS_MAX_DIMS];
    int na, nb, nr;
    TS_TRY(op_int_list(ctx, "_infer_size", in[0], a, &na));
    TS_TRY(op_int_list(ctx, "_infer_size", in[1], b, &nb));
    TS_TRY(tensor_broadcast_shapes(ctx, "_infer_size", a, na, b, nb, r, &nr));
    out[0] = int_list(r, nr);
    return TS_OK;
}

/* x.H: the (conjugate) transpose of a matrix; a 0-d tensor is itself. */
OPFN(top_matrix_H) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, "H", in, nin, 0, &x));
    if (x->ndim == 0) return op_return(out, tensor_retain(x));
    if (x->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "tensor.H is only supported on matrices (2-D tensors). Got %d-D tensor.",
                       x->ndim);
    return last_two(ctx, "H", in, nin, out);
}
