/*
 * tensor_sdpa.c - aten::scaled_dot_product_attention, the attention of
 * PyTorch 2.x (F.scaled_dot_product_attention, and nn.MultiheadAttention /
 * TransformerEncoderLayer when they do not need the weights).
 *
 * query [..., L, E], key [..., S, E], value [..., S, Ev] (at least 2-D; the
 * leading dims broadcast) give [..., L, Ev]:
 *     out = softmax(scale * q k^T + bias) v,  scale = 1 / sqrt(E) unless given,
 * where bias comes from attn_mask (a bool mask: false hides a key, i.e.
 * adds -inf; a float mask is added) or from is_causal (key j is hidden from
 * query i when j > i: the top-left triangle, also when L != S). The two
 * cannot be combined. A row whose keys are all hidden gives zeros, as
 * PyTorch 2.5 and later do (2.1 gives NaN there). enable_gqa lets key and
 * value have fewer heads (dim -3) than query: head h of the query uses head
 * h / (Hq / Hk), as repeat_interleave does.
 *
 * dropout_p must be 0: PyTorch applies dropout here whenever dropout_p > 0,
 * even in eval mode, which makes the result random; modules pass 0 in eval
 * mode, so an archive that passes more is refused with a clear error
 * rather than run without the dropout.
 *
 * float32 and float64 compute in their own type through kernels_backend();
 * float16 and bfloat16 compute in float32 and round the result once (as
 * PyTorch's CPU math path does in its opmath type). Results match PyTorch's
 * within the rounding of the two matrix products and the softmax, not bit
 * for bit: PyTorch's CPU kernel (flash attention) blocks the sums.
 */
#include <inttypes.h>
#include <math.h>

#include "ops/seq_util.h"

typedef struct Operand3 {
    const char *base;          /* element 0 of the batch, in the compute dtype */
    int64_t bst[TS_MAX_DIMS];  /* stride per output batch dim (0: broadcast) */
    int64_t bdiv[TS_MAX_DIMS]; /* output index / bdiv (gqa heads), else 1 */
    int64_t rs, cs;            /* strides of the last two dims */
} Operand3;

/* t's leading dims, aligned to the nb output batch dims. rep: the gqa
 * factor of dim nb - 1 (1: none). */
static void operand_init(Operand3 *o, const Tensor *t, int nb, int64_t rep) {
    int tb = t->ndim - 2;
    o->base = tensor_data(t);
    for (int d = 0; d < nb; d++) {
        int td = d - (nb - tb);
        int64_t sz = td >= 0 ? t->sizes[td] : 1;
        o->bst[d] = sz == 1 ? 0 : t->strides[td];
        o->bdiv[d] = (d == nb - 1 && rep > 1) ? rep : 1;
    }
    o->rs = t->strides[t->ndim - 2];
    o->cs = t->strides[t->ndim - 1];
}

static int64_t operand_offset(const Operand3 *o, const int64_t *idx, int nb) {
    int64_t off = 0;
    for (int d = 0; d < nb; d++) off += idx[d] / o->bdiv[d] * o->bst[d];
    return off;
}

typedef struct Sdpa {
    int64_t L, S, E, Ev;
    int nb;
    int64_t ob[TS_MAX_DIMS];
    Operand3 q, k, v;
    const Tensor *mask; /* NULL, or a view of [ob..., L, S] in the compute dtype or bool */
    bool causal;
    double scale;
} Sdpa;

