/*
 * conv_avx512.c - float32 convolution of one image and group with AVX-512F,
 * for the convolutions PyTorch runs with oneDNN's blocked kernels (the
 * avx512 column of kernels/dispatch.def; ops/tensor_conv.c calls it through
 * the table; CMake compiles this file for AVX-512).
 *
 * The product out (OC x OH*OW) = w (OC x C*KH*KW) @ im2col(x) is computed
 * in register tiles of MR output channels x NV vectors of 16 outputs,
 * reading the input in place ("implicit im2col"): with a unit column
 * stride, output vector (oh, ow0..ow0+15) at tap (kh, kw) reads the
 * contiguous input run x[c][oh*sh - ph + kh*dh][ow0 - pw + kw*dw ...] with
 * one masked load, the mask dropping lanes that fall in the padding (or past
 * the row's last output), which AVX-512 does not fault on. The tiles' vectors
 * are consecutive in the output, so they may span rows and no row is padded
 * to a whole tile. Where rows are short (most of each vector would be
 * masked off) or the column stride is not 1, the kernel builds the im2col
 * matrix in scratch and convolves it as a single long row with a 1x1
 * kernel; a pointwise convolution is a single row already.
 *
 * Weights are packed once per call into scratch as [oc / MR][kh][kw][c][MR]
 * (zero rows past OC), so the inner loop over c reads MR consecutive
 * weights to broadcast and NV input vectors, and does MR x NV fused
 * multiply-adds. Each output is one chain over kh, kw, c, then + bias.
 * Vectors are walked in chunks (at most CHUNK_VECS) whose input fits the
 * L2 cache, and every weight block sweeps a chunk before the next block, so
 * the weights are read once per chunk.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels/parallel.h"
#include "kernels/x86/conv_x86.h"

enum { MR = 8, VL = 16, NVMAX = 3, KMAX = 16, CHUNK_BYTES = 256 * 1024, CHUNK_VECS = 96 };

/* How the kernel sees the output: vectors of 16 consecutive outputs of the
 * whole plane (FLAT: each vector's input is one run, as a unit stride and
 * OW == W make input offsets linear in output offsets), vectors within each
 * row (ROWS: unit column stride and at least 80% of the lanes in use), or
 * neither (IM2COL: the im2col matrix, convolved FLAT as one row). */
typedef enum { FLAT, ROWS, IM2COL } Mode;

static Mode mode(const ConvGeom *g) {
    if (g->sw != 1 || g->KH > KMAX || g->KW > KMAX) return IM2COL;
    if (g->sh == 1 && g->OW == g->W) return FLAT;
    int64_t nv = (g->OW + VL - 1) / VL;
    return g->OW * 5 >= nv * VL * 4 ? ROWS : IM2COL;
}

/* The geometry of a single row of n values with c channels and a 1x1 kernel. */
static ConvGeom flat(int64_t c, int64_t n) {
    return (ConvGeom){.C = c, .H = 1, .W = n, .KH = 1, .KW = 1, .OH = 1, .OW = n, .sh = 1, .sw = 1, .dh = 1, .dw = 1};
}

int64_t kx86_conv_f32_scratch_avx512(const ConvGeom *g, int64_t OC) {
    int64_t K = 0, ocp = (OC + MR - 1) / MR * MR, wsz = 0, col = 0, total = 0;
    if (!ts_mul_i64_ok(g->C, g->KH, &K) || !ts_mul_i64_ok(K, g->KW, &K) || !ts_mul_i64_ok(ocp, K, &wsz)) return 0;
    if (mode(g) == IM2COL && (!ts_mul_i64_ok(g->OH, g->OW, &col) || !ts_mul_i64_ok(col, K, &col))) return 0;
    if (__builtin_add_overflow(wsz, col, &total)) return 0;
    return total;
}

/* One output vector of a tile: the offset of its first output in the
 * plane, its valid lanes, the input offset of lane 0 at tap (0, 0), and
 * per kernel row / column the lanes whose tap lies inside the input. */
typedef struct OutVec {
    int64_t o, n, in;
    uint16_t rows[KMAX], cols[KMAX];
} OutVec;

