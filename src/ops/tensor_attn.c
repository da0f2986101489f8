/*
 * tensor_attn.c - attention: aten::baddbmm, the 1.13 fast paths of
 * nn.MultiheadAttention (aten::_native_multi_head_attention) and of
 * nn.TransformerEncoderLayer (aten::_transformer_encoder_layer_fwd).
 *
 * The fused ops follow aten/src/ATen/native/transformers/attention.cpp and
 * transformer.cpp of PyTorch 1.13 (CPU): q, k, v are projections of the
 * inputs by the rows of qkv_weight, q is rescaled by 1 / sqrt(head_dim)
 * after adding its bias, the scores q k^T of each head go through a masked
 * softmax (a mask element that is true, or non-zero, hides that key; a row
 * with every key hidden gives zeros), are multiplied by v, and the heads'
 * results, side by side, go through the output projection. Inputs are
 * batch-first [B, T, D]; query, key and value have one shape. need_weights
 * returns the softmax (averaged over heads when average_attn_weights), and
 * otherwise None, as PyTorch's undefined tensor reads from TorchScript.
 * float32 only. The encoder layer also takes the nested stand-in of
 * tensor_mask.c (its padding mask acts as a key padding mask) and returns one.
 */
#include <math.h>

#include <inttypes.h>

#include "ops/seq_util.h"

/* ---- baddbmm ---- */

OPFN(top_baddbmm) {
    const char *op = "baddbmm";
    Tensor *self, *b1, *b2;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &self));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b1));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &b2));
    if (b1->ndim != 3) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: batch1 must be a 3D tensor", op);
    if (b2->ndim != 3) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: batch2 must be a 3D tensor", op);
    int64_t B = b1->sizes[0], N = b1->sizes[1], K = b1->sizes[2], P = b2->sizes[2];
    if (b2->sizes[0] != B)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: batch1 and batch2 must have same number of batches, got %" PRId64
                       " and %" PRId64, op, B, b2->sizes[0]);
    if (b2->sizes[1] != K)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Incompatible matrix sizes for bmm (%" PRId64 "x%" PRId64 " and %" PRId64
                       "x%" PRId64 ")", op, N, K, b2->sizes[1], P);
    DType dt = b1->dtype;
    if (b2->dtype != dt || self->dtype != dt)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected self, batch1 and batch2 of one dtype, got %s, %s and %s", op,
                       dtype_name(self->dtype), dtype_name(dt), dtype_name(b2->dtype));
    if (dt != DT_FLOAT32 && dt != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: only float32 and float64 are supported, got %s", op,
                       dtype_name(dt));
    double beta = iv_scalar_f64(in[3]), alpha = iv_scalar_f64(in[4]);
    int64_t rs[3] = {B, N, P};
    Tensor *r = tensor_new_uninit(ctx, dt, rs, 3);
    if (!r) return ctx->status;
    if (beta != 0) {
        Tensor *x = tensor_expand(ctx, self, rs, 3);
        if (!x) {
            tensor_release(r);
            return ctx->status;
        }
        tensor_copy_into(r, x);
        tensor_release(x);
    }
    const KernelBackend *be = kernels_backend();
    size_t es = dtype_size(dt);
    for (int64_t b = 0; b < B; b++) {
        const char *pa = (const char *)tensor_data(b1) + (size_t)(b * b1->strides[0]) * es;
        const char *pb = (const char *)tensor_data(b2) + (size_t)(b * b2->strides[0]) * es;
        char *pc = (char *)tensor_data(r) + (size_t)(b * N * P) * es;
        if (K == 0) {
            /* no products: the result is beta * self (or zeros) */
            for (int64_t i = 0; i < N * P; i++) {
                double v = beta != 0 ? beta * dtype_load_f64(dt, pc + (size_t)i * es) : 0;
                dtype_store_f64(dt, pc + (size_t)i * es, v);
            }
        } else if (dt == DT_FLOAT32)
            be->sgemm(N, P, K, (float)alpha, (const float *)pa, b1->strides[1], b1->strides[2], (const float *)pb,
                      b2->strides[1], b2->strides[2], (float)beta, (float *)pc, P, 1);
        else
            be->dgemm(N, P, K, alpha, (const double *)pa, b1->strides[1], b1->strides[2], (const double *)pb,
                      b2->strides[1], b2->strides[2], beta, (double *)pc, P, 1);
    }
    return op_return(out, r);
}

