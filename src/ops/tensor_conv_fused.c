/*
 * tensor_conv_fused.c - tscript::conv2d_fused, the convolution the optimiser
 * (src/opt/fuse.c) makes of aten::conv2d followed by a residual add and an
 * activation:
 *
 *   out = act(conv2d(input, weight, bias, stride, padding, dilation, groups) [+ residual])
 *
 * act: 0 none, 1 relu, 2 clamp to [lo, hi] (hardtanh, relu6), 3 hardswish,
 * 4 silu. With oneDNN
 * (ops/conv_fast.h) the add and the activation are post-ops of the one
 * primitive: the output is written once. Otherwise, or when oneDNN cannot
 * take the operands (not float32, a residual of another shape or dtype,
 * a geometry it refuses), the convolution is aten::conv2d's own code
 * (validation and messages included) and the add and the activation run in
 * place on its fresh output, which is what the unfused ops compute.
 */
#include "ops/conv_fast.h"
#include "ops/tensor_ops.h"

enum { ACT_NONE = 0, ACT_RELU = 1, ACT_CLAMP = 2, ACT_HARDSWISH = 3, ACT_SILU = 4 };

/* The oneDNN descriptor of the call, when the operands are what it takes:
 * batched float32 NCHW, a matching weight, an output of positive size. */
static bool fast_desc(Ctx *ctx, IValue *in, const Tensor *x, const Tensor *w, const Tensor *b, OnednnConvDesc *d) {
    int64_t st[2], pad[2], dil[2];
    int n;
    if (x->ndim != 4 || w->ndim != 4 || x->dtype != DT_FLOAT32 || w->dtype != DT_FLOAT32) return false;
    if (b && (b->dtype != DT_FLOAT32 || b->ndim != 1 || b->sizes[0] != w->sizes[0])) return false;
    int64_t *lists[3] = {st, pad, dil};
    for (int k = 0; k < 3; k++) {
        if (op_int_list(ctx, "conv2d", in[3 + k], lists[k], &n) != TS_OK) {
            ts_clear_error(ctx);
            return false;
        }
        if (n == 1) lists[k][1] = lists[k][0];
        else if (n != 2) return false;
    }
    int64_t groups = op_int(in[6]);
    if (groups < 1 || w->sizes[0] % groups || w->sizes[1] * groups != x->sizes[1]) return false;
    if (st[0] < 1 || st[1] < 1 || dil[0] < 1 || dil[1] < 1 || pad[0] < 0 || pad[1] < 0) return false;
    int64_t oh = (x->sizes[2] + 2 * pad[0] - dil[0] * (w->sizes[2] - 1) - 1), ow;
    ow = (x->sizes[3] + 2 * pad[1] - dil[1] * (w->sizes[3] - 1) - 1);
    if (oh < 0 || ow < 0 || x->sizes[0] < 1 || w->sizes[0] < 1 || w->sizes[1] < 1) return false;
    *d = (OnednnConvDesc){.N = x->sizes[0], .C = x->sizes[1], .H = x->sizes[2], .W = x->sizes[3], .OC = w->sizes[0],
                          .KH = w->sizes[2], .KW = w->sizes[3], .OH = oh / st[0] + 1, .OW = ow / st[1] + 1,
                          .sh = st[0], .sw = st[1], .ph = pad[0], .pw = pad[1], .ph_r = pad[0], .pw_r = pad[1],
                          .dh = dil[0], .dw = dil[1], .groups = groups, .bias = b != NULL};
    return true;
}

static bool same_shape(const Tensor *a, const int64_t *sizes, int ndim) {
    if (a->ndim != ndim) return false;
    for (int i = 0; i < ndim; i++)
        if (a->sizes[i] != sizes[i]) return false;
    return true;
}

