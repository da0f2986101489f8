/*
 * test_kernels.c - the kernels: the blocked reference GEMM against a naive
 * in-order loop (bit for bit), the active backend (OpenBLAS when built in)
 * against the reference over odd shapes, transposes and strides, and the
 * elementwise, softmax and sum kernels on contiguous vs strided/broadcast
 * operands and against direct formulas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"
#include <math.h>
#include <stdio.h>

#include "kernels/backend.h"
#include "kernels/kernels.h"

static uint64_t g_rng = 88172645463325252ull;
static double rnd(void) { /* uniform in [-1, 1) */
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (double)(g_rng >> 11) / (double)(1ull << 52) - 1.0;
}

static void *xalloc(size_t n) {
    void *p = ts_malloc(n);
    assert_non_null(p);
    return p;
}

/* ---- GEMM ---- */

#if defined(__GNUC__) && !defined(__clang__)
#define NO_FMA __attribute__((optimize("fp-contract=off")))
#else
#define NO_FMA /* clang contracts only within one expression */
#endif

/* C = alpha * A B + beta * C, each element summed over k in order, no FMA. */
NO_FMA static void naive_sgemm(
    int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t am, int64_t ak, const float *B,
    int64_t bk, int64_t bn, float beta, float *C, int64_t cm, int64_t cn) {
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            float s = 0;
            for (int64_t k = 0; k < K; k++) {
                float p = A[i * am + k * ak] * B[k * bk + j * bn];
                s += p;
            }
            float *c = &C[i * cm + j * cn];
            if (beta == 0) *c = alpha == 1 ? s : alpha * s;
            else {
                float old = beta == 1 ? *c : beta * *c;
                *c = alpha == 1 ? old + s : old + alpha * s;
            }
        }
}

typedef struct GemmCase {
    int64_t M, N, K;
    int ta, tb, tc; /* A, B stored transposed; C column-major */
    int pad;        /* extra leading-dimension padding */
    float alpha, beta;
} GemmCase;

static const GemmCase g_cases[] = {
    {1, 1, 1, 0, 0, 0, 0, 1, 0},      {3, 5, 7, 0, 0, 0, 0, 1, 0},     {5, 3, 7, 1, 0, 0, 1, 1, 0},
    {7, 9, 3, 0, 1, 0, 0, 1, 0},      {17, 33, 65, 1, 1, 0, 3, 1, 0},  {33, 17, 129, 0, 1, 1, 0, 1, 1},
    {64, 64, 64, 0, 0, 0, 0, 1, 0},   {65, 63, 130, 0, 1, 0, 2, 0.5f, 1}, {1, 100, 300, 0, 1, 0, 0, 1, 0},
    {100, 1, 300, 0, 0, 0, 0, 1, 0},  {37, 41, 257, 1, 0, 1, 5, 2, 0.25f}, {128, 96, 200, 0, 1, 0, 0, 1, 1},
    {2, 3, 0, 0, 0, 0, 0, 1, 0},      {0, 3, 5, 0, 0, 0, 0, 1, 0},     {130, 70, 33, 1, 1, 1, 1, -1, 3},
};

/* Build the operands of a case in float; layout per the case flags. */
typedef struct GemmBufs {
    float *A, *B, *C;
    int64_t am, ak, bk, bn, cm, cn;
    size_t na, nb, nc;
} GemmBufs;

static void gemm_bufs(const GemmCase *c, GemmBufs *g) {
    int64_t M = c->M, N = c->N, K = c->K, p = c->pad;
    if (c->ta) g->am = 1, g->ak = M + p;
    else g->am = K + p, g->ak = 1;
    if (c->tb) g->bk = 1, g->bn = K + p;
    else g->bk = N + p, g->bn = 1;
    if (c->tc) g->cm = 1, g->cn = M + p;
    else g->cm = N + p, g->cn = 1;
    g->na = (size_t)((M + p) * (K + p) + 1);
    g->nb = (size_t)((K + p) * (N + p) + 1);
    g->nc = (size_t)((M + p) * (N + p) + 1);
    g->A = xalloc(g->na * sizeof(float));
    g->B = xalloc(g->nb * sizeof(float));
    g->C = xalloc(g->nc * sizeof(float));
    for (size_t i = 0; i < g->na; i++) g->A[i] = (float)rnd();
    for (size_t i = 0; i < g->nb; i++) g->B[i] = (float)rnd();
    for (size_t i = 0; i < g->nc; i++) g->C[i] = (float)rnd();
}

