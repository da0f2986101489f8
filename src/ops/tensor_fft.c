/*
 * tensor_fft.c - the torch.fft ops whose results are real: irfft / irfft2 /
 * irfftn and hfft / hfft2 / hfftn (Hermitian spectra to real signals),
 * fftshift / ifftshift, and stft / istft in their real forms (a trailing
 * dimension of 2 for the real and imaginary parts, as PyTorch 1.13 returns
 * them with return_complex=False).
 *
 * tscript has no complex dtype, so a transform whose result is complex
 * (fft, rfft, ihfft, ...) is not offered, and the inputs here are real
 * tensors taken as spectra with zero imaginary parts (PyTorch promotes a
 * real input the same way). Where it sits: ops/ lays the input out as a
 * contiguous complex float64 work array (CArr, split re / im), resizes it
 * to the requested lengths (trim or zero-pad, as PyTorch's resize of the
 * input), and runs kernels/fft.h along each axis: a complex inverse
 * transform along every dim but the last, then the Hermitian (c2r) one
 * along the last. For a real input hfftn(x) = N * irfftn(x) (the conjugate
 * of a real spectrum is itself and the result is real), so both families
 * share the computation and differ in the normalisation only.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "kernels/fft.h"
#include "ops/tensor_ops.h"

typedef struct CArr {
    int nd;
    int64_t sz[TS_MAX_DIMS];
    int64_t n;
    double *re, *im;
} CArr;

static void carr_free(CArr *c) {
    ts_free(c->re);
    c->re = c->im = NULL;
}

/* Work arrays are limited to 2^40 elements: the requested lengths (s=, n=) are
 * the caller's numbers, and their product must not overflow. */
static ts_status carr_alloc(Ctx *ctx, const char *op, CArr *c) {
    c->n = 1;
    for (int i = 0; i < c->nd; i++)
        if (__builtin_mul_overflow(c->n, c->sz[i], &c->n) || c->n > ((int64_t)1 << 40))
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: the transform's result would be too large", op);
    c->re = ts_malloc(sizeof(double) * (size_t)(2 * c->n > 0 ? 2 * c->n : 1));
    if (!c->re) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    c->im = c->re + c->n;
    memset(c->re, 0, sizeof(double) * (size_t)(2 * c->n));
    return TS_OK;
}

/* x (real) as a complex array with zero imaginary parts. */
static ts_status carr_from(Ctx *ctx, const char *op, Tensor *x, CArr *c) {
    c->nd = x->ndim;
    memcpy(c->sz, x->sizes, sizeof(int64_t) * (size_t)x->ndim);
    Tensor *d = tensor_to_dtype(ctx, x, DT_FLOAT64);
    if (!d) return ctx->status;
    ts_status st = carr_alloc(ctx, op, c);
    if (st == TS_OK) memcpy(c->re, tensor_data(d), sizeof(double) * (size_t)c->n);
    tensor_release(d);
    return st;
}

static void axis_split(const CArr *c, int ax, int64_t *outer, int64_t *inner) {
    *outer = 1, *inner = 1;
    for (int i = 0; i < ax; i++) *outer *= c->sz[i];
    for (int i = ax + 1; i < c->nd; i++) *inner *= c->sz[i];
}

/* c with its axis ax trimmed or zero-padded to len (PyTorch's resize of the input). */
static ts_status carr_resize(Ctx *ctx, const char *op, CArr *c, int ax, int64_t len) {
    if (c->sz[ax] == len) return TS_OK;
    CArr r = *c;
    r.sz[ax] = len;
    TS_TRY(carr_alloc(ctx, op, &r));
    int64_t outer, inner, old = c->sz[ax], keep = old < len ? old : len;
    axis_split(c, ax, &outer, &inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < keep; k++) {
            memcpy(r.re + (o * len + k) * inner, c->re + (o * old + k) * inner, sizeof(double) * (size_t)inner);
            memcpy(r.im + (o * len + k) * inner, c->im + (o * old + k) * inner, sizeof(double) * (size_t)inner);
        }
    carr_free(c);
    *c = r;
    return TS_OK;
}

