/*
 * test_dispatch.c - the kernel dispatch table (kernels/dispatch.h): every
 * kernel of every instruction-set level this CPU runs, on odd shapes,
 * strides, paddings and dilations (the idea of ggml's test-backend-ops).
 *
 * Each level's result is compared with the exact value, computed in long
 * double from the same inputs: a sum of K products in any order, with or
 * without fused multiply-adds, is within gamma(K + 2) * sum |terms| of it
 * (gamma(n) = n u / (1 - n u), u the unit roundoff; + 2 for alpha, beta and
 * the bias), so that is the bound, per element. Where the design promises
 * more, more is checked: the direct, depthwise and batch-norm kernels of
 * every level equal the portable ones bit for bit (the same chains of
 * fused multiply-adds), and the blocked convolution gives the same bits
 * with 1 and 2 threads. Levels the CPU lacks are reported and skipped
 * (kernels_at clamps them); the cap (TSCRIPT_ISA, ts_config.max_isa)
 * is checked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"
#include <math.h>
#include <stdio.h>

#include "kernels/dispatch.h"
#include "kernels/parallel.h"
#include "ops/op.h"
#include "tscript/tscript.h"

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static double rnd(void) { /* uniform in [-1, 1) */
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (double)(g_rng >> 11) / (double)(1ull << 52) - 1.0;
}