static void gemm_free(GemmBufs *g) {
    ts_free(g->A);
    ts_free(g->B);
    ts_free(g->C);
}

static void test_ref_sgemm_exact(void **state) {
    (void)state;
    for (size_t t = 0; t < TS_ARRAY_LEN(g_cases); t++) {
        const GemmCase *c = &g_cases[t];
        GemmBufs g;
        gemm_bufs(c, &g);
        float *C2 = xalloc(g.nc * sizeof(float));
        memcpy(C2, g.C, g.nc * sizeof(float));
        kref_sgemm(c->M, c->N, c->K, c->alpha, g.A, g.am, g.ak, g.B, g.bk, g.bn, c->beta, g.C, g.cm, g.cn);
        naive_sgemm(c->M, c->N, c->K, c->alpha, g.A, g.am, g.ak, g.B, g.bk, g.bn, c->beta, C2, g.cm, g.cn);
        for (size_t i = 0; i < g.nc; i++)
            if (memcmp(&g.C[i], &C2[i], sizeof(float)) != 0)
                fail_msg("case %zu: element %zu: %.9g != %.9g", t, i, g.C[i], C2[i]);
        ts_free(C2);
        gemm_free(&g);
    }
}

/* The backend in use (OpenBLAS when built in) agrees with the reference. */
static void test_backend_sgemm(void **state) {
    (void)state;
    const KernelBackend *be = kernels_backend();
    print_message("backend: %s\n", be->name);
    for (size_t t = 0; t < TS_ARRAY_LEN(g_cases); t++) {
        const GemmCase *c = &g_cases[t];
        GemmBufs g;
        gemm_bufs(c, &g);
        float *C2 = xalloc(g.nc * sizeof(float));
        memcpy(C2, g.C, g.nc * sizeof(float));
        be->sgemm(c->M, c->N, c->K, c->alpha, g.A, g.am, g.ak, g.B, g.bk, g.bn, c->beta, g.C, g.cm, g.cn);
        kref_sgemm(c->M, c->N, c->K, c->alpha, g.A, g.am, g.ak, g.B, g.bk, g.bn, c->beta, C2, g.cm, g.cn);
        double tol = 1e-6 * (double)(c->K + 4) * fabs((double)c->alpha) + 1e-6;
        for (size_t i = 0; i < g.nc; i++)
            if (fabs((double)g.C[i] - (double)C2[i]) > tol * (1 + fabs((double)C2[i])))
                fail_msg("case %zu: element %zu: %.9g vs ref %.9g", t, i, g.C[i], C2[i]);
        ts_free(C2);
        gemm_free(&g);
    }
    /* a layout no BLAS takes (no unit stride) falls back to the reference */
    float A[64], B[64], C[64] = {0}, R[64] = {0};
    for (int i = 0; i < 64; i++) A[i] = (float)rnd(), B[i] = (float)rnd();
    be->sgemm(3, 3, 3, 1, A, 6, 2, B, 7, 3, 0, C, 8, 2);
    kref_sgemm(3, 3, 3, 1, A, 6, 2, B, 7, 3, 0, R, 8, 2);
    assert_memory_equal(C, R, sizeof C);
}

