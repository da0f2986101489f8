/*
 * tensor_layernorm.c - aten::layer_norm: normalise over the trailing
 * normalized_shape dims, then scale and shift elementwise; and
 * aten::rms_norm (PyTorch 2.4+): divide by the root mean square over those
 * dims, then scale.
 *
 * float32 and float64 (PyTorch's CPU kernel also takes half types; those
 * fail here). The statistics and formula are in kernels/ref/seq.c; this
 * file checks the shapes with PyTorch's messages and makes the operands
 * contiguous. seq_layer_norm is also the norm of the fused encoder layer
 * (tensor_attn.c).
 */
#include <float.h>
#include <inttypes.h>

#include "ops/seq_util.h"

ts_status seq_layer_norm(Ctx *ctx, Tensor *x, const int64_t *norm, int nnorm, Tensor *w, Tensor *b, double eps,
                         Tensor **out) {
    const char *op = "layer_norm";
    bool fit = nnorm >= 1 && nnorm <= x->ndim;
    for (int i = 0; fit && i < nnorm; i++)
        if (x->sizes[x->ndim - nnorm + i] != norm[i]) fit = false;
    if (!fit) {
        ShapeText s1, s2, s3;
        if (nnorm < 1)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = %s",
                           op, op_sizes(&s1, norm, nnorm));
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Given normalized_shape=%s, expected input with shape [*, %s, but got input of size%s",
                       op, op_sizes(&s1, norm, nnorm), op_sizes(&s2, norm, nnorm) + 1, op_shape(&s3, x));
    }
    Tensor *wb[2] = {w, b};
    const char *names[2] = {"weight", "bias"};
    for (int k = 0; k < 2; k++) {
        Tensor *t = wb[k];
        if (!t) continue;
        bool same = t->ndim == nnorm;
        for (int i = 0; same && i < nnorm; i++) same = t->sizes[i] == norm[i];
        if (!same) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected %s to be of same shape as normalized_shape, but got %s of shape %s and normalized_shape = %s",
                           op, names[k], names[k], op_shape(&s1, t), op_sizes(&s2, norm, nnorm));
        }
        if (t->dtype != x->dtype)
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected %s to have dtype %s, but got %s", op, names[k],
                           dtype_name(x->dtype), dtype_name(t->dtype));
    }
    if (x->dtype != DT_FLOAT32 && x->dtype != DT_FLOAT64)
        return ts_fail(ctx, TS_ERR_UNSUPPORTED, NULL, "%s: input must be float32 or float64, got %s", op,
                       dtype_name(x->dtype));
    int64_t n = 1, numel = tensor_numel(x);
    for (int i = 0; i < nnorm; i++) n *= norm[i];
    int64_t rows = n > 0 ? numel / n : 0;
    Tensor *xc = tensor_contiguous(ctx, x), *wc = NULL, *bc = NULL, *y = NULL;
    if (!xc || (w && !(wc = tensor_contiguous(ctx, w))) || (b && !(bc = tensor_contiguous(ctx, b))) ||
        !(y = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim)))
        goto fail;
    if (x->dtype == DT_FLOAT32)
        kref_layer_norm_f32(tensor_data(y), tensor_data(xc), rows, n, wc ? tensor_data(wc) : NULL,
                            bc ? tensor_data(bc) : NULL, eps);
    else
        kref_layer_norm_f64(tensor_data(y), tensor_data(xc), rows, n, wc ? tensor_data(wc) : NULL,
                            bc ? tensor_data(bc) : NULL, eps);
    tensor_release(xc);
    tensor_release(wc);
    tensor_release(bc);
    *out = y;
    return TS_OK;
fail:
    tensor_release(xc);
    tensor_release(wc);
    tensor_release(bc);
    return ctx->status;
}