/* ---- multi-head attention ---- */

typedef struct Mha {
    Tensor *q, *k, *v;
    int64_t embed_dim, num_heads;
    Tensor *qkv_w, *qkv_b, *proj_w, *proj_b;
    Tensor *mask;      /* NULL: none */
    int64_t mask_type; /* 0: [T, T] attention mask, 1: [B, T] key padding, -1: None */
    bool need_weights, average;
} Mha;

static ts_status mha_validate(Ctx *ctx, const char *op, const Mha *m) {
    const int64_t D = m->embed_dim;
    if (m->q->ndim != 3) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 3-D `query`, got %d-D tensor", op, m->q->ndim);
    if (m->q->sizes[2] != D)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: passed-in embed_dim %" PRId64 " didn't match last dim of query %" PRId64, op,
                       D, m->q->sizes[2]);
    if (m->k->ndim != 3) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 3-D `key`, got %d-D tensor", op, m->k->ndim);
    if (m->v->ndim != 3) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 3-D `value`, got %d-D tensor", op, m->v->ndim);
    for (int i = 0; i < 3; i++)
        if (m->q->sizes[i] != m->k->sizes[i] || m->k->sizes[i] != m->v->sizes[i])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected `query`/`key`/`value` shapes to match", op);
    if (m->qkv_w->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 2-D `qkv_weight`, got %d-D tensor", op, m->qkv_w->ndim);
    if (m->qkv_w->sizes[0] != 3 * D)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected `qkv_weight` first dim to be 3x embed_dim", op);
    if (m->qkv_w->sizes[1] != D)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected `qkv_weight` second dim to be embed_Dim", op);
    if (m->qkv_b->ndim != 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 1-D `qkv_bias`, got %d-D tensor", op, m->qkv_b->ndim);
    if (m->qkv_b->sizes[0] != 3 * D)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected `qkv_bias` first dim and first dim of query to be equal", op);
    if (m->num_heads <= 0 || D % m->num_heads != 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: `embed_dim` must divide evenly by `num_heads`", op);
    if (m->proj_w->ndim != 2 || m->proj_w->sizes[0] != D || m->proj_w->sizes[1] != D) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected `proj_weight` of shape [%" PRId64 ", %" PRId64 "], got %s", op, D, D,
                       op_shape(&s, m->proj_w));
    }
    if (m->proj_b->ndim != 1 || m->proj_b->sizes[0] != D) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected `proj_bias` of shape [%" PRId64 "], got %s", op, D,
                       op_shape(&s, m->proj_b));
    }
    TS_TRY(seq_check(ctx, op, "query", m->q, 3));
    TS_TRY(seq_check(ctx, op, "key", m->k, 3));
    TS_TRY(seq_check(ctx, op, "value", m->v, 3));
    TS_TRY(seq_check(ctx, op, "qkv_weight", m->qkv_w, 2));
    TS_TRY(seq_check(ctx, op, "qkv_bias", m->qkv_b, 1));
    TS_TRY(seq_check(ctx, op, "proj_weight", m->proj_w, 2));
    TS_TRY(seq_check(ctx, op, "proj_bias", m->proj_b, 1));
    return TS_OK;
}

/* The mask as a contiguous bool [B, H, T, T] tensor (true: hidden). As in
 * PyTorch 1.13 on CPU, mask_type must be 1 (a [B, T] key padding mask) or
 * 2 (a mask of the scores' shape [B, H, T, T]); 0 (a [T, T] source mask)
 * is not supported there. */