/* The 1-D transform (sign) of every line of c along ax, in place; with
 * hermitian_n > 0 the lines are the first n/2+1 values of Hermitian spectra
 * and become real signals of length n (c's axis is resized to n). */
static ts_status carr_transform(Ctx *ctx, const char *op, CArr *c, int ax, int sign, int64_t hermitian_n) {
    if (hermitian_n > 0) TS_TRY(carr_resize(ctx, op, c, ax, hermitian_n / 2 + 1));
    int64_t n = hermitian_n > 0 ? hermitian_n : c->sz[ax], h = c->sz[ax];
    CArr r = *c;
    if (hermitian_n > 0) {
        r.sz[ax] = n;
        TS_TRY(carr_alloc(ctx, op, &r));
    }
    double *lr = ts_malloc(sizeof(double) * (size_t)(2 * n > 0 ? 2 * n : 1)), *li = lr ? lr + n : NULL;
    if (!lr) {
        if (hermitian_n > 0) carr_free(&r);
        return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    }
    int64_t outer, inner;
    axis_split(c, ax, &outer, &inner);
    ts_status st = TS_OK;
    for (int64_t o = 0; o < outer && st == TS_OK; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *sr = c->re + o * h * inner + i, *si = c->im + o * h * inner + i;
            if (hermitian_n > 0) {
                for (int64_t k = 0; k < n; k++) {
                    int64_t src = k < h ? k : n - k;
                    lr[k] = sr[src * inner];
                    li[k] = k < h ? si[src * inner] : -si[src * inner];
                }
            } else {
                for (int64_t k = 0; k < n; k++) lr[k] = sr[k * inner], li[k] = si[k * inner];
            }
            if (kref_fft_c2c(n, lr, li, sign) != 0) {
                st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
                break;
            }
            double *dr = r.re + o * n * inner + i, *di = r.im + o * n * inner + i;
            for (int64_t k = 0; k < n; k++) dr[k * inner] = lr[k], di[k * inner] = hermitian_n > 0 ? 0 : li[k];
        }
    ts_free(lr);
    if (hermitian_n > 0) {
        if (st != TS_OK) {
            carr_free(&r);
            return st;
        }
        carr_free(c);
        *c = r;
    }
    return st;
}

/* norm: None / "backward" / "ortho" / "forward" -> the factor for N points;
 * inverse: the transform is an inverse one (backward scales by 1/N). */
static ts_status norm_factor(Ctx *ctx, const char *op, IValue norm, bool inverse, double npts, double *f) {
    const char *s = norm.kind == IV_STR ? norm.u.s->data : "backward";
    if (!strcmp(s, "backward")) *f = inverse ? 1 / npts : 1;
    else if (!strcmp(s, "forward")) *f = inverse ? 1 : 1 / npts;
    else if (!strcmp(s, "ortho")) *f = 1 / sqrt(npts);
    else return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Invalid normalization mode: \"%s\"", op, s);
    return TS_OK;
}

/* The result dtype of a real transform: float64 stays, everything else is float32. */
static ts_status fft_dtype(Ctx *ctx, const char *op, const Tensor *x, DType *dt) {
    if (x->dtype == DT_FLOAT16 || x->dtype == DT_BFLOAT16)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: Unsupported dtype %s", op, dtype_name(x->dtype));
    *dt = x->dtype == DT_FLOAT64 ? DT_FLOAT64 : DT_FLOAT32;
    return TS_OK;
}

/* irfftn (hermitian_fwd false) or hfftn (true) of x over dims with output
 * lengths s (either may be absent: has_dims / has_s). */