/* One (float, sgemm) and one (double, dgemm) version. */
#define SDPA_RUN(NAME, T, GEMM, SOFTMAX)                                                                         \
    static void NAME(const Sdpa *a, T *scores, T *out) {                                                           \
        const KernelBackend *be = kernels_backend();                                                               \
        int nb = a->nb;                                                                                            \
        int64_t nbatch = 1, idx[TS_MAX_DIMS] = {0};                                                                \
        for (int d = 0; d < nb; d++) nbatch *= a->ob[d];                                                          \
        const T *mf = NULL;                                                                                        \
        const bool *mbool = NULL;                                                                                  \
        if (a->mask && a->mask->dtype == DT_BOOL) mbool = tensor_data(a->mask);                                   \
        else if (a->mask) mf = tensor_data(a->mask);                                                               \
        int mnd = a->mask ? a->mask->ndim : 0;                                                                     \
        for (int64_t b = 0; b < nbatch; b++) {                                                                     \
            const T *q = (const T *)a->q.base + operand_offset(&a->q, idx, nb);                                  \
            const T *k = (const T *)a->k.base + operand_offset(&a->k, idx, nb);                                  \
            const T *v = (const T *)a->v.base + operand_offset(&a->v, idx, nb);                                  \
            T *o = out + b * a->L * a->Ev;                                                                         \
            if (a->E > 0)                                                                                          \
                be->GEMM(a->L, a->S, a->E, (T)a->scale, q, a->q.rs, a->q.cs, k, a->k.cs, a->k.rs, 0, scores, a->S, \
                         1);                                                                                       \
            else                                                                                                   \
                for (int64_t i = 0; i < a->L * a->S; i++) scores[i] = 0;                                          \
            if (a->mask) {                                                                                         \
                int64_t moff = 0;                                                                                  \
                for (int d = 0; d < nb; d++) moff += idx[d] * a->mask->strides[d];                                \
                int64_t mrs = a->mask->strides[mnd - 2], mcs = a->mask->strides[mnd - 1];                          \
                for (int64_t i = 0; i < a->L; i++)                                                                 \
                    for (int64_t j = 0; j < a->S; j++) {                                                           \
                        int64_t p = moff + i * mrs + j * mcs;                                                      \
                        T *s = scores + i * a->S + j;                                                              \
                        if (mbool) {                                                                               \
                            if (!mbool[p]) *s = -INFINITY;                                                         \
                        } else {                                                                                   \
                            *s = *s + mf[p];                                                                       \
                        }                                                                                          \
                    }                                                                                              \
            }                                                                                                      \
            if (a->causal)                                                                                         \
                for (int64_t i = 0; i < a->L; i++)                                                                 \
                    for (int64_t j = i + 1; j < a->S; j++) scores[i * a->S + j] = -INFINITY;                       \
            SOFTMAX(scores, a->L, a->S);                                                                           \
            if (a->S > 0 && a->Ev > 0)                                                                             \
                be->GEMM(a->L, a->Ev, a->S, 1, scores, a->S, 1, v, a->v.rs, a->v.cs, 0, o, a->Ev, 1);              \
            else                                                                                                   \
                for (int64_t i = 0; i < a->L * a->Ev; i++) o[i] = 0;                                               \
            for (int d = nb - 1; d >= 0; d--) {                                                                    \
                if (++idx[d] < a->ob[d]) break;                                                                    \
                idx[d] = 0;                                                                                        \
            }                                                                                                      \
        }                                                                                                          \
    }

SDPA_RUN(sdpa_run_f32, float, sgemm, kref_safe_softmax_f32)
SDPA_RUN(sdpa_run_f64, double, dgemm, kref_safe_softmax_f64)

/* The batch shape of t (all but the last two dims) with dim -3 multiplied by rep. */
static int batch_shape(const Tensor *t, int64_t rep, int64_t *out) {
    int n = t->ndim - 2;
    for (int d = 0; d < n; d++) out[d] = t->sizes[d];
    if (n > 0) out[n - 1] *= rep;
    return n;
}