static Tensor *mha_mask(Ctx *ctx, const char *op, const Mha *m, int64_t B, int64_t H, int64_t T) {
    Tensor *mk = m->mask, *v = NULL, *r = NULL;
    int64_t full[4] = {B, H, T, T};
    if (mk->ndim == 2 && mk->sizes[0] != B) {
        ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected attn_mask->sizes()[0] == batch_size to be true, but got false.", op);
        return NULL;
    }
    if (m->mask_type < 0) {
        ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Mask Type should be defined", op);
        return NULL;
    }
    if (m->mask_type == 0) {
        ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: src_mask not currently supported on CPU", op);
        return NULL;
    }
    bool fits = m->mask_type == 1 ? mk->ndim == 2 && mk->sizes[1] == T
                                  : m->mask_type == 2 && mk->ndim == 4 && !memcmp(mk->sizes, full, sizeof full);
    if (!fits) {
        ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Mask shape should match input shape", op);
        return NULL;
    }
    if (m->mask_type == 1) {
        int64_t vs[4] = {B, H, T, T}, vst[4] = {mk->strides[0], 0, 0, mk->strides[1]};
        v = tensor_view(ctx, mk->storage, mk->dtype, mk->storage_offset, vs, vst, 4);
    } else v = tensor_retain(mk);
    if (v && (r = tensor_new_uninit(ctx, DT_BOOL, full, 4)))
        tensor_copy_into(r, v); /* converts a non-bool mask: non-zero hides */
    tensor_release(v);
    return r;
}

/* The attention of m: *out [B, T, D] and, with need_weights, *weights
 * ([B, T, T] averaged or [B, H, T, T]); otherwise *weights is NULL. */
static ts_status mha_run(Ctx *ctx, const char *op, const Mha *m, Tensor **out, Tensor **weights) {
    TS_TRY(mha_validate(ctx, op, m));
    const int64_t B = m->q->sizes[0], T = m->q->sizes[1], D = m->embed_dim, H = m->num_heads, dh = D / H;
    Tensor *in3[3] = {NULL, NULL, NULL}, *qkv = NULL, *scores = NULL, *attn = NULL, *mask = NULL, *r = NULL, *w = NULL;
    int64_t qkv_s[3] = {3, B * T, D}, sc_s[4] = {B, H, T, T}, o_s[3] = {B, T, D};
    if (!(in3[0] = tensor_contiguous(ctx, m->q)) || !(in3[1] = tensor_contiguous(ctx, m->k)) ||
        !(in3[2] = tensor_contiguous(ctx, m->v)) || !(qkv = tensor_new_uninit(ctx, DT_FLOAT32, qkv_s, 3)) ||
        !(scores = tensor_new_uninit(ctx, DT_FLOAT32, sc_s, 4)) || !(attn = tensor_new_uninit(ctx, DT_FLOAT32, o_s, 3)) ||
        !(r = tensor_new_uninit(ctx, DT_FLOAT32, o_s, 3)))
        goto fail;
    if (m->mask && !(mask = mha_mask(ctx, op, m, B, H, T))) goto fail;
    float *q = tensor_data(qkv), *k = q + B * T * D, *v = k + B * T * D;
    float *S = tensor_data(scores), *A = tensor_data(attn);
    for (int i = 0; i < 3; i++)
        seq_gemm_nt(B * T, D, D, tensor_data(in3[i]), D, m->qkv_w, i * D, m->qkv_b, i * D, q + i * B * T * D, D, false);
    const float inv_sqrt = (float)(1.0 / (double)sqrtf((float)dh));
    for (int64_t i = 0; i < B * T * D; i++) q[i] = q[i] * inv_sqrt;
    const KernelBackend *be = kernels_backend();
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < H; h++)
            if (T > 0 && dh > 0)
                be->sgemm(T, T, dh, 1, q + b * T * D + h * dh, D, 1, k + b * T * D + h * dh, 1, D, 0,
                          S + (b * H + h) * T * T, T, 1);
            else
                for (int64_t i = 0; i < T * T; i++) S[(b * H + h) * T * T + i] = 0;
    kref_masked_softmax_f32(S, B * H * T, T, mask ? (const bool *)tensor_data(mask) : NULL);
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < H; h++)
            if (T > 0 && dh > 0)
                be->sgemm(T, dh, T, 1, S + (b * H + h) * T * T, T, 1, v + b * T * D + h * dh, D, 1, 0,
                          A + b * T * D + h * dh, D, 1);
    seq_gemm_nt(B * T, D, D, A, D, m->proj_w, 0, m->proj_b, 0, tensor_data(r), D, false);
    if (m->need_weights) {
        if (m->average) {
            int64_t ws[3] = {B, T, T};
            if (!(w = tensor_new_uninit(ctx, DT_FLOAT32, ws, 3))) goto fail;
            float *W = tensor_data(w);
            for (int64_t b = 0; b < B; b++)
                for (int64_t i = 0; i < T * T; i++) {
                    float s = 0;
                    for (int64_t h = 0; h < H; h++) s += S[(b * H + h) * T * T + i];
                    W[b * T * T + i] = s / (float)H;
                }
        } else w = tensor_retain(scores);
    }
    for (int i = 0; i < 3; i++) tensor_release(in3[i]);
    tensor_release(qkv);
    tensor_release(scores);
    tensor_release(attn);
    tensor_release(mask);
    *out = r;
    *weights = w;
    return TS_OK;