static void *xalloc(size_t n) {
    void *p = ts_malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

static float *frand(size_t n) {
    float *p = xalloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = (float)rnd();
    return p;
}

static double *drand_(size_t n) {
    double *p = xalloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = rnd();
    return p;
}

static double gamma_n(int64_t n, double u) { return (double)n * u / (1 - (double)n * u); }

/* |got - exact| <= gamma(terms + 2) * mag, the bound of a sum of terms products. */
static void check_sum(const char *what, KIsa l, int64_t i, double got, long double exact, long double mag,
                      int64_t terms, double u) {
    double bound = gamma_n(terms + 2, u) * (double)mag * 1.001;
    double err = fabs(got - (double)exact);
    if (!(err <= bound))
        fail_msg("%s at %s: element %lld: %.17g, exact %.17Lg (error %.3g > bound %.3g: %lld terms of "
                 "magnitude %.3Lg)",
                 what, kernels_isa_name(l), (long long)i, got, exact, err, bound, (long long)terms, mag);
}

/* The levels to test: each one the CPU runs. */
static int levels(KIsa *out) {
    int n = 0;
    for (int l = KISA_PORTABLE; l <= KISA_MAX; l++) {
        if ((int)kernels_at((KIsa)l)->isa == l) out[n++] = (KIsa)l;
        else print_message("level %s: not supported by this CPU, skipped\n", kernels_isa_name(l));
    }
    return n;
}

/* ---- the table and the cap ---- */

static void test_table(void **state) {
    (void)state;
    KIsa cpu = kernels_isa_cpu();
    print_message("CPU level: %s; in use: %s\n", kernels_isa_name(cpu), kernels_isa_name(kernels()->isa));
    assert_true(cpu >= KISA_PORTABLE && cpu <= KISA_MAX);
    for (int l = KISA_PORTABLE; l <= KISA_MAX; l++) {
        const KernelTable *t = kernels_at((KIsa)l);
        assert_int_equal(t->isa, l < (int)cpu ? l : (int)cpu); /* clamped, never above the CPU */
        assert_non_null(t->gemm);
        assert_non_null(t->conv_depthwise_f32);
        assert_non_null(t->conv_direct_f32);
        assert_non_null(t->channel_affine_f64);
        assert_true((t->conv_blocked_f32 != NULL) == (t->conv_blocked_f32_scratch != NULL));
        assert_true(!t->conv_blocked_f32 || t->isa >= KISA_AVX512);
    }
    /* portable: the reference GEMM, no BLAS */
    assert_ptr_equal(kernels_at(KISA_PORTABLE)->gemm, kernels_ref_backend());
    for (int l = KISA_AUTO; l <= KISA_MAX; l++) assert_int_equal(kernels_isa_parse(kernels_isa_name(l)), l);
    assert_int_equal(kernels_isa_parse("sse2"), -1);
    assert_null(kernels_isa_name(7));
}

static void test_cap(void **state) {
    (void)state;
    const KernelTable *before = kernels();
    int env = kernels_isa_env();
    KIsa top = kernels_isa_cpu();
    if (env > 0 && env < (int)top) top = (KIsa)env;
    assert_ptr_equal(before, kernels_at(top));
    for (int l = KISA_PORTABLE; l <= KISA_MAX; l++) {
        kernels_set_max_isa((KIsa)l);
        assert_int_equal(kernels()->isa, l < (int)top ? l : (int)top); /* the lower wins */
        assert_int_equal(ts_isa(), kernels()->isa);
    }
    /* through the public API, and back to no cap */
    ts_ctx *ctx = NULL;
    ts_config bad = {.max_isa = 4};
    assert_int_equal(ts_ctx_new(&bad, &ctx), TS_ERR_ARG);
    ts_config cfg = {.max_isa = TS_ISA_PORTABLE};
    assert_int_equal(ts_ctx_new(&cfg, &ctx), TS_OK);
    assert_int_equal(ts_isa(), TS_ISA_PORTABLE);
    assert_ptr_equal(kernels()->gemm, kernels_ref_backend());
    ts_ctx_free(ctx);
    kernels_set_max_isa(KISA_AUTO);
    assert_ptr_equal(kernels(), before);
    assert_int_equal(ts_isa_supported(), (int)kernels_isa_cpu());
}

/* ---- GEMM, GEMV, dot ---- */

typedef struct GemmCase {
    int64_t M, N, K;
    int ta, tb, tc; /* A, B stored transposed; C column-major */
    int pad;        /* extra leading-dimension padding */
    float alpha, beta;
} GemmCase;

static const GemmCase g_gemm[] = {
    {1, 1, 1, 0, 0, 0, 0, 1, 0},    {3, 5, 7, 0, 0, 0, 0, 1, 0},      {5, 3, 7, 1, 0, 0, 1, 1, 0},
    {7, 9, 3, 0, 1, 0, 0, 1, 0},    {17, 33, 65, 1, 1, 0, 3, 1, 0},   {33, 17, 129, 0, 1, 1, 0, 1, 1},
    {65, 63, 130, 0, 1, 0, 2, 0.5f, 1}, {1, 100, 300, 0, 1, 0, 0, 1, 0}, {100, 1, 300, 0, 0, 0, 0, 1, 0},
    {37, 41, 257, 1, 0, 1, 5, 2, 0.25f}, {130, 70, 33, 1, 1, 1, 1, -1, 3}, {2, 3, 0, 0, 0, 0, 0, 1, 0},
};

static void test_gemm_levels(void **state) {
    (void)state;
    KIsa lv[KISA_MAX + 1];
    int nl = levels(lv);
    for (size_t t = 0; t < TS_ARRAY_LEN(g_gemm); t++) {
        const GemmCase *c = &g_gemm[t];
        int64_t M = c->M, N = c->N, K = c->K, p = c->pad;
        int64_t am = c->ta ? 1 : K + p, ak = c->ta ? M + p : 1, bk = c->tb ? 1 : N + p, bn = c->tb ? K + p : 1;
        int64_t cm = c->tc ? 1 : N + p, cn = c->tc ? M + p : 1;
        size_t na = (size_t)((M + p) * (K + p) + 1), nb = (size_t)((K + p) * (N + p) + 1);
        size_t nc = (size_t)((M + p) * (N + p) + 1);
        float *A = frand(na), *B = frand(nb), *C0 = frand(nc), *C = xalloc(nc * sizeof *C);
        double *Ad = drand_(na), *Bd = drand_(nb), *C0d = drand_(nc), *Cd = xalloc(nc * sizeof *Cd);
        for (int li = 0; li < nl; li++) {
            const KernelBackend *be = kernels_at(lv[li])->gemm;
            memcpy(C, C0, nc * sizeof *C);
            memcpy(Cd, C0d, nc * sizeof *Cd);
            be->sgemm(M, N, K, c->alpha, A, am, ak, B, bk, bn, c->beta, C, cm, cn);
            be->dgemm(M, N, K, c->alpha, Ad, am, ak, Bd, bk, bn, c->beta, Cd, cm, cn);
            for (int64_t i = 0; i < M; i++)
                for (int64_t j = 0; j < N; j++) {
                    long double s = 0, m = 0, sd = 0, md = 0;
                    for (int64_t k = 0; k < K; k++) {
                        long double x = (long double)A[i * am + k * ak] * B[k * bk + j * bn];
                        long double xd = (long double)Ad[i * am + k * ak] * Bd[k * bk + j * bn];
                        s += x, m += fabsl(x), sd += xd, md += fabsl(xd);
                    }
                    int64_t o = i * cm + j * cn;
                    long double e = c->alpha * s, ed = c->alpha * sd;
                    long double mg = fabsl(c->alpha * m), mgd = fabsl(c->alpha * md);
                    if (c->beta != 0) {
                        e += (long double)c->beta * C0[o], mg += fabsl((long double)c->beta * C0[o]);
                        ed += (long double)c->beta * C0d[o], mgd += fabsl((long double)c->beta * C0d[o]);
                    }
                    check_sum("sgemm", lv[li], o, C[o], e, mg, K, 0x1p-24);
                    check_sum("dgemm", lv[li], o, Cd[o], ed, mgd, K, 0x1p-53);
                }
            /* y = A x (+ y) and dot on the first row and column */
            if (M > 0 && K > 0) {
                float y[256];
                assert_true(M <= 256);
                for (int64_t i = 0; i < M; i++) y[i] = C0[i];
                be->sgemv(M, K, c->alpha, A, am, ak, B, bk, c->beta, y, 1);
                for (int64_t i = 0; i < M; i++) {
                    long double s = 0, m = 0;
                    for (int64_t k = 0; k < K; k++) {
                        long double x = (long double)A[i * am + k * ak] * B[k * bk];
                        s += x, m += fabsl(x);
                    }
                    long double e = c->alpha * s + (c->beta != 0 ? (long double)c->beta * C0[i] : 0);
                    long double mg = fabsl(c->alpha * m) + (c->beta != 0 ? fabsl((long double)c->beta * C0[i]) : 0);
                    check_sum("sgemv", lv[li], i, y[i], e, mg, K, 0x1p-24);
                }
                float d = be->sdot(K, A, ak, B, bk);
                long double s = 0, m = 0;
                for (int64_t k = 0; k < K; k++) {
                    long double x = (long double)A[k * ak] * B[k * bk];
                    s += x, m += fabsl(x);
                }
                check_sum("sdot", lv[li], 0, d, s, m, K, 0x1p-24);
            }
        }
        ts_free(A), ts_free(B), ts_free(C0), ts_free(C), ts_free(Ad), ts_free(Bd), ts_free(C0d), ts_free(Cd);
    }
}

/* ---- convolution ---- */

/* C, H, W, KH, KW, stride (h, w), padding (h, w), dilation (h, w); the
 * blocked AVX-512 kernel's three layouts: whole planes (OW == W, unit
 * stride), rows (OW != W), and im2col (column stride 2). */
static const int64_t g_geoms[][11] = {
    {5, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1},    /* planes, padding on every side */
    {6, 5, 34, 3, 3, 1, 1, 1, 0, 1, 1},   /* rows of 32 */
    {9, 11, 13, 3, 3, 2, 2, 1, 1, 1, 1},  /* stride 2: im2col */
    {9, 12, 7, 3, 3, 2, 1, 0, 1, 1, 1},   /* row stride 2 */
    {4, 10, 11, 3, 3, 1, 1, 2, 2, 2, 2},  /* dilation */
    {16, 9, 9, 1, 1, 2, 2, 0, 0, 1, 1},   /* 1x1, stride 2 */
    {3, 16, 13, 7, 7, 2, 2, 3, 3, 1, 1},  /* an image model's first layer */
    {1, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1},   /* one channel */
    {2, 6, 40, 1, 3, 1, 1, 0, 1, 1, 1},   /* 1-d */
    {21, 31, 32, 3, 3, 1, 1, 1, 1, 1, 1}, /* over 20480 input elements */
    {6, 12, 20, 5, 5, 1, 1, 2, 2, 1, 1},  /* 5x5 */
};
static const int64_t g_ocs[] = {13, 16, 17, 32};

static ConvGeom geom(const int64_t *v) {
    ConvGeom g = {.C = v[0], .H = v[1], .W = v[2], .KH = v[3], .KW = v[4], .sh = v[5], .sw = v[6],
                  .ph = v[7], .pw = v[8], .dh = v[9], .dw = v[10]};
    g.OH = (g.H + 2 * g.ph - g.dh * (g.KH - 1) - 1) / g.sh + 1;
    g.OW = (g.W + 2 * g.pw - g.dw * (g.KW - 1) - 1) / g.sw + 1;
    return g;
}

/* The exact convolution of output (oc, oh, ow) over channels [c0, c0 + nc)
 * (weights w[oc][nc][KH][KW]) and its magnitude. */
#define EXACT_CONV(NAME, T)                                                                                   \
    static void NAME(const ConvGeom *g, int64_t nc, int64_t c0, const T *x, const T *w, const T *bias,       \
                     int64_t oc, int64_t oh, int64_t ow, long double *e, long double *m) {                   \
        long double s = bias ? bias[oc] : 0, a = bias ? fabsl((long double)bias[oc]) : 0;                  \
        for (int64_t c = 0; c < nc; c++)                                                                     \
            for (int64_t kh = 0; kh < g->KH; kh++)                                                           \
                for (int64_t kw = 0; kw < g->KW; kw++) {                                                     \
                    int64_t ih = oh * g->sh - g->ph + kh * g->dh, iw = ow * g->sw - g->pw + kw * g->dw;      \
                    if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) continue;                              \
                    long double p = (long double)w[((oc * nc + c) * g->KH + kh) * g->KW + kw] *              \
                                    x[((c0 + c) * g->H + ih) * g->W + iw];                                   \
                    s += p, a += fabsl(p);                                                                   \
                }                                                                                            \
        *e = s, *m = a;                                                                                      \
    }
