/*
 * tensor_mask.c - the small ops around masks and sequences that the
 * scripted nn.MultiheadAttention / nn.Transformer* / nn.LSTM code calls:
 * masked_fill(_), logical_not / logical_or, index_select, repeat, pad
 * (constant here, the other modes in tensor_pad.c), the grad-mode /
 * autocast queries, and the nested-tensor entry points.
 *
 * tscript only does inference: is_grad_enabled() is False (as under
 * torch.no_grad()), which is what lets PyTorch's modules take their
 * inference fast paths, and is_autocast_enabled() is False.
 *
 * Nested tensors exist only as far as nn.TransformerEncoder's fast path
 * uses them (with a src_key_padding_mask and the default
 * enable_nested_tensor): _nested_tensor_from_mask(t, valid) returns t itself
 * (a view) carrying a [B, T] padding mask (Tensor.nested_pad: true at
 * position i of sequence b when i >= the number of valid positions of row
 * b, as PyTorch takes each sequence's length from its mask);
 * _transformer_encoder_layer_fwd attends within each sequence through that
 * mask and passes it on, and to_padded_tensor writes the padding value at
 * the padded positions. Every other op sees the dense tensor.
 */
#include <inttypes.h>

#include "ops/seq_util.h"
#include "ops/tensor_pad.h"

OPFN(top_is_grad_enabled) {
    out[0] = iv_bool(false);
    return TS_OK;
}

OPFN(top_is_autocast_enabled) {
    out[0] = iv_bool(false);
    return TS_OK;
}

/* _nested_tensor_from_mask(t [B, T, ...], mask [B, T] bool: true = valid) */
OPFN(top__nested_tensor_from_mask) {
    const char *op = "_nested_tensor_from_mask";
    Tensor *t, *mask;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &mask));
    if (mask->dtype != DT_BOOL || mask->ndim != 2 || t->ndim < 2 || mask->sizes[0] != t->sizes[0] ||
        mask->sizes[1] != t->sizes[1]) {
        ShapeText s1, s2;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected a [B, T] bool mask for a [B, T, ...] tensor, got a %s mask %s for %s",
                       op, dtype_name(mask->dtype), op_shape(&s1, mask), op_shape(&s2, t));
    }
    if (t->nested_pad) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: the tensor is already nested", op);
    int64_t B = mask->sizes[0], T = mask->sizes[1];
    bool check = op_bool(in[2]);
    Tensor *pad = tensor_new_uninit(ctx, DT_BOOL, mask->sizes, 2);
    if (!pad) return ctx->status;
    bool *pp = tensor_data(pad);
    for (int64_t b = 0; b < B; b++) {
        int64_t len = 0;
        bool left = true, seen_false = false;
        for (int64_t i = 0; i < T; i++) {
            bool v = tensor_get_i64(mask, b * T + i) != 0;
            len += v;
            if (!v) seen_false = true;
            else if (seen_false) left = false;
        }
        if (check && !left) {
            tensor_release(pad);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Mask tensor must be left-aligned (row %" PRId64 ")", op, b);
        }
        for (int64_t i = 0; i < T; i++) pp[b * T + i] = i >= len;
    }
    Tensor *r = tensor_view(ctx, t->storage, t->dtype, t->storage_offset, t->sizes, t->strides, t->ndim);
    if (!r) {
        tensor_release(pad);
        return ctx->status;
    }
    r->nested_pad = pad;
    return op_return(out, r);
}

/* to_padded_tensor(self, padding, output_size=None): the dense tensor with
 * padding at the padded positions, [B, max length, ...] or output_size. */
