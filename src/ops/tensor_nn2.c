/*
 * tensor_nn2.c - ATen ops the nn library's forwards call beyond the first
 * set: reductions with indices (max / min with and without a dim, the
 * binary max / min, argmax / argmin), instance and group norm, prelu, glu,
 * bilinear, pixel_shuffle / pixel_unshuffle, nearest and (bi/tri)linear
 * upsampling (the .vec overloads F.interpolate calls and the sized ones),
 * 3-d pooling, conv3d and transposed convolution (1-d to 3-d, groups,
 * dilation, output_padding), and a few elementwise activations.
 *
 * Correct first: every float computation converts its operands to
 * contiguous float64, computes in double with plain loops (one dtype, no
 * per-element dispatch) and rounds the result to the input's dtype once, so
 * results are within an ulp or so of PyTorch's float32 arithmetic. Spatial
 * ops treat 1-d and 2-d as 3-d with leading size-1 dims. Shapes and
 * arguments are checked with PyTorch 1.13's wording. Results are new
 * contiguous tensors; nothing owned is left behind on failure.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/tensor_ops.h"

/* ---- helpers ---- */

/* t as a new contiguous float64 tensor; float inputs only unless any_dtype. */
static ts_status f64_of(Ctx *ctx, const char *op, Tensor *t, bool any_dtype, Tensor **out) {
    *out = NULL;
    if (!any_dtype && !dtype_is_float(t->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input, but got %s", op,
                       dtype_name(t->dtype));
    *out = tensor_to_dtype(ctx, t, DT_FLOAT64);
    return *out ? TS_OK : ctx->status;
}

static double *dp(Tensor *t) { return t ? (double *)tensor_data(t) : NULL; }

/* r (float64, owned) rounded to dt as the single result. */
static ts_status give(Ctx *ctx, Tensor *r, DType dt, IValue *out) {
    r = op_cast_steal(ctx, r, dt);
    if (!r) return ctx->status;
    return op_return(out, r);
}

/* ---- max / min / argmax / argmin ---- */

/* Is a better than b for a max (sign 1) or min (sign -1)? NaN wins. */
static inline bool better(double a, double b, int sign) {
    if (isnan(b)) return false;
    if (isnan(a)) return true;
    return sign > 0 ? a > b : a < b;
}

/* Index of the best of n values spaced by `inner`. */
static int64_t best_index(const double *x, int64_t n, int64_t inner, int sign) {
    int64_t bi = 0;
    for (int64_t k = 1; k < n; k++)
        if (better(x[k * inner], x[bi * inner], sign)) bi = k;
    return bi;
}

/* Reduce x along dim: indices (int64) and, when vals is non-NULL, values in x's dtype. */
static ts_status reduce_dim(Ctx *ctx, const char *op, Tensor *x, int64_t dim, bool keepdim, int sign,
                            Tensor **vals, Tensor **idx) {
    int d;
    TS_TRY(op_wrap_dim(ctx, op, dim, x->ndim, &d));
    int64_t n = x->ndim ? x->sizes[d] : 1;
    if (n == 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s(): Expected reduction dim %d to have non-zero size.", op, d);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < d && i < x->ndim; i++) outer *= x->sizes[i];
    for (int i = d + 1; i < x->ndim; i++) inner *= x->sizes[i];
    int64_t osz[TS_MAX_DIMS];
    int on = 0;
    for (int i = 0; i < x->ndim; i++) {
        if (i == d && !keepdim) continue;
        osz[on++] = i == d ? 1 : x->sizes[i];
    }
    Tensor *xd = NULL, *xc = NULL, *vi = NULL, *ii = NULL;
    TS_TRY(f64_of(ctx, op, x, true, &xd));
    if (!(ii = tensor_new_uninit(ctx, DT_INT64, osz, on))) goto fail;
    if (vals && (!(xc = tensor_contiguous(ctx, x)) || !(vi = tensor_new_uninit(ctx, x->dtype, osz, on))))
        goto fail;
    const double *src = dp(xd);
    int64_t *ip = tensor_data(ii);
    size_t es = dtype_size(x->dtype);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            int64_t base = o * n * inner + j;
            int64_t b = best_index(src + base, n, inner, sign);
            ip[o * inner + j] = b;
            if (vi)
                memcpy((char *)tensor_data(vi) + (size_t)(o * inner + j) * es,
                       (char *)tensor_data(xc) + (size_t)(base + b * inner) * es, es);
        }
    tensor_release(xd);
    tensor_release(xc);
    *idx = ii;
    if (vals) *vals = vi;
    return TS_OK;
fail:
    tensor_release(xd);
    tensor_release(xc);
    tensor_release(vi);
    tensor_release(ii);
    return ctx->status;
}

static ts_status minmax_dim(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int sign) {
    Tensor *x, *v, *i;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(reduce_dim(ctx, op, x, op_int(in[1]), op_bool(in[2]), sign, &v, &i));
    out[0] = iv_tensor_steal(v);
    out[1] = iv_tensor_steal(i);
    return TS_OK;
}

/* max(self) / min(self): the best element as a 0-dim tensor. */
static ts_status minmax_all(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int sign) {
    Tensor *x, *v, *i;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (tensor_numel(x) == 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                       "reduction dim with the 'dim' argument.", op);
    int64_t n = tensor_numel(x);
    Tensor *flat = tensor_contiguous(ctx, x);
    if (!flat) return ctx->status;
    Tensor *view = tensor_view(ctx, flat->storage, flat->dtype, flat->storage_offset, &n, (int64_t[]){1}, 1);
    tensor_release(flat);
    if (!view) return ctx->status;
    ts_status st = reduce_dim(ctx, op, view, 0, false, sign, &v, &i);
    tensor_release(view);
    if (st) return st;
    tensor_release(i);
    return op_return(out, v);
}

/* argmax / argmin(self, dim=None, keepdim=False). */
static ts_status arg_best(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int sign) {
    Tensor *x, *i;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (in[1].kind != IV_NONE) {
        TS_TRY(reduce_dim(ctx, op, x, op_int(in[1]), op_bool(in[2]), sign, NULL, &i));
        return op_return(out, i);
    }
    int64_t n = tensor_numel(x);
    if (n == 0)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "%s(): Expected reduction dim to be specified for input.numel() == 0.", op);
    Tensor *flat = tensor_contiguous(ctx, x);
    if (!flat) return ctx->status;
    Tensor *view = tensor_view(ctx, flat->storage, flat->dtype, flat->storage_offset, &n, (int64_t[]){1}, 1);
    tensor_release(flat);
    if (!view) return ctx->status;
    ts_status st = reduce_dim(ctx, op, view, 0, false, sign, NULL, &i);
    tensor_release(view);
    if (st) return st;
    if (op_bool(in[2])) { /* keepdim with dim=None: all dims of size 1 */
        int64_t ones[TS_MAX_DIMS];
        for (int k = 0; k < x->ndim; k++) ones[k] = 1;
        int64_t zs[TS_MAX_DIMS] = {0};
        Tensor *k1 = tensor_view(ctx, i->storage, DT_INT64, i->storage_offset, ones, zs, x->ndim);
        tensor_release(i);
        if (!k1) return ctx->status;
        i = k1;
    }
    return op_return(out, i);
}