static void test_dgemm_gemv_dot(void **state) {
    (void)state;
    const KernelBackend *be = kernels_backend();
    int64_t M = 37, N = 23, K = 71;
    double *A = xalloc(sizeof(double) * (size_t)(M * K)), *B = xalloc(sizeof(double) * (size_t)(K * N));
    double *C = xalloc(sizeof(double) * (size_t)(M * N)), *R = xalloc(sizeof(double) * (size_t)(M * N));
    for (int64_t i = 0; i < M * K; i++) A[i] = rnd();
    for (int64_t i = 0; i < K * N; i++) B[i] = rnd();
    /* B used transposed: B^T is N x K stored row-major -> (bk, bn) = (1, K) */
    be->dgemm(M, N, K, 1, A, K, 1, B, 1, K, 0, C, N, 1);
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k];
            R[i * N + j] = s;
        }
    for (int64_t i = 0; i < M * N; i++) assert_true(fabs(C[i] - R[i]) < 1e-12);
    kref_dgemm(M, N, K, 1, A, K, 1, B, 1, K, 0, C, N, 1);
    assert_memory_equal(C, R, sizeof(double) * (size_t)(M * N));

    /* gemv on A (M x K) and on A^T (K x M) with a strided x and y */
    float *Af = xalloc(sizeof(float) * (size_t)(M * K)), *x = xalloc(sizeof(float) * (size_t)(2 * K + 2 * M));
    float y[2 * 71], yr[2 * 71];
    for (int64_t i = 0; i < M * K; i++) Af[i] = (float)rnd();
    for (int64_t i = 0; i < 2 * K + 2 * M; i++) x[i] = (float)rnd();
    for (int tr = 0; tr < 2; tr++) {
        int64_t rows = tr ? K : M, cols = tr ? M : K, rs = tr ? 1 : K, cs = tr ? K : 1;
        for (int i = 0; i < 2 * 71; i++) y[i] = yr[i] = (float)i;
        be->sgemv(rows, cols, 1, Af, rs, cs, x, 2, 1, y, 2);
        kref_sgemv(rows, cols, 1, Af, rs, cs, x, 2, 1, yr, 2);
        for (int64_t i = 0; i < 2 * rows; i++) assert_true(fabs(y[i] - yr[i]) < 1e-4 * (1 + fabs(yr[i])));
    }
    float d = be->sdot(K, Af, 1, x, 2), dr = kref_sdot(K, Af, 1, x, 2);
    assert_true(fabs(d - dr) < 1e-5 * K);
    double dd = be->ddot(K, A, 1, B, 1), ddr = kref_ddot(K, A, 1, B, 1);
    assert_true(fabs(dd - ddr) < 1e-12 * K);
    ts_free(A);
    ts_free(B);
    ts_free(C);
    ts_free(R);
    ts_free(Af);
    ts_free(x);
}

static void test_igemm(void **state) {
    (void)state;
    int64_t A[6] = {1, -2, 3, INT64_MAX, 5, 6}, B[6] = {7, 8, 9, 10, 11, 12}, C[4] = {1, 1, 1, 1};
    /* [2x3] @ [3x2], accumulate into C; the overflow wraps */
    kref_igemm(2, 2, 3, A, 3, 1, B, 2, 1, true, C, 2, 1);
    assert_int_equal(C[0], 1 + 7 - 18 + 33);
    assert_int_equal(C[1], 1 + 8 - 20 + 36);
    uint64_t w = (uint64_t)INT64_MAX * 7u + 5u * 9u + 6u * 11u + 1u;
    assert_true(C[2] == (int64_t)w);
    kref_igemm(2, 2, 3, A, 3, 1, B, 2, 1, false, C, 2, 1);
    assert_int_equal(C[0], 7 - 18 + 33);
}

/* ---- elementwise ---- */

static Tensor *rand_tensor(Ctx *ctx, DType dt, const int64_t *sizes, int ndim, double scale) {
    Tensor *t = tensor_empty(ctx, dt, sizes, ndim);
    assert_non_null(t);
    int64_t n = tensor_numel(t);
    char *p = tensor_data(t);
    for (int64_t i = 0; i < n; i++) {
        double v = rnd() * scale;
        if (!dtype_is_float(dt)) v = floor(v);
        if (dt == DT_BOOL) v = v > 0;
        dtype_store_f64(dt, p + i * (int64_t)dtype_size(dt), v);
    }
    return t;
}