OPFN(top_to_padded_tensor) {
    const char *op = "to_padded_tensor";
    Tensor *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    if (!t->nested_pad)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: only the nested tensors of nn.TransformerEncoder's fast path are supported", op);
    const Tensor *pad = t->nested_pad;
    int64_t B = t->sizes[0], T = t->sizes[1], maxlen = 0;
    const bool *pp = tensor_data(pad);
    for (int64_t b = 0; b < B; b++)
        for (int64_t i = 0; i < T; i++)
            if (!pp[b * T + i] && i + 1 > maxlen) maxlen = i + 1;
    int64_t osz[TS_MAX_DIMS];
    memcpy(osz, t->sizes, sizeof osz);
    osz[1] = maxlen;
    if (in[2].kind != IV_NONE) {
        int64_t req[TS_MAX_DIMS];
        int n;
        TS_TRY(op_int_list(ctx, op, in[2], req, &n));
        bool ok = n == t->ndim;
        for (int d = 0; ok && d < n; d++) ok = req[d] >= osz[d];
        if (!ok) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: output_size %s is smaller than the nested tensor's padded size %s", op,
                           op_sizes(&s1, req, n), op_sizes(&s2, osz, t->ndim));
        }
        memcpy(osz, req, sizeof(int64_t) * (size_t)n);
    }
    Tensor *r = tensor_new_uninit(ctx, t->dtype, osz, t->ndim);
    if (!r) return ctx->status;
    kref_fill(r, kscalar_f(iv_scalar_f64(in[1])));
    /* copy the valid positions of each sequence (a prefix of it) */
    int64_t inner[TS_MAX_DIMS];
    memcpy(inner, t->sizes, sizeof inner);
    inner[0] = 1;
    for (int64_t b = 0; b < B; b++) {
        int64_t len = 0;
        while (len < T && !pp[b * T + len]) len++;
        if (len == 0) continue;
        inner[1] = len;
        for (int d = 2; d < t->ndim; d++) inner[d] = t->sizes[d];
        Tensor *src = tensor_view(ctx, t->storage, t->dtype, t->storage_offset + b * t->strides[0], inner, t->strides, t->ndim);
        Tensor *dst = src ? tensor_view(ctx, r->storage, r->dtype, r->storage_offset + b * r->strides[0], inner, r->strides, r->ndim)
                          : NULL;
        if (dst) tensor_copy_into(dst, src);
        tensor_release(src);
        tensor_release(dst);
        if (!dst) {
            tensor_release(r);
            return ctx->status;
        }
    }
    return op_return(out, r);
}

/* ---- masked_fill ---- */

/* self.masked_fill(mask, value): value is a Scalar IValue, or a 0-dim tensor
 * (vt). In place: the mask must broadcast to self's shape. */
static ts_status masked_fill(Ctx *ctx, const char *op, IValue *in, int nin, bool inplace, bool tensor_value,
                             IValue *out) {
    Tensor *self, *mask, *vt = NULL;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &mask));
    if (mask->dtype != DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: %s only supports boolean masks, but got mask with dtype %s", op,
                       inplace ? op : "masked_fill_", dtype_name(mask->dtype));
    if (tensor_value) {
        TS_TRY(op_tensor(ctx, op, in, nin, 2, &vt));
        if (vt->ndim != 0)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: masked_fill_ only supports a 0-dimensional value tensor, but got tensor with %d dimension(s).",
                           op, vt->ndim);
    } else if (in[2].kind != IV_INT && in[2].kind != IV_DOUBLE && in[2].kind != IV_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: value must be a number, got %s", op, iv_kind_name(in[2]));
    int64_t sizes[TS_MAX_DIMS];
    int nd;
    if (inplace) {
        nd = self->ndim;
        memcpy(sizes, self->sizes, sizeof(int64_t) * (size_t)nd);
        int64_t bs[TS_MAX_DIMS];
        int nb;
        TS_TRY(tensor_broadcast_shapes(ctx, op, self->sizes, self->ndim, mask->sizes, mask->ndim, bs, &nb));
        bool same = nb == nd;
        for (int i = 0; same && i < nd; i++) same = bs[i] == sizes[i];
        if (!same) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: mask of shape %s cannot be broadcast to self of shape %s in place", op,
                           op_shape(&s1, mask), op_shape(&s2, self));
        }
    } else {
        TS_TRY(tensor_broadcast_shapes(ctx, op, self->sizes, self->ndim, mask->sizes, mask->ndim, sizes, &nd));
    }
    Tensor *r = NULL, *m = NULL, *val = NULL, *vx = NULL, *sx = NULL;
    if (inplace) r = tensor_retain(self);
    else if ((sx = tensor_expand(ctx, self, sizes, nd)) && (r = tensor_new_uninit(ctx, self->dtype, sizes, nd)))
        tensor_copy_into(r, sx);
    if (!r) goto fail;
    if (vt) {
        if (!(val = tensor_new_uninit(ctx, self->dtype, NULL, 0))) goto fail;
        tensor_copy_into(val, vt);
    } else if (in[2].kind == IV_DOUBLE) val = tensor_scalar_f64(ctx, self->dtype, in[2].u.d);
    else val = tensor_scalar_i64(ctx, self->dtype, iv_scalar_i64(in[2]));
    if (!val || !(m = tensor_expand(ctx, mask, sizes, nd)) || !(vx = tensor_expand(ctx, val, sizes, nd))) goto fail;
    kref_where(r, m, vx, r);
    tensor_release(sx);
    tensor_release(m);
    tensor_release(val);
    tensor_release(vx);
    return op_return(out, r);