OPFN(top_max_dim) { return minmax_dim(ctx, "max", in, nin, out, 1); }
OPFN(top_min_dim) { return minmax_dim(ctx, "min", in, nin, out, -1); }
OPFN(top_max_all) { return minmax_all(ctx, "max", in, nin, out, 1); }
OPFN(top_min_all) { return minmax_all(ctx, "min", in, nin, out, -1); }
OPFN(top_max_other) { return top_maximum(ctx, in, nin, out, info); }
OPFN(top_min_other) { return top_minimum(ctx, in, nin, out, info); }
OPFN(top_argmax) { return arg_best(ctx, "argmax", in, nin, out, 1); }
OPFN(top_argmin) { return arg_best(ctx, "argmin", in, nin, out, -1); }

/* ---- instance norm, group norm ---- */

/* Normalise each of `rows` rows of n values of x in place (biased variance). */
static void norm_rows(double *x, int64_t rows, int64_t n, double eps, double *mean_out, double *var_out) {
    for (int64_t r = 0; r < rows; r++) {
        double *p = x + r * n, m = 0, v = 0;
        for (int64_t k = 0; k < n; k++) m += p[k];
        m /= (double)n;
        for (int64_t k = 0; k < n; k++) v += (p[k] - m) * (p[k] - m);
        v /= (double)n;
        if (mean_out) mean_out[r] = m;
        if (var_out) var_out[r] = n > 1 ? v * (double)n / (double)(n - 1) : NAN;
        double is = 1.0 / sqrt(v + eps);
        for (int64_t k = 0; k < n; k++) p[k] = (p[k] - m) * is;
    }
}

/* y[n, c, s] = y * w[c] + b[c] over a (N, C, S) layout. */
static void affine(double *y, int64_t N, int64_t C, int64_t S, const double *w, const double *b) {
    for (int64_t i = 0; i < N; i++)
        for (int64_t c = 0; c < C; c++) {
            double *p = y + (i * C + c) * S, wc = w ? w[c] : 1.0, bc = b ? b[c] : 0.0;
            for (int64_t k = 0; k < S; k++) p[k] = p[k] * wc + bc;
        }
}