/* A transposed copy of t (same values, strides swapped on the last two dims). */
static Tensor *transposed_copy(Ctx *ctx, Tensor *t) {
    int nd = t->ndim;
    int64_t sz[TS_MAX_DIMS], st[TS_MAX_DIMS];
    memcpy(sz, t->sizes, sizeof sz);
    sz[nd - 1] = t->sizes[nd - 2];
    sz[nd - 2] = t->sizes[nd - 1];
    Tensor *base = tensor_empty(ctx, t->dtype, sz, nd); /* holds t^T contiguously */
    memcpy(st, base->strides, sizeof st);
    int64_t s = st[nd - 1];
    st[nd - 1] = st[nd - 2];
    st[nd - 2] = s;
    Tensor *v = tensor_view(ctx, base->storage, t->dtype, 0, t->sizes, st, nd); /* t's shape */
    tensor_copy_into(v, t);
    tensor_release(base);
    return v;
}

static const DType g_all_dtypes[] = {DT_UINT8, DT_INT8,    DT_INT16, DT_INT32,   DT_INT64,
                                     DT_BOOL,  DT_FLOAT16, DT_FLOAT32, DT_FLOAT64, DT_BFLOAT16};

/* Strided / broadcast operands give bit-identical results to contiguous ones. */
static void test_binary_layouts(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t sz[2] = {7, 13};
    for (size_t di = 0; di < TS_ARRAY_LEN(g_all_dtypes); di++) {
        DType dt = g_all_dtypes[di];
        for (int op = 0; op < BINARY_COUNT; op++) {
            if (op == BINARY_DIV && !dtype_is_float(dt)) continue;
            Tensor *a = rand_tensor(ctx, dt, sz, 2, 50), *b = rand_tensor(ctx, dt, sz, 2, 50);
            if (op == BINARY_POW) {
                kref_unary(UNARY_ABS, b, b, 0, 0);
                if (!dtype_is_float(dt)) kref_unary(UNARY_CLAMP, b, b, 0, 3);
            }
            DType odt = binary_op_is_bool((BinaryOp)op) ? DT_BOOL : dt;
            Tensor *r1 = tensor_empty(ctx, odt, sz, 2), *r2 = tensor_empty(ctx, odt, sz, 2);
            Tensor *at = transposed_copy(ctx, a), *bt = transposed_copy(ctx, b);
            KScalar alpha = dtype_is_float(dt) ? kscalar_f(0.5) : kscalar_i(3);
            if (dt == DT_BOOL) alpha = kscalar_i(1);
            kref_binary((BinaryOp)op, r1, a, b, alpha);
            kref_binary((BinaryOp)op, r2, at, bt, alpha);
            assert_memory_equal(tensor_data(r1), tensor_data(r2), (size_t)tensor_numel(r1) * dtype_size(odt));
            /* a row of b broadcast over a (stride 0) */
            int64_t rs[2] = {1, 13};
            Tensor *row = rand_tensor(ctx, dt, rs, 2, 50);
            if (op == BINARY_POW) kref_unary(UNARY_CLAMP, row, row, 0, 3);
            Tensor *rowx = tensor_expand(ctx, row, sz, 2);
            Tensor *rowc = tensor_contiguous(ctx, rowx);
            kref_binary((BinaryOp)op, r1, a, rowx, alpha);
            kref_binary((BinaryOp)op, r2, a, rowc, alpha);
            assert_memory_equal(tensor_data(r1), tensor_data(r2), (size_t)tensor_numel(r1) * dtype_size(odt));
            kref_binary((BinaryOp)op, r1, rowx, a, alpha);
            kref_binary((BinaryOp)op, r2, rowc, a, alpha);
            assert_memory_equal(tensor_data(r1), tensor_data(r2), (size_t)tensor_numel(r1) * dtype_size(odt));
            Tensor *ts[] = {a, b, r1, r2, at, bt, row, rowx, rowc};
            for (size_t i = 0; i < TS_ARRAY_LEN(ts); i++) tensor_release(ts[i]);
        }
    }
    tu_ctx_free(ctx);
}