static ts_status c2r_nd(Ctx *ctx, const char *op, Tensor *x, bool has_s, const int64_t *s, int ns, bool has_dims,
                        const int64_t *dl, int nd, IValue norm, bool hermitian_fwd, IValue *out) {
    DType dt = DT_FLOAT32;
    TS_TRY(fft_dtype(ctx, op, x, &dt));
    int dims[TS_MAX_DIMS], n = 0;
    if (has_dims && has_s && nd != ns)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: When given, dim and shape arguments must have the same length", op);
    if (has_dims) {
        for (int i = 0; i < nd; i++) TS_TRY(op_wrap_dim(ctx, op, dl[i], x->ndim, &dims[n++]));
    } else if (has_s) {
        if (ns > x->ndim)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Got shape with %d values but input tensor only has %d "
                           "dimensions.", op, ns, x->ndim);
        for (int i = 0; i < ns; i++) dims[n++] = x->ndim - ns + i;
    } else {
        for (int i = 0; i < x->ndim; i++) dims[n++] = i;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (dims[i] == dims[j]) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: FFT dims must be unique", op);
    if (n == 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: must transform at least one axis", op);
    int64_t len[TS_MAX_DIMS];
    double npts = 1;
    for (int i = 0; i < n; i++) {
        if (has_s && s[i] != -1) len[i] = s[i];
        else len[i] = i == n - 1 ? 2 * (x->sizes[dims[i]] - 1) : x->sizes[dims[i]];
        if (len[i] < 1)
            return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: Invalid number of data points (%" PRId64 ") specified", op,
                           len[i]);
        npts *= (double)len[i];
    }
    double f = 1;
    TS_TRY(norm_factor(ctx, op, norm, !hermitian_fwd, npts, &f));
    CArr c;
    TS_TRY(carr_from(ctx, op, x, &c));
    ts_status st = TS_OK;
    for (int i = 0; i < n - 1 && st == TS_OK; i++) {
        st = carr_resize(ctx, op, &c, dims[i], len[i]);
        if (st == TS_OK) st = carr_transform(ctx, op, &c, dims[i], +1, 0);
    }
    if (st == TS_OK) st = carr_transform(ctx, op, &c, dims[n - 1], +1, len[n - 1]);
    Tensor *r = NULL;
    if (st == TS_OK) {
        r = tensor_new_uninit(ctx, dt, c.sz, c.nd);
        if (r) {
            for (int64_t i = 0; i < c.n; i++) {
                if (dt == DT_FLOAT64) ((double *)tensor_data(r))[i] = c.re[i] * f;
                else ((float *)tensor_data(r))[i] = (float)(c.re[i] * f);
            }
        } else {
            st = ctx->status;
        }
    }
    carr_free(&c);
    if (st != TS_OK) return st;
    return op_return(out, r);
}

static ts_status c2r_1d(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool herm) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t s = in[1].kind == IV_NONE ? -1 : op_int(in[1]), d = op_int(in[2]);
    if (x->ndim == 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: Dimension specified as %" PRId64 " but tensor has no dimensions", op, d);
    return c2r_nd(ctx, op, x, in[1].kind != IV_NONE, &s, 1, true, &d, 1, in[3], herm, out);
}

static ts_status c2r_multi(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool herm) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t s[TS_MAX_DIMS], d[TS_MAX_DIMS];
    int ns = 0, nd = 0;
    if (in[1].kind != IV_NONE) TS_TRY(op_int_list(ctx, op, in[1], s, &ns));
    if (in[2].kind != IV_NONE) TS_TRY(op_int_list(ctx, op, in[2], d, &nd));
    return c2r_nd(ctx, op, x, in[1].kind != IV_NONE, s, ns, in[2].kind != IV_NONE, d, nd, in[3], herm, out);
}

OPFN(top_fft_irfft) { return c2r_1d(ctx, "fft_irfft", in, nin, out, false); }
OPFN(top_fft_hfft) { return c2r_1d(ctx, "fft_hfft", in, nin, out, true); }
OPFN(top_fft_irfft2) { return c2r_multi(ctx, "fft_irfft2", in, nin, out, false); }
OPFN(top_fft_hfft2) { return c2r_multi(ctx, "fft_hfft2", in, nin, out, true); }
OPFN(top_fft_irfftn) { return c2r_multi(ctx, "fft_irfftn", in, nin, out, false); }
OPFN(top_fft_hfftn) { return c2r_multi(ctx, "fft_hfftn", in, nin, out, true); }

/* ---- fftshift / ifftshift: a roll by n/2 (or back) along the dims ---- */