/* An optional per-channel parameter of C elements as float64 (NULL for None). */
static ts_status chan_param(Ctx *ctx, const char *op, const char *what, Tensor *t, int64_t C, Tensor **out) {
    *out = NULL;
    if (!t) return TS_OK;
    if (tensor_numel(t) != C)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected %s with %" PRId64 " elements, but got %" PRId64, op,
                       what, C, tensor_numel(t));
    return f64_of(ctx, op, t, false, out);
}

OPFN(top_instance_norm) {
    const char *op = "instance_norm";
    Tensor *x, *w, *b, *rm, *rv;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 1, &w));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &b));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 3, &rm));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 4, &rv));
    bool use_stats = op_bool(in[5]);
    double momentum = iv_scalar_f64(in[6]), eps = iv_scalar_f64(in[7]);
    if (x->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected an input of at least 2 dims, got %d", op, x->ndim);
    if (!use_stats && (!rm || !rv))
        return ts_fail(ctx, TS_ERR_VALUE, NULL,
                       "Expected running_mean and running_var to be defined when use_input_stats is false");
    int64_t N = x->sizes[0], C = x->sizes[1], S = 1;
    for (int i = 2; i < x->ndim; i++) S *= x->sizes[i];
    if (use_stats && S <= 1) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "Expected more than 1 spatial element when training, got input size %s",
                       op_shape(&s, x));
    }
    Tensor *y = NULL, *wd = NULL, *bd = NULL, *md = NULL, *vd = NULL;
    double *mean = NULL, *var = NULL;
    if (f64_of(ctx, op, x, false, &y) || chan_param(ctx, op, "weight", w, C, &wd) ||
        chan_param(ctx, op, "bias", b, C, &bd) || chan_param(ctx, op, "running_mean", rm, C, &md) ||
        chan_param(ctx, op, "running_var", rv, C, &vd))
        goto fail;
    double *yp = dp(y);
    if (use_stats) {
        bool update = md && vd && tensor_is_contiguous(rm) && tensor_is_contiguous(rv);
        if (update) {
            mean = ts_malloc(sizeof(double) * (size_t)(N * C));
            var = ts_malloc(sizeof(double) * (size_t)(N * C));
            if (!mean || !var) {
                ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
                goto fail;
            }
        }
        norm_rows(yp, N * C, S, eps, mean, var);
        if (update) /* the running stats move by momentum toward the batch's mean of per-instance stats */
            for (int64_t c = 0; c < C; c++) {
                double m = 0, v = 0;
                for (int64_t i = 0; i < N; i++) m += mean[i * C + c], v += var[i * C + c];
                m /= (double)N, v /= (double)N;
                char *pm = (char *)tensor_data(rm) + (size_t)c * dtype_size(rm->dtype);
                char *pv = (char *)tensor_data(rv) + (size_t)c * dtype_size(rv->dtype);
                dtype_store_f64(rm->dtype, pm, (1 - momentum) * dp(md)[c] + momentum * m);
                dtype_store_f64(rv->dtype, pv, (1 - momentum) * dp(vd)[c] + momentum * v);
            }
    } else {
        for (int64_t i = 0; i < N; i++)
            for (int64_t c = 0; c < C; c++) {
                double *p = yp + (i * C + c) * S, m = dp(md)[c], is = 1.0 / sqrt(dp(vd)[c] + eps);
                for (int64_t k = 0; k < S; k++) p[k] = (p[k] - m) * is;
            }
    }
    affine(yp, N, C, S, dp(wd), dp(bd));
    ts_free(mean);
    ts_free(var);
    tensor_release(wd), tensor_release(bd), tensor_release(md), tensor_release(vd);
    return give(ctx, y, x->dtype, out);
fail:
    ts_free(mean);
    ts_free(var);
    tensor_release(y), tensor_release(wd), tensor_release(bd), tensor_release(md), tensor_release(vd);
    return ctx->status;
}

