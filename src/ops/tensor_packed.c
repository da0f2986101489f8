/*
 * tensor_packed.c - packed sequences (torch.nn.utils.rnn) and the sums of
 * number lists: the ops of ops/models.def.
 *
 * A PackedSequence holds the steps of B sequences sorted by decreasing
 * length, time-major: data is [sum(lengths), *] with the batch_sizes[t]
 * sequences still running at step t in rows batch_sizes[0] + ... +
 * batch_sizes[t-1] onwards; batch_sizes is int64 of the longest length.
 * _pack_padded_sequence builds it from a padded [T, B, *] (or [B, T, *])
 * tensor and sorted lengths, _pad_packed_sequence makes the padded tensor
 * back (padding_value elsewhere) and the lengths; both copy rows, so any
 * dtype works. The RNN ops over packed data (aten::lstm.data ...) are
 * tensor_rnn.c's. Checks and messages are ATen's (PackedSequence.cpp).
 */
#include <inttypes.h>

#include "ops/seq_util.h"

ts_status mop_sum_int(Ctx *, IValue *, int, IValue *, const OpInfo *);
ts_status mop_sum_float(Ctx *, IValue *, int, IValue *, const OpInfo *);
ts_status mop_sum_bool(Ctx *, IValue *, int, IValue *, const OpInfo *);
ts_status top__pack_padded_sequence(Ctx *, IValue *, int, IValue *, const OpInfo *);
ts_status top__pad_packed_sequence(Ctx *, IValue *, int, IValue *, const OpInfo *);

/* ---- sums of lists (register_prim_ops: a plain loop; ints wrap) ---- */

OPFN(mop_sum_int) {
    uint64_t s = 0;
    for (int64_t i = 0; i < in[0].u.l->len; i++) s += (uint64_t)in[0].u.l->items[i].u.i;
    out[0] = iv_int((int64_t)s);
    return TS_OK;
}

OPFN(mop_sum_float) {
    double s = 0;
    for (int64_t i = 0; i < in[0].u.l->len; i++) s += in[0].u.l->items[i].u.d;
    out[0] = iv_double(s);
    return TS_OK;
}

OPFN(mop_sum_bool) {
    int64_t s = 0;
    for (int64_t i = 0; i < in[0].u.l->len; i++) s += in[0].u.l->items[i].u.b;
    out[0] = iv_int(s);
    return TS_OK;
}

/* ---- packing ---- */

/* A 1-D int64 tensor's values (lengths, batch_sizes) into a new array. */
static ts_status int64_values(Ctx *ctx, const char *op, const char *what, const Tensor *t, int64_t **out,
                              int64_t *n) {
    if (t->ndim != 1 || t->dtype != DT_INT64)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: %s must be a 1D int64 (torch.long) tensor", op, what);
    *n = t->sizes[0];
    *out = ts_xmalloc(sizeof(int64_t) * (size_t)(*n ? *n : 1));
    for (int64_t i = 0; i < *n; i++) (*out)[i] = tensor_get_i64(t, i);
    return TS_OK;
}

static Tensor *int64_tensor(Ctx *ctx, const int64_t *v, int64_t n) {
    Tensor *t = tensor_new_uninit(ctx, DT_INT64, &n, 1);
    if (t && n) memcpy(tensor_data(t), v, sizeof(int64_t) * (size_t)n);
    return t;
}

/* The row size in bytes of a [T, B, *] tensor (the product of the * dims). */
static size_t row_bytes(const Tensor *t, int from) {
    size_t n = dtype_size(t->dtype);
    for (int i = from; i < t->ndim; i++) n *= (size_t)t->sizes[i];
    return n;
}

OPFN(top__pack_padded_sequence) {
    const char *op = "_pack_padded_sequence";
    Tensor *input, *lt;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &input));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &lt));
    bool batch_first = op_bool(in[2]);
    if (input->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input must have at least 2 dimensions (time and batch)", op);
    int64_t *len = NULL, B = 0;
    TS_TRY(int64_values(ctx, op, "lengths", lt, &len, &B));
    int64_t T = input->sizes[batch_first ? 1 : 0], IB = input->sizes[batch_first ? 0 : 1];
    ts_status st = TS_OK;
    if (B != IB)
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "Expected `len(lengths)` to be equal to batch_size, but got %" PRId64
                     " (batch_size=%" PRId64 ")", B, IB);
    else if (B == 0 || len[B - 1] <= 0)
        st = ts_fail(ctx, TS_ERR_VALUE, NULL, "Length of all samples has to be greater than 0, but found an element "
                     "in 'lengths' that is <= 0");
    for (int64_t b = 1; st == TS_OK && b < B; b++)
        if (len[b] > len[b - 1])
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "`lengths` array must be sorted in decreasing order when "
                         "`enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                         "and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.");
    if (st == TS_OK && len[0] > T)
        st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: a length (%" PRId64 ") is longer than the sequences (%" PRId64 ")",
                     op, len[0], T);
    if (st != TS_OK) {
        ts_free(len);
        return st;
    }
    int64_t steps = len[0], total = 0;
    int64_t *bs = ts_xmalloc(sizeof(int64_t) * (size_t)steps);
    for (int64_t t = 0; t < steps; t++) {
        int64_t k = 0;
        while (k < B && len[k] > t) k++;
        bs[t] = k;
        total += k;
    }
    Tensor *x = tensor_contiguous(ctx, input), *data = NULL, *bst = NULL;
    int64_t ds[TS_MAX_DIMS];
    ds[0] = total;
    for (int i = 2; i < input->ndim; i++) ds[i - 1] = input->sizes[i];
    if (x && (data = tensor_new_uninit(ctx, input->dtype, ds, input->ndim - 1)) && (bst = int64_tensor(ctx, bs, steps))) {
        size_t rb = row_bytes(input, 2);
        char *dst = tensor_data(data);
        const char *src = tensor_data(x);
        for (int64_t t = 0; t < steps; t++)
            for (int64_t b = 0; b < bs[t]; b++, dst += rb)
                memcpy(dst, src + (size_t)(batch_first ? b * T + t : t * B + b) * rb, rb);
        out[0] = iv_tensor_steal(data);
        out[1] = iv_tensor_steal(bst);
    } else {
        tensor_release(data);
        st = ctx->status;
    }
    tensor_release(x);
    ts_free(bs);
    ts_free(len);
    return st;
}