static ts_status fft_shift(Ctx *ctx, const char *op, IValue *in, int nin, IValue *out, bool inverse) {
    Tensor *x;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    int64_t dl[TS_MAX_DIMS], shift[TS_MAX_DIMS] = {0};
    int nd = 0;
    if (x->ndim == 0) /* PyTorch's roll of no dims, or size() of a dim a 0-dim tensor lacks */
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, in[1].kind == IV_NONE ? "%s: `shifts` required"
                       : "%s: Dimension specified as 0 but tensor has no dimensions", op);
    if (in[1].kind != IV_NONE) {
        TS_TRY(op_int_list(ctx, op, in[1], dl, &nd));
    } else {
        for (int i = 0; i < x->ndim; i++) dl[nd++] = i;
    }
    for (int i = 0; i < nd; i++) {
        int d;
        TS_TRY(op_wrap_dim(ctx, op, dl[i], x->ndim, &d));
        int64_t n = x->sizes[d];
        shift[d] += inverse ? (n + 1) / 2 : n / 2;
    }
    Tensor *c = tensor_contiguous(ctx, x);
    if (!c) return ctx->status;
    Tensor *r = tensor_new_uninit(ctx, x->dtype, x->sizes, x->ndim);
    if (!r) {
        tensor_release(c);
        return ctx->status;
    }
    size_t es = dtype_size(x->dtype);
    int64_t total = tensor_numel(x), idx[TS_MAX_DIMS] = {0}, st[TS_MAX_DIMS];
    tensor_contiguous_strides(x->sizes, x->ndim, st);
    const char *src = tensor_data(c);
    char *dst = tensor_data(r);
    for (int64_t i = 0; i < total; i++) {
        int64_t off = 0;
        for (int d = 0; d < x->ndim; d++) {
            int64_t n = x->sizes[d], s = ((idx[d] - shift[d]) % n + n) % n;
            off += s * st[d];
        }
        memcpy(dst + (size_t)i * es, src + (size_t)off * es, es);
        for (int d = x->ndim - 1; d >= 0; d--) {
            if (++idx[d] < x->sizes[d]) break;
            idx[d] = 0;
        }
    }
    tensor_release(c);
    return op_return(out, r);
}

OPFN(top_fft_fftshift) { return fft_shift(ctx, "fft_fftshift", in, nin, out, false); }
OPFN(top_fft_ifftshift) { return fft_shift(ctx, "fft_ifftshift", in, nin, out, true); }

/* ---- stft / istft (real forms) ---- */

/* The window of win_length values (ones when absent) centred in n_fft, into w[n_fft]. */
static ts_status stft_window(Ctx *ctx, const char *op, Tensor *win, int64_t n_fft, int64_t win_length, double *w) {
    if (win && (win->ndim != 1 || win->sizes[0] != win_length)) {
        ShapeText s;
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected a 1D window tensor of size equal to win_length=%" PRId64
                       ", but got window with size %s", op, win_length, op_shape(&s, win));
    }
    int64_t left = (n_fft - win_length) / 2;
    for (int64_t j = 0; j < n_fft; j++) {
        int64_t k = j - left;
        w[j] = k < 0 || k >= win_length ? 0 : win ? tensor_get_f64(win, k) : 1;
    }
    return TS_OK;
}

