/*
 * tensor_nn3.c - more ops of the nn library's forwards: adaptive max
 * pooling (1-d to 3-d, values and indices) and adaptive average pooling in
 * 3-d, the RNN and GRU cells, cosine_similarity, pairwise_distance, and
 * aten::item.
 *
 * As tensor_nn2.c: operands are converted to contiguous float64, computed
 * with plain loops and rounded once to the input's dtype; indices are
 * exact. 1-d and 2-d pooling are 3-d with leading size-1 dims; adaptive
 * windows are PyTorch's [floor(o*in/out), ceil((o+1)*in/out)).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/tensor_ops.h"

/* ---- adaptive pooling ---- */

static int64_t win_lo(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
static int64_t win_hi(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

static ts_status adaptive(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int nsp, bool is_max) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t os[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, in[1], os, &n));
    if (n == 1)
        for (int d = 1; d < nsp; d++) os[d] = os[0];
    else if (n != nsp)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: output_size must be %d", op, nsp);
    if (x->ndim != nsp + 1 && x->ndim != nsp + 2) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected %dD or %dD tensor, but got %s", op, nsp + 1, nsp + 2,
                       op_shape(&s, x));
    }
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input, but got %s", op, dtype_name(x->dtype));
    int b = x->ndim - nsp;
    int64_t is3[3] = {1, 1, 1}, os3[3] = {1, 1, 1}, planes = 1, osz[TS_MAX_DIMS];
    for (int i = 0; i < b; i++) planes *= x->sizes[i], osz[i] = x->sizes[i];
    for (int d = 0; d < nsp; d++) {
        if (x->sizes[b + d] <= 0 || os[d] < 0) {
            ShapeText s;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected input to have non-zero size for non-batch dimensions, but input has sizes %s",
                           op, op_shape(&s, x));
        }
        is3[3 - nsp + d] = x->sizes[b + d];
        os3[3 - nsp + d] = os[d];
        osz[b + d] = os[d];
    }
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64), *y = NULL, *ix = NULL;
    if (!xd || !(y = tensor_new_uninit(ctx, DT_FLOAT64, osz, x->ndim)) ||
        (is_max && !(ix = tensor_new_uninit(ctx, DT_INT64, osz, x->ndim)))) {
        tensor_release(xd), tensor_release(y);
        return ctx->status;
    }
    const double *X = tensor_data(xd);
    double *Y = tensor_data(y);
    int64_t *I = ix ? tensor_data(ix) : NULL, ipl = is3[0] * is3[1] * is3[2], opl = os3[0] * os3[1] * os3[2];
    for (int64_t c = 0; c < planes; c++)
        for (int64_t a = 0; a < os3[0]; a++)
            for (int64_t h = 0; h < os3[1]; h++)
                for (int64_t w = 0; w < os3[2]; w++) {
                    int64_t d0 = win_lo(a, is3[0], os3[0]), d1 = win_hi(a, is3[0], os3[0]);
                    int64_t h0 = win_lo(h, is3[1], os3[1]), h1 = win_hi(h, is3[1], os3[1]);
                    int64_t w0 = win_lo(w, is3[2], os3[2]), w1 = win_hi(w, is3[2], os3[2]);
                    const double *p = X + c * ipl;
                    double v = is_max ? -INFINITY : 0;
                    int64_t bi = (d0 * is3[1] + h0) * is3[2] + w0;
                    for (int64_t i = d0; i < d1; i++)
                        for (int64_t j = h0; j < h1; j++)
                            for (int64_t k = w0; k < w1; k++) {
                                int64_t o = (i * is3[1] + j) * is3[2] + k;
                                if (!is_max) v += p[o];
                                else if (!isnan(v) && (p[o] > v || isnan(p[o]))) v = p[o], bi = o;
                            }
                    int64_t oo = c * opl + (a * os3[1] + h) * os3[2] + w;
                    Y[oo] = is_max ? v : v / (double)((d1 - d0) * (h1 - h0) * (w1 - w0));
                    if (I) I[oo] = bi;
                }
    tensor_release(xd);
    y = op_cast_steal(ctx, y, x->dtype);
    if (!y) {
        tensor_release(ix);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(y);
    if (ix) out[1] = iv_tensor_steal(ix);
    return TS_OK;
}

