/*
 * tensor_rnn.c - aten::lstm.input, aten::gru.input, aten::rnn_tanh.input and
 * aten::rnn_relu.input: multi-layer,
 * optionally bidirectional recurrent layers over a padded [T, B, I]
 * sequence (or [B, T, I] with batch_first), for inference.
 *
 * The computation is PyTorch 1.13's CPU path (aten/src/ATen/native/RNN.cpp):
 * per layer and direction the input projection of the whole sequence is one
 * GEMM (W_ih x + b_ih), then each step computes W_hh h + b_hh, adds it and
 * runs the cell's pointwise part (kernels/ref/seq.c). The reverse direction
 * walks the sequence backwards; directions are concatenated along the
 * feature dim, and each layer's output is the next layer's input. An LSTM
 * with proj_size projects h by W_hr after each step. Inter-layer dropout is
 * ignored unless train is set, which fails (training is not supported).
 * float32 only. Packed sequences (the .data overloads: lstm.data, gru.data,
 * rnn_tanh.data, rnn_relu.data) run the same loop over the padded [T, B, I]
 * form with per-step batch sizes: at step t only the first batch_sizes[t]
 * sequences (sorted by decreasing length) advance, from a separate state
 * buffer, so a finished sequence keeps its last state (forward) and one not
 * yet started keeps h0 (reverse), as ATen's packed layers do.
 *
 * params holds, per layer and direction: w_ih, w_hh, then b_ih, b_hh when
 * has_biases, then w_hr for a projected LSTM.
 */
#include <inttypes.h>

#include "ops/seq_util.h"

typedef enum RnnMode { RNN_LSTM, RNN_GRU, RNN_TANH, RNN_RELU } RnnMode;

typedef struct RnnArgs {
    RnnMode mode;
    const char *op;
    Tensor *input, *h0, *c0; /* c0: LSTM only */
    ListObj *params;
    const int64_t *bs; /* packed: batch size of each step (non-increasing); NULL: padded */
    bool has_biases, train, bidirectional, batch_first;
    int64_t num_layers;
    double dropout;
} RnnArgs;

typedef struct RnnDims {
    int64_t T, B, I, H, P, G, D; /* P: the size of h (H, or proj_size); G: gates (4H / 3H) */
    int per; /* params per layer and direction */
    bool proj;
} RnnDims;

static ts_status expect_shape(Ctx *ctx, const char *op, const char *what, const Tensor *t, const int64_t *sizes,
                              int ndim) {
    bool ok = t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++) ok = t->sizes[i] == sizes[i];
    if (!ok) {
        ShapeText s1, s2;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected %s size %s, got %s", op, what, op_sizes(&s1, sizes, ndim),
                       op_shape(&s2, t));
    }
    return seq_check(ctx, op, what, t, ndim);
}

static Tensor *param(const RnnArgs *a, const RnnDims *d, int64_t l, int64_t dir, int k) {
    return a->params->items[(l * d->D + dir) * d->per + k].u.t;
}

