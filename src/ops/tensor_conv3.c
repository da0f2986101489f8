/*
 * tensor_conv3.c - the convolutions and poolings tensor_conv.c and
 * tensor_pool.c do not cover: aten::conv3d (int and string padding),
 * conv_transpose1d / 2d / 3d (stride, padding, output_padding, groups,
 * dilation), avg_pool3d and max_pool3d.
 *
 * Correct first: operands are converted to contiguous float64, each op is a
 * direct loop over a 3-d layout (1-d and 2-d are 3-d with leading size-1
 * dims), and the result is rounded once to the input's dtype. A transposed
 * convolution is the adjoint of the forward one: each input element
 * scatters input * weight into the output positions i*stride - pad +
 * k*dilation. Inputs may be unbatched (no N dim), as PyTorch allows.
 * Validation follows PyTorch 1.13's ConvUtils.h / Pool.h wording.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ops/tensor_ops.h"

typedef struct Geo {
    int nsp;                              /* spatial dims of the op: 1..3 */
    int64_t N, C, OC;                     /* batch, input and output channels */
    int64_t in[3], out[3], k[3];          /* as 3-d (leading dims 1) */
    int64_t s[3], pl[3], dil[3], opad[3]; /* stride, left pad, dilation, output_padding */
    int64_t groups;
} Geo;

/* An int list of nsp values (one value repeats) into 3-d slot order, rest = dflt. */
static ts_status list3(Ctx *ctx, const char *op, const char *what, IValue v, int nsp, int64_t dflt, bool empty_ok,
                       const int64_t *empty_val, int64_t *out) {
    int64_t vals[TS_MAX_DIMS];
    int n = 0;
    TS_TRY(op_int_list(ctx, op, v, vals, &n));
    for (int d = 0; d < 3; d++) out[d] = dflt;
    if (n == 0 && empty_ok) {
        for (int d = 0; d < nsp; d++) out[3 - nsp + d] = empty_val[3 - nsp + d];
        return TS_OK;
    }
    if (n != 1 && n != nsp) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: expected %s to be a single integer value or a list of %d values, but got %s=%s",
                       op, what, nsp, what, op_sizes(&s, vals, n));
    }
    for (int d = 0; d < nsp; d++) out[3 - nsp + d] = vals[n == 1 ? 0 : d];
    return TS_OK;
}

/* ---- convolution ---- */