OPFN(top__pad_packed_sequence) {
    const char *op = "_pad_packed_sequence";
    Tensor *data, *bt;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &data));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &bt));
    bool batch_first = op_bool(in[2]);
    double pad = iv_scalar_f64(in[3]);
    int64_t total_length = op_int(in[4]);
    if (data->ndim < 1 || data->ndim + 1 > TS_MAX_DIMS)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: data must have 1 to %d dimensions", op, TS_MAX_DIMS - 1);
    int64_t *bs = NULL, steps = 0;
    TS_TRY(int64_values(ctx, op, "batch_sizes", bt, &bs, &steps));
    ts_status st = TS_OK;
    int64_t sum = 0;
    for (int64_t t = 0; t < steps; t++) {
        if (bs[t] <= 0 || (t && bs[t] > bs[t - 1])) {
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: batch_sizes must be positive and non-increasing", op);
            break;
        }
        sum += bs[t];
    }
    if (st == TS_OK && sum != data->sizes[0])
        st = ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: batch_sizes add up to %" PRId64 " rows, data has %" PRId64, op, sum,
                     data->sizes[0]);
    if (st == TS_OK && total_length != -1 && total_length < steps)
        st = ts_fail(ctx, TS_ERR_VALUE, NULL, "Expected total_length to be at least the length of the longest "
                     "sequence in input, but got total_length=%" PRId64 " and max sequence length being %" PRId64,
                     total_length, steps);
    if (st == TS_OK && steps == 0)
        st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: batch_sizes is empty", op);
    if (st != TS_OK) {
        ts_free(bs);
        return st;
    }
    int64_t B = bs[0], T = total_length == -1 ? steps : total_length;
    int64_t os[TS_MAX_DIMS];
    os[0] = T;
    os[1] = B;
    for (int i = 1; i < data->ndim; i++) os[i + 1] = data->sizes[i];
    Tensor *x = tensor_contiguous(ctx, data), *o = NULL, *lens = NULL;
    int64_t *len = ts_xmalloc(sizeof(int64_t) * (size_t)B);
    if (x && (o = tensor_new_uninit(ctx, data->dtype, os, data->ndim + 1))) {
        size_t es = dtype_size(data->dtype), rb = row_bytes(data, 1);
        int64_t n = tensor_numel(o);
        char *p = tensor_data(o);
        for (int64_t i = 0; i < n; i++) dtype_store_f64(data->dtype, p + (size_t)i * es, pad);
        const char *src = tensor_data(x);
        for (int64_t t = 0; t < steps; t++)
            for (int64_t b = 0; b < bs[t]; b++, src += rb) memcpy(p + (size_t)(t * B + b) * rb, src, rb);
        for (int64_t b = 0; b < B; b++) {
            int64_t k = 0;
            while (k < steps && bs[k] > b) k++;
            len[b] = k;
        }
        lens = int64_tensor(ctx, len, B);
    }
    if (o && lens && batch_first) {
        /* PyTorch returns output.transpose(0, 1): a view */
        int64_t s[TS_MAX_DIMS], str[TS_MAX_DIMS];
        for (int i = 0; i < o->ndim; i++) s[i] = o->sizes[i], str[i] = o->strides[i];
        s[0] = o->sizes[1], s[1] = o->sizes[0], str[0] = o->strides[1], str[1] = o->strides[0];
        Tensor *v = tensor_view(ctx, o->storage, o->dtype, 0, s, str, o->ndim);
        tensor_release(o);
        o = v;
    }
    if (o && lens) {
        out[0] = iv_tensor_steal(o);
        out[1] = iv_tensor_steal(lens);
    } else {
        tensor_release(o);
        tensor_release(lens);
        st = ctx->status;
    }
    tensor_release(x);
    ts_free(bs);
    ts_free(len);
    return st;
}
