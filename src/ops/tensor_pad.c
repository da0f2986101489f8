/*
 * tensor_pad.c - the non-constant padding modes of F.pad: reflect,
 * replicate and circular, for 1-d, 2-d and 3-d padding (pad lists of 2, 4
 * or 6 entries, last dim first), and the ATen ops that aten::pad dispatches
 * to: reflection_pad{1,2,3}d, replication_pad{1,2,3}d, _pad_circular and
 * _pad_enum. (The constant mode is top_pad in tensor_mask.c, which calls
 * pad_nonconstant here for the others.)
 *
 * Each padded output index o of a dim of input size n maps to an input
 * index j = o - left, then:
 *   reflect:   j < 0 -> -j; j >= n -> 2 (n - 1) - j     (pads < n)
 *   replicate: j clamped to [0, n - 1]                   (n >= 1)
 *   circular:  j taken modulo the size m of the input that negative pads
 *              leave, c = x[max(-left, 0) : n - max(-right, 0)]  (pads <= n)
 * Negative pads crop. The result is a new contiguous tensor of the input's
 * dtype; elements are copied as bytes, so every dtype works (PyTorch 2.x
 * refuses bool for reflect and replicate, and so do we). Checks and messages
 * follow aten/src/ATen/native/PadNd.cpp, ReflectionPad.cpp and
 * ReplicationPadding.cpp.
 */
#include <inttypes.h>

#include "ops/tensor_ops.h"
#include "ops/tensor_pad.h"

typedef enum PadMode { PAD_REFLECT, PAD_REPLICATE, PAD_CIRCULAR, PAD_CONSTANT } PadMode; /* at::padding_mode */

static const char *const mode_names[] = {"reflect", "replicate", "circular", "constant"};

/* Copy x into the new tensor r, where output index o of padded dim d
 * (the last k dims) reads input index map[d][o]. */
static void gather(Tensor *r, const Tensor *x, int k, int64_t *const *map) {
    int nd = x->ndim, first = nd - k;
    size_t es = dtype_size(x->dtype);
    int64_t numel = tensor_numel(r);
    if (numel == 0) return;
    int64_t idx[TS_MAX_DIMS] = {0};
    const char *src = (const char *)x->storage->data;
    char *dst = tensor_data(r);
    for (int64_t e = 0; e < numel; e++) {
        int64_t off = x->storage_offset;
        for (int d = 0; d < nd; d++) off += (d < first ? idx[d] : map[d - first][idx[d]]) * x->strides[d];
        memcpy(dst + (size_t)e * es, src + (size_t)off * es, es);
        for (int d = nd - 1; d >= 0; d--) {
            if (++idx[d] < r->sizes[d]) break;
            idx[d] = 0;
        }
    }
}

/* Pad the last k dims of x (k = np / 2) in mode; the input must have k + 1
 * or k + 2 dims (checked by the caller). */