OPFN(top_layer_norm) {
    Tensor *x, *w, *b, *r;
    TS_TRY(op_tensor(ctx, "layer_norm", in, nin, 0, &x));
    int64_t norm[TS_MAX_DIMS];
    int nnorm = 0;
    TS_TRY(op_int_list(ctx, "layer_norm", in[1], norm, &nnorm));
    TS_TRY(op_opt_tensor(ctx, "layer_norm", in, nin, 2, &w));
    TS_TRY(op_opt_tensor(ctx, "layer_norm", in, nin, 3, &b));
    TS_TRY(seq_layer_norm(ctx, x, norm, nnorm, w, b, iv_scalar_f64(in[4]), &r));
    return op_return(out, r);
}

/* rms_norm(input, normalized_shape, weight=None, eps=None): y = x /
 * sqrt(mean(x^2) + eps) * weight over the trailing dims, computed in
 * float32 (float64 for a float64 input; float16 / bfloat16 are converted
 * and the result rounded back, as PyTorch's opmath upcast). eps None is
 * the epsilon of that compute type (torch.finfo(float32).eps = 2^-23). The
 * result has the input's dtype; weight is converted to the compute type. */
OPFN(top_rms_norm) {
    const char *op = "rms_norm";
    Tensor *x, *w;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t norm[TS_MAX_DIMS];
    int nnorm = 0;
    TS_TRY(op_int_list(ctx, op, in[1], norm, &nnorm));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 2, &w));
    if (nnorm < 1) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = %s",
                       op, op_sizes(&s, norm, nnorm));
    }
    bool fit = nnorm <= x->ndim;
    for (int i = 0; fit && i < nnorm; i++)
        if (x->sizes[x->ndim - nnorm + i] != norm[i]) fit = false;
    if (!fit) {
        ShapeText s1, s2, s3;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Given normalized_shape=%s, expected input with shape [*%s, but got input of size%s",
                       op, op_sizes(&s1, norm, nnorm), op_sizes(&s2, norm, nnorm) + 1, op_shape(&s3, x));
    }
    if (w) {
        bool same = w->ndim == nnorm;
        for (int i = 0; same && i < nnorm; i++) same = w->sizes[i] == norm[i];
        if (!same) {
            ShapeText s1, s2;
            return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Expected weight to be of same shape as normalized_shape, but got weight of shape %s and normalized_shape = %s",
                           op, op_shape(&s1, w), op_sizes(&s2, norm, nnorm));
        }
        if (!dtype_is_float(w->dtype))
            return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a floating point weight, got %s", op, dtype_name(w->dtype));
    }
    if (!dtype_is_float(x->dtype))
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: \"rms_norm\" not implemented for '%s'", op, dtype_storage_name(x->dtype));
    DType ct = x->dtype == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    double eps = in[3].kind == IV_NONE ? (ct == DT_FLOAT64 ? DBL_EPSILON : FLT_EPSILON) : iv_scalar_f64(in[3]);
    int64_t n = 1, numel = tensor_numel(x);
    for (int i = 0; i < nnorm; i++) n *= norm[i];
    int64_t rows = n > 0 ? numel / n : 0;
    Tensor *xc = NULL, *wc = NULL, *wcc = NULL, *y = NULL;
    Tensor *xt = op_as_dtype(ctx, x, ct);
    if (!xt || !(xc = tensor_contiguous(ctx, xt))) goto fail;
    if (w && (!(wc = op_as_dtype(ctx, w, ct)) || !(wcc = tensor_contiguous(ctx, wc)))) goto fail;
    if (!(y = tensor_new_uninit(ctx, ct, x->sizes, x->ndim))) goto fail;
    if (ct == DT_FLOAT32)
        kref_rms_norm_f32(tensor_data(y), tensor_data(xc), rows, n, wcc ? tensor_data(wcc) : NULL, eps);
    else
        kref_rms_norm_f64(tensor_data(y), tensor_data(xc), rows, n, wcc ? tensor_data(wcc) : NULL, eps);
    tensor_release(xt);
    tensor_release(xc);
    tensor_release(wc);
    tensor_release(wcc);
    y = op_cast_steal(ctx, y, x->dtype);
    if (!y) return ctx->status;
    return op_return(out, y);
fail:
    tensor_release(xt);
    tensor_release(xc);
    tensor_release(wc);
    tensor_release(wcc);
    return ctx->status;
}