/* Check every shape and dtype and work out the sizes. */
static ts_status rnn_validate(Ctx *ctx, const RnnArgs *a, RnnDims *d) {
    const char *op = a->op;
    Tensor *x = a->input;
    TS_TRY(seq_check(ctx, op, "input", x, -1));
    if (x->ndim != 3) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input must have 3 dimensions, got %s", op, op_shape(&s, x));
    }
    if (a->num_layers < 1) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: num_layers must be at least 1, got %" PRId64, op, a->num_layers);
    if (a->train && a->dropout > 0 && a->num_layers > 1)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: dropout in training mode (train=True) is not supported", op);
    d->T = x->sizes[a->batch_first ? 1 : 0];
    d->B = x->sizes[a->batch_first ? 0 : 1];
    d->I = x->sizes[2];
    d->D = a->bidirectional ? 2 : 1;
    TS_TRY(seq_check(ctx, op, "hx[0]", a->h0, 3));
    d->P = a->h0->sizes[2];
    d->H = d->P;
    d->proj = false;
    if (a->mode == RNN_LSTM) {
        TS_TRY(seq_check(ctx, op, "hx[1]", a->c0, 3));
        d->H = a->c0->sizes[2];
        d->proj = d->H != d->P;
    }
    d->G = (a->mode == RNN_LSTM ? 4 : a->mode == RNN_GRU ? 3 : 1) * d->H;
    d->per = 2 + (a->has_biases ? 2 : 0) + (d->proj ? 1 : 0);
    int64_t LD = a->num_layers * d->D;
    if (a->params->len != LD * d->per)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: expected %" PRId64 " parameter tensors (%" PRId64 " layers x %" PRId64
                       " directions x %d), got %" PRId64, op, LD * d->per, a->num_layers, d->D, d->per, a->params->len);
    for (int64_t i = 0; i < a->params->len; i++)
        if (a->params->items[i].kind != IV_TENSOR)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: params[%" PRId64 "] is not a tensor", op, i);
    int64_t hs[3] = {LD, d->B, d->P}, cs[3] = {LD, d->B, d->H};
    TS_TRY(expect_shape(ctx, op, "hidden", a->h0, hs, 3));
    if (a->mode == RNN_LSTM) TS_TRY(expect_shape(ctx, op, "cell state", a->c0, cs, 3));
    for (int64_t l = 0; l < a->num_layers; l++)
        for (int64_t dir = 0; dir < d->D; dir++) {
            int64_t in_l = l == 0 ? d->I : d->D * d->P;
            int64_t wih[2] = {d->G, in_l}, whh[2] = {d->G, d->P}, b[1] = {d->G}, whr[2] = {d->P, d->H};
            if (l == 0 && param(a, d, l, dir, 0)->ndim == 2 && param(a, d, l, dir, 0)->sizes[1] != in_l)
                return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input.size(-1) must be equal to input_size. Expected %" PRId64
                               ", got %" PRId64, op, param(a, d, l, dir, 0)->sizes[1], in_l);
            TS_TRY(expect_shape(ctx, op, "weight_ih", param(a, d, l, dir, 0), wih, 2));
            TS_TRY(expect_shape(ctx, op, "weight_hh", param(a, d, l, dir, 1), whh, 2));
            if (a->has_biases) {
                TS_TRY(expect_shape(ctx, op, "bias_ih", param(a, d, l, dir, 2), b, 1));
                TS_TRY(expect_shape(ctx, op, "bias_hh", param(a, d, l, dir, 3), b, 1));
            }
            if (d->proj) TS_TRY(expect_shape(ctx, op, "weight_hr", param(a, d, l, dir, d->per - 1), whr, 2));
        }
    return TS_OK;
}

/* One direction of one layer: reads xin [T*B, in_l], writes h at each step
 * into out[t, :, dir*P : (dir+1)*P] (rows of D*P), the final h into hy and
 * (LSTM) the running c in cy (which starts as c0). */
static void rnn_direction(const RnnArgs *a, const RnnDims *d, int64_t l, int64_t dir, const float *xin, int64_t in_l,
                          float *out, const float *h0, float *hy, float *cy, float *ig, float *gates, float *hcell,
                          float *hst) {
    int64_t T = d->T, B = d->B, P = d->P, H = d->H, G = d->G, ldo = d->D * P;
    Tensor *w_ih = param(a, d, l, dir, 0), *w_hh = param(a, d, l, dir, 1);
    Tensor *b_ih = a->has_biases ? param(a, d, l, dir, 2) : NULL, *b_hh = a->has_biases ? param(a, d, l, dir, 3) : NULL;
    seq_gemm_nt(T * B, G, in_l, xin, in_l, w_ih, 0, b_ih, 0, ig, G, false);
    const float *h = h0;
    int64_t ldh = P;
    if (a->bs) {
        memcpy(hst, h0, sizeof(float) * (size_t)(B * P));
        h = hst;
    }
    for (int64_t s = 0; s < T; s++) {
        int64_t t = dir == 0 ? s : T - 1 - s;
        int64_t Bt = a->bs ? a->bs[t] : B; /* the running sequences are rows 0..Bt */
        const float *igt = ig + t * B * G;
        float *ho = out + t * B * ldo + dir * P;
        seq_gemm_nt(Bt, G, P, h, ldh, w_hh, 0, b_hh, 0, gates, G, false);
        if (a->mode == RNN_LSTM) {
            for (int64_t i = 0; i < Bt * G; i++) gates[i] += igt[i];
            if (d->proj) {
                kref_lstm_cell_f32(Bt, H, gates, G, cy, H, cy, H, hcell, H);
                seq_gemm_nt(Bt, P, H, hcell, H, param(a, d, l, dir, d->per - 1), 0, NULL, 0, ho, ldo, false);
            } else {
                kref_lstm_cell_f32(Bt, H, gates, G, cy, H, cy, H, ho, ldo);
            }
        } else if (a->mode == RNN_GRU) {
            kref_gru_cell_f32(Bt, H, igt, G, gates, G, h, ldh, ho, ldo);
        } else {
            kref_rnn_cell_f32(Bt, H, igt, G, gates, G, ho, ldo, a->mode == RNN_RELU);
        }
        if (a->bs) {
            for (int64_t b = 0; b < Bt; b++) memcpy(hst + b * P, ho + b * ldo, sizeof(float) * (size_t)P);
        } else {
            h = ho;
            ldh = ldo;
        }
    }
    for (int64_t b = 0; b < B; b++) memcpy(hy + b * P, h + b * ldh, sizeof(float) * (size_t)P);
}