fail:
    for (int i = 0; i < 3; i++) tensor_release(in3[i]);
    tensor_release(qkv);
    tensor_release(scores);
    tensor_release(attn);
    tensor_release(mask);
    tensor_release(r);
    return ctx->status;
}

static ts_status opt_int(IValue v, int64_t *out) {
    *out = v.kind == IV_NONE ? -1 : op_int(v);
    return TS_OK;
}

OPFN(top__native_multi_head_attention) {
    const char *op = "_native_multi_head_attention";
    Mha m = {0};
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &m.q));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &m.k));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &m.v));
    m.embed_dim = op_int(in[3]);
    m.num_heads = op_int(in[4]);
    TS_TRY(op_tensor(ctx, op, in, nin, 5, &m.qkv_w));
    TS_TRY(op_tensor(ctx, op, in, nin, 6, &m.qkv_b));
    TS_TRY(op_tensor(ctx, op, in, nin, 7, &m.proj_w));
    TS_TRY(op_tensor(ctx, op, in, nin, 8, &m.proj_b));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 9, &m.mask));
    m.need_weights = op_bool(in[10]);
    m.average = op_bool(in[11]);
    TS_TRY(opt_int(in[12], &m.mask_type));
    Tensor *r, *w;
    TS_TRY(mha_run(ctx, op, &m, &r, &w));
    out[0] = iv_tensor_steal(r);
    out[1] = w ? iv_tensor_steal(w) : iv_none();
    return TS_OK;
}

/* ---- the fused encoder layer ---- */

/* x += y (same shape, contiguous float32). */
static void add_into(Tensor *x, const Tensor *y) {
    float *a = tensor_data(x);
    const float *b = tensor_data(y);
    for (int64_t i = 0, n = tensor_numel(x); i < n; i++) a[i] = a[i] + b[i];
}