/* Values of the binary kernels against direct formulas. */
static void test_binary_values(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t n = 8;
    Tensor *a = tensor_empty(ctx, DT_FLOAT32, &n, 1), *b = tensor_empty(ctx, DT_FLOAT32, &n, 1);
    Tensor *r = tensor_empty(ctx, DT_FLOAT32, &n, 1), *rb = tensor_empty(ctx, DT_BOOL, &n, 1);
    float av[8] = {5, -5, 7.5f, -7.5f, 1, NAN, 0, -0.0f}, bv[8] = {3, 3, -2, -2, 0, 1, -1, 2};
    memcpy(tensor_data(a), av, sizeof av);
    memcpy(tensor_data(b), bv, sizeof bv);
    float *rp = tensor_data(r);
    kref_binary(BINARY_DIV_FLOOR, r, a, b, kscalar_i(1));
    float floor_expect[8] = {1, -2, -4, 3, INFINITY, NAN, -0.0f, -0.0f};
    for (int i = 0; i < 8; i++) {
        if (isnan(floor_expect[i])) assert_true(isnan(rp[i]));
        else assert_true(rp[i] == floor_expect[i] && signbit(rp[i]) == signbit(floor_expect[i]));
    }
    kref_binary(BINARY_REM, r, a, b, kscalar_i(1));
    float rem_expect[8] = {2, 1, -0.5f, -1.5f, NAN, NAN, 0, -0.0f};
    for (int i = 0; i < 8; i++) {
        if (isnan(rem_expect[i])) assert_true(isnan(rp[i]));
        else assert_true(rp[i] == rem_expect[i]);
    }
    kref_binary(BINARY_ADD, r, a, b, kscalar_f(0.1));
    for (int i = 0; i < 8; i++)
        if (!isnan(av[i])) assert_true(rp[i] == fmaf(0.1f, bv[i], av[i]));
    kref_binary(BINARY_MAXIMUM, r, a, b, kscalar_i(1));
    assert_true(isnan(rp[5]));
    assert_true(rp[0] == 5 && rp[1] == 3);
    kref_binary(BINARY_GT, rb, a, b, kscalar_i(1));
    uint8_t *bp = tensor_data(rb);
    uint8_t gt_expect[8] = {1, 0, 1, 0, 1, 0, 1, 0};
    assert_memory_equal(bp, gt_expect, 8);

    /* integer floor division, remainder and wrapping */
    Tensor *ia = tensor_empty(ctx, DT_INT64, &n, 1), *ib = tensor_empty(ctx, DT_INT64, &n, 1);
    Tensor *ir = tensor_empty(ctx, DT_INT64, &n, 1);
    int64_t iav[8] = {5, -5, 5, -5, INT64_MIN, INT64_MAX, 7, 0}, ibv[8] = {2, 2, -2, -2, -1, 2, 7, 3};
    memcpy(tensor_data(ia), iav, sizeof iav);
    memcpy(tensor_data(ib), ibv, sizeof ibv);
    int64_t *irp = tensor_data(ir);
    kref_binary(BINARY_DIV_FLOOR, ir, ia, ib, kscalar_i(1));
    int64_t fl[8] = {2, -3, -3, 2, INT64_MIN, INT64_MAX / 2, 1, 0};
    assert_memory_equal(irp, fl, sizeof fl);
    kref_binary(BINARY_DIV_TRUNC, ir, ia, ib, kscalar_i(1));
    int64_t tr[8] = {2, -2, -2, 2, INT64_MIN, INT64_MAX / 2, 1, 0};
    assert_memory_equal(irp, tr, sizeof tr);
    kref_binary(BINARY_REM, ir, ia, ib, kscalar_i(1));
    int64_t rm[8] = {1, 1, -1, -1, 0, 1, 0, 0};
    assert_memory_equal(irp, rm, sizeof rm);
    kref_binary(BINARY_ADD, ir, ia, ib, kscalar_i(-3));
    assert_true(irp[5] == (int64_t)((uint64_t)INT64_MAX - 6u));
    kref_binary(BINARY_POW, ir, ib, ib, kscalar_i(1));
    assert_int_equal(irp[0], 4);
    assert_int_equal(irp[6], 823543);

    Tensor *ts[] = {a, b, r, rb, ia, ib, ir};
    for (size_t i = 0; i < TS_ARRAY_LEN(ts); i++) tensor_release(ts[i]);
    tu_ctx_free(ctx);
}