OPFN(top_adaptive_max_pool1d) { return adaptive(ctx, "adaptive_max_pool1d", in, nin, out, 1, true); }
OPFN(top_adaptive_max_pool2d) { return adaptive(ctx, "adaptive_max_pool2d", in, nin, out, 2, true); }
OPFN(top_adaptive_max_pool3d) { return adaptive(ctx, "adaptive_max_pool3d", in, nin, out, 3, true); }
OPFN(top_adaptive_avg_pool3d) { return adaptive(ctx, "adaptive_avg_pool3d", in, nin, out, 3, false); }

/* ---- RNN / GRU cells ---- */

/* y (B x G) = x (B x I) W^T (G x I) + b */
static void affine_rows(double *y, const double *x, const double *W, const double *b, int64_t B, int64_t I, int64_t G) {
    for (int64_t r = 0; r < B; r++)
        for (int64_t g = 0; g < G; g++) {
            double s = b ? b[g] : 0;
            for (int64_t i = 0; i < I; i++) s += x[r * I + i] * W[g * I + i];
            y[r * G + g] = s;
        }
}

static ts_status cell(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool gru) {
    Tensor *t[6];
    for (int i = 0; i < 4; i++) TS_TRY(op_tensor(ctx, op, in, nin, i, &t[i]));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 4, &t[4]));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 5, &t[5]));
    Tensor *x = t[0], *h = t[1];
    int64_t gates = gru ? 3 : 1;
    if (x->ndim < 1 || x->ndim > 2 || h->ndim != x->ndim || t[2]->ndim != 2 || t[3]->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 1-D or 2-D input and hidden state and 2-D weights", op);
    int64_t B = x->ndim == 2 ? x->sizes[0] : 1, I = x->sizes[x->ndim - 1], H = h->sizes[h->ndim - 1];
    if ((x->ndim == 2 && h->sizes[0] != B) || t[2]->sizes[0] != gates * H || t[2]->sizes[1] != I ||
        t[3]->sizes[0] != gates * H || t[3]->sizes[1] != H || (t[4] && tensor_numel(t[4]) != gates * H) ||
        (t[5] && tensor_numel(t[5]) != gates * H)) {
        ShapeText a, b2, c;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input %s, hidden %s and weight_ih %s do not fit", op, op_shape(&a, x),
                       op_shape(&b2, h), op_shape(&c, t[2]));
    }
    Tensor *d[6] = {NULL};
    double *gi = NULL, *gh = NULL;
    for (int i = 0; i < 6; i++)
        if (t[i]) {
            if (!dtype_is_float(t[i]->dtype)) {
                ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected floating-point tensors", op);
                goto fail;
            }
            if (!(d[i] = tensor_to_dtype(ctx, t[i], DT_FLOAT64))) goto fail;
        }
    Tensor *y = tensor_new_uninit(ctx, DT_FLOAT64, h->sizes, h->ndim);
    gi = ts_malloc(sizeof(double) * (size_t)(B * gates * H + 1));
    gh = ts_malloc(sizeof(double) * (size_t)(B * gates * H + 1));
    if (!y || !gi || !gh) {
        tensor_release(y);
        if (y) ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
        goto fail;
    }
    affine_rows(gi, tensor_data(d[0]), tensor_data(d[2]), d[4] ? tensor_data(d[4]) : NULL, B, I, gates * H);
    affine_rows(gh, tensor_data(d[1]), tensor_data(d[3]), d[5] ? tensor_data(d[5]) : NULL, B, H, gates * H);
    const double *hp = tensor_data(d[1]);
    double *Y = tensor_data(y);
    for (int64_t r = 0; r < B; r++)
        for (int64_t j = 0; j < H; j++) {
            const double *a = gi + r * gates * H, *c = gh + r * gates * H;
            if (!gru) {
                Y[r * H + j] = tanh(a[j] + c[j]);
                continue;
            }
            double rg = 1 / (1 + exp(-(a[j] + c[j]))), z = 1 / (1 + exp(-(a[H + j] + c[H + j])));
            double nn = tanh(a[2 * H + j] + rg * c[2 * H + j]);
            Y[r * H + j] = (1 - z) * nn + z * hp[r * H + j];
        }
    ts_free(gi), ts_free(gh);
    for (int i = 0; i < 6; i++) tensor_release(d[i]);
    y = op_cast_steal(ctx, y, x->dtype);
    return y ? op_return(out, y) : ctx->status;