static ts_status pad_apply(Ctx *ctx, const char *op, Tensor *x, const int64_t *pad, int k, PadMode mode,
                           Tensor **out) {
    int nd = x->ndim, first = nd - k;
    if (mode != PAD_CIRCULAR && x->dtype == DT_BOOL)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: \"%s\" not implemented for 'Bool'", op, op);
    /* the non-batch dims must be non-empty (the batch dim may be 0) */
    for (int d = nd == k + 2 ? 1 : 0; d < nd; d++)
        if (x->sizes[d] == 0 && mode != PAD_CIRCULAR) {
            ShapeText s;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "%s: Expected %dD or %dD (batch mode) tensor with possibly 0 batch size and other non-zero "
                           "dimensions for input, but got: %s",
                           op, k + 1, k + 2, op_shape(&s, x));
        }
    int64_t osz[TS_MAX_DIMS];
    memcpy(osz, x->sizes, sizeof osz);
    for (int i = 0; i < k; i++) {
        int d = nd - 1 - i;
        int64_t n = x->sizes[d], l = pad[2 * i], rr = pad[2 * i + 1];
        if (mode == PAD_REFLECT && (l >= n || rr >= n)) {
            ShapeText s;
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: Argument #4: Padding size should be less than the corresponding input dimension, but "
                           "got: padding (%" PRId64 ", %" PRId64 ") at dimension %d of input %s",
                           op, l, rr, d, op_shape(&s, x));
        }
        if (mode == PAD_CIRCULAR && (l > n || rr > n))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Padding value causes wrapping around more than once.", op);
        int64_t o;
        if (__builtin_add_overflow(n, l, &o) || __builtin_add_overflow(o, rr, &o))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: padding (%" PRId64 ", %" PRId64 ") is too large", op, l, rr);
        if (mode == PAD_CIRCULAR ? o < 0 : o < 1) {
            const char *dn = i == 0 ? "W" : i == 1 ? "H" : "D";
            if (mode == PAD_CIRCULAR)
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Negative padding value is resulting in an empty dimension", op);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: input (%s: %" PRId64 ") is too small. Calculated output %s: %" PRId64,
                           op, dn, n, dn, o);
        }
        osz[d] = o;
    }
    /* circular: the cropped input must not be empty when there is output to fill */
    for (int i = 0; i < k && mode == PAD_CIRCULAR; i++) {
        int d = nd - 1 - i;
        int64_t m = x->sizes[d] - TS_MAX(-pad[2 * i], 0) - TS_MAX(-pad[2 * i + 1], 0);
        if (m <= 0 && osz[d] > 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: circular padding (%" PRId64 ", %" PRId64 ") of dimension %d leaves no input to wrap around",
                           op, pad[2 * i], pad[2 * i + 1], d);
    }
    /* index maps, one per padded dim (osz[d] entries each) */
    size_t total = 0;
    for (int i = 0; i < k; i++) total += (size_t)osz[nd - 1 - i];
    int64_t *buf = ts_malloc((total ? total : 1) * sizeof(int64_t));
    if (!buf) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    int64_t *map[3];
    size_t at = 0;
    for (int i = k - 1; i >= 0; i--) { /* map[j] belongs to dim first + j */
        int d = nd - 1 - i, j = d - first;
        map[j] = buf + at;
        at += (size_t)osz[d];
        int64_t n = x->sizes[d], l = pad[2 * i], rr = pad[2 * i + 1];
        for (int64_t o = 0; o < osz[d]; o++) {
            int64_t s; /* o - l; only replicate allows pads big enough to overflow it (then s clamps) */
            if (__builtin_sub_overflow(o, l, &s)) s = INT64_MAX;
            if (mode == PAD_REFLECT) {
                if (s < 0) s = -s;
                else if (s >= n) s = 2 * (n - 1) - s;
            } else if (mode == PAD_REPLICATE) {
                s = s < 0 ? 0 : s >= n ? n - 1 : s;
            } else {
                int64_t lo = TS_MAX(-l, 0), m = n - lo - TS_MAX(-rr, 0);
                int64_t c = (o - TS_MAX(l, 0)) % m;
                if (c < 0) c += m;
                s = lo + c;
            }
            map[j][o] = s;
        }
    }
    Tensor *r = tensor_new_uninit(ctx, x->dtype, osz, nd);
    if (!r) {
        ts_free(buf);
        return ctx->status;
    }
    gather(r, x, k, map);
    ts_free(buf);
    *out = r;
    return TS_OK;
}

/* _pad_enum's dispatch for a non-constant mode. */
static ts_status pad_enum(Ctx *ctx, const char *op, Tensor *x, const int64_t *pad, int np, PadMode mode,
                          IValue value, Tensor **out) {
    if (value.kind != IV_NONE)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Padding mode \"%s\" doesn't take in value argument", op, mode_names[mode]);
    int k = np / 2, nd = x->ndim;
    if (np % 2 != 0 || k < 1 || k > 3 || (nd != k + 1 && nd != k + 2))
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: Padding size %d is not supported for %dD input tensor (mode \"%s\" pads the last 1, 2 or 3 "
                       "dims of a tensor with 1 or 2 more dims)",
                       op, np, nd, mode_names[mode]);
    return pad_apply(ctx, op, x, pad, k, mode, out);
}