OPFN(top_scaled_dot_product_attention) {
    const char *op = "scaled_dot_product_attention";
    Tensor *q, *k, *v, *mask;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &q));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &k));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &v));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 3, &mask));
    double dropout_p = iv_scalar_f64(in[4]);
    bool causal = op_bool(in[5]);
    bool gqa = nin > 7 && op_bool(in[7]);
    if (q->ndim < 2 || k->ndim < 2 || v->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: Expected query, key, and value to all be at least 2 dimensional, but got query.dim: %d "
                       "key.dim: %d and value.dim: %d instead.",
                       op, q->ndim, k->ndim, v->ndim);
    if (q->dtype != k->dtype || q->dtype != v->dtype)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "%s: Expected query, key, and value to have the same dtype, but got query.dtype: %s key.dtype: "
                       "%s and value.dtype: %s instead.",
                       op, dtype_name(q->dtype), dtype_name(k->dtype), dtype_name(v->dtype));
    if (!dtype_is_float(q->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating point query, key and value, got %s", op,
                       dtype_name(q->dtype));
    if (mask && mask->dtype != DT_BOOL && mask->dtype != q->dtype && mask->dtype != DT_FLOAT32)
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "%s: Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                       "attn_mask.dtype: %s and  query.dtype: %s instead.",
                       op, dtype_name(mask->dtype), dtype_name(q->dtype));
    if (mask && causal)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Explicit attn_mask should not be set when is_causal=True", op);
    if (dropout_p != 0)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL,
                       "%s: dropout_p=%g is not supported: PyTorch applies this dropout even in eval mode, so its "
                       "results are random; tscript runs inference and needs dropout_p=0 (what nn modules pass in "
                       "eval mode)",
                       op, dropout_p);
    int64_t L = q->sizes[q->ndim - 2], E = q->sizes[q->ndim - 1];
    int64_t S = k->sizes[k->ndim - 2], Ev = v->sizes[v->ndim - 1];
    if (k->sizes[k->ndim - 1] != E || v->sizes[v->ndim - 2] != S) {
        ShapeText s1, s2, s3;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s: query %s, key %s and value %s do not fit: expected key [..., S, %" PRId64
                       "] and value [..., S, Ev] with the same S",
                       op, op_shape(&s1, q), op_shape(&s2, k), op_shape(&s3, v), E);
    }
    /* grouped-query attention: key / value heads (dim -3) repeated to the query's */
    int64_t krep = 1, vrep = 1;
    if (gqa && q->ndim >= 3 && k->ndim >= 3 && v->ndim >= 3) {
        int64_t hq = q->sizes[q->ndim - 3], hk = k->sizes[k->ndim - 3], hv = v->sizes[v->ndim - 3];
        if (hk == 0 || hv == 0 || hq % hk != 0 || hq % hv != 0)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "%s: Number of heads in key and value must divide the number of heads in query (query %" PRId64
                           ", key %" PRId64 ", value %" PRId64 ")",
                           op, hq, hk, hv);
        krep = hq / hk, vrep = hq / hv;
    }
    Sdpa a = {.L = L, .S = S, .E = E, .Ev = Ev, .causal = causal};
    a.scale = in[6].kind == IV_NONE ? 1.0 / sqrt((double)E) : iv_scalar_f64(in[6]);
    int64_t qb[TS_MAX_DIMS], kb[TS_MAX_DIMS], vb[TS_MAX_DIMS], tb[TS_MAX_DIMS];
    int nq = batch_shape(q, 1, qb), nk = batch_shape(k, krep, kb), nv = batch_shape(v, vrep, vb), nt;
    TS_TRY(tensor_broadcast_shapes(ctx, op, qb, nq, kb, nk, tb, &nt));
    TS_TRY(tensor_broadcast_shapes(ctx, op, tb, nt, vb, nv, a.ob, &a.nb));
    if (a.nb + 2 > TS_MAX_DIMS) return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: too many dimensions", op);
    int64_t osz[TS_MAX_DIMS], ssz[TS_MAX_DIMS];
    memcpy(osz, a.ob, sizeof(int64_t) * (size_t)a.nb);
    memcpy(ssz, a.ob, sizeof(int64_t) * (size_t)a.nb);
    osz[a.nb] = L, osz[a.nb + 1] = Ev;
    ssz[a.nb] = L, ssz[a.nb + 1] = S;
    /* the mask must broadcast to the scores' shape [batch..., L, S] */
    if (mask) {
        int64_t ms[TS_MAX_DIMS];
        int nm;
        TS_TRY(tensor_broadcast_shapes(ctx, op, ssz, a.nb + 2, mask->sizes, mask->ndim, ms, &nm));
        if (nm != a.nb + 2) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: attn_mask of shape %s does not broadcast to the scores' shape %s",
                           op, op_shape(&s1, mask), op_sizes(&s2, ssz, a.nb + 2));
        }
    }
    size_t nscores;
    if (!ts_mul_ok((size_t)L, (size_t)S, &nscores) || !ts_mul_ok(nscores, sizeof(double), &nscores))
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: %" PRId64 " x %" PRId64 " attention scores are too many", op, L, S);
    DType ct = q->dtype == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    Tensor *qc = NULL, *kc = NULL, *vc = NULL, *mc = NULL, *mx = NULL, *r = NULL;
    void *scores = NULL;
    if (!(qc = op_as_dtype(ctx, q, ct)) || !(kc = op_as_dtype(ctx, k, ct)) || !(vc = op_as_dtype(ctx, v, ct))) goto fail;
    if (mask && !(mc = op_as_dtype(ctx, mask, mask->dtype == DT_BOOL ? DT_BOOL : ct))) goto fail;
    if (mc && !(mx = tensor_expand(ctx, mc, ssz, a.nb + 2))) goto fail;
    if (!(r = tensor_new_uninit(ctx, ct, osz, a.nb + 2))) goto fail;
    if (!(scores = ts_malloc(nscores ? nscores : 1))) {
        ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory for %" PRId64 " x %" PRId64 " attention scores", op, L, S);
        goto fail;
    }
    operand_init(&a.q, qc, a.nb, 1);
    operand_init(&a.k, kc, a.nb, krep);
    operand_init(&a.v, vc, a.nb, vrep);
    a.mask = mx;
    if (tensor_numel(r) > 0) {
        if (ct == DT_FLOAT64) sdpa_run_f64(&a, scores, tensor_data(r));
        else sdpa_run_f32(&a, scores, tensor_data(r));
    }
    ts_free(scores);
    tensor_release(qc);
    tensor_release(kc);
    tensor_release(vc);
    tensor_release(mc);
    tensor_release(mx);
    r = op_cast_steal(ctx, r, q->dtype);
    if (!r) return ctx->status;
    return op_return(out, r);
fail:
    ts_free(scores);
    tensor_release(qc);
    tensor_release(kc);
    tensor_release(vc);
    tensor_release(mc);
    tensor_release(mx);
    tensor_release(r);
    return ctx->status;
}