static ts_status rnn_run(Ctx *ctx, const RnnArgs *a, Tensor **output, Tensor **hy_out, Tensor **cy_out) {
    RnnDims d = {0};
    TS_TRY(rnn_validate(ctx, a, &d));
    int64_t T = d.T, B = d.B, LD = a->num_layers * d.D;
    Tensor *xt = NULL, *xin = NULL, *h0 = NULL, *hy = NULL, *cy = NULL, *ig = NULL, *gates = NULL, *hcell = NULL;
    Tensor *hst = NULL;
    Tensor *layer_in = NULL, *layer_out = NULL;
    if (a->batch_first) {
        int64_t s[3] = {T, B, d.I}, st[3] = {a->input->strides[1], a->input->strides[0], a->input->strides[2]};
        xt = tensor_view(ctx, a->input->storage, a->input->dtype, a->input->storage_offset, s, st, 3);
    } else xt = tensor_retain(a->input);
    int64_t hs[3] = {LD, B, d.P}, cs[3] = {LD, B, d.H}, igs[2] = {T * B, d.G}, gs[2] = {B, d.G}, hc[2] = {B, d.H};
    if (!xt || !(xin = tensor_contiguous(ctx, xt)) || !(h0 = tensor_contiguous(ctx, a->h0)) ||
        !(hy = tensor_new_uninit(ctx, DT_FLOAT32, hs, 3)) || !(ig = tensor_new_uninit(ctx, DT_FLOAT32, igs, 2)) ||
        !(gates = tensor_new_uninit(ctx, DT_FLOAT32, gs, 2)))
        goto fail;
    if (a->mode == RNN_LSTM) {
        if (!(cy = tensor_new_uninit(ctx, DT_FLOAT32, cs, 3))) goto fail;
        tensor_copy_into(cy, a->c0);
        if (d.proj && !(hcell = tensor_new_uninit(ctx, DT_FLOAT32, hc, 2))) goto fail;
    }
    int64_t hss[2] = {B, d.P};
    if (a->bs && !(hst = tensor_new_uninit(ctx, DT_FLOAT32, hss, 2))) goto fail;
    layer_in = tensor_retain(xin);
    for (int64_t l = 0; l < a->num_layers; l++) {
        int64_t os[3] = {T, B, d.D * d.P}, in_l = l == 0 ? d.I : d.D * d.P;
        /* packed: the steps of finished sequences are never written; zeros, not garbage, feed the next layer */
        if (!(layer_out = a->bs ? tensor_empty(ctx, DT_FLOAT32, os, 3) : tensor_new_uninit(ctx, DT_FLOAT32, os, 3)))
            goto fail;
        for (int64_t dir = 0; dir < d.D; dir++) {
            int64_t k = l * d.D + dir;
            rnn_direction(a, &d, l, dir, tensor_data(layer_in), in_l, tensor_data(layer_out),
                          (const float *)tensor_data(h0) + k * B * d.P, (float *)tensor_data(hy) + k * B * d.P,
                          cy ? (float *)tensor_data(cy) + k * B * d.H : NULL, tensor_data(ig), tensor_data(gates),
                          hcell ? tensor_data(hcell) : NULL, hst ? tensor_data(hst) : NULL);
        }
        tensor_release(layer_in);
        layer_in = layer_out;
        layer_out = NULL;
    }
    if (a->batch_first) {
        int64_t s[3] = {B, T, d.D * d.P}, st[3] = {d.D * d.P, B * d.D * d.P, 1};
        Tensor *v = tensor_view(ctx, layer_in->storage, DT_FLOAT32, 0, s, st, 3);
        if (!v) goto fail;
        tensor_release(layer_in);
        layer_in = v;
    }
    tensor_release(xt);
    tensor_release(xin);
    tensor_release(h0);
    tensor_release(ig);
    tensor_release(gates);
    tensor_release(hcell);
    tensor_release(hst);
    *output = layer_in;
    *hy_out = hy;
    if (cy_out) *cy_out = cy;
    return TS_OK;
fail:
    tensor_release(xt);
    tensor_release(xin);
    tensor_release(h0);
    tensor_release(hy);
    tensor_release(cy);
    tensor_release(ig);
    tensor_release(gates);
    tensor_release(hcell);
    tensor_release(hst);
    tensor_release(layer_in);
    tensor_release(layer_out);
    return ctx->status;
}