EXACT_CONV(exact_conv_f32, float)
EXACT_CONV(exact_conv_f64, double)

static void check_conv_f32(const char *what, KIsa l, const ConvGeom *g, int64_t OC, const float *x, const float *w,
                           const float *bias, const float *out) {
    for (int64_t oc = 0; oc < OC; oc++)
        for (int64_t oh = 0; oh < g->OH; oh++)
            for (int64_t ow = 0; ow < g->OW; ow++) {
                long double e, m;
                exact_conv_f32(g, g->C, 0, x, w, bias, oc, oh, ow, &e, &m);
                int64_t o = (oc * g->OH + oh) * g->OW + ow;
                check_sum(what, l, o, out[o], e, m, g->C * g->KH * g->KW, 0x1p-24);
            }
}

static void check_conv_f64(const char *what, KIsa l, const ConvGeom *g, int64_t OC, const double *x,
                           const double *w, const double *bias, const double *out) {
    for (int64_t oc = 0; oc < OC; oc++)
        for (int64_t oh = 0; oh < g->OH; oh++)
            for (int64_t ow = 0; ow < g->OW; ow++) {
                long double e, m;
                exact_conv_f64(g, g->C, 0, x, w, bias, oc, oh, ow, &e, &m);
                int64_t o = (oc * g->OH + oh) * g->OW + ow;
                check_sum(what, l, o, out[o], e, m, g->C * g->KH * g->KW, 0x1p-53);
            }
}