static void out_vec(const ConvGeom *g, int64_t o, int64_t n, OutVec *v) {
    int64_t oh = o / g->OW, ow = o % g->OW;
    v->o = o, v->n = n;
    v->in = (oh * g->sh - g->ph) * g->W + ow - g->pw;
    memset(v->rows, 0, sizeof v->rows);
    memset(v->cols, 0, sizeof v->cols);
    for (int64_t j = 0; j < n; j++) {
        for (int64_t kh = 0; kh < g->KH; kh++) {
            int64_t ih = oh * g->sh - g->ph + kh * g->dh;
            if (ih >= 0 && ih < g->H) v->rows[kh] |= (uint16_t)(1u << j);
        }
        for (int64_t kw = 0; kw < g->KW; kw++) {
            int64_t iw = ow - g->pw + kw * g->dw;
            if (iw >= 0 && iw < g->W) v->cols[kw] |= (uint16_t)(1u << j);
        }
        if (++ow == g->OW) ow = 0, oh++;
    }
}

/* The accumulators are named variables, not an array: gcc keeps an array
 * of vectors in memory across the loops. */
#define ACC_ROW(X, r) X(r, 0) X(r, 1) X(r, 2)
#define ACC_ALL(X) ACC_ROW(X, 0) ACC_ROW(X, 1) ACC_ROW(X, 2) ACC_ROW(X, 3) \
    ACC_ROW(X, 4) ACC_ROW(X, 5) ACC_ROW(X, 6) ACC_ROW(X, 7)
#define ACC_DECL(r, v) __m512 a##r##v = _mm512_setzero_ps();
#define ACC_FMA(r, v) if (v < NV) a##r##v = _mm512_fmadd_ps(w##r, b##v, a##r##v);
#define ACC_BCAST(r) __m512 w##r = _mm512_set1_ps(wc[r]);
#define ACC_STORE(r, v)                                                                                      \
    if (v < NV && r < nr) {                                                                                  \
        __m512 t = bias ? _mm512_add_ps(a##r##v, _mm512_set1_ps(bias[oc0 + r])) : a##r##v;                   \
        _mm512_mask_storeu_ps(out + (oc0 + r) * ohw + vs[v].o, (__mmask16)((1u << vs[v].n) - 1), t);        \
    }

/* MR output channels (nr of them real, from oc0) x NV vectors. */
static inline __attribute__((always_inline, target("avx512f"))) void tile(const int NV, const ConvGeom *g,
                                                                          const OutVec *vs, const float *x,
                                                                          const float *wp, int64_t oc0, int64_t nr,
                                                                          const float *bias, float *out) {
    int64_t C = g->C, HW = g->H * g->W, ohw = g->OH * g->OW;
    ACC_ALL(ACC_DECL)
    for (int64_t kh = 0; kh < g->KH; kh++) {
        for (int64_t kw = 0; kw < g->KW; kw++) {
            /* A vector whose first lanes fall in the left padding starts before
             * the row: its address is made as an integer (never a C pointer
             * outside the array), and the mask keeps those lanes unread. */
            __mmask16 m[NVMAX] = {0, 0, 0};
            uintptr_t p[NVMAX] = {(uintptr_t)x, (uintptr_t)x, (uintptr_t)x};
            unsigned any = 0;
            for (int v = 0; v < NV; v++) {
                m[v] = (__mmask16)(vs[v].rows[kh] & vs[v].cols[kw]);
                if (m[v])
                    p[v] = (uintptr_t)x + (uintptr_t)((vs[v].in + kh * g->dh * g->W + kw * g->dw) * (int64_t)sizeof(float));
                any |= m[v];
            }
            if (!any) continue;
            const float *wk = wp + (kh * g->KW + kw) * C * MR;
            uintptr_t p0 = p[0], p1 = p[1], p2 = p[2], step = (uintptr_t)(HW * (int64_t)sizeof(float));
            __mmask16 m0 = m[0], m1 = m[1], m2 = m[2];
            for (int64_t c = 0; c < C; c++) {
                const float *wc = wk + c * MR;
                uintptr_t cs = (uintptr_t)c * step;
                __m512 b0 = _mm512_maskz_loadu_ps(m0, (const void *)(p0 + cs));
                __m512 b1 = NV > 1 ? _mm512_maskz_loadu_ps(m1, (const void *)(p1 + cs)) : b0;
                __m512 b2 = NV > 2 ? _mm512_maskz_loadu_ps(m2, (const void *)(p2 + cs)) : b0;
                ACC_BCAST(0) ACC_BCAST(1) ACC_BCAST(2) ACC_BCAST(3)
                ACC_BCAST(4) ACC_BCAST(5) ACC_BCAST(6) ACC_BCAST(7)
                ACC_ALL(ACC_FMA)
            }
        }
    }
    ACC_ALL(ACC_STORE)
}

#define TILE_FN(NV)                                                                                              \
    __attribute__((target("avx512f"), noinline)) static void tile##NV(                                          \
        const ConvGeom *g, const OutVec *vs, const float *x, const float *wp, int64_t oc0, int64_t nr,          \
        const float *bias, float *out) {                                                                         \
        tile(NV, g, vs, x, wp, oc0, nr, bias, out);                                                              \
    }