/* The oneDNN path; false when it does not apply (nothing allocated). */
static bool conv_fused_fast(Ctx *ctx, const OpInfo *info, IValue *in, Tensor *x, Tensor *w, Tensor *b, Tensor *res,
                            int64_t act, double lo, double hi, IValue *out) {
    OnednnConvDesc d;
    if (!conv_fast_enabled() || !fast_desc(ctx, in, x, w, b, &d)) return false;
    int64_t osz[4] = {d.N, d.OC, d.OH, d.OW};
    if (res && (res->dtype != DT_FLOAT32 || !same_shape(res, osz, 4))) return false;
    d.sum = res != NULL;
    static const OnednnAct acts[] = {ONEDNN_ACT_NONE, ONEDNN_ACT_RELU, ONEDNN_ACT_CLAMP, ONEDNN_ACT_HARDSWISH,
                                     ONEDNN_ACT_SILU};
    if (act < 0 || act > ACT_SILU) return false;
    d.act = acts[act];
    d.lo = (float)lo, d.hi = (float)hi;
    Tensor *xc = tensor_contiguous(ctx, x), *rc = res ? tensor_contiguous(ctx, res) : NULL;
    Tensor *r = xc && (!res || rc) ? tensor_new_uninit(ctx, DT_FLOAT32, osz, 4) : NULL;
    bool done = r && conv_fast_run(ctx, info, &d, xc, w, b, rc, r);
    tensor_release(xc);
    tensor_release(rc);
    if (!done) {
        tensor_release(r);
        if (ctx->status != TS_OK) ts_clear_error(ctx);
        return false;
    }
    out[0] = iv_tensor_steal(r);
    return true;
}

/* Call one registry op by name on args; out[0] its result. */
static ts_status call_op(Ctx *ctx, const char *name, const char *overload, IValue *args, int n, IValue *out) {
    const OpSchema *s = ops_lookup_overload(name, overload);
    if (!s) return ts_fail(ctx, TS_ERR_NOT_FOUND, NULL, "conv2d_fused: %s.%s is not registered", name, overload);
    OpInfo oi = {s, NULL, 1, NULL};
    out[0] = iv_none();
    return s->fn(ctx, args, n, out, &oi);
}

OPFN(top_conv2d_fused) {
    Tensor *x, *w, *b, *res;
    TS_TRY(op_tensor(ctx, "conv2d", in, nin, 0, &x));
    TS_TRY(op_tensor(ctx, "conv2d", in, nin, 1, &w));
    TS_TRY(op_opt_tensor(ctx, "conv2d", in, nin, 2, &b));
    TS_TRY(op_opt_tensor(ctx, "conv2d", in, nin, 7, &res));
    int64_t act = op_int(in[8]);
    double lo = iv_scalar_f64(in[9]), hi = iv_scalar_f64(in[10]);
    if (conv_fused_fast(ctx, info, in, x, w, b, res, act, lo, hi, out)) return TS_OK;
    /* aten::conv2d's own code (the cache of this call site serves it too) */
    IValue conv;
    TS_TRY(top_conv2d(ctx, in, 7, &conv, info));
    IValue cur = conv, r;
    if (res) {
        /* in place on the fresh output when the sum keeps its shape and dtype, else out of place */
        bool inplace = res->dtype == cur.u.t->dtype && same_shape(res, cur.u.t->sizes, cur.u.t->ndim);
        IValue args[3] = {cur, in[7], iv_int(1)};
        ts_status st = call_op(ctx, inplace ? "aten::add_" : "aten::add", "Tensor", args, 3, &r);
        iv_release(cur);
        if (st != TS_OK) return st;
        cur = r;
    }
    if (act >= ACT_RELU && act <= ACT_SILU) {
        static const char *names[] = {NULL, "aten::relu_", "aten::hardtanh_", "aten::hardswish_", "aten::silu_"};
        IValue args[3] = {cur, iv_double(lo), iv_double(hi)};
        ts_status st = call_op(ctx, names[act], "", args, act == ACT_CLAMP ? 3 : 1, &r);
        iv_release(cur);
        if (st != TS_OK) return st;
        cur = r;
    }
    out[0] = cur;
    return TS_OK;
}