/* The direct (first-layer) kernels and the blocked float32 convolution. */
static void test_conv_levels(void **state) {
    (void)state;
    KIsa lv[KISA_MAX + 1];
    int nl = levels(lv);
    const KernelTable *port = kernels_at(KISA_PORTABLE);
    int saved_threads = kernels_threads();
    for (size_t gi = 0; gi < TS_ARRAY_LEN(g_geoms); gi++) {
        ConvGeom g = geom(g_geoms[gi]);
        for (size_t oi = 0; oi < TS_ARRAY_LEN(g_ocs); oi++) {
            int64_t OC = g_ocs[oi], K = g.C * g.KH * g.KW, no = OC * g.OH * g.OW;
            size_t nx = (size_t)(g.C * g.H * g.W), nw = (size_t)(OC * K);
            float *x = frand(nx), *w = frand(nw), *b = frand((size_t)OC);
            double *xd = drand_(nx), *wd = drand_(nw), *bd = drand_((size_t)OC);
            float *ref = xalloc((size_t)no * sizeof *ref), *out = xalloc((size_t)no * sizeof *out);
            double *refd = xalloc((size_t)no * sizeof *refd), *outd = xalloc((size_t)no * sizeof *outd);
            int64_t ns = kref_conv_direct_scratch(&g, OC);
            float *s = xalloc((size_t)ns * sizeof *s);
            double *sd = xalloc((size_t)ns * sizeof *sd);
            /* the portable kernels against the exact result (odd OC: no bias) */
            const float *bias = oi % 2 ? NULL : b;
            port->conv_direct_f32(&g, OC, x, w, bias, s, ref);
            port->conv_direct_f64(&g, OC, xd, wd, bd, sd, refd);
            check_conv_f32("conv_direct_f32", KISA_PORTABLE, &g, OC, x, w, bias, ref);
            check_conv_f64("conv_direct_f64", KISA_PORTABLE, &g, OC, xd, wd, bd, refd);
            for (int li = 0; li < nl; li++) {
                const KernelTable *t = kernels_at(lv[li]);
                /* every level: the portable kernel's bits, so within its bound */
                t->conv_direct_f32(&g, OC, x, w, bias, s, out);
                if (memcmp(out, ref, (size_t)no * sizeof *out) != 0)
                    fail_msg("conv_direct_f32 at %s differs from the portable kernel (geometry %zu, OC %lld)",
                             kernels_isa_name(lv[li]), gi, (long long)OC);
                t->conv_direct_f64(&g, OC, xd, wd, bd, sd, outd);
                assert_memory_equal(outd, refd, (size_t)no * sizeof *outd);
                if (!t->conv_blocked_f32) continue;
                int64_t nb = t->conv_blocked_f32_scratch(&g, OC);
                assert_true(nb > 0);
                float *sb = xalloc((size_t)nb * sizeof *sb), *out2 = xalloc((size_t)no * sizeof *out2);
                kernels_parallel_set_threads(1);
                t->conv_blocked_f32(&g, OC, x, w, b, sb, out);
                kernels_parallel_set_threads(2);
                t->conv_blocked_f32(&g, OC, x, w, b, sb, out2);
                kernels_parallel_set_threads(saved_threads);
                check_conv_f32("conv_blocked_f32", lv[li], &g, OC, x, w, b, out);
                if (memcmp(out, out2, (size_t)no * sizeof *out) != 0)
                    fail_msg("conv_blocked_f32 at %s: 1 and 2 threads differ (geometry %zu, OC %lld)",
                             kernels_isa_name(lv[li]), gi, (long long)OC);
                ts_free(sb), ts_free(out2);
            }
            ts_free(x), ts_free(w), ts_free(b), ts_free(xd), ts_free(wd), ts_free(bd);
            ts_free(ref), ts_free(out), ts_free(refd), ts_free(outd), ts_free(s), ts_free(sd);
        }
    }
}