fail:
    tensor_release(sx);
    tensor_release(r);
    tensor_release(m);
    tensor_release(val);
    tensor_release(vx);
    return ctx->status;
}

OPFN(top_masked_fill_Scalar) { return masked_fill(ctx, "masked_fill", in, nin, false, false, out); }
OPFN(top_masked_fill_Tensor) { return masked_fill(ctx, "masked_fill", in, nin, false, true, out); }
OPFN(top_masked_fill__Scalar) { return masked_fill(ctx, "masked_fill_", in, nin, true, false, out); }
OPFN(top_masked_fill__Tensor) { return masked_fill(ctx, "masked_fill_", in, nin, true, true, out); }

/* ---- logical ops ---- */

OPFN(top_logical_not) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, "logical_not", in, nin, 0, &x));
    TS_TRY(op_binary(ctx, "logical_not", BINARY_EQ, (Operand){x, iv_none()}, (Operand){NULL, iv_int(0)}, kscalar_i(1), -1,
                     NULL, &r));
    return op_return(out, r);
}

OPFN(top_logical_or) {
    Tensor *a, *b, *r;
    TS_TRY(op_tensor(ctx, "logical_or", in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, "logical_or", in, nin, 1, &b));
    TS_TRY(op_binary(ctx, "logical_or", BINARY_OR, (Operand){a, iv_none()}, (Operand){b, iv_none()}, kscalar_i(1), -1,
                     NULL, &r));
    return op_return(out, r);
}

/* ---- index_select, repeat, pad ---- */

/* A view of t with dim narrowed to [start, start + len). */
static Tensor *narrow(Ctx *ctx, Tensor *t, int dim, int64_t start, int64_t len) {
    int64_t s[TS_MAX_DIMS];
    memcpy(s, t->sizes, sizeof s);
    s[dim] = len;
    return tensor_view(ctx, t->storage, t->dtype, t->storage_offset + start * t->strides[dim], s, t->strides, t->ndim);
}

OPFN(top_index_select) {
    const char *op = "index_select";
    Tensor *self, *index;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &index));
    if (index->ndim > 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: index_select(): Index is supposed to be a vector", op);
    if (index->dtype != DT_INT64 && index->dtype != DT_INT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: index_select(): Expected dtype int32/int64 for index", op);
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[1]), self->ndim, &dim));
    int64_t n = tensor_numel(index), len = self->ndim == 0 ? 1 : self->sizes[dim];
    for (int64_t i = 0; i < n; i++) {
        int64_t ix = tensor_get_i64(index, i);
        if (ix < 0 || ix >= len)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: index out of range in self (index %" PRId64 ", size %" PRId64 ")", op, ix,
                           len);
    }
    if (self->ndim == 0) {
        Tensor *c = tensor_to_dtype(ctx, self, self->dtype);
        if (!c) return ctx->status;
        return op_return(out, c);
    }
    int64_t rs[TS_MAX_DIMS];
    memcpy(rs, self->sizes, sizeof rs);
    rs[dim] = n;
    Tensor *r = tensor_new_uninit(ctx, self->dtype, rs, self->ndim);
    if (!r) return ctx->status;
    for (int64_t i = 0; i < n; i++) {
        Tensor *src = narrow(ctx, self, dim, tensor_get_i64(index, i), 1), *dst = src ? narrow(ctx, r, dim, i, 1) : NULL;
        if (dst) tensor_copy_into(dst, src);
        tensor_release(src);
        tensor_release(dst);
        if (!dst) {
            tensor_release(r);
            return ctx->status;
        }
    }
    return op_return(out, r);
}