static void test_unary(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t sz[3] = {3, 5, 7};
    for (size_t di = 0; di < TS_ARRAY_LEN(g_all_dtypes); di++) {
        DType dt = g_all_dtypes[di];
        for (int op = 0; op < UNARY_COUNT; op++) {
            if (!dtype_is_float(dt) && !unary_op_int_ok((UnaryOp)op)) continue;
            if (dt == DT_BOOL && op == UNARY_NEG) continue;
            Tensor *a = rand_tensor(ctx, dt, sz, 3, 4);
            Tensor *at = transposed_copy(ctx, a);
            Tensor *r1 = tensor_empty(ctx, dt, sz, 3), *r2 = tensor_empty(ctx, dt, sz, 3);
            double p1 = op == UNARY_POW_SCALAR ? 3 : op == UNARY_SOFTPLUS ? 1 : -1, p2 = 2;
            kref_unary((UnaryOp)op, r1, a, p1, p2);
            kref_unary((UnaryOp)op, r2, at, p1, p2);
            assert_memory_equal(tensor_data(r1), tensor_data(r2), (size_t)tensor_numel(r1) * dtype_size(dt));
            /* in place */
            kref_unary((UnaryOp)op, a, a, p1, p2);
            assert_memory_equal(tensor_data(r1), tensor_data(a), (size_t)tensor_numel(r1) * dtype_size(dt));
            Tensor *ts[] = {a, at, r1, r2};
            for (size_t i = 0; i < TS_ARRAY_LEN(ts); i++) tensor_release(ts[i]);
        }
    }
    /* spot values in float32 */
    int64_t n = 4;
    Tensor *x = tensor_empty(ctx, DT_FLOAT32, &n, 1), *y = tensor_empty(ctx, DT_FLOAT32, &n, 1);
    float xv[4] = {-2, -0.0f, 0.5f, NAN};
    memcpy(tensor_data(x), xv, sizeof xv);
    float *yp = tensor_data(y);
    kref_unary(UNARY_RELU, y, x, 0, 0);
    assert_true(yp[0] == 0 && yp[1] == 0 && signbit(yp[1]) && yp[2] == 0.5f && isnan(yp[3]));
    kref_unary(UNARY_SIGMOID, y, x, 0, 0);
    assert_true(yp[2] == 1.0f / (1.0f + expf(-0.5f)));
    kref_unary(UNARY_GELU, y, x, 0, 0);
    assert_true(yp[2] == 0.5f * 0.5f * (1.0f + erff(0.5f * (float)M_SQRT1_2)));
    kref_unary(UNARY_CLAMP, y, x, -1, 0.25);
    assert_true(yp[0] == -1 && yp[2] == 0.25f && isnan(yp[3]));
    kref_unary(UNARY_POW_SCALAR, y, x, 3, 0);
    assert_true(yp[0] == -8);
    kref_unary(UNARY_ROUND, y, x, 0, 0);
    assert_true(yp[2] == 0);
    tensor_release(x);
    tensor_release(y);
    tu_ctx_free(ctx);
}