OPFN(top_group_norm) {
    const char *op = "group_norm";
    Tensor *x, *w, *b;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t G = op_int(in[1]);
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &w));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 3, &b));
    double eps = iv_scalar_f64(in[4]);
    if (x->ndim < 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected an input of at least 2 dims, got %d", op, x->ndim);
    int64_t N = x->sizes[0], C = x->sizes[1], S = 1;
    for (int i = 2; i < x->ndim; i++) S *= x->sizes[i];
    if (G <= 0 || C % G != 0) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "Expected number of channels in input to be divisible by num_groups, but got input of "
                       "shape %s and num_groups=%" PRId64, op_shape(&s, x), G);
    }
    Tensor *y = NULL, *wd = NULL, *bd = NULL;
    if (f64_of(ctx, op, x, false, &y) || chan_param(ctx, op, "weight", w, C, &wd) ||
        chan_param(ctx, op, "bias", b, C, &bd)) {
        tensor_release(y), tensor_release(wd), tensor_release(bd);
        return ctx->status;
    }
    if (N * C * S > 0) norm_rows(dp(y), N * G, C / G * S, eps, NULL, NULL);
    affine(dp(y), N, C, S, dp(wd), dp(bd));
    tensor_release(wd), tensor_release(bd);
    return give(ctx, y, x->dtype, out);
}

/* ---- prelu, glu, bilinear ---- */

OPFN(top_prelu) {
    const char *op = "prelu";
    Tensor *x, *w;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &w));
    int64_t C = x->ndim >= 2 ? x->sizes[1] : 1, nw = tensor_numel(w);
    if (nw != 1 && x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Not allow zero-dim input tensor.");
    if (nw != 1 && nw != C)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "Mismatch of parameter numbers and input channel size. Found parameter numbers = %" PRId64
                       " and channel size = %" PRId64 ".", nw, C);
    if (w->ndim > 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = %d",
                       w->ndim);
    Tensor *y = NULL, *wd = NULL;
    if (f64_of(ctx, op, x, false, &y) || f64_of(ctx, op, w, false, &wd)) {
        tensor_release(y);
        return ctx->status;
    }
    int64_t outer = x->ndim >= 2 ? x->sizes[0] : 1, S = 1;
    for (int i = 2; i < x->ndim; i++) S *= x->sizes[i];
    if (x->ndim < 2) S = tensor_numel(x), C = 1;
    double *yp = dp(y), *wp = dp(wd);
    for (int64_t i = 0; i < outer; i++)
        for (int64_t c = 0; c < C; c++) {
            double a = wp[nw == 1 ? 0 : c], *p = yp + (i * C + c) * S;
            for (int64_t k = 0; k < S; k++) p[k] = p[k] > 0 ? p[k] : a * p[k];
        }
    tensor_release(wd);
    return give(ctx, y, x->dtype, out);
}

OPFN(top_glu) {
    const char *op = "glu";
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    if (x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "glu does not support scalars because halving size must be even");
    int d;
    TS_TRY(op_wrap_dim(ctx, op, op_int(in[1]), x->ndim, &d));
    int64_t n = x->sizes[d];
    if (n % 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "Halving dimension must be even, but dimension %d is size %" PRId64, d, n);
    int64_t outer = 1, inner = 1, sz[TS_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++) {
        sz[i] = i == d ? n / 2 : x->sizes[i];
        if (i < d) outer *= x->sizes[i];
        if (i > d) inner *= x->sizes[i];
    }
    Tensor *xd = NULL, *y;
    TS_TRY(f64_of(ctx, op, x, false, &xd));
    if (!(y = tensor_new_uninit(ctx, DT_FLOAT64, sz, x->ndim))) {
        tensor_release(xd);
        return ctx->status;
    }
    const double *xp = dp(xd);
    double *yp = dp(y);
    int64_t h = n / 2 * inner;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < h; k++) {
            double a = xp[o * 2 * h + k], g = xp[o * 2 * h + h + k];
            yp[o * h + k] = a / (1.0 + exp(-g));
        }
    tensor_release(xd);
    return give(ctx, y, x->dtype, out);
}