static ts_status conv_run(Ctx *ctx, const char *op, Tensor *x, Tensor *w, Tensor *b, Geo *g, bool transposed,
                          const int64_t *pr, IValue *out) {
    int nsp = g->nsp;
    bool batched = x->ndim == nsp + 2;
    if (w->ndim != nsp + 2) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected a %d-dimensional weight, but got weight of size %s", op,
                       nsp + 2, op_shape(&s, w));
    }
    if (!batched && x->ndim != nsp + 1) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %s", nsp + 1,
                       nsp + 2, op, op_shape(&s, x));
    }
    if (g->groups <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: non-positive groups is not supported", op);
    for (int d = 0; d < 3; d++)
        if (g->s[d] <= 0 || g->dil[d] <= 0 || g->pl[d] < 0 || g->opad[d] < 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: stride and dilation must be positive, padding and output_padding non-negative", op);
    int xo = batched ? 0 : -1; /* dim i of the batched layout is x->sizes[i + xo] (no pointer before sizes) */
    g->N = batched ? x->sizes[0] : 1;
    g->C = x->sizes[1 + xo];
    for (int d = 0; d < 3; d++) {
        g->in[d] = d < 3 - nsp ? 1 : x->sizes[2 + d - (3 - nsp) + xo];
        g->k[d] = d < 3 - nsp ? 1 : w->sizes[2 + d - (3 - nsp)];
    }
    ShapeText s1, s2;
    int64_t G = g->groups;
    if (!transposed) {
        if (w->sizes[0] % G)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "Given groups=%" PRId64 ", expected weight to be divisible by %" PRId64
                           " at dimension 0, but got weight of size %s instead", G, G, op_shape(&s1, w));
        if (g->C != w->sizes[1] * G)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "Given groups=%" PRId64 ", weight of size %s, expected input%s to have %" PRId64
                           " channels, but got %" PRId64 " channels instead",
                           G, op_shape(&s1, w), op_shape(&s2, x), w->sizes[1] * G, g->C);
        g->OC = w->sizes[0];
        for (int d = 0; d < 3; d++) {
            int64_t span = g->dil[d] * (g->k[d] - 1) + 1, padded = g->in[d] + g->pl[d] + pr[d];
            if (padded < span)
                return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                               "%s: Calculated padded input size per channel: %" PRId64 ". Kernel size: %" PRId64
                               ". Kernel size can't be greater than actual input size", op, padded, span);
            g->out[d] = (padded - span) / g->s[d] + 1;
        }
    } else {
        if (g->C != w->sizes[0])
            return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                           "Given transposed=1, weight of size %s, expected input%s to have %" PRId64
                           " channels, but got %" PRId64 " channels instead",
                           op_shape(&s1, w), op_shape(&s2, x), w->sizes[0], g->C);
        if (g->C % G)
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: input channels %" PRId64 " not divisible by groups %" PRId64,
                           op, g->C, G);
        g->OC = w->sizes[1] * G;
        for (int d = 0; d < 3; d++) {
            if (g->opad[d] >= g->s[d] && g->opad[d] >= g->dil[d])
                return ts_fail(ctx, TS_ERR_VALUE, NULL,
                               "%s: output padding must be smaller than either stride or dilation, but got "
                               "output_padding=%" PRId64 ", stride=%" PRId64 ", dilation=%" PRId64,
                               op, g->opad[d], g->s[d], g->dil[d]);
            g->out[d] = (g->in[d] - 1) * g->s[d] - 2 * g->pl[d] + g->dil[d] * (g->k[d] - 1) + g->opad[d] + 1;
            if (g->out[d] <= 0)
                return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: the computed output size %" PRId64 " is too small", op,
                               g->out[d]);
        }
    }
    if (b && (b->ndim != 1 || b->sizes[0] != g->OC))
        return ts_fail(ctx, TS_ERR_SHAPE, NULL,
                       "Given weight of size %s, expected bias to be 1-dimensional with %" PRId64
                       " elements, but got bias of size %s instead", op_shape(&s1, w), g->OC, op_shape(&s2, b));
    if (!dtype_is_float(x->dtype) || w->dtype != x->dtype || (b && b->dtype != x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL,
                       "%s: expected input, weight and bias of one floating-point dtype, got input %s and weight %s",
                       op, dtype_name(x->dtype), dtype_name(w->dtype));
    int64_t osz[5], on = 0;
    if (batched) osz[on++] = g->N;
    osz[on++] = g->OC;
    for (int d = 3 - nsp; d < 3; d++) osz[on++] = g->out[d];
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64), *wd = NULL, *bd = NULL, *y = NULL;
    if (!xd || !(wd = tensor_to_dtype(ctx, w, DT_FLOAT64)) || (b && !(bd = tensor_to_dtype(ctx, b, DT_FLOAT64))) ||
        !(y = tensor_empty(ctx, DT_FLOAT64, osz, (int)on))) {
        tensor_release(xd), tensor_release(wd), tensor_release(bd);
        return ctx->status;
    }
    const double *X = tensor_data(xd), *W = tensor_data(wd), *B = bd ? tensor_data(bd) : NULL;
    double *Y = tensor_data(y);
    int64_t Cg = g->C / G, OCg = g->OC / G, isp = g->in[0] * g->in[1] * g->in[2];
    int64_t osp = g->out[0] * g->out[1] * g->out[2], ksp = g->k[0] * g->k[1] * g->k[2];
    for (int64_t n = 0; n < g->N; n++)
        for (int64_t gi = 0; gi < G; gi++)
            for (int64_t oc = 0; oc < OCg; oc++) {
                int64_t oco = gi * OCg + oc;
                double *yp = Y + (n * g->OC + oco) * osp;
                for (int64_t ic = 0; ic < Cg; ic++) {
                    int64_t ici = gi * Cg + ic;
                    const double *xp = X + (n * g->C + ici) * isp;
                    const double *wp = transposed ? W + (ici * OCg + oc) * ksp : W + (oco * Cg + ic) * ksp;
                    for (int64_t kd = 0; kd < g->k[0]; kd++)
                        for (int64_t kh = 0; kh < g->k[1]; kh++)
                            for (int64_t kw = 0; kw < g->k[2]; kw++) {
                                double wv = wp[(kd * g->k[1] + kh) * g->k[2] + kw];
                                if (!transposed) {
                                    for (int64_t od = 0; od < g->out[0]; od++) {
                                        int64_t id = od * g->s[0] - g->pl[0] + kd * g->dil[0];
                                        if (id < 0 || id >= g->in[0]) continue;
                                        for (int64_t oh = 0; oh < g->out[1]; oh++) {
                                            int64_t ih = oh * g->s[1] - g->pl[1] + kh * g->dil[1];
                                            if (ih < 0 || ih >= g->in[1]) continue;
                                            double *yr = yp + (od * g->out[1] + oh) * g->out[2];
                                            const double *xr = xp + (id * g->in[1] + ih) * g->in[2];
                                            for (int64_t ow = 0; ow < g->out[2]; ow++) {
                                                int64_t iw = ow * g->s[2] - g->pl[2] + kw * g->dil[2];
                                                if (iw >= 0 && iw < g->in[2]) yr[ow] += wv * xr[iw];
                                            }
                                        }
                                    }
                                } else {
                                    for (int64_t id = 0; id < g->in[0]; id++) {
                                        int64_t od = id * g->s[0] - g->pl[0] + kd * g->dil[0];
                                        if (od < 0 || od >= g->out[0]) continue;
                                        for (int64_t ih = 0; ih < g->in[1]; ih++) {
                                            int64_t oh = ih * g->s[1] - g->pl[1] + kh * g->dil[1];
                                            if (oh < 0 || oh >= g->out[1]) continue;
                                            double *yr = yp + (od * g->out[1] + oh) * g->out[2];
                                            const double *xr = xp + (id * g->in[1] + ih) * g->in[2];
                                            for (int64_t iw = 0; iw < g->in[2]; iw++) {
                                                int64_t ow = iw * g->s[2] - g->pl[2] + kw * g->dil[2];
                                                if (ow >= 0 && ow < g->out[2]) yr[ow] += wv * xr[iw];
                                            }
                                        }
                                    }
                                }
                            }
                }
                if (B)
                    for (int64_t k = 0; k < osp; k++) yp[k] += B[oco];
            }
    tensor_release(xd), tensor_release(wd), tensor_release(bd);
    y = op_cast_steal(ctx, y, x->dtype);
    if (!y) return ctx->status;
    return op_return(out, y);
}