OPFN(top__transformer_encoder_layer_fwd) {
    const char *op = "_transformer_encoder_layer_fwd";
    Tensor *src, *t[14];
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &src));
    /* qkv_weight, qkv_bias, proj_weight, proj_bias at 3..6; the norms and ffn at 10..17 */
    static const int idx[12] = {3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 17};
    for (int i = 0; i < 12; i++) TS_TRY(op_tensor(ctx, op, in, nin, idx[i], &t[i]));
    Mha m = {0};
    m.embed_dim = op_int(in[1]);
    m.num_heads = op_int(in[2]);
    m.qkv_w = t[0], m.qkv_b = t[1], m.proj_w = t[2], m.proj_b = t[3];
    bool use_gelu = op_bool(in[7]), norm_first = op_bool(in[8]);
    double eps = iv_scalar_f64(in[9]);
    Tensor *nw1 = t[4], *nb1 = t[5], *nw2 = t[6], *nb2 = t[7], *w1 = t[8], *b1 = t[9], *w2 = t[10], *b2 = t[11];
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 18, &m.mask));
    TS_TRY(opt_int(in[19], &m.mask_type));
    TS_TRY(seq_check(ctx, op, "src", src, 3));
    /* a nested stand-in (tensor_mask.c): each sequence attends to its own positions */
    if (src->nested_pad) {
        if (m.mask)
            return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: a mask together with a nested tensor input is not supported", op);
        m.mask = src->nested_pad;
        m.mask_type = 1;
    }
    const int64_t D = m.embed_dim;
    if (src->sizes[2] != D)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: passed-in embed_dim %" PRId64 " didn't match last dim of src %" PRId64, op, D,
                       src->sizes[2]);
    TS_TRY(seq_check(ctx, op, "ffn_weight_1", w1, 2));
    TS_TRY(seq_check(ctx, op, "ffn_weight_2", w2, 2));
    TS_TRY(seq_check(ctx, op, "ffn_bias_1", b1, 1));
    TS_TRY(seq_check(ctx, op, "ffn_bias_2", b2, 1));
    const int64_t F = w1->sizes[0];
    if (w1->sizes[1] != D || w2->sizes[0] != D || w2->sizes[1] != F || b1->sizes[0] != F || b2->sizes[0] != D) {
        ShapeText s1, s2;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: feed-forward weights of shapes %s and %s do not fit embed_dim %" PRId64, op,
                       op_shape(&s1, w1), op_shape(&s2, w2), D);
    }
    const int64_t B = src->sizes[0], T = src->sizes[1];
    Tensor *x = NULL, *a = NULL, *aw = NULL, *pre = NULL, *hid = NULL, *y = NULL;
    ts_status st = TS_OK;
    int64_t hs[3] = {B, T, F};
    if (norm_first) st = seq_layer_norm(ctx, src, &D, 1, nw1, nb1, eps, &x);
    else x = tensor_retain(src);
    if (st != TS_OK) goto fail_st;
    m.q = m.k = m.v = x;
    m.need_weights = false;
    if ((st = mha_run(ctx, op, &m, &a, &aw)) != TS_OK) goto fail_st;
    tensor_release(x);
    x = NULL;
    {
        Tensor *sc = tensor_contiguous(ctx, src);
        if (!sc) goto fail;
        add_into(a, sc);
        tensor_release(sc);
    }
    if (!norm_first) {
        if ((st = seq_layer_norm(ctx, a, &D, 1, nw1, nb1, eps, &pre)) != TS_OK) goto fail_st;
        tensor_release(a);
    } else pre = a;
    a = NULL;
    if (norm_first) {
        if ((st = seq_layer_norm(ctx, pre, &D, 1, nw2, nb2, eps, &x)) != TS_OK) goto fail_st;
    } else x = tensor_retain(pre);
    if (!(hid = tensor_new_uninit(ctx, DT_FLOAT32, hs, 3)) || !(y = tensor_new_uninit(ctx, DT_FLOAT32, src->sizes, 3)))
        goto fail;
    seq_gemm_nt(B * T, F, D, tensor_data(x), D, w1, 0, b1, 0, tensor_data(hid), F, false);
    kref_unary(use_gelu ? UNARY_GELU : UNARY_RELU, hid, hid, 0, 0);
    seq_gemm_nt(B * T, D, F, tensor_data(hid), F, w2, 0, b2, 0, tensor_data(y), D, false);
    add_into(y, pre);
    tensor_release(x);
    tensor_release(hid);
    tensor_release(pre);
    x = hid = pre = NULL;
    if (!norm_first) {
        Tensor *z = NULL;
        st = seq_layer_norm(ctx, y, &D, 1, nw2, nb2, eps, &z);
        tensor_release(y);
        if (st != TS_OK) return st;
        y = z;
    }
    if (src->nested_pad) y->nested_pad = tensor_retain(src->nested_pad);
    return op_return(out, y);
fail:
    st = ctx->status;
fail_st:
    tensor_release(x);
    tensor_release(a);
    tensor_release(pre);
    tensor_release(hid);
    tensor_release(y);
    return st;
}