/* bilinear(x1 (*, I1), x2 (*, I2), weight (O, I1, I2), bias (O)?) -> (*, O). */
OPFN(top_bilinear) {
    const char *op = "bilinear";
    Tensor *a, *b, *w, *bias;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &a));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &b));
    TS_TRY(op_tensor(ctx, op, in, nin, 2, &w));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 3, &bias));
    if (a->ndim != b->ndim || a->ndim < 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "bilinear(): input dimensions do not match: got %d and %d", a->ndim,
                       b->ndim);
    for (int i = 0; i + 1 < a->ndim; i++)
        if (a->sizes[i] != b->sizes[i])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "bilinear(): input batch dimensions do not match: got %" PRId64 " and %" PRId64,
                           a->sizes[i], b->sizes[i]);
    int64_t I1 = a->sizes[a->ndim - 1], I2 = b->sizes[b->ndim - 1];
    if (w->ndim != 3 || w->sizes[1] != I1 || w->sizes[2] != I2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "bilinear(): weight must be (out, %" PRId64 ", %" PRId64 ") for inputs of sizes %" PRId64
                       " and %" PRId64, I1, I2, I1, I2);
    int64_t O = w->sizes[0];
    if (bias && (bias->ndim != 1 || bias->sizes[0] != O))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "bilinear(): bias size does not match weight size: got %" PRId64 " but expected %" PRId64,
                       bias->ndim ? bias->sizes[bias->ndim - 1] : 0, O);
    int64_t rows = I1 ? tensor_numel(a) / I1 : 0, sz[TS_MAX_DIMS];
    if (!I1) for (int i = 0; i + 1 < a->ndim; i++) rows = (i ? rows : 1) * a->sizes[i];
    memcpy(sz, a->sizes, sizeof(int64_t) * (size_t)a->ndim);
    sz[a->ndim - 1] = O;
    Tensor *ad = NULL, *bd = NULL, *wd = NULL, *cd = NULL, *y = NULL;
    if (f64_of(ctx, op, a, false, &ad) || f64_of(ctx, op, b, false, &bd) || f64_of(ctx, op, w, false, &wd) ||
        (bias && f64_of(ctx, op, bias, false, &cd)) || !(y = tensor_new_uninit(ctx, DT_FLOAT64, sz, a->ndim))) {
        tensor_release(ad), tensor_release(bd), tensor_release(wd), tensor_release(cd);
        return ctx->status;
    }
    for (int64_t r = 0; r < rows; r++) {
        const double *x1 = dp(ad) + r * I1, *x2 = dp(bd) + r * I2;
        for (int64_t o = 0; o < O; o++) {
            double s = 0;
            for (int64_t i = 0; i < I1; i++) {
                const double *wr = dp(wd) + (o * I1 + i) * I2;
                double t = 0;
                for (int64_t j = 0; j < I2; j++) t += wr[j] * x2[j];
                s += x1[i] * t;
            }
            dp(y)[r * O + o] = s + (cd ? dp(cd)[o] : 0.0);
        }
    }
    tensor_release(ad), tensor_release(bd), tensor_release(wd), tensor_release(cd);
    return give(ctx, y, a->dtype, out);
}

/* ---- pixel shuffle ---- */

static ts_status shuffle(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool up) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t r = op_int(in[1]);
    if (x->ndim < 3)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s expects input to have at least 3 dimensions, but got input with %d dimension(s)",
                       op, x->ndim);
    if (r <= 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s expects a positive %s, but got %" PRId64, op,
                       up ? "upscale_factor" : "downscale_factor", r);
    int nd = x->ndim;
    int64_t C = x->sizes[nd - 3], H = x->sizes[nd - 2], W = x->sizes[nd - 1];
    if (up && C % (r * r))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                       "upscale_factor, but input.size(-3)=%" PRId64 " is not divisible by %" PRId64, C, r * r);
    if (!up && (H % r || W % r))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "pixel_unshuffle expects %s to be divisible by downscale_factor, but input.size(%d)=%" PRId64
                       " is not divisible by %" PRId64, H % r ? "height" : "width", H % r ? -2 : -1,
                       H % r ? H : W, r);
    int64_t sz[TS_MAX_DIMS];
    memcpy(sz, x->sizes, sizeof(int64_t) * (size_t)nd);
    /* the big (channel-packed) side: Cb channels of Hs x Ws; the spread side: Cs x Hb x Wb */
    int64_t Cs = up ? C / (r * r) : C, Hs = up ? H : H / r, Ws = up ? W : W / r;
    sz[nd - 3] = up ? Cs : C * r * r;
    sz[nd - 2] = up ? H * r : Hs;
    sz[nd - 1] = up ? W * r : Ws;
    int64_t batch = 1;
    for (int i = 0; i < nd - 3; i++) batch *= x->sizes[i];
    Tensor *xc = tensor_contiguous(ctx, x), *y = NULL;
    if (!xc) return ctx->status;
    if (!(y = tensor_new_uninit(ctx, x->dtype, sz, nd))) {
        tensor_release(xc);
        return ctx->status;
    }
    size_t es = dtype_size(x->dtype);
    const char *src = tensor_data(xc);
    char *dst = tensor_data(y);
    for (int64_t n = 0; n < batch; n++)
        for (int64_t c = 0; c < Cs; c++)
            for (int64_t i = 0; i < r; i++)
                for (int64_t j = 0; j < r; j++)
                    for (int64_t h = 0; h < Hs; h++)
                        for (int64_t w = 0; w < Ws; w++) {
                            /* packed [n, c*r*r + i*r + j, h, w] <-> spread [n, c, h*r + i, w*r + j] */
                            int64_t pk = ((n * Cs * r * r + c * r * r + i * r + j) * Hs + h) * Ws + w;
                            int64_t sp = ((n * Cs + c) * Hs * r + h * r + i) * Ws * r + w * r + j;
                            int64_t from = up ? pk : sp, to = up ? sp : pk;
                            memcpy(dst + (size_t)to * es, src + (size_t)from * es, es);
                        }
    tensor_release(xc);
    return op_return(out, y);
}