TILE_FN(1)
TILE_FN(2)
TILE_FN(3)

/* out from x through the packed weights wp, over geometry g (FLAT or ROWS):
 * chunks of output vectors, independent of each other, spread over the
 * kernel threads. */
typedef struct RunJob {
    const ConvGeom *g;
    Mode md;
    int64_t OC, nvec, nvr, chunk, K;
    const float *x, *wp, *bias;
    float *out;
} RunJob;

static void run_chunks(void *arg, int64_t c0, int64_t c1) {
    const RunJob *j = arg;
    const ConvGeom *g = j->g;
    int64_t ohw = g->OH * g->OW;
    OutVec vs[CHUNK_VECS];
    for (int64_t ci = c0; ci < c1; ci++) {
        int64_t i0 = ci * j->chunk, nc = TS_MIN(j->nvec - i0, j->chunk);
        for (int64_t i = 0; i < nc; i++) {
            int64_t k = i0 + i, o = j->md == FLAT ? k * VL : k / j->nvr * g->OW + k % j->nvr * VL;
            out_vec(g, o, TS_MIN((int64_t)VL, j->md == FLAT ? ohw - o : g->OW - o % g->OW), &vs[i]);
        }
        for (int64_t oc0 = 0; oc0 < j->OC; oc0 += MR) {
            const float *wb = j->wp + oc0 * j->K;
            int64_t nr = TS_MIN((int64_t)MR, j->OC - oc0);
            for (int64_t i = 0; i < nc; i += NVMAX) {
                int64_t nv = TS_MIN((int64_t)NVMAX, nc - i);
                if (nv == 3) tile3(g, vs + i, j->x, wb, oc0, nr, j->bias, j->out);
                else if (nv == 2) tile2(g, vs + i, j->x, wb, oc0, nr, j->bias, j->out);
                else tile1(g, vs + i, j->x, wb, oc0, nr, j->bias, j->out);
            }
        }
    }
}

static void run(const ConvGeom *g, Mode md, int64_t OC, const float *x, const float *wp, const float *bias,
                float *out) {
    int64_t ohw = g->OH * g->OW, nvr = (g->OW + VL - 1) / VL;
    int64_t nvec = md == FLAT ? (ohw + VL - 1) / VL : g->OH * nvr, K = g->C * g->KH * g->KW;
    int64_t chunk = CHUNK_BYTES / (TS_MAX(g->C * g->KH, 1) * VL * (int64_t)sizeof(float));
    chunk = TS_MIN((int64_t)CHUNK_VECS, TS_MAX(NVMAX, chunk / NVMAX * NVMAX));
    /* with several threads, at least four chunks each, so they finish together */
    int threads = kernels_threads();
    if (threads > 1) {
        int64_t even = nvec / (4 * (int64_t)threads) / NVMAX * NVMAX;
        chunk = TS_MAX((int64_t)NVMAX, TS_MIN(chunk, even));
    }
    RunJob job = {g, md, OC, nvec, nvr, chunk, K, x, wp, bias, out};
    kernels_parallel_for((nvec + chunk - 1) / chunk, 1, run_chunks, &job);
}

/* wp[oc / MR][kh][kw][c][oc % MR] = w[oc][c][kh][kw], 0 past OC. */
static void pack(const ConvGeom *g, int64_t OC, const float *w, float *wp) {
    int64_t C = g->C, KK = g->KH * g->KW, ocp = (OC + MR - 1) / MR * MR;
    for (int64_t ob = 0; ob < ocp; ob += MR) {
        float *d = wp + ob * C * KK;
        for (int64_t k = 0; k < KK; k++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t r = 0; r < MR; r++)
                    d[(k * C + c) * MR + r] = ob + r < OC ? w[((ob + r) * C + c) * KK + k] : 0.0f;
    }
}

void kx86_conv_f32_avx512(const ConvGeom *g, int64_t OC, const float *x, const float *w, const float *bias,
                          float *scratch, float *out) {
    int64_t K = g->C * g->KH * g->KW, ocp = (OC + MR - 1) / MR * MR;
    float *wp = scratch, *col = scratch + ocp * K;
    Mode md = mode(g);
    if (md != IM2COL) {
        pack(g, OC, w, wp);
        run(g, md, OC, x, wp, bias, out);
    } else {
        ConvGeom f = flat(K, g->OH * g->OW);
        kref_im2col_f32(g, x, col);
        pack(&f, OC, w, wp);
        run(&f, FLAT, OC, col, wp, bias, out);
    }
}