OPFN(top_repeat) {
    const char *op = "repeat";
    Tensor *self;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    int64_t rep[TS_MAX_DIMS];
    int nr;
    TS_TRY(op_int_list(ctx, op, in[1], rep, &nr));
    if (nr < self->ndim)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
                       op);
    if (2 * nr > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: too many dimensions", op);
    for (int i = 0; i < nr; i++)
        if (rep[i] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Trying to create tensor with negative dimension %" PRId64, op, rep[i]);
    /* self padded with leading 1s to nr dims, viewed as [r0, s0, r1, s1, ...] with the repeats at stride 0 */
    int lead = nr - self->ndim;
    int64_t vs[TS_MAX_DIMS], vst[TS_MAX_DIMS], rs[TS_MAX_DIMS];
    for (int i = 0; i < nr; i++) {
        int64_t s = i < lead ? 1 : self->sizes[i - lead], st = i < lead ? 0 : self->strides[i - lead];
        vs[2 * i] = rep[i], vst[2 * i] = 0;
        vs[2 * i + 1] = s, vst[2 * i + 1] = st;
        if (!ts_mul_i64_ok(rep[i], s, &rs[i]))
            return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: repeating dimension %d of size %" PRId64 " %" PRId64
                           " times overflows", op, i, s, rep[i]);
    }
    Tensor *v = tensor_view(ctx, self->storage, self->dtype, self->storage_offset, vs, vst, 2 * nr);
    Tensor *r = v ? tensor_new_uninit(ctx, self->dtype, rs, nr) : NULL;
    if (!r) {
        tensor_release(v);
        return ctx->status;
    }
    Tensor rv = *r;
    rv.ndim = 2 * nr;
    memcpy(rv.sizes, vs, sizeof(int64_t) * (size_t)(2 * nr));
    tensor_contiguous_strides(rv.sizes, rv.ndim, rv.strides);
    tensor_copy_into(&rv, v);
    tensor_release(v);
    return op_return(out, r);
}