static void test_fill_where(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t sz[2] = {4, 6};
    Tensor *t = tensor_empty(ctx, DT_INT64, sz, 2);
    int64_t vs[2] = {2, 6}, vst[2] = {12, 1}; /* every other row */
    Tensor *v = tensor_view(ctx, t->storage, DT_INT64, 0, vs, vst, 2);
    kref_fill(v, kscalar_i(INT64_MAX));
    for (int i = 0; i < 24; i++) assert_true(tensor_get_i64(t, i) == ((i / 6) % 2 == 0 ? INT64_MAX : 0));
    Tensor *c = rand_tensor(ctx, DT_BOOL, sz, 2, 1), *a = rand_tensor(ctx, DT_FLOAT64, sz, 2, 1);
    Tensor *b = rand_tensor(ctx, DT_FLOAT64, sz, 2, 1), *r = tensor_empty(ctx, DT_FLOAT64, sz, 2);
    kref_where(r, c, a, b);
    for (int i = 0; i < 24; i++)
        assert_true(tensor_get_f64(r, i) == (tensor_get_i64(c, i) ? tensor_get_f64(a, i) : tensor_get_f64(b, i)));
    Tensor *ts[] = {t, v, c, a, b, r};
    for (size_t i = 0; i < TS_ARRAY_LEN(ts); i++) tensor_release(ts[i]);
    tu_ctx_free(ctx);
}

static void test_softmax_sum(void **state) {
    (void)state;
    Ctx *ctx = tu_ctx_new();
    int64_t sz[3] = {3, 4, 5};
    Tensor *x = rand_tensor(ctx, DT_FLOAT32, sz, 3, 10);
    Tensor *r = tensor_empty(ctx, DT_FLOAT32, sz, 3), *lr = tensor_empty(ctx, DT_FLOAT32, sz, 3);
    for (int dim = 0; dim < 3; dim++) {
        kref_softmax(r, x, dim, false);
        kref_softmax(lr, x, dim, true);
        for (int i = 0; i < 60; i++) {
            /* compare against double precision */
            int64_t idx[3] = {i / 20, (i / 5) % 4, i % 5};
            double m = -INFINITY, s = 0;
            for (int64_t k = 0; k < sz[dim]; k++) {
                int64_t j[3] = {idx[0], idx[1], idx[2]};
                j[dim] = k;
                double v = tensor_get_f64(x, j[0] * 20 + j[1] * 5 + j[2]);
                if (v > m) m = v;
            }
            for (int64_t k = 0; k < sz[dim]; k++) {
                int64_t j[3] = {idx[0], idx[1], idx[2]};
                j[dim] = k;
                s += exp(tensor_get_f64(x, j[0] * 20 + j[1] * 5 + j[2]) - m);
            }
            double xv = tensor_get_f64(x, i);
            double sm = exp(xv - m) / s, lsm = xv - m - log(s);
            assert_true(fabs(tensor_get_f64(r, i) - sm) < 1e-6);
            assert_true(fabs(tensor_get_f64(lr, i) - lsm) < 1e-5);
        }
    }
    /* a transposed input gives the same result */
    Tensor *xt = transposed_copy(ctx, x), *r2 = tensor_empty(ctx, DT_FLOAT32, sz, 3);
    kref_softmax(r, x, 2, false);
    kref_softmax(r2, xt, 2, false);
    assert_memory_equal(tensor_data(r), tensor_data(r2), 60 * sizeof(float));

    /* sum over dim 1 into a float64 accumulator */
    int64_t as[3] = {3, 1, 5};
    Tensor *acc = tensor_empty(ctx, DT_FLOAT64, as, 3);
    Tensor accv = *acc;
    accv.sizes[1] = 4;
    accv.strides[1] = 0;
    kref_sum_into(&accv, xt);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 5; k++) {
            double s = 0;
            for (int j = 0; j < 4; j++) s += tensor_get_f64(x, i * 20 + j * 5 + k);
            assert_true(fabs(tensor_get_f64(acc, i * 5 + k) - s) < 1e-12);
        }
    Tensor *ts[] = {x, r, lr, xt, r2, acc};
    for (size_t i = 0; i < TS_ARRAY_LEN(ts); i++) tensor_release(ts[i]);
    tu_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ref_sgemm_exact, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_backend_sgemm, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_dgemm_gemv_dot, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_igemm, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_binary_layouts, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_binary_values, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_unary, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_fill_where, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_softmax_sum, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