static ts_status stft_common(Ctx *ctx, IValue *in, int nin, IValue *out, int i_norm, int i_onesided, int i_complex) {
    const char *op = "stft";
    Tensor *x, *win;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 4, &win));
    if (in[i_complex].kind != IV_NONE && op_bool(in[i_complex]))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: return_complex=True needs a complex result, and tscript has no "
                       "complex dtype; use return_complex=False (a trailing dimension of 2)", op);
    if (!dtype_is_float(x->dtype) || x->dtype == DT_FLOAT16 || x->dtype == DT_BFLOAT16)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a float32 or float64 input, got %s", op, dtype_name(x->dtype));
    if (x->ndim != 1 && x->ndim != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected a 1D or 2D tensor, but got %dD", op, x->ndim);
    int64_t len = x->sizes[x->ndim - 1], batch = x->ndim == 2 ? x->sizes[0] : 1;
    int64_t n_fft = op_int(in[1]);
    int64_t hop = in[2].kind == IV_NONE ? n_fft / 4 : op_int(in[2]);
    int64_t wl = in[3].kind == IV_NONE ? n_fft : op_int(in[3]);
    if (n_fft <= 0 || n_fft > len)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: expected 0 < n_fft < %" PRId64 ", but got n_fft=%" PRId64, op, len, n_fft);
    if (hop <= 0) return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: expected hop_length > 0, but got hop_length=%" PRId64, op, hop);
    if (wl <= 0 || wl > n_fft)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: expected 0 < win_length <= n_fft, but got win_length=%" PRId64, op, wl);
    bool onesided = in[i_onesided].kind == IV_NONE ? true : op_bool(in[i_onesided]);
    int64_t nfreq = onesided ? n_fft / 2 + 1 : n_fft, nfr = 1 + (len - n_fft) / hop;
    double scale = op_bool(in[i_norm]) ? 1 / sqrt((double)n_fft) : 1;
    double *w = ts_malloc(sizeof(double) * (size_t)(3 * n_fft));
    if (!w) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    double *lr = w + n_fft, *li = lr + n_fft;
    ts_status st = stft_window(ctx, op, win, n_fft, wl, w);
    Tensor *xd = st == TS_OK ? tensor_to_dtype(ctx, x, DT_FLOAT64) : NULL, *r = NULL;
    if (st == TS_OK && !xd) st = ctx->status;
    if (st == TS_OK) {
        int64_t sz[4] = {batch, nfreq, nfr, 2};
        r = x->ndim == 2 ? tensor_new_uninit(ctx, x->dtype, sz, 4) : tensor_new_uninit(ctx, x->dtype, sz + 1, 3);
        if (!r) st = ctx->status;
    }
    for (int64_t b = 0; st == TS_OK && b < batch; b++)
        for (int64_t t = 0; t < nfr; t++) {
            const double *s = (const double *)tensor_data(xd) + b * len + t * hop;
            for (int64_t j = 0; j < n_fft; j++) lr[j] = s[j] * w[j], li[j] = 0;
            if (kref_fft_c2c(n_fft, lr, li, -1) != 0) {
                st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
                break;
            }
            for (int64_t f = 0; f < nfreq; f++) {
                int64_t o = ((b * nfreq + f) * nfr + t) * 2;
                double re = lr[f] * scale, im = li[f] * scale;
                if (x->dtype == DT_FLOAT64) ((double *)tensor_data(r))[o] = re, ((double *)tensor_data(r))[o + 1] = im;
                else ((float *)tensor_data(r))[o] = (float)re, ((float *)tensor_data(r))[o + 1] = (float)im;
            }
        }
    ts_free(w);
    tensor_release(xd);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}

OPFN(top_stft) { return stft_common(ctx, in, nin, out, 5, 6, 7); }