/* The arguments after input and hx, common to both ops. */
static ts_status rnn_args(Ctx *ctx, const char *op, IValue *in, int nin, RnnArgs *a) {
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a->input));
    if (in[2].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: params must be a list of tensors", op);
    a->op = op;
    a->params = in[2].u.l;
    a->has_biases = op_bool(in[3]);
    a->num_layers = op_int(in[4]);
    a->dropout = iv_scalar_f64(in[5]);
    a->train = op_bool(in[6]);
    a->bidirectional = op_bool(in[7]);
    a->batch_first = op_bool(in[8]);
    return TS_OK;
}

OPFN(top_lstm_input) {
    RnnArgs a = {.mode = RNN_LSTM};
    TS_TRY(rnn_args(ctx, "lstm", in, nin, &a));
    if (in[1].kind != IV_LIST || in[1].u.l->len != 2 || in[1].u.l->items[0].kind != IV_TENSOR ||
        in[1].u.l->items[1].kind != IV_TENSOR)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "lstm: Expected hx to be a list of two tensors (h0, c0)");
    a.h0 = in[1].u.l->items[0].u.t;
    a.c0 = in[1].u.l->items[1].u.t;
    Tensor *o, *h, *c;
    TS_TRY(rnn_run(ctx, &a, &o, &h, &c));
    out[0] = iv_tensor_steal(o);
    out[1] = iv_tensor_steal(h);
    out[2] = iv_tensor_steal(c);
    return TS_OK;
}

OPFN(top_gru_input) {
    RnnArgs a = {.mode = RNN_GRU};
    TS_TRY(rnn_args(ctx, "gru", in, nin, &a));
    TS_TRY(op_tensor(ctx, "gru", in, nin, 1, &a.h0));
    Tensor *o, *h;
    TS_TRY(rnn_run(ctx, &a, &o, &h, NULL));
    out[0] = iv_tensor_steal(o);
    out[1] = iv_tensor_steal(h);
    return TS_OK;
}

/* rnn_tanh / rnn_relu: h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh). */
static ts_status elman(Ctx *ctx, RnnMode mode, IValue *in, int nin, IValue *out) {
    const char *op = mode == RNN_TANH ? "rnn_tanh" : "rnn_relu";
    RnnArgs a = {.mode = mode};
    TS_TRY(rnn_args(ctx, op, in, nin, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &a.h0));
    Tensor *o, *h;
    TS_TRY(rnn_run(ctx, &a, &o, &h, NULL));
    out[0] = iv_tensor_steal(o);
    out[1] = iv_tensor_steal(h);
    return TS_OK;
}

OPFN(top_rnn_tanh_input) { return elman(ctx, RNN_TANH, in, nin, out); }
OPFN(top_rnn_relu_input) { return elman(ctx, RNN_RELU, in, nin, out); }

/* ---- packed sequences: aten::lstm.data, gru.data, rnn_tanh.data, rnn_relu.data ----
 * (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
 * bidirectional): data [sum(batch_sizes), I] is unpacked into a padded
 * [T, B, I], run with the step batch sizes, and the output packed back. */