ts_status pad_nonconstant(Ctx *ctx, const char *op, Tensor *x, const int64_t *pad, int np, const char *mode,
                          IValue value, Tensor **out) {
    for (int m = PAD_REFLECT; m < PAD_CONSTANT; m++)
        if (strcmp(mode, mode_names[m]) == 0) return pad_enum(ctx, op, x, pad, np, (PadMode)m, value, out);
    return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                   "%s: Unrecognised padding mode %s (expected constant, reflect, replicate or circular)", op, mode);
}

/* ---- the ATen entry points ---- */

/* reflection_padNd / replication_padNd(self, int[2k] padding): the input
 * has k + 1 or k + 2 dims. */
static ts_status pad_nd(Ctx *ctx, const char *op, IValue *in, int nin, int k, PadMode mode, IValue *out) {
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t pad[TS_MAX_DIMS];
    int np;
    TS_TRY(op_int_list(ctx, op, in[1], pad, &np));
    if (np != 2 * k)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: padding size is expected to be %d, but got: %d", op, 2 * k, np);
    if (x->ndim != k + 1 && x->ndim != k + 2) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Expected %dD or %dD (batch mode) tensor with possibly 0 batch size and other non-zero "
                       "dimensions for input, but got: %s",
                       op, k + 1, k + 2, op_shape(&s, x));
    }
    TS_TRY(pad_apply(ctx, op, x, pad, k, mode, &r));
    return op_return(out, r);
}

OPFN(top_reflection_pad1d) { return pad_nd(ctx, "reflection_pad1d", in, nin, 1, PAD_REFLECT, out); }
OPFN(top_reflection_pad2d) { return pad_nd(ctx, "reflection_pad2d", in, nin, 2, PAD_REFLECT, out); }
OPFN(top_reflection_pad3d) { return pad_nd(ctx, "reflection_pad3d", in, nin, 3, PAD_REFLECT, out); }
OPFN(top_replication_pad1d) { return pad_nd(ctx, "replication_pad1d", in, nin, 1, PAD_REPLICATE, out); }
OPFN(top_replication_pad2d) { return pad_nd(ctx, "replication_pad2d", in, nin, 2, PAD_REPLICATE, out); }
OPFN(top_replication_pad3d) { return pad_nd(ctx, "replication_pad3d", in, nin, 3, PAD_REPLICATE, out); }

/* _pad_circular(self, pad): pads len(pad) / 2 trailing dims of an input with
 * one (unbatched, as PyTorch 2.x allows) or two more dims. */
OPFN(top__pad_circular) {
    const char *op = "_pad_circular";
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t pad[TS_MAX_DIMS];
    int np;
    TS_TRY(op_int_list(ctx, op, in[1], pad, &np));
    int k = np / 2;
    if (np % 2 != 0 || k < 1 || k > 3 || (x->ndim != k + 1 && x->ndim != k + 2))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Invalid padding size, expected %d but got %d", op,
                       2 * TS_MAX(x->ndim - 2, 0), np);
    TS_TRY(pad_apply(ctx, op, x, pad, k, PAD_CIRCULAR, &r));
    return op_return(out, r);
}

/* _pad_enum(self, pad, int mode, float? value): mode as at::padding_mode
 * (0 reflect, 1 replicate, 2 circular, 3 constant). */
OPFN(top__pad_enum) {
    const char *op = "_pad_enum";
    int64_t mode = op_int(in[2]);
    if (mode < PAD_REFLECT || mode > PAD_CONSTANT)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: padding mode %" PRId64 " is not one of 0 (reflect), 1 (replicate), "
                       "2 (circular), 3 (constant)", op, mode);
    if (mode == PAD_CONSTANT) {
        IValue args[4] = {in[0], in[1], iv_none(), in[3]}; /* top_pad reads a missing mode as "constant" */
        return top_pad(ctx, args, 4, out, info);
    }
    Tensor *x, *r;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t pad[TS_MAX_DIMS];
    int np;
    TS_TRY(op_int_list(ctx, op, in[1], pad, &np));
    if (np % 2 != 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Padding length must be divisible by 2", op);
    if (np / 2 > x->ndim) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Padding length too large", op);
    TS_TRY(pad_enum(ctx, op, x, pad, np, (PadMode)mode, in[3], &r));
    return op_return(out, r);
}