static ts_status conv_common(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, int nsp, bool transposed,
                             bool str_pad) {
    Tensor *x, *w, *b;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &w));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &b));
    Geo g;
    memset(&g, 0, sizeof g);
    g.nsp = nsp;
    int64_t pr[3] = {0, 0, 0};
    TS_TRY(list3(ctx, op, "stride", in[3], nsp, 1, false, NULL, g.s));
    if (transposed) {
        TS_TRY(list3(ctx, op, "padding", in[4], nsp, 0, false, NULL, g.pl));
        TS_TRY(list3(ctx, op, "output_padding", in[5], nsp, 0, false, NULL, g.opad));
        g.groups = op_int(in[6]);
        TS_TRY(list3(ctx, op, "dilation", in[7], nsp, 1, false, NULL, g.dil));
    } else {
        TS_TRY(list3(ctx, op, "dilation", in[5], nsp, 1, false, NULL, g.dil));
        g.groups = op_int(in[6]);
        if (str_pad) {
            const char *mode = in[4].kind == IV_STR ? in[4].u.s->data : "";
            if (!strcmp(mode, "same")) {
                for (int d = 0; d < 3; d++)
                    if (g.s[d] != 1)
                        return ts_fail(ctx, TS_ERR_VALUE, NULL, "padding='same' is not supported for strided convolutions");
                for (int d = 3 - nsp; d < 3 && w->ndim == nsp + 2; d++) {
                    int64_t tot = g.dil[d] * (w->sizes[2 + d - (3 - nsp)] - 1);
                    g.pl[d] = tot / 2;
                    pr[d] = tot - g.pl[d];
                }
            } else if (strcmp(mode, "valid"))
                return ts_fail(ctx, TS_ERR_VALUE, NULL, "Invalid padding string: '%s'", mode);
        } else {
            TS_TRY(list3(ctx, op, "padding", in[4], nsp, 0, false, NULL, g.pl));
            memcpy(pr, g.pl, sizeof pr);
        }
    }
    return conv_run(ctx, op, x, w, b, &g, transposed, pr, out);
}