OPFN(top_pixel_shuffle) { return shuffle(ctx, "pixel_shuffle", in, nin, out, true); }
OPFN(top_pixel_unshuffle) { return shuffle(ctx, "pixel_unshuffle", in, nin, out, false); }

/* ---- upsampling ---- */

/* PyTorch's compute_scales_value: 1/scale when given, else in/out. */
static double scales_value(double scale, int64_t in, int64_t out, bool f32) {
    if (scale > 0) return f32 ? (double)(float)(1.0 / scale) : 1.0 / scale;
    return f32 ? (double)((float)in / (float)out) : (double)in / (double)out;
}

/* The interpolation of one axis: for output index o, sources i0, i1 and weight l1 of i1. */
typedef struct Axis {
    int64_t *i0, *i1;
    double *l1;
} Axis;

static void axis_nearest(Axis *a, int64_t in, int64_t out, double scale) {
    float s = (float)scales_value(scale, in, out, true);
    for (int64_t o = 0; o < out; o++) {
        int64_t i;
        if (out == in) i = o;
        else if (out == 2 * in) i = o >> 1;
        else {
            i = (int64_t)floorf((float)o * s);
            if (i > in - 1) i = in - 1;
        }
        a->i0[o] = a->i1[o] = i;
        a->l1[o] = 0;
    }
}

static void axis_linear(Axis *a, int64_t in, int64_t out, bool align, double scale, bool f32) {
    double s = align ? (out > 1 ? (double)(in - 1) / (double)(out - 1) : 0.0) : scales_value(scale, in, out, f32);
    if (f32 && align) s = (double)(float)s;
    for (int64_t o = 0; o < out; o++) {
        double src = align ? s * (double)o : s * ((double)o + 0.5) - 0.5;
        if (f32) src = (double)(float)src;
        if (!align && src < 0) src = 0;
        int64_t i0 = (int64_t)src;
        if (i0 > in - 1) i0 = in - 1;
        double l = src - (double)i0;
        if (l < 0) l = 0;
        if (l > 1) l = 1;
        a->i0[o] = i0;
        a->i1[o] = i0 + (i0 < in - 1 ? 1 : 0);
        a->l1[o] = l;
    }
}