OPFN(top_pad) {
    const char *op = "pad";
    Tensor *self;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    int64_t pad[TS_MAX_DIMS];
    int np;
    TS_TRY(op_int_list(ctx, op, in[1], pad, &np));
    const char *mode = in[2].kind == IV_STR ? in[2].u.s->data : "constant";
    if (np % 2 != 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Padding length must be divisible by 2", op);
    if (np / 2 > self->ndim) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Padding length too large", op);
    if (strcmp(mode, "constant") != 0) {
        Tensor *r;
        TS_TRY(pad_nonconstant(ctx, op, self, pad, np, mode, in[3], &r));
        return op_return(out, r);
    }
    double value = in[3].kind == IV_NONE ? 0 : iv_scalar_f64(in[3]);
    int64_t rs[TS_MAX_DIMS], lo[TS_MAX_DIMS] = {0};
    memcpy(rs, self->sizes, sizeof rs);
    for (int i = 0; i < np / 2; i++) {
        int d = self->ndim - 1 - i;
        if (!ts_add_i64_ok(self->sizes[d], pad[2 * i], &rs[d]) || !ts_add_i64_ok(rs[d], pad[2 * i + 1], &rs[d]))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: padding (%" PRId64 ", %" PRId64 ") of dimension %d (size %" PRId64
                           ") overflows the size", op, pad[2 * i], pad[2 * i + 1], d, self->sizes[d]);
        lo[d] = pad[2 * i];
        if (rs[d] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: The input size %" PRId64 ", plus negative padding %" PRId64 " and %" PRId64
                           " resulted in a negative output size, which is invalid. Check dimension %d of your input.",
                           op, self->sizes[d], pad[2 * i], pad[2 * i + 1], d);
    }
    Tensor *r = tensor_new_uninit(ctx, self->dtype, rs, self->ndim);
    if (!r) return ctx->status;
    kref_fill(r, kscalar_f(value));
    /* the overlap of self (shifted by lo) and the result */
    Tensor *src = tensor_retain(self), *dst = tensor_retain(r);
    bool empty = false;
    for (int d = 0; d < self->ndim && src && dst; d++) {
        /* a negative pad past the size (INT64_MIN included) leaves nothing */
        int64_t s0 = lo[d] >= 0 ? 0 : lo[d] < -self->sizes[d] ? self->sizes[d] : -lo[d], d0 = lo[d] > 0 ? lo[d] : 0;
        int64_t n = TS_MIN(self->sizes[d] - s0, rs[d] - d0);
        if (n <= 0) {
            empty = true;
            break;
        }
        Tensor *a = narrow(ctx, src, d, s0, n), *b = a ? narrow(ctx, dst, d, d0, n) : NULL;
        tensor_release(src);
        tensor_release(dst);
        src = a, dst = b;
    }
    if (!src || !dst) {
        tensor_release(src);
        tensor_release(dst);
        tensor_release(r);
        return ctx->status;
    }
    if (!empty) tensor_copy_into(dst, src);
    tensor_release(src);
    tensor_release(dst);
    return op_return(out, r);
}

/* ---- split by sizes ---- */

/* split(self, split_sizes, dim) and split_with_sizes: views of the given
 * lengths along dim, which must add up to its size. */
OPFN(top_split_with_sizes) {
    const char *op = "split_with_sizes";
    Tensor *t;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    if (t->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: split expects at least a 1-dimensional tensor", op);
    if (in[1].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: split_sizes must be a list of ints", op);
    ListObj *sl = in[1].u.l;
    int dim;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[2]), t->ndim, &dim));
    int64_t sum = 0;
    bool neg = false;
    for (int64_t i = 0; i < sl->len; i++) {
        int64_t v = iv_scalar_i64(sl->items[i]);
        if (v < 0) neg = true;
        sum += v;
    }
    if (neg || sum != t->sizes[dim]) {
        StrBuf sb = {0};
        sb_puts(&sb, "[");
        for (int64_t i = 0; i < sl->len; i++) sb_printf(&sb, "%s%" PRId64, i ? ", " : "", iv_scalar_i64(sl->items[i]));
        sb_puts(&sb, "]");
        ts_status st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: split_with_sizes expects split_sizes to sum exactly to %" PRId64
                               " (input tensor's size at dimension %d), but got split_sizes=%s",
                               op, t->sizes[dim], dim, sb.data ? sb.data : "[]");
        sb_free(&sb);
        return st;
    }
    ListObj *l = list_new(ty_tensor(), sl->len);
    int64_t start = 0;
    for (int64_t i = 0; i < sl->len; i++) {
        int64_t len = iv_scalar_i64(sl->items[i]);
        Tensor *v = narrow(ctx, t, dim, start, len);
        if (!v) {
            iv_release(iv_list_steal(l));
            return ctx->status;
        }
        list_push_steal(l, iv_tensor_steal(v));
        start += len;
    }
    out[0] = iv_list_steal(l);
    return TS_OK;
}

/* ---- packed sequences ---- */

OPFN(top_rnn_data) { return rnn_packed_op(ctx, in, nin, out, info); }

/* Is every row of the [B, T] mask some trues followed only by falses? (The
 * check TransformerEncoder makes before building a nested tensor.) */
OPFN(top__nested_tensor_from_mask_left_aligned) {
    const char *op = "_nested_tensor_from_mask_left_aligned";
    Tensor *t, *mask;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &mask));
    if (mask->dtype != DT_BOOL || mask->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Padding mask should be a 2-D bool tensor", op);
    int64_t B = mask->sizes[0], T = mask->sizes[1];
    bool ok = true;
    for (int64_t b = 0; ok && b < B; b++) {
        bool seen_false = false;
        for (int64_t i = 0; i < T; i++) {
            bool v = tensor_get_i64(mask, b * T + i) != 0;
            if (!v) seen_false = true;
            else if (seen_false) ok = false;
        }
    }
    out[0] = iv_bool(ok);
    return TS_OK;
}