OPFN(top_istft) {
    const char *op = "istft";
    Tensor *x, *win;
    TS_TRY(op_tensor(ctx, op, in, nin, 0, &x));
    TS_TRY(op_opt_tensor(ctx, op, in, nin, 4, &win));
    if (op_bool(in[9]))
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: return_complex=True needs a complex result, and tscript has no "
                       "complex dtype", op);
    if (!dtype_is_float(x->dtype) || x->dtype == DT_FLOAT16 || x->dtype == DT_BFLOAT16)
        return ts_fail(ctx, TS_ERR_TYPE, NULL, "%s: expected a float32 or float64 input, got %s", op, dtype_name(x->dtype));
    if ((x->ndim != 3 && x->ndim != 4) || x->sizes[x->ndim - 1] != 2)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected a real tensor of shape (B?, N, T, 2) (the real form of a "
                       "complex spectrogram), got %dD", op, x->ndim);
    bool batched = x->ndim == 4;
    int64_t batch = batched ? x->sizes[0] : 1, fsz = x->sizes[x->ndim - 3], nfr = x->sizes[x->ndim - 2];
    int64_t n_fft = op_int(in[1]);
    int64_t hop = in[2].kind == IV_NONE ? n_fft / 4 : op_int(in[2]);
    int64_t wl = in[3].kind == IV_NONE ? n_fft : op_int(in[3]);
    bool center = op_bool(in[5]), normalized = op_bool(in[6]);
    bool onesided = in[7].kind == IV_NONE ? fsz != n_fft : op_bool(in[7]);
    if (n_fft <= 0 || wl <= 0 || wl > n_fft || hop <= 0 || hop > wl)
        return ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: expected 0 < hop_length <= win_length <= n_fft, got n_fft=%" PRId64
                       ", win_length=%" PRId64 ", hop_length=%" PRId64, op, n_fft, wl, hop);
    if (onesided && fsz != n_fft / 2 + 1)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected the frequency dimension (3rd to the last) of the input "
                       "tensor to match n_fft / 2 + 1 when onesided=True, but got %" PRId64, op, fsz);
    if (!onesided && fsz != n_fft)
        return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected the frequency dimension (3rd to the last) of the input "
                       "tensor to match n_fft when onesided=False, but got %" PRId64, op, fsz);
    if (nfr <= 0) return ts_fail(ctx, TS_ERR_SHAPE, NULL, "%s: expected at least one frame", op);
    int64_t explen = n_fft + hop * (nfr - 1), start = center ? n_fft / 2 : 0;
    int64_t end = in[8].kind != IV_NONE ? start + op_int(in[8]) : (center ? explen - n_fft / 2 : explen);
    int64_t cend = end < explen ? end : explen, outlen = end > explen ? end - start : cend - start;
    if (outlen < 0) outlen = 0;
    double *w = ts_malloc(sizeof(double) * (size_t)(3 * n_fft + 2 * explen));
    if (!w) return ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
    double *lr = w + n_fft, *li = lr + n_fft, *y = li + n_fft, *env = y + explen;
    ts_status st = stft_window(ctx, op, win, n_fft, wl, w);
    Tensor *xd = st == TS_OK ? tensor_to_dtype(ctx, x, DT_FLOAT64) : NULL, *r = NULL;
    if (st == TS_OK && !xd) st = ctx->status;
    if (st == TS_OK) {
        int64_t sz[2] = {batch, outlen};
        r = batched ? tensor_empty(ctx, x->dtype, sz, 2) : tensor_empty(ctx, x->dtype, sz + 1, 1);
        if (!r) st = ctx->status;
    }
    double nf = normalized ? 1 / sqrt((double)n_fft) : 1 / (double)n_fft;
    int64_t h = n_fft / 2 + 1;
    for (int64_t b = 0; st == TS_OK && b < batch; b++) {
        memset(y, 0, sizeof(double) * (size_t)(2 * explen));
        const double *s = (const double *)tensor_data(xd) + b * fsz * nfr * 2;
        for (int64_t t = 0; t < nfr; t++) {
            for (int64_t k = 0; k < n_fft; k++) { /* the Hermitian spectrum from its first half */
                int64_t src = k < h ? k : n_fft - k;
                lr[k] = s[(src * nfr + t) * 2];
                li[k] = k < h ? s[(src * nfr + t) * 2 + 1] : -s[(src * nfr + t) * 2 + 1];
            }
            if (kref_fft_c2c(n_fft, lr, li, +1) != 0) {
                st = ts_fail(ctx, TS_ERR_NOMEM, NULL, "%s: out of memory", op);
                break;
            }
            for (int64_t j = 0; j < n_fft; j++) {
                y[t * hop + j] += lr[j] * nf * w[j];
                env[t * hop + j] += w[j] * w[j];
            }
        }
        if (st != TS_OK) break;
        double lowest = INFINITY;
        for (int64_t i = start; i < cend; i++) lowest = fmin(lowest, fabs(env[i]));
        if (cend > start && !(lowest > 1e-11)) {
            st = ts_fail(ctx, TS_ERR_VALUE, NULL, "%s: istft(...) window overlap add min: %g", op, lowest);
            break;
        }
        for (int64_t i = start; i < cend; i++) {
            double v = y[i] / env[i];
            int64_t o = b * outlen + (i - start);
            if (x->dtype == DT_FLOAT64) ((double *)tensor_data(r))[o] = v;
            else ((float *)tensor_data(r))[o] = (float)v;
        }
    }
    ts_free(w);
    tensor_release(xd);
    if (st != TS_OK) {
        tensor_release(r);
        return st;
    }
    return op_return(out, r);
}