/* Upsample the last nsp dims of x to osz (nearest or linear). scales[d] <= 0: none given. */
static ts_status upsample(Ctx *ctx, const char *op, Tensor *x, int nsp, const int64_t *osz, const double *scales,
                          bool linear, bool align, IValue *out) {
    if (x->ndim != nsp + 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected a %dD input (batch, channels, %d spatial dims), but got %dD",
                       op, nsp + 2, nsp, x->ndim);
    for (int d = 0; d < nsp; d++) {
        if (osz[d] <= 0 || x->sizes[2 + d] <= 0) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "Input and output sizes should be greater than 0, but got input (%s) and output (%s)",
                           op_sizes(&s1, x->sizes + 2, nsp), op_sizes(&s2, osz, nsp));
        }
    }
    int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1};
    double sc3[3] = {0, 0, 0};
    for (int d = 0; d < nsp; d++) {
        in3[3 - nsp + d] = x->sizes[2 + d];
        out3[3 - nsp + d] = osz[d];
        sc3[3 - nsp + d] = scales ? scales[d] : 0;
    }
    int64_t sz[5] = {x->sizes[0], x->sizes[1]};
    for (int d = 0; d < nsp; d++) sz[2 + d] = osz[d];
    Tensor *xd = NULL, *y = NULL;
    int64_t total = out3[0] + out3[1] + out3[2];
    int64_t *idx = ts_malloc(sizeof(int64_t) * 2 * (size_t)total);
    double *lam = ts_malloc(sizeof(double) * (size_t)total);
    if (!idx || !lam) {
        ts_free(idx), ts_free(lam);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    }
    if (f64_of(ctx, op, x, false, &xd) || !(y = tensor_new_uninit(ctx, DT_FLOAT64, sz, x->ndim))) {
        ts_free(idx), ts_free(lam), tensor_release(xd);
        return ctx->status;
    }
    Axis ax[3];
    int64_t off = 0;
    bool f32 = x->dtype != DT_FLOAT64;
    for (int d = 0; d < 3; d++) {
        ax[d].i0 = idx + off, ax[d].i1 = idx + total + off, ax[d].l1 = lam + off;
        if (linear && d >= 3 - nsp) axis_linear(&ax[d], in3[d], out3[d], align, sc3[d], f32);
        else axis_nearest(&ax[d], in3[d], out3[d], sc3[d]);
        off += out3[d];
    }
    int64_t planes = x->sizes[0] * x->sizes[1], ip = in3[0] * in3[1] * in3[2], opl = out3[0] * out3[1] * out3[2];
    for (int64_t p = 0; p < planes; p++) {
        const double *s = dp(xd) + p * ip;
        double *t = dp(y) + p * opl;
        for (int64_t od = 0; od < out3[0]; od++)
            for (int64_t oh = 0; oh < out3[1]; oh++)
                for (int64_t ow = 0; ow < out3[2]; ow++) {
                    double ld = ax[0].l1[od], lh = ax[1].l1[oh], lw = ax[2].l1[ow], v = 0;
                    int64_t D[2] = {ax[0].i0[od], ax[0].i1[od]}, H[2] = {ax[1].i0[oh], ax[1].i1[oh]},
                            W[2] = {ax[2].i0[ow], ax[2].i1[ow]};
                    for (int a = 0; a < 2; a++)
                        for (int b = 0; b < 2; b++)
                            for (int c = 0; c < 2; c++) {
                                double wt = (a ? ld : 1 - ld) * (b ? lh : 1 - lh) * (c ? lw : 1 - lw);
                                if (wt != 0) v += wt * s[(D[a] * in3[1] + H[b]) * in3[2] + W[c]];
                            }
                    t[(od * out3[1] + oh) * out3[2] + ow] = v;
                }
    }
    ts_free(idx), ts_free(lam);
    tensor_release(xd);
    return give(ctx, y, x->dtype, out);
}

/* The .vec overloads: output_size or scale_factors (exactly one). */
static ts_status upsample_vec(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int nsp, bool linear) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    IValue osv = in[1], sfv = in[linear ? 3 : 2];
    bool align = linear && op_bool(in[2]);
    bool has_os = osv.kind != IV_NONE, has_sf = sfv.kind != IV_NONE;
    if (has_os == has_sf)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Must specify exactly one of output_size and scale_factors", op);
    if (x->ndim != nsp + 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected a %dD input, but got %dD", op, nsp + 2, x->ndim);
    int64_t osz[TS_MAX_DIMS];
    double sc[3] = {0, 0, 0};
    if (has_os) {
        int n = 0;
        TS_TRY(op_int_list(ctx, op, osv, osz, &n));
        if (n != nsp)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: It is expected output_size equals to %d, but got size %d", op,
                           nsp, n);
    } else {
        if (sfv.kind != IV_LIST || sfv.u.l->len != nsp)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: It is expected scale_factors equals to %d", op, nsp);
        for (int d = 0; d < nsp; d++) {
            sc[d] = iv_scalar_f64(sfv.u.l->items[d]);
            osz[d] = (int64_t)((double)x->sizes[2 + d] * sc[d]);
        }
    }
    return upsample(ctx, op, x, nsp, osz, sc, linear, align, out);
}

/* The sized overloads: (self, output_size, [align_corners,] scales...). */
static ts_status upsample_sized(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int nsp, bool linear) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t osz[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, in[1], osz, &n));
    if (n != nsp)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: It is expected output_size equals to %d, but got size %d", op, nsp, n);
    int first = linear ? 3 : 2;
    double sc[3] = {0, 0, 0};
    for (int d = 0; d < nsp && first + d < nin; d++)
        if (in[first + d].kind != IV_NONE) sc[d] = iv_scalar_f64(in[first + d]);
    return upsample(ctx, op, x, nsp, osz, sc, linear, linear && op_bool(in[2]), out);
}