/* aten::convolution / _convolution (what traces record) when transposed or
 * 3-d: their (input, weight, bias, stride, padding, dilation, transposed,
 * output_padding, groups, ...) rearranged as conv_transposeNd.input's or
 * convNd's arguments. */
ts_status conv3_convolution(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out) {
    Tensor *w;
    TS_TRY(op_tensor(ctx, op, in, nin, 1, &w));
    int nsp = w->ndim - 2;
    if (nsp < 1 || nsp > 3)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: %d-d convolution is not supported", op, nsp);
    bool transposed = op_bool(in[6]);
    IValue a[8] = {in[0], in[1], in[2], in[3], in[4]};
    if (transposed) {
        a[5] = in[7];
        a[6] = in[8];
        a[7] = in[5];
    } else {
        a[5] = in[5];
        a[6] = in[8];
    }
    return conv_common(ctx, op, a, transposed ? 8 : 7, out, nsp, transposed, false);
}

OPFN(top_conv3d) { return conv_common(ctx, "conv3d", in, nin, out, 3, false, false); }
OPFN(top_conv3d_padding) { return conv_common(ctx, "conv3d", in, nin, out, 3, false, true); }
OPFN(top_conv_transpose1d) { return conv_common(ctx, "conv_transpose1d", in, nin, out, 1, true, false); }
OPFN(top_conv_transpose2d_input) { return conv_common(ctx, "conv_transpose2d", in, nin, out, 2, true, false); }
OPFN(top_conv_transpose3d_input) { return conv_common(ctx, "conv_transpose3d", in, nin, out, 3, true, false); }

/* ---- 3-d pooling ---- */

/* PyTorch's pooling_output_shape. */
static int64_t pool_out(int64_t in, int64_t k, int64_t p, int64_t s, int64_t dil, bool ceil) {
    int64_t num = in + 2 * p - dil * (k - 1) - 1 + (ceil ? s - 1 : 0);
    int64_t o = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
    if (ceil && (o - 1) * s >= in + p) o--;
    return o;
}

/* with_idx: max pooling also returns the flat index of each maximum in its
 * input plane (max_pool3d_with_indices: the first maximum, the last NaN). */