ts_status rnn_packed_op(Ctx *ctx, IValue *in, int nin, IValue *out, const OpInfo *info) {
    const char *name = info && info->schema ? info->schema->name + 6 : "lstm";
    RnnMode mode = strcmp(name, "lstm") == 0 ? RNN_LSTM : strcmp(name, "gru") == 0 ? RNN_GRU
                   : strcmp(name, "rnn_relu") == 0 ? RNN_RELU : RNN_TANH;
    RnnArgs a = {.mode = mode, .op = name};
    Tensor *data, *bt;
    TS_TRY(op_tensor(ctx, name, in, nin, 0, &data));
    TS_TRY(op_tensor(ctx, name, in, nin, 1, &bt));
    TS_TRY(seq_check(ctx, name, "input", data, 2));
    if (bt->ndim != 1 || bt->dtype != DT_INT64 || bt->sizes[0] < 1)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: batch_sizes must be a non-empty 1D int64 tensor", name);
    if (in[3].kind != IV_LIST) return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: params must be a list of tensors", name);
    int64_t T = bt->sizes[0], I = data->sizes[1], sum = 0;
    int64_t *bs = ts_xmalloc(sizeof(int64_t) * (size_t)T);
    for (int64_t t = 0; t < T; t++) {
        bs[t] = tensor_get_i64(bt, t);
        if (bs[t] < 1 || (t && bs[t] > bs[t - 1])) {
            ts_free(bs);
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: batch_sizes must be positive and non-increasing", name);
        }
        sum += bs[t];
    }
    int64_t B = bs[0];
    if (sum != data->sizes[0]) {
        ts_free(bs);
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: batch_sizes add up to %" PRId64 " rows, data has %" PRId64, name,
                       sum, data->sizes[0]);
    }
    a.bs = bs;
    a.params = in[3].u.l;
    a.has_biases = op_bool(in[4]);
    a.num_layers = op_int(in[5]);
    a.dropout = iv_scalar_f64(in[6]);
    a.train = op_bool(in[7]);
    a.bidirectional = op_bool(in[8]);
    ts_status st = TS_OK;
    if (mode == RNN_LSTM) {
        if (in[2].kind != IV_LIST || in[2].u.l->len != 2 || in[2].u.l->items[0].kind != IV_TENSOR ||
            in[2].u.l->items[1].kind != IV_TENSOR)
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "lstm: Expected hx to be a list of two tensors (h0, c0)");
        else {
            a.h0 = in[2].u.l->items[0].u.t;
            a.c0 = in[2].u.l->items[1].u.t;
        }
    } else if (in[2].kind != IV_TENSOR) {
        st = ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: hx must be a tensor", name);
    } else {
        a.h0 = in[2].u.t;
    }
    if (st != TS_OK) {
        ts_free(bs);
        return st;
    }
    int64_t ps[3] = {T, B, I};
    Tensor *x = tensor_contiguous(ctx, data), *padded = tensor_empty(ctx, DT_FLOAT32, ps, 3), *packed = NULL;
    Tensor *o = NULL, *h = NULL, *c = NULL;
    if (!x || !padded) goto fail;
    const float *src = tensor_data(x);
    float *dst = tensor_data(padded);
    for (int64_t t = 0; t < T; t++)
        for (int64_t b = 0; b < bs[t]; b++, src += I) memcpy(dst + (t * B + b) * I, src, sizeof(float) * (size_t)I);
    a.input = padded;
    if (rnn_run(ctx, &a, &o, &h, mode == RNN_LSTM ? &c : NULL) != TS_OK) goto fail;
    int64_t F = o->sizes[2], qs[2] = {sum, F};
    if (!(packed = tensor_new_uninit(ctx, DT_FLOAT32, qs, 2))) goto fail;
    const float *os = tensor_data(o);
    float *q = tensor_data(packed);
    for (int64_t t = 0; t < T; t++)
        for (int64_t b = 0; b < bs[t]; b++, q += F) memcpy(q, os + (t * B + b) * F, sizeof(float) * (size_t)F);
    out[0] = iv_tensor_steal(packed);
    out[1] = iv_tensor_steal(h);
    if (mode == RNN_LSTM) out[2] = iv_tensor_steal(c);
    tensor_release(o);
    tensor_release(x);
    tensor_release(padded);
    ts_free(bs);
    return TS_OK;
fail:
    st = ctx->status;
    tensor_release(o);
    tensor_release(h);
    tensor_release(c);
    tensor_release(x);
    tensor_release(padded);
    ts_free(bs);
    return st;
}
