/*
 * torchvision_ops.c - C kernels for two of torchvision's C++ ops, nms and
 * roi_align, on tscript's public API only: an example of custom ops
 * (ts_register_op) and a plugin for `tscript run --ops-lib`.
 *
 * A scripted or traced torchvision model calls these through
 * `ops.torchvision.nms(...)` / `ops.torchvision.roi_align(...)`, ops that
 * live in torchvision's C++ extension, not in PyTorch: without kernels for
 * them such an archive fails with "unknown builtin op 'torchvision::nms'".
 *
 * Built as build/libtorchvision_ops.so (a plugin: tscript loads it with
 * --ops-lib and calls tscript_register_ops), or compiled into a host that
 * calls tscript_register_ops(ctx, 0) itself before ts_module_load:
 *
 *     build/tscript run detector.pt img.npy --ops-lib build/libtorchvision_ops.so
 *
 * The arithmetic follows torchvision's CPU kernels (float32 in, float32 math):
 *  - nms: boxes (x1, y1, x2, y2) in descending score order (ties: lower
 *    index first); a box is dropped when its IoU with a kept one exceeds
 *    iou_threshold; returns the kept indices (int64) by decreasing score;
 *  - roi_align: per output bin, the mean of roi_bin_grid_h x roi_bin_grid_w
 *    bilinear samples (sampling_ratio, or ceil(roi size / output size) when
 *    it is <= 0); aligned shifts the box by half a pixel; samples more than
 *    one pixel outside the map count as 0.
 * Both refuse other dtypes than float32 with a message (an example, kept short).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tscript/tscript.h"

/* A float32 copy of a tensor argument, or NULL with the failure recorded. */
static float *floats_of(ts_ctx *ctx, const char *op, const char *what, const ts_value *t, ts_status *st) {
    if (ts_value_kind(t) != TS_KIND_TENSOR) {
        *st = ts_op_fail(ctx, TS_ERR_TYPE, "%s: %s must be a tensor", op, what);
        return NULL;
    }
    if (ts_tensor_dtype(t) != TS_FLOAT32) {
        *st = ts_op_fail(ctx, TS_ERR_TYPE, "%s: %s is %s; this example kernel takes float32", op, what,
                         ts_dtype_name(ts_tensor_dtype(t)));
        return NULL;
    }
    size_t n = (size_t)ts_tensor_numel(t);
    float *buf = malloc(n ? n * sizeof(float) : 1);
    if (!buf) {
        *st = ts_op_fail(ctx, TS_ERR_NOMEM, "%s: out of memory", op);
        return NULL;
    }
    *st = ts_value_to_buffer(ctx, t, TS_FLOAT32, buf, n * sizeof(float));
    if (*st != TS_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor ---- */

typedef struct Ranked {
    float score;
    int64_t index;
} Ranked;

static int by_score_desc(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static ts_status nms_kernel(ts_ctx *ctx, ts_value *const *args, size_t nargs, ts_value **rets, size_t nrets,
                            void *ud) {
    (void)nargs, (void)nrets, (void)ud;
    const ts_value *dets = args[0], *scores = args[1];
    double thr = ts_value_get_float(args[2]);
    if (ts_tensor_ndim(dets) != 2)
        return ts_op_fail(ctx, TS_ERR_SHAPE, "boxes should be a 2d tensor, got %dD", ts_tensor_ndim(dets));
    if (ts_tensor_size(dets, 1) != 4)
        return ts_op_fail(ctx, TS_ERR_SHAPE, "boxes should have 4 elements in dimension 1, got %lld",
                          (long long)ts_tensor_size(dets, 1));
    if (ts_tensor_ndim(scores) != 1)
        return ts_op_fail(ctx, TS_ERR_SHAPE, "scores should be a 1d tensor, got %dD", ts_tensor_ndim(scores));
    int64_t n = ts_tensor_size(dets, 0);
    if (ts_tensor_size(scores, 0) != n)
        return ts_op_fail(ctx, TS_ERR_SHAPE,
                          "boxes and scores should have same number of elements in dimension 0, got %lld and %lld",
                          (long long)n, (long long)ts_tensor_size(scores, 0));
    ts_status st = TS_OK;
    float *b = floats_of(ctx, "nms", "boxes", dets, &st);
    if (!b) return st;
    float *s = floats_of(ctx, "nms", "scores", scores, &st);
    Ranked *order = malloc(sizeof *order * (size_t)(n ? n : 1));
    float *area = malloc(sizeof *area * (size_t)(n ? n : 1));
    char *dropped = calloc((size_t)(n ? n : 1), 1);
    int64_t *keep = malloc(sizeof *keep * (size_t)(n ? n : 1));
    if (!s || !order || !area || !dropped || !keep) {
        if (s) st = ts_op_fail(ctx, TS_ERR_NOMEM, "nms: out of memory");
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        order[i].score = s[i];
        order[i].index = i;
        area[i] = (b[4 * i + 2] - b[4 * i]) * (b[4 * i + 3] - b[4 * i + 1]);
    }
    qsort(order, (size_t)n, sizeof *order, by_score_desc);
    int64_t nkeep = 0;
    for (int64_t a = 0; a < n; a++) {
        int64_t i = order[a].index;
        if (dropped[i]) continue;
        keep[nkeep++] = i;
        const float *bi = b + 4 * i;
        for (int64_t c = a + 1; c < n; c++) {
            int64_t j = order[c].index;
            if (dropped[j]) continue;
            const float *bj = b + 4 * j;
            float w = fmaxf(0.0f, fminf(bi[2], bj[2]) - fmaxf(bi[0], bj[0]));
            float h = fmaxf(0.0f, fminf(bi[3], bj[3]) - fmaxf(bi[1], bj[1]));
            float inter = w * h;
            float iou = inter / (area[i] + area[j] - inter);
            if (iou > thr) dropped[j] = 1;
        }
    }
    st = ts_value_from_buffer(ctx, TS_INT64, &nkeep, 1, keep, &rets[0]);
done:
    free(b);
    free(s);
    free(order);
    free(area);
    free(dropped);
    free(keep);
    return st;
}

/* ---- torchvision::roi_align(Tensor input, Tensor rois, float spatial_scale,
 *      int pooled_height, int pooled_width, int sampling_ratio, bool aligned) -> Tensor ---- */

/* One bilinear sample of the map m (h x w) at (y, x); 0 outside [-1, h] x [-1, w]. */
static float bilinear(const float *m, int64_t h, int64_t w, float y, float x) {
    if (y < -1.0f || y > (float)h || x < -1.0f || x > (float)w) return 0.0f;
    if (y <= 0) y = 0;
    if (x <= 0) x = 0;
    int64_t y0 = (int64_t)y, x0 = (int64_t)x, y1, x1;
    if (y0 >= h - 1) {
        y1 = y0 = h - 1;
        y = (float)y0;
    } else {
        y1 = y0 + 1;
    }
    if (x0 >= w - 1) {
        x1 = x0 = w - 1;
        x = (float)x0;
    } else {
        x1 = x0 + 1;
    }
    float ly = y - (float)y0, lx = x - (float)x0, hy = 1.0f - ly, hx = 1.0f - lx;
    /* torchvision sums the four weighted corners in this order */
    return hy * hx * m[y0 * w + x0] + hy * lx * m[y0 * w + x1] + ly * hx * m[y1 * w + x0] +
           ly * lx * m[y1 * w + x1];
}

static ts_status roi_align_kernel(ts_ctx *ctx, ts_value *const *args, size_t nargs, ts_value **rets,
                                  size_t nrets, void *ud) {
    (void)nargs, (void)nrets, (void)ud;
    const ts_value *input = args[0], *rois = args[1];
    float scale = (float)ts_value_get_float(args[2]);
    int64_t ph = ts_value_get_int(args[3]), pw = ts_value_get_int(args[4]);
    int64_t ratio = ts_value_get_int(args[5]);
    bool aligned = ts_value_get_bool(args[6]);
    if (ts_tensor_ndim(input) != 4)
        return ts_op_fail(ctx, TS_ERR_SHAPE, "roi_align: input must be [N, C, H, W], got %dD", ts_tensor_ndim(input));
    if (ts_tensor_ndim(rois) != 2 || ts_tensor_size(rois, 1) != 5)
        return ts_op_fail(ctx, TS_ERR_SHAPE, "roi_align: rois must be [K, 5] (batch index, x1, y1, x2, y2)");
    if (ph <= 0 || pw <= 0)
        return ts_op_fail(ctx, TS_ERR_VALUE, "roi_align: output size must be positive, got %lld x %lld",
                          (long long)ph, (long long)pw);
    int64_t nb = ts_tensor_size(input, 0), nc = ts_tensor_size(input, 1);
    int64_t h = ts_tensor_size(input, 2), w = ts_tensor_size(input, 3), k = ts_tensor_size(rois, 0);
    ts_status st = TS_OK;
    float *in = floats_of(ctx, "roi_align", "input", input, &st);
    if (!in) return st;
    float *r = floats_of(ctx, "roi_align", "rois", rois, &st);
    size_t nout = (size_t)(k * nc * ph * pw);
    float *out = calloc(nout ? nout : 1, sizeof *out);
    if (!r || !out) {
        if (r) st = ts_op_fail(ctx, TS_ERR_NOMEM, "roi_align: out of memory");
        goto done;
    }
    float offset = aligned ? 0.5f : 0.0f;
    for (int64_t n = 0; n < k; n++) {
        const float *roi = r + 5 * n;
        int64_t bi = (int64_t)roi[0];
        if (bi < 0 || bi >= nb) {
            st = ts_op_fail(ctx, TS_ERR_VALUE, "roi_align: roi %lld names batch %lld of %lld", (long long)n,
                            (long long)bi, (long long)nb);
            goto done;
        }
        float x0 = roi[1] * scale - offset, y0 = roi[2] * scale - offset;
        float rw = roi[3] * scale - offset - x0, rh = roi[4] * scale - offset - y0;
        if (!aligned) {
            rw = fmaxf(rw, 1.0f);
            rh = fmaxf(rh, 1.0f);
        }
        float bh = rh / (float)ph, bw = rw / (float)pw;
        int64_t gh = ratio > 0 ? ratio : (int64_t)ceilf(rh / (float)ph);
        int64_t gw = ratio > 0 ? ratio : (int64_t)ceilf(rw / (float)pw);
        float count = (float)(gh * gw > 1 ? gh * gw : 1);
        for (int64_t c = 0; c < nc; c++) {
            const float *m = in + (bi * nc + c) * h * w;
            float *o = out + ((n * nc + c) * ph) * pw;
            for (int64_t py = 0; py < ph; py++)
                for (int64_t px = 0; px < pw; px++) {
                    float acc = 0.0f;
                    for (int64_t iy = 0; iy < gh; iy++) {
                        float y = y0 + (float)py * bh + ((float)iy + 0.5f) * bh / (float)gh;
                        for (int64_t ix = 0; ix < gw; ix++) {
                            float x = x0 + (float)px * bw + ((float)ix + 0.5f) * bw / (float)gw;
                            acc += bilinear(m, h, w, y, x);
                        }
                    }
                    o[py * pw + px] = acc / count;
                }
        }
    }
    int64_t shape[4] = {k, nc, ph, pw};
    st = ts_value_from_buffer(ctx, TS_FLOAT32, shape, 4, out, &rets[0]);
done:
    free(in);
    free(r);
    free(out);
    return st;
}

/* Register both ops (flags: 0 on ctx, TS_OP_GLOBAL process-wide). */
TS_API ts_status tscript_register_ops(ts_ctx *ctx, unsigned flags) {
    ts_status st = ts_register_op_ex(ctx, flags,
                                     "torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
                                     nms_kernel, NULL);
    if (st != TS_OK) return st;
    return ts_register_op_ex(ctx, flags,
                             "torchvision::roi_align(Tensor input, Tensor rois, float spatial_scale, "
                             "int pooled_height, int pooled_width, int sampling_ratio, bool aligned) -> Tensor",
                             roi_align_kernel, NULL);
}