/* Depthwise convolution (one channel) and batch norm's affine map. */
static void test_depthwise_affine_levels(void **state) {
    (void)state;
    KIsa lv[KISA_MAX + 1];
    int nl = levels(lv);
    const KernelTable *port = kernels_at(KISA_PORTABLE);
    for (size_t gi = 0; gi < TS_ARRAY_LEN(g_geoms); gi++) {
        ConvGeom g = geom(g_geoms[gi]);
        g.C = 1;
        int64_t no = g.OH * g.OW;
        float *x = frand((size_t)(g.H * g.W)), *w = frand((size_t)(g.KH * g.KW)), bias = (float)rnd();
        double *xd = drand_((size_t)(g.H * g.W)), *wd = drand_((size_t)(g.KH * g.KW)), biasd = rnd();
        float *ref = xalloc((size_t)no * sizeof *ref), *out = xalloc((size_t)no * sizeof *out);
        double *refd = xalloc((size_t)no * sizeof *refd), *outd = xalloc((size_t)no * sizeof *outd);
        port->conv_depthwise_f32(&g, x, w, bias, ref);
        port->conv_depthwise_f64(&g, xd, wd, biasd, refd);
        for (int li = 0; li < nl; li++) {
            const KernelTable *t = kernels_at(lv[li]);
            t->conv_depthwise_f32(&g, x, w, bias, out);
            t->conv_depthwise_f64(&g, xd, wd, biasd, outd);
            check_conv_f32("conv_depthwise_f32", lv[li], &g, 1, x, w, &bias, out);
            check_conv_f64("conv_depthwise_f64", lv[li], &g, 1, xd, wd, &biasd, outd);
            assert_memory_equal(out, ref, (size_t)no * sizeof *out);
            assert_memory_equal(outd, refd, (size_t)no * sizeof *outd);
        }
        ts_free(x), ts_free(w), ts_free(xd), ts_free(wd), ts_free(ref), ts_free(out), ts_free(refd), ts_free(outd);
    }
    /* out = fma(x, alpha[c], beta[c]) over N x C x inner: one rounding */
    int64_t N = 3, C = 5, inner = 37, n = N * C * inner;
    float *x = frand((size_t)n), *al = frand((size_t)C), *be = frand((size_t)C), *out = xalloc((size_t)n * 4);
    double *xd = drand_((size_t)n), *ald = drand_((size_t)C), *bed = drand_((size_t)C), *outd = xalloc((size_t)n * 8);
    for (int li = 0; li < nl; li++) {
        const KernelTable *t = kernels_at(lv[li]);
        t->channel_affine_f32(N, C, inner, x, al, be, out);
        t->channel_affine_f64(N, C, inner, xd, ald, bed, outd);
        for (int64_t i = 0; i < n; i++) {
            int64_t c = i / inner % C;
            assert_true(out[i] == fmaf(x[i], al[c], be[c]));
            assert_true(outd[i] == fma(xd[i], ald[c], bed[c]));
        }
    }
    ts_free(x), ts_free(al), ts_free(be), ts_free(out), ts_free(xd), ts_free(ald), ts_free(bed), ts_free(outd);
}

/* The registry (built by ts_ctx_new) is immortal: build it before the
 * fixtures count live blocks. */
static int group_setup(void **state) {
    (void)state;
    ops_init();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_cap, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_gemm_levels, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_conv_levels, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_depthwise_affine_levels, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