fail:
    ts_free(gi), ts_free(gh);
    for (int i = 0; i < 6; i++) tensor_release(d[i]);
    return ctx->status;
}

OPFN(top_rnn_tanh_cell) { return cell(ctx, "rnn_tanh_cell", in, nin, out, false); }
OPFN(top_gru_cell) { return cell(ctx, "gru_cell", in, nin, out, true); }

/* ---- distances ---- */

/* a and b broadcast to one shape, as contiguous float64 (owned). */
static ts_status broadcast2(Ctx *ctx, const char *op, Tensor *a, Tensor *b, Tensor **da, Tensor **db) {
    int64_t sz[TS_MAX_DIMS];
    int nd = 0;
    *da = *db = NULL;
    if (!dtype_is_float(a->dtype) || !dtype_is_float(b->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected floating-point inputs", op);
    TS_TRY(tensor_broadcast_shapes(ctx, op, a->sizes, a->ndim, b->sizes, b->ndim, sz, &nd));
    Tensor *ea = tensor_expand(ctx, a, sz, nd), *eb = NULL;
    if (!ea || !(eb = tensor_expand(ctx, b, sz, nd)) || !(*da = tensor_to_dtype(ctx, ea, DT_FLOAT64)) ||
        !(*db = tensor_to_dtype(ctx, eb, DT_FLOAT64))) {
        tensor_release(ea), tensor_release(eb), tensor_release(*da);
        *da = NULL;
        return ctx->status;
    }
    tensor_release(ea), tensor_release(eb);
    return TS_OK;
}

/* The shape of t without dim d (or with it as 1 when keepdim). */
static int drop_dim(const Tensor *t, int d, bool keepdim, int64_t *sz) {
    int n = 0;
    for (int i = 0; i < t->ndim; i++)
        if (i != d) sz[n++] = t->sizes[i];
        else if (keepdim) sz[n++] = 1;
    return n;
}

OPFN(top_cosine_similarity) {
    const char *op = "cosine_similarity";
    Tensor *a, *b, *da, *db;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    double eps = iv_scalar_f64(in[3]);
    TS_TRY(broadcast2(ctx, op, a, b, &da, &db));
    int d;
    ts_status st = op_wrap_dim(ctx, op, op_int(in[2]), da->ndim, &d);
    int64_t sz[TS_MAX_DIMS];
    Tensor *y = NULL;
    if (st == TS_OK) y = tensor_new_uninit(ctx, DT_FLOAT64, sz, drop_dim(da, d, false, sz));
    if (!y) {
        tensor_release(da), tensor_release(db);
        return ctx->status;
    }
    int64_t n = da->ndim ? da->sizes[d] : 1, outer = 1, inner = 1;
    for (int i = 0; i < d; i++) outer *= da->sizes[i];
    for (int i = d + 1; i < da->ndim; i++) inner *= da->sizes[i];
    const double *A = tensor_data(da), *B = tensor_data(db);
    double *Y = tensor_data(y);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            double w = 0, n1 = 0, n2 = 0;
            for (int64_t k = 0; k < n; k++) {
                double p = A[(o * n + k) * inner + j], q = B[(o * n + k) * inner + j];
                w += p * q, n1 += p * p, n2 += q * q;
            }
            double den = n1 * n2;
            if (den < eps * eps) den = eps * eps;
            Y[o * inner + j] = w / sqrt(den);
        }
    DType dt = dtype_promote(a->dtype, b->dtype);
    tensor_release(da), tensor_release(db);
    y = op_cast_steal(ctx, y, dt);
    return y ? op_return(out, y) : ctx->status;
}

OPFN(top_pairwise_distance) {
    const char *op = "pairwise_distance";
    Tensor *a, *b, *da, *db;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    double p = iv_scalar_f64(in[2]), eps = iv_scalar_f64(in[3]);
    bool keepdim = op_bool(in[4]);
    TS_TRY(broadcast2(ctx, op, a, b, &da, &db));
    int d = da->ndim ? da->ndim - 1 : 0;
    int64_t sz[TS_MAX_DIMS];
    Tensor *y = tensor_new_uninit(ctx, DT_FLOAT64, sz, da->ndim ? drop_dim(da, d, keepdim, sz) : 0);
    if (!y) {
        tensor_release(da), tensor_release(db);
        return ctx->status;
    }
    int64_t n = da->ndim ? da->sizes[d] : 1, rows = n ? tensor_numel(da) / n : tensor_numel(y);
    const double *A = tensor_data(da), *B = tensor_data(db);
    double *Y = tensor_data(y);
    for (int64_t r = 0; r < rows; r++) {
        double s = 0;
        for (int64_t k = 0; k < n; k++) {
            double v = fabs(A[r * n + k] - B[r * n + k] + eps);
            if (isinf(p)) s = p > 0 ? fmax(s, v) : (k ? fmin(s, v) : v);
            else if (p == 0) s += v != 0;
            else s += pow(v, p);
        }
        Y[r] = isinf(p) || p == 0 ? s : pow(s, 1.0 / p);
    }
    DType dt = dtype_promote(a->dtype, b->dtype);
    tensor_release(da), tensor_release(db);
    y = op_cast_steal(ctx, y, dt);
    return y ? op_return(out, y) : ctx->status;
}

/* ---- item ---- */

OPFN(top_item) {
    Tensor *t;
    TS_TRY(op_tensor(ctx, "item", in, nin, 0, &t));
    if (tensor_numel(t) != 1)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "a Tensor with %" PRId64 " elements cannot be converted to Scalar",
                       tensor_numel(t));
    if (dtype_is_float(t->dtype)) {
        out[0].kind = IV_DOUBLE;
        out[0].u.d = tensor_get_f64(t, 0);
    } else if (t->dtype == DT_BOOL)
        out[0] = iv_bool(tensor_get_i64(t, 0) != 0);
    else
        out[0] = iv_int(tensor_get_i64(t, 0));
    return TS_OK;
}