OPFN(top_upsample_nearest1d_vec) { return upsample_vec(ctx, "upsample_nearest1d", in, nin, out, 1, false); }
OPFN(top_upsample_nearest2d_vec) { return upsample_vec(ctx, "upsample_nearest2d", in, nin, out, 2, false); }
OPFN(top_upsample_nearest3d_vec) { return upsample_vec(ctx, "upsample_nearest3d", in, nin, out, 3, false); }
OPFN(top_upsample_linear1d_vec) { return upsample_vec(ctx, "upsample_linear1d", in, nin, out, 1, true); }
OPFN(top_upsample_bilinear2d_vec) { return upsample_vec(ctx, "upsample_bilinear2d", in, nin, out, 2, true); }
OPFN(top_upsample_trilinear3d_vec) { return upsample_vec(ctx, "upsample_trilinear3d", in, nin, out, 3, true); }
OPFN(top_upsample_nearest1d) { return upsample_sized(ctx, "upsample_nearest1d", in, nin, out, 1, false); }
OPFN(top_upsample_nearest2d) { return upsample_sized(ctx, "upsample_nearest2d", in, nin, out, 2, false); }
OPFN(top_upsample_nearest3d) { return upsample_sized(ctx, "upsample_nearest3d", in, nin, out, 3, false); }
OPFN(top_upsample_linear1d) { return upsample_sized(ctx, "upsample_linear1d", in, nin, out, 1, true); }
OPFN(top_upsample_bilinear2d) { return upsample_sized(ctx, "upsample_bilinear2d", in, nin, out, 2, true); }
OPFN(top_upsample_trilinear3d) { return upsample_sized(ctx, "upsample_trilinear3d", in, nin, out, 3, true); }

/* ---- elementwise activations ---- */

typedef enum ActKind { ACT_SELU, ACT_CELU, ACT_MISH, ACT_SOFTSHRINK, ACT_HARDSHRINK, ACT_LOGSIGMOID, ACT_THRESHOLD, ACT_EXPM1 } ActKind;

static ts_status act(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, ActKind k) {
    Tensor *x, *y = NULL;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    bool any = k == ACT_EXPM1 || k == ACT_THRESHOLD;
    TS_TRY(f64_of(ctx, op, x, any, &y));
    double p = nin > 1 ? iv_scalar_f64(in[1]) : 0, q = nin > 2 ? iv_scalar_f64(in[2]) : 0;
    double *v = dp(y);
    int64_t n = tensor_numel(y);
    const double al = 1.6732632423543772848170429916717, sc = 1.0507009873554804934193349852946;
    switch (k) {
    case ACT_SELU:
        for (int64_t i = 0; i < n; i++) v[i] = sc * (v[i] > 0 ? v[i] : al * expm1(v[i]));
        break;
    case ACT_CELU:
        for (int64_t i = 0; i < n; i++) v[i] = v[i] > 0 ? v[i] : p * expm1(v[i] / p);
        break;
    case ACT_MISH:
        for (int64_t i = 0; i < n; i++) v[i] = v[i] * tanh(log1p(exp(v[i])));
        break;
    case ACT_SOFTSHRINK:
        for (int64_t i = 0; i < n; i++) v[i] = v[i] > p ? v[i] - p : v[i] < -p ? v[i] + p : 0.0;
        break;
    case ACT_HARDSHRINK:
        for (int64_t i = 0; i < n; i++) v[i] = (v[i] >= -p && v[i] <= p) ? 0.0 : v[i];
        break;
    case ACT_LOGSIGMOID:
        for (int64_t i = 0; i < n; i++) v[i] = fmin(v[i], 0.0) - log1p(exp(-fabs(v[i])));
        break;
    case ACT_THRESHOLD:
        for (int64_t i = 0; i < n; i++) v[i] = v[i] <= p ? q : v[i];
        break;
    case ACT_EXPM1:
        for (int64_t i = 0; i < n; i++) v[i] = expm1(v[i]);
        break;
    }
    DType dt = x->dtype;
    if (k == ACT_EXPM1 && !dtype_is_float(dt)) dt = DT_FLOAT32;
    return give(ctx, y, dt, out);
}

OPFN(top_selu) { return act(ctx, "selu", in, nin, out, ACT_SELU); }
OPFN(top_celu) { return act(ctx, "celu", in, nin, out, ACT_CELU); }
OPFN(top_mish) { return act(ctx, "mish", in, nin, out, ACT_MISH); }
OPFN(top_softshrink) {
    if (nin > 1 && iv_scalar_f64(in[1]) < 0)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "softshrink: lambda must be greater or equal to 0, but found to be %g.",
                       iv_scalar_f64(in[1]));
    return act(ctx, "softshrink", in, nin, out, ACT_SOFTSHRINK);
}
OPFN(top_hardshrink) { return act(ctx, "hardshrink", in, nin, out, ACT_HARDSHRINK); }
OPFN(top_log_sigmoid) { return act(ctx, "log_sigmoid", in, nin, out, ACT_LOGSIGMOID); }
OPFN(top_threshold) { return act(ctx, "threshold", in, nin, out, ACT_THRESHOLD); }
OPFN(top_expm1) { return act(ctx, "expm1", in, nin, out, ACT_EXPM1); }