static ts_status pool3d_impl(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool is_max, bool with_idx) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t k[3], s[3], p[3], dil[3] = {1, 1, 1};
    TS_TRY(list3(ctx, op, "kernel_size", in[1], 3, 1, false, NULL, k));
    TS_TRY(list3(ctx, op, "stride", in[2], 3, 1, true, k, s));
    TS_TRY(list3(ctx, op, "padding", in[3], 3, 0, false, NULL, p));
    bool ceil, cip = true;
    int64_t divisor = 0;
    if (is_max) {
        TS_TRY(list3(ctx, op, "dilation", in[4], 3, 1, false, NULL, dil));
        ceil = op_bool(in[5]);
    } else {
        ceil = op_bool(in[4]);
        cip = op_bool(in[5]);
        if (nin > 6 && in[6].kind != IV_NONE) {
            divisor = op_int(in[6]);
            if (divisor == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: divisor must be not zero", op);
        }
    }
    if (x->ndim != 4 && x->ndim != 5) {
        ShapeText t;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: non-empty 4D or 5D (batch mode) tensor expected for input, got %s", op,
                       op_shape(&t, x));
    }
    for (int d = 0; d < 3; d++) {
        if (k[d] <= 0 || s[d] <= 0 || dil[d] <= 0)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: kernel_size, stride and dilation should be greater than zero", op);
        if (p[d] < 0 || p[d] > k[d] / 2)
            return ts_fail(ctx, TS_ERR_VALUE, NULL,
                           "%s: pad should be smaller than or equal to half of kernel size, but got padding=%" PRId64
                           ", kernel_size=%" PRId64, op, p[d], k[d]);
    }
    int b = x->ndim - 4;
    int64_t planes = (b ? x->sizes[0] : 1) * x->sizes[b], is[3], os[3], osz[5];
    for (int d = 0; d < 3; d++) {
        is[d] = x->sizes[b + 1 + d];
        os[d] = pool_out(is[d], k[d], p[d], s[d], dil[d], ceil);
        if (os[d] < 1) {
            ShapeText t;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Given input size %s, calculated output size is too small", op,
                           op_shape(&t, x));
        }
    }
    memcpy(osz, x->sizes, sizeof(int64_t) * (size_t)x->ndim);
    for (int d = 0; d < 3; d++) osz[b + 1 + d] = os[d];
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating-point input, but got %s", op, dtype_name(x->dtype));
    Tensor *xd = tensor_to_dtype(ctx, x, DT_FLOAT64), *y = NULL, *yi = NULL;
    if (!xd || !(y = tensor_new_uninit(ctx, DT_FLOAT64, osz, x->ndim)) ||
        (with_idx && !(yi = tensor_new_uninit(ctx, DT_INT64, osz, x->ndim)))) {
        tensor_release(xd);
        tensor_release(y);
        return ctx->status;
    }
    int64_t *YI = yi ? tensor_data(yi) : NULL;
    const double *X = tensor_data(xd);
    double *Y = tensor_data(y);
    int64_t ipl = is[0] * is[1] * is[2], opl = os[0] * os[1] * os[2];
    for (int64_t c = 0; c < planes; c++)
        for (int64_t od = 0; od < os[0]; od++)
            for (int64_t oh = 0; oh < os[1]; oh++)
                for (int64_t ow = 0; ow < os[2]; ow++) {
                    int64_t st[3] = {od * s[0] - p[0], oh * s[1] - p[1], ow * s[2] - p[2]};
                    const double *xp = X + c * ipl;
                    double v;
                    int64_t mi = -1;
                    if (is_max) {
                        v = -INFINITY;
                        for (int64_t a = 0; a < k[0]; a++) {
                            int64_t id = st[0] + a * dil[0];
                            if (id < 0 || id >= is[0]) continue;
                            for (int64_t bb = 0; bb < k[1]; bb++) {
                                int64_t ih = st[1] + bb * dil[1];
                                if (ih < 0 || ih >= is[1]) continue;
                                for (int64_t cc = 0; cc < k[2]; cc++) {
                                    int64_t iw = st[2] + cc * dil[2];
                                    if (iw < 0 || iw >= is[2]) continue;
                                    int64_t at = (id * is[1] + ih) * is[2] + iw;
                                    double e = xp[at];
                                    if (mi < 0) mi = at;
                                    if (e > v || isnan(e)) v = e, mi = at;
                                }
                            }
                        }
                    } else {
                        int64_t lo[3], hi[3], pool = 1, cnt = 1;
                        for (int d = 0; d < 3; d++) {
                            int64_t e = st[d] + k[d];
                            if (e > is[d] + p[d]) e = is[d] + p[d];
                            pool *= e - st[d];
                            lo[d] = st[d] < 0 ? 0 : st[d];
                            hi[d] = e > is[d] ? is[d] : e;
                            cnt *= hi[d] - lo[d];
                        }
                        double sum = 0;
                        for (int64_t id = lo[0]; id < hi[0]; id++)
                            for (int64_t ih = lo[1]; ih < hi[1]; ih++)
                                for (int64_t iw = lo[2]; iw < hi[2]; iw++) sum += xp[(id * is[1] + ih) * is[2] + iw];
                        int64_t div = divisor ? divisor : cip ? pool : cnt;
                        v = sum / (double)div;
                    }
                    Y[c * opl + (od * os[1] + oh) * os[2] + ow] = v;
                    if (YI) YI[c * opl + (od * os[1] + oh) * os[2] + ow] = mi;
                }
    tensor_release(xd);
    y = op_cast_steal(ctx, y, x->dtype);
    if (!y) {
        tensor_release(yi);
        return ctx->status;
    }
    out[0] = iv_tensor_steal(y);
    if (yi) out[1] = iv_tensor_steal(yi);
    return TS_OK;
}

static ts_status pool3d(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool is_max) {
    return pool3d_impl(ctx, op, in, nin, out, is_max, false);
}

OPFN(top_max_pool3d_with_indices) { return pool3d_impl(ctx, "max_pool3d_with_indices", in, nin, out, true, true); }

OPFN(top_avg_pool3d) { return pool3d(ctx, "avg_pool3d", in, nin, out, false); }
OPFN(top_max_pool3d) { return pool3d(ctx, "max_pool3d", in, nin, out, true); }