/* aten::lstm_cell(input, [h, c], w_ih, w_hh, b_ih, b_hh) -> (h', c'): gates
 * i, f, g, o in that order (ATen's LSTMCell), c' = f c + i g, h' = o tanh(c'),
 * computed in float64 and rounded once to the input dtype. */
OPFN(top_lstm_cell) {
    const char *op = "lstm_cell";
    Tensor *t[6], *hc[2];
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &t[0]));
    if (in[1].kind != IV_LIST || in[1].u.l->len != 2 || in[1].u.l->items[0].kind != IV_TENSOR ||
        in[1].u.l->items[1].kind != IV_TENSOR)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: hx must be a list of two tensors (h, c)", op);
    hc[0] = in[1].u.l->items[0].u.t;
    hc[1] = in[1].u.l->items[1].u.t;
    t[1] = hc[0];
    for (int i = 2; i < 4; i++) TS_TRY(op_tensor(ctx, op, in, nin, i, &t[i]));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 4, &t[4]));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 5, &t[5]));
    Tensor *x = t[0], *h = hc[0], *c = hc[1];
    if (x->ndim < 1 || x->ndim > 2 || h->ndim != x->ndim || c->ndim != x->ndim || t[2]->ndim != 2 || t[3]->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected 1-D or 2-D input and hidden state and 2-D weights", op);
    int64_t B = x->ndim == 2 ? x->sizes[0] : 1, I = x->sizes[x->ndim - 1], H = h->sizes[h->ndim - 1];
    bool fits = (x->ndim == 1 || (h->sizes[0] == B && c->sizes[0] == B)) && c->sizes[c->ndim - 1] == H &&
                t[2]->sizes[0] == 4 * H && t[2]->sizes[1] == I && t[3]->sizes[0] == 4 * H && t[3]->sizes[1] == H &&
                (!t[4] || tensor_numel(t[4]) == 4 * H) && (!t[5] || tensor_numel(t[5]) == 4 * H);
    if (!fits) {
        ShapeText a, b2, w;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input %s, hidden %s and weight_ih %s do not fit", op, op_shape(&a, x),
                       op_shape(&b2, h), op_shape(&w, t[2]));
    }
    Tensor *d[6] = {NULL}, *dc = NULL, *yh = NULL, *yc = NULL;
    double *gi = NULL, *gh = NULL;
    for (int i = 0; i < 6; i++)
        if (t[i]) {
            if (!dtype_is_float(t[i]->dtype)) {
                ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected floating-point tensors", op);
                goto fail;
            }
            if (!(d[i] = tensor_to_dtype(ctx, t[i], DT_FLOAT64))) goto fail;
        }
    if (!dtype_is_float(c->dtype)) {
        ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected floating-point tensors", op);
        goto fail;
    }
    if (!(dc = tensor_to_dtype(ctx, c, DT_FLOAT64))) goto fail;
    yh = tensor_new_uninit(ctx, DT_FLOAT64, h->sizes, h->ndim);
    yc = tensor_new_uninit(ctx, DT_FLOAT64, c->sizes, c->ndim);
    gi = ts_malloc(sizeof(double) * (size_t)(B * 4 * H + 1));
    gh = ts_malloc(sizeof(double) * (size_t)(B * 4 * H + 1));
    if (!yh || !yc || !gi || !gh) {
        if (yh && yc) ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
        goto fail;
    }
    affine_rows(gi, tensor_data(d[0]), tensor_data(d[2]), d[4] ? tensor_data(d[4]) : NULL, B, I, 4 * H);
    affine_rows(gh, tensor_data(d[1]), tensor_data(d[3]), d[5] ? tensor_data(d[5]) : NULL, B, H, 4 * H);
    const double *cp = tensor_data(dc);
    double *Yh = tensor_data(yh), *Yc = tensor_data(yc);
    for (int64_t r = 0; r < B; r++)
        for (int64_t j = 0; j < H; j++) {
            const double *a = gi + r * 4 * H, *b = gh + r * 4 * H;
            double ig = 1 / (1 + exp(-(a[j] + b[j]))), fg = 1 / (1 + exp(-(a[H + j] + b[H + j])));
            double gg = tanh(a[2 * H + j] + b[2 * H + j]), og = 1 / (1 + exp(-(a[3 * H + j] + b[3 * H + j])));
            double cn = fg * cp[r * H + j] + ig * gg;
            Yc[r * H + j] = cn;
            Yh[r * H + j] = og * tanh(cn);
        }
    ts_free(gi), ts_free(gh);
    for (int i = 0; i < 6; i++) tensor_release(d[i]);
    tensor_release(dc);
    yh = op_cast_steal(ctx, yh, x->dtype);
    if (!yh) {
        tensor_release(yc);
        return ctx->status;
    }
    yc = op_cast_steal(ctx, yc, x->dtype);
    if (!yc) {
        tensor_release(yh);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(yh);
    out[1] = iv_tensor_steal(yc);
    return TS_OK;
fail:
    ts_free(gi), ts_free(gh);
    for (int i = 0; i < 6; i++) tensor_release(d[i]);
    tensor_release(dc);
    tensor_release(yh);
    tensor_release(yc);
    return ctx->status;
}
